--- The region-wide MAAS configuration a design asks for — Drydock's CreateNetworkTemplate,
--- ConfigureUserCredentials and ConfigureNodeProvisioner, and the region's tag definitions
--- — as three functions:
---
---   read(maas)            what MAAS has now, as a model of plain tables
---   diff(design, live)    the ordered changes that make MAAS match the design; `live` is
---                         moved to the outcome as it goes (new objects have no id yet)
---   apply(maas, change)   makes one change in MAAS
---
--- `drydock plan prepare_site` prints `diff`; PrepareSite applies it, so what the plan shows
--- is what the action does. Everything is keyed by what the design names (a fabric by its
--- link, a VLAN by fabric and tag, a subnet by CIDR, a range by its ends, a route by its two
--- subnets, a repository by name), never by MAAS ids.
local retry = require("retry")

local M = {}

--- Repositories every MAAS has and nobody may delete.
local BUILTIN_REPOSITORIES = { main_archive = true, ports_archive = true }
local APT_POCKETS = { "security", "updates", "backports" }
--- The components MAAS lets a built-in archive disable (`main` it always keeps).
local DISABLEABLE_COMPONENTS = { "restricted", "universe", "multiverse" }
--- Drydock's metric for a route that names none.
local DEFAULT_METRIC = 100

------------------------------------------------------------------------------------------
-- Reading MAAS
------------------------------------------------------------------------------------------

local function read(fn) return retry.call({ times = 6 }, fn) end

