//! The IPMI commands the BMC answers, acting on the machine only through [`Chassis`]:
//! App (IPMI v2.0 §20, §22): Get Device ID, Get Channel Authentication Capabilities, Get
//! Channel Cipher Suites; Chassis (§28): Get Chassis Status, Chassis Control, Set/Get System
//! Boot Options (parameters 0, 3, 4, 5); Storage (§34): Get FRU Inventory Area Info, Read
//! FRU Data. There are no sensors and no SDR repository. Anything else is completion code
//! 0xC1 (invalid command); a known command above the caller's privilege (or needing a
//! session, outside one) is 0xD4.

use std::time::{Duration, Instant};

use super::crypto::CipherSuite;
use super::fru;
use super::rmcp::Request;
use super::session::{Answer, Privilege};
use crate::oob::{BootDevice, BootPersistence, NextBoot, PowerRequest};
use crate::sim::bmc::Chassis;

mod completion {
    pub const OK: u8 = 0x00;
    /// Get/Set System Boot Options: parameter not supported.
    pub const PARAMETER_NOT_SUPPORTED: u8 = 0x80;
    pub const INVALID_COMMAND: u8 = 0xC1;
    pub const REQUEST_DATA_LENGTH_INVALID: u8 = 0xC7;
    pub const PARAMETER_OUT_OF_RANGE: u8 = 0xC9;
    pub const NOT_PRESENT: u8 = 0xCB;
    pub const INVALID_DATA_FIELD: u8 = 0xCC;
    pub const INSUFFICIENT_PRIVILEGE: u8 = 0xD4;
    pub const NOT_IN_PRESENT_STATE: u8 = 0xD5;
}

const NETFN_CHASSIS: u8 = 0x00;
const NETFN_APP: u8 = 0x06;
const NETFN_STORAGE: u8 = 0x0A;

/// The LAN channel's number, and the number meaning "the channel this request came in on".
const LAN_CHANNEL: u8 = 0x01;
const CURRENT_CHANNEL: u8 = 0x0E;

/// Get Device ID's answer after the completion code: device ID 0x20, revision 1, firmware
/// 1.00 (available), IPMI 2.0, chassis and FRU inventory device, manufacturer 32473 (the
/// IANA number set aside for examples), product 0x0001, no auxiliary revision.
const DEVICE_ID: [u8; 15] = [
    0x20, 0x01, 0x01, 0x00, 0x02, 0x88, 0xD9, 0x7E, 0x00, 0x01, 0x00, 0, 0, 0, 0,
];

/// Get Chassis Status byte 1, bits 6:5: the power restore policy ("previous").
const RESTORE_PREVIOUS: u8 = 0x20;

/// Read FRU Data returns at most this many bytes at once.
const MAX_FRU_READ: usize = 32;

/// Boot flags (parameter 5) byte 1: valid, persistent, EFI; byte 2 bits 5:2: the device.
const BOOT_VALID: u8 = 0x80;
const BOOT_PERSISTENT: u8 = 0x40;
const BOOT_EFI: u8 = 0x20;
const BOOT_DEVICE_PXE: u8 = 0x01;
const BOOT_DEVICE_DISK: u8 = 0x02;

/// Valid boot flags set here are cleared this long after they were set, or after the last
/// Chassis Control since (IPMI v2.0 §28.12, parameter 3)…
pub const BOOT_FLAGS_TIMEOUT: Duration = Duration::from_secs(60);
/// … unless parameter 3 has this bit ("don't clear the valid bit on timeout"), which is
/// why consoles write it before the flags.
const KEEP_FLAGS_PAST_TIMEOUT: u8 = 0x08;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    GetDeviceId,
    GetChannelAuthCapabilities,
    SetSessionPrivilege,
    CloseSession,
    GetChannelCipherSuites,
    GetChassisStatus,
    ChassisControl,
    SetBootOptions,
    GetBootOptions,
    GetFruInventoryAreaInfo,
    ReadFruData,
}

