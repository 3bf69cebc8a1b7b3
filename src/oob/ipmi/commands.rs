//! The IPMI commands drydock sends, as bytes: what each request carries and how each
//! response reads (IPMI 2.0: Get Device ID §20.1, Get Chassis Status §28.2, Chassis Control
//! §28.3, Set/Get System Boot Options §28.12–28.13, Get FRU Inventory Area Info and Read FRU
//! Data §34.1–34.2). Decoders check lengths: a short answer is an error, never a panic.

use std::fmt;

use super::completion::SpecificCode;
use super::transport::{NetFn, Request};
use crate::oob::{BootDevice, BootPersistence, NextBoot, OobErrorKind, PowerRequest, PowerState};

/// One IPMI command: its name for messages, its address, and what its own completion
/// codes mean.
#[derive(Debug)]
pub struct Command {
    pub name: &'static str,
    pub netfn: NetFn,
    pub cmd: u8,
    pub specific: &'static [SpecificCode],
}

/// A command with its request data, ready to send.
#[derive(Debug, Clone)]
pub struct Call {
    pub command: &'static Command,
    pub data: Vec<u8>,
}

impl Call {
    pub fn request(&self) -> Request {
        Request {
            netfn: self.command.netfn,
            cmd: self.command.cmd,
            data: self.data.clone(),
        }
    }
}

/// A response that does not have the shape its command defines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub String);

fn need(what: &str, data: &[u8], len: usize) -> Result<(), Malformed> {
    if data.len() < len {
        return Err(Malformed(format!(
            "{what} answered {} data bytes ({}), at least {len} expected",
            data.len(),
            hex(data)
        )));
    }
    Ok(())
}

/// Bytes as ipmitool prints them: `01 05 00`.
pub fn hex(data: &[u8]) -> String {
    data.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

const BOOT_OPTION_CODES: &[SpecificCode] = &[
    SpecificCode {
        code: 0x80,
        meaning: "boot option parameter not supported",
        kind: OobErrorKind::Refused,
    },
    SpecificCode {
        code: 0x81,
        meaning: "boot options are being set by someone else (set in progress)",
        kind: OobErrorKind::Transient,
    },
    SpecificCode {
        code: 0x82,
        meaning: "boot option parameter is read-only",
        kind: OobErrorKind::Refused,
    },
];

pub static GET_DEVICE_ID: Command = Command {
    name: "Get Device ID",
    netfn: NetFn::App,
    cmd: 0x01,
    specific: &[],
};

pub static GET_CHASSIS_STATUS: Command = Command {
    name: "Get Chassis Status",
    netfn: NetFn::Chassis,
    cmd: 0x01,
    specific: &[],
};

pub static CHASSIS_CONTROL: Command = Command {
    name: "Chassis Control",
    netfn: NetFn::Chassis,
    cmd: 0x02,
    specific: &[],
};

pub static SET_BOOT_OPTIONS: Command = Command {
    name: "Set System Boot Options",
    netfn: NetFn::Chassis,
    cmd: 0x08,
    specific: BOOT_OPTION_CODES,
};

pub static GET_BOOT_OPTIONS: Command = Command {
    name: "Get System Boot Options",
    netfn: NetFn::Chassis,
    cmd: 0x09,
    specific: BOOT_OPTION_CODES,
};

pub static GET_FRU_AREA_INFO: Command = Command {
    name: "Get FRU Inventory Area Info",
    netfn: NetFn::Storage,
    cmd: 0x10,
    specific: &[],
};

pub static READ_FRU_DATA: Command = Command {
    name: "Read FRU Data",
    netfn: NetFn::Storage,
    cmd: 0x11,
    specific: &[SpecificCode {
        code: 0x81,
        meaning: "FRU device busy",
        kind: OobErrorKind::Transient,
    }],
};

pub fn get_chassis_status() -> Call {
    Call {
        command: &GET_CHASSIS_STATUS,
        data: vec![],
    }
}

/// Byte 1 bit 0: system power is on.
pub fn decode_chassis_status(data: &[u8]) -> Result<PowerState, Malformed> {
    need(GET_CHASSIS_STATUS.name, data, 1)?;
    Ok(if data[0] & 0x01 != 0 {
        PowerState::On
    } else {
        PowerState::Off
    })
}

pub fn chassis_control(request: PowerRequest) -> Call {
    let control = match request {
        PowerRequest::ForceOff => 0x00,
        PowerRequest::On => 0x01,
        PowerRequest::Cycle => 0x02,
        // ACPI soft shutdown: the OS is asked to shut down.
        PowerRequest::GracefulOff => 0x05,
    };
    Call {
        command: &CHASSIS_CONTROL,
        data: vec![control],
    }
}

const BOOT_FLAG_VALID_BIT_CLEARING: u8 = 3;
const BOOT_FLAGS: u8 = 5;

/// Parameter 3, bit 3: the BMC must not drop the boot flags when no chassis control
/// follows within 60 s (the power cycle comes later, after other nodes' work), as pyghmi
/// and so Drydock write it.
pub fn keep_boot_flags_valid() -> Call {
    Call {
        command: &SET_BOOT_OPTIONS,
        data: vec![BOOT_FLAG_VALID_BIT_CLEARING, 0x08],
    }
}

/// The boot device selector, bits 5:2 of boot flags byte 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootSelector(pub u8);

impl BootSelector {
    pub fn of(device: BootDevice) -> BootSelector {
        match device {
            BootDevice::Pxe => BootSelector(0x1),
            BootDevice::Disk => BootSelector(0x2),
        }
    }
}

impl fmt::Display for BootSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            0x0 => "no override",
            0x1 => "PXE",
            0x2 => "default hard drive",
            0x3 => "hard drive, safe mode",
            0x4 => "diagnostic partition",
            0x5 => "CD/DVD",
            0x6 => "BIOS setup",
            0x7 => "remote floppy",
            0x8 => "remote CD/DVD",
            0x9 => "primary remote media",
            0xB => "remote hard drive",
            0xF => "floppy",
            _ => "a reserved device",
        })
    }
}

