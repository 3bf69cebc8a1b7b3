//! Boot images: `boot-resources/`. The simulated region has Ubuntu 22.04 synced for amd64,
//! which is what machine creation checks architectures against.

use serde_json::{Value, json};

use super::records::software::BootResource;
use super::reply::{Reply, extra, model_json};
use super::request::Request;
use crate::maas::resources::boot_resources as model;

impl BootResource {
    /// The image in the client's model.
    fn to_json(&self) -> Value {
        model_json(&model::BootResource {
            id: self.id,
            kind: model::BootResourceType::Synced,
            name: self.name.clone(),
            architecture: self.architecture.clone(),
            subarches: Some(self.subarches.clone()),
            extra: extra(json!({
                "resource_uri": format!("/MAAS/api/2.0/boot-resources/{}/", self.id),
                "last_deployed": null, "platform": "generic", "supported_platforms": "generic",
            })),
        })
    }
}

/// MAAS's plain-text acknowledgement of an import request.
fn acknowledged(message: &str) -> Reply {
    Reply::text(200, message.into()).with_content_type("text/plain; charset=utf-8")
}

pub fn collection(req: &Request, resources: &[BootResource]) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(
            200,
            &Value::Array(resources.iter().map(BootResource::to_json).collect()),
        ),
        // Nothing downloads in the simulator: images are always in place.
        ("GET", Some("is_importing")) => Reply::json(200, &json!(false)),
        ("POST", Some("import")) => acknowledged("Import of boot resources started"),
        ("POST", Some("stop_import")) => acknowledged("Import of boot resources is being stopped"),
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

pub fn item(req: &Request, resources: &mut Vec<BootResource>, id: &str) -> Reply {
    let Some(i) = resources.iter().position(|r| r.id.to_string() == id) else {
        return Reply::text(404, "No BootResource matches the given query.".into());
    };
    match req.method.as_str() {
        "GET" => Reply::json(200, &resources[i].to_json()),
        "DELETE" => {
            resources.remove(i);
            Reply::text(204, String::new())
        }
        _ => Reply::method_not_allowed("GET, DELETE"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deleted_resource_is_gone() {
        let mut resources = BootResource::fresh_region();
        let id = resources[0].id.to_string();
        let delete = Request::new("DELETE", "x", "", b"");
        assert_eq!(item(&delete, &mut resources, &id).status, 204);
        assert_eq!(
            item(&Request::new("GET", "x", "", b""), &mut resources, &id).status,
            404
        );
    }

    #[test]
    fn imports_start_and_stop_at_once() {
        let resources = BootResource::fresh_region();
        let post = |op: &str| {
            collection(
                &Request::new("POST", "boot-resources/", &format!("op={op}"), b""),
                &resources,
            )
        };
        let started = post("import");
        assert_eq!(started.status, 200);
        assert_eq!(started.body_text(), "Import of boot resources started");
        let stopped = post("stop_import");
        assert_eq!(stopped.status, 200);
        assert_eq!(stopped.body_text(), "Import of boot resources is being stopped");
        assert_eq!(post("nope").status, 400);
        let importing = collection(
            &Request::new("GET", "boot-resources/", "op=is_importing", b""),
            &resources,
        );
        assert_eq!(importing.body_text(), "false");
    }
}
