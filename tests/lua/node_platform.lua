-- node_platform against the simulator: cmp01 gets its kernel-parameter tag (hugepages first,
-- then design order) and its static tags; a second comparison finds nothing; changed kernel
-- parameters replace the tag's and the machine keeps it.
-- test: args = examples/site; sim = examples/site; stdout = "changes": 0
local node_platform = require("node_platform")

local design = drydock.design.load((...))
local maas = drydock.maas.connect()
local node = design:node("cmp01")
local id = maas:machines({ hostname = { "cmp01" } })[1].system_id

local function converge(want)
  local tags = {}
  for _, t in ipairs(maas:tags()) do
    tags[t.name] = t
  end
  local changes = node_platform.diff(want, maas:machine(id), tags)
  for _, c in ipairs(changes) do
    node_platform.apply(maas, id, want, c)
  end
  return changes
end

local want = node_platform.want(design, node)
assert(
  want.kernel_opts
    == "hugepagesz=1G hugepages=384 console=ttyS1,115200n8 quiet isolcpus=4-31,36-63 default_hugepagesz=1G intel_iommu=on iommu=pt",
  want.kernel_opts
)
local first = converge(want)
local lines = {}
for _, c in ipairs(first) do
  lines[#lines + 1] = c.line
end
assert(#first == 5, table.concat(lines, "; "))
local machine = maas:machine(id)
local has = {}
for _, t in ipairs(machine.tag_names) do
  has[t] = true
end
assert(has.cmp01_kp and has.compute and has.dc1 and has["tenant-workloads"])
assert(maas:tag("cmp01_kp").kernel_opts == want.kernel_opts)
assert(#converge(want) == 0)

want.kernel_opts = "console=ttyS0"
local changed = converge(want)
assert(#changed == 2 and changed[1].op == "replace_kp", #changed)
assert(maas:tag("cmp01_kp").kernel_opts == "console=ttyS0")
-- The step run again, as after a crash between its two requests: it finds its work done.
node_platform.apply(maas, id, want, changed[1])
return { changes = #converge(want) }
