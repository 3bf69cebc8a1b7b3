---@meta
error("Cannot require a meta file")

--- Files, for scripts (there is no `io`): every read and write is an explicit call.
---@class drydock.fslib
drydock.fs = {}

--- The whole file as a string.
---@param path string
---@return string
function drydock.fs.read(path) end

--- Replaces the file's content (creating it).
---@param path string
---@param text string
function drydock.fs.write(path, text) end

--- Appends to the file (creating it).
---@param path string
---@param text string
function drydock.fs.append(path, text) end
