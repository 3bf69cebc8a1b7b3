//! The HTTP side: one keep-alive connection pool per client, OAuth-signed requests, the
//! retry policy, and errors that say which call failed and what MAAS said.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde::de::DeserializeOwned;

use super::auth::authorization;
use super::calls::Call;
use super::error::{ErrorKind, MaasError};
use super::key::ApiKey;
use super::retry::{Outcome, RetryPolicy, parse_retry_after};

#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Whole-request timeout (per attempt).
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
    /// Refuse every request but GET before sending it (`drydock plan`).
    pub read_only: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            read_only: false,
        }
    }
}

/// A MAAS API 2.0 client. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// `http://host:5240/MAAS/api/2.0/`
    base: String,
    key: ApiKey,
    retry: RetryPolicy,
    read_only: bool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Client({}, {:?})", self.base, self.key)
    }
}

/// Makes ring the process's TLS provider (reqwest is built without a default one); call
/// before building any `reqwest::Client`. Idempotent.
pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// `http://host:5240`, `.../MAAS` or `.../MAAS/api/2.0[/]` -> `.../MAAS/api/2.0/`.
pub fn api_base(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    let url = url.strip_suffix("/api/2.0").unwrap_or(url);
    if url.ends_with("/MAAS") {
        format!("{url}/api/2.0/")
    } else {
        format!("{url}/MAAS/api/2.0/")
    }
}

impl Client {
    pub fn new(url: &str, key: ApiKey, options: ClientOptions) -> Result<Client, MaasError> {
        install_tls();
        let base = api_base(url);
        // A URL that can never work fails here, at once, rather than after minutes of retries.
        let setup = |body: String| MaasError {
            kind: ErrorKind::Setup,
            method: String::new(),
            path: String::new(),
            op: None,
            status: None,
            body,
            attempts: 0,
        };
        match reqwest::Url::parse(&base) {
            Ok(u)
                if matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()) => {}
            Ok(_) | Err(_) => {
                return Err(setup(format!(
                    "MAAS URL {url:?} is not an http:// or https:// URL with a host (e.g. http://maas.example.com:5240/MAAS)"
                )));
            }
        }
        let http = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .user_agent(concat!("drydock/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| setup(format!("cannot set up the HTTP client: {}", transport(&e))))?;
        Ok(Client {
            http,
            base,
            key,
            retry: options.retry,
            read_only: options.read_only,
        })
    }

    /// The API root, e.g. `http://127.0.0.1:5240/MAAS/api/2.0/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub async fn get(
        &self,
        path: &str,
        op: Option<&str>,
        params: &[(String, String)],
    ) -> Result<serde_json::Value, MaasError> {
        self.call(Method::GET, path, op, params).await
    }

    pub async fn post(
        &self,
        path: &str,
        op: Option<&str>,
        params: &[(String, String)],
    ) -> Result<serde_json::Value, MaasError> {
        self.call(Method::POST, path, op, params).await
    }

    pub async fn put(&self, path: &str, params: &[(String, String)]) -> Result<serde_json::Value, MaasError> {
        self.call(Method::PUT, path, None, params).await
    }

    pub async fn delete(&self, path: &str) -> Result<serde_json::Value, MaasError> {
        self.call(Method::DELETE, path, None, &[]).await
    }

    /// A typed call: its path arguments and parameter names checked before anything is sent,
    /// its answer checked against the model (`Call::check`) and returned as MAAS sent it.
    pub async fn send(
        &self,
        call: &Call,
        args: &[&str],
        params: &[(String, String)],
    ) -> Result<serde_json::Value, MaasError> {
        let path = checked_path(call, args, params)?;
        let answer = self.call(call.verb.method(), &path, call.op, params).await?;
        (call.check)(&answer).map_err(|e| decode_error(call, path, e))?;
        Ok(answer)
    }

    /// A typed call read into its model type (what the generated methods call).
    pub async fn typed<T: DeserializeOwned>(
        &self,
        call: &Call,
        args: &[&str],
        params: &[(String, String)],
    ) -> Result<T, MaasError> {
        let path = checked_path(call, args, params)?;
        let answer = self.call(call.verb.method(), &path, call.op, params).await?;
        serde_json::from_value(answer).map_err(|e| decode_error(call, path, e))
    }

