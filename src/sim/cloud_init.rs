//! What a simulated machine's first boot after deployment does with the user data MAAS
//! deployed it with, as cloud-init would: `write_files` (plain or base64 content, with their
//! permissions), `packages` (installed: named here), and `runcmd`'s `systemctl enable` lines
//! (units enabled). Anything else in the user data is ignored, as cloud-init modules this
//! simulation lacks would be; user data that is not cloud-config is kept but runs nothing.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::Value as J;

/// One file the user data wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrittenFile {
    /// Octal, as cloud-init's `permissions` (`0644` when not given).
    pub permissions: String,
    pub content: Vec<u8>,
}

/// What running the user data left on the machine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstBoot {
    pub files: BTreeMap<String, WrittenFile>,
    /// `name` or `name=version`.
    pub packages: Vec<String>,
    pub enabled_units: Vec<String>,
    /// What could not be run (a bad file entry, content that is not base64).
    pub errors: Vec<String>,
}

/// Runs `user_data` (the text MAAS deployed the machine with).
pub fn run(user_data: &str) -> FirstBoot {
    let mut out = FirstBoot::default();
    if !user_data.starts_with("#cloud-config") {
        return out;
    }
    let config = match crate::design::yaml::parse_stream(user_data) {
        Ok(docs) => docs.first().map(|d| d.root.to_json()).unwrap_or(J::Null),
        Err(e) => {
            out.errors.push(format!("user data is not YAML: {e:?}"));
            return out;
        }
    };
    for f in config["write_files"].as_array().into_iter().flatten() {
        let Some(path) = f["path"].as_str() else {
            out.errors.push("a write_files entry without a path".into());
            continue;
        };
        let text = f["content"].as_str().unwrap_or_default();
        let content = match f["encoding"].as_str() {
            Some("b64" | "base64") => match STANDARD.decode(text) {
                Ok(bytes) => bytes,
                Err(e) => {
                    out.errors.push(format!("{path}: content is not base64 ({e})"));
                    continue;
                }
            },
            _ => text.as_bytes().to_vec(),
        };
        let permissions = f["permissions"].as_str().unwrap_or("0644").to_string();
        out.files
            .insert(path.to_string(), WrittenFile { permissions, content });
    }
    for p in config["packages"].as_array().into_iter().flatten() {
        match p {
            J::String(name) => out.packages.push(name.clone()),
            J::Array(pair) => {
                let name = pair.first().and_then(J::as_str).unwrap_or_default();
                let version = pair.get(1).and_then(J::as_str).unwrap_or_default();
                out.packages.push(format!("{name}={version}"));
            }
            _ => out.errors.push(format!(
                "a package entry that is neither a name nor [name, version]: {p}"
            )),
        }
    }
    for cmd in config["runcmd"].as_array().into_iter().flatten() {
        let words: Vec<&str> = match cmd {
            J::Array(words) => words.iter().filter_map(J::as_str).collect(),
            J::String(line) => line.split_whitespace().collect(),
            _ => continue,
        };
        if let ["systemctl", "enable", rest @ ..] = words.as_slice() {
            for unit in rest.iter().filter(|w| !w.starts_with('-')) {
                out.enabled_units.push(unit.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_packages_and_units_land_as_cloud_init_would_leave_them() {
        let boot = run(r##"#cloud-config
{
  "packages": ["chrony", ["lldpd", "1.0.13-1"]],
  "write_files": [
    {"path": "/etc/x.env", "permissions": "0444", "encoding": "b64", "content": "QT0xCg=="},
    {"path": "/etc/plain", "content": "hello"},
    {"path": "/etc/bad", "encoding": "b64", "content": "***"}
  ],
  "runcmd": [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", "tune.service"]]
}
"##);
        assert_eq!(boot.files["/etc/x.env"].content, b"A=1\n");
        assert_eq!(boot.files["/etc/x.env"].permissions, "0444");
        assert_eq!(boot.files["/etc/plain"].permissions, "0644");
        assert_eq!(boot.packages, ["chrony", "lldpd=1.0.13-1"]);
        assert_eq!(boot.enabled_units, ["tune.service"]);
        assert_eq!(boot.errors.len(), 1, "{:?}", boot.errors);
        assert!(boot.errors[0].starts_with("/etc/bad"));
    }

    #[test]
    fn other_user_data_runs_nothing() {
        assert_eq!(run("#!/bin/sh\necho hi\n"), FirstBoot::default());
        assert!(!run("#cloud-config\n{ nope").errors.is_empty());
    }
}
