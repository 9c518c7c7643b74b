//! Integration tests of `nerkit eval`: they run the real binary.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn nerkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nerkit"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("run nerkit")
}

fn nerkit_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nerkit"))
        .current_dir(root())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run nerkit");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Compares outputs and shows both in full on failure.
fn assert_same(case: &str, got: &[u8], want: &[u8]) {
    assert!(
        got == want,
        "{case}: output differs\n--- expected\n{}--- got\n{}",
        text(want),
        text(got)
    );
}

fn cases() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(root().join("tests/data/parity/cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "conll"))
        .collect();
    v.sort();
    assert!(v.len() >= 30, "parity cases missing");
    v
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap().display().to_string()
}

#[test]
fn conlleval_parity_cases() {
    for case in cases() {
        let want = fs::read(case.with_extension("conlleval.txt")).unwrap();
        let exit: i32 = fs::read_to_string(case.with_extension("conlleval.exit"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let out = nerkit(&["eval", &rel(&case)]);
        assert_same(&rel(&case), &out.stdout, &want);
        assert_eq!(out.status.code(), Some(exit), "{}", rel(&case));
    }
}

/// seqeval writes NaN for averages over no types; nerkit writes 0.
fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

fn check_scores(what: &str, want: &Value, got: &Value) {
    for (w, g) in [
        ("precision", "precision"),
        ("recall", "recall"),
        ("f1-score", "f1"),
    ] {
        let (a, b) = (number(&want[w]), number(&got[g]));
        assert!((a - b).abs() < 1e-9, "{what} {w}: seqeval {a}, nerkit {b}");
    }
}

#[test]
fn seqeval_strict_parity() {
    let mut checked = 0;
    for case in cases() {
        for scheme in ["iob2", "ioe2", "iobes", "bilou"] {
            let json = case.with_extension(format!("seqeval-strict-{scheme}.json"));
            let out = nerkit(&[
                "eval",
                "--mode",
                "strict",
                "--scheme",
                scheme,
                "--format",
                "json",
                &rel(&case),
            ]);
            let what = format!("{} {scheme}", rel(&case));
            if !json.exists() {
                // seqeval rejects this input under this scheme: so must we,
                // clearly, naming the tag and its line.
                assert_eq!(out.status.code(), Some(2), "{what}: should be rejected");
                let err = text(&out.stderr);
                assert!(
                    err.contains(&format!("{}:", rel(&case)))
                        && err.contains("error: invalid tag")
                        && err.contains(&format!("scheme {scheme}")),
                    "{what}: {err}"
                );
                assert!(out.stdout.is_empty());
                continue;
            }
            assert_eq!(out.status.code(), Some(0), "{what}: {}", text(&out.stderr));
            let want: Value =
                serde_json::from_str(&fs::read_to_string(&json).unwrap().replace("NaN", "null"))
                    .unwrap();
            let got: Value = serde_json::from_slice(&out.stdout).unwrap();
            let mut types = Vec::new();
            for (name, w) in want.as_object().unwrap() {
                let g = match name.as_str() {
                    "micro avg" => {
                        assert_eq!(w["support"], got["micro"]["gold"], "{what}");
                        &got["micro"]
                    }
                    "macro avg" => &got["macro"],
                    "weighted avg" => &got["weighted"],
                    t => {
                        // seqeval names the empty type `_`.
                        let t = if t == "_" { "" } else { t };
                        types.push(t.to_owned());
                        let g = &got["types"][t];
                        assert_eq!(w["support"], g["gold"], "{what} {t}");
                        g
                    }
                };
                check_scores(&format!("{what} {name}"), w, g);
            }
            let mut got_types: Vec<String> =
                got["types"].as_object().unwrap().keys().cloned().collect();
            got_types.sort();
            types.sort();
            assert_eq!(types, got_types, "{what}");
            checked += 1;
        }
    }
    assert!(checked >= 80, "only {checked} seqeval files checked");
}

#[test]
fn wnut17_two_file_parity() {
    for system in ["arcada", "drexel_cci", "flytxt"] {
        let want =
            fs::read(root().join(format!("tests/data/parity/wnut17/{system}.conlleval.txt")))
                .unwrap();
        let out = nerkit(&[
            "eval",
            "corpora/wnut17/emerging.test.annotated",
            &format!("corpora/wnut17/submissions/{system}"),
        ]);
        assert_same(system, &out.stdout, &want);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
}

#[test]
fn wnut17_rewritten_tokens_are_an_error() {
    let out = nerkit(&[
        "eval",
        "corpora/wnut17/emerging.test.annotated",
        "corpora/wnut17/submissions/mic-cis.txt",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(err.contains("differ in 1283 token texts"), "{err}");
    assert!(err.contains("emerging.test.annotated:2 \"gt\" vs"), "{err}");
    assert!(err.contains("mic-cis.txt:2 \"get\""), "{err}");
    assert!(err.contains("--no-token-check"), "{err}");

    let out = nerkit(&[
        "eval",
        "--no-token-check",
        "corpora/wnut17/emerging.test.annotated",
        "corpora/wnut17/submissions/mic-cis.txt",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("processed 23394 tokens with 1079 phrases"));
    assert!(text(&out.stderr).contains("1283 token texts differ"));
}

/// The same case with CRLF, tabs, runs of spaces and a BOM.
#[test]
fn line_end_and_column_variants_score_the_same() {
    let clean = fs::read_to_string(root().join("tests/data/parity/cases/C38.conll")).unwrap();
    let want = fs::read(root().join("tests/data/parity/cases/C38.conlleval.txt")).unwrap();
    let variants = [
        clean.replace('\n', "\r\n"),
        clean.replace(' ', "\t"),
        clean.replace(' ', "   "),
        clean.replace(' ', " \t "),
        format!("\u{feff}{}", clean.replace('\n', "\r\n").replace(' ', "\t")),
        clean.trim_end_matches('\n').to_owned(),
        format!("{clean}\n\n"),
    ];
    for (k, v) in variants.iter().enumerate() {
        let out = nerkit_stdin(&["eval", "-"], v.as_bytes());
        assert_same(&format!("variant {k}"), &out.stdout, &want);
        assert_eq!(out.status.code(), Some(0));
    }
}

#[test]
fn column_count_mismatch_is_an_error_with_position() {
    let out = nerkit_stdin(&["eval", "-"], b"a B-PER B-PER\nb x I-PER I-PER\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(
        err.starts_with("<stdin>:2:11: error: expected 3 columns as on line 1, found 4"),
        "{err}"
    );
    let out = nerkit_stdin(&["eval", "-"], b"a B-PER B-PER\n\nb I-PER\n");
    let err = text(&out.stderr);
    assert!(
        err.starts_with("<stdin>:3:8: error: expected 3 columns as on line 1, found 2"),
        "{err}"
    );
}

#[test]
fn one_column_is_an_error() {
    let out = nerkit_stdin(&["eval", "-"], b"O\nO\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("<stdin>:1:1: error: expected at least 2 columns"));
}

#[test]
fn strict_bad_tag_names_tag_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let gold = dir.path().join("gold.txt");
    let pred = dir.path().join("pred.txt");
    fs::write(&gold, "a B-PER\nb I-PER\n\nc O\n").unwrap();
    fs::write(&pred, "a B-PER\nb I-PER\n\nc  S-LOC\n").unwrap();
    let out = nerkit(&[
        "eval",
        "--mode",
        "strict",
        "--scheme",
        "iob2",
        gold.to_str().unwrap(),
        pred.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("pred.txt:4:4: error: invalid tag \"S-LOC\": not a tag of scheme iob2"),
        "{err}"
    );
}

#[test]
fn two_files_that_part_name_both() {
    let dir = tempfile::tempdir().unwrap();
    let gold = dir.path().join("gold.txt");
    let pred = dir.path().join("pred.txt");
    fs::write(&gold, "a B-PER\nb I-PER\n\nc O\nd O\n").unwrap();
    fs::write(&pred, "a B-PER\nb I-PER\n\nc O\n\nd O\n").unwrap();
    let out = nerkit(&["eval", gold.to_str().unwrap(), pred.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("pred.txt:5:1: error: the files part here:")
            && err.contains("gold.txt:5 has a token (\"d\")")
            && err.contains("pred.txt:5 has the end of sentence 2"),
        "{err}"
    );
    // Fewer tokens at the end of the file.
    fs::write(&pred, "a B-PER\nb I-PER\n\nc O\n").unwrap();
    let out = nerkit(&["eval", gold.to_str().unwrap(), pred.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("gold.txt:5 has a token (\"d\")"));
}

#[test]
fn min_f1_gates() {
    let case = "tests/data/parity/cases/C38.conll";
    let json = nerkit(&["eval", "--format", "json", case]);
    let f1 = serde_json::from_slice::<Value>(&json.stdout).unwrap()["micro"]["f1"]
        .as_f64()
        .unwrap();
    let below = format!("{}", f1 - 0.01);
    let above = format!("{}", f1 + 0.01);
    assert_eq!(
        nerkit(&["eval", "--min-f1", &below, case]).status.code(),
        Some(0)
    );
    let out = nerkit(&["eval", "--min-f1", &above, case]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("below the --min-f1 threshold"));
    let pct = format!("{}", 100.0 * f1 + 1.0);
    assert_eq!(
        nerkit(&["eval", "--min-f1", &pct, case]).status.code(),
        Some(1)
    );
}

#[test]
fn degenerate_inputs_give_zeros_and_notes() {
    for input in ["", "\n\n", "a O O\nb O O\n", "a O B-PER\n", "a B-PER O\n"] {
        for format in ["conlleval", "table", "json", "markdown", "csv"] {
            let out = nerkit_stdin(&["eval", "--format", format, "-"], input.as_bytes());
            assert_eq!(out.status.code(), Some(0), "{input:?} {format}");
            let s = text(&out.stdout);
            assert!(
                !s.contains("NaN") && !s.contains("nan"),
                "{input:?} {format}: {s}"
            );
            assert!(text(&out.stderr).contains("note:"), "{input:?} {format}");
        }
    }
    let out = nerkit_stdin(&["eval", "-"], b"");
    assert_eq!(
        text(&out.stdout),
        "processed 0 tokens with 0 phrases; found: 0 phrases; correct: 0.\n"
    );
}

#[test]
fn json_report_shape() {
    let out = nerkit(&[
        "eval",
        "--format",
        "json",
        "corpora/wnut17/emerging.test.annotated",
        "corpora/wnut17/submissions/arcada",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["mode"], "conlleval");
    assert_eq!(v["scheme"], Value::Null);
    assert_eq!(v["tokens"], 23394);
    assert_eq!(v["micro"]["gold"], 1079);
    assert_eq!(v["micro"]["pred"], 787);
    assert_eq!(v["micro"]["correct"], 373);
    assert!((v["micro"]["f1"].as_f64().unwrap() - 0.3998).abs() < 1e-4);
    assert_eq!(v["ill_formed"]["gold"], 0);
    for key in ["macro", "weighted"] {
        for m in ["precision", "recall", "f1"] {
            assert!(v[key][m].is_f64(), "{key} {m}");
        }
    }
    let types: Vec<&String> = v["types"].as_object().unwrap().keys().collect();
    let mut sorted = types.clone();
    sorted.sort();
    assert_eq!(types, sorted);
    // Per-type counts sum to the micro counts.
    for k in ["gold", "pred", "correct"] {
        let sum: u64 = v["types"]
            .as_object()
            .unwrap()
            .values()
            .map(|t| t[k].as_u64().unwrap())
            .sum();
        assert_eq!(sum, v["micro"][k].as_u64().unwrap(), "{k}");
    }
}

#[test]
fn strict_reports_ill_formed_chunks() {
    // C02: an IOB1-style prediction (I- after O) is ill-formed IOB2.
    let out = nerkit(&[
        "eval",
        "--mode",
        "strict",
        "--scheme",
        "iob2",
        "--format",
        "json",
        "tests/data/parity/cases/C02.conll",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["mode"], "strict");
    assert_eq!(v["scheme"], "iob2");
    assert!(v["ill_formed"]["pred"].as_u64().unwrap() >= 1);
    assert!(text(&out.stderr).contains("note: ill-formed iob2 chunks were not counted"));
}

/// IOB2 tags scored as IOBES are tags of the scheme, but every chunk of
/// several tokens is ill-formed there: the score is 0, and a note says
/// what the tags look like and which scheme was probably meant.
#[test]
fn strict_hints_at_the_scheme_the_tags_look_like() {
    let gold = "corpora/wnut17/emerging.test.annotated";
    let pred = "corpora/wnut17/submissions/arcada";
    for scheme in ["iobes", "bilou"] {
        let out = nerkit(&["eval", "--mode", "strict", "--scheme", scheme, gold, pred]);
        assert_eq!(out.status.code(), Some(0));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("have only B- and I- prefixes, as IOB2 and IOB1 write them: did you mean --scheme iob2 (or iob1)?"),
            "{stderr}"
        );
        assert!(
            stderr.contains(&format!("nerkit convert --scheme {scheme}")),
            "{stderr}"
        );
    }
    // The right scheme: no ill-formed chunks, no hint.
    let out = nerkit(&["eval", "--mode", "strict", "--scheme", "iob2", gold, pred]);
    assert!(!text(&out.stderr).contains("did you mean"));
    // IOBES tags scored as IOBES with an ill-formed chunk: no hint.
    let dir = std::env::temp_dir().join(format!("nerkit-hint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("iobes.conll");
    std::fs::write(&file, "a B-PER B-PER\nb E-PER I-PER\nc S-LOC S-LOC\n\n").unwrap();
    let out = nerkit(&[
        "eval",
        "--mode",
        "strict",
        "--scheme",
        "iobes",
        file.to_str().unwrap(),
    ]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("ill-formed iobes chunks"), "{stderr}");
    assert!(!stderr.contains("did you mean"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn table_and_latex_formats() {
    let out = nerkit(&[
        "eval",
        "--format",
        "table",
        "corpora/wnut17/emerging.test.annotated",
        "corpora/wnut17/submissions/arcada",
    ]);
    let s = text(&out.stdout);
    assert!(s.starts_with("type "), "{s}");
    assert!(
        s.contains("micro avg      1079   787      373      47.40   34.57  39.98"),
        "{s}"
    );
    assert!(s.contains("accuracy 94.03%"), "{s}");
    let out = nerkit(&["eval", "-l", "tests/data/parity/cases/C01.conll"]);
    assert_eq!(
        text(&out.stdout),
        "        & Precision &  Recall  & F$_{\\beta=1} \\\\\\hline\n\
         LOC     &  100.00\\% & 100.00\\% & 100.00 \\\\\n\
         PER     &  100.00\\% & 100.00\\% & 100.00 \\\\\\hline\n\
         Overall &  100.00\\% & 100.00\\% & 100.00 \\\\\\hline\n"
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(
        nerkit(&[
            "eval",
            "--mode",
            "strict",
            "tests/data/parity/cases/C01.conll"
        ])
        .status
        .code(),
        Some(2)
    );
    assert_eq!(
        nerkit(&[
            "eval",
            "--scheme",
            "iob2",
            "tests/data/parity/cases/C01.conll"
        ])
        .status
        .code(),
        Some(2)
    );
    assert_eq!(nerkit(&["eval", "no/such/file"]).status.code(), Some(2));
}

mod properties {
    //! eval(x, x) is perfect; swapping gold and predictions swaps
    //! precision and recall; per-type counts sum to the micro counts.

    use nerkit::eval::{Counts, Evaluator, Mode, Scores};
    use nerkit::TagScheme;
    use proptest::prelude::*;

    const TAGS: &[&str] = &[
        "O", "O", "O", "B-PER", "I-PER", "E-PER", "S-PER", "B-LOC", "I-LOC", "L-LOC", "U-LOC", "B",
        "I", "[", "]", ".-PER", "B-0", "o",
    ];

    fn tags() -> impl Strategy<Value = Vec<Vec<&'static str>>> {
        prop::collection::vec(
            prop::collection::vec(prop::sample::select(TAGS), 1..12),
            0..6,
        )
    }

    fn input(gold: &[Vec<&str>], pred: &[Vec<&str>]) -> String {
        let mut s = String::new();
        for (g, p) in gold.iter().zip(pred) {
            for (k, (a, b)) in g.iter().zip(p).enumerate() {
                s.push_str(&format!("w{k} {a} {b}\n"));
            }
            s.push('\n');
        }
        s
    }

    fn score(gold: &[Vec<&str>], pred: &[Vec<&str>], mode: Mode) -> Counts {
        Evaluator::new(mode)
            .evaluate_file(input(gold, pred).as_bytes(), "t")
            .unwrap()
            .counts
    }

    /// The same sentence lengths, other tags.
    fn pairs() -> impl Strategy<Value = (Vec<Vec<&'static str>>, Vec<Vec<&'static str>>)> {
        tags().prop_flat_map(|g| {
            let p = g
                .iter()
                .map(|s| prop::collection::vec(prop::sample::select(TAGS), s.len()))
                .collect::<Vec<_>>();
            (Just(g), p)
        })
    }

    /// Per-type counts sum to the micro counts; with `bounded`, no type
    /// has more correct chunks than gold or predicted ones.
    fn check_sums(c: &Counts, bounded: bool) {
        let (mut g, mut p, mut k) = (0, 0, 0);
        for t in c.types.values() {
            g += t.gold;
            p += t.pred;
            k += t.correct;
            if bounded {
                assert!(t.correct <= t.gold.min(t.pred));
            }
        }
        assert_eq!((g, p, k), (c.total.gold, c.total.pred, c.total.correct));
    }

    fn iob2_only(t: &[Vec<&'static str>]) -> Vec<Vec<&'static str>> {
        t.iter()
            .map(|s| {
                s.iter()
                    .map(|&x| match x {
                        "B-PER" | "I-PER" | "B-LOC" | "I-LOC" | "B" | "I" => x,
                        _ => "O",
                    })
                    .collect()
            })
            .collect()
    }

    /// conlleval.pl quirks that make self-evaluation imperfect (a `.` tag
    /// never closes a chunk, `[` opens one without closing the one before,
    /// a chunk opened by `o` is not closed by `O`). nerkit reproduces them.
    #[test]
    fn dot_and_bracket_quirks() {
        let cases: [(&[&str], u64, u64); 3] = [
            (&["B-PER", ".-PER", "B-LOC"], 2, 1),
            (&["B-PER", "B-0", "["], 3, 2),
            (&["B-PER", "o", "O", "B-PER"], 3, 2),
        ];
        for (g, chunks, correct) in cases {
            let g = vec![g.to_vec()];
            let c = score(&g, &g, Mode::default());
            assert_eq!(
                (c.total.gold, c.total.pred, c.total.correct),
                (chunks, chunks, correct),
                "{g:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn self_evaluation_is_perfect(g in tags()) {
            // conlleval.pl's `.` prefix neither ends a chunk nor lets the
            // type-change rule end it, and `[` starts a chunk without
            // ending the one before, and a chunk opened by an unknown tag
            // such as `o` is never closed by a following `O`, so
            // self-evaluation is not perfect with them (see
            // `dot_and_bracket_quirks`): leave them out.
            let g: Vec<Vec<&str>> = g
                .iter()
                .map(|s| {
                    s.iter()
                        .map(|&t| if matches!(t, ".-PER" | "[" | "]" | "o") { "O" } else { t })
                        .collect()
                })
                .collect();
            let c = score(&g, &g, Mode::default());
            prop_assert_eq!(c.total.correct, c.total.gold);
            prop_assert_eq!(c.total.pred, c.total.gold);
            prop_assert_eq!(c.correct_tags, c.tokens);
            if c.total.gold > 0 {
                prop_assert_eq!(Scores::of(c.total).f1, 1.0);
            }
            for (scheme, letters) in [
                (TagScheme::Io, "IO"),
                (TagScheme::Iob1, "BIO"),
                (TagScheme::Iob2, "BIO"),
                (TagScheme::Ioe1, "IEO"),
                (TagScheme::Ioe2, "IEO"),
                (TagScheme::Iobes, "BIESO"),
                (TagScheme::Bilou, "BILUO"),
            ] {
                let g: Vec<Vec<&str>> = g
                    .iter()
                    .map(|s| {
                        s.iter()
                            .map(|&t| {
                                let ok = t.len() == 1 || t.as_bytes()[1] == b'-';
                                if ok && letters.contains(&t[..1]) { t } else { "O" }
                            })
                            .collect()
                    })
                    .collect();
                let c = score(&g, &g, Mode::Strict(scheme));
                prop_assert_eq!(c.total.correct, c.total.gold);
                prop_assert_eq!(c.total.pred, c.total.gold);
                prop_assert_eq!(c.ill_formed_gold.count, c.ill_formed_pred.count);
            }
        }

        #[test]
        fn swapping_swaps_precision_and_recall((g, p) in pairs()) {
            for mode in [Mode::default(), Mode::Strict(TagScheme::Iob2)] {
                let (g, p) = if mode == Mode::default() {
                    (g.clone(), p.clone())
                } else {
                    (iob2_only(&g), iob2_only(&p))
                };
                let a = score(&g, &p, mode.clone());
                let b = score(&p, &g, mode.clone());
                prop_assert_eq!(&a.swapped(), &b);
                let (sa, sb) = (Scores::of(a.total), Scores::of(b.total));
                prop_assert_eq!(sa.precision, sb.recall);
                prop_assert_eq!(sa.recall, sb.precision);
                // conlleval.pl's own rules break the bound with the `.`
                // prefix and the old bracket tags: a boundary does not close
                // a chunk whose last tag has the `.` prefix, and at the end
                // of the file the still-open correct chunk is credited to
                // the type of the last thing read, the boundary's empty type
                // (`] I-PER .-PER` against `O B-PER .-PER`: conlleval.pl
                // prints recall 100.00 for the empty type, which has no
                // predicted chunk). nerkit reproduces this byte for byte, so
                // the bound holds only without those tags.
                let quirky = |t: &[Vec<&str>]| {
                    t.iter().flatten().any(|x| x.starts_with(['[', ']', '.']))
                };
                let bounded = mode != Mode::default() || !(quirky(&g) || quirky(&p));
                check_sums(&a, bounded);
                check_sums(&b, bounded);
            }
        }
    }
}

/// Two-file evaluation reads every layout `convert` reads: here the
/// predictions come as JSON lines (converted from the submission) and as
/// bracket text, and the scores are the same bytes.
#[test]
fn two_file_mode_reads_jsonl_and_bracket_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("flytxt.jsonl");
    let out = nerkit(&[
        "convert",
        "-q",
        "--to",
        "jsonl",
        "corpora/wnut17/submissions/flytxt",
        "-o",
        jsonl.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let want = fs::read(root().join("tests/data/parity/wnut17/flytxt.conlleval.txt")).unwrap();
    let out = nerkit(&[
        "eval",
        "corpora/wnut17/emerging.test.annotated",
        jsonl.to_str().unwrap(),
    ]);
    assert_same("flytxt via jsonl", &out.stdout, &want);

    // The cable in brackets against its own CoNLL conversion: perfect, and
    // against a copy with one entity dropped: one fewer found.
    let cable = "corpora/000_8c95ef11f0516e36.txt";
    let conll = dir.path().join("cable.conll");
    let out = nerkit(&["convert", "-q", cable, "-o", conll.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let out = nerkit(&["eval", cable, conll.to_str().unwrap()]);
    assert!(
        text(&out.stdout).starts_with(
            "processed 1291 tokens with 120 phrases; found: 120 phrases; correct: 120."
        ),
        "{}",
        text(&out.stdout)
    );
    let edited = fs::read_to_string(root().join(cable)).unwrap().replacen(
        "[PER Ryan C. Crocker  ]",
        "Ryan C. Crocker",
        1,
    );
    let pred = dir.path().join("pred.txt");
    fs::write(&pred, edited).unwrap();
    let out = nerkit(&["eval", "--format", "json", cable, pred.to_str().unwrap()]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["micro"]["gold"], 120);
    assert_eq!(v["micro"]["pred"], 119);
    assert_eq!(v["types"]["PER"]["correct"], 39);
}
