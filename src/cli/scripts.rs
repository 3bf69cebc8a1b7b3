//! `drydock scripts`: every action and stdlib module and where it resolves.

use super::{Global, Outcome, output};
use crate::runtime::{Loader, Origin};

pub fn run(global: &Global) -> anyhow::Result<Outcome> {
    let loader = Loader::new(global.site_dir.clone());
    let mut listing = String::new();
    for (kind, name, origin) in loader.inventory()? {
        let from = match origin {
            Origin::Site(p) => format!("site     {}", p.display()),
            Origin::Shipped => "shipped".to_string(),
        };
        listing.push_str(&format!("{kind:<7} {name:<24} {from}\n"));
    }
    output::emit(&listing)?;
    Ok(Outcome::Clean)
}
