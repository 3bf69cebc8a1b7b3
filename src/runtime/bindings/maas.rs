//! `drydock.maas`: `connect{url=, api_key=}` returns a client handle; its methods return
//! plain tables. Failures are Lua errors carrying the `MaasError`, which `drydock.error.info`
//! describes.

use mlua::{Lua, LuaSerdeExt, Table, UserData, UserDataMethods, Value, Variadic};

use super::plain;
use crate::maas::calls::{self, Call};
use crate::maas::watch::{Key, Watch};
use crate::maas::{ApiKey, Client, ClientOptions, MaasError};
use crate::runtime::ErrorInfo;
use crate::runtime::errors::ErrorKind;

/// Where `connect{}` takes its defaults from: `--maas-url`, `--maas-api-key-file`,
/// `DRYDOCK_MAAS_URL`, `DRYDOCK_MAAS_API_KEY` (set by the CLI).
#[derive(Clone, Default)]
pub struct MaasDefaults {
    pub url: Option<String>,
    pub api_key: Option<ApiKey>,
    /// Every client connected in this runtime refuses to write (`drydock plan`); a script
    /// cannot turn it off.
    pub read_only: bool,
    /// How long a call keeps retrying an unreachable or busy MAAS (`--maas-retry-deadline`).
    pub retry_deadline: Option<std::time::Duration>,
}

pub struct MaasClient(pub Client);

/// Form or query fields, in order; a name may repeat.
type Params = Vec<(String, String)>;

/// `{k = v, list = {v1, v2}}` -> repeated form/query fields.
fn params(t: Option<Table>) -> mlua::Result<Params> {
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
        Value::UserData(ud) if ud.is::<super::oob::LuaSecret>() => {
            Ok(ud.borrow::<super::oob::LuaSecret>()?.0.expose().to_string())
        }
        other => Err(mlua::Error::runtime(format!(
            "MAAS parameter {key}: a {} cannot be sent",
            other.type_name()
        ))),
    }
}

fn result(lua: &Lua, r: Result<serde_json::Value, MaasError>) -> mlua::Result<Value> {
    lua.to_value_with(&r.map_err(mlua::Error::external)?, plain())
}

/// A typed call from Lua: `client:name(path_arg..., params?)`. Path arguments may be strings
/// or integers; the core checks their count and the parameter names.
async fn typed(
    lua: &Lua,
    client: &Client,
    call: &'static Call,
    args: Variadic<Value>,
) -> mlua::Result<Value> {
    let names: Vec<&str> = call.path_args().collect();
    let mut args = args.into_iter();
    let mut path_args = Vec::with_capacity(names.len());
    for name in &names {
        let arg = match args.next() {
            Some(Value::String(s)) => s.to_str()?.to_string(),
            Some(Value::Integer(i)) => i.to_string(),
            Some(Value::Number(n)) if n.fract() == 0.0 => format!("{n:.0}"),
            other => {
                return Err(mlua::Error::runtime(format!(
                    "client:{}({}): {name} must be a string or an integer, got {}",
                    call.name,
                    names.join(", "),
                    other.as_ref().map_or("nothing", Value::type_name)
                )));
            }
        };
        path_args.push(arg);
    }
    let params = match args.next() {
        None | Some(Value::Nil) => Vec::new(),
        Some(Value::Table(t)) => params(Some(t))?,
        Some(other) => {
            return Err(mlua::Error::runtime(format!(
                "client:{}: parameters must be a table, got {}",
                call.name,
                other.type_name()
            )));
        }
    };
    let path_args: Vec<&str> = path_args.iter().map(String::as_str).collect();
    result(lua, client.send(call, &path_args, &params).await)
}

/// `client:get(path, params)` or `client:get(path, op, params)`.
fn op_and_params(a: Value, b: Option<Table>) -> mlua::Result<(Option<String>, Params)> {
    match a {
        Value::Nil => Ok((None, params(b)?)),
        Value::String(op) => Ok((Some(op.to_str()?.to_string()), params(b)?)),
        Value::Table(t) => Ok((None, params(Some(t))?)),
        other => Err(mlua::Error::runtime(format!(
            "expected an op (string) or parameters (table), got {}",
            other.type_name()
        ))),
    }
}