impl Command {
    fn of(netfn: u8, cmd: u8) -> Option<Command> {
        Some(match (netfn, cmd) {
            (NETFN_APP, 0x01) => Command::GetDeviceId,
            (NETFN_APP, 0x38) => Command::GetChannelAuthCapabilities,
            (NETFN_APP, 0x3B) => Command::SetSessionPrivilege,
            (NETFN_APP, 0x3C) => Command::CloseSession,
            (NETFN_APP, 0x54) => Command::GetChannelCipherSuites,
            (NETFN_CHASSIS, 0x01) => Command::GetChassisStatus,
            (NETFN_CHASSIS, 0x02) => Command::ChassisControl,
            (NETFN_CHASSIS, 0x08) => Command::SetBootOptions,
            (NETFN_CHASSIS, 0x09) => Command::GetBootOptions,
            (NETFN_STORAGE, 0x10) => Command::GetFruInventoryAreaInfo,
            (NETFN_STORAGE, 0x11) => Command::ReadFruData,
            _ => return None,
        })
    }

    /// The command's name in the specification.
    fn name(self) -> &'static str {
        match self {
            Command::GetDeviceId => "Get Device ID",
            Command::GetChannelAuthCapabilities => "Get Channel Authentication Capabilities",
            Command::SetSessionPrivilege => "Set Session Privilege Level",
            Command::CloseSession => "Close Session",
            Command::GetChannelCipherSuites => "Get Channel Cipher Suites",
            Command::GetChassisStatus => "Get Chassis Status",
            Command::ChassisControl => "Chassis Control",
            Command::SetBootOptions => "Set System Boot Options",
            Command::GetBootOptions => "Get System Boot Options",
            Command::GetFruInventoryAreaInfo => "Get FRU Inventory Area Info",
            Command::ReadFruData => "Read FRU Data",
        }
    }

    /// The privilege the command needs (IPMI v2.0 appendix G); `None`: it is answered outside
    /// a session too.
    fn needs(self) -> Option<Privilege> {
        match self {
            Command::GetChannelAuthCapabilities | Command::GetChannelCipherSuites => None,
            Command::CloseSession => Some(Privilege::Callback),
            Command::GetDeviceId
            | Command::SetSessionPrivilege
            | Command::GetChassisStatus
            | Command::GetFruInventoryAreaInfo
            | Command::ReadFruData => Some(Privilege::User),
            Command::ChassisControl | Command::SetBootOptions | Command::GetBootOptions => {
                Some(Privilege::Operator)
            }
        }
    }
}

/// Boot option parameters the BMC keeps itself; the boot flags (parameter 5) are the
/// chassis's next boot.
#[derive(Debug, Default)]
pub struct BootOptions {
    /// Parameter 0: set complete (0), set in progress (1), commit write (2).
    set_in_progress: u8,
    /// Parameter 3: which events do not clear the boot flags' valid bit.
    valid_bit_clearing: u8,
    /// Parameter 4: which boot stages acknowledged the boot info.
    acknowledged: u8,
    /// When the boot flags set here stop being valid, and what they set.
    expiry: Option<(Instant, NextBoot)>,
}

/// Answers `request` from a caller at `privilege` (`None`: outside a session).
pub fn answer(
    boot: &mut BootOptions,
    chassis: &dyn Chassis,
    privilege: Option<Privilege>,
    request: &Request,
    now: Instant,
) -> Answer {
    let Some(command) = Command::of(request.netfn, request.cmd) else {
        return fail(completion::INVALID_COMMAND);
    };
    if let Some(needed) = command.needs()
        && privilege.is_none_or(|p| p < needed)
    {
        return fail(completion::INSUFFICIENT_PRIVILEGE);
    }
    let data = request.data;
    match command {
        Command::GetDeviceId => ok(DEVICE_ID.to_vec()),
        Command::GetChannelAuthCapabilities => channel_authentication(data),
        Command::GetChannelCipherSuites => cipher_suites(data),
        // Inside a session these are the session's to answer; outside one they are refused
        // above.
        Command::SetSessionPrivilege | Command::CloseSession => fail(completion::INSUFFICIENT_PRIVILEGE),
        Command::GetChassisStatus => ok(vec![u8::from(chassis.powered()) | RESTORE_PREVIOUS, 0, 0]),
        Command::ChassisControl => {
            let answer = chassis_control(chassis, data);
            if answer.0 == completion::OK {
                boot.restart_countdown(now);
            }
            answer
        }
        Command::SetBootOptions => boot.set(chassis, data, now),
        Command::GetBootOptions => boot.get(chassis, data),
        Command::GetFruInventoryAreaInfo => fru_area_info(chassis, data),
        Command::ReadFruData => read_fru(chassis, data),
    }
}

