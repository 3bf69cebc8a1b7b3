//! An OOB failure: which node, which BMC, what the BMC said, and whether trying again may
//! help. The message never holds a password: drivers build it from the BMC's answer and
//! the address only.

use std::fmt;

/// What kind of failure, which decides retries and what the operator is told to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OobErrorKind {
    /// The design does not say enough to reach the BMC (no address on the OOB network, an
    /// unknown `oob.type`, a libvirt URL of the wrong scheme).
    Config,
    /// No answer: connection refused, no route, timed out.
    Unreachable,
    /// The BMC refused the account or password.
    Auth,
    /// The BMC answered, and said no (a bad value, not supported, insufficient privilege).
    Refused,
    /// The BMC is busy or failed in a way that may pass (Redfish 409/5xx, IPMI node busy).
    Transient,
    /// The machine did not reach the state asked for in time.
    Timeout,
    /// A manual node's operator did not confirm.
    NotConfirmed,
    /// The action was stopped (Ctrl-C).
    Cancelled,
}

impl OobErrorKind {
    /// Whether the same request may succeed if sent again.
    pub fn retryable(self) -> bool {
        matches!(self, OobErrorKind::Unreachable | OobErrorKind::Transient)
    }

    /// What the operator can do about it, said after the message.
    fn hint(self) -> &'static str {
        match self {
            OobErrorKind::Config => "fix the node's oob section in the design",
            OobErrorKind::Unreachable => "check that the BMC is powered and reachable from here",
            OobErrorKind::Auth => "check the node's oob.account and oob.credential",
            OobErrorKind::Refused => "the BMC does not support this; see what it said",
            OobErrorKind::Transient => "the BMC is busy; run again or resume the task",
            OobErrorKind::Timeout => {
                "check the machine at the BMC; raise --oob-power-timeout if it is just slow"
            }
            OobErrorKind::NotConfirmed => "do it by hand and confirm with `drydock confirm TASK_ID NODE`",
            OobErrorKind::Cancelled => "resume the task to go on",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OobError {
    pub kind: OobErrorKind,
    pub node: String,
    /// The BMC as the design names it (`10.40.0.21`, `qemu+ssh://host/system`); empty when
    /// the design gave none.
    pub bmc: String,
    /// The protocol (`redfish`, `ipmi`, `libvirt`, `manual`).
    pub protocol: &'static str,
    /// What went wrong, in the BMC's words where it gave any.
    pub message: String,
}

impl OobError {
    pub fn new(kind: OobErrorKind, bmc: &super::Bmc, message: impl Into<String>) -> OobError {
        OobError {
            kind,
            node: bmc.node.clone(),
            bmc: bmc.address.clone(),
            protocol: bmc.protocol.as_str(),
            message: message.into(),
        }
    }

    pub fn retryable(&self) -> bool {
        self.kind.retryable()
    }
}

impl fmt::Display for OobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "node {}: ", self.node)?;
        if self.bmc.is_empty() {
            write!(f, "{}: ", self.protocol)?;
        } else {
            write!(f, "{} BMC {}: ", self.protocol, self.bmc)?;
        }
        write!(f, "{} ({})", self.message, self.kind.hint())
    }
}

impl std::error::Error for OobError {}
