-- dc1 policy: every rack has two top-of-rack switches, because every node's data bond
-- spans both. Run with: drydock validate -d examples/site --site-dir examples/site-dir
return {
  name = "DC1-001",
  long_name = "Redundant ToR Switches",
  check = function(design, report)
    for _, rack in ipairs(design:racks()) do
      local switches = 0
      for _ in pairs(rack.tor_switches or {}) do
        switches = switches + 1
      end
      if switches < 2 then
        report:error(
          ("Rack %s has %d top-of-rack switch(es); bonded links need two"):format(
            rack.name,
            switches
          ),
          {
            documents = { rack },
            diagnostic = "Add the second switch under tor_switches.",
          }
        )
      end
    end
  end,
}
