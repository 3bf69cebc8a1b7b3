//! How the REPL shows what an entry returned: scalars as Lua writes them, tables nested and
//! indented with sorted keys, lists of records (MAAS machines, subnets, ...) as rows under
//! column headers, and errors as one block with their MAAS details.

use std::ffi::c_void;
use std::fmt::Write as _;

use mlua::{Table, Value};

use crate::maas::MaasError;
use crate::runtime::errors;

/// Items of a list shown before the rest is only counted.
const LIST_LIMIT: usize = 20;
/// Rows of a record table shown before the rest is only counted.
const ROW_LIMIT: usize = 50;
/// Nesting shown before a deeper table is abbreviated.
const DEPTH_LIMIT: usize = 8;
/// A table whose items fit in this many characters is written on one line.
const INLINE_WIDTH: usize = 72;
/// Widest cell of a record table; longer text is cut.
const CELL_WIDTH: usize = 40;
/// Most columns a record table has; records with more fields are shown nested.
const MAX_COLUMNS: usize = 8;
/// Most characters of a MAAS error body shown.
const BODY_LIMIT: usize = 2000;

/// The columns of a list of MAAS machines: (header, field).
const MACHINE_COLUMNS: [(&str, &str); 4] = [
    ("hostname", "hostname"),
    ("system_id", "system_id"),
    ("status", "status_name"),
    ("power", "power_state"),
];

const KEYWORDS: [&str; 22] = [
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in", "local",
    "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
];

/// Whether `s` can be written bare as a field name (`t.s`).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&s)
}

/// Lua's reserved words, which are names the completer offers too.
pub fn keywords() -> &'static [&'static str] {
    &KEYWORDS
}

/// What an entry returned, as the REPL prints it: several values separated by tabs (one
/// per line when any spans lines). A string alone is printed as it is, unquoted.
pub fn values(values: &[Value]) -> String {
    if let [Value::String(s)] = values {
        return s.to_string_lossy();
    }
    let shown: Vec<String> = values.iter().map(value).collect();
    let sep = if shown.iter().any(|s| s.contains('\n')) {
        "\n"
    } else {
        "\t"
    };
    shown.join(sep)
}

/// One value: a list of records as rows and columns, anything else nested.
pub fn value(v: &Value) -> String {
    if let Value::Table(t) = v
        && let Some(rows) = record_table(t)
    {
        return rows;
    }
    Nested::default().value(v, 0)
}

/// A table's own entries, in key order; a read-only proxy (no entries, an `__index` table,
/// as `drydock` and its modules are) shows the table it stands for.
fn entries(t: &Table) -> Vec<(Value, Value)> {
    let mut out: Vec<(Value, Value)> = t.pairs::<Value, Value>().filter_map(Result::ok).collect();
    if out.is_empty()
        && let Some(Value::Table(inner)) = t.metatable().and_then(|m| m.raw_get("__index").ok())
    {
        out = inner.pairs::<Value, Value>().filter_map(Result::ok).collect();
    }
    out.sort_by_key(|(k, _)| key_order(k));
    out
}

/// Integer keys first in numeric order, then names alphabetically, then anything else.
fn key_order(k: &Value) -> (u8, i64, String) {
    match k {
        Value::Integer(i) => (0, *i, String::new()),
        Value::String(s) => (1, 0, s.to_string_lossy()),
        other => (2, 0, scalar(other)),
    }
}

/// The values of `t` if it is a non-empty sequence `{v1, v2, ...}` and nothing else.
fn sequence(entries: &[(Value, Value)]) -> Option<Vec<&Value>> {
    if entries.is_empty() {
        return None;
    }
    let mut items = Vec::with_capacity(entries.len());
    for (n, (k, v)) in entries.iter().enumerate() {
        if *k != Value::Integer(n as i64 + 1) {
            return None;
        }
        items.push(v);
    }
    Some(items)
}

