//! Documents -> effective site: host-profile inheritance (with `!` removals and keyed
//! merges), hardware profiles, kernel parameter references, route domains, bootaction
//! scopes, and checks of every reference between documents.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::Arc;

use indexmap::IndexMap;

use super::model::{
    AddressType, BaremetalNode, DocRef, Document, Filesystem, HostConfig, HostProfile, Interface, Kind,
    LogicalVolume, OobType, Partition, Route, Source, StorageDevice, VolumeGroup,
};
use super::rules::references::RULE as REFERENCES;
use super::select;
use super::site::{BootActionScope, Node, Site};
use super::suggest::Suggester;
use super::validation::{Message, RuleReport};

/// Builds the effective design from ingested documents.
pub fn resolve(documents: Vec<Document>, ingest_issues: Vec<Message>) -> Site {
    let mut site = Site {
        ingest_issues,
        ..Site::default()
    };
    let mut report = RuleReport::new(REFERENCES.info());
    let suggest = Suggester::default();
    let mut profiles = Vec::new();
    let mut nodes = Vec::new();
    let mut bootactions = Vec::new();
    for doc in documents {
        match doc {
            Document::Region(r) => {
                if let Some(old) = &site.region {
                    report.warn(
                        &format!(
                            "Region {} replaces Region {} defined at {}",
                            r.name, old.name, old.source
                        ),
                        "A site has one Region document; remove the other one.",
                        vec![DocRef::new(Kind::Region, &r.name)],
                        Some(r.source.clone()),
                    );
                }
                site.region = Some(r);
            }
            Document::Rack(r) => site.racks.push(r),
            Document::NetworkLink(l) => site.network_links.push(l),
            Document::Network(n) => site.networks.push(n),
            Document::HardwareProfile(h) => site.hardware_profiles.push(h),
            Document::HostProfile(p) => profiles.push(p),
            Document::BaremetalNode(n) => nodes.push(n),
            Document::BootAction(b) => bootactions.push(b),
        }
    }
    check_duplicate_names(&site, &profiles, &nodes, &bootactions, &mut report);
    site.host_profiles = compile_profiles(&profiles, &suggest, &mut report);
    site.build_index();
    render_route_domains(&mut site.networks, &mut report);
    check_network_references(&site, &suggest, &mut report);
    let mut kernel_cache = KernelCache::default();
    site.nodes = nodes
        .into_iter()
        .map(|n| compile_node(&site, n, &mut kernel_cache, &suggest, &mut report))
        .collect();
    site.build_index();
    site.bootactions = bootactions
        .into_iter()
        .map(|action| {
            check_filter_references(&site, &action, &suggest, &mut report);
            let target_nodes = select::select(&site, action.node_filter.as_ref())
                .into_iter()
                .map(|i| site.nodes[i].name.clone())
                .collect();
            BootActionScope { action, target_nodes }
        })
        .collect();
    site.resolve_issues = report.into_messages();
    site
}

fn check_duplicate_names(
    site: &Site,
    profiles: &[HostProfile],
    nodes: &[BaremetalNode],
    bootactions: &[super::model::BootAction],
    report: &mut RuleReport,
) {
    let mut check = |kind: Kind, items: Vec<(&str, &Source)>| {
        let mut seen: HashMap<&str, &Source> =
            HashMap::with_capacity_and_hasher(items.len(), Default::default());
        for (name, source) in items {
            if let Some(first) = seen.get(name) {
                report.error(
                    &format!("Duplicate {} name {name}: also defined at {first}", kind.name()),
                    "Names identify documents; the first one is used. Rename or remove the other.",
                    vec![DocRef::new(kind, name)],
                    Some(source.clone()),
                );
            } else {
                seen.insert(name, source);
            }
        }
    };
    check(
        Kind::Rack,
        site.racks.iter().map(|d| (d.name.as_str(), &d.source)).collect(),
    );
    check(
        Kind::NetworkLink,
        site.network_links
            .iter()
            .map(|d| (d.name.as_str(), &d.source))
            .collect(),
    );
    check(
        Kind::Network,
        site.networks
            .iter()
            .map(|d| (d.name.as_str(), &d.source))
            .collect(),
    );
    check(
        Kind::HardwareProfile,
        site.hardware_profiles
            .iter()
            .map(|d| (d.name.as_str(), &d.source))
            .collect(),
    );
    check(
        Kind::HostProfile,
        profiles.iter().map(|d| (d.name.as_str(), &d.source)).collect(),
    );
    check(
        Kind::BaremetalNode,
        nodes.iter().map(|d| (d.name.as_str(), &d.source)).collect(),
    );
    check(
        Kind::BootAction,
        bootactions.iter().map(|d| (d.name.as_str(), &d.source)).collect(),
    );
}

