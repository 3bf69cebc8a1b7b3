//! Tab completion from the live Lua state: global names (and Lua's keywords) for a bare
//! word; after `a.b.` or `a:` the fields and methods of that value. Values are found by
//! walking tables and the `__index` table of their metatable, which is where the read-only
//! `drydock` modules keep their functions and where userdata (the MAAS client, a design)
//! keep their methods. Completing never calls Lua code, so it has no side effects.

use mlua::{Lua, Table, Value};

use super::show::{is_identifier, keywords};

/// Links of `__index` tables followed; guards against a metatable chain that loops.
const MAX_CHAIN: usize = 8;

/// The word being completed at the cursor. `drydock.maas.con` is path `["drydock", "maas"]`
/// and prefix `con`; `maas:machi` is path `["maas"]`, method, prefix `machi`.
#[derive(Debug, PartialEq, Eq)]
pub struct Target<'a> {
    /// Byte offset where the name being completed starts: what a candidate replaces.
    pub start: usize,
    /// The names leading to the value whose members are wanted; empty for a global.
    pub path: Vec<&'a str>,
    /// After `:`, where only functions can be called.
    pub method: bool,
    pub prefix: &'a str,
}

/// What to complete in `line` with the cursor at byte `pos`; `None` where no name is being
/// typed (inside a string, after a number or a call).
pub fn target(line: &str, pos: usize) -> Option<Target<'_>> {
    let before = line.get(..pos)?;
    let begin = before
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == ':'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    if in_string(&before[..begin]) {
        return None;
    }
    let word = &before[begin..];
    let (path, method, prefix) = match word.rfind(['.', ':']) {
        Some(i) => {
            let path: Vec<&str> = word[..i].split('.').collect();
            if !path.iter().all(|p| is_identifier(p)) {
                return None;
            }
            (path, word[i..].starts_with(':'), &word[i + 1..])
        }
        None => (Vec::new(), false, word),
    };
    if prefix.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some(Target {
        start: pos - prefix.len(),
        path,
        method,
        prefix,
    })
}

/// Whether `code` ends inside a quoted string (an open `"` or `'`).
fn in_string(code: &str) -> bool {
    let mut open: Option<char> = None;
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        match (open, c) {
            (Some(_), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => open = None,
            (None, '"' | '\'') => open = Some(c),
            _ => {}
        }
    }
    open.is_some()
}

/// The names that complete `target`, sorted.
pub fn candidates(lua: &Lua, target: &Target) -> Vec<String> {
    let mut names: Vec<String> = match target.path.split_first() {
        None => {
            let mut names: Vec<String> = named_fields(&lua.globals()).map(|(k, _)| k).collect();
            names.extend(keywords().iter().map(|k| k.to_string()));
            names
        }
        Some((first, rest)) => match walk(lua, first, rest) {
            Some(value) => members(lua, &value)
                .into_iter()
                .filter(|(_, v)| !target.method || matches!(v, Value::Function(_)))
                .map(|(k, _)| k)
                .collect(),
            None => return Vec::new(),
        },
    };
    // Metamethods and private names only when asked for.
    let hidden = |n: &str| n.starts_with("__") && !target.prefix.starts_with("__");
    names.retain(|n| n.starts_with(target.prefix) && !hidden(n));
    names.sort();
    names.dedup();
    names
}

/// The fields and methods of global `name` that completion offers, with their values
/// (`.help` lists the `drydock` modules with it).
pub fn members_of_global(lua: &Lua, name: &str) -> Vec<(String, Value)> {
    walk(lua, name, &[]).map_or_else(Vec::new, |v| members(lua, &v))
}

/// The named fields of `value`, through its `__index` tables.
fn members(lua: &Lua, value: &Value) -> Vec<(String, Value)> {
    lookup_chain(lua, value).iter().flat_map(named_fields).collect()
}

/// The value at `first.rest[0].rest[1]...`, looked up without running metamethods.
fn walk(lua: &Lua, first: &str, rest: &[&str]) -> Option<Value> {
    let mut value: Value = lua.globals().raw_get(first).ok()?;
    for name in rest {
        value = lookup_chain(lua, &value)
            .iter()
            .map(|t| t.raw_get::<Value>(*name).unwrap_or(Value::Nil))
            .find(|v| !v.is_nil())?;
    }
    (!value.is_nil()).then_some(value)
}

