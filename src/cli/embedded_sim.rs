//! `--sim`: a simulated MAAS started inside this process, so a command that talks to MAAS
//! (`repl`, and `run`/`plan`) can be tried on a design without a real region.

use anyhow::Context as _;

use crate::design::Site;

use crate::runtime::bindings::MaasDefaults;
use crate::sim::{Sim, SimOptions};

/// Starts a simulator whose machines are the nodes of `site` on a free loopback port, with
/// the simulator's default options (a rack controller, lifecycle at a real region's pace,
/// state in memory only).
///
/// Returns the simulator and the MAAS defaults pointing at it (its URL and admin key), for
/// `Runtime::set_maas_defaults`, so `drydock.maas.connect()` reaches it. Keep the `Sim`
/// alive as long as the defaults are in use: dropping it stops the server.
pub fn start(site: &Site) -> anyhow::Result<(Sim, MaasDefaults)> {
    let sim =
        Sim::start(SimOptions::default(), Some(site)).context("cannot start the embedded MAAS simulator")?;
    let defaults = MaasDefaults {
        url: Some(sim.url().to_string()),
        api_key: Some(sim.key().clone()),
        read_only: false,
    };
    Ok((sim, defaults))
}
