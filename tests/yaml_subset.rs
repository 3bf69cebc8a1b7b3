//! The subset reader (`yaml::subset`) against the event parser (`yaml::documents`), the
//! reference: on every input the two give the same documents, node for node with lines and
//! columns, and the same duplicate keys; where the parser refuses a stream, so does the
//! subset reader. Inputs: every fixture, generated sites, documents generated from a grammar
//! of what designs contain and the edges around it, and fixtures mutated at random.

mod common;

use common::{Lcg, generated_site, repo, yaml_files};
use drydock::design::yaml::{self, AliasBudget, Piece};
use proptest::prelude::*;

/// The two readings, as text to compare (floats compared by their Debug form, NaN too).
fn readings(text: &str) -> (Result<String, String>, Result<String, String>, usize) {
    let show = |r: Result<Vec<yaml::YamlDocument<'_>>, yaml::SyntaxError>| {
        r.map(|docs| format!("{docs:?}")).map_err(|e| e.to_string())
    };
    let reference = show(yaml::documents(Piece::whole(text), AliasBudget::FILE).collect());
    let mut subset = yaml::subset::documents(Piece::whole(text), AliasBudget::FILE);
    let docs: Result<Vec<_>, _> = subset.by_ref().collect();
    (reference, show(docs), subset.handed_over())
}

#[track_caller]
fn assert_agree(text: &str) -> usize {
    let (reference, subset, handed_over) = readings(text);
    match (&reference, &subset) {
        (Ok(a), Ok(b)) if a == b => {}
        (Err(_), Err(_)) => {}
        _ => {
            let (a, b) = (format!("{reference:?}"), format!("{subset:?}"));
            let same = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
            let from = same.saturating_sub(150);
            let shown = |s: &str| s.get(from..(same + 150).min(s.len())).unwrap_or("").to_string();
            panic!(
                "the subset reader and the parser disagree on:\n{text:?}\n--- parser: ...{}\n--- subset: ...{}",
                shown(&a),
                shown(&b)
            )
        }
    }
    handed_over
}

#[test]
fn fixtures_and_examples_read_the_same() {
    let mut read_here = 0;
    for dir in ["tests/fixtures", "examples/site", "examples/variant"] {
        for file in yaml_files(&repo().join(dir)) {
            let text = std::fs::read_to_string(&file).unwrap();
            let docs = text.matches("\n---").count() + 1;
            read_here += docs.saturating_sub(assert_agree(&text));
        }
    }
    // Not vacuous: most documents were read by the subset reader, not handed over.
    assert!(
        read_here > 20,
        "only {read_here} documents read by the subset reader"
    );
}

#[test]
fn a_generated_site_is_read_without_the_parser() {
    let dir = generated_site(&["--nodes", "200"]);
    for file in yaml_files(dir.path()) {
        let text = std::fs::read_to_string(file).unwrap();
        // The one document handed over per file is its leading comment, an empty document.
        assert!(assert_agree(&text) <= 1);
    }
}

#[test]
fn what_a_review_found_reads_the_same() {
    let long = "k".repeat(1025);
    let cases = [
        // Control characters, which the parser refuses anywhere, comments included.
        "a: x\u{1}y\n".to_string(),
        "a\u{7f}: 1\n".into(),
        "- x\u{1b}\n".into(),
        "a: '\u{c}'\n".into(),
        "a: [x\u{8}]\n".into(),
        "a: 1 #\u{0}\n".into(),
        "#\u{b}\na: 1\n".into(),
        "# only\u{7}\n".into(),
        // Flow keys longer than YAML allows before their `:`.
        format!("a: {{{long}: v}}\n"),
        format!("a: [{{{long}: v}}]\n"),
        format!("a: {{'{}': v}}\n", &long[2..]),
        format!("a: {{a{}: b}}\n", " ".repeat(1024)),
        // A document that is only an empty block scalar ends on the next one's marker.
        "|\n---\n".into(),
        ">\n---\na: 1\n".into(),
        "# c\n|\n---\na: 1\n".into(),
        "a: 1\n...\n|\n---\nb: 2\n".into(),
        "|\n---\n|\n---\n".into(),
    ];
    for text in &cases {
        assert_agree(text);
    }
}

/// Documents from a grammar, drawn with [`Lcg`] so a failing case prints as a seed.
struct Gen {
    rng: Lcg,
    /// How often (in percent) a key or scalar comes from the edges.
    edge: usize,
}

