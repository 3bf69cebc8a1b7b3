//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod crash;
pub mod ipmi_sim;
pub mod redfish_double;
pub mod sushy;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn example_site() -> PathBuf {
    repo().join("examples/site")
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name)
}

/// Every `*.yaml`/`*.yml` file under `dir`, subdirectories included, sorted.
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).expect("a readable directory") {
            let p = entry.expect("a directory entry").path();
            if p.is_dir() {
                dirs.push(p);
            } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A site written by `benches/gen_site.py` with `args` (`--nodes N`, ...) into a temporary
/// directory.
pub fn generated_site(args: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let python = std::env::var("DRYDOCK_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let generated = std::process::Command::new(python)
        .arg(repo().join("benches/gen_site.py"))
        .args(args)
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run benches/gen_site.py ({e}): install python3 (apt-get install python3)")
        });
    assert!(
        generated.status.success(),
        "gen_site.py {args:?}: {}",
        String::from_utf8_lossy(&generated.stderr)
    );
    dir
}

/// A journal file of its own for one command, under cargo's scratch directory for tests.
pub fn fresh_journal() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("journals");
    std::fs::create_dir_all(&dir).expect("journal dir");
    dir.join(format!("{}.redb", ulid::Ulid::new()))
}

/// The drydock binary with no inherited site dir, and a journal of its own.
/// Where a test's deployment takes boot action reports: a free loopback port.
pub fn report_url() -> String {
    drydock::runtime::bootaction_reports::free_loopback_url().expect("a free loopback port")
}

pub fn drydock() -> Command {
    let mut cmd = Command::cargo_bin("drydock").expect("drydock binary is built");
    cmd.env_remove("DRYDOCK_SITE_DIR")
        .env_remove("DRYDOCK_LOG")
        .env("DRYDOCK_JOURNAL", fresh_journal());
    cmd
}

/// Copies the example site into a temp dir, so a test can corrupt it.
pub fn copy_of_example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_design_files(&example_site(), dir.path());
    dir
}

/// Copies the design files of `from` (its regular files) into `to`. What a user's runs left
/// beside them, like the `.drydock/` journal directory, stays behind.
pub fn copy_design_files(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("design dir") {
        let p = entry.expect("dir entry").path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().expect("file name"))).expect("copy");
        }
    }
}

/// Replaces the first `from` in `file` (which must contain it) and returns the 1-based line.
pub fn edit(file: &Path, from: &str, to: &str) -> u32 {
    let text = std::fs::read_to_string(file).expect("read");
    let at = text
        .find(from)
        .unwrap_or_else(|| panic!("{} has no {from:?}", file.display()));
    let line = text[..at].matches('\n').count() as u32 + 1;
    std::fs::write(file, text.replacen(from, to, 1)).expect("write");
    line
}

pub fn stdout_json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A single-threaded async runtime for a test's MAAS calls, TLS provider installed.
pub fn runtime() -> tokio::runtime::Runtime {
    drydock::maas::client::install_tls();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// A small deterministic generator, so a failing run can be repeated from its seed.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

/// A seed for [`Lcg`] from the clock; tests print it with a failure so the run can be
/// repeated.
pub fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos() as u64
}
