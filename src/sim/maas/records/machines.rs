//! Machines as the region records them (status, owner, power driver, NICs, disks, what
//! commissioning found), the timed transition one is going through, and the tags on them.

use serde_json::{Map, Value};

use super::hardware::Hardware;
use super::interfaces::Interface;
use super::storage::{BlockDevice, VolumeGroup};
use crate::design::site::Site;
use crate::maas::MachineStatus;
use crate::sim::physical::{Physical, PhysicalMachine};

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
    /// Where its power and installed OS are, which MAAS reports as `power_state`,
    /// `osystem` and `distro_series`.
    #[serde(flatten)]
    pub body: Body,
    /// MAAS's last power action or query on it failed: it reports power `error` until one
    /// succeeds.
    #[serde(default)]
    pub power_error: bool,
    pub workload_annotations: Map<String, Value>,
    /// A timed transition under way (commissioning, deploying, releasing).
    pub pending: Option<Pending>,
    /// When it last passed commissioning (ms since the epoch).
    pub commissioned_ms: Option<u64>,
    /// Where an aborted commissioning returns the machine (MAAS: the status it came from).
    pub before_commissioning: MachineStatus,
    /// What commissioning will find (design nodes with a hardware profile).
    pub hardware: Option<Hardware>,
    /// The kernel of the current deployment (`hwe_kernel`); none once released.
    #[serde(default)]
    pub hwe_kernel: Option<String>,
    /// The links chosen as default gateways (`set_default_gateway`), per family.
    #[serde(default)]
    pub gateway_link_ipv4: Option<u64>,
    #[serde(default)]
    pub gateway_link_ipv6: Option<u64>,
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
            body: Body::Record(Physical::unknown()),
            power_error: false,
            workload_annotations: Map::new(),
            pending: None,
            commissioned_ms: None,
            before_commissioning: MachineStatus::New,
            hardware: None,
            hwe_kernel: None,
            gateway_link_ipv4: None,
            gateway_link_ipv6: None,
        }
    }

    /// The record MAAS makes of physical machine `host`, with its NICs and disks (ids from
    /// `first_nic` and `first_disk` on) and what commissioning will find; New, without a
    /// power driver until one is set.
    pub fn of_host(
        host: usize,
        machine: &PhysicalMachine,
        system_id: String,
        hostname: String,
        first_nic: u64,
        first_disk: u64,
    ) -> Machine {
        Machine {
            interfaces: (first_nic..)
                .zip(&machine.nics)
                .map(|(id, nic)| Interface::physical(id, nic.name.clone(), nic.mac.clone()))
                .collect(),
            disks: (first_disk..)
                .zip(&machine.disks)
                .map(|(id, disk)| BlockDevice::physical(id, disk.name.clone(), disk.size))
                .collect(),
            hardware: machine.hardware.clone(),
            body: Body::Host { host },
            ..Machine::new(system_id, hostname)
        }
    }

    /// The machines of a region whose physical machines are all enlisted already, named as
    /// the design names them, with the power type the design gives (and no parameters).
    pub fn enlisted(hosts: &[PhysicalMachine], site: &Site) -> Vec<Machine> {
        let mut next_nic = 2;
        hosts
            .iter()
            .zip(&site.nodes)
            .enumerate()
            .map(|(i, (host, node))| {
                let m = Machine {
                    power_type: node
                        .oob_type
                        .map_or("manual".to_string(), |t| t.as_str().to_string()),
                    ..Machine::of_host(
                        i,
                        host,
                        system_id(&host.name),
                        host.name.clone(),
                        next_nic,
                        (i * 16 + 1) as u64,
                    )
                };
                next_nic += host.nics.len() as u64;
                m
            })
            .collect()
    }

    /// Its physical state, among the region's `hosts` or in the record.
    pub fn physical<'a>(&'a self, hosts: &'a [PhysicalMachine]) -> &'a Physical {
        match &self.body {
            Body::Host { host } => &hosts[*host].physical,
            Body::Record(physical) => physical,
        }
    }

    /// The BMC's address, which MAAS records as an IP address of its own.
    pub fn bmc_address(&self) -> Option<&str> {
        self.power_parameters
            .get("power_address")
            .and_then(Value::as_str)
            .filter(|a| !a.is_empty())
    }
}

/// Where a machine's physical state is: on one of the site's physical machines (the region's
/// `hosts`), or in the record itself, for a machine created through the API that no
/// simulated machine answers to (and for regions saved before physical machines were).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Body {
    Host { host: usize },
    Record(Physical),
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
