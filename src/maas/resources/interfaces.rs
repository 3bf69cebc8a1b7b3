//! A machine's network interfaces (physical, bond, VLAN, bridge) and their subnet links.

use serde::{Deserialize, Serialize};

use super::Extra;
use super::subnets::Subnet;
use super::vlans::Vlan;
use crate::maas::calls::calls;
use crate::maas::text_enum::text_enum;

text_enum! {
    InterfaceType {
        Physical = "physical",
        Bond = "bond",
        Vlan = "vlan",
        Bridge = "bridge",
        Alias = "alias",
        Unknown = "unknown",
    }
}

text_enum! {
    /// How an interface gets its address on a subnet.
    LinkMode { Auto = "auto", Dhcp = "dhcp", Static = "static", LinkUp = "link_up" }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Interface {
    pub id: u64,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: InterfaceType,
    pub mac_address: Option<String>,
    pub enabled: bool,
    pub vlan: Option<Vlan>,
    pub links: Vec<Link>,
    pub parents: Vec<String>,
    pub children: Vec<String>,
    pub effective_mtu: u32,
    pub tags: Vec<String>,
    pub system_id: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// An interface's link to a subnet.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Link {
    pub id: u64,
    pub mode: LinkMode,
    /// Absent on a link-up link without a subnet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet: Option<Subnet>,
    /// Absent until MAAS assigns one (auto and DHCP links).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

calls! {
    /// A machine's interfaces.
    INTERFACES interfaces(system_id) Get "nodes/{system_id}/interfaces/" -> Vec<Interface>;
    /// One interface by id.
    INTERFACE interface(system_id, id) Get "nodes/{system_id}/interfaces/{id}/" -> Interface;
    /// Updates an interface (name, VLAN, MTU, bond settings…).
    UPDATE_INTERFACE update_interface(system_id, id) Put "nodes/{system_id}/interfaces/{id}/"
        -> Interface
        ["name", "mac_address", "vlan", "mtu", "tags", "accept_ra", "link_connected",
         "bond_mode", "bond_miimon", "bond_downdelay", "bond_updelay", "bond_lacp_rate",
         "bond_xmit_hash_policy"];
    /// Deletes an interface.
    DELETE_INTERFACE delete_interface(system_id, id) Delete "nodes/{system_id}/interfaces/{id}/" -> ();
    /// Creates a bond of `parents` (interface ids).
    CREATE_BOND create_bond(system_id) Post "nodes/{system_id}/interfaces/" op "create_bond" -> Interface
        ["name", "parents", "mac_address", "vlan", "mtu", "tags", "accept_ra", "bond_mode",
         "bond_miimon", "bond_downdelay", "bond_updelay", "bond_lacp_rate",
         "bond_xmit_hash_policy", "bond_num_grat_arp"];
    /// Creates a VLAN interface on `parent` for `vlan` (a VLAN id).
    CREATE_VLAN_INTERFACE create_vlan_interface(system_id) Post "nodes/{system_id}/interfaces/"
        op "create_vlan" -> Interface
        ["parent", "vlan", "mtu", "tags", "accept_ra"];
    /// Links an interface to a subnet (`mode` auto, dhcp, static or link_up).
    LINK_SUBNET link_subnet(system_id, id) Post "nodes/{system_id}/interfaces/{id}/" op "link_subnet"
        -> Interface
        ["mode", "subnet", "ip_address", "default_gateway", "force"];
    /// Removes one of an interface's links (`id` is the link id).
    UNLINK_SUBNET unlink_subnet(system_id, id) Post "nodes/{system_id}/interfaces/{id}/" op "unlink_subnet"
        -> Interface
        ["id"];
    /// Makes one of the interface's links the machine's default gateway.
    SET_DEFAULT_GATEWAY set_default_gateway(system_id, id) Post "nodes/{system_id}/interfaces/{id}/"
        op "set_default_gateway" -> Interface
        ["link_id"];
}
