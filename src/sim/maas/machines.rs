//! Machines: the design's BaremetalNodes as MAAS would list them after enlistment, in MAAS's
//! JSON shape (the template is a machine a real 3.4 region returned).

use std::sync::OnceLock;

use serde_json::{Map, Value, json};

use super::lifecycle;
use super::machine_details;
use super::rack_controllers::power_types;
use super::records::interfaces::Interface;
use super::records::machines::{Body, Machine, system_id};
use super::reply::Reply;
use super::request::Request;
use super::state::State;
use super::storage_layouts;
use crate::maas::MachineStatus;
use crate::maas::resources::machines::PowerState;
use crate::sim::physical::{Physical, PhysicalMachine};

const TEMPLATE: &str = include_str!("machine.json");

fn template() -> &'static Value {
    static T: OnceLock<Value> = OnceLock::new();
    T.get_or_init(|| serde_json::from_str(TEMPLATE).unwrap_or(Value::Null))
}

/// A physical interface as a real region lists it, for the fields the simulator does not model.
pub fn interface_template() -> &'static Value {
    &template()["interface_set"][0]
}

impl Machine {
    /// The power state MAAS reports: `error` after a power action or query failed,
    /// `unknown` without a power driver to ask, the machine's otherwise.
    pub fn power_state(&self, hosts: &[PhysicalMachine]) -> PowerState {
        if self.power_error {
            PowerState::Error
        } else if self.power_type.is_empty() {
            PowerState::Unknown
        } else {
            self.physical(hosts).power_state.clone()
        }
    }

    pub fn json(&self, state: &State) -> Value {
        let mut m = template().clone();
        let id = &self.system_id;
        let nics: Vec<Value> = self
            .interfaces
            .iter()
            .map(|i| i.to_json(state, id, &self.interfaces))
            .collect();
        let disks: Vec<Value> = self.disks.iter().map(|d| d.to_json(id)).collect();
        let boot = self
            .boot_disk
            .and_then(|b| self.disks.iter().position(|d| d.id == b))
            .unwrap_or(0);
        m["boot_disk"] = disks.get(boot).cloned().unwrap_or(Value::Null);
        let of_kind = |lv: bool| -> Vec<Value> {
            self.disks
                .iter()
                .filter(|d| d.volume_group.is_some() == lv)
                .map(|d| d.to_json(id))
                .collect()
        };
        m["physicalblockdevice_set"] = Value::Array(of_kind(false));
        m["virtualblockdevice_set"] = Value::Array(of_kind(true));
        m["owner"] = json!(self.owner);
        let physical = self.physical(&state.hosts);
        m["power_state"] = json!(self.power_state(&state.hosts));
        m["osystem"] = json!(physical.osystem);
        m["distro_series"] = json!(physical.distro_series);
        m["hwe_kernel"] = json!(self.hwe_kernel);
        m["default_gateways"] = super::gateways::json(state, self);
        m["workload_annotations"] = Value::Object(self.workload_annotations.clone());
        m["owner_data"] = Value::Object(self.workload_annotations.clone());
        m["tag_names"] = json!(
            state
                .tags
                .iter()
                .filter(|t| t.members.contains(id))
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
        );
        // The machine view only points at its volume groups.
        m["volume_groups"] = Value::Array(
            self.volume_groups
                .iter()
                .map(|vg| json!({"system_id": id, "id": vg.id, "__incomplete__": true}))
                .collect(),
        );
        m["blockdevice_set"] = Value::Array(disks);
        m["system_id"] = json!(id);
        m["hostname"] = json!(self.hostname);
        m["fqdn"] = json!(format!("{}.{}", self.hostname, self.domain));
        m["status"] = json!(self.status.code());
        m["status_name"] = json!(self.status.name());
        m["power_type"] = json!(self.power_type);
        m["architecture"] = json!(self.architecture);
        m["description"] = json!(self.description);
        m["cpu_count"] = json!(self.cpu_count);
        m["memory"] = json!(self.memory);
        if let (Some(hardware), Some(_)) = (&self.hardware, self.commissioned_ms) {
            hardware.write_into(&mut m);
        }
        m["domain"]["name"] = json!(self.domain);
        m["boot_interface"] = nics.first().cloned().unwrap_or(Value::Null);
        m["interface_set"] = Value::Array(nics);
        m["resource_uri"] = json!(format!("/MAAS/api/2.0/machines/{id}/"));
        m
    }
}

