---@meta
error("Cannot require a meta file")

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

--- A MAAS region: raw calls for any endpoint, and a typed method per call the actions use.
---@class drydock.MaasClient
local MaasClient = {}

--- GET `path` (below /MAAS/api/2.0/, e.g. "machines/"): `client:get(path, params)` or
--- `client:get(path, op, params)`. Answers as MAAS sent them (JSON decoded; text as a string).
---@param path string
---@param op_or_params? string|table<string, drydock.maas.Param>
---@param params? table<string, drydock.maas.Param>
---@return any
function MaasClient:get(path, op_or_params, params) end

--- POST `path` with an optional op and form params: `client:post(path, op, params)`.
---@param path string
---@param op_or_params? string|table<string, drydock.maas.Param>
---@param params? table<string, drydock.maas.Param>
---@return any
function MaasClient:post(path, op_or_params, params) end

--- PUT `path` with form params.
---@param path string
---@param params? table<string, drydock.maas.Param>
---@return any
function MaasClient:put(path, params) end

--- DELETE `path`.
---@param path string
---@return any
function MaasClient:delete(path) end

--- Machines waited on together: every `next` of the nodes waiting is served by one
--- `GET machines/` per `every` seconds (100 machines a request), not one each.
---@param every number seconds between readings
---@return drydock.MaasWatch
function MaasClient:watch(every) end

---@class drydock.MaasWatch
local MaasWatch = {}

--- The machine at the next reading (one made after this call, at most `every` after the
--- last): by its system id, or the machine a MAC turns up on. nil when MAAS has none (or the
--- reading failed: the second value says why).
---@param key {system_id?: string, mac_address?: string}
---@return drydock.maas.Glimpse?
---@return string? error why the reading failed
function MaasWatch:next(key) end

--- What a watch tells of a machine: who it is and where its lifecycle is.
---@class drydock.maas.Glimpse
---@field system_id string
---@field hostname string
---@field fqdn string
---@field status_name string
---@field status_message? string
---@field power_state string
---@field osystem string
---@field distro_series string
---@field hwe_kernel? string

------------------------------------------------------------------------------------------
-- Typed calls. Each checks its parameter names against what MAAS takes for it before
-- sending, and checks the answer against the object model below; answers come back as MAAS
-- sent them (plain tables, JSON null as nil). Path arguments come first, then `params`.
------------------------------------------------------------------------------------------

--- A parameter value: a list repeats the field (`{parents = {4, 5}}`).
---@alias drydock.maas.Param string|integer|number|boolean|(string|integer)[]

-- BEGIN GENERATED: typed calls, from the calls! tables in src/maas/resources/.
-- Edit those, then: DRYDOCK_UPDATE_TYPES=1 cargo test --test lua_types

-- version

--- The region's version document (anonymous in MAAS; signed here like every call).
--- `GET version/`
---@return drydock.maas.Version
function MaasClient:version() end

--- The user the API key belongs to.
--- `GET users/ op=whoami`
---@return drydock.maas.User
function MaasClient:whoami() end

-- machines

--- Machines, optionally filtered (`hostname`, `mac_address`, `id` repeat).
--- `GET machines/`
---@param params? {hostname?: drydock.maas.Param, mac_address?: drydock.maas.Param, id?: drydock.maas.Param, domain?: drydock.maas.Param, zone?: drydock.maas.Param, pool?: drydock.maas.Param, agent_name?: drydock.maas.Param, status?: drydock.maas.Param}
---@return drydock.maas.Machine[]
function MaasClient:machines(params) end

--- One machine by system id.
--- `GET machines/{system_id}/`
---@param system_id string|integer
---@return drydock.maas.Machine
function MaasClient:machine(system_id) end

--- Creates (enlists) a machine; MAAS commissions it unless `commission=false`.
--- `POST machines/`
---@param params? {architecture?: drydock.maas.Param, mac_addresses?: drydock.maas.Param, hostname?: drydock.maas.Param, description?: drydock.maas.Param, domain?: drydock.maas.Param, power_type?: drydock.maas.Param, commission?: drydock.maas.Param, enable_ssh?: drydock.maas.Param, skip_bmc_config?: drydock.maas.Param, skip_networking?: drydock.maas.Param, skip_storage?: drydock.maas.Param, commissioning_scripts?: drydock.maas.Param, testing_scripts?: drydock.maas.Param, min_hwe_kernel?: drydock.maas.Param, subarchitecture?: drydock.maas.Param, deployed?: drydock.maas.Param, [string]: drydock.maas.Param} also any power_parameters_<name>
---@return drydock.maas.Machine
function MaasClient:create_machine(params) end

--- Updates a machine's hostname, domain, power settings, pool, zone…
--- `PUT machines/{system_id}/`
---@param system_id string|integer
---@param params? {hostname?: drydock.maas.Param, description?: drydock.maas.Param, domain?: drydock.maas.Param, architecture?: drydock.maas.Param, cpu_count?: drydock.maas.Param, memory?: drydock.maas.Param, min_hwe_kernel?: drydock.maas.Param, pool?: drydock.maas.Param, zone?: drydock.maas.Param, swap_size?: drydock.maas.Param, disable_ipv4?: drydock.maas.Param, power_type?: drydock.maas.Param, [string]: drydock.maas.Param} also any power_parameters_<name>
---@return drydock.maas.Machine
function MaasClient:update_machine(system_id, params) end

--- Deletes a machine.
--- `DELETE machines/{system_id}/`
---@param system_id string|integer
function MaasClient:delete_machine(system_id) end

--- Every machine's power parameters by system id (carries BMC passwords).
--- `GET machines/ op=power_parameters`
---@param params? {id?: drydock.maas.Param}
---@return table<string, any>
function MaasClient:power_parameters_all(params) end

--- One machine's power parameters (carries its BMC password).
--- `GET machines/{system_id}/ op=power_parameters`
---@param system_id string|integer
---@return table<string, any>
function MaasClient:power_parameters(system_id) end

--- What commissioning found (lshw and lldp output); MAAS answers it in BSON.
--- `GET machines/{system_id}/ op=details`
---@param system_id string|integer
---@return drydock.maas.MachineDetails
function MaasClient:details(system_id) end

