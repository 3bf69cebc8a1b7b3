//! The object model reads what a real MAAS answered: every successful golden response that a
//! typed call would receive passes the call's check, and the model written back keeps every
//! field and value MAAS sent (enums parsed, unknown fields kept; only defaults for fields an
//! answer lacks are added).

mod common;

use common::fixture;
use drydock::maas::calls::{self, Call};
use serde_json::Value;

/// The typed call a recorded request was, if any.
fn call_for(method: &str, path: &str, op: Option<&str>) -> Option<&'static Call> {
    let path = path.strip_prefix("/MAAS/api/2.0/")?;
    calls::all().find(|call| call.is(method, path, op))
}

/// Where two JSON values differ, as paths (`.interface_set[0].links`).
fn differ(sent: &Value, back: &Value, at: String, out: &mut Vec<String>) {
    match (sent, back) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => differ(x, y, format!("{at}.{key}"), out),
                    (Some(_), None) => out.push(format!("{at}.{key} (dropped)")),
                    _ => out.push(format!("{at}.{key} (added)")),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differ(x, y, format!("{at}[{i}]"), out);
            }
        }
        _ if sent != back => out.push(format!("{at} ({sent} became {back})")),
        _ => {}
    }
}

#[test]
fn every_successful_golden_answer_reads_and_writes_back_unchanged() {
    let dir = fixture("maas-captures/golden");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let (mut read, mut problems) = (Vec::new(), Vec::new());
    for file in files {
        let pair: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let status = pair["status"].as_u64().unwrap_or(0);
        if !(200..300).contains(&status) {
            continue;
        }
        let op = pair["query"]["op"].as_str().or(pair["form"]["op"].as_str());
        let method = pair["method"].as_str().unwrap_or_default();
        let Some(call) = call_for(method, pair["path"].as_str().unwrap_or_default(), op) else {
            continue;
        };
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        // The client reads an empty answer (204) as null.
        let body = match &pair["body"] {
            Value::String(s) if s.is_empty() => Value::Null,
            other => other.clone(),
        };
        if let Err(e) = (call.check)(&body) {
            problems.push(format!("{name} ({}): {e}", call.name));
            continue;
        }
        match (call.model)(&body) {
            Ok(back) => {
                let mut differences = Vec::new();
                differ(&body, &back, String::new(), &mut differences);
                differences.retain(|d| !d.ends_with("(added)"));
                if differences.is_empty() {
                    read.push(name);
                } else {
                    problems.push(format!(
                        "{name} ({}): lost or changed {}",
                        call.name,
                        differences.join(", ")
                    ));
                }
            }
            Err(e) => problems.push(format!("{name} ({}): {e}", call.name)),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        read.len() >= 90,
        "only {} golden answers matched a typed call: {read:?}",
        read.len()
    );
}
