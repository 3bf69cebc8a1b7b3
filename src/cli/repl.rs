//! `drydock repl`: an interactive Lua prompt with the full `drydock` API, for debugging a
//! live MAAS (or the embedded simulator with `--sim`). `maas` is the connected client and
//! `design` the design given with `-d`. Entries run as async Lua on the runtime's executor,
//! so MAAS calls and `drydock.sleep` are awaited where they are written; Ctrl-C cancels the
//! running entry and the prompt comes back.

mod complete;
mod show;

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;
use mlua::chunk::ChunkMode;
use mlua::{HookTriggers, Lua, MultiValue, Value, VmState};
use rustyline::completion::Completer;
use rustyline::config::{BellStyle, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Editor, Helper};

use super::{Global, Outcome};
use crate::action::Environment;
use crate::runtime::bindings::Design;
use crate::runtime::errors::{self, ErrorKind};
use crate::runtime::{ErrorInfo, Runtime};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Design file or directory, loaded as the global `design`; repeatable
    #[arg(short = 'd', long = "design", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Start a simulated MAAS serving the design's machines (needs -d) and connect `maas` to
    #[command(flatten)]
    pub sim: super::run::SimArgs,
}

const PROMPT: &str = "> ";
/// Shown while an entry is unfinished (an open `function`, `{`, `(`, ...).
const CONTINUE: &str = ">> ";
/// Lines kept in the history file.
const HISTORY_SIZE: usize = 1000;
/// Chunk name of entries: errors read `stdin:1: ...`, as in the `lua` interpreter.
const CHUNK_NAME: &str = "=stdin";

pub fn run(args: &Args, global: &Global) -> anyhow::Result<Outcome> {
    let design = match args.paths.as_slice() {
        [] => None,
        paths => Some(crate::design::load(paths)?),
    };
    // The environment (and a simulator it started) lives until this function returns.
    let env = Environment::new(
        global.site_dir.clone(),
        super::run::connection(&args.sim, global)?,
        design.as_ref(),
        false,
    )?;
    let runtime = &env.runtime;
    // The REPL owns the terminal's input, so a manual node cannot be confirmed here.
    let mut oob = global.oob.settings(false)?;
    env.add_bmc_map(&mut oob.bmc_map);
    runtime.set_oob(std::sync::Arc::new(oob));
    let lua = runtime.lua();
    say(&format!(
        "drydock {} REPL: Lua 5.4 with the drydock API. .help for help; .exit or Ctrl-D to leave.",
        env!("CARGO_PKG_VERSION")
    ));
    if let Some(site) = design {
        let paths: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        say(&format!(
            "design: {} nodes from {}",
            site.nodes.len(),
            paths.join(" ")
        ));
        let site = Design(Rc::new(site));
        lua.set_app_data(crate::runtime::bindings::oob::CurrentDesign(site.clone()));
        lua.globals().set("design", site)?;
    }
    connect_maas(lua, env.maas_url.as_deref(), env.simulated());
    let interrupt = Interrupt::new(lua)?;
    interrupt.on_ctrl_c()?;

    let history = history_file(|name| std::env::var_os(name));
    let mut editor = line_editor(lua, history.as_deref())?;
    let session = read_eval_print(runtime, &mut editor, &interrupt);
    if let Some(file) = &history
        && let Err(e) = save_history(&mut editor, file)
    {
        complain(&format!("history {}: not saved: {e}", file.display()));
    }
    session.map(|()| Outcome::Clean)
}

