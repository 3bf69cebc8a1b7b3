--- What the node actions share: reading a node's facts from its design table, and finding
--- the MAAS machine that is a node — by its PXE MAC or its BMC address, never by hostname
--- (MAAS names a machine it enlists itself).
local M = {}

--- The node's PXE MAC (its `metadata.boot_mac`), lowercase, or nil.
---@param node drydock.Node
---@return string?
function M.boot_mac(node)
  local mac = node.metadata and node.metadata.boot_mac
  return mac and mac:lower() or nil
end

--- The node's address on its OOB network: its BMC as the design names it.
---@param node drydock.Node
---@return string?
function M.bmc_address(node)
  local network = node.oob and node.oob.network
  for _, a in ipairs(node.addressing or {}) do
    if a.network == network and a.address ~= "dhcp" then return a.address end
  end
  return nil
end

--- The DNS domain the node's hostname lives in: its primary network's.
---@param design drydock.Design
---@param node drydock.Node
---@return string?
function M.domain(design, node)
  local network = node.primary_network and design:network(node.primary_network)
  return network and network.dns and network.dns.domain or nil
end

--- The tags the node carries in MAAS (its `metadata.tags`).
---@param node drydock.Node
---@return string[]
function M.tags(node) return node.metadata and node.metadata.tags or {} end

--- The machine MAAS knows as `node`, by PXE MAC first, then by BMC address among
--- `power` (`maas:power_parameters_all()`, read once for all nodes); nil when none.
---@param maas drydock.maas.Client
---@param node drydock.Node
---@param power? table<string, table> power parameters by system id
---@return drydock.maas.Machine?
function M.find_machine(maas, node, power)
  local mac = M.boot_mac(node)
  if mac then
    local found = maas:machines({ mac_address = { mac } })
    if found[1] then return found[1] end
  end
  local bmc = M.bmc_address(node)
  if bmc and power then
    for system_id, params in pairs(power) do
      if params.power_address == bmc then return maas:machine(system_id) end
    end
  end
  return nil
end

--- Logical CPUs, memory (GiB) and disks the node's hardware profile needs: enough CPUs for
--- every CPU its `cpu_sets` name, memory for its hugepages, a drive per SCSI device alias.
---@param design drydock.Design
---@param node drydock.Node
---@return {cpus: integer?, memory_gib: number?, drives: integer?}
function M.hardware_needs(design, node)
  local profile = node.hardware_profile and design:hardware_profile(node.hardware_profile)
  if not profile then return {} end
  local highest
  for _, set in pairs(profile.cpu_sets or {}) do
    for part in tostring(set):gmatch("[^,]+") do
      local last = tonumber(part:match("(%d+)%s*$"))
      if last and (not highest or last > highest) then highest = last end
    end
  end
  local gib = 0
  local units = { G = 1, M = 1 / 1024, K = 1 / (1024 * 1024) }
  for _, pages in pairs(profile.hugepages or {}) do
    local n, unit = tostring(pages.size or ""):match("^(%d+)([GMK])")
    if n then gib = gib + tonumber(n) * units[unit] * (tonumber(pages.count) or 0) end
  end
  local drives = 0
  for _, alias in pairs(profile.device_aliases or {}) do
    if alias.bus_type == "scsi" then drives = drives + 1 end
  end
  return {
    cpus = highest and highest + 1 or nil,
    memory_gib = gib > 0 and gib or nil,
    drives = drives > 0 and drives or nil,
  }
end

---@class drydock.NodeReportWords
---@field done fun(name: string, value: any): string, table the line and result of a node that succeeded
---@field nothing string the summary of a plan with nothing to do
---@field would string the summary of a plan, with `%d` for the nodes it would change
---@field made string the summary of a run, with `%d of %d` for the nodes that succeeded

