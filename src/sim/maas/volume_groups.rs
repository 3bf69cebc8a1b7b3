//! LVM on a machine: `nodes/{system_id}/volume-groups/` and `.../volume-group/{id}/`, whose
//! logical volumes appear among the machine's block devices as virtual disks.

use serde_json::{Value, json};

use super::records::storage::{BlockDevice, Filesystem, PhysicalVolume, VolumeGroup, uuid};
use super::reply::Reply;
use super::request::Request;
use super::state::State;

/// MAAS's human-readable sizes: powers of 1000, one decimal.
fn human(bytes: u64) -> String {
    let units = ["bytes", "kB", "MB", "GB", "TB", "PB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < units.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", units[unit])
}

impl VolumeGroup {
    pub fn to_json(&self, system_id: &str, disks: &[BlockDevice]) -> Value {
        let devices: Vec<Value> = self
            .devices
            .iter()
            .filter_map(|pv| match *pv {
                PhysicalVolume::Disk(id) => disks.iter().find(|d| d.id == id).map(|d| d.to_json(system_id)),
                PhysicalVolume::Partition { disk, partition } => {
                    let d = disks.iter().find(|d| d.id == disk)?;
                    let i = d.partitions.iter().position(|p| p.id == partition)?;
                    Some(d.partition_json(system_id, i, &d.partitions[i]))
                }
            })
            .collect();
        let lvs: Vec<Value> = disks
            .iter()
            .filter(|d| d.volume_group == Some(self.id))
            .map(|d| d.to_json(system_id))
            .collect();
        let (size, used) = (self.pv_size(disks), self.used(disks));
        json!({"name": self.name, "devices": devices, "system_id": system_id, "logical_volumes": lvs,
               "id": self.id, "human_available_size": human(size - used.min(size)), "uuid": self.uuid,
               "used_size": used, "human_used_size": human(used), "size": size, "human_size": human(size),
               "available_size": size.saturating_sub(used),
               "resource_uri": format!("/MAAS/api/2.0/nodes/{system_id}/volume-group/{}/", self.id)})
    }
}

