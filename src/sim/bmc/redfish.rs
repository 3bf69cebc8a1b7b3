//! A Redfish service for one BMC, as DMTF's schemas shape it and real BMCs answer: the service
//! root (readable without logging in), one ComputerSystem (power, boot override, inventory,
//! the Reset action), its NICs and drives, a Manager, a Chassis, and a SessionService. A
//! client logs in with a session (`POST .../Sessions`, then `X-Auth-Token`) or HTTP Basic.
//! The system answers with an ETag, and a PATCH whose `If-Match` no longer matches gets 412.
//! Errors are DMTF's error object with Base registry messages.
//!
//! Everything it does to the machine goes through its [`Chassis`]; a planted fault is met
//! here (`RefuseLogin`: every login is refused; `Timeout`: requests are not answered while
//! it lasts, for at most [`HOLD`]) or there (`StuckPower`). Every request goes into
//! the BMC request log, without its headers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};
use sha2::Digest;

use super::request_log::{BmcRequest, BmcRequestLog, Requester};
use super::{BmcFault, Chassis, Identity};
use crate::oob::{BootDevice, BootPersistence, NextBoot, PowerRequest};
use crate::sim::physical::BmcProtocol;

/// The longest a request is held unanswered while the BMC has `Timeout` planted (clients
/// give up well before).
pub const HOLD: Duration = Duration::from_secs(120);

/// Sessions open at once on one BMC, as real BMCs cap them.
pub const MAX_SESSIONS: usize = 16;

/// Seconds a session lasts unused (`SessionService.SessionTimeout`).
const SESSION_TIMEOUT_S: u64 = 1800;

/// The largest request body a BMC reads.
pub const MAX_BODY: usize = 64 * 1024;

const REGISTRY: &str = "Base.1.13.0";
const SYSTEMS: &str = "/redfish/v1/Systems";
const MANAGER: &str = "/redfish/v1/Managers/BMC";
const CHASSIS: &str = "/redfish/v1/Chassis/1";
const SESSIONS: &str = "/redfish/v1/SessionService/Sessions";
const BMC_FIRMWARE: &str = "1.12.0";

/// Boot override targets the BMC offers: the devices the simulated machine can boot from.
const TARGETS: [&str; 3] = ["None", "Pxe", "Hdd"];
/// Reset types the BMC advertises.
const RESET_TYPES: [&str; 7] = [
    "On",
    "ForceOn",
    "ForceOff",
    "GracefulShutdown",
    "GracefulRestart",
    "ForceRestart",
    "PowerCycle",
];

/// One BMC's Redfish service.
pub struct Service {
    chassis: Arc<dyn Chassis>,
    identity: Identity,
    sessions: Mutex<Vec<Session>>,
    next_session: Mutex<u64>,
    /// The firmware's boot mode, shown while no override is set (the last one asked for).
    uefi: AtomicBool,
    log: Arc<Mutex<BmcRequestLog>>,
    stop: tokio::sync::watch::Receiver<bool>,
    latency: Duration,
}

struct Session {
    id: u64,
    token: String,
    user: String,
    last_used: Instant,
}

impl Service {
    pub fn new(
        chassis: Arc<dyn Chassis>,
        log: Arc<Mutex<BmcRequestLog>>,
        stop: tokio::sync::watch::Receiver<bool>,
    ) -> Service {
        Service {
            identity: chassis.identity(),
            chassis,
            sessions: Mutex::new(Vec::new()),
            next_session: Mutex::new(1),
            uefi: AtomicBool::new(true),
            log,
            stop,
            latency: Duration::ZERO,
        }
    }

    /// Answers `latency` after each request comes in.
    pub fn with_latency(mut self, latency: Duration) -> Service {
        self.latency = latency;
        self
    }

    fn system_path(&self) -> String {
        format!("{SYSTEMS}/{}", self.identity.uuid)
    }
}

