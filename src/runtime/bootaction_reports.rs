//! Where signaling boot actions report while drydock deploys, as Drydock's API takes them:
//! `POST <report_url><action_id>` with the node's key in `X-Bootaction-Key` and
//! `{"status": "success"|"failure", "details": [{"message": ..., "error": ...}]}`; 401 without
//! a key, 403 with another node's, 404 for an action this task does not expect, 409 once the
//! action has its final status.
//!
//! Each node's key and each action's id are derived (HMAC-SHA256) from the MAAS API key and
//! the task, never stored: a resumed task hands out and accepts the same ones, and the journal
//! holds no credential. A report is journaled (a Succeeded step `boot action <name> report` of
//! the node) before it is acknowledged, so one that arrived before a crash still counts after
//! `drydock resume`.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::journal::{Journal, StepRecord};

/// How an action ended, as its node said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Final {
    Success,
    Failure,
}

/// One line of what the node said about its action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detail {
    pub message: String,
    #[serde(default)]
    pub error: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub status: Final,
    pub details: Vec<Detail>,
}

/// An action a node's deployment was handed, waiting for its report.
#[derive(Debug, Clone)]
struct Expected {
    node: String,
    name: String,
}

#[derive(Default)]
struct Book {
    expected: HashMap<String, Expected>,
    reports: HashMap<String, Report>,
}

/// What the endpoint and the waits share.
struct Inner {
    secret: Vec<u8>,
    task: String,
    journal: Option<Journal>,
    book: Mutex<Book>,
    changed: tokio::sync::Notify,
}

/// The endpoint's thread; dropping it stops the server and waits for it, so the journal it
/// holds is closed when the runtime that served it is gone.
struct Served {
    url: String,
    stop: tokio::sync::watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The reports of one task's boot actions. The server holds only `inner`: were it to hold
/// `served`, neither would ever be dropped.
#[derive(Clone)]
pub struct Reports {
    inner: Arc<Inner>,
    served: Arc<Mutex<Option<Served>>>,
}

/// What `wait` found for one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub name: String,
    /// `None`: no final report before the timeout.
    pub report: Option<Report>,
}

fn book(inner: &Inner) -> std::sync::MutexGuard<'_, Book> {
    inner.book.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The step a report of `action` is journaled as.
pub fn report_step(action: &str) -> String {
    format!("boot action {action} report")
}

impl Reports {
    /// Reports for `task`, keyed from `secret` (the MAAS API key), journaled in `journal`.
    pub fn new(secret: &[u8], task: &str, journal: Option<Journal>) -> Reports {
        Reports {
            inner: Arc::new(Inner {
                secret: secret.to_vec(),
                task: task.to_string(),
                journal,
                book: Mutex::default(),
                changed: tokio::sync::Notify::new(),
            }),
            served: Arc::default(),
        }
    }

    /// The key `node`'s boot actions report with (Drydock's 32 random bytes, in hex).
    pub fn key(&self, node: &str) -> String {
        self.inner.key(node)
    }

    /// The id of `action` on `node`: a ULID with the task's time, the same on every render.
    pub fn action_id(&self, node: &str, action: &str) -> String {
        self.inner.action_id(node, action)
    }

    /// Serves reports at `url` (`http://HOST:PORT/PATH/`) until this is dropped: on the
    /// loopback interface when HOST is a loopback address, else on every interface. A second
    /// call with the same URL does nothing.
    pub fn listen(&self, url: &str) -> Result<(), String> {
        let mut served = self.served.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(s) = served.as_ref() {
            return if s.url == url {
                Ok(())
            } else {
                Err(format!(
                    "boot action reports are already served at {}, not {url}",
                    s.url
                ))
            };
        }
        let (addr, prefix) = bind_address(url)?;
        let listener = std::net::TcpListener::bind(addr).map_err(|e| {
            format!("cannot listen on {addr} for boot action reports ({url}): {e}; give --report-url with a free port of this host")
        })?;
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let app = axum::Router::new()
            .route(&format!("{prefix}{{action_id}}"), axum::routing::post(receive))
            .with_state(self.inner.clone());
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let thread = std::thread::Builder::new()
            .name("bootaction-reports".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    // Stopping drops the server and its connections at once: a report in
                    // flight is sent again by its node.
                    tokio::select! {
                        _ = axum::serve(listener, app).into_future() => {}
                        _ = stopped.wait_for(|s| *s) => {}
                    }
                });
            })
            .map_err(|e| e.to_string())?;
        *served = Some(Served {
            url: url.to_string(),
            stop,
            thread: Some(thread),
        });
        Ok(())
    }

    /// `node`'s deployment carries `actions` (name, action id): their reports are taken from
    /// now on. One journaled earlier in this task (before a crash) counts.
    pub fn expect(&self, node: &str, actions: &[(String, String)]) -> Result<(), String> {
        for (name, id) in actions {
            let earlier = match &self.inner.journal {
                Some(j) => j
                    .step(&self.inner.task, node, &report_step(name))
                    .map_err(|e| e.to_string())?
                    .and_then(|s| s.result)
                    .and_then(|r| serde_json::from_value::<Report>(r).ok()),
                None => None,
            };
            let mut book = book(&self.inner);
            book.expected.insert(
                id.clone(),
                Expected {
                    node: node.to_string(),
                    name: name.clone(),
                },
            );
            if let Some(report) = earlier {
                book.reports.insert(id.clone(), report);
            }
        }
        Ok(())
    }

    /// Waits until each of `node`'s expected actions has reported, or `timeout` passes.
    pub async fn wait(&self, node: &str, timeout: Duration) -> Vec<Outcome> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.inner.changed.notified();
            let (outcomes, all) = self.inner.outcomes(node);
            if all {
                return outcomes;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return self.inner.outcomes(node).0;
            }
        }
    }
}

