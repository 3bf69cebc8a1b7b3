-- node_network against the simulator: after the site's network template (prepare_site's
-- changes), cmp01's interfaces are made to match its design — a physical PXE interface, an
-- LACP bond with the link's options, VLAN interfaces for the tagged networks, static links
-- with the node's addresses, the primary network's link as the default gateway — read back
-- through the API; a second comparison finds nothing to do; stale interfaces and links are
-- removed.
-- test: args = examples/site; sim = examples/site; stdout = "changes": 0
local node_network = require("node_network")
local maas_site = require("maas_site")

local design = drydock.design.load((...))
local maas = drydock.maas.connect()
for _, c in ipairs(maas_site.diff(design, maas_site.read(maas)).changes) do
  maas_site.apply(maas, c)
end

local node = design:node("cmp01")
local machine = maas:machines({ hostname = { "cmp01" } })[1]
local id = machine.system_id
local site = node_network.read_site(maas)

local function by_name(list)
  local out = {}
  for _, i in ipairs(list) do
    out[i.name] = i
  end
  return out
end

local function converge(gateway_now)
  local want = node_network.want(design, node, site)
  assert(#want.problems == 0, table.concat(want.problems, "; "))
  local have = maas:interfaces(id)
  local gateway = gateway_now or maas:machine(id).default_gateways.ipv4.link_id
  local changes, problems = node_network.diff(want, have, gateway)
  assert(#problems == 0, table.concat(problems, "; "))
  local interfaces = by_name(have)
  for _, c in ipairs(changes) do
    node_network.apply(maas, id, c, interfaces)
  end
  return changes
end

local first = converge()
assert(#first > 0)
local steps = {}
for _, c in ipairs(first) do
  assert(not steps[c.step], "step names are unique per node: " .. c.step)
  steps[c.step] = true
end

local ifaces = by_name(maas:interfaces(id))
local bond = assert(ifaces.bond0, "bond0 made")
assert(bond.type == "bond")
table.sort(bond.parents)
assert(
  bond.parents[1] == "data_nic01" and bond.parents[2] == "data_nic02",
  table.concat(bond.parents, ",")
)
assert(bond.params.bond_mode == "802.3ad" and bond.params.bond_xmit_hash_policy == "layer3+4")
assert(bond.params.bond_lacp_rate == "fast" and bond.params.bond_miimon == 100)
assert(bond.params.bond_updelay == 200 and bond.params.bond_downdelay == 200)
assert(bond.effective_mtu == 9000, bond.effective_mtu)
assert(bond.vlan.fabric == "data" and bond.vlan.vid == 100, "mgmt is the bond's native VLAN")

local function only_link(iface)
  assert(#iface.links == 1, iface.name .. " has " .. #iface.links .. " links")
  return iface.links[1]
end
local mgmt = only_link(bond)
assert(
  mgmt.mode == "static" and mgmt.ip_address == "10.40.10.21" and mgmt.subnet.cidr == "10.40.10.0/24"
)
for vid, want in pairs({
  [200] = { cidr = "10.40.20.0/24", ip = "10.40.20.21" },
  [300] = { cidr = "10.40.30.0/24", ip = "10.40.30.21" },
}) do
  local vlan_iface = assert(ifaces["bond0." .. vid], "bond0." .. vid .. " made")
  assert(vlan_iface.type == "vlan" and vlan_iface.parents[1] == "bond0")
  assert(vlan_iface.vlan.vid == vid and vlan_iface.vlan.fabric == "data")
  local l = only_link(vlan_iface)
  assert(l.mode == "static" and l.ip_address == want.ip and l.subnet.cidr == want.cidr, vid)
end
local pxe = ifaces.pxe_nic01
assert(ifaces["bond0.400"] == nil, "cmp01 is not on the public network")
assert(pxe.vlan.fabric == "pxe" and pxe.vlan.vid == 0)
assert(only_link(pxe).mode == "dhcp" and pxe.links[1].subnet.cidr == "10.40.1.0/24")
local gateways = maas:machine(id).default_gateways
assert(gateways.ipv4.link_id == mgmt.id, "the primary network's link is the default gateway")

-- Nothing left to do.
local again = converge()
assert(#again == 0, #again > 0 and again[1].line)

-- Something the design does not have (a VLAN interface for the public network, a second link
-- on the bond, another gateway) and something it has gone (the calico VLAN interface):
-- exactly those are mended.
local calico_iface = ifaces["bond0.300"]
maas:delete_interface(id, calico_iface.id)
maas:create_vlan_interface(id, { parent = bond.id, vlan = site.fabrics.data.vlans[400].id })
maas:link_subnet(id, bond.id, { mode = "dhcp", subnet = site.subnets["10.40.10.0/24"].id })
-- As if another link were the gateway (only mgmt has one in this design).
local fixes = converge(-1)
local lines = {}
for _, c in ipairs(fixes) do
  lines[#lines + 1] = c.line
end
local text = table.concat(lines, "\n")
assert(#fixes == 5, text)
assert(text:find("delete vlan interface bond0.400", 1, true), text)
assert(text:find("unlink bond0 from 10.40.10.0/24 (dhcp)", 1, true), text)
assert(text:find("create vlan interface bond0.300", 1, true), text)
assert(text:find("link bond0.300 to 10.40.30.0/24 (static 10.40.30.21)", 1, true), text)
assert(text:find("make bond0's link to 10.40.10.0/24 the default gateway", 1, true), text)
assert(#converge() == 0)
return { first = #first, changes = #converge() }
