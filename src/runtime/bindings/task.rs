//! `drydock.task`: journaled steps (`step`, `node_step`), `parallel` fan-out on one thread,
//! `current`, `fail`. The state machine is `journal::step`; this file sequences it around
//! the script's function.

use std::collections::HashMap;
use std::sync::Arc;

use mlua::{Function, Lua, LuaSerdeExt, Table, Value};
use tokio::sync::Semaphore;

use super::plain;
use crate::journal::step::{StepPlan, plan};
use crate::journal::{SITE, StepRecord};
use crate::runtime::progress::Progress;
use crate::runtime::{TaskContext, errors};

fn journal_error(e: crate::journal::JournalError) -> mlua::Error {
    mlua::Error::external(e)
}

/// Runs `f` as step `(scope, name)` of the current task: once, journaled. Outside a task
/// (e.g. `drydock validate`) it simply runs `f`.
async fn run_step(lua: &Lua, scope: String, name: String, f: Function) -> mlua::Result<Value> {
    let Some(ctx) = TaskContext::of(lua) else {
        return f.call_async::<Value>(()).await;
    };
    let existing = ctx
        .journal
        .step(&ctx.task_id, &scope, &name)
        .map_err(journal_error)?;
    let progress = Progress::of(lua);
    let attempt = match plan(existing.as_ref()) {
        StepPlan::Reuse(result) => {
            progress.step(&scope, &name, None);
            return lua.to_value_with(&result, plain());
        }
        StepPlan::Run { attempt } => attempt,
    };
    ctx.write_task().await.map_err(journal_error)?;
    let running = StepRecord::running(&ctx.task_id, &scope, &name, attempt);
    // The Running record is durable before the step acts, so a crash is always visible.
    ctx.journal
        .put_step(running.clone())
        .await
        .map_err(journal_error)?;
    let outcome = f.call_async::<Value>(()).await.and_then(|v| {
        super::json_of(lua, v).map_err(|e| {
            mlua::Error::runtime(format!(
                "step {name} ({scope}) returned a value that cannot be stored as JSON: {e}"
            ))
        })
    });
    match outcome {
        Ok(result) => {
            ctx.journal
                .put_step(running.succeeded(result.clone()))
                .await
                .map_err(journal_error)?;
            progress.step(&scope, &name, None);
            lua.to_value_with(&result, plain())
        }
        Err(e) => {
            let mut info = errors::describe(&e);
            if scope != SITE {
                info = info.on_node(&scope);
            }
            ctx.journal
                .put_step(running.failed(info.clone()))
                .await
                .map_err(journal_error)?;
            progress.step(&scope, &name, Some(&info.message));
            // Raised as its description, so whoever catches it (`parallel`, `pcall` and
            // `drydock.error.info`) sees the node and the MAAS call, not just a message.
            Err(mlua::Error::external(info))
        }
    }
}

/// For each item, the semaphores of the groups `groups` (a list of `{key = fn(item) ->
/// string|nil, limit = N}`) put it in: at most N items with the same key run at once; an
/// item whose key is nil is not in that group.
fn group_caps(items: &[Value], groups: Option<Table>) -> mlua::Result<Vec<Vec<Arc<Semaphore>>>> {
    let mut out = vec![Vec::new(); items.len()];
    let Some(groups) = groups else { return Ok(out) };
    for group in groups.sequence_values::<Table>() {
        let group = group?;
        let key: Function = group.get("key")?;
        let limit = group
            .get::<Option<usize>>("limit")?
            .ok_or_else(|| mlua::Error::runtime("parallel: each of opts.groups needs a limit"))?
            .max(1);
        let mut by_key: HashMap<String, Arc<Semaphore>> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(k) = key.call::<Option<String>>(item.clone())? {
                let sem = by_key.entry(k).or_insert_with(|| Arc::new(Semaphore::new(limit)));
                out[i].push(sem.clone());
            }
        }
    }
    Ok(out)
}

