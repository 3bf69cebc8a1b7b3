//! The durable step journal: every task and every step transition, in one redb file per
//! site, so an interrupted task can be resumed without redoing what succeeded.

pub mod record;
pub mod step;
mod store;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use redb::{ConcurrencyMode, Database, ReadOnlyDatabase};

pub use record::{
    Label, SITE, Selection, StepRecord, StepStatus, StoredDesign, TaskRecord, TaskResult, TaskStatus, Work,
    now_ms,
};
use writer::{Record, Writer};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JournalError {
    #[error("journal in use: {0} is open in another drydock process (wait for it, or use --journal)")]
    InUse(String),
    #[error("journal {path} cannot be read: {detail} (move it aside to start a new journal)")]
    Unreadable { path: String, detail: String },
    #[error("journal record is damaged: {0}")]
    Corrupt(String),
    #[error("journal storage error: {0}")]
    Storage(String),
    #[error("no task {0} in the journal (drydock tasks list shows them)")]
    NoTask(String),
}

fn open_error(path: &Path, e: redb::DatabaseError) -> JournalError {
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen => JournalError::InUse(path.display().to_string()),
        other => JournalError::Unreadable {
            path: path.display().to_string(),
            detail: other.to_string(),
        },
    }
}

/// The journal opened for writing: one process at a time. Clones share one writer; the
/// last one dropped closes the file cleanly.
#[derive(Clone)]
pub struct Journal {
    db: Arc<Database>,
    path: PathBuf,
    writer: Arc<Writer>,
}

