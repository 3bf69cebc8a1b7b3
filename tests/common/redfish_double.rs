//! A small Redfish BMC in the test process, for what sushy-emulator does not do: it has a
//! session service and accepts nothing but session tokens, wants `If-Match` on a PATCH
//! (428 without, 412 with a stale ETag), tells its reset types through an ActionInfo, and
//! fills in the inventory fields sushy leaves out. It logs every request it gets, so tests
//! can count them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use drydock::design::model::OobType;
use drydock::oob::{Bmc, Secret, TlsMode};

pub const ACCOUNT: &str = "root";
pub const PASSWORD: &str = "double-Pa55word";
const SESSIONS: &str = "/redfish/v1/SessionService/Sessions";
const SYSTEM: &str = "/redfish/v1/Systems/1";

/// One request as the double saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub status: u16,
    /// The `X-Auth-Token` sent, if any.
    pub token: Option<String>,
    pub basic: bool,
    pub if_match: Option<String>,
    pub body: Option<Value>,
}

/// How the double behaves; tests change it between calls.
pub struct Behaviour {
    /// The password logins need.
    pub password: String,
    /// Sessions: false makes the session service answer 405, and HTTP Basic work instead.
    pub sessions: bool,
    /// A power change happens at once; false: accepted, never done.
    pub resets_apply: bool,
    /// Resets are refused with a Redfish error (400).
    pub resets_refused: bool,
    /// The systems collection lists `/redfish/v1/Systems/1/`, which redirects (307).
    pub redirect_system: bool,
    /// A session's `Location` is an absolute URL naming the BMC's own idea of its host.
    pub absolute_location: bool,
}

pub struct Machine {
    pub power: &'static str,
    pub boot_target: String,
    pub boot_enabled: String,
    pub boot_mode: String,
    pub etag: u32,
    /// The ResetTypes asked for.
    pub resets: Vec<String>,
}

pub struct Inner {
    pub behaviour: Behaviour,
    pub machine: Machine,
    /// Open sessions: token -> session id.
    pub sessions: BTreeMap<String, u32>,
    pub logins: u32,
    pub log: Vec<Seen>,
}

pub struct Double {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
    stop: Arc<tokio::sync::Notify>,
}

impl Drop for Double {
    fn drop(&mut self) {
        self.stop.notify_one();
    }
}

impl Double {
    /// Starts the double on a free port of 127.0.0.1, on the current runtime.
    pub async fn start() -> Double {
        let inner = Arc::new(Mutex::new(Inner {
            behaviour: Behaviour {
                password: PASSWORD.into(),
                sessions: true,
                resets_apply: true,
                resets_refused: false,
                redirect_system: false,
                absolute_location: false,
            },
            machine: Machine {
                power: "Off",
                boot_target: "Hdd".into(),
                boot_enabled: "Disabled".into(),
                boot_mode: "UEFI".into(),
                etag: 1,
                resets: Vec::new(),
            },
            sessions: BTreeMap::new(),
            logins: 0,
            log: Vec::new(),
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let stop = Arc::new(tokio::sync::Notify::new());
        let app = axum::Router::new().fallback(serve).with_state(inner.clone());
        let stopped = stop.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move { stopped.notified().await })
                .await;
        });
        Double { url, inner, stop }
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.inner.lock().expect("double state"))
    }

    pub fn log(&self) -> Vec<Seen> {
        self.with(|i| i.log.clone())
    }

    /// Forgets the log, so the next operation's requests can be counted alone.
    pub fn take_log(&self) -> Vec<Seen> {
        self.with(|i| std::mem::take(&mut i.log))
    }

    pub fn bmc(&self, node: &str) -> Bmc {
        Bmc {
            node: node.into(),
            ..Double::bmc_at(&self.url)
        }
    }

    /// A BMC at `endpoint`, with the double's account.
    pub fn bmc_at(endpoint: &str) -> Bmc {
        Bmc {
            node: "n2".into(),
            protocol: OobType::Redfish,
            address: "10.40.0.31".into(),
            endpoint: endpoint.into(),
            account: ACCOUNT.into(),
            credential: Secret::new(PASSWORD),
            tls: TlsMode::Verify,
            cipher_suite: 3,
        }
    }
}

