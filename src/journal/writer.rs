//! Group commit: one thread owns every write. Transitions that arrive while a commit is
//! being made are written together by the next one, and each caller is answered only after
//! the transaction holding its record is durable.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use redb::Database;

use super::record::{StepRecord, TaskRecord};
use super::store::{STEPS, TASKS, step_key, step_range};
use super::{Fault, JournalError, fault};

// Each record is moved once, into the queue: boxing would cost an allocation per step.
#[allow(clippy::large_enum_variant)]
pub enum Record {
    Task(TaskRecord),
    Step(StepRecord),
    /// A task to remove, with its steps.
    Removal(String),
}

struct Write {
    record: Record,
    done: tokio::sync::oneshot::Sender<Result<(), JournalError>>,
}

/// The writer thread. Dropping it closes the queue and waits for the thread, which drops
/// its database handle: the file is then shut down cleanly.
pub struct Writer {
    tx: Option<mpsc::Sender<Write>>,
    path: PathBuf,
    thread: Option<std::thread::JoinHandle<()>>,
    commits: Arc<AtomicU64>,
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Writer {
    pub fn start(db: Arc<Database>, path: &Path) -> Writer {
        let path = path.to_path_buf();
        let thread_path = path.clone();
        let (tx, rx) = mpsc::channel::<Write>();
        let commits = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&commits);
        let thread = std::thread::Builder::new()
            .name("journal-writer".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    batch.extend(rx.try_iter());
                    let outcome = commit(&db, &batch).map_err(|f| f.at(&thread_path));
                    counter.fetch_add(1, Ordering::Relaxed);
                    for w in batch {
                        let _ = w.done.send(outcome.clone());
                    }
                }
            })
            .map_err(|e| tracing::error!("cannot start the journal writer: {e}"))
            .ok();
        Writer {
            tx: Some(tx),
            path,
            thread,
            commits,
        }
    }

    /// Queues a record; the receiver resolves once it is durable.
    pub fn submit(&self, record: Record) -> tokio::sync::oneshot::Receiver<Result<(), JournalError>> {
        let (done, rx) = tokio::sync::oneshot::channel();
        let write = Write { record, done };
        let refused = match &self.tx {
            Some(tx) => tx.send(write).err().map(|mpsc::SendError(w)| w),
            None => Some(write),
        };
        if let Some(w) = refused {
            let _ = w.done.send(Err(
                Fault::Storage("the journal writer has stopped".into()).at(&self.path)
            ));
        }
        rx
    }

    /// Durable transactions made so far (for benchmarks: transitions per commit).
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }
}

fn commit(db: &Database, batch: &[Write]) -> Result<(), Fault> {
    let encode = |e: serde_json::Error| Fault::Storage(e.to_string());
    let txn = db.begin_write().map_err(fault)?;
    {
        let mut tasks = txn.open_table(TASKS).map_err(fault)?;
        let mut steps = txn.open_table(STEPS).map_err(fault)?;
        for w in batch {
            match &w.record {
                Record::Task(t) => {
                    let bytes = serde_json::to_vec(t).map_err(encode)?;
                    tasks.insert(t.id.as_str(), bytes.as_slice()).map_err(fault)?;
                }
                Record::Step(s) => {
                    let bytes = serde_json::to_vec(s).map_err(encode)?;
                    let key = step_key(&s.task, &s.scope, &s.name);
                    steps.insert(key.as_str(), bytes.as_slice()).map_err(fault)?;
                }
                Record::Removal(id) => {
                    tasks.remove(id.as_str()).map_err(fault)?;
                    let (start, end) = step_range(id);
                    steps
                        .retain_in(start.as_str()..end.as_str(), |_, _| false)
                        .map_err(fault)?;
                }
            }
        }
    }
    txn.commit().map_err(fault)
}
