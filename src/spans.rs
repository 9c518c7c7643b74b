//! Span files: one document per line, with its text and the character
//! offsets of each entity, as spaCy, doccano and Prodigy write them.
//!
//! ```text
//! {"text": "Ryan Crocker met Musharraf.", "entities": [{"start": 0, "end": 12, "label": "PER"}]}
//! {"text": "Ryan Crocker met Musharraf.", "label": [[0, 12, "PER"]]}
//! ```
//!
//! Offsets count code points by default (Python `str` indices); bytes and
//! UTF-16 code units can be chosen ([`OffsetUnit`]). `entities` holds
//! objects with `start`, `end` and `label`, or `[start, end, label]`
//! arrays; `label` (doccano) holds arrays.
//!
//! # Reading: spans to tokens
//!
//! The text is split into tokens with the chosen [`Tokenizer`]; each span
//! becomes an entity over the tokens it covers. Whitespace at a span's edge
//! is not part of any token and is dropped without notice. Two things can
//! go wrong, and each is an error by default, naming the line and the span:
//!
//! - a span edge falls inside a token. With [`Align::Contract`] the edge
//!   moves inward to the nearest token edge, with [`Align::Expand`]
//!   outward; every moved span is counted as a repair (`align-contract`,
//!   `align-expand`). A span that contracts to nothing is dropped and
//!   counted (`dropped-no-whole-token`).
//! - spans overlap (after alignment, in tokens): BIO tags cannot hold
//!   nested or crossing entities. With [`Overlaps::Longest`] the longest
//!   span is kept (then the earliest, then the first in the file), with
//!   [`Overlaps::First`] the earliest (then the longest); every span that
//!   collides with a kept one is dropped and counted by how it collides:
//!   `dropped-same-span` (same tokens, another label), `dropped-nested` (one
//!   inside the other) or `dropped-crossing`. An exact duplicate (same
//!   tokens, same label) holds nothing new and is always dropped and
//!   counted as `dropped-duplicate`.
//!
//! # Writing: tokens to spans
//!
//! The [`Writer`] rebuilds the text by joining the tokens with single
//! spaces and gives each entity's offsets in that text.

use std::io::{BufRead, Write};

use serde_json::Value;

use crate::convert::{LabelCounts, SentenceWriter};
use crate::error::{Error, ParseErrorKind, Result};
use crate::repair::Repair;
use crate::sentence::{OffsetUnit, Sentence};
use crate::span::{Position, Span, TokenSpan};
use crate::tokenize::Tokenizer;

/// What to do with a span edge inside a token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Align {
    /// An error (the default).
    #[default]
    Strict,
    /// Move the edge inward to the nearest token edge.
    Contract,
    /// Move the edge outward to the nearest token edge.
    Expand,
}

impl std::str::FromStr for Align {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Align, String> {
        match s.to_ascii_lowercase().as_str() {
            "strict" | "error" => Ok(Align::Strict),
            "contract" => Ok(Align::Contract),
            "expand" => Ok(Align::Expand),
            _ => Err(format!(
                "unknown alignment \"{s}\" (expected strict, contract or expand)"
            )),
        }
    }
}

/// What to do with overlapping spans.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Overlaps {
    /// An error (the default).
    #[default]
    Error,
    /// Keep the longest span (in tokens), drop those that overlap it.
    Longest,
    /// Keep the earliest span, drop those that overlap it.
    First,
}

impl std::str::FromStr for Overlaps {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Overlaps, String> {
        match s.to_ascii_lowercase().as_str() {
            "error" | "strict" => Ok(Overlaps::Error),
            "longest" => Ok(Overlaps::Longest),
            "first" => Ok(Overlaps::First),
            _ => Err(format!(
                "unknown overlap rule \"{s}\" (expected error, longest or first)"
            )),
        }
    }
}

/// Options for reading span files.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// How the text is split into tokens (UAX #29 words by default).
    pub tokenizer: Tokenizer,
    /// The unit of the offsets in the input, and of the token offsets
    /// recorded (code points by default).
    pub offsets: OffsetUnit,
    /// What to do with a span edge inside a token.
    pub align: Align,
    /// What to do with overlapping spans.
    pub overlaps: Overlaps,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            tokenizer: Tokenizer::Unicode,
            offsets: OffsetUnit::Chars,
            align: Align::Strict,
            overlaps: Overlaps::Error,
        }
    }
}

