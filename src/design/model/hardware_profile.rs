//! `drydock/HardwareProfile/v1`: a server model, its device aliases, CPU sets and hugepages.

use indexmap::IndexMap;
use serde_json::{Value as J, json};

use super::Source;
use super::reader::{self, Reader, json_map, json_opt};
use crate::design::model::ConvertError;
use crate::design::yaml::Node;

#[derive(Debug, Clone)]
pub struct DeviceAlias {
    pub alias: String,
    /// `pci` for NICs, `scsi` for disks.
    pub bus_type: Option<String>,
    pub dev_type: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Clone)]
pub struct HugepagesConf {
    pub name: String,
    pub size: Option<String>,
    pub count: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct HardwareProfile {
    pub name: String,
    pub source: Source,
    pub vendor: Option<String>,
    pub generation: Option<String>,
    pub hw_version: Option<String>,
    pub bios_version: Option<String>,
    pub boot_mode: Option<String>,
    pub bootstrap_protocol: Option<String>,
    pub pxe_interface: Option<String>,
    pub devices: Vec<DeviceAlias>,
    pub cpu_sets: IndexMap<String, String>,
    pub hugepages: Vec<HugepagesConf>,
}

impl HardwareProfile {
    pub(crate) fn convert(r: &Reader, name: &str, body: &Node) -> Result<HardwareProfile, ConvertError> {
        let mut devices = Vec::new();
        for (k, v) in reader::map(reader::get(body, "device_aliases")) {
            if v.as_map().is_none() {
                return Err(r.error(v, format!("Device alias {} must be a mapping", k.key_string())));
            }
            devices.push(DeviceAlias {
                alias: k.key_string(),
                bus_type: reader::string(v, "bus_type"),
                dev_type: reader::string(v, "dev_type"),
                address: reader::string(v, "address"),
            });
        }
        // The upstream schema misspells `properties` here, so hugepages are checked by hand.
        let mut hugepages = Vec::new();
        for (k, v) in reader::map(reader::get(body, "hugepages")) {
            let count = match reader::get(v, "count") {
                None => None,
                Some(c) => match reader::as_int(c) {
                    Some(n) if n >= 0 => Some(n),
                    _ => {
                        return Err(r.error(
                            c,
                            format!(
                                "Hugepages {} count must be a number >= 0, not {}",
                                k.key_string(),
                                c.python_repr()
                            ),
                        ));
                    }
                },
            };
            hugepages.push(HugepagesConf {
                name: k.key_string(),
                size: reader::string(v, "size"),
                count,
            });
        }
        Ok(HardwareProfile {
            name: name.to_string(),
            source: r.source.clone(),
            vendor: reader::string(body, "vendor"),
            generation: reader::string(body, "generation"),
            hw_version: reader::string(body, "hw_version"),
            bios_version: reader::string(body, "bios_version"),
            boot_mode: reader::string(body, "boot_mode"),
            bootstrap_protocol: reader::string(body, "bootstrap_protocol"),
            pxe_interface: reader::string(body, "pxe_interface"),
            devices,
            cpu_sets: reader::string_map(body, "cpu_sets").unwrap_or_default(),
            hugepages,
        })
    }

    pub fn to_json(&self) -> J {
        let aliases: serde_json::Map<String, J> = self
            .devices
            .iter()
            .map(|d| {
                let v = json!({
                    "bus_type": json_opt(&d.bus_type), "dev_type": json_opt(&d.dev_type),
                    "address": json_opt(&d.address),
                });
                (d.alias.clone(), v)
            })
            .collect();
        let hugepages: serde_json::Map<String, J> = self
            .hugepages
            .iter()
            .map(|h| {
                (
                    h.name.clone(),
                    json!({"size": json_opt(&h.size), "count": h.count}),
                )
            })
            .collect();
        json!({
            "name": self.name,
            "vendor": json_opt(&self.vendor),
            "generation": json_opt(&self.generation),
            "hw_version": json_opt(&self.hw_version),
            "bios_version": json_opt(&self.bios_version),
            "boot_mode": json_opt(&self.boot_mode),
            "bootstrap_protocol": json_opt(&self.bootstrap_protocol),
            "pxe_interface": json_opt(&self.pxe_interface),
            "device_aliases": aliases,
            "cpu_sets": json_map(&self.cpu_sets),
            "hugepages": hugepages,
        })
    }
}
