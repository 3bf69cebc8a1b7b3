//! How `drydock script` takes the MAAS key from the environment (`tests/lua/maas/` holds the
//! scripts that drive the simulator).

mod common;

use common::*;
use predicates::prelude::*;

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
