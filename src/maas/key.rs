//! MAAS API keys: `consumer_key:token_key:token_secret`, checked before any request. The
//! key is never printed: not by `Debug`, not in errors.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub(crate) consumer_key: String,
    pub(crate) token_key: String,
    pub(crate) token_secret: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "the MAAS API key must be three fields consumer_key:token_key:token_secret separated by ':', got {fields} field(s) (`maas apikey --username=USER` prints one)"
    )]
    FieldCount { fields: usize },
    #[error("the MAAS API key's {field} is empty")]
    EmptyField { field: &'static str },
    #[error(
        "the MAAS API key's {field} has a character that is not a letter or digit (keys are alphanumeric)"
    )]
    BadCharacter { field: &'static str },
}

impl ApiKey {
    pub fn parse(text: &str) -> Result<ApiKey, KeyError> {
        let text = text.trim();
        let fields: Vec<&str> = text.split(':').collect();
        let [consumer_key, token_key, token_secret] = fields[..] else {
            return Err(KeyError::FieldCount { fields: fields.len() });
        };
        for (field, value) in [
            ("consumer key", consumer_key),
            ("token key", token_key),
            ("token secret", token_secret),
        ] {
            if value.is_empty() {
                return Err(KeyError::EmptyField { field });
            }
            if !value.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(KeyError::BadCharacter { field });
            }
        }
        Ok(ApiKey {
            consumer_key: consumer_key.to_string(),
            token_key: token_key.to_string(),
            token_secret: token_secret.to_string(),
        })
    }

    /// A fresh key in MAAS's shape (18, 18 and 32 alphanumerics), e.g. for the simulator.
    pub fn generate() -> ApiKey {
        use rand::Rng;
        use rand::distributions::Alphanumeric;
        let mut rng = rand::thread_rng();
        let mut part = |n: usize| {
            (&mut rng)
                .sample_iter(&Alphanumeric)
                .take(n)
                .map(char::from)
                .collect::<String>()
        };
        ApiKey {
            consumer_key: part(18),
            token_key: part(18),
            token_secret: part(32),
        }
    }

    /// The key as MAAS prints it, for the one place that must show it (`drydock sim`'s banner).
    pub fn expose(&self) -> String {
        format!("{}:{}:{}", self.consumer_key, self.token_key, self.token_secret)
    }

    pub fn consumer_key(&self) -> &str {
        &self.consumer_key
    }

    pub fn token_key(&self) -> &str {
        &self.token_key
    }

    /// Whether `secret` is this key's token secret.
    pub fn secret_is(&self, secret: &str) -> bool {
        self.token_secret == secret
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({}:{}:<redacted>)", self.consumer_key, self.token_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_three_alphanumeric_fields() {
        let k = ApiKey::parse(" cKey123:tKey456:tSecret789\n").unwrap();
        assert_eq!((k.consumer_key(), k.token_key()), ("cKey123", "tKey456"));
        assert!(k.secret_is("tSecret789"));
        assert_eq!(k.expose(), "cKey123:tKey456:tSecret789");
    }

    #[test]
    fn errors_say_what_is_wrong_without_echoing_the_key() {
        let cases = [
            ("onlyone", KeyError::FieldCount { fields: 1 }),
            ("a:b:c:d", KeyError::FieldCount { fields: 4 }),
            ("a::c", KeyError::EmptyField { field: "token key" }),
            (
                "a:b:s3cr3t!",
                KeyError::BadCharacter {
                    field: "token secret",
                },
            ),
        ];
        for (text, want) in cases {
            let err = ApiKey::parse(text).unwrap_err();
            assert_eq!(err, want);
            assert!(!err.to_string().contains("s3cr3t"), "{err}");
        }
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let k = ApiKey::parse("ck:tk:topsecret").unwrap();
        assert_eq!(format!("{k:?}"), "ApiKey(ck:tk:<redacted>)");
        let g = ApiKey::generate();
        assert_eq!(
            (g.consumer_key.len(), g.token_key.len(), g.token_secret.len()),
            (18, 18, 32)
        );
        assert!(ApiKey::parse(&g.expose()).is_ok());
    }
}