/// A node given as its table (`design:node(...)`) or its name.
fn node_name(node: &Value) -> mlua::Result<String> {
    match node {
        Value::String(s) => Ok(s.to_str()?.to_string()),
        Value::Table(t) => t
            .get::<Option<String>>("name")?
            .ok_or_else(|| mlua::Error::runtime("node_step: the node table has no name")),
        other => Err(mlua::Error::runtime(format!(
            "node_step: node must be a node table or name, not a {}",
            other.type_name()
        ))),
    }
}

pub fn module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set(
        "step",
        lua.create_async_function(|lua, (name, f): (String, Function)| async move {
            run_step(&lua, SITE.to_string(), name, f).await
        })?,
    )?;
    t.set(
        "node_step",
        lua.create_async_function(|lua, (node, name, f): (Value, String, Function)| async move {
            let scope = node_name(&node)?;
            run_step(&lua, scope, name, f).await
        })?,
    )?;
    t.set(
        "parallel",
        lua.create_async_function(|lua, (items, f, opts): (Table, Function, Option<Table>)| async move {
            let limit = match &opts {
                Some(o) => o.get::<Option<usize>>("limit")?.unwrap_or(64),
                None => 64,
            }
            .max(1);
            let items: Vec<Value> = items.sequence_values().collect::<mlua::Result<_>>()?;
            let caps = match &opts {
                Some(o) => group_caps(&items, o.get::<Option<Table>>("groups")?)?,
                None => vec![Vec::new(); items.len()],
            };
            // Every cap is a semaphore taken before the item runs: a group's permit first,
            // the overall one last, so an item waiting for its group holds no overall slot.
            // Semaphores are fair, so items start in order.
            let overall = Arc::new(Semaphore::new(limit));
            let runs = items.into_iter().zip(caps).map(|(item, groups)| {
                let (lua, f, overall) = (lua.clone(), f.clone(), overall.clone());
                async move {
                    let mut permits = Vec::with_capacity(groups.len() + 1);
                    for g in groups {
                        permits.push(g.acquire_owned().await.map_err(mlua::Error::external)?);
                    }
                    permits.push(overall.acquire_owned().await.map_err(mlua::Error::external)?);
                    lua.create_thread(f)?.into_async::<Value>(item)?.await
                }
            });
            let results: Vec<mlua::Result<Value>> = futures_util::future::join_all(runs).await;
            let out = lua.create_table_with_capacity(results.len(), 0)?;
            for r in results {
                let entry = lua.create_table()?;
                match r {
                    Ok(v) => {
                        entry.set("ok", true)?;
                        entry.set("value", v)?;
                    }
                    Err(e) => {
                        let info = errors::describe(&e);
                        tracing::warn!(target: "drydock::script", "parallel item failed: {}", info.message);
                        entry.set("ok", false)?;
                        entry.set("error", super::error::to_lua(&lua, &info)?)?;
                    }
                }
                out.raw_push(entry)?;
            }
            out.set_metatable(Some(lua.array_metatable()))?;
            Ok(out)
        })?,
    )?;
    t.set(
        "current",
        lua.create_function(|lua, ()| match TaskContext::of(lua) {
            None => Ok(Value::Nil),
            Some(ctx) => {
                let info = lua.create_table()?;
                info.set("id", ctx.task_id.as_str())?;
                info.set("journal", ctx.journal.path().display().to_string())?;
                Ok(Value::Table(info))
            }
        })?,
    )?;
    t.set(
        "fail",
        lua.create_function(|lua, why: Value| -> mlua::Result<()> {
            // An error value (a failed `parallel` slot) is passed on whole.
            if let Some(info) = super::error::from_lua(lua, &why) {
                return Err(mlua::Error::external(info));
            }
            let message = why.to_string().unwrap_or_else(|_| why.type_name().to_string());
            Err(mlua::Error::runtime(message))
        })?,
    )?;
    Ok(t)
}
