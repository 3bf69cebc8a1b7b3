//! The IPMI driver against OpenIPMI's ipmi_sim, through ipmitool: every action is checked
//! in the simulated chassis's state files, not through the driver. Cipher suite 17 is not
//! here: ipmi_sim has no SHA-256 suites (the argv the driver builds for 17 is unit-tested,
//! and drydock's own simulated IPMI BMC serves 17 for real).

mod common;

use std::net::UdpSocket;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::ipmi_sim::{self, IpmiSim, Script};
use drydock::design::model::OobType;
use drydock::oob::{
    Bmc, BootDevice, BootPersistence, NextBoot, Oob, OobErrorKind, OobSettings, PowerState, PowerWait,
    RetryPolicy, Secret, TlsMode,
};

fn settings() -> Arc<OobSettings> {
    Arc::new(OobSettings {
        wait: PowerWait {
            interval: Duration::from_millis(100),
            timeout: Duration::from_secs(10),
        },
        retry: RetryPolicy {
            attempts: 2,
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(200),
        },
        request_timeout: Duration::from_secs(10),
        ..OobSettings::default()
    })
}

fn bmc(endpoint: String, account: &str, password: &str, cipher_suite: u8) -> Bmc {
    Bmc {
        node: "node01".into(),
        protocol: OobType::Ipmi,
        address: "10.40.0.21".into(),
        endpoint,
        account: account.into(),
        credential: Secret::new(password),
        tls: TlsMode::Verify,
        cipher_suite,
    }
}

fn connect(bmc: Bmc, settings: Arc<OobSettings>) -> Oob {
    drydock::oob::connect(bmc, settings).unwrap_or_else(|e| panic!("{e}"))
}

fn oob(sim: &IpmiSim) -> Oob {
    connect(
        bmc(sim.endpoint(), ipmi_sim::ACCOUNT, ipmi_sim::PASSWORD, 3),
        settings(),
    )
}

/// ipmitool's own command line against `sim`, for what the driver does not use.
fn ipmitool(sim: &IpmiSim, args: &[&str]) -> Output {
    Command::new("ipmitool")
        .args(["-I", "lanplus", "-H", "127.0.0.1", "-p", &sim.port.to_string()])
        .args(["-U", ipmi_sim::ACCOUNT, "-E", "-C", "3", "-N", "1", "-R", "1"])
        .args(args)
        .env("IPMI_PASSWORD", ipmi_sim::PASSWORD)
        .stdin(Stdio::null())
        .output()
        .expect("ipmitool runs")
}

/// `Name : value` from ipmitool's text output.
fn field(output: &Output, name: &str) -> String {
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == name).then(|| v.trim().to_string())
        })
        .unwrap_or_else(|| panic!("no {name:?} in {text}"))
}

#[tokio::test]
async fn power_on_and_off_reach_the_chassis() {
    let sim = IpmiSim::start(Script::Normal);
    let oob = oob(&sim);
    assert_eq!(oob.power_state().await.unwrap(), PowerState::Off);

    let on = oob.power_on().await.unwrap();
    assert!(on.changed);
    assert_eq!((on.from, on.to), (PowerState::Off, PowerState::On));
    assert_eq!(on.message, "Node reports power on.");
    assert_eq!(sim.power(), "1");
    assert_eq!(sim.sets(), ["0x20 set power 1"]);

    // Already on: nothing is asked of the chassis.
    assert!(!oob.power_on().await.unwrap().changed);
    assert_eq!(sim.sets().len(), 1);

    let off = oob.power_off(false).await.unwrap();
    assert_eq!((off.from, off.to), (PowerState::On, PowerState::Off));
    assert_eq!(sim.power(), "0");
    assert_eq!(sim.sets(), ["0x20 set power 1", "0x20 set power 0"]);
}

#[tokio::test]
async fn a_graceful_off_is_an_acpi_soft_shutdown() {
    let sim = IpmiSim::start(Script::Normal);
    sim.set_power(true);
    let off = oob(&sim).power_off(true).await.unwrap();
    assert_eq!(off.to, PowerState::Off);
    assert_eq!(sim.power(), "0");
    assert_eq!(sim.sets(), ["0x20 set shutdown 1"]);
}

