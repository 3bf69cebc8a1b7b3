//! Spaces: `spaces/` and `spaces/{id}/`.

use serde_json::{Value, json};

use super::reply::Reply;
use super::request::Request;
use super::state::{Space, State};

fn space_json(state: &State, name: &str, id: Value, description: &str, uri: String) -> Value {
    let vlans: Vec<Value> = state
        .vlans
        .iter()
        .filter(|v| v.space == name)
        .map(|v| state.vlan_json(v))
        .collect();
    let subnets: Vec<Value> = state
        .subnets
        .iter()
        .filter(|s| state.vlans.iter().any(|v| v.id == s.vlan_id && v.space == name))
        .map(|s| state.subnet_json(s))
        .collect();
    json!({"description": description, "name": name, "subnets": subnets, "resource_uri": uri, "id": id, "vlans": vlans})
}

fn json_of(state: &State, s: &Space) -> Value {
    space_json(
        state,
        &s.name,
        json!(s.id),
        &s.description,
        format!("/MAAS/api/2.0/spaces/{}/", s.id),
    )
}

pub fn collection(req: &Request, state: &mut State) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", None) => {
            let mut list: Vec<Value> = state.spaces.iter().map(|s| json_of(state, s)).collect();
            // What MAAS lists for everything not in a space.
            list.push(space_json(
                state,
                "undefined",
                json!(-1),
                "Backward compatibility object to ensure objects not associated with a space can be found.",
                "/MAAS/api/2.0/spaces/undefined/".into(),
            ));
            Reply::json(200, &Value::Array(list))
        }
        ("POST", None) => {
            let Some(name) = req.param("name") else {
                return Reply::invalid("name", "This field is required.");
            };
            if state.spaces.iter().any(|s| s.name == name) {
                return Reply::invalid("name", "Space with this Name already exists.");
            }
            let id = state.next_space;
            state.next_space += 1;
            let space = Space {
                id,
                name: name.to_string(),
                description: req.param("description").unwrap_or_default().to_string(),
            };
            let out = json_of(state, &space);
            state.spaces.push(space);
            Reply::json(200, &out)
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::text(405, String::new())
            .with_content_type("text/html; charset=utf-8")
            .with_header("allow", "POST, GET"),
    }
}
