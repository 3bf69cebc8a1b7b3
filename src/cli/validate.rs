//! `drydock validate`: ValidateDesign, run through `scripts/validate_design.lua`.

use std::rc::Rc;

use anyhow::{Context as _, bail};
use mlua::LuaSerdeExt;
use serde::Deserialize;

use super::{DesignArgs, Format, Global, Outcome, output};
use crate::design::rules;
use crate::design::validation::{Message, ValidationReport};
use crate::runtime::{Loader, Runtime, bindings::Design};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub design: DesignArgs,
    /// Run only this rule (repeatable); see the rule ids in the README
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
}

/// What `validate_design.lua` must return.
#[derive(Deserialize)]
struct ValidateResult {
    messages: Vec<Message>,
}

fn check_rule_ids(ids: &[String], loader: &Loader) -> anyhow::Result<()> {
    let site_rules: Vec<String> = loader.site_rules()?.into_iter().map(|(id, _)| id).collect();
    for id in ids {
        if rules::find(id).is_none() && !site_rules.contains(id) {
            let mut known: Vec<&str> = rules::ALL.iter().map(|r| r.id).collect();
            known.extend(site_rules.iter().map(String::as_str));
            bail!("unknown rule '{id}'; known rules: {}", known.join(", "));
        }
    }
    Ok(())
}

/// Loads the design and runs the validate_design action; shared with `drydock run`.
pub fn validate(
    design: &DesignArgs,
    rule_ids: &[String],
    global: &Global,
) -> anyhow::Result<ValidationReport> {
    check_rule_ids(rule_ids, &Loader::new(global.site_dir.clone()))?;
    let site = crate::design::load(&design.paths)?;
    let runtime = Runtime::new(global.site_dir.clone())?;
    let lua = runtime.lua();
    let ctx = lua.create_table()?;
    ctx.set("action", "validate_design")?;
    ctx.set("design", Design(Rc::new(site)))?;
    let options = lua.create_table()?;
    if !rule_ids.is_empty() {
        options.set("rules", rule_ids.to_vec())?;
    }
    ctx.set("options", options)?;
    let result = runtime.run_action("validate_design", ctx)?;
    let result: ValidateResult = lua
        .from_value(result)
        .context("validate_design must return { messages = { ... } } (each a validation message)")?;
    Ok(ValidationReport {
        messages: result.messages,
    })
}

pub fn run(args: &Args, global: &Global) -> anyhow::Result<Outcome> {
    let report = validate(&args.design, &args.rules, global)?;
    print_report(&report, global.format)
}

pub fn print_report(report: &ValidationReport, format: Option<Format>) -> anyhow::Result<Outcome> {
    match format.unwrap_or(Format::Text) {
        Format::Json => output::emit_json(&report.to_json())?,
        Format::Text => output::emit(&output::render_text(report))?,
        Format::Yaml => bail!("--format yaml is for design show; validate prints text or json"),
    }
    Ok(if report.passed() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}