impl Journal {
    /// Opens (creating it and its directory if needed) the journal at `path`.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| JournalError::Unreadable {
                path: path.display().to_string(),
                detail: format!("cannot create {}: {e}", dir.display()),
            })?;
        }
        let mut builder = Database::builder();
        // SingleWriter: a second run fails at once, while `drydock tasks` can read alongside.
        builder.set_concurrency_mode(ConcurrencyMode::SingleWriter);
        // A damaged file is an error, never trusted (a plain open may panic on it).
        builder.set_check_integrity_on_open(true);
        let db = builder.create(path).map_err(|e| open_error(path, e))?;
        let db = Arc::new(db);
        Ok(Journal {
            writer: Arc::new(Writer::start(Arc::clone(&db))),
            db,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Durable commits so far.
    pub fn commits(&self) -> u64 {
        self.writer.commits()
    }

    pub async fn put_task(&self, task: TaskRecord) -> Result<(), JournalError> {
        self.writer
            .submit(Record::Task(task))
            .await
            .unwrap_or_else(|_| Err(stopped()))
    }

    /// Writes a step transition; returns once it is durable.
    pub async fn put_step(&self, step: StepRecord) -> Result<(), JournalError> {
        self.writer
            .submit(Record::Step(step))
            .await
            .unwrap_or_else(|_| Err(stopped()))
    }

    /// [`Journal::put_step`] for code that is not async (the CLI after a task ran).
    pub fn put_step_blocking(&self, step: StepRecord) -> Result<(), JournalError> {
        self.writer
            .submit(Record::Step(step))
            .blocking_recv()
            .unwrap_or_else(|_| Err(stopped()))
    }

    /// [`Journal::put_task`] for code that is not async (the CLI before a task runs).
    pub fn put_task_blocking(&self, task: TaskRecord) -> Result<(), JournalError> {
        self.writer
            .submit(Record::Task(task))
            .blocking_recv()
            .unwrap_or_else(|_| Err(stopped()))
    }

    pub fn task(&self, id: &str) -> Result<TaskRecord, JournalError> {
        store::read_task(&*self.db, id)?.ok_or_else(|| JournalError::NoTask(id.to_string()))
    }

    pub fn step(&self, task: &str, scope: &str, name: &str) -> Result<Option<StepRecord>, JournalError> {
        store::read_step(&*self.db, task, scope, name)
    }

    pub fn steps(&self, task: &str) -> Result<Vec<StepRecord>, JournalError> {
        store::read_steps(&*self.db, task)
    }
}

fn stopped() -> JournalError {
    JournalError::Storage("the journal writer has stopped".into())
}

/// The journal opened read-only (`drydock tasks`), possibly while a task runs.
pub struct JournalReader {
    db: ReadOnlyDatabase,
}

impl JournalReader {
    pub fn open(path: &Path) -> Result<JournalReader, JournalError> {
        if !path.exists() {
            return Err(JournalError::Unreadable {
                path: path.display().to_string(),
                detail: "no such file (no task has run with this journal yet)".into(),
            });
        }
        let open = || {
            let mut builder = Database::builder();
            builder.set_concurrency_mode(ConcurrencyMode::SingleWriter);
            builder.open_read_only(path).map_err(|e| open_error(path, e))
        };
        match open() {
            Ok(db) => Ok(JournalReader { db }),
            // A process that was killed leaves the file to repair, which only a writer may do.
            Err(JournalError::Unreadable { .. }) => {
                drop(Journal::open(path)?);
                Ok(JournalReader { db: open()? })
            }
            Err(e) => Err(e),
        }
    }

    /// Every task, oldest first (ids sort by time).
    pub fn tasks(&self) -> Result<Vec<TaskRecord>, JournalError> {
        store::read_tasks(&self.db)
    }

    pub fn task(&self, id: &str) -> Result<TaskRecord, JournalError> {
        store::read_task(&self.db, id)?.ok_or_else(|| JournalError::NoTask(id.to_string()))
    }

    pub fn steps(&self, task: &str) -> Result<Vec<StepRecord>, JournalError> {
        store::read_steps(&self.db, task)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn task(id: &str) -> TaskRecord {
        TaskRecord {
            format: record::FORMAT,
            id: id.into(),
            work: Work::Action {
                name: "demo".into(),
                options: serde_json::Value::Null,
            },
            selection: Selection::default(),
            design: None,
            site_dir: None,
            status: TaskStatus::Running,
            result: None,
            created_ms: now_ms(),
            updated_ms: now_ms(),
            node_results: BTreeMap::new(),
            error: None,
            skip_validation: false,
        }
    }

    #[test]
    fn records_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j/journal.redb");
        {
            let j = Journal::open(&path).unwrap();
            j.put_task_blocking(task("T1")).unwrap();
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            rt.block_on(async {
                let s = StepRecord::running("T1", "n1", "a", 1);
                j.put_step(s.clone()).await.unwrap();
                j.put_step(s.succeeded(serde_json::json!(42))).await.unwrap();
                j.put_step(StepRecord::running("T1", SITE, "b", 1)).await.unwrap();
            });
            assert!(j.commits() >= 1);
        }
        let r = JournalReader::open(&path).unwrap();
        assert_eq!(r.tasks().unwrap()[0].id, "T1");
        let steps = r.steps("T1").unwrap();
        assert_eq!(steps.len(), 2);
        let a = steps.iter().find(|s| s.name == "a").unwrap();
        assert_eq!(
            (a.status, a.result.clone()),
            (StepStatus::Succeeded, Some(serde_json::json!(42)))
        );
        assert!(matches!(r.task("nope"), Err(JournalError::NoTask(_))));
    }

    #[test]
    fn second_writer_is_refused_and_garbage_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.redb");
        let first = Journal::open(&path).unwrap();
        first.put_task_blocking(task("T1")).unwrap();
        match Journal::open(&path) {
            Err(JournalError::InUse(p)) => assert!(p.ends_with("journal.redb")),
            other => panic!("expected InUse, got {:?}", other.err()),
        }
        // Readers may watch a running task.
        assert_eq!(JournalReader::open(&path).unwrap().tasks().unwrap().len(), 1);
        drop(first);

        let garbage = dir.path().join("garbage.redb");
        std::fs::write(&garbage, b"this is not a journal at all, just some bytes").unwrap();
        let err = Journal::open(&garbage).err().expect("garbage is refused");
        assert!(matches!(err, JournalError::Unreadable { .. }), "{err}");
        let truncated = dir.path().join("truncated.redb");
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
        assert!(Journal::open(&truncated).is_err());
    }
}
