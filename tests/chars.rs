//! `nerkit eval --level chars` (issue 15, item 5): entities scored by
//! character offsets, whatever each side's tokens. The samples and where
//! their layouts come from are in tests/data/chars/README.md.

use std::path::PathBuf;
use std::process::{Command, Output};

use nerkit::eval::analysis::{Options, Schema};
use nerkit::eval::chars::{self, CharEntity, Document, Documents};
use nerkit::format::{Format, ReadOptions};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn data(name: &str) -> String {
    format!("tests/data/chars/{name}")
}

fn nerkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nerkit"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("run nerkit")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The JSON report of `nerkit eval --level chars --format json ARGS`.
fn json(args: &[&str]) -> Value {
    let mut all = vec!["eval", "--level", "chars", "--format", "json"];
    all.extend(args);
    let o = nerkit(&all);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("JSON")
}

fn micro(v: &Value) -> (u64, u64, u64, f64) {
    let m = &v["micro"];
    (
        m["gold"].as_u64().unwrap(),
        m["pred"].as_u64().unwrap(),
        m["correct"].as_u64().unwrap(),
        m["f1"].as_f64().unwrap(),
    )
}

#[test]
fn other_tokens_score_100_where_the_token_level_cannot_read() {
    let gold = data("gold.jsonl");
    // Prodigy tokens cut at whitespace: "Obama's" is one token, and the
    // gold entity "Barack Obama" ends inside it.
    let pred = data("pred-prodigy-whitespace.jsonl");
    let v = json(&[&gold, &pred]);
    assert_eq!(micro(&v), (8, 8, 8, 1.0));
    assert_eq!(
        (v["documents"].as_u64(), v["characters"].as_u64()),
        (Some(5), Some(123))
    );
    assert_eq!(v["level"], "chars");
    assert_eq!(v["unit"], "code points");
    // Tag by tag, the same files cannot even be read.
    let o = nerkit(&["eval", &gold, &pred]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("inside the token"), "{}", stderr(&o));
}

#[test]
fn doccano_and_label_studio_predictions_against_spans_gold() {
    for pred in ["pred-doccano.jsonl", "pred-labelstudio.json"] {
        let v = json(&[&data("gold.jsonl"), &data(pred)]);
        assert_eq!(micro(&v), (8, 8, 8, 1.0), "{pred}");
        assert_eq!(v["types"]["PER"]["correct"], 3, "{pred}");
    }
}