impl Inner {
    fn mac(&self, parts: &[&str]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(self.task.as_bytes());
        for p in parts {
            mac.update(&[0]);
            mac.update(p.as_bytes());
        }
        mac.finalize().into_bytes().into()
    }

    fn key(&self, node: &str) -> String {
        hex(&self.mac(&["key", node]))
    }

    fn action_id(&self, node: &str, action: &str) -> String {
        let ms = ulid::Ulid::from_string(&self.task).map_or(0, |u| u.timestamp_ms());
        let bytes = self.mac(&["action", node, action]);
        let mut random = [0u8; 16];
        random.copy_from_slice(&bytes[..16]);
        ulid::Ulid::from_parts(ms, u128::from_be_bytes(random)).to_string()
    }

    fn outcomes(&self, node: &str) -> (Vec<Outcome>, bool) {
        let book = book(self);
        let mut out: Vec<Outcome> = book
            .expected
            .iter()
            .filter(|(_, e)| e.node == node)
            .map(|(id, e)| Outcome {
                name: e.name.clone(),
                report: book.reports.get(id).cloned(),
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        let all = out.iter().all(|o| o.report.is_some());
        (out, all)
    }

    /// Takes one report; the status code and text the node gets.
    async fn take(&self, action_id: &str, key: Option<&str>, body: &[u8]) -> (StatusCode, String) {
        let Some(key) = key else {
            return (StatusCode::UNAUTHORIZED, "X-Bootaction-Key is required.".into());
        };
        let expected = book(self).expected.get(action_id).cloned();
        let Some(expected) = expected else {
            return (
                StatusCode::NOT_FOUND,
                format!("No boot action {action_id} is awaited."),
            );
        };
        if !constant_time_eq(key.as_bytes(), self.key(&expected.node).as_bytes()) {
            return (StatusCode::FORBIDDEN, "X-Bootaction-Key does not match.".into());
        }
        let report = match parse(body) {
            Ok(r) => r,
            Err(e) => return (StatusCode::BAD_REQUEST, e),
        };
        if book(self).reports.contains_key(action_id) {
            return (
                StatusCode::CONFLICT,
                format!("Boot action {} already has its final status.", expected.name),
            );
        }
        if let Some(journal) = &self.journal {
            let step = StepRecord::running(&self.task, &expected.node, &report_step(&expected.name), 1);
            let value = serde_json::to_value(&report).unwrap_or_default();
            if let Err(e) = journal.put_step(step.succeeded(value)).await {
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("cannot record the report: {e}"),
                );
            }
        }
        book(self).reports.insert(action_id.to_string(), report);
        self.changed.notify_waiters();
        (StatusCode::CREATED, String::new())
    }
}

async fn receive(
    State(reports): State<Arc<Inner>>,
    Path(action_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let key = headers.get("x-bootaction-key").and_then(|v| v.to_str().ok());
    reports.take(&action_id, key, &body).await
}

/// A report body: the status in any case, details optional.
fn parse(body: &[u8]) -> Result<Report, String> {
    #[derive(Deserialize)]
    struct Body {
        status: String,
        #[serde(default)]
        details: Vec<Detail>,
    }
    let b: Body = serde_json::from_slice(body)
        .map_err(|e| format!("a report is {{\"status\": \"success\"|\"failure\", \"details\": [{{\"message\": ..., \"error\": ...}}]}}: {e}"))?;
    let status = match b.status.to_ascii_lowercase().as_str() {
        "success" => Final::Success,
        "failure" => Final::Failure,
        other => return Err(format!("status {other}: give success or failure")),
    };
    Ok(Report {
        status,
        details: b.details,
    })
}

/// Where to listen for `url`, and the path reports are posted under (ending in `/`).
fn bind_address(url: &str) -> Result<(SocketAddr, String), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("report URL {url}: {e}"))?;
    if parsed.scheme() != "http" {
        return Err(format!(
            "report URL {url}: drydock takes boot action reports over http"
        ));
    }
    let port = parsed
        .port_or_known_default()
        .ok_or_else(|| format!("report URL {url} has no port"))?;
    let host = parsed
        .host_str()
        .ok_or_else(|| format!("report URL {url} has no host"))?;
    let loopback = host == "localhost"
        || host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let ip = if loopback {
        Ipv4Addr::LOCALHOST
    } else {
        Ipv4Addr::UNSPECIFIED
    };
    let mut prefix = parsed.path().to_string();
    if !prefix.ends_with('/') {
        prefix.push('/');
    }
    Ok((SocketAddr::from((ip, port)), prefix))
}

