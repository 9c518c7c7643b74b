//! `nerkit convert`: read annotations, write them in another format or tag
//! scheme, and prove with counts that no entity was lost. The conversion
//! itself is the library's [`Converter`]; this module parses arguments,
//! prints the summary and decides the exit status.

use std::collections::BTreeSet;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use nerkit::bracket::writer::Style;
use nerkit::conll::Columns;
use nerkit::convert::{Converter, Input, Observer, Report, CHUNK_BYTES};
use nerkit::format::{Format, WriteOptions};
use nerkit::{Error, OffsetUnit, Repair, RepairKind, TagScheme, Tokenizer};

use super::read_args::{parse_format, parse_scheme, ReadArgs};
use super::{inputs_or_stdin, open_input, Output};

const EXAMPLES: &str = "Examples:
  nerkit convert corpora/000_8c95ef11f0516e36.txt
      the bundled cable as CoNLL IOB2 (TOKEN<TAB>TAG) on stdout
  nerkit convert --scheme iobes -o cable.conll corpora/000_8c95ef11f0516e36.txt
      IOBES tags, written atomically to cable.conll
  nerkit convert --scheme iob2 corpora/wikigold/wikigold.conll.txt
      CoNLL in IOB1 (detected) to IOB2
  nerkit convert --from conll --from-scheme iob2 --lenient --to jsonl train.conll
      CoNLL to JSON lines, repairing ill-formed IOB2 as conlleval.pl reads it
  nerkit convert --columns conll2003 --scheme bilou train.jsonl
      JSON lines to `TOKEN -X- _ TAG` lines in BILOU
  nerkit convert --from spans --overlaps longest --align expand docs.jsonl
      text with character-offset spans to CoNLL, keeping the longest of
      overlapping spans and widening spans to token edges (all counted)
  nerkit convert --to bracket --bracket-style tight train.conll
      CoNLL back to brackets: [PER Ryan C. Crocker]
  cat tagged.txt | nerkit convert --labels PER,ORG,LOC,MISC --lenient -
      read stdin, reject other labels, repair what can be repaired

The input format is detected from the start of each file when --from is not
given (a line starting with { is jsonl or spans, lines ending in tags are
conll, anything else is bracket), and so is the input tag scheme when
--from-scheme is not given (from the first MiB). The summary says what was
detected. `nerkit eval` takes the same input options.

A summary of documents, sentences, tokens and entities read, written, dropped
and repaired goes to stderr (-q silences it). Exit codes: 0 success, 1 a check
you asked for failed, 2 any error (bad input, I/O, or entities read and written
differ without an option that asked for it).";

/// How to print the summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    /// Lines for a person.
    Text,
    /// One JSON object.
    Json,
}

/// Arguments of `nerkit convert`.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct ConvertArgs {
    /// Input files; none or `-` reads stdin. Each file is one document.
    #[arg(value_name = "FILE")]
    pub inputs: Vec<PathBuf>,

    /// Output format: conll, jsonl, spans, bracket, label-studio (tasks with predictions to import), doccano or prodigy.
    #[arg(long, value_name = "FORMAT", default_value = "conll", value_parser = parse_format)]
    pub to: Format,

    /// Tag scheme of the output: io, iob1, iob2 (bio), ioe1, ioe2, iobes (bioes), bilou (biluo).
    #[arg(long, default_value = "iob2", value_parser = parse_scheme)]
    pub scheme: TagScheme,

    /// CoNLL output columns: two (TOKEN<TAB>TAG) or conll2003 (TOKEN -X- _ TAG).
    #[arg(long, default_value = "two", value_parser = parse_columns)]
    pub columns: Columns,

    /// Write `-DOCSTART- -X- -X- O` and a blank line before each document (CoNLL-2003 style).
    #[arg(long)]
    pub docstart: bool,

    /// Unit of offsets: bytes, chars (code points) or utf16. Default: chars for spans and annotation-tool input and output (utf16 for Label Studio exports made before 2022), bytes otherwise.
    #[arg(long, value_parser = parse_offsets)]
    pub offsets: Option<OffsetUnit>,

    /// Bracket output: two-space (`[PER Ryan C. Crocker  ]`, the Illinois tagger's) or tight (`[PER Ryan C. Crocker]`).
    #[arg(long, default_value = "two-space", value_parser = parse_style)]
    pub bracket_style: Style,

    /// Write to FILE (atomically: nothing is left behind on error or interrupt; a symlink is followed, the mode kept or set by the umask) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Replace the --output file even when it is read-only.
    #[arg(long)]
    pub force: bool,

    /// Print no summary (errors and warnings still go to stderr).
    #[arg(short, long)]
    pub quiet: bool,

    /// Threads for bracket and CoNLL input (cut at line ends or blank lines, output in input order); default and most: one per core, and no more than the input has chunks of about 1 MB.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Size in bytes of the pieces one input is cut into for --threads.
    #[arg(long, value_name = "BYTES", default_value_t = CHUNK_BYTES, hide = true)]
    pub chunk_size: usize,

    /// Format of the summary on stderr.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub summary: SummaryFormat,

    /// How inputs are read.
    #[command(flatten)]
    pub read: ReadArgs,
}

