--- What the node actions share: reading a node's facts from its design table, and finding
--- the MAAS machine that is a node — by its PXE MAC or its BMC address, never by hostname
--- (MAAS names a machine it enlists itself).
local M = {}

--- The node's PXE MAC (its `metadata.boot_mac`), lowercase, or nil.
---@param node drydock.Node
---@return string?
function M.boot_mac(node)
  local mac = node.metadata and node.metadata.boot_mac
  return mac and mac:lower() or nil
end

--- The node's address on its OOB network: its BMC as the design names it.
---@param node drydock.Node
---@return string?
function M.bmc_address(node)
  local network = node.oob and node.oob.network
  for _, a in ipairs(node.addressing or {}) do
    if a.network == network and a.address ~= "dhcp" then return a.address end
  end
  return nil
end

--- The DNS domain the node's hostname lives in: its primary network's.
---@param design drydock.Design
---@param node drydock.Node
---@return string?
function M.domain(design, node)
  local network = node.primary_network and design:network(node.primary_network)
  return network and network.dns and network.dns.domain or nil
end

--- The tags the node carries in MAAS (its `metadata.tags`).
---@param node drydock.Node
---@return string[]
function M.tags(node) return node.metadata and node.metadata.tags or {} end

--- The machine MAAS knows as `node`, by PXE MAC first, then by BMC address among
--- `power` (`maas:power_parameters_all()`, read once for all nodes); nil when none.
---@param maas drydock.maas.Client
---@param node drydock.Node
---@param power? table<string, table> power parameters by system id
---@return drydock.maas.Machine?
function M.find_machine(maas, node, power)
  local mac = M.boot_mac(node)
  if mac then
    local found = maas:machines({ mac_address = { mac } })
    if found[1] then return found[1] end
  end
  local bmc = M.bmc_address(node)
  if bmc and power then
    for system_id, params in pairs(power) do
      if params.power_address == bmc then return maas:machine(system_id) end
    end
  end
  return nil
end

--- Logical CPUs, memory (GiB) and disks the node's hardware profile needs: enough CPUs for
--- every CPU its `cpu_sets` name, memory for its hugepages, a drive per SCSI device alias.
---@param design drydock.Design
---@param node drydock.Node
---@return {cpus: integer?, memory_gib: number?, drives: integer?}
function M.hardware_needs(design, node)
  local profile = node.hardware_profile and design:hardware_profile(node.hardware_profile)
  if not profile then return {} end
  local highest
  for _, set in pairs(profile.cpu_sets or {}) do
    for part in tostring(set):gmatch("[^,]+") do
      local last = tonumber(part:match("(%d+)%s*$"))
      if last and (not highest or last > highest) then highest = last end
    end
  end
  local gib = 0
  local units = { G = 1, M = 1 / 1024, K = 1 / (1024 * 1024) }
  for _, pages in pairs(profile.hugepages or {}) do
    local n, unit = tostring(pages.size or ""):match("^(%d+)([GMK])")
    if n then gib = gib + tonumber(n) * units[unit] * (tonumber(pages.count) or 0) end
  end
  local drives = 0
  for _, alias in pairs(profile.device_aliases or {}) do
    if alias.bus_type == "scsi" then drives = drives + 1 end
  end
  return {
    cpus = highest and highest + 1 or nil,
    memory_gib = gib > 0 and gib or nil,
    drives = drives > 0 and drives or nil,
  }
end

return M
