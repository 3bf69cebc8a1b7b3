--- A node's storage in MAAS, laid out as its design says (DeployNodes' storage phase): the
--- root filesystem (and a separate /boot) through MAAS's flat layout on the device holding
--- `/`, then every other partition in design order, each formatted and mounted when it has
--- a filesystem, then the volume groups on their devices and partitions and their logical
--- volumes. Sizes are computed as Drydock computes them (`drydock.design.bytes`): `%` of
--- the device or volume group, `>` for what is left.
---
--- `want` says what the node should have, `right` whether MAAS already has it (the same
--- filesystems, types and mount points on the same devices, partitions and volumes), and
--- `changes` the steps that lay it out afresh. Storage is rebuilt whole or not at all:
--- MAAS's layouts replace everything, and a half-matching layout cannot be trusted. Each
--- step checks what MAAS has before it acts, so a step run again after a crash finds its
--- work done.
local M = {}

--- The node's storage as the design says, with device aliases mapped through `names`.
---@param node table
---@param names? table<string, string>
---@return { partitions: table[], volume_groups: table[], root: table?, boot: table?, problems: string[] }
function M.want(node, names)
  names = names or {}
  local storage = node.storage or {}
  local want = { partitions = {}, volume_groups = {}, problems = {} }
  local devices = {}
  for alias in pairs(storage.physical_devices or {}) do
    devices[#devices + 1] = alias
  end
  table.sort(devices)
  local pvs = {}
  for _, alias in ipairs(devices) do
    local dev = storage.physical_devices[alias]
    local device = names[alias] or alias
    if dev.volume_group then
      pvs[dev.volume_group] = pvs[dev.volume_group] or {}
      table.insert(pvs[dev.volume_group], { device = device })
    end
    for i, p in ipairs(dev.partitions or {}) do
      local part = {
        device = device,
        name = p.name or ("%s part %d"):format(device, i),
        size = p.size,
        bootable = p.bootable,
        uuid = p.part_uuid,
        fs = p.filesystem,
      }
      local mount = p.filesystem and p.filesystem.mountpoint
      if mount == "/" then
        want.root = part
      elseif mount == "/boot" then
        want.boot = part
      else
        want.partitions[#want.partitions + 1] = part
      end
      if p.volume_group then
        pvs[p.volume_group] = pvs[p.volume_group] or {}
        table.insert(pvs[p.volume_group], { device = device, partition = part.name })
      end
    end
  end
  local vg_names = {}
  for name in pairs(storage.volume_groups or {}) do
    vg_names[#vg_names + 1] = name
  end
  table.sort(vg_names)
  for _, name in ipairs(vg_names) do
    local vg = storage.volume_groups[name]
    for _, lv in ipairs(vg.logical_volumes or {}) do
      if lv.filesystem and lv.filesystem.mountpoint == "/" then
        want.problems[#want.problems + 1] = ("volume group %s: a root filesystem on a logical volume is not laid out yet; put / on a partition"):format(
          name
        )
      end
    end
    if not pvs[name] then
      want.problems[#want.problems + 1] = ("No physical volumes defined for VG %s, skipping."):format(
        name
      )
    else
      want.volume_groups[#want.volume_groups + 1] = {
        name = name,
        uuid = vg.vg_uuid,
        members = pvs[name],
        logical_volumes = vg.logical_volumes or {},
      }
    end
  end
  if not want.root and (next(want.partitions) or next(want.volume_groups)) then
    want.problems[#want.problems + 1] =
      "no partition is mounted on /: the design has no root filesystem"
  end
  return want
end

--- Mount point -> "<where> <fstype>", for what MAAS has (`devices`: the machine's block
--- devices) or the design wants; MAAS's own EFI system partition is left out.
local function have_mounts(devices)
  local mounts = {}
  for _, d in ipairs(devices) do
    local where = d.type == "virtual" and ("lv " .. d.name) or ("disk " .. d.name)
    if d.filesystem and d.filesystem.mount_point then
      mounts[d.filesystem.mount_point] = where .. " " .. d.filesystem.fstype
    end
    for _, p in ipairs(d.partitions or {}) do
      local fs = p.filesystem
      if fs and fs.mount_point and fs.mount_point ~= "/boot/efi" then
        mounts[fs.mount_point] = ("part %s %s"):format(d.name, fs.fstype)
      end
    end
  end
  return mounts
end

local function want_mounts(want)
  local mounts = {}
  local parts = { want.root, want.boot }
  for _, p in ipairs(want.partitions) do
    parts[#parts + 1] = p
  end
  for _, p in pairs(parts) do
    if p.fs and p.fs.mountpoint then
      mounts[p.fs.mountpoint] = ("part %s %s"):format(p.device, p.fs.fstype or "ext4")
    end
  end
  for _, vg in ipairs(want.volume_groups) do
    for _, lv in ipairs(vg.logical_volumes) do
      if lv.filesystem and lv.filesystem.mountpoint then
        mounts[lv.filesystem.mountpoint] = ("lv %s-%s %s"):format(
          vg.name,
          lv.name,
          lv.filesystem.fstype or "ext4"
        )
      end
    end
  end
  return mounts
end

--- Whether MAAS's storage for the machine already is what `want` says: the same mount
--- points, each on the same kind of device with the same filesystem type, and the same
--- volume groups. Sizes are not compared (MAAS aligns them).
---@param want table from `want`
---@param devices table[] the machine's block devices
---@param groups table[] the machine's volume groups
---@return boolean
---@return string? why not
function M.right(want, devices, groups)
  local have, wanted = have_mounts(devices), want_mounts(want)
  for mount, what in pairs(wanted) do
    if have[mount] ~= what then
      return false, ("%s: MAAS has %s, the design %s"):format(mount, have[mount] or "nothing", what)
    end
  end
  for mount, what in pairs(have) do
    if not wanted[mount] then
      return false, ("%s: MAAS has %s, the design nothing"):format(mount, what)
    end
  end
  local have_vgs = {}
  for _, g in ipairs(groups) do
    have_vgs[g.name] = true
  end
  for _, vg in ipairs(want.volume_groups) do
    if not have_vgs[vg.name] then return false, "volume group " .. vg.name .. " missing" end
    have_vgs[vg.name] = nil
  end
  local extra = next(have_vgs)
  if extra then return false, "volume group " .. extra .. " is not in the design" end
  return true
end

--- The steps that lay the storage out afresh, in order.
---@param want table from `want`
---@return table[] changes, each with `step`, `line` and `op`
function M.changes(want)
  local out = {}
  local function add(c) out[#out + 1] = c end
  add({
    step = "storage: layout",
    line = ("flat layout on %s: / %s%s"):format(
      want.root.device,
      want.root.size,
      want.boot and (", /boot " .. want.boot.size) or ""
    ),
    op = "layout",
  })
  for i, p in ipairs(want.partitions) do
    local label = ("%s %s"):format(p.device, p.name)
    add({
      step = "storage: partition " .. label,
      line = ("partition %s (%s)"):format(label, p.size),
      op = "partition",
      part = p,
      index = i,
    })
    if p.fs and p.fs.fstype then
      add({
        step = "storage: format " .. label,
        line = ("format %s %s"):format(label, p.fs.fstype),
        op = "format_partition",
        part = p,
      })
    end
    if p.fs and p.fs.mountpoint then
      add({
        step = "storage: mount " .. label,
        line = ("mount %s on %s"):format(label, p.fs.mountpoint),
        op = "mount_partition",
        part = p,
      })
    end
  end
  for _, vg in ipairs(want.volume_groups) do
    add({
      step = "storage: volume group " .. vg.name,
      line = "volume group " .. vg.name,
      op = "vg",
      vg = vg,
    })
    for _, lv in ipairs(vg.logical_volumes) do
      local label = vg.name .. "-" .. lv.name
      add({
        step = "storage: logical volume " .. label,
        line = ("logical volume %s (%s)"):format(label, lv.size),
        op = "lv",
        vg = vg,
        lv = lv,
      })
      if lv.filesystem and lv.filesystem.fstype then
        add({
          step = "storage: format " .. label,
          line = ("format %s %s"):format(label, lv.filesystem.fstype),
          op = "format_lv",
          vg = vg,
          lv = lv,
        })
      end
      if lv.filesystem and lv.filesystem.mountpoint then
        add({
          step = "storage: mount " .. label,
          line = ("mount %s on %s"):format(label, lv.filesystem.mountpoint),
          op = "mount_lv",
          vg = vg,
          lv = lv,
        })
      end
    end
  end
  return out
end

--- What MAAS has, read when first needed: `live.devices`, `live.groups`. A write keeps it
--- current from MAAS's answer (the partition, device or volume group it made or changed),
--- and drops it when the answer does not say what changed (sizes after a new layout or
--- partition).
local function devices(maas, system_id, live)
  live.devices = live.devices or maas:block_devices(system_id)
  return live.devices
end

local function device_named(maas, system_id, live, name)
  for _, d in ipairs(devices(maas, system_id, live)) do
    if d.name == name then return d end
  end
  error(("Dev %s not found on machine %s"):format(name, system_id), 0)
end

local function context(d) return { name = d.name, size = d.size, available = d.available_size } end

--- The MAAS partition that design partition `p` became: its place on the device, counting
--- MAAS's own (the EFI system partition has /boot/efi) and the layout's.
local function partition_of(maas, system_id, live, want, p)
  local d = device_named(maas, system_id, live, p.device)
  local index = 0
  for _, q in ipairs(want.partitions) do
    if q.device == p.device then index = index + 1 end
    if q == p then break end
  end
  local skip = 0
  for _, mp in ipairs(d.partitions) do
    local mount = mp.filesystem and mp.filesystem.mount_point
    if
      mount == "/boot/efi" or (p.device == want.root.device and (mount == "/" or mount == "/boot"))
    then
      skip = skip + 1
    end
  end
  return d, d.partitions[skip + index]
end

local function lv_device(maas, system_id, live, vg, lv)
  local name = vg.name .. "-" .. lv.name
  for _, d in ipairs(devices(maas, system_id, live)) do
    if d.name == name then return d end
  end
  return nil
end

local function group_named(maas, system_id, live, name)
  live.groups = live.groups or maas:volume_groups(system_id)
  for _, g in ipairs(live.groups) do
    if g.name == name then return g end
  end
  return nil
end

--- Makes change `c` on machine `system_id`, unless MAAS shows it made already. `live` is
--- the phase's view of the machine's block devices for this node (start with `{}`).
---@param maas drydock.maas.Client
---@param system_id string
---@param want table from `want`
---@param c table from `changes`
---@param live table
function M.apply(maas, system_id, want, c, live)
  local bytes = drydock.design.bytes
  -- A write whose answer does not tell what else changed: read again when next needed.
  local function write(fn, ...)
    live.devices, live.groups = nil, nil
    return fn(maas, system_id, ...)
  end
  -- A write answered with the partition (of device `d`) or device it changed.
  local function changed(fn, d, ...)
    local got = fn(maas, system_id, ...)
    local list = d and d.partitions or live.devices
    for i, old in ipairs(list or {}) do
      if old.id == got.id then list[i] = got end
    end
    return got
  end
  if c.op == "layout" then
    local root = device_named(maas, system_id, live, want.root.device)
    local whole = { name = root.name, size = root.size }
    write(maas.set_storage_layout, {
      storage_layout = "flat",
      root_device = root.id,
      root_size = bytes(want.root.size, whole),
      boot_size = want.boot and bytes(want.boot.size, whole) or nil,
    })
  elseif c.op == "partition" then
    local d, existing = partition_of(maas, system_id, live, want, c.part)
    if existing then return end
    write(maas.create_partition, d.id, {
      size = bytes(c.part.size, context(d)),
      bootable = c.part.bootable or nil,
      uuid = c.part.uuid,
    })
  elseif c.op == "format_partition" or c.op == "mount_partition" then
    local d, p = partition_of(maas, system_id, live, want, c.part)
    if not p then error(("partition %s of %s not found"):format(c.part.name, c.part.device), 0) end
    local fs = c.part.fs
    if c.op == "format_partition" then
      if p.filesystem and p.filesystem.fstype == fs.fstype then return end
      changed(
        maas.format_partition,
        d,
        d.id,
        p.id,
        { fstype = fs.fstype, uuid = fs.fs_uuid, label = fs.fs_label }
      )
    else
      if p.filesystem and p.filesystem.mount_point == fs.mountpoint then return end
      changed(
        maas.mount_partition,
        d,
        d.id,
        p.id,
        { mount_point = fs.mountpoint, mount_options = fs.mount_options }
      )
    end
  elseif c.op == "vg" then
    if group_named(maas, system_id, live, c.vg.name) then return end
    local block_devices, partitions = {}, {}
    for _, m in ipairs(c.vg.members) do
      if m.partition then
        for _, p in ipairs(want.partitions) do
          if p.device == m.device and p.name == m.partition then
            local _, mp = partition_of(maas, system_id, live, want, p)
            if not mp then error(("partition %s of %s not found"):format(p.name, p.device), 0) end
            partitions[#partitions + 1] = mp.id
          end
        end
      else
        block_devices[#block_devices + 1] = device_named(maas, system_id, live, m.device).id
      end
    end
    local made = maas:create_volume_group(system_id, {
      name = c.vg.name,
      uuid = c.vg.uuid,
      block_devices = block_devices,
      partitions = partitions,
    })
    -- Its members now hold LVM: their filesystems changed.
    live.devices = nil
    if live.groups then live.groups[#live.groups + 1] = made end
  elseif c.op == "lv" then
    if lv_device(maas, system_id, live, c.vg, c.lv) then return end
    local g = assert(
      group_named(maas, system_id, live, c.vg.name),
      "volume group " .. c.vg.name .. " missing"
    )
    local size = bytes(c.lv.size, { name = g.name, size = g.size, available = g.available_size })
    local lv = maas:create_logical_volume(
      system_id,
      g.id,
      { name = c.lv.name, size = size, uuid = c.lv.lv_uuid }
    )
    -- MAAS's free space in a group is its size less its logical volumes'.
    g.available_size = g.available_size - lv.size
    if live.devices then live.devices[#live.devices + 1] = lv end
  elseif c.op == "format_lv" or c.op == "mount_lv" then
    local d = lv_device(maas, system_id, live, c.vg, c.lv)
    if not d then error(("logical volume %s-%s not found"):format(c.vg.name, c.lv.name), 0) end
    local fs = c.lv.filesystem
    if c.op == "format_lv" then
      if d.filesystem and d.filesystem.fstype == fs.fstype then return end
      changed(maas.format_block_device, nil, d.id, { fstype = fs.fstype, uuid = fs.fs_uuid })
    else
      if d.filesystem and d.filesystem.mount_point == fs.mountpoint then return end
      changed(
        maas.mount_block_device,
        nil,
        d.id,
        { mount_point = fs.mountpoint, mount_options = fs.mount_options }
      )
    end
  else
    error("unknown storage change " .. tostring(c.op), 0)
  end
end

return M