impl UserData for MaasClient {
    fn add_methods<M: UserDataMethods<Self>>(m: &mut M) {
        m.add_async_method(
            "get",
            |lua, this, (path, a, b): (String, Value, Option<Table>)| async move {
                let (op, p) = op_and_params(a, b)?;
                result(&lua, this.0.get(&path, op.as_deref(), &p).await)
            },
        );
        m.add_async_method(
            "post",
            |lua, this, (path, a, b): (String, Value, Option<Table>)| async move {
                let (op, p) = op_and_params(a, b)?;
                result(&lua, this.0.post(&path, op.as_deref(), &p).await)
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
        for call in calls::all() {
            m.add_async_method(call.name, move |lua, this, args: Variadic<Value>| async move {
                typed(&lua, &this.0, call, args).await
            });
        }
        m.add_method("watch", |_, this, every: f64| {
            if !(every.is_finite() && every >= 0.0) {
                return Err(mlua::Error::runtime(format!(
                    "client:watch: {every} is not a number of seconds >= 0"
                )));
            }
            Ok(MaasWatch(std::sync::Arc::new(Watch::new(
                this.0.clone(),
                std::time::Duration::from_secs_f64(every),
            ))))
        });
        m.add_meta_method("__tostring", |_, this, ()| {
            Ok(format!("maas client {}", this.0.base()))
        });
    }
}

/// `client:watch(every)`: machines waited on together, read at most once every `every`
/// seconds (`maas::watch`).
pub struct MaasWatch(std::sync::Arc<Watch>);

impl UserData for MaasWatch {
    fn add_methods<M: UserDataMethods<Self>>(m: &mut M) {
        // `watch:next{system_id = ...}` or `watch:next{mac_address = ...}`: the machine at the
        // next reading (nil when MAAS has none), and why that reading failed, if it did.
        m.add_async_method("next", |lua, this, key: Table| async move {
            let key = match (
                key.get::<Option<String>>("system_id")?,
                key.get::<Option<String>>("mac_address")?,
            ) {
                (Some(id), None) => Key::Id(id),
                (None, Some(mac)) => Key::Mac(mac.to_ascii_lowercase()),
                _ => {
                    return Err(mlua::Error::runtime(
                        "watch:next takes {system_id = ...} or {mac_address = ...}",
                    ));
                }
            };
            let reading = this.0.next(key).await;
            let machine = match reading.machine {
                Some(m) => lua.to_value_with(&m, plain())?,
                None => Value::Nil,
            };
            Ok((machine, reading.error))
        });
    }
}

/// A connection that cannot be made as configured: a message for the operator, not a
/// script bug.
fn configuration(message: &str) -> mlua::Error {
    mlua::Error::external(ErrorInfo::of_kind(
        ErrorKind::Usage,
        format!("drydock.maas.connect: {message}"),
    ))
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
                configuration("no MAAS URL: give --maas-url, DRYDOCK_MAAS_URL, or connect{url = ...} (or --sim to use a simulator)")
            })?;
            let key = match opts.api_key {
                Some(k) => ApiKey::parse(&k).map_err(|e| configuration(&format!("api_key: {e}")))?,
                None => defaults.api_key.ok_or_else(|| {
                    configuration("no MAAS API key: give --maas-api-key-file, DRYDOCK_MAAS_API_KEY, or connect{api_key = ...}")
                })?,
            };
            let mut options = ClientOptions {
                read_only: defaults.read_only,
                ..ClientOptions::default()
            };
            if let Some(s) = opts.timeout.filter(|s| *s > 0.0) {
                options.timeout = std::time::Duration::from_secs_f64(s);
            }
            if let Some(deadline) = defaults.retry_deadline {
                options.retry.deadline = deadline;
            }
            if let Some(s) = opts.retry_deadline.filter(|s| s.is_finite() && *s >= 0.0) {
                options.retry.deadline = std::time::Duration::from_secs_f64(s);
            }
            let client = Client::new(&url, key, options).map_err(|e| configuration(&e.body))?;
            Ok(MaasClient(client))
        })?,
    )?;
    Ok(t)
}
