//! `nerkit eval`: parses arguments and calls [`nerkit::eval`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use std::io::BufRead;

use clap::Args;
use nerkit::convert::Input;
use nerkit::eval::{
    self, ColumnSource, ConllevalOptions, Evaluator, Mode, ReportFormat, SentenceSource,
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
  nerkit eval --min-f1 0.85 gold.conll pred.conll || echo 'model got worse'
      exit 1 when the micro F1 is below 0.85 (85 works too)

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
    /// markdown or csv.
    #[arg(long, value_name = "FORMAT", default_value = "conlleval", value_parser = parse_report_format)]
    pub format: ReportFormat,

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
}

fn parse_scheme(s: &str) -> Result<TagScheme, String> {
    s.parse()
}

fn parse_report_format(s: &str) -> Result<ReportFormat, String> {
    s.parse()
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
        if args.format != ReportFormat::Conlleval {
            return Err(Error::msg("--latex is a form of --format conlleval"));
        }
        ReportFormat::Latex
    } else {
        args.format
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

/// Runs `nerkit eval`.
pub fn run(args: &EvalArgs) -> Result<ExitCode, nerkit::Error> {
    let (opts, format) = options(args)?;
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
    let report = evaluation.report();

    let mut out = Output::create(None, false)?;
    // A reader of stdout that has gone (`| head`) ends the report quietly,
    // but not the checks below: their exit status still counts.
    let written = evaluation
        .write_report(&mut out, format)
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
    }
    // Notes go to stderr in every format (JSON also carries them), so that
    // the conlleval report stays byte for byte conlleval.pl's.
    for note in &report.notes {
        eprintln!("note: {note}");
    }

    if let Some(x) = args.min_f1 {
        let threshold = if x > 1.0 { x / 100.0 } else { x };
        let f1 = eval::Scores::of(counts.total).f1;
        if f1 < threshold {
            // Enough digits to show the difference: 66.6666% is below
            // 66.67%, where two digits would print 66.67% for both.
            let digits = (2..=12)
                .find(|&d| format!("{:.d$}", 100.0 * f1) != format!("{:.d$}", 100.0 * threshold))
                .unwrap_or(12);
            eprintln!(
                "nerkit eval: micro F1 {:.digits$}% is below the --min-f1 threshold {:.digits$}%",
                100.0 * f1,
                100.0 * threshold
            );
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}
