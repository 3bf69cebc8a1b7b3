//! The Redfish resources the driver reads, as far as it reads them, and the values it
//! sends. Every property is optional: BMCs differ in what they fill in, and one that is
//! missing leaves its field empty rather than failing the read.

use serde::Deserialize;
use serde_json::Value;

use crate::oob::{BootDevice, BootPersistence, PowerRequest, PowerState};

/// Where every Redfish service starts, readable without logging in.
pub const SERVICE_ROOT: &str = "/redfish/v1/";
/// Where the systems are when the root does not say.
const SYSTEMS: &str = "/redfish/v1/Systems";

/// A reference to another resource.
#[derive(Debug, Clone, Deserialize)]
pub struct Link {
    #[serde(rename = "@odata.id")]
    pub id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServiceRoot {
    systems: Option<Link>,
    session_service: Option<Link>,
    links: Option<RootLinks>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RootLinks {
    sessions: Option<Link>,
}

impl ServiceRoot {
    /// Where to log in: the root's `Links.Sessions`, else the `Sessions` of its session
    /// service; none when the service has no sessions (HTTP Basic then).
    pub fn sessions(&self) -> Option<String> {
        if let Some(link) = self.links.as_ref().and_then(|l| l.sessions.as_ref()) {
            return Some(link.id.clone());
        }
        self.session_service
            .as_ref()
            .map(|s| format!("{}/Sessions", s.id.trim_end_matches('/')))
    }

    pub fn systems(&self) -> &str {
        self.systems.as_ref().map_or(SYSTEMS, |l| l.id.as_str())
    }
}

#[derive(Debug, Deserialize)]
pub struct Collection {
    #[serde(rename = "Members", default)]
    pub members: Vec<Link>,
    #[serde(rename = "Members@odata.count")]
    count: Option<u64>,
}

impl Collection {
    /// How many members the BMC says there are (a paged collection lists fewer).
    pub fn count(&self) -> u64 {
        self.count.unwrap_or(self.members.len() as u64)
    }
}

/// A `ComputerSystem`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct System {
    pub power_state: Option<String>,
    pub boot: Option<Boot>,
    pub actions: Option<SystemActions>,
    pub bios_version: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    #[serde(rename = "UUID")]
    pub uuid: Option<String>,
    pub processor_summary: Option<ProcessorSummary>,
    pub memory_summary: Option<MemorySummary>,
    pub status: Option<Status>,
    pub ethernet_interfaces: Option<Link>,
    pub storage: Option<Link>,
    pub simple_storage: Option<Link>,
    pub links: Option<SystemLinks>,
}

impl System {
    pub fn power(&self) -> PowerState {
        power_state(self.power_state.as_deref())
    }

    pub fn reset(&self) -> Option<&ResetAction> {
        self.actions.as_ref()?.reset.as_ref()
    }

