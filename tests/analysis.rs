//! The error analysis of `nerkit eval` (issue 15): matching schemas,
//! taxonomy, confusion matrix, several systems. Hand-made cases cover
//! every class; the WNUT-17 submissions check that the counts add up.

use std::path::PathBuf;
use std::process::{Command, Output};

use nerkit::eval::analysis::{self, Analysis, ErrorClass, Options, Schema, SchemaCounts};
use nerkit::eval::{ColumnSource, Evaluator, Mode};
use nerkit::format::Delimiter;
use nerkit::TagScheme;
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

/// Analyses one sentence given as gold and predicted IOB2 tags
/// (whitespace-separated), in conlleval and in strict mode; both must agree
/// on valid IOB2.
fn analyse(gold: &str, pred: &str, options: &Options) -> Analysis {
    let g: Vec<&str> = gold.split_whitespace().collect();
    let p: Vec<&str> = pred.split_whitespace().collect();
    assert_eq!(g.len(), p.len());
    let mut text = String::new();
    for (k, (a, b)) in g.iter().zip(&p).enumerate() {
        text.push_str(&format!("w{k} {a} {b}\n"));
    }
    let mut results = Vec::new();
    for mode in [Mode::default(), Mode::Strict(TagScheme::Iob2)] {
        let e = Evaluator::new(mode);
        let (_, a) = analysis::analyze_file(&e, text.as_bytes(), "t", options).unwrap();
        results.push(a);
    }
    assert_eq!(results[0].counts, results[1].counts);
    results.pop().unwrap()
}

fn counts(cor: u64, inc: u64, par: u64, mis: u64, spu: u64) -> SchemaCounts {
    SchemaCounts {
        cor,
        inc,
        par,
        mis,
        spu,
    }
}

/// (gold, pred) counts of `class` over all types.
fn class(a: &Analysis, c: ErrorClass) -> (u64, u64) {
    a.counts.class(c)
}

macro_rules! classified {
    ($name:ident, $gold:expr, $pred:expr, $class:expr, $g:expr, $p:expr) => {
        #[test]
        fn $name() {
            let a = analyse($gold, $pred, &Options::default());
            assert_eq!(class(&a, $class), ($g, $p), "{:?}", a.counts.classes);
            // Every entity is in exactly one class.
            let all: (u64, u64) = ErrorClass::ALL
                .iter()
                .map(|&c| class(&a, c))
                .fold((0, 0), |x, y| (x.0 + y.0, x.1 + y.1));
            assert_eq!(all, (a.counts.gold, a.counts.pred));
        }
    };
}

classified!(
    correct,
    "B-PER I-PER O",
    "B-PER I-PER O",
    ErrorClass::Correct,
    1,
    1
);
classified!(missed, "B-PER I-PER O", "O O O", ErrorClass::Missed, 1, 0);
classified!(spurious, "O O O", "O B-LOC O", ErrorClass::Spurious, 0, 1);
classified!(
    wrong_type,
    "B-PER I-PER O",
    "B-LOC I-LOC O",
    ErrorClass::WrongType,
    1,
    1
);
classified!(
    too_long,
    "O B-PER O",
    "B-PER I-PER I-PER",
    ErrorClass::TooLong,
    1,
    1
);
classified!(
    too_short,
    "B-PER I-PER I-PER",
    "O B-PER O",
    ErrorClass::TooShort,
    1,
    1
);
classified!(
    shifted,
    "B-PER I-PER O",
    "O B-PER I-PER",
    ErrorClass::Shifted,
    1,
    1
);
classified!(
    boundary_type,
    "B-PER I-PER O",
    "O B-LOC I-LOC",
    ErrorClass::BoundaryType,
    1,
    1
);
classified!(
    split,
    "B-ORG I-ORG I-ORG",
    "B-ORG B-ORG I-ORG",
    ErrorClass::Split,
    1,
    2
);
classified!(
    merged,
    "B-ORG B-ORG I-ORG",
    "B-ORG I-ORG I-ORG",
    ErrorClass::Merged,
    2,
    1
);

#[test]
fn chain_is_merged_then_split() {
    // Gold A = 0..2, B = 2..4; predicted X = 1..3, Y = 3..4.
    let a = analyse("B-X I-X B-X I-X", "O B-X I-X B-X", &Options::default());
    assert_eq!(class(&a, ErrorClass::Merged), (1, 1));
    assert_eq!(class(&a, ErrorClass::Split), (1, 1));
}

