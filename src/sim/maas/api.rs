//! Routing an authenticated or anonymous API request to its resource family.

use serde_json::json;

use super::reply::Reply;
use super::request::Request;
use super::state::State;
use super::{
    auth, block_devices, boot_resources, boot_sources, commissioning_results, config, domains, events,
    fabrics, interfaces, ip_ranges, lifecycle, machines, package_repositories, rack_controllers, spaces,
    ssh_keys, static_routes, subnets, tags, users, vlans, volume_groups,
};

const DESCRIBE: &str = include_str!("describe.json");

/// Answers one request below `/MAAS/api/2.0/`. `base` is the simulator's `http://host:port`;
/// `now_ms` is the wall clock in milliseconds since the epoch.
pub fn handle(req: &Request, auth_header: Option<&str>, state: &mut State, base: &str, now_ms: u64) -> Reply {
    lifecycle::advance(state, now_ms);
    let segments: Vec<&str> = req
        .path
        .trim_end_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    // Anonymous by design.
    match (segments.as_slice(), req.method.as_str()) {
        (["version"], "GET") => return version(),
        (["version"], _) => return Reply::method_not_allowed("GET"),
        (["machines"], "GET") if req.op() == Some("is_registered") => {
            return machines::is_registered(req, &state.machines);
        }
        // `machines/` has an anonymous twin for booting machines: without credentials a
        // POST enlists, and anything else is an op the twin does not have.
        (["machines"], "POST") if auth_header.is_none() && req.op().is_none() => {
            return machines::enlist(req, state);
        }
        (["machines"], _) if auth_header.is_none() => return req.unrecognised(req.op().unwrap_or("None")),
        (["describe"], "GET") => {
            let body = DESCRIBE.replace("http://MAAS_HOST", base);
            return Reply::text(200, body).with_content_type("application/json");
        }
        _ => {}
    }
    match auth::check(auth_header, state, now_ms / 1000) {
        Ok(user) => state.caller = user,
        Err(reply) => return reply,
    }
    if !state.caller_is_admin()
        && let Some(reply) = refused_to_non_admin(req, &segments)
    {
        return reply;
    }
    match segments.as_slice() {
        ["users"] => users::collection(req, &mut state.users, state.caller),
        ["maas"] => config::endpoint(req, &mut state.config),
        ["account", "prefs", "sshkeys"] => ssh_keys::collection(req, &mut state.ssh_keys),
        ["account", "prefs", "sshkeys", id] => ssh_keys::item(req, &mut state.ssh_keys, id),
        ["package-repositories"] => package_repositories::collection(req, &mut state.repositories),
        ["package-repositories", id] => package_repositories::item(req, &mut state.repositories, id),
        ["domains"] => domains::collection(req, &mut state.domains),
        ["domains", id] => domains::item(req, &mut state.domains, id),
        ["tags"] => tags::collection(req, &mut state.tags),
        ["tags", name] => tags::item(req, state, name),
        ["boot-resources"] => boot_resources::collection(req, &state.boot_resources),
        ["boot-resources", id] => boot_resources::item(req, &mut state.boot_resources, id),
        ["boot-sources"] => boot_sources::collection(req, &state.boot_sources),
        ["boot-sources", id] => boot_sources::item(req, &state.boot_sources, id),
        ["boot-sources", source, "selections"] => {
            boot_sources::selections(req, &mut state.boot_sources, source)
        }
        ["boot-sources", source, "selections", id] => {
            boot_sources::selection(req, &mut state.boot_sources, source, id)
        }
        ["regioncontrollers"] => rack_controllers::regions(req, state),
        ["rackcontrollers"] => rack_controllers::racks(req, state),
        ["rackcontrollers", id] => rack_controllers::rack_item(req, state, id),
        ["events"] => events::endpoint(req, state),
        ["fabrics"] => fabrics::collection(req, state),
        ["fabrics", id] => fabrics::item(req, state, id),
        ["fabrics", id, "vlans"] => fabrics::vlans(req, state, id),
        ["fabrics", fabric, "vlans", vid] => {
            let index = fabric
                .parse::<u64>()
                .ok()
                .zip(vid.parse::<u16>().ok())
                .and_then(|(f, vid)| state.vlans.iter().position(|v| v.fabric_id == f && v.vid == vid));
            vlans::item(req, state, index)
        }
        ["vlans", id] => {
            let index = state.vlans.iter().position(|v| v.id.to_string() == *id);
            vlans::item(req, state, index)
        }
        ["commissioning-results"] => commissioning_results::collection(req, state),
        ["spaces"] => spaces::collection(req, state),
        ["spaces", id] => spaces::item(req, state, id),
        ["ipranges", id] => ip_ranges::item(req, state, id),
        ["account"] if req.op() == Some("list_authorisation_tokens") => Reply::json(
            200,
            &json!([{"name": "MAAS consumer", "token": state.key.expose()}]),
        ),
        ["ipranges"] => ip_ranges::collection(req, state),
        ["static-routes"] => static_routes::collection(req, state),
        ["static-routes", id] => static_routes::item(req, state, id),
        ["subnets"] => subnets::collection(req, state),
        ["subnets", id] => subnets::item(req, state, id),
        ["subnets", net, prefix] => subnets::item(req, state, &format!("{net}/{prefix}")),
        ["machines"] => machines::collection(req, state, now_ms),
        ["machines", id] => machines::item(req, state, id, now_ms),
        ["nodes", id, "blockdevices"] => block_devices::collection(req, state, id),
        ["nodes", id, "blockdevices", disk] => block_devices::item(req, state, id, disk),
        ["nodes", id, "blockdevices", disk, "partitions"] => block_devices::partitions(req, state, id, disk),
        ["nodes", id, "blockdevices", disk, "partition", p] => {
            block_devices::partition(req, state, id, disk, p)
        }
        ["nodes", id, "volume-groups"] => volume_groups::collection(req, state, id),
        ["nodes", id, "volume-group", vg] => volume_groups::item(req, state, id, vg),
        ["nodes", id, "interfaces"] => interfaces::collection(req, state, id),
        ["nodes", id, "interfaces", iface] => interfaces::item(req, state, id, iface),
        _ => Reply::plain_error(404, format!("Unknown API endpoint: /MAAS/api/2.0/{}.", req.path)),
    }
}

/// What a non-admin may not do: change the region's networks, names, images, controllers or
/// settings, or edit and delete machines (MAAS answers the latter with an empty 403).
fn refused_to_non_admin(req: &Request, segments: &[&str]) -> Option<Reply> {
    const ADMIN_ONLY: &[&str] = &[
        "fabrics",
        "vlans",
        "spaces",
        "subnets",
        "ipranges",
        "static-routes",
        "domains",
        "tags",
        "package-repositories",
        "boot-resources",
        "boot-sources",
        "rackcontrollers",
        "maas",
    ];
    match (segments, req.method.as_str()) {
        (_, "GET") => None,
        ([first, ..], _) if ADMIN_ONLY.contains(first) => Some(users::admin_only()),
        (["machines", _], "PUT" | "DELETE") => Some(Reply::plain_error(403, String::new())),
        _ => None,
    }
}

fn version() -> Reply {
    Reply::compact_json(
        200,
        &json!({
            "capabilities": ["networks-management", "static-ipaddresses", "ipv6-deployment-ubuntu", "devices-management",
                "storage-deployment-ubuntu", "network-deployment-ubuntu", "bridging-interface-ubuntu",
                "bridging-automatic-ubuntu", "authenticate-api"],
            "version": "3.4.10",
            "subversion": "",
        }),
    )
}