#[tokio::test]
async fn a_power_cycle_goes_off_then_on() {
    let sim = IpmiSim::start(Script::Normal);
    sim.set_power(true);
    let cycle = oob(&sim).power_cycle().await.unwrap();
    assert_eq!(cycle.message, "Node power cycle complete.");
    assert_eq!((cycle.from, cycle.to), (PowerState::On, PowerState::On));
    assert_eq!(sim.sets(), ["0x20 set power 0", "0x20 set power 1"]);
    assert_eq!(sim.power(), "1");
}

#[tokio::test]
async fn next_boot_pxe_then_disk_lands_in_the_chassis() {
    let sim = IpmiSim::start(Script::Normal);
    let oob = oob(&sim);
    oob.set_boot(NextBoot::once(BootDevice::Pxe)).await.unwrap();
    assert_eq!(sim.boot(), "pxe");
    oob.set_boot(NextBoot {
        device: BootDevice::Disk,
        persistence: BootPersistence::Persistent,
        uefi: true,
    })
    .await
    .unwrap();
    assert_eq!(sim.boot(), "default");
    assert_eq!(sim.sets(), ["0x20 set boot pxe", "0x20 set boot default"]);
    // Nothing else was touched.
    assert_eq!(sim.power(), "0");
}

#[tokio::test]
async fn inventory_tells_the_device_id_and_fru_as_ipmitool_reads_them() {
    let sim = IpmiSim::start(Script::Normal);
    let inv = oob(&sim).inventory().await.unwrap();

    let mc = ipmitool(&sim, &["mc", "info"]);
    assert!(mc.status.success(), "{mc:?}");
    assert_eq!(
        inv.bmc_firmware.as_deref(),
        Some(field(&mc, "Firmware Revision").as_str())
    );
    assert_eq!(inv.extra["ipmi_version"], field(&mc, "IPMI Version"));
    assert_eq!(
        inv.extra["manufacturer_id"],
        field(&mc, "Manufacturer ID").parse::<u64>().unwrap()
    );
    // `3842 (0x0f02)`
    let product = field(&mc, "Product ID");
    assert_eq!(
        inv.extra["product_id"],
        product.split_whitespace().next().unwrap().parse::<u64>().unwrap()
    );
    assert_eq!(
        inv.extra["device_id"],
        field(&mc, "Device ID").parse::<u64>().unwrap()
    );

    let fru = ipmitool(&sim, &["fru", "print", "0"]);
    assert!(fru.status.success(), "{fru:?}");
    assert_eq!(
        inv.manufacturer.as_deref(),
        Some(field(&fru, "Product Manufacturer").as_str())
    );
    assert_eq!(inv.model.as_deref(), Some(field(&fru, "Product Name").as_str()));
    assert_eq!(
        inv.serial_number.as_deref(),
        Some(field(&fru, "Product Serial").as_str())
    );
    let board = &inv.extra["fru"]["board"];
    assert_eq!(board["manufacturer"], field(&fru, "Board Mfg"));
    assert_eq!(board["serial_number"], field(&fru, "Board Serial"));
    assert_eq!(board["part_number"], field(&fru, "Board Part Number"));
    assert_eq!(
        inv.extra["fru"]["product"]["asset_tag"],
        field(&fru, "Product Asset Tag")
    );
}

#[tokio::test]
async fn a_wrong_password_is_an_auth_error_and_not_retried() {
    let sim = IpmiSim::start(Script::Normal);
    let wrong = "not-the-pw-0815";
    let oob = connect(bmc(sim.endpoint(), ipmi_sim::ACCOUNT, wrong, 3), settings());
    let e = oob.power_state().await.unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Auth, "{e}");
    let text = e.to_string();
    assert!(
        text.contains("refused the password of account \"admin\""),
        "{text}"
    );
    assert!(
        text.contains("node node01") && text.contains("10.40.0.21"),
        "{text}"
    );
    assert!(!text.contains("attempts"), "Auth was retried: {text}");
    assert!(
        !text.contains(wrong) && !format!("{e:?}").contains(wrong),
        "{text}"
    );
    assert!(!format!("{:?}", oob.bmc()).contains(wrong));

    let e = connect(bmc(sim.endpoint(), "nobody", ipmi_sim::PASSWORD, 3), settings())
        .power_state()
        .await
        .unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Auth, "{e}");
    assert!(e.message.contains("refused account \"nobody\""), "{e}");
    assert_eq!(sim.sets(), Vec::<String>::new());
}

