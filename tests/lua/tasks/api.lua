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
assert(not pcall(drydock.sleep, -1))
return { runs = runs }