/// Boot flags (parameter 5) as the BMC reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootFlags {
    pub valid: bool,
    pub persistent: bool,
    pub uefi: bool,
    pub selector: BootSelector,
}

/// Byte 1: bit 7 valid, bit 6 persistent, bit 5 EFI; byte 2: the device in bits 5:2;
/// bytes 3–5 left 0 (no console redirection, BIOS verbosity or instance overrides).
pub fn set_boot_flags(boot: NextBoot) -> Call {
    let mut flags = 0x80;
    if boot.persistence == BootPersistence::Persistent {
        flags |= 0x40;
    }
    if boot.uefi {
        flags |= 0x20;
    }
    let device = BootSelector::of(boot.device).0 << 2;
    Call {
        command: &SET_BOOT_OPTIONS,
        data: vec![BOOT_FLAGS, flags, device, 0, 0, 0],
    }
}

pub fn get_boot_flags() -> Call {
    Call {
        command: &GET_BOOT_OPTIONS,
        // Parameter, set selector, block selector.
        data: vec![BOOT_FLAGS, 0, 0],
    }
}

/// `01 05 b1 b2 …`: the parameter version, the parameter number (bit 7: locked), then the
/// flags.
pub fn decode_boot_flags(data: &[u8]) -> Result<BootFlags, Malformed> {
    need(GET_BOOT_OPTIONS.name, data, 4)?;
    if data[1] & 0x7F != BOOT_FLAGS {
        return Err(Malformed(format!(
            "{} answered parameter {} when boot flags (5) were asked for",
            GET_BOOT_OPTIONS.name,
            data[1] & 0x7F
        )));
    }
    Ok(BootFlags {
        valid: data[2] & 0x80 != 0,
        persistent: data[2] & 0x40 != 0,
        uefi: data[2] & 0x20 != 0,
        selector: BootSelector((data[3] >> 2) & 0x0F),
    })
}

pub fn get_device_id() -> Call {
    Call {
        command: &GET_DEVICE_ID,
        data: vec![],
    }
}

/// The BMC's identity as Get Device ID tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceId {
    pub device_id: u8,
    pub device_revision: u8,
    pub firmware_major: u8,
    /// Two BCD digits.
    pub firmware_minor: u8,
    /// BCD: bits 3:0 major, bits 7:4 minor (0x02 is 2.0, 0x51 is 1.5).
    pub ipmi_version: u8,
    /// IANA enterprise number (20 bits).
    pub manufacturer_id: u32,
    pub product_id: u16,
}

impl DeviceId {
    /// As ipmitool prints it: `9.08`.
    pub fn firmware_revision(&self) -> String {
        format!("{}.{:02x}", self.firmware_major, self.firmware_minor)
    }

    pub fn ipmi_version(&self) -> String {
        format!("{}.{}", self.ipmi_version & 0x0F, self.ipmi_version >> 4)
    }
}

