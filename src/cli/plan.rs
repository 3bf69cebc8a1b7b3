//! `drydock plan ACTION`: what the action would change in MAAS, changing nothing. The action
//! runs with `ctx.options.plan` set and a MAAS client that cannot write: it reads MAAS and
//! compares with the same code that makes the changes, then stops short of making them.

use super::run::{SelectionArgs, connection, finish};
use super::{DesignArgs, Global, Outcome};
use crate::action::{self, Mode, Request};
use crate::journal::Work;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The action to plan (one whose script says `plan = true`; CamelCase names work too)
    pub action: String,
    #[command(flatten)]
    pub design: DesignArgs,
    #[command(flatten)]
    pub selection: SelectionArgs,
    #[command(flatten)]
    pub sim: super::run::SimArgs,
}

pub fn run(args: &Args, global: &Global) -> anyhow::Result<Outcome> {
    let request = Request {
        work: Work::Action {
            name: action::action_name(&args.action),
            options: serde_json::json!({}),
        },
        design: args.design.paths.clone(),
        selection: args.selection.selection()?,
        mode: Mode::Plan,
        connection: connection(&args.sim, global)?,
        site_dir: global.site_dir.clone(),
        journal: None,
        skip_validation: false,
        oob: global.oob.settings(false)?,
    };
    finish(action::prepare(request)?, global.format)
}
