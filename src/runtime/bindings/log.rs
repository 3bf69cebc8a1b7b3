//! `drydock.log`: `debug/info/warn/error(message, fields)` into drydock's log, with the
//! script position that logged.

use mlua::{Lua, Table, Value};

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
            // Fields only when the script gave some: an empty `fields=""` on every line is noise.
            let fields = match fields {
                Some(v) => Some(serde_json::to_string(&super::json_of(lua, v)?).unwrap_or_default()),
                None => None,
            };
            let at = position(lua);
            macro_rules! log_at {
                ($level:ident) => {
                    match &fields {
                        Some(fields) => tracing::$level!(target: "drydock::script", at, fields, "{msg}"),
                        None => tracing::$level!(target: "drydock::script", at, "{msg}"),
                    }
                };
            }
            match level {
                "debug" => log_at!(debug),
                "info" => log_at!(info),
                "warn" => log_at!(warn),
                _ => log_at!(error),
            }
            Ok(())
        })?;
        t.set(level, f)?;
    }
    Ok(t)
}
