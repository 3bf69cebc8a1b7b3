//! DD1001 Rational Boot Storage: every node has a `root` partition of at least 20 GB, and
//! a `boot` partition (after root) of at least 1 GB. Sizes use the validator's simple parser.

use super::prelude::*;
use super::size::simple_bytes;

pub const RULE: Rule = Rule {
    id: "boot-storage-rational",
    name: "DD1001",
    long_name: "Rational Boot Storage",
    check,
};

fn check(site: &Site, _: &Context, report: &mut RuleReport) {
    for node in &site.nodes {
        let doc = || vec![node.docref()];
        let mut root_set = false;
        for part in node.config.storage_devices.iter().flat_map(|d| &d.partitions) {
            let size = part.size.as_deref().and_then(simple_bytes);
            let at = Some(part.source.clone());
            match part.name.as_deref() {
                Some("root") => match size {
                    None => report.error(
                        &format!(
                            "Root volume has an invalid size format on BaremetalNode{}.",
                            node.name
                        ),
                        "Use a valid root volume storage specification.",
                        doc(),
                        at,
                    ),
                    Some(bytes) => {
                        root_set = true;
                        if bytes < 20_000_000_000 {
                            report.error(
                                &format!("Root volume must be > 20GB on BaremetalNode {}", node.name),
                                "Configure a larger root volume",
                                doc(),
                                at,
                            );
                        }
                    }
                },
                Some("boot") if root_set => match size {
                    None => report.error(
                        &format!(
                            "Boot volume has an invalid size format on BaremetalNode {}.",
                            node.name
                        ),
                        "Use a valid boot volume storage specification.",
                        doc(),
                        at,
                    ),
                    Some(bytes) if bytes < 1_000_000_000 => report.error(
                        &format!("Boot volume must be > 1GB on BaremetalNode {}", node.name),
                        "Configure a larger boot volume.",
                        doc(),
                        at,
                    ),
                    Some(_) => {}
                },
                _ => {}
            }
        }
        if !root_set {
            report.error(
                &format!(
                    "Root volume has to be set and must be > 20GB on BaremetalNode {}",
                    node.name
                ),
                "All nodes require a defined root volume at least 20GB in size.",
                doc(),
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
    fn large_enough_root_and_boot_pass() {
        passes(&RULE, BASE);
        passes(
            &RULE,
            &base_with("{name: root, size: 30g,", "{name: root, size: 20GB,"),
        );
    }

    #[test]
    fn small_root_and_boot_fail_on_every_node() {
        let yaml = base_with("{name: root, size: 30g,", "{name: root, size: 10g,").replacen(
            "{name: boot, size: 1g,",
            "{name: boot, size: 500m,",
            1,
        );
        let got = errors(&run(&RULE, &yaml));
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(
            got[0],
            "Rational Boot Storage: Root volume must be > 20GB on BaremetalNode cmp01"
        );
        assert_eq!(
            got[1],
            "Rational Boot Storage: Boot volume must be > 1GB on BaremetalNode cmp01"
        );
    }

    #[test]
    fn missing_or_unparseable_root() {
        let yaml = base_with("{name: root, size: 30g,", "{name: root, size: 39%,");
        let got = errors(&run(&RULE, &yaml));
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(
            got[0],
            "Rational Boot Storage: Root volume has an invalid size format on BaremetalNodecmp01."
        );
        assert_eq!(
            got[1],
            "Rational Boot Storage: Root volume has to be set and must be > 20GB on BaremetalNode cmp01"
        );
        let yaml = base_with("{name: root, size: 30g,", "{name: slash, size: 30g,");
        assert_eq!(errors(&run(&RULE, &yaml)).len(), 2);
    }
}
