//! `drydock/HostProfile/v1` and `drydock/BaremetalNode/v1`. A node is a host profile plus
//! its addresses and boot MAC, so both share [`HostConfig`].

use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::{Value as J, json};

use super::reader::{self, Reader, json_map, json_opt, json_strings};
use super::{FieldLines, Source};
use crate::design::model::ConvertError;
use crate::design::yaml::Node;

/// What BMC protocol drives a node's power and boot device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OobType {
    Ipmi,
    Redfish,
    Libvirt,
    Manual,
}

impl OobType {
    pub const ALL: [OobType; 4] = [OobType::Ipmi, OobType::Redfish, OobType::Libvirt, OobType::Manual];

    pub fn as_str(self) -> &'static str {
        match self {
            OobType::Ipmi => "ipmi",
            OobType::Redfish => "redfish",
            OobType::Libvirt => "libvirt",
            OobType::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<OobType> {
        OobType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl fmt::Display for OobType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// OOB parameters whose values are secrets: never printed, logged or handed to scripts.
pub const SECRET_OOB_KEYS: [&str; 2] = ["credential", "password"];
pub const REDACTED: &str = "<redacted>";

#[derive(Debug, Clone, PartialEq)]
pub struct Sriov {
    pub vf_count: i64,
    pub trustedmode: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Interface {
    /// Device name; a leading `!` removes an inherited interface of that name.
    pub name: String,
    pub device_link: Option<String>,
    pub slaves: Vec<String>,
    pub networks: Vec<String>,
    pub sriov: Option<Sriov>,
    pub source: Source,
}

/// The `filesystem` block of a partition or logical volume; each field inherits on its own.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filesystem {
    pub mountpoint: Option<String>,
    pub fstype: Option<String>,
    pub mount_options: Option<String>,
    pub fs_uuid: Option<String>,
    pub fs_label: Option<String>,
}

impl Filesystem {
    /// A `filesystem` block means ext4 with default options unless it says otherwise.
    fn read(fs: Option<&Node>) -> Filesystem {
        let Some(fs) = fs else {
            return Filesystem::default();
        };
        Filesystem {
            mountpoint: reader::string(fs, "mountpoint"),
            fstype: Some(reader::string(fs, "fstype").unwrap_or_else(|| "ext4".into())),
            mount_options: Some(reader::string(fs, "mount_options").unwrap_or_else(|| "defaults".into())),
            fs_uuid: reader::string(fs, "fs_uuid"),
            fs_label: reader::string(fs, "fs_label"),
        }
    }

    fn to_json(&self) -> J {
        if self.fstype.is_none() && self.mountpoint.is_none() {
            return J::Null;
        }
        json!({
            "mountpoint": json_opt(&self.mountpoint), "fstype": json_opt(&self.fstype),
            "mount_options": json_opt(&self.mount_options), "fs_uuid": json_opt(&self.fs_uuid),
            "fs_label": json_opt(&self.fs_label),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Partition {
    pub name: Option<String>,
    pub size: Option<String>,
    pub part_uuid: Option<String>,
    pub volume_group: Option<String>,
    pub labels: IndexMap<String, String>,
    pub bootable: Option<bool>,
    pub filesystem: Filesystem,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StorageDevice {
    pub name: String,
    pub labels: IndexMap<String, String>,
    pub volume_group: Option<String>,
    pub partitions: Vec<Partition>,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogicalVolume {
    pub name: Option<String>,
    pub lv_uuid: Option<String>,
    pub size: Option<String>,
    pub filesystem: Filesystem,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VolumeGroup {
    pub name: String,
    pub vg_uuid: Option<String>,
    pub logical_volumes: Vec<LogicalVolume>,
    pub source: Source,
}

/// The fields host profiles and nodes share. Scalars are `None` when not given (inherit);
/// the value `!` means "unset what the parent says". Lists and maps may hold `!`-prefixed
/// entries that remove inherited ones; [`crate::design::resolve`] applies all of that.
/// Lists and maps are shared (`Arc`): a node that does not override its profile's storage
/// or interfaces points at the profile's, which keeps 10,000-node sites small and fast.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostConfig {
    pub host_profile: Option<String>,
    pub hardware_profile: Option<String>,
    pub primary_network: Option<String>,
    pub oob_type: Option<String>,
    pub oob_parameters: Arc<IndexMap<String, String>>,
    pub storage_devices: Arc<Vec<StorageDevice>>,
    pub volume_groups: Arc<Vec<VolumeGroup>>,
    pub image: Option<String>,
    pub kernel: Option<String>,
    pub kernel_params: Arc<IndexMap<String, String>>,
    pub tags: Arc<Vec<String>>,
    pub owner_data: Arc<IndexMap<String, String>>,
    pub rack: Option<String>,
    pub interfaces: Arc<Vec<Interface>>,
}

/// The fields of profiles and nodes that name other documents, whose lines messages give.
pub(crate) const REFERENCE_FIELDS: [&str; 4] = [
    "host_profile",
    "hardware_profile",
    "primary_network",
    "oob.network",
];

#[derive(Debug, Clone)]
pub struct HostProfile {
    pub name: String,
    pub source: Source,
    pub config: HostConfig,
    pub field_lines: FieldLines,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressType {
    Static,
    Dhcp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    pub kind: AddressType,
    /// `None` for DHCP.
    pub address: Option<String>,
    pub network: String,
    pub source: Source,
}

#[derive(Debug, Clone)]
pub struct BaremetalNode {
    pub name: String,
    pub source: Source,
    pub config: HostConfig,
    pub field_lines: FieldLines,
    pub addressing: Vec<Address>,
    pub boot_mac: Option<String>,
}

impl HostProfile {
    pub(crate) fn convert(r: &Reader, name: &str, body: &Node) -> Result<HostProfile, ConvertError> {
        Ok(HostProfile {
            name: name.to_string(),
            source: r.source.clone(),
            config: HostConfig::convert(r, body)?,
            field_lines: FieldLines::read(body, &REFERENCE_FIELDS),
        })
    }
}

impl BaremetalNode {
    pub(crate) fn convert(r: &Reader, name: &str, body: &Node) -> Result<BaremetalNode, ConvertError> {
        let config = HostConfig::convert(r, body)?;
        let mut addressing = Vec::new();
        for item in reader::seq(body.get("addressing")) {
            let network = reader::string(item, "network").unwrap_or_default();
            match reader::string(item, "address").as_deref() {
                None | Some("") => continue,
                Some("dhcp") => addressing.push(Address {
                    kind: AddressType::Dhcp,
                    address: None,
                    network,
                    source: r.at(item),
                }),
                Some(ip) => addressing.push(Address {
                    kind: AddressType::Static,
                    address: Some(ip.to_string()),
                    network,
                    source: r.at(item),
                }),
            }
        }
        if addressing.is_empty() {
            let at = body.get("addressing").unwrap_or(body);
            return Err(r.error(at, "BaremetalNode needs at least 1 assigned address"));
        }
        let boot_mac = reader::get(body, "metadata").and_then(|m| reader::string(m, "boot_mac"));
        Ok(BaremetalNode {
            name: name.to_string(),
            source: r.source.clone(),
            config,
            field_lines: FieldLines::read(body, &REFERENCE_FIELDS),
            addressing,
            boot_mac,
        })
    }
}

impl HostConfig {
    fn convert(r: &Reader, body: &Node) -> Result<HostConfig, ConvertError> {
        let oob = reader::get(body, "oob");
        let mut oob_parameters = IndexMap::new();
        for (k, v) in reader::map(oob) {
            let key = k.key_string();
            if key != "type" && !v.is_null() {
                oob_parameters.insert(key, v.python_str());
            }
        }
        let platform = reader::get(body, "platform");
        let metadata = reader::get(body, "metadata");
        let storage = reader::get(body, "storage");

        let mut storage_devices = Vec::new();
        for (k, dev) in reader::map(storage.and_then(|s| reader::get(s, "physical_devices"))) {
            let mut partitions = Vec::new();
            for p in reader::seq(dev.get("partitions")) {
                partitions.push(Partition {
                    name: reader::string(p, "name"),
                    size: reader::string(p, "size"),
                    part_uuid: reader::string(p, "part_uuid"),
                    volume_group: reader::string(p, "volume_group"),
                    labels: reader::string_map(p, "labels").unwrap_or_default(),
                    bootable: reader::bool(p, "bootable"),
                    filesystem: Filesystem::read(reader::get(p, "filesystem")),
                    source: r.at(p),
                });
            }
            storage_devices.push(StorageDevice {
                name: k.key_string(),
                labels: reader::string_map(dev, "labels").unwrap_or_default(),
                volume_group: reader::string(dev, "volume_group"),
                partitions,
                source: r.at(k),
            });
        }
        let mut volume_groups = Vec::new();
        for (k, vg) in reader::map(storage.and_then(|s| reader::get(s, "volume_groups"))) {
            let logical_volumes = reader::seq(vg.get("logical_volumes"))
                .iter()
                .map(|lv| LogicalVolume {
                    name: reader::string(lv, "name"),
                    lv_uuid: reader::string(lv, "lv_uuid"),
                    size: reader::string(lv, "size"),
                    filesystem: Filesystem::read(reader::get(lv, "filesystem")),
                    source: r.at(lv),
                })
                .collect();
            volume_groups.push(VolumeGroup {
                name: k.key_string(),
                vg_uuid: reader::string(vg, "vg_uuid"),
                logical_volumes,
                source: r.at(k),
            });
        }

        let mut interfaces = Vec::new();
        for (k, v) in reader::map(reader::get(body, "interfaces")) {
            let mut name = k.key_string();
            // `bond0: null` removes an inherited interface, as Drydock's documentation says.
            if v.is_null() && !name.starts_with('!') {
                name.insert(0, '!');
            }
            let sriov = reader::get(v, "sriov").map(|s| Sriov {
                vf_count: reader::int(s, "vf_count").unwrap_or(0),
                trustedmode: reader::bool(s, "trustedmode")
                    .or_else(|| reader::bool(s, "trustmode"))
                    .unwrap_or(false),
            });
            interfaces.push(Interface {
                name,
                device_link: reader::string(v, "device_link"),
                slaves: reader::strings(v, "slaves").unwrap_or_default(),
                networks: reader::strings(v, "networks").unwrap_or_default(),
                sriov,
                source: r.at(k),
            });
        }

        Ok(HostConfig {
            host_profile: reader::string(body, "host_profile"),
            hardware_profile: reader::string(body, "hardware_profile"),
            primary_network: reader::string(body, "primary_network"),
            oob_type: oob.and_then(|o| reader::string(o, "type")),
            oob_parameters: Arc::new(oob_parameters),
            storage_devices: Arc::new(storage_devices),
            volume_groups: Arc::new(volume_groups),
            image: platform.and_then(|p| reader::string(p, "image")),
            kernel: platform.and_then(|p| reader::string(p, "kernel")),
            kernel_params: Arc::new(
                platform
                    .and_then(|p| reader::string_map(p, "kernel_params"))
                    .unwrap_or_default(),
            ),
            tags: Arc::new(
                metadata
                    .and_then(|m| reader::strings(m, "tags"))
                    .unwrap_or_default(),
            ),
            owner_data: Arc::new(
                metadata
                    .and_then(|m| reader::string_map(m, "owner_data"))
                    .unwrap_or_default(),
            ),
            rack: metadata.and_then(|m| reader::string(m, "rack")),
            interfaces: Arc::new(interfaces),
        })
    }

    /// The `data` body of the document in Deckhand shape, secrets redacted.
    pub fn to_json(&self) -> serde_json::Map<String, J> {
        let mut oob = serde_json::Map::new();
        oob.insert("type".into(), json_opt(&self.oob_type));
        for (k, v) in self.oob_parameters.iter() {
            let shown = if SECRET_OOB_KEYS.contains(&k.as_str()) {
                REDACTED
            } else {
                v.as_str()
            };
            oob.insert(k.clone(), shown.into());
        }
        let devices: serde_json::Map<String, J> = self
            .storage_devices
            .iter()
            .map(|d| {
                let parts: Vec<J> = d
                    .partitions
                    .iter()
                    .map(|p| {
                        json!({
                            "name": json_opt(&p.name), "size": json_opt(&p.size),
                            "part_uuid": json_opt(&p.part_uuid), "volume_group": json_opt(&p.volume_group),
                            "labels": json_map(&p.labels), "bootable": p.bootable,
                            "filesystem": p.filesystem.to_json(),
                        })
                    })
                    .collect();
                let v = json!({
                    "labels": json_map(&d.labels), "volume_group": json_opt(&d.volume_group),
                    "partitions": parts,
                });
                (d.name.clone(), v)
            })
            .collect();
        let vgs: serde_json::Map<String, J> = self
            .volume_groups
            .iter()
            .map(|vg| {
                let lvs: Vec<J> = vg
                    .logical_volumes
                    .iter()
                    .map(|lv| {
                        json!({
                            "name": json_opt(&lv.name), "lv_uuid": json_opt(&lv.lv_uuid),
                            "size": json_opt(&lv.size),
                            "filesystem": lv.filesystem.to_json(),
                        })
                    })
                    .collect();
                (
                    vg.name.clone(),
                    json!({"vg_uuid": json_opt(&vg.vg_uuid), "logical_volumes": lvs}),
                )
            })
            .collect();
        let interfaces: serde_json::Map<String, J> = self
            .interfaces
            .iter()
            .map(|i| {
                let mut v = json!({
                    "device_link": json_opt(&i.device_link),
                    "slaves": json_strings(&i.slaves),
                    "networks": json_strings(&i.networks),
                });
                if let Some(s) = &i.sriov {
                    v["sriov"] = json!({"vf_count": s.vf_count, "trustedmode": s.trustedmode});
                }
                (i.name.clone(), v)
            })
            .collect();
        let mut out = serde_json::Map::new();
        out.insert("host_profile".into(), json_opt(&self.host_profile));
        out.insert("hardware_profile".into(), json_opt(&self.hardware_profile));
        out.insert("primary_network".into(), json_opt(&self.primary_network));
        out.insert("oob".into(), J::Object(oob));
        out.insert(
            "storage".into(),
            json!({"physical_devices": devices, "volume_groups": vgs}),
        );
        out.insert(
            "platform".into(),
            json!({
                "image": json_opt(&self.image), "kernel": json_opt(&self.kernel),
                "kernel_params": json_map(&self.kernel_params),
            }),
        );
        out.insert(
            "metadata".into(),
            json!({
                "tags": json_strings(&self.tags), "owner_data": json_map(&self.owner_data),
                "rack": json_opt(&self.rack),
            }),
        );
        out.insert("interfaces".into(), J::Object(interfaces));
        out
    }
}

impl HostProfile {
    pub fn to_json(&self) -> J {
        let mut m = serde_json::Map::new();
        m.insert("name".into(), self.name.clone().into());
        m.extend(self.config.to_json());
        J::Object(m)
    }
}

impl BaremetalNode {
    pub fn to_json(&self) -> J {
        let mut m = serde_json::Map::new();
        m.insert("name".into(), self.name.clone().into());
        m.extend(self.config.to_json());
        if let Some(J::Object(meta)) = m.get_mut("metadata") {
            meta.insert("boot_mac".into(), json_opt(&self.boot_mac));
        }
        let addressing: Vec<J> = self
            .addressing
            .iter()
            .map(|a| {
                let address = match a.kind {
                    AddressType::Dhcp => "dhcp".to_string(),
                    AddressType::Static => a.address.clone().unwrap_or_default(),
                };
                json!({"address": address, "network": a.network})
            })
            .collect();
        m.insert("addressing".into(), J::Array(addressing));
        J::Object(m)
    }
}
