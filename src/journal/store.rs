//! The redb file: two tables of JSON records, and reading them back.

use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use super::JournalError;
use super::record::{StepRecord, TaskRecord};

/// task id -> task record.
pub const TASKS: TableDefinition<&str, &[u8]> = TableDefinition::new("tasks");
/// `<task>\u{1f}<scope>\u{1f}<name>` -> step record; a task's steps are one key range.
pub const STEPS: TableDefinition<&str, &[u8]> = TableDefinition::new("steps");

const SEP: char = '\u{1f}';

pub fn step_key(task: &str, scope: &str, name: &str) -> String {
    format!("{task}{SEP}{scope}{SEP}{name}")
}

fn decode<T: serde::de::DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, JournalError> {
    serde_json::from_slice(bytes)
        .map_err(|e| JournalError::Corrupt(format!("record {key:?} does not decode: {e}")))
}

fn storage(e: impl std::fmt::Display) -> JournalError {
    JournalError::Storage(e.to_string())
}

/// Reads from either a writable or a read-only database.
pub fn read_task(db: &impl ReadableDatabase, id: &str) -> Result<Option<TaskRecord>, JournalError> {
    let txn = db.begin_read().map_err(storage)?;
    let table = match txn.open_table(TASKS) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(storage(e)),
    };
    match table.get(id).map_err(storage)? {
        Some(v) => Ok(Some(decode(id, v.value())?)),
        None => Ok(None),
    }
}

pub fn read_tasks(db: &impl ReadableDatabase) -> Result<Vec<TaskRecord>, JournalError> {
    let txn = db.begin_read().map_err(storage)?;
    let table = match txn.open_table(TASKS) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(storage(e)),
    };
    let mut out = Vec::new();
    for entry in table.iter().map_err(storage)? {
        let (k, v) = entry.map_err(storage)?;
        out.push(decode(k.value(), v.value())?);
    }
    Ok(out)
}

/// Every step of a task, in key order (scope, then name).
pub fn read_steps(db: &impl ReadableDatabase, task: &str) -> Result<Vec<StepRecord>, JournalError> {
    let txn = db.begin_read().map_err(storage)?;
    let table = match txn.open_table(STEPS) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(storage(e)),
    };
    let start = format!("{task}{SEP}");
    let end = format!("{task}\u{20}");
    let mut out = Vec::new();
    for entry in table.range(start.as_str()..end.as_str()).map_err(storage)? {
        let (k, v) = entry.map_err(storage)?;
        out.push(decode(k.value(), v.value())?);
    }
    Ok(out)
}

pub fn read_step(
    db: &impl ReadableDatabase,
    task: &str,
    scope: &str,
    name: &str,
) -> Result<Option<StepRecord>, JournalError> {
    let txn = db.begin_read().map_err(storage)?;
    let table = match txn.open_table(STEPS) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(storage(e)),
    };
    let key = step_key(task, scope, name);
    match table.get(key.as_str()).map_err(storage)? {
        Some(v) => Ok(Some(decode(&key, v.value())?)),
        None => Ok(None),
    }
}
