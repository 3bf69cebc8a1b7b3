--- PrepareNodes: take each selected node to Ready in MAAS, as Drydock's PrepareNodes does.
--- A node MAAS does not know yet is set to boot from the network and power-cycled through
--- its BMC, then waited for until it enlists (found by its PXE MAC or BMC address, never by
--- hostname); a node MAAS knows skips the BMC. Then MAAS gets the node's hostname, domain,
--- power settings and tags, commissions it unless it was, and drydock waits for Ready and
--- keeps what commissioning found (lshw, lldp) in the journal.
---
--- Every side effect is one journaled node step that checks the live state before it acts:
--- the power cycle is two steps, off then on, so a resumed task never turns a node off again
--- once it was off, and so never cycles it twice; MAAS's status is read before commissioning.
--- A node's failure never stops another; the task ends Success, PartialSuccess or Failure.
--- `drydock plan prepare_nodes` says what would be done to which node, changing nothing.
---
--- ctx.nodes                  the selected nodes
--- ctx.options.concurrency    nodes worked on at once (default 64)
--- ctx.options.per_rack       at most this many of one rack at once (default: no cap)
--- ctx.options.poll_interval  seconds between MAAS status checks (default 10)
--- ctx.result                 { summary, lines, nodes = { [name] = {...} } } (plan: changes)
local phases = require("phases")
local poll = require("poll")
local nodes = require("nodes")

-- Drydock's waits (minutes): identify_node 10, configure_hardware 30.
local ENLIST_TIMEOUT = 600
local COMMISSION_TIMEOUT = 1800

