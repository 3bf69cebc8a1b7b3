//! PrepareNodes on generated sites (100 and 1,000 nodes, about 90% Redfish and 10% IPMI
//! BMCs) against `drydock sim` in a process of its own: wall time; MAAS and BMC requests per
//! node, counted by the simulator (`GET /_sim/counts`), beside what Drydock's PrepareNodes
//! sends for the same work (modelled below from its sequence: reference
//! `drydock-behaviour.md` §5.4, §6 and `oob.md` §6); and the orchestrator's CPU time and peak
//! RSS, measured apart from the simulator's (`wait4` on each process).
//!
//! The simulator runs [`SPEED`] times faster than a real site and drydock polls MAAS and the
//! BMCs every `10 s / SPEED`: Drydock's 10 s, scaled, so that both poll as often per phase
//! and the counts compare. `cargo bench --bench prepare_nodes` (needs python3 for the site
//! generator and ipmitool for the IPMI BMCs).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use drydock::design::model::OobType;
use drydock::maas::ApiKey;
use drydock::sim::{COMMISSIONING_S, Counts, ENLISTING_S, POWER_LANDS_S};

/// How much faster than a real site the simulated machines power on, enlist and commission.
const SPEED: f64 = 100.0;
/// Drydock's poll interval for MAAS (`maasdriver.poll_interval`, `poll_interval`) and for
/// power states (18 × 10 s), in seconds at real speed.
const DRYDOCK_POLL_S: f64 = 10.0;
/// Hang protection for one run; a 1,000-node run takes about a minute.
const RUN_LIMIT: Duration = Duration::from_secs(240);

