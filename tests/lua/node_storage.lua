-- node_storage against the simulator: cmp01, commissioned, gets its design's storage — / and
-- /boot through the flat layout, /var as the rest of the boot disk, the data disk as volume
-- group vg_data with three logical volumes sized in percent — read back through the API; it
-- is then right, so nothing is laid out again; a step run a second time (as after a crash)
-- finds its work done.
-- test: args = examples/site; sim = examples/site; sim_speed = 600; stdout = "right": true
local node_storage = require("node_storage")

local design = drydock.design.load((...))
local maas = drydock.maas.connect()
local node = design:node("cmp01")
local id = maas:machines({ hostname = { "cmp01" } })[1].system_id
maas:commission(id)
local waited = 0
while maas:machine(id).status_name ~= "Ready" do
  assert(waited < 100, "cmp01 did not finish commissioning")
  drydock.sleep(0.1)
  waited = waited + 1
end

local want = node_storage.want(node)
assert(#want.problems == 0, table.concat(want.problems, "; "))
local right, why = node_storage.right(want, maas:block_devices(id), maas:volume_groups(id))
assert(not right and why, "a fresh machine has none of it")

local live = {}
local changes = node_storage.changes(want)
for _, c in ipairs(changes) do
  node_storage.apply(maas, id, want, c, live)
end
-- Every step again, as a resumed task runs the one it was in: nothing changes.
local before = maas:block_devices(id)
for _, c in ipairs(changes) do
  node_storage.apply(maas, id, want, c, {})
end
assert(#maas:block_devices(id) == #before)

local devices = {}
for _, d in ipairs(maas:block_devices(id)) do
  devices[d.name] = d
end
local boot = assert(devices.bootdisk)
local mounts = {}
for _, p in ipairs(boot.partitions) do
  mounts[#mounts + 1] = ("%s %s"):format(p.filesystem.mount_point, p.filesystem.fstype)
end
table.sort(mounts)
assert(table.concat(mounts, ",") == "/ ext4,/boot ext4,/var xfs", table.concat(mounts, ","))
for _, p in ipairs(boot.partitions) do
  local fs = p.filesystem
  if fs.mount_point == "/" then assert(p.size == 50000000000 // 4194304 * 4194304, p.size) end
  if fs.mount_point == "/boot" then assert(p.size == 1000000000 // 4194304 * 4194304, p.size) end
  if fs.mount_point == "/var" then
    assert(fs.mount_options == "defaults,noatime", fs.mount_options)
    assert(p.size > 100000000000, "the rest of the disk, at least 100 GB")
  end
end
local groups = maas:volume_groups(id)
assert(#groups == 1 and groups[1].name == "vg_data")
local vg_size = groups[1].size
for lv, want_fs in pairs({
  log = "/var/log",
  containerd = "/var/lib/containerd",
  openstack = "/var/lib/openstack-helm",
}) do
  local d = assert(devices["vg_data-" .. lv], lv)
  assert(d.filesystem.fstype == "xfs" and d.filesystem.mount_point == want_fs, lv)
  local share = ({ log = 10, containerd = 40, openstack = 45 })[lv]
  -- MAAS aligns sizes down; the share is of the whole group.
  assert(math.abs(d.size - vg_size * share // 100) < 4194304 * 2, lv .. " " .. d.size)
end

right = node_storage.right(want, maas:block_devices(id), maas:volume_groups(id))
return { right = right, changes = #changes }
