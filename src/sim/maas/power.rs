//! MAAS's power control of a machine, with the power type and parameters it was given. When
//! they name one of the simulated BMCs, the action goes to that BMC's machine through the
//! checks the BMC's own service makes (account and password, the planted fault, the delay
//! before power lands), and the BMC's request log shows it; a failure is reported the way
//! MAAS reports one (an ERROR event, power state `error`). A BMC the simulator does not serve
//! it stands in for, acting on the machine at once.

use serde_json::Value;

use super::records::events::Level;
use super::state::State;
use crate::maas::resources::machines::PowerState;
use crate::oob::{BootDevice, BootPersistence, NextBoot, PowerRequest};
use crate::sim::bmc::BmcFault;
use crate::sim::bmc::request_log::{BmcRequest, Requester};
use crate::sim::physical::BmcProtocol;

/// What MAAS asks of a machine's power.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Power on, booting from the network next (MAAS's drivers set that first).
    On,
    Off {
        soft: bool,
    },
    Query,
}

impl Action {
    /// The event MAAS logs when the action fails, and how its description starts.
    fn failure(self) -> (&'static str, &'static str) {
        match self {
            Action::On => ("Failed to power on node", "Power on"),
            Action::Off { .. } => ("Failed to power off node", "Power off"),
            Action::Query => ("Failed to query node's BMC", "Power query"),
        }
    }

    fn op(self) -> &'static str {
        match self {
            Action::On => "power_on",
            Action::Off { .. } => "power_off",
            Action::Query => "query_power_state",
        }
    }
}

/// Does `action` on machine `i` at `now_ms`; the power state the machine reports then (a
/// change through a BMC lands later). On failure, MAAS's words for why, which are also logged
/// as an event, and the machine reports power `error` until an action succeeds.
pub fn act(state: &mut State, i: usize, action: Action, now_ms: u64) -> Result<PowerState, String> {
    let result = match bmc_of(state, i) {
        Some(h) => through_bmc(state, i, h, action, now_ms),
        None => {
            let physical = state.physical_mut(i);
            match action {
                Action::On => physical.power(true, now_ms),
                Action::Off { .. } => physical.power(false, now_ms),
                Action::Query => {}
            }
            Ok(physical.power_state.clone())
        }
    };
    state.machines[i].power_error = result.is_err();
    if let Err(reason) = &result {
        let (kind, verb) = action.failure();
        let description = format!("{verb} for the node failed: {reason}");
        state
            .events
            .record(&state.machines[i], Level::Error, kind, description, now_ms);
    }
    result
}

/// The physical machine whose simulated BMC machine `i`'s power parameters name.
fn bmc_of(state: &State, i: usize) -> Option<usize> {
    let m = &state.machines[i];
    if !matches!(m.power_type.as_str(), "redfish" | "ipmi") {
        return None;
    }
    let address = m.bmc_address()?;
    state
        .hosts
        .iter()
        .position(|h| h.bmc.as_ref().is_some_and(|b| b.answers_at(address)))
}

fn through_bmc(
    state: &mut State,
    i: usize,
    h: usize,
    action: Action,
    now_ms: u64,
) -> Result<PowerState, String> {
    let speed = state.speed;
    let m = &state.machines[i];
    let param = |name: &str| {
        m.power_parameters
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let (user, password, power_type) = (param("power_user"), param("power_pass"), m.power_type.clone());
    let host = &mut state.hosts[h];
    let Some(bmc) = host.bmc.clone() else {
        return Err("the BMC does not answer".into());
    };
    let no_session = "Error: Unable to establish IPMI v2 / RMCP+ session";
    let mut logged = BmcRequest::new(&host.name, bmc.protocol, Requester::Maas, "MAAS", action.op());
    let outcome = if power_type != bmc.protocol.as_str() || host.fault == Some(BmcFault::Timeout) {
        Err(match bmc.protocol {
            _ if power_type == "ipmi" => no_session.to_string(),
            BmcProtocol::Redfish => format!("Redfish request to {} timed out", bmc.address),
            BmcProtocol::Ipmi => format!("Redfish request to {} failed: connection refused", bmc.address),
        })
    } else if !host.accepts(&user, &password) {
        logged.status = 401;
        Err(match bmc.protocol {
            BmcProtocol::Redfish => "Redfish request failed with response status code: 401.".to_string(),
            BmcProtocol::Ipmi => no_session.to_string(),
        })
    } else {
        logged.status = 200;
        let request = match action {
            Action::On => Some(PowerRequest::On),
            Action::Off { soft: true } => Some(PowerRequest::GracefulOff),
            Action::Off { soft: false } => Some(PowerRequest::ForceOff),
            Action::Query => None,
        };
        if let Some(request) = request {
            if request == PowerRequest::On {
                host.physical.next_boot = Some(NextBoot {
                    device: BootDevice::Pxe,
                    persistence: BootPersistence::Once,
                    uefi: host.uefi(),
                });
            }
            host.request_power(request, now_ms, speed);
            logged.power = Some(request);
        }
        // A BMC tells on or off; "unknown" is MAAS's word for a machine it never asked.
        Ok(if host.physical.is_on() {
            PowerState::On
        } else {
            PowerState::Off
        })
    };
    let log = state.bmc_requests.clone();
    log.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(logged);
    outcome
}
