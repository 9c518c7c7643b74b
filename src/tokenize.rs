//! Tokenizers: split text into tokens with byte spans.
//!
//! A tokenizer never allocates per token: it yields [`Token`]s that borrow
//! from the text, with spans relative to the start of the text.
//!
//! Both tokenizers scan bytes and only decode characters at non-ASCII bytes,
//! because English corpora are almost all ASCII. [`Tokenizer::Unicode`] gives
//! exactly the segments of unicode-segmentation's `split_word_bound_indices`
//! (see [`unicode_reference`]) minus the whitespace-only ones.

use std::fmt;
use std::str::FromStr;

use unicode_segmentation::UnicodeSegmentation;

use crate::sentence::Token;
use crate::span::Span;
use crate::swar::{
    bits_from, eq_bytes, first_below_or_non_ascii, high_bits_to_mask, lt_bytes, non_ascii_bytes,
};

/// How text is split into tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Tokenizer {
    /// Tokens are runs of non-whitespace, exactly as written. Right for text
    /// a tagger already tokenized: the tags belong to its tokens.
    /// Whitespace is `char::is_whitespace`, as for `str::split_whitespace`,
    /// so a no-break space separates tokens too.
    #[default]
    Whitespace,
    /// Unicode word boundaries (UAX #29, as unicode-segmentation's
    /// `split_word_bound_indices`), whitespace dropped, punctuation kept as
    /// tokens.
    Unicode,
}

impl Tokenizer {
    /// The tokens of `text`, with spans relative to `text`.
    ///
    /// # Example
    /// ```
    /// use nerkit::Tokenizer;
    ///
    /// let words: Vec<&str> = Tokenizer::Unicode
    ///     .tokens("Karzai met U.S. envoys")
    ///     .map(|t| t.text)
    ///     .collect();
    /// assert_eq!(words, ["Karzai", "met", "U.S", ".", "envoys"]);
    /// ```
    pub fn tokens(self, text: &str) -> Tokens<'_> {
        let kind = match self {
            Tokenizer::Whitespace => Kind::Whitespace {
                block: 0,
                mask: whitespace_mask(text.as_bytes(), 0),
            },
            Tokenizer::Unicode => Kind::Unicode,
        };
        Tokens { text, pos: 0, kind }
    }

    /// Appends the byte spans of the tokens of `text` to `spans`: the
    /// spans of [`Tokenizer::tokens`], for a caller that needs no token
    /// text.
    ///
    /// The text is read through masks of its ASCII whitespace and, with
    /// [`Tokenizer::Unicode`], of its bytes other than ASCII letters,
    /// digits and `_` (see [`push_unicode_spans`]), so that a run of word
    /// bytes costs a `trailing_zeros` rather than a look at each byte.
    ///
    /// A token of either tokenizer holds ASCII whitespace only when it
    /// starts with a byte below `!` or with a non-ASCII character: the
    /// unicode tokenizer keeps horizontal whitespace together and joins a
    /// combining mark to it (WB3d and WB4), so `" \u{301}"` and
    /// `"\u{2003} \u{301}"` are tokens. A writer of columns need look
    /// closer only at tokens that start with such a byte.
    pub(crate) fn push_spans(self, text: &str, spans: &mut Vec<Span>) {
        match self {
            Tokenizer::Whitespace => push_whitespace_spans(text, spans),
            Tokenizer::Unicode => push_unicode_spans(text, spans),
        }
    }
}

impl FromStr for Tokenizer {
    type Err = String;

    fn from_str(s: &str) -> Result<Tokenizer, String> {
        match s.to_ascii_lowercase().as_str() {
            "whitespace" | "ws" => Ok(Tokenizer::Whitespace),
            "unicode" | "uax29" => Ok(Tokenizer::Unicode),
            _ => Err(format!(
                "unknown tokenizer \"{s}\" (expected whitespace or unicode)"
            )),
        }
    }
}

impl fmt::Display for Tokenizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tokenizer::Whitespace => "whitespace",
            Tokenizer::Unicode => "unicode",
        })
    }
}

/// The tokens [`Tokenizer::Unicode`] must produce, computed the slow and
/// obvious way: every segment of unicode-segmentation's
/// `split_word_bound_indices` that is not whitespace only.
///
/// It exists so that tests and benchmarks can compare the fast tokenizer
/// with its definition.
#[cfg(test)]
pub(crate) fn unicode_reference(text: &str) -> impl Iterator<Item = Token<'_>> + '_ {
    text.split_word_bound_indices()
        .filter(|(_, word)| !word.chars().all(char::is_whitespace))
        .map(|(start, word)| Token {
            text: word,
            span: Span::new(start, start + word.len()),
        })
}

/// Iterator over the tokens of a text; see [`Tokenizer::tokens`].
///
/// `for_each`, `fold` and the adapters built on them (`sum`, `count`, ...)
/// run a tighter loop than repeated `next` calls.
#[derive(Clone, Debug)]
pub struct Tokens<'a> {
    text: &'a str,
    /// Where the next scan starts; always a char boundary, and for
    /// [`Kind::Unicode`] always a word boundary.
    pos: usize,
    kind: Kind,
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    /// Bit `j` of `mask` is set when byte `block + j` belongs to a
    /// whitespace char or lies past the end of the text. Between calls,
    /// `block <= pos <= block + 64` until the text is used up.
    Whitespace {
        block: usize,
        mask: u64,
    },
    Unicode,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    #[inline]
    fn next(&mut self) -> Option<Token<'a>> {
        let (start, end) = match &mut self.kind {
            Kind::Whitespace { block, mask } => {
                next_whitespace(self.text.as_bytes(), &mut self.pos, block, mask)?
            }
            Kind::Unicode => next_unicode(self.text, &mut self.pos)?,
        };
        Some(token(self.text, start, end))
    }

    // Internal iteration keeps the scan position in registers instead of
    // storing it back into the iterator after every token; `for_each`,
    // `sum`, `count` and friends all go through here.
    #[inline]
    fn fold<B, F>(mut self, init: B, mut f: F) -> B
    where
        F: FnMut(B, Token<'a>) -> B,
    {
        let text = self.text;
        let mut pos = self.pos;
        let mut acc = init;
        match &mut self.kind {
            Kind::Whitespace { block, mask } => {
                while let Some((start, end)) =
                    next_whitespace(text.as_bytes(), &mut pos, block, mask)
                {
                    acc = f(acc, token(text, start, end));
                }
            }
            Kind::Unicode => {
                while let Some((start, end)) = next_unicode(text, &mut pos) {
                    acc = f(acc, token(text, start, end));
                }
            }
        }
        acc
    }
}

