//! The fused route from bracket text to spans.
//!
//! The general route parses a line into a [`Sentence`](crate::Sentence)
//! and has [`spans::Writer`] build the record from it: the tokens joined
//! by single spaces as the text, and each entity's offsets in that text.
//! This route gathers the line's tokens and entities from the input block
//! as the fused route to JSON lines does ([`lines`](super::lines)) and
//! writes the record into an output block: the text copied from the block
//! (runs of tokens that single spaces join there copied as one), the
//! offsets counted from the token lengths, the labels copied from their
//! table. A line with a byte that JSON escapes has its tokens escaped one
//! by one first; where offsets count chars or UTF-16 units and a line
//! holds non-ASCII, the tokens before an entity's end are measured from
//! their bytes. Lines the route cannot prove, and long ones,
//! go to the general route as on the route to JSON lines. Tests check that
//! both routes write the same bytes, count the same entities and report
//! the same errors and repairs.

use std::io::{BufRead, Write};

use super::emit::SLACK;
use super::lines::{
    copy_fused, fusable, put, put_number, put_text, token_str, Gathered, Output, Record, Token,
    SHORT,
};
use super::tags::Labels;
use crate::bracket::Reader;
use crate::convert::{copy_sentences, Summary};
use crate::error::Result;
use crate::format::record::{put_slice_at, window, Scratch, DIGITS, NUMBER_ROOM};
use crate::repair::Repair;
use crate::scheme::{TagScheme, TagStyle};
use crate::sentence::OffsetUnit;
use crate::spans;
use crate::swar::{HIGH, ONES};

