//! `nerkit bench`: times tokenizing, parsing, converting and scoring on the
//! user's own files, with the library's [`nerkit::bench`] engine, and
//! prints a table (or JSON).

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};

use nerkit::bench::{tokenizes, Bench, EvalLayout, Input, Measurement, Task};
use nerkit::eval::Mode;
use nerkit::format::{Format, ReadOptions};
use nerkit::{Error, TagScheme, Tokenizer};

use super::inputs_or_stdin;
use super::read_args::{parse_format, parse_scheme};

const EXAMPLES: &str = "Examples:
  nerkit bench --what tokenize --tokenizer whitespace,unicode corpus.txt
      both tokenizers over the text, next to reading and hashing its bytes
  nerkit bench corpora/000_8c95ef11f0516e36.txt
      everything that applies: tokenize, parse, convert to CoNLL IOB2
  nerkit bench --what convert --to conll,jsonl --scheme iob2,iobes --threads 1,2 train.conll
      each output, scheme and thread count
  nerkit bench --what eval corpora/wnut17/emerging.test.annotated
      scoring CoNLL columns: conlleval's layout (TOKEN ... GOLD PRED) as
      `nerkit eval FILE` reads it, or TOKEN TAG lines against themselves
  nerkit bench --what eval --pred corpora/wnut17/submissions/arcada corpora/wnut17/emerging.test.annotated
      gold and predictions in two files, read in lockstep
  cat big.txt | nerkit bench --format json -
      stdin, read once into memory; one JSON object on stdout

Every input is read into memory before anything is timed, and a conversion's
output is counted, not written: the figures are nerkit's work, not the disk's.
The reference rows say what the machine does with the same bytes when it does
almost nothing: reading the file (from the page cache) and hashing its bytes.
Each task runs --warmup times untimed, then --repeat times timed; the table
gives the median, fastest and slowest run, and MB/s (decimal megabytes of the
input) and tokens/s at the median. eval rows count the bytes of both files read.
A task shorter than --min-run (10 ms) is repeated within each run until the run
lasts that long, and its times are per pass (the passes column).";

/// What to time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum What {
    /// The tokenizers over the text as it is.
    Tokenize,
    /// Reading every sentence in the input's format.
    Parse,
    /// Converting to --to in --scheme.
    Convert,
    /// Scoring CoNLL columns (conlleval's layout, the file against itself,
    /// or against --pred).
    Eval,
    /// All of the above that apply to the input.
    All,
}

/// How to print the results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BenchFormat {
    /// A table for a person.
    Table,
    /// One JSON object.
    Json,
}

/// Arguments of `nerkit bench`.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct BenchArgs {
    /// Input files; none or `-` reads stdin (once, into memory).
    #[arg(value_name = "FILE")]
    pub inputs: Vec<PathBuf>,

    /// What to time, comma-separated: tokenize, parse, convert, eval or all.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "all")]
    pub what: Vec<What>,

    /// Tokenizers, comma-separated: whitespace, unicode. Default: both for tokenize; the format's default for parse and convert (which use these only for formats that tokenize text: bracket, spans, annotation tools).
    #[arg(long, value_delimiter = ',', value_parser = parse_tokenizer)]
    pub tokenizer: Vec<Tokenizer>,

    /// Input format (as convert's --from); detected from the start of each input when not given.
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub from: Option<Format>,

    /// Tag scheme of conll or jsonl input (detected when not given); the scheme of --mode strict.
    #[arg(long, value_name = "SCHEME", value_parser = parse_scheme)]
    pub from_scheme: Option<TagScheme>,

    /// Read leniently, repairing what can be repaired (as convert --lenient).
    #[arg(long)]
    pub lenient: bool,

    /// Output formats of convert, comma-separated.
    #[arg(long, value_name = "FORMAT", value_delimiter = ',', default_value = "conll", value_parser = parse_format)]
    pub to: Vec<Format>,

    /// Output tag schemes of convert, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "iob2", value_parser = parse_scheme)]
    pub scheme: Vec<TagScheme>,

    /// eval: conlleval (conlleval.pl's rules) or strict (needs --from-scheme).
    #[arg(long, value_name = "MODE", default_value = "conlleval", value_parser = ["conlleval", "strict"])]
    pub mode: String,

    /// eval: predictions to score the (one) input against, CoNLL columns with the tag last.
    #[arg(long, value_name = "FILE")]
    pub pred: Option<PathBuf>,

    /// Timed runs of each task.
    #[arg(short = 'n', long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub repeat: u64,

    /// Untimed runs before them.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub warmup: u64,

    /// The shortest timed run, in milliseconds: a task that takes less is
    /// repeated within each run until the run lasts about this long, and
    /// its times are per pass (a run of a few microseconds cannot be timed
    /// well). 0 runs every task once a run.
    #[arg(long, value_name = "MS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub min_run: u64,

    /// Threads for convert, comma-separated (one row each); 0 is one per core. Other tasks run on one thread.
    #[arg(long, value_name = "N", value_delimiter = ',', default_value = "1")]
    pub threads: Vec<usize>,

    /// How to print the results.
    #[arg(long, value_enum, default_value_t = BenchFormat::Table)]
    pub format: BenchFormat,
}

