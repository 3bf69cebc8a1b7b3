//! The admin user's SSH keys: `account/prefs/sshkeys/` and `account/prefs/sshkeys/{id}/`.

use serde_json::{Value, json};

use super::records::accounts::SshKey;
use super::reply::{Reply, extra, model_json};
use super::request::Request;
use crate::maas::resources::Extra;
use crate::maas::resources::ssh_keys as model;

const KEY_TYPES: &[&str] = &[
    "ssh-rsa",
    "ssh-dss",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

/// `<type> <base64 blob> [comment]` with a known type and a blob that is well-formed base64.
fn well_formed(key: &str) -> bool {
    let mut fields = key.split_whitespace();
    let (Some(kind), Some(blob)) = (fields.next(), fields.next()) else {
        return false;
    };
    let body = blob.trim_end_matches('=');
    KEY_TYPES.contains(&kind)
        && blob.len() % 4 == 0
        && blob.len() - body.len() <= 2
        && body.len() >= 16
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// A key in the client's model, as listed.
fn listed(k: &SshKey) -> Value {
    model_json(&model::SshKey {
        id: k.id,
        key: k.key.clone(),
        keysource: Some(String::new()),
        extra: extra(json!({"resource_uri": format!("/MAAS/api/2.0/account/prefs/sshkeys/{}/", k.id)})),
    })
}

pub fn collection(req: &Request, keys: &mut Vec<SshKey>) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &Value::Array(keys.iter().map(listed).collect())),
        ("POST", None) => {
            let key = req.param("key").unwrap_or_default().trim().to_string();
            if key.is_empty() {
                return Reply::invalid("key", "This field is required.");
            }
            if !well_formed(&key) {
                return Reply::invalid(
                    "key",
                    "Invalid SSH public key: Key could not be converted to RFC4716 form.",
                );
            }
            if keys.iter().any(|k| k.key == key) {
                // Unlike other non-field errors, this one keeps the charset.
                return Reply::invalid("__all__", "This key has already been added for this user.")
                    .with_content_type("application/json; charset=utf-8");
            }
            let id = keys.iter().map(|k| k.id).max().unwrap_or(0) + 1;
            keys.push(SshKey { id, key: key.clone() });
            // MAAS answers a new key without its URI and with a null key source.
            let created = model::SshKey {
                id,
                key,
                keysource: None,
                extra: Extra::new(),
            };
            Reply::json(201, &model_json(&created))
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

pub fn item(req: &Request, keys: &mut Vec<SshKey>, id: &str) -> Reply {
    let Some(i) = keys.iter().position(|k| k.id.to_string() == id) else {
        return Reply::text(404, "No SSHKey matches the given query.".into());
    };
    match req.method.as_str() {
        "GET" => Reply::json(200, &listed(&keys[i])),
        "DELETE" => {
            keys.remove(i);
            Reply::text(204, String::new())
        }
        _ => Reply::method_not_allowed("GET, DELETE"),
    }
}

#[cfg(test)]
mod tests {
    use super::well_formed;

    #[test]
    fn keys_need_a_known_type_and_a_base64_blob() {
        assert!(well_formed(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHntBTpA3GqyMvilu45BEbHVNQJrgWWvfpIVWOQkotfQ me@x"
        ));
        assert!(!well_formed("ssh-rsa notakey"));
        assert!(!well_formed(
            "rsa AAAAC3NzaC1lZDI1NTE5AAAAIHntBTpA3GqyMvilu45BEbHVNQJrgWWvfpIVWOQkotfQ"
        ));
        assert!(!well_formed(
            "ssh-ed25519 AAAA!C3NzaC1lZDI1NTE5AAAAIHntBTpA3GqyMvilu45BEbHVNQJrgWWvfpIVWOQkotf"
        ));
    }
}
