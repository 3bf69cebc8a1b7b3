//! Where images come from: `boot-sources/` (a fresh region's one source, images.maas.io) and
//! each source's selections, `boot-sources/{id}/selections/`, which say what it imports.

use serde_json::{Map, Value, json};

use super::records::software::{BootSource, BootSources, Selection};
use super::reply::{Reply, extra, model_json};
use super::request::Request;
use crate::maas::resources::boot_resources as model;

/// When the captured region was installed and made its default source (ms since the epoch).
const INSTALLED_MS: u64 = 1_795_603_441_662;

impl BootSource {
    /// The source in the client's model.
    fn to_json(&self) -> Value {
        let at = super::commissioning_results::maas_time(INSTALLED_MS);
        model_json(&model::BootSource {
            id: self.id,
            url: self.url.clone(),
            keyring_filename: self.keyring_filename.clone(),
            extra: extra(json!({
                "keyring_data": "", "created": at, "updated": at,
                "resource_uri": format!("/MAAS/api/2.0/boot-sources/{}/", self.id),
            })),
        })
    }
}

impl Selection {
    /// The selection in the client's model.
    fn to_json(&self) -> Value {
        model_json(&model::BootSourceSelection {
            id: self.id,
            boot_source_id: self.boot_source_id,
            os: self.os.clone(),
            release: self.release.clone(),
            arches: self.arches.clone(),
            subarches: self.subarches.clone(),
            labels: self.labels.clone(),
            extra: extra(json!({
                "resource_uri": format!("/MAAS/api/2.0/boot-sources/{}/selections/{}/", self.boot_source_id, self.id),
            })),
        })
    }
}

fn source_index(sources: &BootSources, id: &str) -> Result<usize, Reply> {
    sources
        .sources
        .iter()
        .position(|s| s.id.to_string() == id)
        .ok_or_else(|| Reply::text(404, "No BootSource matches the given query.".into()))
}

pub fn collection(req: &Request, sources: &BootSources) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(
            200,
            &Value::Array(sources.sources.iter().map(BootSource::to_json).collect()),
        ),
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

pub fn item(req: &Request, sources: &BootSources, id: &str) -> Reply {
    let i = match source_index(sources, id) {
        Ok(i) => i,
        Err(reply) => return reply,
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &sources.sources[i].to_json()),
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("GET, PUT, DELETE"),
    }
}

/// `selection` with the fields the request gives; the ones it leaves out stay as they were.
fn merged(req: &Request, selection: &Selection, others: &[Selection]) -> Result<Selection, Reply> {
    let mut out = selection.clone();
    let mut errors = Map::new();
    for (field, slot) in [("os", &mut out.os), ("release", &mut out.release)] {
        if let Some(v) = req.param(field) {
            *slot = v.trim().to_string();
        }
        if slot.is_empty() {
            errors.insert(field.into(), json!(["This field is required."]));
        }
    }
    if !errors.is_empty() {
        return Err(Reply::compact_json(400, &Value::Object(errors)).without_hash());
    }
    for (field, slot) in [
        ("arches", &mut out.arches),
        ("subarches", &mut out.subarches),
        ("labels", &mut out.labels),
    ] {
        let given: Vec<String> = req.params_named(field).map(str::to_string).collect();
        if !given.is_empty() {
            *slot = given;
        }
    }
    let taken = others.iter().any(|s| {
        s.id != out.id && s.boot_source_id == out.boot_source_id && s.os == out.os && s.release == out.release
    });
    if taken {
        return Err(Reply::invalid(
            "__all__",
            "Boot source selection with this Boot source, Os and Release already exists.",
        ));
    }
    Ok(out)
}

