//! Every typed call against the simulator: `tests/fixtures/lua/maas_typed.lua` walks a
//! region, its networks and a machine's whole life through `drydock.maas`, and the
//! simulator's request log then shows each typed call made and answered with success. A call
//! added to the client without being exercised there fails this test.

mod common;

use common::*;
use drydock::maas::calls::{self, Call};
use drydock::sim::{LoggedRequest, Sim, SimOptions};

/// Whether a logged request is `call`: same method, op and path shape.
fn is_call(call: &Call, logged: &LoggedRequest) -> bool {
    logged
        .path
        .strip_prefix("/MAAS/api/2.0/")
        .is_some_and(|path| call.is(&logged.method, path, logged.op.as_deref()))
}

#[test]
fn every_typed_call_succeeds_against_the_simulator() {
    let site = drydock::design::load(&[fixture("base.yaml")]).unwrap();
    // Fast enough that commissioning and deploying take milliseconds.
    let options = SimOptions {
        speed: 5000.0,
        enlisted: true,
        ..SimOptions::default()
    };
    let sim = Sim::start(options, Some(&site)).unwrap();
    drydock()
        .env("DRYDOCK_MAAS_URL", sim.url())
        .env("DRYDOCK_MAAS_API_KEY", sim.key().expose())
        .arg("script")
        .arg(repo().join("tests/fixtures/lua/maas_typed.lua"))
        .assert()
        .code(0)
        .stdout(predicates::str::contains("\"machines\": 2"));

    let log = sim.requests();
    let failed: Vec<&LoggedRequest> = log.iter().filter(|r| !(200..300).contains(&r.status)).collect();
    assert!(
        failed.is_empty(),
        "requests the script made that failed: {failed:#?}"
    );
    let untried: Vec<String> = calls::all()
        .filter(|call| !log.iter().any(|r| is_call(call, r)))
        .map(|call| format!("{} ({})", call.name, call.describe()))
        .collect();
    assert!(
        untried.is_empty(),
        "typed calls tests/fixtures/lua/maas_typed.lua never made: {}",
        untried.join(", ")
    );
}
