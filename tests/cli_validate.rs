//! `drydock validate` and `drydock run validate_design` as a user runs them: exit codes,
//! text and JSON output, positions in messages.

mod common;

use common::*;
use predicates::prelude::*;

#[test]
fn example_site_validates_clean() {
    drydock()
        .args(["validate", "-d"])
        .arg(example_site())
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "Site design passed validation (0 errors",
        ));
}

#[test]
fn json_output_has_drydock_status_shape() {
    let out = drydock()
        .arg("validate")
        .arg("-d")
        .arg(example_site())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v = stdout_json(&out);
    assert_eq!(v["kind"], "Status");
    assert_eq!(v["status"], "Success");
    assert_eq!(v["details"]["errorCount"], 0);
    let msgs = v["details"]["messageList"].as_array().unwrap();
    // One "Validation successful." per rule plus the offline platform warning.
    assert_eq!(msgs.len(), 21);
    for m in msgs {
        assert_eq!(m["kind"], "ValidationMessage");
        for key in [
            "name",
            "rule",
            "message",
            "error",
            "level",
            "diagnostic",
            "documents",
            "source",
        ] {
            assert!(m.get(key).is_some(), "message lacks {key}: {m}");
        }
    }
    let ok = msgs.iter().find(|m| m["rule"] == "mtu-rational").unwrap();
    assert_eq!(ok["name"], "DD2003");
    assert_eq!(ok["message"], "MTU Rationality: Validation successful.");
    assert_eq!(ok["level"], "Info");
}

