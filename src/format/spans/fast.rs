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
use crate::scheme::{label_fault, Prefix, Tag, TagScheme, TagStyle};
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
    /// The lines of one document, written with one call.
    buf: Vec<u8>,
    /// The ends of lines of one entity: the separator, a tag and the line
    /// end (see [`ConllRoute::push_lines`]).
    tag: Vec<u8>,
    /// The tails of the lines of entities of the labels met first, made
    /// once for the route (see [`ConllRoute::push_lines`]).
    tails: Vec<(String, Tail)>,
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
            buf: Vec::new(),
            tag: Vec::new(),
            tails: Vec::new(),
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
        let proven = entities_of(doc, tokens, self.style, &mut entities)
            && self.push_lines(doc.text.as_bytes(), tokens, &entities);
        let result = if proven {
            #[cfg(test)]
            FAST_DOCUMENTS.with(|c| c.set(c.get() + 1));
            self.write_counted(tokens.len(), &entities, writer, summary)
                .map(|()| true)
        } else {
            Ok(false)
        };
        self.entities = recycle(entities);
        result
    }

    /// Writes the lines of `tokens` of `text` holding `entities` to the
    /// buffer (cleared first), as the CoNLL writer writes the tags
    /// [`encode`](crate::scheme::encode) gives them; `false` when a token
    /// cannot be a column, which the general route reports. `entities` are
    /// as [`entities_of`] makes them: in order, apart, each over a token.
    ///
    /// Every line ends with a tail: the separator, a tag and the line end.
    /// The tail of a token outside entities is made once for the document,
    /// and that of an entity's tokens once for the entity, with the prefix
    /// letter each token writes over. A token costs the copy of its text
    /// and of its tail (of a width known when compiling, as most are
    /// short), with no vector of tags. The buffer is sized once for the
    /// longest lines the tokens and entities can make, and written by
    /// index.
    fn push_lines(&mut self, text: &[u8], tokens: &[Span], entities: &[Entity<'_>]) -> bool {
        let sep = self.separator;
        // A styled tag is at most its label and two bytes; with the line end.
        let line = |label: &str| sep.len() + label.len() + 3;
        let tagged: usize = entities
            .iter()
            .map(|e| e.tokens.len() * line(e.label))
            .sum();
        let room = tokens.last().map_or(0, |t| t.end()) + tagged;
        let room = room + tokens.len() * line("") + 1 + TOKEN_COPY.max(TAIL_COPY);
        let (buf, tail_text, tails) = (&mut self.buf, &mut self.tag, &mut self.tails);
        let mut uncached;
        buf.clear();
        buf.resize(room, 0);
        tail_text.clear();
        tail_text.extend_from_slice(sep);
        tail_text.push(b'O');
        tail_text.push(b'\n');
        // The outside tail stays at the start of the text, the entity's
        // follows it.
        let outside_len = tail_text.len();
        let outside = Tail::new(tail_text, None);
        let mut o = 0;
        let mut next = 0;
        for (k, e) in entities.iter().enumerate() {
            let (start, end) = (e.tokens.start(), e.tokens.end());
            let (Some(before), Some(inside)) = (tokens.get(next..start), tokens.get(start..end))
            else {
                return false;
            };
            for t in before {
                let Some(after_token) = push_token(buf, o, text, *t) else {
                    return false;
                };
                o = outside.push(buf, after_token, &tail_text[..outside_len], b'O');
            }
            // The tail of the entity's tokens, with the place of the
            // prefix letter in it (none in a style without prefixes): of
            // the few labels a file has, each tail is made once.
            let cached = tails.iter().position(|(label, _)| {
                label.len() == e.label.len()
                    && label.as_bytes().first() == e.label.as_bytes().first()
                    && label == e.label
            });
            tail_text.truncate(outside_len);
            let tail = match cached {
                Some(c) => &tails[c].1,
                None => {
                    tail_text.extend_from_slice(sep);
                    let prefix = Prefix::Inside;
                    Tag {
                        prefix,
                        label: e.label,
                    }
                    .push_styled(self.style, tail_text);
                    tail_text.push(b'\n');
                    let letter_at = match self.style {
                        TagStyle::Prefix | TagStyle::Bare => Some(sep.len()),
                        TagStyle::Suffix => Some(tail_text.len() - outside_len - 2),
                        TagStyle::Unprefixed => None,
                    };
                    let tail = Tail::new(&tail_text[outside_len..], letter_at);
                    if tail.padded.is_some() && tails.len() < CACHED_TAILS {
                        tails.push((e.label.to_string(), tail));
                        &tails[tails.len() - 1].1
                    } else {
                        uncached = tail;
                        &uncached
                    }
                }
            };
            let tail_text = &tail_text[outside_len..];
            let [first, inner, last, single] = prefixes(self.scheme, entities, k);
            let first = if inside.len() == 1 { single } else { first };
            let n = inside.len();
            for (j, t) in inside.iter().enumerate() {
                let Some(after_token) = push_token(buf, o, text, *t) else {
                    return false;
                };
                let prefix = if j == 0 {
                    first
                } else if j + 1 < n {
                    inner
                } else {
                    last
                };
                o = tail.push(buf, after_token, tail_text, prefix.letter() as u8);
            }
            next = end;
        }
        let Some(after) = tokens.get(next..) else {
            return false;
        };
        for t in after {
            let Some(after_token) = push_token(buf, o, text, *t) else {
                return false;
            };
            o = outside.push(buf, after_token, &tail_text[..outside_len], b'O');
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

/// The prefixes `scheme` gives the first, inner and last tokens of entity
/// `k` of `entities` and its token when it has one, as
/// [`encode`](crate::scheme::encode) gives them.
fn prefixes(scheme: TagScheme, entities: &[Entity<'_>], k: usize) -> [Prefix; 4] {
    use Prefix::{Begin, End, Inside, Last, Single, Unit};
    let e = &entities[k];
    match scheme {
        TagScheme::Io => [Inside; 4],
        TagScheme::Iob1 => {
            let after_same = k > 0 && {
                let previous = &entities[k - 1];
                previous.tokens.end() == e.tokens.start() && previous.label == e.label
            };
            let first = if after_same { Begin } else { Inside };
            [first, Inside, Inside, first]
        }
        TagScheme::Iob2 => [Begin, Inside, Inside, Begin],
        TagScheme::Ioe1 => {
            let before_same = entities
                .get(k + 1)
                .is_some_and(|next| next.tokens.start() == e.tokens.end() && next.label == e.label);
            let last = if before_same { End } else { Inside };
            [Inside, Inside, last, last]
        }
        TagScheme::Ioe2 => [Inside, Inside, End, End],
        TagScheme::Iobes => [Begin, Inside, End, Single],
        TagScheme::Bilou => [Begin, Inside, Last, Unit],
    }
}

/// Copies token `t` of `text` to `buf` at `o` and gives where it ends;
/// `None` when it cannot be a CoNLL column. `buf` has room for the token
/// and [`TOKEN_COPY`] bytes past `o`.
#[inline(always)]
fn push_token(buf: &mut [u8], o: usize, text: &[u8], t: Span) -> Option<usize> {
    let (start, end) = (t.start(), t.end());
    let len = end - start;
    // Only a token that starts with a byte below `!` should hold what ends
    // a column: neither tokenizer means to put whitespace after the first
    // byte of a token (see `Tokenizer::push_spans`). One that starts with
    // a non-ASCII character is checked too: the unicode tokenizer has put
    // a space after a leading U+2003 before a combining mark, and the
    // route must not depend on it.
    let first = text[start];
    if len == 0 || (!(b'!'..0x80).contains(&first) && ends_a_column(&text[start..end])) {
        return None;
    }
    if len <= TOKEN_COPY && start + TOKEN_COPY <= text.len() {
        // Most tokens are short: a copy of a length known when compiling
        // is a few moves, and the bytes past the token are written over
        // next.
        buf[o..o + TOKEN_COPY].copy_from_slice(&text[start..start + TOKEN_COPY]);
    } else {
        buf[o..o + len].copy_from_slice(&text[start..end]);
    }
    Some(o + len)
}

/// The end of a line: the separator, a tag and the line end, with the
/// place of the tag's prefix letter in it, if any.
#[derive(Debug)]
struct Tail {
    /// The tail padded to [`TAIL_COPY`] bytes, when it fits.
    padded: Option<[u8; TAIL_COPY]>,
    len: usize,
    letter_at: Option<usize>,
}

impl Tail {
    /// The tail `text`, with its letter at `letter_at`.
    fn new(text: &[u8], letter_at: Option<usize>) -> Tail {
        let padded = (text.len() <= TAIL_COPY).then(|| {
            let mut padded = [0; TAIL_COPY];
            padded[..text.len()].copy_from_slice(text);
            padded
        });
        Tail {
            padded,
            len: text.len(),
            letter_at,
        }
    }

    /// Writes the tail (whose text is `text`, for one too long to be
    /// padded) with the prefix `letter` to `buf` at `o`, and gives where
    /// it ends. `buf` has room for the tail and [`TAIL_COPY`] bytes past
    /// `o`.
    #[inline(always)]
    fn push(&self, buf: &mut [u8], o: usize, text: &[u8], letter: u8) -> usize {
        match &self.padded {
            // The bytes past the tail are written over next.
            Some(padded) => buf[o..o + TAIL_COPY].copy_from_slice(padded),
            None => buf[o..o + self.len].copy_from_slice(&text[..self.len]),
        }
        if let Some(at) = self.letter_at {
            buf[o + at] = letter;
        }
        o + self.len
    }
}

/// How many labels' tails [`ConllRoute::tails`] holds.
const CACHED_TAILS: usize = 16;

/// The bytes a tail of at most this many bytes is copied by.
const TAIL_COPY: usize = 32;

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
