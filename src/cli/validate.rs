//! `drydock validate`: ValidateDesign without a journal (a validation changes nothing, so
//! there is nothing to resume): the shipped action that says `command = "validate"`, or the
//! site's version of it.

use super::run::{finish, options};
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
    let request = Request {
        work: Work::Action {
            name: action::command_action("validate")?,
            options: options(&args.rules),
        },
        design: args.design.paths.clone(),
        selection: Selection::default(),
        mode: Mode::Run,
        connection: Connection::Configured(Default::default()),
        site_dir: global.site_dir.clone(),
        journal: None,
        skip_validation: false,
    };
    finish(action::prepare(request)?, global.format)
}
