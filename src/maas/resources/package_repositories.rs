//! Package repositories deployed machines use.

use serde::{Deserialize, Serialize};

use super::Extra;
use crate::maas::calls::calls;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PackageRepository {
    pub id: u64,
    pub name: String,
    pub url: String,
    pub distributions: Vec<String>,
    pub components: Vec<String>,
    pub arches: Vec<String>,
    pub disabled_pockets: Vec<String>,
    pub disabled_components: Vec<String>,
    /// The repository's GPG key (public).
    pub key: String,
    pub enabled: bool,
    pub disable_sources: bool,
    #[serde(flatten)]
    pub extra: Extra,
}

calls! {
    /// Every package repository.
    PACKAGE_REPOSITORIES package_repositories() Get "package-repositories/" -> Vec<PackageRepository>;
    /// One package repository.
    PACKAGE_REPOSITORY package_repository(id) Get "package-repositories/{id}/" -> PackageRepository;
    /// Adds a repository (list fields comma-separated).
    CREATE_PACKAGE_REPOSITORY create_package_repository() Post "package-repositories/" -> PackageRepository
        ["name", "url", "distributions", "components", "arches", "key", "enabled",
         "disabled_pockets", "disabled_components"];
    /// Updates a repository.
    UPDATE_PACKAGE_REPOSITORY update_package_repository(id) Put "package-repositories/{id}/"
        -> PackageRepository
        ["name", "url", "distributions", "components", "arches", "key", "enabled",
         "disabled_pockets", "disabled_components", "disable_sources"];
    /// Removes a repository.
    DELETE_PACKAGE_REPOSITORY delete_package_repository(id) Delete "package-repositories/{id}/" -> ();
}
