//! MAAS API 2.0 client: API keys, OAuth PLAINTEXT signing, one retry policy, and errors that
//! name the call and carry MAAS's answer.

pub mod auth;
pub mod calls;
pub mod client;
pub mod error;
pub mod key;
pub mod lua_types;
pub mod resources;
pub mod retry;
pub mod status;
mod text_enum;
pub mod watch;

pub use client::{Client, ClientOptions};
pub use error::{ErrorKind, MaasError};
pub use key::{ApiKey, KeyError};
pub use retry::RetryPolicy;
pub use status::MachineStatus;
