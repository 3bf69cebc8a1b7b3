//! `drydock/Network/v1`: an L3 network (a MAAS subnet on a VLAN).

use indexmap::IndexMap;
use serde_json::{Value as J, json};

use super::reader::{self, Reader, json_opt};
use super::{FieldLines, Source};
use crate::design::model::ConvertError;
use crate::design::yaml::Node;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeType {
    /// Addresses assigned statically by the design (not sent to MAAS).
    Static,
    /// A MAAS dynamic range: turns DHCP on for the VLAN.
    Dhcp,
    Reserved,
}

impl RangeType {
    pub fn as_str(self) -> &'static str {
        match self {
            RangeType::Static => "static",
            RangeType::Dhcp => "dhcp",
            RangeType::Reserved => "reserved",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Range {
    pub kind: RangeType,
    pub start: Option<String>,
    pub end: Option<String>,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub subnet: Option<String>,
    pub gateway: Option<String>,
    pub metric: Option<i64>,
    pub routedomain: Option<String>,
    pub source: Source,
    /// Added by a route domain (a copy of the gateway and metric of the written route at
    /// `source`), not written in the design.
    pub rendered: bool,
}

#[derive(Debug, Clone)]
pub struct Network {
    pub name: String,
    pub source: Source,
    pub cidr: Option<String>,
    /// The 802.1q tag; `None` is untagged (Drydock's default since its first release fix).
    pub vlan: Option<u16>,
    pub mtu: Option<i64>,
    pub routedomain: Option<String>,
    pub ranges: Vec<Range>,
    pub routes: Vec<Route>,
    pub dns_domain: String,
    pub dns_servers: Option<String>,
    pub dhcp_relay_self_ip: Option<String>,
    pub dhcp_relay_upstream_target: Option<String>,
    pub labels: IndexMap<String, Option<String>>,
    /// Lines of the top-level fields, for messages about one field.
    pub field_lines: FieldLines,
}

impl Network {
    pub(crate) fn convert(r: &Reader, name: &str, body: &Node) -> Result<Network, ConvertError> {
        let vlan = match reader::get(body, "vlan") {
            None => None,
            Some(n) => {
                let text = n.python_str();
                match text.trim().parse::<u16>() {
                    Ok(tag) if (1..=4094).contains(&tag) => Some(tag),
                    _ => {
                        return Err(r.error(
                            n,
                            format!("VLAN tag {text:?} is invalid: use a quoted number from 1 to 4094, or omit vlan for an untagged network"),
                        ));
                    }
                }
            }
        };
        let mut ranges = Vec::new();
        for item in reader::seq(body.get("ranges")) {
            let kind = match reader::string(item, "type").as_deref() {
                Some("static") => RangeType::Static,
                Some("dhcp") => RangeType::Dhcp,
                Some("reserved") => RangeType::Reserved,
                other => {
                    return Err(r.invalid_value(
                        item,
                        format!(
                            "Field value {} is invalid for ranges[].type (allowed: static, dhcp, reserved)",
                            other.unwrap_or("None")
                        ),
                    ));
                }
            };
            ranges.push(Range {
                kind,
                start: reader::string(item, "start"),
                end: reader::string(item, "end"),
                source: r.at(item),
            });
        }
        let routes = reader::seq(body.get("routes"))
            .iter()
            .map(|item| Route {
                subnet: reader::string(item, "subnet"),
                gateway: reader::string(item, "gateway"),
                metric: reader::int(item, "metric"),
                routedomain: reader::string(item, "routedomain"),
                source: r.at(item),
                rendered: false,
            })
            .collect();
        let dns = reader::get(body, "dns");
        let relay = reader::get(body, "dhcp_relay");
        let field_lines = FieldLines::read(
            body,
            &["cidr", "vlan", "mtu", "routes", "ranges", "dns", "routedomain"],
        );
        Ok(Network {
            name: name.to_string(),
            source: r.source.clone(),
            cidr: reader::string(body, "cidr"),
            vlan,
            mtu: reader::int(body, "mtu"),
            routedomain: reader::string(body, "routedomain"),
            ranges,
            routes,
            dns_domain: dns
                .and_then(|d| reader::string(d, "domain"))
                .unwrap_or_else(|| "local".into()),
            dns_servers: dns.and_then(|d| reader::string(d, "servers")),
            dhcp_relay_self_ip: relay.and_then(|d| reader::string(d, "self_ip")),
            dhcp_relay_upstream_target: relay.and_then(|d| reader::string(d, "upstream_target")),
            labels: reader::nullable_string_map(body, "labels"),
            field_lines,
        })
    }

    /// Where `field` was written, else where the document starts.
    pub fn field_source(&self, field: &str) -> Source {
        self.field_lines.source(&self.source, field)
    }

    pub fn to_json(&self) -> J {
        json!({
            "name": self.name,
            "cidr": json_opt(&self.cidr),
            "vlan": self.vlan.map(|v| v.to_string()),
            "mtu": self.mtu,
            "routedomain": json_opt(&self.routedomain),
            "ranges": self.ranges.iter().map(|r| json!({
                "type": r.kind.as_str(), "start": json_opt(&r.start), "end": json_opt(&r.end),
            })).collect::<Vec<_>>(),
            "routes": self.routes.iter().map(|r| json!({
                "subnet": json_opt(&r.subnet), "gateway": json_opt(&r.gateway),
                "metric": r.metric, "routedomain": json_opt(&r.routedomain),
            })).collect::<Vec<_>>(),
            "dns": {"domain": self.dns_domain, "servers": json_opt(&self.dns_servers)},
            "dhcp_relay": {
                "self_ip": json_opt(&self.dhcp_relay_self_ip),
                "upstream_target": json_opt(&self.dhcp_relay_upstream_target),
            },
            "labels": self.labels,
        })
    }
}

/// Python's repr of a route (a dict), as Drydock quotes routes in "No gateway found".
pub fn python_route_repr(r: &Route) -> String {
    let q = |v: &Option<String>| match v {
        Some(s) => crate::design::yaml::python_str_repr(s),
        None => "None".into(),
    };
    let metric = r
        .metric
        .map(|m| format!("'{m}'"))
        .unwrap_or_else(|| "None".into());
    format!(
        "{{'subnet': {}, 'gateway': {}, 'metric': {}, 'routedomain': {}}}",
        q(&r.subnet),
        q(&r.gateway),
        metric,
        q(&r.routedomain)
    )
}
