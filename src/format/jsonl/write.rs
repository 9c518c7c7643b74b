//! Writing jsonl.

use std::io::Write;

use std::collections::HashMap;

use crate::convert::{LabelCounts, SentenceWriter};
use crate::error::{Error, ParseErrorKind, Result};
use crate::format::record::{
    json_room, needs_escape, put_at, put_field_then, put_offsets, put_slice_at, Cursor, Scratch,
    FIELD_SLACK, NUMBER_ROOM, PAIR_ROOM, WORD_SLACK,
};
use crate::scheme::tagging::Tagger;
use crate::scheme::{Tag, TagScheme, TagStyle};
use crate::sentence::{OffsetUnit, Sentence};
use crate::span::Position;
use crate::spill::Spill;

/// Writes sentences as JSON lines: the tokens, their tags in a scheme
/// (or their class numbers, [`Writer::with_label_names`]), the text the
/// tokens are in and each token's offsets in that text.
///
/// The text is the original when the reader recorded the whitespace
/// between tokens ([`Sentence::has_gaps`]: spans input), and otherwise the
/// tokens joined by single spaces; either way `text[start..end]` is the
/// token. Offsets count bytes unless [`Writer::with_offsets`] says
/// otherwise.
///
/// # Example
/// ```
/// use nerkit::bracket::parse_line;
/// use nerkit::convert::{LabelCounts, SentenceWriter};
/// use nerkit::jsonl::Writer;
/// use nerkit::TagScheme;
///
/// let sentence = parse_line("[LOC Paris ] is big", &Default::default())?;
/// let mut out = Vec::new();
/// let mut writer = Writer::new(&mut out, TagScheme::Iob2);
/// writer.write_sentence(&sentence, &mut LabelCounts::new())?;
/// drop(writer);
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     r#"{"tokens":["Paris","is","big"],"tags":["B-LOC","O","O"],"text":"Paris is big","offsets":[[0,5],[6,8],[9,12]]}"#.to_string() + "\n"
/// );
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Writer<W: Write> {
    out: W,
    scheme: TagScheme,
    style: TagStyle,
    unit: OffsetUnit,
    /// Class numbers by tag, when tags are written as numbers.
    classes: Option<HashMap<String, usize>>,
    tagger: Tagger,
    /// One sentence's line, written with one call.
    buf: Scratch,
    /// The text of the sentence and where each token starts in it.
    text: String,
    starts: Vec<usize>,
    /// One tag as written, to look its class up.
    tag: Vec<u8>,
    /// The text member's content and the offsets' pairs, written in the
    /// same pass over the tokens as the tokens.
    text_json: Scratch,
    offsets_json: Scratch,
    /// The record being written in pieces (see [`crate::Piece`]), boxed
    /// as seldom used.
    open: Box<OpenRecord>,
}

/// What a writer of a sentence given in pieces holds between them: the
/// tokens are written as they come, and the members after them (the tags
/// or class numbers, the text and the offsets), each in a [`Spill`], are
/// written after the last piece, so that a line of any length takes
/// bounded memory.
#[derive(Debug, Default)]
struct OpenRecord {
    tags: Spill,
    text: Spill,
    offsets: Spill,
    /// The tokens written so far.
    tokens: usize,
    /// Where the next token's offsets start, in the offset unit.
    at: usize,
}

impl OpenRecord {
    fn with_bound(bound: usize) -> OpenRecord {
        OpenRecord {
            tags: Spill::with_bound(bound),
            text: Spill::with_bound(bound),
            offsets: Spill::with_bound(bound),
            tokens: 0,
            at: 0,
        }
    }

    fn clear(&mut self) {
        self.tags.clear();
        self.text.clear();
        self.offsets.clear();
        self.tokens = 0;
        self.at = 0;
    }
}

impl<W: Write> Writer<W> {
    /// A writer of `scheme` tags to `out`.
    pub fn new(out: W, scheme: TagScheme) -> Writer<W> {
        Writer {
            out,
            scheme,
            style: TagStyle::Prefix,
            unit: OffsetUnit::Bytes,
            classes: None,
            tagger: Tagger::default(),
            buf: Scratch::default(),
            text: String::new(),
            starts: Vec::new(),
            tag: Vec::new(),
            text_json: Scratch::default(),
            offsets_json: Scratch::default(),
            open: Box::default(),
        }
    }