/// The service's routes, every request bounded as `limit` says.
pub fn router(service: Arc<Service>, limit: crate::sim::serve::BodyLimit) -> Router {
    Router::new()
        .fallback(serve)
        .layer(axum::middleware::from_fn_with_state(
            limit,
            crate::sim::serve::whole_body,
        ))
        .with_state(service)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn serve(
    Extract(service): Extract<Arc<Service>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut entry = BmcRequest::new(
        &service.identity.name,
        BmcProtocol::Redfish,
        Requester::Client,
        method.as_str(),
        uri.path(),
    )
    .with_body(&body);
    entry.began = lock(&service.log).begin();
    if !service.latency.is_zero() {
        tokio::time::sleep(service.latency).await;
    }
    if service.chassis.fault() == Some(BmcFault::Timeout) {
        // Held until the client gives up, the fault is cleared, HOLD passes or the simulator
        // stops: a held request keeps one of the BMC's few connections.
        let mut stop = service.stop.clone();
        let held = Instant::now();
        while service.chassis.fault() == Some(BmcFault::Timeout) && held.elapsed() < HOLD {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                _ = stop.wait_for(|stopped| *stopped) => break,
            }
        }
        lock(&service.log).push(entry);
        let mut late = error(503, Message::ServiceTemporarilyUnavailable, &[]);
        late.headers.push((header::CONNECTION, "close".into()));
        return late.into_response();
    }
    let answer = answer(&service, &method, uri.path(), &headers, &body);
    entry.status = answer.status.as_u16();
    entry.power = answer.power;
    lock(&service.log).push(entry);
    answer.into_response()
}

/// A Redfish answer: status, headers, a JSON body, and the power change it accepted.
struct Answer {
    status: StatusCode,
    headers: Vec<(header::HeaderName, String)>,
    body: Option<Value>,
    power: Option<PowerRequest>,
}

impl Answer {
    fn json(status: u16, body: Value) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers: Vec::new(),
            body: Some(body),
            power: None,
        }
    }

    fn empty(status: u16) -> Answer {
        Answer {
            body: None,
            ..Answer::json(status, Value::Null)
        }
    }

    fn with_header(mut self, name: header::HeaderName, value: String) -> Answer {
        self.headers.push((name, value));
        self
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut response = match self.body {
            Some(body) => (
                self.status,
                [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                body.to_string(),
            )
                .into_response(),
            None => self.status.into_response(),
        };
        let headers = response.headers_mut();
        headers.insert("odata-version", HeaderValue::from_static("4.0"));
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        response
    }
}

/// The Base registry messages this service answers with.
#[derive(Clone, Copy)]
enum Message {
    ResourceNotFound,
    OperationNotAllowed,
    NoValidSession,
    ResourceAtUriUnauthorized,
    SessionLimitExceeded,
    MalformedJson,
    PropertyUnknown,
    PropertyValueTypeError,
    PropertyValueNotInList,
    PropertyMissing,
    ActionParameterMissing,
    ActionParameterNotSupported,
    PreconditionFailed,
    ServiceTemporarilyUnavailable,
}

impl Message {
    /// Its id, its text with `%1`, `%2` for the arguments, and what to do.
    fn text(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Message::ResourceNotFound => (
                "ResourceNotFound",
                "The requested resource of type %1 named '%2' was not found.",
                "Provide a valid resource identifier and resubmit the request.",
            ),
            Message::OperationNotAllowed => (
                "OperationNotAllowed",
                "The HTTP method is not allowed on this resource.",
                "None.",
            ),
            Message::NoValidSession => (
                "NoValidSession",
                "There is no valid session established with the implementation.",
                "Establish a session before attempting any operations.",
            ),
            Message::ResourceAtUriUnauthorized => (
                "ResourceAtUriUnauthorized",
                "While accessing the resource at '%1', the service received an authorization error '%2'.",
                "Ensure that the appropriate access is provided for the service in order for it to access the URI.",
            ),
            Message::SessionLimitExceeded => (
                "SessionLimitExceeded",
                "The session establishment failed due to the number of simultaneous sessions exceeding the limit of the implementation.",
                "Reduce the number of other sessions before trying to establish the session or increase the limit of simultaneous sessions (if supported).",
            ),
            Message::MalformedJson => (
                "MalformedJSON",
                "The request body submitted was malformed JSON and could not be parsed by the receiving service.",
                "Ensure that the request body is valid JSON and resubmit the request.",
            ),
            Message::PropertyUnknown => (
                "PropertyUnknown",
                "The property %1 is not in the list of valid properties for the resource.",
                "Remove the unknown property from the request body and resubmit the request if the operation failed.",
            ),
            Message::PropertyValueTypeError => (
                "PropertyValueTypeError",
                "The value '%1' for the property %2 is not a type that the property can accept.",
                "Correct the value for the property in the request body and resubmit the request if the operation failed.",
            ),
            Message::PropertyValueNotInList => (
                "PropertyValueNotInList",
                "The value '%1' for the property %2 is not in the list of acceptable values.",
                "Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.",
            ),
            Message::PropertyMissing => (
                "PropertyMissing",
                "The property %1 is a required property and must be included in the request.",
                "Ensure that the property is in the request body and has a valid value and resubmit the request if the operation failed.",
            ),
            Message::ActionParameterMissing => (
                "ActionParameterMissing",
                "The action %1 requires the parameter %2 to be present in the request body.",
                "Supply the action with the required parameter in the request body when the request is resubmitted.",
            ),
            Message::ActionParameterNotSupported => (
                "ActionParameterNotSupported",
                "The parameter %1 for the action %2 is not supported on the target resource.",
                "Remove the parameter supplied and resubmit the request if the operation failed.",
            ),
            Message::PreconditionFailed => (
                "PreconditionFailed",
                "The ETag supplied did not match the ETag required to change this resource.",
                "Try the operation again using the appropriate ETag.",
            ),
            Message::ServiceTemporarilyUnavailable => (
                "ServiceTemporarilyUnavailable",
                "The service is temporarily unavailable.  Retry in %1 seconds.",
                "Wait for the indicated retry duration and retry the operation.",
            ),
        }
    }
}

