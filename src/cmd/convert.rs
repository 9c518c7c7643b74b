//! `nerkit convert`: read annotations, write them in another format or tag
//! scheme, and prove with counts that no entity was lost.

use std::collections::BTreeSet;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};

use nerkit::bracket::writer::Style;
use nerkit::bracket::{self, SentenceMode};
use nerkit::conll::{Columns, Delimiter};
use nerkit::convert::{copy_sentences, SentenceReader, SentenceWriter, Summary};
use nerkit::detect::{detect, Format};
use nerkit::html::HtmlMode;
use nerkit::spans::{Align, Overlaps};
use nerkit::{conll, jsonl, spans, Error, OffsetUnit, Repair, Sentence, TagScheme, Tokenizer};

use nerkit::parallel::{
    self, BufferPool, ChunkOutput, ChunkStart, Chunker, Cut, Pipeline, Pooled, Redo, Stretch,
    CHUNK_BYTES,
};
use nerkit::span::Position;

use super::{inputs_or_stdin, open_input, Input, Output};

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
detected.

A summary of documents, sentences, tokens and entities read, written, dropped
and repaired goes to stderr (-q silences it). Exit codes: 0 success, 1 a check
you asked for failed, 2 any error (bad input, I/O, or entities read and written
differ without an option that asked for it).";

/// Input formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FromFormat {
    /// Inline brackets as taggers print them: `[PER Ryan C. Crocker  ]`.
    Bracket,
    /// One token per line, the tag in the last column, blank lines between sentences.
    Conll,
    /// One JSON object per sentence: `{"tokens": [...], "tags": [...]}`.
    Jsonl,
    /// One JSON object per document: `{"text": "...", "entities": [{"start": S, "end": E, "label": L}]}`.
    Spans,
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ToFormat {
    /// `TOKEN<TAB>TAG` per line, a blank line after each sentence.
    Conll,
    /// One JSON object per sentence: tokens, tags and offsets.
    Jsonl,
    /// One JSON object per sentence: text rebuilt from the tokens, and entity offsets in it.
    Spans,
    /// Inline brackets, one sentence per line.
    Bracket,
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

    /// Input format; detected from the start of each input when not given.
    #[arg(long, value_enum)]
    pub from: Option<FromFormat>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ToFormat::Conll)]
    pub to: ToFormat,

    /// Tag scheme of the output: io, iob1, iob2 (bio), ioe1, ioe2, iobes (bioes), bilou (biluo).
    #[arg(long, default_value = "iob2", value_parser = parse_scheme)]
    pub scheme: TagScheme,

    /// Tag scheme of conll or jsonl input; detected from the first MiB when not given.
    #[arg(long, value_parser = parse_scheme, value_name = "SCHEME")]
    pub from_scheme: Option<TagScheme>,

    /// CoNLL input columns are split on: whitespace (tabs or runs of spaces), tab, space, or one character.
    #[arg(long, default_value = "whitespace", value_parser = parse_delimiter)]
    pub delimiter: Delimiter,

    /// CoNLL input column holding the tag, from 1 (default: the last).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2..))]
    pub tag_column: Option<u64>,

    /// Skip CoNLL input lines starting with `#` (CoNLL-U comments); off by default since `#` is also a token.
    #[arg(long)]
    pub comments: bool,

    /// CoNLL output columns: two (TOKEN<TAB>TAG) or conll2003 (TOKEN -X- _ TAG).
    #[arg(long, default_value = "two", value_parser = parse_columns)]
    pub columns: Columns,

    /// How text is split into tokens: whitespace (keeps the tagger's tokens) or unicode (UAX #29 words and punctuation). Default: whitespace for bracket input, unicode for spans input.
    #[arg(long, value_parser = parse_tokenizer)]
    pub tokenizer: Option<Tokenizer>,

    /// Sentence boundaries of bracket input: line (each non-blank line), auto (also after a final . ? ! token outside entities), none (one sequence per file).
    #[arg(long, default_value = "line", value_parser = parse_sentences)]
    pub sentences: SentenceMode,

    /// Write `-DOCSTART- -X- -X- O` and a blank line before each document (CoNLL-2003 style).
    #[arg(long)]
    pub docstart: bool,

    /// Unit of offsets: bytes, chars (code points) or utf16. Default: chars for spans input and output, bytes otherwise.
    #[arg(long, value_parser = parse_offsets)]
    pub offsets: Option<OffsetUnit>,

    /// Spans input: a span edge inside a token is an error (strict), or moves to the nearest token edge inward (contract) or outward (expand); each move is counted.
    #[arg(long, default_value = "strict", value_parser = parse_align)]
    pub align: Align,

    /// Spans input: overlapping spans are an error, or the longest (longest) or earliest (first) is kept and the others dropped and counted.
    #[arg(long, default_value = "error", value_parser = parse_overlaps)]
    pub overlaps: Overlaps,

    /// Bracket output: two-space (`[PER Ryan C. Crocker  ]`, the Illinois tagger's) or tight (`[PER Ryan C. Crocker]`).
    #[arg(long, default_value = "two-space", value_parser = parse_style)]
    pub bracket_style: Style,

    /// HTML in bracket input: auto (strip when the input starts with markup), strip, or keep (markup becomes tokens).
    #[arg(long, default_value = "auto", value_parser = parse_html)]
    pub html: HtmlMode,

    /// Allowed entity labels of bracket input, comma-separated (e.g. PER,ORG,LOC,MISC); another label is an error.
    #[arg(long, value_delimiter = ',', value_name = "LABELS")]
    pub labels: Option<Vec<String>>,

    /// Repair malformed input (bracket errors, ill-formed tag sequences) instead of failing; every repair is printed and counted.
    #[arg(long)]
    pub lenient: bool,

    /// Write to FILE (atomically: nothing is left behind on error) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

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
fn parse_delimiter(s: &str) -> Result<Delimiter, String> {
    s.parse()
}
fn parse_columns(s: &str) -> Result<Columns, String> {
    s.parse()
}
fn parse_align(s: &str) -> Result<Align, String> {
    s.parse()
}
fn parse_overlaps(s: &str) -> Result<Overlaps, String> {
    s.parse()
}
fn parse_style(s: &str) -> Result<Style, String> {
    s.parse()
}

