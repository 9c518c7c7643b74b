//! Regression tests for defects found by the robustness run: lone carriage
//! returns, panics on the fast bracket route, unbounded `--threads`, and
//! exit statuses lost to a closed stdout.

mod common;

use std::process::{Command, Stdio};

use common::*;

/// The first line of stderr that holds `error:`.
fn error_of(stderr: &str) -> &str {
    stderr
        .lines()
        .find(|l| l.contains("error:"))
        .unwrap_or_else(|| panic!("no error in {stderr:?}"))
}

#[test]
fn a_lone_carriage_return_is_refused_never_merged() {
    let dir = temp_dir();
    std::fs::write(
        dir.path().join("mac.conll"),
        "EU\tB-ORG\rx\tO\r\ry\tB-PER\r",
    )
    .unwrap();
    std::fs::write(dir.path().join("mac.txt"), "a [PER b ]\rc d\r").unwrap();
    std::fs::write(dir.path().join("mac.eval"), "a B-X B-X\rb O O\r").unwrap();
    std::fs::write(dir.path().join("ok.tags"), "a B-X\nb O\n").unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["convert", "--from", "conll", "mac.conll"],
            "mac.conll:1:9:",
        ),
        (&["convert", "mac.conll"], "mac.conll:1:9:"),
        (&["convert", "--threads", "1", "mac.txt"], "mac.txt:1:11:"),
        (&["convert", "--threads", "2", "mac.txt"], "mac.txt:1:11:"),
        (&["convert", "--to", "jsonl", "mac.txt"], "mac.txt:1:11:"),
        (&["eval", "mac.eval"], "mac.eval:1:10:"),
        (&["eval", "mac.eval", "ok.tags"], "mac.eval:1:10:"),
    ];
    for (args, at) in cases {
        let (code, stdout, stderr) = parts(&run_in(dir.path(), args, b""));
        assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
        let error = error_of(&stderr);
        assert!(
            error.starts_with(&format!("{at} error: a carriage return (CR)")),
            "{args:?}: {error}"
        );
    }
    // CRLF line ends still read as line ends.
    std::fs::write(dir.path().join("dos.txt"), "a [PER b ]\r\nc d\r\n").unwrap();
    let (code, stdout, stderr) = parts(&run_in(dir.path(), &["convert", "dos.txt"], b""));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "a\tO\nb\tB-PER\n\nc\tO\nd\tO\n\n");
}

#[test]
fn a_bracket_at_the_end_of_the_input_is_a_token_not_a_panic() {
    let long = "[A_LABEL_OF_MORE_THAN_TWENTY_NINE_BYTES x ]";
    let cases = [
        ("[".to_string(), "[\tO\n\n"),
        ("x [".to_string(), "x\tO\n[\tO\n\n"),
        (
            "<p>See note [<sup>\n".to_string(),
            "See\tO\nnote\tO\n[\tO\n\n",
        ),
        (
            format!("{long} ["),
            "x\tB-A_LABEL_OF_MORE_THAN_TWENTY_NINE_BYTES\n[\tO\n\n",
        ),
    ];
    let dir = temp_dir();
    for (input, want) in &cases {
        for threads in ["1", "2"] {
            let out = run_in(
                dir.path(),
                &["convert", "--threads", threads],
                input.as_bytes(),
            );
            let (code, stdout, stderr) = parts(&out);
            assert_eq!(code, 0, "{input:?} --threads {threads}: {stderr}");
            assert_eq!(stdout, *want, "{input:?} --threads {threads}");
            std::fs::write(dir.path().join("in.txt"), input).unwrap();
            let args = ["convert", "--threads", threads, "in.txt", "-o", "out.conll"];
            let (code, _, stderr) = parts(&run_in(dir.path(), &args, b""));
            assert_eq!(code, 0, "{input:?}: {stderr}");
            let names: Vec<String> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert!(
                names.iter().all(|n| !n.ends_with(".tmp")),
                "temporary file left: {names:?}"
            );
            assert_eq!(
                std::fs::read_to_string(dir.path().join("out.conll")).unwrap(),
                *want
            );
        }
    }
}