    /// The manager (BMC) of this system, for its firmware version.
    pub fn manager(&self) -> Option<&str> {
        Some(self.links.as_ref()?.managed_by.first()?.id.as_str())
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SystemLinks {
    #[serde(default)]
    pub managed_by: Vec<Link>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessorSummary {
    pub count: Option<u64>,
    pub logical_processor_count: Option<u64>,
    pub model: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MemorySummary {
    #[serde(rename = "TotalSystemMemoryGiB")]
    pub total_gib: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Status {
    pub health: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Boot {
    #[serde(rename = "BootSourceOverrideTarget")]
    pub target: Option<String>,
    #[serde(rename = "BootSourceOverrideTarget@Redfish.AllowableValues")]
    pub allowed_targets: Option<Vec<String>>,
    /// Present only on BMCs that have the property; sent back only to those.
    #[serde(rename = "BootSourceOverrideMode")]
    pub mode: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SystemActions {
    #[serde(rename = "#ComputerSystem.Reset")]
    pub reset: Option<ResetAction>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ResetAction {
    /// The URI to POST to: given by the BMC, never built.
    pub target: String,
    #[serde(rename = "ResetType@Redfish.AllowableValues")]
    pub allowed: Option<Vec<String>>,
    #[serde(rename = "@Redfish.ActionInfo")]
    pub action_info: Option<String>,
}

/// An `ActionInfo`: the parameters an action takes and the values each allows.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ActionInfo {
    #[serde(default)]
    parameters: Vec<ActionParameter>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ActionParameter {
    name: String,
    allowable_values: Option<Vec<String>>,
}

impl ActionInfo {
    pub fn reset_types(self) -> Option<Vec<String>> {
        self.parameters
            .into_iter()
            .find(|p| p.name == "ResetType")?
            .allowable_values
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EthernetInterface {
    pub id: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "MACAddress")]
    pub mac: Option<String>,
    #[serde(rename = "PermanentMACAddress")]
    pub permanent_mac: Option<String>,
}

/// A `Storage` resource: its drives are links.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Storage {
    #[serde(default)]
    pub drives: Vec<Link>,
}

/// A `Drive`, or one of a `SimpleStorage`'s devices (which are inline).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Drive {
    pub id: Option<String>,
    pub name: Option<String>,
    pub model: Option<String>,
    pub capacity_bytes: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SimpleStorage {
    #[serde(default)]
    pub devices: Vec<Drive>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Manager {
    pub firmware_version: Option<String>,
}

/// `PowerState` as drydock counts it. `Paused` is a machine with power applied; anything
/// unknown or missing is `Unknown`, which no wait accepts.
pub fn power_state(value: Option<&str>) -> PowerState {
    match value {
        Some("On" | "Paused") => PowerState::On,
        Some("Off") => PowerState::Off,
        Some("PoweringOn") => PowerState::PoweringOn,
        Some("PoweringOff") => PowerState::PoweringOff,
        _ => PowerState::Unknown,
    }
}

/// The `ResetType` for `request` among those the BMC offers, preferring the exact one.
pub fn reset_type(request: PowerRequest, offered: &[String]) -> Option<&'static str> {
    let wanted: &[&'static str] = match request {
        PowerRequest::On => &["On", "ForceOn"],
        PowerRequest::ForceOff => &["ForceOff"],
        PowerRequest::GracefulOff => &["GracefulShutdown"],
        PowerRequest::Cycle => &["PowerCycle", "ForceRestart"],
    };
    wanted.iter().copied().find(|w| offered.iter().any(|o| o == w))
}

/// What a BMC that advertises no reset types is assumed to take.
pub fn assumed_reset_types() -> Vec<String> {
    vec!["On".into(), "ForceOff".into()]
}

pub fn boot_target(device: BootDevice) -> &'static str {
    match device {
        BootDevice::Pxe => "Pxe",
        BootDevice::Disk => "Hdd",
    }
}

/// The boot override PATCH body. The mode goes in only when the BMC has the property:
/// some reject properties they do not know.
pub fn boot_patch(target: &str, persistence: BootPersistence, uefi: Option<bool>) -> Value {
    let mut boot = serde_json::Map::new();
    boot.insert("BootSourceOverrideTarget".into(), target.into());
    let enabled = match persistence {
        BootPersistence::Once => "Once",
        BootPersistence::Persistent => "Continuous",
    };
    boot.insert("BootSourceOverrideEnabled".into(), enabled.into());
    if let Some(uefi) = uefi {
        let mode = if uefi { "UEFI" } else { "Legacy" };
        boot.insert("BootSourceOverrideMode".into(), mode.into());
    }
    serde_json::json!({ "Boot": boot })
}

/// What a BMC said in an error answer: the Redfish `error.message` and each
/// `@Message.ExtendedInfo` as `MessageId: Message`, or the body itself when it is plain
/// text. Empty when the body says nothing.
pub fn error_message(body: &[u8]) -> String {
    /// Enough for any BMC message; a whole HTML page is cut.
    const MAX: usize = 600;
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        let text = String::from_utf8_lossy(body);
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        return match text.char_indices().nth(MAX) {
            Some((cut, _)) => format!("{}...", &text[..cut]),
            None => text,
        };
    };
    let error = json.get("error").unwrap_or(&json);
    let mut parts: Vec<String> = Vec::new();
    if let Some(message) = error.get("message").and_then(Value::as_str) {
        parts.push(message.to_string());
    }
    let infos = error
        .get("@Message.ExtendedInfo")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for info in infos {
        let id = info.get("MessageId").and_then(Value::as_str);
        let message = info.get("Message").and_then(Value::as_str);
        match (id, message) {
            (Some(id), Some(m)) => parts.push(format!("{id}: {m}")),
            (Some(only), None) | (None, Some(only)) => parts.push(only.to_string()),
            (None, None) => {}
        }
    }
    parts.dedup();
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_body_gives_its_message_and_every_extended_info() {
        let body = br#"{"error": {"code": "Base.1.8.GeneralError",
            "message": "A general error has occurred.",
            "@Message.ExtendedInfo": [
              {"MessageId": "Base.1.8.PropertyValueNotInList", "Message": "The value 'Floppyx' is not in the list."},
              {"MessageId": "Base.1.0.GeneralError"},
              {"Severity": "Warning"}]}}"#;
        assert_eq!(
            error_message(body),
            "A general error has occurred.; Base.1.8.PropertyValueNotInList: The value 'Floppyx' is not in the list.; Base.1.0.GeneralError"
        );
    }

    #[test]
    fn a_plain_text_body_is_the_message_and_a_long_one_is_cut() {
        assert_eq!(
            error_message(b"PATCH only works for Boot and\n IndicatorLED elements"),
            "PATCH only works for Boot and IndicatorLED elements"
        );
        let page = "x".repeat(5_000);
        assert!(error_message(page.as_bytes()).len() < 700);
        assert_eq!(error_message(b""), "");
    }

    #[test]
    fn reset_types_follow_what_the_bmc_offers() {
        let sushy: Vec<String> = [
            "On",
            "ForceOff",
            "GracefulShutdown",
            "ForceRestart",
            "Nmi",
            "ForceOn",
        ]
        .map(String::from)
        .into();
        assert_eq!(reset_type(PowerRequest::On, &sushy), Some("On"));
        assert_eq!(
            reset_type(PowerRequest::GracefulOff, &sushy),
            Some("GracefulShutdown")
        );
        assert_eq!(reset_type(PowerRequest::Cycle, &sushy), Some("ForceRestart"));
        let force_only: Vec<String> = ["ForceOn", "ForceOff", "PowerCycle"].map(String::from).into();
        assert_eq!(reset_type(PowerRequest::On, &force_only), Some("ForceOn"));
        assert_eq!(reset_type(PowerRequest::Cycle, &force_only), Some("PowerCycle"));
        assert_eq!(reset_type(PowerRequest::Cycle, &assumed_reset_types()), None);
        assert_eq!(
            reset_type(PowerRequest::GracefulOff, &assumed_reset_types()),
            None
        );
    }

    #[test]
    fn power_states_map_transitions_and_unknowns() {
        assert_eq!(power_state(Some("Paused")), PowerState::On);
        assert_eq!(power_state(Some("PoweringOff")), PowerState::PoweringOff);
        assert_eq!(power_state(Some("Bogus")), PowerState::Unknown);
        assert_eq!(power_state(None), PowerState::Unknown);
    }

    #[test]
    fn the_sessions_link_comes_from_links_then_the_session_service() {
        let root: ServiceRoot = serde_json::from_str(
            r#"{"Links": {"Sessions": {"@odata.id": "/redfish/v1/SessionService/Sessions"}}}"#,
        )
        .unwrap();
        assert_eq!(
            root.sessions().as_deref(),
            Some("/redfish/v1/SessionService/Sessions")
        );
        assert_eq!(root.systems(), "/redfish/v1/Systems");
        let root: ServiceRoot =
            serde_json::from_str(r#"{"SessionService": {"@odata.id": "/redfish/v1/SessionService/"}}"#)
                .unwrap();
        assert_eq!(
            root.sessions().as_deref(),
            Some("/redfish/v1/SessionService/Sessions")
        );
        let root: ServiceRoot = serde_json::from_str(r#"{"Systems": {"@odata.id": "/x/Systems"}}"#).unwrap();
        assert_eq!(root.sessions(), None);
        assert_eq!(root.systems(), "/x/Systems");
    }

    #[test]
    fn the_mode_is_sent_only_when_asked() {
        let with = boot_patch("Pxe", BootPersistence::Once, Some(true));
        assert_eq!(with["Boot"]["BootSourceOverrideMode"], "UEFI");
        let without = boot_patch("Hdd", BootPersistence::Persistent, None);
        assert_eq!(
            without,
            serde_json::json!({"Boot": {"BootSourceOverrideTarget": "Hdd", "BootSourceOverrideEnabled": "Continuous"}})
        );
    }
}
