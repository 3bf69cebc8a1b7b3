//! The typed calls' LuaLS annotations (`stdlib/types/drydock.maas.lua`), rendered from the
//! call table so editors see exactly the calls, path arguments, parameters and answer models
//! the client has. `tests/lua_types.rs` keeps the committed file equal to this rendering.

use std::fmt::Write;

use super::calls::{self, Call};

/// Opens the generated part of the annotation file.
pub const BEGIN: &str = "-- BEGIN GENERATED: typed calls";
/// Closes it.
pub const END: &str = "-- END GENERATED";

/// The generated section, markers included.
pub fn calls_section() -> String {
    let mut out = format!(
        "{BEGIN}, from the calls! tables in src/maas/resources/.\n\
         -- Edit those, then: DRYDOCK_UPDATE_TYPES=1 cargo test --test lua_types\n"
    );
    for (family, calls) in calls::families() {
        let _ = write!(out, "\n-- {}\n", family.replace('_', " "));
        for call in calls {
            out.push('\n');
            render(&mut out, call);
        }
    }
    out.push_str(END);
    out.push('\n');
    out
}

/// `text` with the part between [`BEGIN`] and [`END`] (their lines included) replaced by
/// `section`; `None` when the markers are missing.
pub fn splice(text: &str, section: &str) -> Option<String> {
    let start = text.find(BEGIN)?;
    let end = start + text[start..].find(END)?;
    let after = text[end..].find('\n').map_or(text.len(), |n| end + n + 1);
    Some(format!("{}{section}{}", &text[..start], &text[after..]))
}

fn render(out: &mut String, call: &Call) {
    let doc: Vec<&str> = call
        .doc
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if !doc.is_empty() {
        let _ = writeln!(out, "--- {}", doc.join(" "));
    }
    let _ = writeln!(out, "--- `{}`", call.describe());
    let mut args: Vec<&str> = call.path_args().collect();
    for arg in &args {
        let _ = writeln!(out, "---@param {arg} string|integer");
    }
    if !call.params.is_empty() {
        let _ = writeln!(out, "---@param params? {}", params_type(call.params));
        args.push("params");
    }
    let answer = lua_type(call.answer);
    if answer != "nil" {
        let _ = writeln!(out, "---@return {answer}");
    }
    let _ = writeln!(out, "function MaasClient:{}({}) end", call.name, args.join(", "));
}

/// The parameter table as a LuaLS table literal type; a `prefix_*` name opens the table to
/// any key, and the description says which.
fn params_type(params: &[&str]) -> String {
    let mut fields: Vec<String> = Vec::new();
    let mut prefixes: Vec<&str> = Vec::new();
    for p in params {
        match p.strip_suffix('*') {
            Some(prefix) => prefixes.push(prefix),
            None => fields.push(format!("{p}?: drydock.maas.Param")),
        }
    }
    if prefixes.is_empty() {
        return format!("{{{}}}", fields.join(", "));
    }
    fields.push("[string]: drydock.maas.Param".into());
    let names: Vec<String> = prefixes.iter().map(|p| format!("{p}<name>")).collect();
    format!("{{{}}} also any {}", fields.join(", "), names.join(", "))
}

/// The Lua type of an answer from its Rust spelling: lists, optionals and maps keep their
/// shape and a model type `T` is the class `drydock.maas.T` of the hand-written model part.
pub fn lua_type(rust: &str) -> String {
    let ty: String = rust.chars().filter(|c| !c.is_whitespace()).collect();
    let inner = |prefix: &str| {
        ty.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix('>'))
            .map(str::to_string)
    };
    if let Some(t) = inner("Vec<") {
        return format!("{}[]", lua_type(&t));
    }
    if let Some(t) = inner("Option<") {
        return format!("{}?", lua_type(&t));
    }
    if let Some(kv) = inner("BTreeMap<") {
        let (k, v) = kv.split_once(',').unwrap_or((&kv, "Value"));
        return format!("table<{}, {}>", lua_type(k), lua_type(v));
    }
    match ty.as_str() {
        "()" => "nil".into(),
        "bool" => "boolean".into(),
        "String" => "string".into(),
        "Value" | "serde_json::Value" => "any".into(),
        "u32" | "u64" | "i64" | "usize" => "integer".into(),
        model => format!("drydock.maas.{}", model.rsplit("::").next().unwrap_or(model)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_types_read_as_lua() {
        assert_eq!(lua_type("Vec<Machine>"), "drydock.maas.Machine[]");
        assert_eq!(lua_type("Option < Machine >"), "drydock.maas.Machine?");
        assert_eq!(lua_type("BTreeMap<String, Value>"), "table<string, any>");
        assert_eq!(lua_type("serde_json::Value"), "any");
        assert_eq!(lua_type("()"), "nil");
    }

    #[test]
    fn splice_replaces_only_the_section() {
        let text = format!("head\n{BEGIN} old\nold\n{END}\ntail\n");
        let new = format!("{BEGIN}\nnew\n{END}\n");
        assert_eq!(splice(&text, &new).unwrap(), format!("head\n{new}tail\n"));
        assert!(splice("no markers", &new).is_none());
    }
}
