//! Tasks from the command line: `run` and `script` create journaled tasks, `resume` re-runs
//! what did not succeed, `tasks` shows them; journal errors are clear.

mod common;

use common::*;
use predicates::prelude::*;

fn first_line_task_id(stdout: &[u8]) -> String {
    let text = String::from_utf8_lossy(stdout);
    let first = text.lines().next().unwrap_or_default();
    assert!(first.starts_with("task "), "first line names the task: {text}");
    first.split_whitespace().nth(1).unwrap().to_string()
}

#[test]
fn run_creates_a_task_and_tasks_lists_it() {
    let journal = fresh_journal();
    let out = drydock()
        .arg("--journal")
        .arg(&journal)
        .args(["run", "validate_design", "-d"])
        .arg(example_site())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = first_line_task_id(&out.stdout);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Site design passed validation"));
    drydock()
        .arg("--journal")
        .arg(&journal)
        .args(["tasks", "list"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(&id))
        .stdout(predicate::str::contains("validate_design"))
        .stdout(predicate::str::contains("Complete"))
        .stdout(predicate::str::contains("Success"));
    let out = drydock()
        .arg("--journal")
        .arg(&journal)
        .args(["tasks", "show", "--format", "json"])
        .arg(&id)
        .output()
        .unwrap();
    let v = stdout_json(&out);
    assert_eq!(v["task"]["work"]["type"], "action");
    assert_eq!(v["task"]["work"]["name"], "validate_design");
    assert_eq!(v["task"]["design"]["hash"].as_str().unwrap().len(), 64);
    // JSON output keeps stdout pure JSON: the task id goes to stderr.
    let out = drydock()
        .arg("--journal")
        .arg(&journal)
        .args(["run", "validate_design", "--format", "json", "-d"])
        .arg(example_site())
        .output()
        .unwrap();
    assert_eq!(stdout_json(&out)["status"], "Success");
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("task "));
}

#[test]
fn resume_reruns_failed_steps_and_guards_the_design() {
    let journal = fresh_journal();
    let scratch = tempfile::tempdir().unwrap();
    let marker = scratch.path().join("marker");
    let site = copy_of_example();
    let run = || {
        let mut cmd = drydock();
        cmd.arg("--journal")
            .arg(&journal)
            .env("DRYDOCK_TEST_MARKER", &marker);
        cmd.arg("--site-dir").arg(fixture("site-dirs/flaky"));
        cmd
    };
    let out = run()
        .args(["run", "flaky_action", "-d"])
        .arg(site.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "nodes failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = first_line_task_id(&out.stdout);
    let show = run().args(["tasks", "show"]).arg(&id).output().unwrap();
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(
        text.contains("result Failure") && text.contains("FAIL check"),
        "{text}"
    );

    // A changed design is refused unless accepted.
    edit(&site.path().join("racks.yaml"), "grid:", "grid: ");
    run()
        .arg("resume")
        .arg(&id)
        .arg("-d")
        .arg(site.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("differs from the one task"))
        .stderr(predicate::str::contains("--accept-design-change"));

    std::fs::write(&marker, "present").unwrap();
    let out = run()
        .arg("resume")
        .arg(&id)
        .arg("-d")
        .arg(site.path())
        .arg("--accept-design-change")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = stdout_json(
        &run()
            .args(["tasks", "show", "--format", "json"])
            .arg(&id)
            .output()
            .unwrap(),
    );
    assert_eq!(v["task"]["result"], "Success");
    let attempts: Vec<u64> = v["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["steps"][0]["attempts"].as_u64().unwrap())
        .collect();
    assert_eq!(
        attempts,
        vec![2; 9],
        "every node's step failed once and ran again"
    );
    run()
        .arg("resume")
        .arg(&id)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("completed successfully"));
}

#[test]
fn journal_errors_are_clear() {
    let journal = fresh_journal();
    let held = drydock::journal::Journal::open(&journal).unwrap();
    drydock()
        .arg("--journal")
        .arg(&journal)
        .arg("script")
        .arg(repo().join("tests/lua/phases.lua"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("journal in use"))
        .stderr(predicate::str::contains(journal.display().to_string()));
    drop(held);
    let garbage = fresh_journal();
    std::fs::write(&garbage, "not a journal").unwrap();
    drydock()
        .arg("--journal")
        .arg(&garbage)
        .args(["tasks", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be read"))
        .stderr(predicate::str::contains("panicked").not());
    drydock()
        .arg("--journal")
        .arg(fresh_journal())
        .args(["tasks", "show", "01ABC"])
        .assert()
        .code(2);
}
