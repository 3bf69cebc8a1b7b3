//! `drydock.log`: `debug/info/warn/error(message, fields)` into drydock's log, with the
//! script position that logged.

use mlua::{Lua, LuaSerdeExt, Table, Value};

fn position(lua: &Lua) -> String {
    lua.inspect_stack(1, |d| {
        let src = d.source();
        format!(
            "{}:{}",
            src.short_src.unwrap_or_default(),
            d.current_line().unwrap_or(0)
        )
    })
    .unwrap_or_default()
}

pub fn module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    for level in ["debug", "info", "warn", "error"] {
        let f = lua.create_function(move |lua, (msg, fields): (String, Option<Value>)| {
            let fields = match fields {
                Some(v) => {
                    serde_json::to_string(&lua.from_value::<serde_json::Value>(v)?).unwrap_or_default()
                }
                None => String::new(),
            };
            let at = position(lua);
            match level {
                "debug" => tracing::debug!(target: "drydock::script", at, fields, "{msg}"),
                "info" => tracing::info!(target: "drydock::script", at, fields, "{msg}"),
                "warn" => tracing::warn!(target: "drydock::script", at, fields, "{msg}"),
                _ => tracing::error!(target: "drydock::script", at, fields, "{msg}"),
            }
            Ok(())
        })?;
        t.set(level, f)?;
    }
    Ok(t)
}