#[test]
fn corrupted_copy_reports_rule_file_and_line() {
    let site = copy_of_example();
    let networks = site.path().join("networks.yaml");
    let line = edit(&networks, "  mtu: 9000\n", "  mtu: 70000\n");
    let out = drydock()
        .arg("validate")
        .arg("-d")
        .arg(site.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v = stdout_json(&out);
    assert_eq!(v["status"], "Failure");
    assert_eq!(v["message"], "Site design failed validation.");
    let errors: Vec<&serde_json::Value> = v["details"]["messageList"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["error"] == true)
        .collect();
    assert_eq!(v["details"]["errorCount"], errors.len());
    let mtu = errors
        .iter()
        .find(|m| m["rule"] == "mtu-rational")
        .expect("an MTU error");
    assert_eq!(
        mtu["message"],
        "MTU Rationality: MTU must be between 1280 and 65536, value is 70000"
    );
    assert_eq!(mtu["level"], "Error");
    let file = mtu["source"]["file"].as_str().unwrap();
    assert!(file.ends_with("networks.yaml"), "{file}");
    assert_eq!(mtu["source"]["line"], line, "the line of the mtu field");

    // The text form names the same place.
    drydock()
        .arg("validate")
        .arg("-d")
        .arg(site.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("DD2003 mtu-rational"))
        .stdout(predicate::str::contains("networks.yaml:"))
        .stdout(predicate::str::contains("Site design failed validation."));
}

#[test]
fn schema_error_names_document_and_exact_line() {
    let site = copy_of_example();
    let line = edit(&site.path().join("networks.yaml"), "vlan: '100'", "vlan: 100");
    let out = drydock()
        .arg("validate")
        .arg("-d")
        .arg(site.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = stdout_json(&out);
    let m = v["details"]["messageList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["rule"] == "schema" && m["error"] == true)
        .expect("a schema error")
        .clone();
    assert_eq!(m["name"], "DD001");
    assert_eq!(
        m["message"],
        "Network:v1 schema validation error: 100 is not of type 'string' (at vlan)"
    );
    assert_eq!(m["documents"][0]["schema"], "drydock/Network/v1");
    assert_eq!(m["documents"][0]["name"], "mgmt");
    assert_eq!(m["source"]["line"], line);
}

#[test]
fn yaml_syntax_error_exits_2_with_file_line_column() {
    let site = copy_of_example();
    let file = site.path().join("racks.yaml");
    let line = edit(&file, "location:", "location: [unclosed");
    let out = drydock()
        .arg("validate")
        .arg("-d")
        .arg(site.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("racks.yaml:"), "{err}");
    assert!(err.contains("YAML syntax error"), "{err}");
    let at: u32 = err
        .split("racks.yaml:")
        .nth(1)
        .unwrap()
        .split(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(at >= line, "error at line {at}, edit at {line}: {err}");
}

#[test]
fn unreadable_input_exits_2() {
    drydock()
        .args(["validate", "-d", "no/such/site"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such/site: cannot read"));
    let empty = tempfile::tempdir().unwrap();
    drydock()
        .arg("validate")
        .arg("-d")
        .arg(empty.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no *.yaml or *.yml files"));
    drydock()
        .arg("validate")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--design"));
}

#[test]
fn unknown_drydock_kind_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("site.yaml");
    std::fs::write(
        &file,
        "---\nschema: drydock/Switch/v1\nmetadata: {name: s1}\ndata: {}\n",
    )
    .unwrap();
    drydock()
        .arg("validate")
        .arg("-d")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "site.yaml:2: unknown document schema 'drydock/Switch/v1'",
        ));
}

#[test]
fn rule_selection() {
    let out = drydock()
        .arg("validate")
        .arg("-d")
        .arg(example_site())
        .args([
            "--rule",
            "cidr-validity",
            "--rule",
            "hostname-validity",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v = stdout_json(&out);
    let rules: Vec<&str> = v["details"]["messageList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["cidr-validity", "hostname-validity"]);
    drydock()
        .arg("validate")
        .arg("-d")
        .arg(example_site())
        .args(["--rule", "mtu-rationale"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown rule 'mtu-rationale'"))
        .stderr(predicate::str::contains("mtu-rational"))
        // A message for the user, not a script bug: no traceback.
        .stderr(predicate::str::contains("stack traceback").not());
}

#[test]
fn run_validate_design_accepts_drydock_action_names() {
    for action in ["validate_design", "ValidateDesign"] {
        drydock()
            .args(["run", action, "-d"])
            .arg(example_site())
            .args(["--format", "json"])
            .assert()
            .code(0)
            .stdout(predicate::str::contains("\"status\": \"Success\""));
    }
    drydock()
        .args(["run", "relabel_nodes", "-d"])
        .arg(example_site())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no action 'relabel_nodes'"));
}

#[test]
fn secrets_never_printed() {
    let secret = "changeme";
    let site = copy_of_example();
    // Make the credential invalid for its schema so it is the subject of a message.
    edit(
        &site.path().join("profiles.yaml"),
        "credential: changeme",
        "credential: [changeme]",
    );
    for args in [
        vec!["validate", "--format", "json"],
        vec!["validate"],
        vec!["design", "show", "--format", "json"],
    ] {
        let out = drydock().args(&args).arg("-d").arg(site.path()).output().unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains(secret), "{args:?} printed the credential:\n{all}");
    }
    let out = drydock()
        .args(["design", "show", "--format", "json", "-d"])
        .arg(example_site())
        .output()
        .unwrap();
    let v = stdout_json(&out);
    assert_eq!(v["baremetal_nodes"][0]["oob"]["credential"], "<redacted>");
}

#[test]
fn a_reader_that_stops_early_is_not_a_crash() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("drydock"))
        .args(["design", "show", "--format", "json", "-d"])
        .arg(example_site())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// The README's first command leaves `examples/site/.drydock/`: tests that copy the example
/// must not trip over it.
#[test]
fn copying_the_example_leaves_a_users_journal_behind() {
    let site = tempfile::tempdir().unwrap();
    copy_design_files(&example_site(), site.path());
    std::fs::create_dir_all(site.path().join(".drydock")).unwrap();
    std::fs::write(site.path().join(".drydock/journal.redb"), b"").unwrap();
    let copy = tempfile::tempdir().unwrap();
    copy_design_files(site.path(), copy.path());
    assert!(!copy.path().join(".drydock").exists());
    drydock()
        .arg("validate")
        .arg("-d")
        .arg(copy.path())
        .assert()
        .code(0);
}

/// `drydock validate -d PATH`, bounded in time: a FIFO must never make it wait.
fn validate_path(path: &std::path::Path) -> assert_cmd::assert::Assert {
    drydock()
        .arg("validate")
        .arg("-d")
        .arg(path)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
}

fn mkfifo(path: &std::path::Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(ok.success());
}

#[test]
fn a_dangling_symlink_in_a_design_directory_exits_2_naming_it() {
    let site = copy_of_example();
    let nodes = site.path().join("nodes-rack2.yaml");
    std::fs::remove_file(&nodes).unwrap();
    std::os::unix::fs::symlink(site.path().join("moved/nodes-rack2.yaml"), &nodes).unwrap();
    validate_path(site.path()).code(2).stderr(
        predicate::str::contains("nodes-rack2.yaml").and(predicate::str::contains("dangling symlink")),
    );
}

#[test]
fn fifos_sockets_and_devices_are_refused_without_blocking() {
    let site = copy_of_example();
    let fifo = site.path().join("zz-fifo.yaml");
    mkfifo(&fifo);
    validate_path(site.path())
        .code(2)
        .stderr(predicate::str::contains("zz-fifo.yaml").and(predicate::str::contains("is a FIFO")));
    // Given directly, too.
    validate_path(&fifo)
        .code(2)
        .stderr(predicate::str::contains("is a FIFO"));
    std::fs::remove_file(&fifo).unwrap();
    let socket = site.path().join("zz-socket.yml");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    validate_path(site.path())
        .code(2)
        .stderr(predicate::str::contains("zz-socket.yml").and(predicate::str::contains("is a socket")));
    validate_path(std::path::Path::new("/dev/zero"))
        .code(2)
        .stderr(predicate::str::contains("/dev/zero").and(predicate::str::contains("is a character device")));
    // Other files of a directory are not design files, whatever they are.
    std::fs::remove_file(&socket).unwrap();
    mkfifo(&site.path().join("notes.fifo"));
    validate_path(site.path()).code(0);
}

#[test]
fn design_files_are_read_up_to_a_limit() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.yaml");
    // Sparse: the size is what matters, and it is refused before anything is read.
    std::fs::File::create(&big)
        .unwrap()
        .set_len(drydock::design::ingest::MAX_FILE_BYTES + 1)
        .unwrap();
    validate_path(&big).code(2).stderr(
        predicate::str::contains("big.yaml")
            .and(predicate::str::contains("more than the 64 MiB"))
            .and(predicate::str::contains("split")),
    );
}

#[test]
fn design_show_counts_errors_as_validate_does() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("site.yaml");
    // A schema error, a dangling profile (two `references` errors) and rule errors.
    let text = std::fs::read_to_string(fixture("base.yaml"))
        .unwrap()
        .replacen("  host_profile: compute\n", "  host_profile: computer\n", 1)
        .replacen("  mtu: 1500\n", "  mtu: 70000\n", 1)
        .replacen("  vlan: '200'\n", "  vlan: [200]\n", 1);
    std::fs::write(&file, text).unwrap();
    let out = drydock()
        .args(["validate", "--format", "json", "-d"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let errors = stdout_json(&out)["details"]["errorCount"].as_u64().unwrap();
    assert!(errors >= 4, "{errors}");
    drydock()
        .args(["design", "show", "-d"])
        .arg(&file)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(format!(
            "the design has {errors} errors;"
        )));
}

#[test]
fn a_strategy_file_that_is_not_there_is_refused_before_anything_runs() {
    drydock()
        .args([
            "run",
            "deploy_site",
            "--sim",
            "--strategy",
            "no-such-strategy.yaml",
            "-d",
        ])
        .arg(example_site())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--strategy no-such-strategy.yaml: No such file",
        ));
}
