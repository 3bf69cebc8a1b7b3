//! `fabrics/` and `fabrics/{id}/`, `fabrics/{id}/vlans/`: networks' layer 2.

use serde_json::{Value, json};

use super::records::networks::Fabric;
use super::reply::{Reply, extra, model_json};
use super::request::Request;
use super::state::State;
use crate::maas::resources::fabrics as model;

/// A fabric in the client's model, with its VLANs.
fn json(state: &State, f: &Fabric) -> Value {
    model_json(&model::Fabric {
        id: f.id,
        name: f.name.clone(),
        class_type: f.class_type.clone(),
        vlans: state
            .vlans
            .iter()
            .filter(|v| v.fabric_id == f.id)
            .map(|v| super::vlans::model(state, v))
            .collect(),
        extra: extra(json!({"resource_uri": format!("/MAAS/api/2.0/fabrics/{}/", f.id)})),
    })
}

pub fn collection(req: &Request, state: &mut State) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", None) => {
            let list: Vec<_> = state.fabrics.iter().map(|f| json(state, f)).collect();
            Reply::json(200, &serde_json::Value::Array(list))
        }
        ("POST", None) => {
            let name = req.param("name").map(str::to_string);
            if let Some(n) = &name
                && state.fabrics.iter().any(|f| &f.name == n)
            {
                return Reply::invalid("name", "Fabric with this Name already exists.");
            }
            let id = state.add_fabric(
                name,
                req.param("description").unwrap_or_default().to_string(),
                req.param("class_type").map(str::to_string),
            );
            match state.fabric(id) {
                Some(f) => Reply::json(200, &json(state, f)),
                None => Reply::text(500, "fabric vanished".into()),
            }
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

pub fn item(req: &Request, state: &mut State, id: &str) -> Reply {
    let Some(index) = id
        .parse::<u64>()
        .ok()
        .and_then(|id| state.fabrics.iter().position(|f| f.id == id))
    else {
        return Reply::text(404, "No Fabric matches the given query.".into());
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &json(state, &state.fabrics[index])),
        ("PUT", None) => {
            if let Some(name) = req.param("name") {
                state.fabrics[index].name = name.to_string();
            }
            if let Some(d) = req.param("description") {
                state.fabrics[index].description = d.to_string();
            }
            if let Some(c) = req.param("class_type") {
                state.fabrics[index].class_type = Some(c.to_string());
            }
            Reply::json(200, &json(state, &state.fabrics[index]))
        }
        ("DELETE", None) => {
            let fid = state.fabrics[index].id;
            let present: Vec<String> = state
                .subnets
                .iter()
                .filter(|s| {
                    state
                        .vlans
                        .iter()
                        .any(|v| v.id == s.vlan_id && v.fabric_id == fid)
                })
                .map(|s| s.cidr.to_string())
                .collect();
            if !present.is_empty() {
                return Reply::plain_error(
                    400,
                    format!(
                        "Can't delete fabric; the following subnets are still present: {}",
                        present.join(", ")
                    ),
                );
            }
            state.fabrics.remove(index);
            state.vlans.retain(|v| v.fabric_id != fid);
            Reply::text(204, String::new())
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("GET, PUT, DELETE"),
    }
}

pub fn vlans(req: &Request, state: &mut State, fabric: &str) -> Reply {
    let Some(fid) = fabric
        .parse::<u64>()
        .ok()
        .filter(|id| state.fabric(*id).is_some())
    else {
        return Reply::text(404, "No Fabric matches the given query.".into());
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => {
            let list: Vec<_> = state
                .vlans
                .iter()
                .filter(|v| v.fabric_id == fid)
                .map(|v| super::vlans::json(state, v))
                .collect();
            Reply::json(200, &serde_json::Value::Array(list))
        }
        ("POST", None) => super::vlans::create(req, state, fid),
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}
