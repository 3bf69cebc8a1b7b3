//! Controllers: `regioncontrollers/` (the simulated region itself) and `rackcontrollers/`
//! (none registered, like the region the captures come from), with the power driver table
//! racks describe.

use std::sync::OnceLock;

use serde_json::Value;

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
    nic["vlan"] = vlan.map_or(Value::Null, |v| state.vlan_json(v));
    nic["links"][0]["subnet"] = subnet.map_or(Value::Null, |s| state.subnet_json(s));
    region
}

pub fn regions(req: &Request, state: &State) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &Value::Array(vec![region(state)])),
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("GET"),
    }
}

pub fn racks(req: &Request) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &Value::Array(Vec::new())),
        ("GET", Some("describe_power_types")) => Reply::json(200, power_types()),
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("GET"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
