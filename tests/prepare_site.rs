//! VerifySite, PrepareSite and `drydock plan prepare_site` on the example site, against the
//! simulator: the whole network template made and read back, idempotence counted in the
//! simulator's request log, drift corrected, faults survived, a killed run resumed.

mod common;

use std::time::Duration;

use assert_cmd::assert::Assert;
use common::*;
use drydock::maas::{Client, ClientOptions};
use drydock::sim::{Fault, LoggedRequest, Sim, SimOptions};
use predicates::prelude::*;
use serde_json::Value;

fn start(options: SimOptions) -> Sim {
    let site = drydock::design::load(&[example_site()]).unwrap();
    Sim::start(options, Some(&site)).unwrap()
}

fn client(sim: &Sim) -> Client {
    Client::new(sim.url(), sim.key().clone(), ClientOptions::default()).unwrap()
}

/// `drydock ARGS -d examples/site` against `sim`, with a journal of its own.
fn drydock_on(sim: &Sim, args: &[&str]) -> Assert {
    drydock()
        .env("DRYDOCK_MAAS_URL", sim.url())
        .env("DRYDOCK_MAAS_API_KEY", sim.key().expose())
        .args(args)
        .arg("-d")
        .arg(example_site())
        .assert()
}

fn prepare(sim: &Sim) -> Assert {
    drydock_on(sim, &["run", "prepare_site"])
}

/// Requests that change MAAS (anything but GET), logged after the `from`th request.
fn writes_since(sim: &Sim, from: u64) -> Vec<LoggedRequest> {
    sim.requests()
        .into_iter()
        .filter(|r| r.seq > from && r.method != "GET")
        .collect()
}

/// How many requests the simulator has logged so far.
fn logged(sim: &Sim) -> u64 {
    sim.requests().last().map_or(0, |r| r.seq)
}

fn stdout_of(assert: &Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
}

/// Reads MAAS back and checks the example site's whole network template is there.
fn assert_template(sim: &Sim) {
    let maas = client(sim);
    let rt = runtime();
    let fabrics = rt.block_on(maas.fabrics(&[])).unwrap();
    let fabric = |name: &str| {
        fabrics
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no fabric {name}"))
    };
    let data = fabric("data");
    let pxe = fabric("pxe");
    assert!(
        fabrics.iter().all(|f| f.name != "oob"),
        "the oob link is noconfig"
    );
    let vlan = |vid: u16| {
        data.vlans
            .iter()
            .find(|v| v.vid == vid)
            .unwrap_or_else(|| panic!("no VLAN {vid} on data"))
    };
    for (vid, name, mtu) in [
        (0, "untagged", 9000),
        (100, "mgmt", 1500),
        (200, "storage", 9000),
        (300, "calico", 9000),
        (400, "public", 1500),
    ] {
        assert_eq!(
            (vlan(vid).name.as_str(), vlan(vid).mtu),
            (name, mtu),
            "data/{vid}"
        );
    }
    let pxe_vlan = &pxe.vlans[0];
    assert!(pxe_vlan.dhcp_on, "DHCP is served on the PXE VLAN");
    assert_eq!(pxe_vlan.primary_rack.as_deref(), Some("rk4nq8"));

    let subnets = rt.block_on(maas.subnets(&[])).unwrap();
    let subnet = |cidr: &str| {
        subnets
            .iter()
            .find(|s| s.cidr == cidr)
            .unwrap_or_else(|| panic!("no subnet {cidr}"))
    };
    let mgmt = subnet("10.40.10.0/24");
    assert_eq!(mgmt.name, "mgmt");
    assert_eq!(mgmt.gateway_ip.as_deref(), Some("10.40.10.1"));
    assert_eq!(mgmt.dns_servers, ["10.40.10.5", "10.40.10.6"]);
    assert_eq!(mgmt.vlan.as_ref().map(|v| v.id), Some(vlan(100).id));
    assert_eq!(subnet("10.40.1.0/24").name, "pxe");
    assert!(
        subnets.iter().all(|s| s.cidr != "10.40.0.0/24"),
        "the oob network is noconfig"
    );

    let ranges = rt.block_on(maas.ip_ranges(&[])).unwrap();
    let range = |start: &str| {
        ranges
            .iter()
            .find(|r| r.start_ip == start)
            .unwrap_or_else(|| panic!("no range from {start}"))
    };
    assert_eq!(range("10.40.1.100").kind.as_str(), "dynamic");
    assert_eq!(range("10.40.1.100").end_ip, "10.40.1.250");
    assert_eq!(range("10.40.10.1").kind.as_str(), "reserved");
    assert_eq!(
        range("10.40.10.10").kind.as_str(),
        "reserved",
        "static ranges are reserved in MAAS"
    );
    assert_eq!(ranges.len(), 10);

    let routes = rt.block_on(maas.static_routes(&[])).unwrap();
    assert_eq!(routes.len(), 1);
    let route = &routes[0];
    assert_eq!(
        route.source.as_ref().map(|s| s.cidr.as_str()),
        Some("10.40.30.0/24")
    );
    assert_eq!(
        route.destination.as_ref().map(|s| s.cidr.as_str()),
        Some("203.0.113.0/26")
    );
    assert_eq!((route.gateway_ip.as_str(), route.metric), ("10.40.30.1", 100));

    let bigmem = rt.block_on(maas.tag("bigmem", &[])).unwrap();
    assert_eq!(bigmem.definition, "//node[@id='memory']/size > 549755813888");

    let keys = rt.block_on(maas.ssh_keys(&[])).unwrap();
    assert_eq!(keys.len(), 2);
    let repos = rt.block_on(maas.package_repositories(&[])).unwrap();
    let main = repos.iter().find(|r| r.name == "main_archive").unwrap();
    assert_eq!(main.url, "http://mirror.dc1.example.com/ubuntu");
    assert_eq!(main.disabled_pockets, ["backports"]);
    assert!(repos.iter().any(|r| r.name == "docker"));
    assert!(
        repos
            .iter()
            .all(|r| r.name != "ports_archive" || r.url.contains("ports"))
    );
}

