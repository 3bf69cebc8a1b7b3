//! A simulated site, served on loopback by axum. A library module, so tests and `drydock run
//! --sim` embed it; `drydock sim` is a thin command around it. Its rooms:
//! * `maas/`: the MAAS region (its module doc says where each part of it is), with its HTTP
//!   edge in `maas/http.rs` (a request below `/MAAS/api/2.0/` decoded, delayed or faulted as
//!   asked, answered, logged);
//! * `control.rs`: the `/_sim/` endpoints tests steer the simulator with (request logs,
//!   faults, a machine's status, users' keys, where the BMCs are);
//! * `physical.rs`: the site's physical machines (the design's BaremetalNodes) and their
//!   physical state (power, next boot, installed OS), which MAAS's power control and
//!   lifecycle act on; MAAS knows a machine once it enlisted;
//! * `bmc/`: a BMC per machine, Redfish services and IPMI responders on sockets of their own,
//!   acting on that same physical state, so that what a BMC does MAAS sees and the other
//!   way round;
//! * `serve.rs`: connections, served by hyper with timeouts and caps, for MAAS and the BMCs.
//!
//! This file starts and stops the servers (MAAS's and every BMC's, on one runtime),
//! assembling MAAS's routes from those rooms, and keeps the state file saved.

pub mod bmc;
pub mod bootaction_reports;
mod cloud_init;
mod control;
mod maas;
mod physical;
mod serve;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};

use crate::maas::ApiKey;
use crate::oob::BmcMap;
pub use bmc::request_log::{BMC_REQUEST_LOG_LIMIT, BmcCounts, BmcRequest, ByProtocol, Requester};
pub use bmc::{BmcFault, CONNECTIONS_PER_BMC, ServedBmc};
pub use cloud_init::{FirstBoot, WrittenFile};
pub use maas::faults::Fault;
// How long the simulated site's phases take at `--speed 1` (benches model clients with them).
pub use maas::request_log::{LoggedRequest, MaasCounts, REQUEST_LOG_LIMIT};
pub use maas::state::MAX_PLANTED_FAULTS;
pub use maas::{COMMISSIONING_S, DEPLOYING_S, ENLISTING_S};
pub use physical::BmcProtocol;
pub use physical::POWER_LANDS_S;
pub use serve::MAX_CONNECTIONS;

use maas::state::State;

#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Where to listen; port 0 picks a free one. Loopback unless told otherwise.
    pub listen: SocketAddr,
    /// Added to every API answer.
    pub latency: Duration,
    /// Added to every Redfish answer: a real BMC takes a few hundred milliseconds.
    pub bmc_latency: Duration,
    /// Probability that an API request meets a random fault (503 with Retry-After, 500,
    /// extra latency, a dropped connection).
    pub fault_rate: f64,
    /// Whether a rack controller with synced images is registered, so machines can boot
    /// (commission, deploy) and BMCs answer. The captured region had none.
    pub rack: bool,
    /// How much faster than a real region lifecycle phases complete.
    pub speed: f64,
    /// Where the region is kept across restarts (`--state FILE`); in memory only when `None`.
    pub state_file: Option<PathBuf>,
    /// How long a connection may take to send a request's head or body, or sit idle between
    /// requests, before it is closed.
    pub idle_timeout: Duration,
    /// Whether the design's machines start enlisted in MAAS (New, under their design names),
    /// or unknown to it, to be found by powering them on from the network through their BMCs
    /// (what PrepareNodes is rehearsed against; the default).
    pub enlisted: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            latency: Duration::ZERO,
            bmc_latency: Duration::ZERO,
            fault_rate: 0.0,
            rack: true,
            speed: 1.0,
            state_file: None,
            idle_timeout: Duration::from_secs(30),
            enlisted: false,
        }
    }
}

/// Every request MAAS and the BMCs were sent since the simulator started, as `GET
/// /_sim/counts` gives it: what a long run sent, where the request logs keep only the newest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub maas: MaasCounts,
    pub bmc: BmcCounts,
}

impl Counts {
    fn of(region: &State) -> Counts {
        let bmc = region
            .bmc_requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .counts();
        Counts {
            maas: region.requests.counts(),
            bmc,
        }
    }
}

