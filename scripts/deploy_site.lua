--- DeploySite: the whole site in one command, as Shipyard's deploy_site drives Drydock:
---
---   verify_site    MAAS reachable, authenticated, its images synced, a healthy rack
---   prepare_site   the network template, SSH keys, repositories, tags
---   verify_nodes   each node's BMC, hardware and MAAS status
---   groups         the deployment strategy's groups (`--strategy FILE`, Shipyard's
---                  shipyard/DeploymentStrategy/v1; default: one group of every node), one at
---                  a time in dependency order: PrepareNodes then DeployNodes on each group's
---                  nodes, then its success criteria
---
--- Each part is the action `drydock run` would run under that name (a site's own first), on
--- this task's journal, so a resumed deploy_site picks up inside whichever part it stopped.
--- The site parts failing stops the run; a node failing verification is not prepared; a
--- group whose dependency failed is not attempted; a critical group failing fails the run.
---
--- ctx.nodes                   the selected nodes (groups only work on these)
--- ctx.options.strategy        the strategy file (absolute path), or nil
--- ctx.options.concurrency     nodes worked on at once, passed on (default 64)
--- ctx.options.per_rack        at most this many of one rack at once, passed on
--- ctx.options.poll_interval   seconds between MAAS status checks, passed on (default 10)
--- ctx.options.report_url      where signaling boot actions report, passed on to deploy_nodes
--- ctx.result                  { summary, lines, groups, parts }
local phases = require("phases")
local strategy = require("strategy")

--- Runs action `name` on `nodes` (nil: a site action) within this task; its result.
local function part(ctx, name, nodes)
  local options = {
    concurrency = ctx.options.concurrency,
    per_rack = ctx.options.per_rack,
    poll_interval = ctx.options.poll_interval,
    report_url = ctx.options.report_url,
  }
  local result = drydock.action(name):run({
    action = name,
    design = ctx.design,
    nodes = nodes,
    selection = ctx.selection,
    options = options,
  }) or {}
  ctx.parts[#ctx.parts + 1] = { action = name, summary = result.summary }
  return result
end

--- The nodes of `result.nodes` that succeeded, by name: none of their checks (VerifyNodes)
--- is an error.
local function succeeded(result)
  local ok = {}
  for name, r in pairs(result.nodes or {}) do
    local clean = r.ok
    for _, c in ipairs(r.checks or {}) do
      if c.level == "error" then clean = false end
    end
    if clean then ok[name] = true end
  end
  return ok
end

local function node_tables(ctx, names)
  local out = {}
  for _, name in ipairs(names) do
    out[#out + 1] = ctx.design:node(name)
  end
  return out
end

return phases.action("deploy_site", {
  {
    name = "verify_site",
    run = function(ctx)
      ctx.parts = {}
      local result = part(ctx, "verify_site")
      local failed = {}
      for _, c in ipairs(result.checks or {}) do
        if not c.ok then failed[#failed + 1] = c.check .. ": " .. c.message end
      end
      if #failed > 0 then
        error("verify_site failed, so nothing was changed: " .. table.concat(failed, "; "), 0)
      end
    end,
  },
  {
    name = "prepare_site",
    run = function(ctx)
      local result = part(ctx, "prepare_site")
      local problems = result.problems or {}
      if #problems > 0 then error("prepare_site failed: " .. table.concat(problems, "; "), 0) end
    end,
  },
  {
    name = "verify_nodes",
    run = function(ctx)
      local result = part(ctx, "verify_nodes", ctx.nodes)
      ctx.verified = succeeded(result)
    end,
  },
  {
    name = "groups",
    run = function(ctx)
      local selected = {}
      for _, node in ipairs(ctx.nodes) do
        selected[node.name] = true
      end
      local plan = ctx.design:strategy(ctx.options.strategy)
      for _, group in ipairs(plan.groups) do
        local mine = {}
        for _, name in ipairs(group.nodes) do
          if selected[name] then mine[#mine + 1] = name end
        end
        group.nodes = mine
      end
      ctx.run = strategy.run(plan, function(_, names)
        local results = {}
        local verified = {}
        for _, name in ipairs(names) do
          results[name] = false
          if ctx.verified[name] then verified[#verified + 1] = name end
        end
        if #verified == 0 then return results end
        local prepared = succeeded(part(ctx, "prepare_nodes", node_tables(ctx, verified)))
        local ready = {}
        for _, name in ipairs(verified) do
          if prepared[name] then ready[#ready + 1] = name end
        end
        if #ready == 0 then return results end
        for name in pairs(succeeded(part(ctx, "deploy_nodes", node_tables(ctx, ready)))) do
          results[name] = true
        end
        return results
      end)
    end,
  },
  {
    name = "report",
    run = function(ctx)
      local lines = {}
      for _, p in ipairs(ctx.parts) do
        local said = p.summary or "done"
        -- Some parts name themselves in their summary already.
        lines[#lines + 1] = said:find(p.action, 1, true) == 1 and said or (p.action .. ": " .. said)
      end
      for _, g in ipairs(ctx.run.groups) do
        lines[#lines + 1] = ("group %s%s: %s%s"):format(
          g.name,
          g.critical and " (critical)" or "",
          g.status,
          g.reason and (": " .. g.reason) or ""
        )
        if g.status ~= "succeeded" then
          -- Each group that did not succeed is a failed step, so the task says so.
          pcall(
            drydock.task.step,
            "group " .. g.name,
            function() error(g.reason or g.status, 0) end
          )
        end
      end
      ctx.result = {
        summary = ctx.run.ok and ("deploy_site: %s"):format(ctx.run.summary)
          or ("deploy_site failed: %s"):format(ctx.run.summary),
        lines = lines,
        groups = ctx.run.groups,
        parts = ctx.parts,
      }
    end,
  },
}, {
  scope = "nodes",
  changes = true,
  options = { "concurrency", "per_rack", "poll_interval", "report_url", "strategy" },
})
