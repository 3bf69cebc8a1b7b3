//! What Drydock sends for the work the benches measure, modelled from its sequences
//! (reference `drydock-behaviour.md` §5.4, §6 and `oob.md` §6), to set beside drydock's
//! counts.

use drydock::design::model::OobType;
use drydock::sim::{COMMISSIONING_S, DEPLOYING_S, ENLISTING_S, POWER_LANDS_S};

/// Drydock's poll interval for MAAS (`maasdriver.poll_interval`, `poll_interval`) and for
/// power states (18 x 10 s), in seconds at real speed.
pub const DRYDOCK_POLL_S: f64 = 10.0;

/// The site's nodes by BMC protocol, and the tags PrepareNodes applies to them.
pub struct Mix {
    pub nodes: usize,
    pub redfish: u64,
    pub ipmi: u64,
    pub tags: u64,
}

impl Mix {
    pub fn of(design: &drydock::design::Site) -> Mix {
        let mut mix = Mix {
            nodes: 0,
            redfish: 0,
            ipmi: 0,
            tags: 0,
        };
        for node in &design.nodes {
            match node.oob_type {
                Some(OobType::Redfish) => mix.redfish += 1,
                Some(OobType::Ipmi) => mix.ipmi += 1,
                _ => continue,
            }
            mix.nodes += 1;
            mix.tags += node.config.tags.len() as u64;
        }
        mix
    }

    /// Drydock's requests for the whole site.
    pub fn drydock(&self) -> Requests {
        Requests {
            maas: self.nodes as u64 * drydock_maas_per_node() + self.tags * DRYDOCK_MAAS_PER_TAG,
            redfish: self.redfish * drydock_redfish(),
            ipmi: self.ipmi * drydock_ipmi(),
        }
    }
}

pub struct Requests {
    pub maas: u64,
    pub redfish: u64,
    pub ipmi: u64,
}

// Drydock's PrepareNodes, for one node MAAS does not know, its machine powered off, at real
// speed: the simulator's phases (`ENLISTING_S` from a network boot to the machine being
// listed, `COMMISSIONING_S`, `POWER_LANDS_S` for a power change to land) and Drydock's
// polls every `DRYDOCK_POLL_S`. Where the reference leaves a count open the model takes the
// smaller one, so Drydock's real figures are at least these:
// * a MAAS machine has no block device until commissioned, so building a `Machine` (which
//   GETs its interfaces, block devices and volume groups, and each device's partitions)
//   costs 3 requests;
// * the identify step finds the machine as soon as it is listed, by its BMC address (real
//   enlistment reports it; Drydock never looks by MAC for Redfish or IPMI nodes);
// * find_node_in_maas reads only the power parameters, not the whole machine list (older
//   Drydock refreshed every machine, each with its 3+ reads, on every identify attempt);
// * every BMC call succeeds at the first attempt.

/// Polls that see a transition `lasting` seconds, the first right away: Drydock reads,
/// sleeps, reads again.
pub fn polls(lasting: f64) -> u64 {
    1 + (lasting / DRYDOCK_POLL_S).ceil() as u64
}

/// Requests to build one `Machine`: GET its interfaces/, blockdevices/, volume-groups/ (a
/// machine not yet commissioned has no block device whose partitions it would read too).
const MACHINE: u64 = 3;

/// MAAS requests DeployNode sends for one node while it waits (§5.4 DeployNode, step 5): a
/// refresh (GET the machine and a `Machine` built) every poll until Deployed. Its
/// networking, storage and platform requests (ApplyNode*, which delete and rebuild the
/// machine's interfaces and layout) and the deploy call itself are left out: Drydock's
/// DeployNodes sends at least this.
pub fn drydock_deploy_waits_per_node() -> u64 {
    polls(DEPLOYING_S) * (1 + MACHINE)
}

/// MAAS requests for one node, its tags aside.
pub fn drydock_maas_per_node() -> u64 {
    // (1) The IdentifyNode check: GET machines/?op=power_parameters, then
    // rackcontrollers/?op=power_parameters as nothing matched.
    let check = 2;
    // (4) IdentifyNode after the power cycle, again every poll until the machine is listed:
    // the first attempt runs once the power-on was seen (polls(L) - 1 sleeps after the
    // request), the machine is listed ENLISTING_S after its power landed. Each miss is the
    // two reads above; the hit is power_parameters, a Machine built, its refresh (GET plus
    // another Machine built), and update_identity's PUT.
    let first = (polls(POWER_LANDS_S) - 1) as f64 * DRYDOCK_POLL_S;
    let misses = ((POWER_LANDS_S + ENLISTING_S - first) / DRYDOCK_POLL_S).ceil() as u64;
    let identify = misses * 2 + 1 + MACHINE + (1 + MACHINE) + 1;
    // (5) ConfigureHardware: Machines.empty_refresh, find by hostname (GET and a Machine
    // built), POST ?op=commission, a refresh (GET and a Machine built) every poll until
    // Ready, GET ?op=details, GET commissioning-results/ for commissioning and for testing.
    let polled = (COMMISSIONING_S / DRYDOCK_POLL_S).ceil() as u64;
    let configure = 1 + (1 + MACHINE) + 1 + polled * (1 + MACHINE) + 1 + 2;
    check + identify + configure
}

/// MAAS requests per tag on a node: Drydock applies node tags in ApplyNodePlatform (its
/// DeployNodes), PrepareNodes here: GET tags/, GET tags/{name}/?op=nodes, POST
/// ?op=update_nodes.
pub const DRYDOCK_MAAS_PER_TAG: u64 = 3;

/// Redfish requests for one node (the DMTF library: a session opened with GET /redfish/v1/
/// and POST Sessions, closed with DELETE; every call first GETs /redfish/v1/Systems).
pub fn drydock_redfish() -> u64 {
    const SESSION: u64 = 3;
    const SYSTEM: u64 = 2; // GET Systems, GET the system
    // SetNodeBoot: read the boot target, PATCH it (GET Systems first), read it again.
    let set_boot = SESSION + SYSTEM + 2 + SYSTEM;
    // PowerCycleNode: ForceOff (GET Systems, read the power: already off, nothing sent),
    // poll for Off (seen at once), On (GET Systems, read the power, POST Reset), poll for On.
    let off = 1 + SYSTEM + SYSTEM;
    let on = 1 + SYSTEM + 1 + polls(POWER_LANDS_S) * SYSTEM;
    set_boot + SESSION + off + on
}

/// IPMI datagrams for one node: pyghmi opens a session for every call (Get Channel
/// Authentication Capabilities, Open Session, RAKP 1, RAKP 3, Set Session Privilege Level)
/// and closes it after (Close Session).
pub fn drydock_ipmi() -> u64 {
    const SESSION: u64 = 6;
    // SetNodeBoot: set_bootdev (boot option parameters 3 and 5), then get_bootdev.
    let set_boot = (SESSION + 2) + (SESSION + 1);
    // PowerCycleNode: set_power off (Get Chassis Status: already off), poll for off (seen at
    // once), set_power on (Get Chassis Status, Chassis Control), poll for on.
    let off = (SESSION + 1) + (SESSION + 1);
    let on = (SESSION + 2) + polls(POWER_LANDS_S) * (SESSION + 1);
    set_boot + off + on
}
