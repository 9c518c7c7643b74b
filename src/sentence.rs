//! The unit every reader fills and every writer consumes.
//!
//! A [`Sentence`] owns one text buffer and records of spans into it, in the
//! manner of the csv crate's `ByteRecord`: nothing borrows from itself, so one
//! `Sentence` can be cleared and refilled for every line of a multi-gigabyte
//! file without allocating once its buffers have grown to the longest line.

use std::fmt;

use crate::span::{Span, TokenSpan};

/// The unit of the offsets a reader records for tokens and entities.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OffsetUnit {
    /// UTF-8 bytes (Rust, Hugging Face tokenizers).
    #[default]
    Bytes,
    /// Unicode code points (Python `str` indices, spaCy, doccano, Prodigy).
    Chars,
    /// UTF-16 code units (JavaScript, Label Studio).
    Utf16,
}

impl OffsetUnit {
    /// The length of `s` in this unit.
    pub fn len_of(self, s: &str) -> usize {
        match self {
            OffsetUnit::Bytes => s.len(),
            OffsetUnit::Chars => {
                if s.is_ascii() {
                    s.len()
                } else {
                    s.chars().count()
                }
            }
            OffsetUnit::Utf16 => {
                if s.is_ascii() {
                    s.len()
                } else {
                    s.chars().map(char::len_utf16).sum()
                }
            }
        }
    }
}

impl std::str::FromStr for OffsetUnit {
    type Err = String;

    fn from_str(s: &str) -> Result<OffsetUnit, String> {
        match s.to_ascii_lowercase().as_str() {
            "bytes" | "byte" => Ok(OffsetUnit::Bytes),
            "chars" | "char" | "codepoints" | "code-points" => Ok(OffsetUnit::Chars),
            "utf16" | "utf-16" => Ok(OffsetUnit::Utf16),
            _ => Err(format!(
                "unknown offset unit \"{s}\" (expected bytes, chars or utf16)"
            )),
        }
    }
}

impl fmt::Display for OffsetUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OffsetUnit::Bytes => "bytes",
            OffsetUnit::Chars => "chars",
            OffsetUnit::Utf16 => "utf16",
        })
    }
}

/// What [`census`] finds in a run of tokens (see [`Sentence::spaced_run`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Census {
    /// The bytes below `!`: spaces, tabs, line ends, other controls.
    pub below_bang: usize,
    /// Whether a byte is not ASCII.
    pub non_ascii: bool,
    /// Whether the caller's test found a byte.
    pub special: bool,
}

impl Census {
    /// True when the tokens of a run of `tokens` tokens, not empty and
    /// with this census, hold no whitespace: the only bytes below `!` are
    /// the spaces between them, and no non-ASCII char is whitespace.
    #[inline]
    pub fn without_whitespace(self, run: &str, tokens: usize) -> bool {
        self.below_bang + 1 == tokens
            && !run.is_empty()
            && !(self.non_ascii && run.contains(char::is_whitespace))
    }
}

/// The [`Census`] of `s`, eight bytes at a time; `special` takes eight
/// bytes in a `u64` (little-endian) and answers with the high bit of each
/// byte it finds, exactly (see [`crate::swar`]), and must pass over `a`,
/// which a short tail is padded with.
#[inline(always)]
pub(crate) fn census(s: &[u8], special: impl Fn(u64) -> u64) -> Census {
    use crate::swar::{lt_bytes, HIGH};
    /// `a` in every byte.
    const FILL: u64 = 0x6161_6161_6161_6161;
    // The bytes below `!` are counted in the eight lanes of `lanes`, a 0
    // or 1 a word in each, which cannot overflow a lane before 255 words.
    let (mut lanes, mut below) = (0u64, 0u64);
    let (mut high, mut found) = (0u64, 0u64);
    let mut words = s.chunks_exact(8);
    let mut in_lanes = 0;
    for word in &mut words {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        lanes += lt_bytes(x, b'!') >> 7;
        high |= x;
        found |= special(x);
        in_lanes += 1;
        if in_lanes == 255 {
            below += lane_sum(lanes);
            lanes = 0;
            in_lanes = 0;
        }
    }
    let rest = words.remainder().len();
    if rest > 0 {
        let x = match s.len().checked_sub(8) {
            // The last eight bytes, those counted already shifted out and
            // `a`s shifted in.
            Some(from) => {
                let last = u64::from_le_bytes(s[from..].try_into().expect("eight bytes"));
                (last >> (8 * (8 - rest))) | (FILL << (8 * rest))
            }
            None => {
                let mut word = FILL.to_le_bytes();
                word[..rest].copy_from_slice(s);
                u64::from_le_bytes(word)
            }
        };
        lanes += lt_bytes(x, b'!') >> 7;
        high |= x;
        found |= special(x);
    }
    below += lane_sum(lanes);
    Census {
        below_bang: below as usize,
        non_ascii: high & HIGH != 0,
        special: found != 0,
    }
}