    /// One API call, retried under the policy. GET and DELETE send `params` in the query
    /// string; POST and PUT as a form body. `op` always goes in the query string.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        op: Option<&str>,
        params: &[(String, String)],
    ) -> Result<serde_json::Value, MaasError> {
        let path = path.trim_start_matches('/');
        let url = format!("{}{}", self.base, path);
        let error = |kind, status, body: String, attempts| MaasError {
            kind,
            method: method.to_string(),
            path: path.to_string(),
            op: op.map(str::to_string),
            status,
            body: scrub(&body, &self.key),
            attempts,
        };
        if self.read_only && method != Method::GET {
            return Err(error(
                ErrorKind::Usage,
                None,
                "this client is read-only (drydock plan): a script tried to change MAAS while planning; an action that is planned must only read when ctx.options.plan is set".into(),
                0,
            ));
        }
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut req = self.http.request(method.clone(), &url).header(
                reqwest::header::AUTHORIZATION,
                authorization(&self.key, method.as_str(), &url, None),
            );
            if let Some(op) = op {
                req = req.query(&[("op", op)]);
            }
            req = if matches!(method, Method::GET | Method::DELETE) {
                req.query(params)
            } else {
                req.form(params)
            };
            let (outcome, failure) = match req.send().await {
                Err(e) => {
                    let kind = if e.is_timeout() {
                        ErrorKind::Timeout
                    } else {
                        ErrorKind::Connect
                    };
                    (Outcome::NoResponse, error(kind, None, transport(&e), attempt))
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after =
                        parse_retry_after(resp.headers().get("retry-after").and_then(|v| v.to_str().ok()));
                    let body_type = BodyType::of(
                        resp.headers()
                            .get(reqwest::header::CONTENT_TYPE)
                            .and_then(|v| v.to_str().ok()),
                    );
                    match resp.bytes().await {
                        // The connection dropped mid-answer: as good as no answer.
                        Err(e) => (
                            Outcome::NoResponse,
                            error(ErrorKind::Connect, Some(status), e.to_string(), attempt),
                        ),
                        Ok(body) if (200..300).contains(&status) => {
                            return decode(status, body_type, &body)
                                .map_err(|b| error(ErrorKind::Decode, Some(status), b, attempt));
                        }
                        Ok(body) => {
                            let body = String::from_utf8_lossy(&body).into_owned();
                            (
                                Outcome::Status {
                                    status,
                                    retry_after,
                                    body: body.clone(),
                                },
                                error(ErrorKind::Http, Some(status), body, attempt),
                            )
                        }
                    }
                }
            };
            match self
                .retry
                .next_delay(&outcome, attempt, started.elapsed(), rand::random())
            {
                Some(delay) => {
                    // Shown at the default level: an unreachable MAAS must not look like a hang.
                    tracing::warn!(
                        "{failure}; retrying in {:.1}s (attempt {}, giving up {}s after the first)",
                        delay.as_secs_f64(),
                        attempt + 1,
                        self.retry.deadline.as_secs()
                    );
                    tokio::time::sleep(delay).await;
                }
                None => return Err(failure),
            }
        }
    }
}

/// A transport error with its causes ("connection refused", not just "error sending
/// request").
fn transport(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}

/// The path of a typed call, once its arguments and parameter names are known to be good.
fn checked_path(call: &Call, args: &[&str], params: &[(String, String)]) -> Result<String, MaasError> {
    let wanted = call.path_args().count();
    if args.len() != wanted || args.iter().any(|a| a.is_empty() || a.contains(['?', '#', ' '])) {
        let names: Vec<&str> = call.path_args().collect();
        return Err(MaasError::usage(
            call,
            call.path.to_string(),
            format!(
                "{} takes {wanted} path argument(s) ({}), each non-empty, without '?', '#' or spaces; got {args:?}",
                call.name,
                names.join(", "),
            ),
        ));
    }
    let path = call.path_with(args);
    if let Some((bad, _)) = params.iter().find(|(k, _)| !call.accepts(k)) {
        let takes = if call.params.is_empty() {
            "none".to_string()
        } else {
            call.params.join(", ")
        };
        return Err(MaasError::usage(
            call,
            path,
            format!(
                "MAAS takes no parameter {bad} for {} (it takes: {takes})",
                call.name
            ),
        ));
    }
    Ok(path)
}

fn decode_error(call: &Call, path: String, e: serde_json::Error) -> MaasError {
    MaasError {
        kind: ErrorKind::Decode,
        method: call.verb.as_str().to_string(),
        path,
        op: call.op.map(str::to_string),
        status: None,
        body: format!("the answer does not fit the {} model: {e}", call.name),
        attempts: 1,
    }
}

/// MAAS's answer with the key's secret removed: a 401 for a wrong signature quotes the
/// signature MAAS expected, which is the secret itself.
fn scrub(body: &str, key: &ApiKey) -> String {
    let body = if key.token_secret.is_empty() {
        body.to_string()
    } else {
        body.replace(&key.token_secret, "<redacted>")
    };
    match body.find("Expected signature base string:") {
        Some(at) => format!("{}Expected signature base string: <redacted>'", &body[..at]),
        None => body,
    }
}

