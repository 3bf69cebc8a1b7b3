//! PrepareSite against the simulator: requests sent and wall time, first run (fresh region)
//! and second run (nothing to change), for the example site and a generated site of 100
//! networks — beside the requests Drydock's maasdriver sends for the same design, modelled
//! from its REST sequence (reference `drydock-behaviour.md` §5.4: one request per object read
//! and per write, collections re-read per network). `cargo bench --bench prepare_site`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use drydock::design::model::RangeType;
use drydock::sim::{Sim, SimOptions};

/// A site of `networks` networks: one PXE link with its DHCP network, one 802.1q trunk with
/// the rest (tags 101..), each a /24 with reserved, static and (every tenth) routed ranges.
fn generate(dir: &Path, networks: usize) -> PathBuf {
    let mut y = String::from(
        "schema: 'drydock/Region/v1'\nmetadata: {schema: 'metadata/Document/v1', name: bench}\ndata:\n  tag_definitions: []\n  authorized_keys:\n    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEnOKqbmYP8ad35gjJ++LbHucHWQSBNNgfKqb6JnwIjt ops@bench\n",
    );
    let tagged: Vec<String> = (1..networks).map(|i| format!("net{i:03}")).collect();
    y.push_str(&format!(
        "---\nschema: 'drydock/NetworkLink/v1'\nmetadata: {{schema: 'metadata/Document/v1', name: pxe}}\ndata:\n  bonding: {{mode: disabled}}\n  mtu: 1500\n  trunking: {{mode: disabled, default_network: pxe}}\n  allowed_networks: [pxe]\n---\nschema: 'drydock/NetworkLink/v1'\nmetadata: {{schema: 'metadata/Document/v1', name: data}}\ndata:\n  bonding: {{mode: disabled}}\n  mtu: 9000\n  trunking: {{mode: '802.1q', default_network: {}}}\n  allowed_networks: [{}]\n",
        tagged[0],
        tagged.join(", ")
    ));
    y.push_str("---\nschema: 'drydock/Network/v1'\nmetadata: {schema: 'metadata/Document/v1', name: pxe}\ndata:\n  cidr: 10.0.1.0/24\n  mtu: 1500\n  ranges:\n    - {type: reserved, start: 10.0.1.1, end: 10.0.1.9}\n    - {type: dhcp, start: 10.0.1.100, end: 10.0.1.250}\n  dns: {domain: pxe.bench.example.com, servers: '10.0.1.5'}\n");
    for (i, name) in tagged.iter().enumerate() {
        let octet = i + 10;
        let route = if i % 10 == 0 && i + 1 < tagged.len() {
            format!(
                "  routes:\n    - {{subnet: 10.1.{}.0/24, gateway: 10.1.{octet}.1, metric: 100}}\n",
                octet + 1
            )
        } else {
            String::new()
        };
        y.push_str(&format!(
            "---\nschema: 'drydock/Network/v1'\nmetadata: {{schema: 'metadata/Document/v1', name: {name}}}\ndata:\n  vlan: '{}'\n  cidr: 10.1.{octet}.0/24\n  mtu: 9000\n  ranges:\n    - {{type: reserved, start: 10.1.{octet}.1, end: 10.1.{octet}.9}}\n    - {{type: static, start: 10.1.{octet}.10, end: 10.1.{octet}.250}}\n{route}  dns: {{domain: bench.example.com, servers: '10.0.1.5'}}\n",
            101 + i
        ));
    }
    let file = dir.join(format!("site-{networks}.yaml"));
    std::fs::write(&file, y).unwrap();
    file
}

