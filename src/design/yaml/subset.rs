//! The YAML designs are written in, read straight from the text into the tree: block
//! mappings and sequences, flow collections on one line, plain scalars on one line, quoted
//! scalars on one line without escapes, comments. That is most of every site, and reading it
//! here takes a fifth of the event parser's time.
//!
//! A document that uses anything else (anchors, aliases, tags, block scalars, scalars over
//! several lines, tabs and other control characters, text outside ASCII, CR line breaks,
//! `...`) goes to the event parser whole, and so does anything this reader is not sure of:
//! it gives up rather than guess. It never takes a document the event parser would read
//! differently or refuse (tests/yaml_subset.rs compares the two on every fixture, generated
//! sites, and generated and mutated streams).

use std::borrow::Cow;

use granit_parser::ScalarStyle;

use super::{
    AliasBudget, DuplicateKey, Events, Node, Piece, Size, SyntaxError, Value, YamlDocument, apply_merge_keys,
    dedupe_keys, has_lone_cr, resolve_scalar, starts_document,
};

/// Nesting this reader takes; deeper documents go to the event parser, which has the limit.
const MAX_DEPTH: usize = 64;

/// The longest key YAML allows on one line.
const MAX_KEY: usize = 1024;

/// The documents of a piece, as [`super::documents`] reads them.
pub fn documents(piece: Piece<'_>, budget: AliasBudget) -> Documents<'_> {
    let mut documents = Documents {
        text: piece.text,
        stop: piece.own_text().len(),
        at: 0,
        line: piece.first_line,
        budget: budget.0,
        events: None,
        handed_over: 0,
    };
    // Lines here are counted by LF; the parser takes a piece with lone CRs whole.
    if has_lone_cr(piece.own_text()) {
        documents.events = Some(super::documents(piece, budget));
        documents.at = documents.stop;
        documents.handed_over = 1;
    }
    documents
}

/// Documents read here where they can be, and by the event parser where they cannot.
pub struct Documents<'a> {
    /// The piece's text, and where its own text ends (see [`Piece`]).
    text: &'a str,
    stop: usize,
    /// Where the next document's text starts (a line start), and its line.
    at: usize,
    line: u32,
    /// What aliases may still add (only the event parser reads aliases).
    budget: Size,
    /// The event parser, reading the documents this reader gave up on.
    events: Option<Events<'a>>,
    handed_over: usize,
}

impl Documents<'_> {
    /// How many times text went to the event parser: a document, or a whole piece that has
    /// lone CRs.
    pub fn handed_over(&self) -> usize {
        self.handed_over
    }
}

impl<'a> Iterator for Documents<'a> {
    type Item = Result<YamlDocument<'a>, SyntaxError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(events) = &mut self.events {
                match events.next() {
                    Some(Ok(doc)) => return Some(Ok(doc)),
                    Some(Err(e)) => {
                        // The first error ends the stream: nothing after it is read.
                        self.at = self.stop;
                        return Some(Err(e));
                    }
                    None => {
                        self.budget = self.budget.since(events.expanded());
                        self.events = None;
                    }
                }
            }
            if self.at >= self.stop {
                return None;
            }
            // A document runs to the next line that starts one, as in `super::pieces`.
            let start = self.at;
            let end = next_document_start(self.text, start).min(self.stop);
            let line = self.line;
            let slice = &self.text[start..end];
            self.at = end;
            self.line += memchr::memchr_iter(b'\n', slice.as_bytes()).count() as u32;
            match Reader::read(slice, line) {
                Ok(Some(doc)) => return Some(Ok(doc)),
                Ok(None) => continue,
                Err(Bail) => {
                    self.handed_over += 1;
                    let piece = Piece::part(self.text, start, line, end, self.line);
                    self.events = Some(super::documents(piece, AliasBudget(self.budget)));
                }
            }
        }
    }
}

/// The start of the first line after the one at `from` that starts a document, or the end.
fn next_document_start(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'\n', &bytes[from..])
        .map(|i| from + i + 1)
        .find(|&at| starts_document(&bytes[at..]))
        .unwrap_or(text.len())
}

/// Outside the subset: the event parser reads this document.
struct Bail;

type Read<T> = Result<T, Bail>;

/// Reads one document's text: the lines from a `---` (or the stream's start) to the next.
struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// The start of the current line, its end (before the LF), and its number.
    start: usize,
    end: usize,
    line: u32,
    depth: usize,
    duplicates: Vec<DuplicateKey>,
}

