//! Integration tests of every reader and writer of `nerkit convert`, on
//! real corpora and generated round trips.

mod common;

use common::{assert_golden, parts, run, run_in, run_stdin, temp_dir};
use nerkit::convert::{LabelCounts, SentenceWriter};
use nerkit::{conll, Sentence, TagScheme, TokenSpan};
use proptest::prelude::*;

const WIKIGOLD: &str = "corpora/wikigold/wikigold.conll.txt";
const WNUT: &str = "corpora/wnut17/wnut17train.conll";
const CABLE: &str = "corpora/000_8c95ef11f0516e36.txt";
const RE3D: &str = "corpora/re3d-us-state-department/spans.jsonl";
const SCHEMES: &[&str] = &["iob1", "iob2", "ioe1", "ioe2", "iobes", "bilou"];

fn ok(args: &[&str]) -> (String, String) {
    let (code, stdout, stderr) = parts(&run(args));
    assert_eq!(code, 0, "{args:?}: {stderr}");
    (stdout, stderr)
}

fn ok_stdin(args: &[&str], input: &str) -> (String, String) {
    let (code, stdout, stderr) = parts(&run_stdin(args, input));
    assert_eq!(code, 0, "{args:?}: {stderr}");
    (stdout, stderr)
}

#[test]
fn wikigold_iob1_to_iob2_golden() {
    let (stdout, stderr) = ok(&["convert", "--scheme", "iob2", WIKIGOLD]);
    assert_golden("formats/wikigold.iob2.expected", stdout.as_bytes());
    assert!(
        stderr.starts_with(
            "nerkit convert: conll (detected) iob1 (detected) -> conll iob2: 145 documents, 1696 sentences, 39007 tokens"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("entities written: 3558 (LOC 1014, MISC 712, ORG 898, PER 934)"),
        "{stderr}"
    );
    // Every entity starts with B- now, and no I- follows an O.
    assert_eq!(stdout.matches("\tB-").count(), 3558);
}

#[test]
fn wikigold_to_every_scheme_and_back_is_the_identity() {
    let (iob2, _) = ok(&["convert", "-q", WIKIGOLD]);
    for scheme in SCHEMES {
        let (other, _) = ok_stdin(&["convert", "-q", "--scheme", scheme], &iob2);
        let (back, stderr) = ok_stdin(&["convert", "--from-scheme", scheme], &other);
        assert_eq!(back, iob2, "{scheme}");
        assert!(
            stderr.contains("entities written: 3558"),
            "{scheme}: {stderr}"
        );
    }
}

#[test]
fn wnut_through_jsonl_is_byte_identical_to_a_direct_conversion() {
    let (direct, _) = ok(&["convert", "-q", "--from", "conll", WNUT]);
    let (jsonl, _) = ok(&["convert", "-q", "--to", "jsonl", WNUT]);
    let (via, stderr) = ok_stdin(&["convert"], &jsonl);
    assert!(
        stderr.starts_with("nerkit convert: jsonl (detected) iob2 (detected) -> conll iob2"),
        "{stderr}"
    );
    assert!(
        direct == via,
        "conll via jsonl differs from the direct conversion"
    );
    assert_eq!(direct.lines().filter(|l| l.is_empty()).count(), 3394);
}

#[test]
fn re3d_spans_with_an_exact_account_of_kept_and_dropped() {
    // Offsets in code points (the default); several spans end inside a
    // token ("Daesh" in "Daesh’s"), so strict alignment refuses the file.
    let (code, _, stderr) = parts(&run(&["convert", "--from", "spans", RE3D]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("spans.jsonl:1:1: error: span 13 (Organisation 290..295 \"Daesh\"): its end falls inside the token \"Daesh’s\""),
        "{stderr}"
    );
    let (stdout, stderr) = ok(&[
        "convert",
        "--align",
        "expand",
        "--overlaps",
        "longest",
        RE3D,
    ]);
    let summary: String = stderr
        .lines()
        .filter(|l| !l.starts_with("warning:"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_golden("formats/re3d.summary.expected", summary.as_bytes());
    assert_golden("formats/re3d.iob2.expected", stdout.as_bytes());
    // The same numbers in the JSON summary: 720 = 521 kept + 199 dropped.
    let (_, _, stderr) = parts(&run(&[
        "convert",
        "--summary",
        "json",
        "--align",
        "expand",
        "--overlaps",
        "longest",
        RE3D,
    ]));
    let json = stderr.lines().last().unwrap();
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(v["spans_in_input"], 720);
    assert_eq!(v["entities_read"], 521);
    assert_eq!(v["entities_written"], 521);
    assert_eq!(v["entities_dropped"], 199);
    assert_eq!(v["dropped"]["dropped-nested"], 171);
    assert_eq!(v["dropped"]["dropped-crossing"], 9);
    assert_eq!(v["dropped"]["dropped-same-span"], 19);
    assert_eq!(v["repairs"]["align-expand"], 44);
}

#[test]
fn cable_to_conll_in_every_scheme_and_back_to_brackets() {
    let (direct, _) = ok(&["convert", "-q", CABLE]);
    for scheme in SCHEMES {
        let (tags, _) = ok(&["convert", "-q", "--scheme", scheme, CABLE]);
        for style in ["two-space", "tight"] {
            let (brackets, _) = ok_stdin(
                &["convert", "-q", "--to", "bracket", "--bracket-style", style],
                &tags,
            );
            // Reading the brackets back gives the same tokens and entities.
            let (again, stderr) = ok_stdin(&["convert", "--html", "keep"], &brackets);
            assert_eq!(again, direct, "{scheme} {style}");
            assert!(stderr.contains("entities written: 120"), "{stderr}");
        }
    }
}

#[test]
fn literal_brackets_survive_a_bracket_round_trip() {
    let conll = "[\tO\nsic\tB-MISC\n]\tI-MISC\n[PER\tO\n&amp;\tB-ORG\n&\tI-ORG\n\n";
    let (brackets, _) = ok_stdin(&["convert", "-q", "--to", "bracket"], conll);
    assert_eq!(
        brackets,
        "&#91; [MISC sic &#93;  ] &#91;PER [ORG &amp; &  ]\n"
    );
    let (back, _) = ok_stdin(&["convert", "-q"], &brackets);
    assert_eq!(back, conll);
    let (code, _, stderr) = parts(&run_stdin(&["convert", "--to", "bracket"], "&#91;\tO\n\n"));
    assert_eq!(code, 2);
    assert!(stderr.contains("bracket reference"), "{stderr}");
}

#[test]
fn spans_to_conll_to_spans_keeps_spans_on_token_edges() {
    let input = concat!(
        r#"{"text": "Ryan C. Crocker met Musharraf’s aides in Islamabad 😀.", "entities": [{"start": 0, "end": 15, "label": "PER"}, {"start": 41, "end": 50, "label": "LOC"}]}"#,
        "\n",
        r#"{"text": "No entities.", "label": []}"#,
        "\n"
    );
    let (tags, stderr) = ok_stdin(&["convert"], input);
    assert!(
        stderr.starts_with(
            "nerkit convert: spans (detected) -> conll iob2 (unicode tokenizer): 2 documents"
        ),
        "{stderr}"
    );
    let (spans, _) = ok_stdin(&["convert", "-q", "--to", "spans"], &tags);
    let mut found = Vec::new();
    for line in spans.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let text: Vec<char> = v["text"].as_str().unwrap().chars().collect();
        for e in v["entities"].as_array().unwrap() {
            let (s, t) = (
                e["start"].as_u64().unwrap() as usize,
                e["end"].as_u64().unwrap() as usize,
            );
            found.push(format!(
                "{} {}",
                e["label"].as_str().unwrap(),
                text[s..t].iter().collect::<String>()
            ));
        }
    }
    assert_eq!(found, ["PER Ryan C . Crocker", "LOC Islamabad"]);
}

#[test]
fn ill_formed_conll_names_file_line_and_column_or_is_repaired() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("bad.conll"), "Ryan O\nCrocker I-PER\n\n").unwrap();
    let (code, _, stderr) = parts(&run_in(
        dir.path(),
        &["convert", "--from-scheme", "iob2", "bad.conll"],
        b"",
    ));
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("bad.conll:2:9: error: ill-formed iob2 tags \"O I-PER\""),
        "{stderr}"
    );
    let (code, stdout, stderr) = parts(&run_in(
        dir.path(),
        &["convert", "--from-scheme", "iob2", "--lenient", "bad.conll"],
        b"",
    ));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "Ryan\tO\nCrocker\tB-PER\n\n");
    assert!(
        stderr.contains("warning: bad.conll:2:9: ill-formed iob2"),
        "{stderr}"
    );
    assert!(
        stderr.contains("repairs: 1 (inside-after-outside 1)"),
        "{stderr}"
    );
    // Without --from-scheme the same file reads as IOB1, which it is.
    let (code, _, stderr) = parts(&run_in(dir.path(), &["convert", "bad.conll"], b""));
    assert_eq!(code, 0);
    assert!(stderr.contains("iob1 (detected)"), "{stderr}");
}

