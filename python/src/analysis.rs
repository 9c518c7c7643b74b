//! The error analysis (`nerkit.evaluate(match=...)`), bootstrap intervals
//! (`bootstrap=`) and paired tests (`nerkit.compare`): the CLI's
//! `eval --match/--bootstrap/--test` over files, and the same over lists
//! of tags held in memory.
//!
//! Both return the JSON the CLI prints with `--format json`
//! (`render::json_of` per system, `render::tests_json`), which the Python
//! half parses into its dataclasses: one representation, so the CLI's JSON
//! and `Evaluation.to_dict()` cannot drift apart.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use nerkit::eval::analysis::render::{self, Show, System};
use nerkit::eval::analysis::{self as an, Analysis, Options, Schema};
use nerkit::eval::memory::{self, SeqevalMode, TagTable};
use nerkit::eval::significance::{self as sig, PairedTest, Resample, Test};
use nerkit::eval::{ConllevalOptions, Evaluation, Evaluator, Item, Mode, Side, TagSource};
use nerkit::Position;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde_json::{json, Value};

use nerkit::eval::chars;
use nerkit::eval::Level;

use crate::files::{
    argument_error, chars_need_two_files, documents, file_counts, file_mode, file_read_options,
    format_named, parse_level, report_of, tag_source, to_py_err,
};
use crate::{score_lists, tag_error, Counts, SideTags};

/// What the analysis and the resampling are asked to do.
struct Asked {
    show: Show,
    options: Options,
    settings: Option<sig::Settings>,
}

/// Reads the analysis keywords, refusing values the CLI refuses.
#[allow(clippy::too_many_arguments)]
fn asked(
    schemas: Vec<String>,
    min_overlap: Option<f64>,
    map: &[(String, String)],
    ignore: Vec<String>,
    errors: usize,
    replicates: Option<usize>,
    intervals: bool,
    test: Option<&str>,
    seed: u64,
    confidence: f64,
    resample: &str,
    breakdown: Option<Resample>,
    systems: usize,
) -> PyResult<Asked> {
    let mut chosen = Vec::new();
    for name in schemas {
        if name == "all" {
            chosen.extend(Schema::ALL);
        } else {
            chosen.push(name.parse::<Schema>().map_err(PyValueError::new_err)?);
        }
    }
    if chosen.is_empty() {
        chosen.extend(Schema::ALL);
    }
    let mut seen = Vec::new();
    chosen.retain(|s| {
        let new = !seen.contains(s);
        seen.push(*s);
        new
    });
    let resample: Resample = resample.parse().map_err(PyValueError::new_err)?;
    let test: Option<Test> = test
        .map(|t| t.parse().map_err(PyValueError::new_err))
        .transpose()?;
    let settings = match replicates {
        None => None,
        Some(0) => {
            return Err(PyValueError::new_err(
                "bootstrap=0: resampling needs at least 1 replicate (1000 is usual)",
            ))
        }
        Some(n) => {
            if !(confidence > 0.0 && confidence < 1.0) {
                return Err(PyValueError::new_err(format!(
                    "confidence={confidence}: expected a fraction between 0 and 1 (0.95)"
                )));
            }
            let mut s = sig::Settings::default()
                .replicates(n)
                .seed(seed)
                .confidence(confidence)
                .resample(resample)
                .intervals(intervals);
            if let (Some(t), true) = (test, systems >= 2) {
                s = s.test(t);
            }
            Some(s)
        }
    };
    let mut options = Options::default().instances(errors);
    if let Some(s) = &settings {
        options = options.units(s.resample);
    }
    if let Some(unit) = breakdown {
        options = options.breakdown(unit);
    }
    if let Some(x) = min_overlap {
        if !(x > 0.0 && x <= 1.0) {
            return Err(PyValueError::new_err(format!(
                "min_overlap={x}: expected a fraction of the gold entity's tokens in (0, 1]"
            )));
        }
        options = options.min_overlap(x);
    }
    for (old, new) in map {
        options = options.map(old.clone(), new.clone());
    }
    for t in ignore {
        options = options.ignore(t);
    }
    Ok(Asked {
        show: Show {
            schemas: chosen,
            errors,
        },
        options,
        settings,
    })
}

/// `breakdown='sentences'` or `'documents'` (the CLI's `--breakdown`).
fn parse_breakdown(py: Python<'_>, breakdown: Option<&str>) -> PyResult<Option<Resample>> {
    breakdown
        .map(|b| {
            b.parse()
                .map_err(|e: String| argument_error(py, format!("breakdown={b:?}: {e}")))
        })
        .transpose()
}

