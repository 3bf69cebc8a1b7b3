//! DNS domains.

use serde::{Deserialize, Serialize};

use super::Extra;
use crate::maas::calls::calls;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Domain {
    pub id: u64,
    pub name: String,
    pub authoritative: bool,
    pub ttl: Option<u32>,
    pub is_default: bool,
    pub resource_record_count: u64,
    #[serde(flatten)]
    pub extra: Extra,
}

calls! {
    /// Every domain.
    DOMAINS domains() Get "domains/" -> Vec<Domain>;
    /// One domain.
    DOMAIN domain(id) Get "domains/{id}/" -> Domain;
    /// Creates a domain.
    CREATE_DOMAIN create_domain() Post "domains/" -> Domain ["name", "authoritative", "forward_dns_servers"];
    /// Updates a domain.
    UPDATE_DOMAIN update_domain(id) Put "domains/{id}/" -> Domain
        ["name", "authoritative", "ttl", "forward_dns_servers"];
    /// Makes a domain the default for new machines.
    SET_DEFAULT_DOMAIN set_default_domain(id) Post "domains/{id}/" op "set_default" -> Domain;
    /// Deletes a domain.
    DELETE_DOMAIN delete_domain(id) Delete "domains/{id}/" -> ();
}
