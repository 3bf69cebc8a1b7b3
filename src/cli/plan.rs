//! `drydock plan ACTION`: what the action would change in MAAS, changing nothing. The action
//! script runs with `ctx.options.plan` set: it reads MAAS and compares with the same code that
//! makes the changes, then stops short of making them.

use anyhow::bail;

use super::run::{action_name, print_result};
use super::{DesignArgs, Global, Outcome, embedded_sim};
use crate::runtime::bindings::MaasDefaults;
use crate::runtime::{Loader, Runtime};

/// Actions whose scripts honour `ctx.options.plan` (a site's override of one must too).
const PLANNED: &[&str] = &["prepare_site"];

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Action to plan: prepare_site (PrepareSite works too)
    pub action: String,
    #[command(flatten)]
    pub design: DesignArgs,
    /// Plan against a simulated MAAS started in this process on the design
    #[arg(long)]
    pub sim: bool,
}

pub fn run(args: &Args, global: &Global) -> anyhow::Result<Outcome> {
    let action = action_name(&args.action);
    if !PLANNED.contains(&action.as_str()) {
        bail!(
            "drydock plan covers {}; {action} cannot be planned yet",
            PLANNED.join(", ")
        );
    }
    if Loader::new(global.site_dir.clone()).action(&action)?.is_none() {
        bail!("no action '{action}'");
    }
    let site = crate::design::load(&args.design.paths)?;
    let embedded = if args.sim {
        Some(embedded_sim::start(&site)?)
    } else {
        None
    };
    let runtime = Runtime::new(global.site_dir.clone())?;
    let maas = match &embedded {
        Some((_, defaults)) => defaults.clone(),
        None => super::maas_defaults(global)?,
    };
    // Whatever the script does, a plan cannot write.
    runtime.set_maas_defaults(MaasDefaults {
        read_only: true,
        ..maas
    });
    let ctx = runtime.action_context(&action, site, &serde_json::json!({ "plan": true }))?;
    let result = runtime.to_json(runtime.run_action(&action, ctx)?)?;
    print_result(&result, global.format)?;
    let pending = |field: &str| {
        result
            .get(field)
            .and_then(|v| v.as_array())
            .is_some_and(|v| !v.is_empty())
    };
    // Problems count too: the action would not leave MAAS as the design says.
    Ok(if pending("changes") || pending("problems") {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}
