//! `drydock run ACTION`: runs an action script (site override first) on the design, as a
//! new journaled task.

use anyhow::bail;

use super::journaled::{announce, execute, journal_path, new_task, stored_design};
use super::{DesignArgs, Format, Global, Outcome, output, validate};
use crate::journal::{Journal, Selection, TaskRecord, TaskResult, Work};
use crate::runtime::Loader;
use crate::runtime::bindings::MaasDefaults;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Action: validate_design, ... (Drydock's CamelCase names such as ValidateDesign work too)
    pub action: String,
    #[command(flatten)]
    pub design: DesignArgs,
    /// validate_design: run only this rule (repeatable)
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
    /// Act on this node only (repeatable; with --rack/--tag: any of them)
    #[arg(long = "node", value_name = "NAME")]
    pub nodes: Vec<String>,
    /// Act on the nodes of this rack (repeatable)
    #[arg(long = "rack", value_name = "NAME")]
    pub racks: Vec<String>,
    /// Act on the nodes with this tag (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Run against a simulated MAAS started in this process on the design
    #[arg(long)]
    pub sim: bool,
}

/// `ValidateDesign` -> `validate_design`; snake_case names pass through.
pub fn action_name(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

pub fn run(args: &Args, global: &Global) -> anyhow::Result<Outcome> {
    let action = action_name(&args.action);
    let options = if action == "validate_design" {
        validate::check_rule_ids(&args.rules, global)?;
        validate::options(&args.rules)
    } else if !args.rules.is_empty() {
        bail!("--rule selects validation rules: it applies to validate_design, not {action}");
    } else {
        serde_json::json!({})
    };
    if Loader::new(global.site_dir.clone()).action(&action)?.is_none() {
        bail!(
            "no action '{action}': the shipped actions are {}; a site can add one as <site-dir>/scripts/{action}.lua",
            Loader::shipped_actions().join(", ")
        );
    }
    let files = crate::design::ingest::read_design(&args.design.paths)?;
    // Kept alive until the task ends: dropping it stops the simulator.
    let embedded = if args.sim {
        Some(super::embedded_sim::start(&crate::design::load_texts(&files)?)?)
    } else {
        None
    };
    let journal = Journal::open(&journal_path(
        global,
        args.design.paths.first().map(|p| p.as_path()),
    ))?;
    let selection = Selection {
        nodes: args.nodes.clone(),
        racks: args.racks.clone(),
        tags: args.tags.clone(),
    };
    let work = Work::Action {
        name: action,
        options,
    };
    let task = new_task(
        work,
        selection,
        Some(stored_design(files)),
        global.site_dir.as_deref(),
    );
    announce(&task, &journal, global.format == Some(Format::Json))?;
    run_task(
        &journal,
        task,
        global,
        embedded.as_ref().map(|(_, maas)| maas.clone()),
    )
}

/// Runs (or re-runs) an action task with its stored design and prints the result. `maas`
/// overrides the configured MAAS (an embedded simulator).
pub fn run_task(
    journal: &Journal,
    task: TaskRecord,
    global: &Global,
    maas: Option<MaasDefaults>,
) -> anyhow::Result<Outcome> {
    let Work::Action { name, options } = task.work.clone() else {
        bail!("task {} is not an action", task.id);
    };
    let files = task.design.as_ref().map(|d| d.files.clone()).unwrap_or_default();
    let site = crate::design::load_texts(&files)?;
    let (task, outcome) = execute(journal, task, global, |rt| {
        if let Some(maas) = maas {
            rt.set_maas_defaults(maas);
        }
        let ctx = rt.action_context(&name, site, &options)?;
        let result = rt.run_action(&name, ctx)?;
        rt.to_json(result)
    })?;
    let result = outcome?;
    if name == "validate_design" {
        return validate::print_report(&validate::report_of(result)?, global.format);
    }
    print_result(&result, global.format)?;
    Ok(if task.result == Some(TaskResult::Success) {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

/// An action's result: its `summary` and `lines` for people when it has them, else (and
/// with `--format json`) the result as JSON.
pub fn print_result(result: &serde_json::Value, format: Option<Format>) -> anyhow::Result<()> {
    let summary = result.get("summary").and_then(|s| s.as_str());
    match (format, summary) {
        (Some(Format::Json), _) => output::emit_json(result),
        (_, Some(summary)) => {
            let mut text = format!("{summary}\n");
            for line in result
                .get("lines")
                .and_then(|l| l.as_array())
                .into_iter()
                .flatten()
            {
                text.push_str(line.as_str().unwrap_or_default());
                text.push('\n');
            }
            output::emit(&text)
        }
        _ if result.is_null() => Ok(()),
        _ => output::emit_json(result),
    }
}
