//! `drydock/Rack/v1`: a rack, its top-of-rack switches and location.

use indexmap::IndexMap;
use serde_json::{Value as J, json};

use super::Source;
use super::reader::{self, Reader, json_map, json_opt, json_strings};
use crate::design::model::ConvertError;
use crate::design::yaml::Node;

#[derive(Debug, Clone)]
pub struct Rack {
    pub name: String,
    pub source: Source,
    pub tor_switches: Vec<TorSwitch>,
    pub location: IndexMap<String, String>,
    pub local_networks: Vec<String>,
    pub labels: IndexMap<String, Option<String>>,
}

#[derive(Debug, Clone)]
pub struct TorSwitch {
    pub name: String,
    pub mgmt_ip: Option<String>,
    pub sdn_api_uri: Option<String>,
}

impl Rack {
    pub(crate) fn convert(r: &Reader, name: &str, body: &Node) -> Result<Rack, ConvertError> {
        let tor_switches = reader::map(reader::get(body, "tor_switches"))
            .iter()
            .map(|(k, v)| TorSwitch {
                name: k.key_string(),
                mgmt_ip: reader::string(v, "mgmt_ip"),
                sdn_api_uri: reader::string(v, "sdn_api_uri"),
            })
            .collect();
        Ok(Rack {
            name: name.to_string(),
            source: r.source.clone(),
            tor_switches,
            location: reader::string_map(body, "location").unwrap_or_default(),
            local_networks: reader::strings(body, "local_networks").unwrap_or_default(),
            labels: reader::nullable_string_map(body, "labels"),
        })
    }

    pub fn to_json(&self) -> J {
        let switches: serde_json::Map<String, J> = self
            .tor_switches
            .iter()
            .map(|s| {
                let v = json!({"mgmt_ip": json_opt(&s.mgmt_ip), "sdn_api_uri": json_opt(&s.sdn_api_uri)});
                (s.name.clone(), v)
            })
            .collect();
        json!({
            "name": self.name,
            "tor_switches": switches,
            "location": json_map(&self.location),
            "local_networks": json_strings(&self.local_networks),
            "labels": self.labels,
        })
    }
}
