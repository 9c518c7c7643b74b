//! The inline bracket format that NER taggers print.
//!
//! ```text
//! Ambassador [PER Ryan C. Crocker  ] , Reasons ... [LOC Urbana ]-[LOC Champaign ]
//! ```
//!
//! # Grammar
//!
//! - An entity is `[`, a LABEL (`[A-Z][A-Z0-9_-]*`), one or more spaces or
//!   tabs, the entity text, optional spaces, `]`. With a label set
//!   ([`Options::labels`]) a bracket with another label of that pattern is
//!   an error, and the labels of the set are labels whatever their case and
//!   punctuation (WNUT-17's `person`, `creative-work`; re3d's
//!   `Organisation`): with `person` in the set, `[person Ryan ]` is an
//!   entity, without it literal text.
//! - A `[` not followed by a label and a space or tab is literal text
//!   (`[ 1 ]`, `[1]`, `[sic]`); a `]` while no entity is open is literal text.
//! - Entity text holds no `[`, `]` or line break; entities do not nest. Any
//!   `]` closes the open entity, as in the Illinois tagger's own reader.
//! - Brackets may sit inside raw text (`[LOC Urbana ]-[LOC Champaign ]`):
//!   entity edges are always token edges, so no token straddles a bracket.
//! - `&#91;` and `&#93;` (and `&lsqb;`, `&rsqb;`) are literal brackets in
//!   every HTML mode: that is how nerkit writes a bracket token so that it
//!   survives a round trip.
//! - UTF-8 with or without a byte-order mark, LF or CRLF, tabs or runs of
//!   spaces between tokens, with or without a final newline.
//!
//! Offsets of tokens point into the input file, also when HTML was stripped
//! or character references decoded.

use std::io::BufRead;

use crate::error::{Error, Hint, ParseErrorKind, Result};
use crate::html::{contains_markup, CleanLine, HtmlMode};
use crate::repair::{Repair, RepairKind};
use crate::sentence::{OffsetUnit, Piece, Sentence};
use crate::span::{Position, Span, TokenSpan};
use crate::tokenize::Tokenizer;

/// How lines become sentences.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SentenceMode {
    /// Every non-blank line is a sentence, as taggers print them.
    #[default]
    Line,
    /// Like `Line`, and a line is also split after a sentence-final token
    /// (one made only of `.`, `?` and `!`), never inside an entity.
    Auto,
    /// One sequence per document (input file). Memory grows with the
    /// document, since the whole document is one sequence, unless it is
    /// read in pieces ([`Options::piece_bytes`], as the converter does).
    None,
}

impl std::str::FromStr for SentenceMode {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<SentenceMode, String> {
        match s.to_ascii_lowercase().as_str() {
            "line" | "lines" => Ok(SentenceMode::Line),
            "auto" => Ok(SentenceMode::Auto),
            "none" | "document" => Ok(SentenceMode::None),
            _ => Err(format!(
                "unknown sentence mode \"{s}\" (expected line, auto or none)"
            )),
        }
    }
}

/// Options for reading bracket text.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Options {
    /// How text is split into tokens.
    pub tokenizer: Tokenizer,
    /// The allowed labels; `None` accepts any `[A-Z][A-Z0-9_-]*` label.
    /// A label of the set outside that pattern (`person`) is read as a
    /// label too; labels hold no whitespace or brackets.
    pub labels: Option<Vec<String>>,
    /// Repair malformed input (and record each repair) instead of failing.
    pub lenient: bool,
    /// The unit of token offsets.
    pub offsets: OffsetUnit,
    /// What to do with HTML.
    pub html: HtmlMode,
    /// How lines become sentences.
    pub sentences: SentenceMode,
    /// Read a line longer than this many bytes in pieces of about this
    /// size, so that no one holds it whole (see [`crate::Piece`]); `None`
    /// (the default) reads every line whole. With `SentenceMode::None` a
    /// document is given in pieces of about this size too.
    ///
    /// A piece ends before a token outside any entity that follows a space
    /// or a tab and starts with an ASCII char other than `[`, `]`, `&` and
    /// `<`, so that no token, tag or sentence end depends on the other side
    /// of the cut. Where a line offers no such place (one entity longer
    /// than the bound), the piece grows until it does. The rest of a line
    /// is read whole from a piece that is not valid UTF-8.
    pub piece_bytes: Option<usize>,
}

/// The bound the converter reads long lines with
/// ([`Options::piece_bytes`]): 256 KiB, about 50,000 tokens of English. A
/// piece's tokens and tags take about 15 times its bytes (32 bytes a token
/// and 24 a tag), so a piece peaks near 4 MB; larger pieces gain nothing
/// measurable in speed.
pub const PIECE_BYTES: usize = 256 << 10;

/// Where a line sits in its input, for offsets and messages.
#[derive(Clone, Copy, Debug, Default)]
struct LineStart {
    /// Line number, from 1.
    number: u64,
    /// Byte offset of the line's first byte in the input.
    byte: u64,
    /// Offset of the line's first char in the input, in the offset unit.
    unit: u64,
}

/// The first part of a line that the fused route has converted before
/// handing the rest to the general route (a line too long to hold whole):
/// its length in bytes, in the offset unit and in chars (for columns).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct LinePrefix {
    bytes: u64,
    units: u64,
    chars: u64,
}

/// `e` with its column `chars` further right: an error found in the rest
/// of a line whose first `chars` chars were read before.
fn shift_columns(e: Error, chars: u64) -> Error {
    if chars == 0 {
        return e;
    }
    match e.kind() {
        crate::error::ErrorKind::Parse { pos, kind } => {
            let pos = Position::new(pos.line(), pos.column() + chars, pos.byte());
            let shifted = Error::parse(pos, kind.clone());
            e.hints().iter().fold(shifted, |e, &h| e.with_hint(h))
        }
        _ => e,
    }
}

/// Parses bracket lines into sentences, reusing its buffers.
#[derive(Debug, Default)]
struct LineParser {
    clean: CleanLine,
    masks: LineMasks,
}

/// Where the whitespace and the brackets of a line are, a bit a byte in
/// words of 64 bytes (bit `k` of word `w` stands for byte `64 w + k`),
/// found in one pass over the line. The parser finds its brackets and the
/// whitespace tokenizer its tokens from these words, a `trailing_zeros` a
/// bracket or a token end, instead of scanning each stretch between
/// brackets again (a call to `memchr2` a bracket, a byte loop a token).
#[derive(Debug, Default)]
struct LineMasks {
    /// Whitespace, as `char::is_whitespace` says, every byte of a
    /// non-ASCII whitespace char set; the bytes past the line's end count
    /// as whitespace.
    blank: Vec<u64>,
    /// The `[` and `]` that may be markup (those decoded from a character
    /// reference are literal text and left out).
    bracket: Vec<u64>,
}

/// The bits of a 64-bit mask below bit `n`; all of them when `n` is 64
/// or more.
#[inline(always)]
fn bits_below(n: usize) -> u64 {
    !crate::swar::bits_from(n)
}

