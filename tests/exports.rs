//! Annotation-tool exports (Label Studio, doccano, Prodigy) and span
//! files: each sample (tests/data/exports, see its README for where each
//! shape comes from) converts to CoNLL IOB2 and back to the tool's import
//! layout with the entity counts equal; spans to spans keeps the text and
//! the keys; errors name the fix.

mod common;

use common::{data, parts, run, run_stdin, temp_dir};
use serde_json::Value;

const D: &str = "tests/data/exports";

/// Runs `nerkit convert ARGS` with a JSON summary; returns stdout, and
/// the entities read and written.
fn convert(args: &[&str]) -> (String, u64, u64) {
    let mut all = vec!["convert", "--summary", "json"];
    all.extend_from_slice(args);
    let out = run(&all);
    let (code, stdout, stderr) = parts(&out);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    let summary: Value = serde_json::from_str(stderr.lines().last().unwrap()).unwrap();
    let n = |k: &str| summary[k].as_u64().unwrap();
    (stdout, n("entities_read"), n("entities_written"))
}

fn path(name: &str) -> String {
    format!("{D}/{name}")
}

/// Converts `file` to CoNLL IOB2, that to `to`, and `to` back to CoNLL:
/// every step keeps every entity.
fn round_trip(file: &str, to: &str, extra: &[&str], entities: u64) {
    let dir = temp_dir();
    let conll = dir.path().join("a.conll");
    let back = dir.path().join(format!("b.{to}"));
    let mut args = vec!["--scheme", "iob2", "-o", conll.to_str().unwrap()];
    args.extend_from_slice(extra);
    let p = path(file);
    args.push(&p);
    let (_, read, written) = convert(&args);
    assert_eq!((read, written), (entities, entities), "{file} to CoNLL");
    let text = std::fs::read_to_string(&conll).unwrap();
    assert_eq!(
        text.lines()
            .filter(|l| l.ends_with("\tB-") || l.contains("\tB-"))
            .count() as u64,
        entities
    );
    let (_, read, written) = convert(&[
        "--to",
        to,
        "-o",
        back.to_str().unwrap(),
        conll.to_str().unwrap(),
    ]);
    assert_eq!((read, written), (entities, entities), "CoNLL to {to}");
    // The tool's layout, read again (detected), has the same entities.
    let (_, read, written) = convert(&[back.to_str().unwrap()]);
    assert_eq!((read, written), (entities, entities), "{to} read back");
}

#[test]
fn label_studio_json_to_conll_and_back() {
    round_trip(
        "labelstudio.json",
        "label-studio",
        &["--annotation", "last"],
        8,
    );
    round_trip(
        "labelstudio.json",
        "label-studio",
        &["--annotation", "first"],
        7,
    );
}

#[test]
fn label_studio_jsonl_and_json_min() {
    round_trip("labelstudio.jsonl", "label-studio", &[], 8);
    round_trip("labelstudio-min.json", "label-studio", &[], 8);
}

#[test]
fn doccano_both_layouts_to_conll_and_back() {
    round_trip("doccano.jsonl", "doccano", &[], 6);
    round_trip("doccano-entities.jsonl", "doccano", &[], 6);
}

#[test]
fn prodigy_to_conll_and_back() {
    round_trip("prodigy.jsonl", "prodigy", &[], 6);
}

#[test]
fn formats_are_detected() {
    for (file, format) in [
        ("labelstudio.json", "label-studio"),
        ("labelstudio.jsonl", "label-studio"),
        ("labelstudio-min.json", "label-studio"),
        ("doccano.jsonl", "doccano"),
        ("doccano-entities.jsonl", "doccano"),
        ("prodigy.jsonl", "prodigy"),
        ("spans-keys.jsonl", "spans"),
    ] {
        let out = run(&[
            "convert",
            "--annotation",
            "last",
            "--summary",
            "json",
            &path(file),
        ]);
        let (code, _, stderr) = parts(&out);
        assert_eq!(code, 0, "{file}: {stderr}");
        let summary: Value = serde_json::from_str(stderr.lines().last().unwrap()).unwrap();
        assert_eq!(summary["from"], format, "{file}");
        assert_eq!(summary["from_detected"], true, "{file}");
    }
}

