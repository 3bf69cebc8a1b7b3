//! No input makes ingestion, resolution, validation or rendering panic: random text, and
//! valid sites mutated at random (characters, lines, and values swapped for tricky ones). And
//! inputs built to take gigabytes (alias bombs by size, many routes, FIFOs and devices) run
//! through the binary under a memory and a time limit.

use drydock::design::{ingest, resolve, rules};
use proptest::prelude::*;

const BASE: &str = include_str!("fixtures/base.yaml");
const INHERITANCE: &str = include_str!("fixtures/inheritance.yaml");

/// Values that stress types, inheritance markers, sizes and YAML features.
const TRICKY: &[&str] = &[
    "~",
    "[]",
    "{}",
    "-1",
    "'!'",
    "!",
    "0x10",
    "yes",
    "1e999",
    ".inf",
    "'%'",
    "-5%",
    "150%",
    ">",
    "'>10%'",
    "99999999999999999999",
    "''",
    "\"\\u0000\"",
    "*a",
    "&a x",
    "[a, [b, {c: d}]]",
    "{a: [1, 2]}",
    "|\n  text",
    "10.0.0.300",
    "10.0.0.0/33",
    "::1/128",
    "fe80::/10",
    "1G",
    "0",
    "'0'",
    "null",
    "-",
    "'dhcp'",
    "!!str 5",
    "!!int x",
    "2001-01-01",
    "\"a\\tb\"",
    "'!storage'",
    "'hardwareprofile:cpuset.nope'",
    "'hardwareprofile:hugepages.dpdk'",
    "'hardwareprofile:hugepages.dpdk.count'",
];

fn exercise(text: &str) {
    let Ok(ingested) = ingest::ingest_text("fuzz.yaml", text) else {
        return;
    };
    let site = resolve::resolve(ingested.documents, ingested.issues);
    let messages = rules::validate(&site, &Default::default(), None);
    assert!(
        messages.len() >= rules::ALL.len(),
        "every rule reports at least once"
    );
    for m in &messages {
        assert!(!m.message.is_empty());
    }
    let _ = site.to_json(None);
}

#[derive(Debug, Clone)]
enum Mutation {
    DeleteRange(usize, usize),
    Insert(usize, String),
    DuplicateLine(usize),
    DropLine(usize),
    Indent(usize, bool),
    ReplaceValue(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(a, n)| Mutation::DeleteRange(a, n)),
        (any::<usize>(), "[ -~\n]{1,8}").prop_map(|(a, s)| Mutation::Insert(a, s)),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        any::<usize>().prop_map(Mutation::DropLine),
        (any::<usize>(), any::<bool>()).prop_map(|(a, b)| Mutation::Indent(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::ReplaceValue(a, b)),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let n = lines.len().max(1);
    let at_char = |a: usize| {
        let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        boundaries.get(a % boundaries.len().max(1)).copied().unwrap_or(0)
    };
    match m {
        Mutation::DeleteRange(a, len) => {
            let start = at_char(*a);
            let end = text[start..]
                .char_indices()
                .nth(*len)
                .map_or(text.len(), |(i, _)| start + i);
            return format!("{}{}", &text[..start], &text[end..]);
        }
        Mutation::Insert(a, s) => {
            let at = at_char(*a);
            return format!("{}{s}{}", &text[..at], &text[at..]);
        }
        Mutation::DuplicateLine(a) => {
            let l = lines[a % n].clone();
            lines.insert(a % n, l);
        }
        Mutation::DropLine(a) => {
            lines.remove(a % n);
        }
        Mutation::Indent(a, more) => {
            let l = &mut lines[a % n];
            if *more {
                l.insert_str(0, "  ");
            } else if l.starts_with("  ") {
                l.drain(..2);
            }
        }
        Mutation::ReplaceValue(a, b) => {
            let candidates: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].contains(": ")).collect();
            if let Some(&i) = candidates.get(a % candidates.len().max(1)) {
                let (key, _) = lines[i].split_once(": ").unwrap_or_default();
                lines[i] = format!("{key}: {}", TRICKY[b % TRICKY.len()]);
            }
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,400}") {
        exercise(&text);
    }

    #[test]
    fn yaml_shaped_noise_never_panics(text in "([a-z!&*%@|>'\"\\[\\]{},#~-]{0,6}(: |:\n  |\n- |\n---\n| ){0,1}){0,60}") {
        exercise(&text);
    }

    #[test]
    fn mutated_sites_never_panic(base in prop_oneof![Just(BASE), Just(INHERITANCE)], muts in proptest::collection::vec(mutation(), 1..6)) {
        let mut text = base.to_string();
        for m in &muts {
            text = apply(&text, m);
        }
        exercise(&text);
    }
}

