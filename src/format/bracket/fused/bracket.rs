//! The fused route from bracket text to bracket text.
//!
//! The general route parses a line into a [`Sentence`](crate::Sentence)
//! and has [`Writer`] write it again: the tokens joined by single spaces,
//! each entity as `[LABEL ` before its first token and `  ]` (or `]`, in
//! [`Style::Tight`]) after its last. This route gathers the line's tokens
//! and entities from the input block as the fused route to JSON lines does
//! ([`lines`](super::lines)) and copies the line to the output block. A
//! line the writer wrote (most of what this route reads), whose whitespace
//! is all spaces, is recognised by its entities alone: the gaps where they
//! open and close are the writer's, and the line takes as many bytes as
//! the writer's would ([`as_written`]); it is one copy. Any other line is
//! copied in runs: a run of the input goes on as long as what lies between
//! two tokens there is what the writer puts between them (a space, or a
//! space with an entity's brackets); where a gap differs, what the writer
//! puts there is written instead. A line with an `&`, or whose
//! tokens hold brackets decoded from character references, has its tokens
//! looked at one by one first, as the writer does: brackets written as
//! `&#91;` and `&#93;`, and a token holding the text of a bracket reference
//! (which the writer refuses) sends the line to the general route, whose
//! error it is. Lines the route cannot prove, and long ones, go to the
//! general route as on the route to JSON lines. Tests check that both
//! routes write the same bytes, count the same entities and report the
//! same errors and repairs.

use std::io::{BufRead, Write};

use super::lines::{copy_fused, fusable, put, token_str, Gathered, Output, Record, Token};
use super::tags::Labels;
use crate::bracket::writer::{bracket_escape, holds_bracket_reference, Style, Writer};
use crate::bracket::Reader;
use crate::convert::{copy_sentences, Summary};
use crate::error::Result;
use crate::format::record::any_byte;
use crate::repair::Repair;
use crate::scheme::{TagScheme, TagStyle};
use crate::swar::{eq_bytes, lt_bytes};

impl<R: BufRead> Reader<R> {
    /// Converts the rest of the input to bracket text in `writer`, as
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
    /// use nerkit::bracket::writer::{Style, Writer};
    /// use nerkit::bracket::{Options, Reader};
    /// use nerkit::convert::Summary;
    ///
    /// let text = "x \n[PER Ryan  C. Crocker ]  met [LOC Kabul  ]\n";
    /// let mut reader = Reader::new(text.as_bytes(), Options::default());
    /// let mut out = Vec::new();
    /// let mut summary = Summary::default();
    /// reader.copy_to_bracket(&mut Writer::new(&mut out, Style::TwoSpace), &mut summary, &mut |_| {})?;
    /// assert_eq!(
    ///     String::from_utf8(out).unwrap(),
    ///     "x\n[PER Ryan C. Crocker  ] met [LOC Kabul  ]\n"
    /// );
    /// assert_eq!((summary.sentences, summary.tokens, summary.read.total()), (2, 6, 2));
    /// # Ok::<(), nerkit::Error>(())
    /// ```
    pub fn copy_to_bracket<W: Write>(
        &mut self,
        writer: &mut Writer<W>,
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
        let record = Bracket {
            close: match writer.style() {
                Style::TwoSpace => b"  ]",
                Style::Tight => b"]",
            },
            escaped: Vec::new(),
            escaped_tokens: Vec::new(),
        };
        copy_fused(self, writer, summary, on_repair, labels, record)
    }
}

/// The line as [`Writer`] writes it, and the buffers of a line whose
/// tokens are looked at one by one.
struct Bracket {
    /// What closes an entity: `  ]` or `]`.
    close: &'static [u8],
    /// The tokens of such a line, escaped, each followed by a space, and
    /// where each is in it.
    escaped: Vec<u8>,
    escaped_tokens: Vec<Token>,
}

impl Record for Bracket {
    fn write(
        &mut self,
        line: &Gathered,
        src: &[u8],
        from: usize,
        to: usize,
        out: &mut Output,
    ) -> bool {
        // Without an `&`, a token holds no reference; unless the line was
        // decoded, it holds no bracket (brackets end tokens). Without a
        // byte below a space, all whitespace is spaces.
        let text = &src[from..to];
        let plain = !any_byte(text, |x| (eq_bytes(x, b'&') | lt_bytes(x, b' ')) != 0);
        if line.literal_brackets || !plain && any_byte(text, |x| eq_bytes(x, b'&') != 0) {
            return self.write_escaped_line(line, src, out);
        }
        let (buf, w) = out.room(self.room(line, line.token_bytes));
        out.len = match plain
            .then(|| as_written(src, from, to, line, self.close))
            .flatten()
        {
            Some((start, end)) => {
                let w = put_slice(buf, w, &src[start..end]);
                put(buf, w, b"\n")
            }
            None => put_line(buf, w, src, (from, to), &line.tokens, line, self.close),
        };
        true
    }
}

