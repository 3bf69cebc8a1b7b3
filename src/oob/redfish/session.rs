//! How requests are authenticated: a Redfish session where the BMC has a session service
//! (`POST` the account to its Sessions collection, send `X-Auth-Token` after, `DELETE` the
//! session to log out), HTTP Basic on every request where it has none. A session is opened
//! on the first request that needs it and kept for the driver's life: BMCs cap how many
//! they hold, so one per driver, logged out in `close()`.

use reqwest::Method;
use reqwest::header::{HeaderValue, LOCATION};

use super::client::{Answer, Client};
use crate::oob::{OobError, OobErrorKind};

/// How the driver authenticates now.
pub enum Auth {
    Basic,
    /// Sessions, at `login`; `token` is the open one, if any.
    Session {
        login: String,
        token: Option<Token>,
    },
}

/// An open session.
pub struct Token {
    /// The `X-Auth-Token` value, marked sensitive so it never prints.
    pub header: HeaderValue,
    /// The session resource, deleted to log out; some BMCs do not say it.
    pub location: Option<String>,
}

/// What one request carries.
#[derive(Clone)]
pub enum Credentials {
    /// Nothing: the service root and the login itself.
    None,
    Basic,
    Token(HeaderValue),
}

/// Opens a session at `uri`. `None` when the BMC turns out to have no usable session
/// service (404/405, or a login answer without a token): HTTP Basic then.
pub async fn login(client: &Client, uri: &str) -> Result<Option<Token>, OobError> {
    let bmc = client.bmc();
    let account = serde_json::json!({
        "UserName": bmc.account,
        "Password": bmc.credential.expose(),
    });
    let answer = client
        .exchange(Method::POST, uri, Some(&account), &Credentials::None, None)
        .await
        .map_err(|e| OobError {
            message: format!("Login failed: Server unreachable: {}", e.message),
            ..e
        })?;
    if matches!(answer.status.as_u16(), 404 | 405) {
        tracing::debug!(node = %bmc.node, "{uri} answered {}: no sessions, using HTTP Basic", answer.status);
        return Ok(None);
    }
    if !answer.status.is_success() {
        let e = client.failure(&Method::POST, uri, &answer);
        return Err(match e.kind {
            OobErrorKind::Auth => e,
            _ => OobError {
                message: format!("Login failed: {}", e.message),
                ..e
            },
        });
    }
    let Some(mut header) = answer.headers.get("x-auth-token").cloned() else {
        tracing::debug!(node = %bmc.node, "the login at {uri} gave no X-Auth-Token: using HTTP Basic");
        return Ok(None);
    };
    header.set_sensitive(true);
    Ok(Some(Token {
        header,
        location: session_location(&answer),
    }))
}

/// The session resource: the `Location` header, else the `@odata.id` of the answer.
fn session_location(answer: &Answer) -> Option<String> {
    if let Some(location) = answer.headers.get(LOCATION).and_then(|v| v.to_str().ok()) {
        return Some(location.to_string());
    }
    let body: serde_json::Value = serde_json::from_slice(&answer.body).ok()?;
    Some(body.get("@odata.id")?.as_str()?.to_string())
}

/// Deletes the session. A failure is only logged: the BMC expires sessions on its own,
/// and nothing the caller does depends on it.
pub async fn logout(client: &Client, token: Token) {
    let node = &client.bmc().node;
    let Some(location) = token.location else {
        tracing::debug!(%node, "the BMC gave no session location: the session is left to expire");
        return;
    };
    match client
        .exchange(
            Method::DELETE,
            &location,
            None,
            &Credentials::Token(token.header),
            None,
        )
        .await
    {
        Ok(answer) if answer.status.is_success() || answer.status.as_u16() == 404 => {
            tracing::debug!(%node, "logged out of {location}");
        }
        Ok(answer) => {
            let e = client.failure(&Method::DELETE, &location, &answer);
            tracing::debug!(%node, "logout failed: {}", e.message);
        }
        Err(e) => tracing::debug!(%node, "logout failed: {}", e.message),
    }
}
