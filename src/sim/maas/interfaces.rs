//! A machine's network interfaces: `nodes/{system_id}/interfaces/` and
//! `nodes/{system_id}/interfaces/{id}/`: physical NICs, bonds and VLAN interfaces, and their
//! links to subnets.

use serde_json::{Map, Value, json};

use super::records::interfaces::{Interface, InterfaceKind, Link, LinkMode};
use super::records::networks::Subnet;
use super::reply::Reply;
use super::request::Request;
use super::state::State;

impl Interface {
    pub fn to_json(&self, state: &State, system_id: &str, siblings: &[Interface]) -> Value {
        let mut v = super::machines::interface_template().clone();
        let vlan = self
            .vlan_id
            .and_then(|id| state.vlans.iter().find(|v| v.id == id));
        let name_of = |id: &u64| siblings.iter().find(|i| i.id == *id).map(|i| i.name.clone());
        let mtu = self
            .params
            .get("mtu")
            .and_then(Value::as_u64)
            .or(vlan.map(|v| u64::from(v.mtu)))
            .unwrap_or(1500);
        v["id"] = json!(self.id);
        v["name"] = json!(self.name);
        v["type"] = json!(self.kind.as_str());
        v["mac_address"] = json!(self.mac);
        v["system_id"] = json!(system_id);
        v["vlan"] = vlan.map_or(Value::Null, |vl| super::vlans::json(state, vl));
        v["effective_mtu"] = json!(mtu);
        v["params"] = Value::Object(self.params.clone());
        v["parents"] = json!(self.parents.iter().filter_map(name_of).collect::<Vec<_>>());
        v["children"] = json!(
            siblings
                .iter()
                .filter(|i| i.parents.contains(&self.id))
                .map(|i| i.name.clone())
                .collect::<Vec<_>>()
        );
        v["link_connected"] = json!(self.kind == InterfaceKind::Physical);
        v["links"] = Value::Array(
            self.links
                .iter()
                .map(|l| {
                    let mut link = json!({"id": l.id, "mode": l.mode.as_str()});
                    if let Some(ip) = &l.ip_address {
                        link["ip_address"] = json!(ip);
                    }
                    if let Some(s) = l
                        .subnet_id
                        .and_then(|id| state.subnets.iter().find(|s| s.id == id))
                    {
                        link["subnet"] = super::subnets::json(state, s);
                    }
                    link
                })
                .collect(),
        );
        v["resource_uri"] = json!(format!("/MAAS/api/2.0/nodes/{system_id}/interfaces/{}/", self.id));
        v
    }
}

fn list_json(state: &State, machine: usize) -> Value {
    let m = &state.machines[machine];
    Value::Array(
        m.interfaces
            .iter()
            .map(|i| i.to_json(state, &m.system_id, &m.interfaces))
            .collect(),
    )
}

fn one_json(state: &State, machine: usize, iface: u64) -> Value {
    let m = &state.machines[machine];
    m.interfaces
        .iter()
        .find(|i| i.id == iface)
        .map_or(Value::Null, |i| i.to_json(state, &m.system_id, &m.interfaces))
}

fn vlan_param(state: &State, req: &Request) -> Result<Option<u64>, Reply> {
    match req.param("vlan") {
        None | Some("") => Ok(None),
        Some(v) => state
            .vlans
            .iter()
            .find(|vl| vl.id.to_string() == v)
            .map(|vl| Some(vl.id))
            .ok_or_else(|| {
                Reply::invalid(
                    "vlan",
                    "Select a valid choice. That choice is not one of the available choices.",
                )
            }),
    }
}

fn mtu_param(req: &Request) -> Result<Option<u64>, Reply> {
    req.param("mtu")
        .map(|m| {
            m.parse::<u64>()
                .ok()
                .filter(|m| (552..=65535).contains(m))
                .ok_or_else(|| Reply::invalid("mtu", "Ensure this value is between 552 and 65535."))
        })
        .transpose()
}

