//! A machine's storage: `nodes/{system_id}/blockdevices/`, `.../blockdevices/{id}/`, and
//! partitions below them (`.../partitions/`, `.../partition/{id}`), with filesystems.

use serde_json::{Value, json};

use super::records::storage::{ALIGNMENT, BlockDevice, Filesystem, Partition, uuid};
use super::reply::Reply;
use super::request::Request;
use super::state::State;
use crate::maas::MachineStatus;

fn filesystem_json(fs: &Option<Filesystem>) -> Value {
    fs.as_ref().map_or(Value::Null, |f| {
        json!({"fstype": f.fstype, "label": f.label, "uuid": f.uuid,
               "mount_point": f.mount_point, "mount_options": f.mount_options})
    })
}

fn used_for(fs: &Option<Filesystem>, partitions: usize) -> String {
    match fs {
        Some(Filesystem {
            volume_group: Some(vg),
            ..
        }) => format!("LVM volume for {vg}"),
        Some(f) => match &f.mount_point {
            Some(at) => format!("{} formatted filesystem mounted at {at}", f.fstype),
            None => format!("Unmounted {} formatted filesystem", f.fstype),
        },
        None if partitions == 1 => "GPT partitioned with 1 partition".into(),
        None if partitions > 1 => format!("GPT partitioned with {partitions} partitions"),
        None => "Unused".into(),
    }
}

impl BlockDevice {
    pub fn partition_json(&self, system_id: &str, index: usize, p: &Partition) -> Value {
        json!({"uuid": p.uuid, "size": p.size, "bootable": p.bootable, "tags": [], "system_id": system_id,
               "filesystem": filesystem_json(&p.filesystem), "device_id": self.id, "id": p.id,
               "type": "partition",
               // Part 1 is the boot partition MAAS adds itself.
               "path": format!("/dev/disk/by-dname/{}-part{}", self.name, index + 2),
               "used_for": used_for(&p.filesystem, 0),
               "resource_uri": format!("/MAAS/api/2.0/nodes/{system_id}/blockdevices/{}/partition/{}", self.id, p.id)})
    }

    pub fn to_json(&self, system_id: &str) -> Value {
        let partitions: Vec<Value> = self
            .partitions
            .iter()
            .enumerate()
            .map(|(i, p)| self.partition_json(system_id, i, p))
            .collect();
        let mut v = json!({"firmware_version": null, "name": self.name, "id_path": self.id_path,
               "partition_table_type": if self.partitions.is_empty() { Value::Null } else { json!("GPT") },
               "tags": [], "model": self.model, "id": self.id, "uuid": null,
               "path": format!("/dev/disk/by-dname/{}", self.name),
               "used_for": used_for(&self.filesystem, self.partitions.len()),
               "available_size": self.available_size(), "system_id": system_id, "partitions": partitions,
               "type": "physical", "used_size": self.used_size(), "size": self.size,
               "filesystem": filesystem_json(&self.filesystem), "serial": self.serial,
               "block_size": self.block_size, "storage_pool": null, "numa_node": 0,
               "resource_uri": format!("/MAAS/api/2.0/nodes/{system_id}/blockdevices/{}/", self.id)});
        if self.volume_group.is_some() {
            // A logical volume has no hardware identity, and a UUID of its own.
            if let Some(fields) = v.as_object_mut() {
                fields.remove("firmware_version");
            }
            for field in ["id_path", "model", "serial", "numa_node"] {
                v[field] = Value::Null;
            }
            v["type"] = json!("virtual");
            v["block_size"] = json!(4096);
            v["uuid"] = json!(uuid(&format!("{system_id}/lv/{}", self.id)));
        }
        v
    }
}

fn number(req: &Request, field: &str) -> Result<Option<u64>, Reply> {
    req.param(field)
        .map(|v| {
            v.parse::<u64>()
                .map_err(|_| Reply::invalid(field, "Enter a whole number."))
        })
        .transpose()
}

