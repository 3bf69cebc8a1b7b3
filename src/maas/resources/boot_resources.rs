//! Boot images: the region's boot resources and where they are imported from (boot sources
//! and their selections).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Extra;
use crate::maas::calls::calls;
use crate::maas::text_enum::text_enum;

text_enum! {
    BootResourceType { Synced = "Synced", Uploaded = "Uploaded", Generated = "Generated" }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BootResource {
    pub id: u64,
    #[serde(rename = "type")]
    pub kind: BootResourceType,
    /// `ubuntu/jammy`
    pub name: String,
    /// `amd64/ga-22.04`
    pub architecture: String,
    /// Comma-separated, as MAAS sends it.
    pub subarches: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BootSource {
    pub id: u64,
    pub url: String,
    pub keyring_filename: String,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BootSourceSelection {
    pub id: u64,
    pub boot_source_id: u64,
    pub os: String,
    pub release: String,
    pub arches: Vec<String>,
    pub subarches: Vec<String>,
    pub labels: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

calls! {
    /// The region's boot resources (`type` filters: synced, uploaded, generated).
    BOOT_RESOURCES boot_resources() Get "boot-resources/" -> Vec<BootResource> ["type"];
    /// One boot resource.
    BOOT_RESOURCE boot_resource(id) Get "boot-resources/{id}/" -> BootResource;
    /// Whether the region is importing images now.
    IS_IMPORTING is_importing() Get "boot-resources/" op "is_importing" -> bool;
    /// Starts importing the selected images.
    IMPORT_BOOT_RESOURCES import_boot_resources() Post "boot-resources/" op "import" -> Value;
    /// Where images come from.
    BOOT_SOURCES boot_sources() Get "boot-sources/" -> Vec<BootSource>;
    /// What is imported from a source.
    BOOT_SOURCE_SELECTIONS boot_source_selections(boot_source_id)
        Get "boot-sources/{boot_source_id}/selections/" -> Vec<BootSourceSelection>;
    /// Selects an OS release (and arches) for import.
    CREATE_BOOT_SOURCE_SELECTION create_boot_source_selection(boot_source_id)
        Post "boot-sources/{boot_source_id}/selections/" -> BootSourceSelection
        ["os", "release", "arches", "subarches", "labels"];
    /// Changes a selection.
    UPDATE_BOOT_SOURCE_SELECTION update_boot_source_selection(boot_source_id, id)
        Put "boot-sources/{boot_source_id}/selections/{id}/" -> BootSourceSelection
        ["os", "release", "arches", "subarches", "labels"];
    /// Removes a selection.
    DELETE_BOOT_SOURCE_SELECTION delete_boot_source_selection(boot_source_id, id)
        Delete "boot-sources/{boot_source_id}/selections/{id}/" -> ();
}
