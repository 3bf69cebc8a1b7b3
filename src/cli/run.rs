//! `drydock run ACTION`: runs an action (site override first) on the design, as a new
//! journaled task, and prints what it returned.

use std::io::IsTerminal as _;

use super::{DesignArgs, Format, Global, Outcome, output};
use crate::action::{self, Connection, Mode, Prepared, Request, ResultKind};
use crate::journal::{Label, Selection, Work};
use crate::runtime::errors::ErrorKind;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The action (`drydock scripts` lists them; Drydock's CamelCase names work too)
    pub action: String,
    #[command(flatten)]
    pub design: DesignArgs,
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Run only this validation rule (repeatable; for actions that take rules)
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Act on the design without validating it first (recorded in the task)
    #[arg(long)]
    pub skip_validation: bool,
    #[command(flatten)]
    pub pace: PaceArgs,
    /// Shipyard's deployment strategy (a shipyard/DeploymentStrategy/v1 document): the
    /// groups deploy_site deploys one at a time (default: every node in one group)
    #[arg(long, value_name = "FILE")]
    pub strategy: Option<std::path::PathBuf>,
    /// Where signaling boot actions report, an address of this host the nodes reach
    /// (http://ADDRESS:PORT/api/v1.0/bootactions/): drydock listens there while it deploys.
    /// With --sim, a free loopback port
    #[arg(long, value_name = "URL")]
    pub report_url: Option<String>,
}

/// A simulated site started in this process instead of a MAAS.
#[derive(Debug, Default, clap::Args)]
pub struct SimArgs {
    /// Run against a simulated MAAS and BMCs started in this process on the design
    #[arg(long)]
    pub sim: bool,
    /// How much faster than a real site the simulated machines power on, commission and
    /// deploy (1: a real site's pace); drydock's waits between checks shrink as much
    #[arg(long, value_name = "X", default_value_t = 100.0, requires = "sim")]
    pub sim_speed: f64,
    /// With --sim: the design's machines start enlisted in MAAS rather than unknown to it
    #[arg(long, requires = "sim")]
    pub enlisted: bool,
    /// With --sim: the share of MAAS requests the simulator fails (5xx answers, dropped
    /// connections), to rehearse a flaky region
    #[arg(long, value_name = "P", default_value_t = 0.0, requires = "sim")]
    pub sim_fault_rate: f64,
}

/// How fast an action on nodes goes (for actions that take these options).
#[derive(Debug, Default, clap::Args)]
pub struct PaceArgs {
    /// Nodes worked on at once
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub concurrency: Option<u32>,
    /// At most this many nodes of one rack worked on at once (a hard cap, as --concurrency
    /// is overall; BMC exchanges have their own: --oob-per-bmc, --oob-concurrency)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub per_rack: Option<u32>,
    /// Seconds between checks of a node's MAAS status while waiting for it
    #[arg(long, value_name = "SECONDS")]
    pub poll_interval: Option<f64>,
}

/// The nodes an action on nodes acts on; any node a flag names is selected (Drydock's CLI).
#[derive(Debug, clap::Args)]
pub struct SelectionArgs {
    /// This node (repeatable)
    #[arg(long = "node", value_name = "NAME")]
    pub nodes: Vec<String>,
    /// The nodes of this rack (repeatable)
    #[arg(long = "rack", value_name = "NAME")]
    pub racks: Vec<String>,
    /// The nodes with this tag (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// The nodes whose owner_data has KEY=VALUE (repeatable)
    #[arg(long = "label", value_name = "KEY=VALUE", value_parser = parse_label)]
    pub labels: Vec<Label>,
    /// Only the nodes this Drydock node filter selects, as JSON:
    /// {"filter_set_type": "union", "filter_set": [{"filter_type": "union", "node_names": [...]}]}
    #[arg(long = "node-filter", value_name = "JSON")]
    pub filter: Option<String>,
}

fn parse_label(text: &str) -> Result<Label, String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok(Label {
            key: key.to_string(),
            value: value.to_string(),
        }),
        _ => Err(format!(
            "{text:?} is not KEY=VALUE (an owner_data label, e.g. role=compute)"
        )),
    }
}

