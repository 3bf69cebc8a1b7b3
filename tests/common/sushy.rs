//! sushy-tools' `sushy-emulator` as a test BMC: one emulator per node (drydock drives a BMC
//! with exactly one system), its fake driver from a generated config, a fresh state dir,
//! Basic auth from an htpasswd made with the venv's `bcrypt`, a free port on 127.0.0.1,
//! killed when dropped. `.ci/run` installs it into `target/ci-venv`.
//!
//! The emulator's own record of its power changes comes from its external notifier: it
//! PUTs the system to a listener here on every change, so a test sees the states a power
//! cycle went through, not only where it ended. Start it inside a tokio runtime.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use drydock::design::model::OobType;
use drydock::oob::{Bmc, Secret, TlsMode};

pub const ACCOUNT: &str = "admin";
pub const PASSWORD: &str = "sushy-Pa55word";

const INSTALL: &str = "run `python3 -m venv target/ci-venv && target/ci-venv/bin/pip install sushy-tools==2.2.0 bcrypt` and set DRYDOCK_TEST_PYTHON=target/ci-venv/bin/python (.ci/run does this)";

/// One fake system of the emulator.
pub struct FakeSystem {
    pub uuid: &'static str,
    pub power_state: &'static str,
    pub macs: Vec<&'static str>,
}

pub struct Options {
    pub systems: Vec<FakeSystem>,
    /// PEM certificate and key: serve HTTPS with them.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// `SUSHY_EMULATOR_DISABLE_POWER_OFF`: ForceOff and GracefulShutdown answer 400.
    pub disable_power_off: bool,
}

impl Options {
    /// One system, in `power_state`, with one NIC.
    pub fn one(power_state: &'static str) -> Options {
        Options {
            systems: vec![FakeSystem {
                uuid: "5a9b2bd4-6a41-4c55-9b0e-0b0b1d8e0001",
                power_state,
                macs: vec!["52:54:00:AA:00:01", "52:54:00:aa:00:02"],
            }],
            tls: None,
            disable_power_off: false,
        }
    }
}

pub struct Sushy {
    child: Child,
    dir: tempfile::TempDir,
    changes: Arc<Mutex<Vec<String>>>,
    stop_notifier: Arc<tokio::sync::Notify>,
    /// `http://127.0.0.1:PORT` (or https).
    pub url: String,
    pub uuid: &'static str,
}

impl Drop for Sushy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stop_notifier.notify_one();
    }
}

/// Listens for the emulator's notifications and keeps the power states they carry, each
/// change once. Returns the listener's URL.
fn notifier(changes: Arc<Mutex<Vec<String>>>, stop: Arc<tokio::sync::Notify>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the notification listener");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    listener.set_nonblocking(true).expect("non-blocking");
    let listener = tokio::net::TcpListener::from_std(listener).expect("inside a tokio runtime");
    let record = move |body: axum::body::Bytes| {
        let changes = changes.clone();
        async move {
            let system: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            if let Some(state) = system["power_state"].as_str() {
                let mut changes = changes.lock().expect("changes");
                if changes.last().map(String::as_str) != Some(state) {
                    changes.push(state.to_string());
                }
            }
            "ok"
        }
    };
    let app = axum::Router::new().fallback(record);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.notified().await })
            .await;
    });
    url
}

