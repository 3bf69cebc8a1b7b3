//! Validation messages and the per-rule report every rule (Rust or Lua) writes into.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::model::{DocRef, Source};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    Error,
    Warning,
    Info,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "Error",
            Level::Warning => "Warning",
            Level::Info => "Info",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding, in the shape of Drydock's `ValidationMessage` plus `rule` and `source`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Drydock's rule code (`DD2003`), not unique across rules.
    pub name: String,
    /// The unique rule id (`mtu-rational`).
    pub rule: String,
    pub message: String,
    pub level: Level,
    #[serde(default)]
    pub diagnostic: String,
    #[serde(default)]
    pub documents: Vec<DocRef>,
    #[serde(default)]
    pub source: Option<Source>,
}

impl Message {
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }

    /// Drydock's JSON form of the message.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "kind": "ValidationMessage",
            "name": self.name,
            "rule": self.rule,
            "message": self.message,
            "error": self.is_error(),
            "level": self.level.as_str(),
            "diagnostic": self.diagnostic,
            "documents": self.documents,
            "source": self.source,
        })
    }
}

/// Identity of a rule: unique id, Drydock code, and the long name that prefixes messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInfo {
    pub id: String,
    pub name: String,
    pub long_name: String,
}

/// Collects one rule's messages, prefixing each with the rule's long name as Drydock does.
#[derive(Debug)]
pub struct RuleReport {
    info: RuleInfo,
    messages: Vec<Message>,
}

impl RuleReport {
    pub fn new(info: RuleInfo) -> Self {
        RuleReport {
            info,
            messages: Vec::new(),
        }
    }

    pub fn add(
        &mut self,
        level: Level,
        text: &str,
        diagnostic: &str,
        documents: Vec<DocRef>,
        source: Option<Source>,
    ) {
        self.messages.push(Message {
            name: self.info.name.clone(),
            rule: self.info.id.clone(),
            message: format!("{}: {text}", self.info.long_name),
            level,
            diagnostic: diagnostic.to_string(),
            documents,
            source,
        });
    }

    pub fn error(&mut self, text: &str, diagnostic: &str, documents: Vec<DocRef>, source: Option<Source>) {
        self.add(Level::Error, text, diagnostic, documents, source);
    }

    pub fn warn(&mut self, text: &str, diagnostic: &str, documents: Vec<DocRef>, source: Option<Source>) {
        self.add(Level::Warning, text, diagnostic, documents, source);
    }

    /// Adds a message as it is (ingestion messages carry no long-name prefix).
    pub fn push(&mut self, message: Message) {
        self.messages.push(message);
    }

    /// The messages so far, without the closing success message.
    pub fn into_messages(self) -> Vec<Message> {
        self.messages
    }

    pub fn has_errors(&self) -> bool {
        self.messages.iter().any(Message::is_error)
    }

    /// Ends the rule: a rule that reported no error adds Drydock's
    /// "<Long Name>: Validation successful." (also when it warned).
    pub fn finish(mut self) -> Vec<Message> {
        if !self.has_errors() {
            self.add(Level::Info, "Validation successful.", "", Vec::new(), None);
        }
        self.messages
    }
}

/// The outcome of a validation: Drydock's `Status` document.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationReport {
    pub messages: Vec<Message>,
}

impl ValidationReport {
    pub fn error_count(&self) -> usize {
        self.messages.iter().filter(|m| m.is_error()).count()
    }

    pub fn passed(&self) -> bool {
        self.error_count() == 0
    }

    pub fn to_json(&self) -> serde_json::Value {
        let passed = self.passed();
        serde_json::json!({
            "kind": "Status",
            "apiVersion": "v1.0",
            "metadata": {},
            "status": if passed { "Success" } else { "Failure" },
            "message": if passed { "Site design passed validation" } else { "Site design failed validation." },
            "reason": if passed { serde_json::Value::Null } else { "See detail messages.".into() },
            "details": {
                "errorCount": self.error_count(),
                "messageList": self.messages.iter().map(Message::to_json).collect::<Vec<_>>(),
            },
        })
    }
}
