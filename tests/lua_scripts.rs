//! Script tests are scripts: each `tests/lua/<name>.lua` runs under `drydock script` with
//! plain `assert`s. Also how script failures are reported.

mod common;

use common::*;
use predicates::prelude::*;

fn run_lua(name: &str) {
    let out = drydock()
        .arg("script")
        .arg(repo().join("tests/lua").join(name))
        .arg(fixture("base.yaml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tests/lua/{name} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn design_api() {
    run_lua("design_api.lua");
}

#[test]
fn phases() {
    run_lua("phases.lua");
}

#[test]
fn waiting() {
    run_lua("waiting.lua");
}

#[test]
fn sandbox() {
    run_lua("sandbox.lua");
}

#[test]
fn task_api() {
    // The script's asserts pass (no exit 2); it failed one step on purpose, so the task's
    // result is Failure (exit 1).
    drydock()
        .arg("script")
        .arg(repo().join("tests/lua/tasks/api.lua"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"runs\": 1"));
}

#[test]
fn script_result_is_printed_as_json() {
    drydock()
        .arg("script")
        .arg(repo().join("tests/lua/design_api.lua"))
        .arg(fixture("base.yaml"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"checked\": 2"));
}

#[test]
fn errors_carry_script_position_and_clean_traceback() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fail.lua");
    std::fs::write(&file, "local function inner()\n  error('boom')\nend\ninner()\n").unwrap();
    let out = drydock().arg("script").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("fail.lua:2: boom"), "{err}");
    assert!(
        err.contains("stack traceback:") && err.contains("fail.lua:4: in main chunk"),
        "{err}"
    );
    assert!(!err.contains("[C]"), "{err}");

    // A Rust error raised inside a binding keeps the script position in its traceback.
    std::fs::write(&file, "\nlocal d = drydock.design.load('no/such/dir')\n").unwrap();
    let out = drydock().arg("script").arg(&file).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("no/such/dir: cannot read"), "{err}");
    assert!(err.contains("fail.lua:2"), "{err}");

    std::fs::write(&file, "x = = 1\n").unwrap();
    drydock()
        .arg("script")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("fail.lua:1:"));
}
