//! How MAAS should power a node: its power type and parameters, made from the node's BMC so
//! that MAAS reaches the same BMC drydock does (by its design address: MAAS is on the site's
//! network). The password stays a [`Secret`] until the MAAS client puts it in the request.

use crate::design::model::OobType;

use super::{Bmc, Secret};

/// A power parameter's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    Plain(String),
    Secret(Secret),
}

/// MAAS's power type and `power_parameters_*` fields for `bmc`.
pub fn maas_power(bmc: &Bmc) -> (&'static str, Vec<(&'static str, ParamValue)>) {
    let plain = |v: &str| ParamValue::Plain(v.to_string());
    let secret = || ParamValue::Secret(bmc.credential.clone());
    match bmc.protocol {
        OobType::Redfish => (
            "redfish",
            vec![
                ("power_address", plain(&bmc.address)),
                ("power_user", plain(&bmc.account)),
                ("power_pass", secret()),
            ],
        ),
        OobType::Ipmi => (
            "ipmi",
            vec![
                ("power_driver", plain("LAN_2_0")),
                ("power_address", plain(&bmc.address)),
                ("power_user", plain(&bmc.account)),
                ("power_pass", secret()),
                ("cipher_suite_id", plain(&bmc.cipher_suite.to_string())),
                // Power control needs more than MAAS's default OPERATOR on many BMCs.
                ("privilege_level", plain("ADMIN")),
            ],
        ),
        OobType::Libvirt => (
            "virsh",
            vec![
                ("power_address", plain(&bmc.address)),
                ("power_id", plain(&bmc.node)),
            ],
        ),
        OobType::Manual => ("manual", Vec::new()),
    }
}
