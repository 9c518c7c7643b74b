//! The fused route from bracket text to JSON lines.
//!
//! The general route parses a line into a [`Sentence`], encodes its tags
//! and has [`jsonl::Writer`] build the record from the sentence. This route
//! reads the line from the input block with the masks of the fused route
//! to CoNLL ([`scan`](super::scan)): it gathers the line's tokens (where
//! each starts in the block and how long it is) and its entities (label
//! and token range) into reused buffers, then writes the record's four
//! members into an output block: the tokens and the text copied from the
//! block, the tags from the tables of [`tags`](super::tags), the offsets
//! counted from the token lengths. A token is escaped only where one pass
//! over its line found a byte that JSON escapes (`"`, `\`, a control
//! character); only then, and where offsets count chars or UTF-16 units
//! and the line holds non-ASCII, is a token looked at on its own.
//!
//! It takes the lines the fused route to CoNLL takes (well formed, valid
//! UTF-8, labels of the default pattern with tags of a known length ...)
//! and hands every other line to the general route, as that route does.
//! A line of [`Options::piece_bytes`](crate::bracket::Options::piece_bytes)
//! or more, which the general route reads in pieces so that no one holds
//! it whole (the JSON lines writer spills its members to a file past a
//! bound), goes to the general route whole: a reader of its own reads the
//! line from what the block holds of it and then from the input, up to
//! its line feed, so that memory stays bounded as on the general route.
//! The gathering and the line driver are those of [`lines`](super::lines),
//! which the fused route to spans shares. Tests check that both routes
//! write the same bytes, count the same entities and report the same
//! errors and repairs.

use std::io::{BufRead, Write};

use super::emit::SLACK;
use super::lines::{
    copy_fused, escaped_bytes, fusable, put, put_number, put_text, put_token, token_str, Entity,
    Gathered, Output, Record, Token, SHORT,
};
use super::tags::{Labels, TagSets, AFTER_SAME, FIRST, LAST, TAG_BYTES};
use crate::bracket::Reader;
use crate::convert::{copy_sentences, Summary};
use crate::error::Result;
use crate::format::record::{any_byte, Scratch, NUMBER_ROOM};
use crate::jsonl;
use crate::repair::Repair;
use crate::sentence::OffsetUnit;

impl<R: BufRead> Reader<R> {
    /// Converts the rest of the input to JSON lines in `writer`, as
    /// [`copy_sentences`] with this reader and `writer` would, byte for
    /// byte, and several times faster when the options allow the fused
    /// route (whitespace tokens, a sentence per line, tags written as
    /// strings); otherwise it is `copy_sentences`.
    ///
    /// # Errors
    /// As [`copy_sentences`]: the first error of reading or writing. The
    /// lines before the failing one have been written.
    ///
    /// # Example
    /// ```
    /// use nerkit::bracket::{Options, Reader};
    /// use nerkit::convert::Summary;
    /// use nerkit::jsonl::Writer;
    /// use nerkit::TagScheme;
    ///
    /// let text = "x\n[PER Ryan C. Crocker  ] met \"them\"\n";
    /// let mut reader = Reader::new(text.as_bytes(), Options::default());
    /// let mut out = Vec::new();
    /// let mut summary = Summary::default();
    /// reader.copy_to_jsonl(&mut Writer::new(&mut out, TagScheme::Iob2), &mut summary, &mut |_| {})?;
    /// let out = String::from_utf8(out).unwrap();
    /// assert_eq!(
    ///     out.lines().nth(1),
    ///     Some(r#"{"tokens":["Ryan","C.","Crocker","met","\"them\""],"tags":["B-PER","I-PER","I-PER","O","O"],"text":"Ryan C. Crocker met \"them\"","offsets":[[0,4],[5,7],[8,15],[16,19],[20,26]]}"#)
    /// );
    /// assert_eq!((summary.sentences, summary.tokens, summary.read.total()), (2, 6, 1));
    /// # Ok::<(), nerkit::Error>(())
    /// ```
    pub fn copy_to_jsonl<W: Write>(
        &mut self,
        writer: &mut jsonl::Writer<W>,
        summary: &mut Summary,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> Result<()> {
        if !fusable(self.options()) || !writer.writes_tag_names() {
            return copy_sentences(self, writer, summary, on_repair);
        }
        // The tag texts are `"TAG\n`: the record takes them with the line
        // feed made a quote.
        let labels = Labels::new(
            writer.effective_scheme(),
            writer.tag_style(),
            b"\"",
            self.options().labels.clone(),
        );
        let record = Json {
            unit: writer.offset_unit(),
            escaped: Scratch::default(),
            escaped_tokens: Vec::new(),
            units: Vec::new(),
        };
        copy_fused(self, writer, summary, on_repair, labels, record)
    }
}

/// The record of a line as [`jsonl::Writer`] writes it, and the buffers of
/// a line that needs escaping.
struct Json {
    unit: OffsetUnit,
    /// The tokens of a line that needs escaping, escaped and joined by
    /// spaces, with their positions in it and their lengths in the
    /// offset unit.
    escaped: Scratch,
    escaped_tokens: Vec<Token>,
    units: Vec<usize>,
}

impl Record for Json {
    /// Writes the record of the tokens and entities gathered from the line
    /// `src[from..to]` as [`jsonl::Writer`] writes it.
    fn write(
        &mut self,
        line: &Gathered,
        src: &[u8],
        from: usize,
        to: usize,
        out: &mut Output,
    ) -> bool {
        let unit = self.unit;
        // The bytes that make a token more than a copy of itself: those
        // JSON escapes, and where the unit is not bytes, those of
        // non-ASCII chars, which count differently.
        let non_ascii = if unit == OffsetUnit::Bytes {
            0
        } else {
            crate::swar::HIGH
        };
        let plain = !any_byte(&src[from..to], |x| escaped_bytes(x) | (x & non_ascii) != 0);
        if plain {
            let room = record_room(line.token_bytes, line.tokens.len());
            let (buf, w) = out.room(room);
            let lens = |_: usize, t: Token| t.len;
            let tags = (&line.labels, &line.sets, &line.entities[..]);
            let w = put_record(buf, w, src, &line.tokens, lens, tags);
            out.len = w;
        } else {
            self.write_escaped_record(line, src, out);
        }
        true
    }
}

impl Json {
    /// [`Json::write`] for a line with a byte to escape or to
    /// count apart: its tokens escaped into a buffer of their own first,
    /// and written from there.
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
            // Room past the last token for its fixed-size copy.
            c.put(&[0; SLACK]);
        });
        let escaped = escaped.as_bytes();
        let room = record_room(escaped.len(), positions.len());
        let (buf, w) = out.room(room);
        let lens = |i: usize, _: Token| units[i];
        let tags = (&line.labels, &line.sets, &line.entities[..]);
        let w = put_record(buf, w, escaped, positions, lens, tags);
        out.len = w;
    }
}

