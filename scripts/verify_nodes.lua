--- VerifyNodes: can drydock drive each selected node? Per node, one line per check: its BMC
--- reachable and accepting the design's account ("… interrogation yielded powerstate on",
--- as Drydock words it), the BMC's inventory against the node's hardware profile (logical
--- CPUs, memory, drives; a shortfall is an error on that node, naming both values), its
--- firmware and health, and its MAAS status. A node whose checks fail fails alone.
---
--- ctx.nodes                 the selected nodes
--- ctx.options.concurrency   nodes checked at once (default 64)
--- ctx.options.per_rack      at most this many of one rack at once (default: no cap)
--- ctx.result                { summary, lines, nodes = { [name] = { checks = {...} } } }
local phases = require("phases")
local retry = require("retry")
local nodes = require("nodes")

local PROTOCOL = { redfish = "Redfish", ipmi = "IPMI", libvirt = "libvirt", manual = "Manual" }

--- The checks of the BMC's inventory against what the hardware profile needs.
local function compare(needs, inventory)
  local checks = {}
  local function check(name, level, message)
    checks[#checks + 1] = { check = name, level = level, message = message }
  end
  local cpus = inventory.cpu_threads or inventory.cpu_count
  if needs.cpus and cpus then
    if cpus < needs.cpus then
      check(
        "cpus",
        "error",
        ("the hardware profile's cpu_sets need %d logical CPUs; the BMC reports %d"):format(
          needs.cpus,
          cpus
        )
      )
    else
      check("cpus", "ok", ("%d logical CPUs (the profile needs %d)"):format(cpus, needs.cpus))
    end
  elseif needs.cpus then
    check(
      "cpus",
      "warning",
      ("the BMC does not report CPUs; the profile needs %d"):format(needs.cpus)
    )
  end
  if needs.memory_gib and inventory.memory_gib then
    if inventory.memory_gib < needs.memory_gib then
      check(
        "memory",
        "error",
        ("the hardware profile's hugepages need %g GiB; the BMC reports %g GiB"):format(
          needs.memory_gib,
          inventory.memory_gib
        )
      )
    else
      check(
        "memory",
        "ok",
        ("%g GiB (the profile's hugepages need %g GiB)"):format(
          inventory.memory_gib,
          needs.memory_gib
        )
      )
    end
  elseif needs.memory_gib then
    check(
      "memory",
      "warning",
      ("the BMC does not report memory; the profile needs %g GiB"):format(needs.memory_gib)
    )
  end
  local drives = inventory.drives and #inventory.drives or 0
  if needs.drives and drives > 0 then
    if drives < needs.drives then
      check(
        "drives",
        "error",
        ("the hardware profile names %d disks; the BMC reports %d"):format(needs.drives, drives)
      )
    else
      check("drives", "ok", ("%d drives (the profile names %d)"):format(drives, needs.drives))
    end
  end
  local firmware = {}
  if inventory.bios_version then firmware[#firmware + 1] = "BIOS " .. inventory.bios_version end
  if inventory.bmc_firmware then firmware[#firmware + 1] = "BMC " .. inventory.bmc_firmware end
  if #firmware > 0 then check("firmware", "ok", table.concat(firmware, ", ")) end
  if inventory.health then
    check("health", inventory.health == "OK" and "ok" or "warning", "health " .. inventory.health)
  end
  return checks
end

--- Every check of one node, journaled as one step; raises when one is an error.
local function verify(ctx, node)
  return drydock.task.node_step(node, "verify", function()
    local bmc = drydock.oob.driver(node)
    local checks = {}
    local state = bmc:power_state()
    checks[1] = {
      check = "bmc",
      level = "ok",
      message = ("%s interface interrogation yielded powerstate %s"):format(
        PROTOCOL[bmc.protocol] or bmc.protocol,
        state
      ),
    }
    for _, c in ipairs(compare(nodes.hardware_needs(ctx.design, node), bmc:inventory())) do
      checks[#checks + 1] = c
    end
    -- Done with the BMC: its session and connection go now, not when the whole run ends.
    bmc:close()
    local machine = nodes.find_machine(ctx.maas, node, ctx.power)
    checks[#checks + 1] = {
      check = "maas",
      level = "ok",
      message = machine
          and ("MAAS knows it as %s (%s)"):format(machine.system_id, machine.status_name)
        or "MAAS does not know it yet (PrepareNodes enlists it)",
    }
    local errors = {}
    for _, c in ipairs(checks) do
      if c.level == "error" then errors[#errors + 1] = c.check .. ": " .. c.message end
    end
    if #errors > 0 then error(table.concat(errors, "; "), 0) end
    return checks
  end)
end

return phases.action("verify_nodes", {
  {
    name = "connect",
    run = function(ctx)
      -- MAAS failing a call (a 5xx) changed nothing: it is sent again.
      ctx.maas = retry.client(drydock.maas.connect())
      ctx.power = ctx.maas:power_parameters_all()
    end,
  },
  {
    name = "verify",
    run = function(ctx)
      ctx.outcomes = nodes.parallel(
        ctx,
        "verify",
        ctx.nodes,
        function(node) return verify(ctx, node) end,
        "verified"
      )
    end,
  },
  {
    name = "report",
    run = function(ctx)
      local lines, results, failed = {}, {}, 0
      for i, outcome in ipairs(ctx.outcomes) do
        local name = ctx.nodes[i].name
        if outcome.ok then
          results[name] = { ok = true, checks = outcome.value }
          for _, c in ipairs(outcome.value) do
            lines[#lines + 1] = ("%s: %-8s %s%s"):format(
              name,
              c.check,
              c.level == "ok" and "" or (c.level .. ": "),
              c.message
            )
          end
        else
          failed = failed + 1
          results[name] = { ok = false, error = outcome.error.message }
          lines[#lines + 1] = ("%s: failed: %s"):format(name, outcome.error.message)
        end
      end
      ctx.result = {
        summary = ("%d of %d node(s) verified"):format(#ctx.nodes - failed, #ctx.nodes),
        lines = lines,
        nodes = results,
      }
    end,
  },
}, { scope = "nodes", plan = true, options = { "concurrency", "per_rack" } })
