//! `drydock tasks list|show|prune`: the task tree, task -> scope (site or node) -> step,
//! read from the journal (alongside a running task), and removing finished tasks.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Format, Global, Outcome, output};
use crate::journal::{
    Journal, JournalError, JournalReader, SITE, Selection, StepRecord, StepStatus, TaskRecord, TaskResult,
    TaskStatus, now_ms,
};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Every task in the journal, oldest first
    List {
        #[command(flatten)]
        at: JournalAt,
    },
    /// One task with its steps
    Show {
        /// Task id
        id: String,
        #[command(flatten)]
        at: JournalAt,
    },
    /// Remove finished (Complete) tasks and their steps; unfinished ones are kept
    Prune {
        /// Only tasks that finished longer ago than this (e.g. 30d, 12h)
        #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
        older_than: Option<std::time::Duration>,
        #[command(flatten)]
        at: JournalAt,
    },
}

/// Where the journal is: as `run` finds it from its design paths, unless --journal says.
#[derive(Debug, clap::Args)]
pub struct JournalAt {
    /// The design `run` was given (file or directory): its journal is the one read
    #[arg(short = 'd', long = "design", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

impl JournalAt {
    fn path(&self, global: &Global) -> PathBuf {
        let first = self.paths.first().map(|p| p.as_path());
        crate::action::journal_path(global.journal.as_deref(), first)
    }
}

/// A task whose process is gone before it finished, and how to take it up again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interrupted {
    pub resume: String,
}

impl Interrupted {
    fn of(journal: &JournalReader, task: &TaskRecord) -> Option<Interrupted> {
        journal.interrupted(task).then(|| Interrupted {
            resume: resume_command(&task.id, journal.path()),
        })
    }
}

/// `drydock resume ID`, with `--journal` unless `resume` would find this journal by itself.
fn resume_command(id: &str, journal: &Path) -> String {
    if journal == crate::action::journal_path(None, None) {
        format!("drydock resume {id}")
    } else {
        format!(
            "drydock resume {id} --journal {}",
            shell_word(&journal.display().to_string())
        )
    }
}

/// `text` as one word for a POSIX shell.
fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:=@,%".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// `tasks list --format json`: each task record, and how to resume it when interrupted.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Listed {
    #[serde(flatten)]
    task: TaskRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    interrupted: Option<Interrupted>,
}

/// One scope of a task: the site, or a node, with its steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeView {
    pub scope: String,
    pub result: Option<TaskResult>,
    pub steps: Vec<StepRecord>,
}

/// `tasks show --format json`: the task and its tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskView {
    pub task: TaskRecord,
    /// Set when the task's process is gone before it finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<Interrupted>,
    pub scopes: Vec<ScopeView>,
}

/// The stored design can be megabytes (and holds BMC credentials): it is named by its hash.
fn without_design_text(mut task: TaskRecord) -> TaskRecord {
    if let Some(d) = task.design.as_mut() {
        d.files.iter_mut().for_each(|(_, text)| text.clear());
    }
    task
}

impl TaskView {
    pub fn new(task: TaskRecord, interrupted: Option<Interrupted>, steps: Vec<StepRecord>) -> TaskView {
        let task = without_design_text(task);
        let mut by_scope: BTreeMap<String, Vec<StepRecord>> = BTreeMap::new();
        for s in steps {
            by_scope.entry(s.scope.clone()).or_default().push(s);
        }
        let mut scopes: Vec<ScopeView> = by_scope
            .into_iter()
            .map(|(scope, mut steps)| {
                steps.sort_by_key(|s| s.started_ms);
                let result = task.node_results.get(&scope).copied();
                ScopeView { scope, result, steps }
            })
            .collect();
        // The site first, then nodes by name.
        scopes.sort_by_key(|s| (s.scope != SITE, s.scope.clone()));
        TaskView {
            task,
            interrupted,
            scopes,
        }
    }
}

fn time(ms: u64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms);
    humantime::format_rfc3339_seconds(t).to_string()
}

fn duration(from: u64, to: Option<u64>) -> String {
    match to {
        Some(to) => format!("{:.2}s", to.saturating_sub(from) as f64 / 1000.0),
        None => "-".into(),
    }
}

fn status_mark(s: StepStatus) -> &'static str {
    match s {
        StepStatus::Succeeded => "ok  ",
        StepStatus::Failed => "FAIL",
        StepStatus::Running => "RUN ",
        StepStatus::Skipped => "skip",
    }
}

fn result_text(r: Option<TaskResult>) -> String {
    r.map_or("-".to_string(), |r| format!("{r:?}"))
}

/// A task's status as people read it: an unfinished task whose process is gone is
/// Interrupted.
fn status_text(task: &TaskRecord, interrupted: bool) -> String {
    if interrupted {
        "Interrupted".into()
    } else {
        format!("{:?}", task.status)
    }
}

