//! Files: `read`, `convert` and `evaluate` over every layout nerkit reads,
//! through the library's format registry (the CLI's own path).

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use nerkit::convert::{copy_sentences, Summary};
use nerkit::eval::chars::{self, CharReport, Documents};
use nerkit::eval::{
    report, ColumnSource, ConllevalOptions, Evaluation, Evaluator, Level, Mode, Report,
    ReportFormat, SentenceSource, TagSource,
};
use nerkit::format::{self, Format, InputReader, ReadOptions, WriteOptions};
use nerkit::{Sentence, TagScheme, TagStyle};
use pyo3::exceptions::{PyStopIteration, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::{parse_scheme, Counts};

/// A nerkit error as `nerkit.ParseError` (bad input) or `nerkit.FileError`
/// (I/O), with file, line and column.
pub(crate) fn to_py_err(py: Python<'_>, e: nerkit::Error) -> PyErr {
    let class = if e.is_io() { "FileError" } else { "ParseError" };
    let file = e.path().map(|p| p.display().to_string());
    let (line, column) = match e.position() {
        Some(p) => (Some(p.line()), Some(p.column())),
        None => (None, None),
    };
    let made = py
        .import("nerkit.errors")
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.call1((e.to_string(), file, line, column)));
    match made {
        Ok(err) => PyErr::from_value(err),
        Err(other) => other,
    }
}

/// `nerkit.errors.ArgumentError`: a keyword argument that is none of its
/// values, or has no meaning with the others.
pub(crate) fn argument_error(py: Python<'_>, message: String) -> PyErr {
    let made = py
        .import("nerkit.errors")
        .and_then(|m| m.getattr("ArgumentError"))
        .and_then(|c| c.call1((message,)));
    match made {
        Ok(err) => PyErr::from_value(err),
        Err(other) => other,
    }
}

/// `level='tokens'` or `'chars'` (the CLI's `--level`).
pub(crate) fn parse_level(py: Python<'_>, level: &str) -> PyResult<Level> {
    level
        .parse()
        .map_err(|e: String| argument_error(py, format!("level={level:?}: {e}")))
}

pub(crate) fn format_named(name: Option<&str>) -> PyResult<Option<Format>> {
    match name {
        None => Ok(None),
        Some(n) => Format::from_name(n).map(Some).ok_or_else(|| {
            let names: Vec<&str> = Format::all().map(|f| f.name()).collect();
            PyValueError::new_err(format!(
                "unknown format {n:?} (expected one of {})",
                names.join(", ")
            ))
        }),
    }
}

fn open_file(py: Python<'_>, path: &PathBuf) -> PyResult<Box<dyn BufRead>> {
    let file =
        File::open(path).map_err(|e| to_py_err(py, nerkit::Error::from(e).with_path(path)))?;
    Ok(Box::new(BufReader::with_capacity(1 << 16, file)))
}

/// The reading options the CLI's shared flags set, by keyword.
pub(crate) fn read_options(
    scheme: Option<&str>,
    lenient: bool,
    tag_column: Option<usize>,
) -> PyResult<ReadOptions> {
    let mut opts = ReadOptions::default().lenient(lenient);
    if let Some(s) = scheme {
        opts = opts.scheme(parse_scheme(s)?);
    }
    if let Some(k) = tag_column {
        opts = opts.tag_column(k);
    }
    Ok(opts)
}

/// Sentences of one input, one at a time (`nerkit.read`).
#[pyclass(module = "nerkit", unsendable)]
pub struct Sentences {
    reader: Box<dyn InputReader>,
    sentence: Sentence,
    path: PathBuf,
    scheme: TagScheme,
    format: &'static str,
}

#[pymethods]
impl Sentences {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// The format read (`conll`, `jsonl`, `bracket`, ...).
    #[getter]
    fn format(&self) -> &'static str {
        self.format
    }

    /// The next sentence as a dict: `tokens`, `tags` (in the scheme asked
    /// for, IOB2 by default), `offsets` (byte spans of the tokens in the
    /// input line or text), `entities` (`(label, start, end)` over token
    /// indices, end exclusive) and `line` (where it starts, from 1).
    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let more = self
            .reader
            .read_sentence(&mut self.sentence)
            .map_err(|e| to_py_err(py, e.with_path(&self.path)))?;
        self.reader.drain_repairs(&mut |_| {});
        if !more {
            return Err(PyStopIteration::new_err(()));
        }
        let s = &self.sentence;
        let d = PyDict::new(py);
        let tokens: Vec<&str> = s.tokens().map(|t| t.text).collect();
        let offsets: Vec<(usize, usize)> =
            s.tokens().map(|t| (t.span.start(), t.span.end())).collect();
        let entities: Vec<nerkit::Entity<'_>> = s.entities().collect();
        let mut tags = Vec::new();
        nerkit::scheme::encode(self.scheme, s.len(), &entities, &mut tags).map_err(|e| {
            PyValueError::new_err(format!(
                "{}:{}: entities cannot be written as tags: {e}",
                self.path.display(),
                s.line()
            ))
        })?;
        let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
        let ents: Vec<(&str, usize, usize)> = entities
            .iter()
            .map(|e| (e.label, e.tokens.start(), e.tokens.end()))
            .collect();
        d.set_item("tokens", PyList::new(py, tokens)?)?;
        d.set_item("tags", tags)?;
        d.set_item("offsets", offsets)?;
        d.set_item("entities", ents)?;
        d.set_item("line", s.line())?;
        Ok(d)
    }
}

