//! Users: `users/` and `users/?op=whoami`. The region starts with its admin, whose key the
//! simulator prints; admins add others, each with a key of its own (`GET /_sim/users/{name}`
//! hands it out, standing in for MAAS's web UI).

use serde_json::{Value, json};

use super::records::accounts::User;
use super::reply::Reply;
use super::request::Request;
use crate::maas::ApiKey;

impl User {
    fn to_json(&self) -> Value {
        json!({"is_superuser": self.is_superuser, "username": self.username, "email": self.email,
               "is_local": true, "resource_uri": format!("/MAAS/api/2.0/users/{}/", self.username)})
    }
}

/// MAAS's answer to a non-admin calling an admin-only method.
pub fn admin_only() -> Reply {
    Reply::plain_error(403, "This method is reserved for admin users.".into())
}

pub fn collection(req: &Request, users: &mut Vec<User>, caller: usize) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", Some("whoami")) => Reply::json(200, &users[caller].to_json()),
        ("GET", None) => Reply::json(200, &Value::Array(users.iter().map(User::to_json).collect())),
        ("POST", None) if !users[caller].is_superuser => admin_only(),
        ("POST", None) => {
            let text = |k: &str| req.param(k).unwrap_or_default().to_string();
            for field in ["username", "email", "password"] {
                if text(field).is_empty() {
                    return Reply::invalid(field, "This field is required.");
                }
            }
            let username = text("username");
            if users.iter().any(|u| u.username == username) {
                return Reply::invalid("username", "A user with that username already exists.");
            }
            let user = User {
                username,
                email: text("email"),
                is_superuser: matches!(req.param("is_superuser"), Some("1" | "true" | "True")),
                key: ApiKey::generate(),
            };
            let out = user.to_json();
            users.push(user);
            Reply::json(200, &out)
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}
