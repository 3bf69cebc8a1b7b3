//! Machine tags: `tags/` and `tags/{name}/`, including the membership ops Drydock uses to
//! apply a node's design tags.

use serde_json::{Value, json};

use super::records::machines::Tag;
use super::reply::{Reply, extra, model_json};
use super::request::Request;
use super::state::State;
use crate::maas::resources::tags as model;

impl Tag {
    /// The tag in the client's model.
    fn to_json(&self) -> Value {
        model_json(&model::Tag {
            name: self.name.clone(),
            comment: self.comment.clone(),
            definition: self.definition.clone(),
            kernel_opts: Some(self.kernel_opts.clone()),
            extra: extra(json!({"resource_uri": format!("/MAAS/api/2.0/tags/{}/", self.name)})),
        })
    }
}

/// Django's slug-like check MAAS applies to tag names.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

pub fn collection(req: &Request, tags: &mut Vec<Tag>) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &Value::Array(tags.iter().map(Tag::to_json).collect())),
        ("POST", None) => {
            let name = req.param("name").unwrap_or_default().to_string();
            if name.is_empty() {
                return Reply::invalid("name", "This field is required.");
            }
            if !valid_name(&name) {
                return Reply::invalid("name", "Enter a valid value.");
            }
            if tags.iter().any(|t| t.name == name) {
                return Reply::invalid("name", "Tag with this Name already exists.");
            }
            let text = |k: &str| req.param(k).unwrap_or_default().to_string();
            let tag = Tag {
                name,
                definition: text("definition"),
                comment: text("comment"),
                kernel_opts: text("kernel_opts"),
                members: Vec::new(),
            };
            let out = tag.to_json();
            tags.push(tag);
            Reply::json(200, &out)
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

pub fn item(req: &Request, state: &mut State, name: &str) -> Reply {
    let Some(i) = state.tags.iter().position(|t| t.name == name) else {
        return Reply::text(404, "No Tag matches the given query.".into());
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &state.tags[i].to_json()),
        ("GET", Some("machines" | "nodes")) => {
            let members = &state.tags[i].members;
            let listed = state
                .machines
                .iter()
                .filter(|m| members.contains(&m.system_id))
                .map(|m| m.json(state))
                .collect();
            Reply::json(200, &Value::Array(listed))
        }
        ("POST", Some("update_nodes")) => {
            let (mut added, mut removed) = (0, 0);
            // MAAS counts unknown system ids as neither added nor removed.
            for id in req.params_named("add") {
                let known = state.machines.iter().any(|m| m.system_id == id);
                if known && !state.tags[i].members.iter().any(|m| m == id) {
                    state.tags[i].members.push(id.to_string());
                    added += 1;
                }
            }
            for id in req.params_named("remove") {
                if let Some(at) = state.tags[i].members.iter().position(|m| m == id) {
                    state.tags[i].members.remove(at);
                    removed += 1;
                }
            }
            Reply::json(200, &json!({"added": added, "removed": removed}))
        }
        ("PUT", None) => {
            let tag = &mut state.tags[i];
            for (field, slot) in [
                ("comment", &mut tag.comment),
                ("definition", &mut tag.definition),
                ("kernel_opts", &mut tag.kernel_opts),
            ] {
                if let Some(v) = req.param(field) {
                    *slot = v.to_string();
                }
            }
            Reply::json(200, &state.tags[i].to_json())
        }
        ("DELETE", None) => {
            state.tags.remove(i);
            Reply::text(204, String::new())
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("GET, PUT, DELETE"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A region holding the base fixture's machines.
    fn state() -> State {
        let site = crate::design::load(&[std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/base.yaml"
        ))])
        .unwrap();
        let mut state = State::for_tests();
        state.adopt_hosts(crate::sim::physical::PhysicalMachine::from_site(&site));
        state.machines = super::super::records::machines::Machine::enlisted(&state.hosts, &site);
        state
    }

    fn post(body: &str) -> Request {
        Request::new("POST", "tags/", "", body.as_bytes())
    }

    #[test]
    fn update_nodes_adds_once_and_lists_members() {
        let mut s = state();
        assert_eq!(collection(&post("name=compute"), &mut s.tags).status, 200);
        let id = s.machines[0].system_id.clone();
        let add = Request::new(
            "POST",
            "tags/compute/",
            "op=update_nodes",
            format!("add={id}&add={id}").as_bytes(),
        );
        let reply = item(&add, &mut s, "compute");
        assert_eq!(reply.status, 200);
        assert_eq!(
            serde_json::from_str::<Value>(&reply.body_text()).unwrap(),
            json!({"added": 1, "removed": 0})
        );
        let list = item(
            &Request::new("GET", "tags/compute/", "op=machines", b""),
            &mut s,
            "compute",
        );
        let listed: Value = serde_json::from_str(&list.body_text()).unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert_eq!(listed[0]["system_id"], json!(id));
    }

    #[test]
    fn update_nodes_ignores_unknown_machines() {
        let mut s = state();
        collection(&post("name=compute"), &mut s.tags);
        let add = Request::new("POST", "tags/compute/", "op=update_nodes", b"add=nosuch");
        let reply = item(&add, &mut s, "compute");
        assert_eq!(reply.status, 200);
        assert_eq!(
            serde_json::from_str::<Value>(&reply.body_text()).unwrap(),
            json!({"added": 0, "removed": 0})
        );
        assert!(s.tags[0].members.is_empty());
    }
}
