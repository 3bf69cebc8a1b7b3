//! `drydock sim`: serves a simulated MAAS region and a BMC per machine for a design until
//! interrupted, and says where each BMC is served.

use std::net::SocketAddr;
use std::time::Duration;

use super::{DesignArgs, Global, Outcome, output};
use crate::sim::{Sim, SimOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub design: DesignArgs,
    /// Address to serve on (loopback by default; port 0 picks a free one)
    #[arg(long, default_value = "127.0.0.1:5240", value_name = "ADDR:PORT")]
    pub listen: SocketAddr,
    /// Added latency per API request, in milliseconds
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency: u64,
    /// Added latency per Redfish request to a BMC, in milliseconds
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub bmc_latency: u64,
    /// Probability (0..1) that a request meets a fault: 503 with Retry-After, 500, a dropped
    /// connection, or extra latency
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    pub fault_rate: f64,
    /// How many times faster than a real region machines commission, deploy and release
    #[arg(long, default_value_t = 1.0, value_name = "X")]
    pub speed: f64,
    /// Serve a region without a rack controller: nothing can boot and BMCs are unreachable,
    /// as on a region whose rack is down
    #[arg(long)]
    pub no_rack: bool,
    /// Keep the region in FILE across restarts (created owner-readable: it holds API keys);
    /// a region saved there is served instead of a fresh one from the design
    #[arg(long, value_name = "FILE")]
    pub state: Option<std::path::PathBuf>,
    /// Start with the design's machines enlisted in MAAS (New, under their design names)
    /// rather than unknown to it until powered on from the network through their BMCs
    #[arg(long)]
    pub enlisted: bool,
    /// Write where each BMC is served (design address -> endpoint, a JSON object) to FILE,
    /// for `--bmc-map FILE`
    #[arg(long, value_name = "FILE")]
    pub bmc_map_out: Option<std::path::PathBuf>,
}

pub fn run(args: &Args, _global: &Global) -> anyhow::Result<Outcome> {
    if !(0.0..=1.0).contains(&args.fault_rate) {
        anyhow::bail!(
            "--fault-rate is a probability between 0 and 1, not {}",
            args.fault_rate
        );
    }
    if !(args.speed.is_finite() && args.speed > 0.0) {
        anyhow::bail!(
            "--speed is a positive factor (10 = ten times faster), not {}",
            args.speed
        );
    }
    let site = crate::design::load(&args.design.paths)?;
    let options = SimOptions {
        listen: args.listen,
        latency: Duration::from_millis(args.latency),
        bmc_latency: Duration::from_millis(args.bmc_latency),
        fault_rate: args.fault_rate,
        rack: !args.no_rack,
        speed: args.speed,
        state_file: args.state.clone(),
        enlisted: args.enlisted,
        ..SimOptions::default()
    };
    let sim = Sim::start(options, Some(&site)).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut banner = format!(
        "MAAS simulator serving {} machines at {}\nAPI key: {}\n",
        sim.machine_count(),
        sim.url(),
        sim.key().expose()
    );
    let unknown = sim.unknown_count();
    if unknown > 0 {
        banner.push_str(&format!(
            "{unknown} machines unknown to MAAS: powered on from the network (through their BMCs), they enlist\n"
        ));
    }
    for bmc in sim.bmcs() {
        banner.push_str(&format!(
            "BMC {} {} {} served at {}\n",
            bmc.node,
            bmc.protocol.as_str(),
            bmc.address,
            bmc.endpoint
        ));
    }
    match &args.bmc_map_out {
        Some(file) => {
            let map = serde_json::to_vec_pretty(&sim.bmc_map())?;
            std::fs::write(file, map)
                .map_err(|e| anyhow::anyhow!("cannot write the BMC map to {}: {e}", file.display()))?;
            banner.push_str(&format!(
                "BMC map written to {}: pass --bmc-map {} to drydock run or plan\n",
                file.display(),
                file.display()
            ));
        }
        None if !sim.bmcs().is_empty() => {
            banner.push_str("BMCs are not at their design addresses: write the map with --bmc-map-out FILE and pass --bmc-map FILE to drydock run or plan\n");
        }
        None => {}
    }
    output::emit(&banner)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(tokio::signal::ctrl_c())?;
    drop(sim);
    Ok(Outcome::Clean)
}
