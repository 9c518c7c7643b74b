//! The analysis reports: table, markdown, csv and json.
//!
//! * `table` and `markdown`: per chosen schema a table of COR, INC, PAR,
//!   MIS, SPU, POSSIBLE, ACTUAL and P/R/F1 per type and overall; the
//!   classes of the gold and of the predicted entities per type; the
//!   confusion matrix; and (table only) the first error instances with the
//!   sentence, `[TYPE ...]` brackets and the lines in both inputs.
//! * `csv`: one tidy table `system,section,name,type,measure,value`
//!   (section `schema`, `gold-class`, `pred-class` or `confusion`), so that
//!   several systems stack into one file.
//! * `json`: an object with the plain report (`report`), `schemas`,
//!   `classes`, `confusion` and `errors` (the total and every kept
//!   instance). The integers alone, without instances, are what
//!   `--format counts` writes ([`crate::eval::merge::CountsDocument`]).
//!
//! When the bootstrap ran ([`Analysis::bootstrap`]) each format also shows
//! the intervals of micro precision, recall and F1 (JSON: `bootstrap`);
//! with a breakdown ([`Analysis::breakdown`]) JSON and CSV have a row per
//! sentence or document; the paired tests between systems are written by
//! [`write_tests`], [`tests_json`] and [`write_tests_csv`].

use std::collections::BTreeSet;
use std::io::{self, Write};

use serde_json::{json, Value};

use super::{Analysis, AnalysisCounts, ErrorClass, Instance, Schema, SchemaCounts};
use crate::eval::report::ReportFormat;
use crate::eval::significance::{Interval, Intervals, PairedTest, UnitCounts};
use crate::eval::{Evaluation, Level};

/// What a text report shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Show {
    /// The schemas, in order.
    pub schemas: Vec<Schema>,
    /// How many error instances to list (table only).
    pub errors: usize,
}

impl Default for Show {
    fn default() -> Show {
        Show {
            schemas: Schema::ALL.to_vec(),
            errors: 0,
        }
    }
}

/// One analysed system.
pub struct System<'a> {
    /// Its name (the prediction file).
    pub name: &'a str,
    /// The plain evaluation.
    pub evaluation: &'a Evaluation,
    /// The analysis.
    pub analysis: &'a Analysis,
}

fn label(t: Option<&str>) -> &str {
    match t {
        None => "none",
        Some("") => "(none)",
        Some(t) => t,
    }
}

fn pct(x: f64) -> String {
    format!("{:.2}", 100.0 * x)
}

/// An aligned table: the first column left, the others right.
fn table(
    w: &mut dyn Write,
    rows: &[Vec<String>],
    markdown: bool,
    rule_before: &[usize],
) -> io::Result<()> {
    table_left(w, rows, markdown, rule_before, 1)
}

/// An aligned table: the first `left` columns left, the others right.
fn table_left(
    w: &mut dyn Write,
    rows: &[Vec<String>],
    markdown: bool,
    rule_before: &[usize],
    left: usize,
) -> io::Result<()> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; cols];
    for r in rows {
        for (k, c) in r.iter().enumerate() {
            widths[k] = widths[k].max(c.chars().count());
        }
    }
    for (n, r) in rows.iter().enumerate() {
        if !markdown && rule_before.contains(&n) {
            writeln!(w)?;
        }
        let mut s = String::new();
        if markdown {
            s.push('|');
        }
        for (k, c) in r.iter().enumerate() {
            let pad = widths[k] - c.chars().count();
            if markdown {
                s.push(' ');
            } else if k > 0 {
                s.push_str("  ");
            }
            if k < left {
                s.push_str(c);
                s.push_str(&" ".repeat(pad));
            } else {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            }
            if markdown {
                s.push_str(" |");
            }
        }
        writeln!(w, "{}", s.trim_end())?;
        if markdown && n == 0 {
            let mut s = String::from("|");
            for (k, width) in widths.iter().enumerate() {
                if k < left {
                    s.push_str(&format!(" {} |", "-".repeat(*width)));
                } else {
                    s.push_str(&format!(" {}: |", "-".repeat(width.saturating_sub(1))));
                }
            }
            writeln!(w, "{s}")?;
        }
    }
    Ok(())
}

