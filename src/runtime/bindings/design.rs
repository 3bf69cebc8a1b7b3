//! `drydock.design`: the effective design as a handle with lookups that return plain
//! tables, the Rust validation rules, and the report site rules write into.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use base64::Engine;
use mlua::{AnyUserData, Lua, LuaSerdeExt, Table, UserData, UserDataMethods, Value};
use serde::Deserialize;

use crate::design::bootactions;
use crate::design::cloud_init;
use crate::design::kernel_params::kernel_param_string;
use crate::design::logical_names::logical_names;
use crate::design::model::{DocRef, Entity, NodeFilterSet, Source};
use crate::design::rules::{self, Context};
use crate::design::select;
use crate::design::site::Site;
use crate::design::sizes::{self, SizeContext};
use crate::design::strategy::{self, Strategy};
use crate::design::validation::{Level, RuleInfo, RuleReport};

use super::plain;
use crate::runtime::site_rules;

/// A loaded design (`drydock.design.load`, or `ctx.design` in an action).
#[derive(Clone)]
pub struct Design(pub Rc<Site>);

/// A document as a Lua table: its Deckhand `data` fields plus `name`, `schema`, `source`.
/// Unset fields are absent (`nil`), not `drydock.null`, so `if node.boot_mac then` reads
/// naturally.
fn entity<E: Entity>(lua: &Lua, e: &E) -> mlua::Result<Value> {
    let mut json = e.json();
    if let Some(obj) = json.as_object_mut() {
        let source = e.source();
        obj.insert("schema".into(), E::KIND.schema().into());
        obj.insert(
            "source".into(),
            serde_json::json!({"file": &*source.file, "line": source.line}),
        );
    }
    lua.to_value_with(&json, plain())
}

/// A lookup's result: the document's table, or nil.
fn maybe<E: Entity>(lua: &Lua, e: Option<&E>) -> mlua::Result<Value> {
    e.map_or(Ok(Value::Nil), |e| entity(lua, e))
}

/// Documents as a Lua array.
fn entities<'a, E: Entity + 'a>(
    lua: &Lua,
    items: impl ExactSizeIterator<Item = &'a E>,
) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(items.len(), 0)?;
    for item in items {
        t.raw_push(entity(lua, item)?)?;
    }
    t.set_metatable(Some(lua.array_metatable()))?;
    Ok(t)
}

fn list<T>(lua: &Lua, items: &[T], f: impl Fn(&T) -> mlua::Result<Value>) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(items.len(), 0)?;
    for item in items {
        t.raw_push(f(item)?)?;
    }
    t.set_metatable(Some(lua.array_metatable()))?;
    Ok(t)
}

/// The nodes at `picked` (indexes into `site.nodes`), as `design:nodes()` gives them.
pub fn node_list(lua: &Lua, site: &Site, picked: &[usize]) -> mlua::Result<Table> {
    entities(lua, picked.iter().map(|&i| &site.nodes[i]))
}

