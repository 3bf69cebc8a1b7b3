//! Which nodes an action acts on: the request's selection turned into Drydock node filters
//! and evaluated once on the effective design by the one filter evaluator
//! (`design::select`, which serves BootActions' `node_filter`s too).

use serde_json::json;

use crate::design::Site;
use crate::design::model::NodeFilterSet;
use crate::design::select::select;
use crate::journal::Selection;
use crate::runtime::ErrorInfo;
use crate::runtime::errors::ErrorKind;

fn usage(message: String) -> ErrorInfo {
    ErrorInfo::of_kind(ErrorKind::Usage, message)
}

/// `--node/--rack/--tag/--label` as Drydock's CLI builds them: one filter whose criteria
/// any node may meet (names, racks, tags, and each label on its own).
fn flags_filter(sel: &Selection) -> Option<NodeFilterSet> {
    if sel.nodes.is_empty() && sel.racks.is_empty() && sel.tags.is_empty() && sel.labels.is_empty() {
        return None;
    }
    let mut filters = vec![json!({
        "filter_type": "union",
        "node_names": sel.nodes,
        "rack_names": sel.racks,
        "node_tags": sel.tags,
    })];
    for label in &sel.labels {
        filters.push(json!({"filter_type": "intersection", "node_labels": {&label.key: &label.value}}));
    }
    let doc = json!({"filter_set_type": "union", "filter_set": filters});
    // Built from plain strings above, so it always reads.
    NodeFilterSet::from_json(&doc).ok()
}

/// Checks a `--node-filter` document: Drydock's `{filter_set_type, filter_set}` form.
pub fn parse_filter(text: &str) -> Result<serde_json::Value, ErrorInfo> {
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        usage(format!(
            "--node-filter: not JSON ({e}); give a Drydock node filter such as \
             '{{\"filter_set_type\": \"union\", \"filter_set\": [{{\"filter_type\": \"union\", \"node_names\": [\"n1\"]}}]}}'"
        ))
    })?;
    NodeFilterSet::from_json(&doc).map_err(|e| usage(format!("--node-filter: {e}")))?;
    Ok(doc)
}

/// Indexes into `site.nodes` of the selected nodes, in design order: the flags' nodes, and
/// of those the ones the filter document selects when both are given.
pub fn selected(site: &Site, sel: &Selection) -> Result<Vec<usize>, ErrorInfo> {
    let mut picked = select(site, flags_filter(sel).as_ref());
    if let Some(doc) = &sel.filter {
        let filter = NodeFilterSet::from_json(doc).map_err(|e| usage(format!("node filter: {e}")))?;
        let by_filter = select(site, Some(&filter));
        picked.retain(|i| by_filter.contains(i));
    }
    for name in &sel.nodes {
        if site.node(name).is_none() {
            tracing::warn!(target: "drydock::selection", "--node {name}: the design has no node of that name");
        }
    }
    Ok(picked)
}

/// What an empty selection's action reports, as Drydock says it.
pub const NO_NODES: &str = "No nodes in scope, no work to do.";
