//! OAuth checked as MAAS checks it (piston3): the answers, status codes and texts of a real
//! region for every way a header can be wrong.

use std::collections::HashMap;

use super::reply::Reply;
use super::state::State;

/// MAAS refuses timestamps more than this many seconds old (future ones pass).
pub const TIMESTAMP_WINDOW: u64 = 300;

fn oauth_error(text: String) -> Reply {
    Reply::text(401, format!("Authorization Error: {text}"))
        .with_content_type("text/html; charset=utf-8")
        .with_header("www-authenticate", "OAuth realm=\"OAuth\"")
        .without_hash()
}

/// A value a client sent, made safe to echo in MAAS's `text/html` error page.
fn html_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
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

/// A timestamp as Python's `int()` reads it (sign, digits, `_` between digits, blanks
/// around): its value, saturated to what an `i128` holds, and the digits Python prints back.
fn python_int(text: &str) -> Option<(i128, String)> {
    let t = text.trim();
    let (negative, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let groups: Vec<&str> = digits.split('_').collect();
    if groups
        .iter()
        .any(|g| g.is_empty() || !g.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let digits = groups.concat();
    let digits = match digits.trim_start_matches('0') {
        "" => "0",
        d => d,
    };
    let magnitude = digits.parse::<i128>().unwrap_or(i128::MAX);
    let negative = negative && digits != "0";
    let printed = if negative {
        format!("-{digits}")
    } else {
        digits.to_string()
    };
    Some((if negative { -magnitude } else { magnitude }, printed))
}

/// The index in `state.users` of the signer of a valid header; otherwise MAAS's answer.
pub fn check(header: Option<&str>, state: &mut State, now: u64) -> Result<usize, Reply> {
    let forbidden = || Reply::text(401, "Forbidden".into());
    let Some(rest) = header.and_then(|h| h.trim().strip_prefix("OAuth ")) else {
        return Err(forbidden());
    };
    let mut params: HashMap<String, String> = HashMap::new();
    for (k, v) in rest
        .split(',')
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(k, _)| !k.contains("realm"))
    {
        // MAAS's parser would keep the last; OAuth (RFC 5849, 3.1) allows each parameter
        // once, and which signature was checked must not depend on the order.
        if params
            .insert(k.trim().to_string(), percent_decode(v.trim().trim_matches('"')))
            .is_some()
        {
            return Err(oauth_error(format!(
                "'Duplicated OAuth parameter: {}'",
                html_escaped(k.trim())
            )));
        }
    }
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
            html_escaped(p("oauth_token"))
        )));
    }
    let Some((timestamp, given)) = python_int(p("oauth_timestamp")) else {
        // MAAS's OAuth library fails outright on this (golden 211): a 500, in text/plain.
        return Err(Reply::plain_error(
            500,
            format!(
                "invalid literal for int() with base 10: '{}'",
                p("oauth_timestamp")
            ),
        ));
    };
    let now_i = i128::from(now);
    if now_i.saturating_sub(timestamp) > i128::from(TIMESTAMP_WINDOW) {
        return Err(oauth_error(format!(
            "'Expired timestamp: given {given} and now {now} has a greater difference than threshold {TIMESTAMP_WINDOW}'"
        )));
    }
    state.nonces.sweep(now);
    let nonce = p("oauth_nonce");
    if state.nonces.contains(nonce) {
        return Err(oauth_error(format!(
            "'Nonce already used: {}'",
            html_escaped(nonce)
        )));
    }
    let secret = p("oauth_signature").strip_prefix('&').unwrap_or_default();
    if p("oauth_signature_method") != "PLAINTEXT" || !state.users[user].key.secret_is(secret) {
        // MAAS echoes the expected signature; the simulator does not hand out its secret.
        return Err(oauth_error(
            "'Invalid signature. Expected signature base string: &<token secret>'".into(),
        ));
    }
    // Kept while this header's timestamp passes, and no longer than the window from now, as
    // MAAS purges its nonces (a far-future timestamp would otherwise keep it for ever).
    let passes_until = timestamp.clamp(0, now_i) as u64 + TIMESTAMP_WINDOW;
    state.nonces.insert(nonce, passes_until);
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

    #[test]
    fn timestamps_are_read_as_python_reads_an_int() {
        let mut s = state();
        let now = 1_795_603_461;
        let at = |ts: &str, nonce: &str| {
            format!(
                "OAuth oauth_nonce=\"{nonce}\", oauth_timestamp=\"{ts}\", oauth_signature_method=\"PLAINTEXT\", oauth_consumer_key=\"ck\", oauth_token=\"tk\", oauth_signature=\"%26secret\""
            )
        };
        let refused = check(Some(&at("-5", "a")), &mut s, now).unwrap_err();
        assert_eq!(refused.status, 401);
        assert_eq!(
            refused.body_text(),
            format!(
                "Authorization Error: 'Expired timestamp: given -5 and now {now} has a greater difference than threshold 300'"
            )
        );
        let huge = "-".to_string() + &"9".repeat(40);
        assert_eq!(check(Some(&at(&huge, "b")), &mut s, now).unwrap_err().status, 401);
        assert!(
            check(Some(&at(&"9".repeat(40), "c")), &mut s, now).is_ok(),
            "a far future passes, as it does on MAAS"
        );
        // Not an int at all: the 500 a real 3.4 region gave (golden 211).
        let broken = check(Some(&at("notanumber", "d")), &mut s, now).unwrap_err();
        assert_eq!(broken.status, 500);
        assert_eq!(
            broken.body_text(),
            "invalid literal for int() with base 10: 'notanumber'"
        );
    }

    #[test]
    fn a_parameter_given_twice_is_refused() {
        let mut s = state();
        let now = 1_795_603_461;
        for (first, last) in [("%26nope", "%26secret"), ("%26secret", "%26nope")] {
            let h = format!(
                "{}, oauth_signature=\"{last}\"",
                header("ck", "tk", first, now, &format!("n-{first}"))
            );
            let refused = check(Some(&h), &mut s, now).unwrap_err();
            assert_eq!(refused.status, 401, "{h}");
        }
        let h = format!(
            "{}, oauth_nonce=\"other\"",
            header("ck", "tk", "%26secret", now, "n")
        );
        assert_eq!(check(Some(&h), &mut s, now).unwrap_err().status, 401);
    }

    #[test]
    fn nonces_are_kept_only_while_their_timestamp_could_pass() {
        let mut s = state();
        let now = 1_795_603_461;
        assert!(check(Some(&header("ck", "tk", "&secret", now, "old")), &mut s, now).is_ok());
        // A far-future timestamp does not keep its nonce for ever either.
        assert!(
            check(
                Some(&header("ck", "tk", "&secret", now + 86_400, "future")),
                &mut s,
                now
            )
            .is_ok()
        );
        assert_eq!(s.nonces.len(), 2);
        let later = now + TIMESTAMP_WINDOW + 1;
        assert!(check(Some(&header("ck", "tk", "&secret", later, "new")), &mut s, later).is_ok());
        assert_eq!(
            s.nonces.len(),
            1,
            "only the nonce still inside the window is kept"
        );
        // The old header is refused all the same: its timestamp has expired.
        let replay = check(Some(&header("ck", "tk", "&secret", now, "old")), &mut s, later);
        assert!(replay.unwrap_err().body_text().contains("Expired timestamp"));
    }

    #[test]
    fn echoed_values_are_escaped_for_html() {
        let mut s = state();
        let now = 1_795_603_461;
        let h = header("ck", "%3Cb%3E%26%22'", "&secret", now, "n");
        let body = check(Some(&h), &mut s, now).unwrap_err().body_text();
        assert_eq!(
            body,
            "Authorization Error: 'Invalid access token: &lt;b&gt;&amp;&quot;&#x27;'"
        );
    }
}
