//! The `/_sim/` endpoints tests steer the simulator with, beside the API it serves. Each acts
//! on the region as it is now; none is part of MAAS's API, so none is logged or faulted.
//! Each wants a request signed with an admin's key, OAuth as the API checks it (a
//! non-admin's key gets MAAS's 403): they hand out keys and what clients sent, and a client
//! of the simulator already has a signer for the API.
//! * `GET /_sim/requests`: the request log (method, path, op, params, status), to check what
//!   a client sent and in what order; secrets are redacted.
//! * `POST /_sim/faults` with `status=503&retry_after=1&count=2` (or `kind=drop`): the next
//!   API requests fail that way, to exercise a client's retries.
//! * `POST /_sim/machines/{system_id}` with `status=Ready`: moves a machine to any MAAS
//!   status at once, to start a test where a lifecycle would take minutes to get.
//! * `GET /_sim/users/{username}`: the API key of a user an admin created with `POST users/`,
//!   to act as a non-admin.
//! * `GET /_sim/bmcs`: where each BMC is served, design address → endpoint (a JSON object,
//!   what `--bmc-map FILE` reads).
//! * `POST /_sim/bmc_faults` with `{"node": "cmp01", "fault": "refuse_login"}` (or
//!   `"timeout"`, `"stuck_power"`, `null` to clear): plants a fault on a node's BMC.
//! * `GET /_sim/bmc_requests`: what the BMCs were asked, by their clients and by MAAS, with
//!   the power change each accepted; no header, no password.
//! * `POST /_sim/bootaction_faults` with `{"node": "cmp01", "action": "promjoin", "fault":
//!   "fail"}` (or `"silent"`, `null` to clear): what that boot action does at first boot.
//! * `GET /_sim/bootaction_reports`: the boot action reports machines sent, and the answers.
//! * `GET /_sim/counts`: how many requests MAAS (reads, writes) and the BMCs (by sender and
//!   protocol) were sent since the start, past what the logs keep.

use std::sync::MutexGuard;
use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::maas::reply::Reply;
use super::maas::state::{MAX_PLANTED_FAULTS, State};
use super::{BmcFault, Fault, Shared, now_ms};

/// The region, for a request an admin signed; otherwise the API's 401 or 403.
fn as_admin<'a>(shared: &'a Shared, headers: &HeaderMap) -> Result<MutexGuard<'a, State>, Reply> {
    let header = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let mut region = shared.region();
    let user = super::maas::auth::check(header, &mut region, now_ms() / 1000)?;
    if !region.users.get(user).is_some_and(|u| u.is_superuser) {
        return Err(Reply::plain_error(
            403,
            "User is not allowed access to this API.".into(),
        ));
    }
    Ok(region)
}

pub(super) async fn requests(Extract(shared): Extract<Shared>, headers: HeaderMap) -> Response {
    match as_admin(&shared, &headers) {
        Ok(region) => axum::Json(region.requests.entries()).into_response(),
        Err(refused) => refused.into_response(),
    }
}

/// The longest `Retry-After` a planted 503 may ask for, in seconds.
const MAX_RETRY_AFTER: u64 = 3600;

/// `POST /_sim/faults` with `status=503&retry_after=1&count=2`, or `kind=drop&count=1`.
pub(super) async fn plant(Extract(shared): Extract<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut region = match as_admin(&shared, &headers) {
        Ok(region) => region,
        Err(refused) => return refused.into_response(),
    };
    match planted(&body) {
        Ok((fault, count)) => match region.plant(fault, count) {
            Ok(()) => Reply::text(200, "OK".into()).into_response(),
            Err(e) => Reply::text(400, e).into_response(),
        },
        Err(e) => Reply::text(400, e).into_response(),
    }
}

/// The fault and count a `POST /_sim/faults` form asks for, or what is wrong with it.
fn planted(body: &[u8]) -> Result<(Fault, usize), String> {
    let usage =
        "give status=NNN (100 to 599) [retry_after=S (0 to 3600)] or kind=drop, and count=N (1 to 1000)";
    let form: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|e| format!("{e}: {usage}"))?;
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let count = match get("count") {
        None => 1,
        Some(c) => c
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PLANTED_FAULTS).contains(n))
            .ok_or_else(|| format!("count is a whole number from 1 to {MAX_PLANTED_FAULTS}, not {c:?}"))?,
    };
    let fault = match (get("kind"), get("status")) {
        (Some("drop"), _) => Fault::Drop,
        (None, Some(status)) => {
            let status = status
                .parse::<u16>()
                .ok()
                .filter(|s| (100..=599).contains(s))
                .ok_or_else(|| format!("status is an HTTP status from 100 to 599, not {status:?}"))?;
            let retry_after = match get("retry_after") {
                None => None,
                Some(r) => Some(
                    r.parse::<u64>()
                        .ok()
                        .filter(|r| *r <= MAX_RETRY_AFTER)
                        .ok_or_else(|| format!("retry_after is 0 to {MAX_RETRY_AFTER} seconds, not {r:?}"))?,
                ),
            };
            Fault::Status { status, retry_after }
        }
        _ => return Err(usage.to_string()),
    };
    Ok((fault, count))
}

