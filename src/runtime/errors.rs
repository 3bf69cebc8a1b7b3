//! One description of an error, made here from any Lua error and used everywhere an error is
//! shown or kept: the CLI, the REPL, the journal (a Failed step, a failed task), `--format
//! json`, and scripts (`task.parallel`'s failed slots, `drydock.error.info(e)`).
//!
//! The message keeps its script `file:line`; the traceback drops the Rust glue frames; an
//! error that came from MAAS keeps the call and MAAS's answer, so a script can ask whether a
//! node's failure is worth trying again.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::maas::MaasError;

/// What failed, broadly: what a script branches on (`e.kind == "maas"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The site design could not be read or loaded.
    Design,
    /// A MAAS call failed (or was refused before it was sent).
    Maas,
    /// A BMC could not be reached, refused, or the machine did not do what was asked.
    Oob,
    /// The journal could not record or read a step.
    Journal,
    /// The script itself: a Lua error, a syntax error, a bad value.
    Script,
    /// Stopped by the user (Ctrl-C).
    Cancelled,
    /// What was asked cannot be done as asked (an unknown action, an option it does not
    /// take); nothing was done.
    Usage,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            ErrorKind::Design => "design",
            ErrorKind::Maas => "maas",
            ErrorKind::Oob => "oob",
            ErrorKind::Journal => "journal",
            ErrorKind::Script => "script",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Usage => "usage",
        };
        f.write_str(text)
    }
}

/// The MAAS call an error came from and what MAAS answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaasCall {
    pub method: String,
    /// Below `/MAAS/api/2.0/`, e.g. `machines/`.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<String>,
    /// HTTP status; none when no answer came (or nothing was sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// MAAS's own words (or the transport error).
    pub body: String,
    pub attempts: u32,
}

impl From<&crate::oob::OobError> for ErrorInfo {
    fn from(e: &crate::oob::OobError) -> Self {
        ErrorInfo {
            retryable: e.retryable(),
            node: Some(e.node.clone()),
            oob: Some(Box::new(BmcCall {
                bmc: e.bmc.clone(),
                protocol: e.protocol.to_string(),
            })),
            ..ErrorInfo::of_kind(ErrorKind::Oob, e.to_string())
        }
    }
}

/// An error, described once. Serialized flat, so Lua reads `e.status` and JSON readers
/// `error.status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub kind: ErrorKind,
    /// For people: what went wrong, with the script `file:line` when a script raised it.
    pub message: String,
    /// The script `file:line` the error was raised at, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceback: Option<String>,
    /// Whether the same thing may succeed if tried again later (a transient MAAS failure).
    #[serde(default)]
    pub retryable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none", flatten)]
    pub maas: Option<Box<MaasCall>>,
    /// The node the failed step was about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", flatten)]
    pub oob: Option<Box<BmcCall>>,
}

/// The BMC an OOB error came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BmcCall {
    /// As the design names it (`10.40.0.21`, a libvirt URI); empty for a manual node.
    pub bmc: String,
    /// `redfish`, `ipmi`, `libvirt` or `manual`.
    pub protocol: String,
}

impl std::error::Error for ErrorInfo {}

impl fmt::Display for ErrorInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(tb) = &self.traceback {
            write!(f, "\n{tb}")?;
        }
        Ok(())
    }
}

impl ErrorInfo {
    /// An error of the script's own making (no MAAS call, no location).
    pub fn new(message: impl Into<String>) -> Self {
        Self::of_kind(ErrorKind::Script, message)
    }

    pub fn of_kind(kind: ErrorKind, message: impl Into<String>) -> Self {
        ErrorInfo {
            kind,
            message: message.into(),
            location: None,
            traceback: None,
            retryable: false,
            maas: None,
            node: None,
            oob: None,
        }
    }

    /// The same error, said to be about `node`.
    pub fn on_node(self, node: &str) -> Self {
        ErrorInfo {
            node: Some(node.to_string()),
            ..self
        }
    }
}

impl From<mlua::Error> for ErrorInfo {
    fn from(e: mlua::Error) -> Self {
        describe(&e)
    }
}

impl From<&MaasError> for ErrorInfo {
    fn from(m: &MaasError) -> Self {
        ErrorInfo {
            retryable: m.retryable(),
            maas: Some(Box::new(MaasCall {
                method: m.method.clone(),
                path: m.path.clone(),
                op: m.op.clone(),
                status: m.status,
                body: m.body.clone(),
                attempts: m.attempts,
            })),
            ..ErrorInfo::of_kind(ErrorKind::Maas, m.to_string())
        }
    }
}