/// Runs the bootstrap and the paired tests over the units of every
/// system, as the CLI does: puts each system's intervals in its analysis
/// and returns the tests.
fn resample_all(
    what: &str,
    settings: &sig::Settings,
    results: &mut [(Evaluation, Analysis)],
) -> Result<Vec<PairedTest>, nerkit::Error> {
    let units: Vec<&[sig::UnitCounts]> = results.iter().map(|r| r.1.units.as_slice()).collect();
    let n = units.first().map_or(0, |u| u.len());
    if settings.resample == Resample::Documents && n < 2 {
        return Err(nerkit::Error::msg(format!(
            "resample='documents': {what} has {n} document{} (a document starts at a -DOCSTART- \
             line; a file without them, and lists, are one document), too few to resample: \
             resample sentences (the default) or mark the documents",
            if n == 1 { "" } else { "s" }
        )));
    }
    let s = sig::compute(&units, settings)?;
    for (r, i) in results.iter_mut().zip(s.intervals) {
        r.1.bootstrap = Some(i);
    }
    Ok(s.tests)
}

/// `{"systems": [json_of, ...], "tests": [...]}`.
fn report(
    names: &[String],
    results: &[(Evaluation, Analysis)],
    show: &Show,
    tests: &[PairedTest],
    plain: Option<Vec<Value>>,
) -> String {
    let mut systems = Vec::new();
    for (k, ((e, a), name)) in results.iter().zip(names).enumerate() {
        let mut one = render::json_of(
            &System {
                name,
                evaluation: e,
                analysis: a,
            },
            show,
        );
        if let Some(p) = &plain {
            one["report"] = p[k].clone();
        }
        systems.push(one);
    }
    json!({"systems": systems, "tests": render::tests_json(names, tests)}).to_string()
}

/// Analyses predictions against gold files, as `nerkit eval --format json
/// --match ... GOLD PRED...` does: `preds` empty is one file in
/// conlleval's layout. Returns the CLI's JSON of every system (and the
/// tests between them) and each system's `Counts`.
#[pyfunction]
#[pyo3(signature = (gold, preds, names, mode = "conlleval", scheme = None, gold_format = None, pred_format = None, lenient = false, tag_column = None, token_check = true, raw = false, boundary = None, schemas = Vec::new(), min_overlap = None, map = Vec::new(), ignore = Vec::new(), errors = 0, replicates = None, intervals = true, test = None, seed = 1, confidence = 0.95, resample = "sentences", breakdown = None, level = "tokens"))]
#[allow(clippy::too_many_arguments)]
fn analyze_files(
    py: Python<'_>,
    gold: PathBuf,
    preds: Vec<PathBuf>,
    names: Vec<String>,
    mode: &str,
    scheme: Option<&str>,
    gold_format: Option<&str>,
    pred_format: Option<&str>,
    lenient: bool,
    tag_column: Option<usize>,
    token_check: bool,
    raw: bool,
    boundary: Option<String>,
    schemas: Vec<String>,
    min_overlap: Option<f64>,
    map: Vec<(String, String)>,
    ignore: Vec<String>,
    errors: usize,
    replicates: Option<usize>,
    intervals: bool,
    test: Option<&str>,
    seed: u64,
    confidence: f64,
    resample: &str,
    breakdown: Option<&str>,
    level: &str,
) -> PyResult<(String, Vec<Counts>)> {
    let level = parse_level(py, level)?;
    if level == Level::Chars && preds.is_empty() {
        return Err(chars_need_two_files(py));
    }
    let breakdown = parse_breakdown(py, breakdown)?;
    let systems = preds.len().max(1);
    if names.len() != systems {
        return Err(PyValueError::new_err(format!(
            "{} names for {systems} systems",
            names.len()
        )));
    }
    let asked = asked(
        schemas,
        min_overlap,
        &map,
        ignore,
        errors,
        replicates,
        intervals,
        test,
        seed,
        confidence,
        resample,
        breakdown,
        systems,
    )?;
    let rs_mode = file_mode(mode, scheme, raw, boundary)?;
    let evaluator = Evaluator::new(rs_mode.clone()).token_check(token_check);
    let opts = file_read_options(&rs_mode, scheme, lenient, tag_column)?;
    let (gold_format, pred_format) = (format_named(gold_format)?, format_named(pred_format)?);
    let options = &asked.options;
    // Reading, analysing and resampling run without the GIL.
    let done = py.detach(|| -> Result<_, nerkit::Error> {
        let mut results = Vec::new();
        if preds.is_empty() {
            let input = crate::files::open_path(&gold)?;
            results.push(an::analyze_file(&evaluator, input, &gold, options)?);
        }
        for pred in &preds {
            if level == Level::Chars {
                let mut g = documents(&gold, gold_format, &opts)?;
                let mut p = documents(pred, pred_format, &opts)?;
                let (e, a) = chars::evaluate(&mut g, &mut p, Some(options))?;
                results.push((e, a.unwrap_or_default()));
            } else {
                let mut g = tag_source(&gold, gold_format, &opts)?;
                let mut p = tag_source(pred, pred_format, &opts)?;
                results.push(an::analyze_pair(&evaluator, &mut g, &mut p, options)?);
            }
        }
        let tests = match &asked.settings {
            Some(s) => resample_all(&gold.display().to_string(), s, &mut results)?,
            None => Vec::new(),
        };
        Ok((results, tests))
    });
    let (results, tests) = done.map_err(|e| to_py_err(py, e))?;
    let json = report(&names, &results, &asked.show, &tests, None);
    let counts = results.into_iter().map(|(e, _)| file_counts(e)).collect();
    Ok((json, counts))
}

