//! Drydock's validation rules, one file each, run in Drydock's order after the two
//! document-level rules (`schema`, `references`).

mod boot_storage_rational;
mod bootaction_defined;
mod bootaction_package_list;
mod cidr_validity;
mod hostname_validity;
mod hugepages_validity;
mod ip_locality;
mod ipmi_validity;
mod libvirt_validity;
mod mtu_rational;
mod network_bond_rational;
mod network_trunking_rational;
mod no_duplicate_ips;
mod platform_selection;
pub(crate) mod references;
mod schema;
mod size;
mod storage_mountpoints;
mod storage_partitioning;
mod storage_sizing;
mod unique_network;

use indexmap::IndexMap;

use super::parallel::parallel_map;
use super::site::Site;
use super::validation::{Message, RuleInfo, RuleReport};

/// What a rule may consult besides the design.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Images and their kernels as MAAS offers them; `None` when not connected to MAAS.
    pub platform: Option<PlatformCatalog>,
}

/// Boot images (Ubuntu series) and the kernels each offers, e.g. `jammy -> [ga-22.04]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlatformCatalog {
    pub images: IndexMap<String, Vec<String>>,
}

/// A validation rule written in Rust.
pub struct Rule {
    /// Unique kebab-case id, used by `--rule` and in messages' `rule`.
    pub id: &'static str,
    /// Drydock's code (`DD2003`); several rules share a code upstream.
    pub name: &'static str,
    /// Prefix of every message, e.g. `MTU Rationality`.
    pub long_name: &'static str,
    pub check: fn(&Site, &Context, &mut RuleReport),
}

impl Rule {
    pub fn info(&self) -> RuleInfo {
        RuleInfo {
            id: self.id.into(),
            name: self.name.into(),
            long_name: self.long_name.into(),
        }
    }

    /// Runs the rule: its findings, or Drydock's one "Validation successful." message.
    pub fn run(&self, site: &Site, ctx: &Context) -> Vec<Message> {
        let mut report = RuleReport::new(self.info());
        (self.check)(site, ctx, &mut report);
        report.finish()
    }
}

/// Every Rust rule, in the order they run (Drydock's `rule_set` order after the first two).
pub const ALL: [&Rule; 20] = [
    &schema::RULE,
    &references::RULE,
    &boot_storage_rational::RULE,
    &cidr_validity::RULE,
    &hugepages_validity::RULE,
    &ip_locality::RULE,
    &mtu_rational::RULE,
    &network_trunking_rational::RULE,
    &no_duplicate_ips::RULE,
    &platform_selection::RULE,
    &network_bond_rational::RULE,
    &storage_partitioning::RULE,
    &storage_sizing::RULE,
    &storage_mountpoints::RULE,
    &unique_network::RULE,
    &hostname_validity::RULE,
    &ipmi_validity::RULE,
    &libvirt_validity::RULE,
    &bootaction_defined::RULE,
    &bootaction_package_list::RULE,
];

pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.into_iter().find(|r| r.id == id)
}

/// Runs the selected rules (all when `ids` is `None`; ids of other rules are ignored).
/// Rules only read the design, so they run on all cores; messages keep the fixed order.
pub fn validate(site: &Site, ctx: &Context, ids: Option<&[String]>) -> Vec<Message> {
    let selected: Vec<&Rule> = ALL
        .into_iter()
        .filter(|r| ids.is_none_or(|ids| ids.iter().any(|id| id == r.id)))
        .collect();
    if site.nodes.len() < 1000 {
        return selected.iter().flat_map(|r| r.run(site, ctx)).collect();
    }
    parallel_map(&selected, |r| r.run(site, ctx))
        .into_iter()
        .flatten()
        .collect()
}

/// Shared by the rule files.
mod prelude {
    pub use super::{Context, Rule};
    pub use crate::design::model::{DocRef, Kind, Source};
    pub use crate::design::site::Site;
    pub use crate::design::validation::RuleReport;
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::design::validation::Level;

    /// A small complete site that passes every rule.
    pub const BASE: &str = include_str!("../../../tests/fixtures/base.yaml");

    pub fn site(yaml: &str) -> Site {
        let ingested = crate::design::ingest::ingest_text("test.yaml", yaml).expect("test YAML parses");
        crate::design::resolve::resolve(ingested.documents, ingested.issues)
    }

    /// Runs one rule on a design given as YAML; returns `(level, message)` pairs.
    pub fn run(rule: &Rule, yaml: &str) -> Vec<(Level, String)> {
        run_with(rule, yaml, &Context::default())
    }