#[tokio::test]
async fn a_bmc_that_never_answers_is_unreachable() {
    ipmi_sim::require_tools();
    // Bound, so no ICMP "port unreachable" comes back either: packets just vanish.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let endpoint = silent.local_addr().unwrap().to_string();
    let oob = connect(bmc(endpoint.clone(), "admin", "whatever-pw", 3), settings());
    let e = oob.power_state().await.unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Unreachable, "{e}");
    assert!(
        e.message
            .contains(&format!("no answer from the BMC at {endpoint}")),
        "{e}"
    );
    assert!(e.message.contains("(after 2 attempts)"), "{e}");
}

/// ipmitool processes whose command line names `port`.
fn ipmitool_children(port: u16) -> usize {
    let port = port.to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
        .filter(|cmdline| {
            let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
            args.first().is_some_and(|a| a.ends_with(b"ipmitool")) && args.contains(&port.as_bytes())
        })
        .count()
}

#[tokio::test]
async fn an_exchange_longer_than_the_request_timeout_is_cut_and_its_child_killed() {
    ipmi_sim::require_tools();
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let endpoint = silent.local_addr().unwrap().to_string();
    // ipmitool alone would give up after about 2 s (1 s a packet, one retry).
    let settings = Arc::new(OobSettings {
        request_timeout: Duration::from_secs(1),
        retry: RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        },
        ..OobSettings::default()
    });
    let e = connect(bmc(endpoint.clone(), "admin", "whatever-pw", 3), settings)
        .power_state()
        .await
        .unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Unreachable, "{e}");
    assert!(
        e.message
            .contains(&format!("no answer from {endpoint} within 1 s")),
        "{e}"
    );
    let port = silent.local_addr().unwrap().port();
    // ipmitool would end on its own about 1 s after the timeout: the kill must come first.
    let deadline = std::time::Instant::now() + Duration::from_millis(500);
    while ipmitool_children(port) > 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(ipmitool_children(port), 0, "the timed-out ipmitool still runs");
}

#[tokio::test]
async fn a_power_change_that_never_lands_times_out_naming_the_state() {
    let sim = IpmiSim::start(Script::StuckPower);
    let settings = Arc::new(OobSettings {
        wait: PowerWait {
            interval: Duration::from_millis(200),
            timeout: Duration::from_secs(2),
        },
        ..OobSettings::default()
    });
    let oob = connect(
        bmc(sim.endpoint(), ipmi_sim::ACCOUNT, ipmi_sim::PASSWORD, 3),
        settings,
    );
    let e = oob.power_on().await.unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Timeout, "{e}");
    assert!(e.message.contains("did not reach power on within 2 s"), "{e}");
    assert!(e.message.contains("still reports off"), "{e}");
    // The request reached the chassis, which ignored it.
    assert_eq!(sim.sets(), ["0x20 set power 1"]);
    assert_eq!(sim.power(), "0");
}

#[tokio::test]
async fn a_bmc_rejecting_boot_options_is_refused_though_ipmitool_bootdev_exits_0() {
    let sim = IpmiSim::start(Script::RejectBoot);
    // Why the driver sends raw commands: the high-level one reports success.
    let bootdev = ipmitool(&sim, &["chassis", "bootdev", "pxe"]);
    assert!(bootdev.status.success(), "{bootdev:?}");
    assert!(
        String::from_utf8_lossy(&bootdev.stderr).contains("failed"),
        "{bootdev:?}"
    );

    let e = oob(&sim)
        .set_boot(NextBoot::once(BootDevice::Pxe))
        .await
        .unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Refused, "{e}");
    assert!(
        e.message
            .contains("Set System Boot Options failed: completion code 0xFF (unspecified error)"),
        "{e}"
    );
    assert_eq!(sim.boot(), "default");
}

#[tokio::test]
async fn a_cipher_suite_the_bmc_lacks_is_refused_naming_it() {
    let sim = IpmiSim::start(Script::Normal);
    let oob = connect(
        bmc(sim.endpoint(), ipmi_sim::ACCOUNT, ipmi_sim::PASSWORD, 17),
        settings(),
    );
    let e = oob.power_state().await.unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Refused, "{e}");
    assert!(e.message.contains("does not offer cipher suite 17"), "{e}");
}
