//! DD2004 Network Trunking Rationalty (sic): an untrunked link carries exactly one,
//! untagged, default network. An undefined default network is reported by `references`
//! (Drydock aborted the whole validation on it).

use super::prelude::*;
use crate::design::model::TrunkMode;

pub const RULE: Rule = Rule {
    id: "network-trunking-rational",
    name: "DD2004",
    long_name: "Network Trunking Rationalty",
    check,
};

fn check(site: &Site, _: &Context, report: &mut RuleReport) {
    for link in &site.network_links {
        let link_doc = DocRef::new(Kind::NetworkLink, &link.name);
        let at = Some(link.field_source("trunking"));
        if link.trunk_mode != TrunkMode::Disabled {
            continue;
        }
        if link.allowed_networks().len() > 1 {
            report.error(
                "If there is more than 1 allowed network,trunking mode must be enabled",
                "Reduce the allowed network list to 1 or enable trunking on the link.",
                vec![link_doc.clone()],
                at.clone(),
            );
        }
        match link.native_network.as_deref().map(|n| site.network(n)) {
            None => report.error(
                "Trunking mode is disabled, a trunking default_network must be defined",
                "Non-trunked links must have a native network defined.",
                vec![link_doc],
                at,
            ),
            Some(Some(net)) if net.vlan.is_some() => report.error(
                "Network link native network has a defined VLAN tag.",
                "Tagged network not allowed on non-trunked network links.",
                vec![DocRef::new(Kind::Network, &net.name), link_doc],
                Some(net.field_source("vlan")),
            ),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::RULE;

    #[test]
    fn trunked_and_single_untagged_links_pass() {
        passes(&RULE, BASE);
    }

    #[test]
    fn untrunked_link_problems() {
        let yaml = base_with(
            "trunking: {mode: 802.1q, default_network: mgmt}",
            "trunking: {mode: disabled, default_network: mgmt}",
        )
        .replacen(
            "trunking: {mode: disabled, default_network: oob}",
            "trunking: {mode: disabled}",
            1,
        );
        let got = errors(&run(&RULE, &yaml));
        assert_eq!(
            got,
            vec![
                "Network Trunking Rationalty: Trunking mode is disabled, a trunking default_network must be defined",
                "Network Trunking Rationalty: If there is more than 1 allowed network,trunking mode must be enabled",
                "Network Trunking Rationalty: Network link native network has a defined VLAN tag.",
            ]
        );
    }
}
