//! What the journal stores: tasks and their steps, as versioned JSON records.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::runtime::errors::{ErrorInfo, deserialize_legacy};

/// Stored record layout; a future change bumps it and migrates by copying.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskStatus {
    Queued,
    Running,
    Complete,
}

/// The outcome Drydock reports for a task (and per node).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskResult {
    Success,
    PartialSuccess,
    Failure,
    Incomplete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepStatus {
    Running,
    Succeeded,
    Failed,
    Skipped,
}

impl fmt::Display for StepStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// What a task runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Work {
    Action {
        name: String,
        /// `ctx.options` the action ran with (e.g. the validation rules to run).
        #[serde(default)]
        options: serde_json::Value,
    },
    Script {
        file: String,
        source: String,
        args: Vec<String>,
    },
}

/// The nodes an action was asked to act on: `--node`, `--rack`, `--tag`, `--label` (any of
/// them, as Drydock's CLI combines them) and `--node-filter` (a Drydock node filter document);
/// nothing given = every node. Kept with the task so `resume` acts on the same nodes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    #[serde(default)]
    pub nodes: Vec<String>,
    #[serde(default)]
    pub racks: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub labels: Vec<Label>,
    /// `{filter_set_type, filter_set}`, as BootActions' `node_filter`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<serde_json::Value>,
}

/// An owner_data label a node must carry: `--label KEY=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub key: String,
    pub value: String,
}

impl Selection {
    /// Whether nothing narrows the nodes (every node is selected).
    pub fn is_everything(&self) -> bool {
        self.nodes.is_empty()
            && self.racks.is_empty()
            && self.tags.is_empty()
            && self.labels.is_empty()
            && self.filter.is_none()
    }
}

/// The design a task ran with, kept whole so `resume` replays the same inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredDesign {
    /// Hex SHA-256 over the files' names and contents.
    pub hash: String,
    /// `(file name as given, content)`, in load order.
    pub files: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    pub format: u32,
    pub id: String,
    pub work: Work,
    pub selection: Selection,
    pub design: Option<StoredDesign>,
    pub site_dir: Option<String>,
    pub status: TaskStatus,
    pub result: Option<TaskResult>,
    /// Unix time in milliseconds.
    pub created_ms: u64,
    pub updated_ms: u64,
    #[serde(default)]
    pub node_results: BTreeMap<String, TaskResult>,
    /// Why the work itself stopped (a script error), when it did.
    #[serde(default, deserialize_with = "deserialize_legacy")]
    pub error: Option<ErrorInfo>,
    /// The action was run on a design without validating it first (`--skip-validation`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skip_validation: bool,
    /// The journal session (one per process writing the journal) that last ran the task:
    /// while it is unfinished, it runs only as long as that session holds the journal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

impl TaskRecord {
    pub fn label(&self) -> String {
        match &self.work {
            Work::Action { name, .. } => name.clone(),
            Work::Script { file, .. } => format!("script {file}"),
        }
    }
}

/// A step: keyed by (task, scope, name); scope is `site` or a node name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub format: u32,
    pub task: String,
    pub scope: String,
    pub name: String,
    pub status: StepStatus,
    pub attempts: u32,
    pub started_ms: u64,
    pub finished_ms: Option<u64>,
    /// What the step function returned, as JSON.
    pub result: Option<serde_json::Value>,
    /// Why it failed (Failed).
    #[serde(default, deserialize_with = "deserialize_legacy")]
    pub error: Option<ErrorInfo>,
    /// Why it was skipped (Skipped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The scope of steps that are not about one node.
pub const SITE: &str = "site";

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
