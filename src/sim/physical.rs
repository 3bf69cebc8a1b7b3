//! The site's physical machines, simulated independently of MAAS: each design BaremetalNode
//! is a box with NICs, disks and a hardware profile, a BMC, and a physical state (power, next
//! boot override, installed OS). MAAS knows a box only once it has enlisted (or was created
//! through the API with one of its MACs); its BMC and MAAS's power control both act on the
//! same [`Physical`], so a power-off through Redfish is what MAAS's next power query sees.

use serde::{Deserialize, Serialize};

use super::bmc::{BmcFault, Identity, boots_from_network};
use super::cloud_init::FirstBoot;
use super::maas::records::hardware::Hardware;
use super::maas::records::machines::system_id;
use super::maas::records::storage::uuid;
use crate::design::model::OobType;
use crate::design::site::Site;
use crate::maas::resources::machines::PowerState;
use crate::oob::{BootPersistence, NextBoot, OobSettings, PowerRequest, Secret};

/// Seconds a power change a BMC accepted takes to land, at `--speed 1` (BMCs are polled).
pub const POWER_LANDS_S: f64 = 4.0;

/// Size of each disk the design names, as MAAS lists it.
const DISK_BYTES: u64 = 500_000_000_000;

/// Power, next boot and the installed OS. Saved flattened, under the names MAAS gives the
/// first three (`power_state`, `osystem`, `distro_series`), which saved regions hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Physical {
    /// `unknown` until something has powered the machine on or off.
    pub power_state: PowerState,
    /// The OS on its disks (`ubuntu`), empty when none.
    pub osystem: String,
    /// The release of that OS (`jammy`), empty when none.
    pub distro_series: String,
    /// The boot override a BMC (or MAAS's power driver) set, if any.
    #[serde(default)]
    pub next_boot: Option<NextBoot>,
    /// When the machine started booting from the network (ms since the epoch), while it
    /// stays on from that boot: what MAAS's DHCP and TFTP see of it, and enlist.
    #[serde(default)]
    pub netbooted_ms: Option<u64>,
    /// The user data it was deployed with, which its first boot runs.
    #[serde(default)]
    pub user_data: Option<String>,
    /// What that first boot left (files written, packages, units), once it has booted.
    #[serde(default)]
    pub first_boot: Option<Box<FirstBoot>>,
}

impl Physical {
    /// A machine nobody has powered or installed yet.
    pub fn unknown() -> Physical {
        Physical {
            power_state: PowerState::Unknown,
            osystem: String::new(),
            distro_series: String::new(),
            next_boot: None,
            netbooted_ms: None,
            user_data: None,
            first_boot: None,
        }
    }

    pub fn is_on(&self) -> bool {
        self.power_state == PowerState::On
    }

    /// Powers the machine on or off at `now_ms`; powering on boots it.
    pub fn power(&mut self, on: bool, now_ms: u64) {
        let was_on = self.is_on();
        self.power_state = if on { PowerState::On } else { PowerState::Off };
        if on && !was_on {
            self.boot(now_ms);
        } else if !on {
            self.netbooted_ms = None;
        }
    }

    /// Starts the machine: from the network when its override says so or its disks hold no
    /// OS, from disk otherwise. An override for one boot is used up by it.
    fn boot(&mut self, now_ms: u64) {
        let network = boots_from_network(self.next_boot) || self.osystem.is_empty();
        if self
            .next_boot
            .is_some_and(|b| b.persistence == BootPersistence::Once)
        {
            self.next_boot = None;
        }
        self.netbooted_ms = network.then_some(now_ms);
    }

    /// Writes an OS to the disks, replacing whatever was there.
    pub fn install(&mut self, osystem: &str, distro_series: String, user_data: Option<String>) {
        self.osystem = osystem.to_string();
        self.distro_series = distro_series;
        self.user_data = user_data;
        self.first_boot = None;
    }

    /// The installed OS boots for the first time and runs its user data.
    pub fn first_boot(&mut self) {
        let ran = super::cloud_init::run(self.user_data.as_deref().unwrap_or_default());
        self.first_boot = Some(Box::new(ran));
    }

    /// Erases the installed OS.
    pub fn wipe(&mut self) {
        self.osystem.clear();
        self.distro_series.clear();
        self.user_data = None;
        self.first_boot = None;
    }
}

/// The BMC protocols the simulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BmcProtocol {
    Redfish,
    Ipmi,
}

impl BmcProtocol {
    pub fn as_str(self) -> &'static str {
        match self {
            BmcProtocol::Redfish => "redfish",
            BmcProtocol::Ipmi => "ipmi",
        }
    }
}

