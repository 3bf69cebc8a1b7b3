//! An answer in MAAS's form: status, content type, body, and the `X-MAAS-API-Hash` header
//! MAAS puts on successes and some errors.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::maas::resources::Extra;

/// The API description hash of the MAAS 3.4.10 region the captures come from.
pub const API_HASH: &str = "29b8898cd6164c9b0adae16fe79c9932fe40e145";

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    content_type: String,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
    hash: bool,
}

impl Reply {
    /// A JSON success, pretty-printed with 4 spaces like MAAS's handlers.
    pub fn json(status: u16, value: &Value) -> Reply {
        let mut out = Vec::new();
        let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
        let body = match serde::Serialize::serialize(value, &mut ser) {
            Ok(()) => out,
            Err(_) => value.to_string().into_bytes(),
        };
        Reply {
            status,
            content_type: "application/json; charset=utf-8".into(),
            body,
            headers: Vec::new(),
            hash: true,
        }
    }

    /// Compact JSON (`version/`, `describe/`, 400 validation errors).
    pub fn compact_json(status: u16, value: &Value) -> Reply {
        Reply {
            body: value.to_string().into_bytes(),
            ..Reply::json(status, value)
        }
    }

    pub fn text(status: u16, body: String) -> Reply {
        Reply {
            status,
            content_type: "text/plain".into(),
            body: body.into_bytes(),
            headers: Vec::new(),
            hash: true,
        }
    }

    /// A BSON document (`op=details`).
    pub fn bson(status: u16, body: Vec<u8>) -> Reply {
        Reply {
            status,
            content_type: "application/bson".into(),
            body,
            headers: Vec::new(),
            hash: true,
        }
    }

    /// MAAS's plain-text refusal (409 wrong state, 400 bad request, 503 BMC unreachable):
    /// with a charset and without the hash header.
    pub fn plain_error(status: u16, message: String) -> Reply {
        Reply::text(status, message)
            .with_content_type("text/plain; charset=utf-8")
            .without_hash()
    }

    /// A form validation error: `{field: [message]}`, without the hash header.
    pub fn invalid(field: &str, message: &str) -> Reply {
        let reply = Reply::compact_json(400, &serde_json::json!({ field: [message] })).without_hash();
        // MAAS drops the charset on non-field (`__all__`) errors.
        if field == "__all__" {
            reply.with_content_type("application/json")
        } else {
            reply
        }
    }

    /// MAAS's 405: an empty HTML answer naming the methods the resource has.
    pub fn method_not_allowed(allow: &str) -> Reply {
        Reply::text(405, String::new())
            .with_content_type("text/html; charset=utf-8")
            .with_header("allow", allow)
    }

    pub fn with_content_type(mut self, ct: &str) -> Reply {
        self.content_type = ct.to_string();
        self
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn without_hash(mut self) -> Reply {
        self.hash = false;
        self
    }

    #[cfg(test)]
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The JSON of one of the client's models (`maas/resources/`). Where the simulator answers
/// with an object the client also reads, it fills in that model rather than writing the
/// JSON by hand, so the two cannot drift apart; what the model leaves to `extra` is given
/// with [`extra`].
pub fn model_json(model: &impl serde::Serialize) -> Value {
    serde_json::to_value(model).unwrap_or(Value::Null)
}

/// A model's `extra`: the fields of `fields`, a JSON object.
pub fn extra(fields: Value) -> Extra {
    match fields {
        Value::Object(map) => map,
        _ => Extra::new(),
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut resp = (
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            self.body,
        )
            .into_response();
        let h = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&self.content_type) {
            h.insert(axum::http::header::CONTENT_TYPE, v);
        }
        if self.hash {
            h.insert("x-maas-api-hash", HeaderValue::from_static(API_HASH));
        }
        for (k, v) in self.headers {
            if let (Ok(k), Ok(v)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(&v)) {
                h.insert(k, v);
            }
        }
        resp
    }
}
