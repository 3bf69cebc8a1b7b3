//! YAML text -> a tree of [`Node`]s that remember where they came from.
//!
//! Drydock read designs with PyYAML (YAML 1.1), so scalars resolve the way PyYAML resolves
//! them: `yes`/`no`/`on`/`off` are booleans, `0x1f` and `0o17` are integers, `802.3ad` is a
//! string, and a duplicate mapping key keeps the last value (we also report it).

use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;

use granit_parser::{Event, Parser, ScalarStyle, ScanError};

pub mod subset;

/// One YAML value and the 1-based line/column where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node<'a> {
    pub value: Value<'a>,
    pub line: u32,
    pub col: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Borrowed from the input where the text needs no unescaping.
    Str(Cow<'a, str>),
    Seq(Vec<Node<'a>>),
    /// Keys are kept as nodes so a message can point at the key's line.
    Map(Vec<(Node<'a>, Node<'a>)>),
}

/// A key that appeared twice in one mapping; the later value is the one kept.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateKey {
    pub key: String,
    pub first_line: u32,
    pub second_line: u32,
}

/// A parsed document of a stream: its root node and the duplicate keys found in it.
#[derive(Debug)]
pub struct YamlDocument<'a> {
    pub root: Node<'a>,
    pub duplicates: Vec<DuplicateKey>,
}

/// Why a stream was refused: bad YAML, or YAML that goes past one of drydock's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Syntax,
    Limit,
}

/// A syntax error (or a limit reached) with its 1-based position.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}, column {col}: {message}")]
pub struct SyntaxError {
    pub line: u32,
    pub col: u32,
    pub message: String,
    pub kind: ErrorKind,
}

impl From<ScanError> for SyntaxError {
    fn from(e: ScanError) -> Self {
        let m = e.marker();
        SyntaxError {
            line: m.line() as u32,
            col: m.col() as u32 + 1,
            message: e.info(),
            kind: ErrorKind::Syntax,
        }
    }
}

/// The deepest nesting accepted; deeper input is refused instead of exhausting the stack.
const MAX_DEPTH: usize = 256;

/// The most nodes aliases may add to one file ("billion laughs").
pub const MAX_ALIAS_NODES: u64 = 1_000_000;

/// The most scalar text aliases may add to one file: nodes alone do not bound memory, since
/// one alias of a long string copies all of it. Real designs anchor a few blocks and stay far
/// below this.
pub const MAX_ALIAS_BYTES: u64 = 32 << 20;

impl<'a> Node<'a> {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node<'a>, Node<'a>)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node<'a>]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The value under `key` in a mapping (keys compared as their string form).
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.key_str() == key)
            .map(|(_, v)| v)
    }

    /// A mapping key as text, borrowed when it is a string (the usual case).
    pub fn key_str(&self) -> std::borrow::Cow<'_, str> {
        match &self.value {
            Value::Str(s) => std::borrow::Cow::Borrowed(s),
            _ => std::borrow::Cow::Owned(self.python_str()),
        }
    }

    /// A mapping key as text: scalars render the way Python's `str()` would.
    pub fn key_string(&self) -> String {
        self.python_str()
    }

    /// Python's `str()` of a scalar (`True`, `None`, `6`); collections use `repr`.
    pub fn python_str(&self) -> String {
        match &self.value {
            Value::Str(s) => s.to_string(),
            _ => self.python_repr(),
        }
    }

    /// Python's `repr()`, which is how Drydock's schema messages quote values.
    pub fn python_repr(&self) -> String {
        let mut out = String::new();
        self.write_repr(&mut out);
        out
    }

    fn write_repr(&self, out: &mut String) {
        match &self.value {
            Value::Null => out.push_str("None"),
            Value::Bool(true) => out.push_str("True"),
            Value::Bool(false) => out.push_str("False"),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Float(f) => out.push_str(&python_float(*f)),
            Value::Str(s) => out.push_str(&python_str_repr(s)),
            Value::Seq(items) => {
                out.push('[');
                for (i, n) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    n.write_repr(out);
                }
                out.push(']');
            }
            Value::Map(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.write_repr(out);
                    out.push_str(": ");
                    v.write_repr(out);
                }
                out.push('}');
            }
        }
    }

    /// Converts to JSON, keys stringified, for output and for Lua.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map(J::Number).unwrap_or(J::Null),
            Value::Str(s) => J::String(s.to_string()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.key_string(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

pub fn python_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn python_float(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { "inf".into() } else { "-inf".into() }
    } else if f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{f:.1}")
    } else {
        f.to_string()
    }
}

