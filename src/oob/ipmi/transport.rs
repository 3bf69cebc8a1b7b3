//! How IPMI requests reach a BMC, byte in and byte out: a network function, a command and
//! its data go out; a completion code and the response data come back. The driver knows
//! nothing else of the wire, so the `ipmitool` subprocess and a pure-Rust RMCP+ client are
//! interchangeable, and unit tests answer from memory.

use async_trait::async_trait;

use super::completion::CompletionCode;
use crate::oob::OobErrorKind;

/// The network functions drydock uses (requests; a response's is one more).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetFn {
    Chassis,
    App,
    Storage,
}

impl NetFn {
    pub fn code(self) -> u8 {
        match self {
            NetFn::Chassis => 0x00,
            NetFn::App => 0x06,
            NetFn::Storage => 0x0A,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub netfn: NetFn,
    pub cmd: u8,
    pub data: Vec<u8>,
}

/// What the BMC answered: any completion code, success or not, counts as an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub completion: CompletionCode,
    /// The bytes after the completion code.
    pub data: Vec<u8>,
}

/// The request got no answer from the BMC: no session (wrong password, no such account, no
/// common cipher suite), no reply, or no transport at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    pub kind: OobErrorKind,
    pub message: String,
}

#[async_trait]
pub trait IpmiTransport: Send + Sync {
    async fn send(&self, request: &Request) -> Result<Response, TransportError>;

    /// Ends the session the transport keeps open, if any.
    async fn close(&self) {}
}
