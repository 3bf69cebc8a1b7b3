//! Static routes: `static-routes/` and `static-routes/{id}/`.

use serde_json::{Value, json};

use super::records::networks::StaticRoute;
use super::reply::{Reply, extra, model_json};
use super::request::Request;
use super::state::State;
use crate::maas::resources::static_routes as model;

/// A static route in the client's model, its subnets nested.
fn json(state: &State, r: &StaticRoute) -> Value {
    model_json(&model::StaticRoute {
        id: r.id,
        source: super::subnets::model_by_id(state, r.source),
        destination: super::subnets::model_by_id(state, r.destination),
        gateway_ip: r.gateway_ip.clone(),
        metric: r.metric,
        extra: extra(json!({"resource_uri": format!("/MAAS/api/2.0/static-routes/{}/", r.id)})),
    })
}

pub fn collection(req: &Request, state: &mut State) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(
            200,
            &Value::Array(state.routes.iter().map(|r| json(state, r)).collect()),
        ),
        ("POST", None) => create(req, state),
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

fn subnet_id(state: &State, v: Option<&str>) -> Option<u64> {
    let v = v?;
    state
        .subnets
        .iter()
        .find(|s| s.id.to_string() == v || s.cidr.to_string() == v)
        .map(|s| s.id)
}

fn create(req: &Request, state: &mut State) -> Reply {
    let (Some(source), Some(destination)) = (
        subnet_id(state, req.param("source")),
        subnet_id(state, req.param("destination")),
    ) else {
        return Reply::invalid(
            "source",
            "Select a valid choice. That choice is not one of the available choices.",
        );
    };
    let gateway = req.param("gateway_ip").unwrap_or_default().to_string();
    let Some(cidr) = state.subnets.iter().find(|s| s.id == source).map(|s| s.cidr) else {
        return Reply::text(500, "source subnet vanished".into());
    };
    if !gateway
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| cidr.contains(&ip))
    {
        return Reply::compact_json(
            400,
            &json!({"gateway_ip": [format!("Enter an IP address in {cidr}.")], "__all__": ["gateway_ip must be with in the source subnet."]}),
        )
        .without_hash();
    }
    if state
        .routes
        .iter()
        .any(|r| r.source == source && r.destination == destination && r.gateway_ip == gateway)
    {
        return Reply::invalid(
            "__all__",
            "Static route with this Source, Destination and Gateway IP already exists.",
        );
    }
    let id = state.routes.iter().map(|r| r.id).max().unwrap_or(0) + 1;
    let metric = req.param("metric").and_then(|m| m.parse().ok()).unwrap_or(0);
    let route = StaticRoute {
        id,
        source,
        destination,
        gateway_ip: gateway,
        metric,
    };
    let out = json(state, &route);
    state.routes.push(route);
    Reply::json(200, &out)
}

pub fn item(req: &Request, state: &mut State, id: &str) -> Reply {
    let Some(i) = state.routes.iter().position(|r| r.id.to_string() == id) else {
        return Reply::text(404, "No StaticRoute matches the given query.".into());
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &json(state, &state.routes[i])),
        ("PUT", None) => {
            if let Some(m) = req.param("metric").and_then(|m| m.parse().ok()) {
                state.routes[i].metric = m;
            }
            if let Some(g) = req.param("gateway_ip") {
                state.routes[i].gateway_ip = g.to_string();
            }
            Reply::json(200, &json(state, &state.routes[i]))
        }
        ("DELETE", None) => {
            state.routes.remove(i);
            Reply::text(204, String::new())
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("GET, PUT, DELETE"),
    }
}
