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

mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use drydock::sim::Counts;
use support::drydock_model::{DRYDOCK_POLL_S, Mix, drydock_ipmi, drydock_redfish};
use support::*;

/// How much faster than a real site the simulated machines power on, enlist and commission.
const SPEED: f64 = 100.0;
/// Hang protection for one run; a 1,000-node run takes about a minute.
const RUN_LIMIT: Duration = Duration::from_secs(240);

/// The runs: nodes and how many are worked on at once (64 is the default).
const RUNS: [(usize, u32); 3] = [(100, 64), (1000, 64), (1000, 256)];

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = Path::new(env!("CARGO_BIN_EXE_drydock"));
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let poll = format!("{}", DRYDOCK_POLL_S / SPEED);
    require_ipmitool();
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
            generate(root, &site, nodes, &[]);
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
    let simulated = start_sim(bin, site, scratch, SPEED);
    let started = Instant::now();
    let mut run = Proc::spawn(
        simulated
            .drydock(bin, poll)
            .args(["run", "prepare_nodes", "-d"])
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
    let counts = counts(&simulated.url, &simulated.key);
    let sim_usage = stop_sim(simulated.sim);
    Run {
        wall,
        counts,
        orchestrator,
        own_cpu,
        sim: sim_usage,
    }
}
