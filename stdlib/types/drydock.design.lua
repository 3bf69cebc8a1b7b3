---@meta
error("Cannot require a meta file")

-- Design lookups return plain tables in the shape of the document's Deckhand `data` body,
-- plus `name`, `schema` and `source`. A field with no value is absent (nil). OOB secrets
-- (`credential`, `password`) read "<redacted>". Lists are marked as JSON arrays.

------------------------------------------------------------------------------------------
-- The module
------------------------------------------------------------------------------------------

--- `drydock.design` (also `require("drydock.design")`): the effective site design, the
--- built-in validation rules, and the reports site rules write into.
---@class drydock.designlib
drydock.design = {}

--- Loads and resolves the design from a file or directory path, or a list of them; errors if it cannot be loaded.
---@param paths string|string[]
---@return drydock.Design
function drydock.design.load(paths) end

--- Runs drydock's built-in rules (all, or `opts.rules`) over `design` and returns their messages.
---@param design drydock.Design
---@param opts? drydock.ValidateOptions
---@return drydock.ValidationMessage[]
function drydock.design.validate(design, opts) end

--- Lists drydock's built-in validation rules.
---@return drydock.RuleInfo[]
function drydock.design.rules() end

--- Opens the report a site rule writes its messages into; `rule.name` defaults to `rule.id`, `rule.long_name` to the name.
--- Other fields of the table (such as a site rule's `check`) are ignored.
---@param design drydock.Design
---@param rule drydock.RuleSpec|drydock.SiteRule
---@return drydock.Report
function drydock.design.report(design, rule) end

--- Registers a site rule from a script for this run; `drydock.design.site_rules()` then lists it
--- after the rule files. `spec` is a rule table (its `id` is set) or just the check function.
--- (`--rule` on the command line knows rule files only: it is checked before scripts run.)
---@param id string the rule id
---@param spec drydock.SiteRule|fun(design: drydock.Design, report: drydock.Report)
function drydock.design.register_rule(id, spec) end

--- The bytes a partition or logical volume size stands for, as Drydock's MAAS driver computes
--- them: `[>]<n><unit>` with units m, g, t (10^6…) and mi, gi, ti (2^20…), each also with a
--- `b`; `<n>%` of the context's size; `>` for what the context has left less 4 MiB for the
--- partition table. Errors on a malformed size, on `%` or `>` without a context, and on more
--- than the context has available.
---@param size string
---@param context? drydock.SizeContext the device or volume group the size is taken from
---@return integer
function drydock.design.bytes(size, context) end

--- The site's rules: each `<site-dir>/rules/<id>.lua` (by id, with `id` and `file` set), then the registered ones.
---@return drydock.SiteRule[]
function drydock.design.site_rules() end

------------------------------------------------------------------------------------------
-- Handles
------------------------------------------------------------------------------------------

--- A loaded design (userdata): `drydock.design.load(...)`, or `ctx.design` in an action.
--- `tostring(design)` summarizes it ("design (N nodes, N networks, N links, N racks)").
---@class drydock.Design
local Design = {}

--- The cloud-init user data that delivers `node`'s boot actions (the BootActions whose node
--- filter selects it): their files and units rendered for the node (data pipelines, Jinja
--- templates with `node.*` and `action.*`), units enabled, `pkg_list` packages installed.
--- nil when they deliver nothing. Errors name the boot action and asset that failed.
--- Each action's `action.action_id` and the node's `action.action_key` are derived from the
--- MAAS key and the task (the same on every render within a task). With a `report_url`, the
--- signaling actions are also listed, with the URL and key, in
--- `/var/lib/drydock/bootactions.json` (mode 0600) on the node.
---@param node string the node's name
---@param opts? {design_ref?: string, report_url?: string} what templates see as `action.design_ref`, `action.report_url`
---@return drydock.UserData?
function Design:user_data(node, opts) end