#[test]
fn verify_site_passes_on_a_healthy_region() {
    let sim = start(SimOptions::default());
    drydock_on(&sim, &["run", "verify_site"])
        .code(0)
        .stdout(predicate::str::contains("verify_site: every check passed"))
        .stdout(predicate::str::contains("MaaS has synced boot resources"))
        .stdout(predicate::str::contains("1 healthy rack controller(s)"));
}

#[test]
fn verify_site_fails_without_boot_images_without_a_rack_and_with_a_bad_key() {
    let sim = start(SimOptions::default());
    let maas = client(&sim);
    let rt = runtime();
    for r in rt.block_on(maas.boot_resources(&[])).unwrap() {
        rt.block_on(maas.delete(&format!("boot-resources/{}/", r.id)))
            .unwrap();
    }
    drydock_on(&sim, &["run", "verify_site"])
        .code(1)
        .stdout(predicate::str::contains(
            "FAIL boot images       MaaS has no boot resources.",
        ))
        .stdout(predicate::str::contains("ok   rack controllers"));

    let rackless = start(SimOptions {
        rack: false,
        ..SimOptions::default()
    });
    drydock_on(&rackless, &["run", "verify_site"])
        .code(1)
        .stdout(predicate::str::contains(
            "No rack controllers registered in MaaS.",
        ));

    drydock()
        .env("DRYDOCK_MAAS_URL", sim.url())
        .env(
            "DRYDOCK_MAAS_API_KEY",
            "aaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbb:cccccccccccccccccccccccccccccccc",
        )
        .args(["run", "verify_site", "-d"])
        .arg(example_site())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("ok   maas reachable"))
        .stdout(predicate::str::contains("FAIL credentials"))
        .stdout(predicate::str::contains("HTTP 401"))
        .stdout(predicate::str::contains("check the API key"))
        .stdout(predicate::str::contains("cccccccc").not());
}

