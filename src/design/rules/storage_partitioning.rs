//! DD2002 Storage Partitioning: a device is either partitioned or a volume-group member;
//! a partition is either formatted or a volume-group member; every volume group has a
//! physical volume (a device or, unlike Drydock which lost them, a partition).

use super::prelude::*;

pub const RULE: Rule = Rule {
    id: "storage-partitioning",
    name: "DD2002",
    long_name: "Storage Partitioning",
    check,
};

fn check(site: &Site, _: &Context, report: &mut RuleReport) {
    for node in &site.nodes {
        let doc = || vec![node.docref()];
        let mut vg_refs: Vec<&str> = Vec::new();
        for dev in node.config.storage_devices.iter() {
            if dev.partitions.is_empty() == dev.volume_group.is_none() {
                report.error(
                    "Either a volume group OR partitions must be defined for each storage device.",
                    "A storage device must be used for exactly one of a volume group physical volume or carved into partitions.",
                    doc(),
                    Some(dev.source.clone()),
                );
            }
            vg_refs.extend(dev.volume_group.as_deref());
            for part in &dev.partitions {
                if part.filesystem.fstype.is_some() && part.volume_group.is_some() {
                    report.error(
                        "Both a volume group AND file system cannot be defined in a single partition",
                        "A partition can be used for only one of a volume group physical volume or formatted as a filesystem.",
                        doc(),
                        Some(part.source.clone()),
                    );
                }
                vg_refs.extend(part.volume_group.as_deref());
            }
        }
        for vg in node.config.volume_groups.iter() {
            if !vg_refs.contains(&vg.name.as_str()) {
                report.error(
                    &format!("Volume group {} not assigned any physical volumes", vg.name),
                    "Each volume group should be assigned at least one storage device or partition as a physical volume.",
                    doc(),
                    Some(vg.source.clone()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::RULE;

    const LVM: &str = concat!(
        "      datadisk:\n",
        "        volume_group: data_vg\n",
        "    volume_groups:\n",
        "      data_vg:\n",
        "        logical_volumes:\n",
        "          - {name: srv, size: 50%, filesystem: {mountpoint: /srv}}\n",
    );

    fn with_lvm(extra: &str) -> String {
        base_with(
            "          - {name: var, size: '>100g', filesystem: {mountpoint: '/var', fstype: xfs}}\n",
            &format!(
                "          - {{name: var, size: '>100g', filesystem: {{mountpoint: '/var', fstype: xfs}}}}\n{extra}"
            ),
        )
    }

    #[test]
    fn partitioned_and_lvm_devices_pass() {
        passes(&RULE, BASE);
        passes(&RULE, &with_lvm(LVM));
        // A partition as the physical volume counts too.
        let pv_partition = LVM.replace(
            "        volume_group: data_vg\n",
            "        partitions: [{name: pv, size: 10g, volume_group: data_vg}]\n",
        );
        passes(&RULE, &with_lvm(&pv_partition));
    }

    #[test]
    fn conflicting_and_orphan_storage_fails() {
        let orphan = LVM.replace("volume_group: data_vg", "volume_group: other_vg");
        let got = errors(&run(&RULE, &with_lvm(&orphan)));
        assert_eq!(
            got,
            vec!["Storage Partitioning: Volume group data_vg not assigned any physical volumes"; 2]
        );
        let both = LVM.replace(
            "        volume_group: data_vg\n",
            "        volume_group: data_vg\n        partitions: [{name: p, size: 1g, volume_group: data_vg, filesystem: {mountpoint: /x}}]\n",
        );
        let got = errors(&run(&RULE, &with_lvm(&both)));
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(
            got[0],
            "Storage Partitioning: Either a volume group OR partitions must be defined for each storage device."
        );
        assert_eq!(
            got[1],
            "Storage Partitioning: Both a volume group AND file system cannot be defined in a single partition"
        );
    }
}
