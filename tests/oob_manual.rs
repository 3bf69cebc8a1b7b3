//! The manual OOB driver (a node without a BMC): each action waits for the operator, who
//! confirms at the terminal or with `drydock confirm TASK NODE` from another shell; a run
//! nobody can confirm fails the node at once, saying what to do.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// The reference's full site with every node's BMC made `manual`.
fn manual_site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let site = dir.path().join("site.yaml");
    std::fs::copy(fixture("fullsite.yaml"), &site).expect("copy");
    edit(&site, "type: ipmi", "type: manual");
    (dir, site)
}

fn cycle(site: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("drydock"));
    cmd.args(["run", "cycle_nodes", "--node", "controller01", "--sim", "-d"])
        .arg(site)
        .arg("--site-dir")
        .arg(fixture("site-dirs/nodes"))
        .env_remove("DRYDOCK_SITE_DIR")
        .env_remove("DRYDOCK_LOG");
    cmd
}

#[test]
fn a_run_nobody_can_confirm_fails_the_node_at_once_saying_what_to_do() {
    let (_dir, site) = manual_site();
    let out = cycle(&site)
        .args(["--format", "json"])
        .env("DRYDOCK_JOURNAL", fresh_journal())
        .stdin(Stdio::null())
        .output()
        .expect("drydock runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = stdout_json(&out);
    let failed = &result["failed"][0];
    assert_eq!(failed["node"], "controller01");
    assert_eq!(failed["kind"], "oob");
    let message = failed["message"].as_str().unwrap();
    assert!(message.contains("set the machine to boot from pxe"), "{message}");
    assert!(message.contains("not at a terminal"), "{message}");
    assert!(message.contains("--manual-timeout"), "{message}");
    // The hint names the journal: another shell's working directory may not find it.
    assert!(
        message.contains("drydock confirm ") && message.contains(" controller01 --journal "),
        "{message}"
    );
}

/// Runs `drydock confirm` until the task waits for `node` (it refuses before), or panics.
fn confirm_when_waiting(journal: &Path, task: &str, node: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = drydock()
            .env("DRYDOCK_JOURNAL", journal)
            .args(["confirm", task, node])
            .output()
            .expect("drydock confirm runs");
        if out.status.success() {
            return String::from_utf8_lossy(&out.stdout).into_owned();
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("is not waiting for node"), "{stderr}");
        assert!(Instant::now() < deadline, "the task never waited for {node}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn drydock_confirm_from_another_shell_lets_the_waiting_node_go_on() {
    let (_dir, site) = manual_site();
    let journal = fresh_journal();
    let mut child = cycle(&site)
        .args(["--manual-timeout", "60"])
        .env("DRYDOCK_JOURNAL", &journal)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("drydock runs");
    let mut first = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut first)
        .expect("the task is announced");
    let task = first
        .strip_prefix("task ")
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no task id in {first:?}"))
        .to_string();

    let boot = confirm_when_waiting(&journal, &task, "controller01");
    assert!(
        boot.contains("set the machine to boot from pxe (next boot only)"),
        "{boot}"
    );
    let cycle = confirm_when_waiting(&journal, &task, "controller01");
    assert!(cycle.contains("power-cycle the machine"), "{cycle}");

    let out = child.wait_with_output().expect("drydock finishes");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 node(s) cycled"), "{stdout}");

    // Nothing waits any more, so a late confirmation is refused.
    drydock()
        .env("DRYDOCK_JOURNAL", &journal)
        .args(["confirm", &task, "controller01"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("is not waiting for node controller01"));
}

#[test]
fn confirm_refuses_names_that_are_not_nodes() {
    drydock()
        .args(["confirm", "01TASK", "../../etc/passwd"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is not a node name"));
}

#[test]
fn at_a_terminal_the_operator_confirms_by_typing_the_node_name_or_enter() {
    use rexpect::session::{Options, spawn_with_options};
    let (_dir, site) = manual_site();
    let mut cmd = cycle(&site);
    cmd.env("DRYDOCK_JOURNAL", fresh_journal()).env("TERM", "xterm");
    let options = Options::new()
        .timeout_ms(Some(30_000))
        .strip_ansi_escape_codes(true);
    let mut s = spawn_with_options(cmd, options).unwrap_or_else(|e| {
        panic!("cannot start drydock in a pseudo-terminal (is /dev/ptmx usable here?): {e}")
    });
    s.exp_string("controller01: set the machine to boot from pxe")
        .expect("the operator is told what to do");
    s.send_line("controller01").unwrap();
    s.exp_string("controller01: power-cycle the machine")
        .expect("then the power cycle");
    // Only one node waits, so Enter alone confirms it.
    s.send_line("").unwrap();
    s.exp_string("1 node(s) cycled").expect("the run finishes");
    s.exp_eof().expect("drydock exits");
}
