//! Site rules: `<site-dir>/rules/<id>.lua` files, and rules registered by scripts with
//! `drydock.design.register_rule`. Each is a table `{name, long_name, check}`; this module
//! loads them, checks their shape at the boundary, and lists them in run order.

use mlua::{Lua, LuaSerdeExt, Table, Value};

use super::{Loader, eval};

/// Where registered rules are kept, in the Lua registry of the state.
const REGISTERED: &str = "drydock.registered_rules";

const SHAPE: &str = "{ name = \"...\", long_name = \"...\", check = function(design, report) ... end }";

fn check_shape(spec: &Value, what: &str) -> mlua::Result<Table> {
    match spec {
        Value::Table(t) if matches!(t.get::<Value>("check")?, Value::Function(_)) => Ok(t.clone()),
        Value::Table(_) => Err(mlua::Error::runtime(format!(
            "{what}: the rule has no check function; a rule is {SHAPE}"
        ))),
        other => Err(mlua::Error::runtime(format!(
            "{what}: a site rule must be {SHAPE}, not a {}",
            other.type_name()
        ))),
    }
}

fn registered(lua: &Lua) -> mlua::Result<Table> {
    match lua.named_registry_value::<Option<Table>>(REGISTERED)? {
        Some(t) => Ok(t),
        None => {
            let t = lua.create_table()?;
            lua.set_named_registry_value(REGISTERED, t.clone())?;
            Ok(t)
        }
    }
}

/// Adds a rule for this run; it is listed after the rule files. `spec` is a rule table or
/// just its check function.
pub fn register(lua: &Lua, id: String, spec: Value) -> mlua::Result<()> {
    let spec = match spec {
        Value::Function(check) => Value::Table(lua.create_table_from([("check", check)])?),
        other => other,
    };
    let spec = check_shape(&spec, &format!("register_rule({id})"))?;
    spec.set("id", id)?;
    registered(lua)?.raw_push(spec)
}

/// Every site rule: rule files sorted by id (with `id` and `file` set), then registered rules.
pub fn all(lua: &Lua) -> mlua::Result<Table> {
    let out = lua.create_table()?;
    for (id, src) in Loader::of(lua).site_rules().map_err(mlua::Error::external)? {
        let spec = check_shape(&eval(lua, &src)?, src.name())?;
        spec.set("id", id)?;
        spec.set("file", src.name())?;
        out.raw_push(spec)?;
    }
    for spec in registered(lua)?.sequence_values::<Table>() {
        out.raw_push(spec?)?;
    }
    out.set_metatable(Some(lua.array_metatable()))?;
    Ok(out)
}
