//! IP ranges: dynamic (DHCP) and reserved spans of a subnet.

use serde::{Deserialize, Serialize};

use super::Extra;
use super::subnets::Subnet;
use crate::maas::calls::calls;
use crate::maas::text_enum::text_enum;

text_enum! {
    IpRangeType { Dynamic = "dynamic", Reserved = "reserved" }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct IpRange {
    pub id: u64,
    #[serde(rename = "type")]
    pub kind: IpRangeType,
    pub start_ip: String,
    pub end_ip: String,
    pub subnet: Option<Subnet>,
    pub comment: String,
    #[serde(flatten)]
    pub extra: Extra,
}

calls! {
    /// Every IP range.
    IP_RANGES ip_ranges() Get "ipranges/" -> Vec<IpRange>;
    /// One IP range.
    IP_RANGE ip_range(id) Get "ipranges/{id}/" -> IpRange;
    /// Creates a range (`type` dynamic or reserved).
    CREATE_IP_RANGE create_ip_range() Post "ipranges/" -> IpRange
        ["type", "start_ip", "end_ip", "subnet", "comment"];
    /// Moves a range's ends or changes its comment.
    UPDATE_IP_RANGE update_ip_range(id) Put "ipranges/{id}/" -> IpRange ["start_ip", "end_ip", "comment"];
    /// Deletes a range.
    DELETE_IP_RANGE delete_ip_range(id) Delete "ipranges/{id}/" -> ();
}
