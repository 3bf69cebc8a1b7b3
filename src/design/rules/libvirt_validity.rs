//! DD4002 Valid Libvirt Configuration: libvirt nodes have a `qemu+ssh` URI and a boot MAC.

use super::prelude::*;
use crate::design::model::OobType;

pub const RULE: Rule = Rule {
    id: "libvirt-validity",
    name: "DD4002",
    long_name: "Valid Libvirt Configuration",
    check,
};

fn check(site: &Site, _: &Context, report: &mut RuleReport) {
    for node in site.nodes.iter().filter(|n| n.oob_type == Some(OobType::Libvirt)) {
        let doc = || vec![node.docref()];
        let at = || Some(node.source.clone());
        match node.oob_param("libvirt_uri") {
            None => report.error(
                &format!("OOB parameter libvirt_uri missing for node {}.", node.name),
                "Provide libvirt URI to node hypervisor.",
                doc(),
                at(),
            ),
            Some(uri) if !uri.starts_with("qemu+ssh") => report.error(
                "OOB parameter libvirt_uri has invalid scheme.",
                "Only scheme 'qemu+ssh' is supported.",
                doc(),
                at(),
            ),
            Some(_) => {}
        }
        if node.boot_mac.is_none() {
            report.error(
                "libvirt-based node requries defined boot MAC address.",
                "Specify the node's PXE MAC address in metadata.boot_mac",
                doc(),
                at(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::RULE;

    const LIBVIRT: &str = "oob: {type: libvirt, libvirt_uri: 'qemu+ssh://virsh@host/system'}";
    const REDFISH: &str = "oob: {type: redfish, network: oob, account: admin, credential: secret}";

    #[test]
    fn ssh_uri_and_boot_mac_pass() {
        passes(&RULE, BASE);
        let yaml = base_with(REDFISH, LIBVIRT)
            .replacen(
                "metadata: {rack: rack1}",
                "metadata: {rack: rack1, boot_mac: '52:54:00:00:00:01'}",
                1,
            )
            .replacen(
                "metadata: {rack: rack1, tags",
                "metadata: {rack: rack1, boot_mac: '52:54:00:00:00:02', tags",
                1,
            );
        passes(&RULE, &yaml);
    }

    #[test]
    fn bad_scheme_missing_uri_and_mac() {
        let yaml = base_with(REDFISH, "oob: {type: libvirt, libvirt_uri: 'qemu:///system'}");
        let got = errors(&run(&RULE, &yaml));
        assert_eq!(
            got[..2],
            [
                "Valid Libvirt Configuration: OOB parameter libvirt_uri has invalid scheme.",
                "Valid Libvirt Configuration: libvirt-based node requries defined boot MAC address.",
            ]
        );
        let yaml = base_with(REDFISH, "oob: {type: libvirt}");
        assert!(errors(&run(&RULE, &yaml))[0].ends_with("OOB parameter libvirt_uri missing for node cmp01."));
    }
}
