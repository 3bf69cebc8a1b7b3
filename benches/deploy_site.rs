//! DeploySite, the whole site from bare machines to deployed, on a generated site (1,000
//! nodes; `DRYDOCK_BENCH_NODES=1000,10000` for more) against `drydock sim` in a process of
//! its own: wall time; MAAS requests per deployed node, counted by the simulator, beside
//! what Drydock sends for the same work (at least: its PrepareNodes sequence and DeployNode's
//! waiting, modelled in `support::drydock_model`); the journal's size; the orchestrator's
//! peak RSS and its CPU time per node step (its own, sampled, and with its ipmitool
//! children), measured apart from the simulator's.
//!
//! The simulator runs [`SPEED`] times faster than a real site and drydock polls every
//! `10 s / SPEED`, so both poll as often per phase and the counts compare. The generated
//! site keeps the GA kernel on its canary ring (`--ga-kernel-only`): the simulated region,
//! like the captured one, synced only jammy's GA kernel. `cargo bench --bench deploy_site`
//! (needs python3 for the site generator and ipmitool for the IPMI BMCs).

mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use drydock::journal::{JournalReader, SITE};
use drydock::sim::Counts;
use support::drydock_model::{DRYDOCK_POLL_S, Mix, drydock_deploy_waits_per_node};
use support::*;

/// How much faster than a real site the simulated machines enlist, commission and deploy.
const SPEED: f64 = 100.0;
/// Nodes worked on at once.
const CONCURRENCY: u32 = 256;
/// Hang protection for one run, per thousand nodes; a 1,000-node run takes under 2 minutes.
const LIMIT_PER_THOUSAND: Duration = Duration::from_secs(600);

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = Path::new(env!("CARGO_BIN_EXE_drydock"));
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let poll = format!("{}", DRYDOCK_POLL_S / SPEED);
    let runs: Vec<usize> = std::env::var("DRYDOCK_BENCH_NODES")
        .unwrap_or_else(|_| "1000".into())
        .split(',')
        .map(|n| {
            n.trim()
                .parse()
                .expect("DRYDOCK_BENCH_NODES: node counts, e.g. 1000,10000")
        })
        .collect();
    require_ipmitool();
    println!(
        "DeploySite against `drydock sim --speed {SPEED}` (its own process), drydock polling every {poll} s \
         (Drydock's {DRYDOCK_POLL_S} s, scaled), --concurrency {CONCURRENCY}"
    );
    println!(
        "{:>6} {:>8}  {:>18}  {:>8}  {:>22}  {:>9} {:>8}",
        "nodes", "wall s", "MAAS req/node", "journal", "CPU ms/node step", "peak MB", "sim"
    );
    println!(
        "{:>6} {:>8}  {:>8} {:>9}  {:>8}  {:>10} {:>11}  {:>9} {:>8}",
        "", "", "ours", "Drydock", "MB", "own", "+ipmitool", "", "peak MB"
    );
    for nodes in runs {
        let site = scratch.path().join(format!("site-{nodes}"));
        generate(root, &site, nodes, &["--ga-kernel-only"]);
        let design = drydock::design::load(std::slice::from_ref(&site)).expect("the generated site loads");
        let mix = Mix::of(&design);
        let run = deploy(bin, &site, scratch.path(), nodes, &poll);
        let per_node = |n: u64| n as f64 / nodes as f64;
        let drydock = mix.drydock().maas + nodes as u64 * drydock_deploy_waits_per_node();
        let per_step = |cpu: Duration| cpu.as_secs_f64() * 1000.0 / run.node_steps as f64;
        println!(
            "{:>6} {:>8.1}  {:>8.1} {:>8.0}+  {:>8.1}  {:>10.2} {:>11.2}  {:>9.0} {:>8.0}",
            nodes,
            run.wall.as_secs_f64(),
            per_node(run.counts.maas.reads + run.counts.maas.writes),
            per_node(drydock),
            run.journal_bytes as f64 / 1_048_576.0,
            per_step(run.own_cpu),
            per_step(run.orchestrator.cpu),
            mib(run.orchestrator.max_rss_kib),
            mib(run.sim.max_rss_kib),
        );
        println!(
            "       {} node steps ({:.1} a node); MAAS {} reads + {} writes; BMC {} Redfish requests, {} IPMI \
             datagrams; sim CPU {:.1} s; about {:.1} h at real speed",
            run.node_steps,
            run.node_steps as f64 / nodes as f64,
            run.counts.maas.reads,
            run.counts.maas.writes,
            run.counts.bmc.client.redfish,
            run.counts.bmc.client.ipmi,
            run.sim.cpu.as_secs_f64(),
            run.wall.as_secs_f64() * SPEED / 3600.0,
        );
    }
}

/// What one run measured.
struct Run {
    wall: Duration,
    counts: Counts,
    orchestrator: Usage,
    /// Its own CPU, its ipmitool children aside (sampled).
    own_cpu: Duration,
    sim: Usage,
    /// Steps journaled under a node's scope.
    node_steps: u64,
    journal_bytes: u64,
}

/// `drydock sim` on `site`, then `drydock run deploy_site` against it; every node must end
/// deployed.
fn deploy(bin: &Path, site: &Path, scratch: &Path, nodes: usize, poll: &str) -> Run {
    let simulated = start_sim(bin, site, scratch, SPEED);
    let report_url = drydock::runtime::bootaction_reports::free_loopback_url().expect("a free port");
    let started = Instant::now();
    let mut run = Proc::spawn(
        simulated
            .drydock(bin, poll)
            .args(["run", "deploy_site", "-d"])
            .arg(site)
            .args(["--poll-interval", poll, "--concurrency", &CONCURRENCY.to_string()])
            .args(["--report-url", &report_url])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let out = drain(run.child.stdout.take());
    let err = drain(run.child.stderr.take());
    let limit = LIMIT_PER_THOUSAND * (nodes as u32).div_ceil(1000);
    let (status, orchestrator, own_cpu) = run.wait(limit);
    let wall = started.elapsed();
    let (out, err) = (out.join().unwrap_or_default(), err.join().unwrap_or_default());
    assert!(status == 0, "deploy_site exited {status}:\n{out}\n{err}");
    let deployed = format!("deploy_nodes: {nodes} of {nodes} node(s) deployed");
    assert!(
        out.lines().any(|l| l == deployed),
        "expected {deployed:?}:\n{out}"
    );
    let counts = counts(&simulated.url, &simulated.key);
    let sim = stop_sim(simulated.sim);
    let reader = JournalReader::open(&simulated.journal).expect("the journal");
    let task = reader.tasks().expect("its tasks").remove(0);
    let node_steps = reader
        .steps(&task.id)
        .expect("the task's steps")
        .iter()
        .filter(|s| s.scope != SITE)
        .count() as u64;
    Run {
        wall,
        counts,
        orchestrator,
        own_cpu,
        sim,
        node_steps,
        journal_bytes: std::fs::metadata(&simulated.journal).map_or(0, |m| m.len()),
    }
}
