//! Integration tests of `nerkit convert`, run through the real binary.

mod common;

use common::{assert_golden, parts, root, run, run_in, run_stdin, temp_dir};

const CABLE: &str = "corpora/000_8c95ef11f0516e36.txt";
const SCHEMES: &[&str] = &["io", "iob1", "iob2", "ioe1", "ioe2", "iobes", "bilou"];

#[test]
fn cable_to_conll_iob2_golden() {
    let out = run(&["convert", CABLE]);
    let (code, stdout, stderr) = parts(&out);
    assert_eq!(code, 0, "{stderr}");
    assert_golden("convert/cable.iob2.expected", stdout.as_bytes());
    assert!(
        stderr.contains("entities read:    120 (LOC 41, MISC 18, ORG 21, PER 40)"),
        "{stderr}"
    );
    assert!(stderr.contains("entities written: 120 (LOC 41, MISC 18, ORG 21, PER 40)"));
    // No markup reaches a token.
    for line in stdout.lines().filter(|l| !l.is_empty()) {
        let token = line.split('\t').next().unwrap();
        assert!(
            !token.contains('<') && !token.contains('>'),
            "markup in token {token:?}"
        );
    }
    let begins = stdout.lines().filter(|l| l.contains("\tB-")).count();
    assert_eq!(begins, 120);
}

#[test]
fn cable_to_jsonl_golden() {
    let out = run(&["convert", "--to", "jsonl", CABLE]);
    let (code, stdout, stderr) = parts(&out);
    assert_eq!(code, 0, "{stderr}");
    assert_golden("convert/cable.jsonl.expected", stdout.as_bytes());
    // Every offset slices the token's text out of the text written beside
    // it (bytes by default).
    let mut checked = 0;
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let tokens = v["tokens"].as_array().unwrap();
        let offsets = v["offsets"].as_array().unwrap();
        let text = v["text"].as_str().unwrap();
        assert_eq!(tokens.len(), offsets.len());
        assert_eq!(tokens.len(), v["tags"].as_array().unwrap().len());
        for (t, o) in tokens.iter().zip(offsets) {
            let (s, e) = (
                o[0].as_u64().unwrap() as usize,
                o[1].as_u64().unwrap() as usize,
            );
            assert_eq!(&text[s..e], t.as_str().unwrap());
            checked += 1;
        }
    }
    assert!(checked > 1000);
}

#[test]
fn one_golden_per_scheme() {
    for scheme in SCHEMES {
        let out = run(&[
            "convert",
            "--scheme",
            scheme,
            "tests/data/convert/schemes.txt",
        ]);
        let (code, stdout, stderr) = parts(&out);
        if *scheme == "io" {
            // IO cannot keep adjacent entities of one type apart, and says so.
            assert_eq!(code, 2, "{stderr}");
            assert!(
                stderr.contains("the io scheme merges adjacent entities"),
                "{stderr}"
            );
        } else {
            assert_eq!(code, 0, "{scheme}: {stderr}");
        }
        assert_golden(
            &format!("convert/schemes.{scheme}.expected"),
            stdout.as_bytes(),
        );
    }
}

#[test]
fn scheme_aliases() {
    for (alias, name) in [("bio", "iob2"), ("bioes", "iobes"), ("biluo", "bilou")] {
        let a = run(&[
            "convert",
            "--scheme",
            alias,
            "tests/data/convert/schemes.txt",
        ]);
        let b = run(&[
            "convert",
            "--scheme",
            name,
            "tests/data/convert/schemes.txt",
        ]);
        assert_eq!(a.stdout, b.stdout);
    }
}

