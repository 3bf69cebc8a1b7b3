//! The Lua host: one Lua 5.4 state with the `drydock` API, a module loader that prefers the
//! site directory over the shipped scripts, and a current-thread async runtime so bindings
//! that do I/O can be awaited from scripts as plain calls.

pub mod bindings;
pub mod bootaction_reports;
mod env;
pub mod errors;
pub mod loader;
pub mod progress;
pub mod selene_std;
mod site_rules;

use std::path::PathBuf;

use mlua::chunk::ChunkMode;
use mlua::{Function, Lua, Table, Value};

pub use errors::ErrorInfo;
pub use loader::{Loader, Origin};

pub struct Runtime {
    lua: Lua,
    tokio: tokio::runtime::Runtime,
    /// Ctrl-C stops the running work (the CLI's runs); off for embedders such as tests.
    stop_on_ctrl_c: std::cell::Cell<bool>,
}

/// What an action's `ctx` is made of (see [`Runtime::action_context`]).
pub struct ActionContext<'a> {
    pub action: &'a str,
    pub site: std::rc::Rc<crate::design::Site>,
    pub options: &'a serde_json::Value,
    /// Indexes into `site.nodes` of the selected nodes, for an action on nodes.
    pub nodes: Option<&'a [usize]>,
    pub selection: &'a serde_json::Value,
}

/// The task a runtime works for: `drydock.task` steps are journaled under it.
#[derive(Clone)]
pub struct TaskContext {
    pub journal: crate::journal::Journal,
    pub task_id: String,
    /// The task's Running record until a step writes it: a run that fails before its
    /// first step (no MAAS URL, a bad key) has nothing to resume, so it leaves no task.
    pub unwritten: std::sync::Arc<std::sync::Mutex<Option<crate::journal::TaskRecord>>>,
}

impl TaskContext {
    pub fn of(lua: &Lua) -> Option<TaskContext> {
        lua.app_data_ref::<TaskContext>().map(|c| c.clone())
    }

    /// Writes the task's record if no step has yet. It is queued before the step that
    /// follows it, so the step never lands in the journal without its task.
    pub async fn write_task(&self) -> Result<(), crate::journal::JournalError> {
        let unwritten = self
            .unwritten
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        match unwritten {
            Some(task) => self.journal.put_task(task).await,
            None => Ok(()),
        }
    }
}

/// Compiles a chunk (text only) under its file name, so tracebacks name the file.
pub(crate) fn compile(lua: &Lua, src: &loader::Source) -> mlua::Result<Function> {
    lua.load(src.code.as_str())
        .set_name(src.chunk_name.as_str())
        .set_mode(ChunkMode::Text)
        .into_function()
}

/// Compiles and runs a chunk, returning what it returns.
pub(crate) fn eval(lua: &Lua, src: &loader::Source) -> mlua::Result<Value> {
    compile(lua, src)?.call(())
}

fn io_error(e: std::io::Error) -> mlua::Error {
    mlua::Error::external(e)
}

/// `require` searches the site's `stdlib/` and then the shipped stdlib; nothing else.
fn install_searcher(lua: &Lua) -> mlua::Result<()> {
    let searcher = lua.create_function(|lua, name: String| {
        let loader = Loader::of(lua);
        match loader.module(&name).map_err(io_error)? {
            Some(src) => Ok((
                Value::Function(compile(lua, &src)?),
                Value::String(lua.create_string(src.name())?),
            )),
            None => {
                let where_ = match loader.site_dir() {
                    Some(d) => format!("{}/stdlib or the shipped stdlib", d.display()),
                    None => "the shipped stdlib (no --site-dir)".into(),
                };
                let msg = format!("\n\tno drydock module '{name}' in {where_}");
                Ok((Value::String(lua.create_string(&msg)?), Value::Nil))
            }
        }
    })?;
    let package: Table = lua.globals().get("package")?;
    let old: Table = package.get("searchers")?;
    let searchers = lua.create_sequence_from([old.get::<Value>(1)?, Value::Function(searcher)])?;
    package.set("searchers", searchers)
}

