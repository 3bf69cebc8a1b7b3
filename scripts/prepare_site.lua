--- PrepareSite: make MAAS's region-wide configuration match the design — the network
--- template (fabrics, VLANs, subnets, IP ranges, DHCP, static routes, domains), the
--- region's SSH keys, its package repositories and its tag definitions.
---
--- Each change is one journaled step, made only when MAAS differs from the design (MAAS is
--- read first), so a second run changes nothing and a resumed run never makes an object
--- twice. `drydock plan prepare_site` runs the same phases with ctx.options.plan set: it
--- reads and compares, and changes nothing.
---
--- ctx.design          the effective design
--- ctx.options.plan    compare only
--- ctx.result          { summary, lines, changes, problems }
local phases = require("phases")
local maas_site = require("maas_site")
local retry = require("retry")

--- A write MAAS answered with a 5xx is tried again inside the step: MAAS makes each request
--- in one transaction, so such a write left nothing behind. (A write that got no answer may
--- have been made; the client's own policy decides those, and a resumed run re-reads MAAS.)
local function make(ctx, change)
  return drydock.task.step(change.step, function()
    return retry.call(
      { times = 5, when = retry.answered_with_server_error },
      function() return maas_site.apply(ctx.maas, change) end
    )
  end)
end

return phases.action("prepare_site", {
  {
    name = "connect",
    run = function(ctx) ctx.maas = drydock.maas.connect() end,
  },
  {
    name = "compare",
    run = function(ctx) ctx.plan = maas_site.diff(ctx.design, maas_site.read(ctx.maas)) end,
  },
  {
    name = "change",
    run = function(ctx)
      ctx.done, ctx.failed = {}, {}
      if ctx.options.plan then return end
      drydock.progress.expect(#ctx.plan.changes)
      for _, change in ipairs(ctx.plan.changes) do
        local ok, err = pcall(make, ctx, change)
        if ok then
          ctx.done[#ctx.done + 1] = change
          drydock.log.info(maas_site.line(change))
        else
          ctx.failed[#ctx.failed + 1] = { change = change, error = drydock.error.info(err).message }
          drydock.log.error(
            maas_site.line(change) .. " failed: " .. drydock.error.info(err).message
          )
        end
      end
    end,
  },
  {
    name = "verify",
    run = function(ctx)
      if ctx.options.plan then return end
      -- A problem no change could fix fails the task, as Drydock fails that network.
      for _, p in ipairs(ctx.plan.problems) do
        pcall(drydock.task.step, "problem: " .. p.message, function() error(p.message, 0) end)
      end
      local cidrs = {}
      for _, subnet in ipairs(retry.call({}, function() return ctx.maas:subnets() end)) do
        cidrs[subnet.cidr] = true
      end
      ctx.missing = {}
      for _, entry in ipairs(maas_site.configured_links(ctx.design)) do
        for _, network in ipairs(entry.networks) do
          if not cidrs[network.cidr] then
            local message = ("Network %s defined, but not found in MaaS after network config task."):format(
              network.name
            )
            ctx.missing[#ctx.missing + 1] = message
            pcall(
              drydock.task.step,
              "verify network " .. network.name,
              function() error(message, 0) end
            )
          end
        end
      end
    end,
  },
  {
    name = "result",
    run = function(ctx)
      local lines, changes, problems = {}, {}, {}
      local listed = ctx.options.plan and ctx.plan.changes or ctx.done
      for _, change in ipairs(listed) do
        changes[#changes + 1] = maas_site.describe(change)
        lines[#lines + 1] = "  " .. maas_site.line(change)
      end
      for _, f in ipairs(ctx.failed) do
        lines[#lines + 1] = "  FAILED " .. maas_site.line(f.change) .. ": " .. f.error
        problems[#problems + 1] = maas_site.line(f.change) .. ": " .. f.error
      end
      for _, p in ipairs(ctx.plan.problems) do
        lines[#lines + 1] = "  PROBLEM " .. p.message
        problems[#problems + 1] = p.message
      end
      for _, m in ipairs(ctx.missing or {}) do
        lines[#lines + 1] = "  PROBLEM " .. m
        problems[#problems + 1] = m
      end
      local summary
      if ctx.options.plan and #changes > 0 then
        summary = ("prepare_site would make %d change(s):"):format(#changes)
      elseif ctx.options.plan and #problems > 0 then
        summary = ("prepare_site would change nothing, but found %d problem(s):"):format(#problems)
      elseif ctx.options.plan then
        summary = "prepare_site: MAAS matches the design, nothing to change"
      else
        summary = ("prepare_site: %d change(s) made, %d failed, %d problem(s)"):format(
          #changes,
          #ctx.failed,
          #ctx.plan.problems + #(ctx.missing or {})
        )
      end
      ctx.result = { summary = summary, lines = lines, changes = changes, problems = problems }
    end,
  },
}, { scope = "site", plan = true, changes = true, result = "changes" })
