-- Every typed call of drydock.maas against the simulator, in the order an operator would
-- meet them: the region, its networks, a machine's life, then tearing it all down. The Rust
-- side (tests/maas_typed.rs) checks from the simulator's request log that every typed call
-- was made and answered with success.
local maas = drydock.maas.connect()

local function check(cond, ...)
  if not cond then error(table.concat({ ... }, " "), 2) end
end

local function wait_for(system_id, status_name)
  for _ = 1, 500 do
    local m = maas:machine(system_id)
    if m.status_name == status_name then return m end
    drydock.sleep(0.01)
  end
  error(system_id .. " never reached " .. status_name)
end

-- The region ---------------------------------------------------------------------------
check(maas:version().version == "3.4.10")
check(maas:whoami().is_superuser == true)
maas:set_config({ name = "ntp_servers", value = "ntp1.example.com" })
check(maas:get_config({ name = "ntp_servers" }) == "ntp1.example.com")

local key = maas:create_ssh_key({
  key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHntBTpA3GqyMvilu45BEbHVNQJrgWWvfpIVWOQkotfQ op@example.com",
})
check(maas:ssh_key(key.id).key == key.key)
check(#maas:ssh_keys() == 1)

local repo = maas:create_package_repository({
  name = "docker", url = "http://repo.example.com/docker/ubuntu", distributions = "jammy",
  components = "stable", arches = "amd64",
})
check(maas:update_package_repository(repo.id, { components = "stable,edge" }).components[2] == "edge")
check(maas:package_repository(repo.id).name == "docker")
check(#maas:package_repositories() == 3)

local domain = maas:create_domain({ name = "cluster.example.com", authoritative = true })
check(maas:update_domain(domain.id, { ttl = 300 }).ttl == 300)
check(maas:set_default_domain(domain.id).is_default == true)
check(maas:domain(domain.id).name == "cluster.example.com")
check(#maas:domains() == 2)

local resources = maas:boot_resources()
check(#resources >= 1 and resources[1].type == "Synced")
check(maas:boot_resource(resources[1].id).name == resources[1].name)
check(maas:boot_resources({ type = "synced" })[1].id == resources[1].id)
check(maas:is_importing() == false)
maas:import_boot_resources()
local source = maas:boot_sources()[1]
check(source.url:match("^http"))
local selections = maas:boot_source_selections(source.id)
check(#selections == 1)
local selection = maas:create_boot_source_selection(source.id, {
  os = "ubuntu", release = "noble", arches = { "amd64" }, subarches = "*", labels = "*",
})
check(maas:update_boot_source_selection(source.id, selection.id, { arches = { "amd64", "arm64" } }).arches[2] == "arm64")
maas:delete_boot_source_selection(source.id, selection.id)
check(#maas:boot_source_selections(source.id) == 1)

local racks = maas:rack_controllers()
check(#racks == 1)
local rack = maas:rack_controller(racks[1].system_id)
check(#rack.service_set > 0)
maas:import_rack_boot_images()
check(maas:rack_boot_images(rack.system_id).status == "synced")

-- Networks -----------------------------------------------------------------------------
local fabric = maas:create_fabric({ name = "pxe", description = "PXE" })
check(maas:update_fabric(fabric.id, { class_type = "10g" }).class_type == "10g")
check(maas:fabric(fabric.id).name == "pxe")
local untagged = maas:update_vlan(fabric.id, 0, { mtu = 9000 })
check(untagged.mtu == 9000)
local space = maas:create_space({ name = "storage" })
check(maas:update_space(space.id, { description = "storage net" }).description == "storage net")
check(maas:space(space.id).name == "storage")
local tagged = maas:create_vlan(fabric.id, { vid = 100, name = "vlan100", mtu = 1500, space = "storage" })
check(maas:vlan(fabric.id, 100).id == tagged.id)
check(#maas:vlans(fabric.id) == 2)
check(#maas:fabrics() >= 1)
check(#maas:spaces() >= 1)

local pxe = maas:create_subnet({
  cidr = "172.16.10.0/24", name = "pxe", vlan = untagged.id, gateway_ip = "172.16.10.1",
  dns_servers = "172.16.10.2",
})
check(maas:update_subnet(pxe.id, { allow_proxy = false }).allow_proxy == false)
local storage = maas:create_subnet({ cidr = "172.16.100.0/24", vlan = tagged.id })
check(maas:subnet(pxe.id).cidr == "172.16.10.0/24")
check(#maas:subnets() >= 2)
local range = maas:create_ip_range({ type = "reserved", start_ip = "172.16.10.2", end_ip = "172.16.10.20", subnet = pxe.id })
check(maas:update_ip_range(range.id, { comment = "infra" }).comment == "infra")
check(maas:ip_range(range.id).type == "reserved")
check(#maas:ip_ranges() == 1)
check(maas:reserved_ip_ranges(pxe.id)[1].start == "172.16.10.1")
check(#maas:unreserved_ip_ranges(pxe.id) >= 1)
check(maas:subnet_statistics(pxe.id).total_addresses == 254)
local route = maas:create_static_route({ source = pxe.id, destination = storage.id, gateway_ip = "172.16.10.1" })
check(maas:update_static_route(route.id, { metric = 20 }).metric == 20)
check(maas:static_route(route.id).gateway_ip == "172.16.10.1")
check(#maas:static_routes() == 1)

-- A machine's life ---------------------------------------------------------------------
local machines = maas:machines()
check(#machines == 2)
local node = maas:machines({ hostname = { "cmp01" } })[1]
local id = node.system_id
check(maas:update_machine(id, { description = "compute" }).description == "compute")
check(maas:power_parameters_all({ id = { id } })[id] ~= nil)
check(type(maas:power_parameters(id)) == "table")
check(maas:commission(id, { enable_ssh = 1 }).status_name == "Commissioning")
-- Commissioning finds what the node's hardware profile (gen10) describes.
local ready = wait_for(id, "Ready")
check(ready.cpu_count == 16 and ready.memory == 49152, ready.cpu_count, ready.memory)
check(ready.hardware_info.system_vendor == "HPE" and ready.bios_boot_method == "uefi")

local extra = maas:create_machine({
  architecture = "amd64/generic", mac_addresses = "52:54:00:ff:00:01", hostname = "extra01",
  power_type = "manual", commission = false,
})
check(extra.hostname == "extra01")

local nics = maas:interfaces(id)
check(#nics >= 2, "cmp01 has", #nics, "interfaces")
local eth0 = maas:update_interface(id, nics[1].id, { vlan = untagged.id, mtu = 9000 })
check(maas:interface(id, eth0.id).effective_mtu == 9000)
local bond = maas:create_bond(id, {
  name = "bond0", parents = { nics[1].id, nics[2].id }, bond_mode = "802.3ad", vlan = untagged.id,
})
check(bond.type == "bond")
local vlan_nic = maas:create_vlan_interface(id, { parent = bond.id, vlan = tagged.id })
check(vlan_nic.type == "vlan")
local linked = maas:link_subnet(id, bond.id, { mode = "STATIC", subnet = pxe.id, ip_address = "172.16.10.50" })
local link = linked.links[1]
check(link.mode == "static" and link.ip_address == "172.16.10.50")
maas:set_default_gateway(id, bond.id, { link_id = link.id })
maas:link_subnet(id, vlan_nic.id, { mode = "DHCP", subnet = storage.id })
local dhcp = maas:interface(id, vlan_nic.id).links[1]
-- MAAS leaves an unlinked interface up, on no subnet.
local unlinked = maas:unlink_subnet(id, vlan_nic.id, { id = dhcp.id }).links
check(#unlinked == 1 and unlinked[1].mode == "link_up" and unlinked[1].subnet == nil)
maas:delete_interface(id, vlan_nic.id)

maas:set_storage_layout(id, { storage_layout = "blank" })
local disk = maas:block_devices(id)[1]
check(maas:block_device(id, disk.id).name == disk.name)
check(maas:set_boot_disk(id, disk.id) == "OK")
local efi = maas:create_partition(id, disk.id, { size = 536870912, bootable = true })
check(maas:format_partition(id, disk.id, efi.id, { fstype = "fat32", label = "efi" }).filesystem.fstype == "fat32")
check(maas:mount_partition(id, disk.id, efi.id, { mount_point = "/boot/efi" }).filesystem.mount_point == "/boot/efi")
check(maas:unmount_partition(id, disk.id, efi.id).filesystem.mount_point == nil)
check(maas:unformat_partition(id, disk.id, efi.id).filesystem == nil)
check(maas:partition(id, disk.id, efi.id).bootable == true)
local pv = maas:create_partition(id, disk.id, { size = 200000000000 })
check(#maas:partitions(id, disk.id) == 2)
local vg = maas:create_volume_group(id, { name = "vg0", partitions = { pv.id } })
local lv = maas:create_logical_volume(id, vg.id, { name = "lv_var", size = 100000000000 })
check(lv.name == "vg0-lv_var")
check(maas:format_block_device(id, lv.id, { fstype = "xfs" }).filesystem.fstype == "xfs")
check(maas:mount_block_device(id, lv.id, { mount_point = "/var" }).filesystem.mount_point == "/var")
check(maas:unmount_block_device(id, lv.id).filesystem.mount_point == nil)
check(maas:unformat_block_device(id, lv.id).filesystem == nil)
check(#maas:volume_group(id, vg.id).logical_volumes == 1)
check(#maas:volume_groups(id) == 1)
maas:delete_logical_volume(id, vg.id, { id = lv.id })
maas:delete_volume_group(id, vg.id)
maas:delete_partition(id, disk.id, pv.id)
local spare = maas:create_block_device(id, { name = "sdz", size = 100000000000, block_size = 512 })
maas:delete_block_device(id, spare.id)

local tag = maas:create_tag({ name = "compute", comment = "compute nodes", kernel_opts = "hugepages=512" })
check(maas:update_tag(tag.name, { comment = "computes" }).comment == "computes")
check(maas:tag("compute").kernel_opts == "hugepages=512")
check(maas:update_tag_nodes("compute", { add = { id } }).added == 1)
check(maas:tag_machines("compute")[1].system_id == id)
check(#maas:tags() == 1)

check(maas:allocate({ system_id = id, agent_name = "drydock" }).status_name == "Allocated")
-- MAAS lets an owner mark a machine broken, not an admin a machine nobody holds.
check(maas:mark_broken(id, { comment = "disk failure" }).status_name == "Broken")
check(maas:mark_fixed(id).status_name == "Ready")
check(maas:allocate({ system_id = id }).status_name == "Allocated")
check(maas:list_allocated()[1].system_id == id)
check(maas:deploy(id, { distro_series = "jammy", user_data = "I2Nsb3VkLWNvbmZpZwo=" }).status_name == "Deploying")
wait_for(id, "Deployed")
maas:power_off(id)
maas:power_on(id)
check(maas:query_power_state(id).state == "on")
check(maas:release(id, { comment = "done" }).status_name == "Releasing")
wait_for(id, "Ready")
check(maas:commission(id).status_name == "Commissioning")
check(maas:abort(id).status_name == "Ready")

local events = maas:events({ id = id, level = "DEBUG", limit = 500 })
check(events.count > 0 and events.events[1].node == id)

-- Tearing down -------------------------------------------------------------------------
maas:delete_tag("compute")
maas:delete_machine(extra.system_id)
maas:delete_static_route(route.id)
maas:delete_ip_range(range.id)
maas:delete_subnet(storage.id)
maas:delete_vlan(fabric.id, 100)
maas:delete_space(space.id)
maas:delete_ssh_key(key.id)
maas:delete_package_repository(repo.id)
maas:set_default_domain(0)
maas:delete_domain(domain.id)
maas:delete_subnet(pxe.id)
maas:delete_fabric(fabric.id)
return { machines = #maas:machines() }
