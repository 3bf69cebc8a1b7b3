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
    Ok(resolve::resolve(ingested.documents, ingested.issues))
}