/// `aa:bb:cc:dd:ee:ff` in lowercase, from any of MAAS's accepted spellings.
pub fn normalise_mac(raw: &str) -> Option<String> {
    let hex: String = raw.chars().filter(|c| !matches!(c, ':' | '-' | '.')).collect();
    if hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    Some(
        (0..6)
            .map(|i| &hex[i * 2..i * 2 + 2])
            .collect::<Vec<_>>()
            .join(":"),
    )
}

fn owner_of<'a>(machines: &'a [Machine], mac: &str) -> Option<&'a Machine> {
    machines
        .iter()
        .find(|m| m.interfaces.iter().any(|n| n.mac == mac))
}

/// Architectures machines may have: those backed by a synced `generic` boot image.
fn architectures(state: &State) -> Vec<String> {
    let mut arches: Vec<String> = state
        .boot_resources
        .iter()
        .map(|r| r.architecture.clone())
        .filter(|a| a.ends_with("/generic"))
        .collect();
    arches.dedup();
    arches
}

/// Merges `power_parameters_<name>` fields into `current` over the driver's defaults.
/// Refuses a driver whose required parameters stay unset.
fn power_parameters(
    req: &Request,
    power_type: &str,
    current: &Map<String, Value>,
) -> Result<Map<String, Value>, Value> {
    let Some(driver) = power_types()
        .as_array()
        .and_then(|all| all.iter().find(|p| p["name"] == power_type))
    else {
        return Err(json!([format!(
            "Select a valid choice. {power_type} is not one of the available choices."
        )]));
    };
    let given: Vec<(&str, &str)> = req
        .params
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("power_parameters_")?, v.as_str())))
        .filter(|(k, _)| *k != "skip_check")
        .collect();
    let mut out = Map::new();
    let mut missing = false;
    for field in driver["fields"].as_array().into_iter().flatten() {
        let name = field["name"].as_str().unwrap_or_default();
        let value = match given.iter().find(|(k, _)| *k == name) {
            Some((_, v)) if field["field_type"] == "multiple_choice" => {
                json!(v.split(',').collect::<Vec<_>>())
            }
            Some((_, v)) => json!(v),
            None => current
                .get(name)
                .cloned()
                .unwrap_or_else(|| field["default"].clone()),
        };
        missing |= field["required"] == true && value.as_str() == Some("");
        out.insert(name.to_string(), value);
    }
    let skip_check = req.param("power_parameters_skip_check") == Some("true");
    if missing && !skip_check {
        return Err(json!(["This field is required."]));
    }
    Ok(out)
}

/// A free system id: six characters, like MAAS's.
pub fn fresh_system_id(machines: &[Machine]) -> String {
    (machines.len()..)
        .map(|n| system_id(&format!("machine-{n}")))
        .find(|id| !machines.iter().any(|m| &m.system_id == id))
        .unwrap_or_default()
}

