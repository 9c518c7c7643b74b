//! `nerkit convert`: read annotations, write them in another format or tag
//! scheme, and prove with counts that no entity was lost.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use nerkit::bracket::{self, SentenceMode};
use nerkit::convert::{copy_sentences, SentenceReader, SentenceWriter, Summary};
use nerkit::html::HtmlMode;
use nerkit::{conll, jsonl, Error, OffsetUnit, TagScheme, Tokenizer};

use super::{inputs_or_stdin, open_input, Output};

const EXAMPLES: &str = "Examples:
  nerkit convert corpora/000_8c95ef11f0516e36.txt
      the bundled cable as CoNLL IOB2 (TOKEN<TAB>TAG) on stdout
  nerkit convert --scheme iobes -o cable.conll corpora/000_8c95ef11f0516e36.txt
      IOBES tags, written atomically to cable.conll
  nerkit convert --to jsonl --offsets chars tagged.txt
      one JSON object per sentence with tokens, tags and code-point offsets
  cat tagged.txt | nerkit convert --labels PER,ORG,LOC,MISC --lenient -
      read stdin, reject other labels, repair what can be repaired

A summary of documents, sentences, tokens and entities read and written goes to
stderr (-q silences it). Exit codes: 0 success, 1 a check you asked for failed,
2 any error (bad input, I/O, or entities read and written differ).";

/// Input formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FromFormat {
    /// Inline brackets as taggers print them: `[PER Ryan C. Crocker  ]`.
    Bracket,
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ToFormat {
    /// `TOKEN<TAB>TAG` per line, a blank line after each sentence.
    Conll,
    /// One JSON object per sentence: tokens, tags and offsets.
    Jsonl,
}

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

    /// Input format.
    #[arg(long, value_enum, default_value_t = FromFormat::Bracket)]
    pub from: FromFormat,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ToFormat::Conll)]
    pub to: ToFormat,

    /// Tag scheme of the output: io, iob1, iob2 (bio), ioe1, ioe2, iobes (bioes), bilou (biluo).
    #[arg(long, default_value = "iob2", value_parser = parse_scheme)]
    pub scheme: TagScheme,

    /// How text is split into tokens: whitespace (keeps the tagger's tokens) or unicode (UAX #29 words and punctuation).
    #[arg(long, default_value = "whitespace", value_parser = parse_tokenizer)]
    pub tokenizer: Tokenizer,

    /// Sentence boundaries: line (each non-blank line), auto (also after a final . ? ! token outside entities), none (one sequence per file).
    #[arg(long, default_value = "line", value_parser = parse_sentences)]
    pub sentences: SentenceMode,

    /// Write `-DOCSTART- -X- -X- O` and a blank line before each document (CoNLL-2003 style).
    #[arg(long)]
    pub docstart: bool,

    /// Unit of the offsets in JSON lines output: bytes, chars (code points) or utf16.
    #[arg(long, default_value = "bytes", value_parser = parse_offsets)]
    pub offsets: OffsetUnit,

    /// HTML in the input: auto (strip when the input starts with markup), strip, or keep (markup becomes tokens).
    #[arg(long, default_value = "auto", value_parser = parse_html)]
    pub html: HtmlMode,

    /// Allowed entity labels, comma-separated (e.g. PER,ORG,LOC,MISC); another label is an error.
    #[arg(long, value_delimiter = ',', value_name = "LABELS")]
    pub labels: Option<Vec<String>>,

    /// Repair malformed input instead of failing; every repair is printed and counted.
    #[arg(long)]
    pub lenient: bool,

    /// Write to FILE (atomically: nothing is left behind on error) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print no summary (errors and warnings still go to stderr).
    #[arg(short, long)]
    pub quiet: bool,

    /// Format of the summary on stderr.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub summary: SummaryFormat,
}

fn parse_scheme(s: &str) -> Result<TagScheme, String> {
    s.parse()
}
fn parse_tokenizer(s: &str) -> Result<Tokenizer, String> {
    s.parse()
}
fn parse_sentences(s: &str) -> Result<SentenceMode, String> {
    s.parse()
}
fn parse_offsets(s: &str) -> Result<OffsetUnit, String> {
    s.parse()
}
fn parse_html(s: &str) -> Result<HtmlMode, String> {
    s.parse()
}