fn schema_row(name: &str, c: &SchemaCounts, schema: Schema) -> Vec<String> {
    let (p, r, f) = c.scores(schema);
    vec![
        name.to_owned(),
        c.cor.to_string(),
        c.inc.to_string(),
        c.par.to_string(),
        c.mis.to_string(),
        c.spu.to_string(),
        c.possible().to_string(),
        c.actual().to_string(),
        pct(p),
        pct(r),
        pct(f),
    ]
}

const SCHEMA_HEADER: [&str; 11] = [
    "type",
    "COR",
    "INC",
    "PAR",
    "MIS",
    "SPU",
    "POSSIBLE",
    "ACTUAL",
    "precision",
    "recall",
    "f1",
];

/// The classes each side can have, in report order.
fn side_classes(gold: bool) -> Vec<ErrorClass> {
    ErrorClass::ALL
        .into_iter()
        .filter(|&c| {
            c != if gold {
                ErrorClass::Spurious
            } else {
                ErrorClass::Missed
            }
        })
        .collect()
}

fn counts_sections(
    w: &mut dyn Write,
    c: &AnalysisCounts,
    show: &Show,
    markdown: bool,
) -> io::Result<()> {
    for &schema in &show.schemas {
        writeln!(w, "{}", heading(&format!("schema {schema}"), markdown))?;
        let t = &c.schemas[schema.index()];
        let mut rows = vec![SCHEMA_HEADER.iter().map(|s| s.to_string()).collect()];
        for (name, tc) in &t.types {
            rows.push(schema_row(label(Some(name)), tc, schema));
        }
        let overall = rows.len();
        rows.push(schema_row("overall", &t.total, schema));
        table(w, &rows, markdown, &[overall])?;
        writeln!(w)?;
    }
    for gold in [true, false] {
        let classes = side_classes(gold);
        let title = if gold {
            "gold entities by class"
        } else {
            "predicted entities by class"
        };
        writeln!(w, "{}", heading(title, markdown))?;
        let mut header = vec!["type".to_owned()];
        header.extend(classes.iter().map(|c| c.name().to_owned()));
        header.push("total".to_owned());
        let mut rows = vec![header];
        let mut sum = super::ClassCounts::default();
        for (name, sc) in &c.classes {
            let cc = if gold { sc.gold } else { sc.pred };
            sum.add(&cc);
            let mut r = vec![label(Some(name)).to_owned()];
            r.extend(classes.iter().map(|&k| cc.get(k).to_string()));
            r.push(cc.total().to_string());
            rows.push(r);
        }
        let overall = rows.len();
        let mut r = vec!["overall".to_owned()];
        r.extend(classes.iter().map(|&k| sum.get(k).to_string()));
        r.push(sum.total().to_string());
        rows.push(r);
        table(w, &rows, markdown, &[overall])?;
        writeln!(w)?;
    }
    writeln!(
        w,
        "{}",
        heading(
            "confusion (gold rows, predicted columns; strict pairs)",
            markdown
        )
    )?;
    let (golds, preds) = confusion_labels(c);
    let mut header = vec!["gold \\ pred".to_owned()];
    header.extend(preds.iter().map(|p| label(p.as_deref()).to_owned()));
    let mut rows = vec![header];
    for g in &golds {
        let mut r = vec![label(g.as_deref()).to_owned()];
        for p in &preds {
            r.push(cell(c, g, p).to_string());
        }
        rows.push(r);
    }
    table(w, &rows, markdown, &[])?;
    Ok(())
}

fn heading(s: &str, markdown: bool) -> String {
    if markdown {
        format!("### {s}\n")
    } else {
        format!("{s}:")
    }
}

