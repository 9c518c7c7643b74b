//! `.spacy` files against real spaCy, through the real binary and
//! `scripts/spacy-check.py`, when `NERKIT_SPACY_PYTHON` names a Python
//! with spaCy installed (`.ci/run` makes one in `.venv-spacy`); without it
//! each test says why it did not run and passes. The tests that need no
//! spaCy are the unit tests of `src/format/spacy/`.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{parts, root, run, temp_dir};

const CABLE: &str = "corpora/000_8c95ef11f0516e36.txt";

/// The Python with spaCy, or `None` after printing why the test does not
/// run.
fn spacy_python(test: &str) -> Option<PathBuf> {
    match std::env::var_os("NERKIT_SPACY_PYTHON") {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => {
            eprintln!(
                "{test}: not run: NERKIT_SPACY_PYTHON is not set (it names a Python with \
                 spaCy installed; .ci/run makes one in .venv-spacy)"
            );
            None
        }
    }
}

/// Runs `python scripts/spacy-check.py ARGS` and returns its stdout.
fn check(python: &PathBuf, args: &[&str]) -> String {
    let out = Command::new(python)
        .arg(root().join("scripts/spacy-check.py"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let (code, stdout, stderr) = parts(&out);
    assert_eq!(
        code, 0,
        "spacy-check.py {args:?} failed:\n{stdout}\n{stderr}"
    );
    eprintln!("spacy-check.py {}: {stdout}", args[0]);
    stdout
}

/// Runs `nerkit ARGS`, which must succeed, and returns its stdout.
fn nerkit(args: &[&str]) -> Vec<u8> {
    let out = run(args);
    let (code, _, stderr) = parts(&out);
    assert_eq!(code, 0, "nerkit {args:?} failed:\n{stderr}");
    out.stdout
}

/// The bundled cable written by nerkit loads in spaCy (`DocBin.from_disk`)
/// with its tokens, spaces and 120 entities, is accepted by the corpus
/// reader of `spacy train`, and trains for two steps.
#[test]
fn cable_loads_and_trains_in_spacy() {
    let Some(python) = spacy_python("cable_loads_and_trains_in_spacy") else {
        return;
    };
    let dir = temp_dir();
    let file = dir.path().join("cable.spacy");
    let expected = dir.path().join("cable.jsonl");
    let out = run(&[
        "convert",
        CABLE,
        "--to",
        "spacy",
        "-o",
        file.to_str().unwrap(),
    ]);
    let (code, _, stderr) = parts(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("entities written: 120 (LOC 41, MISC 18, ORG 21, PER 40)"),
        "{stderr}"
    );
    let jsonl = nerkit(&["convert", "-q", CABLE, "--to", "jsonl"]);
    std::fs::write(&expected, jsonl).unwrap();
    let work = dir.path().join("train");
    let report = check(
        &python,
        &[
            "load",
            file.to_str().unwrap(),
            expected.to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );
    let v: serde_json::Value = serde_json::from_str(report.trim()).unwrap();
    assert_eq!(v["docs"], 37);
    assert_eq!(v["tokens"], 1291);
    assert_eq!(v["ents"], 120);
    assert_eq!(
        v["labels"],
        serde_json::json!({"LOC": 41, "MISC": 18, "ORG": 21, "PER": 40})
    );
    assert_eq!(v["corpus_examples"], 37);
    assert_eq!(v["corpus_ents"], 120);
    assert_eq!(
        v["trained_labels"],
        serde_json::json!(["LOC", "MISC", "ORG", "PER"])
    );
}

/// DocBins that spaCy wrote read back identically: the cable's docs
/// written again by spaCy with every attribute give the same CoNLL as the
/// bracket file, and docs spaCy tokenized and annotated give the tokens,
/// tags and offsets (`Token.idx`) spaCy has.
#[test]
fn spacy_docbins_read_back() {
    let Some(python) = spacy_python("spacy_docbins_read_back") else {
        return;
    };
    let dir = temp_dir();
    let ours = dir.path().join("cable.spacy");
    let theirs = dir.path().join("cable-by-spacy.spacy");
    nerkit(&[
        "convert",
        "-q",
        CABLE,
        "--to",
        "spacy",
        "-o",
        ours.to_str().unwrap(),
    ]);
    check(
        &python,
        &["rewrite", ours.to_str().unwrap(), theirs.to_str().unwrap()],
    );
    let from_bracket = nerkit(&["convert", "-q", CABLE]);
    let from_spacy = nerkit(&["convert", "-q", theirs.to_str().unwrap()]);
    assert!(
        from_bracket == from_spacy,
        "spaCy's DocBin of the cable reads differently:\n{}",
        String::from_utf8_lossy(&from_spacy)
    );

    let known = dir.path().join("known.spacy");
    let expected = dir.path().join("known.jsonl");
    check(
        &python,
        &["write", known.to_str().unwrap(), expected.to_str().unwrap()],
    );
    let got = nerkit(&[
        "convert",
        "-q",
        known.to_str().unwrap(),
        "--to",
        "jsonl",
        "--offsets",
        "chars",
    ]);
    let want = std::fs::read(&expected).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&want)
    );
}
