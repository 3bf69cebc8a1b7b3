//! The driver against transports in memory: which bytes go out for each operation, how
//! answers read, and what every completion code becomes.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::transport::{NetFn, Request, TransportError};
use super::*;
use crate::design::model::OobType;
use crate::oob::{BootDevice, BootPersistence, Secret, TlsMode};

const FRU: &[u8] = include_bytes!("../../../tests/fixtures/ipmi/fru.bin");

/// Get Device ID as ipmi_sim answers it.
const DEVICE_ID: [u8; 15] = [
    0x00, 0x03, 0x09, 0x08, 0x02, 0x9f, 0x91, 0x12, 0x00, 0x02, 0x0f, 0x00, 0x00, 0x00, 0x00,
];

type Answer = Box<dyn Fn(&Request) -> Result<Response, TransportError> + Send + Sync>;
type Sent = Arc<Mutex<Vec<(u8, u8, Vec<u8>)>>>;

struct Mock {
    sent: Sent,
    answer: Answer,
}

#[async_trait]
impl IpmiTransport for Mock {
    async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        self.sent
            .lock()
            .unwrap()
            .push((request.netfn.code(), request.cmd, request.data.clone()));
        (self.answer)(request)
    }
}

fn bmc() -> Bmc {
    Bmc {
        node: "n1".into(),
        protocol: OobType::Ipmi,
        address: "10.0.0.1".into(),
        endpoint: "127.0.0.1:9623".into(),
        account: "admin".into(),
        credential: Secret::new("hunter2"),
        tls: TlsMode::Verify,
        cipher_suite: 3,
    }
}

fn driver(
    answer: impl Fn(&Request) -> Result<Response, TransportError> + Send + Sync + 'static,
) -> (IpmiDriver, Sent) {
    let sent = Sent::default();
    let mock = Mock {
        sent: sent.clone(),
        answer: Box::new(answer),
    };
    (IpmiDriver::new(bmc(), Box::new(mock)), sent)
}

fn ok(data: &[u8]) -> Result<Response, TransportError> {
    Ok(Response {
        completion: CompletionCode::OK,
        data: data.to_vec(),
    })
}

fn code(c: u8) -> Result<Response, TransportError> {
    Ok(Response {
        completion: CompletionCode(c),
        data: vec![],
    })
}

fn sent(s: &Sent) -> Vec<(u8, u8, Vec<u8>)> {
    s.lock().unwrap().clone()
}

/// A BMC that keeps the boot device and nothing else of the flags, as ipmi_sim does.
fn boot_keeper() -> (IpmiDriver, Sent) {
    let device = Mutex::new(0x08u8);
    driver(move |r| match (r.cmd, r.data.as_slice()) {
        (0x08, [0x03, _]) => ok(&[]),
        (0x08, [0x05, _, d, ..]) => {
            *device.lock().unwrap() = *d;
            ok(&[])
        }
        (0x09, [0x05, 0, 0]) => ok(&[0x01, 0x05, 0x00, *device.lock().unwrap(), 0, 0, 0]),
        _ => code(0xC1),
    })
}

#[tokio::test]
async fn power_is_read_from_chassis_status() {
    for (byte, state) in [
        (0x00, PowerState::Off),
        (0x01, PowerState::On),
        (0x61, PowerState::On),
    ] {
        let (d, s) = driver(move |_| ok(&[byte, 0x00, 0x00]));
        assert_eq!(d.power_state().await.unwrap(), state);
        assert_eq!(sent(&s), [(0x00, 0x01, vec![])]);
    }
}

#[tokio::test]
async fn each_power_request_is_one_chassis_control() {
    for (request, byte) in [
        (PowerRequest::On, 0x01),
        (PowerRequest::ForceOff, 0x00),
        (PowerRequest::GracefulOff, 0x05),
        (PowerRequest::Cycle, 0x02),
    ] {
        let (d, s) = driver(|_| ok(&[]));
        d.request_power(request).await.unwrap();
        assert_eq!(sent(&s), [(0x00, 0x02, vec![byte])], "{request}");
    }
}

#[tokio::test]
async fn next_boot_writes_parameter_3_then_5_and_reads_5_back() {
    use BootDevice::*;
    use BootPersistence::*;
    let cases = [
        (Pxe, Once, false, 0x80, 0x04),
        (Pxe, Once, true, 0xA0, 0x04),
        (Pxe, Persistent, false, 0xC0, 0x04),
        (Pxe, Persistent, true, 0xE0, 0x04),
        (Disk, Once, false, 0x80, 0x08),
        (Disk, Once, true, 0xA0, 0x08),
        (Disk, Persistent, false, 0xC0, 0x08),
        (Disk, Persistent, true, 0xE0, 0x08),
    ];
    for (device, persistence, uefi, flags, selector) in cases {
        let boot = NextBoot {
            device,
            persistence,
            uefi,
        };
        let (d, s) = boot_keeper();
        d.set_next_boot(boot).await.unwrap();
        assert_eq!(
            sent(&s),
            [
                (0x00, 0x08, vec![0x03, 0x08]),
                (0x00, 0x08, vec![0x05, flags, selector, 0, 0, 0]),
                (0x00, 0x09, vec![0x05, 0x00, 0x00]),
            ],
            "{boot:?}"
        );
    }
}

