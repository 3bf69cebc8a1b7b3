//! `drydock scripts`: every action and stdlib module, where it resolves, and for an action
//! what it says it is (scope, result, plan, options).

use serde_json::json;

use super::{Format, Global, Outcome, output};
use crate::runtime::{Loader, Origin};

pub fn run(global: &Global) -> anyhow::Result<Outcome> {
    let loader = Loader::new(global.site_dir.clone());
    let inventory = loader.inventory()?;
    let actions: Vec<String> = inventory
        .iter()
        .filter(|(kind, _, _)| *kind == "action")
        .map(|(_, name, _)| name.clone())
        .collect();
    // The inventory lists actions first, in this order.
    let mut abouts = crate::action::describe(global.site_dir.clone(), &actions)?.into_iter();
    let mut listing = String::new();
    let mut entries = Vec::new();
    for (kind, name, origin) in inventory {
        let about = abouts.next().filter(|_| kind == "action");
        let path = match &origin {
            Origin::Site(p) => Some(p.display().to_string()),
            Origin::Shipped => None,
        };
        let from = match &path {
            Some(p) => format!("site     {p}"),
            None => "shipped".to_string(),
        };
        let shown = match &about {
            Some(Ok(about)) => format!("   ({about})"),
            Some(Err(e)) => format!("   (cannot be loaded: {})", e.message),
            None => String::new(),
        };
        listing.push_str(&format!("{kind:<7} {name:<24} {from}{shown}\n"));
        entries.push(json!({
            "kind": kind,
            "name": name,
            "from": if path.is_some() { "site" } else { "shipped" },
            "path": path,
            "about": about.as_ref().and_then(|a| a.as_ref().ok()),
            "error": about.as_ref().and_then(|a| a.as_ref().err()),
        }));
    }
    if global.format == Some(Format::Json) {
        output::emit_json(&serde_json::Value::Array(entries))?;
    } else {
        output::emit(&listing)?;
    }
    Ok(Outcome::Clean)
}