/// The gold and predicted labels of the confusion matrix, `None` last.
fn confusion_labels(c: &AnalysisCounts) -> (Vec<Option<String>>, Vec<Option<String>>) {
    let mut all: BTreeSet<String> = BTreeSet::new();
    for cell in &c.confusion {
        all.extend(cell.gold.clone());
        all.extend(cell.pred.clone());
    }
    let mut v: Vec<Option<String>> = all.into_iter().map(Some).collect();
    v.push(None);
    (v.clone(), v)
}

fn cell(c: &AnalysisCounts, g: &Option<String>, p: &Option<String>) -> u64 {
    c.confusion
        .iter()
        .find(|x| &x.gold == g && &x.pred == p)
        .map_or(0, |x| x.count)
}

/// The tokens of an instance's context with `[TYPE ` before and ` ]` after
/// the entities of one side.
fn bracketed(i: &Instance, gold: bool, level: Level) -> String {
    let ents = if gold { &i.gold } else { &i.pred };
    let mut s = String::new();
    if level == Level::Chars {
        // One string of text from code point `context_start`: brackets go
        // between characters, `[TYPE text]`.
        if i.context_start > 0 {
            s.push_str("...");
        }
        let text = i.context.concat();
        for (k, c) in text.chars().enumerate() {
            let at = i.context_start + k as u32;
            for _ in ents.iter().filter(|e| e.end == at) {
                s.push(']');
            }
            for e in ents.iter().filter(|e| e.start == at) {
                s.push_str(&format!("[{} ", e.label));
            }
            s.push(c);
        }
        let end = i.context_start + text.chars().count() as u32;
        for _ in ents.iter().filter(|e| e.end == end) {
            s.push(']');
        }
        return s.replace('\n', "⏎");
    }
    if i.context_start > 0 {
        s.push_str("... ");
    }
    for (k, tok) in i.context.iter().enumerate() {
        let at = i.context_start + k as u32;
        for e in ents.iter().filter(|e| e.start == at) {
            s.push_str(&format!("[{} ", e.label));
        }
        s.push_str(tok);
        for _ in ents.iter().filter(|e| e.end == at + 1) {
            s.push_str(" ]");
        }
        s.push(' ');
    }
    s.trim_end().to_owned()
}

fn write_instances(
    w: &mut dyn Write,
    a: &Analysis,
    n: usize,
    gold_name: &str,
    pred_name: &str,
) -> io::Result<()> {
    let shown = n.min(a.instances.len());
    writeln!(w, "\nerrors (the first {shown} of {}):", a.counts.instances)?;
    for i in &a.instances[..shown] {
        let what: Vec<&str> = i
            .gold
            .iter()
            .chain(&i.pred)
            .map(|e| e.label.as_str())
            .collect();
        let mut types: Vec<&str> = what.clone();
        types.dedup();
        writeln!(
            w,
            "  {} {}  {} {}, {gold_name}:{}, {pred_name}:{}",
            i.class,
            types.join("/"),
            if a.level == Level::Chars {
                "document"
            } else {
                "sentence"
            },
            i.sentence,
            i.gold_line,
            i.pred_line
        )?;
        writeln!(w, "    gold: {}", bracketed(i, true, a.level))?;
        writeln!(w, "    pred: {}", bracketed(i, false, a.level))?;
    }
    Ok(())
}

/// Writes the analysis report of one system in `format` (`conlleval` and
/// `latex` mean `table`: their layouts have no room for it).
///
/// # Errors
/// Write errors.
pub fn write(
    w: &mut dyn Write,
    system: &System<'_>,
    gold_name: &str,
    format: ReportFormat,
    show: &Show,
) -> io::Result<()> {
    let a = system.analysis;
    match format {
        ReportFormat::Json => {
            let report = WithErrors {
                rest: json_without_errors(system, show),
                analysis: a,
            };
            // serde_json writes in pieces of a few bytes: gathered here,
            // so that `w` (a `dyn Write`) is called once per 64 KiB, not
            // per piece (a tenth of the time of `--match all --format
            // json` on 5M tokens went to those calls).
            let mut buffered = io::BufWriter::with_capacity(1 << 16, &mut *w);
            serde_json::to_writer_pretty(&mut buffered, &report)?;
            buffered.flush()?;
            drop(buffered);
            writeln!(w)
        }
        ReportFormat::Csv => {
            writeln!(w, "system,section,name,type,measure,value")?;
            write_csv_rows(w, system, show)
        }
        ReportFormat::Markdown => {
            settings(w, a)?;
            bootstrap_section(w, a, true)?;
            counts_sections(w, &a.counts, show, true)
        }
        _ => {
            settings(w, a)?;
            bootstrap_section(w, a, false)?;
            counts_sections(w, &a.counts, show, false)?;
            if show.errors > 0 {
                write_instances(w, a, show.errors, gold_name, system.name)?;
            }
            Ok(())
        }
    }
}

