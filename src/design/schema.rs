//! Drydock's JSON schemas (draft-04), embedded, and the subset of draft-04 they use.
//!
//! A small evaluator instead of a JSON-schema crate because Drydock users match on
//! python-jsonschema's wording (`600 is not of type 'string'`), and because it walks our
//! YAML nodes directly, so every violation knows its line.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::OnceLock;

use regex::Regex;

use super::model::Kind;
use super::yaml::{Node, Value, parse_stream};

/// One violation: the message python-jsonschema would print, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// Dotted path below the document body, e.g. `interfaces.bond0.slaves[1]`.
    pub path: String,
    pub line: u32,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Type {
    Object,
    Array,
    String,
    Number,
    Integer,
    Boolean,
    Null,
}

impl Type {
    fn parse(s: &str) -> Option<Type> {
        Some(match s {
            "object" => Type::Object,
            "array" => Type::Array,
            "string" => Type::String,
            "number" => Type::Number,
            "integer" => Type::Integer,
            "boolean" => Type::Boolean,
            "null" => Type::Null,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Type::Object => "object",
            Type::Array => "array",
            Type::String => "string",
            Type::Number => "number",
            Type::Integer => "integer",
            Type::Boolean => "boolean",
            Type::Null => "null",
        }
    }

    fn matches(self, v: &Value) -> bool {
        match (self, v) {
            (Type::Object, Value::Map(_)) => true,
            (Type::Array, Value::Seq(_)) => true,
            (Type::String, Value::Str(_)) => true,
            (Type::Number, Value::Int(_) | Value::Float(_)) => true,
            (Type::Integer, Value::Int(_)) => true,
            (Type::Integer, Value::Float(f)) => f.fract() == 0.0,
            (Type::Boolean, Value::Bool(_)) => true,
            (Type::Null, Value::Null) => true,
            _ => false,
        }
    }
}

#[derive(Debug, Default)]
enum Additional {
    #[default]
    Any,
    Forbidden,
    Schema(Box<Schema>),
}

#[derive(Debug, Default)]
struct Schema {
    types: Vec<Type>,
    properties: Vec<(String, Schema)>,
    additional: Additional,
    items: Option<Box<Schema>>,
    enumeration: Option<Vec<Node<'static>>>,
    pattern: Option<(String, Regex)>,
    required: Vec<String>,
    one_of: Vec<Schema>,
    format: Option<String>,
}

impl Schema {
    fn compile(n: &Node<'static>) -> Result<Schema, String> {
        let mut s = Schema::default();
        for (k, v) in n.as_map().unwrap_or(&[]) {
            match k.key_string().as_str() {
                "type" => {
                    let names: Vec<&Node> = match &v.value {
                        Value::Seq(items) => items.iter().collect(),
                        _ => vec![v],
                    };
                    for t in names {
                        let name = t.python_str();
                        s.types
                            .push(Type::parse(&name).ok_or(format!("unknown type {name}"))?);
                    }
                }
                "properties" => {
                    for (pk, pv) in v.as_map().unwrap_or(&[]) {
                        s.properties.push((pk.key_string(), Schema::compile(pv)?));
                    }
                }
                "additionalProperties" => {
                    s.additional = match &v.value {
                        Value::Bool(false) => Additional::Forbidden,
                        Value::Bool(true) => Additional::Any,
                        _ => Additional::Schema(Box::new(Schema::compile(v)?)),
                    }
                }
                "items" => s.items = Some(Box::new(Schema::compile(v)?)),
                "enum" => s.enumeration = Some(v.as_seq().unwrap_or(&[]).to_vec()),
                "pattern" => {
                    let p = v.python_str();
                    let re = Regex::new(&p).map_err(|e| e.to_string())?;
                    s.pattern = Some((p, re));
                }
                "required" => s.required = v.as_seq().unwrap_or(&[]).iter().map(Node::python_str).collect(),
                "oneOf" => {
                    for alt in v.as_seq().unwrap_or(&[]) {
                        s.one_of.push(Schema::compile(alt)?);
                    }
                }
                "format" => s.format = Some(v.python_str()),
                // Upstream misspellings (`propertes`, `additionalPropties`) are ignored, as
                // draft-04 ignores unknown keywords; so are `$schema` and `id`.
                _ => {}
            }
        }
        Ok(s)
    }