#[test]
fn conll_options_columns_tag_column_comments_docstart() {
    let input = "# text = New York\n-DOCSTART- -X- O\n\nNew\tNNP\tB-LOC\tx\nYork\tNNP\tI-LOC\tx\n";
    let (stdout, _) = ok_stdin(
        &[
            "convert",
            "-q",
            "--from",
            "conll",
            "--comments",
            "--tag-column",
            "3",
            "--columns",
            "conll2003",
            "--docstart",
        ],
        input,
    );
    assert_eq!(
        stdout,
        "-DOCSTART- -X- -X- O\n\nNew -X- _ B-LOC\nYork -X- _ I-LOC\n\n"
    );
    let (code, _, stderr) = parts(&run_stdin(
        &["convert", "--from", "conll", "--delimiter", "tab"],
        "New York\tB-LOC\n\n",
    ));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("holds a space, a tab or a line end"),
        "{stderr}"
    );
}

#[test]
fn jsonl_ner_tags_and_help() {
    let (stdout, stderr) = ok_stdin(
        &["convert", "--to", "spans"],
        "{\"id\": \"0\", \"tokens\": [\"EU\", \"rejects\"], \"ner_tags\": [\"S-ORG\", \"O\"]}\n",
    );
    assert_eq!(
        stdout,
        "{\"text\":\"EU rejects\",\"entities\":[{\"start\":0,\"end\":2,\"label\":\"ORG\"}]}\n"
    );
    assert!(
        stderr.contains("jsonl (detected) iobes (detected) -> spans"),
        "{stderr}"
    );
    let (stdout, _) = ok(&["convert", "--help"]);
    for option in [
        "--from-scheme",
        "--tag-column",
        "--columns",
        "--align",
        "--overlaps",
        "--bracket-style",
        "--comments",
        "--delimiter",
    ] {
        assert!(stdout.contains(option), "{option}");
    }
}

