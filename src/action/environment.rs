//! What a script runs in: a Lua runtime with the site directory's overrides, connected to a
//! MAAS — the configured one, or a simulator started in this process on the design
//! (`--sim`). Shared by actions, scripts and the REPL.

use std::path::PathBuf;

use crate::design::Site;
use crate::runtime::bindings::MaasDefaults;
use crate::runtime::errors::ErrorKind;
use crate::runtime::{ErrorInfo, Runtime};
use crate::sim::{Sim, SimOptions};

/// Which MAAS `drydock.maas.connect()` reaches.
#[derive(Clone)]
pub enum Connection {
    /// The configured one (`--maas-url`, `--maas-api-key-file`, the environment), if any.
    Configured(MaasDefaults),
    /// A simulator started in this process, whose machines are the design's nodes: unknown
    /// to MAAS until they enlist, or already `enlisted`; its lifecycle `speed` times a real
    /// region's.
    /// `fault_rate`: the share of MAAS requests the simulator fails (5xx, dropped).
    Simulator {
        enlisted: bool,
        speed: f64,
        fault_rate: f64,
    },
}

pub struct Environment {
    pub runtime: Runtime,
    /// Where `drydock.maas.connect()` goes, for people (`None`: no MAAS configured).
    pub maas_url: Option<String>,
    /// Kept alive as long as the runtime: dropping it stops the server.
    sim: Option<Sim>,
}

impl Environment {
    /// A runtime for `site_dir`, connected as `connection` says. `read_only` makes every
    /// MAAS client refuse to write, whatever a script does (a plan).
    pub fn new(
        site_dir: Option<PathBuf>,
        connection: Connection,
        site: Option<&Site>,
        read_only: bool,
    ) -> Result<Environment, ErrorInfo> {
        let runtime = Runtime::new(site_dir)?;
        let (defaults, sim) = match connection {
            Connection::Configured(defaults) => (defaults, None),
            Connection::Simulator {
                enlisted,
                speed,
                fault_rate,
            } => {
                let site = site.ok_or_else(|| {
                    ErrorInfo::of_kind(
                        ErrorKind::Usage,
                        "--sim needs a design to take its machines from: give -d PATH (a design file or \
                         directory, e.g. -d examples/site in a drydock checkout)",
                    )
                })?;
                let (sim, defaults) = start_simulator(site, enlisted, speed, fault_rate)?;
                (defaults, Some(sim))
            }
        };
        let maas_url = defaults.url.clone();
        runtime.set_maas_defaults(MaasDefaults {
            read_only,
            ..defaults
        });
        Ok(Environment {
            runtime,
            maas_url,
            sim,
        })
    }

    /// Adds where the simulator serves its BMCs to `map`: a BMC keeps its design address, the
    /// map says where to reach it. An address the map already has is left as given.
    pub fn add_bmc_map(&self, map: &mut crate::oob::BmcMap) {
        if let Some(sim) = &self.sim {
            for (address, endpoint) in sim.bmc_map().0 {
                map.0.entry(address).or_insert(endpoint);
            }
        }
    }

    /// Whether MAAS is the simulator started for this environment.
    pub fn simulated(&self) -> bool {
        self.sim.is_some()
    }
}

/// Starts a simulator whose machines are the nodes of `site` on a free loopback port, with
/// the simulator's default options (a rack controller, lifecycle at a real region's pace,
/// state in memory only), and the MAAS defaults pointing at it (its URL and admin key).
fn start_simulator(
    site: &Site,
    enlisted: bool,
    speed: f64,
    fault_rate: f64,
) -> Result<(Sim, MaasDefaults), ErrorInfo> {
    let options = SimOptions {
        enlisted,
        speed,
        fault_rate,
        ..SimOptions::default()
    };
    let sim = Sim::start(options, Some(site))
        .map_err(|e| ErrorInfo::new(format!("cannot start the embedded MAAS simulator: {e}")))?;
    let defaults = MaasDefaults {
        url: Some(sim.url().to_string()),
        api_key: Some(sim.key().clone()),
        read_only: false,
        retry_deadline: None,
    };
    Ok((sim, defaults))
}