#[test]
fn label_studio_annotations_that_differ_are_an_error_naming_the_choice() {
    let out = run(&["convert", &path("labelstudio.json")]);
    let (code, stdout, stderr) = parts(&out);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("labelstudio.json:2:3: error: the task has 2 annotations that differ"),
        "{stderr}"
    );
    assert!(stderr.contains("--annotation first, --annotation last or --annotation all"));
    // The union: identical regions are duplicates, dropped and counted.
    let out = run(&["convert", "--annotation", "all", &path("labelstudio.json")]);
    let (code, stdout, stderr) = parts(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("spans dropped:    4 (duplicate 4)"),
        "{stderr}"
    );
    assert_eq!(stdout.matches("\tB-").count(), 8);
}

#[test]
fn label_studio_skips_cancelled_annotations_and_other_results_knowingly() {
    use nerkit::labelstudio::{Annotation, ReadOptions, Reader};
    let file = std::fs::read(data("exports/labelstudio.json")).unwrap();
    let mut opts = ReadOptions::default();
    opts.annotation = Annotation::Last;
    let mut r = Reader::new(&file[..], opts);
    let mut s = nerkit::Sentence::new();
    let mut labels = Vec::new();
    while r.read_sentence(&mut s).unwrap() {
        labels.extend(s.entities().map(|e| e.label.to_string()));
    }
    assert_eq!(labels.len(), 8);
    // One relation and one choice; one cancelled annotation.
    assert_eq!((r.skipped_results(), r.cancelled_annotations()), (2, 1));
}

#[test]
fn label_studio_utf16_offsets_are_named() {
    let out = run(&["convert", &path("labelstudio-utf16.json")]);
    let (code, _, stderr) = parts(&out);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("UTF-16 code units"), "{stderr}");
    assert!(
        stderr.contains("read them with --offsets utf16"),
        "{stderr}"
    );
    let (stdout, read, written) = convert(&["--offsets", "utf16", &path("labelstudio-utf16.json")]);
    assert_eq!((read, written), (3, 3));
    assert!(
        stdout.contains("Médecins\tB-ORG\nSans\tI-ORG\nFrontières\tI-ORG\n"),
        "{stdout}"
    );
}

#[test]
fn label_studio_output_is_an_import_file_with_predictions() {
    let (stdout, read, written) = convert(&[
        "--annotation",
        "last",
        "--to",
        "label-studio",
        &path("labelstudio.json"),
    ]);
    assert_eq!((read, written), (8, 8));
    let tasks: Value = serde_json::from_str(&stdout).unwrap();
    let tasks = tasks.as_array().unwrap();
    assert_eq!(tasks.len(), 3);
    let input: Value =
        serde_json::from_str(&std::fs::read_to_string(data("exports/labelstudio.json")).unwrap())
            .unwrap();
    for (t, i) in tasks.iter().zip(input.as_array().unwrap()) {
        // The text and the data members, byte for byte; meta kept; no ids.
        assert_eq!(t["data"], i["data"]);
        assert_eq!(t["meta"], i["meta"]);
        assert!(t.get("id").is_none() && t.get("annotations").is_none());
        let text = t["data"]["text"].as_str().unwrap();
        let chars: Vec<char> = text.chars().collect();
        for r in t["predictions"][0]["result"].as_array().unwrap() {
            assert_eq!(
                (r["from_name"].as_str(), r["type"].as_str()),
                (Some("label"), Some("labels"))
            );
            let v = &r["value"];
            let (s, e) = (
                v["start"].as_u64().unwrap() as usize,
                v["end"].as_u64().unwrap() as usize,
            );
            // Code point offsets: the text at them is the region's text.
            let at: String = chars[s..e].iter().collect();
            assert_eq!(at, v["text"].as_str().unwrap());
        }
    }
    // Nothing to write is an empty array, not an empty file.
    let out = run_stdin(
        &["convert", "--from", "conll", "--to", "label-studio", "-"],
        "",
    );
    assert_eq!(parts(&out).1, "[]\n");
}

