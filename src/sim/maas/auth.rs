//! OAuth checked as MAAS checks it (piston3): the answers, status codes and texts of a real
//! region for every way a header can be wrong.

use std::collections::HashMap;

use super::reply::Reply;
use super::state::State;

/// MAAS refuses timestamps more than this many seconds old (future ones pass).
const TIMESTAMP_WINDOW: u64 = 300;

fn oauth_error(text: String) -> Reply {
    Reply::text(401, format!("Authorization Error: {text}"))
        .with_content_type("text/html; charset=utf-8")
        .with_header("www-authenticate", "OAuth realm=\"OAuth\"")
        .without_hash()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The index in `state.users` of the signer of a valid header; otherwise MAAS's answer.
pub fn check(header: Option<&str>, state: &mut State, now: u64) -> Result<usize, Reply> {
    let forbidden = || Reply::text(401, "Forbidden".into());
    let Some(rest) = header.and_then(|h| h.trim().strip_prefix("OAuth ")) else {
        return Err(forbidden());
    };
    let params: HashMap<String, String> = rest
        .split(',')
        .filter_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            Some((k.trim().to_string(), percent_decode(v.trim().trim_matches('"'))))
        })
        .filter(|(k, _)| !k.contains("realm"))
        .collect();
    let required = [
        "oauth_consumer_key",
        "oauth_token",
        "oauth_signature_method",
        "oauth_signature",
        "oauth_timestamp",
        "oauth_nonce",
    ];
    if required.iter().any(|k| !params.contains_key(*k)) {
        return Err(forbidden());
    }
    let p = |k: &str| params.get(k).map(String::as_str).unwrap_or_default();
    let Some(user) = state
        .users
        .iter()
        .position(|u| u.key.consumer_key() == p("oauth_consumer_key"))
    else {
        return Err(oauth_error("Invalid API key.".into()));
    };
    let key = &state.users[user].key;
    if p("oauth_token") != key.token_key() {
        return Err(oauth_error(format!(
            "'Invalid access token: {}'",
            p("oauth_token")
        )));
    }
    let Ok(timestamp) = p("oauth_timestamp").parse::<u64>() else {
        // MAAS's OAuth library fails outright on this.
        return Err(Reply::plain_error(
            500,
            format!(
                "invalid literal for int() with base 10: '{}'",
                p("oauth_timestamp")
            ),
        ));
    };
    if timestamp + TIMESTAMP_WINDOW < now {
        return Err(oauth_error(format!(
            "'Expired timestamp: given {timestamp} and now {now} has a greater difference than threshold {TIMESTAMP_WINDOW}'"
        )));
    }
    let nonce = p("oauth_nonce").to_string();
    if state.nonces.contains(&nonce) {
        return Err(oauth_error(format!("'Nonce already used: {nonce}'")));
    }
    let secret = p("oauth_signature").strip_prefix('&').unwrap_or_default();
    if p("oauth_signature_method") != "PLAINTEXT" || !state.users[user].key.secret_is(secret) {
        // MAAS echoes the expected signature; the simulator does not hand out its secret.
        return Err(oauth_error(
            "'Invalid signature. Expected signature base string: &<token secret>'".into(),
        ));
    }
    state.nonces.insert(nonce);
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maas::ApiKey;

    fn state() -> State {
        State::new(ApiKey::parse("ck:tk:secret").unwrap())
    }

    fn header(ck: &str, tk: &str, sig: &str, ts: u64, nonce: &str) -> String {
        format!(
            "OAuth realm=\"\", oauth_nonce=\"{nonce}\", oauth_timestamp=\"{ts}\", oauth_version=\"1.0\", oauth_signature_method=\"PLAINTEXT\", oauth_consumer_key=\"{ck}\", oauth_token=\"{tk}\", oauth_signature=\"{sig}\""
        )
    }

    #[test]
    fn answers_like_maas() {
        let mut s = state();
        let now = 1_795_603_461;
        assert!(
            check(Some(&header("ck", "tk", "%26secret", now, "n1")), &mut s, now).is_ok(),
            "percent-encoded"
        );
        assert!(
            check(Some(&header("ck", "tk", "&secret", now, "n2")), &mut s, now).is_ok(),
            "raw"
        );
        let body = |r: Result<usize, Reply>| r.unwrap_err().body_text();
        assert_eq!(body(check(None, &mut s, now)), "Forbidden");
        assert_eq!(body(check(Some("Bearer abc"), &mut s, now)), "Forbidden");
        assert_eq!(body(check(Some("OAuth garbage"), &mut s, now)), "Forbidden");
        assert_eq!(
            body(check(
                Some(&header("xx", "tk", "&secret", now, "n3")),
                &mut s,
                now
            )),
            "Authorization Error: Invalid API key."
        );
        assert_eq!(
            body(check(
                Some(&header("ck", "BB", "&secret", now, "n4")),
                &mut s,
                now
            )),
            "Authorization Error: 'Invalid access token: BB'"
        );
        assert!(
            body(check(Some(&header("ck", "tk", "&nope", now, "n5")), &mut s, now))
                .contains("Invalid signature")
        );
        assert!(
            body(check(
                Some(&header("ck", "tk", "&secret", now - 3600, "n6")),
                &mut s,
                now
            ))
            .contains("Expired timestamp")
        );
        assert!(
            check(
                Some(&header("ck", "tk", "&secret", now + 3600, "n7")),
                &mut s,
                now
            )
            .is_ok(),
            "future passes"
        );
        assert_eq!(
            body(check(
                Some(&header("ck", "tk", "&secret", now, "n1")),
                &mut s,
                now
            )),
            "Authorization Error: 'Nonce already used: n1'"
        );
    }
}