/// Runs `nerkit convert`.
pub fn run(args: &ConvertArgs) -> Result<ExitCode, Error> {
    let mut output = Output::create(args.output.as_deref())?;
    let mut writer: Box<dyn SentenceWriter + '_> = match args.to {
        ToFormat::Conll => {
            Box::new(conll::Writer::new(&mut output, args.scheme).with_docstart(args.docstart))
        }
        ToFormat::Jsonl => Box::new(jsonl::Writer::new(&mut output, args.scheme)),
    };
    let mut total = Summary::default();
    let mut html_stripped = false;
    for path in inputs_or_stdin(&args.inputs) {
        let input = open_input(&path)?;
        let name = input.name.clone();
        let opts = bracket::Options {
            tokenizer: args.tokenizer,
            labels: args.labels.clone(),
            lenient: args.lenient,
            offsets: args.offsets,
            html: args.html,
            sentences: args.sentences,
        };
        let mut reader = bracket::Reader::new(input.reader, opts);
        let mut summary = Summary::default();
        let mut on_repair = |r: &nerkit::Repair| {
            super::warn(&format!("{}:{}: {}", name.display(), r.pos, r.message));
        };
        let result = copy_sentences(
            &mut reader as &mut dyn SentenceReader,
            writer.as_mut(),
            &mut summary,
            &mut on_repair,
        );
        html_stripped |= reader.strips_html() == Some(true);
        result.map_err(|e| e.with_path(&name))?;
        total.merge(&summary);
    }
    writer.finish()?;
    drop(writer);

    if !args.quiet {
        print_summary(args, &total, html_stripped);
    }
    if !total.entities_match() {
        return Err(Error::msg(format!(
            "entities read and written differ: read {}, written {}{}; no output file was written",
            total.read,
            total.written,
            if args.scheme == TagScheme::Io {
                " (the io scheme merges adjacent entities of the same type)"
            } else {
                ""
            }
        )));
    }
    output.finish()?;
    Ok(ExitCode::SUCCESS)
}

fn print_summary(args: &ConvertArgs, s: &Summary, html_stripped: bool) {
    let mut err = io::stderr().lock();
    match args.summary {
        SummaryFormat::Json => {
            let counts = |c: &nerkit::convert::LabelCounts| {
                serde_json::Value::Object(
                    c.iter()
                        .map(|(l, n)| (l.to_string(), serde_json::Value::from(n)))
                        .collect(),
                )
            };
            let repairs: serde_json::Map<String, serde_json::Value> = s
                .repairs
                .iter()
                .map(|(k, n)| (k.to_string(), n.into()))
                .collect();
            let v = serde_json::json!({
                "from": "bracket",
                "to": format!("{:?}", args.to).to_lowercase(),
                "scheme": args.scheme.to_string(),
                "html_stripped": html_stripped,
                "documents": s.documents,
                "sentences": s.sentences,
                "tokens": s.tokens,
                "entities_read": s.read.total(),
                "entities_written": s.written.total(),
                "read": counts(&s.read),
                "written": counts(&s.written),
                "repairs": repairs,
            });
            let _ = writeln!(err, "{v}");
        }
        SummaryFormat::Text => {
            let _ = writeln!(
                err,
                "nerkit convert: bracket -> {} {} ({} tokenizer{}): {} document{}, {} sentences, {} tokens",
                format!("{:?}", args.to).to_lowercase(),
                args.scheme,
                args.tokenizer,
                if html_stripped { ", HTML stripped" } else { "" },
                s.documents,
                if s.documents == 1 { "" } else { "s" },
                s.sentences,
                s.tokens,
            );
            let _ = writeln!(err, "  entities read:    {}", s.read);
            let _ = writeln!(err, "  entities written: {}", s.written);
            if s.repairs.total() > 0 {
                let kinds: Vec<String> =
                    s.repairs.iter().map(|(k, n)| format!("{k} {n}")).collect();
                let _ = writeln!(
                    err,
                    "  repairs: {} ({})",
                    s.repairs.total(),
                    kinds.join(", ")
                );
            }
        }
    }
}
