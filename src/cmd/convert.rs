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
use nerkit::{Error, OffsetUnit, Repair, RepairKind, TagScheme, TagStyle, Tokenizer};

use super::read_args::{
    parse_format, parse_label_names, parse_scheme, parse_tag_style, LabelNames, ReadArgs,
};
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
  nerkit convert --scheme io --allow-merged-entities train.txt
      IO tags, where [PER Ann ] [PER Bo ] reads back as one entity: the
      summary counts the entities merged rather than failing
  nerkit convert --from spans --overlaps longest --align expand docs.jsonl
      text with character-offset spans to CoNLL, keeping the longest of
      overlapping spans and widening spans to token edges (all counted)
  nerkit convert --to bracket --bracket-style tight train.conll
      CoNLL back to brackets: [PER Ryan C. Crocker]
  cat tagged.txt | nerkit convert --labels PER,ORG,LOC,MISC --lenient -
      read stdin, reject other labels, repair what can be repaired
  nerkit convert --annotation last project.json -o train.conll
      a Label Studio export (detected) to CoNLL, the last annotation of each task
  nerkit convert --to spacy -o train.spacy train.conll
      CoNLL to spaCy's training files (spacy train --paths.train train.spacy)
  nerkit convert --to label-studio -o preds.json predicted.conll
      model output as Label Studio tasks with predictions, to import
  nerkit convert --labels person,creative-work,location wnut.txt
      bracket text with WNUT-17's lowercase labels: [person emma  ]

The input format is detected from the start of each file when --from is not
given: JSON is read by its keys (jsonl, spans, doccano, prodigy, label-studio),
columns with tags of any style (B-PER, PER-B, B, location-GPE) are conll or
conllu, a zlib stream is spacy, other text is bracket; an input nerkit cannot
tell is refused with what it saw and the --from to give. So is the input tag
scheme when --from-scheme is not given (from the first MiB). The summary says
what was detected. `nerkit eval` takes the same input options.

A summary of documents, sentences, tokens and entities read, written, dropped
and repaired goes to stderr (-q silences it and the warnings). Exit codes: 0
success, 1 a check you asked for failed, 2 any error (bad input, I/O, or
entities read and written differ without an option that asked for it, such
as --allow-merged-entities).";

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

    /// Output format: conll, jsonl, spans, bracket, spacy (a .spacy DocBin for spacy train; needs -o or a redirect), label-studio (tasks with predictions to import), doccano or prodigy.
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

    /// How conll or jsonl output tags spell prefix and type: prefix (B-PER), suffix (PER-B), none (PER: IO tags, needs --scheme io) or bare (B, I, O: entities without a type only).
    #[arg(long, value_name = "STYLE", default_value = "prefix", value_parser = parse_tag_style)]
    pub to_tag_style: TagStyle,

    /// With --scheme io: accept that entities of one type that touch (`[PER Ann ] [PER Bo ]`) are written as one, since IO tags cannot tell them apart; the summary counts the entities merged. Without it such a conversion fails, as any that loses entities.
    #[arg(long)]
    pub allow_merged_entities: bool,

    /// CoNLL to CoNLL: keep the input's columns other than the token and the tag (CoNLL-2003 POS and chunk tags) between token and tag; a token without such columns is written as --columns says.
    #[arg(long)]
    pub keep_columns: bool,

    /// jsonl output: write `ner_tags` as class numbers into these names (comma-separated or a file, as --label-names takes them), as datasets stores a ClassLabel.
    #[arg(long, value_name = "NAMES|FILE", value_parser = parse_label_names)]
    pub to_label_names: Option<LabelNames>,

    /// With --to-label-names: also write the class names to FILE, one a line (a ClassLabel names_file for a training script).
    #[arg(long, value_name = "FILE", requires = "to_label_names")]
    pub write_label_names: Option<PathBuf>,

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

    /// Print no summary and no warnings (errors still go to stderr); with --summary json the JSON summary, which counts every repair, is still printed.
    #[arg(short, long)]
    pub quiet: bool,

    /// Print at most N warnings (repairs, dropped spans), then how many more there were; 0 prints all.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub max_warnings: u64,

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

