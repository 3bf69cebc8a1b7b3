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
