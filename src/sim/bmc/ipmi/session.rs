//! RMCP+ sessions (IPMI v2.0 §13.17–13.24): Open Session Request/Response picks the cipher
//! suite and the BMC's session ID; RAKP 1–4 prove that both ends know the user's password
//! without sending it and derive the session's keys; then every packet is checked (integrity
//! check value, then sequence number), decrypted, answered, encrypted and signed. The
//! session-level commands Set Session Privilege Level and Close Session are answered here.
//!
//! Bounded: at most [`MAX_SESSIONS`] sessions (the least recently used is dropped for a new
//! one), each dropped after [`IDLE_TIMEOUT`] without a valid packet.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::crypto::{CipherSuite, KeyExchange, Refusal, SessionKeys, user_key};
use super::rmcp::{self, PAYLOAD_IPMI, PlusPacket, Request, SessionHeader};
use crate::sim::bmc::Chassis;

pub const MAX_SESSIONS: usize = 32;
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Inbound sequence numbers are accepted this far either side of the highest seen.
const SEQUENCE_WINDOW: u32 = 16;

/// RMCP+ status codes (Open Session Response, RAKP 2 and 4).
mod status {
    pub const OK: u8 = 0x00;
    pub const INVALID_AUTHENTICATION_ALGORITHM: u8 = 0x04;
    pub const INVALID_INTEGRITY_ALGORITHM: u8 = 0x05;
    pub const INVALID_ROLE: u8 = 0x09;
    pub const UNAUTHORIZED_ROLE: u8 = 0x0A;
    pub const INVALID_NAME_LENGTH: u8 = 0x0C;
    pub const UNAUTHORIZED_NAME: u8 = 0x0D;
    pub const INVALID_INTEGRITY_CHECK_VALUE: u8 = 0x0F;
    pub const INVALID_CONFIDENTIALITY_ALGORITHM: u8 = 0x10;
    pub const NO_CIPHER_SUITE_MATCH: u8 = 0x11;
    pub const ILLEGAL_PARAMETER: u8 = 0x12;
}

/// Completion codes of the session commands.
mod completion {
    pub const OK: u8 = 0x00;
    pub const LEVEL_NOT_AVAILABLE: u8 = 0x80;
    pub const LEVEL_EXCEEDS_LIMIT: u8 = 0x81;
    pub const INVALID_SESSION_ID: u8 = 0x87;
    pub const REQUEST_DATA_LENGTH_INVALID: u8 = 0xC7;
    pub const INVALID_DATA_FIELD: u8 = 0xCC;
    pub const INSUFFICIENT_PRIVILEGE: u8 = 0xD4;
}

const NETFN_APP: u8 = 0x06;
const CMD_SET_SESSION_PRIVILEGE: u8 = 0x3B;
const CMD_CLOSE_SESSION: u8 = 0x3C;

/// Session privilege levels, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Privilege {
    Callback = 1,
    User = 2,
    Operator = 3,
    Administrator = 4,
}

impl Privilege {
    fn from_level(level: u8) -> Option<Privilege> {
        match level {
            1 => Some(Privilege::Callback),
            2 => Some(Privilege::User),
            3 => Some(Privilege::Operator),
            4 => Some(Privilege::Administrator),
            _ => None,
        }
    }
}

/// The sessions of one BMC.
pub struct Sessions {
    by_id: HashMap<u32, Session>,
    /// GUIDc in RAKP 2 and 4.
    guid: [u8; 16],
}

struct Session {
    /// SIDm: what the BMC puts in the session header of what it sends.
    console_id: u32,
    suite: CipherSuite,
    /// The highest privilege the console asked for in its Open Session Request.
    max_privilege: Privilege,
    last_seen: Instant,
    stage: Stage,
}

enum Stage {
    /// Open Session Response sent, RAKP 1 awaited.
    Opened,
    /// RAKP 2 sent, RAKP 3 awaited.
    Challenged(Challenge),
    Active(Active),
}