#[test]
fn the_tokenizer_does_not_change_the_scores() {
    let run = |t: &str| {
        let o = nerkit(&[
            "eval",
            "--level",
            "chars",
            "--match",
            "all",
            "--format",
            "json",
            "--tokenizer",
            t,
            &data("gold.jsonl"),
            &data("pred-errors.jsonl"),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    assert_eq!(run("whitespace"), run("unicode"));
}

#[test]
fn partial_overlaps_are_counted_by_the_schemas() {
    let v = json(&[
        "--match",
        "all",
        &data("gold.jsonl"),
        &data("pred-errors.jsonl"),
    ]);
    // Exact spans and types: Karzai, U.S., New York, Café Zürich.
    assert_eq!(micro(&v["report"]), (8, 8, 4, 0.5));
    let overall = |schema: &str, key: &str| v["schemas"][schema]["overall"][key].as_u64().unwrap();
    // Obama and Ngozi Okonjo are too short (PER), IBM has the wrong type,
    // Kabul is missed, envoys spurious.
    assert_eq!(
        ["cor", "inc", "par", "mis", "spu"].map(|k| overall("strict", k)),
        [4, 3, 0, 1, 1]
    );
    assert_eq!(
        ["cor", "inc", "par", "mis", "spu"].map(|k| overall("exact", k)),
        [5, 2, 0, 1, 1]
    );
    assert_eq!(
        ["cor", "inc", "par", "mis", "spu"].map(|k| overall("partial", k)),
        [5, 0, 2, 1, 1]
    );
    assert_eq!(
        ["cor", "inc", "par", "mis", "spu"].map(|k| overall("type", k)),
        [6, 1, 0, 1, 1]
    );
    assert_eq!(v["classes"]["gold"]["PER"]["too-short"], 2);
    // Instances carry code point offsets and the text around them.
    let first = &v["errors"]["instances"][0];
    assert_eq!(first["class"], "too-short");
    assert_eq!(first["gold"][0]["start"], 0);
    assert_eq!(first["gold"][0]["end"], 12);
    assert_eq!(first["pred"][0]["start"], 7);
    assert_eq!(first["context_start"], 0);
    let last = &v["errors"]["instances"][4];
    // "Café Zürich — hosted Ms. " is 25 code points (31 bytes).
    assert_eq!(last["gold"][0]["start"], 25);
    assert_eq!(last["pred"][0]["end"], 37);
}

#[test]
fn error_instances_bracket_the_text() {
    let o = nerkit(&[
        "eval",
        "--level",
        "chars",
        "--errors",
        "10",
        &data("gold.jsonl"),
        &data("pred-errors.jsonl"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("5 documents, 123 characters, 8 gold and 8 predicted entities"),
        "{out}"
    );
    assert!(
        out.contains("    pred: Café Zürich — hosted Ms. [PER Ngozi Okonjo]-Iweala."),
        "{out}"
    );
    assert!(out.contains("  too-short PER  document 1, "), "{out}");
}

#[test]
fn a_text_that_differs_is_refused_with_its_offset() {
    let o = nerkit(&[
        "eval",
        "--level",
        "chars",
        &data("gold.jsonl"),
        &data("pred-text-differs.jsonl"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.starts_with(
            "tests/data/chars/pred-text-differs.jsonl:2:1: error: text differs from \
             tests/data/chars/gold.jsonl at character 21 of document 2: gold "
        ),
        "{e}"
    );
    assert!(
        e.contains(
            "\"arzai met U.S. envoys in Kabul.\" vs predicted \"arzai met U.S. envoy  in Kabul.\""
        ),
        "{e}"
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn unequal_numbers_of_documents_are_refused() {
    let (gold, short) = (data("gold.jsonl"), data("pred-short.jsonl"));
    let o = nerkit(&["eval", "--level", "chars", &gold, &short]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("gold.jsonl has more documents than tests/data/chars/pred-short.jsonl: document 3 (line 3)"),
        "{}",
        stderr(&o)
    );
    let o = nerkit(&["eval", "--level", "chars", &short, &gold]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o)
            .starts_with("tests/data/chars/gold.jsonl:3:1: error: document 3 has no gold document"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn empty_documents_score_zero_with_notes() {
    let v = json(&[&data("empty.jsonl"), &data("empty.jsonl")]);
    assert_eq!(micro(&v), (0, 0, 0, 0.0));
    assert_eq!(v["documents"], 3);
    assert_eq!(v["characters"], 3);
    assert_eq!(v["notes"].as_array().unwrap().len(), 2);
}

#[test]
fn layouts_without_offsets_are_refused_naming_those_with() {
    let o = nerkit(&[
        "eval",
        "--level",
        "chars",
        "tests/data/parity/cases/C01.conll",
        &data("gold.jsonl"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("input has no text with entity offsets"), "{e}");
    assert!(
        e.contains("spans, doccano, label-studio, prodigy and spacy"),
        "{e}"
    );
    for (flag, value) in [("--mode", "strict"), ("--align", "expand")] {
        let o = nerkit(&[
            "eval",
            "--level",
            "chars",
            flag,
            value,
            &data("gold.jsonl"),
            &data("gold.jsonl"),
        ]);
        assert_eq!(o.status.code(), Some(2), "{flag}");
    }
}

#[test]
fn the_conlleval_layout_has_no_accuracy() {
    let o = nerkit(&[
        "eval",
        "--level",
        "chars",
        &data("gold.jsonl"),
        &data("pred-errors.jsonl"),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..2],
        [
            "processed 123 characters with 8 phrases; found: 8 phrases; correct: 4.",
            "precision:  50.00%; recall:  50.00%; FB1:  50.00",
        ]
    );
    assert!(!out.contains("accuracy"));
}

#[test]
fn documents_give_code_point_offsets() {
    let open = |name: &str| {
        let file = std::fs::File::open(root().join(data(name))).unwrap();
        Documents::open(
            Box::new(std::io::BufReader::new(file)),
            None,
            &ReadOptions::default(),
            name,
        )
        .unwrap()
    };
    let mut docs = open("pred-errors.jsonl");
    let mut d = Document::new();
    let mut texts = Vec::new();
    while docs.read_document(&mut d).unwrap() {
        for e in d.entities() {
            let text: String = d
                .text()
                .chars()
                .skip(e.start as usize)
                .take((e.end - e.start) as usize)
                .collect();
            texts.push(format!("{} {text}", e.label));
        }
        if d.text().starts_with("Café") {
            assert_eq!(d.char_len(), 45);
            assert_eq!(
                d.entities().last(),
                Some(CharEntity {
                    label: "PER",
                    start: 25,
                    end: 37
                })
            );
        }
    }
    assert_eq!(
        texts,
        [
            "PER Obama",
            "LOC New York",
            "LOC IBM",
            "PER Karzai",
            "LOC U.S.",
            "MISC envoys",
            "ORG Café Zürich",
            "PER Ngozi Okonjo"
        ]
    );
    // With the analysis, through the library.
    let (e, a) = chars::evaluate(
        &mut open("gold.jsonl"),
        &mut open("pred-errors.jsonl"),
        Some(&Options::default()),
    )
    .unwrap();
    assert_eq!(e.counts.total.correct, 4);
    assert_eq!(a.unwrap().counts.schema(Schema::Partial).par, 2);
    assert!(Format::from_name("conll").is_some_and(|f| !chars::carries_text(f)));
}
