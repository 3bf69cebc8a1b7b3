//! IPMI completion codes (IPMI 2.0 §5.2, table 5-2): the first byte of every response,
//! named so an error says what the BMC meant, and sorted into what may pass if sent again
//! and what will not.

use std::fmt;

use crate::oob::OobErrorKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompletionCode(pub u8);

/// What one command's own codes (0x80–0xBE) mean, and whether they may pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecificCode {
    pub code: u8,
    pub meaning: &'static str,
    pub kind: OobErrorKind,
}

impl CompletionCode {
    pub const OK: CompletionCode = CompletionCode(0x00);

    pub fn is_ok(self) -> bool {
        self == CompletionCode::OK
    }

    /// The generic meaning; codes 0x80–0xBE are the command's own (see [`SpecificCode`]).
    pub fn meaning(self) -> &'static str {
        match self.0 {
            0x00 => "command completed normally",
            0xC0 => "node busy",
            0xC1 => "invalid command",
            0xC2 => "command invalid for given LUN",
            0xC3 => "timeout while processing command",
            0xC4 => "out of space",
            0xC5 => "reservation canceled or invalid reservation ID",
            0xC6 => "request data truncated",
            0xC7 => "request data length invalid",
            0xC8 => "request data field length limit exceeded",
            0xC9 => "parameter out of range",
            0xCA => "cannot return number of requested data bytes",
            0xCB => "requested sensor, data, or record not present",
            0xCC => "invalid data field in request",
            0xCD => "command illegal for specified sensor or record type",
            0xCE => "command response could not be provided",
            0xCF => "cannot execute duplicated request",
            0xD0 => "SDR repository in update mode",
            0xD1 => "device in firmware update mode",
            0xD2 => "BMC initialization in progress",
            0xD3 => "destination unavailable",
            0xD4 => "insufficient privilege level",
            0xD5 => "command not supported in present state",
            0xD6 => "command sub-function disabled or unavailable",
            0xFF => "unspecified error",
            0x01..=0x7E => "OEM completion code",
            0x80..=0xBE => "command-specific completion code",
            _ => "reserved completion code",
        }
    }

    /// Busy, timed out or initialising may pass; a privilege the account lacks is the
    /// account's problem; anything else is the BMC saying no to this request.
    pub fn kind(self) -> OobErrorKind {
        match self.0 {
            0xC0 | 0xC3 | 0xC5 | 0xCE | 0xCF | 0xD0 | 0xD1 | 0xD2 | 0xD3 => OobErrorKind::Transient,
            0xD4 => OobErrorKind::Auth,
            _ => OobErrorKind::Refused,
        }
    }

    /// The meaning and kind for this command: its own table for its own codes, else the
    /// generic one.
    pub fn resolve(self, specific: &[SpecificCode]) -> (&'static str, OobErrorKind) {
        match specific.iter().find(|s| s.code == self.0) {
            Some(s) => (s.meaning, s.kind),
            None => (self.meaning(), self.kind()),
        }
    }
}

impl fmt::Display for CompletionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:02X}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_meaning_and_a_kind() {
        for code in 0..=u8::MAX {
            let c = CompletionCode(code);
            assert!(!c.meaning().is_empty(), "{c}");
            let _ = c.kind();
        }
    }

    #[test]
    fn the_codes_a_driver_meets_are_named_and_sorted() {
        let cases = [
            (0xC0, "node busy", OobErrorKind::Transient),
            (0xC1, "invalid command", OobErrorKind::Refused),
            (0xC3, "timeout while processing command", OobErrorKind::Transient),
            (0xC7, "request data length invalid", OobErrorKind::Refused),
            (
                0xCB,
                "requested sensor, data, or record not present",
                OobErrorKind::Refused,
            ),
            (0xCC, "invalid data field in request", OobErrorKind::Refused),
            (0xD2, "BMC initialization in progress", OobErrorKind::Transient),
            (0xD4, "insufficient privilege level", OobErrorKind::Auth),
            (
                0xD5,
                "command not supported in present state",
                OobErrorKind::Refused,
            ),
            (0xFF, "unspecified error", OobErrorKind::Refused),
            (0x81, "command-specific completion code", OobErrorKind::Refused),
        ];
        for (code, meaning, kind) in cases {
            let c = CompletionCode(code);
            assert_eq!((c.meaning(), c.kind()), (meaning, kind), "{c}");
        }
    }

    #[test]
    fn a_command_s_own_codes_override_the_generic_meaning() {
        let own = [SpecificCode {
            code: 0x81,
            meaning: "FRU device busy",
            kind: OobErrorKind::Transient,
        }];
        assert_eq!(
            CompletionCode(0x81).resolve(&own),
            ("FRU device busy", OobErrorKind::Transient)
        );
        assert_eq!(
            CompletionCode(0xCC).resolve(&own),
            ("invalid data field in request", OobErrorKind::Refused)
        );
        assert_eq!(CompletionCode(0xCC).to_string(), "0xCC");
    }
}