/// The tables a field of `value` is looked up in: a table and its `__index` tables; a
/// userdata's `__index` table (its methods); for a string, the `string` library.
fn lookup_chain(lua: &Lua, value: &Value) -> Vec<Table> {
    let mut next = match value {
        Value::Table(t) => Some(t.clone()),
        Value::UserData(ud) => match ud.metatable().and_then(|m| m.get::<Value>("__index")) {
            Ok(Value::Table(t)) => Some(t),
            _ => None,
        },
        Value::String(_) => lua.globals().raw_get::<Option<Table>>("string").ok().flatten(),
        _ => None,
    };
    let mut chain = Vec::new();
    while let Some(t) = next.take() {
        if chain.len() == MAX_CHAIN {
            break;
        }
        next = match t.metatable().map(|m| m.raw_get::<Value>("__index")) {
            Some(Ok(Value::Table(inner))) => Some(inner),
            _ => None,
        };
        chain.push(t);
    }
    chain
}

/// The fields of `t` whose names can be typed after `.` or `:`.
fn named_fields(t: &Table) -> impl Iterator<Item = (String, Value)> + '_ {
    t.pairs::<Value, Value>()
        .filter_map(Result::ok)
        .filter_map(|(k, v)| match k {
            Value::String(s) => Some((s.to_string_lossy(), v)),
            _ => None,
        })
        .filter(|(k, _)| is_identifier(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(line: &str) -> Option<Target<'_>> {
        target(line, line.len())
    }

    #[test]
    fn the_word_at_the_cursor_is_split_into_path_and_prefix() {
        assert_eq!(
            t("x = drydock.maas.con"),
            Some(Target {
                start: 17,
                path: vec!["drydock", "maas"],
                method: false,
                prefix: "con"
            })
        );
        assert_eq!(
            t("maas:machi"),
            Some(Target {
                start: 5,
                path: vec!["maas"],
                method: true,
                prefix: "machi"
            })
        );
        assert_eq!(
            t("print(dry"),
            Some(Target {
                start: 6,
                path: vec![],
                method: false,
                prefix: "dry"
            })
        );
        assert_eq!(
            t("_."),
            Some(Target {
                start: 2,
                path: vec!["_"],
                method: false,
                prefix: ""
            })
        );
        // Cursor in the middle of a line: only what is before it counts.
        assert_eq!(target("drydock.lo + 1", 10).map(|t| t.prefix), Some("lo"));
    }

    #[test]
    fn no_completion_inside_strings_numbers_or_after_calls() {
        assert_eq!(t("print(\"drydock.ma"), None);
        assert_eq!(t("x = 'it''s drydock.ma"), None);
        assert!(t("x = 'a\\'b' .. drydock.ma").is_some());
        assert_eq!(t("x = 1.5"), None);
        assert_eq!(t("f().na"), None);
        assert_eq!(t("a..b"), None);
        assert_eq!(t("a:b.c"), None);
    }

    fn complete(lua: &Lua, line: &str) -> Vec<String> {
        candidates(lua, &t(line).unwrap())
    }

    #[test]
    fn globals_fields_and_methods_come_from_the_live_state() {
        let lua = Lua::new();
        lua.load(
            r#"
            record = {hostname = "cmp01", system_id = "abc", nested = {deep = 1}}
            class = setmetatable({}, {__index = {method = function() end, constant = 1}})
            _ = record
            text = "x"
            "#,
        )
        .exec()
        .unwrap();
        assert_eq!(complete(&lua, "rec"), ["record"]);
        assert_eq!(complete(&lua, "ret"), ["return"]);
        assert_eq!(complete(&lua, "record."), ["hostname", "nested", "system_id"]);
        assert_eq!(complete(&lua, "record.nested.d"), ["deep"]);
        assert_eq!(complete(&lua, "class."), ["constant", "method"]);
        assert_eq!(complete(&lua, "class:"), ["method"]);
        assert_eq!(complete(&lua, "_.sys"), ["system_id"]);
        assert_eq!(complete(&lua, "text:upp"), ["upper"]);
        assert!(complete(&lua, "missing.x").is_empty());
        assert!(complete(&lua, "record.hostname.x").is_empty());
    }

    #[test]
    fn the_drydock_api_and_its_handles_complete() {
        let rt = crate::runtime::Runtime::new(None).unwrap();
        let lua = rt.lua();
        lua.load(
            r#"maas = drydock.maas.connect{url = "http://127.0.0.1:9/MAAS",
                                           api_key = "aaaa:bbbb:cccc"}"#,
        )
        .exec()
        .unwrap();
        assert_eq!(complete(lua, "drydock.maas.con"), ["connect"]);
        assert!(complete(lua, "drydock.").contains(&"design".to_string()));
        assert_eq!(complete(lua, "maas:machi"), ["machine", "machines"]);
        let methods = complete(lua, "maas:");
        for name in ["get", "post", "put", "delete", "create_subnet", "fabrics"] {
            assert!(
                methods.contains(&name.to_string()),
                "{name} missing from {methods:?}"
            );
        }
        assert!(!methods.iter().any(|m| m.starts_with("__")), "{methods:?}");
    }
}
