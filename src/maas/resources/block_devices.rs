//! A machine's block devices and partitions, and the filesystems on them.

use serde::{Deserialize, Serialize};

use super::Extra;
use crate::maas::calls::calls;
use crate::maas::text_enum::text_enum;

text_enum! {
    /// `partition` appears where a volume group lists a partition among its devices.
    BlockDeviceType {
        Physical = "physical",
        Virtual = "virtual",
        Iscsi = "iscsi",
        Partition = "partition",
    }
}

text_enum! {
    Fstype {
        Ext2 = "ext2",
        Ext4 = "ext4",
        Xfs = "xfs",
        Btrfs = "btrfs",
        Fat32 = "fat32",
        Vfat = "vfat",
        Swap = "swap",
        Ramfs = "ramfs",
        Tmpfs = "tmpfs",
        Zfsroot = "zfsroot",
        LvmPv = "lvm-pv",
        Raid = "raid",
        RaidSpare = "raid-spare",
        BcacheCache = "bcache-cache",
        BcacheBacking = "bcache-backing",
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Filesystem {
    pub fstype: Fstype,
    pub label: Option<String>,
    pub uuid: Option<String>,
    pub mount_point: Option<String>,
    pub mount_options: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BlockDevice {
    pub id: u64,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: BlockDeviceType,
    /// Bytes.
    pub size: u64,
    pub block_size: u64,
    pub available_size: u64,
    pub used_size: u64,
    pub path: String,
    pub id_path: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub uuid: Option<String>,
    pub partition_table_type: Option<String>,
    pub partitions: Vec<Partition>,
    pub filesystem: Option<Filesystem>,
    /// MAAS's one-line summary ("GPT partitioned with 2 partitions").
    pub used_for: String,
    pub tags: Vec<String>,
    pub system_id: String,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Partition {
    pub id: u64,
    pub uuid: Option<String>,
    pub size: u64,
    pub bootable: bool,
    pub path: String,
    pub device_id: u64,
    pub filesystem: Option<Filesystem>,
    pub used_for: String,
    pub tags: Vec<String>,
    pub system_id: String,
    #[serde(flatten)]
    pub extra: Extra,
}

calls! {
    /// A machine's block devices (physical disks and logical volumes).
    BLOCK_DEVICES block_devices(system_id) Get "nodes/{system_id}/blockdevices/" -> Vec<BlockDevice>;
    /// One block device.
    BLOCK_DEVICE block_device(system_id, id) Get "nodes/{system_id}/blockdevices/{id}/" -> BlockDevice;
    /// Adds a physical block device (MAAS finds disks when commissioning; this is for the rest).
    CREATE_BLOCK_DEVICE create_block_device(system_id) Post "nodes/{system_id}/blockdevices/"
        -> BlockDevice
        ["name", "size", "block_size", "model", "serial", "id_path"];
    /// Deletes a block device.
    DELETE_BLOCK_DEVICE delete_block_device(system_id, id) Delete "nodes/{system_id}/blockdevices/{id}/" -> ();
    /// Makes a disk the boot disk.
    SET_BOOT_DISK set_boot_disk(system_id, id) Post "nodes/{system_id}/blockdevices/{id}/"
        op "set_boot_disk" -> String;
    /// Formats a whole block device.
    FORMAT_BLOCK_DEVICE format_block_device(system_id, id) Post "nodes/{system_id}/blockdevices/{id}/"
        op "format" -> BlockDevice
        ["fstype", "uuid"];
    /// Removes the filesystem from a block device.
    UNFORMAT_BLOCK_DEVICE unformat_block_device(system_id, id) Post "nodes/{system_id}/blockdevices/{id}/"
        op "unformat" -> BlockDevice;
    /// Mounts a block device's filesystem.
    MOUNT_BLOCK_DEVICE mount_block_device(system_id, id) Post "nodes/{system_id}/blockdevices/{id}/"
        op "mount" -> BlockDevice
        ["mount_point", "mount_options"];
    /// Unmounts a block device's filesystem.
    UNMOUNT_BLOCK_DEVICE unmount_block_device(system_id, id) Post "nodes/{system_id}/blockdevices/{id}/"
        op "unmount" -> BlockDevice;
    /// A block device's partitions.
    PARTITIONS partitions(system_id, device_id) Get "nodes/{system_id}/blockdevices/{device_id}/partitions/"
        -> Vec<Partition>;
    /// One partition.
    PARTITION partition(system_id, device_id, id) Get "nodes/{system_id}/blockdevices/{device_id}/partition/{id}"
        -> Partition;
    /// Creates a partition (`size` in bytes; the rest of the disk when absent).
    CREATE_PARTITION create_partition(system_id, device_id) Post "nodes/{system_id}/blockdevices/{device_id}/partitions/"
        -> Partition
        ["size", "bootable", "uuid"];
    /// Deletes a partition.
    DELETE_PARTITION delete_partition(system_id, device_id, id) Delete "nodes/{system_id}/blockdevices/{device_id}/partition/{id}"
        -> ();
    /// Formats a partition.
    FORMAT_PARTITION format_partition(system_id, device_id, id) Post "nodes/{system_id}/blockdevices/{device_id}/partition/{id}"
        op "format" -> Partition
        ["fstype", "label", "uuid"];
    /// Removes a partition's filesystem.
    UNFORMAT_PARTITION unformat_partition(system_id, device_id, id) Post "nodes/{system_id}/blockdevices/{device_id}/partition/{id}"
        op "unformat" -> Partition;
    /// Mounts a partition's filesystem.
    MOUNT_PARTITION mount_partition(system_id, device_id, id) Post "nodes/{system_id}/blockdevices/{device_id}/partition/{id}"
        op "mount" -> Partition
        ["mount_point", "mount_options"];
    /// Unmounts a partition's filesystem.
    UNMOUNT_PARTITION unmount_partition(system_id, device_id, id) Post "nodes/{system_id}/blockdevices/{device_id}/partition/{id}"
        op "unmount" -> Partition;
}
