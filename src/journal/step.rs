//! Step and task state transitions, as pure functions: what `task.step` does with what the
//! journal holds, and how a task's outcome follows from its steps.

use std::collections::BTreeMap;

use super::record::{FORMAT, SITE, StepRecord, StepStatus, TaskRecord, TaskResult, TaskStatus, now_ms};
use crate::runtime::errors::ErrorInfo;

/// What to do when a script reaches a step.
#[derive(Debug, Clone, PartialEq)]
pub enum StepPlan {
    /// It succeeded earlier in this task: return its stored result, do not run it.
    Reuse(serde_json::Value),
    /// Run it; this is attempt number `attempt` (an interrupted or failed one runs again).
    Run { attempt: u32 },
}

pub fn plan(existing: Option<&StepRecord>) -> StepPlan {
    match existing {
        Some(s) if s.status == StepStatus::Succeeded => {
            StepPlan::Reuse(s.result.clone().unwrap_or(serde_json::Value::Null))
        }
        Some(s) => StepPlan::Run {
            attempt: s.attempts + 1,
        },
        None => StepPlan::Run { attempt: 1 },
    }
}

impl StepRecord {
    /// The record written (durably) before the step function starts.
    pub fn running(task: &str, scope: &str, name: &str, attempt: u32) -> StepRecord {
        StepRecord {
            format: FORMAT,
            task: task.to_string(),
            scope: scope.to_string(),
            name: name.to_string(),
            status: StepStatus::Running,
            attempts: attempt,
            started_ms: now_ms(),
            finished_ms: None,
            result: None,
            error: None,
            note: None,
        }
    }

    /// A `nil` result is stored as no result, so the record reads back as it was written.
    pub fn succeeded(self, result: serde_json::Value) -> StepRecord {
        StepRecord {
            status: StepStatus::Succeeded,
            finished_ms: Some(now_ms()),
            result: (!result.is_null()).then_some(result),
            error: None,
            ..self
        }
    }

    pub fn failed(self, error: ErrorInfo) -> StepRecord {
        StepRecord {
            status: StepStatus::Failed,
            finished_ms: Some(now_ms()),
            result: None,
            error: Some(error),
            ..self
        }
    }

    /// A step the script decided not to run (recorded for the report).
    pub fn skipped(self, why: String) -> StepRecord {
        StepRecord {
            status: StepStatus::Skipped,
            finished_ms: Some(now_ms()),
            error: None,
            note: Some(why),
            ..self
        }
    }
}

/// Steps an earlier run of the task left Running (killed) or Failed that this run, started
/// at `run_started_ms`, did not run again: the workflow decided from what it found that they
/// were no longer needed (an object already made, a change no longer due). They are recorded
/// as Skipped so they neither fail the task nor read as still running.
pub fn superseded(steps: &[StepRecord], run_started_ms: u64) -> Vec<StepRecord> {
    steps
        .iter()
        .filter(|s| matches!(s.status, StepStatus::Running | StepStatus::Failed))
        .filter(|s| s.started_ms < run_started_ms)
        .map(|s| {
            let was = match s.status {
                StepStatus::Running => "interrupted",
                _ => "failed",
            };
            s.clone().skipped(format!(
                "{was} in an earlier run of the task; not needed when it ran again"
            ))
        })
        .collect()
}