/// Compiles every host profile over its parent chain, each once, detecting cycles.
fn compile_profiles(
    profiles: &[HostProfile],
    suggest: &Suggester,
    report: &mut RuleReport,
) -> Vec<HostProfile> {
    let by_name: HashMap<&str, usize> = profiles
        .iter()
        .enumerate()
        .rev()
        .map(|(i, p)| (p.name.as_str(), i))
        .collect();
    let mut compiled: Vec<Option<HostConfig>> = vec![None; profiles.len()];
    for start in 0..profiles.len() {
        if compiled[start].is_some() {
            continue;
        }
        // Walk up to the first compiled ancestor (or the root), then compile back down.
        let mut chain = vec![start];
        while let Some(&last) = chain.last() {
            let current = &profiles[last];
            let Some(parent) = current.config.host_profile.as_deref().filter(|p| *p != "!") else {
                break;
            };
            let Some(&pi) = by_name.get(parent) else {
                report.error(
                    &format!("HostProfile {parent} not found in design state"),
                    &format!(
                        "{}Define HostProfile {parent} or correct host_profile of HostProfile {}.",
                        suggest.hint(parent, profiles.iter().map(|p| p.name.as_str())),
                        current.name
                    ),
                    vec![DocRef::new(Kind::HostProfile, &current.name)],
                    Some(current.field_lines.source(&current.source, "host_profile")),
                );
                break;
            };
            if compiled[pi].is_some() {
                chain.push(pi);
                break;
            }
            if let Some(at) = chain.iter().position(|&i| i == pi) {
                let mut names: Vec<&str> = chain[at..].iter().map(|&i| profiles[i].name.as_str()).collect();
                names.push(parent);
                report.error(
                    &format!("Host profile chain {} is a cycle", names.join(" -> ")),
                    "A host profile cannot inherit from itself; break the cycle.",
                    vec![DocRef::new(Kind::HostProfile, &current.name)],
                    Some(current.source.clone()),
                );
                break;
            }
            chain.push(pi);
        }
        let mut parent: Option<HostConfig> = None;
        for &i in chain.iter().rev() {
            if let Some(done) = &compiled[i] {
                parent = Some(done.clone());
                continue;
            }
            let merged = inherit(
                &profiles[i].config,
                parent.as_ref().unwrap_or(&HostConfig::default()),
            );
            compiled[i] = Some(merged.clone());
            parent = Some(merged);
        }
    }
    profiles
        .iter()
        .zip(compiled)
        .map(|(p, c)| HostProfile {
            name: p.name.clone(),
            source: p.source.clone(),
            config: c.unwrap_or_default(),
            field_lines: p.field_lines.clone(),
        })
        .collect()
}

/// Resolved kernel parameters by (shared parameter map, hardware profile) addresses: nodes
/// that share their profile's parameters resolve them once. Each entry holds the map it is
/// keyed by, so that address cannot be freed and reused by another node's map.
type KernelCache = HashMap<
    (usize, usize),
    (
        Arc<IndexMap<String, String>>,
        Arc<IndexMap<String, String>>,
        Vec<String>,
    ),
>;