/// The sum of the eight bytes of `lanes`.
#[inline(always)]
fn lane_sum(lanes: u64) -> u64 {
    const EVEN: u64 = 0x00FF_00FF_00FF_00FF;
    // Four sums of two bytes, each below 2^9; then their sum, below 2^11,
    // in the top sixteen bits.
    let pairs = (lanes & EVEN) + ((lanes >> 8) & EVEN);
    pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48
}

/// A token of a sentence: its text and where it came from in the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    /// The token's text. Usually a slice of the input; differs from it when
    /// the reader decoded something (an HTML character reference, say).
    pub text: &'a str,
    /// The token's offsets in the input file, in the reader's
    /// [`OffsetUnit`]. For readers without a source text (CoNLL) this is the
    /// offset of the token in its line.
    pub span: Span,
}

/// An entity: a label over a run of tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Entity<'a> {
    /// The entity type, such as `PER`.
    pub label: &'a str,
    /// The tokens the entity covers.
    pub tokens: TokenSpan,
}

#[derive(Clone, Copy, Debug)]
struct TokenRecord {
    text: Span,
    source: Span,
}

#[derive(Clone, Copy, Debug)]
struct EntityRecord {
    label: Span,
    tokens: TokenSpan,
}

/// A sequence of tokens with entities over them, reusable across reads.
///
/// Entities are kept in the order they were pushed; readers push them in
/// token order and never overlapping, which is what tag encoding needs.
#[derive(Clone, Debug, Default)]
pub struct Sentence {
    text: String,
    tokens: Vec<TokenRecord>,
    entities: Vec<EntityRecord>,
    line: u64,
    document_start: bool,
    /// The whitespace before the first token, in `text`; recorded by
    /// readers of a source text (see [`Sentence::push_gap`]).
    leading: Span,
    /// The whitespace after each token, in `text`: empty unless the reader
    /// recorded it, else one per token.
    gaps: Vec<Span>,
    /// The columns between the token and the tag of each token (CoNLL),
    /// in `text`: empty unless the reader recorded them.
    columns: Vec<Span>,
    /// The members of the input's JSON object the reader did not
    /// interpret, as written (`"id":3,"meta":{}`), in `text`.
    extra: Option<Span>,
    /// Where this sentence is a piece of a longer one (see
    /// [`Sentence::piece`]).
    piece: Piece,
}

/// Where a [`Sentence`] sits in the sentence it is a piece of: a reader of
/// one very long line gives it in pieces, so that no one holds it whole.
///
/// A piece is cut where no tag depends on the other side of the cut (before
/// a token outside any entity that follows whitespace), so every entity
/// lies in one piece and a writer that writes each piece as the
/// continuation of the one before writes the bytes of the sentence written
/// whole. A sentence read whole is one piece that neither continues nor is
/// continued.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Piece {
    /// Earlier pieces of the same sentence were given before this one.
    pub continues: bool,
    /// Later pieces of the same sentence follow this one.
    pub continued: bool,
    /// The number of tokens of the same sentence in earlier pieces: token
    /// `i` of this piece is token `first_token + i` of the sentence.
    pub first_token: usize,
}

impl Piece {
    /// True for a sentence read whole.
    pub fn is_whole(self) -> bool {
        !self.continues && !self.continued
    }
}

impl Sentence {
    /// An empty sentence.
    pub fn new() -> Sentence {
        Sentence::default()
    }

    /// Empties the sentence and keeps its buffers for reuse.
    pub fn clear(&mut self) {
        self.text.clear();
        self.tokens.clear();
        self.entities.clear();
        self.line = 0;
        self.document_start = false;
        self.leading = Span::default();
        self.gaps.clear();
        self.columns.clear();
        self.extra = None;
        self.piece = Piece::default();
    }

