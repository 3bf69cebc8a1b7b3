-- stdlib poll and retry: waits that end, waits that give up, retries that stop at refusals.
local poll = require("poll")
local retry = require("retry")

local asked = 0
local value = poll({
  every = 0.01,
  timeout = 1,
  ["until"] = function()
    asked = asked + 1
    if asked == 3 then return "ready" end
  end,
})
assert(value == "ready" and asked == 3, ("asked %d times"):format(asked))

local ok, err = pcall(
  poll,
  { every = 0.01, timeout = 0.03, what = "the moon", ["until"] = function() return nil end }
)
assert(not ok and tostring(err):match("gave up waiting for the moon after 0.03 s"), tostring(err))

local ok2, err2 = pcall(poll, { timeout = 1 })
assert(not ok2 and tostring(err2):match("needs both"), tostring(err2))

local ok3, err3 =
  pcall(poll, { every = 0.01, timeout = 1, ["until"] = function() error("broken") end })
assert(not ok3 and tostring(err3):match("broken"))

-- A script error is not transient: raised on the first attempt.
local tries = 0
local ok4 = pcall(retry, {
  times = 3,
  backoff = 0.01,
  fn = function()
    tries = tries + 1
    error("bug")
  end,
})
assert(not ok4 and tries == 1, ("tried %d times"):format(tries))
assert(retry({ fn = function() return 42 end }) == 42)
assert(retry.call({}, function() return 7 end) == 7)
return { ok = true }
