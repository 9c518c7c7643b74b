//! Confidence intervals, paired tests and breakdowns of `nerkit eval`
//! (issue 15, items 4 and 7). The corpora are the repository's WNUT-17
//! test set with its submissions and Wikigold (145 `-DOCSTART-` lines);
//! the bigger and the degraded inputs are made here, in temporary
//! directories.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nerkit::eval::analysis::{self, Options};
use nerkit::eval::significance::{self, Resample};
use nerkit::eval::{ColumnSource, Evaluator};
use nerkit::format::Delimiter;
use serde_json::Value;

const GOLD: &str = "corpora/wnut17/emerging.test.annotated";
const ARCADA: &str = "corpora/wnut17/submissions/arcada";
const UH_RITUAL: &str = "corpora/wnut17/submissions/uh_ritual";
const WIKIGOLD: &str = "corpora/wikigold/wikigold.conll.txt";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nerkit"));
    c.current_dir(root()).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run nerkit")
}

fn run(args: &[&str]) -> Output {
    run_env(args, &[])
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&stdout(&run(args))).unwrap()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap()
}

/// The line without its `\r` and the tag (last field) of a column line.
fn split_tag(line: &str) -> Option<(&str, &str)> {
    let body = line.strip_suffix('\r').unwrap_or(line);
    let at = body.rfind([' ', '\t'])?;
    Some((&body[..at + 1], &body[at + 1..]))
}

/// `text` (a column file, tag last) with every second entity turned to
/// `O`: a chunk starts at `B-` or at an `I-` after another type or `O`
/// (IOB1 as Wikigold writes it); document lines are kept.
fn degrade(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut entity = 0u64;
    let (mut prev_type, mut dropping) = (String::new(), false);
    for line in text.split_inclusive('\n') {
        let (content, end) = match line.strip_suffix('\n') {
            Some(c) => (c, "\n"),
            None => (line, ""),
        };
        let cr = if content.ends_with('\r') { "\r" } else { "" };
        match split_tag(content) {
            Some((head, tag)) if !head.starts_with("-DOCSTART-") && tag != "O" => {
                let (prefix, ty) = tag.split_once('-').unwrap_or((tag, ""));
                let starts = prefix == "B" || ty != prev_type;
                if starts {
                    entity += 1;
                    dropping = entity.is_multiple_of(2);
                }
                prev_type = ty.to_owned();
                let tag = if dropping { "O" } else { tag };
                out.push_str(&format!("{head}{tag}{cr}{end}"));
            }
            _ => {
                prev_type.clear();
                out.push_str(line);
            }
        }
    }
    out
}