impl<'a> Reader<'a> {
    /// The document in `text`, `None` when it holds none (comments before the first `---`).
    fn read(text: &'a str, line: u32) -> Read<Option<YamlDocument<'a>>> {
        let bytes = text.as_bytes();
        // Printable ASCII and LF only: the parser refuses other control characters (even in
        // comments), and columns here count bytes.
        if bytes.iter().any(|&b| !(b' '..=b'~').contains(&b) && b != b'\n') {
            return Err(Bail);
        }
        let mut r = Reader {
            text,
            bytes,
            start: 0,
            end: line_end(bytes, 0),
            line,
            depth: 0,
            duplicates: Vec::new(),
        };
        let marked = starts_document(bytes);
        if marked {
            // Only a bare `---`: what may follow it on its line is not in the subset.
            if bytes[3..r.end].iter().any(|&b| b != b' ') {
                return Err(Bail);
            }
            r.next_line();
        }
        match r.content_indent()? {
            Some(0) => {}
            // An empty document's null sits where the parser's marker ended: leave it to it.
            None if marked => return Err(Bail),
            None => return Ok(None),
            Some(_) => return Err(Bail),
        }
        let root = r.block_node(0)?;
        if r.content_indent()?.is_some() {
            return Err(Bail);
        }
        Ok(Some(YamlDocument {
            root,
            duplicates: r.duplicates,
        }))
    }

    fn next_line(&mut self) {
        self.start = (self.end + 1).min(self.bytes.len());
        self.end = line_end(self.bytes, self.start);
        self.line += 1;
    }

    /// Moves to the next line with content (skipping blank and comment lines) and returns
    /// its indent, or `None` at the end of the document.
    fn content_indent(&mut self) -> Read<Option<usize>> {
        while self.start < self.bytes.len() {
            let line = &self.bytes[self.start..self.end];
            let indent = line.iter().take_while(|&&b| b == b' ').count();
            match line.get(indent) {
                None | Some(b'#') => self.next_line(),
                // `...` ends a document; what follows it is not this reader's.
                Some(b'.') if indent == 0 && line.starts_with(b"...") => return Err(Bail),
                Some(_) => return Ok(Some(indent)),
            }
        }
        Ok(None)
    }

    fn col(&self, at: usize) -> u32 {
        (at - self.start + 1) as u32
    }

    fn byte(&self, at: usize) -> Option<u8> {
        (at < self.end).then(|| self.bytes[at])
    }

    /// The block node whose first line is the current one, at `indent`.
    fn block_node(&mut self, indent: usize) -> Read<Node<'a>> {
        self.deeper(|r| {
            let at = r.start + indent;
            if r.is_entry(at) {
                r.block_sequence(indent, false)
            } else {
                r.block_mapping(indent, at)
            }
        })
    }