--- A list from MAAS or the design: a JSON list (MAAS stores an empty field as `[""]`) or
--- comma-separated text; empty items dropped.
local function list_of(text_or_list)
  local out = {}
  if type(text_or_list) == "table" then
    for _, item in ipairs(text_or_list) do
      if item ~= "" then out[#out + 1] = item end
    end
    return out
  end
  for item in tostring(text_or_list or ""):gmatch("[^,%s]+") do
    out[#out + 1] = item
  end
  return out
end

--- What MAAS has now. Objects point at each other (a subnet's `vlan` is the VLAN's table),
--- so a change made to one is seen from the others.
---@param maas drydock.MaasClient
function M.read(maas)
  local live = {
    fabrics = {},
    vlans_by_id = {},
    subnets = {},
    ranges = {},
    routes = {},
    domains = {},
    racks = {},
    ssh_keys = {},
    repositories = {},
    tags = {},
  }
  for _, f in ipairs(read(function() return maas:fabrics() end)) do
    local fabric = { id = f.id, name = f.name, vlans = {} }
    for _, v in ipairs(f.vlans) do
      local vlan = {
        id = v.id,
        vid = v.vid,
        name = v.name,
        mtu = v.mtu,
        dhcp_on = v.dhcp_on,
        primary_rack = v.primary_rack,
        secondary_rack = v.secondary_rack,
        fabric = fabric,
        relay_vlan = type(v.relay_vlan) == "table" and v.relay_vlan.id or v.relay_vlan,
      }
      fabric.vlans[#fabric.vlans + 1] = vlan
      live.vlans_by_id[vlan.id] = vlan
    end
    live.fabrics[#live.fabrics + 1] = fabric
  end
  local subnets_by_id = {}
  for _, s in ipairs(read(function() return maas:subnets() end)) do
    local subnet = {
      id = s.id,
      cidr = s.cidr,
      name = s.name,
      gateway_ip = s.gateway_ip,
      dns_servers = s.dns_servers or {},
      vlan = s.vlan and live.vlans_by_id[s.vlan.id],
    }
    live.subnets[#live.subnets + 1] = subnet
    subnets_by_id[s.id] = subnet
  end
  for _, r in ipairs(read(function() return maas:ip_ranges() end)) do
    live.ranges[#live.ranges + 1] = {
      id = r.id,
      type = r.type,
      start_ip = r.start_ip,
      end_ip = r.end_ip,
      comment = r.comment,
      subnet = r.subnet and subnets_by_id[r.subnet.id],
    }
  end
  for _, r in ipairs(read(function() return maas:static_routes() end)) do
    live.routes[#live.routes + 1] = {
      id = r.id,
      gateway_ip = r.gateway_ip,
      metric = r.metric,
      source = r.source and subnets_by_id[r.source.id],
      destination = r.destination and subnets_by_id[r.destination.id],
    }
  end
  for _, d in ipairs(read(function() return maas:domains() end)) do
    live.domains[#live.domains + 1] = { id = d.id, name = d.name }
  end
  for _, r in ipairs(read(function() return maas:rack_controllers() end)) do
    live.racks[#live.racks + 1] = M.rack_of(r)
  end
  for _, k in ipairs(read(function() return maas:ssh_keys() end)) do
    live.ssh_keys[#live.ssh_keys + 1] = { id = k.id, key = (k.key:gsub("[\r\n]", "")) }
  end
  for _, t in ipairs(read(function() return maas:tags() end)) do
    live.tags[#live.tags + 1] = { name = t.name, definition = t.definition, comment = t.comment }
  end
  for _, r in ipairs(read(function() return maas:package_repositories() end)) do
    live.repositories[#live.repositories + 1] = {
      id = r.id,
      name = r.name,
      url = r.url,
      distributions = r.distributions,
      components = r.components,
      arches = r.arches,
      key = r.key,
      disabled_pockets = r.disabled_pockets,
      disabled_components = r.disabled_components,
    }
  end
  return live
end

--- A rack controller as the network template needs it: healthy or not (Drydock: http,
--- dhcpd, rackd and tftp each running or off), and the VLANs and addresses of its NICs.
function M.rack_of(r)
  local services = {}
  for _, s in ipairs(r.service_set or {}) do
    services[s.name] = s.status
  end
  local healthy = true
  for _, name in ipairs({ "http", "dhcpd", "rackd", "tftp" }) do
    if services[name] ~= "running" and services[name] ~= "off" then healthy = false end
  end
  local nics = {}
  for _, nic in ipairs(r.interface_set or {}) do
    local ips = {}
    for _, link in ipairs(nic.links or {}) do
      if link.ip_address then ips[#ips + 1] = link.ip_address end
    end
    nics[#nics + 1] = { vlan_id = nic.vlan and nic.vlan.id, ips = ips }
  end
  return { system_id = r.system_id, hostname = r.hostname, healthy = healthy, nics = nics }
end

--- What stands in the way of a rack serving PXE from its own copy of the boot images, given
--- its `list_boot_images` answer; nil when nothing does. A rack the region cannot reach
--- reports no sync status at all, so that is said first.
---@param hostname string
---@param images table the rack's `list_boot_images` answer
---@return string?
function M.rack_images_problem(hostname, images)
  if images.connected == false then
    return ("Rack controller %s is not connected to the region."):format(hostname)
  end
  if images.status ~= "synced" then
    return ("Rack controller %s has not synced the boot images (%s)."):format(
      hostname,
      tostring(images.status)
    )
  end
  return nil
end

--- Whether the region's answer to `version/` rules out API 2.0: an older major version.
--- The answer came from the API 2.0 endpoint, so a version the region does not tell
--- ("None", as some builds answer) is no reason to refuse it.
---@param version any the `version` field MAAS answered
---@return boolean ok, string message
function M.api_version(version)
  local major = tonumber(tostring(version):match("^(%d+)%."))
  if major == nil then
    return true,
      ("MaaS serves API 2.0 (it does not tell its version: %s)."):format(tostring(version))
  end
  if major < 2 then
    return false,
      ("MaaS %s is older than 2.0: drydock needs a MAAS 2.x or later region."):format(version)
  end
  return true, ("MaaS %s serves API 2.0."):format(version)
end

------------------------------------------------------------------------------------------
-- Comparing
------------------------------------------------------------------------------------------

local function find(list, pred)
  for _, item in ipairs(list) do
    if pred(item) then return item end
  end
end

local function same_list(a, b)
  a, b = list_of(a), list_of(b)
  if #a ~= #b then return false end
  local seen = {}
  for _, x in ipairs(a) do
    seen[tostring(x)] = (seen[tostring(x)] or 0) + 1
  end
  for _, x in ipairs(b) do
    local n = seen[tostring(x)]
    if not n or n == 0 then return false end
    seen[tostring(x)] = n - 1
  end
  return true
end

local function show(value)
  if type(value) == "table" then value = table.concat(list_of(value), ",") end
  if value == nil or value == "" then return "(none)" end
  return tostring(value)
end

--- The fields of `want` that `have` lacks, as { field, from, to } in the order given.
local function differences(have, want, order)
  local out = {}
  for _, field in ipairs(order) do
    local to = want[field]
    if to ~= nil then
      local from = have[field]
      local equal = type(to) == "table" and same_list(from, to)
        or (type(to) ~= "table" and from == to)
      if not equal then out[#out + 1] = { field = field, from = show(from), to = show(to) } end
    end
  end
  return out
end

------------------------------------------------------------------------------------------
-- The plan
------------------------------------------------------------------------------------------

--- One change. `kind`, `name`, `action` ("create", "update", "delete"), `fields` (for
--- updates: { field, from, to }), `destructive`, `step` (its unique journal step name) are
--- data; `run(maas)` makes it.
local function change(plan, c)
  local detail = {}
  for _, f in ipairs(c.fields or {}) do
    detail[#detail + 1] = f.field .. "=" .. f.to
  end
  c.step = ("%s %s %s"):format(c.action, c.kind, c.key or c.name)
    .. (#detail > 0 and (" (" .. table.concat(detail, " ") .. ")") or "")
  plan.changes[#plan.changes + 1] = c
  return c
end

local function problem(plan, network, message)
  plan.problems[#plan.problems + 1] = { network = network, message = message }
end

--- The MAAS id of an object the plan makes earlier; an error naming it when it was not made.
local function id_of(object, what)
  if object.id == nil then
    error(("%s is not in MAAS: the change that makes it failed"):format(what), 0)
  end
  return object.id
end

local function vlan_label(vlan) return ("VLAN %s/%d"):format(vlan.fabric.name, vlan.vid) end

local function vlan_in(fabric, vid)
  return find(fabric.vlans, function(v) return v.vid == vid end)
end

--- Comma-separated in the design, a list in MAAS.
local function dns_servers(network) return list_of(network.dns and network.dns.servers) end

local function default_gateway(network)
  for _, route in ipairs(network.routes or {}) do
    if route.subnet == "0.0.0.0/0" then return route.gateway end
  end
end

local function is_noconfig(doc) return doc.labels ~= nil and doc.labels.noconfig ~= nil end

local RANGE_TYPES = { dhcp = "dynamic", reserved = "reserved", static = "reserved" }

--- The fabric of a link: the one MAAS discovered holding one of the link's subnets, else
--- the one named after the link, else a new one.
local function link_fabric(plan, live, link, networks)
  local found, names = {}, {}
  for _, network in ipairs(networks) do
    local subnet = find(live.subnets, function(s) return s.cidr == network.cidr end)
    local fabric = subnet and subnet.vlan and subnet.vlan.fabric
    if fabric and not found[fabric] then
      found[fabric] = true
      names[#names + 1] = fabric
    end
  end
  if #names > 1 then
    problem(
      plan,
      link.name,
      ("MaaS self-discovered network incompatible with NetworkLink %s: its networks are on fabrics %s and %s"):format(
        link.name,
        names[1].name,
        names[2].name
      )
    )
    return nil
  end
  local fabric = names[1] or find(live.fabrics, function(f) return f.name == link.name end)
  if fabric and fabric.claimed_by and fabric.claimed_by ~= link.name then
    problem(
      plan,
      link.name,
      ("NetworkLinks %s and %s both hold networks MAAS found on fabric %s: give each link networks of its own."):format(
        fabric.claimed_by,
        link.name,
        fabric.name
      )
    )
    return nil
  end
  if fabric then fabric.claimed_by = link.name end
  if fabric == nil then
    fabric = { name = link.name, vlans = {}, claimed_by = link.name }
    fabric.vlans[1] = { vid = 0, name = "untagged", mtu = 1500, fabric = fabric }
    live.fabrics[#live.fabrics + 1] = fabric
    change(plan, {
      kind = "fabric",
      name = link.name,
      action = "create",
      run = function(maas)
        local made = maas:create_fabric({ name = link.name })
        fabric.id = made.id
        fabric.vlans[1].id = made.vlans[1].id
        return made.id
      end,
    })
  elseif fabric.name ~= link.name then
    local fields = { { field = "name", from = fabric.name, to = link.name } }
    fabric.name = link.name
    change(plan, {
      kind = "fabric",
      name = link.name,
      action = "update",
      fields = fields,
      run = function(maas) maas:update_fabric(fabric.id, { name = link.name }) end,
    })
  end
  return fabric
end

local function update_vlan(plan, vlan, want, label)
  local fields = differences(
    vlan,
    want,
    { "name", "mtu", "dhcp_on", "primary_rack", "secondary_rack", "relay_vlan" }
  )
  if #fields == 0 then return end
  for k, v in pairs(want) do
    vlan[k] = v
  end
  change(plan, {
    kind = "vlan",
    name = label,
    action = "update",
    fields = fields,
    run = function(maas)
      local params = {}
      for _, f in ipairs(fields) do
        params[f.field] = want[f.field]
      end
      maas:update_vlan(id_of(vlan.fabric, "fabric " .. vlan.fabric.name), vlan.vid, params)
    end,
  })
end

local function network_vlan(plan, fabric, network, link)
  local vid = tonumber(network.vlan) or 0
  local label = ("%s/%d"):format(link.name, vid)
  local vlan = vlan_in(fabric, vid)
  if vlan == nil then
    vlan = { vid = vid, name = network.name, mtu = network.mtu or 1500, fabric = fabric }
    fabric.vlans[#fabric.vlans + 1] = vlan
    change(plan, {
      kind = "vlan",
      name = label,
      action = "create",
      run = function(maas)
        local made = maas:create_vlan(
          id_of(fabric, "fabric " .. fabric.name),
          { vid = vid, name = network.name, mtu = vlan.mtu }
        )
        vlan.id = made.id
        return made.id
      end,
    })
    return vlan
  end
  -- MAAS keeps the untagged VLAN's own name.
  update_vlan(plan, vlan, { name = vid ~= 0 and network.name or nil, mtu = network.mtu }, label)
  return vlan
end

local function network_subnet(plan, live, network, vlan)
  local want = {
    name = network.name,
    gateway_ip = default_gateway(network),
    dns_servers = dns_servers(network),
  }
  local subnet = find(live.subnets, function(s) return s.cidr == network.cidr end)
  if subnet == nil then
    subnet = {
      cidr = network.cidr,
      name = network.name,
      vlan = vlan,
      gateway_ip = want.gateway_ip,
      dns_servers = want.dns_servers,
    }
    live.subnets[#live.subnets + 1] = subnet
    change(plan, {
      kind = "subnet",
      name = network.cidr,
      action = "create",
      run = function(maas)
        local made = maas:create_subnet({
          cidr = network.cidr,
          name = network.name,
          vlan = id_of(vlan, vlan_label(vlan)),
          gateway_ip = want.gateway_ip,
          dns_servers = table.concat(want.dns_servers, " "),
        })
        subnet.id = made.id
        return made.id
      end,
    })
    return subnet
  end
  local fields = differences(subnet, want, { "name", "gateway_ip", "dns_servers" })
  -- A subnet found on another VLAN is moved to the design's (Drydock retagged that other
  -- VLAN instead, which renumbers whatever else is on it).
  if subnet.vlan ~= vlan then
    fields[#fields + 1] = {
      field = "vlan",
      from = subnet.vlan and (subnet.vlan.fabric.name .. "/" .. subnet.vlan.vid) or "(none)",
      to = vlan.fabric.name .. "/" .. vlan.vid,
    }
  end
  if #fields > 0 then
    for k, v in pairs(want) do
      subnet[k] = v
    end
    subnet.vlan = vlan
    change(plan, {
      kind = "subnet",
      name = network.cidr,
      action = "update",
      fields = fields,
      run = function(maas)
        local params = {}
        for _, f in ipairs(fields) do
          params[f.field] = f.field == "vlan" and id_of(vlan, vlan_label(vlan))
            or f.field == "dns_servers" and table.concat(want.dns_servers, " ")
            or want[f.field]
        end
        maas:update_subnet(subnet.id, params)
      end,
    })
  end
  return subnet
end

--- An IPv4 address as a number, for comparing ranges (nil for anything else).
local function ipv4(address)
  local a, b, c, d = tostring(address):match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if a == nil then return nil end
  return ((tonumber(a) * 256 + tonumber(b)) * 256 + tonumber(c)) * 256 + tonumber(d)
end

local function overlaps(range, start_ip, end_ip)
  local a, b, x, y = ipv4(range.start_ip), ipv4(range.end_ip), ipv4(start_ip), ipv4(end_ip)
  if a == nil or b == nil or x == nil or y == nil then
    return range.start_ip == start_ip and range.end_ip == end_ip
  end
  return a <= y and x <= b
end

--- Each design range as a MAAS range: matched by its ends, else by an overlapping range on
--- the same subnet, which is moved to the design's ends (MAAS refuses overlapping ranges).
--- A range of the wrong type is deleted and made again: MAAS cannot change a range's type.
local function network_ranges(plan, live, network, subnet)
  for _, r in ipairs(network.ranges or {}) do
    local kind = RANGE_TYPES[r.type]
    local start_ip, end_ip = r.start, r["end"]
    local name = ("%s-%s"):format(start_ip, end_ip)
    local have = find(
      live.ranges,
      function(x) return not x.gone and x.start_ip == start_ip and x.end_ip == end_ip end
    ) or find(
      live.ranges,
      function(x) return not x.gone and x.subnet == subnet and overlaps(x, start_ip, end_ip) end
    )
    if have and have.type ~= kind then
      -- The step deletes this range, not whatever `have` names when it runs.
      local stale = have
      stale.gone = true
      change(plan, {
        kind = "ip range",
        name = ("%s-%s"):format(stale.start_ip, stale.end_ip),
        action = "delete",
        destructive = true,
        fields = { { field = "type", from = stale.type, to = tostring(kind) } },
        run = function(maas) maas:delete_ip_range(stale.id) end,
      })
      have = nil
    end
    if have and (have.start_ip ~= start_ip or have.end_ip ~= end_ip) then
      local fields = differences(
        have,
        { start_ip = start_ip, end_ip = end_ip },
        { "start_ip", "end_ip" }
      )
      have.start_ip, have.end_ip = start_ip, end_ip
      change(plan, {
        kind = "ip range",
        name = name,
        action = "update",
        fields = fields,
        run = function(maas)
          maas:update_ip_range(have.id, { start_ip = start_ip, end_ip = end_ip })
        end,
      })
    elseif have == nil and kind then
      local range = { type = kind, start_ip = start_ip, end_ip = end_ip, subnet = subnet }
      live.ranges[#live.ranges + 1] = range
      change(plan, {
        kind = "ip range",
        name = name,
        action = "create",
        run = function(maas)
          local made = maas:create_ip_range({
            type = kind,
            start_ip = start_ip,
            end_ip = end_ip,
            subnet = id_of(subnet, "subnet " .. subnet.cidr),
            comment = ("Configured by drydock: %s range of %s"):format(r.type, network.name),
          })
          range.id = made.id
          return made.id
        end,
      })
    end
  end
end

--- DHCP for a network with a dhcp range: relayed to the VLAN of the rack NIC holding the
--- relay's upstream target, or served by the healthy racks with a NIC on the VLAN (the first
--- primary, the next secondary, as Drydock adds them).
local function network_dhcp(plan, live, network, vlan, label)
  local has_dhcp = find(network.ranges or {}, function(r) return r.type == "dhcp" end)
  if not has_dhcp then return end
  local target = network.dhcp_relay and network.dhcp_relay.upstream_target
  if target then
    for _, rack in ipairs(live.racks) do
      for _, nic in ipairs(rack.healthy and rack.nics or {}) do
        if find(nic.ips, function(ip) return ip == target end) and nic.vlan_id ~= vlan.id then
          -- MAAS sets a relay only on a VLAN that does not serve DHCP itself.
          if vlan.dhcp_on then update_vlan(plan, vlan, { dhcp_on = false }, label) end
          update_vlan(plan, vlan, { relay_vlan = nic.vlan_id }, label)
          return
        end
      end
    end
    problem(
      plan,
      network.name,
      ("Network %s relays DHCP to %s, but no healthy rack controller has that address: give dhcp_relay.upstream_target a rack NIC's address."):format(
        network.name,
        target
      )
    )
    return
  end
  local serving = {}
  for _, rack in ipairs(live.racks) do
    if
      rack.healthy
      and vlan.id ~= nil
      and find(rack.nics, function(nic) return nic.vlan_id == vlan.id end)
    then
      serving[#serving + 1] = rack.system_id
    end
  end
  if #serving == 0 then
    problem(
      plan,
      network.name,
      ("Network %s requires DHCP, but could not locate a rack controller to serve it: no healthy rack has a NIC on VLAN %s (cable one there, or relay DHCP with dhcp_relay)."):format(
        network.name,
        label
      )
    )
    return
  end
  local function serves(id)
    return id ~= nil and find(serving, function(s) return s == id end) ~= nil
  end
  local primary = serves(vlan.primary_rack) and vlan.primary_rack or serving[1]
  local secondary = serves(vlan.secondary_rack)
      and vlan.secondary_rack ~= primary
      and vlan.secondary_rack
    or find(serving, function(s) return s ~= primary end)
  update_vlan(
    plan,
    vlan,
    { dhcp_on = true, primary_rack = primary, secondary_rack = secondary },
    label
  )
end

local function network_domain(plan, live, network)
  local name = network.dns and network.dns.domain
  if name == nil or find(live.domains, function(d) return d.name == name end) then return end
  live.domains[#live.domains + 1] = { name = name }
  change(plan, {
    kind = "domain",
    name = name,
    action = "create",
    run = function(maas) return maas:create_domain({ name = name, authoritative = false }).id end,
  })
end

--- A route between two of the design's subnets. Drydock deleted and re-made an existing
--- route on every run; it is updated in place here, and only when it differs.
local function network_routes(plan, live, network, subnet)
  for _, route in ipairs(network.routes or {}) do
    if route.subnet and route.subnet ~= "0.0.0.0/0" then
      local destination = find(live.subnets, function(s) return s.cidr == route.subnet end)
      if destination == nil then
        problem(
          plan,
          network.name,
          ("Could not locate destination network for static route from %s to %s: MAAS routes only between the subnets it has; define a Network for %s or drop the route."):format(
            network.name,
            route.subnet,
            route.subnet
          )
        )
      else
        local name = ("%s -> %s"):format(network.cidr, route.subnet)
        local want = { gateway_ip = route.gateway, metric = route.metric or DEFAULT_METRIC }
        local have = find(
          live.routes,
          function(r) return r.source == subnet and r.destination == destination end
        )
        if have == nil then
          have = {
            source = subnet,
            destination = destination,
            gateway_ip = want.gateway_ip,
            metric = want.metric,
          }
          live.routes[#live.routes + 1] = have
          change(plan, {
            kind = "static route",
            name = name,
            action = "create",
            run = function(maas)
              local made = maas:create_static_route({
                source = id_of(subnet, "subnet " .. subnet.cidr),
                destination = id_of(destination, "subnet " .. destination.cidr),
                gateway_ip = want.gateway_ip,
                metric = want.metric,
              })
              have.id = made.id
              return made.id
            end,
          })
        else
          local fields = differences(have, want, { "gateway_ip", "metric" })
          if #fields > 0 then
            for k, v in pairs(want) do
              have[k] = v
            end
            change(plan, {
              kind = "static route",
              name = name,
              action = "update",
              fields = fields,
              run = function(maas) maas:update_static_route(have.id, want) end,
            })
          end
        end
      end
    end
  end
end

--- The links PrepareSite configures and their networks, in design order: links and
--- networks labelled `noconfig`, and networks without a CIDR, are left out; `undefined`
--- names the allowed networks the design lacks.
function M.configured_links(design)
  local out = {}
  for _, link in ipairs(design:network_links()) do
    if not is_noconfig(link) then
      local entry = { link = link, networks = {}, undefined = {} }
      for _, name in ipairs(link.allowed_networks or {}) do
        local network = design:network(name)
        if network == nil then
          entry.undefined[#entry.undefined + 1] = name
        elseif network.cidr and not is_noconfig(network) then
          entry.networks[#entry.networks + 1] = network
        end
      end
      out[#out + 1] = entry
    end
  end
  return out
end

local function network_template(plan, design, live)
  local reached = {}
  for _, entry in ipairs(M.configured_links(design)) do
    local link, networks = entry.link, entry.networks
    for _, name in ipairs(entry.undefined) do
      problem(
        plan,
        name,
        ("Network %s allowed on link %s, but not defined: add the Network document or remove it from allowed_networks."):format(
          name,
          link.name
        )
      )
    end
    local fabric = #networks > 0 and link_fabric(plan, live, link, networks)
    if fabric then
      local untagged_network = find(networks, function(n) return n.vlan == nil end)
      local untagged = vlan_in(fabric, 0)
      if untagged then
        update_vlan(
          plan,
          untagged,
          { mtu = untagged_network and untagged_network.mtu or link.mtu },
          link.name .. "/0"
        )
      end
      for _, network in ipairs(networks) do
        local vlan = network_vlan(plan, fabric, network, link)
        network_domain(plan, live, network)
        local subnet = network_subnet(plan, live, network, vlan)
        network_ranges(plan, live, network, subnet)
        network_dhcp(plan, live, network, vlan, ("%s/%d"):format(link.name, vlan.vid))
        reached[#reached + 1] = { network = network, subnet = subnet }
      end
    end
  end
  -- Routes last: their destinations may be subnets made above.
  for _, r in ipairs(reached) do
    network_routes(plan, live, r.network, r.subnet)
  end
end

local function user_credentials(plan, design, live)
  local region = design:region()
  for _, key in ipairs(region and region.authorized_keys or {}) do
    local clean = key:gsub("[\r\n]", "")
    if not find(live.ssh_keys, function(k) return k.key == clean end) then
      live.ssh_keys[#live.ssh_keys + 1] = { key = clean }
      -- Shown shortened; the step is keyed by the whole key.
      change(plan, {
        kind = "ssh key",
        name = clean:sub(1, 16) .. "…" .. clean:sub(-24),
        key = clean,
        action = "create",
        run = function(maas) return maas:create_ssh_key({ key = clean }).id end,
      })
    end
  end
end

--- A design repository as MAAS holds it (Drydock's ConfigureNodeProvisioner rules).
local function repository_fields(name, repo)
  local want = {
    url = repo.url,
    distributions = repo.distributions or {},
    arches = repo.arches or { "amd64" },
    key = repo.gpgkey or "",
  }
  local subrepos = {}
  for _, s in ipairs(repo.subrepos or {}) do
    subrepos[s] = true
  end
  want.disabled_pockets = {}
  for _, pocket in ipairs(APT_POCKETS) do
    if not subrepos[pocket] then want.disabled_pockets[#want.disabled_pockets + 1] = pocket end
  end
  if BUILTIN_REPOSITORIES[name] then
    local listed = {}
    for _, c in ipairs(repo.components or {}) do
      listed[c] = true
    end
    want.disabled_components = {}
    for _, c in ipairs(DISABLEABLE_COMPONENTS) do
      if not listed[c] then want.disabled_components[#want.disabled_components + 1] = c end
    end
  else
    want.components = repo.components or {}
  end
  return want
end

local REPOSITORY_FIELDS = {
  "url",
  "distributions",
  "components",
  "arches",
  "key",
  "disabled_pockets",
  "disabled_components",
}

--- A repository's fields as MAAS takes them: lists comma-separated, empty lists left out
--- (MAAS would store `""` as a list holding one empty name).
local function as_params(want)
  local params = {}
  for _, field in ipairs(REPOSITORY_FIELDS) do
    local v = want[field]
    if type(v) == "table" then
      if #v > 0 then params[field] = table.concat(v, ",") end
    elseif v ~= nil then
      params[field] = v
    end
  end
  return params
end

local function node_provisioner(plan, design, live)
  local region = design:region()
  local repos = region and region.repositories
  if repos == nil then return end
  local listed, names = {}, {}
  for name, repo in pairs(repos) do
    if type(repo) == "table" then names[#names + 1] = name end
  end
  table.sort(names)
  for _, name in ipairs(names) do
    local repo = repos[name]
    listed[name] = true
    local want = repository_fields(name, repo)
    local have = find(live.repositories, function(r) return r.name == name end)
    if have == nil then
      change(plan, {
        kind = "package repository",
        name = name,
        action = "create",
        run = function(maas)
          local params = as_params(want)
          params.name = name
          return maas:create_package_repository(params).id
        end,
      })
    else
      local fields = differences(have, want, REPOSITORY_FIELDS)
      if #fields > 0 then
        change(plan, {
          kind = "package repository",
          name = name,
          action = "update",
          fields = fields,
          run = function(maas) maas:update_package_repository(have.id, as_params(want)) end,
        })
      end
    end
  end
  if repos.remove_unlisted then
    for _, have in ipairs(live.repositories) do
      if not listed[have.name] and not BUILTIN_REPOSITORIES[have.name] then
        change(plan, {
          kind = "package repository",
          name = have.name,
          action = "delete",
          destructive = true,
          run = function(maas) maas:delete_package_repository(have.id) end,
        })
      end
    end
  end
end

--- The region's tag definitions as MAAS tags: MAAS tags every machine whose commissioning
--- data matches the XPath (Drydock carried them in the model but never sent them).
local function region_tags(plan, design, live)
  local region = design:region()
  for _, t in ipairs(region and region.tag_definitions or {}) do
    local want = {
      definition = t.definition,
      comment = "Drydock tag definition (" .. t.definition_type .. ")",
    }
    local have = find(live.tags, function(x) return x.name == t.tag end)
    if have == nil then
      live.tags[#live.tags + 1] =
        { name = t.tag, definition = want.definition, comment = want.comment }
      change(plan, {
        kind = "tag",
        name = t.tag,
        action = "create",
        run = function(maas)
          return maas:create_tag({
            name = t.tag,
            definition = want.definition,
            comment = want.comment,
          }).name
        end,
      })
    else
      local fields = differences(have, { definition = want.definition }, { "definition" })
      if #fields > 0 then
        have.definition = want.definition
        -- A tag made by hand (no definition) becomes MAAS's to assign: its members change.
        local manual = have.definition == nil or have.definition == ""
        change(plan, {
          kind = "tag",
          name = t.tag,
          action = "update",
          fields = fields,
          destructive = manual,
          run = function(maas) maas:update_tag(t.tag, { definition = want.definition }) end,
        })
      end
    end
  end
end

--- The changes that make MAAS match the design, in the order they must be made, and the
--- problems that no change can fix (each naming its network).
---@return { changes: table[], problems: table[] }
function M.diff(design, live)
  local plan = { changes = {}, problems = {} }
  network_template(plan, design, live)
  user_credentials(plan, design, live)
  node_provisioner(plan, design, live)
  region_tags(plan, design, live)
  return plan
end

--- Makes one change in MAAS; returns what its `run` returns (a new object's id). A change
--- whose object depends on one that could not be made fails saying which.
function M.apply(maas, c) return c.run(maas) end

--- A change as data (for JSON output and the journal): no function.
function M.describe(c)
  return {
    kind = c.kind,
    name = c.name,
    action = c.action,
    fields = c.fields,
    destructive = c.destructive or false,
    step = c.step,
  }
end

--- `update subnet 10.40.10.0/24: gateway_ip 10.40.10.99 -> 10.40.10.1` and the like.
function M.line(c)
  local text = ("%s %s %s"):format(c.action, c.kind, c.name)
  local fields = {}
  for _, f in ipairs(c.fields or {}) do
    fields[#fields + 1] = ("%s %s -> %s"):format(f.field, f.from, f.to)
  end
  if #fields > 0 then text = text .. ": " .. table.concat(fields, ", ") end
  if c.destructive then text = text .. " [destructive]" end
  return text
end

return M