/// Parses every document of a YAML stream. The first syntax error aborts the whole stream,
/// as it did in Drydock: a half-read file is never taken for a whole one.
pub fn parse_stream(text: &str) -> Result<Vec<YamlDocument<'_>>, SyntaxError> {
    documents(Piece::whole(text), AliasBudget::FILE).collect()
}

/// A run of whole documents from a stream, and the line of the stream it starts on.
///
/// Where another document follows, `text` ends with that document's `---` (on
/// `marker_line`), which is not read: where a document's last node sits can depend on the
/// marker after it (an empty block scalar ends at the marker), so the parser must see it.
#[derive(Debug, Clone, Copy)]
pub struct Piece<'a> {
    pub text: &'a str,
    pub first_line: u32,
    pub marker_line: Option<u32>,
}

impl<'a> Piece<'a> {
    pub fn whole(text: &'a str) -> Self {
        Piece {
            text,
            first_line: 1,
            marker_line: None,
        }
    }

    /// The piece's own text, without the next document's marker.
    pub fn own_text(&self) -> &'a str {
        match self.marker_line {
            Some(_) => &self.text[..self.text.len() - 3],
            None => self.text,
        }
    }

    /// The part of `text` from `start` to `end` (a line start, on `end_line`): with the
    /// marker after it when one starts there.
    fn part(text: &'a str, start: usize, first_line: u32, end: usize, end_line: u32) -> Self {
        match text.get(end..end + 3) {
            Some("---") => Piece {
                text: &text[start..end + 3],
                first_line,
                marker_line: Some(end_line),
            },
            _ => Piece {
                text: &text[start..end],
                first_line,
                marker_line: None,
            },
        }
    }
}

/// Cuts a stream into pieces of whole documents, each at least `target` bytes (but the
/// last), at lines that start a document: `---` at column 0, then a blank or the end.
///
/// Such a line starts a new document whatever came before it: a scalar ends there, and an
/// open quote or flow collection is a syntax error. A document starts afresh (anchors and
/// tag handles do not cross documents), so a piece read by a fresh parser gives the
/// documents a reading of the whole stream gives. Where a cut splits something that is in
/// error, the pieces are in error too, and the caller reads the stream whole to report it.
///
/// A stream with a lone CR (a line break to YAML) is not cut: the line numbers here count
/// LFs.
pub fn pieces(text: &str, target: usize) -> Vec<Piece<'_>> {
    let bytes = text.as_bytes();
    if has_lone_cr(text) || text.len() < target.saturating_mul(2) {
        return vec![Piece::whole(text)];
    }
    let mut out = Vec::new();
    let (mut start, mut start_line) = (0, 1);
    let mut line = 1;
    for nl in memchr::memchr_iter(b'\n', bytes) {
        line += 1;
        let at = nl + 1;
        if at - start < target || !starts_document(&bytes[at..]) || bytes.len() - at < target {
            continue;
        }
        out.push(Piece::part(text, start, start_line, at, line));
        (start, start_line) = (at, line);
    }
    out.push(Piece::part(text, start, start_line, text.len(), line));
    out
}

/// Whether `text` has a CR not followed by LF: a line break to YAML, not to `lines()`.
fn has_lone_cr(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'))
}

fn starts_document(line: &[u8]) -> bool {
    line.starts_with(b"---") && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r' | b'\n' | 0))
}

/// What aliases may add to what is read: the whole of drydock's limits for a file, or the
/// share of one piece of it.
#[derive(Debug, Clone, Copy)]
pub struct AliasBudget(Size);

impl AliasBudget {
    pub const FILE: AliasBudget = AliasBudget(Size {
        nodes: MAX_ALIAS_NODES,
        bytes: MAX_ALIAS_BYTES,
    });

    /// One of `n` pieces' share, so that pieces each within theirs are within the file's.
    pub fn share(n: usize) -> AliasBudget {
        let n = n.max(1) as u64;
        AliasBudget(Size {
            nodes: MAX_ALIAS_NODES / n,
            bytes: MAX_ALIAS_BYTES / n,
        })
    }
}

