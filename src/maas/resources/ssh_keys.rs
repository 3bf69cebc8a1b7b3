//! The API user's SSH public keys (installed on deployed machines).

use serde::{Deserialize, Serialize};

use super::Extra;
use crate::maas::calls::calls;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SshKey {
    pub id: u64,
    pub key: String,
    pub keysource: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

calls! {
    /// The user's SSH keys.
    SSH_KEYS ssh_keys() Get "account/prefs/sshkeys/" -> Vec<SshKey>;
    /// One SSH key.
    SSH_KEY ssh_key(id) Get "account/prefs/sshkeys/{id}/" -> SshKey;
    /// Adds a public key.
    CREATE_SSH_KEY create_ssh_key() Post "account/prefs/sshkeys/" -> SshKey ["key"];
    /// Removes a key.
    DELETE_SSH_KEY delete_ssh_key(id) Delete "account/prefs/sshkeys/{id}/" -> ();
}