/// The venv's python, as `.ci/run` sets it.
fn python() -> String {
    std::env::var("DRYDOCK_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn emulator_program() -> PathBuf {
    let python = python();
    match Path::new(&python).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join("sushy-emulator"),
        _ => PathBuf::from("sushy-emulator"),
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}

/// An htpasswd line for `user`, bcrypt at the lowest cost: sushy checks it on every
/// request, and the default cost would take a quarter second each.
fn htpasswd_line(user: &str, password: &str) -> String {
    let out = Command::new(python())
        .args([
            "-c",
            "import bcrypt, sys; print(sys.argv[1] + ':' + bcrypt.hashpw(sys.argv[2].encode(), bcrypt.gensalt(4)).decode())",
            user,
            password,
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}; {INSTALL}", python()));
    assert!(
        out.status.success(),
        "python's bcrypt is missing ({}); {INSTALL}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    String::from_utf8(out.stdout).expect("utf-8").trim().to_string()
}

fn python_str(p: &Path) -> String {
    format!("{:?}", p.to_str().expect("a UTF-8 temp path"))
}

impl Sushy {
    pub fn start(options: Options) -> Sushy {
        let program = emulator_program();
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let htpasswd = dir.path().join("htpasswd");
        std::fs::write(&htpasswd, htpasswd_line(ACCOUNT, PASSWORD) + "\n").expect("htpasswd");
        let systems: Vec<String> = options
            .systems
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let nics: Vec<String> = s.macs.iter().map(|m| format!("{{'mac': '{m}'}}")).collect();
                format!(
                    "{{'uuid': '{}', 'name': 'node{i:02}', 'power_state': '{}', 'external_notifier': True, 'nics': [{}]}}",
                    s.uuid,
                    s.power_state,
                    nics.join(", ")
                )
            })
            .collect();
        let changes = Arc::new(Mutex::new(Vec::new()));
        let stop_notifier = Arc::new(tokio::sync::Notify::new());
        let notify_url = notifier(changes.clone(), stop_notifier.clone());
        let config = format!(
            "EXTERNAL_NOTIFICATION_URL = '{notify_url}'\n\
             SUSHY_EMULATOR_LISTEN_IP = '127.0.0.1'\n\
             SUSHY_EMULATOR_LISTEN_PORT = {port}\n\
             SUSHY_EMULATOR_FAKE_DRIVER = True\n\
             SUSHY_EMULATOR_STATE_DIR = {}\n\
             SUSHY_EMULATOR_AUTH_FILE = {}\n\
             SUSHY_EMULATOR_DISABLE_POWER_OFF = {}\n\
             SUSHY_EMULATOR_FAKE_SYSTEMS = [{}]\n",
            python_str(&dir.path().join("state")),
            python_str(&htpasswd),
            if options.disable_power_off {
                "True"
            } else {
                "False"
            },
            systems.join(", "),
        );
        let config_file = dir.path().join("emulator.conf");
        std::fs::write(&config_file, config).expect("emulator config");
        let log = std::fs::File::create(dir.path().join("emulator.log")).expect("log file");
        let mut command = Command::new(&program);
        command
            .arg("--config")
            .arg(&config_file)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log);
        if let Some((cert, key)) = &options.tls {
            command
                .arg("--ssl-certificate")
                .arg(cert)
                .arg("--ssl-key")
                .arg(key);
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}; {INSTALL}", program.display()));
        let scheme = if options.tls.is_some() { "https" } else { "http" };
        let mut sushy = Sushy {
            child,
            dir,
            changes,
            stop_notifier,
            url: format!("{scheme}://127.0.0.1:{port}"),
            uuid: options.systems.first().map_or("", |s| s.uuid),
        };
        sushy.wait_listening(port);
        sushy
    }

    fn wait_listening(&mut self, port: u16) {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "sushy-emulator exited ({status}) before listening:\n{}",
                    self.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "sushy-emulator did not listen on {port} within 30 s:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// What the emulator logged (its requests and the power changes it made).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("emulator.log")).unwrap_or_default()
    }

    /// The power states the emulator went through, as it notified them: the state it was
    /// in when a change was asked, then each one it reached.
    pub fn power_changes(&self) -> Vec<String> {
        self.changes.lock().expect("changes").clone()
    }

    /// The HTTP statuses the emulator answered to requests whose line holds `fragment`
    /// (`POST /redfish/v1/Systems/ID/Actions/ComputerSystem.Reset`), from its access log.
    pub fn answered(&self, fragment: &str) -> Vec<u16> {
        self.log()
            .lines()
            .filter(|l| l.contains(fragment))
            .filter_map(|l| l.rsplit('"').next()?.split_whitespace().next()?.parse().ok())
            .collect()
    }

    /// The BMC of a node served by this emulator, with the right password.
    pub fn bmc(&self, node: &str, tls: TlsMode) -> Bmc {
        Bmc {
            node: node.into(),
            protocol: OobType::Redfish,
            address: "10.40.0.21".into(),
            endpoint: self.url.clone(),
            account: ACCOUNT.into(),
            credential: Secret::new(PASSWORD),
            tls,
            cipher_suite: 3,
        }
    }

    pub fn system_uri(&self) -> String {
        format!("{}/redfish/v1/Systems/{}", self.url, self.uuid)
    }

    /// The system as the emulator holds it, read with a plain GET (not through drydock).
    pub async fn read_system(&self) -> serde_json::Value {
        drydock::maas::client::install_tls();
        let http = reqwest::Client::builder()
            .tls_danger_accept_invalid_certs(true)
            .timeout(Duration::from_secs(10))
            .build()
            .expect("an HTTP client");
        let resp = http
            .get(self.system_uri())
            .basic_auth(ACCOUNT, Some(PASSWORD))
            .send()
            .await
            .expect("GET the system from sushy");
        assert!(resp.status().is_success(), "GET the system: {}", resp.status());
        resp.json().await.expect("the system as JSON")
    }
}

/// Writes `text` to a new file in `dir` and returns its path.
pub fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).expect("create");
    f.write_all(text.as_bytes()).expect("write");
    path
}
