//! A simulated site, served on loopback by axum. A library module, so tests and `drydock run
//! --sim` embed it; `drydock sim` is a thin command around it. Its rooms:
//! * `maas/`: the MAAS region (its module doc says where each part of it is);
//! * `physical.rs`: each machine's physical state (power, installed OS), which MAAS's power
//!   control and lifecycle act on;
//! * `bmc/`, with the next step: a BMC per machine, Redfish services and IPMI responders,
//!   acting on that same physical state, so that what a BMC does MAAS sees and the other
//!   way round.
//!
//! This file starts and stops the server and keeps the state file saved. It is also the
//! region's HTTP edge (a request below `/MAAS/api/2.0/` decoded, URL-encoded or multipart,
//! delayed or faulted as asked, answered, logged), and serves the `/_sim/` endpoints tests
//! steer the simulator with (request log, faults, a machine's status, users' keys).

mod maas;
mod physical;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::maas::ApiKey;
pub use maas::faults::Fault;
pub use maas::state::LoggedRequest;

use maas::reply::Reply;
use maas::request::Request;
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
            .route("/_sim/requests", get(requests))
            .route("/_sim/faults", post(plant))
            .route("/_sim/machines/{system_id}", post(set_machine))
            .route("/_sim/users/{username}", get(user_key))
            .fallback(serve_api)
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
                    let server = axum::serve(listener, app).with_graceful_shutdown(async {
                        let _ = rx.await;
                    });
                    if let Err(e) = server.await {
                        tracing::error!("simulator stopped: {e}");
                    }
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
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.state
            .lock()
            .map_or_else(|_| Vec::new(), |s| s.requests.clone())
    }

    /// Makes the next `count` API requests meet `fault` (what `POST /_sim/faults` does).
    pub fn plant(&self, fault: Fault, count: usize) {
        if let Ok(mut s) = self.state.lock() {
            s.plant(fault, count);
        }
    }

    /// How many machines the region holds now.
    pub fn machine_count(&self) -> usize {
        self.state.lock().map_or(0, |s| s.machines.len())
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
    let bytes = match state.lock() {
        Ok(s) => maas::persist::encode(&s),
        Err(_) => Err("simulator state is poisoned".to_string()),
    };
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

async fn requests(Extract(shared): Extract<Shared>) -> Response {
    let log = shared
        .state
        .lock()
        .map(|s| s.requests.clone())
        .unwrap_or_default();
    axum::Json(log).into_response()
}

/// `POST /_sim/faults` with `status=503&retry_after=1&count=2`, or `kind=drop&count=1`.
async fn plant(Extract(shared): Extract<Shared>, body: Bytes) -> Response {
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let count: usize = get("count").and_then(|c| c.parse().ok()).unwrap_or(1);
    let fault = match (get("kind"), get("status").and_then(|s| s.parse::<u16>().ok())) {
        (Some("drop"), _) => Fault::Drop,
        (_, Some(status)) => Fault::Status {
            status,
            retry_after: get("retry_after").and_then(|r| r.parse().ok()),
        },
        _ => {
            return Reply::text(
                400,
                "give status=NNN [retry_after=S] or kind=drop, and count=N".into(),
            )
            .into_response();
        }
    };
    if let Ok(mut s) = shared.state.lock() {
        s.plant(fault, count);
    }
    Reply::text(200, "OK".into()).into_response()
}

/// `GET /_sim/users/{username}`: the user's API key, as MAAS's web UI would show it.
async fn user_key(
    Extract(shared): Extract<Shared>,
    axum::extract::Path(username): axum::extract::Path<String>,
) -> Response {
    let Ok(s) = shared.state.lock() else {
        return Reply::text(500, "simulator state is poisoned".into()).into_response();
    };
    match s.users.iter().find(|u| u.username == username) {
        Some(u) => Reply::text(200, u.key.expose()).into_response(),
        None => Reply::text(404, format!("no user {username}")).into_response(),
    }
}

/// `POST /_sim/machines/{system_id}` with `status=Ready`: moves a machine to a lifecycle
/// state directly, as an operator fixing MAAS's database would.
async fn set_machine(
    Extract(shared): Extract<Shared>,
    axum::extract::Path(system_id): axum::extract::Path<String>,
    body: Bytes,
) -> Response {
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let wanted = form.iter().find(|(k, _)| k == "status").map(|(_, v)| v.as_str());
    let Some(status) = wanted.and_then(crate::maas::MachineStatus::from_name) else {
        return Reply::text(400, format!("give status=<MAAS status name>, not {wanted:?}")).into_response();
    };
    let Ok(mut s) = shared.state.lock() else {
        return Reply::text(500, "simulator state is poisoned".into()).into_response();
    };
    match s.machines.iter_mut().find(|m| m.system_id == system_id) {
        Some(m) => {
            // A machine put into Ready this way counts as having passed commissioning.
            if status == crate::maas::MachineStatus::Ready && m.commissioned_ms.is_none() {
                m.commissioned_ms = Some(now_ms());
            }
            m.status = status;
            shared.changed.store(true, Ordering::Release);
            Reply::text(200, "OK".into()).into_response()
        }
        None => Reply::text(404, format!("no machine {system_id}")).into_response(),
    }
}

/// The form fields of a body, URL-encoded or `multipart/form-data` (python-libmaas and the
/// MAAS CLI send the latter).
async fn form_fields(headers: &HeaderMap, body: Bytes) -> Result<Vec<(String, String)>, Reply> {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return Ok(serde_urlencoded::from_bytes(&body).unwrap_or_default());
    };
    let bad = |e: multer::Error| Reply::text(400, format!("Malformed multipart body: {e}")).without_hash();
    let mut parts = multer::Multipart::with_reader(&body[..], boundary);
    let mut form = Vec::new();
    while let Some(field) = parts.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        // Django decodes base64 parts, and python-libmaas encodes every field that way.
        let base64 = field
            .headers()
            .get("content-transfer-encoding")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"base64"));
        let mut value = field.bytes().await.map_err(bad)?.to_vec();
        if base64 {
            let compact: Vec<u8> = value.into_iter().filter(|b| !b.is_ascii_whitespace()).collect();
            value = BASE64.decode(compact).map_err(|e| {
                Reply::text(400, format!("Malformed base64 form field {name}: {e}")).without_hash()
            })?;
        }
        form.push((name, String::from_utf8_lossy(&value).into_owned()));
    }
    Ok(form)
}

