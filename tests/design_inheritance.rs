//! Inheritance through a three-deep host profile chain, seen through `drydock design show`.

mod common;

use common::*;
use serde_json::{Value, json};

fn show(args: &[&str]) -> Value {
    let out = drydock()
        .args(["design", "show", "--format", "json", "-d"])
        .arg(fixture("inheritance.yaml"))
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout_json(&out)
}

#[test]
fn node_inherits_through_three_profiles_with_removals() {
    let design = show(&["--node", "n1"]);
    let nodes = design["baremetal_nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1);
    let n = &nodes[0];
    assert_eq!(n["name"], "n1");
    assert_eq!(n["host_profile"], "leaf");
    assert_eq!(n["hardware_profile"], "gen10");
    assert_eq!(n["primary_network"], "mgmt");
    // Scalars: leaf unset the image with '!', the node set it again; kernel from leaf.
    assert_eq!(n["platform"]["image"], "noble");
    assert_eq!(n["platform"]["kernel"], "hwe-22.04");
    // Map merge: parent order kept, '!nomodeset' removed, references resolved, YAML true -> "True".
    assert_eq!(
        n["platform"]["kernel_params"],
        json!({"console": "ttyS1", "quiet": "True", "isolcpus": "2-15"})
    );
    // List merge: child items first, then the parent's not removed.
    assert_eq!(n["metadata"]["tags"], json!(["n1-tag", "t4", "t1", "t3"]));
    assert_eq!(n["metadata"]["owner_data"], json!({"k2": "v2", "k3": "v3"}));
    assert_eq!(n["metadata"]["rack"], "rack1");
    assert_eq!(n["oob"]["type"], "ipmi");
    assert_eq!(n["oob"]["account"], "admin");
    assert_eq!(n["oob"]["credential"], "<redacted>");

    // Interfaces: pxe removed by leaf, bond0 merged by mid, mgmt0 added by leaf.
    let ifaces = n["interfaces"].as_object().unwrap();
    assert_eq!(ifaces.keys().collect::<Vec<_>>(), ["bond0", "mgmt0"]);
    assert_eq!(
        ifaces["bond0"],
        json!({"device_link": "data", "slaves": ["nic_a", "nic_b"], "networks": ["overlay", "mgmt"]})
    );
    assert_eq!(ifaces["mgmt0"]["slaves"], json!(["eno3"]));

    // Storage: sdc removed, the var partition resized, other partitions kept in order.
    let devices = n["storage"]["physical_devices"].as_object().unwrap();
    assert_eq!(devices.keys().collect::<Vec<_>>(), ["sda", "sdb"]);
    let parts: Vec<(&str, &str)> = devices["sda"]["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["size"].as_str().unwrap()))
        .collect();
    assert_eq!(parts, [("root", "30g"), ("boot", "1g"), ("var", "200g")]);
    let var = &devices["sda"]["partitions"][2]["filesystem"];
    assert_eq!(
        var["mountpoint"], "/var",
        "merged partition keeps the parent's filesystem"
    );
    assert_eq!(var["fstype"], "xfs");
    let lvs: Vec<&str> = n["storage"]["volume_groups"]["data"]["logical_volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|lv| lv["name"].as_str().unwrap())
        .collect();
    assert_eq!(lvs, ["log", "images"]);
}

#[test]
fn profiles_are_shown_compiled() {
    let design = show(&[]);
    let mid = design["host_profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "mid")
        .unwrap()
        .clone();
    assert_eq!(mid["platform"]["image"], "jammy");
    assert_eq!(mid["metadata"]["tags"], json!(["t4", "t1", "t3"]));
    let leaf = design["host_profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "leaf")
        .unwrap()
        .clone();
    assert_eq!(leaf["platform"]["image"], Value::Null);
    for key in [
        "region",
        "racks",
        "network_links",
        "networks",
        "hardware_profiles",
        "host_profiles",
        "baremetal_nodes",
        "bootactions",
    ] {
        assert!(design.get(key).is_some(), "design show lacks {key}");
    }
}

#[test]
fn yaml_output_and_unknown_node() {
    drydock()
        .args(["design", "show", "-d"])
        .arg(fixture("inheritance.yaml"))
        .assert()
        .code(0)
        .stdout(predicates::str::contains("baremetal_nodes:"));
    drydock()
        .args(["design", "show", "--node", "n2", "-d"])
        .arg(fixture("inheritance.yaml"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no node named 'n2'"));
}
