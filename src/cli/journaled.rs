//! Running work as a journaled task: where the journal is, creating the task record,
//! running the work with `drydock.task` bound to it, and recording its outcome. Shared by
//! `run`, `script` and `resume`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::Global;
use crate::journal::step::{conclude, superseded};
use crate::journal::{Journal, Selection, StoredDesign, TaskRecord, TaskStatus, Work, now_ms};
use crate::runtime::{Runtime, ScriptError, TaskContext};

/// `--journal`, else `.drydock/journal.redb` beside the first design path (in the design
/// directory itself when it is one), else in the working directory.
pub fn journal_path(global: &Global, first_design: Option<&Path>) -> PathBuf {
    if let Some(j) = &global.journal {
        return j.clone();
    }
    let base = match first_design {
        Some(p) if p.is_dir() => p.to_path_buf(),
        Some(p) => p.parent().map(Path::to_path_buf).unwrap_or_default(),
        None => PathBuf::new(),
    };
    base.join(".drydock").join("journal.redb")
}

/// The design as the journal keeps it: its files and a hash of names and contents.
pub fn stored_design(files: Vec<(String, String)>) -> StoredDesign {
    let mut h = Sha256::new();
    for (name, text) in &files {
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    let hash = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    StoredDesign { hash, files }
}

pub fn new_task(
    work: Work,
    selection: Selection,
    design: Option<StoredDesign>,
    site_dir: Option<&Path>,
) -> TaskRecord {
    let now = now_ms();
    TaskRecord {
        format: crate::journal::record::FORMAT,
        id: ulid::Ulid::new().to_string(),
        work,
        selection,
        design,
        site_dir: site_dir.map(|d| d.display().to_string()),
        status: TaskStatus::Queued,
        result: None,
        created_ms: now,
        updated_ms: now,
        node_results: Default::default(),
        error: None,
    }
}

/// Runs `work` on a runtime bound to `task`, then records the task's outcome.
/// Returns the concluded task and what the work returned.
pub fn execute<T>(
    journal: &Journal,
    mut task: TaskRecord,
    global: &Global,
    work: impl FnOnce(&Runtime) -> Result<T, ScriptError>,
) -> anyhow::Result<(TaskRecord, Result<T, ScriptError>)> {
    task.status = TaskStatus::Running;
    task.updated_ms = now_ms();
    journal.put_task_blocking(task.clone())?;
    let runtime = Runtime::new(task.site_dir.as_ref().map(PathBuf::from))?;
    runtime.set_task(TaskContext {
        journal: journal.clone(),
        task_id: task.id.clone(),
    });
    runtime.set_maas_defaults(super::maas_defaults(global)?);
    let run_started = now_ms();
    let outcome = work(&runtime);
    // Only a run that finished knows what it no longer needed.
    if outcome.is_ok() {
        for step in superseded(&journal.steps(&task.id)?, run_started) {
            journal.put_step_blocking(step)?;
        }
    }
    let steps = journal.steps(&task.id)?;
    let error = outcome.as_ref().err().map(|e| e.message.clone());
    let task = conclude(task, &steps, error);
    journal.put_task_blocking(task.clone())?;
    Ok((task, outcome))
}

/// Tells the user which task this is, before anything else: on stdout for people, on stderr
/// when stdout carries JSON.
pub fn announce(task: &TaskRecord, journal: &Journal, json: bool) -> anyhow::Result<()> {
    let line = format!(
        "task {} ({}, journal {})\n",
        task.id,
        task.label(),
        journal.path().display()
    );
    if json {
        eprint!("{line}");
        Ok(())
    } else {
        super::output::emit(&line)
    }
}
