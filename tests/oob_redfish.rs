//! The Redfish driver through `drydock::oob::connect` and `Oob`, against sushy-tools'
//! `sushy-emulator` (one per test, its state read back with plain HTTP, not through the
//! driver) and, for what sushy lacks (sessions, If-Match, ActionInfo, a full inventory), a
//! Redfish double in the test whose request log is checked.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::redfish_double::{self, Double, Seen};
use common::sushy::{self, FakeSystem, Options, Sushy};
use drydock::oob::{
    BootDevice, BootPersistence, NextBoot, Oob, OobErrorKind, OobSettings, PowerState, PowerWait,
    RetryPolicy, Secret, TlsMode,
};

/// Short waits: sushy applies a power change 0–11 s after it is asked.
fn settings() -> Arc<OobSettings> {
    Arc::new(OobSettings {
        wait: PowerWait {
            interval: Duration::from_millis(500),
            timeout: Duration::from_secs(30),
        },
        retry: RetryPolicy {
            attempts: 2,
            backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(100),
        },
        request_timeout: Duration::from_secs(10),
        ..OobSettings::default()
    })
}

fn connect(bmc: drydock::oob::Bmc) -> Oob {
    drydock::oob::connect(bmc, settings()).expect("a Redfish driver")
}

fn count(log: &[Seen], method: &str, path: &str) -> usize {
    log.iter()
        .filter(|s| s.method == method && s.path == path)
        .count()
}

fn requests(log: &[Seen]) -> Vec<String> {
    log.iter()
        .map(|s| format!("{} {} {}", s.method, s.path, s.status))
        .collect()
}

// --- sushy-emulator ---------------------------------------------------------------------

const RESET: &str =
    "POST /redfish/v1/Systems/5a9b2bd4-6a41-4c55-9b0e-0b0b1d8e0001/Actions/ComputerSystem.Reset";

#[tokio::test]
async fn power_on_reaches_the_emulator_and_a_second_on_asks_nothing() {
    let sushy = Sushy::start(Options::one("Off"));
    let oob = connect(sushy.bmc("n1", TlsMode::Verify));
    assert_eq!(oob.power_state().await.unwrap(), PowerState::Off);
    let t = oob.power_on().await.unwrap();
    assert!(t.changed);
    assert_eq!((t.from, t.to), (PowerState::Off, PowerState::On));
    assert_eq!(sushy.read_system().await["PowerState"], "On");
    let again = oob.power_on().await.unwrap();
    assert!(!again.changed, "{again:?}");
    assert_eq!(sushy.answered(RESET), [204], "one reset only");
    assert_eq!(sushy.power_changes(), ["Off", "On"]);
    oob.close().await;
}

#[tokio::test]
async fn power_off_reaches_the_emulator() {
    let sushy = Sushy::start(Options::one("On"));
    let oob = connect(sushy.bmc("n1", TlsMode::Verify));
    let t = oob.power_off(false).await.unwrap();
    assert_eq!((t.from, t.to, t.changed), (PowerState::On, PowerState::Off, true));
    assert_eq!(t.message, "Node reports power off.");
    assert_eq!(sushy.read_system().await["PowerState"], "Off");
    assert_eq!(sushy.power_changes(), ["On", "Off"]);
}

#[tokio::test]
async fn power_cycle_goes_off_then_on_at_the_emulator() {
    let sushy = Sushy::start(Options::one("On"));
    let oob = connect(sushy.bmc("n1", TlsMode::Verify));
    let t = oob.power_cycle().await.unwrap();
    assert_eq!(t.message, "Node power cycle complete.");
    assert_eq!(sushy.read_system().await["PowerState"], "On");
    assert_eq!(sushy.power_changes(), ["On", "Off", "On"]);
    assert_eq!(sushy.answered(RESET), [204, 204], "ForceOff, then On");
}