/// A value that is not a table, written as Lua source would (strings quoted).
fn scalar(v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        Value::Boolean(b) => b.to_string(),
        Value::Integer(i) => i.to_string(),
        // Debug keeps the point of whole floats (1.0), as Lua does.
        Value::Number(n) => format!("{n:?}"),
        Value::String(s) => format!("{:?}", s.to_string_lossy()),
        v if v.is_null() => "null".into(),
        Value::Function(_) => "<function>".into(),
        Value::Thread(_) => "<coroutine>".into(),
        // Handles describe themselves (`maas client http://...`); none shows a secret.
        Value::UserData(_) => match v.to_string() {
            Ok(s) => format!("<{s}>"),
            Err(_) => "<userdata>".into(),
        },
        Value::Error(e) => format!("<error: {}>", errors::describe(e).message),
        other => format!("<{}>", other.type_name()),
    }
}

/// Writes tables as indented Lua constructors, with cycles and depth cut short.
#[derive(Default)]
struct Nested {
    /// The tables being written, outermost first: meeting one again is a cycle.
    open: Vec<*const c_void>,
}

impl Nested {
    fn value(&mut self, v: &Value, indent: usize) -> String {
        match v {
            Value::Table(t) => self.table(t, indent),
            other => scalar(other),
        }
    }

    fn table(&mut self, t: &Table, indent: usize) -> String {
        let ptr = t.to_pointer();
        if self.open.contains(&ptr) {
            return "<cycle>".into();
        }
        if self.open.len() >= DEPTH_LIMIT {
            return "{...}".into();
        }
        let entries = entries(t);
        if entries.is_empty() {
            return "{}".into();
        }
        self.open.push(ptr);
        let list = sequence(&entries);
        let shown = if list.is_some() {
            entries.len().min(LIST_LIMIT)
        } else {
            entries.len()
        };
        let items: Vec<String> = entries[..shown]
            .iter()
            .map(|(k, v)| {
                let v = self.value(v, indent + 1);
                if list.is_some() {
                    v
                } else {
                    format!("{} = {v}", key(k))
                }
            })
            .collect();
        self.open.pop();
        let rest = entries.len() - shown;
        let more = (rest > 0).then(|| format!("... {rest} more ({} in all)", entries.len()));
        let one_line = items.iter().map(|i| i.len() + 2).sum::<usize>() + 2;
        if more.is_none() && !items.iter().any(|i| i.contains('\n')) && one_line + indent * 2 <= INLINE_WIDTH
        {
            return format!("{{ {} }}", items.join(", "));
        }
        let pad = "  ".repeat(indent + 1);
        let mut out = String::from("{\n");
        for item in &items {
            let _ = writeln!(out, "{pad}{item},");
        }
        if let Some(more) = more {
            let _ = writeln!(out, "{pad}{more}");
        }
        out.push_str(&"  ".repeat(indent));
        out.push('}');
        out
    }
}

/// A table key as written in a constructor: `name`, `["odd key"]`, `[3]`.
fn key(k: &Value) -> String {
    match k {
        Value::String(s) if is_identifier(&s.to_string_lossy()) => s.to_string_lossy(),
        other => format!("[{}]", scalar(other)),
    }
}