/// The documents of a piece of a YAML stream one at a time, read by the event parser, so
/// each can be processed and dropped before the next is built; aliases may add at most
/// `budget`. This is the reference reading: [`subset::documents`] reads the same faster.
pub fn documents(piece: Piece<'_>, budget: AliasBudget) -> Events<'_> {
    Events {
        builder: Builder {
            parser: Parser::new_from_str(piece.text),
            line_offset: piece.first_line - 1,
            marker_line: piece.marker_line,
            anchors: HashMap::default(),
            materialised: Size::default(),
            expanded: Size::default(),
            budget: budget.0,
        },
        failed: false,
    }
}

/// The documents the event parser reads from a piece, in order; the first error ends them.
pub struct Events<'a> {
    builder: Builder<'a>,
    failed: bool,
}

impl Events<'_> {
    /// What aliases have added so far.
    fn expanded(&self) -> Size {
        self.builder.expanded
    }
}

impl<'a> Iterator for Events<'a> {
    type Item = Result<YamlDocument<'a>, SyntaxError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let next = self.builder.next_document().transpose();
        self.failed = matches!(next, Some(Err(_)));
        next
    }
}

/// How much a node stands for: nodes, and bytes of scalar text.
#[derive(Debug, Clone, Copy, Default)]
struct Size {
    nodes: u64,
    bytes: u64,
}

impl Size {
    fn add(&mut self, other: Size) {
        self.nodes += other.nodes;
        self.bytes += other.bytes;
    }

    fn since(self, start: Size) -> Size {
        Size {
            nodes: self.nodes.saturating_sub(start.nodes),
            bytes: self.bytes.saturating_sub(start.bytes),
        }
    }
}

struct Builder<'a> {
    parser: Parser<'a, granit_parser::StrInput<'a>>,
    /// Lines of the stream before the piece being read.
    line_offset: u32,
    /// The line of the next piece's marker, where reading stops.
    marker_line: Option<u32>,
    /// Anchored nodes and how much each stands for (aliases copy them).
    anchors: HashMap<usize, (Node<'a>, Size)>,
    /// What the current document holds so far, aliases counted in full (sizes anchors).
    materialised: Size,
    /// What aliases added to the whole stream, held to the limits: per file, so that many
    /// documents each under a limit cannot add up to a bomb.
    expanded: Size,
    budget: Size,
}

fn limit(line: u32, col: u32, what: String) -> SyntaxError {
    SyntaxError {
        line,
        col,
        message: format!(
            "aliases expand to more than {what} in this file (drydock's limit against alias bombs; real designs stay far below it): check what the anchors here repeat, or write the repeated values out"
        ),
        kind: ErrorKind::Limit,
    }
}

enum Frame<'a> {
    Seq(Node<'a>, Vec<Node<'a>>, usize),
    Map(Node<'a>, Vec<(Node<'a>, Node<'a>)>, Option<Node<'a>>, usize),
}

impl<'a> Builder<'a> {
    fn next(&mut self) -> Result<Option<(Event<'a>, u32, u32)>, SyntaxError> {
        match self.parser.next_event() {
            None => Ok(None),
            Some(Err(e)) => {
                let mut e = SyntaxError::from(e);
                e.line += self.line_offset;
                Err(e)
            }
            Some(Ok((ev, span))) => Ok(Some((
                ev,
                span.start.line() as u32 + self.line_offset,
                span.start.col() as u32 + 1,
            ))),
        }
    }

