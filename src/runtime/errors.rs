//! Script errors rendered for people: the message with its script file:line, and a
//! traceback without the Rust glue frames.

use std::fmt;

/// A failure inside the Lua runtime, already rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptError {
    pub message: String,
    pub traceback: Option<String>,
}

impl std::error::Error for ScriptError {}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(tb) = &self.traceback {
            write!(f, "\n{tb}")?;
        }
        Ok(())
    }
}

impl ScriptError {
    pub fn new(message: impl Into<String>) -> Self {
        ScriptError {
            message: message.into(),
            traceback: None,
        }
    }
}

impl From<mlua::Error> for ScriptError {
    fn from(e: mlua::Error) -> Self {
        render(&e)
    }
}

/// Finds the root cause and the outermost traceback of an mlua error.
pub fn render(e: &mlua::Error) -> ScriptError {
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
    let message = match cause {
        mlua::Error::RuntimeError(m) => m.clone(),
        mlua::Error::SyntaxError { message, .. } => format!("syntax error: {message}"),
        other => other.to_string(),
    };
    // A runtime error's message may carry its own traceback (errors raised in Lua).
    let (message, inline_tb) = match message.split_once("\nstack traceback:") {
        Some((m, tb)) => (m.to_string(), Some(format!("stack traceback:{tb}"))),
        None => (message, None),
    };
    let traceback = traceback
        .or(inline_tb)
        .map(|tb| clean_traceback(&tb))
        .filter(|tb| !tb.is_empty());
    ScriptError { message, traceback }
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
