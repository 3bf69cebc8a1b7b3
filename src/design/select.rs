//! Node filters (Drydock's `node_filter`), evaluated over the effective design.
//!
//! Semantics, where Drydock's were accidental: a filter's criteria combine by its
//! `filter_type`; an intersection of no criteria is every node and a union of none is no
//! node; `node_labels` must all match (AND); `rack_labels` match the node's Rack document;
//! an empty `filter_set` selects every node. Results keep design order.

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

fn filter_mask(site: &Site, f: &NodeFilter) -> Vec<bool> {
    let how = f.filter_type.unwrap_or(SetType::Intersection);
    let mut criteria: Vec<Vec<bool>> = Vec::new();
    let nodes = &site.nodes;
    if !f.node_names.is_empty() {
        criteria.push(nodes.iter().map(|n| f.node_names.contains(&n.name)).collect());
    }
    if !f.node_tags.is_empty() {
        criteria.push(
            nodes
                .iter()
                .map(|n| n.config.tags.iter().any(|t| f.node_tags.contains(t)))
                .collect(),
        );
    }
    if !f.rack_names.is_empty() {
        criteria.push(
            nodes
                .iter()
                .map(|n| n.config.rack.as_ref().is_some_and(|r| f.rack_names.contains(r)))
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
