//! What a new operator sees: messages, logs, help, formats, completions and the man page.

mod common;

use common::*;
use predicates::prelude::*;

#[test]
fn a_configuration_error_is_the_message_alone() {
    drydock()
        .env_remove("DRYDOCK_MAAS_URL")
        .env_remove("DRYDOCK_MAAS_API_KEY")
        .args(["run", "verify_site", "-d"])
        .arg(example_site())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no MAAS URL: give --maas-url, DRYDOCK_MAAS_URL",
        ))
        .stderr(predicate::str::contains("stack traceback").not());
}

#[test]
fn script_results_print_the_same_on_every_run_with_empty_lists_as_lists() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("result.lua");
    std::fs::write(
        &script,
        "return { zeta = 1, alpha = {}, mid = { z = 1, y = 2, x = 3, w = 4, v = 5, u = 6 } }\n",
    )
    .unwrap();
    let expected = "{\n  \"alpha\": [],\n  \"mid\": {\n    \"u\": 6,\n    \"v\": 5,\n    \"w\": 4,\n    \"x\": 3,\n    \"y\": 2,\n    \"z\": 1\n  },\n  \"zeta\": 1\n}\n";
    for _ in 0..5 {
        let out = drydock()
            .args(["script", "--format", "json"])
            .arg(&script)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    }
}

#[test]
fn logs_in_a_pipe_have_no_colour_and_no_empty_fields() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("log.lua");
    std::fs::write(
        &script,
        "drydock.log.warn('plain')\ndrydock.log.warn('with', { n = 1 })\n",
    )
    .unwrap();
    let out = drydock().arg("script").arg(&script).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("plain") && err.contains(r#"fields="{\"n\":1}""#),
        "{err}"
    );
    assert!(!err.contains('\u{1b}'), "colour codes in a pipe: {err:?}");
    let plain = err.lines().find(|l| l.contains("plain")).unwrap();
    assert!(!plain.contains("fields"), "{plain}");
}

#[test]
fn verbosity_flags_choose_what_is_logged() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("log.lua");
    std::fs::write(
        &script,
        "drydock.log.info('informing')\ndrydock.log.warn('warning')\n",
    )
    .unwrap();
    let run = |flag: &[&str]| {
        let out = drydock().args(flag).arg("script").arg(&script).output().unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let default = run(&[]);
    assert!(
        default.contains("warning") && !default.contains("informing"),
        "{default}"
    );
    let verbose = run(&["-v"]);
    assert!(verbose.contains("informing"), "{verbose}");
    let quiet = run(&["-q"]);
    assert!(!quiet.contains("warning"), "{quiet}");
}

#[test]
fn help_separates_global_options_and_names_the_environment() {
    drydock()
        .args(["run", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Global options:"))
        .stdout(
            predicate::str::is_match(
                r"Options:\n(.|\n)*--node <NAME>(.|\n)*Global options:\n(.|\n)*--site-dir",
            )
            .unwrap(),
        );
    drydock()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("DRYDOCK_LOG"))
        .stdout(predicate::str::contains("NO_COLOR"));
}

#[test]
fn a_format_the_command_does_not_print_is_refused() {
    drydock()
        .args(["run", "validate_design", "--format", "yaml", "-d"])
        .arg(example_site())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("run prints text or json, not yaml"));
    drydock()
        .args(["design", "show", "--format", "text", "-d"])
        .arg(example_site())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "design show prints yaml or json, not text",
        ));
}

#[test]
fn scripts_prints_json_when_asked() {
    let out = drydock().args(["scripts", "--format", "json"]).output().unwrap();
    let json = stdout_json(&out);
    let validate = json
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "validate_design")
        .unwrap();
    assert_eq!(validate["kind"], "action");
    assert_eq!(validate["from"], "shipped");
    assert_eq!(validate["about"]["command"], "validate");
}

#[test]
fn design_show_node_prints_that_node_only() {
    let out = drydock()
        .args(["design", "show", "--format", "json", "--node", "cmp01", "-d"])
        .arg(example_site())
        .output()
        .unwrap();
    let json = stdout_json(&out);
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["baremetal_nodes"]);
    assert_eq!(json["baremetal_nodes"].as_array().unwrap().len(), 1);
}

