-- drydock.design from a script: loading, lookups, filters, rules and reports.
-- test: args = tests/fixtures/base.yaml; stdout = "checked": 2
local base = ...
local design = drydock.design.load(base)
assert(tostring(design):match("^design %(2 nodes"), tostring(design))

local nodes = design:nodes()
assert(#nodes == 2 and nodes[1].name == "cmp01" and nodes[2].name == "ctl01")
local cmp01 = design:node("cmp01")
assert(cmp01.schema == "drydock/BaremetalNode/v1")
assert(cmp01.source.line > 1 and cmp01.source.file:match("base%.yaml$"))
assert(cmp01.platform.kernel_params.isolcpus == "2-15", "references are resolved")
assert(cmp01.oob.credential == "<redacted>", "secrets never reach scripts")
assert(cmp01.interfaces.bond0.device_link == "data")
assert(cmp01.addressing[3].address == "10.23.1.11")
assert(design:node("nope") == nil)

assert(#design:nodes({ racks = { "rack1" }, tags = { "control" } }) == 1)
assert(#design:nodes({
  filter_set_type = "union",
  filter_set = {
    { filter_type = "union", node_names = { "cmp01" } },
    { filter_type = "union", node_tags = { "control" } },
  },
}) == 2)
local ok, err = pcall(design.nodes, design, { nodes = { "x" } })
assert(not ok and tostring(err):match("unknown node filter key nodes"), tostring(err))

assert(design:network("mgmt").vlan == "100")
assert(design:network("pxe").vlan == nil)
assert(#design:network_links() == 3 and design:network_link("data").bonding.mode == "802.3ad")
assert(design:rack("rack1").location.grid == "EG12")
assert(design:region().name == "site1")
assert(#design:hardware_profiles() == 1 and #design:host_profiles() == 2)
assert(design:hardware_profile("gen10").cpu_sets.kvm == "2-15")
assert(design:host_profile("compute").host_profile == "defaults")
assert(design:host_profile("nope") == nil and design:network("pxe").routes[1] == nil)
assert(design:bootactions()[1].target_nodes[2] == "ctl01")

local rules = drydock.design.rules()
assert(rules[1].id == "schema" and #rules == 20)
local messages = drydock.design.validate(design, { rules = { "mtu-rational", "not-a-rust-rule" } })
assert(#messages == 1 and messages[1].message == "MTU Rationality: Validation successful.")
assert(#drydock.design.validate(design) == 21)

local report = drydock.design.report(design, { id = "x", name = "X1", long_name = "Example" })
report:warn("careful", { documents = { cmp01 } })
report:error(
  "wrong",
  { documents = { { schema = "drydock/Network/v1", name = "mgmt" } }, diagnostic = "fix it" }
)
local out = report:finish()
assert(#out == 2, "no success message after an error")
assert(out[1].message == "Example: careful" and out[1].level == "Warning" and out[1].rule == "x")
assert(out[2].source.file:match("base%.yaml$"), "source looked up from the document")
assert(out[2].diagnostic == "fix it" and out[2].error == true)
assert(not pcall(report.finish, report), "a report finishes once")

local clean = drydock.design.report(design, { id = "y" })
assert(clean:finish()[1].message == "y: Validation successful.")

drydock.design.register_rule("one-rack", function(d, r)
  if #d:racks() < 2 then r:warn("a single rack") end
end)
drydock.design.register_rule("named", { name = "N1", long_name = "Named", check = function() end })
local site_rules = drydock.design.site_rules()
assert(#site_rules == 2 and site_rules[1].id == "one-rack" and site_rules[2].name == "N1")
local r = drydock.design.report(design, site_rules[1])
site_rules[1].check(design, r)
assert(r:finish()[1].message == "one-rack: a single rack")
assert(not pcall(drydock.design.register_rule, "bad", { name = "x" }), "a rule needs a check")

-- Logical names from commissioning's lshw: what the OS calls each device alias.
local lshw = [[<list><node class="system">
  <node class="network"><businfo>pci@0000:3b:00.0</businfo><logicalname>eno1</logicalname></node>
  <node class="disk"><businfo>scsi@0:2.0.0</businfo><logicalname>/dev/sda</logicalname></node>
</node></list>]]
local names = design:logical_names("cmp01", lshw)
assert(names.nic_pxe == "eno1" and names.bootdisk == "sda" and names.nic_a == nil)
assert(next(design:logical_names("cmp01", "")) == nil)
assert(not pcall(design.logical_names, design, "nope", lshw))

-- Sizes as the storage phase computes them.
assert(drydock.design.bytes("15GiB") == 15 * 2 ^ 30)
assert(drydock.design.bytes("20%", { name = "vg0", size = 20000000 }) == 4000000)
assert(drydock.design.bytes(">1g", { size = 20000000, available = 15000000 }) == 15000000 - 4194304)
ok, err = pcall(drydock.design.bytes, "30g", { name = "sda", size = 20000000000 })
assert(not ok and tostring(err):find("sda has only 20000000000 bytes available", 1, true), err)
ok, err = pcall(drydock.design.bytes, "20%")
assert(not ok and tostring(err):find("context", 1, true), err)
ok, err = pcall(drydock.design.bytes, "1g", { name = "sda" })
assert(not ok and tostring(err):find("size =", 1, true), err)

-- Writes the linter refuses too; trying them is the point.
-- selene: allow(incorrect_standard_library_use)
assert(not pcall(function() drydock.design = nil end), "modules are read-only")
-- selene: allow(incorrect_standard_library_use)
assert(not pcall(function() drydock.design.load = nil end), "module tables are read-only")
assert(drydock.null ~= nil and drydock.version:match("^%d+%.%d+"))
return { checked = #nodes }
