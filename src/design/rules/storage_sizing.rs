//! DD2003 Storage Sizing: percentage sizes are not negative and sum to at most 99% per
//! device and per volume group. Drydock's exact counting is kept (it re-checks the volume
//! groups once per device and after every partition), since its tests count the messages.

use super::prelude::*;

pub const RULE: Rule = Rule {
    id: "storage-sizing",
    name: "DD2003",
    long_name: "Storage Sizing",
    check,
};

/// The number before a single `%`, e.g. `-5%` -> -5.
fn percent(size: Option<&str>) -> Option<i64> {
    let (n, rest) = size?.split_once('%')?;
    if rest.contains('%') {
        return None;
    }
    n.trim().parse().ok()
}

fn check(site: &Site, _: &Context, report: &mut RuleReport) {
    const SUM_DIAG: &str = "Percentage-based sizes must sum to less than 100%.";
    for node in &site.nodes {
        let doc = || vec![node.docref()];
        for dev in node.config.storage_devices.iter() {
            let mut psum = 0i64;
            for part in &dev.partitions {
                if let Some(n) = percent(part.size.as_deref()) {
                    if n < 0 {
                        report.error(
                            &format!(
                                "Storage partition {} on device {} size is < 0",
                                part.name.as_deref().unwrap_or("None"),
                                dev.name
                            ),
                            "Partition size must be a positive number.",
                            doc(),
                            Some(part.source.clone()),
                        );
                    }
                    psum = psum.saturating_add(n);
                }
                if psum > 99 {
                    report.error(
                        &format!(
                            "Cumulative partition sizes on device {} is greater than 99%.",
                            dev.name
                        ),
                        SUM_DIAG,
                        doc(),
                        Some(part.source.clone()),
                    );
                }
            }
            let mut vsum = 0i64;
            for vg in node.config.volume_groups.iter() {
                for lv in &vg.logical_volumes {
                    if let Some(n) = percent(lv.size.as_deref()) {
                        if n < 0 {
                            report.error(
                                &format!(
                                    "Logical Volume {} size is < 0 ",
                                    lv.name.as_deref().unwrap_or("None")
                                ),
                                "",
                                doc(),
                                Some(lv.source.clone()),
                            );
                        }
                        vsum = vsum.saturating_add(n);
                    }
                }
                if vsum > 99 {
                    report.error(
                        &format!(
                            "Cumulative logical volume size is greater than 99% in volume group {}",
                            vg.name
                        ),
                        SUM_DIAG,
                        doc(),
                        Some(vg.source.clone()),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::RULE;

    #[test]
    fn sums_within_99_pass() {
        passes(&RULE, BASE);
        let yaml = base_with("{name: var, size: '>100g',", "{name: var, size: '39%',").replacen(
            "{name: boot, size: 1g,",
            "{name: boot, size: 42%,",
            1,
        );
        passes(&RULE, &yaml);
    }

    #[test]
    fn huge_percentages_do_not_overflow() {
        let yaml = base_with(
            "{name: var, size: '>100g',",
            "{name: var, size: '9223372036854775807%',",
        )
        .replacen(
            "{name: boot, size: 1g,",
            "{name: boot, size: '9223372036854775807%',",
            1,
        );
        let got = errors(&run(&RULE, &yaml));
        assert!(
            got.iter().all(|m| m.ends_with("is greater than 99%.")) && got.len() == 4,
            "{got:?}"
        );
    }

    #[test]
    fn overcommitted_and_negative_sizes_fail() {
        let yaml = base_with("{name: var, size: '>100g',", "{name: var, size: '100%',");
        let got = errors(&run(&RULE, &yaml));
        assert_eq!(
            got,
            vec!["Storage Sizing: Cumulative partition sizes on device bootdisk is greater than 99%."; 2]
        );
        let yaml = base_with(
            "          - {name: var, size: '>100g', filesystem: {mountpoint: '/var', fstype: xfs}}\n",
            "          - {name: var, size: '-5%'}\n    volume_groups:\n      vg0:\n        logical_volumes: [{name: log, size: '-77%'}, {name: x, size: 180%}]\n",
        );
        let got = errors(&run(&RULE, &yaml));
        assert_eq!(
            got[..3],
            [
                "Storage Sizing: Storage partition var on device bootdisk size is < 0",
                "Storage Sizing: Logical Volume log size is < 0 ",
                "Storage Sizing: Cumulative logical volume size is greater than 99% in volume group vg0",
            ]
        );
    }
}
