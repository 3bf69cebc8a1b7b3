//! What an action says about itself, in its script (`phases.action(name, phases, about)`):
//! whether it acts on the site or on the selected nodes, whether `drydock plan` can run it,
//! what its result is, which options it reads. Rust reads it here, at the edge, into types;
//! nothing else in Rust knows any action by name.

use mlua::{Table, Value};

use crate::runtime::ErrorInfo;
use crate::runtime::errors::ErrorKind;

/// What an action acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The whole site (validation, MAAS's region-wide configuration).
    Site,
    /// The nodes the request selects (`ctx.nodes`).
    Nodes,
}

/// The shape of what an action returns, which decides how it is shown and judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultKind {
    /// `{ messages = {...} }`: validation messages; any error fails the task.
    Validation,
    /// `{ summary, lines, changes, problems }`: changes to MAAS; pending ones are what a
    /// plan reports.
    Changes,
    /// `{ summary, lines }` or any value: shown as text, or as JSON.
    Summary,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct About {
    pub name: String,
    pub scope: Scope,
    /// The script honours `ctx.options.plan`: it compares and stops before changing.
    pub plannable: bool,
    pub result: ResultKind,
    /// It changes something (MAAS, machines): the design is validated before it runs.
    pub changes: bool,
    /// The `ctx.options` keys it reads (besides `plan`), e.g. `rules`.
    pub options: Vec<String>,
    /// A `drydock` subcommand that runs this action (e.g. `validate`).
    pub command: Option<String>,
}

fn bad(action: &str, what: String) -> ErrorInfo {
    ErrorInfo::of_kind(
        ErrorKind::Usage,
        format!("action {action}: {what} (see phases.action(name, phases, about) in stdlib/phases.lua)"),
    )
}

impl About {
    /// Reads the `about` table `phases.action` keeps on the action (an action built without
    /// one is a site action acting on the site, with a summary result).
    pub fn read(name: &str, action: &Table) -> Result<About, ErrorInfo> {
        let about = match action.get::<Value>("about")? {
            Value::Table(t) => Some(t),
            Value::Nil => None,
            other => {
                return Err(bad(
                    name,
                    format!("about must be a table, not a {}", other.type_name()),
                ));
            }
        };
        let text = |key: &str| -> Result<Option<String>, ErrorInfo> {
            match about.as_ref().map(|t| t.get::<Value>(key)).transpose()? {
                None | Some(Value::Nil) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.to_str()?.to_string())),
                Some(other) => Err(bad(
                    name,
                    format!("about.{key} must be a string, not a {}", other.type_name()),
                )),
            }
        };
        let scope = match text("scope")?.as_deref() {
            None | Some("site") => Scope::Site,
            Some("nodes") => Scope::Nodes,
            Some(other) => {
                return Err(bad(
                    name,
                    format!("about.scope is \"site\" or \"nodes\", not {other:?}"),
                ));
            }
        };
        let result = match text("result")?.as_deref() {
            None | Some("summary") => ResultKind::Summary,
            Some("changes") => ResultKind::Changes,
            Some("validation") => ResultKind::Validation,
            Some(other) => {
                return Err(bad(
                    name,
                    format!("about.result is \"summary\", \"changes\" or \"validation\", not {other:?}"),
                ));
            }
        };
        let flag = |key: &str| -> Result<bool, ErrorInfo> {
            match about.as_ref().map(|t| t.get::<Value>(key)).transpose()? {
                None | Some(Value::Nil) => Ok(false),
                Some(Value::Boolean(b)) => Ok(b),
                Some(other) => Err(bad(
                    name,
                    format!("about.{key} must be a boolean, not a {}", other.type_name()),
                )),
            }
        };
        let plannable = flag("plan")?;
        let changes = flag("changes")?;
        let options = match about.as_ref().map(|t| t.get::<Value>("options")).transpose()? {
            None | Some(Value::Nil) => Vec::new(),
            Some(Value::Table(t)) => t
                .sequence_values::<String>()
                .collect::<mlua::Result<_>>()
                .map_err(|_| bad(name, "about.options must be a list of option names".into()))?,
            Some(other) => {
                return Err(bad(
                    name,
                    format!("about.options must be a list, not a {}", other.type_name()),
                ));
            }
        };
        Ok(About {
            name: name.to_string(),
            scope,
            plannable,
            result,
            changes,
            options,
            command: text("command")?,
        })
    }
}

impl std::fmt::Display for About {
    /// `nodes; plan; result changes; options rules; command validate`: what `drydock
    /// scripts` shows.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scope = match self.scope {
            Scope::Site => "site",
            Scope::Nodes => "nodes",
        };
        let result = match self.result {
            ResultKind::Validation => "validation",
            ResultKind::Changes => "changes",
            ResultKind::Summary => "summary",
        };
        write!(f, "{scope}; result {result}")?;
        if self.plannable {
            f.write_str("; plan")?;
        }
        if self.changes {
            f.write_str("; changes")?;
        }
        if !self.options.is_empty() {
            write!(f, "; options {}", self.options.join(","))?;
        }
        if let Some(command) = &self.command {
            write!(f, "; command {command}")?;
        }
        Ok(())
    }
}
