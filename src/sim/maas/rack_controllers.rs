//! Controllers: `regioncontrollers/` (the simulated region itself) and `rackcontrollers/`
//! (one rack with the region's images, or none, like the region the captures come from),
//! with the power driver table racks describe.

use std::sync::OnceLock;

use serde_json::{Value, json};

use super::records::networks::RackNic;
use super::reply::Reply;
use super::request::Request;
use super::state::State;

const REGION: &str = include_str!("region_controller.json");
const POWER_TYPES: &str = include_str!("power_types.json");

/// MAAS 3.4's power drivers and their parameters, as `describe_power_types` answers.
pub fn power_types() -> &'static Value {
    static T: OnceLock<Value> = OnceLock::new();
    T.get_or_init(|| serde_json::from_str(POWER_TYPES).unwrap_or_default())
}

/// The region controller, its NIC on the region's own VLAN and subnet as they are now.
fn region(state: &State) -> Value {
    static T: OnceLock<Value> = OnceLock::new();
    let mut region = T
        .get_or_init(|| serde_json::from_str(REGION).unwrap_or_default())
        .clone();
    let subnet = state.subnets.first();
    let vlan = subnet.and_then(|s| state.vlans.iter().find(|v| v.id == s.vlan_id));
    let nic = &mut region["interface_set"][0];
    nic["vlan"] = vlan.map_or(Value::Null, |v| super::vlans::json(state, v));
    nic["links"][0]["subnet"] = subnet.map_or(Value::Null, |s| super::subnets::json(state, s));
    region
}

pub fn regions(req: &Request, state: &State) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &Value::Array(vec![region(state)])),
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("GET"),
    }
}

/// The one rack controller's system id.
pub const RACK_SYSTEM_ID: &str = "rk4nq8";

/// The services a rack runs, all up but DHCPv6, which no VLAN asks for.
const RACK_SERVICES: &[(&str, &str)] = &[
    ("http", "running"),
    ("dhcpd", "running"),
    ("dhcpd6", "off"),
    ("rackd", "running"),
    ("tftp", "running"),
    ("ntp_rack", "running"),
    ("dns_rack", "running"),
    ("syslog_rack", "running"),
    ("proxy_rack", "running"),
];

/// What a rack cabled to the design's DHCP networks makes MAAS discover before anyone
/// configures it: for each such network a fabric of its own (`fabric-N`) whose untagged VLAN
/// holds a subnet named after its CIDR, and a rack NIC with an address there. PrepareSite then
/// finds these by CIDR and takes them over, as Drydock does on a real region.
pub fn discover_rack_networks(state: &mut State, site: &crate::design::site::Site) {
    use crate::design::model::RangeType;
    for network in &site.networks {
        if !network.ranges.iter().any(|r| r.kind == RangeType::Dhcp) {
            continue;
        }
        let Some(cidr) = network
            .cidr
            .as_deref()
            .and_then(|c| c.parse::<ipnet::IpNet>().ok())
        else {
            continue;
        };
        if state.subnets.iter().any(|s| s.cidr == cidr) {
            continue;
        }
        let Some(ip) = rack_address(network, cidr) else {
            continue;
        };
        let fabric = state.add_fabric(None, String::new(), None);
        let Some(vlan_id) = state.vlans.iter().find(|v| v.fabric_id == fabric).map(|v| v.id) else {
            continue;
        };
        let subnet_id = state.add_discovered_subnet(cidr, vlan_id);
        let nic = RackNic {
            interface_id: state.next_interface_id(),
            link_id: state.next_ip_id(),
            subnet_id,
            ip,
        };
        state.rack_nics.push(nic);
    }
}

/// The rack's address on a network: the first host that is neither a gateway (nor the first
/// host, by convention the router's) nor in a range the design hands out (DHCP or static);
/// reserved ranges are where infrastructure lives.
fn rack_address(network: &crate::design::model::Network, cidr: ipnet::IpNet) -> Option<std::net::IpAddr> {
    use crate::design::model::RangeType;
    let parse = |a: &Option<String>| a.as_deref().and_then(|a| a.parse::<std::net::IpAddr>().ok());
    let handed_out: Vec<(std::net::IpAddr, std::net::IpAddr)> = network
        .ranges
        .iter()
        .filter(|r| r.kind != RangeType::Reserved)
        .filter_map(|r| Some((parse(&r.start)?, parse(&r.end)?)))
        .collect();
    let gateways: Vec<std::net::IpAddr> = network.routes.iter().filter_map(|r| parse(&r.gateway)).collect();
    cidr.hosts()
        .skip(1)
        .take(4096)
        .find(|ip| !gateways.contains(ip) && !handed_out.iter().any(|(a, b)| a <= ip && ip <= b))
}