/// Peak memory (kB) of `nerkit convert --from conll` on `sentences`
/// copies of a CoNLL sentence, measured from the test (`common::memory`).
#[cfg(target_os = "linux")]
fn convert_peak_rss(dir: &std::path::Path, sentences: usize, threads: &[&str]) -> u64 {
    use std::io::Write;
    let path = dir.join(format!("big-{sentences}.conll"));
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let sentence = "The\tO\nMad\tB-ORG\nCapsule\tI-ORG\nMarkets\tI-ORG\nplayed\tO\nin\tO\nTokyo\tB-LOC\n.\tO\n\n";
        for _ in 0..sentences {
            f.write_all(sentence.as_bytes()).unwrap();
        }
    }
    let stderr_path = dir.join(format!("big-{sentences}.stderr"));
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_nerkit"));
    cmd.args(["convert", "-q", "--scheme", "bilou"])
        .args(threads)
        .arg(&path)
        .args(["-o", "/dev/null"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).unwrap());
    let (status, peak_kib) = common::memory::run_peak_rss(cmd);
    let stderr = std::fs::read_to_string(&stderr_path).unwrap();
    assert!(status.success(), "{status}: {stderr}");
    let peak_kib = peak_kib.expect("nerkit's peak memory was not measured");
    std::fs::remove_file(&path).unwrap();
    std::fs::remove_file(&stderr_path).unwrap();
    peak_kib
}