    fn next_document(&mut self) -> Result<Option<YamlDocument<'a>>, SyntaxError> {
        while let Some((ev, line, col)) = self.next()? {
            match ev {
                // The marker's explicit start; an implicit one may sit on its line too (a
                // document that is only an empty block scalar ends there).
                Event::DocumentStart(true, ..) if Some(line) == self.marker_line => break,
                Event::DocumentStart(..) => {
                    self.anchors.clear();
                    self.materialised = Size::default();
                    let mut duplicates = Vec::new();
                    let root = self.node(&mut duplicates)?.unwrap_or(Node {
                        value: Value::Null,
                        line,
                        col,
                    });
                    return Ok(Some(YamlDocument { root, duplicates }));
                }
                Event::StreamEnd => break,
                _ => {}
            }
        }
        Ok(None)
    }

    /// Reads one node (iteratively, so deep nesting cannot overflow the stack). Returns
    /// `None` at the end of a document.
    fn node(&mut self, dups: &mut Vec<DuplicateKey>) -> Result<Option<Node<'a>>, SyntaxError> {
        let mut stack: Vec<Frame<'a>> = Vec::new();
        // Node count when each open collection started, to size anchored collections.
        let mut starts: Vec<Size> = Vec::new();
        loop {
            let Some((ev, line, col)) = self.next()? else {
                return Ok(None);
            };
            let done: Node<'a> = match ev {
                Event::DocumentEnd if stack.is_empty() => return Ok(None),
                Event::Scalar(text, style, anchor, tag) => {
                    let tag = tag.map(|t| t.suffix().to_string());
                    let size = Size {
                        nodes: 1,
                        bytes: text.len() as u64,
                    };
                    let node = Node {
                        value: resolve_scalar(text, style, tag.as_deref()),
                        line,
                        col,
                    };
                    self.materialised.add(size);
                    if anchor != 0 {
                        self.anchors.insert(anchor, (node.clone(), size));
                    }
                    node
                }
                Event::Alias(id) => match self.anchors.get(&id) {
                    Some((n, size)) => {
                        // Checked before the copy is made: the copy is what costs memory.
                        if self.expanded.nodes + size.nodes > self.budget.nodes {
                            return Err(limit(line, col, format!("{MAX_ALIAS_NODES} nodes")));
                        }
                        if self.expanded.bytes + size.bytes > self.budget.bytes {
                            return Err(limit(line, col, format!("{} MiB of text", MAX_ALIAS_BYTES >> 20)));
                        }
                        self.expanded.add(*size);
                        self.materialised.add(*size);
                        Node {
                            line,
                            col,
                            ..n.clone()
                        }
                    }
                    None => {
                        return Err(SyntaxError {
                            line,
                            col,
                            message: "alias refers to an unknown anchor".into(),
                            kind: ErrorKind::Syntax,
                        });
                    }
                },
                Event::SequenceStart(_, anchor, _) | Event::MappingStart(_, anchor, _) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(SyntaxError {
                            line,
                            col,
                            message: format!(
                                "nesting deeper than {MAX_DEPTH} levels (drydock's limit; designs nest a few levels): check the brackets and indentation here"
                            ),
                            kind: ErrorKind::Limit,
                        });
                    }
                    let start = Node {
                        value: Value::Null,
                        line,
                        col,
                    };
                    starts.push(self.materialised);
                    self.materialised.nodes += 1;
                    if matches!(ev, Event::SequenceStart(..)) {
                        stack.push(Frame::Seq(start, Vec::new(), anchor));
                    } else {
                        stack.push(Frame::Map(start, Vec::new(), None, anchor));
                    }
                    continue;
                }
                Event::SequenceEnd => match stack.pop() {
                    Some(Frame::Seq(start, items, anchor)) => {
                        let size = self.materialised.since(starts.pop().unwrap_or_default());
                        self.finish(
                            Node {
                                value: Value::Seq(items),
                                ..start
                            },
                            anchor,
                            size,
                        )
                    }
                    _ => continue,
                },
                Event::MappingEnd => match stack.pop() {
                    Some(Frame::Map(start, entries, _, anchor)) => {
                        let entries = apply_merge_keys(entries);
                        let entries = dedupe_keys(entries, dups);
                        let size = self.materialised.since(starts.pop().unwrap_or_default());
                        self.finish(
                            Node {
                                value: Value::Map(entries),
                                ..start
                            },
                            anchor,
                            size,
                        )
                    }
                    _ => continue,
                },
                _ => continue,
            };
            match stack.last_mut() {
                None => return Ok(Some(done)),
                Some(Frame::Seq(_, items, _)) => items.push(done),
                Some(Frame::Map(_, entries, pending, _)) => match pending.take() {
                    None => *pending = Some(done),
                    Some(key) => entries.push((key, done)),
                },
            }
        }
    }

    fn finish(&mut self, node: Node<'a>, anchor: usize, size: Size) -> Node<'a> {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), size));
        }
        node
    }
}

/// `<<: *base` (or a list of them) merges the referenced mappings' keys in, explicit keys win.
fn apply_merge_keys<'a>(entries: Vec<(Node<'a>, Node<'a>)>) -> Vec<(Node<'a>, Node<'a>)> {
    if !entries
        .iter()
        .any(|(k, _)| matches!(&k.value, Value::Str(s) if s == "<<"))
    {
        return entries;
    }
    let mut explicit = Vec::new();
    let mut merged = Vec::new();
    for (k, v) in entries {
        if matches!(&k.value, Value::Str(s) if s == "<<") {
            let sources = match v.value {
                Value::Seq(items) => items,
                _ => vec![v],
            };
            for src in sources {
                if let Value::Map(m) = src.value {
                    merged.extend(m);
                }
            }
        } else {
            explicit.push((k, v));
        }
    }
    let explicit_keys: HashMap<String, ()> = explicit.iter().map(|(k, _)| (k.key_string(), ())).collect();
    merged.retain(|(mk, _)| !explicit_keys.contains_key(mk.key_str().as_ref()));
    merged.extend(explicit);
    merged
}