#[inline(always)]
fn token(text: &str, start: usize, end: usize) -> Token<'_> {
    Token {
        text: &text[start..end],
        span: Span::new(start, end),
    }
}

impl std::iter::FusedIterator for Tokens<'_> {}

/// Byte classes, ordered so that the hot loops test membership with one
/// comparison: word bytes are `<= UNDERSCORE`, whitespace `>= SPACE`.
const LETTER: u8 = 0;
const DIGIT: u8 = 1;
const UNDERSCORE: u8 = 2;
/// `:`, UAX #29 MidLetter.
const MID_LETTER: u8 = 3;
/// `.`, MidNumLet.
const MID_NUM_LET: u8 = 4;
/// `'`, Single_Quote, which behaves like MidNumLet outside Hebrew.
const SINGLE_QUOTE: u8 = 5;
/// `,` and `;`, MidNum.
const MID_NUM: u8 = 6;
/// Any other ASCII byte that is not whitespace: its own segment.
const OTHER: u8 = 7;
const NON_ASCII: u8 = 8;
const SPACE: u8 = 9;
const CR: u8 = 10;
/// LF, VT and FF: a segment of their own, whatever follows (WB3a).
const NEWLINE: u8 = 11;
/// Tab: whitespace, but word-break category Other, so it can take a
/// following combining mark the way [`OTHER`] can.
const TAB: u8 = 12;

static CLASS: [u8; 256] = {
    let mut table = [NON_ASCII; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = match b as u8 {
            b'a'..=b'z' | b'A'..=b'Z' => LETTER,
            b'0'..=b'9' => DIGIT,
            b'_' => UNDERSCORE,
            b':' => MID_LETTER,
            b'.' => MID_NUM_LET,
            b'\'' => SINGLE_QUOTE,
            b',' | b';' => MID_NUM,
            b' ' => SPACE,
            b'\r' => CR,
            b'\n' | 0x0B | 0x0C => NEWLINE,
            b'\t' => TAB,
            _ => OTHER,
        };
        b += 1;
    }
    table
};

#[inline(always)]
fn class(bytes: &[u8], i: usize) -> u8 {
    CLASS[bytes[i] as usize]
}

/// What a byte says about whitespace: [`WS_NO`] for bytes that never start
/// a whitespace char, [`WS_ASCII`] for ASCII whitespace, [`WS_MAYBE`] for
/// the lead bytes C2, E1, E2 and E3, which start every non-ASCII whitespace
/// char (a test checks this against `char::is_whitespace`). Only those lead
/// bytes need decoding; the continuation bytes of other chars are never
/// whitespace.
static WS: [u8; 256] = {
    let mut table = [WS_NO; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b as u8 {
            b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' => WS_ASCII,
            0xC2 | 0xE1 | 0xE2 | 0xE3 => WS_MAYBE,
            _ => WS_NO,
        };
        b += 1;
    }
    table
};
const WS_NO: u8 = 0;
const WS_ASCII: u8 = 1;
const WS_MAYBE: u8 = 2;

/// The length of the whitespace char at byte `i` (a char boundary), if it
/// is one.
#[inline(always)]
fn whitespace_len(bytes: &[u8], i: usize) -> Option<usize> {
    match WS[bytes[i] as usize] {
        WS_NO => None,
        WS_ASCII => Some(1),
        _ => decode_whitespace_len(&bytes[i..]),
    }
}

