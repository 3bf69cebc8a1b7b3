//! A machine's network interfaces (physical NICs, bonds, VLAN interfaces) and their links
//! to subnets.

use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum InterfaceKind {
    Physical,
    Bond,
    Vlan,
}

impl InterfaceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InterfaceKind::Physical => "physical",
            InterfaceKind::Bond => "bond",
            InterfaceKind::Vlan => "vlan",
        }
    }
}

/// How an interface gets its address on a subnet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LinkMode {
    Auto,
    Dhcp,
    Static,
    LinkUp,
}

impl LinkMode {
    /// MAAS accepts the mode in any case.
    pub fn parse(raw: &str) -> Option<LinkMode> {
        match raw.to_ascii_uppercase().as_str() {
            "AUTO" => Some(LinkMode::Auto),
            "DHCP" => Some(LinkMode::Dhcp),
            "STATIC" => Some(LinkMode::Static),
            "LINK_UP" => Some(LinkMode::LinkUp),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LinkMode::Auto => "auto",
            LinkMode::Dhcp => "dhcp",
            LinkMode::Static => "static",
            LinkMode::LinkUp => "link_up",
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Link {
    pub id: u64,
    pub mode: LinkMode,
    pub subnet_id: Option<u64>,
    pub ip_address: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Interface {
    pub id: u64,
    pub name: String,
    pub kind: InterfaceKind,
    pub mac: String,
    pub vlan_id: Option<u64>,
    pub parents: Vec<u64>,
    /// `mtu` and the bond options, as MAAS lists them under `params`.
    pub params: Map<String, Value>,
    pub links: Vec<Link>,
}

impl Interface {
    pub fn physical(id: u64, name: String, mac: String) -> Interface {
        Interface {
            id,
            name,
            kind: InterfaceKind::Physical,
            mac,
            vlan_id: None,
            parents: Vec::new(),
            params: Map::new(),
            links: Vec::new(),
        }
    }
}