/// A reader of any format, keeping what the summary reports about it.
enum AnyReader {
    Bracket(bracket::Reader<Box<dyn BufRead>>),
    Conll(conll::Reader<Box<dyn BufRead>>),
    Jsonl(jsonl::Reader<Box<dyn BufRead>>),
    Spans(spans::Reader<Box<dyn BufRead>>),
}

impl SentenceReader for AnyReader {
    fn read_sentence(&mut self, sentence: &mut Sentence) -> Result<bool, Error> {
        match self {
            AnyReader::Bracket(r) => r.read_sentence(sentence),
            AnyReader::Conll(r) => r.read_sentence(sentence),
            AnyReader::Jsonl(r) => r.read_sentence(sentence),
            AnyReader::Spans(r) => r.read_sentence(sentence),
        }
    }

    fn drain_repairs(&mut self, sink: &mut dyn FnMut(Repair)) {
        match self {
            AnyReader::Bracket(r) => SentenceReader::drain_repairs(r, sink),
            AnyReader::Conll(r) => SentenceReader::drain_repairs(r, sink),
            AnyReader::Jsonl(r) => SentenceReader::drain_repairs(r, sink),
            AnyReader::Spans(r) => SentenceReader::drain_repairs(r, sink),
        }
    }
}

/// What the summary says about the inputs.
#[derive(Default)]
struct Inputs {
    /// Input formats, each with whether it was detected.
    formats: BTreeSet<(String, bool)>,
    /// Input tag schemes, each with whether it was detected.
    schemes: BTreeSet<(String, bool)>,
    html_stripped: bool,
    /// Spans in spans input, kept or not.
    spans: Option<u64>,
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

/// True for the repair kinds that drop an entity.
fn is_drop(kind: &str) -> bool {
    kind.starts_with("dropped-")
}

/// A writer of any format; CoNLL's is kept apart for the fused bracket to
/// CoNLL route ([`bracket::Reader::copy_to_conll`]).
enum AnyWriter<'a> {
    Conll(conll::Writer<&'a mut dyn Write>),
    Other(Box<dyn SentenceWriter + 'a>),
}

impl AnyWriter<'_> {
    fn finish(&mut self) -> Result<(), Error> {
        match self {
            AnyWriter::Conll(w) => w.finish(),
            AnyWriter::Other(w) => w.finish(),
        }
    }
}

/// Copies every sentence of `reader` to `writer`, by the fused route when
/// both ends allow it.
fn copy(
    reader: &mut AnyReader,
    writer: &mut AnyWriter<'_>,
    summary: &mut Summary,
    on_repair: &mut dyn FnMut(&Repair),
) -> Result<(), Error> {
    match (reader, writer) {
        (AnyReader::Bracket(r), AnyWriter::Conll(w)) => r.copy_to_conll(w, summary, on_repair),
        (r, AnyWriter::Conll(w)) => copy_sentences(r, w, summary, on_repair),
        (r, AnyWriter::Other(w)) => copy_sentences(r, w.as_mut(), summary, on_repair),
    }
}

/// The writer of a tagged format (`conll`, `jsonl`) or of any format.
fn make_writer<'a>(to: ToFormat, opts: &WriterOptions, out: &'a mut dyn Write) -> AnyWriter<'a> {
    match to {
        ToFormat::Conll => AnyWriter::Conll(
            conll::Writer::new(out, opts.scheme)
                .with_docstart(opts.docstart)
                .with_columns(opts.columns),
        ),
        ToFormat::Jsonl => AnyWriter::Other(Box::new(jsonl::Writer::new(out, opts.scheme))),
        ToFormat::Spans => AnyWriter::Other(Box::new(spans::Writer::new(out, opts.offsets))),
        ToFormat::Bracket => AnyWriter::Other(Box::new(bracket::writer::Writer::new(
            out,
            opts.bracket_style,
        ))),
    }
}

