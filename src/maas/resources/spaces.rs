//! Spaces: sets of VLANs and subnets that reach each other.

use serde::{Deserialize, Serialize};

use super::Extra;
use super::subnets::Subnet;
use super::vlans::Vlan;
use crate::maas::calls::calls;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Space {
    /// -1 for the `undefined` space MAAS lists for VLANs without one.
    pub id: i64,
    pub name: String,
    pub description: String,
    pub vlans: Vec<Vlan>,
    pub subnets: Vec<Subnet>,
    #[serde(flatten)]
    pub extra: Extra,
}

calls! {
    /// Every space.
    SPACES spaces() Get "spaces/" -> Vec<Space>;
    /// One space.
    SPACE space(id) Get "spaces/{id}/" -> Space;
    /// Creates a space.
    CREATE_SPACE create_space() Post "spaces/" -> Space ["name", "description"];
    /// Updates a space.
    UPDATE_SPACE update_space(id) Put "spaces/{id}/" -> Space ["name", "description"];
    /// Deletes a space.
    DELETE_SPACE delete_space(id) Delete "spaces/{id}/" -> ();
}
