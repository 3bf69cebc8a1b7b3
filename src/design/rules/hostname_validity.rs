//! DD3003 Hostname Validity: each node's FQDN (name + primary network's DNS domain) is a
//! valid DNS name: at most 255 characters, labels of 1-63 letters, digits and hyphens.

use super::prelude::*;

pub const RULE: Rule = Rule {
    id: "hostname-validity",
    name: "DD3003",
    long_name: "Hostname Validity",
    check,
};

fn valid_label(label: &str) -> bool {
    (1..=63).contains(&label.len()) && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn check(site: &Site, _: &Context, report: &mut RuleReport) {
    for node in &site.nodes {
        let fqdn = node.fqdn();
        if fqdn.len() > 255 {
            report.error(
                &format!("FQDN {fqdn} is invalid, greater than 255 characters."),
                "RFC 1035 requires full DNS names to be < 256 characters.",
                vec![node.docref()],
                Some(node.source.clone()),
            );
        }
        for label in fqdn.split('.').filter(|l| !valid_label(l)) {
            report.error(
                &format!("FQDN {fqdn} is invalid - label '{label}' is invalid."),
                "RFC 1035 requires each label in a DNS name to be <= 63 characters and contain only A-Z, a-z, 0-9, and hyphens.",
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
    fn dns_names_pass() {
        passes(&RULE, BASE);
    }

    #[test]
    fn underscores_and_long_labels_fail() {
        let long = "a".repeat(64);
        let yaml = base_with("name: cmp01}", "name: bad__name}").replacen(
            "domain: site1.example.com",
            &format!("domain: {long}.example.com"),
            1,
        );
        let got = errors(&run(&RULE, &yaml));
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(
            got[0],
            format!(
                "Hostname Validity: FQDN bad__name.{long}.example.com is invalid - label 'bad__name' is invalid."
            )
        );
        assert!(got[1].contains(&format!("label '{long}' is invalid")));
    }
}
