--- ValidateDesign: check the site design with drydock's rules, then with the site's own
--- rules (<site-dir>/rules/<id>.lua), and return every message.
---
--- ctx.design          the effective design (drydock.design handle)
--- ctx.options.rules   rule ids to run (nil = all); an unknown one is an error
--- ctx.result          { messages = { ... } }
local phases = require("phases")

local function selected(ids, id)
  if ids == nil then return true end
  for _, wanted in ipairs(ids) do
    if wanted == id then return true end
  end
  return false
end

--- Refuses rule ids that are neither drydock's nor the site's, before any rule runs.
local function check_rule_ids(ids, site_rules)
  local known = {}
  for _, rule in ipairs(drydock.design.rules()) do
    known[#known + 1] = rule.id
  end
  for _, rule in ipairs(site_rules) do
    known[#known + 1] = rule.id
  end
  for _, id in ipairs(ids or {}) do
    if not selected(known, id) then
      error(("unknown rule '%s'; known rules: %s"):format(id, table.concat(known, ", ")), 0)
    end
  end
end

return phases.action("validate_design", {
  {
    name = "rules",
    run = function(ctx)
      ctx.site_rules = drydock.design.site_rules()
      check_rule_ids(ctx.options.rules, ctx.site_rules)
      ctx.messages = drydock.design.validate(ctx.design, { rules = ctx.options.rules })
    end,
  },
  {
    name = "site_rules",
    run = function(ctx)
      for _, rule in ipairs(ctx.site_rules or drydock.design.site_rules()) do
        if selected(ctx.options.rules, rule.id) then
          local report = drydock.design.report(ctx.design, rule)
          local ok, err = pcall(rule.check, ctx.design, report)
          if not ok then
            report:error("rule failed to run: " .. tostring(err), {
              diagnostic = "Fix the site rule in " .. (rule.file or rule.id) .. ".",
            })
          end
          for _, message in ipairs(report:finish()) do
            table.insert(ctx.messages, message)
          end
        end
      end
    end,
  },
  {
    name = "result",
    run = function(ctx) ctx.result = { messages = ctx.messages } end,
  },
}, { scope = "site", result = "validation", options = { "rules" }, command = "validate" })
