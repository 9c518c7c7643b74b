//! The HTML report of `nerkit eval --format html`: one self-contained page
//! (inline CSS, a small inline script, no network) with the headline
//! scores, the per-type table with bars, the confusion matrix as a heat
//! map, the error taxonomy, an error browser, the comparison of several
//! systems and where the report came from.
//!
//! # Safety
//!
//! Every string from the corpus (tokens, types, file names) is escaped
//! for HTML ([`escape::html`]) or, in the error browser's data, written as
//! JSON with `<`, `>` and `&` as `\u` escapes and put into the page by the
//! script as text nodes only. A Content-Security-Policy allows the one
//! inline script by its SHA-256 and nothing else: no network, no inline
//! event handlers, so even a mistake in escaping could not run code.
//!
//! # Size
//!
//! The page holds the counts (which grow with the number of types) and at
//! most [`MAX_ERRORS`] error instances per system, each some 150 to 300
//! bytes; the note above the error browser says how many were found and
//! how many were kept. 7 WNUT-17 systems make a page of about 1 MB.

pub mod escape;
pub mod sha256;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use serde_json::json;

use crate::eval::analysis::render::{Show, System};
use crate::eval::analysis::{AnalysisCounts, ErrorClass};
use crate::eval::significance::PairedTest;
use crate::eval::Scores;
use escape::html_string as esc;

/// The most error instances of one system the page holds.
pub const MAX_ERRORS: usize = 1000;

const CSS: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// An input file as the report names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputFile {
    /// The name given on the command line.
    pub name: String,
    /// Its size in bytes, when it is a file that could be read again.
    pub size: Option<u64>,
    /// Its SHA-256 as `sha256sum` prints it.
    pub sha256: Option<String>,
}

impl InputFile {
    /// Reads the file at `path` to learn its size and checksum; stdin
    /// (`-`) and unreadable paths get neither.
    pub fn of_path(path: &Path) -> InputFile {
        let name = path.display().to_string();
        let hashed = if path.as_os_str() == "-" {
            None
        } else {
            std::fs::File::open(path).and_then(sha256::of_reader).ok()
        };
        InputFile {
            name,
            size: hashed.as_ref().map(|h| h.1),
            sha256: hashed.map(|h| h.0),
        }
    }
}

/// Where a report came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The command line, as typed (quoted for a POSIX shell).
    pub command: String,
    /// The inputs: gold first, then the predictions.
    pub inputs: Vec<InputFile>,
}

/// `args` as one POSIX shell command line, each argument quoted when it
/// needs to be.
pub fn shell_words<I: IntoIterator<Item = S>, S: AsRef<str>>(args: I) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    args.into_iter()
        .map(|a| {
            let a = a.as_ref();
            if !a.is_empty() && a.chars().all(plain) {
                a.to_owned()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn hex_to_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0))
        .collect()
}

/// The Content-Security-Policy source of the inline script: its SHA-256.
fn script_hash() -> String {
    let mut h = sha256::Sha256::default();
    h.update(SCRIPT.as_bytes());
    format!("'sha256-{}'", base64(&hex_to_bytes(&h.hex())))
}

fn pct(x: f64) -> String {
    format!("{:.2}", 100.0 * x)
}

/// A table cell with a percentage and a bar of its length.
fn bar_cell(x: f64, field: &str) -> String {
    format!(
        "<td class=\"bar num\" data-field=\"{field}\"><i style=\"width:{:.1}%\"></i><span>{}</span></td>",
        (100.0 * x).clamp(0.0, 100.0),
        pct(x)
    )
}

fn num_cell(n: u64, field: &str) -> String {
    format!("<td class=\"num\" data-field=\"{field}\">{n}</td>")
}

