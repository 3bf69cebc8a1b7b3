//! The region's HTTP edge: a request below `/MAAS/api/2.0/` is decoded (URL-encoded or
//! multipart), delayed or faulted as the simulator was asked, answered by `api.rs`, and
//! logged. Any other path the simulator does not route gets MAAS's 410 (API 1.0) or 404.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::faults::{self, Fault};
use super::reply::Reply;
use super::request::Request;
use crate::sim::{Shared, now_ms};

const CONTENT_DISPOSITION: &[u8] = b"content-disposition";

/// The form fields of a body, URL-encoded or `multipart/form-data` (python-libmaas and the
/// MAAS CLI send the latter).
async fn form_fields(headers: &HeaderMap, body: Bytes) -> Result<Vec<(String, String)>, Reply> {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return Ok(serde_urlencoded::from_bytes(&body).unwrap_or_default());
    };
    let bad = |e: multer::Error| Reply::text(400, format!("Malformed multipart body: {e}")).without_hash();
    // Without a Content-Disposition there is no named part, so no field. python-libmaas
    // sends such a body for an operation without parameters (one empty part whose closing
    // boundary lacks the newline before it), which Django (MAAS) reads as no fields and
    // multer as an incomplete stream.
    if !body
        .windows(CONTENT_DISPOSITION.len())
        .any(|w| w.eq_ignore_ascii_case(CONTENT_DISPOSITION))
    {
        return Ok(Vec::new());
    }
    let mut parts = multer::Multipart::with_reader(&body[..], boundary);
    let mut form = Vec::new();
    while let Some(field) = parts.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        // Django decodes base64 parts, and python-libmaas encodes every field that way.
        let base64 = field
            .headers()
            .get("content-transfer-encoding")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"base64"));
        let mut value = field.bytes().await.map_err(bad)?.to_vec();
        if base64 {
            let compact: Vec<u8> = value.into_iter().filter(|b| !b.is_ascii_whitespace()).collect();
            value = BASE64.decode(compact).map_err(|e| {
                Reply::text(400, format!("Malformed base64 form field {name}: {e}")).without_hash()
            })?;
        }
        form.push((name, String::from_utf8_lossy(&value).into_owned()));
    }
    Ok(form)
}

pub(in crate::sim) async fn serve_api(
    Extract(shared): Extract<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let Some(below) = path.strip_prefix("/MAAS/api/2.0/") else {
        if path.starts_with("/MAAS/api/1.0/") {
            return Reply::text(
                410,
                "The 1.0 API is no longer available. Please use API version 2.0.".into(),
            )
            .without_hash()
            .into_response();
        }
        return Reply::plain_error(404, format!("Unknown API endpoint: {path}.")).into_response();
    };
    let form = match form_fields(&headers, body).await {
        Ok(form) => form,
        Err(reply) => return reply.into_response(),
    };
    let req = Request::with_form(method.as_str(), below, uri.query().unwrap_or_default(), form);
    let opts = &shared.options;
    let mut delay = opts.latency;
    let mut fault = shared.region().planted.pop_front();
    if fault.is_none() && opts.fault_rate > 0.0 && rand::random::<f64>() < opts.fault_rate {
        // A third of random faults are only slowness.
        if rand::random::<f64>() < 1.0 / 3.0 {
            delay += Duration::from_millis(200);
        } else {
            fault = faults::random();
        }
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let auth = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let (status, response) = match &fault {
        Some(f) => (
            match f {
                Fault::Status { status, .. } => *status,
                Fault::Drop => 0,
            },
            faults::reply(f),
        ),
        None => {
            let reply = super::api::handle(&req, auth, &mut shared.region(), &shared.base, now_ms());
            // Reads change the region too: due lifecycle transitions complete on any request.
            shared.changed.store(true, Ordering::Release);
            (reply.status, reply.into_response())
        }
    };
    shared.region().requests.push(
        &req.method,
        &format!("/MAAS/api/2.0/{}", req.path),
        req.op(),
        &req.params,
        status,
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn multipart() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::CONTENT_TYPE,
            "multipart/form-data; boundary=\"===============62==\""
                .parse()
                .unwrap(),
        );
        headers
    }

    #[tokio::test]
    async fn an_empty_multipart_body_as_python_libmaas_sends_it_has_no_fields() {
        // What python-libmaas sends for an operation without parameters (`op=commission`):
        // one part with no headers and no content, and no newline after the closing boundary.
        let body: &[u8] = b"--===============62==\r\n\r\n--===============62==--";
        let fields = form_fields(&multipart(), Bytes::from_static(body)).await;
        assert_eq!(fields.map_err(|r| r.body_text()), Ok(Vec::new()));
    }
}
