//! `--sim`: a simulated MAAS started inside this process, so a command that talks to MAAS
//! (`repl`, and `run`/`plan`) can be tried on a design without a real region.

use std::path::PathBuf;

use anyhow::{Context as _, bail};

use crate::runtime::bindings::MaasDefaults;
use crate::sim::{Sim, SimOptions};

/// Starts a simulator whose machines are the nodes of the design at `paths` (files or
/// directories, as `-d` takes them) on a free loopback port, with the simulator's default
/// options (a rack controller, lifecycle at a real region's pace, state in memory only).
///
/// Returns the simulator and the MAAS defaults pointing at it (its URL and admin key), for
/// `Runtime::set_maas_defaults`, so `drydock.maas.connect()` reaches it. Keep the `Sim`
/// alive as long as the defaults are in use: dropping it stops the server.
pub fn start(paths: &[PathBuf]) -> anyhow::Result<(Sim, MaasDefaults)> {
    if paths.is_empty() {
        bail!(
            "--sim needs a design to take its machines from: give -d PATH (a design file or \
             directory, e.g. -d examples/site in a drydock checkout)"
        );
    }
    let site = crate::design::load(paths)?;
    let sim =
        Sim::start(SimOptions::default(), Some(&site)).context("cannot start the embedded MAAS simulator")?;
    let defaults = MaasDefaults {
        url: Some(sim.url().to_string()),
        api_key: Some(sim.key().clone()),
        read_only: false,
    };
    Ok((sim, defaults))
}
