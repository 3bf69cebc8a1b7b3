//! Connections: accepted up to [`MAX_CONNECTIONS`] at once, served HTTP/1.1 by hyper, and
//! closed when slow or idle, so that clients that connect and send nothing (or trickle a
//! request) cannot starve the others.
//! * a request's head must arrive within the idle timeout, which also closes a keep-alive
//!   connection idle that long between requests (hyper's header read timeout runs from the
//!   moment it waits for the next request);
//! * a request's body must arrive within it too ([`whole_body`]);
//! * connections beyond the cap wait in the kernel's queue until one closes, so the process
//!   keeps file descriptors for everything else it does (`--sim` runs drydock beside it).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State as Extract};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::sync::Semaphore;

use super::maas::reply::Reply;

/// Connections the MAAS API serves at once; well below the usual limit of 1,024 open files.
pub const MAX_CONNECTIONS: usize = 512;

/// The largest request body the MAAS API reads (axum's default limit, which the handlers
/// keep).
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// How long a request's body may take to arrive, and how big it may be.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit {
    pub timeout: Duration,
    pub max: usize,
}

/// Reads a request's whole body within the limit's time, before any handler sees it: a
/// client that stops sending gets a 408 and its connection closed, one that sends too much
/// a 413.
pub async fn whole_body(Extract(limit): Extract<BodyLimit>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let BodyLimit { timeout: limit, max } = limit;
    match tokio::time::timeout(limit, axum::body::to_bytes(body, max)).await {
        Ok(Ok(bytes)) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Ok(Err(e)) => Reply::text(
            413,
            format!("The request body could not be read whole (at most {max} bytes are): {e}"),
        )
        .without_hash()
        .with_header("connection", "close")
        .into_response(),
        Err(_) => Reply::text(
            408,
            format!(
                "The request body did not arrive within {} s.",
                limit.as_secs_f64()
            ),
        )
        .without_hash()
        .with_header("connection", "close")
        .into_response(),
    }
}

/// Serves `app` on `listener` until `stop` completes, at most `max_connections` at once
/// (more wait in the kernel's queue); then lets requests in flight finish (for at most the
/// idle timeout) and closes every connection.
pub(super) async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    idle_timeout: Duration,
    max_connections: usize,
    stop: impl std::future::Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(max_connections));
    tokio::pin!(stop);
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(idle_timeout);
    loop {
        let slot = tokio::select! {
            _ = &mut stop => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, or the peer gave up first: try again shortly.
                    tracing::warn!("simulator: cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // Timeouts and clients hanging up end connections too; neither is the server's error.
            let _ = conn.await;
            drop(slot);
        });
    }
    let _ = tokio::time::timeout(idle_timeout, graceful.shutdown()).await;
}