fn compile_node(
    site: &Site,
    node: BaremetalNode,
    kernel_cache: &mut KernelCache,
    suggest: &Suggester,
    report: &mut RuleReport,
) -> Node {
    let doc = || DocRef::new(Kind::BaremetalNode, &node.name);
    let at = |field: &str| Some(written_at(site, &node, field));
    let parent = match node.config.host_profile.as_deref().filter(|p| *p != "!") {
        None => None,
        Some(name) => {
            let found = site.host_profile(name);
            if found.is_none() {
                report.error(
                    &format!("HostProfile {name} not found in design state"),
                    &format!(
                        "{}Define HostProfile {name} or correct host_profile of BaremetalNode {}.",
                        suggest.hint(name, site.host_profiles.iter().map(|p| p.name.as_str())),
                        node.name
                    ),
                    vec![doc()],
                    at("host_profile"),
                );
            }
            found
        }
    };
    let mut config = inherit(
        &node.config,
        parent.map(|p| &p.config).unwrap_or(&HostConfig::default()),
    );
    config.host_profile = node.config.host_profile.clone();

    match config.hardware_profile.as_deref() {
        None => report.error(
            "Hardware profile not set",
            &format!(
                "Set hardware_profile on BaremetalNode {} or on its host profile.",
                node.name
            ),
            vec![doc()],
            Some(node.source.clone()),
        ),
        Some(hw) => match site.hardware_profile(hw) {
            None => report.error(
                &format!("HardwareProfile {hw} not found in design state"),
                &format!(
                    "{}Define HardwareProfile {hw} or correct hardware_profile of BaremetalNode {}.",
                    suggest.hint(hw, site.hardware_profiles.iter().map(|h| h.name.as_str())),
                    node.name
                ),
                vec![doc()],
                at("hardware_profile"),
            ),
            Some(hw) => {
                let key = (
                    Arc::as_ptr(&config.kernel_params) as usize,
                    hw as *const _ as usize,
                );
                let (_, params, problems) = kernel_cache
                    .entry(key)
                    .or_insert_with(|| {
                        let (params, problems) = resolve_kernel_params(&config.kernel_params, hw);
                        (Arc::clone(&config.kernel_params), params, problems)
                    })
                    .clone();
                config.kernel_params = params;
                for why in problems {
                    report.warn(
                        &format!("Error resolving parameter reference on node {}: {why}", node.name),
                        &format!(
                            "Define it in HardwareProfile {} or correct the kernel parameter.",
                            hw.name
                        ),
                        vec![doc()],
                        Some(node.source.clone()),
                    );
                }
            }
        },
    }

    let oob_type = match config.oob_type.as_deref() {
        None => None,
        Some(t) => match OobType::parse(t) {
            Some(t) => Some(t),
            None => {
                report.error(
                    &format!("Unknown oob type {t} on BaremetalNode {}", node.name),
                    "Use one of: ipmi, redfish, libvirt, manual.",
                    vec![doc()],
                    Some(node.source.clone()),
                );
                None
            }
        },
    };
    let mut check_network = |what: &str, name: Option<&str>, source: Option<Source>| {
        if let Some(name) = name
            && site.network(name).is_none()
        {
            report.error(
                &format!(
                    "{what} {name} of BaremetalNode {} is not a defined Network",
                    node.name
                ),
                &format!(
                    "{}Define Network {name} or correct {what}.",
                    suggest.hint(name, site.networks.iter().map(|n| n.name.as_str()))
                ),
                vec![doc()],
                source,
            );
        }
    };
    check_network(
        "primary_network",
        config.primary_network.as_deref(),
        at("primary_network"),
    );
    for addr in node.addressing.iter().filter(|a| a.kind == AddressType::Dhcp) {
        check_network(
            "DHCP addressing network",
            Some(&addr.network),
            Some(addr.source.clone()),
        );
    }
    check_network(
        "oob.network",
        config.oob_parameters.get("network").map(String::as_str),
        at("oob.network"),
    );
    // Rack documents are optional in Drydock (metadata.rack is a label), so a missing one is
    // worth a warning only when the design describes its racks at all.
    if let Some(rack) = config.rack.as_deref()
        && !site.racks.is_empty()
        && site.rack(rack).is_none()
    {
        report.warn(
            &format!("Rack {rack} of BaremetalNode {} is not defined", node.name),
            &format!(
                "{}Define a Rack document named {rack} or correct metadata.rack.",
                suggest.hint(rack, site.racks.iter().map(|r| r.name.as_str()))
            ),
            vec![doc()],
            Some(node.source.clone()),
        );
    }
    let domain = config
        .primary_network
        .as_deref()
        .and_then(|n| site.network(n))
        .map(|n| n.dns_domain.clone())
        .unwrap_or_else(|| "local".into());
    Node {
        name: node.name,
        source: node.source,
        config,
        addressing: node.addressing,
        boot_mac: node.boot_mac.filter(|m| m != "!"),
        oob_type,
        domain,
    }
}

