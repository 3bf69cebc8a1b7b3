//! "Did you mean ...?" for a name that refers to nothing: the closest defined name, when it
//! is close enough to be a typo of it.

use std::cell::Cell;

/// Character steps all suggestions of one resolution may take: thousands of dangling names
/// among thousands of defined ones would otherwise cost seconds for hints.
const BUDGET: usize = 20_000_000;

pub struct Suggester {
    left: Cell<usize>,
}

impl Default for Suggester {
    fn default() -> Self {
        Suggester {
            left: Cell::new(BUDGET),
        }
    }
}

impl Suggester {
    /// The name in `known` closest to `name` by edit distance, if at most a third of its
    /// characters (and at least one) differ; the first of equally close names.
    pub fn closest<'a>(&self, name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
        let len = name.chars().count();
        let max = (len / 3).max(1);
        let mut best: Option<(usize, &'a str)> = None;
        for candidate in known {
            let other = candidate.chars().count();
            let cost = len * other + 1;
            if cost > self.left.get() {
                break;
            }
            self.left.set(self.left.get() - cost);
            if candidate == name || len.abs_diff(other) > max {
                continue;
            }
            let d = strsim::levenshtein(name, candidate);
            if d <= max && best.is_none_or(|(b, _)| d < b) {
                best = Some((d, candidate));
            }
        }
        best.map(|(_, n)| n)
    }

    /// `"Did you mean X? "`, or nothing, to start a hint with.
    pub fn hint<'a>(&self, name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
        self.closest(name, known)
            .map(|n| format!("Did you mean {n}? "))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::Suggester;

    #[test]
    fn typos_get_the_closest_name_and_strangers_none() {
        let s = Suggester::default();
        let known = ["compute", "control", "storage"];
        assert_eq!(s.closest("computer", known), Some("compute"));
        assert_eq!(s.closest("storag", known), Some("storage"));
        assert_eq!(s.closest("network", known), None);
        assert_eq!(s.closest("compute", known), None, "a name is not its own typo");
    }

    #[test]
    fn the_work_is_bounded() {
        let s = Suggester::default();
        let known: Vec<String> = (0..100_000).map(|i| format!("node{i:06}")).collect();
        let started = std::time::Instant::now();
        for i in 0..1_000 {
            s.closest(&format!("nod{i:06}"), known.iter().map(String::as_str));
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