/// The gold and predicted tags of two aligned column files as one file
/// in conlleval's layout (`token gold pred`), document lines included.
fn one_file(gold: &str, pred: &str) -> String {
    let mut out = String::new();
    for (g, p) in gold.lines().zip(pred.lines()) {
        match (split_tag(g), split_tag(p)) {
            (Some((head, gt)), Some((_, pt))) => {
                out.push_str(&format!("{}{gt} {pt}\n", head.trim_end_matches('\r')))
            }
            _ => out.push('\n'),
        }
    }
    out
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn interval(v: &Value) -> (f64, f64, f64) {
    (
        v["low"].as_f64().unwrap(),
        v["value"].as_f64().unwrap(),
        v["high"].as_f64().unwrap(),
    )
}

fn f1_width(report: &Value) -> f64 {
    let (lo, _, hi) = interval(&report["bootstrap"]["f1"]);
    hi - lo
}

/// The strict counts of each sentence sum to the plain report's micro
/// counts, in both modes, and there is one unit per sentence.
#[test]
fn units_sum_to_the_micro_counts() {
    for pred in [ARCADA, UH_RITUAL] {
        for evaluator in [
            Evaluator::default(),
            Evaluator::new(nerkit::eval::Mode::Strict(nerkit::TagScheme::Iob2)),
        ] {
            let g = std::fs::File::open(root().join(GOLD)).unwrap();
            let p = std::fs::File::open(root().join(pred)).unwrap();
            let mut g = ColumnSource::new(std::io::BufReader::new(g), GOLD, Delimiter::Whitespace);
            let mut p = ColumnSource::new(std::io::BufReader::new(p), pred, Delimiter::Whitespace);
            let options = Options::default()
                .units(Resample::Sentences)
                .breakdown(Resample::Documents);
            let (e, a) = analysis::analyze_pair(&evaluator, &mut g, &mut p, &options).unwrap();
            let micro = e.report().micro;
            let t = significance::total(&a.units);
            assert_eq!(
                (Some(t.correct), Some(t.gold), Some(t.pred)),
                (micro.correct, micro.gold, micro.pred),
                "{pred}"
            );
            assert_eq!(a.units.len() as u64, a.counts.sentences);
            // No -DOCSTART- line: one document, holding everything.
            assert_eq!(a.breakdown.len(), 1);
            assert_eq!(
                a.breakdown[0].counts,
                significance::UnitCounts::new(t.correct as u32, t.gold as u32, t.pred as u32)
            );
        }
    }
}

#[test]
fn intervals_contain_the_point_estimate() {
    let report = json(&[
        "eval",
        "--format",
        "json",
        "--seed",
        "1",
        GOLD,
        ARCADA,
        UH_RITUAL,
        "--bootstrap",
    ]);
    for s in report["systems"].as_array().unwrap() {
        let b = &s["bootstrap"];
        assert_eq!(b["samples"], 1000);
        assert_eq!(b["units"], 1287);
        assert_eq!(b["resample"], "sentences");
        assert_eq!(b["confidence"], 0.95);
        for m in ["precision", "recall", "f1"] {
            let (lo, x, hi) = interval(&b[m]);
            assert!(lo < x && x < hi, "{m}: {lo} {x} {hi}");
            assert_eq!(x, s["report"]["micro"][m].as_f64().unwrap());
            // Not degenerate: a few points either side on WNUT-17.
            assert!(hi - lo > 0.02 && hi - lo < 0.15, "{m}: {lo} {hi}");
        }
    }
    // One system: the same numbers (the draws do not depend on the
    // other systems).
    let one = json(&["eval", "--format", "json", GOLD, ARCADA, "--bootstrap"]);
    assert_eq!(one["bootstrap"], report["systems"][0]["bootstrap"]);
    assert!(report["tests"].as_array().unwrap().len() == 1);
}

#[test]
fn intervals_shrink_with_more_data() {
    let dir = tempfile::tempdir().unwrap();
    let times4 = |rel: &str| {
        let t = read(rel);
        let t = format!("{}\n\n", t.trim_end());
        t.repeat(4)
    };
    let gold4 = write(dir.path(), "gold4", &times4(GOLD));
    let pred4 = write(dir.path(), "pred4", &times4(ARCADA));
    let small = json(&["eval", "--format", "json", "--bootstrap=500", GOLD, ARCADA]);
    let big = json(&[
        "eval",
        "--format",
        "json",
        "--bootstrap=500",
        &gold4,
        &pred4,
    ]);
    assert_eq!(big["bootstrap"]["units"], 4 * 1287);
    assert_eq!(
        big["bootstrap"]["f1"]["value"],
        small["bootstrap"]["f1"]["value"]
    );
    let (w1, w4) = (f1_width(&small), f1_width(&big));
    // The standard error halves with four times the data.
    assert!(w4 < 0.7 * w1 && w4 > 0.3 * w1, "{w1} {w4}");
}

#[test]
fn the_seed_fixes_the_numbers_and_threads_do_not_change_them() {
    let args = |seed: &'static str, test: &'static str| {
        vec![
            "eval",
            "--format",
            "json",
            "--bootstrap=300",
            "--test",
            test,
            "--seed",
            seed,
            GOLD,
            ARCADA,
            UH_RITUAL,
        ]
    };
    for test in ["bootstrap", "permutation"] {
        let a = stdout(&run(&args("3", test)));
        assert_eq!(a, stdout(&run(&args("3", test))));
        assert_ne!(a, stdout(&run(&args("4", test))));
        let one = stdout(&run_env(&args("3", test), &[("RAYON_NUM_THREADS", "1")]));
        let two = stdout(&run_env(&args("3", test), &[("RAYON_NUM_THREADS", "2")]));
        assert_eq!(one, two);
        assert_eq!(one, a);
    }
    // Without --seed the default seed is used: still reproducible.
    let plain = ["eval", "--format", "json", "--bootstrap=100", GOLD, ARCADA];
    assert_eq!(stdout(&run(&plain)), stdout(&run(&plain)));
}

#[test]
fn a_system_against_itself_has_p_1() {
    for test in ["bootstrap", "permutation"] {
        let r = json(&[
            "eval", "--format", "json", "--test", test, GOLD, ARCADA, ARCADA,
        ]);
        let t = &r["tests"][0];
        assert_eq!(t["test"], test);
        assert_eq!(t["delta_f1"], 0.0);
        assert_eq!(t["p_value"], 1.0);
        assert_eq!(t["significant"], false);
        // --test alone computes no intervals.
        assert!(r["systems"][0].get("bootstrap").is_none());
    }
}

#[test]
fn a_degraded_copy_is_significantly_worse() {
    let dir = tempfile::tempdir().unwrap();
    let worse = write(dir.path(), "arcada-half", &degrade(&read(ARCADA)));
    for test in ["bootstrap", "permutation"] {
        let r = json(&[
            "eval", "--format", "json", "--test", test, GOLD, ARCADA, &worse,
        ]);
        let t = &r["tests"][0];
        assert!(t["delta_f1"].as_f64().unwrap() > 0.05, "{t}");
        assert!(t["p_value"].as_f64().unwrap() < 0.05, "{t}");
        assert_eq!(t["significant"], true);
    }
    // The table marks it.
    let table = stdout(&run(&[
        "eval",
        "--bootstrap=200",
        "--match",
        "strict",
        GOLD,
        ARCADA,
        &worse,
    ]));
    let row = table
        .lines()
        .skip_while(|l| !l.starts_with("paired tests"))
        .nth(2)
        .unwrap();
    assert!(
        row.contains(" * ") && row.ends_with("bootstrap  sentences"),
        "{row}"
    );
}

/// Wikigold has 145 `-DOCSTART-` lines, text before the first and none
/// after the last: 145 documents (an empty one is no unit), in the
/// two-file and in the one-file layout.
#[test]
fn documents_resample_and_break_down() {
    let dir = tempfile::tempdir().unwrap();
    let gold_text = read(WIKIGOLD);
    let pred_text = degrade(&gold_text);
    let pred = write(dir.path(), "pred", &pred_text);
    let combined = write(dir.path(), "both", &one_file(&gold_text, &pred_text));
    let doc_lines: Vec<u64> = gold_text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("-DOCSTART-"))
        .map(|(k, _)| k as u64 + 1)
        .collect();
    assert_eq!(doc_lines.len(), 145);
    let two = json(&[
        "eval",
        "--format",
        "json",
        "--bootstrap=200",
        "--resample",
        "documents",
        "--breakdown",
        "documents",
        WIKIGOLD,
        &pred,
    ]);
    let one = json(&[
        "eval",
        "--format",
        "json",
        "--bootstrap=200",
        "--resample",
        "documents",
        "--breakdown",
        "documents",
        &combined,
    ]);
    for r in [&two, &one] {
        assert_eq!(r["bootstrap"]["resample"], "documents");
        assert_eq!(r["bootstrap"]["units"], 145);
        let rows = r["breakdown"]["rows"].as_array().unwrap();
        assert_eq!(r["breakdown"]["unit"], "documents");
        assert_eq!(rows.len(), 145);
        let sum = |k: &str| rows.iter().map(|x| x[k].as_u64().unwrap()).sum::<u64>();
        let micro = &r["report"]["micro"];
        for k in ["correct", "gold", "pred"] {
            assert_eq!(sum(k), micro[k].as_u64().unwrap(), "{k}");
        }
        let (lo, x, hi) = interval(&r["bootstrap"]["f1"]);
        assert!(lo < x && x < hi);
    }
    // Each document after the first starts at the first token after its
    // -DOCSTART- line and the blank line after it, in both layouts (in
    // the one-file layout the document line is a token, but a sentence
    // of document lines only is no unit).
    let lines = |r: &Value| -> Vec<u64> {
        r["breakdown"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["line"].as_u64().unwrap())
            .collect()
    };
    let after: Vec<u64> = doc_lines[..144].iter().map(|l| l + 2).collect();
    assert_eq!(lines(&two)[1..], after[..]);
    assert_eq!(lines(&one), lines(&two));
    // The same documents, so the same intervals.
    assert_eq!(one["bootstrap"], two["bootstrap"]);
    // Read by the CoNLL reader (a named token column), whose sentences
    // carry their document starts: the same documents again.
    let reader = json(&[
        "eval",
        "--format",
        "json",
        "--bootstrap=200",
        "--resample",
        "documents",
        "--breakdown",
        "documents",
        "--token-column",
        "1",
        WIKIGOLD,
        &pred,
    ]);
    assert_eq!(reader["bootstrap"], two["bootstrap"]);
    assert_eq!(lines(&reader), lines(&two));
    // Documents resample differently from sentences; the sentences of
    // both layouts are the same units.
    let sentences = json(&[
        "eval",
        "--format",
        "json",
        "--bootstrap=200",
        WIKIGOLD,
        &pred,
    ]);
    assert_ne!(sentences["bootstrap"]["f1"], two["bootstrap"]["f1"]);
    let one_sentences = json(&["eval", "--format", "json", "--bootstrap=200", &combined]);
    assert_eq!(sentences["bootstrap"], one_sentences["bootstrap"]);

    // WNUT-17 has no document lines: one document, refused.
    let o = run(&[
        "eval",
        "--bootstrap",
        "--resample",
        "documents",
        GOLD,
        ARCADA,
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("1 document") && err.contains("-DOCSTART-") && err.contains("sentences"),
        "{err}"
    );
}

#[test]
fn sentence_breakdown_rows_sum_to_the_totals() {
    let r = json(&[
        "eval",
        "--format",
        "json",
        "--breakdown",
        "sentences",
        GOLD,
        UH_RITUAL,
    ]);
    let rows = r["breakdown"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1287);
    assert_eq!(rows[0]["index"], 1);
    assert_eq!(rows[1]["line"], 29);
    for k in ["correct", "gold", "pred"] {
        let s: u64 = rows.iter().map(|x| x[k].as_u64().unwrap()).sum();
        assert_eq!(s, r["report"]["micro"][k].as_u64().unwrap());
    }
    for x in rows {
        let (c, g, p) = (
            x["correct"].as_f64().unwrap(),
            x["gold"].as_f64().unwrap(),
            x["pred"].as_f64().unwrap(),
        );
        let want = if g + p > 0.0 { 2.0 * c / (g + p) } else { 0.0 };
        assert!((x["f1"].as_f64().unwrap() - want).abs() < 1e-12);
    }
    // CSV: the same rows, seven measures each.
    let csv = stdout(&run(&[
        "eval",
        "--format",
        "csv",
        "--breakdown",
        "sentences",
        GOLD,
        UH_RITUAL,
    ]));
    let sentence_rows: Vec<&str> = csv
        .lines()
        .filter(|l| l.split(',').nth(1) == Some("sentence"))
        .collect();
    assert_eq!(sentence_rows.len(), 7 * 1287);
    let gold: u64 = sentence_rows
        .iter()
        .filter(|l| l.split(',').nth(4) == Some("gold"))
        .map(|l| l.rsplit(',').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(gold, 1079);
}

#[test]
fn every_format_shows_the_intervals() {
    let table = stdout(&run(&["eval", "--bootstrap=100", GOLD, ARCADA]));
    assert!(
        table.contains("bootstrap (100 replicates of 1287 sentences, seed 1; 95% percentile"),
        "{table}"
    );
    let f1 = table.lines().find(|l| l.starts_with("f1 ")).unwrap();
    assert!(f1.contains("39.98  [") && f1.ends_with(']'), "{f1}");
    let md = stdout(&run(&[
        "eval",
        "--bootstrap=100",
        "--confidence",
        "90",
        "--format",
        "markdown",
        GOLD,
        ARCADA,
        UH_RITUAL,
    ]));
    assert!(md.contains("f1 90% CI |"), "{md}");
    assert!(md.contains("### paired tests (paired bootstrap, 100 replicates, seed 1"));
    let csv = stdout(&run(&[
        "eval",
        "--bootstrap=100",
        "--format",
        "csv",
        GOLD,
        ARCADA,
        UH_RITUAL,
    ]));
    assert!(csv.contains(&format!("{ARCADA},bootstrap,f1,,low,")));
    assert!(csv.contains(&format!("{ARCADA},test,{UH_RITUAL},bootstrap,p-value,")));
    // The confidence as a fraction is the same as a percentage.
    let a = json(&[
        "eval",
        "--format",
        "json",
        "--bootstrap=100",
        "--confidence",
        "0.9",
        GOLD,
        ARCADA,
    ]);
    let b = json(&[
        "eval",
        "--format",
        "json",
        "--bootstrap=100",
        "--confidence",
        "90",
        GOLD,
        ARCADA,
    ]);
    assert_eq!(a["bootstrap"], b["bootstrap"]);
    assert_eq!(a["bootstrap"]["confidence"], 0.9);
    assert!(
        f1_width(&a)
            < f1_width(&json(&[
                "eval",
                "--format",
                "json",
                "--bootstrap=100",
                GOLD,
                ARCADA
            ]))
    );
}

#[test]
fn the_html_comparison_fills_its_columns_when_the_bootstrap_ran() {
    let compare = |page: &str| -> String {
        let from = page.find("<section id=\"compare\">").unwrap();
        let to = from + page[from..].find("</section>").unwrap();
        page[from..to].to_owned()
    };
    let with = stdout(&run(&[
        "eval",
        "--format",
        "html",
        "--bootstrap=100",
        GOLD,
        ARCADA,
        UH_RITUAL,
    ]));
    let c = compare(&with);
    assert!(!c.contains("placeholder"), "{c}");
    assert_eq!(c.matches("data-field=\"f1-ci\">[").count(), 2);
    // uh_ritual has the higher F1: it is the reference of arcada's p.
    assert!(c.contains(">reference</td>"));
    assert!(c.contains(">p = 0."));
    let without = stdout(&run(&["eval", "--format", "html", GOLD, ARCADA, UH_RITUAL]));
    let c = compare(&without);
    assert_eq!(c.matches("class=\"placeholder\"").count(), 4);
    assert!(c.contains("--bootstrap"));
}

/// `--bootstrap` before the files leaves them files (clap would otherwise
/// take GOLD as the number of replicates).
#[test]
fn bootstrap_before_the_files_keeps_them() {
    let before = run(&["eval", "--format", "json", "--bootstrap", GOLD, ARCADA]);
    let after = run(&["eval", "--format", "json", GOLD, ARCADA, "--bootstrap"]);
    assert!(
        before.status.success(),
        "{}",
        String::from_utf8_lossy(&before.stderr)
    );
    assert_eq!(before.stdout, after.stdout);
}

#[test]
fn nonsense_is_refused() {
    for (args, says) in [
        (vec!["--bootstrap=0"], "0 replicates"),
        (
            vec!["--bootstrap", "--confidence", "100"],
            "--confidence 100",
        ),
        (vec!["--bootstrap", "--confidence", "0"], "--confidence 0"),
        (vec!["--bootstrap", "--confidence=-5"], "--confidence -5"),
        (vec!["--bootstrap", "--confidence", "1"], "--confidence 1"),
        (vec!["--seed", "3"], "--seed applies to --bootstrap"),
        (vec!["--resample", "documents"], "--resample applies"),
        (vec!["--test", "bootstrap"], "two or more prediction files"),
        (
            vec!["--test", "t-test"],
            "expected bootstrap or permutation",
        ),
        (
            vec!["--resample", "words", "--bootstrap"],
            "sentences or documents",
        ),
        (vec!["--breakdown", "sentences"], "--format json or csv"),
        (
            vec!["--breakdown", "sentences", "--format", "markdown"],
            "--format json or csv",
        ),
        (
            vec!["--test", "permutation", "--confidence", "90"],
            "add --bootstrap",
        ),
    ] {
        let mut all = vec!["eval"];
        all.extend(&args);
        all.extend([GOLD, ARCADA]);
        if args.contains(&"permutation") {
            all.push(UH_RITUAL);
        }
        let o = run(&all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    // The number needs `=`: `--bootstrap 500 GOLD PRED` names a file 500,
    // and the message says how to write it.
    let o = run(&["eval", "--bootstrap", "500", GOLD, ARCADA]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("write --bootstrap=500"), "{err}");
}

/// Nothing of this runs unless asked: the default report is conlleval's.
#[test]
fn the_default_report_is_unchanged() {
    let out = stdout(&run(&["eval", GOLD, ARCADA]));
    assert!(out.starts_with(
        "processed 23394 tokens with 1079 phrases; found: 787 phrases; correct: 373.\n"
    ));
    assert!(!out.contains("CI"));
}

/// At `--level chars` each document of the span files is a unit, whether
/// sentences or documents are resampled (tests/data/chars has five).
#[test]
fn character_level_documents_are_units() {
    let (gold, pred) = (
        "tests/data/chars/gold.jsonl",
        "tests/data/chars/pred-errors.jsonl",
    );
    let mut reports = Vec::new();
    for unit in ["sentences", "documents"] {
        let r = json(&[
            "eval",
            "--level",
            "chars",
            "--format",
            "json",
            "--bootstrap=100",
            "--resample",
            unit,
            "--breakdown",
            unit,
            gold,
            pred,
        ]);
        assert_eq!(r["bootstrap"]["units"], 5);
        let rows = r["breakdown"]["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 5);
        for k in ["correct", "gold", "pred"] {
            let s: u64 = rows.iter().map(|x| x[k].as_u64().unwrap()).sum();
            assert_eq!(s, r["report"]["micro"][k].as_u64().unwrap(), "{k}");
        }
        let lines: Vec<u64> = rows.iter().map(|x| x["line"].as_u64().unwrap()).collect();
        assert_eq!(lines, [1, 2, 3, 4, 5]);
        reports.push(r["bootstrap"]["f1"].clone());
    }
    assert_eq!(reports[0], reports[1]);
}
