//! PrepareNodes and VerifyNodes on the example site against the simulator, through the
//! runner as the CLI uses it: machines unknown to MAAS are PXE-booted through their BMCs
//! (Redfish and IPMI), enlist, get the design's identity and power settings, commission and
//! reach Ready; a BMC refusing logins fails its node only and a resume finishes that node
//! alone; a hardware mismatch is reported on its node; a plan changes nothing.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::*;
use drydock::action::{self, Connection, Mode, Outcome, Request, Resume, Resumed};
use drydock::journal::{Selection, TaskResult, Work};
use drydock::maas::resources::interfaces::InterfaceType;
use drydock::maas::{Client, ClientOptions};
use drydock::oob::{OobSettings, PowerRequest, PowerWait};
use drydock::runtime::bindings::MaasDefaults;
use drydock::sim::{BmcFault, Requester, Sim, SimOptions};

fn sim() -> Sim {
    let site = drydock::design::load(&[example_site()]).unwrap();
    let options = SimOptions {
        speed: 200.0,
        ..SimOptions::default()
    };
    Sim::start(options, Some(&site)).unwrap()
}

fn connection(sim: &Sim) -> Connection {
    Connection::Configured(MaasDefaults {
        url: Some(sim.url().to_string()),
        api_key: Some(sim.key().clone()),
        read_only: false,
        retry_deadline: Some(Duration::from_secs(10)),
    })
}

/// Fast polling, and the simulator's BMCs where the design's addresses are.
fn oob(sim: &Sim) -> OobSettings {
    OobSettings {
        wait: PowerWait {
            interval: Duration::from_millis(100),
            timeout: Duration::from_secs(30),
        },
        bmc_map: sim.bmc_map(),
        ..OobSettings::default()
    }
}

fn request(sim: &Sim, action: &str, mode: Mode, journal: Option<PathBuf>) -> Request {
    Request {
        work: Work::Action {
            name: action.into(),
            options: match action {
                "prepare_nodes" => serde_json::json!({ "poll_interval": 0.1 }),
                "deploy_nodes" if mode == Mode::Run => serde_json::json!({ "report_url": report_url() }),
                _ => serde_json::json!({}),
            },
        },
        design: vec![example_site()],
        selection: Selection::default(),
        mode,
        connection: connection(sim),
        site_dir: None,
        journal,
        skip_validation: false,
        oob: oob(sim),
    }
}

fn run(request: Request) -> Outcome {
    action::prepare(request).unwrap().run().unwrap()
}

fn maas(sim: &Sim) -> Client {
    Client::new(sim.url(), sim.key().clone(), ClientOptions::default()).unwrap()
}

/// Every client (not MAAS) power change the BMCs accepted, by node, in order.
fn power_requests(sim: &Sim) -> Vec<(String, PowerRequest)> {
    sim.bmc_requests()
        .into_iter()
        .filter(|r| r.from == Requester::Client)
        .filter_map(|r| Some((r.node, r.power?)))
        .collect()
}

#[test]
fn prepare_nodes_brings_every_node_to_ready_with_its_identity_and_power_settings() {
    let sim = sim();
    let site = drydock::design::load(&[example_site()]).unwrap();
    let journal = fresh_journal();
    let outcome = run(request(&sim, "prepare_nodes", Mode::Run, Some(journal.clone())));
    assert_eq!(outcome.result, TaskResult::Success, "{:#}", outcome.value);
    let rt = runtime();
    let client = maas(&sim);
    let machines = rt.block_on(client.machines(&[])).unwrap();
    assert_eq!(machines.len(), site.nodes.len());
    for node in &site.nodes {
        let m = machines
            .iter()
            .find(|m| m.hostname == node.name)
            .unwrap_or_else(|| panic!("no machine named {}", node.name));
        assert_eq!(m.status_name, "Ready", "{}", node.name);
        assert_eq!(m.fqdn, node.fqdn(), "{}", node.name);
        let params = rt.block_on(client.power_parameters(&m.system_id, &[])).unwrap();
        let bmc = drydock::oob::Bmc::of_node(node, &OobSettings::default()).unwrap();
        assert_eq!(params["power_address"], bmc.address.as_str(), "{}", node.name);
        assert_eq!(params["power_user"], "drydock", "{}", node.name);
        assert_eq!(m.power_type, node.oob_type.unwrap().as_str(), "{}", node.name);
    }
    // Each node was cycled once through its own BMC: off, then on.
    let requests = power_requests(&sim);
    for node in &site.nodes {
        let mine: Vec<PowerRequest> = requests
            .iter()
            .filter(|(n, _)| n == &node.name)
            .map(|(_, p)| *p)
            .collect();
        assert!(
            mine.iter().filter(|p| **p == PowerRequest::On).count() == 1,
            "{}: {mine:?}",
            node.name
        );
    }
    // What commissioning found is kept in the journal: lshw names cmp01's PXE NIC.
    let task = outcome.task.unwrap();
    let steps = drydock::journal::Journal::open_existing(&journal)
        .unwrap()
        .steps(&task.id)
        .unwrap();
    let output = steps
        .iter()
        .find(|s| s.scope == "cmp01" && s.name == "commissioning_output")
        .and_then(|s| s.result.clone())
        .expect("cmp01's commissioning output step");
    let lshw = output["lshw"].as_str().unwrap();
    assert!(lshw.contains("3c:fd:fe:13:2c:de"), "{lshw}");
    assert!(output["lldp"].as_str().unwrap().contains("<lldp"));
}