impl UserData for Design {
    fn add_methods<M: UserDataMethods<Self>>(m: &mut M) {
        m.add_method("nodes", |lua, this, filter: Option<Value>| {
            let site = &this.0;
            let set = match filter {
                None | Some(Value::Nil) => None,
                Some(v) => Some(
                    NodeFilterSet::from_json(&lua.from_value::<serde_json::Value>(v)?)
                        .map_err(|e| mlua::Error::runtime(format!("design:nodes: {e}")))?,
                ),
            };
            let picked = select::select(site, set.as_ref());
            entities(lua, picked.into_iter().map(|i| &site.nodes[i]))
        });
        m.add_method("node", |lua, this, name: String| maybe(lua, this.0.node(&name)));
        m.add_method("networks", |lua, this, ()| entities(lua, this.0.networks.iter()));
        m.add_method("network", |lua, this, name: String| {
            maybe(lua, this.0.network(&name))
        });
        m.add_method("network_links", |lua, this, ()| {
            entities(lua, this.0.network_links.iter())
        });
        m.add_method("network_link", |lua, this, name: String| {
            maybe(lua, this.0.network_link(&name))
        });
        m.add_method("racks", |lua, this, ()| entities(lua, this.0.racks.iter()));
        m.add_method("rack", |lua, this, name: String| maybe(lua, this.0.rack(&name)));
        m.add_method("hardware_profiles", |lua, this, ()| {
            entities(lua, this.0.hardware_profiles.iter())
        });
        m.add_method("hardware_profile", |lua, this, name: String| {
            maybe(lua, this.0.hardware_profile(&name))
        });
        m.add_method("host_profiles", |lua, this, ()| {
            entities(lua, this.0.host_profiles.iter())
        });
        m.add_method("host_profile", |lua, this, name: String| {
            maybe(lua, this.0.host_profile(&name))
        });
        m.add_method("bootactions", |lua, this, ()| {
            entities(lua, this.0.bootactions.iter())
        });
        m.add_method("region", |lua, this, ()| maybe(lua, this.0.region.as_ref()));
        m.add_method("user_data", |lua, this, (node, opts): (String, Option<Value>)| {
            let site = &this.0;
            let node = site
                .node(&node)
                .ok_or_else(|| mlua::Error::runtime(format!("user_data: no node {node} in the design")))?;
            let opts: UserDataArg = match opts {
                None | Some(Value::Nil) => UserDataArg::default(),
                Some(v) => lua.from_value(v)?,
            };
            let reports = super::bootactions::reports_of(lua);
            let key = reports.key(&node.name);
            let delivery = bootactions::Delivery {
                design_ref: &opts.design_ref,
                report_url: &opts.report_url,
                action_key: &key,
                action_id: &|action| reports.action_id(&node.name, action),
            };
            let rendered = bootactions::render_all(site, node, &delivery).map_err(mlua::Error::runtime)?;
            let reporting = cloud_init::Reporting {
                report_url: &opts.report_url,
                key: &key,
            };
            let reporting = (!opts.report_url.is_empty()).then_some(&reporting);
            // MAAS takes user data base64-encoded; people read the text.
            let Some(text) = cloud_init::user_data(&rendered, reporting) else {
                return Ok(Value::Nil);
            };
            let t = lua.create_table()?;
            t.set("base64", base64::engine::general_purpose::STANDARD.encode(&text))?;
            t.set("text", text)?;
            let signaling = lua.create_table()?;
            for r in rendered.iter().filter(|r| r.signaling) {
                let a = lua.create_table()?;
                a.set("name", r.name.as_str())?;
                a.set("action_id", r.action_id.as_str())?;
                signaling.push(a)?;
            }
            t.set("signaling", signaling)?;
            Ok(Value::Table(t))
        });
        m.add_method("strategy", |lua, this, path: Option<String>| {
            let strategy = match &path {
                None => Strategy::default_strategy(),
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .map_err(|e| mlua::Error::runtime(format!("strategy {path}: {e}")))?;
                    strategy::parse(path, &text)
                        .map_err(|problems| mlua::Error::runtime(problems.join("\n")))?
                }
            };
            let groups = lua.create_table()?;
            for i in strategy.order() {
                let g = &strategy.groups[i];
                let t = lua.create_table()?;
                t.set("name", g.name.as_str())?;
                t.set("critical", g.critical)?;
                t.set(
                    "depends_on",
                    lua.create_sequence_from(g.depends_on.iter().map(String::as_str))?,
                )?;
                t.set("nodes", lua.create_sequence_from(g.nodes(&this.0))?)?;
                if let Some(c) = &g.success_criteria {
                    let criteria = lua.create_table()?;
                    criteria.set("percent_successful_nodes", c.percent_successful_nodes)?;
                    criteria.set("minimum_successful_nodes", c.minimum_successful_nodes)?;
                    criteria.set("maximum_failed_nodes", c.maximum_failed_nodes)?;
                    t.set("success_criteria", criteria)?;
                }
                groups.raw_push(t)?;
            }
            let out = lua.create_table()?;
            out.set("name", strategy.name)?;
            out.set("groups", groups)?;
            Ok(out)
        });
        m.add_method("kernel_params", |_, this, node: String| {
            let node = this.0.node(&node).ok_or_else(|| {
                mlua::Error::runtime(format!("kernel_params: no node {node} in the design"))
            })?;
            kernel_param_string(&node.config.kernel_params)
                .map_err(|e| mlua::Error::runtime(format!("node {}: {e}", node.name)))
        });
        m.add_method("logical_names", |lua, this, (node, lshw): (String, String)| {
            let site = &this.0;
            let node = site.node(&node).ok_or_else(|| {
                mlua::Error::runtime(format!("logical_names: no node {node} in the design"))
            })?;
            let names = node
                .config
                .hardware_profile
                .as_deref()
                .and_then(|p| site.hardware_profile(p))
                .map(|profile| logical_names(profile, &lshw))
                .unwrap_or_default();
            lua.create_table_from(names)
        });
        m.add_meta_method("__tostring", |_, this, ()| {
            let s = &this.0;
            Ok(format!(
                "design ({} nodes, {} networks, {} links, {} racks)",
                s.nodes.len(),
                s.networks.len(),
                s.network_links.len(),
                s.racks.len()
            ))
        });
    }
}

