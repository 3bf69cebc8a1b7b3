//! The crash check for the main job: deploy_site over the example site (9 nodes, all
//! unknown to MAAS), against a simulator in a process of its own, is SIGKILLed at 10 random
//! moments spread over the run and resumed each time; the last resume deploys every node.
//! The simulator's logs then show that no destructive call (deploy, the storage layout that
//! clears a machine's disks, release, a BMC power change) was sent for a node after the
//! journal said the step making it had succeeded, and that each machine was deployed once.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::crash::*;
use common::*;

/// At this speed a node takes 5 s from power-on to Ready and 10 s more to deploy.
const SPEED: &str = "60";
/// Kills land within this long of the first start, before the run can end: the simulated
/// machines go on while drydock is down, so this is less than their 15 s.
const KILL_WINDOW: Duration = Duration::from_millis(9000);
const KILLS: u64 = 10;
/// Seconds between MAAS status checks and between BMC power checks.
const POLL: &str = "0.2";

/// A MAAS call that destroys what was there, and the node step that sends it.
const DESTRUCTIVE: [(&str, &str); 3] = [
    ("deploy", "deploy"),
    ("set_storage_layout", "storage: layout"),
    ("release", "release failed deployment"),
];

/// What the journal and the simulator's logs said at one kill, the drydock process gone.
struct AtKill {
    maas_seq: u64,
    bmc_seq: u64,
    /// "node/step" of every step that had succeeded.
    succeeded: BTreeSet<String>,
}

#[test]
fn deploy_site_killed_ten_times_deploys_each_node_once_and_repeats_no_destructive_call() {
    let began = Instant::now();
    let site = Site::start(SPEED);
    let sim = &site.sim;
    let seed = clock_seed();
    eprintln!("seed {seed}");
    let design = example_site();
    let design = design.to_str().unwrap();
    let report_url = report_url();
    let start = |task: Option<&str>, name: &str| match task {
        None => site.drydock(
            name,
            &[
                "run",
                "deploy_site",
                "-d",
                design,
                "--poll-interval",
                POLL,
                "--oob-poll-interval",
                POLL,
                "--report-url",
                &report_url,
            ],
        ),
        Some(id) => site.drydock(name, &["resume", id, "--oob-poll-interval", POLL]),
    };

    let (task, kills) = kill_at_random_moments(&site, seed, KILLS, KILL_WINDOW, start, |task, _| {
        let mut succeeded = BTreeSet::new();
        for (scope, steps) in task.map(|t| site.steps(t)).unwrap_or_default() {
            for s in steps.iter().filter(|s| s["status"] == "Succeeded") {
                succeeded.insert(format!("{scope}/{}", s["name"].as_str().unwrap()));
            }
        }
        AtKill {
            maas_seq: newest_seq(&sim.control("requests")),
            bmc_seq: newest_seq(&sim.control("bmc_requests")),
            succeeded,
        }
    });

    let (task, _) = resume_to_the_end(&site, task, seed, start, "deploy_nodes: 9 of 9 node(s) deployed");
    let show = site.tasks(&["show", &task]);
    assert_eq!(show["task"]["result"], "Success", "seed {seed}");
    let steps = site.steps(&task);

    // Every machine Deployed, under its node's name.
    let machines = sim.maas_get("machines/");
    let node_of: BTreeMap<String, String> = machines
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(m["status_name"], "Deployed", "seed {seed}: {m}");
            (
                format!("/MAAS/api/2.0/machines/{}/", m["system_id"].as_str().unwrap()),
                m["hostname"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(node_of.len(), 9, "seed {seed}: {node_of:?}");
    for node in node_of.values().filter(|n| n.starts_with("cmp")) {
        assert!(
            step(&steps[node], "boot actions reported").is_some_and(|s| s["status"] == "Succeeded"),
            "{node}'s boot action reported (seed {seed})"
        );
    }

    // No destructive MAAS call after the journal had its step succeeded; one deploy each.
    let log = sim.control("requests");
    let log = log.as_array().unwrap();
    assert_eq!(log[0]["seq"], 1, "the MAAS log kept every request (seed {seed})");
    let mut deployed: BTreeMap<&str, usize> = BTreeMap::new();
    for r in log {
        let (Some(op), Some(node)) = (r["op"].as_str(), r["path"].as_str().and_then(|p| node_of.get(p)))
        else {
            continue;
        };
        let Some((_, step_name)) = DESTRUCTIVE.iter().find(|(o, _)| *o == op) else {
            continue;
        };
        let seq = r["seq"].as_u64().unwrap();
        for (k, at) in kills.iter().enumerate() {
            assert!(
                !(seq > at.maas_seq && at.succeeded.contains(&format!("{node}/{step_name}"))),
                "{node}: {op} (MAAS request {seq}) after its step {step_name:?} had succeeded at kill {} (seed {seed})",
                k + 1
            );
        }
        if op == "deploy" && r["status"] == 200 {
            *deployed.entry(node).or_default() += 1;
        }
    }
    assert_eq!(deployed.len(), 9, "seed {seed}: {deployed:?}");
    assert!(
        deployed.values().all(|n| *n == 1),
        "a machine deployed twice (seed {seed}): {deployed:?}"
    );

    // BMC power: one cycle per node, nothing after its power_on step had succeeded.
    for (node, changes) in site.power_changes() {
        let mut cycle: Vec<&str> = changes.iter().map(|(_, c)| c.as_str()).collect();
        cycle.dedup();
        assert!(
            cycle == ["on"] || cycle == ["force_off", "on"],
            "{node}: one power cycle: {changes:?} (seed {seed})"
        );
        for (k, at) in kills.iter().enumerate() {
            if at.succeeded.contains(&format!("{node}/power_on")) {
                let late: Vec<_> = changes.iter().filter(|(seq, _)| *seq > at.bmc_seq).collect();
                assert!(
                    late.is_empty(),
                    "{node}: power changed {late:?} after power_on had succeeded at kill {} (seed {seed})",
                    k + 1
                );
            }
        }
    }
    eprintln!(
        "seed {seed}: {KILLS} kills, whole test {:.1} s; succeeded steps at each kill: {:?}",
        began.elapsed().as_secs_f64(),
        kills.iter().map(|k| k.succeeded.len()).collect::<Vec<_>>()
    );
}