pub fn collection(req: &Request, state: &mut State, system_id: &str) -> Reply {
    let m = match state.machine_index(system_id) {
        Ok(m) => m,
        Err(reply) => return reply,
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &list_json(state, m)),
        ("POST", Some("create_bond")) => create_bond(req, state, m),
        ("POST", Some("create_vlan")) => create_vlan(req, state, m),
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

fn duplicate_name(state: &State, m: usize, name: &str) -> Option<Reply> {
    let machine = &state.machines[m];
    machine.interfaces.iter().any(|i| i.name == name).then(|| {
        Reply::invalid(
            "name",
            &format!(
                "Node {} ({}) already has an interface named '{name}'.",
                machine.system_id, machine.hostname
            ),
        )
    })
}

fn link_up(state: &mut State) -> Link {
    Link {
        id: state.next_ip_id(),
        mode: LinkMode::LinkUp,
        subnet_id: None,
        ip_address: None,
    }
}

fn create_bond(req: &Request, state: &mut State, m: usize) -> Reply {
    let parents: Vec<u64> = req
        .params_named("parents")
        .filter_map(|p| {
            state.machines[m]
                .interfaces
                .iter()
                .find(|i| i.id.to_string() == p)
                .map(|i| i.id)
        })
        .collect();
    let mut errors = Map::new();
    if parents.is_empty() {
        errors.insert(
            "parents".into(),
            json!(["A bond interface must have one or more parents."]),
        );
    }
    let mac = req.param("mac_address").map(str::to_string).or_else(|| {
        let first = parents.first()?;
        state.machines[m]
            .interfaces
            .iter()
            .find(|i| i.id == *first)
            .map(|i| i.mac.clone())
    });
    if mac.is_none() {
        errors.insert("mac_address".into(), json!(["This field cannot be blank."]));
    }
    let name = req.param("name").unwrap_or_default().to_string();
    if name.is_empty() {
        errors.insert("name".into(), json!(["This field is required."]));
    }
    if !errors.is_empty() {
        return Reply::compact_json(400, &Value::Object(errors)).without_hash();
    }
    if let Some(reply) = duplicate_name(state, m, &name) {
        return reply;
    }
    let (vlan, mtu) = match (vlan_param(state, req), mtu_param(req)) {
        (Ok(v), Ok(mtu)) => (v, mtu),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    let text = |k: &str, default: &str| json!(req.param(k).unwrap_or(default));
    let number = |k: &str, default: u64| {
        json!(
            req.param(k)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(default)
        )
    };
    let mut params = Map::new();
    params.insert("mtu".into(), json!(mtu.unwrap_or(1500)));
    params.insert("bond_mode".into(), text("bond_mode", "balance-rr"));
    params.insert("bond_miimon".into(), number("bond_miimon", 100));
    params.insert("bond_updelay".into(), number("bond_updelay", 0));
    params.insert("bond_downdelay".into(), number("bond_downdelay", 0));
    params.insert("bond_lacp_rate".into(), text("bond_lacp_rate", "fast"));
    params.insert("bond_num_grat_arp".into(), number("bond_num_grat_arp", 1));
    params.insert(
        "bond_xmit_hash_policy".into(),
        text("bond_xmit_hash_policy", "layer2"),
    );
    let id = state.next_interface_id();
    let link = link_up(state);
    let vlan = vlan.or_else(|| {
        state.machines[m]
            .interfaces
            .iter()
            .find(|i| Some(&i.id) == parents.first())
            .and_then(|i| i.vlan_id)
    });
    // Enslaved NICs lose their own links and follow the bond's VLAN and MTU.
    for iface in state.machines[m]
        .interfaces
        .iter_mut()
        .filter(|i| parents.contains(&i.id))
    {
        iface.links.clear();
        iface.vlan_id = vlan;
        if let Some(mtu) = mtu {
            iface.params.insert("mtu".into(), json!(mtu));
        }
    }
    state.machines[m].interfaces.push(Interface {
        id,
        name,
        kind: InterfaceKind::Bond,
        mac: mac.unwrap_or_default(),
        vlan_id: vlan,
        parents,
        params,
        links: vec![link],
    });
    Reply::json(200, &one_json(state, m, id))
}

fn create_vlan(req: &Request, state: &mut State, m: usize) -> Reply {
    let parent = req.param("parent").and_then(|p| {
        state.machines[m]
            .interfaces
            .iter()
            .find(|i| i.id.to_string() == p)
            .cloned()
    });
    let vlan = match vlan_param(state, req) {
        Ok(v) => v.and_then(|id| state.vlans.iter().find(|v| v.id == id).cloned()),
        Err(reply) => return reply,
    };
    let (Some(parent), Some(vlan)) = (parent, vlan) else {
        let mut errors = Map::new();
        if req.param("parent").is_none() {
            errors.insert("parent".into(), json!(["This field is required."]));
        }
        if req.param("vlan").is_none() {
            errors.insert("vlan".into(), json!(["This field is required."]));
        }
        if errors.is_empty() {
            errors.insert("parent".into(), json!(["None found with id."]));
        }
        return Reply::compact_json(400, &Value::Object(errors)).without_hash();
    };
    let name = format!("{}.{}", parent.name, vlan.vid);
    if let Some(reply) = duplicate_name(state, m, &name) {
        return reply;
    }
    let mtu = match mtu_param(req) {
        Ok(mtu) => mtu.unwrap_or(u64::from(vlan.mtu)),
        Err(reply) => return reply,
    };
    let id = state.next_interface_id();
    let link = link_up(state);
    let mut params = Map::new();
    params.insert("mtu".into(), json!(mtu));
    state.machines[m].interfaces.push(Interface {
        id,
        name,
        kind: InterfaceKind::Vlan,
        mac: parent.mac.clone(),
        vlan_id: Some(vlan.id),
        parents: vec![parent.id],
        params,
        links: vec![link],
    });
    Reply::json(200, &one_json(state, m, id))
}

pub fn item(req: &Request, state: &mut State, system_id: &str, id: &str) -> Reply {
    let found = state
        .machines
        .iter()
        .position(|m| m.system_id == system_id)
        .and_then(|m| {
            let i = state.machines[m]
                .interfaces
                .iter()
                .position(|i| i.id.to_string() == id)?;
            Some((m, i))
        });
    let Some((m, i)) = found else {
        return Reply::text(404, "No Interface matches the given query.".into());
    };
    let iface_id = state.machines[m].interfaces[i].id;
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &one_json(state, m, iface_id)),
        ("PUT", None) => {
            let (vlan, mtu) = match (vlan_param(state, req), mtu_param(req)) {
                (Ok(v), Ok(mtu)) => (v, mtu),
                (Err(reply), _) | (_, Err(reply)) => return reply,
            };
            let iface = &mut state.machines[m].interfaces[i];
            if req.param("vlan").is_some() {
                iface.vlan_id = vlan;
            }
            if let Some(mtu) = mtu {
                iface.params.insert("mtu".into(), json!(mtu));
            }
            if let Some(name) = req.param("name") {
                iface.name = name.to_string();
            }
            for (k, v) in req.params.iter().filter(|(k, _)| k.starts_with("bond_")) {
                if iface.kind == InterfaceKind::Bond {
                    let value = v.parse::<u64>().map_or_else(|_| json!(v), |n| json!(n));
                    iface.params.insert(k.clone(), value);
                }
            }
            Reply::json(200, &one_json(state, m, iface_id))
        }
        ("DELETE", None) => {
            let machine = &mut state.machines[m];
            machine.interfaces.remove(i);
            for other in &mut machine.interfaces {
                other.parents.retain(|p| *p != iface_id);
            }
            Reply::text(204, String::new())
        }
        ("POST", Some("link_subnet")) => link_subnet(req, state, m, i),
        ("POST", Some("unlink_subnet")) => unlink_subnet(req, state, m, i),
        ("POST", Some("set_default_gateway")) => match super::gateways::set(req, state, m, iface_id) {
            Ok(()) => Reply::json(200, &one_json(state, m, iface_id)),
            Err(reply) => reply,
        },
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("DELETE, POST, GET, PUT"),
    }
}

