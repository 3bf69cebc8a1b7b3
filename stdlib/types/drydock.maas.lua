---@meta
error('Cannot require a meta file')

--- The MAAS API 2.0: a client per region. Calls wait for MAAS without blocking other
--- coroutines; failures raise errors that `drydock.error.info` describes.
---@class drydock.maaslib
drydock.maas = {}

---@class drydock.MaasConnect
---@field url? string e.g. "http://maas:5240/MAAS" (default: --maas-url / DRYDOCK_MAAS_URL)
---@field api_key? string consumer:token:secret (default: --maas-api-key-file / DRYDOCK_MAAS_API_KEY)
---@field timeout? number seconds per request (default 60)
---@field retry_deadline? number seconds after which retries stop (default 120)

--- Connects to a MAAS region (no request is made until the first call).
---@param opts? drydock.MaasConnect
---@return drydock.MaasClient
function drydock.maas.connect(opts) end

--- A MAAS region. Parameters are tables `{name = value}`; a list value repeats the field.
---@class drydock.MaasClient
local MaasClient = {}

--- GET `path` (below /MAAS/api/2.0/, e.g. "machines/") with an optional op and query params.
---@param path string
---@param op? string
---@param params? table<string, any>
---@return any
function MaasClient:get(path, op, params) end

--- POST `path` with an optional op and form params.
---@param path string
---@param op? string
---@param params? table<string, any>
---@return any
function MaasClient:post(path, op, params) end

--- PUT `path` with form params.
---@param path string
---@param params? table<string, any>
---@return any
function MaasClient:put(path, params) end

--- DELETE `path`.
---@param path string
---@return any
function MaasClient:delete(path) end

--- The region's version document (`version`, `subversion`, `capabilities`).
---@return table
function MaasClient:version() end

--- Machines, optionally filtered (`{hostname = {"n1", "n2"}}`, `{mac_address = ...}`).
---@param filter? table<string, any>
---@return table[]
function MaasClient:machines(filter) end

--- One machine by system id.
---@param system_id string
---@return table
function MaasClient:machine(system_id) end

--- Every fabric with its VLANs.
---@return table[]
function MaasClient:fabrics() end

--- Helpers for caught errors.
---@class drydock.errorlib
drydock.error = {}

--- What a caught error was.
---@class drydock.ErrorInfo
---@field kind "maas"|"lua"
---@field message string the whole message
---@field retryable boolean whether trying again later could succeed
---@field status? integer MAAS's HTTP status
---@field method? string
---@field path? string below /MAAS/api/2.0/
---@field op? string
---@field body? string MAAS's answer
---@field attempts? integer requests made, retries included

--- Describes an error caught with `pcall`.
---@param e any
---@return drydock.ErrorInfo
function drydock.error.info(e) end