pub fn render_list(tasks: &[(TaskRecord, bool)]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<26}  {:<22}  {:<11}  {:<14}  {:<20}  duration",
        "TASK", "WORK", "STATUS", "RESULT", "CREATED"
    );
    for (t, interrupted) in tasks {
        let _ = writeln!(
            out,
            "{:<26}  {:<22}  {:<11}  {:<14}  {:<20}  {}",
            t.id,
            t.label(),
            status_text(t, *interrupted),
            result_text(t.result),
            time(t.created_ms),
            duration(t.created_ms, Some(t.updated_ms)),
        );
    }
    out
}

/// A selection as the flags that make it (`--node n1 --rack r2`), which `resume` replays.
fn selection_flags(sel: &Selection) -> String {
    let mut flags: Vec<String> = Vec::new();
    for (flag, values) in [
        ("--node", &sel.nodes),
        ("--rack", &sel.racks),
        ("--tag", &sel.tags),
    ] {
        flags.extend(values.iter().map(|v| format!("{flag} {v}")));
    }
    flags.extend(
        sel.labels
            .iter()
            .map(|l| format!("--label {}={}", l.key, l.value)),
    );
    if let Some(filter) = &sel.filter {
        flags.push(format!("--node-filter '{filter}'"));
    }
    flags.join(" ")
}

pub fn render_show(view: &TaskView) -> String {
    let t = &view.task;
    let mut out = String::new();
    let _ = writeln!(out, "task {}  {}", t.id, t.label());
    let _ = writeln!(
        out,
        "  status {}, result {}, created {}, took {}",
        status_text(t, view.interrupted.is_some()),
        result_text(t.result),
        time(t.created_ms),
        duration(t.created_ms, Some(t.updated_ms))
    );
    if let Some(i) = &view.interrupted {
        let _ = writeln!(
            out,
            "  its process is gone before it finished; resume it with: {}",
            i.resume
        );
    }
    if let Some(d) = &t.design {
        let _ = writeln!(
            out,
            "  design {} ({} files)",
            &d.hash[..12.min(d.hash.len())],
            d.files.len()
        );
    }
    if !t.selection.is_everything() {
        let _ = writeln!(out, "  selection {}", selection_flags(&t.selection));
    }
    if let Some(e) = &t.error {
        let _ = writeln!(out, "  error: {}", e.message);
    }
    for scope in &view.scopes {
        let head = if scope.scope == SITE {
            "site".to_string()
        } else {
            format!("node {}", scope.scope)
        };
        let _ = writeln!(out, "  {head}  {}", result_text(scope.result));
        for s in &scope.steps {
            let attempts = if s.attempts == 1 {
                "1 attempt ".to_string()
            } else {
                format!("{} attempts", s.attempts)
            };
            let _ = write!(
                out,
                "    {} {:<28} {:<9}  {}  {:>8}",
                status_mark(s.status),
                s.name,
                s.status.to_string(),
                attempts,
                duration(s.started_ms, s.finished_ms)
            );
            if let Some(why) = s.error.as_ref().map(|e| e.message.as_str()).or(s.note.as_deref()) {
                let _ = write!(out, "  {}", why.lines().next().unwrap_or_default());
            }
            out.push('\n');
        }
    }
    out
}

pub fn run(cmd: &Command, global: &Global) -> anyhow::Result<Outcome> {
    let json = global.format == Some(Format::Json);
    match cmd {
        Command::List { at } => {
            let Some(journal) = open_or_none(&at.path(global))? else {
                return empty(json);
            };
            let tasks = journal.tasks()?;
            if json {
                let listed: Vec<Listed> = tasks
                    .into_iter()
                    .map(|t| Listed {
                        interrupted: Interrupted::of(&journal, &t),
                        task: without_design_text(t),
                    })
                    .collect();
                output::emit_json(&serde_json::to_value(listed)?)?;
            } else {
                let rows: Vec<(TaskRecord, bool)> = tasks
                    .into_iter()
                    .map(|t| {
                        let interrupted = journal.interrupted(&t);
                        (t, interrupted)
                    })
                    .collect();
                output::emit(&render_list(&rows))?;
            }
        }
        Command::Show { id, at } => {
            let journal = JournalReader::open(&at.path(global))?;
            let task = journal.task(id)?;
            let view = TaskView::new(task.clone(), Interrupted::of(&journal, &task), journal.steps(id)?);
            if json {
                output::emit_json(&serde_json::to_value(&view)?)?;
            } else {
                output::emit(&render_show(&view))?;
            }
        }
        Command::Prune { older_than, at } => {
            let path = at.path(global);
            let journal = match Journal::open_existing(&path) {
                Err(e @ JournalError::Missing(_)) => {
                    eprintln!("drydock: {e}");
                    return Ok(Outcome::Clean);
                }
                other => other?,
            };
            output::emit(&prune(&journal, *older_than)?)?;
        }
    }
    Ok(Outcome::Clean)
}