#[tokio::test]
async fn a_boot_device_that_does_not_stick_is_reported() {
    // Accepts every write, always reads back "default hard drive".
    let (d, _) = driver(|r| match r.cmd {
        0x09 => ok(&[0x01, 0x05, 0x80, 0x08, 0, 0, 0]),
        _ => ok(&[]),
    });
    let e = d
        .set_next_boot(NextBoot::once(BootDevice::Pxe))
        .await
        .unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Transient);
    assert!(
        e.message
            .contains("accepted boot device PXE but reads back default hard drive"),
        "{e}"
    );
}

#[tokio::test]
async fn boot_option_rejections_name_the_code() {
    // Parameter 3 not supported: tolerated, the flags still go out.
    let (d, s) = driver(|r| match r.data.first() {
        Some(0x03) => code(0x80),
        _ if r.cmd == 0x09 => ok(&[0x01, 0x05, 0x80, 0x04, 0, 0, 0]),
        _ => ok(&[]),
    });
    d.set_next_boot(NextBoot::once(BootDevice::Pxe)).await.unwrap();
    assert_eq!(sent(&s).len(), 3);

    // Parameter 5 refused (ipmi_sim's answer when its chassis script fails is 0xFF; a
    // BMC that does not know the device says 0xCC): nothing is read back.
    for (c, words, kind) in [
        (0xCC, "invalid data field in request", OobErrorKind::Refused),
        (0xFF, "unspecified error", OobErrorKind::Refused),
        (
            0x81,
            "boot options are being set by someone else",
            OobErrorKind::Transient,
        ),
    ] {
        let (d, s) = driver(move |r| match r.data.first() {
            Some(0x05) => code(c),
            _ => ok(&[]),
        });
        let e = d
            .set_next_boot(NextBoot::once(BootDevice::Pxe))
            .await
            .unwrap_err();
        assert_eq!(e.kind, kind);
        assert!(
            e.message.starts_with(&format!(
                "Set System Boot Options failed: completion code 0x{c:02X} ({words}"
            )),
            "{e}"
        );
        assert_eq!(sent(&s).len(), 2);
    }

    // Parameter 3 refused for another reason: stop there.
    let (d, s) = driver(|_| code(0xD4));
    let e = d
        .set_next_boot(NextBoot::once(BootDevice::Disk))
        .await
        .unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Auth);
    assert_eq!(sent(&s).len(), 1);
}

#[tokio::test]
async fn every_completion_code_becomes_an_error_of_its_kind() {
    for c in 1..=u8::MAX {
        let (d, _) = driver(move |_| code(c));
        let e = d.power_state().await.unwrap_err();
        let cc = CompletionCode(c);
        assert_eq!(e.kind, cc.kind(), "{cc}");
        assert_eq!(
            e.message,
            format!(
                "Get Chassis Status failed: completion code {cc} ({})",
                cc.meaning()
            )
        );
        assert_eq!(
            (e.node.as_str(), e.bmc.as_str(), e.protocol),
            ("n1", "10.0.0.1", "ipmi")
        );
    }
}

#[tokio::test]
async fn transport_failures_keep_their_kind_and_name_the_command() {
    for kind in [
        OobErrorKind::Auth,
        OobErrorKind::Unreachable,
        OobErrorKind::Config,
    ] {
        let (d, _) = driver(move |_| {
            Err(TransportError {
                kind,
                message: "the BMC at 127.0.0.1:9623 said so".into(),
            })
        });
        let e = d.request_power(PowerRequest::On).await.unwrap_err();
        assert_eq!(e.kind, kind);
        assert_eq!(e.message, "Chassis Control: the BMC at 127.0.0.1:9623 said so");
        assert!(!e.to_string().contains("hunter2"));
    }
}

/// A BMC serving [`FRU`] that answers at most `max` bytes a read (0xC8 beyond).
fn fru_server(max: u8) -> (IpmiDriver, Sent) {
    driver(move |r| match (r.netfn, r.cmd, r.data.as_slice()) {
        (NetFn::App, 0x01, []) => ok(&DEVICE_ID),
        (NetFn::Storage, 0x10, [0]) => ok(&[FRU.len() as u8, 0, 0]),
        (NetFn::Storage, 0x11, [0, lo, hi, count]) => {
            if *count > max {
                return code(0xC8);
            }
            let at = usize::from(u16::from_le_bytes([*lo, *hi]));
            let end = (at + usize::from(*count)).min(FRU.len());
            let mut out = vec![(end - at) as u8];
            out.extend_from_slice(&FRU[at..end]);
            ok(&out)
        }
        _ => code(0xC1),
    })
}