#[derive(Clone)]
struct Shared {
    state: Arc<Mutex<State>>,
    /// `http://host:port`, what `describe/` URIs point at.
    base: String,
    options: SimOptions,
    /// Set by every request that may have changed the region; the saver clears it.
    changed: Arc<AtomicBool>,
    /// Where each BMC is served.
    bmcs: Arc<Vec<ServedBmc>>,
}

/// The region, locked. A lock is never poisoned for good: handlers do not panic, and were
/// one to, the region it leaves is still served rather than every later request refused.
fn region(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn region(&self) -> MutexGuard<'_, State> {
        region(&self.state)
    }
}

/// A running simulator; dropping it stops the server.
pub struct Sim {
    url: String,
    key: ApiKey,
    state: Arc<Mutex<State>>,
    bmcs: Arc<Vec<ServedBmc>>,
    shutdown: tokio::sync::watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sim {
    /// Binds and starts serving on its own threads; returns once MAAS and every BMC accept
    /// connections. The design's BaremetalNodes become the site's physical machines, unknown
    /// to MAAS or already enlisted as `options.enlisted` says, each with its BMC served on a
    /// socket of its own ([`Sim::bmc_map`]).
    /// With `options.state_file`, a region saved there is served instead (the design's
    /// machines are only the starting point of a fresh one), and changes are saved there.
    pub fn start(options: SimOptions, design: Option<&crate::design::Site>) -> std::io::Result<Sim> {
        let listener = std::net::TcpListener::bind(options.listen).map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot listen on {}: {e}", options.listen))
        })?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let base = format!("http://{addr}");
        let saved = match &options.state_file {
            Some(path) => maas::persist::load(path).map_err(std::io::Error::other)?,
            None => None,
        };
        let mut state = saved.unwrap_or_else(|| {
            let mut fresh = State::new(ApiKey::generate());
            if let Some(site) = design {
                fresh.adopt_hosts(physical::PhysicalMachine::from_site(site));
                if options.enlisted {
                    fresh.machines = maas::records::machines::Machine::enlisted(&fresh.hosts, site);
                }
                if options.rack {
                    maas::rack_controllers::discover_rack_networks(&mut fresh, site);
                }
            }
            fresh
        });
        // A region saved before machines were simulated takes the design's.
        state.adopt_hosts(
            design
                .map(physical::PhysicalMachine::from_site)
                .unwrap_or_default(),
        );
        state.rack = options.rack;
        state.speed = options.speed;
        let bound = bmc::bind(&state.hosts, options.listen.ip())?;
        let bmcs = Arc::new(bound.served.clone());
        let key = state.key.clone();
        let state = Arc::new(Mutex::new(state));
        let changed = Arc::new(AtomicBool::new(true));
        let shared = Shared {
            state: state.clone(),
            base: base.clone(),
            options: options.clone(),
            changed: changed.clone(),
            bmcs: bmcs.clone(),
        };
        let limit = serve::BodyLimit {
            timeout: options.idle_timeout,
            max: serve::MAX_BODY,
        };
        let app = Router::new()
            .route("/_sim/requests", get(control::requests))
            .route("/_sim/faults", post(control::plant))
            .route("/_sim/machines/{system_id}", post(control::set_machine))
            .route("/_sim/users/{username}", get(control::user_key))
            .route("/_sim/bmcs", get(control::bmcs))
            .route("/_sim/bmc_faults", post(control::plant_bmc_fault))
            .route("/_sim/bmc_requests", get(control::bmc_requests))
            .route("/_sim/bootaction_faults", post(control::plant_bootaction_fault))
            .route("/_sim/bootaction_reports", get(control::bootaction_reports))
            .route("/_sim/counts", get(control::counts))
            .fallback(maas::http::serve_api)
            .layer(axum::middleware::from_fn_with_state(limit, serve::whole_body))
            .with_state(shared);
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let (listener, bmc_tasks) = {
            let _guard = runtime.enter();
            let tasks = bmc::serve(bound, &state, &changed, &options, &stop_rx)?;
            (tokio::net::TcpListener::from_std(listener)?, tasks)
        };
        let thread = std::thread::Builder::new().name("maas-sim".into()).spawn({
            let state = state.clone();
            let mut stop = stop_rx;
            move || {
                runtime.block_on(async move {
                    let reporter = tokio::spawn(bootaction_reports::send_while_serving(
                        state.clone(),
                        stop.clone(),
                    ));
                    let saver = options
                        .state_file
                        .clone()
                        .map(|path| tokio::spawn(save_while_serving(path, state.clone(), changed.clone())));
                    let stopped = async move {
                        let _ = stop.wait_for(|stopped| *stopped).await;
                    };
                    serve::serve(listener, app, options.idle_timeout, MAX_CONNECTIONS, stopped).await;
                    for task in bmc_tasks {
                        let _ = task.await;
                    }
                    reporter.abort();
                    if let (Some(saver), Some(path)) = (saver, &options.state_file) {
                        saver.abort();
                        save(path, &state);
                    }
                });
            }
        })?;
        Ok(Sim {
            url: format!("{base}/MAAS"),
            key,
            state,
            bmcs,
            shutdown: stop_tx,
            thread: Some(thread),
        })
    }

    /// The MAAS URL clients are given, e.g. `http://127.0.0.1:40123/MAAS`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The simulator's API key (the admin's; users an admin adds have their own).
    pub fn key(&self) -> &ApiKey {
        &self.key
    }

    /// The request log, as `GET /_sim/requests` gives it (for in-process tests and benches).
    /// It keeps the newest [`REQUEST_LOG_LIMIT`] requests, numbered by `seq`.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        region(&self.state).requests.entries()
    }

    /// Every request MAAS and the BMCs were sent so far, as `GET /_sim/counts` gives it.
    pub fn counts(&self) -> Counts {
        Counts::of(&region(&self.state))
    }

    /// Makes the next `count` API requests meet `fault` (what `POST /_sim/faults` does); at
    /// most [`MAX_PLANTED_FAULTS`] wait at once, and more is refused saying so.
    pub fn plant(&self, fault: Fault, count: usize) -> Result<(), String> {
        region(&self.state).plant(fault, count)
    }

    /// How many machines the region holds now.
    pub fn machine_count(&self) -> usize {
        region(&self.state).machines.len()
    }

    /// How many of the site's physical machines MAAS does not know yet.
    pub fn unknown_count(&self) -> usize {
        let region = region(&self.state);
        (0..region.hosts.len())
            .filter(|&h| {
                !region
                    .machines
                    .iter()
                    .any(|m| m.body == maas::records::machines::Body::Host { host: h })
            })
            .count()
    }

    /// Where each BMC is served, in design order.
    pub fn bmcs(&self) -> &[ServedBmc] {
        &self.bmcs
    }

    /// Design address → endpoint of every BMC (`http://127.0.0.1:PORT` for Redfish,
    /// `127.0.0.1:PORT` for IPMI), what `--bmc-map FILE` takes and `GET /_sim/bmcs` gives.
    pub fn bmc_map(&self) -> BmcMap {
        bmc_map(&self.bmcs)
    }

    /// Plants `fault` on `node`'s BMC, or clears it (what `POST /_sim/bmc_faults` does).
    pub fn plant_bmc_fault(&self, node: &str, fault: Option<BmcFault>) -> Result<(), String> {
        plant_bmc_fault(&mut region(&self.state), node, fault)
    }

    /// Makes `node`'s boot action `action` fail or stay silent at its next first boot, or
    /// succeed again (`None`), as `POST /_sim/bootaction_faults` does.
    pub fn plant_bootaction_fault(
        &self,
        node: &str,
        action: &str,
        fault: Option<bootaction_reports::BootActionFault>,
    ) -> Result<(), String> {
        plant_bootaction_fault(&mut region(&self.state), node, action, fault)
    }

    /// The boot action reports machines sent, and what they were answered.
    pub fn reports_sent(&self) -> Vec<bootaction_reports::Sent> {
        region(&self.state).reports_sent.clone()
    }

    /// `node`'s machine as it is now (its pending power change landed if due): whether it has
    /// power and its next-boot override. What a test reads back after driving its BMC.
    pub fn machine(&self, node: &str) -> Option<(bool, Option<crate::oob::NextBoot>)> {
        let mut region = region(&self.state);
        maas::lifecycle::advance(&mut region, now_ms());
        let host = region.hosts.iter().find(|h| h.name == node)?;
        Some((host.physical.is_on(), host.physical.next_boot))
    }

    /// What `node`'s machine's first boot after deployment left (files, packages, units),
    /// once it has booted; `None` before.
    pub fn first_boot(&self, node: &str) -> Option<FirstBoot> {
        let mut region = region(&self.state);
        maas::lifecycle::advance(&mut region, now_ms());
        let host = region.hosts.iter().find(|h| h.name == node)?;
        host.physical.first_boot.as_deref().cloned()
    }

    /// Makes `node`'s machine differ from its hardware profile, as a server with a failed DIMM
    /// or a CPU the vendor swapped does: its BMC and commissioning report `cpu_count`
    /// logical CPUs and `memory_mib` of memory from now on.
    pub fn plant_hardware(&self, node: &str, cpu_count: u64, memory_mib: u64) -> Result<(), String> {
        let mut region = region(&self.state);
        let host = region
            .hosts
            .iter_mut()
            .find(|h| h.name == node)
            .ok_or_else(|| format!("no simulated machine {node}"))?;
        let hardware = host
            .hardware
            .as_mut()
            .ok_or_else(|| format!("{node} has no hardware profile to differ from"))?;
        hardware.cpu_count = cpu_count;
        hardware.memory = memory_mib;
        Ok(())
    }

    /// Makes `node`'s machine run another BIOS than its hardware profile's, as a server not
    /// yet updated to the site's baseline: its BMC and commissioning report `bios_version`.
    pub fn plant_firmware(&self, node: &str, bios_version: &str) -> Result<(), String> {
        let mut region = region(&self.state);
        let host = region
            .hosts
            .iter()
            .position(|h| h.name == node)
            .ok_or_else(|| format!("no simulated machine {node}"))?;
        let hardware = region.hosts[host]
            .hardware
            .as_mut()
            .ok_or_else(|| format!("{node} has no hardware profile to differ from"))?;
        hardware.firmware_version = bios_version.to_string();
        for m in &mut region.machines {
            if matches!(m.body, maas::records::machines::Body::Host { host: h } if h == host)
                && let Some(hw) = m.hardware.as_mut()
            {
                hw.firmware_version = bios_version.to_string();
            }
        }
        Ok(())
    }

    /// What the BMCs were asked, as `GET /_sim/bmc_requests` gives it: the newest
    /// [`BMC_REQUEST_LOG_LIMIT`], numbered by `seq`.
    pub fn bmc_requests(&self) -> Vec<BmcRequest> {
        let log = region(&self.state).bmc_requests.clone();
        log.lock().unwrap_or_else(PoisonError::into_inner).entries()
    }
}

