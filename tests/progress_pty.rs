//! A run watched on a terminal: progress on stderr (the phase, steps done of those coming, a
//! line per step), and Ctrl-C stopping it cleanly with the command that resumes it.

mod common;

use std::process::Command;

use common::*;
use rexpect::session::{Options, spawn_with_options};

#[test]
fn progress_is_shown_and_ctrl_c_says_how_to_resume() {
    let journal = fresh_journal();
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("drydock"));
    cmd.args(["run", "slow_nodes", "-d"])
        .arg(fixture("fullsite.yaml"))
        .arg("--site-dir")
        .arg(fixture("site-dirs/nodes"))
        .env("DRYDOCK_JOURNAL", &journal)
        .env("DRYDOCK_TEST_STEP_SECONDS", "1")
        .env("TERM", "xterm")
        .env_remove("DRYDOCK_SITE_DIR")
        .env_remove("DRYDOCK_LOG");
    let options = Options::new()
        .timeout_ms(Some(15_000))
        .strip_ansi_escape_codes(true);
    let mut s = spawn_with_options(cmd, options).unwrap_or_else(|e| {
        panic!("cannot start drydock in a pseudo-terminal (is /dev/ptmx usable here?): {e}")
    });
    s.exp_string("work: ").expect("the phase is shown");
    s.exp_string("ok   controller01: slow")
        .expect("a line for the step that ended");
    s.exp_string("1/3").expect("steps done of those coming");
    s.send_control('c').unwrap();
    let (_, id) = s
        .exp_regex(r"interrupted: drydock resume ([0-9A-Z]{26}) --journal")
        .expect("the resume hint");
    let id = id
        .trim_start_matches("interrupted: drydock resume ")
        .trim_end_matches(" --journal")
        .to_string();
    s.exp_eof().expect("drydock exits");

    // The resume hint works: the step that succeeded is not run again, the rest are.
    drydock()
        .env("DRYDOCK_JOURNAL", &journal)
        .env("DRYDOCK_TEST_STEP_SECONDS", "0")
        .args(["resume", &id])
        .assert()
        .success()
        .stdout(predicates::str::contains("slow_nodes: 3 node(s) done"));
}

/// The main job on a terminal: deploy_site shows how many nodes are in each state, live, and
/// a bar per phase, and ends with its summary.
#[test]
fn deploy_site_shows_nodes_per_state_and_a_bar_per_phase() {
    let journal = fresh_journal();
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("drydock"));
    cmd.args(["run", "deploy_site", "--sim", "-d"])
        .arg(example_site())
        .env("DRYDOCK_JOURNAL", &journal)
        .env("TERM", "xterm")
        .env_remove("DRYDOCK_SITE_DIR")
        .env_remove("DRYDOCK_LOG");
    let options = Options::new()
        .timeout_ms(Some(60_000))
        .strip_ansi_escape_codes(true);
    let mut s = spawn_with_options(cmd, options).unwrap_or_else(|e| {
        panic!("cannot start drydock in a pseudo-terminal (is /dev/ptmx usable here?): {e}")
    });
    s.exp_regex(r"prepare +\[[=> ]+\] \d/9")
        .expect("the prepare phase's bar");
    s.exp_string("nodes: ").expect("the nodes per state");
    s.exp_string("9 ready").expect("every node prepared, counted");
    s.exp_regex(r"deploy +\[[=> ]+\] \d/9")
        .expect("the deploy phase's bar");
    s.exp_string("deploy_nodes: 9 of 9 node(s) deployed")
        .expect("the summary");
    s.exp_eof().expect("drydock exits");
}
