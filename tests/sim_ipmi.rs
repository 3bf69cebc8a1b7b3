//! The simulator's IPMI responder against the real `ipmitool -I lanplus`: power, boot device,
//! device ID and FRU through cipher suites 3 and 17, with the in-memory chassis's state
//! checked as well as ipmitool's output; logins that must fail (wrong password, unknown
//! user, a refused login, suite 0) fail and reach nothing; a hung BMC makes ipmitool give up.
//! Every datagram is logged by the message or command it carried. Drydock's own IPMI driver
//! is run against it too, through both suites.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use drydock::design::model::OobType;
use drydock::oob::{
    BootDevice, BootPersistence, NextBoot, OobErrorKind, OobSettings, PowerRequest, PowerState, Secret,
    TlsMode,
};
use drydock::sim::bmc::ipmi::IpmiResponder;
use drydock::sim::bmc::{BmcFault, Identity, MemoryChassis};
use drydock::sim::{BmcProtocol, Requester};

const USER: &str = "admin";
const PASSWORD: &str = "s3cret-pw";
/// Hang protection only: every ipmitool run here is bounded by its own -N/-R.
const IPMITOOL_LIMIT: Duration = Duration::from_secs(60);
/// ipmitool's timeout (s) and tries: room for a loaded machine…
const PATIENT: [&str; 4] = ["-N", "3", "-R", "2"];
/// … and for a BMC that is known to answer nothing.
const IMPATIENT: [&str; 4] = ["-N", "1", "-R", "1"];

/// A BMC served on a free loopback port until dropped.
struct Bmc {
    chassis: Arc<MemoryChassis>,
    responder: IpmiResponder,
    // Declared last: the responder's task is aborted before its runtime goes.
    runtime: tokio::runtime::Runtime,
}

impl Bmc {
    fn start() -> Bmc {
        let identity = Identity {
            name: "node01".into(),
            uuid: "6c2b4f0e-2f44-4a8e-9d3f-0a1b2c3d4e5f".into(),
            manufacturer: "Acme Servers".into(),
            model: "R-100".into(),
            serial_number: "SN-0001".into(),
            ..Identity::default()
        };
        let chassis = Arc::new(MemoryChassis::new(identity, USER, PASSWORD));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let socket = runtime
            .block_on(tokio::net::UdpSocket::bind("127.0.0.1:0"))
            .expect("a free UDP port on loopback");
        let responder = {
            let _entered = runtime.enter();
            IpmiResponder::start(socket, chassis.clone()).expect("the responder starts")
        };
        Bmc {
            chassis,
            responder,
            runtime,
        }
    }

    fn ipmitool(&self, suite: u8, args: &[&str]) -> Run {
        self.ipmitool_as(USER, PASSWORD, PATIENT, suite, args)
    }

    fn ipmitool_as(&self, user: &str, password: &str, timing: [&str; 4], suite: u8, args: &[&str]) -> Run {
        let port = self.responder.local_addr().port().to_string();
        let suite = suite.to_string();
        let mut command = Command::new("ipmitool");
        command
            .args([
                "-I",
                "lanplus",
                "-H",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                user,
                "-E",
                "-C",
                &suite,
            ])
            .args(timing)
            .args(args)
            .env("IPMI_PASSWORD", password);
        run(command)
    }

    /// Drydock's IPMI driver for this BMC, as the design would name it.
    fn driver(&self, password: &str, cipher_suite: u8) -> drydock::oob::Oob {
        let bmc = drydock::oob::Bmc {
            node: "node01".into(),
            protocol: OobType::Ipmi,
            address: "10.40.0.21".into(),
            endpoint: self.responder.local_addr().to_string(),
            account: USER.into(),
            credential: Secret::new(password),
            tls: TlsMode::Verify,
            cipher_suite,
        };
        drydock::oob::connect(bmc, Arc::new(OobSettings::default())).unwrap_or_else(|e| panic!("{e}"))
    }

