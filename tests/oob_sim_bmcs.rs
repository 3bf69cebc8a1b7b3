//! The OOB drivers against the simulator's own BMCs, as against the emulators: the example
//! site's Redfish (cmp01) and IPMI (ctl01) nodes are driven through `drydock::oob`, and every
//! action is checked by reading the simulated machine back; wrong credentials, a BMC that
//! does not answer and one whose power never changes fail as they must.

mod common;

use std::sync::Arc;
use std::time::Duration;

use drydock::oob::{
    Bmc, BootDevice, NextBoot, Oob, OobErrorKind, OobSettings, PowerState, PowerWait, RetryPolicy,
};
use drydock::sim::{BmcFault, Sim, SimOptions};

fn sim() -> (Sim, drydock::design::Site) {
    let site = drydock::design::load(&[common::example_site()]).unwrap();
    // Enlisted already, so a powered machine does not go off to enlist mid-test.
    let options = SimOptions {
        speed: 20.0,
        enlisted: true,
        ..SimOptions::default()
    };
    (Sim::start(options, Some(&site)).unwrap(), site)
}

fn driver(sim: &Sim, site: &drydock::design::Site, node: &str) -> Oob {
    driver_with(sim, site, node, OobSettings::default().ipmi_idle)
}

/// The driver of `node`, whose IPMI session is closed after `ipmi_idle` unused.
fn driver_with(sim: &Sim, site: &drydock::design::Site, node: &str, ipmi_idle: Duration) -> Oob {
    let settings = Arc::new(OobSettings {
        wait: PowerWait {
            interval: Duration::from_millis(50),
            timeout: Duration::from_secs(2),
        },
        retry: RetryPolicy {
            attempts: 2,
            backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(50),
        },
        request_timeout: Duration::from_millis(1500),
        bmc_map: sim.bmc_map(),
        ipmi_idle,
        ..OobSettings::default()
    });
    let bmc = Bmc::of_node(site.node(node).unwrap(), &settings).unwrap();
    drydock::oob::connect(bmc, settings).unwrap()
}

fn drives_the_machine(node: &str) {
    let (sim, site) = sim();
    let oob = driver(&sim, &site, node);
    let rt = common::runtime();
    rt.block_on(async {
        assert_eq!(oob.power_state().await.unwrap(), PowerState::Off);
        oob.power_on().await.unwrap();
        assert!(sim.machine(node).unwrap().0, "{node} on");
        oob.set_boot(NextBoot::once(BootDevice::Pxe)).await.unwrap();
        let boot = sim.machine(node).unwrap().1.expect("an override");
        assert_eq!(boot.device, BootDevice::Pxe, "{node}");
        oob.power_off(false).await.unwrap();
        assert!(!sim.machine(node).unwrap().0, "{node} off");
        let cycled = oob.power_cycle().await.unwrap();
        assert_eq!(cycled.to, PowerState::On);
        assert!(sim.machine(node).unwrap().0, "{node} on after the cycle");
        let inventory = oob.inventory().await.unwrap();
        let expected_mac = site.node(node).unwrap().boot_mac.clone().unwrap();
        let macs: Vec<String> = inventory.nics.iter().filter_map(|n| n.mac.clone()).collect();
        if node == "cmp01" {
            assert!(macs.contains(&expected_mac), "{macs:?}");
            assert_eq!(inventory.cpu_threads.or(inventory.cpu_count), Some(64));
        } else {
            assert!(inventory.bmc_firmware.is_some(), "{inventory:?}");
        }
        oob.close().await;
    });
}

#[test]
fn the_redfish_driver_drives_a_simulated_redfish_bmc() {
    drives_the_machine("cmp01");
}

#[test]
fn the_ipmi_driver_drives_a_simulated_ipmi_bmc() {
    drives_the_machine("ctl01");
}

#[test]
fn refused_logins_silence_and_stuck_power_fail_as_they_must() {
    let (sim, site) = sim();
    let rt = common::runtime();
    for node in ["cmp01", "ctl01"] {
        sim.plant_bmc_fault(node, Some(BmcFault::RefuseLogin)).unwrap();
        let e = rt.block_on(driver(&sim, &site, node).power_state()).unwrap_err();
        assert_eq!(e.kind, OobErrorKind::Auth, "{node}: {e}");
        assert!(!e.to_string().contains("changeme"), "{e}");

        sim.plant_bmc_fault(node, Some(BmcFault::Timeout)).unwrap();
        let e = rt.block_on(driver(&sim, &site, node).power_state()).unwrap_err();
        assert_eq!(e.kind, OobErrorKind::Unreachable, "{node}: {e}");

        sim.plant_bmc_fault(node, Some(BmcFault::StuckPower)).unwrap();
        let e = rt.block_on(driver(&sim, &site, node).power_on()).unwrap_err();
        assert_eq!(e.kind, OobErrorKind::Timeout, "{node}: {e}");
        assert!(e.to_string().contains("still reports off"), "{e}");
        assert!(!sim.machine(node).unwrap().0, "{node} stayed off");
        sim.plant_bmc_fault(node, None).unwrap();
    }
}