/// Where the line `src[from..to]`, whose whitespace is all spaces, holds
/// what [`Writer`] writes of it (without the line feed), when it does:
/// the bytes from the first token (or the opener before it) to the last
/// (or the closer after it), when each gap where an entity opens or
/// closes is what the writer puts there and the gaps take as many bytes
/// as the writer's. Every other gap is then one byte, a space: brackets
/// are in the gaps where entities open and close only.
#[inline(always)]
fn as_written(
    src: &[u8],
    from: usize,
    to: usize,
    line: &Gathered,
    close: &[u8],
) -> Option<(usize, usize)> {
    let tokens = &line.tokens[..];
    let (n, first, last) = (tokens.len(), tokens[0], tokens[tokens.len() - 1]);
    let (mut start, mut end) = (first.start, last.start + last.len);
    // The bytes of the writer's gaps: a space between tokens, and each
    // entity's brackets and label.
    let mut gaps = n - 1;
    // The end of the entity before, when it ended at the token before.
    let mut before = usize::MAX;
    for (k, e) in line.entities.iter().enumerate() {
        let name = line.labels.name(e.label).as_bytes();
        gaps += name.len() + 2 + close.len();
        // Before the first token: `[LABEL `; between two, the closer of
        // the entity before when it ends there, a space, `[LABEL `.
        let at = tokens[e.first].start;
        let closes = before == e.first;
        let want = name.len()
            + 2
            + if e.first == 0 {
                0
            } else {
                1 + if closes { close.len() } else { 0 }
            };
        let opener = at.checked_sub(name.len() + 2)?;
        if e.first == 0 {
            if opener < from {
                return None;
            }
            start = opener;
        } else {
            let gap_start = tokens[e.first - 1].start + tokens[e.first - 1].len;
            if at - gap_start != want || src[opener - 1] != b' ' {
                return None;
            }
            if closes && src[gap_start..gap_start + close.len()] != *close {
                return None;
            }
        }
        if src[opener] != b'[' || src[opener + 1..at - 1] != *name || src[at - 1] != b' ' {
            return None;
        }
        // After the last token: the closer; before a token where no
        // entity opens: the closer and a space (where one opens, the
        // gap is the opener's, checked with it).
        let t = tokens[e.end - 1];
        let gap_start = t.start + t.len;
        if e.end == n {
            if gap_start + close.len() > to {
                return None;
            }
            end = gap_start + close.len();
        } else if line
            .entities
            .get(k + 1)
            .is_none_or(|next| next.first != e.end)
            && (tokens[e.end].start - gap_start != close.len() + 1
                || src[gap_start + close.len()] != b' ')
        {
            return None;
        }
        if src[gap_start..gap_start + close.len()] != *close {
            return None;
        }
        before = e.end;
    }
    (end - start == line.token_bytes + gaps).then_some((start, end))
}

impl Bracket {
    /// The most bytes [`put_line`] writes for `line` whose tokens take
    /// `text` bytes: the tokens and their spaces, each entity's brackets
    /// and label, the line feed.
    fn room(&self, line: &Gathered, text: usize) -> usize {
        let labels: usize = line
            .entities
            .iter()
            .map(|e| line.labels.name(e.label).len())
            .sum();
        16 + text + line.tokens.len() + labels + line.entities.len() * (2 + self.close.len())
    }

