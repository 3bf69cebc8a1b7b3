//! The region's records: everything [`State`](super::state::State) holds and `--state FILE`
//! keeps, one file per group of records that refer to each other. Records know their own
//! rules (sizes, ids, vocabularies, a fresh region's contents) and import nothing but each
//! other and the client's vocabulary types; how a record answers in MAAS's JSON and how a
//! request changes it belong to its handler, so the handlers import records and never the
//! other way round. A handler that renders a record does so in an `impl` block in its own file.
//!
//! Field names are the state file's: renaming one breaks reading a saved region.

pub mod accounts;
pub mod config;
pub mod events;
pub mod hardware;
pub mod interfaces;
pub mod machines;
pub mod networks;
pub mod software;
pub mod storage;
