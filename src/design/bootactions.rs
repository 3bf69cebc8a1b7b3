//! Boot actions for one node, rendered as Drydock renders them at deploy time: which
//! BootActions target the node (their `node_filter`, every node without one), and each asset
//! run through its `data_pipeline` — `utf8_decode`, `utf8_encode`, `base64_encode`,
//! `base64_decode` and `template` (Jinja, as Jinja2's default lenient undefined) — with the
//! node's context (`node.hostname`, `domain`, `tags`, `labels`, `network.<name>.{ip, cidr,
//! dns_suffix}`, `network.default`, `interfaces.<name>.{sriov, vf_count, trustedmode}`) and
//! the action's (`action.action_id`, `action_key`, `report_url`, `design_ref`).
//!
//! Assets fetched from a `location` are not rendered here: such an asset is refused, naming it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use indexmap::IndexMap;
use serde_json::{Map, Value as J, json};

use super::model::{AssetType, BootAction};
use super::site::{Node, Site};

/// Template work allowed per asset: a template that loops forever stops here.
const TEMPLATE_FUEL: u64 = 1_000_000;

/// What the action itself tells its templates.
#[derive(Debug, Clone, Default)]
pub struct ActionContext {
    pub action_id: String,
    pub action_key: String,
    pub report_url: String,
    pub design_ref: String,
}

/// One file or unit asset, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    pub kind: AssetType,
    pub path: String,
    /// File mode; Drydock's default is 0600.
    pub mode: u32,
    pub content: Vec<u8>,
}

/// One boot action for one node.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub name: String,
    pub action_id: String,
    pub signaling: bool,
    pub files: Vec<RenderedFile>,
    /// From `pkg_list` assets: package -> version (`None`: any).
    pub packages: IndexMap<String, Option<String>>,
}

/// The boot actions whose node filter selects `node` (every node without one).
pub fn targets<'a>(site: &'a Site, node: &str) -> Vec<&'a BootAction> {
    site.bootactions
        .iter()
        .filter(|scope| scope.target_nodes.iter().any(|n| n == node))
        .map(|scope| &scope.action)
        .collect()
}

/// What a deployment tells every boot action of a node: `design_ref` and `report_url` as
/// templates see them (`action.design_ref`, `action.report_url`), the node's report key
/// (`action.action_key`), and each action's id (`action.action_id`) by action name.
pub struct Delivery<'a> {
    pub design_ref: &'a str,
    pub report_url: &'a str,
    pub action_key: &'a str,
    pub action_id: &'a dyn Fn(&str) -> String,
}

/// Every boot action targeting `node`, rendered.
pub fn render_all(site: &Site, node: &Node, delivery: &Delivery<'_>) -> Result<Vec<Rendered>, String> {
    targets(site, &node.name)
        .into_iter()
        .map(|action| {
            let ctx = ActionContext {
                action_id: (delivery.action_id)(&action.name),
                action_key: delivery.action_key.to_string(),
                report_url: delivery.report_url.to_string(),
                design_ref: delivery.design_ref.to_string(),
            };
            render(site, node, action, &ctx).map_err(|e| format!("node {}: {e}", node.name))
        })
        .collect()
}

/// What a template sees of `node`.
pub fn node_context(site: &Site, node: &Node) -> J {
    let mut networks = Map::new();
    for a in &node.addressing {
        let network = site.network(&a.network);
        networks.insert(
            a.network.clone(),
            json!({
                "ip": a.address,
                "cidr": network.and_then(|n| n.cidr.clone()),
                "dns_suffix": network.map(|n| n.dns_domain.clone()),
            }),
        );
    }
    if let Some(primary) = node.config.primary_network.as_deref()
        && let Some(default) = networks.get(primary).cloned()
    {
        networks.insert("default".into(), default);
    }
    let mut interfaces = Map::new();
    for i in node.config.interfaces.iter() {
        interfaces.insert(
            i.name.clone(),
            json!({
                "sriov": i.sriov.is_some(),
                "vf_count": i.sriov.as_ref().map_or(0, |s| s.vf_count),
                "trustedmode": i.sriov.as_ref().is_some_and(|s| s.trustedmode),
            }),
        );
    }
    json!({
        "hostname": node.name,
        "domain": node.domain,
        "tags": node.config.tags.as_ref(),
        "labels": node.config.owner_data.as_ref(),
        "network": networks,
        "interfaces": interfaces,
    })
}

