//! The simulated MAAS region: the API 2.0 surface drydock uses, with MAAS's JSON shapes,
//! status codes and error texts, served by [`Sim`](super::Sim).
//!
//! Where things are:
//! * Handlers, one per resource family, each named like the client's `maas/resources/` file
//!   for the same family (`block_devices.rs`, `ip_ranges.rs`, `static_routes.rs`,
//!   `rack_controllers.rs`, ...), so both ends of a call are found under one name. Besides
//!   them: `lifecycle.rs` (a machine's ops and timed transitions, kept apart from
//!   `machines.rs` for size), `storage_layouts.rs` (`op=set_storage_layout`),
//!   `subnet_usage.rs` (a subnet's address ops), `commissioning_results.rs` and `users.rs`
//!   (families the client has no file for).
//! * `records/`: the region's data, defined once; it imports no handler.
//! * `state.rs`: the region as one value, holding the records; also imports no handler.
//! * `http.rs`: the region's HTTP edge, where a request below `/MAAS/api/2.0/` arrives: its
//!   form decoded (URL-encoded or multipart), delayed or faulted as asked, handed to
//!   `api.rs`, and logged.
//! * `api.rs`: routes a request below `/MAAS/api/2.0/` to its handler, after `auth.rs`
//!   (OAuth PLAINTEXT as MAAS checks it) and the refusals MAAS gives non-admins.
//! * `request.rs`, `reply.rs`: a request as MAAS's dispatcher sees it and an answer as MAAS
//!   formats it; `reply.rs` also turns the client's models into answers, which is how the
//!   handlers of fabrics, VLANs, spaces, subnets, IP ranges, static routes, SSH keys, tags,
//!   package repositories, boot images and events answer.
//! * `request_log.rs`: the request log tests read, bounded and with secrets redacted.
//! * `faults.rs`: faults planted by tests or drawn at random, answered instead of the API.
//! * `power.rs`: MAAS's power control of a machine, through the simulated BMC its power
//!   parameters name; `enlistment.rs`: an unknown machine booted from the network is listed.
//! * `persist.rs`: `--state FILE`, the region on disk.
//! * `*.json`: what a real 3.4 region returned, served as is (`describe.json`,
//!   `power_types.json`) or as templates for objects too big to model field by field
//!   (`machine.json`, `region_controller.json`).

pub(super) mod api;
pub(super) mod auth;
mod block_devices;
mod boot_resources;
mod boot_sources;
mod commissioning_results;
mod config;
mod domains;
mod enlistment;
mod events;
mod fabrics;
pub(super) mod faults;
mod gateways;
pub(super) mod http;
mod interfaces;
mod ip_ranges;
pub(super) mod lifecycle;
mod machine_details;
mod machines;
mod package_repositories;
pub(super) mod persist;
mod power;
pub(super) mod rack_controllers;
pub(super) mod records;
pub(super) mod reply;
pub(super) mod request;
pub(super) mod request_log;
mod spaces;
mod ssh_keys;
pub(super) mod state;
mod static_routes;
mod storage_layouts;
mod subnet_usage;
mod subnets;
mod tags;
mod users;
mod vlans;
mod volume_groups;

pub use enlistment::ENLISTING_S;
pub use lifecycle::{COMMISSIONING_S, DEPLOYING_S};
