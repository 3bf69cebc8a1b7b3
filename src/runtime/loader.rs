//! Where Lua code comes from: the site directory first (`--site-dir`), then the scripts and
//! stdlib embedded in the binary. One resolver for actions, modules and site rules, so
//! `drydock scripts` can say where each name resolves.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

static SCRIPTS: Dir = include_dir!("$CARGO_MANIFEST_DIR/scripts");
static STDLIB: Dir = include_dir!("$CARGO_MANIFEST_DIR/stdlib");

/// Lua source and the chunk name tracebacks will show.
#[derive(Debug, Clone)]
pub struct Source {
    /// `@scripts/<action>.lua` for shipped code, `@<site-dir>/...` for site code.
    pub chunk_name: String,
    pub code: String,
    pub origin: Origin,
}

impl Source {
    /// The file name as messages show it (the chunk name without Lua's `@`).
    pub fn name(&self) -> &str {
        self.chunk_name.strip_prefix('@').unwrap_or(&self.chunk_name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Site(PathBuf),
    Shipped,
}

#[derive(Debug, Clone, Default)]
pub struct Loader {
    site_dir: Option<PathBuf>,
}

fn shipped(dir: &'static Dir<'static>, prefix: &str, rel: &str) -> Option<Source> {
    let code = dir.get_file(rel)?.contents_utf8()?.to_string();
    Some(Source {
        chunk_name: format!("@{prefix}/{rel}"),
        code,
        origin: Origin::Shipped,
    })
}

fn site_file(path: &Path) -> std::io::Result<Option<Source>> {
    match std::fs::read_to_string(path) {
        Ok(code) => Ok(Some(Source {
            chunk_name: format!("@{}", path.display()),
            code,
            origin: Origin::Site(path.to_path_buf()),
        })),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
    }
}

/// `a.b` -> `a/b.lua`; names that could escape the directory are refused.
fn module_path(name: &str) -> Option<String> {
    let ok = !name.is_empty()
        && name.split('.').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        });
    ok.then(|| format!("{}.lua", name.replace('.', "/")))
}

impl Loader {
    pub fn new(site_dir: Option<PathBuf>) -> Self {
        Loader { site_dir }
    }

    /// The loader of a runtime's Lua state.
    pub fn of(lua: &mlua::Lua) -> Loader {
        lua.app_data_ref::<Loader>()
            .map(|l| l.clone())
            .unwrap_or_default()
    }

    pub fn site_dir(&self) -> Option<&Path> {
        self.site_dir.as_deref()
    }

    /// An action script: `<site-dir>/scripts/<name>.lua`, else the shipped one.
    pub fn action(&self, name: &str) -> std::io::Result<Option<Source>> {
        let Some(rel) = module_path(name) else {
            return Ok(None);
        };
        if let Some(dir) = &self.site_dir
            && let Some(src) = site_file(&dir.join("scripts").join(&rel))?
        {
            return Ok(Some(src));
        }
        Ok(Self::stock(name))
    }

    /// The shipped action, whatever the site overrides (for `drydock.stock`).
    pub fn stock(name: &str) -> Option<Source> {
        shipped(&SCRIPTS, "scripts", &module_path(name)?)
    }

    /// The names of the shipped actions (`scripts/*.lua`), sorted.
    pub fn shipped_actions() -> Vec<String> {
        let mut names: Vec<String> = SCRIPTS
            .files()
            .filter_map(|f| f.path().to_str()?.strip_suffix(".lua").map(str::to_string))
            .collect();
        names.sort();
        names
    }

    /// A stdlib module for `require`: `<site-dir>/stdlib/<a/b>.lua`, else the shipped one.
    pub fn module(&self, name: &str) -> std::io::Result<Option<Source>> {
        let Some(rel) = module_path(name) else {
            return Ok(None);
        };
        if let Some(dir) = &self.site_dir
            && let Some(src) = site_file(&dir.join("stdlib").join(&rel))?
        {
            return Ok(Some(src));
        }
        Ok(shipped(&STDLIB, "stdlib", &rel))
    }

    /// Site rule files `<site-dir>/rules/<id>.lua`, sorted by id.
    pub fn site_rules(&self) -> std::io::Result<Vec<(String, Source)>> {
        let Some(dir) = &self.site_dir else {
            return Ok(Vec::new());
        };
        let rules_dir = dir.join("rules");
        let entries = match std::fs::read_dir(&rules_dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(std::io::Error::new(
                    e.kind(),
                    format!("{}: {e}", rules_dir.display()),
                ));
            }
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "lua"))
            .collect();
        paths.sort();
        let mut out = Vec::new();
        for p in paths {
            let id = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if let Some(src) = site_file(&p)? {
                out.push((id, src));
            }
        }
        Ok(out)
    }

    /// Every action, stdlib module and site rule, with where it resolves.
    pub fn inventory(&self) -> std::io::Result<Vec<(&'static str, String, Origin)>> {
        let mut out = Vec::new();
        for (kind, dir, sub) in [("action", &SCRIPTS, "scripts"), ("module", &STDLIB, "stdlib")] {
            let mut names: Vec<String> = Vec::new();
            collect_lua(dir, &mut names);
            if let Some(site) = &self.site_dir {
                collect_site_lua(&site.join(sub), &site.join(sub), &mut names);
            }
            // The LuaLS annotations are not modules.
            names.retain(|n| !n.starts_with("types."));
            names.sort();
            names.dedup();
            for name in names {
                let src = if kind == "action" {
                    self.action(&name)?
                } else {
                    self.module(&name)?
                };
                out.push((kind, name, src.map_or(Origin::Shipped, |s| s.origin)));
            }
        }
        for (id, src) in self.site_rules()? {
            out.push(("rule", id, src.origin));
        }
        Ok(out)
    }
}

fn collect_lua(dir: &Dir, out: &mut Vec<String>) {
    for f in dir.files() {
        let p = f.path();
        if p.extension().is_some_and(|x| x == "lua") {
            out.push(p.with_extension("").to_string_lossy().replace('/', "."));
        }
    }
    for d in dir.dirs() {
        collect_lua(d, out);
    }
}

fn collect_site_lua(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_site_lua(root, &p, out);
        } else if p.extension().is_some_and(|x| x == "lua")
            && let Ok(rel) = p.with_extension("").strip_prefix(root)
        {
            out.push(rel.to_string_lossy().replace(std::path::MAIN_SEPARATOR, "."));
        }
    }
}
