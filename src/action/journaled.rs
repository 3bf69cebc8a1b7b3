//! The journal side of a run: where the journal is, the design as the journal keeps it, and
//! a new task's record.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::journal::{Selection, StoredDesign, TaskRecord, TaskStatus, Work, now_ms};

/// `explicit` (`--journal`), else `.drydock/journal.redb` beside the first design path (in
/// the design directory itself when it is one), else in the working directory.
pub fn journal_path(explicit: Option<&Path>, first_design: Option<&Path>) -> PathBuf {
    if let Some(j) = explicit {
        return j.to_path_buf();
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
        skip_validation: false,
        session: None,
    }
}