/// A confidence as a percentage label: `95%`, `99.5%`.
pub fn confidence_label(c: f64) -> String {
    let p = (c * 100.0 * 1e6).round() / 1e6;
    format!("{p}%")
}

/// An interval in percent: `[37.12, 42.90]`.
pub fn interval(i: &Interval) -> String {
    format!("[{:.2}, {:.2}]", 100.0 * i.low, 100.0 * i.high)
}

/// What was resampled, for a heading: `1000 replicates of 1287
/// sentences, seed 1`.
fn resampling(samples: usize, units: Option<usize>, unit: &str, seed: u64) -> String {
    match units {
        Some(n) => format!("{samples} replicates of {n} {unit}, seed {seed}"),
        None => format!("{samples} rounds over the {unit}, seed {seed}"),
    }
}

fn bootstrap_section(w: &mut dyn Write, a: &Analysis, markdown: bool) -> io::Result<()> {
    let Some(b) = &a.bootstrap else {
        return Ok(());
    };
    let label = confidence_label(b.confidence);
    let title = format!(
        "bootstrap ({}; {label} percentile intervals of the micro scores)",
        resampling(b.samples, Some(b.units), b.resample.name(), b.seed)
    );
    writeln!(w, "{}", heading(&title, markdown))?;
    let mut rows = vec![vec![
        "measure".to_owned(),
        "value".to_owned(),
        format!("{label} CI"),
    ]];
    for (name, x, i) in [
        ("precision", b.point.precision, b.precision),
        ("recall", b.point.recall, b.recall),
        ("f1", b.point.f1, b.f1),
    ] {
        rows.push(vec![name.to_owned(), pct(x), interval(&i)]);
    }
    table(w, &rows, markdown, &[])?;
    writeln!(w)
}