fn link_subnet(req: &Request, state: &mut State, m: usize, i: usize) -> Reply {
    let iface = state.machines[m].interfaces[i].clone();
    let Some(mode) = req.param("mode").and_then(LinkMode::parse) else {
        return Reply::invalid(
            "mode",
            &format!(
                "Select a valid choice. {} is not one of the available choices.",
                req.param("mode").unwrap_or_default()
            ),
        );
    };
    let wanted = req.param("subnet").unwrap_or_default();
    let subnet = state
        .subnets
        .iter()
        .find(|s| {
            (s.id.to_string() == wanted || s.cidr.to_string() == wanted) && Some(s.vlan_id) == iface.vlan_id
        })
        .cloned();
    let Some(subnet) = subnet else {
        let mut messages = Vec::new();
        if !wanted.is_empty() {
            messages.push(format!("None found with id={wanted}."));
        }
        if mode != LinkMode::LinkUp {
            messages.push("This field is required.".into());
        }
        return Reply::compact_json(400, &json!({ "subnet": messages })).without_hash();
    };
    let ip_address = match (mode, req.param("ip_address")) {
        (LinkMode::Static, Some(ip)) => {
            let inside = ip
                .parse::<std::net::IpAddr>()
                .is_ok_and(|a| subnet.cidr.contains(&a));
            if !inside {
                let vid = state
                    .vlans
                    .iter()
                    .find(|v| v.id == subnet.vlan_id)
                    .map_or(0, |v| v.vid);
                return Reply::invalid(
                    "ip_address",
                    &format!(
                        "IP address is not in the given subnet '{}:{}(vid={vid})'.",
                        subnet.name, subnet.cidr
                    ),
                );
            }
            Some(ip.to_string())
        }
        (LinkMode::Static, None) => match free_address(state, &subnet) {
            Some(ip) => Some(ip),
            None => {
                return Reply::text(503, format!("No more IPs available in subnet: {}.", subnet.cidr))
                    .without_hash();
            }
        },
        _ => None,
    };
    let default_gateway = req
        .param("default_gateway")
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "on" | "yes"));
    if default_gateway {
        if !matches!(mode, LinkMode::Auto | LinkMode::Static) {
            return Reply::invalid(
                "default_gateway",
                &format!("Cannot use in mode '{}'.", mode.as_str()),
            );
        }
        if subnet.gateway_ip.is_none() {
            return Reply::invalid(
                "default_gateway",
                &format!(
                    "Cannot set as default gateway because subnet {} doesn't provide a gateway IP address.",
                    subnet.cidr
                ),
            );
        }
    }
    let link = Link {
        id: state.next_ip_id(),
        mode,
        subnet_id: Some(subnet.id),
        ip_address,
    };
    let link_id = link.id;
    let links = &mut state.machines[m].interfaces[i].links;
    if mode == LinkMode::LinkUp {
        // Up on the subnet without an address: it replaces every other link.
        links.clear();
    } else {
        // A bare LINK_UP link gives way to the first real one.
        links.retain(|l| !(l.mode == LinkMode::LinkUp && l.subnet_id.is_none()));
    }
    links.push(link);
    if default_gateway {
        super::gateways::choose(state, m, link_id);
    }
    Reply::json(200, &one_json(state, m, iface.id))
}