    fn validate<'n>(&self, n: &'n Node, path: &mut Vec<Seg<'n>>, out: &mut Vec<Violation>) {
        let push = |out: &mut Vec<Violation>, path: &[Seg], message: String| {
            out.push(Violation {
                path: render(path),
                line: n.line,
                message,
            })
        };
        if !self.types.is_empty() && !self.types.iter().any(|t| t.matches(&n.value)) {
            let names: Vec<String> = self.types.iter().map(|t| format!("'{}'", t.name())).collect();
            push(
                out,
                path,
                format!("{} is not of type {}", shown(n, path), names.join(", ")),
            );
            return;
        }
        if let Some(allowed) = &self.enumeration
            && !allowed.iter().any(|a| a.value == n.value)
        {
            let list: Vec<String> = allowed.iter().map(Node::python_repr).collect();
            push(
                out,
                path,
                format!("{} is not one of [{}]", shown(n, path), list.join(", ")),
            );
        }
        if let (Some((p, re)), Value::Str(s)) = (&self.pattern, &n.value)
            && !re.is_match(s)
        {
            let msg = format!(
                "{} does not match {}",
                shown(n, path),
                super::yaml::python_str_repr(p)
            );
            push(out, path, msg);
        }
        if let (Some(format), Value::Str(s)) = (&self.format, &n.value)
            && !format_ok(format, s)
        {
            push(out, path, format!("{} is not a '{format}'", shown(n, path)));
        }
        if !self.one_of.is_empty() {
            let matching = self
                .one_of
                .iter()
                .filter(|alt| {
                    let mut scratch = Vec::new();
                    alt.validate(n, &mut path.clone(), &mut scratch);
                    scratch.is_empty()
                })
                .count();
            if matching == 0 {
                let msg = format!("{} is not valid under any of the given schemas", shown(n, path));
                push(out, path, msg);
            } else if matching > 1 {
                push(
                    out,
                    path,
                    format!("{} is valid under each of the given schemas", shown(n, path)),
                );
            }
        }
        match &n.value {
            Value::Map(entries) => {
                for req in &self.required {
                    if !entries.iter().any(|(k, _)| k.key_str() == req.as_str()) {
                        push(out, path, format!("'{req}' is a required property"));
                    }
                }
                let mut unexpected = Vec::new();
                for (k, v) in entries {
                    let key = k.key_str();
                    let sub = match self.properties.iter().find(|(name, _)| *name == key) {
                        Some((_, sub)) => Some(sub),
                        None => match &self.additional {
                            Additional::Any => None,
                            Additional::Forbidden => {
                                unexpected.push((key.into_owned(), k.line));
                                None
                            }
                            Additional::Schema(sub) => Some(&**sub),
                        },
                    };
                    if let Some(sub) = sub {
                        path.push(Seg::Key(k.key_str()));
                        sub.validate(v, path, out);
                        path.pop();
                    }
                }
                if let Some((_, line)) = unexpected.first() {
                    let names: Vec<String> = unexpected
                        .iter()
                        .map(|(k, _)| super::yaml::python_str_repr(k))
                        .collect();
                    let verb = if names.len() == 1 { "was" } else { "were" };
                    out.push(Violation {
                        path: render(path),
                        line: *line,
                        message: format!(
                            "Additional properties are not allowed ({} {verb} unexpected)",
                            names.join(", ")
                        ),
                    });
                }
            }
            Value::Seq(items) => {
                if let Some(item_schema) = &self.items {
                    for (i, item) in items.iter().enumerate() {
                        path.push(Seg::Index(i));
                        item_schema.validate(item, path, out);
                        path.pop();
                    }
                }
            }
            _ => {}
        }
    }
}

/// One step of the path to a value; rendered only when a violation is reported.
#[derive(Debug, Clone)]
enum Seg<'n> {
    Key(std::borrow::Cow<'n, str>),
    Index(usize),
}

fn render(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// A value as python-jsonschema would quote it, except that nothing under `oob` (where BMC
/// credentials live) or under a secret key is ever shown.
fn shown(n: &Node, path: &[Seg]) -> String {
    let is_key = |s: &Seg, names: &[&str]| matches!(s, Seg::Key(k) if names.contains(&k.as_ref()));
    let secret = path.iter().any(|s| is_key(s, &super::model::SECRET_OOB_KEYS));
    if secret || path.first().is_some_and(|s| is_key(s, &["oob"])) || holds_secret(n) {
        super::model::REDACTED.to_string()
    } else {
        n.python_repr()
    }
}

/// Whether a value has a secret (or an `oob` block) anywhere inside it.
fn holds_secret(n: &Node) -> bool {
    match &n.value {
        Value::Map(entries) => entries.iter().any(|(k, v)| {
            let key = k.key_str();
            super::model::SECRET_OOB_KEYS.contains(&key.as_ref()) || key == "oob" || holds_secret(v)
        }),
        Value::Seq(items) => items.iter().any(holds_secret),
        _ => false,
    }
}

fn format_ok(format: &str, s: &str) -> bool {
    match format {
        "ipv4" => s.parse::<Ipv4Addr>().is_ok(),
        "uri" => s.split_once(':').is_some_and(|(scheme, rest)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && !rest.is_empty()
        }),
        _ => true,
    }
}

