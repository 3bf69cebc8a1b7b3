//! `drydock.bootactions`: the endpoint signaling boot actions report to while a task deploys
//! (`listen`), the actions a node's deployment carries (`expect`), and the wait for their
//! reports (`wait`). The endpoint and the keys are `runtime::bootaction_reports`.

use std::time::Duration;

use mlua::{Lua, LuaSerdeExt, Table, Value};
use serde::Deserialize;

use super::MaasDefaults;
use super::plain;
use crate::runtime::TaskContext;
use crate::runtime::bootaction_reports::{Final, Reports};

/// This runtime's reports, made on first use: keyed from the MAAS API key it connects with,
/// for its task, journaled in its journal.
pub fn reports_of(lua: &Lua) -> Reports {
    if let Some(r) = lua.app_data_ref::<Reports>() {
        return r.clone();
    }
    let secret = lua
        .app_data_ref::<MaasDefaults>()
        .and_then(|d| d.api_key.as_ref().map(|k| k.expose()))
        .unwrap_or_else(|| ulid::Ulid::new().to_string());
    let (task_id, journal) = match TaskContext::of(lua) {
        Some(t) => (t.task_id, Some(t.journal)),
        None => (String::new(), None),
    };
    let reports = Reports::new(secret.as_bytes(), &task_id, journal);
    lua.set_app_data(reports.clone());
    reports
}

#[derive(Deserialize)]
struct Action {
    name: String,
    action_id: String,
}

#[derive(Deserialize, Default)]
struct WaitArg {
    timeout: Option<f64>,
}

pub fn module(lua: &Lua) -> mlua::Result<Table> {
    let m = lua.create_table()?;
    m.set(
        "listen",
        lua.create_function(|lua, url: String| reports_of(lua).listen(&url).map_err(mlua::Error::runtime))?,
    )?;
    m.set(
        "expect",
        lua.create_function(|lua, (node, actions): (String, Value)| {
            let actions: Vec<Action> = lua.from_value(actions)?;
            let pairs: Vec<(String, String)> = actions.into_iter().map(|a| (a.name, a.action_id)).collect();
            reports_of(lua)
                .expect(&node, &pairs)
                .map_err(mlua::Error::runtime)
        })?,
    )?;
    m.set(
        "wait",
        lua.create_async_function(|lua, (node, opts): (String, Option<Value>)| async move {
            let opts: WaitArg = match opts {
                None | Some(Value::Nil) => WaitArg::default(),
                Some(v) => lua.from_value(v)?,
            };
            let timeout = match opts.timeout {
                None => crate::runtime::bootaction_reports::DEFAULT_TIMEOUT,
                Some(s) if s.is_finite() && s >= 0.0 => Duration::from_secs_f64(s),
                Some(s) => {
                    return Err(mlua::Error::runtime(format!(
                        "bootactions.wait: timeout {s} is not a number of seconds >= 0"
                    )));
                }
            };
            let outcomes = reports_of(&lua).wait(&node, timeout).await;
            let list = lua.create_table()?;
            for o in outcomes {
                let t = lua.create_table()?;
                t.set("name", o.name)?;
                let status = match &o.report {
                    None => "timed out",
                    Some(r) if r.status == Final::Success => "success",
                    Some(_) => "failure",
                };
                t.set("status", status)?;
                let details = o.report.map(|r| r.details).unwrap_or_default();
                t.set("details", lua.to_value_with(&details, plain())?)?;
                list.push(t)?;
            }
            Ok(list)
        })?,
    )?;
    Ok(m)
}