/// The first address of the subnet that no link uses and no reserved or dynamic range covers.
fn free_address(state: &State, subnet: &Subnet) -> Option<String> {
    let used: Vec<String> = state
        .machines
        .iter()
        .flat_map(|m| m.interfaces.iter())
        .flat_map(|i| i.links.iter())
        .filter_map(|l| l.ip_address.clone())
        .collect();
    subnet
        .cidr
        .hosts()
        .filter(|a| Some(a.to_string()) != subnet.gateway_ip)
        .filter(|a| {
            !state
                .ipranges
                .iter()
                .any(|r| r.subnet_id == subnet.id && r.start <= *a && *a <= r.end)
        })
        .map(|a| a.to_string())
        .find(|a| !used.contains(a))
}

fn unlink_subnet(req: &Request, state: &mut State, m: usize, i: usize) -> Reply {
    let wanted = req.param("id").unwrap_or_default();
    let links = &state.machines[m].interfaces[i].links;
    let Some(at) = links.iter().position(|l| l.id.to_string() == wanted) else {
        let ids: Vec<String> = links.iter().map(|l| format!("'{}'", l.id)).collect();
        return Reply::invalid(
            "id",
            &format!(
                "'{wanted}' is not a valid id.  It should be one of: {}.",
                ids.join(", ")
            ),
        );
    };
    state.machines[m].interfaces[i].links.remove(at);
    if state.machines[m].interfaces[i].links.is_empty() {
        let link = link_up(state);
        state.machines[m].interfaces[i].links.push(link);
    }
    let id = state.machines[m].interfaces[i].id;
    Reply::json(200, &one_json(state, m, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A region with one machine with two NICs.
    fn region() -> (State, String) {
        super::super::machines::region_with_machine(
            "architecture=amd64/generic&mac_addresses=52:54:00:aa:00:01&mac_addresses=52:54:00:aa:00:02",
        )
    }

    #[test]
    fn a_bond_takes_over_its_parents_links_and_a_static_link_gets_a_free_address() {
        let (mut state, id) = region();
        let vlan = state.subnets[0].vlan_id;
        let nics: Vec<u64> = state.machines[0].interfaces.iter().map(|i| i.id).collect();
        for nic in &nics {
            let put = Request::new("PUT", "x", "", format!("vlan={vlan}").as_bytes());
            assert_eq!(item(&put, &mut state, &id, &nic.to_string()).status, 200);
        }
        let bond = Request::new(
            "POST",
            "x",
            "op=create_bond",
            format!("name=bond0&parents={}&parents={}&mtu=9000", nics[0], nics[1]).as_bytes(),
        );
        assert_eq!(collection(&bond, &mut state, &id).status, 200);
        let machine = &state.machines[0];
        let bond = machine.interfaces.iter().find(|i| i.name == "bond0").unwrap();
        assert_eq!(bond.vlan_id, Some(vlan), "the bond follows its parents' VLAN");
        assert!(machine.interfaces[0].links.is_empty());
        assert_eq!(machine.interfaces[1].params["mtu"], json!(9000));
        let bond_id = bond.id.to_string();
        let link = Request::new("POST", "x", "op=link_subnet", b"mode=static&subnet=10.0.0.0/24");
        let reply = item(&link, &mut state, &id, &bond_id);
        assert_eq!(reply.status, 200, "{}", reply.body_text());
        let links = &state.machines[0].interfaces[2].links;
        assert_eq!(links.len(), 1, "the bare link_up link gave way");
        assert_eq!(
            links[0].ip_address.as_deref(),
            Some("10.0.0.2"),
            "the gateway .1 is skipped"
        );
    }
}