fn create(req: &Request, state: &mut State) -> Reply {
    let mut errors = Map::new();
    let architecture = req.param("architecture").unwrap_or_default().to_string();
    let arches = architectures(state);
    if architecture.is_empty() {
        errors.insert("architecture".into(), json!(["This field is required."]));
    } else if !arches.contains(&architecture) {
        let listed: Vec<String> = arches.iter().map(|a| format!("'{a}'")).collect();
        errors.insert(
            "architecture".into(),
            json!([format!(
                "'{architecture}' is not a valid architecture.  It should be one of: {}.",
                listed.join(", ")
            )]),
        );
    }
    let mut macs = Vec::new();
    let mut mac_errors = Vec::new();
    for raw in req.params_named("mac_addresses") {
        match normalise_mac(raw) {
            None => mac_errors.push(format!("'{raw}' is not a valid MAC address.")),
            Some(mac) => match owner_of(&state.machines, &mac) {
                Some(owner) => {
                    mac_errors.push(format!("MAC address {mac} already in use on {}.", owner.hostname))
                }
                None => macs.push(mac),
            },
        }
    }
    if macs.is_empty() && mac_errors.is_empty() {
        mac_errors.push("This field is required.".into());
    }
    let power_type = req.param("power_type").unwrap_or("manual").to_string();
    if !mac_errors.is_empty() {
        errors.insert("mac_addresses".into(), json!(mac_errors));
        if power_type == "manual" {
            errors.insert(
                "power_type".into(),
                json!(["Can't set power type to manual without network interfaces"]),
            );
        }
    }
    let domain = req.param("domain").unwrap_or("maas").to_string();
    if !state.domains.iter().any(|d| d.name == domain) {
        errors.insert(
            "domain".into(),
            json!(["Select a valid choice. That choice is not one of the available choices."]),
        );
    }
    let params = match power_parameters(req, &power_type, &Map::new()) {
        Ok(params) => params,
        Err(e) => {
            errors.insert("power_parameters".into(), e);
            Map::new()
        }
    };
    if !errors.is_empty() {
        return Reply::compact_json(400, &Value::Object(errors)).without_hash();
    }
    // An admin's new machine commissions at once, which needs images on a rack controller.
    if !matches!(req.param("commission"), Some("false" | "0")) {
        return Reply::plain_error(
            400,
            "Ephemeral operating system ubuntu jammy is unavailable.".into(),
        );
    }
    let system_id = fresh_system_id(&state.machines);
    let first_nic = state.next_interface_id();
    let nics = macs
        .iter()
        .enumerate()
        .map(|(i, mac)| Interface::physical(first_nic + i as u64, format!("eth{i}"), mac.clone()))
        .collect();
    let hostname = req
        .param("hostname")
        .map_or_else(|| format!("node-{system_id}"), str::to_string);
    // A machine created with a MAC of one of the site's machines stands for that machine.
    let body = match state.unknown_host_with(&macs) {
        Some(host) => Body::Host { host },
        None => Body::Record(Physical::unknown()),
    };
    let machine = Machine {
        domain,
        architecture,
        description: req.param("description").unwrap_or_default().to_string(),
        power_type,
        power_parameters: params,
        interfaces: nics,
        body,
        ..Machine::new(system_id, hostname)
    };
    if machine.bmc_address().is_some() {
        state.next_ip_id();
    }
    state.machines.push(machine);
    let out = state.machines.last().map_or(Value::Null, |m| m.json(state));
    Reply::json(200, &out)
}

/// `GET machines/` with MAAS's filters: every given field must match one of its values.
fn list(req: &Request, state: &State) -> Reply {
    let mut macs = Vec::new();
    for raw in req.params_named("mac_address") {
        match normalise_mac(raw) {
            Some(mac) => macs.push(mac),
            None => return Reply::invalid("mac_address", &format!("'{raw}' is not a valid MAC address.")),
        }
    }
    let hostnames: Vec<&str> = req.params_named("hostname").collect();
    let ids: Vec<&str> = req.params_named("id").collect();
    let domains: Vec<&str> = req.params_named("domain").collect();
    // A non-admin sees the machines nobody owns and its own.
    let me = state.caller_name();
    let admin = state.caller_is_admin();
    let listed: Vec<Value> = state
        .machines
        .iter()
        .filter(|m| admin || m.owner.as_deref().is_none_or(|o| o == me))
        .filter(|m| hostnames.is_empty() || hostnames.contains(&m.hostname.as_str()))
        .filter(|m| ids.is_empty() || ids.contains(&m.system_id.as_str()))
        .filter(|m| domains.is_empty() || domains.contains(&m.domain.as_str()))
        .filter(|m| macs.is_empty() || m.interfaces.iter().any(|n| macs.contains(&n.mac)))
        .map(|m| m.json(state))
        .collect();
    Reply::json(200, &Value::Array(listed))
}

