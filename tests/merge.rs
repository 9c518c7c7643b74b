//! Scoring in shards (issue 15, item 8): `nerkit eval --format counts` on
//! each shard of a corpus, then `nerkit eval --merge`, must print what
//! scoring the whole corpus prints, byte for byte, in every format.
//!
//! The corpus is the WNUT-17 test set in the repository, gold
//! (`emerging.test.annotated`) against the `arcada` submission, cut at
//! sentence boundaries into 7 shards of two files each (the lines copied
//! as they are, CRLF included). Every shard and the whole are scored in a
//! directory of their own from files named `gold.txt` and `pred.txt`, as a
//! map-reduce worker would, so that the names in the reports agree.

mod common;

use std::path::{Path, PathBuf};

use common::{parts, root, run_in};
use serde_json::Value;

const SHARDS: usize = 7;

/// The sentences of a file: runs of lines ended by a blank line (which
/// belongs to the sentence before it), each line with its `\n`.
fn sentences(path: &Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(path).unwrap();
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        cur.extend_from_slice(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The corpus cut into shards: `dir/whole` and `dir/s0` ... `dir/s6`, each
/// with `gold.txt` and `pred.txt`.
struct Corpus {
    dir: tempfile::TempDir,
}

impl Corpus {
    fn new(pred: &str) -> Corpus {
        let dir = common::temp_dir();
        let w = root().join("corpora/wnut17");
        let gold = sentences(&w.join("emerging.test.annotated"));
        let pred = sentences(&w.join("submissions").join(pred));
        assert_eq!(gold.len(), pred.len());
        let n = gold.len();
        let write = |sub: &str, range: std::ops::Range<usize>| {
            let d = dir.path().join(sub);
            std::fs::create_dir(&d).unwrap();
            std::fs::write(d.join("gold.txt"), gold[range.clone()].concat()).unwrap();
            std::fs::write(d.join("pred.txt"), pred[range].concat()).unwrap();
        };
        write("whole", 0..n);
        // Shards of unequal sizes: the cuts are not evenly spaced.
        let mut cuts: Vec<usize> = (0..=SHARDS)
            .map(|k| n * k * k / (SHARDS * SHARDS))
            .collect();
        cuts[SHARDS] = n;
        for k in 0..SHARDS {
            assert!(cuts[k] < cuts[k + 1]);
            write(&format!("s{k}"), cuts[k]..cuts[k + 1]);
        }
        Corpus { dir }
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    /// Runs `nerkit ARGS` in `sub`; stdout on success.
    fn run(&self, sub: &str, args: &[&str]) -> Vec<u8> {
        let out = run_in(&self.path(sub), args, b"");
        assert!(
            out.status.success(),
            "nerkit {args:?} in {sub}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Scores the whole corpus with `args` (then `gold.txt pred.txt`).
    fn whole(&self, args: &[&str]) -> Vec<u8> {
        let mut a = args.to_vec();
        a.extend(["gold.txt", "pred.txt"]);
        self.run("whole", &a)
    }

    /// Scores every shard with `args --format counts` into
    /// `NAME0.json` ... and returns their names, in shard order.
    fn counts(&self, name: &str, args: &[&str]) -> Vec<String> {
        (0..SHARDS)
            .map(|k| {
                let mut a = args.to_vec();
                a.extend(["--format", "counts", "gold.txt", "pred.txt"]);
                let json = self.run(&format!("s{k}"), &a);
                let file = format!("{name}{k}.json");
                std::fs::write(self.dir.path().join(&file), json).unwrap();
                file
            })
            .collect()
    }

    /// `nerkit eval --merge ARGS SHARDS...` in the corpus directory.
    fn merge(&self, args: &[&str], shards: &[String]) -> Vec<u8> {
        let mut a = vec!["eval", "--merge"];
        a.extend(args);
        a.extend(shards.iter().map(String::as_str));
        self.run(".", &a)
    }

    /// `nerkit eval --merge ARGS SHARDS...`: exit code and stderr.
    fn merge_fails(&self, args: &[&str], shards: &[&str]) -> (i32, String) {
        let mut a = vec!["eval", "--merge"];
        a.extend(args);
        a.extend(shards);
        let (code, _, err) = parts(&run_in(self.dir.path(), &a, b""));
        (code, err)
    }
}

fn text(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap()
}

/// Asserts that the merge prints what the whole prints.
fn same(whole: &[u8], merged: &[u8], what: &str) {
    assert!(
        whole == merged,
        "{what}: whole and merge differ\n--- whole\n{}\n--- merge\n{}",
        text(whole),
        text(merged)
    );
}

/// Shard orders to merge in: as cut, reversed, and interleaved.
fn orders(shards: &[String]) -> Vec<Vec<String>> {
    let mut reversed = shards.to_vec();
    reversed.reverse();
    let mut odd_even: Vec<String> = shards.iter().skip(1).step_by(2).cloned().collect();
    odd_even.extend(shards.iter().step_by(2).cloned());
    vec![shards.to_vec(), reversed, odd_even]
}

#[test]
fn plain_reports_of_seven_shards_are_the_whole() {
    let c = Corpus::new("arcada");
    for mode in [&[][..], &["--mode", "strict", "--scheme", "iob2"][..]] {
        let shards = c.counts("plain", &[&["eval"], mode].concat());
        for order in orders(&shards) {
            for format in [
                "conlleval",
                "latex",
                "table",
                "json",
                "markdown",
                "csv",
                "counts",
            ] {
                let whole = c.whole(&[&["eval", "--format", format], mode].concat());
                let merged = c.merge(&["--format", format], &order);
                same(&whole, &merged, &format!("{mode:?} --format {format}"));
            }
        }
        // The plain counts, one field at a time, so that a field missing
        // from both the document and the reports would still be seen.
        let whole: Value =
            serde_json::from_slice(&c.whole(&[&["eval", "--format", "counts"], mode].concat()))
                .unwrap();
        assert_eq!(whole["counts"]["tokens"], 23394);
        assert_eq!(whole["counts"]["sentences"], 1287);
        assert_eq!(whole["counts"]["total"]["gold"], 1079);
        assert_eq!(whole["counts"]["total"]["pred"], 787);
        assert_eq!(whole["counts"]["total"]["correct"], 373);
    }
}

/// The analysis JSON without the error instances, which are examples, not
/// counts (`errors.total` stays: it is a count).
fn without_instances(json: &[u8]) -> Value {
    let mut v: Value = serde_json::from_slice(json).unwrap();
    let errors = v["errors"].as_object_mut().unwrap();
    assert!(errors["total"].as_u64().unwrap() > 0);
    errors.remove("kept");
    errors.remove("instances");
    v
}

#[test]
fn analysis_reports_of_seven_shards_are_the_whole() {
    let c = Corpus::new("arcada");
    // Each with --match all (the shards) or --match SCHEMAS (the whole).
    let scorings: [&[&str]; 3] = [
        &[],
        &["--mode", "strict", "--scheme", "iob2"],
        &[
            "--min-overlap",
            "0.5",
            "--map",
            "corporation=group,creative-work=product",
            "--ignore",
            "person",
        ],
    ];
    for (n, scoring) in scorings.iter().enumerate() {
        let all = &[&["eval", "--match", "all"], *scoring].concat();
        let shards = c.counts(&format!("analysis{n}"), all);
        for order in orders(&shards) {
            for format in ["table", "conlleval", "markdown", "csv", "counts"] {
                let whole = c.whole(&[&all[..], &["--format", format]].concat());
                // The scoring options are in the documents; --match asks
                // for the analysis reports.
                let merged = c.merge(&["--match", "all", "--format", format], &order);
                same(&whole, &merged, &format!("{scoring:?} --format {format}"));
            }
            let whole = c.whole(&[&all[..], &["--format", "json"]].concat());
            let merged = c.merge(&["--match", "all", "--format", "json"], &order);
            assert_eq!(
                without_instances(&whole),
                without_instances(&merged),
                "{scoring:?} --format json"
            );
            let merged: Value = serde_json::from_slice(&merged).unwrap();
            assert_eq!(merged["errors"]["kept"], 0);
            // Some schemas only.
            let whole = c.whole(&[&["eval", "--match", "partial,type"], *scoring].concat());
            let merged = c.merge(&["--match", "partial,type"], &order);
            same(
                &whole,
                &merged,
                &format!("{scoring:?} --match partial,type"),
            );
        }
        // The plain reports of the same documents.
        let whole = c.whole(&[&all[..], &["--format", "counts"]].concat());
        let whole: Value = serde_json::from_slice(&whole).unwrap();
        let mode = whole["options"]["mode"].as_str().unwrap().to_owned();
        let plain: &[&str] = if mode == "strict" {
            &["--mode", "strict", "--scheme", "iob2"]
        } else {
            &[]
        };
        same(
            &c.whole(&[&["eval", "--format", "table"], plain].concat()),
            &c.merge(&["--format", "table"], &shards),
            &format!("{scoring:?}: the plain table"),
        );
    }
}

#[test]
fn merges_of_merges_are_the_whole() {
    let c = Corpus::new("arcada");
    let shards = c.counts("m", &["eval", "--match", "all"]);
    let left = c.merge(&["--format", "counts"], &shards[..3]);
    let right = c.merge(&["--format", "counts"], &shards[3..]);
    std::fs::write(c.path("left.json"), &left).unwrap();
    std::fs::write(c.path("right.json"), &right).unwrap();
    let parts = ["right.json".to_owned(), "left.json".to_owned()];
    same(
        &c.whole(&["eval", "--match", "all", "--format", "counts"]),
        &c.merge(&["--format", "counts"], &parts),
        "a merge of two merges",
    );
    // One shard from stdin.
    let a = ["eval", "--merge", "--format", "counts", "left.json", "-"];
    let out = run_in(c.dir.path(), &a, &right);
    assert!(out.status.success(), "{}", text(&out.stderr));
    same(
        &c.whole(&["eval", "--match", "all", "--format", "counts"]),
        &out.stdout,
        "a shard from stdin",
    );
}

/// spinningbytes has ill-formed IOB2 chunks: the counts add up, the
/// reports without line numbers are the whole's, and the lines kept are
/// the first ones of the shards, in the order merged.
#[test]
fn ill_formed_chunks_add_up_and_keep_shard_lines() {
    let c = Corpus::new("spinningbytes.txt");
    let strict = ["eval", "--mode", "strict", "--scheme", "iob2"];
    let shards = c.counts("ill", &strict);
    for format in ["table", "conlleval", "csv"] {
        same(
            &c.whole(&[&strict[..], &["--format", format]].concat()),
            &c.merge(&["--format", format], &shards),
            format,
        );
    }
    let doc = |b: &[u8]| -> Value { serde_json::from_slice(b).unwrap() };
    let whole = doc(&c.whole(&[&strict[..], &["--format", "counts"]].concat()));
    let merged = doc(&c.merge(&["--format", "counts"], &shards));
    assert_eq!(whole["counts"]["ill_formed_pred"]["count"], 34);
    assert_eq!(
        merged["counts"]["ill_formed_pred"]["count"],
        whole["counts"]["ill_formed_pred"]["count"]
    );
    let mut lines = Vec::new();
    for s in &shards {
        let d = doc(&std::fs::read(c.path(s)).unwrap());
        for l in d["counts"]["ill_formed_pred"]["first_lines"]
            .as_array()
            .unwrap()
        {
            lines.push(l.clone());
        }
    }
    lines.truncate(5);
    assert_eq!(
        merged["counts"]["ill_formed_pred"]["first_lines"],
        Value::Array(lines)
    );
    let strip = |mut v: Value| {
        v["counts"]["ill_formed_pred"]
            .as_object_mut()
            .unwrap()
            .remove("first_lines");
        v
    };
    assert_eq!(strip(whole), strip(merged));
    // The note says whose lines they are.
    let (code, err) = c.merge_fails(&[], &[&shards[0], &shards[1], &shards[2]]);
    assert_eq!(code, 0);
    assert!(err.contains("of their shards"), "{err}");
}

#[test]
fn min_f1_checks_the_merged_scores() {
    let c = Corpus::new("arcada");
    let shards = c.counts("f", &["eval"]);
    let s: Vec<&str> = shards.iter().map(String::as_str).collect();
    // The whole corpus' micro F1 is 39.98%.
    assert_eq!(c.merge_fails(&["--min-f1", "0.39"], &s).0, 0);
    let (code, err) = c.merge_fails(&["--min-f1", "40"], &s);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("39.98% is below"), "{err}");
}

#[test]
fn merge_refuses_what_it_cannot_add() {
    let c = Corpus::new("arcada");
    let plain = c.counts("p", &["eval"]);
    let iob1 = c.counts("i1_", &["eval", "--mode", "strict", "--scheme", "iob1"]);
    let iob2 = c.counts("i2_", &["eval", "--mode", "strict", "--scheme", "iob2"]);
    let analysed = c.counts("a", &["eval", "--match", "all"]);
    let overlap = c.counts("o", &["eval", "--match", "all", "--min-overlap", "0.5"]);
    let refused = |args: &[&str], shards: &[&str], want: &str| {
        let (code, err) = c.merge_fails(args, shards);
        assert_eq!(code, 2, "{args:?} {shards:?}: {err}");
        assert!(err.contains(want), "{args:?} {shards:?}: {err}");
    };
    refused(
        &[],
        &[&iob2[0], &iob1[1]],
        "i1_1.json: error: scored with --scheme iob1, but i2_0.json with --scheme iob2: \
         shards scored with different options cannot be added",
    );
    refused(
        &[],
        &[&plain[0], &iob2[1]],
        "scored with --mode strict, but p0.json with --mode conlleval",
    );
    refused(
        &[],
        &[&plain[0], &analysed[1]],
        "a1.json: error: scored with the error analysis",
    );
    refused(
        &[],
        &[&analysed[0], &overlap[1]],
        "scored with --min-overlap 50%, but a0.json without --min-overlap",
    );
    // Not counts documents.
    std::fs::write(
        c.path("report.json"),
        c.whole(&["eval", "--format", "json"]),
    )
    .unwrap();
    refused(
        &[],
        &["report.json"],
        "report.json: error: not a nerkit counts document: expected one JSON object with \"nerkit_counts\": 1 \
         (--merge reads what nerkit eval --format counts writes)",
    );
    refused(
        &[],
        &[&plain[0], "whole/gold.txt"],
        "whole/gold.txt: error: not a nerkit counts document: not JSON",
    );
    let v2 = std::fs::read_to_string(c.path(&plain[0]))
        .unwrap()
        .replace("\"nerkit_counts\": 1", "\"nerkit_counts\": 2");
    std::fs::write(c.path("v2.json"), v2).unwrap();
    refused(
        &[],
        &["v2.json"],
        "v2.json: error: a counts document of version 2: this nerkit reads version 1 only",
    );
    let extra = std::fs::read_to_string(c.path(&plain[0]))
        .unwrap()
        .replace("\"tokens\":", "\"tokenz\": 1, \"tokens\":");
    std::fs::write(c.path("extra.json"), extra).unwrap();
    refused(
        &[],
        &["extra.json"],
        "extra.json: error: a malformed counts document: unknown field `tokenz`",
    );
    // The analysis asked of documents without it; instances; options that
    // belong to the scoring of the shards.
    refused(
        &["--match", "all"],
        &[&plain[0]],
        "--match asks for the error analysis, but the shards carry no analysis counts",
    );
    refused(
        &["--format", "html"],
        &[&plain[0]],
        "--format html asks for the error analysis",
    );
    refused(
        &["--errors", "5"],
        &[&analysed[0]],
        "--errors lists error instances, which are examples, not counts",
    );
    // What needs every sentence's counts is no merge of totals.
    for flag in [
        &["--bootstrap"][..],
        &["--bootstrap=50", "--seed", "3"],
        &["--test", "permutation"],
        &["--breakdown", "sentences", "--format", "json"],
    ] {
        refused(
            flag,
            &[&analysed[0]],
            "needs the counts of every sentence, which counts documents do not carry",
        );
    }
    for flag in [
        &["--scheme", "iob2"][..],
        &["--mode", "strict"],
        &["--raw"],
        &["--map", "a=b"],
        &["--ignore", "x"],
        &["--min-overlap", "0.5"],
    ] {
        refused(
            flag,
            &[&plain[0]],
            &format!("{} changes what is counted", flag[0]),
        );
    }
    refused(
        &[],
        &["-", "-"],
        "only one counts document can be read from stdin",
    );
    // --format counts writes one system.
    let (code, _, err) = parts(&run_in(
        &c.path("whole"),
        &[
            "eval", "--format", "counts", "gold.txt", "pred.txt", "pred.txt",
        ],
        b"",
    ));
    assert_eq!(code, 2);
    assert!(
        err.contains("--format counts writes the counts of one system"),
        "{err}"
    );
}
