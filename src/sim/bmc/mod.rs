//! The simulated BMCs: one per machine, in the protocol the design names (`redfish.rs`, a
//! Redfish service on a TCP listener of its own; `ipmi/`, an IPMI v2.0 lanplus responder on
//! a UDP socket of its own). A BMC acts on its machine only through [`Chassis`], the
//! machine's physical state as its BMC sees it (`machine.rs` over the region), so what a BMC
//! does MAAS sees and the other way round; faults planted for a node reach its BMC there.
//! `request_log.rs` keeps what they were asked. This file binds every BMC's socket when the
//! simulator starts (so where each is served is known before any is), and serves them.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::oob::{BootDevice, NextBoot, PowerRequest, Secret};
use crate::sim::maas::state::State;
use crate::sim::physical::{BmcProtocol, PhysicalMachine};

pub mod ipmi;
pub mod machine;
pub mod redfish;
pub mod request_log;

/// Connections one BMC serves at once (a real BMC serves few); more wait in the kernel's
/// queue.
pub const CONNECTIONS_PER_BMC: usize = 4;

/// Open files the simulator wants for each BMC besides its socket: its connections, and the
/// client's end of them when drydock runs in the same process (`--sim`).
pub const FILES_PER_BMC: u64 = 2 * CONNECTIONS_PER_BMC as u64;

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

/// Where one BMC is served.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServedBmc {
    pub node: String,
    pub protocol: BmcProtocol,
    /// As the design names it.
    pub address: String,
    /// `http://127.0.0.1:PORT` (Redfish), `127.0.0.1:PORT` (IPMI).
    pub endpoint: String,
}

/// Every BMC's socket, bound and not yet served.
pub struct Bound {
    pub served: Vec<ServedBmc>,
    redfish: Vec<(usize, std::net::TcpListener)>,
    ipmi: Vec<(usize, std::net::UdpSocket)>,
}

/// Binds a socket on `ip` (port 0) for every machine with a BMC the simulator serves; a BMC
/// address two nodes share is served for the first.
pub fn bind(hosts: &[PhysicalMachine], ip: IpAddr) -> std::io::Result<Bound> {
    // A thousand BMCs want more open files than the usual soft limit of 1,024: raise it
    // towards the hard limit (where the system allows; binding says so if still too few).
    let wanted = 1024 + bound_count(hosts) as u64 * (1 + FILES_PER_BMC);
    if let Err(e) = rlimit::increase_nofile_limit(wanted) {
        tracing::debug!("cannot raise the open-file limit to {wanted}: {e}");
    }
    let reachable = if ip.is_unspecified() {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        ip
    };
    let mut bound = Bound {
        served: Vec::new(),
        redfish: Vec::new(),
        ipmi: Vec::new(),
    };
    let too_many = |e: std::io::Error, what: &str| {
        std::io::Error::new(
            e.kind(),
            format!(
                "cannot bind the simulated BMCs' {what} on {ip} ({} so far): {e}; a site this big needs \
                 more open files (raise `ulimit -n`)",
                bound_count(hosts)
            ),
        )
    };
    for (h, host) in hosts.iter().enumerate() {
        let Some(bmc) = &host.bmc else { continue };
        if bound.served.iter().any(|s| s.address == bmc.address) {
            tracing::warn!(
                node = %host.name,
                "BMC address {} is another node's too; only the first is simulated",
                bmc.address
            );
            continue;
        }
        let at = SocketAddr::new(ip, 0);
        let endpoint = match bmc.protocol {
            BmcProtocol::Redfish => {
                let listener = std::net::TcpListener::bind(at).map_err(|e| too_many(e, "listeners"))?;
                listener.set_nonblocking(true)?;
                let port = listener.local_addr()?.port();
                bound.redfish.push((h, listener));
                format!("http://{}", SocketAddr::new(reachable, port))
            }
            BmcProtocol::Ipmi => {
                let socket = std::net::UdpSocket::bind(at).map_err(|e| too_many(e, "sockets"))?;
                socket.set_nonblocking(true)?;
                let port = socket.local_addr()?.port();
                bound.ipmi.push((h, socket));
                SocketAddr::new(reachable, port).to_string()
            }
        };
        bound.served.push(ServedBmc {
            node: host.name.clone(),
            protocol: bmc.protocol,
            address: bmc.address.clone(),
            endpoint,
        });
    }
    Ok(bound)
}

fn bound_count(hosts: &[PhysicalMachine]) -> usize {
    hosts.iter().filter(|h| h.bmc.is_some()).count()
}

/// Serves every bound BMC on the current runtime until `stop` turns true; the tasks end once
/// their connections are closed.
pub fn serve(
    bound: Bound,
    region: &Arc<Mutex<State>>,
    changed: &Arc<AtomicBool>,
    options: &crate::sim::SimOptions,
    stop: &watch::Receiver<bool>,
) -> std::io::Result<Vec<JoinHandle<()>>> {
    let idle_timeout = options.idle_timeout;
    let log = crate::sim::region(region).bmc_requests.clone();
    let limit = crate::sim::serve::BodyLimit {
        timeout: idle_timeout,
        max: redfish::MAX_BODY,
    };
    let mut tasks = Vec::new();
    for (h, listener) in bound.redfish {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let chassis = Arc::new(machine::MachineChassis::new(region.clone(), h, changed.clone()));
        let service = Arc::new(
            redfish::Service::new(chassis, log.clone(), stop.clone()).with_latency(options.bmc_latency),
        );
        let mut stop = stop.clone();
        tasks.push(tokio::spawn(crate::sim::serve::serve(
            listener,
            redfish::router(service, limit),
            idle_timeout,
            CONNECTIONS_PER_BMC,
            async move {
                let _ = stop.wait_for(|stopped| *stopped).await;
            },
        )));
    }
    for (h, socket) in bound.ipmi {
        let socket = tokio::net::UdpSocket::from_std(socket)?;
        let chassis = Arc::new(machine::MachineChassis::new(region.clone(), h, changed.clone()));
        tasks.push(start_ipmi(socket, chassis, log.clone(), stop.clone()));
    }
    Ok(tasks)
}

/// An IPMI BMC's responder on its own task, until the simulator stops.
fn start_ipmi(
    socket: tokio::net::UdpSocket,
    chassis: Arc<dyn Chassis>,
    log: Arc<Mutex<request_log::BmcRequestLog>>,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        tokio::select! {
            () = ipmi::serve(socket, chassis, log) => {}
            _ = stop.wait_for(|stopped| *stopped) => {}
        }
    })
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
#[cfg_attr(not(test), allow(dead_code))]
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

#[cfg_attr(not(test), allow(dead_code))]
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
