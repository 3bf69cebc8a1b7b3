//! Region settings: `maas/?op=get_config` and `maas/?op=set_config`.
//!
//! Each setting has a kind that decides how a submitted string is checked and stored, so a
//! script that sets `enable_http_proxy=true` reads back the JSON boolean a real region gives.

use serde_json::json;

use super::records::config::{Config, SETTINGS, parse};
use super::reply::Reply;
use super::request::Request;

fn unknown(name: &str) -> Reply {
    let valid: Vec<&str> = SETTINGS.iter().map(|(n, _, _)| *n).collect();
    Reply::compact_json(
        400,
        &json!({ name: [format!(
            "{name} is not a valid config setting (valid settings are: {}).",
            valid.join(", ")
        )] }),
    )
    .with_content_type("application/json")
    .without_hash()
}

/// `maas/`: the region-wide settings endpoint.
pub fn endpoint(req: &Request, config: &mut Config) -> Reply {
    let name = req.param("name");
    match (req.method.as_str(), req.op(), name) {
        ("GET", Some("get_config"), Some(name)) => match config.get(name) {
            Some(value) => Reply::compact_json(200, value).with_content_type("application/json"),
            None => unknown(name),
        },
        ("POST", Some("set_config"), Some(name)) => {
            let Some((key, kind, _)) = SETTINGS.iter().find(|(n, _, _)| *n == name) else {
                return unknown(name);
            };
            match parse(name, *kind, req.param("value").unwrap_or_default()) {
                Ok(value) => {
                    config.set(key, value);
                    Reply::text(200, "OK".into())
                }
                Err(message) => Reply::invalid(name, &message),
            }
        }
        (_, Some("get_config" | "set_config"), None) => Reply::invalid("name", "This field is required."),
        (_, Some(op), _) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    #[test]
    fn booleans_and_numbers_read_back_typed() {
        let mut config = Config::default();
        let set = |name: &str, value: &str| {
            Request::new(
                "POST",
                "maas/",
                "",
                format!("op=set_config&name={name}&value={value}").as_bytes(),
            )
        };
        assert_eq!(
            endpoint(&set("enable_http_proxy", "false"), &mut config).status,
            200
        );
        assert_eq!(config.get("enable_http_proxy"), Some(&json!(false)));
        assert_eq!(endpoint(&set("node_timeout", "45"), &mut config).status, 200);
        assert_eq!(config.get("node_timeout"), Some(&json!(45)));
        let bad = endpoint(&set("node_timeout", "soon"), &mut config);
        assert_eq!(bad.status, 400);
        assert!(bad.body_text().contains("Enter a whole number."));
        assert_eq!(
            config.get("node_timeout"),
            Some(&json!(45)),
            "a refused value leaves the old one"
        );
    }

    #[test]
    fn kernel_opts_is_null_until_set() {
        let config = Config::default();
        assert_eq!(config.get("kernel_opts"), Some(&Value::Null));
        assert_eq!(config.get("ntp_servers"), Some(&json!("ntp.ubuntu.com")));
    }
}