/// The threads a conversion used, from its JSON summary.
fn threads_used(args: &[&str]) -> u64 {
    let mut all = vec!["convert", "--summary", "json"];
    all.extend_from_slice(args);
    let (code, _, stderr) = parts(&run(&all));
    assert_eq!(code, 0, "{stderr}");
    let summary: serde_json::Value = serde_json::from_str(stderr.trim()).expect(&stderr);
    summary["threads"].as_u64().expect("threads in the summary")
}

#[test]
fn threads_are_capped_at_the_cores_and_the_chunks() {
    let cable = "corpora/000_8c95ef11f0516e36.txt";
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    // The 9 KB cable is one chunk: one thread, however many are asked for.
    assert_eq!(threads_used(&["--threads", "100000", cable]), 1);
    // Cut small, it has enough chunks for every core, and no more threads.
    let many = threads_used(&["--threads", "100000", "--chunk-size", "512", cable]);
    assert_eq!(many, cores.min(18));
    // By default an input under 8 MiB a thread takes one (issue 18: threads
    // that never hurt).
    assert_eq!(threads_used(&["--chunk-size", "512", cable]), 1);
    let (_, _, err) = parts(&run(&["convert", "--threads", "100000", cable]));
    assert!(
        err.contains("  threads:          1 of the 100000 asked for (the input makes one chunk)"),
        "{err}"
    );
    // The same output either way.
    let one = run(&["convert", "-q", "--threads", "1", cable]);
    let capped = run(&[
        "convert",
        "-q",
        "--threads",
        "100000",
        "--chunk-size",
        "512",
        cable,
    ]);
    assert_eq!(parts(&one), parts(&capped));
}

/// Runs nerkit with a stdout whose reader has already gone, as in
/// `nerkit ... | true`: every write fails with a broken pipe.
fn run_into_a_closed_pipe(args: &[&str]) -> (i32, String) {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_nerkit"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run nerkit");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_broken_pipe_keeps_the_exit_status_of_a_failed_check_or_error() {
    let dir = temp_dir();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    std::fs::write(path("pairs.txt"), "a B-X B-X\nb O I-X\n").unwrap();
    std::fs::write(path("adjacent.conll"), "a\tB-X\nb\tB-X\n").unwrap();
    // The check fails: 1, with or without a reader.
    let args = ["eval", "--min-f1", "0.99", &path("pairs.txt")];
    assert_eq!(parts(&run(&args)).0, 1);
    let (code, stderr) = run_into_a_closed_pipe(&args);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("below the --min-f1 threshold"), "{stderr}");
    // The io scheme merges the two entities: 2, with or without a reader.
    let args = ["convert", "--scheme", "io", &path("adjacent.conll")];
    assert_eq!(parts(&run(&args)).0, 2);
    let (code, stderr) = run_into_a_closed_pipe(&args);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("entities read and written differ"),
        "{stderr}"
    );
    // Nothing failed: the run ends quietly.
    let (code, stderr) = run_into_a_closed_pipe(&["convert", "-q", &path("adjacent.conll")]);
    assert_eq!((code, stderr.as_str()), (0, ""));
}

#[cfg(unix)]
#[test]
fn a_closed_stdout_is_an_error() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("g.conll"), "a\tB-X\nb\tI-X\n").unwrap();
    std::fs::write(dir.path().join("pairs.txt"), "a B-X B-X\n").unwrap();
    for (args, redirect) in [
        ("convert g.conll", ">&-"),
        ("eval pairs.txt", ">&-"),
        ("convert g.conll", ">/dev/null"),
    ] {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("\"$0\" {args} {redirect}"))
            .arg(env!("CARGO_BIN_EXE_nerkit"))
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("run sh");
        let stderr = String::from_utf8_lossy(&out.stderr);
        if redirect == ">&-" {
            assert_eq!(out.status.code(), Some(2), "{args}: {stderr}");
            assert!(
                error_of(&stderr).contains("standard output is closed"),
                "{args}: {stderr}"
            );
        } else {
            assert_eq!(out.status.code(), Some(0), "{args}: {stderr}");
        }
    }
}

