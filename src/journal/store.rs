//! The redb file: tables of JSON records, and reading them back.

use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use super::record::{StepRecord, TaskRecord};
use super::{Fault, fault};

/// task id -> task record.
pub const TASKS: TableDefinition<&str, &[u8]> = TableDefinition::new("tasks");
/// `<task>\u{1f}<scope>\u{1f}<name>` -> step record; a task's steps are one key range.
pub const STEPS: TableDefinition<&str, &[u8]> = TableDefinition::new("steps");
/// About the file itself: [`WRITER`].
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// The session of the process that has the journal open for writing; absent when none has.
const WRITER: &str = "writer";

const SEP: char = '\u{1f}';

pub fn step_key(task: &str, scope: &str, name: &str) -> String {
    format!("{task}{SEP}{scope}{SEP}{name}")
}

/// The key range of a task's steps.
pub fn step_range(task: &str) -> (String, String) {
    (format!("{task}{SEP}"), format!("{task}\u{20}"))
}

fn decode<T: serde::de::DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, Fault> {
    serde_json::from_slice(bytes).map_err(|e| Fault::Damaged(format!("record {key:?} does not decode: {e}")))
}

/// Records `session` as the journal's writer (`None`: no process is writing it).
pub fn set_writer(db: &redb::Database, session: Option<&str>) -> Result<(), Fault> {
    let txn = db.begin_write().map_err(fault)?;
    {
        let mut meta = txn.open_table(META).map_err(fault)?;
        match session {
            Some(s) => {
                meta.insert(WRITER, s.as_bytes()).map_err(fault)?;
            }
            None => {
                meta.remove(WRITER).map_err(fault)?;
            }
        }
    }
    txn.commit().map_err(fault)
}

/// The session of the process writing the journal, as it recorded it.
pub fn writer(db: &dyn ReadableDatabase) -> Result<Option<String>, Fault> {
    let txn = db.begin_read().map_err(fault)?;
    let table = match txn.open_table(META) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(fault(e)),
    };
    Ok(table
        .get(WRITER)
        .map_err(fault)?
        .map(|v| String::from_utf8_lossy(v.value()).into_owned()))
}

/// Reads from either a writable or a read-only database.
pub fn read_task(db: &dyn ReadableDatabase, id: &str) -> Result<Option<TaskRecord>, Fault> {
    let txn = db.begin_read().map_err(fault)?;
    let table = match txn.open_table(TASKS) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(fault(e)),
    };
    match table.get(id).map_err(fault)? {
        Some(v) => Ok(Some(decode(id, v.value())?)),
        None => Ok(None),
    }
}

pub fn read_tasks(db: &dyn ReadableDatabase) -> Result<Vec<TaskRecord>, Fault> {
    let txn = db.begin_read().map_err(fault)?;
    let table = match txn.open_table(TASKS) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(fault(e)),
    };
    let mut out = Vec::new();
    for entry in table.iter().map_err(fault)? {
        let (k, v) = entry.map_err(fault)?;
        out.push(decode(k.value(), v.value())?);
    }
    Ok(out)
}

/// Every step of a task, in key order (scope, then name).
pub fn read_steps(db: &dyn ReadableDatabase, task: &str, results: bool) -> Result<Vec<StepRecord>, Fault> {
    let txn = db.begin_read().map_err(fault)?;
    let table = match txn.open_table(STEPS) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(fault(e)),
    };
    let (start, end) = step_range(task);
    let mut out = Vec::new();
    for entry in table.range(start.as_str()..end.as_str()).map_err(fault)? {
        let (k, v) = entry.map_err(fault)?;
        let mut step: StepRecord = decode(k.value(), v.value())?;
        if !results {
            step.result = None;
        }
        out.push(step);
    }
    Ok(out)
}

pub fn read_step(
    db: &dyn ReadableDatabase,
    task: &str,
    scope: &str,
    name: &str,
) -> Result<Option<StepRecord>, Fault> {
    let txn = db.begin_read().map_err(fault)?;
    let table = match txn.open_table(STEPS) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(fault(e)),
    };
    let key = step_key(task, scope, name);
    match table.get(key.as_str()).map_err(fault)? {
        Some(v) => Ok(Some(decode(&key, v.value())?)),
        None => Ok(None),
    }
}
