//! The request log tests read (`GET /_sim/requests`, [`Sim::requests`](crate::sim::Sim::requests)):
//! the newest [`REQUEST_LOG_LIMIT`] API requests, each with its secrets redacted and its size
//! bounded, so that neither a long run nor a hostile client makes it grow without end.

use std::collections::VecDeque;

use serde::Serialize;

/// How many requests the log keeps: the newest.
pub const REQUEST_LOG_LIMIT: usize = 10_000;

/// How many bytes of a request's path and form one entry keeps (each parameter counted with
/// [`PARAM_OVERHEAD`]); what does not fit is cut, and said so. With the limit above, the
/// log holds about 30 MB at most.
const ENTRY_BUDGET: usize = 2048;
const PARAM_OVERHEAD: usize = 32;

/// What a secret's value is logged as.
pub const REDACTED: &str = "<redacted>";

/// One request as `GET /_sim/requests` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct LoggedRequest {
    /// 1 for the simulator's first API request, counting on past the ones the log dropped.
    pub seq: u64,
    pub method: String,
    pub path: String,
    pub op: Option<String>,
    pub params: Vec<(String, String)>,
    pub status: u16,
}

/// Every API request since the simulator started, which the log's limit does not cut.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MaasCounts {
    /// GET (and HEAD) requests.
    pub reads: u64,
    /// Every other method.
    pub writes: u64,
}

#[derive(Default)]
pub struct RequestLog {
    entries: VecDeque<LoggedRequest>,
    logged: u64,
    counts: MaasCounts,
}

impl RequestLog {
    /// Logs a request: numbered, its secrets redacted, cut to the entry budget; the oldest
    /// entry goes when the log is full.
    pub fn push(
        &mut self,
        method: &str,
        path: &str,
        op: Option<&str>,
        params: &[(String, String)],
        status: u16,
    ) {
        self.logged += 1;
        if matches!(method, "GET" | "HEAD") {
            self.counts.reads += 1;
        } else {
            self.counts.writes += 1;
        }
        let mut budget = ENTRY_BUDGET;
        let path = cut(path, &mut budget);
        let op = op.map(|op| cut(op, &mut budget));
        let mut kept = Vec::new();
        for (i, (name, value)) in params.iter().enumerate() {
            if budget < PARAM_OVERHEAD + name.len() {
                kept.push((
                    "…".to_string(),
                    format!("{} more parameter(s) not kept", params.len() - i),
                ));
                break;
            }
            budget -= PARAM_OVERHEAD + name.len();
            let value = redacted(name, value);
            kept.push((name.clone(), cut(&value, &mut budget)));
        }
        if self.entries.len() == REQUEST_LOG_LIMIT {
            self.entries.pop_front();
        }
        self.entries.push_back(LoggedRequest {
            seq: self.logged,
            method: method.chars().take(16).collect(),
            path,
            op,
            params: kept,
            status,
        });
    }

    pub fn entries(&self) -> Vec<LoggedRequest> {
        self.entries.iter().cloned().collect()
    }

    pub fn counts(&self) -> MaasCounts {
        self.counts
    }
}

/// `text`, or as much of it as `budget` allows and a note of the bytes left out.
fn cut(text: &str, budget: &mut usize) -> String {
    if text.len() <= *budget {
        *budget -= text.len();
        return text.to_string();
    }
    let mut end = *budget;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    *budget = 0;
    format!("{}… ({} bytes)", &text[..end], text.len())
}

/// Whether a parameter (or a JSON field inside one) named so holds a secret: BMC and user
/// passwords, API keys and tokens, OAuth signatures.
pub fn is_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "pass",
        "secret",
        "token",
        "signature",
        "credential",
        "private",
        "api_key",
        "apikey",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// The value to log for a parameter: a secret's redacted; in a JSON value (MAAS takes
/// `power_parameters` as a JSON object), each field named like a secret is.
pub fn redacted(name: &str, value: &str) -> String {
    if is_secret(name) {
        return REDACTED.to_string();
    }
    fn scrub(v: &mut serde_json::Value) -> bool {
        match v {
            serde_json::Value::Object(map) => {
                let mut any = false;
                for (k, v) in map.iter_mut() {
                    if is_secret(k) {
                        *v = serde_json::Value::String(REDACTED.into());
                        any = true;
                    } else {
                        any |= scrub(v);
                    }
                }
                any
            }
            serde_json::Value::Array(items) => items.iter_mut().fold(false, |any, v| scrub(v) | any),
            _ => false,
        }
    }
    let trimmed = value.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(mut json) = serde_json::from_str::<serde_json::Value>(value)
        && scrub(&mut json)
    {
        return json.to_string();
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(log: &mut RequestLog, params: &[(&str, &str)]) {
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        log.push("GET", "/MAAS/api/2.0/version/", None, &params, 200);
    }

    #[test]
    fn the_log_keeps_the_newest_entries() {
        let mut log = RequestLog::default();
        for i in 0..REQUEST_LOG_LIMIT + 10 {
            get(&mut log, &[("i", &i.to_string())]);
        }
        let entries = log.entries();
        assert_eq!(entries.len(), REQUEST_LOG_LIMIT);
        assert_eq!(entries[0].params, vec![("i".to_string(), "10".to_string())]);
        assert_eq!(entries[0].seq, 11, "numbered from 1 in the order they came");
    }

    #[test]
    fn counts_go_on_past_the_log_s_limit() {
        let mut log = RequestLog::default();
        for _ in 0..REQUEST_LOG_LIMIT + 10 {
            get(&mut log, &[]);
        }
        log.push("POST", "/MAAS/api/2.0/tags/", None, &[], 200);
        log.push("PUT", "/MAAS/api/2.0/machines/abc/", None, &[], 400);
        assert_eq!(
            log.counts(),
            MaasCounts {
                reads: REQUEST_LOG_LIMIT as u64 + 10,
                writes: 2,
            }
        );
    }

    #[test]
    fn secrets_are_redacted_and_entries_bounded() {
        let mut log = RequestLog::default();
        let many: Vec<(String, String)> = (0..1000).map(|i| (format!("p{i}"), "v".repeat(100))).collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        get(&mut log, &many);
        get(
            &mut log,
            &[
                ("power_parameters_power_pass", "a"),
                ("password1", "b"),
                (
                    "power_parameters",
                    r#"{"power_address": "10.0.0.9", "nested": [{"Password": "c"}]}"#,
                ),
                ("name", "{not json"),
            ],
        );
        let entries = log.entries();
        let kept: usize = entries[0].params.iter().map(|(k, v)| k.len() + v.len()).sum();
        assert!(kept < ENTRY_BUDGET, "{kept}");
        assert!(entries[0].params.last().unwrap().1.contains("not kept"));
        let text = format!("{:?}", entries[1].params);
        assert!(
            !text.contains("\"a\"") && !text.contains("\"b\"") && !text.contains("\\\"c\\\""),
            "{text}"
        );
        assert!(text.contains("10.0.0.9") && text.contains("{not json"), "{text}");
    }
}
