--- Waiting for MAAS to get somewhere (a machine Ready, an import finished), asking every so
--- often, giving up after a while:
---
---   local poll = require("poll")
---   local machine = poll{ every = 10, timeout = 1800, what = "cmp01 to be Ready",
---     ["until"] = function()
---       local m = maas:machine(id)
---       if m.status_name == "Ready" then return m end
---     end }
---
--- `until` returns a value (not nil or false) when the wait is over; that value is returned.
--- Its errors are raised at once: a failure is not something to wait out. With `paced`,
--- `until` waits by itself (it takes a watch's next reading, `maas:watch(every)`): nothing
--- is slept between calls, and each counts as `every` seconds towards the timeout.
local M = {}

---@class drydock.PollOptions
---@field every? number seconds between asks (default 5)
---@field timeout number seconds after which the wait fails
---@field what? string what is awaited, for the error ("cmp01 to be Ready")
---@field paced? boolean `until` waits `every` by itself
---@field ["until"] fun(): any

---@param opts drydock.PollOptions
---@return any
function M.wait(opts)
  local check = opts["until"]
  if type(check) ~= "function" or type(opts.timeout) ~= "number" then
    error("poll{ timeout = seconds, until = function() ... end } needs both", 2)
  end
  local every = opts.every or 5
  local waited = 0
  while true do
    local value = check()
    if value then return value end
    if waited >= opts.timeout then
      error(("gave up waiting for %s after %g s"):format(opts.what or "the condition", waited), 2)
    end
    local pause = math.min(every, opts.timeout - waited)
    if not opts.paced then drydock.sleep(pause) end
    waited = waited + pause
  end
end

return setmetatable(M, { __call = function(_, opts) return M.wait(opts) end })
