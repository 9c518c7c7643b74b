//! The JSON `nerkit eval --format json` prints with the error analysis and
//! the bootstrap, for the WNUT-17 test set and two of its submissions,
//! kept as golden files in tests/data/python/. The Python package's tests
//! (python/tests/test_analysis.py) compare `nerkit.evaluate(...)` and
//! `nerkit.compare(...)` with the same files, so the CLI's JSON and the
//! Python package's dicts cannot drift apart without a test failing on one
//! side. Each system keeps its first 10 error instances (`errors.kept` is
//! the CLI's count; the CLI's JSON carries all 800-odd, half a megabyte)
//! and its first 20 breakdown rows (of 1287 sentences). The character
//! level (`--level chars`) is kept whole, on the samples of
//! tests/data/chars/. `NERKIT_BLESS=1` rewrites the files.

mod common;

use common::{assert_golden, run};
use serde_json::Value;

const GOLD: &str = "corpora/wnut17/emerging.test.annotated";
const ARCADA: &str = "corpora/wnut17/submissions/arcada";
const UH_RITUAL: &str = "corpora/wnut17/submissions/uh_ritual";

/// Instances kept per system in the golden files.
const KEPT: usize = 10;

/// Breakdown rows kept per system in the golden files.
const KEPT_ROWS: usize = 20;

/// The end (exclusive) of each element of the JSON array whose `[` is at
/// `open`, and the index of its `]`. A scan of the text rather than a
/// parse and a rewrite: serde_json (without its `float_roundtrip`
/// feature) may read a float one unit in the last place off, and the
/// golden files must hold the CLI's numbers exactly.
fn elements(text: &[u8], open: usize) -> (Vec<usize>, usize) {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut ends = Vec::new();
    let mut last_content = open + 1;
    for (k, &c) in text.iter().enumerate().skip(open) {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            last_content = k + 1;
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    if last_content > open + 1 {
                        ends.push(last_content);
                    }
                    return (ends, k);
                }
            }
            b',' if depth == 1 => ends.push(last_content),
            _ => {}
        }
        let separator = c == b',' && depth == 1;
        if !(c.is_ascii_whitespace() || separator) {
            last_content = k + 1;
        }
    }
    panic!("unclosed array");
}

/// Keeps the first `kept` elements of every array that is the value of
/// `key` (`"instances"`, `"rows"`).
fn cut_arrays(text: &str, key: &str, kept: usize) -> String {
    let key = format!("\"{key}\": [");
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(&key) {
        let open = at + key.len() - 1;
        let (ends, close) = elements(rest.as_bytes(), open);
        assert!(ends.len() > kept, "too few elements to cut");
        out.push_str(&rest[..ends[kept - 1]]);
        out.push_str(&rest[*ends.last().unwrap()..=close]);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Keeps the first [`KEPT`] error instances and [`KEPT_ROWS`] breakdown
/// rows of each system.
fn cut(text: &str) -> String {
    assert!(
        text.contains("\"instances\": ["),
        "an analysis report has errors.instances"
    );
    cut_arrays(&cut_arrays(text, "instances", KEPT), "rows", KEPT_ROWS)
}

fn golden(rel: &str, args: &[&str]) {
    let out = run(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = cut(std::str::from_utf8(&out.stdout).expect("UTF-8"));
    let full: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let kept: Value = serde_json::from_str(&text).expect("JSON after the cut");
    // The cut removes instances and nothing else.
    let systems = |v: &Value| match v.get("systems") {
        Some(s) => s.as_array().unwrap().clone(),
        None => vec![v.clone()],
    };
    for (mut a, b) in systems(&full).into_iter().zip(systems(&kept)) {
        a["errors"]["instances"]
            .as_array_mut()
            .unwrap()
            .truncate(KEPT);
        if let Some(rows) = a.get_mut("breakdown") {
            rows["rows"].as_array_mut().unwrap().truncate(KEPT_ROWS);
        }
        assert_eq!(a, b);
    }
    assert_golden(rel, text.as_bytes());
}

/// The CLI's JSON of `args`, whole.
fn golden_whole(rel: &str, args: &[&str]) {
    let out = run(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_golden(rel, &out.stdout);
}

#[test]
fn two_systems_with_every_schema_and_the_bootstrap() {
    golden(
        "python/wnut17-compare.json",
        &[
            "eval",
            "--format",
            "json",
            "--match",
            "all",
            "--bootstrap",
            GOLD,
            ARCADA,
            UH_RITUAL,
        ],
    );
}

#[test]
fn one_system_with_map_ignore_and_min_overlap() {
    golden(
        "python/wnut17-map.json",
        &[
            "eval",
            "--format",
            "json",
            "--match",
            "strict,partial",
            "--map",
            "corporation=group,creative-work=product",
            "--ignore",
            "person",
            "--min-overlap",
            "0.5",
            GOLD,
            UH_RITUAL,
        ],
    );
}

#[test]
fn one_system_with_a_breakdown_per_sentence() {
    golden(
        "python/wnut17-breakdown.json",
        &[
            "eval",
            "--format",
            "json",
            "--match",
            "strict",
            "--breakdown",
            "sentences",
            GOLD,
            ARCADA,
        ],
    );
}

/// The plain report at the character level (no analysis), and the
/// analysis with a breakdown per document.
#[test]
fn character_level_with_and_without_the_analysis() {
    let (gold, pred) = (
        "tests/data/chars/gold.jsonl",
        "tests/data/chars/pred-errors.jsonl",
    );
    golden_whole(
        "python/chars-report.json",
        &["eval", "--level", "chars", "--format", "json", gold, pred],
    );
    golden_whole(
        "python/chars-breakdown.json",
        &[
            "eval",
            "--level",
            "chars",
            "--format",
            "json",
            "--match",
            "all",
            "--breakdown",
            "documents",
            gold,
            pred,
        ],
    );
}