/// The writer settings, copied into every thread.
#[derive(Clone, Copy)]
struct WriterOptions {
    scheme: TagScheme,
    docstart: bool,
    columns: Columns,
    offsets: OffsetUnit,
    bracket_style: Style,
}

impl WriterOptions {
    fn of(args: &ConvertArgs) -> WriterOptions {
        WriterOptions {
            scheme: args.scheme,
            docstart: args.docstart,
            columns: args.columns,
            offsets: args.offsets.unwrap_or(OffsetUnit::Chars),
            bracket_style: args.bracket_style,
        }
    }
}

fn bracket_options(args: &ConvertArgs) -> bracket::Options {
    bracket::Options {
        tokenizer: args.tokenizer.unwrap_or(Tokenizer::Whitespace),
        labels: args.labels.clone(),
        lenient: args.lenient,
        offsets: args.offsets.unwrap_or(OffsetUnit::Bytes),
        html: args.html,
        sentences: args.sentences,
    }
}

fn conll_options(args: &ConvertArgs) -> conll::ReadOptions {
    conll::ReadOptions {
        delimiter: args.delimiter,
        tag_column: args.tag_column.map(|n| n as usize),
        comments: args.comments,
        scheme: args.from_scheme,
        lenient: args.lenient,
    }
}

/// The format of an input: the one given, or the one its start shows.
fn input_format(args: &ConvertArgs, input: &mut Input) -> Result<Format, Error> {
    Ok(match args.from {
        Some(FromFormat::Bracket) => Format::Bracket,
        Some(FromFormat::Conll) => Format::Conll,
        Some(FromFormat::Jsonl) => Format::Jsonl,
        Some(FromFormat::Spans) => Format::Spans,
        None => detect(
            input
                .reader
                .fill_buf()
                .map_err(|e| Error::from(e).with_path(&input.name))?,
        ),
    })
}

