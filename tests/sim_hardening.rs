//! The simulator against bad input and hostile clients: no request panics it or poisons its
//! state, its control endpoints want the admin's key and hand out no secrets, its memory is
//! bounded, and slow or idle connections are closed while others are served.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::runtime;
use drydock::maas::ApiKey;
use drydock::sim::{Sim, SimOptions};

/// The simulator's `http://host:port`.
fn base(sim: &Sim) -> String {
    sim.url().trim_end_matches("/MAAS").to_string()
}

fn signed(key: &ApiKey, method: &str, url: &str) -> String {
    drydock::maas::auth::authorization(key, method, url, None)
}

/// `(status, body)` of a request, signed with `key` when given.
fn send(method: &str, url: &str, key: Option<&ApiKey>, form: &str) -> (u16, String) {
    let rt = runtime();
    rt.block_on(async {
        let mut req = reqwest::Client::new()
            .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_string());
        if let Some(key) = key {
            req = req.header("authorization", signed(key, method, url));
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap())
    })
}

#[test]
fn a_huge_fault_count_is_refused_and_the_simulator_keeps_answering() {
    let sim = Sim::start(SimOptions::default(), None).unwrap();
    let faults = format!("{}/_sim/faults", base(&sim));
    let (status, body) = send(
        "POST",
        &faults,
        Some(sim.key()),
        "status=503&count=18446744073709551615",
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("count") && body.contains("1000"), "{body}");
    let (status, _) = send(
        "POST",
        &faults,
        Some(sim.key()),
        "status=503&retry_after=99999999999999999999",
    );
    assert_eq!(status, 400, "a retry_after that does not fit is refused");
    let (status, body) = send("GET", &format!("{}/api/2.0/version/", sim.url()), None, "");
    assert_eq!(status, 200, "{body}");
}

#[test]
fn control_endpoints_want_the_admin_key() {
    let sim = Sim::start(SimOptions::default(), None).unwrap();
    let base = base(&sim);
    let controls = [
        ("GET", format!("{base}/_sim/requests"), ""),
        ("GET", format!("{base}/_sim/users/admin"), ""),
        ("POST", format!("{base}/_sim/faults"), "status=503"),
        ("POST", format!("{base}/_sim/machines/nope"), "status=Ready"),
        ("GET", format!("{base}/_sim/bmcs"), ""),
        ("GET", format!("{base}/_sim/bmc_requests"), ""),
        (
            "POST",
            format!("{base}/_sim/bmc_faults"),
            r#"{"node": "x", "fault": null}"#,
        ),
    ];
    for (method, url, form) in &controls {
        let (status, body) = send(method, url, None, form);
        assert_eq!(status, 401, "{method} {url} unsigned: {body}");
        assert!(!body.contains(&sim.key().expose()), "{url} gave the key away");
    }
    // A user an admin added has a key of its own, but is no admin.
    let users = format!("{}/api/2.0/users/", sim.url());
    let form = "username=operator&email=o%40example.com&password=s3cret-pw&is_superuser=0";
    assert_eq!(send("POST", &users, Some(sim.key()), form).0, 200);
    let (status, key) = send("GET", &format!("{base}/_sim/users/operator"), Some(sim.key()), "");
    assert_eq!(status, 200, "{key}");
    let operator = ApiKey::parse(&key).unwrap();
    for (method, url, form) in &controls {
        let (status, body) = send(method, url, Some(&operator), form);
        assert_eq!(status, 403, "{method} {url} as a non-admin: {body}");
    }
    assert_eq!(send("GET", &controls[0].1, Some(sim.key()), "").0, 200);
}

#[test]
fn the_request_log_keeps_no_secrets() {
    let sim = Sim::start(SimOptions::default(), None).unwrap();
    let users = format!("{}/api/2.0/users/", sim.url());
    let form = "username=operator&email=o%40example.com&password=s3cret-pw&is_superuser=0";
    assert_eq!(send("POST", &users, Some(sim.key()), form).0, 200);
    let machines = format!("{}/api/2.0/machines/", sim.url());
    let form = "architecture=amd64%2Fgeneric&mac_addresses=52%3A54%3A00%3A00%3A00%3A01&power_type=ipmi\
                &power_parameters_power_address=10.0.0.9&power_parameters_power_pass=ipmi-s3cret\
                &power_parameters=%7B%22power_pass%22%3A%22json-s3cret%22%7D&my_api_key=key-s3cret";
    send("POST", &machines, Some(sim.key()), form);
    let (status, log) = send(
        "GET",
        &format!("{}/_sim/requests", base(&sim)),
        Some(sim.key()),
        "",
    );
    assert_eq!(status, 200);
    for secret in ["s3cret-pw", "ipmi-s3cret", "json-s3cret", "key-s3cret"] {
        assert!(!log.contains(secret), "{secret} is in the log: {log}");
    }
    assert!(log.contains("10.0.0.9"), "what is no secret stays: {log}");
    let in_process = format!("{:?}", sim.requests());
    assert!(!in_process.contains("s3cret"), "{in_process}");
}

#[test]
fn a_huge_form_field_is_not_kept_whole_in_the_log() {
    let sim = Sim::start(SimOptions::default(), None).unwrap();
    let fabrics = format!("{}/api/2.0/fabrics/", sim.url());
    let big = "d".repeat(1 << 20);
    send(
        "POST",
        &fabrics,
        Some(sim.key()),
        &format!("name=big&description={big}"),
    );
    let entry = sim.requests().pop().unwrap();
    let kept: usize = entry.params.iter().map(|(k, v)| k.len() + v.len()).sum();
    assert!(kept <= 4096, "the entry keeps {kept} bytes of its form");
}

