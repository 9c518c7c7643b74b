//! The formats nerkit reads and writes, in one registry that every command
//! opens its inputs and outputs through.
//!
//! Each format registers one entry in the registry (`REGISTRY`): its name, its
//! detection rule, how to open a reader of it from [`ReadOptions`] and a
//! writer from [`WriteOptions`], and whether an input can be cut into
//! chunks for threads. `convert` and `eval` both call [`open`], so a
//! reading option or a format added here reaches both commands.
//!
//! # Example
//!
//! ```
//! use nerkit::format::{self, Format, ReadOptions};
//! use nerkit::Sentence;
//!
//! let input = "EU\tB-ORG\nrejects\tO\n";
//! let opts = ReadOptions::default();
//! let (found, mut reader) = format::open(Box::new(input.as_bytes()), None, &opts)?;
//! assert_eq!(found, Format::CONLL);
//! let mut sentence = Sentence::new();
//! assert!(reader.read_sentence(&mut sentence)?);
//! assert_eq!(sentence.len(), 2);
//! # Ok::<(), nerkit::Error>(())
//! ```

pub mod bracket;
pub mod conll;
mod delimiter;
pub mod detect;
pub mod doccano;
pub(crate) mod json;
pub mod jsonl;
pub mod labelstudio;
pub mod prodigy;
pub(crate) mod record;
pub mod spacy;
pub mod spans;

use std::fmt;
use std::io::{BufRead, Write};

pub use delimiter::Delimiter;

use crate::bracket::writer::Style;
use crate::bracket::SentenceMode;
use crate::conll::Columns;
use crate::convert::parallel::{ChunkStart, Cut};
use crate::convert::{SentenceReader, SentenceWriter, Summary};
use crate::html::HtmlMode;
use crate::spans::{Align, Overlaps};
use crate::{OffsetUnit, Repair, Result, TagScheme, TagStyle, Tokenizer};

/// A format nerkit reads or writes: a handle to its entry in the registry.
#[derive(Clone, Copy)]
pub struct Format(&'static Entry);

impl Format {
    /// Inline brackets as taggers print them: `[PER Ryan C. Crocker  ]`.
    pub const BRACKET: Format = Format(entry("bracket"));
    /// One token per line, the tag in a column, blank lines between
    /// sentences.
    pub const CONLL: Format = Format(entry("conll"));
    /// One JSON object of tokens and tags per sentence.
    pub const JSONL: Format = Format(entry("jsonl"));
    /// One JSON object of text and character-offset spans per document.
    pub const SPANS: Format = Format(entry("spans"));
    /// spaCy's training files (`.spacy`, a DocBin): binary.
    pub const SPACY: Format = Format(entry("spacy"));
    /// Label Studio tasks.
    pub const LABEL_STUDIO: Format = Format(entry("label-studio"));
    /// doccano JSONL.
    pub const DOCCANO: Format = Format(entry("doccano"));
    /// Prodigy (and spaCy) JSONL.
    pub const PRODIGY: Format = Format(entry("prodigy"));

    /// Every registered format, in the order detection tries them.
    pub fn all() -> impl Iterator<Item = Format> {
        REGISTRY.iter().map(Format)
    }

    /// The format named `name` (as `--from` and `--to` take it).
    pub fn from_name(name: &str) -> Option<Format> {
        Format::all().find(|f| f.name() == name)
    }

    /// The format's name.
    pub fn name(self) -> &'static str {
        self.0.name
    }

    /// One line about the format, for `--help`.
    pub fn about(self) -> &'static str {
        self.0.about
    }

    /// True when nerkit can write the format.
    pub fn writable(self) -> bool {
        self.0.writer.is_some()
    }

    /// How an input of this format read with `opts` is cut into chunks
    /// that are read independently (for threads); `None` when it cannot be.
    pub(crate) fn chunks(self, opts: &ReadOptions) -> Option<&'static Chunks> {
        self.0.chunks.as_ref().filter(|c| (c.allowed)(opts))
    }
}

impl PartialEq for Format {
    fn eq(&self, other: &Format) -> bool {
        self.0.name == other.0.name
    }
}

impl Eq for Format {}

impl std::hash::Hash for Format {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.name.hash(state);
    }
}

