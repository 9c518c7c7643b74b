//! Scores computed from [`Counts`], and the report formats.
//!
//! All formats list types in byte order of their names. Fractions are in
//! `0..=1` in [`Report`], JSON and CSV; `conlleval`, `table` and
//! `markdown` print percentages with two decimals. A ratio with a zero
//! denominator is 0, never NaN.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};

use serde::Serialize;

use super::counts::{Counts, TypeCounts};
use super::Mode;

/// Precision, recall and F1 (fractions in `0..=1`) with the counts they
/// come from. Macro and weighted averages have no counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Scores {
    /// correct / pred, or 0 when nothing was predicted.
    pub precision: f64,
    /// correct / gold, or 0 when there is nothing to find.
    pub recall: f64,
    /// 2PR / (P + R), or 0 when P + R = 0.
    pub f1: f64,
    /// Gold chunks (the support).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gold: Option<u64>,
    /// Predicted chunks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pred: Option<u64>,
    /// Correct chunks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correct: Option<u64>,
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

impl Scores {
    /// The scores of a set of counts.
    pub fn of(c: TypeCounts) -> Scores {
        let precision = ratio(c.correct, c.pred);
        let recall = ratio(c.correct, c.gold);
        Scores {
            precision,
            recall,
            f1: f1(precision, recall),
            gold: Some(c.gold),
            pred: Some(c.pred),
            correct: Some(c.correct),
        }
    }
}

/// Ill-formed chunk counts in a report.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct IllFormedReport {
    /// Ill-formed chunks in gold (not counted as entities).
    pub gold: u64,
    /// Ill-formed chunks in the predictions (not counted as entities).
    pub pred: u64,
    /// Lines of the first ill-formed gold chunks.
    pub gold_lines: Vec<u64>,
    /// Lines of the first ill-formed predicted chunks.
    pub pred_lines: Vec<u64>,
}

/// Everything a report shows; serialises to the JSON report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// `conlleval` or `strict`.
    pub mode: String,
    /// The tag scheme in strict mode; `null` in conlleval mode.
    pub scheme: Option<String>,
    /// Tokens scored.
    pub tokens: u64,
    /// Sentences scored.
    pub sentences: u64,
    /// Token accuracy (fraction).
    pub accuracy: f64,
    /// Scores over all chunks.
    pub micro: Scores,
    /// Unweighted mean over the types in gold or predictions.
    #[serde(rename = "macro")]
    pub macro_avg: Scores,
    /// Mean over the types weighted by their gold count.
    pub weighted: Scores,
    /// Scores per type.
    pub types: BTreeMap<String, Scores>,
    /// Ill-formed chunks (strict mode; zeros in conlleval mode).
    pub ill_formed: IllFormedReport,
    /// Remarks on degenerate input (no entities, types only predicted...).
    pub notes: Vec<String>,
}

