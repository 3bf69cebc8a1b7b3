//! `drydock/BootAction/v1`: files, units and packages delivered to nodes after deployment.

use indexmap::IndexMap;
use serde_json::{Value as J, json};

use super::Source;
use super::reader::{self, Reader, json_opt, json_strings};
use crate::design::model::ConvertError;
use crate::design::yaml::{Node, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetType {
    Unit,
    File,
    PkgList,
}

impl AssetType {
    pub fn as_str(self) -> &'static str {
        match self {
            AssetType::Unit => "unit",
            AssetType::File => "file",
            AssetType::PkgList => "pkg_list",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Asset {
    pub kind: AssetType,
    pub path: Option<String>,
    pub location: Option<String>,
    /// Text data (`file`/`unit` assets).
    pub data: Option<String>,
    /// `pkg_list` data: package -> version (`None` = any version).
    pub package_list: Option<IndexMap<String, Option<String>>>,
    pub location_pipeline: Vec<String>,
    pub data_pipeline: Vec<String>,
    /// File mode, from the octal string (`'644'`).
    pub permissions: Option<u32>,
    pub source: Source,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetType {
    Intersection,
    Union,
}

impl SetType {
    pub fn as_str(self) -> &'static str {
        match self {
            SetType::Intersection => "intersection",
            SetType::Union => "union",
        }
    }

    pub fn parse(s: &str) -> Option<SetType> {
        match s {
            "intersection" => Some(SetType::Intersection),
            "union" => Some(SetType::Union),
            _ => None,
        }
    }
}

/// One filter of a [`NodeFilterSet`]: each non-empty criterion selects nodes, and
/// `filter_type` combines the criteria.
#[derive(Debug, Clone, Default)]
pub struct NodeFilter {
    pub filter_type: Option<SetType>,
    pub node_names: Vec<String>,
    pub node_tags: Vec<String>,
    pub node_labels: IndexMap<String, String>,
    pub rack_names: Vec<String>,
    pub rack_labels: IndexMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct NodeFilterSet {
    pub set_type: SetType,
    pub filters: Vec<NodeFilter>,
}

impl NodeFilterSet {
    /// Reads a filter from JSON: Drydock's `{filter_set_type, filter_set: [...]}` form, or the
    /// short form `{names = [...], racks = [...], tags = [...], labels = {k = v}}` whose
    /// criteria must all match.
    pub fn from_json(v: &serde_json::Value) -> Result<NodeFilterSet, String> {
        use serde_json::Value as J;
        let obj = v.as_object().ok_or("a node filter must be a table")?;
        let strings = |o: &serde_json::Map<String, J>, key: &str| -> Result<Vec<String>, String> {
            match o.get(key) {
                None | Some(J::Null) => Ok(Vec::new()),
                Some(J::Array(items)) => items
                    .iter()
                    .map(|i| {
                        i.as_str()
                            .map(str::to_string)
                            .ok_or(format!("{key} must be a list of strings"))
                    })
                    .collect(),
                // An empty Lua table arrives as an empty object.
                Some(J::Object(m)) if m.is_empty() => Ok(Vec::new()),
                Some(_) => Err(format!("{key} must be a list of strings")),
            }
        };
        let labels = |o: &serde_json::Map<String, J>,
                      key: &str|
         -> Result<indexmap::IndexMap<String, String>, String> {
            match o.get(key) {
                None | Some(J::Null) => Ok(Default::default()),
                Some(J::Object(m)) => m
                    .iter()
                    .map(|(k, v)| {
                        v.as_str()
                            .map(|s| (k.clone(), s.to_string()))
                            .ok_or(format!("{key}.{k} must be a string"))
                    })
                    .collect(),
                Some(_) => Err(format!("{key} must be a table of strings")),
            }
        };
        let set_type = |o: &serde_json::Map<String, J>, key: &str| -> Result<Option<SetType>, String> {
            match o.get(key).and_then(J::as_str) {
                None => Ok(None),
                Some(s) => SetType::parse(s)
                    .map(Some)
                    .ok_or(format!("{key} must be intersection or union, not {s}")),
            }
        };
        if obj.contains_key("filter_set") || obj.contains_key("filter_set_type") {
            let items = match obj.get("filter_set") {
                None | Some(J::Null) => Vec::new(),
                Some(J::Array(items)) => items.clone(),
                Some(J::Object(m)) if m.is_empty() => Vec::new(),
                Some(_) => return Err("filter_set must be a list of filters".into()),
            };
            let mut filters = Vec::new();
            for item in &items {
                let o = item.as_object().ok_or("each filter_set entry must be a table")?;
                filters.push(NodeFilter {
                    filter_type: set_type(o, "filter_type")?,
                    node_names: strings(o, "node_names")?,
                    node_tags: strings(o, "node_tags")?,
                    node_labels: labels(o, "node_labels")?,
                    rack_names: strings(o, "rack_names")?,
                    rack_labels: labels(o, "rack_labels")?,
                });
            }
            let set_type = set_type(obj, "filter_set_type")?.unwrap_or(SetType::Intersection);
            return Ok(NodeFilterSet { set_type, filters });
        }
        let known = ["names", "racks", "tags", "labels"];
        if let Some(k) = obj.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(format!(
                "unknown node filter key {k} (use names, racks, tags, labels, or filter_set)"
            ));
        }
        Ok(NodeFilterSet {
            set_type: SetType::Intersection,
            filters: vec![NodeFilter {
                filter_type: Some(SetType::Intersection),
                node_names: strings(obj, "names")?,
                rack_names: strings(obj, "racks")?,
                node_tags: strings(obj, "tags")?,
                node_labels: labels(obj, "labels")?,
                rack_labels: Default::default(),
            }],
        })
    }

    pub fn to_json(&self) -> J {
        json!({
            "filter_set_type": self.set_type.as_str(),
            "filter_set": self.filters.iter().map(|f| json!({
                "filter_type": f.filter_type.map(SetType::as_str),
                "node_names": json_strings(&f.node_names),
                "node_tags": json_strings(&f.node_tags),
                "node_labels": reader::json_map(&f.node_labels),
                "rack_names": json_strings(&f.rack_names),
                "rack_labels": reader::json_map(&f.rack_labels),
            })).collect::<Vec<_>>(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct BootAction {
    pub name: String,
    pub source: Source,
    pub signaling: bool,
    pub assets: Vec<Asset>,
    /// `None` selects every node.
    pub node_filter: Option<NodeFilterSet>,
}

impl BootAction {
    pub(crate) fn convert(r: &Reader, name: &str, body: &Node) -> Result<BootAction, ConvertError> {
        let Some(assets_node) = reader::get(body, "assets") else {
            return Err(r.error(body, "BootAction needs an assets list"));
        };
        let mut assets = Vec::new();
        for a in reader::seq(Some(assets_node)) {
            let kind = match reader::string(a, "type").as_deref() {
                Some("unit") => AssetType::Unit,
                Some("file") => AssetType::File,
                Some("pkg_list") => AssetType::PkgList,
                other => {
                    return Err(r.invalid_value(
                        a,
                        format!(
                            "Field value {} is invalid for assets[].type (allowed: unit, file, pkg_list)",
                            other.unwrap_or("None")
                        ),
                    ));
                }
            };
            let location = reader::string(a, "location");
            let data_node = reader::get(a, "data");
            let (data, package_list) = match (kind, data_node) {
                (AssetType::PkgList, Some(d)) => match d.as_map() {
                    Some(entries) => {
                        let mut pkgs = IndexMap::new();
                        for (k, v) in entries {
                            let (Value::Str(pkg), Value::Str(_) | Value::Null) = (&k.value, &v.value) else {
                                return Err(r.invalid_value(k, "Keys and values must be strings."));
                            };
                            pkgs.insert(pkg.to_string(), v.as_str().map(str::to_string));
                        }
                        (None, Some(pkgs))
                    }
                    None if location.is_none() => {
                        return Err(r.error(d, "Requires a top-level mapping/object."));
                    }
                    None => (None, None),
                },
                (AssetType::PkgList, None) if location.is_none() => (None, None),
                (_, d) => (d.map(Node::python_str), None),
            };
            let permissions = match reader::get(a, "permissions") {
                None => None,
                Some(p) => {
                    let text = p.python_str();
                    Some(u32::from_str_radix(text.trim(), 8).map_err(|_| {
                        r.error(
                            p,
                            format!("permissions {text:?} is not an octal file mode such as '644'"),
                        )
                    })?)
                }
            };
            assets.push(Asset {
                kind,
                path: reader::string(a, "path"),
                location,
                data,
                package_list,
                location_pipeline: reader::strings(a, "location_pipeline").unwrap_or_default(),
                data_pipeline: reader::strings(a, "data_pipeline").unwrap_or_default(),
                permissions,
                source: r.at(a),
            });
        }
        Ok(BootAction {
            name: name.to_string(),
            source: r.source.clone(),
            signaling: reader::bool(body, "signaling").unwrap_or(true),
            assets,
            node_filter: reader::get(body, "node_filter")
                .map(|n| NodeFilterSet::from_json(&n.to_json()).map_err(|e| r.error(n, e)))
                .transpose()?,
        })
    }

    pub fn to_json(&self) -> J {
        json!({
            "name": self.name,
            "signaling": self.signaling,
            "assets": self.assets.iter().map(|a| {
                let data = match &a.package_list {
                    Some(p) => json!(p),
                    None => json_opt(&a.data),
                };
                json!({
                    "type": a.kind.as_str(), "path": json_opt(&a.path), "location": json_opt(&a.location),
                    "data": data,
                    "location_pipeline": json_strings(&a.location_pipeline),
                    "data_pipeline": json_strings(&a.data_pipeline),
                    "permissions": a.permissions.map(|p| format!("{p:o}")),
                })
            }).collect::<Vec<_>>(),
            "node_filter": self.node_filter.as_ref().map(NodeFilterSet::to_json),
        })
    }
}
