//! `drydock.progress`: what a workflow tells the operator watching it — the phase it is in
//! (`phases.lua` says so for every action), how many steps are coming, each node's state and
//! the nodes through each phase. Steps report themselves as they end. Nothing is shown unless
//! drydock runs on a terminal.

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
    t.set(
        "node",
        lua.create_function(|lua, (node, state): (String, String)| {
            Progress::of(lua).node(&node, &state);
            Ok(())
        })?,
    )?;
    t.set(
        "enter",
        lua.create_function(|lua, (phase, count): (String, u64)| {
            Progress::of(lua).enter(&phase, count);
            Ok(())
        })?,
    )?;
    t.set(
        "through",
        lua.create_function(|lua, phase: String| {
            Progress::of(lua).through(&phase);
            Ok(())
        })?,
    )?;
    Ok(t)
}