/// Where a node's `field` was written: in the node, else in the nearest host profile of its
/// chain that writes it, else the node's document.
fn written_at(site: &Site, node: &BaremetalNode, field: &str) -> Source {
    if let Some(at) = node.field_lines.written(&node.source, field) {
        return at;
    }
    let mut parent = node.config.host_profile.as_deref();
    // A chain visits each profile once, unless it is a cycle (reported elsewhere).
    for _ in 0..site.host_profiles.len() {
        let Some(profile) = parent.and_then(|name| site.host_profile(name)) else {
            break;
        };
        if let Some(at) = profile.field_lines.written(&profile.source, field) {
            return at;
        }
        // A compiled profile's `host_profile` is its own only when it writes one.
        if profile
            .field_lines
            .written(&profile.source, "host_profile")
            .is_none()
        {
            break;
        }
        parent = profile.config.host_profile.as_deref();
    }
    node.source.clone()
}

/// Replaces `hardwareprofile:cpuset.<set>` and `hardwareprofile:hugepages.<conf>.size|count`
/// values; an unresolvable reference stays as written and is returned as a problem.
fn resolve_kernel_params(
    params: &Arc<IndexMap<String, String>>,
    hw: &super::model::HardwareProfile,
) -> (Arc<IndexMap<String, String>>, Vec<String>) {
    if !params.values().any(|v| v.starts_with("hardwareprofile:")) {
        return (Arc::clone(params), Vec::new());
    }
    let mut out = IndexMap::clone(params);
    let mut problems = Vec::new();
    for value in out.values_mut() {
        let Some(reference) = value.strip_prefix("hardwareprofile:") else {
            continue;
        };
        let resolved = if let Some(set) = reference.strip_prefix("cpuset.") {
            hw.cpu_sets
                .get(set)
                .cloned()
                .ok_or_else(|| format!("CPU set {set} not found."))
        } else if let Some(rest) = reference.strip_prefix("hugepages.") {
            match rest.rsplit_once('.') {
                Some((conf, field)) => match hw.hugepages.iter().find(|h| h.name == conf) {
                    None => Err(format!("Hugepages config {conf} not found.")),
                    Some(h) => match field {
                        "size" => h
                            .size
                            .clone()
                            .ok_or_else(|| format!("Hugepages config {conf} has no size.")),
                        "count" => h
                            .count
                            .map(|c| c.to_string())
                            .ok_or_else(|| format!("Hugepages config {conf} has no count.")),
                        other => Err(format!("Hugepages field {other} is not size or count.")),
                    },
                },
                None => Err(format!("Hugepages reference {rest} needs .size or .count.")),
            }
        } else {
            Err(format!("Unknown reference type {reference}."))
        };
        match resolved {
            Ok(v) => *value = v,
            Err(why) => problems.push(why),
        }
    }
    (Arc::new(out), problems)
}

