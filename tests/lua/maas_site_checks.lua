-- The judgements VerifySite makes of MAAS's answers, on answers as MAAS gives them.
local maas_site = require("maas_site")

-- A rack the region cannot reach has no sync status: say it is not connected.
local problem =
  maas_site.rack_images_problem("rack01", { connected = false, status = "unknown", images = {} })
assert(problem == "Rack controller rack01 is not connected to the region.", problem)
problem =
  maas_site.rack_images_problem("rack01", { connected = true, status = "syncing", images = {} })
assert(problem == "Rack controller rack01 has not synced the boot images (syncing).", problem)
assert(
  maas_site.rack_images_problem("rack01", { connected = true, status = "synced", images = {} })
    == nil
)

-- The version answer came from API 2.0: one the region does not tell is no reason to refuse.
local ok, message = maas_site.api_version("None")
assert(ok and message:match("does not tell its version: None"), message)
ok, message = maas_site.api_version("1.9.5")
assert(not ok and message:match("older than 2.0"), message)
ok, message = maas_site.api_version("3.4.2")
assert(ok and message == "MaaS 3.4.2 serves API 2.0.", message)
