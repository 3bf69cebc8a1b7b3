//! The `/_sim/` endpoints tests steer the simulator with, beside the API it serves. Each acts
//! on the region as it is now; none is part of MAAS's API, so none is logged or faulted.
//! * `GET /_sim/requests`: the request log (method, path, op, params, status), to check what
//!   a client sent and in what order.
//! * `POST /_sim/faults` with `status=503&retry_after=1&count=2` (or `kind=drop`): the next
//!   API requests fail that way, to exercise a client's retries.
//! * `POST /_sim/machines/{system_id}` with `status=Ready`: moves a machine to any MAAS
//!   status at once, to start a test where a lifecycle would take minutes to get.
//! * `GET /_sim/users/{username}`: the API key of a user an admin created with `POST users/`,
//!   to act as a non-admin.

use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::response::{IntoResponse, Response};

use super::maas::reply::Reply;
use super::{Fault, Shared, now_ms};

pub(super) async fn requests(Extract(shared): Extract<Shared>) -> Response {
    let log = shared
        .state
        .lock()
        .map(|s| s.requests.clone())
        .unwrap_or_default();
    axum::Json(log).into_response()
}

/// `POST /_sim/faults` with `status=503&retry_after=1&count=2`, or `kind=drop&count=1`.
pub(super) async fn plant(Extract(shared): Extract<Shared>, body: Bytes) -> Response {
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let count: usize = get("count").and_then(|c| c.parse().ok()).unwrap_or(1);
    let fault = match (get("kind"), get("status").and_then(|s| s.parse::<u16>().ok())) {
        (Some("drop"), _) => Fault::Drop,
        (_, Some(status)) => Fault::Status {
            status,
            retry_after: get("retry_after").and_then(|r| r.parse().ok()),
        },
        _ => {
            return Reply::text(
                400,
                "give status=NNN [retry_after=S] or kind=drop, and count=N".into(),
            )
            .into_response();
        }
    };
    if let Ok(mut s) = shared.state.lock() {
        s.plant(fault, count);
    }
    Reply::text(200, "OK".into()).into_response()
}

/// `GET /_sim/users/{username}`: the user's API key, as MAAS's web UI would show it.
pub(super) async fn user_key(
    Extract(shared): Extract<Shared>,
    axum::extract::Path(username): axum::extract::Path<String>,
) -> Response {
    let Ok(s) = shared.state.lock() else {
        return Reply::text(500, "simulator state is poisoned".into()).into_response();
    };
    match s.users.iter().find(|u| u.username == username) {
        Some(u) => Reply::text(200, u.key.expose()).into_response(),
        None => Reply::text(404, format!("no user {username}")).into_response(),
    }
}

/// `POST /_sim/machines/{system_id}` with `status=Ready`: moves a machine to a lifecycle
/// state directly, as an operator fixing MAAS's database would.
pub(super) async fn set_machine(
    Extract(shared): Extract<Shared>,
    axum::extract::Path(system_id): axum::extract::Path<String>,
    body: Bytes,
) -> Response {
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let wanted = form.iter().find(|(k, _)| k == "status").map(|(_, v)| v.as_str());
    let Some(status) = wanted.and_then(crate::maas::MachineStatus::from_name) else {
        return Reply::text(400, format!("give status=<MAAS status name>, not {wanted:?}")).into_response();
    };
    let Ok(mut s) = shared.state.lock() else {
        return Reply::text(500, "simulator state is poisoned".into()).into_response();
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
        None => Reply::text(404, format!("no machine {system_id}")).into_response(),
    }
}