/// The first index from `i` of a byte that may be or start whitespace:
/// at most a space, or not ASCII. Eight bytes at a time: the lowest byte
/// flagged by [`first_below_or_non_ascii`] is the first such byte.
#[inline(always)]
pub(crate) fn next_special(b: &[u8], mut i: usize) -> usize {
    while let Some(word) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let flagged = first_below_or_non_ascii(x, b' ' + 1);
        if flagged != 0 {
            return i + (flagged.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && b[i] > b' ' && b[i] < 0x80 {
        i += 1;
    }
    i
}

#[cold]
#[inline(never)]
fn decode_whitespace_len(bytes: &[u8]) -> Option<usize> {
    let len = if bytes[0] >= 0xE0 { 3 } else { 2 };
    let s = std::str::from_utf8(bytes.get(..len)?).ok()?;
    s.chars().all(char::is_whitespace).then_some(len)
}

/// Advances `pos` past the next run of non-whitespace and returns its
/// bounds, or `None` at the end of the text. `block` and `mask` are the
/// whitespace bitmap of 64 bytes (see [`Kind::Whitespace`]), so that finding
/// a token's ends costs a `trailing_zeros` rather than a loop with a
/// mispredicted exit per token.
#[inline]
fn next_whitespace(
    bytes: &[u8],
    pos: &mut usize,
    block: &mut usize,
    mask: &mut u64,
) -> Option<(usize, usize)> {
    let len = bytes.len();
    if *pos >= len {
        return None;
    }
    let start = loop {
        let words = !*mask & bits_from(*pos - *block);
        if words != 0 {
            break *block + words.trailing_zeros() as usize;
        }
        *block += 64;
        if *block >= len {
            *pos = len;
            return None;
        }
        *mask = whitespace_mask(bytes, *block);
        *pos = *block;
    };
    let mut from = start + 1;
    let end = loop {
        let blanks = *mask & bits_from(from - *block);
        if blanks != 0 {
            break *block + blanks.trailing_zeros() as usize;
        }
        *block += 64;
        if *block >= len {
            break len;
        }
        *mask = whitespace_mask(bytes, *block);
        from = *block;
    };
    *pos = end;
    Some((start, end))
}

/// The whitespace bitmap of the 64 bytes from `at`; see [`Kind::Whitespace`].
#[inline]
fn whitespace_mask(bytes: &[u8], at: usize) -> u64 {
    let (mut blank, lead) = match bytes.get(at..at + 64) {
        Some(chunk) => block_masks(chunk.try_into().expect("64 bytes")),
        None => {
            // Padding with spaces marks the bytes past the end as blank.
            let mut chunk = [b' '; 64];
            let rest = bytes.get(at..).unwrap_or_default();
            chunk[..rest.len()].copy_from_slice(rest);
            block_masks(&chunk)
        }
    };
    // A block can start inside a char: only a whitespace char that began
    // in the block before would make its continuation bytes blank.
    let split_char = bytes.get(at).is_some_and(|&b| (0x80..0xC0).contains(&b));
    if lead != 0 || split_char {
        blank |= non_ascii_blanks(bytes, at, lead);
    }
    blank
}

/// ASCII whitespace bits and the bits of lead bytes that may start a
/// non-ASCII whitespace char, eight bytes at a time.
#[inline(always)]
fn block_masks(chunk: &[u8; 64]) -> (u64, u64) {
    let mut blank = 0u64;
    let mut lead = 0u64;
    for (k, word) in chunk.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        let ws = eq_bytes(x, b' ') | (lt_bytes(x, 14) & !lt_bytes(x, 9));
        blank |= high_bits_to_mask(ws) << (8 * k);
        if non_ascii_bytes(x) != 0 {
            for (j, &c) in word.iter().enumerate() {
                lead |= u64::from(WS[c as usize] == WS_MAYBE) << (8 * k + j);
            }
        }
    }
    (blank, lead)
}

/// The bits of the bytes of non-ASCII whitespace chars in the block at
/// `at`, given the bits of its possible lead bytes.
#[inline(never)]
fn non_ascii_blanks(bytes: &[u8], at: usize, mut lead: u64) -> u64 {
    let mut blank = 0;
    let mut set = |from: usize, to: usize| {
        for i in from.max(at)..to.min(at + 64) {
            blank |= 1 << (i - at);
        }
    };
    let mut first = at;
    while first > 0 && first + 3 > at && (0x80..0xC0).contains(&bytes[first]) {
        first -= 1;
    }
    if first < at {
        if let Some(n) = whitespace_len(bytes, first) {
            set(first, first + n);
        }
    }
    while lead != 0 {
        let i = at + lead.trailing_zeros() as usize;
        lead &= lead - 1;
        if let Some(n) = whitespace_len(bytes, i) {
            set(i, i + n);
        }
    }
    blank
}

/// Advances `pos` past the next word-bound segment that is not whitespace
/// only and returns its bounds, or `None` at the end of the text.
#[inline(always)]
fn next_unicode(text: &str, pos: &mut usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut start = *pos;
    loop {
        // Runs of ASCII whitespace are skipped whole: they split into
        // whitespace-only segments, all dropped, and each char of them
        // ends a segment when an ASCII char follows.
        let blank_start = start;
        start += bytes[start..]
            .iter()
            .position(|&b| CLASS[b as usize] < SPACE)
            .unwrap_or(bytes.len() - start);
        if start == bytes.len() {
            *pos = start;
            return None;
        }
        if start > blank_start && char_class(bytes, start).0 == NON_ASCII {
            // WB3d and WB4 may attach the non-ASCII char to the space run
            // or tab before it, so the segment starts there.
            match bytes[start - 1] {
                b'\t' => start -= 1,
                b' ' => {
                    while start > blank_start && bytes[start - 1] == b' ' {
                        start -= 1;
                    }
                }
                _ => {}
            }
        }
        let (end, blank) = match ascii_segment(bytes, start) {
            Some(seg) => seg,
            None => slow_segment(text, start),
        };
        if !blank {
            *pos = end;
            return Some((start, end));
        }
        start = end;
    }
}

/// True when `b` is an ASCII letter, digit or `_`: a byte that the
/// unicode tokenizer never splits from another such byte.
#[cfg(test)]
pub(crate) fn is_ascii_word_byte(b: u8) -> bool {
    CLASS[b as usize] <= UNDERSCORE
}

/// The end of the [`Tokenizer::Unicode`] token that starts at `start` of
/// `run`, when the tokenizer's fast path can tell it; `None` otherwise.
///
/// `run` is text without whitespace, well-formed UTF-8, that ASCII
/// whitespace, a bracket the bracket reader splits at, or the ends of the
/// text surround, and `start` is 0 or the end of the token before. Such a
/// run's tokens are those of the tokenizer on the run alone: a boundary
/// lies at its start unless its first char is Extend, Format or ZWJ
/// (WB4), which this leaves to the slow path (it knows only chars of other
/// classes); no rule joins its last char to the whitespace after it, and
/// a rule that looks past its end (WB6, WB12) finds whitespace or nothing
/// there, which it reads alike. The fused bracket route splits each of its
/// tokens into these.
#[inline(always)]
pub(crate) fn run_token_end(run: &[u8], start: usize) -> Option<usize> {
    ascii_segment(run, start).map(|(end, _)| end)
}

/// The 64-byte blocks whose masks [`push_unicode_spans`] holds at once.
const CHUNK_BLOCKS: usize = 32;

/// The spans of the [`Tokenizer::Unicode`] tokens of `text`, appended to
/// `spans`, as the fused bracket route finds them (see [`run_token_end`]):
/// the text is cut into runs of non-whitespace by a mask of its ASCII
/// whitespace; a run of ASCII letters, digits and `_` (no bit in the mask
/// of other bytes) is one token, and any other run is split by the
/// tokenizer's fast path.
///
/// `pos`, the end of the last token (or 0), is where the tokenizer would
/// go on, and only ASCII whitespace lies between it and the next run: the
/// tokenizer skips that whitespace and reads the run as [`run_token_end`]
/// does, unless the run starts with a char it does not know, which may
/// join the whitespace before it (WB4). A run the fast path cannot split,
/// and a run longer than the masks held at once, go to the tokenizer
/// itself from `pos`, until it ends a token at or past the run's end; the
/// masks then start again where that token ended, a word boundary from
/// which the tokenizer depends on nothing before.
fn push_unicode_spans(text: &str, spans: &mut Vec<Span>) {
    use crate::format::bracket::fused::masks::{for_each_block, for_each_block_non_word};
    let bytes = text.as_bytes();
    let len = bytes.len();
    let (mut pos, mut at) = (0, 0);
    let mut blank = [0u64; CHUNK_BLOCKS];
    let mut split = [0u64; CHUNK_BLOCKS];
    'chunks: while at < len {
        let end = (at + 64 * CHUNK_BLOCKS).min(len);
        let chunk = &bytes[at..end];
        let blocks = chunk.len().div_ceil(64);
        let mut k = 0;
        for_each_block(chunk, |m| {
            blank[k] = m.blank;
            k += 1;
        });
        let mut k = 0;
        for_each_block_non_word(chunk, |m| {
            split[k] = m;
            k += 1;
        });
        // The chunk's start acts as whitespace before its first byte: it
        // is `pos` or a run's start.
        let mut before = 1;
        for k in 0..blocks {
            let b = blank[k];
            let mut starts = !b & ((b << 1) | before);
            before = b >> 63;
            while starts != 0 {
                let bit = starts.trailing_zeros() as usize;
                starts &= starts - 1;
                let start = at + 64 * k + bit;
                let rest = b >> bit;
                let run_end = if rest != 0 {
                    let run = rest.trailing_zeros() as usize;
                    if run == 1 || (split[k] >> bit) & !(u64::MAX << run) == 0 {
                        // Word bytes only, or one ASCII char (a
                        // non-ASCII char has two bytes or more) between
                        // whitespace: one token.
                        spans.push(Span::new(start, start + run));
                        pos = start + run;
                        continue;
                    }
                    start + run
                } else {
                    run_end_after_block(&blank[..blocks], k, at, end)
                };
                if run_end == end && end < len {
                    if start > at {
                        // The run may go on past the chunk: read it with
                        // the next one.
                        at = start;
                        continue 'chunks;
                    }
                    // A run longer than a chunk.
                    match tokenize_from(text, pos, end, spans) {
                        Some(p) => (pos, at) = (p, p),
                        None => return,
                    }
                    continue 'chunks;
                }
                if no_bits(&split, start - at, run_end - at) {
                    // A run of word bytes across blocks.
                    spans.push(Span::new(start, run_end));
                    pos = run_end;
                    continue;
                }
                // `run_token_end` gives up on a first char it does not
                // know, which the tokenizer may join to the whitespace
                // before it.
                let run = &bytes[start..run_end];
                let mut s = 0;
                while let Some(e) = run_token_end(run, s) {
                    spans.push(Span::new(start + s, start + e));
                    pos = start + e;
                    if e == run.len() {
                        break;
                    }
                    s = e;
                }
                if pos == run_end {
                    continue;
                }
                match tokenize_from(text, pos, run_end, spans) {
                    Some(p) => (pos, at) = (p, p),
                    None => return,
                }
                continue 'chunks;
            }
        }
        at = end;
    }
}

