//! `drydock/NetworkLink/v1`: a physical or bonded link and the networks it may carry.

use std::fmt;

use indexmap::IndexMap;
use serde_json::{Value as J, json};

use super::reader::{self, Reader, json_opt, json_strings};
use super::{FieldLines, Source};
use crate::design::model::ConvertError;
use crate::design::yaml::Node;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BondingMode {
    Disabled,
    Lacp,
    BalanceRr,
    ActiveBackup,
}

impl BondingMode {
    const ALL: [BondingMode; 4] = [
        BondingMode::Disabled,
        BondingMode::Lacp,
        BondingMode::BalanceRr,
        BondingMode::ActiveBackup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BondingMode::Disabled => "disabled",
            BondingMode::Lacp => "802.3ad",
            BondingMode::BalanceRr => "balance-rr",
            BondingMode::ActiveBackup => "active-backup",
        }
    }
}

impl fmt::Display for BondingMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrunkMode {
    Disabled,
    Dot1q,
}

impl TrunkMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TrunkMode::Disabled => "disabled",
            TrunkMode::Dot1q => "802.1q",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NetworkLink {
    pub name: String,
    pub source: Source,
    pub bonding_mode: BondingMode,
    pub bonding_xmit_hash: Option<String>,
    pub bonding_peer_rate: Option<String>,
    pub bonding_mon_rate: Option<i64>,
    pub bonding_up_delay: Option<i64>,
    pub bonding_down_delay: Option<i64>,
    pub mtu: Option<i64>,
    pub linkspeed: Option<String>,
    pub trunk_mode: TrunkMode,
    /// `trunking.default_network`: the untagged network of the link.
    pub native_network: Option<String>,
    pub allowed_networks: Option<Vec<String>>,
    pub labels: IndexMap<String, Option<String>>,
    pub field_lines: FieldLines,
}

impl NetworkLink {
    pub(crate) fn convert(r: &Reader, name: &str, body: &Node) -> Result<NetworkLink, ConvertError> {
        let bonding = reader::get(body, "bonding");
        let mode_node = bonding.and_then(|b| reader::get(b, "mode"));
        let bonding_mode = match mode_node {
            None => BondingMode::Disabled,
            Some(n) => {
                let text = n.python_str();
                BondingMode::ALL.into_iter().find(|m| m.as_str() == text).ok_or_else(|| {
                    r.invalid_value(
                        n,
                        format!(
                            "Field value {text} is invalid for bonding.mode (allowed: disabled, 802.3ad, balance-rr, active-backup)"
                        ),
                    )
                })?
            }
        };
        let opt = |key: &str| bonding.and_then(|b| reader::string(b, key));
        let num = |key: &str| bonding.and_then(|b| reader::int(b, key));
        // Drydock applies bond option defaults per mode and ignores options on unbonded links.
        let (hash, peer, mon, up, down) = match bonding_mode {
            BondingMode::Disabled => (None, None, None, None, None),
            BondingMode::Lacp => (
                Some(opt("hash").unwrap_or_else(|| "layer3+4".into())),
                Some(opt("peer_rate").unwrap_or_else(|| "fast".into())),
                Some(num("mon_rate").unwrap_or(100)),
                Some(num("up_delay").unwrap_or(200)),
                Some(num("down_delay").unwrap_or(200)),
            ),
            BondingMode::BalanceRr | BondingMode::ActiveBackup => (
                None,
                None,
                Some(num("mon_rate").unwrap_or(100)),
                Some(num("up_delay").unwrap_or(200)),
                Some(num("down_delay").unwrap_or(200)),
            ),
        };
        let trunking = reader::get(body, "trunking");
        let trunk_node = trunking.and_then(|t| reader::get(t, "mode"));
        let trunk_mode = match trunk_node {
            None => TrunkMode::Disabled,
            Some(n) => match n.python_str().as_str() {
                "disabled" => TrunkMode::Disabled,
                "802.1q" => TrunkMode::Dot1q,
                other => {
                    return Err(r.invalid_value(
                        n,
                        format!(
                            "Field value {other} is invalid for trunking.mode (allowed: disabled, 802.1q)"
                        ),
                    ));
                }
            },
        };
        Ok(NetworkLink {
            name: name.to_string(),
            source: r.source.clone(),
            bonding_mode,
            bonding_xmit_hash: hash,
            bonding_peer_rate: peer,
            bonding_mon_rate: mon,
            bonding_up_delay: up,
            bonding_down_delay: down,
            mtu: reader::int(body, "mtu"),
            linkspeed: reader::string(body, "linkspeed"),
            trunk_mode,
            native_network: trunking.and_then(|t| reader::string(t, "default_network")),
            allowed_networks: reader::strings(body, "allowed_networks"),
            labels: reader::nullable_string_map(body, "labels"),
            field_lines: FieldLines::read(body, &["bonding", "mtu", "trunking", "allowed_networks"]),
        })
    }

    /// Where `field` was written, else where the document starts.
    pub fn field_source(&self, field: &str) -> Source {
        self.field_lines.source(&self.source, field)
    }

    pub fn allowed_networks(&self) -> &[String] {
        self.allowed_networks.as_deref().unwrap_or(&[])
    }

    pub fn to_json(&self) -> J {
        json!({
            "name": self.name,
            "bonding": {
                "mode": self.bonding_mode.as_str(),
                "hash": json_opt(&self.bonding_xmit_hash),
                "peer_rate": json_opt(&self.bonding_peer_rate),
                "mon_rate": self.bonding_mon_rate,
                "up_delay": self.bonding_up_delay,
                "down_delay": self.bonding_down_delay,
            },
            "mtu": self.mtu,
            "linkspeed": json_opt(&self.linkspeed),
            "trunking": {
                "mode": self.trunk_mode.as_str(),
                "default_network": json_opt(&self.native_network),
            },
            "allowed_networks": self.allowed_networks.as_deref().map(json_strings),
            "labels": self.labels,
        })
    }
}