/// Last value wins (PyYAML's behaviour) and the position of the first one is kept, so a
/// design that loaded upstream loads here too, while the duplicate is still reported.
fn dedupe_keys<'a>(
    entries: Vec<(Node<'a>, Node<'a>)>,
    dups: &mut Vec<DuplicateKey>,
) -> Vec<(Node<'a>, Node<'a>)> {
    if entries.len() < 2 {
        return entries;
    }
    // Most mappings are small with string keys: compare in place, allocate nothing.
    let all_unique_strings = entries.len() <= 16
        && entries.iter().enumerate().all(|(i, (k, _))| match &k.value {
            Value::Str(s) => !entries[..i]
                .iter()
                .any(|(o, _)| matches!(&o.value, Value::Str(t) if t == s)),
            _ => false,
        });
    if all_unique_strings {
        return entries;
    }
    let mut index: HashMap<String, usize> =
        HashMap::with_capacity_and_hasher(entries.len(), Default::default());
    let mut out: Vec<(Node<'a>, Node<'a>)> = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let ks = k.key_string();
        match index.get(&ks) {
            Some(&i) => {
                dups.push(DuplicateKey {
                    key: ks,
                    first_line: out[i].0.line,
                    second_line: k.line,
                });
                out[i].1 = v;
            }
            None => {
                index.insert(ks, out.len());
                out.push((k, v));
            }
        }
    }
    out
}

/// YAML 1.1 scalar resolution (PyYAML's `SafeLoader` resolvers), honouring explicit tags.
fn resolve_scalar<'a>(text: Cow<'a, str>, style: ScalarStyle, tag: Option<&str>) -> Value<'a> {
    let parsed = match tag {
        Some("str") => None,
        Some("int") => parse_int(&text).map(Value::Int),
        Some("float") => parse_float(&text).map(Value::Float),
        Some("bool") => parse_bool(&text).map(Value::Bool),
        Some("null") => Some(Value::Null),
        _ if style != ScalarStyle::Plain => None,
        _ => plain_scalar(&text),
    };
    parsed.unwrap_or(Value::Str(text))
}

/// What an untagged plain scalar means, unless it is a string.
fn plain_scalar(text: &str) -> Option<Value<'static>> {
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return Some(Value::Null);
    }
    // Cheap first-character filter: most scalars are names and cannot be anything else.
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit()
        || matches!(
            first,
            b'-' | b'+' | b'.' | b'y' | b'Y' | b't' | b'T' | b'o' | b'O' | b'n' | b'N' | b'f' | b'F'
        ))
    {
        return None;
    }
    if let Some(b) = parse_bool(text) {
        return Some(Value::Bool(b));
    }
    if let Some(i) = parse_int(text) {
        return Some(Value::Int(i));
    }
    parse_float(text).map(Value::Float)
}

