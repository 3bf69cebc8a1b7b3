//! `drydock/Region/v1`: site-wide settings (Drydock's `Site` model).

use serde_json::{Value as J, json};

use super::Source;
use super::reader::{self, Reader, json_opt, json_strings};
use crate::design::model::ConvertError;
use crate::design::yaml::Node;

#[derive(Debug, Clone)]
pub struct Region {
    pub name: String,
    pub source: Source,
    pub tag_definitions: Vec<TagDefinition>,
    pub authorized_keys: Vec<String>,
    /// `None` when the document has no `repositories` key.
    pub repositories: Option<Vec<Repository>>,
    pub remove_unlisted: bool,
}

/// A MAAS tag defined by an lshw XPath expression.
#[derive(Debug, Clone)]
pub struct TagDefinition {
    pub tag: String,
    pub definition_type: String,
    pub definition: String,
}

#[derive(Debug, Clone)]
pub struct Repository {
    pub name: String,
    pub repo_type: Option<String>,
    pub url: Option<String>,
    pub distributions: Option<Vec<String>>,
    pub subrepos: Option<Vec<String>>,
    pub components: Option<Vec<String>>,
    pub gpgkey: Option<String>,
    pub arches: Vec<String>,
    pub options: Option<indexmap::IndexMap<String, String>>,
}

impl Region {
    pub(crate) fn convert(r: &Reader, name: &str, body: &Node) -> Result<Region, ConvertError> {
        let tag_definitions = reader::seq(body.get("tag_definitions"))
            .iter()
            .map(|t| TagDefinition {
                tag: reader::string(t, "tag").unwrap_or_default(),
                definition_type: reader::string(t, "definition_type").unwrap_or_default(),
                definition: reader::string(t, "definition").unwrap_or_default(),
            })
            .collect();
        let repos = reader::get(body, "repositories");
        let mut repositories = None;
        let mut remove_unlisted = false;
        if let Some(repos) = repos {
            let mut list = Vec::new();
            for (k, v) in reader::map(Some(repos)) {
                let key = k.key_string();
                if key == "remove_unlisted" {
                    remove_unlisted = matches!(v.value, crate::design::yaml::Value::Bool(true));
                    continue;
                }
                if v.as_map().is_none() {
                    return Err(r.error(v, format!("Repository {key} must be a mapping")));
                }
                list.push(Repository {
                    name: key,
                    repo_type: reader::string(v, "repo_type"),
                    url: reader::string(v, "url"),
                    distributions: reader::strings(v, "distributions"),
                    subrepos: reader::strings(v, "subrepos"),
                    components: reader::strings(v, "components"),
                    gpgkey: reader::string(v, "gpgkey"),
                    arches: reader::strings(v, "arches").unwrap_or_else(|| vec!["amd64".into()]),
                    options: reader::string_map(v, "options"),
                });
            }
            repositories = Some(list);
        }
        Ok(Region {
            name: name.to_string(),
            source: r.source.clone(),
            tag_definitions,
            authorized_keys: reader::strings(body, "authorized_keys").unwrap_or_default(),
            repositories,
            remove_unlisted,
        })
    }

    pub fn to_json(&self) -> J {
        let repositories = self.repositories.as_ref().map(|repos| {
            let mut m = serde_json::Map::new();
            m.insert("remove_unlisted".into(), self.remove_unlisted.into());
            for repo in repos {
                m.insert(
                    repo.name.clone(),
                    json!({
                        "repo_type": json_opt(&repo.repo_type),
                        "url": json_opt(&repo.url),
                        "distributions": repo.distributions.as_deref().map(json_strings),
                        "subrepos": repo.subrepos.as_deref().map(json_strings),
                        "components": repo.components.as_deref().map(json_strings),
                        "gpgkey": json_opt(&repo.gpgkey),
                        "arches": json_strings(&repo.arches),
                        "options": repo.options.as_ref().map(reader::json_map),
                    }),
                );
            }
            J::Object(m)
        });
        json!({
            "name": self.name,
            "tag_definitions": self.tag_definitions.iter().map(|t| json!({
                "tag": t.tag, "definition_type": t.definition_type, "definition": t.definition,
            })).collect::<Vec<_>>(),
            "authorized_keys": json_strings(&self.authorized_keys),
            "repositories": repositories,
        })
    }
}
