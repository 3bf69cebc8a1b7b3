//! Who may call the region: its users with their API keys, and the SSH keys deployed
//! machines get.

use crate::maas::ApiKey;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct User {
    pub username: String,
    pub email: String,
    pub is_superuser: bool,
    #[serde(with = "key_text")]
    pub key: ApiKey,
}

/// A key as `consumer:token:secret`. The `--state` file is the one place the simulator
/// writes its keys, so the printed key keeps working after a restart; the file is readable
/// by its owner only.
pub mod key_text {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::maas::ApiKey;

    pub fn serialize<S: Serializer>(key: &ApiKey, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&key.expose())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ApiKey, D::Error> {
        ApiKey::parse(&String::deserialize(d)?).map_err(D::Error::custom)
    }
}

impl User {
    pub fn admin(key: ApiKey) -> User {
        User {
            username: "admin".into(),
            email: "admin@example.com".into(),
            is_superuser: true,
            key,
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SshKey {
    pub id: u64,
    pub key: String,
}

/// The OAuth nonces used while their requests' timestamps could still pass, each until it
/// expires (in Unix seconds): a replay after that is refused for its timestamp anyway.
/// Nonces are kept as keyed hashes, so a long one costs no more than a short one.
#[derive(Default)]
pub struct Nonces {
    expiry: std::collections::HashMap<u64, u64>,
    hasher: std::collections::hash_map::RandomState,
    swept_at: u64,
}

impl Nonces {
    fn hash(&self, nonce: &str) -> u64 {
        std::hash::BuildHasher::hash_one(&self.hasher, nonce)
    }

    /// Forgets the nonces expired by `now` (at most once a second: it walks them all).
    pub fn sweep(&mut self, now: u64) {
        if now > self.swept_at {
            self.swept_at = now;
            self.expiry.retain(|_, until| *until >= now);
        }
    }

    pub fn contains(&self, nonce: &str) -> bool {
        self.expiry.contains_key(&self.hash(nonce))
    }

    pub fn insert(&mut self, nonce: &str, until: u64) {
        let key = self.hash(nonce);
        self.expiry.insert(key, until);
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.expiry.len()
    }
}