impl Report {
    /// Computes scores, averages and notes from the counts of an
    /// evaluation in `mode`.
    pub fn new(counts: &Counts, mode: &Mode) -> Report {
        let scheme = match mode {
            Mode::Conlleval(_) => None,
            Mode::Strict(s) => Some(s.to_string()),
        };
        let types: BTreeMap<String, Scores> = counts
            .types
            .iter()
            .filter(|(_, c)| c.gold > 0 || c.pred > 0)
            .map(|(k, &c)| (k.clone(), Scores::of(c)))
            .collect();
        let n = types.len() as f64;
        let mut macro_avg = Scores::default();
        let mut weighted = Scores::default();
        if !types.is_empty() {
            // Sum first, divide last, as numpy's mean and average do.
            for s in types.values() {
                macro_avg.precision += s.precision;
                macro_avg.recall += s.recall;
                macro_avg.f1 += s.f1;
            }
            macro_avg.precision /= n;
            macro_avg.recall /= n;
            macro_avg.f1 /= n;
            let support: u64 = types.values().map(|s| s.gold.unwrap_or(0)).sum();
            if support > 0 {
                for s in types.values() {
                    let w = s.gold.unwrap_or(0) as f64;
                    weighted.precision += s.precision * w;
                    weighted.recall += s.recall * w;
                    weighted.f1 += s.f1 * w;
                }
                weighted.precision /= support as f64;
                weighted.recall /= support as f64;
                weighted.f1 /= support as f64;
            }
        }
        let mut notes = Vec::new();
        if counts.tokens == 0 {
            notes.push("the input has no tokens: every score is 0".to_owned());
        } else {
            if counts.total.gold == 0 {
                notes.push("the gold data has no entities: recall is 0 by convention".to_owned());
            }
            if counts.total.pred == 0 {
                notes.push("nothing was predicted: precision is 0 by convention".to_owned());
            }
        }
        let only_pred: Vec<&str> = types
            .iter()
            .filter(|(_, s)| s.gold == Some(0))
            .map(|(k, _)| k.as_str())
            .collect();
        if !only_pred.is_empty() && counts.total.gold > 0 {
            notes.push(format!(
                "{} only in the predictions (recall 0, no weight in the weighted average): {}",
                if only_pred.len() == 1 {
                    "a type occurs"
                } else {
                    "types occur"
                },
                only_pred
                    .iter()
                    .map(|t| display_type(t))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Report {
            mode: if scheme.is_some() {
                "strict"
            } else {
                "conlleval"
            }
            .to_owned(),
            scheme,
            tokens: counts.tokens,
            sentences: counts.sentences,
            accuracy: counts.accuracy(),
            micro: Scores::of(counts.total),
            macro_avg: Scores {
                gold: None,
                pred: None,
                correct: None,
                ..macro_avg
            },
            weighted,
            types,
            ill_formed: IllFormedReport {
                gold: counts.ill_formed_gold.count,
                pred: counts.ill_formed_pred.count,
                gold_lines: counts.ill_formed_gold.first_lines.clone(),
                pred_lines: counts.ill_formed_pred.first_lines.clone(),
            },
            notes,
        }
    }
}

/// A type name for human-readable formats: the empty type is shown as
/// `(none)`.
fn display_type(t: &str) -> &str {
    if t.is_empty() {
        "(none)"
    } else {
        t
    }
}

/// The report formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReportFormat {
    /// conlleval.pl's output, byte for byte.
    #[default]
    Conlleval,
    /// conlleval.pl's `-l` LaTeX table.
    Latex,
    /// An aligned text table with counts and averages.
    Table,
    /// The JSON report ([`Report`]).
    Json,
    /// A Markdown table.
    Markdown,
    /// CSV, one row per type and average.
    Csv,
}

impl std::str::FromStr for ReportFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<ReportFormat, String> {
        match s {
            "conlleval" => Ok(ReportFormat::Conlleval),
            "latex" => Ok(ReportFormat::Latex),
            "table" => Ok(ReportFormat::Table),
            "json" => Ok(ReportFormat::Json),
            "markdown" | "md" => Ok(ReportFormat::Markdown),
            "csv" => Ok(ReportFormat::Csv),
            _ => Err(format!(
                "unknown format \"{s}\" (expected conlleval, latex, table, json, markdown or csv)"
            )),
        }
    }
}

impl fmt::Display for ReportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReportFormat::Conlleval => "conlleval",
            ReportFormat::Latex => "latex",
            ReportFormat::Table => "table",
            ReportFormat::Json => "json",
            ReportFormat::Markdown => "markdown",
            ReportFormat::Csv => "csv",
        })
    }
}

/// Writes the report of `counts`, counted in `mode`, in `format`. In
/// conlleval mode, `conlleval` and `latex` keep conlleval.pl's quirks (the
/// empty type listed twice when it occurs in gold and in the predictions).
///
/// # Errors
/// Write errors.
pub fn write(
    w: &mut dyn Write,
    counts: &Counts,
    mode: &Mode,
    format: ReportFormat,
) -> io::Result<()> {
    let conlleval = matches!(mode, Mode::Conlleval(_));
    match format {
        ReportFormat::Conlleval => write_conlleval(w, counts, conlleval, false),
        ReportFormat::Latex => write_conlleval(w, counts, conlleval, true),
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut *w, &Report::new(counts, mode))?;
            writeln!(w)
        }
        ReportFormat::Table => write_table(w, &Report::new(counts, mode), false),
        ReportFormat::Markdown => write_table(w, &Report::new(counts, mode), true),
        ReportFormat::Csv => write_csv(w, &Report::new(counts, mode)),
    }
}

