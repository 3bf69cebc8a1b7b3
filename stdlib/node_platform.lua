--- A node's platform in MAAS (DeployNodes' platform phase): its kernel command line, carried
--- by a tag of its own (`<node>_kp`, whose kernel_opts MAAS gives the machine at boot, as
--- Drydock does it), and its static tags. Image and kernel go with the deploy call itself.
--- Only what differs is written.
local M = {}

local nodes = require("nodes")

--- What the node's platform should be.
---@param design drydock.Design
---@param node table
function M.want(design, node)
  return {
    kp_tag = node.name .. "_kp",
    kernel_opts = design:kernel_params(node.name),
    tags = nodes.tags(node),
  }
end

--- The changes that make `machine` (as MAAS shows it) and the region's tags (`tags`: name
--- -> tag) carry `want`.
---@return table[] changes, each with `step`, `line` and `op`
function M.diff(want, machine, tags)
  local has = {}
  for _, t in ipairs(machine.tag_names or {}) do
    has[t] = true
  end
  local changes = {}
  local kp = tags[want.kp_tag]
  if want.kernel_opts ~= "" then
    local stale = kp ~= nil and (kp.kernel_opts or "") ~= want.kernel_opts
    if not kp or stale then
      changes[#changes + 1] = {
        step = "platform: kernel params",
        line = ("kernel parameters %q (tag %s)"):format(want.kernel_opts, want.kp_tag),
        op = kp and "replace_kp" or "create_kp",
      }
    end
    -- A tag made again has no machines.
    if not kp or stale or not has[want.kp_tag] then
      changes[#changes + 1] = {
        step = "platform: tag " .. want.kp_tag,
        line = "tag " .. want.kp_tag,
        op = "tag",
        tag = want.kp_tag,
      }
    end
  elseif has[want.kp_tag] then
    changes[#changes + 1] = {
      step = "platform: untag " .. want.kp_tag,
      line = "no kernel parameters: untag " .. want.kp_tag,
      op = "untag",
      tag = want.kp_tag,
    }
  end
  for _, tag in ipairs(want.tags) do
    if not has[tag] then
      changes[#changes + 1] = {
        step = "platform: tag " .. tag,
        line = (tags[tag] and "tag " or "create and tag ") .. tag,
        op = "tag",
        tag = tag,
        create = not tags[tag],
      }
    end
  end
  return changes
end

--- Whether `err` is MAAS saying a tag of that name exists: another node made it first.
local function already_exists(err)
  local info = drydock.error.info(err)
  return info.status == 400 and tostring(info.message):find("already exists", 1, true) ~= nil
end

--- Makes change `c` on machine `system_id`.
---@param maas drydock.maas.Client
function M.apply(maas, system_id, want, c)
  if c.op == "create_kp" or c.op == "replace_kp" then
    if c.op == "replace_kp" then
      -- MAAS's tag update takes no kernel_opts: the tag is made again (and the machine
      -- tagged again by the next step), unless this step's first run did so already.
      local found, now = pcall(maas.tag, maas, want.kp_tag)
      if found and now.kernel_opts == want.kernel_opts then return end
      local ok, err = pcall(maas.delete_tag, maas, want.kp_tag)
      if not ok and drydock.error.info(err).status ~= 404 then error(err, 0) end
    end
    local ok, err =
      pcall(maas.create_tag, maas, { name = want.kp_tag, kernel_opts = want.kernel_opts })
    if not ok then
      -- Made by this step's first run, before a crash: right only if it says the same.
      local tag = already_exists(err) and maas:tag(want.kp_tag)
      if not tag or tag.kernel_opts ~= want.kernel_opts then error(err, 0) end
    end
  elseif c.op == "tag" then
    if c.create then
      local ok, err = pcall(maas.create_tag, maas, { name = c.tag })
      if not ok and not already_exists(err) then error(err, 0) end
    end
    maas:update_tag_nodes(c.tag, { add = { system_id } })
  elseif c.op == "untag" then
    maas:update_tag_nodes(c.tag, { remove = { system_id } })
  else
    error("unknown platform change " .. tostring(c.op), 0)
  end
end

return M