/// The line editor: Emacs keys, bash-like completion (the common prefix, then a second Tab
/// lists the choices), the history read from `history`.
fn line_editor(lua: &Lua, history: Option<&Path>) -> anyhow::Result<Editor<LuaHelper, DefaultHistory>> {
    let config = Config::builder()
        .max_history_size(HISTORY_SIZE)?
        .history_ignore_space(true)
        .completion_type(CompletionType::List)
        .bell_style(BellStyle::None)
        .build();
    let mut editor = Editor::with_config(config)?;
    editor.set_helper(Some(LuaHelper(lua.clone())));
    if let Some(file) = history {
        match editor.load_history(file) {
            Err(ReadlineError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => complain(&format!("history {}: {e}; starting without it", file.display())),
            Ok(()) => {}
        }
    }
    Ok(editor)
}

/// Binds `maas` to `drydock.maas.connect()` when a MAAS is configured, and says which one
/// (its URL; the key is never shown).
fn connect_maas(lua: &Lua, url: Option<&str>, simulated: bool) {
    let Some(url) = url else {
        say(
            "maas: none configured (--maas-url with --maas-api-key-file or DRYDOCK_MAAS_API_KEY, \
             or --sim -d PATH)",
        );
        return;
    };
    match lua
        .load("maas = drydock.maas.connect()")
        .set_name(CHUNK_NAME)
        .exec()
    {
        Ok(()) if simulated => say(&format!("maas: connected to {url} (embedded simulator)")),
        Ok(()) => say(&format!("maas: connected to {url}")),
        Err(e) => complain(&format!("maas: not connected: {}", errors::describe(&e).message)),
    }
}

/// Reads entries until Ctrl-D or `.exit`, evaluating each and printing what it returns.
fn read_eval_print(
    runtime: &Runtime,
    editor: &mut Editor<LuaHelper, DefaultHistory>,
    interrupt: &Interrupt,
) -> anyhow::Result<()> {
    let lua = runtime.lua();
    let mut entry = String::new();
    loop {
        let prompt = if entry.is_empty() { PROMPT } else { CONTINUE };
        let line = match editor.readline(prompt) {
            Ok(line) => line,
            // Ctrl-C drops what was typed, an unfinished entry included.
            Err(ReadlineError::Interrupted) => {
                entry.clear();
                continue;
            }
            Err(ReadlineError::Eof) => return Ok(()),
            Err(e) => return Err(e).context("cannot read the terminal"),
        };
        if entry.is_empty() {
            let command = line.trim();
            if command.is_empty() {
                continue;
            }
            if is_dot_command(command) {
                let _ = editor.add_history_entry(command);
                match command {
                    ".exit" => return Ok(()),
                    ".help" => say(&help(lua)),
                    other => complain(&format!("unknown command {other}: .help lists them")),
                }
                continue;
            }
        } else {
            entry.push('\n');
        }
        entry.push_str(&line);
        if incomplete(lua, &entry) {
            continue;
        }
        let code = std::mem::take(&mut entry);
        // A multi-line entry is one history item, recalled whole.
        let _ = editor.add_history_entry(code.as_str());
        match interrupt.run(runtime, &code) {
            Some(Ok(values)) => {
                let values: Vec<Value> = values.into_iter().collect();
                if let Some(first) = values.first() {
                    say(&show::values(&values));
                    let _ = lua.globals().raw_set("_", first.clone());
                }
            }
            Some(Err(e)) => complain(&show::error(&e)),
            // After the terminal's own `^C`.
            None => complain("\ninterrupted"),
        }
    }
}

/// `.help`, `.exit`: a dot and a word (`.5` is Lua).
fn is_dot_command(line: &str) -> bool {
    line.strip_prefix('.')
        .is_some_and(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphabetic()))
}

/// Whether `code` is the start of a chunk that more lines could finish (an open
/// `function`, `do`, `{`, `(` or long string): Lua's parser then stops at `<eof>`.
/// Like the `lua` interpreter, an entry that reads as an expression is complete.
fn incomplete(lua: &Lua, code: &str) -> bool {
    let compile = |src: &str| lua.load(src).set_mode(ChunkMode::Text).into_function();
    if compile(&format!("return {code}")).is_ok() {
        return false;
    }
    matches!(
        compile(code),
        Err(mlua::Error::SyntaxError {
            incomplete_input: true,
            ..
        })
    )
}

/// The dot-commands, the globals and the `drydock` modules, read from the live API.
fn help(lua: &Lua) -> String {
    let mut modules = Vec::new();
    let mut functions = Vec::new();
    let mut values = Vec::new();
    for (name, value) in complete::members_of_global(lua, "drydock") {
        match value {
            Value::Table(_) => modules.push(name),
            Value::Function(_) => functions.push(name),
            _ => values.push(name),
        }
    }
    for list in [&mut modules, &mut functions, &mut values] {
        list.sort();
    }
    [
        "commands:",
        "  .help    this text",
        "  .exit    leave (so does Ctrl-D); the history is saved",
        "globals:",
        "  drydock  the API (also require(\"drydock\"))",
        "  maas     the MAAS client, when one is configured or with --sim",
        "  design   the design given with -d",
        "  _        the first value the last entry returned",
        &format!("drydock modules:   {}", modules.join(", ")),
        &format!("drydock functions: {}", functions.join(", ")),
        &format!("drydock values:    {}", values.join(", ")),
        "Tab completes names, fields and methods (drydock.maas.<Tab>, maas:<Tab>, _.<Tab>).",
        "An unfinished entry (function ... end, an open {) continues on the next line.",
        "Ctrl-C cancels a running entry. A line starting with a space is not kept in the history.",
    ]
    .join("\n")
}