/// Percentages as conlleval.pl computes them: `100*c/f`, then
/// `2*P*R/(P+R)` on the percentages, left to right.
fn perl_scores(c: TypeCounts) -> (f64, f64, f64) {
    let p = if c.pred > 0 {
        100.0 * c.correct as f64 / c.pred as f64
    } else {
        0.0
    };
    let r = if c.gold > 0 {
        100.0 * c.correct as f64 / c.gold as f64
    } else {
        0.0
    };
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

/// Pads `s` on the left to `width` bytes, as Perl's `%17s` does on byte
/// strings.
fn pad_left(w: &mut dyn Write, s: &str, width: usize) -> io::Result<()> {
    for _ in s.len()..width {
        w.write_all(b" ")?;
    }
    w.write_all(s.as_bytes())
}

/// conlleval.pl's report of counts that have no token accuracy (the
/// character level): `processed N <items> with ...`, then the overall
/// precision, recall and FB1 on a line of their own, then the types.
pub(crate) fn write_conlleval_without_accuracy(
    w: &mut dyn Write,
    c: &Counts,
    items: &str,
) -> io::Result<()> {
    let (p, r, f) = perl_scores(c.total);
    writeln!(
        w,
        "processed {} {items} with {} phrases; found: {} phrases; correct: {}.",
        c.tokens, c.total.gold, c.total.pred, c.total.correct
    )?;
    writeln!(w, "precision: {p:6.2}%; recall: {r:6.2}%; FB1: {f:6.2}")?;
    for (name, &tc) in &c.types {
        if tc.gold == 0 && tc.pred == 0 {
            continue;
        }
        let (p, r, f) = perl_scores(tc);
        pad_left(w, name, 17)?;
        writeln!(
            w,
            ": precision: {p:6.2}%; recall: {r:6.2}%; FB1: {f:6.2}  {}",
            tc.pred
        )?;
    }
    Ok(())
}

fn write_conlleval(w: &mut dyn Write, c: &Counts, quirks: bool, latex: bool) -> io::Result<()> {
    let (p, r, f) = perl_scores(c.total);
    if !latex {
        writeln!(
            w,
            "processed {} tokens with {} phrases; found: {} phrases; correct: {}.",
            c.tokens, c.total.gold, c.total.pred, c.total.correct
        )?;
        if c.tokens > 0 {
            let acc = 100.0 * c.correct_tags as f64 / c.tokens as f64;
            writeln!(
                w,
                "accuracy: {acc:6.2}%; precision: {p:6.2}%; recall: {r:6.2}%; FB1: {f:6.2}"
            )?;
        }
    } else {
        w.write_all(b"        & Precision &  Recall  & F$_{\\beta=1} \\\\\\hline")?;
    }
    // conlleval.pl sorts the keys of its gold and predicted hashes together
    // and drops a key equal to the one before, except after a false one:
    // the empty type is listed once per hash it is in.
    for (name, &tc) in &c.types {
        let times = if quirks && name.is_empty() {
            (tc.gold > 0) as usize + (tc.pred > 0) as usize
        } else {
            (tc.gold > 0 || tc.pred > 0) as usize
        };
        let (p, r, f) = perl_scores(tc);
        for _ in 0..times {
            if latex {
                w.write_all(b"\n")?;
                w.write_all(name.as_bytes())?;
                for _ in name.len()..7 {
                    w.write_all(b" ")?;
                }
                write!(w, " &  {p:6.2}\\% & {r:6.2}\\% & {f:6.2} \\\\")?;
            } else {
                pad_left(w, name, 17)?;
                writeln!(
                    w,
                    ": precision: {p:6.2}%; recall: {r:6.2}%; FB1: {f:6.2}  {}",
                    tc.pred
                )?;
            }
        }
    }
    if latex {
        w.write_all(b"\\hline\n")?;
        writeln!(
            w,
            "Overall &  {p:6.2}\\% & {r:6.2}\\% & {f:6.2} \\\\\\hline"
        )?;
    }
    Ok(())
}

fn pct(x: f64) -> String {
    format!("{:.2}", 100.0 * x)
}

fn count(x: Option<u64>) -> String {
    x.map(|n| n.to_string()).unwrap_or_default()
}

fn write_table(w: &mut dyn Write, r: &Report, markdown: bool) -> io::Result<()> {
    write_score_table(w, r, markdown)?;
    let mode = match &r.scheme {
        Some(s) => format!("strict {s}"),
        None => "conlleval".to_owned(),
    };
    writeln!(
        w,
        "mode {mode}; {} tokens, {} sentences; accuracy {}%",
        r.tokens,
        r.sentences,
        pct(r.accuracy)
    )?;
    if r.scheme.is_some() {
        writeln!(
            w,
            "ill-formed chunks not counted: {} in gold, {} in predictions",
            r.ill_formed.gold, r.ill_formed.pred
        )?;
    }
    Ok(())
}

/// The table of [`write_table`] and the blank line after it, without the
/// line that says what was counted (the character level has its own).
pub(crate) fn write_score_table(w: &mut dyn Write, r: &Report, markdown: bool) -> io::Result<()> {
    let header = [
        "type",
        "gold",
        "pred",
        "correct",
        "precision",
        "recall",
        "f1",
    ];
    let mut rows: Vec<[String; 7]> = Vec::new();
    let row = |name: &str, s: &Scores| -> [String; 7] {
        [
            name.to_owned(),
            count(s.gold),
            count(s.pred),
            count(s.correct),
            pct(s.precision),
            pct(s.recall),
            pct(s.f1),
        ]
    };
    for (name, s) in &r.types {
        rows.push(row(display_type(name), s));
    }
    let first_avg = rows.len();
    rows.push(row("micro avg", &r.micro));
    rows.push(row("macro avg", &r.macro_avg));
    rows.push(row("weighted avg", &r.weighted));
    let mut widths = header.map(str::len);
    for row in &rows {
        for (k, cell) in row.iter().enumerate() {
            widths[k] = widths[k].max(cell.chars().count());
        }
    }
    let line = |w: &mut dyn Write, cells: &[&str]| -> io::Result<()> {
        if markdown {
            write!(w, "|")?;
            for (k, cell) in cells.iter().enumerate() {
                if k == 0 {
                    write!(w, " {cell:<width$} |", width = widths[k])?;
                } else {
                    write!(w, " {cell:>width$} |", width = widths[k])?;
                }
            }
            writeln!(w)
        } else {
            let mut s = String::new();
            for (k, cell) in cells.iter().enumerate() {
                if k == 0 {
                    s.push_str(&format!("{cell:<width$}", width = widths[k]));
                } else {
                    s.push_str(&format!("  {cell:>width$}", width = widths[k]));
                }
            }
            writeln!(w, "{}", s.trim_end())
        }
    };
    line(w, &header)?;
    if markdown {
        write!(w, "|")?;
        for (k, width) in widths.iter().enumerate() {
            let dashes = "-".repeat(*width);
            if k == 0 {
                write!(w, " {dashes} |")?;
            } else {
                write!(w, " {}: |", &dashes[1..])?;
            }
        }
        writeln!(w)?;
    }
    for (k, row) in rows.iter().enumerate() {
        if k == first_avg && !markdown {
            writeln!(w)?;
        }
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        line(w, &cells)?;
    }
    writeln!(w)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

pub(crate) fn write_csv(w: &mut dyn Write, r: &Report) -> io::Result<()> {
    writeln!(w, "scope,type,gold,pred,correct,precision,recall,f1")?;
    let mut row = |scope: &str, name: &str, s: &Scores| {
        writeln!(
            w,
            "{scope},{},{},{},{},{},{},{}",
            csv_field(name),
            count(s.gold),
            count(s.pred),
            count(s.correct),
            s.precision,
            s.recall,
            s.f1
        )
    };
    for (name, s) in &r.types {
        row("type", name, s)?;
    }
    row("micro", "", &r.micro)?;
    row("macro", "", &r.macro_avg)?;
    row("weighted", "", &r.weighted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perl_formatting_ties() {
        assert_eq!(format!("{:6.2}", 0.125), "  0.12");
        assert_eq!(format!("{:6.2}", 0.375), "  0.38");
        assert_eq!(format!("{:6.2}", 100.0), "100.00");
    }

    #[test]
    fn degenerate_is_zero_not_nan() {
        let r = Report::new(&Counts::default(), &Mode::default());
        assert_eq!(r.micro.f1, 0.0);
        assert_eq!(r.macro_avg.f1, 0.0);
        assert!(!r.notes.is_empty());
    }
}
