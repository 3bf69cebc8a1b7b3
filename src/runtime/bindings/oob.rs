//! `drydock.oob`: a node's BMC as a handle. `driver(node [, design])` resolves the node's
//! BMC from the design (the action's own when none is given) and returns one handle per node
//! until the script closes it, so a Redfish session is opened once; the run closes those
//! left open when it ends.
//! Every method waits for what it asked for; a failure raises an `oob` error value naming
//! the node, the BMC and what the BMC said.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use mlua::{Lua, LuaSerdeExt, Table, UserData, UserDataFields, UserDataMethods, Value};

use super::{Design, plain};
use crate::oob::{Bmc, BootDevice, BootPersistence, NextBoot, Oob, OobSettings};

/// A node's BMC in Lua.
#[derive(Clone)]
pub struct OobHandle(Rc<Oob>);

/// The handles open in this runtime, by node (a handle closed is forgotten); those left are
/// closed together at the end of the run.
#[derive(Default)]
pub struct Handles(RefCell<HashMap<String, OobHandle>>);

impl Handles {
    /// Ends every open session (Redfish logs out). The handles stay usable: a later call
    /// logs in again.
    pub async fn close_all(lua: &Lua) {
        let open: Vec<OobHandle> = match lua.app_data_ref::<Handles>() {
            Some(h) => h.0.borrow_mut().drain().map(|(_, h)| h).collect(),
            None => return,
        };
        for handle in open {
            handle.0.close().await;
        }
    }
}

/// A password in Lua: opaque. It prints and serializes as `<redacted>` (so a step that
/// returns it journals nothing secret); only the MAAS client, sending it, reads it.
pub struct LuaSecret(pub crate::oob::Secret);

impl UserData for LuaSecret {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_meta_method("__tostring", |_, _, ()| Ok(crate::design::model::REDACTED));
    }
}

impl serde::Serialize for LuaSecret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(crate::design::model::REDACTED)
    }
}

/// The action's design, which `driver(node)` resolves nodes in when given no design.
pub struct CurrentDesign(pub Design);

fn settings(lua: &Lua) -> Arc<OobSettings> {
    lua.app_data_ref::<Arc<OobSettings>>()
        .map(|s| Arc::clone(&s))
        .unwrap_or_default()
}

fn oob_error(e: crate::oob::OobError) -> mlua::Error {
    mlua::Error::external(crate::runtime::ErrorInfo::from(&e))
}

fn node_name(node: &Value) -> mlua::Result<String> {
    match node {
        Value::String(s) => Ok(s.to_str()?.to_string()),
        Value::Table(t) => t
            .get::<Option<String>>("name")?
            .ok_or_else(|| mlua::Error::runtime("drydock.oob.driver: the node table has no name")),
        other => Err(mlua::Error::runtime(format!(
            "drydock.oob.driver: node must be a node table or name, not a {}",
            other.type_name()
        ))),
    }
}

