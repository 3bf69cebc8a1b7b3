//! DD1007 Allowed Network Check: each network rides one link only, and every network on a
//! node interface is allowed on that interface's link.

use rustc_hash::FxHashMap as HashMap;

use super::prelude::*;

pub const RULE: Rule = Rule {
    id: "unique-network",
    name: "DD1007",
    long_name: "Allowed Network Check",
    check,
};

fn check(site: &Site, _: &Context, report: &mut RuleReport) {
    // Each later link is paired with the first link that allows the network, not with
    // every earlier one: one message per extra allowance keeps the output linear.
    let mut first_link: HashMap<&str, &str> = HashMap::default();
    for link in &site.network_links {
        for net in link.allowed_networks() {
            match first_link.get(net.as_str()) {
                Some(&first) if first != link.name => report.error(
                    &format!(
                        "Allowed network {net} duplicated on NetworkLink {first} and NetworkLink {}",
                        link.name
                    ),
                    "Each network is only allowed to cross a single network link.",
                    vec![],
                    Some(link.field_source("allowed_networks")),
                ),
                Some(_) => {}
                None => {
                    first_link.insert(net, &link.name);
                }
            }
        }
    }
    for node in &site.nodes {
        for iface in node.config.interfaces.iter() {
            let link = iface.device_link.as_deref().and_then(|l| site.network_link(l));
            for net in &iface.networks {
                match link {
                    None => report.error(
                        &format!(
                            "Interface {} connected to undefined network link {}.",
                            iface.name,
                            iface.device_link.as_deref().unwrap_or("None")
                        ),
                        "Define the network link attached to this interface.",
                        vec![node.docref()],
                        Some(iface.source.clone()),
                    ),
                    Some(link) if !link.allowed_networks().contains(net) => report.error(
                        &format!("Interface {} attached to network {net} not allowed on interface link", iface.name),
                        "Interfaces can only be attached to networks allowed on the network link connected to the interface.",
                        vec![node.docref()],
                        Some(iface.source.clone()),
                    ),
                    Some(_) => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::RULE;

    #[test]
    fn networks_on_one_link_pass() {
        passes(&RULE, BASE);
    }

    #[test]
    fn shared_network_and_disallowed_interface_networks() {
        let yaml = base_with("allowed_networks: [pxe]", "allowed_networks: [pxe, mgmt]")
            .replacen(
                "bond0: {networks: ['!storage']}",
                "bond0: {networks: ['!storage', oob]}",
                1,
            )
            .replacen("pxe: {device_link: pxe,", "pxe: {device_link: pxe2,", 1);
        let got = errors(&run(&RULE, &yaml));
        assert_eq!(
            got,
            vec![
                "Allowed Network Check: Allowed network mgmt duplicated on NetworkLink pxe and NetworkLink data",
                "Allowed Network Check: Interface pxe connected to undefined network link pxe2.",
                "Allowed Network Check: Interface pxe connected to undefined network link pxe2.",
                "Allowed Network Check: Interface bond0 attached to network oob not allowed on interface link",
            ]
        );
    }
}