/// Ctrl-C while an entry runs. The terminal is out of raw mode then, so Ctrl-C is a
/// signal: a watcher thread takes it and triggers this, which sets `hit` for a Lua hook
/// that stops code that never yields (`while true do end`) and bumps `count`, which
/// cancels an entry waiting on I/O (a MAAS call). At the prompt the line editor reads
/// Ctrl-C as a key instead.
#[derive(Clone)]
struct Interrupt {
    hit: Arc<AtomicBool>,
    count: tokio::sync::watch::Sender<u64>,
}

impl Interrupt {
    /// Installs the hook in `lua`.
    fn new(lua: &Lua) -> mlua::Result<Interrupt> {
        let hit = Arc::new(AtomicBool::new(false));
        let (count, _) = tokio::sync::watch::channel(0);
        let stop = hit.clone();
        lua.set_global_hook(HookTriggers::new().every_nth_instruction(1000), move |_, _| {
            if stop.load(Ordering::Relaxed) {
                Err(mlua::Error::external(ErrorInfo::of_kind(
                    ErrorKind::Cancelled,
                    "interrupted (Ctrl-C)",
                )))
            } else {
                Ok(VmState::Continue)
            }
        })?;
        Ok(Interrupt { hit, count })
    }

    /// From now on Ctrl-C interrupts the running entry instead of ending the process.
    fn on_ctrl_c(&self) -> anyhow::Result<()> {
        use tokio::signal::unix::{SignalKind, signal};
        let watcher = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        // Registered here rather than in the thread, so no Ctrl-C is missed in between.
        let mut sigint = {
            let _context = watcher.enter();
            signal(SignalKind::interrupt()).context("cannot watch for Ctrl-C")?
        };
        let interrupt = self.clone();
        std::thread::Builder::new()
            .name("repl-ctrl-c".into())
            .spawn(move || {
                watcher.block_on(async move {
                    while sigint.recv().await.is_some() {
                        interrupt.trigger();
                    }
                })
            })?;
        Ok(())
    }

    fn trigger(&self) {
        self.hit.store(true, Ordering::SeqCst);
        self.count.send_modify(|n| *n += 1);
    }

    /// Evaluates `code` (as an expression first, so `1+1` returns 2) until it returns or
    /// Ctrl-C cancels it (`None`).
    fn run(&self, runtime: &Runtime, code: &str) -> Option<mlua::Result<MultiValue>> {
        self.hit.store(false, Ordering::SeqCst);
        let mut cancelled = self.count.subscribe();
        let entry = runtime
            .lua()
            .load(code)
            .set_name(CHUNK_NAME)
            .set_mode(ChunkMode::Text)
            .eval_async::<MultiValue>();
        let outcome = runtime.block_on(async {
            tokio::select! {
                values = entry => Some(values),
                _ = cancelled.changed() => None,
            }
        });
        // The hook's error, or what a script that caught it (pcall) did next: either way,
        // the entry was interrupted.
        outcome.filter(|_| !self.hit.load(Ordering::SeqCst))
    }
}

/// rustyline's hooks: completion from the live Lua state; no hints, colours or validation
/// (unfinished entries are handled by the loop, with their own prompt).
struct LuaHelper(Lua);

impl Completer for LuaHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(match complete::target(line, pos) {
            Some(target) => (target.start, complete::candidates(&self.0, &target)),
            None => (pos, Vec::new()),
        })
    }
}

impl Hinter for LuaHelper {
    type Hint = String;
}

impl Highlighter for LuaHelper {}

impl Validator for LuaHelper {}

impl Helper for LuaHelper {}

