//! The standard library selene lints drydock's Lua against, read from a live runtime: every
//! global a script has (Lua 5.4 as drydock curates it, so `io` or `os.remove` are unknown to
//! the linter as they are to scripts) and every module, function and field of the `drydock`
//! table. Generated, so the linter knows exactly what scripts get; `tests/lua_types.rs` keeps
//! the committed `drydock.yml` equal to this rendering.

use std::fmt::Write;

use mlua::{Lua, Table, Value};

use super::ErrorInfo;
use super::Runtime;

/// Lists a table's string keys with their values, through `pairs` so the read-only
/// proxies the bindings hand out (`__pairs`) are walked like plain tables.
const ENTRIES: &str = r#"
local t = ...
local out = {}
for k, v in pairs(t) do
  if type(k) == "string" then out[#out + 1] = { k, v } end
end
return out
"#;

/// The selene standard library (YAML) for drydock scripts.
pub fn render() -> Result<String, ErrorInfo> {
    let runtime = Runtime::new(None)?;
    let lua = runtime.lua();
    let mut globals: Vec<(String, String)> = Vec::new();
    for (name, value) in entries(lua, &lua.globals())? {
        // The drydock API is walked to its leaves; in the Lua libraries a table below a
        // library holds data (`package.loaded`), and `_G` is the global table again.
        let depth = match name.as_str() {
            "drydock" => usize::MAX,
            "_G" => 0,
            _ => 1,
        };
        walk(lua, &name, &value, depth, &mut globals)?;
    }
    globals.sort();

    let mut out = String::from(
        "# selene's standard library for drydock's Lua: Lua 5.4 as drydock curates it, and the\n\
         # drydock API. Generated from a live runtime by src/runtime/selene_std.rs; after changing\n\
         # the bindings: DRYDOCK_UPDATE_TYPES=1 cargo test --test lua_types\n\
         ---\nname: drydock\nlua_versions:\n  - lua54\nglobals:\n",
    );
    for (name, spec) in globals {
        let _ = writeln!(out, "  {name}:");
        for line in spec.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    Ok(out)
}

/// `value` at `path` and, `depth` tables down, what it holds: functions take any arguments
/// (their signatures are not visible from Lua), tables deeper than that take any field, other
/// values are read-only fields.
fn walk(
    lua: &Lua,
    path: &str,
    value: &Value,
    depth: usize,
    out: &mut Vec<(String, String)>,
) -> mlua::Result<()> {
    match value {
        Value::Function(_) => out.push((
            path.into(),
            "args:\n  - type: \"...\"\n    required: false".into(),
        )),
        // A string's fields are its methods (`drydock.version:match(…)`).
        Value::String(_) => out.push((path.into(), "any: true".into())),
        Value::Table(_) if depth == 0 => out.push((path.into(), "any: true".into())),
        Value::Table(t) => {
            let fields = entries(lua, t)?;
            if fields.is_empty() {
                out.push((path.into(), "property: read-only".into()));
            }
            for (name, value) in &fields {
                walk(lua, &format!("{path}.{name}"), value, depth - 1, out)?;
            }
        }
        _ => out.push((path.into(), "property: read-only".into())),
    }
    Ok(())
}

fn entries(lua: &Lua, table: &Table) -> mlua::Result<Vec<(String, Value)>> {
    let list: Vec<Table> = lua.load(ENTRIES).set_name("=selene-std").call(table.clone())?;
    let mut out = list
        .into_iter()
        .map(|pair| Ok((pair.get::<String>(1)?, pair.get::<Value>(2)?)))
        .collect::<mlua::Result<Vec<_>>>()?;
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}
