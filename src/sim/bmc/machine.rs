//! [`Chassis`] for one of the site's physical machines in the region: what its BMC does lands
//! on the same state MAAS's power control acts on. Every call lets the region's clock run
//! first (power that is due lands, a machine booted from the network enlists), as a MAAS
//! request does. The IPMI responder logs nothing itself, so an IPMI BMC's chassis logs the
//! power changes it accepts (Chassis Control is the only IPMI command that makes one); a
//! Redfish service logs every request it answers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::request_log::{BmcRequest, BmcRequestLog, Requester};
use super::{BmcFault, Chassis, Identity};
use crate::oob::{NextBoot, PowerRequest};
use crate::sim::maas::lifecycle::advance;
use crate::sim::maas::state::State;
use crate::sim::now_ms;
use crate::sim::physical::BmcProtocol;

pub struct MachineChassis {
    region: Arc<Mutex<State>>,
    /// The machine's position among the region's physical machines.
    host: usize,
    /// Fixed from the start: a BMC's idea of its hardware does not change while it runs.
    identity: Identity,
    /// Set on every change, for the state file's saver.
    changed: Arc<AtomicBool>,
    /// Where the power changes it accepts are logged, for a BMC whose protocol does not log.
    power_log: Option<Arc<Mutex<BmcRequestLog>>>,
}

impl MachineChassis {
    /// The chassis of physical machine `host`, which must exist in `region`.
    pub fn new(region: Arc<Mutex<State>>, host: usize, changed: Arc<AtomicBool>) -> MachineChassis {
        let identity = crate::sim::region(&region).hosts[host].identity();
        MachineChassis {
            region,
            host,
            identity,
            changed,
            power_log: None,
        }
    }

    /// The same chassis, logging each power change it accepts to `log` as an IPMI
    /// client's Chassis Control.
    pub fn logging_power_to(self, log: Arc<Mutex<BmcRequestLog>>) -> MachineChassis {
        MachineChassis {
            power_log: Some(log),
            ..self
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
        drop(region);
        if let Some(log) = &self.power_log {
            let mut entry = BmcRequest::new(
                &self.identity.name,
                BmcProtocol::Ipmi,
                Requester::Client,
                "Chassis Control",
                &request.to_string(),
            );
            entry.power = Some(request);
            entry.status = 200;
            log.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(entry);
        }
    }

    fn next_boot(&self) -> Option<NextBoot> {
        self.region().hosts[self.host].physical.next_boot
    }

    fn set_next_boot(&self, boot: Option<NextBoot>) {
        self.region().hosts[self.host].physical.next_boot = boot;
        self.changed.store(true, Ordering::Release);
    }

    fn identity(&self) -> Identity {
        self.identity.clone()
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