impl Gen {
    fn new(seed: u64) -> Gen {
        let mut g = Gen {
            rng: Lcg(seed),
            edge: 0,
        };
        g.edge = [0, 1, 3, 10, 30][g.below(5)];
        g
    }
    fn below(&mut self, n: usize) -> usize {
        self.rng.next(n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

/// Keys and scalars designs have, read by the subset reader; and the edges around them,
/// most of which it hands to the parser.
const KEYS: &[&str] = &[
    "a", "b", "name", "x1", "a b", "a:b", "1", "yes", "'q'", "\"dq\"", "<<", "~", "a#b", ".5", "'it''s'",
    "-k", "k-", "a.b/c", "$x", "'a: b'", "\"\"", "''", "null", "0x1f", "data", "schema",
];
const EDGE_KEYS: &[&str] = &[
    "key ", "[k]", "{k: v}", "? k", "&a k", "!t k", "a #c", "*a", "k\t", "é",
];

const SCALARS: &[&str] = &[
    "x",
    "yes",
    "no",
    "on",
    "0x1f",
    "0o17",
    "017",
    "1.5",
    "1e3",
    "1.5e3",
    "-1",
    "+1",
    ".inf",
    "-.inf",
    ".nan",
    "~",
    "null",
    "Null",
    "a b",
    "a:b",
    "http://h:80/p",
    "a#b",
    "802.3ad",
    "<<",
    "=",
    "~x",
    "-x",
    "a,b",
    "x]",
    "a [b]",
    "10.0.0.0/24",
    "3c:fd:fe:00:00:00",
    "100%",
    "1_000",
    "'q'",
    "'it''s'",
    "'a: b'",
    "' a '",
    "''",
    "\"q\"",
    "\"a b\"",
    "\"\"",
    "a  #c",
    "'q' #c",
    "x   ",
    "(x)",
    "$v",
    "^x",
    "<x>",
    "a{b}",
];
const EDGE_SCALARS: &[&str] = &[
    "a\u{1}b",
    "'\u{7f}'",
    "#\u{0}",
    "\"a\\nb\"",
    "\"a\\\"b\"",
    "'a",
    "\"a",
    "!t x",
    "!!str 5",
    "&a x",
    "*a",
    "|",
    ">",
    "%x",
    "@x",
    "`x",
    "? x",
    "- x",
    "-",
    "a: b",
    "b:",
    ":x",
    "#c",
    "'q'#c",
    "[a",
    "{a",
    "'",
    "\"",
    "---",
    "...",
    "a\tb",
    "é",
    "a\rb",
];

impl Gen {
    fn key(&mut self) -> &'static str {
        if self.chance(self.edge) {
            self.pick(EDGE_KEYS)
        } else {
            self.pick(KEYS)
        }
    }
}

fn scalar(g: &mut Gen) -> String {
    if g.chance(g.edge) && g.chance(5) {
        // A flow key longer than YAML allows.
        return format!("{{{}: v}}", "k".repeat(1025));
    }
    if g.chance(g.edge) {
        g.pick(EDGE_SCALARS)
    } else {
        g.pick(SCALARS)
    }
    .to_string()
}

fn flow(g: &mut Gen, depth: usize) -> String {
    let n = g.below(4);
    let sep = g.pick(&[", ", ",", " , ", ",  "]);
    let mapping = g.chance(50);
    let items: Vec<String> = (0..n)
        .map(|_| {
            let value = if depth < 3 && g.chance(20) {
                flow(g, depth + 1)
            } else {
                scalar(g)
            };
            if mapping {
                format!("{}{}{value}", g.key(), g.pick(&[": ", ":", " : ", ":  "]))
            } else {
                value
            }
        })
        .collect();
    let trailing = if n > 0 && g.chance(5) { "," } else { "" };
    let pad = g.pick(&["", " ", ""]);
    let (open, close) = if mapping { ("{", "}") } else { ("[", "]") };
    format!("{open}{pad}{}{trailing}{pad}{close}", items.join(sep))
}

fn tail(g: &mut Gen) -> &'static str {
    match g.below(10) {
        0 => "  # comment",
        1 => "   ",
        2 => " #c",
        _ => "",
    }
}

fn filler(g: &mut Gen, out: &mut String, indent: usize) {
    match g.below(12) {
        0 => out.push('\n'),
        1 => out.push_str(&format!("{}# note\n", " ".repeat(g.below(indent + 3)))),
        2 => out.push_str("   \n"),
        _ => {}
    }
}

fn jitter(g: &mut Gen, indent: usize) -> usize {
    match g.below(if g.edge == 0 { 400 } else { 40 }) {
        0 => indent + 1,
        1 => indent.saturating_sub(1),
        _ => indent,
    }
}

fn value(g: &mut Gen, out: &mut String, indent: usize, depth: usize) {
    let edge = g.chance(g.edge);
    match g.below(if depth > 4 {
        3
    } else if edge {
        7
    } else {
        6
    }) {
        0 | 1 => {
            let s = scalar(g);
            out.push_str(&format!(" {s}{}\n", tail(g)));
        }
        2 => {
            let f = flow(g, 0);
            out.push_str(&format!(" {f}{}\n", tail(g)));
        }
        3 => {
            out.push_str(&format!("{}\n", tail(g)));
            filler(g, out, indent);
            let step = 1 + g.below(4);
            mapping(g, out, indent + step, depth + 1);
        }
        4 => {
            out.push_str(&format!("{}\n", tail(g)));
            let step = g.below(4);
            sequence(g, out, indent + step, depth + 1);
        }
        5 => out.push_str(&format!("{}\n", tail(g))),
        _ => {
            out.push_str(&format!(" {}\n", scalar(g)));
            out.push_str(&format!("{}{}\n", " ".repeat(indent + 1 + g.below(3)), scalar(g)));
        }
    }
}

fn mapping(g: &mut Gen, out: &mut String, indent: usize, depth: usize) {
    for _ in 0..1 + g.below(4) {
        let at = jitter(g, indent);
        let key = g.key();
        let colon = if g.chance(g.edge) { " :" } else { ":" };
        out.push_str(&format!("{}{key}{colon}", " ".repeat(at)));
        value(g, out, indent, depth);
        filler(g, out, indent);
    }
}

fn sequence(g: &mut Gen, out: &mut String, indent: usize, depth: usize) {
    for _ in 0..1 + g.below(4) {
        let at = jitter(g, indent);
        out.push_str(&" ".repeat(at));
        out.push('-');
        let edge = g.chance(g.edge);
        match g.below(if depth > 4 {
            3
        } else if edge {
            6
        } else {
            4
        }) {
            0 | 1 => out.push_str(&format!(" {}{}\n", scalar(g), tail(g))),
            2 => out.push_str(&format!(" {}{}\n", flow(g, 0), tail(g))),
            3 => {
                // A compact mapping: `- key: value`, more keys under the first.
                let pad = 1 + g.below(3);
                out.push_str(&format!("{}{}:", " ".repeat(pad), g.key()));
                value(g, out, indent + 1 + pad, depth + 1);
                if g.chance(60) {
                    mapping(g, out, indent + 1 + pad, depth + 1);
                }
            }
            4 => {
                out.push_str(&format!("{}\n", tail(g)));
                mapping(g, out, indent + 2, depth + 1);
            }
            _ => out.push_str(&format!(" - {}\n", scalar(g))),
        }
        filler(g, out, indent);
    }
}

fn document(g: &mut Gen) -> String {
    let mut out = String::new();
    for i in 0..1 + g.below(3) {
        if i > 0 || g.chance(70) {
            let edge = g.chance(g.edge);
            out.push_str(g.pick(if edge {
                &["--- \n", "--- # c\n", "---"]
            } else {
                &["---\n", "---\n\n"]
            }));
        }
        filler(g, &mut out, 0);
        match g.below(20) {
            0 => sequence(g, &mut out, 0, 0),
            1 => {}
            _ => mapping(g, &mut out, 0, 0),
        }
    }
    if g.chance(20) {
        out.pop();
    }
    out
}

const BASE: &str = include_str!("fixtures/base.yaml");
const INHERITANCE: &str = include_str!("fixtures/inheritance.yaml");
const FULLSITE: &str = include_str!("fixtures/fullsite.yaml");

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_documents_read_the_same(seed in 1u64..u64::MAX) {
        assert_agree(&document(&mut Gen::new(seed)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_fixtures_read_the_same(
        base in prop_oneof![Just(BASE), Just(INHERITANCE), Just(FULLSITE)],
        edits in proptest::collection::vec((any::<usize>(), 0..SCALARS.len(), 0..4usize), 1..5),
    ) {
        let mut text = base.to_string();
        for (at, which, how) in edits {
            let lines: Vec<&str> = text.lines().collect();
            let i = at % lines.len().max(1);
            let mut lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            match how {
                0 => if let Some((k, _)) = lines[i].clone().split_once(": ") {
                    lines[i] = format!("{k}: {}", SCALARS[which]);
                },
                1 => lines[i].insert(0, ' '),
                2 => { lines.remove(i); }
                _ => {
                    let l = lines[i].clone();
                    let cut = at % (l.len() + 1);
                    if l.is_char_boundary(cut) {
                        lines[i] = format!("{}{}{}", &l[..cut], SCALARS[which], &l[cut..]);
                    }
                }
            }
            text = lines.join("\n");
        }
        assert_agree(&text);
    }
}
