//! References between documents: host and hardware profiles, networks named by links,
//! racks and nodes, racks of nodes, bootaction filters; profile cycles; unknown OOB types;
//! kernel parameters that point at missing hardware-profile settings (warnings).
//! Resolution finds these; this rule reports them.

use super::prelude::*;

pub const RULE: Rule = Rule {
    id: "references",
    name: "DD1000",
    long_name: "Design References",
    check,
};

fn check(site: &Site, _: &Context, report: &mut RuleReport) {
    for m in &site.resolve_issues {
        report.push(m.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::RULE;
    use crate::design::validation::Level;

    #[test]
    fn resolved_design_passes() {
        passes(&RULE, BASE);
    }

    #[test]
    fn dangling_profile_and_hardware() {
        let yaml = base_with("  host_profile: compute\n", "  host_profile: computer\n");
        let got = errors(&run(&RULE, &yaml));
        assert!(
            got.contains(&"Design References: HostProfile computer not found in design state".to_string()),
            "{got:?}"
        );
        assert!(
            got.contains(&"Design References: Hardware profile not set".to_string()),
            "{got:?}"
        );
        let yaml = base_with("  hardware_profile: gen10\n", "  hardware_profile: gen11\n");
        let got = errors(&run(&RULE, &yaml));
        assert_eq!(got.len(), 2, "both nodes: {got:?}");
        assert!(got[0].ends_with("HardwareProfile gen11 not found in design state"));
    }

    #[test]
    fn dangling_networks_racks_and_cycles() {
        let yaml = base_with(
            "allowed_networks: [mgmt, storage]",
            "allowed_networks: [mgmt, storage, ghost]",
        );
        let yaml = yaml.replacen("metadata: {rack: rack1}", "metadata: {rack: rack9}", 1);
        let yaml = yaml.replacen(
            "  host_profile: defaults\n  platform:",
            "  host_profile: compute\n  platform:",
            1,
        );
        let got = errors(&run(&RULE, &yaml));
        assert!(
            got.iter()
                .any(|m| m.contains("allows network ghost, which is not defined")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|m| m.contains("Host profile chain compute -> compute is a cycle")),
            "{got:?}"
        );
    }

    #[test]
    fn dhcp_address_on_an_undefined_network() {
        let yaml = base_with("{network: pxe, address: dhcp}", "{network: pxe2, address: dhcp}");
        assert_eq!(
            errors(&run(&RULE, &yaml)),
            [
                "Design References: DHCP addressing network pxe2 of BaremetalNode cmp01 is not a defined Network"
            ]
        );
    }

    #[test]
    fn racks_and_filters_naming_nothing_warn() {
        let yaml = base_with("metadata: {rack: rack1}", "metadata: {rack: rack9}").replacen(
            "  signaling: false\n",
            "  signaling: false\n  node_filter:\n    filter_set_type: union\n    filter_set: [{filter_type: union, node_names: [cmp1], rack_names: [rack1, rack7]}]\n",
            1,
        );
        let got = run(&RULE, &yaml);
        let warnings: Vec<&str> = got
            .iter()
            .filter(|(l, _)| *l == Level::Warning)
            .map(|(_, m)| m.as_str())
            .collect();
        assert_eq!(
            warnings,
            [
                "Design References: Rack rack9 of BaremetalNode cmp01 is not defined",
                "Design References: BootAction hello node_filter names node cmp1, which is not defined",
                "Design References: BootAction hello node_filter names rack rack7, which is not defined",
            ]
        );
        assert!(
            errors(&got).is_empty(),
            "Drydock accepted these designs: warnings only"
        );
    }

    #[test]
    fn unresolvable_kernel_parameter_warns() {
        let yaml = base_with("'hardwareprofile:cpuset.kvm'", "'hardwareprofile:cpuset.nope'");
        let got = run(&RULE, &yaml);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(
            got[0]
                .1
                .contains("Error resolving parameter reference on node cmp01: CPU set nope not found.")
        );
        assert!(errors(&got).is_empty());
    }

    #[test]
    fn route_domain_expansion_is_bounded() {
        // 400 networks in one domain would add 159,600 routes.
        let mut yaml = BASE.to_string();
        for i in 0..400 {
            yaml.push_str(&format!(
                "---\nschema: 'drydock/Network/v1'\nmetadata: {{name: rd{i}}}\ndata: {{cidr: 10.{}.{}.0/24, routedomain: stor, routes: [{{routedomain: stor, gateway: 10.{}.{}.1, metric: 10}}]}}\n",
                100 + i / 256,
                i % 256,
                100 + i / 256,
                i % 256
            ));
        }
        let s = site(&yaml);
        let routes: usize = s.networks.iter().map(|n| n.routes.len()).sum();
        assert!(routes <= 101_000, "{routes}");
        let got = errors(&run(&RULE, &yaml));
        assert_eq!(got.len(), 1, "{:?}", got.first());
        assert!(
            got[0].contains("Route domain stor would add more than 100000 routes"),
            "{}",
            got[0]
        );
    }

    /// The message of the references rule on `yaml` that contains `text`.
    fn message(yaml: &str, text: &str) -> crate::design::validation::Message {
        RULE.run(&site(yaml), &Default::default())
            .into_iter()
            .find(|m| m.message.contains(text))
            .unwrap_or_else(|| panic!("no message contains {text:?}"))
    }

    fn line_of(yaml: &str, text: &str) -> u32 {
        let at = yaml.find(text).expect("the design has the text");
        yaml[..at].matches('\n').count() as u32 + 1
    }

    #[test]
    fn dangling_references_point_at_their_line_and_suggest_the_closest_name() {
        let yaml = base_with("  host_profile: compute\n", "  host_profile: computer\n");
        let m = message(&yaml, "HostProfile computer not found");
        assert_eq!(m.source.unwrap().line, line_of(&yaml, "host_profile: computer"));
        assert!(
            m.diagnostic.starts_with("Did you mean compute? "),
            "{}",
            m.diagnostic
        );

        let yaml = base_with("  hardware_profile: gen10\n", "  hardware_profile: gen11\n");
        let m = message(&yaml, "HardwareProfile gen11 not found");
        assert!(
            m.diagnostic.starts_with("Did you mean gen10? "),
            "{}",
            m.diagnostic
        );

        let yaml = base_with("  primary_network: mgmt\n", "  primary_network: mgnt\n");
        let m = message(&yaml, "primary_network mgnt");
        assert_eq!(m.source.unwrap().line, line_of(&yaml, "primary_network: mgnt"));
        assert!(
            m.diagnostic.starts_with("Did you mean mgmt? "),
            "{}",
            m.diagnostic
        );

        let yaml = base_with(
            "allowed_networks: [mgmt, storage]",
            "allowed_networks: [mgmt, storrage]",
        );
        let m = message(&yaml, "allows network storrage");
        assert!(
            m.diagnostic.starts_with("Did you mean storage? "),
            "{}",
            m.diagnostic
        );

        // Nothing close: no guess.
        let yaml = base_with("  host_profile: compute\n", "  host_profile: zzzzzzzz\n");
        let m = message(&yaml, "HostProfile zzzzzzzz not found");
        assert!(
            m.diagnostic.starts_with("Define HostProfile zzzzzzzz"),
            "{}",
            m.diagnostic
        );
    }
}