/// `GET /_sim/users/{username}`: the user's API key, as MAAS's web UI would show it.
pub(super) async fn user_key(
    Extract(shared): Extract<Shared>,
    headers: HeaderMap,
    axum::extract::Path(username): axum::extract::Path<String>,
) -> Response {
    let region = match as_admin(&shared, &headers) {
        Ok(region) => region,
        Err(refused) => return refused.into_response(),
    };
    match region.users.iter().find(|u| u.username == username) {
        Some(u) => Reply::text(200, u.key.expose()).into_response(),
        None => Reply::text(404, format!("no user {username:?}")).into_response(),
    }
}

/// `POST /_sim/machines/{system_id}` with `status=Ready`: moves a machine to a lifecycle
/// state directly, as an operator fixing MAAS's database would.
pub(super) async fn set_machine(
    Extract(shared): Extract<Shared>,
    headers: HeaderMap,
    axum::extract::Path(system_id): axum::extract::Path<String>,
    body: Bytes,
) -> Response {
    let mut s = match as_admin(&shared, &headers) {
        Ok(region) => region,
        Err(refused) => return refused.into_response(),
    };
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let wanted = form.iter().find(|(k, _)| k == "status").map(|(_, v)| v.as_str());
    let Some(status) = wanted.and_then(crate::maas::MachineStatus::from_name) else {
        return Reply::text(400, format!("give status=<MAAS status name>, not {wanted:?}")).into_response();
    };
    match s.machines.iter_mut().find(|m| m.system_id == system_id) {
        Some(m) => {
            // A machine put into Ready this way counts as having passed commissioning.
            if status == crate::maas::MachineStatus::Ready && m.commissioned_ms.is_none() {
                m.commissioned_ms = Some(now_ms());
            }
            m.status = status;
            shared.changed.store(true, Ordering::Release);
            Reply::text(200, "OK".into()).into_response()
        }
        None => Reply::text(404, format!("no machine {system_id:?}")).into_response(),
    }
}

pub(super) async fn bmcs(Extract(shared): Extract<Shared>, headers: HeaderMap) -> Response {
    match as_admin(&shared, &headers) {
        Ok(_) => axum::Json(super::bmc_map(&shared.bmcs)).into_response(),
        Err(refused) => refused.into_response(),
    }
}

pub(super) async fn bmc_requests(Extract(shared): Extract<Shared>, headers: HeaderMap) -> Response {
    match as_admin(&shared, &headers) {
        Ok(region) => {
            let log = region.bmc_requests.clone();
            drop(region);
            let entries = log
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entries();
            axum::Json(entries).into_response()
        }
        Err(refused) => refused.into_response(),
    }
}

pub(super) async fn counts(Extract(shared): Extract<Shared>, headers: HeaderMap) -> Response {
    match as_admin(&shared, &headers) {
        Ok(region) => axum::Json(super::Counts::of(&region)).into_response(),
        Err(refused) => refused.into_response(),
    }
}

/// What `POST /_sim/bmc_faults` takes.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PlantedBmcFault {
    node: String,
    fault: Option<BmcFault>,
}

/// A planting request: an admin's, its JSON body a `T` (else a 400 saying `usage`), applied
/// to the region by `plant`.
fn planting<T: serde::de::DeserializeOwned>(
    shared: &Shared,
    headers: &HeaderMap,
    body: &[u8],
    usage: &str,
    plant: impl FnOnce(&mut State, T) -> Result<(), String>,
) -> Response {
    let mut region = match as_admin(shared, headers) {
        Ok(region) => region,
        Err(refused) => return refused.into_response(),
    };
    let planted: T = match serde_json::from_slice(body) {
        Ok(p) => p,
        Err(e) => return Reply::text(400, format!("{e}: give {usage}")).into_response(),
    };
    match plant(&mut region, planted) {
        Ok(()) => Reply::text(200, "OK".into()).into_response(),
        Err(e) => Reply::text(400, e).into_response(),
    }
}

/// `POST /_sim/bmc_faults` with `{"node": "cmp01", "fault": "refuse_login"}`.
pub(super) async fn plant_bmc_fault(
    Extract(shared): Extract<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    planting(
        &shared,
        &headers,
        &body,
        r#"{"node": NAME, "fault": "refuse_login" | "timeout" | "stuck_power" | null}"#,
        |region, p: PlantedBmcFault| super::plant_bmc_fault(region, &p.node, p.fault),
    )
}

/// What `POST /_sim/bootaction_faults` takes.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PlantedBootActionFault {
    node: String,
    action: String,
    fault: Option<super::bootaction_reports::BootActionFault>,
}

/// `POST /_sim/bootaction_faults` with `{"node": "cmp01", "action": "promjoin", "fault": "fail"}`.
pub(super) async fn plant_bootaction_fault(
    Extract(shared): Extract<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    planting(
        &shared,
        &headers,
        &body,
        r#"{"node": NAME, "action": NAME, "fault": "fail" | "silent" | null}"#,
        |region, p: PlantedBootActionFault| {
            super::plant_bootaction_fault(region, &p.node, &p.action, p.fault)
        },
    )
}

pub(super) async fn bootaction_reports(Extract(shared): Extract<Shared>, headers: HeaderMap) -> Response {
    match as_admin(&shared, &headers) {
        Ok(region) => axum::Json(region.reports_sent.clone()).into_response(),
        Err(refused) => refused.into_response(),
    }
}