fn bmc_map(bmcs: &[ServedBmc]) -> BmcMap {
    let mut map = BmcMap::default();
    for b in bmcs {
        map.insert(b.address.clone(), b.endpoint.clone());
    }
    map
}

fn plant_bmc_fault(region: &mut State, node: &str, fault: Option<BmcFault>) -> Result<(), String> {
    match region.hosts.iter_mut().find(|h| h.name == node) {
        Some(host) if host.bmc.is_some() => {
            host.fault = fault;
            Ok(())
        }
        Some(_) => Err(format!(
            "node {node:?} has no simulated BMC (its oob.type is not redfish or ipmi, or it has no address on its OOB network)"
        )),
        None => Err(format!("no node {node:?} in the design")),
    }
}

fn plant_bootaction_fault(
    region: &mut State,
    node: &str,
    action: &str,
    fault: Option<bootaction_reports::BootActionFault>,
) -> Result<(), String> {
    let host = region
        .hosts
        .iter_mut()
        .find(|h| h.name == node)
        .ok_or_else(|| format!("no node {node:?} in the design"))?;
    match fault {
        Some(f) => host.bootaction_faults.insert(action.to_string(), f),
        None => host.bootaction_faults.remove(action),
    };
    Ok(())
}

/// How often a changed region is written to its state file: at most this much is lost if
/// the process is killed (a clean stop always saves).
const SAVE_EVERY: Duration = Duration::from_millis(250);

async fn save_while_serving(path: PathBuf, state: Arc<Mutex<State>>, changed: Arc<AtomicBool>) {
    loop {
        tokio::time::sleep(SAVE_EVERY).await;
        if changed.swap(false, Ordering::AcqRel) {
            let path = path.clone();
            let state = state.clone();
            // Encoding holds the lock; writing and syncing the file does not.
            let _ = tokio::task::spawn_blocking(move || save(&path, &state)).await;
        }
    }
}

fn save(path: &std::path::Path, state: &Mutex<State>) {
    let bytes = maas::persist::encode(&region(state));
    if let Err(e) = bytes.and_then(|b| maas::persist::write(path, &b)) {
        tracing::error!("{e}");
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
