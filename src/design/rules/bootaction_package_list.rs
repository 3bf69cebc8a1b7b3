//! DD4002 Bootaction pkg_list Validation: package lists are non-empty and versions are
//! Debian versions with a revision (`1.0-1`, `1:2.0-3ubuntu1`).

use std::sync::LazyLock;

use regex::Regex;

use super::prelude::*;
use crate::design::model::AssetType;

pub const RULE: Rule = Rule {
    id: "bootaction-package-list",
    name: "DD4002",
    long_name: "Bootaction pkg_list Validation",
    check,
};

static VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d+:)?([a-zA-Z0-9.+~-]+)(-[a-zA-Z0-9.+~]+)$").expect("valid regex"));

fn check(site: &Site, _: &Context, report: &mut RuleReport) {
    for scope in &site.bootactions {
        let action = &scope.action;
        let doc = || vec![DocRef::new(Kind::BootAction, &action.name)];
        for asset in action.assets.iter().filter(|a| a.kind == AssetType::PkgList) {
            let packages = asset.package_list.as_ref().filter(|p| !p.is_empty());
            if asset.location.is_none() && packages.is_none() {
                report.error(
                    "Bootaction has asset of type 'pkg_list' but no valid package data",
                    "pkg_list bootaction assets must specify a list of packages.",
                    doc(),
                    Some(asset.source.clone()),
                );
            }
            for version in packages.into_iter().flat_map(|p| p.values()).flatten() {
                if !version.is_empty() && !VERSION.is_match(version) {
                    report.error(
                        &format!("Version specifier {version} is not a valid format."),
                        "pkg_list version specifications must be in a valid format.",
                        doc(),
                        Some(asset.source.clone()),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::RULE;

    #[test]
    fn debian_versions_pass() {
        passes(&RULE, BASE);
        passes(
            &RULE,
            &base_with(
                "lldpd: '1.0.13-1'",
                "lldpd: '1:2.0-3ubuntu1', x: '1.0~rc1-2', y: ''",
            ),
        );
    }

    #[test]
    fn bad_versions_and_empty_lists_fail() {
        let yaml = base_with("lldpd: '1.0.13-1'", "lldpd: '3.2.1', smile: ':)'");
        assert_eq!(
            errors(&run(&RULE, &yaml)),
            vec![
                "Bootaction pkg_list Validation: Version specifier 3.2.1 is not a valid format.",
                "Bootaction pkg_list Validation: Version specifier :) is not a valid format.",
            ]
        );
        let yaml = base_with("data: {chrony: null, lldpd: '1.0.13-1'}", "data: {}");
        assert_eq!(
            errors(&run(&RULE, &yaml)),
            vec![
                "Bootaction pkg_list Validation: Bootaction has asset of type 'pkg_list' but no valid package data"
            ]
        );
    }
}
