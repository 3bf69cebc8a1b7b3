//! Region settings: `maas/?op=get_config` and `maas/?op=set_config`.
//!
//! Each setting has a kind that decides how a submitted string is checked and stored, so a
//! script that sets `enable_http_proxy=true` reads back the JSON boolean a real region gives.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::reply::Reply;
use super::request::Request;

#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    /// A text setting whose unset value reads back as `null`.
    OptionalText,
    Bool,
    Int,
    Choice(&'static [&'static str]),
}

/// MAAS 3.4's settings in the order its error message lists them, with fresh-region values.
const SETTINGS: &[(&str, Kind, &str)] = &[
    ("maas_name", Kind::Text, "maas"),
    ("theme", Kind::Text, ""),
    ("kernel_opts", Kind::OptionalText, ""),
    ("enable_http_proxy", Kind::Bool, "true"),
    ("maas_proxy_port", Kind::Int, "8000"),
    ("use_peer_proxy", Kind::Bool, "false"),
    ("prefer_v4_proxy", Kind::Bool, "false"),
    ("http_proxy", Kind::OptionalText, ""),
    ("default_dns_ttl", Kind::Int, "30"),
    ("upstream_dns", Kind::OptionalText, ""),
    ("dnssec_validation", Kind::Choice(&["auto", "yes", "no"]), "auto"),
    ("maas_internal_domain", Kind::Text, "maas-internal"),
    ("dns_trusted_acl", Kind::OptionalText, ""),
    ("ntp_servers", Kind::Text, "ntp.ubuntu.com"),
    ("ntp_external_only", Kind::Bool, "false"),
    ("remote_syslog", Kind::OptionalText, ""),
    ("maas_syslog_port", Kind::Int, "5247"),
    (
        "network_discovery",
        Kind::Choice(&["enabled", "disabled"]),
        "enabled",
    ),
    ("active_discovery_interval", Kind::Int, "10800"),
    ("default_osystem", Kind::Choice(&["ubuntu"]), "ubuntu"),
    (
        "default_distro_series",
        Kind::Choice(&["jammy", "focal"]),
        "jammy",
    ),
    ("default_min_hwe_kernel", Kind::Text, ""),
    (
        "default_storage_layout",
        Kind::Choice(&["bcache", "blank", "custom", "flat", "lvm", "vmfs6", "vmfs7"]),
        "flat",
    ),
    (
        "commissioning_distro_series",
        Kind::Choice(&["jammy", "focal"]),
        "jammy",
    ),
    ("enable_third_party_drivers", Kind::Bool, "true"),
    ("windows_kms_host", Kind::OptionalText, ""),
    ("enable_disk_erasing_on_release", Kind::Bool, "false"),
    ("disk_erase_with_secure_erase", Kind::Bool, "false"),
    ("disk_erase_with_quick_erase", Kind::Bool, "false"),
    ("boot_images_auto_import", Kind::Bool, "true"),
    ("boot_images_no_proxy", Kind::Bool, "false"),
    ("curtin_verbose", Kind::Bool, "true"),
    ("force_v1_network_yaml", Kind::Bool, "false"),
    ("enable_analytics", Kind::Bool, "true"),
    ("completed_intro", Kind::Bool, "true"),
    ("max_node_commissioning_results", Kind::Int, "10"),
    ("max_node_testing_results", Kind::Int, "10"),
    ("max_node_installation_results", Kind::Int, "3"),
    ("subnet_ip_exhaustion_threshold_count", Kind::Int, "16"),
    ("release_notifications", Kind::Bool, "true"),
    ("use_rack_proxy", Kind::Bool, "true"),
    ("node_timeout", Kind::Int, "30"),
    ("prometheus_enabled", Kind::Bool, "false"),
    ("prometheus_push_gateway", Kind::OptionalText, ""),
    ("prometheus_push_interval", Kind::Int, "60"),
    ("promtail_enabled", Kind::Bool, "false"),
    ("promtail_port", Kind::Int, "5238"),
    ("enlist_commissioning", Kind::Bool, "true"),
    ("maas_auto_ipmi_user", Kind::Text, "maas"),
    (
        "maas_auto_ipmi_user_privilege_level",
        Kind::Choice(&["ADMIN", "OPERATOR", "USER"]),
        "ADMIN",
    ),
    ("maas_auto_ipmi_k_g_bmc_key", Kind::Text, ""),
    (
        "maas_auto_ipmi_cipher_suite_id",
        Kind::Choice(&["17", "3", "8", "12"]),
        "3",
    ),
    ("maas_auto_ipmi_workaround_flags", Kind::Text, "opensesspriv"),
    ("vcenter_server", Kind::Text, ""),
    ("vcenter_username", Kind::Text, ""),
    ("vcenter_password", Kind::Text, ""),
    ("vcenter_datacenter", Kind::Text, ""),
    ("hardware_sync_interval", Kind::Text, "15m"),
    ("tls_cert_expiration_notification_enabled", Kind::Bool, "false"),
    ("tls_cert_expiration_notification_interval", Kind::Int, "30"),
    ("session_length", Kind::Int, "1209600"),
    ("auto_vlan_creation", Kind::Bool, "true"),
];

/// The region's current settings, as the JSON values `get_config` answers.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Config {
    values: BTreeMap<String, Value>,
}

impl Default for Config {
    fn default() -> Config {
        let values = SETTINGS
            .iter()
            .map(|(name, kind, default)| {
                let value = parse(name, *kind, default).unwrap_or(Value::Null);
                (name.to_string(), value)
            })
            .collect();
        Config { values }
    }
}

impl Config {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }
}

/// Turns a submitted string into the stored value, or MAAS's message for a bad one.
fn parse(name: &str, kind: Kind, raw: &str) -> Result<Value, String> {
    match kind {
        Kind::Text => Ok(json!(raw)),
        Kind::OptionalText if raw.is_empty() => Ok(Value::Null),
        Kind::OptionalText => Ok(json!(raw)),
        Kind::Bool => match raw.to_ascii_lowercase().as_str() {
            "true" | "1" | "on" | "yes" => Ok(json!(true)),
            "false" | "0" | "off" | "no" | "" => Ok(json!(false)),
            _ => Err(format!("'{raw}' value must be either True or False.")),
        },
        Kind::Int => raw
            .trim()
            .parse::<i64>()
            .map(|n| json!(n))
            .map_err(|_| "Enter a whole number.".to_string()),
        Kind::Choice(choices) if choices.contains(&raw) => Ok(json!(raw)),
        Kind::Choice(choices) => {
            let listed: Vec<String> = choices.iter().map(|c| format!("'{c}'")).collect();
            Err(format!(
                "'{raw}' is not a valid {name}.  It should be one of: {}.",
                listed.join(", ")
            ))
        }
    }
}

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
                    config.values.insert(key.to_string(), value);
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