impl fmt::Debug for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Format({})", self.0.name)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name)
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Format, String> {
        Format::from_name(s).ok_or_else(|| {
            let names: Vec<&str> = Format::all().map(Format::name).collect();
            format!("unknown format \"{s}\" (expected {})", names.join(", "))
        })
    }
}

/// Opens a reader of one format.
type OpenReader = fn(Box<dyn BufRead>, &ReadOptions) -> Box<dyn InputReader>;

/// Opens a writer of one format over an output.
type OpenWriter = for<'a> fn(&'a mut dyn Write, &WriteOptions) -> Box<dyn SentenceWriter + 'a>;

/// Opens a reader of one chunk of an input, which starts at a given place
/// in it.
type OpenChunk = fn(Box<dyn BufRead>, &ReadOptions, ChunkStart) -> Box<dyn InputReader>;

/// How a format's inputs are cut into chunks for threads.
pub(crate) struct Chunks {
    /// Where a reader may start afresh.
    pub cut: Cut,
    /// True when inputs read with these options may be cut.
    pub allowed: fn(&ReadOptions) -> bool,
    /// Opens a reader of one chunk, which starts at `start` in its input.
    pub open: OpenChunk,
}

/// What a format registers.
pub(crate) struct Entry {
    /// The name `--from` and `--to` take.
    pub name: &'static str,
    /// One line for `--help`.
    pub about: &'static str,
    /// How the start of an input shows this format (see
    /// [`detect::detect`] for the order rules are tried in).
    pub detect: detect::Rule,
    /// Opens a reader.
    pub reader: OpenReader,
    /// Opens a writer; `None` for a format nerkit only reads.
    pub writer: Option<OpenWriter>,
    /// How inputs are cut for threads; `None` when they cannot be.
    pub chunks: Option<Chunks>,
}