impl Runtime {
    pub fn new(site_dir: Option<PathBuf>) -> Result<Runtime, ErrorInfo> {
        let lua = env::new_state()?;
        lua.set_app_data(Loader::new(site_dir));
        install_searcher(&lua)?;
        bindings::install(&lua)?;
        let tokio = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ErrorInfo::new(format!("cannot start the async runtime: {e}")))?;
        Ok(Runtime {
            lua,
            tokio,
            stop_on_ctrl_c: std::cell::Cell::new(false),
        })
    }

    pub fn lua(&self) -> &Lua {
        &self.lua
    }

    /// Runs `future` to completion on this runtime's executor: for callers that evaluate
    /// Lua themselves (the REPL), so async bindings are awaited where they are called.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.tokio.block_on(future)
    }

    /// What `drydock.maas.connect{}` uses when a script gives no url or key.
    pub fn set_maas_defaults(&self, defaults: bindings::MaasDefaults) {
        self.lua.set_app_data(defaults);
    }

    /// How `drydock.oob` reaches BMCs in this runtime: waits, retries, limits, TLS, the
    /// simulator's BMC map, manual confirmations.
    pub fn set_oob(&self, settings: std::sync::Arc<crate::oob::OobSettings>) {
        self.lua.set_app_data(settings);
    }

    /// From now on Ctrl-C stops the running work with a `cancelled` error (the work is
    /// dropped where it waits; its journal stays as it was, for `drydock resume`).
    pub fn stop_on_ctrl_c(&self) {
        self.stop_on_ctrl_c.set(true);
    }

    /// Runs the script's work to its end, or until Ctrl-C when asked to stop on it.
    fn finish(
        &self,
        work: impl std::future::Future<Output = mlua::Result<Value>>,
    ) -> Result<Value, ErrorInfo> {
        if !self.stop_on_ctrl_c.get() {
            return Ok(self.tokio.block_on(work)?);
        }
        self.tokio.block_on(async {
            tokio::select! {
                result = work => result.map_err(ErrorInfo::from),
                _ = tokio::signal::ctrl_c() => Err(ErrorInfo::of_kind(
                    errors::ErrorKind::Cancelled,
                    "interrupted (Ctrl-C)",
                )),
            }
        })
    }

    /// Shows this runtime's phases and steps as `progress` says.
    pub fn set_progress(&self, progress: progress::Progress) {
        self.lua.set_app_data(progress);
    }

    /// Journals this runtime's steps under `ctx`'s task.
    pub fn set_task(&self, ctx: TaskContext) {
        self.lua.set_app_data(ctx);
    }

    /// Loads an action script (site override first) and checks it returns an action.
    pub fn load_action(&self, name: &str) -> Result<Table, ErrorInfo> {
        let loader = Loader::of(&self.lua);
        let src = loader
            .action(name)
            .map_err(|e| ErrorInfo::new(e.to_string()))?
            .ok_or_else(|| {
                let site = match loader.site_dir() {
                    Some(dir) => format!("{}/scripts/{name}.lua does not exist and ", dir.display()),
                    None => String::new(),
                };
                ErrorInfo::new(format!(
                    "no action '{name}': {site}drydock ships none of that name (it ships {}; a site adds one as <site-dir>/scripts/{name}.lua)",
                    Loader::shipped_actions().join(", ")
                ))
            })?;
        let value = eval(&self.lua, &src)?;
        let shown = src.name();
        let Value::Table(action) = value else {
            return Err(ErrorInfo::new(format!(
                "{shown} must return an action (phases.action(...)), not a {}",
                value.type_name()
            )));
        };
        if !matches!(action.get::<Value>("run")?, Value::Function(_)) {
            return Err(ErrorInfo::new(format!(
                "{shown} returned a table without a run function: build it with require('phases').action(name, phases)"
            )));
        }
        Ok(action)
    }

    /// Runs Lua code named `name` (a file name) with the full API; `args` arrive as `...`.
    /// Returns what it returns.
    pub fn run_chunk(&self, name: &str, code: &str, args: Vec<String>) -> Result<Value, ErrorInfo> {
        let src = loader::Source {
            chunk_name: format!("@{name}"),
            code: code.to_string(),
            origin: Origin::Shipped,
        };
        let f = compile(&self.lua, &src)?;
        self.finish(f.call_async::<Value>(mlua::Variadic::from_iter(args)))
    }

    /// The `ctx` table an action runs with: `action`, `design` (the handle), `options`, and
    /// for an action on nodes `nodes` (the selected nodes, as `design:nodes()` gives them)
    /// and `selection` (what selected them).
    pub fn action_context(&self, c: ActionContext<'_>) -> Result<Table, ErrorInfo> {
        use mlua::LuaSerdeExt;
        let ctx = self.lua.create_table()?;
        ctx.set("action", c.action)?;
        if let Some(nodes) = c.nodes {
            ctx.set("nodes", bindings::design::node_list(&self.lua, &c.site, nodes)?)?;
            ctx.set(
                "selection",
                self.lua.to_value_with(c.selection, bindings::plain())?,
            )?;
        }
        self.lua
            .set_app_data(bindings::oob::CurrentDesign(bindings::Design(c.site.clone())));
        ctx.set("design", bindings::Design(c.site))?;
        let options = match c.options {
            serde_json::Value::Object(m) if !m.is_empty() => self.lua.to_value(c.options)?,
            _ => Value::Table(self.lua.create_table()?),
        };
        ctx.set("options", options)?;
        Ok(ctx)
    }

    /// A script's result as JSON (what the journal and `--format json` keep).
    pub fn to_json(&self, value: Value) -> Result<serde_json::Value, ErrorInfo> {
        bindings::json_of(&self.lua, value).map_err(|e| {
            ErrorInfo::new(format!(
                "the result cannot be written as JSON (return plain data: tables, strings, numbers): {e}"
            ))
        })
    }

    /// Runs a loaded action's phases with `ctx` and returns its result (`ctx.result`).
    pub fn run_action(&self, action: Table, ctx: Table) -> Result<Value, ErrorInfo> {
        let run: Function = action.get("run")?;
        let lua = self.lua.clone();
        self.finish(async move {
            let result = run.call_async::<Value>((action, ctx)).await;
            bindings::oob::Handles::close_all(&lua).await;
            result
        })
    }
}
