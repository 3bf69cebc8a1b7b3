//! What the simulated BMCs were asked (`GET /_sim/bmc_requests`,
//! [`Sim::bmc_requests`](crate::sim::Sim::bmc_requests)): the newest [`BMC_REQUEST_LOG_LIMIT`]
//! requests of every BMC, from their own clients and from MAAS's power drivers, each with the
//! power change it made the BMC accept. No header is kept (so no `Authorization` or
//! `X-Auth-Token`), secrets in bodies are redacted, and bodies are bounded. Beside the log,
//! counts of every request by sender and protocol, which the log's limit does not cut
//! (`GET /_sim/counts`).

use std::collections::VecDeque;

use serde::Serialize;
use serde_json::Value;

use crate::oob::PowerRequest;
use crate::sim::maas::request_log::{REDACTED, is_secret};
use crate::sim::physical::BmcProtocol;

/// How many requests the log keeps: the newest.
pub const BMC_REQUEST_LOG_LIMIT: usize = 10_000;

/// The largest body kept; a longer one is logged as its size.
const BODY_BUDGET: usize = 2048;

/// Who sent a request to a BMC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Requester {
    /// A client of the BMC's own service (drydock's OOB drivers, a test).
    Client,
    /// MAAS, acting with the power type and parameters it was given.
    Maas,
}

/// One request as `GET /_sim/bmc_requests` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct BmcRequest {
    /// 1 for the first request to any BMC, counting on past the ones the log dropped.
    pub seq: u64,
    /// The design node whose BMC was asked.
    pub node: String,
    pub protocol: BmcProtocol,
    pub from: Requester,
    /// The HTTP method (Redfish), `IPMI`, `MAAS`.
    pub method: String,
    /// The resource (Redfish), the message or command (IPMI: `RAKP 1`, `Get Chassis
    /// Status`), MAAS's power op.
    pub path: String,
    /// The JSON body, secrets redacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// The power change the BMC accepted for this request, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power: Option<PowerRequest>,
    /// The HTTP status answered (for IPMI, 200 for any answer); 0 when nothing was.
    pub status: u16,
    /// When the request came in and when it was answered, on one clock that ticks at each:
    /// requests whose spans `[began, ended)` overlap were in flight together. An IPMI datagram
    /// or a MAAS power call is answered as it comes in (`ended` is the next tick).
    pub began: u64,
    pub ended: u64,
}

impl BmcRequest {
    /// An entry for `node`'s BMC; `push` numbers it.
    pub fn new(node: &str, protocol: BmcProtocol, from: Requester, method: &str, path: &str) -> BmcRequest {
        BmcRequest {
            seq: 0,
            node: node.chars().take(256).collect(),
            protocol,
            from,
            method: method.chars().take(32).collect(),
            path: path.chars().take(512).collect(),
            body: None,
            power: None,
            status: 0,
            began: 0,
            ended: 0,
        }
    }

    /// Keeps `body`: JSON with its secrets redacted, or a note of what it was.
    pub fn with_body(mut self, body: &[u8]) -> BmcRequest {
        if body.is_empty() {
            return self;
        }
        self.body = Some(if body.len() > BODY_BUDGET {
            Value::String(format!("… ({} bytes, not kept)", body.len()))
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(mut json) => {
                    scrub(&mut json);
                    json
                }
                Err(_) => Value::String(format!("… ({} bytes, not JSON)", body.len())),
            }
        });
        self
    }
}

/// Redacts every field named like a secret (`Password`, tokens, keys), at any depth.
fn scrub(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret(k) {
                    *v = Value::String(REDACTED.into());
                } else {
                    scrub(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub),
        _ => {}
    }
}

/// Requests sent to BMCs over each protocol.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ByProtocol {
    pub redfish: u64,
    pub ipmi: u64,
}

/// Every request the BMCs were sent since the simulator started, by who sent it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BmcCounts {
    pub client: ByProtocol,
    pub maas: ByProtocol,
}

#[derive(Default)]
pub struct BmcRequestLog {
    entries: VecDeque<BmcRequest>,
    logged: u64,
    counts: BmcCounts,
    clock: u64,
}

impl BmcRequestLog {
    /// A request comes in: the time its entry's `began` is.
    pub fn begin(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// Logs a request, numbered, and counts it; the oldest entry goes when the log is full.
    pub fn push(&mut self, mut entry: BmcRequest) {
        self.logged += 1;
        entry.seq = self.logged;
        if entry.began == 0 {
            entry.began = self.begin();
        }
        entry.ended = self.begin();
        let by = match entry.from {
            Requester::Client => &mut self.counts.client,
            Requester::Maas => &mut self.counts.maas,
        };
        match entry.protocol {
            BmcProtocol::Redfish => by.redfish += 1,
            BmcProtocol::Ipmi => by.ipmi += 1,
        }
        if self.entries.len() == BMC_REQUEST_LOG_LIMIT {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    pub fn entries(&self) -> Vec<BmcRequest> {
        self.entries.iter().cloned().collect()
    }

    pub fn counts(&self) -> BmcCounts {
        self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_and_big_bodies_cut() {
        let mut log = BmcRequestLog::default();
        let entry = BmcRequest::new("n1", BmcProtocol::Redfish, Requester::Client, "POST", "/s")
            .with_body(br#"{"UserName": "admin", "Password": "hunter2", "Oem": {"ApiToken": "t0k"}}"#);
        log.push(entry);
        log.push(
            BmcRequest::new("n1", BmcProtocol::Redfish, Requester::Client, "PATCH", "/s")
                .with_body(&[b'x'; 5000]),
        );
        let text = serde_json::to_string(&log.entries()).unwrap();
        assert!(!text.contains("hunter2") && !text.contains("t0k"), "{text}");
        assert!(text.contains("admin") && text.contains("5000 bytes"), "{text}");
        assert_eq!(log.entries()[1].seq, 2);
    }

    #[test]
    fn counts_go_on_past_the_log_s_limit() {
        let mut log = BmcRequestLog::default();
        // Three senders in turn, each more often than the log keeps all of them.
        let each = BMC_REQUEST_LOG_LIMIT as u64 / 3 + 100;
        for i in 0..3 * each {
            let (from, protocol) = match i % 3 {
                0 => (Requester::Client, BmcProtocol::Redfish),
                1 => (Requester::Client, BmcProtocol::Ipmi),
                _ => (Requester::Maas, BmcProtocol::Redfish),
            };
            log.push(BmcRequest::new("n1", protocol, from, "GET", "/redfish/v1/"));
        }
        assert_eq!(log.entries().len(), BMC_REQUEST_LOG_LIMIT);
        assert_eq!(
            log.counts(),
            BmcCounts {
                client: ByProtocol {
                    redfish: each,
                    ipmi: each,
                },
                maas: ByProtocol {
                    redfish: each,
                    ipmi: 0
                },
            }
        );
    }
}