#[tokio::test]
async fn next_boot_pxe_once_is_read_back_from_the_emulator() {
    let sushy = Sushy::start(Options::one("Off"));
    let oob = connect(sushy.bmc("n1", TlsMode::Verify));
    assert_eq!(
        sushy.read_system().await["Boot"]["BootSourceOverrideTarget"],
        "Hdd"
    );
    oob.set_boot(NextBoot::once(BootDevice::Pxe)).await.unwrap();
    let boot = &sushy.read_system().await["Boot"];
    assert_eq!(boot["BootSourceOverrideTarget"], "Pxe");
    // The emulator has the mode property, so it is set too: legacy, as asked.
    assert_eq!(boot["BootSourceOverrideMode"], "Legacy");
    oob.set_boot(NextBoot {
        device: BootDevice::Disk,
        persistence: BootPersistence::Persistent,
        uefi: true,
    })
    .await
    .unwrap();
    let boot = &sushy.read_system().await["Boot"];
    assert_eq!(boot["BootSourceOverrideTarget"], "Hdd");
    assert_eq!(boot["BootSourceOverrideMode"], "UEFI");
}

#[tokio::test]
async fn inventory_has_the_configured_macs_and_leaves_what_sushy_lacks_empty() {
    let sushy = Sushy::start(Options::one("Off"));
    let oob = connect(sushy.bmc("n1", TlsMode::Verify));
    let inv = oob.inventory().await.unwrap();
    let macs: Vec<_> = inv
        .nics
        .iter()
        .map(|n| n.mac.clone().unwrap_or_default())
        .collect();
    assert_eq!(macs, ["52:54:00:aa:00:01", "52:54:00:aa:00:02"]);
    assert_eq!(inv.manufacturer.as_deref(), Some("Sushy Emulator"));
    assert_eq!(inv.health.as_deref(), Some("OK"));
    assert_eq!(inv.bmc_firmware.as_deref(), Some("1.00"));
    assert_eq!(inv.extra["uuid"], sushy.uuid);
    // Not in sushy's fake system; its Storage answers 500.
    assert_eq!(inv.bios_version, None);
    assert_eq!(inv.serial_number, None);
    assert_eq!(inv.cpu_count, None);
    assert_eq!(inv.cpu_threads, None);
    assert_eq!(inv.memory_gib, None);
    assert!(inv.drives.is_empty());
    assert_eq!(sushy.answered("/Storage HTTP"), [500]);
}

#[tokio::test]
async fn a_wrong_password_is_an_auth_error_that_does_not_show_it() {
    let sushy = Sushy::start(Options::one("Off"));
    let mut bmc = sushy.bmc("n1", TlsMode::Verify);
    bmc.credential = Secret::new("Wr0ng-secret-77");
    let oob = connect(bmc);
    let e = oob.power_state().await.unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Auth, "{e}");
    let shown = format!("{e} {e:?} {:?}", oob.bmc());
    assert!(shown.contains("Invalid credentials"), "{shown}");
    assert!(
        shown.contains("Incorrect username or password"),
        "the BMC's words: {shown}"
    );
    assert!(!shown.contains("Wr0ng-secret-77"), "{shown}");
    assert!(
        !e.message.contains("attempts"),
        "a refused login is not retried: {e}"
    );
}

#[tokio::test]
async fn a_bmc_nobody_listens_for_is_unreachable() {
    let port = sushy::free_port();
    let mut bmc = redfish_double::Double::bmc_at(&format!("http://127.0.0.1:{port}"));
    bmc.node = "n9".into();
    let oob = connect(bmc);
    let e = tokio::time::timeout(Duration::from_secs(20), oob.power_state())
        .await
        .expect("an answer, not a hang")
        .unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Unreachable, "{e}");
    assert!(e.message.contains(&format!("127.0.0.1:{port}")), "{e}");
    assert!(
        e.message.contains("after 2 attempts"),
        "retried within the policy: {e}"
    );
    assert!(e.to_string().contains("node n9"), "{e}");
}