/// What drydock (not MAAS) sent to `node`'s BMC: the IPMI messages and commands by name.
fn sent(sim: &Sim, node: &str) -> Vec<String> {
    sim.bmc_requests()
        .into_iter()
        .filter(|r| r.node == node && r.from == drydock::sim::Requester::Client)
        .map(|r| r.path)
        .collect()
}

fn count(sent: &[String], what: &str) -> usize {
    sent.iter().filter(|p| *p == what).count()
}

/// The regression the PrepareNodes benchmark found: every IPMI command ran its own ipmitool,
/// which opened a session (and ran its discovery) for one command, so an IPMI node cost
/// more datagrams than Drydock's. Now a node's commands share one session, closed with the
/// handle.
#[test]
fn an_ipmi_node_s_commands_share_one_session_closed_with_the_handle() {
    let (sim, site) = sim();
    let oob = driver(&sim, &site, "ctl01");
    let rt = common::runtime();
    rt.block_on(async {
        for _ in 0..5 {
            assert_eq!(oob.power_state().await.unwrap(), PowerState::Off);
        }
        oob.power_on().await.unwrap();
        oob.set_boot(NextBoot::once(BootDevice::Pxe)).await.unwrap();
        oob.inventory().await.unwrap();
        let open = sent(&sim, "ctl01");
        assert_eq!(count(&open, "Open Session"), 1, "{open:?}");
        assert_eq!(count(&open, "Close Session"), 0, "{open:?}");
        assert!(
            count(&open, "Get Chassis Status") >= 6,
            "every power read reached the BMC: {open:?}"
        );
        oob.close().await;
    });
    let all = sent(&sim, "ctl01");
    assert_eq!(count(&all, "Open Session"), 1, "{all:?}");
    assert_eq!(all.last().map(String::as_str), Some("Close Session"), "{all:?}");
}

/// A session left unused is closed before the BMC would drop it, and the next command opens
/// a new one.
#[test]
fn an_idle_ipmi_session_is_closed_and_the_next_command_opens_another() {
    let (sim, site) = sim();
    let oob = driver_with(&sim, &site, "ctl01", Duration::from_millis(300));
    let rt = common::runtime();
    rt.block_on(async {
        assert_eq!(oob.power_state().await.unwrap(), PowerState::Off);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while count(&sent(&sim, "ctl01"), "Close Session") == 0 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let closed = sent(&sim, "ctl01");
        assert_eq!(count(&closed, "Close Session"), 1, "closed when idle: {closed:?}");
        assert_eq!(oob.power_state().await.unwrap(), PowerState::Off);
        let again = sent(&sim, "ctl01");
        assert_eq!(count(&again, "Open Session"), 2, "{again:?}");
        oob.close().await;
    });
}

/// The processes whose parent is `parent` and whose name is `name`, from /proc.
fn children(parent: u32, name: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| {
            let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // `pid (comm) state ppid …`; comm may hold spaces, never `) `.
            let (comm, rest) = stat.split_once(" (")?.1.rsplit_once(") ")?;
            let ppid: u32 = rest.split_whitespace().nth(1)?.parse().ok()?;
            (comm == name && ppid == parent).then_some(pid)
        })
        .collect()
}

/// Whether `pid` still runs (a zombie waiting to be reaped does not).
fn runs(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat.rsplit_once(") ").map(|(_, rest)| !rest.starts_with('Z')))
        .unwrap_or(false)
}

/// A drydock process, SIGKILLed when dropped, also when the test fails.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// ipmitool's shell does not end at the end of its input (it spins there): a drydock
/// killed outright must not leave its shells running and holding sessions on the BMCs.
#[test]
fn a_killed_drydock_leaves_no_ipmitool_shell_behind() {
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("drydock"))
        .arg("--site-dir")
        .arg(common::fixture("site-dirs/nodes"))
        .args([
            "run",
            "hold_ipmi",
            "--sim",
            "--node",
            "ctl01",
            "--node",
            "ctl02",
            "-d",
        ])
        .arg(common::example_site())
        .env("DRYDOCK_JOURNAL", common::fresh_journal())
        .env_remove("DRYDOCK_SITE_DIR")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("drydock starts");
    let mut drydock = Running(child);
    let pid = drydock.0.id();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let shells = loop {
        let shells = children(pid, "ipmitool");
        if shells.len() == 2 {
            break shells;
        }
        if let Some(status) = drydock.0.try_wait().unwrap() {
            panic!("drydock ended ({status}) before both IPMI sessions were open");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no two ipmitool shells under drydock after 30 s: {shells:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    drydock.0.kill().unwrap();
    drydock.0.wait().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while shells.iter().any(|s| runs(*s)) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left: Vec<&u32> = shells.iter().filter(|s| runs(**s)).collect();
    assert!(
        left.is_empty(),
        "ipmitool shells outlived the killed drydock: {left:?}"
    );
}
