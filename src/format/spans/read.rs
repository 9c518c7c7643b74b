//! Reading spans.

use std::io::BufRead;

use crate::bracket::SentenceMode;
use crate::error::Result;
use crate::format::json;
use crate::repair::Repair;
use crate::sentence::{OffsetUnit, Sentence};
use crate::tokenize::Tokenizer;

use super::document::{DocBuf, DocOptions, Docs, Layout};
use super::parse::{self, LayoutError};

/// What to do with a span edge inside a token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Align {
    /// An error (the default).
    #[default]
    Strict,
    /// Move the edge inward to the nearest token edge.
    Contract,
    /// Move the edge outward to the nearest token edge.
    Expand,
    /// Split the token at the edge, so that every span keeps the offsets
    /// the file gave: what character-level scoring reads with, where a
    /// prediction's entity may end inside a word of the gold text.
    Split,
}

impl std::str::FromStr for Align {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Align, String> {
        match s.to_ascii_lowercase().as_str() {
            "strict" | "error" => Ok(Align::Strict),
            "contract" => Ok(Align::Contract),
            "expand" => Ok(Align::Expand),
            "split" => Ok(Align::Split),
            _ => Err(format!(
                "unknown alignment \"{s}\" (expected strict, contract, expand or split)"
            )),
        }
    }
}

/// What to do with overlapping spans.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Overlaps {
    /// An error (the default).
    #[default]
    Error,
    /// Keep the longest span (in tokens), drop those that overlap it.
    Longest,
    /// Keep the earliest span, drop those that overlap it.
    First,
}

impl std::str::FromStr for Overlaps {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Overlaps, String> {
        match s.to_ascii_lowercase().as_str() {
            "error" | "strict" => Ok(Overlaps::Error),
            "longest" => Ok(Overlaps::Longest),
            "first" => Ok(Overlaps::First),
            _ => Err(format!(
                "unknown overlap rule \"{s}\" (expected error, longest or first)"
            )),
        }
    }
}

/// Options for reading span files.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ReadOptions {
    /// How the text is split into tokens (UAX #29 words by default).
    pub tokenizer: Tokenizer,
    /// The unit of the offsets in the input, and of the token offsets
    /// recorded (code points by default).
    pub offsets: OffsetUnit,
    /// What to do with a span edge inside a token.
    pub align: Align,
    /// What to do with overlapping spans.
    pub overlaps: Overlaps,
    /// How a document is split into sentences: `None` (the default) keeps
    /// one sentence per document; [`SentenceMode::Line`] starts a sentence
    /// after every line break in the text, [`SentenceMode::Auto`] also
    /// after a token made of `.`, `!` and `?` that whitespace follows. A
    /// sentence never starts inside an entity. Token offsets stay relative
    /// to the document.
    pub sentences: Option<SentenceMode>,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            tokenizer: Tokenizer::Unicode,
            offsets: OffsetUnit::Chars,
            align: Align::Strict,
            overlaps: Overlaps::Error,
            sentences: None,
        }
    }
}

impl ReadOptions {
    /// What the document reader takes.
    pub(crate) fn doc(&self) -> DocOptions {
        DocOptions {
            tokenizer: self.tokenizer,
            offsets: self.offsets,
            align: self.align,
            overlaps: self.overlaps,
            sentences: self.sentences,
        }
    }
}

/// The layout of spans files: `text`, and `entities` (objects or
/// arrays) or doccano's `label` (arrays); every other member is kept as
/// written.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SpansLayout;

impl Layout for SpansLayout {
    fn parse(&mut self, value: &[u8], doc: &mut DocBuf) -> std::result::Result<(), LayoutError> {
        if scan_document(value, doc).is_some() {
            return Ok(());
        }
        doc.clear();
        parse_general(value, doc)
    }
}

/// The fast route of a spans document: one hand scan of the value,
/// straight into `doc`, for documents with one `text`, at most one
/// `entities` (no doccano `label`) and any other members. `None` on
/// anything the scan does not read exactly as [`parse_general`] would
/// (see [`parse::scan_span_list`]), or where that would give an error;
/// `doc` then holds anything, and the caller clears it and parses the
/// value by the general route, which words the error.
pub(super) fn scan_document(value: &[u8], doc: &mut DocBuf) -> Option<()> {
    let value = std::str::from_utf8(value).ok()?;
    let (mut text, mut entities) = (false, false);
    json::scan::Scan::new(value).whole_object(|key, c| match key {
        b"text" if !text => {
            text = true;
            c.string_into(&mut doc.text)
        }
        b"entities" if !entities => {
            entities = true;
            parse::scan_span_list(c, doc)
        }
        // A second text is appended, a second list read too, and `label`
        // read or kept depending on `entities`: left to the general route.
        b"text" | b"entities" | b"label" => None,
        _ => {
            let raw = c.raw_value()?;
            // A key without escapes, between two ASCII quotes of valid
            // UTF-8, is valid UTF-8.
            let key = std::str::from_utf8(key).ok()?;
            json::push_raw_member(&mut doc.extra, key, raw);
            Some(())
        }
    })?;
    doc.has_text = text;
    text.then_some(())
}