--- Starts commissioning.
--- `POST machines/{system_id}/ op=commission`
---@param system_id string|integer
---@param params? {enable_ssh?: drydock.maas.Param, skip_bmc_config?: drydock.maas.Param, skip_networking?: drydock.maas.Param, skip_storage?: drydock.maas.Param, commissioning_scripts?: drydock.maas.Param, testing_scripts?: drydock.maas.Param}
---@return drydock.maas.Machine
function MaasClient:commission(system_id, params) end

--- Allocates a Ready machine to the caller (`system_id` or `name` picks one).
--- `POST machines/ op=allocate`
---@param params? {system_id?: drydock.maas.Param, name?: drydock.maas.Param, arch?: drydock.maas.Param, cpu_count?: drydock.maas.Param, mem?: drydock.maas.Param, tags?: drydock.maas.Param, not_tags?: drydock.maas.Param, zone?: drydock.maas.Param, pool?: drydock.maas.Param, agent_name?: drydock.maas.Param, comment?: drydock.maas.Param, dry_run?: drydock.maas.Param, verbose?: drydock.maas.Param}
---@return drydock.maas.Machine
function MaasClient:allocate(params) end

--- The machines allocated to the caller.
--- `GET machines/ op=list_allocated`
---@return drydock.maas.Machine[]
function MaasClient:list_allocated() end

--- Deploys an allocated (or Ready) machine.
--- `POST machines/{system_id}/ op=deploy`
---@param system_id string|integer
---@param params? {distro_series?: drydock.maas.Param, osystem?: drydock.maas.Param, hwe_kernel?: drydock.maas.Param, user_data?: drydock.maas.Param, agent_name?: drydock.maas.Param, comment?: drydock.maas.Param, install_kvm?: drydock.maas.Param, install_rackd?: drydock.maas.Param, register_vmhost?: drydock.maas.Param, bridge_all?: drydock.maas.Param, bridge_type?: drydock.maas.Param, bridge_stp?: drydock.maas.Param, bridge_fd?: drydock.maas.Param, enable_hw_sync?: drydock.maas.Param, ephemeral_deploy?: drydock.maas.Param}
---@return drydock.maas.Machine
function MaasClient:deploy(system_id, params) end

--- Releases a machine back to Ready, optionally erasing its disks.
--- `POST machines/{system_id}/ op=release`
---@param system_id string|integer
---@param params? {comment?: drydock.maas.Param, erase?: drydock.maas.Param, secure_erase?: drydock.maas.Param, quick_erase?: drydock.maas.Param, force?: drydock.maas.Param}
---@return drydock.maas.Machine
function MaasClient:release(system_id, params) end

--- Aborts the current operation (commissioning, deploying, releasing, testing).
--- `POST machines/{system_id}/ op=abort`
---@param system_id string|integer
---@param params? {comment?: drydock.maas.Param}
---@return drydock.maas.Machine
function MaasClient:abort(system_id, params) end

--- Marks a machine Broken.
--- `POST machines/{system_id}/ op=mark_broken`
---@param system_id string|integer
---@param params? {comment?: drydock.maas.Param}
---@return drydock.maas.Machine
function MaasClient:mark_broken(system_id, params) end

--- Marks a Broken machine fixed (back to Ready).
--- `POST machines/{system_id}/ op=mark_fixed`
---@param system_id string|integer
---@param params? {comment?: drydock.maas.Param}
---@return drydock.maas.Machine
function MaasClient:mark_fixed(system_id, params) end

--- Powers a machine on through its BMC (MAAS may answer with nothing).
--- `POST machines/{system_id}/ op=power_on`
---@param system_id string|integer
---@param params? {user_data?: drydock.maas.Param, comment?: drydock.maas.Param}
---@return drydock.maas.Machine?
function MaasClient:power_on(system_id, params) end

--- Powers a machine off through its BMC (MAAS may answer with nothing).
--- `POST machines/{system_id}/ op=power_off`
---@param system_id string|integer
---@param params? {stop_mode?: drydock.maas.Param, comment?: drydock.maas.Param}
---@return drydock.maas.Machine?
function MaasClient:power_off(system_id, params) end

--- Asks the BMC for the power state now.
--- `GET machines/{system_id}/ op=query_power_state`
---@param system_id string|integer
---@return drydock.maas.PowerStateAnswer
function MaasClient:query_power_state(system_id) end

--- Sets the workload annotations (owner data) of a machine allocated to the caller: any `key = value`; an empty value removes the key.
--- `POST machines/{system_id}/ op=set_workload_annotations`
---@param system_id string|integer
---@param params? {[string]: drydock.maas.Param} also any <name>
---@return drydock.maas.Machine
function MaasClient:set_workload_annotations(system_id, params) end

--- Replaces the storage configuration with a layout (`flat`, `lvm`, `blank`…).
--- `POST machines/{system_id}/ op=set_storage_layout`
---@param system_id string|integer
---@param params? {storage_layout?: drydock.maas.Param, boot_size?: drydock.maas.Param, root_size?: drydock.maas.Param, root_device?: drydock.maas.Param, vg_name?: drydock.maas.Param, lv_name?: drydock.maas.Param, lv_size?: drydock.maas.Param}
---@return drydock.maas.Machine
function MaasClient:set_storage_layout(system_id, params) end

-- interfaces

--- A machine's interfaces.
--- `GET nodes/{system_id}/interfaces/`
---@param system_id string|integer
---@return drydock.maas.Interface[]
function MaasClient:interfaces(system_id) end

--- One interface by id.
--- `GET nodes/{system_id}/interfaces/{id}/`
---@param system_id string|integer
---@param id string|integer
---@return drydock.maas.Interface
function MaasClient:interface(system_id, id) end

--- Updates an interface (name, VLAN, MTU, bond settings…).
--- `PUT nodes/{system_id}/interfaces/{id}/`
---@param system_id string|integer
---@param id string|integer
---@param params? {name?: drydock.maas.Param, mac_address?: drydock.maas.Param, vlan?: drydock.maas.Param, mtu?: drydock.maas.Param, tags?: drydock.maas.Param, accept_ra?: drydock.maas.Param, link_connected?: drydock.maas.Param, bond_mode?: drydock.maas.Param, bond_miimon?: drydock.maas.Param, bond_downdelay?: drydock.maas.Param, bond_updelay?: drydock.maas.Param, bond_lacp_rate?: drydock.maas.Param, bond_xmit_hash_policy?: drydock.maas.Param}
---@return drydock.maas.Interface
function MaasClient:update_interface(system_id, id, params) end

