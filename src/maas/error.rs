//! What went wrong talking to MAAS: always the method, path, op, status and MAAS's own words.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// MAAS answered with an error status.
    Http,
    /// No answer: connection refused, reset or dropped.
    Connect,
    Timeout,
    /// A success whose body was not the JSON expected.
    Decode,
    /// The client could not be set up (URL, TLS).
    Setup,
    /// The caller asked for something MAAS does not take (a parameter the call lacks, a
    /// missing path argument); nothing was sent.
    Usage,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct MaasError {
    pub kind: ErrorKind,
    pub method: String,
    /// Path below `/MAAS/api/2.0/`, e.g. `machines/`.
    pub path: String,
    pub op: Option<String>,
    pub status: Option<u16>,
    /// MAAS's response body (or the transport error).
    pub body: String,
    /// Requests made, retries included.
    pub attempts: u32,
}

impl MaasError {
    /// An error about a call that was never sent.
    pub fn usage(call: &crate::maas::calls::Call, path: String, message: String) -> MaasError {
        MaasError {
            kind: ErrorKind::Usage,
            method: call.verb.as_str().to_string(),
            path,
            op: call.op.map(str::to_string),
            status: None,
            body: message,
            attempts: 0,
        }
    }

    /// Whether trying again later could succeed (what `retry` helpers in scripts consult).
    pub fn retryable(&self) -> bool {
        match self.kind {
            ErrorKind::Connect | ErrorKind::Timeout => true,
            ErrorKind::Http => matches!(self.status, Some(502..=504)),
            ErrorKind::Decode | ErrorKind::Setup | ErrorKind::Usage => false,
        }
    }
}

impl fmt::Display for MaasError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MAAS {} {}", self.method, self.path)?;
        if let Some(op) = &self.op {
            write!(f, " op={op}")?;
        }
        match (self.kind, self.status) {
            (ErrorKind::Http, Some(s)) => write!(f, ": HTTP {s}")?,
            (ErrorKind::Connect, _) => write!(f, ": no connection")?,
            (ErrorKind::Timeout, _) => write!(f, ": timed out")?,
            (ErrorKind::Decode, _) => write!(f, ": unexpected answer")?,
            (ErrorKind::Usage, _) => write!(f, ": not sent")?,
            _ => {}
        }
        let body = self.body.trim();
        if !body.is_empty() {
            let short: String = body.chars().take(500).collect();
            write!(f, ": {short}")?;
        }
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        if self.status == Some(401) {
            f.write_str(" (check the API key: consumer:token:secret of a user of this MAAS)")?;
        }
        Ok(())
    }
}