/// The command's name, for the request log; an unknown one by its numbers.
pub fn name(netfn: u8, cmd: u8) -> String {
    match Command::of(netfn, cmd) {
        Some(command) => command.name().to_string(),
        None => format!("NetFn 0x{netfn:02X} Cmd 0x{cmd:02X}"),
    }
}

/// The power change `request` made the machine accept, given the completion `code` it was
/// answered with: a Chassis Control answered OK.
pub fn power_accepted(request: &Request, code: u8) -> Option<PowerRequest> {
    match (Command::of(request.netfn, request.cmd), request.data) {
        (Some(Command::ChassisControl), &[control]) if code == completion::OK => control_request(control),
        _ => None,
    }
}

fn ok(data: Vec<u8>) -> Answer {
    (completion::OK, data)
}

fn fail(code: u8) -> Answer {
    (code, vec![])
}

fn is_our_channel(byte: u8) -> bool {
    matches!(byte & 0x0F, LAN_CHANNEL | CURRENT_CHANNEL)
}

/// Get Channel Authentication Capabilities: no IPMI 1.5 authentication types, user-level
/// logins with non-null names, and (when asked with bit 7) IPMI 2.0 connections.
fn channel_authentication(data: &[u8]) -> Answer {
    let [channel, privilege] = *data else {
        return fail(completion::REQUEST_DATA_LENGTH_INVALID);
    };
    if !is_our_channel(channel) || !(1..=5).contains(&(privilege & 0x0F)) {
        return fail(completion::INVALID_DATA_FIELD);
    }
    let v2 = channel & 0x80 != 0;
    let extended = if v2 { 0x80 } else { 0x00 };
    let connections = if v2 { 0x02 } else { 0x00 };
    ok(vec![LAN_CHANNEL, extended, 0x04, connections, 0, 0, 0, 0])
}

/// Get Channel Cipher Suites: the suites' records (start 0xC0, ID, then the algorithms
/// tagged 0x00 / 0x40 / 0x80) or the bare algorithm list, 16 bytes per list index.
fn cipher_suites(data: &[u8]) -> Answer {
    let [channel, _payload_type, index] = *data else {
        return fail(completion::REQUEST_DATA_LENGTH_INVALID);
    };
    if !is_our_channel(channel) {
        return fail(completion::INVALID_DATA_FIELD);
    }
    let tagged =
        |[auth, integrity, confidentiality]: [u8; 3]| [auth, 0x40 | integrity, 0x80 | confidentiality];
    let mut list = Vec::new();
    if index & 0x80 != 0 {
        for suite in CipherSuite::ALL {
            list.extend_from_slice(&[0xC0, suite.id()]);
            list.extend_from_slice(&tagged(suite.algorithms()));
        }
    } else {
        for suite in CipherSuite::ALL {
            for algorithm in tagged(suite.algorithms()) {
                if !list.contains(&algorithm) {
                    list.push(algorithm);
                }
            }
        }
    }
    let start = usize::from(index & 0x3F) * 16;
    let mut out = vec![LAN_CHANNEL];
    out.extend(list.iter().skip(start).take(16));
    ok(out)
}

/// Chassis Control: down, up, power cycle, hard reset, (no diagnostic interrupt), soft
/// shutdown. A cycle or reset of a machine that is off does nothing and says so (0xD5), as
/// the spec recommends.
fn chassis_control(chassis: &dyn Chassis, data: &[u8]) -> Answer {
    let [control] = *data else {
        return fail(completion::REQUEST_DATA_LENGTH_INVALID);
    };
    let Some(request) = control_request(control) else {
        return fail(completion::INVALID_DATA_FIELD);
    };
    if request == PowerRequest::Cycle && !chassis.powered() {
        return fail(completion::NOT_IN_PRESENT_STATE);
    }
    chassis.request_power(request);
    ok(vec![])
}

