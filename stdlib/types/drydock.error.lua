---@meta
error("Cannot require a meta file")

--- Errors as values. Every error drydock raises or keeps — from MAAS, the journal, the
--- design or a script — has one description; scripts get it from `drydock.error.info(e)` for
--- anything `pcall` caught, and in the `error` slot of a failed `drydock.task.parallel`
--- item. `tostring(e)` is its message.
---@class drydock.errorlib
drydock.error = {}

--- What failed, broadly.
---@alias drydock.ErrorKind "maas"|"design"|"journal"|"script"|"cancelled"|"usage"

--- An error, described.
---@class drydock.Error
---@field kind drydock.ErrorKind
---@field message string for people, with the script file:line when a script raised it
---@field location? string the script file:line it was raised at
---@field traceback? string
---@field retryable boolean whether trying the same again later could succeed
---@field node? string the node of the step that failed
---@field status? integer MAAS's HTTP status
---@field method? string the MAAS call's HTTP method
---@field path? string below /MAAS/api/2.0/
---@field op? string
---@field body? string MAAS's answer
---@field attempts? integer requests made, retries included

--- Describes an error caught with `pcall` (an error value passes through as it is).
---@param e any
---@return drydock.Error
function drydock.error.info(e) end
