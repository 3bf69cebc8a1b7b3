//! The simulated region's data and the bookkeeping tests read (request log, planted faults).

use std::collections::{HashSet, VecDeque};

use serde::Serialize;
use serde_json::{Value, json};

use crate::maas::ApiKey;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Vlan {
    pub id: u64,
    pub fabric_id: u64,
    pub vid: u16,
    pub name: String,
    pub mtu: u32,
    pub dhcp_on: bool,
    pub space: String,
    /// System ids of the racks serving DHCP here.
    pub primary_rack: Option<String>,
    pub secondary_rack: Option<String>,
    /// The VLAN whose DHCP this one relays to (an id).
    pub relay_vlan: Option<u64>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Space {
    pub id: u64,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Subnet {
    pub id: u64,
    pub name: String,
    pub description: String,
    pub cidr: ipnet::IpNet,
    pub vlan_id: u64,
    pub gateway_ip: Option<String>,
    pub dns_servers: Vec<String>,
    pub allow_dns: bool,
    pub allow_proxy: bool,
    pub managed: bool,
    /// 0 disabled, 1 enabled, 2 RFC 2317 (MAAS's default).
    pub rdns_mode: u8,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct IpRange {
    pub id: u64,
    pub subnet_id: u64,
    pub kind: String,
    pub start: std::net::IpAddr,
    pub end: std::net::IpAddr,
    pub comment: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StaticRoute {
    pub id: u64,
    pub source: u64,
    pub destination: u64,
    pub gateway_ip: String,
    pub metric: i64,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Fabric {
    pub id: u64,
    pub name: String,
    pub description: String,
    pub class_type: Option<String>,
}

/// One request as `GET /_sim/requests` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub op: Option<String>,
    pub params: Vec<(String, String)>,
    pub status: u16,
}

/// A fault a test asked for: the next `count` API requests answer with it.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer with this status (503 carries `Retry-After` when given).
    Status { status: u16, retry_after: Option<u64> },
    /// Close the connection without an answer.
    Drop,
}

/// The region. What `--state FILE` keeps is everything but the options it was started with
/// and the per-run bookkeeping (caller, nonces, request log, planted faults).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct State {
    #[serde(with = "super::users::key_text")]
    pub key: ApiKey,
    /// The admin first, then users an admin added.
    pub users: Vec<super::users::User>,
    /// Index in `users` of who signed the request being answered.
    #[serde(skip)]
    pub caller: usize,
    pub machines: Vec<super::machines::Machine>,
    pub fabrics: Vec<Fabric>,
    pub vlans: Vec<Vlan>,
    pub spaces: Vec<Space>,
    pub subnets: Vec<Subnet>,
    pub ipranges: Vec<IpRange>,
    pub routes: Vec<StaticRoute>,
    pub config: super::config::Config,
    pub ssh_keys: Vec<super::sshkeys::SshKey>,
    pub repositories: Vec<super::repositories::Repository>,
    pub domains: Vec<super::domains::Domain>,
    pub tags: Vec<super::tags::Tag>,
    pub boot_resources: Vec<super::boot_resources::BootResource>,
    pub boot_sources: super::boot_sources::BootSources,
    pub events: super::events::EventLog,
    /// The rack's NICs on the networks it serves DHCP on.
    pub rack_nics: Vec<super::controllers::RackNic>,
    next_fabric: u64,
    next_vlan: u64,
    pub next_space: u64,
    pub next_subnet: u64,
    /// Ids of MAAS's StaticIPAddress rows: interface links and BMC addresses share them,
    /// and the region's own NIC holds the first few.
    ip_ids: u64,
    /// See `SimOptions::rack` and `SimOptions::speed` (set from the options on every start).
    #[serde(skip)]
    pub rack: bool,
    #[serde(skip)]
    pub speed: f64,
    #[serde(skip)]
    pub nonces: HashSet<String>,
    #[serde(skip)]
    pub requests: Vec<LoggedRequest>,
    #[serde(skip)]
    pub planted: VecDeque<Fault>,
}

impl State {
    pub fn new(key: ApiKey) -> State {
        let mut s = State {
            users: vec![super::users::User::admin(key.clone())],
            caller: 0,
            key,
            machines: Vec::new(),
            fabrics: Vec::new(),
            vlans: Vec::new(),
            spaces: Vec::new(),
            subnets: Vec::new(),
            ipranges: Vec::new(),
            routes: Vec::new(),
            config: super::config::Config::default(),
            ssh_keys: Vec::new(),
            repositories: super::repositories::Repository::fresh_region(),
            domains: super::domains::Domain::fresh_region(),
            tags: Vec::new(),
            boot_resources: super::boot_resources::BootResource::fresh_region(),
            boot_sources: super::boot_sources::BootSources::fresh_region(),
            events: super::events::EventLog::default(),
            rack_nics: Vec::new(),
            next_fabric: 0,
            next_vlan: 5001,
            next_space: 1,
            next_subnet: 1,
            ip_ids: 5,
            rack: true,
            speed: 1.0,
            nonces: HashSet::new(),
            requests: Vec::new(),
            planted: VecDeque::new(),
        };
        // A fresh region: fabric-0 holds the region controller's own NIC and its subnet.
        let fabric = s.add_fabric(None, String::new(), None);
        if let (Some(vlan_id), Ok(cidr)) = (
            s.vlans.iter().find(|v| v.fabric_id == fabric).map(|v| v.id),
            "10.0.0.0/24".parse(),
        ) {
            let id = s.add_discovered_subnet(cidr, vlan_id);
            if let Some(subnet) = s.subnets.iter_mut().find(|x| x.id == id) {
                subnet.gateway_ip = Some("10.0.0.1".into());
            }
        }
        s
    }

    /// Creates a fabric with its untagged VLAN, as MAAS does.
    pub fn add_fabric(
        &mut self,
        name: Option<String>,
        description: String,
        class_type: Option<String>,
    ) -> u64 {
        let id = self.next_fabric;
        self.next_fabric += 1;
        let name = name.unwrap_or_else(|| format!("fabric-{id}"));
        self.fabrics.push(Fabric {
            id,
            name,
            description,
            class_type,
        });
        self.add_vlan(id, 0, "untagged".into(), 1500);
        id
    }

    pub fn add_vlan(&mut self, fabric_id: u64, vid: u16, name: String, mtu: u32) -> u64 {
        let id = self.next_vlan;
        self.next_vlan += 1;
        self.vlans.push(Vlan {
            id,
            fabric_id,
            vid,
            name,
            mtu,
            dhcp_on: false,
            space: "undefined".into(),
            primary_rack: None,
            secondary_rack: None,
            relay_vlan: None,
        });
        id
    }

    /// A free interface id: one past the highest in the region (the region's own NIC is 2).
    pub fn next_interface_id(&self) -> u64 {
        let ids = self
            .machines
            .iter()
            .flat_map(|m| m.interfaces.iter().map(|i| i.id))
            .chain(self.rack_nics.iter().map(|n| n.interface_id));
        ids.max().unwrap_or(2) + 1
    }

    /// A subnet MAAS made by itself on seeing a controller's address in it: named after its
    /// CIDR, no gateway, MAAS's defaults.
    pub fn add_discovered_subnet(&mut self, cidr: ipnet::IpNet, vlan_id: u64) -> u64 {
        let id = self.next_subnet;
        self.next_subnet += 1;
        self.subnets.push(Subnet {
            id,
            name: cidr.to_string(),
            description: String::new(),
            cidr,
            vlan_id,
            gateway_ip: None,
            dns_servers: Vec::new(),
            allow_dns: true,
            allow_proxy: true,
            managed: true,
            rdns_mode: 2,
        });
        id
    }

    /// A free block device id (disks and logical volumes share them).
    pub fn next_disk_id(&self) -> u64 {
        let ids = self.machines.iter().flat_map(|m| m.disks.iter().map(|d| d.id));
        ids.max().unwrap_or(0) + 1
    }

    pub fn next_partition_id(&self) -> u64 {
        let ids = self
            .machines
            .iter()
            .flat_map(|m| m.disks.iter().flat_map(|d| d.partitions.iter().map(|p| p.id)));
        ids.max().unwrap_or(0) + 1
    }

    pub fn next_volume_group_id(&self) -> u64 {
        let ids = self
            .machines
            .iter()
            .flat_map(|m| m.volume_groups.iter().map(|v| v.id));
        ids.max().unwrap_or(0) + 1
    }

    /// The machine a `nodes/{system_id}/...` path names, or MAAS's 404.
    pub fn machine_index(&self, system_id: &str) -> Result<usize, super::reply::Reply> {
        self.machines
            .iter()
            .position(|m| m.system_id == system_id)
            .ok_or_else(|| super::reply::Reply::text(404, "No Node matches the given query.".into()))
    }

    /// The username of who signed the request being answered.
    pub fn caller_name(&self) -> &str {
        self.users
            .get(self.caller)
            .map_or("admin", |u| u.username.as_str())
    }

    pub fn caller_is_admin(&self) -> bool {
        self.users.get(self.caller).is_some_and(|u| u.is_superuser)
    }

    /// A fresh address id, for a new interface link or BMC address.
    /// Makes the next `count` API requests meet `fault`.
    pub fn plant(&mut self, fault: Fault, count: usize) {
        self.planted.extend(std::iter::repeat_n(fault, count));
    }

    pub fn next_ip_id(&mut self) -> u64 {
        self.ip_ids += 1;
        self.ip_ids
    }

    pub fn fabric(&self, id: u64) -> Option<&Fabric> {
        self.fabrics.iter().find(|f| f.id == id)
    }

    pub fn vlan_json(&self, v: &Vlan) -> Value {
        let mut out = self.vlan_json_flat(v);
        // MAAS nests the relay VLAN as an object of its own.
        if let Some(relay) = v.relay_vlan.and_then(|id| self.vlans.iter().find(|r| r.id == id)) {
            out["relay_vlan"] = self.vlan_json_flat(relay);
        }
        out
    }

    fn vlan_json_flat(&self, v: &Vlan) -> Value {
        let fabric = self
            .fabric(v.fabric_id)
            .map(|f| f.name.clone())
            .unwrap_or_default();
        json!({
            "vid": v.vid, "mtu": v.mtu, "dhcp_on": v.dhcp_on, "external_dhcp": null, "relay_vlan": null,
            "name": v.name, "secondary_rack": v.secondary_rack, "fabric_id": v.fabric_id, "fabric": fabric, "id": v.id,
            "space": v.space, "primary_rack": v.primary_rack, "resource_uri": format!("/MAAS/api/2.0/vlans/{}/", v.id),
        })
    }

    pub fn subnet_json(&self, s: &Subnet) -> Value {
        let vlan = self.vlans.iter().find(|v| v.id == s.vlan_id);
        json!({
            "name": s.name, "description": s.description,
            "vlan": vlan.map(|v| self.vlan_json(v)).unwrap_or(Value::Null),
            "cidr": s.cidr.to_string(), "rdns_mode": s.rdns_mode, "gateway_ip": s.gateway_ip, "dns_servers": s.dns_servers,
            "allow_dns": s.allow_dns, "allow_proxy": s.allow_proxy, "active_discovery": false, "managed": s.managed,
            "disabled_boot_architectures": [], "id": s.id,
            "space": vlan.map(|v| v.space.clone()).unwrap_or_else(|| "undefined".into()),
            "resource_uri": format!("/MAAS/api/2.0/subnets/{}/", s.id),
        })
    }

    fn subnet_json_by_id(&self, id: u64) -> Value {
        self.subnets
            .iter()
            .find(|s| s.id == id)
            .map_or(Value::Null, |s| self.subnet_json(s))
    }

    pub fn iprange_json(&self, r: &IpRange) -> Value {
        json!({
            "subnet": self.subnet_json_by_id(r.subnet_id), "type": r.kind,
            "start_ip": r.start.to_string(), "end_ip": r.end.to_string(),
            "user": {"is_superuser": true, "username": "admin", "email": "admin@example.com", "is_local": true,
                     "resource_uri": "/MAAS/api/2.0/users/admin/"},
            "comment": r.comment, "id": r.id, "resource_uri": format!("/MAAS/api/2.0/ipranges/{}/", r.id),
        })
    }

    pub fn route_json(&self, r: &StaticRoute) -> Value {
        json!({
            "source": self.subnet_json_by_id(r.source), "destination": self.subnet_json_by_id(r.destination),
            "gateway_ip": r.gateway_ip, "metric": r.metric, "id": r.id,
            "resource_uri": format!("/MAAS/api/2.0/static-routes/{}/", r.id),
        })
    }

    pub fn fabric_json(&self, f: &Fabric) -> Value {
        let vlans: Vec<Value> = self
            .vlans
            .iter()
            .filter(|v| v.fabric_id == f.id)
            .map(|v| self.vlan_json(v))
            .collect();
        json!({
            "class_type": f.class_type, "name": f.name, "vlans": vlans, "id": f.id,
            "resource_uri": format!("/MAAS/api/2.0/fabrics/{}/", f.id),
        })
    }
}

#[cfg(test)]
impl State {
    /// A fresh region with a fixed key, for unit tests.
    pub fn for_tests() -> State {
        State::new(
            ApiKey::parse("aaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbb:cccccccccccccccccccccccccccccccc")
                .expect("a well-formed key"),
        )
    }

    /// A fresh region with one machine created through `POST machines/` with `form`
    /// (`commission=false` added); the machine's system id.
    pub fn with_machine(form: &str) -> (State, String) {
        let mut state = State::for_tests();
        let body = format!("{form}&commission=false");
        let create = super::request::Request::new("POST", "machines/", "", body.as_bytes());
        let reply = super::machines::collection(&create, &mut state, 0);
        assert_eq!(reply.status, 200, "{}", reply.body_text());
        let id = state.machines[0].system_id.clone();
        (state, id)
    }
}
