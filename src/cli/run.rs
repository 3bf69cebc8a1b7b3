//! `drydock run ACTION`: runs an action script (site override first) on the design.

use std::rc::Rc;

use anyhow::bail;
use mlua::LuaSerdeExt;

use super::{DesignArgs, Format, Global, Outcome, output, validate};
use crate::runtime::{Loader, Runtime, bindings::Design};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Action: validate_design, ... (Drydock's CamelCase names such as ValidateDesign work too)
    pub action: String,
    #[command(flatten)]
    pub design: DesignArgs,
    /// validate_design: run only this rule (repeatable)
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
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
    if action == "validate_design" {
        let report = validate::validate(&args.design, &args.rules, global)?;
        return validate::print_report(&report, global.format);
    }
    if !args.rules.is_empty() {
        bail!("--rule selects validation rules: it applies to validate_design, not {action}");
    }
    let site = crate::design::load(&args.design.paths)?;
    let runtime = Runtime::new(global.site_dir.clone())?;
    let lua = runtime.lua();
    if Loader::new(global.site_dir.clone()).action(&action)?.is_none() {
        bail!(
            "no action '{action}': the shipped actions are validate_design; a site can add one as <site-dir>/scripts/{action}.lua"
        );
    }
    let ctx = lua.create_table()?;
    ctx.set("action", action.as_str())?;
    ctx.set("design", Design(Rc::new(site)))?;
    ctx.set("options", lua.create_table()?)?;
    let result = runtime.run_action(&action, ctx)?;
    let json: serde_json::Value = lua.from_value(result)?;
    if !json.is_null() || global.format == Some(Format::Json) {
        output::emit_json(&json)?;
    }
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    use super::action_name;

    #[test]
    fn camel_case_actions_map_to_script_names() {
        assert_eq!(action_name("ValidateDesign"), "validate_design");
        assert_eq!(action_name("PrepareNodes"), "prepare_nodes");
        assert_eq!(action_name("deploy_nodes"), "deploy_nodes");
    }
}
