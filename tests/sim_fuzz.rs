//! A fuzz test of the simulator's HTTP surface: requests with random methods, paths,
//! parameters, headers, bodies (URL-encoded, multipart, raw bytes, sometimes malformed
//! HTTP) and OAuth headers (valid, mutated, absent), to the API and to the `/_sim/`
//! controls. No request may panic the simulator or get a 5xx, except the faults the fuzzer
//! itself planted and the 5xx a real region gives (listed in `MAAS_5XX`); afterwards the
//! simulator still answers. Bounded to `REQUESTS` requests and `TIME` of wall time; the seed
//! is printed on failure (`DRYDOCK_FUZZ_SEED=N` replays it).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use drydock::sim::{Sim, SimOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const REQUESTS: usize = 2000;
const TIME: Duration = Duration::from_secs(30);

/// The 5xx answers a real MAAS region gives too, by the start of their bodies: a
/// non-integer OAuth timestamp (golden 211), a BMC no rack controller reaches, a subnet
/// with no free address left.
const MAAS_5XX: &[(u16, &str)] = &[
    (500, "invalid literal for int() with base 10: "),
    (503, "No rack controllers can access the BMC of node "),
    (503, "No more IPs available in subnet: "),
];

/// What a fault planted through `/_sim/faults` answers.
const PLANTED_5XX: &[&str] = &[
    "Simulated fault ",
    "Unable to connect to any rack controller; no connections available.",
];

const RESOURCES: &[&str] = &[
    "machines",
    "nodes",
    "fabrics",
    "vlans",
    "subnets",
    "ipranges",
    "static-routes",
    "spaces",
    "domains",
    "tags",
    "users",
    "maas",
    "account",
    "prefs",
    "sshkeys",
    "package-repositories",
    "boot-resources",
    "boot-sources",
    "selections",
    "rackcontrollers",
    "regioncontrollers",
    "events",
    "version",
    "describe",
    "interfaces",
    "blockdevices",
    "partitions",
    "partition",
    "volume-groups",
    "volume-group",
    "logical-volumes",
    "commissioning-results",
    "op-list",
    "op-allocate",
    "requests",
    "faults",
    "admin",
    "operator",
    "..",
    ".",
    "%00",
    "%2F",
];

const OPS: &[&str] = &[
    "allocate",
    "deploy",
    "release",
    "commission",
    "abort",
    "mark_broken",
    "mark_fixed",
    "power_on",
    "power_off",
    "query_power_state",
    "power_parameters",
    "set_config",
    "get_config",
    "link_subnet",
    "unlink_subnet",
    "create_vlan",
    "create_bond",
    "create_physical",
    "set_storage_layout",
    "format",
    "unformat",
    "mount",
    "unmount",
    "set_boot_disk",
    "create_logical_volume",
    "is_registered",
    "reserved_ip_ranges",
    "unreserved_ip_ranges",
    "statistics",
    "ip_addresses",
    "update_nodes",
    "nodes",
    "machines",
    "whoami",
    "list_authorisation_tokens",
    "query",
    "list_allocated",
    "is_importing",
    "import",
    "describe_power_types",
    "list_boot_images",
    "set_workload_annotations",
    "set_owner_data",
    "details",
    "get_curtin_config",
    "nonsense",
];

const PARAMS: &[&str] = &[
    "name",
    "description",
    "vid",
    "cidr",
    "fabric",
    "vlan",
    "subnet",
    "space",
    "start_ip",
    "end_ip",
    "type",
    "gateway_ip",
    "source",
    "destination",
    "gateway",
    "metric",
    "count",
    "status",
    "retry_after",
    "kind",
    "mode",
    "ip_address",
    "size",
    "limit",
    "before",
    "after",
    "level",
    "mac_addresses",
    "mac_address",
    "architecture",
    "power_type",
    "hostname",
    "id",
    "system_id",
    "tags",
    "tag",
    "add",
    "remove",
    "key",
    "url",
    "value",
    "username",
    "password",
    "email",
    "is_superuser",
    "parents",
    "parent",
    "bond_mode",
    "mtu",
    "block_device",
    "block_devices",
    "partitions",
    "fstype",
    "mount_point",
    "storage_layout",
    "distro_series",
    "comment",
    "dhcp_on",
    "primary_rack",
    "power_parameters_power_address",
    "power_parameters_power_pass",
    "power_parameters",
    "dns_servers",
    "distributions",
    "components",
    "arches",
    "os",
    "release",
    "boot_source",
    "default_gateway",
    "force",
    "user_data",
    "op",
    "oauth_signature",
];

