//! The durable step journal: every task and every step transition, in one redb file per
//! site, so an interrupted task can be resumed without redoing what succeeded.

pub mod record;
pub mod step;
mod store;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use redb::{ConcurrencyMode, Database, ReadOnlyDatabase, ReadableDatabase};

pub use record::{
    Label, SITE, Selection, StepRecord, StepStatus, StoredDesign, TaskRecord, TaskResult, TaskStatus, Work,
    now_ms,
};
use writer::{Record, Writer};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JournalError {
    #[error("journal in use: {0} is open in another drydock process (wait for it, or use --journal)")]
    InUse(String),
    #[error(
        "no journal at {0} yet: no task has run with it (`drydock run -d PATH` keeps its journal in .drydock/journal.redb inside PATH, or beside it when PATH is a file: give the same -d, or --journal FILE)"
    )]
    Missing(String),
    #[error("journal {path} is not a regular file (it is {kind}): give --journal the path of a journal file")]
    NotAFile { path: String, kind: &'static str },
    #[error(
        "journal {path} is damaged ({detail}): move it aside (mv {path} {path}.damaged) and run again to start a new journal; its tasks can no longer be resumed"
    )]
    Damaged { path: String, detail: String },
    #[error("journal {path} cannot be opened: {detail} (check the path and that you may read and write it)")]
    Unreadable { path: String, detail: String },
    #[error("journal {path} cannot be written: {detail} (check the disk it is on)")]
    Storage { path: String, detail: String },
    #[error(
        "no task {id} in journal {path} (`drydock tasks list` shows its tasks; a run that stopped before its first step is not kept: run it again)"
    )]
    NoTask { id: String, path: String },
}

/// What went wrong inside the file, before the path that names it is known.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fault {
    Damaged(String),
    Storage(String),
}

impl Fault {
    fn at(self, path: &Path) -> JournalError {
        let path = path.display().to_string();
        match self {
            Fault::Damaged(detail) => JournalError::Damaged { path, detail },
            Fault::Storage(detail) => JournalError::Storage { path, detail },
        }
    }
}

/// A redb error as a [`Fault`]: a bad checksum or a file shorter than its pages say is
/// damage, anything else (a full disk) is not.
pub(crate) fn fault(e: impl Into<redb::Error>) -> Fault {
    match e.into() {
        redb::Error::Corrupted(detail) => Fault::Damaged(detail),
        redb::Error::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            Fault::Damaged(format!("it is shorter than its contents say: {io}"))
        }
        redb::Error::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => Fault::Damaged(io.to_string()),
        other => Fault::Storage(other.to_string()),
    }
}

fn open_error(path: &Path, e: redb::DatabaseError) -> JournalError {
    let path_text = path.display().to_string();
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen => JournalError::InUse(path_text),
        // Only a read-only open meets a file still to repair: a writer holds it and will.
        redb::DatabaseError::RepairAborted => JournalError::InUse(path_text),
        redb::DatabaseError::Storage(redb::StorageError::Io(io))
            if !matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::InvalidData
            ) =>
        {
            JournalError::Unreadable {
                path: path_text,
                detail: io.to_string(),
            }
        }
        other => match fault(other) {
            Fault::Storage(detail) => JournalError::Unreadable {
                path: path_text,
                detail,
            },
            damaged => damaged.at(path),
        },
    }
}

/// The journal holds the whole design, BMC credentials included: owner-only.
#[cfg(unix)]
const OWNER_ONLY: u32 = 0o600;

/// Opens the journal file itself: never anything but a regular file, and never blocking on
/// one that is not (a FIFO). `create` makes it (and its directory), owner-only.
fn open_file(path: &Path, create: bool) -> Result<std::fs::File, JournalError> {
    let text = || path.display().to_string();
    let not_a_file = |meta: &std::fs::Metadata| JournalError::NotAFile {
        path: text(),
        kind: file_kind(meta),
    };
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => return Err(not_a_file(&meta)),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !create => {
            return Err(JournalError::Missing(text()));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => make_dir(path)?,
        Err(e) => {
            return Err(JournalError::Unreadable {
                path: text(),
                detail: e.to_string(),
            });
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(create);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Should the path become a FIFO after the check above, opening it does not wait.
        options.mode(OWNER_ONLY).custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| JournalError::Unreadable {
        path: text(),
        detail: e.to_string(),
    })?;
    let meta = file.metadata().map_err(|e| JournalError::Unreadable {
        path: text(),
        detail: e.to_string(),
    })?;
    if !meta.is_file() {
        return Err(not_a_file(&meta));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Journals made before they were created owner-only are made so when next opened.
        if meta.permissions().mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(OWNER_ONLY))
                .map_err(|e| JournalError::Unreadable {
                    path: text(),
                    detail: format!("cannot make it owner-only: {e}"),
                })?;
        }
    }
    Ok(file)
}

fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

/// The journal's directory (`.drydock`), owner-only where it is made.
fn make_dir(path: &Path) -> Result<(), JournalError> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| JournalError::Unreadable {
        path: path.display().to_string(),
        detail: format!("cannot create {}: {e}", dir.display()),
    })
}

/// The journal's page cache. redb keeps every page a run writes cached, up to 1 GiB by
/// default, so a run's memory grew with what it journaled (about 70 KB a node for
/// PrepareNodes, which keeps each node's commissioning output); the pages a run reads again
/// (the steps' keys, the task) fit in far less.
const CACHE_BYTES: usize = 16 * 1024 * 1024;

fn builder() -> redb::Builder {
    let mut builder = Database::builder();
    // SingleWriter: a second run fails, while `drydock tasks` can read alongside.
    builder.set_concurrency_mode(ConcurrencyMode::SingleWriter);
    builder.set_cache_size(CACHE_BYTES);
    builder
}

/// Makes an empty journal at `path` unless one is there: written whole beside it, then
/// linked into place (never over another process's), so a process killed while making it
/// leaves no half-written journal, which every later run would refuse as damaged. A process
/// killed before the link leaves only its hidden `.NAME.ULID.new` file.
fn create_whole(path: &Path) -> Result<(), JournalError> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let new = path.with_file_name(format!(".{name}.{}.new", ulid::Ulid::new()));
    let made = open_file(&new, true).and_then(|file| {
        let backend = redb::backends::FileBackend::new(file).map_err(|e| open_error(&new, e))?;
        builder()
            .create_with_backend(backend)
            .map(drop)
            .map_err(|e| open_error(&new, e))
    });
    let linked = made.and_then(|()| match std::fs::hard_link(&new, path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(JournalError::Unreadable {
            path: path.display().to_string(),
            detail: format!("cannot create it: {e}"),
        }),
    });
    let _ = std::fs::remove_file(&new);
    linked
}

/// The file opened for writing, every page's checksum verified: a damaged file is an error,
/// never trusted (a plain open may panic on it).
fn open_checked(path: &Path, create: bool) -> Result<Database, JournalError> {
    if create && std::fs::metadata(path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
        create_whole(path)?;
    }
    let file = open_file(path, false)?;
    let backend = redb::backends::FileBackend::new(file).map_err(|e| open_error(path, e))?;
    let mut builder = builder();
    builder.set_check_integrity_on_open(true);
    builder
        .create_with_backend(backend)
        .map_err(|e| open_error(path, e))
}

/// How long opening for writing waits for a `drydock tasks` that is checking the file.
const IN_USE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// The journal opened for writing: one process at a time. Clones share one writer; the
/// last one dropped closes the file cleanly.
#[derive(Clone)]
pub struct Journal {
    db: Arc<Database>,
    path: PathBuf,
    session: Arc<str>,
    writer: Arc<Writer>,
}

