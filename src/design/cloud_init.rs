//! A node's boot actions as the cloud-init user data MAAS deploys it with: files and units
//! written with their modes (`write_files`, base64 so any bytes survive), units enabled and
//! started, packages installed (`packages`, `[name, version]` when pinned, as Drydock's
//! `pkg_list` gives them).
//!
//! Delivery rides on the deploy call rather than on an endpoint drydock serves for the node to
//! fetch from (Drydock's way): the node needs no path back to drydock to get its files, and
//! what MAAS keeps of them is what MAAS keeps of any user data. The body is JSON, which
//! cloud-init reads as the YAML it is, so no value needs YAML quoting.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value as J, json};

use super::bootactions::Rendered;
use super::model::AssetType;

/// Where the node lists its signaling actions and how to report them: the report URL, its
/// key and each action's id, for the actions' own scripts (and the simulated machines) to
/// read rather than each template carrying them.
pub const REPORT_MANIFEST: &str = "/var/lib/drydock/bootactions.json";

/// Where and with which key the node's signaling actions report.
pub struct Reporting<'a> {
    pub report_url: &'a str,
    pub key: &'a str,
}

/// The user data for `actions`; `None` when they deliver nothing. With `reporting`, the
/// signaling actions are listed in [`REPORT_MANIFEST`] (mode 0600: it holds the key).
pub fn user_data(actions: &[Rendered], reporting: Option<&Reporting<'_>>) -> Option<String> {
    let mut packages: Vec<J> = Vec::new();
    let mut files: Vec<J> = Vec::new();
    let mut units: Vec<String> = Vec::new();
    let signaling: Vec<J> = actions
        .iter()
        .filter(|a| a.signaling)
        .map(|a| json!({"name": a.name, "action_id": a.action_id}))
        .collect();
    if let Some(r) = reporting.filter(|_| !signaling.is_empty()) {
        let manifest = json!({"report_url": r.report_url, "key": r.key, "actions": signaling});
        files.push(json!({
            "path": REPORT_MANIFEST,
            "permissions": "0600",
            "owner": "root:root",
            "encoding": "b64",
            "content": STANDARD.encode(manifest.to_string()),
        }));
    }
    for action in actions {
        for (name, version) in &action.packages {
            packages.push(match version {
                Some(v) => json!([name, v]),
                None => json!(name),
            });
        }
        for f in &action.files {
            files.push(json!({
                "path": f.path,
                "permissions": format!("0{:o}", f.mode),
                "owner": "root:root",
                "encoding": "b64",
                "content": STANDARD.encode(&f.content),
            }));
            if f.kind == AssetType::Unit {
                let unit = f.path.rsplit('/').next().unwrap_or(&f.path).to_string();
                if !units.contains(&unit) {
                    units.push(unit);
                }
            }
        }
    }
    if packages.is_empty() && files.is_empty() {
        return None;
    }
    let mut config = serde_json::Map::new();
    if !packages.is_empty() {
        config.insert("packages".into(), J::Array(packages));
    }
    if !files.is_empty() {
        config.insert("write_files".into(), J::Array(files));
    }
    if !units.is_empty() {
        let mut run = vec![json!(["systemctl", "daemon-reload"])];
        run.extend(units.iter().map(|u| json!(["systemctl", "enable", "--now", u])));
        config.insert("runcmd".into(), J::Array(run));
    }
    let body = serde_json::to_string_pretty(&J::Object(config)).unwrap_or_default();
    Some(format!("#cloud-config\n{body}\n"))
}

#[cfg(test)]
mod tests {
    use indexmap::IndexMap;

    use super::*;
    use crate::design::bootactions::RenderedFile;

    fn action(files: Vec<RenderedFile>, packages: &[(&str, Option<&str>)]) -> Rendered {
        Rendered {
            name: "a".into(),
            action_id: "01J0000000000000000000000A".into(),
            signaling: false,
            files,
            packages: packages
                .iter()
                .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
                .collect::<IndexMap<_, _>>(),
        }
    }

    #[test]
    fn files_units_and_packages_become_cloud_config() {
        let text = user_data(
            &[
                action(
                    vec![RenderedFile {
                        kind: AssetType::File,
                        path: "/etc/x.env".into(),
                        mode: 0o444,
                        content: b"A=1\n".to_vec(),
                    }],
                    &[("chrony", None), ("lldpd", Some("1.0.13-1"))],
                ),
                action(
                    vec![RenderedFile {
                        kind: AssetType::Unit,
                        path: "/lib/systemd/system/tune.service".into(),
                        mode: 0o644,
                        content: b"[Unit]\n".to_vec(),
                    }],
                    &[],
                ),
            ],
            None,
        )
        .unwrap();
        let (header, body) = text.split_once('\n').unwrap();
        assert_eq!(header, "#cloud-config");
        let config: J = serde_json::from_str(body).unwrap();
        assert_eq!(config["packages"], json!(["chrony", ["lldpd", "1.0.13-1"]]));
        assert_eq!(config["write_files"][0]["path"], "/etc/x.env");
        assert_eq!(config["write_files"][0]["permissions"], "0444");
        assert_eq!(config["write_files"][0]["content"], "QT0xCg==");
        assert_eq!(config["write_files"][1]["permissions"], "0644");
        assert_eq!(
            config["runcmd"],
            json!([
                ["systemctl", "daemon-reload"],
                ["systemctl", "enable", "--now", "tune.service"]
            ])
        );
        // cloud-init reads it as YAML 1.1 (PyYAML), as drydock's own parser does: they agree.
        let docs = crate::design::yaml::parse_stream(&text).unwrap();
        assert_eq!(docs[0].root.to_json(), config);
    }

    #[test]
    fn nothing_to_deliver_is_no_user_data() {
        assert_eq!(user_data(&[], None), None);
        assert_eq!(user_data(&[action(vec![], &[])], None), None);
    }

    #[test]
    fn signaling_actions_are_listed_with_where_to_report() {
        let mut quiet = action(vec![], &[("chrony", None)]);
        quiet.name = "quiet".into();
        let mut loud = action(vec![], &[]);
        loud.name = "promjoin".into();
        loud.signaling = true;
        let reporting = Reporting {
            report_url: "http://10.0.0.5:9000/api/v1.0/bootactions/",
            key: "00ff",
        };
        let text = user_data(&[quiet.clone(), loud], Some(&reporting)).unwrap();
        let config: J = serde_json::from_str(text.split_once('\n').unwrap().1).unwrap();
        let file = &config["write_files"][0];
        assert_eq!(file["path"], REPORT_MANIFEST);
        assert_eq!(file["permissions"], "0600");
        let manifest: J =
            serde_json::from_slice(&STANDARD.decode(file["content"].as_str().unwrap()).unwrap()).unwrap();
        assert_eq!(
            manifest,
            json!({"report_url": reporting.report_url, "key": "00ff",
                   "actions": [{"name": "promjoin", "action_id": "01J0000000000000000000000A"}]})
        );
        // Nothing signals: no manifest.
        let text = user_data(&[quiet], Some(&reporting)).unwrap();
        assert!(!text.contains("bootactions.json"));
    }
}