#[test]
fn stdin_and_dash() {
    let a = run_stdin(&["convert"], "[PER A ] b\n");
    let b = run_stdin(&["convert", "-"], "[PER A ] b\n");
    assert_eq!(parts(&a).1, "A\tB-PER\nb\tO\n\n");
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn crlf_bom_tabs_and_no_final_newline_give_the_same_tokens() {
    let clean = "[PER Ryan C. Crocker  ] met [LOC Pakistan  ] .\nx [ORG Y ]\n";
    let messy = "\u{feff}[PER\tRyan  C.\tCrocker  ]\tmet [LOC Pakistan  ] .\r\n\r\nx [ORG Y ]";
    let a = parts(&run_stdin(&["convert"], clean));
    let b = parts(&run_stdin(&["convert"], messy));
    assert_eq!(a.0, 0);
    assert_eq!(a.1, b.1);
}

#[test]
fn literal_brackets_and_brackets_in_raw_text() {
    let (code, stdout, _) = parts(&run_stdin(
        &["convert"],
        "see [ 1 ] and [sic] ] in [LOC Urbana ]-[LOC Champaign ]\n",
    ));
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "see\tO\n[\tO\n1\tO\n]\tO\nand\tO\n[sic]\tO\n]\tO\nin\tO\nUrbana\tB-LOC\n-\tO\nChampaign\tB-LOC\n\n"
    );
}

#[test]
fn docstart_before_each_document() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("a.txt"), "[PER A ] b\n").unwrap();
    std::fs::write(dir.path().join("b.txt"), "c\n").unwrap();
    let (code, stdout, stderr) = parts(&run_in(
        dir.path(),
        &["convert", "--docstart", "a.txt", "b.txt"],
        b"",
    ));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "-DOCSTART- -X- -X- O\n\nA\tB-PER\nb\tO\n\n-DOCSTART- -X- -X- O\n\nc\tO\n\n"
    );
    assert!(
        stderr.contains("2 documents, 2 sentences, 3 tokens"),
        "{stderr}"
    );
}

/// Each malformed input: expected exit code 2 and a `FILE:LINE:COL: error:`
/// line naming the problem.
#[test]
fn malformed_inputs_name_file_line_and_column() {
    let cases: &[(&str, &[u8], &str, &str)] = &[
        (
            "unclosed-eol",
            b"ok\nx [PER a b\n",
            "bad.txt:2:3: error:",
            "unclosed entity",
        ),
        (
            "unclosed-eof",
            b"ok\n  [LOC a",
            "bad.txt:2:3: error:",
            "unclosed entity",
        ),
        (
            "nested",
            b"[PER a [LOC b ] ]\n",
            "bad.txt:1:8: error:",
            "do not nest",
        ),
        (
            "empty",
            b"a\nb c [PER  ] d\n",
            "bad.txt:2:5: error:",
            "empty entity",
        ),
        (
            "utf8",
            b"ok\n\xe2\x80\x99 bad \xff\n",
            "bad.txt:2:7: error:",
            "UTF-8",
        ),
    ];
    for (name, input, location, message) in cases {
        let dir = temp_dir();
        std::fs::write(dir.path().join("bad.txt"), input).unwrap();
        let (code, _, stderr) = parts(&run_in(dir.path(), &["convert", "bad.txt"], b""));
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(stderr.starts_with(location), "{name}: {stderr}");
        assert!(stderr.contains(message), "{name}: {stderr}");
    }
}

#[test]
fn invalid_utf8_names_the_byte_offset() {
    let (code, _, stderr) = parts(&run_in(&root(), &["convert", "-"], b"ok\nab\xffc\n"));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("<stdin>:2:3: error: invalid UTF-8 at byte 5"),
        "{stderr}"
    );
}

#[test]
fn label_outside_the_label_set() {
    let (code, _, stderr) = parts(&run_stdin(
        &["convert", "--labels", "PER,LOC"],
        "[PER a ] [GPE b ]\n",
    ));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("<stdin>:1:11: error: label \"GPE\""),
        "{stderr}"
    );
}

#[test]
fn lenient_repairs_are_printed_and_counted() {
    let input = "[PER a [LOC b ] c\nx [PER  ] y\n[ORG open\n[GPE z ]\n";
    let (code, stdout, stderr) = parts(&run_stdin(
        &["convert", "--lenient", "--labels", "PER,LOC,ORG"],
        input,
    ));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("warning: <stdin>:1:8:"), "{stderr}");
    assert!(stderr.contains("warning: <stdin>:2:3:"), "{stderr}");
    assert!(stderr.contains("warning: <stdin>:3:1:"), "{stderr}");
    assert!(stderr.contains("warning: <stdin>:4:2:"), "{stderr}");
    assert!(
        stderr.contains(
            "repairs: 4 (empty-entity 1, nested-entity 1, unclosed-entity 1, unknown-label 1)"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("entities read:    1 (PER 1)"), "{stderr}");
    assert!(
        stdout.starts_with("a\tB-PER\n[LOC\tI-PER\nb\tI-PER\nc\tO\n"),
        "{stdout}"
    );
}