/// A span as read, in bytes of the text.
#[derive(Clone, Debug)]
struct RawSpan {
    index: usize,
    start: usize,
    end: usize,
    /// The offsets as written, for messages.
    given: (u64, u64),
    label: String,
}

/// A span over tokens.
#[derive(Clone, Copy, Debug)]
struct TokenRange {
    index: usize,
    tokens: TokenSpan,
}

/// Reads span files one document (line) at a time.
///
/// # Example
/// ```
/// use nerkit::spans::{Reader, ReadOptions};
/// use nerkit::Sentence;
///
/// let text = r#"{"text": "Ryan Crocker met Musharraf.", "entities": [{"start": 0, "end": 12, "label": "PER"}]}"#;
/// let mut reader = Reader::new(text.as_bytes(), ReadOptions::default());
/// let mut s = Sentence::new();
/// assert!(reader.read_sentence(&mut s)?);
/// let tokens: Vec<_> = s.tokens().map(|t| t.text).collect();
/// assert_eq!(tokens, ["Ryan", "Crocker", "met", "Musharraf", "."]);
/// assert_eq!(s.entity(0).tokens.end(), 2);
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Reader<R> {
    inner: R,
    opts: ReadOptions,
    line_buf: Vec<u8>,
    line: u64,
    byte: u64,
    spans_read: u64,
    repairs: Vec<Repair>,
}

impl<R: BufRead> Reader<R> {
    /// A reader over `inner`.
    pub fn new(inner: R, opts: ReadOptions) -> Reader<R> {
        Reader {
            inner,
            opts,
            line_buf: Vec::new(),
            line: 0,
            byte: 0,
            spans_read: 0,
            repairs: Vec::new(),
        }
    }

    /// The number of spans in the input so far, kept or not.
    pub fn spans_read(&self) -> u64 {
        self.spans_read
    }

