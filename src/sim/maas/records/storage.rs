//! A machine's storage: block devices (disks, and logical volumes as virtual disks), their
//! partitions and filesystems, and LVM volume groups, with the sizing rules MAAS applies.

/// MAAS aligns partitions to 4 MiB.
pub const ALIGNMENT: u64 = 4 * 1024 * 1024;
/// Room MAAS keeps for the partition table (fitted to the captured `available_size`s).
const TABLE_SPACE: u64 = 6 * 1024 * 1024;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Filesystem {
    pub fstype: String,
    /// Null for an LVM physical volume, as MAAS shows it.
    pub label: Option<String>,
    pub uuid: String,
    pub mount_point: Option<String>,
    pub mount_options: Option<String>,
    /// For an `lvm-pv`: the volume group it belongs to.
    pub volume_group: Option<String>,
}

impl Filesystem {
    /// The LVM physical-volume marker a device gets when it joins a volume group.
    pub fn lvm_pv(volume_group: &str, seed: &str) -> Filesystem {
        Filesystem {
            fstype: "lvm-pv".into(),
            label: None,
            uuid: uuid(seed),
            mount_point: None,
            mount_options: None,
            volume_group: Some(volume_group.to_string()),
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Partition {
    pub id: u64,
    pub uuid: String,
    pub size: u64,
    pub bootable: bool,
    pub filesystem: Option<Filesystem>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BlockDevice {
    pub id: u64,
    pub name: String,
    pub size: u64,
    pub block_size: u64,
    pub model: String,
    pub serial: String,
    pub id_path: String,
    pub partitions: Vec<Partition>,
    pub filesystem: Option<Filesystem>,
    /// A logical volume: the id of its volume group.
    pub volume_group: Option<u64>,
}

/// A stable UUID-shaped string from a seed, so answers do not change between runs.
pub fn uuid(seed: &str) -> String {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for b in seed.bytes() {
        h = (h ^ u128::from(b)).wrapping_mul(0x0000000001000000000000000000013b);
    }
    let hex = format!("{h:032x}");
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

impl BlockDevice {
    pub fn physical(id: u64, name: String, size: u64) -> BlockDevice {
        BlockDevice {
            id,
            name,
            size,
            block_size: 512,
            model: "QEMU HARDDISK".into(),
            serial: String::new(),
            id_path: String::new(),
            partitions: Vec::new(),
            filesystem: None,
            volume_group: None,
        }
    }

    /// Size rounded down to MAAS's alignment.
    pub fn aligned(size: u64) -> u64 {
        size / ALIGNMENT * ALIGNMENT
    }

    pub fn used_size(&self) -> u64 {
        match (&self.filesystem, self.partitions.is_empty()) {
            (Some(_), _) => self.size,
            (None, true) => 0,
            (None, false) => TABLE_SPACE + self.partitions.iter().map(|p| p.size).sum::<u64>(),
        }
    }

    pub fn available_size(&self) -> u64 {
        if self.filesystem.is_some() {
            return 0;
        }
        let usable = self.size.saturating_sub(TABLE_SPACE) / ALIGNMENT * ALIGNMENT;
        usable.saturating_sub(self.partitions.iter().map(|p| p.size).sum())
    }
}

/// LVM metadata MAAS reserves on each physical volume.
const PV_OVERHEAD: u64 = 4 * 1024 * 1024;

/// A physical volume: a whole disk, or one partition of a disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PhysicalVolume {
    Disk(u64),
    Partition { disk: u64, partition: u64 },
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct VolumeGroup {
    pub id: u64,
    pub name: String,
    pub uuid: String,
    pub devices: Vec<PhysicalVolume>,
}

impl VolumeGroup {
    pub fn pv_size(&self, disks: &[BlockDevice]) -> u64 {
        self.devices
            .iter()
            .filter_map(|pv| match *pv {
                PhysicalVolume::Disk(id) => disks.iter().find(|d| d.id == id).map(|d| d.size),
                PhysicalVolume::Partition { disk, partition } => disks
                    .iter()
                    .find(|d| d.id == disk)?
                    .partitions
                    .iter()
                    .find(|p| p.id == partition)
                    .map(|p| p.size),
            })
            .map(|size| BlockDevice::aligned(size).saturating_sub(PV_OVERHEAD))
            .sum()
    }

    pub fn used(&self, disks: &[BlockDevice]) -> u64 {
        disks
            .iter()
            .filter(|d| d.volume_group == Some(self.id))
            .map(|d| d.size)
            .sum()
    }

    pub fn available(&self, disks: &[BlockDevice]) -> u64 {
        self.pv_size(disks).saturating_sub(self.used(disks))
    }
}
