//! A simulated machine's physical state: what is true of the box itself, whoever acts on it.
//! MAAS's power control and lifecycle act on it today (through the machine record that holds
//! it); the machine's BMC will act on the same value, so that a power-off through Redfish is
//! what MAAS's next power query sees.
//!
//! The boot device is not modelled yet: every simulated machine boots from the network when
//! MAAS boots it and from disk once deployed.

use serde::{Deserialize, Serialize};

use crate::maas::resources::machines::PowerState;

/// Power and the installed OS. Saved flattened into the machine record, under the names MAAS
/// gives them (`power_state`, `osystem`, `distro_series`), which saved regions hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Physical {
    /// `unknown` until something has powered the machine on or off.
    pub power_state: PowerState,
    /// The OS on its disks (`ubuntu`), empty when none.
    pub osystem: String,
    /// The release of that OS (`jammy`), empty when none.
    pub distro_series: String,
}

impl Physical {
    /// A machine nobody has powered or installed yet.
    pub fn unknown() -> Physical {
        Physical {
            power_state: PowerState::Unknown,
            osystem: String::new(),
            distro_series: String::new(),
        }
    }

    pub fn power(&mut self, on: bool) {
        self.power_state = if on { PowerState::On } else { PowerState::Off };
    }

    /// Writes an OS to the disks, replacing whatever was there.
    pub fn install(&mut self, osystem: &str, distro_series: String) {
        self.osystem = osystem.to_string();
        self.distro_series = distro_series;
    }

    /// Erases the installed OS.
    pub fn wipe(&mut self) {
        self.osystem.clear();
        self.distro_series.clear();
    }
}