/// DMTF's error object for `message`, with `args` in its text.
fn error(status: u16, message: Message, args: &[&str]) -> Answer {
    let (id, text, resolution) = message.text();
    let mut filled = text.to_string();
    for (n, arg) in args.iter().enumerate() {
        filled = filled.replace(&format!("%{}", n + 1), arg);
    }
    let severity = if status < 500 { "Warning" } else { "Critical" };
    Answer::json(
        status,
        json!({"error": {
            "code": format!("{REGISTRY}.GeneralError"),
            "message": "A general error has occurred. See ExtendedInfo for more information.",
            "@Message.ExtendedInfo": [{
                "@odata.type": "#Message.v1_1_1.Message",
                "MessageId": format!("{REGISTRY}.{id}"),
                "Message": filled,
                "MessageArgs": args,
                "MessageSeverity": severity,
                "Resolution": resolution,
            }],
        }}),
    )
}

fn unauthorized(message: Message, args: &[&str]) -> Answer {
    error(401, message, args).with_header(header::WWW_AUTHENTICATE, "Basic realm=\"Redfish\"".into())
}

fn link(path: &str) -> Value {
    json!({ "@odata.id": path })
}

fn collection(path: &str, kind: &str, name: &str, members: &[String]) -> Value {
    json!({
        "@odata.id": path,
        "@odata.type": format!("#{kind}Collection.{kind}Collection"),
        "Name": name,
        "Members@odata.count": members.len(),
        "Members": members.iter().map(|m| link(m)).collect::<Vec<_>>(),
    })
}

fn status_ok() -> Value {
    json!({"State": "Enabled", "Health": "OK", "HealthRollup": "OK"})
}