/// Opens `n` connections that send nothing, or only part of a request's head.
fn idle_connections(addr: &str, n: usize) -> Vec<TcpStream> {
    (0..n)
        .map(|i| {
            let mut s = TcpStream::connect(addr).unwrap();
            if i % 2 == 1 {
                s.write_all(b"GET /MAAS/api/2.0/version/ HTTP/1.1\r\nHost: x\r\n")
                    .unwrap();
            }
            s
        })
        .collect()
}

#[test]
fn idle_and_slow_connections_are_closed_and_others_served() {
    let options = SimOptions {
        idle_timeout: Duration::from_secs(2),
        ..SimOptions::default()
    };
    let sim = Sim::start(options, None).unwrap();
    let addr = base(&sim).trim_start_matches("http://").to_string();
    // Well within the usual limit of 1,024 open files, the simulator's side included.
    let mut idle = idle_connections(&addr, 300);
    let started = Instant::now();
    let (status, _) = send("GET", &format!("{}/api/2.0/version/", sim.url()), None, "");
    assert_eq!(status, 200);
    assert!(started.elapsed() < Duration::from_secs(1), "answered at once");
    // A body that never comes is a slow connection too.
    let mut body = TcpStream::connect(&addr).unwrap();
    body.write_all(b"POST /MAAS/api/2.0/machines/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab")
        .unwrap();
    idle.push(body);
    // Every one is closed (end of file, perhaps after a 408, or a reset) well before this.
    let deadline = started + Duration::from_secs(8);
    let mut open = 0;
    for s in &mut idle {
        let mut buf = [0u8; 1024];
        let closed = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break false;
            }
            s.set_read_timeout(Some(left)).unwrap();
            match s.read(&mut buf) {
                Ok(0) => break true,
                Ok(_) => {}
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut =>
                {
                    break false;
                }
                Err(_) => break true,
            }
        };
        open += usize::from(!closed);
    }
    assert_eq!(
        open,
        0,
        "{open} of {} idle connections still open after {:?}",
        idle.len(),
        started.elapsed()
    );
    let (status, _) = send("GET", &format!("{}/api/2.0/version/", sim.url()), None, "");
    assert_eq!(status, 200);
}

#[test]
fn the_oauth_error_page_reflects_nothing() {
    let sim = Sim::start(SimOptions::default(), None).unwrap();
    let url = format!("{}/api/2.0/fabrics/", sim.url());
    let key = sim.key();
    let rt = runtime();
    let (ctype, body) = rt.block_on(async {
        let header = format!(
            "OAuth oauth_nonce=\"n1\", oauth_timestamp=\"{}\", oauth_version=\"1.0\", oauth_signature_method=\"PLAINTEXT\", oauth_consumer_key=\"{}\", oauth_token=\"%3Cscript%3Ealert(1)%3C%2Fscript%3E\", oauth_signature=\"%26x\"",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
            key.consumer_key()
        );
        let resp = reqwest::Client::new()
            .get(&url)
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 401);
        let ctype = resp.headers()["content-type"].to_str().unwrap().to_string();
        (ctype, resp.text().await.unwrap())
    });
    assert!(ctype.starts_with("text/html"), "{ctype}");
    assert!(!body.contains('<') && !body.contains('>'), "{body}");
    assert!(body.contains("&lt;script&gt;"), "{body}");
}

/// Sends `raw` on a fresh connection and reads the answer until the server closes it (or
/// two seconds pass): what came back.
fn raw_exchange(addr: &str, raw: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let _ = s.write_all(raw);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn a_redfish_bmc_takes_garbage_without_panicking_and_caps_bodies() {
    let panics = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let default_hook = std::panic::take_hook();
    std::panic::set_hook({
        let panics = panics.clone();
        Box::new(move |info| {
            panics.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            default_hook(info);
        })
    });
    let site = drydock::design::load(&[common::example_site()]).unwrap();
    let sim = Sim::start(SimOptions::default(), Some(&site)).unwrap();
    let bmc = sim
        .bmcs()
        .iter()
        .find(|b| b.endpoint.starts_with("http://"))
        .expect("the example site has Redfish BMCs")
        .endpoint
        .clone();
    let addr = bmc.trim_start_matches("http://").to_string();
    let sessions = "/redfish/v1/SessionService/Sessions";
    let big = format!(
        "POST {sessions} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
        1 << 20,
        "x".repeat(1 << 20)
    );
    let answer = raw_exchange(&addr, big.as_bytes());
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "{}",
        answer.lines().next().unwrap_or_default()
    );
    let junk: [&[u8]; 6] = [
        b"\x00\xff\xfe garbage\r\n\r\n",
        b"GET /redfish/v1/Systems/%ff%00/../.. HTTP/1.1\r\nHost: x\r\nAuthorization: Basic !!!\r\n\r\n",
        b"PATCH /redfish/v1/Systems/x HTTP/1.1\r\nHost: x\r\nX-Auth-Token: \r\nContent-Length: 4\r\n\r\n[[[[",
        b"POST /redfish/v1/SessionService/Sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 27\r\n\r\n{\"UserName\":1,\"Password\":[]}",
        b"BREW /redfish/v1/ HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /redfish/v1/ HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
    ];
    for raw in junk {
        let answer = raw_exchange(&addr, raw);
        assert!(!answer.starts_with("HTTP/1.1 5"), "{answer}");
    }
    drydock::maas::client::install_tls();
    let rt = runtime();
    let root = rt.block_on(reqwest::get(format!("{bmc}/redfish/v1/"))).unwrap();
    assert_eq!(root.status().as_u16(), 200, "the BMC still answers");
    assert_eq!(panics.load(std::sync::atomic::Ordering::SeqCst), 0);
}
