//! DD2005 Duplicated IP Check: no static address is assigned twice.

use rustc_hash::FxHashMap as HashMap;

use super::prelude::*;

pub const RULE: Rule = Rule {
    id: "no-duplicate-ips",
    name: "DD2005",
    long_name: "Duplicated IP Check",
    check,
};

fn check(site: &Site, _: &Context, report: &mut RuleReport) {
    if site.nodes.is_empty() {
        report.warn(
            "No BaremetalNodes Found.",
            "Site design unlikely complete with no defined baremetal nodes.",
            vec![],
            None,
        );
        return;
    }
    let mut first_owner: HashMap<&str, usize> =
        HashMap::with_capacity_and_hasher(site.nodes.len() * 4, Default::default());
    for (i, node) in site.nodes.iter().enumerate() {
        for addr in &node.addressing {
            let Some(ip) = addr.address.as_deref() else {
                continue;
            };
            match first_owner.get(ip) {
                Some(&owner) => report.error(
                    &format!("Duplicate IP Address Found: {ip} "),
                    "Select unique IP addresses for each node.",
                    vec![node.docref(), site.nodes[owner].docref()],
                    Some(addr.source.clone()),
                ),
                None => {
                    first_owner.insert(ip, i);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::RULE;
    use crate::design::validation::Level;

    #[test]
    fn unique_addresses_pass() {
        passes(&RULE, BASE);
    }

    #[test]
    fn duplicates_across_and_within_nodes() {
        let yaml = base_with(
            "{network: mgmt, address: 10.23.1.10}",
            "{network: mgmt, address: 10.23.1.11}",
        )
        .replacen(
            "{network: oob, address: 10.23.100.11}",
            "{network: oob, address: 10.23.2.11}",
            1,
        );
        let s = site(&yaml);
        let msgs = RULE.run(&s, &Default::default());
        let texts: Vec<&str> = msgs.iter().map(|m| m.message.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "Duplicated IP Check: Duplicate IP Address Found: 10.23.2.11 ",
                "Duplicated IP Check: Duplicate IP Address Found: 10.23.1.11 "
            ]
        );
        let names: Vec<&str> = msgs[1].documents.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, vec!["ctl01", "cmp01"]);
    }

    #[test]
    fn no_nodes_warns() {
        let got = run(
            &RULE,
            "---\nschema: drydock/Region/v1\nmetadata: {name: r}\ndata: {}\n",
        );
        assert_eq!(
            got[0],
            (
                Level::Warning,
                "Duplicated IP Check: No BaremetalNodes Found.".into()
            )
        );
    }
}
