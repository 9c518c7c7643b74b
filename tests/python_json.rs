//! The JSON `nerkit eval --format json` prints with the error analysis and
//! the bootstrap, for the WNUT-17 test set and two of its submissions,
//! kept as golden files in tests/data/python/. The Python package's tests
//! (python/tests/test_analysis.py) compare `nerkit.evaluate(...)` and
//! `nerkit.compare(...)` with the same files, so the CLI's JSON and the
//! Python package's dicts cannot drift apart without a test failing on one
//! side. Each system keeps its first 10 error instances (`errors.kept` is
//! the CLI's count; the CLI's JSON carries all 800-odd, half a megabyte).
//! `NERKIT_BLESS=1` rewrites the files.

mod common;

use common::{assert_golden, run};
use serde_json::Value;

const GOLD: &str = "corpora/wnut17/emerging.test.annotated";
const ARCADA: &str = "corpora/wnut17/submissions/arcada";
const UH_RITUAL: &str = "corpora/wnut17/submissions/uh_ritual";

/// Instances kept per system in the golden files.
const KEPT: usize = 10;

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

/// Keeps the first [`KEPT`] error instances of each system.
fn cut(text: &str) -> String {
    let key = "\"instances\": [";
    let mut out = String::new();
    let mut rest = text;
    let mut cuts = 0;
    while let Some(at) = rest.find(key) {
        let open = at + key.len() - 1;
        let (ends, close) = elements(rest.as_bytes(), open);
        assert!(ends.len() > KEPT, "too few instances to cut");
        out.push_str(&rest[..ends[KEPT - 1]]);
        out.push_str(&rest[*ends.last().unwrap()..=close]);
        rest = &rest[close + 1..];
        cuts += 1;
    }
    assert!(cuts > 0, "an analysis report has errors.instances");
    out.push_str(rest);
    out
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
        assert_eq!(a, b);
    }
    assert_golden(rel, text.as_bytes());
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