#[test]
fn prepare_site_makes_the_template_then_nothing_and_corrects_drift() {
    let sim = start(SimOptions::default());
    let plan = drydock_on(&sim, &["plan", "prepare_site"]).code(1);
    let planned = stdout_of(&plan);
    let first = prepare(&sim).code(0);
    let made = stdout_of(&first);
    assert!(
        made.contains("prepare_site: 33 change(s) made, 0 failed, 0 problem(s)"),
        "{made}"
    );
    // The plan listed exactly what the action then did.
    let lines = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("  "))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(lines(&planned), lines(&made));
    assert_template(&sim);

    let before = logged(&sim);
    prepare(&sim)
        .code(0)
        .stdout(predicate::str::contains("prepare_site: 0 change(s) made"));
    assert!(
        writes_since(&sim, before).is_empty(),
        "a second run writes nothing"
    );
    drydock_on(&sim, &["plan", "prepare_site"])
        .code(0)
        .stdout(predicate::str::contains(
            "MAAS matches the design, nothing to change",
        ));

    // Drift by hand: a gateway changed, a range deleted, a VLAN's MTU lowered.
    let maas = client(&sim);
    let rt = runtime();
    let mgmt = rt.block_on(maas.subnet("10.40.10.0/24", &[])).unwrap();
    rt.block_on(maas.update_subnet(
        &mgmt.id.to_string(),
        &[("gateway_ip".into(), "10.40.10.254".into())],
    ))
    .unwrap();
    let ranges = rt.block_on(maas.ip_ranges(&[])).unwrap();
    let reserved = ranges.iter().find(|r| r.start_ip == "10.40.20.1").unwrap();
    rt.block_on(maas.delete_ip_range(&reserved.id.to_string(), &[]))
        .unwrap();
    let data = rt
        .block_on(maas.fabrics(&[]))
        .unwrap()
        .into_iter()
        .find(|f| f.name == "data")
        .unwrap();
    rt.block_on(maas.update_vlan(&data.id.to_string(), "200", &[("mtu".into(), "1500".into())]))
        .unwrap();

    let calico_static = ranges.iter().find(|r| r.start_ip == "10.40.30.10").unwrap();
    rt.block_on(maas.update_ip_range(
        &calico_static.id.to_string(),
        &[("end_ip".into(), "10.40.30.200".into())],
    ))
    .unwrap();

    drydock_on(&sim, &["plan", "prepare_site"])
        .code(1)
        .stdout(predicate::str::contains("prepare_site would make 4 change(s)"));
    prepare(&sim)
        .code(0)
        .stdout(predicate::str::contains("prepare_site: 4 change(s) made"))
        .stdout(predicate::str::contains(
            "update ip range 10.40.30.10-10.40.30.250: end_ip 10.40.30.200 -> 10.40.30.250",
        ))
        .stdout(predicate::str::contains(
            "update subnet 10.40.10.0/24: gateway_ip 10.40.10.254 -> 10.40.10.1",
        ))
        .stdout(predicate::str::contains("create ip range 10.40.20.1-10.40.20.9"))
        .stdout(predicate::str::contains("update vlan data/200: mtu 1500 -> 9000"));
    assert_template(&sim);
}

#[test]
fn plan_reports_json_for_tools_and_writes_nothing() {
    let sim = start(SimOptions::default());
    let out = drydock_on(&sim, &["--format", "json", "plan", "prepare_site"]).code(1);
    let plan: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 33);
    let rename = &changes[0];
    assert_eq!(rename["kind"], "fabric");
    assert_eq!(rename["action"], "update");
    assert_eq!(
        rename["fields"][0],
        serde_json::json!({"field": "name", "from": "fabric-1", "to": "pxe"})
    );
    assert_eq!(rename["destructive"], false);
    assert!(writes_since(&sim, 0).is_empty(), "a plan writes nothing");
}

#[test]
fn prepare_site_completes_when_one_request_in_ten_fails() {
    let sim = start(SimOptions {
        fault_rate: 0.1,
        ..SimOptions::default()
    });
    // Besides the random ones, the first requests surely fail: two 500s and a dropped connection.
    sim.plant(
        Fault::Status {
            status: 500,
            retry_after: None,
        },
        2,
    )
    .unwrap();
    sim.plant(Fault::Drop, 1).unwrap();
    prepare(&sim).code(0).stdout(predicate::str::contains(
        "33 change(s) made, 0 failed, 0 problem(s)",
    ));
    let faults = sim
        .requests()
        .iter()
        .filter(|r| r.status >= 500 || r.status == 0)
        .count();
    assert!(faults >= 3, "only {faults} faults were met");
    // The plan reads through the same faults and finds nothing left to do.
    drydock_on(&sim, &["plan", "prepare_site"])
        .code(0)
        .stdout(predicate::str::contains(
            "MAAS matches the design, nothing to change",
        ));
}