/// A machine's BMC as the design describes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MachineBmc {
    pub protocol: BmcProtocol,
    /// The node's static address on its OOB network, as the design writes it.
    pub address: String,
    pub account: String,
    #[serde(with = "secret_text")]
    pub credential: Secret,
}

impl MachineBmc {
    /// Whether a power address MAAS was given (`10.40.0.21`, `https://10.40.0.21:443/`)
    /// names this BMC.
    pub fn answers_at(&self, power_address: &str) -> bool {
        let host = power_address
            .trim()
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/');
        let without_port = match host.rsplit_once(':') {
            Some((h, port)) if !h.contains(':') && port.parse::<u16>().is_ok() => h,
            _ => host,
        };
        host == self.address || without_port == self.address
    }
}

/// A power change a BMC accepted that has not landed yet.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PendingPower {
    pub on: bool,
    pub due_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nic {
    pub name: String,
    /// Lowercase, colon-separated.
    pub mac: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disk {
    pub name: String,
    pub size: u64,
}

/// One of the site's physical machines.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhysicalMachine {
    /// The design node's name: what its BMC calls the system.
    pub name: String,
    /// The PXE NIC (the design's `boot_mac`) first.
    pub nics: Vec<Nic>,
    pub disks: Vec<Disk>,
    /// From the node's hardware profile, if it names one.
    pub hardware: Option<Hardware>,
    /// `None` for a node whose BMC the simulator does not serve (manual, libvirt, or no
    /// address on its OOB network).
    pub bmc: Option<MachineBmc>,
    pub physical: Physical,
    pub pending_power: Option<PendingPower>,
    /// The fault planted on its BMC; per run, like the region's planted faults.
    #[serde(skip)]
    pub fault: Option<BmcFault>,
    /// What its boot actions do instead of succeeding, by action name; per run.
    #[serde(skip)]
    pub bootaction_faults: std::collections::BTreeMap<String, super::bootaction_reports::BootActionFault>,
}

impl PhysicalMachine {
    /// One machine per BaremetalNode: NICs from the node's interface slaves (the boot MAC,
    /// if given, on the first), other MACs made up from the node's position; one disk per
    /// physical device the design names (sda when none).
    pub fn from_site(site: &Site) -> Vec<PhysicalMachine> {
        let settings = OobSettings::default();
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
                        Nic { name, mac }
                    })
                    .collect();
                let mut disks: Vec<Disk> = node
                    .config
                    .storage_devices
                    .iter()
                    .map(|d| Disk {
                        name: d.name.clone(),
                        size: DISK_BYTES,
                    })
                    .collect();
                if disks.is_empty() {
                    disks.push(Disk {
                        name: "sda".into(),
                        size: DISK_BYTES,
                    });
                }
                let hardware = node
                    .config
                    .hardware_profile
                    .as_deref()
                    .and_then(|name| site.hardware_profile(name))
                    .map(Hardware::from_profile);
                let bmc = crate::oob::Bmc::of_node(node, &settings).ok().and_then(|b| {
                    let protocol = match b.protocol {
                        OobType::Redfish => BmcProtocol::Redfish,
                        OobType::Ipmi => BmcProtocol::Ipmi,
                        OobType::Libvirt | OobType::Manual => return None,
                    };
                    Some(MachineBmc {
                        protocol,
                        address: b.address,
                        account: b.account,
                        credential: b.credential,
                    })
                });
                PhysicalMachine {
                    name: node.name.clone(),
                    nics,
                    disks,
                    hardware,
                    bmc,
                    physical: Physical::unknown(),
                    pending_power: None,
                    fault: None,
                    bootaction_faults: Default::default(),
                }
            })
            .collect()
    }

    /// Lands a power change that is due.
    pub fn settle(&mut self, now_ms: u64) {
        if let Some(p) = self.pending_power.filter(|p| p.due_ms <= now_ms) {
            self.pending_power = None;
            self.physical.power(p.on, p.due_ms);
        }
    }

    /// A power change its BMC accepted: it lands after the BMC's delay (`--speed`
    /// scaled), never with [`BmcFault::StuckPower`] planted. Asking for the state the machine
    /// is in changes nothing; a power cycle cuts the power at once and restores it later.
    pub fn request_power(&mut self, request: PowerRequest, now_ms: u64, speed: f64) {
        self.settle(now_ms);
        if self.fault == Some(BmcFault::StuckPower) {
            return;
        }
        let due_ms = now_ms + (POWER_LANDS_S * 1000.0 / speed.max(f64::MIN_POSITIVE)) as u64;
        let on = self.physical.is_on();
        self.pending_power = match request {
            PowerRequest::On => (!on).then_some(PendingPower { on: true, due_ms }),
            PowerRequest::ForceOff | PowerRequest::GracefulOff => {
                on.then_some(PendingPower { on: false, due_ms })
            }
            PowerRequest::Cycle => {
                self.physical.power(false, now_ms);
                Some(PendingPower { on: true, due_ms })
            }
        };
    }

    /// Whether `account` and `password` log in to its BMC (never with
    /// [`BmcFault::RefuseLogin`] planted).
    pub fn accepts(&self, account: &str, password: &str) -> bool {
        self.fault != Some(BmcFault::RefuseLogin)
            && self
                .bmc
                .as_ref()
                .is_some_and(|b| b.account == account && b.credential.expose() == password)
    }

    /// Whether it boots in UEFI mode (its hardware profile's boot mode).
    pub fn uefi(&self) -> bool {
        self.hardware.as_ref().is_some_and(|h| h.boot_method == "uefi")
    }

    /// What its BMC tells of it.
    pub fn identity(&self) -> Identity {
        let hw = self.hardware.as_ref();
        let text = |f: fn(&Hardware) -> &String| hw.map_or_else(|| "Unknown".to_string(), |h| f(h).clone());
        Identity {
            name: self.name.clone(),
            uuid: uuid(&format!("system {}", self.name)),
            manufacturer: text(|h| &h.vendor),
            model: text(|h| &h.version),
            serial_number: system_id(&format!("serial {}", self.name)).to_uppercase(),
            bios_version: text(|h| &h.firmware_version),
            cpu_count: hw.map_or(0, |h| h.cpu_count),
            cpu_model: String::new(),
            memory_gib: hw.map_or(0, |h| h.memory / 1024),
            macs: self.nics.iter().map(|n| n.mac.clone()).collect(),
            drives: self.disks.iter().map(|d| (d.name.clone(), d.size)).collect(),
        }
    }
}

