//! DD3001 Platform Selection: each node's image and kernel exist. Connected to MAAS, they
//! are checked against its boot resources; offline, only their names are checked (an Ubuntu
//! series name, a `ga-`/`hwe-` kernel name) and Drydock's "not validated" warning is given.

use std::sync::LazyLock;

use regex::Regex;

use super::prelude::*;

pub const RULE: Rule = Rule {
    id: "platform-selection",
    name: "DD3001",
    long_name: "Platform Selection",
    check,
};

static IMAGE_NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z][a-z0-9]*$").expect("valid regex"));
static KERNEL_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(ga|hwe)-(\d{2}\.\d{2}|[a-z])(-[a-z0-9]+)*$").expect("valid regex"));

fn check(site: &Site, ctx: &Context, report: &mut RuleReport) {
    let Some(catalog) = &ctx.platform else {
        report.warn(
            "Platform Validation: No enabled node driver, imageand kernel selections not validated.",
            "Cannot validate platform selection without accessing the node provisioner.",
            vec![],
            None,
        );
        for node in &site.nodes {
            if let Some(image) = node.config.image.as_deref().filter(|i| !IMAGE_NAME.is_match(i)) {
                report.error(
                    &format!("Platform Validation: invalid image {image}"),
                    "Image names are Ubuntu series names such as jammy or noble.",
                    vec![node.docref()],
                    Some(node.source.clone()),
                );
            }
            if let Some(kernel) = node.config.kernel.as_deref().filter(|k| !KERNEL_NAME.is_match(k)) {
                report.error(
                    &format!("Platform Validation: invalid kernel {kernel}"),
                    "Kernel names look like ga-22.04 or hwe-22.04 (optionally with a flavour, e.g. -lowlatency).",
                    vec![node.docref()],
                    Some(node.source.clone()),
                );
            }
        }
        return;
    };
    let images: Vec<&str> = catalog.images.keys().map(String::as_str).collect();
    for node in &site.nodes {
        let image = node.config.image.as_deref().unwrap_or("None");
        match catalog.images.get(image) {
            None => report.error(
                &format!("Platform Validation: invalid image {image}"),
                &format!("Select a valid image from: {}", images.join(",")),
                vec![node.docref()],
                Some(node.source.clone()),
            ),
            Some(kernels) => {
                let kernel = node.config.kernel.as_deref().unwrap_or("None");
                if !kernels.iter().any(|k| k == kernel) {
                    report.error(
                        &format!("Platform Validation: invalid kernel {kernel}"),
                        &format!("Select a valid kernel from: {}", kernels.join(",")),
                        vec![node.docref()],
                        Some(node.source.clone()),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{Context, PlatformCatalog};
    use super::RULE;
    use crate::design::validation::Level;

    fn maas() -> Context {
        let images = [(
            "jammy".to_string(),
            vec!["ga-22.04".to_string(), "hwe-22.04".to_string()],
        )]
        .into_iter()
        .collect();
        Context {
            platform: Some(PlatformCatalog { images }),
        }
    }

    #[test]
    fn offline_warns_and_checks_names() {
        let got = run(&RULE, BASE);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, Level::Warning);
        assert!(
            got[0]
                .1
                .ends_with("No enabled node driver, imageand kernel selections not validated.")
        );
        let yaml =
            base_with("kernel: ga-22.04", "kernel: lts").replacen("image: jammy", "image: ubuntu_16.04", 1);
        let got = errors(&run(&RULE, &yaml));
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(
            got[0],
            "Platform Selection: Platform Validation: invalid image ubuntu_16.04"
        );
    }

    #[test]
    fn against_maas_catalog() {
        assert_eq!(run_with(&RULE, BASE, &maas()).len(), 1);
        let yaml = base_with("kernel: ga-22.04", "kernel: hwe-16.04");
        let s = site(&yaml);
        let msgs = RULE.run(&s, &maas());
        assert_eq!(msgs.len(), 2);
        assert_eq!(
            msgs[0].message,
            "Platform Selection: Platform Validation: invalid kernel hwe-16.04"
        );
        assert_eq!(
            msgs[0].diagnostic,
            "Select a valid kernel from: ga-22.04,hwe-22.04"
        );
        let yaml = base_with("image: jammy", "image: xenial");
        let got = errors(&run_with(&RULE, &yaml, &maas()));
        assert_eq!(
            got[0],
            "Platform Selection: Platform Validation: invalid image xenial"
        );
    }
}
