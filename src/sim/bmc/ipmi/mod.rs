//! A simulated BMC's IPMI v2.0 "lanplus" responder: what `ipmitool -I lanplus` (and any
//! RMCP+ console) talks to over UDP. Its parts:
//! * `rmcp.rs`: packet framing (RMCP, ASF ping/pong, IPMI 1.5 and 2.0 session headers, the
//!   IPMI message and its checksums);
//! * `session.rs`: RMCP+ session setup (Open Session, RAKP 1–4), per-session keys, sequence
//!   numbers, privilege, Close Session, the bounds on sessions;
//! * `crypto.rs`: the HMACs, key derivation and AES-CBC-128 of cipher suites 3 and 17;
//! * `commands.rs`: the IPMI commands answered, acting on the machine through [`Chassis`];
//! * `fru.rs`: the FRU inventory image.
//!
//! This file is the responder: `Bmc` turns one datagram into its answer (if any), and
//! [`IpmiResponder`] runs it on a UDP socket, logging every datagram (by the message or
//! command it carried) as a BMC request. The fault planted on the chassis applies:
//! `Timeout` answers nothing; `RefuseLogin` makes every login fail as a wrong password does.
//! As on real BMCs, boot flags set here are cleared 60 s later (restarted by each Chassis
//! Control) unless boot option parameter 3 says to keep them.

mod commands;
mod crypto;
mod fru;
mod rmcp;
mod session;

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

use super::request_log::{BmcRequest, BmcRequestLog, Requester};
use super::{BmcFault, Chassis};
use crate::oob::PowerRequest;
use crate::sim::BmcProtocol;
use commands::BootOptions;
use rmcp::{Datagram, PlusPacket, Request, SessionHeader};
use session::{Answer, Privilege, Sessions};

pub use session::{IDLE_TIMEOUT, MAX_SESSIONS};

/// IPMI datagrams are small; a longer one is cut here and so fails to parse.
const MAX_DATAGRAM: usize = 2048;

/// One BMC's protocol state: its sessions and the boot options it keeps itself.
struct Bmc {
    chassis: Arc<dyn Chassis>,
    sessions: Sessions,
    boot: BootOptions,
}

impl Bmc {
    fn new(chassis: Arc<dyn Chassis>) -> Bmc {
        let guid = guid(&chassis.identity());
        Bmc {
            chassis,
            sessions: Sessions::new(guid),
            boot: BootOptions::default(),
        }
    }

    /// The answer to one datagram received at `now`, or `None`: malformed, failing its
    /// integrity check or sequence number, for no known session, or the BMC is hung. What
    /// the datagram asked, as far as it was read, goes to `asked`.
    fn handle(&mut self, datagram: &[u8], now: Instant, asked: &mut Asked) -> Option<Vec<u8>> {
        self.boot.expire(&*self.chassis, now);
        if self.chassis.fault() == Some(BmcFault::Timeout) {
            return None;
        }
        self.sessions.expire(now);
        match rmcp::parse(datagram)? {
            Datagram::Ping { tag } => {
                asked.what = "ASF Ping".into();
                Some(rmcp::pong(tag))
            }
            Datagram::Unauthenticated15 { message } => {
                let request = Request::parse(message)?;
                let (code, data) = self.command(&request, None, now, asked);
                Some(rmcp::unauthenticated_15(&request.respond(code, &data)))
            }
            Datagram::Plus(packet) => self.plus(&packet, now, asked),
        }
    }

    /// Answers an IPMI command from a caller at `privilege` (`None`: outside a session).
    fn command(
        &mut self,
        request: &Request,
        privilege: Option<Privilege>,
        now: Instant,
        asked: &mut Asked,
    ) -> Answer {
        let answer = commands::answer(&mut self.boot, &*self.chassis, privilege, request, now);
        asked.what = commands::name(request.netfn, request.cmd);
        asked.power = commands::power_accepted(request, answer.0);
        answer
    }

