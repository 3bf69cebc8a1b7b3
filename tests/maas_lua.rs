//! `drydock.maas` from a script, against an in-process simulator of the base site.

mod common;

use common::*;
use drydock::sim::{Sim, SimOptions};
use predicates::prelude::*;

#[test]
fn scripts_drive_maas_through_the_binding() {
    let site = drydock::design::load(&[fixture("base.yaml")]).unwrap();
    let sim = Sim::start(SimOptions::default(), Some(&site)).unwrap();
    drydock()
        .env("DRYDOCK_MAAS_URL", sim.url())
        .env("DRYDOCK_MAAS_API_KEY", sim.key().expose())
        .arg("script")
        .arg(repo().join("tests/lua/maas/client.lua"))
        .assert()
        .code(0)
        // fabric-0, the fabric MAAS discovered under the rack's PXE NIC, and the one created.
        .stdout(predicate::str::contains("\"fabrics\": 3"));
}

#[test]
fn a_malformed_key_in_the_environment_is_refused_without_echoing_it() {
    drydock()
        .env("DRYDOCK_MAAS_API_KEY", "abc:def")
        .arg("script")
        .arg(repo().join("tests/lua/phases.lua"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "DRYDOCK_MAAS_API_KEY: the MAAS API key must be three fields",
        ))
        .stderr(predicate::str::contains("abc:def").not());
}
