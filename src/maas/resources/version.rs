//! The region's version and the user the key belongs to.

use serde::{Deserialize, Serialize};

use super::Extra;
use crate::maas::calls::calls;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Version {
    /// `3.4.10`
    pub version: String,
    pub subversion: String,
    pub capabilities: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    pub username: String,
    pub email: String,
    pub is_superuser: bool,
    #[serde(flatten)]
    pub extra: Extra,
}

calls! {
    /// The region's version document (anonymous in MAAS; signed here like every call).
    VERSION version() Get "version/" -> Version;
    /// The user the API key belongs to.
    WHOAMI whoami() Get "users/" op "whoami" -> User;
}
