---@meta
error("Cannot require a meta file")

--- Where signaling boot actions report while a task deploys, as Drydock's API takes them:
--- `POST <report_url><action_id>` with header `X-Bootaction-Key: <the node's key>` and body
--- `{"status": "success"|"failure", "details": [{"message": "...", "error": false}]}`
--- (201; 401 without a key, 403 with another node's, 404 for an action not awaited, 409 once
--- it has its final status). A report is journaled before it is acknowledged, so one taken
--- before a crash still counts after `drydock resume`.
---@class drydock.bootactionslib
drydock.bootactions = {}

--- Serves reports at `url` (`http://HOST:PORT/PATH/`) while this runtime lives: on loopback
--- when HOST is a loopback address, on every interface otherwise. Again with the same URL
--- does nothing.
---@param url string
function drydock.bootactions.listen(url) end

--- `node`'s deployment carries `actions` (`user_data.signaling`): their reports are taken from
--- now on. Call it before deploying.
---@param node string
---@param actions drydock.SignalingAction[]
function drydock.bootactions.expect(node, actions) end

--- Waits until each action `expect` named for `node` has reported, or `timeout` seconds
--- (default 900, Drydock's `bootaction_final_status`) pass.
---@param node string
---@param opts? {timeout?: number}
---@return drydock.BootActionOutcome[]
function drydock.bootactions.wait(node, opts) end

---@class drydock.BootActionOutcome
---@field name string
---@field status "success"|"failure"|"timed out"
---@field details {message: string, error: boolean}[] what the node said