    /// Appends a token and returns its index.
    pub fn push_token(&mut self, text: &str, source: Span) -> usize {
        let start = self.text.len();
        self.text.push_str(text);
        self.tokens.push(TokenRecord {
            text: Span::new(start, self.text.len()),
            source,
        });
        self.tokens.len() - 1
    }

    /// Appends `text` to the buffer without making it a token, and returns
    /// where it starts. Readers copy a whole line once this way and then
    /// point tokens and labels into it with [`Sentence::push_token_span`]
    /// and [`Sentence::push_entity_span`], instead of copying each token.
    pub fn push_text(&mut self, text: &str) -> usize {
        let start = self.text.len();
        self.text.push_str(text);
        start
    }

    /// Makes room for `more` tokens, so that a reader that knows a bound
    /// of the tokens it will push (a line of `n` bytes holds at most
    /// `n / 2 + 1`) grows the buffer once rather than on a push.
    #[inline]
    pub(crate) fn reserve_tokens(&mut self, more: usize) {
        self.tokens.reserve(more);
    }

    /// Appends a token whose text is the `text` span of the buffer (see
    /// [`Sentence::push_text`]) and returns its index.
    ///
    /// # Panics
    /// When `text` does not lie on char boundaries of the buffer.
    #[inline]
    pub fn push_token_span(&mut self, text: Span, source: Span) -> usize {
        debug_assert!(
            self.text.is_char_boundary(text.start()) && self.text.is_char_boundary(text.end())
        );
        assert!(text.end() <= self.text.len(), "token text past the buffer");
        self.tokens.push(TokenRecord { text, source });
        self.tokens.len() - 1
    }

    /// Appends an entity whose label is the `label` span of the buffer.
    ///
    /// # Panics
    /// When `tokens` reaches past the last token or `label` past the buffer.
    pub fn push_entity_span(&mut self, label: Span, tokens: TokenSpan) {
        assert!(
            tokens.end() <= self.tokens.len(),
            "entity past the last token"
        );
        assert!(label.end() <= self.text.len(), "label past the buffer");
        self.entities.push(EntityRecord { label, tokens });
    }

    /// Appends an entity over `tokens`.
    ///
    /// # Panics
    /// When `tokens` reaches past the last token pushed so far.
    pub fn push_entity(&mut self, label: &str, tokens: TokenSpan) {
        assert!(
            tokens.end() <= self.tokens.len(),
            "entity past the last token"
        );
        let start = self.text.len();
        self.text.push_str(label);
        self.entities.push(EntityRecord {
            label: Span::new(start, self.text.len()),
            tokens,
        });
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// True when the sentence has no token.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Number of entities.
    pub fn entity_count(&self) -> usize {
        self.entities.len()
    }

    /// The token at `index`.
    ///
    /// # Panics
    /// When `index >= self.len()`.
    pub fn token(&self, index: usize) -> Token<'_> {
        let r = self.tokens[index];
        Token {
            text: &self.text[r.text],
            span: r.source,
        }
    }

    /// The tokens, in order.
    pub fn tokens(&self) -> impl ExactSizeIterator<Item = Token<'_>> + '_ {
        self.tokens.iter().map(move |r| Token {
            text: &self.text[r.text],
            span: r.source,
        })
    }

    /// The bytes of each token's text, in order: what writers copy, without
    /// the char-boundary checks of slicing a `str`.
    pub fn token_bytes(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        let text = self.text.as_bytes();
        self.tokens.iter().map(move |r| &text[r.text.range()])
    }

    /// The tokens from `first` (`< limit <= self.len()`) up to `limit` that
    /// the buffer holds one after the other, each but the first one space
    /// after the one before and not empty: the end of that run (past
    /// `first`), and its text, which is those tokens joined by single
    /// spaces. A reader that copies its line once (bracket text) leaves
    /// most of a line's tokens so, and a writer that joins tokens with
    /// spaces copies such a run at once instead of token by token.
    ///
    /// # Panics
    /// When `first >= limit` or `limit > self.len()`.
    #[inline]
    pub(crate) fn spaced_run(&self, first: usize, limit: usize) -> (usize, &str) {
        let tokens = &self.tokens[first..limit];
        let text = self.text.as_bytes();
        let start = tokens[0].text.start();
        let mut end = tokens[0].text.end();
        let mut n = 1;
        if start < end {
            for t in &tokens[1..] {
                let t = t.text;
                if t.start() != end + 1 || t.end() <= t.start() || text.get(end) != Some(&b' ') {
                    break;
                }
                end = t.end();
                n += 1;
            }
        }
        (first + n, &self.text[start..end])
    }