--- Deletes an interface.
--- `DELETE nodes/{system_id}/interfaces/{id}/`
---@param system_id string|integer
---@param id string|integer
function MaasClient:delete_interface(system_id, id) end

--- Creates a bond of `parents` (interface ids).
--- `POST nodes/{system_id}/interfaces/ op=create_bond`
---@param system_id string|integer
---@param params? {name?: drydock.maas.Param, parents?: drydock.maas.Param, mac_address?: drydock.maas.Param, vlan?: drydock.maas.Param, mtu?: drydock.maas.Param, tags?: drydock.maas.Param, accept_ra?: drydock.maas.Param, bond_mode?: drydock.maas.Param, bond_miimon?: drydock.maas.Param, bond_downdelay?: drydock.maas.Param, bond_updelay?: drydock.maas.Param, bond_lacp_rate?: drydock.maas.Param, bond_xmit_hash_policy?: drydock.maas.Param, bond_num_grat_arp?: drydock.maas.Param}
---@return drydock.maas.Interface
function MaasClient:create_bond(system_id, params) end

--- Creates a VLAN interface on `parent` for `vlan` (a VLAN id).
--- `POST nodes/{system_id}/interfaces/ op=create_vlan`
---@param system_id string|integer
---@param params? {parent?: drydock.maas.Param, vlan?: drydock.maas.Param, mtu?: drydock.maas.Param, tags?: drydock.maas.Param, accept_ra?: drydock.maas.Param}
---@return drydock.maas.Interface
function MaasClient:create_vlan_interface(system_id, params) end

--- Links an interface to a subnet (`mode` auto, dhcp, static or link_up).
--- `POST nodes/{system_id}/interfaces/{id}/ op=link_subnet`
---@param system_id string|integer
---@param id string|integer
---@param params? {mode?: drydock.maas.Param, subnet?: drydock.maas.Param, ip_address?: drydock.maas.Param, default_gateway?: drydock.maas.Param, force?: drydock.maas.Param}
---@return drydock.maas.Interface
function MaasClient:link_subnet(system_id, id, params) end

--- Removes one of an interface's links (`id` is the link id).
--- `POST nodes/{system_id}/interfaces/{id}/ op=unlink_subnet`
---@param system_id string|integer
---@param id string|integer
---@param params? {id?: drydock.maas.Param}
---@return drydock.maas.Interface
function MaasClient:unlink_subnet(system_id, id, params) end

--- Makes one of the interface's links the machine's default gateway.
--- `POST nodes/{system_id}/interfaces/{id}/ op=set_default_gateway`
---@param system_id string|integer
---@param id string|integer
---@param params? {link_id?: drydock.maas.Param}
---@return drydock.maas.Interface
function MaasClient:set_default_gateway(system_id, id, params) end

-- block devices

--- A machine's block devices (physical disks and logical volumes).
--- `GET nodes/{system_id}/blockdevices/`
---@param system_id string|integer
---@return drydock.maas.BlockDevice[]
function MaasClient:block_devices(system_id) end

--- One block device.
--- `GET nodes/{system_id}/blockdevices/{id}/`
---@param system_id string|integer
---@param id string|integer
---@return drydock.maas.BlockDevice
function MaasClient:block_device(system_id, id) end

--- Adds a physical block device (MAAS finds disks when commissioning; this is for the rest).
--- `POST nodes/{system_id}/blockdevices/`
---@param system_id string|integer
---@param params? {name?: drydock.maas.Param, size?: drydock.maas.Param, block_size?: drydock.maas.Param, model?: drydock.maas.Param, serial?: drydock.maas.Param, id_path?: drydock.maas.Param}
---@return drydock.maas.BlockDevice
function MaasClient:create_block_device(system_id, params) end

--- Deletes a block device.
--- `DELETE nodes/{system_id}/blockdevices/{id}/`
---@param system_id string|integer
---@param id string|integer
function MaasClient:delete_block_device(system_id, id) end

--- Makes a disk the boot disk.
--- `POST nodes/{system_id}/blockdevices/{id}/ op=set_boot_disk`
---@param system_id string|integer
---@param id string|integer
---@return string
function MaasClient:set_boot_disk(system_id, id) end

--- Formats a whole block device.
--- `POST nodes/{system_id}/blockdevices/{id}/ op=format`
---@param system_id string|integer
---@param id string|integer
---@param params? {fstype?: drydock.maas.Param, uuid?: drydock.maas.Param}
---@return drydock.maas.BlockDevice
function MaasClient:format_block_device(system_id, id, params) end

--- Removes the filesystem from a block device.
--- `POST nodes/{system_id}/blockdevices/{id}/ op=unformat`
---@param system_id string|integer
---@param id string|integer
---@return drydock.maas.BlockDevice
function MaasClient:unformat_block_device(system_id, id) end

--- Mounts a block device's filesystem.
--- `POST nodes/{system_id}/blockdevices/{id}/ op=mount`
---@param system_id string|integer
---@param id string|integer
---@param params? {mount_point?: drydock.maas.Param, mount_options?: drydock.maas.Param}
---@return drydock.maas.BlockDevice
function MaasClient:mount_block_device(system_id, id, params) end

--- Unmounts a block device's filesystem.
--- `POST nodes/{system_id}/blockdevices/{id}/ op=unmount`
---@param system_id string|integer
---@param id string|integer
---@return drydock.maas.BlockDevice
function MaasClient:unmount_block_device(system_id, id) end

--- A block device's partitions.
--- `GET nodes/{system_id}/blockdevices/{device_id}/partitions/`
---@param system_id string|integer
---@param device_id string|integer
---@return drydock.maas.Partition[]
function MaasClient:partitions(system_id, device_id) end

--- One partition.
--- `GET nodes/{system_id}/blockdevices/{device_id}/partition/{id}`
---@param system_id string|integer
---@param device_id string|integer
---@param id string|integer
---@return drydock.maas.Partition
function MaasClient:partition(system_id, device_id, id) end

--- Creates a partition (`size` in bytes; the rest of the disk when absent).
--- `POST nodes/{system_id}/blockdevices/{device_id}/partitions/`
---@param system_id string|integer
---@param device_id string|integer
---@param params? {size?: drydock.maas.Param, bootable?: drydock.maas.Param, uuid?: drydock.maas.Param}
---@return drydock.maas.Partition
function MaasClient:create_partition(system_id, device_id, params) end

