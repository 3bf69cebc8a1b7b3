//! [`Chassis`] for one of the site's physical machines in the region: what its BMC does lands
//! on the same state MAAS's power control acts on. Every call lets the region's clock run
//! first (power that is due lands, a machine booted from the network enlists), as a MAAS
//! request does.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::{BmcFault, Chassis, Identity};
use crate::oob::{NextBoot, PowerRequest};
use crate::sim::maas::lifecycle::advance;
use crate::sim::maas::state::State;
use crate::sim::now_ms;

pub struct MachineChassis {
    region: Arc<Mutex<State>>,
    /// The machine's position among the region's physical machines.
    host: usize,
    /// Set on every change, for the state file's saver.
    changed: Arc<AtomicBool>,
}

impl MachineChassis {
    /// The chassis of physical machine `host`, which must exist in `region`.
    pub fn new(region: Arc<Mutex<State>>, host: usize, changed: Arc<AtomicBool>) -> MachineChassis {
        MachineChassis {
            region,
            host,
            changed,
        }
    }

    /// The region, its clock run to now.
    fn region(&self) -> MutexGuard<'_, State> {
        let mut region = crate::sim::region(&self.region);
        advance(&mut region, now_ms());
        region
    }
}

impl Chassis for MachineChassis {
    fn powered(&self) -> bool {
        self.region().hosts[self.host].physical.is_on()
    }

    fn request_power(&self, request: PowerRequest) {
        let mut region = self.region();
        let speed = region.speed;
        region.hosts[self.host].request_power(request, now_ms(), speed);
        self.changed.store(true, Ordering::Release);
    }

    fn next_boot(&self) -> Option<NextBoot> {
        self.region().hosts[self.host].physical.next_boot
    }

    fn set_next_boot(&self, boot: Option<NextBoot>) {
        self.region().hosts[self.host].physical.next_boot = boot;
        self.changed.store(true, Ordering::Release);
    }

    fn identity(&self) -> Identity {
        crate::sim::region(&self.region).hosts[self.host].identity()
    }

    fn accepts(&self, account: &str, password: &str) -> bool {
        crate::sim::region(&self.region).hosts[self.host].accepts(account, password)
    }

    fn password_for(&self, account: &str) -> Option<crate::oob::Secret> {
        let region = crate::sim::region(&self.region);
        let bmc = region.hosts[self.host].bmc.as_ref()?;
        (bmc.account == account).then(|| bmc.credential.clone())
    }

    fn fault(&self) -> Option<BmcFault> {
        crate::sim::region(&self.region).hosts[self.host].fault
    }
}
