//! The region's networks: fabrics with their VLANs, spaces, subnets, IP ranges, static
//! routes, DNS domains, and the rack controller's NICs on the networks it serves.

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Vlan {
    pub id: u64,
    pub fabric_id: u64,
    pub vid: u16,
    pub name: String,
    pub mtu: u32,
    pub dhcp_on: bool,
    pub space: String,
    /// System ids of the racks serving DHCP here.
    pub primary_rack: Option<String>,
    pub secondary_rack: Option<String>,
    /// The VLAN whose DHCP this one relays to (an id).
    pub relay_vlan: Option<u64>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Space {
    pub id: u64,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Subnet {
    pub id: u64,
    pub name: String,
    pub description: String,
    pub cidr: ipnet::IpNet,
    pub vlan_id: u64,
    pub gateway_ip: Option<String>,
    pub dns_servers: Vec<String>,
    pub allow_dns: bool,
    pub allow_proxy: bool,
    pub managed: bool,
    /// 0 disabled, 1 enabled, 2 RFC 2317 (MAAS's default).
    pub rdns_mode: u8,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct IpRange {
    pub id: u64,
    pub subnet_id: u64,
    pub kind: String,
    pub start: std::net::IpAddr,
    pub end: std::net::IpAddr,
    pub comment: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StaticRoute {
    pub id: u64,
    pub source: u64,
    pub destination: u64,
    pub gateway_ip: String,
    pub metric: i64,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Fabric {
    pub id: u64,
    pub name: String,
    pub description: String,
    pub class_type: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Domain {
    pub id: u64,
    pub name: String,
    pub authoritative: bool,
    pub ttl: Option<u64>,
    pub is_default: bool,
}

impl Domain {
    pub fn fresh_region() -> Vec<Domain> {
        vec![Domain {
            id: 0,
            name: "maas".into(),
            authoritative: true,
            ttl: None,
            is_default: true,
        }]
    }
}

/// A rack NIC on a network the rack serves DHCP on (beside its NIC on the region's subnet).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RackNic {
    pub interface_id: u64,
    pub link_id: u64,
    pub subnet_id: u64,
    pub ip: std::net::IpAddr,
}