/// Describes an mlua error: its root cause (a MAAS error, a journal error, an error
/// described earlier, or a Lua error) and its outermost traceback.
pub fn describe(e: &mlua::Error) -> ErrorInfo {
    let mut traceback = None;
    let mut cause = e;
    loop {
        match cause {
            mlua::Error::CallbackError {
                cause: inner,
                traceback: tb,
            } => {
                if traceback.is_none() {
                    traceback = Some(tb.clone());
                }
                cause = inner;
            }
            mlua::Error::WithContext { cause: inner, .. } => cause = inner,
            _ => break,
        }
    }
    let mut info = if let Some(m) = cause.downcast_ref::<MaasError>() {
        ErrorInfo::from(m)
    } else if let Some(o) = cause.downcast_ref::<crate::oob::OobError>() {
        ErrorInfo::from(o)
    } else if let Some(known) = cause.downcast_ref::<ErrorInfo>() {
        known.clone()
    } else if let Some(j) = cause.downcast_ref::<crate::journal::JournalError>() {
        ErrorInfo::of_kind(ErrorKind::Journal, j.to_string())
    } else if let Some(d) = cause.downcast_ref::<crate::design::LoadError>() {
        ErrorInfo::of_kind(ErrorKind::Design, d.to_string())
    } else {
        let message = match cause {
            mlua::Error::RuntimeError(m) => m.clone(),
            mlua::Error::SyntaxError { message, .. } => format!("syntax error: {message}"),
            other => other.to_string(),
        };
        ErrorInfo::new(message)
    };
    // A runtime error's message may carry its own traceback (errors raised in Lua).
    if let Some((m, tb)) = info.message.split_once("\nstack traceback:") {
        traceback = traceback.or(Some(format!("stack traceback:{tb}")));
        info.message = m.to_string();
    }
    // A binding's error (it came through a callback) happened where the script called the
    // binding: the traceback's first script frame. A Lua error without a position in its
    // message (`error(msg, 0)`) is a message for the user and has no location.
    let via_binding = matches!(e, mlua::Error::CallbackError { .. });
    info.traceback = info
        .traceback
        .take()
        .or(traceback.map(|tb| clean_traceback(&tb)))
        .filter(|tb| !tb.is_empty());
    if info.location.is_none() {
        info.location = location(&info.message).or_else(|| {
            let tb = info.traceback.as_deref().filter(|_| via_binding)?;
            tb.lines().find_map(|frame| location(frame.trim()))
        });
    }
    info
}

/// `scripts/deploy.lua:12` from `scripts/deploy.lua:12: no such node`.
fn location(message: &str) -> Option<String> {
    let (file, rest) = message.split_once(".lua:")?;
    let line: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let file_ok = !file.is_empty() && !file.contains(char::is_whitespace);
    (file_ok && !line.is_empty() && rest[line.len()..].starts_with(':')).then(|| format!("{file}.lua:{line}"))
}

/// Drops frames of C functions and mlua's async plumbing, which say nothing to a user.
fn clean_traceback(tb: &str) -> String {
    let frames: Vec<&str> = tb
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "stack traceback:")
        .filter(|l| !l.starts_with("[C]") && !l.contains("__mlua") && !l.starts_with("(...tail calls...)"))
        .collect();
    if frames.is_empty() {
        return String::new();
    }
    let mut out = String::from("stack traceback:");
    for f in frames {
        out.push_str("\n  ");
        out.push_str(f);
    }
    out
}

/// Journals written before errors had a shape stored them as text; they read as script
/// errors with that message.
pub fn deserialize_legacy<'de, D>(d: D) -> Result<Option<ErrorInfo>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Text(String),
        Info(ErrorInfo),
    }
    Ok(match Option::<Stored>::deserialize(d)? {
        None => None,
        Some(Stored::Text(message)) => Some(ErrorInfo::new(message)),
        Some(Stored::Info(info)) => Some(info),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_is_read_from_the_message() {
        assert_eq!(
            location("scripts/deploy.lua:12: no node").as_deref(),
            Some("scripts/deploy.lua:12")
        );
        assert_eq!(location("no location here"), None);
        assert_eq!(location("a b.lua:3: x"), None);
        assert_eq!(location("x.lua:abc: y"), None);
    }

    #[test]
    fn a_maas_error_keeps_its_call() {
        let m = MaasError {
            kind: crate::maas::ErrorKind::Http,
            method: "GET".into(),
            path: "machines/x/".into(),
            op: None,
            status: Some(404),
            body: "No Machine matches the given query.".into(),
            attempts: 1,
        };
        let info = describe(&mlua::Error::external(m));
        assert_eq!(info.kind, ErrorKind::Maas);
        assert_eq!(info.maas.as_ref().and_then(|c| c.status), Some(404));
        assert!(!info.retryable);
        let json = serde_json::to_value(&info).unwrap();
        assert_eq!(json["status"], 404, "flat: {json}");
        assert_eq!(json["path"], "machines/x/");
        let back: ErrorInfo = serde_json::from_value(json).unwrap();
        assert_eq!(back, info);
    }

    #[test]
    fn legacy_text_errors_still_read() {
        #[derive(Deserialize)]
        struct Step {
            #[serde(default, deserialize_with = "deserialize_legacy")]
            error: Option<ErrorInfo>,
        }
        let s: Step = serde_json::from_str(r#"{"error": "boom"}"#).unwrap();
        assert_eq!(s.error.unwrap().message, "boom");
        let s: Step = serde_json::from_str(r#"{"error": null}"#).unwrap();
        assert!(s.error.is_none());
    }
}
