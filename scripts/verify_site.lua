--- VerifySite: can drydock provision this site through its MAAS? One line per check —
--- MAAS reachable, its API 2.x, the key accepted, boot images imported for every image and
--- kernel the nodes use, a healthy rack controller holding them in sync — and Failure when
--- one fails.
---
--- ctx.design   the effective design
--- ctx.result   { summary, lines, checks = { { check, ok, message } } }
local phases = require("phases")
local retry = require("retry")
local maas_site = require("maas_site")

--- Runs `probe` as journaled check `name`; a failing check is a failed step, so the task
--- ends in Failure, and the next checks still run.
local function check(ctx, name, probe)
  local ok, message = pcall(drydock.task.step, "check " .. name, function()
    local passed, text = probe()
    if not passed then error(text, 0) end
    return text
  end)
  if not ok then message = drydock.error.info(message).message end
  ctx.checks[#ctx.checks + 1] = { check = name, ok = ok, message = message }
  return ok
end

--- `ubuntu/jammy` and `ga-22.04` for every distinct image and kernel the nodes ask for.
local function wanted_images(design)
  local images, kernels = {}, {}
  for _, node in ipairs(design:nodes()) do
    local platform = node.platform or {}
    if platform.image then images[platform.image] = true end
    if platform.kernel then kernels[platform.kernel] = true end
  end
  return images, kernels
end

return phases.action("verify_site", {
  {
    name = "connect",
    run = function(ctx)
      ctx.checks = {}
      -- MAAS failing a call (a 5xx) changed nothing: it is sent again.
      ctx.maas = retry.client(drydock.maas.connect())
    end,
  },
  {
    name = "api",
    run = function(ctx)
      local reachable = check(ctx, "maas reachable", function()
        local version = ctx.maas:version()
        ctx.version = version.version
        return true, ("Able to connect to MaaS (version %s)."):format(version.version)
      end)
      if not reachable then return end
      check(ctx, "api version", function() return maas_site.api_version(ctx.version) end)
      ctx.authenticated = check(ctx, "credentials", function()
        local me = ctx.maas:whoami()
        return true, ("Able to authenticate with MaaS API (as %s)."):format(me.username)
      end)
    end,
  },
  {
    name = "boot_images",
    run = function(ctx)
      if not ctx.authenticated then return end
      check(ctx, "boot images", function()
        if ctx.maas:is_importing() then return false, "MaaS still importing boot resources." end
        local resources = ctx.maas:boot_resources()
        if #resources == 0 then return false, "MaaS has no boot resources." end
        local have_image, have_kernel = {}, {}
        for _, r in ipairs(resources) do
          have_image[r.name:match("/(.+)$") or r.name] = true
          have_kernel[r.architecture:match("/(.+)$") or ""] = true
          for sub in tostring(r.subarches or ""):gmatch("[^,]+") do
            have_kernel[sub] = true
          end
        end
        local images, kernels = wanted_images(ctx.design)
        local missing = {}
        for image in pairs(images) do
          if not have_image[image] then missing[#missing + 1] = "image " .. image end
        end
        for kernel in pairs(kernels) do
          if not have_kernel[kernel] then missing[#missing + 1] = "kernel " .. kernel end
        end
        table.sort(missing)
        if #missing > 0 then
          return false,
            ("MaaS has no boot resource for %s: select it for import (boot-source selections) and wait for the sync."):format(
              table.concat(missing, ", ")
            )
        end
        return true,
          ("MaaS has synced boot resources (%d) for every image and kernel the nodes use."):format(
            #resources
          )
      end)
    end,
  },
  {
    name = "rack_controllers",
    run = function(ctx)
      if not ctx.authenticated then return end
      check(ctx, "rack controllers", function()
        local racks = ctx.maas:rack_controllers()
        if #racks == 0 then return false, "No rack controllers registered in MaaS." end
        local healthy, sick = 0, {}
        for _, r in ipairs(racks) do
          if not maas_site.rack_of(r).healthy then
            sick[#sick + 1] = ("Rack controller %s not healthy."):format(r.hostname)
          else
            -- A rack serves PXE from its own copy of the images.
            local ok, images = pcall(ctx.maas.rack_boot_images, ctx.maas, r.system_id)
            if not ok then
              sick[#sick + 1] = ("Rack controller %s did not say which images it holds: %s"):format(
                r.hostname,
                drydock.error.info(images).message
              )
            elseif maas_site.rack_images_problem(r.hostname, images) then
              sick[#sick + 1] = maas_site.rack_images_problem(r.hostname, images)
            else
              healthy = healthy + 1
            end
          end
        end
        if healthy == 0 then
          return false, "No healthy rack controllers found. " .. table.concat(sick, " ")
        end
        return true,
          ("%d healthy rack controller(s)."):format(healthy) .. (#sick > 0 and (" " .. table.concat(
            sick,
            " "
          )) or "")
      end)
    end,
  },
  {
    name = "result",
    run = function(ctx)
      local lines, failed = {}, 0
      for _, c in ipairs(ctx.checks) do
        lines[#lines + 1] = ("  %s %-17s %s"):format(c.ok and "ok  " or "FAIL", c.check, c.message)
        if not c.ok then failed = failed + 1 end
      end
      ctx.result = {
        summary = failed == 0 and "verify_site: every check passed"
          or ("verify_site: %d check(s) failed"):format(failed),
        lines = lines,
        checks = ctx.checks,
      }
    end,
  },
}, { scope = "site", result = "summary" })
