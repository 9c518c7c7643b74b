//! The fast route from documents (spans files) to CoNLL lines.
//!
//! The general route fills a [`Sentence`](crate::Sentence) with every
//! token, its offsets in the input's unit and the whitespace after it, and
//! the CoNLL writer then reads them back: each token is recorded three
//! times before its line is written. This route writes a document's lines
//! straight from its text, its tokens and its spans, when it can prove that
//! the general route would write the same: every span starts and ends on
//! token edges (or in whitespace), the spans come in order of their
//! offsets without sharing a byte, every label fits a CoNLL tag in the
//! writer's style, no token holds what ends a CoNLL column, and the document
//! has a token. On such a document the general route repairs nothing and
//! finds no error, whatever the alignment and overlap options (there is
//! nothing to align or resolve), and makes one sentence when the options
//! do not split documents. Any other document is handed back, untouched,
//! to the general route, which words its errors and makes its repairs.

use std::io::Write;

use crate::convert::Summary;
use crate::error::Result;
use crate::format::conll;
use crate::scheme::tagging::recycle;
use crate::scheme::{encode, label_fault, Tag, TagScheme, TagStyle};
use crate::sentence::Entity;
use crate::span::{Span, TokenSpan};

use super::document::DocBuf;

#[cfg(test)]
thread_local! {
    /// The documents the route wrote on this thread, for tests that check
    /// it is taken.
    pub(super) static FAST_DOCUMENTS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// What the route keeps between documents: the writer's scheme and style,
/// and buffers reused for every document.
#[derive(Debug)]
pub(crate) struct ConllRoute {
    /// The scheme the tags are written in (IO for a style without
    /// prefixes), as the writer encodes them.
    scheme: TagScheme,
    style: TagStyle,
    separator: &'static [u8],
    entities: Vec<Entity<'static>>,
    tags: Vec<Tag<'static>>,
    /// The lines of one document, written with one call.
    buf: Vec<u8>,
    /// The text of one tag and its line end.
    tag: Vec<u8>,
    /// The labels of the entities of the documents written, with the
    /// entities read and written that [`ConllRoute::add_counts`] has not
    /// yet added to a summary: one short scan an entity where the
    /// summary's counts cost a search of their own for each of the two.
    counts: Vec<LabelCount>,
}

/// See [`ConllRoute::counts`].
#[derive(Debug)]
struct LabelCount {
    label: String,
    read: u64,
    written: u64,
}

/// How many labels [`ConllRoute::counts`] holds; the entities of others
/// are counted into the summary at once.
const COUNTED_LABELS: usize = 16;

impl ConllRoute {
    /// The route for documents written by `writer`.
    pub fn new<W: Write>(writer: &conll::Writer<W>) -> ConllRoute {
        ConllRoute {
            scheme: writer.effective_scheme(),
            style: writer.tag_style(),
            separator: writer.columns().separator(),
            entities: Vec::new(),
            tags: Vec::new(),
            buf: Vec::new(),
            tag: Vec::new(),
            counts: Vec::new(),
        }
    }

    /// Adds the labels of the entities read and written by the documents
    /// written since the last call to `summary`: the caller calls it once
    /// the documents are written (or one failed), before the summary is
    /// read.
    pub fn add_counts(&mut self, summary: &mut Summary) {
        for c in &mut self.counts {
            if c.read > 0 {
                summary.read.add(&c.label, c.read);
            }
            if c.written > 0 {
                summary.written.add(&c.label, c.written);
            }
            (c.read, c.written) = (0, 0);
        }
    }

    /// Counts an entity of `label` read, and written unless it merges
    /// into the one before: into [`ConllRoute::counts`], or into `summary`
    /// when that holds other labels already.
    #[inline]
    fn count(&mut self, label: &str, written: bool, summary: &mut Summary) {
        let same = |c: &LabelCount| {
            c.label.len() == label.len()
                && c.label.as_bytes().first() == label.as_bytes().first()
                && c.label == label
        };
        let k = match self.counts.iter().position(same) {
            Some(k) => k,
            None if self.counts.len() < COUNTED_LABELS => {
                self.counts.push(LabelCount {
                    label: label.to_string(),
                    read: 0,
                    written: 0,
                });
                self.counts.len() - 1
            }
            None => {
                summary.read.add(label, 1);
                if written {
                    summary.written.add(label, 1);
                }
                return;
            }
        };
        let c = &mut self.counts[k];
        c.read += 1;
        c.written += u64::from(written);
    }

    /// Writes the document `doc`, split into `tokens` (byte spans of its
    /// text, in order) with its spans' offsets in bytes, to `writer` and
    /// counts it into `summary`, as the general route would; `Ok(false)`,
    /// with nothing written or counted, when the route cannot prove that it
    /// writes what the general route writes.
    ///
    /// # Errors
    /// The writer's I/O errors.
    pub fn write_document(
        &mut self,
        doc: &DocBuf,
        tokens: &[Span],
        writer: &mut conll::Writer<&mut dyn Write>,
        summary: &mut Summary,
    ) -> Result<bool> {
        let mut entities: Vec<Entity<'_>> = recycle(std::mem::take(&mut self.entities));
        let mut tags: Vec<Tag<'_>> = recycle(std::mem::take(&mut self.tags));
        let proven = entities_of(doc, tokens, self.style, &mut entities)
            && encode(self.scheme, tokens.len(), &entities, &mut tags).is_ok()
            && self.push_lines(doc.text.as_bytes(), tokens, &tags);
        let result = if proven {
            #[cfg(test)]
            FAST_DOCUMENTS.with(|c| c.set(c.get() + 1));
            self.write_counted(tokens.len(), &entities, writer, summary)
                .map(|()| true)
        } else {
            Ok(false)
        };
        self.entities = recycle(entities);
        self.tags = recycle(tags);
        result
    }

    /// Writes the lines of `tokens` of `text` tagged `tags` to the buffer
    /// (cleared first), as the CoNLL writer writes them; `false` when a
    /// token cannot be a column, which the general route reports.
    ///
    /// The buffer is sized once for the longest lines the tokens and tags
    /// can make, and written by index: no token pays for a check of
    /// capacity or a call to copy it.
    fn push_lines(&mut self, text: &[u8], tokens: &[Span], tags: &[Tag<'_>]) -> bool {
        let labels: usize = tags.iter().map(|t| t.label.len() + 2).sum();
        let room = tokens.last().map_or(0, |t| t.end()) + labels;
        let room = room + tokens.len() * (self.separator.len() + 2) + 1 + TOKEN_COPY;
        let (buf, tag_text) = (&mut self.buf, &mut self.tag);
        buf.clear();
        buf.resize(room, 0);
        let tab = self.separator == b"\t";
        let mut o = 0;
        for (t, tag) in tokens.iter().zip(tags) {
            let (start, end) = (t.start(), t.end());
            let len = end - start;
            // Only a token that starts with a byte below `!` may hold what
            // ends a column: neither tokenizer puts whitespace after the
            // first byte of a token (see `Tokenizer::push_spans`).
            if len == 0 || (text[start] < b'!' && ends_a_column(&text[start..end])) {
                return false;
            }
            if len <= TOKEN_COPY && start + TOKEN_COPY <= text.len() {
                // Most tokens are short: a copy of a length known when
                // compiling is a few moves, and the bytes past the token
                // are written over next.
                buf[o..o + TOKEN_COPY].copy_from_slice(&text[start..start + TOKEN_COPY]);
            } else {
                buf[o..o + len].copy_from_slice(&text[start..end]);
            }
            o += len;
            if tab && tag.is_outside() {
                buf[o..o + 3].copy_from_slice(b"\tO\n");
                o += 3;
                continue;
            }
            buf[o..o + self.separator.len()].copy_from_slice(self.separator);
            o += self.separator.len();
            if self.style == TagStyle::Prefix && !tag.is_outside() {
                // `Tag::push_to` and the line end, written in place: the
                // room counted above holds them.
                let label = tag.label.as_bytes();
                buf[o] = tag.prefix.letter() as u8;
                buf[o + 1] = b'-';
                buf[o + 2..o + 2 + label.len()].copy_from_slice(label);
                buf[o + 2 + label.len()] = b'\n';
                o += label.len() + 3;
                continue;
            }
            tag_text.clear();
            if self.style == TagStyle::Prefix {
                tag.push_to(tag_text);
            } else {
                tag.push_styled(self.style, tag_text);
            }
            tag_text.push(b'\n');
            buf[o..o + tag_text.len()].copy_from_slice(tag_text);
            o += tag_text.len();
        }
        buf[o] = b'\n';
        buf.truncate(o + 1);
        true
    }

    /// Writes the buffer, the lines of one document of `tokens` tokens
    /// holding `entities`, and counts them, in the order
    /// `convert::write_counted` and the writer count a sentence that
    /// starts a document (the labels into [`ConllRoute::counts`]).
    fn write_counted(
        &mut self,
        tokens: usize,
        entities: &[Entity<'_>],
        writer: &mut conll::Writer<&mut dyn Write>,
        summary: &mut Summary,
    ) -> Result<()> {
        use crate::convert::SentenceWriter;
        summary.documents += 1;
        writer.start_document()?;
        summary.sentences += 1;
        summary.tokens += tokens as u64;
        if let Err(e) = writer.out_mut().write_all(&self.buf) {
            // Read, not written.
            for e in entities {
                summary.read.add(e.label, 1);
            }
            return Err(e.into());
        }
        // A reader of the tags finds every entity, except in IO, where an
        // entity that directly follows one of the same type merges into it.
        let mut previous: Option<&Entity<'_>> = None;
        for e in entities {
            let merges = self.scheme == TagScheme::Io
                && previous
                    .is_some_and(|p| p.tokens.end() == e.tokens.start() && p.label == e.label);
            self.count(e.label, !merges, summary);
            previous = Some(e);
        }
        Ok(())
    }
}

#[cfg(debug_assertions)]
impl Drop for ConllRoute {
    /// A route dropped with counts not added to a summary lost them.
    fn drop(&mut self) {
        if !std::thread::panicking() {
            debug_assert!(
                self.counts.iter().all(|c| c.read == 0 && c.written == 0),
                "ConllRoute::add_counts was not called"
            );
        }
    }
}

/// Fills `entities` with the spans of `doc` over `tokens`, in order, when
/// every span starts and ends on a token edge or in whitespace, covers a
/// token, comes after the span before it without sharing a byte with it,
/// and has a label that fits a CoNLL tag in `style`: what the general
/// route's alignment keeps as it is, with nothing to repair or report.
/// `false` for any other document.
///
/// Both lists are in order, so one cursor walks the tokens: the first
/// token of a span is the first that ends after its start, and its last
/// the last that starts before its end, as the general route's binary
/// searches find them.
fn entities_of<'d>(
    doc: &'d DocBuf,
    tokens: &[Span],
    style: TagStyle,
    entities: &mut Vec<Entity<'d>>,
) -> bool {
    entities.clear();
    if tokens.is_empty() {
        return false;
    }
    let (mut i, mut previous_end) = (0, 0);
    for s in &doc.spans {
        let (start, end) = s.bytes;
        if start < previous_end || start >= end {
            return false;
        }
        while i < tokens.len() && tokens[i].end() <= start {
            i += 1;
        }
        let first = i;
        if first == tokens.len() || tokens[first].start() < start {
            return false;
        }
        while i < tokens.len() && tokens[i].start() < end {
            i += 1;
        }
        if i == first || tokens[i - 1].end() > end {
            return false;
        }
        let label = doc.label(s);
        if !label_fits(style, label) {
            return false;
        }
        entities.push(Entity {
            label,
            tokens: TokenSpan::new(first, i),
        });
        previous_end = end;
    }
    true
}

/// True when the CoNLL writer accepts an entity labelled `label` in
/// `style` (its `check_labels`, one label at a time); the writer words the
/// error for one it does not.
fn label_fits(style: TagStyle, label: &str) -> bool {
    label_fault(style, label).is_none()
        && if label.is_empty() {
            style == TagStyle::Bare
        } else {
            !label.contains(char::is_whitespace)
        }
}

/// The bytes a token of at most this many bytes is copied by.
const TOKEN_COPY: usize = 16;

/// True when `token` cannot be a CoNLL column (the writer's own test): it
/// is empty or holds a space, a tab or a line end.
#[inline]
fn ends_a_column(token: &[u8]) -> bool {
    token.is_empty()
        || token
            .iter()
            .any(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}
