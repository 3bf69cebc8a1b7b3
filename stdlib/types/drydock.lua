---@meta
error("Cannot require a meta file")

--- JSON `null` (a light userdata), for data a script sends on where `nil` would drop the key.
--- Design tables never hold it: their unset fields are simply absent (`nil`).
---@alias drydock.Null lightuserdata

--- The global API drydock gives every script (also `require("drydock")`). It and its
--- modules are read-only: change an action by wrapping its phases (`drydock.stock`).
---@class drydock
---@field version string drydock's version (`CARGO_PKG_VERSION`), e.g. "0.1.0".
---@field null drydock.Null The JSON `null` value, for data sent on (absent fields of design tables are nil).
---@field design drydock.designlib The site design: loading, lookups, validation rules, reports.
---@field log drydock.loglib Logging into drydock's log, tagged with the calling script line.
---@field task drydock.tasklib journaled steps and concurrency
---@field fs drydock.fslib file reads and writes (scripts have no `io`)
---@field maas drydock.maaslib MAAS API 2.0 clients
---@field error drydock.errorlib errors as values: what a caught error was
---@field progress drydock.progresslib what the operator watching sees
---@field bootactions drydock.bootactionslib where signaling boot actions report
---@field oob drydock.ooblib BMCs: power and next boot device, inventory
drydock = {}

--- Marks `t` (or a new empty table) to serialize as a JSON array, even when empty; returns it.
---@generic T: table
---@param t? T the table to mark; a new empty table when nil
---@return T
function drydock.array(t) end

--- Evaluates the shipped (not the site's) action `name` and returns it, for a site variant to extend; errors if there is none.
---@param name string action name, e.g. "validate_design"
---@return drydock.Action
function drydock.stock(name) end

--- Evaluates action `name` as `drydock run` would run it (the site directory's, else the
--- shipped one) and returns it, for an action made of others: `drydock.action("prepare_nodes"):run(ctx)`.
---@param name string action name, e.g. "prepare_nodes"
---@return drydock.Action
function drydock.action(name) end

--- Waits `seconds` without blocking other coroutines (`drydock.task.parallel` items).
---@param seconds number
function drydock.sleep(seconds) end
