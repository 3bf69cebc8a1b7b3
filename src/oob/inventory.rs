//! What a BMC tells of a machine's hardware. Every field is optional: BMCs differ in what
//! they expose (sushy's fake driver gives no CPU count; ipmi_sim no FRU), and VerifyNodes
//! compares only what is there.

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Inventory {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bios_version: Option<String>,
    /// The BMC's own firmware (IPMI's firmware revision, Redfish's manager firmware).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bmc_firmware: Option<String>,
    /// Processor sockets (Redfish `ProcessorSummary.Count`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_count: Option<u64>,
    /// Logical CPUs, hardware threads (Redfish `ProcessorSummary.LogicalProcessorCount`),
    /// what a hardware profile's `cpu_sets` number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_threads: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_gib: Option<f64>,
    /// `OK`, `Warning`, `Critical` as the BMC words it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub drives: Vec<Drive>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nics: Vec<Nic>,
    /// Anything else the protocol tells (IPMI's device id fields, FRU areas), by name.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Drive {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Nic {
    pub name: String,
    /// Lowercase, colon-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
}