/// The rack controller: a second node beside the region's, its NIC on the same subnet.
fn rack(state: &State) -> Value {
    let mut rack = region(state);
    let uri = format!("/MAAS/api/2.0/rackcontrollers/{RACK_SYSTEM_ID}/");
    for (field, value) in [
        ("system_id", json!(RACK_SYSTEM_ID)),
        ("hostname", json!("rack01")),
        ("fqdn", json!("rack01.maas")),
        ("node_type", json!(2)),
        ("node_type_name", json!("Rack controller")),
        ("hardware_uuid", json!("fcd0f900-e8bb-11f1-a739-02fc00000002")),
        ("resource_uri", json!(uri)),
        ("ip_addresses", json!(["10.0.0.3"])),
    ] {
        rack[field] = value;
    }
    // Interface 1 and address 4 are below the ids the region hands out (see `State::new`).
    let nic = &mut rack["interface_set"][0];
    nic["id"] = json!(1);
    nic["mac_address"] = json!("52:54:00:00:00:02");
    nic["system_id"] = json!(RACK_SYSTEM_ID);
    nic["resource_uri"] = json!(format!("/MAAS/api/2.0/nodes/{RACK_SYSTEM_ID}/interfaces/1/"));
    nic["links"][0]["id"] = json!(4);
    nic["links"][0]["ip_address"] = json!("10.0.0.3");
    let template = rack["interface_set"][0].clone();
    for (n, extra) in state.rack_nics.iter().enumerate() {
        let Some(subnet) = state.subnets.iter().find(|s| s.id == extra.subnet_id) else {
            continue;
        };
        let vlan = state.vlans.iter().find(|v| v.id == subnet.vlan_id);
        let mut nic = template.clone();
        nic["id"] = json!(extra.interface_id);
        nic["name"] = json!(format!("eth{}", n + 1));
        nic["mac_address"] = json!(format!("52:54:00:00:01:{:02x}", n + 1));
        nic["resource_uri"] = json!(format!(
            "/MAAS/api/2.0/nodes/{RACK_SYSTEM_ID}/interfaces/{}/",
            extra.interface_id
        ));
        nic["vlan"] = vlan.map_or(Value::Null, |v| super::vlans::json(state, v));
        nic["links"][0]["id"] = json!(extra.link_id);
        nic["links"][0]["ip_address"] = json!(extra.ip.to_string());
        nic["links"][0]["subnet"] = super::subnets::json(state, subnet);
        if let Some(all) = rack["interface_set"].as_array_mut() {
            all.push(nic);
        }
        if let Some(ips) = rack["ip_addresses"].as_array_mut() {
            ips.push(json!(extra.ip.to_string()));
        }
    }
    rack["service_set"] = RACK_SERVICES
        .iter()
        .map(|(name, status)| json!({"name": name, "status": status, "status_info": ""}))
        .collect();
    rack
}

/// What the rack holds: every boot resource of the region, its subarchitecture and the
/// ones it covers together.
fn rack_boot_images(state: &State) -> Value {
    let images: Vec<Value> = state
        .boot_resources
        .iter()
        .map(|r| {
            let (arch, subarch) = r.architecture.split_once('/').unwrap_or((&r.architecture, ""));
            let mut subarches: Vec<&str> = r.subarches.split(',').chain([subarch]).collect();
            subarches.sort_unstable();
            subarches.dedup();
            json!({"name": r.name, "architecture": arch, "subarches": subarches})
        })
        .collect();
    json!({"images": images, "connected": true, "status": "synced"})
}

/// `import_boot_images`, deprecated: the racks sync from the region by themselves.
fn import_accepted() -> Reply {
    Reply::text(202, "Accepted".into())
}

pub fn racks(req: &Request, state: &State) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(
            200,
            &Value::Array(state.rack.then(|| rack(state)).into_iter().collect()),
        ),
        ("GET", Some("describe_power_types")) => Reply::json(200, power_types()),
        ("POST", Some("import_boot_images")) => import_accepted(),
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