#[test]
fn spans_to_spans_keeps_text_and_keys() {
    let (stdout, read, written) = convert(&["--to", "spans", &path("spans-keys.jsonl")]);
    assert_eq!((read, written), (4, 4));
    let input = std::fs::read_to_string(data("exports/spans-keys.jsonl")).unwrap();
    assert_eq!(stdout.lines().count(), input.lines().count());
    for (got, want) in stdout.lines().zip(input.lines()) {
        let (g, w): (Value, Value) = (
            serde_json::from_str(got).unwrap(),
            serde_json::from_str(want).unwrap(),
        );
        // Every key and value but the entities' shape, exactly.
        for (k, v) in w.as_object().unwrap() {
            if k != "entities" {
                assert_eq!(&g[k], v, "{k}");
            }
        }
        assert_eq!(g.as_object().unwrap().len(), w.as_object().unwrap().len());
        let offsets = |v: &Value| -> Vec<(u64, u64, String)> {
            v["entities"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| match e {
                    Value::Array(a) => (
                        a[0].as_u64().unwrap(),
                        a[1].as_u64().unwrap(),
                        a[2].as_str().unwrap().into(),
                    ),
                    e => (
                        e["start"].as_u64().unwrap(),
                        e["end"].as_u64().unwrap(),
                        e["label"].as_str().unwrap().into(),
                    ),
                })
                .collect()
        };
        assert_eq!(offsets(&g), offsets(&w));
    }
    // The text, byte for byte, as the JSON escapes it too.
    assert!(
        stdout.contains(r#""text":"  Ryan Crocker\tmet  Musharraf .\n\nThe U.S. envoy left.  ""#)
    );
}

#[test]
fn doccano_and_prodigy_keep_their_keys() {
    let (stdout, _, _) = convert(&["--to", "doccano", &path("doccano-entities.jsonl")]);
    let first: Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["id"], 1);
    assert_eq!(first["Comments"], Value::Array(vec![]));
    assert_eq!(first["label"][0], serde_json::json!([0, 12, "PER"]));
    // Relations tie entity ids a tagged layout does not keep: dropped.
    assert!(first.get("relations").is_none());
    let (stdout, _, _) = convert(&["--to", "prodigy", &path("prodigy.jsonl")]);
    let first: Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    for k in ["_input_hash", "_task_hash", "answer", "meta", "_view_id"] {
        assert!(first.get(k).is_some(), "{k}");
    }
}

#[test]
fn prodigy_tokens_are_used_not_retokenized() {
    let (stdout, _, _) = convert(&[&path("prodigy.jsonl")]);
    // spaCy's tokens: "U.S." whole (UAX #29 splits off the "."), "did"
    // "n't" (UAX #29 keeps "didn't").
    assert!(
        stdout.contains("The\tO\nU.S.\tB-GPE\nenvoy\tO\ndid\tO\nn't\tO\n"),
        "{stdout}"
    );
    // The whitespace token of the double space is not a token.
    assert!(stdout.contains("Baird\tI-PERSON\nvisited\tO\n"), "{stdout}");
    // The task without tokens is tokenized by nerkit.
    assert!(stdout.contains("Musharraf\tB-PERSON\n.\tO\n"), "{stdout}");
}

