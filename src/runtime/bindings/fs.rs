//! `drydock.fs`: the file access scripts get (there is no `io`), so every write is explicit.

use mlua::{Lua, Table};

fn io(what: &str, path: &str, e: std::io::Error) -> mlua::Error {
    mlua::Error::runtime(format!("drydock.fs.{what}: {path}: {e}"))
}

pub fn module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set(
        "read",
        lua.create_function(|_, path: String| {
            std::fs::read_to_string(&path).map_err(|e| io("read", &path, e))
        })?,
    )?;
    t.set(
        "write",
        lua.create_function(|_, (path, text): (String, mlua::LuaString)| {
            std::fs::write(&path, text.as_bytes()).map_err(|e| io("write", &path, e))
        })?,
    )?;
    t.set(
        "append",
        lua.create_function(|_, (path, text): (String, mlua::LuaString)| {
            use std::io::Write as _;
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| io("append", &path, e))?;
            f.write_all(&text.as_bytes()).map_err(|e| io("append", &path, e))
        })?,
    )?;
    Ok(t)
}
