//! `nerkit eval`: parses arguments and calls [`nerkit::eval`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use std::io::BufRead;

use clap::Args;
use nerkit::convert::Input;
use nerkit::eval::merge::CountsDocument;
use nerkit::eval::significance::{Resample, Test};
use nerkit::eval::{
    self, ColumnSource, ConllevalOptions, Evaluator, Level, Mode, ReportFormat, SentenceSource,
};
use nerkit::format::{Format, ReadOptions};
use nerkit::{Error, TagScheme, TagStyle};

use super::read_args::ReadArgs;
use super::{open_input, warn, Output};

/// Arguments of `nerkit eval`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  nerkit eval output.txt
      conlleval.pl's report for a file in its layout (token ... gold pred)
  nerkit eval corpora/wnut17/emerging.test.annotated corpora/wnut17/submissions/arcada
      gold and predictions in two CoNLL files (tag in the last column)
  nerkit eval --format table gold.conll pred.conll
      per-type counts side by side, micro/macro/weighted averages, accuracy
  nerkit eval --mode strict --scheme iob2 --format json gold.conll pred.conll
      only well-formed IOB2 entities count (seqeval's strict mode), as JSON
  nerkit eval gold.conll pred1.conll pred2.conll --bootstrap
      95% intervals of precision, recall and F1, and a paired test of the two systems
  nerkit eval --min-f1 0.85 gold.conll pred.conll || echo 'model got worse'
      exit 1 when the micro F1 is below 0.85 (85 works too)
  nerkit eval --level chars --format table gold.jsonl doccano-export.jsonl
      entities matched by character offsets in the same texts, however
      each side was tokenized (span files and annotation-tool exports)
  nerkit eval --format counts part3.txt > part3.json; nerkit eval --merge part*.json
      score shards of a corpus on their own, then report on the whole

Inputs may use CRLF line ends, a BOM, tabs or runs of spaces: the scores are the same.
Exit codes: 0 success, 1 the --min-f1 check failed, 2 any error.")]
pub struct EvalArgs {
    /// A file in conlleval's layout (last two columns gold and predicted
    /// tag), or the gold file when PRED is given. `-` is stdin.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Predictions: a second file aligned with FILE sentence by sentence
    /// and token by token, in any layout convert reads: CoNLL-like columns
    /// (tag in the last column, scored as written), or bracket, JSON lines
    /// or span files (their entities tagged IOB2); each file's layout is
    /// detected from its content.
    #[arg(value_name = "PRED")]
    pub pred: Option<PathBuf>,

    /// conlleval: conlleval.pl's chunk rules and repairs; strict: only
    /// entities well-formed in --scheme count.
    #[arg(long, value_name = "MODE", default_value = "conlleval", value_parser = ["conlleval", "strict"])]
    pub mode: String,

    /// Tag scheme for --mode strict: iob1, iob2, ioe1, ioe2, iobes, bilou
    /// or io.
    #[arg(long, value_name = "SCHEME", value_parser = parse_scheme)]
    pub scheme: Option<TagScheme>,

    /// Report format: conlleval (conlleval.pl's bytes), table, json,
    /// markdown, csv, html (one self-contained page with the error
    /// analysis; see --output) or counts (the integers every report is
    /// made from, as JSON, for --merge).
    #[arg(long, value_name = "FORMAT", default_value = "conlleval", value_parser = parse_report_format)]
    pub format: FormatArg,

    /// Write the report to FILE instead of stdout (-o is conlleval's
    /// outside tag).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Format of FILE when PRED is given (else --from, else detected).
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub gold_from: Option<nerkit::format::Format>,

    /// Format of PRED (else --from, else detected).
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub pred_from: Option<nerkit::format::Format>,

    /// conlleval -r: tags have no prefixes; every tag other than the
    /// outside tag is a one-token chunk.
    #[arg(short = 'r', long)]
    pub raw: bool,

    /// conlleval -o: the outside tag in --raw mode (default O); no effect
    /// without --raw, as in conlleval.pl.
    #[arg(
        short = 'o',
        long = "boundary",
        visible_alias = "outside",
        value_name = "TAG"
    )]
    pub boundary: Option<String>,

    /// conlleval -l: print conlleval.pl's LaTeX table.
    #[arg(short = 'l', long)]
    pub latex: bool,

    /// Score two files even when their token texts differ.
    #[arg(long)]
    pub no_token_check: bool,

    /// Exit 1 when the micro F1 is below X (a fraction like 0.85, or a
    /// percentage like 85).
    #[arg(long, value_name = "X")]
    pub min_f1: Option<f64>,

    /// How inputs are read (the options convert takes).
    #[command(flatten)]
    pub read: ReadArgs,

    /// More prediction files: one row per system in the report (every
    /// file scored against FILE, which then cannot be stdin).
    #[arg(value_name = "MORE")]
    pub more: Vec<PathBuf>,

    /// Error analysis with matching schemas (nervaluate's): strict,
    /// exact, partial, type or all (a comma-separated list works too).
    #[arg(long = "match", value_name = "SCHEMA")]
    pub match_schemas: Option<String>,

    /// The least share of a gold entity's tokens a prediction must cover
    /// to pair with it in the overlap schemas (0.5, or 50 as a
    /// percentage); default any shared token.
    #[arg(long, value_name = "X")]
    pub min_overlap: Option<f64>,

    /// List the first N error instances (sentence, entities in
    /// [TYPE ...] brackets, lines) in the table report; JSON carries all.
    #[arg(long, value_name = "N")]
    pub errors: Option<usize>,

    /// Sum counts documents (written by --format counts for shards of one
    /// corpus, cut at sentence boundaries) and report on the whole: FILE,
    /// PRED and MORE are then the documents (`-` one of them from stdin).
    /// The scoring options come from them; --match shows the analysis.
    #[arg(long)]
    pub merge: bool,

    /// Rename types on both sides before scoring the analysis, e.g.
    /// corporation=group,creative-work=product.
    #[arg(long, value_name = "OLD=NEW,...")]
    pub map: Option<String>,

    /// Drop types on both sides before scoring the analysis, e.g. MISC.
    #[arg(long, value_name = "TYPE,...")]
    pub ignore: Option<String>,

    /// Percentile confidence intervals of micro precision, recall and F1
    /// from N bootstrap replicates (--bootstrap is 1000; --bootstrap=N
    /// sets N, with the = so that the files after it stay files); with
    /// several systems, also a paired test between each pair (see --test).
    #[arg(long, value_name = "N", num_args = 0..=1, require_equals = true, default_missing_value = "1000", value_parser = parse_replicates)]
    pub bootstrap: Option<usize>,

    /// The seed of --bootstrap and --test (default 1): the same seed gives
    /// the same numbers on any number of threads.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,

    /// The confidence of the --bootstrap intervals: 95 or 0.95 (the
    /// default).
    #[arg(long, value_name = "X")]
    pub confidence: Option<f64>,

    /// What --bootstrap and --test resample: sentences (the default) or
    /// documents (-DOCSTART- lines in the gold file).
    #[arg(long, value_name = "UNIT", value_parser = parse_unit)]
    pub resample: Option<Resample>,

    /// The paired test between each pair of systems: bootstrap (paired
    /// bootstrap, the default) or permutation (approximate
    /// randomization); N of --bootstrap rounds, default 1000.
    #[arg(long, value_name = "TEST", value_parser = parse_test)]
    pub test: Option<Test>,

    /// One row per sentence or document (first gold line, counts,
    /// P/R/F1) in --format json or csv.
    #[arg(long, value_name = "UNIT", value_parser = parse_unit)]
    pub breakdown: Option<Resample>,

    /// tokens: tags token by token, both files tokenized alike. chars:
    /// entities matched by their character offsets (code points) in the
    /// text both files share, however each was tokenized; both files
    /// must be spans, doccano, label-studio, prodigy or spacy, with the
    /// same texts. The conlleval report then has no accuracy line.
    #[arg(long, value_name = "LEVEL", default_value = "tokens", value_parser = parse_level)]
    pub level: Level,
}

