//! VLANs: `fabrics/{id}/vlans/`, `fabrics/{id}/vlans/{vid}/` and `vlans/{id}/`.

use serde_json::{Value, json};

use super::records::networks::Vlan;
use super::reply::{Reply, extra, model_json};
use super::request::Request;
use super::state::State;
use crate::maas::resources::vlans as model;

/// A VLAN in the client's model, its relay VLAN nested as MAAS nests it.
pub fn model(state: &State, v: &Vlan) -> model::Vlan {
    let mut out = flat(state, v);
    if let Some(relay) = v
        .relay_vlan
        .and_then(|id| state.vlans.iter().find(|r| r.id == id))
    {
        out.relay_vlan = model_json(&flat(state, relay));
    }
    out
}

pub fn json(state: &State, v: &Vlan) -> Value {
    model_json(&model(state, v))
}

fn flat(state: &State, v: &Vlan) -> model::Vlan {
    let fabric = state
        .fabric(v.fabric_id)
        .map(|f| f.name.clone())
        .unwrap_or_default();
    model::Vlan {
        id: v.id,
        vid: v.vid,
        name: v.name.clone(),
        fabric,
        fabric_id: v.fabric_id,
        mtu: v.mtu,
        dhcp_on: v.dhcp_on,
        primary_rack: v.primary_rack.clone(),
        secondary_rack: v.secondary_rack.clone(),
        relay_vlan: Value::Null,
        space: v.space.clone(),
        extra: extra(json!({
            "external_dhcp": null, "resource_uri": format!("/MAAS/api/2.0/vlans/{}/", v.id),
        })),
    }
}

pub fn create(req: &Request, state: &mut State, fabric_id: u64) -> Reply {
    let vid = match req.param("vid").map(|v| v.trim().parse::<i64>()) {
        Some(Ok(v)) if (0..=4094).contains(&v) => v as u16,
        Some(_) => return Reply::invalid("vid", "VID must be between 0 and 4094."),
        None => return Reply::invalid("vid", "This field is required."),
    };
    if state
        .vlans
        .iter()
        .any(|v| v.fabric_id == fabric_id && v.vid == vid)
    {
        return Reply::invalid(
            "__all__",
            "A VLAN with the specified VID already exists in the destination fabric.",
        );
    }
    let mtu = req.param("mtu").and_then(|m| m.parse().ok()).unwrap_or(1500);
    let name = req
        .param("name")
        .map(str::to_string)
        .unwrap_or_else(|| format!("vlan{vid}"));
    let id = state.add_vlan(fabric_id, vid, name, mtu);
    match state.vlans.iter().find(|v| v.id == id) {
        Some(v) => Reply::json(200, &json(state, v)),
        None => Reply::text(500, "vlan vanished".into()),
    }
}

/// Applies `dhcp_on`, `primary_rack`, `secondary_rack` and `relay_vlan` as MAAS's VLAN form
/// does, or refuses them with its messages (nothing changed then).
fn dhcp_settings(req: &Request, state: &mut State, i: usize) -> Option<Reply> {
    let known_rack =
        |id: &str| id.is_empty() || (state.rack && id == super::rack_controllers::RACK_SYSTEM_ID);
    for field in ["primary_rack", "secondary_rack"] {
        if req.param(field).is_some_and(|id| !known_rack(id)) {
            return Some(Reply::invalid(
                field,
                "Select a valid choice. That choice is not one of the available choices.",
            ));
        }
    }
    let relay = match req.param("relay_vlan") {
        None => state.vlans[i].relay_vlan,
        Some("") => None,
        Some(id) => match state
            .vlans
            .iter()
            .find(|v| v.id.to_string() == id && v.id != state.vlans[i].id)
        {
            Some(v) => Some(v.id),
            None => {
                return Some(Reply::invalid(
                    "relay_vlan",
                    "Select a valid choice. That choice is not one of the available choices.",
                ));
            }
        },
    };
    let rack = |field: &str, now: &Option<String>| match req.param(field) {
        None => now.clone(),
        Some(id) => (!id.is_empty()).then(|| id.to_string()),
    };
    let primary = rack("primary_rack", &state.vlans[i].primary_rack);
    let secondary = rack("secondary_rack", &state.vlans[i].secondary_rack);
    let dhcp_on = req.flag("dhcp_on").unwrap_or(state.vlans[i].dhcp_on);
    // MAAS offers no relay VLAN to choose while the VLAN serves DHCP itself: DHCP goes off
    // in one request, the relay is set in the next.
    if (state.vlans[i].dhcp_on || dhcp_on) && req.param("relay_vlan").is_some_and(|r| !r.is_empty()) {
        return Some(Reply::invalid(
            "relay_vlan",
            "Select a valid choice. That choice is not one of the available choices.",
        ));
    }
    if dhcp_on {
        let vlan_id = state.vlans[i].id;
        let has_dynamic = state.ipranges.iter().any(|r| {
            r.kind == "dynamic"
                && state
                    .subnets
                    .iter()
                    .any(|s| s.id == r.subnet_id && s.vlan_id == vlan_id)
        });
        if !has_dynamic {
            return Some(Reply::invalid(
                "dhcp_on",
                "dhcp can only be turned on when a dynamic IP range is defined.",
            ));
        }
        if primary.is_none() {
            return Some(Reply::invalid(
                "__all__",
                "dhcp can only be turned on when a primary rack controller is set.",
            ));
        }
    }
    let v = &mut state.vlans[i];
    v.dhcp_on = dhcp_on;
    v.primary_rack = primary;
    v.secondary_rack = secondary;
    v.relay_vlan = relay;
    None
}

/// GET/PUT/DELETE of one VLAN, found by (fabric, VID) or by id.
pub fn item(req: &Request, state: &mut State, index: Option<usize>) -> Reply {
    let Some(i) = index else {
        return Reply::text(404, "No VLAN matches the given query.".into());
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &json(state, &state.vlans[i])),
        ("PUT", None) => {
            if let Some(refused) = dhcp_settings(req, state, i) {
                return refused;
            }
            if let Some(space) = req.param("space") {
                if !state
                    .spaces
                    .iter()
                    .any(|s| s.name == space || s.id.to_string() == space)
                {
                    return Reply::invalid(
                        "space",
                        "Select a valid choice. That choice is not one of the available choices.",
                    );
                }
                state.vlans[i].space = space.to_string();
            }
            if let Some(mtu) = req.param("mtu").and_then(|m| m.parse().ok()) {
                state.vlans[i].mtu = mtu;
            }
            // MAAS keeps the untagged VLAN's name.
            if let Some(name) = req.param("name").filter(|_| state.vlans[i].vid != 0) {
                state.vlans[i].name = name.to_string();
            }
            Reply::json(200, &json(state, &state.vlans[i]))
        }
        ("DELETE", None) if state.vlans[i].vid == 0 => Reply::plain_error(
            400,
            "This VLAN is the default VLAN in the fabric, it cannot be deleted.".into(),
        ),
        ("DELETE", None) => {
            state.vlans.remove(i);
            Reply::text(204, String::new())
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("GET, PUT, DELETE"),
    }
}