/// Prints repairs as warnings, at most `max` of them (0: all), and shows
/// progress on a terminal.
struct Messages {
    progress: Option<super::Progress<()>>,
    quiet: bool,
    max: u64,
    /// Warnings printed and left out.
    shown: u64,
    held_back: u64,
}

impl Messages {
    /// Says how many warnings were left out, if any.
    fn finish(&self) {
        if self.held_back > 0 {
            super::warn(&format!(
                "... and {} more like these ({} in all; --max-warnings 0 prints every one)",
                self.held_back,
                self.shown + self.held_back
            ));
        }
    }
}

impl Observer for Messages {
    fn repair(&mut self, input: &Path, r: &Repair) {
        if self.quiet {
            return;
        }
        if self.max > 0 && self.shown >= self.max {
            self.held_back += 1;
            return;
        }
        self.shown += 1;
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
    if let Some(only) = args.to_tag_style.only_scheme() {
        if args.scheme != only {
            return Err(Error::msg(format!(
                "--to-tag-style {} writes {only} tags (the type alone); add --scheme {only}",
                args.to_tag_style
            )));
        }
    }
    if args.to == Format::SPACY && args.output.is_none() && io::stdout().is_terminal() {
        return Err(Error::msg(
            "--to spacy writes a binary file: give it with -o FILE.spacy (or redirect stdout)",
        ));
    }
    let mut output = Output::create(args.output.as_deref(), args.force)?;
    let mut read = args.read.options()?;
    read.offsets = args.offsets;
    read.keep_columns = args.keep_columns;
    let mut write = WriteOptions::default()
        .scheme(args.scheme)
        .docstart(args.docstart)
        .columns(args.columns)
        .bracket_style(args.bracket_style);
    write.offsets = args.offsets;
    write.tag_style = args.to_tag_style;
    write.keep_columns = args.keep_columns;
    write.label_names = args.to_label_names.as_ref().map(|n| n.0.clone());
    let mut converter = Converter::new()
        .read_options(read)
        .to(args.to)
        .write_options(write)
        .threads(args.threads.unwrap_or(0))
        // For tests and benchmarks that must run the threads they name on
        // a busy machine (README, "Threads").
        .load_aware(std::env::var_os("NERKIT_IGNORE_LOAD").is_none())
        .chunk_size(args.chunk_size);
    if let Some(from) = args.read.from {
        converter = converter.from(from);
    }
    let inputs = paths.into_iter().map(later_input).collect();
    let mut report = Report::default();
    let mut messages = Messages {
        progress: None,
        quiet: args.quiet,
        max: args.max_warnings,
        shown: 0,
        held_back: 0,
    };
    let converted = converter.convert(inputs, &mut output, &mut report, &mut messages);
    // The progress bar goes before the count of warnings left out.
    messages.progress = None;
    messages.finish();
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

    // Quiet leaves the JSON summary, asked for by name, for scripts.
    if !args.quiet || args.summary == SummaryFormat::Json {
        print_summary(args, &report);
    }
    let total = &report.summary;
    let merged = merged_entities(args, total);
    let accepted = args.allow_merged_entities && merged.is_some();
    if !total.entities_match() && !accepted {
        return Err(Error::msg(format!(
            "entities read and written differ: read {}, written {}{}; {}",
            total.read,
            total.written,
            match &merged {
                Some(merged) => format!(
                    " (the io scheme merges adjacent entities of the same type: {} merged; \
                     --allow-merged-entities accepts that)",
                    merged.total()
                ),
                None => String::new(),
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
    if let (Some(path), Some(names)) = (&args.write_label_names, &args.to_label_names) {
        let mut text = names.0.join("\n");
        text.push('\n');
        std::fs::write(path, text).map_err(|e| Error::msg(format!("{}: {e}", path.display())))?;
    }
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

/// The entities merged into the one before them, by label, when the output
/// is IO tags, which write two entities of one type that touch as one: the
/// entities read less those written (counted from what the tags written
/// hold), where no label has more written than read; else `None`.
fn merged_entities(
    args: &ConvertArgs,
    summary: &nerkit::convert::Summary,
) -> Option<nerkit::convert::LabelCounts> {
    let tagged = args.to == Format::CONLL || args.to == Format::JSONL;
    if !tagged || args.scheme != TagScheme::Io {
        return None;
    }
    let mut merged = nerkit::convert::LabelCounts::new();
    for (label, written) in summary.written.iter() {
        if written > summary.read.get(label) {
            return None;
        }
    }
    for (label, read) in summary.read.iter() {
        let written = summary.written.get(label);
        if read > written {
            merged.add(label, read - written);
        }
    }
    Some(merged)
}

fn print_summary(args: &ConvertArgs, inputs: &Report) {
    let s = &inputs.summary;
    let merged = merged_entities(args, s).unwrap_or_default();
    let threads = inputs.threads;
    let mut err = io::stderr().lock();
    let to = args.to.name();
    let tagged = args.to == Format::CONLL || args.to == Format::JSONL;
    let dropped: Vec<(RepairKind, u64)> = s.repairs.iter().filter(|(k, _)| k.is_drop()).collect();
    let repaired: Vec<(RepairKind, u64)> = s.repairs.iter().filter(|(k, _)| !k.is_drop()).collect();
    let dropped_total: u64 = dropped.iter().map(|(_, n)| n).sum();
    let repaired_total: u64 = repaired.iter().map(|(_, n)| n).sum();
    // Bracket output with labels outside the default pattern reads back
    // only with those labels named.
    let read_back: Vec<&str> = if args.to == Format::BRACKET {
        s.written
            .iter()
            .map(|(l, _)| l)
            .filter(|l| !nerkit::bracket::is_default_label(l))
            .collect()
    } else {
        Vec::new()
    };
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
                "threads_limited": inputs.threads_limited.map(|l| l.to_string()),
                "html_stripped": inputs.html_stripped,
                "from_tag_style": names(&inputs.tag_styles).join("+"),
                "score_column_ignored": inputs.score_column,
                "conllu_lines_skipped": inputs.skipped_lines,
                "documents": s.documents,
                "sentences": s.sentences,
                "tokens": s.tokens,
                "spans_in_input": inputs.spans,
                "entities_read": s.read.total(),
                "entities_written": s.written.total(),
                "entities_dropped": dropped_total,
                "entities_merged": merged.total(),
                "read": counts(&s.read),
                "written": counts(&s.written),
                "merged": counts(&merged),
                "dropped": kinds(&dropped),
                "repairs": kinds(&repaired),
                "labels_to_read_back": (!read_back.is_empty()).then(|| read_back.join(",")),
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
            if inputs.tag_styles.iter().any(|(s, _)| s != "prefix") {
                notes.push(format!("tag style {}", describe(&inputs.tag_styles)));
            }
            if inputs.score_column {
                notes.push("a number after each tag passed over".to_string());
            }
            if inputs.skipped_lines > 0 {
                notes.push(format!(
                    "{} CoNLL-U multiword/empty-node lines skipped",
                    inputs.skipped_lines
                ));
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
            // A note only for threads the user asked for and did not get.
            if let (Some(asked), Some(why)) = (args.threads, inputs.threads_limited) {
                if asked > threads {
                    let _ = writeln!(
                        err,
                        "  threads:          {threads} of the {asked} asked for ({why})"
                    );
                }
            }
            if let Some(n) = inputs.spans {
                let _ = writeln!(err, "  spans in input:   {n}");
            }
            let _ = writeln!(err, "  entities read:    {}", s.read);
            let _ = writeln!(err, "  entities written: {}", s.written);
            if merged.total() > 0 {
                let _ = writeln!(
                    err,
                    "  entities merged:  {merged}: adjacent entities of one type, one in io tags"
                );
            }
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
            if !read_back.is_empty() {
                let mut all: Vec<&str> = s.written.iter().map(|(l, _)| l).collect();
                all.dedup();
                let _ = writeln!(
                    err,
                    "  read it back with: --labels {} (labels outside [A-Z][A-Z0-9_-]*)",
                    all.join(",")
                );
            }
        }
    }
}
