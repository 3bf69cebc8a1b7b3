//! The region's settings (`maas/?op=get_config`): MAAS 3.4's catalogue of them, each with
//! the kind that decides how a submitted string is checked and stored, and the current values.

use std::collections::BTreeMap;

use serde_json::{Value, json};

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Text,
    /// A text setting whose unset value reads back as `null`.
    OptionalText,
    Bool,
    Int,
    Choice(&'static [&'static str]),
}

/// MAAS 3.4's settings in the order its error message lists them, with fresh-region values.
pub const SETTINGS: &[(&str, Kind, &str)] = &[
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
    /// Stores a value [`parse`] accepted.
    pub fn set(&mut self, name: &str, value: Value) {
        self.values.insert(name.to_string(), value);
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }
}

/// Turns a submitted string into the stored value, or MAAS's message for a bad one.
pub fn parse(name: &str, kind: Kind, raw: &str) -> Result<Value, String> {
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
