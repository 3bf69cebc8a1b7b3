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