--- Shipyard's deployment strategy (`shipyard/DeploymentStrategy/v1`) from the file at `path`,
--- its groups in the order they run (each after the groups it depends on) with the nodes of
--- this design each selects; without a path, the default: one critical group of every node,
--- all of which must succeed. Errors list every problem of the document with its line.
---@param path? string
---@return drydock.Strategy
function Design:strategy(path) end

--- The kernel command line of `node` as MAAS gets it (a `<node>_kp` tag's kernel_opts):
--- `hugepagesz` and `hugepages` first, then the other `platform.kernel_params` in design
--- order, a bare `key` for `true`. Errors when `hugepagesz` comes without `hugepages`.
---@param node string the node's name
---@return string
function Design:kernel_params(node) end

--- The name the machine's OS gives each device alias of `node`'s hardware profile, from the
--- `lshw` XML its commissioning collected (`maas:details(id).lshw`): alias -> name. An alias
--- lshw does not name is absent and keeps its own name, as in Drydock.
---@param node string the node's name
---@param lshw string
---@return table<string, string>
function Design:logical_names(node, lshw) end

--- The nodes `filter` selects (every node when nil), in design order, after inheritance.
---@param filter? drydock.NodeFilter|drydock.DrydockNodeFilter
---@return drydock.Node[]
function Design:nodes(filter) end

--- The node named `name` (after inheritance), or nil.
---@param name string
---@return drydock.Node?
function Design:node(name) end

--- Every Network, in design order.
---@return drydock.Network[]
function Design:networks() end

--- The Network named `name`, or nil.
---@param name string
---@return drydock.Network?
function Design:network(name) end

--- Every NetworkLink, in design order.
---@return drydock.NetworkLink[]
function Design:network_links() end

--- The NetworkLink named `name`, or nil.
---@param name string
---@return drydock.NetworkLink?
function Design:network_link(name) end

--- Every Rack, in design order.
---@return drydock.Rack[]
function Design:racks() end

--- The Rack named `name`, or nil.
---@param name string
---@return drydock.Rack?
function Design:rack(name) end

--- Every HardwareProfile, in design order.
---@return drydock.HardwareProfile[]
function Design:hardware_profiles() end

--- The HardwareProfile named `name`, or nil.
---@param name string
---@return drydock.HardwareProfile?
function Design:hardware_profile(name) end

--- The compiled HostProfile named `name`, or nil.
---@param name string
---@return drydock.HostProfile?
function Design:host_profile(name) end

--- Every HostProfile, in design order.
---@return drydock.HostProfile[]
function Design:host_profiles() end

--- Every BootAction, each with the names of the nodes its node_filter selects.
---@return drydock.BootAction[]
function Design:bootactions() end

--- The Region document, or nil when the design has none.
---@return drydock.Region?
function Design:region() end

--- Where one rule reports (userdata, from `drydock.design.report`). Each message text is
--- prefixed with the rule's long name.
---@class drydock.Report
local Report = {}

--- Adds an Error message; errors if the report is finished.
---@param text string
---@param opts? drydock.ReportOptions
function Report:error(text, opts) end

--- Adds a Warning message; errors if the report is finished.
---@param text string
---@param opts? drydock.ReportOptions
function Report:warn(text, opts) end

--- Adds an Info message; errors if the report is finished.
---@param text string
---@param opts? drydock.ReportOptions
function Report:info(text, opts) end

--- Ends the report and returns its messages, plus "<Long Name>: Validation successful." when it has no error; a second call errors.
---@return drydock.ValidationMessage[]
function Report:finish() end

------------------------------------------------------------------------------------------
-- Arguments
------------------------------------------------------------------------------------------

---@alias drydock.SetType "intersection"|"union"

---@alias drydock.Level "Error"|"Warning"|"Info"

--- Options of `drydock.design.validate`.
---@class drydock.Strategy
---@field name string
---@field groups drydock.StrategyGroup[] in the order they run

---@class drydock.StrategyGroup
---@field name string
---@field critical boolean a failure ends the run after this group's deployment
---@field depends_on string[] groups that must have succeeded first
---@field nodes string[] the nodes its selectors pick, in design order
---@field success_criteria? drydock.SuccessCriteria none: the group never fails on counts

---@class drydock.SuccessCriteria
---@field percent_successful_nodes? integer
---@field minimum_successful_nodes? integer
---@field maximum_failed_nodes? integer

---@class drydock.UserData
---@field text string the cloud-config, to read
---@field base64 string the same, base64-encoded: what MAAS's deploy takes as `user_data`
---@field signaling drydock.SignalingAction[] the actions whose reports the deployment waits for

---@class drydock.SignalingAction
---@field name string the BootAction's name
---@field action_id string where it reports: `<report_url><action_id>`

---@class drydock.SizeContext
---@field name? string for messages
---@field size integer the whole device or volume group, in bytes
---@field available? integer bytes not yet used (default: `size`)

---@class drydock.ValidateOptions
---@field rules? string[] ids of the built-in rules to run (nil = all)

--- Options of a report message. Extra keys are ignored.
---@class drydock.ReportOptions
---@field documents? (drydock.DocumentRef|drydock.Document)[] documents the message is about (design tables work as they are)
---@field diagnostic? string how to fix it
---@field source? drydock.Source where to point (default: the first document's source)

--- A rule's identity, as `drydock.design.report` takes it.
---@class drydock.RuleSpec
---@field id string unique rule id
---@field name? string Drydock-style code (default: `id`)
---@field long_name? string prefix of every message (default: `name`)

--- Short node filter: every given criterion must match. Unknown keys are an error.
---@class drydock.NodeFilter
---@field names? string[] node names
---@field racks? string[] rack names (the node's `metadata.rack`)
---@field tags? string[] any of these tags (`metadata.tags`)
---@field labels? table<string, string> all of these `metadata.owner_data` entries

--- Drydock's `node_filter`: `filter_set` entries combined by `filter_set_type`; an empty
--- `filter_set` selects every node.
---@class drydock.DrydockNodeFilter
---@field filter_set_type? drydock.SetType default "intersection"
---@field filter_set? drydock.DrydockNodeFilterEntry[]

--- One `filter_set` entry: its non-empty criteria combined by `filter_type`.
---@class drydock.DrydockNodeFilterEntry
---@field filter_type? drydock.SetType default "intersection"
---@field node_names? string[]
---@field node_tags? string[] any of these tags
---@field node_labels? table<string, string> all of these `metadata.owner_data` entries
---@field rack_names? string[]
---@field rack_labels? table<string, string> all of these labels of the node's Rack

------------------------------------------------------------------------------------------
-- Results
------------------------------------------------------------------------------------------

--- Where a document was written.
---@class drydock.Source
---@field file string
---@field line integer 1-based

--- A reference to a document, as validation messages carry them.
---@class drydock.DocumentRef
---@field schema string e.g. "drydock/Network/v1"
---@field name string
---@field source? drydock.Source accepted in `ReportOptions.documents` only

--- One validation finding, in Drydock's `ValidationMessage` shape plus `rule` and `source`.
---@class drydock.ValidationMessage
---@field kind "ValidationMessage"
---@field name string Drydock's rule code (e.g. "DD2003"), not unique across rules
---@field rule string the unique rule id (e.g. "mtu-rational")
---@field message string
---@field error boolean `level == "Error"`
---@field level drydock.Level
---@field diagnostic string "" when none
---@field documents drydock.DocumentRef[]
---@field source? drydock.Source

--- A built-in rule, from `drydock.design.rules()`.
---@class drydock.RuleInfo
---@field id string unique rule id
---@field name string Drydock's rule code
---@field long_name string prefix of the rule's messages

--- A site rule: what `<site-dir>/rules/<id>.lua` returns, or `register_rule` takes.
---@class drydock.SiteRule
---@field id string set by drydock (the file name, or `register_rule`'s id)
---@field name? string Drydock-style code (default: `id`)
---@field long_name? string prefix of every message (default: `name`)
---@field check fun(design: drydock.Design, report: drydock.Report)
---@field file? string the rule file (file rules only)

--- What every design table has.
---@class drydock.Document
---@field name string
---@field schema string e.g. "drydock/BaremetalNode/v1"
---@field source drydock.Source where the document starts

------------------------------------------------------------------------------------------
-- BaremetalNode and HostProfile
------------------------------------------------------------------------------------------

--- `oob`: `type` plus the other OOB parameters as strings; `credential` and `password` read "<redacted>".
---@class drydock.Oob
---@field type? string e.g. "ipmi", "redfish", "libvirt", "manual"
---@field [string] string

---@class drydock.Filesystem
---@field mountpoint? string
---@field fstype? string "ext4" unless given
---@field mount_options? string "defaults" unless given
---@field fs_uuid? string
---@field fs_label? string

---@class drydock.Partition
---@field name? string
---@field size? string
---@field part_uuid? string
---@field volume_group? string
---@field labels table<string, string>
---@field bootable? boolean
---@field filesystem? drydock.Filesystem

---@class drydock.PhysicalDevice
---@field labels table<string, string>
---@field volume_group? string
---@field partitions drydock.Partition[]

---@class drydock.LogicalVolume
---@field name? string
---@field lv_uuid? string
---@field size? string
---@field filesystem? drydock.Filesystem

---@class drydock.VolumeGroup
---@field vg_uuid? string
---@field logical_volumes drydock.LogicalVolume[]

---@class drydock.Storage
---@field physical_devices table<string, drydock.PhysicalDevice> by device name or alias
---@field volume_groups table<string, drydock.VolumeGroup> by volume group name

---@class drydock.Platform
---@field image? string
---@field kernel? string
---@field kernel_params table<string, string>

---@class drydock.HostMetadata
---@field tags string[]
---@field owner_data table<string, string> the labels node filters match
---@field rack? string

---@class drydock.NodeMetadata: drydock.HostMetadata
---@field boot_mac? string

---@class drydock.Sriov
---@field vf_count integer
---@field trustedmode boolean

---@class drydock.Interface
---@field device_link? string NetworkLink name
---@field slaves string[]
---@field networks string[] Network names
---@field sriov? drydock.Sriov present only when configured

--- An address of a node: an IP, or "dhcp".
---@class drydock.Address
---@field address string
---@field network string Network name

--- A HostProfile (`schema` "drydock/HostProfile/v1"), merged over its parent profiles.
---@class drydock.HostProfile: drydock.Document
---@field host_profile? string parent profile
---@field hardware_profile? string
---@field primary_network? string
---@field oob drydock.Oob
---@field storage drydock.Storage
---@field platform drydock.Platform
---@field metadata drydock.HostMetadata
---@field interfaces table<string, drydock.Interface> by device name

--- A BaremetalNode (`schema` "drydock/BaremetalNode/v1"), merged over its host profiles.
---@class drydock.Node: drydock.Document
---@field host_profile? string
---@field hardware_profile? string
---@field primary_network? string
---@field oob drydock.Oob
---@field storage drydock.Storage
---@field platform drydock.Platform
---@field metadata drydock.NodeMetadata
---@field interfaces table<string, drydock.Interface> by device name
---@field addressing drydock.Address[]

------------------------------------------------------------------------------------------
-- Network and NetworkLink
------------------------------------------------------------------------------------------

---@class drydock.NetworkRange
---@field type "static"|"dhcp"|"reserved"
---@field start? string
---@field ["end"]? string

---@class drydock.Route
---@field subnet? string
---@field gateway? string
---@field metric? integer
---@field routedomain? string

---@class drydock.Dns
---@field domain string "local" unless given
---@field servers? string comma-separated

---@class drydock.DhcpRelay
---@field self_ip? string
---@field upstream_target? string

--- A Network document (`schema` "drydock/Network/v1").
---@class drydock.Network: drydock.Document
---@field cidr? string
---@field vlan? string the 802.1q tag as a decimal string ("1".."4094"); absent = untagged
---@field mtu? integer
---@field routedomain? string
---@field ranges drydock.NetworkRange[]
---@field routes drydock.Route[]
---@field dns drydock.Dns
---@field dhcp_relay drydock.DhcpRelay
---@field labels table<string, string>

---@class drydock.Bonding
---@field mode "disabled"|"802.3ad"|"balance-rr"|"active-backup"
---@field hash? string 802.3ad only ("layer3+4" unless given)
---@field peer_rate? string 802.3ad only ("fast" unless given)
---@field mon_rate? integer null when bonding is disabled (100 unless given)
---@field up_delay? integer null when bonding is disabled (200 unless given)
---@field down_delay? integer null when bonding is disabled (200 unless given)

---@class drydock.Trunking
---@field mode "disabled"|"802.1q"
---@field default_network? string the link's untagged network

--- A NetworkLink document (`schema` "drydock/NetworkLink/v1").
---@class drydock.NetworkLink: drydock.Document
---@field bonding drydock.Bonding
---@field mtu? integer
---@field linkspeed? string
---@field trunking drydock.Trunking
---@field allowed_networks? string[]
---@field labels table<string, string>

------------------------------------------------------------------------------------------
-- Rack, Region, HardwareProfile, BootAction
------------------------------------------------------------------------------------------

---@class drydock.TorSwitch
---@field mgmt_ip? string
---@field sdn_api_uri? string

--- A Rack document (`schema` "drydock/Rack/v1").
---@class drydock.Rack: drydock.Document
---@field tor_switches table<string, drydock.TorSwitch> by switch name
---@field location table<string, string>
---@field local_networks string[]
---@field labels table<string, string>

---@class drydock.TagDefinition
---@field tag string
---@field definition_type string
---@field definition string

---@class drydock.Repository
---@field repo_type? string
---@field url? string
---@field distributions? string[]
---@field subrepos? string[]
---@field components? string[]
---@field gpgkey? string
---@field arches string[] {"amd64"} unless given
---@field options? table<string, string>

--- `repositories`: `remove_unlisted` plus one entry per repository name.
---@class drydock.Repositories
---@field remove_unlisted boolean
---@field [string] drydock.Repository

--- The Region document (`schema` "drydock/Region/v1").
---@class drydock.Region: drydock.Document
---@field tag_definitions drydock.TagDefinition[]
---@field authorized_keys string[]
---@field repositories? drydock.Repositories null when the document has none

---@class drydock.DeviceAlias
---@field bus_type? string "pci" for NICs, "scsi" for disks
---@field dev_type? string
---@field address? string

---@class drydock.Hugepages
---@field size? string
---@field count? integer

--- A HardwareProfile document (`schema` "drydock/HardwareProfile/v1").
---@class drydock.HardwareProfile: drydock.Document
---@field vendor? string
---@field generation? string
---@field hw_version? string
---@field bios_version? string
---@field boot_mode? string
---@field bootstrap_protocol? string
---@field pxe_interface? string
---@field device_aliases table<string, drydock.DeviceAlias> by alias
---@field cpu_sets table<string, string>
---@field hugepages table<string, drydock.Hugepages> by name

---@class drydock.Asset
---@field type "unit"|"file"|"pkg_list"
---@field path? string
---@field location? string
---@field data? string|table<string, string> text, or for pkg_list package -> version (absent = any)
---@field location_pipeline string[]
---@field data_pipeline string[]
---@field permissions? string octal file mode, e.g. "644"

--- A BootAction document (`schema` "drydock/BootAction/v1").
---@class drydock.BootAction: drydock.Document
---@field signaling boolean
---@field assets drydock.Asset[]
---@field node_filter? drydock.DrydockNodeFilter null selects every node
---@field target_nodes string[] names of the nodes node_filter selects
