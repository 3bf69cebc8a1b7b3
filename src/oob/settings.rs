//! How OOB work is paced and secured, for a whole run: power-transition polling, retries,
//! concurrency limits, TLS and IPMI defaults, and where the simulator serves each BMC.
//! Per-node settings in the design (`oob.cipher_suite`, `oob.ca_file`, `oob.tls_verify`)
//! override the run's.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::manual::ManualSettings;
use super::{BmcMap, VirshPool};

/// How a power transition is waited for. Drydock polls 18 times, 10 s apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PowerWait {
    pub interval: Duration,
    pub timeout: Duration,
}

impl Default for PowerWait {
    fn default() -> Self {
        PowerWait {
            interval: Duration::from_secs(10),
            timeout: Duration::from_secs(180),
        }
    }
}

/// Retries of one exchange that failed in a way that may pass (unreachable, busy): at most
/// `attempts` tries, the wait doubling from `backoff` up to `max_backoff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(15),
        }
    }
}

impl RetryPolicy {
    /// The wait before try `attempt` (2, 3, ...).
    pub fn delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(2).min(16);
        self.backoff.saturating_mul(1 << doublings).min(self.max_backoff)
    }
}

/// How a Redfish BMC's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// Against the system's roots.
    #[default]
    Verify,
    /// Against this CA file (PEM) only.
    CaFile(PathBuf),
    /// Not at all: the operator said so, for this run or this node.
    Insecure,
}

/// The concurrency limits: a BMC serves one session well, not fifty, and the orchestrator
/// itself should not open thousands of connections at once. A permit is held for one
/// exchange, not while a transition is waited for.
pub struct Limits {
    global: Arc<Semaphore>,
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Limits {
    pub fn new(global: usize, per_host: usize) -> Limits {
        Limits {
            global: Arc::new(Semaphore::new(global.max(1))),
            per_host: per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for a slot on `host` and one overall; both are given back when dropped.
    pub async fn acquire(&self, host: &str) -> (OwnedSemaphorePermit, OwnedSemaphorePermit) {
        let per_host = {
            let mut hosts = self
                .hosts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            hosts
                .entry(host.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
                .clone()
        };
        // The semaphores are never closed, so acquiring cannot fail.
        let host_permit = per_host.acquire_owned().await.expect("semaphore never closed");
        let global_permit = self
            .global
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore never closed");
        (host_permit, global_permit)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::new(64, 1)
    }
}

/// Everything OOB work in one run shares.
pub struct OobSettings {
    pub wait: PowerWait,
    pub retry: RetryPolicy,
    pub limits: Limits,
    /// How long one exchange with a BMC may take before it counts as unreachable.
    pub request_timeout: Duration,
    pub tls: TlsMode,
    /// IPMI cipher suite unless a node says otherwise: 3 (HMAC-SHA1, AES-128) or 17
    /// (HMAC-SHA256, AES-128). Never 0, which authenticates nobody.
    pub cipher_suite: u8,
    /// How long an IPMI session may sit unused before drydock closes it (see
    /// `ipmi/ipmitool.rs`); a later request opens a new one.
    pub ipmi_idle: Duration,
    /// Where BMCs are served when not at their design address (the simulator's map).
    pub bmc_map: BmcMap,
    /// How manual (no-BMC) nodes are confirmed.
    pub manual: ManualSettings,
    /// Power and boot changes are refused (`drydock plan`); reading state still works.
    pub read_only: bool,
    /// The libvirt driver's virsh shells, one per URI, shared by the nodes on it.
    pub virsh: VirshPool,
}

impl Default for OobSettings {
    fn default() -> Self {
        OobSettings {
            wait: PowerWait::default(),
            retry: RetryPolicy::default(),
            limits: Limits::default(),
            request_timeout: Duration::from_secs(20),
            tls: TlsMode::Verify,
            cipher_suite: 3,
            ipmi_idle: Duration::from_secs(30),
            bmc_map: BmcMap::default(),
            manual: ManualSettings::default(),
            read_only: false,
            virsh: VirshPool::default(),
        }
    }
}