    /// Repairs (moved and dropped spans) since the last call.
    pub fn take_repairs(&mut self) -> std::vec::Drain<'_, Repair> {
        self.repairs.drain(..)
    }

    /// Reads the next document into `sentence` (cleared first); `false` at
    /// the end. Each line is one document and one sentence.
    ///
    /// # Errors
    /// I/O errors, lines that are not a span object, offsets out of range,
    /// and (unless allowed by the options) misaligned or overlapping spans,
    /// with the line.
    pub fn read_sentence(&mut self, sentence: &mut Sentence) -> Result<bool> {
        sentence.clear();
        loop {
            self.line_buf.clear();
            let n = self.inner.read_until(b'\n', &mut self.line_buf)?;
            if n == 0 {
                return Ok(false);
            }
            self.line += 1;
            let line_start = self.byte;
            self.byte += n as u64;
            let (content, bom) = crate::lines::content(&self.line_buf, line_start == 0);
            let line_start = line_start + bom;
            if content.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let pos = Position::new(self.line, 1, line_start);
            let fail = |message: String| Error::parse(pos, ParseErrorKind::Other(message));
            let value: Value = serde_json::from_slice(content).map_err(|e| {
                Error::parse(
                    Position::new(self.line, e.column().max(1) as u64, line_start),
                    ParseErrorKind::Other(format!("not a JSON object: {e}")),
                )
            })?;
            let text = value
                .get("text")
                .and_then(Value::as_str)
                .ok_or_else(|| fail("no \"text\" string".into()))?;
            let raw = spans_of(&value, text, self.opts.offsets).map_err(fail)?;
            self.spans_read += raw.len() as u64;
            self.fill(sentence, text, raw, pos)?;
            sentence.set_line(self.line);
            sentence.set_document_start(true);
            return Ok(true);
        }
    }

    fn fill(
        &mut self,
        sentence: &mut Sentence,
        text: &str,
        raw: Vec<RawSpan>,
        pos: Position,
    ) -> Result<()> {
        let unit = self.opts.offsets;
        let mut cursor = (0usize, 0usize);
        let mut to_unit = |byte: usize| {
            if byte < cursor.0 {
                cursor = (0, 0);
            }
            cursor.1 += unit.len_of(&text[cursor.0..byte]);
            cursor.0 = byte;
            cursor.1
        };
        let mut tokens: Vec<Span> = Vec::new();
        for t in self.opts.tokenizer.tokens(text) {
            let s = to_unit(t.span.start());
            let e = to_unit(t.span.end());
            sentence.push_token(t.text, Span::new(s, e));
            tokens.push(t.span);
        }
        let describe = |r: &RawSpan| {
            format!(
                "span {} ({} {}..{} {:?})",
                r.index + 1,
                r.label,
                r.given.0,
                r.given.1,
                &text[r.start..r.end]
            )
        };
        let mut ranges = Vec::with_capacity(raw.len());
        for r in &raw {
            let mut first = tokens.partition_point(|t| t.end() <= r.start);
            let mut last = tokens.partition_point(|t| t.start() < r.end);
            if first >= last {
                return Err(Error::parse(
                    pos,
                    ParseErrorKind::Other(format!("{} covers no token", describe(r))),
                ));
            }
            let start_inside = tokens[first].start() < r.start;
            let end_inside = tokens[last - 1].end() > r.end;
            if start_inside || end_inside {
                let (which, t) = if start_inside {
                    ("start", tokens[first])
                } else {
                    ("end", tokens[last - 1])
                };
                match self.opts.align {
                    Align::Strict => {
                        return Err(Error::parse(
                            pos,
                            ParseErrorKind::Other(format!(
                                "{}: its {which} falls inside the token {:?}; \
                                 use --align contract or --align expand to move it to a token edge",
                                describe(r),
                                &text[t]
                            )),
                        ))
                    }
                    Align::Expand => self.repairs.push(Repair {
                        pos,
                        kind: "align-expand",
                        message: format!("{}: expanded to token edges", describe(r)),
                    }),
                    Align::Contract => {
                        first += usize::from(start_inside);
                        last -= usize::from(end_inside);
                        if first >= last {
                            self.repairs.push(Repair {
                                pos,
                                kind: "dropped-no-whole-token",
                                message: format!("{}: holds no whole token; dropped", describe(r)),
                            });
                            continue;
                        }
                        self.repairs.push(Repair {
                            pos,
                            kind: "align-contract",
                            message: format!("{}: contracted to token edges", describe(r)),
                        });
                    }
                }
            }
            ranges.push(TokenRange {
                index: r.index,
                tokens: TokenSpan::new(first, last),
            });
        }
        let label_of = |index: usize| {
            raw.iter()
                .find(|r| r.index == index)
                .map(|r| r.label.as_str())
                .unwrap_or("")
        };
        let raw_of = |index: usize| raw.iter().find(|r| r.index == index).expect("span");
        // Resolve overlaps.
        match self.opts.overlaps {
            Overlaps::Error | Overlaps::Longest => ranges
                .sort_by_key(|r| (std::cmp::Reverse(r.tokens.len()), r.tokens.start(), r.index)),
            Overlaps::First => ranges
                .sort_by_key(|r| (r.tokens.start(), std::cmp::Reverse(r.tokens.len()), r.index)),
        }
        let mut kept: Vec<TokenRange> = Vec::with_capacity(ranges.len());
        for r in ranges {
            let blocker = kept
                .iter()
                .find(|k| k.tokens.start() < r.tokens.end() && r.tokens.start() < k.tokens.end())
                .copied();
            let Some(k) = blocker else {
                kept.push(r);
                continue;
            };
            let (a, b) = (k.tokens, r.tokens);
            let same_label = label_of(k.index) == label_of(r.index);
            let kind = if a == b && same_label {
                "dropped-duplicate"
            } else if self.opts.overlaps == Overlaps::Error {
                return Err(Error::parse(
                    pos,
                    ParseErrorKind::Other(format!(
                        "{} overlaps {}: tags cannot hold overlapping entities; \
                         use --overlaps longest or --overlaps first to keep one",
                        describe(raw_of(r.index)),
                        describe(raw_of(k.index)),
                    )),
                ));
            } else if a == b {
                "dropped-same-span"
            } else if (a.start() <= b.start() && b.end() <= a.end())
                || (b.start() <= a.start() && a.end() <= b.end())
            {
                "dropped-nested"
            } else {
                "dropped-crossing"
            };
            self.repairs.push(Repair {
                pos,
                kind,
                message: format!(
                    "{} overlaps {}, which was kept; dropped",
                    describe(raw_of(r.index)),
                    describe(raw_of(k.index))
                ),
            });
        }
        kept.sort_by_key(|k| k.tokens.start());
        for k in kept {
            sentence.push_entity(label_of(k.index), k.tokens);
        }
        Ok(())
    }
}

