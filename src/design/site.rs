//! The effective site design: every document after inheritance, with name lookups.
//! This is what rules, `design show` and Lua scripts see.

use rustc_hash::FxHashMap as HashMap;

use serde_json::Value as J;

use super::model::{
    Address, BaremetalNode, BootAction, DocRef, Entity, HardwareProfile, HostConfig, HostProfile, Kind,
    Network, NetworkLink, OobType, Rack, Region, Source,
};
use super::validation::Message;

/// A compiled BaremetalNode: its own fields merged over its host profile chain.
#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    pub source: Source,
    pub config: HostConfig,
    pub addressing: Vec<Address>,
    pub boot_mac: Option<String>,
    pub oob_type: Option<OobType>,
    /// DNS domain of the primary network (`local` without one).
    pub domain: String,
}

impl Node {
    pub fn docref(&self) -> DocRef {
        DocRef::new(Kind::BaremetalNode, &self.name)
    }

    pub fn fqdn(&self) -> String {
        format!("{}.{}", self.name, self.domain)
    }

    pub fn oob_param(&self, key: &str) -> Option<&str> {
        self.config
            .oob_parameters
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The described node with the compiled fields, in Deckhand `data` shape.
    pub fn to_json(&self) -> J {
        let doc = BaremetalNode {
            name: self.name.clone(),
            source: self.source.clone(),
            config: self.config.clone(),
            field_lines: Default::default(),
            addressing: self.addressing.clone(),
            boot_mac: self.boot_mac.clone(),
        };
        doc.to_json()
    }
}

impl Entity for Node {
    const KIND: Kind = Kind::BaremetalNode;
    fn source(&self) -> &Source {
        &self.source
    }
    fn json(&self) -> J {
        self.to_json()
    }
}

/// A BootAction and the nodes its `node_filter` selects.
#[derive(Debug, Clone)]
pub struct BootActionScope {
    pub action: BootAction,
    pub target_nodes: Vec<String>,
}

impl Entity for BootActionScope {
    const KIND: Kind = Kind::BootAction;
    fn source(&self) -> &Source {
        &self.action.source
    }
    /// The BootAction's body plus `target_nodes`.
    fn json(&self) -> J {
        let mut v = self.action.to_json();
        v["target_nodes"] = serde_json::json!(self.target_nodes);
        v
    }
}

#[derive(Debug, Default)]
pub(crate) struct Index {
    pub networks: HashMap<String, usize>,
    pub links: HashMap<String, usize>,
    pub hardware_profiles: HashMap<String, usize>,
    pub host_profiles: HashMap<String, usize>,
    pub racks: HashMap<String, usize>,
    pub nodes: HashMap<String, usize>,
}

fn first_index<'a>(names: impl Iterator<Item = &'a str>) -> HashMap<String, usize> {
    let mut m = HashMap::default();
    for (i, n) in names.enumerate() {
        m.entry(n.to_string()).or_insert(i);
    }
    m
}

/// The effective design plus what ingestion and resolution found wrong with it.
#[derive(Debug, Default)]
pub struct Site {
    pub region: Option<Region>,
    pub racks: Vec<Rack>,
    pub network_links: Vec<NetworkLink>,
    pub networks: Vec<Network>,
    pub hardware_profiles: Vec<HardwareProfile>,
    /// Host profiles compiled over their parents.
    pub host_profiles: Vec<HostProfile>,
    pub nodes: Vec<Node>,
    pub bootactions: Vec<BootActionScope>,
    /// Schema and document errors (rule `schema`).
    pub ingest_issues: Vec<Message>,
    /// Dangling references, profile cycles, unresolvable parameters (rule `references`).
    pub resolve_issues: Vec<Message>,
    pub(crate) index: Index,
}

impl Site {
    pub(crate) fn build_index(&mut self) {
        self.index = Index {
            networks: first_index(self.networks.iter().map(|n| n.name.as_str())),
            links: first_index(self.network_links.iter().map(|n| n.name.as_str())),
            hardware_profiles: first_index(self.hardware_profiles.iter().map(|n| n.name.as_str())),
            host_profiles: first_index(self.host_profiles.iter().map(|n| n.name.as_str())),
            racks: first_index(self.racks.iter().map(|n| n.name.as_str())),
            nodes: first_index(self.nodes.iter().map(|n| n.name.as_str())),
        };
    }

    /// Position of a network in `networks`, for rules that precompute per network.
    pub fn network_index(&self, name: &str) -> Option<usize> {
        self.index.networks.get(name).copied()
    }