/// Every format, in the order detection tries them: the most specific
/// first, and bracket text, which takes anything, last. Adding a format is
/// a module folder, its `mod` line above and its entry here.
static REGISTRY: [Entry; 9] = [
    Entry {
        name: "label-studio",
        about: "Label Studio tasks (JSON, JSON-MIN or JSONL export); writes tasks with predictions to import",
        detect: detect::Rule::JsonArrayOrLines(detect::label_studio_array, detect::label_studio_task),
        reader: |r, o| Box::new(labelstudio::Reader::new(r, o.label_studio())),
        writer: Some(|w, o| {
            Box::new(labelstudio::Writer::new(w, o.offsets.unwrap_or(OffsetUnit::Chars)))
        }),
        chunks: None,
    },
    Entry {
        name: "doccano",
        about: "doccano JSONL: {\"text\", \"label\": [[start, end, label]]} or \"entities\" with start_offset/end_offset",
        detect: detect::Rule::JsonLines(detect::doccano),
        reader: |r, o| Box::new(doccano::Reader::new(r, o.spans())),
        writer: Some(|w, o| {
            Box::new(doccano::Writer::new(w, o.offsets.unwrap_or(OffsetUnit::Chars)))
        }),
        chunks: None,
    },
    Entry {
        name: "prodigy",
        about: "Prodigy/spaCy JSONL: {\"text\", \"tokens\", \"spans\": [{\"start\", \"end\", \"label\"}]}",
        detect: detect::Rule::JsonLines(detect::prodigy),
        reader: |r, o| Box::new(prodigy::Reader::new(r, o.spans())),
        writer: Some(|w, o| {
            Box::new(prodigy::Writer::new(w, o.offsets.unwrap_or(OffsetUnit::Chars)))
        }),
        chunks: None,
    },
    Entry {
        name: "jsonl",
        about: "one JSON object per sentence: {\"tokens\": [...], \"tags\": [...]}",
        detect: detect::Rule::JsonLines(detect::tokens_and_tags),
        reader: |r, o| Box::new(jsonl::Reader::new(r, o.jsonl())),
        writer: Some(|w, o| Box::new(o.jsonl_writer(w))),
        chunks: None,
    },
    Entry {
        name: "spans",
        about: "one JSON object per document: {\"text\": \"...\", \"entities\": [{\"start\", \"end\", \"label\"}]}",
        detect: detect::Rule::JsonLines(detect::text_and_entities),
        reader: |r, o| Box::new(spans::Reader::new(r, o.spans())),
        writer: Some(|w, o| Box::new(o.spans_writer(w))),
        chunks: None,
    },
    Entry {
        name: "conll",
        about: "one token per line, the tag in the last column, blank lines between sentences",
        detect: detect::Rule::Columns(detect::columns_with_tags),
        reader: |r, o| Box::new(conll::Reader::new(r, o.conll())),
        writer: Some(|w, o| Box::new(o.conll_writer(w))),
        chunks: Some(Chunks {
            cut: Cut::BlankLines,
            allowed: |_| true,
            open: |r, o, at| {
                let reader = conll::Reader::new(r, o.conll());
                Box::new(reader.starting_at(at.line, at.byte, at.index == 0))
            },
        }),
    },
    Entry {
        name: "conllu",
        about: "CoNLL-U: ten tab-separated columns, the word in the second, the NER tag under a key of MISC (NER=B-PER)",
        detect: detect::Rule::Columns(detect::conllu),
        reader: |mut r, o| {
            let prefix = r.fill_buf().map(<[u8]>::to_vec).unwrap_or_default();
            let opts = conll::conllu_options(&prefix, &o.conll());
            Box::new(conll::Reader::new(r, opts))
        },
        writer: None,
        chunks: None,
    },
    Entry {
        name: "spacy",
        about: "spaCy's training files (.spacy DocBin)",
        detect: detect::Rule::Bytes(spacy::looks_like_docbin),
        reader: |r, o| Box::new(spacy::Reader::new(r, spacy::read_options(o))),
        writer: Some(|w, _| Box::new(spacy::Writer::new(w))),
        chunks: None,
    },
    Entry {
        name: "bracket",
        about: "inline brackets as taggers print them: [PER Ryan C. Crocker  ]",
        detect: detect::Rule::Text,
        reader: |r, o| Box::new(bracket::Reader::new(r, o.bracket())),
        writer: Some(|w, o| Box::new(bracket::writer::Writer::new(w, o.bracket_style))),
        chunks: Some(Chunks {
            cut: Cut::Lines,
            allowed: |o| o.sentences != SentenceMode::None,
            open: |r, o, at| {
                let reader = bracket::Reader::new(r, o.bracket());
                Box::new(reader.starting_at(at.line, at.byte, at.unit, at.index == 0))
            },
        }),
    },
];

/// The entry named `name`, found when the program is compiled.
const fn entry(name: &str) -> &'static Entry {
    let mut i = 0;
    while i < REGISTRY.len() {
        if same(REGISTRY[i].name, name) {
            return &REGISTRY[i];
        }
        i += 1;
    }
    panic!("no format of that name in the registry")
}

/// `a == b`, in a `const fn`.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The format the start of an input shows (`prefix`: what
/// `BufRead::fill_buf` holds, up to 64 KiB, not consumed), decisively:
///
/// 1. A binary format by its bytes (a zlib stream that inflates to
///    a MessagePack map is spaCy's `.spacy` DocBin).
/// 2. Input that starts like JSON (`{`, or `[` and a JSON value) is JSON:
///    a layout is chosen by the keys of its first record (`tokens` and
///    `tags`: jsonl; `text` and `entities`: spans; doccano's, Prodigy's and
///    Label Studio's keys: theirs). Invalid JSON, or JSON of no known
///    layout, is an error naming what was seen.
/// 3. Lines of columns of which one holds tags of any style (`O`, `B-PER`,
///    `PER-B`, bare `B`, unprefixed types beside `O`): CoNLL (CoNLL-U by
///    its ten columns and word ids). Tab-separated columns in which no
///    column holds tags are an error.
/// 4. Any other text is bracket text.
///
/// # Errors
/// When the input starts like JSON but is not, is JSON of no known layout,
/// or is tab-separated columns without tags.
///
/// # Example
/// ```
/// use nerkit::format::{detect, Format};
/// assert_eq!(detect(b"EU B-ORG\nrejects O\n")?, Format::CONLL);
/// assert_eq!(detect(b"{\"text\": \"EU\", \"entities\": []}\n")?, Format::SPANS);
/// assert_eq!(detect(b"{\"tokens\": [\"EU\"], \"tags\": [\"B-ORG\"]}\n")?, Format::JSONL);
/// assert_eq!(detect(b"[ORG EU  ] rejects German call\n")?, Format::BRACKET);
/// assert!(detect(b"[{\"id\": 1, \"payload\": {}}]").is_err());
/// # Ok::<(), nerkit::Error>(())
/// ```
pub fn detect(prefix: &[u8]) -> Result<Format> {
    detect_with(prefix, &ReadOptions::default())
}

