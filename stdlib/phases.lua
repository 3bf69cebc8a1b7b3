--- Actions as ordered, named phases, so a site variant can replace, wrap or add one phase
--- instead of copying the whole action:
---
---   local action = drydock.stock("validate_design")
---   action:wrap("rules", function(orig, ctx) orig(ctx); ... end)
---   return action
local M = {}

---@class drydock.Phase
---@field name string
---@field run fun(ctx: table)

--- What an action says about itself; drydock reads it to run, plan and show the action.
---@class drydock.ActionAbout
---@field scope? "site"|"nodes" what it acts on: the whole site (default) or the selected nodes (`ctx.nodes`)
---@field plan? boolean it honours `ctx.options.plan` (compares, changes nothing), so `drydock plan` can run it
---@field changes? boolean it changes MAAS or machines: drydock validates the design first and refuses an invalid one (unless `--skip-validation`)
---@field result? "summary"|"changes"|"validation" what it returns: `{summary, lines}` (default), `{summary, lines, changes, problems}`, or `{messages}`
---@field options? string[] the `ctx.options` keys it reads (e.g. `{ "rules" }` for `--rule`)
---@field command? string the drydock subcommand that runs it (e.g. `"validate"`)

---@class drydock.Action
---@field name string
---@field phases drydock.Phase[]
---@field about drydock.ActionAbout
local Action = {}
Action.__index = Action

local function check_phase(phase, where)
  if type(phase) ~= "table" or type(phase.name) ~= "string" or type(phase.run) ~= "function" then
    error(where .. ': a phase is { name = "...", run = function(ctx) ... end }', 3)
  end
  return { name = phase.name, run = phase.run }
end

--- Builds an action from its phases, which run in order on one shared `ctx` table.
---@param name string
---@param phases drydock.Phase[]
---@param about? drydock.ActionAbout
---@return drydock.Action
function M.action(name, phases, about)
  local action = setmetatable({ name = name, phases = {}, about = about or {} }, Action)
  for i, phase in ipairs(phases) do
    action.phases[i] = check_phase(phase, "phases.action(" .. name .. ")")
  end
  return action
end

local function index_of(action, name)
  for i, phase in ipairs(action.phases) do
    if phase.name == name then return i end
  end
  local names = {}
  for _, phase in ipairs(action.phases) do
    names[#names + 1] = phase.name
  end
  error(
    ("action %s has no phase %q (phases: %s)"):format(action.name, name, table.concat(names, ", ")),
    3
  )
end

--- The names of the phases, in order.
---@return string[]
function Action:phase_names()
  local names = {}
  for i, phase in ipairs(self.phases) do
    names[i] = phase.name
  end
  return names
end

--- Replaces the body of phase `name`.
---@param name string
---@param run fun(ctx: table)
function Action:replace(name, run)
  self.phases[index_of(self, name)].run = run
  return self
end

--- Wraps phase `name`: `wrapper(original, ctx)` decides when (and whether) to call it.
---@param name string
---@param wrapper fun(original: fun(ctx: table), ctx: table)
function Action:wrap(name, wrapper)
  local phase = self.phases[index_of(self, name)]
  local original = phase.run
  phase.run = function(ctx) return wrapper(original, ctx) end
  return self
end

--- Inserts a new phase before phase `name`.
function Action:before(name, phase)
  table.insert(self.phases, index_of(self, name), check_phase(phase, "before(" .. name .. ")"))
  return self
end

--- Inserts a new phase after phase `name`.
function Action:after(name, phase)
  table.insert(self.phases, index_of(self, name) + 1, check_phase(phase, "after(" .. name .. ")"))
  return self
end

--- Removes phase `name`.
function Action:remove(name)
  table.remove(self.phases, index_of(self, name))
  return self
end

--- Runs every phase in order and returns `ctx.result`.
---@param ctx table
function Action:run(ctx)
  for _, phase in ipairs(self.phases) do
    drydock.log.debug("phase", { action = self.name, phase = phase.name })
    drydock.progress.phase(phase.name)
    phase.run(ctx)
  end
  return ctx.result
end

return M
