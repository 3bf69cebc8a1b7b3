--- DestroyNodes: take each selected node back from its deployment, as Drydock's DestroyNodes
--- does, to Ready and powered off: MAAS releases it (erasing its disks when the region is set
--- to: quick or secure erase as it says), drydock waits for Ready, then powers it off through
--- its BMC. A node MAAS does not know is left as it is; one already Ready is only powered
--- off (if it is on). The
--- machine stays in MAAS with what commissioning found, so a later DeployNodes starts from
--- it clean (a deploy is a new task: nothing of this one's steps carries over).
---
--- ctx.nodes                   the selected nodes
--- ctx.options.concurrency     nodes worked on at once (default 64)
--- ctx.options.per_rack        at most this many of one rack at once (default: no cap)
--- ctx.options.poll_interval   seconds between MAAS status checks (default 10)
--- ctx.result                  { summary, lines, nodes = { [name] = {...} } } (plan: changes)
local phases = require("phases")
local nodes = require("nodes")
local poll = require("poll")

-- Drydock's destroy_node timeout: 30 minutes.
local RELEASE_TIMEOUT = 1800

-- Statuses Drydock releases from.
local RELEASABLE = {
  ["Allocated"] = true,
  ["Deployed"] = true,
  ["Deploying"] = true,
  ["Failed deployment"] = true,
  ["Releasing failed"] = true,
  ["Failed disk erasing"] = true,
}
local RELEASING = { ["Releasing"] = true, ["Disk erasing"] = true }

--- How the region wants disks erased on release: `{ erase, quick_erase, secure_erase }`.
local function erase_settings(maas)
  local function on(name) return maas:get_config({ name = name }) == true end
  return {
    erase = on("enable_disk_erasing_on_release"),
    quick_erase = on("disk_erase_with_quick_erase"),
    secure_erase = on("disk_erase_with_secure_erase"),
  }
end

local function destroy(ctx, node, m)
  local id = m.system_id
  local function step(name, fn) return drydock.task.node_step(node, name, fn) end
  if RELEASABLE[m.status_name] or RELEASING[m.status_name] then
    step("release", function()
      local now = ctx.maas:machine(id).status_name
      if not RELEASABLE[now] then return end
      local e = ctx.erase
      ctx.maas:release(id, {
        comment = "drydock destroy_nodes",
        erase = e.erase or nil,
        quick_erase = e.erase and e.quick_erase or nil,
        secure_erase = e.erase and e.secure_erase or nil,
      })
    end)
    step("released", function()
      local ready = poll.wait({
        every = ctx.poll_interval,
        timeout = RELEASE_TIMEOUT,
        paced = true,
        what = node.name .. " to be released",
        ["until"] = function()
          local now = nodes.watched(ctx.watch, node, id)
          if not now then return nil end
          if now.status_name == "Ready" then return now end
          if now.status_name:match("^Failed") or now.status_name == "Releasing failed" then
            error(("Node %s release failed: %s."):format(node.name, now.status_name), 0)
          end
        end,
      })
      return { status = ready.status_name }
    end)
  elseif m.status_name ~= "Ready" then
    error(
      ("Destroy node %s in status %s: only deployed or allocated machines are released."):format(
        node.name,
        m.status_name
      ),
      0
    )
  end
  local bmc = drydock.oob.driver(node)
  step("power_off", function() return bmc:power_off() end)
  bmc:close()
  return ("Node %s released and powered off."):format(node.name)
end

local function plan(node, m)
  if RELEASABLE[m.status_name] or RELEASING[m.status_name] then
    return ("%s: %s: would release it (erasing as the region says) and power it off"):format(
      node.name,
      m.status_name
    )
  end
  return nil
end

return phases.action("destroy_nodes", {
  {
    name = "connect",
    run = function(ctx)
      nodes.connect(ctx)
      ctx.erase = erase_settings(ctx.maas)
      ctx.machines = nodes.machines_named(ctx.maas, ctx.nodes)
    end,
  },
  {
    name = "destroy",
    run = function(ctx)
      ctx.outcomes = nodes.parallel(ctx, "destroy", ctx.nodes, function(node)
        local m = ctx.machines[node.name]
        if not m then return ("Could not locate machine for node %s"):format(node.name) end
        if ctx.options.plan then return plan(node, m) end
        return destroy(ctx, node, m)
      end, "released")
    end,
  },
  {
    name = "report",
    run = function(ctx)
      ctx.result = nodes.report(ctx, ctx.outcomes, {
        done = function(_, message) return message, { ok = true, message = message } end,
        nothing = "destroy_nodes would change nothing",
        would = "destroy_nodes would release %d node(s)",
        made = "%d of %d node(s) released",
      })
    end,
  },
}, {
  scope = "nodes",
  plan = true,
  changes = true,
  options = { "concurrency", "per_rack", "poll_interval" },
})
