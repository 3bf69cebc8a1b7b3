//! `drydock script FILE.lua [ARGS]`: runs any Lua file with the full `drydock` API, as a
//! journaled task (its `drydock.task` steps are resumable).

use std::path::PathBuf;

use anyhow::{Context as _, bail};

use super::journaled::{announce, execute, journal_path};
use super::{Format, Global, Outcome, output};
use crate::journal::{Journal, Selection, TaskRecord, TaskResult, Work};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Lua file to run
    pub file: PathBuf,
    /// Arguments, available to the script as `...`
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

pub fn run(args: &Args, global: &Global) -> anyhow::Result<Outcome> {
    let source = std::fs::read_to_string(&args.file)
        .with_context(|| format!("{}: cannot read the script", args.file.display()))?;
    let journal = Journal::open(&journal_path(global, None))?;
    let work = Work::Script {
        file: args.file.display().to_string(),
        source,
        args: args.args.clone(),
    };
    let task = super::journaled::new_task(work, Selection::default(), None, global.site_dir.as_deref());
    announce(&task, &journal, global.format == Some(Format::Json))?;
    run_task(&journal, task, global)
}

/// Runs (or re-runs) a script task from its stored source.
pub fn run_task(journal: &Journal, task: TaskRecord, global: &Global) -> anyhow::Result<Outcome> {
    let Work::Script { file, source, args } = task.work.clone() else {
        bail!("task {} is not a script", task.id);
    };
    let (task, outcome) = execute(journal, task, global, |rt| {
        let result = rt.run_chunk(&file, &source, args)?;
        rt.to_json(result)
    })?;
    let result = outcome?;
    if !result.is_null() {
        output::emit_json(&result)?;
    }
    Ok(if task.result == Some(TaskResult::Success) {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}
