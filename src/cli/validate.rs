//! `drydock validate`: ValidateDesign without a journal (a validation changes nothing, so
//! there is nothing to resume): the shipped action that says `command = "validate"`, or the
//! site's version of it.

use std::path::PathBuf;

use super::run::{PaceArgs, finish, options};
use super::{DesignArgs, Global, Outcome};
use crate::action::{self, Connection, Mode, Request};
use crate::journal::{Selection, Work};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub design: DesignArgs,
    /// Run only this rule (repeatable); see the rule ids in the README
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
}

pub fn run(args: &Args, global: &Global) -> anyhow::Result<Outcome> {
    finish(prepare(&args.design.paths, &args.rules, global)?, global.format)
}

fn prepare(design: &[PathBuf], rules: &[String], global: &Global) -> anyhow::Result<action::Prepared> {
    let request = Request {
        work: Work::Action {
            name: action::command_action("validate")?,
            options: options(rules, &PaceArgs::default())?,
        },
        design: design.to_vec(),
        selection: Selection::default(),
        mode: Mode::Run,
        connection: Connection::Configured(Default::default()),
        site_dir: global.site_dir.clone(),
        journal: None,
        skip_validation: false,
        oob: crate::oob::OobSettings::default(),
    };
    Ok(action::prepare(request)?)
}

/// The errors `drydock validate` would report on `design`, counted as it counts them (for
/// commands that mention them, e.g. `design show`).
pub fn error_count(design: &[PathBuf], global: &Global) -> anyhow::Result<usize> {
    let outcome = prepare(design, &[], global)?.run()?;
    match outcome.validation() {
        Some(report) => Ok(report.error_count()),
        None => anyhow::bail!("the validate action returned no validation report"),
    }
}