fn pick<'a>(rng: &mut StdRng, from: &[&'a str]) -> &'a str {
    from[rng.gen_range(0..from.len())]
}

/// A random text value: numbers at the edges, addresses, names, markup, Unicode, JSON, long
/// runs, control bytes.
fn value(rng: &mut StdRng, system_ids: &[String]) -> String {
    match rng.gen_range(0..16) {
        0 => rng.gen_range(-5i64..10_000).to_string(),
        1 => pick(
            rng,
            &[
                "0",
                "-1",
                "18446744073709551615",
                "18446744073709551616",
                "-9223372036854775809",
                "1e308",
                "NaN",
                "inf",
                "4294967296",
                "65536",
                "99999999999999999999999999",
            ],
        )
        .into(),
        2 => format!(
            "10.{}.{}.{}",
            rng.gen_range(0..300),
            rng.gen_range(0..256),
            rng.gen_range(0..300)
        ),
        3 => format!(
            "{}.{}.0.0/{}",
            rng.gen_range(0..256),
            rng.gen_range(0..256),
            rng.gen_range(0..40)
        ),
        4 => pick(
            rng,
            &[
                "true", "false", "on", "", " ", "None", "null", "ipmi", "manual", "dynamic", "reserved",
            ],
        )
        .into(),
        5 => system_ids[rng.gen_range(0..system_ids.len())].clone(),
        6 => "<script>alert(1)</script>".into(),
        7 => "ü€𝄞\u{202e}\u{0}".into(),
        8 => r#"{"power_address": "10.0.0.1", "power_pass": "x", "a": [1, {"b": null}]}"#.into(),
        9 => "x".repeat(rng.gen_range(0..20_000)),
        10 => (0..rng.gen_range(0..40)).map(|_| rng.r#gen::<char>()).collect(),
        11 => pick(
            rng,
            &[
                "amd64/generic",
                "amd64/ga-22.04",
                "jammy",
                "ubuntu",
                "Ready",
                "Deployed",
                "New",
                "Broken",
            ],
        )
        .into(),
        12 => format!(
            "52:54:00:{:02x}:{:02x}:{:02x}",
            rng.r#gen::<u8>(),
            rng.r#gen::<u8>(),
            rng.r#gen::<u8>()
        ),
        13 => pick(
            rng,
            &["drop", "bogus", "503", "500", "200", "99", "600", "1000", "1001"],
        )
        .into(),
        14 => format!("{}", rng.gen_range(0..10)),
        _ => format!("fuzz-{}", rng.gen_range(0..50)),
    }
}

fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn form(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encoded(k), percent_encoded(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn path(rng: &mut StdRng, system_ids: &[String]) -> String {
    let prefix = pick(
        rng,
        &[
            "/MAAS/api/2.0/",
            "/MAAS/api/2.0/",
            "/MAAS/api/2.0/",
            "/MAAS/api/2.0/",
            "/MAAS/api/2.0/",
            "/MAAS/api/2.0/",
            "/_sim/",
            "/MAAS/api/1.0/",
            "/",
            "/MAAS/",
        ],
    );
    let mut p = prefix.to_string();
    if prefix == "/_sim/" && rng.gen_bool(0.8) {
        // The control routes as they are spelled, so that most calls reach them.
        let target = match rng.gen_range(0..4) {
            0 => "faults".to_string(),
            1 => "requests".to_string(),
            2 => format!("machines/{}", system_ids[rng.gen_range(0..system_ids.len())]),
            _ => format!("users/{}", pick(rng, &["admin", "operator", "nobody", "%3Cb%3E"])),
        };
        return p + &target;
    }
    if prefix == "/MAAS/api/2.0/" && rng.gen_bool(0.8) {
        // The shapes the API routes, with ids that exist often enough to reach handlers.
        let sid = system_ids[rng.gen_range(0..system_ids.len())].clone();
        let id = rng.gen_range(0..12).to_string();
        let shape = match rng.gen_range(0..12) {
            0 => format!("machines/{sid}/"),
            1 => format!("nodes/{sid}/interfaces/"),
            2 => format!("nodes/{sid}/interfaces/{id}/"),
            3 => format!("nodes/{sid}/blockdevices/"),
            4 => format!("nodes/{sid}/blockdevices/{id}/"),
            5 => format!("nodes/{sid}/blockdevices/{id}/partitions/"),
            6 => format!("nodes/{sid}/volume-groups/"),
            7 => format!("fabrics/{id}/vlans/"),
            8 => format!("fabrics/{id}/vlans/{}/", rng.gen_range(0..5)),
            9 => format!("boot-sources/{}/selections/", rng.gen_range(0..3)),
            10 => format!(
                "{}/{id}/",
                pick(
                    rng,
                    &[
                        "fabrics",
                        "vlans",
                        "subnets",
                        "ipranges",
                        "static-routes",
                        "spaces",
                        "domains",
                        "tags",
                        "sshkeys",
                        "package-repositories",
                        "boot-resources",
                        "rackcontrollers"
                    ]
                )
            ),
            _ => format!(
                "{}/",
                pick(
                    rng,
                    &[
                        "machines",
                        "fabrics",
                        "subnets",
                        "ipranges",
                        "static-routes",
                        "spaces",
                        "domains",
                        "tags",
                        "users",
                        "maas",
                        "account/prefs/sshkeys",
                        "package-repositories",
                        "boot-resources",
                        "boot-sources",
                        "rackcontrollers",
                        "regioncontrollers",
                        "events",
                        "version",
                        "describe"
                    ]
                )
            ),
        };
        return p + &shape;
    }
    for _ in 0..rng.gen_range(0..5) {
        let segment = match rng.gen_range(0..4) {
            0 => system_ids[rng.gen_range(0..system_ids.len())].clone(),
            1 => rng.gen_range(-1i64..20).to_string(),
            2 => percent_encoded(&value(rng, system_ids))
                .chars()
                .take(300)
                .collect(),
            _ => pick(rng, RESOURCES).to_string(),
        };
        p.push_str(&segment);
        if rng.gen_bool(0.8) {
            p.push('/');
        }
    }
    p
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// An `Authorization` header: the admin's signature, one mutated, another scheme, or none.
fn authorization(rng: &mut StdRng, sim: &Sim, url: &str) -> Option<String> {
    let good = drydock::maas::auth::authorization(sim.key(), "GET", url, None);
    match rng.gen_range(0..10) {
        0..=4 => Some(good),
        5 => None,
        6 => Some(
            pick(
                rng,
                &[
                    "OAuth",
                    "OAuth garbage",
                    "Bearer abc",
                    "OAuth ,,,=,=\"",
                    "oauth x=y",
                    "",
                ],
            )
            .into(),
        ),
        7 => {
            let ts = pick(
                rng,
                &[
                    "-5",
                    "notanumber",
                    "99999999999999999999999999",
                    "",
                    "1_700_000_000",
                    " 12 ",
                ],
            );
            let start = good.find("oauth_timestamp=\"").unwrap() + "oauth_timestamp=\"".len();
            let end = start + good[start..].find('"').unwrap();
            Some(format!("{}{ts}{}", &good[..start], &good[end..]))
        }
        8 => Some(format!(
            "{good}, oauth_signature=\"%26{}\"",
            value(rng, &["x".into()]).chars().take(50).collect::<String>()
        )),
        _ => {
            // A field dropped or its value replaced.
            let mut fields: Vec<String> = good
                .trim_start_matches("OAuth ")
                .split(", ")
                .map(str::to_string)
                .collect();
            let i = rng.gen_range(0..fields.len());
            if rng.gen_bool(0.5) {
                fields.remove(i);
            } else {
                let name = fields[i].split('=').next().unwrap().to_string();
                let v: String = percent_encoded(&value(rng, &["x".into()]))
                    .chars()
                    .take(200)
                    .collect();
                fields[i] = format!("{name}=\"{v}\"");
            }
            Some(format!("OAuth {}", fields.join(", ")))
        }
    }
}

struct Answer {
    status: u16,
    body: String,
}

/// Sends `raw` on a connection of its own and reads the answer to the end.
fn exchange(addr: &str, raw: &[u8]) -> Result<Answer, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    // The server may answer (413, 400) and close before taking the whole request.
    let _ = s.write_all(raw);
    let mut got = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                return Err("no answer within 10 s".into());
            }
            // A reset after the answer (a dropped connection, or one closed unread).
            Err(_) => break,
        }
    }
    let text = String::from_utf8_lossy(&got);
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|t| t.get(..3))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| {
            format!(
                "no status line in {:?}",
                text.chars().take(200).collect::<String>()
            )
        })?;
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b).to_string();
    Ok(Answer { status, body })
}

