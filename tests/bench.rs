//! `nerkit bench`: the shape of the table and of the JSON, and numbers that
//! are positive and agree with each other and with what `nerkit convert`
//! and `nerkit eval` report. No assertion here depends on how fast the
//! machine is.

mod common;

use common::{data, parts, root, run, run_stdin};
use serde_json::Value;

const CABLE: &str = "corpora/000_8c95ef11f0516e36.txt";

/// Runs `nerkit bench --format json` with two timed runs and no warm-up;
/// returns the JSON.
fn bench_json(args: &[&str]) -> Value {
    let mut all = vec!["bench", "--format", "json", "-n", "2", "--warmup", "0"];
    all.extend_from_slice(args);
    let (code, out, err) = parts(&run(&all));
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// The rows of a JSON result whose task is `task`.
fn rows<'a>(v: &'a Value, task: &str) -> Vec<&'a Value> {
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["task"] == task)
        .collect()
}

/// The tokens `nerkit convert` reports for `args`.
fn convert_tokens(args: &[&str]) -> u64 {
    let mut all = vec!["convert", "--summary", "json", "-o", "/dev/null"];
    all.extend_from_slice(args);
    let (code, _, err) = parts(&run(&all));
    assert_eq!(code, 0, "{err}");
    let summary: Value = serde_json::from_str(err.trim()).unwrap();
    summary["tokens"].as_u64().unwrap()
}

/// Every row's timings are positive and ordered, its rates follow from its
/// bytes, tokens and median, and it has the runs asked for.
fn check_numbers(v: &Value, runs: usize) {
    for row in v["rows"].as_array().unwrap() {
        let s = &row["seconds"];
        let (min, median, max) = (
            s["min"].as_f64().unwrap(),
            s["median"].as_f64().unwrap(),
            s["max"].as_f64().unwrap(),
        );
        assert!(min > 0.0 && min <= median && median <= max, "{row}");
        assert_eq!(row["runs"].as_array().unwrap().len(), runs, "{row}");
        assert!(row["passes"].as_u64().unwrap() >= 1, "{row}");
        let bytes = row["bytes"].as_f64().unwrap();
        assert!(bytes > 0.0, "{row}");
        let mb = row["mb_per_s"]["median"].as_f64().unwrap();
        assert!(
            (mb - bytes / 1e6 / median).abs() <= 1e-9 * mb.max(1.0),
            "{row}"
        );
        assert!(row["mb_per_s"]["max"].as_f64().unwrap() >= mb, "{row}");
        match row["tokens"].as_u64() {
            Some(tokens) => {
                assert!(tokens > 0, "{row}");
                let per = row["tokens_per_s"]["median"].as_f64().unwrap();
                assert!((per - tokens as f64 / median).abs() <= 1e-9 * per, "{row}");
            }
            None => assert!(row["tokens_per_s"].is_null(), "{row}"),
        }
        assert!(row["threads"].as_u64().unwrap() >= 1, "{row}");
    }
}