#[test]
fn deeply_nested_input_is_refused_not_overflowed() {
    let deep = "[".repeat(100_000);
    assert!(ingest::ingest_text("deep.yaml", &deep).is_err());
    let deep_map = (0..2000)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect::<String>();
    let _ = ingest::ingest_text("deep.yaml", &deep_map);
}

#[test]
fn alias_bombs_stay_bounded() {
    // Each level refers to the previous one ten times: a billion nodes if expanded naively.
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let started = std::time::Instant::now();
    let err = ingest::ingest_text("bomb.yaml", &text).expect_err("expansion is refused");
    assert!(err.to_string().contains("aliases expand to more than"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

// ---- inputs that would take gigabytes, run as a user would under a memory limit ------------

/// The address space the child may use. A small site validates in well under a quarter of
/// it; the inputs below took 2.4 to 23 GB before they were bounded.
const MEMORY_LIMIT: u64 = 1 << 30;
/// The wall-clock time one child may take (a debug build on a busy machine).
const TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Runs `drydock validate -d PATH` as a child under [`MEMORY_LIMIT`] (`RLIMIT_AS`, set
/// between fork and exec) and [`TIME_LIMIT`]; asserts it ended on its own with 0, 1 or 2
/// (not killed, not out of memory) and returns the code and its stderr.
fn validate_bounded(path: &std::path::Path) -> (i32, String) {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let stderr_path = dir.path().join("stderr");
    let stderr = std::fs::File::create(&stderr_path).expect("stderr file");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_drydock"));
    cmd.args(["validate", "--format", "json", "-d"])
        .arg(path)
        .env_remove("DRYDOCK_SITE_DIR")
        .env_remove("DRYDOCK_LOG")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(stderr);
    // SAFETY: setrlimit is async-signal-safe and the closure allocates nothing.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: MEMORY_LIMIT,
                rlim_max: MEMORY_LIMIT,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let started = std::time::Instant::now();
    let mut child = cmd.spawn().expect("drydock starts");
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for drydock") {
            break status;
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{}: drydock took more than {TIME_LIMIT:?}", path.display());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let err = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    let shown: String = err.chars().take(2000).collect();
    let code = status.code().unwrap_or_else(|| {
        panic!(
            "{}: drydock was killed ({status}) under a {} MiB limit: {shown}",
            path.display(),
            MEMORY_LIMIT >> 20
        )
    });
    assert!(
        matches!(code, 0..=2),
        "{}: exit {code} under a {} MiB limit: {shown}",
        path.display(),
        MEMORY_LIMIT >> 20
    );
    assert!(!err.contains("panicked"), "{}: {shown}", path.display());
    (code, err)
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a design file");
    path
}

#[test]
fn alias_bombs_by_size_stay_within_memory() {
    let dir = tempfile::tempdir().expect("temp dir");
    // 300 KB aliasing one 100 KB string 50,000 times in a document's keys: 5 GB expanded.
    let mut one = format!(
        "schema: 'drydock/Region/v1'\nmetadata: {{name: bomb}}\ndata:\n  authorized_keys:\n    - &big {}\n",
        "x".repeat(100_000)
    );
    one.push_str(&"    - *big\n".repeat(50_000));
    // The same spread over documents, each under the limit alone.
    let mut many = String::new();
    for _ in 0..200 {
        many.push_str(&format!("---\nbig: &big {}\nuses:\n", "y".repeat(20_000)));
        many.push_str(&"- *big\n".repeat(1_000));
    }
    // Nodes rather than bytes: ten levels of ten references each.
    let mut laughs = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        laughs.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    // An anchored document body (a whole node) reused inside a real design.
    let node_bomb = format!(
        "{BASE}\n---\nschema: 'drydock/Region/v1'\nmetadata: {{name: bomb}}\ndata:\n  tag_definitions: &t\n{}  authorized_keys: [{}]\n",
        "    - {tag: a, definition_type: lshw_xpath, definition: 'x'}\n".repeat(1_000),
        vec!["*t"; 20_000].join(", ")
    );
    for (name, text) in [
        ("one.yaml", one),
        ("many.yaml", many),
        ("laughs.yaml", laughs),
        ("node.yaml", node_bomb),
    ] {
        let (code, err) = validate_bounded(&write(dir.path(), name, &text));
        assert_eq!(code, 2, "{name}: {err}");
        assert!(
            err.contains(name) && err.contains("aliases expand to more than"),
            "{name}: {err}"
        );
    }
}

#[test]
fn many_routes_stay_within_memory() {
    let dir = tempfile::tempdir().expect("temp dir");
    const ROUTE: &str = "routes: [{subnet: 0.0.0.0/0, gateway: 10.23.1.1, metric: 10}]";
    // 10,001 routes without a gateway on one network (about 300 KB).
    let routes: Vec<String> = (0..10_001)
        .map(|i| format!("{{subnet: 10.{}.{}.0/24, metric: 10}}", i / 256, i % 256))
        .collect();
    let no_gateways = BASE.replacen(ROUTE, &format!("routes: [{}]", routes.join(", ")), 1);
    // 3,000 networks in one route domain, each with a gateway outside its CIDR: 9 million
    // routes and messages if expanded and checked in full.
    let mut domain = BASE.to_string();
    for i in 0..3_000 {
        domain.push_str(&format!(
            "---\nschema: 'drydock/Network/v1'\nmetadata: {{name: rd{i}}}\ndata: {{cidr: 10.{}.{}.0/24, routedomain: stor, routes: [{{routedomain: stor, gateway: 10.99.0.1, metric: 10}}]}}\n",
            100 + i / 256,
            i % 256
        ));
    }
    // 1,000 links allowing the same networks: half a million pairs.
    let mut links = BASE.to_string();
    for i in 0..1_000 {
        links.push_str(&format!(
            "---\nschema: 'drydock/NetworkLink/v1'\nmetadata: {{name: l{i}}}\ndata: {{allowed_networks: [mgmt, storage, pxe, oob]}}\n"
        ));
    }
    for (name, text) in [
        ("routes.yaml", no_gateways),
        ("domain.yaml", domain),
        ("links.yaml", links),
    ] {
        let (code, err) = validate_bounded(&write(dir.path(), name, &text));
        assert_eq!(code, 1, "{name}: errors are found, and reported: {err}");
    }
}

#[test]
fn non_regular_files_are_refused_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let site = dir.path().join("site");
    std::fs::create_dir(&site).expect("site dir");
    write(&site, "base.yaml", BASE);
    let fifo = site.join("fifo.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let (code, err) = validate_bounded(&site);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("fifo.yaml") && err.contains("FIFO"), "{err}");
    // Given directly, a FIFO is not opened in a way that waits for a writer.
    assert_eq!(validate_bounded(&fifo).0, 2);
    std::fs::remove_file(&fifo).expect("remove the FIFO");

    std::os::unix::fs::symlink(dir.path().join("gone.yaml"), site.join("link.yaml")).expect("symlink");
    let (code, err) = validate_bounded(&site);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("link.yaml") && err.contains("dangling symlink"),
        "{err}"
    );
    std::fs::remove_file(site.join("link.yaml")).expect("remove the link");

    let socket = site.join("socket.yml");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).expect("socket");
    let (code, err) = validate_bounded(&site);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("socket.yml") && err.contains("socket"), "{err}");

    // Endless and huge input is refused before it is read.
    let (code, err) = validate_bounded(std::path::Path::new("/dev/zero"));
    assert_eq!(code, 2, "{err}");
    let big = dir.path().join("big.yaml");
    std::fs::File::create(&big)
        .and_then(|f| f.set_len(ingest::MAX_FILE_BYTES + 1))
        .expect("sparse file");
    let (code, err) = validate_bounded(&big);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("MiB"), "{err}");
}