    /// The bytes of token `index`'s text (see [`Sentence::token_bytes`]).
    ///
    /// # Panics
    /// When `index >= self.len()`.
    #[inline]
    pub(crate) fn token_bytes_at(&self, index: usize) -> &[u8] {
        &self.text.as_bytes()[self.tokens[index].text.range()]
    }

    /// Where the text of token `index` starts in the buffer (see
    /// [`Sentence::spaced_run`]).
    #[inline]
    pub(crate) fn token_start(&self, index: usize) -> usize {
        self.tokens[index].text.start()
    }

    /// The length in bytes of the sentence's text buffer (tokens, labels
    /// and any line the reader copied whole): an upper bound of the bytes
    /// its tokens hold, for reserving output space.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// The entity at `index`.
    ///
    /// # Panics
    /// When `index >= self.entity_count()`.
    pub fn entity(&self, index: usize) -> Entity<'_> {
        let r = self.entities[index];
        Entity {
            label: &self.text[r.label],
            tokens: r.tokens,
        }
    }

    /// The entities, in the order they were pushed.
    pub fn entities(&self) -> impl ExactSizeIterator<Item = Entity<'_>> + '_ {
        self.entities.iter().map(move |r| Entity {
            label: &self.text[r.label],
            tokens: r.tokens,
        })
    }

    /// The source offsets an entity covers: from the start of its first
    /// token to the end of its last.
    pub fn entity_span(&self, entity: Entity<'_>) -> Span {
        if entity.tokens.is_empty() {
            return Span::default();
        }
        let first = self.tokens[entity.tokens.start()].source;
        let last = self.tokens[entity.tokens.end() - 1].source;
        Span::new(first.start(), last.end().max(first.start()))
    }

    /// The line of the input where the sentence starts, from 1 (0 when
    /// unknown).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Records the line of the input where the sentence starts.
    pub fn set_line(&mut self, line: u64) {
        self.line = line;
    }

    /// True when this sentence is the first of a new document (a new input
    /// file, or the first sentence after a `-DOCSTART-` line).
    pub fn is_document_start(&self) -> bool {
        self.document_start
    }

    /// Marks whether this sentence begins a document.
    pub fn set_document_start(&mut self, yes: bool) {
        self.document_start = yes;
    }

    /// Records the whitespace before the first token of a source text.
    pub fn set_leading(&mut self, whitespace: &str) {
        let start = self.push_text(whitespace);
        self.leading = Span::new(start, self.text.len());
    }

    /// Records the whitespace after the last token pushed, as the source
    /// text has it. Readers of a text (spans, annotation-tool exports,
    /// spaCy) call it after every token, so that writers can give the text
    /// back byte for byte ([`Sentence::source_text`]) and say which tokens
    /// a space follows (spaCy's `spaces`, Prodigy's `ws`).
    ///
    /// # Panics
    /// When a gap was already recorded for every token pushed.
    pub fn push_gap(&mut self, whitespace: &str) {
        assert!(self.gaps.len() < self.tokens.len(), "a gap for no token");
        // Gaps of earlier tokens the reader did not record are empty.
        while self.gaps.len() + 1 < self.tokens.len() {
            self.gaps.push(Span::default());
        }
        let start = self.push_text(whitespace);
        self.gaps.push(Span::new(start, self.text.len()));
    }

    /// Records the whitespace before the first token as the `leading`
    /// span of the buffer (see [`Sentence::push_text`]): for readers that
    /// copy a sentence's text once and point into it.
    pub(crate) fn set_leading_span(&mut self, leading: Span) {
        debug_assert!(leading.end() <= self.text.len());
        self.leading = leading;
    }

    /// Records the whitespace after the last token pushed as the `gap`
    /// span of the buffer, as [`Sentence::push_gap`] does with a copy.
    ///
    /// # Panics
    /// When a gap was already recorded for every token pushed, or `gap`
    /// lies past the buffer.
    #[inline]
    pub(crate) fn push_gap_span(&mut self, gap: Span) {
        assert!(self.gaps.len() < self.tokens.len(), "a gap for no token");
        assert!(gap.end() <= self.text.len(), "gap past the buffer");
        while self.gaps.len() + 1 < self.tokens.len() {
            self.gaps.push(Span::default());
        }
        self.gaps.push(gap);
    }

    /// True when the reader recorded the whitespace around every token.
    pub fn has_gaps(&self) -> bool {
        !self.tokens.is_empty() && self.gaps.len() == self.tokens.len()
    }

    /// The whitespace before the first token; empty when not recorded.
    pub fn leading(&self) -> &str {
        &self.text[self.leading]
    }

    /// The whitespace after token `index`, when the reader recorded it.
    pub fn gap_after(&self, index: usize) -> Option<&str> {
        self.gaps.get(index).map(|&g| &self.text[g])
    }

    /// The source text the tokens came from: the recorded whitespace and the
    /// tokens when [`Sentence::has_gaps`], else the tokens joined by single
    /// spaces. Writes it to `out` (cleared first) and the byte offset of
    /// each token in it to `starts` (cleared first).
    pub fn source_text(&self, out: &mut String, starts: &mut Vec<usize>) {
        out.clear();
        starts.clear();
        let gaps = self.has_gaps();
        if gaps {
            out.push_str(self.leading());
        }
        for (i, t) in self.tokens().enumerate() {
            if i > 0 && !gaps {
                out.push(' ');
            }
            starts.push(out.len());
            out.push_str(t.text);
            if gaps {
                out.push_str(&self.text[self.gaps[i]]);
            }
        }
    }

    /// Records the columns between the token and the tag of the last token
    /// pushed, as written (CoNLL-2003's POS and chunk tags), so that a
    /// CoNLL writer can keep them.
    ///
    /// # Panics
    /// When columns were already recorded for every token pushed.
    pub fn push_columns(&mut self, columns: &str) {
        assert!(
            self.columns.len() < self.tokens.len(),
            "columns for no token"
        );
        while self.columns.len() + 1 < self.tokens.len() {
            self.columns.push(Span::default());
        }
        let start = self.push_text(columns);
        self.columns.push(Span::new(start, self.text.len()));
    }

    /// The columns between token `index` and its tag, when the reader
    /// recorded them.
    pub fn columns(&self, index: usize) -> Option<&str> {
        self.columns.get(index).map(|&c| &self.text[c])
    }

    /// Records the members of the input's JSON object that the reader did
    /// not interpret, as written (`"id":3,"meta":{"a":1}`, without braces),
    /// so that a writer of the same layout can keep them.
    pub fn set_extra_json(&mut self, members: &str) {
        let start = self.push_text(members);
        self.extra = Some(Span::new(start, self.text.len()));
    }

    /// The members recorded by [`Sentence::set_extra_json`].
    pub fn extra_json(&self) -> Option<&str> {
        self.extra.map(|e| &self.text[e])
    }

    /// Where this sentence sits in the sentence it is a piece of; a
    /// sentence read whole is [`Piece::is_whole`].
    pub fn piece(&self) -> Piece {
        self.piece
    }

    /// Records where this sentence sits in the sentence it is a piece of.
    pub fn set_piece(&mut self, piece: Piece) {
        self.piece = piece;
    }

    /// Appends the tokens and entities of `piece`, the next piece of this
    /// sentence, and takes on whether later pieces follow it: what a
    /// consumer that needs a sentence whole (a JSON lines record lists
    /// every token before the first tag) does with the pieces. The
    /// whitespace and columns the pieces recorded are kept only when
    /// every piece recorded them.
    pub fn append_piece(&mut self, piece: &Sentence) {
        let offset = self.tokens.len();
        let base = self.text.len();
        let had_gaps = self.has_gaps() || offset == 0;
        self.text.push_str(&piece.text);
        let shift = |s: Span| s.offset(base);
        self.tokens.extend(piece.tokens.iter().map(|r| TokenRecord {
            text: shift(r.text),
            source: r.source,
        }));
        self.entities
            .extend(piece.entities.iter().map(|r| EntityRecord {
                label: shift(r.label),
                tokens: TokenSpan::new(r.tokens.start() + offset, r.tokens.end() + offset),
            }));
        if offset == 0 {
            self.leading = shift(piece.leading);
        }
        if had_gaps && piece.gaps.len() == piece.tokens.len() {
            self.gaps.extend(piece.gaps.iter().map(|&g| shift(g)));
        } else {
            self.gaps.clear();
        }
        if self.columns.len() == offset && piece.columns.len() == piece.tokens.len() {
            self.columns.extend(piece.columns.iter().map(|&c| shift(c)));
        } else {
            self.columns.clear();
        }
        self.piece.continued = piece.piece.continued;
    }
}