pub fn collection(req: &Request, state: &mut State, system_id: &str) -> Reply {
    let m = match state.machine_index(system_id) {
        Ok(m) => m,
        Err(reply) => return reply,
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => {
            let machine = &state.machines[m];
            let list = machine
                .volume_groups
                .iter()
                .map(|vg| vg.to_json(system_id, &machine.disks))
                .collect();
            Reply::json(200, &Value::Array(list))
        }
        ("POST", None) => create(req, state, m),
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

/// Creates a volume group on free disks and partitions (MAAS allows a repeated name).
fn create(req: &Request, state: &mut State, m: usize) -> Reply {
    let name = req.param("name").unwrap_or_default().to_string();
    if name.is_empty() {
        return Reply::invalid("name", "This field is required.");
    }
    let id = state.next_volume_group_id();
    let machine = &mut state.machines[m];
    let mut devices = Vec::new();
    for raw in req.params_named("block_devices") {
        let free = machine
            .disks
            .iter()
            .find(|d| d.id.to_string() == raw)
            .filter(|d| d.filesystem.is_none() && d.partitions.is_empty() && d.volume_group.is_none());
        match free {
            Some(d) => devices.push(PhysicalVolume::Disk(d.id)),
            None => {
                return Reply::invalid(
                    "block_devices",
                    &format!("Select a valid choice. {raw} is not one of the available choices."),
                );
            }
        }
    }
    for raw in req.params_named("partitions") {
        let free = machine.disks.iter().find_map(|d| {
            d.partitions
                .iter()
                .find(|p| p.id.to_string() == raw && p.filesystem.is_none())
                .map(|p| PhysicalVolume::Partition {
                    disk: d.id,
                    partition: p.id,
                })
        });
        match free {
            Some(pv) => devices.push(pv),
            None => {
                return Reply::invalid(
                    "partitions",
                    &format!("Select a valid choice. {raw} is not one of the available choices."),
                );
            }
        }
    }
    if devices.is_empty() {
        return Reply::invalid(
            "__all__",
            "At least one valid block device or partition is required.",
        );
    }
    let system_id = machine.system_id.clone();
    for pv in &devices {
        let seed = format!("{system_id}/pv/{pv:?}");
        let slot = match *pv {
            PhysicalVolume::Disk(id) => machine
                .disks
                .iter_mut()
                .find(|d| d.id == id)
                .map(|d| &mut d.filesystem),
            PhysicalVolume::Partition { disk, partition } => machine
                .disks
                .iter_mut()
                .find(|d| d.id == disk)
                .and_then(|d| d.partitions.iter_mut().find(|p| p.id == partition))
                .map(|p| &mut p.filesystem),
        };
        if let Some(slot) = slot {
            *slot = Some(Filesystem::lvm_pv(&name, &seed));
        }
    }
    let vg = VolumeGroup {
        id,
        uuid: req
            .param("uuid")
            .map_or_else(|| uuid(&format!("{system_id}/vg/{id}")), str::to_string),
        name,
        devices,
    };
    let out = vg.to_json(&system_id, &machine.disks);
    machine.volume_groups.push(vg);
    Reply::json(200, &out)
}

pub fn item(req: &Request, state: &mut State, system_id: &str, id: &str) -> Reply {
    let m = match state.machine_index(system_id) {
        Ok(m) => m,
        Err(reply) => return reply,
    };
    let next_disk = state.next_disk_id();
    let machine = &mut state.machines[m];
    let Some(v) = machine
        .volume_groups
        .iter()
        .position(|vg| vg.id.to_string() == id)
    else {
        return Reply::text(404, "No VolumeGroup matches the given query.".into());
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &machine.volume_groups[v].to_json(system_id, &machine.disks)),
        ("POST", Some("create_logical_volume")) => {
            let vg = machine.volume_groups[v].clone();
            let name = req.param("name").unwrap_or_default();
            if name.is_empty() {
                return Reply::invalid("name", "This field is required.");
            }
            let available = vg.available(&machine.disks);
            let size = match req.param("size").map(str::parse::<u64>) {
                None => available,
                Some(Ok(size)) => BlockDevice::aligned(size),
                Some(Err(_)) => return Reply::invalid("size", "Enter a whole number."),
            };
            if size > available || size == 0 {
                return Reply::invalid(
                    "size",
                    &format!("Ensure this value is less than or equal to {available}."),
                );
            }
            let mut lv = BlockDevice::physical(next_disk, format!("{}-{name}", vg.name), size);
            lv.volume_group = Some(vg.id);
            // MAAS answers a new logical volume with a short summary, not the full disk.
            let full = lv.to_json(system_id);
            let out = json!({"name": full["name"], "system_id": system_id, "id": lv.id, "uuid": full["uuid"],
                             "used_size": full["used_size"], "size": lv.size,
                             "available_size": full["available_size"], "resource_uri": full["resource_uri"]});
            machine.disks.push(lv);
            Reply::json(200, &out)
        }
        ("POST", Some("delete_logical_volume")) => {
            let vg_id = machine.volume_groups[v].id;
            let lv = req.param("id").unwrap_or_default();
            machine
                .disks
                .retain(|d| !(d.volume_group == Some(vg_id) && d.id.to_string() == lv));
            Reply::text(204, String::new())
        }
        ("DELETE", None) => {
            let vg = machine.volume_groups.remove(v);
            machine.disks.retain(|d| d.volume_group != Some(vg.id));
            for d in &mut machine.disks {
                let frees = |fs: &Option<Filesystem>| {
                    fs.as_ref().and_then(|f| f.volume_group.as_deref()) == Some(vg.name.as_str())
                };
                if frees(&d.filesystem) && vg.devices.contains(&PhysicalVolume::Disk(d.id)) {
                    d.filesystem = None;
                }
                for p in &mut d.partitions {
                    let pv = PhysicalVolume::Partition {
                        disk: d.id,
                        partition: p.id,
                    };
                    if frees(&p.filesystem) && vg.devices.contains(&pv) {
                        p.filesystem = None;
                    }
                }
            }
            Reply::text(204, String::new())
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("DELETE, POST, GET, PUT"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_volume_group_keeps_4mib_per_pv_and_refuses_oversized_volumes() {
        let (mut state, id) = super::super::machines::region_with_machine(
            "architecture=amd64/generic&mac_addresses=52:54:00:aa:00:01",
        );
        let disk = Request::new("POST", "x", "", b"name=sdb&size=500000000000&block_size=512");
        assert_eq!(
            super::super::block_devices::collection(&disk, &mut state, &id).status,
            200
        );
        let disk_id = state.machines[0].disks[0].id;
        let vg = Request::new(
            "POST",
            "x",
            "",
            format!("name=vg0&block_devices={disk_id}").as_bytes(),
        );
        assert_eq!(collection(&vg, &mut state, &id).status, 200);
        let machine = &state.machines[0];
        assert_eq!(
            machine.volume_groups[0].available(&machine.disks),
            499_994_591_232
        );
        let vg_id = machine.volume_groups[0].id.to_string();
        let big = Request::new(
            "POST",
            "x",
            "op=create_logical_volume",
            b"name=big&size=900000000000",
        );
        assert_eq!(item(&big, &mut state, &id, &vg_id).status, 400);
        let lv = Request::new(
            "POST",
            "x",
            "op=create_logical_volume",
            b"name=var&size=100000000000",
        );
        assert_eq!(item(&lv, &mut state, &id, &vg_id).status, 200);
        let disks = &state.machines[0].disks;
        assert_eq!(disks.len(), 2, "the logical volume is a block device");
        assert_eq!(disks[1].name, "vg0-var");
        let delete = Request::new("DELETE", "x", "", b"");
        assert_eq!(item(&delete, &mut state, &id, &vg_id).status, 204);
        assert_eq!(state.machines[0].disks.len(), 1);
        assert!(
            state.machines[0].disks[0].filesystem.is_none(),
            "the disk is free again"
        );
    }
}
