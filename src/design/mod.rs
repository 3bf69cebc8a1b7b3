//! The site design: YAML files -> typed documents -> effective design -> validation.

pub mod ingest;
pub mod model;
pub mod resolve;
pub mod rules;
pub mod schema;
pub mod select;
pub mod site;
pub mod validation;
pub mod yaml;

use std::path::PathBuf;

pub use ingest::LoadError;
pub use site::Site;

/// Reads, checks and resolves the design at `paths` (files or directories).
pub fn load(paths: &[PathBuf]) -> Result<Site, LoadError> {
    let ingested = ingest::ingest_paths(paths)?;
    Ok(resolve::resolve(ingested.documents, ingested.issues))
}