pub fn rack_item(req: &Request, state: &State, system_id: &str) -> Reply {
    if !state.rack || system_id != RACK_SYSTEM_ID {
        return Reply::text(404, "No RackController matches the given query.".into());
    }
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &rack(state)),
        ("GET", Some("list_boot_images")) => Reply::json(200, &rack_boot_images(state)),
        ("POST", Some("import_boot_images")) => import_accepted(),
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("DELETE, POST, GET, PUT"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str, query: &str) -> Request {
        Request::new("GET", path, query, b"")
    }

    fn body(reply: &Reply) -> Value {
        serde_json::from_str(&reply.body_text()).expect("a JSON answer")
    }

    #[test]
    fn with_a_rack_one_rack_controller_is_listed_with_its_services() {
        let state = State::for_tests();
        let listed = body(&racks(&get("rackcontrollers/", ""), &state));
        let rack = &listed.as_array().expect("a list")[..];
        assert_eq!(rack.len(), 1);
        let rack = &rack[0];
        assert_eq!(rack["node_type"], 2);
        assert_eq!(rack["node_type_name"], "Rack controller");
        assert_eq!(rack["hostname"], "rack01");
        assert_ne!(rack["system_id"], region(&state)["system_id"]);
        assert_eq!(rack["interface_set"][0]["vlan"]["fabric"], "fabric-0");
        let services: Vec<(&str, &str)> = rack["service_set"]
            .as_array()
            .expect("services")
            .iter()
            .map(|s| (s["name"].as_str().unwrap(), s["status"].as_str().unwrap()))
            .collect();
        for needed in ["http", "dhcpd", "rackd", "tftp"] {
            assert!(
                services.contains(&(needed, "running")),
                "{needed} in {services:?}"
            );
        }
        let id = rack["system_id"].as_str().unwrap();
        let one = rack_item(&get("x", ""), &state, id);
        assert_eq!(
            body(&one)["resource_uri"],
            format!("/MAAS/api/2.0/rackcontrollers/{id}/")
        );
        let unknown = rack_item(&get("x", ""), &state, "nope00");
        assert_eq!(unknown.status, 404);
        assert_eq!(unknown.body_text(), "No RackController matches the given query.");
    }

    #[test]
    fn without_a_rack_there_is_no_rack_controller() {
        let mut state = State::for_tests();
        let id = body(&racks(&get("rackcontrollers/", ""), &state))[0]["system_id"].clone();
        state.rack = false;
        assert_eq!(body(&racks(&get("rackcontrollers/", ""), &state)), json!([]));
        assert_eq!(rack_item(&get("x", ""), &state, id.as_str().unwrap()).status, 404);
    }

    #[test]
    fn the_rack_lists_the_regions_images_and_accepts_imports() {
        let state = State::for_tests();
        let listed = rack_item(&get("x", "op=list_boot_images"), &state, RACK_SYSTEM_ID);
        let images = body(&listed);
        assert_eq!(images["connected"], true);
        assert_eq!(images["status"], "synced");
        assert_eq!(
            images["images"][0],
            json!({"name": "ubuntu/jammy", "architecture": "amd64", "subarches": ["ga-22.04", "generic"]})
        );
        let generic = images["images"][1]["subarches"].as_array().expect("subarches");
        assert_eq!(
            generic.len(),
            13,
            "generic and the twelve kernels it covers, once each"
        );
        let import = Request::new("POST", "x", "op=import_boot_images", b"");
        for reply in [racks(&import, &state), rack_item(&import, &state, RACK_SYSTEM_ID)] {
            assert_eq!(reply.status, 202);
            assert_eq!(reply.body_text(), "Accepted");
        }
        let nope = Request::new("POST", "x", "op=nope", b"");
        assert_eq!(racks(&nope, &state).status, 400);
    }

    #[test]
    fn power_types_include_the_drivers_drydock_uses() {
        let names: Vec<&str> = power_types()
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        for driver in ["ipmi", "redfish", "manual", "virsh"] {
            assert!(names.contains(&driver), "{driver} missing from {names:?}");
        }
    }

    #[test]
    fn the_rack_is_found_on_each_dhcp_network_of_the_design() {
        let site = crate::design::load(&[std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/site"
        ))])
        .unwrap();
        let mut state = State::for_tests();
        discover_rack_networks(&mut state, &site);
        let pxe = state
            .subnets
            .iter()
            .find(|s| s.cidr.to_string() == "10.40.1.0/24")
            .expect("MAAS discovered the PXE subnet");
        assert_eq!(pxe.name, "10.40.1.0/24");
        let rack = body(&racks(&get("rackcontrollers/", ""), &state));
        let nics = rack[0]["interface_set"].as_array().unwrap();
        assert_eq!(nics.len(), 2, "the region's subnet and the PXE network");
        assert_eq!(nics[1]["links"][0]["subnet"]["cidr"], "10.40.1.0/24");
        // .1 is by convention the router's: the rack takes the next reserved address.
        assert_eq!(nics[1]["links"][0]["ip_address"], "10.40.1.2");
        assert_eq!(nics[1]["vlan"]["id"], json!(pxe.vlan_id));
    }
}
