-- Three site steps; the middle one is slow, so a test can kill the process inside it.
local out, pause = ...
drydock.task.step("first", function() drydock.fs.append(out, "first\n") end)
drydock.task.step("slow", function()
  drydock.fs.append(out, "slow\n")
  drydock.sleep(tonumber(pause))
  return "slept"
end)
drydock.task.step("last", function() drydock.fs.append(out, "last\n") end)