--- Deletes a partition.
--- `DELETE nodes/{system_id}/blockdevices/{device_id}/partition/{id}`
---@param system_id string|integer
---@param device_id string|integer
---@param id string|integer
function MaasClient:delete_partition(system_id, device_id, id) end

--- Formats a partition.
--- `POST nodes/{system_id}/blockdevices/{device_id}/partition/{id} op=format`
---@param system_id string|integer
---@param device_id string|integer
---@param id string|integer
---@param params? {fstype?: drydock.maas.Param, label?: drydock.maas.Param, uuid?: drydock.maas.Param}
---@return drydock.maas.Partition
function MaasClient:format_partition(system_id, device_id, id, params) end

--- Removes a partition's filesystem.
--- `POST nodes/{system_id}/blockdevices/{device_id}/partition/{id} op=unformat`
---@param system_id string|integer
---@param device_id string|integer
---@param id string|integer
---@return drydock.maas.Partition
function MaasClient:unformat_partition(system_id, device_id, id) end

--- Mounts a partition's filesystem.
--- `POST nodes/{system_id}/blockdevices/{device_id}/partition/{id} op=mount`
---@param system_id string|integer
---@param device_id string|integer
---@param id string|integer
---@param params? {mount_point?: drydock.maas.Param, mount_options?: drydock.maas.Param}
---@return drydock.maas.Partition
function MaasClient:mount_partition(system_id, device_id, id, params) end

--- Unmounts a partition's filesystem.
--- `POST nodes/{system_id}/blockdevices/{device_id}/partition/{id} op=unmount`
---@param system_id string|integer
---@param device_id string|integer
---@param id string|integer
---@return drydock.maas.Partition
function MaasClient:unmount_partition(system_id, device_id, id) end

-- volume groups

--- A machine's volume groups.
--- `GET nodes/{system_id}/volume-groups/`
---@param system_id string|integer
---@return drydock.maas.VolumeGroup[]
function MaasClient:volume_groups(system_id) end

--- One volume group.
--- `GET nodes/{system_id}/volume-group/{id}/`
---@param system_id string|integer
---@param id string|integer
---@return drydock.maas.VolumeGroup
function MaasClient:volume_group(system_id, id) end

--- Creates a volume group on block devices and/or partitions (ids, repeatable).
--- `POST nodes/{system_id}/volume-groups/`
---@param system_id string|integer
---@param params? {name?: drydock.maas.Param, uuid?: drydock.maas.Param, block_devices?: drydock.maas.Param, partitions?: drydock.maas.Param}
---@return drydock.maas.VolumeGroup
function MaasClient:create_volume_group(system_id, params) end

--- Deletes a volume group.
--- `DELETE nodes/{system_id}/volume-group/{id}/`
---@param system_id string|integer
---@param id string|integer
function MaasClient:delete_volume_group(system_id, id) end

--- Creates a logical volume (`size` in bytes); answers with the new virtual block device.
--- `POST nodes/{system_id}/volume-group/{id}/ op=create_logical_volume`
---@param system_id string|integer
---@param id string|integer
---@param params? {name?: drydock.maas.Param, size?: drydock.maas.Param, uuid?: drydock.maas.Param}
---@return drydock.maas.LogicalVolume
function MaasClient:create_logical_volume(system_id, id, params) end

--- Deletes a logical volume (`id` is its block device id).
--- `POST nodes/{system_id}/volume-group/{id}/ op=delete_logical_volume`
---@param system_id string|integer
---@param id string|integer
---@param params? {id?: drydock.maas.Param}
---@return any
function MaasClient:delete_logical_volume(system_id, id, params) end

-- fabrics

--- Every fabric with its VLANs.
--- `GET fabrics/`
---@return drydock.maas.Fabric[]
function MaasClient:fabrics() end

--- One fabric.
--- `GET fabrics/{id}/`
---@param id string|integer
---@return drydock.maas.Fabric
function MaasClient:fabric(id) end

--- Creates a fabric (it comes with its untagged VLAN).
--- `POST fabrics/`
---@param params? {name?: drydock.maas.Param, description?: drydock.maas.Param, class_type?: drydock.maas.Param}
---@return drydock.maas.Fabric
function MaasClient:create_fabric(params) end

--- Updates a fabric.
--- `PUT fabrics/{id}/`
---@param id string|integer
---@param params? {name?: drydock.maas.Param, description?: drydock.maas.Param, class_type?: drydock.maas.Param}
---@return drydock.maas.Fabric
function MaasClient:update_fabric(id, params) end

--- Deletes a fabric.
--- `DELETE fabrics/{id}/`
---@param id string|integer
function MaasClient:delete_fabric(id) end

-- vlans

--- A fabric's VLANs.
--- `GET fabrics/{fabric_id}/vlans/`
---@param fabric_id string|integer
---@return drydock.maas.Vlan[]
function MaasClient:vlans(fabric_id) end

--- One VLAN by fabric and VID.
--- `GET fabrics/{fabric_id}/vlans/{vid}/`
---@param fabric_id string|integer
---@param vid string|integer
---@return drydock.maas.Vlan
function MaasClient:vlan(fabric_id, vid) end

--- Creates a tagged VLAN in a fabric.
--- `POST fabrics/{fabric_id}/vlans/`
---@param fabric_id string|integer
---@param params? {vid?: drydock.maas.Param, name?: drydock.maas.Param, description?: drydock.maas.Param, mtu?: drydock.maas.Param, space?: drydock.maas.Param}
---@return drydock.maas.Vlan
function MaasClient:create_vlan(fabric_id, params) end

--- Updates a VLAN (MTU, DHCP, racks, relay, space).
--- `PUT fabrics/{fabric_id}/vlans/{vid}/`
---@param fabric_id string|integer
---@param vid string|integer
---@param params? {name?: drydock.maas.Param, description?: drydock.maas.Param, mtu?: drydock.maas.Param, dhcp_on?: drydock.maas.Param, primary_rack?: drydock.maas.Param, secondary_rack?: drydock.maas.Param, relay_vlan?: drydock.maas.Param, space?: drydock.maas.Param}
---@return drydock.maas.Vlan
function MaasClient:update_vlan(fabric_id, vid, params) end

