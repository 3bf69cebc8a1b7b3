--- DeployNodes: take each selected node, prepared (Ready in MAAS), to a deployed operating
--- system with the design's network, storage and platform, as Drydock's DeployNodes does:
---
---   networking  interfaces, bonds, VLAN interfaces and subnet links as the design says
---   storage     the flat layout for / and /boot, partitions, volume groups, logical volumes
---   platform    the kernel command line tag and the static tags
---   deploy      allocate, owner data, deploy the image and kernel with the node's boot
---               actions in the user data (files, units, packages), wait for Deployed,
---               then for each signaling boot action's report
---
--- Each phase works on the nodes the phase before succeeded on. MAAS is read first and only
--- what differs is written, each change one journaled node step that checks MAAS before it
--- acts, so a second run on a deployed site writes nothing and a resumed task picks up where
--- it stopped. A node already Deployed is left as it is (destroy it first to deploy it
--- again); one Deploying is waited for. `drydock plan deploy_nodes` says, per node, what would change.
---
--- ctx.nodes                   the selected nodes
--- ctx.options.concurrency     nodes worked on at once (default 64)
--- ctx.options.per_rack        at most this many of one rack at once (default: no cap)
--- ctx.options.poll_interval   seconds between MAAS status checks (default 10)
--- ctx.options.report_url      where signaling boot actions report (drydock listens there
---                             while it deploys); needed when a node has one
--- ctx.result                  { summary, lines, nodes = { [name] = {...} } } (plan: changes)
local phases = require("phases")
local nodes = require("nodes")
local poll = require("poll")
local node_network = require("node_network")
local node_storage = require("node_storage")
local node_platform = require("node_platform")

-- Drydock's deploy_node timeout: 45 minutes.
local DEPLOY_TIMEOUT = 2700
local RELEASE_TIMEOUT = 1800

