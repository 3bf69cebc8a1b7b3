//! The options that say how BMCs are reached, shared by every command that runs Lua
//! (`run`, `plan`, `resume`, `script`, `repl`): global options, under their own heading.

use std::path::PathBuf;
use std::time::Duration;

use crate::oob::{BmcMap, Limits, ManualSettings, OobSettings, PowerWait, TlsMode};

#[derive(Debug, clap::Args)]
#[command(next_help_heading = "BMC options")]
pub struct OobArgs {
    /// Where BMCs are served when not at their design address: a JSON object of design
    /// address -> endpoint, as `drydock sim` writes it (--sim passes its own)
    #[arg(long, global = true, value_name = "FILE")]
    pub bmc_map: Option<PathBuf>,
    /// How often a power transition is checked [default: 10; with --sim, 10 / --sim-speed]
    #[arg(long, global = true, value_name = "SECONDS")]
    pub oob_poll_interval: Option<f64>,
    /// How long a power transition may take before the node fails
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 180.0)]
    pub oob_power_timeout: f64,
    /// BMC exchanges in flight at once, over all BMCs
    #[arg(long, global = true, value_name = "N", default_value_t = 64)]
    pub oob_concurrency: usize,
    /// BMC exchanges in flight at once on one BMC
    #[arg(long, global = true, value_name = "N", default_value_t = 1)]
    pub oob_per_bmc: usize,
    /// Check Redfish BMCs' certificates against this CA file (PEM) instead of the system's
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "oob_insecure")]
    pub oob_ca_file: Option<PathBuf>,
    /// Do not check Redfish BMCs' certificates (a node can say so with oob.tls_verify: false)
    #[arg(long, global = true)]
    pub oob_insecure: bool,
    /// IPMI cipher suite: 3 (HMAC-SHA1, AES-128) or 17 (HMAC-SHA256, AES-128); a node can
    /// say its own with oob.cipher_suite
    #[arg(long, global = true, value_name = "SUITE", default_value_t = 3, value_parser = cipher_suite)]
    pub ipmi_cipher_suite: u8,
    /// Close an IPMI session unused this long (BMCs drop idle sessions after their
    /// inactivity timeout, 60 s by default); the next request opens a new one
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30.0)]
    pub ipmi_session_idle: f64,
    /// How long a manual (no-BMC) node waits for the operator's confirmation (default: an
    /// hour at a terminal; otherwise it fails at once)
    #[arg(long, global = true, value_name = "SECONDS")]
    pub manual_timeout: Option<f64>,
}

fn cipher_suite(text: &str) -> Result<u8, String> {
    match text.parse::<u8>() {
        Ok(s) if crate::oob::CIPHER_SUITES.contains(&s) => Ok(s),
        Ok(0) => Err("suite 0 authenticates nobody (any password is accepted); use 3 or 17".into()),
        _ => Err(format!("{text:?} is not a suite drydock speaks; use 3 or 17")),
    }
}

fn seconds(flag: &str, value: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| anyhow::anyhow!("{flag} {value}: give a number of seconds, 0 or more"))
}

impl OobArgs {
    /// The run's OOB settings; `interactive` when a person can answer at this terminal.
    pub fn settings(&self, interactive: bool) -> anyhow::Result<OobSettings> {
        let bmc_map = match &self.bmc_map {
            None => BmcMap::default(),
            Some(file) => {
                let text = std::fs::read_to_string(file)
                    .map_err(|e| anyhow::anyhow!("--bmc-map {}: {e}", file.display()))?;
                serde_json::from_str(&text).map_err(|e| {
                    anyhow::anyhow!(
                        "--bmc-map {}: not a JSON object of design address -> endpoint: {e}",
                        file.display()
                    )
                })?
            }
        };
        let tls = match (&self.oob_ca_file, self.oob_insecure) {
            (Some(ca), _) => TlsMode::CaFile(ca.clone()),
            (None, true) => TlsMode::Insecure,
            (None, false) => TlsMode::Verify,
        };
        Ok(OobSettings {
            wait: PowerWait {
                interval: seconds("--oob-poll-interval", self.oob_poll_interval.unwrap_or(10.0))?,
                timeout: seconds("--oob-power-timeout", self.oob_power_timeout)?,
            },
            limits: Limits::new(self.oob_concurrency, self.oob_per_bmc),
            tls,
            cipher_suite: self.ipmi_cipher_suite,
            ipmi_idle: seconds("--ipmi-session-idle", self.ipmi_session_idle)?,
            bmc_map,
            manual: ManualSettings {
                interactive,
                timeout: self
                    .manual_timeout
                    .map(|s| seconds("--manual-timeout", s))
                    .transpose()?,
                ..ManualSettings::default()
            },
            ..OobSettings::default()
        })
    }
}
