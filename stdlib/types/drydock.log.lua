---@meta
error("Cannot require a meta file")

--- `drydock.log` (also `require("drydock.log")`): messages into drydock's log (target
--- `drydock::script`), each tagged with the script file and line that logged it.
---@class drydock.loglib
drydock.log = {}

--- Logs `message` at debug level, with `fields` serialized as JSON.
---@param message string
---@param fields? table structured data to attach (plain data only: a function in it is an error)
function drydock.log.debug(message, fields) end

--- Logs `message` at info level, with `fields` serialized as JSON.
---@param message string
---@param fields? table structured data to attach (plain data only: a function in it is an error)
function drydock.log.info(message, fields) end

--- Logs `message` at warn level, with `fields` serialized as JSON.
---@param message string
---@param fields? table structured data to attach (plain data only: a function in it is an error)
function drydock.log.warn(message, fields) end

--- Logs `message` at error level, with `fields` serialized as JSON (it does not raise an error).
---@param message string
---@param fields? table structured data to attach (plain data only: a function in it is an error)
function drydock.log.error(message, fields) end
