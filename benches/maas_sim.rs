//! Client + simulator throughput on loopback: requests per second for `machines/` reads and
//! small POSTs at concurrency 1, 16 and 256; the simulator's memory across 100,000 requests
//! (bounded: the request log keeps the newest 10,000, nonces last 300 s); and its memory with
//! 10,000 machines (`cargo bench --bench maas_sim`; needs python3 for the site generator).

use std::time::{Duration, Instant};

use drydock::maas::{Client, ClientOptions};
use drydock::sim::{Sim, SimOptions};
use futures_util::StreamExt;

const REQUESTS: usize = 4000;

fn throughput(rt: &tokio::runtime::Runtime, client: &Client, concurrency: usize, post: bool) -> f64 {
    let started = Instant::now();
    rt.block_on(async {
        let calls = (0..REQUESTS).map(|i| {
            let c = client.clone();
            async move {
                if post {
                    c.post(
                        "fabrics/",
                        None,
                        &[("name".into(), format!("f{concurrency}-{i}"))],
                    )
                    .await
                } else {
                    c.get("machines/", None, &[]).await
                }
            }
        });
        let results: Vec<_> = futures_util::stream::iter(calls)
            .buffer_unordered(concurrency)
            .collect()
            .await;
        assert!(results.iter().all(Result::is_ok), "every request succeeds");
    });
    REQUESTS as f64 / started.elapsed().as_secs_f64()
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// A `drydock sim` process on the example site, its URL and API key.
fn spawn_sim(root: &str) -> (std::process::Child, String, drydock::maas::ApiKey) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_drydock"))
        .args(["sim", "--listen", "127.0.0.1:0", "-d"])
        .arg(format!("{root}/examples/site"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("drydock sim");
    let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let (mut banner, mut key) = (String::new(), String::new());
    std::io::BufRead::read_line(&mut out, &mut banner).expect("banner");
    std::io::BufRead::read_line(&mut out, &mut key).expect("key line");
    let url = banner.trim().rsplit(' ').next().expect("url").to_string();
    let key = drydock::maas::ApiKey::parse(key.trim().trim_start_matches("API key: ")).expect("key");
    (child, url, key)
}

/// RSS of a `drydock sim` process before and after 100,000 requests (each with a 1 KiB
/// parameter; 7 in 10 signed, the rest refused with 401), at 32 at a time.
fn memory_across_requests(rt: &tokio::runtime::Runtime, root: &str) {
    const TOTAL: usize = 100_000;
    drydock::maas::client::install_tls();
    let (mut child, url, key) = spawn_sim(root);
    let http = reqwest::Client::new();
    let pad = "p".repeat(1024);
    let send = |i: usize| {
        let http = http.clone();
        let signed = i % 10 < 7;
        let url = if signed {
            format!("{url}/api/2.0/users/?op=whoami&pad={pad}")
        } else {
            format!("{url}/api/2.0/fabrics/?pad={pad}")
        };
        let auth = signed.then(|| drydock::maas::auth::authorization(&key, "GET", &url, None));
        async move {
            let mut req = http.get(&url);
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            let status = req.send().await.expect("answer").status().as_u16();
            assert_eq!(status, if signed { 200 } else { 401 });
        }
    };
    std::thread::sleep(Duration::from_millis(200));
    let before = rss_kib(child.id());
    let started = Instant::now();
    let mut marks = Vec::new();
    for chunk in 0..10 {
        rt.block_on(
            futures_util::stream::iter((chunk * TOTAL / 10..(chunk + 1) * TOTAL / 10).map(&send))
                .buffer_unordered(32)
                .collect::<Vec<()>>(),
        );
        marks.push(rss_kib(child.id()));
    }
    let took = started.elapsed();
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "sim RSS across {TOTAL} requests ({:.1} s): {:.1} MiB before, then every 10,000: {} MiB",
        took.as_secs_f64(),
        mib(before),
        marks
            .iter()
            .map(|k| format!("{:.1}", mib(*k)))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let _ = child.kill();
    let _ = child.wait();
}

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let site = drydock::design::load(&[format!("{root}/examples/site").into()]).expect("example site");
    let sim = Sim::start(
        SimOptions {
            enlisted: true,
            ..SimOptions::default()
        },
        Some(&site),
    )
    .expect("sim");
    let client = Client::new(sim.url(), sim.key().clone(), ClientOptions::default()).expect("client");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "{REQUESTS} requests each, one client (one thread), simulator on 2 threads, example site (9 machines)"
    );
    println!(
        "{:>12} {:>22} {:>22}",
        "concurrency", "GET machines/ req/s", "POST fabrics/ req/s"
    );
    for concurrency in [1, 16, 256] {
        let get = throughput(&rt, &client, concurrency, false);
        let post = throughput(&rt, &client, concurrency, true);
        println!("{concurrency:>12} {get:>22.0} {post:>22.0}");
    }
    drop(sim);
    memory_across_requests(&rt, root);

    // Memory with 10,000 machines: the real `drydock sim` process on a generated site.
    let dir = tempfile::tempdir().expect("temp dir");
    let generated = std::process::Command::new("python3")
        .args([
            &format!("{root}/benches/gen_site.py"),
            "--nodes",
            "10000",
            "--out",
        ])
        .arg(dir.path())
        .status();
    if !matches!(generated, Ok(s) if s.success()) {
        println!("memory: skipped (python3 benches/gen_site.py failed)");
        return;
    }
    let bin = format!("{root}/target/release/drydock");
    let Ok(mut child) = std::process::Command::new(&bin)
        .args(["sim", "--listen", "127.0.0.1:0", "-d"])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
    else {
        println!("memory: skipped ({bin} not built: cargo build --release)");
        return;
    };
    let started = Instant::now();
    let mut line = String::new();
    let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    std::io::BufRead::read_line(&mut out, &mut line).expect("banner");
    let ready = started.elapsed();
    std::thread::sleep(Duration::from_millis(200));
    println!(
        "sim with 10,000 machines: ready in {:.2} s, RSS {:.1} MiB ({})",
        ready.as_secs_f64(),
        rss_kib(child.id()) as f64 / 1024.0,
        line.trim()
    );
    let _ = child.kill();
    let _ = child.wait();
}