fn check_network_references(site: &Site, suggest: &Suggester, report: &mut RuleReport) {
    let networks = || site.networks.iter().map(|n| n.name.as_str());
    for link in &site.network_links {
        let doc = vec![DocRef::new(Kind::NetworkLink, &link.name)];
        for net in link.allowed_networks() {
            if site.network(net).is_none() {
                report.error(
                    &format!(
                        "Network link {} allows network {net}, which is not defined",
                        link.name
                    ),
                    &format!(
                        "{}Define Network {net} or remove it from allowed_networks.",
                        suggest.hint(net, networks())
                    ),
                    doc.clone(),
                    Some(link.field_source("allowed_networks")),
                );
            }
        }
        if let Some(native) = &link.native_network
            && site.network(native).is_none()
        {
            report.error(
                &format!(
                    "Network link {} native network {native} is not defined",
                    link.name
                ),
                &format!(
                    "{}Define Network {native} or correct trunking.default_network.",
                    suggest.hint(native, networks())
                ),
                doc.clone(),
                Some(link.field_source("trunking")),
            );
        }
    }
    for rack in &site.racks {
        for net in &rack.local_networks {
            if site.network(net).is_none() {
                report.warn(
                    &format!(
                        "Rack {} lists local network {net}, which is not defined",
                        rack.name
                    ),
                    &format!(
                        "{}Define Network {net} or remove it from local_networks.",
                        suggest.hint(net, networks())
                    ),
                    vec![DocRef::new(Kind::Rack, &rack.name)],
                    Some(rack.source.clone()),
                );
            }
        }
    }
}

/// A filter naming nodes or racks that do not exist selects nothing there: likely a typo,
/// but not an error (Drydock did not check at all).
fn check_filter_references(
    site: &Site,
    action: &super::model::BootAction,
    suggest: &Suggester,
    report: &mut RuleReport,
) {
    let Some(set) = &action.node_filter else { return };
    for f in &set.filters {
        // A node whose document failed its schema exists; it is reported by `schema`.
        let failed = |n: &str| {
            site.ingest_issues
                .iter()
                .flat_map(|m| &m.documents)
                .any(|d| d.name == n && d.schema == Kind::BaremetalNode.schema())
        };
        for n in f
            .node_names
            .iter()
            .filter(|n| site.node(n).is_none() && !failed(n))
        {
            report.warn(
                &format!(
                    "BootAction {} node_filter names node {n}, which is not defined",
                    action.name
                ),
                &format!(
                    "{}Correct node_names in the node_filter.",
                    suggest.hint(n, site.nodes.iter().map(|n| n.name.as_str()))
                ),
                vec![DocRef::new(Kind::BootAction, &action.name)],
                Some(action.source.clone()),
            );
        }
        let node_racks: HashSet<&str> = site
            .nodes
            .iter()
            .filter_map(|n| n.config.rack.as_deref())
            .collect();
        let known_rack = |r: &str| site.rack(r).is_some() || node_racks.contains(r);
        for r in f.rack_names.iter().filter(|r| !known_rack(r)) {
            report.warn(
                &format!(
                    "BootAction {} node_filter names rack {r}, which is not defined",
                    action.name
                ),
                &format!(
                    "{}Correct rack_names in the node_filter.",
                    suggest.hint(r, site.racks.iter().map(|r| r.name.as_str()))
                ),
                vec![DocRef::new(Kind::BootAction, &action.name)],
                Some(action.source.clone()),
            );
        }
    }
}

/// The most routes route domains may add to a site. A domain of M networks adds M x (M - 1),
/// so a few thousand networks in one domain would otherwise take gigabytes; real domains
/// (a storage network per rack) stay far below.
pub const MAX_ROUTE_DOMAIN_ROUTES: usize = 100_000;