#[test]
fn sentences_split_documents_never_inside_an_entity() {
    let doc = r#"{"id": 9, "text": "Dr. Who met Ms. Smith. Then he left.\nBye now", "entities": [{"start": 0, "end": 7, "label": "PER"}]}"#;
    let out = run_stdin(
        &["convert", "--from", "spans", "--sentences", "auto", "-"],
        doc,
    );
    let (code, stdout, stderr) = parts(&out);
    assert_eq!(code, 0, "{stderr}");
    // Not after "Dr" "." (inside the entity); after "Ms" "." (there is no
    // abbreviation list), "Smith" "." and "left" "." (with the line break).
    let sentences: Vec<&str> = stdout
        .split("\n\n")
        .filter(|s| !s.trim().is_empty())
        .collect();
    assert_eq!(sentences.len(), 4, "{stdout}");
    assert!(sentences[1].starts_with("Smith\tO\n.\tO"), "{stdout}");
    assert!(
        sentences[0].starts_with("Dr\tB-PER\n.\tI-PER\nWho\tI-PER"),
        "{stdout}"
    );
    let out = run_stdin(
        &["convert", "--from", "spans", "--sentences", "line", "-"],
        doc,
    );
    assert_eq!(
        parts(&out)
            .1
            .split("\n\n")
            .filter(|s| !s.trim().is_empty())
            .count(),
        2
    );
    // Spans to spans: one line per sentence, the texts add up to the
    // document's, the entity stays on the first, the id on each.
    let out = run_stdin(
        &[
            "convert",
            "--from",
            "spans",
            "--to",
            "spans",
            "--sentences",
            "auto",
            "-",
        ],
        doc,
    );
    let (code, stdout, stderr) = parts(&out);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let joined: String = lines.iter().map(|v| v["text"].as_str().unwrap()).collect();
    assert_eq!(joined, "Dr. Who met Ms. Smith. Then he left.\nBye now");
    assert_eq!(
        lines[0]["entities"],
        serde_json::json!([{"start": 0, "end": 7, "label": "PER"}])
    );
    assert!(lines.iter().all(|v| v["id"] == 9));
}

#[test]
fn errors_name_the_place_and_the_fix() {
    // A broken task in a pretty-printed array: its line and column.
    let input = "[\n  {\"data\": {\"text\": \"a b\"}, \"annotations\": []},\n  {\"data\": {\"text\": \"a b\"},\n   \"annotations\": [{\"result\": [{\"type\": \"labels\", \"value\": {\"start\": 0, \"end\": 9, \"labels\": [\"X\"]}}]}]}\n]\n";
    let out = run_stdin(&["convert", "--from", "label-studio", "-"], input);
    let (code, _, stderr) = parts(&out);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("<stdin>:3:3: error: span 1 (X 0..9) ends past the end of the text"),
        "{stderr}"
    );
    let out = run_stdin(
        &["convert", "--from", "label-studio", "-"],
        "[{\"data\": {\"text\": \"a\"}, \"annotations\": [}]",
    );
    let (code, _, stderr) = parts(&out);
    assert_eq!(code, 2);
    assert!(stderr.contains("<stdin>:1:"), "{stderr}");
    // A span inside a token, in Prodigy's own tokens: the fix is named.
    let line = r#"{"text": "U.S. envoy", "tokens": [{"text": "U.S.", "start": 0, "end": 4}, {"text": "envoy", "start": 5, "end": 10}], "spans": [{"start": 0, "end": 3, "label": "GPE"}]}"#;
    let out = run_stdin(&["convert", "-"], line);
    let (code, _, stderr) = parts(&out);
    assert_eq!(code, 2);
    assert!(stderr.contains("inside the token \"U.S.\""), "{stderr}");
    assert!(
        stderr.contains("--align contract or --align expand"),
        "{stderr}"
    );
    // doccano text classification labels are not spans.
    let out = run_stdin(
        &["convert", "--from", "doccano", "-"],
        r#"{"text": "good", "label": ["positive"]}"#,
    );
    let (code, _, stderr) = parts(&out);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("\"label\" must be a list of spans"),
        "{stderr}"
    );
}

#[test]
fn an_empty_label_studio_export_is_empty() {
    let out = run_stdin(&["convert", "--from", "label-studio", "-"], "[]\n");
    let (code, stdout, stderr) = parts(&out);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
}
