//! What the benches that drive `drydock sim` in a process of its own share: generating a
//! site, starting the simulator and reading its banner and counts, and measuring a process
//! (CPU, peak RSS) with `wait4`. Each bench uses what it needs of it.
#![allow(dead_code)]

pub mod drydock_model;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use drydock::maas::ApiKey;
use drydock::sim::Counts;

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Fails the bench, saying how to install it, unless ipmitool (which drives the generated
/// sites' IPMI BMCs) runs.
pub fn require_ipmitool() {
    let ipmitool = Command::new("ipmitool").arg("-V").output();
    assert!(
        ipmitool.is_ok_and(|o| o.status.success()),
        "ipmitool drives the sites' IPMI BMCs: apt-get install ipmitool"
    );
}

/// Writes a generated site of `nodes` nodes to `out` (`benches/gen_site.py`, with `extra`
/// arguments).
pub fn generate(root: &Path, out: &Path, nodes: usize, extra: &[&str]) {
    let status = Command::new("python3")
        .arg(root.join("benches/gen_site.py"))
        .args(["--nodes", &nodes.to_string(), "--out"])
        .arg(out)
        .args(extra)
        .stdout(Stdio::null())
        .status()
        .expect("python3 runs benches/gen_site.py (apt-get install python3)");
    assert!(status.success(), "benches/gen_site.py --nodes {nodes} failed");
}

/// A simulator in a process of its own, and what a drydock run against it needs.
pub struct Simulated {
    pub sim: Proc,
    pub url: String,
    pub key: ApiKey,
    map: PathBuf,
    key_file: PathBuf,
    pub journal: PathBuf,
}

impl Simulated {
    /// `drydock` pointed at the simulator (its MAAS, key and BMC map) with a journal of its
    /// own and BMC polls every `poll` seconds; the caller adds the subcommand.
    pub fn drydock(&self, bin: &Path, poll: &str) -> Command {
        let mut command = Command::new(bin);
        command
            .arg("--journal")
            .arg(&self.journal)
            .args(["--maas-url", &self.url, "--maas-api-key-file"])
            .arg(&self.key_file)
            .arg("--bmc-map")
            .arg(&self.map)
            .args(["--oob-poll-interval", poll]);
        command
    }
}

/// `drydock sim --speed SPEED` on `site`, its BMC map and key file written under `scratch`.
pub fn start_sim(bin: &Path, site: &Path, scratch: &Path, speed: f64) -> Simulated {
    let map = scratch.join("bmc-map.json");
    let mut sim = Proc::spawn(
        Command::new(bin)
            .args([
                "sim",
                "--listen",
                "127.0.0.1:0",
                "--speed",
                &speed.to_string(),
                "-d",
            ])
            .arg(site)
            .arg("--bmc-map-out")
            .arg(&map)
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let (url, key) = banner(&mut sim.child);
    let key_file = scratch.join("maas.key");
    std::fs::write(&key_file, key.expose()).expect("the key file");
    let journal = scratch.join(format!("journal-{}.redb", sim.child.id()));
    Simulated {
        sim,
        url,
        key,
        map,
        key_file,
        journal,
    }
}

/// Stops the simulator as Ctrl-C does; what it used.
pub fn stop_sim(mut sim: Proc) -> Usage {
    // SAFETY: kill(2) with a pid this process spawned and has not reaped.
    unsafe { libc::kill(sim.child.id() as libc::pid_t, libc::SIGINT) };
    sim.wait(Duration::from_secs(30)).1
}

/// The simulator's URL and API key, from the first lines it prints (the BMC map is written
/// by then); the rest of its output is read and dropped.
pub fn banner(child: &mut Child) -> (String, ApiKey) {
    let mut out = BufReader::new(child.stdout.take().expect("piped"));
    let mut first = String::new();
    let mut second = String::new();
    out.read_line(&mut first).expect("the simulator's banner");
    out.read_line(&mut second).expect("the simulator's key");
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let url = first
        .trim()
        .rsplit(' ')
        .next()
        .filter(|u| u.starts_with("http"))
        .unwrap_or_else(|| panic!("no URL in the simulator's banner: {first}"))
        .to_string();
    let key = ApiKey::parse(second.trim().trim_start_matches("API key: "))
        .unwrap_or_else(|e| panic!("no API key in the simulator's banner ({e}): {second}"));
    (url, key)
}

pub fn drain<R: std::io::Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    })
}

/// `GET /_sim/counts`, signed with the admin's key.
pub fn counts(maas_url: &str, key: &ApiKey) -> Counts {
    drydock::maas::client::install_tls();
    let url = format!("{}/_sim/counts", maas_url.trim_end_matches("/MAAS"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let body: serde_json::Value = rt.block_on(async {
        reqwest::Client::new()
            .get(&url)
            .header(
                "authorization",
                drydock::maas::auth::authorization(key, "GET", &url, None),
            )
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .expect("the simulator answers")
            .json()
            .await
            .expect("the counts as JSON")
    });
    let n = |path: &str| {
        body.pointer(path)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or_else(|| panic!("no {path} in {body}"))
    };
    let by = |from: &str| drydock::sim::ByProtocol {
        redfish: n(&format!("/bmc/{from}/redfish")),
        ipmi: n(&format!("/bmc/{from}/ipmi")),
    };
    Counts {
        maas: drydock::sim::MaasCounts {
            reads: n("/maas/reads"),
            writes: n("/maas/writes"),
        },
        bmc: drydock::sim::BmcCounts {
            client: by("client"),
            maas: by("maas"),
        },
    }
}

/// CPU time (user and system) and peak RSS of a process and the children it waited for.
pub struct Usage {
    pub cpu: Duration,
    pub max_rss_kib: u64,
}

/// A child process, killed and reaped when dropped (also when the bench fails).
pub struct Proc {
    pub child: Child,
    reaped: bool,
}

impl Proc {
    pub fn spawn(command: &mut Command) -> Proc {
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        Proc { child, reaped: false }
    }

    /// Waits up to `limit` for the process to end (then kills it and fails): its exit code,
    /// what it used (`wait4`), and its own CPU apart from its children's, last sampled.
    pub fn wait(&mut self, limit: Duration) -> (i32, Usage, Duration) {
        let pid = self.child.id() as libc::pid_t;
        let started = Instant::now();
        let mut own = Duration::ZERO;
        loop {
            let mut status = 0;
            // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: wait4 on our own unreaped child, with valid pointers.
            let waited = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
            if waited == pid {
                self.reaped = true;
                let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
                let code = if libc::WIFEXITED(status) {
                    libc::WEXITSTATUS(status)
                } else {
                    -1
                };
                let usage = Usage {
                    cpu: time(usage.ru_utime) + time(usage.ru_stime),
                    max_rss_kib: usage.ru_maxrss as u64,
                };
                return (code, usage, own);
            }
            assert!(waited == 0, "wait4: {}", std::io::Error::last_os_error());
            assert!(started.elapsed() < limit, "still running after {limit:?}");
            if let Some(sampled) = own_cpu(pid) {
                own = sampled;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if !self.reaped {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A running process's own CPU time (utime + stime in /proc/PID/stat), its children's aside.
pub fn own_cpu(pid: libc::pid_t) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses: state is field 3.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(Duration::from_millis(ticks * 1000 / per_second))
}
