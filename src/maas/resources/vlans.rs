//! VLANs, addressed within their fabric by VID.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Extra;
use crate::maas::calls::calls;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Vlan {
    pub id: u64,
    pub vid: u16,
    pub name: String,
    pub fabric: String,
    pub fabric_id: u64,
    pub mtu: u32,
    pub dhcp_on: bool,
    pub primary_rack: Option<String>,
    pub secondary_rack: Option<String>,
    /// The VLAN DHCP is relayed to (an object or an id, depending on the MAAS version).
    pub relay_vlan: Value,
    /// The space's name, `undefined` when none.
    pub space: String,
    #[serde(flatten)]
    pub extra: Extra,
}

calls! {
    /// A fabric's VLANs.
    VLANS vlans(fabric_id) Get "fabrics/{fabric_id}/vlans/" -> Vec<Vlan>;
    /// One VLAN by fabric and VID.
    VLAN vlan(fabric_id, vid) Get "fabrics/{fabric_id}/vlans/{vid}/" -> Vlan;
    /// Creates a tagged VLAN in a fabric.
    CREATE_VLAN create_vlan(fabric_id) Post "fabrics/{fabric_id}/vlans/" -> Vlan
        ["vid", "name", "description", "mtu", "space"];
    /// Updates a VLAN (MTU, DHCP, racks, relay, space).
    UPDATE_VLAN update_vlan(fabric_id, vid) Put "fabrics/{fabric_id}/vlans/{vid}/" -> Vlan
        ["name", "description", "mtu", "dhcp_on", "primary_rack", "secondary_rack", "relay_vlan",
         "space"];
    /// Deletes a VLAN.
    DELETE_VLAN delete_vlan(fabric_id, vid) Delete "fabrics/{fabric_id}/vlans/{vid}/" -> ();
}