/// [`detect()`] for inputs to be read with `opts`: the column rules look for
/// tags in [`ReadOptions::tag_column`] when it is given.
///
/// # Errors
/// As [`detect()`].
pub fn detect_with(prefix: &[u8], opts: &ReadOptions) -> Result<Format> {
    let prefix = detect::Prefix::new(prefix).with_tag_column(opts.tag_column);
    detect::detect(&prefix)
}

/// What a reader found out about its input, for summaries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct InputFacts {
    /// The tag scheme of the input, and whether it was detected.
    pub scheme: Option<(TagScheme, bool)>,
    /// HTML was stripped from bracket text.
    pub html_stripped: bool,
    /// Spans read from a spans input, kept or not.
    pub spans: Option<u64>,
    /// The tag style of the input (CoNLL, JSON lines), and whether it was
    /// detected.
    pub tag_style: Option<(TagStyle, bool)>,
    /// CoNLL: some line had a number after its tag (`EU B-ORG 0.98`, a
    /// tagger's probability), which was passed over; the tag is the column
    /// before it.
    pub score_column: bool,
    /// CoNLL: CoNLL-U multiword-token and empty-node lines (`1-2`, `1.1`)
    /// passed over, since their words are on lines of their own.
    pub skipped_lines: u64,
}

/// A reader of sentences of any registered format.
pub trait InputReader: SentenceReader {
    /// What the reader found out so far (a detected scheme, stripped HTML).
    fn facts(&self) -> InputFacts;

    /// The number of the next line to read, where the format counts lines
    /// as a chunk reader needs them (bracket text, CoNLL).
    fn next_line(&self) -> Option<u64> {
        None
    }

    /// Copies every sentence to `writer` by a route of the format's own
    /// that writes what [`crate::convert::copy_sentences`] would (bracket
    /// text has one); `None` when there is none, and nothing was read.
    fn copy_to_conll(
        &mut self,
        _writer: &mut conll::Writer<&mut dyn Write>,
        _summary: &mut Summary,
        _on_repair: &mut dyn FnMut(&Repair),
    ) -> Option<Result<()>> {
        None
    }

    /// Copies every sentence to the JSON lines `writer` by a route of the
    /// format's own that writes what [`crate::convert::copy_sentences`]
    /// would (CoNLL has one); `None` when there is none, and nothing was
    /// read.
    fn copy_to_jsonl(
        &mut self,
        _writer: &mut jsonl::Writer<&mut dyn Write>,
        _summary: &mut Summary,
        _on_repair: &mut dyn FnMut(&Repair),
    ) -> Option<Result<()>> {
        None
    }

    /// Copies every sentence to the spans `writer` by a route of the
    /// format's own that writes what [`crate::convert::copy_sentences`]
    /// would (bracket text has one); `None` when there is none, and
    /// nothing was read.
    fn copy_to_spans(
        &mut self,
        _writer: &mut spans::Writer<&mut dyn Write>,
        _summary: &mut Summary,
        _on_repair: &mut dyn FnMut(&Repair),
    ) -> Option<Result<()>> {
        None
    }

    /// Copies every sentence to the bracket `writer` by a route of the
    /// format's own that writes what [`crate::convert::copy_sentences`]
    /// would (bracket text has one); `None` when there is none, and
    /// nothing was read.
    fn copy_to_bracket(
        &mut self,
        _writer: &mut bracket::writer::Writer<&mut dyn Write>,
        _summary: &mut Summary,
        _on_repair: &mut dyn FnMut(&Repair),
    ) -> Option<Result<()>> {
        None
    }
}