fn parse_offsets(s: &str) -> Result<OffsetUnit, String> {
    s.parse()
}
fn parse_columns(s: &str) -> Result<Columns, String> {
    s.parse()
}
fn parse_style(s: &str) -> Result<Style, String> {
    s.parse()
}

fn describe(set: &BTreeSet<(String, bool)>) -> String {
    let v: Vec<String> = set
        .iter()
        .map(|(name, detected)| {
            if *detected {
                format!("{name} (detected)")
            } else {
                name.clone()
            }
        })
        .collect();
    v.join(" + ")
}

/// Prints repairs as warnings and shows progress on a terminal.
struct Messages {
    progress: Option<super::Progress<()>>,
}

impl Observer for Messages {
    fn repair(&mut self, input: &Path, r: &Repair) {
        let message = r.message_with(&super::hints::flag_text);
        super::warn(&format!("{}:{}: {message}", input.display(), r.pos));
    }

    fn progress(&mut self, input: &Path, done: u64, total: u64) {
        if !io::stderr().is_terminal() {
            return;
        }
        let p = self.progress.get_or_insert_with(|| {
            super::Progress::standalone(input.display().to_string(), Some(total))
        });
        p.set(done);
    }
}

/// Runs `nerkit convert`.
pub fn run(args: &ConvertArgs) -> Result<ExitCode, Error> {
    let paths = inputs_or_stdin(&args.inputs);
    if paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(Error::msg(
            "stdin (-) is given more than once; it can be read only once",
        ));
    }
    let mut output = Output::create(args.output.as_deref(), args.force)?;
    let mut read = args.read.options();
    read.offsets = args.offsets;
    let mut write = WriteOptions::default()
        .scheme(args.scheme)
        .docstart(args.docstart)
        .columns(args.columns)
        .bracket_style(args.bracket_style);
    write.offsets = args.offsets;
    let mut converter = Converter::new()
        .read_options(read)
        .to(args.to)
        .write_options(write)
        .threads(args.threads.unwrap_or(0))
        .chunk_size(args.chunk_size);
    if let Some(from) = args.read.from {
        converter = converter.from(from);
    }
    let inputs = paths.into_iter().map(later_input).collect();
    let mut report = Report::default();
    let mut messages = Messages { progress: None };
    let converted = converter.convert(inputs, &mut output, &mut report, &mut messages);
    drop(messages);
    // A reader of stdout that has gone (`| head`) ends the run quietly. When
    // it goes only at the last flush, every input has been read, so the
    // entity check below still decides the exit status.
    let broken_pipe = match converted {
        Err(e) if e.is_broken_pipe() && report.complete => true,
        other => {
            other?;
            false
        }
    };

    if !args.quiet {
        print_summary(args, &report);
    }
    let total = &report.summary;
    if !total.entities_match() {
        let tagged = args.to == Format::CONLL || args.to == Format::JSONL;
        return Err(Error::msg(format!(
            "entities read and written differ: read {}, written {}{}; {}",
            total.read,
            total.written,
            if args.scheme == TagScheme::Io && tagged {
                " (the io scheme merges adjacent entities of the same type)"
            } else {
                ""
            },
            if output.is_file() {
                "no output file was written"
            } else {
                "the output already written to stdout lost entities"
            }
        )));
    }
    if broken_pipe {
        return Ok(ExitCode::SUCCESS);
    }
    output.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// An input opened when the conversion gets to it.
fn later_input(path: PathBuf) -> Input {
    let len = (path.as_os_str() != "-")
        .then(|| std::fs::metadata(&path).ok())
        .flatten()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    let name = if path.as_os_str() == "-" {
        PathBuf::from("<stdin>")
    } else {
        path.clone()
    };
    Input::later(name, len, move || open_input(&path))
}

