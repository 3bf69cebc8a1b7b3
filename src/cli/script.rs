//! `drydock script FILE.lua [ARGS]`: runs any Lua file with the full `drydock` API.

use std::path::PathBuf;

use mlua::LuaSerdeExt;

use super::{Global, Outcome, output};
use crate::runtime::Runtime;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Lua file to run
    pub file: PathBuf,
    /// Arguments, available to the script as `...`
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

pub fn run(args: &Args, global: &Global) -> anyhow::Result<Outcome> {
    let runtime = Runtime::new(global.site_dir.clone())?;
    let result = runtime.run_file(&args.file, args.args.clone())?;
    if !result.is_nil() {
        let json: serde_json::Value = runtime.lua().from_value(result)?;
        output::emit_json(&json)?;
    }
    Ok(Outcome::Clean)
}