#[test]
fn json_rows_for_everything_on_bracket_text() {
    let v = bench_json(&["--tokenizer", "whitespace,unicode", CABLE]);
    check_numbers(&v, 2);
    let len = std::fs::metadata(root().join(CABLE)).unwrap().len();
    assert_eq!(v["inputs"][0]["bytes"], len);
    assert_eq!(v["inputs"][0]["format"], "bracket");
    assert_eq!(v["inputs"][0]["format_detected"], true);
    // Bracket text has no tag columns to score.
    assert_eq!(v["inputs"][0]["skipped"][0]["task"], "eval");

    let what = |task: &str| -> Vec<String> {
        rows(&v, task)
            .iter()
            .map(|r| r["what"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(what("reference"), ["read file", "hash bytes"]);
    assert_eq!(what("tokenize"), ["whitespace", "unicode"]);
    assert_eq!(what("parse"), ["bracket (whitespace)", "bracket (unicode)"]);
    assert_eq!(
        what("convert"),
        [
            "bracket (whitespace) -> conll iob2",
            "bracket (unicode) -> conll iob2"
        ]
    );
    assert!(rows(&v, "eval").is_empty());
    for r in rows(&v, "reference").into_iter().chain(rows(&v, "convert")) {
        assert_eq!(r["bytes"], len, "{r}");
    }

    // The tokens parsed and converted are the tokens convert reports, for
    // each tokenizer.
    for (i, tokenizer) in ["whitespace", "unicode"].into_iter().enumerate() {
        let expected = convert_tokens(&["--tokenizer", tokenizer, CABLE]);
        assert_eq!(rows(&v, "parse")[i]["tokens"], expected, "{tokenizer}");
        assert_eq!(rows(&v, "convert")[i]["tokens"], expected, "{tokenizer}");
        let out = rows(&v, "convert")[i]["output_bytes"].as_u64().unwrap();
        assert!(out > len, "CoNLL lines are longer than bracket text");
    }
    // The whitespace tokenizer over the raw text counts the tokens of the
    // text, brackets and labels too: more than the entities' words alone.
    let raw = rows(&v, "tokenize")[0]["tokens"].as_u64().unwrap();
    let words = rows(&v, "parse")[0]["tokens"].as_u64().unwrap();
    let split = std::fs::read_to_string(root().join(CABLE))
        .unwrap()
        .split_whitespace()
        .count() as u64;
    assert_eq!(raw, split);
    assert!(raw > words);
}

#[test]
fn conll_rows_and_their_tokens() {
    let gold = data("bench/gold.conll");
    let gold = gold.to_str().unwrap();
    let v = bench_json(&[
        "--what",
        "parse,convert,eval",
        "--to",
        "conll,jsonl,bracket",
        "--scheme",
        "iob2,iobes",
        gold,
    ]);
    check_numbers(&v, 2);
    assert!(rows(&v, "tokenize").is_empty());
    let what: Vec<&str> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["what"].as_str().unwrap())
        .collect();
    assert_eq!(
        what,
        [
            "read file",
            "hash bytes",
            "conll",
            "conll -> conll iob2",
            "conll -> conll iobes",
            "conll -> jsonl iob2",
            "conll -> jsonl iobes",
            // A scheme does not change bracket output: one row.
            "conll -> bracket",
            "conlleval (file against itself)",
        ]
    );
    let expected = convert_tokens(&[gold]);
    assert_eq!(expected, 7);
    for row in v["rows"].as_array().unwrap().iter().skip(2) {
        assert_eq!(row["tokens"], expected, "{row}");
    }
    // The file is read twice when scored against itself.
    let len = std::fs::metadata(gold).unwrap().len();
    assert_eq!(rows(&v, "eval")[0]["bytes"], 2 * len);
}

#[test]
fn eval_rows_count_what_eval_counts() {
    let one = data("bench/conlleval.txt");
    let v = bench_json(&["--what", "eval", one.to_str().unwrap()]);
    check_numbers(&v, 2);
    let eval = rows(&v, "eval");
    assert_eq!(eval.len(), 1);
    assert_eq!(eval[0]["what"], "conlleval");
    // conlleval.pl's "processed 13 tokens with 5 phrases".
    assert_eq!(eval[0]["tokens"], 13);
    let (code, report, _) = parts(&run(&["eval", one.to_str().unwrap()]));
    assert_eq!(code, 0);
    assert!(report.starts_with("processed 13 tokens"), "{report}");

    let (gold, pred) = (data("bench/gold.conll"), data("bench/pred.conll"));
    let v = bench_json(&[
        "--what",
        "eval",
        "--mode",
        "strict",
        "--from-scheme",
        "iob2",
        "--pred",
        pred.to_str().unwrap(),
        gold.to_str().unwrap(),
    ]);
    check_numbers(&v, 2);
    let eval = rows(&v, "eval");
    assert_eq!(eval[0]["tokens"], 7);
    assert!(eval[0]["what"]
        .as_str()
        .unwrap()
        .starts_with("strict iob2 (against "));
    let both = std::fs::metadata(&gold).unwrap().len() + std::fs::metadata(&pred).unwrap().len();
    assert_eq!(eval[0]["bytes"], both);
}

#[test]
fn threads_give_a_row_each_with_the_same_tokens() {
    let v = bench_json(&["--what", "convert", "--threads", "1,2", CABLE]);
    check_numbers(&v, 2);
    let convert = rows(&v, "convert");
    assert_eq!(convert.len(), 2);
    assert_eq!(convert[0]["threads"], 1);
    let two = convert[1]["threads"].as_u64().unwrap();
    assert!((1..=2).contains(&two), "capped at the cores: {two}");
    assert_eq!(convert[0]["tokens"], convert[1]["tokens"]);
    assert_eq!(convert[0]["output_bytes"], convert[1]["output_bytes"]);
}

#[test]
fn stdin_is_read_once_and_has_no_file_row() {
    let text = std::fs::read_to_string(root().join(CABLE)).unwrap();
    let out = run_stdin(
        &[
            "bench", "--format", "json", "-n", "1", "--warmup", "0", "--what", "parse", "-",
        ],
        &text,
    );
    let (code, out, err) = parts(&out);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    check_numbers(&v, 1);
    assert_eq!(v["inputs"][0]["name"], "<stdin>");
    assert_eq!(v["inputs"][0]["bytes"], text.len());
    let what: Vec<&str> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["what"].as_str().unwrap())
        .collect();
    assert_eq!(what, ["hash bytes", "bracket"]);
    assert_eq!(rows(&v, "parse")[0]["tokens"], convert_tokens(&[CABLE]));
}

#[test]
fn table_has_a_header_and_one_row_per_task() {
    let (code, out, err) = parts(&run(&[
        "bench",
        "-n",
        "3",
        "--warmup",
        "0",
        "--tokenizer",
        "whitespace,unicode",
        CABLE,
    ]));
    assert_eq!(code, 0, "{err}");
    // Not a terminal: no colour.
    assert!(!out.contains('\x1b'), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with(&format!("{CABLE}: 9.1 KB in memory, bracket (detected);")),
        "{out}"
    );
    assert!(
        lines[0].ends_with("0 warm-up runs, 3 timed runs each"),
        "{out}"
    );
    let heading: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        heading,
        [
            "task", "what", "threads", "median", "ms", "min", "ms", "max", "ms", "MB/s",
            "tokens/s", "tokens", "passes"
        ]
    );
    let tasks: Vec<&str> = lines[2..]
        .iter()
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        tasks,
        [
            "reference",
            "reference",
            "tokenize",
            "tokenize",
            "parse",
            "parse",
            "convert",
            "convert",
            "eval"
        ]
    );
    for line in &lines[2..10] {
        // The last eight columns: threads, three times, MB/s, tokens/s,
        // tokens, passes; all positive numbers but for the references'
        // counts.
        let fields: Vec<&str> = line.split_whitespace().collect();
        let numbers = &fields[fields.len() - 8..];
        assert!(numbers[7].parse::<u64>().unwrap() >= 1, "{line}");
        assert!(numbers[0].parse::<u64>().unwrap() >= 1, "{line}");
        let times: Vec<f64> = numbers[1..4].iter().map(|n| n.parse().unwrap()).collect();
        assert!(times.iter().all(|&t| t >= 0.0), "{line}");
        assert!(times[1] <= times[0] && times[0] <= times[2], "{line}");
        assert!(numbers[4].parse::<f64>().unwrap() > 0.0, "{line}");
        if line.trim_start().starts_with("reference") {
            assert_eq!(&numbers[5..7], ["-", "-"], "{line}");
        } else {
            assert!(
                numbers[5]
                    .trim_end_matches(['M', 'k'])
                    .parse::<f64>()
                    .unwrap()
                    > 0.0
            );
            assert!(numbers[6].parse::<u64>().unwrap() > 0, "{line}");
        }
    }
    assert!(
        lines[10].contains("eval") && lines[10].contains("skipped"),
        "{out}"
    );
    assert!(out.contains("Inputs held in memory"), "{out}");
}

#[test]
fn errors_name_the_fix() {
    let gold = data("bench/gold.conll");
    let cases: &[(&[&str], &str)] = &[
        (
            &["bench", "--what", "eval", CABLE],
            "give predictions with --pred",
        ),
        (
            &[
                "bench",
                "--what",
                "eval",
                "--mode",
                "strict",
                gold.to_str().unwrap(),
            ],
            "add --from-scheme",
        ),
        (&["bench", "-n", "0", CABLE], "0 is not in 1..=1000000"),
        (
            &["bench", "--pred", "-", "-"],
            "stdin (-) is given more than once",
        ),
        (&["bench", "no-such-file.txt"], "no-such-file.txt"),
    ];
    for (args, message) in cases {
        let (code, out, err) = parts(&run(args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
    }
}

#[test]
fn text_that_is_not_utf8_is_refused_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.txt"), b"fine\nab\xffc\n").unwrap();
    let out = common::run_in(
        dir.path(),
        &["bench", "--what", "tokenize", "-n", "1", "bad.txt"],
        b"",
    );
    let (code, _, err) = parts(&out);
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("bad.txt:2:3: error:"), "{err}");
}