--- Deletes a VLAN.
--- `DELETE fabrics/{fabric_id}/vlans/{vid}/`
---@param fabric_id string|integer
---@param vid string|integer
function MaasClient:delete_vlan(fabric_id, vid) end

-- subnets

--- Every subnet.
--- `GET subnets/`
---@return drydock.maas.Subnet[]
function MaasClient:subnets() end

--- One subnet by id (or CIDR).
--- `GET subnets/{id}/`
---@param id string|integer
---@return drydock.maas.Subnet
function MaasClient:subnet(id) end

--- Creates a subnet on a VLAN (`vlan` id, or `fabric` + `vid`).
--- `POST subnets/`
---@param params? {cidr?: drydock.maas.Param, name?: drydock.maas.Param, description?: drydock.maas.Param, vlan?: drydock.maas.Param, fabric?: drydock.maas.Param, vid?: drydock.maas.Param, space?: drydock.maas.Param, gateway_ip?: drydock.maas.Param, dns_servers?: drydock.maas.Param, rdns_mode?: drydock.maas.Param, allow_dns?: drydock.maas.Param, allow_proxy?: drydock.maas.Param, managed?: drydock.maas.Param, disabled_boot_architectures?: drydock.maas.Param}
---@return drydock.maas.Subnet
function MaasClient:create_subnet(params) end

--- Updates a subnet.
--- `PUT subnets/{id}/`
---@param id string|integer
---@param params? {cidr?: drydock.maas.Param, name?: drydock.maas.Param, description?: drydock.maas.Param, vlan?: drydock.maas.Param, fabric?: drydock.maas.Param, vid?: drydock.maas.Param, space?: drydock.maas.Param, gateway_ip?: drydock.maas.Param, dns_servers?: drydock.maas.Param, rdns_mode?: drydock.maas.Param, allow_dns?: drydock.maas.Param, allow_proxy?: drydock.maas.Param, managed?: drydock.maas.Param, disabled_boot_architectures?: drydock.maas.Param}
---@return drydock.maas.Subnet
function MaasClient:update_subnet(id, params) end

--- Deletes a subnet.
--- `DELETE subnets/{id}/`
---@param id string|integer
function MaasClient:delete_subnet(id) end

--- The subnet's reserved spans (gateway, ranges, static addresses).
--- `GET subnets/{id}/ op=reserved_ip_ranges`
---@param id string|integer
---@return drydock.maas.AddressSpan[]
function MaasClient:reserved_ip_ranges(id) end

--- The subnet's free spans.
--- `GET subnets/{id}/ op=unreserved_ip_ranges`
---@param id string|integer
---@return drydock.maas.AddressSpan[]
function MaasClient:unreserved_ip_ranges(id) end

--- Address usage counts.
--- `GET subnets/{id}/ op=statistics`
---@param id string|integer
---@return drydock.maas.SubnetStatistics
function MaasClient:subnet_statistics(id) end

-- ip ranges

--- Every IP range.
--- `GET ipranges/`
---@return drydock.maas.IpRange[]
function MaasClient:ip_ranges() end

--- One IP range.
--- `GET ipranges/{id}/`
---@param id string|integer
---@return drydock.maas.IpRange
function MaasClient:ip_range(id) end

--- Creates a range (`type` dynamic or reserved).
--- `POST ipranges/`
---@param params? {type?: drydock.maas.Param, start_ip?: drydock.maas.Param, end_ip?: drydock.maas.Param, subnet?: drydock.maas.Param, comment?: drydock.maas.Param}
---@return drydock.maas.IpRange
function MaasClient:create_ip_range(params) end

--- Moves a range's ends or changes its comment.
--- `PUT ipranges/{id}/`
---@param id string|integer
---@param params? {start_ip?: drydock.maas.Param, end_ip?: drydock.maas.Param, comment?: drydock.maas.Param}
---@return drydock.maas.IpRange
function MaasClient:update_ip_range(id, params) end

--- Deletes a range.
--- `DELETE ipranges/{id}/`
---@param id string|integer
function MaasClient:delete_ip_range(id) end

-- static routes

--- Every static route.
--- `GET static-routes/`
---@return drydock.maas.StaticRoute[]
function MaasClient:static_routes() end

--- One static route.
--- `GET static-routes/{id}/`
---@param id string|integer
---@return drydock.maas.StaticRoute
function MaasClient:static_route(id) end

--- Creates a route from `source` to `destination` (subnet ids) via `gateway_ip`.
--- `POST static-routes/`
---@param params? {source?: drydock.maas.Param, destination?: drydock.maas.Param, gateway_ip?: drydock.maas.Param, metric?: drydock.maas.Param}
---@return drydock.maas.StaticRoute
function MaasClient:create_static_route(params) end

--- Updates a route.
--- `PUT static-routes/{id}/`
---@param id string|integer
---@param params? {source?: drydock.maas.Param, destination?: drydock.maas.Param, gateway_ip?: drydock.maas.Param, metric?: drydock.maas.Param}
---@return drydock.maas.StaticRoute
function MaasClient:update_static_route(id, params) end

--- Deletes a route.
--- `DELETE static-routes/{id}/`
---@param id string|integer
function MaasClient:delete_static_route(id) end

-- spaces

--- Every space.
--- `GET spaces/`
---@return drydock.maas.Space[]
function MaasClient:spaces() end

--- One space.
--- `GET spaces/{id}/`
---@param id string|integer
---@return drydock.maas.Space
function MaasClient:space(id) end

--- Creates a space.
--- `POST spaces/`
---@param params? {name?: drydock.maas.Param, description?: drydock.maas.Param}
---@return drydock.maas.Space
function MaasClient:create_space(params) end

--- Updates a space.
--- `PUT spaces/{id}/`
---@param id string|integer
---@param params? {name?: drydock.maas.Param, description?: drydock.maas.Param}
---@return drydock.maas.Space
function MaasClient:update_space(id, params) end

--- Deletes a space.
--- `DELETE spaces/{id}/`
---@param id string|integer
function MaasClient:delete_space(id) end

-- domains

--- Every domain.
--- `GET domains/`
---@return drydock.maas.Domain[]
function MaasClient:domains() end

--- One domain.
--- `GET domains/{id}/`
---@param id string|integer
---@return drydock.maas.Domain
function MaasClient:domain(id) end

--- Creates a domain.
--- `POST domains/`
---@param params? {name?: drydock.maas.Param, authoritative?: drydock.maas.Param, forward_dns_servers?: drydock.maas.Param}
---@return drydock.maas.Domain
function MaasClient:create_domain(params) end

