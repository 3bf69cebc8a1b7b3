//! `drydock repl --sim` in a real pseudo-terminal, typed at as a person would: MAAS calls on
//! the embedded simulator, Tab completion, errors with their MAAS details, multi-line
//! entries, Ctrl-C, `.exit`, and the history file it leaves.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rexpect::session::{Options, PtySession, spawn_with_options};

/// Per expectation: generous, so a slow CI machine (and the first MAAS call) is not a
/// failure.
const TIMEOUT_MS: u64 = 10_000;

fn start(history: &Path) -> PtySession {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("drydock"));
    cmd.args(["repl", "--sim", "--enlisted", "-d"])
        .arg(common::example_site())
        .env("DRYDOCK_REPL_HISTORY", history)
        .env("TERM", "xterm")
        .env_remove("DRYDOCK_SITE_DIR")
        .env_remove("DRYDOCK_LOG");
    let options = Options::new()
        .timeout_ms(Some(TIMEOUT_MS))
        .strip_ansi_escape_codes(true);
    spawn_with_options(cmd, options).unwrap_or_else(|e| {
        panic!("cannot start drydock repl in a pseudo-terminal (is /dev/ptmx usable here?): {e}")
    })
}

/// Waits for `text` in the output, failing with what came instead.
fn expect(s: &mut PtySession, text: &str) {
    if let Err(e) = s.exp_string(text) {
        panic!("expected {text:?} from the REPL: {e}");
    }
}

/// Waits for a line holding only `text` (an entry's printed result).
fn expect_line(s: &mut PtySession, text: &str) {
    if let Err(e) = s.exp_regex(&format!(r"\n{}\r?\n", regex::escape(text))) {
        panic!("expected a line {text:?} from the REPL: {e}");
    }
}

fn send(s: &mut PtySession, keys: &str) {
    s.send(keys).expect("write to the pty");
    s.flush().expect("flush the pty");
}

/// Types `line` and Enter at the next prompt.
fn entry(s: &mut PtySession, line: &str) {
    expect(s, "> ");
    send(s, line);
    send(s, "\r");
}

#[test]
fn a_session_on_the_simulator() {
    let history = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("repl_history-{}", ulid::Ulid::new()));
    let mut s = start(&history);
    expect(&mut s, "design: 9 nodes from");
    expect(&mut s, "maas: connected to http://127.0.0.1:");
    expect(&mut s, "(embedded simulator)");

    // A unique name completes at once; Ctrl-C clears the line.
    expect(&mut s, "> ");
    send(&mut s, "drydock.maas.con\t");
    expect(&mut s, "drydock.maas.connect");
    s.send_control('c').expect("send Ctrl-C");

    // An ambiguous one completes to the common prefix, a second Tab lists the choices.
    expect(&mut s, "> ");
    send(&mut s, "maas:machi\t");
    expect(&mut s, "maas:machine");
    send(&mut s, "\t");
    expect(&mut s, "machines");
    send(&mut s, "s()\r");
    expect(&mut s, "hostname  system_id  status  power");
    expect(&mut s, "cmp01");

    // A failing call shows MAAS's status and the path, and the REPL goes on.
    entry(&mut s, r#"maas:machine("nope")"#);
    expect(&mut s, "error: MAAS GET machines/nope/: HTTP 404");
    expect(&mut s, "status     404");
    expect(&mut s, "path       machines/nope/");
    entry(&mut s, "1+1");
    expect_line(&mut s, "2");

    // An unfinished entry continues on the next line.
    entry(&mut s, "function f()");
    expect(&mut s, ">> ");
    send(&mut s, "return 3\r");
    expect(&mut s, ">> ");
    send(&mut s, "end\r");
    entry(&mut s, "f()");
    expect_line(&mut s, "3");

    // Ctrl-C cancels a call that is waiting, and the prompt comes back. The pause lets the
    // terminal leave raw mode, where Ctrl-C would be a key for the line editor.
    entry(&mut s, "drydock.sleep(60)");
    std::thread::sleep(Duration::from_secs(1));
    s.send_control('c').expect("send Ctrl-C");
    expect(&mut s, "interrupted");
    entry(&mut s, "_ + 40");
    expect_line(&mut s, "43");

    entry(&mut s, ".exit");
    if let Err(e) = s.exp_eof() {
        panic!("the REPL did not end on .exit: {e}");
    }

    let saved = std::fs::read_to_string(&history)
        .unwrap_or_else(|e| panic!("history file {}: {e}", history.display()));
    for line in [
        "maas:machines()",
        r#"maas:machine("nope")"#,
        "1+1",
        // A multi-line entry is one item, its line breaks escaped.
        r"function f()\nreturn 3\nend",
        "f()",
        "drydock.sleep(60)",
        ".exit",
    ] {
        assert!(
            saved.lines().any(|l| l == line),
            "history lacks {line:?}:\n{saved}"
        );
    }
}
