//! `drydock sim -d examples/site`: starts, prints its URL and key, serves the site's machines.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;
use drydock::maas::{ApiKey, Client, ClientOptions};

#[test]
fn serves_the_example_site_with_the_printed_key() {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("drydock"))
        .args(["sim", "--listen", "127.0.0.1:0", "-d"])
        .arg(example_site())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let banner = lines.next().unwrap().unwrap();
    let key_line = lines.next().unwrap().unwrap();
    assert!(
        banner.starts_with("MAAS simulator serving 9 machines at http://127.0.0.1:"),
        "{banner}"
    );
    let url = banner.rsplit(' ').next().unwrap().to_string();
    let key = ApiKey::parse(key_line.strip_prefix("API key: ").unwrap()).unwrap();

    let client = Client::new(&url, key, ClientOptions::default()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let machines = rt.block_on(client.get("machines/", None, &[])).unwrap();
    let names: Vec<&str> = machines
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["hostname"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 9);
    assert!(names.contains(&"cmp01") && names.contains(&"ctl01"));
    let one = rt
        .block_on(client.get("machines/", None, &[("hostname".into(), "cmp03".into())]))
        .unwrap();
    assert_eq!(one[0]["hostname"], "cmp03");
    let id = one[0]["system_id"].as_str().unwrap();
    let got = rt
        .block_on(client.get(&format!("machines/{id}/"), None, &[]))
        .unwrap();
    assert_eq!(got["status_name"], "New");
    assert_eq!(got["power_type"], "redfish");

    child.kill().unwrap();
    child.wait().unwrap();
}
