---@meta
error("Cannot require a meta file")

-- Globals only `drydock repl` defines; scripts do not have them.

--- The MAAS client the REPL connected at start (`drydock.maas.connect()` with --maas-url and
--- the API key, or to the embedded simulator with --sim); nil when no MAAS is configured.
---@type drydock.MaasClient?
maas = nil

--- The design given to the REPL with -d; nil without one.
---@type drydock.Design?
design = nil

--- The first value the last REPL entry returned.
---@type any
_ = nil
