//! A machine's default gateways, as `default_gateways` in its JSON: per address family, the
//! link chosen with `set_default_gateway` (or `link_subnet` with `default_gateway=true`)
//! while it still exists and its subnet has a gateway; otherwise MAAS's own pick among the
//! links whose subnet has a gateway: the boot interface's first, then static and auto
//! links before DHCP ones, then the oldest link.

use serde_json::{Value, json};

use super::records::interfaces::LinkMode;
use super::records::machines::Machine;
use super::records::networks::Subnet;
use super::reply::Reply;
use super::request::Request;
use super::state::State;

/// One link that can carry a default route: its id, its subnet, and how MAAS ranks it.
struct Candidate<'a> {
    link_id: u64,
    subnet: &'a Subnet,
    rank: (bool, u8, u64),
}

fn candidates<'a>(state: &'a State, m: &Machine, interface: Option<u64>) -> Vec<Candidate<'a>> {
    let boot = m.interfaces.first().map(|i| i.id);
    let mut out: Vec<Candidate> = m
        .interfaces
        .iter()
        .filter(|i| interface.is_none_or(|id| i.id == id))
        .flat_map(|i| i.links.iter().map(move |l| (i.id, l)))
        .filter_map(|(iface, l)| {
            let subnet = state.subnets.iter().find(|s| Some(s.id) == l.subnet_id)?;
            subnet.gateway_ip.as_ref()?;
            let mode_rank = match l.mode {
                LinkMode::Static | LinkMode::Auto => 0,
                LinkMode::Dhcp => 1,
                LinkMode::LinkUp => return None,
            };
            Some(Candidate {
                link_id: l.id,
                subnet,
                rank: (Some(iface) != boot, mode_rank, l.id),
            })
        })
        .collect();
    out.sort_by_key(|c| c.rank);
    out
}

fn family(ipv6: bool, state: &State, m: &Machine) -> Value {
    let chosen = if ipv6 {
        m.gateway_link_ipv6
    } else {
        m.gateway_link_ipv4
    };
    let all = candidates(state, m, None);
    let of_family: Vec<&Candidate> = all
        .iter()
        .filter(|c| c.subnet.cidr.addr().is_ipv6() == ipv6)
        .collect();
    let pick = chosen
        .and_then(|id| of_family.iter().find(|c| c.link_id == id))
        .or(of_family.first());
    match pick {
        Some(c) => json!({"gateway_ip": c.subnet.gateway_ip, "link_id": c.link_id}),
        None => json!({"gateway_ip": null, "link_id": null}),
    }
}

/// `default_gateways` of machine `m`.
pub fn json(state: &State, m: &Machine) -> Value {
    json!({"ipv4": family(false, state, m), "ipv6": family(true, state, m)})
}

/// Makes link `link_id` of machine `m` its default gateway for the link's family.
pub fn choose(state: &mut State, m: usize, link_id: u64) {
    let ipv6 = state.machines[m]
        .interfaces
        .iter()
        .flat_map(|i| i.links.iter())
        .find(|l| l.id == link_id)
        .and_then(|l| state.subnets.iter().find(|s| Some(s.id) == l.subnet_id))
        .is_some_and(|s| s.cidr.addr().is_ipv6());
    let machine = &mut state.machines[m];
    if ipv6 {
        machine.gateway_link_ipv6 = Some(link_id);
    } else {
        machine.gateway_link_ipv4 = Some(link_id);
    }
}

