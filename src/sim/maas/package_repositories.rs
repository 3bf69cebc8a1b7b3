//! Package repositories: `package-repositories/` and `package-repositories/{id}/`. A fresh
//! region has the Ubuntu main and ports archives.

use serde_json::{Value, json};

use super::records::software::Repository;
use super::reply::{Reply, extra, model_json};
use super::request::Request;
use crate::maas::resources::package_repositories::PackageRepository;

impl Repository {
    /// The repository in the client's model.
    fn to_json(&self) -> Value {
        model_json(&PackageRepository {
            id: self.id,
            name: self.name.clone(),
            url: self.url.clone(),
            distributions: self.distributions.clone(),
            components: self.components.clone(),
            arches: self.arches.clone(),
            disabled_pockets: self.disabled_pockets.clone(),
            disabled_components: self.disabled_components.clone(),
            key: self.key.clone(),
            enabled: self.enabled,
            disable_sources: self.disable_sources,
            extra: extra(json!({"resource_uri": format!("/MAAS/api/2.0/package-repositories/{}/", self.id)})),
        })
    }

    /// Applies the fields a create or update names; the rest stay as they are.
    fn apply(&mut self, req: &Request) -> Result<(), Reply> {
        if let Some(url) = req.param("url") {
            if !valid_url(url) {
                return Err(Reply::invalid(
                    "url",
                    "Enter a valid repository URL or PPA location.",
                ));
            }
            self.url = url.to_string();
        }
        if let Some(name) = req.param("name") {
            self.name = name.to_string();
        }
        if let Some(key) = req.param("key") {
            self.key = key.to_string();
        }
        for (field, slot) in [
            ("distributions", &mut self.distributions),
            ("disabled_pockets", &mut self.disabled_pockets),
            ("disabled_components", &mut self.disabled_components),
            ("components", &mut self.components),
            ("arches", &mut self.arches),
        ] {
            let given: Vec<&str> = req.params_named(field).collect();
            if !given.is_empty() {
                // Both repeated fields and comma-separated lists are accepted.
                *slot = given
                    .iter()
                    .flat_map(|v| v.split(','))
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
                    .collect();
            }
        }
        for (field, slot) in [
            ("disable_sources", &mut self.disable_sources),
            ("enabled", &mut self.enabled),
        ] {
            if let Some(v) = req.flag(field) {
                *slot = v;
            }
        }
        Ok(())
    }
}

fn valid_url(url: &str) -> bool {
    if let Some(ppa) = url.strip_prefix("ppa:") {
        return ppa
            .split_once('/')
            .is_some_and(|(o, n)| !o.is_empty() && !n.is_empty());
    }
    ["http://", "https://", "ftp://", "file://"]
        .iter()
        .find_map(|scheme| url.strip_prefix(scheme))
        .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
}

pub fn collection(req: &Request, repos: &mut Vec<Repository>) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(
            200,
            &Value::Array(repos.iter().map(Repository::to_json).collect()),
        ),
        ("POST", None) => {
            for field in ["name", "url"] {
                if req.param(field).unwrap_or_default().is_empty() {
                    return Reply::invalid(field, "This field is required.");
                }
            }
            let mut repo = Repository {
                id: repos.iter().map(|r| r.id).max().unwrap_or(0) + 1,
                name: String::new(),
                url: String::new(),
                distributions: Vec::new(),
                disabled_pockets: Vec::new(),
                disabled_components: Vec::new(),
                disable_sources: true,
                components: Vec::new(),
                arches: Vec::new(),
                key: String::new(),
                enabled: true,
            };
            if let Err(reply) = repo.apply(req) {
                return reply;
            }
            if repos.iter().any(|r| r.name == repo.name) {
                return Reply::invalid("name", "Package repository with this Name already exists.");
            }
            let out = repo.to_json();
            repos.push(repo);
            Reply::json(200, &out)
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

pub fn item(req: &Request, repos: &mut Vec<Repository>, id: &str) -> Reply {
    let Some(i) = repos.iter().position(|r| r.id.to_string() == id) else {
        return Reply::text(404, "No PackageRepository matches the given query.".into());
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &repos[i].to_json()),
        ("PUT", None) => {
            let mut updated = repos[i].clone();
            if let Err(reply) = updated.apply(req) {
                return reply;
            }
            if repos
                .iter()
                .enumerate()
                .any(|(j, r)| j != i && r.name == updated.name)
            {
                return Reply::invalid("name", "Package repository with this Name already exists.");
            }
            repos[i] = updated;
            Reply::json(200, &repos[i].to_json())
        }
        ("DELETE", None) => {
            repos.remove(i);
            Reply::text(204, String::new())
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("GET, PUT, DELETE"),
    }
}
