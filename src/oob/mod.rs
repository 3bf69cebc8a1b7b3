//! Out-of-band control: a server's power and next boot device through its BMC.
//!
//! * `bmc.rs`: who a node's BMC is (address on the `oob.network` network, account,
//!   credential, TLS and cipher options), read from the design once, the password kept in a
//!   [`Secret`] that never prints;
//! * [`OobDriver`] (this file): the primitives one BMC protocol provides, each a single
//!   request — read power, ask for a power change, set the next boot device, read inventory;
//! * `control.rs`: what every driver shares on top of them: waiting for a power transition
//!   (interval and timeout), bounded retries with backoff, the concurrency limits per BMC host
//!   and overall. Scripts and actions use [`Oob`], never a driver directly;
//! * one file or folder per protocol: `redfish`, `ipmi`, `libvirt`, `manual.rs` (no BMC: the
//!   operator does it and confirms).
//!
//! Secrets never leave `bmc.rs` except into the request that needs them: errors, logs and
//! `Debug` output name the node and the BMC address, never the password.

mod bmc;
mod boot;
mod control;
mod error;
mod inventory;
mod ipmi;
mod libvirt;
mod maas_power;
mod manual;
mod power;
mod redfish;
mod settings;

use async_trait::async_trait;

pub use bmc::{Bmc, BmcMap, CIPHER_SUITES, Secret};
pub use boot::{BootDevice, BootPersistence, NextBoot};
pub use control::{Oob, Transition};
pub use error::{OobError, OobErrorKind};
pub use inventory::{Drive, Inventory, Nic};
pub use libvirt::{VirshError, VirshPool};
pub use maas_power::{ParamValue, maas_power};
pub use manual::{ManualSettings, confirm, inbox};
pub use power::{PowerRequest, PowerState};
pub use settings::{Limits, OobSettings, PowerWait, RetryPolicy, TlsMode};

/// One BMC protocol. Each method is one exchange with the BMC (a driver may need a login
/// first); waiting for the machine to reach a state, retrying and limiting concurrency are
/// done once for all drivers by [`Oob`].
#[async_trait]
pub trait OobDriver: Send + Sync {
    /// The power state the BMC reports now.
    async fn power_state(&self) -> Result<PowerState, OobError>;

    /// Asks for a power change and returns once the BMC accepted it (not once it happened).
    async fn request_power(&self, request: PowerRequest) -> Result<(), OobError>;

    /// Sets the device the machine boots from next, and reads it back where the BMC can.
    async fn set_next_boot(&self, boot: NextBoot) -> Result<(), OobError>;

    /// What the BMC tells of the machine's hardware; fields it does not tell stay empty.
    async fn inventory(&self) -> Result<Inventory, OobError>;

    /// Ends whatever session the driver holds (a Redfish session is logged out). Called once
    /// the driver is no longer needed; a driver without sessions does nothing.
    async fn close(&self) {}
}

/// The node's BMC as [`Oob`], with the driver its protocol names.
pub fn connect(bmc: Bmc, settings: std::sync::Arc<OobSettings>) -> Result<Oob, OobError> {
    use crate::design::model::OobType;
    match bmc.protocol {
        OobType::Manual => {
            let driver = manual::Manual::new(bmc.clone(), settings.clone());
            Ok(Oob::new(bmc, Box::new(driver), settings, false))
        }
        OobType::Ipmi => {
            let transport = ipmi::Ipmitool::new(&bmc, settings.request_timeout, settings.ipmi_idle)
                .map_err(|e| OobError::new(e.kind, &bmc, e.message))?
                .within(settings.clone(), &bmc);
            let driver = ipmi::IpmiDriver::new(bmc.clone(), Box::new(transport));
            Ok(Oob::new(bmc, Box::new(driver), settings, true))
        }
        OobType::Redfish => redfish::connect(bmc, settings),
        OobType::Libvirt => libvirt::connect(bmc, settings),
    }
}