/// Opens `path` for reading sentences (format detected unless named).
#[pyfunction]
#[pyo3(signature = (path, format = None, scheme = None, lenient = false, tag_column = None, tags = "iob2"))]
fn read(
    py: Python<'_>,
    path: PathBuf,
    format: Option<&str>,
    scheme: Option<&str>,
    lenient: bool,
    tag_column: Option<usize>,
    tags: &str,
) -> PyResult<Sentences> {
    let opts = read_options(scheme, lenient, tag_column)?;
    let input = open_file(py, &path)?;
    let (fmt, reader) = format::open(input, format_named(format)?, &opts)
        .map_err(|e| to_py_err(py, e.with_path(&path)))?;
    Ok(Sentences {
        reader,
        sentence: Sentence::new(),
        path,
        scheme: parse_scheme(tags)?,
        format: fmt.name(),
    })
}

/// Converts `src` to `dst`; returns a summary dict (sentences, tokens,
/// entities read and written per label). The output is written to a
/// temporary file next to `dst` and renamed over it on success.
#[pyfunction]
#[pyo3(signature = (src, dst, to = None, from_ = None, scheme = None, to_scheme = "iob2", lenient = false, tag_column = None))]
#[allow(clippy::too_many_arguments)]
fn convert<'py>(
    py: Python<'py>,
    src: PathBuf,
    dst: PathBuf,
    to: Option<&str>,
    from_: Option<&str>,
    scheme: Option<&str>,
    to_scheme: &str,
    lenient: bool,
    tag_column: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let opts = read_options(scheme, lenient, tag_column)?;
    let to = match to {
        Some(name) => format_named(Some(name))?.expect("named"),
        None => match dst.extension().and_then(|e| e.to_str()) {
            Some("jsonl") => Format::from_name("jsonl").expect("jsonl is a format"),
            _ => Format::CONLL,
        },
    };
    if !to.writable() {
        return Err(PyValueError::new_err(format!(
            "nerkit reads {} but does not write it",
            to.name()
        )));
    }
    let mut write_opts = WriteOptions::default();
    write_opts.scheme = parse_scheme(to_scheme)?;
    let from = format_named(from_)?;
    let tmp = dst.with_extension("nerkit-tmp");
    // Everything from opening to renaming runs without the GIL.
    let summary = py.detach(|| -> Result<Summary, nerkit::Error> {
        let input = File::open(&src).map_err(|e| nerkit::Error::from(e).with_path(&src))?;
        let input: Box<dyn BufRead> = Box::new(BufReader::with_capacity(1 << 16, input));
        let (_, mut reader) = format::open(input, from, &opts).map_err(|e| e.with_path(&src))?;
        let file = File::create(&tmp).map_err(|e| nerkit::Error::from(e).with_path(&tmp))?;
        let mut out = BufWriter::new(file);
        let mut summary = Summary::default();
        {
            let mut writer = format::create(to, &mut out, &write_opts)?;
            copy_sentences(&mut *reader, &mut *writer, &mut summary, &mut |_| {}).map_err(|e| {
                if e.path().is_none() {
                    e.with_path(&src)
                } else {
                    e
                }
            })?;
            writer.finish()?;
        }
        out.flush()
            .map_err(|e| nerkit::Error::from(e).with_path(&tmp))?;
        std::fs::rename(&tmp, &dst).map_err(|e| nerkit::Error::from(e).with_path(&dst))?;
        Ok(summary)
    });
    let summary = summary.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        to_py_err(py, e)
    })?;
    let d = PyDict::new(py);
    d.set_item("sentences", summary.sentences)?;
    d.set_item("tokens", summary.tokens)?;
    d.set_item("entities_read", summary.read.total())?;
    d.set_item("entities_written", summary.written.total())?;
    d.set_item("repairs", summary.repairs.total())?;
    Ok(d)
}

/// Opens `path` for reading, without the GIL.
pub(crate) fn open_path(path: &Path) -> Result<Box<dyn BufRead>, nerkit::Error> {
    let file = File::open(path).map_err(|e| nerkit::Error::from(e).with_path(path))?;
    Ok(Box::new(BufReader::with_capacity(1 << 16, file)))
}