#[tokio::test]
async fn a_power_off_the_bmc_refuses_names_what_it_said_and_the_machine_stays_on() {
    let mut options = Options::one("On");
    options.disable_power_off = true;
    let sushy = Sushy::start(options);
    let oob = connect(sushy.bmc("n1", TlsMode::Verify));
    let e = oob.power_off(false).await.unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Refused, "{e}");
    assert!(e.message.contains("400 Bad Request"), "{e}");
    assert!(e.message.contains("Can not request power off transition"), "{e}");
    assert_eq!(sushy.read_system().await["PowerState"], "On");
}

#[tokio::test]
async fn a_bmc_with_two_systems_is_refused_saying_how_many() {
    let mut options = Options::one("Off");
    options.systems.push(FakeSystem {
        uuid: "5a9b2bd4-6a41-4c55-9b0e-0b0b1d8e0002",
        power_state: "On",
        macs: vec!["52:54:00:aa:00:09"],
    });
    let sushy = Sushy::start(options);
    let oob = connect(sushy.bmc("n1", TlsMode::Verify));
    let e = oob.power_state().await.unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Config, "{e}");
    assert!(e.message.contains("manages 2 systems"), "{e}");
}

/// A CA, and a certificate for 127.0.0.1 it signed, as PEM files in `dir`.
fn certificates(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "drydock test BMC CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    (
        sushy::write_file(dir, "ca.pem", &ca_cert.pem()),
        sushy::write_file(dir, "bmc.pem", &leaf.pem()),
        sushy::write_file(dir, "bmc.key", &key.serialize_pem()),
    )
}

#[tokio::test]
async fn tls_verify_refuses_an_unknown_ca_and_ca_file_or_insecure_accept_it() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(dir.path());
    let mut options = Options::one("Off");
    options.tls = Some((cert, key));
    let sushy = Sushy::start(options);
    assert!(sushy.url.starts_with("https://"));

    let e = connect(sushy.bmc("n1", TlsMode::Verify))
        .power_state()
        .await
        .unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Config, "not retried as if unreachable: {e}");
    assert!(e.message.contains("certificate"), "{e}");
    assert!(e.message.contains("oob.ca_file"), "says what to do: {e}");

    let with_ca = connect(sushy.bmc("n1", TlsMode::CaFile(ca.clone())));
    assert_eq!(with_ca.power_state().await.unwrap(), PowerState::Off);
    with_ca.set_boot(NextBoot::once(BootDevice::Pxe)).await.unwrap();
    assert_eq!(
        sushy.read_system().await["Boot"]["BootSourceOverrideTarget"],
        "Pxe"
    );

    let insecure = connect(sushy.bmc("n1", TlsMode::Insecure));
    assert_eq!(insecure.power_state().await.unwrap(), PowerState::Off);

    // Another CA's file is no better than the system's roots.
    let other = tempfile::tempdir().unwrap();
    let (other_ca, _, _) = certificates(other.path());
    let e = connect(sushy.bmc("n1", TlsMode::CaFile(other_ca)))
        .power_state()
        .await
        .unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Config, "{e}");
}

#[tokio::test]
async fn an_unreadable_or_empty_ca_file_is_a_config_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-ca.pem");
    let mut bmc = redfish_double::Double::bmc_at("https://127.0.0.1:1");
    bmc.tls = TlsMode::CaFile(missing.clone());
    let e = drydock::oob::connect(bmc.clone(), settings())
        .err()
        .expect("no driver");
    assert_eq!(e.kind, OobErrorKind::Config, "{e}");
    assert!(e.message.contains("no-such-ca.pem"), "{e}");
    let empty = sushy::write_file(dir.path(), "empty.pem", "not a certificate\n");
    bmc.tls = TlsMode::CaFile(empty);
    let e = drydock::oob::connect(bmc, settings()).err().expect("no driver");
    assert_eq!(e.kind, OobErrorKind::Config, "{e}");
    assert!(
        e.message.contains("empty.pem") && e.message.contains("no PEM certificate"),
        "{e}"
    );
}