--- Updates a domain.
--- `PUT domains/{id}/`
---@param id string|integer
---@param params? {name?: drydock.maas.Param, authoritative?: drydock.maas.Param, ttl?: drydock.maas.Param, forward_dns_servers?: drydock.maas.Param}
---@return drydock.maas.Domain
function MaasClient:update_domain(id, params) end

--- Makes a domain the default for new machines.
--- `POST domains/{id}/ op=set_default`
---@param id string|integer
---@return drydock.maas.Domain
function MaasClient:set_default_domain(id) end

--- Deletes a domain.
--- `DELETE domains/{id}/`
---@param id string|integer
function MaasClient:delete_domain(id) end

-- tags

--- Every tag.
--- `GET tags/`
---@return drydock.maas.Tag[]
function MaasClient:tags() end

--- One tag by name.
--- `GET tags/{name}/`
---@param name string|integer
---@return drydock.maas.Tag
function MaasClient:tag(name) end

--- Creates a tag.
--- `POST tags/`
---@param params? {name?: drydock.maas.Param, comment?: drydock.maas.Param, definition?: drydock.maas.Param, kernel_opts?: drydock.maas.Param}
---@return drydock.maas.Tag
function MaasClient:create_tag(params) end

--- Updates a tag.
--- `PUT tags/{name}/`
---@param name string|integer
---@param params? {name?: drydock.maas.Param, comment?: drydock.maas.Param, definition?: drydock.maas.Param}
---@return drydock.maas.Tag
function MaasClient:update_tag(name, params) end

--- Deletes a tag.
--- `DELETE tags/{name}/`
---@param name string|integer
function MaasClient:delete_tag(name) end

--- The machines carrying a tag.
--- `GET tags/{name}/ op=machines`
---@param name string|integer
---@return drydock.maas.Machine[]
function MaasClient:tag_machines(name) end

--- Adds and removes machines (`add`, `remove`: system ids, repeatable).
--- `POST tags/{name}/ op=update_nodes`
---@param name string|integer
---@param params? {add?: drydock.maas.Param, remove?: drydock.maas.Param, definition?: drydock.maas.Param}
---@return drydock.maas.TagChanges
function MaasClient:update_tag_nodes(name, params) end

-- boot resources

--- The region's boot resources (`type` filters: synced, uploaded, generated).
--- `GET boot-resources/`
---@param params? {type?: drydock.maas.Param}
---@return drydock.maas.BootResource[]
function MaasClient:boot_resources(params) end

--- One boot resource.
--- `GET boot-resources/{id}/`
---@param id string|integer
---@return drydock.maas.BootResource
function MaasClient:boot_resource(id) end

--- Whether the region is importing images now.
--- `GET boot-resources/ op=is_importing`
---@return boolean
function MaasClient:is_importing() end

--- Starts importing the selected images.
--- `POST boot-resources/ op=import`
---@return any
function MaasClient:import_boot_resources() end

--- Where images come from.
--- `GET boot-sources/`
---@return drydock.maas.BootSource[]
function MaasClient:boot_sources() end

--- What is imported from a source.
--- `GET boot-sources/{boot_source_id}/selections/`
---@param boot_source_id string|integer
---@return drydock.maas.BootSourceSelection[]
function MaasClient:boot_source_selections(boot_source_id) end

--- Selects an OS release (and arches) for import.
--- `POST boot-sources/{boot_source_id}/selections/`
---@param boot_source_id string|integer
---@param params? {os?: drydock.maas.Param, release?: drydock.maas.Param, arches?: drydock.maas.Param, subarches?: drydock.maas.Param, labels?: drydock.maas.Param}
---@return drydock.maas.BootSourceSelection
function MaasClient:create_boot_source_selection(boot_source_id, params) end

--- Changes a selection.
--- `PUT boot-sources/{boot_source_id}/selections/{id}/`
---@param boot_source_id string|integer
---@param id string|integer
---@param params? {os?: drydock.maas.Param, release?: drydock.maas.Param, arches?: drydock.maas.Param, subarches?: drydock.maas.Param, labels?: drydock.maas.Param}
---@return drydock.maas.BootSourceSelection
function MaasClient:update_boot_source_selection(boot_source_id, id, params) end

--- Removes a selection.
--- `DELETE boot-sources/{boot_source_id}/selections/{id}/`
---@param boot_source_id string|integer
---@param id string|integer
function MaasClient:delete_boot_source_selection(boot_source_id, id) end

-- rack controllers

--- Every rack controller.
--- `GET rackcontrollers/`
---@param params? {hostname?: drydock.maas.Param, id?: drydock.maas.Param, mac_address?: drydock.maas.Param, domain?: drydock.maas.Param, zone?: drydock.maas.Param, pool?: drydock.maas.Param, agent_name?: drydock.maas.Param, status?: drydock.maas.Param}
---@return drydock.maas.RackController[]
function MaasClient:rack_controllers(params) end

--- One rack controller.
--- `GET rackcontrollers/{system_id}/`
---@param system_id string|integer
---@return drydock.maas.RackController
function MaasClient:rack_controller(system_id) end

--- Asks every rack to sync the region's boot images.
--- `POST rackcontrollers/ op=import_boot_images`
---@return any
function MaasClient:import_rack_boot_images() end

--- The images a rack holds and whether it is in sync with the region.
--- `GET rackcontrollers/{system_id}/ op=list_boot_images`
---@param system_id string|integer
---@return drydock.maas.RackBootImages
function MaasClient:rack_boot_images(system_id) end

-- ssh keys

--- The user's SSH keys.
--- `GET account/prefs/sshkeys/`
---@return drydock.maas.SshKey[]
function MaasClient:ssh_keys() end

--- One SSH key.
--- `GET account/prefs/sshkeys/{id}/`
---@param id string|integer
---@return drydock.maas.SshKey
function MaasClient:ssh_key(id) end

--- Adds a public key.
--- `POST account/prefs/sshkeys/`
---@param params? {key?: drydock.maas.Param}
---@return drydock.maas.SshKey
function MaasClient:create_ssh_key(params) end

--- Removes a key.
--- `DELETE account/prefs/sshkeys/{id}/`
---@param id string|integer
function MaasClient:delete_ssh_key(id) end

-- package repositories