    /// `read` one level down, or bail past [`MAX_DEPTH`].
    fn deeper<T>(&mut self, read: impl FnOnce(&mut Self) -> Read<T>) -> Read<T> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Bail);
        }
        let node = read(self);
        self.depth -= 1;
        node
    }

    /// `-` then a space or the line's end: a block sequence entry.
    fn is_entry(&self, at: usize) -> bool {
        self.byte(at) == Some(b'-') && matches!(self.byte(at + 1), None | Some(b' '))
    }

    /// A block mapping at `indent` whose first key is at `at` on the current line (not at
    /// the line's start when the mapping is an entry of a sequence: `- key: value`).
    fn block_mapping(&mut self, indent: usize, mut at: usize) -> Read<Node<'a>> {
        let (line, col) = (self.line, self.col(at));
        let mut entries = Vec::new();
        loop {
            let (key, colon) = self.key(at)?;
            let value = self.mapping_value(indent, colon)?;
            entries.push((key, value));
            match self.content_indent()? {
                Some(i) if i == indent => {
                    at = self.start + indent;
                    if self.is_entry(at) {
                        return Err(Bail);
                    }
                }
                Some(i) if i > indent => return Err(Bail),
                _ => break,
            }
        }
        let entries = dedupe_keys(apply_merge_keys(entries), &mut self.duplicates);
        Ok(Node {
            value: Value::Map(entries),
            line,
            col,
        })
    }

    /// A key at `at` and the position of its `:`, which is followed by a space or the end of
    /// the line.
    fn key(&mut self, at: usize) -> Read<(Node<'a>, usize)> {
        let (node, after) = match self.byte(at) {
            Some(q @ (b'\'' | b'"')) => self.quoted(at, q)?,
            Some(b) if starts_plain(b) => {
                let colon = self.key_colon(at).ok_or(Bail)?;
                if self.bytes[colon - 1] == b' ' {
                    return Err(Bail);
                }
                (self.plain(at, colon), colon)
            }
            _ => return Err(Bail),
        };
        if after - at > MAX_KEY
            || self.byte(after) != Some(b':')
            || !matches!(self.byte(after + 1), None | Some(b' '))
        {
            return Err(Bail);
        }
        Ok((node, after))
    }

    /// Where a plain key starting at `at` ends: the first `:` followed by a space or the end
    /// of the line, before any comment.
    fn key_colon(&self, at: usize) -> Option<usize> {
        let line = &self.bytes[at..self.end];
        let mut i = 0;
        while let Some(c) = memchr::memchr2(b':', b'#', &line[i..]) {
            let p = i + c;
            if line[p] == b'#' {
                if line[p - 1] == b' ' {
                    return None;
                }
            } else if matches!(line.get(p + 1), None | Some(b' ')) {
                return Some(at + p);
            }
            i = p + 1;
        }
        None
    }

    /// The value after the `:` at `colon`, on the rest of its line or on the lines below.
    fn mapping_value(&mut self, indent: usize, colon: usize) -> Read<Node<'a>> {
        let at = self.skip_spaces(colon + 1);
        if !matches!(self.byte(at), None | Some(b'#')) {
            return self.inline_value(at);
        }
        let null = Node {
            value: Value::Null,
            line: self.line,
            col: self.col(colon),
        };
        self.next_line();
        match self.content_indent()? {
            Some(i) if i > indent => self.block_node(i),
            Some(i) if i == indent && self.is_entry(self.start + i) => {
                self.deeper(|r| r.block_sequence(indent, true))
            }
            _ => Ok(null),
        }
    }

    /// A block sequence whose first `-` is at `indent` on the current line. An indentless
    /// one (`key:` then `- item` at the key's indent) starts, to the parser, at its first
    /// entry's content.
    fn block_sequence(&mut self, indent: usize, indentless: bool) -> Read<Node<'a>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let dash = self.start + indent;
            let at = self.skip_spaces(dash + 1);
            if at == dash + 1 || matches!(self.byte(at), None | Some(b'#')) || self.is_entry(at) {
                // An empty entry, or one on the lines below, or `- - x`.
                return Err(Bail);
            }
            start.get_or_insert((self.line, self.col(if indentless { at } else { dash })));
            let item = if self.starts_compact_mapping(at) {
                self.deeper(|r| r.block_mapping(at - r.start, at))?
            } else {
                let node = self.inline_value(at)?;
                match self.content_indent()? {
                    Some(i) if i > indent => return Err(Bail),
                    _ => node,
                }
            };
            items.push(item);
            match self.content_indent()? {
                Some(i) if i == indent && self.is_entry(self.start + i) => {}
                Some(i) if i > indent => return Err(Bail),
                Some(i) if i == indent && !indentless => return Err(Bail),
                _ => break,
            }
        }
        let (line, col) = start.ok_or(Bail)?;
        Ok(Node {
            value: Value::Seq(items),
            line,
            col,
        })
    }

    /// Whether the entry content at `at` is `key: ...` (a mapping in the sequence).
    fn starts_compact_mapping(&self, at: usize) -> bool {
        match self.byte(at) {
            Some(q @ (b'\'' | b'"')) => {
                let close = self.bytes[at + 1..self.end].iter().position(|&b| b == q);
                close.is_some_and(|c| self.byte(at + 2 + c) == Some(b':'))
            }
            Some(b) if starts_plain(b) => self.key_colon(at).is_some(),
            _ => false,
        }
    }

    /// A value that starts at `at` and ends on this line; moves to the next line.
    fn inline_value(&mut self, at: usize) -> Read<Node<'a>> {
        let (node, after) = match self.byte(at) {
            Some(b'[' | b'{') => self.deeper(|r| r.flow(at))?,
            Some(q @ (b'\'' | b'"')) => self.quoted(at, q)?,
            Some(b) if starts_plain(b) || (b == b'-' && self.byte(at + 1).is_some_and(starts_plain)) => {
                let end = self.plain_end(at);
                let text = &self.bytes[at..end];
                // `a: b: c` and `a: b:` are not strings to the parser.
                if text.ends_with(b":") || memchr::memmem::find(text, b": ").is_some() {
                    return Err(Bail);
                }
                (self.plain(at, end), end)
            }
            _ => return Err(Bail),
        };
        let rest = self.skip_spaces(after);
        match self.byte(rest) {
            None => {}
            // A comment needs a space before it.
            Some(b'#') if rest > after => {}
            _ => return Err(Bail),
        }
        self.next_line();
        Ok(node)
    }

    /// The end of a block plain scalar at `at`: before ` #` or the line's end, less
    /// trailing spaces.
    fn plain_end(&self, at: usize) -> usize {
        let line = &self.bytes[at..self.end];
        let end = memchr::memmem::find(line, b" #").map_or(line.len(), |i| i);
        at + line[..end].iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1)
    }

    fn plain(&self, at: usize, end: usize) -> Node<'a> {
        Node {
            value: resolve_scalar(Cow::Borrowed(&self.text[at..end]), ScalarStyle::Plain, None),
            line: self.line,
            col: self.col(at),
        }
    }

    /// A quoted scalar at `at` closed on its line (no escapes in double quotes), and the
    /// position after its closing quote.
    fn quoted(&self, at: usize, quote: u8) -> Read<(Node<'a>, usize)> {
        let mut i = at + 1;
        let mut doubled = false;
        loop {
            let close = i + memchr::memchr(quote, &self.bytes[i..self.end]).ok_or(Bail)?;
            if quote == b'"' && memchr::memchr(b'\\', &self.bytes[i..close]).is_some() {
                return Err(Bail);
            }
            if quote == b'\'' && self.byte(close + 1) == Some(b'\'') {
                doubled = true;
                i = close + 2;
                continue;
            }
            let inner = &self.text[at + 1..close];
            let (text, style) = if quote == b'\'' {
                let text = if doubled {
                    Cow::Owned(inner.replace("''", "'"))
                } else {
                    Cow::Borrowed(inner)
                };
                (text, ScalarStyle::SingleQuoted)
            } else {
                (Cow::Borrowed(inner), ScalarStyle::DoubleQuoted)
            };
            let node = Node {
                value: resolve_scalar(text, style, None),
                line: self.line,
                col: self.col(at),
            };
            return Ok((node, close + 1));
        }
    }

    /// A flow collection at `at` closed on its line, and the position after it.
    fn flow(&mut self, at: usize) -> Read<(Node<'a>, usize)> {
        let mapping = self.bytes[at] == b'{';
        let close = if mapping { b'}' } else { b']' };
        let mut seq = Vec::new();
        let mut map = Vec::new();
        let mut i = self.skip_spaces(at + 1);
        if self.byte(i) == Some(close) {
            i += 1;
        } else {
            loop {
                let (item, after) = self.flow_item(i)?;
                i = if mapping {
                    if matches!(item.value, Value::Seq(_) | Value::Map(_)) || after - i > MAX_KEY {
                        return Err(Bail);
                    }
                    if self.byte(after) != Some(b':') || self.byte(after + 1) != Some(b' ') {
                        return Err(Bail);
                    }
                    let (value, after) = self.flow_item(self.skip_spaces(after + 1))?;
                    map.push((item, value));
                    self.skip_spaces(after)
                } else {
                    seq.push(item);
                    self.skip_spaces(after)
                };
                match self.byte(i) {
                    Some(b',') => {
                        i = self.skip_spaces(i + 1);
                        // A trailing comma, or an empty entry.
                        if matches!(self.byte(i), Some(b',' | b']' | b'}')) {
                            return Err(Bail);
                        }
                    }
                    Some(c) if c == close => {
                        i += 1;
                        break;
                    }
                    _ => return Err(Bail),
                }
            }
        }
        let value = if mapping {
            Value::Map(dedupe_keys(apply_merge_keys(map), &mut self.duplicates))
        } else {
            Value::Seq(seq)
        };
        let node = Node {
            value,
            line: self.line,
            col: self.col(at),
        };
        Ok((node, i))
    }

    /// A scalar or collection inside a flow collection, and the position after it.
    fn flow_item(&mut self, at: usize) -> Read<(Node<'a>, usize)> {
        match self.byte(at) {
            Some(b'[' | b'{') => self.deeper(|r| r.flow(at)),
            Some(q @ (b'\'' | b'"')) => self.quoted(at, q),
            Some(b) if starts_plain(b) || (b == b'-' && self.byte(at + 1).is_some_and(starts_plain)) => {
                let mut end = at;
                while let Some(c) = self.byte(end) {
                    match c {
                        b',' | b'[' | b']' | b'{' | b'}' | b'#' => break,
                        b':' if matches!(
                            self.byte(end + 1),
                            None | Some(b' ' | b',' | b'[' | b']' | b'{' | b'}')
                        ) =>
                        {
                            break;
                        }
                        _ => end += 1,
                    }
                }
                // Only closed on this line, and no comment inside.
                if !matches!(self.byte(end), Some(b',' | b']' | b'}' | b':')) {
                    return Err(Bail);
                }
                let trimmed = at
                    + self.bytes[at..end]
                        .iter()
                        .rposition(|&b| b != b' ')
                        .map_or(0, |i| i + 1);
                Ok((self.plain(at, trimmed), end))
            }
            _ => Err(Bail),
        }
    }

    fn skip_spaces(&self, mut at: usize) -> usize {
        while self.byte(at) == Some(b' ') {
            at += 1;
        }
        at
    }
}

fn line_end(bytes: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &bytes[from..]).map_or(bytes.len(), |i| from + i)
}

/// Characters a plain scalar may start with here (YAML allows more; the rest go to the
/// event parser).
fn starts_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'_' | b'.' | b'/' | b'$' | b'~' | b'(' | b'+' | b'=' | b'^' | b'<'
        )
}
