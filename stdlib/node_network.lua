--- A node's network interfaces in MAAS, made to match its design (DeployNodes' networking
--- phase): physical interfaces on their link's fabric with its MTU, bonds with the link's
--- bonding options, a VLAN interface per tagged network, a subnet link per network with the
--- node's static address (or DHCP, or none: link up only), the primary network's link as
--- the default gateway; bonds, VLAN interfaces and links the design does not have removed.
---
--- `want` says what the node should have (no I/O), `diff` compares it with what MAAS lists
--- and returns the changes in the order MAAS needs them, `apply` makes one. What is already
--- right is not written again, so a second run makes no change. Drydock instead resets the
--- machine's networking and rebuilds it every time.
local M = {}

local BOND_OPTIONS = {
  -- design bonding field -> MAAS bond parameter
  { "mode", "bond_mode" },
  { "hash", "bond_xmit_hash_policy" },
  { "peer_rate", "bond_lacp_rate" },
  { "mon_rate", "bond_miimon" },
  { "up_delay", "bond_updelay" },
  { "down_delay", "bond_downdelay" },
}

--- MAAS's network template, read once for all nodes: fabrics by name with their VLANs by
--- VID, and subnets by CIDR.
---@param maas drydock.maas.Client
function M.read_site(maas)
  local site = { fabrics = {}, subnets = {} }
  for _, f in ipairs(maas:fabrics()) do
    local vlans = {}
    for _, v in ipairs(f.vlans) do
      vlans[v.vid] = { id = v.id, vid = v.vid, mtu = v.mtu }
    end
    site.fabrics[f.name] = { id = f.id, vlans = vlans }
  end
  for _, s in ipairs(maas:subnets()) do
    site.subnets[s.cidr] = { id = s.id, cidr = s.cidr, vlan = s.vlan and s.vlan.id }
  end
  return site
end

local function is_noconfig(doc) return doc.labels ~= nil and doc.labels.noconfig ~= nil end

--- The node's address on each network: an IP, "dhcp", or nil (link up only).
local function addresses(node)
  local by_network = {}
  for _, a in ipairs(node.addressing or {}) do
    by_network[a.network] = a.address
  end
  return by_network
end

--- One subnet link as the design wants it.
local function wanted_link(site, network, address, primary, problems)
  local subnet = site.subnets[network.cidr]
  if not subnet then
    problems[#problems + 1] = ("network %s (%s) has no subnet in MAAS: run prepare_site first"):format(
      network.name,
      network.cidr
    )
    return nil
  end
  local mode = address == nil and "link_up" or (address == "dhcp" and "dhcp" or "static")
  return {
    network = network.name,
    cidr = network.cidr,
    subnet = subnet.id,
    mode = mode,
    ip = mode == "static" and address or nil,
    gateway = primary and mode ~= "link_up",
  }
end

