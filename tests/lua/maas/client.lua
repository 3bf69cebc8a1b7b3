-- drydock.maas against the simulator: connect from the environment, typed and raw calls,
-- and errors described by drydock.error.info.
-- Three fabrics at the end: fabric-0, the fabric MAAS discovered under the rack's PXE NIC,
-- and the one created.
-- test: sim = tests/fixtures/base.yaml; stdout = "fabrics": 3
local maas = drydock.maas.connect()
assert(tostring(maas):match("^maas client http://127%.0%.0%.1:%d+/MAAS/api/2%.0/$"), tostring(maas))
assert(maas:version().version == "3.4.10")

local machines = maas:machines()
assert(#machines == 2, #machines)
local names = {}
for _, m in ipairs(machines) do
  names[m.hostname] = m.system_id
end
assert(names.cmp01 and names.ctl01)
assert(#maas:machines({ hostname = { "ctl01" } }) == 1)
assert(maas:machine(names.cmp01).status_name == "New")
local okf, errf = pcall(maas.machines, maas, { hostnames = { "x" } })
assert(not okf and tostring(errf):match("MAAS takes no parameter hostnames"), tostring(errf))

local fabric = maas:post("fabrics/", nil, { name = "pxe", description = "PXE" })
assert(fabric.name == "pxe" and fabric.vlans[1].vid == 0)
assert(maas:put("fabrics/" .. fabric.id .. "/", { class_type = "10g" }).class_type == "10g")

local ok, err = pcall(maas.post, maas, "fabrics/", nil, { name = "pxe" })
assert(not ok)
local info = drydock.error.info(err)
assert(
  info.kind == "maas" and info.status == 400 and info.method == "POST" and info.path == "fabrics/",
  info.message
)
assert(info.body:match("already exists") and info.retryable == false and info.attempts == 1)

local wrong = drydock.maas.connect({ api_key = "aaa:bbb:ccc" })
local ok2, err2 = pcall(wrong.fabrics, wrong)
assert(not ok2 and drydock.error.info(err2).status == 401)
local ok3, err3 = pcall(drydock.maas.connect, { api_key = "not-a-key" })
assert(not ok3 and tostring(err3):match("three fields") and not tostring(err3):match("not%-a%-key"))

local lua_info = drydock.error.info(select(2, pcall(error, "plain")))
assert(lua_info.kind == "script" and lua_info.message:match("plain"))
return { fabrics = #maas:fabrics() }
