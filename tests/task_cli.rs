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
        .stderr(predicate::str::contains("is damaged"))
        .stderr(predicate::str::contains("panicked").not());
    drydock()
        .arg("--journal")
        .arg(fresh_journal())
        .args(["tasks", "show", "01ABC"])
        .assert()
        .code(2);
}

/// Runs `interrupted.lua` (three site steps) to its end in `journal`; returns the task id.
fn finished_script_task(journal: &std::path::Path) -> String {
    let scratch = tempfile::tempdir().unwrap();
    let out = drydock()
        .arg("--journal")
        .arg(journal)
        .arg("script")
        .arg(fixture("lua/interrupted.lua"))
        .arg(scratch.path().join("steps.txt"))
        .arg("0")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    first_line_task_id(&out.stdout)
}

#[cfg(unix)]
#[test]
fn the_journal_and_its_directory_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let site = copy_of_example();
    drydock()
        .env_remove("DRYDOCK_JOURNAL")
        .args(["run", "validate_design", "-d"])
        .arg(site.path())
        .assert()
        .code(0);
    let dir = site.path().join(".drydock");
    assert_eq!(mode(&dir.join("journal.redb")), 0o600, "it holds BMC credentials");
    assert_eq!(mode(&dir), 0o700);
    // A journal an earlier version left readable by others is made owner-only when written.
    std::fs::set_permissions(dir.join("journal.redb"), std::fs::Permissions::from_mode(0o644)).unwrap();
    drydock()
        .env_remove("DRYDOCK_JOURNAL")
        .args(["run", "validate_design", "-d"])
        .arg(site.path())
        .assert()
        .code(0);
    assert_eq!(mode(&dir.join("journal.redb")), 0o600);
}

/// Flips `bits` bits in each copy of the stored design, where the journal's checksums cover
/// every byte.
fn flip_bits_in_records(journal: &std::path::Path, bits: usize) {
    let mut bytes = std::fs::read(journal).unwrap();
    let copies: Vec<usize> = bytes
        .windows(b"BaremetalNode".len())
        .enumerate()
        .filter(|(_, w)| *w == b"BaremetalNode")
        .map(|(at, _)| at)
        .collect();
    assert!(!copies.is_empty(), "the stored design is in the journal");
    for at in copies {
        for i in 0..bits {
            bytes[at + 40 + i * 13] ^= 1 << (i % 7);
        }
    }
    std::fs::write(journal, bytes).unwrap();
}

#[test]
fn readers_refuse_a_damaged_journal_as_the_writer_does() {
    let journal = fresh_journal();
    drydock()
        .arg("--journal")
        .arg(&journal)
        .args(["run", "validate_design", "-d"])
        .arg(example_site())
        .assert()
        .code(0);
    let flipped = fresh_journal();
    std::fs::copy(&journal, &flipped).unwrap();
    flip_bits_in_records(&flipped, 20);
    let truncated = fresh_journal();
    let bytes = std::fs::read(&journal).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    for damaged in [&flipped, &truncated] {
        let path = damaged.display().to_string();
        for args in [vec!["tasks", "list"], vec!["tasks", "show", "01ABC"]] {
            drydock()
                .arg("--journal")
                .arg(damaged)
                .args(&args)
                .assert()
                .code(2)
                .stderr(predicate::str::contains(format!("journal {path} is damaged")))
                .stderr(predicate::str::contains("move it aside"))
                .stderr(predicate::str::contains("failed to fill whole buffer").not());
        }
        drydock()
            .arg("--journal")
            .arg(damaged)
            .args(["run", "validate_design", "-d"])
            .arg(example_site())
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("journal {path} is damaged")))
            .stderr(predicate::str::contains("move it aside"));
    }
}

