//! VLANs: `fabrics/{id}/vlans/`, `fabrics/{id}/vlans/{vid}/` and `vlans/{id}/`.

use super::reply::Reply;
use super::request::Request;
use super::state::State;

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
        Some(v) => Reply::json(200, &state.vlan_json(v)),
        None => Reply::text(500, "vlan vanished".into()),
    }
}

/// GET/PUT/DELETE of one VLAN, found by (fabric, VID) or by id.
pub fn item(req: &Request, state: &mut State, index: Option<usize>) -> Reply {
    let Some(i) = index else {
        return Reply::text(404, "No VLAN matches the given query.".into());
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &state.vlan_json(&state.vlans[i])),
        ("PUT", None) => {
            if req
                .param("dhcp_on")
                .is_some_and(|d| d.eq_ignore_ascii_case("true"))
            {
                return Reply::invalid(
                    "dhcp_on",
                    "dhcp can only be turned on when a dynamic IP range is defined.",
                );
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
            Reply::json(200, &state.vlan_json(&state.vlans[i]))
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