/// Words for the `adjective-animal` hostnames MAAS gives machines that enlist themselves.
const ADJECTIVES: &[&str] = &[
    "brave", "calm", "eager", "fond", "immune", "keen", "lucky", "noble", "quick", "witty", "bold", "cosy",
    "fair", "glad", "handy", "jolly",
];
const ANIMALS: &[&str] = &[
    "bull", "crow", "deer", "eel", "fox", "hare", "lynx", "mole", "owl", "wren", "yak", "newt", "ibis",
    "koala", "mink", "seal",
];

/// A hostname no machine has: `adjective-animal`, with a number once those run out.
pub fn fresh_hostname(machines: &[Machine]) -> String {
    let pairs = ADJECTIVES.len() * ANIMALS.len();
    (machines.len()..)
        .map(|n| {
            let name = format!(
                "{}-{}",
                ADJECTIVES[n % ADJECTIVES.len()],
                ANIMALS[(n / ADJECTIVES.len()) % ANIMALS.len()]
            );
            match n / pairs {
                0 => name,
                round => format!("{name}-{round}"),
            }
        })
        .find(|name| !machines.iter().any(|m| &m.hostname == name))
        .unwrap_or_default()
}

/// `POST machines/` without credentials: a booting machine enlisting itself. MAAS answers
/// with a short summary of the new machine, which has no power type yet.
pub fn enlist(req: &Request, state: &mut State) -> Reply {
    let mut form: Vec<(String, String)> = req
        .params
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "commission" | "power_type"))
        .cloned()
        .collect();
    form.push(("commission".into(), "false".into()));
    if req.param("hostname").is_none() {
        form.push(("hostname".into(), fresh_hostname(&state.machines)));
    }
    let reply = create(&Request::with_form("POST", "machines/", "", form), state);
    if reply.status != 200 {
        return reply;
    }
    let Some(m) = state.machines.last_mut() else {
        return reply;
    };
    m.power_type = String::new();
    let m = &state.machines[state.machines.len() - 1];
    let id = &m.system_id;
    Reply::json(
        200,
        &json!({"node_type": 0, "system_id": id, "fqdn": format!("{}.{}", m.hostname, m.domain), "status": m.status.code(),
                "hostname": m.hostname, "status_name": m.status.name(), "power_type": m.power_type,
                "status_message": null,
                "domain": {"name": m.domain, "authoritative": true, "ttl": null, "is_default": true, "id": 0,
                           "resource_record_count": 0},
                "status_action": null, "zone": {"name": "default", "description": "", "id": 1},
                "architecture": m.architecture, "power_state": m.power_state(&state.hosts),
                "resource_uri": format!("/MAAS/api/2.0/machines/{id}/")}),
    )
}

/// `GET machines/?op=is_registered`, which MAAS answers without credentials so that booting
/// machines can ask. A machine still New does not count.
pub fn is_registered(req: &Request, machines: &[Machine]) -> Reply {
    let Some(raw) = req.param("mac_address") else {
        return Reply::text(400, "No provided mac_address!".into()).without_hash();
    };
    let Some(mac) = normalise_mac(raw) else {
        return Reply::invalid("mac_address", &format!("'{raw}' is not a valid MAC address."));
    };
    let registered = owner_of(machines, &mac).is_some_and(|m| m.status != MachineStatus::New);
    Reply::json(200, &json!(registered))
}