fn make_reader(args: &ConvertArgs, format: Format, reader: Box<dyn BufRead>) -> AnyReader {
    match format {
        Format::Bracket => AnyReader::Bracket(bracket::Reader::new(reader, bracket_options(args))),
        Format::Conll => AnyReader::Conll(conll::Reader::new(reader, conll_options(args))),
        Format::Jsonl => AnyReader::Jsonl(jsonl::Reader::new(
            reader,
            jsonl::ReadOptions {
                scheme: args.from_scheme,
                lenient: args.lenient,
            },
        )),
        Format::Spans => AnyReader::Spans(spans::Reader::new(
            reader,
            spans::ReadOptions {
                tokenizer: args.tokenizer.unwrap_or(Tokenizer::Unicode),
                offsets: args.offsets.unwrap_or(OffsetUnit::Chars),
                align: args.align,
                overlaps: args.overlaps,
            },
        )),
    }
}

/// Converts one input on this thread, recording what the summary reports.
fn convert_sequential(
    args: &ConvertArgs,
    mut input: Input,
    writer: &mut AnyWriter<'_>,
    total: &mut Summary,
    inputs: &mut Inputs,
) -> Result<(), Error> {
    let name = input.name.clone();
    let format = input_format(args, &mut input)?;
    inputs
        .formats
        .insert((format.to_string(), args.from.is_none()));
    let mut reader = make_reader(args, format, input.reader);
    let mut summary = Summary::default();
    let mut on_repair = |r: &Repair| {
        super::warn(&format!("{}:{}: {}", name.display(), r.pos, r.message));
    };
    let result = copy(&mut reader, writer, &mut summary, &mut on_repair);
    match &reader {
        AnyReader::Bracket(r) => inputs.html_stripped |= r.strips_html() == Some(true),
        AnyReader::Conll(r) => {
            if let Some(s) = r.scheme() {
                inputs.schemes.insert((s.to_string(), r.scheme_detected()));
            }
        }
        AnyReader::Jsonl(r) => {
            if let Some(s) = r.scheme() {
                inputs.schemes.insert((s.to_string(), r.scheme_detected()));
            }
        }
        AnyReader::Spans(r) => *inputs.spans.get_or_insert(0) += r.spans_read(),
    }
    result.map_err(|e| e.with_path(&name))?;
    total.merge(&summary);
    Ok(())
}

/// Buffers reused across chunks: inputs and outputs apart, so that a
/// buffer taken for an output (about twice a chunk) need not grow.
#[derive(Clone, Default)]
struct Pools {
    chunks: BufferPool,
    outputs: BufferPool,
}

/// How much of the start of an input decides, for every chunk, whether
/// HTML is stripped.
const SAMPLE_BYTES: usize = 64 * 1024;

/// How the chunks of one input are read.
#[derive(Clone)]
enum ChunkReader {
    Bracket(bracket::Options),
    Conll(conll::ReadOptions),
}

