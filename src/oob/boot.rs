//! The next boot device, as drivers are asked to set it.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BootDevice {
    Pxe,
    Disk,
}

impl BootDevice {
    pub fn parse(s: &str) -> Option<BootDevice> {
        match s {
            "pxe" => Some(BootDevice::Pxe),
            "disk" => Some(BootDevice::Disk),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BootDevice::Pxe => "pxe",
            BootDevice::Disk => "disk",
        }
    }
}

impl fmt::Display for BootDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the setting holds for the next boot only or until changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BootPersistence {
    #[default]
    Once,
    Persistent,
}

impl BootPersistence {
    pub fn parse(s: &str) -> Option<BootPersistence> {
        match s {
            "once" => Some(BootPersistence::Once),
            "persistent" => Some(BootPersistence::Persistent),
            _ => None,
        }
    }
}

/// A next-boot setting: the device, for how long, and UEFI or legacy where the BMC asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NextBoot {
    pub device: BootDevice,
    pub persistence: BootPersistence,
    /// Boot in UEFI mode (IPMI's EFI bit; Redfish's `BootSourceOverrideMode` where the BMC
    /// has the property).
    pub uefi: bool,
}

impl NextBoot {
    pub fn once(device: BootDevice) -> NextBoot {
        NextBoot {
            device,
            persistence: BootPersistence::Once,
            uefi: false,
        }
    }
}