fn error(status: StatusCode, id: &str, message: &str) -> Response {
    let body = json!({"error": {
        "code": "Base.1.8.GeneralError",
        "message": "A general error has occurred. See ExtendedInfo for more information.",
        "@Message.ExtendedInfo": [{"MessageId": id, "Message": message}],
    }});
    (status, axum::Json(body)).into_response()
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn serve(
    State(inner): State<Arc<Mutex<Inner>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut inner = inner.lock().expect("double state");
    let body: Option<Value> = serde_json::from_slice(&body).ok();
    let mut seen = Seen {
        method: method.to_string(),
        path: uri.path().to_string(),
        status: 0,
        token: header(&headers, "x-auth-token"),
        basic: headers.contains_key("authorization"),
        if_match: header(&headers, "if-match"),
        body: body.clone(),
    };
    let response = answer(&mut inner, &method, uri.path(), &headers, body);
    seen.status = response.status().as_u16();
    inner.log.push(seen);
    response
}

fn answer(
    inner: &mut Inner,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: Option<Value>,
) -> Response {
    if method == Method::GET && matches!(path, "/redfish/v1" | "/redfish/v1/") {
        return axum::Json(json!({
            "@odata.id": "/redfish/v1/",
            "RedfishVersion": "1.15.0",
            "Systems": {"@odata.id": "/redfish/v1/Systems"},
            "SessionService": {"@odata.id": "/redfish/v1/SessionService"},
            "Links": {"Sessions": {"@odata.id": SESSIONS}},
        }))
        .into_response();
    }
    if method == Method::POST && path == SESSIONS {
        return login(inner, body);
    }
    if !authorized(inner, headers) {
        return error(
            StatusCode::UNAUTHORIZED,
            "Base.1.8.NoValidSession",
            "There is no valid session established with the implementation.",
        );
    }
    if method == Method::DELETE
        && let Some(id) = path.strip_prefix(&format!("{SESSIONS}/"))
    {
        let token = header(headers, "x-auth-token").unwrap_or_default();
        return match inner.sessions.get(&token) {
            Some(open) if open.to_string() == id => {
                inner.sessions.remove(&token);
                StatusCode::NO_CONTENT.into_response()
            }
            _ => error(
                StatusCode::NOT_FOUND,
                "Base.1.8.ResourceMissingAtURI",
                "No such session.",
            ),
        };
    }
    let m = &mut inner.machine;
    match (method.as_str(), path) {
        ("GET", "/redfish/v1/Systems") => {
            let member = if inner.behaviour.redirect_system {
                "/redfish/v1/Systems/1/"
            } else {
                SYSTEM
            };
            axum::Json(json!({"Members@odata.count": 1, "Members": [{"@odata.id": member}]})).into_response()
        }
        (_, "/redfish/v1/Systems/1/") => {
            (StatusCode::TEMPORARY_REDIRECT, [("location", SYSTEM)]).into_response()
        }
        ("GET", SYSTEM) => {
            let etag = format!("W/\"{}\"", m.etag);
            let system = json!({
                "@odata.id": SYSTEM,
                "@odata.etag": etag,
                "Id": "1",
                "UUID": "00000000-0000-0000-0000-0000000000d1",
                "Manufacturer": "Double Systems",
                "Model": "DS-1",
                "SerialNumber": "SN-0001",
                "BiosVersion": "2.4.1",
                "PowerState": m.power,
                "Status": {"State": "Enabled", "Health": "Warning"},
                "ProcessorSummary": {"Count": 2, "LogicalProcessorCount": 64, "Model": "Xeon Double"},
                "MemorySummary": {"TotalSystemMemoryGiB": 384.0},
                "Boot": {
                    "BootSourceOverrideTarget": m.boot_target,
                    "BootSourceOverrideEnabled": m.boot_enabled,
                    "BootSourceOverrideMode": m.boot_mode,
                    "BootSourceOverrideTarget@Redfish.AllowableValues": ["None", "Pxe", "Hdd", "Cd"],
                },
                "EthernetInterfaces": {"@odata.id": "/redfish/v1/Systems/1/EthernetInterfaces"},
                "SimpleStorage": {"@odata.id": "/redfish/v1/Systems/1/SimpleStorage"},
                "Links": {"ManagedBy": [{"@odata.id": "/redfish/v1/Managers/bmc"}]},
                "Actions": {"#ComputerSystem.Reset": {
                    "target": "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset",
                    "@Redfish.ActionInfo": "/redfish/v1/Systems/1/ResetActionInfo",
                }},
            });
            ([("etag", etag)], axum::Json(system)).into_response()
        }
        ("PATCH", SYSTEM) => {
            let current = format!("W/\"{}\"", m.etag);
            match header(headers, "if-match") {
                None => error(
                    StatusCode::PRECONDITION_REQUIRED,
                    "Base.1.8.PreconditionRequired",
                    "A precondition header or annotation is required to change this resource.",
                ),
                Some(tag) if tag != current => error(
                    StatusCode::PRECONDITION_FAILED,
                    "Base.1.8.PreconditionFailed",
                    "The ETag supplied did not match the ETag required to change this resource.",
                ),
                Some(_) => {
                    let boot = body
                        .as_ref()
                        .and_then(|b| b.get("Boot"))
                        .cloned()
                        .unwrap_or_default();
                    let text = |k: &str| boot.get(k).and_then(Value::as_str).map(str::to_string);
                    if let Some(t) = text("BootSourceOverrideTarget") {
                        m.boot_target = t;
                    }
                    if let Some(e) = text("BootSourceOverrideEnabled") {
                        m.boot_enabled = e;
                    }
                    if let Some(mode) = text("BootSourceOverrideMode") {
                        m.boot_mode = mode;
                    }
                    m.etag += 1;
                    StatusCode::NO_CONTENT.into_response()
                }
            }
        }
        ("GET", "/redfish/v1/Systems/1/ResetActionInfo") => axum::Json(json!({
            "@odata.id": "/redfish/v1/Systems/1/ResetActionInfo",
            "Parameters": [{"Name": "ResetType", "Required": true, "DataType": "String",
                            "AllowableValues": ["On", "ForceOff", "GracefulShutdown", "PowerCycle"]}],
        }))
        .into_response(),
        ("POST", "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset") => {
            let reset = body
                .as_ref()
                .and_then(|b| b.get("ResetType"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if inner.behaviour.resets_refused {
                return error(
                    StatusCode::BAD_REQUEST,
                    "Base.1.8.ActionNotSupported",
                    "The action ComputerSystem.Reset is not supported by the resource.",
                );
            }
            m.resets.push(reset.clone());
            if inner.behaviour.resets_apply {
                m.power = match reset.as_str() {
                    "ForceOff" | "GracefulShutdown" => "Off",
                    _ => "On",
                };
            }
            StatusCode::NO_CONTENT.into_response()
        }
        ("GET", "/redfish/v1/Systems/1/EthernetInterfaces") => axum::Json(json!({
            "Members@odata.count": 2,
            "Members": [{"@odata.id": "/redfish/v1/Systems/1/EthernetInterfaces/NIC.1"},
                        {"@odata.id": "/redfish/v1/Systems/1/EthernetInterfaces/NIC.2"}],
        }))
        .into_response(),
        ("GET", "/redfish/v1/Systems/1/EthernetInterfaces/NIC.1") => {
            axum::Json(json!({"Id": "NIC.1", "MACAddress": "B8-CE-F6-00-00-01"})).into_response()
        }
        ("GET", "/redfish/v1/Systems/1/EthernetInterfaces/NIC.2") => {
            axum::Json(json!({"Id": "NIC.2", "PermanentMACAddress": "b8:ce:f6:00:00:02"})).into_response()
        }
        ("GET", "/redfish/v1/Systems/1/SimpleStorage") => axum::Json(json!({
            "Members@odata.count": 1,
            "Members": [{"@odata.id": "/redfish/v1/Systems/1/SimpleStorage/RAID.1"}],
        }))
        .into_response(),
        ("GET", "/redfish/v1/Systems/1/SimpleStorage/RAID.1") => axum::Json(json!({
            "Id": "RAID.1",
            "Devices": [{"Name": "Disk 0", "Model": "SSD-960", "CapacityBytes": 960_197_124_096_u64},
                        {"Name": "Disk 1", "Model": "SSD-960", "CapacityBytes": 960_197_124_096_u64}],
        }))
        .into_response(),
        ("GET", "/redfish/v1/Managers/bmc") => {
            axum::Json(json!({"Id": "bmc", "FirmwareVersion": "7.10.30.00"})).into_response()
        }
        _ => error(
            StatusCode::NOT_FOUND,
            "Base.1.8.ResourceMissingAtURI",
            &format!("{method} {path} is not a resource here."),
        ),
    }
}

fn login(inner: &mut Inner, body: Option<Value>) -> Response {
    if !inner.behaviour.sessions {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Base.1.8.OperationNotAllowed",
            "Sessions are off.",
        );
    }
    let field = |k: &str| {
        body.as_ref()
            .and_then(|b| b.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    if field("UserName").as_deref() != Some(ACCOUNT)
        || field("Password") != Some(inner.behaviour.password.clone())
    {
        return error(
            StatusCode::UNAUTHORIZED,
            "Base.1.8.NoValidSession",
            "Invalid username or password.",
        );
    }
    inner.logins += 1;
    let id = inner.logins;
    let token = format!("token-{id}-{:08x}", rand_ish(id));
    inner.sessions.insert(token.clone(), id);
    let host = if inner.behaviour.absolute_location {
        "https://bmc.internal.example"
    } else {
        ""
    };
    (
        StatusCode::CREATED,
        [
            ("x-auth-token", token),
            ("location", format!("{host}{SESSIONS}/{id}")),
        ],
        axum::Json(
            json!({"@odata.id": format!("{SESSIONS}/{id}"), "Id": id.to_string(), "UserName": ACCOUNT}),
        ),
    )
        .into_response()
}

/// Tokens differ per session; they need not be secret here.
fn rand_ish(id: u32) -> u32 {
    id.wrapping_mul(2_654_435_761)
}

fn authorized(inner: &Inner, headers: &HeaderMap) -> bool {
    if let Some(token) = header(headers, "x-auth-token") {
        return inner.sessions.contains_key(&token);
    }
    if inner.behaviour.sessions {
        return false;
    }
    use base64::Engine;
    let expected =
        base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT}:{}", inner.behaviour.password));
    header(headers, "authorization").is_some_and(|h| h == format!("Basic {expected}"))
}
