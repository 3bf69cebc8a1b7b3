//! The region as one value: its records, the counters that give out ids, who is calling,
//! and the per-run bookkeeping tests read (request log, planted faults).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use super::faults::Fault;
use super::records::networks::{Fabric, IpRange, Space, StaticRoute, Subnet, Vlan};
use super::records::{accounts, config, events, machines, networks, software};
use super::request_log::RequestLog;
use crate::maas::ApiKey;
use crate::sim::bmc::request_log::BmcRequestLog;
use crate::sim::physical::{Physical, PhysicalMachine};

/// How many planted faults may wait at once.
pub const MAX_PLANTED_FAULTS: usize = 1000;

/// The region. What `--state FILE` keeps is everything but the options it was started with
/// and the per-run bookkeeping (caller, nonces, request log, planted faults).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct State {
    #[serde(with = "accounts::key_text")]
    pub key: ApiKey,
    /// The admin first, then users an admin added.
    pub users: Vec<accounts::User>,
    /// Index in `users` of who signed the request being answered.
    #[serde(skip)]
    pub caller: usize,
    pub machines: Vec<machines::Machine>,
    /// The site's physical machines, whether MAAS knows them or not.
    #[serde(default)]
    pub hosts: Vec<PhysicalMachine>,
    pub fabrics: Vec<Fabric>,
    pub vlans: Vec<Vlan>,
    pub spaces: Vec<Space>,
    pub subnets: Vec<Subnet>,
    pub ipranges: Vec<IpRange>,
    pub routes: Vec<StaticRoute>,
    pub config: config::Config,
    pub ssh_keys: Vec<accounts::SshKey>,
    pub repositories: Vec<software::Repository>,
    pub domains: Vec<networks::Domain>,
    pub tags: Vec<machines::Tag>,
    pub boot_resources: Vec<software::BootResource>,
    pub boot_sources: software::BootSources,
    pub events: events::EventLog,
    /// The rack's NICs on the networks it serves DHCP on.
    pub rack_nics: Vec<networks::RackNic>,
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
    pub nonces: accounts::Nonces,
    #[serde(skip)]
    pub requests: RequestLog,
    #[serde(skip)]
    pub planted: VecDeque<Fault>,
    /// What the simulated BMCs were asked, by their clients and by MAAS's power drivers;
    /// shared with the BMC services.
    #[serde(skip)]
    pub bmc_requests: Arc<Mutex<BmcRequestLog>>,
    /// Boot action reports machines queued at first boot, for the sender to post.
    #[serde(skip)]
    pub outbox: Vec<crate::sim::bootaction_reports::Outgoing>,
    /// Boot action reports sent, and what drydock answered.
    #[serde(skip)]
    pub reports_sent: Vec<crate::sim::bootaction_reports::Sent>,
}

impl State {
    pub fn new(key: ApiKey) -> State {
        let mut s = State {
            users: vec![accounts::User::admin(key.clone())],
            caller: 0,
            key,
            machines: Vec::new(),
            hosts: Vec::new(),
            fabrics: Vec::new(),
            vlans: Vec::new(),
            spaces: Vec::new(),
            subnets: Vec::new(),
            ipranges: Vec::new(),
            routes: Vec::new(),
            config: config::Config::default(),
            ssh_keys: Vec::new(),
            repositories: software::Repository::fresh_region(),
            domains: networks::Domain::fresh_region(),
            tags: Vec::new(),
            boot_resources: software::BootResource::fresh_region(),
            boot_sources: software::BootSources::fresh_region(),
            events: events::EventLog::default(),
            rack_nics: Vec::new(),
            next_fabric: 0,
            next_vlan: 5001,
            next_space: 1,
            next_subnet: 1,
            ip_ids: 5,
            rack: true,
            speed: 1.0,
            nonces: accounts::Nonces::default(),
            requests: RequestLog::default(),
            planted: VecDeque::new(),
            bmc_requests: Arc::default(),
            outbox: Vec::new(),
            reports_sent: Vec::new(),
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

    /// Makes the next `count` API requests meet `fault`; at most [`MAX_PLANTED_FAULTS`] may
    /// wait at once.
    pub fn plant(&mut self, fault: Fault, count: usize) -> Result<(), String> {
        let room = MAX_PLANTED_FAULTS - self.planted.len();
        if count == 0 || count > room {
            return Err(format!(
                "count is a whole number from 1 to {room} ({} fault(s) wait, {MAX_PLANTED_FAULTS} at most)",
                self.planted.len()
            ));
        }
        self.planted.extend(std::iter::repeat_n(fault, count));
        Ok(())
    }

    /// A fresh address id, for a new interface link or BMC address.
    pub fn next_ip_id(&mut self) -> u64 {
        self.ip_ids += 1;
        self.ip_ids
    }

    pub fn fabric(&self, id: u64) -> Option<&Fabric> {
        self.fabrics.iter().find(|f| f.id == id)
    }

    pub fn physical_mut(&mut self, i: usize) -> &mut Physical {
        match &mut self.machines[i].body {
            machines::Body::Host { host } => &mut self.hosts[*host].physical,
            machines::Body::Record(physical) => physical,
        }
    }

    /// The physical machine one of `macs` belongs to, if no machine record stands for it yet.
    pub fn unknown_host_with(&self, macs: &[String]) -> Option<usize> {
        let h = self
            .hosts
            .iter()
            .position(|h| h.nics.iter().any(|n| macs.contains(&n.mac)))?;
        (!self
            .machines
            .iter()
            .any(|m| m.body == machines::Body::Host { host: h }))
        .then_some(h)
    }

    /// Takes `hosts` as the site's physical machines, when the region has none (a fresh one,
    /// or one saved before they were simulated): a machine record holding one of a host's
    /// MACs stands for it from now on, its physical state moved there. Links to hosts that do
    /// not exist (a damaged state file) become records of their own.
    pub fn adopt_hosts(&mut self, hosts: Vec<PhysicalMachine>) {
        if self.hosts.is_empty() {
            self.hosts = hosts;
            for i in 0..self.machines.len() {
                let macs: Vec<String> = self.machines[i]
                    .interfaces
                    .iter()
                    .map(|n| n.mac.clone())
                    .collect();
                if let machines::Body::Record(physical) = &self.machines[i].body
                    && let Some(h) = self.unknown_host_with(&macs)
                {
                    self.hosts[h].physical = physical.clone();
                    self.machines[i].body = machines::Body::Host { host: h };
                }
            }
        }
        let count = self.hosts.len();
        for m in &mut self.machines {
            if matches!(m.body, machines::Body::Host { host } if host >= count) {
                m.body = machines::Body::Record(Physical::unknown());
            }
        }
    }
}

#[cfg(test)]
impl State {
    /// The physical state of machine `i`.
    pub fn physical(&self, i: usize) -> &Physical {
        self.machines[i].physical(&self.hosts)
    }

    /// A fresh region with a fixed key, for unit tests.
    pub fn for_tests() -> State {
        State::new(
            ApiKey::parse("aaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbb:cccccccccccccccccccccccccccccccc")
                .expect("a well-formed key"),
        )
    }
}