/// Memory stays flat: ten times the input, the same peak memory. The 1 GB
/// measurement is `scripts/memory-check.sh`.
#[cfg(target_os = "linux")]
#[test]
fn memory_is_flat_on_a_large_conll_input() {
    let dir = temp_dir();
    // One thread streams sentence by sentence; several threads hold a
    // bounded window of chunks (small chunks here, so that 0.8 MB already
    // fills the window).
    let modes: [&[&str]; 2] = [
        &["--threads", "1"],
        &["--threads", "2", "--chunk-size", "65536"],
    ];
    for threads in modes {
        let small = convert_peak_rss(dir.path(), 10_000, threads);
        let large = convert_peak_rss(dir.path(), 100_000, threads);
        assert!(
            large < small + 1024,
            "{threads:?}: peak memory grew with the input: {small} kB on 0.8 MB, {large} kB on 8 MB"
        );
    }
}

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9.,'’-]{1,6}",
        Just("[".to_string()),
        Just("]".to_string()),
        Just("[sic]".to_string()),
        Just("&amp;".to_string()),
    ]
}

/// Tokens and non-overlapping entities over them.
fn annotated() -> impl Strategy<Value = (Vec<String>, Vec<(String, usize, usize)>)> {
    prop::collection::vec(word(), 1..12).prop_flat_map(|tokens| {
        let n = tokens.len();
        let cuts = prop::collection::vec(
            (
                0..n,
                1..4usize,
                prop_oneof![Just("PER"), Just("LOC"), Just("B-X")],
            ),
            0..5,
        );
        (Just(tokens), cuts).prop_map(move |(tokens, cuts)| {
            let mut entities: Vec<(String, usize, usize)> = Vec::new();
            let mut starts: Vec<(usize, usize, &str)> = cuts;
            starts.sort();
            let mut end = 0;
            for (s, len, label) in starts {
                if s >= end && s + len <= n {
                    entities.push((label.replace("B-X", "MISC"), s, s + len));
                    end = s + len;
                }
            }
            (tokens, entities)
        })
    })
}

proptest! {
    /// bracket -> conll (every scheme) -> bracket gives the same tokens and
    /// entities, literal brackets included.
    #[test]
    fn bracket_conll_bracket_round_trip((tokens, entities) in annotated(), scheme in 1usize..7) {
        let scheme = TagScheme::ALL[scheme];
        let mut s = Sentence::new();
        for t in &tokens {
            s.push_token(t, Default::default());
        }
        for (l, a, b) in &entities {
            s.push_entity(l, TokenSpan::new(*a, *b));
        }
        let mut tags = Vec::new();
        conll::Writer::new(&mut tags, scheme).write_sentence(&s, &mut LabelCounts::new()).unwrap();
        let mut reader = conll::Reader::new(&tags[..], nerkit::format::ReadOptions::default().scheme(scheme).conll());
        let mut back = Sentence::new();
        prop_assert!(reader.read_sentence(&mut back).unwrap());
        let mut line = Vec::new();
        nerkit::bracket::writer::Writer::new(&mut line, Default::default())
            .write_sentence(&back, &mut LabelCounts::new())
            .unwrap();
        let line = String::from_utf8(line).unwrap();
        let opts = nerkit::format::ReadOptions::default().html(nerkit::HtmlMode::Keep).bracket();
        let parsed = nerkit::bracket::parse_line(line.trim_end(), &opts).unwrap();
        let got: Vec<&str> = parsed.tokens().map(|t| t.text).collect();
        prop_assert_eq!(got, tokens.iter().map(String::as_str).collect::<Vec<_>>());
        let got: Vec<(String, usize, usize)> = parsed
            .entities()
            .map(|e| (e.label.to_string(), e.tokens.start(), e.tokens.end()))
            .collect();
        prop_assert_eq!(got, entities);
    }
}