/// Sentences as a reader that copies its line once makes them, for the
/// writers' tests of [`Sentence::spaced_run`].
#[cfg(test)]
pub(crate) mod spaced {
    use super::Sentence;
    use crate::span::Span;
    use proptest::prelude::*;

    /// What lies between two tokens in such a line: mostly one space,
    /// which makes a run a writer copies at once, now and then something
    /// that ends a run.
    pub(crate) fn spacing() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![" ", " ", " ", " ", "  ", "\t", "", "[PER ", "  ] "])
    }

    /// Pushes `tokens` as such a reader pushes them: the line copied once,
    /// `spacing[i]` after token `i` (the last one before the first token),
    /// and the tokens pointing into it.
    pub(crate) fn push(s: &mut Sentence, tokens: &[String], spacing: &[&str]) {
        let mut line = String::from(spacing[spacing.len() - 1]);
        let mut spans = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            spans.push((line.len(), line.len() + t.len()));
            line.push_str(t);
            line.push_str(spacing[i % spacing.len()]);
        }
        let base = s.push_text(&line);
        for (start, end) in spans {
            s.push_token_span(Span::new(base + start, base + end), Span::new(start, end));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_and_read_back() {
        let mut s = Sentence::new();
        s.push_token("Ryan", Span::new(0, 4));
        s.push_token("Crocker", Span::new(5, 12));
        s.push_token("said", Span::new(13, 17));
        s.push_entity("PER", TokenSpan::new(0, 2));
        let texts: Vec<_> = s.tokens().map(|t| t.text).collect();
        assert_eq!(texts, ["Ryan", "Crocker", "said"]);
        let e = s.entity(0);
        assert_eq!((e.label, e.tokens), ("PER", TokenSpan::new(0, 2)));
        assert_eq!(s.entity_span(e), Span::new(0, 12));
        s.clear();
        assert!(s.is_empty());
        assert_eq!(s.entity_count(), 0);
    }

    #[test]
    fn gaps_columns_and_extra() {
        let mut s = Sentence::new();
        s.set_leading(" ");
        s.push_token("EU", Span::new(1, 3));
        s.push_gap("  ");
        s.push_token("rejects", Span::new(5, 12));
        s.push_gap("\n");
        assert!(s.has_gaps());
        let (mut text, mut starts) = (String::new(), Vec::new());
        s.source_text(&mut text, &mut starts);
        assert_eq!(
            (text.as_str(), starts.as_slice()),
            (" EU  rejects\n", &[1, 5][..])
        );
        s.push_token("it", Span::new(13, 15));
        assert!(!s.has_gaps());
        s.push_columns("NN B-NP");
        assert_eq!((s.columns(0), s.columns(2)), (Some(""), Some("NN B-NP")));
        s.set_extra_json("\"id\":3");
        assert_eq!(s.extra_json(), Some("\"id\":3"));
        s.source_text(&mut text, &mut starts);
        assert_eq!(text, "EU rejects it");
        s.clear();
        assert_eq!(
            (s.gap_after(0), s.columns(0), s.extra_json()),
            (None, None, None)
        );
    }

    proptest::proptest! {
        /// The census counts the bytes below `!`, sees a non-ASCII byte
        /// and the caller's bytes, as a byte by byte look does, at every
        /// length and across the lanes' flush.
        #[test]
        fn census_is_a_count_of_the_bytes(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b' ', b'\t', 0u8, 0x1f, b'!', b'[', 0x80, 0xff]),
                0..2100,
            ),
        ) {
            let got = census(&bytes, |x| crate::swar::eq_bytes(x, b'['));
            let want = Census {
                below_bang: bytes.iter().filter(|&&b| b < b'!').count(),
                non_ascii: bytes.iter().any(|&b| b >= 0x80),
                special: bytes.contains(&b'['),
            };
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn offset_units() {
        assert_eq!(OffsetUnit::Bytes.len_of("’s"), 4);
        assert_eq!(OffsetUnit::Chars.len_of("’s"), 2);
        assert_eq!(OffsetUnit::Utf16.len_of("😀s"), 3);
    }
}
