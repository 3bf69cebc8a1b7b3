//! `drydock resume TASK_ID`: re-runs an unfinished task with its stored inputs. Steps that
//! succeeded return their stored results; interrupted and failed ones run again.

use std::path::PathBuf;

use anyhow::bail;

use super::journaled::{journal_path, stored_design};
use super::{Global, Outcome, output, run, script};
use crate::journal::{Journal, TaskResult, TaskStatus, Work};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The task to resume (see `drydock tasks list`)
    pub task: String,
    /// Design files or directories; by default the design stored with the task is used
    #[arg(short = 'd', long = "design", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Resume even though the design given with -d differs from the task's
    #[arg(long)]
    pub accept_design_change: bool,
}

pub fn run(args: &Args, global: &Global) -> anyhow::Result<Outcome> {
    let journal = Journal::open(&journal_path(global, args.paths.first().map(|p| p.as_path())))?;
    let mut task = journal.task(&args.task)?;
    // A task that completed with failures can be resumed too: its failed steps run again.
    if task.status == TaskStatus::Complete && task.result == Some(TaskResult::Success) {
        output::emit(&format!(
            "task {} completed successfully; nothing to resume\n",
            task.id
        ))?;
        return Ok(Outcome::Clean);
    }
    if !args.paths.is_empty() {
        let given = stored_design(crate::design::ingest::read_design(&args.paths)?);
        let stored = task.design.as_ref().map(|d| d.hash.as_str());
        if stored != Some(given.hash.as_str()) {
            if !args.accept_design_change {
                bail!(
                    "the design given with -d differs from the one task {} ran with; resume without -d to use the stored design, or add --accept-design-change",
                    task.id
                );
            }
            task.design = Some(given);
        }
    }
    output::emit(&format!(
        "task {} resumed ({}, journal {})\n",
        task.id,
        task.label(),
        journal.path().display()
    ))?;
    match task.work {
        Work::Action { .. } => run::run_task(&journal, task, global, None),
        Work::Script { .. } => script::run_task(&journal, task, global),
    }
}