/// `drydock.design.report(rule)`: where a site rule reports. Shares [`RuleReport`] with
/// the Rust rules, so messages and the closing "Validation successful." are built alike.
struct Report {
    site: Rc<Site>,
    inner: RefCell<Option<RuleReport>>,
}

#[derive(Deserialize, Default)]
struct MessageOptions {
    #[serde(default)]
    documents: Vec<serde_json::Value>,
    #[serde(default)]
    diagnostic: String,
    #[serde(default)]
    source: Option<Source>,
}

impl Report {
    fn add(&self, lua: &Lua, level: Level, text: String, opts: Option<Value>) -> mlua::Result<()> {
        let opts: MessageOptions = match opts {
            None | Some(Value::Nil) => MessageOptions::default(),
            Some(v) => lua.from_value(v).map_err(|e| {
                mlua::Error::runtime(format!(
                    "report: options must be {{documents = {{...}}, diagnostic = \"...\"}}: {e}"
                ))
            })?,
        };
        let mut docs = Vec::new();
        let mut source = opts.source;
        for d in &opts.documents {
            let (Some(schema), Some(name)) = (
                d.get("schema").and_then(|s| s.as_str()),
                d.get("name").and_then(|s| s.as_str()),
            ) else {
                return Err(mlua::Error::runtime(
                    "report: each document needs schema and name (pass a node, network, ... table or {schema=, name=})",
                ));
            };
            let doc = DocRef {
                schema: schema.into(),
                name: name.into(),
            };
            if source.is_none() {
                source = d
                    .get("source")
                    .and_then(|s| serde_json::from_value(s.clone()).ok())
                    .or_else(|| self.site.source_of(&doc));
            }
            docs.push(doc);
        }
        let mut inner = self.inner.borrow_mut();
        let report = inner
            .as_mut()
            .ok_or_else(|| mlua::Error::runtime("report: already finished"))?;
        report.add(level, &text, &opts.diagnostic, docs, source);
        Ok(())
    }
}

impl UserData for Report {
    fn add_methods<M: UserDataMethods<Self>>(m: &mut M) {
        m.add_method("error", |lua, this, (text, opts): (String, Option<Value>)| {
            this.add(lua, Level::Error, text, opts)
        });
        m.add_method("warn", |lua, this, (text, opts): (String, Option<Value>)| {
            this.add(lua, Level::Warning, text, opts)
        });
        m.add_method("info", |lua, this, (text, opts): (String, Option<Value>)| {
            this.add(lua, Level::Info, text, opts)
        });
        m.add_method("finish", |lua, this, ()| {
            let report = this
                .inner
                .borrow_mut()
                .take()
                .ok_or_else(|| mlua::Error::runtime("report: already finished"))?;
            messages(lua, report.finish())
        });
    }
}