/// The journal, or `None` (said on stderr) when there is none yet: no task to list is not
/// an error.
fn open_or_none(path: &Path) -> anyhow::Result<Option<JournalReader>> {
    match JournalReader::open(path) {
        Ok(j) => Ok(Some(j)),
        Err(e @ JournalError::Missing(_)) => {
            eprintln!("drydock: {e}");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

fn empty(json: bool) -> anyhow::Result<Outcome> {
    if json {
        output::emit_json(&serde_json::json!([]))?;
    }
    Ok(Outcome::Clean)
}

/// Removes the Complete tasks (finished before `older_than` ago) with their steps, and says
/// what it removed. The caller holds the journal for writing, so no task of another process
/// is running; unfinished tasks are kept to be resumed.
fn prune(journal: &Journal, older_than: Option<std::time::Duration>) -> anyhow::Result<String> {
    let before = older_than.map(|d| now_ms().saturating_sub(d.as_millis() as u64));
    let mut out = String::new();
    let mut removed = 0;
    for task in journal.tasks()? {
        if task.status != TaskStatus::Complete || before.is_some_and(|b| task.updated_ms > b) {
            continue;
        }
        let steps = journal.steps(&task.id)?.len();
        journal.remove_task_blocking(&task.id)?;
        removed += 1;
        let _ = writeln!(
            out,
            "removed task {}  {}  result {}, finished {}, {steps} step{}",
            task.id,
            task.label(),
            result_text(task.result),
            time(task.updated_ms),
            if steps == 1 { "" } else { "s" }
        );
    }
    let _ = match (removed, older_than) {
        (0, Some(d)) => writeln!(
            out,
            "removed no task: none finished more than {} ago",
            humantime::format_duration(d)
        ),
        (0, None) => writeln!(out, "removed no task: none is finished"),
        (1, _) => writeln!(out, "removed 1 task"),
        (n, _) => writeln!(out, "removed {n} tasks"),
    };
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::step::conclude;
    use crate::journal::{Selection, TaskStatus, Work};

    fn view() -> TaskView {
        let task = TaskRecord {
            format: crate::journal::record::FORMAT,
            id: "01JTESTTASK0000000000000000".into(),
            work: Work::Action {
                name: "deploy_demo".into(),
                options: serde_json::json!({"x": 1}),
            },
            selection: Selection {
                nodes: vec!["n1".into()],
                ..Selection::default()
            },
            design: Some(crate::journal::StoredDesign {
                hash: "ab".repeat(32),
                files: vec![("site.yaml".into(), "big".into())],
            }),
            site_dir: None,
            status: TaskStatus::Running,
            result: None,
            created_ms: 1_764_000_000_000,
            updated_ms: 1_764_000_003_000,
            node_results: Default::default(),
            error: None,
            skip_validation: false,
            session: None,
        };
        let ok = StepRecord::running(&task.id, "n1", "deploy", 1)
            .succeeded(serde_json::json!({"system_id": "abc"}));
        let bad = StepRecord::running(&task.id, "n2", "deploy", 2)
            .failed(crate::runtime::ErrorInfo::new("MAAS said 503\nmore"));
        let site = StepRecord::running(&task.id, SITE, "prepare", 1).succeeded(serde_json::Value::Null);
        let steps = vec![bad, ok, site];
        let task = conclude(task, &steps, None);
        TaskView::new(task, None, steps)
    }

    #[test]
    fn json_round_trips_through_the_types() {
        let v = view();
        let text = serde_json::to_string(&v).unwrap();
        let back: TaskView = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
        assert_eq!(
            v.task.design.as_ref().unwrap().files[0].1,
            "",
            "design contents are not shown"
        );
    }

    #[test]
    fn tree_lists_site_first_then_nodes_with_their_steps() {
        let text = render_show(&view());
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("task 01JTESTTASK0000000000000000  deploy_demo"),
            "{text}"
        );
        assert!(
            lines[1].contains("status Complete, result PartialSuccess"),
            "{text}"
        );
        let order: Vec<&str> = lines
            .iter()
            .filter(|l| l.starts_with("  site") || l.starts_with("  node"))
            .copied()
            .collect();
        assert_eq!(order, ["  site  -", "  node n1  Success", "  node n2  Failure"]);
        assert!(
            text.contains("FAIL deploy") && text.contains("2 attempts") && text.contains("MAAS said 503"),
            "{text}"
        );
        assert!(!text.contains("more"), "only an error's first line is shown");
    }
}