/// What a Chassis Control byte asks of the machine's power.
fn control_request(control: u8) -> Option<PowerRequest> {
    Some(match control & 0x0F {
        0x00 => PowerRequest::ForceOff,
        0x01 => PowerRequest::On,
        // A hard reset restarts the machine without its power going off for long: to the
        // chassis it is a cycle.
        0x02 | 0x03 => PowerRequest::Cycle,
        0x05 => PowerRequest::GracefulOff,
        _ => return None,
    })
}

impl BootOptions {
    /// Set System Boot Options: parameter (bit 7, "lock", is ignored), then its data.
    fn set(&mut self, chassis: &dyn Chassis, data: &[u8], now: Instant) -> Answer {
        let Some((&parameter, value)) = data.split_first() else {
            return fail(completion::REQUEST_DATA_LENGTH_INVALID);
        };
        match (parameter & 0x7F, value) {
            (0, &[progress]) if progress & 0x03 == 0x03 => return fail(completion::INVALID_DATA_FIELD),
            (0, &[progress]) => self.set_in_progress = progress & 0x03,
            (3, &[clearing]) => {
                self.valid_bit_clearing = clearing & 0x1F;
                if clearing & KEEP_FLAGS_PAST_TIMEOUT != 0 {
                    self.expiry = None;
                }
            }
            (4, &[mask, acknowledged]) => {
                self.acknowledged = (self.acknowledged & !mask) | (acknowledged & mask)
            }
            (5, &[flags, device, _, _, _]) => match next_boot(flags, device) {
                Ok(boot) => {
                    chassis.set_next_boot(boot);
                    let expires = self.valid_bit_clearing & KEEP_FLAGS_PAST_TIMEOUT == 0;
                    self.expiry = boot.filter(|_| expires).map(|b| (now + BOOT_FLAGS_TIMEOUT, b));
                }
                Err(code) => return fail(code),
            },
            (0 | 3 | 4 | 5, _) => return fail(completion::REQUEST_DATA_LENGTH_INVALID),
            _ => return fail(completion::PARAMETER_NOT_SUPPORTED),
        }
        ok(vec![])
    }

    /// A Chassis Control restarts the countdown of boot flags that expire.
    fn restart_countdown(&mut self, now: Instant) {
        if let Some((deadline, _)) = &mut self.expiry {
            *deadline = now + BOOT_FLAGS_TIMEOUT;
        }
    }

    /// When boot flags set here expire, if they do.
    pub fn deadline(&self) -> Option<Instant> {
        self.expiry.map(|(deadline, _)| deadline)
    }

    /// Clears the boot flags set here once their time is up, unless the chassis's next boot
    /// has changed since (the machine booted, or something else set it).
    pub fn expire(&mut self, chassis: &dyn Chassis, now: Instant) {
        let Some((deadline, boot)) = self.expiry else {
            return;
        };
        if now < deadline {
            return;
        }
        if chassis.next_boot() == Some(boot) {
            chassis.set_next_boot(None);
        }
        self.expiry = None;
    }

    /// Get System Boot Options: parameter, set selector, block selector; answers parameter
    /// version 1, the parameter, its data.
    fn get(&self, chassis: &dyn Chassis, data: &[u8]) -> Answer {
        let [parameter, _, _] = *data else {
            return fail(completion::REQUEST_DATA_LENGTH_INVALID);
        };
        let parameter = parameter & 0x7F;
        let value = match parameter {
            0 => vec![self.set_in_progress],
            3 => vec![self.valid_bit_clearing],
            4 => vec![0x00, self.acknowledged],
            5 => boot_flags(chassis.next_boot()).to_vec(),
            _ => return fail(completion::PARAMETER_NOT_SUPPORTED),
        };
        let mut out = vec![0x01, parameter];
        out.extend_from_slice(&value);
        ok(out)
    }
}

