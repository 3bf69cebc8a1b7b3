//! The one runner of actions and scripts. A [`Request`] (what to run, the design, options,
//! node selection, run or plan, the MAAS connection, the site dir, the journal) goes in; a
//! journaled task runs; an [`Outcome`] (the task, its result, per-node results, what the
//! action returned) comes out. `run`, `plan`, `resume`, `validate`, `script`, the REPL, the
//! benches and the tests all come through here; the CLI only parses and prints.
//!
//! Rust knows no action by name: each action says what it is in its script
//! ([`About`]), and the runner acts on that.

mod about;
mod environment;
mod journaled;
mod selection;

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use mlua::Table;

pub use about::{About, ResultKind, Scope};
pub use environment::{Connection, Environment};
pub use journaled::{journal_path, stored_design};
pub use selection::{NO_NODES, parse_filter};

use crate::design::Site;
use crate::design::validation::{Message, ValidationReport};
use crate::journal::step::{conclude, superseded};
use crate::journal::{Journal, Selection, TaskRecord, TaskResult, TaskStatus, Work, now_ms};
use crate::oob::OobSettings;
use crate::runtime::errors::ErrorKind;
use crate::runtime::{ActionContext, ErrorInfo, Loader};

/// Run the action, or only compare (`drydock plan`): its MAAS clients cannot write, it is
/// not journaled, and the script sees `ctx.options.plan = true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Run,
    Plan,
}

pub struct Request {
    /// An action (`Work::Action`, name and `ctx.options`) or a Lua file (`Work::Script`).
    pub work: Work,
    /// Design files or directories; none for a script that loads its own.
    pub design: Vec<PathBuf>,
    pub selection: Selection,
    pub mode: Mode,
    pub connection: Connection,
    pub site_dir: Option<PathBuf>,
    /// The journal file the task is kept in; `None` runs without one (nothing to resume:
    /// a validation or a plan changes nothing).
    pub journal: Option<PathBuf>,
    /// Run an action that changes things without validating the design first.
    pub skip_validation: bool,
    /// How BMCs are reached (`drydock.oob`).
    pub oob: OobSettings,
}

/// Re-running an unfinished (or failed) task with its stored inputs.
pub struct Resume {
    pub journal: PathBuf,
    pub task: String,
    /// A design to use instead of the stored one (refused when it differs, unless accepted).
    pub design: Vec<PathBuf>,
    pub accept_design_change: bool,
    pub connection: Connection,
    pub oob: OobSettings,
}

/// What a finished run gives back.
#[derive(Debug)]
pub struct Outcome {
    /// The concluded task (journaled runs).
    pub task: Option<TaskRecord>,
    /// What the action says it is (`None` for a script).
    pub about: Option<About>,
    pub mode: Mode,
    /// The task's result: from its steps, and from what the action returned (a validation
    /// with errors is a Failure).
    pub result: TaskResult,
    /// What the action or script returned.
    pub value: serde_json::Value,
}

impl Outcome {
    /// The validation report, for an action whose result is a validation.
    pub fn validation(&self) -> Option<ValidationReport> {
        match &self.about {
            Some(a) if a.result == ResultKind::Validation => validation_report(&self.value).ok(),
            _ => None,
        }
    }

    /// Whether there is nothing to report: the task succeeded; for a plan, nothing would
    /// change and nothing stands in the way.
    pub fn clean(&self) -> bool {
        match self.mode {
            Mode::Plan => !pending(&self.value, "changes") && !pending(&self.value, "problems"),
            Mode::Run => self.result == TaskResult::Success,
        }
    }
}

fn pending(value: &serde_json::Value, field: &str) -> bool {
    value
        .get(field)
        .and_then(|v| v.as_array())
        .is_some_and(|v| !v.is_empty())
}

fn validation_report(value: &serde_json::Value) -> Result<ValidationReport, ErrorInfo> {
    #[derive(serde::Deserialize)]
    struct Returned {
        messages: Vec<Message>,
    }
    let r: Returned = serde_json::from_value(value.clone()).map_err(|e| {
        ErrorInfo::new(format!(
            "a validation action must return {{ messages = {{ ... }} }} (each a validation message): {e}"
        ))
    })?;
    Ok(ValidationReport { messages: r.messages })
}

fn usage(message: String) -> ErrorInfo {
    ErrorInfo::of_kind(ErrorKind::Usage, message)
}