/// One random request, as bytes on the wire.
struct Sent {
    raw: Vec<u8>,
    /// Method and target, for failures.
    described: String,
    /// A HEAD request: its answer has no body to tell a 5xx by.
    head: bool,
    /// Its `oauth_timestamp` is no integer, which a real region answers with a 500.
    bad_timestamp: bool,
    /// The status of the faults it plants, if it goes to `/_sim/faults`.
    plants: Option<u16>,
}

/// Whether Python's `int()` reads `text` (the sign, digits and `_` it takes).
fn python_int(text: &str) -> bool {
    let t = text.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    digits
        .split('_')
        .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
}

fn request(rng: &mut StdRng, sim: &Sim, addr: &str, system_ids: &[String]) -> Sent {
    let method = match rng.gen_range(0..20) {
        0..=7 => "GET",
        8..=13 => "POST",
        14..=15 => "PUT",
        16..=17 => "DELETE",
        18 => pick(rng, &["PATCH", "HEAD", "OPTIONS", "TRACE"]),
        _ => pick(rng, &["FOO", "G%T", "get", "CONNECT"]),
    };
    let path = path(rng, system_ids);
    let mut query = Vec::new();
    if rng.gen_bool(0.5) {
        query.push(("op".to_string(), pick(rng, OPS).to_string()));
    }
    let mut params = Vec::new();
    for _ in 0..rng.gen_range(0..8) {
        params.push((pick(rng, PARAMS).to_string(), value(rng, system_ids)));
    }
    let plants = path
        .ends_with("/_sim/faults")
        .then(|| {
            params
                .iter()
                .find(|(k, _)| k == "status")
                .and_then(|(_, v)| v.parse().ok())
        })
        .flatten();
    if rng.gen_bool(0.3) {
        query.append(&mut params);
    }
    let target = if query.is_empty() {
        path.clone()
    } else {
        format!("{path}?{}", form(&query))
    };
    let url = format!("http://{addr}{target}");
    let (content_type, body): (Option<String>, Vec<u8>) = match rng.gen_range(0..10) {
        0..=5 => (
            Some("application/x-www-form-urlencoded".into()),
            form(&params).into_bytes(),
        ),
        6..=7 => {
            let boundary = "fuzzb0undary";
            let mut b = String::new();
            for (k, v) in &params {
                if rng.gen_bool(0.3) {
                    let encoded = base64_encode(v.as_bytes());
                    b.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n"));
                } else {
                    b.push_str(&format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                    ));
                }
            }
            if rng.gen_bool(0.8) {
                b.push_str(&format!("--{boundary}--\r\n"));
            }
            (
                Some(format!("multipart/form-data; boundary={boundary}")),
                b.into_bytes(),
            )
        }
        8 => (
            Some(
                pick(
                    rng,
                    &[
                        "application/json",
                        "text/plain",
                        "multipart/form-data",
                        "multipart/form-data; boundary=",
                    ],
                )
                .into(),
            ),
            (0..rng.gen_range(0..4000)).map(|_| rng.r#gen::<u8>()).collect(),
        ),
        _ => (None, Vec::new()),
    };
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    let auth = authorization(rng, sim, &url);
    let bad_timestamp = auth.as_deref().is_some_and(|a| {
        a.split(',')
            .filter_map(|pair| pair.trim().split_once('='))
            .any(|(k, v)| k.trim() == "oauth_timestamp" && !python_int(v.trim().trim_matches('"')))
    });
    if let Some(auth) = auth {
        head.push_str(&format!("Authorization: {auth}\r\n"));
    }
    if let Some(ct) = content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    for _ in 0..rng.gen_range(0..3) {
        let name = pick(
            rng,
            &[
                "X-Fuzz",
                "Accept",
                "Cookie",
                "Transfer-Encoding",
                "Expect",
                "Range",
            ],
        );
        let v: String = value(rng, system_ids)
            .chars()
            .filter(|c| c.is_ascii_graphic() || *c == ' ')
            .take(200)
            .collect();
        head.push_str(&format!("{name}: {v}\r\n"));
    }
    match rng.gen_range(0..30) {
        // A length that lies (shorter than the body: the rest reads as a next request).
        0 => head.push_str(&format!("Content-Length: {}\r\n", body.len() / 2)),
        1 => head.push_str("Content-Length: nonsense\r\n"),
        2 => head.push_str("Bad Header Line\r\n"),
        _ => head.push_str(&format!("Content-Length: {}\r\n", body.len())),
    }
    head.push_str("\r\n");
    let described = format!("{method} {}", target.chars().take(300).collect::<String>());
    let mut raw = head.into_bytes();
    raw.extend_from_slice(&body);
    Sent {
        raw,
        described,
        head: method == "HEAD",
        bad_timestamp,
        plants,
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn random_requests_get_no_5xx_and_no_panic() {
    let seed = std::env::var("DRYDOCK_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| now() ^ u64::from(std::process::id()));
    let panics = Arc::new(AtomicUsize::new(0));
    let default_hook = std::panic::take_hook();
    std::panic::set_hook({
        let panics = panics.clone();
        Box::new(move |info| {
            panics.fetch_add(1, Ordering::SeqCst);
            default_hook(info);
        })
    });
    let site = drydock::design::load(&[common_example()]).unwrap();
    let sim = Sim::start(
        SimOptions {
            enlisted: true,
            ..SimOptions::default()
        },
        Some(&site),
    )
    .unwrap();
    let addr = sim
        .url()
        .trim_start_matches("http://")
        .trim_end_matches("/MAAS")
        .to_string();
    let system_ids: Vec<String> = {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        drydock::maas::client::install_tls();
        let client = drydock::maas::Client::new(sim.url(), sim.key().clone(), Default::default()).unwrap();
        let machines = rt.block_on(client.get("machines/", None, &[])).unwrap();
        machines
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["system_id"].as_str().unwrap().to_string())
            .collect()
    };
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut sent = 0;
    let mut statuses = std::collections::BTreeMap::new();
    // Every status the fuzzer asked `/_sim/faults` to plant.
    let mut planted_statuses = std::collections::BTreeSet::new();
    while sent < REQUESTS && started.elapsed() < TIME && failures.len() < 10 {
        let req = request(&mut rng, &sim, &addr, &system_ids);
        let described = &req.described;
        sent += 1;
        planted_statuses.extend(req.plants);
        match exchange(&addr, &req.raw) {
            Ok(answer) => {
                *statuses.entry(answer.status).or_insert(0) += 1;
                let faithful = MAAS_5XX
                    .iter()
                    .any(|(status, start)| answer.status == *status && answer.body.starts_with(start));
                let planted = PLANTED_5XX.iter().any(|start| answer.body.starts_with(start));
                // A HEAD answer has no body: its 5xx passes when one of those could explain it.
                let head_explained = req.head
                    && ((answer.status == 500 && req.bad_timestamp)
                        || answer.status == 503
                        || planted_statuses.contains(&answer.status));
                if answer.status >= 500 && !faithful && !planted && !head_explained {
                    failures.push(format!(
                        "{described}: {} {:?}",
                        answer.status,
                        answer.body.chars().take(300).collect::<String>()
                    ));
                }
            }
            Err(e) => failures.push(format!("{described}: {e}")),
        }
    }
    let elapsed = started.elapsed();
    let version = exchange(
        &addr,
        format!("GET /MAAS/api/2.0/version/ HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    );
    let still = match version {
        Ok(a) if a.status == 200 => None,
        other => Some(other.map(|a| a.status)),
    };
    assert!(
        failures.is_empty() && still.is_none() && panics.load(Ordering::SeqCst) == 0,
        "seed {seed} (DRYDOCK_FUZZ_SEED={seed} replays it): {} request(s) in {elapsed:?}, {} panic(s), answers afterwards: {still:?}\n{}",
        sent,
        panics.load(Ordering::SeqCst),
        failures.join("\n")
    );
    assert!(sent >= 200, "seed {seed}: only {sent} requests in {elapsed:?}");
    println!("seed {seed}: {sent} requests in {elapsed:?}, statuses {statuses:?}");
}

fn common_example() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/site")
}