/// The most bytes a tag takes in the record: its text, copied whole from
/// its table, and a comma.
const TAG_ROOM: usize = TAG_BYTES + 1;
/// The most bytes a token's offsets take: `[start,end],`.
const OFFSETS_ROOM: usize = 2 * NUMBER_ROOM + 4;

/// The most bytes [`put_record`] writes for `n` tokens of `bytes` bytes
/// (each token twice, with its copy slack; quotes and commas; a tag; a
/// pair of offsets).
fn record_room(bytes: usize, n: usize) -> usize {
    64 + 2 * bytes + n * (2 * SHORT + 4 + TAG_ROOM + OFFSETS_ROOM)
}

/// Writes the record of `tokens` of `src` (written as they are: plain, or
/// escaped already) at `w` of `buf`, which has [`record_room`] for them;
/// `lens` gives the length in the offset unit of token `i`, and `tags`
/// the tags' tables and the entities. Returns the end.
#[inline(always)]
fn put_record(
    buf: &mut [u8],
    mut w: usize,
    src: &[u8],
    tokens: &[Token],
    lens: impl Fn(usize, Token) -> usize,
    (labels, sets, entities): (&Labels, &TagSets, &[Entity]),
) -> usize {
    w = put(buf, w, b"{\"tokens\":[\"");
    for &t in tokens {
        w = put_token(buf, w, src, t);
        w = put(buf, w, b"\",\"");
    }
    // Past the last token: its closing quote, less the `,"` after it.
    w -= 2;
    w = put(buf, w, b"],\"tags\":[");
    w = put_tags(buf, w, labels, sets, tokens.len(), entities);
    // Past the last tag: its comma.
    w -= 1;
    w = put(buf, w, b"],\"text\":\"");
    w = put_text(buf, w, src, tokens);
    w = put(buf, w, b"\",\"offsets\":[[");
    let mut at = 0;
    for (i, &t) in tokens.iter().enumerate() {
        let len = lens(i, t);
        w = put_number(buf, w, at);
        w = put(buf, w, b",");
        w = put_number(buf, w, at + len);
        w = put(buf, w, b"],[");
        at += len + 1;
    }
    // Past the last pair: `],[` less its `,[`.
    w -= 2;
    put(buf, w, b"]}\n")
}

/// Writes the tags of `n` tokens at `w`, each followed by a comma, where
/// `entities` are: `O` outside them, and inside each the tag of the
/// token's role from its label's tag set. Returns the end.
#[inline(always)]
fn put_tags(
    buf: &mut [u8],
    mut w: usize,
    labels: &Labels,
    sets: &TagSets,
    n: usize,
    entities: &[Entity],
) -> usize {
    let mut i = 0;
    for (k, e) in entities.iter().enumerate() {
        while i < e.first {
            w = put(buf, w, b"\"O\",");
            i += 1;
        }
        let set = labels.set_of(e.label);
        let tags = &sets.tags[set];
        let base = usize::from(e.after_same) * AFTER_SAME;
        // IOE1 ends an entity that one of its type directly follows with
        // `E-`: one byte of its last tag.
        let patch = entities
            .get(k + 1)
            .filter(|next| next.after_same)
            .and(sets.end_patches[set].at);
        while i < e.end {
            let mut role = base;
            if i == e.first {
                role |= FIRST;
            }
            if i + 1 == e.end {
                role |= LAST;
            }
            let tag = &tags[role];
            buf[w..w + TAG_BYTES].copy_from_slice(&tag.bytes);
            if let Some(p) = patch.filter(|_| i + 1 == e.end) {
                buf[w + p] = sets.end_patches[set].byte;
            }
            // The tag's text ends in a line feed where the record's
            // string ends.
            w = put(buf, w + tag.len - 1, b"\",");
            i += 1;
        }
    }
    while i < n {
        w = put(buf, w, b"\"O\",");
        i += 1;
    }
    w
}