--- Runs `work(node, state)` on every node still going, under the caps of `nodes.caps`; a
--- node whose work fails stops there, with the phase and the error kept. A node
--- found deploying goes straight to the deploy phase, which waits for it.
local function each(ctx, phase, work)
  local going = {}
  for _, node in ipairs(ctx.nodes) do
    local st = ctx.state[node.name]
    local skip = st.failed or st.done or (st.deploying and phase ~= "deploy")
    if not skip then going[#going + 1] = node end
  end
  local outcomes = nodes.parallel(
    ctx,
    phase,
    going,
    function(node) return work(node, ctx.state[node.name]) end,
    phase == "deploy" and "deployed" or nil
  )
  for i, outcome in ipairs(outcomes) do
    if not outcome.ok then
      ctx.state[going[i].name].failed = { phase = phase, message = outcome.error.message }
    end
  end
end

--- Records `changes` for the plan, or makes each as a journaled step of `node`.
local function make(ctx, node, st, changes, apply)
  for _, c in ipairs(changes) do
    if ctx.options.plan then
      st.plan[#st.plan + 1] = c.line
    else
      drydock.task.node_step(node, c.step, function() apply(c) end)
    end
  end
end

local function problems(list, node)
  if #list > 0 then error(("%s: %s"):format(node.name, table.concat(list, "; ")), 0) end
end

--- The last events MAAS logged for the machine, for a failure's message.
local function recent_events(ctx, hostname)
  local ok, page = pcall(ctx.maas.events, ctx.maas, { hostname = hostname, limit = 5 })
  if not ok then return "" end
  local lines = {}
  for _, e in ipairs(page.events) do
    lines[#lines + 1] = ("%s %s"):format(e.type, e.description or "")
  end
  return #lines > 0 and (" MAAS events, newest first: " .. table.concat(lines, " | ")) or ""
end

--- Fails the node unless every signaling boot action reported success, in Drydock's words.
local function report_outcome(node, reports)
  local bad = {}
  for _, r in ipairs(reports) do
    if r.status == "timed out" then
      bad[#bad + 1] = ("Boot action %s timed out."):format(r.name)
    elseif r.status == "failure" then
      local said = {}
      for _, d in ipairs(r.details) do
        said[#said + 1] = d.message
      end
      bad[#bad + 1] = ("Boot action %s completed with status failure%s"):format(
        r.name,
        #said > 0 and (": " .. table.concat(said, "; ")) or "."
      )
    end
  end
  if #bad > 0 then error(("%s: %s"):format(node.name, table.concat(bad, " ")), 0) end
  return reports
end

--- Whether one of the machine's recent events carries `comment` (MAAS logs a deploy's
--- comment with the user's request): its deployment is the one this task started.
local function deploying_for(ctx, hostname, comment)
  local page = ctx.maas:events({ hostname = hostname, limit = 20 })
  for _, e in ipairs(page.events) do
    if e.description == comment then return true end
  end
  return false
end

local function wait_status(ctx, node, id, wanted, failed_prefix, timeout)
  return poll.wait({
    every = ctx.poll_interval,
    timeout = timeout,
    paced = true,
    what = ("%s to be %s"):format(node.name, wanted),
    ["until"] = function()
      local m = nodes.watched(ctx.watch, node, id)
      if not m then return nil end
      if m.status_name == wanted then return m end
      if m.status_name:match(failed_prefix) then
        error(
          ("Node %s: %s.%s"):format(node.name, m.status_name, recent_events(ctx, m.hostname)),
          0
        )
      end
    end,
  })
end

local action = phases.action("deploy_nodes", {
  {
    name = "connect",
    run = function(ctx)
      nodes.connect(ctx)
      -- Drydock's bootaction_final_status: 15 minutes, 90 polls at its default pace.
      ctx.report_timeout = 90 * ctx.poll_interval
      if ctx.options.report_url and not ctx.options.plan then
        drydock.bootactions.listen(ctx.options.report_url)
      end
      ctx.network = node_network.read_site(ctx.maas)
      ctx.tags = {}
      for _, t in ipairs(ctx.maas:tags()) do
        ctx.tags[t.name] = t
      end
      -- What the phases need of each machine, kept for the whole run (a machine's whole
      -- record is tens of kilobytes: at a thousand nodes, worth not keeping).
      local by_name = nodes.machines_named(
        ctx.maas,
        ctx.nodes,
        function(m)
          return {
            system_id = m.system_id,
            hostname = m.hostname,
            status_name = m.status_name,
            default_gateways = m.default_gateways,
            hardware_info = m.hardware_info,
          }
        end
      )
      ctx.state = {}
      for _, node in ipairs(ctx.nodes) do
        local m = by_name[node.name]
        local st = { machine = m, plan = {} }
        ctx.state[node.name] = st
        if not m then
          st.failed =
            { phase = "connect", message = ("Node %s not found in MaaS"):format(node.name) }
        elseif m.status_name == "Deployed" then
          st.done = ("Node %s already deployed, skipping."):format(node.name)
          drydock.progress.node(node.name, "deployed")
        elseif m.status_name == "Deploying" then
          -- Deployed by this task before it was stopped (or by someone else): wait for it.
          st.deploying = true
        end
      end
    end,
  },
  {
    name = "networking",
    run = function(ctx)
      each(ctx, "networking", function(node, st)
        local id = st.machine.system_id
        local status = st.machine.status_name
        if status:match("^Failed dep") and not ctx.options.plan then
          drydock.task.node_step(node, "release failed deployment", function()
            if ctx.maas:machine(id).status_name:match("^Failed dep") then
              ctx.maas:release(id, { comment = "drydock: released to retry deployment" })
            end
          end)
          wait_status(ctx, node, id, "Ready", "^Failed", RELEASE_TIMEOUT)
          st.machine = ctx.maas:machine(id)
        elseif status:match("^Failed dep") then
          st.plan[#st.plan + 1] = "release the failed deployment"
        elseif status ~= "Ready" and status ~= "Allocated" then
          error(
            ("Located node %s in MaaS, unknown status %s. Skipping..."):format(node.name, status),
            0
          )
        end
        -- What the OS calls each device alias, from commissioning's lshw.
        local lshw = ctx.maas:details(id).lshw
        st.names = lshw and ctx.design:logical_names(node.name, lshw) or {}
        local want = node_network.want(ctx.design, node, ctx.network, st.names)
        problems(want.problems, node)
        local have = ctx.maas:interfaces(id)
        local gateways = st.machine.default_gateways
        local changes, trouble = node_network.diff(want, have, gateways and gateways.ipv4.link_id)
        problems(trouble, node)
        local interfaces = {}
        for _, i in ipairs(have) do
          interfaces[i.name] = i
        end
        make(
          ctx,
          node,
          st,
          changes,
          function(c) node_network.apply(ctx.maas, id, c, interfaces) end
        )
      end)
    end,
  },
  {
    name = "storage",
    run = function(ctx)
      each(ctx, "storage", function(node, st)
        local id = st.machine.system_id
        local want = node_storage.want(node, st.names)
        problems(want.problems, node)
        if not want.root then return end
        -- What MAAS has now, compared and then kept current by the changes.
        local live = { devices = ctx.maas:block_devices(id), groups = ctx.maas:volume_groups(id) }
        if node_storage.right(want, live.devices, live.groups) then return end
        make(
          ctx,
          node,
          st,
          node_storage.changes(want),
          function(c) node_storage.apply(ctx.maas, id, want, c, live) end
        )
      end)
    end,
  },
  {
    name = "platform",
    run = function(ctx)
      each(ctx, "platform", function(node, st)
        local id = st.machine.system_id
        local want = node_platform.want(ctx.design, node)
        local changes = node_platform.diff(want, ctx.maas:machine(id), ctx.tags)
        make(ctx, node, st, changes, function(c) node_platform.apply(ctx.maas, id, want, c) end)
      end)
    end,
  },
  {
    name = "deploy",
    run = function(ctx)
      each(ctx, "deploy", function(node, st)
        local id = st.machine.system_id
        local platform = node.platform or {}
        local owner_data = (node.metadata or {}).owner_data or {}
        -- The boot actions ride in the user data; one that does not render fails the node
        -- before anything is allocated.
        local task = drydock.task.current()
        local user_data = ctx.design:user_data(node.name, {
          design_ref = task and ("drydock task " .. task.id) or "",
          report_url = ctx.options.report_url,
        })
        local signaling = user_data and user_data.signaling or {}
        if #signaling > 0 and not ctx.options.report_url then
          error(
            (
              "%s: boot action %s reports its result and drydock has nowhere to receive it: give "
              .. "--report-url http://ADDRESS:PORT/api/v1.0/bootactions/ with an address of this "
              .. "host the node can reach (drydock listens there while it deploys)"
            ):format(node.name, signaling[1].name),
            0
          )
        end
        if ctx.options.plan and st.deploying then
          return
        elseif ctx.options.plan then
          st.plan[#st.plan + 1] = ("deploy %s%s%s"):format(
            platform.image or "the default image",
            platform.kernel and (" with kernel " .. platform.kernel) or "",
            user_data and ", delivering its boot actions" or ""
          )
          return
        end
        drydock.task.node_step(node, "allocate", function()
          if ctx.maas:machine(id).status_name == "Ready" then
            ctx.maas:allocate({ system_id = id })
          end
        end)
        drydock.task.node_step(node, "owner data", function()
          local now = ctx.maas:machine(id).workload_annotations or {}
          local changed = {}
          for k, v in pairs(owner_data) do
            if now[k] ~= v then changed[k] = v end
          end
          if next(changed) then ctx.maas:set_workload_annotations(id, changed) end
        end)
        -- The deploy carries the task in its comment, which MAAS logs: a step run again
        -- after a crash can tell its own deployment from another's.
        local comment = task and ("drydock task " .. task.id) or "drydock"
        local sent = drydock.task.node_step(node, "deploy", function()
          local m = ctx.maas:machine(id)
          if m.status_name == "Deployed" then return { sent = false } end
          if m.status_name == "Deploying" then
            return { sent = deploying_for(ctx, m.hostname, comment) }
          end
          ctx.maas:deploy(id, {
            distro_series = platform.image,
            hwe_kernel = platform.kernel,
            user_data = user_data and user_data.base64,
            comment = comment,
          })
          return { sent = true }
        end)
        if #signaling > 0 then drydock.bootactions.expect(node.name, signaling) end
        st.deployed = drydock.task.node_step(node, "deployed", function()
          local deployed = wait_status(ctx, node, id, "Deployed", "^Failed", DEPLOY_TIMEOUT)
          return { status = deployed.status_name, distro_series = deployed.distro_series }
        end)
        -- Reports come from the user data this task sent; a deployment it did not start
        -- has no reports to give it.
        if #signaling > 0 and sent and sent.sent then
          drydock.task.node_step(
            node,
            "boot actions reported",
            function()
              return report_outcome(
                node,
                drydock.bootactions.wait(node.name, {
                  timeout = ctx.report_timeout,
                })
              )
            end
          )
        end
      end)
    end,
  },
  {
    name = "report",
    run = function(ctx)
      local lines, results, changes, failed = {}, {}, {}, 0
      for _, node in ipairs(ctx.nodes) do
        local st = ctx.state[node.name]
        if st.failed then
          failed = failed + 1
          lines[#lines + 1] = ("%s: failed in %s: %s"):format(
            node.name,
            st.failed.phase,
            st.failed.message
          )
          results[node.name] = { ok = false, phase = st.failed.phase, error = st.failed.message }
        elseif st.done then
          lines[#lines + 1] = ("%s: %s"):format(node.name, st.done)
          results[node.name] = { ok = true, system_id = st.machine.system_id, message = st.done }
        elseif ctx.options.plan then
          if #st.plan > 0 then
            local line = ("%s: would %s"):format(node.name, table.concat(st.plan, "; "))
            changes[#changes + 1] = line
            lines[#lines + 1] = line
          end
        else
          lines[#lines + 1] = ("%s: Deployed (machine %s)"):format(node.name, st.machine.system_id)
          results[node.name] = { ok = true, system_id = st.machine.system_id }
        end
      end
      if failed > 0 then
        -- The task ends PartialSuccess or Failure: each failed node as a failed step.
        for _, node in ipairs(ctx.nodes) do
          local st = ctx.state[node.name]
          if st.failed then
            pcall(
              drydock.task.node_step,
              node,
              "failed in " .. st.failed.phase,
              function() error(st.failed.message, 0) end
            )
          end
        end
      end
      local summary
      if ctx.options.plan then
        summary = #changes == 0 and "deploy_nodes would change nothing"
          or ("deploy_nodes would change %d node(s)"):format(#changes)
      else
        summary = ("%d of %d node(s) deployed"):format(#ctx.nodes - failed, #ctx.nodes)
      end
      ctx.result = { summary = summary, lines = lines, nodes = results, changes = changes }
    end,
  },
}, {
  scope = "nodes",
  plan = true,
  changes = true,
  options = { "concurrency", "per_rack", "poll_interval", "report_url" },
})

-- For a site's own phase (drydock.stock("deploy_nodes")): `action.each(ctx, phase, work)`
-- runs `work(node, state)` on the nodes still going and fails, in `phase`, each whose work
-- raises; `state.plan` collects what a plan would do, `state.machine` is MAAS's machine.
action.each = each
return action