/// Routes a request (the Timeout fault already met).
fn answer(service: &Service, method: &Method, path: &str, headers: &HeaderMap, body: &[u8]) -> Answer {
    let trimmed = path.trim_end_matches('/');
    let segments: Vec<&str> = trimmed.split('/').filter(|s| !s.is_empty()).collect();
    let get = method == Method::GET || method == Method::HEAD;
    // Readable by anyone, as the specification asks.
    match segments.as_slice() {
        ["redfish"] if get => return Answer::json(200, json!({"v1": "/redfish/v1/"})),
        ["redfish", "v1"] if get => return Answer::json(200, service_root(service)),
        ["redfish", "v1", "SessionService", "Sessions"] if method == Method::POST => {
            return log_in(service, body);
        }
        _ => {}
    }
    if let Err(refused) = authenticate(service, headers) {
        return refused;
    }
    let system = service.identity.uuid.as_str();
    let not_allowed = |allow: &str| {
        error(405, Message::OperationNotAllowed, &[]).with_header(header::ALLOW, allow.to_string())
    };
    match segments.as_slice() {
        ["redfish", "v1", "Systems"] if get => Answer::json(
            200,
            collection(
                SYSTEMS,
                "ComputerSystem",
                "Computer System Collection",
                &[service.system_path()],
            ),
        ),
        ["redfish", "v1", "Systems", id] if *id == system => {
            if get {
                let (resource, etag) = computer_system(service);
                Answer::json(200, resource).with_header(header::ETAG, etag)
            } else if method == Method::PATCH {
                patch_boot(service, headers, body)
            } else {
                not_allowed("GET, HEAD, PATCH")
            }
        }
        ["redfish", "v1", "Systems", id, "Actions", "ComputerSystem.Reset"] if *id == system => {
            if method == Method::POST {
                reset(service, body)
            } else {
                not_allowed("POST")
            }
        }
        ["redfish", "v1", "Systems", id, rest @ ..] if *id == system && get => {
            match inventory(service, rest) {
                Some(resource) => Answer::json(200, resource),
                None => error(404, Message::ResourceNotFound, &["Resource", trimmed]),
            }
        }
        ["redfish", "v1", "Managers"] if get => Answer::json(
            200,
            collection(
                "/redfish/v1/Managers",
                "Manager",
                "Manager Collection",
                &[MANAGER.into()],
            ),
        ),
        ["redfish", "v1", "Managers", "BMC"] if get => Answer::json(200, manager(service)),
        ["redfish", "v1", "Chassis"] if get => Answer::json(
            200,
            collection(
                "/redfish/v1/Chassis",
                "Chassis",
                "Chassis Collection",
                &[CHASSIS.into()],
            ),
        ),
        ["redfish", "v1", "Chassis", "1"] if get => Answer::json(200, chassis(service)),
        ["redfish", "v1", "SessionService"] if get => Answer::json(
            200,
            json!({
                "@odata.id": "/redfish/v1/SessionService",
                "@odata.type": "#SessionService.v1_1_8.SessionService",
                "Id": "SessionService",
                "Name": "Session Service",
                "ServiceEnabled": true,
                "SessionTimeout": SESSION_TIMEOUT_S,
                "Sessions": link(SESSIONS),
            }),
        ),
        ["redfish", "v1", "SessionService", "Sessions"] if get => {
            let ids: Vec<String> = lock(&service.sessions)
                .iter()
                .map(|s| format!("{SESSIONS}/{}", s.id))
                .collect();
            Answer::json(200, collection(SESSIONS, "Session", "Session Collection", &ids))
        }
        ["redfish", "v1", "SessionService", "Sessions", id] => session(service, method, id),
        _ if segments.first() == Some(&"redfish") && !get && known_read_only(&segments) => {
            not_allowed("GET, HEAD")
        }
        _ => error(404, Message::ResourceNotFound, &["Resource", trimmed]),
    }
}

/// Whether a path is one of the resources served read-only.
fn known_read_only(segments: &[&str]) -> bool {
    matches!(
        segments,
        ["redfish"]
            | ["redfish", "v1"]
            | ["redfish", "v1", "Systems"]
            | ["redfish", "v1", "Managers"]
            | ["redfish", "v1", "Managers", "BMC"]
            | ["redfish", "v1", "Chassis"]
            | ["redfish", "v1", "Chassis", "1"]
            | ["redfish", "v1", "SessionService"]
    )
}

fn service_root(service: &Service) -> Value {
    json!({
        "@odata.id": "/redfish/v1/",
        "@odata.type": "#ServiceRoot.v1_15_0.ServiceRoot",
        "Id": "RootService",
        "Name": "Root Service",
        "RedfishVersion": "1.17.0",
        "UUID": crate::sim::maas::records::storage::uuid(&format!("service {}", service.identity.name)),
        "Systems": link(SYSTEMS),
        "Managers": link("/redfish/v1/Managers"),
        "Chassis": link("/redfish/v1/Chassis"),
        "SessionService": link("/redfish/v1/SessionService"),
        "Links": {"Sessions": link(SESSIONS)},
    })
}

/// Whether a request is logged in: by its session token, or by HTTP Basic.
fn authenticate(service: &Service, headers: &HeaderMap) -> Result<(), Answer> {
    if service.chassis.fault() == Some(BmcFault::RefuseLogin) {
        return Err(unauthorized(Message::NoValidSession, &[]));
    }
    if let Some(token) = headers.get("x-auth-token").and_then(|v| v.to_str().ok()) {
        let mut sessions = lock(&service.sessions);
        expire(&mut sessions);
        return match sessions.iter_mut().find(|s| s.token == token) {
            Some(s) => {
                s.last_used = Instant::now();
                Ok(())
            }
            None => Err(unauthorized(Message::NoValidSession, &[])),
        };
    }
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| BASE64.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok());
    match basic.as_deref().and_then(|b| b.split_once(':')) {
        Some((user, password)) if service.chassis.accepts(user, password) => Ok(()),
        _ => Err(unauthorized(Message::NoValidSession, &[])),
    }
}

