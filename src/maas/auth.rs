//! The `Authorization` header MAAS expects: OAuth 1.0, PLAINTEXT signature, empty consumer
//! secret (MAAS's keys have none).

use std::num::NonZeroU64;

use oauth1_request as oauth;

use super::key::ApiKey;

/// The header for one request. `url` must not carry a query string (PLAINTEXT signs none,
/// and the crate refuses one); `nonce`/`timestamp` are fixed only by tests.
pub fn authorization(key: &ApiKey, method: &str, url: &str, fixed: Option<(&str, u64)>) -> String {
    let url = url.split('?').next().unwrap_or(url);
    let token = oauth::Token::from_parts(
        key.consumer_key.as_str(),
        "",
        key.token_key.as_str(),
        key.token_secret.as_str(),
    );
    let mut builder = oauth::Builder::with_token(token, oauth::PLAINTEXT);
    // oauth_version="1.0", as MAAS's own clients send.
    builder.version(true);
    if let Some((nonce, timestamp)) = fixed {
        builder.nonce(nonce);
        builder.timestamp(NonZeroU64::new(timestamp));
    }
    builder.authorize(method, url, &())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_vector() {
        let key = ApiKey::parse("cKey123:tKey456:tSecret789").unwrap();
        let h = authorization(
            &key,
            "GET",
            "http://maas:5240/MAAS/api/2.0/machines/?op=list",
            Some(("fixednonce", 1_700_000_000)),
        );
        assert_eq!(
            h,
            "OAuth oauth_consumer_key=\"cKey123\",oauth_nonce=\"fixednonce\",oauth_signature_method=\"PLAINTEXT\",oauth_timestamp=\"1700000000\",oauth_token=\"tKey456\",oauth_version=\"1.0\",oauth_signature=\"&tSecret789\""
        );
    }

    #[test]
    fn fresh_nonce_and_timestamp_per_request() {
        let key = ApiKey::parse("a:b:c").unwrap();
        let one = authorization(&key, "POST", "http://m/MAAS/api/2.0/fabrics/", None);
        let two = authorization(&key, "POST", "http://m/MAAS/api/2.0/fabrics/", None);
        assert_ne!(one, two);
        assert!(one.contains("oauth_timestamp=\"") && one.contains("oauth_signature=\"&c\""));
    }
}
