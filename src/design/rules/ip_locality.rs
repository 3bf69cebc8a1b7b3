//! DD2002 IP Locality Check: route gateways lie in their network, and every static node
//! address names a defined network and lies inside its CIDR.

use std::net::IpAddr;

use ipnet::IpNet;

use super::prelude::*;
use crate::design::model::{AddressType, network::python_route_repr};

pub const RULE: Rule = Rule {
    id: "ip-locality",
    name: "DD2002",
    long_name: "IP Locality Check",
    check,
};

fn check(site: &Site, _: &Context, report: &mut RuleReport) {
    if site.networks.is_empty() {
        report.warn(
            "No networks found.",
            "Site design likely incomplete without defined networks",
            vec![],
            None,
        );
    }
    for net in &site.networks {
        let doc = || vec![DocRef::new(Kind::Network, &net.name)];
        let cidr = net.cidr.as_deref().and_then(|c| c.parse::<IpNet>().ok());
        // A route a domain added has the gateway of the written route it copies, which is
        // checked itself: checking each copy would say the same thing once per member.
        for route in net.routes.iter().filter(|r| !r.rendered) {
            match route.gateway.as_deref().filter(|g| !g.is_empty()) {
                None => report.error(
                    // Drydock quoted the network's whole route list here, which made the output
                    // grow with the square of the routes; the route itself is what is wrong.
                    &format!("No gateway found for route {}.", python_route_repr(route)),
                    "Define a network-local gateway for the route.",
                    doc(),
                    Some(route.source.clone()),
                ),
                Some(gw) => {
                    let inside = gw
                        .parse::<IpAddr>()
                        .ok()
                        .zip(cidr)
                        .is_some_and(|(ip, c)| c.contains(&ip));
                    if cidr.is_some() && !inside {
                        report.error(
                            &format!(
                                "The gateway IP Address {gw} is not within the defined CIDR: {} of {}.",
                                net.cidr.as_deref().unwrap_or_default(),
                                net.name
                            ),
                            "Route gateways must reside on the local network. Check gateway IP and CIDR netmask.",
                            doc(),
                            Some(route.source.clone()),
                        );
                    }
                }
            }
        }
    }
    if site.nodes.is_empty() {
        report.warn(
            "No baremetal_nodes found.",
            "site design likely incomplete without defined networks.",
            vec![],
            None,
        );
        return;
    }
    // Parse each CIDR once, not once per address.
    let cidrs: Vec<Option<IpNet>> = site
        .networks
        .iter()
        .map(|n| n.cidr.as_deref().and_then(|c| c.parse().ok()))
        .collect();
    for node in &site.nodes {
        // DHCP entries have no address to check (their network is checked by `references`).
        for addr in node.addressing.iter().filter(|a| a.kind == AddressType::Static) {
            let at = Some(addr.source.clone());
            let Some(net_index) = site.network_index(&addr.network) else {
                report.error(
                    &format!("{} is not a valid network.", addr.network),
                    "Define network or correct address definition.",
                    vec![node.docref()],
                    at,
                );
                continue;
            };
            let net = &site.networks[net_index];
            let Some(ip) = addr.address.as_deref() else {
                continue;
            };
            let Some(cidr) = cidrs[net_index] else {
                continue;
            };
            match ip.parse::<IpAddr>() {
                Ok(parsed) if cidr.contains(&parsed) => {}
                Ok(_) => report.error(
                    &format!(
                        "The IP Address {ip} is not within the defined CIDR: {} of {} .",
                        net.cidr.as_deref().unwrap_or_default(),
                        net.name
                    ),
                    "Define a valid address for this network.",
                    vec![node.docref()],
                    at,
                ),
                Err(_) => report.error(
                    &format!(
                        "The IP Address {ip} of node {} on {} is not a valid IP address.",
                        node.name, net.name
                    ),
                    "Define a valid address for this network.",
                    vec![node.docref()],
                    at,
                ),
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
    fn local_gateways_and_addresses_pass() {
        passes(&RULE, BASE);
    }

    #[test]
    fn foreign_gateway_unknown_network_and_outside_address() {
        let yaml = base_with("gateway: 10.23.1.1", "gateway: 10.23.9.1")
            .replacen(
                "{network: storage, address: 10.23.2.11}",
                "{network: storagex, address: 10.23.2.11}",
                1,
            )
            .replacen(
                "{network: mgmt, address: 10.23.1.10}",
                "{network: mgmt, address: 10.23.3.10}",
                1,
            );
        let got = errors(&run(&RULE, &yaml));
        assert_eq!(
            got,
            vec![
                "IP Locality Check: The gateway IP Address 10.23.9.1 is not within the defined CIDR: 10.23.1.0/24 of mgmt.",
                "IP Locality Check: storagex is not a valid network.",
                "IP Locality Check: The IP Address 10.23.3.10 is not within the defined CIDR: 10.23.1.0/24 of mgmt .",
            ]
        );
    }

    #[test]
    fn dhcp_entries_are_not_located() {
        // Drydock skips DHCP entries; a DHCP entry on an unknown network is a `references` error.
        passes(
            &RULE,
            &base_with("{network: pxe, address: dhcp}", "{network: pxe2, address: dhcp}"),
        );
    }

    #[test]
    fn route_without_gateway() {
        let yaml = base_with(
            "routes: [{subnet: 0.0.0.0/0, gateway: 10.23.1.1, metric: 10}]",
            "routes: [{subnet: 0.0.0.0/0, metric: 10}]",
        );
        let got = errors(&run(&RULE, &yaml));
        assert_eq!(
            got,
            vec![
                "IP Locality Check: No gateway found for route {'subnet': '0.0.0.0/0', 'gateway': None, 'metric': '10', 'routedomain': None}."
            ]
        );
    }

    #[test]
    fn each_route_without_gateway_quotes_only_itself() {
        let routes: Vec<String> = (0..2000)
            .map(|i| format!("{{subnet: 10.{}.{}.0/24, metric: 10}}", i / 256, i % 256))
            .collect();
        let yaml = base_with(
            "routes: [{subnet: 0.0.0.0/0, gateway: 10.23.1.1, metric: 10}]",
            &format!("routes: [{}]", routes.join(", ")),
        );
        let got = errors(&run(&RULE, &yaml));
        assert_eq!(got.len(), 2000);
        // Checked by length first so a failure does not print megabytes.
        assert!(got.iter().all(|m| m.len() < 200), "{} bytes", got[0].len());
        assert_eq!(
            got[1999],
            "IP Locality Check: No gateway found for route {'subnet': '10.7.207.0/24', 'gateway': None, 'metric': '10', 'routedomain': None}."
        );
    }

    #[test]
    fn empty_design_warns_twice() {
        let got = run(
            &RULE,
            "---\nschema: drydock/Region/v1\nmetadata: {name: r}\ndata: {}\n",
        );
        assert_eq!(
            got[0],
            (Level::Warning, "IP Locality Check: No networks found.".into())
        );
        assert_eq!(
            got[1],
            (
                Level::Warning,
                "IP Locality Check: No baremetal_nodes found.".into()
            )
        );
    }
}
