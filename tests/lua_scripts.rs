//! Script tests are scripts: every `*.lua` under `tests/lua/` (at any depth) is one test, run
//! under `drydock script` with plain `assert`s, so a new script needs no Rust. What a script
//! needs beyond that it says in `-- test:` lines of its leading comment:
//!
//! ```lua
//! -- test: args = tests/fixtures/base.yaml; exit = 1; stdout = "runs": 1
//! -- test: sim = tests/fixtures/base.yaml
//! ```
//!
//! * `args`: the script's arguments, separated by spaces; relative paths are from the
//!   repository root;
//! * `exit`: the exit code expected (default 0: the script's task succeeded);
//! * `stdout`: text the output must contain (the script's result, printed as JSON); repeatable;
//! * `sim`: a design to start a MAAS simulator on; the script reaches it through
//!   `drydock.maas.connect()`;
//! * `sim_speed`: how much faster than real its machines commission and deploy (default 1).
//!
//! Also here: how `drydock script` reports failures, and proof that the runner fails a failing
//! script and finds every file.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use drydock::sim::{Sim, SimOptions};
use libtest_mimic::{Arguments, Failed, Trial};
use predicates::prelude::*;

fn main() {
    let args = Arguments::from_args();
    let root = repo().join("tests/lua");
    let mut trials: Vec<Trial> = discover(&root)
        .into_iter()
        .map(|path| {
            let name = relative(&path, &root);
            Trial::test(name, move || run_script(&path))
        })
        .collect();
    trials.push(Trial::test(
        "runner::a_failing_script_fails_and_every_file_is_found",
        runner_fails_failing_scripts_and_finds_every_file,
    ));
    trials.push(Trial::test(
        "errors_carry_script_position_and_clean_traceback",
        errors_carry_script_position_and_clean_traceback,
    ));
    libtest_mimic::run(&args, trials).exit();
}

/// Every `*.lua` file under `dir`, at any depth, sorted.
fn discover(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "lua") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

/// What a script's `-- test:` lines ask for.
#[derive(Debug, Default, PartialEq)]
struct Spec {
    args: Vec<String>,
    exit: i32,
    stdout: Vec<String>,
    sim: Option<String>,
    sim_speed: Option<f64>,
}

/// Reads the `-- test:` lines of the leading comment; an unknown key or a bad value is an
/// error, so a misspelt requirement cannot pass unnoticed.
fn spec(text: &str) -> Result<Spec, String> {
    let mut spec = Spec::default();
    let header = text.lines().take_while(|l| l.starts_with("--"));
    for line in header.filter_map(|l| l.strip_prefix("-- test:")) {
        for item in line.split(';').map(str::trim).filter(|i| !i.is_empty()) {
            let (key, value) = item
                .split_once('=')
                .map(|(k, v)| (k.trim(), v.trim()))
                .ok_or_else(|| format!("`-- test: {item}`: expected key = value"))?;
            match key {
                "args" => spec.args.extend(value.split_whitespace().map(String::from)),
                "exit" => {
                    spec.exit = value
                        .parse()
                        .map_err(|_| format!("`-- test: exit = {value}`: not an exit code"))?
                }
                "stdout" => spec.stdout.push(value.to_string()),
                "sim" => spec.sim = Some(value.to_string()),
                "sim_speed" => {
                    spec.sim_speed = Some(
                        value
                            .parse()
                            .map_err(|_| format!("`-- test: sim_speed = {value}`: not a number"))?,
                    )
                }
                _ => {
                    return Err(format!(
                        "`-- test: {key} = …`: unknown key (args, exit, stdout, sim, sim_speed)"
                    ));
                }
            }
        }
    }
    Ok(spec)
}