/// Converts one input cut into chunks on the pipeline's threads. Bracket
/// text (one sentence or more per line) and CoNLL can be cut; the caller
/// sends other inputs to [`convert_sequential`].
#[allow(clippy::too_many_arguments)]
fn convert_chunked(
    args: &ConvertArgs,
    input: Input,
    format: Format,
    source: usize,
    pipeline: &mut Pipeline,
    pools: &Pools,
    sink: &mut dyn FnMut(ChunkOutput) -> Result<(), Error>,
    inputs: &mut Inputs,
) -> Result<(), Error> {
    let name = input.name.clone();
    inputs
        .formats
        .insert((format.to_string(), args.from.is_none()));
    let unit = args.offsets.unwrap_or(OffsetUnit::Bytes);
    let cut = if format == Format::Conll {
        Cut::BlankLines
    } else {
        Cut::Lines
    };
    // A regular file of bracket text with byte offsets is read by the
    // threads themselves, a stretch each, and the start of it here only for
    // what is decided once for the whole input.
    let positioned = input.file.filter(|_| {
        parallel::POSITIONED_READS && format == Format::Bracket && unit == OffsetUnit::Bytes
    });
    let size = if positioned.is_some() {
        SAMPLE_BYTES
    } else {
        args.chunk_size.max(1)
    };
    let mut chunker = Chunker::new(input.reader, cut, size, unit).with_pool(pools.chunks.clone());
    let io_error = |e: Error| e.with_path(&name);
    let Some((first, first_start)) = chunker.next_chunk().map_err(io_error)? else {
        return Ok(());
    };
    // What a one-thread reader decides from the start of the input is
    // decided here once, from the first chunk, for every chunk.
    let how = match format {
        Format::Conll => {
            let mut opts = conll_options(args);
            if opts.scheme.is_none() {
                // The same whole lines a one-thread reader detects from.
                let from = (conll::DETECT_BYTES - 1).min(first.len());
                let end =
                    memchr::memchr(b'\n', &first[from..]).map_or(first.len(), |i| from + i + 1);
                let scheme = conll::detect_scheme(&first[..end], &opts);
                inputs.schemes.insert((scheme.to_string(), true));
                opts.scheme = Some(scheme);
            } else if let Some(s) = opts.scheme {
                inputs.schemes.insert((s.to_string(), false));
            }
            ChunkReader::Conll(opts)
        }
        _ => {
            let mut opts = bracket_options(args);
            if opts.html == HtmlMode::Auto {
                let prefix = &first[..first.len().min(SAMPLE_BYTES)];
                opts.html = if nerkit::html::contains_markup(prefix) {
                    HtmlMode::Strip
                } else {
                    HtmlMode::Keep
                };
            }
            inputs.html_stripped |= opts.html == HtmlMode::Strip;
            ChunkReader::Bracket(opts)
        }
    };
    let job = Arc::new(ChunkJob {
        how,
        to: args.to,
        writer_options: WriterOptions::of(args),
        pools: pools.clone(),
        source,
    });
    if let Some(file) = positioned {
        // The first chunk, read for the decisions above, was only a sample.
        pools.chunks.give(first);
        return convert_stretches(&name, file, args.chunk_size, &job, pipeline, sink);
    }
    let mut next = Some((first, first_start));
    while let Some((chunk, start)) = next.take() {
        let job = Arc::clone(&job);
        pipeline.submit(move || convert_chunk(&job, chunk, 0, start), sink)?;
        next = chunker.next_chunk().map_err(io_error)?;
    }
    Ok(())
}

/// What every chunk of one input is converted with.
struct ChunkJob {
    how: ChunkReader,
    to: ToFormat,
    writer_options: WriterOptions,
    pools: Pools,
    source: usize,
}