/// A source of tags for one side of a two-file evaluation, chosen as the
/// CLI's `eval` chooses it (src/cmd/eval.rs), so that both give the same
/// numbers: CoNLL columns of plain prefixed or bare tags are scored as
/// written (conlleval's rules see the raw tags); every other layout, and
/// columns of tags conlleval cannot read as written (`PER-B`), as the IOB2
/// tags of the entities its reader finds. Runs without the GIL.
pub(crate) fn tag_source(
    path: &Path,
    format: Option<Format>,
    opts: &ReadOptions,
) -> Result<Box<dyn TagSource>, nerkit::Error> {
    let mut input = open_path(path)?;
    let fmt = match format {
        Some(f) => f,
        None => format::detect_with(
            input
                .fill_buf()
                .map_err(|e| nerkit::Error::from(e).with_path(path))?,
            opts,
        )
        .map_err(|e| e.with_path(path))?,
    };
    let plain_columns =
        fmt == Format::CONLL && opts.token_column.is_none() && opts.misc_key.is_none() && {
            let style = match opts.tag_style {
                Some(style) => style,
                None => {
                    let prefix = input
                        .fill_buf()
                        .map_err(|e| nerkit::Error::from(e).with_path(path))?;
                    nerkit::conll::detect_tags(prefix, &opts.conll()).1
                }
            };
            matches!(style, TagStyle::Prefix | TagStyle::Bare)
        };
    if plain_columns {
        let mut source =
            ColumnSource::new(input, path, opts.delimiter.clone()).comments(opts.comments);
        if let Some(k) = opts.tag_column {
            source = source.tag_column(k);
        }
        return Ok(Box::new(source));
    }
    let (_, reader) = format::open(input, Some(fmt), opts).map_err(|e| e.with_path(path))?;
    Ok(Box::new(SentenceSource::new(reader, path)))
}

/// The mode of `evaluate_files` and `analyze_files`: `conlleval` (with
/// conlleval.pl's `-r` and `-o`) or `strict` in `scheme` (IOB2 when
/// `None`).
pub(crate) fn file_mode(
    mode: &str,
    scheme: Option<&str>,
    raw: bool,
    boundary: Option<String>,
) -> PyResult<Mode> {
    Ok(match mode {
        "conlleval" | "default" => {
            let mut options = ConllevalOptions::default().raw(raw);
            if let Some(tag) = boundary {
                options = options.outside(tag);
            }
            Mode::Conlleval(options)
        }
        "strict" => Mode::Strict(match scheme {
            Some(s) => parse_scheme(s)?,
            None => TagScheme::Iob2,
        }),
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown mode {other:?} (expected 'conlleval' or 'strict')"
            )))
        }
    })
}

/// How the files of `evaluate_files` and `analyze_files` are read:
/// `scheme` names the tags' scheme in conlleval mode, and the scheme of
/// the scoring (not of the reading) in strict mode.
pub(crate) fn file_read_options(
    mode: &Mode,
    scheme: Option<&str>,
    lenient: bool,
    tag_column: Option<usize>,
) -> PyResult<ReadOptions> {
    let scheme = if matches!(mode, Mode::Strict(_)) {
        None
    } else {
        scheme
    };
    read_options(scheme, lenient, tag_column)
}

/// The counts of a file evaluation, as a Python `Counts`: of mode
/// `chars` at the character level, else of its `mode`.
pub(crate) fn file_counts(evaluation: Evaluation) -> Counts {
    let (mode, scheme) = match (evaluation.level, &evaluation.mode) {
        (Level::Chars, _) => ("chars", None),
        (Level::Tokens, Mode::Strict(s)) => ("strict", Some(s.to_string())),
        (Level::Tokens, _) => ("conlleval", None),
    };
    Counts {
        inner: evaluation.counts,
        mode: mode.into(),
        scheme,
        not_ne: Vec::new(),
    }
}

/// Opens one side of a character-level evaluation, as `nerkit eval
/// --level chars` does (a document format, detected unless named). Runs
/// without the GIL.
pub(crate) fn documents(
    path: &Path,
    format: Option<Format>,
    opts: &ReadOptions,
) -> Result<Documents, nerkit::Error> {
    Documents::open(open_path(path)?, format, opts, path)
}

/// The CLI's refusal of `--level chars` with one file, for `pred=None`.
pub(crate) fn chars_need_two_files(py: Python<'_>) -> PyErr {
    argument_error(
        py,
        "level='chars' needs two files (gold and pred), each a text with entity offsets".into(),
    )
}

