//! DD2006 CIDR Validity: network CIDRs must be network addresses (no host bits), as MAAS
//! requires. Unlike Drydock, a CIDR that does not parse at all is an error too.

use ipnet::IpNet;

use super::prelude::*;

pub const RULE: Rule = Rule {
    id: "cidr-validity",
    name: "DD2006",
    long_name: "CIDR Validity",
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
        return;
    }
    for net in &site.networks {
        let Some(cidr) = net.cidr.as_deref() else { continue };
        let doc = vec![DocRef::new(Kind::Network, &net.name)];
        match cidr.parse::<IpNet>() {
            Ok(parsed) if parsed.trunc() != parsed => report.error(
                &format!("The provided CIDR {cidr} has host bits set"),
                &format!("Provide a CIDR acceptable by MAAS: {}", parsed.trunc()),
                doc,
                Some(net.field_source("cidr")),
            ),
            Ok(_) => {}
            Err(_) => report.error(
                &format!("The provided CIDR {cidr} is not a valid network address"),
                "Provide a CIDR such as 10.0.0.0/24.",
                doc,
                Some(net.field_source("cidr")),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::RULE;
    use crate::design::validation::Level;

    #[test]
    fn network_addresses_pass() {
        passes(&RULE, BASE);
    }

    #[test]
    fn host_bits_and_garbage_fail() {
        let yaml = base_with("cidr: 10.23.1.0/24", "cidr: 10.23.1.1/24").replacen(
            "cidr: 10.23.2.0/24",
            "cidr: 10.23.2.0/33",
            1,
        );
        let s = site(&yaml);
        let msgs = RULE.run(&s, &Default::default());
        assert_eq!(msgs.len(), 2, "{msgs:#?}");
        assert_eq!(
            msgs[0].message,
            "CIDR Validity: The provided CIDR 10.23.1.1/24 has host bits set"
        );
        assert_eq!(
            msgs[0].diagnostic,
            "Provide a CIDR acceptable by MAAS: 10.23.1.0/24"
        );
        assert_eq!(msgs[0].documents[0].name, "mgmt");
        assert!(
            msgs[1]
                .message
                .contains("10.23.2.0/33 is not a valid network address")
        );
    }

    #[test]
    fn no_networks_warns() {
        let got = run(
            &RULE,
            "---\nschema: drydock/Region/v1\nmetadata: {name: r}\ndata: {}\n",
        );
        assert_eq!(
            got[0],
            (Level::Warning, "CIDR Validity: No networks found.".into())
        );
        assert_eq!(got.len(), 2);
    }
}
