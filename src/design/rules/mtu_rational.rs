//! DD2003 MTU Rationality: MTUs between 1280 and 65536, and a network's MTU not above the
//! MTU of the link whose default (untagged) network it is.

use rustc_hash::FxHashMap as HashMap;

use super::prelude::*;

pub const RULE: Rule = Rule {
    id: "mtu-rational",
    name: "DD2003",
    long_name: "MTU Rationality",
    check,
};

const MIN_MTU: i64 = 1280;
const MAX_MTU: i64 = 65536;

fn check(site: &Site, _: &Context, report: &mut RuleReport) {
    let range_error = |mtu: i64| format!("MTU must be between {MIN_MTU} and {MAX_MTU}, value is {mtu}");
    const RANGE_DIAG: &str = "Define a valid MTU. Standard is 1500, Jumbo is 9100.";
    let mut parent_mtu: HashMap<&str, Option<i64>> = HashMap::default();
    for link in &site.network_links {
        if let Some(mtu) = link.mtu.filter(|m| !(MIN_MTU..=MAX_MTU).contains(m)) {
            report.error(
                &range_error(mtu),
                RANGE_DIAG,
                vec![DocRef::new(Kind::NetworkLink, &link.name)],
                Some(link.field_source("mtu")),
            );
        }
        if let Some(native) = &link.native_network {
            parent_mtu.insert(native, link.mtu);
        }
    }
    for net in &site.networks {
        let Some(mtu) = net.mtu else { continue };
        let doc = || vec![DocRef::new(Kind::Network, &net.name)];
        // Drydock printed the last link's MTU here; the network's own is what is wrong.
        if !(MIN_MTU..=MAX_MTU).contains(&mtu) {
            report.error(
                &range_error(mtu),
                RANGE_DIAG,
                doc(),
                Some(net.field_source("mtu")),
            );
        }
        if let Some(Some(parent)) = parent_mtu.get(net.name.as_str())
            && mtu > *parent
        {
            report.error(
                &format!("MTU must be <= the parent Network Link; for Network {}", net.name),
                "Define a MTU less than or equal to that of the carrying network link.",
                doc(),
                Some(net.field_source("mtu")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::RULE;

    #[test]
    fn sane_mtus_pass() {
        passes(&RULE, BASE);
    }

    #[test]
    fn out_of_range_and_above_parent() {
        let yaml = base_with("  mtu: 9000\n  trunking", "  mtu: 70000\n  trunking")
            .replacen(
                "  cidr: 10.23.0.0/24\n  mtu: 1500",
                "  cidr: 10.23.0.0/24\n  mtu: 1000",
                1,
            )
            .replacen(
                "  cidr: 10.23.1.0/24\n  mtu: 1500",
                "  cidr: 10.23.1.0/24\n  mtu: 9000",
                1,
            );
        let got = errors(&run(&RULE, &yaml));
        assert_eq!(
            got,
            vec![
                "MTU Rationality: MTU must be between 1280 and 65536, value is 70000",
                "MTU Rationality: MTU must be between 1280 and 65536, value is 1000",
            ]
        );
        let yaml = base_with(
            "  cidr: 10.23.0.0/24\n  mtu: 1500",
            "  cidr: 10.23.0.0/24\n  mtu: 9000",
        );
        assert_eq!(
            errors(&run(&RULE, &yaml)),
            vec!["MTU Rationality: MTU must be <= the parent Network Link; for Network pxe"]
        );
    }
}