/// What RAKP 1 and 2 settled, which RAKP 3 is checked against.
struct Challenge {
    console_random: [u8; 16],
    bmc_random: [u8; 16],
    /// The role byte exactly as sent (privilege and the name-only lookup bit): the HMACs
    /// cover it so.
    role: u8,
    privilege: Privilege,
    user: Vec<u8>,
    /// Kuid: the password's key, or a random one when the login is refused.
    kuid: [u8; 20],
}

struct Active {
    keys: SessionKeys,
    privilege: Privilege,
    /// The privilege asked for in RAKP 1: Set Session Privilege Level goes no higher.
    limit: Privilege,
    inbound: Window,
    outbound: u32,
}

/// Replay protection for inbound sequence numbers: the highest seen and which of the ones
/// just below it were seen.
#[derive(Default)]
struct Window {
    highest: Option<u32>,
    /// Bit `i` set: `highest - i` was seen.
    seen: u32,
}

impl Window {
    fn accept(&mut self, sequence: u32) -> bool {
        let Some(highest) = self.highest else {
            self.highest = Some(sequence);
            self.seen = 1;
            return true;
        };
        if sequence > highest {
            let ahead = sequence - highest;
            if ahead > SEQUENCE_WINDOW {
                return false;
            }
            self.seen = (self.seen << ahead) | 1;
            self.highest = Some(sequence);
            return true;
        }
        let behind = highest - sequence;
        if behind >= SEQUENCE_WINDOW || self.seen & (1 << behind) != 0 {
            return false;
        }
        self.seen |= 1 << behind;
        true
    }
}

/// A command's answer: completion code and data.
pub type Answer = (u8, Vec<u8>);

