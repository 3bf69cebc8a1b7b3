---@meta
error("Cannot require a meta file")

--- Journaled work. Every side effect of a workflow goes in a step: a step that succeeded is
--- never run again in its task (`drydock resume` returns its stored result instead); a step
--- that failed or was interrupted runs again. Outside a task (`drydock validate`) steps
--- simply run.
---@class drydock.tasklib
drydock.task = {}

--- Runs `fn` once as the site-scoped step `name` of the current task and returns its result
--- (any value that converts to JSON). Its Running record is durable before `fn` starts.
---@param name string unique within the task's site scope
---@param fn fun(): any
---@return any
function drydock.task.step(name, fn) end

--- `step` scoped to one node: the step is keyed by (task, node name, step name).
---@param node drydock.Node|string a node table or a node name
---@param name string
---@param fn fun(): any
---@return any
function drydock.task.node_step(node, name, fn) end

--- One item's outcome in `parallel`.
---@class drydock.ParallelResult
---@field ok boolean whether `fn(item)` returned
---@field value any what it returned (when ok)
---@field error? drydock.Error the error (when not ok)

--- Runs `fn(item)` for every item concurrently on one thread, at most `opts.limit` (default
--- 64) at a time, and for each of `opts.groups` at most its `limit` items with the same
--- `key(item)` (nil: not in that group), e.g. nodes per rack; these are hard caps. Items
--- start in order; one item's error does not stop the others. Results keep item order.
---@param items any[]
---@param fn fun(item: any): any
---@param opts? {limit?: integer, groups?: {key: fun(item: any): string?, limit: integer}[]}
---@return drydock.ParallelResult[]
function drydock.task.parallel(items, fn, opts) end

--- The task being run.
---@class drydock.TaskInfo
---@field id string the task id (ULID)
---@field journal string the journal file

--- The current task, or nil outside one.
---@return drydock.TaskInfo?
function drydock.task.current() end

--- Fails the current step (or script) with `why`: a message, or an error value (a failed
--- `parallel` slot), which is raised again whole.
---@param why string|drydock.Error
function drydock.task.fail(why) end
