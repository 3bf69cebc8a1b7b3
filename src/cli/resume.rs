//! `drydock resume TASK_ID`: re-runs an unfinished task with its stored inputs. Steps that
//! succeeded return their stored results; interrupted and failed ones run again.

use std::path::PathBuf;

use super::run::{announce, finish};
use super::{Format, Global, Outcome, output};
use crate::action::{self, Connection, Resume, Resumed};

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
    let first = args.paths.first().map(|p| p.as_path());
    let request = Resume {
        journal: action::journal_path(global.journal.as_deref(), first),
        task: args.task.clone(),
        design: args.paths.clone(),
        accept_design_change: args.accept_design_change,
        connection: Connection::Configured(super::maas_defaults(global)?),
        oob: global.oob.settings(super::attended())?,
    };
    match action::resume(request)? {
        Resumed::AlreadyDone { task_id } => {
            output::emit(&format!(
                "task {task_id} completed successfully; nothing to resume\n"
            ))?;
            Ok(Outcome::Clean)
        }
        Resumed::Ready(prepared) => {
            announce(&prepared, "resumed", global.format == Some(Format::Json))?;
            finish(*prepared, global.format)
        }
    }
}
