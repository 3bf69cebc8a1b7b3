---@meta
error("Cannot require a meta file")

--- What a workflow tells the operator watching it. On a terminal drydock shows the action's
--- phase, its steps done of those coming, and a line per step as it ends; elsewhere these
--- do nothing. Steps report themselves.
---@class drydock.progresslib
drydock.progress = {}

--- The phase the action is in (`phases.lua` says so for every phase).
---@param name string
function drydock.progress.phase(name) end

--- `count` more steps are coming: what "done of total" counts against.
---@param count integer
function drydock.progress.expect(count) end
