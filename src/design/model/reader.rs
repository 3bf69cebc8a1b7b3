//! Typed reads from a schema-checked YAML body, with the errors Drydock reports as DD000.

use indexmap::IndexMap;

use super::Source;
use crate::design::yaml::{Node, Value};

/// A document body that cannot be turned into the model (Drydock's DD000).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ConvertError {
    pub message: String,
    pub line: u32,
    /// Drydock called value errors "Unexpected error processing document"; kept for parity.
    pub unexpected: bool,
}

pub(crate) struct Reader<'a> {
    pub source: &'a Source,
}

impl<'a> Reader<'a> {
    pub fn new(source: &'a Source) -> Self {
        Reader { source }
    }

    pub fn at(&self, node: &Node) -> Source {
        self.source.at(node.line)
    }

    pub fn error(&self, node: &Node, message: impl Into<String>) -> ConvertError {
        ConvertError {
            message: message.into(),
            line: node.line,
            unexpected: false,
        }
    }

    /// A value of the wrong form where the schema let it through (Drydock's "Unexpected error").
    pub fn invalid_value(&self, node: &Node, message: impl Into<String>) -> ConvertError {
        ConvertError {
            unexpected: true,
            ..self.error(node, message)
        }
    }
}

/// A mapping node, or nothing (absent and null bodies read as empty).
pub(crate) fn map<'n, 'a>(node: Option<&'n Node<'a>>) -> &'n [(Node<'a>, Node<'a>)] {
    node.and_then(Node::as_map).unwrap_or(&[])
}

pub(crate) fn seq<'n, 'a>(node: Option<&'n Node<'a>>) -> &'n [Node<'a>] {
    node.and_then(Node::as_seq).unwrap_or(&[])
}

pub(crate) fn get<'n, 'a>(node: &'n Node<'a>, key: &str) -> Option<&'n Node<'a>> {
    node.get(key).filter(|n| !n.is_null())
}

/// A scalar field as a string; non-strings are stringified the way Python's `str()` does,
/// which is what Drydock stored for string-typed model fields.
pub(crate) fn string(node: &Node, key: &str) -> Option<String> {
    get(node, key).map(Node::python_str)
}

pub(crate) fn int(node: &Node, key: &str) -> Option<i64> {
    get(node, key).and_then(as_int)
}

pub(crate) fn as_int(n: &Node) -> Option<i64> {
    match n.value {
        Value::Int(i) => Some(i),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
        _ => None,
    }
}

pub(crate) fn bool(node: &Node, key: &str) -> Option<bool> {
    match get(node, key)?.value {
        Value::Bool(b) => Some(b),
        _ => None,
    }
}

pub(crate) fn strings(node: &Node, key: &str) -> Option<Vec<String>> {
    get(node, key).map(|n| seq(Some(n)).iter().map(Node::python_str).collect())
}

/// A mapping of scalars to strings (`oob`, `kernel_params`, `owner_data`, `labels`, ...).
pub(crate) fn string_map(node: &Node, key: &str) -> Option<IndexMap<String, String>> {
    get(node, key).map(|n| {
        map(Some(n))
            .iter()
            .map(|(k, v)| (k.key_string(), v.python_str()))
            .collect()
    })
}

/// Like [`string_map`] but a null value stays null (NetworkLink/Network `labels`).
pub(crate) fn nullable_string_map(node: &Node, key: &str) -> IndexMap<String, Option<String>> {
    map(get(node, key))
        .iter()
        .map(|(k, v)| (k.key_string(), (!v.is_null()).then(|| v.python_str())))
        .collect()
}

pub(crate) fn json_strings(items: &[String]) -> serde_json::Value {
    serde_json::Value::Array(items.iter().map(|s| s.clone().into()).collect())
}

pub(crate) fn json_map(map: &IndexMap<String, String>) -> serde_json::Value {
    serde_json::Value::Object(map.iter().map(|(k, v)| (k.clone(), v.clone().into())).collect())
}

pub(crate) fn json_opt<T: Into<serde_json::Value> + Clone>(v: &Option<T>) -> serde_json::Value {
    v.clone().map(Into::into).unwrap_or(serde_json::Value::Null)
}
