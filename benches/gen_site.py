#!/usr/bin/env python3
"""Generate a synthetic drydock site design with N baremetal nodes.

    python3 benches/gen_site.py --nodes 10000 --out site-10k

Writes DIR/site.yaml (region, racks, links, networks, hardware profiles, host
profiles, boot action) and DIR/nodes-0000.yaml, nodes-0001.yaml, ... holding the
nodes (1000 per file by default). The output depends only on the arguments, and
the site is meant to validate with zero errors (only the "no node driver" warning).

Layout of the synthetic site "bench":
  * racks of --nodes-per-rack nodes (default 40); in every rack the last four
    slots are storage nodes, the first node of each of the first three racks is a
    controller, everything else is compute;
  * every network that carries static addresses is a /14; each rack owns a
    block of 64 addresses in it (offsets 1-48 for nodes, 56/57 for the ToR pair in
    oob), so up to 4091 racks (~163,000 nodes at 40 per rack) fit;
  * host profiles: base -> {compute, control, storage};
  * deterministic per-node variations (bigger root partition, re-cabled PXE
    port, GPU tag, canary kernel) so nodes are not all identical.

Only the Python 3 standard library is used.
"""

import argparse
import ipaddress
import os
import re
import sys

SITE = "bench"
DOMAIN = "bench.example.com"
BLOCK = 64  # addresses per rack in every /14
FIRST_BLOCK = 256  # the first /24 of every network is reserved (gateways, DNS, ...)
NODE_SLOTS = 48  # node slots 1-48 of a block (never .0 or .255)
TOR_SLOTS = (56, 57)

# name: (vlan or None, cidr, mtu)
NETWORKS = {
    "oob": (None, "10.0.0.0/14", 1500),
    "mgmt": ("100", "10.4.0.0/14", 1500),
    "storage": ("200", "10.8.0.0/14", 9000),
    "replication": ("210", "10.20.0.0/14", 9000),
    "overlay": ("300", "10.12.0.0/14", 9000),
    "pxe": (None, "10.16.0.0/14", 1500),
    "public": ("400", "198.51.100.0/24", 1500),
}


def net(name):
    return ipaddress.ip_network(NETWORKS[name][1])


def rack_addr(name, rack, offset):
    """Address at `offset` in `rack`'s block of network `name`."""
    return str(net(name).network_address + FIRST_BLOCK + rack * BLOCK + offset)


def mix(i):
    """Cheap deterministic hash of a node index, 0..99."""
    return ((i * 2654435761) & 0xFFFFFFFF) % 100


def rack_name(r):
    return "rack%04d" % (r + 1)


def role_of(rack, slot, per_rack):
    if slot == 0 and rack < 3:
        return "control"
    if slot >= per_rack - 4 and per_rack >= 8:
        return "storage"
    return "compute"


ROLE_PREFIX = {"compute": "cmp", "control": "ctl", "storage": "stg"}