/// Drydock's request count for PrepareSite on `design`, first (`fresh`) or later run, from
/// its REST sequence; `fabrics` is how many fabrics MAAS holds when it starts.
fn drydock_requests(design: &drydock::design::Site, fresh: bool, fabrics: usize) -> usize {
    let links: Vec<_> = design
        .network_links
        .iter()
        .filter(|l| !l.labels.contains_key("noconfig"))
        .collect();
    let mut fabrics_now = fabrics;
    // GET fabrics/ (each fabric's VLANs loaded eagerly), GET subnets/, GET domains/.
    let mut n = 3 + fabrics_now;
    let mut domains = std::collections::HashSet::new();
    for link in &links {
        if fresh && link.name != "pxe" {
            fabrics_now += 1;
        }
        n += 3; // fabric create or rename, GET its VLANs, PUT the untagged VLAN's MTU
        for name in link.allowed_networks.iter().flatten() {
            let Some(net) = design.networks.iter().find(|x| &x.name == name) else {
                continue;
            };
            if fresh && domains.insert(net.dns_domain.clone()) {
                n += 1; // POST domains/
            }
            let discovered = net.name == "pxe";
            n += if fresh && !discovered {
                2 + fabrics_now + 1 + 1 // GET fabrics/ + each fabric's VLANs, POST VLAN, POST subnet
            } else {
                3 // PUT subnet, GET the fabric's VLANs, PUT VLAN
            };
            n += 1; // PUT subnet gateway, always
            let sent = net.ranges.iter().filter(|r| r.kind != RangeType::Static).count();
            n += sent * if fresh { 2 } else { 1 }; // GET ipranges/ (+ POST when new)
            n += 1; // GET the fabric's VLANs again
            if net.ranges.iter().any(|r| r.kind == RangeType::Dhcp) {
                n += 3; // GET rackcontrollers/, GET the rack (health), PUT VLAN
            }
        }
    }
    n += 1; // GET subnets/ for routes
    let routes = design
        .networks
        .iter()
        .flat_map(|x| &x.routes)
        .filter(|r| r.subnet.as_deref().is_some_and(|s| s != "0.0.0.0/0"))
        .count();
    n += routes * if fresh { 2 } else { 3 }; // GET static-routes/, (DELETE the old,) POST
    let keys = design.region.as_ref().map_or(0, |r| r.authorized_keys.len());
    n += 1 + if fresh { keys } else { 0 }; // GET sshkeys/ (+ POST each)
    let repos = design
        .region
        .as_ref()
        .map_or(0, |r| r.repositories.as_ref().map_or(0, Vec::len));
    n += 1 + repos; // GET package-repositories/, PUT or POST each
    n
}

struct Run {
    reads: usize,
    writes: usize,
    seconds: f64,
}

fn prepare(sim: &Sim, design: &Path, journal: &Path) -> Run {
    let before = sim.requests().last().map_or(0, |r| r.seq);
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_drydock"))
        .env("DRYDOCK_MAAS_URL", sim.url())
        .env("DRYDOCK_MAAS_API_KEY", sim.key().expose())
        .arg("--journal")
        .arg(journal)
        .args(["run", "prepare_site", "-d"])
        .arg(design)
        .output()
        .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let new: Vec<_> = sim.requests().into_iter().filter(|r| r.seq > before).collect();
    assert!(
        new.first().is_none_or(|r| r.seq == before + 1),
        "the request log dropped some of this run's requests"
    );
    let writes = new.iter().filter(|r| r.method != "GET").count();
    Run {
        reads: new.len() - writes,
        writes,
        seconds,
    }
}

fn main() {
    drydock::maas::client::install_tls();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let example = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/site"));
    let generated = generate(scratch.path(), 100);
    println!("PrepareSite against the simulator (release build, sim in-process on 2 threads)");
    println!(
        "{:<22} {:>5} {:>7} {:>7} {:>8} {:>9}  {:>16}",
        "site", "run", "reads", "writes", "total", "wall s", "Drydock (model)"
    );
    for (label, path) in [
        ("example (6 networks)", example),
        ("generated (100 nets)", generated),
    ] {
        let site = drydock::design::load(std::slice::from_ref(&path)).unwrap();
        let sim = Sim::start(SimOptions::default(), Some(&site)).unwrap();
        let fabrics = rt
            .block_on(
                drydock::maas::Client::new(sim.url(), sim.key().clone(), Default::default())
                    .unwrap()
                    .fabrics(&[]),
            )
            .unwrap()
            .len();
        let journal = scratch
            .path()
            .join(format!("{}.redb", label.split(' ').next().unwrap()));
        for (run, fresh) in [("1st", true), ("2nd", false)] {
            let r = prepare(&sim, &path, &journal);
            println!(
                "{:<22} {:>5} {:>7} {:>7} {:>8} {:>9.3}  {:>16}",
                label,
                run,
                r.reads,
                r.writes,
                r.reads + r.writes,
                r.seconds,
                drydock_requests(&site, fresh, fabrics)
            );
        }
    }
}
