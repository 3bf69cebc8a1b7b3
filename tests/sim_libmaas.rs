//! python-libmaas (an independent MAAS client, from PyPI) logs in to the simulator with its
//! key and reads machines, fabrics, VLANs, subnets, and a machine's interfaces and block devices,
//! writes and reads back settings, an SSH key, a tag and a domain; a wrong key is refused. `.ci/run` installs it in a venv and sets DRYDOCK_TEST_PYTHON.

mod common;

use std::process::Command;

use common::*;
use drydock::sim::{Sim, SimOptions};

fn python() -> String {
    let python = std::env::var("DRYDOCK_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&python)
        .args(["-c", "import maas.client"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "python-libmaas is not installed for {python}: run `python3 -m venv target/ci-venv && target/ci-venv/bin/pip install python-libmaas` and set DRYDOCK_TEST_PYTHON=target/ci-venv/bin/python (.ci/run does this)"
    );
    python
}

/// Runs `tests/python/SCRIPT URL KEY ARGS...` against `sim`; its stdout, once it succeeded.
fn run_script(python: &str, script: &str, sim: &Sim, args: &[&str]) -> String {
    let out = Command::new(python)
        .arg(repo().join("tests/python").join(script))
        .arg(sim.url())
        .arg(sim.key().expose())
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn python_libmaas_reads_the_simulated_region() {
    let python = python();
    let site = drydock::design::load(&[fixture("base.yaml")]).unwrap();
    let sim = Sim::start(
        SimOptions {
            enlisted: true,
            ..SimOptions::default()
        },
        Some(&site),
    )
    .unwrap();
    let stdout = run_script(&python, "libmaas_check.py", &sim, &[]);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "version 3.4.10",
            "machines cmp01,ctl01",
            // fabric-1 holds the PXE subnet MAAS discovered under the rack's NIC there.
            "fabrics fabric-0,fabric-1",
            "vlans 0,0",
            "subnets 10.0.0.0/24,10.23.0.0/24",
            "interfaces nic_pxe,nic_a,nic_b",
            "block_devices bootdisk",
            "config ['8.8.8.8', '8.8.4.4'] False 30 auto",
            "ssh_keys 1",
            "tags compute",
            "domains cluster.example.com,maas",
            "wrong_key refused True",
        ]
    );
}

#[test]
fn python_libmaas_sees_the_domain_kept_and_the_commissioning_details() {
    let python = python();
    let site = drydock::design::load(&[fixture("base.yaml")]).unwrap();
    let options = SimOptions {
        speed: 10_000.0,
        enlisted: true,
        ..SimOptions::default()
    };
    let sim = Sim::start(options, Some(&site)).unwrap();
    let stdout = run_script(
        &python,
        "libmaas_details.py",
        &sim,
        &["cmp01", "site.example.com"],
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "before {'lshw': None, 'lldp': None}",
            "domain site.example.com cmp01.site.example.com",
            "lshw True True True",
            "lldp True True",
        ]
    );
}