fn parse_level(s: &str) -> Result<Level, String> {
    s.parse()
}

fn parse_replicates(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("0 replicates: the bootstrap needs at least 1 (1000 is usual)".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("expected a number of replicates, found {s:?}")),
    }
}

fn parse_unit(s: &str) -> Result<Resample, String> {
    s.parse()
}

fn parse_test(s: &str) -> Result<Test, String> {
    s.parse()
}

fn parse_scheme(s: &str) -> Result<TagScheme, String> {
    s.parse()
}

/// `--format`: a report of the library's text formats, or the HTML page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    /// conlleval, latex, table, json, markdown or csv.
    Report(ReportFormat),
    /// The HTML report (`nerkit::html_report`), always with the analysis.
    Html,
    /// The counts document (`nerkit::eval::merge::CountsDocument`).
    Counts,
}

fn parse_report_format(s: &str) -> Result<FormatArg, String> {
    if s == "html" {
        return Ok(FormatArg::Html);
    }
    if s == "counts" {
        return Ok(FormatArg::Counts);
    }
    s.parse()
        .map(FormatArg::Report)
        .map_err(|e: String| e.replace("or csv)", "csv, html or counts)"))
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

fn options(args: &EvalArgs) -> Result<(Evaluator, ReportFormat), Error> {
    let mode = match (args.mode.as_str(), args.scheme) {
        ("strict", Some(scheme)) => {
            if args.raw {
                return Err(Error::msg("--raw applies to --mode conlleval only"));
            }
            Mode::Strict(scheme)
        }
        ("strict", None) => {
            return Err(Error::msg(
                "--mode strict needs --scheme (iob1, iob2, ioe1, ioe2, iobes, bilou or io)",
            ))
        }
        (_, Some(_)) => {
            return Err(Error::msg(
                "--scheme applies to --mode strict; conlleval mode reads every scheme by conlleval.pl's rules",
            ))
        }
        _ => Mode::Conlleval(
            ConllevalOptions::default()
                .raw(args.raw)
                .outside(args.boundary.clone().unwrap_or_else(|| "O".to_owned())),
        ),
    };
    if args.boundary.is_some() && !args.raw {
        warn("--boundary (conlleval's -o) has no effect without --raw, as in conlleval.pl");
    }
    let format = if args.latex {
        if args.format != FormatArg::Report(ReportFormat::Conlleval) {
            return Err(Error::msg("--latex is a form of --format conlleval"));
        }
        ReportFormat::Latex
    } else {
        match args.format {
            FormatArg::Report(f) => f,
            // The page is made from the analysis, in analysis::run; the
            // counts document is written instead of a report.
            FormatArg::Html | FormatArg::Counts => ReportFormat::Table,
        }
    };
    if let Some(x) = args.min_f1 {
        if !(0.0..=100.0).contains(&x) {
            return Err(Error::msg(format!(
                "--min-f1 {x}: expected a fraction (0..1) or a percentage (0..100)"
            )));
        }
    }
    let delimiter = args.read.delimiter.clone();
    let evaluator = Evaluator::new(mode)
        .delimiter(delimiter)
        .token_check(!args.no_token_check);
    Ok((evaluator, format))
}

fn lines(prefix: &Path, lines: &[u64]) -> String {
    lines
        .iter()
        .map(|l| format!("{}:{l}", prefix.display()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why many chunks may be ill-formed in `scheme`: the tags of `files` (their
/// first MiB) use the prefixes of another scheme, whose chunks `scheme`
/// reads as ill-formed rather than refusing them (IOB2's `B- I-` are tags
/// of IOBES too, but an IOBES chunk of two tokens ends on `E-`). `None`
/// when the prefixes fit `scheme`, or a file cannot be read again (stdin).
fn scheme_hint(scheme: TagScheme, files: &[&Path]) -> Option<String> {
    let mut seen = PrefixesSeen([false; 128]);
    for (k, path) in files.iter().enumerate() {
        if files[..k].contains(path) || path.as_os_str() == "-" {
            continue;
        }
        let mut head = Vec::new();
        let file = std::fs::File::open(path).ok()?;
        std::io::Read::read_to_end(&mut std::io::Read::take(file, 1 << 20), &mut head).ok()?;
        seen.scan(&head);
    }
    // Only B- and I- among the prefixes: tags of IOBES and BILOU too (which
    // refuse E-/S- or L-/U- in the other's place), but chunks of several
    // tokens never close there.
    let iob_only = seen.any(b"BI") && !seen.any(b"ESLU");
    if !matches!(scheme, TagScheme::Iobes | TagScheme::Bilou) || !iob_only {
        return None;
    }
    Some(format!(
        "the tags (first MiB of each file) have only B- and I- prefixes, as IOB2 and IOB1 \
         write them: did you mean --scheme iob2 (or iob1)? To score them as {scheme}, \
         convert them first (nerkit convert --scheme {scheme})"
    ))
}

/// The prefix letters (`B`, `I`, `E`, `S`, `L`, `U`) seen at the start of
/// tags: a letter and a hyphen after a line start, a space, a tab or a
/// quote (a JSON string).
struct PrefixesSeen([bool; 128]);

impl PrefixesSeen {
    fn scan(&mut self, text: &[u8]) {
        for (i, w) in text.windows(2).enumerate() {
            let starts = i == 0 || matches!(text[i - 1], b'\n' | b' ' | b'\t' | b'"');
            if w[1] == b'-' && starts && b"BIESLU".contains(&w[0]) {
                self.0[w[0] as usize] = true;
            }
        }
    }

    fn any(&self, letters: &[u8]) -> bool {
        letters.iter().any(|&c| self.0[c as usize])
    }
}

/// A source of tags for one side of a two-file evaluation, in the format
/// given or detected: CoNLL-like columns are scored from their tags as
/// written (conlleval's rules apply to them as they are); bracket, JSON
/// lines and span files are read as `convert` reads them (with the same
/// options), their entities then tagged IOB2.
fn tag_source(
    input: Input,
    format: Option<Format>,
    read: &ReadOptions,
) -> Result<Box<dyn eval::TagSource>, Error> {
    let name = input.name().to_path_buf();
    let mut reader = input.into_reader()?;
    let format = match format {
        Some(f) => f,
        None => nerkit::format::detect_with(
            reader
                .fill_buf()
                .map_err(|e| Error::from(e).with_path(&name))?,
            read,
        )
        .map_err(|e| e.with_path(&name))?,
    };
    // Tags conlleval's rules cannot read as written (PER-B, Few-NERD's
    // types), and columns only the CoNLL reader picks (a token column, a
    // MISC key), are read by the CoNLL reader and scored as the IOB2 tags
    // of its entities.
    let plain_columns =
        format == Format::CONLL && read.token_column.is_none() && read.misc_key.is_none() && {
            let style = match read.tag_style {
                Some(style) => style,
                None => {
                    let prefix = reader
                        .fill_buf()
                        .map_err(|e| Error::from(e).with_path(&name))?;
                    nerkit::conll::detect_tags(prefix, &read.conll()).1
                }
            };
            matches!(style, TagStyle::Prefix | TagStyle::Bare)
        };
    if plain_columns {
        let mut source =
            ColumnSource::new(reader, &name, read.delimiter.clone()).comments(read.comments);
        if let Some(k) = read.tag_column {
            source = source.tag_column(k);
        }
        return Ok(Box::new(source));
    }
    let (_, reader) = nerkit::format::open(reader, Some(format), read)?;
    let warn_path = name.clone();
    Ok(Box::new(SentenceSource::new(reader, &name).on_repair(
        move |r: &nerkit::Repair| {
            warn(&format!(
                "{}:{}: {}",
                warn_path.display(),
                r.pos,
                r.message_with(&super::hints::flag_text)
            ))
        },
    )))
}

/// Refuses what has no meaning at `--level chars`, naming why.
fn check_chars_args(args: &EvalArgs) -> Result<(), Error> {
    let refuse = |what: &str, why: &str| Err(Error::msg(format!("{what} {why}")));
    let reads_tags = "reads tags; --level chars matches entities by their offsets";
    if args.pred.is_none() {
        return refuse(
            "--level chars",
            "needs two files (FILE PRED), each a text with entity offsets",
        );
    }
    if args.mode != "conlleval" || args.scheme.is_some() {
        return refuse("--mode strict and --scheme", reads_tags);
    }
    if args.raw || args.boundary.is_some() {
        return refuse("--raw and --boundary", reads_tags);
    }
    if args.no_token_check {
        return refuse(
            "--no-token-check",
            "does not apply at --level chars: the two texts of a document must be equal",
        );
    }
    if args.format == FormatArg::Html {
        return refuse(
            "--format html",
            "has no character-level page yet: use table, markdown, csv or json",
        );
    }
    if args.format == FormatArg::Counts || args.merge {
        return refuse(
            "--format counts and --merge",
            "work at the token level only so far: score character-level shards whole",
        );
    }
    if args.read.align != nerkit::spans::Align::Strict {
        return refuse(
            "--align",
            "does not apply at --level chars: every span keeps the offsets its file gives",
        );
    }
    Ok(())
}

/// Opens one side of a character-level evaluation.
fn documents(
    path: &Path,
    format: Option<Format>,
    read: &ReadOptions,
) -> Result<eval::chars::Documents, Error> {
    let input = open_input(path)?;
    let name = input.name().to_path_buf();
    let warn_path = name.clone();
    Ok(
        eval::chars::Documents::open(input.into_reader()?, format, read, &name)?.on_repair(
            move |r: &nerkit::Repair| {
                warn(&format!(
                    "{}:{}: {}",
                    warn_path.display(),
                    r.pos,
                    r.message_with(&super::hints::flag_text)
                ))
            },
        ),
    )
}

/// Scores PRED against FILE at `--level chars`, with the analysis when
/// `options` are given.
fn evaluate_chars(
    args: &EvalArgs,
    pred: &Path,
    options: Option<&eval::analysis::Options>,
) -> Result<(eval::Evaluation, Option<eval::analysis::Analysis>, PathBuf), Error> {
    if args.file.as_os_str() == "-" && pred.as_os_str() == "-" {
        return Err(Error::msg("only one of FILE and PRED can be stdin"));
    }
    let read = args.read.options()?;
    let mut g = documents(&args.file, args.gold_from.or(args.read.from), &read)?;
    let mut p = documents(pred, args.pred_from.or(args.read.from), &read)?;
    let (e, a) = eval::chars::evaluate(&mut g, &mut p, options)?;
    Ok((e, a, p.path().to_path_buf()))
}

/// Runs `nerkit eval`.
pub fn run(args: &EvalArgs) -> Result<ExitCode, nerkit::Error> {
    if args.merge {
        return merge::run(args);
    }
    if args.format == FormatArg::Counts && args.errors.is_some() {
        return Err(Error::msg(
            "--errors lists error instances, which are examples, not counts: \
             --format counts does not carry them (their total is counted)",
        ));
    }
    // `--bootstrap 500 GOLD PRED` reads 500 as the gold file (the number
    // needs `=`, so that `--bootstrap GOLD PRED` keeps its files).
    let first = args.file.to_string_lossy();
    if args.bootstrap.is_some() && first.parse::<usize>().is_ok() && !args.file.exists() {
        return Err(Error::msg(format!(
            "{first}: no such file; for {first} bootstrap replicates write --bootstrap={first}"
        )));
    }
    if args.level == Level::Chars {
        check_chars_args(args)?;
    }
    let (opts, format) = options(args)?;
    if analysis::wanted(args) {
        return analysis::run(args, &opts, format);
    }
    let gold_in = open_input(&args.file)?;
    let gold_name = gold_in.name().to_path_buf();
    let (evaluation, pred_name) = match &args.pred {
        None => {
            if args.read.from.is_some() || args.gold_from.is_some() || args.pred_from.is_some() {
                return Err(Error::msg(
                    "--from, --gold-from and --pred-from apply to two files (FILE PRED); \
                     one file is read in conlleval's layout (token ... gold pred)",
                ));
            }
            (
                opts.evaluate_file(gold_in.into_reader()?, &gold_name)?,
                gold_name.clone(),
            )
        }
        Some(pred) if args.level == Level::Chars => {
            let (e, _, name) = evaluate_chars(args, pred, None)?;
            (e, name)
        }
        Some(pred) => {
            if args.file.as_os_str() == "-" && pred.as_os_str() == "-" {
                return Err(Error::msg("only one of FILE and PRED can be stdin"));
            }
            let pred_in = open_input(pred)?;
            let pred_name = pred_in.name().to_path_buf();
            let read = args.read.options()?;
            let mut g = tag_source(gold_in, args.gold_from.or(args.read.from), &read)?;
            let mut p = tag_source(pred_in, args.pred_from.or(args.read.from), &read)?;
            (opts.evaluate_pair(&mut g, &mut p)?, pred_name)
        }
    };
    let counts = &evaluation.counts;
    let mut report = evaluation.report();
    if evaluation.level == Level::Chars {
        report.notes = eval::chars::CharReport::new(counts).notes;
    }

    let mut out = Output::create(args.output.as_deref(), false)?;
    // A reader of stdout that has gone (`| head`) ends the report quietly,
    // but not the checks below: their exit status still counts.
    let written = if args.format == FormatArg::Counts {
        let (gold, system) = (gold_name.display(), pred_name.display());
        CountsDocument::new(&gold.to_string(), &system.to_string(), &evaluation, None)
            .write(&mut out)
    } else {
        evaluation.write_report(&mut out, format)
    };
    let written = written
        .map_err(Error::from)
        .and_then(|()| out.flush().map_err(Error::from))
        .and_then(|()| out.finish());
    match written {
        Err(e) if e.is_broken_pipe() => {}
        other => other?,
    }

    if evaluation.token_mismatches.total > 0 {
        warn(&format!(
            "{} token texts differ between {} and {} (scored anyway):{}",
            evaluation.token_mismatches.total,
            gold_name.display(),
            pred_name.display(),
            evaluation.token_mismatches.describe(&gold_name, &pred_name)
        ));
    }
    let ill_g = &counts.ill_formed_gold;
    let ill_p = &counts.ill_formed_pred;
    if ill_g.count + ill_p.count > 0 {
        let scheme = report.scheme.as_deref().unwrap_or("");
        let side = |n: u64, what: &str, path: &Path, first: &[u64]| {
            if n == 0 {
                format!("0 in {what}")
            } else {
                format!("{n} in {what} (first at {})", lines(path, first))
            }
        };
        eprintln!(
            "note: ill-formed {scheme} chunks were not counted: {}; {}",
            side(ill_g.count, "gold", &gold_name, &ill_g.first_lines),
            side(ill_p.count, "predictions", &pred_name, &ill_p.first_lines)
        );
        if let Some(scheme) = args.scheme {
            if let Some(hint) = scheme_hint(scheme, &[&gold_name, &pred_name]) {
                eprintln!("note: {hint}");
            }
        }
    }
    // Notes go to stderr in every format (JSON also carries them), so that
    // the conlleval report stays byte for byte conlleval.pl's.
    for note in &report.notes {
        eprintln!("note: {note}");
    }

    if below_min_f1(args, eval::Scores::of(counts.total).f1, None) {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether `--min-f1` was given and `f1` is below it; says so on stderr
/// (naming `system` when there are several), with enough digits to show
/// the difference: 66.6666% is below 66.67%, where two digits would print
/// 66.67% for both.
fn below_min_f1(args: &EvalArgs, f1: f64, system: Option<&str>) -> bool {
    let Some(x) = args.min_f1 else {
        return false;
    };
    let threshold = if x > 1.0 { x / 100.0 } else { x };
    if f1 >= threshold {
        return false;
    }
    let digits = (2..=12)
        .find(|&d| format!("{:.d$}", 100.0 * f1) != format!("{:.d$}", 100.0 * threshold))
        .unwrap_or(12);
    let who = system.map(|s| format!("{s}: ")).unwrap_or_default();
    eprintln!(
        "nerkit eval: {who}micro F1 {:.digits$}% is below the --min-f1 threshold {:.digits$}%",
        100.0 * f1,
        100.0 * threshold
    );
    true
}

/// `nerkit eval` with the error analysis (`--match`, `--errors`, ...) or
/// several systems.
mod analysis {
    use super::*;
    use nerkit::eval::analysis::render::{self, Show, System};
    use nerkit::eval::analysis::{self as an, Analysis, Options, Schema};
    use nerkit::eval::significance::{self as sig, PairedTest};
    use nerkit::eval::Evaluation;

    pub(super) fn wanted(args: &EvalArgs) -> bool {
        args.match_schemas.is_some()
            || args.min_overlap.is_some()
            || args.errors.is_some()
            || args.map.is_some()
            || args.ignore.is_some()
            || !args.more.is_empty()
            || args.format == FormatArg::Html
            || args.bootstrap.is_some()
            || args.test.is_some()
            || args.breakdown.is_some()
            || args.seed.is_some()
            || args.confidence.is_some()
            || args.resample.is_some()
    }

    /// The resampling `--bootstrap` and `--test` ask for, refusing options
    /// that would be ignored.
    fn significance_settings(
        args: &EvalArgs,
        systems: usize,
    ) -> Result<Option<sig::Settings>, Error> {
        let asked = args.bootstrap.is_some() || args.test.is_some();
        if !asked {
            for (given, flag) in [
                (args.seed.is_some(), "--seed"),
                (args.confidence.is_some(), "--confidence"),
                (args.resample.is_some(), "--resample"),
            ] {
                if given {
                    return Err(Error::msg(format!(
                        "{flag} applies to --bootstrap or --test: add --bootstrap"
                    )));
                }
            }
            return Ok(None);
        }
        if args.test.is_some() && systems < 2 {
            return Err(Error::msg(
                "--test compares systems: give two or more prediction files \
                 (nerkit eval --test permutation GOLD PRED1 PRED2); \
                 --bootstrap alone gives the intervals of one system",
            ));
        }
        if args.confidence.is_some() && args.bootstrap.is_none() {
            return Err(Error::msg(
                "--confidence sets the intervals of --bootstrap, which --test alone does not compute: add --bootstrap",
            ));
        }
        let confidence = match args.confidence {
            None => 0.95,
            Some(x) if x > 0.0 && x < 1.0 => x,
            Some(x) if x > 1.0 && x < 100.0 => x / 100.0,
            Some(x) => {
                return Err(Error::msg(format!(
                    "--confidence {x}: expected a percentage between 0 and 100 (95) or a fraction between 0 and 1 (0.95)"
                )))
            }
        };
        let mut settings = sig::Settings::default()
            .replicates(args.bootstrap.unwrap_or(sig::DEFAULT_REPLICATES))
            .seed(args.seed.unwrap_or(sig::DEFAULT_SEED))
            .confidence(confidence)
            .resample(args.resample.unwrap_or_default())
            .intervals(args.bootstrap.is_some());
        if systems >= 2 {
            settings = settings.test(args.test.unwrap_or_default());
        }
        Ok(Some(settings))
    }

    pub(super) fn schemas(arg: Option<&str>) -> Result<Vec<Schema>, Error> {
        let Some(arg) = arg else {
            return Ok(Schema::ALL.to_vec());
        };
        let mut out = Vec::new();
        for part in arg.split(',') {
            if part == "all" {
                out.extend(Schema::ALL);
            } else {
                out.push(part.parse::<Schema>().map_err(Error::msg)?);
            }
        }
        out.dedup();
        Ok(out)
    }

    fn list(arg: Option<&str>) -> Vec<String> {
        arg.map(|a| {
            a.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
    }

    fn analysis_options(
        args: &EvalArgs,
        format: ReportFormat,
        settings: Option<&sig::Settings>,
    ) -> Result<Options, Error> {
        let mut o = Options::default();
        if let Some(s) = settings {
            o = o.units(s.resample);
        }
        if let Some(unit) = args.breakdown {
            if !matches!(format, ReportFormat::Json | ReportFormat::Csv)
                || args.format == FormatArg::Html
            {
                return Err(Error::msg(
                    "--breakdown lists a row per sentence or document: use --format json or csv",
                ));
            }
            o = o.breakdown(unit);
        }
        if let Some(x) = args.min_overlap {
            if !(x > 0.0 && x <= 100.0) {
                return Err(Error::msg(format!(
                    "--min-overlap {x}: expected a fraction (0..1] or a percentage (1..100]"
                )));
            }
            o = o.min_overlap(if x > 1.0 { x / 100.0 } else { x });
        }
        for pair in list(args.map.as_deref()) {
            let Some((old, new)) = pair.split_once('=') else {
                return Err(Error::msg(format!(
                    "--map {pair}: expected OLD=NEW (for example corporation=group)"
                )));
            };
            o = o.map(old, new);
        }
        for t in list(args.ignore.as_deref()) {
            o = o.ignore(t);
        }
        let keep = if args.format == FormatArg::Html {
            nerkit::html_report::MAX_ERRORS
        } else if format == ReportFormat::Json {
            an::MAX_INSTANCES
        } else {
            args.errors.unwrap_or(0)
        };
        Ok(o.instances(keep))
    }

    fn one(
        args: &EvalArgs,
        opts: &Evaluator,
        options: &Options,
        pred: Option<&PathBuf>,
    ) -> Result<(Evaluation, Analysis, PathBuf), Error> {
        if let (Level::Chars, Some(pred)) = (args.level, pred) {
            let (e, a, name) = evaluate_chars(args, pred, Some(options))?;
            return Ok((e, a.unwrap_or_default(), name));
        }
        let gold_in = open_input(&args.file)?;
        let gold_name = gold_in.name().to_path_buf();
        match pred {
            None => {
                let (e, a) = an::analyze_file(opts, gold_in.into_reader()?, &gold_name, options)?;
                Ok((e, a, gold_name))
            }
            Some(pred) => {
                let pred_in = open_input(pred)?;
                let pred_name = pred_in.name().to_path_buf();
                let read = args.read.options()?;
                let mut g = tag_source(gold_in, args.gold_from.or(args.read.from), &read)?;
                let mut p = tag_source(pred_in, args.pred_from.or(args.read.from), &read)?;
                let (e, a) = an::analyze_pair(opts, &mut g, &mut p, options)?;
                if e.token_mismatches.total > 0 {
                    warn(&format!(
                        "{} token texts differ between {} and {} (scored anyway):{}",
                        e.token_mismatches.total,
                        gold_name.display(),
                        pred_name.display(),
                        e.token_mismatches.describe(&gold_name, &pred_name)
                    ));
                }
                Ok((e, a, pred_name))
            }
        }
    }

    /// Runs the bootstrap and the paired tests over the units of every
    /// system: puts each system's intervals in its analysis and returns
    /// the tests.
    fn resample(
        args: &EvalArgs,
        settings: &sig::Settings,
        results: &mut [(Evaluation, Analysis, PathBuf)],
    ) -> Result<Vec<PairedTest>, Error> {
        let units: Vec<&[sig::UnitCounts]> = results.iter().map(|r| r.1.units.as_slice()).collect();
        let n = units.first().map_or(0, |u| u.len());
        if settings.resample == Resample::Documents && n < 2 {
            return Err(Error::msg(format!(
                "--resample documents: {} has {n} document{} (a document starts at a -DOCSTART- line; \
                 a file without them is one document), too few to resample: \
                 resample sentences (the default) or mark the documents",
                args.file.display(),
                if n == 1 { "" } else { "s" }
            )));
        }
        let s = sig::compute(&units, settings)?;
        for (r, i) in results.iter_mut().zip(s.intervals) {
            r.1.bootstrap = Some(i);
        }
        Ok(s.tests)
    }

    /// The systems table: one row per system.
    fn systems_table(
        w: &mut dyn Write,
        systems: &[System<'_>],
        show: &Show,
        format: ReportFormat,
    ) -> std::io::Result<()> {
        let markdown = format == ReportFormat::Markdown;
        let mut header: Vec<String> = [
            "system",
            "gold",
            "pred",
            "correct",
            "precision",
            "recall",
            "f1",
            "macro f1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        header.extend(show.schemas.iter().map(|s| format!("{s} f1")));
        // The intervals after the point estimates, when the bootstrap ran.
        let ci = systems
            .first()
            .and_then(|s| s.analysis.bootstrap.as_ref())
            .map(|b| render::confidence_label(b.confidence));
        if let Some(label) = &ci {
            for m in ["precision", "recall", "f1"] {
                header.push(format!("{m} {label} CI"));
            }
        }
        let mut rows = vec![header];
        for s in systems {
            let r = s.evaluation.report();
            let mut row = vec![
                s.name.to_owned(),
                r.micro.gold.unwrap_or(0).to_string(),
                r.micro.pred.unwrap_or(0).to_string(),
                r.micro.correct.unwrap_or(0).to_string(),
                format!("{:.2}", 100.0 * r.micro.precision),
                format!("{:.2}", 100.0 * r.micro.recall),
                format!("{:.2}", 100.0 * r.micro.f1),
                format!("{:.2}", 100.0 * r.macro_avg.f1),
            ];
            for &schema in &show.schemas {
                let f = s.analysis.counts.schema(schema).scores(schema).2;
                row.push(format!("{:.2}", 100.0 * f));
            }
            if ci.is_some() {
                if let Some(b) = &s.analysis.bootstrap {
                    row.extend([b.precision, b.recall, b.f1].iter().map(render::interval));
                }
            }
            rows.push(row);
        }
        let widths: Vec<usize> = (0..rows[0].len())
            .map(|k| rows.iter().map(|r| r[k].chars().count()).max().unwrap_or(0))
            .collect();
        for (n, r) in rows.iter().enumerate() {
            let cells: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(k, c)| {
                    if k == 0 {
                        format!("{c:<width$}", width = widths[k])
                    } else {
                        format!("{c:>width$}", width = widths[k])
                    }
                })
                .collect();
            if markdown {
                writeln!(w, "| {} |", cells.join(" | "))?;
                if n == 0 {
                    let rule: Vec<String> = widths
                        .iter()
                        .enumerate()
                        .map(|(k, &d)| {
                            if k == 0 {
                                "-".repeat(d)
                            } else {
                                format!("{}:", "-".repeat(d.saturating_sub(1)))
                            }
                        })
                        .collect();
                    writeln!(w, "| {} |", rule.join(" | "))?;
                }
            } else {
                writeln!(w, "{}", cells.join("  ").trim_end())?;
            }
        }
        Ok(())
    }

    pub(super) fn run(
        args: &EvalArgs,
        opts: &Evaluator,
        format: ReportFormat,
    ) -> Result<ExitCode, Error> {
        if format == ReportFormat::Latex {
            return Err(Error::msg(
                "--latex has no room for the error analysis: use --format table, markdown, csv or json",
            ));
        }
        let format = if format == ReportFormat::Conlleval {
            ReportFormat::Table
        } else {
            format
        };
        let show = Show {
            schemas: schemas(args.match_schemas.as_deref())?,
            errors: args.errors.unwrap_or(0),
        };
        let preds: Vec<&PathBuf> = args.pred.iter().chain(&args.more).collect();
        if preds.len() > 1 && args.format == FormatArg::Counts {
            return Err(Error::msg(
                "--format counts writes the counts of one system: score each prediction file on its own",
            ));
        }
        let settings = significance_settings(args, preds.len().max(1))?;
        let options = analysis_options(args, format, settings.as_ref())?;
        if preds.len() > 1 && args.file.as_os_str() == "-" {
            return Err(Error::msg(
                "FILE cannot be stdin with several prediction files (it is read once per system)",
            ));
        }
        if preds.is_empty()
            && (args.read.from.is_some() || args.gold_from.is_some() || args.pred_from.is_some())
        {
            return Err(Error::msg(
                "--from, --gold-from and --pred-from apply to two files (FILE PRED); \
                 one file is read in conlleval's layout (token ... gold pred)",
            ));
        }
        let mut results = Vec::new();
        if preds.is_empty() {
            results.push(one(args, opts, &options, None)?);
        }
        for p in &preds {
            results.push(one(args, opts, &options, Some(p))?);
        }
        let tests = match &settings {
            Some(settings) => resample(args, settings, &mut results)?,
            None => Vec::new(),
        };
        let names: Vec<String> = results
            .iter()
            .map(|(_, _, n)| n.display().to_string())
            .collect();
        let systems: Vec<System<'_>> = results
            .iter()
            .zip(&names)
            .map(|((e, a, _), name)| System {
                name,
                evaluation: e,
                analysis: a,
            })
            .collect();
        let gold_name = args.file.display().to_string();
        let mut out = Output::create(args.output.as_deref(), false)?;
        let written = (|| -> std::io::Result<()> {
            match format {
                _ if args.format == FormatArg::Counts => {
                    let s = &systems[0];
                    CountsDocument::new(&gold_name, s.name, s.evaluation, Some(s.analysis))
                        .write(&mut out)?;
                }
                _ if args.format == FormatArg::Html => {
                    use nerkit::html_report::{self as page, InputFile, Provenance};
                    let provenance = Provenance {
                        command: page::shell_words(
                            std::env::args_os().map(|a| a.to_string_lossy().into_owned()),
                        ),
                        inputs: std::iter::once(&args.file)
                            .chain(preds.iter().copied())
                            .map(|p| InputFile::of_path(p))
                            .collect(),
                    };
                    page::write_html_with_tests(
                        &mut out,
                        &systems,
                        &gold_name,
                        &show,
                        &provenance,
                        &tests,
                    )?;
                }
                ReportFormat::Json if systems.len() > 1 => {
                    let all: Vec<_> = systems.iter().map(|s| render::json_of(s, &show)).collect();
                    let mut report = serde_json::json!({ "systems": all });
                    if !tests.is_empty() {
                        report["tests"] = render::tests_json(&names, &tests);
                    }
                    serde_json::to_writer_pretty(&mut out, &report)?;
                    writeln!(out)?;
                }
                ReportFormat::Csv => {
                    writeln!(out, "system,section,name,type,measure,value")?;
                    for s in &systems {
                        render::write_csv_rows(&mut out, s, &show)?;
                    }
                    render::write_tests_csv(&mut out, &names, &tests)?;
                }
                _ if systems.len() > 1 => {
                    systems_table(&mut out, &systems, &show, format)?;
                    if !tests.is_empty() {
                        writeln!(out)?;
                        render::write_tests(&mut out, &names, &tests, format)?;
                    }
                    for s in &systems {
                        writeln!(out, "\n== {} ==\n", s.name)?;
                        render::write(&mut out, s, &gold_name, format, &show)?;
                    }
                }
                _ => render::write(&mut out, &systems[0], &gold_name, format, &show)?,
            }
            out.flush()
        })()
        .map_err(Error::from)
        .and_then(|()| out.finish());
        match written {
            Err(e) if e.is_broken_pipe() => {}
            other => other?,
        }
        for s in &systems {
            let f1 = eval::Scores::of(s.evaluation.counts.total).f1;
            if below_min_f1(args, f1, Some(s.name)) {
                return Ok(ExitCode::from(1));
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// `nerkit eval --merge`: sums counts documents and reports on the sum.
mod merge {
    use super::*;
    use nerkit::eval::analysis::render::{self, Show, System};
    use nerkit::eval::merge::OptionDifference;

    /// Flags that change what is counted: fixed when the shards are scored.
    fn scoring_flag(args: &EvalArgs) -> Option<&'static str> {
        [
            (args.mode != "conlleval", "--mode"),
            (args.scheme.is_some(), "--scheme"),
            (args.raw, "--raw"),
            (args.boundary.is_some(), "--boundary"),
            (args.min_overlap.is_some(), "--min-overlap"),
            (args.map.is_some(), "--map"),
            (args.ignore.is_some(), "--ignore"),
            (args.no_token_check, "--no-token-check"),
            (args.read.from.is_some(), "--from"),
            (args.gold_from.is_some(), "--gold-from"),
            (args.pred_from.is_some(), "--pred-from"),
        ]
        .into_iter()
        .find(|(given, _)| *given)
        .map(|(_, flag)| flag)
    }

    /// How a shard was scored, in the words of the flags.
    fn scored(option: &str, value: &str) -> String {
        let flag = match option {
            "analysis" => {
                return if value == "true" {
                    "with the error analysis (--match ...)".to_owned()
                } else {
                    "without the error analysis (--match ...)".to_owned()
                }
            }
            "raw" => {
                return if value == "true" {
                    "with --raw"
                } else {
                    "without --raw"
                }
                .to_owned()
            }
            "outside" => "--boundary",
            "min_overlap_percent" => {
                return if value == "0" {
                    "without --min-overlap".to_owned()
                } else {
                    format!("with --min-overlap {value}%")
                };
            }
            "mode" => "--mode",
            "scheme" => "--scheme",
            "map" => "--map",
            "ignore" => "--ignore",
            other => other,
        };
        if value.is_empty() || value == "none" {
            format!("without {flag}")
        } else {
            format!("with {flag} {value}")
        }
    }

    fn refuse_difference(d: &OptionDifference, path: &Path, first: &Path) -> Error {
        Error::msg(format!(
            "scored {}, but {} {}: shards scored with different options cannot be added",
            scored(d.name, &d.other),
            first.display(),
            scored(d.name, &d.this)
        ))
        .with_path(path)
    }

    pub(super) fn run(args: &EvalArgs) -> Result<ExitCode, Error> {
        if let Some(flag) = scoring_flag(args) {
            return Err(Error::msg(format!(
                "{flag} changes what is counted, so it is given when the shards are scored: \
                 --merge takes the options from the counts documents"
            )));
        }
        let resampling = [
            (args.bootstrap.is_some(), "--bootstrap"),
            (args.test.is_some(), "--test"),
            (args.breakdown.is_some(), "--breakdown"),
            (args.seed.is_some(), "--seed"),
            (args.confidence.is_some(), "--confidence"),
            (args.resample.is_some(), "--resample"),
        ]
        .into_iter()
        .find(|(given, _)| *given);
        if let Some((_, flag)) = resampling {
            return Err(Error::msg(format!(
                "{flag} needs the counts of every sentence, which counts documents do not \
                 carry (they hold totals): score the whole corpus with {flag}"
            )));
        }
        if args.level != Level::Tokens {
            return Err(Error::msg(
                "--level chars: counts documents are written at the token level only",
            ));
        }
        if args.errors.is_some() {
            return Err(Error::msg(
                "--errors lists error instances, which are examples, not counts: counts documents \
                 do not carry them (list them from a shard: nerkit eval --errors N SHARD)",
            ));
        }
        let (_, format) = options(args)?;
        let shards: Vec<&PathBuf> = std::iter::once(&args.file)
            .chain(&args.pred)
            .chain(&args.more)
            .collect();
        if shards.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
            return Err(Error::msg(
                "only one counts document can be read from stdin",
            ));
        }
        let mut sum: Option<(PathBuf, CountsDocument)> = None;
        for path in &shards {
            let input = open_input(path)?;
            let name = input.name().to_path_buf();
            let doc = CountsDocument::read(input.into_reader()?).map_err(|e| {
                let message = e.to_string();
                if message.starts_with("not a nerkit counts document") {
                    Error::msg(format!(
                        "{message} (--merge reads what nerkit eval --format counts writes)"
                    ))
                    .with_path(&name)
                } else {
                    e.with_path(&name)
                }
            })?;
            match &mut sum {
                None => sum = Some((name, doc)),
                Some((first, s)) => {
                    if let Some(d) = s.options.difference(&doc.options) {
                        return Err(refuse_difference(&d, &name, first));
                    }
                    s.add(&doc).map_err(|e| e.with_path(&name))?;
                }
            }
        }
        let (_, doc) = sum.expect("FILE is required");
        let evaluation = doc.evaluation()?;
        let analysis = doc.analysis();
        let wants_analysis = args.match_schemas.is_some() || args.format == FormatArg::Html;
        if wants_analysis && analysis.is_none() {
            return Err(Error::msg(format!(
                "{} asks for the error analysis, but the shards carry no analysis counts: \
                 score them with --match all --format counts",
                if args.format == FormatArg::Html {
                    "--format html"
                } else {
                    "--match"
                }
            )));
        }
        if wants_analysis && format == ReportFormat::Latex {
            return Err(Error::msg(
                "--latex has no room for the error analysis: use --format table, markdown, csv or json",
            ));
        }

        let show = Show {
            schemas: super::analysis::schemas(args.match_schemas.as_deref())?,
            errors: 0,
        };
        let mut out = Output::create(args.output.as_deref(), false)?;
        let written = (|| -> std::io::Result<()> {
            match (&analysis, args.format) {
                (_, FormatArg::Counts) => doc.write(&mut out)?,
                (Some(a), _) if wants_analysis => {
                    let system = System {
                        name: &doc.system,
                        evaluation: &evaluation,
                        analysis: a,
                    };
                    if args.format == FormatArg::Html {
                        use nerkit::html_report::{self as page, InputFile, Provenance};
                        let provenance = Provenance {
                            command: page::shell_words(
                                std::env::args_os().map(|a| a.to_string_lossy().into_owned()),
                            ),
                            inputs: shards.iter().map(|p| InputFile::of_path(p)).collect(),
                        };
                        page::write_html(&mut out, &[system], &doc.gold, &show, &provenance)?;
                    } else {
                        let format = if format == ReportFormat::Conlleval {
                            ReportFormat::Table
                        } else {
                            format
                        };
                        render::write(&mut out, &system, &doc.gold, format, &show)?;
                    }
                }
                _ => evaluation.write_report(&mut out, format)?,
            }
            out.flush()
        })()
        .map_err(Error::from)
        .and_then(|()| out.finish());
        match written {
            Err(e) if e.is_broken_pipe() => {}
            other => other?,
        }

        let m = &evaluation.token_mismatches;
        if m.total > 0 {
            warn(&format!(
                "{} token texts differ between {} and {} in the shards (scored anyway); \
                 the first, at lines of their shards:{}",
                m.total,
                doc.gold,
                doc.system,
                m.describe(Path::new(&doc.gold), Path::new(&doc.system))
            ));
        }
        let report = evaluation.report();
        let (ill_g, ill_p) = (
            &evaluation.counts.ill_formed_gold,
            &evaluation.counts.ill_formed_pred,
        );
        if ill_g.count + ill_p.count > 0 {
            let side = |n: u64, what: &str, first: &[u64]| {
                let first: Vec<String> = first.iter().map(u64::to_string).collect();
                if n == 0 {
                    format!("0 in {what}")
                } else {
                    format!(
                        "{n} in {what} (first at lines {} of their shards)",
                        first.join(", ")
                    )
                }
            };
            eprintln!(
                "note: ill-formed {} chunks were not counted: {}; {}",
                report.scheme.as_deref().unwrap_or(""),
                side(ill_g.count, "gold", &ill_g.first_lines),
                side(ill_p.count, "predictions", &ill_p.first_lines)
            );
        }
        for note in &report.notes {
            eprintln!("note: {note}");
        }
        if below_min_f1(args, report.micro.f1, None) {
            return Ok(ExitCode::from(1));
        }
        Ok(ExitCode::SUCCESS)
    }
}