/// `DRYDOCK_REPL_HISTORY`, else `$XDG_STATE_HOME/drydock/repl_history`, else
/// `~/.local/state/drydock/repl_history`; none without a home. `var` reads the environment.
fn history_file(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let var = |name| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(file) = var("DRYDOCK_REPL_HISTORY") {
        return Some(file);
    }
    let state = var("XDG_STATE_HOME")
        .filter(|dir| dir.is_absolute())
        .or_else(|| var("HOME").map(|home| home.join(".local/state")))?;
    Some(state.join("drydock/repl_history"))
}

fn save_history(editor: &mut Editor<LuaHelper, DefaultHistory>, file: &Path) -> anyhow::Result<()> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    // rustyline makes the file readable by its owner only: entries may hold secrets.
    editor.save_history(file)?;
    Ok(())
}

/// Results and notices go to stdout; a closed stdout is no reason to stop.
fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}").and_then(|()| out.flush());
}

/// Errors go to stderr.
fn complain(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfinished_chunks_ask_for_more_lines() {
        let lua = Lua::new();
        for code in [
            "function f()",
            "function f()\n  return 3",
            "for i = 1, 3 do",
            "t = {",
            "print(1,",
            "s = [[long",
            "if x then",
        ] {
            assert!(incomplete(&lua, code), "{code:?} should continue");
        }
        for code in [
            "function f()\n  return 3\nend",
            "1 + 1",
            "f()",
            "x = 1",
            // Errors are complete: evaluating them shows the syntax error.
            "x = = 1",
            "end",
            "1 +",
        ] {
            assert!(!incomplete(&lua, code), "{code:?} should be evaluated");
        }
    }

    #[test]
    fn dot_commands_are_a_dot_and_a_word() {
        assert!(is_dot_command(".exit") && is_dot_command(".help") && is_dot_command(".nope"));
        assert!(!is_dot_command(".5 + 1") && !is_dot_command(".") && !is_dot_command("x.y"));
    }

    #[test]
    fn history_goes_to_the_state_directory_unless_told() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        assert_eq!(
            history_file(env(&[("DRYDOCK_REPL_HISTORY", "/tmp/h"), ("HOME", "/home/u")])),
            Some(PathBuf::from("/tmp/h"))
        );
        assert_eq!(
            history_file(env(&[("XDG_STATE_HOME", "/state"), ("HOME", "/home/u")])),
            Some(PathBuf::from("/state/drydock/repl_history"))
        );
        assert_eq!(
            history_file(env(&[("XDG_STATE_HOME", "relative"), ("HOME", "/home/u")])),
            Some(PathBuf::from("/home/u/.local/state/drydock/repl_history"))
        );
        assert_eq!(history_file(env(&[])), None);
    }

    #[test]
    fn entries_are_evaluated_with_async_bindings_awaited() {
        let runtime = Runtime::new(None).unwrap();
        let interrupt = Interrupt::new(runtime.lua()).unwrap();
        let values = interrupt
            .run(&runtime, "drydock.sleep(0.01) return 1 + 1, 'two'")
            .unwrap()
            .unwrap();
        assert_eq!(
            show::values(&values.into_iter().collect::<Vec<_>>()),
            "2\t\"two\""
        );
        let values = interrupt.run(&runtime, "1 + 1").unwrap().unwrap();
        assert_eq!(values.into_iter().collect::<Vec<_>>(), [Value::Integer(2)]);
        let err = interrupt.run(&runtime, "error('boom')").unwrap().unwrap_err();
        assert!(
            show::error(&err).starts_with("error: stdin:1: boom"),
            "{}",
            show::error(&err)
        );
    }

    #[test]
    fn an_interrupt_stops_waiting_and_looping_entries() {
        let runtime = Runtime::new(None).unwrap();
        let interrupt = Interrupt::new(runtime.lua()).unwrap();
        for code in [
            "drydock.sleep(60)",
            "while true do end",
            "pcall(function() while true do end end) return 1",
        ] {
            let later = interrupt.clone();
            let ctrl_c = std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(100));
                later.trigger();
            });
            assert!(
                interrupt.run(&runtime, code).is_none(),
                "{code} was not interrupted"
            );
            ctrl_c.join().unwrap();
        }
        // The next entry runs as usual.
        let values = interrupt.run(&runtime, "40 + 2").unwrap().unwrap();
        assert_eq!(values.into_iter().collect::<Vec<_>>(), [Value::Integer(42)]);
    }
}