#[test]
fn prepare_site_killed_mid_run_and_resumed_makes_no_object_twice() {
    // Slow enough that the run is still making changes when it is killed.
    let sim = start(SimOptions {
        latency: Duration::from_millis(40),
        ..SimOptions::default()
    });
    let journal = fresh_journal();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("drydock"))
        .env("DRYDOCK_MAAS_URL", sim.url())
        .env("DRYDOCK_MAAS_API_KEY", sim.key().expose())
        .env_remove("DRYDOCK_SITE_DIR")
        .arg("--journal")
        .arg(&journal)
        .args(["run", "prepare_site", "-d"])
        .arg(example_site())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut first_line,
    )
    .unwrap();
    let task = first_line.split_whitespace().nth(1).unwrap().to_string();
    // Wait until some writes are made, then kill without warning.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while writes_since(&sim, 0).len() < 8 {
        assert!(std::time::Instant::now() < deadline, "the run made no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let made_before = writes_since(&sim, 0).len();
    assert!(
        made_before < 33,
        "the run finished before it was killed ({made_before} writes)"
    );

    drydock()
        .env("DRYDOCK_MAAS_URL", sim.url())
        .env("DRYDOCK_MAAS_API_KEY", sim.key().expose())
        .arg("--journal")
        .arg(&journal)
        .args(["resume", &task])
        .assert()
        .code(0);
    assert_template(&sim);
    let writes = writes_since(&sim, 0);
    assert!(writes.iter().all(|w| w.status < 300), "{writes:#?}");
    let creates: Vec<String> = writes
        .iter()
        .filter(|w| w.method == "POST" && w.op.is_none())
        .map(|w| format!("{} {:?}", w.path, w.params))
        .collect();
    let mut unique = creates.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        creates.len(),
        "an object was created twice: {creates:#?}"
    );
    assert_eq!(writes.len(), 33, "every change made once, across the kill");
}

#[test]
fn dhcp_of_a_relayed_network_goes_to_the_vlan_of_the_rack_address_it_names() {
    let paths = [example_site(), fixture("relay")];
    let site = drydock::design::load(&paths).unwrap();
    let sim = Sim::start(SimOptions::default(), Some(&site)).unwrap();
    drydock()
        .env("DRYDOCK_MAAS_URL", sim.url())
        .env("DRYDOCK_MAAS_API_KEY", sim.key().expose())
        .args(["run", "prepare_site", "-d"])
        .arg(&paths[0])
        .arg("-d")
        .arg(&paths[1])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("update vlan remote/0: relay_vlan"));
    let rt = runtime();
    let fabrics = rt.block_on(client(&sim).fabrics(&[])).unwrap();
    let vlan_of = |fabric: &str| {
        let f = fabrics.iter().find(|f| f.name == fabric).unwrap();
        f.vlans[0].clone()
    };
    let (remote, pxe) = (vlan_of("remote"), vlan_of("pxe"));
    assert_eq!(
        remote.relay_vlan["id"],
        serde_json::json!(pxe.id),
        "{:?}",
        remote.relay_vlan
    );
    assert!(
        pxe.dhcp_on && !remote.dhcp_on,
        "the PXE VLAN serves, the remote one relays"
    );
}

#[test]
fn a_plan_cannot_write_even_when_a_site_script_tries() {
    let sim = start(SimOptions::default());
    let site_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("careless-site-{}", std::process::id()));
    std::fs::create_dir_all(site_dir.join("scripts")).unwrap();
    // A variant that forgets ctx.options.plan and writes regardless.
    std::fs::write(
        site_dir.join("scripts/prepare_site.lua"),
        "local action = drydock.stock('prepare_site')\n\
         action:before('compare', { name = 'careless', run = function(ctx)\n\
           ctx.maas:create_fabric({ name = 'oops' })\n\
         end })\n\
         return action\n",
    )
    .unwrap();
    drydock()
        .env("DRYDOCK_MAAS_URL", sim.url())
        .env("DRYDOCK_MAAS_API_KEY", sim.key().expose())
        .arg("--site-dir")
        .arg(&site_dir)
        .args(["plan", "prepare_site", "-d"])
        .arg(example_site())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "this client is read-only (drydock plan)",
        ));
    assert!(writes_since(&sim, 0).is_empty(), "nothing reached MAAS");
}

