//! A node's kernel command line from its `platform.kernel_params`, as Drydock's
//! `get_kernel_param_string` writes it for MAAS: `hugepagesz` and `hugepages` first (both or
//! neither), then every other parameter in design order, `key` alone for the value `True`
//! (YAML `true`), else `key=value`. Drydock's string starts with a space when there are no
//! hugepages; this one does not.

use indexmap::IndexMap;

pub fn kernel_param_string(params: &IndexMap<String, String>) -> Result<String, String> {
    let size = params.get("hugepagesz");
    let count = params.get("hugepages");
    let mut words: Vec<String> = Vec::new();
    match (size, count) {
        (Some(size), Some(count)) => {
            words.push(format!("hugepagesz={size}"));
            words.push(format!("hugepages={count}"));
        }
        (Some(_), None) => {
            return Err(
                "must specify both size and count for hugepages (hugepagesz without hugepages)".into(),
            );
        }
        _ => {}
    }
    for (key, value) in params {
        if size.is_some() && (key == "hugepagesz" || key == "hugepages") {
            continue;
        }
        if value == "True" {
            words.push(key.clone());
        } else {
            words.push(format!("{key}={value}"));
        }
    }
    Ok(words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> IndexMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect()
    }

    /// Drydock's deckhand_fullsite compute01: `hugepagesz=1G hugepages=300 quiet
    /// console=ttyS2 isolcpus=2,4`.
    #[test]
    fn hugepages_first_then_design_order_with_bare_flags() {
        let p = params(&[
            ("quiet", "True"),
            ("console", "ttyS2"),
            ("hugepagesz", "1G"),
            ("isolcpus", "2,4"),
            ("hugepages", "300"),
        ]);
        assert_eq!(
            kernel_param_string(&p).unwrap(),
            "hugepagesz=1G hugepages=300 quiet console=ttyS2 isolcpus=2,4"
        );
        assert_eq!(
            kernel_param_string(&params(&[("quiet", "True"), ("console", "ttyS2")])).unwrap(),
            "quiet console=ttyS2"
        );
        assert_eq!(kernel_param_string(&IndexMap::new()).unwrap(), "");
    }

    #[test]
    fn a_hugepage_size_without_a_count_is_refused() {
        let e = kernel_param_string(&params(&[("hugepagesz", "1G")])).unwrap_err();
        assert!(e.contains("both size and count"), "{e}");
        // A count alone is just a parameter, as in Drydock.
        assert_eq!(
            kernel_param_string(&params(&[("hugepages", "16")])).unwrap(),
            "hugepages=16"
        );
    }
}
