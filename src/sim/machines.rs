//! Machines: the design's BaremetalNodes as MAAS would list them after enlistment, in MAAS's
//! JSON shape (the template is a machine a real 3.4 region returned).

use std::sync::OnceLock;

use serde_json::{Value, json};

use super::reply::Reply;
use super::request::Request;
use crate::design::site::Site;
use crate::maas::MachineStatus;

const TEMPLATE: &str = include_str!("machine.json");
const DISK_TEMPLATE: &str = include_str!("blockdevice.json");

fn template() -> &'static Value {
    static T: OnceLock<Value> = OnceLock::new();
    T.get_or_init(|| serde_json::from_str(TEMPLATE).unwrap_or(Value::Null))
}

fn disk_template() -> &'static Value {
    static T: OnceLock<Value> = OnceLock::new();
    T.get_or_init(|| serde_json::from_str(DISK_TEMPLATE).unwrap_or(Value::Null))
}

/// A disk as commissioning would find it.
#[derive(Debug, Clone)]
pub struct Disk {
    pub id: u64,
    pub name: String,
    pub size: u64,
}

#[derive(Debug, Clone)]
pub struct Nic {
    pub id: u64,
    pub name: String,
    pub mac: String,
}

#[derive(Debug, Clone)]
pub struct Machine {
    pub system_id: String,
    pub hostname: String,
    pub domain: String,
    pub status: MachineStatus,
    pub power_type: String,
    pub nics: Vec<Nic>,
    pub disks: Vec<Disk>,
}

/// Six lowercase letters and digits derived from the name, like MAAS's system ids.
fn system_id(name: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in name.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100000001b3);
    }
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxy0123456789";
    (0..6)
        .map(|i| ALPHABET[((h >> (i * 5)) & 31) as usize] as char)
        .collect()
}

impl Machine {
    /// One machine per BaremetalNode; NICs from the node's interface slaves (the boot MAC,
    /// if given, on the first), other MACs made up from the node's position.
    pub fn from_site(site: &Site) -> Vec<Machine> {
        let mut next_nic = 1;
        site.nodes
            .iter()
            .enumerate()
            .map(|(i, node)| {
                let mut slaves: Vec<String> = Vec::new();
                for iface in node.config.interfaces.iter() {
                    for s in &iface.slaves {
                        if !slaves.contains(s) {
                            slaves.push(s.clone());
                        }
                    }
                }
                if slaves.is_empty() {
                    slaves.push("eth0".into());
                }
                let nics = slaves
                    .into_iter()
                    .enumerate()
                    .map(|(j, name)| {
                        let mac = match (j, &node.boot_mac) {
                            (0, Some(m)) => m.to_lowercase(),
                            _ => format!(
                                "52:54:{:02x}:{:02x}:{:02x}:{:02x}",
                                (i >> 16) & 0xff,
                                (i >> 8) & 0xff,
                                i & 0xff,
                                j
                            ),
                        };
                        next_nic += 1;
                        Nic {
                            id: next_nic,
                            name,
                            mac,
                        }
                    })
                    .collect();
                // One 500 GB disk per physical device the design names (sda when none).
                let mut names: Vec<String> = node
                    .config
                    .storage_devices
                    .iter()
                    .map(|d| d.name.clone())
                    .collect();
                if names.is_empty() {
                    names.push("sda".into());
                }
                let disks = names
                    .into_iter()
                    .enumerate()
                    .map(|(k, name)| Disk {
                        id: (i * 16 + k + 1) as u64,
                        name,
                        size: 500_000_000_000,
                    })
                    .collect();
                Machine {
                    disks,
                    system_id: system_id(&node.name),
                    hostname: node.name.clone(),
                    domain: "maas".into(),
                    status: MachineStatus::New,
                    power_type: node
                        .oob_type
                        .map_or("manual".to_string(), |t| t.as_str().to_string()),
                    nics,
                }
            })
            .collect()
    }

    pub fn json(&self) -> Value {
        let mut m = template().clone();
        let id = &self.system_id;
        let nic = |n: &Nic| {
            let mut v = template()["interface_set"][0].clone();
            v["id"] = json!(n.id);
            v["name"] = json!(n.name);
            v["mac_address"] = json!(n.mac);
            v["system_id"] = json!(id);
            v["resource_uri"] = json!(format!("/MAAS/api/2.0/nodes/{id}/interfaces/{}/", n.id));
            v
        };
        let nics: Vec<Value> = self.nics.iter().map(nic).collect();
        let disks: Vec<Value> = self
            .disks
            .iter()
            .map(|d| {
                let mut v = disk_template().clone();
                v["id"] = json!(d.id);
                v["name"] = json!(d.name);
                v["path"] = json!(format!("/dev/disk/by-dname/{}", d.name));
                v["size"] = json!(d.size);
                v["available_size"] = json!(d.size);
                v["system_id"] = json!(id);
                v["resource_uri"] = json!(format!("/MAAS/api/2.0/nodes/{id}/blockdevices/{}/", d.id));
                v
            })
            .collect();
        m["physicalblockdevice_set"] = Value::Array(disks.clone());
        m["blockdevice_set"] = Value::Array(disks);
        m["system_id"] = json!(id);
        m["hostname"] = json!(self.hostname);
        m["fqdn"] = json!(format!("{}.{}", self.hostname, self.domain));
        m["status"] = json!(self.status.code());
        m["status_name"] = json!(self.status.name());
        m["power_type"] = json!(self.power_type);
        m["boot_interface"] = nics.first().cloned().unwrap_or(Value::Null);
        m["interface_set"] = Value::Array(nics);
        m["resource_uri"] = json!(format!("/MAAS/api/2.0/machines/{id}/"));
        m
    }
}

pub fn collection(req: &Request, machines: &[Machine]) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", None) => {
            let wanted: Vec<&str> = req
                .params
                .iter()
                .filter(|(k, _)| k == "hostname")
                .map(|(_, v)| v.as_str())
                .collect();
            let list: Vec<Value> = machines
                .iter()
                .filter(|m| wanted.is_empty() || wanted.contains(&m.hostname.as_str()))
                .map(Machine::json)
                .collect();
            Reply::json(200, &Value::Array(list))
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::text(405, String::new())
            .with_content_type("text/html; charset=utf-8")
            .with_header("allow", "POST, GET"),
    }
}

pub fn item(req: &Request, machines: &[Machine], id: &str) -> Reply {
    let Some(m) = machines.iter().find(|m| m.system_id == id) else {
        return Reply::text(404, "No Machine matches the given query.".into());
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &m.json()),
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::text(405, String::new())
            .with_content_type("text/html; charset=utf-8")
            .with_header("allow", "GET, POST, PUT, DELETE"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machines_follow_the_design_in_maas_shape() {
        let site = crate::design::load(&[std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/base.yaml"
        ))])
        .unwrap();
        let machines = Machine::from_site(&site);
        assert_eq!(machines.len(), 2);
        let m = machines[0].json();
        assert_eq!(m["hostname"], "cmp01");
        assert_eq!(m["status_name"], "New");
        assert_eq!(m["power_type"], "redfish");
        assert_eq!(
            m["interface_set"].as_array().unwrap().len(),
            3,
            "nic_pxe, nic_a, nic_b"
        );
        assert_eq!(m["system_id"].as_str().unwrap().len(), 6);
        assert_eq!(
            template().as_object().unwrap().len(),
            m.as_object().unwrap().len(),
            "every MAAS field is there"
        );
        assert_ne!(machines[0].system_id, machines[1].system_id);
    }
}