/// The general route of a spans document: serde_json reads its members as
/// written, and each is read by itself, so that every error names its
/// place.
pub(super) fn parse_general(
    value: &[u8],
    doc: &mut DocBuf,
) -> std::result::Result<(), LayoutError> {
    let object = parse::members(value, "a span document")?;
    let mut by_tokens = Vec::new();
    let has_entities = object
        .0
        .iter()
        .any(|(k, raw)| &**k == "entities" && raw.get() != "null");
    for (key, raw) in &object.0 {
        match &**key {
            "text" => {
                doc.text.push_str(&parse::string(value, raw, "text")?);
                doc.has_text = true;
            }
            "entities" => parse::span_list(value, raw, "entities", doc, &mut by_tokens)?,
            "label" if !has_entities => parse::span_list(value, raw, "label", doc, &mut by_tokens)?,
            _ => json::push_member(&mut doc.extra, key, raw),
        }
    }
    if !doc.has_text {
        return Err(LayoutError::whole("no \"text\" string"));
    }
    if !by_tokens.is_empty() {
        return Err(LayoutError::whole(
            "a span has token indices but no \"start\" and \"end\"",
        ));
    }
    Ok(())
}

/// Reads span files one document (line) at a time.
///
/// # Example
/// ```
/// use nerkit::spans::{Reader, ReadOptions};
/// use nerkit::Sentence;
///
/// let text = r#"{"text": "Ryan Crocker met Musharraf.", "entities": [{"start": 0, "end": 12, "label": "PER"}]}"#;
/// let mut reader = Reader::new(text.as_bytes(), ReadOptions::default());
/// let mut s = Sentence::new();
/// assert!(reader.read_sentence(&mut s)?);
/// let tokens: Vec<_> = s.tokens().map(|t| t.text).collect();
/// assert_eq!(tokens, ["Ryan", "Crocker", "met", "Musharraf", "."]);
/// assert_eq!(s.entity(0).tokens.end(), 2);
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Reader<R> {
    docs: Docs<R, SpansLayout>,
}

impl<R: BufRead> Reader<R> {
    /// A reader over `inner`.
    pub fn new(inner: R, opts: ReadOptions) -> Reader<R> {
        Reader {
            docs: Docs::new(inner, SpansLayout, opts.doc()),
        }
    }

    /// The number of spans in the input so far, kept or not.
    pub fn spans_read(&self) -> u64 {
        self.docs.spans_read()
    }

    /// Repairs (moved and dropped spans) since the last call.
    pub fn take_repairs(&mut self) -> std::vec::Drain<'_, Repair> {
        self.docs.take_repairs()
    }

    /// Reads the next sentence into `sentence` (cleared first); `false` at
    /// the end. Each line is one document, and one sentence unless
    /// [`ReadOptions::sentences`] splits it.
    ///
    /// # Errors
    /// I/O errors, lines that are not a span object, offsets out of range,
    /// and (unless allowed by the options) misaligned or overlapping spans,
    /// with the line.
    pub fn read_sentence(&mut self, sentence: &mut Sentence) -> Result<bool> {
        self.docs.read_sentence(sentence)
    }
}

impl<R: BufRead> crate::convert::SentenceReader for Reader<R> {
    fn read_sentence(&mut self, sentence: &mut Sentence) -> Result<bool> {
        Reader::read_sentence(self, sentence)
    }

    fn drain_repairs(&mut self, sink: &mut dyn FnMut(Repair)) {
        self.take_repairs().for_each(sink);
    }
}

impl<R: BufRead> crate::format::InputReader for Reader<R> {
    fn facts(&self) -> crate::format::InputFacts {
        crate::format::InputFacts {
            spans: Some(self.spans_read()),
            ..Default::default()
        }
    }

    /// The fast route of documents to CoNLL (`spans::fast`) when the
    /// options keep a sentence per document.
    fn copy_to_conll(
        &mut self,
        writer: &mut crate::format::conll::Writer<&mut dyn std::io::Write>,
        summary: &mut crate::convert::Summary,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> Option<Result<()>> {
        let docs = &mut self.docs;
        docs.fast_conll_allowed()
            .then(|| docs.copy_to_conll(writer, summary, on_repair))
    }
}