// --- the session double -----------------------------------------------------------------

#[tokio::test]
async fn a_session_is_opened_once_used_for_every_request_and_closed() {
    let double = Double::start().await;
    let oob = connect(double.bmc("n2"));
    assert_eq!(oob.power_state().await.unwrap(), PowerState::Off);
    let log = double.take_log();
    assert_eq!(
        requests(&log),
        [
            "GET /redfish/v1/ 200",
            "POST /redfish/v1/SessionService/Sessions 201",
            "GET /redfish/v1/Systems 200",
            "GET /redfish/v1/Systems/1 200",
        ]
    );
    let login = &log[1];
    assert_eq!(login.body.as_ref().unwrap()["UserName"], redfish_double::ACCOUNT);
    assert!(login.token.is_none() && !login.basic);
    assert!(log[0].token.is_none() && !log[0].basic, "the root needs no login");
    let token = log[2].token.clone().expect("a token");
    assert_eq!(log[3].token.as_ref(), Some(&token));
    assert!(
        log.iter().all(|s| !s.basic),
        "no password on the wire after the login"
    );

    oob.close().await;
    let log = double.take_log();
    assert_eq!(
        requests(&log),
        ["DELETE /redfish/v1/SessionService/Sessions/1 204"]
    );
    assert_eq!(log[0].token.as_ref(), Some(&token));
    assert!(double.with(|d| d.sessions.is_empty()), "logged out");
}

#[tokio::test]
async fn a_session_the_bmc_locates_on_another_host_is_still_deleted_at_the_endpoint() {
    let double = Double::start().await;
    double.with(|d| d.behaviour.absolute_location = true);
    let oob = connect(double.bmc("n2"));
    oob.power_state().await.unwrap();
    double.take_log();
    oob.close().await;
    assert_eq!(
        requests(&double.take_log()),
        ["DELETE /redfish/v1/SessionService/Sessions/1 204"]
    );
    assert!(double.with(|d| d.sessions.is_empty()));
}

#[tokio::test]
async fn discovery_is_done_once_per_handle_and_each_call_after_costs_one_request() {
    let double = Double::start().await;
    double.with(|d| d.machine.power = "On");
    let oob = connect(double.bmc("n2"));
    oob.power_state().await.unwrap();
    assert_eq!(double.take_log().len(), 4, "root, login, systems, system");

    oob.power_state().await.unwrap();
    assert_eq!(requests(&double.take_log()), ["GET /redfish/v1/Systems/1 200"]);

    // Read the power, reset (the reset types from the ActionInfo, read once), poll.
    let t = oob.power_off(true).await.unwrap();
    assert_eq!(t.to, PowerState::Off);
    let first = double.take_log();
    assert_eq!(
        requests(&first),
        [
            "GET /redfish/v1/Systems/1 200",
            "GET /redfish/v1/Systems/1/ResetActionInfo 200",
            "POST /redfish/v1/Systems/1/Actions/ComputerSystem.Reset 204",
            "GET /redfish/v1/Systems/1 200",
        ]
    );
    oob.power_on().await.unwrap();
    let second = double.take_log();
    assert_eq!(
        requests(&second),
        [
            "GET /redfish/v1/Systems/1 200",
            "POST /redfish/v1/Systems/1/Actions/ComputerSystem.Reset 204",
            "GET /redfish/v1/Systems/1 200",
        ]
    );
    // GracefulShutdown is not assumed: it came from the ActionInfo.
    assert_eq!(
        double.with(|d| d.machine.resets.clone()),
        ["GracefulShutdown", "On"]
    );
    oob.inventory().await.unwrap();
    let all = [first, second, double.take_log()].concat();
    assert_eq!(count(&all, "GET", "/redfish/v1/"), 0);
    assert_eq!(count(&all, "GET", "/redfish/v1/Systems"), 0);
    assert_eq!(count(&all, "POST", "/redfish/v1/SessionService/Sessions"), 0);
}