fn messages(lua: &Lua, msgs: Vec<crate::design::validation::Message>) -> mlua::Result<Table> {
    list(lua, &msgs, |m| lua.to_value_with(&m.to_json(), plain()))
}

fn design_arg(ud: &AnyUserData) -> mlua::Result<Rc<Site>> {
    Ok(ud.borrow::<Design>()?.0.clone())
}

/// The options of `design:user_data`.
#[derive(Deserialize, Default)]
struct UserDataArg {
    #[serde(default)]
    design_ref: String,
    #[serde(default)]
    report_url: String,
}

/// The device or volume group of `drydock.design.bytes`.
#[derive(Deserialize)]
struct SizeArg {
    #[serde(default)]
    name: String,
    size: u64,
    available: Option<u64>,
}

#[derive(Deserialize, Default)]
struct ValidateOptions {
    rules: Option<Vec<String>>,
}

pub fn module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;

    t.set(
        "load",
        lua.create_function(|lua, paths: Value| {
            let paths: Vec<PathBuf> = match paths {
                Value::String(s) => vec![PathBuf::from(s.to_str()?.to_string())],
                other => lua
                    .from_value::<Vec<String>>(other)?
                    .into_iter()
                    .map(PathBuf::from)
                    .collect(),
            };
            let site = crate::design::load(&paths).map_err(mlua::Error::external)?;
            Ok(Design(Rc::new(site)))
        })?,
    )?;
    t.set(
        "validate",
        lua.create_function(|lua, (design, opts): (AnyUserData, Option<Value>)| {
            let site = design_arg(&design)?;
            let opts: ValidateOptions = match opts {
                None | Some(Value::Nil) => ValidateOptions::default(),
                Some(v) => lua.from_value(v)?,
            };
            messages(
                lua,
                rules::validate(&site, &Context::default(), opts.rules.as_deref()),
            )
        })?,
    )?;
    t.set(
        "rules",
        lua.create_function(|lua, ()| {
            let infos: Vec<RuleInfo> = rules::ALL.iter().map(|r| r.info()).collect();
            list(lua, &infos, |i| lua.to_value(i))
        })?,
    )?;
    t.set(
        "report",
        lua.create_function(|_, (design, rule): (AnyUserData, Table)| {
            let id: String = rule
                .get::<Option<String>>("id")?
                .ok_or_else(|| mlua::Error::runtime("report: the rule table needs an id"))?;
            let name = rule.get::<Option<String>>("name")?.unwrap_or_else(|| id.clone());
            let long_name = rule
                .get::<Option<String>>("long_name")?
                .unwrap_or_else(|| name.clone());
            let info = RuleInfo { id, name, long_name };
            Ok(Report {
                site: design_arg(&design)?,
                inner: RefCell::new(Some(RuleReport::new(info))),
            })
        })?,
    )?;
    t.set(
        "register_rule",
        lua.create_function(|lua, (id, spec): (String, Value)| site_rules::register(lua, id, spec))?,
    )?;
    t.set("site_rules", lua.create_function(|lua, ()| site_rules::all(lua))?)?;
    t.set(
        "bytes",
        lua.create_function(|lua, (size, context): (String, Option<Value>)| {
            let context: Option<SizeContext> = match context {
                None | Some(Value::Nil) => None,
                Some(v) => {
                    let c: SizeArg = lua.from_value(v).map_err(|e| {
                        mlua::Error::runtime(format!(
                            "bytes: the context is {{name =, size =, available =}} in bytes: {e}"
                        ))
                    })?;
                    Some(SizeContext {
                        name: c.name,
                        available: c.available.unwrap_or(c.size),
                        size: c.size,
                    })
                }
            };
            sizes::bytes(&size, context.as_ref()).map_err(|e| mlua::Error::runtime(e.to_string()))
        })?,
    )?;
    Ok(t)
}