#[test]
fn schemas_on_the_semeval_example() {
    // The cases of the SemEval-2013 table nervaluate documents, one
    // sentence: correct, wrong type, boundary, boundary + type, missed,
    // spurious.
    let gold = "B-PER I-PER O B-LOC O B-ORG I-ORG O B-PER O B-DRUG O O";
    let pred = "B-PER I-PER O B-ORG O B-ORG O O B-LOC I-LOC O O B-PER";
    let a = analyse(gold, pred, &Options::default());
    let c = &a.counts;
    assert_eq!(c.schema(Schema::Strict), counts(1, 3, 0, 1, 1));
    assert_eq!(c.schema(Schema::Exact), counts(2, 2, 0, 1, 1));
    assert_eq!(c.schema(Schema::Partial), counts(2, 0, 2, 1, 1));
    assert_eq!(c.schema(Schema::Type), counts(2, 2, 0, 1, 1));
    let (p, r, _) = c.schema(Schema::Partial).scores(Schema::Partial);
    assert_eq!((p, r), (3.0 / 5.0, 3.0 / 5.0));
}

/// nervaluate 1.2.1's `ent_type` gives the gold entity to the first
/// overlapping prediction of another type when no prediction of the same
/// type came before: COR 0, INC 1, SPU 1 here (README, "Where nervaluate
/// differs"). The optimal assignment pairs the PER prediction.
#[test]
fn type_schema_is_not_greedy() {
    let a = analyse("B-PER I-PER I-PER", "B-LOC O B-PER", &Options::default());
    assert_eq!(a.counts.schema(Schema::Type), counts(1, 0, 0, 0, 1));
}

#[test]
fn min_overlap_of_the_gold_entity() {
    let gold = "B-PER I-PER I-PER I-PER O";
    let pred = "O O O B-PER I-PER";
    let any = analyse(gold, pred, &Options::default());
    assert_eq!(any.counts.schema(Schema::Partial), counts(0, 0, 1, 0, 0));
    let half = analyse(gold, pred, &Options::default().min_overlap(0.5));
    assert_eq!(half.counts.schema(Schema::Partial), counts(0, 0, 0, 1, 1));
    // The taxonomy takes any overlap.
    assert_eq!(class(&half, ErrorClass::Shifted), (1, 1));
}

#[test]
fn map_and_ignore_apply_to_both_sides() {
    let gold = "B-corporation O B-group O B-MISC";
    let pred = "B-group O B-group O B-MISC";
    let plain = analyse(gold, pred, &Options::default());
    assert_eq!(plain.counts.schema(Schema::Strict), counts(2, 1, 0, 0, 0));
    let mapped = analyse(
        gold,
        pred,
        &Options::default()
            .map("corporation", "group")
            .ignore("MISC"),
    );
    assert_eq!(mapped.counts.schema(Schema::Strict), counts(2, 0, 0, 0, 0));
    assert_eq!(mapped.counts.classes.keys().collect::<Vec<_>>(), ["group"]);
}

#[test]
fn confusion_rows_and_columns_are_the_entities() {
    let a = analyse(
        "B-PER O B-LOC O O",
        "B-LOC O B-LOC O B-PER",
        &Options::default(),
    );
    let cell = |g: Option<&str>, p: Option<&str>| {
        a.counts
            .confusion
            .iter()
            .find(|c| c.gold.as_deref() == g && c.pred.as_deref() == p)
            .map_or(0, |c| c.count)
    };
    assert_eq!(cell(Some("PER"), Some("LOC")), 1);
    assert_eq!(cell(Some("LOC"), Some("LOC")), 1);
    assert_eq!(cell(None, Some("PER")), 1);
    let gold: u64 = a
        .counts
        .confusion
        .iter()
        .filter(|c| c.gold.is_some())
        .map(|c| c.count)
        .sum();
    let pred: u64 = a
        .counts
        .confusion
        .iter()
        .filter(|c| c.pred.is_some())
        .map(|c| c.count)
        .sum();
    assert_eq!((gold, pred), (a.counts.gold, a.counts.pred));
}

#[test]
fn instances_carry_lines_and_context() {
    let a = analyse(
        "O B-PER I-PER O",
        "O B-PER O O",
        &Options::default().instances(10),
    );
    assert_eq!(a.counts.instances, 1);
    let i = &a.instances[0];
    assert_eq!(i.class, "too-short");
    assert_eq!((i.gold_line, i.pred_line), (2, 2));
    assert_eq!(i.context, ["w0", "w1", "w2", "w3"]);
}

const SYSTEMS: &[&str] = &[
    "arcada",
    "drexel_cci",
    "flytxt",
    "mic-cis.txt",
    "sjtu_adapt.txt",
    "spinningbytes.txt",
    "uh_ritual",
];

