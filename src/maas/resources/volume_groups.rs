//! A machine's LVM volume groups and their logical volumes.

use serde::{Deserialize, Serialize};

use super::Extra;
use super::block_devices::{BlockDevice, BlockDeviceType, Filesystem};
use crate::maas::calls::calls;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VolumeGroup {
    pub id: u64,
    pub name: String,
    pub uuid: Option<String>,
    /// Bytes.
    pub size: u64,
    pub used_size: u64,
    pub available_size: u64,
    /// Physical volumes: whole block devices or partitions.
    pub devices: Vec<PhysicalVolume>,
    /// Logical volumes, as virtual block devices.
    pub logical_volumes: Vec<BlockDevice>,
    pub system_id: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A volume group's physical volume: a block device or a partition (`kind` says which).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PhysicalVolume {
    pub id: u64,
    #[serde(rename = "type")]
    pub kind: BlockDeviceType,
    /// Bytes.
    pub size: u64,
    pub path: String,
    pub filesystem: Option<Filesystem>,
    pub used_for: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A new logical volume, as `create_logical_volume` answers (read the volume group or the
/// block device for the rest).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LogicalVolume {
    /// Its block device id.
    pub id: u64,
    pub name: String,
    pub uuid: Option<String>,
    pub size: u64,
    pub used_size: u64,
    pub available_size: u64,
    pub system_id: String,
    #[serde(flatten)]
    pub extra: Extra,
}

calls! {
    /// A machine's volume groups.
    VOLUME_GROUPS volume_groups(system_id) Get "nodes/{system_id}/volume-groups/" -> Vec<VolumeGroup>;
    /// One volume group.
    VOLUME_GROUP volume_group(system_id, id) Get "nodes/{system_id}/volume-group/{id}/" -> VolumeGroup;
    /// Creates a volume group on block devices and/or partitions (ids, repeatable).
    CREATE_VOLUME_GROUP create_volume_group(system_id) Post "nodes/{system_id}/volume-groups/"
        -> VolumeGroup
        ["name", "uuid", "block_devices", "partitions"];
    /// Deletes a volume group.
    DELETE_VOLUME_GROUP delete_volume_group(system_id, id) Delete "nodes/{system_id}/volume-group/{id}/" -> ();
    /// Creates a logical volume (`size` in bytes); answers with the new virtual block device.
    CREATE_LOGICAL_VOLUME create_logical_volume(system_id, id) Post "nodes/{system_id}/volume-group/{id}/"
        op "create_logical_volume" -> LogicalVolume
        ["name", "size", "uuid"];
    /// Deletes a logical volume (`id` is its block device id).
    DELETE_LOGICAL_VOLUME delete_logical_volume(system_id, id) Post "nodes/{system_id}/volume-group/{id}/"
        op "delete_logical_volume" -> serde_json::Value
        ["id"];
}
