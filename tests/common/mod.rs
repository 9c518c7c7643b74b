//! Helpers shared by the integration tests: run the real binary, compare
//! with golden files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub mod memory;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `tests/data`.
pub fn data(rel: &str) -> PathBuf {
    root().join("tests/data").join(rel)
}

/// Runs `nerkit ARGS` in `dir` with `stdin` as standard input.
pub fn run_in(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_nerkit"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        // Threads asked for run even when other tests keep the cores busy.
        .env("NERKIT_IGNORE_LOAD", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run nerkit");
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait for nerkit");
    feeder.join().unwrap();
    out
}

/// Runs `nerkit ARGS` in the repository root.
pub fn run(args: &[&str]) -> Output {
    run_in(&root(), args, b"")
}

/// Runs `nerkit ARGS` in the repository root with `stdin`.
pub fn run_stdin(args: &[&str], stdin: &str) -> Output {
    run_in(&root(), args, stdin.as_bytes())
}

/// The exit code, stdout and stderr of a run, as text.
pub fn parts(out: &Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh empty directory for a test.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Compares `got` with the golden file `tests/data/REL`, showing both in
/// full on a difference. With `NERKIT_BLESS=1` the golden file is
/// rewritten instead, for a reviewer to read in the diff.
pub fn assert_golden(rel: &str, got: &[u8]) {
    let path = data(rel);
    if std::env::var_os("NERKIT_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with NERKIT_BLESS=1 to create)",
            path.display()
        )
    });
    if want != got {
        panic!(
            "output differs from {}\n--- expected\n{}\n--- got\n{}",
            path.display(),
            String::from_utf8_lossy(&want),
            String::from_utf8_lossy(got)
        );
    }
}
