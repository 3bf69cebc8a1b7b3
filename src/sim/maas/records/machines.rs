//! Machines as the region records them (status, owner, power driver, NICs, disks, what
//! commissioning found), the timed transition one is going through, and the tags on them.

use serde_json::{Map, Value};

use super::hardware::Hardware;
use super::interfaces::Interface;
use super::storage::{BlockDevice, VolumeGroup};
use crate::design::site::Site;
use crate::maas::MachineStatus;
use crate::sim::physical::Physical;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Machine {
    pub system_id: String,
    pub hostname: String,
    pub domain: String,
    pub architecture: String,
    pub description: String,
    pub cpu_count: u64,
    /// MiB, as MAAS reports it.
    pub memory: u64,
    pub status: MachineStatus,
    pub power_type: String,
    /// The driver's parameters, defaults filled in, as `op=power_parameters` answers.
    pub power_parameters: Map<String, Value>,
    pub interfaces: Vec<Interface>,
    pub disks: Vec<BlockDevice>,
    /// The disk chosen with `set_boot_disk`; MAAS otherwise boots from the first.
    pub boot_disk: Option<u64>,
    pub volume_groups: Vec<VolumeGroup>,
    /// The user that allocated it (always `admin` here), if any.
    pub owner: Option<String>,
    /// Its power and installed OS, which MAAS reports as `power_state`, `osystem` and
    /// `distro_series` and saves under those names.
    #[serde(flatten)]
    pub physical: Physical,
    pub workload_annotations: Map<String, Value>,
    /// A timed transition under way (commissioning, deploying, releasing).
    pub pending: Option<Pending>,
    /// When it last passed commissioning (ms since the epoch).
    pub commissioned_ms: Option<u64>,
    /// Where an aborted commissioning returns the machine (MAAS: the status it came from).
    pub before_commissioning: MachineStatus,
    /// What commissioning will find (design nodes with a hardware profile).
    pub hardware: Option<Hardware>,
}

/// Six lowercase letters and digits derived from the name, like MAAS's system ids.
pub fn system_id(name: &str) -> String {
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
    /// A New machine with nothing known about it yet.
    pub fn new(system_id: String, hostname: String) -> Machine {
        Machine {
            system_id,
            hostname,
            domain: "maas".into(),
            architecture: "amd64/generic".into(),
            description: String::new(),
            cpu_count: 0,
            memory: 0,
            status: MachineStatus::New,
            power_type: "manual".into(),
            power_parameters: Map::new(),
            interfaces: Vec::new(),
            disks: Vec::new(),
            boot_disk: None,
            volume_groups: Vec::new(),
            owner: None,
            physical: Physical::unknown(),
            workload_annotations: Map::new(),
            pending: None,
            commissioned_ms: None,
            before_commissioning: MachineStatus::New,
            hardware: None,
        }
    }

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
                        Interface::physical(next_nic, name, mac)
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
                    .map(|(k, name)| BlockDevice::physical((i * 16 + k + 1) as u64, name, 500_000_000_000))
                    .collect();
                let hardware = node
                    .config
                    .hardware_profile
                    .as_deref()
                    .and_then(|name| site.hardware_profile(name))
                    .map(Hardware::from_profile);
                Machine {
                    disks,
                    hardware,
                    power_type: node
                        .oob_type
                        .map_or("manual".to_string(), |t| t.as_str().to_string()),
                    interfaces: nics,
                    ..Machine::new(system_id(&node.name), node.name.clone())
                }
            })
            .collect()
    }

    /// The BMC's address, which MAAS records as an IP address of its own.
    pub fn bmc_address(&self) -> Option<&str> {
        self.power_parameters
            .get("power_address")
            .and_then(Value::as_str)
            .filter(|a| !a.is_empty())
    }
}

/// A transition under way: the status the machine reaches, and when (ms since the epoch).
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Pending {
    pub to: MachineStatus,
    pub due_ms: u64,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Tag {
    pub name: String,
    pub definition: String,
    pub comment: String,
    pub kernel_opts: String,
    /// System ids of the machines carrying the tag.
    pub members: Vec<String>,
}
