//! A simulator in a process of its own and drydock runs against it that a test kills
//! (SIGKILL) and resumes: what the crash tests share.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use drydock::maas::{ApiKey, Client, ClientOptions};
use serde_json::Value;

use super::{example_site, runtime, stdout_json};

/// Hang protection for every wait (the simulator's start, the final resume, a journal read),
/// many times what each takes on a loaded machine.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("drydock")
}

/// A child process killed (SIGKILL) and reaped when dropped, also when the test fails.
pub struct Killed(pub std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `drydock sim` on a free loopback port, with what it printed: where MAAS is, its key.
pub struct SimProcess {
    _child: Killed,
    pub url: String,
    pub key: ApiKey,
}

/// Starts `drydock sim`, its map written to `bmc_map` and its stderr beside it.
pub fn start_sim(speed: &str, bmc_map: &Path) -> SimProcess {
    let errors = bmc_map.with_file_name("sim.err");
    let mut child = Killed(
        Command::new(bin())
            .args([
                "sim",
                "--listen",
                "127.0.0.1:0",
                "--speed",
                speed,
                "--bmc-map-out",
            ])
            .arg(bmc_map)
            .arg("-d")
            .arg(example_site())
            .env_remove("DRYDOCK_LOG")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&errors).unwrap())
            .spawn()
            .expect("drydock sim starts"),
    );
    // Read on a thread of its own, so a silent simulator cannot hang the test; the thread
    // drains the pipe until the simulator is killed.
    let stdout = child.0.stdout.take().expect("piped stdout");
    let (lines, printed) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = lines.send(line);
        }
    });
    let deadline = Instant::now() + PATIENCE;
    let (mut url, mut key) = (None, None);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = printed.recv_timeout(left).unwrap_or_else(|e| {
            panic!(
                "drydock sim did not print its BMC map ({e}): {}",
                std::fs::read_to_string(&errors).unwrap_or_default()
            )
        });
        if let Some(at) = line.strip_prefix("MAAS simulator serving ") {
            url = at.rsplit(' ').next().map(str::to_string);
        } else if let Some(k) = line.strip_prefix("API key: ") {
            key = Some(ApiKey::parse(k).expect("the printed API key parses"));
        } else if line.starts_with("BMC map written") {
            break;
        }
    }
    SimProcess {
        _child: child,
        url: url.expect("drydock sim printed its URL"),
        key: key.expect("drydock sim printed its API key"),
    }
}

impl SimProcess {
    /// A `/_sim/` control endpoint's JSON, asked with the admin's signature.
    pub fn control(&self, what: &str) -> Value {
        let url = format!("{}/_sim/{what}", self.url.trim_end_matches("/MAAS"));
        runtime().block_on(async {
            let resp = reqwest::Client::new()
                .get(&url)
                .header(
                    "authorization",
                    drydock::maas::auth::authorization(&self.key, "GET", &url, None),
                )
                .timeout(PATIENCE)
                .send()
                .await
                .unwrap_or_else(|e| panic!("GET {url}: {e}"));
            assert_eq!(resp.status(), 200, "GET {url}");
            resp.json().await.unwrap_or_else(|e| panic!("GET {url}: {e}"))
        })
    }

    pub fn maas_get(&self, path: &str) -> Value {
        let client = Client::new(&self.url, self.key.clone(), ClientOptions::default()).unwrap();
        runtime()
            .block_on(client.get(path, None, &[]))
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }
}

/// A simulator in a process of its own, a MAAS key file for it, a journal: what every
/// drydock run here is pointed at.
pub struct Site {
    pub dir: tempfile::TempDir,
    pub sim: SimProcess,
    pub bmc_map: PathBuf,
    pub key_file: PathBuf,
    pub journal: PathBuf,
}

