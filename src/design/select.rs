//! Node filters (Drydock's `node_filter`), evaluated over the effective design.
//!
//! Semantics, where Drydock's were accidental: a filter's criteria combine by its
//! `filter_type`; an intersection of no criteria is every node and a union of none is no
//! node; `node_labels` must all match (AND); `rack_labels` match the node's Rack document;
//! an empty `filter_set` selects every node. Results keep design order.

use rustc_hash::FxHashSet as HashSet;

use super::model::{NodeFilter, NodeFilterSet, SetType};
use super::site::Site;

/// Indexes (into `site.nodes`) of the nodes `filter` selects; `None` selects all.
pub fn select(site: &Site, filter: Option<&NodeFilterSet>) -> Vec<usize> {
    let n = site.nodes.len();
    let Some(set) = filter.filter(|f| !f.filters.is_empty()) else {
        return (0..n).collect();
    };
    let mut acc: Option<Vec<bool>> = None;
    for f in &set.filters {
        let mask = filter_mask(site, f);
        acc = Some(match acc {
            None => mask,
            Some(prev) => combine(set.set_type, &prev, &mask),
        });
    }
    let mask = acc.unwrap_or_else(|| vec![true; n]);
    (0..n).filter(|&i| mask[i]).collect()
}

fn combine(how: SetType, a: &[bool], b: &[bool]) -> Vec<bool> {
    a.iter()
        .zip(b)
        .map(|(x, y)| match how {
            SetType::Intersection => *x && *y,
            SetType::Union => *x || *y,
        })
        .collect()
}

/// A filter's list as a set: a filter may name thousands of nodes.
fn set(items: &[String]) -> HashSet<&str> {
    items.iter().map(String::as_str).collect()
}

fn filter_mask(site: &Site, f: &NodeFilter) -> Vec<bool> {
    let how = f.filter_type.unwrap_or(SetType::Intersection);
    let mut criteria: Vec<Vec<bool>> = Vec::new();
    let nodes = &site.nodes;
    if !f.node_names.is_empty() {
        let names = set(&f.node_names);
        criteria.push(nodes.iter().map(|n| names.contains(n.name.as_str())).collect());
    }
    if !f.node_tags.is_empty() {
        let tags = set(&f.node_tags);
        criteria.push(
            nodes
                .iter()
                .map(|n| n.config.tags.iter().any(|t| tags.contains(t.as_str())))
                .collect(),
        );
    }
    if !f.rack_names.is_empty() {
        let racks = set(&f.rack_names);
        criteria.push(
            nodes
                .iter()
                .map(|n| n.config.rack.as_deref().is_some_and(|r| racks.contains(r)))
                .collect(),
        );
    }
    if !f.node_labels.is_empty() {
        criteria.push(
            nodes
                .iter()
                .map(|n| {
                    f.node_labels
                        .iter()
                        .all(|(k, v)| n.config.owner_data.get(k) == Some(v))
                })
                .collect(),
        );
    }
    if !f.rack_labels.is_empty() {
        criteria.push(
            nodes
                .iter()
                .map(|n| {
                    let rack = n.config.rack.as_deref().and_then(|r| site.rack(r));
                    rack.is_some_and(|r| {
                        f.rack_labels
                            .iter()
                            .all(|(k, v)| r.labels.get(k).and_then(|x| x.as_ref()) == Some(v))
                    })
                })
                .collect(),
        );
    }
    let empty = match how {
        SetType::Intersection => vec![true; nodes.len()],
        SetType::Union => vec![false; nodes.len()],
    };
    criteria.into_iter().fold(empty, |acc, c| combine(how, &acc, &c))
}

/// Reads a filter from JSON: Drydock's `{filter_set_type, filter_set: [...]}` form, or the
/// short form `{names = [...], racks = [...], tags = [...], labels = {k = v}}` whose
/// criteria must all match.
pub fn filter_from_json(v: &serde_json::Value) -> Result<NodeFilterSet, String> {
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
    let labels =
        |o: &serde_json::Map<String, J>, key: &str| -> Result<indexmap::IndexMap<String, String>, String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::rules::testing::{BASE, site};
    use serde_json::json;

    fn names(s: &Site, f: serde_json::Value) -> Vec<String> {
        let f = filter_from_json(&f).unwrap();
        select(s, Some(&f))
            .into_iter()
            .map(|i| s.nodes[i].name.clone())
            .collect()
    }

    #[test]
    fn drydock_filters() {
        let s = site(BASE);
        let f =
            |set: &str, filters: serde_json::Value| json!({"filter_set_type": set, "filter_set": filters});
        assert_eq!(
            names(
                &s,
                f(
                    "intersection",
                    json!([{"filter_type": "intersection", "node_names": ["cmp01"]}])
                )
            ),
            ["cmp01"]
        );
        assert_eq!(
            names(
                &s,
                f(
                    "intersection",
                    json!([{"filter_type": "intersection", "node_tags": ["site1"]}])
                )
            ),
            ["cmp01", "ctl01"]
        );
        assert_eq!(
            names(
                &s,
                f(
                    "intersection",
                    json!([{"filter_type": "intersection", "node_labels": {"role": "compute"}}])
                )
            ),
            ["cmp01"]
        );
        assert_eq!(
            names(
                &s,
                f(
                    "union",
                    json!([{"filter_type": "union", "node_names": ["cmp01"], "node_tags": ["control"]}])
                )
            ),
            ["cmp01", "ctl01"]
        );
        assert_eq!(
            names(
                &s,
                f(
                    "intersection",
                    json!([{"filter_type": "union", "node_names": ["cmp01", "ctl01"]}, {"filter_type": "union", "node_tags": ["control"]}])
                )
            ),
            ["ctl01"]
        );
        assert!(names(&s, f("union", json!([{"filter_type": "union"}]))).is_empty());
        assert_eq!(names(&s, f("union", json!([]))), ["cmp01", "ctl01"]);
        assert!(
            names(
                &s,
                f(
                    "intersection",
                    json!([{"filter_type": "intersection", "node_names": ["nope"]}])
                )
            )
            .is_empty()
        );
    }

    #[test]
    fn short_filters_and_errors() {
        let s = site(BASE);
        assert_eq!(
            names(&s, json!({"racks": ["rack1"], "tags": ["compute"]})),
            ["cmp01"]
        );
        assert!(
            filter_from_json(&json!({"nodes": ["x"]}))
                .unwrap_err()
                .contains("unknown node filter key nodes")
        );
        assert!(filter_from_json(&json!({"filter_set_type": "both"})).is_err());
    }
}