/// On every WNUT-17 submission: strict COR is conlleval's correct count,
/// every schema's POSSIBLE and ACTUAL are the gold and predicted entities,
/// type rows add up to the overall row, and the classes add up per side.
#[test]
fn wnut17_counts_add_up() {
    let gold_path = root().join("corpora/wnut17/emerging.test.annotated");
    let gold_text = std::fs::read_to_string(&gold_path).unwrap();
    for system in SYSTEMS {
        let pred_text =
            std::fs::read_to_string(root().join("corpora/wnut17/submissions").join(system))
                .unwrap();
        for mode in [Mode::default(), Mode::Strict(TagScheme::Iob2)] {
            let mut g = ColumnSource::new(gold_text.as_bytes(), "gold", Delimiter::default());
            let mut p = ColumnSource::new(pred_text.as_bytes(), "pred", Delimiter::default());
            let e = Evaluator::new(mode.clone()).token_check(false);
            let Ok((ev, a)) = analysis::analyze_pair(&e, &mut g, &mut p, &Options::default())
            else {
                // Strict IOB2 refuses submissions with IOB1-style tags.
                assert!(matches!(mode, Mode::Strict(_)), "{system}");
                continue;
            };
            let c = &a.counts;
            assert_eq!(
                c.schema(Schema::Strict).cor,
                ev.counts.total.correct,
                "{system}"
            );
            assert_eq!(c.gold, ev.counts.total.gold, "{system}");
            assert_eq!(c.pred, ev.counts.total.pred, "{system}");
            for schema in Schema::ALL {
                let t = &c.schemas[schema as usize];
                assert_eq!(t.total.possible(), c.gold, "{system} {schema}");
                assert_eq!(t.total.actual(), c.pred, "{system} {schema}");
                let mut sum = SchemaCounts::default();
                for tc in t.types.values() {
                    sum.add(tc);
                }
                assert_eq!(sum, t.total, "{system} {schema}");
                for (ty, tc) in &t.types {
                    assert_eq!(tc.possible(), ev.counts.types[ty].gold, "{system} {ty}");
                }
            }
            let (g_sum, p_sum) = ErrorClass::ALL
                .iter()
                .map(|&k| c.class(k))
                .fold((0, 0), |x, y| (x.0 + y.0, x.1 + y.1));
            assert_eq!((g_sum, p_sum), (c.gold, c.pred), "{system}");
            assert_eq!(c.class(ErrorClass::Correct).0, ev.counts.total.correct);
            let confusion: u64 = c.confusion.iter().map(|x| x.count).sum();
            let strict = c.schema(Schema::Strict);
            assert_eq!(confusion, strict.cor + strict.inc + strict.mis + strict.spu);
        }
    }
}

#[test]
fn cli_several_systems_one_table() {
    let gold = "corpora/wnut17/emerging.test.annotated";
    let a = "corpora/wnut17/submissions/arcada";
    let u = "corpora/wnut17/submissions/uh_ritual";
    let out = nerkit(&["eval", "--match", "strict,partial", gold, a, u]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("system"), "{text}");
    assert!(lines[0].ends_with("strict f1  partial f1"), "{text}");
    assert!(
        lines[1].starts_with(a) && lines[1].contains("39.98"),
        "{text}"
    );
    assert!(lines[2].starts_with(u), "{text}");

    let out = nerkit(&["eval", "--match", "all", "--format", "csv", gold, a, u]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines().next(),
        Some("system,section,name,type,measure,value")
    );
    assert!(
        text.contains(&format!("{a},schema,strict,,cor,373\n")),
        "{text}"
    );
    assert!(text.lines().skip(1).any(|l| l.starts_with(u)));

    let out = nerkit(&["eval", "--match", "all", "--format", "json", gold, a, u]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let systems = v["systems"].as_array().unwrap();
    assert_eq!(systems.len(), 2);
    assert_eq!(systems[0]["system"], a);
    assert_eq!(systems[0]["schemas"]["strict"]["overall"]["cor"], 373);
    assert_eq!(systems[0]["report"]["micro"]["correct"], 373);
    let errors = &systems[0]["errors"];
    assert_eq!(errors["total"], errors["kept"]);
    assert_eq!(
        errors["instances"].as_array().unwrap().len() as u64,
        errors["total"].as_u64().unwrap()
    );
}

#[test]
fn cli_errors_listing() {
    let out = nerkit(&[
        "eval",
        "--errors",
        "3",
        "corpora/wnut17/emerging.test.annotated",
        "corpora/wnut17/submissions/arcada",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("errors (the first 3 of "), "{text}");
    assert!(
        text.contains("    pred: ... hit an army barracks in the [location northern ] area"),
        "{text}"
    );
    assert!(
        text.contains("corpora/wnut17/submissions/arcada:18"),
        "{text}"
    );
}

#[test]
fn cli_refuses_bad_options() {
    let gold = "corpora/wnut17/emerging.test.annotated";
    let a = "corpora/wnut17/submissions/arcada";
    for args in [
        vec!["eval", "--match", "fuzzy", gold, a],
        vec!["eval", "--min-overlap", "0", gold, a],
        vec!["eval", "--map", "corporation", gold, a],
        vec!["eval", "--match", "all", "-l", gold, a],
    ] {
        let out = nerkit(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn default_report_is_unchanged_by_the_new_flags_being_absent() {
    let out = nerkit(&[
        "eval",
        "corpora/wnut17/emerging.test.annotated",
        "corpora/wnut17/submissions/arcada",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with(
        "processed 23394 tokens with 1079 phrases; found: 787 phrases; correct: 373.\n"
    ));
}