impl Journal {
    /// Opens (creating it and its directory if needed) the journal at `path`.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        Journal::open_with(path, true)
    }

    /// Opens the journal at `path`, which must exist (`resume`, `tasks prune`).
    pub fn open_existing(path: &Path) -> Result<Journal, JournalError> {
        Journal::open_with(path, false)
    }

    fn open_with(path: &Path, create: bool) -> Result<Journal, JournalError> {
        // A reader holds the file for as long as its check takes: wait for it, briefly.
        let deadline = std::time::Instant::now() + IN_USE_WAIT;
        let db = loop {
            match open_checked(path, create) {
                Err(JournalError::InUse(_)) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                other => break other?,
            }
        };
        let session: Arc<str> = ulid::Ulid::new().to_string().into();
        store::set_writer(&db, Some(&session)).map_err(|f| f.at(path))?;
        let db = Arc::new(db);
        Ok(Journal {
            writer: Arc::new(Writer::start(Arc::clone(&db), path)),
            db,
            path: path.to_path_buf(),
            session,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This process's session: stamped on the tasks it runs, so a reader can tell them
    /// from tasks whose process is gone.
    pub fn session(&self) -> &str {
        &self.session
    }

    /// Durable commits so far.
    pub fn commits(&self) -> u64 {
        self.writer.commits()
    }

    pub async fn put_task(&self, task: TaskRecord) -> Result<(), JournalError> {
        self.writer
            .submit(Record::Task(task))
            .await
            .unwrap_or_else(|_| Err(self.stopped()))
    }

    /// Writes a step transition; returns once it is durable.
    pub async fn put_step(&self, step: StepRecord) -> Result<(), JournalError> {
        self.writer
            .submit(Record::Step(step))
            .await
            .unwrap_or_else(|_| Err(self.stopped()))
    }

    /// [`Journal::put_step`] for code that is not async (the CLI after a task ran).
    pub fn put_step_blocking(&self, step: StepRecord) -> Result<(), JournalError> {
        self.writer
            .submit(Record::Step(step))
            .blocking_recv()
            .unwrap_or_else(|_| Err(self.stopped()))
    }

    /// [`Journal::put_task`] for code that is not async (the CLI before a task runs).
    pub fn put_task_blocking(&self, task: TaskRecord) -> Result<(), JournalError> {
        self.writer
            .submit(Record::Task(task))
            .blocking_recv()
            .unwrap_or_else(|_| Err(self.stopped()))
    }

    /// Removes a task and its steps (`drydock tasks prune`).
    pub fn remove_task_blocking(&self, id: &str) -> Result<(), JournalError> {
        self.writer
            .submit(Record::Removal(id.to_string()))
            .blocking_recv()
            .unwrap_or_else(|_| Err(self.stopped()))
    }

    pub fn task(&self, id: &str) -> Result<TaskRecord, JournalError> {
        store::read_task(&*self.db, id)
            .map_err(|f| f.at(&self.path))?
            .ok_or_else(|| no_task(id, &self.path))
    }

    /// Every task, oldest first (ids sort by time).
    pub fn tasks(&self) -> Result<Vec<TaskRecord>, JournalError> {
        store::read_tasks(&*self.db).map_err(|f| f.at(&self.path))
    }

    pub fn step(&self, task: &str, scope: &str, name: &str) -> Result<Option<StepRecord>, JournalError> {
        store::read_step(&*self.db, task, scope, name).map_err(|f| f.at(&self.path))
    }

    pub fn steps(&self, task: &str) -> Result<Vec<StepRecord>, JournalError> {
        store::read_steps(&*self.db, task, true).map_err(|f| f.at(&self.path))
    }

    /// The task's steps without their results: what its outcome is concluded from, read
    /// without holding every result at once (PrepareNodes keeps each node's commissioning
    /// output in one).
    pub fn step_states(&self, task: &str) -> Result<Vec<StepRecord>, JournalError> {
        store::read_steps(&*self.db, task, false).map_err(|f| f.at(&self.path))
    }

    fn stopped(&self) -> JournalError {
        Fault::Storage("the journal writer has stopped".into()).at(&self.path)
    }
}

fn no_task(id: &str, path: &Path) -> JournalError {
    JournalError::NoTask {
        id: id.to_string(),
        path: path.display().to_string(),
    }
}

/// How a reader opened the journal, which says whose tasks are still running.
enum Handle {
    /// No process was writing it: the reader verified it, and no task is running.
    Checked(Database),
    /// A process is writing it (and verified it when it opened it); its session's tasks
    /// run, any other's are interrupted. `None`: a writer that names no session.
    Shared(ReadOnlyDatabase, Option<String>),
}

/// The journal opened for reading (`drydock tasks`), possibly while a task runs.
pub struct JournalReader {
    handle: Handle,
    path: PathBuf,
}

impl JournalReader {
    /// Opens the journal at `path` after checking it, unless a process writing it did.
    pub fn open(path: &Path) -> Result<JournalReader, JournalError> {
        let handle = match open_checked(path, false) {
            Ok(db) => {
                // Whatever process last wrote it is gone.
                store::set_writer(&db, None).map_err(|f| f.at(path))?;
                Handle::Checked(db)
            }
            Err(JournalError::InUse(_)) => {
                let file = open_file(path, false)?;
                let backend = redb::backends::FileBackend::new(file).map_err(|e| open_error(path, e))?;
                let db = builder()
                    .open_read_only_with_backend(backend)
                    .map_err(|e| open_error(path, e))?;
                let live = store::writer(&db).map_err(|f| f.at(path))?;
                Handle::Shared(db, live)
            }
            Err(e) => return Err(e),
        };
        Ok(JournalReader {
            handle,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn db(&self) -> &dyn ReadableDatabase {
        match &self.handle {
            Handle::Checked(db) => db,
            Handle::Shared(db, _) => db,
        }
    }

    /// Every task, oldest first (ids sort by time).
    pub fn tasks(&self) -> Result<Vec<TaskRecord>, JournalError> {
        store::read_tasks(self.db()).map_err(|f| f.at(&self.path))
    }

    pub fn task(&self, id: &str) -> Result<TaskRecord, JournalError> {
        store::read_task(self.db(), id)
            .map_err(|f| f.at(&self.path))?
            .ok_or_else(|| no_task(id, &self.path))
    }

    pub fn steps(&self, task: &str) -> Result<Vec<StepRecord>, JournalError> {
        store::read_steps(self.db(), task, true).map_err(|f| f.at(&self.path))
    }

    /// Whether `task` is unfinished and the process that ran it is gone: the journal has
    /// one writer at a time, and a writer stamps its session on the tasks it runs.
    pub fn interrupted(&self, task: &TaskRecord) -> bool {
        task.status != TaskStatus::Complete
            && match &self.handle {
                Handle::Checked(_) => true,
                Handle::Shared(_, Some(live)) => task.session.as_deref() != Some(live.as_str()),
                Handle::Shared(_, None) => false,
            }
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
            session: None,
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
        assert!(matches!(r.task("nope"), Err(JournalError::NoTask { .. })));
    }

    #[test]
    fn step_states_are_the_steps_without_their_results() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(&dir.path().join("journal.redb")).unwrap();
        j.put_task_blocking(task("T1")).unwrap();
        let output = serde_json::json!({"lshw": "<list>…</list>"});
        let done = StepRecord::running("T1", "n1", "commissioning_output", 1).succeeded(output.clone());
        j.put_step_blocking(done.clone()).unwrap();
        j.put_step_blocking(StepRecord::running("T1", "n2", "ready", 2))
            .unwrap();
        let states = j.step_states("T1").unwrap();
        assert_eq!(states.len(), 2);
        assert!(states.iter().all(|s| s.result.is_none()), "{states:?}");
        let got = states.iter().find(|s| s.scope == "n1").unwrap();
        assert_eq!(
            (got.status, got.attempts, &got.name),
            (StepStatus::Succeeded, 1, &done.name)
        );
        let n2 = states.iter().find(|s| s.scope == "n2").unwrap();
        assert_eq!((n2.status, n2.attempts), (StepStatus::Running, 2));
        let full = j.steps("T1").unwrap();
        assert_eq!(
            full.iter().find(|s| s.scope == "n1").unwrap().result,
            Some(output)
        );
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
        assert!(matches!(err, JournalError::Damaged { .. }), "{err}");
        let truncated = dir.path().join("truncated.redb");
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
        assert!(Journal::open(&truncated).is_err());
    }

    #[test]
    fn only_the_live_writers_unfinished_tasks_are_running() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.redb");
        let gone = Journal::open(&path).unwrap();
        let mut orphan = task("T1");
        orphan.session = Some(gone.session().to_string());
        gone.put_task_blocking(orphan).unwrap();
        drop(gone);
        let reader = JournalReader::open(&path).unwrap();
        assert!(
            reader.interrupted(&reader.task("T1").unwrap()),
            "no process writes it"
        );
        drop(reader);

        let live = Journal::open(&path).unwrap();
        let mut running = task("T2");
        running.session = Some(live.session().to_string());
        live.put_task_blocking(running).unwrap();
        let mut done = task("T3");
        done.status = TaskStatus::Complete;
        live.put_task_blocking(done).unwrap();
        let reader = JournalReader::open(&path).unwrap();
        let interrupted: Vec<(String, bool)> = reader
            .tasks()
            .unwrap()
            .iter()
            .map(|t| (t.id.clone(), reader.interrupted(t)))
            .collect();
        assert_eq!(
            interrupted,
            [("T1".into(), true), ("T2".into(), false), ("T3".into(), false)]
        );
    }

    #[test]
    fn a_task_written_before_sessions_reads_back() {
        let mut old = serde_json::to_value(task("T1")).unwrap();
        old.as_object_mut().unwrap().remove("session");
        let back: TaskRecord = serde_json::from_value(old).unwrap();
        assert_eq!(back.session, None);
    }
}