    /// [`Bracket::write`] for a line whose tokens may need escaping or be
    /// refused: each token checked and escaped into a buffer of its own
    /// first, as [`Writer`] does, and the line written from there; false
    /// when a token holds a bracket reference.
    #[cold]
    #[inline(never)]
    fn write_escaped_line(&mut self, line: &Gathered, src: &[u8], out: &mut Output) -> bool {
        let (escaped, positions) = (&mut self.escaped, &mut self.escaped_tokens);
        escaped.clear();
        positions.clear();
        for &t in &line.tokens {
            let text = token_str(src, t);
            if holds_bracket_reference(text) {
                return false;
            }
            let start = escaped.len();
            for &b in text.as_bytes() {
                match bracket_escape(b) {
                    Some(escape) => escaped.extend_from_slice(escape),
                    None => escaped.push(b),
                }
            }
            positions.push(Token {
                start,
                len: escaped.len() - start,
            });
            escaped.push(b' ');
        }
        let (escaped, positions) = (&self.escaped, &self.escaped_tokens);
        let (buf, w) = out.room(self.room(line, escaped.len()));
        // Single spaces join the tokens there, and no bracket is next to
        // one: runs of tokens are copied, every bracket is written.
        out.len = put_line(
            buf,
            w,
            escaped,
            (0, escaped.len()),
            positions,
            line,
            self.close,
        );
        true
    }
}

/// Writes `bytes` at `w` of `buf`; returns the end.
#[inline(always)]
fn put_slice(buf: &mut [u8], w: usize, bytes: &[u8]) -> usize {
    buf[w..w + bytes.len()].copy_from_slice(bytes);
    w + bytes.len()
}

/// Writes an entity's opener, `[LABEL `, at `w`; returns the end.
#[inline(always)]
fn put_opener(buf: &mut [u8], w: usize, name: &[u8]) -> usize {
    let w = put(buf, w, b"[");
    let w = put_slice(buf, w, name);
    put(buf, w, b" ")
}

/// Writes the line of `tokens` of `src[from..to]` (the line's own, or its
/// tokens escaped and each followed by a space) with the entities of
/// `line`, each closed by `close`, at `w` of `buf`, which has
/// [`Bracket::room`] for them, as [`Writer`] writes it. Returns the end.
///
/// The bytes of `src` from a token to a later one are copied as they are
/// when every gap between them is what the writer puts there. What the
/// writer puts before a token where an entity opens or closes is written
/// where it goes (after the run not yet copied) and compared with the
/// gap: when they differ, the run is copied before it and a new run
/// starts with the token; when they agree, the run copied later writes the
/// same bytes over it.
#[inline(always)]
fn put_line(
    buf: &mut [u8],
    mut w: usize,
    src: &[u8],
    (from, to): (usize, usize),
    tokens: &[Token],
    line: &Gathered,
    close: &[u8],
) -> usize {
    let entities = &line.entities[..];
    let n = tokens.len();
    // The next entity to open, whether one is open, and the token before
    // which the next opens or the open one closes.
    let mut next = 0;
    let mut open = false;
    let mut boundary = entities.first().map_or(n, |e| e.first);
    let first = tokens[0];
    // The bytes still to copy to `w`: `src[run..end]`.
    let mut run = first.start;
    if boundary == 0 {
        let e = entities[0];
        let s = put_opener(buf, w, line.labels.name(e.label).as_bytes());
        let len = s - w;
        if first.start >= from + len && src[first.start - len..first.start] == buf[w..s] {
            run = first.start - len;
        } else {
            w = s;
        }
        (next, open, boundary) = (1, true, e.end);
    }
    let mut end = first.start + first.len;
    for (i, &t) in tokens.iter().enumerate().skip(1) {
        if i != boundary {
            // A gap of one space; a one-byte gap may be a bracket too.
            if t.start != end + 1 || src[end] != b' ' {
                w = put_slice(buf, w, &src[run..end]);
                w = put(buf, w, b" ");
                run = t.start;
            }
        } else {
            let at = w + end - run;
            let mut s = at;
            if open {
                s = put_slice(buf, s, close);
                open = false;
            }
            s = put(buf, s, b" ");
            boundary = match entities.get(next) {
                Some(e) if e.first == i => {
                    s = put_opener(buf, s, line.labels.name(e.label).as_bytes());
                    (next, open) = (next + 1, true);
                    e.end
                }
                Some(e) => e.first,
                None => n,
            };
            if t.start - end != s - at || src[end..t.start] != buf[at..s] {
                // The run ends where the separator starts.
                put_slice(buf, w, &src[run..end]);
                w = s;
                run = t.start;
            }
        }
        end = t.start + t.len;
    }
    if open {
        // The entity closes after the last token.
        let at = w + end - run;
        let s = put_slice(buf, at, close);
        if end + close.len() <= to && src[end..end + close.len()] == *close {
            end += close.len();
        } else {
            put_slice(buf, w, &src[run..end]);
            (w, run, end) = (s, 0, 0);
        }
    }
    w = put_slice(buf, w, &src[run..end]);
    put(buf, w, b"\n")
}
