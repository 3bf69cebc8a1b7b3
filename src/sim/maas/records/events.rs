//! The region's event log: what happened to which machine, oldest first, bounded.

use std::collections::VecDeque;

use super::machines::Machine;

/// Events kept; older ones are dropped so that sites of thousands of machines stay bounded.
const KEPT: usize = 10_000;
/// Event levels in MAAS's order. AUDIT ranks below DEBUG, so only `level=AUDIT` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Level {
    Audit,
    Debug,
    Info,
    Warning,
    Error,
    Critical,
}

const LEVELS: &[(Level, &str)] = &[
    (Level::Audit, "AUDIT"),
    (Level::Debug, "DEBUG"),
    (Level::Info, "INFO"),
    (Level::Warning, "WARNING"),
    (Level::Error, "ERROR"),
    (Level::Critical, "CRITICAL"),
];

impl Level {
    pub fn name(self) -> &'static str {
        LEVELS
            .iter()
            .find(|(l, _)| *l == self)
            .map_or("", |(_, name)| name)
    }

    pub fn from_name(name: &str) -> Option<Level> {
        LEVELS.iter().find(|(_, n)| *n == name).map(|(l, _)| *l)
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Event {
    pub id: u64,
    pub system_id: String,
    pub hostname: String,
    /// The machine's owner when it happened, or "".
    pub username: String,
    pub level: Level,
    pub created_ms: u64,
    /// The event type, e.g. `Deploying`.
    pub kind: String,
    pub description: String,
}

/// The newest `KEPT` events, oldest first; ids only grow.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct EventLog {
    pub events: VecDeque<Event>,
    last_id: u64,
}

impl EventLog {
    pub fn record(
        &mut self,
        m: &Machine,
        level: Level,
        kind: &'static str,
        description: String,
        now_ms: u64,
    ) {
        self.last_id += 1;
        self.events.push_back(Event {
            id: self.last_id,
            system_id: m.system_id.clone(),
            hostname: m.hostname.clone(),
            username: m.owner.clone().unwrap_or_default(),
            level,
            created_ms: now_ms,
            kind: kind.to_string(),
            description,
        });
        if self.events.len() > KEPT {
            self.events.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_only_the_newest_events() {
        let mut log = EventLog::default();
        let m = Machine::new("abc123".into(), "n1".into());
        for k in 0..KEPT as u64 + 5 {
            log.record(&m, Level::Info, "Powering on", String::new(), k);
        }
        assert_eq!(log.events.len(), KEPT);
        assert_eq!(log.events.front().map(|e| e.id), Some(6));
        assert_eq!(log.events.back().map(|e| e.id), Some(KEPT as u64 + 5));
    }
}