#[tokio::test]
async fn a_session_the_bmc_dropped_is_renewed_once_and_a_changed_password_then_fails() {
    let double = Double::start().await;
    let oob = connect(double.bmc("n2"));
    oob.power_state().await.unwrap();
    double.take_log();
    double.with(|d| d.sessions.clear());
    assert_eq!(oob.power_state().await.unwrap(), PowerState::Off);
    assert_eq!(
        requests(&double.take_log()),
        [
            "GET /redfish/v1/Systems/1 401",
            "POST /redfish/v1/SessionService/Sessions 201",
            "GET /redfish/v1/Systems/1 200",
        ]
    );

    double.with(|d| {
        d.sessions.clear();
        d.behaviour.password = "changed-on-the-bmc".into();
    });
    let e = oob.power_state().await.unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Auth, "{e}");
    assert!(e.message.contains("Login failed: Invalid credentials"), "{e}");
    assert!(!format!("{e} {e:?}").contains(redfish_double::PASSWORD), "{e}");
    assert_eq!(
        requests(&double.take_log()),
        [
            "GET /redfish/v1/Systems/1 401",
            "POST /redfish/v1/SessionService/Sessions 401",
        ],
        "one login attempt, not a loop"
    );
}

#[tokio::test]
async fn a_bmc_that_wants_if_match_gets_the_etag_of_a_fresh_read() {
    let double = Double::start().await;
    let oob = connect(double.bmc("n2"));
    oob.power_state().await.unwrap();
    double.take_log();
    oob.set_boot(NextBoot::once(BootDevice::Pxe)).await.unwrap();
    let log = double.take_log();
    assert_eq!(
        requests(&log),
        [
            "GET /redfish/v1/Systems/1 200",
            "PATCH /redfish/v1/Systems/1 428",
            "GET /redfish/v1/Systems/1 200",
            "PATCH /redfish/v1/Systems/1 204",
            "GET /redfish/v1/Systems/1 200",
        ]
    );
    assert_eq!(log[1].if_match, None, "the first PATCH goes without");
    assert_eq!(log[3].if_match.as_deref(), Some("W/\"1\""));
    assert_eq!(
        log[3].body.as_ref().unwrap()["Boot"],
        serde_json::json!({"BootSourceOverrideTarget": "Pxe", "BootSourceOverrideEnabled": "Once", "BootSourceOverrideMode": "Legacy"})
    );
    assert_eq!(double.with(|d| d.machine.boot_target.clone()), "Pxe");

    // Once asked, the ETag of the first read goes along at once.
    oob.set_boot(NextBoot::once(BootDevice::Disk)).await.unwrap();
    let log = double.take_log();
    assert_eq!(
        requests(&log),
        [
            "GET /redfish/v1/Systems/1 200",
            "PATCH /redfish/v1/Systems/1 204",
            "GET /redfish/v1/Systems/1 200",
        ]
    );
    assert_eq!(log[1].if_match.as_deref(), Some("W/\"2\""));
    assert_eq!(double.with(|d| d.machine.boot_target.clone()), "Hdd");
}