#[test]
fn messages_say_what_is_wrong() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("g.conll"), "a\tB-X\nb\tO\n").unwrap();
    std::fs::write(dir.path().join("empty.conll"), "").unwrap();
    std::fs::write(dir.path().join("m.txt"), "a B-X B-X\nb O O\nc B-Y O\n").unwrap();
    // An empty file has no line 0 to point at.
    for args in [
        ["eval", "g.conll", "empty.conll"],
        ["eval", "empty.conll", "g.conll"],
    ] {
        let (code, _, stderr) = parts(&run_in(dir.path(), &args, b""));
        assert_eq!(code, 2);
        assert_eq!(
            error_of(&stderr),
            "empty.conll: error: empty file: nothing to score, while g.conll:1 has a token (\"a\")"
        );
    }
    // F1 66.666...% against a threshold of 66.67%: enough digits to see why.
    let (code, _, stderr) = parts(&run_in(
        dir.path(),
        &["eval", "--min-f1", "66.67", "m.txt"],
        b"",
    ));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("micro F1 66.667% is below the --min-f1 threshold 66.670%"),
        "{stderr}"
    );
    // Stdin can be read once.
    let (code, _, stderr) = parts(&run_in(dir.path(), &["convert", "-", "-"], b"a [PER b ]\n"));
    assert_eq!(code, 2);
    assert!(
        error_of(&stderr).contains("stdin (-) is given more than once"),
        "{stderr}"
    );
}

#[test]
fn labels_and_tokens_a_format_cannot_hold_are_refused_at_the_writer() {
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["convert", "--from", "spans"],
            "{\"text\":\"a b\",\"entities\":[{\"start\":0,\"end\":1,\"label\":\"P ER\"}]}\n",
            "<stdin>:1:1: error: the label \"P ER\" of an entity holds whitespace, which a CoNLL tag cannot hold",
        ),
        (
            &["convert", "--from", "jsonl"],
            "{\"tokens\":[\"a\",\"b\"],\"tags\":[\"B-P\\nER\",\"O\"]}\n",
            "<stdin>:1:1: error: the label \"P\\nER\" of an entity holds whitespace, which a CoNLL tag cannot hold",
        ),
        (
            &["convert", "--from", "jsonl", "--to", "spans"],
            "{\"tokens\":[\"a\",\"\"],\"tags\":[\"B-X\",\"O\"]}\n",
            "<stdin>:1:1: error: token 2 of the sentence, \"\", is empty, which a text of tokens joined by spaces cannot hold",
        ),
    ];
    let dir = temp_dir();
    for (args, input, want) in cases {
        let (code, stdout, stderr) = parts(&run_in(dir.path(), args, input.as_bytes()));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(stdout, "", "{args:?}: nothing is written");
        assert_eq!(error_of(&stderr), *want, "{args:?}");
    }
}

/// The names in `dir`.
fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
#[test]
fn a_signal_removes_the_temporary_file_and_ends_the_run_by_it() {
    use std::os::unix::process::ExitStatusExt;
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        let dir = temp_dir();
        std::fs::write(dir.path().join("out.conll"), "kept\n").unwrap();
        // Input that never ends: the run is still writing when the signal
        // comes.
        let mut child = Command::new(env!("CARGO_BIN_EXE_nerkit"))
            .args(["convert", "-q", "-o", "out.conll", "-"])
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run nerkit");
        let mut stdin = child.stdin.take().unwrap();
        {
            use std::io::Write;
            stdin.write_all(b"a [PER b ] c\n").unwrap();
        }
        let temp_seen = (0..500).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(10));
            names_in(dir.path()).iter().any(|n| n.ends_with(".tmp"))
        });
        assert!(temp_seen, "the temporary file appears");
        // SAFETY: kill only sends a signal to the child's pid.
        assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, sig) }, 0);
        let status = child.wait().unwrap();
        drop(stdin);
        assert_eq!(
            status.signal(),
            Some(sig),
            "ended by the signal, as shells expect"
        );
        assert_eq!(names_in(dir.path()), ["out.conll"], "signal {sig}");
        let kept = std::fs::read_to_string(dir.path().join("out.conll")).unwrap();
        assert_eq!(kept, "kept\n", "the target is untouched");
    }
}

