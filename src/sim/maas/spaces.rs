//! Spaces: `spaces/` and `spaces/{id}/`.

use serde_json::{Value, json};

use super::records::networks::Space;
use super::reply::{Reply, extra, model_json};
use super::request::Request;
use super::state::State;
use crate::maas::resources::spaces as model;

/// A space in the client's model, with the VLANs in it and their subnets.
fn space_json(state: &State, name: &str, id: i64, description: &str, uri: String) -> Value {
    model_json(&model::Space {
        id,
        name: name.to_string(),
        description: description.to_string(),
        vlans: state
            .vlans
            .iter()
            .filter(|v| v.space == name)
            .map(|v| super::vlans::model(state, v))
            .collect(),
        subnets: state
            .subnets
            .iter()
            .filter(|s| state.vlans.iter().any(|v| v.id == s.vlan_id && v.space == name))
            .map(|s| super::subnets::model(state, s))
            .collect(),
        extra: extra(json!({"resource_uri": uri})),
    })
}

fn json_of(state: &State, s: &Space) -> Value {
    space_json(
        state,
        &s.name,
        s.id as i64,
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
                -1,
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
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

pub fn item(req: &Request, state: &mut State, id: &str) -> Reply {
    let Some(i) = state
        .spaces
        .iter()
        .position(|s| s.id.to_string() == id || s.name == id)
    else {
        return Reply::text(404, "No Space matches the given query.".into());
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &json_of(state, &state.spaces[i])),
        ("PUT", None) => {
            if let Some(d) = req.param("description") {
                state.spaces[i].description = d.to_string();
            }
            if let Some(name) = req.param("name") {
                if state
                    .spaces
                    .iter()
                    .enumerate()
                    .any(|(j, s)| j != i && s.name == name)
                {
                    return Reply::invalid("name", "Space with this Name already exists.");
                }
                let old = std::mem::replace(&mut state.spaces[i].name, name.to_string());
                for v in state.vlans.iter_mut().filter(|v| v.space == old) {
                    v.space = name.to_string();
                }
            }
            Reply::json(200, &json_of(state, &state.spaces[i]))
        }
        ("DELETE", None) => {
            // Its VLANs fall back to no space.
            let gone = state.spaces.remove(i);
            for v in state.vlans.iter_mut().filter(|v| v.space == gone.name) {
                v.space = "undefined".into();
            }
            Reply::text(204, String::new())
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("GET, PUT, DELETE"),
    }
}
