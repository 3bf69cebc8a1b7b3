//! The `drydock` Lua API. Each module is one file with one entry point; this file lists
//! them. Bindings only convert between Lua and Rust: the logic lives in the Rust core or
//! in the scripts.

pub mod bootactions;
pub mod design;
pub mod error;
mod fs;
mod log;
mod maas;
pub mod oob;
mod progress;
mod stock;
mod task;

use mlua::{Lua, LuaSerdeExt, Table, Value};

pub use design::Design;
pub use maas::MaasDefaults;

/// Records for scripts: JSON null becomes nil.
pub fn plain() -> mlua::serde::SerializeOptions {
    mlua::serde::SerializeOptions::new()
        .serialize_none_to_null(false)
        .serialize_unit_to_null(false)
}

/// A Lua value as JSON, the same on every run: keys sorted (Lua's table order varies between
/// runs), an empty table as `[]` (a list is the common case in what scripts return).
pub fn json_of(lua: &Lua, value: Value) -> mlua::Result<serde_json::Value> {
    let options = mlua::serde::DeserializeOptions::new()
        .sort_keys(true)
        .encode_empty_tables_as_array(true);
    lua.from_value_with(value, options)
}

/// Makes `t` read-only: scripts change behaviour through phases, not by patching the API.
fn readonly(lua: &Lua, name: &str, t: Table) -> mlua::Result<Table> {
    let proxy = lua.create_table()?;
    let meta = lua.create_table()?;
    meta.set("__index", t.clone())?;
    let name = name.to_string();
    meta.set(
        "__newindex",
        lua.create_function(move |_, (_, key): (Value, Value)| -> mlua::Result<()> {
            Err(mlua::Error::runtime(format!(
                "{name} is read-only (tried to set {}): wrap a phase with drydock.stock(...) instead",
                key.to_string().unwrap_or_default()
            )))
        })?,
    )?;
    meta.set(
        "__pairs",
        lua.create_function(move |lua, _: Value| {
            let next: mlua::Function = lua.globals().get("next")?;
            Ok((next, t.clone(), Value::Nil))
        })?,
    )?;
    meta.set("__metatable", false)?;
    proxy.set_metatable(Some(meta))?;
    Ok(proxy)
}

pub fn install(lua: &Lua) -> mlua::Result<()> {
    let dd = lua.create_table()?;
    dd.set("version", env!("CARGO_PKG_VERSION"))?;
    dd.set("null", lua.null())?;
    dd.set(
        "array",
        lua.create_function(|lua, t: Option<Table>| {
            let t = match t {
                Some(t) => t,
                None => lua.create_table()?,
            };
            t.set_metatable(Some(lua.array_metatable()))?;
            Ok(t)
        })?,
    )?;
    let loaded: Table = lua.globals().get::<Table>("package")?.get("loaded")?;
    for (name, module) in [
        ("design", design::module(lua)?),
        ("bootactions", bootactions::module(lua)?),
        ("log", log::module(lua)?),
        ("task", task::module(lua)?),
        ("fs", fs::module(lua)?),
        ("maas", maas::module(lua)?),
        ("oob", oob::module(lua)?),
        ("error", error::module(lua)?),
        ("progress", progress::module(lua)?),
    ] {
        let module = readonly(lua, &format!("drydock.{name}"), module)?;
        loaded.set(format!("drydock.{name}"), module.clone())?;
        dd.set(name, module)?;
    }
    dd.set("stock", stock::function(lua)?)?;
    dd.set("action", stock::action_function(lua)?)?;
    dd.set(
        "sleep",
        lua.create_async_function(|_, seconds: f64| async move {
            if !(seconds.is_finite() && seconds >= 0.0) {
                return Err(mlua::Error::runtime(format!(
                    "drydock.sleep: {seconds} is not a number of seconds >= 0"
                )));
            }
            tokio::time::sleep(std::time::Duration::from_secs_f64(seconds)).await;
            Ok(())
        })?,
    )?;
    let dd = readonly(lua, "drydock", dd)?;
    loaded.set("drydock", dd.clone())?;
    lua.globals().set("drydock", dd)
}