--- Every package repository.
--- `GET package-repositories/`
---@return drydock.maas.PackageRepository[]
function MaasClient:package_repositories() end

--- One package repository.
--- `GET package-repositories/{id}/`
---@param id string|integer
---@return drydock.maas.PackageRepository
function MaasClient:package_repository(id) end

--- Adds a repository (list fields comma-separated).
--- `POST package-repositories/`
---@param params? {name?: drydock.maas.Param, url?: drydock.maas.Param, distributions?: drydock.maas.Param, components?: drydock.maas.Param, arches?: drydock.maas.Param, key?: drydock.maas.Param, enabled?: drydock.maas.Param, disabled_pockets?: drydock.maas.Param, disabled_components?: drydock.maas.Param}
---@return drydock.maas.PackageRepository
function MaasClient:create_package_repository(params) end

--- Updates a repository.
--- `PUT package-repositories/{id}/`
---@param id string|integer
---@param params? {name?: drydock.maas.Param, url?: drydock.maas.Param, distributions?: drydock.maas.Param, components?: drydock.maas.Param, arches?: drydock.maas.Param, key?: drydock.maas.Param, enabled?: drydock.maas.Param, disabled_pockets?: drydock.maas.Param, disabled_components?: drydock.maas.Param, disable_sources?: drydock.maas.Param}
---@return drydock.maas.PackageRepository
function MaasClient:update_package_repository(id, params) end

--- Removes a repository.
--- `DELETE package-repositories/{id}/`
---@param id string|integer
function MaasClient:delete_package_repository(id) end

-- config

--- One setting's value.
--- `GET maas/ op=get_config`
---@param params? {name?: drydock.maas.Param}
---@return any
function MaasClient:get_config(params) end

--- Sets one setting (`name`, `value`).
--- `POST maas/ op=set_config`
---@param params? {name?: drydock.maas.Param, value?: drydock.maas.Param}
---@return any
function MaasClient:set_config(params) end

-- events

--- Events, newest first, filtered by machine (`id`, `hostname`, `mac_address`), `level` (minimum), `limit`, `before`/`after` an event id.
--- `GET events/ op=query`
---@param params? {hostname?: drydock.maas.Param, id?: drydock.maas.Param, mac_address?: drydock.maas.Param, zone?: drydock.maas.Param, agent_name?: drydock.maas.Param, level?: drydock.maas.Param, limit?: drydock.maas.Param, before?: drydock.maas.Param, after?: drydock.maas.Param, owner?: drydock.maas.Param}
---@return drydock.maas.Events
function MaasClient:events(params) end
-- END GENERATED

------------------------------------------------------------------------------------------
-- The object model: the fields drydock reads, typed. Every other field MAAS sends is kept.
------------------------------------------------------------------------------------------

--- `power_state`: what the BMC last said.
---@alias drydock.maas.PowerState "on"|"off"|"unknown"|"error"|string

---@alias drydock.maas.InterfaceType "physical"|"bond"|"vlan"|"bridge"|"alias"|"unknown"|string

--- How an interface gets its address on a subnet.
---@alias drydock.maas.LinkMode "auto"|"dhcp"|"static"|"link_up"|string

--- `partition` appears where a volume group lists a partition among its devices.
---@alias drydock.maas.BlockDeviceType "physical"|"virtual"|"iscsi"|"partition"|string

---@alias drydock.maas.Fstype "ext2"|"ext4"|"xfs"|"btrfs"|"fat32"|"vfat"|"swap"|"ramfs"|"tmpfs"|"zfsroot"|"lvm-pv"|"raid"|"raid-spare"|"bcache-cache"|"bcache-backing"|string

---@alias drydock.maas.IpRangeType "dynamic"|"reserved"|string

---@alias drydock.maas.BootResourceType "Synced"|"Uploaded"|"Generated"|string

---@alias drydock.maas.ServiceStatus "running"|"off"|"dead"|"degraded"|"unknown"|string

---@alias drydock.maas.EventLevel "DEBUG"|"INFO"|"AUDIT"|"WARNING"|"ERROR"|"CRITICAL"|string

---@class drydock.maas.Version
---@field version string `3.4.10`
---@field subversion string
---@field capabilities string[]
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.User
---@field username string
---@field email string
---@field is_superuser boolean
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.Machine
---@field system_id string
---@field hostname string
---@field fqdn string
---@field status integer
---@field status_name string
---@field status_message? string
---@field power_state drydock.maas.PowerState
---@field power_type string
---@field architecture string
---@field cpu_count integer
---@field memory integer MiB.
---@field osystem string
---@field distro_series string
---@field hwe_kernel? string
---@field owner? string
---@field locked boolean
---@field tag_names string[]
---@field boot_interface? drydock.maas.Interface
---@field interface_set drydock.maas.Interface[]
---@field boot_disk? drydock.maas.BlockDevice
---@field blockdevice_set drydock.maas.BlockDevice[]
---@field [string] any other fields, as MAAS sent them

--- `details`' answer: what commissioning found, as the tools printed it; absent before the
--- machine was commissioned.
---@class drydock.maas.MachineDetails
---@field lshw? string `lshw -xml` output
---@field lldp? string `lldpctl -f xml` output
---@field [string] any other fields, as MAAS sent them

--- `query_power_state`'s answer.
---@class drydock.maas.PowerStateAnswer
---@field state drydock.maas.PowerState
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.Interface
---@field id integer
---@field name string
---@field type drydock.maas.InterfaceType
---@field mac_address? string
---@field enabled boolean
---@field vlan? drydock.maas.Vlan
---@field links drydock.maas.Link[]
---@field parents string[]
---@field children string[]
---@field effective_mtu integer
---@field tags string[]
---@field system_id string
---@field [string] any other fields, as MAAS sent them

