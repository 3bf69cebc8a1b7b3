//! `drydock script FILE.lua [ARGS]`: runs any Lua file with the full `drydock` API, as a
//! journaled task (its `drydock.task` steps are resumable).

use std::path::PathBuf;

use anyhow::Context as _;

use super::run::{announce, finish};
use super::{Format, Global, Outcome};
use crate::action::{self, Mode, Request};
use crate::journal::{Selection, Work};

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
    let request = Request {
        work: Work::Script {
            file: args.file.display().to_string(),
            source,
            args: args.args.clone(),
        },
        design: Vec::new(),
        selection: Selection::default(),
        mode: Mode::Run,
        connection: super::run::connection(&Default::default(), global)?,
        site_dir: global.site_dir.clone(),
        journal: Some(action::journal_path(global.journal.as_deref(), None)),
        skip_validation: false,
        oob: global.oob.settings(super::attended())?,
    };
    let prepared = action::prepare(request)?;
    announce(&prepared, "", global.format == Some(Format::Json))?;
    finish(prepared, global.format)
}
