//! Power states as BMCs report them, and the power changes drivers are asked for.

use std::fmt;

/// What a BMC says of the machine's power. Transitional states (Redfish's `PoweringOn`)
/// count as "not there yet" when waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerState {
    On,
    Off,
    PoweringOn,
    PoweringOff,
    /// The BMC cannot tell (a manual node, a driver without power readings).
    Unknown,
}

impl PowerState {
    pub fn as_str(self) -> &'static str {
        match self {
            PowerState::On => "on",
            PowerState::Off => "off",
            PowerState::PoweringOn => "powering_on",
            PowerState::PoweringOff => "powering_off",
            PowerState::Unknown => "unknown",
        }
    }
}

impl fmt::Display for PowerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A power change a driver is asked to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerRequest {
    On,
    /// Cut the power at once (Redfish `ForceOff`, IPMI chassis down).
    ForceOff,
    /// Ask the OS to shut down (Redfish `GracefulShutdown`, IPMI soft/ACPI).
    GracefulOff,
    /// Off and on again in one request: only for drivers that cannot report power (a
    /// manual node); the others are cycled off-wait-on-wait.
    Cycle,
}

impl PowerRequest {
    /// The state the machine is in once the request is done.
    pub fn target(self) -> PowerState {
        match self {
            PowerRequest::On | PowerRequest::Cycle => PowerState::On,
            PowerRequest::ForceOff | PowerRequest::GracefulOff => PowerState::Off,
        }
    }
}

impl fmt::Display for PowerRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PowerRequest::On => "power on",
            PowerRequest::ForceOff => "power off",
            PowerRequest::GracefulOff => "shut down",
            PowerRequest::Cycle => "power-cycle",
        })
    }
}
