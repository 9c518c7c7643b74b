//! The reading options every command takes: one set of flags for
//! `convert` and `eval`, turned into the library's
//! [`nerkit::format::ReadOptions`].

use clap::Args;

use nerkit::bracket::SentenceMode;
use nerkit::format::{Delimiter, Format, ReadOptions};
use nerkit::labelstudio::Annotation;
use nerkit::spans::{Align, Overlaps};
use nerkit::HtmlMode;
use nerkit::{TagScheme, TagStyle, Tokenizer};

/// How inputs are read.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Reading inputs (convert and eval alike)")]
pub struct ReadArgs {
    /// Input format: bracket, conll, conllu, jsonl, spans, spacy, label-studio, doccano or prodigy; detected from the start of each input when not given (an input nerkit cannot tell is refused, naming what it saw).
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

    /// CoNLL input column holding the tag, from 1 (default: the last, or the one before a last column of numbers such as `EU B-ORG 0.98`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub tag_column: Option<u64>,

    /// CoNLL input column holding the token, from 1 (default: 1); CoNLL-U's words are in column 2, and its multiword-token (1-2) and empty-node (1.1) lines are then skipped.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub token_column: Option<u64>,

    /// Read the CoNLL tag from KEY=VALUE in the |-separated tag column (CoNLL-U MISC: --misc-key NER reads NER=B-PER; `_` or no KEY is O); # lines are comments then.
    #[arg(long, value_name = "KEY")]
    pub misc_key: Option<String>,

    /// How conll or jsonl input tags spell prefix and type: prefix (B-PER), suffix (PER-B), none (PER: IO tags, as Few-NERD writes them) or bare (B, I, O); detected from the first MiB when not given.
    #[arg(long, value_name = "STYLE", value_parser = parse_tag_style)]
    pub tag_style: Option<TagStyle>,

    /// Names of the integer classes of jsonl input `ner_tags`, in class order: comma-separated (O,B-PER,I-PER,...) or a file (one name a line, or a datasets dataset_info.json / features JSON holding the ClassLabel names).
    #[arg(long, value_name = "NAMES|FILE", value_parser = parse_label_names)]
    pub label_names: Option<LabelNames>,

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

    /// Spans input: a span edge inside a token is an error (strict), or moves to the nearest token edge inward (contract) or outward (expand), or the token is split at the edge (split: every span keeps its offsets); each move is counted.
    #[arg(long, default_value = "strict", value_parser = parse_align)]
    pub align: Align,

    /// Spans input: overlapping spans are an error, or the longest (longest) or earliest (first) is kept and the others dropped and counted.
    #[arg(long, default_value = "error", value_parser = parse_overlaps)]
    pub overlaps: Overlaps,

    /// HTML in bracket input: auto (strip when the input starts with markup), strip, or keep (markup becomes tokens).
    #[arg(long, default_value = "auto", value_parser = parse_html)]
    pub html: HtmlMode,

    /// Entity labels of bracket input, comma-separated (PER,ORG,LOC,MISC), or a file of one label per line: another label of the default pattern [A-Z][A-Z0-9_-]* is an error, and labels of any case and punctuation (person, creative-work, Organisation) are read as labels.
    #[arg(long, value_delimiter = ',', value_name = "LABELS|FILE")]
    pub labels: Option<Vec<String>>,

    /// Repair malformed input (bracket errors, ill-formed tag sequences read as conlleval.pl reads them) instead of failing; every repair is printed and counted.
    #[arg(long)]
    pub lenient: bool,
}

impl ReadArgs {
    /// The library's reading options.
    ///
    /// # Errors
    /// A `--labels` file that cannot be read, or a label with whitespace or
    /// brackets.
    pub fn options(&self) -> Result<ReadOptions, nerkit::Error> {
        let mut opts = ReadOptions::default();
        opts.scheme = self.from_scheme;
        opts.lenient = self.lenient;
        opts.delimiter = self.delimiter.clone();
        opts.tag_column = self.tag_column.map(|n| n as usize);
        opts.comments = self.comments;
        opts.tokenizer = self.tokenizer;
        opts.html = self.html;
        opts.labels = self.labels.as_deref().map(label_set).transpose()?;
        opts.sentences = self.sentences.unwrap_or_default();
        opts.document_sentences = self.sentences;
        opts.annotation = self.annotation;
        opts.align = self.align;
        opts.overlaps = self.overlaps;
        opts.tag_style = self.tag_style;
        opts.token_column = self.token_column.map(|n| n as usize);
        opts.misc_key = self.misc_key.clone();
        opts.label_names = self.label_names.as_ref().map(|n| n.0.clone());
        Ok(opts)
    }
}

/// The label set `--labels` gives: the labels listed, or those of the file
/// named (one per line; blank lines and `#` comments skipped) when the one
/// value is a file.
fn label_set(values: &[String]) -> Result<Vec<String>, nerkit::Error> {
    let from_file = match values {
        [one] if std::path::Path::new(one).is_file() => Some(one),
        _ => None,
    };
    let labels: Vec<String> = match from_file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| nerkit::Error::from(e).with_path(path))?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect(),
        None => values.iter().map(|l| l.trim().to_owned()).collect(),
    };
    for label in &labels {
        if label.is_empty() || label.contains(|c: char| c.is_whitespace() || c == '[' || c == ']') {
            return Err(nerkit::Error::msg(format!(
                "--labels: {label:?} cannot be a label: labels hold no whitespace or brackets"
            )));
        }
    }
    if labels.is_empty() {
        return Err(nerkit::Error::msg("--labels: no labels given"));
    }
    Ok(labels)
}

/// Class names given on the command line or read from a file.
#[derive(Debug, Clone)]
pub struct LabelNames(pub Vec<String>);

/// A file of class names when `s` names one, else names separated by
/// commas.
pub fn parse_label_names(s: &str) -> Result<LabelNames, String> {
    let path = std::path::Path::new(s);
    if path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{s}: {e}"))?;
        return nerkit::jsonl::label_names(&text)
            .map(LabelNames)
            .map_err(|e| format!("{s}: {e}"));
    }
    if !s.contains(',') {
        return Err(format!(
            "no file \"{s}\"; give the class names separated by commas (O,B-PER,I-PER) or a file"
        ));
    }
    Ok(LabelNames(
        s.split(',').map(|n| n.trim().to_owned()).collect(),
    ))
}

pub fn parse_tag_style(s: &str) -> Result<TagStyle, String> {
    s.parse()
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
