//! A subnet's address usage: `subnets/{id}/?op=reserved_ip_ranges`, `unreserved_ip_ranges`
//! and `statistics`, computed from its gateway, DNS servers, IP ranges and assigned addresses.

use std::collections::BTreeSet;
use std::net::IpAddr;

use serde_json::{Value, json};

use super::records::networks::Subnet;
use super::state::State;

/// An inclusive span of addresses, as numbers, with why it is taken.
#[derive(Debug, Clone)]
struct Span {
    start: u128,
    end: u128,
    purposes: BTreeSet<&'static str>,
}

fn number(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v) => u128::from(u32::from(v)),
        IpAddr::V6(v) => u128::from(v),
    }
}

fn address(subnet: &Subnet, n: u128) -> String {
    match subnet.cidr {
        ipnet::IpNet::V4(_) => std::net::Ipv4Addr::from(n as u32).to_string(),
        ipnet::IpNet::V6(_) => std::net::Ipv6Addr::from(n).to_string(),
    }
}

/// The addresses hosts may use: without the network and (IPv4) broadcast addresses.
fn usable(subnet: &Subnet) -> (u128, u128) {
    let first = number(subnet.cidr.network()) + 1;
    let last = match subnet.cidr {
        ipnet::IpNet::V4(_) => number(subnet.cidr.broadcast()) - 1,
        ipnet::IpNet::V6(_) => number(subnet.cidr.broadcast()),
    };
    (first, last)
}

/// Taken spans, overlapping ones merged with their purposes joined, in address order.
fn reserved(state: &State, subnet: &Subnet) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut point = |ip: &str, purpose: &'static str| {
        if let Ok(ip) = ip.parse::<IpAddr>()
            && subnet.cidr.contains(&ip)
        {
            spans.push(Span {
                start: number(ip),
                end: number(ip),
                purposes: BTreeSet::from([purpose]),
            });
        }
    };
    if let Some(gw) = &subnet.gateway_ip {
        point(gw, "gateway-ip");
    }
    for dns in &subnet.dns_servers {
        point(dns, "dns-server");
    }
    for link in state
        .machines
        .iter()
        .flat_map(|m| m.interfaces.iter())
        .flat_map(|i| i.links.iter())
        .filter(|l| l.subnet_id == Some(subnet.id))
    {
        if let Some(ip) = &link.ip_address {
            point(ip, "assigned-ip");
        }
    }
    for r in state.ipranges.iter().filter(|r| r.subnet_id == subnet.id) {
        spans.push(Span {
            start: number(r.start),
            end: number(r.end),
            purposes: BTreeSet::from([if r.kind == "dynamic" {
                "dynamic"
            } else {
                "reserved"
            }]),
        });
    }
    spans.sort_by_key(|s| (s.start, s.end));
    let mut merged: Vec<Span> = Vec::new();
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => {
                last.end = last.end.max(span.end);
                last.purposes.extend(span.purposes);
            }
            _ => merged.push(span),
        }
    }
    merged
}

/// The free spans between the taken ones.
fn unreserved(state: &State, subnet: &Subnet) -> Vec<(u128, u128)> {
    let (first, last) = usable(subnet);
    let mut free = Vec::new();
    let mut next = first;
    for span in reserved(state, subnet) {
        if span.start > next {
            free.push((next, span.start - 1));
        }
        next = next.max(span.end + 1);
    }
    if next <= last {
        free.push((next, last));
    }
    free
}

pub fn reserved_json(state: &State, subnet: &Subnet) -> Value {
    Value::Array(
        reserved(state, subnet)
            .into_iter()
            .map(|s| {
                json!({"start": address(subnet, s.start), "end": address(subnet, s.end),
                       "num_addresses": s.end - s.start + 1, "purpose": s.purposes.into_iter().collect::<Vec<_>>()})
            })
            .collect(),
    )
}

pub fn unreserved_json(state: &State, subnet: &Subnet) -> Value {
    Value::Array(
        unreserved(state, subnet)
            .into_iter()
            .map(|(start, end)| {
                json!({"start": address(subnet, start), "end": address(subnet, end), "num_addresses": end - start + 1})
            })
            .collect(),
    )
}

pub fn statistics_json(state: &State, subnet: &Subnet) -> Value {
    let (first, last) = usable(subnet);
    let total = last - first + 1;
    let free = unreserved(state, subnet);
    let available: u128 = free.iter().map(|(s, e)| e - s + 1).sum();
    let largest = free.iter().map(|(s, e)| e - s + 1).max().unwrap_or(0);
    let unavailable = total - available;
    let usage = unavailable as f64 / total as f64;
    json!({"num_available": available as u64, "largest_available": largest as u64,
           "num_unavailable": unavailable as u64, "total_addresses": total as u64, "usage": usage,
           "usage_string": format!("{:.0}%", usage * 100.0),
           "available_string": format!("{:.0}%", (1.0 - usage) * 100.0),
           "first_address": address(subnet, first), "last_address": address(subnet, last),
           "ip_version": if subnet.cidr.addr().is_ipv4() { 4 } else { 6 }})
}