/// The colour class of each type: types in sorted order take the palette's
/// colours in turn.
fn colours(systems: &[System<'_>]) -> BTreeMap<String, usize> {
    let mut all = BTreeSet::new();
    for s in systems {
        all.extend(s.evaluation.report().types.keys().cloned());
        all.extend(s.analysis.counts.classes.keys().cloned());
    }
    all.into_iter().enumerate().map(|(i, t)| (t, i)).collect()
}

/// Writes the report of `systems` (scored against `gold_name`) as one
/// HTML page.
///
/// # Errors
/// Write errors.
pub fn write_html(
    w: &mut dyn Write,
    systems: &[System<'_>],
    gold_name: &str,
    show: &Show,
    provenance: &Provenance,
) -> io::Result<()> {
    write_html_with_tests(w, systems, gold_name, show, provenance, &[])
}

/// [`write_html`] with the paired tests between the systems (indices into
/// `systems`): the comparison table's "F1 95% CI" column shows each
/// system's bootstrap interval ([`crate::eval::analysis::Analysis::bootstrap`])
/// and its "significance" column the p-value against the system with the
/// highest micro F1, marked `*` below 0.05. Without intervals and tests
/// the columns stay placeholders.
///
/// # Errors
/// Write errors.
pub fn write_html_with_tests(
    w: &mut dyn Write,
    systems: &[System<'_>],
    gold_name: &str,
    show: &Show,
    provenance: &Provenance,
    tests: &[PairedTest],
) -> io::Result<()> {
    let colour = colours(systems);
    let mut s = String::with_capacity(1 << 16);
    let title = format!("nerkit eval: {}", gold_name);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src {}; img-src data:\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta name=\"generator\" content=\"nerkit {}\">\
         <title>{}</title><style>{}</style></head><body>\n",
        script_hash(),
        env!("CARGO_PKG_VERSION"),
        esc(&title),
        CSS
    );
    let first = systems.first().map(|s| s.evaluation.report());
    let _ = write!(
        s,
        "<header><h1>nerkit eval report</h1><p class=\"muted\">gold <code>{}</code>",
        esc(gold_name)
    );
    if let Some(r) = &first {
        let _ = write!(
            s,
            "; {} mode{}; {} sentences, {} tokens",
            esc(&r.mode),
            r.scheme
                .as_deref()
                .map(|x| format!(" ({})", esc(x)))
                .unwrap_or_default(),
            r.sentences,
            r.tokens
        );
    }
    let _ = write!(
        s,
        "; {} system{}</p></header>\n<nav>",
        systems.len(),
        if systems.len() == 1 { "" } else { "s" }
    );
    if systems.len() > 1 {
        s.push_str("<a href=\"#compare\">comparison</a> · ");
    }
    for (k, sys) in systems.iter().enumerate() {
        let _ = write!(s, "<a href=\"#system-{k}\">{}</a> · ", esc(sys.name));
    }
    s.push_str(
        "<a href=\"#errors\">error browser</a> · <a href=\"#provenance\">provenance</a></nav>\n",
    );
    if systems.len() > 1 {
        comparison(&mut s, systems, show, tests);
    }
    for (k, sys) in systems.iter().enumerate() {
        system_section(&mut s, k, sys, show, &colour);
    }
    w.write_all(s.as_bytes())?;
    s.clear();
    error_browser(&mut s, systems, gold_name, &colour);
    footer(&mut s, provenance);
    let _ = write!(s, "<script>{}</script>\n</body></html>\n", SCRIPT);
    w.write_all(s.as_bytes())
}

/// The systems' names without the directory they all share
/// (`corpora/wnut17/submissions/arcada` is `arcada` beside its peers), so
/// that the comparison table does not break paths over lines; the full
/// name is the cell's title.
fn short_names(names: &[&str]) -> Vec<String> {
    let mut shared = match names.first() {
        Some(first) if names.len() > 1 => first.rfind('/').map_or(0, |i| i + 1),
        _ => 0,
    };
    for name in names {
        // Bytes: equal up to a '/' of the first name, so a char boundary
        // of every name.
        while shared > 0
            && !(name.len() > shared && name.as_bytes()[..shared] == names[0].as_bytes()[..shared])
        {
            shared = names[0][..shared - 1].rfind('/').map_or(0, |i| i + 1);
        }
    }
    names.iter().map(|n| n[shared..].to_owned()).collect()
}

fn comparison(s: &mut String, systems: &[System<'_>], show: &Show, tests: &[PairedTest]) {
    s.push_str("<section id=\"compare\"><h2>Systems compared</h2><table id=\"compare-table\"><thead><tr><th>system</th><th>gold</th><th>pred</th><th>correct</th><th>precision</th><th>recall</th><th>F1</th><th>macro F1</th>");
    for schema in &show.schemas {
        let _ = write!(s, "<th>{schema} F1</th>");
    }
    let boot = systems.first().and_then(|x| x.analysis.bootstrap.as_ref());
    let label = boot.map_or_else(
        || "95%".to_owned(),
        |b| crate::eval::analysis::render::confidence_label(b.confidence),
    );
    let _ = writeln!(
        s,
        "<th>F1 {} CI</th><th>significance</th></tr></thead><tbody>",
        esc(&label)
    );
    let best = systems
        .iter()
        .map(|x| x.evaluation.report().micro.f1)
        .fold(f64::MIN, f64::max);
    let reference = systems
        .iter()
        .position(|x| x.evaluation.report().micro.f1 == best)
        .unwrap_or(0);
    let short = short_names(&systems.iter().map(|x| x.name).collect::<Vec<_>>());
    for (k, sys) in systems.iter().enumerate() {
        let r = sys.evaluation.report();
        let m = &r.micro;
        let _ = write!(
            s,
            "<tr data-system=\"{}\"><td title=\"{}\">{}{}</td>{}{}{}{}{}{}{}",
            esc(sys.name),
            esc(sys.name),
            esc(&short[k]),
            if m.f1 == best {
                " <b title=\"highest micro F1\">★</b>"
            } else {
                ""
            },
            num_cell(m.gold.unwrap_or(0), "gold"),
            num_cell(m.pred.unwrap_or(0), "pred"),
            num_cell(m.correct.unwrap_or(0), "correct"),
            bar_cell(m.precision, "precision"),
            bar_cell(m.recall, "recall"),
            bar_cell(m.f1, "f1"),
            bar_cell(r.macro_avg.f1, "macro-f1"),
        );
        for &schema in &show.schemas {
            let f = sys.analysis.counts.schema(schema).scores(schema).2;
            s.push_str(&bar_cell(f, &format!("{schema}-f1")));
        }
        match &sys.analysis.bootstrap {
            Some(b) => {
                let _ = write!(
                    s,
                    "<td class=\"num\" data-field=\"f1-ci\">{}</td>",
                    esc(&crate::eval::analysis::render::interval(&b.f1))
                );
            }
            None => s.push_str("<td class=\"placeholder\">–</td>"),
        }
        let test = tests
            .iter()
            .find(|t| (t.a, t.b) == (reference.min(k), reference.max(k)));
        match test {
            _ if k == reference && !tests.is_empty() => {
                s.push_str("<td data-field=\"p-value\" class=\"muted\">reference</td>")
            }
            Some(t) => {
                let _ = write!(
                    s,
                    "<td class=\"num\" data-field=\"p-value\" title=\"{} against the reference, delta F1 {:+.2}\">p = {:.4}{}</td>",
                    esc(t.test.description()),
                    100.0 * (sys_f1(t, k)),
                    t.p_value,
                    if t.significant() { " *" } else { "" }
                );
            }
            None => s.push_str("<td class=\"placeholder\">–</td>"),
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table><p class=\"note\">");
    match (boot, tests.first()) {
        (None, None) => s.push_str(
            "Confidence intervals and significance marks (paired tests against the best system) \
             are computed with <code>--bootstrap</code>; without it their columns are kept empty \
             so that the page keeps its layout. ",
        ),
        (b, t) => {
            if let Some(b) = b {
                let _ = write!(
                    s,
                    "F1 {} CI: percentile bootstrap, {} replicates of {} {}, seed {}. ",
                    esc(&label),
                    b.samples,
                    b.units,
                    b.resample.name(),
                    b.seed
                );
            }
            if let Some(t) = t {
                let _ = write!(
                    s,
                    "Significance: {} ({} {}, seed {}) against the system with the highest \
                     micro F1; * marks p &lt; 0.05. ",
                    esc(t.test.description()),
                    t.samples,
                    if t.test == crate::eval::significance::Test::Bootstrap {
                        "replicates"
                    } else {
                        "rounds"
                    },
                    t.seed
                );
            }
        }
    }
    s.push_str("★ marks the highest micro F1.</p></section>\n");
}

/// The F1 difference of a test seen from system `k`: its F1 minus the
/// other's.
fn sys_f1(t: &PairedTest, k: usize) -> f64 {
    if t.a == k {
        t.delta_f1
    } else {
        -t.delta_f1
    }
}

fn type_row(s: &mut String, name: &str, x: &Scores, total: bool, colour: Option<usize>) {
    let label = match colour {
        Some(c) => format!("<mark class=\"e c{}\">{}</mark>", c % 12, esc(name)),
        None => esc(name),
    };
    let _ = writeln!(
        s,
        "<tr{} data-type=\"{}\"><td>{}</td>{}{}{}{}{}{}</tr>",
        if total { " class=\"total\"" } else { "" },
        esc(name),
        label,
        num_cell(x.gold.unwrap_or(0), "gold"),
        num_cell(x.pred.unwrap_or(0), "pred"),
        num_cell(x.correct.unwrap_or(0), "correct"),
        bar_cell(x.precision, "precision"),
        bar_cell(x.recall, "recall"),
        bar_cell(x.f1, "f1"),
    );
}

fn system_section(
    s: &mut String,
    k: usize,
    sys: &System<'_>,
    show: &Show,
    colour: &BTreeMap<String, usize>,
) {
    let r = sys.evaluation.report();
    let c = &sys.analysis.counts;
    let _ = writeln!(
        s,
        "<section class=\"system\" id=\"system-{k}\" data-system=\"{}\"><h2>{}</h2>\
         <div class=\"cards\"><div class=\"card\">precision<b data-field=\"precision\">{}</b></div>\
         <div class=\"card\">recall<b data-field=\"recall\">{}</b></div>\
         <div class=\"card\">F1<b data-field=\"f1\">{}</b></div>\
         <div class=\"card\">macro F1<b data-field=\"macro-f1\">{}</b></div>\
         <div class=\"card\">token accuracy<b data-field=\"accuracy\">{}</b></div></div>",
        esc(sys.name),
        esc(sys.name),
        pct(r.micro.precision),
        pct(r.micro.recall),
        pct(r.micro.f1),
        pct(r.macro_avg.f1),
        pct(r.accuracy),
    );
    s.push_str("<h3>Per type</h3><table class=\"types\"><thead><tr><th>type</th><th>gold</th><th>pred</th><th>correct</th><th>precision</th><th>recall</th><th>F1</th></tr></thead><tbody>\n");
    for (name, x) in &r.types {
        type_row(s, name, x, false, colour.get(name).copied());
    }
    type_row(s, "micro", &r.micro, true, None);
    s.push_str("</tbody></table>\n");
    for note in &r.notes {
        let _ = write!(s, "<p class=\"note\">note: {}</p>", esc(note));
    }
    if !show.schemas.is_empty() {
        s.push_str("<h3>Matching schemas</h3><table class=\"schemas\"><thead><tr><th>schema</th><th>COR</th><th>INC</th><th>PAR</th><th>MIS</th><th>SPU</th><th>precision</th><th>recall</th><th>F1</th></tr></thead><tbody>\n");
        for &schema in &show.schemas {
            let t = c.schema(schema);
            let (p, rc, f) = t.scores(schema);
            let _ = writeln!(
                s,
                "<tr data-schema=\"{schema}\"><td>{schema}</td>{}{}{}{}{}{}{}{}</tr>",
                num_cell(t.cor, "cor"),
                num_cell(t.inc, "inc"),
                num_cell(t.par, "par"),
                num_cell(t.mis, "mis"),
                num_cell(t.spu, "spu"),
                bar_cell(p, "precision"),
                bar_cell(rc, "recall"),
                bar_cell(f, "f1"),
            );
        }
        s.push_str("</tbody></table>\n");
    }
    s.push_str("<div class=\"grid\"><div>");
    confusion(s, c);
    s.push_str("</div><div>");
    taxonomy(s, c);
    s.push_str("</div></div></section>\n");
}

fn confusion(s: &mut String, c: &AnalysisCounts) {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for cell in &c.confusion {
        names.extend(cell.gold.as_deref());
        names.extend(cell.pred.as_deref());
    }
    let mut labels: Vec<Option<&str>> = names.into_iter().map(Some).collect();
    labels.push(None);
    let mut cells: BTreeMap<(Option<&str>, Option<&str>), u64> = BTreeMap::new();
    for cell in &c.confusion {
        cells.insert((cell.gold.as_deref(), cell.pred.as_deref()), cell.count);
    }
    let max_ok = c
        .confusion
        .iter()
        .filter(|x| x.gold == x.pred)
        .map(|x| x.count)
        .max()
        .unwrap_or(1)
        .max(1);
    let max_bad = c
        .confusion
        .iter()
        .filter(|x| x.gold != x.pred)
        .map(|x| x.count)
        .max()
        .unwrap_or(1)
        .max(1);
    let name = |l: Option<&str>| l.map_or_else(|| "<i>none</i>".to_owned(), esc);
    s.push_str("<h3>Confusion (strict pairs)</h3><table class=\"heat\"><thead><tr><th>gold \\ predicted</th>");
    for &p in &labels {
        let _ = write!(s, "<th>{}</th>", name(p));
    }
    s.push_str("</tr></thead><tbody>\n");
    for &g in &labels {
        let _ = write!(s, "<tr><th>{}</th>", name(g));
        for &p in &labels {
            let n = cells.get(&(g, p)).copied().unwrap_or(0);
            if n == 0 {
                s.push_str("<td class=\"z\">0</td>");
                continue;
            }
            // A square root keeps small counts visible next to large ones.
            let (rgb, max) = if g == p {
                ("31,110,200", max_ok)
            } else {
                ("200,45,35", max_bad)
            };
            let a = 0.12 + 0.78 * (n as f64 / max as f64).sqrt();
            let fg = if a > 0.55 { "#fff" } else { "#000" };
            let _ = write!(
                s,
                "<td style=\"background:rgba({rgb},{a:.2});color:{fg}\">{n}</td>"
            );
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table><p class=\"note\">Rows are gold types, columns predicted ones; <i>none</i> is a missed (row) or spurious (column) entity. Blue: same type; red: errors.</p>\n");
}

fn taxonomy(s: &mut String, c: &AnalysisCounts) {
    let rows: Vec<(ErrorClass, u64, u64)> = ErrorClass::ALL
        .iter()
        .map(|&k| {
            let (g, p) = c.class(k);
            (k, g, p)
        })
        .collect();
    let max = rows.iter().map(|r| r.1.max(r.2)).max().unwrap_or(1).max(1) as f64;
    let cell = |n: u64, dash: bool| {
        if dash {
            "<td class=\"placeholder\">–</td>".to_owned()
        } else {
            format!(
                "<td class=\"bar num\"><i style=\"width:{:.1}%\"></i><span>{n}</span></td>",
                100.0 * n as f64 / max
            )
        }
    };
    s.push_str("<h3>Error taxonomy</h3><table class=\"taxonomy\"><thead><tr><th>class</th><th>gold entities</th><th>predicted entities</th></tr></thead><tbody>\n");
    for (k, g, p) in rows {
        let _ = writeln!(
            s,
            "<tr data-class=\"{}\"><td>{}</td>{}{}</tr>",
            k.name(),
            k.name(),
            cell(g, k == ErrorClass::Spurious),
            cell(p, k == ErrorClass::Missed)
        );
    }
    s.push_str("</tbody></table>\n");
}

fn error_browser(
    s: &mut String,
    systems: &[System<'_>],
    gold_name: &str,
    colour: &BTreeMap<String, usize>,
) {
    let labels: Vec<&str> = colour.keys().map(String::as_str).collect();
    let ent = |e: &crate::eval::analysis::InstanceEntity| {
        json!([
            colour.get(&e.label).copied().unwrap_or(0),
            e.start,
            e.end,
            e.class
        ])
    };
    let data_systems: Vec<serde_json::Value> = systems
        .iter()
        .map(|sys| {
            let errors: Vec<serde_json::Value> = sys
                .analysis
                .instances
                .iter()
                .take(MAX_ERRORS)
                .map(|i| {
                    json!([
                        i.class,
                        i.sentence,
                        i.gold_line,
                        i.pred_line,
                        i.context_start,
                        i.context,
                        i.gold.iter().map(ent).collect::<Vec<_>>(),
                        i.pred.iter().map(ent).collect::<Vec<_>>()
                    ])
                })
                .collect();
            json!({"name": sys.name, "total": sys.analysis.counts.instances, "errors": errors})
        })
        .collect();
    let classes: Vec<&str> = ErrorClass::ALL
        .iter()
        .map(|c| c.name())
        .chain(["split+merged"])
        .collect();
    let data =
        json!({"gold": gold_name, "labels": labels, "classes": classes, "systems": data_systems});
    let total: u64 = systems.iter().map(|x| x.analysis.counts.instances).sum();
    let kept: usize = systems
        .iter()
        .map(|x| x.analysis.instances.len().min(MAX_ERRORS))
        .sum();
    let _ = write!(
        s,
        "<section id=\"errors\"><h2>Error browser</h2><p class=\"note\">Each error instance in its \
         sentence (up to 6 tokens either side), gold and predicted entities side by side; a dashed \
         outline marks an entity that is not correct. The page keeps the first {MAX_ERRORS} instances \
         of each system in input order ({kept} kept of {total} found), so that a large evaluation \
         does not make a huge page; the counts above include every instance. Locations are \
         <code>file:line</code> of the first token.</p>\
         <noscript><p class=\"note\">The error browser needs JavaScript.</p></noscript>\
         <div id=\"eb-controls\" hidden><label>system <select id=\"eb-system\"></select></label>\
         <label>type <select id=\"eb-type\"></select></label><span id=\"eb-classes\"></span></div>\
         <p id=\"eb-count\" class=\"note\"></p><table id=\"eb-table\"><thead><tr><th>class</th>\
         <th>type</th><th>gold</th><th>predicted</th><th>where</th></tr></thead><tbody id=\"eb-rows\">\
         </tbody></table><button type=\"button\" id=\"eb-more\" hidden>show more</button></section>\n\
         <script type=\"application/json\" id=\"nerkit-data\">{}</script>\n",
        escape::json_in_script(&data.to_string())
    );
}

fn footer(s: &mut String, p: &Provenance) {
    let _ = writeln!(
        s,
        "<footer id=\"provenance\"><h2>Provenance</h2><p>Made by nerkit {} with</p><pre class=\"cmd\">{}</pre>\
         <table class=\"inputs\"><thead><tr><th>input</th><th>bytes</th><th>SHA-256</th></tr></thead><tbody>",
        env!("CARGO_PKG_VERSION"),
        esc(&p.command)
    );
    for f in &p.inputs {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td class=\"num\">{}</td><td><code>{}</code></td></tr>",
            esc(&f.name),
            f.size.map_or_else(|| "–".to_owned(), |n| n.to_string()),
            f.sha256.as_deref().unwrap_or("–")
        );
    }
    s.push_str("</tbody></table></footer>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_of_known_bytes() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn short_names_drop_the_shared_directory_only() {
        let short = |names: &[&str]| short_names(names);
        assert_eq!(short(&["a/b/x", "a/b/y"]), ["x", "y"]);
        assert_eq!(short(&["a/b/x", "a/c/y"]), ["b/x", "c/y"]);
        assert_eq!(short(&["a/b/x", "y"]), ["a/b/x", "y"]);
        assert_eq!(short(&["a/b/x"]), ["a/b/x"]);
        // A directory name that is a prefix of another is no shared one.
        assert_eq!(short(&["ab/x", "a/y"]), ["ab/x", "a/y"]);
        assert_eq!(short(&["d/é/x", "d/é/y", "d/ü"]), ["é/x", "é/y", "ü"]);
        // A name that is the shared directory itself keeps it.
        assert_eq!(short(&["a/", "a/x"]), ["a/", "a/x"]);
    }

    #[test]
    fn shell_words_quote_what_needs_it() {
        assert_eq!(
            shell_words(["nerkit", "eval", "a b", "it's", "--format=html"]),
            r"nerkit eval 'a b' 'it'\''s' --format=html"
        );
    }
}
