//! Decisive detection: every input is read as what it is or refused with an
//! error that names what was seen and the fix, never guessed into bracket
//! text with exit 0; and the messages a user asked to be quiet about.

mod common;

use common::*;

/// Runs `nerkit ARGS` on `input` in stdin; exit status, stdout, stderr.
fn on(args: &[&str], input: &str) -> (i32, String, String) {
    parts(&run_stdin(args, input))
}

#[test]
fn json_of_no_known_layout_is_refused_with_the_keys_seen() {
    let (code, out, err) = on(&["convert"], "[{\"id\": 1, \"payload\": {\"x\": 2}}]\n");
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("<stdin>:1:1: error: the input looks like a JSON array")
            && err.contains("keys seen: id, payload")
            && err.contains("--from"),
        "{err}"
    );
    let (code, _, err) = on(&["convert"], "{\"id\": 1, \"words\": [\"EU\"]}\n");
    assert_eq!(code, 2);
    assert!(
        err.contains("JSON lines") && err.contains("keys seen: id, words"),
        "{err}"
    );
}

#[test]
fn broken_json_is_refused_at_its_place_not_read_as_text() {
    let (code, out, err) = on(
        &["convert"],
        "{\"text\": \"EU rejects\",\n \"entities\": [}\n",
    );
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("<stdin>:2:15: error:") && err.contains("not valid JSON"),
        "{err}"
    );
    // Bracket text may still start with a bracket.
    let (code, out, _) = on(&["convert"], "[PER Ryan ] met [LOC Paris ]\n");
    assert_eq!(code, 0);
    assert!(out.starts_with("Ryan\tB-PER\n"), "{out}");
}

#[test]
fn columns_without_tags_are_refused_naming_each_column() {
    let (code, _, err) = on(&["convert"], "EU\tNNP\nrejects\tVBZ\nit\tPRP\n");
    assert_eq!(code, 2);
    assert!(
        err.contains("tab-separated columns (1: text, 2: text) but no column holds tags")
            && err.contains("--tag-column"),
        "{err}"
    );
}

#[test]
fn bare_tags_are_tags_in_a_two_file_eval() {
    let dir = temp_dir();
    let tags = "B\nI\nO\n\nB\nO\nB\n";
    std::fs::write(dir.path().join("gold.txt"), tags).unwrap();
    std::fs::write(dir.path().join("pred.txt"), tags).unwrap();
    let (code, out, err) = parts(&run_in(dir.path(), &["eval", "gold.txt", "pred.txt"], b""));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("processed 6 tokens with 3 phrases; found: 3 phrases; correct: 3.")
            && out.contains("FB1: 100.00"),
        "{out}"
    );
}

#[test]
fn quiet_silences_warnings_and_max_warnings_bounds_them() {
    let input: String = (0..30).map(|_| "[PER x y\n").collect();
    let (code, _, err) = on(&["convert", "--lenient"], &input);
    assert_eq!(code, 0);
    assert_eq!(err.matches("warning: <stdin>:").count(), 20, "{err}");
    assert!(
        err.contains("... and 10 more like these (30 in all"),
        "{err}"
    );
    let (_, _, err) = on(&["convert", "--lenient", "--max-warnings", "0"], &input);
    assert_eq!(err.matches("warning: <stdin>:").count(), 30);
    let (code, _, err) = on(&["convert", "--lenient", "-q"], &input);
    assert_eq!((code, err.as_str()), (0, ""));
    // The count stays available to scripts.
    let (_, _, err) = on(&["convert", "--lenient", "-q", "--summary", "json"], &input);
    assert!(
        err.starts_with('{') && err.contains("\"unclosed-entity\":30"),
        "{err}"
    );
}

/// Issue 19, defect 11: both misfires are now exact reads or errors.
#[test]
fn a_first_line_past_the_prefix_or_an_em_space_token_is_not_bracket_text() {
    let huge = "x".repeat(70_000);
    let input = format!("{huge}\tO\nEU\tB-ORG\n");
    let (code, out, err) = on(&["convert"], &input);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("the first line is longer than the") && err.contains("--from"),
        "{err}"
    );
    // Named, it is read exactly.
    let (code, out, err) = on(&["convert", "--from", "conll", "-q"], &input);
    assert_eq!(code, 0, "{err}");
    assert!(out.ends_with("\tO\nEU\tB-ORG\n\n"));
    // A long line of bracket text with an entity in sight is bracket text.
    let text = format!("[PER Ryan ] {}\n", "word ".repeat(20_000));
    let (code, _, err) = on(&["convert"], &text);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("bracket (detected)") && err.contains("PER 1"),
        "{err}"
    );
    // U+2003 is a token of WNUT-17, not a column separator.
    for input in ["\u{2003}\tO\nEU\tB-ORG\n", "\u{2003} O\nEU B-ORG\n"] {
        let (code, out, err) = on(&["convert"], input);
        assert_eq!(code, 0, "{err}");
        assert!(
            err.contains("conll (detected)") && err.contains("ORG 1"),
            "{err}"
        );
        assert_eq!(out, "\u{2003}\tO\nEU\tB-ORG\n\n");
    }
}

