//! Column layouts and tag styles as users have them: each converts to
//! CoNLL IOB2 and back with the entity accounting equal. The samples in
//! tests/data/columns/ and where each shape comes from are described in
//! its README.md.

mod common;

use common::*;

const NAMES: &str = "O,B-PER,I-PER,B-ORG,I-ORG,B-LOC,I-LOC,B-MISC,I-MISC";

/// Runs `nerkit ARGS` and expects success; stdout and the JSON summary.
fn ok(args: &[&str], stdin: &str) -> (String, serde_json::Value) {
    let mut all = args.to_vec();
    all.extend(["--summary", "json"]);
    let (code, out, err) = parts(&run_stdin(&all, stdin));
    assert_eq!(code, 0, "nerkit {args:?}: {err}");
    let summary = serde_json::from_str(err.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("no JSON summary ({e}): {err}"));
    (out, summary)
}

/// Entities read and written, both equal to `n`.
fn entities(summary: &serde_json::Value, n: u64) {
    assert_eq!(summary["entities_read"], n, "{summary}");
    assert_eq!(summary["entities_written"], n, "{summary}");
}

fn path(name: &str) -> String {
    data(&format!("columns/{name}")).display().to_string()
}

fn read(name: &str) -> String {
    std::fs::read_to_string(path(name)).unwrap()
}

#[test]
fn conllu_ner_from_misc_skips_multiword_tokens_and_empty_nodes() {
    let file = path("conllu.conllu");
    let (iob2, summary) = ok(
        &[
            "convert",
            "--from",
            "conll",
            "--token-column",
            "2",
            "--misc-key",
            "NER",
            &file,
        ],
        "",
    );
    entities(&summary, 3);
    assert_eq!(summary["conllu_lines_skipped"], 3);
    // The words are the tokens: `vamos nos`, not `vámonos`; no `likes` of
    // the empty node.
    let second: Vec<&str> = iob2.split("\n\n").nth(1).unwrap().lines().collect();
    assert_eq!(
        second,
        [
            "vamos\tO",
            "nos\tO",
            "a\tO",
            "el\tO",
            "mar\tB-LOC",
            "Mediterráneo\tI-LOC"
        ]
    );
    let third = iob2.split("\n\n").nth(2).unwrap();
    assert_eq!(third.lines().count(), 6, "{third}");
    // And back: the IOB2 file reads with the same entities.
    let (_, again) = ok(&["convert", "--from", "conll", "-"], &iob2);
    entities(&again, 3);
}