pub fn collection(req: &Request, state: &mut State, now_ms: u64) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", None) => list(req, state),
        ("POST", None) => create(req, state),
        ("POST", Some("allocate")) => lifecycle::allocate(req, state, now_ms),
        ("GET", Some("list_allocated")) => {
            let mine = state
                .machines
                .iter()
                .filter(|m| m.owner.is_some())
                .map(|m| m.json(state))
                .collect();
            Reply::json(200, &Value::Array(mine))
        }
        ("GET", Some("power_parameters")) => {
            let ids: Vec<&str> = req.params_named("id").collect();
            let all: Map<String, Value> = state
                .machines
                .iter()
                .filter(|m| ids.is_empty() || ids.contains(&m.system_id.as_str()))
                .map(|m| (m.system_id.clone(), Value::Object(m.power_parameters.clone())))
                .collect();
            Reply::json(200, &Value::Object(all))
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

fn update(req: &Request, state: &mut State, i: usize) -> Reply {
    let machine = &state.machines[i];
    let mut updated = machine.clone();
    if let Some(h) = req.param("hostname") {
        updated.hostname = h.to_string();
    }
    if let Some(d) = req.param("description") {
        updated.description = d.to_string();
    }
    if let Some(d) = req.param("domain") {
        // MAAS takes the domain by name or by id.
        match state
            .domains
            .iter()
            .find(|x| x.name == d || x.id.to_string() == d)
        {
            Some(domain) => updated.domain = domain.name.clone(),
            None => {
                return Reply::invalid(
                    "domain",
                    "Select a valid choice. That choice is not one of the available choices.",
                );
            }
        }
    }
    for (field, slot) in [
        ("cpu_count", &mut updated.cpu_count),
        ("memory", &mut updated.memory),
    ] {
        if let Some(v) = req.param(field) {
            match v.parse() {
                Ok(n) => *slot = n,
                Err(_) => return Reply::invalid(field, "Enter a whole number."),
            }
        }
    }
    let power_type_changes = req.param("power_type").is_some_and(|t| t != machine.power_type);
    if let Some(t) = req.param("power_type") {
        updated.power_type = t.to_string();
    }
    let touches_power =
        power_type_changes || req.params.iter().any(|(k, _)| k.starts_with("power_parameters_"));
    if touches_power {
        let current = if power_type_changes {
            Map::new()
        } else {
            machine.power_parameters.clone()
        };
        match power_parameters(req, &updated.power_type, &current) {
            Ok(p) => updated.power_parameters = p,
            Err(e) => {
                return Reply::compact_json(400, &json!({ "power_parameters": e })).without_hash();
            }
        }
    }
    if updated.bmc_address().is_some() && updated.bmc_address() != state.machines[i].bmc_address() {
        state.next_ip_id();
    }
    state.machines[i] = updated;
    Reply::json(200, &state.machines[i].json(state))
}

pub fn item(req: &Request, state: &mut State, id: &str, now_ms: u64) -> Reply {
    let Some(i) = state.machines.iter().position(|m| m.system_id == id) else {
        return Reply::text(404, "No Machine matches the given query.".into());
    };
    if let Some(reply) = req.op().and_then(|op| lifecycle::op(req, state, i, op, now_ms)) {
        return reply;
    }
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &state.machines[i].json(state)),
        ("GET", Some("power_parameters")) => {
            Reply::json(200, &Value::Object(state.machines[i].power_parameters.clone()))
        }
        ("GET", Some("details")) => machine_details::details(&state.machines[i]),
        ("PUT", None) => update(req, state, i),
        ("POST", Some("set_storage_layout")) => {
            let ids = (
                state.next_partition_id(),
                state.next_disk_id(),
                state.next_volume_group_id(),
            );
            match storage_layouts::apply(req, &mut state.machines[i], ids) {
                Ok(()) => Reply::json(200, &state.machines[i].json(state)),
                Err(reply) => reply,
            }
        }
        ("DELETE", None) => {
            state.machines.remove(i);
            Reply::text(204, String::new())
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("DELETE, POST, GET, PUT"),
    }
}

