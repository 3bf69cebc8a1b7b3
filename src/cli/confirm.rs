//! `drydock confirm TASK_ID NODE`: tells a running task that the operator did what a manual
//! (no-BMC) node waits for. Works from any shell while the task runs: the journal is that
//! process's, so the confirmation goes through the task's inbox beside it.

use super::{Global, Outcome, output};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The running task (its id is printed when it starts, and by `drydock tasks list`)
    pub task: String,
    /// The node whose manual power or boot action you did
    pub node: String,
}

pub fn run(args: &Args, global: &Global) -> anyhow::Result<Outcome> {
    let journal = crate::action::journal_path(global.journal.as_deref(), None);
    let what = crate::oob::confirm(&journal, &args.task, &args.node).map_err(|e| anyhow::anyhow!(e))?;
    output::emit(&format!(
        "confirmed for node {} of task {}: {what}\n",
        args.node, args.task
    ))?;
    Ok(Outcome::Clean)
}
