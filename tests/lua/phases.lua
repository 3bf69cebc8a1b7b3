-- The phases module that stock actions are built with, and drydock.stock.
local phases = require("phases")
local log = {}
local action = phases.action("demo", {
  { name = "a", run = function() log[#log + 1] = "a" end },
  {
    name = "b",
    run = function(ctx)
      log[#log + 1] = "b"
      ctx.result = #log
    end,
  },
})
action:wrap("a", function(orig, ctx)
  log[#log + 1] = "before-a"
  orig(ctx)
end)
action:before("b", { name = "x", run = function() log[#log + 1] = "x" end })
action:after("b", { name = "y", run = function() log[#log + 1] = "y" end })
action:remove("y")
assert(action:run({}) == 4)
assert(table.concat(log, ",") == "before-a,a,x,b", table.concat(log, ","))
assert(table.concat(action:phase_names(), ",") == "a,x,b")
local ok, err = pcall(action.replace, action, "nope", function() end)
assert(not ok and err:match('action demo has no phase "nope" %(phases: a, x, b%)'), err)
assert(not pcall(phases.action, "bad", { { name = "p" } }), "a phase needs a run function")

local stock = drydock.stock("validate_design")
assert(table.concat(stock:phase_names(), ",") == "rules,site_rules,result")
assert(not pcall(drydock.stock, "no_such_action"))