fn driver(lua: &Lua, (node, design): (Value, Option<mlua::UserDataRef<Design>>)) -> mlua::Result<OobHandle> {
    let name = node_name(&node)?;
    if let Some(open) = lua
        .app_data_ref::<Handles>()
        .and_then(|h| h.0.borrow().get(&name).cloned())
    {
        return Ok(open);
    }
    let site = match design {
        Some(d) => Rc::clone(&d.0),
        None => match lua.app_data_ref::<CurrentDesign>() {
            Some(d) => Rc::clone(&d.0.0),
            None => {
                return Err(mlua::Error::runtime(
                    "drydock.oob.driver: no design to find the node in: pass one, drydock.oob.driver(node, design)",
                ));
            }
        },
    };
    let Some(found) = site.node(&name) else {
        return Err(mlua::Error::runtime(format!(
            "drydock.oob.driver: the design has no node {name:?}"
        )));
    };
    let settings = settings(lua);
    let bmc = Bmc::of_node(found, &settings).map_err(oob_error)?;
    let handle = OobHandle(Rc::new(crate::oob::connect(bmc, settings).map_err(oob_error)?));
    if lua.app_data_ref::<Handles>().is_none() {
        lua.set_app_data(Handles::default());
    }
    if let Some(h) = lua.app_data_ref::<Handles>() {
        h.0.borrow_mut().insert(name, handle.clone());
    }
    Ok(handle)
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PowerOffOptions {
    #[serde(default)]
    graceful: bool,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct BootOptions {
    #[serde(default)]
    persistent: bool,
    #[serde(default)]
    uefi: bool,
}

fn options<T: serde::de::DeserializeOwned + Default>(
    lua: &Lua,
    method: &str,
    v: Option<Value>,
) -> mlua::Result<T> {
    match v {
        None | Some(Value::Nil) => Ok(T::default()),
        Some(v) => lua
            .from_value(v)
            .map_err(|e| mlua::Error::runtime(format!("{method}: bad options: {e}"))),
    }
}

impl UserData for OobHandle {
    fn add_fields<F: UserDataFields<Self>>(fields: &mut F) {
        fields.add_field_method_get("node", |_, h| Ok(h.0.bmc().node.clone()));
        fields.add_field_method_get("protocol", |_, h| Ok(h.0.bmc().protocol.as_str()));
        fields.add_field_method_get("bmc", |_, h| Ok(h.0.bmc().address.clone()));
    }

    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_async_method("power_state", |_, h, ()| async move {
            Ok(h.0.power_state().await.map_err(oob_error)?.as_str())
        });
        methods.add_async_method("power_on", |lua, h, ()| async move {
            let t = h.0.power_on().await.map_err(oob_error)?;
            lua.to_value_with(&t, plain())
        });
        methods.add_async_method("power_off", |lua, h, opts: Option<Value>| async move {
            let opts: PowerOffOptions = options(&lua, "power_off", opts)?;
            let t = h.0.power_off(opts.graceful).await.map_err(oob_error)?;
            lua.to_value_with(&t, plain())
        });
        methods.add_async_method("power_cycle", |lua, h, ()| async move {
            let t = h.0.power_cycle().await.map_err(oob_error)?;
            lua.to_value_with(&t, plain())
        });
        methods.add_async_method(
            "set_boot",
            |lua, h, (device, opts): (String, Option<Value>)| async move {
                let device = BootDevice::parse(&device).ok_or_else(|| {
                    mlua::Error::runtime(format!(
                        "set_boot: device must be \"pxe\" or \"disk\", not {device:?}"
                    ))
                })?;
                let opts: BootOptions = options(&lua, "set_boot", opts)?;
                let boot = NextBoot {
                    device,
                    persistence: if opts.persistent {
                        BootPersistence::Persistent
                    } else {
                        BootPersistence::Once
                    },
                    uefi: opts.uefi,
                };
                h.0.set_boot(boot).await.map_err(oob_error)?;
                Ok(())
            },
        );
        methods.add_async_method("inventory", |lua, h, ()| async move {
            let inventory = h.0.inventory().await.map_err(oob_error)?;
            lua.to_value_with(&inventory, plain())
        });
        methods.add_method("maas_power", |lua, h, ()| {
            let (power_type, params) = crate::oob::maas_power(h.0.bmc());
            let t = lua.create_table()?;
            t.set("power_type", power_type)?;
            for (name, value) in params {
                let key = format!("power_parameters_{name}");
                match value {
                    crate::oob::ParamValue::Plain(v) => t.set(key, v)?,
                    crate::oob::ParamValue::Secret(secret) => {
                        t.set(key, lua.create_ser_userdata(LuaSecret(secret))?)?;
                    }
                }
            }
            Ok(t)
        });
        methods.add_async_method("close", |lua, h, ()| async move {
            h.0.close().await;
            // Forgotten: the node's next driver() is a new handle, and this one's connection
            // goes with the last reference to it.
            if let Some(open) = lua.app_data_ref::<Handles>() {
                let mut open = open.0.borrow_mut();
                if open.get(&h.0.bmc().node).is_some_and(|o| Rc::ptr_eq(&o.0, &h.0)) {
                    open.remove(&h.0.bmc().node);
                }
            }
            Ok(())
        });
        methods.add_meta_method("__tostring", |_, h, ()| {
            let b = h.0.bmc();
            Ok(format!(
                "oob driver {} for node {} ({})",
                b.protocol, b.node, b.address
            ))
        });
    }
}

pub fn module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set("driver", lua.create_function(driver)?)?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use mlua::ObjectLike;

    use super::*;

    fn open(lua: &Lua, node: &str) -> OobHandle {
        driver(lua, (Value::String(lua.create_string(node).unwrap()), None)).unwrap()
    }

    async fn close(lua: &Lua, handle: &OobHandle) {
        let handle = lua.create_userdata(handle.clone()).unwrap();
        handle.call_async_method::<()>("close", ()).await.unwrap();
    }

    #[tokio::test]
    async fn a_closed_handle_is_forgotten_so_the_node_s_next_driver_is_a_new_one() {
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base.yaml");
        let site = crate::design::load(&[base]).unwrap();
        let lua = Lua::new();
        lua.set_app_data(CurrentDesign(Design(Rc::new(site))));
        let first = open(&lua, "cmp01");
        assert!(
            Rc::ptr_eq(&first.0, &open(&lua, "cmp01").0),
            "one handle per node"
        );
        let other = open(&lua, "ctl01");

        close(&lua, &first).await;
        let second = open(&lua, "cmp01");
        assert!(!Rc::ptr_eq(&first.0, &second.0), "closed: forgotten");
        assert!(Rc::ptr_eq(&second.0, &open(&lua, "cmp01").0));
        assert!(Rc::ptr_eq(&other.0, &open(&lua, "ctl01").0), "other nodes' stay");
        // Closing a handle already forgotten leaves the node's new one alone.
        close(&lua, &first).await;
        assert!(Rc::ptr_eq(&second.0, &open(&lua, "cmp01").0));
    }
}