impl Site {
    pub fn start(speed: &str) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let bmc_map = dir.path().join("bmcs.json");
        let sim = start_sim(speed, &bmc_map);
        let key_file = dir.path().join("maas.key");
        {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&key_file)
                .unwrap();
            file.write_all(sim.key.expose().as_bytes()).unwrap();
        }
        let journal = dir.path().join("journal.redb");
        Site {
            dir,
            sim,
            bmc_map,
            key_file,
            journal,
        }
    }

    /// Starts `drydock ARGS` against the simulator, its output to `NAME.log` and `NAME.err`.
    pub fn drydock(&self, name: &str, args: &[&str]) -> Killed {
        let log = self.dir.path().join(name);
        Killed(
            Command::new(bin())
                .args(args)
                .args(["--maas-url", &self.sim.url, "--maas-api-key-file"])
                .arg(&self.key_file)
                .arg("--bmc-map")
                .arg(&self.bmc_map)
                .arg("--journal")
                .arg(&self.journal)
                .env_remove("DRYDOCK_SITE_DIR")
                .env_remove("DRYDOCK_LOG")
                .stdin(Stdio::null())
                .stdout(std::fs::File::create(log.with_extension("log")).unwrap())
                .stderr(std::fs::File::create(log.with_extension("err")).unwrap())
                .spawn()
                .expect("drydock starts"),
        )
    }

    /// What the run `name` printed, stdout then stderr.
    pub fn said(&self, name: &str) -> String {
        let log = self.dir.path().join(name);
        format!(
            "{}{}",
            std::fs::read_to_string(log.with_extension("log")).unwrap_or_default(),
            std::fs::read_to_string(log.with_extension("err")).unwrap_or_default()
        )
    }

    /// A journal read with `drydock tasks` (list or show), as JSON. A reader meeting the
    /// file while a starting run repairs it after a kill is told it is in use: it tries
    /// again.
    pub fn tasks(&self, args: &[&str]) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let out = Command::new(bin())
                .arg("tasks")
                .args(args)
                .args(["--format", "json", "--journal"])
                .arg(&self.journal)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            if out.status.success() {
                return stdout_json(&out);
            }
            assert!(
                stderr.contains("journal in use") && Instant::now() < deadline,
                "drydock tasks {args:?}: {stderr}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The journal's task, once there is one.
    pub fn task(&self) -> Option<String> {
        self.tasks(&["list"])
            .as_array()
            .unwrap()
            .first()
            .map(|t| t["id"].as_str().unwrap().to_string())
    }

    /// The task's steps, node by node (the site's own steps under "site").
    pub fn steps(&self, task: &str) -> BTreeMap<String, Vec<Value>> {
        self.tasks(&["show", task])["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["scope"].as_str().unwrap().to_string(),
                    s["steps"].as_array().unwrap().clone(),
                )
            })
            .collect()
    }

    /// The client power changes the BMCs accepted, per node, in order: (seq, change).
    pub fn power_changes(&self) -> BTreeMap<String, Vec<(u64, String)>> {
        let log = self.sim.control("bmc_requests");
        let mut power: BTreeMap<String, Vec<(u64, String)>> = BTreeMap::new();
        for e in log.as_array().unwrap() {
            if e["from"] == "client"
                && let Some(change) = e["power"].as_str()
            {
                power
                    .entry(e["node"].as_str().unwrap().to_string())
                    .or_default()
                    .push((e["seq"].as_u64().unwrap(), change.to_string()));
            }
        }
        power
    }
}

/// Waits for `child` to end by itself, within [`PATIENCE`].
pub fn finish(child: &mut Killed, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "{what} still runs after {PATIENCE:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn step<'a>(steps: &'a [Value], name: &str) -> Option<&'a Value> {
    steps.iter().find(|s| s["name"] == name)
}

pub fn newest_seq(log: &Value) -> u64 {
    log.as_array()
        .unwrap()
        .last()
        .map_or(0, |e| e["seq"].as_u64().unwrap())
}

/// Starts drydock (`start(None, name)` a fresh run; `start(Some(task), name)` its resume) and
/// SIGKILLs it at `kills` random moments spread over `window` from the first start (one in
/// each `window / kills`), starting it again after each. `at_kill(task, since_first_start)`
/// records what the journal and the simulator say while no drydock runs. A drydock that
/// ends by itself before its kill fails the test: the window must end before the work can.
/// The task (`None` if none was written) and what each kill recorded.
pub fn kill_at_random_moments<T>(
    site: &Site,
    seed: u64,
    kills: u64,
    window: Duration,
    start: impl Fn(Option<&str>, &str) -> Killed,
    mut at_kill: impl FnMut(Option<&str>, Duration) -> T,
) -> (Option<String>, Vec<T>) {
    let mut rng = super::Lcg(seed);
    let window = window.as_millis() as u64;
    let moments: Vec<Duration> = (0..kills)
        .map(|k| Duration::from_millis((k * window + rng.next(window)) / kills))
        .collect();
    let first_start = Instant::now();
    let mut recorded = Vec::new();
    let mut task: Option<String> = None;
    for (k, moment) in moments.iter().enumerate() {
        let name = format!("run-{k}");
        let mut child = start(task.as_deref(), &name);
        while first_start.elapsed() < *moment {
            if let Some(status) = child.0.try_wait().unwrap() {
                panic!(
                    "drydock ended ({status}) before kill {} at {moment:?}, with work left (seed {seed}):\n{}",
                    k + 1,
                    site.said(&name)
                );
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        child.0.kill().unwrap();
        child.0.wait().unwrap();
        let after = first_start.elapsed();
        task = task.or_else(|| site.task());
        recorded.push(at_kill(task.as_deref(), after));
    }
    (task, recorded)
}

/// The last resume of `task`, run to its end: it must succeed and print `expect`. The task
/// id and what it printed.
pub fn resume_to_the_end(
    site: &Site,
    task: Option<String>,
    seed: u64,
    start: impl Fn(Option<&str>, &str) -> Killed,
    expect: &str,
) -> (String, String) {
    let task = task.unwrap_or_else(|| panic!("no task in the journal after the kills (seed {seed})"));
    let mut last = start(Some(&task), "final");
    let status = finish(&mut last, &format!("the final resume (seed {seed})"));
    let output = site.said("final");
    assert!(
        status.success(),
        "final resume: {status} (seed {seed}):\n{output}"
    );
    assert!(output.contains(expect), "final resume (seed {seed}):\n{output}");
    (task, output)
}
