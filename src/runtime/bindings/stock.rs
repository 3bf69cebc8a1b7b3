//! `drydock.stock(name)`: the shipped action, whatever the site overrides, so a site
//! variant can extend it instead of copying it; `drydock.action(name)`: the action as
//! `drydock run` would run it (the site's, else the shipped one), so an action can be made
//! of others (`deploy_site`).

use mlua::{Function, Lua, Value};

use crate::runtime::{Loader, eval};

pub fn function(lua: &Lua) -> mlua::Result<Function> {
    lua.create_function(|lua, name: String| -> mlua::Result<Value> {
        let src = Loader::stock(&name).ok_or_else(|| {
            mlua::Error::runtime(format!("drydock.stock: no shipped action named '{name}'"))
        })?;
        eval(lua, &src)
    })
}

pub fn action_function(lua: &Lua) -> mlua::Result<Function> {
    lua.create_function(|lua, name: String| -> mlua::Result<Value> {
        let src = Loader::of(lua)
            .action(&name)
            .map_err(|e| mlua::Error::runtime(format!("drydock.action: {name}: {e}")))?
            .ok_or_else(|| mlua::Error::runtime(format!("drydock.action: no action named '{name}'")))?;
        eval(lua, &src)
    })
}