-- What to do with a machine, by its MAAS status (Drydock's ConfigureHardware).
local COMMISSION_FROM = {
  ["New"] = true,
  ["Broken"] = true,
  ["Failed commissioning"] = true,
  ["Failed testing"] = true,
}
local BEING_COMMISSIONED = { ["Commissioning"] = true, ["Testing"] = true }
local COMMISSIONED =
  { ["Ready"] = true, ["Deploying"] = true, ["Allocated"] = true, ["Deployed"] = true }

--- The machine `node` is, waiting for it to enlist: by its PXE MAC, the nodes waiting
--- sharing one read per poll (`ctx.watch`); by its BMC address otherwise.
local function wait_enlisted(ctx, node)
  local mac = nodes.boot_mac(node)
  return poll.wait({
    every = ctx.poll_interval,
    timeout = ENLIST_TIMEOUT,
    paced = mac ~= nil,
    what = node.name .. " to enlist in MAAS (by its PXE MAC or BMC address)",
    ["until"] = function()
      if mac then return (ctx.watch:next({ mac_address = mac })) end
      return nodes.find_machine(ctx.maas, node)
    end,
  })
end

--- Commissions the machine unless MAAS says it was or is being commissioned.
local function commission(ctx, node, system_id)
  local status = ctx.maas:machine(system_id).status_name
  if COMMISSION_FROM[status] then
    ctx.maas:commission(system_id)
    return ("Commissioning %s (was %s)."):format(node.name, status)
  elseif BEING_COMMISSIONED[status] then
    return ("Located node %s in MaaS, node already being commissioned. Skipping..."):format(
      node.name
    )
  elseif COMMISSIONED[status] then
    return ("Located node %s in MaaS, node commissioned. Skipping..."):format(node.name)
  end
  error(("Located node %s in MaaS, unknown status %s. Skipping."):format(node.name, status), 0)
end

local function wait_ready(ctx, node, system_id)
  return poll.wait({
    every = ctx.poll_interval,
    timeout = COMMISSION_TIMEOUT,
    paced = true,
    what = node.name .. " to finish commissioning",
    ["until"] = function()
      local m = nodes.watched(ctx.watch, node, system_id)
      if not m then return nil end
      if m.status_name == "Ready" or COMMISSIONED[m.status_name] then return m end
      if m.status_name:match("^Failed") then
        error(("Node %s failed commissioning (%s)."):format(node.name, m.status_name), 0)
      end
    end,
  })
end

--- The node's hostname, domain and power settings, as MAAS should have them.
local function identity(ctx, node)
  local bmc = drydock.oob.driver(node)
  local fields = bmc:maas_power()
  bmc:close()
  fields.hostname = node.name
  fields.domain = nodes.domain(ctx.design, node)
  return fields
end

--- One node, start to Ready; each side effect a journaled step.
local function prepare(ctx, node)
  local function step(name, fn) return drydock.task.node_step(node, name, fn) end
  local found = step("find", function()
    local m = nodes.find_machine(ctx.maas, node, ctx.power)
    return { system_id = m and m.system_id }
  end)
  if not found.system_id then
    local bmc = drydock.oob.driver(node)
    step("set_pxe_boot", function() bmc:set_boot("pxe") end)
    -- A power cycle, as two steps: run again after a crash, each finds the machine where
    -- its first attempt left it and sends nothing (one step would turn it off again).
    step("power_off", function() return bmc:power_off() end)
    step("power_on", function() return bmc:power_on() end)
    -- Done with the BMC: its session and connection go now, not when the whole run ends.
    bmc:close()
  end
  local machine = step("enlisted", function()
    local m = wait_enlisted(ctx, node)
    return { system_id = m.system_id, hostname = m.hostname }
  end)
  local id = machine.system_id
  step("identity", function()
    local fields = identity(ctx, node)
    ctx.maas:update_machine(id, fields)
    return { hostname = fields.hostname, domain = fields.domain, power_type = fields.power_type }
  end)
  for _, tag in ipairs(nodes.tags(node)) do
    step("tag " .. tag, function() ctx.maas:update_tag_nodes(tag, { add = { id } }) end)
  end
  local commissioned = step("commission", function() return commission(ctx, node, id) end)
  step("ready", function() return wait_ready(ctx, node, id).status_name end)
  step("commissioning_output", function()
    local details = ctx.maas:details(id)
    return { lshw = details.lshw, lldp = details.lldp }
  end)
  return { system_id = id, message = commissioned }
end

--- What `prepare` would do to `node`, said without doing it.
local function plan(ctx, node)
  local m = nodes.find_machine(ctx.maas, node, ctx.power)
  if not m then
    local bmc = drydock.oob.driver(node)
    bmc:close()
    return ("%s: unknown to MAAS: would set %s BMC %s to boot from the network, power-cycle it, wait for it to enlist, set its identity and commission it"):format(
      node.name,
      bmc.protocol,
      bmc.bmc
    )
  end
  if COMMISSIONED[m.status_name] and m.hostname == node.name then return nil end
  local todo = COMMISSION_FROM[m.status_name] and "set its identity and commission it"
    or "set its identity"
  return ("%s: known to MAAS as %s (%s): would %s"):format(
    node.name,
    m.system_id,
    m.status_name,
    todo
  )
end

return phases.action("prepare_nodes", {
  {
    name = "connect",
    run = function(ctx)
      nodes.connect(ctx)
      -- Read once for all nodes: matching by BMC address needs every machine's.
      ctx.power = ctx.maas:power_parameters_all()
    end,
  },
  {
    -- What the nodes' identity refers to must exist first: their DNS domains (PrepareSite
    -- makes them too, but PrepareNodes may run alone) and their tags. One step each, made
    -- once for all nodes, so no two nodes race to create the same one.
    name = "domains_and_tags",
    run = function(ctx)
      if ctx.options.plan then return end
      local have = { domain = {}, tag = {} }
      for _, d in ipairs(ctx.maas:domains()) do
        have.domain[d.name] = true
      end
      for _, t in ipairs(ctx.maas:tags()) do
        have.tag[t.name] = true
      end
      local function ensure(kind, name, create)
        if name and not have[kind][name] then
          have[kind][name] = true
          drydock.task.step(kind .. " " .. name, create)
        end
      end
      for _, node in ipairs(ctx.nodes) do
        local domain = nodes.domain(ctx.design, node)
        ensure("domain", domain, function() ctx.maas:create_domain({ name = domain }) end)
        for _, tag in ipairs(nodes.tags(node)) do
          ensure("tag", tag, function() ctx.maas:create_tag({ name = tag }) end)
        end
      end
    end,
  },
  {
    name = "prepare",
    run = function(ctx)
      local work = ctx.options.plan and plan or prepare
      ctx.outcomes = nodes.parallel(
        ctx,
        "prepare",
        ctx.nodes,
        function(node) return work(ctx, node) end,
        "ready"
      )
    end,
  },
  {
    name = "report",
    run = function(ctx)
      ctx.result = nodes.report(ctx, ctx.outcomes, {
        done = function(name, value)
          return ("%s: Ready (machine %s)"):format(name, value.system_id),
            { ok = true, system_id = value.system_id }
        end,
        nothing = "prepare_nodes would change nothing",
        would = "prepare_nodes would prepare %d node(s)",
        made = "%d of %d node(s) Ready",
      })
    end,
  },
}, {
  scope = "nodes",
  plan = true,
  changes = true,
  options = { "concurrency", "per_rack", "poll_interval" },
})
