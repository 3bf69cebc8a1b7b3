//! One BMC's HTTP side: requests resolved against its endpoint, authenticated (a session
//! renewed once when the BMC stops accepting its token), and failures made into
//! [`OobError`]s that say what was asked, what the BMC answered, and never the password.

use std::error::Error as _;
use std::time::Duration;

use reqwest::header::{ACCEPT, ETAG, HeaderMap, IF_MATCH, LOCATION, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

use super::session::{self, Auth, Credentials};
use super::tls;
use crate::oob::{Bmc, OobError, OobErrorKind};

/// One HTTP answer, whatever its status.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// The resource's ETag: the header, else the body's `@odata.etag`.
    pub fn etag(&self) -> Option<String> {
        if let Some(tag) = self.headers.get(ETAG).and_then(|v| v.to_str().ok()) {
            return Some(tag.to_string());
        }
        let body: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        Some(body.get("@odata.etag")?.as_str()?.to_string())
    }
}

pub struct Client {
    http: reqwest::Client,
    /// `scheme://host:port` of the BMC; every path the BMC gives is resolved against it.
    base: Url,
    bmc: Bmc,
    timeout: Duration,
    auth: Mutex<Auth>,
}

impl Client {
    pub fn new(bmc: &Bmc, timeout: Duration) -> Result<Client, OobError> {
        let base = match Url::parse(&bmc.endpoint) {
            Ok(u)
                if matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()) =>
            {
                u
            }
            Ok(_) | Err(_) => {
                return Err(OobError::new(
                    OobErrorKind::Config,
                    bmc,
                    format!(
                        "the Redfish endpoint {:?} is not an http:// or https:// URL with a host",
                        bmc.endpoint
                    ),
                ));
            }
        };
        Ok(Client {
            http: tls::client(bmc, timeout)?,
            base,
            bmc: bmc.clone(),
            timeout,
            auth: Mutex::new(Auth::Basic),
        })
    }

    pub fn bmc(&self) -> &Bmc {
        &self.bmc
    }

    /// Authenticates with sessions at `login` from now on (the first request logs in). A
    /// session already open (a discovery tried again) is kept.
    pub async fn use_sessions(&self, login: String) {
        let mut auth = self.auth.lock().await;
        if matches!(*auth, Auth::Basic) {
            *auth = Auth::Session { login, token: None };
        }
    }

    /// Logs out of the session, if one is open.
    pub async fn close(&self) {
        let mut auth = self.auth.lock().await;
        if let Auth::Session { token, .. } = &mut *auth
            && let Some(token) = token.take()
        {
            session::logout(self, token).await;
        }
    }

    /// GET without credentials (the service root).
    pub async fn get_open<T: DeserializeOwned>(&self, path: &str) -> Result<T, OobError> {
        let answer = self
            .exchange(Method::GET, path, None, &Credentials::None, None)
            .await?;
        if !answer.status.is_success() {
            return Err(self.failure(&Method::GET, path, &answer));
        }
        self.decode(path, &answer)
    }

    /// An authenticated GET that must succeed.
    pub async fn fetch(&self, path: &str) -> Result<Answer, OobError> {
        let answer = self.request(Method::GET, path, None, None).await?;
        if !answer.status.is_success() {
            return Err(self.failure(&Method::GET, path, &answer));
        }
        Ok(answer)
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, OobError> {
        let answer = self.fetch(path).await?;
        self.decode(path, &answer)
    }

    /// An authenticated POST that must succeed (200, 201, 202 or 204).
    pub async fn post(&self, path: &str, body: &serde_json::Value) -> Result<Answer, OobError> {
        let answer = self.request(Method::POST, path, Some(body), None).await?;
        if !answer.status.is_success() {
            return Err(self.failure(&Method::POST, path, &answer));
        }
        Ok(answer)
    }

    pub fn decode<T: DeserializeOwned>(&self, path: &str, answer: &Answer) -> Result<T, OobError> {
        serde_json::from_slice(&answer.body).map_err(|e| {
            OobError::new(
                OobErrorKind::Refused,
                &self.bmc,
                format!("GET {path}: the answer is not the Redfish resource expected: {e}"),
            )
        })
    }

    /// An authenticated request, whatever status it gets. A session the BMC no longer
    /// accepts (401) is opened anew once and the request sent again.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
        if_match: Option<&str>,
    ) -> Result<Answer, OobError> {
        let credentials = self.credentials().await?;
        let answer = self
            .exchange(method.clone(), path, body, &credentials, if_match)
            .await?;
        let Credentials::Token(used) = credentials else {
            return Ok(answer);
        };
        if answer.status != StatusCode::UNAUTHORIZED {
            return Ok(answer);
        }
        tracing::debug!(node = %self.bmc.node, "{method} {path}: the session was refused, logging in again");
        self.forget(&used).await;
        let credentials = self.credentials().await?;
        self.exchange(method, path, body, &credentials, if_match).await
    }

    /// The credentials for the next request, logging in first when a session is due.
    async fn credentials(&self) -> Result<Credentials, OobError> {
        let mut auth = self.auth.lock().await;
        let login = match &*auth {
            Auth::Basic => return Ok(Credentials::Basic),
            Auth::Session { token: Some(t), .. } => return Ok(Credentials::Token(t.header.clone())),
            Auth::Session { login, token: None } => login.clone(),
        };
        Ok(match session::login(self, &login).await? {
            Some(token) => {
                let header = token.header.clone();
                *auth = Auth::Session {
                    login,
                    token: Some(token),
                };
                Credentials::Token(header)
            }
            None => {
                *auth = Auth::Basic;
                Credentials::Basic
            }
        })
    }

    /// Drops the session token `used` unless another request has already renewed it.
    async fn forget(&self, used: &reqwest::header::HeaderValue) {
        if let Auth::Session { token, .. } = &mut *self.auth.lock().await
            && token.as_ref().is_some_and(|t| t.header == *used)
        {
            *token = None;
        }
    }

    /// One HTTP request as it is given; transport failures become errors, any answer is
    /// returned.
    pub async fn exchange(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
        credentials: &Credentials,
        if_match: Option<&str>,
    ) -> Result<Answer, OobError> {
        let url = self.url(path)?;
        let mut request = self
            .http
            .request(method.clone(), url)
            .header(ACCEPT, "application/json");
        request = match credentials {
            Credentials::None => request,
            Credentials::Basic => request.basic_auth(&self.bmc.account, Some(self.bmc.credential.expose())),
            Credentials::Token(token) => request.header("X-Auth-Token", token.clone()),
        };
        if let Some(tag) = if_match {
            request = request.header(IF_MATCH, tag);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let failed = |e: reqwest::Error| self.transport_error(&method, path, &e);
        let response = request.send().await.map_err(failed)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(failed)?.to_vec();
        tracing::debug!(node = %self.bmc.node, "{method} {path}: {status}");
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// `path` resolved against the endpoint. An absolute URL the BMC gives keeps only its
    /// path: the BMC may not know the address it is reached at, and credentials go to the
    /// endpoint only.
    fn url(&self, path: &str) -> Result<Url, OobError> {
        let relative = match Url::parse(path) {
            Ok(absolute) => match absolute.query() {
                Some(q) => format!("{}?{q}", absolute.path()),
                None => absolute.path().to_string(),
            },
            Err(_) => path.to_string(),
        };
        self.base.join(&relative).map_err(|e| {
            OobError::new(
                OobErrorKind::Refused,
                &self.bmc,
                format!("the BMC gave the URI {path:?}, which is not one: {e}"),
            )
        })
    }

    /// What went wrong when the BMC answered `answer` to `method path`.
    pub fn failure(&self, method: &Method, path: &str, answer: &Answer) -> OobError {
        let status = answer.status;
        let kind = match status.as_u16() {
            401 => OobErrorKind::Auth,
            409 | 412 | 429 | 500 | 502 | 503 | 504 => OobErrorKind::Transient,
            _ => OobErrorKind::Refused,
        };
        let mut message = format!("{method} {path} answered {status}");
        if status.is_redirection() {
            let to = answer.headers.get(LOCATION).and_then(|v| v.to_str().ok());
            message.push_str(&format!(
                ": a redirect to {} on another host, which drydock does not follow",
                to.unwrap_or("nowhere")
            ));
        }
        let said = super::wire::error_message(&answer.body);
        if !said.is_empty() {
            message.push_str(": ");
            message.push_str(&said);
        }
        if let Some(after) = answer.headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()) {
            message.push_str(&format!(" (the BMC asks to retry after {after})"));
        }
        if kind == OobErrorKind::Auth {
            message = format!("Login failed: Invalid credentials: {message}");
        }
        OobError::new(kind, &self.bmc, self.scrub(message))
    }

    /// A request that got no answer: unreachable, too slow, or a certificate not trusted.
    fn transport_error(&self, method: &Method, path: &str, e: &reqwest::Error) -> OobError {
        let origin = self.base.origin().ascii_serialization();
        let (kind, message) = if let Some(tls) = rustls_cause(e) {
            match tls {
                rustls::Error::InvalidCertificate(why) => (
                    OobErrorKind::Config,
                    format!(
                        "the TLS certificate of {origin} was not accepted ({why:?}); give the CA that signed it with oob.ca_file, or set oob.tls_verify: false to skip the check"
                    ),
                ),
                other => (
                    OobErrorKind::Unreachable,
                    format!("the TLS handshake with {origin} failed ({method} {path}): {other}"),
                ),
            }
        } else if e.is_timeout() {
            (
                OobErrorKind::Unreachable,
                format!(
                    "no answer from {origin} within {} s ({method} {path})",
                    self.timeout.as_secs_f64()
                ),
            )
        } else {
            (
                OobErrorKind::Unreachable,
                format!("cannot reach {origin} ({method} {path}): {}", innermost(e)),
            )
        };
        OobError::new(kind, &self.bmc, self.scrub(message))
    }

    /// `text` without the password, should a BMC ever echo it.
    fn scrub(&self, text: String) -> String {
        let password = self.bmc.credential.expose();
        if password.is_empty() {
            text
        } else {
            text.replace(password, "<redacted>")
        }
    }
}

/// The innermost cause of a transport error, which says most ("Connection refused (os
/// error 111)"); reqwest's own words wrap it in its request and client layers.
fn innermost(e: &reqwest::Error) -> String {
    let mut last: &dyn std::error::Error = e;
    while let Some(cause) = last.source() {
        last = cause;
    }
    last.to_string()
}

/// The TLS error behind a failed request, if that is what it was. An I/O error wraps it
/// without listing it as its source, so the walk goes into those.
fn rustls_cause(e: &reqwest::Error) -> Option<&rustls::Error> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = e.source();
    while let Some(c) = cause {
        if let Some(tls) = c.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        cause = match c.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner),
            None => c.source(),
        };
    }
    None
}
