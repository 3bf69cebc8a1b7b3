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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::rules::testing::{BASE, site};
    use serde_json::json;

    fn names(s: &Site, f: serde_json::Value) -> Vec<String> {
        let f = NodeFilterSet::from_json(&f).unwrap();
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
            NodeFilterSet::from_json(&json!({"nodes": ["x"]}))
                .unwrap_err()
                .contains("unknown node filter key nodes")
        );
        assert!(NodeFilterSet::from_json(&json!({"filter_set_type": "both"})).is_err());
    }
}