#[test]
fn a_bmc_refusing_logins_fails_its_node_only_and_resume_finishes_that_node_alone() {
    let sim = sim();
    sim.plant_bmc_fault("cmp02", Some(BmcFault::RefuseLogin)).unwrap();
    sim.plant_bmc_fault("ctl02", Some(BmcFault::RefuseLogin)).unwrap();
    let journal = fresh_journal();
    let outcome = run(request(&sim, "prepare_nodes", Mode::Run, Some(journal.clone())));
    assert_eq!(outcome.result, TaskResult::PartialSuccess, "{:#}", outcome.value);
    let task = outcome.task.unwrap();
    for (node, result) in &task.node_results {
        let refused = node == "cmp02" || node == "ctl02";
        let expected = if refused {
            TaskResult::Failure
        } else {
            TaskResult::Success
        };
        assert_eq!(*result, expected, "{node}");
    }
    let why = outcome.value["nodes"]["cmp02"]["error"].as_str().unwrap();
    assert!(why.contains("redfish BMC 10.40.0.22"), "{why}");
    assert!(why.contains("oob.credential"), "{why}");
    assert!(
        !why.contains("changeme"),
        "the password stays out of errors: {why}"
    );
    let ipmi_why = outcome.value["nodes"]["ctl02"]["error"].as_str().unwrap();
    assert!(ipmi_why.contains("ipmi BMC 10.40.0.12"), "{ipmi_why}");

    // Fixed at the BMC; the resume works on the two failed nodes and on no other.
    sim.plant_bmc_fault("cmp02", None).unwrap();
    sim.plant_bmc_fault("ctl02", None).unwrap();
    let before = power_requests(&sim).len();
    let resumed = match action::resume(Resume {
        journal,
        task: task.id.clone(),
        design: Vec::new(),
        accept_design_change: false,
        connection: connection(&sim),
        oob: oob(&sim),
    })
    .unwrap()
    {
        Resumed::Ready(prepared) => prepared.run().unwrap(),
        Resumed::AlreadyDone { .. } => panic!("the task had failed nodes"),
    };
    assert_eq!(resumed.result, TaskResult::Success, "{:#}", resumed.value);
    let after = &power_requests(&sim)[before..];
    let nodes: std::collections::BTreeSet<&str> = after.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(nodes, ["cmp02", "ctl02"].into_iter().collect(), "{after:?}");
}