fn expire(sessions: &mut Vec<Session>) {
    sessions.retain(|s| s.last_used.elapsed() < Duration::from_secs(SESSION_TIMEOUT_S));
}

/// The body as a JSON object, or the error to answer.
fn object(body: &[u8]) -> Result<Map<String, Value>, Answer> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(error(400, Message::MalformedJson, &[])),
    }
}

/// `POST .../Sessions` with `UserName` and `Password`: 201, the token in `X-Auth-Token` and
/// the session in `Location`.
fn log_in(service: &Service, body: &[u8]) -> Answer {
    let fields = match object(body) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let mut given = [("UserName", ""), ("Password", "")];
    for (name, value) in &mut given {
        match fields.get(*name) {
            Some(Value::String(s)) => *value = s,
            Some(other) => {
                return error(400, Message::PropertyValueTypeError, &[&other.to_string(), name]);
            }
            None => return error(400, Message::PropertyMissing, &[name]),
        }
    }
    let [(_, user), (_, password)] = given;
    if !service.chassis.accepts(user, password) {
        return unauthorized(Message::ResourceAtUriUnauthorized, &[SESSIONS, "Unauthorized"]);
    }
    let mut sessions = lock(&service.sessions);
    expire(&mut sessions);
    if sessions.len() >= MAX_SESSIONS {
        return error(503, Message::SessionLimitExceeded, &[]);
    }
    let id = {
        let mut next = lock(&service.next_session);
        *next += 1;
        *next - 1
    };
    let token: String = (0..16).map(|_| format!("{:02x}", rand::random::<u8>())).collect();
    sessions.push(Session {
        id,
        token: token.clone(),
        user: user.to_string(),
        last_used: Instant::now(),
    });
    Answer::json(201, session_resource(id, user))
        .with_header(header::LOCATION, format!("{SESSIONS}/{id}"))
        .with_header(header::HeaderName::from_static("x-auth-token"), token)
}

fn session_resource(id: u64, user: &str) -> Value {
    json!({
        "@odata.id": format!("{SESSIONS}/{id}"),
        "@odata.type": "#Session.v1_6_0.Session",
        "Id": id.to_string(),
        "Name": "User Session",
        "UserName": user,
    })
}

/// `GET` or `DELETE` (log out) a session.
fn session(service: &Service, method: &Method, id: &str) -> Answer {
    let mut sessions = lock(&service.sessions);
    let Some(at) = sessions.iter().position(|s| s.id.to_string() == id) else {
        return error(404, Message::ResourceNotFound, &["Session", id]);
    };
    match *method {
        Method::GET | Method::HEAD => {
            Answer::json(200, session_resource(sessions[at].id, &sessions[at].user))
        }
        Method::DELETE => {
            sessions.remove(at);
            Answer::empty(204)
        }
        _ => error(405, Message::OperationNotAllowed, &[])
            .with_header(header::ALLOW, "GET, HEAD, DELETE".into()),
    }
}

fn target_name(boot: Option<NextBoot>) -> &'static str {
    match boot.map(|b| b.device) {
        None => "None",
        Some(BootDevice::Pxe) => "Pxe",
        Some(BootDevice::Disk) => "Hdd",
    }
}

fn mode_name(uefi: bool) -> &'static str {
    if uefi { "UEFI" } else { "Legacy" }
}

