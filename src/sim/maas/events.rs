//! The region's event log and `events/?op=query`: what happened to which machine, newest
//! first, filtered by machine and minimum level, paged by event id.

use std::collections::HashSet;
use std::time::{Duration, UNIX_EPOCH};

use serde_json::{Value, json};

use super::machines::normalise_mac;
use super::records::events::{Event, Level};
use super::reply::{Reply, extra, model_json};
use super::request::Request;
use super::state::State;
use crate::maas::resources::events as model;

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;
/// The query fields MAAS carries over into its paging links.
const CARRIED: &[&str] = &[
    "agent_name",
    "domain",
    "hostname",
    "id",
    "level",
    "limit",
    "mac_address",
    "zone",
    "owner",
];

/// 1970-01-01 was a Thursday.
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// MAAS's event time form (Python's `%a, %d %b. %Y %H:%M:%S`), in UTC.
fn created(ms: u64) -> String {
    // `2026-11-25T10:44:01Z`
    let iso = humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_millis(ms)).to_string();
    let month = iso[5..7]
        .parse::<usize>()
        .ok()
        .and_then(|m| MONTHS.get(m.checked_sub(1)?))
        .copied()
        .unwrap_or_default();
    let weekday = WEEKDAYS[(ms / 86_400_000 % 7) as usize];
    format!(
        "{weekday}, {} {month}. {} {}",
        &iso[8..10],
        &iso[..4],
        &iso[11..19]
    )
}

/// An event in the client's model.
fn to_json(e: &Event) -> Value {
    model_json(&model::Event {
        id: e.id,
        node: e.system_id.clone(),
        hostname: e.hostname.clone(),
        level: model::EventLevel::parse(e.level.name()),
        created: created(e.created_ms),
        kind: e.kind.clone(),
        description: e.description.clone(),
        extra: extra(json!({"username": e.username})),
    })
}

pub fn endpoint(req: &Request, state: &State) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", Some("query")) => query(req, state).unwrap_or_else(|refusal| refusal),
        (_, Some(op)) => req.unrecognised(op),
        // Events have no plain read: a GET without an op names no operation.
        ("GET", None) => req.unrecognised("None"),
        _ => Reply::method_not_allowed("GET"),
    }
}

/// An optional whole-number field, refused as MAAS's form validation does.
fn number(req: &Request, field: &str) -> Result<Option<i64>, Reply> {
    req.param(field)
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|_| Reply::invalid(field, "Please enter an integer value"))
        })
        .transpose()
}

/// The system ids of the machines the caller may see that match every filter given.
fn machines_wanted<'a>(req: &Request, state: &'a State) -> Result<HashSet<&'a str>, Reply> {
    let mut macs = Vec::new();
    for raw in req.params_named("mac_address") {
        match normalise_mac(raw) {
            Some(mac) => macs.push(mac),
            None => {
                return Err(Reply::invalid(
                    "mac_address",
                    &format!("'{raw}' is not a valid MAC address."),
                ));
            }
        }
    }
    let hostnames: Vec<&str> = req.params_named("hostname").collect();
    let ids: Vec<&str> = req.params_named("id").collect();
    let me = state.caller_name();
    let admin = state.caller_is_admin();
    Ok(state
        .machines
        .iter()
        .filter(|m| admin || m.owner.as_deref().is_none_or(|o| o == me))
        .filter(|m| hostnames.is_empty() || hostnames.contains(&m.hostname.as_str()))
        .filter(|m| ids.is_empty() || ids.contains(&m.system_id.as_str()))
        .filter(|m| macs.is_empty() || m.interfaces.iter().any(|n| macs.contains(&n.mac)))
        .map(|m| m.system_id.as_str())
        .collect())
}

/// A link to the next page: the request's filters and one bound, `after` or `before`.
fn page_uri(req: &Request, bound: Option<(&str, i64)>) -> String {
    let mut fields: Vec<(&str, String)> = vec![("op", "query".into())];
    fields.extend(
        req.params
            .iter()
            .filter(|(k, _)| CARRIED.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.clone())),
    );
    fields.extend(bound.map(|(k, v)| (k, v.to_string())));
    let query = serde_urlencoded::to_string(fields).unwrap_or_default();
    format!("/MAAS/api/2.0/events/?{query}")
}

