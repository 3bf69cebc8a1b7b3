//! A machine's lifecycle ops (`allocate`, `commission`, `deploy`, `release`, `abort`,
//! `mark_broken`, `mark_fixed`, power, owner data) with MAAS's refusals, and the timed
//! transitions (Commissioning -> Ready, Deploying -> Deployed, Releasing -> Ready) that a
//! region with a rack controller goes through, scaled by `--speed`.
//!
//! Without a rack controller (the region the captures come from), anything that boots or
//! powers a machine fails the way that region answered.
//!
//! Each action and each status change goes into the region's event log.

use base64::Engine;
use serde_json::{Value, json};

use super::power::{self, Action};
use super::records::events::{EventLog, Level};
use super::records::machines::{Machine, Pending};
use super::reply::Reply;
use super::request::Request;
use super::state::State;
use crate::maas::MachineStatus;
use crate::maas::resources::machines::PowerState;

/// Seconds each phase takes at `--speed 1`, close to a small real site.
pub const COMMISSIONING_S: f64 = 180.0;
pub const DEPLOYING_S: f64 = 600.0;
const RELEASING_S: f64 = 20.0;

/// Lets the region's clock run to `now_ms`: power changes BMCs accepted land, machines
/// booted from the network enlist, and every lifecycle transition that is due completes.
pub fn advance(state: &mut State, now_ms: u64) {
    for host in &mut state.hosts {
        host.settle(now_ms);
    }
    super::enlistment::complete_due(state, now_ms);
    for i in 0..state.machines.len() {
        let m = &mut state.machines[i];
        let Some(p) = m.pending.filter(|p| p.due_ms <= now_ms) else {
            continue;
        };
        if m.status == MachineStatus::Commissioning && p.to == MachineStatus::Ready {
            m.commissioned_ms = Some(p.due_ms);
            if let Some(h) = &m.hardware {
                m.cpu_count = h.cpu_count;
                m.memory = h.memory;
            }
        }
        change_status(&mut state.events, m, p.to, p.due_ms);
        state.events.record(
            &state.machines[i],
            Level::Info,
            p.to.name(),
            String::new(),
            p.due_ms,
        );
        state.machines[i].pending = None;
        // The machine does this itself: it boots its new OS, or shuts down after commissioning.
        if p.to == MachineStatus::Deployed {
            let physical = state.physical_mut(i);
            physical.power(true, p.due_ms);
            physical.first_boot();
            queue_reports(state, i);
        }
        if p.to == MachineStatus::Ready && state.machines[i].power_type != "manual" {
            state.physical_mut(i).power(false, p.due_ms);
        }
    }
}

/// Machine `i`'s signaling boot actions, run at its first boot, queue their reports.
fn queue_reports(state: &mut State, i: usize) {
    let super::records::machines::Body::Host { host } = state.machines[i].body else {
        return;
    };
    let h = &state.hosts[host];
    if let Some(boot) = h.physical.first_boot.as_deref() {
        let out = crate::sim::bootaction_reports::of_first_boot(&h.name, boot, &h.bootaction_faults);
        state.outbox.extend(out);
    }
}

/// MAAS powers machine `i` on to boot it from the network for a lifecycle phase; when its BMC
/// fails that, the phase fails at once.
fn boot(state: &mut State, i: usize, failed: MachineStatus, now_ms: u64) {
    if power::act(state, i, Action::On, now_ms).is_err() {
        let m = &mut state.machines[i];
        m.pending = None;
        change_status(&mut state.events, m, failed, now_ms);
    }
}

/// Moves a machine to `to`, logging the change at DEBUG as MAAS does.
fn change_status(events: &mut EventLog, m: &mut Machine, to: MachineStatus, now_ms: u64) {
    if m.status != to {
        let change = format!("From '{}' to '{}'", m.status.name(), to.name());
        m.status = to;
        events.record(m, Level::Debug, "Node changed status", change, now_ms);
    }
}