#[test]
fn output_file_is_written_atomically_and_not_at_all_on_error() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("good.txt"), "[PER A ] b\n").unwrap();
    std::fs::write(dir.path().join("bad.txt"), "[PER A ] b\n[LOC c\n").unwrap();
    let (code, stdout, _) = parts(&run_in(
        dir.path(),
        &["convert", "good.txt", "-o", "out.conll"],
        b"",
    ));
    assert_eq!(code, 0);
    assert!(stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.conll")).unwrap(),
        "A\tB-PER\nb\tO\n\n"
    );

    let (code, _, _) = parts(&run_in(
        dir.path(),
        &["convert", "bad.txt", "-o", "new.conll"],
        b"",
    ));
    assert_eq!(code, 2);
    // Neither the target nor a temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, ["bad.txt", "good.txt", "out.conll"]);

    // An existing file is left untouched by a failed run.
    let (code, _, _) = parts(&run_in(
        dir.path(),
        &["convert", "bad.txt", "-o", "out.conll"],
        b"",
    ));
    assert_eq!(code, 2);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.conll")).unwrap(),
        "A\tB-PER\nb\tO\n\n"
    );
}

#[test]
fn quiet_silences_the_summary_and_json_summary_parses() {
    let (_, _, stderr) = parts(&run_stdin(&["convert", "-q"], "[PER A ] b\n"));
    assert!(stderr.is_empty(), "{stderr}");
    let (_, _, stderr) = parts(&run_stdin(
        &["convert", "--summary", "json"],
        "[PER A ] b\n",
    ));
    let v: serde_json::Value = serde_json::from_str(stderr.trim()).unwrap();
    assert_eq!(v["entities_read"], 1);
    assert_eq!(v["written"]["PER"], 1);
}

/// Offsets point into the `text` written beside them: the tokens joined
/// by single spaces when the reader kept no original text (bracket input).
#[test]
fn jsonl_char_offsets() {
    let (code, stdout, _) = parts(&run_stdin(
        &["convert", "--to", "jsonl", "--offsets", "chars"],
        "’’ [MISC Pakistan’s  ] x\n",
    ));
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "{\"tokens\":[\"’’\",\"Pakistan’s\",\"x\"],\"tags\":[\"O\",\"B-MISC\",\"O\"],\"text\":\"’’ Pakistan’s x\",\"offsets\":[[0,2],[3,13],[14,15]]}\n"
    );
}

