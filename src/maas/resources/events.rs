//! The region's event log: what happened to which machine, newest first.

use serde::{Deserialize, Serialize};

use super::Extra;
use crate::maas::calls::calls;
use crate::maas::text_enum::text_enum;

text_enum! {
    EventLevel {
        Debug = "DEBUG",
        Info = "INFO",
        Audit = "AUDIT",
        Warning = "WARNING",
        Error = "ERROR",
        Critical = "CRITICAL",
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Event {
    pub id: u64,
    /// The machine's system id.
    pub node: String,
    pub hostname: String,
    pub level: EventLevel,
    /// `Tue, 25 Nov. 2026 13:55:26`
    pub created: String,
    /// What happened, e.g. `Deploying`.
    #[serde(rename = "type")]
    pub kind: String,
    pub description: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A page of events.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Events {
    pub count: u64,
    pub events: Vec<Event>,
    pub next_uri: Option<String>,
    pub prev_uri: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

calls! {
    /// Events, newest first, filtered by machine (`id`, `hostname`, `mac_address`), `level`
    /// (minimum), `limit`, `before`/`after` an event id.
    EVENTS events() Get "events/" op "query" -> Events
        ["hostname", "id", "mac_address", "zone", "agent_name", "level", "limit", "before", "after",
         "owner"];
}