    /// Hold at most `bytes` of each member of a record given in pieces in
    /// memory before moving them to a temporary file
    /// ([`crate::Piece`]; 1 MiB by default): a small bound tries the
    /// file with small inputs.
    pub fn with_spill_bytes(mut self, bytes: usize) -> Writer<W> {
        self.open = Box::new(OpenRecord::with_bound(bytes));
        self
    }

    /// Write tags in `style` (`B-PER` by default); the `none` style writes
    /// IO tags whatever the scheme.
    pub fn with_tag_style(mut self, style: TagStyle) -> Writer<W> {
        self.style = style;
        self
    }

    /// Count offsets in `unit` (bytes by default; chars are Python's `str`
    /// indices).
    pub fn with_offsets(mut self, unit: OffsetUnit) -> Writer<W> {
        self.unit = unit;
        self
    }

    /// Write `"ner_tags"` as class numbers, each tag's index in `names`, as
    /// Hugging Face `datasets` stores a `Sequence(ClassLabel(names=...))`,
    /// instead of `"tags"` as strings; `None` writes strings. A tag that is
    /// not among the names is an error.
    pub fn with_label_names(mut self, names: Option<Vec<String>>) -> Writer<W> {
        self.classes = names.map(|names| {
            let mut classes = HashMap::with_capacity(names.len());
            for (k, name) in names.into_iter().enumerate() {
                // The first of two equal names is the class.
                classes.entry(name).or_insert(k);
            }
            classes
        });
        self
    }
}

/// What the CoNLL reader's fast route needs to write records straight
/// from its input block (`conll::Reader`'s `copy_fast_to_jsonl`).
impl<W: Write> Writer<W> {
    /// True when tags are written as strings in the prefix style, the
    /// records the fast route writes.
    pub(crate) fn writes_lines_fast(&self) -> bool {
        self.classes.is_none() && self.style == TagStyle::Prefix
    }

    /// The scheme of the tags written.
    pub(crate) fn effective_scheme(&self) -> TagScheme {
        self.style.only_scheme().unwrap_or(self.scheme)
    }

    /// The tag style written.
    pub(crate) fn tag_style(&self) -> TagStyle {
        self.style
    }

    /// True when tags are written as strings (not class numbers).
    pub(crate) fn writes_tag_names(&self) -> bool {
        self.classes.is_none()
    }

    /// The unit offsets count.
    pub(crate) fn offset_unit(&self) -> OffsetUnit {
        self.unit
    }

    /// The output.
    pub(crate) fn out_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Appends to `buf` the record [`SentenceWriter::write_sentence`]
    /// writes for a sentence of `tokens` without recorded whitespace,
    /// tagged `tags` (in [`Writer::effective_scheme`]); only when
    /// [`Writer::writes_lines_fast`]. `(bytes, n)` is the bytes of the
    /// tokens and their number; `plain` says no token holds `"`, `\\`, a
    /// control character or a byte that is not ASCII.
    pub(crate) fn push_tokens<'t>(
        &mut self,
        buf: &mut Vec<u8>,
        tokens: impl Iterator<Item = &'t str>,
        (bytes, n): (usize, usize),
        plain: bool,
        tags: &[Tag<'_>],
    ) {
        debug_assert!(self.writes_lines_fast());
        let record = &mut self.buf;
        record.clear();
        let (text_json, offsets_json) = (&mut self.text_json, &mut self.offsets_json);
        push_tokens(
            record,
            text_json,
            offsets_json,
            self.unit,
            false,
            plain,
            (bytes, n),
            tokens,
            RECORD_START,
        );
        push_tags(record, self.style, tags, &mut self.tag, plain, TAGS_START);
        push_tail(record, text_json, offsets_json);
        buf.extend_from_slice(record.as_bytes());
    }
}

