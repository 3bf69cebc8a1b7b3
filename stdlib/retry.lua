--- Trying again when MAAS (or the network to it) fails for a moment. The client already
--- retries 503s, 502/504s and dropped connections within its deadline; this is for what it
--- leaves to the workflow: a 500 on a read, or a whole phase worth re-running.
---
---   local retry = require("retry")
---   local fabrics = retry{ times = 5, fn = function() return maas:fabrics() end }
local M = {}

--- Whether an error could go away by trying again: a MAAS answer in the 5xx range, no
--- answer at all, or a timeout. A 4xx (a refusal) or a script error never does.
---@param err any
---@return boolean
function M.transient(err)
  local info = drydock.error.info(err)
  if info.kind ~= "maas" then return false end
  -- A call refused before it was sent (a parameter MAAS does not take) has no status and
  -- is not retryable: trying again cannot help.
  return info.retryable or (info.status ~= nil and info.status >= 500)
end

--- Whether MAAS answered with a 5xx: the request failed inside MAAS and changed nothing.
---@param err any
---@return boolean
function M.answered_with_server_error(err)
  local info = drydock.error.info(err)
  return info.kind == "maas" and info.status ~= nil and info.status >= 500
end

---@class drydock.RetryOptions
---@field times? integer attempts in all (default 5)
---@field backoff? number seconds before the second attempt, doubled after each (default 0.2)
---@field when? fun(err: any): boolean which errors to try again after (default `transient`)
---@field fn? fun(): any what to call, when the module is called as `retry{...}`

--- Calls `fn` until it returns, trying again after transient errors; the last error, or the
--- first one that is not transient, is raised.
---@generic T
---@param opts drydock.RetryOptions
---@param fn fun(): T
---@return T
function M.call(opts, fn)
  local times = opts.times or 5
  local delay = opts.backoff or 0.2
  for attempt = 1, times do
    local ok, result = pcall(fn)
    if ok then return result end
    if attempt == times or not (opts.when or M.transient)(result) then error(result, 0) end
    drydock.sleep(delay)
    delay = delay * 2
  end
end

--- `maas` with every call tried again (up to `times` in all) when MAAS answered with a 5xx:
--- MAAS makes each request in one transaction, so a call it failed changed nothing and is
--- safe to send again, write or read. (No answer at all is the client's to retry.)
---
---   ctx.maas = retry.client(drydock.maas.connect())
---@param maas drydock.maas.Client
---@param opts? { times?: integer, backoff?: number }
---@return drydock.maas.Client
function M.client(maas, opts)
  local options = {
    times = opts and opts.times or 5,
    backoff = opts and opts.backoff,
    when = M.answered_with_server_error,
  }
  local proxy = {}
  return setmetatable(proxy, {
    __index = function(_, name)
      local method = maas[name]
      if type(method) ~= "function" then return method end
      local function retrying(self, ...)
        local args = table.pack(...)
        local target = self == proxy and maas or self
        return M.call(options, function() return method(target, table.unpack(args, 1, args.n)) end)
      end
      rawset(proxy, name, retrying)
      return retrying
    end,
    __tostring = function() return tostring(maas) end,
  })
end

--- `retry{ times =, backoff =, when =, fn = }`: `M.call` with the function among the options.
return setmetatable(M, { __call = function(_, opts) return M.call(opts, opts.fn) end })