/// A BMC password in the state file, which holds the region's API keys already and is
/// readable by its owner only.
mod secret_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::oob::Secret;

    pub fn serialize<S: Serializer>(secret: &Secret, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(secret.expose())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oob::BootDevice;

    fn machine() -> PhysicalMachine {
        let site = crate::design::load(&[std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/base.yaml"
        ))])
        .unwrap();
        PhysicalMachine::from_site(&site).remove(0)
    }

    #[test]
    fn the_design_gives_the_bmc_nics_and_hardware() {
        let m = machine();
        let bmc = m.bmc.as_ref().expect("cmp01 has a redfish BMC");
        assert_eq!(bmc.protocol, BmcProtocol::Redfish);
        assert!(bmc.answers_at(&bmc.address));
        assert!(bmc.answers_at(&format!("https://{}:443/", bmc.address)));
        assert!(!bmc.answers_at("10.9.9.9"));
        assert!(
            !format!("{m:?}").contains(bmc.credential.expose()),
            "no password in Debug"
        );
        let id = m.identity();
        assert_eq!((id.cpu_count, id.memory_gib), (16, 48));
        assert_eq!(id.macs.len(), 3);
    }

    #[test]
    fn power_lands_later_and_a_stuck_bmc_never_lands() {
        let mut m = machine();
        m.request_power(PowerRequest::On, 1_000, 4.0);
        assert!(!m.physical.is_on(), "not at once");
        m.settle(1_999);
        assert!(!m.physical.is_on());
        m.settle(2_000);
        assert!(m.physical.is_on(), "4 s at speed 4");
        assert_eq!(
            m.physical.netbooted_ms,
            Some(2_000),
            "no OS: it boots from the network"
        );
        m.fault = Some(BmcFault::StuckPower);
        m.request_power(PowerRequest::ForceOff, 3_000, 4.0);
        m.settle(100_000);
        assert!(m.physical.is_on(), "stuck");
    }

    #[test]
    fn a_once_override_is_used_up_by_the_boot() {
        let mut p = Physical::unknown();
        p.install("ubuntu", "jammy".into(), None);
        p.next_boot = Some(NextBoot::once(BootDevice::Pxe));
        p.power(true, 5);
        assert_eq!((p.next_boot, p.netbooted_ms), (None, Some(5)));
        p.power(false, 6);
        p.power(true, 7);
        assert_eq!(p.netbooted_ms, None, "from disk, where the OS is");
    }
}