#[test]
fn verify_nodes_reports_a_planted_hardware_mismatch_on_that_node_only() {
    let sim = sim();
    // cmp03's profile (dell-r650) needs 64 logical CPUs and 384 GiB for its hugepages.
    sim.plant_hardware("cmp03", 8, 16 * 1024).unwrap();
    let outcome = run(request(&sim, "verify_nodes", Mode::Run, Some(fresh_journal())));
    assert_eq!(outcome.result, TaskResult::PartialSuccess, "{:#}", outcome.value);
    let nodes = outcome.value["nodes"].as_object().unwrap();
    for (name, result) in nodes {
        assert_eq!(result["ok"].as_bool(), Some(name != "cmp03"), "{name}: {result}");
    }
    let why = nodes["cmp03"]["error"].as_str().unwrap();
    assert!(why.contains("need 64 logical CPUs; the BMC reports 8"), "{why}");
    assert!(why.contains("need 384 GiB; the BMC reports 16 GiB"), "{why}");
    // The others say what their BMC said, in Drydock's words.
    let lines: Vec<&str> = outcome.value["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l.as_str())
        .collect();
    assert!(
        lines.contains(&"cmp01: bmc      Redfish interface interrogation yielded powerstate off"),
        "{lines:#?}"
    );
    assert!(
        lines.contains(&"ctl01: bmc      IPMI interface interrogation yielded powerstate off"),
        "{lines:#?}"
    );
}

#[test]
fn a_plan_of_prepare_nodes_says_what_it_would_do_and_touches_no_machine() {
    let sim = sim();
    let outcome = run(request(&sim, "prepare_nodes", Mode::Plan, None));
    let changes = outcome.value["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 9, "{changes:#?}");
    assert!(
        changes[0].as_str().unwrap().contains(
            "unknown to MAAS: would set ipmi BMC 10.40.0.11 to boot from the network, power-cycle it"
        ),
        "{changes:#?}"
    );
    assert!(!outcome.clean(), "a plan with changes is not clean");
    assert!(power_requests(&sim).is_empty(), "a plan powers nothing");
    assert!(
        sim.bmc_requests()
            .iter()
            .all(|r| r.method == "GET" || r.from == Requester::Client)
    );
    assert_eq!(runtime().block_on(maas(&sim).machines(&[])).unwrap().len(), 0);
}

/// Writes (not reads) the simulated region has answered so far.
fn maas_writes(sim: &Sim) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {} {}", r.method, r.path, r.op.unwrap_or_default()))
        .collect()
}

#[test]
fn deploy_site_deploys_every_node_as_the_design_says_a_second_deploy_nodes_writes_nothing_and_destroy_nodes_takes_them_back()
 {
    let sim = sim();
    let site = drydock::design::load(&[example_site()]).unwrap();
    let journal = fresh_journal();
    let mut req = request(&sim, "deploy_site", Mode::Run, Some(journal.clone()));
    req.work = Work::Action {
        name: "deploy_site".into(),
        options: serde_json::json!({ "poll_interval": 0.1, "report_url": report_url() }),
    };
    let outcome = run(req);
    assert_eq!(outcome.result, TaskResult::Success, "{:#}", outcome.value);

    // Read back through the API, not drydock's memory.
    let rt = runtime();
    let client = maas(&sim);
    let machines = rt.block_on(client.machines(&[])).unwrap();
    for node in &site.nodes {
        let m = machines.iter().find(|m| m.hostname == node.name).unwrap();
        let id = m.system_id.as_str();
        assert_eq!(m.status_name, "Deployed", "{}", node.name);
        let json = serde_json::to_value(m).unwrap();
        assert_eq!(json["hwe_kernel"], "ga-22.04", "{}", node.name);
        assert_eq!(json["distro_series"], "jammy", "{}", node.name);
        assert!(
            m.tag_names.contains(&format!("{}_kp", node.name)),
            "{}: {:?}",
            node.name,
            m.tag_names
        );
        let kp = rt
            .block_on(client.tag(&format!("{}_kp", node.name), &[]))
            .unwrap();
        assert!(
            kp.kernel_opts
                .as_deref()
                .unwrap_or_default()
                .contains("console=ttyS1,115200n8"),
            "{kp:?}"
        );
        let interfaces = rt.block_on(client.interfaces(id, &[])).unwrap();
        let bond = interfaces.iter().find(|i| i.name == "bond0").expect("bond0");
        assert_eq!(bond.effective_mtu, 9000, "{}", node.name);
        let mgmt = node
            .addressing
            .iter()
            .find(|a| a.network == "mgmt")
            .and_then(|a| a.address.clone())
            .unwrap();
        assert!(
            bond.links
                .iter()
                .any(|l| l.ip_address.as_deref() == Some(mgmt.as_str())),
            "{}: {:?}",
            node.name,
            bond.links
        );
        // Every network the node's interfaces carry: its static address linked on that
        // network's subnet, a tagged network's on a VLAN interface with the network's tag.
        let carried: Vec<&String> = node.config.interfaces.iter().flat_map(|i| &i.networks).collect();
        for a in node.addressing.iter().filter(|a| carried.contains(&&a.network)) {
            let Some(address) = a.address.as_deref().filter(|a| *a != "dhcp") else {
                continue;
            };
            let (iface, link) = interfaces
                .iter()
                .flat_map(|i| i.links.iter().map(move |l| (i, l)))
                .find(|(_, l)| l.ip_address.as_deref() == Some(address))
                .unwrap_or_else(|| panic!("{}: no link with {address} ({})", node.name, a.network));
            let subnet = link.subnet.as_ref().unwrap();
            assert_eq!(subnet.name, a.network, "{}: {address}", node.name);
            // A trunk's default network rides its base interface; the others, VLAN ones.
            let native = node.config.interfaces.iter().any(|i| {
                i.networks.contains(&a.network)
                    && i.device_link
                        .as_deref()
                        .and_then(|l| site.network_link(l))
                        .is_some_and(|l| l.native_network.as_deref() == Some(a.network.as_str()))
            });
            if let Some(tag) = site.network(&a.network).and_then(|n| n.vlan) {
                assert_eq!(
                    iface.vlan.as_ref().map(|v| v.vid),
                    Some(tag),
                    "{}: {}",
                    node.name,
                    a.network
                );
                assert_eq!(
                    iface.kind == InterfaceType::Vlan,
                    !native,
                    "{}: {} on {}",
                    node.name,
                    a.network,
                    iface.name
                );
            }
        }
        // Its volume groups, and their logical volumes as block devices.
        let groups = rt.block_on(client.volume_groups(id, &[])).unwrap();
        let devices = rt.block_on(client.block_devices(id, &[])).unwrap();
        for vg in node.config.volume_groups.iter() {
            assert!(
                groups.iter().any(|g| g.name == vg.name),
                "{}: vg {}",
                node.name,
                vg.name
            );
            for lv in vg.logical_volumes.iter().filter_map(|lv| lv.name.as_ref()) {
                let name = format!("{}-{lv}", vg.name);
                assert!(devices.iter().any(|d| d.name == name), "{}: lv {name}", node.name);
            }
        }
        let gateway = &json["default_gateways"]["ipv4"];
        assert_eq!(gateway["gateway_ip"], "10.40.10.1", "{}", node.name);
        let mut mounts: Vec<String> = devices
            .iter()
            .flat_map(|d| {
                d.partitions
                    .iter()
                    .filter_map(|p| p.filesystem.as_ref())
                    .chain(d.filesystem.as_ref())
                    .filter_map(|f| f.mount_point.clone())
            })
            .collect();
        mounts.sort();
        assert_eq!(
            mounts,
            [
                "/",
                "/boot",
                "/var",
                "/var/lib/containerd",
                "/var/lib/openstack-helm",
                "/var/log"
            ],
            "{}",
            node.name
        );
        let workload = &json["workload_annotations"];
        assert_eq!(workload["site"], "dc1", "{}: {workload}", node.name);

        // Its boot actions, delivered in the user data, ran at first boot.
        let boot = sim.first_boot(&node.name).expect("booted after deployment");
        assert!(boot.errors.is_empty(), "{}: {:?}", node.name, boot.errors);
        let env = &boot.files["/etc/dc1/node.env"];
        assert_eq!(env.permissions, "0444");
        let text = String::from_utf8_lossy(&env.content);
        assert!(text.contains(&format!("NODE_MGMT_IP={mgmt}\n")), "{text}");
        assert!(
            boot.packages.contains(&"lldpd=1.0.13-1".to_string()),
            "{:?}",
            boot.packages
        );
        let tuned = boot
            .enabled_units
            .contains(&"dc1-compute-tuning.service".to_string());
        assert_eq!(
            tuned,
            node.name.starts_with("cmp"),
            "{}: {:?}",
            node.name,
            boot.enabled_units
        );
    }

    // Each compute node's signaling action reported success, was taken, and is journaled.
    let sent = sim.reports_sent();
    let computes: Vec<&str> = site
        .nodes
        .iter()
        .map(|n| n.name.as_str())
        .filter(|n| n.starts_with("cmp"))
        .collect();
    assert_eq!(sent.len(), computes.len(), "{sent:?}");
    for r in &sent {
        assert_eq!(
            (r.action.as_str(), r.status.as_str(), r.answer),
            ("compute-tuning", "success", 201),
            "{r:?}"
        );
        assert!(computes.contains(&r.node.as_str()), "{r:?}");
    }
    let reported = {
        let reader = drydock::journal::JournalReader::open(&journal).unwrap();
        let task = &reader.tasks().unwrap()[0];
        reader
            .steps(&task.id)
            .unwrap()
            .into_iter()
            .filter(|s| s.name == "boot action compute-tuning report")
            .count()
    };
    assert_eq!(reported, computes.len());

    // A second run finds everything deployed and writes nothing; a plan says nothing to do.
    let before = maas_writes(&sim).len();
    let again = run(request(&sim, "deploy_nodes", Mode::Run, Some(journal.clone())));
    assert_eq!(again.result, TaskResult::Success, "{:#}", again.value);
    let writes = maas_writes(&sim);
    assert_eq!(writes[before..], [] as [String; 0], "a second run wrote");
    let plan = run(request(&sim, "deploy_nodes", Mode::Plan, None));
    assert!(plan.clean(), "{:#}", plan.value);

    // DestroyNodes takes every node back to Ready, powered off, its disks wiped, erasing
    // them as the region is set to.
    for name in ["enable_disk_erasing_on_release", "disk_erase_with_quick_erase"] {
        let params = [
            ("name".to_string(), name.to_string()),
            ("value".into(), "true".into()),
        ];
        rt.block_on(client.set_config(&params)).unwrap();
    }
    let destroyed = run(request(&sim, "destroy_nodes", Mode::Run, Some(journal)));
    assert_eq!(destroyed.result, TaskResult::Success, "{:#}", destroyed.value);
    let machines = rt.block_on(client.machines(&[])).unwrap();
    for node in &site.nodes {
        let m = machines.iter().find(|m| m.hostname == node.name).unwrap();
        assert_eq!(m.status_name, "Ready", "{}", node.name);
        assert!(!sim.machine(&node.name).unwrap().0, "{} is off", node.name);
        assert!(sim.first_boot(&node.name).is_none(), "{}'s OS is gone", node.name);
    }
    let releases: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.op.as_deref() == Some("release"))
        .collect();
    assert_eq!(releases.len(), site.nodes.len(), "one release per node");
    for r in &releases {
        let has = |k: &str| r.params.iter().any(|(name, v)| name == k && v == "true");
        assert!(
            has("erase") && has("quick_erase") && !has("secure_erase"),
            "{:?}",
            r.params
        );
    }
    let plan = run(request(&sim, "destroy_nodes", Mode::Plan, None));
    assert!(plan.clean(), "{:#}", plan.value);
}

fn deploy_site(sim: &Sim, strategy: &std::path::Path) -> Outcome {
    let mut req = request(sim, "deploy_site", Mode::Run, Some(fresh_journal()));
    req.work = Work::Action {
        name: "deploy_site".into(),
        options: serde_json::json!({
            "poll_interval": 0.1,
            "strategy": strategy.display().to_string(),
            "report_url": report_url(),
        }),
    };
    run(req)
}

/// Every machine's status. A simulator started with a fault rate fails the test's own reads
/// too, so a failed read is made again (20 tries at 1 in 10 cannot all fail by chance).
fn statuses(sim: &Sim) -> std::collections::BTreeMap<String, String> {
    let client = maas(sim);
    let machines = runtime().block_on(async {
        let mut last = None;
        for _ in 0..20 {
            match client.machines(&[]).await {
                Ok(machines) => return machines,
                Err(e) => last = Some(e),
            }
        }
        panic!("20 reads of machines/ failed, the last with: {last:?}")
    });
    machines
        .into_iter()
        .map(|m| (m.hostname, m.status_name))
        .collect()
}

/// The deployment-group check, on Shipyard's documented example strategy with its
/// independent group given a node: all groups deploy; then with the first critical group's
/// node unable to boot, its dependents are not attempted and the run fails, while the
/// independent group still deploys.
#[test]
fn deploy_site_deploys_the_site_group_by_group_and_a_critical_failure_stops_only_its_dependents() {
    let example = std::fs::read_to_string(fixture("strategy/example.yaml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let strategy = dir.path().join("strategy.yaml");
    std::fs::write(
        &strategy,
        example.replace("node_tags: [monitoring]", "node_names: [cmp04]"),
    )
    .unwrap();

    let sim = sim();
    let outcome = deploy_site(&sim, &strategy);
    assert_eq!(outcome.result, TaskResult::Success, "{:#}", outcome.value);
    let groups = outcome.value["groups"].as_array().unwrap();
    assert!(groups.iter().all(|g| g["status"] == "succeeded"), "{groups:#?}");
    assert!(
        statuses(&sim).values().all(|s| s == "Deployed"),
        "{:?}",
        statuses(&sim)
    );

    let sim = sim_with_fault("ctl01");
    let outcome = deploy_site(&sim, &strategy);
    assert_ne!(outcome.result, TaskResult::Success, "{:#}", outcome.value);
    let status_of = |name: &str| {
        outcome.value["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == name)
            .map(|g| g["status"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(status_of("ntp-node"), "failed");
    for dependent in ["control-nodes", "compute-nodes-1", "compute-nodes-2"] {
        assert_eq!(status_of(dependent), "not attempted", "{dependent}");
    }
    assert_eq!(status_of("monitoring-nodes"), "succeeded");
    let now = statuses(&sim);
    assert_eq!(now.get("cmp04").map(String::as_str), Some("Deployed"), "{now:?}");
    assert!(
        now.iter().all(|(n, s)| n == "cmp04" || s != "Deployed"),
        "only the independent group deployed: {now:?}"
    );
    assert!(
        outcome.value["summary"]
            .as_str()
            .unwrap()
            .contains("critical group(s) ntp-node, control-nodes failed"),
        "{:#}",
        outcome.value
    );
}

/// A site whose `node` BMC refuses drydock's logins, so the node cannot be booted.
fn sim_with_fault(node: &str) -> Sim {
    let sim = sim();
    sim.plant_bmc_fault(node, Some(BmcFault::RefuseLogin)).unwrap();
    sim
}

/// The flaky-MAAS check: deploy_site completes when one MAAS request in ten fails
/// (5xx answers, dropped connections), and no machine is deployed twice.
#[test]
fn deploy_site_completes_when_one_maas_request_in_ten_fails_and_deploys_each_machine_once() {
    let site = drydock::design::load(&[example_site()]).unwrap();
    let options = SimOptions {
        speed: 200.0,
        fault_rate: 0.1,
        ..SimOptions::default()
    };
    let sim = Sim::start(options, Some(&site)).unwrap();
    let mut req = request(&sim, "deploy_site", Mode::Run, Some(fresh_journal()));
    req.work = Work::Action {
        name: "deploy_site".into(),
        options: serde_json::json!({ "poll_interval": 0.1, "report_url": report_url() }),
    };
    let outcome = run(req);
    assert_eq!(outcome.result, TaskResult::Success, "{:#}", outcome.value);
    assert!(
        statuses(&sim).values().all(|s| s == "Deployed"),
        "{:?}",
        statuses(&sim)
    );
    let requests = sim.requests();
    let faults = requests
        .iter()
        .filter(|r| r.status >= 500 || r.status == 0)
        .count();
    assert!(faults >= 20, "only {faults} faults were met");
    let mut deployed = std::collections::BTreeMap::<String, usize>::new();
    for r in requests
        .iter()
        .filter(|r| r.op.as_deref() == Some("deploy") && r.status == 200)
    {
        *deployed.entry(r.path.clone()).or_default() += 1;
    }
    assert_eq!(deployed.len(), site.nodes.len(), "{deployed:?}");
    assert!(
        deployed.values().all(|n| *n == 1),
        "a machine deployed twice: {deployed:?}"
    );
}

/// Drydock's BootactionReport: a signaling boot action that reports failure fails its node
/// with what the node said, one that never reports fails it as timed out, and the other
/// nodes deploy.
#[test]
fn a_boot_action_reporting_failure_or_nothing_fails_its_node_in_drydock_s_words() {
    use drydock::sim::bootaction_reports::BootActionFault;
    let sim = sim();
    sim.plant_bootaction_fault("cmp01", "compute-tuning", Some(BootActionFault::Fail))
        .unwrap();
    sim.plant_bootaction_fault("cmp02", "compute-tuning", Some(BootActionFault::Silent))
        .unwrap();
    let three = Selection {
        nodes: vec!["cmp01".into(), "cmp02".into(), "cmp03".into()],
        ..Selection::default()
    };
    let mut site = request(&sim, "prepare_site", Mode::Run, None);
    site.selection = Selection::default();
    assert_eq!(run(site).result, TaskResult::Success);
    let mut prepare = request(&sim, "prepare_nodes", Mode::Run, None);
    prepare.selection = three.clone();
    assert_eq!(run(prepare).result, TaskResult::Success);
    let mut deploy = request(&sim, "deploy_nodes", Mode::Run, Some(fresh_journal()));
    deploy.selection = three;
    // 90 polls of 0.05 s: the silent action is given 4.5 s.
    deploy.work = Work::Action {
        name: "deploy_nodes".into(),
        options: serde_json::json!({ "poll_interval": 0.05, "report_url": report_url() }),
    };
    let outcome = run(deploy);
    assert_ne!(outcome.result, TaskResult::Success, "{:#}", outcome.value);
    let nodes = &outcome.value["nodes"];
    assert_eq!(nodes["cmp03"]["ok"], true, "{:#}", outcome.value);
    assert_eq!(
        nodes["cmp01"]["error"],
        "cmp01: Boot action compute-tuning completed with status failure: \
         compute-tuning: the simulated machine was told to fail it"
    );
    assert_eq!(
        nodes["cmp02"]["error"],
        "cmp02: Boot action compute-tuning timed out."
    );
}

/// A node found Deploying (a resumed task's own deployment, or one started by hand) is waited
/// for until Deployed, not reported deployed at once; one this task did not start has no boot
/// action reports to wait for.
#[test]
fn a_node_found_deploying_is_waited_for_until_deployed() {
    let sim = sim();
    let cmp01 = Selection {
        nodes: vec!["cmp01".into()],
        ..Selection::default()
    };
    assert_eq!(
        run(request(&sim, "prepare_site", Mode::Run, None)).result,
        TaskResult::Success
    );
    let mut prepare = request(&sim, "prepare_nodes", Mode::Run, None);
    prepare.selection = cmp01.clone();
    assert_eq!(run(prepare).result, TaskResult::Success);
    let id = statuses_by_id(&sim)["cmp01"].clone();
    let rt = runtime();
    rt.block_on(maas(&sim).deploy(&id, &[])).unwrap();
    assert_eq!(statuses(&sim)["cmp01"], "Deploying");

    let journal = fresh_journal();
    let mut deploy = request(&sim, "deploy_nodes", Mode::Run, Some(journal.clone()));
    deploy.selection = cmp01;
    deploy.work = Work::Action {
        name: "deploy_nodes".into(),
        options: serde_json::json!({ "poll_interval": 0.1, "report_url": report_url() }),
    };
    let outcome = run(deploy);
    assert_eq!(outcome.result, TaskResult::Success, "{:#}", outcome.value);
    assert_eq!(statuses(&sim)["cmp01"], "Deployed");
    let reader = drydock::journal::JournalReader::open(&journal).unwrap();
    let task = &reader.tasks().unwrap()[0];
    let names: Vec<String> = reader
        .steps(&task.id)
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert!(names.contains(&"deployed".to_string()), "{names:?}");
    assert!(
        !names.iter().any(|n| n.starts_with("boot action")),
        "another's deployment has no reports for this task: {names:?}"
    );
    let deploys = sim
        .requests()
        .into_iter()
        .filter(|r| r.op.as_deref() == Some("deploy"))
        .count();
    assert_eq!(deploys, 1, "deployed once, by hand");
}

fn statuses_by_id(sim: &Sim) -> std::collections::BTreeMap<String, String> {
    runtime()
        .block_on(maas(sim).machines(&[]))
        .unwrap()
        .into_iter()
        .map(|m| (m.hostname, m.system_id))
        .collect()
}

/// The caps check: deploy_site with at most 3 nodes at once, 2 per rack, 2 BMC
/// exchanges at once and 1 per BMC. Replaying the simulator's logs (MAAS's status-change
/// events in order; each BMC request's span on the BMCs' clock) shows no cap was ever
/// exceeded, and that the overall and per-rack caps were reached (they bound the run).
#[test]
fn deploy_site_never_exceeds_its_caps_per_rack_overall_and_per_bmc() {
    let site = drydock::design::load(&[example_site()]).unwrap();
    let options = SimOptions {
        speed: 200.0,
        // A BMC's answers take time, so requests sent together are seen together.
        bmc_latency: Duration::from_millis(20),
        ..SimOptions::default()
    };
    let sim = Sim::start(options, Some(&site)).unwrap();
    let mut req = request(&sim, "deploy_site", Mode::Run, Some(fresh_journal()));
    req.work = Work::Action {
        name: "deploy_site".into(),
        options: serde_json::json!({
            "poll_interval": 0.1,
            "concurrency": 3,
            "per_rack": 2,
            "report_url": report_url(),
        }),
    };
    req.oob.limits = drydock::oob::Limits::new(2, 1);
    let outcome = run(req);
    assert_eq!(outcome.result, TaskResult::Success, "{:#}", outcome.value);

    // Machines deploying at once: from MAAS's status changes, in the order they happened.
    let rack_of: std::collections::BTreeMap<String, String> = site
        .nodes
        .iter()
        .map(|n| (n.name.clone(), n.config.rack.clone().unwrap()))
        .collect();
    let params = [
        ("level".to_string(), "DEBUG".to_string()),
        ("limit".into(), "1000".into()),
    ];
    let mut events = runtime().block_on(maas(&sim).events(&params)).unwrap().events;
    events.sort_by_key(|e| e.id);
    let (mut now, mut peak) = (
        std::collections::BTreeMap::<&str, i64>::new(),
        std::collections::BTreeMap::<&str, i64>::new(),
    );
    let (mut overall, mut overall_peak) = (0i64, 0i64);
    for e in events.iter().filter(|e| e.kind == "Node changed status") {
        let rack = rack_of[&e.hostname].as_str();
        let change = if e.description.ends_with("to 'Deploying'") {
            1
        } else if e.description.starts_with("From 'Deploying'") {
            -1
        } else {
            continue;
        };
        *now.entry(rack).or_default() += change;
        overall += change;
        let n = now[rack];
        peak.entry(rack).and_modify(|p| *p = (*p).max(n)).or_insert(n);
        overall_peak = overall_peak.max(overall);
    }
    assert!(peak.values().all(|p| *p <= 2), "deploying per rack: {peak:?}");
    assert!(
        peak.values().any(|p| *p == 2),
        "the per-rack cap was reached: {peak:?}"
    );
    assert_eq!(overall_peak, 3, "deploying at once, at most and at last 3");

    // BMC exchanges in flight at once: drydock's, from each request's span.
    let mut marks: Vec<(u64, i64, String)> = Vec::new();
    for r in sim
        .bmc_requests()
        .into_iter()
        .filter(|r| r.from == Requester::Client)
    {
        marks.push((r.began, 1, r.node.clone()));
        marks.push((r.ended, -1, r.node));
    }
    // At one tick an answer goes before a request: a span is [began, ended).
    marks.sort_by_key(|(t, d, _)| (*t, *d));
    let (mut flying, mut flying_peak) = (0i64, 0i64);
    let mut per_bmc = std::collections::BTreeMap::<String, i64>::new();
    for (_, d, node) in &marks {
        flying += d;
        flying_peak = flying_peak.max(flying);
        let n = per_bmc.entry(node.clone()).or_default();
        *n += d;
        assert!(*n <= 1, "{node}'s BMC had two requests at once");
    }
    assert_eq!(
        flying_peak, 2,
        "BMC requests in flight at once, at most and at last 2"
    );
}

/// The example variant (`examples/variant`): its firmware phase keeps a node whose BIOS is
/// older than its hardware profile's from being deployed, naming both versions, and its own
/// storage phase lays out every deployed node with the site's LVM layout instead of the
/// design's partitions; the rest is the stock action.
#[test]
fn the_example_variant_checks_firmware_before_deploy_and_lays_out_its_own_storage() {
    let sim = sim();
    sim.plant_firmware("cmp02", "1.0.9").unwrap();
    for action in ["prepare_site", "prepare_nodes"] {
        assert_eq!(
            run(request(&sim, action, Mode::Run, None)).result,
            TaskResult::Success
        );
    }
    let mut deploy = request(&sim, "deploy_nodes", Mode::Run, Some(fresh_journal()));
    deploy.site_dir = Some(repo().join("examples/variant"));
    let outcome = run(deploy);
    assert_eq!(outcome.result, TaskResult::PartialSuccess, "{:#}", outcome.value);
    let nodes = &outcome.value["nodes"];
    assert_eq!(nodes["cmp02"]["phase"], "firmware", "{:#}", outcome.value);
    assert_eq!(
        nodes["cmp02"]["error"],
        "cmp02: BIOS 1.0.9 is older than the site's minimum 1.10.2 (hardware profile dell-r650): \
         update its firmware, then deploy it again"
    );

    let rt = runtime();
    let client = maas(&sim);
    for m in rt.block_on(client.machines(&[])).unwrap() {
        if m.hostname == "cmp02" {
            assert_eq!(m.status_name, "Ready");
            continue;
        }
        assert_eq!(m.status_name, "Deployed", "{}", m.hostname);
        let devices = rt.block_on(client.block_devices(&m.system_id, &[])).unwrap();
        let mounted: Vec<(String, String)> = devices
            .iter()
            .flat_map(|d| {
                let on_device = d
                    .filesystem
                    .iter()
                    .map(move |f| (d.name.clone(), f.mount_point.clone()));
                let on_parts = d
                    .partitions
                    .iter()
                    .filter_map(|p| p.filesystem.as_ref())
                    .map(move |f| (d.name.clone(), f.mount_point.clone()));
                on_device.chain(on_parts).collect::<Vec<_>>()
            })
            .filter_map(|(dev, mount)| Some((dev, mount?)))
            .collect();
        assert_eq!(
            mounted,
            [("vg_os-root".to_string(), "/".to_string())],
            "{}: the site's layout only",
            m.hostname
        );
    }
}
