//! A node's logical names: the name the operating system (and so MAAS) gives each device
//! alias of its hardware profile, found in the `lshw` XML its commissioning collected, as
//! Drydock's `apply_logicalnames` finds it:
//!
//! * an alias address `A` of bus type `B` matches the first `<node>` whose `businfo` is
//!   `B@A` (`pci@0000:04:00.0`, `scsi@0:2.0.0`); its `logicalname`, last path component
//!   kept (`/dev/sda` -> `sda`), is the name;
//! * an address `regexp:R` matches the first network `<node>` whose `businfo`, less `pci@`,
//!   matches `R` from its start;
//! * an alias nothing matches keeps its own name (`get_logicalname`).

use std::collections::BTreeMap;

use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

use super::model::HardwareProfile;

/// One `<node>` of the lshw tree, flattened.
#[derive(Debug, Default)]
struct Device {
    class: String,
    businfo: Option<String>,
    logicalname: Option<String>,
}

/// Every `<node>` of `lshw`, in document order; what does not parse ends the list there
/// (what was read before still counts, as lshw output from a failing machine may be cut).
fn devices(lshw: &str) -> Vec<Device> {
    let mut reader = Reader::from_str(lshw);
    let mut stack: Vec<Device> = Vec::new();
    let mut done: Vec<(usize, Device)> = Vec::new();
    let mut field: Option<&'static str> = None;
    let mut order = 0usize;
    let mut orders: Vec<usize> = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.name().as_ref() == "node" => {
                let class = e
                    .try_get_attribute("class")
                    .ok()
                    .flatten()
                    .and_then(|a| {
                        a.normalized_value(XmlVersion::Implicit1_0)
                            .ok()
                            .map(|v| v.into_owned())
                    })
                    .unwrap_or_default();
                stack.push(Device {
                    class,
                    ..Device::default()
                });
                orders.push(order);
                order += 1;
            }
            Ok(Event::End(e)) if e.name().as_ref() == "node" => {
                if let (Some(d), Some(o)) = (stack.pop(), orders.pop()) {
                    done.push((o, d));
                }
            }
            Ok(Event::Start(e)) => {
                field = match e.name().as_ref() {
                    "businfo" => Some("businfo"),
                    // A node may list several; the first is the one lshw reports first.
                    "logicalname" => Some("logicalname"),
                    _ => None,
                };
            }
            Ok(Event::Text(t)) => {
                if let (Some(name), Some(d)) = (field, stack.last_mut()) {
                    let text = t.xml10_content().trim().to_string();
                    let slot = if name == "businfo" {
                        &mut d.businfo
                    } else {
                        &mut d.logicalname
                    };
                    if slot.is_none() && !text.is_empty() {
                        *slot = Some(text);
                    }
                }
            }
            Ok(Event::End(_)) => field = None,
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    done.sort_by_key(|(o, _)| *o);
    done.into_iter().map(|(_, d)| d).collect()
}

fn last_component(name: &str) -> String {
    name.rsplit('/').next().unwrap_or(name).to_string()
}