/// The tags of one side of lists, as a [`TagSource`]: the IOB2 tags of the
/// entities seqeval's rules find ([`memory::entities`]), each type named
/// by a placeholder (`T0`, `T1`, ...) that the analysis maps back to its
/// name. Placeholders keep conlleval's reading of the tags exact whatever
/// the type is (`0`, empty, with hyphens or spaces).
struct ListSource<'a> {
    path: &'a Path,
    /// `O`, then `B-Tk` and `I-Tk` for each type `k`.
    names: &'a [String],
    /// Indices into `names`, all sentences concatenated.
    tags: &'a [u32],
    lens: &'a [u32],
    sentence: usize,
    at: usize,
    k: usize,
}

impl TagSource for ListSource<'_> {
    fn next_item(&mut self) -> nerkit::Result<Item<'_>> {
        loop {
            let Some(&len) = self.lens.get(self.sentence) else {
                return Ok(Item::End {
                    line: self.lens.len() as u64,
                });
            };
            let len = len as usize;
            if self.k < len {
                let tag = self.tags[self.at + self.k];
                self.k += 1;
                return Ok(Item::Token {
                    text: None,
                    tag: &self.names[tag as usize],
                    // Lines are sentence numbers (from 1) in the lists.
                    line: self.sentence as u64 + 1,
                });
            }
            // An empty sentence is no sentence to a TagSource: pass it.
            self.sentence += 1;
            self.at += len;
            self.k = 0;
            if len > 0 {
                return Ok(Item::SentenceEnd {
                    line: self.sentence as u64,
                });
            }
        }
    }

    fn path(&self) -> &Path {
        self.path
    }

    fn tag_position(&self) -> Position {
        Position::new(self.sentence as u64 + 1, self.k as u64, 0)
    }
}

