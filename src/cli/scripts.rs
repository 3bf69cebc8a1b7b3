//! `drydock scripts`: every action and stdlib module, where it resolves, and for an action
//! what it says it is (scope, result, plan, options).

use super::{Global, Outcome, output};
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
    for (kind, name, origin) in inventory {
        let from = match origin {
            Origin::Site(p) => format!("site     {}", p.display()),
            Origin::Shipped => "shipped".to_string(),
        };
        let about = match abouts.next().filter(|_| kind == "action") {
            Some(Ok(about)) => format!("   ({about})"),
            Some(Err(e)) => format!("   (cannot be loaded: {})", e.message),
            None => String::new(),
        };
        listing.push_str(&format!("{kind:<7} {name:<24} {from}{about}\n"));
    }
    output::emit(&listing)?;
    Ok(Outcome::Clean)
}