/// What a reader that finds its tokens in a block of its input (the CoNLL
/// fast route) hands the writer: the block, where each token is in it, and
/// the sentence's tags.
impl<W: Write> Writer<W> {
    /// Appends to `buf` the record [`SentenceWriter::write_sentence`]
    /// writes for a sentence without recorded whitespace whose tokens are
    /// the bytes `start..end` of `text` that `tokens` gives, tagged `tags`
    /// (one a token, in [`Writer::effective_scheme`]); only when
    /// [`Writer::writes_lines_fast`]. No token holds a byte below `!` (a
    /// space, a tab or another control character). `lines` are bytes of
    /// `text` that hold every token and every tag's label.
    ///
    /// One look at `lines` for `"`, `\` and (where offsets do not count
    /// bytes) bytes that are not ASCII decides that the record is written
    /// by [`put_plain_record`], its tokens and labels copied unlooked at;
    /// a sentence with such a byte is written as [`Writer::push_tokens`]
    /// writes it.
    pub(crate) fn push_fields<I>(
        &mut self,
        buf: &mut Vec<u8>,
        text: &str,
        lines: std::ops::Range<usize>,
        tokens: I,
        tags: &[Tag<'_>],
    ) where
        I: Iterator<Item = (usize, usize)> + Clone,
    {
        debug_assert!(self.writes_lines_fast());
        debug_assert!(tokens
            .clone()
            .all(|(start, end)| text.as_bytes()[start..end].iter().all(|&b| b > b' ')));
        let (bytes, n) = tokens.clone().fold((0, 0), |(bytes, n), (start, end)| {
            (bytes + end - start, n + 1)
        });
        // The layout counts on a tag a token.
        debug_assert_eq!(tags.len(), n, "a tag a token");
        if n == 0
            || tags.len() != n
            || any_special(&text.as_bytes()[lines], self.unit != OffsetUnit::Bytes)
        {
            let tokens = tokens.map(|(start, end)| &text[start..end]);
            return self.push_tokens(buf, tokens, (bytes, n), false, tags);
        }
        // `"O",` or `"B-LABEL",`.
        let tags_bytes = tags
            .iter()
            .map(|t| 5 + t.label.len() - usize::from(t.is_outside()))
            .sum();
        let sizes = Sizes {
            tokens: n,
            bytes,
            tags_bytes,
        };
        // Built in the writer's buffer, whose room is made without
        // writing it first, and copied to `buf` whole.
        let record = &mut self.buf;
        record.clear();
        let (out, w) = record.room(sizes.room());
        let end = put_plain_record(out, w, text.as_bytes(), tokens, tags, sizes);
        record.keep(end);
        buf.extend_from_slice(record.as_bytes());
    }
}

/// Whether `s` holds `"` or `\`, or with `non_ascii` a byte that is not
/// ASCII: sixteen bytes at a time, in a loop the compiler makes vector
/// compares of.
#[inline]
fn any_special(s: &[u8], non_ascii: bool) -> bool {
    let high = if non_ascii { 0x80 } else { 0 };
    let special = |b: u8| (b == b'"') | (b == b'\\') | (b & high != 0);
    let mut chunks = s.chunks_exact(16);
    for chunk in &mut chunks {
        if chunk.iter().fold(false, |any, &b| any | special(b)) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| special(b))
}

/// The sizes [`put_plain_record`] lays a record out by.
#[derive(Clone, Copy)]
struct Sizes {
    /// The number of tokens (at least one) and their bytes.
    tokens: usize,
    bytes: usize,
    /// The bytes of the tags, each with the comma after it.
    tags_bytes: usize,
}

impl Sizes {
    /// Where the tokens' list starts its first item, after `{"tokens":["`,
    /// counted from the record's start.
    const TOKENS_AT: usize = 12;

    /// Where the tags' first item starts: after each token with its quotes
    /// and comma, less the last comma, and `],"tags":[`.
    fn tags_at(self) -> usize {
        Self::TOKENS_AT + self.bytes + 3 * self.tokens - 2 + 10
    }

    /// Where the text's content starts: after the tags less the last
    /// comma, and `],"text":"`.
    fn text_at(self) -> usize {
        self.tags_at() + self.tags_bytes - 1 + 10
    }

    /// Where the first offsets' pair starts: after the tokens, each with a
    /// space but the last, and `","offsets":[[`.
    fn offsets_at(self) -> usize {
        self.text_at() + self.bytes + self.tokens - 1 + 14
    }