/// The task after its work ended: per-node results from the node steps, and the overall
/// result (Drydock's: all succeeded, some nodes failed, or everything failed).
pub fn conclude(mut task: TaskRecord, steps: &[StepRecord], work_error: Option<ErrorInfo>) -> TaskRecord {
    let mut nodes: BTreeMap<String, TaskResult> = BTreeMap::new();
    let mut site_failed = false;
    for s in steps {
        let failed = s.status == StepStatus::Failed || s.status == StepStatus::Running;
        if s.scope == SITE {
            site_failed |= failed;
            continue;
        }
        let entry = nodes.entry(s.scope.clone()).or_insert(TaskResult::Success);
        if failed {
            *entry = TaskResult::Failure;
        }
    }
    let ok_nodes = nodes.values().filter(|r| **r == TaskResult::Success).count();
    let failed_nodes = nodes.len() - ok_nodes;
    let whole_failed = site_failed || work_error.is_some();
    task.result = Some(match (whole_failed, failed_nodes, ok_nodes) {
        (false, 0, _) => TaskResult::Success,
        (false, _, 0) => TaskResult::Failure,
        (false, _, _) => TaskResult::PartialSuccess,
        (true, _, 0) => TaskResult::Failure,
        (true, _, _) => TaskResult::PartialSuccess,
    });
    task.node_results = nodes;
    task.status = TaskStatus::Complete;
    task.error = work_error;
    task.updated_ms = now_ms();
    task
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::record::{Selection, Work};

    #[test]
    fn steps_an_earlier_run_left_behind_are_superseded_unless_run_again() {
        let mut killed = StepRecord::running("T", SITE, "create fabric data", 1);
        killed.started_ms = 1_000;
        let mut failed =
            StepRecord::running("T", SITE, "create vlan data/100", 1).failed(ErrorInfo::new("500"));
        failed.started_ms = 1_000;
        let mut again = StepRecord::running("T", SITE, "create subnet", 2).failed(ErrorInfo::new("400"));
        again.started_ms = 5_000;
        let done = StepRecord::running("T", SITE, "update fabric pxe", 1).succeeded(serde_json::Value::Null);
        let gone = superseded(&[killed, failed, again, done], 2_000);
        let names: Vec<&str> = gone.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["create fabric data", "create vlan data/100"]);
        assert!(gone.iter().all(|s| s.status == StepStatus::Skipped));
        assert!(
            gone[0]
                .note
                .as_deref()
                .unwrap()
                .starts_with("interrupted in an earlier run")
        );
    }

    fn task() -> TaskRecord {
        TaskRecord {
            format: FORMAT,
            id: "T".into(),
            work: Work::Action {
                name: "deploy_demo".into(),
                options: serde_json::Value::Null,
            },
            selection: Selection::default(),
            design: None,
            site_dir: None,
            status: TaskStatus::Running,
            result: None,
            created_ms: 0,
            updated_ms: 0,
            node_results: BTreeMap::new(),
            error: None,
            skip_validation: false,
            session: None,
        }
    }

    #[test]
    fn transitions_keep_identity_and_count_attempts() {
        let r = StepRecord::running("T", "n1", "deploy", 1);
        assert_eq!(
            (r.status, r.attempts, r.finished_ms),
            (StepStatus::Running, 1, None)
        );
        let ok = r.clone().succeeded(serde_json::json!({"id": 7}));
        assert_eq!(ok.status, StepStatus::Succeeded);
        assert_eq!(ok.result, Some(serde_json::json!({"id": 7})));
        assert!(ok.finished_ms.is_some() && ok.error.is_none());
        let bad = r.clone().failed(ErrorInfo::new("MAAS said 503"));
        assert_eq!(
            (bad.status, bad.error.map(|e| e.message)),
            (StepStatus::Failed, Some("MAAS said 503".to_string()))
        );
        let skip = r.skipped("already deployed".into());
        assert_eq!(skip.status, StepStatus::Skipped);
        assert_eq!(
            (skip.task.as_str(), skip.scope.as_str(), skip.name.as_str()),
            ("T", "n1", "deploy")
        );
    }

    #[test]
    fn resume_reuses_succeeded_and_reruns_the_rest() {
        assert_eq!(plan(None), StepPlan::Run { attempt: 1 });
        let running = StepRecord::running("T", SITE, "s", 1);
        assert_eq!(
            plan(Some(&running)),
            StepPlan::Run { attempt: 2 },
            "interrupted: run again"
        );
        let failed = running.clone().failed(ErrorInfo::new("x"));
        assert_eq!(
            plan(Some(&failed)),
            StepPlan::Run { attempt: 2 },
            "failed: run again"
        );
        let done = StepRecord::running("T", SITE, "s", 3).succeeded(serde_json::json!([1, 2]));
        assert_eq!(plan(Some(&done)), StepPlan::Reuse(serde_json::json!([1, 2])));
        let skipped = StepRecord::running("T", SITE, "s", 1).skipped("no".into());
        assert_eq!(plan(Some(&skipped)), StepPlan::Run { attempt: 2 });
    }

    #[test]
    fn task_outcome_follows_its_steps() {
        let ok = |scope: &str| StepRecord::running("T", scope, "a", 1).succeeded(serde_json::Value::Null);
        let bad = |scope: &str| StepRecord::running("T", scope, "b", 1).failed(ErrorInfo::new("x"));
        let t = conclude(task(), &[ok(SITE), ok("n1"), ok("n2")], None);
        assert_eq!(
            (t.status, t.result),
            (TaskStatus::Complete, Some(TaskResult::Success))
        );
        let t = conclude(task(), &[ok("n1"), ok("n2"), bad("n2")], None);
        assert_eq!(t.result, Some(TaskResult::PartialSuccess));
        assert_eq!(t.node_results["n1"], TaskResult::Success);
        assert_eq!(t.node_results["n2"], TaskResult::Failure);
        let t = conclude(task(), &[bad("n1"), bad("n2")], None);
        assert_eq!(t.result, Some(TaskResult::Failure));
        let t = conclude(task(), &[ok("n1")], Some(ErrorInfo::new("script error")));
        assert_eq!(t.result, Some(TaskResult::PartialSuccess));
        assert_eq!(t.error.map(|e| e.message).as_deref(), Some("script error"));
        let t = conclude(task(), &[bad(SITE)], None);
        assert_eq!(t.result, Some(TaskResult::Failure));
        let t = conclude(task(), &[], None);
        assert_eq!(t.result, Some(TaskResult::Success));
    }
}
