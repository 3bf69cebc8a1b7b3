//! Who a node's BMC is, read from the design: the protocol (`oob.type`), the address (the
//! node's static address on the `oob.network` network; for libvirt, `oob.libvirt_uri`), the
//! account and the credential, and the per-node TLS and IPMI options. Where the BMC is
//! actually reached can differ from its design address: the simulator serves every BMC on
//! loopback and publishes a [`BmcMap`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use crate::design::model::OobType;
use crate::design::site::Node;

use super::{OobError, OobErrorKind, OobSettings, TlsMode};

/// A password. Its `Debug` and `Display` print `<redacted>`; drivers read it with
/// [`Secret::expose`] only to put it in the request that needs it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where BMCs are served when that is not their design address: design address ->
/// endpoint (`http://127.0.0.1:40001` for Redfish, `127.0.0.1:40623` for IPMI). The
/// simulator publishes one; `--bmc-map FILE` reads it as a JSON object.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct BmcMap(pub BTreeMap<String, String>);

impl BmcMap {
    pub fn get(&self, address: &str) -> Option<&str> {
        self.0.get(address).map(String::as_str)
    }

    pub fn insert(&mut self, address: impl Into<String>, endpoint: impl Into<String>) {
        self.0.insert(address.into(), endpoint.into());
    }
}

/// One node's BMC, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bmc {
    pub node: String,
    pub protocol: OobType,
    /// As the design names it: an IP address or host name, or for libvirt the URI. Empty for
    /// a manual node.
    pub address: String,
    /// Where to connect: a URL base for Redfish (`https://10.40.0.21`), `host:port` for IPMI,
    /// the URI for libvirt. The design address unless the [`BmcMap`] says otherwise.
    pub endpoint: String,
    pub account: String,
    pub credential: Secret,
    pub tls: TlsMode,
    /// IPMI only.
    pub cipher_suite: u8,
}

/// The IPMI cipher suites drydock speaks: 3 (HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128) and 17
/// (HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128). Suite 0 has no authentication at all.
pub const CIPHER_SUITES: [u8; 2] = [3, 17];

impl Bmc {
    /// The node's BMC, or what is missing from the design to reach it.
    pub fn of_node(node: &Node, settings: &OobSettings) -> Result<Bmc, OobError> {
        let protocol = node.oob_type.unwrap_or(OobType::Manual);
        let mut bmc = Bmc {
            node: node.name.clone(),
            protocol,
            address: String::new(),
            endpoint: String::new(),
            account: node.oob_param("account").unwrap_or_default().to_string(),
            credential: Secret::new(node.oob_param("credential").unwrap_or_default()),
            tls: settings.tls.clone(),
            cipher_suite: settings.cipher_suite,
        };
        let config = |bmc: &Bmc, message: String| OobError::new(OobErrorKind::Config, bmc, message);
        match protocol {
            OobType::Manual => return Ok(bmc),
            OobType::Libvirt => {
                let Some(uri) = node.oob_param("libvirt_uri") else {
                    return Err(config(&bmc, "the node has no oob.libvirt_uri".into()));
                };
                bmc.address = uri.to_string();
            }
            OobType::Redfish | OobType::Ipmi => {
                let Some(network) = node.oob_param("network") else {
                    return Err(config(&bmc, "the node has no oob.network".into()));
                };
                let Some(address) = node
                    .addressing
                    .iter()
                    .find(|a| a.network == network)
                    .and_then(|a| a.address.as_deref())
                else {
                    return Err(config(
                        &bmc,
                        format!("the node has no static address on its OOB network {network:?}"),
                    ));
                };
                bmc.address = address.to_string();
            }
        }
        if let Some(ca) = node.oob_param("ca_file") {
            bmc.tls = TlsMode::CaFile(PathBuf::from(ca));
        }
        if node
            .oob_param("tls_verify")
            .is_some_and(|v| v.eq_ignore_ascii_case("false"))
        {
            bmc.tls = TlsMode::Insecure;
        }
        if let Some(suite) = node.oob_param("cipher_suite") {
            match suite.parse::<u8>() {
                Ok(s) if CIPHER_SUITES.contains(&s) => bmc.cipher_suite = s,
                Ok(0) => {
                    return Err(config(
                        &bmc,
                        "oob.cipher_suite 0 authenticates nobody (any password is accepted); use 3 or 17"
                            .into(),
                    ));
                }
                _ => {
                    return Err(config(
                        &bmc,
                        format!("oob.cipher_suite {suite:?} is not one drydock speaks; use 3 or 17"),
                    ));
                }
            }
        }
        bmc.endpoint = match settings.bmc_map.get(&bmc.address) {
            Some(served) => served.to_string(),
            None => bmc.default_endpoint(node.oob_param("port")),
        };
        Ok(bmc)
    }

    fn default_endpoint(&self, port: Option<&str>) -> String {
        let host = if self.address.contains(':') && !self.address.starts_with('[') {
            format!("[{}]", self.address)
        } else {
            self.address.clone()
        };
        match (self.protocol, port) {
            (OobType::Redfish, Some(p)) => format!("https://{host}:{p}"),
            (OobType::Redfish, None) => format!("https://{host}"),
            (OobType::Ipmi, p) => format!("{host}:{}", p.unwrap_or("623")),
            _ => self.address.clone(),
        }
    }

    /// What the concurrency limit per BMC host is keyed by.
    pub fn host_key(&self) -> &str {
        &self.endpoint
    }
}