/// Logs a user's action on machine `i` at INFO, with the comment the request gives.
fn record_action(req: &Request, state: &mut State, i: usize, kind: &'static str, now_ms: u64) {
    let comment = req.param("comment").unwrap_or_default().to_string();
    state
        .events
        .record(&state.machines[i], Level::Info, kind, comment, now_ms);
}

fn unreachable_bmc(m: &Machine) -> Reply {
    Reply::plain_error(
        503,
        format!("No rack controllers can access the BMC of node {}", m.hostname),
    )
}

fn start(state: &State, to: MachineStatus, seconds: f64, now_ms: u64) -> Pending {
    let speed = state.speed.max(f64::MIN_POSITIVE);
    Pending {
        to,
        due_ms: now_ms + (seconds * 1000.0 / speed) as u64,
    }
}

/// Ubuntu's release numbers, by series.
const SERIES: [(&str, &str); 4] = [
    ("bionic", "18.04"),
    ("focal", "20.04"),
    ("jammy", "22.04"),
    ("noble", "24.04"),
];

/// The kernel a deployment of `series` gets: the one asked for when the region has it (the
/// series' GA kernel, its HWE kernel, or their `-edge`/`-lowlatency` flavours), else the GA
/// kernel. MAAS refuses any other, naming it.
fn kernel_for(series: &str, asked: Option<&str>) -> Result<String, Reply> {
    let version = SERIES.iter().find(|(s, _)| *s == series).map(|(_, v)| *v);
    let Some(asked) = asked.filter(|k| !k.is_empty()) else {
        return Ok(format!("ga-{}", version.unwrap_or("22.04")));
    };
    let known = version.is_some_and(|v| {
        ["ga-", "hwe-"].iter().any(|kind| {
            asked
                .strip_prefix(kind)
                .and_then(|rest| rest.strip_prefix(v))
                .is_some_and(|flavour| matches!(flavour, "" | "-edge" | "-lowlatency" | "-lowlatency-edge"))
        })
    });
    if known {
        Ok(asked.to_string())
    } else {
        Err(Reply::invalid(
            "hwe_kernel",
            &format!("{asked} is not available for ubuntu/{series} on amd64/generic."),
        ))
    }
}

