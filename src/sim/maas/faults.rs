//! Faults the region meets on demand: planted by a test (`POST /_sim/faults`,
//! [`Sim::plant`](crate::sim::Sim::plant)) or drawn at random (`--fault-rate`), and how each
//! is answered in place of the API's answer.

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};

use super::reply::Reply;

/// A fault a test asked for: the next `count` API requests answer with it.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer with this status (503 carries `Retry-After` when given).
    Status { status: u16, retry_after: Option<u64> },
    /// Close the connection without an answer.
    Drop,
}

/// What the client gets instead of the API's answer.
pub fn reply(fault: &Fault) -> Response {
    match fault {
        Fault::Status {
            status: 503,
            retry_after,
        } => {
            let r = Reply::text(
                503,
                "Unable to connect to any rack controller; no connections available.".into(),
            )
            .without_hash();
            match retry_after {
                Some(s) => r.with_header("retry-after", &s.to_string()).into_response(),
                None => r.into_response(),
            }
        }
        Fault::Status { status, .. } => Reply::text(*status, format!("Simulated fault {status}"))
            .without_hash()
            .into_response(),
        // Headers go out, then the body fails: the client sees the connection drop.
        Fault::Drop => {
            let stream = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other("dropped"))
            });
            Response::new(Body::from_stream(stream))
        }
    }
}

/// One of the faults `--fault-rate` draws (besides plain slowness, which the server adds).
pub fn random() -> Option<Fault> {
    use rand::Rng;
    Some(match rand::thread_rng().gen_range(0..3) {
        0 => Fault::Status {
            status: 503,
            retry_after: Some(1),
        },
        1 => Fault::Status {
            status: 500,
            retry_after: None,
        },
        _ => Fault::Drop,
    })
}
