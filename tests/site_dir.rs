//! Site directories: site rules, site overrides of the shipped workflow, and their errors.

mod common;

use common::*;
use predicates::prelude::*;

fn site_dir(name: &str) -> std::path::PathBuf {
    fixture("site-dirs").join(name)
}

#[test]
fn site_rules_run_after_drydock_rules_and_change_the_result() {
    drydock()
        .arg("validate")
        .arg("-d")
        .arg(fixture("base.yaml"))
        .assert()
        .code(0);
    let out = drydock()
        .arg("validate")
        .arg("-d")
        .arg(fixture("base.yaml"))
        .arg("--site-dir")
        .arg(site_dir("rules"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = stdout_json(&out);
    let msgs = v["details"]["messageList"].as_array().unwrap();
    let tail: Vec<(&str, &str, &str)> = msgs[msgs.len() - 2..]
        .iter()
        .map(|m| {
            (
                m["rule"].as_str().unwrap(),
                m["name"].as_str().unwrap(),
                m["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        tail,
        [
            (
                "compute-hugepages",
                "SITE002",
                "Compute Hugepages: Validation successful."
            ),
            (
                "redundant-tors",
                "SITE001",
                "Redundant ToR Switches: Rack rack1 has 1 top-of-rack switch(es); bonded links need two"
            ),
        ]
    );
    let err = &msgs[msgs.len() - 1];
    assert_eq!(err["level"], "Error");
    assert_eq!(
        err["documents"][0],
        serde_json::json!({"schema": "drydock/Rack/v1", "name": "rack1"})
    );
    assert!(err["source"]["file"].as_str().unwrap().ends_with("base.yaml"));
    assert_eq!(err["diagnostic"], "Add a second switch under tor_switches.");
}

#[test]
fn site_rules_are_selectable_and_listed() {
    drydock()
        .arg("validate")
        .arg("-d")
        .arg(example_site())
        .arg("--site-dir")
        .arg(site_dir("rules"))
        .args(["--rule", "redundant-tors"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Passed (1 rules): redundant-tors"));
    drydock()
        .arg("scripts")
        .arg("--site-dir")
        .arg(site_dir("rules"))
        .assert()
        .code(0)
        .stdout(predicate::str::is_match(r"action +validate_design +shipped").unwrap())
        .stdout(predicate::str::is_match(r"module +sitelib +site ").unwrap())
        .stdout(predicate::str::is_match(r"module +phases +shipped").unwrap());
}

#[test]
fn site_override_of_the_workflow_changes_the_result() {
    let out = drydock()
        .arg("validate")
        .arg("-d")
        .arg(fixture("base.yaml"))
        .arg("--site-dir")
        .arg(site_dir("strict"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = stdout_json(&out);
    assert_eq!(v["details"]["errorCount"], 1);
    let errors: Vec<&str> = v["details"]["messageList"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["level"] == "Error")
        .map(|m| m["message"].as_str().unwrap())
        .collect();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].ends_with("not validated. (warnings are errors at this site)"),
        "{}",
        errors[0]
    );
    // DRYDOCK_SITE_DIR works as --site-dir does.
    drydock()
        .env("DRYDOCK_SITE_DIR", site_dir("strict"))
        .arg("validate")
        .arg("-d")
        .arg(fixture("base.yaml"))
        .assert()
        .code(1);
}

#[test]
fn broken_site_script_is_reported_with_file_line_and_traceback() {
    let out = drydock()
        .arg("validate")
        .arg("-d")
        .arg(fixture("base.yaml"))
        .arg("--site-dir")
        .arg(site_dir("broken"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    // The line of the failing arithmetic, wherever formatting put it.
    let script = std::fs::read_to_string(site_dir("broken").join("scripts/validate_design.lua")).unwrap();
    let line = 1 + script
        .lines()
        .position(|l| l.contains("design.missing_field"))
        .unwrap();
    assert!(
        err.contains(&format!("broken/scripts/validate_design.lua:{line}:")),
        "{err}"
    );
    assert!(err.contains("stack traceback:"), "{err}");
    assert!(
        err.contains("in local 'count_nodes'") || err.contains("count_nodes"),
        "{err}"
    );
    assert!(!err.contains("__mlua"), "{err}");
}

#[test]
fn example_site_dir_passes_on_the_example_site() {
    drydock()
        .arg("validate")
        .arg("-d")
        .arg(example_site())
        .arg("--site-dir")
        .arg(repo().join("examples/site-dir"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("redundant-tors"));
}

#[test]
fn site_stdlib_module_wins_over_the_shipped_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("stdlib")).unwrap();
    // A site copy of `phases` that adds one message to every action's result.
    std::fs::write(
        dir.path().join("stdlib/phases.lua"),
        r#"
local M = {}
function M.action(name, phases)
  return { run = function(self, ctx)
    for _, p in ipairs(phases) do p.run(ctx) end
    table.insert(ctx.result.messages, { name = "SITE", rule = "site-phases", level = "Warning",
      message = "site phases module in use" })
    return ctx.result
  end }
end
return M
"#,
    )
    .unwrap();
    drydock()
        .arg("validate")
        .arg("-d")
        .arg(fixture("base.yaml"))
        .arg("--site-dir")
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("site phases module in use"));
    drydock()
        .arg("scripts")
        .arg("--site-dir")
        .arg(dir.path())
        .assert()
        .stdout(predicate::str::is_match(r"module +phases +site ").unwrap());
}
