//! Durable step transitions per second through `drydock.task.step`, with 1, 100 and 1,000
//! coroutines running steps at once (`cargo bench --bench journal_transitions`).
//! Each step is two durable transitions (Running, then Succeeded).

use std::time::Instant;

use drydock::journal::{Journal, Selection, Work};
use drydock::runtime::{Runtime, TaskContext};

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
        let path = dir.path().join(format!("bench-{coroutines}.redb"));
        let journal = Journal::open(&path).expect("journal");
        let id = ulid::Ulid::new().to_string();
        let task = drydock::journal::TaskRecord {
            format: drydock::journal::record::FORMAT,
            id: id.clone(),
            work: Work::Script {
                file: "bench".into(),
                source: SCRIPT.into(),
                args: vec![],
            },
            selection: Selection::default(),
            design: None,
            site_dir: None,
            status: drydock::journal::TaskStatus::Running,
            result: None,
            created_ms: 0,
            updated_ms: 0,
            node_results: Default::default(),
            error: None,
        };
        journal.put_task_blocking(task).expect("task");
        let runtime = Runtime::new(None).expect("runtime");
        runtime.set_task(TaskContext {
            journal: journal.clone(),
            task_id: id,
        });
        let commits_before = journal.commits();
        let started = Instant::now();
        runtime
            .run_chunk(
                "bench.lua",
                SCRIPT,
                vec![coroutines.to_string(), steps.to_string()],
            )
            .expect("bench script");
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