/// Analyses one system of lists: the entities of both sides as IOB2 tags
/// over placeholders, through the file analysis. Runs without the GIL.
fn analyze_lists_one(
    table: &TagTable,
    mode: SeqevalMode,
    gold: &SideTags,
    pred: &SideTags,
    user_map: &[(String, String)],
    options: &Options,
) -> Result<(Evaluation, Analysis), Result<memory::TagError, nerkit::Error>> {
    let mut types: HashMap<&str, u32> = HashMap::new();
    let mut labels: Vec<&str> = Vec::new();
    let mut side = |side: Side, tags: &SideTags| {
        let mut out = vec![0u32; tags.ids.len()];
        let mut starts = Vec::with_capacity(tags.lens.len());
        let mut at = 0usize;
        for &n in &tags.lens {
            starts.push(at);
            at += n as usize;
        }
        memory::entities(table, mode, side, (&tags.ids, &tags.lens), |c| {
            let next = labels.len() as u32;
            let t = *types.entry(c.label).or_insert_with(|| {
                labels.push(c.label);
                next
            });
            let base = starts[c.sentence];
            out[base + c.start as usize] = 1 + 2 * t;
            for k in c.start + 1..c.end {
                out[base + k as usize] = 2 + 2 * t;
            }
        })
        .map(|()| out)
    };
    let g = side(Side::Gold, gold).map_err(Ok)?;
    let p = side(Side::Pred, pred).map_err(Ok)?;
    let mut names = vec!["O".to_owned()];
    for k in 0..labels.len() {
        names.push(format!("B-T{k}"));
        names.push(format!("I-T{k}"));
    }
    // The placeholders are renamed to the types, through the user's map
    // (applied once, as the CLI's --map is).
    let user: HashMap<&str, &str> = user_map
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let mut o = options.clone();
    o.map = labels
        .iter()
        .enumerate()
        .map(|(k, l)| {
            (
                format!("T{k}"),
                user.get(l).copied().unwrap_or(l).to_owned(),
            )
        })
        .collect();
    let (gp, pp) = (Path::new("y_true"), Path::new("y_pred"));
    let source = |path, tags| ListSource {
        path,
        names: &names,
        tags,
        lens: &gold.lens,
        sentence: 0,
        at: 0,
        k: 0,
    };
    let (mut gs, mut ps) = (source(gp, &g), source(pp, &p));
    let evaluator = Evaluator::new(Mode::Conlleval(ConllevalOptions::default())).token_check(false);
    let (e, mut a) = an::analyze_pair(&evaluator, &mut gs, &mut ps, &o).map_err(Err)?;
    a.map = user_map.to_vec();
    // An instance's sentence is its index in the lists (from 1), as its
    // lines are; the analysis counts the non-empty sentences only.
    for i in &mut a.instances {
        i.sentence = i.gold_line;
    }
    Ok((e, a))
}

/// Analyses lists of tags as `analyze_files` does files: `y_preds` is one
/// list of lists per system, scored as `Counts.from_lists` scores them
/// (seqeval's default mode, or strict mode in a scheme); the analysis
/// sees the entities that scoring counts.
#[pyfunction]
#[pyo3(signature = (y_true, y_preds, names, mode = None, scheme = None, suffix = false, schemas = Vec::new(), min_overlap = None, map = Vec::new(), ignore = Vec::new(), errors = 0, replicates = None, intervals = true, test = None, seed = 1, confidence = 0.95, resample = "sentences", breakdown = None))]
#[allow(clippy::too_many_arguments)]
fn analyze_lists(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_preds: Vec<Bound<'_, PyAny>>,
    names: Vec<String>,
    mode: Option<&str>,
    scheme: Option<&str>,
    suffix: bool,
    schemas: Vec<String>,
    min_overlap: Option<f64>,
    map: Vec<(String, String)>,
    ignore: Vec<String>,
    errors: usize,
    replicates: Option<usize>,
    intervals: bool,
    test: Option<&str>,
    seed: u64,
    confidence: f64,
    resample: &str,
    breakdown: Option<&str>,
) -> PyResult<(String, Vec<Counts>)> {
    let breakdown = parse_breakdown(py, breakdown)?;
    if names.len() != y_preds.len() || y_preds.is_empty() {
        return Err(PyValueError::new_err(format!(
            "{} names for {} systems",
            names.len(),
            y_preds.len()
        )));
    }
    let asked = asked(
        schemas,
        min_overlap,
        &map,
        ignore,
        errors,
        replicates,
        intervals,
        test,
        seed,
        confidence,
        resample,
        breakdown,
        y_preds.len(),
    )?;
    let mut results = Vec::new();
    let mut all_counts = Vec::new();
    let mut plain = Vec::new();
    for y_pred in &y_preds {
        let scored = score_lists(py, y_true, y_pred, mode, scheme, suffix)?;
        let r = py
            .detach(|| {
                analyze_lists_one(
                    &scored.table,
                    scored.mode,
                    &scored.gold,
                    &scored.pred,
                    &map,
                    &asked.options,
                )
            })
            .map_err(|e| match e {
                Ok(t) => tag_error(py, t),
                Err(e) => to_py_err(py, e),
            })?;
        results.push(r);
        plain.push(
            serde_json::to_value(report_of(&scored.counts)?)
                .map_err(|e| PyValueError::new_err(format!("report: {e}")))?,
        );
        all_counts.push(scored.counts);
    }
    let tests = match &asked.settings {
        Some(s) => py
            .detach(|| resample_all("y_true", s, &mut results))
            .map_err(|e| to_py_err(py, e))?,
        None => Vec::new(),
    };
    let json = report(&names, &results, &asked.show, &tests, Some(plain));
    Ok((json, all_counts))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(analyze_files, m)?)?;
    m.add_function(wrap_pyfunction!(analyze_lists, m)?)?;
    Ok(())
}
