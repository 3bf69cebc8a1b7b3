//! DD4001 Bootaction Definition: every node is in scope of at least one boot action.

use rustc_hash::FxHashSet as HashSet;

use super::prelude::*;

pub const RULE: Rule = Rule {
    id: "bootaction-defined",
    name: "DD4001",
    long_name: "Bootaction Definition",
    check,
};

fn check(site: &Site, _: &Context, report: &mut RuleReport) {
    let targeted: HashSet<&str> = site
        .bootactions
        .iter()
        .flat_map(|b| b.target_nodes.iter().map(String::as_str))
        .collect();
    for node in site.nodes.iter().filter(|n| !targeted.contains(n.name.as_str())) {
        report.warn(
            &format!("Node {} is not in scope for any bootactions.", node.name),
            "It is expected all nodes have at least one post-deploy action.",
            vec![node.docref()],
            Some(node.source.clone()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::RULE;
    use crate::design::validation::Level;

    #[test]
    fn every_node_in_scope_passes() {
        passes(&RULE, BASE);
    }

    #[test]
    fn unscoped_node_warns() {
        let yaml = base_with(
            "  signaling: false\n",
            "  signaling: false\n  node_filter:\n    filter_set_type: union\n    filter_set: [{filter_type: union, node_names: [cmp01]}]\n",
        );
        let got = run(&RULE, &yaml);
        assert_eq!(
            got,
            vec![
                (
                    Level::Warning,
                    "Bootaction Definition: Node ctl01 is not in scope for any bootactions.".into()
                ),
                (
                    Level::Info,
                    "Bootaction Definition: Validation successful.".into()
                ),
            ]
        );
    }
}
