//! Every name the Lua bindings export is declared in the LuaLS annotations under
//! `stdlib/types/`, so editors complete and check site scripts.

use std::path::Path;

fn read_dir(dir: &Path) -> String {
    let mut out = String::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        out.push_str(&std::fs::read_to_string(&p).unwrap());
    }
    out
}

/// Names in `.set("name"` / `add_method("name"` / `add_function("name"` calls, however
/// rustfmt wrapped them.
fn exported(src: &str) -> Vec<String> {
    let mut names = Vec::new();
    for pat in [".set(", "add_method(", "add_async_method(", "add_function("] {
        for piece in src.split(pat).skip(1) {
            let Some(rest) = piece.trim_start().strip_prefix('"') else {
                continue;
            };
            let name = rest.split('"').next().unwrap_or_default();
            if !name.is_empty() && !name.starts_with("__") && !name.contains(' ') {
                names.push(name.to_string());
            }
        }
    }
    names
}

#[test]
fn every_binding_is_annotated() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let types = read_dir(&root.join("stdlib/types"));
    assert!(types.contains("---@meta"));
    let bindings = read_dir(&root.join("src/runtime/bindings"));
    let names = exported(&bindings);
    assert!(names.len() > 25, "found only {names:?}");
    // Keys set on values the bindings build (not API names).
    let data_keys = [
        "id",
        "file",
        "action",
        "design",
        "options",
        "schema",
        "source",
        "__index",
        "__newindex",
        "__pairs",
        "__metatable",
    ];
    let missing: Vec<&String> = names
        .iter()
        .filter(|n| !data_keys.contains(&n.as_str()))
        .filter(|n| {
            let f = format!(".{n}(");
            let m = format!(":{n}(");
            let field = format!("---@field {n} ");
            let optional = format!("---@field {n}? ");
            let global = format!("\n{n} = ");
            !(types.contains(&f)
                || types.contains(&m)
                || types.contains(&field)
                || types.contains(&optional)
                || types.contains(&global))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "bindings without annotations in stdlib/types: {missing:?}"
    );
}

/// Each typed MAAS call is declared as a `MaasClient` method taking its path arguments, then
/// `params` when it takes any.
#[test]
fn every_typed_maas_call_is_annotated_with_its_arguments() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let types = std::fs::read_to_string(root.join("stdlib/types/drydock.maas.lua")).unwrap();
    let mut missing = Vec::new();
    for call in drydock::maas::calls::all() {
        let mut args: Vec<&str> = call.path_args().collect();
        if !call.params.is_empty() {
            args.push("params");
        }
        let signature = format!("function MaasClient:{}({}) end", call.name, args.join(", "));
        if !types.contains(&signature) {
            missing.push(signature);
        }
    }
    assert!(
        missing.is_empty(),
        "not in stdlib/types/drydock.maas.lua:\n{}",
        missing.join("\n")
    );
}

/// The typed calls' part of `stdlib/types/drydock.maas.lua` is rendered from the call table;
/// `DRYDOCK_UPDATE_TYPES=1` rewrites it instead of failing.
#[test]
fn maas_call_annotations_are_generated_from_the_call_table() {
    use drydock::maas::lua_types;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib/types/drydock.maas.lua");
    let text = std::fs::read_to_string(&path).unwrap();
    let want = lua_types::splice(&text, &lua_types::calls_section()).unwrap_or_else(|| {
        panic!(
            "{} lacks the `{}` … `{}` markers",
            path.display(),
            lua_types::BEGIN,
            lua_types::END
        )
    });
    check_generated(&path, &text, &want);
}

/// Fails when `path` does not hold `want`, showing the first differing line and the command
/// that updates it; with `DRYDOCK_UPDATE_TYPES` set, writes `want` instead.
fn check_generated(path: &Path, have: &str, want: &str) {
    if have == want {
        return;
    }
    if std::env::var_os("DRYDOCK_UPDATE_TYPES").is_some() {
        std::fs::write(path, want).unwrap();
        return;
    }
    let (line, (h, w)) = have
        .lines()
        .chain(std::iter::repeat(""))
        .zip(want.lines().chain(std::iter::repeat("")))
        .enumerate()
        .find(|(_, (h, w))| h != w)
        .unwrap_or((0, ("", "")));
    panic!(
        "{} is out of date at line {}:\n  has:  {h}\n  want: {w}\n\
         update it with: DRYDOCK_UPDATE_TYPES=1 cargo test --test lua_types",
        path.display(),
        line + 1
    );
}

/// Each answer model a generated call returns is a class of the hand-written model part.
#[test]
fn every_answer_model_has_a_class() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let types = std::fs::read_to_string(root.join("stdlib/types/drydock.maas.lua")).unwrap();
    let mut missing = Vec::new();
    for call in drydock::maas::calls::all() {
        let lua = drydock::maas::lua_types::lua_type(call.answer);
        let class = lua.trim_end_matches(['?', ']', '[']);
        let declared = format!("---@class {class}\n");
        if class.starts_with("drydock.maas.") && !types.contains(&declared) {
            missing.push(format!("{} -> {class}", call.name));
        }
    }
    assert!(missing.is_empty(), "answer models without a class: {missing:?}");
}

/// `drydock.yml`, the standard library selene lints the Lua with, is read from a live
/// runtime; `DRYDOCK_UPDATE_TYPES=1` rewrites it instead of failing.
#[test]
fn selene_std_is_generated_from_the_runtime() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("drydock.yml");
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    let want = drydock::runtime::selene_std::render().unwrap();
    check_generated(&path, &have, &want);
}
