--- Site dc1's DeployNodes: the stock action with two changes, the way to write a variant.
---
---   firmware   (new, before deploy) a node whose BIOS is older than its hardware profile's
---              `bios_version` (the site's firmware baseline) is not deployed
---   storage    (replaced) every node gets the site's own layout, MAAS's LVM layout on its
---              boot disk (/ on vg_os/root), whatever the design's storage says
---
--- Everything else (networking, platform, deploy, boot action reports, the report, plan and
--- resume) is the stock action's. Run it with `--site-dir examples/variant`.
local action = drydock.stock("deploy_nodes")

--- The numbers in a version string, in order: "U32 v2.68" -> { 32, 2, 68 }.
local function numbers(version)
  local out = {}
  for n in version:gmatch("%d+") do
    out[#out + 1] = tonumber(n)
  end
  return out
end

--- Whether `have` is an older version than `want`, comparing their numbers in order.
local function older(have, want)
  local a, b = numbers(have), numbers(want)
  for i = 1, math.max(#a, #b) do
    local x, y = a[i] or 0, b[i] or 0
    if x ~= y then return x < y end
  end
  return false
end

action:before("deploy", {
  name = "firmware",
  run = function(ctx)
    action.each(ctx, "firmware", function(node, st)
      local profile = node.hardware_profile and ctx.design:hardware_profile(node.hardware_profile)
      local minimum = profile and profile.bios_version
      if not minimum then return end
      -- The BMC says what runs now; an IPMI BMC does not tell, so what commissioning found.
      local have = drydock.oob.driver(node):inventory().bios_version
        or (st.machine.hardware_info or {}).mainboard_firmware_version
      if not have or older(have, minimum) then
        error(
          (
            "%s: BIOS %s is older than the site's minimum %s (hardware profile %s): update its "
            .. "firmware, then deploy it again"
          ):format(node.name, have or "(not reported)", minimum, profile.name),
          0
        )
      end
    end)
  end,
})

--- Whether MAAS already has / on the site's logical volume.
local function laid_out(devices)
  for _, d in ipairs(devices) do
    if d.name == "vg_os-root" and d.filesystem and d.filesystem.mount_point == "/" then
      return true
    end
  end
  return false
end

action:replace("storage", function(ctx)
  action.each(ctx, "storage", function(node, st)
    local id = st.machine.system_id
    if laid_out(ctx.maas:block_devices(id)) then return end
    if ctx.options.plan then
      st.plan[#st.plan + 1] = "lay out the site's LVM storage (/ on vg_os/root)"
      return
    end
    drydock.task.node_step(node, "storage: site layout", function()
      if not laid_out(ctx.maas:block_devices(id)) then
        ctx.maas:set_storage_layout(
          id,
          { storage_layout = "lvm", vg_name = "vg_os", lv_name = "root" }
        )
      end
    end)
  end)
end)

return action