/// The next boot that boot flags set: none when not valid or no device is forced.
fn next_boot(flags: u8, device: u8) -> Result<Option<NextBoot>, u8> {
    if flags & BOOT_VALID == 0 {
        return Ok(None);
    }
    let device = match (device >> 2) & 0x0F {
        0 => return Ok(None),
        BOOT_DEVICE_PXE => BootDevice::Pxe,
        BOOT_DEVICE_DISK => BootDevice::Disk,
        // CD, BIOS setup, floppy, …: the simulated machine has none of them.
        _ => return Err(completion::INVALID_DATA_FIELD),
    };
    let persistence = if flags & BOOT_PERSISTENT != 0 {
        BootPersistence::Persistent
    } else {
        BootPersistence::Once
    };
    Ok(Some(NextBoot {
        device,
        persistence,
        uefi: flags & BOOT_EFI != 0,
    }))
}

/// The boot flags (5 bytes) reading back a next boot.
fn boot_flags(boot: Option<NextBoot>) -> [u8; 5] {
    let Some(boot) = boot else {
        return [0; 5];
    };
    let mut flags = BOOT_VALID;
    if boot.persistence == BootPersistence::Persistent {
        flags |= BOOT_PERSISTENT;
    }
    if boot.uefi {
        flags |= BOOT_EFI;
    }
    let device = match boot.device {
        BootDevice::Pxe => BOOT_DEVICE_PXE,
        BootDevice::Disk => BOOT_DEVICE_DISK,
    };
    [flags, device << 2, 0, 0, 0]
}

/// Only FRU device 0 (the machine) exists.
fn fru_image(chassis: &dyn Chassis, device: u8) -> Result<Vec<u8>, Answer> {
    if device != 0 {
        return Err(fail(completion::NOT_PRESENT));
    }
    Ok(fru::image(&chassis.identity()))
}

/// Get FRU Inventory Area Info: size (2 bytes LE) and byte access.
fn fru_area_info(chassis: &dyn Chassis, data: &[u8]) -> Answer {
    let [device] = *data else {
        return fail(completion::REQUEST_DATA_LENGTH_INVALID);
    };
    match fru_image(chassis, device) {
        Ok(image) => {
            let [lo, hi] = u16::try_from(image.len()).unwrap_or(u16::MAX).to_le_bytes();
            ok(vec![lo, hi, 0x00])
        }
        Err(answer) => answer,
    }
}