fn print_summary(args: &ConvertArgs, inputs: &Report) {
    let s = &inputs.summary;
    let threads = inputs.threads;
    let mut err = io::stderr().lock();
    let to = args.to.name();
    let tagged = args.to == Format::CONLL || args.to == Format::JSONL;
    let dropped: Vec<(RepairKind, u64)> = s.repairs.iter().filter(|(k, _)| k.is_drop()).collect();
    let repaired: Vec<(RepairKind, u64)> = s.repairs.iter().filter(|(k, _)| !k.is_drop()).collect();
    let dropped_total: u64 = dropped.iter().map(|(_, n)| n).sum();
    let repaired_total: u64 = repaired.iter().map(|(_, n)| n).sum();
    match args.summary {
        SummaryFormat::Json => {
            let counts = |c: &nerkit::convert::LabelCounts| {
                serde_json::Value::Object(
                    c.iter()
                        .map(|(l, n)| (l.to_string(), serde_json::Value::from(n)))
                        .collect(),
                )
            };
            let kinds = |v: &[(RepairKind, u64)]| {
                serde_json::Value::Object(
                    v.iter()
                        .map(|(k, n)| (k.name().to_string(), serde_json::Value::from(*n)))
                        .collect(),
                )
            };
            let names = |set: &BTreeSet<(String, bool)>| {
                set.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>()
            };
            let v = serde_json::json!({
                "from": names(&inputs.formats).join("+"),
                "from_detected": inputs.formats.iter().any(|(_, d)| *d),
                "from_scheme": names(&inputs.schemes).join("+"),
                "from_scheme_detected": inputs.schemes.iter().any(|(_, d)| *d),
                "to": to,
                "scheme": args.scheme.to_string(),
                "threads": threads,
                "html_stripped": inputs.html_stripped,
                "documents": s.documents,
                "sentences": s.sentences,
                "tokens": s.tokens,
                "spans_in_input": inputs.spans,
                "entities_read": s.read.total(),
                "entities_written": s.written.total(),
                "entities_dropped": dropped_total,
                "read": counts(&s.read),
                "written": counts(&s.written),
                "dropped": kinds(&dropped),
                "repairs": kinds(&repaired),
            });
            let _ = writeln!(err, "{v}");
        }
        SummaryFormat::Text => {
            let mut from = describe(&inputs.formats);
            if !inputs.schemes.is_empty() {
                from.push(' ');
                from.push_str(&describe(&inputs.schemes));
            }
            let mut notes = Vec::new();
            // Formats of text that nerkit tokenizes.
            let text = |f: &str| matches!(f, "spans" | "label-studio" | "doccano" | "prodigy");
            if inputs
                .formats
                .iter()
                .any(|(f, _)| f == "bracket" || text(f))
            {
                let default = if inputs.formats.iter().any(|(f, _)| text(f)) {
                    Tokenizer::Unicode
                } else {
                    Tokenizer::Whitespace
                };
                notes.push(format!(
                    "{} tokenizer",
                    args.read.tokenizer.unwrap_or(default)
                ));
            }
            if inputs.html_stripped {
                notes.push("HTML stripped".to_string());
            }
            let _ = writeln!(
                err,
                "nerkit convert: {from} -> {to}{}{}: {} document{}, {} sentence{}, {} token{}",
                if tagged {
                    format!(" {}", args.scheme)
                } else {
                    String::new()
                },
                if notes.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", notes.join(", "))
                },
                s.documents,
                if s.documents == 1 { "" } else { "s" },
                s.sentences,
                if s.sentences == 1 { "" } else { "s" },
                s.tokens,
                if s.tokens == 1 { "" } else { "s" },
            );
            if let Some(n) = inputs.spans {
                let _ = writeln!(err, "  spans in input:   {n}");
            }
            let _ = writeln!(err, "  entities read:    {}", s.read);
            let _ = writeln!(err, "  entities written: {}", s.written);
            // Under "spans dropped" a drop is named by its reason alone.
            let list = |v: &[(RepairKind, u64)]| {
                v.iter()
                    .map(|(k, n)| match k {
                        RepairKind::Dropped(reason) => format!("{reason} {n}"),
                        k => format!("{k} {n}"),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if dropped_total > 0 {
                let _ = writeln!(
                    err,
                    "  spans dropped:    {dropped_total} ({})",
                    list(&dropped)
                );
            }
            if repaired_total > 0 {
                let _ = writeln!(err, "  repairs: {repaired_total} ({})", list(&repaired));
            }
        }
    }
}