/// `POST machines/?op=allocate`.
pub fn allocate(req: &Request, state: &mut State, now_ms: u64) -> Reply {
    let wanted_tags: Vec<&str> = req
        .params_named("tags")
        .flat_map(|t| t.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    let unknown: Vec<String> = wanted_tags
        .iter()
        .filter(|t| !state.tags.iter().any(|tag| tag.name == **t))
        .map(|t| format!("'{t}'"))
        .collect();
    if !unknown.is_empty() {
        return Reply::invalid("tags", &format!("No such tag(s): {}.", unknown.join(", ")));
    }
    let system_id = req.param("system_id");
    let hostname = req.param("name");
    let found = state.machines.iter().position(|m| {
        m.status == MachineStatus::Ready
            && system_id.is_none_or(|id| m.system_id == id)
            && hostname.is_none_or(|h| m.hostname == h)
            && wanted_tags.iter().all(|t| {
                state
                    .tags
                    .iter()
                    .any(|tag| tag.name == *t && tag.members.contains(&m.system_id))
            })
    });
    let Some(i) = found else {
        return Reply::plain_error(
            409,
            match system_id {
                Some(id) => format!("No machine with system ID {id} available."),
                None => "No available machine matches constraints.".into(),
            },
        );
    };
    let owner = state.caller_name().to_string();
    let m = &mut state.machines[i];
    m.owner = Some(owner);
    change_status(&mut state.events, m, MachineStatus::Allocated, now_ms);
    // The answer to allocate also says which constraints matched what.
    let mut out = state.machines[i].json(state);
    out["constraints_by_type"] = json!({});
    Reply::json(200, &out)
}

/// Ops on `machines/{id}/`; `None` when `op` is not a lifecycle op.
pub fn op(req: &Request, state: &mut State, i: usize, op: &str, now_ms: u64) -> Option<Reply> {
    let rack = state.rack;
    let status = state.machines[i].status;
    let reply_machine = |state: &State| Reply::json(200, &state.machines[i].json(state));
    let reply = match (req.method.as_str(), op) {
        ("POST", "commission") => {
            if !rack {
                return Some(Reply::plain_error(
                    400,
                    "Ephemeral operating system ubuntu jammy is unavailable.".into(),
                ));
            }
            let allowed = matches!(
                status,
                MachineStatus::New | MachineStatus::Ready | MachineStatus::Broken
            ) || status.is_failure();
            if !allowed {
                return Some(Reply::plain_error(
                    409,
                    format!(
                        "Cannot commission node in its current state ('{}').",
                        status.name()
                    ),
                ));
            }
            let pending = start(state, MachineStatus::Ready, COMMISSIONING_S, now_ms);
            record_action(req, state, i, "Commissioning", now_ms);
            let m = &mut state.machines[i];
            m.before_commissioning = status;
            change_status(&mut state.events, m, MachineStatus::Commissioning, now_ms);
            m.pending = Some(pending);
            boot(state, i, MachineStatus::FailedCommissioning, now_ms);
            reply_machine(state)
        }
        ("POST", "deploy") => {
            if status == MachineStatus::New {
                return Some(Reply::plain_error(
                    409,
                    "Can't deploy a machine that is in the 'New' state".into(),
                ));
            }
            if !matches!(status, MachineStatus::Ready | MachineStatus::Allocated) {
                return Some(Reply::plain_error(
                    409,
                    format!("Can't deploy a machine that is in the '{}' state", status.name()),
                ));
            }
            if !rack {
                return Some(Reply::plain_error(
                    400,
                    "Deployment operating system ubuntu jammy is unavailable.".into(),
                ));
            }
            let series = req
                .param("distro_series")
                .map(|s| s.trim_start_matches("ubuntu/").to_string())
                .unwrap_or_else(|| "jammy".into());
            let series = if series == "22.04" {
                "jammy".to_string()
            } else {
                series
            };
            let kernel = match kernel_for(&series, req.param("hwe_kernel")) {
                Ok(kernel) => kernel,
                Err(reply) => return Some(reply),
            };
            let user_data = match req.param("user_data").filter(|u| !u.is_empty()) {
                None => None,
                Some(encoded) => match base64::engine::general_purpose::STANDARD.decode(encoded) {
                    Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
                    Err(_) => {
                        return Some(Reply::invalid(
                            "user_data",
                            "Invalid base64 data. user_data must be base64-encoded.",
                        ));
                    }
                },
            };
            let pending = start(state, MachineStatus::Deployed, DEPLOYING_S, now_ms);
            let owner = state.caller_name().to_string();
            state.machines[i].owner.get_or_insert(owner);
            record_action(req, state, i, "Deploying", now_ms);
            let m = &mut state.machines[i];
            change_status(&mut state.events, m, MachineStatus::Deploying, now_ms);
            m.pending = Some(pending);
            m.hwe_kernel = Some(kernel);
            state.physical_mut(i).install("ubuntu", series, user_data);
            boot(state, i, MachineStatus::FailedDeployment, now_ms);
            reply_machine(state)
        }
        ("POST", "release") => {
            if status == MachineStatus::Ready {
                return Some(reply_machine(state));
            }
            let releasable = matches!(
                status,
                MachineStatus::Allocated
                    | MachineStatus::Deployed
                    | MachineStatus::Deploying
                    | MachineStatus::Broken
            ) || status.is_failure();
            if !releasable {
                return Some(Reply::plain_error(
                    409,
                    format!(
                        "Machine cannot be released in its current state ('{}').",
                        status.name()
                    ),
                ));
            }
            let manual = state.machines[i].power_type == "manual";
            if !manual && !rack {
                return Some(unreachable_bmc(&state.machines[i]));
            }
            let pending = (!manual && status != MachineStatus::Allocated)
                .then(|| start(state, MachineStatus::Ready, RELEASING_S, now_ms));
            record_action(req, state, i, "Releasing", now_ms);
            let m = &mut state.machines[i];
            m.owner = None;
            m.workload_annotations.clear();
            m.hwe_kernel = None;
            state.physical_mut(i).wipe();
            let m = &mut state.machines[i];
            let to = if pending.is_some() {
                MachineStatus::Releasing
            } else {
                MachineStatus::Ready
            };
            change_status(&mut state.events, m, to, now_ms);
            m.pending = pending;
            reply_machine(state)
        }
        ("POST", "abort") => {
            let back = match status {
                MachineStatus::Commissioning => state.machines[i].before_commissioning,
                MachineStatus::Deploying => MachineStatus::Allocated,
                MachineStatus::Releasing => MachineStatus::Ready,
                _ => {
                    return Some(Reply::plain_error(
                        409,
                        format!(
                            "Cannot abort in current state: node {} is in state {}.",
                            state.machines[i].system_id,
                            status.name()
                        ),
                    ));
                }
            };
            record_action(req, state, i, "Aborted", now_ms);
            let m = &mut state.machines[i];
            change_status(&mut state.events, m, back, now_ms);
            m.pending = None;
            reply_machine(state)
        }
        ("POST", "mark_broken") => {
            if state.machines[i].owner.is_none() && status != MachineStatus::New && !status.is_failure() {
                return Some(Reply::plain_error(403, String::new()));
            }
            record_action(req, state, i, "Marked broken", now_ms);
            let m = &mut state.machines[i];
            change_status(&mut state.events, m, MachineStatus::Broken, now_ms);
            m.owner = None;
            m.workload_annotations.clear();
            m.pending = None;
            reply_machine(state)
        }
        ("POST", "mark_fixed") => {
            if status != MachineStatus::Broken {
                return Some(Reply::plain_error(
                    409,
                    "Can't mark a non-broken node as 'Ready'.".into(),
                ));
            }
            record_action(req, state, i, "Marked fixed", now_ms);
            change_status(
                &mut state.events,
                &mut state.machines[i],
                MachineStatus::Ready,
                now_ms,
            );
            reply_machine(state)
        }
        ("POST", "set_workload_annotations" | "set_owner_data") => {
            if state.machines[i].owner.is_none() {
                return Some(Reply::plain_error(
                    409,
                    "Cannot set workload annotation: it hasn't been acquired.".into(),
                ));
            }
            let annotations = &mut state.machines[i].workload_annotations;
            for (k, v) in req.params.iter().filter(|(k, _)| k != "op") {
                // An empty value deletes the key.
                if v.is_empty() {
                    annotations.remove(k);
                } else {
                    annotations.insert(k.clone(), json!(v));
                }
            }
            reply_machine(state)
        }
        ("POST", "power_on") => {
            if !rack {
                return Some(Reply::plain_error(
                    400,
                    "Deployment operating system ubuntu jammy is unavailable.".into(),
                ));
            }
            record_action(req, state, i, "Powering on", now_ms);
            // A failure shows as the machine's power state and an event, as on MAAS.
            let _ = power::act(state, i, Action::On, now_ms);
            reply_machine(state)
        }
        ("POST", "power_off") => {
            if state.machines[i].power_type == "manual" {
                // MAAS cannot act on a manual machine and says so with a bare null.
                return Some(Reply::json(200, &Value::Null));
            }
            if !rack {
                return Some(unreachable_bmc(&state.machines[i]));
            }
            record_action(req, state, i, "Powering off", now_ms);
            let soft = req.param("stop_mode") == Some("soft");
            let _ = power::act(state, i, Action::Off { soft }, now_ms);
            reply_machine(state)
        }
        ("GET", "query_power_state") => {
            if !rack {
                return Some(unreachable_bmc(&state.machines[i]));
            }
            let reported = power::act(state, i, Action::Query, now_ms).unwrap_or(PowerState::Error);
            Reply::json(200, &json!({ "state": reported }))
        }
        _ => return None,
    };
    Some(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A region with a rack, running 60 times faster than real, and one Ready machine.
    fn region() -> (State, usize) {
        let mut state = State::for_tests();
        state.speed = 60.0;
        let create = Request::new(
            "POST",
            "machines/",
            "",
            b"architecture=amd64/generic&mac_addresses=52:54:00:aa:00:01&hostname=n1&power_type=ipmi&power_parameters_power_address=10.0.0.9&commission=false",
        );
        assert_eq!(
            super::super::machines::collection(&create, &mut state, 0).status,
            200
        );
        (state, 0)
    }

    fn post(op: &str, body: &str) -> Request {
        Request::new("POST", "machines/x/", &format!("op={op}"), body.as_bytes())
    }

    #[test]
    fn commission_allocate_deploy_release_follow_the_clock() {
        let (mut state, i) = region();
        let t0 = 1_000_000;
        let run = |state: &mut State, op: &str, body: &str, now: u64| {
            let reply = super::op(&post(op, body), state, i, op, now).unwrap();
            assert_eq!(reply.status, 200, "{op}: {}", reply.body_text());
        };
        run(&mut state, "commission", "", t0);
        assert_eq!(state.machines[i].status, MachineStatus::Commissioning);
        advance(&mut state, t0 + 2_999);
        assert_eq!(
            state.machines[i].status,
            MachineStatus::Commissioning,
            "180 s / 60 = 3 s"
        );
        advance(&mut state, t0 + 3_000);
        assert_eq!(state.machines[i].status, MachineStatus::Ready);
        assert_eq!(
            state.machines[i].commissioned_ms,
            Some(t0 + 3_000),
            "commissioning left a result"
        );
        let id = state.machines[i].system_id.clone();
        assert_eq!(
            allocate(
                &Request::new(
                    "POST",
                    "machines/",
                    "op=allocate",
                    format!("system_id={id}").as_bytes()
                ),
                &mut state,
                t0 + 3_500
            )
            .status,
            200
        );
        run(&mut state, "deploy", "distro_series=ubuntu/jammy", t0 + 4_000);
        assert_eq!(state.machines[i].status, MachineStatus::Deploying);
        assert_eq!(state.physical(i).distro_series, "jammy");
        advance(&mut state, t0 + 14_000);
        assert_eq!(state.machines[i].status, MachineStatus::Deployed);
        assert_eq!(state.physical(i).power_state, PowerState::On);
        run(&mut state, "release", "", t0 + 15_000);
        assert_eq!(state.machines[i].status, MachineStatus::Releasing);
        advance(&mut state, t0 + 16_000);
        assert_eq!(state.machines[i].status, MachineStatus::Ready);
        assert_eq!(state.machines[i].owner, None);
    }

    /// The regression issue 13 names: the simulator dropped the kernel given at deploy.
    #[test]
    fn the_kernel_given_at_deploy_reads_back_until_release() {
        let (mut state, i) = region();
        let t0 = 1_000_000;
        let send = |state: &mut State, op: &str, body: &str, now: u64| {
            super::op(&post(op, body), state, i, op, now).unwrap()
        };
        assert_eq!(send(&mut state, "commission", "", t0).status, 200);
        advance(&mut state, t0 + 3_000);
        let refused = send(
            &mut state,
            "deploy",
            "distro_series=jammy&hwe_kernel=ga-16.04",
            t0 + 3_100,
        );
        assert_eq!(refused.status, 400);
        assert_eq!(
            refused.body_text(),
            r#"{"hwe_kernel":["ga-16.04 is not available for ubuntu/jammy on amd64/generic."]}"#
        );
        assert_eq!(state.machines[i].status, MachineStatus::Ready, "nothing started");
        let reply = send(
            &mut state,
            "deploy",
            "distro_series=jammy&hwe_kernel=hwe-22.04",
            t0 + 3_200,
        );
        assert_eq!(reply.status, 200, "{}", reply.body_text());
        assert_eq!(state.machines[i].json(&state)["hwe_kernel"], "hwe-22.04");
        advance(&mut state, t0 + 14_000);
        assert_eq!(state.machines[i].json(&state)["hwe_kernel"], "hwe-22.04");
        assert_eq!(send(&mut state, "release", "", t0 + 15_000).status, 200);
        assert_eq!(state.machines[i].json(&state)["hwe_kernel"], Value::Null);
        advance(&mut state, t0 + 16_000);
        // No kernel asked for: the series' GA kernel.
        assert_eq!(
            send(&mut state, "deploy", "distro_series=ubuntu/jammy", t0 + 17_000).status,
            200
        );
        assert_eq!(state.machines[i].json(&state)["hwe_kernel"], "ga-22.04");
    }

    /// `(type, description)` of every logged event, oldest first.
    fn logged(state: &State) -> Vec<(String, String)> {
        let query = Request::new("GET", "events/", "op=query&level=DEBUG&limit=1000", b"");
        let reply = super::super::events::endpoint(&query, state);
        let page: Value = serde_json::from_str(&reply.body_text()).unwrap();
        let mut events: Vec<(String, String)> = page["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["type"].as_str().unwrap().into(),
                    e["description"].as_str().unwrap().into(),
                )
            })
            .collect();
        events.reverse();
        events
    }

    #[test]
    fn actions_and_status_changes_are_logged() {
        let (mut state, i) = region();
        let t0 = 1_000_000;
        let run = |state: &mut State, op: &str, body: &str| {
            let reply = super::op(&post(op, body), state, i, op, t0).unwrap();
            assert_eq!(reply.status, 200, "{op}: {}", reply.body_text());
        };
        run(&mut state, "commission", "");
        advance(&mut state, t0 + 3_000);
        run(&mut state, "power_on", "comment=checking");
        run(&mut state, "deploy", "");
        run(&mut state, "mark_broken", "comment=bad disk");
        run(&mut state, "mark_fixed", "");
        let change = |from: &str, to: &str| {
            (
                "Node changed status".to_string(),
                format!("From '{from}' to '{to}'"),
            )
        };
        let info = |kind: &str, description: &str| (kind.to_string(), description.to_string());
        assert_eq!(
            logged(&state),
            vec![
                info("Commissioning", ""),
                change("New", "Commissioning"),
                change("Commissioning", "Ready"),
                info("Ready", ""),
                info("Powering on", "checking"),
                info("Deploying", ""),
                change("Ready", "Deploying"),
                info("Marked broken", "bad disk"),
                change("Deploying", "Broken"),
                info("Marked fixed", ""),
                change("Broken", "Ready"),
            ]
        );
        let query = Request::new("GET", "events/", "op=query", b"");
        let page = super::super::events::endpoint(&query, &state).body_text();
        assert!(!page.contains("Node changed status"), "status changes are DEBUG");
    }

    #[test]
    fn without_a_rack_nothing_boots_and_bmcs_are_unreachable() {
        let (mut state, i) = region();
        state.rack = false;
        let reply = super::op(&post("commission", ""), &mut state, i, "commission", 0).unwrap();
        assert_eq!(reply.status, 400);
        let query = Request::new("GET", "machines/x/", "op=query_power_state", b"");
        let reply = super::op(&query, &mut state, i, "query_power_state", 0).unwrap();
        assert_eq!(reply.status, 503);
        assert!(reply.body_text().contains("node n1"));
    }
}
