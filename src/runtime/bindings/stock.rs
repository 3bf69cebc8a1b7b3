//! `drydock.stock(name)`: the shipped action, whatever the site overrides, so a site
//! variant can extend it instead of copying it.

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