#[cfg(unix)]
#[test]
fn a_journal_that_is_not_a_regular_file_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("journal.redb");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let refused = |args: &[&str], path: &std::path::Path| {
        drydock()
            .arg("--journal")
            .arg(path)
            .args(args)
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "journal {} is not a regular file",
                path.display()
            )));
    };
    refused(&["tasks", "list"], &fifo);
    refused(&["tasks", "prune"], &fifo);
    let script = repo().join("tests/lua/phases.lua");
    refused(&["script", script.to_str().unwrap()], &fifo);
    refused(&["tasks", "list"], dir.path());
}

#[test]
fn tasks_finds_the_journal_run_wrote_and_says_where_it_looked() {
    let site = copy_of_example();
    let out = drydock()
        .env_remove("DRYDOCK_JOURNAL")
        .args(["run", "validate_design", "-d"])
        .arg(site.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let id = first_line_task_id(&out.stdout);
    drydock()
        .env_remove("DRYDOCK_JOURNAL")
        .args(["tasks", "list", "-d"])
        .arg(site.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains(&id));
    drydock()
        .env_remove("DRYDOCK_JOURNAL")
        .args(["tasks", "show", "-d"])
        .arg(site.path().join("region.yaml"))
        .arg(&id)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(&id));
    // No journal yet: said plainly, with where it looked; nothing is created.
    let empty = tempfile::tempdir().unwrap();
    let expected = std::path::Path::new(".drydock").join("journal.redb");
    drydock()
        .env_remove("DRYDOCK_JOURNAL")
        .current_dir(empty.path())
        .args(["tasks", "list"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(&id).not())
        .stderr(predicate::str::contains(format!(
            "no journal at {}",
            expected.display()
        )))
        .stderr(predicate::str::contains("-d"))
        .stderr(predicate::str::contains("move it aside").not())
        .stderr(predicate::str::contains("damaged").not());
    let out = drydock()
        .env_remove("DRYDOCK_JOURNAL")
        .current_dir(empty.path())
        .args(["tasks", "list", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&out), serde_json::json!([]));
    drydock()
        .env_remove("DRYDOCK_JOURNAL")
        .current_dir(empty.path())
        .args(["tasks", "show", &id])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "no journal at {}",
            expected.display()
        )));
    assert!(!empty.path().join(".drydock").exists());
}

#[test]
fn prune_removes_finished_tasks_with_their_steps() {
    let journal = fresh_journal();
    let done = [finished_script_task(&journal), finished_script_task(&journal)];
    let reader = || drydock::journal::JournalReader::open(&journal).unwrap();
    assert_eq!(reader().steps(&done[0]).unwrap().len(), 3);
    drydock()
        .arg("--journal")
        .arg(&journal)
        .args(["tasks", "prune", "--older-than", "1h"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("removed no task"));
    assert_eq!(reader().tasks().unwrap().len(), 2);
    drydock()
        .arg("--journal")
        .arg(&journal)
        .args(["tasks", "prune"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(format!("removed task {}", done[0])))
        .stdout(predicate::str::contains(format!("removed task {}", done[1])))
        .stdout(predicate::str::contains("removed 2 tasks"));
    assert!(reader().tasks().unwrap().is_empty());
    for id in &done {
        assert!(reader().steps(id).unwrap().is_empty(), "its steps go with it");
    }
}

#[test]
fn a_run_that_fails_before_its_first_step_leaves_no_task() {
    let site = copy_of_example();
    let out = drydock()
        .env_remove("DRYDOCK_JOURNAL")
        .env_remove("DRYDOCK_MAAS_URL")
        .env_remove("DRYDOCK_MAAS_API_KEY")
        .args(["run", "prepare_site", "-d"])
        .arg(site.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = first_line_task_id(&out.stdout);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("nothing to resume"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let journal = site.path().join(".drydock/journal.redb");
    assert!(
        drydock::journal::JournalReader::open(&journal)
            .unwrap()
            .tasks()
            .unwrap()
            .is_empty()
    );
    drydock()
        .arg("--journal")
        .arg(&journal)
        .args(["resume", &id])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("run it again"));
}