impl Sessions {
    pub fn new(guid: [u8; 16]) -> Sessions {
        Sessions {
            by_id: HashMap::new(),
            guid,
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Drops the sessions idle for longer than [`IDLE_TIMEOUT`].
    pub fn expire(&mut self, now: Instant) {
        self.by_id
            .retain(|_, s| now.saturating_duration_since(s.last_seen) <= IDLE_TIMEOUT);
    }

    /// Answers an Open Session Request with the Open Session Response payload; `None` when
    /// it is too short to name the console's session.
    pub fn open(&mut self, request: &[u8], now: Instant) -> Option<Vec<u8>> {
        let (&[tag, privilege, _, _, c0, c1, c2, c3], _) = request.split_first_chunk::<8>()?;
        let console_id = u32::from_le_bytes([c0, c1, c2, c3]);
        let refuse = |status: u8| {
            let mut out = vec![tag, status, 0, 0];
            out.extend_from_slice(&console_id.to_le_bytes());
            Some(out)
        };
        let Some(algorithms) = proposed_algorithms(request) else {
            return refuse(status::ILLEGAL_PARAMETER);
        };
        let suite = match CipherSuite::matching(algorithms) {
            Ok(suite) => suite,
            Err(refusal) => {
                return refuse(match refusal {
                    Refusal::Authentication => status::INVALID_AUTHENTICATION_ALGORITHM,
                    Refusal::Integrity => status::INVALID_INTEGRITY_ALGORITHM,
                    Refusal::Confidentiality => status::INVALID_CONFIDENTIALITY_ALGORITHM,
                    Refusal::NoSuite => status::NO_CIPHER_SUITE_MATCH,
                });
            }
        };
        // 0 asks for the highest level the algorithms allow; 5 is OEM, which this BMC has not.
        let max_privilege = match privilege & 0x0F {
            0 => Privilege::Administrator,
            5 => return refuse(status::UNAUTHORIZED_ROLE),
            level => match Privilege::from_level(level) {
                Some(p) => p,
                None => return refuse(status::INVALID_ROLE),
            },
        };
        self.make_room();
        let bmc_id = self.fresh_id();
        self.by_id.insert(
            bmc_id,
            Session {
                console_id,
                suite,
                max_privilege,
                last_seen: now,
                stage: Stage::Opened,
            },
        );
        let mut out = vec![tag, status::OK, max_privilege as u8, 0];
        out.extend_from_slice(&console_id.to_le_bytes());
        out.extend_from_slice(&bmc_id.to_le_bytes());
        for (kind, algorithm) in (0u8..).zip(suite.algorithms()) {
            out.extend_from_slice(&[kind, 0, 0, 8, algorithm, 0, 0, 0]);
        }
        Some(out)
    }

    /// Drops the least recently used session when the table is full.
    fn make_room(&mut self) {
        while self.by_id.len() >= MAX_SESSIONS {
            let Some(oldest) = self
                .by_id
                .iter()
                .min_by_key(|(_, s)| s.last_seen)
                .map(|(id, _)| *id)
            else {
                return;
            };
            tracing::debug!(
                session = oldest,
                "IPMI session table full: the least recently used session is dropped"
            );
            self.by_id.remove(&oldest);
        }
    }

    fn fresh_id(&self) -> u32 {
        loop {
            let id: u32 = rand::random();
            if id != 0 && !self.by_id.contains_key(&id) {
                return id;
            }
        }
    }

    /// Answers RAKP 1 with RAKP 2; `None` for a session not waiting for it.
    pub fn rakp1(&mut self, message: &[u8], chassis: &dyn Chassis, now: Instant) -> Option<Vec<u8>> {
        let (head, rest) = message.split_first_chunk::<28>()?;
        let tag = head[0];
        let bmc_id = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
        let session = self.by_id.get_mut(&bmc_id)?;
        if matches!(session.stage, Stage::Active(_)) {
            return None;
        }
        let console_id = session.console_id;
        let mut out = vec![tag, status::OK, 0, 0];
        out.extend_from_slice(&console_id.to_le_bytes());
        let checked = check_rakp1(head, rest, session.max_privilege, chassis);
        let (privilege, user, kuid) = match checked {
            Ok(found) => found,
            Err(code) => {
                self.by_id.remove(&bmc_id);
                out[1] = code;
                return Some(out);
            }
        };
        let mut console_random = [0u8; 16];
        console_random.copy_from_slice(&head[8..24]);
        let bmc_random: [u8; 16] = rand::random();
        let role = head[24];
        let auth_code = session.suite.hmac(
            &kuid,
            &[
                &console_id.to_le_bytes(),
                &bmc_id.to_le_bytes(),
                &console_random,
                &bmc_random,
                &self.guid,
                &[role, user.len() as u8],
                &user,
            ],
        );
        session.stage = Stage::Challenged(Challenge {
            console_random,
            bmc_random,
            role,
            privilege,
            user,
            kuid,
        });
        session.last_seen = now;
        out.extend_from_slice(&bmc_random);
        out.extend_from_slice(&self.guid);
        out.extend_from_slice(&auth_code);
        Some(out)
    }

    /// Answers RAKP 3 with RAKP 4, activating the session when the console proved the
    /// password; `None` for a session not waiting for it.
    pub fn rakp3(&mut self, message: &[u8], now: Instant) -> Option<Vec<u8>> {
        let (&[tag, console_status, _, _, b0, b1, b2, b3], auth_code) = message.split_first_chunk::<8>()?;
        let bmc_id = u32::from_le_bytes([b0, b1, b2, b3]);
        let session = self.by_id.get_mut(&bmc_id)?;
        let Stage::Challenged(challenge) = &session.stage else {
            return None;
        };
        let mut out = vec![tag, status::OK, 0, 0];
        out.extend_from_slice(&session.console_id.to_le_bytes());
        let user_len = challenge.user.len() as u8;
        let proved = console_status == status::OK
            && session.suite.verify(
                &challenge.kuid,
                &[
                    &challenge.bmc_random,
                    &session.console_id.to_le_bytes(),
                    &[challenge.role, user_len],
                    &challenge.user,
                ],
                auth_code,
            );
        if !proved {
            // The console found RAKP 2 wrong (a wrong password), or RAKP 3 is: the session
            // ends, and RAKP 4 says why.
            out[1] = if console_status == status::OK {
                status::INVALID_INTEGRITY_CHECK_VALUE
            } else {
                console_status
            };
            tracing::debug!(session = bmc_id, "IPMI login failed");
            self.by_id.remove(&bmc_id);
            return Some(out);
        }
        let keys = SessionKeys::derive(
            session.suite,
            &challenge.kuid,
            &KeyExchange {
                console_random: &challenge.console_random,
                bmc_random: &challenge.bmc_random,
                role: challenge.role,
                user: &challenge.user,
            },
        );
        out.extend_from_slice(&keys.rakp4_icv(&challenge.console_random, bmc_id, &self.guid));
        let limit = challenge.privilege;
        session.stage = Stage::Active(Active {
            keys,
            // A session starts at User level at most (IPMI v2.0 §13.27.3).
            privilege: limit.min(Privilege::User),
            limit,
            inbound: Window::default(),
            outbound: 0,
        });
        session.last_seen = now;
        tracing::debug!(
            session = bmc_id,
            suite = session.suite.id(),
            "IPMI session opened"
        );
        Some(out)
    }

    /// Answers an IPMI request inside an active session: `answer` is given the session's
    /// privilege; the session commands are answered here. The sealed reply and the request's
    /// network function and command, or `None` when the packet does not belong to an active
    /// session or fails its checks (it is dropped unanswered).
    pub fn exchange(
        &mut self,
        packet: &PlusPacket,
        now: Instant,
        answer: impl FnOnce(Privilege, &Request) -> Answer,
    ) -> Option<(Vec<u8>, u8, u8)> {
        let bmc_id = packet.header.session_id;
        let session = self.by_id.get_mut(&bmc_id)?;
        let Stage::Active(active) = &mut session.stage else {
            return None;
        };
        let plain = active.unseal(packet)?;
        session.last_seen = now;
        let request = Request::parse(&plain)?;
        let mut close = None;
        let (code, data) = match (request.netfn, request.cmd) {
            (NETFN_APP, CMD_SET_SESSION_PRIVILEGE) => active.set_privilege(request.data),
            (NETFN_APP, CMD_CLOSE_SESSION) => {
                let privilege = active.privilege;
                let reply = self.close_command(bmc_id, privilege, request.data);
                close = reply.1;
                reply.0
            }
            _ => answer(active.privilege, &request),
        };
        let session = self.by_id.get_mut(&bmc_id)?;
        let console_id = session.console_id;
        let Stage::Active(active) = &mut session.stage else {
            return None;
        };
        let reply = active.seal(console_id, &request.respond(code, &data));
        if let Some(closed) = close {
            tracing::debug!(session = closed, "IPMI session closed");
            self.by_id.remove(&closed);
        }
        Some((reply, request.netfn, request.cmd))
    }

    /// Close Session: the caller's own session, or (for an administrator) another one.
    /// Returns the answer and the session to close once it is sent.
    fn close_command(&self, caller: u32, privilege: Privilege, data: &[u8]) -> (Answer, Option<u32>) {
        let Some(&[t0, t1, t2, t3]) = data.get(..4) else {
            return ((completion::REQUEST_DATA_LENGTH_INVALID, vec![]), None);
        };
        let target = u32::from_le_bytes([t0, t1, t2, t3]);
        let known = matches!(self.by_id.get(&target), Some(s) if matches!(s.stage, Stage::Active(_)));
        if target != caller && known && privilege < Privilege::Administrator {
            return ((completion::INSUFFICIENT_PRIVILEGE, vec![]), None);
        }
        if !known {
            return ((completion::INVALID_SESSION_ID, vec![]), None);
        }
        ((completion::OK, vec![]), Some(target))
    }
}

/// The authentication, integrity and confidentiality algorithms an Open Session Request
/// proposes, each in its 8-byte payload record.
fn proposed_algorithms(request: &[u8]) -> Option<[u8; 3]> {
    let mut algorithms = [0u8; 3];
    for (kind, algorithm) in (0u8..).zip(algorithms.iter_mut()) {
        let at = 8 + 8 * usize::from(kind);
        let record = request.get(at..at + 8)?;
        if record[0] != kind || record[3] != 8 {
            return None;
        }
        *algorithm = record[4] & 0x3F;
    }
    Some(algorithms)
}

/// RAKP 1's role and user: the privilege asked for, the user name, and the key RAKP 2 and
/// 3 are computed with; or the RMCP+ status refusing them.
fn check_rakp1(
    head: &[u8; 28],
    rest: &[u8],
    max_privilege: Privilege,
    chassis: &dyn Chassis,
) -> Result<(Privilege, Vec<u8>, [u8; 20]), u8> {
    let privilege = match head[24] & 0x0F {
        5 => return Err(status::UNAUTHORIZED_ROLE),
        level => Privilege::from_level(level).ok_or(status::INVALID_ROLE)?,
    };
    if privilege > max_privilege {
        return Err(status::UNAUTHORIZED_ROLE);
    }
    let user_len = usize::from(head[27]);
    if user_len > 16 {
        return Err(status::INVALID_NAME_LENGTH);
    }
    let user = rest.get(..user_len).ok_or(status::INVALID_NAME_LENGTH)?;
    let account = std::str::from_utf8(user).map_err(|_| status::UNAUTHORIZED_NAME)?;
    let password = chassis.password_for(account).ok_or(status::UNAUTHORIZED_NAME)?;
    // A refused login goes on with a key nobody knows, so it fails exactly as a wrong
    // password does: the console finds RAKP 2's HMAC wrong.
    let kuid = if chassis.accepts(account, password.expose()) {
        user_key(password.expose())
    } else {
        rand::random()
    };
    Ok((privilege, user.to_vec(), kuid))
}

impl Active {
    /// The IPMI message in an inbound packet: it must be signed and encrypted as the suite
    /// says, its integrity check value right, its sequence number new.
    fn unseal(&mut self, packet: &PlusPacket) -> Option<Vec<u8>> {
        let header = packet.header;
        if header.payload_type != PAYLOAD_IPMI || !header.authenticated || !header.encrypted {
            return None;
        }
        let (covered, icv) = packet.integrity(self.keys.suite().icv_len())?;
        if !self.keys.verify_packet(covered, icv) || !self.inbound.accept(header.sequence) {
            return None;
        }
        self.keys.decrypt(packet.payload)
    }

    fn seal(&mut self, console_id: u32, message: &[u8]) -> Vec<u8> {
        // Outbound sequence numbers start at 1 and skip 0 when they wrap.
        self.outbound = self.outbound.wrapping_add(1).max(1);
        let header = SessionHeader {
            payload_type: PAYLOAD_IPMI,
            encrypted: true,
            authenticated: true,
            session_id: console_id,
            sequence: self.outbound,
        };
        let mut packet = rmcp::plus(&header, &self.keys.encrypt(message, rand::random()));
        rmcp::seal(&mut packet, |covered| self.keys.packet_icv(covered));
        packet
    }

    /// Set Session Privilege Level: 0 reads the level, others set it up to the limit asked
    /// for in RAKP 1.
    fn set_privilege(&mut self, data: &[u8]) -> Answer {
        let [requested] = data else {
            return (completion::REQUEST_DATA_LENGTH_INVALID, vec![]);
        };
        match requested & 0x0F {
            0 => {}
            // Callback is for callback connections, which a LAN session is not.
            1 => return (completion::LEVEL_NOT_AVAILABLE, vec![]),
            level if level > 5 => return (completion::INVALID_DATA_FIELD, vec![]),
            level => match Privilege::from_level(level).filter(|p| *p <= self.limit) {
                Some(p) => self.privilege = p,
                None => return (completion::LEVEL_EXCEEDS_LIMIT, vec![]),
            },
        }
        (completion::OK, vec![self.privilege as u8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_takes_new_numbers_near_the_highest_and_refuses_replays() {
        let mut w = Window::default();
        assert!(w.accept(100));
        assert!(!w.accept(100), "a replay");
        assert!(w.accept(103));
        assert!(w.accept(101), "late but new");
        assert!(!w.accept(101));
        assert!(!w.accept(103 - SEQUENCE_WINDOW), "too old");
        assert!(!w.accept(103 + SEQUENCE_WINDOW + 1), "too far ahead");
        assert!(w.accept(103 + SEQUENCE_WINDOW));
    }
}
