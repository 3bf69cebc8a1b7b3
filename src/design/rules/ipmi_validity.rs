//! DD4001 Valid IPMI Configuration: IPMI nodes (and, beyond Drydock, Redfish nodes, which
//! need the same) have an account, credential and OOB network, and a static address on it.

use super::prelude::*;
use crate::design::model::{AddressType, OobType};

pub const RULE: Rule = Rule {
    id: "ipmi-validity",
    name: "DD4001",
    long_name: "Valid IPMI Configuration",
    check,
};

fn check(site: &Site, _: &Context, report: &mut RuleReport) {
    for node in &site.nodes {
        let kind = match node.oob_type {
            Some(OobType::Ipmi) => "IPMI",
            Some(OobType::Redfish) => "Redfish",
            _ => continue,
        };
        for param in ["account", "credential", "network"] {
            if node.oob_param(param).is_none() {
                report.error(
                    &format!("OOB parameter {param} for {kind} node {} missing.", node.name),
                    &format!("Define OOB parameter {param}"),
                    vec![node.docref()],
                    Some(node.source.clone()),
                );
            }
        }
        let Some(network) = node.oob_param("network") else {
            continue;
        };
        let addressed = node
            .addressing
            .iter()
            .any(|a| a.network == network && a.kind == AddressType::Static && a.address.is_some());
        if !addressed {
            report.error(
                &format!("OOB address missing for {kind} node {}.", node.name),
                "Provide address to node OOB interface.",
                vec![node.docref()],
                Some(node.source.clone()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::RULE;

    #[test]
    fn complete_bmc_configuration_passes() {
        passes(&RULE, BASE);
        passes(&RULE, &base_with("oob: {type: redfish,", "oob: {type: ipmi,"));
    }

    #[test]
    fn missing_parameters_and_address() {
        let yaml = base_with(
            "oob: {type: redfish, network: oob, account: admin, credential: secret}",
            "oob: {type: ipmi, network: oob}",
        )
        .replacen(
            "    - {network: oob, address: 10.23.100.11}\n",
            "    - {network: oob, address: dhcp}\n",
            1,
        );
        let got = errors(&run(&RULE, &yaml));
        assert_eq!(
            got[..3],
            [
                "Valid IPMI Configuration: OOB parameter account for IPMI node cmp01 missing.",
                "Valid IPMI Configuration: OOB parameter credential for IPMI node cmp01 missing.",
                "Valid IPMI Configuration: OOB address missing for IPMI node cmp01.",
            ]
        );
        assert_eq!(got.len(), 5);
        assert!(got.iter().all(|m| !m.contains("secret")));
    }
}