    fn requests(&self) -> Vec<PowerRequest> {
        self.chassis.state.lock().unwrap().requests.clone()
    }

    fn set_fault(&self, fault: BmcFault) {
        self.chassis.state.lock().unwrap().fault = Some(fault);
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(self) -> String {
        assert_eq!(
            self.code,
            Some(0),
            "ipmitool failed:\n{}\n{}",
            self.stdout,
            self.stderr
        );
        self.stdout
    }

    fn failed(self) -> Run {
        assert_eq!(
            self.code,
            Some(1),
            "ipmitool should have failed:\n{}\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Runs ipmitool to its end, killed if it outlives [`IPMITOOL_LIMIT`].
fn run(mut command: Command) -> Run {
    let started = Instant::now();
    let mut child = match command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("ipmitool is not installed; install it with `apt-get install ipmitool`")
        }
        Err(e) => panic!("ipmitool did not start: {e}"),
    };
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        stdout.read_to_string(&mut s).map(|_| s)
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).map(|_| s)
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("ipmitool's status") {
            break status;
        }
        if started.elapsed() > IPMITOOL_LIMIT {
            let _ = child.kill();
            panic!("ipmitool still running after {IPMITOOL_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code(),
        stdout: out.join().expect("reader").expect("stdout"),
        stderr: err.join().expect("reader").expect("stderr"),
    }
}

fn assert_contains(haystack: &str, needle: &str) {
    assert!(haystack.contains(needle), "expected {needle:?} in:\n{haystack}");
}

const SUITES: [u8; 2] = [3, 17];

#[test]
fn power_is_read_and_changed_through_both_cipher_suites() {
    for suite in SUITES {
        let bmc = Bmc::start();
        assert_eq!(
            bmc.ipmitool(suite, &["chassis", "power", "status"]).ok(),
            "Chassis Power is off\n"
        );

        assert_eq!(
            bmc.ipmitool(suite, &["chassis", "power", "on"]).ok(),
            "Chassis Power Control: Up/On\n"
        );
        assert_eq!(bmc.requests(), [PowerRequest::On]);
        assert_eq!(
            bmc.ipmitool(suite, &["chassis", "power", "status"]).ok(),
            "Chassis Power is on\n"
        );

        assert_eq!(
            bmc.ipmitool(suite, &["chassis", "power", "cycle"]).ok(),
            "Chassis Power Control: Cycle\n"
        );
        assert_eq!(
            bmc.ipmitool(suite, &["chassis", "power", "soft"]).ok(),
            "Chassis Power Control: Soft\n"
        );
        assert_eq!(
            bmc.ipmitool(suite, &["chassis", "power", "status"]).ok(),
            "Chassis Power is off\n"
        );
        assert_eq!(
            bmc.ipmitool(suite, &["chassis", "power", "on"]).ok(),
            "Chassis Power Control: Up/On\n"
        );
        assert_eq!(
            bmc.ipmitool(suite, &["chassis", "power", "off"]).ok(),
            "Chassis Power Control: Down/Off\n"
        );
        use PowerRequest::*;
        assert_eq!(bmc.requests(), [On, Cycle, GracefulOff, On, ForceOff]);

        // A machine that is off is not cycled: the BMC says so and the chassis hears nothing.
        let refused = bmc.ipmitool(suite, &["chassis", "power", "cycle"]).failed();
        assert_contains(&refused.stderr, "Command not supported in present state");
        assert_eq!(bmc.requests().len(), 5);

        // The raw status byte: bit 0 is the power.
        assert_eq!(bmc.ipmitool(suite, &["raw", "0x00", "0x01"]).ok(), " 20 00 00\n");
    }
}

#[test]
fn the_boot_device_is_set_and_read_back_with_its_persistence_and_efi_bits() {
    for suite in SUITES {
        let bmc = Bmc::start();
        assert_eq!(
            bmc.ipmitool(suite, &["chassis", "bootdev", "pxe"]).ok(),
            "Set Boot Device to pxe\n"
        );
        assert_eq!(
            bmc.chassis.state.lock().unwrap().next_boot,
            Some(NextBoot::once(BootDevice::Pxe))
        );
        let read = bmc.ipmitool(suite, &["chassis", "bootparam", "get", "5"]).ok();
        assert_contains(&read, "Boot parameter data: 8004000000");
        assert_contains(&read, "Boot Flag Valid");
        assert_contains(&read, "Options apply to only next boot");
        assert_contains(&read, "Boot Device Selector : Force PXE");

        let persistent_efi = ["chassis", "bootdev", "pxe", "options=persistent,efiboot"];
        assert_eq!(
            bmc.ipmitool(suite, &persistent_efi).ok(),
            "Set Boot Device to pxe\n"
        );
        let expected = NextBoot {
            device: BootDevice::Pxe,
            persistence: BootPersistence::Persistent,
            uefi: true,
        };
        assert_eq!(bmc.chassis.state.lock().unwrap().next_boot, Some(expected));
        let read = bmc.ipmitool(suite, &["chassis", "bootparam", "get", "5"]).ok();
        assert_contains(&read, "Boot parameter data: e004000000");
        assert_contains(&read, "Options apply to all future boots");
        assert_contains(&read, "BIOS EFI boot");

        assert_eq!(
            bmc.ipmitool(suite, &["chassis", "bootdev", "disk"]).ok(),
            "Set Boot Device to disk\n"
        );
        assert_eq!(
            bmc.chassis.state.lock().unwrap().next_boot,
            Some(NextBoot::once(BootDevice::Disk))
        );
        assert_eq!(
            bmc.ipmitool(suite, &["raw", "0x00", "0x09", "0x05", "0x00", "0x00"])
                .ok(),
            " 01 05 80 08 00 00 00\n"
        );

        // Drydock's own sequence: keep the flags past 60 s, then PXE for the next boot only.
        bmc.ipmitool(suite, &["raw", "0x00", "0x08", "0x03", "0x08"]).ok();
        bmc.ipmitool(
            suite,
            &[
                "raw", "0x00", "0x08", "0x05", "0x80", "0x04", "0x00", "0x00", "0x00",
            ],
        )
        .ok();
        assert_eq!(
            bmc.chassis.state.lock().unwrap().next_boot,
            Some(NextBoot::once(BootDevice::Pxe))
        );
        assert_eq!(
            bmc.ipmitool(suite, &["raw", "0x00", "0x09", "0x03", "0x00", "0x00"])
                .ok(),
            " 01 03 08\n"
        );

        // A device the machine does not have is refused, with raw's non-zero exit.
        let refused = bmc
            .ipmitool(
                suite,
                &[
                    "raw", "0x00", "0x08", "0x05", "0x80", "0x14", "0x00", "0x00", "0x00",
                ],
            )
            .failed();
        assert_contains(&refused.stderr, "rsp=0xcc");
        assert_eq!(
            bmc.chassis.state.lock().unwrap().next_boot,
            Some(NextBoot::once(BootDevice::Pxe))
        );
    }
}

#[test]
fn device_id_mc_info_and_fru_describe_the_machine() {
    for suite in SUITES {
        let bmc = Bmc::start();
        assert_eq!(
            bmc.ipmitool(suite, &["raw", "0x06", "0x01"]).ok(),
            " 20 01 01 00 02 88 d9 7e 00 01 00 00 00 00 00\n"
        );
        let info = bmc.ipmitool(suite, &["mc", "info"]).ok();
        assert_contains(&info, "IPMI Version              : 2.0");
        assert_contains(&info, "Manufacturer ID           : 32473");
        assert_contains(&info, "Firmware Revision         : 1.00");
        assert_contains(&info, "Chassis Device");

        let fru = bmc.ipmitool(suite, &["fru", "print", "0"]).ok();
        assert_contains(&fru, "Product Manufacturer  : Acme Servers");
        assert_contains(&fru, "Product Name          : node01");
        assert_contains(&fru, "Product Part Number   : R-100");
        assert_contains(&fru, "Product Serial        : SN-0001");

        // Unknown commands: completion code 0xC1.
        let unknown = bmc.ipmitool(suite, &["raw", "0x06", "0x99"]).failed();
        assert_contains(&unknown.stderr, "rsp=0xc1");
    }
}

#[test]
fn the_cipher_suites_are_listed_and_suite_0_and_others_refused() {
    let bmc = Bmc::start();
    let list = bmc.ipmitool(3, &["channel", "getciphers", "ipmi"]).ok();
    assert_contains(&list, "3    N/A     hmac_sha1       hmac_sha1_96    aes_cbc_128");
    assert_contains(&list, "17   N/A     hmac_sha256     sha256_128      aes_cbc_128");
    assert_eq!(list.lines().count(), 3, "a header and two suites:\n{list}");

    for (suite, why) in [
        (0, "invalid authentication algorithm"),
        (1, "invalid integrity algorithm"),
        (2, "invalid confidentiality algorithm"),
        (6, "invalid authentication algorithm"),
    ] {
        let refused = bmc.ipmitool(suite, &["chassis", "power", "on"]).failed();
        assert_contains(&refused.stderr, why);
        assert_contains(&refused.stderr, "Unable to establish IPMI v2 / RMCP+ session");
    }
    assert!(bmc.requests().is_empty());
}

#[test]
fn a_wrong_password_an_unknown_user_and_a_refused_login_reach_nothing() {
    for suite in SUITES {
        let bmc = Bmc::start();
        let wrong = bmc
            .ipmitool_as(
                USER,
                "not-the-password",
                PATIENT,
                suite,
                &["-v", "chassis", "power", "on"],
            )
            .failed();
        assert_contains(&wrong.stderr, "RAKP 2 HMAC is invalid");
        assert_contains(&wrong.stderr, "Unable to establish IPMI v2 / RMCP+ session");

        let unknown = bmc
            .ipmitool_as(
                "mallory",
                PASSWORD,
                PATIENT,
                suite,
                &["-v", "chassis", "power", "on"],
            )
            .failed();
        assert_contains(&unknown.stderr, "unauthorized name");

        bmc.set_fault(BmcFault::RefuseLogin);
        let refused = bmc.ipmitool(suite, &["-v", "chassis", "power", "on"]).failed();
        assert_contains(&refused.stderr, "RAKP 2 HMAC is invalid");
        assert!(bmc.requests().is_empty());
        assert!(!bmc.chassis.state.lock().unwrap().powered);
    }
}

#[test]
fn a_hung_bmc_answers_nothing_and_ipmitool_gives_up() {
    let bmc = Bmc::start();
    bmc.set_fault(BmcFault::Timeout);
    let hung = bmc
        .ipmitool_as(USER, PASSWORD, IMPATIENT, 3, &["chassis", "power", "on"])
        .failed();
    assert_contains(&hung.stderr, "Unable to establish IPMI v2 / RMCP+ session");
    assert!(bmc.requests().is_empty());
    let logged = bmc.responder.requests();
    assert!(
        !logged.is_empty() && logged.iter().all(|r| r.status == 0),
        "every datagram logged, none answered: {logged:?}"
    );

    // The same BMC answers again once the fault is gone.
    bmc.chassis.state.lock().unwrap().fault = None;
    assert_eq!(
        bmc.ipmitool(3, &["chassis", "power", "status"]).ok(),
        "Chassis Power is off\n"
    );
}

#[test]
fn every_datagram_is_logged_by_what_it_carried_with_the_power_change_it_made() {
    for suite in SUITES {
        let bmc = Bmc::start();
        bmc.ipmitool(suite, &["raw", "0x00", "0x02", "0x01"]).ok();
        let logged = bmc.responder.requests();
        for r in &logged {
            assert_eq!(
                (r.node.as_str(), r.protocol, r.from, r.method.as_str(), r.status),
                ("node01", BmcProtocol::Ipmi, Requester::Client, "IPMI", 200),
                "{r:?}"
            );
        }
        // ipmitool's login, the command and the logout, in this order (it may ask more,
        // such as the channel's cipher suites, around them).
        let carried: Vec<&str> = logged.iter().map(|r| r.path.as_str()).collect();
        let expected = [
            "Get Channel Authentication Capabilities",
            "Open Session",
            "RAKP 1",
            "RAKP 3",
            "Set Session Privilege Level",
            "Chassis Control",
            "Close Session",
        ];
        let mut rest = carried.iter();
        for step in expected {
            assert!(
                rest.any(|c| *c == step),
                "{step} missing or out of order in {carried:?}"
            );
        }
        let powered: Vec<_> = logged
            .iter()
            .filter_map(|r| r.power.map(|p| (r.path.as_str(), p)))
            .collect();
        assert_eq!(powered, [("Chassis Control", PowerRequest::On)], "suite {suite}");
        assert_eq!(bmc.requests(), [PowerRequest::On]);
    }
}

#[test]
fn consoles_logged_in_at_once_each_get_their_own_session() {
    let bmc = Bmc::start();
    std::thread::scope(|scope| {
        let runs: Vec<_> = (0..8)
            .map(|i| {
                let bmc = &bmc;
                scope.spawn(move || {
                    let suite = SUITES[i % 2];
                    bmc.ipmitool(suite, &["raw", "0x00", "0x02", "0x01"]).ok();
                    bmc.ipmitool(suite, &["chassis", "power", "status"]).ok()
                })
            })
            .collect();
        for run in runs {
            assert_eq!(run.join().expect("a console thread"), "Chassis Power is on\n");
        }
    });
    assert_eq!(bmc.requests(), [PowerRequest::On; 8]);
}

#[test]
fn drydocks_ipmi_driver_drives_the_simulated_bmc_through_both_suites() {
    for suite in SUITES {
        let bmc = Bmc::start();
        let oob = bmc.driver(PASSWORD, suite);
        bmc.runtime.block_on(async {
            assert_eq!(oob.power_state().await.unwrap(), PowerState::Off);
            let on = oob.power_on().await.unwrap();
            assert_eq!(
                (on.from, on.to, on.changed),
                (PowerState::Off, PowerState::On, true)
            );
            let boot = NextBoot {
                device: BootDevice::Pxe,
                persistence: BootPersistence::Persistent,
                uefi: true,
            };
            oob.set_boot(boot).await.unwrap();
            assert_eq!(bmc.chassis.state.lock().unwrap().next_boot, Some(boot));
            let cycle = oob.power_cycle().await.unwrap();
            assert_eq!(cycle.to, PowerState::On);
            let off = oob.power_off(true).await.unwrap();
            assert_eq!(off.to, PowerState::Off);

            let inventory = oob.inventory().await.unwrap();
            assert_eq!(inventory.bmc_firmware.as_deref(), Some("1.00"));
            assert_eq!(inventory.manufacturer.as_deref(), Some("Acme Servers"));
            assert_eq!(inventory.serial_number.as_deref(), Some("SN-0001"));
            oob.close().await;
        });
        use PowerRequest::*;
        assert_eq!(bmc.requests(), [On, ForceOff, On, GracefulOff]);

        let wrong = bmc.driver("not-the-password", suite);
        let refused = bmc.runtime.block_on(wrong.power_state()).unwrap_err();
        assert_eq!(refused.kind, OobErrorKind::Auth, "{refused}");
    }
}
