-- Deployment groups: Shipyard's documented example over the example site. A failure in the
-- first critical group fails its dependents (not attempted) and the run, while the
-- independent group still runs; every node is worked on once though it is in two groups;
-- the criteria count as Shipyard counts them.
-- test: args = examples/site tests/fixtures/strategy/example.yaml; stdout = "ok": true
local strategy = require("strategy")

local site, path = ...
local design = drydock.design.load(site)
local s = design:strategy(path)
local names = {}
for i, g in ipairs(s.groups) do
  names[i] = g.name
end
assert(
  table.concat(names, ",")
    == "ntp-node,control-nodes,compute-nodes-1,compute-nodes-2,monitoring-nodes",
  table.concat(names, ",")
)
assert(s.groups[1].nodes[1] == "ctl01" and #s.groups[1].nodes == 1)
assert(s.groups[2].success_criteria.minimum_successful_nodes == 3)

-- ctl01 fails: ntp-node misses its minimum.
local worked = {}
local run = strategy.run(s, function(group, todo)
  local results = {}
  for _, name in ipairs(todo) do
    worked[name] = (worked[name] or 0) + 1
    results[name] = name ~= "ctl01"
  end
  worked["group " .. group.name] = true
  return results
end)
assert(not run.ok and run.summary:find("ntp-node", 1, true), run.summary)
local by_name = {}
for _, g in ipairs(run.groups) do
  by_name[g.name] = g
end
assert(by_name["ntp-node"].status == "failed", by_name["ntp-node"].reason)
assert(
  by_name["ntp-node"].reason == "0 node(s) succeeded; it needs at least 1",
  by_name["ntp-node"].reason
)
for _, dependent in ipairs({ "control-nodes", "compute-nodes-1", "compute-nodes-2" }) do
  assert(by_name[dependent].status == "not attempted", dependent)
  assert(not worked["group " .. dependent], dependent .. " was worked on")
end
assert(by_name["monitoring-nodes"].status == "succeeded", "the independent group still runs")
assert(worked["group monitoring-nodes"])

-- All succeed: every group succeeds and ctl01, in two groups, is worked on once.
worked = {}
run = strategy.run(s, function(_, todo)
  local results = {}
  for _, name in ipairs(todo) do
    worked[name] = (worked[name] or 0) + 1
    results[name] = true
  end
  return results
end)
assert(run.ok, run.summary)
for name, times in pairs(worked) do
  assert(times == 1, name .. " worked on " .. times .. " times")
end
assert(worked.ctl01 == 1 and worked.cmp01 == 1)

-- Criteria, one at a time.
local fail = strategy.criteria_failure
assert(fail(nil, 0, 10) == nil, "no criteria never fail")
assert(fail({ percent_successful_nodes = 90 }, 8, 10):find("80%", 1, true))
assert(fail({ percent_successful_nodes = 90 }, 9, 10) == nil)
assert(fail({ maximum_failed_nodes = 1 }, 8, 10):find("2 node(s) failed", 1, true))
assert(fail({ percent_successful_nodes = 100 }, 0, 0) == nil, "an empty group is 100%")
assert(fail({ minimum_successful_nodes = 1 }, 0, 0), "but fails a minimum")

-- The default strategy, and a broken document.
local default = design:strategy()
assert(#default.groups == 1 and default.groups[1].critical)
assert(#default.groups[1].nodes == 9)
local ok, err = pcall(design.strategy, design, "tests/fixtures/base.yaml")
assert(not ok and tostring(err):find("no shipyard/DeploymentStrategy/v1 document", 1, true), err)
return { ok = true }