/// The runs: nodes and how many are worked on at once (64 is the default).
const RUNS: [(usize, u32); 3] = [(100, 64), (1000, 64), (1000, 256)];

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = Path::new(env!("CARGO_BIN_EXE_drydock"));
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let poll = format!("{}", DRYDOCK_POLL_S / SPEED);
    let ipmitool = Command::new("ipmitool").arg("-V").output();
    assert!(
        ipmitool.is_ok_and(|o| o.status.success()),
        "ipmitool drives the sites' IPMI BMCs: apt-get install ipmitool"
    );
    println!(
        "PrepareNodes against `drydock sim --speed {SPEED}` (its own process), drydock polling every {poll} s \
         (Drydock's {DRYDOCK_POLL_S} s, scaled); K: --concurrency"
    );
    println!(
        "{:>6} {:>5} {:>8}  {:>17}  {:>17}  {:>22} {:>8}",
        "nodes", "K", "wall s", "MAAS req/node", "BMC req/node", "orchestrator", "sim"
    );
    println!(
        "{:>6} {:>5} {:>8}  {:>8} {:>8}  {:>8} {:>8}  {:>12} {:>9} {:>8}",
        "", "", "", "ours", "Drydock", "ours", "Drydock", "CPU ms/node", "peak MB", "peak MB"
    );
    let mut notes = Vec::new();
    for (nodes, concurrency) in RUNS {
        let site = scratch.path().join(format!("site-{nodes}"));
        if !site.exists() {
            generate(root, &site, nodes);
        }
        let design = drydock::design::load(std::slice::from_ref(&site)).expect("the generated site loads");
        let mix = Mix::of(&design);
        assert_eq!(mix.nodes, nodes, "every generated node has a Redfish or IPMI BMC");
        let run = prepare(bin, &site, scratch.path(), nodes, concurrency, &poll);
        let model = mix.drydock();
        let per_node = |n: u64| n as f64 / nodes as f64;
        let ours_bmc = run.counts.bmc.client.redfish + run.counts.bmc.client.ipmi;
        println!(
            "{:>6} {:>5} {:>8.1}  {:>8.1} {:>8.1}  {:>8.1} {:>8.1}  {:>12.1} {:>9.0} {:>8.0}",
            nodes,
            concurrency,
            run.wall.as_secs_f64(),
            per_node(run.counts.maas.reads + run.counts.maas.writes),
            per_node(model.maas),
            per_node(ours_bmc),
            per_node(model.redfish + model.ipmi),
            run.orchestrator.cpu.as_secs_f64() * 1000.0 / nodes as f64,
            mib(run.orchestrator.max_rss_kib),
            mib(run.sim.max_rss_kib),
        );
        notes.push(format!(
            "{nodes} nodes, K={concurrency}: MAAS {} reads + {} writes; Redfish {:.1} req/node ({} nodes; Drydock {:.1}), \
             IPMI {:.1} datagrams/node ({} nodes; Drydock {:.1}); CPU {:.0} ms/node with ipmitool, {:.0} ms/node without \
             (sampled); sim CPU {:.1} s; about {:.1} h at real speed",
            run.counts.maas.reads,
            run.counts.maas.writes,
            run.counts.bmc.client.redfish as f64 / mix.redfish as f64,
            mix.redfish,
            drydock_redfish() as f64,
            run.counts.bmc.client.ipmi as f64 / mix.ipmi as f64,
            mix.ipmi,
            drydock_ipmi() as f64,
            run.orchestrator.cpu.as_secs_f64() * 1000.0 / nodes as f64,
            run.own_cpu.as_secs_f64() * 1000.0 / nodes as f64,
            run.sim.cpu.as_secs_f64(),
            run.wall.as_secs_f64() * SPEED / 3600.0,
        ));
    }
    println!(
        "BMC requests: Redfish HTTP requests and IPMI datagrams sent to the BMCs by drydock (MAAS's own \
         power checks aside); the orchestrator's CPU and peak RSS include its ipmitool children."
    );
    for note in notes {
        println!("  {note}");
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn generate(root: &Path, out: &Path, nodes: usize) {
    let status = Command::new("python3")
        .arg(root.join("benches/gen_site.py"))
        .args(["--nodes", &nodes.to_string(), "--out"])
        .arg(out)
        .stdout(Stdio::null())
        .status()
        .expect("python3 runs benches/gen_site.py (apt-get install python3)");
    assert!(status.success(), "benches/gen_site.py --nodes {nodes} failed");
}

/// The site's nodes by BMC protocol, and the tags PrepareNodes applies to them.
struct Mix {
    nodes: usize,
    redfish: u64,
    ipmi: u64,
    tags: u64,
}

impl Mix {
    fn of(design: &drydock::design::Site) -> Mix {
        let mut mix = Mix {
            nodes: 0,
            redfish: 0,
            ipmi: 0,
            tags: 0,
        };
        for node in &design.nodes {
            match node.oob_type {
                Some(OobType::Redfish) => mix.redfish += 1,
                Some(OobType::Ipmi) => mix.ipmi += 1,
                _ => continue,
            }
            mix.nodes += 1;
            mix.tags += node.config.tags.len() as u64;
        }
        mix
    }

    /// Drydock's requests for the whole site.
    fn drydock(&self) -> Requests {
        Requests {
            maas: self.nodes as u64 * drydock_maas_per_node() + self.tags * DRYDOCK_MAAS_PER_TAG,
            redfish: self.redfish * drydock_redfish(),
            ipmi: self.ipmi * drydock_ipmi(),
        }
    }
}

struct Requests {
    maas: u64,
    redfish: u64,
    ipmi: u64,
}

// Drydock's PrepareNodes, for one node MAAS does not know, its machine powered off, at real
// speed: the simulator's phases (`ENLISTING_S` from a network boot to the machine being
// listed, `COMMISSIONING_S`, `POWER_LANDS_S` for a power change to land) and Drydock's
// polls every `DRYDOCK_POLL_S`. Where the reference leaves a count open the model takes the
// smaller one, so Drydock's real figures are at least these:
// * a MAAS machine has no block device until commissioned, so building a `Machine` (which
//   GETs its interfaces, block devices and volume groups, and each device's partitions)
//   costs 3 requests;
// * the identify step finds the machine as soon as it is listed, by its BMC address (real
//   enlistment reports it; Drydock never looks by MAC for Redfish or IPMI nodes);
// * find_node_in_maas reads only the power parameters, not the whole machine list (older
//   Drydock refreshed every machine, each with its 3+ reads, on every identify attempt);
// * every BMC call succeeds at the first attempt.

/// Polls that see a transition `lasting` seconds, the first right away: Drydock reads,
/// sleeps, reads again.
fn polls(lasting: f64) -> u64 {
    1 + (lasting / DRYDOCK_POLL_S).ceil() as u64
}

/// MAAS requests for one node, its tags aside.
fn drydock_maas_per_node() -> u64 {
    const MACHINE: u64 = 3; // GET interfaces/, blockdevices/, volume-groups/ of a Machine built
    // (1) The IdentifyNode check: GET machines/?op=power_parameters, then
    // rackcontrollers/?op=power_parameters as nothing matched.
    let check = 2;
    // (4) IdentifyNode after the power cycle, again every poll until the machine is listed:
    // the first attempt runs once the power-on was seen (polls(L) - 1 sleeps after the
    // request), the machine is listed ENLISTING_S after its power landed. Each miss is the
    // two reads above; the hit is power_parameters, a Machine built, its refresh (GET plus
    // another Machine built), and update_identity's PUT.
    let first = (polls(POWER_LANDS_S) - 1) as f64 * DRYDOCK_POLL_S;
    let misses = ((POWER_LANDS_S + ENLISTING_S - first) / DRYDOCK_POLL_S).ceil() as u64;
    let identify = misses * 2 + 1 + MACHINE + (1 + MACHINE) + 1;
    // (5) ConfigureHardware: Machines.empty_refresh, find by hostname (GET and a Machine
    // built), POST ?op=commission, a refresh (GET and a Machine built) every poll until
    // Ready, GET ?op=details, GET commissioning-results/ for commissioning and for testing.
    let polled = (COMMISSIONING_S / DRYDOCK_POLL_S).ceil() as u64;
    let configure = 1 + (1 + MACHINE) + 1 + polled * (1 + MACHINE) + 1 + 2;
    check + identify + configure
}

/// MAAS requests per tag on a node: Drydock applies node tags in ApplyNodePlatform (its
/// DeployNodes), PrepareNodes here: GET tags/, GET tags/{name}/?op=nodes, POST
/// ?op=update_nodes.
const DRYDOCK_MAAS_PER_TAG: u64 = 3;

/// Redfish requests for one node (the DMTF library: a session opened with GET /redfish/v1/
/// and POST Sessions, closed with DELETE; every call first GETs /redfish/v1/Systems).
fn drydock_redfish() -> u64 {
    const SESSION: u64 = 3;
    const SYSTEM: u64 = 2; // GET Systems, GET the system
    // SetNodeBoot: read the boot target, PATCH it (GET Systems first), read it again.
    let set_boot = SESSION + SYSTEM + 2 + SYSTEM;
    // PowerCycleNode: ForceOff (GET Systems, read the power: already off, nothing sent),
    // poll for Off (seen at once), On (GET Systems, read the power, POST Reset), poll for On.
    let off = 1 + SYSTEM + SYSTEM;
    let on = 1 + SYSTEM + 1 + polls(POWER_LANDS_S) * SYSTEM;
    set_boot + SESSION + off + on
}

/// IPMI datagrams for one node: pyghmi opens a session for every call (Get Channel
/// Authentication Capabilities, Open Session, RAKP 1, RAKP 3, Set Session Privilege Level)
/// and closes it after (Close Session).
fn drydock_ipmi() -> u64 {
    const SESSION: u64 = 6;
    // SetNodeBoot: set_bootdev (boot option parameters 3 and 5), then get_bootdev.
    let set_boot = (SESSION + 2) + (SESSION + 1);
    // PowerCycleNode: set_power off (Get Chassis Status: already off), poll for off (seen at
    // once), set_power on (Get Chassis Status, Chassis Control), poll for on.
    let off = (SESSION + 1) + (SESSION + 1);
    let on = (SESSION + 2) + polls(POWER_LANDS_S) * (SESSION + 1);
    set_boot + off + on
}

/// What one run measured.
struct Run {
    wall: Duration,
    counts: Counts,
    orchestrator: Usage,
    /// The orchestrator's own CPU, its children (ipmitool) aside: sampled from /proc while
    /// it ran, so it misses at most the last sample's worth.
    own_cpu: Duration,
    sim: Usage,
}

/// `drydock sim` on `site`, then `drydock run prepare_nodes` against it; every node must
/// end Ready.
fn prepare(bin: &Path, site: &Path, scratch: &Path, nodes: usize, concurrency: u32, poll: &str) -> Run {
    let map = scratch.join("bmc-map.json");
    let mut sim = Proc::spawn(
        Command::new(bin)
            .args([
                "sim",
                "--listen",
                "127.0.0.1:0",
                "--speed",
                &SPEED.to_string(),
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
    let started = Instant::now();
    let mut run = Proc::spawn(
        Command::new(bin)
            .arg("--journal")
            .arg(&journal)
            .args(["--maas-url", &url, "--maas-api-key-file"])
            .arg(&key_file)
            .arg("--bmc-map")
            .arg(&map)
            .args(["--oob-poll-interval", poll, "run", "prepare_nodes", "-d"])
            .arg(site)
            .args(["--poll-interval", poll, "--concurrency", &concurrency.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    // Read while it runs: a full pipe would stall it.
    let out = drain(run.child.stdout.take());
    let err = drain(run.child.stderr.take());
    let (status, orchestrator, own_cpu) = run.wait(RUN_LIMIT);
    let wall = started.elapsed();
    let (out, err) = (out.join().unwrap_or_default(), err.join().unwrap_or_default());
    assert!(status == 0, "prepare_nodes exited {status}:\n{out}\n{err}");
    let ready = format!("{nodes} of {nodes} node(s) Ready");
    assert!(out.lines().any(|l| l == ready), "expected {ready:?}:\n{out}");
    let counts = counts(&url, &key);
    // SIGINT: the simulator stops as it does at a terminal.
    // SAFETY: kill(2) with a pid this process spawned and has not reaped.
    unsafe { libc::kill(sim.child.id() as libc::pid_t, libc::SIGINT) };
    let (_, sim_usage, _) = sim.wait(Duration::from_secs(30));
    Run {
        wall,
        counts,
        orchestrator,
        own_cpu,
        sim: sim_usage,
    }
}

/// The simulator's URL and API key, from the first lines it prints (the BMC map is written
/// by then); the rest of its output is read and dropped.
fn banner(child: &mut Child) -> (String, ApiKey) {
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

fn drain<R: std::io::Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    })
}

/// `GET /_sim/counts`, signed with the admin's key.
fn counts(maas_url: &str, key: &ApiKey) -> Counts {
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
struct Usage {
    cpu: Duration,
    max_rss_kib: u64,
}

/// A child process, killed and reaped when dropped (also when the bench fails).
struct Proc {
    child: Child,
    reaped: bool,
}

impl Proc {
    fn spawn(command: &mut Command) -> Proc {
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        Proc { child, reaped: false }
    }

    /// Waits up to `limit` for the process to end (then kills it and fails): its exit code,
    /// what it used (`wait4`), and its own CPU apart from its children's, last sampled.
    fn wait(&mut self, limit: Duration) -> (i32, Usage, Duration) {
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
fn own_cpu(pid: libc::pid_t) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses: state is field 3.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(Duration::from_millis(ticks * 1000 / per_second))
}
