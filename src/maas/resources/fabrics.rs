//! Fabrics: switching domains, each with its VLANs.

use serde::{Deserialize, Serialize};

use super::Extra;
use super::vlans::Vlan;
use crate::maas::calls::calls;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Fabric {
    pub id: u64,
    pub name: String,
    pub class_type: Option<String>,
    pub vlans: Vec<Vlan>,
    #[serde(flatten)]
    pub extra: Extra,
}

calls! {
    /// Every fabric with its VLANs.
    FABRICS fabrics() Get "fabrics/" -> Vec<Fabric>;
    /// One fabric.
    FABRIC fabric(id) Get "fabrics/{id}/" -> Fabric;
    /// Creates a fabric (it comes with its untagged VLAN).
    CREATE_FABRIC create_fabric() Post "fabrics/" -> Fabric ["name", "description", "class_type"];
    /// Updates a fabric.
    UPDATE_FABRIC update_fabric(id) Put "fabrics/{id}/" -> Fabric ["name", "description", "class_type"];
    /// Deletes a fabric.
    DELETE_FABRIC delete_fabric(id) Delete "fabrics/{id}/" -> ();
}