/// Converts `chunk[at..]`, which starts at `start` in its input, to memory.
fn convert_chunk(job: &ChunkJob, chunk: Vec<u8>, at: usize, start: ChunkStart) -> ChunkOutput {
    let first = start.index == 0;
    let mut out = ChunkOutput {
        source: job.source,
        ..ChunkOutput::default()
    };
    let (pools, options) = (&job.pools, &job.writer_options);
    let mut repairs = Vec::new();
    if let (ChunkReader::Bracket(o), ToFormat::Conll) = (&job.how, job.to) {
        // The chunk is in memory already: the fused route converts it
        // where it is.
        // CoNLL lines take about 1.2 times the bytes of bracket text (more
        // with long labels); room for twice that, in whole mebibytes,
        // spares regrowing, and a pooled buffer then fits the next chunk's
        // output too.
        let mut bytes = pools.outputs.take();
        bytes.reserve((2 * (chunk.len() - at)).next_multiple_of(1 << 20));
        let mut input = std::io::Cursor::new(chunk);
        input.set_position(at as u64);
        let mut reader = bracket::Reader::new(input, o.clone())
            .starting_at(start.line, start.byte, start.unit, first);
        let mut writer = conll::Writer::new(bytes, options.scheme)
            .with_docstart(options.docstart)
            .with_columns(options.columns);
        let result = reader
            .copy_in_memory_to_conll(&mut writer, &mut out.summary, &mut |r| {
                repairs.push(r.clone())
            })
            .and_then(|()| writer.finish());
        out.lines = reader.next_line_number() - start.line;
        pools.chunks.give(reader.into_inner().into_inner());
        out.bytes = writer.into_inner();
        out.repairs = repairs;
        out.error = result.err();
        return out;
    }
    // The reader is boxed and dropped, not taken apart: the buffer goes
    // back to the pool by itself.
    let mut input = std::io::Cursor::new(Pooled::new(chunk, pools.chunks.clone()));
    input.set_position(at as u64);
    let reader: Box<dyn BufRead> = Box::new(input);
    let mut reader = match &job.how {
        ChunkReader::Bracket(o) => AnyReader::Bracket(
            bracket::Reader::new(reader, o.clone())
                .starting_at(start.line, start.byte, start.unit, first),
        ),
        ChunkReader::Conll(o) => AnyReader::Conll(
            conll::Reader::new(reader, o.clone()).starting_at(start.line, start.byte, first),
        ),
    };
    let mut bytes = pools.outputs.take();
    let mut writer = make_writer(job.to, options, &mut bytes);
    let result = copy(&mut reader, &mut writer, &mut out.summary, &mut |r| {
        repairs.push(r.clone())
    })
    .and_then(|()| writer.finish());
    drop(writer);
    if let AnyReader::Bracket(r) = &reader {
        out.lines = r.next_line_number() - start.line;
    }
    out.bytes = bytes;
    out.repairs = repairs;
    out.error = result.err();
    out
}

/// Converts a regular file by stretches, each read by the thread that
/// converts it. Line numbers are counted as the chunks are delivered: a
/// chunk's repairs are renumbered then, and a chunk that stopped at an
/// error is converted again knowing its first line (see
/// [`Delivery::deliver`]).
fn convert_stretches(
    name: &std::path::Path,
    (file, len): (std::fs::File, u64),
    size: usize,
    job: &Arc<ChunkJob>,
    pipeline: &mut Pipeline,
    sink: &mut dyn FnMut(ChunkOutput) -> Result<(), Error>,
) -> Result<(), Error> {
    let file = Arc::new(file);
    let mut progress = io::stderr()
        .is_terminal()
        .then(|| super::Progress::standalone(name.display().to_string(), Some(len)));
    for stretch in parallel::stretches(len, size) {
        let (job, file) = (Arc::clone(job), Arc::clone(&file));
        let task = move || {
            let mut out = convert_stretch(&job, &file, stretch, 1);
            if out.error.is_some() {
                out.redo = Some(Redo::new(move |line| {
                    convert_stretch(&job, &file, stretch, line)
                }));
            }
            out
        };
        pipeline.submit(task, sink)?;
        if let Some(p) = progress.as_mut() {
            p.advance(stretch.len.min(len - stretch.start));
        }
    }
    Ok(())
}

/// Reads and converts one stretch of a file, numbering its lines from
/// `line`.
fn convert_stretch(
    job: &ChunkJob,
    file: &std::fs::File,
    stretch: Stretch,
    line: u64,
) -> ChunkOutput {
    let mut buf = job.pools.chunks.take_stale();
    let text = match parallel::read_stretch(file, stretch, &mut buf) {
        Ok(text) => text,
        Err(e) => {
            return ChunkOutput {
                source: job.source,
                error: Some(e.into()),
                relative_lines: true,
                ..ChunkOutput::default()
            }
        }
    };
    buf.truncate(text.range.end);
    let start = ChunkStart {
        index: stretch.index,
        line,
        byte: text.byte,
        unit: text.byte,
    };
    let mut out = convert_chunk(job, buf, text.range.start, start);
    out.relative_lines = true;
    out
}