/// A fresh region with one machine created through `POST machines/` with `form`
/// (`commission=false` added); the machine's system id. For unit tests.
#[cfg(test)]
pub fn region_with_machine(form: &str) -> (State, String) {
    let mut state = State::for_tests();
    let body = format!("{form}&commission=false");
    let create = Request::new("POST", "machines/", "", body.as_bytes());
    let reply = collection(&create, &mut state, 0);
    assert_eq!(reply.status, 200, "{}", reply.body_text());
    let id = state.machines[0].system_id.clone();
    (state, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machines_follow_the_design_in_maas_shape() {
        let site = crate::design::load(&[std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/base.yaml"
        ))])
        .unwrap();
        let mut state = State::for_tests();
        state.adopt_hosts(PhysicalMachine::from_site(&site));
        state.machines = Machine::enlisted(&state.hosts, &site);
        assert_eq!(state.machines.len(), 2);
        let m = state.machines[0].json(&state);
        assert_eq!(m["hostname"], "cmp01");
        assert_eq!(m["status_name"], "New");
        assert_eq!(m["power_type"], "redfish");
        assert_eq!(
            m["interface_set"].as_array().unwrap().len(),
            3,
            "nic_pxe, nic_a, nic_b"
        );
        assert_eq!(m["system_id"].as_str().unwrap().len(), 6);
        assert_eq!(
            template().as_object().unwrap().len(),
            m.as_object().unwrap().len(),
            "every MAAS field is there"
        );
        assert_ne!(state.machines[0].system_id, state.machines[1].system_id);
    }
}

#[cfg(test)]
mod lifecycle_tests {
    use super::*;

    fn state() -> State {
        State::for_tests()
    }

    fn post(body: &str) -> Request {
        Request::new("POST", "machines/", "", body.as_bytes())
    }

    #[test]
    fn macs_are_accepted_in_any_spelling_and_stored_canonically() {
        assert_eq!(
            normalise_mac("52-54-00-AA-00-01").as_deref(),
            Some("52:54:00:aa:00:01")
        );
        assert_eq!(
            normalise_mac("5254.00aa.0001").as_deref(),
            Some("52:54:00:aa:00:01")
        );
        assert_eq!(normalise_mac("nope"), None);
        let mut s = state();
        let created = collection(
            &post("architecture=amd64/generic&mac_addresses=52-54-00-AA-00-01&commission=false"),
            &mut s,
            0,
        );
        assert_eq!(created.status, 200);
        let dup = collection(
            &post("architecture=amd64/generic&mac_addresses=52:54:00:aa:00:01&commission=false"),
            &mut s,
            0,
        );
        assert_eq!(dup.status, 400);
        assert!(dup.body_text().contains("already in use on"));
    }

    #[test]
    fn power_parameters_keep_defaults_and_merge_updates() {
        let mut s = state();
        let created = collection(
            &post(
                "architecture=amd64/generic&mac_addresses=52:54:00:bb:00:01&power_type=ipmi&power_parameters_power_address=10.0.0.9&commission=false",
            ),
            &mut s,
            0,
        );
        assert_eq!(created.status, 200, "{}", created.body_text());
        let m = &s.machines[0];
        assert_eq!(m.power_parameters["power_driver"], json!("LAN_2_0"));
        assert_eq!(m.power_parameters["workaround_flags"], json!(["opensesspriv"]));
        let id = m.system_id.clone();
        let put = Request::new("PUT", "machines/x/", "", b"power_parameters_power_user=admin");
        assert_eq!(item(&put, &mut s, &id, 0).status, 200);
        assert_eq!(s.machines[0].power_parameters["power_address"], json!("10.0.0.9"));
        assert_eq!(s.machines[0].power_parameters["power_user"], json!("admin"));
        let redfish = Request::new(
            "PUT",
            "machines/x/",
            "",
            b"power_type=redfish&power_parameters_power_address=10.0.0.9",
        );
        assert_eq!(
            item(&redfish, &mut s, &id, 0).status,
            400,
            "redfish needs a user and password"
        );
        assert_eq!(
            s.machines[0].power_type, "ipmi",
            "a refused update changes nothing"
        );
    }
}
