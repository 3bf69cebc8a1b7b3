---@meta
error("Cannot require a meta file")

--- Out-of-band control: a node's power and next boot device through its BMC (Redfish,
--- IPMI, libvirt), or through the operator for a node without one (`manual`). Every method
--- waits for what it asked for (a power change until the BMC reports it, up to
--- `--oob-power-timeout`) and raises an error value of kind `oob` naming the node, the BMC
--- (`e.bmc`, `e.protocol`) and what the BMC said; `e.retryable` says whether trying again may
--- help. Passwords never reach scripts.
---@class drydock.ooblib
drydock.oob = {}

--- The node's BMC, chosen by its `oob.type`. One handle per node until it is closed (its
--- session is reused, and closed when the run ends if the script did not close it).
---@param node drydock.Node|string the node's table (`ctx.nodes[i]`) or name
---@param design? drydock.Design the design to find it in; the action's own when nil
---@return drydock.OobDriver
function drydock.oob.driver(node, design) end

--- What a power operation did.
---@class drydock.PowerTransition
---@field from drydock.PowerState the state before
---@field to drydock.PowerState the state reached
---@field changed boolean false when the machine already was there (nothing was sent)
---@field waited number seconds it took
---@field message string Drydock's words, e.g. "Node reports power on."

---@alias drydock.PowerState "on"|"off"|"powering_on"|"powering_off"|"unknown"

--- What the BMC tells of the hardware; absent fields it did not tell.
---@class drydock.Inventory
---@field manufacturer? string
---@field model? string
---@field serial_number? string
---@field bios_version? string
---@field bmc_firmware? string
---@field cpu_count? integer processor sockets
---@field cpu_threads? integer logical CPUs (hardware threads)
---@field cpu_model? string
---@field memory_gib? number
---@field health? string "OK", "Warning", "Critical"
---@field drives? {name: string, capacity_bytes?: integer, model?: string}[]
---@field nics? {name: string, mac?: string}[]
---@field extra? table<string, any> what else the protocol tells (IPMI device id, FRU)

--- A node's BMC.
---@class drydock.OobDriver
---@field node string the node's name
---@field protocol "redfish"|"ipmi"|"libvirt"|"manual"
---@field bmc string the BMC as the design names it (address or libvirt URI; "" for manual)
local OobDriver = {}

--- The power state the BMC reports now ("unknown" for a manual node).
---@return drydock.PowerState
function OobDriver:power_state() end

--- Powers the machine on (nothing is sent when it is on already) and waits until it is.
---@return drydock.PowerTransition
function OobDriver:power_on() end

--- Cuts the power, or with `graceful` asks the OS to shut down, and waits until it is off.
---@param opts? {graceful?: boolean}
---@return drydock.PowerTransition
function OobDriver:power_off(opts) end

--- Off (unless off already), wait, on, wait: as Drydock power-cycles.
---@return drydock.PowerTransition
function OobDriver:power_cycle() end

--- Sets the device the machine boots from: the next boot only unless `persistent`. libvirt
--- has no next-boot-only setting: a libvirt node's boot order holds until changed.
---@param device "pxe"|"disk"
---@param opts? {persistent?: boolean, uefi?: boolean}
function OobDriver:set_boot(device, opts) end

--- What the BMC tells of the hardware.
---@return drydock.Inventory
function OobDriver:inventory() end

--- How MAAS should power the node: `power_type` and the `power_parameters_*` fields for
--- `update_machine`, pointing MAAS at the same BMC. The password is an opaque value that
--- prints as `<redacted>` and that only the MAAS client can send.
---@return {power_type: string, [string]: string|userdata}
function OobDriver:maas_power() end

--- Ends the driver's session now and lets go of the handle (the run ends the sessions of
--- the handles left open anyway): the node's next `drydock.oob.driver` is a new handle, and
--- this one's connection goes once nothing refers to it. A later call on it opens a new
--- session.
function OobDriver:close() end