--- The interfaces `node` should have in MAAS, and what in the design or MAAS keeps it from
--- having them. `names` maps a device alias (a slave in the design) to the interface name
--- MAAS knows it by; an alias it does not hold is taken as the name itself.
---@param design drydock.Design
---@param node table
---@param site table from `read_site`
---@param names? table<string, string>
---@return { interfaces: table[], problems: string[] }
function M.want(design, node, site, names)
  names = names or {}
  local want = { interfaces = {}, problems = {} }
  local problems = want.problems
  local address_of = addresses(node)
  local function add(iface)
    want.interfaces[#want.interfaces + 1] = iface
    return iface
  end
  local iface_names = {}
  for name in pairs(node.interfaces or {}) do
    iface_names[#iface_names + 1] = name
  end
  table.sort(iface_names)
  for _, iname in ipairs(iface_names) do
    local spec = node.interfaces[iname]
    local link = spec.device_link and design:network_link(spec.device_link)
    if not link then
      problems[#problems + 1] = ("interface %s: network link %s is not defined"):format(
        iname,
        tostring(spec.device_link)
      )
    elseif not is_noconfig(link) then
      local fabric = site.fabrics[link.name]
      local trunking = link.trunking or {}
      local native = trunking.default_network and design:network(trunking.default_network)
      local native_vlan = fabric and fabric.vlans[native and tonumber(native.vlan) or 0]
      local slaves = {}
      for i, s in ipairs(spec.slaves or {}) do
        slaves[i] = names[s] or s
      end
      local bonded = link.bonding and link.bonding.mode and link.bonding.mode ~= "disabled"
      local base
      if not fabric or not native_vlan then
        problems[#problems + 1] = ("interface %s: MAAS has no fabric %s with its native VLAN: run prepare_site first"):format(
          iname,
          link.name
        )
      elseif bonded and #slaves == 0 then
        problems[#problems + 1] = ("Network link %s indicates bonding, interface %s has less than 2 slaves."):format(
          link.name,
          iname
        )
      elseif not bonded and #slaves ~= 1 then
        problems[#problems + 1] = #slaves == 0 and ("Interface %s has 0 slaves."):format(iname)
          or ("Network link %s disables bonding, interface %s has multiple slaves."):format(
            link.name,
            iname
          )
      elseif bonded then
        local options = {}
        for _, pair in ipairs(BOND_OPTIONS) do
          local value = link.bonding[pair[1]]
          if value ~= nil then options[pair[2]] = value end
        end
        base = add({
          name = iname,
          kind = "bond",
          parents = slaves,
          vlan = native_vlan.id,
          mtu = link.mtu,
          options = options,
          links = {},
        })
      else
        base = add({
          name = slaves[1],
          kind = "physical",
          vlan = native_vlan.id,
          mtu = link.mtu,
          links = {},
        })
      end
      for _, net_name in ipairs(base and spec.networks or {}) do
        local network = design:network(net_name)
        if not network then
          problems[#problems + 1] = ("Did not find a defined Network %s to attach to interface %s"):format(
            net_name,
            iname
          )
        else
          local on = base
          local vid = tonumber(network.vlan)
          if native == nil or network.name ~= native.name then
            local vlan = fabric.vlans[vid or 0]
            if not vlan then
              problems[#problems + 1] = ("network %s: MAAS has no VLAN %s on fabric %s: run prepare_site first"):format(
                network.name,
                tostring(network.vlan),
                link.name
              )
              on = nil
            elseif vid ~= nil and trunking.mode ~= "disabled" then
              on = add({
                name = ("%s.%d"):format(base.name, vid),
                kind = "vlan",
                parent = base.name,
                vlan = vlan.id,
                mtu = network.mtu,
                links = {},
              })
            end
          end
          if on then
            local l = wanted_link(
              site,
              network,
              address_of[network.name],
              network.name == node.primary_network,
              problems
            )
            if l then on.links[#on.links + 1] = l end
          end
        end
      end
    end
  end
  return want
end

local function same_link(have, want)
  local cidr = have.subnet and have.subnet.cidr
  if cidr ~= want.cidr then return false end
  if want.mode == "static" then return have.mode == "static" and have.ip_address == want.ip end
  if want.mode == "dhcp" then return have.mode == "dhcp" end
  return have.mode == "link_up"
end

--- A link MAAS adds by itself to a new interface (up, no subnet); the first real link
--- replaces it.
local function is_bare(link) return link.subnet == nil and link.mode == "link_up" end

local function same_set(a, b)
  if #a ~= #b then return false end
  local seen = {}
  for _, x in ipairs(a) do
    seen[x] = true
  end
  for _, x in ipairs(b) do
    if not seen[x] then return false end
  end
  return true
end

--- The MAAS parameters of `want` that differ from `have` (nil when none do).
local function settings_changed(have, want)
  local params = {}
  local changed = false
  local have_vlan = have.vlan and have.vlan.id
  if want.vlan and have_vlan ~= want.vlan then
    params.vlan, changed = want.vlan, true
  end
  local have_mtu = (have.params and have.params.mtu) or have.effective_mtu
  if want.mtu and have_mtu ~= want.mtu then
    params.mtu, changed = want.mtu, true
  end
  for key, value in pairs(want.options or {}) do
    local now = have.params and have.params[key]
    if now == nil or tostring(now) ~= tostring(value) then
      params[key], changed = value, true
    end
  end
  return changed and params or nil
end

local function change(list, c) list[#list + 1] = c end

--- The keys of `t`, sorted.
local function sorted_keys(t)
  local out = {}
  for k in pairs(t) do
    out[#out + 1] = k
  end
  table.sort(out)
  return out
end

--- The changes that take the machine's interfaces (`have`, as MAAS lists them) to `want`,
--- in the order MAAS needs them: stale interfaces and links go first, so parents are free
--- and names unused; then settings, new bonds and VLAN interfaces, links, the gateway.
---@param want { interfaces: table[] }
---@param have table[] the machine's interfaces
---@param gateway_link? integer the machine's IPv4 default gateway link now
---@return table[] changes, each with `step` (its journal name) and `line` (what it does)
---@return string[] problems what no change can fix (a physical interface MAAS does not have)
function M.diff(want, have, gateway_link)
  local by_name = {}
  for _, i in ipairs(have) do
    by_name[i.name] = i
  end
  local wanted = {}
  for _, w in ipairs(want.interfaces) do
    wanted[w.name] = w
  end
  local changes, problems = {}, {}
  local gone = {}
  -- 1. Bonds and VLAN interfaces the design does not have, or not in this shape; VLAN
  -- interfaces first, as they may sit on a bond that goes too.
  for _, kind in ipairs({ "vlan", "bond" }) do
    for _, i in ipairs(have) do
      local w = wanted[i.name]
      local stale = i.type == kind
        and (
          w == nil
          or w.kind ~= kind
          or (kind == "bond" and not same_set(i.parents or {}, w.parents))
          or (kind == "vlan" and (i.parents or {})[1] ~= w.parent)
        )
      if stale then
        gone[i.name] = true
        change(changes, {
          step = "network: delete " .. i.name,
          line = ("delete %s interface %s"):format(kind, i.name),
          op = "delete",
          name = i.name,
        })
      end
    end
  end
  -- 2. Links the design does not have, on the interfaces that stay.
  for _, i in ipairs(have) do
    if not gone[i.name] then
      local w = wanted[i.name]
      for _, l in ipairs(i.links or {}) do
        local keep = is_bare(l)
        for _, wl in ipairs(w and w.links or {}) do
          keep = keep or same_link(l, wl)
        end
        if not keep then
          local what = l.subnet and l.subnet.cidr or l.mode
          change(changes, {
            -- The link's id keeps two stale links to one subnet two steps.
            step = ("network: unlink %s %s (link %s)"):format(i.name, what, tostring(l.id)),
            line = ("unlink %s from %s (%s)"):format(i.name, what, l.mode),
            op = "unlink",
            name = i.name,
            link = l.id,
          })
        end
      end
    end
  end
  -- 3. Physical interfaces, then bonds, then VLAN interfaces: made or set.
  for _, kind in ipairs({ "physical", "bond", "vlan" }) do
    for _, w in ipairs(want.interfaces) do
      if w.kind == kind then
        local i = not gone[w.name] and by_name[w.name] or nil
        if kind == "physical" and not i then
          problems[#problems + 1] = ("Interface %s not found on the machine"):format(w.name)
        elseif not i then
          for _, p in ipairs(w.parents or {}) do
            if not by_name[p] then
              problems[#problems + 1] = ("Interface %s (a slave of %s) not found on the machine"):format(
                p,
                w.name
              )
            end
          end
          change(changes, {
            step = ("network: create %s %s"):format(kind, w.name),
            line = ("create %s interface %s"):format(kind, w.name),
            op = "create",
            want = w,
          })
        else
          local params = settings_changed(i, w)
          if params then
            change(changes, {
              step = "network: set " .. w.name,
              line = ("set %s on %s"):format(table.concat(sorted_keys(params), ", "), w.name),
              op = "update",
              name = w.name,
              params = params,
            })
          end
        end
      end
    end
  end
  -- 4. Links the design has and MAAS does not; the primary network's carries the default
  -- gateway, or is made it if it already exists.
  for _, w in ipairs(want.interfaces) do
    local i = not gone[w.name] and by_name[w.name] or nil
    for _, wl in ipairs(w.links) do
      local existing
      for _, l in ipairs(i and i.links or {}) do
        if same_link(l, wl) then existing = l end
      end
      if not existing then
        change(changes, {
          step = ("network: link %s %s"):format(w.name, wl.cidr),
          line = ("link %s to %s (%s%s)%s"):format(
            w.name,
            wl.cidr,
            wl.mode,
            wl.ip and (" " .. wl.ip) or "",
            wl.gateway and ", default gateway" or ""
          ),
          op = "link",
          name = w.name,
          link = wl,
        })
      elseif wl.gateway and existing.id ~= gateway_link then
        change(changes, {
          step = ("network: gateway %s %s"):format(w.name, wl.cidr),
          line = ("make %s's link to %s the default gateway"):format(w.name, wl.cidr),
          op = "gateway",
          name = w.name,
          link = existing.id,
        })
      end
    end
  end
  return changes, problems
end

--- Makes `c` on machine `system_id`. `interfaces` holds the machine's interfaces by name
--- and is kept current from MAAS's answers, so a later change finds what an earlier one
--- made.
---@param maas drydock.maas.Client
---@param system_id string
---@param c table a change from `diff`
---@param interfaces table<string, table>
function M.apply(maas, system_id, c, interfaces)
  local function id_of(name)
    local i = interfaces[name]
    if not i then error(("interface %s not found on machine %s"):format(name, system_id), 0) end
    return i.id
  end
  local function keep(i)
    interfaces[i.name] = i
    return i
  end
  if c.op == "delete" then
    maas:delete_interface(system_id, id_of(c.name))
    interfaces[c.name] = nil
  elseif c.op == "unlink" then
    keep(maas:unlink_subnet(system_id, id_of(c.name), { id = c.link }))
  elseif c.op == "update" then
    keep(maas:update_interface(system_id, id_of(c.name), c.params))
  elseif c.op == "create" and c.want.kind == "bond" then
    local w = c.want
    local parents = {}
    for i, p in ipairs(w.parents) do
      parents[i] = id_of(p)
    end
    local params = { name = w.name, parents = parents, vlan = w.vlan, mtu = w.mtu }
    for k, v in pairs(w.options) do
      params[k] = v
    end
    keep(maas:create_bond(system_id, params))
  elseif c.op == "create" then
    local w = c.want
    keep(
      maas:create_vlan_interface(
        system_id,
        { parent = id_of(w.parent), vlan = w.vlan, mtu = w.mtu }
      )
    )
  elseif c.op == "link" then
    local l = c.link
    keep(maas:link_subnet(system_id, id_of(c.name), {
      mode = l.mode,
      subnet = l.subnet,
      ip_address = l.ip,
      default_gateway = l.gateway or nil,
    }))
  elseif c.op == "gateway" then
    keep(maas:set_default_gateway(system_id, id_of(c.name), { link_id = c.link }))
  else
    error("unknown network change " .. tostring(c.op), 0)
  end
end

return M