def shared_documents(racks):
    out = []
    w = out.append
    w("""# Synthetic site "%(site)s" written by benches/gen_site.py: shared documents.
---
schema: 'drydock/Region/v1'
metadata:
  schema: 'metadata/Document/v1'
  name: %(site)s
data:
  tag_definitions:
    - tag: bigmem
      definition_type: lshw_xpath
      definition: "//node[@id='memory']/size > 549755813888"
  authorized_keys:
    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEnOKqbmYP8ad35gjJ++LbHucHWQSBNNgfKqb6JnwIjt ops-team@%(site)s
  repositories:
    remove_unlisted: true
    main_archive:
      repo_type: apt
      url: 'http://mirror.%(domain)s/ubuntu'
      distributions: [jammy]
      subrepos: [security, updates]
      components: [main, restricted, universe]
      arches: [amd64]
""" % {"site": SITE, "domain": DOMAIN})

    for r in range(racks):
        a, b = (rack_addr("oob", r, s) for s in TOR_SLOTS)
        w("""---
schema: 'drydock/Rack/v1'
metadata:
  schema: 'metadata/Document/v1'
  name: %(rack)s
data:
  tor_switches:
    %(rack)s-tor-a: {mgmt_ip: %(a)s, sdn_api_uri: 'https://%(a)s/restconf'}
    %(rack)s-tor-b: {mgmt_ip: %(b)s, sdn_api_uri: 'https://%(b)s/restconf'}
  location: {clli: BNCHDC01, grid: 'R%(row)03d-%(pos)02d'}
  local_networks: [oob, pxe]
""" % {"rack": rack_name(r), "a": a, "b": b, "row": r // 20 + 1, "pos": r % 20 + 1})

    w("""---
schema: 'drydock/NetworkLink/v1'
metadata:
  schema: 'metadata/Document/v1'
  name: oob
data:
  labels: {noconfig: enabled}
  bonding: {mode: disabled}
  mtu: 1500
  linkspeed: auto
  trunking: {mode: disabled, default_network: oob}
  allowed_networks: [oob]
---
schema: 'drydock/NetworkLink/v1'
metadata:
  schema: 'metadata/Document/v1'
  name: pxe
data:
  bonding: {mode: disabled}
  mtu: 1500
  linkspeed: auto
  trunking: {mode: disabled, default_network: pxe}
  allowed_networks: [pxe]
---
schema: 'drydock/NetworkLink/v1'
metadata:
  schema: 'metadata/Document/v1'
  name: data
data:
  bonding:
    mode: '802.3ad'
    hash: layer3+4
    peer_rate: fast
    mon_rate: 100
    up_delay: 200
    down_delay: 200
  mtu: 9000
  linkspeed: auto
  trunking: {mode: '802.1q', default_network: mgmt}
  allowed_networks: [mgmt, storage, replication, overlay, public]
""")

    dns_servers = "'%s,%s'" % (
        net("mgmt").network_address + 5, net("mgmt").network_address + 6)
    for name, (vlan, cidr, mtu) in NETWORKS.items():
        n = ipaddress.ip_network(cidr)
        base = n.network_address
        lines = [
            "---",
            "schema: 'drydock/Network/v1'",
            "metadata:",
            "  schema: 'metadata/Document/v1'",
            "  name: %s" % name,
            "data:",
        ]
        if name == "oob":
            lines.append("  labels: {noconfig: enabled}")
        if vlan is not None:
            lines.append("  vlan: '%s'" % vlan)
        lines.append("  cidr: %s" % cidr)
        lines.append("  mtu: %d" % mtu)
        lines.append("  ranges:")
        if name == "public":
            lines.append("    - {type: reserved, start: %s, end: %s}" % (base + 1, base + 9))
            lines.append("    - {type: static, start: %s, end: %s}" % (base + 10, n.broadcast_address - 1))
        elif name == "pxe":
            lines.append("    - {type: reserved, start: %s, end: %s}" % (base + 1, base + 254))
            lines.append("    - {type: dhcp, start: %s, end: %s}" % (base + 256, n.broadcast_address - 1))
        else:
            lines.append("    - {type: reserved, start: %s, end: %s}" % (base + 1, base + 254))
            lines.append("    - {type: static, start: %s, end: %s}" % (base + FIRST_BLOCK, n.broadcast_address - 1))
        if name == "mgmt":
            # the only default route: mgmt is every node's primary network
            lines.append("  routes:")
            lines.append("    - {subnet: 0.0.0.0/0, gateway: %s, metric: 10}" % (base + 1))
            lines.append("  dns: {domain: %s, servers: %s}" % (DOMAIN, dns_servers))
        else:
            lines.append("  dns: {domain: %s.%s, servers: %s}" % (name, DOMAIN, dns_servers))
        w("\n".join(lines) + "\n")

    w("""---
schema: 'drydock/HardwareProfile/v1'
metadata:
  schema: 'metadata/Document/v1'
  name: gp-1u
data:
  vendor: Dell
  generation: '15'
  hw_version: PowerEdge R650
  bios_version: '1.10.2'
  boot_mode: uefi
  bootstrap_protocol: pxe
  pxe_interface: 0
  device_aliases:
    pxe_nic01: {address: '0000:04:00.0', bus_type: pci, dev_type: 'BCM5720 1GbE'}
    pxe_nic02: {address: '0000:04:00.1', bus_type: pci, dev_type: 'BCM5720 1GbE'}
    data_nic01: {address: '0000:31:00.0', bus_type: pci, dev_type: 'ConnectX-6 Lx 25GbE'}
    data_nic02: {address: '0000:31:00.1', bus_type: pci, dev_type: 'ConnectX-6 Lx 25GbE'}
    bootdisk: {address: '0:2.0.0', bus_type: scsi, dev_type: 'BOSS-S2 RAID1'}
    datadisk: {address: '1:2.0.0', bus_type: scsi, dev_type: 'PERC H755 RAID10'}
  cpu_sets: {kvm: '4-31,36-63'}
  hugepages:
    vm: {size: '1G', count: 384}
---
schema: 'drydock/HardwareProfile/v1'
metadata:
  schema: 'metadata/Document/v1'
  name: dense-2u
data:
  vendor: HPE
  generation: '10'
  hw_version: ProLiant DL380 Gen10
  bios_version: 'U30 v2.68'
  boot_mode: uefi
  bootstrap_protocol: pxe
  pxe_interface: 0
  device_aliases:
    pxe_nic01: {address: '0000:02:00.0', bus_type: pci, dev_type: 'BCM5719 1GbE'}
    pxe_nic02: {address: '0000:02:00.1', bus_type: pci, dev_type: 'BCM5719 1GbE'}
    data_nic01: {address: '0000:5d:00.0', bus_type: pci, dev_type: 'ConnectX-4 Lx 25GbE'}
    data_nic02: {address: '0000:5d:00.1', bus_type: pci, dev_type: 'ConnectX-4 Lx 25GbE'}
    bootdisk: {address: '0:1.0.0', bus_type: scsi, dev_type: 'Smart Array P408i LD1'}
    datadisk: {address: '0:1.0.1', bus_type: scsi, dev_type: 'Smart Array P408i LD2'}
  cpu_sets: {kvm: '4-39,44-79'}
  hugepages:
    vm: {size: '1G', count: 128}
---
schema: 'drydock/HostProfile/v1'
metadata:
  schema: 'metadata/Document/v1'
  name: base
data:
  hardware_profile: gp-1u
  primary_network: mgmt
  oob: {type: redfish, network: oob, account: drydock, credential: changeme}
  storage:
    physical_devices:
      bootdisk:
        labels: {role: os}
        partitions:
          - name: root
            size: 40g
            filesystem: {mountpoint: '/', fstype: ext4}
          - name: boot
            size: 1g
            filesystem: {mountpoint: '/boot', fstype: ext4}
          - name: var
            size: '>50g'
            filesystem: {mountpoint: '/var', fstype: xfs, mount_options: 'defaults,noatime'}
      datadisk:
        volume_group: vg_data
    volume_groups:
      vg_data:
        logical_volumes:
          - name: log
            size: '10%%'
            filesystem: {mountpoint: '/var/log', fstype: xfs}
          - name: containers
            size: '40%%'
            filesystem: {mountpoint: '/var/lib/containerd', fstype: xfs}
          - name: scratch
            size: '40%%'
            filesystem: {mountpoint: '/srv', fstype: xfs}
  platform:
    image: jammy
    kernel: ga-22.04
    kernel_params: {console: 'ttyS1,115200n8', quiet: true}
  metadata:
    tags: [%(site)s, tenant-workloads]
    owner_data: {site: %(site)s}
  interfaces:
    pxe: {device_link: pxe, slaves: [pxe_nic01], networks: [pxe]}
    bond0: {device_link: data, slaves: [data_nic01, data_nic02], networks: [mgmt, storage, overlay]}
---
schema: 'drydock/HostProfile/v1'
metadata:
  schema: 'metadata/Document/v1'
  name: compute
data:
  host_profile: base
  platform:
    kernel_params:
      isolcpus: 'hardwareprofile:cpuset.kvm'
      hugepagesz: 'hardwareprofile:hugepages.vm.size'
      hugepages: 'hardwareprofile:hugepages.vm.count'
      intel_iommu: 'on'
      iommu: pt
  metadata:
    tags: [compute]
    owner_data: {role: compute}
---
schema: 'drydock/HostProfile/v1'
metadata:
  schema: 'metadata/Document/v1'
  name: control
data:
  host_profile: base
  platform:
    kernel_params: {'!quiet': true}
  metadata:
    tags: ['!tenant-workloads', control-plane]
    owner_data: {role: control}
  interfaces:
    bond0: {networks: [public]}
---
# Storage nodes: denser chassis with an older BMC that only speaks IPMI; they
# also join the Ceph replication network.
schema: 'drydock/HostProfile/v1'
metadata:
  schema: 'metadata/Document/v1'
  name: storage
data:
  host_profile: base
  hardware_profile: dense-2u
  oob: {type: ipmi}
  metadata:
    tags: ['!tenant-workloads', storage]
    owner_data: {role: storage}
  interfaces:
    bond0: {networks: [replication]}
---
schema: 'drydock/BootAction/v1'
metadata:
  schema: 'metadata/Document/v1'
  name: node-baseline
data:
  signaling: false
  assets:
    - path: /etc/%(site)s/node.env
      type: file
      permissions: '444'
      data: |
        NODE_HOSTNAME={{ node.hostname }}
        NODE_FQDN={{ node.hostname }}.{{ node.domain }}
        NODE_MGMT_IP={{ node.network.mgmt.ip }}
      data_pipeline: [utf8_decode, template, utf8_encode]
    - type: pkg_list
      data: {chrony: null, lldpd: '1.0.13-1', smartmontools: null}
""" % {"site": SITE})
    return "".join(out)


# Whether the canary ring runs the HWE kernel; off for a region that synced only jammy's GA
# kernel (the simulator's, like the captured region's).
HWE_CANARY = True


def node_document(i, rack, slot, role, ctl_index):
    name = "%s-%04d-%02d" % (ROLE_PREFIX[role], rack + 1, slot + 1)
    v = mix(i)
    nets = ["mgmt", "storage", "overlay"]
    if role == "control":
        nets.append("public")
    if role == "storage":
        nets.append("replication")

    lines = [
        "---",
        "schema: 'drydock/BaremetalNode/v1'",
        "metadata:",
        "  schema: 'metadata/Document/v1'",
        "  name: %s" % name,
        "data:",
        "  host_profile: %s" % role,
    ]
    tags = []
    owner = {}
    if role != "control":
        if v < 10:
            # local image cache: larger root partition, the rest of the layout inherited
            lines += [
                "  storage:",
                "    physical_devices:",
                "      bootdisk:",
                "        partitions:",
                "          - {name: root, size: 100g, filesystem: {mountpoint: '/', fstype: ext4}}",
            ]
        elif v < 15:
            # first onboard port dead: PXE re-cabled to the second one
            lines += [
                "  interfaces:",
                "    pxe: {slaves: ['!pxe_nic01', pxe_nic02]}",
            ]
        elif v < 20 and role == "compute":
            tags.append("gpu")
            owner["gpu"] = "nvidia-a2"
        elif v < 23:
            # canary ring for the HWE kernel
            if HWE_CANARY:
                lines.append("  platform: {kernel: hwe-22.04}")
            tags.append("canary")

    lines.append("  addressing:")
    lines.append("    - {network: oob, address: %s}" % rack_addr("oob", rack, slot + 1))
    lines.append("    - {network: pxe, address: dhcp}")
    for n in nets:
        if n == "public":
            addr = str(net("public").network_address + 11 + ctl_index)
        else:
            addr = rack_addr(n, rack, slot + 1)
        lines.append("    - {network: %s, address: %s}" % (n, addr))

    lines.append("  metadata:")
    lines.append("    rack: %s" % rack_name(rack))
    lines.append("    boot_mac: '3c:fd:fe:%02x:%02x:%02x'" % ((i >> 16) & 255, (i >> 8) & 255, i & 255))
    if tags:
        lines.append("    tags: [%s]" % ", ".join(tags))
    if owner:
        lines.append("    owner_data: {%s}" % ", ".join("%s: %s" % kv for kv in owner.items()))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nodes", type=int, required=True, help="number of baremetal nodes")
    ap.add_argument("--out", required=True, help="output directory (created if missing)")
    ap.add_argument("--nodes-per-rack", type=int, default=40, help="default 40, at most 48")
    ap.add_argument("--nodes-per-file", type=int, default=1000, help="default 1000")
    ap.add_argument("--ga-kernel-only", action="store_true",
                    help="the canary ring keeps the GA kernel (for a region with only jammy's GA kernel synced)")
    args = ap.parse_args()
    global HWE_CANARY
    HWE_CANARY = not args.ga_kernel_only

    n, per_rack, per_file = args.nodes, args.nodes_per_rack, args.nodes_per_file
    if n < 1:
        ap.error("--nodes must be at least 1")
    if not 1 <= per_rack <= NODE_SLOTS:
        ap.error("--nodes-per-rack must be between 1 and %d" % NODE_SLOTS)
    if per_file < 1:
        ap.error("--nodes-per-file must be at least 1")
    racks = (n + per_rack - 1) // per_rack
    max_racks = (net("mgmt").num_addresses - FIRST_BLOCK - 1) // BLOCK
    if racks > max_racks:
        ap.error("%d racks do not fit the /14 address plan (at most %d racks, %d nodes)"
                 % (racks, max_racks, max_racks * per_rack))

    os.makedirs(args.out, exist_ok=True)
    # drop the output of an earlier run so a smaller N leaves no stale nodes behind
    for f in os.listdir(args.out):
        if f == "site.yaml" or re.fullmatch(r"nodes-\d+\.yaml", f):
            os.remove(os.path.join(args.out, f))

    total = 0
    files = 0

    def write(fname, text):
        nonlocal total, files
        data = text.encode("utf-8")
        with open(os.path.join(args.out, fname), "wb") as fh:
            fh.write(data)
        total += len(data)
        files += 1

    write("site.yaml", shared_documents(racks))

    chunk = []
    ctl = 0
    for i in range(n):
        rack, slot = divmod(i, per_rack)
        role = role_of(rack, slot, per_rack)
        chunk.append(node_document(i, rack, slot, role, ctl))
        if role == "control":
            ctl += 1
        if len(chunk) == per_file or i == n - 1:
            header = "# Synthetic site \"%s\": nodes %d-%d.\n" % (SITE, i - len(chunk) + 1, i)
            write("nodes-%04d.yaml" % (i // per_file), header + "".join(chunk))
            chunk = []

    print("gen_site: %d nodes in %d racks, %d files, %.1f MiB written to %s"
          % (n, racks, files, total / 1048576.0, args.out))


if __name__ == "__main__":
    sys.exit(main())
