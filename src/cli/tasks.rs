//! `drydock tasks list|show`: the task tree, task -> scope (site or node) -> step, read from
//! the journal (read-only, so it works while a task runs).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{Format, Global, Outcome, output};
use crate::journal::{JournalReader, SITE, Selection, StepRecord, StepStatus, TaskRecord, TaskResult};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Every task in the journal, oldest first
    List,
    /// One task with its steps
    Show {
        /// Task id
        id: String,
    },
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
    pub scopes: Vec<ScopeView>,
}

impl TaskView {
    pub fn new(mut task: TaskRecord, steps: Vec<StepRecord>) -> TaskView {
        // The stored design can be megabytes: `tasks show` names it by its hash.
        if let Some(d) = task.design.as_mut() {
            d.files.iter_mut().for_each(|(_, text)| text.clear());
        }
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
        TaskView { task, scopes }
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

pub fn render_list(tasks: &[TaskRecord]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<26}  {:<22}  {:<9}  {:<14}  {:<20}  duration",
        "TASK", "WORK", "STATUS", "RESULT", "CREATED"
    );
    for t in tasks {
        let _ = writeln!(
            out,
            "{:<26}  {:<22}  {:<9}  {:<14}  {:<20}  {}",
            t.id,
            t.label(),
            format!("{:?}", t.status),
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
        "  status {:?}, result {}, created {}, took {}",
        t.status,
        result_text(t.result),
        time(t.created_ms),
        duration(t.created_ms, Some(t.updated_ms))
    );
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
    let journal = JournalReader::open(&crate::action::journal_path(global.journal.as_deref(), None))?;
    let json = global.format == Some(Format::Json);
    match cmd {
        Command::List => {
            let tasks = journal.tasks()?;
            if json {
                let views: Vec<TaskView> = tasks.into_iter().map(|t| TaskView::new(t, Vec::new())).collect();
                output::emit_json(&serde_json::to_value(
                    views.into_iter().map(|v| v.task).collect::<Vec<_>>(),
                )?)?;
            } else {
                output::emit(&render_list(&tasks))?;
            }
        }
        Command::Show { id } => {
            let view = TaskView::new(journal.task(id)?, journal.steps(id)?);
            if json {
                output::emit_json(&serde_json::to_value(&view)?)?;
            } else {
                output::emit(&render_show(&view))?;
            }
        }
    }
    Ok(Outcome::Clean)
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
        };
        let ok = StepRecord::running(&task.id, "n1", "deploy", 1)
            .succeeded(serde_json::json!({"system_id": "abc"}));
        let bad = StepRecord::running(&task.id, "n2", "deploy", 2)
            .failed(crate::runtime::ErrorInfo::new("MAAS said 503\nmore"));
        let site = StepRecord::running(&task.id, SITE, "prepare", 1).succeeded(serde_json::Value::Null);
        let steps = vec![bad, ok, site];
        let task = conclude(task, &steps, None);
        TaskView::new(task, steps)
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
