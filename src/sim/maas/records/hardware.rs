//! What commissioning finds in a design's node: CPUs, memory, firmware and vendor taken from
//! its hardware profile, so a rehearsal's Ready machines look like the site's servers.

use serde_json::{Value, json};

use crate::design::model::HardwareProfile;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Hardware {
    pub cpu_count: u64,
    /// MiB.
    pub memory: u64,
    pub vendor: String,
    pub family: String,
    pub version: String,
    pub firmware_version: String,
    /// `uefi` or `pxe` (legacy BIOS), as MAAS reports `bios_boot_method`.
    pub boot_method: String,
}

/// Memory a server has besides its hugepages.
const BASE_MEMORY_MIB: u64 = 32 * 1024;
/// CPUs a server has when its profile pins none.
const DEFAULT_CPUS: u64 = 16;

impl Hardware {
    pub fn from_profile(profile: &HardwareProfile) -> Hardware {
        let unknown = |v: &Option<String>| v.clone().unwrap_or_else(|| "Unknown".into());
        Hardware {
            cpu_count: cpus(profile.cpu_sets.values().map(String::as_str)),
            memory: BASE_MEMORY_MIB
                + profile
                    .hugepages
                    .iter()
                    .map(|h| {
                        let count = u64::try_from(h.count.unwrap_or(0)).unwrap_or(0);
                        count * h.size.as_deref().map_or(0, size_mib)
                    })
                    .sum::<u64>(),
            vendor: unknown(&profile.vendor),
            family: unknown(&profile.generation),
            version: unknown(&profile.hw_version),
            firmware_version: unknown(&profile.bios_version),
            boot_method: match profile.boot_mode.as_deref() {
                Some(mode) if mode.eq_ignore_ascii_case("uefi") => "uefi".into(),
                _ => "pxe".into(),
            },
        }
    }

    /// Writes what commissioning found into a machine's JSON.
    pub fn write_into(&self, machine: &mut Value) {
        machine["bios_boot_method"] = json!(self.boot_method);
        let info = &mut machine["hardware_info"];
        info["system_vendor"] = json!(self.vendor);
        info["system_family"] = json!(self.family);
        info["system_version"] = json!(self.version);
        info["mainboard_vendor"] = json!(self.vendor);
        info["mainboard_firmware_version"] = json!(self.firmware_version);
        info["chassis_vendor"] = json!(self.vendor);
    }
}

/// Enough CPUs for every CPU a profile's sets name (`2-15,18` needs 19), rounded up to an
/// even count; the default when none are named.
fn cpus<'a>(sets: impl Iterator<Item = &'a str>) -> u64 {
    let highest = sets
        .flat_map(|set| set.split(','))
        .filter_map(|part| part.trim().rsplit('-').next()?.trim().parse::<u64>().ok())
        .max();
    highest.map_or(DEFAULT_CPUS, |h| (h + 2) & !1)
}

/// `1G`, `2M`, `1048576K` -> MiB (0 when unreadable).
fn size_mib(size: &str) -> u64 {
    let size = size.trim();
    let (number, unit) = size.split_at(size.find(|c: char| !c.is_ascii_digit()).unwrap_or(size.len()));
    let n: u64 = number.parse().unwrap_or(0);
    match unit.to_ascii_uppercase().trim_end_matches('B') {
        "G" => n * 1024,
        "M" => n,
        "K" => n / 1024,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_sets_and_hugepages_size_the_server() {
        assert_eq!(cpus(["2-15"].into_iter()), 16);
        assert_eq!(cpus(["2-15,18", "0-1"].into_iter()), 20);
        assert_eq!(cpus(std::iter::empty()), DEFAULT_CPUS);
        assert_eq!(size_mib("1G"), 1024);
        assert_eq!(size_mib("2M"), 2);
        assert_eq!(size_mib("x"), 0);
    }

    #[test]
    fn the_example_profile_reads_as_its_vendor_and_firmware() {
        let site = crate::design::load(&[std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/base.yaml"
        ))])
        .unwrap();
        let hw = Hardware::from_profile(&site.hardware_profiles[0]);
        assert_eq!((hw.cpu_count, hw.memory), (16, 32 * 1024 + 16 * 1024));
        assert_eq!((hw.vendor.as_str(), hw.boot_method.as_str()), ("HPE", "uefi"));
        let mut machine = json!({"hardware_info": {"system_vendor": "Unknown"}});
        hw.write_into(&mut machine);
        assert_eq!(machine["hardware_info"]["mainboard_firmware_version"], "U30");
        assert_eq!(machine["bios_boot_method"], "uefi");
    }
}
