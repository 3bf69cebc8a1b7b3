//! `drydock design show`: the effective design after inheritance.

use std::io::IsTerminal as _;

use anyhow::bail;

use super::{DesignArgs, Format, Global, Outcome, output};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub design: DesignArgs,
    /// Show only this node (its effective document, under baremetal_nodes)
    #[arg(long, value_name = "NAME")]
    pub node: Option<String>,
}

pub fn run(args: &Args, global: &Global) -> anyhow::Result<Outcome> {
    // Counted by running validation as `drydock validate` does: the ingest and reference
    // problems alone are fewer than what it reports. Counted first, so that its copy of the
    // design is gone before this one is loaded: a large site is not held twice.
    let problems = super::validate::error_count(&args.design.paths, global)?;
    crate::design::release_free_memory();
    let site = crate::design::load(&args.design.paths)?;
    if let Some(name) = &args.node
        && site.node(name).is_none()
    {
        let names: Vec<&str> = site.nodes.iter().take(10).map(|n| n.name.as_str()).collect();
        bail!(
            "no node named '{name}' in the design (nodes: {}{})",
            names.join(", "),
            if site.nodes.len() > 10 { ", ..." } else { "" }
        );
    }
    if problems > 0 {
        eprintln!(
            "drydock: warning: the design has {problems} errors; documents that failed are not shown (run drydock validate)"
        );
    }
    let format = global.format.unwrap_or(Format::Yaml);
    if format == Format::Text {
        bail!("design show prints yaml or json, not text");
    }
    if format == Format::Json && args.node.is_none() {
        // Written a document at a time, never whole: a 10,000-node design is hundreds of
        // megabytes of JSON. Indented for a person at a terminal, compact for a program.
        output::emit_json_streamed(&site.shown(None), std::io::stdout().is_terminal())?;
        return Ok(Outcome::Clean);
    }
    let mut json = site.to_json(args.node.as_deref());
    if args.node.is_some() {
        json = serde_json::json!({ "baremetal_nodes": json["baremetal_nodes"].take() });
    }
    match format {
        Format::Json => output::emit_json(&json)?,
        _ => output::emit(&serde_saphyr::to_string(&json)?)?,
    }
    Ok(Outcome::Clean)
}
