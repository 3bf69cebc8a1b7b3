//! The action runner as a user meets it: node selection with Drydock's filter semantics,
//! what actions say about themselves (scope, plan), resume with the stored selection, and
//! errors that keep their shape from a MAAS answer to `tasks show --format json`.

mod common;

use common::*;
use predicates::prelude::*;

fn nodes_dir() -> std::path::PathBuf {
    fixture("site-dirs/nodes")
}

/// The nodes `list_nodes` is given on the full-site fixture with `args`.
fn selected(args: &[&str]) -> Vec<String> {
    let out = drydock()
        .args(["run", "list_nodes", "--format", "json", "-d"])
        .arg(fixture("fullsite.yaml"))
        .arg("--site-dir")
        .arg(nodes_dir())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let json = stdout_json(&out);
    match json.get("nodes") {
        Some(nodes) => serde_json::from_value(nodes.clone()).unwrap(),
        None => {
            assert_eq!(json["summary"], "No nodes in scope, no work to do.", "{json}");
            Vec::new()
        }
    }
}

fn filter(set_type: &str, filters: serde_json::Value) -> String {
    serde_json::json!({"filter_set_type": set_type, "filter_set": filters}).to_string()
}

/// One test per row of the reference's verified node filter table (drydock-behaviour.md
/// §4.2), each as the command line would say it.
mod filter_table {
    use super::*;
    use serde_json::json;

    #[test]
    fn no_filter_selects_every_node() {
        assert_eq!(selected(&[]), ["controller01", "compute01", "compute02"]);
    }

    #[test]
    fn node_name() {
        assert_eq!(selected(&["--node", "compute01"]), ["compute01"]);
        let f = filter(
            "intersection",
            json!([{"filter_type": "intersection", "node_names": ["compute01"]}]),
        );
        assert_eq!(selected(&["--node-filter", &f]), ["compute01"]);
    }

    #[test]
    fn rack_names() {
        assert_eq!(
            selected(&["--rack", "rack2", "--rack", "rack3"]),
            ["compute01", "compute02"]
        );
        let f = filter(
            "intersection",
            json!([{"filter_type": "intersection", "rack_names": ["rack2", "rack3"]}]),
        );
        assert_eq!(selected(&["--node-filter", &f]), ["compute01", "compute02"]);
    }

    #[test]
    fn tag_inherited_from_the_profile() {
        assert_eq!(
            selected(&["--tag", "test"]),
            ["controller01", "compute01", "compute02"]
        );
    }

    #[test]
    fn label_foo_baz() {
        assert_eq!(selected(&["--label", "foo=baz"]), ["compute02"]);
    }

    #[test]
    fn label_foo_bar() {
        assert_eq!(selected(&["--label", "foo=bar"]), ["controller01", "compute01"]);
    }

    #[test]
    fn names_intersected_with_a_rack() {
        let f = filter(
            "intersection",
            json!([{"filter_type": "intersection", "node_names": ["compute01", "controller01"], "rack_names": ["rack2"]}]),
        );
        assert_eq!(selected(&["--node-filter", &f]), ["compute01"]);
    }

    #[test]
    fn a_name_or_a_rack() {
        assert_eq!(
            selected(&["--node", "compute01", "--rack", "rack1"]),
            ["controller01", "compute01"]
        );
        let f = filter(
            "intersection",
            json!([{"filter_type": "union", "node_names": ["compute01"], "rack_names": ["rack1"]}]),
        );
        assert_eq!(selected(&["--node-filter", &f]), ["controller01", "compute01"]);
    }

    #[test]
    fn union_of_two_filters() {
        assert_eq!(
            selected(&["--node", "compute01", "--node", "compute02"]),
            ["compute01", "compute02"]
        );
        let f = filter(
            "union",
            json!([{"filter_type": "union", "node_names": ["compute01"]}, {"filter_type": "union", "node_names": ["compute02"]}]),
        );
        assert_eq!(selected(&["--node-filter", &f]), ["compute01", "compute02"]);
    }

    #[test]
    fn intersection_of_two_filters() {
        let f = filter(
            "intersection",
            json!([{"filter_type": "union", "node_names": ["compute01", "compute02"]}, {"filter_type": "union", "rack_names": ["rack3"]}]),
        );
        assert_eq!(selected(&["--node-filter", &f]), ["compute02"]);
        // The flags and a filter together: the flags' nodes the filter also selects.
        assert_eq!(
            selected(&["--rack", "rack3", "--rack", "rack1", "--node-filter", &f]),
            ["compute02"]
        );
    }

    #[test]
    fn a_node_that_does_not_exist_selects_nothing() {
        assert!(selected(&["--node", "nonexistent"]).is_empty());
    }