/// Scores `pred` against `gold` (two files in any layout), or one file in
/// conlleval's layout (`pred=None`); at `level="chars"` two files of
/// documents, entities matched by their offsets. Returns `(report_json,
/// counts)`.
#[pyfunction]
#[pyo3(signature = (gold, pred = None, mode = "conlleval", scheme = None, gold_format = None, pred_format = None, lenient = false, tag_column = None, token_check = true, raw = false, boundary = None, level = "tokens"))]
#[allow(clippy::too_many_arguments)]
fn evaluate_files(
    py: Python<'_>,
    gold: PathBuf,
    pred: Option<PathBuf>,
    mode: &str,
    scheme: Option<&str>,
    gold_format: Option<&str>,
    pred_format: Option<&str>,
    lenient: bool,
    tag_column: Option<usize>,
    token_check: bool,
    raw: bool,
    boundary: Option<String>,
    level: &str,
) -> PyResult<(String, Counts)> {
    let level = parse_level(py, level)?;
    if level == Level::Chars && pred.is_none() {
        return Err(chars_need_two_files(py));
    }
    let rs_mode = file_mode(mode, scheme, raw, boundary)?;
    let evaluator = Evaluator::new(rs_mode.clone()).token_check(token_check);
    let opts = file_read_options(&rs_mode, scheme, lenient, tag_column)?;
    let (gold_format, pred_format) = (format_named(gold_format)?, format_named(pred_format)?);
    // Opening, reading and scoring run without the GIL.
    let evaluation = py
        .detach(|| match &pred {
            None => evaluator.evaluate_file(open_path(&gold)?, &gold),
            Some(pred) if level == Level::Chars => {
                let mut g = documents(&gold, gold_format, &opts)?;
                let mut p = documents(pred, pred_format, &opts)?;
                chars::evaluate(&mut g, &mut p, None).map(|(e, _)| e)
            }
            Some(pred) => {
                let mut g = tag_source(&gold, gold_format, &opts)?;
                let mut p = tag_source(pred, pred_format, &opts)?;
                evaluator.evaluate_pair(&mut g, &mut p)
            }
        })
        .map_err(|e| to_py_err(py, e))?;
    let json = evaluation.json_report().to_string();
    Ok((json, file_counts(evaluation)))
}

/// The token-level report of `Counts` (the CLI's `--report json`), with
/// mode `seqeval` for counts of seqeval's default mode.
pub(crate) fn report_of(counts: &Counts) -> PyResult<Report> {
    let mode = match counts.scheme.as_deref() {
        Some(s) if counts.mode == "strict" => Mode::Strict(parse_scheme(s)?),
        _ => Mode::default(),
    };
    let mut report = Report::new(&counts.inner, &mode);
    if counts.mode == "default" {
        report.mode = "seqeval".into();
    }
    Ok(report)
}

/// The scores of `Counts` as a report (JSON, the CLI's `--report json`;
/// at `--level chars` for counts of mode `chars`).
#[pyfunction]
fn report_json(counts: &Counts) -> PyResult<String> {
    let json = if counts.mode == "chars" {
        serde_json::to_string(&CharReport::new(&counts.inner))
    } else {
        serde_json::to_string(&report_of(counts)?)
    };
    json.map_err(|e| PyValueError::new_err(format!("report: {e}")))
}

/// The report of `Counts` in one of the CLI's formats (`conlleval`,
/// `table`, `json`, `markdown`, `csv`, `latex`), as `nerkit eval --report`.
#[pyfunction]
fn render_report(counts: &Counts, format: &str) -> PyResult<String> {
    let format: ReportFormat = format.parse().map_err(PyValueError::new_err)?;
    let mut out = Vec::new();
    if counts.mode == "chars" {
        chars::write_report(&mut out, &counts.inner, format)
            .map_err(|e| PyValueError::new_err(format!("report: {e}")))?;
        return String::from_utf8(out).map_err(|e| PyValueError::new_err(format!("report: {e}")));
    }
    let mode = match (counts.mode.as_str(), counts.scheme.as_deref()) {
        ("strict", Some(s)) => Mode::Strict(parse_scheme(s)?),
        ("conlleval", _) => Mode::default(),
        _ => {
            return Err(PyValueError::new_err(
                "counts of seqeval's default mode have seqeval's report: \
                 nerkit.metrics.classification_report",
            ))
        }
    };
    report::write(&mut out, &counts.inner, &mode, format)
        .map_err(|e| PyValueError::new_err(format!("report: {e}")))?;
    String::from_utf8(out).map_err(|e| PyValueError::new_err(format!("report: {e}")))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(render_report, m)?)?;
    m.add_class::<Sentences>()?;
    m.add_function(wrap_pyfunction!(read, m)?)?;
    m.add_function(wrap_pyfunction!(convert, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate_files, m)?)?;
    m.add_function(wrap_pyfunction!(report_json, m)?)?;
    Ok(())
}