#[test]
fn help_has_examples() {
    let (code, stdout, _) = parts(&run(&["convert", "--help"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("Examples:"));
    assert!(stdout.contains("--scheme"));
}

/// `-o` on a pipe or device writes into it; renaming a temporary file over
/// it would replace it with a regular file (`-o /dev/null` once did).
#[test]
fn output_to_a_fifo_writes_in_place() {
    let dir = temp_dir();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.map(|s| s.success()).unwrap_or(false) {
        panic!("mkfifo is needed for this test");
    }
    let reader_path = fifo.clone();
    let reader = std::thread::spawn(move || std::fs::read_to_string(reader_path).unwrap());
    let (code, _, stderr) = parts(&run_in(
        dir.path(),
        &["convert", "-q", "-o", "pipe", "-"],
        b"[PER A ] b\n",
    ));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(reader.join().unwrap(), "A\tB-PER\nb\tO\n\n");
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

/// `--threads` cuts one input into chunks; output, summary, warnings and
/// error positions are those of a one-thread run, whatever the chunk size.
#[test]
fn threads_give_the_output_of_one_thread() {
    let inputs: &[&[&str]] = &[
        &[CABLE],
        &["corpora/wikigold/wikigold.conll.txt"],
        &[
            "--docstart",
            CABLE,
            "corpora/wnut17/wnut17train.conll",
            CABLE,
        ],
        &["--to", "jsonl", "--offsets", "chars", CABLE],
        &["--sentences", "auto", "--scheme", "iobes", CABLE],
    ];
    for args in inputs {
        let one = run(&[&["convert", "--threads", "1"], *args].concat());
        for chunk in ["97", "4096"] {
            let many =
                run(&[&["convert", "--threads", "3", "--chunk-size", chunk], *args].concat());
            assert_same_run(
                &one,
                &many,
                &format!("{args:?} with chunks of {chunk} bytes"),
            );
        }
    }
}

/// Both runs succeeded with the same output and summary.
fn assert_same_run(one: &std::process::Output, many: &std::process::Output, what: &str) {
    for run in [one, many] {
        assert_eq!(
            run.status.code(),
            Some(0),
            "{what}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    assert!(one.stdout == many.stdout, "{what}: output");
    // The note on threads capped (at the cores) is the one difference.
    let summary = |run| -> String {
        parts(run)
            .2
            .lines()
            .filter(|l| !l.starts_with("  threads:"))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    assert_eq!(summary(one), summary(many), "{what}: summary");
}

/// A file read by the threads a stretch each: a byte-order mark, CRLF line
/// ends, lines longer than a stretch, HTML, character references and no
/// line end at the end give what one thread gives, whatever the stretch.
#[test]
fn threads_reading_stretches_give_the_output_of_one_thread() {
    let pieces = [
        "a",
        "bb",
        "[ORG X Y ]",
        "[PER Z ]",
        "Pakistan\u{2019}s",
        "<b>t</b>",
        "&amp;",
        "&#91;q&#93;",
        "<a id='par1' href='#par1'>\u{b6}</a>1",
    ];
    let mut text = String::from("\u{feff}[PER Ryan ] met [LOC Pakistan ] officials .\r\n");
    for i in 0..400 {
        let n = [1, 2, 7, 300][i % 4];
        let line: Vec<&str> = (0..n)
            .map(|j| pieces[(i * 7 + j * 3) % pieces.len()])
            .collect();
        text.push_str(&line.join(" "));
        text.push_str(if i % 3 == 0 { "\r\n" } else { "\n" });
    }
    text.push_str("[MISC last ] line");
    let dir = temp_dir();
    std::fs::write(dir.path().join("mix.txt"), &text).unwrap();
    for args in [
        &[][..],
        &["--html", "keep"],
        &["--docstart"],
        &["--to", "jsonl"],
    ] {
        let one = run_in(
            dir.path(),
            &[&["convert", "--threads", "1"], args, &["mix.txt"]].concat(),
            b"",
        );
        for chunk in ["61", "999", "65536"] {
            let many = run_in(
                dir.path(),
                &[
                    &["convert", "--threads", "2", "--chunk-size", chunk],
                    args,
                    &["mix.txt"],
                ]
                .concat(),
                b"",
            );
            assert_same_run(
                &one,
                &many,
                &format!("{args:?}, stretches of {chunk} bytes"),
            );
        }
    }
}

/// Where output and summary share a terminal, the summary comes after the
/// whole output, with one thread or several.
#[test]
fn summary_follows_the_output_on_a_shared_stream() {
    let dir = temp_dir();
    let stdout = run(&["convert", "--threads", "1", "-q", CABLE]).stdout;
    for threads in ["1", "2"] {
        let shared = dir.path().join(format!("both-{threads}.txt"));
        let file = std::fs::File::create(&shared).unwrap();
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_nerkit"))
            .args(["convert", "--threads", threads, "--chunk-size", "97", CABLE])
            .current_dir(root())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .status()
            .unwrap();
        assert!(status.success());
        let both = std::fs::read(&shared).unwrap();
        assert!(
            both.starts_with(&stdout) && both[stdout.len()..].starts_with(b"nerkit convert:"),
            "--threads {threads}: {}",
            String::from_utf8_lossy(&both[stdout.len().saturating_sub(200)..])
        );
    }
}

/// Errors and repairs name their line whether the chunks are cut by the
/// main thread (stdin) or read by the threads themselves (a file, whose
/// lines are counted only as the chunks are delivered).
#[test]
fn threads_report_errors_and_repairs_where_they_are() {
    let mut input = String::new();
    for i in 0..200 {
        input.push_str(&format!("line {i} [PER A B ] c .\n"));
    }
    let broken = input.replacen("line 150 [PER A B ]", "line 150 [PER A B", 1);
    let broken = broken.replacen("line 20 [PER", "line 20 [PER [LOC", 1);
    let dir = temp_dir();
    std::fs::write(dir.path().join("broken.txt"), &broken).unwrap();
    for (path, name) in [("-", "<stdin>"), ("broken.txt", "broken.txt")] {
        for threads in ["1", "2"] {
            for chunk in ["1", "300", "4096"] {
                let (code, _, stderr) = parts(&run_in(
                    dir.path(),
                    &["convert", "--threads", threads, "--chunk-size", chunk, path],
                    broken.as_bytes(),
                ));
                assert_eq!(code, 2);
                assert!(
                    stderr.starts_with(&format!("{name}:21:14: error:")),
                    "{stderr}"
                );
                let (code, _, stderr) = parts(&run_in(
                    dir.path(),
                    &[
                        "convert",
                        "--lenient",
                        "--threads",
                        threads,
                        "--chunk-size",
                        chunk,
                        path,
                    ],
                    broken.as_bytes(),
                ));
                assert_eq!(code, 0, "{stderr}");
                let warnings: Vec<&str> = stderr
                    .lines()
                    .filter(|l| l.starts_with("warning:"))
                    .collect();
                assert_eq!(warnings.len(), 2, "{stderr}");
                assert!(
                    warnings[0].starts_with(&format!("warning: {name}:21:14:")),
                    "{stderr}"
                );
                assert!(
                    warnings[1].starts_with(&format!("warning: {name}:151:10:")),
                    "{stderr}"
                );
            }
        }
    }
}

/// CoNLL text for the stretch tests: `sentences` sentences of 1 to 400
/// tokens in IOB2 between document lines (followed by one blank line or
/// several, with CRLF, after a comment, or indented), blank lines of
/// whitespace or of Unicode whitespace only, mixed line ends, a byte-order
/// mark and no line end at the end.
fn conll_for_stretches(sentences: usize) -> String {
    // Read in a cycle from any tag but an I- tag, valid IOB2.
    let tags = ["O", "B-PER", "I-PER", "O", "B-LOC", "B-ORG", "I-ORG", "O"];
    let starts = [0, 1, 3, 4, 5, 7];
    let documents = [
        "-DOCSTART- -X- O\n\n",
        "-DOCSTART- -X- O\n\n\n\n",
        "-DOCSTART- -X- O\r\n \r\n",
        "-DOCSTART- O\n# O\n\n",
        "  -DOCSTART- O\n\u{a0}\n\n",
    ];
    let blanks = ["\n", "\r\n", "  \t\n", "\n\n", "\u{3000}\n"];
    let mut text = String::from("\u{feff}-DOCSTART- -X- O\n\n");
    for i in 0..sentences {
        if i % 23 == 5 {
            text.push_str(documents[i / 23 % documents.len()]);
        }
        let n = [1, 3, 8, 2, 400][i % 5];
        for j in 0..n {
            let tag = tags[(starts[i % starts.len()] + j) % tags.len()];
            let end = if (i + j) % 7 == 0 { "\r\n" } else { "\n" };
            text.push_str(&format!("w{i}.{j}\u{2019} x {tag}{end}"));
        }
        text.push_str(blanks[i % blanks.len()]);
    }
    text.push_str("z O");
    text
}

/// A CoNLL file read by the threads a stretch each, cut after blank lines
/// that follow a token line: document lines followed by several blank
/// lines, comments, lines of Unicode whitespace, CRLF, sentences longer
/// than a stretch and no line end at the end give what one thread gives,
/// whatever the stretch.
#[test]
fn threads_reading_conll_stretches_give_the_output_of_one_thread() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("doc.conll"), conll_for_stretches(300)).unwrap();
    for args in [
        &[][..],
        &["--docstart"],
        &["--comments", "--docstart"],
        &["--to", "jsonl"],
        &["--scheme", "iobes"],
        &["--scheme", "ioe1", "--docstart"],
    ] {
        let one = run_in(
            dir.path(),
            &[&["convert", "--threads", "1"], args, &["doc.conll"]].concat(),
            b"",
        );
        for chunk in ["61", "999", "65536"] {
            let many = run_in(
                dir.path(),
                &[
                    &["convert", "--threads", "2", "--chunk-size", chunk],
                    args,
                    &["doc.conll"],
                ]
                .concat(),
                b"",
            );
            assert_same_run(
                &one,
                &many,
                &format!("{args:?}, stretches of {chunk} bytes"),
            );
        }
    }
}

/// An error late in a CoNLL file read by stretches names the line and
/// column one thread names, although the stretch it is in counted its
/// lines from 1; so do repairs, early and late.
#[test]
fn conll_stretches_report_errors_and_repairs_where_they_are() {
    let text = conll_for_stretches(300);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let early = lines.iter().position(|l| l.starts_with("w12.")).unwrap();
    let late = lines.iter().rposition(|l| l.starts_with("w295.")).unwrap();
    // A tag that is no tag near the end: an error, or read as O with
    // --lenient.
    let mut broken = lines.clone();
    broken.insert(late, "w295.x x Q-PER\n");
    // And an ill-formed IOB2 sequence early, repaired.
    let mut repaired = broken.clone();
    repaired.insert(early, "w12.x x I-MISC\n");
    let dir = temp_dir();
    std::fs::write(dir.path().join("bad.conll"), broken.concat()).unwrap();
    std::fs::write(dir.path().join("repaired.conll"), repaired.concat()).unwrap();
    let run_with = |args: &[&str]| {
        let args = [&["convert", "--from-scheme", "iob2"], args].concat();
        let (code, _, stderr) = parts(&run_in(dir.path(), &args, b""));
        (code, stderr)
    };
    let one = run_with(&["--threads", "1", "bad.conll"]);
    assert_eq!(one.0, 2, "{}", one.1);
    assert!(
        one.1
            .starts_with(&format!("bad.conll:{}:10: error:", late + 1)),
        "{}",
        one.1
    );
    let fixed = run_with(&["--lenient", "--threads", "1", "repaired.conll"]);
    assert_eq!(fixed.0, 0, "{}", fixed.1);
    for (line, column) in [(early + 1, 9), (late + 2, 10)] {
        let want = format!("warning: repaired.conll:{line}:{column}:");
        assert!(fixed.1.contains(&want), "{want}: {}", fixed.1);
    }
    for chunk in ["61", "999", "65536"] {
        let threads = ["--threads", "2", "--chunk-size", chunk];
        let many = run_with(&[&threads[..], &["bad.conll"]].concat());
        assert_eq!(one, many, "stretches of {chunk} bytes");
        let many = run_with(&[&["--lenient"], &threads[..], &["repaired.conll"]].concat());
        assert_eq!(fixed, many, "--lenient, stretches of {chunk} bytes");
    }
}

#[test]
fn wnut17_labels_round_trip_through_bracket_text_with_labels() {
    let dir = temp_dir();
    let gold = root().join("corpora/wnut17/emerging.dev.conll");
    let gold = gold.to_str().unwrap();
    let (code, _, err) = parts(&run_in(
        dir.path(),
        &["convert", gold, "--to", "bracket", "-o", "dev.txt"],
        b"",
    ));
    assert_eq!(code, 0, "{err}");
    let labels = "corporation,creative-work,group,location,person,product";
    assert!(
        err.contains(&format!("read it back with: --labels {labels}")),
        "{err}"
    );
    let bracket = std::fs::read_to_string(dir.path().join("dev.txt")).unwrap();
    assert!(bracket.contains("[creative-work Rick and Morty  ]"));
    // The labels as a list and as a file read the same entities back.
    std::fs::write(dir.path().join("labels.txt"), labels.replace(',', "\n")).unwrap();
    for given in [labels, "labels.txt"] {
        let out = run_in(
            dir.path(),
            &["convert", "dev.txt", "--labels", given, "-o", "back.conll"],
            b"",
        );
        let (code, _, err) = parts(&out);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("entities read:    836 ("), "{err}");
        let direct = run_in(dir.path(), &["convert", gold, "-q"], b"").stdout;
        assert_eq!(
            std::fs::read(dir.path().join("back.conll")).unwrap(),
            direct
        );
    }
    // Without them `[person emma ]` is text, as the grammar says.
    let (_, _, err) = parts(&run_in(dir.path(), &["convert", "dev.txt"], b""));
    assert!(err.contains("entities read:    0"), "{err}");
    let (code, _, err) = parts(&run_in(
        dir.path(),
        &["convert", "dev.txt", "--labels", "per son"],
        b"",
    ));
    assert_eq!(code, 2);
    assert!(err.contains("no whitespace or brackets"), "{err}");
}

/// Issue 18 item 2: IO tags write entities of one type that touch as one.
/// Without `--allow-merged-entities` the conversion fails and names the
/// flag; with it, it succeeds, writes what it wrote before, and counts the
/// entities merged: those read less those the IO output reads back as, on
/// one thread or several.
#[test]
fn allow_merged_entities_accepts_what_io_tags_merge() {
    let input = "tests/data/convert/schemes.txt";
    let dir = temp_dir();
    let target = dir.path().join("out.conll");
    let target = target.to_str().unwrap();
    let refused = run(&["convert", "--scheme", "io", "-o", target, input]);
    let (code, _, stderr) = parts(&refused);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("2 merged; --allow-merged-entities accepts that")
            && stderr.contains("no output file was written"),
        "{stderr}"
    );
    assert!(!std::path::Path::new(target).exists());
    for threads in ["1", "2"] {
        let args = [
            "convert",
            "--scheme",
            "io",
            "--allow-merged-entities",
            "--threads",
            threads,
            "--chunk-size",
            "40",
            input,
        ];
        let out = run(&args);
        let (code, stdout, stderr) = parts(&out);
        assert_eq!(code, 0, "{stderr}");
        assert_golden("convert/schemes.io.expected", stdout.as_bytes());
        assert!(
            stderr.contains("entities merged:  2 (MISC 1, PER 1)"),
            "{stderr}"
        );
        // What the output holds, read back as IO tags: the entities written.
        let back = run_stdin(
            &[
                "convert",
                "--from",
                "conll",
                "--from-scheme",
                "io",
                "-q",
                "--summary",
                "json",
                "-",
            ],
            &stdout,
        );
        let (_, _, back) = parts(&back);
        let back: serde_json::Value = serde_json::from_str(back.trim()).unwrap();
        let mut json = args.to_vec();
        json.extend(["-q", "--summary", "json"]);
        let (_, _, summary) = parts(&run(&json));
        let summary: serde_json::Value = serde_json::from_str(summary.trim()).unwrap();
        assert_eq!(summary["written"], back["read"], "{summary}");
        assert_eq!(summary["entities_merged"], 2, "{summary}");
        assert_eq!(summary["merged"], serde_json::json!({"MISC": 1, "PER": 1}));
    }
    // Nothing merges in another scheme, and the flag changes nothing.
    let plain = run(&["convert", "--scheme", "ioe1", input]);
    let flagged = run(&[
        "convert",
        "--scheme",
        "ioe1",
        "--allow-merged-entities",
        input,
    ]);
    assert_eq!(parts(&plain).0, 0);
    assert_eq!(plain.stdout, flagged.stdout);
}

/// Issue 18 item 2: bracket text to CoNLL spells tags in the style asked
/// for, on the fused route as on the general one (the fused route once
/// wrote `B-PER` whatever the style).
#[test]
fn bracket_to_conll_writes_the_tag_style_asked_for() {
    let input = "[PER a b ] [PER c ] x\n";
    for (args, tags) in [
        (&["--to-tag-style", "suffix"][..], "PER-B PER-I PER-B O"),
        (
            &["--to-tag-style", "suffix", "--scheme", "ioe1"][..],
            "PER-I PER-E PER-I O",
        ),
        (
            &[
                "--to-tag-style",
                "none",
                "--scheme",
                "io",
                "--allow-merged-entities",
            ][..],
            "PER PER PER O",
        ),
    ] {
        let out = run_stdin(&[&["convert", "-q"][..], args, &["-"]].concat(), input);
        let (code, stdout, stderr) = parts(&out);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        let got: Vec<&str> = stdout
            .lines()
            .filter_map(|l| l.split('\t').nth(1))
            .collect();
        assert_eq!(got.join(" "), tags, "{args:?}");
    }
}