impl<R: BufRead> InputReader for bracket::Reader<R> {
    fn facts(&self) -> InputFacts {
        InputFacts {
            html_stripped: self.strips_html() == Some(true),
            ..InputFacts::default()
        }
    }

    fn next_line(&self) -> Option<u64> {
        Some(self.next_line_number())
    }

    fn copy_to_conll(
        &mut self,
        writer: &mut conll::Writer<&mut dyn Write>,
        summary: &mut Summary,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> Option<Result<()>> {
        Some(bracket::Reader::copy_to_conll(
            self, writer, summary, on_repair,
        ))
    }

    fn copy_to_jsonl(
        &mut self,
        writer: &mut jsonl::Writer<&mut dyn Write>,
        summary: &mut Summary,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> Option<Result<()>> {
        Some(bracket::Reader::copy_to_jsonl(
            self, writer, summary, on_repair,
        ))
    }

    fn copy_to_spans(
        &mut self,
        writer: &mut spans::Writer<&mut dyn Write>,
        summary: &mut Summary,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> Option<Result<()>> {
        Some(bracket::Reader::copy_to_spans(
            self, writer, summary, on_repair,
        ))
    }

    fn copy_to_bracket(
        &mut self,
        writer: &mut bracket::writer::Writer<&mut dyn Write>,
        summary: &mut Summary,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> Option<Result<()>> {
        Some(bracket::Reader::copy_to_bracket(
            self, writer, summary, on_repair,
        ))
    }
}

impl SentenceReader for Box<dyn InputReader> {
    fn read_sentence(&mut self, sentence: &mut crate::Sentence) -> Result<bool> {
        (**self).read_sentence(sentence)
    }

    fn drain_repairs(&mut self, sink: &mut dyn FnMut(Repair)) {
        (**self).drain_repairs(sink)
    }
}

/// Opens `input` as `format`, or as the format its start shows when
/// `format` is `None`; returns the format read.
///
/// Detection looks at what `fill_buf` holds without consuming it.
///
/// # Errors
/// An I/O error reading the start, or a detection error ([`detect()`]).
pub fn open(
    mut input: Box<dyn BufRead>,
    format: Option<Format>,
    opts: &ReadOptions,
) -> Result<(Format, Box<dyn InputReader>)> {
    let format = match format {
        Some(f) => f,
        None => detect_with(input.fill_buf()?, opts)?,
    };
    Ok((format, (format.0.reader)(input, opts)))
}

/// Opens a writer of `format` over `out`.
///
/// # Errors
/// When nerkit cannot write the format.
pub fn create<'a>(
    format: Format,
    out: &'a mut dyn Write,
    opts: &WriteOptions,
) -> Result<Box<dyn SentenceWriter + 'a>> {
    match format.0.writer {
        Some(open) => Ok(open(out, opts)),
        None => Err(crate::Error::msg(format!(
            "nerkit reads {format} but does not write it"
        ))),
    }
}

/// How inputs are read: the options of every format in one place, each
/// taken by the formats it applies to.
///
/// # Example
/// ```
/// use nerkit::format::ReadOptions;
/// use nerkit::TagScheme;
/// let opts = ReadOptions::default().scheme(TagScheme::Iob1).lenient(true);
/// assert_eq!(opts.scheme, Some(TagScheme::Iob1));
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ReadOptions {
    /// CoNLL and JSON lines: the scheme of the tags; `None` detects it.
    pub scheme: Option<TagScheme>,
    /// Repair malformed input (bracket errors, ill-formed tag sequences as
    /// conlleval.pl reads them) and record each repair, instead of failing.
    pub lenient: bool,
    /// CoNLL: how columns are separated.
    pub delimiter: Delimiter,
    /// CoNLL: the column holding the tag, from 1; `None` for the last.
    pub tag_column: Option<usize>,
    /// CoNLL: skip lines starting with `#` (CoNLL-U comments).
    pub comments: bool,
    /// Bracket and spans: how text is split into tokens; `None` for the
    /// format's default (whitespace for bracket text, Unicode for spans).
    pub tokenizer: Option<Tokenizer>,
    /// Bracket and spans: the unit of offsets; `None` for the format's
    /// default (bytes for bracket text, chars for spans).
    pub offsets: Option<OffsetUnit>,
    /// Bracket: what to do with HTML.
    pub html: HtmlMode,
    /// Bracket: the allowed labels; `None` accepts any.
    pub labels: Option<Vec<String>>,
    /// Bracket: how lines become sentences.
    pub sentences: SentenceMode,
    /// Bracket: read a line longer than this in pieces
    /// ([`bracket::Options::piece_bytes`]); `None` reads lines whole. The
    /// [`crate::convert::Converter`] reads in pieces of
    /// [`bracket::PIECE_BYTES`] unless this is set.
    pub piece_bytes: Option<usize>,
    /// Spans: what to do with a span edge inside a token.
    pub align: Align,
    /// Spans: what to do with overlapping spans.
    pub overlaps: Overlaps,
    /// CoNLL and JSON lines: how tags spell prefix and type (`B-PER`,
    /// `PER-B`, `PER`, `B`); `None` detects it.
    pub tag_style: Option<TagStyle>,
    /// CoNLL: the column holding the token, from 1; `None` for the first.
    pub token_column: Option<usize>,
    /// CoNLL: read the tag from this key of `KEY=VALUE|...` members in the
    /// tag column (CoNLL-U's MISC column: `NER=B-PER`).
    pub misc_key: Option<String>,
    /// CoNLL: record the columns other than the token and the tag, for a
    /// CoNLL writer that keeps them ([`WriteOptions::keep_columns`]).
    pub keep_columns: bool,
    /// JSON lines: the names of integer classes in `ner_tags` (a Hugging
    /// Face `ClassLabel`'s names, in class order).
    pub label_names: Option<Vec<String>>,
    /// Spans and annotation-tool exports: how a document is split into
    /// sentences; `None` keeps one sentence per document
    /// ([`spans::ReadOptions::sentences`]).
    pub document_sentences: Option<SentenceMode>,
    /// Label Studio: which annotation of a task is read when it has
    /// several.
    pub annotation: labelstudio::Annotation,
}

impl ReadOptions {
    /// Sets [`ReadOptions::scheme`].
    pub fn scheme(mut self, scheme: TagScheme) -> ReadOptions {
        self.scheme = Some(scheme);
        self
    }

    /// Sets [`ReadOptions::lenient`].
    pub fn lenient(mut self, yes: bool) -> ReadOptions {
        self.lenient = yes;
        self
    }

    /// Sets [`ReadOptions::delimiter`].
    pub fn delimiter(mut self, delimiter: Delimiter) -> ReadOptions {
        self.delimiter = delimiter;
        self
    }

    /// Sets [`ReadOptions::tag_column`].
    pub fn tag_column(mut self, column: usize) -> ReadOptions {
        self.tag_column = Some(column);
        self
    }

    /// Sets [`ReadOptions::tokenizer`].
    pub fn tokenizer(mut self, tokenizer: Tokenizer) -> ReadOptions {
        self.tokenizer = Some(tokenizer);
        self
    }

    /// Sets [`ReadOptions::html`].
    pub fn html(mut self, html: HtmlMode) -> ReadOptions {
        self.html = html;
        self
    }

    /// The options of the bracket reader.
    pub fn bracket(&self) -> bracket::Options {
        bracket::Options {
            tokenizer: self.tokenizer.unwrap_or(Tokenizer::Whitespace),
            labels: self.labels.clone(),
            lenient: self.lenient,
            offsets: self.offsets.unwrap_or(OffsetUnit::Bytes),
            html: self.html,
            sentences: self.sentences,
            piece_bytes: self.piece_bytes,
        }
    }

    /// The options of the CoNLL reader.
    pub fn conll(&self) -> conll::ReadOptions {
        conll::ReadOptions {
            delimiter: self.delimiter.clone(),
            tag_column: self.tag_column,
            comments: self.comments,
            scheme: self.scheme,
            lenient: self.lenient,
            tag_style: self.tag_style,
            token_column: self.token_column,
            misc_key: self.misc_key.clone(),
            keep_columns: self.keep_columns,
        }
    }

    /// The options of the JSON lines reader.
    pub fn jsonl(&self) -> jsonl::ReadOptions {
        jsonl::ReadOptions {
            scheme: self.scheme,
            lenient: self.lenient,
            tag_style: self.tag_style,
            label_names: self.label_names.clone(),
        }
    }

    /// The options of the spans reader.
    pub fn spans(&self) -> spans::ReadOptions {
        spans::ReadOptions {
            tokenizer: self.tokenizer.unwrap_or(Tokenizer::Unicode),
            offsets: self.offsets.unwrap_or(OffsetUnit::Chars),
            align: self.align,
            overlaps: self.overlaps,
            sentences: self.document_sentences,
        }
    }

    /// The options of the Label Studio reader.
    pub fn label_studio(&self) -> labelstudio::ReadOptions {
        labelstudio::ReadOptions {
            spans: self.spans(),
            annotation: self.annotation,
        }
    }
}

/// How outputs are written: the options of every format in one place.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct WriteOptions {
    /// CoNLL and JSON lines: the tag scheme written.
    pub scheme: TagScheme,
    /// CoNLL: a `-DOCSTART-` line before each document.
    pub docstart: bool,
    /// CoNLL: the columns written.
    pub columns: Columns,
    /// Spans: the unit of offsets; `None` for chars.
    pub offsets: Option<OffsetUnit>,
    /// Bracket: how entities are spaced.
    pub bracket_style: Style,
    /// CoNLL and JSON lines: how tags spell prefix and type. The `none`
    /// style ([`TagStyle::Unprefixed`]) writes IO tags whatever the scheme.
    pub tag_style: TagStyle,
    /// CoNLL: write the columns a CoNLL reader recorded
    /// ([`ReadOptions::keep_columns`]) between the token and the tag.
    pub keep_columns: bool,
    /// JSON lines: write `ner_tags` as class numbers, each tag's index in
    /// these names (a Hugging Face `ClassLabel`'s names), instead of
    /// `tags` as strings.
    pub label_names: Option<Vec<String>>,
}

impl Default for WriteOptions {
    fn default() -> WriteOptions {
        WriteOptions {
            scheme: TagScheme::Iob2,
            docstart: false,
            columns: Columns::default(),
            offsets: None,
            bracket_style: Style::default(),
            tag_style: TagStyle::default(),
            keep_columns: false,
            label_names: None,
        }
    }
}

impl WriteOptions {
    /// Sets [`WriteOptions::scheme`].
    pub fn scheme(mut self, scheme: TagScheme) -> WriteOptions {
        self.scheme = scheme;
        self
    }