fn parse_tokenizer(s: &str) -> Result<Tokenizer, String> {
    s.parse()
}

/// A task the input does not allow, and why.
struct Skipped {
    task: &'static str,
    reason: String,
}

/// One input and the tasks to time on it.
struct Plan {
    input: Input,
    format: Option<(Format, bool)>,
    tasks: Vec<Task>,
    skipped: Vec<Skipped>,
}

/// Runs `nerkit bench`.
pub fn run(args: &BenchArgs) -> Result<ExitCode, Error> {
    let paths = inputs_or_stdin(&args.inputs);
    let stdin_uses = paths.iter().filter(|p| p.as_os_str() == "-").count()
        + usize::from(args.pred.as_ref().is_some_and(|p| p.as_os_str() == "-"));
    if stdin_uses > 1 {
        return Err(Error::msg(
            "stdin (-) is given more than once; it can be read only once",
        ));
    }
    if args.pred.is_some() && paths.len() > 1 {
        return Err(Error::msg(
            "--pred scores one gold file: give one input with it",
        ));
    }
    let mode = match args.mode.as_str() {
        "strict" => Mode::Strict(args.from_scheme.ok_or_else(|| {
            Error::msg("--mode strict needs the scheme of the tags: add --from-scheme SCHEME")
        })?),
        _ => Mode::default(),
    };
    let mut read = ReadOptions::default().lenient(args.lenient);
    read.scheme = args.from_scheme;
    let bench = Bench::new()
        .warmup(args.warmup as usize)
        .repeat(args.repeat as usize)
        .min_run(std::time::Duration::from_millis(args.min_run))
        .read_options(read.clone());
    let pred = args
        .pred
        .as_deref()
        .map(Input::read)
        .transpose()?
        .map(Arc::new);

    let what = |w: What| args.what.contains(&w) || args.what.contains(&What::All);
    let mut plans = Vec::new();
    for path in &paths {
        plans.push(plan(args, Input::read(path)?, &read, &mode, &pred, &what)?);
    }

    let colour = io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = io::stdout().lock();
    let mut rows = Vec::new();
    for plan in &plans {
        if args.format == BenchFormat::Table {
            print_header(&mut out, args, plan, colour)?;
        }
        let width = width(plan);
        for task in &plan.tasks {
            let m = bench.run(&plan.input, task)?;
            if args.format == BenchFormat::Table {
                print_row(&mut out, &m, width, colour)?;
            }
            rows.push(m);
        }
        if args.format == BenchFormat::Table {
            for s in &plan.skipped {
                writeln!(out, "  {:<10} skipped: {}", s.task, s.reason)?;
            }
            writeln!(out)?;
        }
    }
    match args.format {
        BenchFormat::Table => writeln!(
            out,
            "Inputs held in memory, output counted and discarded: the disk is not timed.\n\
             MB/s and tokens/s at the median run; eval rows count the bytes of both files read."
        )?,
        BenchFormat::Json => {
            let v = serde_json::json!({
                "warmup": args.warmup,
                "repeat": args.repeat,
                "min_run_ms": args.min_run,
                "inputs": plans.iter().map(|p| serde_json::json!({
                    "name": p.input.name(),
                    "bytes": p.input.bytes().len(),
                    "format": p.format.map(|(f, _)| f.name()),
                    "format_detected": p.format.map(|(_, d)| d),
                    "skipped": p.skipped.iter().map(|s| serde_json::json!({
                        "task": s.task,
                        "reason": s.reason,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "rows": rows,
            });
            writeln!(out, "{v}")?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The tasks to time on `input`.
fn plan(
    args: &BenchArgs,
    input: Input,
    read: &ReadOptions,
    mode: &Mode,
    pred: &Option<Arc<Input>>,
    what: &dyn Fn(What) -> bool,
) -> Result<Plan, Error> {
    let mut tasks = Vec::new();
    let mut skipped = Vec::new();
    if input.path().is_some() {
        tasks.push(Task::ReadFile);
    }
    tasks.push(Task::Hash);
    if what(What::Tokenize) {
        let tokenizers = if args.tokenizer.is_empty() {
            vec![Tokenizer::Whitespace, Tokenizer::Unicode]
        } else {
            args.tokenizer.clone()
        };
        tasks.extend(tokenizers.into_iter().map(Task::Tokenize));
    }
    let reads = what(What::Parse) || what(What::Convert);
    let format = match args.from {
        Some(f) => Some((f, false)),
        // Only tokenizing does not need the format.
        None if reads || (what(What::Eval) && pred.is_none()) => {
            match (input.detect(read), explicit(args)) {
                (Ok(f), _) => Some((f, true)),
                (Err(e), true) => return Err(e),
                (Err(e), false) => {
                    let reason = e.to_string();
                    for task in ["parse", "convert", "eval"] {
                        skipped.push(Skipped {
                            task,
                            reason: reason.clone(),
                        });
                    }
                    None
                }
            }
        }
        None => None,
    };
    if let Some((format, _)) = format {
        let tokenizers: Vec<Option<Tokenizer>> = if tokenizes(format) && !args.tokenizer.is_empty()
        {
            args.tokenizer.iter().copied().map(Some).collect()
        } else {
            vec![None]
        };
        if what(What::Parse) {
            for &tokenizer in &tokenizers {
                tasks.push(Task::Parse { format, tokenizer });
            }
        }
        if what(What::Convert) {
            for &to in &args.to {
                let tagged = to == Format::CONLL || to == Format::JSONL;
                // A scheme changes only tagged outputs.
                let schemes = if tagged {
                    &args.scheme[..]
                } else {
                    &args.scheme[..1]
                };
                for &scheme in schemes {
                    for &tokenizer in &tokenizers {
                        for &threads in &args.threads {
                            tasks.push(Task::Convert {
                                from: format,
                                tokenizer,
                                to,
                                scheme,
                                threads,
                            });
                        }
                    }
                }
            }
        }
    }
    if what(What::Eval) {
        let layout = match pred {
            Some(p) => Some(EvalLayout::Against(Arc::clone(p))),
            None if format.is_some_and(|(f, _)| f != Format::CONLL) => None,
            None => EvalLayout::of(&input, read),
        };
        match layout {
            Some(layout) => tasks.push(Task::Eval {
                mode: mode.clone(),
                layout,
            }),
            None if args.what.contains(&What::Eval) => {
                return Err(Error::msg(format!(
                    "eval scores tags in CoNLL columns, and this input is {}: give \
                     predictions with --pred FILE, or a CoNLL file",
                    format.map_or("not CoNLL".to_owned(), |(f, _)| f.to_string())
                ))
                .with_path(input.name()))
            }
            None => {
                if format.is_some() {
                    skipped.push(Skipped {
                        task: "eval",
                        reason: "no tag columns to score (eval takes CoNLL columns, or --pred)"
                            .to_owned(),
                    });
                }
            }
        }
    }
    Ok(Plan {
        input,
        format,
        tasks,
        skipped,
    })
}

/// True when the user named a task that needs the input's format (not
/// only `all`, under which an input nerkit cannot read is still timed
/// tokenizing).
fn explicit(args: &BenchArgs) -> bool {
    args.what
        .iter()
        .any(|w| matches!(w, What::Parse | What::Convert | What::Eval))
}

fn print_header(
    out: &mut dyn Write,
    args: &BenchArgs,
    plan: &Plan,
    colour: bool,
) -> io::Result<()> {
    let format = match plan.format {
        Some((f, true)) => format!(", {f} (detected)"),
        Some((f, false)) => format!(", {f}"),
        None => String::new(),
    };
    let runs = |n: u64, what: &str| format!("{n} {what} run{}", if n == 1 { "" } else { "s" });
    let title = format!(
        "{}: {} in memory{format}; {}, {} each",
        plan.input.name().display(),
        size(plan.input.bytes().len() as u64),
        runs(args.warmup, "warm-up"),
        runs(args.repeat, "timed"),
    );
    let heading = format!(
        "  {:<10} {:<w$} {:>7} {:>10} {:>10} {:>10} {:>9} {:>10} {:>11} {:>7}",
        "task",
        "what",
        "threads",
        "median ms",
        "min ms",
        "max ms",
        "MB/s",
        "tokens/s",
        "tokens",
        "passes",
        w = width(plan),
    );
    if colour {
        writeln!(out, "\x1b[1m{title}\x1b[0m\n\x1b[1m{heading}\x1b[0m")
    } else {
        writeln!(out, "{title}\n{heading}")
    }
}

/// The width of the `what` column of a plan.
fn width(plan: &Plan) -> usize {
    plan.tasks
        .iter()
        .map(|t| t.describe().chars().count())
        .max()
        .unwrap_or(0)
        .max(4)
}

fn print_row(out: &mut dyn Write, m: &Measurement, width: usize, colour: bool) -> io::Result<()> {
    let ms = |s: f64| {
        let ms = s * 1e3;
        // Four significant digits down to a microsecond: a small file's
        // reference rows take less than one.
        if ms < 1.0 {
            format!("{ms:.4}")
        } else if ms < 10.0 {
            format!("{ms:.3}")
        } else if ms < 1000.0 {
            format!("{ms:.1}")
        } else {
            format!("{ms:.0}")
        }
    };
    let rate = |r: f64| {
        if r >= 100.0 {
            format!("{r:.0}")
        } else {
            format!("{r:.1}")
        }
    };
    let line = format!(
        "  {:<10} {:<width$} {:>7} {:>10} {:>10} {:>10} {:>9} {:>10} {:>11} {:>7}",
        m.task,
        m.what,
        m.threads,
        ms(m.seconds.median),
        ms(m.seconds.min),
        ms(m.seconds.max),
        rate(m.mb_per_s.median),
        m.tokens_per_s
            .map_or("-".to_owned(), |r| per_second(r.median)),
        m.tokens.map_or("-".to_owned(), |n| n.to_string()),
        m.passes,
    );
    if colour && m.task == "reference" {
        writeln!(out, "\x1b[2m{line}\x1b[0m")
    } else {
        writeln!(out, "{line}")
    }
}

/// A count per second, as `41.2M` or `812k`.
fn per_second(r: f64) -> String {
    if r >= 1e6 {
        format!("{:.1}M", r / 1e6)
    } else if r >= 1e3 {
        format!("{:.0}k", r / 1e3)
    } else {
        format!("{r:.0}")
    }
}

/// A size in decimal units.
fn size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} KB", b / 1e3)
    } else {
        format!("{bytes} bytes")
    }
}