/// Read FRU Data: device, offset (2 bytes LE), count; answers the count read and the bytes.
fn read_fru(chassis: &dyn Chassis, data: &[u8]) -> Answer {
    let [device, lo, hi, count] = *data else {
        return fail(completion::REQUEST_DATA_LENGTH_INVALID);
    };
    let image = match fru_image(chassis, device) {
        Ok(image) => image,
        Err(answer) => return answer,
    };
    let offset = usize::from(u16::from_le_bytes([lo, hi]));
    let Some(rest) = image.get(offset..) else {
        return fail(completion::PARAMETER_OUT_OF_RANGE);
    };
    let chunk = &rest[..rest.len().min(usize::from(count)).min(MAX_FRU_READ)];
    let mut out = vec![chunk.len() as u8];
    out.extend_from_slice(chunk);
    ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::bmc::{Identity, MemoryChassis};

    fn request(netfn: u8, cmd: u8, data: &[u8]) -> Vec<u8> {
        let mut message = vec![0x20, netfn << 2];
        message.push(0u8.wrapping_sub(message[0]).wrapping_sub(message[1]));
        message.extend_from_slice(&[0x81, 0x04, cmd]);
        message.extend_from_slice(data);
        let sum = message[3..].iter().fold(0u8, |s, b| s.wrapping_add(*b));
        message.push(sum.wrapping_neg());
        message
    }

    fn ask(
        chassis: &MemoryChassis,
        boot: &mut BootOptions,
        privilege: Option<Privilege>,
        netfn: u8,
        cmd: u8,
        data: &[u8],
    ) -> Answer {
        let message = request(netfn, cmd, data);
        answer(
            boot,
            chassis,
            privilege,
            &Request::parse(&message).unwrap(),
            Instant::now(),
        )
    }

    fn chassis() -> MemoryChassis {
        MemoryChassis::new(Identity::default(), "admin", "password")
    }

    const ADMIN: Option<Privilege> = Some(Privilege::Administrator);

    #[test]
    fn unknown_commands_are_0xc1_and_privileged_ones_need_their_level() {
        let c = chassis();
        let b = &mut BootOptions::default();
        assert_eq!(ask(&c, b, ADMIN, 0x06, 0x99, &[]).0, 0xC1);
        assert_eq!(ask(&c, b, ADMIN, 0x2C, 0x00, &[]).0, 0xC1);
        assert_eq!(
            ask(&c, b, None, 0x06, 0x01, &[]).0,
            0xD4,
            "Get Device ID needs a session"
        );
        assert_eq!(ask(&c, b, Some(Privilege::User), 0x00, 0x02, &[0x01]).0, 0xD4);
        assert!(c.state().requests.is_empty());
        assert_eq!(ask(&c, b, Some(Privilege::Operator), 0x00, 0x02, &[0x01]).0, 0x00);
        assert_eq!(c.state().requests, [PowerRequest::On]);
        assert_eq!(
            ask(&c, b, None, 0x06, 0x38, &[0x8E, 0x04]),
            (0x00, vec![1, 0x80, 0x04, 0x02, 0, 0, 0, 0])
        );
    }

    #[test]
    fn chassis_control_maps_to_power_requests_and_refuses_a_cycle_when_off() {
        let c = chassis();
        let b = &mut BootOptions::default();
        assert_eq!(ask(&c, b, ADMIN, 0x00, 0x02, &[0x02]).0, 0xD5);
        assert_eq!(ask(&c, b, ADMIN, 0x00, 0x02, &[0x03]).0, 0xD5);
        for control in [0x01, 0x02, 0x03, 0x05, 0x00] {
            assert_eq!(ask(&c, b, ADMIN, 0x00, 0x02, &[control]).0, 0x00);
        }
        use PowerRequest::*;
        assert_eq!(c.state().requests, [On, Cycle, Cycle, GracefulOff, ForceOff]);
        assert_eq!(
            ask(&c, b, ADMIN, 0x00, 0x02, &[0x04]).0,
            0xCC,
            "no diagnostic interrupt"
        );
        assert_eq!(ask(&c, b, ADMIN, 0x00, 0x02, &[]).0, 0xC7);
        assert_eq!(ask(&c, b, ADMIN, 0x00, 0x01, &[]), (0x00, vec![0x20, 0, 0]));
    }

    #[test]
    fn boot_flags_set_the_chassis_next_boot_and_read_back() {
        let c = chassis();
        let b = &mut BootOptions::default();
        assert_eq!(
            ask(&c, b, ADMIN, 0x00, 0x08, &[0x05, 0xE0, 0x04, 0, 0, 0]).0,
            0x00
        );
        let expected = NextBoot {
            device: BootDevice::Pxe,
            persistence: BootPersistence::Persistent,
            uefi: true,
        };
        assert_eq!(c.next_boot(), Some(expected));
        assert_eq!(
            ask(&c, b, ADMIN, 0x00, 0x09, &[0x05, 0, 0]),
            (0x00, vec![1, 5, 0xE0, 0x04, 0, 0, 0])
        );
        assert_eq!(
            ask(&c, b, ADMIN, 0x00, 0x08, &[0x05, 0x80, 0x08, 0, 0, 0]).0,
            0x00
        );
        assert_eq!(c.next_boot(), Some(NextBoot::once(BootDevice::Disk)));
        assert_eq!(
            ask(&c, b, ADMIN, 0x00, 0x08, &[0x05, 0x80, 0x14, 0, 0, 0]).0,
            0xCC,
            "no CD drive"
        );
        assert_eq!(
            ask(&c, b, ADMIN, 0x00, 0x08, &[0x05, 0x00, 0x04, 0, 0, 0]).0,
            0x00
        );
        assert_eq!(c.next_boot(), None, "flags not valid: no override");
        assert_eq!(ask(&c, b, ADMIN, 0x00, 0x08, &[0x05, 0x80]).0, 0xC7);
        assert_eq!(ask(&c, b, ADMIN, 0x00, 0x08, &[0x07, 0]).0, 0x80);
        assert_eq!(ask(&c, b, ADMIN, 0x00, 0x09, &[0x07, 0, 0]).0, 0x80);
        assert_eq!(ask(&c, b, ADMIN, 0x00, 0x08, &[0x03, 0x08]).0, 0x00);
        assert_eq!(ask(&c, b, ADMIN, 0x00, 0x09, &[0x03, 0, 0]).1, [1, 3, 0x08]);
        assert_eq!(ask(&c, b, ADMIN, 0x00, 0x08, &[0x04, 0x01, 0x01]).0, 0x00);
        assert_eq!(ask(&c, b, ADMIN, 0x00, 0x09, &[0x04, 0, 0]).1, [1, 4, 0x00, 0x01]);
    }

    #[test]
    fn cipher_suites_are_listed_in_16_byte_pages() {
        let c = chassis();
        let b = &mut BootOptions::default();
        let (code, data) = ask(&c, b, None, 0x06, 0x54, &[0x0E, 0x00, 0x80]);
        assert_eq!(code, 0);
        assert_eq!(data, [1, 0xC0, 3, 0x01, 0x41, 0x81, 0xC0, 17, 0x03, 0x44, 0x81]);
        assert_eq!(ask(&c, b, None, 0x06, 0x54, &[0x0E, 0x00, 0x81]).1, [1]);
        assert_eq!(
            ask(&c, b, None, 0x06, 0x54, &[0x0E, 0x00, 0x00]).1,
            [1, 0x01, 0x41, 0x81, 0x03, 0x44]
        );
    }

    #[test]
    fn the_fru_is_read_in_bounded_chunks() {
        let c = chassis();
        let b = &mut BootOptions::default();
        let (code, info) = ask(&c, b, ADMIN, 0x0A, 0x10, &[0]);
        assert_eq!(code, 0);
        let size = usize::from(u16::from_le_bytes([info[0], info[1]]));
        let (_, chunk) = ask(&c, b, ADMIN, 0x0A, 0x11, &[0, 0, 0, 0xFF]);
        assert_eq!(usize::from(chunk[0]), MAX_FRU_READ.min(size));
        assert_eq!(ask(&c, b, ADMIN, 0x0A, 0x11, &[0, 0xFF, 0xFF, 8]).0, 0xC9);
        assert_eq!(ask(&c, b, ADMIN, 0x0A, 0x10, &[1]).0, 0xCB);
    }

    #[test]
    fn boot_flags_expire_after_60_seconds_unless_parameter_3_keeps_them() {
        let c = chassis();
        let b = &mut BootOptions::default();
        let t0 = Instant::now();
        let set_pxe = |b: &mut BootOptions, now| {
            let message = request(0x00, 0x08, &[0x05, 0x80, 0x04, 0, 0, 0]);
            answer(b, &c, ADMIN, &Request::parse(&message).unwrap(), now).0
        };
        assert_eq!(set_pxe(b, t0), 0x00);
        assert_eq!(b.deadline(), Some(t0 + BOOT_FLAGS_TIMEOUT));
        b.expire(&c, t0 + BOOT_FLAGS_TIMEOUT - Duration::from_secs(1));
        assert_eq!(c.next_boot(), Some(NextBoot::once(BootDevice::Pxe)));
        b.expire(&c, t0 + BOOT_FLAGS_TIMEOUT);
        assert_eq!(c.next_boot(), None, "cleared on timeout");
        assert_eq!(b.deadline(), None);

        // A Chassis Control restarts the countdown.
        assert_eq!(set_pxe(b, t0), 0x00);
        let control = request(0x00, 0x02, &[0x01]);
        let later = t0 + Duration::from_secs(30);
        assert_eq!(
            answer(b, &c, ADMIN, &Request::parse(&control).unwrap(), later).0,
            0x00
        );
        assert_eq!(b.deadline(), Some(later + BOOT_FLAGS_TIMEOUT));

        // Flags changed since (the machine booted from them) are not this BMC's to clear.
        c.set_next_boot(Some(NextBoot::once(BootDevice::Disk)));
        b.expire(&c, later + BOOT_FLAGS_TIMEOUT);
        assert_eq!(c.next_boot(), Some(NextBoot::once(BootDevice::Disk)));

        // Parameter 3 with "don't clear on timeout": nothing expires.
        assert_eq!(ask(&c, b, ADMIN, 0x00, 0x08, &[0x03, 0x08]).0, 0x00);
        assert_eq!(set_pxe(b, t0), 0x00);
        assert_eq!(b.deadline(), None);
    }
}