pub fn selections(req: &Request, sources: &mut BootSources, source_id: &str) -> Reply {
    let source = match source_index(sources, source_id) {
        Ok(i) => sources.sources[i].id,
        Err(reply) => return reply,
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(
            200,
            &Value::Array(
                sources
                    .selections
                    .iter()
                    .filter(|s| s.boot_source_id == source)
                    .map(Selection::to_json)
                    .collect(),
            ),
        ),
        ("POST", None) => {
            let blank = Selection {
                id: sources.selections.iter().map(|s| s.id).max().unwrap_or(0) + 1,
                boot_source_id: source,
                ..Selection::default()
            };
            match merged(req, &blank, &sources.selections) {
                Ok(created) => {
                    let reply = Reply::json(200, &created.to_json());
                    sources.selections.push(created);
                    reply
                }
                Err(reply) => reply,
            }
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

pub fn selection(req: &Request, sources: &mut BootSources, source_id: &str, id: &str) -> Reply {
    let source = match source_index(sources, source_id) {
        Ok(i) => sources.sources[i].id,
        Err(reply) => return reply,
    };
    let Some(i) = sources
        .selections
        .iter()
        .position(|s| s.boot_source_id == source && s.id.to_string() == id)
    else {
        return Reply::text(404, "No BootSourceSelection matches the given query.".into());
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &sources.selections[i].to_json()),
        ("PUT", None) => match merged(req, &sources.selections[i], &sources.selections) {
            Ok(updated) => {
                let reply = Reply::json(200, &updated.to_json());
                sources.selections[i] = updated;
                reply
            }
            Err(reply) => reply,
        },
        ("DELETE", None) => {
            sources.selections.remove(i);
            Reply::text(204, String::new())
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("GET, PUT, DELETE"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(reply: &Reply) -> Value {
        serde_json::from_str(&reply.body_text()).expect("a JSON answer")
    }

    #[test]
    fn a_fresh_region_imports_jammy_for_amd64_from_images_maas_io() {
        let sources = BootSources::fresh_region();
        let list = collection(&Request::new("GET", "boot-sources/", "", b""), &sources);
        assert_eq!(list.status, 200);
        let source = &body(&list)[0];
        assert_eq!(source["url"], "http://images.maas.io/ephemeral-v3/stable/");
        assert_eq!(source["keyring_data"], "");
        assert_eq!(source["created"], "2026-11-25T10:44:01.662");
        assert_eq!(source["resource_uri"], "/MAAS/api/2.0/boot-sources/1/");
        let selected = selections(
            &Request::new("GET", "boot-sources/1/selections/", "", b""),
            &mut BootSources::fresh_region(),
            "1",
        );
        assert_eq!(
            body(&selected),
            json!([{"boot_source_id": 1, "id": 1, "os": "ubuntu", "release": "jammy",
                    "arches": ["amd64"], "subarches": ["*"], "labels": ["*"],
                    "resource_uri": "/MAAS/api/2.0/boot-sources/1/selections/1/"}])
        );
        let unknown = item(&Request::new("GET", "boot-sources/7/", "", b""), &sources, "7");
        assert_eq!(unknown.status, 404);
        assert_eq!(unknown.body_text(), "No BootSource matches the given query.");
        let put = item(&Request::new("POST", "boot-sources/1/", "", b""), &sources, "1");
        assert_eq!(put.status, 405);
    }

    #[test]
    fn selections_are_created_changed_and_deleted_with_repeated_arches() {
        let mut sources = BootSources::fresh_region();
        let create = Request::new(
            "POST",
            "boot-sources/1/selections/",
            "",
            b"os=ubuntu&release=noble&arches=amd64&arches=arm64&subarches=*&labels=*",
        );
        let created = selections(&create, &mut sources, "1");
        assert_eq!(created.status, 200, "{}", created.body_text());
        assert_eq!(body(&created)["id"], 2);
        assert_eq!(body(&created)["arches"], json!(["amd64", "arm64"]));
        let again = selections(&create, &mut sources, "1");
        assert_eq!(again.status, 400, "ubuntu/noble is already selected");
        assert!(again.body_text().contains("already exists"));

        let put = Request::new("PUT", "x", "", b"arches=ppc64el");
        let updated = selection(&put, &mut sources, "1", "2");
        assert_eq!(updated.status, 200);
        assert_eq!(body(&updated)["arches"], json!(["ppc64el"]));
        assert_eq!(body(&updated)["release"], "noble", "fields left out stay");
        let clash = selection(
            &Request::new("PUT", "x", "", b"release=jammy"),
            &mut sources,
            "1",
            "2",
        );
        assert_eq!(clash.status, 400);

        let delete = Request::new("DELETE", "x", "", b"");
        assert_eq!(selection(&delete, &mut sources, "1", "2").status, 204);
        let gone = selection(&Request::new("GET", "x", "", b""), &mut sources, "1", "2");
        assert_eq!(gone.status, 404);
        assert_eq!(
            gone.body_text(),
            "No BootSourceSelection matches the given query."
        );
        assert_eq!(sources.selections.len(), 1);
    }

    #[test]
    fn a_selection_needs_an_os_and_a_release_and_a_known_source() {
        let mut sources = BootSources::fresh_region();
        let missing = selections(
            &Request::new("POST", "x", "", b"release=noble"),
            &mut sources,
            "1",
        );
        assert_eq!(missing.status, 400);
        assert_eq!(body(&missing), json!({"os": ["This field is required."]}));
        let neither = selections(&Request::new("POST", "x", "", b""), &mut sources, "1");
        assert_eq!(
            body(&neither),
            json!({"os": ["This field is required."], "release": ["This field is required."]})
        );
        let elsewhere = selections(
            &Request::new("POST", "x", "", b"os=ubuntu&release=noble"),
            &mut sources,
            "9",
        );
        assert_eq!(elsewhere.status, 404);
        assert_eq!(sources.selections.len(), 1, "nothing was added");
        let wrong_source = selection(&Request::new("GET", "x", "", b""), &mut sources, "9", "1");
        assert_eq!(wrong_source.body_text(), "No BootSource matches the given query.");
    }
}