/// True when `masks` (of consecutive blocks) have no bit in `from..to`
/// (not empty).
#[inline(always)]
fn no_bits(masks: &[u64], from: usize, to: usize) -> bool {
    let (first, last) = (from / 64, (to - 1) / 64);
    let below_to = u64::MAX >> (63 - (to - 1) % 64);
    if first == last {
        return masks[first] & bits_from(from % 64) & below_to == 0;
    }
    masks[first] & bits_from(from % 64) == 0
        && masks[first + 1..last].iter().all(|&m| m == 0)
        && masks[last] & below_to == 0
}

/// Where a run that goes on past block `k` of a chunk ends: at the first
/// blank byte of a later block (the chunk starts at `at`, block `j` at
/// `at + 64 * j`), or at `end`, the chunk's end, when no later block holds
/// one. Bytes past the text count as whitespace, so a run ends in the
/// chunk's blocks.
#[inline(always)]
fn run_end_after_block(blank: &[u64], k: usize, at: usize, end: usize) -> usize {
    match blank.iter().enumerate().skip(k + 1).find(|(_, &m)| m != 0) {
        Some((j, m)) => at + 64 * j + m.trailing_zeros() as usize,
        None => end,
    }
}

/// The spans of the [`Tokenizer::Whitespace`] tokens of `text`, appended
/// to `spans`: runs of non-whitespace found by a mask of ASCII whitespace
/// (see [`push_unicode_spans`]), each one token unless it holds a
/// non-ASCII char, which may be whitespace; such a run is split by the
/// tokenizer itself, which finds the same tokens in the run alone (a char
/// is whitespace or not whatever surrounds it).
fn push_whitespace_spans(text: &str, spans: &mut Vec<Span>) {
    use crate::format::bracket::fused::masks::for_each_block;
    let bytes = text.as_bytes();
    let len = bytes.len();
    let mut at = 0;
    let mut blank = [0u64; CHUNK_BLOCKS];
    let mut high = [0u64; CHUNK_BLOCKS];
    'chunks: while at < len {
        let end = (at + 64 * CHUNK_BLOCKS).min(len);
        let chunk = &bytes[at..end];
        let blocks = chunk.len().div_ceil(64);
        let mut k = 0;
        for_each_block(chunk, |m| {
            (blank[k], high[k]) = (m.blank, m.high);
            k += 1;
        });
        let mut before = 1;
        for k in 0..blocks {
            let b = blank[k];
            let mut starts = !b & ((b << 1) | before);
            before = b >> 63;
            while starts != 0 {
                let bit = starts.trailing_zeros() as usize;
                starts &= starts - 1;
                let start = at + 64 * k + bit;
                let rest = b >> bit;
                let run_end = if rest != 0 {
                    start + rest.trailing_zeros() as usize
                } else {
                    run_end_after_block(&blank[..blocks], k, at, end)
                };
                if run_end == end && end < len {
                    if start > at {
                        at = start;
                        continue 'chunks;
                    }
                    // A run longer than a chunk.
                    let run_end = (bytes[start..].iter())
                        .position(|&b| WS[b as usize] == WS_ASCII)
                        .map_or(len, |n| start + n);
                    split_whitespace_run(text, start, run_end, spans);
                    at = run_end;
                    continue 'chunks;
                }
                if no_bits(&high, start - at, run_end - at) {
                    spans.push(Span::new(start, run_end));
                } else {
                    split_whitespace_run(text, start, run_end, spans);
                }
            }
        }
        at = end;
    }
}