/// The ComputerSystem and its ETag (a digest of everything it says).
fn computer_system(service: &Service) -> (Value, String) {
    // Read now, not at start: hardware planted on the machine shows at once.
    let id = &service.chassis.identity();
    let path = service.system_path();
    let boot = service.chassis.next_boot();
    let enabled = match boot.map(|b| b.persistence) {
        None => "Disabled",
        Some(BootPersistence::Once) => "Once",
        Some(BootPersistence::Persistent) => "Continuous",
    };
    let uefi = boot.map_or(service.uefi.load(Ordering::Acquire), |b| b.uefi);
    let mut processors = json!({"Status": status_ok()});
    if id.cpu_count > 0 {
        processors["Count"] = json!(id.cpu_count);
        processors["LogicalProcessorCount"] = json!(id.cpu_count);
    }
    if !id.cpu_model.is_empty() {
        processors["Model"] = json!(id.cpu_model);
    }
    let mut memory = json!({"Status": status_ok()});
    if id.memory_gib > 0 {
        memory["TotalSystemMemoryGiB"] = json!(id.memory_gib);
    }
    let mut system = json!({
        "@odata.id": path,
        "@odata.type": "#ComputerSystem.v1_20_0.ComputerSystem",
        "Id": id.uuid,
        "Name": id.name,
        "SystemType": "Physical",
        "UUID": id.uuid,
        "Manufacturer": id.manufacturer,
        "Model": id.model,
        "SerialNumber": id.serial_number,
        "BiosVersion": id.bios_version,
        "PowerState": if service.chassis.powered() { "On" } else { "Off" },
        "Status": status_ok(),
        "Boot": {
            "BootSourceOverrideEnabled": enabled,
            "BootSourceOverrideTarget": target_name(boot),
            "BootSourceOverrideTarget@Redfish.AllowableValues": TARGETS,
            "BootSourceOverrideMode": mode_name(uefi),
            "BootSourceOverrideMode@Redfish.AllowableValues": ["UEFI", "Legacy"],
        },
        "ProcessorSummary": processors,
        "MemorySummary": memory,
        "EthernetInterfaces": link(&format!("{path}/EthernetInterfaces")),
        "SimpleStorage": link(&format!("{path}/SimpleStorage")),
        "Storage": link(&format!("{path}/Storage")),
        "Links": {"Chassis": [link(CHASSIS)], "ManagedBy": [link(MANAGER)]},
        "Actions": {"#ComputerSystem.Reset": {
            "target": format!("{path}/Actions/ComputerSystem.Reset"),
            "ResetType@Redfish.AllowableValues": RESET_TYPES,
        }},
    });
    let digest = sha2::Sha256::digest(system.to_string().as_bytes());
    let etag = format!(
        "\"{}\"",
        digest[..8].iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    system["@odata.etag"] = json!(etag);
    (system, etag)
}

/// `PATCH` the system: only its boot override, and only while `If-Match` (if given) holds.
fn patch_boot(service: &Service, headers: &HeaderMap, body: &[u8]) -> Answer {
    if let Some(wanted) = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()) {
        let (_, etag) = computer_system(service);
        if wanted.trim() != "*" && !wanted.split(',').any(|w| w.trim() == etag) {
            return error(412, Message::PreconditionFailed, &[]);
        }
    }
    let fields = match object(body) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let mut boot = None;
    for (name, value) in &fields {
        match (name.as_str(), value) {
            ("Boot", Value::Object(b)) => boot = Some(b),
            ("Boot", other) => {
                return error(
                    400,
                    Message::PropertyValueTypeError,
                    &[&other.to_string(), "Boot"],
                );
            }
            (n, _) if n.starts_with('@') => {}
            (n, _) => return error(400, Message::PropertyUnknown, &[n]),
        }
    }
    let Some(boot) = boot else {
        return Answer::empty(204);
    };
    let (mut target, mut enabled, mut mode) = (None, None, None);
    for (name, value) in boot {
        let allowed: &[&str] = match name.as_str() {
            "BootSourceOverrideTarget" => &TARGETS,
            "BootSourceOverrideEnabled" => &["Disabled", "Once", "Continuous"],
            "BootSourceOverrideMode" => &["UEFI", "Legacy"],
            n if n.starts_with('@') => continue,
            n => return error(400, Message::PropertyUnknown, &[&format!("Boot/{n}")]),
        };
        let Some(text) = value.as_str() else {
            return error(400, Message::PropertyValueTypeError, &[&value.to_string(), name]);
        };
        if !allowed.contains(&text) {
            return error(400, Message::PropertyValueNotInList, &[text, name]);
        }
        match name.as_str() {
            "BootSourceOverrideTarget" => target = Some(text),
            "BootSourceOverrideEnabled" => enabled = Some(text),
            _ => mode = Some(text == "UEFI"),
        }
    }
    let current = service.chassis.next_boot();
    let uefi = mode.unwrap_or_else(|| current.map_or(service.uefi.load(Ordering::Acquire), |b| b.uefi));
    service.uefi.store(uefi, Ordering::Release);
    let device = match target {
        Some("Pxe") => Some(BootDevice::Pxe),
        Some("Hdd") => Some(BootDevice::Disk),
        Some(_) => None,
        None => current.map(|b| b.device),
    };
    // A target set while no override is on holds for the next boot.
    let persistence = match enabled {
        Some("Disabled") => None,
        Some("Continuous") => Some(BootPersistence::Persistent),
        Some(_) => Some(BootPersistence::Once),
        None => Some(current.map_or(BootPersistence::Once, |b| b.persistence)),
    };
    let next = device.zip(persistence).map(|(device, persistence)| NextBoot {
        device,
        persistence,
        uefi,
    });
    service.chassis.set_next_boot(next);
    Answer::empty(204)
}

