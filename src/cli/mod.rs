//! Command line: the options, one file per subcommand, and the mapping of outcomes to
//! exit codes (0 ok, 1 findings, 2 bad input or failure).

mod design_show;
mod output;
mod plan;
mod repl;
mod resume;
mod run;
mod script;
mod scripts;
mod sim;
mod tasks;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "drydock",
    version,
    about = "Provision bare-metal sites from a declarative design, with Lua workflows"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted before or after the subcommand name.
#[derive(Debug, clap::Args)]
pub struct Global {
    /// Site directory whose scripts/, stdlib/ and rules/ override the shipped ones
    #[arg(long, global = true, env = "DRYDOCK_SITE_DIR", value_name = "DIR")]
    pub site_dir: Option<PathBuf>,
    /// Output format (validate, run: text|json; design show: json|yaml)
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,
    /// The task journal (default: .drydock/journal.redb beside the first design path, or in
    /// the working directory)
    #[arg(long, global = true, env = "DRYDOCK_JOURNAL", value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// MAAS API URL for scripts' drydock.maas.connect() (e.g. http://maas:5240/MAAS)
    #[arg(long, global = true, env = "DRYDOCK_MAAS_URL", value_name = "URL")]
    pub maas_url: Option<String>,
    /// File holding the MAAS API key (consumer:token:secret); or set DRYDOCK_MAAS_API_KEY
    #[arg(long, global = true, value_name = "FILE")]
    pub maas_api_key_file: Option<PathBuf>,
    /// Log line format on stderr
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Yaml,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a site design with every rule (and the site's own rules)
    Validate(validate::Args),
    /// Run an action (`drydock scripts` lists them) as a Lua workflow, as a new journaled task
    Run(run::Args),
    /// Re-run an unfinished task; steps that succeeded are not run again
    Resume(resume::Args),
    /// The journal's tasks and their steps
    #[command(subcommand)]
    Tasks(tasks::Command),
    /// Inspect the effective design
    #[command(subcommand)]
    Design(DesignCommand),
    /// Run a Lua file with the full drydock API
    Script(script::Args),
    /// What an action would change in MAAS (create, update field: live -> design, delete),
    /// changing nothing; exit 1 when something would change
    Plan(plan::Args),
    /// Interactive Lua with the drydock API, `maas` connected (--sim: to a simulator)
    Repl(repl::Args),
    /// Serve a simulated MAAS region with the design's machines
    Sim(sim::Args),
    /// List each action and stdlib module and where it resolves (site dir or shipped)
    Scripts,
}

#[derive(Debug, Subcommand)]
pub enum DesignCommand {
    /// Print the effective design (after inheritance)
    Show(design_show::Args),
}

/// The design files or directories every design-reading command takes.
#[derive(Debug, clap::Args)]
pub struct DesignArgs {
    /// Design file or directory (every *.yaml/*.yml in it, sorted); repeatable
    #[arg(short = 'd', long = "design", value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
}

/// What a command found: decides the exit code.
pub enum Outcome {
    Clean,
    Findings,
}

/// The MAAS connection scripts get by default. The key comes from a file or the
/// environment, never from the command line (where `ps` would show it).
pub fn maas_defaults(global: &Global) -> anyhow::Result<crate::runtime::bindings::MaasDefaults> {
    use crate::maas::ApiKey;
    let key = match (&global.maas_api_key_file, std::env::var("DRYDOCK_MAAS_API_KEY")) {
        (Some(file), _) => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| anyhow::anyhow!("--maas-api-key-file {}: {e}", file.display()))?;
            Some(
                ApiKey::parse(&text)
                    .map_err(|e| anyhow::anyhow!("--maas-api-key-file {}: {e}", file.display()))?,
            )
        }
        (None, Ok(text)) => {
            Some(ApiKey::parse(&text).map_err(|e| anyhow::anyhow!("DRYDOCK_MAAS_API_KEY: {e}"))?)
        }
        (None, Err(_)) => None,
    };
    Ok(crate::runtime::bindings::MaasDefaults {
        url: global.maas_url.clone(),
        api_key: key,
        read_only: false,
    })
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("DRYDOCK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("drydock=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.global.log_format);
    let result = match &cli.command {
        Command::Validate(args) => validate::run(args, &cli.global),
        Command::Run(args) => run::run(args, &cli.global),
        Command::Resume(args) => resume::run(args, &cli.global),
        Command::Tasks(cmd) => tasks::run(cmd, &cli.global),
        Command::Design(DesignCommand::Show(args)) => design_show::run(args, &cli.global),
        Command::Script(args) => script::run(args, &cli.global),
        Command::Plan(args) => plan::run(args, &cli.global),
        Command::Repl(args) => repl::run(args, &cli.global),
        Command::Scripts => scripts::run(&cli.global),
        Command::Sim(args) => sim::run(args, &cli.global),
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(e) => {
            match e.downcast_ref::<crate::runtime::ErrorInfo>() {
                Some(info) => {
                    // With --format json, the error is a JSON document too.
                    if cli.global.format == Some(Format::Json) {
                        let _ = output::emit_json(&serde_json::json!({ "error": info }));
                    }
                    // A script that raised a message without a position (`error(msg, 0)`)
                    // is talking to the user: its traceback would only be noise.
                    match (&info.location, &info.traceback) {
                        (Some(_), Some(tb)) => eprintln!("drydock: error: {}\n{tb}", info.message),
                        _ => eprintln!("drydock: error: {}", info.message),
                    }
                }
                None => eprintln!("drydock: error: {e:#}"),
            }
            ExitCode::from(2)
        }
    }
}