/// For every route domain, each network with a `routedomain` route to it gets a route to
/// every other member CIDR of that domain (Drydock's `render_route_domains`), up to
/// [`MAX_ROUTE_DOMAIN_ROUTES`] in all.
fn render_route_domains(networks: &mut [super::model::Network], report: &mut RuleReport) {
    let mut domains: IndexMap<String, Vec<String>> = IndexMap::new();
    for n in networks.iter() {
        if let (Some(rd), Some(cidr)) = (&n.routedomain, &n.cidr) {
            domains.entry(rd.clone()).or_default().push(cidr.clone());
        }
    }
    if domains.is_empty() {
        return;
    }
    let mut total = 0usize;
    for n in networks.iter_mut() {
        let mut added = Vec::new();
        for (rd, cidrs) in &domains {
            let Some(r) = n.routes.iter().find(|r| r.routedomain.as_deref() == Some(rd)) else {
                continue;
            };
            let (Some(gw), Some(metric)) = (&r.gateway, r.metric) else {
                continue;
            };
            let others = || cidrs.iter().filter(|c| Some(*c) != n.cidr.as_ref());
            let count = others().count();
            if total + count > MAX_ROUTE_DOMAIN_ROUTES {
                report.error(
                    &format!(
                        "Route domain {rd} would add more than {MAX_ROUTE_DOMAIN_ROUTES} routes to the site (it has {} networks; each gets a route to every other)",
                        cidrs.len()
                    ),
                    "Split the route domain, or route its networks through a summary subnet; routes past the limit are not added.",
                    vec![DocRef::new(Kind::Network, &n.name)],
                    Some(r.source.clone()),
                );
                return;
            }
            total += count;
            for c in others() {
                added.push(Route {
                    subnet: Some(c.clone()),
                    gateway: Some(gw.clone()),
                    metric: Some(metric),
                    routedomain: None,
                    source: r.source.clone(),
                    rendered: true,
                });
            }
        }
        n.routes.extend(added);
    }
}

// ---- inheritance primitives -------------------------------------------------------------

/// Scalar: the child's value wins; `!` unsets; absent inherits.
fn scalar<T: Clone + PartialEq + From<&'static str>>(child: &Option<T>, parent: &Option<T>) -> Option<T> {
    match child {
        None => parent.clone(),
        Some(v) if *v == T::from("!") => None,
        Some(v) => Some(v.clone()),
    }
}

fn scalar_copy<T: Copy>(child: Option<T>, parent: Option<T>) -> Option<T> {
    child.or(parent)
}

/// List of strings: the child's items first, then the parent's not removed by `!item`.
pub(crate) fn merge_list(child: &[String], parent: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(child.len() + parent.len());
    for c in child.iter().filter(|c| !c.starts_with('!')) {
        if !out.contains(c) {
            out.push(c.clone());
        }
    }
    for p in parent {
        let removed = child.iter().any(|c| c.strip_prefix('!') == Some(p.as_str()));
        if !removed && !out.contains(p) {
            out.push(p.clone());
        }
    }
    out
}