async fn serve_api(
    Extract(shared): Extract<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let Some(below) = path.strip_prefix("/MAAS/api/2.0/") else {
        if path.starts_with("/MAAS/api/1.0/") {
            return Reply::text(
                410,
                "The 1.0 API is no longer available. Please use API version 2.0.".into(),
            )
            .without_hash()
            .into_response();
        }
        return Reply::plain_error(404, format!("Unknown API endpoint: {path}.")).into_response();
    };
    let form = match form_fields(&headers, body).await {
        Ok(form) => form,
        Err(reply) => return reply.into_response(),
    };
    let req = Request::with_form(method.as_str(), below, uri.query().unwrap_or_default(), form);
    let opts = &shared.options;
    let mut delay = opts.latency;
    let mut fault = None;
    if let Ok(mut s) = shared.state.lock() {
        fault = s.planted.pop_front();
    }
    if fault.is_none() && opts.fault_rate > 0.0 && rand::random::<f64>() < opts.fault_rate {
        // A third of random faults are only slowness.
        if rand::random::<f64>() < 1.0 / 3.0 {
            delay += Duration::from_millis(200);
        } else {
            fault = maas::faults::random();
        }
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let auth = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let (status, response) = match &fault {
        Some(f) => (
            match f {
                Fault::Status { status, .. } => *status,
                Fault::Drop => 0,
            },
            maas::faults::reply(f),
        ),
        None => {
            let reply = match shared.state.lock() {
                Ok(mut s) => maas::api::handle(&req, auth, &mut s, &shared.base, now_ms()),
                Err(_) => Reply::text(500, "simulator state is poisoned".into()),
            };
            // Reads change the region too: due lifecycle transitions complete on any request.
            shared.changed.store(true, Ordering::Release);
            (reply.status, reply.into_response())
        }
    };
    if let Ok(mut s) = shared.state.lock() {
        s.requests.push(LoggedRequest {
            method: req.method.clone(),
            path: format!("/MAAS/api/2.0/{}", req.path),
            op: req.op().map(str::to_string),
            params: req.params.clone(),
            status,
        });
    }
    response
}
