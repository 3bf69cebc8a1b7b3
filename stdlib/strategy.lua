--- Deployment groups, as Shipyard runs a `shipyard/DeploymentStrategy/v1`
--- (`design:strategy(path)` reads it): one group at a time, each after the groups it depends
--- on; a group whose dependency failed is not attempted and counts as failed; a node in
--- several groups is worked on once, its result counting for every group it is in; each
--- group's success criteria are checked on its own nodes; the run fails when a critical group
--- fails, but groups that do not depend on it still run.
local M = {}

--- Why `criteria` fail for a group of `total` nodes of which `succeeded` succeeded, or nil.
--- No criteria never fail; a group of no nodes is 100% successful but fails a minimum.
---@param criteria? drydock.SuccessCriteria
---@param succeeded integer
---@param total integer
---@return string?
function M.criteria_failure(criteria, succeeded, total)
  if not criteria then return nil end
  local failed = total - succeeded
  local percent = total == 0 and 100 or succeeded * 100 / total
  if criteria.percent_successful_nodes and percent < criteria.percent_successful_nodes then
    return ("%d of %d node(s) succeeded (%.0f%%); it needs %d%%"):format(
      succeeded,
      total,
      percent,
      criteria.percent_successful_nodes
    )
  end
  if criteria.minimum_successful_nodes and succeeded < criteria.minimum_successful_nodes then
    return ("%d node(s) succeeded; it needs at least %d"):format(
      succeeded,
      criteria.minimum_successful_nodes
    )
  end
  if criteria.maximum_failed_nodes and failed > criteria.maximum_failed_nodes then
    return ("%d node(s) failed; it allows at most %d"):format(failed, criteria.maximum_failed_nodes)
  end
  return nil
end

---@class drydock.GroupOutcome
---@field name string
---@field status "succeeded"|"failed"|"not attempted"
---@field critical boolean
---@field reason? string why it failed or was not attempted
---@field nodes string[]

--- Runs `strategy`'s groups in order. `work(group, names)` works on the group's nodes not
--- yet worked on (possibly none) and returns `{ [name] = true|false }` for them.
---@param strategy drydock.Strategy
---@param work fun(group: drydock.StrategyGroup, names: string[]): table<string, boolean>
---@return { groups: drydock.GroupOutcome[], ok: boolean, summary: string }
function M.run(strategy, work)
  local node_ok = {}
  local status = {}
  local outcomes = {}
  local critical_failed = {}
  for _, group in ipairs(strategy.groups) do
    local outcome = { name = group.name, critical = group.critical, nodes = group.nodes }
    local blocked
    for _, dep in ipairs(group.depends_on) do
      if status[dep] ~= "succeeded" then blocked = dep end
    end
    if blocked then
      outcome.status = "not attempted"
      outcome.reason = ("group %s, which it depends on, did not succeed"):format(blocked)
    else
      local todo = {}
      for _, name in ipairs(group.nodes) do
        if node_ok[name] == nil then todo[#todo + 1] = name end
      end
      local results = work(group, todo) or {}
      for _, name in ipairs(todo) do
        node_ok[name] = results[name] == true
      end
      local succeeded = 0
      for _, name in ipairs(group.nodes) do
        if node_ok[name] then succeeded = succeeded + 1 end
      end
      outcome.reason = M.criteria_failure(group.success_criteria, succeeded, #group.nodes)
      outcome.status = outcome.reason and "failed" or "succeeded"
    end
    status[group.name] = outcome.status
    if outcome.status ~= "succeeded" and group.critical then
      critical_failed[#critical_failed + 1] = group.name
    end
    outcomes[#outcomes + 1] = outcome
  end
  local ok = #critical_failed == 0
  local summary = ok and ("%d group(s) run"):format(#outcomes)
    or ("critical group(s) %s failed"):format(table.concat(critical_failed, ", "))
  return { groups = outcomes, ok = ok, summary = summary }
end

return M
