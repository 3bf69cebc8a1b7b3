//! A stream cut into pieces and ingested on every core gives what the whole stream read
//! once gives: the same documents at the same lines, the same messages, the same error.
//! Checked on every design fixture, the examples, generated sites as one stream, and
//! mutated streams built to put syntax errors, quotes and block scalars across the cuts.

mod common;

use std::path::PathBuf;

use common::{generated_site, repo, yaml_files};
use drydock::design::{ingest, resolve, rules};
use proptest::prelude::*;

/// Piece sizes to compare with the whole: 1 cuts at every document marker.
const PIECE_SIZES: [usize; 4] = [1, 64, 4096, 1 << 16];

/// What a reading gives, in full: the documents and issues (with their sources), or the
/// error; and when it loaded, every rule's messages on the resolved design.
fn outcome(result: Result<ingest::Ingested, drydock::design::LoadError>) -> String {
    match result {
        Err(e) => format!("error: {e:?}"),
        Ok(ingested) => {
            let read = format!("{:?}\n{:?}", ingested.documents, ingested.issues);
            let site = resolve::resolve(ingested.documents, ingested.issues);
            let messages: Vec<_> = rules::validate(&site, &Default::default(), None)
                .iter()
                .map(|m| m.to_json())
                .collect();
            format!("{read}\n{}", serde_json::to_string_pretty(&messages).unwrap())
        }
    }
}

fn whole(name: &str, text: &str) -> String {
    outcome(ingest::ingest_text(name, text))
}

fn in_pieces(name: &str, text: &str, piece_bytes: usize) -> String {
    outcome(ingest::ingest_in_pieces(
        &[(name.to_string(), text.to_string())],
        piece_bytes,
    ))
}

#[track_caller]
fn assert_same(name: &str, text: &str) {
    let expected = whole(name, text);
    for size in PIECE_SIZES {
        let got = in_pieces(name, text, size);
        if got != expected {
            let at = expected
                .lines()
                .zip(got.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "{name}: read in pieces of {size} bytes differs from the whole at output line {at}:\n whole: {}\npieces: {}",
                expected.lines().nth(at).unwrap_or(""),
                got.lines().nth(at).unwrap_or("")
            );
        }
    }
}

/// Files joined into one stream, as Deckhand renders a site.
fn one_stream(files: &[PathBuf]) -> String {
    let mut text = String::new();
    for f in files {
        let t = std::fs::read_to_string(f).unwrap();
        if !t.starts_with("---") {
            text.push_str("---\n");
        }
        text.push_str(&t);
        if !t.ends_with('\n') {
            text.push('\n');
        }
    }
    text
}

#[test]
fn every_fixture_and_example_reads_the_same_in_pieces_as_whole() {
    let mut files = yaml_files(&repo().join("tests/fixtures"));
    files.extend(yaml_files(&repo().join("examples")));
    assert!(files.len() >= 10, "found the fixtures: {files:?}");
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        assert_same(&f.display().to_string(), &text);
    }
    // And each example site as the one stream Deckhand would hand over.
    for site in ["examples/site", "examples/variant"] {
        let files = yaml_files(&repo().join(site));
        if files.is_empty() {
            continue;
        }
        assert_same(&format!("{site} (one stream)"), &one_stream(&files));
    }
}

/// A generated site of `nodes` nodes as one stream.
fn generated_stream(nodes: usize) -> String {
    let dir = generated_site(&["--nodes", &nodes.to_string(), "--nodes-per-file", "100"]);
    one_stream(&yaml_files(dir.path()))
}

#[test]
fn generated_sites_read_the_same_in_pieces_as_whole() {
    for nodes in [40, 1000] {
        let text = generated_stream(nodes);
        let name = format!("generated {nodes}-node site");
        assert_same(&name, &text);
        // Not vacuous: the pieces were many, and a late document kept its line.
        let pieces = drydock::design::yaml::pieces(&text, 4096);
        assert!(pieces.len() > nodes / 40, "{name}: {} pieces", pieces.len());
        let last = pieces.last().unwrap();
        assert_eq!(
            last.first_line as usize,
            text[..text.len() - last.text.len()].matches('\n').count() + 1
        );
    }
}

#[test]
fn errors_across_a_cut_are_the_errors_of_the_whole() {
    let doc = "---\nschema: drydock/Network/v1\nmetadata: {name: n1, schema: metadata/Document/v1}\ndata: {cidr: 10.0.0.0/24}\n";
    let cases = [
        // An open quote, flow collection and block scalar running into the next document.
        format!("{doc}---\nx: 'open\n{doc}"),
        format!("{doc}---\nx: [a,\n{doc}"),
        format!("{doc}---\nx: |\n  text\n{doc}"),
        // An alias of an anchor in an earlier document.
        format!("---\na: &x 1\n{doc}---\nb: *x\n"),
        // A directive for the next document, and one with no document after it.
        format!("{doc}...\n%YAML 1.1\n{doc}"),
        format!("{doc}%YAML 1.1\n{doc}"),
        // CRLF and lone CR line breaks.
        format!("{doc}{doc}").replace('\n', "\r\n"),
        format!("{doc}{doc}").replace('\n', "\r"),
        // An unknown drydock kind after a syntax error, and before one.
        format!("{doc}---\nschema: drydock/Nope/v1\n{doc}---\n: : :\n"),
        format!("{doc}---\n[\n{doc}---\nschema: drydock/Nope/v1\n"),
    ];
    for (i, text) in cases.iter().enumerate() {
        assert_same(&format!("case {i}"), text);
    }
}

#[test]
fn aliases_summed_over_the_pieces_meet_the_file_s_limit() {
    // Every document stays under the file's limit; all of them together do not.
    let mut text = String::new();
    for _ in 0..40 {
        text.push_str("---\nbig: &b ");
        text.push_str(&"x".repeat(100_000));
        text.push_str("\nuses: [");
        text.push_str(&["*b"; 10].join(", "));
        text.push_str("]\n");
    }
    let expected = whole("bomb.yaml", &text);
    assert!(
        expected.contains("Limit"),
        "{}",
        &expected[..200.min(expected.len())]
    );
    assert_same("bomb.yaml", &text);
}

const BASE: &str = include_str!("fixtures/base.yaml");
const INHERITANCE: &str = include_str!("fixtures/inheritance.yaml");

/// Lines that change what follows them when they land at a cut.
const SPLICES: &[&str] = &[
    "---",
    "--- |",
    "---\n|",
    "...",
    "x: 'open",
    "x: \"open",
    "x: [a,",
    "x: {a: 1,",
    "x: |",
    "x: >-",
    "  - *a",
    "a: &a 1",
    "%YAML 1.1",
    "%TAG !e! tag:e,2000:",
    "x: !e!t 1",
    "\t",
    ": :",
    "? k",
    "- - x",
    "#",
    "--- # c",
    "---x",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_streams_read_the_same_in_pieces_as_whole(
        docs in proptest::collection::vec(prop_oneof![Just(BASE), Just(INHERITANCE)], 1..4),
        splices in proptest::collection::vec((any::<usize>(), 0..SPLICES.len()), 0..6),
        size in 1usize..2048,
    ) {
        let mut lines: Vec<String> = docs
            .iter()
            .flat_map(|d| std::iter::once("---").chain(d.lines()))
            .map(str::to_string)
            .collect();
        for (at, which) in splices {
            let at = at % (lines.len() + 1);
            lines.insert(at, SPLICES[which].to_string());
        }
        let text = lines.join("\n");
        let expected = whole("m.yaml", &text);
        let got = in_pieces("m.yaml", &text, size);
        prop_assert_eq!(expected, got);
    }
}
