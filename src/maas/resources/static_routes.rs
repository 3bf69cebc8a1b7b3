//! Static routes between subnets.

use serde::{Deserialize, Serialize};

use super::Extra;
use super::subnets::Subnet;
use crate::maas::calls::calls;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StaticRoute {
    pub id: u64,
    pub source: Option<Subnet>,
    pub destination: Option<Subnet>,
    pub gateway_ip: String,
    pub metric: i64,
    #[serde(flatten)]
    pub extra: Extra,
}

calls! {
    /// Every static route.
    STATIC_ROUTES static_routes() Get "static-routes/" -> Vec<StaticRoute>;
    /// One static route.
    STATIC_ROUTE static_route(id) Get "static-routes/{id}/" -> StaticRoute;
    /// Creates a route from `source` to `destination` (subnet ids) via `gateway_ip`.
    CREATE_STATIC_ROUTE create_static_route() Post "static-routes/" -> StaticRoute
        ["source", "destination", "gateway_ip", "metric"];
    /// Updates a route.
    UPDATE_STATIC_ROUTE update_static_route(id) Put "static-routes/{id}/" -> StaticRoute
        ["source", "destination", "gateway_ip", "metric"];
    /// Deletes a route.
    DELETE_STATIC_ROUTE delete_static_route(id) Delete "static-routes/{id}/" -> ();
}