/// A success body: JSON, MAAS's plain-text `OK`, or nothing (204).
/// How an answer's body is written, from its content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyType {
    Json,
    /// `op=details`: a BSON document of the commissioning output.
    Bson,
    Text,
}

impl BodyType {
    fn of(content_type: Option<&str>) -> BodyType {
        match content_type {
            Some(ct) if ct.contains("json") => BodyType::Json,
            Some(ct) if ct.contains("bson") => BodyType::Bson,
            _ => BodyType::Text,
        }
    }
}

fn decode(status: u16, body_type: BodyType, body: &[u8]) -> Result<serde_json::Value, String> {
    if status == 204 || body.trim_ascii().is_empty() {
        return Ok(serde_json::Value::Null);
    }
    match body_type {
        BodyType::Json => serde_json::from_slice(body).map_err(|e| {
            format!(
                "the body is not valid JSON ({e}): {}",
                String::from_utf8_lossy(body)
            )
        }),
        BodyType::Bson => bson_to_json(body),
        BodyType::Text => Ok(serde_json::Value::String(
            String::from_utf8_lossy(body).into_owned(),
        )),
    }
}

/// A BSON document as JSON: binary fields (MAAS's commissioning output, XML or text) as
/// strings, lossily where they are not UTF-8.
fn bson_to_json(body: &[u8]) -> Result<serde_json::Value, String> {
    use bson::RawBsonRef;
    let doc =
        bson::RawDocument::from_bytes(body).map_err(|e| format!("the body is not a BSON document: {e}"))?;
    let mut out = serde_json::Map::new();
    for element in doc {
        let (key, value) = element.map_err(|e| format!("the BSON document is damaged: {e}"))?;
        let value = match value {
            RawBsonRef::Binary(b) => String::from_utf8_lossy(b.bytes).into_owned().into(),
            RawBsonRef::String(s) => s.into(),
            RawBsonRef::Null => serde_json::Value::Null,
            RawBsonRef::Int32(n) => n.into(),
            RawBsonRef::Int64(n) => n.into(),
            RawBsonRef::Boolean(b) => b.into(),
            other => {
                return Err(format!(
                    "unexpected BSON {:?} in field {key}",
                    other.element_type()
                ));
            }
        };
        out.insert(key.to_string(), value);
    }
    Ok(serde_json::Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_base_accepts_the_usual_spellings() {
        for url in [
            "http://m:5240",
            "http://m:5240/",
            "http://m:5240/MAAS",
            "http://m:5240/MAAS/",
            "http://m:5240/MAAS/api/2.0",
            "http://m:5240/MAAS/api/2.0/",
        ] {
            assert_eq!(api_base(url), "http://m:5240/MAAS/api/2.0/", "{url}");
        }
    }

    #[test]
    fn answers_never_carry_the_secret() {
        let key =
            ApiKey::parse("aaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbb:cccccccccccccccccccccccccccccccc").unwrap();
        let body = "Authorization Error: 'Invalid signature. Expected signature base string: &cccccccccccccccccccccccccccccccc'";
        let clean = scrub(body, &key);
        assert!(!clean.contains("cccccccc"), "{clean}");
        assert!(clean.starts_with("Authorization Error: 'Invalid signature."));
        assert_eq!(
            scrub("echo cccccccccccccccccccccccccccccccc", &key),
            "echo <redacted>"
        );
    }

    #[test]
    fn success_bodies() {
        assert_eq!(decode(204, BodyType::Text, b""), Ok(serde_json::Value::Null));
        assert_eq!(
            decode(200, BodyType::Json, b"{\"a\": 1}"),
            Ok(serde_json::json!({"a": 1}))
        );
        assert_eq!(decode(200, BodyType::Text, b"OK"), Ok(serde_json::json!("OK")));
        assert!(decode(200, BodyType::Json, b"{not json").is_err());
        assert_eq!(BodyType::of(Some("application/bson")), BodyType::Bson);
    }

    #[test]
    fn a_bson_answer_reads_as_json_with_its_binary_fields_as_text() {
        let mut doc = bson::RawDocumentBuf::new();
        doc.append(
            bson::cstr!("lshw"),
            bson::RawBinaryRef {
                subtype: bson::spec::BinarySubtype::Generic,
                bytes: b"<list/>",
            },
        );
        doc.append(bson::cstr!("lldp"), bson::RawBsonRef::Null);
        assert_eq!(
            decode(200, BodyType::Bson, doc.as_bytes()),
            Ok(serde_json::json!({"lshw": "<list/>", "lldp": null}))
        );
        let damaged = &doc.as_bytes()[..doc.as_bytes().len() - 3];
        assert!(decode(200, BodyType::Bson, damaged).is_err());
    }
}