/// Drift an operator can make by hand in every kind of object PrepareSite manages, several
/// kinds at once (`tests/fixtures/lua/drift.lua`): a range replaced by one of another type
/// with the same ends, DHCP off, renamed fabric, VLAN and subnet, changed DNS servers and
/// route metric, a deleted domain, SSH key and tag, a changed and an added repository. The
/// plan lists each; one run corrects all; the plan after it is clean.
#[test]
fn every_kind_of_hand_made_drift_is_planned_and_corrected_in_one_run() {
    let sim = start(SimOptions::default());
    prepare(&sim).code(0);
    drydock()
        .env("DRYDOCK_MAAS_URL", sim.url())
        .env("DRYDOCK_MAAS_API_KEY", sim.key().expose())
        .arg("script")
        .arg(fixture("lua/drift.lua"))
        .assert()
        .code(0);
    let expected = [
        "delete ip range 10.40.1.100-10.40.1.250: type reserved -> dynamic [destructive]",
        "create ip range 10.40.1.100-10.40.1.250",
        "update vlan pxe/0: dhcp_on false -> true",
        "update fabric data: name data-renamed -> data",
        "update vlan data/100: name vlan-100 -> mgmt",
        "update subnet 10.40.10.0/24: name renamed -> mgmt, dns_servers 192.0.2.53 -> 10.40.10.5,10.40.10.6",
        "create domain storage.dc1.example.com",
        "update static route 10.40.30.0/24 -> 203.0.113.0/26: metric 99 -> 100",
        "create ssh key ssh-ed25519 AAAA…fKqb6JnwIjt ops-team@dc1",
        "update package repository docker: url http://drifted.example.com/ -> https://download.docker.com/linux/ubuntu",
        "delete package repository hand-made [destructive]",
        "create tag bigmem",
    ];
    let plan = stdout_of(&drydock_on(&sim, &["plan", "prepare_site"]).code(1));
    assert!(plan.contains("prepare_site would make 12 change(s)"), "{plan}");
    let run = stdout_of(&prepare(&sim).code(0));
    assert!(
        run.contains("prepare_site: 12 change(s) made, 0 failed, 0 problem(s)"),
        "{run}"
    );
    for line in expected {
        assert!(plan.contains(line), "the plan misses {line:?}:\n{plan}");
        assert!(run.contains(line), "the run did not make {line:?}:\n{run}");
    }
    drydock_on(&sim, &["plan", "prepare_site"])
        .code(0)
        .stdout(predicate::str::contains(
            "MAAS matches the design, nothing to change",
        ));
    assert_template(&sim);
}

/// A plan that finds nothing to change but a problem says so, not that MAAS matches.
#[test]
fn a_plan_with_only_problems_does_not_say_maas_matches() {
    let rackless = start(SimOptions {
        rack: false,
        ..SimOptions::default()
    });
    // Everything but DHCP (no rack to serve it) is made; the problem stays.
    prepare(&rackless).code(1);
    let plan = stdout_of(&drydock_on(&rackless, &["plan", "prepare_site"]).code(1));
    assert!(
        plan.starts_with("prepare_site would change nothing, but found 1 problem(s):"),
        "{plan}"
    );
    assert!(!plan.contains("MAAS matches the design"), "{plan}");
    assert!(plan.contains("PROBLEM"), "{plan}");
}

/// An action that changes MAAS validates the design first and refuses an invalid one, naming
/// its errors, before it reaches MAAS; `--skip-validation` acts anyway and is recorded.
#[test]
fn an_invalid_design_is_refused_before_maas_is_touched() {
    let sim = start(SimOptions::default());
    let site = copy_of_example();
    let line = edit(
        &site.path().join("networks.yaml"),
        "  mtu: 9000\n",
        "  mtu: 70000\n",
    );
    let journal = fresh_journal();
    let run = |extra: &[&str]| {
        drydock()
            .env("DRYDOCK_MAAS_URL", sim.url())
            .env("DRYDOCK_MAAS_API_KEY", sim.key().expose())
            .env("DRYDOCK_JOURNAL", &journal)
            .args(["run", "prepare_site", "--format", "json"])
            .args(extra)
            .arg("-d")
            .arg(site.path())
            .output()
            .unwrap()
    };
    let before = sim.requests().len();
    let refused = run(&[]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(
        err.contains("prepare_site changes things, and the design fails validation with 1 error(s)"),
        "{err}"
    );
    assert!(
        err.contains(&format!("networks.yaml:{line}")) && err.contains("DD2003"),
        "{err}"
    );
    assert!(err.contains("--skip-validation"), "{err}");
    assert_eq!(sim.requests().len(), before, "MAAS was not touched");
    drydock_on(&sim, &["plan", "prepare_site"])
        .code(1)
        .stdout(predicate::str::contains("prepare_site would make 33 change(s)"));

    let forced = run(&["--skip-validation"]);
    assert!(
        forced.status.code() != Some(2),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    let err = String::from_utf8_lossy(&forced.stderr);
    let id = err
        .lines()
        .find(|l| l.starts_with("task "))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap();
    let shown = drydock()
        .env("DRYDOCK_JOURNAL", &journal)
        .args(["tasks", "show", id, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&shown)["task"]["skip_validation"], true);
    // `run --format json` ends with the finished task's tree, as `tasks show` gives it.
    let tree = &stdout_json(&forced)["task"];
    assert_eq!(tree["task"]["id"], id);
    assert_eq!(tree["scopes"], stdout_json(&shown)["scopes"]);
    assert!(!tree["scopes"][0]["steps"].as_array().unwrap().is_empty());
}
