//! Durable step transitions per second through `drydock.task.step`, with 1, 100 and 1,000
//! coroutines running steps at once (`cargo bench --bench journal_transitions`).
//! Each step is two durable transitions (Running, then Succeeded). The script runs as a
//! task through the action runner, as `drydock script` runs it.

use std::time::Instant;

use drydock::action::{self, Connection, Mode, Request};
use drydock::journal::{Selection, Work};

const SCRIPT: &str = r#"
local coroutines, steps = ...
local items = {}
for i = 1, tonumber(coroutines) do items[i] = i end
drydock.task.parallel(items, function(i)
  for s = 1, tonumber(steps) do
    drydock.task.node_step("n" .. i, "s" .. s, function() return s end)
  end
end, { limit = tonumber(coroutines) })
"#;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    println!(
        "{:>10} {:>8} {:>12} {:>10} {:>14} {:>16}",
        "coroutines", "steps", "transitions", "seconds", "transitions/s", "per commit"
    );
    for (coroutines, steps) in [(1usize, 2000usize), (100, 40), (1000, 10)] {
        let request = Request {
            work: Work::Script {
                file: "bench.lua".into(),
                source: SCRIPT.into(),
                args: vec![coroutines.to_string(), steps.to_string()],
            },
            design: Vec::new(),
            selection: Selection::default(),
            mode: Mode::Run,
            connection: Connection::Configured(Default::default()),
            site_dir: None,
            journal: Some(dir.path().join(format!("bench-{coroutines}.redb"))),
            skip_validation: false,
            oob: drydock::oob::OobSettings::default(),
        };
        let prepared = action::prepare(request).expect("bench task");
        let journal = prepared.journal().cloned().expect("a journaled task");
        let commits_before = journal.commits();
        let started = Instant::now();
        prepared.run().expect("bench script");
        let secs = started.elapsed().as_secs_f64();
        let transitions = (coroutines * steps * 2) as f64;
        let commits = (journal.commits() - commits_before).max(1) as f64;
        println!(
            "{coroutines:>10} {steps:>8} {transitions:>12} {secs:>10.3} {:>14.0} {:>16.1}",
            transitions / secs,
            transitions / commits
        );
    }
}
