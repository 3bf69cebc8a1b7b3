//! DD1006 Network Bond Rationality: on LACP (802.3ad) bonds, the up and down delays are
//! at least the MII monitoring interval. (Drydock ingests no bond options for other modes,
//! so its checks for those could never fire; they are not repeated here.)

use super::prelude::*;
use crate::design::model::BondingMode;

pub const RULE: Rule = Rule {
    id: "network-bond-rational",
    name: "DD1006",
    long_name: "Network Bond Rationality",
    check,
};

fn check(site: &Site, _: &Context, report: &mut RuleReport) {
    for link in site
        .network_links
        .iter()
        .filter(|l| l.bonding_mode == BondingMode::Lacp)
    {
        let Some(mon) = link.bonding_mon_rate else {
            continue;
        };
        let doc = || vec![DocRef::new(Kind::NetworkLink, &link.name)];
        if let Some(up) = link.bonding_up_delay.filter(|u| *u < mon) {
            report.error(
                &format!("Up delay {up} is less than mon rate {mon}"),
                "Link up delay must be equal or greater than the mon_rate",
                doc(),
                Some(link.field_source("bonding")),
            );
        }
        if let Some(down) = link.bonding_down_delay.filter(|d| *d < mon) {
            report.error(
                &format!("Down delay {down} is less than mon rate {mon}"),
                "Link down delay must be equal or greater than the mon_rate",
                doc(),
                Some(link.field_source("bonding")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::RULE;

    #[test]
    fn delays_at_least_mon_rate_pass() {
        passes(&RULE, BASE);
        passes(
            &RULE,
            &base_with(
                "bonding: {mode: 802.3ad, hash: layer3+4, peer_rate: fast, mon_rate: 100, up_delay: 200, down_delay: 200}",
                "bonding: {mode: 802.3ad}",
            ),
        );
    }

    #[test]
    fn short_delays_fail() {
        let yaml = base_with("up_delay: 200, down_delay: 200", "up_delay: 50, down_delay: 10");
        assert_eq!(
            errors(&run(&RULE, &yaml)),
            vec![
                "Network Bond Rationality: Up delay 50 is less than mon rate 100",
                "Network Bond Rationality: Down delay 10 is less than mon rate 100",
            ]
        );
    }
}