/// `POST nodes/{id}/interfaces/{iid}/?op=set_default_gateway [link_id=]`: the link given,
/// or the interface's only link with a gateway in each family.
pub fn set(req: &Request, state: &mut State, m: usize, interface: u64) -> Result<(), Reply> {
    let usable = candidates(state, &state.machines[m], Some(interface));
    if usable.is_empty() {
        return Err(Reply::invalid(
            "__all__",
            "This interface has no usable gateways.",
        ));
    }
    let chosen: Vec<u64> = match req.param("link_id") {
        Some(raw) => {
            let Some(c) = usable.iter().find(|c| c.link_id.to_string() == raw) else {
                return Err(Reply::invalid(
                    "link_id",
                    &format!("Select a valid choice. {raw} is not one of the available choices."),
                ));
            };
            vec![c.link_id]
        }
        None => {
            let mut picked = Vec::new();
            for (ipv6, name) in [(false, "IPv4"), (true, "IPv6")] {
                let of: Vec<&Candidate> = usable
                    .iter()
                    .filter(|c| c.subnet.cidr.addr().is_ipv6() == ipv6)
                    .collect();
                if of.len() > 1 {
                    return Err(Reply::invalid(
                        "link_id",
                        &format!(
                            "This field is required; Interface has more than one {name} link with a gateway."
                        ),
                    ));
                }
                picked.extend(of.first().map(|c| c.link_id));
            }
            picked
        }
    };
    for link_id in chosen {
        choose(state, m, link_id);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::interfaces::item;
    use super::super::machines::region_with_machine;
    use super::*;

    fn gateways(state: &State) -> Value {
        state.machines[0].json(state)["default_gateways"].clone()
    }

    fn post(state: &mut State, id: &str, iface: u64, op: &str, body: &str) -> Reply {
        let req = Request::new("POST", "x", &format!("op={op}"), body.as_bytes());
        item(&req, state, id, &iface.to_string())
    }

    /// The regression issue 13 names: the simulator never filled in a machine's default
    /// gateway from its links.
    #[test]
    fn a_link_on_a_subnet_with_a_gateway_becomes_the_default_gateway() {
        let (mut state, id) = region_with_machine(
            "architecture=amd64/generic&mac_addresses=52:54:00:aa:00:01&mac_addresses=52:54:00:aa:00:02",
        );
        assert_eq!(
            gateways(&state)["ipv4"],
            json!({"gateway_ip": null, "link_id": null})
        );
        let vlan = state.subnets[0].vlan_id;
        let nics: Vec<u64> = state.machines[0].interfaces.iter().map(|i| i.id).collect();
        for nic in &nics {
            let put = Request::new("PUT", "x", "", format!("vlan={vlan}").as_bytes());
            assert_eq!(item(&put, &mut state, &id, &nic.to_string()).status, 200);
        }
        // The second NIC's static link comes first, the boot NIC's DHCP link second: the
        // boot interface wins.
        let reply = post(
            &mut state,
            &id,
            nics[1],
            "link_subnet",
            "mode=static&subnet=10.0.0.0/24",
        );
        assert_eq!(reply.status, 200, "{}", reply.body_text());
        let second = state.machines[0].interfaces[1].links[0].id;
        assert_eq!(
            gateways(&state)["ipv4"],
            json!({"gateway_ip": "10.0.0.1", "link_id": second})
        );
        let reply = post(
            &mut state,
            &id,
            nics[0],
            "link_subnet",
            "mode=static&subnet=10.0.0.0/24",
        );
        assert_eq!(reply.status, 200, "{}", reply.body_text());
        let boot = state.machines[0].interfaces[0].links[0].id;
        assert_eq!(gateways(&state)["ipv4"]["link_id"], json!(boot));
        assert_eq!(
            gateways(&state)["ipv6"],
            json!({"gateway_ip": null, "link_id": null})
        );

        // Chosen explicitly, it stays chosen.
        let reply = post(&mut state, &id, nics[1], "set_default_gateway", "");
        assert_eq!(reply.status, 200, "{}", reply.body_text());
        assert_eq!(gateways(&state)["ipv4"]["link_id"], json!(second));
        let reply = post(
            &mut state,
            &id,
            nics[0],
            "set_default_gateway",
            &format!("link_id={second}"),
        );
        assert_eq!(reply.status, 400, "a link of another interface");
        assert!(reply.body_text().contains("link_id"), "{}", reply.body_text());

        // A link asked to be the gateway when made.
        let reply = post(
            &mut state,
            &id,
            nics[0],
            "link_subnet",
            "mode=static&subnet=10.0.0.0/24&default_gateway=true",
        );
        assert_eq!(reply.status, 200, "{}", reply.body_text());
        let newest = state.machines[0].interfaces[0].links.last().unwrap().id;
        assert_eq!(gateways(&state)["ipv4"]["link_id"], json!(newest));
        let reply = post(
            &mut state,
            &id,
            nics[0],
            "link_subnet",
            "mode=dhcp&subnet=10.0.0.0/24&default_gateway=true",
        );
        assert_eq!(reply.status, 400);
        assert_eq!(
            reply.body_text(),
            r#"{"default_gateway":["Cannot use in mode 'dhcp'."]}"#
        );
    }

    #[test]
    fn an_interface_without_gateway_links_cannot_be_the_default_gateway() {
        let (mut state, id) =
            region_with_machine("architecture=amd64/generic&mac_addresses=52:54:00:aa:00:01");
        let nic = state.machines[0].interfaces[0].id;
        let reply = post(&mut state, &id, nic, "set_default_gateway", "");
        assert_eq!(reply.status, 400);
        assert!(
            reply.body_text().contains("no usable gateways"),
            "{}",
            reply.body_text()
        );
    }
}
