//! Boot images: `boot-resources/`. The simulated region has Ubuntu 22.04 synced for amd64,
//! which is what machine creation checks architectures against.

use serde_json::{Value, json};

use super::reply::Reply;
use super::request::Request;

/// One synced image: `ubuntu/jammy` for `architecture`, with the subarches it covers.
#[derive(Debug, Clone)]
pub struct BootResource {
    pub id: u64,
    pub name: String,
    pub architecture: String,
    pub subarches: String,
}

impl BootResource {
    pub fn fresh_region() -> Vec<BootResource> {
        vec![
            BootResource {
                id: 2,
                name: "ubuntu/jammy".into(),
                architecture: "amd64/ga-22.04".into(),
                subarches: "generic,ga-22.04".into(),
            },
            BootResource {
                id: 1,
                name: "ubuntu/jammy".into(),
                architecture: "amd64/generic".into(),
                subarches: "generic,hwe-p,hwe-q,hwe-r,hwe-s,hwe-t,hwe-u,hwe-v,hwe-w,ga-16.04,ga-18.04,ga-20.04,ga-22.04"
                    .into(),
            },
        ]
    }

    fn to_json(&self) -> Value {
        json!({"id": self.id, "type": "Synced", "name": self.name, "architecture": self.architecture,
               "resource_uri": format!("/MAAS/api/2.0/boot-resources/{}/", self.id),
               "last_deployed": null, "platform": "generic", "subarches": self.subarches,
               "supported_platforms": "generic"})
    }
}

pub fn collection(req: &Request, resources: &[BootResource]) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(
            200,
            &Value::Array(resources.iter().map(BootResource::to_json).collect()),
        ),
        // Nothing downloads in the simulator: images are always in place.
        ("GET", Some("is_importing")) => Reply::json(200, &json!(false)),
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

pub fn item(req: &Request, resources: &[BootResource], id: &str) -> Reply {
    let Some(resource) = resources.iter().find(|r| r.id.to_string() == id) else {
        return Reply::text(404, "No BootResource matches the given query.".into());
    };
    match req.method.as_str() {
        "GET" => Reply::json(200, &resource.to_json()),
        _ => Reply::method_not_allowed("GET, DELETE"),
    }
}
