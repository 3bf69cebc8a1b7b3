-- 50 journaled steps over 10 nodes in parallel; each step appends one line to `out`.
local out, pause = ...
pause = tonumber(pause) or 0
local nodes = {}
for i = 1, 10 do nodes[i] = ("node%02d"):format(i) end

local results = drydock.task.parallel(nodes, function(node)
  for s = 1, 5 do
    drydock.task.node_step(node, "step" .. s, function()
      drydock.fs.append(out, node .. " step" .. s .. "\n")
      return s
    end)
    drydock.sleep(pause)
  end
  return node
end, { limit = 10 })

for _, r in ipairs(results) do
  if not r.ok then drydock.task.fail(r.error) end
end
return { done = #results }