/// An asset's data between pipeline segments.
enum Data {
    Bytes(Vec<u8>),
    Text(String),
}

fn segment(name: &str, data: Data, context: &J) -> Result<Data, String> {
    Ok(match (name, data) {
        ("utf8_decode", Data::Bytes(b)) => {
            Data::Text(String::from_utf8(b).map_err(|e| format!("utf8_decode: not UTF-8 ({e})"))?)
        }
        ("utf8_encode", Data::Text(t)) => Data::Bytes(t.into_bytes()),
        ("base64_encode", Data::Bytes(b)) => Data::Bytes(STANDARD.encode(b).into_bytes()),
        ("base64_decode", Data::Bytes(b)) => Data::Bytes(
            STANDARD
                .decode(b.trim_ascii())
                .map_err(|e| format!("base64_decode: not base64 ({e})"))?,
        ),
        ("template", Data::Text(t)) => Data::Text(render_template(&t, context)?),
        ("utf8_decode" | "base64_encode" | "base64_decode", Data::Text(_)) => {
            return Err(format!(
                "{name} takes bytes, and the data is text here (utf8_encode it first)"
            ));
        }
        ("utf8_encode" | "template", Data::Bytes(_)) => {
            return Err(format!(
                "{name} takes text, and the data is bytes here (utf8_decode it first)"
            ));
        }
        (other, _) => return Err(format!("Bootaction pipeline segment {other} unknown.")),
    })
}

fn render_template(source: &str, context: &J) -> Result<String, String> {
    let mut env = minijinja::Environment::new();
    env.set_fuel(Some(TEMPLATE_FUEL));
    env.render_str(source, minijinja::Value::from(minijinja::value::Serde(context)))
        .map_err(|e| format!("template: {e}"))
}

