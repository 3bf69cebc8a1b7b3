//! `drydock.maas`: `connect{url=, api_key=}` returns a client handle; its methods return
//! plain tables. Failures are Lua errors carrying the `MaasError` (see `drydock.error.info`).

use mlua::{Lua, LuaSerdeExt, Table, UserData, UserDataMethods, Value};

use super::plain;
use crate::maas::calls::{self, Call};
use crate::maas::{ApiKey, Client, ClientOptions, MaasError};

/// Where `connect{}` takes its defaults from: `--maas-url`, `--maas-api-key-file`,
/// `DRYDOCK_MAAS_URL`, `DRYDOCK_MAAS_API_KEY` (set by the CLI).
#[derive(Clone, Default)]
pub struct MaasDefaults {
    pub url: Option<String>,
    pub api_key: Option<ApiKey>,
}

pub struct MaasClient(pub Client);

/// `{k = v, list = {v1, v2}}` -> repeated form/query fields.
fn params(t: Option<Table>) -> mlua::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let Some(t) = t else { return Ok(out) };
    for pair in t.pairs::<String, Value>() {
        let (k, v) = pair?;
        match v {
            Value::Table(list) => {
                for item in list.sequence_values::<Value>() {
                    out.push((k.clone(), scalar(&k, item?)?));
                }
            }
            other => out.push((k.clone(), scalar(&k, other)?)),
        }
    }
    Ok(out)
}

fn scalar(key: &str, v: Value) -> mlua::Result<String> {
    match v {
        Value::String(s) => Ok(s.to_str()?.to_string()),
        Value::Integer(i) => Ok(i.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Boolean(b) => Ok(b.to_string()),
        other => Err(mlua::Error::runtime(format!(
            "MAAS parameter {key}: a {} cannot be sent",
            other.type_name()
        ))),
    }
}

fn result(lua: &Lua, r: Result<serde_json::Value, MaasError>) -> mlua::Result<Value> {
    lua.to_value_with(&r.map_err(mlua::Error::external)?, plain())
}

/// A typed call: its parameters checked against what MAAS accepts for it.
async fn call(lua: &Lua, client: &Client, c: Call, args: &[&str], p: Option<Table>) -> mlua::Result<Value> {
    let p = params(p)?;
    if let Some((bad, _)) = p.iter().find(|(k, _)| !c.accepts(k)) {
        return Err(mlua::Error::runtime(format!(
            "{} {}: MAAS takes no parameter {bad} (it takes: {})",
            c.method,
            c.path,
            c.params.join(", ")
        )));
    }
    let method = reqwest::Method::from_bytes(c.method.as_bytes()).map_err(mlua::Error::external)?;
    result(lua, client.call(method, &c.path_with(args), c.op, &p).await)
}

impl UserData for MaasClient {
    fn add_methods<M: UserDataMethods<Self>>(m: &mut M) {
        m.add_async_method(
            "get",
            |lua, this, (path, op, p): (String, Option<String>, Option<Table>)| async move {
                result(&lua, this.0.get(&path, op.as_deref(), &params(p)?).await)
            },
        );
        m.add_async_method(
            "post",
            |lua, this, (path, op, p): (String, Option<String>, Option<Table>)| async move {
                result(&lua, this.0.post(&path, op.as_deref(), &params(p)?).await)
            },
        );
        m.add_async_method(
            "put",
            |lua, this, (path, p): (String, Option<Table>)| async move {
                result(&lua, this.0.put(&path, &params(p)?).await)
            },
        );
        m.add_async_method("delete", |lua, this, path: String| async move {
            result(&lua, this.0.delete(&path).await)
        });
        m.add_async_method("version", |lua, this, ()| async move {
            call(&lua, &this.0, calls::VERSION, &[], None).await
        });
        m.add_async_method("machines", |lua, this, filter: Option<Table>| async move {
            call(&lua, &this.0, calls::MACHINES, &[], filter).await
        });
        m.add_async_method("machine", |lua, this, system_id: String| async move {
            call(&lua, &this.0, calls::MACHINE, &[&system_id], None).await
        });
        m.add_async_method("fabrics", |lua, this, ()| async move {
            call(&lua, &this.0, calls::FABRICS, &[], None).await
        });
        m.add_meta_method("__tostring", |_, this, ()| {
            Ok(format!("maas client {}", this.0.base()))
        });
    }
}

#[derive(serde::Deserialize, Default)]
struct ConnectOptions {
    url: Option<String>,
    api_key: Option<String>,
    timeout: Option<f64>,
    retry_deadline: Option<f64>,
}

pub fn module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set(
        "connect",
        lua.create_function(|lua, opts: Option<Value>| {
            let opts: ConnectOptions = match opts {
                None | Some(Value::Nil) => ConnectOptions::default(),
                Some(v) => lua.from_value(v)?,
            };
            let defaults = lua.app_data_ref::<MaasDefaults>().map(|d| d.clone()).unwrap_or_default();
            let url = opts.url.or(defaults.url).ok_or_else(|| {
                mlua::Error::runtime("drydock.maas.connect: no MAAS URL (give url=, --maas-url or DRYDOCK_MAAS_URL)")
            })?;
            let key = match opts.api_key {
                Some(k) => ApiKey::parse(&k).map_err(mlua::Error::external)?,
                None => defaults.api_key.ok_or_else(|| {
                    mlua::Error::runtime(
                        "drydock.maas.connect: no API key (give api_key=, --maas-api-key-file or DRYDOCK_MAAS_API_KEY)",
                    )
                })?,
            };
            let mut options = ClientOptions::default();
            if let Some(s) = opts.timeout.filter(|s| *s > 0.0) {
                options.timeout = std::time::Duration::from_secs_f64(s);
            }
            if let Some(s) = opts.retry_deadline.filter(|s| *s >= 0.0) {
                options.retry.deadline = std::time::Duration::from_secs_f64(s);
            }
            Ok(MaasClient(Client::new(&url, key, options).map_err(mlua::Error::external)?))
        })?,
    )?;
    Ok(t)
}

/// `drydock.error.info(e)`: what a caught error was, as a table (`kind = "maas"` with
/// `status`, `method`, `path`, `op`, `body`, `retryable`; otherwise `kind = "lua"`).
pub fn error_info(lua: &Lua, e: mlua::Error) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    match e.downcast_ref::<MaasError>() {
        Some(m) => {
            t.set("kind", "maas")?;
            t.set("status", m.status)?;
            t.set("method", m.method.as_str())?;
            t.set("path", m.path.as_str())?;
            t.set("op", m.op.clone())?;
            t.set("body", m.body.as_str())?;
            t.set("retryable", m.retryable())?;
            t.set("attempts", m.attempts)?;
            t.set("message", m.to_string())?;
        }
        None => {
            t.set("kind", "lua")?;
            t.set("retryable", false)?;
            t.set("message", crate::runtime::errors::render(&e).message)?;
        }
    }
    Ok(t)
}