/// Drydock's CamelCase names (`SomeAction` -> `some_action`); snake_case names pass through.
pub fn action_name(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The shipped action a `drydock` subcommand runs (its script says `command = "..."`).
pub fn command_action(command: &str) -> Result<String, ErrorInfo> {
    let env = Environment::new(None, Connection::Configured(Default::default()), None, true)?;
    find_command(&env, command)
}

fn find_command(env: &Environment, command: &str) -> Result<String, ErrorInfo> {
    for name in Loader::shipped_actions() {
        let Some(src) = Loader::stock(&name) else { continue };
        if let mlua::Value::Table(action) = crate::runtime::eval(env.runtime.lua(), &src)?
            && About::read(&name, &action)?.command.as_deref() == Some(command)
        {
            return Ok(name);
        }
    }
    Err(usage(format!(
        "no shipped action says it is run by `drydock {command}`"
    )))
}

/// Validates `site` with the action `drydock validate` runs (the site's version of it when
/// there is one, with the site's rules), before an action that changes things. An invalid
/// design is refused, naming its errors.
fn validate_first(env: &Environment, name: &str, site: &Rc<Site>) -> Result<(), ErrorInfo> {
    let validator = find_command(env, "validate")?;
    let table = env.runtime.load_action(&validator)?;
    let ctx = env.runtime.action_context(ActionContext {
        action: &validator,
        site: Rc::clone(site),
        options: &serde_json::json!({}),
        nodes: None,
        selection: &serde_json::Value::Null,
    })?;
    let value = env.runtime.to_json(env.runtime.run_action(table, ctx)?)?;
    let report = validation_report(&value)?;
    if report.passed() {
        return Ok(());
    }
    let errors: Vec<&Message> = report.messages.iter().filter(|m| m.is_error()).collect();
    let mut listed = String::new();
    for m in errors.iter().take(10) {
        let at = m
            .source
            .as_ref()
            .map_or_else(|| "-".to_string(), ToString::to_string);
        listed.push_str(&format!(
            "\n  {at}  {} {}: {}",
            m.name,
            m.rule,
            m.message.trim_end()
        ));
    }
    if errors.len() > 10 {
        listed.push_str(&format!(
            "\n  ... and {} more (drydock validate lists them all)",
            errors.len() - 10
        ));
    }
    Err(ErrorInfo::of_kind(
        ErrorKind::Design,
        format!(
            "{name} changes things, and the design fails validation with {} error(s):{listed}\nfix the design (drydock validate -d ...), or run with --skip-validation to act on it anyway",
            errors.len()
        ),
    ))
}

/// What each of `names` says it is, as the site dir resolves it (for `drydock scripts`); an
/// action that cannot be loaded gives its error instead.
pub fn describe(
    site_dir: Option<PathBuf>,
    names: &[String],
) -> Result<Vec<Result<About, ErrorInfo>>, ErrorInfo> {
    let env = Environment::new(site_dir, Connection::Configured(Default::default()), None, true)?;
    Ok(names
        .iter()
        .map(|name| {
            let table = env.runtime.load_action(name)?;
            about_of(&env, name, &table)
        })
        .collect())
}

/// A request made ready: the action loaded (so what it is is known), the task created.
/// [`Prepared::task`] is there to be announced before [`Prepared::run`] starts the work.
pub struct Prepared {
    env: Environment,
    journal: Option<Journal>,
    task: Option<TaskRecord>,
    /// The task is one the journal holds already (`resume`).
    resumed: bool,
    mode: Mode,
    job: Job,
    oob: OobSettings,
}

enum Job {
    Action(Box<ActionJob>),
    Script {
        file: String,
        source: String,
        args: Vec<String>,
    },
}

struct ActionJob {
    table: Table,
    about: About,
    site: Rc<Site>,
    options: serde_json::Value,
    selection: Selection,
    nodes: Vec<usize>,
}

/// Makes `request` ready to run: reads the design once, loads the action, checks that the
/// request fits it, selects the nodes, and only then creates the task (a request refused
/// leaves no journal behind).
pub fn prepare(request: Request) -> Result<Prepared, ErrorInfo> {
    let files = if request.design.is_empty() {
        None
    } else {
        Some(crate::design::ingest::read_design(&request.design).map_err(design_error)?)
    };
    let work = request.work.clone();
    let mut prepared = make_ready(
        request.work,
        files.as_deref(),
        &request.selection,
        request.mode,
        request.connection,
        request.site_dir.clone(),
        request.skip_validation,
    )?;
    prepared.oob = request.oob;
    if let Some(path) = &request.journal {
        prepared.journal = Some(open_journal(path)?);
        let mut task = journaled::new_task(
            work,
            request.selection,
            files.map(stored_design),
            request.site_dir.as_deref(),
        );
        task.skip_validation = request.skip_validation;
        prepared.task = Some(task);
    }
    Ok(prepared)
}

/// What resuming a task comes to.
pub enum Resumed {
    /// It had completed successfully: nothing to do.
    AlreadyDone {
        task_id: String,
    },
    Ready(Box<Prepared>),
}

/// Makes a stored task ready to run again with its stored work, design and selection.
pub fn resume(request: Resume) -> Result<Resumed, ErrorInfo> {
    let journal = Journal::open_existing(&request.journal).map_err(journal_error)?;
    let mut task = journal.task(&request.task).map_err(journal_error)?;
    // A task that completed with failures can be resumed too: its failed steps run again.
    if task.status == TaskStatus::Complete && task.result == Some(TaskResult::Success) {
        return Ok(Resumed::AlreadyDone { task_id: task.id });
    }
    if !request.design.is_empty() {
        let given = stored_design(crate::design::ingest::read_design(&request.design).map_err(design_error)?);
        if task.design.as_ref().map(|d| d.hash.as_str()) != Some(given.hash.as_str()) {
            if !request.accept_design_change {
                return Err(usage(format!(
                    "the design given with -d differs from the one task {} ran with; resume without -d to use the stored design, or add --accept-design-change",
                    task.id
                )));
            }
            task.design = Some(given);
        }
    }
    let files = task.design.as_ref().map(|d| d.files.clone());
    let site_dir = task.site_dir.as_ref().map(PathBuf::from);
    let mut prepared = make_ready(
        task.work.clone(),
        files.as_deref(),
        &task.selection,
        Mode::Run,
        request.connection,
        site_dir,
        task.skip_validation,
    )?;
    prepared.oob = request.oob;
    prepared.journal = Some(journal);
    prepared.task = Some(task);
    prepared.resumed = true;
    Ok(Resumed::Ready(Box::new(prepared)))
}

fn open_journal(path: &Path) -> Result<Journal, ErrorInfo> {
    Journal::open(path).map_err(journal_error)
}

fn journal_error(e: crate::journal::JournalError) -> ErrorInfo {
    ErrorInfo::of_kind(ErrorKind::Journal, e.to_string())
}

fn design_error(e: crate::design::LoadError) -> ErrorInfo {
    ErrorInfo::of_kind(ErrorKind::Design, e.to_string())
}

/// The runtime set up and the work loaded and checked; the caller adds the journal.
fn make_ready(
    work: Work,
    files: Option<&[(String, String)]>,
    selection: &Selection,
    mode: Mode,
    connection: Connection,
    site_dir: Option<PathBuf>,
    skip_validation: bool,
) -> Result<Prepared, ErrorInfo> {
    let site = files
        .map(|f| crate::design::load_texts(f).map_err(design_error))
        .transpose()?
        .map(Rc::new);
    // A simulated site runs `speed` times faster than a real one: so do its waits.
    let sim_speed = match &connection {
        Connection::Simulator { speed, .. } => Some(*speed),
        Connection::Configured(_) => None,
    };
    let env = Environment::new(site_dir, connection, site.as_deref(), mode == Mode::Plan)?;
    let job = match work {
        Work::Script { file, source, args } => Job::Script { file, source, args },
        Work::Action { name, mut options } => {
            let table = env.runtime.load_action(&name)?;
            let about = about_of(&env, &name, &table)?;
            check_fits(&about, mode, &options, selection)?;
            if let (Some(speed), serde_json::Value::Object(given)) = (sim_speed, &mut options)
                && about.options.iter().any(|o| o == "poll_interval")
                && !given.contains_key("poll_interval")
            {
                given.insert("poll_interval".into(), (DEFAULT_POLL_S / speed).into());
            }
            // The simulated machines report their boot actions to this host.
            if let (Some(_), serde_json::Value::Object(given)) = (sim_speed, &mut options)
                && about.options.iter().any(|o| o == "report_url")
                && !given.contains_key("report_url")
            {
                given.insert("report_url".into(), loopback_report_url()?.into());
            }
            let site = site.ok_or_else(|| usage(format!("{name} needs a design: give -d PATH")))?;
            if about.changes && !skip_validation {
                validate_first(&env, &name, &site)?;
            }
            let nodes = match about.scope {
                Scope::Nodes => selection::selected(&site, selection)?,
                Scope::Site => Vec::new(),
            };
            Job::Action(Box::new(ActionJob {
                table,
                about,
                site,
                options,
                selection: selection.clone(),
                nodes,
            }))
        }
    };
    Ok(Prepared {
        env,
        journal: None,
        task: None,
        resumed: false,
        mode,
        job,
        oob: OobSettings::default(),
    })
}

/// What the action says about itself; a site's own version of a shipped action that says
/// nothing is what the shipped one says it is.
fn about_of(env: &Environment, name: &str, table: &Table) -> Result<About, ErrorInfo> {
    let says_nothing = match table.get::<mlua::Value>("about")? {
        mlua::Value::Table(t) => t.is_empty(),
        mlua::Value::Nil => true,
        _ => false,
    };
    if says_nothing
        && let Some(stock) = Loader::stock(name)
        && let mlua::Value::Table(stock) = crate::runtime::eval(env.runtime.lua(), &stock)?
    {
        return About::read(name, &stock);
    }
    About::read(name, table)
}

/// A report URL on a free loopback port. It is kept with the task's options, so a resumed
/// task listens where the machines were told to report.
fn loopback_report_url() -> Result<String, ErrorInfo> {
    crate::runtime::bootaction_reports::free_loopback_url()
        .map_err(|e| ErrorInfo::new(format!("cannot find a port for boot action reports: {e}")))
}

/// Seconds between an action's MAAS status checks at a real site's pace (Drydock's
/// `poll_interval`); the actions' own default.
const DEFAULT_POLL_S: f64 = 10.0;

/// Refuses what the action does not take, before anything runs.
fn check_fits(
    about: &About,
    mode: Mode,
    options: &serde_json::Value,
    selection: &Selection,
) -> Result<(), ErrorInfo> {
    let name = &about.name;
    if mode == Mode::Plan && !about.plannable {
        return Err(usage(format!(
            "{name} cannot be planned: its script does not say plan = true (it would not stop before changing MAAS)"
        )));
    }
    if let Some(options) = options.as_object() {
        for key in options.keys() {
            if !about.options.iter().any(|o| o == key) {
                return Err(usage(format!(
                    "{name} takes no option {key} (it reads: {})",
                    list(&about.options)
                )));
            }
        }
    }
    if about.scope == Scope::Site && !selection.is_everything() {
        return Err(usage(format!(
            "{name} acts on the whole site: --node, --rack, --tag, --label and --node-filter select nodes for actions on nodes"
        )));
    }
    Ok(())
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

impl Prepared {
    /// The task about to run (journaled runs), to announce before it starts.
    pub fn task(&self) -> Option<&TaskRecord> {
        self.task.as_ref()
    }

    pub fn journal_path(&self) -> Option<&Path> {
        self.journal.as_ref().map(Journal::path)
    }

    /// Shows the run's phases and steps on stderr as they happen, and lets Ctrl-C stop it
    /// (leaving the task to `drydock resume`): what a person at a terminal wants.
    pub fn attend(&mut self, show_progress: bool) {
        if show_progress {
            let label = self.task.as_ref().map_or_else(
                || self.about().map_or_else(String::new, |a| a.name.clone()),
                TaskRecord::label,
            );
            self.env
                .runtime
                .set_progress(crate::runtime::progress::Progress::on_stderr(&label));
        }
        self.env.runtime.stop_on_ctrl_c();
    }

    /// The journal the task is kept in (benches count its commits).
    pub fn journal(&self) -> Option<&Journal> {
        self.journal.as_ref()
    }

    pub fn about(&self) -> Option<&About> {
        match &self.job {
            Job::Action(job) => Some(&job.about),
            Job::Script { .. } => None,
        }
    }

    /// Runs the work to its end and records the task's outcome. A script error is the
    /// error (the task records it too).
    pub fn run(self) -> Result<Outcome, ErrorInfo> {
        let Prepared {
            env,
            journal,
            task,
            resumed,
            mode,
            job,
            mut oob,
        } = self;
        let rt = &env.runtime;
        oob.read_only = mode == Mode::Plan;
        if let (Some(journal), Some(task)) = (&journal, &task) {
            oob.manual.inbox = Some(crate::oob::inbox(journal.path(), &task.id));
            oob.manual.task_id = Some(task.id.clone());
            oob.manual.journal = Some(journal.path().to_path_buf());
        }
        env.add_bmc_map(&mut oob.bmc_map);
        rt.set_oob(Arc::new(oob));
        let unwritten = Arc::new(Mutex::new(None));
        let mut running = None;
        if let (Some(journal), Some(task)) = (&journal, &task) {
            let mut record = task.clone();
            record.status = TaskStatus::Running;
            record.updated_ms = now_ms();
            record.session = Some(journal.session().to_string());
            *lock(&unwritten) = Some(record.clone());
            running = Some(record);
            rt.set_task(crate::runtime::TaskContext {
                journal: journal.clone(),
                task_id: task.id.clone(),
                unwritten: Arc::clone(&unwritten),
            });
        }
        let run_started = now_ms();
        let (about, value) = match job {
            Job::Script { file, source, args } => (
                None,
                rt.run_chunk(&file, &source, args).and_then(|v| rt.to_json(v)),
            ),
            Job::Action(job) => {
                let ActionJob {
                    table,
                    about,
                    site,
                    mut options,
                    selection,
                    nodes,
                } = *job;
                let value = if about.scope == Scope::Nodes && nodes.is_empty() {
                    Ok(serde_json::json!({ "summary": NO_NODES }))
                } else {
                    if mode == Mode::Plan {
                        options = with_plan(options);
                    }
                    let selection = serde_json::to_value(&selection).unwrap_or_default();
                    let ctx = rt.action_context(ActionContext {
                        action: &about.name,
                        site,
                        options: &options,
                        nodes: (about.scope == Scope::Nodes).then_some(nodes.as_slice()),
                        selection: &selection,
                    });
                    ctx.and_then(|ctx| rt.run_action(table, ctx))
                        .and_then(|v| rt.to_json(v))
                };
                (Some(about), value)
            }
        };
        crate::runtime::progress::Progress::of(rt.lua()).finish();
        // Stopped by the user: the task stays as it was (Running, its step interrupted) for
        // `drydock resume`, which the caller names.
        if let Err(e) = &value
            && e.kind == ErrorKind::Cancelled
        {
            return Err(e.clone());
        }
        // What the action returned can fail the task too (a validation with errors).
        let verdict = match (&about, &value) {
            (Some(a), Ok(v)) if a.result == ResultKind::Validation => {
                Some(validation_report(v).map(|r| r.passed()))
            }
            _ => None,
        };
        // No step ran and the work failed: there is nothing to resume, so a new task is not
        // kept and a resumed one stays as it was.
        let stepless = lock(&unwritten).take().is_some();
        let concluded = match (&journal, running) {
            (Some(journal), Some(running)) if !(stepless && value.is_err()) => Some(conclude_task(
                journal,
                running,
                run_started,
                &value,
                verdict.clone(),
            )?),
            _ => None,
        };
        let value = value.map_err(|e| match &task {
            Some(task) if stepless && !resumed => not_kept(e, &task.id),
            _ => e,
        })?;
        if let Some(Err(e)) = verdict {
            return Err(e);
        }
        let result = match (&concluded, verdict) {
            (Some(t), _) => t.result.unwrap_or(TaskResult::Incomplete),
            (None, Some(Ok(false))) => TaskResult::Failure,
            (None, _) => TaskResult::Success,
        };
        Ok(Outcome {
            task: concluded,
            about,
            mode,
            result,
            value,
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The error of a run that stopped before its first step, saying that it left no task.
fn not_kept(mut error: ErrorInfo, task: &str) -> ErrorInfo {
    error.message.push_str(&format!(
        "\n(task {task} stopped before its first step, so it is not kept: there is nothing to resume; run it again once this is fixed)"
    ));
    error
}

fn with_plan(options: serde_json::Value) -> serde_json::Value {
    let mut map = match options {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    map.insert("plan".into(), true.into());
    serde_json::Value::Object(map)
}

fn conclude_task(
    journal: &Journal,
    task: TaskRecord,
    run_started: u64,
    value: &Result<serde_json::Value, ErrorInfo>,
    verdict: Option<Result<bool, ErrorInfo>>,
) -> Result<TaskRecord, ErrorInfo> {
    // Without their results: the outcome follows from the steps' states, and a task may
    // have journaled much (each node's commissioning output). The steps superseded are
    // ones left Running or Failed, which hold no result.
    let steps = journal.step_states(&task.id).map_err(journal_error)?;
    // Only a run that finished knows what it no longer needed.
    if value.is_ok() {
        for step in superseded(&steps, run_started) {
            journal.put_step_blocking(step).map_err(journal_error)?;
        }
    }
    let steps = journal.step_states(&task.id).map_err(journal_error)?;
    let error = match (value, &verdict) {
        (Err(e), _) | (Ok(_), Some(Err(e))) => Some(e.clone()),
        _ => None,
    };
    let mut task = conclude(task, &steps, error);
    if verdict == Some(Ok(false)) {
        task.result = Some(TaskResult::Failure);
    }
    journal.put_task_blocking(task.clone()).map_err(journal_error)?;
    Ok(task)
}
