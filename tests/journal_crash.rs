//! The journal's promise, proven by killing the process: a script of 50 steps over 10 nodes
//! is SIGKILLed at 20 random moments and resumed each time; every step's side effect happens
//! once (twice at most for a step that was running at a kill), and the task completes. A run
//! killed while it makes a new journal leaves none or a whole one.

mod common;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("drydock")
}

/// The steps the journal holds as Succeeded, as the lines they append (`node03 step2`).
fn succeeded(journal: &std::path::Path, task: &str) -> std::collections::HashSet<String> {
    let out = Command::new(bin())
        .args(["tasks", "show", "--format", "json", "--journal"])
        .arg(journal)
        .arg(task)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    v["scopes"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["steps"].as_array().cloned().unwrap_or_default())
        .filter(|step| step["status"] == "Succeeded")
        .map(|step| {
            format!(
                "{} {}",
                step["scope"].as_str().unwrap(),
                step["name"].as_str().unwrap()
            )
        })
        .collect()
}

fn task_ids(journal: &std::path::Path) -> Vec<String> {
    let out = Command::new(bin())
        .args(["tasks", "list", "--format", "json", "--journal"])
        .arg(journal)
        .output()
        .unwrap();
    if !out.status.success() {
        return Vec::new();
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn killed_twenty_times_every_step_runs_once() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.redb");
    let out = dir.path().join("steps.txt");
    let script = repo().join("tests/fixtures/lua/fifty_steps.lua");
    let seed = clock_seed();
    let mut rng = Lcg(seed);

    let start = |ids: &[String]| {
        let mut cmd = Command::new(bin());
        cmd.arg("--journal")
            .arg(&journal)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match ids.first() {
            // 0.2 s between a node's steps: about a second of work, so 20 kills land mid-run.
            None => cmd.arg("script").arg(&script).arg(&out).arg("0.2"),
            Some(id) => cmd.arg("resume").arg(id),
        };
        cmd.spawn().unwrap()
    };

    let mut kills = 0;
    let mut finished_early = 0;
    let mut snapshots = Vec::new();
    while kills < 20 {
        let mut child = start(&task_ids(&journal));
        std::thread::sleep(Duration::from_millis(10 + rng.next(70)));
        if child.try_wait().unwrap().is_some() {
            finished_early += 1;
            assert!(
                finished_early < 5,
                "the task keeps finishing before the kill (seed {seed})"
            );
            continue;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        // What was durable at this kill, and how much had been done by then.
        if let Some(id) = task_ids(&journal).first() {
            let done = std::fs::read_to_string(&out).unwrap_or_default().lines().count();
            snapshots.push((succeeded(&journal, id), done));
        }
    }
    // The last resume runs to the end.
    let ids = task_ids(&journal);
    assert_eq!(ids.len(), 1, "one task across all runs (seed {seed})");
    let status = Command::new(bin())
        .arg("--journal")
        .arg(&journal)
        .arg("resume")
        .arg(&ids[0])
        .status()
        .unwrap();
    assert!(status.success(), "final resume (seed {seed})");

    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for line in text.lines() {
        *counts.entry(line).or_default() += 1;
    }
    assert_eq!(counts.len(), 50, "every step ran (seed {seed}): {counts:?}");
    let repeated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    // A step the journal held as Succeeded at a kill never ran again after it. (A step
    // that was Running at a kill runs again: as often as kills catch it running, which on a
    // loaded machine can be more than once.)
    let lines: Vec<&str> = text.lines().collect();
    for (k, (durable, done)) in snapshots.iter().enumerate() {
        let again: Vec<&&str> = lines[*done..].iter().filter(|l| durable.contains(**l)).collect();
        assert!(
            again.is_empty(),
            "steps Succeeded at kill {} ran again (seed {seed}): {again:?}",
            k + 1
        );
    }
    assert!(!snapshots.is_empty(), "no kill caught the task (seed {seed})");

    let show = Command::new(bin())
        .args(["tasks", "show", "--format", "json", "--journal"])
        .arg(&journal)
        .arg(&ids[0])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(v["task"]["status"], "Complete");
    assert_eq!(v["task"]["result"], "Success");
    let attempts: u64 = v["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["steps"].as_array().unwrap())
        .map(|s| s["attempts"].as_u64().unwrap())
        .sum();
    eprintln!(
        "seed {seed}: {kills} kills, {} repeated side effects, {attempts} step attempts for 50 steps",
        repeated.len()
    );
    let steps: usize = v["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["steps"].as_array().unwrap().len())
        .sum();
    assert_eq!(steps, 50);
    // The JSON round-trips through the Rust types.
    let back: serde_json::Value = serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap();
    assert_eq!(back, v);
}

/// Starts `interrupted.lua` (its slow step sleeps `seconds`) and returns once that step has
/// begun, so the caller can kill the process inside it.
fn inside_the_slow_step(
    journal: &std::path::Path,
    out: &std::path::Path,
    seconds: &str,
) -> std::process::Child {
    let child = Command::new(bin())
        .arg("--journal")
        .arg(journal)
        .arg("script")
        .arg(repo().join("tests/fixtures/lua/interrupted.lua"))
        .arg(out)
        .arg(seconds)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(out).unwrap_or_default().contains("slow") {
        assert!(
            std::time::Instant::now() < deadline,
            "the slow step never started"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

#[test]
fn a_step_killed_while_running_runs_again_and_the_others_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.redb");
    let out = dir.path().join("steps.txt");
    // Kill inside the slow step: once its line is written.
    let mut child = inside_the_slow_step(&journal, &out, "1.5");
    child.kill().unwrap();
    child.wait().unwrap();

    let ids = task_ids(&journal);
    let show = |id: &str| -> serde_json::Value {
        let o = Command::new(bin())
            .args(["tasks", "show", "--format", "json", "--journal"])
            .arg(&journal)
            .arg(id)
            .output()
            .unwrap();
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let before = show(&ids[0]);
    assert_eq!(before["task"]["status"], "Running", "a killed task is unfinished");
    let steps = before["scopes"][0]["steps"].as_array().unwrap().clone();
    let status: Vec<(&str, &str)> = steps
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(status, [("first", "Succeeded"), ("slow", "Running")]);

    let status = Command::new(bin())
        .arg("--journal")
        .arg(&journal)
        .arg("resume")
        .arg(&ids[0])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "first\nslow\nslow\nlast\n"
    );
    let after = show(&ids[0]);
    assert_eq!(after["task"]["result"], "Success");
    let slow = after["scopes"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "slow")
        .unwrap()
        .clone();
    assert_eq!(slow["attempts"], 2);
    assert_eq!(slow["result"], "slept");
}

#[test]
fn a_task_whose_process_is_gone_shows_as_interrupted_with_its_resume_command() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.redb");
    let out = dir.path().join("steps.txt");
    let mut child = inside_the_slow_step(&journal, &out, "3");
    let tasks = |args: &[&str]| {
        let o = Command::new(bin())
            .arg("--journal")
            .arg(&journal)
            .arg("tasks")
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    // While its process runs, the task is Running, and reading does not disturb it.
    let id = task_ids(&journal).remove(0);
    let live = tasks(&["list"]);
    assert!(
        live.contains("Running") && !live.contains("Interrupted"),
        "{live}"
    );
    child.kill().unwrap();
    child.wait().unwrap();

    let resume = format!("drydock resume {id} --journal {}", journal.display());
    let list = tasks(&["list"]);
    assert!(list.contains("Interrupted"), "{list}");
    let show = tasks(&["show", &id]);
    assert!(
        show.contains("status Interrupted") && show.contains(&resume),
        "{show}"
    );
    let v: serde_json::Value = serde_json::from_str(&tasks(&["show", &id, "--format", "json"])).unwrap();
    assert_eq!(v["task"]["status"], "Running", "the record is kept as written");
    assert_eq!(v["interrupted"]["resume"], resume.as_str());
    let v: serde_json::Value = serde_json::from_str(&tasks(&["list", "--format", "json"])).unwrap();
    assert_eq!(v[0]["interrupted"]["resume"], resume.as_str());
    // Interrupted is not finished: prune keeps it.
    tasks(&["prune"]);
    assert_eq!(task_ids(&journal), vec![id.clone()]);
    // Resumed and finished, it is no longer interrupted.
    let status = Command::new(bin())
        .arg("--journal")
        .arg(&journal)
        .arg("resume")
        .arg(&id)
        .status()
        .unwrap();
    assert!(status.success());
    let show = tasks(&["show", &id]);
    assert!(
        !show.contains("Interrupted") && show.contains("status Complete"),
        "{show}"
    );
}

/// A run killed while it makes a new journal leaves none, or a whole one: never a file that
/// every later run refuses as damaged. Kills land in a process's first milliseconds, where
/// the journal is made.
#[test]
fn a_run_killed_while_it_makes_its_journal_leaves_no_damaged_journal() {
    let dir = tempfile::tempdir().unwrap();
    let script = repo().join("tests/fixtures/lua/fifty_steps.lua");
    let seed = clock_seed();
    let mut rng = Lcg(seed);
    let mut made = 0;
    for i in 0..40 {
        let journal = dir.path().join(format!("journal-{i}.redb"));
        let mut child = Command::new(bin())
            .arg("--journal")
            .arg(&journal)
            .arg("script")
            .arg(&script)
            .arg(dir.path().join(format!("steps-{i}.txt")))
            .arg("0.2")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.next(40_000)));
        child.kill().unwrap();
        child.wait().unwrap();
        let listed = Command::new(bin())
            .args(["tasks", "list", "--journal"])
            .arg(&journal)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&listed.stderr);
        assert!(
            listed.status.success() || said.contains("no journal at"),
            "kill {i} left a journal that cannot be read (seed {seed}): {said}"
        );
        made += usize::from(journal.exists());
    }
    eprintln!("seed {seed}: 40 kills, {made} journals made");
}