/// Device id, revision, firmware major (bit 7: update in progress) and minor, IPMI
/// version, supported devices, manufacturer (3 bytes, least significant first), product (2
/// bytes); the auxiliary firmware bytes that may follow are not used.
pub fn decode_device_id(data: &[u8]) -> Result<DeviceId, Malformed> {
    need(GET_DEVICE_ID.name, data, 11)?;
    Ok(DeviceId {
        device_id: data[0],
        device_revision: data[1] & 0x0F,
        firmware_major: data[2] & 0x7F,
        firmware_minor: data[3],
        ipmi_version: data[4],
        manufacturer_id: u32::from_le_bytes([data[6], data[7], data[8], 0]) & 0x0F_FFFF,
        product_id: u16::from_le_bytes([data[9], data[10]]),
    })
}

/// FRU device 0: the one behind the BMC, describing the machine.
pub const MAIN_FRU: u8 = 0;

pub fn get_fru_area_info(fru: u8) -> Call {
    Call {
        command: &GET_FRU_AREA_INFO,
        data: vec![fru],
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FruAreaInfo {
    pub size: u16,
    /// The device is addressed in 16-bit words, not bytes.
    pub by_words: bool,
}

pub fn decode_fru_area_info(data: &[u8]) -> Result<FruAreaInfo, Malformed> {
    need(GET_FRU_AREA_INFO.name, data, 3)?;
    Ok(FruAreaInfo {
        size: u16::from_le_bytes([data[0], data[1]]),
        by_words: data[2] & 0x01 != 0,
    })
}

pub fn read_fru_data(fru: u8, offset: u16, count: u8) -> Call {
    let [lo, hi] = offset.to_le_bytes();
    Call {
        command: &READ_FRU_DATA,
        data: vec![fru, lo, hi, count],
    }
}

/// The count returned, then that many bytes.
pub fn decode_fru_data(data: &[u8]) -> Result<&[u8], Malformed> {
    need(READ_FRU_DATA.name, data, 1)?;
    let count = usize::from(data[0]);
    data.get(1..1 + count).ok_or_else(|| {
        Malformed(format!(
            "{} said it returned {count} bytes but carried {}",
            READ_FRU_DATA.name,
            data.len() - 1
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(call: &Call) -> (u8, u8, Vec<u8>) {
        let r = call.request();
        (r.netfn.code(), r.cmd, r.data)
    }

    #[test]
    fn power_requests_are_chassis_control_codes() {
        assert_eq!(bytes(&get_chassis_status()), (0x00, 0x01, vec![]));
        assert_eq!(
            bytes(&chassis_control(PowerRequest::On)),
            (0x00, 0x02, vec![0x01])
        );
        assert_eq!(
            bytes(&chassis_control(PowerRequest::ForceOff)),
            (0x00, 0x02, vec![0x00])
        );
        assert_eq!(
            bytes(&chassis_control(PowerRequest::GracefulOff)),
            (0x00, 0x02, vec![0x05])
        );
        assert_eq!(
            bytes(&chassis_control(PowerRequest::Cycle)),
            (0x00, 0x02, vec![0x02])
        );
    }

    #[test]
    fn chassis_status_reads_the_power_bit_only() {
        assert_eq!(decode_chassis_status(&[0x00, 0x00, 0x00]), Ok(PowerState::Off));
        assert_eq!(decode_chassis_status(&[0x01, 0x00, 0x00]), Ok(PowerState::On));
        // Overload, interlock and restore-policy bits set, power off.
        assert_eq!(decode_chassis_status(&[0x66, 0x10, 0x00]), Ok(PowerState::Off));
        assert!(decode_chassis_status(&[]).unwrap_err().0.contains("0 data bytes"));
    }

    #[test]
    fn every_next_boot_has_its_boot_flag_bytes() {
        use BootDevice::*;
        use BootPersistence::*;
        let cases = [
            (Pxe, Once, false, [0x80, 0x04]),
            (Pxe, Once, true, [0xA0, 0x04]),
            (Pxe, Persistent, false, [0xC0, 0x04]),
            (Pxe, Persistent, true, [0xE0, 0x04]),
            (Disk, Once, false, [0x80, 0x08]),
            (Disk, Once, true, [0xA0, 0x08]),
            (Disk, Persistent, false, [0xC0, 0x08]),
            (Disk, Persistent, true, [0xE0, 0x08]),
        ];
        for (device, persistence, uefi, [b1, b2]) in cases {
            let boot = NextBoot {
                device,
                persistence,
                uefi,
            };
            assert_eq!(
                bytes(&set_boot_flags(boot)),
                (0x00, 0x08, vec![0x05, b1, b2, 0, 0, 0]),
                "{boot:?}"
            );
        }
        assert_eq!(bytes(&keep_boot_flags_valid()), (0x00, 0x08, vec![0x03, 0x08]));
        assert_eq!(bytes(&get_boot_flags()), (0x00, 0x09, vec![0x05, 0x00, 0x00]));
    }

    #[test]
    fn boot_flags_read_back_as_written() {
        // ipmi_sim keeps the device only.
        assert_eq!(
            decode_boot_flags(&[0x01, 0x05, 0x00, 0x04, 0x00, 0x00, 0x00]),
            Ok(BootFlags {
                valid: false,
                persistent: false,
                uefi: false,
                selector: BootSelector(0x1),
            })
        );
        // A BMC that keeps everything, parameter marked locked.
        assert_eq!(
            decode_boot_flags(&[0x01, 0x85, 0xE0, 0x08, 0x00, 0x00, 0x00]),
            Ok(BootFlags {
                valid: true,
                persistent: true,
                uefi: true,
                selector: BootSelector(0x2),
            })
        );
        assert!(
            decode_boot_flags(&[0x01, 0x03, 0x08, 0x00])
                .unwrap_err()
                .0
                .contains("parameter 3")
        );
        assert!(decode_boot_flags(&[0x01, 0x05]).is_err());
        assert_eq!(BootSelector(0x5).to_string(), "CD/DVD");
        assert_eq!(
            BootSelector::of(BootDevice::Disk).to_string(),
            "default hard drive"
        );
    }

    #[test]
    fn device_id_fields_as_ipmi_sim_answers_them() {
        let id = decode_device_id(&[
            0x00, 0x03, 0x09, 0x08, 0x02, 0x9f, 0x91, 0x12, 0x00, 0x02, 0x0f, 0x00, 0x00, 0x00, 0x00,
        ])
        .unwrap();
        assert_eq!(id.device_id, 0);
        assert_eq!(id.device_revision, 3);
        assert_eq!(id.firmware_revision(), "9.08");
        assert_eq!(id.ipmi_version(), "2.0");
        assert_eq!(id.manufacturer_id, 4753);
        assert_eq!(id.product_id, 0x0f02);
        assert_eq!(bytes(&get_device_id()), (0x06, 0x01, vec![]));
    }

    #[test]
    fn device_id_masks_flag_bits_and_reads_ipmi_1_5() {
        // Bit 7 of the revision (provides SDRs) and of firmware major (update in progress);
        // the top nibble of the manufacturer's third byte is reserved.
        let id =
            decode_device_id(&[0x20, 0x81, 0x82, 0x15, 0x51, 0x00, 0xA2, 0x02, 0xF0, 0x34, 0x12]).unwrap();
        assert_eq!(id.device_revision, 1);
        assert_eq!(id.firmware_revision(), "2.15");
        assert_eq!(id.ipmi_version(), "1.5");
        assert_eq!(id.manufacturer_id, 0x02A2);
        assert_eq!(id.product_id, 0x1234);
        assert!(decode_device_id(&[0; 10]).unwrap_err().0.contains("at least 11"));
    }

    #[test]
    fn fru_requests_and_answers() {
        assert_eq!(bytes(&get_fru_area_info(0)), (0x0A, 0x10, vec![0x00]));
        assert_eq!(
            decode_fru_area_info(&[0x00, 0x01, 0x00]),
            Ok(FruAreaInfo {
                size: 256,
                by_words: false
            })
        );
        assert!(decode_fru_area_info(&[0x00, 0x01, 0x01]).unwrap().by_words);
        assert_eq!(
            bytes(&read_fru_data(0, 0x0123, 32)),
            (0x0A, 0x11, vec![0x00, 0x23, 0x01, 32])
        );
        assert_eq!(decode_fru_data(&[0x02, 0xAA, 0xBB]), Ok(&[0xAA, 0xBB][..]));
        assert_eq!(decode_fru_data(&[0x00]), Ok(&[][..]));
        assert!(
            decode_fru_data(&[0x03, 0xAA])
                .unwrap_err()
                .0
                .contains("returned 3 bytes but carried 1")
        );
        assert!(decode_fru_data(&[]).is_err());
    }
}
