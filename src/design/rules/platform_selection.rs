//! DD3001 Platform Selection: each node's image and kernel exist. Connected to MAAS, they
//! are checked against its boot resources (errors); offline, Drydock's "not validated"
//! warning is given and names that MAAS never uses (not an Ubuntu series, not a `ga-`/`hwe-`
//! kernel) are warned about, since only MAAS can say for sure.

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
        // As Drydock does against MAAS: the kernel is judged only when the image is fine.
        for node in &site.nodes {
            if let Some(image) = node.config.image.as_deref().filter(|i| !IMAGE_NAME.is_match(i)) {
                report.warn(
                    &format!("Platform Validation: image {image} is not an image name MAAS uses"),
                    "Image names are Ubuntu series names such as jammy or noble; MAAS will decide.",
                    vec![node.docref()],
                    Some(node.source.clone()),
                );
            } else if let Some(kernel) = node.config.kernel.as_deref().filter(|k| !KERNEL_NAME.is_match(k)) {
                report.warn(
                    &format!("Platform Validation: kernel {kernel} is not a kernel name MAAS uses"),
                    "Kernel names look like ga-22.04 or hwe-22.04 (optionally with a flavour, e.g. -lowlatency); MAAS will decide.",
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
        let yaml = base_with("kernel: ga-22.04", "kernel: lts");
        let got = run(&RULE, &yaml);
        assert_eq!(
            errors(&got),
            Vec::<String>::new(),
            "offline, only MAAS can reject a name"
        );
        let texts: Vec<&str> = got.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(
            texts[1..3],
            [
                "Platform Selection: Platform Validation: kernel lts is not a kernel name MAAS uses",
                "Platform Selection: Platform Validation: kernel lts is not a kernel name MAAS uses",
            ]
        );
        let yaml = yaml.replacen("image: jammy", "image: ubuntu_16.04", 1);
        let got = run(&RULE, &yaml);
        assert_eq!(
            got[1].1,
            "Platform Selection: Platform Validation: image ubuntu_16.04 is not an image name MAAS uses"
        );
        assert_eq!(
            got.len(),
            4,
            "the kernel is not judged when the image is wrong: {got:?}"
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
