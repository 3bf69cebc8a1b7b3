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
                .any(|m| m.contains("Rack rack9 of BaremetalNode cmp01 is not defined")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|m| m.contains("Host profile chain compute -> compute is a cycle")),
            "{got:?}"
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
}