#[test]
fn conllu_without_a_token_column_names_the_fix() {
    let (code, _, err) = parts(&run(&[
        "convert",
        "--from",
        "conll",
        &path("conllu.conllu"),
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("CoNLL-U's ID column"), "{err}");
    assert!(err.contains("--token-column 2"), "{err}");
    // With the token column but no key, the MISC column is named.
    let (code, _, err) = parts(&run(&[
        "convert",
        "--from",
        "conll",
        "--token-column",
        "2",
        "--comments",
        &path("conllu.conllu"),
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("--misc-key"), "{err}");
}

#[test]
fn conll2003_keeps_pos_and_chunk_columns_through_a_scheme_change() {
    let file = path("conll2003.txt");
    let keep = ["--keep-columns", "--columns", "conll2003"];
    let mut args = vec!["convert", "--scheme", "iob2"];
    args.extend(keep);
    args.push(&file);
    let (iob2, summary) = ok(&args, "");
    entities(&summary, 5);
    assert!(iob2.starts_with("EU NNP I-NP B-ORG\n"), "{iob2}");
    assert!(iob2.contains("\nBlackburn NNP I-NP I-PER\n"), "{iob2}");
    // Back to the original IOB1, with its document line: byte for byte.
    let mut back = vec![
        "convert",
        "--from",
        "conll",
        "--scheme",
        "iob1",
        "--docstart",
    ];
    back.extend(keep);
    back.push("-");
    let (iob1, summary) = ok(&back, &iob2);
    entities(&summary, 5);
    assert_eq!(iob1, read("conll2003.txt"));
    // Without --keep-columns the middle columns are not kept.
    let (plain, _) = ok(&["convert", &file], "");
    assert!(plain.starts_with("EU\tB-ORG\n"), "{plain}");
}

#[test]
fn fewnerd_unprefixed_tags_round_trip() {
    let file = path("fewnerd.txt");
    let (iob2, summary) = ok(&["convert", "--from", "conll", &file], "");
    entities(&summary, 4);
    assert_eq!(summary["from_scheme"], "io");
    assert_eq!(summary["from_tag_style"], "none");
    assert!(iob2.contains("Paul\tB-person-artist/author\nWeller\tI-person-artist/author\n"));
    let (back, summary) = ok(
        &[
            "convert",
            "--from",
            "conll",
            "--scheme",
            "io",
            "--to-tag-style",
            "none",
            "-",
        ],
        &iob2,
    );
    entities(&summary, 4);
    assert_eq!(back, read("fewnerd.txt"));
    // The none style writes IO only.
    let (code, _, err) = parts(&run(&["convert", "--to-tag-style", "none", &file]));
    assert_eq!(code, 2);
    assert!(err.contains("--scheme io"), "{err}");
}

#[test]
fn suffix_tags_round_trip() {
    let (iob2, summary) = ok(&["convert", "--from", "conll", &path("suffix.txt")], "");
    entities(&summary, 3);
    assert!(iob2.starts_with("EU\tB-ORG\n"), "{iob2}");
    let (back, summary) = ok(
        &[
            "convert",
            "--from",
            "conll",
            "--to-tag-style",
            "suffix",
            "-",
        ],
        &iob2,
    );
    entities(&summary, 3);
    assert_eq!(back, read("suffix.txt"));
    // Given the wrong style, the tag is refused with the style it has.
    let (code, _, err) = parts(&run(&[
        "convert",
        "--from",
        "conll",
        "--tag-style",
        "prefix",
        &path("suffix.txt"),
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("--tag-style"), "{err}");
}

#[test]
fn bare_tags_round_trip_and_refuse_a_typed_output() {
    let file = path("bare.gold.txt");
    let (bare, summary) = ok(
        &[
            "convert",
            "--from",
            "conll",
            "--to-tag-style",
            "bare",
            &file,
        ],
        "",
    );
    entities(&summary, 2);
    assert_eq!(bare, read("bare.gold.txt"));
    let (code, _, err) = parts(&run(&["convert", "--from", "conll", &file]));
    assert_eq!(code, 2);
    assert!(err.contains("bare tag style"), "{err}");
}

#[test]
fn bare_tags_score_right_in_two_files() {
    let (gold, pred) = (path("bare.gold.txt"), path("bare.pred.txt"));
    for mode in ["conlleval", "strict"] {
        let mut args = vec!["eval", "--from", "conll", "--mode", mode];
        if mode == "strict" {
            args.extend(["--scheme", "iob2"]);
        }
        args.extend([gold.as_str(), pred.as_str()]);
        let (code, out, err) = parts(&run(&args));
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("found: 2 phrases; correct: 2."),
            "{mode}: {out}"
        );
    }
}

#[test]
fn a_probability_column_is_passed_over_and_said() {
    let file = path("scored.txt");
    let (iob2, summary) = ok(&["convert", "--from", "conll", &file], "");
    entities(&summary, 3);
    assert_eq!(summary["score_column_ignored"], true);
    assert!(iob2.starts_with("EU\tB-ORG\nrejects\tO\n"), "{iob2}");
    let dir = temp_dir();
    let gold = dir.path().join("gold.txt");
    let plain: String = read("scored.txt")
        .lines()
        .map(|l| match l.rsplit_once(' ') {
            Some((rest, _)) => format!("{rest}\n"),
            None => "\n".to_string(),
        })
        .collect();
    std::fs::write(&gold, plain).unwrap();
    let (code, out, err) = parts(&run(&[
        "eval",
        "--from",
        "conll",
        gold.to_str().unwrap(),
        &file,
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("found: 3 phrases; correct: 3."), "{out}");
}

#[test]
fn hugging_face_class_numbers_round_trip_with_their_names() {
    let file = path("hf.jsonl");
    let (code, _, err) = parts(&run(&["convert", &file]));
    assert_eq!(code, 2);
    assert!(err.contains("--label-names"), "{err}");
    let info = path("dataset_info.json");
    for names in [NAMES, info.as_str()] {
        let (iob2, summary) = ok(&["convert", "--label-names", names, &file], "");
        entities(&summary, 4);
        assert!(iob2.starts_with("EU\tB-ORG\n"), "{iob2}");
        let dir = temp_dir();
        let names_file = dir.path().join("names.txt");
        let (jsonl, summary) = ok(
            &[
                "convert",
                "--from",
                "conll",
                "--to",
                "jsonl",
                "--to-label-names",
                names,
                "--write-label-names",
                names_file.to_str().unwrap(),
                "-",
            ],
            &iob2,
        );
        entities(&summary, 4);
        let original: Vec<serde_json::Value> = read("hf.jsonl")
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let back: Vec<serde_json::Value> = jsonl
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(original.len(), back.len());
        for (a, b) in original.iter().zip(&back) {
            assert_eq!(a["tokens"], b["tokens"]);
            assert_eq!(a["ner_tags"], b["ner_tags"]);
        }
        let written = std::fs::read_to_string(&names_file).unwrap();
        assert_eq!(written.lines().collect::<Vec<_>>().join(","), NAMES);
    }
}

/// The offsets of JSON lines point into the text written beside them, in
/// the unit asked for (chars count `á` once).
#[test]
fn jsonl_offsets_are_offsets_into_the_stated_text() {
    let (jsonl, _) = ok(
        &[
            "convert",
            "--from",
            "conll",
            "--token-column",
            "2",
            "--misc-key",
            "NER",
            "--to",
            "jsonl",
            "--offsets",
            "chars",
            &path("conllu.conllu"),
        ],
        "",
    );
    let mut seen = 0;
    for line in jsonl.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let text: Vec<char> = v["text"].as_str().unwrap().chars().collect();
        for (token, pair) in v["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .zip(v["offsets"].as_array().unwrap())
        {
            let (s, e) = (pair[0].as_u64().unwrap(), pair[1].as_u64().unwrap());
            let got: String = text[s as usize..e as usize].iter().collect();
            assert_eq!(got, token.as_str().unwrap());
            seen += 1;
        }
    }
    assert_eq!(seen, 18);
    assert!(jsonl.contains("\"text\":\"vamos nos a el mar Mediterráneo\""));
}