/// A list of MAAS machines (tables with `hostname` and `system_id`) under the columns
/// hostname, system_id, status, power; another list of flat records (scalar fields only,
/// few of them) under its field names; `None` for anything else.
pub fn record_table(t: &Table) -> Option<String> {
    let list = entries(t);
    let items = sequence(&list)?;
    let records: Vec<Vec<(Value, Value)>> = items
        .iter()
        .map(|v| match v {
            Value::Table(r) => Some(entries(r)),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let field = |r: &[(Value, Value)], name: &str| {
        r.iter()
            .find(|(k, _)| matches!(k, Value::String(s) if s == name))
            .map(|(_, v)| v.clone())
    };
    let machines = records.iter().all(|r| {
        matches!(field(r, "hostname"), Some(Value::String(_)))
            && matches!(field(r, "system_id"), Some(Value::String(_)))
    });
    let columns: Vec<(String, String)> = if machines {
        MACHINE_COLUMNS
            .iter()
            .map(|(h, f)| (h.to_string(), f.to_string()))
            .collect()
    } else {
        flat_columns(&records)?
    };
    let mut rows = vec![columns.iter().map(|(h, _)| h.clone()).collect::<Vec<_>>()];
    for r in records.iter().take(ROW_LIMIT) {
        rows.push(
            columns
                .iter()
                .map(|(_, f)| field(r, f).map_or_else(String::new, |v| cell(&v)))
                .collect(),
        );
    }
    let mut widths = vec![0; columns.len()];
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (c, w) in row.iter().zip(&widths) {
            let _ = write!(line, "{c:<w$}  ");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let rest = records.len().saturating_sub(ROW_LIMIT);
    if rest > 0 {
        let _ = writeln!(out, "... {rest} more ({} in all)", records.len());
    }
    out.pop();
    Some(out)
}

/// The columns of records whose fields are all scalars with names: `id` and `name` first,
/// then the others alphabetically; `None` when a field is a table or there are too many.
fn flat_columns(records: &[Vec<(Value, Value)>]) -> Option<Vec<(String, String)>> {
    let mut names: Vec<String> = Vec::new();
    for r in records {
        for (k, v) in r {
            let Value::String(k) = k else { return None };
            if matches!(v, Value::Table(_) | Value::Function(_) | Value::UserData(_)) {
                return None;
            }
            let k = k.to_string_lossy();
            if !names.contains(&k) {
                names.push(k);
            }
        }
    }
    if names.is_empty() || names.len() > MAX_COLUMNS {
        return None;
    }
    names.sort_by_key(|n| (n != "id", n != "name", n.clone()));
    Some(names.into_iter().map(|n| (n.clone(), n)).collect())
}

/// A value in a record table: strings unquoted, cut to the cell width.
fn cell(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.to_string_lossy(),
        other => scalar(other),
    };
    let text = text.replace(['\n', '\t'], " ");
    if text.chars().count() <= CELL_WIDTH {
        return text;
    }
    let cut: String = text.chars().take(CELL_WIDTH - 3).collect();
    format!("{cut}...")
}

/// An error as one block: the message, then for a MAAS error the fields
/// `drydock.error.info` gives scripts (kind, status, method, path, op, body), then the
/// Lua traceback.
pub fn error(e: &mlua::Error) -> String {
    let info = errors::describe(e);
    let mut out = format!("error: {}", info.message);
    if let Some(call) = &info.maas {
        // The transport-level kind (http, connect, timeout, ...) says more than "maas".
        let kind = match e.downcast_ref::<MaasError>() {
            Some(m) => format!("maas ({})", format!("{:?}", m.kind).to_lowercase()),
            None => info.kind.to_string(),
        };
        let status = call.status.map_or_else(|| "-".to_string(), |s| s.to_string());
        let mut rows = vec![
            ("kind", kind),
            ("status", status),
            ("method", call.method.clone()),
            ("path", call.path.clone()),
        ];
        if let Some(op) = &call.op {
            rows.push(("op", op.clone()));
        }
        rows.push(("retryable", info.retryable.to_string()));
        if call.attempts > 1 {
            rows.push(("attempts", call.attempts.to_string()));
        }
        rows.push(("body", body(&call.body)));
        for (name, text) in rows {
            let text = text.replace('\n', &format!("\n{:13}", ""));
            let _ = write!(out, "\n  {name:<10} {text}");
        }
    }
    if let Some(tb) = info.traceback {
        let _ = write!(out, "\n{tb}");
    }
    out
}

/// A MAAS answer body, trimmed and cut to a readable length.
fn body(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return "(empty)".into();
    }
    let count = text.chars().count();
    if count <= BODY_LIMIT {
        return text.to_string();
    }
    let cut: String = text.chars().take(BODY_LIMIT).collect();
    format!("{cut}\n... {} more characters", count - BODY_LIMIT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlua::Lua;

    fn eval(lua: &Lua, code: &str) -> Value {
        lua.load(code).eval().unwrap()
    }

    #[test]
    fn tables_are_nested_with_sorted_keys() {
        let lua = Lua::new();
        let v = eval(
            &lua,
            r#"return {zeta = 1, alpha = "a", ["odd key"] = true, list = {1, 2.5, "x"},
                       deep = {inner = {n = 1}, tags = {}}}"#,
        );
        assert_eq!(
            value(&v),
            "{\n  alpha = \"a\",\n  deep = { inner = { n = 1 }, tags = {} },\n  list = { 1, 2.5, \"x\" },\n  [\"odd key\"] = true,\n  zeta = 1,\n}"
        );
    }

    #[test]
    fn long_lists_are_cut_with_a_count() {
        let lua = Lua::new();
        let v = eval(
            &lua,
            "local t = {} for i = 1, 30 do t[i] = i * 1000000 end return t",
        );
        let shown = value(&v);
        assert!(shown.contains("  20000000,\n"), "{shown}");
        assert!(!shown.contains("21000000"), "{shown}");
        assert!(shown.ends_with("  ... 10 more (30 in all)\n}"), "{shown}");
    }

    #[test]
    fn cycles_and_scalars_do_not_loop() {
        let lua = Lua::new();
        let v = eval(&lua, "local t = {name = 'loop'} t.self = t return t");
        assert_eq!(value(&v), "{ name = \"loop\", self = <cycle> }");
        assert_eq!(value(&Value::Number(1.0)), "1.0");
        assert_eq!(value(&Value::NULL), "null");
        assert_eq!(values(&[Value::Integer(1), Value::Boolean(false)]), "1\tfalse");
        let s = Value::String(lua.create_string("plain text").unwrap());
        assert_eq!(values(&[s]), "plain text");
    }

    #[test]
    fn machines_are_rows_under_four_columns() {
        let lua = Lua::new();
        let v = eval(
            &lua,
            r#"return {
                {hostname = "cmp01", system_id = "4y3h7n", status_name = "Ready",
                 power_state = "off", interface_set = {{id = 1}}},
                {hostname = "controller-long-name", system_id = "8ab2cd", status_name = "Deployed"},
            }"#,
        );
        assert_eq!(
            value(&v),
            "hostname              system_id  status    power\n\
             cmp01                 4y3h7n     Ready     off\n\
             controller-long-name  8ab2cd     Deployed"
        );
    }

    #[test]
    fn flat_records_are_rows_and_nested_ones_are_not() {
        let lua = Lua::new();
        let flat = eval(
            &lua,
            r#"return {{name = "oob", vid = 0, id = 3}, {name = "pxe", vid = 100, id = 4, mtu = 1500}}"#,
        );
        assert_eq!(
            value(&flat),
            "id  name  mtu   vid\n3   oob         0\n4   pxe   1500  100"
        );
        let nested = eval(&lua, r#"return {{name = "a", tags = {"x"}}}"#);
        assert!(record_table(nested.as_table().unwrap()).is_none());
        let many = eval(&lua, "local t = {} for i = 1, 60 do t[i] = {id = i} end return t");
        let shown = value(&many);
        assert!(shown.ends_with("50\n... 10 more (60 in all)"), "{shown}");
    }

    #[test]
    fn read_only_modules_show_what_they_stand_for() {
        let lua = Lua::new();
        let v = eval(
            &lua,
            "return setmetatable({}, {__index = {answer = 42}, __metatable = false})",
        );
        assert_eq!(value(&v), "{ answer = 42 }");
    }

    #[test]
    fn maas_errors_show_their_details() {
        let e = mlua::Error::external(MaasError {
            kind: crate::maas::ErrorKind::Http,
            method: "GET".into(),
            path: "machines/nope/".into(),
            op: None,
            status: Some(404),
            body: "No Machine matches the given query.".into(),
            attempts: 1,
        });
        let shown = error(&e);
        assert!(
            shown.starts_with("error: MAAS GET machines/nope/: HTTP 404: No Machine matches"),
            "{shown}"
        );
        assert!(shown.contains("\n  status     404"), "{shown}");
        assert!(shown.contains("\n  path       machines/nope/"), "{shown}");
        assert!(
            shown.contains("\n  body       No Machine matches the given query."),
            "{shown}"
        );
        assert!(!shown.contains("\n  op "), "{shown}");
    }
}