/// `POST .../Actions/ComputerSystem.Reset` with a `ResetType` the BMC advertises.
fn reset(service: &Service, body: &[u8]) -> Answer {
    let fields = match object(body) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let kind = match fields.get("ResetType") {
        None => {
            return error(
                400,
                Message::ActionParameterMissing,
                &["ComputerSystem.Reset", "ResetType"],
            );
        }
        Some(Value::String(kind)) => kind.as_str(),
        Some(other) => {
            return error(
                400,
                Message::PropertyValueTypeError,
                &[&other.to_string(), "ResetType"],
            );
        }
    };
    let request = match kind {
        "On" | "ForceOn" => PowerRequest::On,
        "ForceOff" => PowerRequest::ForceOff,
        "GracefulShutdown" => PowerRequest::GracefulOff,
        "GracefulRestart" | "ForceRestart" | "PowerCycle" => PowerRequest::Cycle,
        other => {
            return error(
                400,
                Message::ActionParameterNotSupported,
                &[other, "ComputerSystem.Reset"],
            );
        }
    };
    service.chassis.request_power(request);
    Answer {
        power: Some(request),
        ..Answer::empty(204)
    }
}

/// The system's NICs and drives, below its path (`rest`).
fn inventory(service: &Service, rest: &[&str]) -> Option<Value> {
    let id = &service.identity;
    let base = service.system_path();
    let nic_path = |n: usize| format!("{base}/EthernetInterfaces/NIC.{}", n + 1);
    let drive_path = |n: usize| format!("{base}/Storage/1/Drives/Disk.{}", n + 1);
    let drive = |n: usize, (name, size): &(String, u64)| {
        json!({
            "@odata.id": drive_path(n),
            "@odata.type": "#Drive.v1_17_0.Drive",
            "Id": format!("Disk.{}", n + 1),
            "Name": name,
            "CapacityBytes": size,
            "MediaType": "SSD",
            "Status": status_ok(),
        })
    };
    let index = |s: &str, prefix: &str| -> Option<usize> {
        s.strip_prefix(prefix)?.parse::<usize>().ok()?.checked_sub(1)
    };
    Some(match rest {
        ["EthernetInterfaces"] => collection(
            &format!("{base}/EthernetInterfaces"),
            "EthernetInterface",
            "Ethernet Interface Collection",
            &(0..id.macs.len()).map(nic_path).collect::<Vec<_>>(),
        ),
        ["EthernetInterfaces", nic] => {
            let n = index(nic, "NIC.")?;
            let mac = id.macs.get(n)?;
            json!({
                "@odata.id": nic_path(n),
                "@odata.type": "#EthernetInterface.v1_9_0.EthernetInterface",
                "Id": format!("NIC.{}", n + 1),
                "Name": format!("NIC {}", n + 1),
                "MACAddress": mac,
                "PermanentMACAddress": mac,
                "LinkStatus": "LinkUp",
                "Status": status_ok(),
            })
        }
        ["SimpleStorage"] => collection(
            &format!("{base}/SimpleStorage"),
            "SimpleStorage",
            "Simple Storage Collection",
            &[format!("{base}/SimpleStorage/1")],
        ),
        ["SimpleStorage", "1"] => json!({
            "@odata.id": format!("{base}/SimpleStorage/1"),
            "@odata.type": "#SimpleStorage.v1_3_1.SimpleStorage",
            "Id": "1",
            "Name": "Storage Controller",
            "Devices": id.drives.iter().map(|(name, size)| json!({
                "Name": name, "CapacityBytes": size, "Status": status_ok(),
            })).collect::<Vec<_>>(),
            "Status": status_ok(),
        }),
        ["Storage"] => collection(
            &format!("{base}/Storage"),
            "Storage",
            "Storage Collection",
            &[format!("{base}/Storage/1")],
        ),
        ["Storage", "1"] => json!({
            "@odata.id": format!("{base}/Storage/1"),
            "@odata.type": "#Storage.v1_15_0.Storage",
            "Id": "1",
            "Name": "Storage Controller",
            "Drives@odata.count": id.drives.len(),
            "Drives": (0..id.drives.len()).map(|n| link(&drive_path(n))).collect::<Vec<_>>(),
            "Status": status_ok(),
        }),
        ["Storage", "1", "Drives", disk] => {
            let n = index(disk, "Disk.")?;
            drive(n, id.drives.get(n)?)
        }
        _ => return None,
    })
}