/// Writes the paired tests between `names` (the systems the tests'
/// indices point into) as a table (`markdown` or not).
///
/// # Errors
/// Write errors.
pub fn write_tests(
    w: &mut dyn Write,
    names: &[String],
    tests: &[PairedTest],
    format: ReportFormat,
) -> io::Result<()> {
    let Some(first) = tests.first() else {
        return Ok(());
    };
    let markdown = format == ReportFormat::Markdown;
    let title = format!(
        "paired tests ({}, {}; * p < 0.05)",
        first.test.description(),
        match first.test {
            crate::eval::significance::Test::Bootstrap => {
                format!("{} replicates, seed {}", first.samples, first.seed)
            }
            crate::eval::significance::Test::Permutation => {
                format!("{} rounds, seed {}", first.samples, first.seed)
            }
        }
    );
    writeln!(w, "{}", heading(&title, markdown))?;
    let mut rows = vec![[
        "system A",
        "system B",
        "f1 A",
        "f1 B",
        "delta f1",
        "p-value",
        "sig",
        "test",
        "resampled",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect::<Vec<_>>()];
    for t in tests {
        rows.push(vec![
            names[t.a].clone(),
            names[t.b].clone(),
            pct(t.f1_a),
            pct(t.f1_b),
            format!("{:+.2}", 100.0 * t.delta_f1),
            format!("{:.4}", t.p_value),
            if t.significant() { "*" } else { "" }.to_owned(),
            t.test.name().to_owned(),
            t.resample.name().to_owned(),
        ]);
    }
    table_left(w, &rows, markdown, &[], 2)
}

/// The paired tests as a JSON array.
pub fn tests_json(names: &[String], tests: &[PairedTest]) -> Value {
    Value::Array(
        tests
            .iter()
            .map(|t| {
                json!({
                    "a": names[t.a], "b": names[t.b], "test": t.test.name(),
                    "samples": t.samples, "seed": t.seed, "resample": t.resample.name(),
                    "f1_a": t.f1_a, "f1_b": t.f1_b, "delta_f1": t.delta_f1,
                    "p_value": t.p_value, "significant": t.significant(),
                })
            })
            .collect(),
    )
}

/// Writes the paired tests as CSV rows (system A, section `test`, name
/// system B, type the test).
///
/// # Errors
/// Write errors.
pub fn write_tests_csv(
    w: &mut dyn Write,
    names: &[String],
    tests: &[PairedTest],
) -> io::Result<()> {
    for t in tests {
        for (m, v) in [
            ("delta-f1", t.delta_f1.to_string()),
            ("p-value", t.p_value.to_string()),
            ("samples", t.samples.to_string()),
            ("seed", t.seed.to_string()),
        ] {
            writeln!(
                w,
                "{},test,{},{},{m},{v}",
                csv_field(&names[t.a]),
                csv_field(&names[t.b]),
                t.test.name()
            )?;
        }
    }
    Ok(())
}

fn bootstrap_json(b: &Intervals) -> Value {
    let iv = |x: f64, i: Interval| json!({"value": x, "low": i.low, "high": i.high});
    json!({
        "samples": b.samples, "seed": b.seed, "resample": b.resample.name(),
        "units": b.units, "confidence": b.confidence,
        "precision": iv(b.point.precision, b.precision),
        "recall": iv(b.point.recall, b.recall),
        "f1": iv(b.point.f1, b.f1),
    })
}

fn unit_scores(c: &UnitCounts) -> (f64, f64, f64) {
    let s = c.scores();
    (s.precision, s.recall, s.f1)
}

fn breakdown_json(a: &Analysis) -> Value {
    let rows: Vec<Value> = a
        .breakdown
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let (p, rc, f) = unit_scores(&r.counts);
            json!({
                "index": k + 1, "line": r.line, "correct": r.counts.correct,
                "gold": r.counts.gold, "pred": r.counts.pred,
                "precision": p, "recall": rc, "f1": f,
            })
        })
        .collect();
    let unit = a.breakdown_unit.map_or("sentences", |u| u.name());
    json!({"unit": unit, "rows": rows})
}

