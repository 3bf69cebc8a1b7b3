//! The typed site design: one file per document kind, each with its conversion from a
//! YAML [`Node`](crate::design::yaml::Node) (the `data`/`spec` body of a document) and its
//! JSON rendering in the shape of that body (what `drydock design show` prints).
//!
//! Conversion runs after the kind's JSON schema passed, so it only has to deal with what the
//! schema leaves open; anything it still cannot accept becomes a [`ConvertError`] (Drydock's
//! DD000) pointing at the offending line.

mod bootaction;
mod hardware_profile;
mod host;
pub(crate) mod network;
mod network_link;
mod rack;
mod reader;
mod region;

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use bootaction::{Asset, AssetType, BootAction, NodeFilter, NodeFilterSet, SetType};
pub use hardware_profile::{DeviceAlias, HardwareProfile, HugepagesConf};
pub use host::{
    Address, AddressType, BaremetalNode, Filesystem, HostConfig, HostProfile, Interface, LogicalVolume,
    OobType, Partition, REDACTED, SECRET_OOB_KEYS, Sriov, StorageDevice, VolumeGroup,
};
pub use network::{Network, Range, RangeType, Route};
pub use network_link::{BondingMode, NetworkLink, TrunkMode};
pub use rack::{Rack, TorSwitch};
pub use reader::ConvertError;
pub use region::{Region, Repository, TagDefinition};

/// Where a document or one of its items was written: file and 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub file: Arc<str>,
    pub line: u32,
}

impl Source {
    pub fn at(&self, line: u32) -> Source {
        Source {
            file: self.file.clone(),
            line,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Lines of a document's top-level fields, so a message about one field can point at it.
#[derive(Debug, Clone, Default)]
pub struct FieldLines(Vec<(&'static str, u32)>);

impl FieldLines {
    /// `fields` are top-level keys, or dotted paths (`oob.network`) to nested ones.
    pub(crate) fn read(body: &crate::design::yaml::Node, fields: &[&'static str]) -> FieldLines {
        FieldLines(
            fields
                .iter()
                .filter_map(|f| {
                    let mut node = body;
                    let mut line = None;
                    for key in f.split('.') {
                        let (k, v) = node
                            .as_map()?
                            .iter()
                            .rev()
                            .find(|(k, _)| k.as_str() == Some(key))?;
                        line = Some(k.line);
                        node = v;
                    }
                    Some((*f, line?))
                })
                .collect(),
        )
    }

    /// Where `field` was written, else `doc` (where the document starts).
    pub fn source(&self, doc: &Source, field: &str) -> Source {
        self.written(doc, field).unwrap_or_else(|| doc.clone())
    }

    /// Where `field` was written, if this document writes it.
    pub fn written(&self, doc: &Source, field: &str) -> Option<Source> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, line)| doc.at(*line))
    }
}

/// The document kinds Drydock knows (`drydock/<Kind>/v1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Region,
    Rack,
    NetworkLink,
    Network,
    HardwareProfile,
    HostProfile,
    BaremetalNode,
    BootAction,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Region,
        Kind::Rack,
        Kind::NetworkLink,
        Kind::Network,
        Kind::HardwareProfile,
        Kind::HostProfile,
        Kind::BaremetalNode,
        Kind::BootAction,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Region => "Region",
            Kind::Rack => "Rack",
            Kind::NetworkLink => "NetworkLink",
            Kind::Network => "Network",
            Kind::HardwareProfile => "HardwareProfile",
            Kind::HostProfile => "HostProfile",
            Kind::BaremetalNode => "BaremetalNode",
            Kind::BootAction => "BootAction",
        }
    }

    /// The Deckhand schema string, e.g. `drydock/Network/v1`.
    pub fn schema(self) -> &'static str {
        match self {
            Kind::Region => "drydock/Region/v1",
            Kind::Rack => "drydock/Rack/v1",
            Kind::NetworkLink => "drydock/NetworkLink/v1",
            Kind::Network => "drydock/Network/v1",
            Kind::HardwareProfile => "drydock/HardwareProfile/v1",
            Kind::HostProfile => "drydock/HostProfile/v1",
            Kind::BaremetalNode => "drydock/BaremetalNode/v1",
            Kind::BootAction => "drydock/BootAction/v1",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn from_schema(schema: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.schema() == schema)
    }
}

/// A reference to a document, as Drydock's validation messages carry them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocRef {
    pub schema: String,
    pub name: String,
}

impl DocRef {
    pub fn new(kind: Kind, name: &str) -> DocRef {
        DocRef {
            schema: kind.schema().to_string(),
            name: name.to_string(),
        }
    }
}

impl fmt::Display for DocRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.schema.split('/').nth(1).unwrap_or(&self.schema);
        write!(f, "{kind} {}", self.name)
    }
}

/// A document of the effective design as outputs and scripts see it: its kind, where it was
/// written, and its Deckhand `data` body (plus `name`) as JSON.
pub trait Entity {
    const KIND: Kind;
    fn source(&self) -> &Source;
    fn json(&self) -> serde_json::Value;
}

macro_rules! entity {
    ($($ty:ty => $kind:ident),* $(,)?) => {$(
        impl Entity for $ty {
            const KIND: Kind = Kind::$kind;
            fn source(&self) -> &Source {
                &self.source
            }
            fn json(&self) -> serde_json::Value {
                self.to_json()
            }
        }
    )*};
}

entity!(
    Region => Region,
    Rack => Rack,
    NetworkLink => NetworkLink,
    Network => Network,
    HardwareProfile => HardwareProfile,
    HostProfile => HostProfile,
);

/// One ingested document of any kind.
#[derive(Debug, Clone)]
pub enum Document {
    Region(Region),
    Rack(Rack),
    NetworkLink(NetworkLink),
    Network(Network),
    HardwareProfile(HardwareProfile),
    HostProfile(HostProfile),
    BaremetalNode(BaremetalNode),
    BootAction(BootAction),
}

impl Document {
    /// Builds the typed document of `kind` from its body.
    pub fn convert(
        kind: Kind,
        name: &str,
        source: &Source,
        body: &crate::design::yaml::Node,
    ) -> Result<Document, ConvertError> {
        let r = reader::Reader::new(source);
        Ok(match kind {
            Kind::Region => Document::Region(Region::convert(&r, name, body)?),
            Kind::Rack => Document::Rack(Rack::convert(&r, name, body)?),
            Kind::NetworkLink => Document::NetworkLink(NetworkLink::convert(&r, name, body)?),
            Kind::Network => Document::Network(Network::convert(&r, name, body)?),
            Kind::HardwareProfile => Document::HardwareProfile(HardwareProfile::convert(&r, name, body)?),
            Kind::HostProfile => Document::HostProfile(HostProfile::convert(&r, name, body)?),
            Kind::BaremetalNode => Document::BaremetalNode(BaremetalNode::convert(&r, name, body)?),
            Kind::BootAction => Document::BootAction(BootAction::convert(&r, name, body)?),
        })
    }
}