fn query(req: &Request, state: &State) -> Result<Reply, Reply> {
    let after = number(req, "after")?;
    let before = number(req, "before")?;
    let limit = number(req, "limit")?.unwrap_or(DEFAULT_LIMIT);
    if limit > MAX_LIMIT {
        return Err(Reply::plain_error(
            400,
            format!("Requested number of events {limit} is greater than limit: {MAX_LIMIT}"),
        ));
    }
    let limit = limit.max(1) as usize;
    let level_name = req.param("level").unwrap_or("INFO");
    let Some(level) = Level::from_name(level_name) else {
        return Err(Reply::plain_error(
            400,
            format!("Unrecognised log level: {level_name}"),
        ));
    };
    let machines = machines_wanted(req, state)?;
    let shown = |e: &&Event| {
        machines.contains(e.system_id.as_str())
            && if level == Level::Audit {
                e.level == Level::Audit
            } else {
                e.level >= level
            }
    };
    let log = &state.events.events;
    let id = |e: &Event| e.id as i64;
    let page: Vec<&Event> = match (after, before) {
        (Some(_), Some(_)) => {
            return Err(Reply::plain_error(
                400,
                "There is undetermined behaviour when both `after` and `before` are specified.".into(),
            ));
        }
        (None, None) => log.iter().rev().filter(shown).take(limit).collect(),
        (None, Some(b)) => log
            .iter()
            .rev()
            .filter(|e| id(e) < b)
            .filter(shown)
            .take(limit)
            .collect(),
        // The oldest `limit` events after `a`, shown newest first.
        (Some(a), None) => {
            let mut newer: Vec<&Event> = log
                .iter()
                .filter(|e| id(e) > a)
                .filter(shown)
                .take(limit)
                .collect();
            newer.reverse();
            newer
        }
    };
    // Newer events are `after` the newest shown, older ones `before` the oldest; with
    // nothing shown, the bound given widens by one, and nothing older ever comes.
    let next_uri = match (page.first(), before) {
        (Some(newest), _) => page_uri(req, Some(("after", id(newest)))),
        (None, Some(b)) => page_uri(req, Some(("after", b - 1))),
        (None, None) => page_uri(req, None),
    };
    let prev_uri = match (page.last(), after) {
        (Some(oldest), _) => Some(page_uri(req, Some(("before", id(oldest))))),
        (None, Some(a)) => Some(page_uri(req, Some(("before", a + 1)))),
        (None, None) => None,
    };
    Ok(Reply::json(
        200,
        &json!({"count": page.len(), "events": page.into_iter().map(to_json).collect::<Vec<_>>(),
                "next_uri": next_uri, "prev_uri": prev_uri}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A region with two machines and `n` INFO events on the first, one DEBUG on the second.
    fn region(n: u64) -> State {
        let (mut state, _) = super::super::machines::region_with_machine(
            "architecture=amd64/generic&mac_addresses=52:54:00:aa:00:01&hostname=n1",
        );
        let second = Request::new(
            "POST",
            "machines/",
            "",
            b"architecture=amd64/generic&mac_addresses=52:54:00:aa:00:02&hostname=n2&commission=false",
        );
        assert_eq!(
            super::super::machines::collection(&second, &mut state, 0).status,
            200
        );
        for k in 1..=n {
            state.events.record(
                &state.machines[0],
                Level::Info,
                "Powering on",
                format!("#{k}"),
                k * 1000,
            );
        }
        state.events.record(
            &state.machines[1],
            Level::Debug,
            "Node changed status",
            String::new(),
            0,
        );
        state
    }

    fn ask(state: &State, query: &str) -> Value {
        let reply = endpoint(
            &Request::new("GET", "events/", &format!("op=query&{query}"), b""),
            state,
        );
        assert_eq!(reply.status, 200, "{query}: {}", reply.body_text());
        serde_json::from_str(&reply.body_text()).expect("a JSON answer")
    }

    fn ids(page: &Value) -> Vec<u64> {
        page["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| e["id"].as_u64().unwrap())
            .collect()
    }

    #[test]
    fn times_read_like_maas_writes_them() {
        assert_eq!(created(1_795_603_441_662), "Wed, 25 Nov. 2026 10:44:01");
        assert_eq!(created(0), "Thu, 01 Jan. 1970 00:00:00");
        assert_eq!(created(951_782_400_000), "Tue, 29 Feb. 2000 00:00:00");
    }

    #[test]
    fn events_come_newest_first_with_maas_fields_and_links() {
        let state = region(3);
        let page = ask(&state, "");
        assert_eq!(page["count"], 3, "INFO by default hides the DEBUG event");
        assert_eq!(ids(&page), vec![3, 2, 1]);
        let newest = &page["events"][0];
        assert_eq!(newest["node"], state.machines[0].system_id);
        assert_eq!(newest["hostname"], "n1");
        assert_eq!(newest["username"], "");
        assert_eq!(newest["level"], "INFO");
        assert_eq!(newest["type"], "Powering on");
        assert_eq!(newest["description"], "#3");
        assert_eq!(newest["created"], "Thu, 01 Jan. 1970 00:00:03");
        assert_eq!(page["next_uri"], "/MAAS/api/2.0/events/?op=query&after=3");
        assert_eq!(page["prev_uri"], "/MAAS/api/2.0/events/?op=query&before=1");
        assert_eq!(ids(&ask(&state, "level=DEBUG")), vec![4, 3, 2, 1]);
        assert_eq!(ask(&state, "level=AUDIT")["count"], 0);
    }

    #[test]
    fn filters_pick_machines_by_hostname_id_or_mac() {
        let state = region(2);
        let second = state.machines[1].system_id.clone();
        assert_eq!(ids(&ask(&state, "level=DEBUG&hostname=n2")), vec![3]);
        assert_eq!(ids(&ask(&state, &format!("level=DEBUG&id={second}"))), vec![3]);
        assert_eq!(
            ids(&ask(&state, "level=DEBUG&mac_address=52-54-00-AA-00-01")),
            vec![2, 1]
        );
        assert_eq!(
            ids(&ask(&state, "level=DEBUG&hostname=n1&hostname=n2")),
            vec![3, 2, 1]
        );
        assert_eq!(ask(&state, "hostname=nobody")["count"], 0);
        let bad = endpoint(
            &Request::new("GET", "events/", "op=query&mac_address=nope", b""),
            &state,
        );
        assert_eq!(bad.status, 400);
    }

    #[test]
    fn pages_follow_before_and_after() {
        let state = region(5);
        let first = ask(&state, "limit=2");
        assert_eq!(ids(&first), vec![5, 4]);
        assert_eq!(
            first["prev_uri"],
            "/MAAS/api/2.0/events/?op=query&limit=2&before=4"
        );
        assert_eq!(ids(&ask(&state, "limit=2&before=4")), vec![3, 2]);
        assert_eq!(
            ids(&ask(&state, "limit=2&after=1")),
            vec![3, 2],
            "the oldest after 1"
        );
        let past_the_end = ask(&state, "before=1");
        assert_eq!(past_the_end["count"], 0);
        assert_eq!(past_the_end["next_uri"], "/MAAS/api/2.0/events/?op=query&after=0");
        assert_eq!(past_the_end["prev_uri"], Value::Null);
        assert_eq!(ids(&ask(&state, "limit=0")), vec![5], "at least one");
    }

    #[test]
    fn bad_queries_are_refused_as_maas_refuses_them() {
        let state = region(1);
        let refused = |query: &str| endpoint(&Request::new("GET", "events/", query, b""), &state);
        let not_a_number = refused("op=query&limit=ten");
        assert_eq!(not_a_number.status, 400);
        assert_eq!(
            not_a_number.body_text(),
            r#"{"limit":["Please enter an integer value"]}"#
        );
        let too_many = refused("op=query&limit=1001");
        assert_eq!(too_many.status, 400);
        assert_eq!(
            too_many.body_text(),
            "Requested number of events 1001 is greater than limit: 1000"
        );
        assert_eq!(
            refused("op=query&level=LOUD").body_text(),
            "Unrecognised log level: LOUD"
        );
        assert_eq!(refused("op=query&before=3&after=1").status, 400);
        assert_eq!(
            refused("op=list").body_text(),
            "Unrecognised signature: method=GET op=list"
        );
        assert_eq!(
            refused("").body_text(),
            "Unrecognised signature: method=GET op=None"
        );
        assert_eq!(
            endpoint(&Request::new("POST", "events/", "", b""), &state).status,
            405
        );
    }
}
