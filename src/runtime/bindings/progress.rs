//! `drydock.progress`: what a workflow tells the operator watching it — the phase it is in
//! (`phases.lua` says so for every action) and how many steps are coming. Steps report
//! themselves as they end. Nothing is shown unless drydock runs on a terminal.

use mlua::{Lua, Table};

use crate::runtime::progress::Progress;

pub fn module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set(
        "phase",
        lua.create_function(|lua, name: String| {
            Progress::of(lua).phase(&name);
            Ok(())
        })?,
    )?;
    t.set(
        "expect",
        lua.create_function(|lua, count: u64| {
            Progress::of(lua).expect(count);
            Ok(())
        })?,
    )?;
    Ok(t)
}
