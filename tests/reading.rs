//! One reading layer for every command: `eval` reads every layout and takes
//! every reading option `convert` takes, and scores what `convert` writes.

mod common;

use common::*;

const WIKIGOLD: &str = "corpora/wikigold/wikigold.conll.txt";

/// The second line of a conlleval report (accuracy, precision, recall,
/// FB1) and the first (tokens and phrases).
fn headline(stdout: &str) -> (&str, &str) {
    let mut lines = stdout.lines();
    (lines.next().unwrap_or(""), lines.next().unwrap_or(""))
}

#[test]
fn eval_scores_wikigold_against_its_own_conversion() {
    let dir = temp_dir();
    let gold = root().join(WIKIGOLD);
    let gold = gold.to_str().unwrap();
    for (name, args) in [
        ("plain.conll", &["convert", "-q"][..]),
        ("docstart.conll", &["convert", "-q", "--docstart"][..]),
        (
            "conll2003.conll",
            &["convert", "-q", "--docstart", "--columns", "conll2003"][..],
        ),
        ("iob1.conll", &["convert", "-q", "--scheme", "iob1"][..]),
        ("out.jsonl", &["convert", "-q", "--to", "jsonl"][..]),
        ("out.spans", &["convert", "-q", "--to", "spans"][..]),
        ("out.txt", &["convert", "-q", "--to", "bracket"][..]),
    ] {
        let mut all = args.to_vec();
        all.extend([gold, "-o", name]);
        let (code, _, stderr) = parts(&run_in(dir.path(), &all, b""));
        assert_eq!(code, 0, "{name}: {stderr}");
        let mut eval = vec!["eval"];
        if name.ends_with(".spans") {
            // The text of a spans file is the tokens joined by spaces.
            eval.extend(["--tokenizer", "whitespace"]);
        }
        eval.extend([gold, name]);
        let (code, stdout, stderr) = parts(&run_in(dir.path(), &eval, b""));
        assert_eq!(code, 0, "{name}: {stderr}");
        let (first, second) = headline(&stdout);
        assert_eq!(
            first, "processed 39007 tokens with 3558 phrases; found: 3558 phrases; correct: 3558.",
            "{name}"
        );
        assert!(
            second.ends_with("precision: 100.00%; recall: 100.00%; FB1: 100.00"),
            "{name}: {second}"
        );
    }
    // A conversion with document lines scores against itself, tag for
    // tag: accuracy 100% too.
    for name in ["docstart.conll", "conll2003.conll", "iob1.conll"] {
        let (code, stdout, stderr) = parts(&run_in(dir.path(), &["eval", name, name], b""));
        assert_eq!(code, 0, "{name}: {stderr}");
        assert_eq!(
            headline(&stdout).1,
            "accuracy: 100.00%; precision: 100.00%; recall: 100.00%; FB1: 100.00",
            "{name}"
        );
    }
    // The IOB1 conversion has the gold's very tags.
    let (_, stdout, _) = parts(&run_in(dir.path(), &["eval", gold, "iob1.conll"], b""));
    assert!(
        headline(&stdout).1.starts_with("accuracy: 100.00%;"),
        "{stdout}"
    );
}

