//! Subnets and their address usage.

use serde::{Deserialize, Serialize};

use super::Extra;
use super::vlans::Vlan;
use crate::maas::calls::calls;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Subnet {
    pub id: u64,
    pub name: String,
    pub cidr: String,
    pub vlan: Option<Vlan>,
    pub gateway_ip: Option<String>,
    pub dns_servers: Vec<String>,
    pub space: String,
    pub managed: bool,
    pub allow_dns: bool,
    pub allow_proxy: bool,
    /// 0 disabled, 1 enabled, 2 RFC 2317.
    pub rdns_mode: u8,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A span of a subnet's addresses, as `reserved_ip_ranges` / `unreserved_ip_ranges` answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AddressSpan {
    pub start: String,
    pub end: String,
    pub num_addresses: u64,
    /// Why it is reserved (`gateway-ip`, `reserved`, `dynamic`…); absent for free spans.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub purpose: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SubnetStatistics {
    pub num_available: u64,
    pub num_unavailable: u64,
    pub largest_available: u64,
    pub total_addresses: u64,
    pub usage: f64,
    #[serde(flatten)]
    pub extra: Extra,
}

calls! {
    /// Every subnet.
    SUBNETS subnets() Get "subnets/" -> Vec<Subnet>;
    /// One subnet by id (or CIDR).
    SUBNET subnet(id) Get "subnets/{id}/" -> Subnet;
    /// Creates a subnet on a VLAN (`vlan` id, or `fabric` + `vid`).
    CREATE_SUBNET create_subnet() Post "subnets/" -> Subnet
        ["cidr", "name", "description", "vlan", "fabric", "vid", "space", "gateway_ip",
         "dns_servers", "rdns_mode", "allow_dns", "allow_proxy", "managed",
         "disabled_boot_architectures"];
    /// Updates a subnet.
    UPDATE_SUBNET update_subnet(id) Put "subnets/{id}/" -> Subnet
        ["cidr", "name", "description", "vlan", "fabric", "vid", "space", "gateway_ip",
         "dns_servers", "rdns_mode", "allow_dns", "allow_proxy", "managed",
         "disabled_boot_architectures"];
    /// Deletes a subnet.
    DELETE_SUBNET delete_subnet(id) Delete "subnets/{id}/" -> ();
    /// The subnet's reserved spans (gateway, ranges, static addresses).
    RESERVED_IP_RANGES reserved_ip_ranges(id) Get "subnets/{id}/" op "reserved_ip_ranges" -> Vec<AddressSpan>;
    /// The subnet's free spans.
    UNRESERVED_IP_RANGES unreserved_ip_ranges(id) Get "subnets/{id}/" op "unreserved_ip_ranges"
        -> Vec<AddressSpan>;
    /// Address usage counts.
    SUBNET_STATISTICS subnet_statistics(id) Get "subnets/{id}/" op "statistics" -> SubnetStatistics;
}
