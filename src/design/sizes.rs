//! Partition and logical volume sizes as Drydock's MAAS driver computes them when it lays out
//! a node's storage (`ApplyNodeStorage.calculate_bytes`): `[>]<n><unit>`, decimal units
//! (`m`, `g`, `t`, optionally with `b`) and binary ones (`mi`, `gi`, `ti`, optionally with
//! `b`), in the spellings Drydock accepts; `%` of the device or volume group; `>` for
//! "whatever is left", which is the space available less 4 MiB for the partition table,
//! whatever the number says. The validator's simpler parser (DD1001) is `rules/size.rs`.

use std::fmt;

/// Kept free on a device for its partition table when a size says `>`.
pub const PART_TABLE_RESERVATION: u64 = 4 * 1024 * 1024;

/// The device or volume group a size is taken from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeContext {
    /// Its name, for messages.
    pub name: String,
    /// Its whole size in bytes (`%` is of this).
    pub size: u64,
    /// What is not yet used (`>` takes this, less the reservation).
    pub available: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SizeError {
    /// Not `[>]<n><unit>`.
    Invalid(String),
    /// `>` or `%` without a device or volume group to take them from.
    NeedsContext(String),
    /// More than the device or volume group has left.
    NotEnough {
        size: String,
        bytes: u64,
        context: String,
        available: u64,
    },
}

impl fmt::Display for SizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SizeError::Invalid(size) => write!(
                f,
                "Invalid size string format: {size} (give [>]<number><unit>: m, g, t, mi, gi, ti, with or without b, or %)"
            ),
            SizeError::NeedsContext(size) => write!(
                f,
                "{size}: sizes using the \">\" or \"%\" format must specify a block device or volume group context"
            ),
            SizeError::NotEnough {
                size,
                bytes,
                context,
                available,
            } => write!(
                f,
                "{size} is {bytes} bytes, but {context} has only {available} bytes available"
            ),
        }
    }
}

impl std::error::Error for SizeError {}

/// The multiplier of `unit`, in the spellings Drydock's driver accepts.
fn multiplier(unit: &str) -> Option<u64> {
    Some(match unit {
        "m" | "M" | "mb" | "MB" => 1_000_000,
        "g" | "G" | "gb" | "GB" => 1_000_000_000,
        "t" | "T" | "tb" | "TB" => 1_000_000_000_000,
        "mi" | "Mi" | "mib" | "MiB" => 1 << 20,
        "gi" | "Gi" | "gib" | "GiB" => 1 << 30,
        "ti" | "Ti" | "tib" | "TiB" => 1 << 40,
        _ => return None,
    })
}

/// The bytes `size` stands for, taken from `context` when there is one.
pub fn bytes(size: &str, context: Option<&SizeContext>) -> Result<u64, SizeError> {
    let invalid = || SizeError::Invalid(size.to_string());
    let (rest_of, rest) = match size.strip_prefix('>') {
        Some(rest) => (true, rest),
        None => (false, size),
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(invalid());
    }
    let (number, unit) = rest.split_at(digits);
    let number: u64 = number.parse().map_err(|_| invalid())?;
    let percent = unit == "%";
    let factor = if percent {
        None
    } else {
        Some(multiplier(unit).ok_or_else(invalid)?)
    };
    if (rest_of || percent) && context.is_none() {
        return Err(SizeError::NeedsContext(size.to_string()));
    }
    let computed = match (rest_of, factor, context) {
        (true, _, Some(c)) if c.available > PART_TABLE_RESERVATION => {
            return Ok(c.available - PART_TABLE_RESERVATION);
        }
        // Nothing left past the partition table's share.
        (true, _, Some(_)) => PART_TABLE_RESERVATION + 1,
        (false, None, Some(c)) => {
            // floor(n / 100 × size), in integers: exact for any size below 2^64 / 100.
            u64::try_from(u128::from(number) * u128::from(c.size) / 100).map_err(|_| invalid())?
        }
        (false, Some(factor), _) => number.checked_mul(factor).ok_or_else(invalid)?,
        _ => return Err(SizeError::NeedsContext(size.to_string())),
    };
    match context {
        Some(c) if computed > c.available => Err(SizeError::NotEnough {
            size: size.to_string(),
            bytes: computed,
            context: c.name.clone(),
            available: c.available,
        }),
        _ => Ok(computed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(size: u64, available: u64) -> SizeContext {
        SizeContext {
            name: "sda".into(),
            size,
            available,
        }
    }

    /// Drydock's `test_maasdriver_calculate_bytes.py`, value for value.
    #[test]
    fn computes_what_drydock_s_driver_computes() {
        for (units, factor) in [
            (["m", "M", "mb", "MB"], 1_000_000u64),
            (["g", "G", "gb", "GB"], 1_000_000_000),
            (["t", "T", "tb", "TB"], 1_000_000_000_000),
            (["mi", "Mi", "mib", "MiB"], 1 << 20),
            (["gi", "Gi", "gib", "GiB"], 1 << 30),
            (["ti", "Ti", "tib", "TiB"], 1 << 40),
        ] {
            for unit in units {
                assert_eq!(bytes(&format!("15{unit}"), None), Ok(15 * factor), "15{unit}");
            }
        }
        let twenty_mb = of(20_000_000, 20_000_000);
        assert_eq!(bytes("20%", Some(&twenty_mb)), Ok(4_000_000));
        assert!(matches!(
            bytes("80%", Some(&of(20_000_000, 10))),
            Err(SizeError::NotEnough {
                bytes: 16_000_000,
                available: 10,
                ..
            })
        ));
        assert_eq!(
            bytes(">10%", Some(&of(20_000_000, 15_000_000))),
            Ok(15_000_000 - 4_194_304)
        );
    }

    #[test]
    fn refuses_what_drydock_refuses() {
        for bad in [
            "",
            "15",
            "m",
            "15 m",
            "15mB",
            "15gigabytes",
            "-15m",
            ">",
            "15%%",
            "1.5g",
            "15Kb",
        ] {
            assert_eq!(
                bytes(bad, Some(&of(1 << 40, 1 << 40))),
                Err(SizeError::Invalid(bad.into())),
                "{bad:?}"
            );
        }
        for needs in ["20%", ">1g"] {
            assert_eq!(bytes(needs, None), Err(SizeError::NeedsContext(needs.into())));
            assert!(bytes(needs, None).unwrap_err().to_string().contains("context"));
        }
        assert_eq!(
            bytes("99999999999999999999g", None),
            Err(SizeError::Invalid("99999999999999999999g".into()))
        );
        assert_eq!(
            bytes("20000000t", None),
            Err(SizeError::Invalid("20000000t".into()))
        );
        let e = bytes("30g", Some(&of(20_000_000_000, 20_000_000_000))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "30g is 30000000000 bytes, but sda has only 20000000000 bytes available"
        );
    }

    #[test]
    fn a_rest_of_size_on_a_nearly_full_device_is_not_enough_rather_than_zero() {
        assert!(matches!(
            bytes(">1m", Some(&of(1 << 30, 1024))),
            Err(SizeError::NotEnough { available: 1024, .. })
        ));
    }
}
