//! No input makes ingestion, resolution, validation or rendering panic: random text, and
//! valid sites mutated at random (characters, lines, and values swapped for tricky ones).

use drydock::design::{ingest, resolve, rules};
use proptest::prelude::*;

const BASE: &str = include_str!("fixtures/base.yaml");
const INHERITANCE: &str = include_str!("fixtures/inheritance.yaml");

/// Values that stress types, inheritance markers, sizes and YAML features.
const TRICKY: &[&str] = &[
    "~",
    "[]",
    "{}",
    "-1",
    "'!'",
    "!",
    "0x10",
    "yes",
    "1e999",
    ".inf",
    "'%'",
    "-5%",
    "150%",
    ">",
    "'>10%'",
    "99999999999999999999",
    "''",
    "\"\\u0000\"",
    "*a",
    "&a x",
    "[a, [b, {c: d}]]",
    "{a: [1, 2]}",
    "|\n  text",
    "10.0.0.300",
    "10.0.0.0/33",
    "::1/128",
    "fe80::/10",
    "1G",
    "0",
    "'0'",
    "null",
    "-",
    "'dhcp'",
    "!!str 5",
    "!!int x",
    "2001-01-01",
    "\"a\\tb\"",
    "'!storage'",
    "'hardwareprofile:cpuset.nope'",
    "'hardwareprofile:hugepages.dpdk'",
    "'hardwareprofile:hugepages.dpdk.count'",
];

fn exercise(text: &str) {
    let Ok(ingested) = ingest::ingest_text("fuzz.yaml", text) else {
        return;
    };
    let site = resolve::resolve(ingested.documents, ingested.issues);
    let messages = rules::validate(&site, &Default::default(), None);
    assert!(
        messages.len() >= rules::ALL.len(),
        "every rule reports at least once"
    );
    for m in &messages {
        assert!(!m.message.is_empty());
    }
    let _ = site.to_json(None);
}

#[derive(Debug, Clone)]
enum Mutation {
    DeleteRange(usize, usize),
    Insert(usize, String),
    DuplicateLine(usize),
    DropLine(usize),
    Indent(usize, bool),
    ReplaceValue(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(a, n)| Mutation::DeleteRange(a, n)),
        (any::<usize>(), "[ -~\n]{1,8}").prop_map(|(a, s)| Mutation::Insert(a, s)),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        any::<usize>().prop_map(Mutation::DropLine),
        (any::<usize>(), any::<bool>()).prop_map(|(a, b)| Mutation::Indent(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::ReplaceValue(a, b)),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let n = lines.len().max(1);
    let at_char = |a: usize| {
        let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        boundaries.get(a % boundaries.len().max(1)).copied().unwrap_or(0)
    };
    match m {
        Mutation::DeleteRange(a, len) => {
            let start = at_char(*a);
            let end = text[start..]
                .char_indices()
                .nth(*len)
                .map_or(text.len(), |(i, _)| start + i);
            return format!("{}{}", &text[..start], &text[end..]);
        }
        Mutation::Insert(a, s) => {
            let at = at_char(*a);
            return format!("{}{s}{}", &text[..at], &text[at..]);
        }
        Mutation::DuplicateLine(a) => {
            let l = lines[a % n].clone();
            lines.insert(a % n, l);
        }
        Mutation::DropLine(a) => {
            lines.remove(a % n);
        }
        Mutation::Indent(a, more) => {
            let l = &mut lines[a % n];
            if *more {
                l.insert_str(0, "  ");
            } else if l.starts_with("  ") {
                l.drain(..2);
            }
        }
        Mutation::ReplaceValue(a, b) => {
            let candidates: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].contains(": ")).collect();
            if let Some(&i) = candidates.get(a % candidates.len().max(1)) {
                let (key, _) = lines[i].split_once(": ").unwrap_or_default();
                lines[i] = format!("{key}: {}", TRICKY[b % TRICKY.len()]);
            }
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,400}") {
        exercise(&text);
    }

    #[test]
    fn yaml_shaped_noise_never_panics(text in "([a-z!&*%@|>'\"\\[\\]{},#~-]{0,6}(: |:\n  |\n- |\n---\n| ){0,1}){0,60}") {
        exercise(&text);
    }

    #[test]
    fn mutated_sites_never_panic(base in prop_oneof![Just(BASE), Just(INHERITANCE)], muts in proptest::collection::vec(mutation(), 1..6)) {
        let mut text = base.to_string();
        for m in &muts {
            text = apply(&text, m);
        }
        exercise(&text);
    }
}

#[test]
fn deeply_nested_input_is_refused_not_overflowed() {
    let deep = "[".repeat(100_000);
    assert!(ingest::ingest_text("deep.yaml", &deep).is_err());
    let deep_map = (0..2000)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect::<String>();
    let _ = ingest::ingest_text("deep.yaml", &deep_map);
}

#[test]
fn alias_bombs_stay_bounded() {
    // Each level refers to the previous one ten times: a billion nodes if expanded naively.
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let started = std::time::Instant::now();
    let err = ingest::ingest_text("bomb.yaml", &text).expect_err("expansion is refused");
    assert!(err.to_string().contains("aliases expand to more than"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