#[tokio::test]
async fn inventory_reads_device_id_and_fru() {
    let (d, s) = fru_server(32);
    let inv = d.inventory().await.unwrap();
    assert_eq!(inv.bmc_firmware.as_deref(), Some("9.08"));
    assert_eq!(inv.manufacturer.as_deref(), Some("Acme Corp"));
    assert_eq!(inv.model.as_deref(), Some("Server 9000"));
    assert_eq!(inv.serial_number.as_deref(), Some("PSN-42"));
    let extra = serde_json::Value::Object(inv.extra);
    assert_eq!(extra["ipmi_version"], "2.0");
    assert_eq!(extra["firmware_revision"], "9.08");
    assert_eq!(extra["manufacturer_id"], 4753);
    assert_eq!(extra["product_id"], 3842);
    assert_eq!(extra["device_id"], 0);
    assert_eq!(extra["device_revision"], 3);
    assert_eq!(extra["fru"]["board"]["manufacturer"], "Acme");
    assert_eq!(extra["fru"]["board"]["serial_number"], "BSN123");
    assert_eq!(extra["fru"]["product"]["asset_tag"], "asset7");
    assert!(extra["fru"].get("chassis").is_none());
    // Device id, area info, header, board (40 bytes: 32 + 8), product (56: 32 + 24).
    let reads: Vec<_> = sent(&s)
        .into_iter()
        .filter(|r| r.1 == 0x11)
        .map(|r| r.2)
        .collect();
    assert_eq!(
        reads,
        [
            vec![0, 0, 0, 8],
            vec![0, 8, 0, 32],
            vec![0, 40, 0, 8],
            vec![0, 48, 0, 32],
            vec![0, 80, 0, 24],
        ]
    );
}

#[tokio::test]
async fn fru_reads_shrink_to_what_the_bmc_accepts() {
    let (d, s) = fru_server(10);
    let inv = d.inventory().await.unwrap();
    assert_eq!(inv.serial_number.as_deref(), Some("PSN-42"));
    let counts: Vec<u8> = sent(&s)
        .into_iter()
        .filter(|r| r.1 == 0x11)
        .map(|r| r.2[3])
        .collect();
    assert!(
        counts.contains(&32) && counts.contains(&16) && counts.contains(&8),
        "{counts:?}"
    );
    assert!(counts.iter().filter(|c| **c > 10).count() <= 2, "{counts:?}");
}

#[tokio::test]
async fn a_bmc_without_fru_still_gives_its_device_id() {
    for c in [0xCB, 0xC1, 0xCC, 0xD5] {
        let (d, _) = driver(move |r| match r.netfn {
            NetFn::App => ok(&DEVICE_ID),
            _ => code(c),
        });
        let inv = d.inventory().await.unwrap();
        assert_eq!(inv.bmc_firmware.as_deref(), Some("9.08"));
        assert_eq!(inv.manufacturer, None);
        assert!(!inv.extra.contains_key("fru"));
    }
    // Busy is not "absent": the inventory fails and may be retried.
    let (d, _) = driver(|r| match r.netfn {
        NetFn::App => ok(&DEVICE_ID),
        _ => code(0xC0),
    });
    assert_eq!(d.inventory().await.unwrap_err().kind, OobErrorKind::Transient);
}

#[tokio::test]
async fn a_damaged_fru_header_leaves_the_fru_out() {
    let (d, _) = driver(|r| match (r.netfn, r.cmd) {
        (NetFn::App, _) => ok(&DEVICE_ID),
        (_, 0x10) => ok(&[0x00, 0x01, 0x00]),
        _ => ok(&[8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
    });
    let inv = d.inventory().await.unwrap();
    assert!(!inv.extra.contains_key("fru"));
    assert_eq!(inv.extra["ipmi_version"], "2.0");
}

#[tokio::test]
async fn short_answers_are_refused_not_panics() {
    let (d, _) = driver(|_| ok(&[]));
    let e = d.power_state().await.unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Refused);
    assert!(
        e.message.contains("Get Chassis Status answered 0 data bytes"),
        "{e}"
    );
    assert!(d.inventory().await.is_err());
    assert!(d.set_next_boot(NextBoot::once(BootDevice::Pxe)).await.is_err());
}

proptest::proptest! {
    /// Whatever a BMC answers, every operation returns; none panics or loops.
    #[test]
    fn any_answer_is_handled(answer in proptest::collection::vec(proptest::num::u8::ANY, 0..40), cc in 0u8..3) {
        let completion = CompletionCode([0x00, 0xC8, 0xCB][usize::from(cc)]);
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let (d, s) = driver(move |_| Ok(Response { completion, data: answer.clone() }));
            let _ = d.power_state().await;
            let _ = d.set_next_boot(NextBoot::once(BootDevice::Pxe)).await;
            let _ = d.inventory().await;
            proptest::prop_assert!(s.lock().unwrap().len() < 20_000);
            Ok(())
        })?;
    }
}