fn settings(w: &mut dyn Write, a: &Analysis) -> io::Result<()> {
    let (units, items) = match a.level {
        Level::Tokens => ("sentences", "tokens"),
        Level::Chars => ("documents", "characters"),
    };
    let mut parts = vec![format!(
        "{} {units}, {} {items}, {} gold and {} predicted entities",
        a.counts.sentences, a.counts.tokens, a.counts.gold, a.counts.pred
    )];
    if a.level == Level::Chars {
        parts.push("entities matched by character offsets".to_owned());
    }
    if a.min_overlap_percent > 0.0 {
        parts.push(format!(
            "min overlap {}% of the gold entity",
            a.min_overlap_percent
        ));
    }
    if !a.map.is_empty() {
        let m: Vec<String> = a.map.iter().map(|(o, n)| format!("{o}={n}")).collect();
        parts.push(format!("map {}", m.join(",")));
    }
    if !a.ignore.is_empty() {
        parts.push(format!("ignore {}", a.ignore.join(",")));
    }
    writeln!(w, "{}\n", parts.join("; "))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Writes the CSV rows of one system (without the header line).
///
/// # Errors
/// Write errors.
pub fn write_csv_rows(w: &mut dyn Write, system: &System<'_>, show: &Show) -> io::Result<()> {
    let c = &system.analysis.counts;
    let sys = csv_field(system.name);
    let mut row = |section: &str, name: &str, ty: &str, measure: &str, value: String| {
        writeln!(
            w,
            "{sys},{section},{},{},{measure},{value}",
            csv_field(name),
            csv_field(ty)
        )
    };
    for &schema in &show.schemas {
        let t = &c.schemas[schema.index()];
        let rows = t
            .types
            .iter()
            .map(|(k, v)| (k.as_str(), v))
            .chain([("", &t.total)]);
        for (ty, sc) in rows {
            let (p, r, f) = sc.scores(schema);
            for (m, v) in [
                ("cor", sc.cor.to_string()),
                ("inc", sc.inc.to_string()),
                ("par", sc.par.to_string()),
                ("mis", sc.mis.to_string()),
                ("spu", sc.spu.to_string()),
                ("possible", sc.possible().to_string()),
                ("actual", sc.actual().to_string()),
                ("precision", p.to_string()),
                ("recall", r.to_string()),
                ("f1", f.to_string()),
            ] {
                row("schema", schema.name(), ty, m, v)?;
            }
        }
    }
    for (ty, sc) in &c.classes {
        for (section, cc, gold) in [
            ("gold-class", sc.gold, true),
            ("pred-class", sc.pred, false),
        ] {
            for class in side_classes(gold) {
                row(
                    section,
                    class.name(),
                    ty,
                    "count",
                    cc.get(class).to_string(),
                )?;
            }
        }
    }
    for cell in &c.confusion {
        row(
            "confusion",
            label(cell.pred.as_deref()),
            label(cell.gold.as_deref()),
            "count",
            cell.count.to_string(),
        )?;
    }
    let a = system.analysis;
    if let Some(b) = &a.bootstrap {
        for (m, v) in [
            ("samples", b.samples.to_string()),
            ("seed", b.seed.to_string()),
            ("resample", b.resample.name().to_owned()),
            ("units", b.units.to_string()),
            ("confidence", b.confidence.to_string()),
        ] {
            row("bootstrap", "settings", "", m, v)?;
        }
        for (name, x, i) in [
            ("precision", b.point.precision, b.precision),
            ("recall", b.point.recall, b.recall),
            ("f1", b.point.f1, b.f1),
        ] {
            row("bootstrap", name, "", "value", x.to_string())?;
            row("bootstrap", name, "", "low", i.low.to_string())?;
            row("bootstrap", name, "", "high", i.high.to_string())?;
        }
    }
    if let Some(unit) = a.breakdown_unit {
        for (k, r) in a.breakdown.iter().enumerate() {
            let (p, rc, f) = unit_scores(&r.counts);
            let name = (k + 1).to_string();
            for (m, v) in [
                ("line", r.line.to_string()),
                ("correct", r.counts.correct.to_string()),
                ("gold", r.counts.gold.to_string()),
                ("pred", r.counts.pred.to_string()),
                ("precision", p.to_string()),
                ("recall", rc.to_string()),
                ("f1", f.to_string()),
            ] {
                row(unit.singular(), &name, "", m, v)?;
            }
        }
    }
    Ok(())
}

fn schema_json(sc: &SchemaCounts, schema: Schema) -> Value {
    let (p, r, f) = sc.scores(schema);
    json!({
        "cor": sc.cor, "inc": sc.inc, "par": sc.par, "mis": sc.mis, "spu": sc.spu,
        "possible": sc.possible(), "actual": sc.actual(),
        "precision": p, "recall": r, "f1": f,
    })
}

/// The JSON report of one system.
pub fn json_of(system: &System<'_>, show: &Show) -> Value {
    let mut m = json_without_errors(system, show);
    let a = system.analysis;
    m.insert(
        "errors".to_owned(),
        json!({"total": a.counts.instances, "kept": a.instances.len(), "instances": a.instances}),
    );
    Value::Object(m)
}

/// The JSON report of one system written as [`json_of`] writes it, with
/// the instances serialised straight from the analysis: going through a
/// [`Value`] took a quarter of the time of `--match all --format json` on
/// 5 million tokens (45,000 instances).
struct WithErrors<'a> {
    rest: serde_json::Map<String, Value>,
    analysis: &'a Analysis,
}