fn manager(service: &Service) -> Value {
    json!({
        "@odata.id": MANAGER,
        "@odata.type": "#Manager.v1_19_0.Manager",
        "Id": "BMC",
        "Name": "Manager",
        "ManagerType": "BMC",
        "FirmwareVersion": BMC_FIRMWARE,
        "Status": status_ok(),
        "Links": {"ManagerForServers": [link(&service.system_path())], "ManagerForChassis": [link(CHASSIS)]},
    })
}

fn chassis(service: &Service) -> Value {
    let id = &service.identity;
    json!({
        "@odata.id": CHASSIS,
        "@odata.type": "#Chassis.v1_23_0.Chassis",
        "Id": "1",
        "Name": "Chassis",
        "ChassisType": "RackMount",
        "Manufacturer": id.manufacturer,
        "Model": id.model,
        "SerialNumber": id.serial_number,
        "PowerState": if service.chassis.powered() { "On" } else { "Off" },
        "Status": status_ok(),
        "Links": {"ComputerSystems": [link(&service.system_path())], "ManagedBy": [link(MANAGER)]},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::bmc::MemoryChassis;

    fn service() -> (Arc<MemoryChassis>, Service) {
        let identity = Identity {
            name: "n1".into(),
            uuid: "u-1".into(),
            cpu_count: 8,
            memory_gib: 64,
            macs: vec!["52:54:00:00:00:01".into()],
            drives: vec![("sda".into(), 1000)],
            ..Identity::default()
        };
        let chassis = Arc::new(MemoryChassis::new(identity, "admin", "pw"));
        let (_tx, rx) = tokio::sync::watch::channel(false);
        let service = Service::new(chassis.clone(), Arc::default(), rx);
        (chassis, service)
    }

    fn basic() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic YWRtaW46cHc="),
        );
        h
    }

    fn call(s: &Service, method: Method, path: &str, headers: &HeaderMap, body: &str) -> Answer {
        answer(s, &method, path, headers, body.as_bytes())
    }

    fn message_id(a: &Answer) -> String {
        a.body.as_ref().unwrap()["error"]["@Message.ExtendedInfo"][0]["MessageId"]
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn the_root_is_open_and_the_rest_wants_a_login() {
        let (_, s) = service();
        let none = HeaderMap::new();
        assert_eq!(call(&s, Method::GET, "/redfish/v1/", &none, "").status, 200);
        assert_eq!(
            call(&s, Method::GET, "/redfish/v1/Systems", &none, "").status,
            401
        );
        let systems = call(&s, Method::GET, "/redfish/v1/Systems/", &basic(), "");
        assert_eq!(systems.body.unwrap()["Members@odata.count"], 1);
    }

    #[test]
    fn reset_and_boot_act_on_the_chassis() {
        let (chassis, s) = service();
        let reset = "/redfish/v1/Systems/u-1/Actions/ComputerSystem.Reset";
        assert_eq!(
            call(&s, Method::POST, reset, &basic(), r#"{"ResetType":"On"}"#).status,
            204
        );
        assert!(chassis.powered());
        let nmi = call(&s, Method::POST, reset, &basic(), r#"{"ResetType":"Nmi"}"#);
        assert_eq!(nmi.status, 400);
        assert!(message_id(&nmi).ends_with("ActionParameterNotSupported"));
        let patch = r#"{"Boot":{"BootSourceOverrideTarget":"Pxe","BootSourceOverrideEnabled":"Once"}}"#;
        assert_eq!(
            call(&s, Method::PATCH, "/redfish/v1/Systems/u-1", &basic(), patch).status,
            204
        );
        assert_eq!(
            chassis.next_boot(),
            Some(NextBoot::once(BootDevice::Pxe)).map(|b| NextBoot { uefi: true, ..b })
        );
        let floppy = call(
            &s,
            Method::PATCH,
            "/redfish/v1/Systems/u-1",
            &basic(),
            r#"{"Boot":{"BootSourceOverrideTarget":"Floppy"}}"#,
        );
        assert!(message_id(&floppy).ends_with("PropertyValueNotInList"));
    }
}