/// The spans of a document, with offsets turned into bytes of `text`.
fn spans_of(
    value: &Value,
    text: &str,
    unit: OffsetUnit,
) -> std::result::Result<Vec<RawSpan>, String> {
    let list = match (value.get("entities"), value.get("label")) {
        (Some(Value::Array(a)), _) => a,
        (None | Some(Value::Null), Some(Value::Array(a))) => a,
        (None | Some(Value::Null), None | Some(Value::Null)) => return Ok(Vec::new()),
        _ => {
            return Err("\"entities\" (or doccano's \"label\") must be a list of spans".to_string())
        }
    };
    let mut raw = Vec::with_capacity(list.len());
    for (index, item) in list.iter().enumerate() {
        let (start, end, label) = match item {
            Value::Object(o) => (
                o.get("start").and_then(Value::as_u64),
                o.get("end").and_then(Value::as_u64),
                o.get("label").and_then(Value::as_str),
            ),
            Value::Array(a) if a.len() == 3 => (a[0].as_u64(), a[1].as_u64(), a[2].as_str()),
            _ => (None, None, None),
        };
        let (Some(start), Some(end), Some(label)) = (start, end, label) else {
            return Err(format!(
                "span {}: expected {{\"start\": S, \"end\": E, \"label\": L}} or [S, E, L], found {item}",
                index + 1
            ));
        };
        if start >= end || label.is_empty() {
            return Err(format!(
                "span {} ({label} {start}..{end}): empty span or label",
                index + 1
            ));
        }
        raw.push(RawSpan {
            index,
            start: start as usize,
            end: end as usize,
            given: (start, end),
            label: label.to_string(),
        });
    }
    to_bytes(&mut raw, text, unit)?;
    Ok(raw)
}

/// Turns the offsets of `spans` from `unit` into bytes of `text`.
fn to_bytes(
    spans: &mut [RawSpan],
    text: &str,
    unit: OffsetUnit,
) -> std::result::Result<(), String> {
    let len = unit.len_of(text);
    for s in spans.iter() {
        if s.end > len {
            return Err(format!(
                "span {} ({} {}..{}) ends past the end of the text, which is {len} {unit} long",
                s.index + 1,
                s.label,
                s.given.0,
                s.given.1
            ));
        }
    }
    if unit == OffsetUnit::Bytes || text.is_ascii() {
        for s in spans.iter() {
            if !text.is_char_boundary(s.start) || !text.is_char_boundary(s.end) {
                return Err(format!(
                    "span {} ({} {}..{}) cuts a character in two",
                    s.index + 1,
                    s.label,
                    s.given.0,
                    s.given.1
                ));
            }
        }
        return Ok(());
    }
    // Byte offset of every unit offset; usize::MAX inside a character.
    let mut map = vec![usize::MAX; len + 1];
    let mut at = 0;
    for (b, c) in text.char_indices() {
        map[at] = b;
        at += match unit {
            OffsetUnit::Chars => 1,
            _ => c.len_utf16(),
        };
    }
    map[len] = text.len();
    for s in spans.iter_mut() {
        let (a, b) = (map[s.start], map[s.end]);
        if a == usize::MAX || b == usize::MAX {
            return Err(format!(
                "span {} ({} {}..{}) cuts a character in two",
                s.index + 1,
                s.label,
                s.given.0,
                s.given.1
            ));
        }
        s.start = a;
        s.end = b;
    }
    Ok(())
}

/// Writes sentences as span lines: the tokens joined by single spaces, and
/// the offsets of each entity in that text.
///
/// # Example
/// ```
/// use nerkit::bracket::parse_line;
/// use nerkit::convert::{LabelCounts, SentenceWriter};
/// use nerkit::spans::Writer;
/// use nerkit::OffsetUnit;
///
/// let sentence = parse_line("[PER Ryan Crocker  ] met [LOC Pakistan’s  ] officials", &Default::default())?;
/// let mut out = Vec::new();
/// Writer::new(&mut out, OffsetUnit::Chars).write_sentence(&sentence, &mut LabelCounts::new())?;
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     r#"{"text":"Ryan Crocker met Pakistan’s officials","entities":[{"start":0,"end":12,"label":"PER"},{"start":17,"end":27,"label":"LOC"}]}"#.to_string() + "\n"
/// );
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Writer<W: Write> {
    out: W,
    unit: OffsetUnit,
    text: String,
    starts: Vec<usize>,
}

