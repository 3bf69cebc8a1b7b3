//! drydock: bare-metal site provisioning as a Lua-scriptable runtime over a Rust core.

pub mod action;
pub mod cli;
pub mod design;
pub mod journal;
pub mod maas;
pub mod oob;
pub mod runtime;
pub mod sim;