    pub fn run_with(rule: &Rule, yaml: &str, ctx: &Context) -> Vec<(Level, String)> {
        rule.run(&site(yaml), ctx)
            .into_iter()
            .map(|m| (m.level, m.message))
            .collect()
    }

    /// The base site with `from` replaced by `to` (which must occur).
    pub fn base_with(from: &str, to: &str) -> String {
        assert!(BASE.contains(from), "base fixture has no {from:?}");
        BASE.replacen(from, to, 1)
    }

    pub fn errors(msgs: &[(Level, String)]) -> Vec<String> {
        msgs.iter()
            .filter(|(l, _)| *l == Level::Error)
            .map(|(_, m)| m.clone())
            .collect()
    }

    pub fn passes(rule: &Rule, yaml: &str) {
        let got = run(rule, yaml);
        assert_eq!(
            got,
            vec![(Level::Info, format!("{}: Validation successful.", rule.long_name))],
            "rule {} should pass",
            rule.id
        );
    }

    #[test]
    fn rule_ids_are_unique() {
        let mut ids: Vec<&str> = ALL.iter().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
    }

    /// Bytes of every message and hint all rules give on `yaml`.
    fn output_bytes(yaml: &str) -> usize {
        validate(&site(yaml), &Context::default(), None)
            .iter()
            .map(|m| m.message.len() + m.diagnostic.len())
            .sum()
    }

    /// Doubling what a design repeats at most doubles what validation says about it (plus
    /// the fixed messages): a message quotes its own item, never the whole list.
    fn assert_linear(what: &str, design: impl Fn(usize) -> String) {
        let fixed = output_bytes(&design(0));
        let one = output_bytes(&design(200)) - fixed;
        let two = output_bytes(&design(400)) - fixed;
        assert!(one > 0, "{what}: the test design gives no messages");
        assert!(
            two <= one * 2 + one / 10,
            "{what}: {one} bytes of messages for 200, {two} for 400"
        );
    }

    #[test]
    fn every_rule_output_is_linear_in_its_input() {
        assert_linear("routes without a gateway", |n| {
            let routes: Vec<String> = (0..n)
                .map(|i| format!("{{subnet: 10.{}.{}.0/24, metric: 10}}", i / 256, i % 256))
                .collect();
            BASE.replacen(
                "routes: [{subnet: 0.0.0.0/0, gateway: 10.23.1.1, metric: 10}]",
                &format!("routes: [{}]", routes.join(", ")),
                1,
            )
        });
        assert_linear("links allowing the same networks", |n| {
            let mut yaml = BASE.to_string();
            for i in 0..n {
                yaml.push_str(&format!(
                    "---\nschema: 'drydock/NetworkLink/v1'\nmetadata: {{name: extra{i}}}\ndata: {{allowed_networks: [mgmt, storage]}}\n"
                ));
            }
            yaml
        });
        assert_linear("a route domain's networks with foreign gateways", |n| {
            let mut yaml = BASE.to_string();
            for i in 0..n {
                yaml.push_str(&format!(
                    "---\nschema: 'drydock/Network/v1'\nmetadata: {{name: rd{i}}}\ndata: {{cidr: 10.{}.{}.0/24, routedomain: stor, routes: [{{routedomain: stor, gateway: 10.99.0.1, metric: 10}}]}}\n",
                    100 + i / 256,
                    i % 256
                ));
            }
            yaml
        });
        assert_linear("static addresses on a network that does not exist", |n| {
            let addrs: String = (0..n)
                .map(|i| {
                    format!(
                        "\n    - {{network: ghost, address: 10.9.{}.{}}}",
                        i / 250,
                        i % 250 + 1
                    )
                })
                .collect();
            BASE.replacen(
                "{network: mgmt, address: 10.23.1.10}",
                &format!("{{network: mgmt, address: 10.23.1.10}}{addrs}"),
                1,
            )
        });
    }

    #[test]
    fn base_site_passes_every_rule() {
        let s = site(BASE);
        let msgs = validate(&s, &Context::default(), None);
        let noisy: Vec<_> = msgs.iter().filter(|m| m.level != Level::Info).collect();
        assert_eq!(noisy.len(), 1, "{noisy:#?}");
        assert!(noisy[0].message.contains("No enabled node driver"));
        assert_eq!(msgs.len(), ALL.len() + 1);
    }
}
