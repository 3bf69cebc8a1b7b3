//! IP ranges: `ipranges/` (reserved and dynamic ranges of a subnet).

use std::net::IpAddr;

use serde_json::{Value, json};

use super::records::networks::IpRange;
use super::reply::{Reply, extra, model_json};
use super::request::Request;
use super::state::State;
use crate::maas::resources::ip_ranges as model;

/// An IP range in the client's model, its subnet nested.
fn json(state: &State, r: &IpRange) -> Value {
    model_json(&model::IpRange {
        id: r.id,
        kind: model::IpRangeType::parse(&r.kind),
        start_ip: r.start.to_string(),
        end_ip: r.end.to_string(),
        subnet: super::subnets::model_by_id(state, r.subnet_id),
        comment: r.comment.clone(),
        extra: extra(json!({
            "user": {"is_superuser": true, "username": "admin", "email": "admin@example.com", "is_local": true,
                     "resource_uri": "/MAAS/api/2.0/users/admin/"},
            "resource_uri": format!("/MAAS/api/2.0/ipranges/{}/", r.id),
        })),
    })
}

/// MAAS's refusal of a range that overlaps another: a dynamic range may not cover
/// allocated addresses either, so its message names both.
fn conflict(kind: &str) -> Reply {
    let what = if kind == "dynamic" {
        "IP address or range"
    } else {
        "range"
    };
    let msg = format!("Requested {kind} range conflicts with an existing {what}.");
    Reply::compact_json(400, &json!({"start_ip": [msg], "end_ip": [msg]})).without_hash()
}

fn numeric(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v) => u128::from(u32::from(v)),
        IpAddr::V6(v) => u128::from(v),
    }
}

pub fn collection(req: &Request, state: &mut State) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(
            200,
            &Value::Array(state.ipranges.iter().map(|r| json(state, r)).collect()),
        ),
        ("POST", None) => create(req, state),
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

fn create(req: &Request, state: &mut State) -> Reply {
    let kind = req.param("type").unwrap_or_default();
    if kind != "reserved" && kind != "dynamic" {
        return Reply::invalid(
            "type",
            &format!("Select a valid choice. {kind} is not one of the available choices."),
        );
    }
    let (Some(start), Some(end)) = (
        req.param("start_ip").and_then(|s| s.parse::<IpAddr>().ok()),
        req.param("end_ip").and_then(|s| s.parse::<IpAddr>().ok()),
    ) else {
        return Reply::invalid("start_ip", "Enter a valid IPv4 or IPv6 address.");
    };
    let subnet = match req.param("subnet") {
        Some(id) => state.subnets.iter().find(|s| s.id.to_string() == id),
        None => state.subnets.iter().find(|s| s.cidr.contains(&start)),
    };
    let Some(subnet_id) = subnet.map(|s| s.id) else {
        return Reply::invalid(
            "subnet",
            "Select a valid choice. That choice is not one of the available choices.",
        );
    };
    let (lo, hi) = (numeric(start), numeric(end));
    if state
        .ipranges
        .iter()
        .any(|r| r.subnet_id == subnet_id && lo <= numeric(r.end) && numeric(r.start) <= hi)
    {
        return conflict(kind);
    }
    let id = state.ipranges.iter().map(|r| r.id).max().unwrap_or(0) + 1;
    let range = IpRange {
        id,
        subnet_id,
        kind: kind.to_string(),
        start,
        end,
        comment: req.param("comment").unwrap_or_default().to_string(),
    };
    let out = json(state, &range);
    state.ipranges.push(range);
    Reply::json(200, &out)
}

pub fn item(req: &Request, state: &mut State, id: &str) -> Reply {
    let Some(i) = state.ipranges.iter().position(|r| r.id.to_string() == id) else {
        return Reply::text(404, "No IPRange matches the given query.".into());
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &json(state, &state.ipranges[i])),
        ("PUT", None) => {
            let parse = |field: &str, now: IpAddr| match req.param(field) {
                None => Some(now),
                Some(text) => text.parse::<IpAddr>().ok(),
            };
            let r = &state.ipranges[i];
            let (Some(start), Some(end)) = (parse("start_ip", r.start), parse("end_ip", r.end)) else {
                return Reply::invalid("start_ip", "Enter a valid IPv4 or IPv6 address.");
            };
            let (lo, hi) = (numeric(start), numeric(end));
            let clash = state.ipranges.iter().any(|o| {
                o.id != r.id && o.subnet_id == r.subnet_id && lo <= numeric(o.end) && numeric(o.start) <= hi
            });
            if clash {
                return conflict(&r.kind);
            }
            let r = &mut state.ipranges[i];
            (r.start, r.end) = (start, end);
            if let Some(c) = req.param("comment") {
                r.comment = c.to_string();
            }
            Reply::json(200, &json(state, &state.ipranges[i]))
        }
        ("DELETE", None) => {
            state.ipranges.remove(i);
            Reply::text(204, String::new())
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("GET, PUT, DELETE"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MAAS words a conflict by type: a dynamic range may not cover allocated addresses
    /// either, a reserved one only other ranges.
    #[test]
    fn conflicts_are_worded_as_maas_words_them() {
        let mut s = State::for_tests();
        let post = |s: &mut State, kind: &str, start: &str, end: &str| {
            let body = format!("type={kind}&start_ip={start}&end_ip={end}&subnet=1");
            create(&Request::new("POST", "ipranges/", "", body.as_bytes()), s)
        };
        assert_eq!(post(&mut s, "reserved", "10.0.0.10", "10.0.0.20").status, 200);
        let dynamic = post(&mut s, "dynamic", "10.0.0.15", "10.0.0.30");
        assert_eq!(
            dynamic.body_text(),
            r#"{"start_ip":["Requested dynamic range conflicts with an existing IP address or range."],"end_ip":["Requested dynamic range conflicts with an existing IP address or range."]}"#
        );
        let reserved = post(&mut s, "reserved", "10.0.0.15", "10.0.0.30");
        assert!(
            reserved
                .body_text()
                .contains("Requested reserved range conflicts with an existing range.")
        );
        assert_eq!(post(&mut s, "dynamic", "10.0.0.100", "10.0.0.120").status, 200);
        let id = s.ipranges.last().unwrap().id.to_string();
        let moved = item(&Request::new("PUT", "", "", b"start_ip=10.0.0.5"), &mut s, &id);
        assert!(
            moved
                .body_text()
                .contains("Requested dynamic range conflicts with an existing IP address or range."),
            "{}",
            moved.body_text()
        );
    }
}