#[test]
fn completions_and_the_man_page_come_from_the_cli_definition() {
    drydock()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("_drydock()").and(predicate::str::contains("--node-filter")));
    drydock()
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH drydock 1").and(predicate::str::contains("completions")));
}

const SOME_KEY: &str = "aaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbb:cccccccccccccccccccccccccccccccc";

#[test]
fn an_unreachable_maas_is_retried_in_view_and_given_up_within_the_printed_bound() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = std::time::Instant::now();
    let out = drydock()
        .env("DRYDOCK_MAAS_URL", format!("http://127.0.0.1:{port}/MAAS"))
        .env("DRYDOCK_MAAS_API_KEY", SOME_KEY)
        .args(["--maas-retry-deadline", "2", "run", "verify_site", "-d"])
        .arg(example_site())
        .output()
        .unwrap();
    let took = started.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{err}");
    assert!(
        stdout.contains("FAIL maas reachable") && stdout.contains("Connection refused"),
        "{stdout}"
    );
    let retries: Vec<&str> = err.lines().filter(|l| l.contains("retrying in")).collect();
    assert!(!retries.is_empty(), "retries are shown as they happen: {err}");
    assert!(
        retries.iter().all(|l| l.contains("giving up 2s after the first")),
        "{err}"
    );
    assert!(
        took < std::time::Duration::from_secs(6),
        "took {took:?} with a 2 s bound"
    );
}

#[test]
fn a_maas_url_that_can_never_work_fails_at_once() {
    let started = std::time::Instant::now();
    drydock()
        .env("DRYDOCK_MAAS_URL", "maas.example.com:5240")
        .env("DRYDOCK_MAAS_API_KEY", SOME_KEY)
        .args(["run", "verify_site", "-d"])
        .arg(example_site())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "MAAS URL \"maas.example.com:5240\" is not an http:// or https:// URL with a host",
        ))
        .stderr(predicate::str::contains("retrying").not());
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn with_format_json_a_failure_is_a_json_document_too() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "schema: drydock/Network/v1\nmetadata: [unclosed\n").unwrap();
    let out = drydock()
        .args(["validate", "--format", "json", "-d"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let json = stdout_json(&out);
    assert_eq!(json["error"]["kind"], "design");
    assert!(
        json["error"]["message"].as_str().unwrap().contains("bad.yaml:"),
        "{json}"
    );
    // An error from the command line itself is described too.
    let out = drydock()
        .args([
            "run",
            "validate_design",
            "--format",
            "json",
            "--node-filter",
            "[]",
            "-d",
        ])
        .arg(example_site())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout_json(&out)["error"]["kind"], "usage");
}

/// `-vv` shows drydock's debugging detail, not its dependencies' (HTTP, TLS, ...).
#[test]
fn debug_detail_is_drydocks_own() {
    let site = drydock::design::load(&[example_site()]).unwrap();
    let sim = drydock::sim::Sim::start(drydock::sim::SimOptions::default(), Some(&site)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("call.lua");
    std::fs::write(
        &script,
        "drydock.log.debug('mine')\nreturn drydock.maas.connect():version().version\n",
    )
    .unwrap();
    let out = drydock()
        .env("DRYDOCK_MAAS_URL", sim.url())
        .env("DRYDOCK_MAAS_API_KEY", sim.key().expose())
        .args(["-vv", "script"])
        .arg(&script)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("mine"), "drydock's debug lines are shown: {err}");
    let foreign: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("DEBUG") && !l.contains(" drydock"))
        .collect();
    assert!(foreign.is_empty(), "other crates' debug lines: {foreign:?}");
}

/// `design show --format json` for a program is compact (one line) and is the effective
/// design whole, written a document at a time.
#[test]
fn design_show_json_is_compact_for_a_program_and_the_whole_design() {
    let out = drydock()
        .args(["design", "show", "--format", "json", "-d"])
        .arg(example_site())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "compact: one line");
    let shown: serde_json::Value = serde_json::from_str(&text).unwrap();
    let site = drydock::design::load(&[example_site()]).unwrap();
    assert_eq!(shown, site.to_json(None));
    assert_eq!(shown["baremetal_nodes"].as_array().unwrap().len(), 9);
}