impl SelectionArgs {
    pub fn selection(&self) -> anyhow::Result<Selection> {
        Ok(Selection {
            nodes: self.nodes.clone(),
            racks: self.racks.clone(),
            tags: self.tags.clone(),
            labels: self.labels.clone(),
            filter: self.filter.as_deref().map(action::parse_filter).transpose()?,
        })
    }
}

/// `ctx.options` from the command line: only what was given, so an action is refused an
/// option it does not take only when the option is used.
pub fn options(rules: &[String], pace: &PaceArgs) -> anyhow::Result<serde_json::Value> {
    let mut options = serde_json::Map::new();
    if !rules.is_empty() {
        options.insert("rules".into(), serde_json::json!(rules));
    }
    if let Some(k) = pace.concurrency {
        options.insert("concurrency".into(), k.into());
    }
    if let Some(n) = pace.per_rack {
        options.insert("per_rack".into(), n.into());
    }
    if let Some(s) = pace.poll_interval {
        anyhow::ensure!(
            s.is_finite() && s > 0.0,
            "--poll-interval {s}: give a number of seconds above 0"
        );
        options.insert("poll_interval".into(), s.into());
    }
    Ok(serde_json::Value::Object(options))
}

/// Power transitions on a simulated site land `--sim-speed` times sooner: they are checked as
/// much more often, unless `--oob-poll-interval` says otherwise.
fn sim_paced(mut oob: crate::oob::OobSettings, sim: &SimArgs, global: &Global) -> crate::oob::OobSettings {
    if sim.sim && global.oob.oob_poll_interval.is_none() && sim.sim_speed.is_finite() && sim.sim_speed > 0.0 {
        oob.wait.interval = std::time::Duration::from_secs_f64(10.0 / sim.sim_speed);
    }
    oob
}

/// `ctx.options.strategy`: the strategy file's absolute path, so a resumed task finds it from
/// any directory.
fn with_strategy(
    mut options: serde_json::Value,
    strategy: Option<&std::path::Path>,
) -> anyhow::Result<serde_json::Value> {
    if let (Some(path), serde_json::Value::Object(map)) = (strategy, &mut options) {
        let absolute =
            std::fs::canonicalize(path).map_err(|e| anyhow::anyhow!("--strategy {}: {e}", path.display()))?;
        map.insert("strategy".into(), absolute.display().to_string().into());
    }
    Ok(options)
}

/// `ctx.options.report_url`, when given.
fn with_report_url(mut options: serde_json::Value, url: Option<&str>) -> serde_json::Value {
    if let (Some(url), serde_json::Value::Object(map)) = (url, &mut options) {
        map.insert("report_url".into(), url.into());
    }
    options
}

pub fn connection(sim: &SimArgs, global: &Global) -> anyhow::Result<Connection> {
    Ok(if sim.sim {
        anyhow::ensure!(
            sim.sim_speed.is_finite() && sim.sim_speed > 0.0,
            "--sim-speed {}: give a factor above 0 (1 is a real site's pace)",
            sim.sim_speed
        );
        anyhow::ensure!(
            (0.0..=1.0).contains(&sim.sim_fault_rate),
            "--sim-fault-rate {}: give a share from 0 to 1 (0.1: one request in ten fails)",
            sim.sim_fault_rate
        );
        Connection::Simulator {
            enlisted: sim.enlisted,
            speed: sim.sim_speed,
            fault_rate: sim.sim_fault_rate,
        }
    } else {
        Connection::Configured(super::maas_defaults(global)?)
    })
}

pub fn run(args: &Args, global: &Global) -> anyhow::Result<Outcome> {
    let first = args.design.paths.first().map(|p| p.as_path());
    let request = Request {
        work: Work::Action {
            name: action::action_name(&args.action),
            options: with_report_url(
                with_strategy(options(&args.rules, &args.pace)?, args.strategy.as_deref())?,
                args.report_url.as_deref(),
            ),
        },
        design: args.design.paths.clone(),
        selection: args.selection.selection()?,
        mode: Mode::Run,
        connection: connection(&args.sim, global)?,
        site_dir: global.site_dir.clone(),
        journal: Some(action::journal_path(global.journal.as_deref(), first)),
        skip_validation: args.skip_validation,
        oob: sim_paced(global.oob.settings(super::attended())?, &args.sim, global),
    };
    let prepared = action::prepare(request)?;
    announce(&prepared, "", global.format == Some(Format::Json))?;
    finish(prepared, global.format)
}

