//! `drydock validate`: ValidateDesign, run through `scripts/validate_design.lua`.

use anyhow::{Context as _, bail};
use serde::Deserialize;

use super::{DesignArgs, Format, Global, Outcome, output};
use crate::design::rules;
use crate::design::validation::{Message, ValidationReport};
use crate::runtime::{Loader, Runtime};

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

/// Refuses rule ids that are neither built in nor a site rule file.
pub fn check_rule_ids(ids: &[String], global: &Global) -> anyhow::Result<()> {
    let loader = Loader::new(global.site_dir.clone());
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

/// `ctx.options` of validate_design.
pub fn options(rule_ids: &[String]) -> serde_json::Value {
    if rule_ids.is_empty() {
        serde_json::json!({})
    } else {
        serde_json::json!({ "rules": rule_ids })
    }
}

/// The report in what validate_design returned.
pub fn report_of(result: serde_json::Value) -> anyhow::Result<ValidationReport> {
    let result: ValidateResult = serde_json::from_value(result)
        .context("validate_design must return { messages = { ... } } (each a validation message)")?;
    Ok(ValidationReport {
        messages: result.messages,
    })
}

pub fn run(args: &Args, global: &Global) -> anyhow::Result<Outcome> {
    check_rule_ids(&args.rules, global)?;
    let site = crate::design::load(&args.design.paths)?;
    let runtime = Runtime::new(global.site_dir.clone())?;
    let ctx = runtime.action_context("validate_design", site, &options(&args.rules))?;
    let result = runtime.run_action("validate_design", ctx)?;
    print_report(&report_of(runtime.to_json(result)?)?, global.format)
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