pub fn collection(req: &Request, state: &mut State, system_id: &str) -> Reply {
    let m = match state.machine_index(system_id) {
        Ok(m) => m,
        Err(reply) => return reply,
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => {
            let machine = &state.machines[m];
            // MAAS's list, unlike every other view of a disk, leaves out `firmware_version`.
            let list = machine
                .disks
                .iter()
                .map(|d| {
                    let mut v = d.to_json(&machine.system_id);
                    if let Some(fields) = v.as_object_mut() {
                        fields.remove("firmware_version");
                    }
                    v
                })
                .collect();
            Reply::json(200, &Value::Array(list))
        }
        ("POST", None) => {
            let name = req.param("name").unwrap_or_default().to_string();
            let (size, block_size) = match (number(req, "size"), number(req, "block_size")) {
                (Ok(s), Ok(b)) => (s, b),
                (Err(reply), _) | (_, Err(reply)) => return reply,
            };
            for (field, missing) in [
                ("name", name.is_empty()),
                ("size", size.is_none()),
                ("block_size", block_size.is_none()),
            ] {
                if missing {
                    return Reply::invalid(field, "This field is required.");
                }
            }
            let id = state.next_disk_id();
            let mut disk = BlockDevice::physical(id, name, size.unwrap_or_default());
            disk.block_size = block_size.unwrap_or(512);
            let text = |k: &str| req.param(k).unwrap_or_default().to_string();
            disk.model = text("model");
            disk.serial = text("serial");
            disk.id_path = text("id_path");
            let out = disk.to_json(system_id);
            state.machines[m].disks.push(disk);
            Reply::json(200, &out)
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

fn format(req: &Request, seed: &str) -> Result<Filesystem, Reply> {
    let fstype = req.param("fstype").unwrap_or_default();
    const TYPES: &[&str] = &[
        "ext2", "ext4", "xfs", "fat32", "vfat", "btrfs", "zfsroot", "swap", "ramfs", "tmpfs",
    ];
    if !TYPES.contains(&fstype) {
        return Err(Reply::invalid(
            "fstype",
            &format!("Select a valid choice. {fstype} is not one of the available choices."),
        ));
    }
    Ok(Filesystem {
        fstype: fstype.to_string(),
        label: Some(req.param("label").unwrap_or_default().to_string()),
        uuid: req.param("uuid").map_or_else(|| uuid(seed), str::to_string),
        mount_point: None,
        mount_options: None,
        volume_group: None,
    })
}

/// Applies `op=mount`, `unmount`, `format` or `unformat` to a filesystem slot.
fn filesystem_op(req: &Request, op: &str, slot: &mut Option<Filesystem>, seed: &str) -> Option<Reply> {
    match op {
        "format" => match format(req, seed) {
            Ok(fs) => *slot = Some(fs),
            Err(reply) => return Some(reply),
        },
        "unformat" => {
            if slot.as_ref().is_some_and(|f| f.mount_point.is_some()) {
                return Some(
                    Reply::text(400, "Filesystem is mounted and cannot be unformatted. Unmount the filesystem before unformatting the block device.".into())
                        .without_hash(),
                );
            }
            *slot = None;
        }
        "mount" => {
            let Some(fs) = slot.as_mut() else {
                return Some(
                    Reply::text(
                        400,
                        "Cannot mount an unformatted partition or block device.".into(),
                    )
                    .without_hash(),
                );
            };
            let at = req.param("mount_point").unwrap_or_default();
            if !(at.starts_with('/') || (at == "none" && fs.fstype == "swap")) {
                return Some(Reply::invalid("mount_point", "Enter a valid value."));
            }
            fs.mount_point = Some(at.to_string());
            fs.mount_options = Some(req.param("mount_options").unwrap_or_default().to_string());
        }
        "unmount" => {
            let Some(fs) = slot.as_mut().filter(|f| f.mount_point.is_some()) else {
                return Some(Reply::text(400, "Filesystem is already unmounted.".into()).without_hash());
            };
            fs.mount_point = None;
            fs.mount_options = None;
        }
        _ => return Some(req.unrecognised(op)),
    }
    None
}

/// The machine and disk a `nodes/{system_id}/blockdevices/{id}/` path names, or MAAS's 404.
fn disk_index(state: &State, system_id: &str, device: &str) -> Result<(usize, usize), Reply> {
    let m = state.machine_index(system_id)?;
    let d = state.machines[m]
        .disks
        .iter()
        .position(|d| d.id.to_string() == device)
        .ok_or_else(|| Reply::text(404, "No BlockDevice matches the given query.".into()))?;
    Ok((m, d))
}

pub fn item(req: &Request, state: &mut State, system_id: &str, id: &str) -> Reply {
    let (m, d) = match disk_index(state, system_id, id) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let status = state.machines[m].status;
    let machine = &mut state.machines[m];
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &machine.disks[d].to_json(system_id)),
        ("POST", Some("set_boot_disk")) => {
            if status != MachineStatus::Ready {
                return Reply::plain_error(
                    409,
                    "Cannot set as boot disk because the machine is not Ready.".into(),
                );
            }
            machine.boot_disk = Some(machine.disks[d].id);
            Reply::text(200, "OK".into())
        }
        ("POST", Some(op @ ("format" | "unformat" | "mount" | "unmount"))) => {
            let disk = &mut machine.disks[d];
            if !disk.partitions.is_empty() {
                return Reply::text(
                    400,
                    "Cannot format or mount a block device that has partitions.".into(),
                )
                .without_hash();
            }
            let seed = format!("{system_id}/{}", disk.id);
            match filesystem_op(req, op, &mut disk.filesystem, &seed) {
                Some(reply) => reply,
                None => Reply::json(200, &disk.to_json(system_id)),
            }
        }
        ("DELETE", None) => {
            let disk = &machine.disks[d];
            if disk.filesystem.as_ref().is_some_and(|f| f.volume_group.is_some()) {
                return Reply::plain_error(
                    400,
                    "Cannot delete block device because its part of a volume group.".into(),
                );
            }
            let mounted = disk.filesystem.as_ref().is_some_and(|f| f.mount_point.is_some());
            if mounted || !disk.partitions.is_empty() {
                return Reply::text(
                    400,
                    format!("Cannot delete block device because it is in use: {}.", disk.name),
                )
                .without_hash();
            }
            machine.disks.remove(d);
            Reply::text(204, String::new())
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("DELETE, POST, GET, PUT"),
    }
}

pub fn partitions(req: &Request, state: &mut State, system_id: &str, device: &str) -> Reply {
    let (m, d) = match disk_index(state, system_id, device) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let next_id = state.next_partition_id();
    let disk = &mut state.machines[m].disks[d];
    match (req.method.as_str(), req.op()) {
        ("GET", None) => {
            let list = disk
                .partitions
                .iter()
                .enumerate()
                .map(|(i, p)| disk.partition_json(system_id, i, p))
                .collect();
            Reply::json(200, &Value::Array(list))
        }
        ("POST", None) => {
            if disk.filesystem.is_some() {
                return Reply::text(400, "Cannot partition a formatted block device.".into()).without_hash();
            }
            let available = disk.available_size();
            let size = match number(req, "size") {
                Ok(Some(size)) if size > disk.size => {
                    return Reply::invalid(
                        "size",
                        &format!("Ensure this value is less than or equal to {}.", disk.size),
                    );
                }
                Ok(Some(size)) => (size / ALIGNMENT * ALIGNMENT).max(ALIGNMENT),
                Ok(None) => available,
                Err(reply) => return reply,
            };
            if size > available {
                return Reply::invalid(
                    "size",
                    &format!("Ensure this value is less than or equal to {available}."),
                );
            }
            let partition = Partition {
                id: next_id,
                uuid: uuid(&format!("{system_id}/{}/{next_id}", disk.id)),
                size,
                bootable: matches!(req.param("bootable"), Some("true" | "1")),
                filesystem: None,
            };
            disk.partitions.push(partition);
            let i = disk.partitions.len() - 1;
            Reply::json(200, &disk.partition_json(system_id, i, &disk.partitions[i]))
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

pub fn partition(req: &Request, state: &mut State, system_id: &str, device: &str, id: &str) -> Reply {
    let (m, d) = match disk_index(state, system_id, device) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let disk = &mut state.machines[m].disks[d];
    let Some(i) = disk.partitions.iter().position(|p| p.id.to_string() == id) else {
        return Reply::text(404, "No Partition matches the given query.".into());
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &disk.partition_json(system_id, i, &disk.partitions[i])),
        ("POST", Some(op)) => {
            let seed = format!("{system_id}/{}/{}/fs", disk.id, disk.partitions[i].id);
            match filesystem_op(req, op, &mut disk.partitions[i].filesystem, &seed) {
                Some(reply) => reply,
                None => Reply::json(200, &disk.partition_json(system_id, i, &disk.partitions[i])),
            }
        }
        ("DELETE", None) => {
            disk.partitions.remove(i);
            Reply::text(204, String::new())
        }
        _ => Reply::method_not_allowed("DELETE, POST, GET"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region_with_disk() -> (State, String) {
        let (mut state, id) = super::super::machines::region_with_machine(
            "architecture=amd64/generic&mac_addresses=52:54:00:aa:00:01",
        );
        let disk = Request::new("POST", "x", "", b"name=sda&size=500000000000&block_size=512");
        assert_eq!(collection(&disk, &mut state, &id).status, 200);
        (state, id)
    }

    #[test]
    fn partitions_align_to_4mib_and_cannot_outgrow_the_disk() {
        let (mut state, id) = region_with_disk();
        let disk = state.machines[0].disks[0].id.to_string();
        let p = Request::new("POST", "x", "", b"size=100000000000");
        assert_eq!(partitions(&p, &mut state, &id, &disk).status, 200);
        assert_eq!(state.machines[0].disks[0].partitions[0].size, 99_996_401_664);
        let rest = Request::new("POST", "x", "", b"");
        assert_eq!(
            partitions(&rest, &mut state, &id, &disk).status,
            200,
            "no size takes the rest"
        );
        assert_eq!(state.machines[0].disks[0].available_size(), 0);
        let more = Request::new("POST", "x", "", b"size=4194304");
        assert_eq!(partitions(&more, &mut state, &id, &disk).status, 400);
    }

    #[test]
    fn a_mounted_filesystem_must_be_unmounted_before_unformatting() {
        let (mut state, id) = region_with_disk();
        let disk = state.machines[0].disks[0].id.to_string();
        let op = |op: &str, body: &str| Request::new("POST", "x", &format!("op={op}"), body.as_bytes());
        assert_eq!(
            item(&op("format", "fstype=ext4"), &mut state, &id, &disk).status,
            200
        );
        assert_eq!(
            item(&op("mount", "mount_point=/srv"), &mut state, &id, &disk).status,
            200
        );
        assert_eq!(item(&op("unformat", ""), &mut state, &id, &disk).status, 400);
        assert_eq!(item(&op("unmount", ""), &mut state, &id, &disk).status, 200);
        assert_eq!(item(&op("unformat", ""), &mut state, &id, &disk).status, 200);
        assert!(state.machines[0].disks[0].filesystem.is_none());
    }
}