/// The number of threads to use: the one asked for, or one per core; never
/// more than the cores, nor more than the chunks the inputs make when
/// their sizes are known (a thread with no chunk to convert only costs its
/// start).
fn thread_count(args: &ConvertArgs, paths: &[PathBuf]) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let asked = match args.threads {
        Some(n) if n > 0 => n.min(cores),
        _ => cores,
    };
    asked.min(chunks_at_most(paths, args.chunk_size.max(1)))
}

/// The most chunks `paths` are cut into, counted from their sizes; no
/// bound when one is not a regular file (stdin, a pipe).
fn chunks_at_most(paths: &[PathBuf], chunk_size: usize) -> usize {
    let mut chunks: u64 = 0;
    for path in paths {
        match std::fs::metadata(path) {
            Ok(m) if path.as_os_str() != "-" && m.is_file() => {
                chunks = chunks.saturating_add(m.len().div_ceil(chunk_size as u64).max(1));
            }
            _ => return usize::MAX,
        }
    }
    usize::try_from(chunks).unwrap_or(usize::MAX).max(1)
}

/// True when this input can be cut into chunks: bracket text read a line
/// at a time, and CoNLL.
fn can_chunk(args: &ConvertArgs, format: Format) -> bool {
    match format {
        Format::Bracket => args.sentences != SentenceMode::None,
        Format::Conll => true,
        Format::Jsonl | Format::Spans => false,
    }
}