--- An interface's link to a subnet.
---@class drydock.maas.Link
---@field id integer
---@field mode drydock.maas.LinkMode
---@field subnet? drydock.maas.Subnet Absent on a link-up link without a subnet.
---@field ip_address? string Absent until MAAS assigns one (auto and DHCP links).
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.Filesystem
---@field fstype drydock.maas.Fstype
---@field label? string
---@field uuid? string
---@field mount_point? string
---@field mount_options? string
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.BlockDevice
---@field id integer
---@field name string
---@field type drydock.maas.BlockDeviceType
---@field size integer Bytes.
---@field block_size integer
---@field available_size integer
---@field used_size integer
---@field path string
---@field id_path? string
---@field model? string
---@field serial? string
---@field uuid? string
---@field partition_table_type? string
---@field partitions drydock.maas.Partition[]
---@field filesystem? drydock.maas.Filesystem
---@field used_for string MAAS's one-line summary ("GPT partitioned with 2 partitions").
---@field tags string[]
---@field system_id string
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.Partition
---@field id integer
---@field uuid? string
---@field size integer
---@field bootable boolean
---@field path string
---@field device_id integer
---@field filesystem? drydock.maas.Filesystem
---@field used_for string
---@field tags string[]
---@field system_id string
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.VolumeGroup
---@field id integer
---@field name string
---@field uuid? string
---@field size integer Bytes.
---@field used_size integer
---@field available_size integer
---@field devices drydock.maas.PhysicalVolume[] Physical volumes: whole block devices or partitions.
---@field logical_volumes drydock.maas.BlockDevice[] Logical volumes, as virtual block devices.
---@field system_id string
---@field [string] any other fields, as MAAS sent them

--- A volume group's physical volume: a block device or a partition (`kind` says which).
---@class drydock.maas.PhysicalVolume
---@field id integer
---@field type drydock.maas.BlockDeviceType
---@field size integer Bytes.
---@field path string
---@field filesystem? drydock.maas.Filesystem
---@field used_for string
---@field [string] any other fields, as MAAS sent them

--- A new logical volume, as `create_logical_volume` answers (read the volume group or the block device for the rest).
---@class drydock.maas.LogicalVolume
---@field id integer Its block device id.
---@field name string
---@field uuid? string
---@field size integer
---@field used_size integer
---@field available_size integer
---@field system_id string
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.Fabric
---@field id integer
---@field name string
---@field class_type? string
---@field vlans drydock.maas.Vlan[]
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.Vlan
---@field id integer
---@field vid integer
---@field name string
---@field fabric string
---@field fabric_id integer
---@field mtu integer
---@field dhcp_on boolean
---@field primary_rack? string
---@field secondary_rack? string
---@field relay_vlan any The VLAN DHCP is relayed to (an object or an id, depending on the MAAS version).
---@field space string The space's name, `undefined` when none.
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.Subnet
---@field id integer
---@field name string
---@field cidr string
---@field vlan? drydock.maas.Vlan
---@field gateway_ip? string
---@field dns_servers string[]
---@field space string
---@field managed boolean
---@field allow_dns boolean
---@field allow_proxy boolean
---@field rdns_mode integer 0 disabled, 1 enabled, 2 RFC 2317.
---@field [string] any other fields, as MAAS sent them

--- A span of a subnet's addresses, as `reserved_ip_ranges` / `unreserved_ip_ranges` answer.
---@class drydock.maas.AddressSpan
---@field start string
---@field end string
---@field num_addresses integer
---@field purpose string[] Why it is reserved (`gateway-ip`, `reserved`, `dynamic`…); absent for free spans.
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.SubnetStatistics
---@field num_available integer
---@field num_unavailable integer
---@field largest_available integer
---@field total_addresses integer
---@field usage number
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.IpRange
---@field id integer
---@field type drydock.maas.IpRangeType
---@field start_ip string
---@field end_ip string
---@field subnet? drydock.maas.Subnet
---@field comment string
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.StaticRoute
---@field id integer
---@field source? drydock.maas.Subnet
---@field destination? drydock.maas.Subnet
---@field gateway_ip string
---@field metric integer
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.Space
---@field id integer -1 for the `undefined` space MAAS lists for VLANs without one.
---@field name string
---@field description string
---@field vlans drydock.maas.Vlan[]
---@field subnets drydock.maas.Subnet[]
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.Domain
---@field id integer
---@field name string
---@field authoritative boolean
---@field ttl? integer
---@field is_default boolean
---@field resource_record_count integer
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.Tag
---@field name string
---@field comment string
---@field definition string An XPath over commissioning data; empty for manual tags.
---@field kernel_opts? string
---@field [string] any other fields, as MAAS sent them

--- `update_nodes`' answer.
---@class drydock.maas.TagChanges
---@field added integer
---@field removed integer
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.BootResource
---@field id integer
---@field type drydock.maas.BootResourceType
---@field name string `ubuntu/jammy`
---@field architecture string `amd64/ga-22.04`
---@field subarches? string Comma-separated, as MAAS sends it.
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.BootSource
---@field id integer
---@field url string
---@field keyring_filename string
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.BootSourceSelection
---@field id integer
---@field boot_source_id integer
---@field os string
---@field release string
---@field arches string[]
---@field subarches string[]
---@field labels string[]
---@field [string] any other fields, as MAAS sent them

--- A service a rack controller runs (Drydock requires http, dhcpd, rackd and tftp to be `running` or `off`).
---@class drydock.maas.Service
---@field name string
---@field status drydock.maas.ServiceStatus
---@field status_info string
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.RackController
---@field system_id string
---@field hostname string
---@field fqdn string
---@field version? string
---@field ip_addresses string[]
---@field interface_set drydock.maas.Interface[]
---@field service_set drydock.maas.Service[]
---@field [string] any other fields, as MAAS sent them

--- `list_boot_images`' answer.
---@class drydock.maas.RackBootImages
---@field images any[]
---@field connected boolean
---@field status string `synced`, `syncing`, `out-of-sync`, `unknown`.
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.SshKey
---@field id integer
---@field key string
---@field keysource? string
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.PackageRepository
---@field id integer
---@field name string
---@field url string
---@field distributions string[]
---@field components string[]
---@field arches string[]
---@field disabled_pockets string[]
---@field disabled_components string[]
---@field key string The repository's GPG key (public).
---@field enabled boolean
---@field disable_sources boolean
---@field [string] any other fields, as MAAS sent them

---@class drydock.maas.Event
---@field id integer
---@field node string The machine's system id.
---@field hostname string
---@field level drydock.maas.EventLevel
---@field created string `Tue, 25 Nov. 2026 13:55:26`
---@field type string What happened, e.g. `Deploying`.
---@field description string
---@field [string] any other fields, as MAAS sent them

--- A page of events.
---@class drydock.maas.Events
---@field count integer
---@field events drydock.maas.Event[]
---@field next_uri? string
---@field prev_uri? string
---@field [string] any other fields, as MAAS sent them
