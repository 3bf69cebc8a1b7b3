//! `drydock.error`: errors as values scripts can read. `info(e)` describes a caught error
//! (`e.kind`, `e.message`, `e.status`, `e.retryable`, ...); `task.parallel` puts the same
//! value in a failed item's slot. The description itself is made in `runtime::errors`.

use mlua::{Lua, LuaSerdeExt, Table, Value};

use super::plain;
use crate::runtime::errors::{ErrorInfo, describe};

/// Registry key of the metatable every error value shares.
const META: &str = "drydock.Error";

fn metatable(lua: &Lua) -> mlua::Result<Table> {
    if let Ok(meta) = lua.named_registry_value::<Table>(META) {
        return Ok(meta);
    }
    let meta = lua.create_table()?;
    meta.set("__name", META)?;
    meta.set(
        "__tostring",
        lua.create_function(|_, e: Table| e.get::<String>("message"))?,
    )?;
    lua.set_named_registry_value(META, &meta)?;
    Ok(meta)
}

/// An error as a Lua value: a table of its description whose `tostring` is its message.
pub fn to_lua(lua: &Lua, info: &ErrorInfo) -> mlua::Result<Table> {
    let Value::Table(t) = lua.to_value_with(info, plain())? else {
        return Err(mlua::Error::runtime("an error description must be a table"));
    };
    t.set_metatable(Some(metatable(lua)?))?;
    Ok(t)
}

fn is_error(lua: &Lua, t: &Table) -> bool {
    let meta = metatable(lua);
    t.metatable().is_some_and(|m| meta.is_ok_and(|meta| meta == m))
}

/// The description of whatever a script caught: an error raised by drydock, a Lua error
/// value, or an error value it already holds.
fn info(lua: &Lua, e: Value) -> mlua::Result<Table> {
    match e {
        Value::Table(t) if is_error(lua, &t) => Ok(t),
        Value::Error(e) => to_lua(lua, &describe(&e)),
        other => {
            let text = other
                .to_string()
                .unwrap_or_else(|_| other.type_name().to_string());
            to_lua(lua, &describe(&mlua::Error::runtime(text)))
        }
    }
}

/// An error value (made by [`to_lua`]) back as its description.
pub fn from_lua(lua: &Lua, v: &Value) -> Option<ErrorInfo> {
    match v {
        Value::Table(t) if is_error(lua, t) => lua.from_value(v.clone()).ok(),
        _ => None,
    }
}

pub fn module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set("info", lua.create_function(info)?)?;
    Ok(t)
}