#[cfg(unix)]
#[test]
fn output_files_keep_modes_links_and_read_only_targets_as_cp_users_expect() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = temp_dir();
    let path = |name: &str| dir.path().join(name);
    std::fs::write(path("in.txt"), "a [PER b ] c\n").unwrap();
    let convert = |extra: &[&str], out: &str| {
        let mut args = vec!["convert", "-q", "in.txt", "-o", out];
        args.extend_from_slice(extra);
        parts(&run_in(dir.path(), &args, b""))
    };
    // A new file gets the umask's mode: run under umask 077 through sh.
    let out = Command::new("sh")
        .arg("-c")
        .arg("umask 077; \"$0\" convert -q in.txt -o private.conll")
        .arg(env!("CARGO_BIN_EXE_nerkit"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let mode = |name: &str| std::fs::metadata(path(name)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("private.conll"), 0o600);
    // An existing file keeps its mode.
    std::fs::write(path("shared.conll"), "old\n").unwrap();
    std::fs::set_permissions(path("shared.conll"), std::fs::Permissions::from_mode(0o640)).unwrap();
    assert_eq!(convert(&[], "shared.conll").0, 0);
    assert_eq!(mode("shared.conll"), 0o640);
    // A read-only file is refused, unless forced.
    std::fs::set_permissions(path("shared.conll"), std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::write(path("ro.conll"), "old\n").unwrap();
    std::fs::set_permissions(path("ro.conll"), std::fs::Permissions::from_mode(0o444)).unwrap();
    let (code, _, stderr) = convert(&[], "ro.conll");
    assert_eq!(code, 2);
    assert_eq!(
        error_of(&stderr),
        "ro.conll: error: the file is read-only; give --force to replace it"
    );
    assert_eq!(std::fs::read_to_string(path("ro.conll")).unwrap(), "old\n");
    assert_eq!(convert(&["--force"], "ro.conll").0, 0);
    assert_eq!(
        std::fs::read_to_string(path("ro.conll")).unwrap(),
        "a\tO\nb\tB-PER\nc\tO\n\n"
    );
    // A dangling symlink is followed: its target is created, the link kept.
    std::fs::create_dir(path("sub")).unwrap();
    std::os::unix::fs::symlink("sub/target.conll", path("link.conll")).unwrap();
    assert_eq!(convert(&[], "link.conll").0, 0);
    assert!(std::fs::symlink_metadata(path("link.conll"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(path("sub/target.conll").is_file());
    // Hard links all see the new output.
    std::fs::write(path("one.conll"), "old\n").unwrap();
    std::fs::hard_link(path("one.conll"), path("two.conll")).unwrap();
    assert_eq!(convert(&[], "one.conll").0, 0);
    assert_eq!(std::fs::metadata(path("one.conll")).unwrap().nlink(), 2);
    assert_eq!(
        std::fs::read_to_string(path("two.conll")).unwrap(),
        "a\tO\nb\tB-PER\nc\tO\n\n"
    );
    assert!(names_in(dir.path()).iter().all(|n| !n.ends_with(".tmp")));
}

#[cfg(unix)]
#[test]
fn a_file_size_limit_is_an_error_naming_the_target() {
    let dir = temp_dir();
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -f 4; \"$0\" convert -q \"$1\" -o out.conll")
        .arg(env!("CARGO_BIN_EXE_nerkit"))
        .arg(root().join("corpora/000_8c95ef11f0516e36.txt"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        error_of(&stderr).starts_with("error: cannot write out.conll: File too large"),
        "{stderr}"
    );
    assert!(
        names_in(dir.path()).is_empty(),
        "{:?}",
        names_in(dir.path())
    );
}

/// Runs `nerkit ARGS` with stdin written in two pieces, a pause between.
fn run_with_stdin_in_pieces(args: &[&str], first: &[u8], second: &[u8]) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_nerkit"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run nerkit");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(first).unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    stdin.write_all(second).unwrap();
    drop(stdin);
    parts(&child.wait_with_output().unwrap())
}

#[test]
fn stdin_is_read_the_same_however_it_arrives() {
    let cases: [(&[&str], &[u8], &[u8]); 3] = [
        // The format: columns first, bracket text after.
        (&["convert", "-q"], b"EU B-ORG\n", b"[PER A ] met b\n"),
        // HTML after the first line, on one thread and on two.
        (
            &["convert", "-q", "--threads", "1"],
            b"plain\n",
            b"<p>x</p>\n",
        ),
        (
            &["convert", "-q", "--threads", "2"],
            b"plain\n",
            b"<p>x</p>\n",
        ),
    ];
    for (args, first, second) in cases {
        let whole = parts(&run_in(&root(), args, &[first, second].concat()));
        let pieces = run_with_stdin_in_pieces(args, first, second);
        assert_eq!(whole, pieces, "{args:?}");
    }
}

/// Defect 12: JSON messages say what is wrong, where.
#[test]
fn json_messages_name_surrogates_reversed_offsets_and_null_tags() {
    let cases = [
        (
            r#"{"tokens": ["\ud800"], "tags": ["O"]}"#,
            "<stdin>:1:14: error:",
            "the escape \\ud800 is a high UTF-16 surrogate without the low surrogate",
        ),
        (
            r#"{"tokens": ["x\udc00"], "tags": ["O"]}"#,
            "<stdin>:1:15: error:",
            "the escape \\udc00 is a low UTF-16 surrogate without the high surrogate",
        ),
        (
            r#"{"tokens": ["a"], "tags": ["O"], "offsets": [[5,1]]}"#,
            "<stdin>:1:34: error:",
            "\"offsets\" pair 1 [5, 1] (token \"a\") starts after it ends",
        ),
        (
            r#"{"tokens": ["a", "b"], "tags": ["O", "O"], "offsets": [[0,1]]}"#,
            "<stdin>:1:",
            "\"offsets\" holds 1 [start, end] pairs for 2 tokens",
        ),
        (
            r#"{"tokens": ["a"], "tags": null}"#,
            "<stdin>:1:19: error:",
            "\"tags\" is null: expected a list of tags",
        ),
    ];
    for (line, place, message) in cases {
        let (code, _, err) = parts(&run_stdin(&["convert", "--from", "jsonl"], line));
        assert_eq!(code, 2, "{line}: {err}");
        let error = error_of(&err);
        assert!(
            error.starts_with(place) && error.contains(message),
            "{line}: {error}"
        );
    }
    // A pair of surrogates is one character.
    let (code, out, _) = parts(&run_stdin(
        &["convert", "--from", "jsonl", "-q"],
        r#"{"tokens": ["\ud83d\ude00"], "tags": ["O"]}"#,
    ));
    assert_eq!((code, out.as_str()), (0, "😀\tO\n\n"));
}

/// Found by the read_labelstudio fuzz target: a region that ends before it
/// starts, with its text given, panicked while its text was checked.
#[test]
fn a_label_studio_region_ending_before_it_starts_is_an_error() {
    let task = r#"[{"data":{"text":"abc d"},"annotations":[{"result":[{"value":{"start":2,"end":1,"text":"b","labels":["X"]},"type":"labels","from_name":"label","to_name":"text"}]}]}]"#;
    let (code, out, err) = parts(&run_stdin(&["convert"], task));
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(
        error_of(&err).contains("span 1 (X 2..1): ends before it starts"),
        "{err}"
    );
}

/// Peak memory (KiB) and stdout of `nerkit convert` with `args` on `path`.
#[cfg(target_os = "linux")]
fn peak_rss_of_convert(
    dir: &std::path::Path,
    path: &std::path::Path,
    args: &[&str],
) -> (u64, Vec<u8>) {
    let out_path = dir.join("out.conll");
    let stderr_path = dir.join("stderr.txt");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nerkit"));
    cmd.args(["convert", "-q"])
        .args(args)
        .arg(path)
        .arg("-o")
        .arg(&out_path)
        .env("NERKIT_IGNORE_LOAD", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).unwrap());
    let (status, peak_kib) = common::memory::run_peak_rss(cmd);
    let stderr = std::fs::read_to_string(&stderr_path).unwrap();
    assert!(status.success(), "{args:?}: {status}: {stderr}");
    let out = std::fs::read(&out_path).unwrap();
    (
        peak_kib.expect("nerkit's peak memory was not measured"),
        out,
    )
}

/// The files of the long-line tests: `phrase` repeated to some 20 MiB on
/// one line (`one-line.txt`), and the same phrases a line each
/// (`many-lines.txt`), whose output the long line's is checked against.
#[cfg(target_os = "linux")]
fn long_line_and_lines(
    dir: &std::path::Path,
    phrase: &str,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let copies = 20 * 1024 * 1024 / phrase.len();
    let one = dir.join("one-line.txt");
    let many = dir.join("many-lines.txt");
    std::fs::write(&one, phrase.repeat(copies)).unwrap();
    std::fs::write(&many, format!("{}\n", phrase.trim_end()).repeat(copies)).unwrap();
    (one, many)
}

/// Issue 18 item 4 (issue 19 defect 10): a line with no line break (a
/// scraped document) converts in bounded memory, on one thread and on
/// two, and writes what the same text with line breaks writes, without
/// the blank lines between sentences. Before, a line took about 19
/// times its size (a 200 MB line 3.9 GB); the 200 MB case is
/// `scripts/memory-check.sh long-line`.
#[cfg(target_os = "linux")]
#[test]
fn a_long_line_converts_in_bounded_memory() {
    let dir = temp_dir();
    let phrase = "The [PER Ryan C. Crocker ] met [ORG Mad Capsule Markets ] officials in [LOC Tokyo ] , said \u{201c}yes\u{201d} . ";
    // Past two threads' minimum share (2 x 8 MiB), so that two run.
    let (one, many) = long_line_and_lines(dir.path(), phrase);
    let (_, lines) = peak_rss_of_convert(dir.path(), &many, &["--threads", "1"]);
    let expected: Vec<u8> = String::from_utf8(lines)
        .unwrap()
        .split("\n\n")
        .filter(|s| !s.is_empty())
        .map(|s| format!("{s}\n"))
        .collect::<String>()
        .into_bytes();
    for threads in ["1", "2"] {
        let (peak_kib, out) = peak_rss_of_convert(dir.path(), &one, &["--threads", threads]);
        assert!(
            out.len() == expected.len() + 1 && out[..expected.len()] == expected[..],
            "--threads {threads}: the output differs from the lines' output"
        );
        assert!(
            out.ends_with(b"\n\n"),
            "one sentence, ended by a blank line"
        );
        // Buffers of a few MiB (on two threads, the stretches in flight
        // too) and the program itself: less than the 20 MiB line, which
        // holding took 19 times (and two threads, reading the first line
        // whole to decide on HTML, once).
        let bound = if threads == "1" { 16 } else { 28 };
        eprintln!("--threads {threads}: peak {peak_kib} KiB");
        assert!(
            peak_kib < bound * 1024,
            "--threads {threads}: peak {peak_kib} KiB"
        );
    }
    // Piped in, the threads cut chunks from a stream: the long line is
    // converted streaming too, not gathered into one chunk (before: about
    // 20 times the line).
    let out_path = dir.path().join("out-stdin.conll");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nerkit"));
    cmd.args(["convert", "-q", "--threads", "2", "-", "-o"])
        .arg(&out_path)
        .env("NERKIT_IGNORE_LOAD", "1")
        .stdin(std::fs::File::open(&one).unwrap())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let (status, peak_kib) = common::memory::run_peak_rss(cmd);
    assert!(status.success(), "stdin: {status}");
    let out = std::fs::read(&out_path).unwrap();
    assert!(
        out.len() == expected.len() + 1 && out[..expected.len()] == expected[..],
        "stdin, --threads 2: the output differs from the lines' output"
    );
    let peak_kib = peak_kib.expect("nerkit's peak memory was not measured");
    eprintln!("stdin, --threads 2: peak {peak_kib} KiB");
    assert!(
        peak_kib < 28 * 1024,
        "stdin, --threads 2: peak {peak_kib} KiB"
    );
}

/// The document readers name a lone surrogate in a text as the JSON lines
/// reader does, at its escape, rather than saying the text is no string.
#[test]
fn document_readers_name_lone_surrogates_too() {
    for (line, column, which) in [
        (r#"{"text": "\ud800 a", "entities": []}"#, 11, "high"),
        (r#"{"text": "a\udc00", "label": [[0,1,"X"]]}"#, 12, "low"),
    ] {
        let (code, _, err) = parts(&run_stdin(&["convert"], line));
        assert_eq!(code, 2, "{line}: {err}");
        let error = error_of(&err);
        assert!(
            error.starts_with(&format!("<stdin>:1:{column}: error: the escape"))
                && error.contains(&format!("is a {which} UTF-16 surrogate")),
            "{line}: {error}"
        );
    }
    let (_, _, err) = parts(&run_stdin(&["convert"], r#"{"text": 3, "entities": []}"#));
    assert!(
        error_of(&err).contains("\"text\" must be a string"),
        "{err}"
    );
}

/// Issue 18 item 4: a line with no line break converts in bounded memory
/// on the general route too (sentence modes and outputs the fused routes
/// do not take; the IOE1, IO and Unicode-tokenizer cases, which went there
/// when this test was written, now check the fused route's pieces): the
/// reader gives it in pieces of `bracket::PIECE_BYTES` that the writers
/// write as one sentence.
/// Before, the line was one `Sentence`: about 30 times its size (a 20 MiB
/// line to `--scheme ioe1` took 600 MB). Each output is checked against
/// the same text with line breaks; the 200 MB case is
/// `scripts/memory-check.sh long-line`.
#[cfg(target_os = "linux")]
#[test]
fn a_long_line_converts_in_bounded_memory_on_the_general_route() {
    let dir = temp_dir();
    let phrase = "The [PER Ryan C. Crocker ] met [ORG Mad Capsule Markets ] officials in [LOC Tokyo ] , said \u{201c}yes\u{201d} . ";
    let (one, many) = long_line_and_lines(dir.path(), phrase);
    // What the lines give, as one sentence: CoNLL without the blank lines
    // between sentences, bracket text on one line; or what they give.
    #[derive(Clone, Copy)]
    enum Expect {
        ConllAsOne,
        BracketAsOne,
        Same,
        /// What the lines give read as one document.
        AsDocument,
    }
    let cases: [(&[&str], &str, Expect); 8] = [
        (&["--scheme", "ioe1"], "1", Expect::ConllAsOne),
        (&["--scheme", "io"], "2", Expect::ConllAsOne),
        (&["--tokenizer", "unicode"], "1", Expect::ConllAsOne),
        (
            &["--offsets", "chars", "--to", "bracket"],
            "1",
            Expect::BracketAsOne,
        ),
        // A sentence per phrase, as the lines give.
        (
            &["--sentences", "auto", "--scheme", "iobes"],
            "1",
            Expect::Same,
        ),
        (&["--sentences", "auto", "--to", "spans"], "1", Expect::Same),
        // One record, its entities held until its text is written.
        (&["--to", "spans"], "1", Expect::AsDocument),
        (
            &["--sentences", "none", "--scheme", "ioe1"],
            "1",
            Expect::Same,
        ),
    ];
    for (args, threads, expect) in cases {
        let mut with_threads = args.to_vec();
        with_threads.extend(["--threads", threads]);
        let mut many_args = args.to_vec();
        many_args.extend(["--threads", "1"]);
        if matches!(expect, Expect::AsDocument) {
            many_args.extend(["--sentences", "none"]);
        }
        let (_, lines) = peak_rss_of_convert(dir.path(), &many, &many_args);
        let expected = match expect {
            Expect::ConllAsOne => {
                let mut one = String::from_utf8(lines).unwrap().replace("\n\n", "\n");
                one.push('\n');
                one.into_bytes()
            }
            Expect::BracketAsOne => {
                let text = String::from_utf8(lines).unwrap();
                format!("{}\n", text.trim_end().replace('\n', " ")).into_bytes()
            }
            Expect::Same | Expect::AsDocument => lines,
        };
        let (peak_kib, out) = peak_rss_of_convert(dir.path(), &one, &with_threads);
        assert!(
            out == expected,
            "{with_threads:?}: the output differs from the lines' output ({} and {} bytes)",
            out.len(),
            expected.len()
        );
        eprintln!("{with_threads:?}: peak {peak_kib} KiB");
        // Pieces of 256 KiB with their tokens and tags, the buffers (on
        // two threads, the stretches in flight too) and the program
        // itself: less than the 20 MiB line.
        let bound = if threads == "1" { 16 } else { 28 };
        assert!(
            peak_kib < bound * 1024,
            "{with_threads:?}: peak {peak_kib} KiB"
        );
    }
}

/// A line with no line break converts to JSON lines in bounded memory: the
/// record's tokens are written as the pieces come and its tags, text and
/// offsets are held in memory up to a bound, then in a temporary file,
/// until the line ends. Before, the pieces were joined into one sentence
/// written whole: a 20 MiB line took 619 MB. The output is that of the
/// same text with line breaks read as one document.
#[cfg(target_os = "linux")]
#[test]
fn a_long_line_converts_to_json_lines_in_bounded_memory() {
    let dir = temp_dir();
    let phrase = "The [PER Ryan C. Crocker ] met [ORG Mad \"Capsule\" Markets ] officials in [LOC T\u{f6}ky\u{f6} ] , said \u{201c}yes\u{201d} . ";
    let (one, many) = long_line_and_lines(dir.path(), phrase);
    for args in [
        &["--to", "jsonl"][..],
        &["--to", "jsonl", "--offsets", "utf16", "--scheme", "ioe1"],
        &["--to", "jsonl", "--to-tag-style", "suffix"],
        &[
            "--to",
            "jsonl",
            "--to-label-names",
            "O,B-PER,I-PER,B-ORG,I-ORG,B-LOC,I-LOC",
        ],
    ] {
        let mut one_args = args.to_vec();
        one_args.extend(["--threads", "1"]);
        let mut many_args = one_args.clone();
        many_args.extend(["--sentences", "none"]);
        let (_, expected) = peak_rss_of_convert(dir.path(), &many, &many_args);
        let (peak_kib, out) = peak_rss_of_convert(dir.path(), &one, &one_args);
        assert!(
            out == expected,
            "{one_args:?}: the output differs from the lines' output ({} and {} bytes)",
            out.len(),
            expected.len()
        );
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
        eprintln!("{one_args:?}: peak {peak_kib} KiB");
        // Pieces of 256 KiB, with the room their members take escaped
        // (some 5 MiB), three members held up to 1 MiB each, the buffers
        // and the program itself (the debug build): a fixed 28 MiB,
        // whatever the line's length.
        assert!(peak_kib < 28 * 1024, "{one_args:?}: peak {peak_kib} KiB");
    }
}
