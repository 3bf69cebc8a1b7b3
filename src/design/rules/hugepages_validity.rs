//! DD1008 Hugepages: the `hugepages` and `hugepagesz` kernel parameters come together.

use super::prelude::*;

pub const RULE: Rule = Rule {
    id: "hugepages-validity",
    name: "DD1008",
    long_name: "Hugepages",
    check,
};

fn check(site: &Site, _: &Context, report: &mut RuleReport) {
    for node in &site.nodes {
        let p = &node.config.kernel_params;
        if p.contains_key("hugepages") != p.contains_key("hugepagesz") {
            report.error(
                "Invalid hugepages kernel configuration",
                "hugepages and hugepagesz must be specified together",
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
    fn both_or_neither_pass() {
        passes(&RULE, BASE);
    }

    #[test]
    fn one_without_the_other_fails() {
        let yaml = base_with("hugepagesz: 'hardwareprofile:hugepages.dpdk.size', ", "");
        assert_eq!(
            errors(&run(&RULE, &yaml)),
            vec!["Hugepages: Invalid hugepages kernel configuration"]
        );
    }
}