    /// The room [`put_plain_record`] needs: the record, up to `]}\n`, and
    /// the slack of its fixed-size stores (past the text's last token, a
    /// window of `2 * FIELD_SLACK` bytes, which the offsets and this
    /// slack hold).
    fn room(self) -> usize {
        self.offsets_at() + self.tokens * PAIR_ROOM + 2 * FIELD_SLACK + 8
    }
}

/// Writes at `w` of `out` the record of a sentence whose tokens (the
/// bytes `start..end` of `text` that `tokens` gives) and tags (in the
/// prefix style) need no escaping and whose offsets count each token's
/// bytes, as [`SentenceWriter::write_sentence`] writes it; returns the end.
/// `sizes` are those of the tokens and tags, and `out` has their
/// [`Sizes::room`].
///
/// With the members' lengths known, the tokens and the text are written in
/// one pass, each token copied to both places by fixed-size stores that
/// may write past it ([`put_field_then`]); the tags and the members' names
/// are written after that pass, where its stores may have reached, and
/// the offsets last. Each list's items are followed by their separator,
/// the last one overwritten by what follows the list.
///
/// Not inlined: in its caller's loop, its positions were kept on the
/// stack.
#[inline(never)]
fn put_plain_record<I>(
    out: &mut [u8],
    w: usize,
    text: &[u8],
    tokens: I,
    tags: &[Tag<'_>],
    sizes: Sizes,
) -> usize
where
    I: Iterator<Item = (usize, usize)> + Clone,
{
    put_at(out, w, b"{\"tokens\":[\"");
    let (mut at_token, mut at_text) = (w + Sizes::TOKENS_AT, w + sizes.text_at());
    for token in tokens.clone() {
        at_token = put_field_then(out, at_token, text, token, b"\",\"");
        at_text = put_field_then(out, at_text, text, token, b" ");
    }
    debug_assert_eq!(
        at_token + 8,
        w + sizes.tags_at(),
        "the tags start where laid out"
    );
    let mut at = put_at(out, at_token - 2, b"],\"tags\":[");
    // No store of the tags writes past the tag: the text is written.
    for tag in tags {
        if tag.is_outside() {
            at = put_at(out, at, b"\"O\",");
        } else {
            at = put_at(out, at, &[b'"', tag.prefix.letter() as u8, b'-']);
            at = put_slice_at(out, at, tag.label.as_bytes());
            at = put_at(out, at, b"\",");
        }
    }
    debug_assert_eq!(
        at + 9,
        w + sizes.text_at(),
        "the text starts where laid out"
    );
    put_at(out, at - 1, b"],\"text\":\"");
    let mut at = put_at(out, at_text - 1, b"\",\"offsets\":[[");
    // One space between tokens.
    let mut offset = 0;
    for (start, end) in tokens {
        let next = offset + (end - start);
        at = put_offsets(out, at, offset, next);
        offset = next + 1;
    }
    // Past the last pair: `],[` less its `,[`.
    put_at(out, at - 2, b"]}\n")
}

impl<W: Write> SentenceWriter for Writer<W> {
    fn write_sentence(&mut self, sentence: &Sentence, written: &mut LabelCounts) -> Result<()> {
        // JSON holds any label; only the tag style may not.
        if let Some(why) = sentence
            .entities()
            .find_map(|e| crate::scheme::label_fault(self.style, e.label))
        {
            return Err(Error::parse(
                Position::new(sentence.line(), 1, 0),
                ParseErrorKind::Other(why),
            ));
        }
        if !sentence.piece().is_whole() {
            return self.write_piece(sentence, written);
        }
        let out = &mut self.out;
        let buf = &mut self.buf;
        let style = self.style;
        let classes = self.classes.as_ref();
        let one = &mut self.tag;
        let (text, starts) = (&mut self.text, &mut self.starts);
        // With the whitespace between tokens recorded, the text is that of
        // the source; without it, the tokens joined by single spaces, which
        // is written straight from the tokens (JSON escapes char by char,
        // so the escaped join is the join of the escaped tokens).
        let gaps = sentence.has_gaps();
        if gaps {
            sentence.source_text(text, starts);
        }
        let unit = self.unit;
        let scheme = style.only_scheme().unwrap_or(self.scheme);
        let (text_json, offsets_json) = (&mut self.text_json, &mut self.offsets_json);
        self.tagger.with_tags(scheme, sentence, written, |tags| {
            // The record is built whole and written with one call.
            buf.clear();
            push_tokens(
                buf,
                text_json,
                offsets_json,
                unit,
                gaps,
                false,
                (
                    sentence.token_bytes().map(<[u8]>::len).sum(),
                    sentence.len(),
                ),
                sentence.tokens().map(|t| t.text),
                RECORD_START,
            );
            match classes {
                None => push_tags(buf, style, tags, one, false, TAGS_START),
                Some(classes) => {
                    push_classes(buf, style, tags, one, classes, sentence, CLASSES_START)?
                }
            }
            if gaps {
                push_gaps_tail(buf, offsets_json, unit, sentence, text, starts);
            } else {
                push_tail(buf, text_json, offsets_json);
            }
            out.write_all(buf.as_bytes())?;
            Ok(())
        })
    }

    fn writes_pieces(&self) -> bool {
        true
    }

    fn finish(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

impl<W: Write> Writer<W> {
    /// Writes `sentence`, a piece of a longer one: its tokens as they come
    /// (after the record's start if it is the first piece), its tags, text
    /// and offsets held, counted on from the pieces before, until the last
    /// piece writes them all. The text is the tokens joined by spaces,
    /// as the pieces of a line are (a reader that records whitespace reads
    /// lines whole).
    fn write_piece(&mut self, sentence: &Sentence, written: &mut LabelCounts) -> Result<()> {
        let piece = sentence.piece();
        let open = &mut self.open;
        if !piece.continues {
            open.clear();
        }
        let (out, buf, one) = (&mut self.out, &mut self.buf, &mut self.tag);
        let (style, unit, classes) = (self.style, self.unit, self.classes.as_ref());
        let scheme = style.only_scheme().unwrap_or(self.scheme);
        let (text_json, offsets_json) = (&mut self.text_json, &mut self.offsets_json);
        self.tagger.with_tags(scheme, sentence, written, |tags| {
            buf.clear();
            let first = Continued {
                lead: b"",
                tokens: open.tokens,
                at: open.at,
            };
            open.at = push_tokens(
                buf,
                text_json,
                offsets_json,
                unit,
                false,
                false,
                (
                    sentence.token_bytes().map(<[u8]>::len).sum(),
                    sentence.len(),
                ),
                sentence.tokens().map(|t| t.text),
                if piece.continues { first } else { RECORD_START },
            );
            out.write_all(buf.as_bytes())?;
            buf.clear();
            match classes {
                None => push_tags(buf, style, tags, one, false, first),
                Some(classes) => push_classes(buf, style, tags, one, classes, sentence, first)?,
            }
            open.tags.write(buf.as_bytes())?;
            open.text.write(text_json.as_bytes())?;
            open.offsets.write(offsets_json.as_bytes())?;
            open.tokens += sentence.len();
            Ok(())
        })?;
        if piece.continued {
            return Ok(());
        }
        let out: &mut dyn Write = &mut self.out;
        out.write_all(if self.classes.is_some() {
            CLASSES_START.lead
        } else {
            TAGS_START.lead
        })?;
        open.tags.copy_to(out)?;
        out.write_all(b"],\"text\":\"")?;
        open.text.copy_to(out)?;
        out.write_all(b"\",\"offsets\":[")?;
        open.offsets.copy_to(out)?;
        out.write_all(b"]}\n")?;
        Ok(())
    }
}

/// Where a list of a record starts: what is written before its first item
/// (the record's start and the member's name, or nothing where a piece
/// continues it), the items before it, and for the tokens, where the
/// next token's offsets start in the offset unit.
#[derive(Clone, Copy)]
struct Continued {
    lead: &'static [u8],
    tokens: usize,
    at: usize,
}

/// A record's start, with its tokens.
const RECORD_START: Continued = Continued {
    lead: b"{\"tokens\":[",
    tokens: 0,
    at: 0,
};

/// The tags' start, after the tokens.
const TAGS_START: Continued = Continued {
    lead: b"],\"tags\":[",
    tokens: 0,
    at: 0,
};

/// The class numbers' start, after the tokens.
const CLASSES_START: Continued = Continued {
    lead: b"],\"ner_tags\":[",
    tokens: 0,
    at: 0,
};

/// The most bytes [`push_offsets`] writes.
const OFFSETS_ROOM: usize = 2 * NUMBER_ROOM + 4;

/// Appends `{"tokens":[...` (`from`'s lead and the tokens, continuing
/// `from`'s) to `buf`; without recorded whitespace (`gaps` false) also
/// fills `text_json` with the text member's content (the tokens joined by
/// spaces, escaped) and `offsets_json` with the offsets' pairs in `unit`,
/// in the same pass. `size` is the bytes of the tokens and their number.
/// `plain` says the caller knows no token holds a byte to escape or a byte
/// that is not ASCII, so that the tokens are copied unlooked at.
/// Returns where the offsets of a token after them would start.
#[inline]
#[allow(clippy::too_many_arguments)]
fn push_tokens<'t>(
    buf: &mut Scratch,
    text_json: &mut Scratch,
    offsets_json: &mut Scratch,
    unit: OffsetUnit,
    gaps: bool,
    plain: bool,
    (bytes, n): (usize, usize),
    tokens: impl Iterator<Item = &'t str>,
    from: Continued,
) -> usize {
    text_json.clear();
    offsets_json.clear();
    // Room for every byte escaped.
    let room = 16 + 6 * bytes + 3 * n;
    let before = from.tokens;
    if gaps {
        buf.with_cursor(room, |buf| {
            buf.put_slice(from.lead);
            for (i, token) in tokens.enumerate() {
                if before + i > 0 {
                    buf.put(b",\"");
                } else {
                    buf.put_byte(b'"');
                }
                buf.put_json_content(token);
                buf.put_byte(b'"');
            }
        });
        return 0;
    }
    // Bytes that are not ASCII count only where the unit is not bytes.
    let non_ascii = if unit == OffsetUnit::Bytes {
        0
    } else {
        crate::swar::HIGH
    };
    let special = |x: u64| escaped_bytes(x) | (x & non_ascii);
    // The three lists are written at once by cursors held as locals, each
    // item followed by its separator (the last one dropped after), so
    // that the positions stay in registers and no item asks whether it is
    // the first.
    let mut tokens_out = buf.cursor(room + WORD_SLACK);
    let mut text = text_json.cursor(6 * bytes + n + 1);
    let mut offsets = offsets_json.cursor(n * OFFSETS_ROOM + 2);
    tokens_out.put_slice(from.lead);
    let after_lead = tokens_out.position();
    if before > 0 {
        tokens_out.put_byte(b',');
        text.put_byte(b' ');
        offsets.put_byte(b',');
    }
    // The opening quote and bracket of the first item; the later ones go
    // with the separator before them.
    tokens_out.put_byte(b'"');
    offsets.put_byte(b'[');
    let mut at = from.at;
    let mut any = false;
    for token in tokens {
        any = true;
        // Most tokens are plain (ASCII where the unit is not bytes):
        // copied as they are, then looked at where they were copied to,
        // and as long in the unit as in bytes.
        let start = tokens_out.position();
        tokens_out.put_slice(token.as_bytes());
        let len = if !plain && tokens_out.any_written(start, special) {
            tokens_out.rewind(start);
            tokens_out.put_json_content(token);
            unit.len_of(token)
        } else {
            token.len()
        };
        text.put_slice(tokens_out.written_from(start));
        text.put_byte(b' ');
        tokens_out.put(b"\",\"");
        // One space, one unit of any kind, between tokens.
        let end = at + len;
        offsets.put_number(at);
        offsets.put_byte(b',');
        offsets.put_number(end);
        offsets.put(b"],[");
        at = end + 1;
    }
    if any {
        // Past the last item: its separator and the next item's opening.
        tokens_out.rewind(tokens_out.position() - 2);
        text.unput_byte();
        offsets.rewind(offsets.position() - 2);
    } else {
        tokens_out.rewind(after_lead);
        text.rewind(0);
        offsets.rewind(0);
    }
    let (tokens_end, text_end, offsets_end) =
        (tokens_out.position(), text.position(), offsets.position());
    buf.keep(tokens_end);
    text_json.keep(text_end);
    offsets_json.keep(offsets_end);
    at
}

/// The bytes a JSON string escapes (see [`Cursor::any_written`]): `"`,
/// `\` and the control characters.
#[inline(always)]
fn escaped_bytes(x: u64) -> u64 {
    use crate::swar::{eq_bytes, first_below};
    eq_bytes(x, b'"') | eq_bytes(x, b'\\') | first_below(x, 0x20)
}

/// Appends `from`'s lead (`],"tags":[`) and `tags` in `style` as JSON
/// strings, separated by commas and continuing `from`'s; `one` is room for
/// one tag in a style other than the prefix one. `plain` says the caller
/// knows no label holds a byte to escape.
#[inline]
fn push_tags(
    buf: &mut Scratch,
    style: TagStyle,
    tags: &[Tag<'_>],
    one: &mut Vec<u8>,
    plain: bool,
    from: Continued,
) {
    // A tag is its label and at most two more bytes, each escaped, a comma
    // and the quotes.
    let labels: usize = tags.iter().map(|t| t.label.len()).sum();
    let mut out = buf.cursor(16 + 6 * labels + 15 * tags.len());
    out.put_slice(from.lead);
    // Each tag is followed by a comma, the last one dropped after.
    if from.tokens > 0 {
        out.put_byte(b',');
    }
    for &tag in tags {
        if style == TagStyle::Prefix {
            if tag.is_outside() {
                // Most tags are `O`: one store.
                out.put(b"\"O\",");
                continue;
            }
            // Copies of fixed size around the label.
            if plain || !needs_escape(tag.label.as_bytes()) {
                out.put(&[b'"', tag.prefix.letter() as u8, b'-']);
                out.put_slice(tag.label.as_bytes());
                out.put(b"\",");
                continue;
            }
        }
        one.clear();
        tag.push_styled(style, one);
        out.put_json_string(std::str::from_utf8(one).expect("tags are text"));
        out.put_byte(b',');
    }
    if !tags.is_empty() || from.tokens > 0 {
        out.unput_byte();
    }
    let end = out.position();
    buf.keep(end);
}

/// Appends `from`'s lead (`],"ner_tags":[`) and the class number of each
/// tag in `style`, separated by commas and continuing `from`'s; a tag
/// without a class is an error.
fn push_classes(
    buf: &mut Scratch,
    style: TagStyle,
    tags: &[Tag<'_>],
    one: &mut Vec<u8>,
    classes: &HashMap<String, usize>,
    sentence: &Sentence,
    from: Continued,
) -> Result<()> {
    buf.with_cursor(16 + (NUMBER_ROOM + 1) * tags.len(), |buf| {
        buf.put_slice(from.lead);
        for (i, tag) in tags.iter().enumerate() {
            let i = from.tokens + i;
            if i > 0 {
                buf.put_byte(b',');
            }
            one.clear();
            tag.push_styled(style, one);
            let name = std::str::from_utf8(one).expect("tags are text");
            let Some(&k) = classes.get(name) else {
                return Err(Error::parse(
                    Position::new(sentence.line(), 1, 0),
                    ParseErrorKind::Other(format!(
                        "the tag {name} of token {} is not among the {} class names to write",
                        i + 1,
                        classes.len()
                    )),
                ));
            };
            buf.put_number(k);
        }
        Ok(())
    })
}

/// Appends the end of a record after its tags, for a sentence without
/// recorded whitespace: the text and the offsets [`push_tokens`] made.
fn push_tail(buf: &mut Scratch, text_json: &Scratch, offsets_json: &Scratch) {
    let (text, offsets) = (text_json.as_bytes(), offsets_json.as_bytes());
    buf.with_cursor(32 + text.len() + offsets.len(), |buf| {
        buf.put(b"],\"text\":\"");
        buf.put_slice(text);
        buf.put(b"\",\"offsets\":[");
        buf.put_slice(offsets);
        buf.put(b"]}\n");
    });
}

/// Appends the end of a record after its tags, for a sentence with
/// recorded whitespace: its source `text` (with each token's byte offset
/// in `starts`) and the tokens' offsets in `unit`, counted on from the
/// previous token.
fn push_gaps_tail(
    buf: &mut Scratch,
    offsets_json: &mut Scratch,
    unit: OffsetUnit,
    sentence: &Sentence,
    text: &str,
    starts: &[usize],
) {
    offsets_json.with_cursor(sentence.len() * OFFSETS_ROOM, |offsets| {
        let (mut byte, mut at) = (0, 0);
        for (i, (token, &start)) in sentence.token_bytes().zip(starts.iter()).enumerate() {
            at += unit.len_of(&text[byte..start]);
            let end = at + unit.len_of(&text[start..start + token.len()]);
            push_offsets(offsets, i, at, end);
            byte = start + token.len();
            at = end;
        }
    });
    let offsets = offsets_json.as_bytes();
    buf.with_cursor(32 + json_room(text.len()) + offsets.len(), |buf| {
        buf.put(b"],\"text\":");
        buf.put_json_string(text);
        buf.put(b",\"offsets\":[");
        buf.put_slice(offsets);
        buf.put(b"]}\n");
    });
}

/// Appends token `i`'s `[start,end]` pair, after a comma unless first.
#[inline(always)]
fn push_offsets(buf: &mut Cursor<'_>, i: usize, start: usize, end: usize) {
    if i > 0 {
        buf.put(b",[");
    } else {
        buf.put_byte(b'[');
    }
    buf.put_number(start);
    buf.put_byte(b',');
    buf.put_number(end);
    buf.put_byte(b']');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                4 => prop::char::range('a', 'z'),
                1 => prop::char::range('\u{0}', '\u{7f}'),
                1 => Just('"'),
                1 => Just('\\'),
                1 => Just('é'),
                1 => Just('😀'),
                1 => Just('\u{2028}'),
            ],
            0..40,
        )
        .prop_map(|c| c.into_iter().collect())
    }

    /// A record as serde_json writes it, members in the writer's order.
    #[derive(serde::Serialize)]
    struct Record<'a> {
        tokens: &'a [String],
        tags: Vec<String>,
        text: String,
        offsets: Vec<(usize, usize)>,
    }

    /// Tokens, and entities as (first token, length, label), not
    /// overlapping.
    fn sentence() -> impl Strategy<Value = (Vec<String>, Vec<(usize, usize, String)>)> {
        prop::collection::vec(any_text(), 1..8).prop_flat_map(|tokens| {
            let n = tokens.len();
            let label = prop::sample::select(vec!["PER", "A\"B", "x\\y", "é", "L\u{1}", "O"]);
            (
                Just(tokens),
                prop::collection::vec((0..n, 1..3usize, label), 0..3).prop_map(move |mut e| {
                    e.sort();
                    let mut next = 0;
                    e.retain(|(start, len, _)| {
                        let keep = *start >= next && start + len <= n;
                        if keep {
                            next = start + len;
                        }
                        keep
                    });
                    e.into_iter()
                        .map(|(s, l, label)| (s, l, label.to_string()))
                        .collect()
                }),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// A whole record is written byte for byte as serde_json writes the
        /// same tokens, IOB2 tags, text (the tokens joined by spaces) and
        /// offsets, in bytes, chars and UTF-16 code units.
        #[test]
        fn records_are_written_as_serde_json_writes_them(
            (tokens, entities) in sentence(),
            unit in prop::sample::select(vec![OffsetUnit::Bytes, OffsetUnit::Chars, OffsetUnit::Utf16]),
            gaps in prop::option::of(prop::collection::vec(
                prop::sample::select(vec![" ", "", "\n", "\t\u{a0}", "  \r\n"]),
                9,
            )),
        ) {
            // With gaps recorded (spans input), the text is the source's:
            // the leading whitespace, then each token and the gap after it.
            let mut sentence = Sentence::new();
            let mut text = String::new();
            if let Some(g) = &gaps {
                sentence.set_leading(g[8]);
                text.push_str(g[8]);
            }
            let mut starts = Vec::new();
            for (i, t) in tokens.iter().enumerate() {
                if gaps.is_none() && i > 0 {
                    text.push(' ');
                }
                starts.push(text.len());
                sentence.push_token(t, crate::span::Span::new(text.len(), text.len() + t.len()));
                text.push_str(t);
                if let Some(g) = &gaps {
                    sentence.push_gap(g[i]);
                    text.push_str(g[i]);
                }
            }
            let mut tags = vec!["O".to_string(); tokens.len()];
            for (start, len, label) in &entities {
                sentence.push_entity(label, crate::span::TokenSpan::new(*start, start + len));
                for (k, tag) in tags[*start..start + len].iter_mut().enumerate() {
                    *tag = format!("{}-{label}", if k == 0 { 'B' } else { 'I' });
                }
            }
            let offsets = tokens
                .iter()
                .zip(&starts)
                .map(|(t, &byte)| {
                    let start = unit.len_of(&text[..byte]);
                    (start, start + unit.len_of(t))
                })
                .collect();
            let want = serde_json::to_string(&Record { tokens: &tokens, tags, text, offsets })
                .unwrap() + "\n";
            let mut out = Vec::new();
            let mut writer = Writer::new(&mut out, TagScheme::Iob2).with_offsets(unit);
            writer.write_sentence(&sentence, &mut LabelCounts::new()).unwrap();
            drop(writer);
            prop_assert_eq!(String::from_utf8(out).unwrap(), want);
        }
    }
}
