-- dc1 policy: a warning is an error, except the platform check, which needs MAAS.
-- This extends the shipped action by one phase instead of copying it.
local action = drydock.stock("validate_design")

action:after("site_rules", {
  name = "warnings_are_errors",
  run = function(ctx)
    for _, message in ipairs(ctx.messages) do
      if message.level == "Warning" and message.rule ~= "platform-selection" then
        message.level = "Error"
        message.error = true
        message.message = message.message .. " (dc1 treats warnings as errors)"
      end
    end
  end,
})

return action