    fn plus(&mut self, packet: &PlusPacket, now: Instant, asked: &mut Asked) -> Option<Vec<u8>> {
        let header = packet.header;
        if header.session_id != 0 {
            let (boot, chassis) = (&mut self.boot, &*self.chassis);
            let mut power = None;
            let (reply, netfn, cmd) = self.sessions.exchange(packet, now, |privilege, request| {
                let answer = commands::answer(boot, chassis, Some(privilege), request, now);
                power = commands::power_accepted(request, answer.0);
                answer
            })?;
            asked.what = commands::name(netfn, cmd);
            asked.power = power;
            return Some(reply);
        }
        // Outside a session: nothing signed or encrypted is expected.
        if header.authenticated || header.encrypted {
            return None;
        }
        let (answer_type, answer) = match header.payload_type {
            rmcp::PAYLOAD_IPMI => {
                let request = Request::parse(packet.payload)?;
                let (code, data) = self.command(&request, None, now, asked);
                (rmcp::PAYLOAD_IPMI, request.respond(code, &data))
            }
            rmcp::PAYLOAD_OPEN_SESSION_REQUEST => {
                asked.what = "Open Session".into();
                (
                    rmcp::PAYLOAD_OPEN_SESSION_RESPONSE,
                    self.sessions.open(packet.payload, now)?,
                )
            }
            rmcp::PAYLOAD_RAKP_1 => {
                asked.what = "RAKP 1".into();
                (
                    rmcp::PAYLOAD_RAKP_2,
                    self.sessions.rakp1(packet.payload, &*self.chassis, now)?,
                )
            }
            rmcp::PAYLOAD_RAKP_3 => {
                asked.what = "RAKP 3".into();
                (rmcp::PAYLOAD_RAKP_4, self.sessions.rakp3(packet.payload, now)?)
            }
            _ => return None,
        };
        let header = SessionHeader {
            payload_type: answer_type,
            encrypted: false,
            authenticated: false,
            session_id: 0,
            sequence: 0,
        };
        Some(rmcp::plus(&header, &answer))
    }
}

/// What one datagram asked, for the BMC request log.
struct Asked {
    /// The RMCP+ message or IPMI command (`RAKP 1`, `Get Chassis Status`).
    what: String,
    /// The power change it made the machine accept.
    power: Option<PowerRequest>,
}

impl Default for Asked {
    fn default() -> Asked {
        Asked {
            what: "datagram".into(),
            power: None,
        }
    }
}

/// GUIDc: the machine's UUID when it is one (32 hex digits, dashes aside), else 16 bytes
/// derived from its name so that it is stable per node.
fn guid(identity: &super::Identity) -> [u8; 16] {
    let digits: Vec<u8> = identity
        .uuid
        .chars()
        .filter(|c| *c != '-')
        .map(|c| c.to_digit(16).map(|d| d as u8))
        .collect::<Option<_>>()
        .unwrap_or_default();
    let mut out = [0u8; 16];
    if digits.len() == 32 {
        for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
            *byte = (pair[0] << 4) | pair[1];
        }
    } else {
        use sha2::Digest;
        out.copy_from_slice(&sha2::Sha256::digest(identity.name.as_bytes())[..16]);
    }
    out
}

/// Answers datagrams on `socket` for `chassis` until the task is dropped or aborted, logging
/// each to `log`; clears boot flags that time out meanwhile.
pub async fn serve(socket: UdpSocket, chassis: Arc<dyn Chassis>, log: Arc<Mutex<BmcRequestLog>>) {
    let node = chassis.identity().name;
    let mut bmc = Bmc::new(chassis);
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        let received = tokio::select! {
            received = socket.recv_from(&mut buf) => received,
            () = until(bmc.boot.deadline()) => {
                bmc.boot.expire(&*bmc.chassis, Instant::now());
                continue;
            }
        };
        // Errors on a UDP socket concern one datagram (an ICMP error for an earlier
        // answer): the responder goes on.
        let (len, peer) = match received {
            Ok(received) => received,
            Err(e) => {
                tracing::debug!(error = %e, "IPMI responder: receive failed");
                continue;
            }
        };
        let mut asked = Asked::default();
        let answer = bmc.handle(&buf[..len], Instant::now(), &mut asked);
        let mut entry = BmcRequest::new(&node, BmcProtocol::Ipmi, Requester::Client, "IPMI", &asked.what);
        entry.power = asked.power;
        entry.status = if answer.is_some() { 200 } else { 0 };
        log.lock().unwrap_or_else(PoisonError::into_inner).push(entry);
        if let Some(answer) = answer
            && let Err(e) = socket.send_to(&answer, peer).await
        {
            tracing::debug!(error = %e, %peer, "IPMI responder: answer not sent");
        }
    }
}

