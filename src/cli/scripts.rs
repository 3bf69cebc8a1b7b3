//! `drydock scripts`: every action and stdlib module and where it resolves.

use super::{Global, Outcome};
use crate::runtime::{Loader, Origin};

pub fn run(global: &Global) -> anyhow::Result<Outcome> {
    let loader = Loader::new(global.site_dir.clone());
    for (kind, name, origin) in loader.inventory()? {
        let from = match origin {
            Origin::Site(p) => format!("site     {}", p.display()),
            Origin::Shipped => "shipped".to_string(),
        };
        println!("{kind:<7} {name:<24} {from}");
    }
    Ok(Outcome::Clean)
}