    pub fn network(&self, name: &str) -> Option<&Network> {
        self.index.networks.get(name).map(|&i| &self.networks[i])
    }

    pub fn network_link(&self, name: &str) -> Option<&NetworkLink> {
        self.index.links.get(name).map(|&i| &self.network_links[i])
    }

    pub fn hardware_profile(&self, name: &str) -> Option<&HardwareProfile> {
        self.index
            .hardware_profiles
            .get(name)
            .map(|&i| &self.hardware_profiles[i])
    }

    pub fn host_profile(&self, name: &str) -> Option<&HostProfile> {
        self.index
            .host_profiles
            .get(name)
            .map(|&i| &self.host_profiles[i])
    }

    pub fn rack(&self, name: &str) -> Option<&Rack> {
        self.index.racks.get(name).map(|&i| &self.racks[i])
    }

    pub fn node(&self, name: &str) -> Option<&Node> {
        self.index.nodes.get(name).map(|&i| &self.nodes[i])
    }

    /// Where a referenced document was written, for messages that only name documents.
    pub fn source_of(&self, doc: &DocRef) -> Option<Source> {
        let kind = Kind::from_schema(&doc.schema)?;
        let name = doc.name.as_str();
        Some(match kind {
            Kind::Region => self.region.as_ref().filter(|r| r.name == name)?.source.clone(),
            Kind::Rack => self.rack(name)?.source.clone(),
            Kind::NetworkLink => self.network_link(name)?.source.clone(),
            Kind::Network => self.network(name)?.source.clone(),
            Kind::HardwareProfile => self.hardware_profile(name)?.source.clone(),
            Kind::HostProfile => self.host_profile(name)?.source.clone(),
            Kind::BaremetalNode => self.node(name)?.source.clone(),
            Kind::BootAction => self
                .bootactions
                .iter()
                .find(|b| b.action.name == name)?
                .action
                .source
                .clone(),
        })
    }

    /// The effective design in the shape `drydock design show` prints.
    pub fn to_json(&self, only_node: Option<&str>) -> J {
        serde_json::to_value(self.shown(only_node)).unwrap_or(J::Null)
    }

    /// The effective design as `drydock design show` prints it, serialized a document at a
    /// time: written out (`serde_json::to_writer`), it is never whole in memory.
    pub fn shown<'a>(&'a self, only_node: Option<&'a str>) -> Shown<'a> {
        Shown {
            site: self,
            only_node,
        }
    }
}

/// See [`Site::shown`].
pub struct Shown<'a> {
    site: &'a Site,
    only_node: Option<&'a str>,
}

/// A list whose items are made as they are written.
struct Lazy<I>(std::cell::RefCell<Option<I>>);

impl<I: Iterator<Item = J>> serde::Serialize for Lazy<I> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(None)?;
        if let Some(items) = self.0.borrow_mut().take() {
            for item in items {
                seq.serialize_element(&item)?;
            }
        }
        seq.end()
    }
}

fn lazy<I: Iterator<Item = J>>(items: I) -> Lazy<I> {
    Lazy(std::cell::RefCell::new(Some(items)))
}

impl serde::Serialize for Shown<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let site = self.site;
        let mut map = s.serialize_map(Some(8))?;
        map.serialize_entry(
            "region",
            &site.region.as_ref().map(Region::to_json).unwrap_or(J::Null),
        )?;
        map.serialize_entry("racks", &lazy(site.racks.iter().map(Rack::to_json)))?;
        map.serialize_entry(
            "network_links",
            &lazy(site.network_links.iter().map(NetworkLink::to_json)),
        )?;
        map.serialize_entry("networks", &lazy(site.networks.iter().map(Network::to_json)))?;
        map.serialize_entry(
            "hardware_profiles",
            &lazy(site.hardware_profiles.iter().map(HardwareProfile::to_json)),
        )?;
        map.serialize_entry(
            "host_profiles",
            &lazy(site.host_profiles.iter().map(HostProfile::to_json)),
        )?;
        let only = self.only_node;
        map.serialize_entry(
            "baremetal_nodes",
            &lazy(
                site.nodes
                    .iter()
                    .filter(move |n| only.is_none_or(|o| o == n.name))
                    .map(Node::to_json),
            ),
        )?;
        map.serialize_entry("bootactions", &lazy(site.bootactions.iter().map(Entity::json)))?;
        map.end()
    }
}