#[test]
fn eval_reads_leniently_when_asked() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("gold.conll"), "a B-PER\nb O\nc B-PER\n").unwrap();
    std::fs::write(
        dir.path().join("pred.jsonl"),
        "{\"tokens\":[\"a\",\"b\",\"c\"],\"tags\":[\"B-PER\",\"O\",\"I-PER\"]}\n",
    )
    .unwrap();
    let (code, _, stderr) = parts(&run_in(
        dir.path(),
        &["eval", "gold.conll", "pred.jsonl"],
        b"",
    ));
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("pred.jsonl:1:25: error: ill-formed iob2 tags \"O I-PER\""),
        "{stderr}"
    );
    let args = ["eval", "--lenient", "gold.conll", "pred.jsonl"];
    let (code, stdout, stderr) = parts(&run_in(dir.path(), &args, b""));
    assert_eq!(code, 0, "{stderr}");
    assert!(headline(&stdout).1.ends_with("FB1: 100.00"), "{stdout}");
    assert!(
        stderr.contains("warning: pred.jsonl:1:25: ill-formed iob2"),
        "the repair is reported: {stderr}"
    );
    // Or the scheme named: IOB1 reads `O I-PER` as an entity.
    let args = ["eval", "--from-scheme", "iob1", "gold.conll", "pred.jsonl"];
    let (code, _, stderr) = parts(&run_in(dir.path(), &args, b""));
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn eval_takes_every_reading_option_of_convert() {
    let help = |cmd: &str| parts(&run(&[cmd, "--help"])).1;
    let (convert, eval) = (help("convert"), help("eval"));
    for flag in [
        "--from <FORMAT>",
        "--from-scheme <SCHEME>",
        "--delimiter <DELIMITER>",
        "--tag-column <N>",
        "--comments",
        "--tokenizer <TOKENIZER>",
        "--sentences <SENTENCES>",
        "--align <ALIGN>",
        "--overlaps <OVERLAPS>",
        "--html <HTML>",
        "--labels <LABELS|FILE>",
        "--lenient",
    ] {
        assert!(convert.contains(flag), "convert --help lacks {flag}");
        assert!(eval.contains(flag), "eval --help lacks {flag}");
    }
    assert!(eval.contains("--gold-from <FORMAT>") && eval.contains("--pred-from <FORMAT>"));
}

#[test]
fn eval_reading_options_change_what_is_read() {
    let dir = temp_dir();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("gold.conll", "EU\tB-ORG\tx\nrejects\tO\tx\n\n");
    // The tag in the second of three columns, and a comment line.
    write("pred.conll", "# sent 1\nEU\tB-ORG\tO\nrejects\tO\tO\n\n");
    let args = [
        "eval",
        "--tag-column",
        "2",
        "--comments",
        "gold.conll",
        "pred.conll",
    ];
    let (code, stdout, stderr) = parts(&run_in(dir.path(), &args, b""));
    assert_eq!(code, 0, "{stderr}");
    assert!(headline(&stdout).1.ends_with("FB1: 100.00"), "{stdout}");
    // Without them the comment is a token and the last column is the tag.
    let (code, _, _) = parts(&run_in(
        dir.path(),
        &["eval", "gold.conll", "pred.conll"],
        b"",
    ));
    assert_eq!(code, 2);
    // Bracket predictions: a label outside --labels is refused.
    write("pred.txt", "[ORG EU  ] rejects\n");
    write("bad.txt", "[COMPANY EU  ] rejects\n");
    let args = [
        "eval",
        "--labels",
        "ORG,PER",
        "--tag-column",
        "2",
        "gold.conll",
        "pred.txt",
    ];
    let (code, stdout, stderr) = parts(&run_in(dir.path(), &args, b""));
    assert_eq!(code, 0, "{stderr}");
    assert!(headline(&stdout).1.ends_with("FB1: 100.00"), "{stdout}");
    let args = [
        "eval",
        "--labels",
        "ORG,PER",
        "--tag-column",
        "2",
        "gold.conll",
        "bad.txt",
    ];
    let (code, _, stderr) = parts(&run_in(dir.path(), &args, b""));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("COMPANY"), "{stderr}");
    // A format named for one side only: the prediction is bracket text
    // though it looks like columns.
    write("cols.txt", "EU B-ORG\nrejects O\n");
    let args = [
        "eval",
        "--pred-from",
        "bracket",
        "--tag-column",
        "2",
        "gold.conll",
        "cols.txt",
    ];
    let (code, _, stderr) = parts(&run_in(dir.path(), &args, b""));
    assert_eq!(code, 2, "read as bracket text, the tokens differ: {stderr}");
    // Spans predictions with overlapping spans: refused, or the longest
    // kept when asked.
    write(
        "pred.spans",
        "{\"text\": \"EU rejects\", \"entities\": [{\"start\": 0, \"end\": 2, \"label\": \"ORG\"}, {\"start\": 0, \"end\": 10, \"label\": \"MISC\"}]}\n",
    );
    write("misc.conll", "EU\tB-MISC\nrejects\tI-MISC\n");
    let base = ["eval", "misc.conll", "pred.spans"];
    let (code, _, stderr) = parts(&run_in(dir.path(), &base, b""));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("overlap"), "{stderr}");
    let mut args = base.to_vec();
    args.extend(["--overlaps", "longest"]);
    let (code, stdout, stderr) = parts(&run_in(dir.path(), &args, b""));
    assert_eq!(code, 0, "{stderr}");
    assert!(headline(&stdout).1.ends_with("FB1: 100.00"), "{stdout}");
}