    #[test]
    fn a_union_without_criteria_selects_nothing() {
        let f = filter("union", json!([{"filter_type": "union"}]));
        assert!(selected(&["--node-filter", &f]).is_empty());
    }
}

#[test]
fn the_script_sees_the_selection() {
    let out = drydock()
        .args([
            "run",
            "list_nodes",
            "--format",
            "json",
            "--node",
            "compute01",
            "--label",
            "foo=baz",
            "-d",
        ])
        .arg(fixture("fullsite.yaml"))
        .arg("--site-dir")
        .arg(nodes_dir())
        .output()
        .unwrap();
    let json = stdout_json(&out);
    assert_eq!(json["nodes"], serde_json::json!(["compute01", "compute02"]));
    assert_eq!(json["selection"]["nodes"], serde_json::json!(["compute01"]));
    assert_eq!(
        json["selection"]["labels"],
        serde_json::json!([{"key": "foo", "value": "baz"}])
    );
}

#[test]
fn empty_selection_finishes_with_nothing_to_do() {
    drydock()
        .args(["run", "list_nodes", "--rack", "rack9", "-d"])
        .arg(fixture("fullsite.yaml"))
        .arg("--site-dir")
        .arg(nodes_dir())
        .assert()
        .success()
        .stdout(predicate::str::contains("No nodes in scope, no work to do."));
}

#[test]
fn bad_selections_are_refused_with_what_to_do() {
    drydock()
        .args(["run", "list_nodes", "--label", "novalue", "-d"])
        .arg(fixture("fullsite.yaml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not KEY=VALUE"));
    drydock()
        .args([
            "run",
            "list_nodes",
            "--node-filter",
            r#"{"filter_set_type": "both"}"#,
            "-d",
        ])
        .arg(fixture("fullsite.yaml"))
        .arg("--site-dir")
        .arg(nodes_dir())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--node-filter: filter_set_type must be intersection or union",
        ));
}