#[tokio::test]
async fn the_inventory_reads_every_field_the_bmc_has() {
    let double = Double::start().await;
    let oob = connect(double.bmc("n2"));
    let inv = oob.inventory().await.unwrap();
    assert_eq!(inv.manufacturer.as_deref(), Some("Double Systems"));
    assert_eq!(inv.model.as_deref(), Some("DS-1"));
    assert_eq!(inv.serial_number.as_deref(), Some("SN-0001"));
    assert_eq!(inv.bios_version.as_deref(), Some("2.4.1"));
    assert_eq!(inv.bmc_firmware.as_deref(), Some("7.10.30.00"));
    assert_eq!(inv.cpu_count, Some(2));
    assert_eq!(inv.cpu_threads, Some(64));
    assert_eq!(inv.cpu_model.as_deref(), Some("Xeon Double"));
    assert_eq!(inv.memory_gib, Some(384.0));
    assert_eq!(inv.health.as_deref(), Some("Warning"));
    let nics: Vec<_> = inv
        .nics
        .iter()
        .map(|n| (n.name.as_str(), n.mac.as_deref()))
        .collect();
    assert_eq!(
        nics,
        [
            ("NIC.1", Some("b8:ce:f6:00:00:01")),
            ("NIC.2", Some("b8:ce:f6:00:00:02"))
        ]
    );
    let drives: Vec<_> = inv
        .drives
        .iter()
        .map(|d| (d.name.as_str(), d.capacity_bytes))
        .collect();
    assert_eq!(
        drives,
        [
            ("Disk 0", Some(960_197_124_096)),
            ("Disk 1", Some(960_197_124_096))
        ]
    );
}

#[tokio::test]
async fn a_transition_that_never_happens_times_out_naming_the_state_seen() {
    let double = Double::start().await;
    double.with(|d| d.behaviour.resets_apply = false);
    let settings = Arc::new(OobSettings {
        wait: PowerWait {
            interval: Duration::from_millis(100),
            timeout: Duration::from_secs(1),
        },
        ..OobSettings::default()
    });
    let oob = drydock::oob::connect(double.bmc("n2"), settings).unwrap();
    let e = oob.power_on().await.unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Timeout, "{e}");
    assert!(e.message.contains("still reports off"), "{e}");
    assert_eq!(double.with(|d| d.machine.resets.clone()), ["On"]);
}

#[tokio::test]
async fn a_refused_reset_gives_the_bmc_s_message_ids() {
    let double = Double::start().await;
    double.with(|d| d.behaviour.resets_refused = true);
    let oob = connect(double.bmc("n2"));
    let e = oob.power_on().await.unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Refused, "{e}");
    assert!(
        e.message
            .contains("Base.1.8.ActionNotSupported: The action ComputerSystem.Reset is not supported"),
        "{e}"
    );
    assert!(!e.message.contains("attempts"), "a refusal is not retried: {e}");
}

#[tokio::test]
async fn without_a_session_service_http_basic_is_used() {
    let double = Double::start().await;
    double.with(|d| d.behaviour.sessions = false);
    let oob = connect(double.bmc("n2"));
    assert_eq!(oob.power_state().await.unwrap(), PowerState::Off);
    oob.power_state().await.unwrap();
    let log = double.take_log();
    assert_eq!(
        requests(&log),
        [
            "GET /redfish/v1/ 200",
            "POST /redfish/v1/SessionService/Sessions 405",
            "GET /redfish/v1/Systems 200",
            "GET /redfish/v1/Systems/1 200",
            "GET /redfish/v1/Systems/1 200",
        ]
    );
    assert!(log[2..].iter().all(|s| s.basic && s.token.is_none()));
    oob.close().await;
    assert!(double.take_log().is_empty(), "nothing to log out of");
}

#[tokio::test]
async fn a_redirected_system_is_followed_with_the_session() {
    let double = Double::start().await;
    double.with(|d| d.behaviour.redirect_system = true);
    let oob = connect(double.bmc("n2"));
    oob.power_on().await.unwrap();
    oob.set_boot(NextBoot::once(BootDevice::Pxe)).await.unwrap();
    let log = double.take_log();
    assert!(
        count(&log, "GET", "/redfish/v1/Systems/1/") > 0,
        "{:?}",
        requests(&log)
    );
    assert!(
        log.iter()
            .filter(|s| s.path == "/redfish/v1/Systems/1")
            .all(|s| s.token.is_some())
    );
    assert_eq!(
        count(&log, "PATCH", "/redfish/v1/Systems/1/"),
        2,
        "PATCH redirected too"
    );
    assert_eq!(
        double.with(|d| (d.machine.power, d.machine.boot_target.clone())),
        ("On", "Pxe".into())
    );
}
