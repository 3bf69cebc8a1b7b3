//! The simulated BMCs: one per machine, in the protocol the design names (`redfish.rs`, a
//! Redfish service; `ipmi/`, an IPMI v2.0 lanplus responder). A BMC acts on its machine
//! only through [`Chassis`], the machine's physical state as its BMC sees it, so what a BMC
//! does MAAS sees and the other way round; faults planted for a node reach its BMC there.

#![allow(dead_code)] // The BMC protocols are being added on top of this interface.

use std::sync::Mutex;

use crate::oob::{BootDevice, NextBoot, PowerRequest, Secret};

pub mod ipmi;

/// A fault planted on one node's BMC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BmcFault {
    /// Every login is refused as a wrong password would be.
    RefuseLogin,
    /// Nothing is answered (the BMC is hung or unreachable).
    Timeout,
    /// Power requests are accepted but the machine never changes state.
    StuckPower,
}

/// What a BMC tells of its machine's hardware (from the design's hardware profile and NICs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Identity {
    /// The node's name (Redfish `Name`, IPMI's FRU product name).
    pub name: String,
    /// Stable per node (Redfish `UUID`, IPMI's system GUID).
    pub uuid: String,
    pub manufacturer: String,
    pub model: String,
    pub serial_number: String,
    pub bios_version: String,
    pub cpu_count: u64,
    pub cpu_model: String,
    pub memory_gib: u64,
    /// Lowercase, colon-separated; the first is the PXE NIC.
    pub macs: Vec<String>,
    /// Name and size in bytes.
    pub drives: Vec<(String, u64)>,
}

/// A machine as its BMC sees it. Implemented over the simulator's region (the real thing)
/// and in memory (protocol tests).
pub trait Chassis: Send + Sync {
    /// Whether the machine has power now.
    fn powered(&self) -> bool;
    /// Starts a power change; it lands at once or after the simulator's delay. With
    /// [`BmcFault::StuckPower`] planted it is accepted and never lands.
    fn request_power(&self, request: PowerRequest);
    /// The next-boot override, if one is set.
    fn next_boot(&self) -> Option<NextBoot>;
    fn set_next_boot(&self, boot: Option<NextBoot>);
    fn identity(&self) -> Identity;
    /// The account and password the BMC accepts (the design's `oob.account` and
    /// `oob.credential`).
    fn accepts(&self, account: &str, password: &str) -> bool;
    /// The password the BMC holds for `account`, `None` for an account it does not know.
    /// For logins that prove the password without sending it (IPMI's RAKP keys its HMACs
    /// with it); whether the login is then accepted is still [`Chassis::accepts`]'s to say.
    fn password_for(&self, account: &str) -> Option<Secret>;
    /// The fault planted on this BMC, if any.
    fn fault(&self) -> Option<BmcFault>;
}

/// A chassis in memory, for protocol tests: power changes land at once.
pub struct MemoryChassis {
    pub identity: Identity,
    pub account: String,
    pub password: String,
    pub state: Mutex<MemoryState>,
}

#[derive(Debug, Clone, Default)]
pub struct MemoryState {
    pub powered: bool,
    pub next_boot: Option<NextBoot>,
    pub fault: Option<BmcFault>,
    /// Every power request, in order.
    pub requests: Vec<PowerRequest>,
}

impl MemoryChassis {
    pub fn new(identity: Identity, account: &str, password: &str) -> MemoryChassis {
        MemoryChassis {
            identity,
            account: account.into(),
            password: password.into(),
            state: Mutex::new(MemoryState::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Chassis for MemoryChassis {
    fn powered(&self) -> bool {
        self.state().powered
    }

    fn request_power(&self, request: PowerRequest) {
        let mut s = self.state();
        s.requests.push(request);
        if s.fault == Some(BmcFault::StuckPower) {
            return;
        }
        s.powered = !matches!(request, PowerRequest::ForceOff | PowerRequest::GracefulOff);
    }

    fn next_boot(&self) -> Option<NextBoot> {
        self.state().next_boot
    }

    fn set_next_boot(&self, boot: Option<NextBoot>) {
        self.state().next_boot = boot;
    }

    fn identity(&self) -> Identity {
        self.identity.clone()
    }

    fn accepts(&self, account: &str, password: &str) -> bool {
        self.state().fault != Some(BmcFault::RefuseLogin)
            && account == self.account
            && password == self.password
    }

    fn password_for(&self, account: &str) -> Option<Secret> {
        (account == self.account).then(|| Secret::new(self.password.clone()))
    }

    fn fault(&self) -> Option<BmcFault> {
        self.state().fault
    }
}

/// Whether a machine with this override boots from the network next.
pub fn boots_from_network(boot: Option<NextBoot>) -> bool {
    boot.is_some_and(|b| b.device == BootDevice::Pxe)
}