/// Map: the parent's entries not removed by a `!key`, then the child's (an overriding key
/// keeps the parent's position).
pub(crate) fn merge_map(
    child: &IndexMap<String, String>,
    parent: &IndexMap<String, String>,
) -> IndexMap<String, String> {
    let mut out = IndexMap::with_capacity(child.len() + parent.len());
    for (k, v) in parent {
        if !child.contains_key(&format!("!{k}")) {
            out.insert(k.clone(), v.clone());
        }
    }
    for (k, v) in child {
        if !k.starts_with('!') {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

/// Items merged by name: interfaces, devices, partitions, volume groups, logical volumes.
trait Keyed: Clone {
    fn key(&self) -> Option<&str>;
    fn merge(child: &Self, parent: &Self) -> Self;
}

/// Parent items in parent order (merged with the child's item of the same name, or dropped
/// by a child `!name`), then the child's new items. Unnamed items are never merged.
fn merge_keyed<T: Keyed>(child: &[T], parent: &[T]) -> Vec<T> {
    let mut out = Vec::with_capacity(child.len() + parent.len());
    for p in parent {
        let Some(name) = p.key() else {
            out.push(p.clone());
            continue;
        };
        if child
            .iter()
            .any(|c| c.key().and_then(|k| k.strip_prefix('!')) == Some(name))
        {
            continue;
        }
        match child.iter().find(|c| c.key() == Some(name)) {
            Some(c) => out.push(T::merge(c, p)),
            None => out.push(p.clone()),
        }
    }
    for c in child {
        match c.key() {
            Some(k) if k.starts_with('!') => {}
            Some(k) if parent.iter().any(|p| p.key() == Some(k)) => {}
            _ => out.push(c.clone()),
        }
    }
    out
}

impl Keyed for Interface {
    fn key(&self) -> Option<&str> {
        Some(&self.name)
    }
    fn merge(c: &Self, p: &Self) -> Self {
        Interface {
            name: c.name.clone(),
            device_link: scalar(&c.device_link, &p.device_link),
            slaves: merge_list(&c.slaves, &p.slaves),
            networks: merge_list(&c.networks, &p.networks),
            sriov: c.sriov.clone().or_else(|| p.sriov.clone()),
            source: c.source.clone(),
        }
    }
}

impl Keyed for StorageDevice {
    fn key(&self) -> Option<&str> {
        Some(&self.name)
    }
    fn merge(c: &Self, p: &Self) -> Self {
        StorageDevice {
            name: c.name.clone(),
            labels: merge_map(&c.labels, &p.labels),
            volume_group: scalar(&c.volume_group, &p.volume_group),
            partitions: merge_keyed(&c.partitions, &p.partitions),
            source: c.source.clone(),
        }
    }
}

impl Keyed for Partition {
    fn key(&self) -> Option<&str> {
        self.name.as_deref()
    }
    fn merge(c: &Self, p: &Self) -> Self {
        Partition {
            name: c.name.clone(),
            size: scalar(&c.size, &p.size),
            part_uuid: scalar(&c.part_uuid, &p.part_uuid),
            volume_group: scalar(&c.volume_group, &p.volume_group),
            labels: merge_map(&c.labels, &p.labels),
            bootable: scalar_copy(c.bootable, p.bootable),
            filesystem: Filesystem::merge(&c.filesystem, &p.filesystem),
            source: c.source.clone(),
        }
    }
}

impl Filesystem {
    fn merge(c: &Self, p: &Self) -> Self {
        Filesystem {
            mountpoint: scalar(&c.mountpoint, &p.mountpoint),
            fstype: scalar(&c.fstype, &p.fstype),
            mount_options: scalar(&c.mount_options, &p.mount_options),
            fs_uuid: scalar(&c.fs_uuid, &p.fs_uuid),
            fs_label: scalar(&c.fs_label, &p.fs_label),
        }
    }
}

impl Keyed for VolumeGroup {
    fn key(&self) -> Option<&str> {
        Some(&self.name)
    }
    fn merge(c: &Self, p: &Self) -> Self {
        VolumeGroup {
            name: c.name.clone(),
            vg_uuid: scalar(&c.vg_uuid, &p.vg_uuid),
            logical_volumes: merge_keyed(&c.logical_volumes, &p.logical_volumes),
            source: c.source.clone(),
        }
    }
}

impl Keyed for LogicalVolume {
    fn key(&self) -> Option<&str> {
        self.name.as_deref()
    }
    fn merge(c: &Self, p: &Self) -> Self {
        LogicalVolume {
            name: c.name.clone(),
            lv_uuid: scalar(&c.lv_uuid, &p.lv_uuid),
            size: scalar(&c.size, &p.size),
            filesystem: Filesystem::merge(&c.filesystem, &p.filesystem),
            source: c.source.clone(),
        }
    }
}

/// Merges one shared list or map: a child that says nothing shares its parent's.
fn shared<T>(
    child: &Arc<T>,
    parent: &Arc<T>,
    is_empty: impl Fn(&T) -> bool,
    merge: impl Fn(&T, &T) -> T,
) -> Arc<T> {
    if is_empty(child) {
        Arc::clone(parent)
    } else {
        Arc::new(merge(child, parent))
    }
}

/// A child's configuration over its (compiled) parent's.
fn inherit(child: &HostConfig, parent: &HostConfig) -> HostConfig {
    let map_empty = |m: &IndexMap<String, String>| m.is_empty();
    HostConfig {
        host_profile: child.host_profile.clone(),
        hardware_profile: scalar(&child.hardware_profile, &parent.hardware_profile),
        primary_network: scalar(&child.primary_network, &parent.primary_network),
        oob_type: scalar(&child.oob_type, &parent.oob_type),
        oob_parameters: shared(
            &child.oob_parameters,
            &parent.oob_parameters,
            map_empty,
            merge_map,
        ),
        storage_devices: shared(
            &child.storage_devices,
            &parent.storage_devices,
            |v| v.is_empty(),
            |c, p| merge_keyed(c, p),
        ),
        volume_groups: shared(
            &child.volume_groups,
            &parent.volume_groups,
            |v| v.is_empty(),
            |c, p| merge_keyed(c, p),
        ),
        image: scalar(&child.image, &parent.image),
        kernel: scalar(&child.kernel, &parent.kernel),
        kernel_params: shared(&child.kernel_params, &parent.kernel_params, map_empty, merge_map),
        tags: shared(
            &child.tags,
            &parent.tags,
            |v| v.is_empty(),
            |c, p| merge_list(c, p),
        ),
        owner_data: shared(&child.owner_data, &parent.owner_data, map_empty, merge_map),
        rack: scalar(&child.rack, &parent.rack),
        interfaces: shared(
            &child.interfaces,
            &parent.interfaces,
            |v| v.is_empty(),
            |c, p| merge_keyed(c, p),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn m(v: &[(&str, &str)]) -> IndexMap<String, String> {
        v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn list_merge_matches_drydock_example() {
        assert_eq!(
            merge_list(&s(&["!t2", "t4"]), &s(&["t1", "t2", "t3"])),
            s(&["t4", "t1", "t3"])
        );
        assert_eq!(merge_list(&[], &s(&["a"])), s(&["a"]));
        assert_eq!(merge_list(&s(&["!a", "b"]), &[]), s(&["b"]));
    }

    #[test]
    fn map_merge_matches_drydock_example() {
        let parent = m(&[("quiet", "True"), ("console", "ttyS1"), ("nomodeset", "True")]);
        let child = m(&[("!nomodeset", "True"), ("iso", "x")]);
        let got: Vec<_> = merge_map(&child, &parent).into_keys().collect();
        assert_eq!(got, s(&["quiet", "console", "iso"]));
        let got = merge_map(
            &m(&[("!k1", "x"), ("k3", "v3")]),
            &m(&[("k1", "v1"), ("k2", "v2")]),
        );
        assert_eq!(got, m(&[("k2", "v2"), ("k3", "v3")]));
        let got = merge_map(&m(&[("k1", "new")]), &m(&[("k1", "v1"), ("k2", "v2")]));
        assert_eq!(got.get_index(0), Some((&"k1".to_string(), &"new".to_string())));
    }

    #[test]
    fn nodes_with_their_own_kernel_parameters_keep_them() {
        use crate::design::rules::testing::{BASE, site};
        let yaml = BASE
            .replacen(
                "  metadata: {rack: rack1}\n",
                "  metadata: {rack: rack1}\n  platform: {kernel_params: {a: 'hardwareprofile:cpuset.kvm'}}\n",
                1,
            )
            .replacen(
                "  metadata: {rack: rack1, tags: [control]}\n",
                "  metadata: {rack: rack1, tags: [control]}\n  platform: {kernel_params: {b: 'hardwareprofile:hugepages.dpdk.count'}}\n",
                1,
            );
        let s = site(&yaml);
        let cmp = &s.node("cmp01").unwrap().config.kernel_params;
        let ctl = &s.node("ctl01").unwrap().config.kernel_params;
        assert_eq!(cmp.get("a").map(String::as_str), Some("2-15"));
        assert_eq!(cmp.get("b"), None);
        assert_eq!(ctl.get("b").map(String::as_str), Some("16"));
        assert_eq!(ctl.get("a"), None);
    }

    #[test]
    fn scalar_bang_unsets() {
        assert_eq!(scalar(&Some("!".to_string()), &Some("jammy".to_string())), None);
        assert_eq!(
            scalar(&None, &Some("jammy".to_string())),
            Some("jammy".to_string())
        );
    }
}