/// A report URL on a loopback port free now and outside the range the system takes ports
/// for outgoing connections from: a port picked by binding port 0 would be in that range, and
/// one of the thousands of connections a run opens could take it before drydock listens.
pub fn free_loopback_url() -> Result<String, String> {
    let (low, high) = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|r| {
            let mut n = r.split_whitespace().map(|p| p.parse::<u16>().ok());
            Some((n.next()??, n.next()??))
        })
        .unwrap_or((32768, 60999));
    for _ in 0..200 {
        let port = rand::Rng::gen_range(&mut rand::thread_rng(), 1024..=u16::MAX);
        if (low..=high).contains(&port) {
            continue;
        }
        if std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(format!("http://127.0.0.1:{port}/api/v1.0/bootactions/"));
        }
    }
    Err("no free loopback port outside the system's ephemeral range".into())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How long `wait` gives a node's boot actions at a real site's pace: Drydock's
/// `bootaction_final_status`, 15 minutes.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(900);

#[cfg(test)]
mod tests {
    use super::*;

    fn free_url() -> String {
        free_loopback_url().unwrap()
    }

    async fn post(url: &str, key: Option<&str>, body: &str) -> u16 {
        crate::maas::client::install_tls();
        let client = reqwest::Client::new();
        let mut req = client.post(url).body(body.to_string());
        if let Some(k) = key {
            req = req.header("X-Bootaction-Key", k);
        }
        req.send().await.map(|r| r.status().as_u16()).unwrap_or(0)
    }

    #[test]
    fn a_report_is_taken_once_from_its_own_node_only() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let reports = Reports::new(b"maas key", &ulid::Ulid::new().to_string(), None);
        let url = free_url();
        reports.listen(&url).unwrap();
        let id = reports.action_id("cmp01", "promjoin");
        reports
            .expect("cmp01", &[("promjoin".into(), id.clone())])
            .unwrap();
        let at = format!("{url}{id}");
        let key = reports.key("cmp01");
        let other = reports.key("cmp02");
        let ok = r#"{"status": "SUCCESS", "details": [{"message": "joined", "error": false}]}"#;
        rt.block_on(async {
            assert_eq!(post(&at, None, ok).await, 401);
            assert_eq!(post(&at, Some(&other), ok).await, 403);
            assert_eq!(
                post(&format!("{url}01ARZ3NDEKTSV4RRFFQ69G5FAV"), Some(&key), ok).await,
                404
            );
            assert_eq!(post(&at, Some(&key), r#"{"status": "done"}"#).await, 400);
            assert_eq!(post(&at, Some(&key), ok).await, 201);
            assert_eq!(post(&at, Some(&key), ok).await, 409);
            let got = reports.wait("cmp01", Duration::from_secs(5)).await;
            assert_eq!(got.len(), 1);
            let report = got[0].report.clone().unwrap();
            assert_eq!(report.status, Final::Success);
            assert_eq!(report.details[0].message, "joined");
        });
    }

    #[test]
    fn a_wait_ends_at_its_timeout_naming_what_did_not_report() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let reports = Reports::new(b"k", "task", None);
        reports
            .expect("cmp01", &[("a".into(), "1".into()), ("b".into(), "2".into())])
            .unwrap();
        let got = rt.block_on(reports.wait("cmp01", Duration::from_millis(50)));
        assert_eq!(
            got.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert!(got.iter().all(|o| o.report.is_none()));
    }

    #[test]
    fn keys_and_ids_are_the_same_for_the_same_task_and_differ_between_tasks() {
        let task = ulid::Ulid::new().to_string();
        let a = Reports::new(b"k", &task, None);
        let b = Reports::new(b"k", &task, None);
        let c = Reports::new(b"k", &ulid::Ulid::new().to_string(), None);
        assert_eq!(a.key("n"), b.key("n"));
        assert_eq!(a.key("n").len(), 64);
        assert_ne!(a.key("n"), a.key("m"));
        assert_ne!(a.key("n"), c.key("n"));
        assert_eq!(a.action_id("n", "x"), b.action_id("n", "x"));
        assert_ne!(a.action_id("n", "x"), a.action_id("n", "y"));
        assert!(ulid::Ulid::from_string(&a.action_id("n", "x")).is_ok());
    }

    #[test]
    fn report_urls_bind_loopback_only_when_they_name_it() {
        let (addr, prefix) = bind_address("http://127.0.0.1:9000/api/v1.0/bootactions").unwrap();
        assert!(addr.ip().is_loopback());
        assert_eq!(prefix, "/api/v1.0/bootactions/");
        let (addr, _) = bind_address("http://10.0.0.5:9000/").unwrap();
        assert!(addr.ip().is_unspecified());
        assert!(bind_address("https://10.0.0.5/").is_err());
    }
}
