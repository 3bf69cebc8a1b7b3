//! Tags, keyed by name: labels on machines, optionally carrying kernel options.

use serde::{Deserialize, Serialize};

use super::Extra;
use super::machines::Machine;
use crate::maas::calls::calls;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Tag {
    pub name: String,
    pub comment: String,
    /// An XPath over commissioning data; empty for manual tags.
    pub definition: String,
    pub kernel_opts: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `update_nodes`' answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TagChanges {
    pub added: u64,
    pub removed: u64,
    #[serde(flatten)]
    pub extra: Extra,
}

calls! {
    /// Every tag.
    TAGS tags() Get "tags/" -> Vec<Tag>;
    /// One tag by name.
    TAG tag(name) Get "tags/{name}/" -> Tag;
    /// Creates a tag.
    CREATE_TAG create_tag() Post "tags/" -> Tag ["name", "comment", "definition", "kernel_opts"];
    /// Updates a tag.
    UPDATE_TAG update_tag(name) Put "tags/{name}/" -> Tag ["name", "comment", "definition"];
    /// Deletes a tag.
    DELETE_TAG delete_tag(name) Delete "tags/{name}/" -> ();
    /// The machines carrying a tag.
    TAG_MACHINES tag_machines(name) Get "tags/{name}/" op "machines" -> Vec<Machine>;
    /// Adds and removes machines (`add`, `remove`: system ids, repeatable).
    UPDATE_TAG_NODES update_tag_nodes(name) Post "tags/{name}/" op "update_nodes" -> TagChanges
        ["add", "remove", "definition"];
}