impl LineMasks {
    /// The masks of `text`, whose brackets at the offsets `literal` (in
    /// increasing order) are literal text.
    fn fill(&mut self, text: &str, literal: &[usize]) {
        let bytes = text.as_bytes();
        self.blank.clear();
        self.bracket.clear();
        // Bits of a non-ASCII whitespace char that reach into the next word.
        let mut carry = 0u64;
        let (blank, bracket) = (&mut self.blank, &mut self.bracket);
        fused::masks::for_each_block(bytes, |m| {
            let mut word_blank = m.blank | carry;
            carry = 0;
            if m.high != 0 {
                let (more, next) = non_ascii_blanks(bytes, 64 * blank.len(), m.high);
                word_blank |= more;
                carry = next;
            }
            blank.push(word_blank);
            bracket.push(m.bracket);
        });
        for &at in literal {
            if let Some(word) = self.bracket.get_mut(at / 64) {
                *word &= !(1 << (at % 64));
            }
        }
    }

    /// The offset of the first bracket at or after `from`.
    #[inline]
    fn next_bracket(&self, from: usize) -> Option<usize> {
        let mut w = from / 64;
        let mut word = self.bracket.get(w)? & crate::swar::bits_from(from % 64);
        while word == 0 {
            w += 1;
            word = *self.bracket.get(w)?;
        }
        Some(64 * w + word.trailing_zeros() as usize)
    }

    /// Calls `f(start, end)` for each run of non-whitespace bytes of the
    /// line within `from..to` (the tokens of the whitespace tokenizer in
    /// that stretch), in order.
    #[inline]
    fn for_each_token(&self, from: usize, to: usize, mut f: impl FnMut(usize, usize)) {
        if from >= to {
            return;
        }
        let (first, last) = (from / 64, (to - 1) / 64);
        // The byte before `from` counts as whitespace.
        let mut carry = 1u64;
        let mut open = None;
        for w in first..=last {
            let base = 64 * w;
            let mut sep = self.blank.get(w).copied().unwrap_or(u64::MAX);
            if w == first {
                sep |= bits_below(from - base);
            }
            if w == last {
                sep |= !bits_below(to - base);
            }
            let before = (sep << 1) | carry;
            carry = sep >> 63;
            let mut starts = !sep & before;
            let mut ends = sep & !before;
            if let Some(start) = open {
                if ends == 0 {
                    // The token goes on through the whole word.
                    continue;
                }
                f(start, base + ends.trailing_zeros() as usize);
                ends &= ends - 1;
                open = None;
            }
            // Starts and ends alternate; the last start may end in a
            // later word.
            while starts != 0 {
                let start = base + starts.trailing_zeros() as usize;
                starts &= starts - 1;
                if ends == 0 {
                    open = Some(start);
                    break;
                }
                f(start, base + ends.trailing_zeros() as usize);
                ends &= ends - 1;
            }
        }
        if let Some(start) = open {
            f(start, to);
        }
    }
}

/// The bits of the bytes of non-ASCII whitespace chars among the bytes
/// `high` marks in the word of `bytes` at `base` (the bytes of its
/// non-ASCII chars): those within the word, and those of a char that
/// reaches into the next word. Only the lead bytes C2, E1, E2 and E3
/// start a whitespace char, so most words with such chars (accented
/// letters, curly quotes) decode none.
#[inline(never)]
fn non_ascii_blanks(bytes: &[u8], base: usize, high: u64) -> (u64, u64) {
    let (mut here, mut next) = (0u64, 0u64);
    let mut m = high;
    while m != 0 {
        let k = m.trailing_zeros() as usize;
        m &= m - 1;
        let at = base + k;
        let len = match bytes.get(at) {
            Some(0xC2) => 2,
            Some(0xE1..=0xE3) => 3,
            _ => continue,
        };
        let is_blank = bytes
            .get(at..at + len)
            .and_then(|c| std::str::from_utf8(c).ok())
            .is_some_and(|c| c.chars().all(char::is_whitespace));
        if is_blank {
            // `len` bits from bit `k`, some of them maybe past the word.
            let bits = ((1u128 << len) - 1) << k;
            here |= bits as u64;
            next |= (bits >> 64) as u64;
        }
    }
    (here, next)
}

/// Maps offsets of the text being parsed (the line, or its cleaned form)
/// to offsets in the input, in the requested unit. Positions are asked for
/// in increasing order, so the unit conversion walks the line once.
struct OffsetMap<'a> {
    line: &'a str,
    clean: Option<&'a CleanLine>,
    /// The piece of the clean line where the last token was found (see
    /// [`CleanLine::source_start_from`]).
    walk: usize,
    start: LineStart,
    unit: OffsetUnit,
    cursor_byte: usize,
    cursor_unit: usize,
    /// Every byte of the line from `cursor_byte` up to here is ASCII (so
    /// one unit long in every unit): a position up to it is found by
    /// subtraction instead of by counting the chars before it. Most lines
    /// are mostly ASCII, so this spares a count per token.
    ascii_end: usize,
}

impl OffsetMap<'_> {
    fn line_byte(&self, at: usize, end: bool) -> usize {
        match self.clean {
            None => at,
            Some(c) if end => c.source_end(at),
            Some(c) => c.source_start(at),
        }
    }

    /// [`OffsetMap::line_byte`] for offsets asked for in increasing order
    /// (token ends and starts): a walk from the last rather than a search.
    #[inline]
    fn walk_line_byte(&mut self, at: usize, end: bool) -> usize {
        match self.clean {
            None => at,
            Some(c) if end => c.source_end_from(at, &mut self.walk),
            Some(c) => c.source_start_from(at, &mut self.walk),
        }
    }

    fn unit_offset(&mut self, line_byte: usize) -> u64 {
        match self.unit {
            OffsetUnit::Bytes => self.start.byte + line_byte as u64,
            unit => {
                if line_byte < self.cursor_byte {
                    self.cursor_byte = 0;
                    self.cursor_unit = 0;
                    self.ascii_end = 0;
                }
                self.cursor_unit += unit.len_of(&self.line[self.cursor_byte..line_byte]);
                self.cursor_byte = line_byte;
                self.start.unit + self.cursor_unit as u64
            }
        }
    }

    /// For a line that was not cleaned: where the cursor is, in line
    /// bytes and in the offset unit, when every byte from it up to `end`
    /// is ASCII, so that a position `p` from the cursor up to `end` is at
    /// `unit + (p - byte)` without counting. Most tokens of most lines
    /// are found so, and [`OffsetMap::span`] is not asked.
    #[inline(always)]
    fn ascii_run(&mut self, end: usize) -> Option<(usize, u64)> {
        if self.clean.is_some() {
            return None;
        }
        if self.unit == OffsetUnit::Bytes {
            return Some((0, self.start.byte));
        }
        if end > self.ascii_end {
            let from = self.ascii_end.max(self.cursor_byte);
            self.ascii_end = crate::swar::next_non_ascii(self.line.as_bytes(), from);
        }
        (end <= self.ascii_end)
            .then_some((self.cursor_byte, self.start.unit + self.cursor_unit as u64))
    }

    /// The span in the input of `start..end` of the parsed text: by
    /// [`OffsetMap::ascii_run`] where it can, else by [`OffsetMap::span`].
    #[inline(always)]
    fn token_span(&mut self, start: usize, end: usize) -> Span {
        match self.ascii_run(end) {
            Some((byte, unit)) if start >= byte => Span::new(
                (unit + (start - byte) as u64) as usize,
                (unit + (end - byte) as u64) as usize,
            ),
            _ => self.span(start, end),
        }
    }

    fn span(&mut self, start: usize, end: usize) -> Span {
        let s = self.walk_line_byte(start, false);
        let e = self.walk_line_byte(end, true).max(s);
        let s = self.unit_offset(s);
        let e = self.unit_offset(e);
        Span::new(s as usize, e as usize)
    }

    fn position(&self, at: usize) -> Position {
        let b = self.line_byte(at, false);
        Position::in_line(self.start.number, self.start.byte, self.line.as_bytes(), b)
    }
}