impl<W: Write> Writer<W> {
    /// A writer of offsets in `unit` to `out`.
    pub fn new(out: W, unit: OffsetUnit) -> Writer<W> {
        Writer {
            out,
            unit,
            text: String::new(),
            starts: Vec::new(),
        }
    }
}

impl<W: Write> SentenceWriter for Writer<W> {
    fn write_sentence(&mut self, sentence: &Sentence, written: &mut LabelCounts) -> Result<()> {
        self.text.clear();
        self.starts.clear();
        let mut at = 0;
        for (i, t) in sentence.tokens().enumerate() {
            if i > 0 {
                self.text.push(' ');
                at += 1;
            }
            self.starts.push(at);
            self.text.push_str(t.text);
            at += self.unit.len_of(t.text);
        }
        let out = &mut self.out;
        out.write_all(b"{\"text\":")?;
        serde_json::to_writer(&mut *out, &self.text).map_err(std::io::Error::from)?;
        out.write_all(b",\"entities\":[")?;
        for (i, e) in sentence.entities().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            let last = e.tokens.end() - 1;
            let start = self.starts[e.tokens.start()];
            let end = self.starts[last] + self.unit.len_of(sentence.token(last).text);
            write!(out, "{{\"start\":{start},\"end\":{end},\"label\":")?;
            serde_json::to_writer(&mut *out, e.label).map_err(std::io::Error::from)?;
            out.write_all(b"}")?;
            written.add(e.label, 1);
        }
        out.write_all(b"]}\n")?;
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(line: &str, opts: ReadOptions) -> Result<(Vec<String>, Vec<&'static str>)> {
        let mut r = Reader::new(line.as_bytes(), opts);
        let mut s = Sentence::new();
        assert!(r.read_sentence(&mut s)?);
        let e = s
            .entities()
            .map(|e| {
                let t: Vec<&str> = (e.tokens.range()).map(|i| s.token(i).text).collect();
                format!("{} {}", e.label, t.join(" "))
            })
            .collect();
        let kinds = r.take_repairs().map(|r| r.kind).collect();
        Ok((e, kinds))
    }

    fn opts(align: Align, overlaps: Overlaps) -> ReadOptions {
        ReadOptions {
            align,
            overlaps,
            ..ReadOptions::default()
        }
    }

    #[test]
    fn chars_doccano_and_alignment() {
        let line = r#"{"text": "😀 Pakistan’s army", "label": [[2, 10, "LOC"], [13, 17, "ORG"]]}"#;
        // "Pakistan" ends inside the token "Pakistan’s".
        let e = read(line, ReadOptions::default()).unwrap_err();
        assert!(
            e.to_string().contains("inside the token \"Pakistan’s\""),
            "{e}"
        );
        let (e, k) = read(line, opts(Align::Expand, Overlaps::Error)).unwrap();
        assert_eq!(e, ["LOC Pakistan’s", "ORG army"]);
        assert_eq!(k, ["align-expand"]);
        let (e, k) = read(line, opts(Align::Contract, Overlaps::Error)).unwrap();
        assert_eq!(e, ["ORG army"]);
        assert_eq!(k, ["dropped-no-whole-token"]);
        let utf16 = r#"{"text": "😀 a", "entities": [{"start": 3, "end": 4, "label": "X"}]}"#;
        let o = ReadOptions {
            offsets: OffsetUnit::Utf16,
            ..ReadOptions::default()
        };
        assert_eq!(read(utf16, o).unwrap().0, ["X a"]);
    }

    #[test]
    fn overlaps() {
        let line = r#"{"text": "a b c d", "entities": [[0, 3, "X"], [2, 7, "Y"], [2, 3, "Z"], [0, 3, "X"], [0, 3, "W"]]}"#;
        let e = read(line, ReadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("overlaps"), "{e}");
        let (e, mut k) = read(line, opts(Align::Strict, Overlaps::Longest)).unwrap();
        assert_eq!(e, ["Y b c d"]);
        k.sort();
        assert_eq!(
            k,
            [
                "dropped-crossing",
                "dropped-crossing",
                "dropped-crossing",
                "dropped-nested"
            ]
        );
        let (e, mut k) = read(line, opts(Align::Strict, Overlaps::First)).unwrap();
        assert_eq!(e, ["X a b"]);
        k.sort();
        assert_eq!(
            k,
            [
                "dropped-crossing",
                "dropped-duplicate",
                "dropped-nested",
                "dropped-same-span"
            ]
        );
    }
}
