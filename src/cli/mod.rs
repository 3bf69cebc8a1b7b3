//! Command line: the options, one file per subcommand, and the mapping of outcomes to
//! exit codes (0 ok, 1 findings, 2 bad input or failure).

mod confirm;
mod design_show;
mod oob;
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

use std::io::IsTerminal as _;

use clap::{CommandFactory as _, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "drydock",
    version,
    about = "Provision bare-metal sites from a declarative design, with Lua workflows",
    after_help = ENVIRONMENT
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

const ENVIRONMENT: &str = "Environment:
  DRYDOCK_MAAS_URL, DRYDOCK_MAAS_API_KEY   the MAAS to use and its key (consumer:token:secret)
  DRYDOCK_SITE_DIR, DRYDOCK_JOURNAL        as --site-dir and --journal
  DRYDOCK_LOG                              what to log, as a filter (e.g. drydock=debug); overrides -v/-q
  NO_COLOR                                 no colours in logs (they are off anyway when stderr is not a terminal)";

/// Options accepted before or after the subcommand name.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Site directory whose scripts/, stdlib/ and rules/ override the shipped ones
    #[arg(long, global = true, env = "DRYDOCK_SITE_DIR", value_name = "DIR")]
    pub site_dir: Option<PathBuf>,
    /// Output format: text or json (design show: yaml or json)
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
    /// How long a MAAS call keeps retrying an unreachable or busy MAAS before giving up
    #[arg(
        long,
        global = true,
        env = "DRYDOCK_MAAS_RETRY_DEADLINE",
        value_name = "SECONDS",
        default_value_t = 120
    )]
    pub maas_retry_deadline: u64,
    /// Log line format on stderr
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Log more: -v what drydock does, -vv its debugging detail
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Log errors only
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(flatten)]
    pub oob: oob::OobArgs,
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
    /// Confirm a manual (no-BMC) power or boot action a running task waits for
    Confirm(confirm::Args),
    /// List each action and stdlib module and where it resolves (site dir or shipped)
    Scripts,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print drydock's man page (roff), e.g. `drydock man > drydock.1`
    Man,
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
    /// Stopped by Ctrl-C (exit 130, as a shell reports a SIGINT).
    Interrupted,
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
        retry_deadline: Some(std::time::Duration::from_secs(global.maas_retry_deadline)),
    })
}

/// Whether a person can answer at this terminal (a manual node's confirmation).
fn attended() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Logs go to stderr: drydock's warnings by default, more with -v, errors only with -q;
/// `DRYDOCK_LOG` (an EnvFilter) overrides. Other crates log only warnings unless asked, so
/// `-vv` shows drydock's detail rather than its dependencies'.
fn init_logging(global: &Global) {
    let level = match (global.quiet, global.verbose) {
        (true, _) => "drydock=error",
        (false, 0) => "drydock=warn",
        (false, 1) => "drydock=info",
        (false, _) => "drydock=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("DRYDOCK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("warn,{level}")));
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    let _ = match global.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// An error as the terminal shows it. A script's own bug gets its traceback; a script that
/// raised a message without a position (`error(msg, 0)`) and a configuration problem are
/// talking to the user, so the message stands alone; other errors (MAAS, design, journal)
/// say which script line met them.
fn for_people(info: &crate::runtime::ErrorInfo) -> String {
    use crate::runtime::errors::ErrorKind;
    match (info.kind, &info.location, &info.traceback) {
        (ErrorKind::Usage | ErrorKind::Cancelled, _, _) => info.message.clone(),
        (ErrorKind::Script, Some(_), Some(tb)) => format!("{}\n{tb}", info.message),
        (ErrorKind::Script, _, _) => info.message.clone(),
        (_, Some(at), _) if !info.message.contains(at.as_str()) => format!("{}\n  at {at}", info.message),
        _ => info.message.clone(),
    }
}

/// Refuses a `--format` the command does not print.
fn check_format(global: &Global, command: &str, offered: &[Format]) -> anyhow::Result<()> {
    match global.format {
        Some(f) if !offered.contains(&f) => {
            let names: Vec<String> = offered
                .iter()
                .map(|f| {
                    f.to_possible_value()
                        .map(|v| v.get_name().to_string())
                        .unwrap_or_default()
                })
                .collect();
            anyhow::bail!(
                "{command} prints {}, not {}",
                names.join(" or "),
                f.to_possible_value()
                    .map(|v| v.get_name().to_string())
                    .unwrap_or_default()
            )
        }
        _ => Ok(()),
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.global);
    use Format::{Json, Text, Yaml};
    let g = &cli.global;
    let result = match &cli.command {
        Command::Validate(args) => {
            check_format(g, "validate", &[Text, Json]).and_then(|()| validate::run(args, g))
        }
        Command::Run(args) => check_format(g, "run", &[Text, Json]).and_then(|()| run::run(args, g)),
        Command::Resume(args) => check_format(g, "resume", &[Text, Json]).and_then(|()| resume::run(args, g)),
        Command::Tasks(cmd) => check_format(g, "tasks", &[Text, Json]).and_then(|()| tasks::run(cmd, g)),
        Command::Design(DesignCommand::Show(args)) => {
            check_format(g, "design show", &[Yaml, Json]).and_then(|()| design_show::run(args, g))
        }
        Command::Script(args) => check_format(g, "script", &[Text, Json]).and_then(|()| script::run(args, g)),
        Command::Plan(args) => check_format(g, "plan", &[Text, Json]).and_then(|()| plan::run(args, g)),
        Command::Repl(args) => check_format(g, "repl", &[Text]).and_then(|()| repl::run(args, g)),
        Command::Scripts => check_format(g, "scripts", &[Text, Json]).and_then(|()| scripts::run(g)),
        Command::Sim(args) => check_format(g, "sim", &[Text]).and_then(|()| sim::run(args, g)),
        Command::Confirm(args) => check_format(g, "confirm", &[Text]).and_then(|()| confirm::run(args, g)),
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut Cli::command(), "drydock", &mut std::io::stdout());
            Ok(Outcome::Clean)
        }
        Command::Man => clap_mangen::Man::new(Cli::command())
            .render(&mut std::io::stdout())
            .map(|()| Outcome::Clean)
            .map_err(Into::into),
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Ok(Outcome::Interrupted) => ExitCode::from(130),
        Err(e) => {
            use crate::runtime::ErrorInfo;
            use crate::runtime::errors::ErrorKind;
            // Errors the runtime did not describe (bad arguments, unreadable files) are
            // usage errors: described here, so --format json always gets a document.
            let info = match e.downcast_ref::<ErrorInfo>() {
                Some(info) => info.clone(),
                None => match e.downcast_ref::<crate::design::LoadError>() {
                    Some(load) => ErrorInfo::of_kind(ErrorKind::Design, load.to_string()),
                    None => ErrorInfo::of_kind(ErrorKind::Usage, format!("{e:#}")),
                },
            };
            if cli.global.format == Some(Format::Json) {
                let _ = output::emit_json(&serde_json::json!({ "error": info }));
            }
            eprintln!("drydock: error: {}", for_people(&info));
            ExitCode::from(2)
        }
    }
}