/// Tells the user which task this is, before anything else: on stdout for people, on stderr
/// when stdout carries JSON.
pub fn announce(prepared: &Prepared, verb: &str, json: bool) -> anyhow::Result<()> {
    let (Some(task), Some(journal)) = (prepared.task(), prepared.journal_path()) else {
        return Ok(());
    };
    let verb = if verb.is_empty() {
        String::new()
    } else {
        format!(" {verb}")
    };
    let line = format!(
        "task {}{verb} ({}, journal {})\n",
        task.id,
        task.label(),
        journal.display()
    );
    if json {
        eprint!("{line}");
        Ok(())
    } else {
        output::emit(&line)
    }
}

/// Runs a prepared request and prints what it returned, as its action says it should be
/// shown.
pub fn finish(mut prepared: Prepared, format: Option<Format>) -> anyhow::Result<Outcome> {
    prepared.attend(std::io::stderr().is_terminal());
    let resume = prepared
        .task()
        .zip(prepared.journal_path())
        .map(|(t, j)| format!("drydock resume {} --journal {}", t.id, j.display()));
    let journal = prepared.journal_path().map(std::path::Path::to_path_buf);
    let outcome = match prepared.run() {
        Err(e) if e.kind == ErrorKind::Cancelled => {
            match resume {
                Some(resume) => eprintln!("interrupted: {resume}"),
                None => eprintln!("interrupted"),
            }
            return Ok(Outcome::Interrupted);
        }
        other => other?,
    };
    match (&outcome.about, outcome.validation()) {
        (Some(a), Some(report)) if a.result == ResultKind::Validation => {
            output::print_report(&report, format)?;
        }
        (Some(_), _) if format == Some(Format::Json) => {
            output::emit_json(&with_task_tree(
                outcome.value.clone(),
                outcome.task.as_ref(),
                journal.as_deref(),
            ))?;
        }
        (Some(_), _) => print_result(&outcome.value, format)?,
        (None, _) if outcome.value.is_null() => {}
        (None, _) => output::emit_json(&outcome.value)?,
    }
    Ok(if outcome.clean() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

/// The result with the finished task's tree (`task`: what `drydock tasks show --format json`
/// gives) beside what the action returned, for tools; the result as it is when there is no
/// journal or it cannot be read now.
fn with_task_tree(
    mut result: serde_json::Value,
    task: Option<&crate::journal::TaskRecord>,
    journal: Option<&std::path::Path>,
) -> serde_json::Value {
    let (Some(task), Some(journal), serde_json::Value::Object(map)) = (task, journal, &mut result) else {
        return result;
    };
    let Ok(steps) = crate::journal::JournalReader::open(journal).and_then(|r| r.steps(&task.id)) else {
        return result;
    };
    let view = super::tasks::TaskView::new(task.clone(), None, steps);
    if let Ok(tree) = serde_json::to_value(view) {
        map.insert("task".into(), tree);
    }
    result
}

/// An action's result: its `summary` and `lines` for people when it has them, else (and
/// with `--format json`) the result as JSON.
fn print_result(result: &serde_json::Value, format: Option<Format>) -> anyhow::Result<()> {
    let summary = result.get("summary").and_then(|s| s.as_str());
    match (format, summary) {
        (Some(Format::Json), _) => output::emit_json(result),
        (_, Some(summary)) => {
            let mut text = format!("{summary}\n");
            for line in result
                .get("lines")
                .and_then(|l| l.as_array())
                .into_iter()
                .flatten()
            {
                text.push_str(line.as_str().unwrap_or_default());
                text.push('\n');
            }
            output::emit(&text)
        }
        _ if result.is_null() => Ok(()),
        _ => output::emit_json(result),
    }
}
