//! Subnets: `subnets/`, `subnets/{id}/` (or `subnets/{cidr}/`).

use serde_json::{Value, json};

use super::records::networks::Subnet;
use super::reply::{Reply, extra, model_json};
use super::request::Request;
use super::state::State;
use super::subnet_usage;
use crate::maas::resources::subnets as model;

/// A subnet in the client's model, its VLAN nested.
pub fn model(state: &State, s: &Subnet) -> model::Subnet {
    let vlan = state.vlans.iter().find(|v| v.id == s.vlan_id);
    model::Subnet {
        id: s.id,
        name: s.name.clone(),
        cidr: s.cidr.to_string(),
        vlan: vlan.map(|v| super::vlans::model(state, v)),
        gateway_ip: s.gateway_ip.clone(),
        dns_servers: s.dns_servers.clone(),
        space: vlan.map_or_else(|| "undefined".into(), |v| v.space.clone()),
        managed: s.managed,
        allow_dns: s.allow_dns,
        allow_proxy: s.allow_proxy,
        rdns_mode: s.rdns_mode,
        extra: extra(json!({
            "description": s.description, "active_discovery": false, "disabled_boot_architectures": [],
            "resource_uri": format!("/MAAS/api/2.0/subnets/{}/", s.id),
        })),
    }
}

pub fn json(state: &State, s: &Subnet) -> Value {
    model_json(&model(state, s))
}

/// The subnet with this id, if there is one.
pub fn model_by_id(state: &State, id: u64) -> Option<model::Subnet> {
    state.subnets.iter().find(|s| s.id == id).map(|s| model(state, s))
}

fn dns_servers(text: &str) -> Vec<String> {
    text.split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

pub fn collection(req: &Request, state: &mut State) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(
            200,
            &Value::Array(state.subnets.iter().map(|s| json(state, s)).collect()),
        ),
        ("POST", None) => create(req, state),
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

fn create(req: &Request, state: &mut State) -> Reply {
    if req.param("space").is_some() {
        return Reply::invalid(
            "space",
            "Spaces may no longer be set on subnets. Set the space on the underlying VLAN.",
        );
    }
    let Some(cidr) = req
        .param("cidr")
        .and_then(|c| c.parse::<ipnet::IpNet>().ok())
        .map(|c| c.trunc())
    else {
        return Reply::invalid("cidr", "Required format: <network>/<prefixlen>.");
    };
    if state.subnets.iter().any(|s| s.cidr == cidr) {
        return Reply::invalid("cidr", "Subnet with this Cidr already exists.");
    }
    // The VLAN: by id, or by fabric + VID, else the default fabric's untagged VLAN.
    let vlan = match (req.param("vlan"), req.param("fabric"), req.param("vid")) {
        (Some(id), _, _) => state.vlans.iter().find(|v| v.id.to_string() == id),
        (None, Some(f), vid) => {
            let vid: u16 = vid.and_then(|v| v.parse().ok()).unwrap_or(0);
            state
                .vlans
                .iter()
                .find(|v| v.fabric_id.to_string() == f && v.vid == vid)
        }
        (None, None, _) => state.vlans.first(),
    };
    let Some(vlan_id) = vlan.map(|v| v.id) else {
        return Reply::invalid(
            "vlan",
            "Select a valid choice. That choice is not one of the available choices.",
        );
    };
    let gateway_ip = req
        .param("gateway_ip")
        .filter(|g| !g.is_empty())
        .map(str::to_string);
    if let Some(gw) = &gateway_ip
        && !gw.parse::<std::net::IpAddr>().is_ok_and(|ip| cidr.contains(&ip))
    {
        return Reply::invalid("gateway_ip", "Gateway IP must be within CIDR range.");
    }
    let id = state.next_subnet;
    state.next_subnet += 1;
    let subnet = Subnet {
        id,
        name: req.param("name").map_or_else(|| cidr.to_string(), str::to_string),
        description: req.param("description").unwrap_or_default().to_string(),
        cidr,
        vlan_id,
        gateway_ip,
        dns_servers: req.param("dns_servers").map(dns_servers).unwrap_or_default(),
        allow_dns: req.flag("allow_dns").unwrap_or(true),
        allow_proxy: req.flag("allow_proxy").unwrap_or(true),
        managed: req.flag("managed").unwrap_or(true),
        rdns_mode: rdns_mode(req).unwrap_or(2),
    };
    let out = json(state, &subnet);
    state.subnets.push(subnet);
    Reply::json(200, &out)
}

/// `rdns_mode` when given as one of MAAS's three modes.
fn rdns_mode(req: &Request) -> Option<u8> {
    req.param("rdns_mode")
        .and_then(|m| m.parse().ok())
        .filter(|m| *m <= 2)
}

/// One subnet by id or by CIDR (`subnets/172.16.10.0/24/`).
pub fn item(req: &Request, state: &mut State, key: &str) -> Reply {
    let index = state
        .subnets
        .iter()
        .position(|s| s.id.to_string() == key || s.cidr.to_string() == key);
    let Some(i) = index else {
        return Reply::text(404, "No Subnet matches the given query.".into());
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &json(state, &state.subnets[i])),
        ("GET", Some("reserved_ip_ranges")) => {
            Reply::json(200, &subnet_usage::reserved_json(state, &state.subnets[i]))
        }
        ("GET", Some("unreserved_ip_ranges")) => {
            Reply::json(200, &subnet_usage::unreserved_json(state, &state.subnets[i]))
        }
        ("GET", Some("statistics")) => {
            Reply::json(200, &subnet_usage::statistics_json(state, &state.subnets[i]))
        }
        ("PUT", None) => {
            let s = &mut state.subnets[i];
            if let Some(name) = req.param("name") {
                s.name = name.to_string();
            }
            if let Some(d) = req.param("description") {
                s.description = d.to_string();
            }
            if let Some(dns) = req.param("dns_servers") {
                s.dns_servers = dns_servers(dns);
            }
            if let Some(gw) = req.param("gateway_ip") {
                s.gateway_ip = (!gw.is_empty()).then(|| gw.to_string());
            }
            for (field, slot) in [
                ("allow_dns", &mut s.allow_dns),
                ("allow_proxy", &mut s.allow_proxy),
                ("managed", &mut s.managed),
            ] {
                if let Some(v) = req.flag(field) {
                    *slot = v;
                }
            }
            if let Some(mode) = rdns_mode(req) {
                s.rdns_mode = mode;
            }
            Reply::json(200, &json(state, &state.subnets[i]))
        }
        ("DELETE", None) => {
            // MAAS 3.4 deletes a subnet in use; its ranges, routes and links go with it.
            let gone = state.subnets.remove(i).id;
            state.ipranges.retain(|r| r.subnet_id != gone);
            state.routes.retain(|r| r.source != gone && r.destination != gone);
            for iface in state.machines.iter_mut().flat_map(|m| m.interfaces.iter_mut()) {
                iface.links.retain(|l| l.subnet_id != Some(gone));
            }
            Reply::text(204, String::new())
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("GET, PUT, DELETE"),
    }
}