impl serde::Serialize for WithErrors<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let a = self.analysis;
        let errors = ErrorsJson {
            instances: InstancesJson(&a.instances),
            kept: a.instances.len(),
            total: a.counts.instances,
        };
        // The members in the order of a `Value` map (sorted by key).
        let mut m = s.serialize_map(Some(self.rest.len() + 1))?;
        let mut pending = true;
        for (k, v) in &self.rest {
            if pending && k.as_str() > "errors" {
                m.serialize_entry("errors", &errors)?;
                pending = false;
            }
            m.serialize_entry(k, v)?;
        }
        if pending {
            m.serialize_entry("errors", &errors)?;
        }
        m.end()
    }
}

/// `errors` of the JSON report; members in key order, as in a `Value`.
#[derive(serde::Serialize)]
struct ErrorsJson<'a> {
    instances: InstancesJson<'a>,
    kept: usize,
    total: u64,
}

struct InstancesJson<'a>(&'a [Instance]);

impl serde::Serialize for InstancesJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|i| InstanceJson {
            class: &i.class,
            context: &i.context,
            context_start: i.context_start,
            gold: EntitiesJson(&i.gold),
            gold_line: i.gold_line,
            pred: EntitiesJson(&i.pred),
            pred_line: i.pred_line,
            sentence: i.sentence,
        }))
    }
}

/// An [`Instance`] with its members in key order.
#[derive(serde::Serialize)]
struct InstanceJson<'a> {
    class: &'a str,
    context: &'a [String],
    context_start: u32,
    gold: EntitiesJson<'a>,
    gold_line: u64,
    pred: EntitiesJson<'a>,
    pred_line: u64,
    sentence: u64,
}

struct EntitiesJson<'a>(&'a [super::InstanceEntity]);

impl serde::Serialize for EntitiesJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        /// An [`super::InstanceEntity`] with its members in key order.
        #[derive(serde::Serialize)]
        struct EntityJson<'a> {
            class: &'a str,
            end: u32,
            label: &'a str,
            start: u32,
        }
        s.collect_seq(self.0.iter().map(|e| EntityJson {
            class: e.class,
            end: e.end,
            label: &e.label,
            start: e.start,
        }))
    }
}

/// The JSON report of one system but its `errors`.
fn json_without_errors(system: &System<'_>, show: &Show) -> serde_json::Map<String, Value> {
    let a = system.analysis;
    let c = &a.counts;
    let mut schemas = serde_json::Map::new();
    for &schema in &show.schemas {
        let t = &c.schemas[schema.index()];
        let types: serde_json::Map<String, Value> = t
            .types
            .iter()
            .map(|(k, v)| (k.clone(), schema_json(v, schema)))
            .collect();
        schemas.insert(
            schema.name().to_owned(),
            json!({"overall": schema_json(&t.total, schema), "types": types}),
        );
    }
    let side = |gold: bool| -> Value {
        let mut m = serde_json::Map::new();
        for (ty, sc) in &c.classes {
            let cc = if gold { sc.gold } else { sc.pred };
            let classes: serde_json::Map<String, Value> = side_classes(gold)
                .into_iter()
                .map(|k| (k.name().to_owned(), json!(cc.get(k))))
                .collect();
            m.insert(ty.clone(), Value::Object(classes));
        }
        Value::Object(m)
    };
    let v = json!({
        "system": system.name,
        "report": system.evaluation.json_report(),
        "min_overlap_percent": a.min_overlap_percent,
        "map": a.map.iter().map(|(o, n)| json!({"from": o, "to": n})).collect::<Vec<_>>(),
        "ignore": a.ignore,
        "schemas": schemas,
        "classes": {"gold": side(true), "pred": side(false)},
        "confusion": c.confusion,
    });
    let mut m = match v {
        Value::Object(m) => m,
        _ => unreachable!("json! of an object"),
    };
    if let Some(b) = &a.bootstrap {
        m.insert("bootstrap".to_owned(), bootstrap_json(b));
    }
    if a.breakdown_unit.is_some() {
        m.insert("breakdown".to_owned(), breakdown_json(a));
    }
    m
}