/// Waits until `deadline`; forever without one.
async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}

/// An IPMI responder running on its own task; it stops when stopped or dropped.
pub struct IpmiResponder {
    address: SocketAddr,
    task: JoinHandle<()>,
    log: Arc<Mutex<BmcRequestLog>>,
}

impl IpmiResponder {
    /// Starts answering on `socket` (bound by the caller: a fixed or a free port). Needs a
    /// Tokio runtime.
    pub fn start(socket: UdpSocket, chassis: Arc<dyn Chassis>) -> io::Result<IpmiResponder> {
        let address = socket.local_addr()?;
        let log = Arc::<Mutex<BmcRequestLog>>::default();
        let task = tokio::spawn(serve(socket, chassis, log.clone()));
        Ok(IpmiResponder { address, task, log })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// What the responder was sent, one entry per datagram, as the BMC request log has it.
    pub fn requests(&self) -> Vec<BmcRequest> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner).entries()
    }

    /// Stops answering, as dropping it does.
    pub fn stop(self) {
        self.task.abort();
    }
}

impl Drop for IpmiResponder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::crypto::{CipherSuite, KeyExchange, SessionKeys, user_key};
    use super::rmcp::{PAYLOAD_IPMI, PAYLOAD_OPEN_SESSION_REQUEST, PAYLOAD_RAKP_1, PAYLOAD_RAKP_3};
    use super::*;
    use crate::oob::PowerRequest;
    use crate::sim::bmc::{Identity, MemoryChassis};

    impl Bmc {
        fn datagram(&mut self, datagram: &[u8], now: Instant) -> Option<Vec<u8>> {
            self.handle(datagram, now, &mut Asked::default())
        }
    }

    const USER: &str = "admin";
    const PASSWORD: &str = "correct horse";
    const CONSOLE_ID: u32 = 0xA0A2_A3A4;
    /// Role byte: Administrator, with the name-only lookup bit (as ipmitool sends it).
    const ROLE: u8 = 0x14;

    fn chassis() -> Arc<MemoryChassis> {
        let identity = Identity {
            name: "node01".into(),
            uuid: "6c2b4f0e-2f44-4a8e-9d3f-0a1b2c3d4e5f".into(),
            ..Identity::default()
        };
        Arc::new(MemoryChassis::new(identity, USER, PASSWORD))
    }

    fn unsigned(payload_type: u8, payload: &[u8]) -> Vec<u8> {
        let header = SessionHeader {
            payload_type,
            encrypted: false,
            authenticated: false,
            session_id: 0,
            sequence: 0,
        };
        rmcp::plus(&header, payload)
    }

    /// The payload type and payload of an unsigned answer.
    fn unsigned_answer(datagram: &[u8]) -> (u8, Vec<u8>) {
        let Some(Datagram::Plus(packet)) = rmcp::parse(datagram) else {
            panic!("not an RMCP+ answer: {datagram:02x?}");
        };
        assert!(!packet.header.authenticated && !packet.header.encrypted);
        (packet.header.payload_type, packet.payload.to_vec())
    }

    fn message(netfn: u8, cmd: u8, rq_seq: u8, data: &[u8]) -> Vec<u8> {
        let mut out = vec![0x20, netfn << 2];
        out.push(0u8.wrapping_sub(out[0]).wrapping_sub(out[1]));
        out.extend_from_slice(&[0x81, rq_seq << 2, cmd]);
        out.extend_from_slice(data);
        let sum = out[3..].iter().fold(0u8, |s, b| s.wrapping_add(*b));
        out.push(sum.wrapping_neg());
        out
    }

    fn open_session_request(algorithms: [u8; 3]) -> Vec<u8> {
        let mut payload = vec![0, 0, 0, 0];
        payload.extend_from_slice(&CONSOLE_ID.to_le_bytes());
        for (kind, algorithm) in (0u8..).zip(algorithms) {
            payload.extend_from_slice(&[kind, 0, 0, 8, algorithm, 0, 0, 0]);
        }
        unsigned(PAYLOAD_OPEN_SESSION_REQUEST, &payload)
    }

    /// What RAKP 2 told the console.
    struct Rakp2 {
        bmc_id: u32,
        bmc_random: [u8; 16],
        guid: [u8; 16],
        auth_code: Vec<u8>,
    }

    const CONSOLE_RANDOM: [u8; 16] = [0x11; 16];

    /// Open Session and RAKP 1: RAKP 2, or the RMCP+ status refusing the login.
    fn challenge(bmc: &mut Bmc, suite: CipherSuite, user: &str, now: Instant) -> Result<Rakp2, u8> {
        let (kind, open) = unsigned_answer(
            &bmc.datagram(&open_session_request(suite.algorithms()), now)
                .unwrap(),
        );
        assert_eq!(kind, rmcp::PAYLOAD_OPEN_SESSION_RESPONSE);
        assert_eq!(open[4..8], CONSOLE_ID.to_le_bytes());
        if open[1] != 0 {
            return Err(open[1]);
        }
        let bmc_id = u32::from_le_bytes(open[8..12].try_into().unwrap());
        let mut rakp1 = vec![0, 0, 0, 0];
        rakp1.extend_from_slice(&bmc_id.to_le_bytes());
        rakp1.extend_from_slice(&CONSOLE_RANDOM);
        rakp1.extend_from_slice(&[ROLE, 0, 0, user.len() as u8]);
        rakp1.extend_from_slice(user.as_bytes());
        let (kind, rakp2) = unsigned_answer(&bmc.datagram(&unsigned(PAYLOAD_RAKP_1, &rakp1), now).unwrap());
        assert_eq!(kind, rmcp::PAYLOAD_RAKP_2);
        assert_eq!(rakp2[4..8], CONSOLE_ID.to_le_bytes());
        if rakp2[1] != 0 {
            return Err(rakp2[1]);
        }
        Ok(Rakp2 {
            bmc_id,
            bmc_random: rakp2[8..24].try_into().unwrap(),
            guid: rakp2[24..40].try_into().unwrap(),
            auth_code: rakp2[40..].to_vec(),
        })
    }

    fn rakp2_is_right(suite: CipherSuite, rakp2: &Rakp2, password: &str) -> bool {
        suite.verify(
            &user_key(password),
            &[
                &CONSOLE_ID.to_le_bytes(),
                &rakp2.bmc_id.to_le_bytes(),
                &CONSOLE_RANDOM,
                &rakp2.bmc_random,
                &rakp2.guid,
                &[ROLE, USER.len() as u8],
                USER.as_bytes(),
            ],
            &rakp2.auth_code,
        )
    }

    /// RAKP 3 with this status and an auth code keyed with `password`: RAKP 4's payload.
    fn rakp3(
        bmc: &mut Bmc,
        suite: CipherSuite,
        rakp2: &Rakp2,
        status: u8,
        password: &str,
        now: Instant,
    ) -> Vec<u8> {
        let mut rakp3 = vec![0, status, 0, 0];
        rakp3.extend_from_slice(&rakp2.bmc_id.to_le_bytes());
        if status == 0 {
            let parts: [&[u8]; 4] = [
                &rakp2.bmc_random,
                &CONSOLE_ID.to_le_bytes(),
                &[ROLE, USER.len() as u8],
                USER.as_bytes(),
            ];
            rakp3.extend_from_slice(&suite.hmac(&user_key(password), &parts));
        }
        let (kind, rakp4) = unsigned_answer(&bmc.datagram(&unsigned(PAYLOAD_RAKP_3, &rakp3), now).unwrap());
        assert_eq!(kind, rmcp::PAYLOAD_RAKP_4);
        assert_eq!(rakp4[4..8], CONSOLE_ID.to_le_bytes());
        rakp4
    }

    /// The console end of a session, as the tests drive it.
    struct Console {
        suite: CipherSuite,
        bmc_id: u32,
        keys: SessionKeys,
        sequence: u32,
        rq_seq: u8,
    }

    impl Console {
        fn login(bmc: &mut Bmc, suite: CipherSuite, now: Instant) -> Console {
            let rakp2 = challenge(bmc, suite, USER, now).expect("RAKP 2");
            assert!(
                rakp2_is_right(suite, &rakp2, PASSWORD),
                "RAKP 2 is keyed with the password"
            );
            let rakp4 = rakp3(bmc, suite, &rakp2, 0, PASSWORD, now);
            assert_eq!(rakp4[1], 0, "RAKP 4 status");
            let exchange = KeyExchange {
                console_random: &CONSOLE_RANDOM,
                bmc_random: &rakp2.bmc_random,
                role: ROLE,
                user: USER.as_bytes(),
            };
            let keys = SessionKeys::derive(suite, &user_key(PASSWORD), &exchange);
            assert_eq!(
                rakp4[8..],
                keys.rakp4_icv(&CONSOLE_RANDOM, rakp2.bmc_id, &rakp2.guid)
            );
            Console {
                suite,
                bmc_id: rakp2.bmc_id,
                keys,
                sequence: 0,
                rq_seq: 0,
            }
        }

        fn request(&mut self, netfn: u8, cmd: u8, data: &[u8]) -> Vec<u8> {
            self.sequence += 1;
            self.rq_seq = (self.rq_seq + 1) % 64;
            let header = SessionHeader {
                payload_type: PAYLOAD_IPMI,
                encrypted: true,
                authenticated: true,
                session_id: self.bmc_id,
                sequence: self.sequence,
            };
            let plain = message(netfn, cmd, self.rq_seq, data);
            let mut packet = rmcp::plus(&header, &self.keys.encrypt(&plain, [self.sequence as u8; 16]));
            rmcp::seal(&mut packet, |covered| self.keys.packet_icv(covered));
            packet
        }

        /// Completion code and data of an answer, checked as a console checks it.
        fn response(&self, datagram: &[u8]) -> (u8, Vec<u8>) {
            let Some(Datagram::Plus(packet)) = rmcp::parse(datagram) else {
                panic!("not an RMCP+ answer");
            };
            assert_eq!(packet.header.session_id, CONSOLE_ID);
            assert!(packet.header.authenticated && packet.header.encrypted);
            let (covered, icv) = packet.integrity(self.suite.icv_len()).expect("a trailer");
            assert!(
                self.keys.verify_packet(covered, icv),
                "the answer is signed with K1"
            );
            let message = self.keys.decrypt(packet.payload).expect("encrypted with K2");
            assert_eq!(
                message[4] >> 2,
                self.rq_seq,
                "the answer carries the request's sequence"
            );
            (message[6], message[7..message.len() - 1].to_vec())
        }

        fn ask(&mut self, bmc: &mut Bmc, netfn: u8, cmd: u8, data: &[u8], now: Instant) -> (u8, Vec<u8>) {
            let packet = self.request(netfn, cmd, data);
            let answer = bmc.datagram(&packet, now).expect("an answer");
            self.response(&answer)
        }
    }

    #[test]
    fn both_suites_log_in_raise_their_privilege_act_and_close() {
        for suite in CipherSuite::ALL {
            let chassis = chassis();
            let mut bmc = Bmc::new(chassis.clone());
            let now = Instant::now();
            let mut console = Console::login(&mut bmc, suite, now);
            let (code, device) = console.ask(&mut bmc, 0x06, 0x01, &[], now);
            assert_eq!((code, device.len()), (0x00, 15));
            assert_eq!(
                console.ask(&mut bmc, 0x00, 0x02, &[0x01], now).0,
                0xD4,
                "a session starts at User level"
            );
            assert_eq!(
                console.ask(&mut bmc, 0x06, 0x3B, &[0x04], now),
                (0x00, vec![0x04])
            );
            assert_eq!(console.ask(&mut bmc, 0x00, 0x02, &[0x01], now).0, 0x00);
            assert_eq!(chassis.state().requests, [PowerRequest::On]);
            assert_eq!(
                console.ask(&mut bmc, 0x06, 0x3B, &[0x00], now),
                (0x00, vec![0x04])
            );
            assert_eq!(
                console.ask(&mut bmc, 0x06, 0x3C, &7u32.to_le_bytes(), now).0,
                0x87
            );
            let own = console.bmc_id.to_le_bytes();
            assert_eq!(console.ask(&mut bmc, 0x06, 0x3C, &own, now).0, 0x00);
            assert_eq!(bmc.sessions.len(), 0);
            let after = console.request(0x06, 0x01, &[]);
            assert_eq!(
                bmc.datagram(&after, now),
                None,
                "a closed session answers nothing"
            );
        }
    }

    #[test]
    fn a_session_cannot_rise_above_the_role_it_logged_in_with() {
        let mut bmc = Bmc::new(chassis());
        let now = Instant::now();
        let mut request = open_session_request(CipherSuite::Three.algorithms());
        // Requested maximum privilege: Operator.
        request[16 + 1] = 0x03;
        let (_, open) = unsigned_answer(&bmc.datagram(&request, now).unwrap());
        assert_eq!((open[1], open[2]), (0x00, 0x03));
        let bmc_id = u32::from_le_bytes(open[8..12].try_into().unwrap());
        let mut rakp1 = vec![0, 0, 0, 0];
        rakp1.extend_from_slice(&bmc_id.to_le_bytes());
        rakp1.extend_from_slice(&CONSOLE_RANDOM);
        rakp1.extend_from_slice(&[ROLE, 0, 0, USER.len() as u8]);
        rakp1.extend_from_slice(USER.as_bytes());
        let (_, rakp2) = unsigned_answer(&bmc.datagram(&unsigned(PAYLOAD_RAKP_1, &rakp1), now).unwrap());
        assert_eq!(
            rakp2[1], 0x0A,
            "Administrator asked for in RAKP 1 after Operator at open: unauthorized role"
        );
        assert_eq!(bmc.sessions.len(), 0);
    }

    #[test]
    fn a_wrong_password_is_detected_by_the_console_and_a_forged_rakp3_by_the_bmc() {
        for suite in CipherSuite::ALL {
            let mut bmc = Bmc::new(chassis());
            let now = Instant::now();
            let rakp2 = challenge(&mut bmc, suite, USER, now).unwrap();
            assert!(
                !rakp2_is_right(suite, &rakp2, "wrong"),
                "the console's check of RAKP 2 fails"
            );
            // The console says so in RAKP 3; the BMC ends the session and echoes the status.
            assert_eq!(rakp3(&mut bmc, suite, &rakp2, 0x0F, "wrong", now)[1], 0x0F);
            assert_eq!(bmc.sessions.len(), 0);

            // A console that claims success with a wrong key is caught by the BMC.
            let rakp2 = challenge(&mut bmc, suite, USER, now).unwrap();
            assert_eq!(rakp3(&mut bmc, suite, &rakp2, 0x00, "wrong", now)[1], 0x0F);
            assert_eq!(bmc.sessions.len(), 0);
        }
    }

    #[test]
    fn an_unknown_user_is_refused_and_a_refused_login_fails_like_a_wrong_password() {
        let chassis = chassis();
        let mut bmc = Bmc::new(chassis.clone());
        let now = Instant::now();
        assert_eq!(
            challenge(&mut bmc, CipherSuite::Three, "mallory", now).err(),
            Some(0x0D)
        );
        assert_eq!(bmc.sessions.len(), 0);

        chassis.state().fault = Some(BmcFault::RefuseLogin);
        let rakp2 = challenge(&mut bmc, CipherSuite::Seventeen, USER, now).unwrap();
        assert!(!rakp2_is_right(CipherSuite::Seventeen, &rakp2, PASSWORD));
        assert_eq!(
            rakp3(&mut bmc, CipherSuite::Seventeen, &rakp2, 0x00, PASSWORD, now)[1],
            0x0F
        );
    }

    #[test]
    fn suite_0_and_other_suites_are_refused_with_their_status() {
        let mut bmc = Bmc::new(chassis());
        let now = Instant::now();
        for (algorithms, status) in [
            ([0, 0, 0], 0x04),
            ([1, 1, 0], 0x10),
            ([1, 0, 0], 0x05),
            ([1, 4, 1], 0x11),
        ] {
            let (_, open) = unsigned_answer(&bmc.datagram(&open_session_request(algorithms), now).unwrap());
            assert_eq!(open[1], status, "{algorithms:?}");
            assert_eq!(
                open.len(),
                8,
                "an error answer stops after the console's session ID"
            );
        }
        assert_eq!(bmc.sessions.len(), 0);
    }

    #[test]
    fn tampered_replayed_and_unsigned_packets_are_dropped() {
        let mut bmc = Bmc::new(chassis());
        let now = Instant::now();
        let mut console = Console::login(&mut bmc, CipherSuite::Three, now);
        let packet = console.request(0x06, 0x01, &[]);
        assert!(bmc.datagram(&packet, now).is_some());
        assert_eq!(bmc.datagram(&packet, now), None, "a replay");

        let packet = console.request(0x06, 0x01, &[]);
        for at in [20, packet.len() - 1] {
            let mut tampered = packet.clone();
            tampered[at] ^= 0x01;
            assert_eq!(bmc.datagram(&tampered, now), None, "byte {at} flipped");
        }
        // The same encrypted request, neither signed nor marked so.
        let Some(Datagram::Plus(parsed)) = rmcp::parse(&packet) else {
            panic!("parsed");
        };
        let header = SessionHeader {
            authenticated: false,
            ..parsed.header
        };
        assert_eq!(bmc.datagram(&rmcp::plus(&header, parsed.payload), now), None);
        // Dropped packets do not use up sequence numbers: the intact one still goes through.
        let answer = bmc.datagram(&packet, now).expect("answered");
        assert_eq!(console.response(&answer).0, 0x00);
    }

    #[test]
    fn sessions_are_capped_and_expire_when_idle() {
        let mut bmc = Bmc::new(chassis());
        let start = Instant::now();
        let mut consoles: Vec<Console> = (0..MAX_SESSIONS as u64 + 8)
            .map(|i| Console::login(&mut bmc, CipherSuite::Three, start + Duration::from_millis(i)))
            .collect();
        assert_eq!(bmc.sessions.len(), MAX_SESSIONS);
        let later = start + Duration::from_secs(1);
        let oldest = consoles[0].request(0x06, 0x01, &[]);
        assert_eq!(
            bmc.datagram(&oldest, later),
            None,
            "the least recently used session was dropped"
        );
        let newest = consoles.last_mut().unwrap();
        assert!(bmc.datagram(&newest.request(0x06, 0x01, &[]), later).is_some());

        let idle = later + IDLE_TIMEOUT + Duration::from_secs(1);
        assert_eq!(bmc.datagram(&newest.request(0x06, 0x01, &[]), idle), None);
        assert_eq!(bmc.sessions.len(), 0);
    }

    #[test]
    fn commands_outside_a_session_are_the_pre_session_ones_only() {
        let mut bmc = Bmc::new(chassis());
        let now = Instant::now();
        let mut v15 = vec![6, 0, 0xff, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let auth_caps = message(0x06, 0x38, 0, &[0x8E, 0x04]);
        v15.push(auth_caps.len() as u8);
        v15.extend_from_slice(&auth_caps);
        let answer = bmc.datagram(&v15, now).unwrap();
        let Some(Datagram::Unauthenticated15 { message: reply }) = rmcp::parse(&answer) else {
            panic!("an IPMI 1.5 answer");
        };
        assert_eq!(
            reply[6..14],
            [0x00, 0x01, 0x80, 0x04, 0x02, 0, 0, 0],
            "IPMI 2.0 supported"
        );

        let device_id = unsigned(PAYLOAD_IPMI, &message(0x06, 0x01, 1, &[]));
        let (_, reply) = unsigned_answer(&bmc.datagram(&device_id, now).unwrap());
        assert_eq!(reply[6], 0xD4, "Get Device ID needs a session");

        let ping = [6, 0, 0xff, 6, 0, 0, 0x11, 0xbe, 0x80, 0x07, 0, 0];
        assert_eq!(bmc.datagram(&ping, now), Some(rmcp::pong(0x07)));
    }

    #[test]
    fn a_hung_bmc_answers_nothing_at_all() {
        let chassis = chassis();
        let mut bmc = Bmc::new(chassis.clone());
        chassis.state().fault = Some(BmcFault::Timeout);
        let now = Instant::now();
        let ping = [6, 0, 0xff, 6, 0, 0, 0x11, 0xbe, 0x80, 0x07, 0, 0];
        assert_eq!(bmc.datagram(&ping, now), None);
        assert_eq!(
            bmc.datagram(&open_session_request(CipherSuite::Three.algorithms()), now),
            None
        );
        assert_eq!(bmc.sessions.len(), 0);
    }

    /// Log lines, captured.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_password_never_reaches_the_logs() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let mut bmc = Bmc::new(chassis());
            let now = Instant::now();
            let mut console = Console::login(&mut bmc, CipherSuite::Seventeen, now);
            let own = console.bmc_id.to_le_bytes();
            console.ask(&mut bmc, 0x06, 0x3C, &own, now);
            let rakp2 = challenge(&mut bmc, CipherSuite::Three, USER, now).unwrap();
            rakp3(&mut bmc, CipherSuite::Three, &rakp2, 0x00, "wrong", now);
        });
        let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(
            logs.contains("IPMI session opened") && logs.contains("IPMI login failed"),
            "{logs}"
        );
        assert!(!logs.contains(PASSWORD), "{logs}");
    }

    /// Datagrams of a whole conversation, to mangle.
    fn corpus(bmc: &mut Bmc, now: Instant) -> Vec<Vec<u8>> {
        let mut out = vec![
            vec![6, 0, 0xff, 6, 0, 0, 0x11, 0xbe, 0x80, 0x07, 0, 0],
            open_session_request(CipherSuite::Three.algorithms()),
            open_session_request(CipherSuite::Seventeen.algorithms()),
            unsigned(PAYLOAD_IPMI, &message(0x06, 0x54, 1, &[0x0E, 0x00, 0x80])),
        ];
        for suite in CipherSuite::ALL {
            let mut console = Console::login(bmc, suite, now);
            out.push(console.request(0x06, 0x3B, &[0x04]));
            out.push(console.request(0x00, 0x08, &[0x05, 0xE0, 0x04, 0, 0, 0]));
            out.push(console.request(0x0A, 0x11, &[0, 0, 0, 16]));
            out.push(console.request(0x06, 0x3C, &console.bmc_id.to_le_bytes()));
        }
        let mut rakp1 = vec![0, 0, 0, 0, 1, 2, 3, 4];
        rakp1.extend_from_slice(&CONSOLE_RANDOM);
        rakp1.extend_from_slice(&[ROLE, 0, 0, 5]);
        rakp1.extend_from_slice(b"admin");
        out.push(unsigned(PAYLOAD_RAKP_1, &rakp1));
        out.push(unsigned(PAYLOAD_RAKP_3, &[0, 0, 0, 0, 1, 2, 3, 4]));
        out
    }

    #[test]
    fn random_and_mangled_datagrams_never_panic_and_leave_the_bmc_working() {
        let chassis = chassis();
        let mut bmc = Bmc::new(chassis.clone());
        let now = Instant::now();
        let corpus = corpus(&mut bmc, now);
        let mut rng = StdRng::seed_from_u64(0x1B3C_0623);
        for round in 0..20_000 {
            let datagram: Vec<u8> = if round % 4 == 0 {
                let len = rng.gen_range(0..200);
                let mut bytes: Vec<u8> = (0..len).map(|_| rng.r#gen()).collect();
                // Keep some with a valid RMCP header so they reach the deeper parsers.
                if len >= 5 && rng.gen_bool(0.7) {
                    bytes[..5].copy_from_slice(&[6, 0, 0xff, 7, if rng.gen_bool(0.5) { 6 } else { 0 }]);
                }
                bytes
            } else {
                let mut bytes = corpus[rng.gen_range(0..corpus.len())].clone();
                match rng.gen_range(0..4) {
                    0 => bytes.truncate(rng.gen_range(0..=bytes.len())),
                    1 => {
                        for _ in 0..rng.gen_range(1..4) {
                            let at = rng.gen_range(0..bytes.len());
                            bytes[at] ^= 1 << rng.gen_range(0..8);
                        }
                    }
                    2 => {
                        let at = rng.gen_range(0..bytes.len());
                        bytes[at] = rng.r#gen();
                    }
                    _ => bytes.extend((0..rng.gen_range(1..40)).map(|_| rng.r#gen::<u8>())),
                }
                bytes
            };
            bmc.datagram(&datagram, now);
            assert!(bmc.sessions.len() <= MAX_SESSIONS);
        }
        let mut console = Console::login(&mut bmc, CipherSuite::Seventeen, now);
        assert_eq!(
            console.ask(&mut bmc, 0x00, 0x01, &[], now).0,
            0x00,
            "still answering"
        );
    }
}
