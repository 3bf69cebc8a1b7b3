//! A simulated site, served on loopback by axum. A library module, so tests and `drydock run
//! --sim` embed it; `drydock sim` is a thin command around it. Its rooms:
//! * `maas/`: the MAAS region (its module doc says where each part of it is), with its HTTP
//!   edge in `maas/http.rs` (a request below `/MAAS/api/2.0/` decoded, delayed or faulted as
//!   asked, answered, logged);
//! * `control.rs`: the `/_sim/` endpoints tests steer the simulator with (request log,
//!   faults, a machine's status, users' keys);
//! * `physical.rs`: each machine's physical state (power, installed OS), which MAAS's power
//!   control and lifecycle act on;
//! * `bmc/`, with the next step: a BMC per machine, Redfish services and IPMI responders,
//!   acting on that same physical state, so that what a BMC does MAAS sees and the other
//!   way round.
//!
//! This file starts and stops the server, assembling its routes from those rooms, and keeps
//! the state file saved.

pub mod bmc;
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
pub use maas::faults::Fault;
pub use maas::request_log::{LoggedRequest, REQUEST_LOG_LIMIT};
pub use maas::state::MAX_PLANTED_FAULTS;
pub use serve::MAX_CONNECTIONS;

use maas::state::State;

#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Where to listen; port 0 picks a free one. Loopback unless told otherwise.
    pub listen: SocketAddr,
    /// Added to every API answer.
    pub latency: Duration,
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
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            latency: Duration::ZERO,
            fault_rate: 0.0,
            rack: true,
            speed: 1.0,
            state_file: None,
            idle_timeout: Duration::from_secs(30),
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
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sim {
    /// Binds and starts serving on its own threads; returns once it accepts connections.
    /// The design's BaremetalNodes become the region's machines.
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
                fresh.machines = maas::records::machines::Machine::from_site(site);
                if options.rack {
                    maas::rack_controllers::discover_rack_networks(&mut fresh, site);
                }
            }
            fresh
        });
        state.rack = options.rack;
        state.speed = options.speed;
        let key = state.key.clone();
        let state = Arc::new(Mutex::new(state));
        let changed = Arc::new(AtomicBool::new(true));
        let shared = Shared {
            state: state.clone(),
            base: base.clone(),
            options: options.clone(),
            changed: changed.clone(),
        };
        let app = Router::new()
            .route("/_sim/requests", get(control::requests))
            .route("/_sim/faults", post(control::plant))
            .route("/_sim/machines/{system_id}", post(control::set_machine))
            .route("/_sim/users/{username}", get(control::user_key))
            .fallback(maas::http::serve_api)
            .layer(axum::middleware::from_fn_with_state(
                shared.clone(),
                serve::whole_body,
            ))
            .with_state(shared);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let thread = std::thread::Builder::new().name("maas-sim".into()).spawn({
            let state = state.clone();
            move || {
                runtime.block_on(async move {
                    let saver = options
                        .state_file
                        .clone()
                        .map(|path| tokio::spawn(save_while_serving(path, state.clone(), changed.clone())));
                    serve::serve(listener, app, options.idle_timeout, rx).await;
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
            shutdown: Some(tx),
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

    /// Makes the next `count` API requests meet `fault` (what `POST /_sim/faults` does); at
    /// most [`MAX_PLANTED_FAULTS`] wait at once, and more is refused saying so.
    pub fn plant(&self, fault: Fault, count: usize) -> Result<(), String> {
        region(&self.state).plant(fault, count)
    }

    /// How many machines the region holds now.
    pub fn machine_count(&self) -> usize {
        region(&self.state).machines.len()
    }
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
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
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