/// Runs one script as its `-- test:` lines ask; the error names the file and shows the output.
fn run_script(path: &Path) -> Result<(), Failed> {
    let shown = relative(path, &repo());
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read it: {e}"))?;
    let spec = spec(&text).map_err(|e| format!("{shown}: {e}"))?;
    let from_repo = |p: &str| repo().join(p);

    let mut cmd = drydock();
    // Started first and kept until the script ends.
    let _sim = match &spec.sim {
        Some(design) => {
            let site = drydock::design::load(&[from_repo(design)])
                .map_err(|e| format!("{shown}: sim design {design}: {e}"))?;
            // The scripts work on a region whose machines have enlisted already.
            let defaults = SimOptions::default();
            let options = SimOptions {
                enlisted: true,
                speed: spec.sim_speed.unwrap_or(defaults.speed),
                ..defaults
            };
            let sim = Sim::start(options, Some(&site))
                .map_err(|e| format!("{shown}: cannot start the simulator: {e}"))?;
            cmd.env("DRYDOCK_MAAS_URL", sim.url())
                .env("DRYDOCK_MAAS_API_KEY", sim.key().expose());
            Some(sim)
        }
        None => None,
    };
    cmd.arg("script").arg(path);
    for arg in &spec.args {
        let in_repo = from_repo(arg);
        if in_repo.exists() {
            cmd.arg(in_repo);
        } else {
            cmd.arg(arg);
        }
    }
    let out = cmd
        .output()
        .map_err(|e| format!("{shown}: cannot run drydock: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    if out.status.code() != Some(spec.exit) {
        problems.push(format!(
            "exited with {}, expected {}",
            out.status
                .code()
                .map_or("a signal".to_string(), |c| c.to_string()),
            spec.exit
        ));
    }
    for want in &spec.stdout {
        if !stdout.contains(want.as_str()) {
            problems.push(format!("stdout lacks {want:?}"));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{shown}: {}\n--- stdout\n{stdout}--- stderr\n{stderr}",
        problems.join("; ")
    )
    .into())
}

/// The runner on a directory of its own: a nested failing script fails naming its file, a
/// passing one passes, a broken `-- test:` line fails, and only `*.lua` files are found.
fn runner_fails_failing_scripts_and_finds_every_file() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write");
    };
    write("ok.lua", "-- test: stdout = \"n\": 1\nreturn { n = 1 }\n");
    write("a/b/fails.lua", "assert(1 == 2, 'deliberately')\n");
    write("a/exit.lua", "-- test: exit = 1\nreturn 0\n");
    write("a/typo.lua", "-- test: exits = 1\n");
    write("a/notes.txt", "not a script\n");

    let found = discover(dir.path());
    let names: Vec<String> = found.iter().map(|p| relative(p, dir.path())).collect();
    assert_eq!(names, ["a/b/fails.lua", "a/exit.lua", "a/typo.lua", "ok.lua"]);
    let failure = |name: &str| {
        let path = dir.path().join(name);
        run_script(&path)
            .err()
            .and_then(|f| f.message().map(String::from))
            .unwrap_or_else(|| panic!("{name} passed"))
    };
    run_script(&dir.path().join("ok.lua"))?;
    let fails = failure("a/b/fails.lua");
    assert!(
        fails.contains("a/b/fails.lua: exited with 2, expected 0") && fails.contains("deliberately"),
        "{fails}"
    );
    assert!(
        failure("a/exit.lua").contains("exited with 0, expected 1"),
        "an unexpected success fails too"
    );
    assert!(failure("a/typo.lua").contains("`-- test: exits = …`: unknown key"));
    Ok(())
}

fn errors_carry_script_position_and_clean_traceback() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("fail.lua");
    std::fs::write(&file, "local function inner()\n  error('boom')\nend\ninner()\n")?;
    let out = drydock().arg("script").arg(&file).output()?;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("fail.lua:2: boom"), "{err}");
    assert!(
        err.contains("stack traceback:") && err.contains("fail.lua:4: in main chunk"),
        "{err}"
    );
    assert!(!err.contains("[C]"), "{err}");

    // A Rust error raised inside a binding keeps the script position in its traceback.
    std::fs::write(&file, "\nlocal d = drydock.design.load('no/such/dir')\n")?;
    let out = drydock().arg("script").arg(&file).output()?;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("no/such/dir: cannot read"), "{err}");
    assert!(err.contains("fail.lua:2"), "{err}");

    std::fs::write(&file, "x = = 1\n")?;
    drydock()
        .arg("script")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("fail.lua:1:"));
    Ok(())
}
