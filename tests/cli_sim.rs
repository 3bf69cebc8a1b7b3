//! `drydock sim -d examples/site`: starts, prints its URL and key, serves the site's machines.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;
use drydock::maas::{ApiKey, Client, ClientOptions};

#[test]
fn serves_the_example_site_with_the_printed_key() {
    let Served {
        mut child,
        url,
        key,
        banner,
    } = serve(&[]);
    assert!(
        banner.starts_with("MAAS simulator serving 9 machines at http://127.0.0.1:"),
        "{banner}"
    );

    let client = Client::new(&url, key, ClientOptions::default()).unwrap();
    let rt = runtime();
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

/// A `drydock sim --state FILE` process: its URL and key, read from its banner.
struct Served {
    child: std::process::Child,
    url: String,
    key: ApiKey,
    banner: String,
}

fn serve_with_state(file: &std::path::Path) -> Served {
    serve(&[std::ffi::OsStr::new("--state"), file.as_os_str()])
}

/// `drydock sim` on the example site with `extra` arguments, on a free port.
fn serve(extra: &[&std::ffi::OsStr]) -> Served {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("drydock"))
        .args(["sim", "--enlisted", "--listen", "127.0.0.1:0"])
        .args(extra)
        .arg("-d")
        .arg(example_site())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let banner = lines.next().unwrap().unwrap();
    let key_line = lines.next().unwrap().unwrap();
    let url = banner.rsplit(' ').next().unwrap().to_string();
    let key = ApiKey::parse(key_line.strip_prefix("API key: ").unwrap()).unwrap();
    Served {
        child,
        url,
        key,
        banner,
    }
}

fn fabric_names(served: &Served) -> Vec<String> {
    let client = Client::new(&served.url, served.key.clone(), ClientOptions::default()).unwrap();
    let rt = runtime();
    rt.block_on(client.fabrics(&[]))
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect()
}

fn create_fabric(served: &Served, name: &str) {
    let client = Client::new(&served.url, served.key.clone(), ClientOptions::default()).unwrap();
    let rt = runtime();
    rt.block_on(client.create_fabric(&[("name".into(), name.into())]))
        .unwrap();
}

fn signal(child: &std::process::Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn a_region_kept_in_a_state_file_survives_a_crash_and_a_restart() {
    let dir =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("sim-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("region.json");
    let _ = std::fs::remove_file(&file);

    let mut first = serve_with_state(&file);
    create_fabric(&first, "saved-before-crash");
    // Saved within a quarter second; a killed process loses at most that.
    std::thread::sleep(std::time::Duration::from_millis(800));
    signal(&first.child, "KILL");
    first.child.wait().unwrap();

    let mut second = serve_with_state(&file);
    assert_eq!(
        second.key.expose(),
        first.key.expose(),
        "the printed key survives a restart"
    );
    assert!(second.banner.contains("serving 9 machines"), "{}", second.banner);
    assert!(fabric_names(&second).contains(&"saved-before-crash".to_string()));
    create_fabric(&second, "saved-at-stop");
    signal(&second.child, "INT");
    assert!(second.child.wait().unwrap().success());

    let mut third = serve_with_state(&file);
    let names = fabric_names(&third);
    assert!(
        names.contains(&"saved-before-crash".to_string()) && names.contains(&"saved-at-stop".to_string()),
        "{names:?}"
    );
    third.child.kill().unwrap();
    third.child.wait().unwrap();

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the state file holds API keys");
    }
}

#[test]
fn a_state_file_that_is_not_one_is_refused_with_what_to_do() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("sim-bad-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("notes.txt");
    std::fs::write(&file, "shopping list").unwrap();
    drydock()
        .args(["sim", "--listen", "127.0.0.1:0", "--state"])
        .arg(&file)
        .arg("-d")
        .arg(example_site())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a simulator state file"))
        .stderr(predicates::str::contains("move it away"));
}

/// `--sim-fault-rate` rehearses a flaky region from the command line: the whole site still
/// deploys with one MAAS request in ten failing; a share outside 0..1 is refused.
#[test]
fn deploy_site_rehearses_a_flaky_region_from_the_command_line() {
    drydock()
        .args(["run", "deploy_site", "--sim", "--sim-fault-rate", "0.1", "-d"])
        .arg(example_site())
        .timeout(std::time::Duration::from_secs(300))
        .assert()
        .code(0)
        .stdout(predicates::str::contains("deploy_nodes: 9 of 9 node(s) deployed"));
    drydock()
        .args(["run", "deploy_site", "--sim", "--sim-fault-rate", "2", "-d"])
        .arg(example_site())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--sim-fault-rate 2: give a share from 0 to 1",
        ));
}
