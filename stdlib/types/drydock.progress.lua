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

--- `node` is now in `state` (the phase it works through, `deployed`, `failed`, ...): the live
--- count of nodes per state.
---@param node string
---@param state string
function drydock.progress.node(node, state) end

--- `count` more nodes enter phase `name`: its bar grows.
---@param name string
---@param count integer
function drydock.progress.enter(name, count) end

--- One more node is through phase `name`.
---@param name string
function drydock.progress.through(name) end
