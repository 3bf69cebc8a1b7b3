//! DD2004 Storage Mountpoint: no mountpoint is used twice on a node (partitions, then the
//! logical volumes of each volume group the node's devices or partitions belong to). Like
//! Drydock, it stops at the first duplicate in the design.

use super::prelude::*;

pub const RULE: Rule = Rule {
    id: "storage-mountpoints",
    name: "DD2004",
    long_name: "Storage Mountpoint",
    check,
};

fn check(site: &Site, _: &Context, report: &mut RuleReport) {
    for node in &site.nodes {
        let mut seen: Vec<&str> = Vec::new();
        let mut vgs_seen: Vec<&str> = Vec::new();
        for dev in node.config.storage_devices.iter() {
            let mut mounts: Vec<(&str, &Source)> = Vec::new();
            for part in &dev.partitions {
                mounts.extend(part.filesystem.mountpoint.as_deref().map(|m| (m, &part.source)));
            }
            let member_of = dev
                .volume_group
                .iter()
                .chain(dev.partitions.iter().filter_map(|p| p.volume_group.as_ref()));
            for vg_name in member_of {
                if vgs_seen.contains(&vg_name.as_str()) {
                    continue;
                }
                vgs_seen.push(vg_name);
                for vg in node.config.volume_groups.iter().filter(|v| v.name == *vg_name) {
                    for lv in &vg.logical_volumes {
                        mounts.extend(lv.filesystem.mountpoint.as_deref().map(|m| (m, &lv.source)));
                    }
                }
            }
            for (mp, source) in mounts {
                if seen.contains(&mp) {
                    report.error(
                        &format!("Mountpoint \"{mp}\" already exists"),
                        "Please use unique mountpoints.",
                        vec![node.docref()],
                        Some(source.clone()),
                    );
                    return;
                }
                seen.push(mp);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::RULE;

    #[test]
    fn unique_mountpoints_pass() {
        passes(&RULE, BASE);
    }

    #[test]
    fn first_duplicate_is_reported_once() {
        let yaml = base_with(
            "{mountpoint: '/var', fstype: xfs}",
            "{mountpoint: '/boot', fstype: xfs}",
        );
        assert_eq!(
            errors(&run(&RULE, &yaml)),
            vec!["Storage Mountpoint: Mountpoint \"/boot\" already exists"]
        );
        let yaml = base_with(
            "          - {name: var, size: '>100g', filesystem: {mountpoint: '/var', fstype: xfs}}\n",
            "      datadisk: {volume_group: vg0}\n    volume_groups:\n      vg0:\n        logical_volumes: [{name: a, size: 10g, filesystem: {mountpoint: /var/log}}, {name: b, size: 10g, filesystem: {mountpoint: /var/log}}]\n",
        );
        assert_eq!(
            errors(&run(&RULE, &yaml)),
            vec!["Storage Mountpoint: Mountpoint \"/var/log\" already exists"]
        );
    }
}
