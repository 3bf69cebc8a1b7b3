//! The object model: one file per MAAS resource family, each with its model types (typed
//! fields for what the actions read, every other field kept in `extra`) and its calls.

pub mod block_devices;
pub mod boot_resources;
pub mod config;
pub mod domains;
pub mod events;
pub mod fabrics;
pub mod interfaces;
pub mod ip_ranges;
pub mod machines;
pub mod package_repositories;
pub mod rack_controllers;
pub mod spaces;
pub mod ssh_keys;
pub mod static_routes;
pub mod subnets;
pub mod tags;
pub mod version;
pub mod vlans;
pub mod volume_groups;

/// Fields the model does not name, kept as MAAS sent them.
pub type Extra = serde_json::Map<String, serde_json::Value>;