#[test]
fn a_site_action_refuses_a_node_selection() {
    drydock()
        .args(["run", "validate_design", "--node", "compute01", "-d"])
        .arg(fixture("fullsite.yaml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("validate_design acts on the whole site"));
}

#[test]
fn plan_is_for_actions_that_say_so() {
    drydock()
        .args(["plan", "verify_site", "-d"])
        .arg(fixture("fullsite.yaml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("verify_site cannot be planned"));
    // A site's own action that says plan = true is planned like a stock one.
    drydock()
        .args(["plan", "list_nodes", "-d"])
        .arg(fixture("fullsite.yaml"))
        .arg("--site-dir")
        .arg(nodes_dir())
        .assert()
        .success()
        .stdout(predicate::str::contains("controller01 compute01 compute02"));
    drydock()
        .args(["plan", "list_nodes", "--rack", "rack2", "-d"])
        .arg(fixture("fullsite.yaml"))
        .arg("--site-dir")
        .arg(nodes_dir())
        .assert()
        .success()
        .stdout(predicate::str::diff("compute01\n"));
}

#[test]
fn an_option_the_action_does_not_read_is_refused() {
    let journal = fresh_journal();
    drydock()
        .env("DRYDOCK_JOURNAL", &journal)
        .args(["run", "list_nodes", "--rule", "mtu-rational", "-d"])
        .arg(fixture("fullsite.yaml"))
        .arg("--site-dir")
        .arg(nodes_dir())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("list_nodes takes no option rules"));
    assert!(!journal.exists(), "a refused request leaves no journal behind");
}

/// The task id `run` announces on stderr when stdout is JSON.
fn task_id(out: &std::process::Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.starts_with("task "))
        .unwrap_or_else(|| panic!("no task line in {err}"));
    line.split_whitespace().nth(1).unwrap().to_string()
}

#[test]
fn resume_acts_on_the_stored_selection() {
    let scratch = tempfile::tempdir().unwrap();
    let marker = scratch.path().join("marker");
    let journal = scratch.path().join("journal.redb");
    let out = drydock()
        .env("DRYDOCK_JOURNAL", &journal)
        .env("DRYDOCK_TEST_MARKER", &marker)
        .args([
            "run",
            "flaky_nodes",
            "--format",
            "json",
            "--node",
            "compute01",
            "--rack",
            "rack3",
            "-d",
        ])
        .arg(fixture("fullsite.yaml"))
        .arg("--site-dir")
        .arg(nodes_dir())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = task_id(&out);
    std::fs::write(&marker, "").unwrap();
    let out = drydock()
        .env("DRYDOCK_JOURNAL", &journal)
        .env("DRYDOCK_TEST_MARKER", &marker)
        .args(["resume", &id, "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        stdout_json(&out)["nodes"],
        serde_json::json!(["compute01", "compute02"])
    );
    let out = drydock()
        .env("DRYDOCK_JOURNAL", &journal)
        .args(["tasks", "show", &id, "--format", "json"])
        .output()
        .unwrap();
    let shown = stdout_json(&out);
    assert_eq!(
        shown["task"]["selection"]["nodes"],
        serde_json::json!(["compute01"])
    );
    assert_eq!(shown["task"]["selection"]["racks"], serde_json::json!(["rack3"]));
    assert_eq!(shown["task"]["result"], "Success");
    drydock()
        .env("DRYDOCK_JOURNAL", &journal)
        .args(["tasks", "show", &id])
        .assert()
        .stdout(predicate::str::contains(
            "  selection --node compute01 --rack rack3\n",
        ));
}

#[test]
fn scripts_lists_what_each_action_says_it_is() {
    drydock()
        .arg("scripts")
        .arg("--site-dir")
        .arg(nodes_dir())
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(
                r"action +list_nodes +site .*list_nodes.lua +\(nodes; result summary; plan\)",
            )
            .unwrap(),
        )
        .stdout(
            predicate::str::is_match(
                r"action +prepare_site +shipped +\(site; result changes; plan; changes\)",
            )
            .unwrap(),
        )
        .stdout(predicate::str::contains(
            "(site; result validation; options rules; command validate)",
        ));
}

#[test]
fn a_maas_404_in_one_parallel_item_keeps_its_shape_to_the_journal() {
    let journal = fresh_journal();
    let out = drydock()
        .env("DRYDOCK_JOURNAL", &journal)
        .args(["run", "probe_nodes", "--sim", "--format", "json", "-d"])
        .arg(fixture("fullsite.yaml"))
        .arg("--site-dir")
        .arg(nodes_dir())
        .output()
        .unwrap();
    // compute01 failed, the others did not: PartialSuccess, exit 1.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = stdout_json(&out);
    assert_eq!(
        result["failed"],
        serde_json::json!([{"node": "compute01", "status": 404, "transient": false}]),
        "the script saw the error as a value"
    );
    let id = task_id(&out);
    let out = drydock()
        .env("DRYDOCK_JOURNAL", &journal)
        .args(["tasks", "show", &id, "--format", "json"])
        .output()
        .unwrap();
    let shown = stdout_json(&out);
    assert_eq!(shown["task"]["result"], "PartialSuccess");
    let compute01 = shown["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scope"] == "compute01")
        .expect("compute01 has steps");
    let step = &compute01["steps"][0];
    assert_eq!(step["status"], "Failed");
    let error = &step["error"];
    assert_eq!(error["kind"], "maas");
    assert_eq!(error["status"], 404);
    assert_eq!(error["method"], "GET");
    assert_eq!(error["path"], "machines/no-such-machine/");
    assert_eq!(error["node"], "compute01");
    assert_eq!(error["retryable"], false);
    assert!(
        error["body"]
            .as_str()
            .unwrap()
            .contains("No Machine matches the given query."),
        "{error}"
    );
    // And for people: the error's message on the failed step's line.
    drydock()
        .env("DRYDOCK_JOURNAL", &journal)
        .args(["tasks", "show", &id])
        .assert()
        .stdout(predicate::str::contains("FAIL probe").and(predicate::str::contains("HTTP 404")));
}

#[test]
fn a_script_error_is_a_json_document_with_format_json() {
    let scratch = tempfile::tempdir().unwrap();
    let script = scratch.path().join("boom.lua");
    std::fs::write(&script, "local x = nil\nreturn x.field\n").unwrap();
    let out = drydock()
        .args(["script", "--format", "json"])
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let json = stdout_json(&out);
    assert_eq!(json["error"]["kind"], "script");
    let location = json["error"]["location"].as_str().unwrap();
    assert!(location.ends_with("boom.lua:2"), "{json}");
}

/// Rust code names no stock action: what an action is lives in its script, so the runner,
/// the CLI and everything else work from what the script says.
#[test]
fn no_rust_code_names_a_stock_action() {
    let stock: Vec<String> = std::fs::read_dir(repo().join("scripts"))
        .unwrap()
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_string))
        .collect();
    assert!(stock.len() >= 3, "{stock:?}");
    let camel = |name: &str| -> String { name.split('_').map(|w| w[..1].to_uppercase() + &w[1..]).collect() };
    let mut offenders = Vec::new();
    let mut stack = vec![repo().join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // Code, not prose: comments may say which action a piece of the core serves.
            let code = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim_start().starts_with("//"));
            for (n, line) in code {
                for name in &stock {
                    if line.contains(name.as_str()) || line.contains(&camel(name)) {
                        offenders.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "stock actions named in Rust code:\n{}",
        offenders.join("\n")
    );
}
