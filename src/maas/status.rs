//! MAAS machine statuses: the numeric `status` and the `status_name` the API returns.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! statuses {
    ($($variant:ident = $code:literal, $name:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum MachineStatus {
            #[default]
            $($variant,)*
            /// A code this client does not know (a newer MAAS): kept, not rejected.
            Other(i64),
        }

        impl MachineStatus {
            pub const ALL: &'static [MachineStatus] = &[$(MachineStatus::$variant),*];

            pub fn code(self) -> i64 {
                match self { $(MachineStatus::$variant => $code,)* MachineStatus::Other(code) => code }
            }

            /// The `status_name` MAAS answers with.
            pub fn name(self) -> &'static str {
                match self { $(MachineStatus::$variant => $name,)* MachineStatus::Other(_) => "Unknown" }
            }
        }
    };
}

statuses! {
    New = 0, "New";
    Commissioning = 1, "Commissioning";
    FailedCommissioning = 2, "Failed commissioning";
    Missing = 3, "Missing";
    Ready = 4, "Ready";
    Reserved = 5, "Reserved";
    Deployed = 6, "Deployed";
    Retired = 7, "Retired";
    Broken = 8, "Broken";
    Deploying = 9, "Deploying";
    Allocated = 10, "Allocated";
    FailedDeployment = 11, "Failed deployment";
    Releasing = 12, "Releasing";
    FailedReleasing = 13, "Releasing failed";
    DiskErasing = 14, "Disk erasing";
    FailedDiskErasing = 15, "Failed disk erasing";
    RescueMode = 16, "Rescue mode";
    EnteringRescueMode = 17, "Entering rescue mode";
    FailedEnteringRescueMode = 18, "Failed to enter rescue mode";
    ExitingRescueMode = 19, "Exiting rescue mode";
    FailedExitingRescueMode = 20, "Failed to exit rescue mode";
    Testing = 21, "Testing";
    FailedTesting = 22, "Failed testing";
}

impl MachineStatus {
    pub fn from_code(code: i64) -> MachineStatus {
        MachineStatus::ALL
            .iter()
            .copied()
            .find(|s| s.code() == code)
            .unwrap_or(MachineStatus::Other(code))
    }

    /// From a `status_name`, case-insensitively (Drydock compared names loosely).
    pub fn from_name(name: &str) -> Option<MachineStatus> {
        MachineStatus::ALL
            .iter()
            .copied()
            .find(|s| s.name().eq_ignore_ascii_case(name.trim()))
    }

    /// A failed state (what a poll loop stops on).
    pub fn is_failure(self) -> bool {
        self.name().starts_with("Failed") || self == MachineStatus::FailedReleasing
    }
}

/// MAAS sends the numeric code in `status`; the name travels separately in `status_name`.
impl Serialize for MachineStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.code())
    }
}

impl<'de> Deserialize<'de> for MachineStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        i64::deserialize(d).map(MachineStatus::from_code)
    }
}

impl fmt::Display for MachineStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::MachineStatus;

    #[test]
    fn codes_and_names_round_trip() {
        assert_eq!(MachineStatus::ALL.len(), 23);
        for s in MachineStatus::ALL {
            assert_eq!(MachineStatus::from_code(s.code()), *s);
            assert_eq!(MachineStatus::from_name(s.name()), Some(*s));
        }
        assert_eq!(
            MachineStatus::from_name("failed DEPLOYMENT"),
            Some(MachineStatus::FailedDeployment)
        );
        assert_eq!(MachineStatus::from_code(99), MachineStatus::Other(99));
        let parsed: MachineStatus = serde_json::from_str("6").unwrap();
        assert_eq!(
            (parsed, serde_json::to_string(&parsed).unwrap()),
            (MachineStatus::Deployed, "6".into())
        );
        assert!(MachineStatus::FailedReleasing.is_failure() && !MachineStatus::Deployed.is_failure());
    }
}
