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
    copy_fused, escaped_bytes, fusable, put, put_number, put_text, token_str, Gathered, Output,
    Record, Token,
};
use super::tags::Labels;
use crate::bracket::Reader;
use crate::convert::{copy_sentences, Summary};
use crate::error::Result;
use crate::format::record::{any_byte, Scratch, NUMBER_ROOM};
use crate::repair::Repair;
use crate::scheme::{TagScheme, TagStyle};
use crate::sentence::OffsetUnit;
use crate::spans;
use crate::swar::HIGH;

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
        if any_byte(&src[from..to], |x| escaped_bytes(x) != 0) {
            self.write_escaped_record(line, src, out);
            return true;
        }
        // The text is the tokens as they are; only the offsets of a line
        // with non-ASCII count chars or UTF-16 units rather than bytes.
        let room = record_room(line, line.token_bytes);
        let (buf, w) = out.room(room);
        let unit = self.unit;
        out.len = if unit == OffsetUnit::Bytes || !any_byte(&src[from..to], |x| x & HIGH != 0) {
            put_record(buf, w, src, &line.tokens, |_, t| t.len, line)
        } else {
            let lens = |_, t: Token| units_of(&src[t.start..t.start + t.len], unit);
            put_record(buf, w, src, &line.tokens, lens, line)
        };
        true
    }
}

/// The length of `bytes`, valid UTF-8, in `unit`: a char is a byte that
/// does not continue one, and takes two UTF-16 units from a four-byte
/// lead on.
fn units_of(bytes: &[u8], unit: OffsetUnit) -> usize {
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

/// The most bytes [`put_record`] writes for `line` whose text takes
/// `text` bytes: the text and its spaces, and for each entity its members
/// and label.
fn record_room(line: &Gathered, text: usize) -> usize {
    let labels: usize = line
        .entities
        .iter()
        .map(|e| line.labels.name(e.label).len())
        .sum();
    64 + text + line.tokens.len() + labels + line.entities.len() * (32 + 2 * NUMBER_ROOM)
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
    for (k, e) in line.entities.iter().enumerate() {
        while i < e.first {
            at += lens(i, tokens[i]) + 1;
            i += 1;
        }
        let start = at;
        while i + 1 < e.end {
            at += lens(i, tokens[i]) + 1;
            i += 1;
        }
        let end = at + lens(i, tokens[i]);
        w = if k == 0 {
            put(buf, w, b"{\"start\":")
        } else {
            put(buf, w, b",{\"start\":")
        };
        w = put_number(buf, w, start);
        w = put(buf, w, b",\"end\":");
        w = put_number(buf, w, end);
        w = put(buf, w, b",\"label\":\"");
        // Labels of the default pattern need no escaping.
        let name = line.labels.name(e.label).as_bytes();
        buf[w..w + name.len()].copy_from_slice(name);
        w += name.len();
        w = put(buf, w, b"\"}");
    }
    put(buf, w, b"]}\n")
}
