//! Machines and their lifecycle: list, read, create, update, delete, commission, allocate,
//! deploy, release, abort, broken/fixed, power and storage layout.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Extra;
use super::block_devices::BlockDevice;
use super::interfaces::Interface;
use crate::maas::MachineStatus;
use crate::maas::calls::calls;
use crate::maas::text_enum::text_enum;

text_enum! {
    /// `power_state`: what the BMC last said.
    PowerState { On = "on", Off = "off", Unknown = "unknown", Error = "error" }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Machine {
    pub system_id: String,
    pub hostname: String,
    pub fqdn: String,
    pub status: MachineStatus,
    pub status_name: String,
    pub status_message: Option<String>,
    pub power_state: PowerState,
    pub power_type: String,
    pub architecture: String,
    pub cpu_count: u32,
    /// MiB.
    pub memory: u64,
    pub osystem: String,
    pub distro_series: String,
    pub hwe_kernel: Option<String>,
    pub owner: Option<String>,
    pub locked: bool,
    pub tag_names: Vec<String>,
    pub boot_interface: Option<Interface>,
    pub interface_set: Vec<Interface>,
    pub boot_disk: Option<BlockDevice>,
    pub blockdevice_set: Vec<BlockDevice>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Machine {
    /// The MAC addresses of the machine's interfaces that have one.
    pub fn macs(&self) -> impl Iterator<Item = &str> {
        self.interface_set.iter().filter_map(|i| i.mac_address.as_deref())
    }
}

/// `op=details`: what commissioning found, as the tools printed it (lshw's XML, lldpd's
/// XML); absent before a machine was commissioned.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MachineDetails {
    pub lshw: Option<String>,
    pub lldp: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `query_power_state`'s answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PowerStateAnswer {
    pub state: PowerState,
    #[serde(flatten)]
    pub extra: Extra,
}

calls! {
    /// Machines, optionally filtered (`hostname`, `mac_address`, `id` repeat).
    MACHINES machines() Get "machines/" -> Vec<Machine>
        ["hostname", "mac_address", "id", "domain", "zone", "pool", "agent_name", "status"];
    /// One machine by system id.
    MACHINE machine(system_id) Get "machines/{system_id}/" -> Machine;
    /// Creates (enlists) a machine; MAAS commissions it unless `commission=false`.
    CREATE_MACHINE create_machine() Post "machines/" -> Machine
        ["architecture", "mac_addresses", "hostname", "description", "domain", "power_type",
         "power_parameters_*", "commission", "enable_ssh", "skip_bmc_config", "skip_networking",
         "skip_storage", "commissioning_scripts", "testing_scripts", "min_hwe_kernel",
         "subarchitecture", "deployed"];
    /// Updates a machine's hostname, domain, power settings, pool, zone…
    UPDATE_MACHINE update_machine(system_id) Put "machines/{system_id}/" -> Machine
        ["hostname", "description", "domain", "architecture", "cpu_count", "memory",
         "min_hwe_kernel", "pool", "zone", "swap_size", "disable_ipv4", "power_type",
         "power_parameters_*"];
    /// Deletes a machine.
    DELETE_MACHINE delete_machine(system_id) Delete "machines/{system_id}/" -> ();
    /// Every machine's power parameters by system id (carries BMC passwords).
    POWER_PARAMETERS_ALL power_parameters_all() Get "machines/" op "power_parameters" -> BTreeMap<String, Value>
        ["id"];
    /// One machine's power parameters (carries its BMC password).
    POWER_PARAMETERS power_parameters(system_id) Get "machines/{system_id}/" op "power_parameters"
        -> BTreeMap<String, Value>;
    /// What commissioning found (lshw and lldp output); MAAS answers it in BSON.
    DETAILS details(system_id) Get "machines/{system_id}/" op "details" -> MachineDetails;
    /// Starts commissioning.
    COMMISSION commission(system_id) Post "machines/{system_id}/" op "commission" -> Machine
        ["enable_ssh", "skip_bmc_config", "skip_networking", "skip_storage",
         "commissioning_scripts", "testing_scripts"];
    /// Allocates a Ready machine to the caller (`system_id` or `name` picks one).
    ALLOCATE allocate() Post "machines/" op "allocate" -> Machine
        ["system_id", "name", "arch", "cpu_count", "mem", "tags", "not_tags", "zone", "pool",
         "agent_name", "comment", "dry_run", "verbose"];
    /// The machines allocated to the caller.
    LIST_ALLOCATED list_allocated() Get "machines/" op "list_allocated" -> Vec<Machine>;
    /// Deploys an allocated (or Ready) machine.
    DEPLOY deploy(system_id) Post "machines/{system_id}/" op "deploy" -> Machine
        ["distro_series", "osystem", "hwe_kernel", "user_data", "agent_name", "comment",
         "install_kvm", "install_rackd", "register_vmhost", "bridge_all", "bridge_type",
         "bridge_stp", "bridge_fd", "enable_hw_sync", "ephemeral_deploy"];
    /// Releases a machine back to Ready, optionally erasing its disks.
    RELEASE release(system_id) Post "machines/{system_id}/" op "release" -> Machine
        ["comment", "erase", "secure_erase", "quick_erase", "force"];
    /// Aborts the current operation (commissioning, deploying, releasing, testing).
    ABORT abort(system_id) Post "machines/{system_id}/" op "abort" -> Machine ["comment"];
    /// Marks a machine Broken.
    MARK_BROKEN mark_broken(system_id) Post "machines/{system_id}/" op "mark_broken" -> Machine
        ["comment"];
    /// Marks a Broken machine fixed (back to Ready).
    MARK_FIXED mark_fixed(system_id) Post "machines/{system_id}/" op "mark_fixed" -> Machine
        ["comment"];
    /// Powers a machine on through its BMC (MAAS may answer with nothing).
    POWER_ON power_on(system_id) Post "machines/{system_id}/" op "power_on" -> Option<Machine>
        ["user_data", "comment"];
    /// Powers a machine off through its BMC (MAAS may answer with nothing).
    POWER_OFF power_off(system_id) Post "machines/{system_id}/" op "power_off" -> Option<Machine>
        ["stop_mode", "comment"];
    /// Asks the BMC for the power state now.
    QUERY_POWER_STATE query_power_state(system_id) Get "machines/{system_id}/" op "query_power_state"
        -> PowerStateAnswer;
    /// Sets the workload annotations (owner data) of a machine allocated to the caller: any
    /// `key = value`; an empty value removes the key.
    SET_WORKLOAD_ANNOTATIONS set_workload_annotations(system_id) Post "machines/{system_id}/"
        op "set_workload_annotations" -> Machine ["*"];
    /// Replaces the storage configuration with a layout (`flat`, `lvm`, `blank`…).
    SET_STORAGE_LAYOUT set_storage_layout(system_id) Post "machines/{system_id}/" op "set_storage_layout"
        -> Machine
        ["storage_layout", "boot_size", "root_size", "root_device", "vg_name", "lv_name",
         "lv_size"];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_captured_machine_reads_with_unknown_fields_kept() {
        let text = include_str!("../../../tests/fixtures/maas-captures/golden/094-machine-get.json");
        let pair: Value = serde_json::from_str(text).unwrap();
        let body = pair["body"].clone();
        let machine: Machine = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(machine.status, MachineStatus::New);
        assert_eq!(machine.power_state, PowerState::Unknown);
        assert_eq!(
            machine.macs().collect::<Vec<_>>(),
            ["52:54:00:aa:00:01", "52:54:00:aa:00:02"]
        );
        assert!(machine.extra.contains_key("hardware_info"));
        assert_eq!(serde_json::to_value(&machine).unwrap(), body);
    }
}