/// Appends the spans of the whitespace tokens of `text[start..end]`, a
/// run between ASCII whitespace that holds a non-ASCII char.
#[inline(never)]
fn split_whitespace_run(text: &str, start: usize, end: usize, spans: &mut Vec<Span>) {
    Tokenizer::Whitespace
        .tokens(&text[start..end])
        .for_each(|t| spans.push(Span::new(start + t.span.start(), start + t.span.end())));
}

/// Appends the spans of the tokens the tokenizer finds from `pos` (a word
/// boundary where it may start) until one ends at or past `until`;
/// returns where that one ends, or `None` when the text ends first.
#[cold]
#[inline(never)]
fn tokenize_from(text: &str, mut pos: usize, until: usize, spans: &mut Vec<Span>) -> Option<usize> {
    while let Some((start, end)) = next_unicode(text, &mut pos) {
        spans.push(Span::new(start, end));
        if end >= until {
            return Some(end);
        }
    }
    None
}

/// The segment unicode-segmentation's forward iterator would yield from
/// `start`, found by running it on the rest of the text.
///
/// That iterator starts every segment in its initial state and carries over
/// only the category of the char at the new start, so its segment from a
/// boundary depends on nothing before the boundary: running it on a suffix
/// gives the same next segment, and the fast path can resume after it.
#[cold]
#[inline(never)]
fn slow_segment(text: &str, start: usize) -> (usize, bool) {
    let seg = text[start..]
        .split_word_bounds()
        .next()
        .expect("non-empty rest of text has a segment");
    (start + seg.len(), seg.chars().all(char::is_whitespace))
}

/// The end of the word-bound segment starting at `start` (a boundary) and
/// whether it is whitespace only, as long as every char unicode-segmentation
/// would look at to decide it is ASCII or one of the non-ASCII chars of
/// [`wide_class`]; `None` otherwise.
///
/// This is that crate's state machine restricted to those chars, where the
/// only rules that apply are WB3 (CR LF), WB3a/b, WB3d (space runs), WB5 to
/// WB13b over letters, digits, `_` and the separators `: . ' , ;` and
/// `‘ ’`, and WB999. Any other non-ASCII char it meets could be Extend,
/// Format or ZWJ, which WB4 attaches to the preceding char, or a letter of
/// a script with rules of its own, so it gives up.
#[inline(always)]
fn ascii_segment(bytes: &[u8], start: usize) -> Option<(usize, bool)> {
    let len = bytes.len();
    let (first, n) = char_class(bytes, start);
    match first {
        LETTER | DIGIT | UNDERSCORE => word_end(bytes, start + n, first).map(|end| (end, false)),
        SPACE => {
            let mut i = start + 1;
            while i < len && bytes[i] == b' ' {
                i += 1;
            }
            if i < len && char_class(bytes, i).0 == NON_ASCII {
                return None;
            }
            Some((i, true))
        }
        CR => {
            let crlf = bytes.get(start + 1) == Some(&b'\n');
            Some((start + 1 + usize::from(crlf), true))
        }
        NEWLINE => Some((start + 1, true)),
        NON_ASCII => None,
        _ => {
            // WB999 unless WB4 attaches a following Extend/Format/ZWJ.
            let end = start + n;
            if end < len && char_class(bytes, end).0 == NON_ASCII {
                return None;
            }
            Some((end, first == TAB))
        }
    }
}

/// The end of the word that goes on at `i`, after a char of class `prev`
/// (a letter, digit or `_`); `None` where a char it needs is not known.
#[inline(always)]
fn word_end(bytes: &[u8], mut i: usize, mut prev: u8) -> Option<usize> {
    let len = bytes.len();
    loop {
        let run = bytes[i..]
            .iter()
            .position(|&b| CLASS[b as usize] > UNDERSCORE)
            .unwrap_or(len - i);
        if run > 0 {
            i += run;
            prev = class(bytes, i - 1);
        }
        if i == len {
            return Some(len);
        }
        let (c, n) = char_class(bytes, i);
        match c {
            LETTER | DIGIT | UNDERSCORE => {
                prev = c;
                i += n;
                continue;
            }
            NON_ASCII => return None,
            _ => {}
        }
        // WB6/7 and WB11/12: a separator joins only when the kind before
        // it also follows it.
        let need = match (prev, c) {
            (LETTER, MID_LETTER | MID_NUM_LET | SINGLE_QUOTE) => LETTER,
            (DIGIT, MID_NUM | MID_NUM_LET | SINGLE_QUOTE) => DIGIT,
            _ => return Some(i),
        };
        if i + n >= len {
            return Some(i);
        }
        match char_class(bytes, i + n) {
            (next, m) if next == need => {
                i += n + m;
                prev = need;
            }
            (NON_ASCII, _) => return None,
            _ => return Some(i),
        }
    }
}

/// The class and the length of the char at byte `i` (a char boundary):
/// ASCII chars by [`CLASS`], the non-ASCII chars of [`wide_class`], and
/// [`NON_ASCII`] (length 0) for the others.
#[inline(always)]
fn char_class(bytes: &[u8], i: usize) -> (u8, usize) {
    let c = CLASS[bytes[i] as usize];
    if c != NON_ASCII {
        return (c, 1);
    }
    wide_class(bytes, i)
}

