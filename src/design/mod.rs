//! The site design: YAML files -> typed documents -> effective design -> validation.

pub mod bootactions;
pub mod cloud_init;
pub mod ingest;
pub mod kernel_params;
pub mod logical_names;
pub mod model;
mod parallel;
pub mod resolve;
pub mod rules;
pub mod schema;
pub mod select;
pub mod site;
pub mod sizes;
pub mod strategy;
mod suggest;
pub mod validation;
pub mod yaml;

use std::path::PathBuf;

pub use ingest::LoadError;
pub use site::Site;

/// Reads, checks and resolves the design at `paths` (files or directories).
pub fn load(paths: &[PathBuf]) -> Result<Site, LoadError> {
    load_texts(&ingest::read_design(paths)?)
}

/// Checks and resolves a design given as `(file name, text)` pairs (e.g. kept in a journal).
pub fn load_texts(files: &[(String, String)]) -> Result<Site, LoadError> {
    let ingested = ingest::ingest_texts(files)?;
    release_free_memory();
    Ok(resolve::resolve(ingested.documents, ingested.issues))
}

/// Hands memory freed so far back to the system. Reading a large design on every core
/// leaves each thread's parse trees freed in its own heap, which the allocator keeps until
/// the thread's memory is reclaimed; the resolved design would come on top of it.
pub fn release_free_memory() {
    // SAFETY: takes no pointers; mimalloc collects what is free, whichever allocator is
    // global (its own heaps are then empty).
    unsafe { libmimalloc_sys::mi_collect(true) };
}
