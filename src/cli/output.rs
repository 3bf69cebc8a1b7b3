//! Writing results to stdout, and the text rendering of a validation report.

use std::fmt::Write;
use std::io::Write as _;

use super::Format;
use crate::design::validation::{Level, Message, ValidationReport};

fn location(m: &Message) -> String {
    match &m.source {
        Some(s) => format!("{s}"),
        None => "-".into(),
    }
}

pub fn render_text(report: &ValidationReport) -> String {
    let mut out = String::new();
    for (level, title) in [(Level::Error, "Errors"), (Level::Warning, "Warnings")] {
        let msgs: Vec<&Message> = report.messages.iter().filter(|m| m.level == level).collect();
        if msgs.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title} ({}):", msgs.len());
        for m in msgs {
            let docs: Vec<String> = m.documents.iter().map(ToString::to_string).collect();
            let docs = if docs.is_empty() {
                String::new()
            } else {
                format!("  [{}]", docs.join(", "))
            };
            let _ = writeln!(out, "  {}  {} {}{docs}", location(m), m.name, m.rule);
            let _ = writeln!(out, "    {}", m.message.trim_end());
            if !m.diagnostic.is_empty() {
                let _ = writeln!(out, "    hint: {}", m.diagnostic);
            }
        }
        out.push('\n');
    }
    // A rule passed when it reported no error (warnings allowed, as in Drydock).
    let mut rules: Vec<&str> = report.messages.iter().map(|m| m.rule.as_str()).collect();
    rules.dedup();
    let passed: Vec<&str> = rules
        .into_iter()
        .filter(|r| !report.messages.iter().any(|m| m.rule == *r && m.is_error()))
        .collect();
    let other_info: Vec<&Message> = report
        .messages
        .iter()
        .filter(|m| m.level == Level::Info && !m.message.ends_with(": Validation successful."))
        .collect();
    for m in other_info {
        let _ = writeln!(out, "Info: {}  {}", location(m), m.message);
    }
    if !passed.is_empty() {
        let _ = writeln!(out, "Passed ({} rules): {}", passed.len(), passed.join(", "));
    }
    let errors = report.error_count();
    let warnings = report
        .messages
        .iter()
        .filter(|m| m.level == Level::Warning)
        .count();
    let verdict = if report.passed() {
        "Site design passed validation"
    } else {
        "Site design failed validation."
    };
    let _ = writeln!(out, "{verdict} ({errors} errors, {warnings} warnings)");
    out
}

/// Writes a result to stdout. A reader that stops early (`drydock ... | head`) is not an
/// error worth a panic or a message.
pub fn emit(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// `value` as JSON on stdout as it is serialized (buffered, never whole), indented when
/// `pretty`, with a final newline. A reader that stops early is not an error.
pub fn emit_json_streamed(value: &impl serde::Serialize, pretty: bool) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = if pretty {
        serde_json::to_writer_pretty(&mut out, value)
    } else {
        serde_json::to_writer(&mut out, value)
    }
    .map_err(std::io::Error::from)
    .and_then(|()| out.write_all(b"\n"))
    .and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// [`emit`] for a JSON document, pretty-printed, with a final newline.
pub fn emit_json(value: &serde_json::Value) -> anyhow::Result<()> {
    emit(&format!("{}\n", serde_json::to_string_pretty(value)?))
}

/// A validation report, as text for people or as Drydock's `Status` document.
pub fn print_report(report: &ValidationReport, format: Option<Format>) -> anyhow::Result<()> {
    match format.unwrap_or(Format::Text) {
        Format::Json => emit_json(&report.to_json()),
        Format::Text => emit(&render_text(report)),
        Format::Yaml => anyhow::bail!("--format yaml is for design show; a validation prints text or json"),
    }
}