/// Runs `nerkit convert`.
pub fn run(args: &ConvertArgs) -> Result<ExitCode, Error> {
    let mut output = Output::create(args.output.as_deref())?;
    let mut total = Summary::default();
    let mut inputs = Inputs::default();
    let paths = inputs_or_stdin(&args.inputs);
    let threads = if matches!(args.to, ToFormat::Conll | ToFormat::Jsonl) {
        thread_count(args, &paths)
    } else {
        1
    };
    // A reader of stdout that has gone (`| head`) ends the run quietly. When
    // it goes only at the last flush, every input has been read, so the
    // entity check below still decides the exit status.
    let mut broken_pipe = false;
    let mut at_the_end = |flushed: Result<(), Error>| match flushed {
        Err(e) if e.is_broken_pipe() => {
            broken_pipe = true;
            Ok(())
        }
        other => other,
    };
    // Tagged outputs have no state across inputs, so each input (and each
    // chunk) can have a writer of its own.
    if threads > 1 {
        let mut pipeline = Pipeline::new(threads)?;
        let pools = Pools::default();
        let names = paths
            .iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    PathBuf::from("<stdin>")
                } else {
                    p.clone()
                }
            })
            .collect();
        let mut delivery = Delivery {
            out: &mut output,
            total: &mut total,
            names,
            pool: pools.outputs.clone(),
            source: None,
            next_line: 1,
        };
        let writer_options = WriterOptions::of(args);
        for (source, path) in paths.iter().enumerate() {
            let mut input = open_input(path)?;
            let format = input_format(args, &mut input)?;
            if can_chunk(args, format) {
                convert_chunked(
                    args,
                    input,
                    format,
                    source,
                    &mut pipeline,
                    &pools,
                    &mut |o| delivery.deliver(o),
                    &mut inputs,
                )?;
            } else {
                pipeline.finish(&mut |o| delivery.deliver(o))?;
                let mut writer = make_writer(args.to, &writer_options, &mut *delivery.out);
                convert_sequential(args, input, &mut writer, delivery.total, &mut inputs)?;
                writer.finish()?;
            }
        }
        pipeline.finish(&mut |o| delivery.deliver(o))?;
        // As the writers do at their end, so that the output comes before
        // the summary where both go to one terminal.
        at_the_end(delivery.out.flush().map_err(Error::from))?;
    } else {
        let mut writer = make_writer(args.to, &WriterOptions::of(args), &mut output);
        for path in &paths {
            let input = open_input(path)?;
            convert_sequential(args, input, &mut writer, &mut total, &mut inputs)?;
        }
        at_the_end(writer.finish())?;
    }

    if !args.quiet {
        print_summary(args, &total, &inputs, threads);
    }
    if !total.entities_match() {
        return Err(Error::msg(format!(
            "entities read and written differ: read {}, written {}{}; {}",
            total.read,
            total.written,
            if args.scheme == TagScheme::Io && matches!(args.to, ToFormat::Conll | ToFormat::Jsonl)
            {
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

/// Where finished chunks go, in input order.
struct Delivery<'a> {
    out: &'a mut dyn Write,
    total: &'a mut Summary,
    /// The input names for messages, by source index.
    names: Vec<PathBuf>,
    /// Where output buffers go back to.
    pool: BufferPool,
    /// The input whose chunks are being delivered, and the number of the
    /// line its next chunk starts at, for chunks converted before the lines
    /// before them were counted.
    source: Option<usize>,
    next_line: u64,
}

impl Delivery<'_> {
    /// Writes a finished chunk's output, prints its repairs and adds its
    /// counts; stops at its error.
    fn deliver(&mut self, mut o: ChunkOutput) -> Result<(), Error> {
        if o.relative_lines {
            if self.source != Some(o.source) {
                self.source = Some(o.source);
                self.next_line = 1;
            }
            let first = self.next_line;
            if let Some(redo) = o.redo.take() {
                // Errors name their line in their messages too: convert
                // again.
                self.pool.give(std::mem::take(&mut o.bytes));
                o = redo.run(first);
            } else {
                for r in &mut o.repairs {
                    if r.pos.line() > 0 {
                        r.pos =
                            Position::new(r.pos.line() + first - 1, r.pos.column(), r.pos.byte());
                    }
                }
            }
            self.next_line = first + o.lines;
        }
        let name = &self.names[o.source];
        for r in &o.repairs {
            super::warn(&format!("{}:{}: {}", name.display(), r.pos, r.message));
        }
        self.out.write_all(&o.bytes)?;
        self.pool.give(o.bytes);
        self.total.merge(&o.summary);
        match o.error {
            Some(e) => Err(e.with_path(name)),
            None => Ok(()),
        }
    }
}

fn print_summary(args: &ConvertArgs, s: &Summary, inputs: &Inputs, threads: usize) {
    let mut err = io::stderr().lock();
    let to = format!("{:?}", args.to).to_lowercase();
    let tagged = matches!(args.to, ToFormat::Conll | ToFormat::Jsonl);
    let dropped: Vec<(&str, u64)> = s.repairs.iter().filter(|(k, _)| is_drop(k)).collect();
    let repaired: Vec<(&str, u64)> = s.repairs.iter().filter(|(k, _)| !is_drop(k)).collect();
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
            let kinds = |v: &[(&str, u64)]| {
                serde_json::Value::Object(
                    v.iter()
                        .map(|(k, n)| (k.to_string(), serde_json::Value::from(*n)))
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
            if inputs
                .formats
                .iter()
                .any(|(f, _)| f == "bracket" || f == "spans")
            {
                let default = if inputs.formats.iter().any(|(f, _)| f == "spans") {
                    Tokenizer::Unicode
                } else {
                    Tokenizer::Whitespace
                };
                notes.push(format!("{} tokenizer", args.tokenizer.unwrap_or(default)));
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
            let list = |v: &[(&str, u64)], strip: &str| {
                v.iter()
                    .map(|(k, n)| format!("{} {n}", k.strip_prefix(strip).unwrap_or(k)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if dropped_total > 0 {
                let _ = writeln!(
                    err,
                    "  spans dropped:    {dropped_total} ({})",
                    list(&dropped, "dropped-")
                );
            }
            if repaired_total > 0 {
                let _ = writeln!(err, "  repairs: {repaired_total} ({})", list(&repaired, ""));
            }
        }
    }
}
