//! The simulated BMCs: a Redfish service per machine, checked with DMTF's `redfish` library
//! (an independent client, from PyPI) and with plain HTTP, acting on the one physical state
//! MAAS acts on too — a machine powered on from the network through its BMC enlists, MAAS's
//! power actions reach the BMC's machine, and faults planted on a BMC fail both; what they
//! were sent is logged and counted.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use drydock::maas::{ApiKey, Client, ClientOptions};
use drydock::sim::{BmcFault, Sim, SimOptions};
use serde_json::Value;

/// Fast enough that power lands in tens of milliseconds and enlistment takes two seconds.
const SPEED: f64 = 60.0;

/// Hang protection for every wait below; nothing here should take a fraction of it.
const PATIENCE: Duration = Duration::from_secs(30);

fn python() -> String {
    let python = std::env::var("DRYDOCK_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&python)
        .args(["-c", "import redfish"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "DMTF's redfish library is not installed for {python}: run `python3 -m venv target/ci-venv && target/ci-venv/bin/pip install redfish` and set DRYDOCK_TEST_PYTHON=target/ci-venv/bin/python (.ci/run does this)"
    );
    python
}

fn start(enlisted: bool) -> Sim {
    let site = drydock::design::load(&[example_site()]).unwrap();
    let options = SimOptions {
        speed: SPEED,
        enlisted,
        ..SimOptions::default()
    };
    Sim::start(options, Some(&site)).unwrap()
}

/// Where `node`'s BMC is served.
fn endpoint(sim: &Sim, node: &str) -> String {
    sim.bmcs()
        .iter()
        .find(|b| b.node == node)
        .unwrap_or_else(|| panic!("{node} has no BMC: {:?}", sim.bmcs()))
        .endpoint
        .clone()
}

/// The example site's BMC account and password (its `defaults` host profile).
const ACCOUNT: &str = "drydock";
const PASSWORD: &str = "changeme";
/// cmp01's PXE NIC, as the example site gives it.
const CMP01_MAC: &str = "3c:fd:fe:13:2c:de";

/// The redfish library's run of `tests/python/redfish_check.py`: what it saw, as JSON.
fn redfish_check(base: &str, password: &str, auth: &str, change: &[&str]) -> Value {
    let out = Command::new(python())
        .arg(repo().join("tests/python/redfish_check.py"))
        .args([base, ACCOUNT, password, auth])
        .args(change)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "redfish_check.py printed no JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn maas(sim: &Sim, path: &str, query: &[(&str, &str)]) -> Value {
    let client = Client::new(sim.url(), sim.key().clone(), ClientOptions::default()).unwrap();
    let query: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    runtime().block_on(client.get(path, None, &query)).unwrap()
}

/// A MAAS API request with a form, signed with the admin's key: status and body.
fn maas_send(sim: &Sim, method: &str, path: &str, form: &str) -> (u16, String) {
    let url = format!("{}/api/2.0/{path}", sim.url());
    send_signed(sim.key(), method, &url, "application/x-www-form-urlencoded", form)
}

fn send_signed(key: &ApiKey, method: &str, url: &str, content_type: &str, body: &str) -> (u16, String) {
    drydock::maas::client::install_tls();
    runtime().block_on(async {
        let resp = reqwest::Client::new()
            .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url)
            .header("content-type", content_type)
            .header(
                "authorization",
                drydock::maas::auth::authorization(key, method, url, None),
            )
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    })
}

/// The simulator's `http://host:port`.
fn base(sim: &Sim) -> String {
    sim.url().trim_end_matches("/MAAS").to_string()
}

/// How a plain HTTP request to a BMC logs in.
enum Login<'a> {
    None,
    Basic(&'a str, &'a str),
    Token(&'a str),
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn message_id(&self) -> &str {
        self.body["error"]["@Message.ExtendedInfo"][0]["MessageId"]
            .as_str()
            .unwrap_or_else(|| panic!("no DMTF error: {}", self.body))
    }

    fn header(&self, name: &str) -> String {
        self.headers[name].to_str().unwrap().to_string()
    }
}

fn redfish(method: &str, url: &str, login: Login, body: Option<&str>, headers: &[(&str, &str)]) -> Answer {
    drydock::maas::client::install_tls();
    runtime().block_on(async {
        let mut req = reqwest::Client::new()
            .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url)
            .timeout(Duration::from_secs(10));
        req = match login {
            Login::None => req,
            Login::Basic(user, password) => req.basic_auth(user, Some(password)),
            Login::Token(token) => req.header("x-auth-token", token),
        };
        if let Some(body) = body {
            req = req
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        Answer {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    })
}

fn basic() -> Login<'static> {
    Login::Basic(ACCOUNT, PASSWORD)
}

/// The path of the BMC's one system.
fn system_path(bmc: &str) -> String {
    let systems = redfish("GET", &format!("{bmc}/redfish/v1/Systems"), basic(), None, &[]);
    assert_eq!(systems.status, 200, "{}", systems.body);
    systems.body["Members"][0]["@odata.id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn power_state(bmc: &str) -> String {
    let system = redfish("GET", &format!("{bmc}{}", system_path(bmc)), basic(), None, &[]);
    system.body["PowerState"].as_str().unwrap().to_string()
}

/// Waits until `done` holds, failing with `what` after [`PATIENCE`].
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < PATIENCE,
            "{what} did not happen within {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn reset(bmc: &str, kind: &str) -> Answer {
    let target = format!("{bmc}{}/Actions/ComputerSystem.Reset", system_path(bmc));
    redfish(
        "POST",
        &target,
        basic(),
        Some(&format!(r#"{{"ResetType": "{kind}"}}"#)),
        &[],
    )
}

#[test]
fn the_redfish_library_boots_an_unknown_machine_from_the_network_and_it_enlists() {
    let sim = start(false);
    let bmc = endpoint(&sim, "cmp01");
    assert_eq!(
        maas(&sim, "machines/", &[]),
        Value::Array(vec![]),
        "no machine is known before one is powered on"
    );
    let seen = redfish_check(&bmc, PASSWORD, "session", &["Pxe", "On"]);
    assert_eq!(seen["login"], "session");
    assert_eq!(seen["systems"], 1, "one system per BMC, as Drydock requires");
    assert_eq!(seen["power"], "Off");
    assert_eq!(
        (seen["patch"].as_u64(), seen["reset"].as_u64()),
        (Some(204), Some(204))
    );
    assert_eq!(seen["boot"], serde_json::json!(["Pxe", "Once"]));
    for kind in ["On", "ForceOff", "GracefulShutdown", "ForceRestart", "PowerCycle"] {
        assert!(
            seen["reset_types"].as_array().unwrap().iter().any(|t| t == kind),
            "{kind}: {seen}"
        );
    }
    // The hardware profile (dell-r650) and the design's NICs and disks.
    assert_eq!(
        (seen["cpus"].as_u64(), seen["memory_gib"].as_u64()),
        (Some(64), Some(416))
    );
    assert_eq!(seen["bios"], "1.10.2");
    assert_eq!(seen["macs"][0], CMP01_MAC);
    assert!(!seen["drives"].as_array().unwrap().is_empty());

    let listed = |sim: &Sim| maas(sim, "machines/", &[("mac_address", CMP01_MAC)]);
    wait_until("cmp01's enlistment", || {
        !listed(&sim).as_array().unwrap().is_empty()
    });
    let machines = maas(&sim, "machines/", &[]);
    assert_eq!(
        machines.as_array().unwrap().len(),
        1,
        "only the machine that booted: {machines}"
    );
    let m = &listed(&sim)[0];
    assert_eq!(m["status_name"], "New");
    assert_eq!(m["power_type"], "", "PXE enlistment learns no BMC");
    assert_ne!(m["hostname"], "cmp01", "MAAS names machines itself");
    assert_eq!(m["boot_interface"]["mac_address"], CMP01_MAC);
    // Enlistment ends with the machine powering itself off; the once-override was used up.
    assert_eq!(power_state(&bmc), "Off");
    let system = redfish("GET", &format!("{bmc}{}", system_path(&bmc)), basic(), None, &[]);
    assert_eq!(system.body["Boot"]["BootSourceOverrideEnabled"], "Disabled");
    // Powered on again, a machine MAAS knows does not enlist twice.
    assert_eq!(reset(&bmc, "On").status, 204);
    wait_until("cmp01 powering on", || power_state(&bmc) == "On");
    assert_eq!(maas(&sim, "machines/", &[]).as_array().unwrap().len(), 1);

    let cmp01: Vec<_> = sim
        .bmc_requests()
        .into_iter()
        .filter(|r| r.node == "cmp01")
        .collect();
    let powered: Vec<_> = cmp01.iter().filter_map(|r| r.power).collect();
    assert_eq!(powered.len(), 2, "{cmp01:?}");
    let login = cmp01
        .iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/Sessions"))
        .expect("the session login is logged");
    assert_eq!(login.body.as_ref().unwrap()["Password"], "<redacted>");
}

#[test]
fn basic_auth_reads_and_a_wrong_password_is_refused() {
    let sim = start(true);
    let bmc = endpoint(&sim, "cmp02");
    let seen = redfish_check(&bmc, PASSWORD, "basic", &[]);
    assert_eq!(seen["login"], "basic");
    assert_eq!(seen["power"], "Off");
    assert_eq!(seen["bmc_firmware"].as_str().map(str::is_empty), Some(false));
    let macs = seen["macs"].as_array().unwrap();
    assert_eq!(macs[0], "3c:fd:fe:d6:23:7b", "cmp02's boot_mac first");
    for auth in ["basic", "session"] {
        assert_eq!(
            redfish_check(&bmc, "wrong", auth, &[])["login"],
            "refused",
            "{auth}"
        );
    }
}

#[test]
fn maas_power_actions_go_through_the_bmc() {
    let sim = start(true);
    let bmc = endpoint(&sim, "cmp02");
    let id = maas(&sim, "machines/", &[("hostname", "cmp02")])[0]["system_id"]
        .as_str()
        .unwrap()
        .to_string();
    let machine = format!("machines/{id}/");
    let form = format!(
        "power_type=redfish&power_parameters_power_address=10.40.0.22\
         &power_parameters_power_user={ACCOUNT}&power_parameters_power_pass={PASSWORD}"
    );
    assert_eq!(maas_send(&sim, "PUT", &machine, &form).0, 200);
    let query = || maas(&sim, &machine, &[("op", "query_power_state")])["state"].clone();
    assert_eq!(query(), "off", "MAAS asks the BMC");

    assert_eq!(
        maas_send(&sim, "POST", &format!("{machine}?op=power_on"), "").0,
        200
    );
    wait_until("MAAS's power-on reaching the BMC's machine", || {
        power_state(&bmc) == "On"
    });
    assert_eq!(query(), "on");
    // MAAS's redfish driver boots the machine from the network: the override was used up.
    let system = redfish("GET", &format!("{bmc}{}", system_path(&bmc)), basic(), None, &[]);
    assert_eq!(system.body["Boot"]["BootSourceOverrideTarget"], "None");
    // And the other way round: a power-off through the BMC is what MAAS sees.
    assert_eq!(reset(&bmc, "ForceOff").status, 204);
    wait_until("the BMC's power-off reaching MAAS", || query() == "off");

    // A BMC that refuses logins fails MAAS's power actions the way MAAS reports it.
    sim.plant_bmc_fault("cmp02", Some(BmcFault::RefuseLogin)).unwrap();
    assert_eq!(query(), "error");
    assert_eq!(
        maas_send(&sim, "POST", &format!("{machine}?op=power_on"), "").0,
        200
    );
    assert_eq!(maas(&sim, &machine, &[])["power_state"], "error");
    let events = maas(&sim, "events/", &[("op", "query"), ("level", "ERROR")]);
    assert!(
        events.to_string().contains("Failed to power on node") && events.to_string().contains("401"),
        "{events}"
    );
    sim.plant_bmc_fault("cmp02", None).unwrap();
    assert_eq!(query(), "off", "nothing landed while the BMC refused");
    // A wrong password in MAAS's power parameters is refused as well.
    let wrong = "power_parameters_power_pass=not-it";
    assert_eq!(maas_send(&sim, "PUT", &machine, wrong).0, 200);
    assert_eq!(query(), "error");

    let from_maas: Vec<_> = sim
        .bmc_requests()
        .into_iter()
        .filter(|r| r.node == "cmp02" && r.from == drydock::sim::Requester::Maas)
        .collect();
    assert!(
        from_maas
            .iter()
            .any(|r| r.power == Some(drydock::oob::PowerRequest::On) && r.status == 200),
        "{from_maas:?}"
    );
    assert!(from_maas.iter().any(|r| r.status == 401), "{from_maas:?}");
}

#[test]
fn a_patch_whose_if_match_is_stale_is_refused() {
    let sim = start(true);
    let bmc = endpoint(&sim, "cmp03");
    let url = format!("{bmc}{}", system_path(&bmc));
    let first = redfish("GET", &url, basic(), None, &[]);
    let etag = first.header("etag");
    assert_eq!(first.body["@odata.etag"], etag.as_str());
    let pxe = r#"{"Boot": {"BootSourceOverrideTarget": "Pxe", "BootSourceOverrideEnabled": "Continuous"}}"#;
    let applied = redfish("PATCH", &url, basic(), Some(pxe), &[("if-match", &etag)]);
    assert_eq!(applied.status, 204);
    let hdd = r#"{"Boot": {"BootSourceOverrideTarget": "Hdd"}}"#;
    let stale = redfish("PATCH", &url, basic(), Some(hdd), &[("if-match", &etag)]);
    assert_eq!(stale.status, 412);
    assert!(stale.message_id().ends_with("PreconditionFailed"));
    let now = redfish("GET", &url, basic(), None, &[]);
    assert_eq!(
        now.body["Boot"]["BootSourceOverrideTarget"], "Pxe",
        "the stale PATCH changed nothing"
    );
    assert_ne!(now.header("etag"), etag);
    let fresh = redfish(
        "PATCH",
        &url,
        basic(),
        Some(hdd),
        &[("if-match", &now.header("etag"))],
    );
    assert_eq!(fresh.status, 204);
}

#[test]
fn every_planted_fault() {
    let sim = start(true);
    let (cmp01, cmp02) = (endpoint(&sim, "cmp01"), endpoint(&sim, "cmp02"));
    let systems = |bmc: &str| format!("{bmc}/redfish/v1/Systems");

    // Planted through the control endpoint; unknown nodes and faults are refused.
    let plant = |body: &str| {
        send_signed(
            sim.key(),
            "POST",
            &format!("{}/_sim/bmc_faults", base(&sim)),
            "application/json",
            body,
        )
    };
    assert_eq!(plant(r#"{"node": "cmp01", "fault": "refuse_login"}"#).0, 200);
    let (status, said) = plant(r#"{"node": "nope", "fault": "timeout"}"#);
    assert_eq!(status, 400);
    assert!(said.contains("nope"), "{said}");
    assert_eq!(plant(r#"{"node": "cmp01", "fault": "melt"}"#).0, 400);

    // refuse_login: the root still answers, every login is refused.
    assert_eq!(
        redfish("GET", &format!("{cmp01}/redfish/v1/"), Login::None, None, &[]).status,
        200
    );
    let refused = redfish("GET", &systems(&cmp01), basic(), None, &[]);
    assert_eq!(refused.status, 401);
    assert!(refused.headers.contains_key("www-authenticate"));
    let session = redfish(
        "POST",
        &format!("{cmp01}/redfish/v1/SessionService/Sessions"),
        Login::None,
        Some(&format!(
            r#"{{"UserName": "{ACCOUNT}", "Password": "{PASSWORD}"}}"#
        )),
        &[],
    );
    assert_eq!(session.status, 401);
    assert_eq!(plant(r#"{"node": "cmp01", "fault": null}"#).0, 200);
    assert_eq!(redfish("GET", &systems(&cmp01), basic(), None, &[]).status, 200);

    // timeout: the connection is taken and nothing is answered.
    sim.plant_bmc_fault("cmp01", Some(BmcFault::Timeout)).unwrap();
    drydock::maas::client::install_tls();
    let waited = runtime().block_on(async {
        reqwest::Client::new()
            .get(format!("{cmp01}/redfish/v1/"))
            .timeout(Duration::from_secs(1))
            .send()
            .await
    });
    assert!(
        waited.as_ref().is_err_and(reqwest::Error::is_timeout),
        "{waited:?}"
    );
    sim.plant_bmc_fault("cmp01", None).unwrap();
    assert_eq!(redfish("GET", &systems(&cmp01), basic(), None, &[]).status, 200);

    // stuck_power: accepted, never lands; the same request lands on a BMC without it.
    sim.plant_bmc_fault("cmp01", Some(BmcFault::StuckPower)).unwrap();
    assert_eq!(reset(&cmp01, "On").status, 204);
    assert_eq!(reset(&cmp02, "On").status, 204);
    wait_until("cmp02 powering on", || power_state(&cmp02) == "On");
    assert_eq!(
        power_state(&cmp01),
        "Off",
        "a stuck BMC's machine never powers on"
    );
    let err = sim.plant_bmc_fault("nope", None).unwrap_err();
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn redfish_answers_as_dmtf_shapes_it() {
    let sim = start(true);
    let bmc = endpoint(&sim, "cmp01");
    let root = redfish("GET", &format!("{bmc}/redfish/v1"), Login::None, None, &[]);
    assert_eq!(root.status, 200);
    for field in [
        "RedfishVersion",
        "Systems",
        "Managers",
        "Chassis",
        "SessionService",
    ] {
        assert!(!root.body[field].is_null(), "{field}: {}", root.body);
    }
    let sessions = root.body["Links"]["Sessions"]["@odata.id"]
        .as_str()
        .unwrap()
        .to_string();
    let unauthenticated = redfish(
        "GET",
        &format!("{bmc}/redfish/v1/Systems"),
        Login::None,
        None,
        &[],
    );
    assert_eq!(unauthenticated.status, 401);
    assert!(unauthenticated.body["error"]["code"].is_string());
    assert!(unauthenticated.body["error"]["message"].is_string());

    // A session: 201, the token and where to log out; the token works until logged out.
    let login = format!(r#"{{"UserName": "{ACCOUNT}", "Password": "{PASSWORD}"}}"#);
    let created = redfish(
        "POST",
        &format!("{bmc}{sessions}"),
        Login::None,
        Some(&login),
        &[],
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let token = created.header("x-auth-token");
    let location = created.header("location");
    let system = system_path(&bmc);
    assert_eq!(
        redfish("GET", &format!("{bmc}{system}"), Login::Token(&token), None, &[]).status,
        200
    );
    assert_eq!(
        redfish(
            "DELETE",
            &format!("{bmc}{location}"),
            Login::Token(&token),
            None,
            &[]
        )
        .status,
        204
    );
    assert_eq!(
        redfish("GET", &format!("{bmc}{system}"), Login::Token(&token), None, &[]).status,
        401
    );
    // Sessions are capped; the one too many is refused, not kept.
    let open: Vec<Answer> = (0..17)
        .map(|_| {
            redfish(
                "POST",
                &format!("{bmc}{sessions}"),
                Login::None,
                Some(&login),
                &[],
            )
        })
        .collect();
    assert!(open[..16].iter().all(|a| a.status == 201));
    assert_eq!(open[16].status, 503);
    assert!(open[16].message_id().ends_with("SessionLimitExceeded"));

    let url = format!("{bmc}{system}");
    let bad_target = redfish(
        "PATCH",
        &url,
        basic(),
        Some(r#"{"Boot": {"BootSourceOverrideTarget": "Floppy"}}"#),
        &[],
    );
    assert_eq!(bad_target.status, 400);
    assert!(bad_target.message_id().ends_with("PropertyValueNotInList"));
    assert_eq!(
        bad_target.body["error"]["@Message.ExtendedInfo"][0]["MessageArgs"][0],
        "Floppy"
    );
    let unknown = redfish("PATCH", &url, basic(), Some(r#"{"AssetTag": "x"}"#), &[]);
    assert!(unknown.message_id().ends_with("PropertyUnknown"));
    let malformed = redfish("PATCH", &url, basic(), Some("{"), &[]);
    assert!(malformed.message_id().ends_with("MalformedJSON"));
    let nmi = reset(&bmc, "Nmi");
    assert_eq!(nmi.status, 400);
    assert!(nmi.message_id().ends_with("ActionParameterNotSupported"));
    let missing = redfish(
        "POST",
        &format!("{url}/Actions/ComputerSystem.Reset"),
        basic(),
        Some("{}"),
        &[],
    );
    assert!(missing.message_id().ends_with("ActionParameterMissing"));
    let nowhere = redfish("GET", &format!("{bmc}/redfish/v1/Nowhere"), basic(), None, &[]);
    assert_eq!(nowhere.status, 404);
    let storage = redfish("GET", &format!("{url}/Storage/1"), basic(), None, &[]);
    let drive = storage.body["Drives"][0]["@odata.id"]
        .as_str()
        .unwrap()
        .to_string();
    let drive = redfish("GET", &format!("{bmc}{drive}"), basic(), None, &[]);
    assert_eq!(drive.body["CapacityBytes"], 500_000_000_000u64);
}

#[test]
fn the_bmc_request_log_keeps_no_secrets() {
    let sim = start(true);
    let bmc = endpoint(&sim, "cmp01");
    let login = format!(r#"{{"UserName": "{ACCOUNT}", "Password": "{PASSWORD}"}}"#);
    let created = redfish(
        "POST",
        &format!("{bmc}/redfish/v1/SessionService/Sessions"),
        Login::None,
        Some(&login),
        &[],
    );
    let token = created.header("x-auth-token");
    redfish(
        "GET",
        &format!("{bmc}/redfish/v1/Systems"),
        Login::Token(&token),
        None,
        &[],
    );
    redfish("GET", &format!("{bmc}/redfish/v1/Systems"), basic(), None, &[]);
    let (status, log) = send_signed(
        sim.key(),
        "GET",
        &format!("{}/_sim/bmc_requests", base(&sim)),
        "text/plain",
        "",
    );
    assert_eq!(status, 200);
    let entries: Vec<Value> = serde_json::from_str(&log).unwrap();
    assert_eq!(entries.len(), 3, "{log}");
    let secrets = [PASSWORD, token.as_str(), "ZHJ5ZG9jazpjaGFuZ2VtZQ"];
    for secret in secrets {
        assert!(!log.contains(secret), "{secret} is in the log: {log}");
        assert!(!format!("{:?}", sim.bmc_requests()).contains(secret));
    }
    assert!(log.contains(ACCOUNT), "what is no secret stays: {log}");
    let (status, _) = send_signed(
        &ApiKey::parse("aaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbb:cccccccccccccccccccccccccccccccc").unwrap(),
        "GET",
        &format!("{}/_sim/bmc_requests", base(&sim)),
        "text/plain",
        "",
    );
    assert_eq!(status, 401, "the log wants the admin's key");
    let (status, map) = send_signed(
        sim.key(),
        "GET",
        &format!("{}/_sim/bmcs", base(&sim)),
        "text/plain",
        "",
    );
    assert_eq!(status, 200);
    let map: drydock::oob::BmcMap = serde_json::from_str(&map).unwrap();
    assert_eq!(map, sim.bmc_map());
    assert_eq!(map.get("10.40.0.21"), Some(bmc.as_str()));
}

/// Kills a child process when dropped, also when a test fails.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn drydock_sim_prints_where_each_bmc_is_and_writes_the_map() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bmcs.json");
    let mut child = Child(
        Command::new(assert_cmd::cargo::cargo_bin("drydock"))
            .args(["sim", "--listen", "127.0.0.1:0", "--bmc-map-out"])
            .arg(&file)
            .arg("-d")
            .arg(example_site())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let lines: Vec<String> = BufReader::new(child.0.stdout.take().unwrap())
        .lines()
        .map(Result::unwrap)
        .take_while(|l| !l.starts_with("BMC map written"))
        .collect();
    assert!(
        lines[0].starts_with("MAAS simulator serving 0 machines at http://127.0.0.1:"),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("9 machines unknown to MAAS")),
        "{lines:?}"
    );
    let served: Vec<&String> = lines.iter().filter(|l| l.starts_with("BMC ")).collect();
    assert_eq!(served.len(), 9, "{lines:?}");
    let cmp01 = served
        .iter()
        .find(|l| l.starts_with("BMC cmp01 redfish 10.40.0.21 served at http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("{served:?}"));
    let map: drydock::oob::BmcMap = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(map.0.len(), 9);
    let endpoint = map.get("10.40.0.21").unwrap();
    assert!(cmp01.ends_with(endpoint), "{cmp01} vs {endpoint}");
    let root = redfish("GET", &format!("{endpoint}/redfish/v1/"), Login::None, None, &[]);
    assert_eq!(root.status, 200);
}

/// Hundreds of BMCs, each kept a connection to (a client's pool keeps them alive): the last
/// one answers as the first does.
#[test]
fn every_bmc_of_a_large_site_answers() {
    let dir = generated_site(&["--nodes", "700"]);
    let site = drydock::design::load(&[dir.path().to_path_buf()]).unwrap();
    let sim = Sim::start(SimOptions::default(), Some(&site)).unwrap();
    let redfish_bmcs: Vec<_> = sim
        .bmcs()
        .iter()
        .filter(|b| b.protocol == drydock::sim::BmcProtocol::Redfish)
        .collect();
    assert!(redfish_bmcs.len() > 600, "{} Redfish BMCs", redfish_bmcs.len());
    drydock::maas::client::install_tls();
    let client = reqwest::Client::new();
    let statuses: Vec<(String, Result<u16, String>)> = runtime().block_on(async {
        let mut statuses = Vec::new();
        for b in redfish_bmcs {
            let root = client
                .get(format!("{}/redfish/v1/", b.endpoint))
                .timeout(Duration::from_secs(10))
                .send()
                .await;
            statuses.push((
                b.node.clone(),
                root.map(|r| r.status().as_u16()).map_err(|e| format!("{e:?}")),
            ));
        }
        statuses
    });
    let silent: Vec<_> = statuses.iter().filter(|(_, status)| *status != Ok(200)).collect();
    assert!(silent.is_empty(), "{silent:?}");
}

/// `ipmitool raw` (one command, its own session) against an IPMI BMC of the simulator.
fn ipmitool_raw(endpoint: &str, bytes: &[&str]) {
    let (host, port) = endpoint.rsplit_once(':').unwrap();
    let out = Command::new("ipmitool")
        .args([
            "-I", "lanplus", "-H", host, "-p", port, "-U", ACCOUNT, "-E", "-C", "3",
        ])
        .args(["-N", "3", "-R", "2", "raw"])
        .args(bytes)
        .env("IPMI_PASSWORD", PASSWORD)
        .output()
        .unwrap_or_else(|e| panic!("ipmitool did not run ({e}): install it with `apt-get install ipmitool`"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_counts_say_how_many_requests_maas_and_the_bmcs_were_sent() {
    let sim = start(true);
    let zero = sim.counts();
    assert_eq!((zero.maas, zero.bmc), Default::default(), "nothing asked yet");

    let id = maas(&sim, "machines/", &[("hostname", "cmp02")])[0]["system_id"]
        .as_str()
        .unwrap()
        .to_string();
    let form = format!(
        "power_type=redfish&power_parameters_power_address=10.40.0.22\
         &power_parameters_power_user={ACCOUNT}&power_parameters_power_pass={PASSWORD}"
    );
    assert_eq!(maas_send(&sim, "PUT", &format!("machines/{id}/"), &form).0, 200);
    maas(&sim, &format!("machines/{id}/"), &[("op", "query_power_state")]);
    let cmp01 = endpoint(&sim, "cmp01");
    for _ in 0..2 {
        assert_eq!(
            redfish("GET", &format!("{cmp01}/redfish/v1/"), Login::None, None, &[]).status,
            200
        );
    }
    ipmitool_raw(&endpoint(&sim, "ctl01"), &["0x00", "0x01"]);

    let counts = sim.counts();
    assert_eq!(counts.maas, drydock::sim::MaasCounts { reads: 2, writes: 1 });
    let ipmi_logged = sim
        .bmc_requests()
        .iter()
        .filter(|r| r.node == "ctl01" && r.protocol == drydock::sim::BmcProtocol::Ipmi)
        .count() as u64;
    assert!(
        ipmi_logged >= 7,
        "a session, the command, the logout: {ipmi_logged}"
    );
    assert_eq!(
        counts.bmc,
        drydock::sim::BmcCounts {
            client: drydock::sim::ByProtocol {
                redfish: 2,
                ipmi: ipmi_logged,
            },
            maas: drydock::sim::ByProtocol { redfish: 1, ipmi: 0 },
        }
    );

    let (status, body) = send_signed(
        sim.key(),
        "GET",
        &format!("{}/_sim/counts", base(&sim)),
        "text/plain",
        "",
    );
    assert_eq!(status, 200);
    let served: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        served,
        serde_json::to_value(sim.counts()).unwrap(),
        "not an API request: not counted"
    );
    assert_eq!(served["bmc"]["client"]["ipmi"], ipmi_logged);
    let (status, _) = send_signed(
        &ApiKey::parse("aaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbb:cccccccccccccccccccccccccccccccc").unwrap(),
        "GET",
        &format!("{}/_sim/counts", base(&sim)),
        "text/plain",
        "",
    );
    assert_eq!(status, 401, "the counts want the admin's key");
}
