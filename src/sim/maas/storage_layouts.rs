//! `machines/{id}/?op=set_storage_layout`: MAAS's canned storage layouts, which replace a
//! machine's whole storage configuration.

use super::records::machines::Machine;
use super::records::storage::{BlockDevice, Filesystem, Partition, PhysicalVolume, VolumeGroup, uuid};
use super::reply::Reply;
use super::request::Request;
use crate::maas::MachineStatus;

/// In the order MAAS lists them when refusing a name.
const LAYOUTS: &[&str] = &["bcache", "blank", "custom", "vmfs7", "flat", "lvm", "vmfs6"];

fn size_param(req: &Request, field: &str) -> Result<Option<u64>, Reply> {
    req.param(field)
        .map(|v| {
            v.parse::<u64>()
                .map_err(|_| Reply::invalid(field, "Enter a whole number."))
        })
        .transpose()
}

fn root_filesystem(seed: &str) -> Filesystem {
    Filesystem {
        fstype: "ext4".into(),
        label: Some("root".into()),
        uuid: uuid(seed),
        mount_point: Some("/".into()),
        mount_options: None,
        volume_group: None,
    }
}

/// Applies a layout; `ids` gives fresh (partition, block device, volume group) ids.
pub fn apply(req: &Request, machine: &mut Machine, ids: (u64, u64, u64)) -> Result<(), Reply> {
    let layout = req.param("storage_layout").unwrap_or_default();
    if !LAYOUTS.contains(&layout) {
        let listed: Vec<String> = LAYOUTS.iter().map(|l| format!("'{l}'")).collect();
        return Err(Reply::invalid(
            "storage_layout",
            &format!(
                "'{layout}' is not a valid storage_layout.  It should be one of: {}.",
                listed.join(", ")
            ),
        ));
    }
    if !matches!(layout, "blank" | "flat" | "lvm") {
        return Err(Reply::text(
            400,
            format!("The simulator does not model the {layout} storage layout; use flat, lvm or blank."),
        )
        .without_hash());
    }
    if machine.status != MachineStatus::Ready {
        return Err(Reply::plain_error(
            409,
            "Cannot change the storage layout on a machine that is not Ready.".into(),
        ));
    }
    let root_size = size_param(req, "root_size")?;
    let boot_size = size_param(req, "boot_size")?;
    let lv_size = size_param(req, "lv_size")?;
    // Every layout starts from bare disks.
    machine.volume_groups.clear();
    machine.disks.retain(|d| d.volume_group.is_none());
    for d in &mut machine.disks {
        d.partitions.clear();
        d.filesystem = None;
    }
    if layout == "blank" {
        return Ok(());
    }
    let root = match req.param("root_device") {
        Some(id) => machine.disks.iter().position(|d| d.id.to_string() == id),
        None => machine
            .boot_disk
            .and_then(|b| machine.disks.iter().position(|d| d.id == b))
            .or((!machine.disks.is_empty()).then_some(0)),
    };
    let Some(root) = root else {
        return Err(Reply::invalid(
            "root_device",
            "Select a valid choice. That choice is not one of the available choices.",
        ));
    };
    let (partition_id, lv_id, vg_id) = ids;
    let seed = format!("{}/layout/{partition_id}", machine.system_id);
    let disk = &mut machine.disks[root];
    // A separate /boot first when asked for (MAAS: `boot_size`), then the root partition.
    if let Some(boot) = boot_size.filter(|b| *b > 0) {
        let size = BlockDevice::aligned(boot).min(disk.available_size());
        disk.partitions.push(Partition {
            id: partition_id + 1,
            uuid: uuid(&format!("{seed}/boot")),
            size,
            bootable: false,
            filesystem: Some(Filesystem {
                fstype: "ext4".into(),
                label: Some("boot".into()),
                uuid: uuid(&format!("{seed}/bootfs")),
                mount_point: Some("/boot".into()),
                mount_options: None,
                volume_group: None,
            }),
        });
    }
    let available = disk.available_size();
    let size = match (layout, root_size) {
        ("flat", Some(size)) => BlockDevice::aligned(size).min(available),
        _ => available,
    };
    let disk_id = disk.id;
    disk.partitions.push(Partition {
        id: partition_id,
        uuid: uuid(&seed),
        size,
        bootable: false,
        filesystem: None,
    });
    let root_part = disk.partitions.len() - 1;
    if layout == "flat" {
        disk.partitions[root_part].filesystem = Some(root_filesystem(&format!("{seed}/fs")));
        return Ok(());
    }
    let vg_name = req.param("vg_name").unwrap_or("vgroot").to_string();
    disk.partitions[root_part].filesystem = Some(Filesystem::lvm_pv(&vg_name, &format!("{seed}/pv")));
    let vg = VolumeGroup {
        id: vg_id,
        name: vg_name.clone(),
        uuid: uuid(&format!("{seed}/vg")),
        devices: vec![PhysicalVolume::Partition {
            disk: disk_id,
            partition: partition_id,
        }],
    };
    let free = vg.available(&machine.disks);
    let mut lv = BlockDevice::physical(
        lv_id,
        format!("{vg_name}-{}", req.param("lv_name").unwrap_or("lvroot")),
        lv_size.map_or(free, BlockDevice::aligned).min(free),
    );
    lv.volume_group = Some(vg_id);
    lv.filesystem = Some(root_filesystem(&format!("{seed}/lvfs")));
    machine.disks.push(lv);
    machine.volume_groups.push(vg);
    Ok(())
}