--- `ctx.result` of an action that worked on each of `ctx.nodes` through `task.parallel`:
--- a line per node (a plan: per node it would change, each also a change), failures with
--- their error, and the summary `words` give.
---@param ctx table
---@param outcomes table[] the parallel outcomes, in `ctx.nodes` order
---@param words drydock.NodeReportWords
---@return { summary: string, lines: string[], nodes: table, changes: string[] }
function M.report(ctx, outcomes, words)
  local lines, results, changes, failed = {}, {}, {}, 0
  for i, outcome in ipairs(outcomes) do
    local name = ctx.nodes[i].name
    if not outcome.ok then
      failed = failed + 1
      lines[#lines + 1] = ("%s: failed: %s"):format(name, outcome.error.message)
      results[name] = { ok = false, error = outcome.error.message }
    elseif ctx.options.plan then
      if outcome.value then
        changes[#changes + 1] = outcome.value
        lines[#lines + 1] = outcome.value
      end
    else
      local line, result = words.done(name, outcome.value)
      lines[#lines + 1] = line
      results[name] = result
    end
  end
  local summary
  if ctx.options.plan then
    summary = #changes == 0 and words.nothing or words.would:format(#changes)
  else
    summary = words.made:format(#ctx.nodes - failed, #ctx.nodes)
  end
  return { summary = summary, lines = lines, nodes = results, changes = changes }
end

--- The machines of `list`'s nodes, by node name, read 100 names a request (a site's whole
--- machine list at once is tens of megabytes), each kept as `keep(machine)` (default: whole).
---@param maas drydock.maas.Client
---@param list drydock.Node[]
---@param keep? fun(m: drydock.maas.Machine): table
---@return table<string, table>
function M.machines_named(maas, list, keep)
  local by_name, names = {}, {}
  local function read()
    if #names == 0 then return end
    for _, m in ipairs(maas:machines({ hostname = names })) do
      by_name[m.hostname] = keep and keep(m) or m
    end
    names = {}
  end
  for _, node in ipairs(list) do
    names[#names + 1] = node.name
    if #names == 100 then read() end
  end
  read()
  return by_name
end

--- `node`'s machine at `watch`'s next reading (`maas:watch(every)`: the nodes waiting share
--- one read per poll); nil when that reading failed (MAAS busy: wait on). Raises when MAAS
--- no longer has the machine.
---@param watch drydock.MaasWatch
---@param node drydock.Node
---@param system_id string
---@return drydock.maas.Glimpse?
function M.watched(watch, node, system_id)
  local m, trouble = watch:next({ system_id = system_id })
  if m or trouble then return m end
  error(("Node %s: machine %s is gone from MAAS."):format(node.name, system_id), 0)
end

--- What a node action that waits on MAAS starts with: `ctx.maas`, a client whose calls MAAS
--- failed (a 5xx, which changed nothing) are sent again; `ctx.poll_interval`
--- (`ctx.options.poll_interval`, default Drydock's 10 s); `ctx.watch`, the machines waited on
--- read together once per interval.
---@param ctx table the action's ctx
function M.connect(ctx)
  ctx.maas = require("retry").client(drydock.maas.connect())
  ctx.poll_interval = ctx.options.poll_interval or 10
  ctx.watch = ctx.maas:watch(ctx.poll_interval)
end

--- The caps a node action's `drydock.task.parallel` runs under: `ctx.options.concurrency`
--- nodes at once (default 64), and with `ctx.options.per_rack` at most that many of one rack
--- (a node without a rack is capped only overall).
---@param ctx table the action's ctx
---@return table opts for `drydock.task.parallel`
function M.caps(ctx)
  local opts = { limit = ctx.options.concurrency or 64 }
  if ctx.options.per_rack then
    opts.groups = {
      {
        key = function(node) return node.metadata and node.metadata.rack end,
        limit = ctx.options.per_rack,
      },
    }
  end
  return opts
end

--- Runs `work(node)` for each node of `list` under `M.caps(ctx)`, and on a terminal shows
--- each node in `phase` while it runs (then in `finished`, if given) and the phase's bar; a
--- node whose work raises is shown failed. Returns `drydock.task.parallel`'s outcomes.
---@param ctx table the action's ctx
---@param phase string
---@param list drydock.Node[]
---@param work fun(node: drydock.Node): any
---@param finished? string the state a node whose work succeeded is in
---@return drydock.ParallelResult[]
function M.parallel(ctx, phase, list, work, finished)
  drydock.progress.enter(phase, #list)
  return drydock.task.parallel(list, function(node)
    drydock.progress.node(node.name, phase)
    local ok, result = pcall(work, node)
    drydock.progress.through(phase)
    if not ok then
      drydock.progress.node(node.name, "failed")
      drydock.task.fail(result)
    end
    if finished then drydock.progress.node(node.name, finished) end
    return result
  end, M.caps(ctx))
end

return M
