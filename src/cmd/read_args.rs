//! The reading options every command takes: one set of flags for
//! `convert` and `eval`, turned into the library's
//! [`nerkit::format::ReadOptions`].

use clap::Args;

use nerkit::bracket::SentenceMode;
use nerkit::format::{Delimiter, Format, ReadOptions};
use nerkit::labelstudio::Annotation;
use nerkit::spans::{Align, Overlaps};
use nerkit::HtmlMode;
use nerkit::{TagScheme, Tokenizer};

/// How inputs are read.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Reading inputs (convert and eval alike)")]
pub struct ReadArgs {
    /// Input format: bracket, conll, jsonl, spans, label-studio, doccano or prodigy; detected from the start of each input when not given.
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub from: Option<Format>,

    /// Tag scheme of conll or jsonl input; detected from the first MiB when not given.
    #[arg(long, value_parser = parse_scheme, value_name = "SCHEME")]
    pub from_scheme: Option<TagScheme>,

    /// Columns are split on: whitespace (tabs or runs of spaces), tab, space, or a literal string (`\t` is a tab).
    #[arg(
        short = 'd',
        long,
        default_value = "whitespace",
        value_parser = parse_delimiter,
        allow_hyphen_values = true
    )]
    pub delimiter: Delimiter,

    /// CoNLL input column holding the tag, from 1 (default: the last).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2..))]
    pub tag_column: Option<u64>,

    /// Skip CoNLL input lines starting with `#` (CoNLL-U comments); off by default since `#` is also a token.
    #[arg(long)]
    pub comments: bool,

    /// How text is split into tokens: whitespace (keeps the tagger's tokens) or unicode (UAX #29 words and punctuation). Default: whitespace for bracket input, unicode for spans input.
    #[arg(long, value_parser = parse_tokenizer)]
    pub tokenizer: Option<Tokenizer>,

    /// Sentence boundaries of bracket input: line (each non-blank line, the default), auto (also after a final . ? ! token outside entities), none (one sequence per file). Of spans and annotation-tool input: one sentence per document by default; line splits at line breaks of the text, auto also after a final . ? ! token followed by whitespace, never inside an entity.
    #[arg(long, value_parser = parse_sentences)]
    pub sentences: Option<SentenceMode>,

    /// Label Studio input: which annotation of a task with several is read: error (the default: annotations that differ are an error), first, last, or all (their union; overlaps as --overlaps says). Cancelled annotations are skipped.
    #[arg(long, default_value = "error", value_parser = parse_annotation)]
    pub annotation: Annotation,

    /// Spans input: a span edge inside a token is an error (strict), or moves to the nearest token edge inward (contract) or outward (expand); each move is counted.
    #[arg(long, default_value = "strict", value_parser = parse_align)]
    pub align: Align,

    /// Spans input: overlapping spans are an error, or the longest (longest) or earliest (first) is kept and the others dropped and counted.
    #[arg(long, default_value = "error", value_parser = parse_overlaps)]
    pub overlaps: Overlaps,

    /// HTML in bracket input: auto (strip when the input starts with markup), strip, or keep (markup becomes tokens).
    #[arg(long, default_value = "auto", value_parser = parse_html)]
    pub html: HtmlMode,

    /// Allowed entity labels of bracket input, comma-separated (e.g. PER,ORG,LOC,MISC); another label is an error.
    #[arg(long, value_delimiter = ',', value_name = "LABELS")]
    pub labels: Option<Vec<String>>,

    /// Repair malformed input (bracket errors, ill-formed tag sequences read as conlleval.pl reads them) instead of failing; every repair is printed and counted.
    #[arg(long)]
    pub lenient: bool,
}

impl ReadArgs {
    /// The library's reading options.
    pub fn options(&self) -> ReadOptions {
        let mut opts = ReadOptions::default();
        opts.scheme = self.from_scheme;
        opts.lenient = self.lenient;
        opts.delimiter = self.delimiter.clone();
        opts.tag_column = self.tag_column.map(|n| n as usize);
        opts.comments = self.comments;
        opts.tokenizer = self.tokenizer;
        opts.html = self.html;
        opts.labels = self.labels.clone();
        opts.sentences = self.sentences.unwrap_or_default();
        opts.document_sentences = self.sentences;
        opts.annotation = self.annotation;
        opts.align = self.align;
        opts.overlaps = self.overlaps;
        opts
    }
}

pub fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}
pub fn parse_scheme(s: &str) -> Result<TagScheme, String> {
    s.parse()
}
fn parse_tokenizer(s: &str) -> Result<Tokenizer, String> {
    s.parse()
}
fn parse_sentences(s: &str) -> Result<SentenceMode, String> {
    s.parse()
}
fn parse_html(s: &str) -> Result<HtmlMode, String> {
    s.parse()
}
fn parse_delimiter(s: &str) -> Result<Delimiter, String> {
    s.parse()
}
fn parse_align(s: &str) -> Result<Align, String> {
    s.parse()
}
fn parse_overlaps(s: &str) -> Result<Overlaps, String> {
    s.parse()
}
fn parse_annotation(s: &str) -> Result<Annotation, String> {
    s.parse()
}