/// The length of the label of an opener at the start of `s` (just after
/// `[`), when `s` starts with a label followed by a space or a tab: one of
/// the default pattern, or one of `wider` (a label set's labels outside it).
fn opener_label_len(s: &[u8], wider: &[String]) -> Option<usize> {
    let len = s
        .iter()
        .position(|&b| !LABEL_BYTES[usize::from(b)])
        .unwrap_or(s.len());
    if len > 0 && s[0].is_ascii_uppercase() && matches!(s.get(len), Some(b' ' | b'\t')) {
        return Some(len);
    }
    if wider.is_empty() {
        return None;
    }
    let len = s
        .iter()
        .position(|&b| matches!(b, b' ' | b'\t' | b'[' | b']' | b'\n' | b'\r'))?;
    (matches!(s[len], b' ' | b'\t') && wider.iter().any(|l| l.as_bytes() == &s[..len]))
        .then_some(len)
}

/// The bytes of the default label pattern: `A-Z`, `0-9`, `_` and `-`.
static LABEL_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = matches!(b as u8, b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-');
        b += 1;
    }
    table
};

/// True when `label` is of the pattern the bracket reader takes without a
/// label set: `[A-Z][A-Z0-9_-]*`.
///
/// # Example
/// ```
/// use nerkit::bracket::is_default_label;
/// assert!(is_default_label("PER") && is_default_label("B2B_X-Y"));
/// assert!(!is_default_label("person") && !is_default_label("Organisation"));
/// ```
pub fn is_default_label(label: &str) -> bool {
    let b = label.as_bytes();
    b.first().is_some_and(u8::is_ascii_uppercase)
        && b.iter()
            .all(|&c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
}

/// The labels of `opts`' label set outside the default pattern.
fn wider_labels(opts: &Options) -> &[String] {
    match &opts.labels {
        Some(set) if !set.iter().all(|l| is_default_label(l)) => set,
        _ => &[],
    }
}

struct OpenEntity {
    label: Span,
    /// Offset of the `[` in the parsed text.
    at: usize,
    first_token: usize,
    /// False when the entity is being read but will be dropped (lenient
    /// repair of a label outside the label set).
    keep: bool,
}

impl LineParser {
    /// Appends the tokens and entities of `line` to `sentence`.
    fn parse_into(
        &mut self,
        line: &str,
        start: LineStart,
        opts: &Options,
        strip_html: bool,
        sentence: &mut Sentence,
        repairs: &mut Vec<Repair>,
    ) -> Result<()> {
        let needs_cleaning = if strip_html {
            memchr::memchr2(b'&', b'<', line.as_bytes()).is_some()
        } else {
            memchr::memchr(b'&', line.as_bytes()).is_some()
        };
        let clean = if needs_cleaning {
            self.clean.clean(line, strip_html);
            Some(&self.clean)
        } else {
            None
        };
        let text = clean.map_or(line, |c| c.text());
        let bytes = text.as_bytes();
        let mut map = OffsetMap {
            line,
            clean,
            walk: 0,
            start,
            unit: opts.offsets,
            cursor_byte: 0,
            cursor_unit: 0,
            ascii_end: 0,
        };
        let masks = &mut self.masks;
        masks.fill(text, clean.map_or(&[], |c| c.literal_brackets()));
        let masks = &*masks;
        // Copy the line into the sentence once; tokens and labels point into it.
        let base = sentence.push_text(text);
        // A token takes two bytes at least, its own and a space after it.
        sentence.reserve_tokens(text.len() / 2 + 1);

        let mut open: Option<OpenEntity> = None;
        let mut segment_start = 0;
        // Looked at once a line, not at each opener.
        let wider = wider_labels(opts);
        let mut i = 0;
        while let Some(at) = masks.next_bracket(i) {
            i = at + 1;
            if bytes[at] == b'[' {
                let Some(label_len) = opener_label_len(&bytes[at + 1..], wider) else {
                    if let Some(o) = &open {
                        let kind = ParseErrorKind::Other(format!(
                            "\"[\" inside the open \"[{}\" entity (entity text holds no brackets; \
                             write &#91; for a literal bracket)",
                            &text[o.label]
                        ));
                        Self::fail_or_repair(
                            opts,
                            &map,
                            at,
                            kind,
                            RepairKind::BracketInEntity,
                            "read as text",
                            repairs,
                        )?;
                    }
                    continue;
                };
                let label = Span::new(at + 1, at + 1 + label_len);
                if let Some(o) = &open {
                    let kind = ParseErrorKind::NestedEntity {
                        label: text[label].to_string(),
                        open: text[o.label].to_string(),
                    };
                    Self::fail_or_repair(
                        opts,
                        &map,
                        at,
                        kind,
                        RepairKind::NestedEntity,
                        "read the inner opener as text",
                        repairs,
                    )?;
                    continue;
                }
                let mut keep = true;
                if let Some(labels) = &opts.labels {
                    if !labels.iter().any(|l| l == &text[label]) {
                        let kind = ParseErrorKind::UnknownLabel {
                            label: text[label].to_string(),
                        };
                        Self::fail_or_repair(
                            opts,
                            &map,
                            at + 1,
                            kind,
                            RepairKind::UnknownLabel,
                            "kept its text as plain tokens",
                            repairs,
                        )?;
                        keep = false;
                    }
                }
                push_tokens(
                    opts.tokenizer,
                    masks,
                    text,
                    (segment_start, at),
                    base,
                    &mut map,
                    sentence,
                );
                open = Some(OpenEntity {
                    label,
                    at,
                    first_token: sentence.len(),
                    keep,
                });
                segment_start = label.end();
                i = label.end();
            } else if let Some(o) = open.take() {
                push_tokens(
                    opts.tokenizer,
                    masks,
                    text,
                    (segment_start, at),
                    base,
                    &mut map,
                    sentence,
                );
                segment_start = at + 1;
                let tokens = TokenSpan::new(o.first_token, sentence.len());
                if tokens.is_empty() {
                    let kind = ParseErrorKind::EmptyEntity {
                        label: text[o.label].to_string(),
                    };
                    Self::fail_or_repair(
                        opts,
                        &map,
                        o.at,
                        kind,
                        RepairKind::EmptyEntity,
                        "dropped it",
                        repairs,
                    )?;
                } else if o.keep {
                    sentence.push_entity_span(o.label.offset(base), tokens);
                }
            }
        }
        push_tokens(
            opts.tokenizer,
            masks,
            text,
            (segment_start, text.len()),
            base,
            &mut map,
            sentence,
        );
        if let Some(o) = open {
            let kind = ParseErrorKind::UnclosedEntity {
                label: text[o.label].to_string(),
            };
            Self::fail_or_repair(
                opts,
                &map,
                o.at,
                kind,
                RepairKind::UnclosedEntity,
                "kept its text as plain tokens",
                repairs,
            )?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn fail_or_repair(
        opts: &Options,
        map: &OffsetMap<'_>,
        at: usize,
        kind: ParseErrorKind,
        repair: RepairKind,
        action: &str,
        repairs: &mut Vec<Repair>,
    ) -> Result<()> {
        let pos = map.position(at);
        // Of these problems only an unknown label comes from a setting (the
        // label set) rather than from the input alone, so only its message
        // points to the setting.
        let hints: &[Hint] = match kind {
            ParseErrorKind::UnknownLabel { .. } => &[Hint::ExtendTheLabelSet],
            _ => &[],
        };
        if !opts.lenient {
            let error = Error::parse(pos, kind);
            return Err(hints.iter().fold(error, |e, &h| e.with_hint(h)));
        }
        repairs.push(Repair::with_hints(
            pos,
            repair,
            &kind.to_string(),
            hints,
            action,
        ));
        Ok(())
    }
}

/// Pushes the tokens of `text[from..to]`, whose text the sentence already
/// holds at `base` (see [`Sentence::push_text`]).
#[inline]
fn push_tokens(
    tokenizer: Tokenizer,
    masks: &LineMasks,
    text: &str,
    (from, to): (usize, usize),
    base: usize,
    map: &mut OffsetMap<'_>,
    sentence: &mut Sentence,
) {
    if from >= to {
        return;
    }
    if tokenizer == Tokenizer::Whitespace && !by_tokenizer() {
        if map.clean.is_none() && map.unit == OffsetUnit::Bytes {
            // The common case: offsets are the line's own bytes.
            let source = map.start.byte as usize;
            masks.for_each_token(from, to, |s, e| {
                let span = Span::new(s + source, e + source);
                sentence.push_token_span(Span::new(s + base, e + base), span);
            });
        } else {
            masks.for_each_token(from, to, |s, e| {
                let span = map.token_span(s, e);
                sentence.push_token_span(Span::new(s + base, e + base), span);
            });
        }
        return;
    }
    let tokens = tokenizer.tokens(&text[from..to]);
    if map.clean.is_none() && map.unit == OffsetUnit::Bytes {
        // The common case: offsets are the line's own bytes.
        let source = map.start.byte as usize + from;
        tokens.for_each(|t| {
            sentence.push_token_span(t.span.offset(base + from), t.span.offset(source));
        });
    } else {
        tokens.for_each(|t| {
            let span = map.token_span(from + t.span.start(), from + t.span.end());
            sentence.push_token_span(t.span.offset(base + from), span);
        });
    }
}

/// Whether the whitespace tokenizer's tokens are found by the tokenizer
/// itself ([`Tokenizer::tokens`]) rather than from the line's masks: in
/// tests, the route the masks are proven equal to.
#[cfg(test)]
fn by_tokenizer() -> bool {
    tests::BY_TOKENIZER.with(std::cell::Cell::get)
}

#[cfg(not(test))]
#[inline(always)]
fn by_tokenizer() -> bool {
    false
}

/// Parses one line of bracket text into a sentence (tokens with byte spans
/// into `line`, and entities), for in-memory use.
///
/// # Errors
/// A parse error with line 1 and the column of the problem, unless
/// `opts.lenient` is set.
///
/// # Example
/// ```
/// use nerkit::bracket::{parse_line, Options};
///
/// let s = parse_line("[PER Ryan C. Crocker  ] met [LOC Pakistan  ] officials .", &Options::default())?;
/// let tokens: Vec<_> = s.tokens().map(|t| t.text).collect();
/// assert_eq!(tokens, ["Ryan", "C.", "Crocker", "met", "Pakistan", "officials", "."]);
/// let e = s.entity(0);
/// assert_eq!((e.label, e.tokens.start(), e.tokens.end()), ("PER", 0, 3));
/// # Ok::<(), nerkit::Error>(())
/// ```
pub fn parse_line(line: &str, opts: &Options) -> Result<Sentence> {
    let mut parser = LineParser::default();
    let mut sentence = Sentence::new();
    let mut repairs = Vec::new();
    let strip = match opts.html {
        HtmlMode::Strip => true,
        HtmlMode::Keep => false,
        HtmlMode::Auto => contains_markup(line.as_bytes()),
    };
    let start = LineStart {
        number: 1,
        byte: 0,
        unit: 0,
    };
    parser.parse_into(line, start, opts, strip, &mut sentence, &mut repairs)?;
    sentence.set_line(1);
    Ok(sentence)
}

/// Reads bracket text from a stream, one sentence at a time, in bounded
/// memory.
///
/// # Example
/// ```
/// use nerkit::bracket::{Options, Reader};
/// use nerkit::Sentence;
///
/// let text = "[PER Musharraf  ] met [LOC U.S.  ] officials .\n\nNo entities here .\n";
/// let mut reader = Reader::new(text.as_bytes(), Options::default());
/// let mut sentence = Sentence::new();
/// let mut count = 0;
/// while reader.read_sentence(&mut sentence)? {
///     count += 1;
/// }
/// assert_eq!(count, 2);
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Reader<R> {
    inner: R,
    opts: Options,
    parser: LineParser,
    line_buf: Vec<u8>,
    /// Where the reader is: kept by this route and the fused one alike.
    cursor: LineCursor,
    strip_html: Option<bool>,
    repairs: Vec<Repair>,
    /// For `SentenceMode::Auto`: the parsed line and where it is cut.
    pending: Sentence,
    cuts: Vec<usize>,
    next_cut: usize,
    /// The entity of `pending` that the next cut sentence looks at first.
    next_entity: usize,
    /// The pending piece ends with a sentence end, so its last sentence
    /// does not go on in the next piece.
    cut_at_end: bool,
    /// A line read in pieces ([`Options::piece_bytes`]): what its pieces
    /// before `line_buf` held; `None` between lines.
    line_piece: Option<LinePrefix>,
    /// The rest of the line in pieces is read whole (see
    /// [`Options::piece_bytes`]).
    rest_whole: bool,
    /// The repairs of the earlier pieces of the line in pieces, held until
    /// its end so that they come in the order the line read whole gives
    /// (an invalid UTF-8 repair first), or not at all should the line be
    /// refused.
    held_repairs: Vec<Repair>,
    /// The tags and entities of a buffer being cut.
    cut_spans: CutSpans,
    /// The sentence given in pieces: how many tokens its pieces gave so
    /// far; `None` when no sentence is open.
    given: Option<usize>,
    /// The same for the sentences `SentenceMode::Auto` cuts from pieces.
    auto_given: Option<usize>,
}

impl<R: BufRead> Reader<R> {
    /// A reader over `inner`.
    pub fn new(inner: R, opts: Options) -> Reader<R> {
        Reader {
            inner,
            opts,
            parser: LineParser::default(),
            line_buf: Vec::with_capacity(4096),
            cursor: LineCursor::new(),
            strip_html: None,
            repairs: Vec::new(),
            pending: Sentence::new(),
            cuts: Vec::new(),
            next_cut: 0,
            next_entity: 0,
            cut_at_end: false,
            line_piece: None,
            rest_whole: false,
            held_repairs: Vec::new(),
            cut_spans: CutSpans::default(),
            given: None,
            auto_given: None,
        }
    }

    /// The reader of a part of a larger input that starts at line `line`,
    /// byte `byte` and offset `unit` (in the offset unit) of that input,
    /// so that positions and offsets are those of the whole input. Its
    /// first sentence begins a document only when `document_start` is set.
    /// Used to read chunks of one input on several threads.
    pub fn starting_at(
        mut self,
        line: u64,
        byte: u64,
        unit: u64,
        document_start: bool,
    ) -> Reader<R> {
        let next_line = LineStart {
            number: line,
            byte,
            unit,
        };
        self.cursor.move_to(next_line, document_start);
        self
    }

    /// The number of the next line to read: the first line's number plus
    /// the lines read so far.
    pub fn next_line_number(&self) -> u64 {
        self.cursor.next_line().number
    }

    /// The underlying reader (what is left of the input).
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Whether HTML is being stripped (decided on the first read in
    /// [`HtmlMode::Auto`]); `None` before the first read.
    pub fn strips_html(&self) -> Option<bool> {
        self.strip_html
    }

    /// Repairs made since the last call (only under `lenient`).
    pub fn take_repairs(&mut self) -> std::vec::Drain<'_, Repair> {
        self.repairs.drain(..)
    }

    /// Reads the next sentence into `sentence` (cleared first). Returns
    /// `false` at the end of the input. Lines with no token are skipped.
    ///
    /// # Errors
    /// I/O errors, invalid UTF-8 and malformed brackets (unless lenient),
    /// with the line and column.
    pub fn read_sentence(&mut self, sentence: &mut Sentence) -> Result<bool> {
        sentence.clear();
        let found = match self.opts.sentences {
            SentenceMode::Line => self.read_line_sentence(sentence)?,
            SentenceMode::None => self.read_document(sentence)?,
            SentenceMode::Auto => self.read_auto(sentence)?,
        };
        if found {
            sentence.set_document_start(self.cursor.take_document_start());
        }
        Ok(found)
    }

    /// Reads without giving it what the reader reads before it gives a
    /// sentence read whole, when it is giving one in pieces
    /// ([`Options::piece_bytes`]): the rest of the line, or with
    /// `SentenceMode::None` the rest of the document. For its errors and
    /// repairs (see [`crate::convert::SentenceReader::read_rest_of_line`]);
    /// nothing between lines.
    ///
    /// # Errors
    /// As [`Reader::read_sentence`].
    pub fn read_rest_of_line(&mut self) -> Result<()> {
        let mut rest = Sentence::new();
        let document = self.opts.sentences == SentenceMode::None && self.given.is_some();
        while self.line_piece.is_some() || document {
            rest.clear();
            if !self.read_line_into(&mut rest)? {
                break;
            }
        }
        Ok(())
    }

    /// Records in `sentence`, read whole or a piece, where it sits in the
    /// sentence given in pieces, and whether later pieces follow.
    fn mark_piece(given: &mut Option<usize>, sentence: &mut Sentence, continued: bool) {
        let piece = Piece {
            continues: given.is_some(),
            continued,
            first_token: given.unwrap_or(0),
        };
        sentence.set_piece(piece);
        *given = continued.then_some(piece.first_token + sentence.len());
    }

    fn read_line_sentence(&mut self, sentence: &mut Sentence) -> Result<bool> {
        loop {
            let line = self.cursor.next_line().number;
            if !self.read_line_into(sentence)? {
                return Ok(false);
            }
            let continued = self.line_piece.is_some();
            // A piece without tokens is skipped, unless it ends a sentence
            // whose earlier pieces were given.
            if !sentence.is_empty() || (self.given.is_some() && !continued) {
                sentence.set_line(line);
                Self::mark_piece(&mut self.given, sentence, continued);
                return Ok(true);
            }
        }
    }

    /// `SentenceMode::None`: the document, in pieces of about
    /// [`Options::piece_bytes`] when set, cut where a line is cut or
    /// after a line whose last token is outside any entity.
    fn read_document(&mut self, sentence: &mut Sentence) -> Result<bool> {
        loop {
            if !self.read_line_into(sentence)? {
                if sentence.is_empty() && self.given.is_none() {
                    return Ok(false);
                }
                Self::mark_piece(&mut self.given, sentence, false);
                return Ok(true);
            }
            let Some(bound) = self.opts.piece_bytes else {
                continue;
            };
            let cut = self.line_piece.is_some()
                || (sentence.text_len() >= bound
                    && sentence
                        .entities()
                        .last()
                        .is_none_or(|e| e.tokens.end() < sentence.len()));
            if cut && !sentence.is_empty() {
                Self::mark_piece(&mut self.given, sentence, true);
                return Ok(true);
            }
        }
    }

    fn read_auto(&mut self, sentence: &mut Sentence) -> Result<bool> {
        loop {
            if self.next_cut >= self.cuts.len() {
                let mut pending = std::mem::take(&mut self.pending);
                pending.clear();
                let found = self.read_line_sentence(&mut pending);
                self.pending = pending;
                if !found? {
                    return Ok(false);
                }
                self.cut_pending();
            }
            let start = if self.next_cut == 0 {
                0
            } else {
                self.cuts[self.next_cut - 1]
            };
            let end = self.cuts[self.next_cut];
            self.next_cut += 1;
            let last = self.next_cut == self.cuts.len();
            // The last sentence of a piece goes on in the next piece unless
            // the piece ends with a sentence end (a cut at its end).
            let continued = last && self.pending.piece().continued && !self.cut_at_end;
            if start == end && self.auto_given.is_none() {
                continue;
            }
            sentence.set_line(self.pending.line());
            for i in start..end {
                let t = self.pending.token(i);
                sentence.push_token(t.text, t.span);
            }
            // Every entity lies between two cuts, and they come in order.
            while self.next_entity < self.pending.entity_count() {
                let e = self.pending.entity(self.next_entity);
                if e.tokens.start() >= end {
                    break;
                }
                if e.tokens.start() >= start && e.tokens.end() <= end {
                    sentence.push_entity(
                        e.label,
                        TokenSpan::new(e.tokens.start() - start, e.tokens.end() - start),
                    );
                }
                self.next_entity += 1;
            }
            Self::mark_piece(&mut self.auto_given, sentence, continued);
            return Ok(true);
        }
    }

    /// Finds where the pending line (or piece of one) is cut: after each
    /// sentence-final token that is not inside an entity and not the last
    /// token of the line. A piece followed by others ends with a token
    /// that is not the line's last: the next piece starts with a token.
    fn cut_pending(&mut self) {
        self.cuts.clear();
        self.next_cut = 0;
        self.next_entity = 0;
        let s = &self.pending;
        let more = s.piece().continued;
        let mut entities = s.entities().peekable();
        for i in 0..s.len() {
            while entities.peek().is_some_and(|e| e.tokens.end() <= i) {
                entities.next();
            }
            let inside = entities.peek().is_some_and(|e| e.tokens.start() <= i);
            let text = s.token(i).text;
            if !inside
                && (i + 1 < s.len() || more)
                && text.bytes().all(|b| matches!(b, b'.' | b'?' | b'!'))
            {
                self.cuts.push(i + 1);
            }
        }
        self.cut_at_end = more && self.cuts.last() == Some(&s.len());
        if self.cuts.last() != Some(&s.len()) || s.is_empty() {
            self.cuts.push(s.len());
        }
    }

    /// Reads one line, or the next piece of a long one (see
    /// [`Options::piece_bytes`]), and appends its tokens and entities;
    /// `false` at the end of the input. The line goes on in later pieces
    /// when `line_piece` is set after it.
    fn read_line_into(&mut self, sentence: &mut Sentence) -> Result<bool> {
        if self.cursor.is_at_end() {
            return Ok(false);
        }
        let strip = self.decide_html()?;
        let Some(bound) = self.opts.piece_bytes else {
            self.line_buf.clear();
            let n = self.inner.read_until(b'\n', &mut self.line_buf)?;
            if n == 0 {
                self.cursor.set_at_end();
                return Ok(false);
            }
            self.parse_line_buf(sentence)?;
            return Ok(true);
        };
        let bound = bound.max(1);
        if self.line_piece.is_none() {
            self.line_buf.clear();
            self.rest_whole = false;
        }
        let mut cut_from = bound;
        let cut = loop {
            if self.line_buf.last() == Some(&b'\n') {
                break None;
            }
            if !self.rest_whole && self.line_buf.len() >= cut_from {
                if let Some(at) = self.find_cut(strip) {
                    break Some(at);
                }
                cut_from = self.line_buf.len() + bound;
            }
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                break None;
            }
            let mut take = memchr::memchr(b'\n', buf).map_or(buf.len(), |i| i + 1);
            if !self.rest_whole {
                // No further past the bound than the next look for a cut.
                take = take.min(cut_from.saturating_sub(self.line_buf.len()).max(1));
            }
            self.line_buf.extend_from_slice(&buf[..take]);
            self.inner.consume(take);
        };
        if self.line_buf.is_empty() {
            self.cursor.set_at_end();
            return Ok(false);
        }
        let prefix = self.line_piece.take().unwrap_or_default();
        let n = cut.unwrap_or(self.line_buf.len());
        match self.parse_line_part(prefix, n, cut.is_none(), sentence) {
            Ok(next) => {
                if cut.is_some() {
                    self.line_buf.drain(..n);
                    self.line_piece = Some(next);
                }
                Ok(true)
            }
            Err(e) if cut.is_some() => Err(self.refuse_rest(prefix, n, e)),
            Err(e) => Err(e),
        }
    }

    /// The error of a line whose piece before `n` (after `prefix`) was
    /// refused with `e`: the line read whole would have been refused for a
    /// carriage return or invalid UTF-8 later in it first, so the rest of
    /// the line is read, a block at a time, to look for them.
    fn refuse_rest(&mut self, prefix: LinePrefix, n: usize, e: Error) -> Error {
        self.held_repairs.clear();
        let line = self.cursor.next_line();
        if matches!(
            e.kind(),
            crate::error::ErrorKind::Parse {
                kind: ParseErrorKind::LoneCarriageReturn,
                ..
            }
        ) {
            // The piece's own, the first in the line.
            self.cursor.pass_line(prefix.bytes + n as u64, prefix.units);
            return e;
        }
        // The piece's chars after any byte-order mark, as its columns count.
        let (piece, _) = crate::lines::content(&self.line_buf[..n], line.byte + prefix.bytes == 0);
        let chars = prefix.chars + Position::in_line(0, 0, piece, piece.len()).column() - 1;
        let byte = line.byte + prefix.bytes + n as u64;
        self.line_buf.drain(..n);
        let found = self.first_line_error(line.number, byte, chars);
        // Past the line, whose length in bytes matters no more.
        self.cursor.pass_line(prefix.bytes + n as u64, prefix.units);
        match found {
            Ok(Some(found)) => found,
            Ok(None) => e,
            Err(io) => io.into(),
        }
    }

    /// The first lone carriage return in the rest of the line, which
    /// starts with `line_buf` at byte `byte` and char `chars` of line
    /// `number`, else its first invalid UTF-8, as the line read whole is
    /// checked; read a block at a time, holding no more than a block and
    /// the few bytes at its end that the next one completes (a CR before a
    /// line end, a char cut in two).
    fn first_line_error(
        &mut self,
        number: u64,
        mut byte: u64,
        mut chars: u64,
    ) -> std::io::Result<Option<Error>> {
        let mut invalid: Option<Error> = None;
        let mut ended = self.line_buf.last() == Some(&b'\n');
        loop {
            if !ended {
                let buf = self.inner.fill_buf()?;
                if buf.is_empty() {
                    ended = true;
                } else {
                    let block = buf.len().min(1 << 16);
                    let take = memchr::memchr(b'\n', &buf[..block]).map_or(block, |i| i + 1);
                    ended = buf[take - 1] == b'\n';
                    self.line_buf.extend_from_slice(&buf[..take]);
                    self.inner.consume(take);
                }
            }
            let judged = if ended {
                crate::lines::content(&self.line_buf, false).0.len()
            } else {
                self.line_buf.len() - unfinished_tail(&self.line_buf)
            };
            let part = &self.line_buf[..judged];
            if let Err(e) = crate::lines::refuse_lone_cr(part, number, byte) {
                return Ok(Some(shift_columns(e, chars)));
            }
            if invalid.is_none() {
                if let Err(e) = crate::lines::utf8(part, number, byte) {
                    invalid = Some(shift_columns(e, chars));
                }
            }
            if ended {
                return Ok(invalid);
            }
            chars += Position::in_line(0, 0, part, judged).column() - 1;
            byte += judged as u64;
            self.line_buf.drain(..judged);
        }
    }

    /// Where the line in `line_buf` may be cut (see
    /// [`Options::piece_bytes`]); `None` when it offers no such place yet,
    /// or when the rest of the line is to be read whole (its piece is not
    /// valid UTF-8), as `rest_whole` then records.
    fn find_cut(&mut self, strip: bool) -> Option<usize> {
        let bytes = &self.line_buf;
        let at = cut_point(bytes, wider_labels(&self.opts), strip, &mut self.cut_spans)?;
        if std::str::from_utf8(&bytes[..at]).is_err() {
            self.rest_whole = true;
            return None;
        }
        Some(at)
    }

    /// Decides, on the first read, whether HTML is stripped, and returns
    /// the decision.
    fn decide_html(&mut self) -> Result<bool> {
        if let Some(strip) = self.strip_html {
            return Ok(strip);
        }
        let strip = match self.opts.html {
            HtmlMode::Strip => true,
            HtmlMode::Keep => false,
            HtmlMode::Auto => contains_markup(self.inner.fill_buf()?),
        };
        self.strip_html = Some(strip);
        Ok(strip)
    }

    /// Parses the line in `line_buf` (with its line end, as read) into
    /// `sentence`, and moves past it.
    fn parse_line_buf(&mut self, sentence: &mut Sentence) -> Result<()> {
        self.parse_line_rest(LinePrefix::default(), sentence)
    }

    /// [`Reader::parse_line_buf`] for the rest of a line whose first part,
    /// `prefix`, another route has converted: `line_buf` holds the rest
    /// (with the line end), and positions and offsets are those of the
    /// whole line. The cursor moves past the whole line.
    fn parse_line_rest(&mut self, prefix: LinePrefix, sentence: &mut Sentence) -> Result<()> {
        self.parse_line_part(prefix, self.line_buf.len(), true, sentence)
            .map(|_| ())
    }

    /// Parses `line_buf[..n]`, the part of a line after `prefix` (with the
    /// line end, as read, when `last`), into `sentence`, with positions and
    /// offsets those of the whole line. The cursor moves past the line
    /// after its last part; before it, the part's repairs are held (see
    /// `held_repairs`). Returns the prefix of the line's next part.
    fn parse_line_part(
        &mut self,
        prefix: LinePrefix,
        n: usize,
        last: bool,
        sentence: &mut Sentence,
    ) -> Result<LinePrefix> {
        let line_start = self.cursor.next_line();
        let mut start = LineStart {
            number: line_start.number,
            byte: line_start.byte + prefix.bytes,
            unit: line_start.unit + prefix.units,
        };
        if last {
            // The line's length in the offset unit follows once it is
            // decoded.
            self.cursor.pass_line(prefix.bytes + n as u64, prefix.units);
        }
        // A column counts the chars of the prefix too.
        let shift = |e: Error| shift_columns(e, prefix.chars);

        let raw = &self.line_buf[..n];
        let (content, bom) = crate::lines::content(raw, start.byte == 0);
        if let Err(e) = crate::lines::refuse_lone_cr(content, start.number, start.byte + bom) {
            self.held_repairs.clear();
            return Err(shift(e));
        }
        let repairs_before = self.repairs.len();
        let line: std::borrow::Cow<'_, str> = match crate::lines::utf8(
            content,
            start.number,
            start.byte + bom,
        )
        .map_err(shift)
        {
            Ok(s) => s.into(),
            Err(e) if self.opts.lenient => {
                let pos = e.position().unwrap_or_default();
                self.repairs.push(Repair::new(
                    pos,
                    RepairKind::InvalidUtf8,
                    format!(
                        "invalid UTF-8 at byte {}; replaced with U+FFFD (offsets on this line may shift)",
                        pos.byte()
                    ),
                ));
                String::from_utf8_lossy(content).into_owned().into()
            }
            Err(e) => return Err(e),
        };
        // The line read whole gives its invalid UTF-8 repair before the
        // repairs of its brackets, the earlier pieces' among them.
        let held_at = self.repairs.len();
        start.byte += bom;
        let bom_units = match (bom, self.opts.offsets) {
            (0, _) => 0,
            (_, OffsetUnit::Bytes) => 3,
            _ => 1,
        };
        start.unit += bom_units;
        let strip = self.strip_html.unwrap_or(false);
        let parse_from = self.repairs.len();
        let parsed =
            self.parser
                .parse_into(&line, start, &self.opts, strip, sentence, &mut self.repairs);
        if prefix.chars > 0 {
            for r in &mut self.repairs[parse_from..] {
                r.pos = Position::new(r.pos.line(), r.pos.column() + prefix.chars, r.pos.byte());
            }
        }
        parsed.map_err(shift)?;
        let units = bom_units + self.opts.offsets.len_of(&line) as u64;
        if !last {
            self.held_repairs
                .extend(self.repairs.drain(repairs_before..));
            return Ok(LinePrefix {
                bytes: prefix.bytes + n as u64,
                units: prefix.units + units,
                chars: prefix.chars + Position::in_line(0, 0, line.as_bytes(), line.len()).column()
                    - 1,
            });
        }
        if !self.held_repairs.is_empty() {
            let held = std::mem::take(&mut self.held_repairs);
            self.repairs.splice(held_at..held_at, held);
        }
        self.cursor
            .pass_units(units + (n - content.len() - bom as usize) as u64);
        Ok(LinePrefix::default())
    }
}

/// The length of the end of `bytes` (a line's bytes read so far, the line
/// going on) that the next bytes may change the judgment of: a carriage
/// return (before a line end, not a lone one), or the start of a char cut
/// in two.
fn unfinished_tail(bytes: &[u8]) -> usize {
    let n = bytes.len();
    if bytes.last() == Some(&b'\r') {
        return 1;
    }
    for back in 1..=3.min(n) {
        let b = bytes[n - back];
        if b < 0x80 {
            return 0;
        }
        if b >= 0xC0 {
            // A lead byte: how many bytes its char takes.
            let len = if b >= 0xF0 {
                4
            } else if b >= 0xE0 {
                3
            } else {
                2
            };
            return if len > back { back } else { 0 };
        }
    }
    0
}

/// The tags (HTML stripped) and entities of a buffer being cut, as
/// ranges of offsets from `<` to past `>` and from `[` to `]`.
#[derive(Debug, Default)]
struct CutSpans {
    tags: Vec<(usize, usize)>,
    entities: Vec<(usize, usize)>,
}

/// Where a line of bracket text read in pieces may be cut (see
/// [`Options::piece_bytes`]): the last offset in `bytes` that follows a
/// space or a tab, holds an ASCII char other than `[`, `]`, `&` and `<`,
/// and lies outside every entity and, when HTML is stripped (`strip`),
/// every tag, judged on the raw bytes as the parser judges the cleaned
/// text (`wider` are the label set's labels outside the default pattern).
/// `spans` is scratch space. `None` when there is no such offset.
fn cut_point(bytes: &[u8], wider: &[String], strip: bool, spans: &mut CutSpans) -> Option<usize> {
    let CutSpans { tags, entities } = spans;
    tags.clear();
    entities.clear();
    // Cuts are looked for before `limit`: the first tag or `[` that cannot
    // be judged yet, or the entity still open at the end.
    let mut limit = bytes.len();
    if strip {
        let mut i = 0;
        while let Some(rel) = memchr::memchr(b'<', &bytes[i..]) {
            let at = i + rel;
            match raw_tag(&bytes[at..]) {
                Some(Some(len)) => {
                    tags.push((at, at + len));
                    i = at + len;
                }
                Some(None) => i = at + 1,
                None => {
                    limit = at;
                    break;
                }
            }
        }
    }
    let mut open: Option<usize> = None;
    let mut i = 0;
    let mut next_tag = 0;
    while let Some(rel) = memchr::memchr2(b'[', b']', &bytes[i..limit]) {
        let at = i + rel;
        i = at + 1;
        // Brackets inside a tag are stripped with it.
        while tags.get(next_tag).is_some_and(|&(_, end)| end <= at) {
            next_tag += 1;
        }
        if let Some(&(start, end)) = tags.get(next_tag) {
            if start < at {
                i = end;
                continue;
            }
        }
        if bytes[at] == b']' {
            if let Some(o) = open.take() {
                entities.push((o, at));
            }
            continue;
        }
        if open.is_some() {
            // Text, or a nested opener read as text: the entity stays open.
            continue;
        }
        match raw_opener(&bytes[at + 1..limit], wider, strip) {
            Some(Some(len)) => {
                open = Some(at);
                i = at + 1 + len;
            }
            Some(None) => {}
            None => {
                limit = at;
                break;
            }
        }
    }
    if let Some(o) = open {
        limit = limit.min(o);
    }
    // Look back from the limit; `end` bounds where the space may be.
    let mut end = limit.saturating_sub(1);
    let mut entities = entities.iter().rev().peekable();
    let mut tags = tags.iter().rev().peekable();
    while let Some(space) = memchr::memrchr2(b' ', b'\t', &bytes[..end]) {
        let at = space + 1;
        end = space;
        if !matches!(bytes[at], b'!'..=b'~') || matches!(bytes[at], b'[' | b']' | b'&' | b'<') {
            continue;
        }
        while entities.next_if(|&&(o, _)| o >= at).is_some() {}
        if let Some(&&(o, c)) = entities.peek() {
            if at <= c {
                end = o;
                continue;
            }
        }
        while tags.next_if(|&&(start, _)| start >= at).is_some() {}
        if let Some(&&(start, stop)) = tags.peek() {
            if at < stop {
                end = start;
                continue;
            }
        }
        return Some(at);
    }
    None
}

/// What the `<` at the start of `s` is, as the HTML stripper judges it
/// (`html::tag_len`): a tag with its length, text (`Some(None)`), or
/// `None` when `s` ends before it can be told (the raw bytes of a line
/// being cut hold no line break).
fn raw_tag(s: &[u8]) -> Option<Option<usize>> {
    let &first = s.get(1)?;
    if !(first.is_ascii_alphabetic() || first == b'/' || first == b'!' || first == b'?') {
        return Some(None);
    }
    if s.len() < 4 && b"!--".starts_with(&s[1..]) {
        return None;
    }
    if s[1..].starts_with(b"!--") {
        let end = memchr::memmem::find(&s[4..], b"-->")?;
        return Some(Some(4 + end + 3));
    }
    let i = 1 + memchr::memchr3(b'>', b'<', b'\n', &s[1..])?;
    Some((s[i] == b'>').then_some(i + 1))
}

/// What the `[` before `s` is, judged on a line's raw bytes: an opener
/// with its label's length, text (`Some(None)`), or `None` when `s` ends
/// before it can be told, or when HTML is stripped and a character
/// reference or a tag follows the label or is in it.
fn raw_opener(s: &[u8], wider: &[String], strip: bool) -> Option<Option<usize>> {
    let run = s
        .iter()
        .position(|&b| !(b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-'))?;
    if strip && matches!(s[run], b'&' | b'<') {
        return None;
    }
    if let Some(len) = opener_label_len(s, wider) {
        return Some(Some(len));
    }
    if wider.is_empty() {
        return Some(None);
    }
    let end = s
        .iter()
        .position(|&b| matches!(b, b' ' | b'\t' | b'[' | b']' | b'\n' | b'\r'))?;
    if strip && s[..end].iter().any(|&b| matches!(b, b'&' | b'<')) {
        return None;
    }
    Some(None)
}

// What the fused route (`fused/mod.rs`) asks of a reader: its options, its
// cursor, its input bytes, and the general route for the lines it hands
// back. The route uses these rather than the reader's fields.
impl<R: BufRead> Reader<R> {
    /// The options the reader was made with.
    fn options(&self) -> &Options {
        &self.opts
    }

    /// Where the reader is in its input.
    #[inline(always)]
    fn cursor(&self) -> &LineCursor {
        &self.cursor
    }

    /// Where the reader is in its input, for a route that moves it.
    #[inline(always)]
    fn cursor_mut(&mut self) -> &mut LineCursor {
        &mut self.cursor
    }

    /// Reads input bytes into `buf` past the line reader (for a route that
    /// finds the lines itself), as [`std::io::Read::read`] does.
    fn read_input(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }

    /// The input, for a reader of its own that a route hands a line to
    /// (one it reads past the line reader).
    fn input_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Parses `raw`, one line of the input with its line end as read, into
    /// `sentence` and moves past it, as [`Reader::read_sentence`] would
    /// have: the general route's entry for a line the fused route hands
    /// back. Repairs are kept for [`Reader::take_repairs`].
    fn parse_raw_line(&mut self, raw: &[u8], sentence: &mut Sentence) -> Result<()> {
        self.line_buf.clear();
        self.line_buf.extend_from_slice(raw);
        self.parse_line_buf(sentence)
    }

    /// [`Reader::parse_raw_line`] for `raw`, the rest of a line whose
    /// first part, `prefix`, the fused route has converted.
    fn parse_raw_rest(
        &mut self,
        raw: &[u8],
        prefix: LinePrefix,
        sentence: &mut Sentence,
    ) -> Result<()> {
        self.line_buf.clear();
        self.line_buf.extend_from_slice(raw);
        self.parse_line_rest(prefix, sentence)
    }

    /// The line cleaner's buffers, lent to a route that cleans lines
    /// itself, so that they are not allocated twice.
    fn line_cleaner(&mut self) -> &mut CleanLine {
        &mut self.parser.clean
    }
}

// What the fused route asks of a reader of input already in memory.
impl Reader<std::io::Cursor<Vec<u8>>> {
    /// The offset of the first byte not yet read in the in-memory input;
    /// `None` when the cursor is past its end.
    fn unread_offset(&self) -> Option<usize> {
        let at = usize::try_from(self.inner.position()).unwrap_or(usize::MAX);
        (at <= self.inner.get_ref().len()).then_some(at)
    }

    /// Takes the in-memory input out of the reader, to be converted where
    /// it is and then handed back with [`Reader::restore_input_read`].
    fn take_input(&mut self) -> Vec<u8> {
        std::mem::take(self.inner.get_mut())
    }

    /// Puts back the input taken by [`Reader::take_input`], read to its
    /// end, for a caller that reuses the buffer.
    fn restore_input_read(&mut self, data: Vec<u8>) {
        let end = data.len() as u64;
        *self.inner.get_mut() = data;
        self.inner.set_position(end);
    }
}

mod cursor;
pub(crate) mod fused;
pub mod writer;

use cursor::LineCursor;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod offset_map_tests {
    use super::*;
    use proptest::prelude::*;

    /// The offset of `line_byte` as the map found it before it skipped
    /// ASCII stretches: the unit length of the whole line before it.
    fn reference_offset(line: &str, start: LineStart, unit: OffsetUnit, line_byte: usize) -> u64 {
        match unit {
            OffsetUnit::Bytes => start.byte + line_byte as u64,
            unit => start.unit + unit.len_of(&line[..line_byte]) as u64,
        }
    }

    fn unit_strategy() -> impl Strategy<Value = OffsetUnit> {
        prop_oneof![
            Just(OffsetUnit::Bytes),
            Just(OffsetUnit::Chars),
            Just(OffsetUnit::Utf16)
        ]
    }

    proptest! {
        /// Token spans asked for in any order (increasing, as the reader
        /// asks, or going back) over mixed ASCII and wider chars, found
        /// from ASCII runs where they can be, are those of counting from
        /// the line start every time.
        #[test]
        fn spans_match_counting_from_the_start(
            line in "[a-z \\[\\]é€😀]{0,40}",
            picks in proptest::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 0..12),
            unit in unit_strategy(),
        ) {
            let bounds: Vec<usize> = (0..=line.len()).filter(|&i| line.is_char_boundary(i)).collect();
            let start = LineStart { number: 3, byte: 100, unit: 40 };
            let mut map = OffsetMap {
                line: &line,
                clean: None,
                walk: 0,
                start,
                unit,
                cursor_byte: 0,
                cursor_unit: 0,
                ascii_end: 0,
            };
            for (a, b) in picks {
                let (s, e) = (*a.get(&bounds), *b.get(&bounds));
                let (s, e) = (s.min(e), s.max(e));
                let got = map.token_span(s, e);
                let want = Span::new(
                    reference_offset(&line, start, unit, s) as usize,
                    reference_offset(&line, start, unit, e) as usize,
                );
                prop_assert_eq!(got, want);
            }
        }

        /// The same over a line cleaned of tags and references, whose
        /// offsets are found by walking its pieces: they are those of
        /// searching the pieces and counting from the line start.
        #[test]
        fn clean_spans_match_searching_from_the_start(
            line in "(<b>|</a>|<br>|&amp;|&#91;|&eacute;|[a-z ]|é|€|😀){0,30}",
            picks in proptest::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 0..12),
            unit in unit_strategy(),
        ) {
            let mut clean = CleanLine::default();
            clean.clean(&line, true);
            let text = clean.text();
            let bounds: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            let start = LineStart { number: 3, byte: 100, unit: 40 };
            let mut map = OffsetMap {
                line: &line,
                clean: Some(&clean),
                walk: 0,
                start,
                unit,
                cursor_byte: 0,
                cursor_unit: 0,
                ascii_end: 0,
            };
            for (a, b) in picks {
                let (s, e) = (*a.get(&bounds), *b.get(&bounds));
                let (s, e) = (s.min(e), s.max(e));
                let got = map.token_span(s, e);
                let (ls, le) = (clean.source_start(s), clean.source_end(e));
                let want = Span::new(
                    reference_offset(&line, start, unit, ls) as usize,
                    reference_offset(&line, start, unit, le.max(ls)) as usize,
                );
                prop_assert_eq!(got, want);
            }
        }
    }
}