impl<R: BufRead> Reader<R> {
    /// Converts the rest of the input to spans in `writer`, as
    /// [`copy_sentences`] with this reader and `writer` would, byte for
    /// byte, and several times faster when the options allow the fused
    /// route (whitespace tokens, a sentence per line); otherwise it is
    /// `copy_sentences`.
    ///
    /// # Errors
    /// As [`copy_sentences`]: the first error of reading or writing. The
    /// lines before the failing one have been written.
    ///
    /// # Example
    /// ```
    /// use nerkit::bracket::{Options, Reader};
    /// use nerkit::convert::Summary;
    /// use nerkit::spans::Writer;
    /// use nerkit::OffsetUnit;
    ///
    /// let text = "x\n[PER Ryan C. Crocker  ] met \"them\" in [LOC Kabul  ]\n";
    /// let mut reader = Reader::new(text.as_bytes(), Options::default());
    /// let mut out = Vec::new();
    /// let mut summary = Summary::default();
    /// reader.copy_to_spans(&mut Writer::new(&mut out, OffsetUnit::Chars), &mut summary, &mut |_| {})?;
    /// let out = String::from_utf8(out).unwrap();
    /// assert_eq!(
    ///     out.lines().nth(1),
    ///     Some(r#"{"text":"Ryan C. Crocker met \"them\" in Kabul","entities":[{"start":0,"end":15,"label":"PER"},{"start":30,"end":35,"label":"LOC"}]}"#)
    /// );
    /// assert_eq!((summary.sentences, summary.tokens, summary.read.total()), (2, 8, 2));
    /// # Ok::<(), nerkit::Error>(())
    /// ```
    pub fn copy_to_spans<W: Write>(
        &mut self,
        writer: &mut spans::Writer<W>,
        summary: &mut Summary,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> Result<()> {
        if !fusable(self.options()) {
            return copy_sentences(self, writer, summary, on_repair);
        }
        // No tags are written: any scheme and style that take every label
        // of the default pattern serve to gather the entities.
        let labels = Labels::new(
            TagScheme::Iob2,
            TagStyle::Prefix,
            b"\"",
            self.options().labels.clone(),
        );
        let record = Spans {
            unit: writer.offset_unit(),
            escaped: Scratch::default(),
            escaped_tokens: Vec::new(),
            units: Vec::new(),
        };
        copy_fused(self, writer, summary, on_repair, labels, record)
    }
}

/// The record of a line as [`spans::Writer`] writes it, and the buffers of
/// a line that needs escaping or counting apart.
struct Spans {
    unit: OffsetUnit,
    /// The tokens of such a line, escaped and joined by spaces, with their
    /// positions in it and their lengths in the offset unit.
    escaped: Scratch,
    escaped_tokens: Vec<Token>,
    units: Vec<usize>,
}

impl Record for Spans {
    fn write(
        &mut self,
        line: &Gathered,
        src: &[u8],
        from: usize,
        to: usize,
        out: &mut Output,
    ) -> bool {
        let line_bytes = LineBytes::of(&src[from..to]);
        if line_bytes.escaped {
            self.write_escaped_record(line, src, out);
            return true;
        }
        // The text is the tokens as they are; only the offsets of a line
        // with non-ASCII count chars or UTF-16 units rather than bytes.
        let room = record_room(line, line.token_bytes);
        let (buf, w) = out.room(room);
        let unit = self.unit;
        out.len = if unit == OffsetUnit::Bytes || !line_bytes.non_ascii {
            put_record(buf, w, src, &line.tokens, |_, t| t.len, line)
        } else {
            let lens = |_, t: Token| units_of(src, t, unit);
            put_record(buf, w, src, &line.tokens, lens, line)
        };
        true
    }
}

/// What one pass over a line's bytes finds: a byte that JSON escapes
/// (`"`, `\`, a control character), and a byte of a non-ASCII char.
struct LineBytes {
    escaped: bool,
    non_ascii: bool,
}

impl LineBytes {
    /// Both answers from one pass, without stopping at the first byte
    /// found (most lines have neither, and half of those of prose have
    /// non-ASCII): a loop the compiler makes vector compares of sixteen
    /// or thirty-two bytes at a time, where two scans of eight bytes at a
    /// time took about twenty instructions for eight.
    #[inline(always)]
    fn of(bytes: &[u8]) -> LineBytes {
        let (mut escaped, mut all) = (0u8, 0u8);
        for &b in bytes {
            escaped |= u8::from(b < 0x20) | u8::from(b == b'"') | u8::from(b == b'\\');
            all |= b;
        }
        LineBytes {
            escaped: escaped != 0,
            non_ascii: all & 0x80 != 0,
        }
    }
}

/// The length in `unit` of the token `t` of `src`, valid UTF-8: a char
/// is a byte that does not continue one (`10xxxxxx`), and takes two
/// UTF-16 units from a four-byte lead (`11110xxx`) on. A token of up to
/// sixteen bytes, with sixteen bytes of `src` from its start (the blocks
/// hold [`SHORT`] past every token), is read as two words, its bytes
/// flagged in their high bits, masked to the token and summed, without a
/// loop.
#[inline(always)]
fn units_of(src: &[u8], t: Token, unit: OffsetUnit) -> usize {
    match (src.get(t.start..t.start + SHORT), TOKEN_MASKS.get(t.len)) {
        (Some(word), Some(&(mask_lo, mask_hi))) => {
            let (lo, hi) = word.split_at(8);
            let lo = u64::from_le_bytes(lo.try_into().expect("eight bytes")) & mask_lo;
            let hi = u64::from_le_bytes(hi.try_into().expect("eight bytes")) & mask_hi;
            // Bit 7 set and bit 6 clear: a continuation byte. (A shift
            // moves bit 6 of each byte to its bit 7.)
            let continuing = |x: u64| x & !(x << 1) & HIGH;
            let chars = t.len - count_flags(continuing(lo), continuing(hi));
            if unit == OffsetUnit::Utf16 {
                // Bits 7 to 4 set: the lead of a four-byte char.
                let four = |x: u64| x & (x << 1) & (x << 2) & (x << 3) & HIGH;
                chars + count_flags(four(lo), four(hi))
            } else {
                chars
            }
        }
        _ => units_of_bytes(&src[t.start..t.start + t.len], unit),
    }
}

/// For a token of each length up to [`SHORT`], the masks of its bytes in
/// the two words it is read as.
static TOKEN_MASKS: [(u64, u64); SHORT + 1] = {
    let mut masks = [(0, 0); SHORT + 1];
    let mut len = 1;
    while len <= SHORT {
        masks[len] = if len <= 8 {
            (u64::MAX >> (64 - 8 * len), 0)
        } else {
            (u64::MAX, u64::MAX >> (128 - 8 * len))
        };
        len += 1;
    }
    masks
};

/// The number of bytes of `lo` and `hi` whose high bit is set (the only
/// bits set): each made a one, the two words added, and their bytes
/// summed into the top byte by a multiplication (at most 16: no carry).
#[inline(always)]
fn count_flags(lo: u64, hi: u64) -> usize {
    (((lo >> 7) + (hi >> 7)).wrapping_mul(ONES) >> 56) as usize
}

/// [`units_of`] for a token of any length, byte by byte.
fn units_of_bytes(bytes: &[u8], unit: OffsetUnit) -> usize {
    let starts = |b: &u8| (*b as i8) >= -0x40;
    match unit {
        OffsetUnit::Bytes => bytes.len(),
        OffsetUnit::Chars => bytes.iter().filter(|b| starts(b)).count(),
        OffsetUnit::Utf16 => bytes
            .iter()
            .map(|b| usize::from(starts(b)) + usize::from(*b >= 0xF0))
            .sum(),
    }
}

impl Spans {
    /// [`Spans::write`] for a line with a byte to escape or to count
    /// apart: its tokens escaped into a buffer of their own first, and
    /// written from there.
    #[cold]
    #[inline(never)]
    fn write_escaped_record(&mut self, line: &Gathered, src: &[u8], out: &mut Output) {
        let unit = self.unit;
        let (escaped, positions, units) =
            (&mut self.escaped, &mut self.escaped_tokens, &mut self.units);
        escaped.clear();
        positions.clear();
        units.clear();
        let room = 6 * line.token_bytes + line.tokens.len() + SLACK;
        escaped.with_cursor(room, |c| {
            for &t in &line.tokens {
                let text = token_str(src, t);
                let start = c.position();
                c.put_json_content(text);
                positions.push(Token {
                    start,
                    len: c.position() - start,
                });
                units.push(unit.len_of(text));
                c.put_byte(b' ');
            }
        });
        let escaped = escaped.as_bytes();
        let room = record_room(line, escaped.len());
        let (buf, w) = out.room(room);
        out.len = put_record(buf, w, escaped, positions, |i, _| units[i], line);
    }
}

/// The lengths of `tokens[from..to]`, each with the space after it, in
/// the unit `lens` gives: one bounds check for the run rather than one a
/// token.
#[inline(always)]
fn run_units(
    tokens: &[Token],
    from: usize,
    to: usize,
    lens: &impl Fn(usize, Token) -> usize,
) -> usize {
    let run = tokens.get(from..to).unwrap_or_default();
    let mut units = 0;
    for (k, &t) in run.iter().enumerate() {
        units += lens(from + k, t) + 1;
    }
    units
}

/// The most bytes [`put_record`] writes for `line` whose text takes
/// `text` bytes: the text and its spaces, for each entity its members
/// and label, and the window [`put_entity`] writes the last one into.
fn record_room(line: &Gathered, text: usize) -> usize {
    let labels: usize = line
        .entities
        .iter()
        .map(|e| line.labels.name(e.label).len())
        .sum();
    64 + ENTITY_WINDOW
        + text
        + line.tokens.len()
        + labels
        + line.entities.len() * (32 + 2 * NUMBER_ROOM)
}

/// The bytes [`put_entity`] writes a short entity into at once.
const ENTITY_WINDOW: usize = 64;

/// Writes `{"start":S,"end":E,"label":"NAME"},` at `w`; returns the end.
/// Offsets below 1,000 and names of up to sixteen bytes (most entities)
/// are written into one window of [`ENTITY_WINDOW`] bytes, the numbers as
/// stores of four bytes from [`DIGITS`]: one bounds check for the record
/// rather than one a piece.
#[inline(always)]
fn put_entity(buf: &mut [u8], w: usize, start: usize, end: usize, name: &[u8]) -> usize {
    if start < 1000 && end < 1000 && name.len() <= 16 {
        let (a, b) = (DIGITS[start], DIGITS[end]);
        // One to three digits each.
        let (ka, kb) = ((a >> 24) as usize & 3, (b >> 24) as usize & 3);
        let window = window::<ENTITY_WINDOW>(buf, w);
        window[..9].copy_from_slice(b"{\"start\":");
        window[9..13].copy_from_slice(&a.to_le_bytes());
        let p = 9 + ka;
        window[p..p + 7].copy_from_slice(b",\"end\":");
        window[p + 7..p + 11].copy_from_slice(&b.to_le_bytes());
        let p = p + 7 + kb;
        window[p..p + 10].copy_from_slice(b",\"label\":\"");
        // At most 29 + 16 + 3 bytes: inside the window.
        let p = put_slice_at(&mut window[..], p + 10, name);
        window[p..p + 3].copy_from_slice(b"\"},");
        w + p + 3
    } else {
        let mut w = put(buf, w, b"{\"start\":");
        w = put_number(buf, w, start);
        w = put(buf, w, b",\"end\":");
        w = put_number(buf, w, end);
        w = put(buf, w, b",\"label\":\"");
        buf[w..w + name.len()].copy_from_slice(name);
        w += name.len();
        put(buf, w, b"\"},")
    }
}

/// Writes the record of `tokens` of `src` (written as they are: plain, or
/// escaped already) at `w` of `buf`, which has [`record_room`] for them,
/// with the entities and labels of `line`; `lens` gives the length in the
/// offset unit of token `i`. Returns the end.
#[inline(always)]
fn put_record(
    buf: &mut [u8],
    mut w: usize,
    src: &[u8],
    tokens: &[Token],
    lens: impl Fn(usize, Token) -> usize,
    line: &Gathered,
) -> usize {
    w = put(buf, w, b"{\"text\":\"");
    w = put_text(buf, w, src, tokens);
    w = put(buf, w, b"\",\"entities\":[");
    // The token `i` and where it starts in the text, in the offset unit.
    let (mut i, mut at) = (0, 0);
    for e in &line.entities {
        // An entity holds a token: `e.first < e.end`.
        let last = e.end.saturating_sub(1).max(e.first);
        at += run_units(tokens, i, e.first, &lens);
        let start = at;
        at += run_units(tokens, e.first, last, &lens);
        i = last;
        let end = at + tokens.get(i).map_or(0, |&t| lens(i, t));
        // Labels of the default pattern need no escaping.
        let name = line.labels.name(e.label).as_bytes();
        w = put_entity(buf, w, start, end, name);
    }
    // Past the last entity: its comma.
    if !line.entities.is_empty() {
        w -= 1;
    }
    put(buf, w, b"]}\n")
}