/// Alias -> logical name, for every alias of `profile` that `lshw` names (an alias it does
/// not name is left out: it keeps its own name).
pub fn logical_names(profile: &HardwareProfile, lshw: &str) -> BTreeMap<String, String> {
    let found = devices(lshw);
    let mut names = BTreeMap::new();
    for alias in &profile.devices {
        let Some(address) = alias.address.as_deref() else {
            continue;
        };
        let hit = if let Some(pattern) = address.strip_prefix("regexp:") {
            let Ok(re) = regex::Regex::new(&format!("^(?:{pattern})")) else {
                continue;
            };
            found.iter().find(|d| {
                d.class == "network"
                    && d.businfo
                        .as_deref()
                        .is_some_and(|b| re.is_match(b.strip_prefix("pci@").unwrap_or(b)))
            })
        } else {
            let bus = alias.bus_type.as_deref().unwrap_or_default();
            let wanted = format!("{bus}@{address}");
            found
                .iter()
                .find(|d| d.businfo.as_deref() == Some(wanted.as_str()))
        };
        if let Some(name) = hit.and_then(|d| d.logicalname.as_deref()) {
            names.insert(alias.alias.clone(), last_component(name));
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::model::{DeviceAlias, Source};

    fn profile(aliases: &[(&str, &str, &str)]) -> HardwareProfile {
        HardwareProfile {
            name: "hw".into(),
            source: Source {
                file: "hw.yaml".into(),
                line: 1,
            },
            vendor: None,
            generation: None,
            hw_version: None,
            bios_version: None,
            boot_mode: None,
            bootstrap_protocol: None,
            pxe_interface: None,
            devices: aliases
                .iter()
                .map(|(alias, bus, address)| DeviceAlias {
                    alias: (*alias).into(),
                    bus_type: Some((*bus).into()),
                    dev_type: None,
                    address: Some((*address).into()),
                })
                .collect(),
            cpu_sets: Default::default(),
            hugepages: Vec::new(),
        }
    }

    const LSHW: &str = r#"<?xml version="1.0" standalone="yes" ?>
<list>
<node id="host" claimed="true" class="system">
  <node id="core" claimed="true" class="bus">
    <node id="pci" claimed="true" class="bridge">
      <businfo>pci@0000:00:00.0</businfo>
      <node id="network:0" claimed="true" class="network">
        <businfo>pci@0000:00:03.0</businfo>
        <logicalname>eno1</logicalname>
      </node>
      <node id="network:1" disabled="true" claimed="true" class="network">
        <businfo>pci@0000:00:04.0</businfo>
        <logicalname>eno2</logicalname>
      </node>
      <node id="storage" claimed="true" class="storage">
        <businfo>pci@0000:00:01.1</businfo>
        <node id="disk" claimed="true" class="disk">
          <businfo>scsi@2:0.0.0</businfo>
          <logicalname>/dev/sda</logicalname>
          <logicalname>/dev/sda1</logicalname>
        </node>
      </node>
    </node>
  </node>
</node>
</list>
"#;

    /// Drydock's test_node_logicalnames expectations, on lshw of the same shape.
    #[test]
    fn aliases_take_the_names_lshw_gives_their_bus_addresses() {
        let p = profile(&[
            ("primary_boot", "scsi", "2:0.0.0"),
            ("prim_nic01", "pci", "0000:00:03.0"),
            ("prim_nic02", "pci", "0000:00:09.0"),
        ]);
        let names = logical_names(&p, LSHW);
        assert_eq!(
            names.into_iter().collect::<Vec<_>>(),
            [
                ("prim_nic01".into(), "eno1".into()),
                ("primary_boot".into(), "sda".into())
            ]
        );
    }

    #[test]
    fn a_regexp_address_takes_the_first_matching_network_device_disabled_or_not() {
        let p = profile(&[
            ("nic_a", "pci", "regexp:0000:00:0[34]"),
            ("nic_b", "pci", "regexp:0000:00:04"),
            ("nic_c", "pci", "regexp:0000:00:09"),
            ("disk", "pci", "regexp:2:0"),
        ]);
        let names = logical_names(&p, LSHW);
        assert_eq!(names.get("nic_a").map(String::as_str), Some("eno1"));
        assert_eq!(names.get("nic_b").map(String::as_str), Some("eno2"));
        assert_eq!(names.get("nic_c"), None);
        assert_eq!(names.get("disk"), None, "only network devices match a regexp");
    }

    #[test]
    fn no_or_broken_lshw_names_nothing_and_never_panics() {
        let p = profile(&[("prim_nic01", "pci", "0000:00:03.0"), ("bad", "pci", "regexp:(")]);
        assert!(logical_names(&p, "").is_empty());
        assert!(logical_names(&p, "<list><node class=\"network\"><businfo>pci@0000").is_empty());
        let cut = &LSHW[..LSHW.find("network:1").unwrap()];
        assert_eq!(
            logical_names(&p, cut).get("prim_nic01").map(String::as_str),
            Some("eno1")
        );
    }
}