#[test]
fn one_file_layout_refuses_format_options() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("pairs.txt"), "a B-X B-X\n").unwrap();
    let (code, _, stderr) = parts(&run_in(
        dir.path(),
        &["eval", "--from", "conll", "pairs.txt"],
        b"",
    ));
    assert_eq!(code, 2);
    assert!(stderr.contains("apply to two files"), "{stderr}");
}

/// The library words its hints without naming flags; the command line
/// names its flags in them (`src/cmd/hints.rs`), in the words it has always
/// printed. One case per hint, each message in full.
#[test]
fn messages_name_the_flag_for_each_hint() {
    let dir = temp_dir();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("ill.conll", "Ryan O\nCrocker I-PER\n\n");
    write("foreign.conll", "Ryan S-PER\nCrocker O\n\n");
    write(
        "inside.jsonl",
        "{\"text\": \"Pakistan’s army\", \"label\": [[0, 8, \"LOC\"]]}\n",
    );
    write(
        "overlap.jsonl",
        "{\"text\": \"a b c d\", \"entities\": [[0, 3, \"X\"], [2, 7, \"Y\"]]}\n",
    );
    write("labels.txt", "[PER a ] [GPE b ]\n");
    write("gold.conll", "a O\nb B-PER\n\n");
    write("pred.conll", "a O\nc B-PER\n\n");
    let errors: [(&[&str], &str); 6] = [
        (
            &["convert", "--from-scheme", "iob2", "ill.conll"],
            "ill.conll:2:9: error: ill-formed iob2 tags \"O I-PER\": entity starts with I- \
             instead of B-; use --lenient to read them as conlleval.pl does, or --from-scheme \
             to name the right scheme",
        ),
        (
            &["convert", "--from", "conll", "--from-scheme", "iob2", "foreign.conll"],
            "foreign.conll:1:6: error: invalid tag \"S-PER\": not a tag of the iob2 scheme; \
             give the input scheme with --from-scheme",
        ),
        (
            &["convert", "--from", "spans", "inside.jsonl"],
            "inside.jsonl:1:1: error: span 1 (LOC 0..8 \"Pakistan\"): its end falls inside the \
             token \"Pakistan’s\"; use --align contract or --align expand to move it to a token \
             edge",
        ),
        (
            &["convert", "--from", "spans", "overlap.jsonl"],
            "overlap.jsonl:1:1: error: span 1 (X 0..3 \"a b\") overlaps span 2 (Y 2..7 \"b c d\"): \
             tags cannot hold overlapping entities; use --overlaps longest or --overlaps first \
             to keep one",
        ),
        (
            &["convert", "--labels", "PER,LOC", "labels.txt"],
            "labels.txt:1:11: error: label \"GPE\" is not in the label set given with --labels",
        ),
        (
            &["eval", "gold.conll", "pred.conll"],
            "error: gold.conll and pred.conll differ in 1 token text (--no-token-check scores \
             anyway):\n  gold.conll:2 \"b\" vs pred.conll:2 \"c\"",
        ),
    ];
    for (args, message) in errors {
        let (code, _, stderr) = parts(&run_in(dir.path(), args, b""));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(stderr, format!("{message}\n"), "{args:?}");
    }
    // -q would silence the warning: the summary that follows it is left out.
    let args = ["convert", "--lenient", "--labels", "PER,LOC", "labels.txt"];
    let (code, _, stderr) = parts(&run_in(dir.path(), &args, b""));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr.lines().next().unwrap_or_default().to_string() + "\n",
        "warning: labels.txt:1:11: label \"GPE\" is not in the label set given with --labels; \
         kept its text as plain tokens\n"
    );
}
