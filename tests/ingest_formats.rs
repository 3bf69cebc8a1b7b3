//! Ingestion of both document formats, of mixed streams and of files and directories.

mod common;

use common::*;
use drydock::design::{self, ingest};

fn effective(paths: &[std::path::PathBuf]) -> serde_json::Value {
    design::load(paths).expect("design loads").to_json(None)
}

#[test]
fn deckhand_and_legacy_formats_give_the_same_design() {
    let deckhand = effective(&[fixture("base.yaml")]);
    let legacy = effective(&[fixture("legacy.yaml")]);
    assert_eq!(deckhand, legacy);
    assert_eq!(deckhand["baremetal_nodes"].as_array().unwrap().len(), 2);
    assert_eq!(deckhand["host_profiles"].as_array().unwrap().len(), 2);
    assert_eq!(deckhand["racks"][0]["location"]["grid"], "EG12");
    assert_eq!(deckhand["region"]["repositories"]["remove_unlisted"], true);
}

#[test]
fn other_tools_documents_are_skipped_and_lines_kept() {
    let ingested = ingest::ingest_paths(&[fixture("legacy.yaml")]).unwrap();
    assert!(ingested.issues.is_empty(), "{:#?}", ingested.issues);
    assert_eq!(
        ingested.documents.len(),
        15,
        "promenade and deckhand documents are not drydock's"
    );
    let site = design::load(&[fixture("legacy.yaml")]).unwrap();
    let text = std::fs::read_to_string(fixture("legacy.yaml")).unwrap();
    let node = site.node("cmp01").unwrap();
    assert!(node.source.file.ends_with("legacy.yaml"));
    let line = text.lines().nth(node.source.line as usize - 1).unwrap();
    assert_eq!(
        line, "apiVersion: 'drydock/v1'",
        "a document's line is its first line"
    );
    let addr = &node.addressing[2];
    let line = text.lines().nth(addr.source.line as usize - 1).unwrap();
    assert!(line.contains("10.23.1.11"), "an item's line is its own: {line}");
}

#[test]
fn directories_are_read_sorted_and_files_concatenate_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(fixture("base.yaml")).unwrap();
    // Split the base site in two files whose names sort in the order documents must come.
    let cut = base.find("---\nschema: 'drydock/HardwareProfile/v1'").unwrap();
    std::fs::write(dir.path().join("b-hosts.yaml"), &base[cut..]).unwrap();
    std::fs::write(dir.path().join("a-network.yml"), &base[..cut]).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not yaml").unwrap();
    assert_eq!(
        effective(&[dir.path().to_path_buf()]),
        effective(&[fixture("base.yaml")])
    );
    let one = design::load(&[dir.path().join("a-network.yml"), dir.path().join("b-hosts.yaml")]).unwrap();
    assert_eq!(one.nodes.len(), 2);
}

#[test]
fn vlan_defaults_to_untagged_and_bond_defaults_apply() {
    let site = design::load(&[fixture("base.yaml")]).unwrap();
    assert_eq!(site.network("pxe").unwrap().vlan, None);
    assert_eq!(site.network("mgmt").unwrap().vlan, Some(100));
    let data = site.network_link("data").unwrap();
    assert_eq!(data.bonding_xmit_hash.as_deref(), Some("layer3+4"));
    let pxe = site.network_link("pxe").unwrap();
    assert_eq!(pxe.bonding_mon_rate, None);
    assert_eq!(site.network("oob").unwrap().dns_domain, "local");
}

#[test]
fn a_bad_document_is_reported_and_dropped_the_rest_kept() {
    let text = std::fs::read_to_string(fixture("base.yaml")).unwrap().replacen(
        "  mtu: 9000\n  trunking",
        "  mtu: [9000]\n  trunking",
        1,
    );
    let ingested = ingest::ingest_text("site.yaml", &text).unwrap();
    assert_eq!(ingested.issues.len(), 1);
    assert_eq!(
        ingested.issues[0].message,
        "NetworkLink:v1 schema validation error: [9000] is not of type 'number' (at mtu)"
    );
    assert_eq!(ingested.documents.len(), 14);
}
