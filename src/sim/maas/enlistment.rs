//! Enlistment: one of the site's machines that MAAS does not know, booted from the network
//! while a rack controller serves DHCP and TFTP, runs MAAS's ephemeral image and is listed
//! New, under a hostname MAAS makes up (never the design's name: a real region knows nothing
//! of the design), with every NIC's MAC and no power driver (PXE enlistment learns no BMC);
//! then it powers itself off. It takes [`ENLISTING_S`] at `--speed 1`, like the lifecycle's
//! phases.

use super::machines::{fresh_hostname, fresh_system_id};
use super::records::events::Level;
use super::records::machines::{Body, Machine};
use super::state::State;

/// Seconds from a network boot to the machine being listed, at `--speed 1`: DHCP, the
/// ephemeral image, the enlistment scripts.
pub const ENLISTING_S: f64 = 120.0;

/// Lists every machine whose enlistment is done by `now_ms`.
pub fn complete_due(state: &mut State, now_ms: u64) {
    if !state.rack {
        return;
    }
    let took_ms = (ENLISTING_S * 1000.0 / state.speed.max(f64::MIN_POSITIVE)) as u64;
    let due: Vec<usize> = (0..state.hosts.len())
        .filter(|&h| {
            state.hosts[h]
                .physical
                .netbooted_ms
                .is_some_and(|since| since.saturating_add(took_ms) <= now_ms)
        })
        .collect();
    if due.is_empty() {
        return;
    }
    let known: std::collections::HashSet<usize> = state
        .machines
        .iter()
        .filter_map(|m| match m.body {
            Body::Host { host } => Some(host),
            Body::Record(_) => None,
        })
        .collect();
    for h in due {
        let Some(since) = state.hosts[h].physical.netbooted_ms else {
            continue;
        };
        let at = since.saturating_add(took_ms);
        if known.contains(&h) {
            // A machine MAAS knows is told to boot from its disk, or run what MAAS is doing.
            continue;
        }
        let macs: Vec<String> = state.hosts[h].nics.iter().map(|n| n.mac.clone()).collect();
        if state
            .machines
            .iter()
            .any(|m| m.interfaces.iter().any(|n| macs.contains(&n.mac)))
        {
            // Another record holds one of its MACs: MAAS refuses the enlistment.
            continue;
        }
        let machine = Machine {
            power_type: String::new(),
            ..Machine::of_host(
                h,
                &state.hosts[h],
                fresh_system_id(&state.machines),
                fresh_hostname(&state.machines),
                state.next_interface_id(),
                state.next_disk_id(),
            )
        };
        state.machines.push(machine);
        let i = state.machines.len() - 1;
        state
            .events
            .record(&state.machines[i], Level::Info, "Enlisted", String::new(), at);
        state.hosts[h].physical.power(false, at);
    }
}