const SOURCES: [(Kind, &str); 8] = [
    (Kind::Region, include_str!("schemas/region.yaml")),
    (Kind::Rack, include_str!("schemas/rack.yaml")),
    (Kind::NetworkLink, include_str!("schemas/networkLink.yaml")),
    (Kind::Network, include_str!("schemas/network.yaml")),
    (
        Kind::HardwareProfile,
        include_str!("schemas/hardwareProfile.yaml"),
    ),
    (Kind::HostProfile, include_str!("schemas/hostProfile.yaml")),
    (Kind::BaremetalNode, include_str!("schemas/baremetalNode.yaml")),
    (Kind::BootAction, include_str!("schemas/bootaction.yaml")),
];

fn schemas() -> &'static HashMap<Kind, Schema> {
    static SCHEMAS: OnceLock<HashMap<Kind, Schema>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(kind, text)| {
                // The schemas are part of the binary; `embedded_schemas_compile` tests them.
                let docs = parse_stream(text).expect("embedded schema is valid YAML");
                let data = docs[0].root.get("data").expect("embedded schema has data");
                (*kind, Schema::compile(data).expect("embedded schema compiles"))
            })
            .collect()
    })
}

/// Checks a document body (`data`/`spec`) against its kind's schema.
pub fn validate(kind: Kind, body: &Node) -> Vec<Violation> {
    let mut out = Vec::new();
    if let Some(schema) = schemas().get(&kind) {
        schema.validate(body, &mut Vec::new(), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(kind: Kind, yaml: &str) -> Vec<String> {
        let docs = parse_stream(yaml).unwrap();
        validate(kind, &docs[0].root)
            .into_iter()
            .map(|v| format!("{}: {}", v.path, v.message))
            .collect()
    }

    #[test]
    fn embedded_schemas_compile() {
        assert_eq!(schemas().len(), 8);
    }

    #[test]
    fn messages_use_python_jsonschema_wording() {
        assert_eq!(
            check(Kind::Network, "vlan: 5\n"),
            vec!["vlan: 5 is not of type 'string'"]
        );
        assert_eq!(
            check(Kind::Network, "foo: 1\ncidr: 10.0.0.0/8\n"),
            vec![": Additional properties are not allowed ('foo' was unexpected)"]
        );
        assert_eq!(
            check(Kind::BaremetalNode, "addressing: [~]\n"),
            vec!["addressing[0]: None is not of type 'object'"]
        );
        let ba = "assets:\n  - type: file\n    permissions: 600\n    data_pipeline: [foo]\n  - type: pkg_list\n    data: [pkg1, pkg2]\n";
        let got = check(Kind::BootAction, ba);
        assert!(
            got.contains(&"assets[0].permissions: 600 is not of type 'string'".to_string()),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|m| m.contains("'foo' is not one of ['base64_encode', 'template'")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|m| m.ends_with("['pkg1', 'pkg2'] is not valid under any of the given schemas")),
            "{got:?}"
        );
        assert_eq!(
            check(Kind::BootAction, "assets: [{path: /x}]\n"),
            vec!["assets[0]: 'type' is a required property"]
        );
    }

    #[test]
    fn formats_and_patterns() {
        let got = check(
            Kind::Network,
            "ranges: [{type: static, start: 10.0.0.300, end: 10.0.0.9}]\n",
        );
        assert_eq!(got, vec!["ranges[0].start: '10.0.0.300' is not a 'ipv4'"]);
        let got = check(Kind::BootAction, "assets: [{type: file, path: relative}]\n");
        assert_eq!(got, vec!["assets[0].path: 'relative' does not match '^/.+'"]);
    }

    #[test]
    fn secrets_are_not_quoted() {
        let got = check(Kind::BaremetalNode, "oob: {type: ipmi, credential: 12345}\n");
        assert_eq!(got, vec!["oob.credential: <redacted> is not of type 'string'"]);
        let got = check(Kind::HostProfile, "oob: [hunter2]\n");
        assert_eq!(got, vec!["oob: <redacted> is not of type 'object'"]);
        let docs = parse_stream("credential: {a: hunter2}").unwrap();
        let got = check(Kind::BaremetalNode, "- oob: {credential: hunter2}\n");
        assert_eq!(
            got,
            vec![": <redacted> is not of type 'object'"],
            "a misplaced body holding a secret"
        );
        let path = [Seg::Key("oob".into()), Seg::Key("credential".into())];
        assert_eq!(
            shown(docs[0].root.get("credential").unwrap(), &path),
            "<redacted>"
        );
    }
}