/// Renders `action`'s assets for `node`.
pub fn render(
    site: &Site,
    node: &Node,
    action: &BootAction,
    ctx: &ActionContext,
) -> Result<Rendered, String> {
    let context = json!({
        "node": node_context(site, node),
        "action": {
            "action_id": ctx.action_id,
            "action_key": ctx.action_key,
            "report_url": ctx.report_url,
            "design_ref": ctx.design_ref,
        },
    });
    let mut out = Rendered {
        name: action.name.clone(),
        action_id: ctx.action_id.clone(),
        signaling: action.signaling,
        files: Vec::new(),
        packages: IndexMap::new(),
    };
    for asset in &action.assets {
        let at = || {
            format!(
                "boot action {} asset {} ({}:{})",
                action.name,
                asset.path.as_deref().unwrap_or(asset.kind.as_str()),
                asset.source.file,
                asset.source.line
            )
        };
        if let Some(location) = &asset.location {
            return Err(format!(
                "{}: assets fetched from a location ({location}) are not supported; give the data inline",
                at()
            ));
        }
        if asset.kind == AssetType::PkgList {
            for (name, version) in asset.package_list.iter().flatten() {
                out.packages.insert(name.clone(), version.clone());
            }
            continue;
        }
        let Some(path) = asset.path.clone() else {
            return Err(format!("{}: a {} asset needs a path", at(), asset.kind.as_str()));
        };
        let mut data = Data::Bytes(asset.data.clone().unwrap_or_default().into_bytes());
        for name in &asset.data_pipeline {
            data = segment(name, data, &context).map_err(|e| format!("{}: {e}", at()))?;
        }
        let content = match data {
            Data::Bytes(b) => b,
            Data::Text(t) => t.into_bytes(),
        };
        out.files.push(RenderedFile {
            kind: asset.kind,
            path,
            mode: asset.permissions.unwrap_or(0o600),
            content,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Site {
        crate::design::load(&[std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/site"
        ))])
        .unwrap()
    }

    #[test]
    fn node_filters_pick_the_boot_actions_of_each_node() {
        let site = example();
        let names =
            |node: &str| -> Vec<String> { targets(&site, node).iter().map(|a| a.name.clone()).collect() };
        assert_eq!(names("cmp01"), ["node-baseline", "compute-tuning"]);
        assert_eq!(names("ctl01"), ["node-baseline"]);
    }

    #[test]
    fn templates_see_the_node_and_the_action_and_files_keep_their_modes() {
        let site = example();
        let node = site.node("cmp01").unwrap();
        let action = targets(&site, "cmp01")[0];
        let ctx = ActionContext {
            design_ref: "sha256:abc".into(),
            ..ActionContext::default()
        };
        let rendered = render(&site, node, action, &ctx).unwrap();
        let env = &rendered.files[0];
        assert_eq!((env.path.as_str(), env.mode), ("/etc/dc1/node.env", 0o444));
        let text = String::from_utf8(env.content.clone()).unwrap();
        assert!(text.contains("NODE_HOSTNAME=cmp01\n"), "{text}");
        assert!(text.contains("NODE_FQDN=cmp01.dc1.example.com\n"), "{text}");
        assert!(text.contains("NODE_MGMT_IP=10.40.10.21\n"), "{text}");
        assert!(text.contains("NODE_STORAGE_IP=10.40.20.21\n"), "{text}");
        // Jinja drops a template's last newline, as Jinja2 (and so Drydock) does.
        assert!(text.ends_with("DESIGN_REF=sha256:abc"), "{text}");
        assert!(!rendered.signaling);
        assert_eq!(
            rendered.packages.get("lldpd"),
            Some(&Some("1.0.13-1".to_string()))
        );
        assert_eq!(rendered.packages.get("chrony"), Some(&None));
    }

    fn one_asset(pipeline: &[&str], data: &str) -> Result<Vec<u8>, String> {
        let site = example();
        let node = &site.nodes[0];
        let mut action = site.bootactions[0].action.clone();
        action.assets.truncate(1);
        action.assets[0].data = Some(data.into());
        action.assets[0].data_pipeline = pipeline.iter().map(|s| s.to_string()).collect();
        render(&site, node, &action, &ActionContext::default()).map(|r| r.files[0].content.clone())
    }

    #[test]
    fn pipelines_run_in_order_and_say_what_is_wrong() {
        assert_eq!(
            one_asset(&["base64_encode"], "Test 1 2 3!").unwrap(),
            b"VGVzdCAxIDIgMyE="
        );
        assert_eq!(
            one_asset(&["base64_decode"], "VGVzdCAxIDIgMyE=").unwrap(),
            b"Test 1 2 3!"
        );
        assert_eq!(
            one_asset(
                &["utf8_decode", "template", "utf8_encode"],
                "{{ node.hostname | upper }}"
            )
            .unwrap(),
            b"CTL01"
        );
        // Lenient, as Jinja2: an unknown name renders empty; a field of one is an error.
        assert_eq!(
            one_asset(&["utf8_decode", "template"], "[{{ nope }}]").unwrap(),
            b"[]"
        );
        let e = one_asset(&["utf8_decode", "template"], "{{ nope.field }}").unwrap_err();
        assert!(e.contains("template:"), "{e}");
        let e = one_asset(&["foo"], "x").unwrap_err();
        assert!(e.contains("Bootaction pipeline segment foo unknown."), "{e}");
        let e = one_asset(&["template"], "x").unwrap_err();
        assert!(e.contains("utf8_decode it first"), "{e}");
        assert!(e.contains("bootactions.yaml:"), "names where: {e}");
        let e = one_asset(
            &["utf8_decode", "template"],
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
        )
        .unwrap_err();
        assert!(e.contains("template:"), "a runaway template stops: {e}");
    }
}