    /// Sets [`WriteOptions::docstart`].
    pub fn docstart(mut self, yes: bool) -> WriteOptions {
        self.docstart = yes;
        self
    }

    /// Sets [`WriteOptions::columns`].
    pub fn columns(mut self, columns: Columns) -> WriteOptions {
        self.columns = columns;
        self
    }

    /// Sets [`WriteOptions::offsets`].
    pub fn offsets(mut self, unit: OffsetUnit) -> WriteOptions {
        self.offsets = Some(unit);
        self
    }

    /// Sets [`WriteOptions::bracket_style`].
    pub fn bracket_style(mut self, style: Style) -> WriteOptions {
        self.bracket_style = style;
        self
    }

    /// The CoNLL writer over `out`, which the fused bracket route writes to
    /// directly.
    pub fn conll_writer<W: Write>(&self, out: W) -> conll::Writer<W> {
        conll::Writer::new(out, self.scheme)
            .with_docstart(self.docstart)
            .with_columns(self.columns)
            .with_tag_style(self.tag_style)
            .with_kept_columns(self.keep_columns)
    }

    /// The spans writer over `out` (offsets in chars unless set).
    pub fn spans_writer<W: Write>(&self, out: W) -> spans::Writer<W> {
        spans::Writer::new(out, self.offsets.unwrap_or(OffsetUnit::Chars))
    }

    /// The JSON lines writer over `out`.
    pub fn jsonl_writer<W: Write>(&self, out: W) -> jsonl::Writer<W> {
        jsonl::Writer::new(out, self.scheme)
            .with_tag_style(self.tag_style)
            .with_offsets(self.offsets.unwrap_or(OffsetUnit::Bytes))
            .with_label_names(self.label_names.clone())
    }
}