fn parse_bool(t: &str) -> Option<bool> {
    match t {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" | "y" | "Y" => {
            // PyYAML does not treat a bare `y`/`Y` as a boolean.
            if t == "y" || t == "Y" { None } else { Some(true) }
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

fn parse_int(t: &str) -> Option<i64> {
    let (neg, body) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if body.is_empty() {
        return None;
    }
    let body: Cow<str> = if body.contains('_') {
        Cow::Owned(body.replace('_', ""))
    } else {
        Cow::Borrowed(body)
    };
    let magnitude = if let Some(hex) = body.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(bin) = body.strip_prefix("0b") {
        i64::from_str_radix(bin, 2).ok()?
    } else if let Some(oct) = body.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        // YAML 1.1 octal: `0755`.
        i64::from_str_radix(&body[1..], 8).ok()?
    } else if body.bytes().all(|b| b.is_ascii_digit()) {
        body.parse().ok()?
    } else {
        return None;
    };
    Some(if neg { -magnitude } else { magnitude })
}

fn parse_float(t: &str) -> Option<f64> {
    match t {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    // PyYAML's float pattern needs a dot (`1.0`, `1.5e3`, `.5`); `1e3` stays a string.
    let body = t.trim_start_matches(['-', '+']);
    let first = body.chars().next()?;
    if !(first.is_ascii_digit() || first == '.') || !body.contains('.') {
        return None;
    }
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+' | '_'))
    {
        return None;
    }
    // `802.3ad` and `1.2.3` are strings: at most one dot before any exponent.
    let mantissa = body.split(['e', 'E']).next().unwrap_or("");
    if mantissa.matches('.').count() != 1 {
        return None;
    }
    t.replace('_', "").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node<'_> {
        parse_stream(text).unwrap().remove(0).root
    }

    #[test]
    fn yaml_1_1_scalars_resolve_like_pyyaml() {
        let n = one("a: yes\nb: off\nc: 0xffff\nd: 802.3ad\ne: 1.0\nf: '100'\ng: 100full\nh: ~\ni: 0755\n");
        let v = |k: &str| n.get(k).unwrap().value.clone();
        assert_eq!(v("a"), Value::Bool(true));
        assert_eq!(v("b"), Value::Bool(false));
        assert_eq!(v("c"), Value::Int(65535));
        assert_eq!(v("d"), Value::Str("802.3ad".into()));
        assert_eq!(v("e"), Value::Float(1.0));
        assert_eq!(v("f"), Value::Str("100".into()));
        assert_eq!(v("g"), Value::Str("100full".into()));
        assert_eq!(v("h"), Value::Null);
        assert_eq!(v("i"), Value::Int(0o755));
    }

    #[test]
    fn duplicate_keys_keep_the_last_value_and_are_reported() {
        let docs = parse_stream("x:\n  address: 1\n  address: 2\n").unwrap();
        let x = docs[0].root.get("x").unwrap();
        assert_eq!(x.get("address").unwrap().value, Value::Int(2));
        assert_eq!(
            docs[0].duplicates,
            vec![DuplicateKey {
                key: "address".into(),
                first_line: 2,
                second_line: 3
            }]
        );
    }

    #[test]
    fn positions_are_one_based_and_per_document() {
        let docs = parse_stream("---\na: 1\n---\nb:\n  c: x\n").unwrap();
        assert_eq!(docs.len(), 2);
        let c = docs[1].root.get("b").unwrap().get("c").unwrap();
        assert_eq!((c.line, c.col), (5, 6));
    }

    #[test]
    fn anchors_and_merge_keys() {
        let n = one("base: &b {x: 1, y: 2}\nchild:\n  <<: *b\n  y: 3\n");
        let child = n.get("child").unwrap();
        assert_eq!(child.get("x").unwrap().value, Value::Int(1));
        assert_eq!(child.get("y").unwrap().value, Value::Int(3));
    }

    #[test]
    fn syntax_errors_carry_positions() {
        let e = parse_stream("a: [1, 2\nb: c\n").unwrap_err();
        assert!(e.line >= 1, "{e}");
        let e = parse_stream("a:\n  b: 1\n c: 2\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
    }

    #[test]
    fn python_repr_matches_jsonschema_messages() {
        assert_eq!(one("[pkg1, pkg2]").python_repr(), "['pkg1', 'pkg2']");
        assert_eq!(one("~").python_repr(), "None");
        assert_eq!(one("{a: true}").python_repr(), "{'a': True}");
    }

    /// A file of `count` aliases of one anchored string of `len` bytes.
    fn string_bomb(len: usize, count: usize) -> String {
        let mut text = format!("big: &big {}\nuses:\n", "x".repeat(len));
        for _ in 0..count {
            text.push_str("- *big\n");
        }
        text
    }

    #[test]
    fn aliases_are_bounded_by_the_text_they_copy() {
        // 300 KB that would expand to 5 GB: few nodes, many bytes.
        let started = std::time::Instant::now();
        let e = parse_stream(&string_bomb(100_000, 50_000)).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(e.kind, ErrorKind::Limit, "{e}");
        assert!(
            e.message.contains("aliases expand to more than 32 MiB of text"),
            "{e}"
        );
        assert!(e.message.contains("write the repeated values out"), "{e}");
        assert!(e.line > 3, "at the alias that went over: {e}");
        // What real designs do, anchoring a block and reusing it, stays well inside.
        parse_stream(&string_bomb(1_000, 10_000)).unwrap();
    }

    #[test]
    fn the_alias_limit_is_per_file_not_per_document() {
        // Each document alone stays under the limit; together they would not.
        let doc = format!("---\n{}", string_bomb(100_000, 100));
        let e = parse_stream(&doc.repeat(10)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Limit, "{e}");
    }
}
