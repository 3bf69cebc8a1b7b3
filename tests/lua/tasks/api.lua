-- drydock.task inside a task: step results, reuse, parallel limits and error isolation.
-- One step fails on purpose, so the task's result is Failure (exit 1).
-- test: exit = 1; stdout = "runs": 1
local task = drydock.task
local info = task.current()
assert(info and #info.id == 26 and info.journal:match("%.redb$"), "a script runs as a task")

local runs = 0
local first = task.step("count", function()
  runs = runs + 1
  return { n = runs, list = { 1, 2 } }
end)
local again = task.step("count", function()
  runs = runs + 1
  return { n = runs }
end)
assert(runs == 1, "a succeeded step is not run again in its task")
assert(first.n == 1 and again.n == 1 and again.list[2] == 2, "the stored result is returned")

local ok, err = pcall(task.step, "boom", function() task.fail("no disk") end)
assert(not ok and tostring(err):match("no disk"))
local ok2 = pcall(task.step, "bad-result", function()
  return function() end
end)
assert(not ok2, "a result that cannot be stored fails the step")

local in_flight, peak = 0, 0
local results = task.parallel({ 1, 2, 3, 4, 5, 6 }, function(i)
  in_flight = in_flight + 1
  peak = math.max(peak, in_flight)
  drydock.sleep(0.01)
  in_flight = in_flight - 1
  if i == 3 then error("item three broke") end
  return task.node_step("n" .. i, "work", function() return i * 10 end)
end, { limit = 2 })
assert(peak == 2, "at most `limit` in flight, got " .. peak)
assert(#results == 6 and results[1].ok and results[1].value == 10 and results[6].value == 60)
assert(
  not results[3].ok and results[3].error.message:match("item three broke"),
  "one item's error stays in its slot"
)
assert(
  results[3].error.kind == "script" and tostring(results[3].error):match("item three broke"),
  "as an error value"
)
-- Groups cap items with the same key (nil: no group) under the overall limit; waiting for a
-- group holds no overall slot, so other groups go on.
local racks = { "a", "a", "a", "b", "b", nil }
local now, peak_of, overall, overall_peak = {}, {}, 0, 0
local items = {}
for i = 1, 6 do
  items[i] = { id = i, rack = racks[i] }
end
task.parallel(items, function(item)
  local rack = item.rack or "none"
  now[rack] = (now[rack] or 0) + 1
  peak_of[rack] = math.max(peak_of[rack] or 0, now[rack])
  overall = overall + 1
  overall_peak = math.max(overall_peak, overall)
  drydock.sleep(0.02)
  now[rack] = now[rack] - 1
  overall = overall - 1
end, { limit = 3, groups = { { key = function(item) return item.rack end, limit = 1 } } })
assert(peak_of.a == 1 and peak_of.b == 1, "one per rack at once")
assert(overall_peak == 3, "rack a, rack b and the rackless item together: " .. overall_peak)
assert(not pcall(task.parallel, items, function() end, { groups = { { key = tostring } } }))
assert(not pcall(drydock.sleep, -1))
return { runs = runs }
