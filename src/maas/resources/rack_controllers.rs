//! Rack controllers: the agents that serve DHCP, TFTP and HTTP boot to the machines.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Extra;
use super::interfaces::Interface;
use crate::maas::calls::calls;
use crate::maas::text_enum::text_enum;

text_enum! {
    ServiceStatus {
        Running = "running",
        Off = "off",
        Dead = "dead",
        Degraded = "degraded",
        Unknown = "unknown",
    }
}

/// A service a rack controller runs (Drydock requires http, dhcpd, rackd and tftp to be
/// `running` or `off`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Service {
    pub name: String,
    pub status: ServiceStatus,
    pub status_info: String,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RackController {
    pub system_id: String,
    pub hostname: String,
    pub fqdn: String,
    pub version: Option<String>,
    pub ip_addresses: Vec<String>,
    pub interface_set: Vec<Interface>,
    pub service_set: Vec<Service>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `list_boot_images`' answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RackBootImages {
    pub images: Vec<Value>,
    pub connected: bool,
    /// `synced`, `syncing`, `out-of-sync`, `unknown`.
    pub status: String,
    #[serde(flatten)]
    pub extra: Extra,
}

calls! {
    /// Every rack controller.
    RACK_CONTROLLERS rack_controllers() Get "rackcontrollers/" -> Vec<RackController>
        ["hostname", "id", "mac_address", "domain", "zone", "pool", "agent_name", "status"];
    /// One rack controller.
    RACK_CONTROLLER rack_controller(system_id) Get "rackcontrollers/{system_id}/" -> RackController;
    /// Asks every rack to sync the region's boot images.
    IMPORT_RACK_BOOT_IMAGES import_rack_boot_images() Post "rackcontrollers/" op "import_boot_images" -> Value;
    /// The images a rack holds and whether it is in sync with the region.
    RACK_BOOT_IMAGES rack_boot_images(system_id) Get "rackcontrollers/{system_id}/" op "list_boot_images"
        -> RackBootImages;
}