/// Issue 14's silent misreads of column files, each now detected and read
/// exactly (the samples are tests/data/columns/, see its README).
#[test]
fn column_layouts_are_detected_and_read_exactly() {
    for (file, from, entities) in [
        // CoNLL-U, the tag under NER= in MISC: was one token per column.
        ("conllu.conllu", "conllu (detected)", "3 (LOC 1, PER 2)"),
        // Few-NERD's unprefixed IO tags: was bracket text.
        ("fewnerd.txt", "conll (detected) io (detected)", "4 ("),
        // A prediction file with a probability column: was bracket text.
        ("scored.txt", "conll (detected)", "3 (MISC 1, ORG 1, PER 1)"),
        ("suffix.txt", "conll (detected)", "3 (MISC 1, ORG 1, PER 1)"),
        ("conll2003.txt", "conll (detected) iob1 (detected)", "5 ("),
    ] {
        let path = data(&format!("columns/{file}"));
        let (code, _, err) = parts(&run(&["convert", path.to_str().unwrap()]));
        assert_eq!(code, 0, "{file}: {err}");
        assert!(
            err.contains(&format!("nerkit convert: {from}"))
                && err.contains(&format!("entities read:    {entities}")),
            "{file}: {err}"
        );
    }
    // Bare tags in a two-file eval: a perfect prediction scored 0 before.
    let (gold, pred) = (data("columns/bare.gold.txt"), data("columns/bare.pred.txt"));
    let (code, out, err) = parts(&run(&[
        "eval",
        gold.to_str().unwrap(),
        pred.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("found: 2 phrases; correct: 2."), "{out}");
    // CoNLL-U without NER tags is refused naming the flags.
    let (code, _, err) = on(
        &["convert"],
        "1\tThey\tthey\tPRON\tPRP\t_\t2\tnsubj\t_\t_\n2\tbuy\tbuy\tVERB\tVBP\t_\t0\troot\t_\t_\n",
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("CoNLL-U") && err.contains("--misc-key"),
        "{err}"
    );
}

/// Issue 14's silent misreads of tool exports: a Label Studio export (an
/// array of tasks) was bracket text, Prodigy's `spans` gave 0 entities.
#[test]
fn tool_exports_are_detected_and_read_exactly() {
    for (file, args, from, entities) in [
        (
            "labelstudio.json",
            &["--annotation", "first"][..],
            "label-studio (detected)",
            "7 (LOC 3, ORG 1, PER 3)",
        ),
        ("labelstudio.jsonl", &[][..], "label-studio (detected)", ""),
        (
            "labelstudio-min.json",
            &[][..],
            "label-studio (detected)",
            "",
        ),
        ("prodigy.jsonl", &[][..], "prodigy (detected)", ""),
        ("doccano-entities.jsonl", &[][..], "doccano (detected)", ""),
    ] {
        let path = data(&format!("exports/{file}"));
        let mut argv = vec!["convert", path.to_str().unwrap()];
        argv.extend_from_slice(args);
        let (code, out, err) = parts(&run(&argv));
        assert_eq!(code, 0, "{file}: {err}");
        assert!(
            err.contains(&format!("nerkit convert: {from}")),
            "{file}: {err}"
        );
        assert!(
            err.contains(&format!("entities read:    {entities}")) && !err.contains("read:    0"),
            "{file}: {err}"
        );
        assert!(out.contains("\tB-"), "{file}: {out}");
    }
    // Tasks whose annotations differ are refused naming the choice.
    let path = data("exports/labelstudio.json");
    let (code, _, err) = parts(&run(&["convert", path.to_str().unwrap()]));
    assert_eq!(code, 2);
    assert!(err.contains("--annotation first"), "{err}");
}

/// A short CoNLL file with a tag left out on one line (three lines of four
/// have two columns, under the 80% rule) was read as bracket text with
/// exit 0: a sentence per line, the tags as tokens. Mostly tab-separated
/// lines are never bracket text: read as columns, so that the reader
/// names the broken line, or refused.
#[test]
fn columns_with_a_broken_line_are_not_read_as_bracket_text() {
    let (code, out, err) = on(
        &["convert"],
        "EU\tB-ORG\nrejects\tO\nGerman\tB-MISC\ncall\n\n",
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("<stdin>:4:1: error: expected a token and a tag"),
        "{err}"
    );
    // Space-separated too (CoNLL-2003's layout).
    let (code, out, err) = on(
        &["convert"],
        "EU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\ncall NN I-NP\n\n",
    );
    assert_eq!(code, 2, "{out}{err}");
    // Read as columns, the broken line fails (its last field read as
    // the tag).
    assert!(err.contains("<stdin>:4:"), "{err}");
    let (code, out, err) = on(&["convert"], "id\tsentence\n1\tHello there\n2\n");
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("<stdin>:1:1: error: the input is tab-separated lines of differing widths")
            && err.contains("--from"),
        "{err}"
    );
    // A tab or two in bracket text leave it bracket text.
    let (code, out, err) = on(&["convert"], "Hello\tthere [PER Bob ]\nmore\n");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Bob\tB-PER\n"), "{out}");
}