/// The word-break class of the non-ASCII char at byte `i`, for the chars
/// of Latin, Greek and Cyrillic text that the fast path knows, and its
/// length: letters of Latin-1 and Latin Extended, Greek and Cyrillic
/// (ALetter), `‘ ’ ․` (MidNumLet), and punctuation and symbols of Latin-1
/// and General Punctuation that no rule but WB999 concerns (`“ ” – — … «
/// » € £ °`...). Everything else is [`NON_ASCII`]: an ASCII-only rule set
/// cannot tell what it does.
///
/// The ranges come from unicode-segmentation's word-break table (Unicode
/// 16); `wide_chars_match_reference` checks every char of every range
/// against that crate, so a table that moves must fail there.
#[inline]
fn wide_class(bytes: &[u8], i: usize) -> (u8, usize) {
    const UNKNOWN: (u8, usize) = (NON_ASCII, 0);
    let b0 = bytes[i];
    let cont = |k: usize| u32::from(bytes[i + k] & 0x3F);
    match b0 {
        0xC2..=0xD4 => {
            let c = (u32::from(b0 & 0x1F) << 6) | cont(1);
            match c {
                0xC0..=0xD6
                | 0xD8..=0xF6
                | 0xF8..=0x2D7
                | 0x2DE..=0x2FF
                | 0x388..=0x38A
                | 0x38C
                | 0x38E..=0x3A1
                | 0x3A3..=0x3F5
                | 0x3F7..=0x481
                | 0x48A..=0x52F => (LETTER, 2),
                0xA1..=0xA9 | 0xAB | 0xAC | 0xAE..=0xB4 | 0xB6 | 0xBB..=0xBF | 0xD7 | 0xF7 => {
                    (OTHER, 2)
                }
                _ => UNKNOWN,
            }
        }
        0xE2 => {
            let c = (u32::from(b0 & 0x0F) << 12) | (cont(1) << 6) | cont(2);
            match c {
                0x2018 | 0x2019 | 0x2024 => (MID_NUM_LET, 3),
                0x2010..=0x2017
                | 0x201A..=0x2023
                | 0x2025
                | 0x2026
                | 0x2030..=0x203B
                | 0x20A0..=0x20C0 => (OTHER, 3),
                _ => UNKNOWN,
            }
        }
        _ => UNKNOWN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn texts(tokenizer: Tokenizer, text: &str) -> Vec<&str> {
        tokenizer.tokens(text).map(|t| t.text).collect()
    }

    /// Asserts that the fast Unicode tokenizer agrees with
    /// [`unicode_reference`], and the whitespace tokenizer with
    /// `str::split_whitespace`, and that both are lossless.
    fn check(text: &str) {
        let fast: Vec<Token<'_>> = Tokenizer::Unicode.tokens(text).collect();
        let slow: Vec<Token<'_>> = unicode_reference(text).collect();
        assert_eq!(fast, slow, "unicode tokens of {text:?}");
        check_lossless(text, &fast);
        assert_eq!(next_then_fold(Tokenizer::Unicode, text), fast);
        check_spans(text);

        let ws: Vec<Token<'_>> = Tokenizer::Whitespace.tokens(text).collect();
        assert_eq!(next_then_fold(Tokenizer::Whitespace, text), ws);
        let std: Vec<&str> = text.split_whitespace().collect();
        let got: Vec<&str> = ws.iter().map(|t| t.text).collect();
        assert_eq!(got, std, "whitespace tokens of {text:?}");
        check_lossless(text, &ws);
    }

    /// Asserts that [`Tokenizer::push_spans`] gives the spans of
    /// [`Tokenizer::tokens`], with both tokenizers, after spans already
    /// there.
    fn check_spans(text: &str) {
        for tokenizer in [Tokenizer::Unicode, Tokenizer::Whitespace] {
            let want: Vec<Span> = tokenizer.tokens(text).map(|t| t.span).collect();
            let mut got = vec![Span::new(0, 0)];
            tokenizer.push_spans(text, &mut got);
            assert_eq!(got[0], Span::new(0, 0));
            assert_eq!(got[1..], want[..], "{tokenizer} spans of {text:?}");
        }
    }

    /// The tokens, the first few taken with `next` and the rest with
    /// `fold`, which has its own loop.
    fn next_then_fold(tokenizer: Tokenizer, text: &str) -> Vec<Token<'_>> {
        let mut tokens = tokenizer.tokens(text);
        let mut got: Vec<Token<'_>> = tokens.by_ref().take(text.len() % 3).collect();
        tokens.for_each(|t| got.push(t));
        got
    }

    /// Spans slice out the token text, are sorted and disjoint, and only
    /// whitespace lies between them; a token holds ASCII whitespace only
    /// when it starts with a byte below `!` or a non-ASCII character (see
    /// [`Tokenizer::push_spans`]).
    fn check_lossless(text: &str, tokens: &[Token<'_>]) {
        let mut prev = 0;
        for t in tokens {
            let blank = |b: &u8| b.is_ascii_whitespace() || *b == 0x0B;
            assert!(
                !t.text.as_bytes().iter().any(blank)
                    || !(b'!'..0x80).contains(&t.text.as_bytes()[0]),
                "whitespace inside {t:?} of {text:?}"
            );
            assert!(!t.span.is_empty(), "empty token in {text:?}");
            assert_eq!(&text[t.span], t.text, "span of {t:?} in {text:?}");
            assert!(t.span.start() >= prev, "overlap at {t:?} in {text:?}");
            let gap = &text[prev..t.span.start()];
            assert!(
                gap.chars().all(char::is_whitespace),
                "gap {gap:?} in {text:?}"
            );
            prev = t.span.end();
        }
        let tail = &text[prev..];
        assert!(
            tail.chars().all(char::is_whitespace),
            "tail {tail:?} in {text:?}"
        );
    }

    macro_rules! tokenizes {
        ($name:ident, $tokenizer:expr, $text:expr, [$($tok:expr),* $(,)?]) => {
            #[test]
            fn $name() {
                let expected: &[&str] = &[$($tok),*];
                assert_eq!(texts($tokenizer, $text), expected);
                check($text);
            }
        };
    }

    use Tokenizer::{Unicode as U, Whitespace as W};

    tokenizes!(u_abbreviation, U, "U.S.", ["U.S", "."]);
    tokenizes!(u_e_g, U, "e.g. this", ["e.g", ".", "this"]);
    tokenizes!(
        u_curly_apostrophe,
        U,
        "Pakistan’s army",
        ["Pakistan’s", "army"]
    );
    tokenizes!(u_ascii_apostrophe, U, "Pakistan's", ["Pakistan's"]);
    tokenizes!(u_cant, U, "can't", ["can't"]);
    tokenizes!(
        u_trailing_apostrophe,
        U,
        "the boys' club",
        ["the", "boys", "'", "club"]
    );
    tokenizes!(u_hyphen, U, "cross-border", ["cross", "-", "border"]);
    tokenizes!(u_double_hyphen, U, "a -- b", ["a", "-", "-", "b"]);
    tokenizes!(u_money, U, "$1,000.50", ["$", "1,000.50"]);
    tokenizes!(u_percent, U, "3.5%", ["3.5", "%"]);
    tokenizes!(u_time, U, "13:51", ["13", ":", "51"]);
    tokenizes!(u_colon_in_word, U, "a:b", ["a:b"]);
    tokenizes!(u_semicolon_in_number, U, "1;2 a;b", ["1;2", "a", ";", "b"]);
    tokenizes!(u_date, U, "01/02/2016", ["01", "/", "02", "/", "2016"]);
    tokenizes!(
        u_mixed_alnum,
        U,
        "A4 4x4 a_1 _x_",
        ["A4", "4x4", "a_1", "_x_"]
    );
    tokenizes!(u_separator_after_underscore, U, "a_.b", ["a_", ".", "b"]);
    tokenizes!(
        u_letter_dot_digit,
        U,
        "a.1 1.a",
        ["a", ".", "1", "1", ".", "a"]
    );
    tokenizes!(u_double_dot, U, "a..b", ["a", ".", ".", "b"]);
    tokenizes!(u_trailing_separator, U, "ab. 12,", ["ab", ".", "12", ","]);
    tokenizes!(
        u_url,
        U,
        "http://example.com/a_b?x=1",
        [
            "http",
            ":",
            "/",
            "/",
            "example.com",
            "/",
            "a_b",
            "?",
            "x",
            "=",
            "1"
        ]
    );
    tokenizes!(u_curly_quotes, U, "“taliban”", ["“", "taliban", "”"]);
    tokenizes!(u_tabs, U, "a\tb\t\tc", ["a", "b", "c"]);
    tokenizes!(u_crlf, U, "a\r\nb\rc\n\rd", ["a", "b", "c", "d"]);
    tokenizes!(u_vertical_space, U, "a\x0Bb\x0Cc", ["a", "b", "c"]);
    tokenizes!(u_nbsp, U, "a\u{A0}b\u{2003}c", ["a", "b", "c"]);
    tokenizes!(
        u_combining_after_space,
        U,
        "a \u{301}b",
        ["a", " \u{301}", "b"]
    );
    tokenizes!(
        u_combining_after_tab,
        U,
        "a\t\u{301}b",
        ["a", "\t\u{301}", "b"]
    );
    tokenizes!(
        u_combining_after_spaces,
        U,
        "a   \u{301}",
        ["a", "   \u{301}"]
    );
    tokenizes!(u_combining_after_comma, U, "1,\u{301}2", ["1,\u{301}2"]);
    tokenizes!(
        u_combining_in_word,
        U,
        "cafe\u{301} ok",
        ["cafe\u{301}", "ok"]
    );
    tokenizes!(u_zwj_after_space, U, "a \u{200D}", ["a", " \u{200D}"]);
    tokenizes!(u_emoji_zwj, U, "👩\u{200D}👩 x", ["👩\u{200D}👩", "x"]);
    tokenizes!(u_flags, U, "🇺🇸🇬🇧x", ["🇺🇸", "🇬🇧", "x"]);
    tokenizes!(u_cjk, U, "東京 abc", ["東", "京", "abc"]);
    tokenizes!(u_empty, U, "", []);
    tokenizes!(u_blank, U, " \t\r\n ", []);

    tokenizes!(w_simple, W, " a  bc\td\n", ["a", "bc", "d"]);
    tokenizes!(
        w_punctuation_kept,
        W,
        "U.S. cross-border",
        ["U.S.", "cross-border"]
    );
    tokenizes!(w_crlf, W, "a\r\nb", ["a", "b"]);
    tokenizes!(w_nbsp, W, "a\u{A0}b", ["a", "b"]);
    tokenizes!(w_em_space, W, "a\u{2003}b\u{3000}c", ["a", "b", "c"]);
    tokenizes!(w_line_separator, W, "a\u{2028}b\u{85}c", ["a", "b", "c"]);
    tokenizes!(
        w_non_ascii_tokens,
        W,
        "Pakistan’s “x” é",
        ["Pakistan’s", "“x”", "é"]
    );
    // U+180E was whitespace in old Unicode versions; `char::is_whitespace`
    // says it is not any more, and U+200B never was.
    tokenizes!(
        w_not_whitespace,
        W,
        "a\u{180E}b\u{200B}c",
        ["a\u{180E}b\u{200B}c"]
    );
    tokenizes!(w_empty, W, "", []);
    // WB3d keeps the em space and the space together, WB4 joins the
    // combining mark to them: one token that starts with a non-ASCII
    // character and holds a space (a proptest found it).
    tokenizes!(
        u_spaces_joined_by_a_mark,
        U,
        "a\u{2003} \u{301}b",
        ["a", "\u{2003} \u{301}", "b"]
    );

    /// `whitespace_len` decodes only at these lead bytes; a new Unicode
    /// version with whitespace elsewhere must fail here.
    #[test]
    fn non_ascii_whitespace_lead_bytes() {
        for c in (0..=char::MAX as u32).filter_map(char::from_u32) {
            let mut buf = [0; 4];
            let s = c.encode_utf8(&mut buf);
            assert_eq!(
                whitespace_len(s.as_bytes(), 0).is_some(),
                c.is_whitespace(),
                "U+{:04X}",
                c as u32
            );
        }
    }

    /// The whitespace tokenizer works on 64-byte blocks; whitespace chars
    /// and tokens straddling block ends must come out whole.
    #[test]
    fn block_edges() {
        for ws in [
            " ",
            "\u{A0}",
            "\u{3000}",
            "\u{2028}",
            "\u{85}",
            " \u{A0}\u{2003}",
        ] {
            for word in ["a", "é", "’x", "東京", "\u{E000}"] {
                for n in 120..200 {
                    let mut text = word.repeat(n / word.len());
                    text.push_str(ws);
                    text.push_str(word);
                    text.insert_str(0, ws);
                    check(&text);
                    check(&text.replace(word, ws));
                }
            }
        }
    }

    /// Every non-ASCII char that [`wide_class`] knows, before, after and
    /// between chars of each class (and of chars it does not know: a
    /// combining mark, ZWJ, a soft hyphen, Hebrew, an emoji), tokenizes as
    /// the reference does; so does every other char of the same lead bytes,
    /// which the fast path hands to unicode-segmentation.
    #[test]
    fn wide_chars_match_reference() {
        let contexts = [
            "", "a", "1", "_", ".", ":", ",", "'", " ", "\t", "-", "é", "’", "“", "\u{301}",
            "\u{200D}", "\u{AD}", "א", "😀",
        ];
        let mut known = 0;
        let chars = ('\u{80}'..='\u{7FF}').chain('\u{2000}'..='\u{2FFF}');
        for c in chars {
            let mut buf = [0; 4];
            let (class, len) = wide_class(c.encode_utf8(&mut buf).as_bytes(), 0);
            if class == NON_ASCII {
                check_unicode(&format!("a{c}a 1{c}1"));
                continue;
            }
            assert_eq!(len, c.len_utf8(), "{c:?}");
            known += 1;
            for x in contexts {
                for y in ["", "a", "1", ".", "\u{301}", "é", " "] {
                    check_unicode(&format!("{x}{c}{y}"));
                    check_unicode(&format!("a{x}{c}{y}1"));
                    check_unicode(&format!("{c}{x}{c}{y}"));
                }
            }
        }
        assert!(known > 1000, "only {known} chars known");
    }

    fn check_unicode(text: &str) {
        let fast: Vec<Token<'_>> = Tokenizer::Unicode.tokens(text).collect();
        let slow: Vec<Token<'_>> = unicode_reference(text).collect();
        assert_eq!(fast, slow, "unicode tokens of {text:?}");
    }

    /// Characters that exercise the seams between the ASCII fast path and
    /// the full UAX #29 iterator.
    fn mixed_char() -> impl Strategy<Value = char> {
        let ascii_word = prop::sample::select(vec!['a', 'b', 'Z', '0', '7', '_']);
        let ascii_sep = prop::sample::select(vec![
            '.', ',', ';', ':', '\'', '"', '-', '/', '$', '%', '(', ')', '?', '!',
        ]);
        let ascii_space = prop::sample::select(vec![' ', ' ', '\t', '\r', '\n', '\x0B', '\x0C']);
        let other = prop::sample::select(vec![
            '’',
            '‘',
            '“',
            '”',
            'é',
            'א',
            '\u{301}',
            '\u{200D}',
            '\u{AD}',
            '\u{200B}',
            '😀',
            '👩',
            '\u{1F1FA}',
            '\u{1F1F8}',
            '東',
            'カ',
            'ب',
            '\u{A0}',
            '\u{2003}',
            '\u{2028}',
            '\u{85}',
            '٣',
            '\u{FF0E}',
            'ã',
            'Ł',
            'ж',
            'Ω',
            '–',
            '—',
            '…',
            '«',
            '€',
            '×',
            '·',
            '\u{2024}',
            '\u{2027}',
        ]);
        prop_oneof![
            6 => ascii_word,
            3 => ascii_sep,
            3 => ascii_space,
            2 => other,
            1 => prop::char::range('\0', '\x7F'),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn mixed_text_matches_reference(
            chars in prop::collection::vec(mixed_char(), 0..128)
        ) {
            check(&chars.into_iter().collect::<String>());
        }
    }

    /// Characters for texts longer than the masks `push_spans` holds at
    /// once: long runs of word bytes, now and then a char that sends a
    /// run to the tokenizer itself.
    fn long_text_char() -> impl Strategy<Value = char> {
        prop_oneof![
            40 => prop::sample::select(vec!['a', 'Z', '0', '_']),
            4 => mixed_char(),
            1 => Just(' '),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Texts of several chunks of masks, whose runs cross the
        /// chunks' ends or are longer than a chunk.
        #[test]
        fn spans_of_long_texts_match_tokens(
            chars in prop::collection::vec(long_text_char(), 1500..7000),
            spaced in any::<bool>(),
        ) {
            let mut text: String = chars.into_iter().collect();
            if spaced {
                text = text.replace('_', " ");
            }
            check_spans(&text);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn any_text_matches_reference(text in any::<String>()) {
            check(&text);
        }
    }

    /// Every file under `corpora/`, read lossily, tokenizes as the
    /// references do.
    #[test]
    fn corpora_match_reference() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora");
        let mut dirs = vec![root];
        let mut files = 0;
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap();
                check(&String::from_utf8_lossy(&bytes));
                files += 1;
            }
        }
        assert!(files >= 3, "corpora/ went missing: {files} files");
    }
}
