//! The Lua state scripts run in: Lua 5.4 with a curated standard library. Site scripts are
//! trusted operator code, so this is no jail; it removes what would bypass drydock (direct
//! file I/O, loading bytecode, searching the working directory for modules).

use mlua::{Lua, LuaOptions, StdLib};

const CURATE: &str = r##"
dofile = nil
loadfile = nil
local raw_load = load
-- Text chunks only: bytecode can crash the VM.
load = function(chunk, name, _mode, ...)
  if select("#", ...) > 0 then return raw_load(chunk, name, "t", ...) end
  return raw_load(chunk, name, "t")
end
local os_subset = {
  time = os.time, clock = os.clock, date = os.date, getenv = os.getenv, difftime = os.difftime,
  exit = function() error("os.exit is not available in drydock scripts: raise an error instead", 2) end,
}
os = os_subset
package.loaded.os = os_subset
package.path = ""
package.cpath = ""
"##;

pub fn new_state() -> mlua::Result<Lua> {
    let libs = StdLib::TABLE
        | StdLib::STRING
        | StdLib::MATH
        | StdLib::UTF8
        | StdLib::COROUTINE
        | StdLib::PACKAGE
        | StdLib::OS;
    let lua = Lua::new_with(libs, LuaOptions::default())?;
    lua.load(CURATE).set_name("=drydock-env").exec()?;
    Ok(lua)
}
