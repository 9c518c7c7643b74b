//! Reading spans.

use std::io::BufRead;

use serde_json::Value;

use crate::error::{Error, Hint, ParseErrorKind, Result};
use crate::repair::{DropReason, Repair, RepairKind};
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
#[non_exhaustive]
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
                                "{}: its {which} falls inside the token {:?}",
                                describe(r),
                                &text[t]
                            )),
                        )
                        .with_hint(Hint::AlignSpansToTokens))
                    }
                    Align::Expand => self.repairs.push(Repair::new(
                        pos,
                        RepairKind::AlignExpand,
                        format!("{}: expanded to token edges", describe(r)),
                    )),
                    Align::Contract => {
                        first += usize::from(start_inside);
                        last -= usize::from(end_inside);
                        if first >= last {
                            self.repairs.push(Repair::new(
                                pos,
                                RepairKind::Dropped(DropReason::NoWholeToken),
                                format!("{}: holds no whole token; dropped", describe(r)),
                            ));
                            continue;
                        }
                        self.repairs.push(Repair::new(
                            pos,
                            RepairKind::AlignContract,
                            format!("{}: contracted to token edges", describe(r)),
                        ));
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
            let reason = if a == b && same_label {
                DropReason::Duplicate
            } else if self.opts.overlaps == Overlaps::Error {
                return Err(Error::parse(
                    pos,
                    ParseErrorKind::Other(format!(
                        "{} overlaps {}: tags cannot hold overlapping entities",
                        describe(raw_of(r.index)),
                        describe(raw_of(k.index)),
                    )),
                )
                .with_hint(Hint::KeepOneOfOverlappingSpans));
            } else if a == b {
                DropReason::SameSpan
            } else if (a.start() <= b.start() && b.end() <= a.end())
                || (b.start() <= a.start() && a.end() <= b.end())
            {
                DropReason::Nested
            } else {
                DropReason::Crossing
            };
            self.repairs.push(Repair::new(
                pos,
                RepairKind::Dropped(reason),
                format!(
                    "{} overlaps {}, which was kept; dropped",
                    describe(raw_of(r.index)),
                    describe(raw_of(k.index))
                ),
            ));
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

impl<R: BufRead> crate::convert::SentenceReader for Reader<R> {
    fn read_sentence(&mut self, sentence: &mut Sentence) -> Result<bool> {
        Reader::read_sentence(self, sentence)
    }

    fn drain_repairs(&mut self, sink: &mut dyn FnMut(Repair)) {
        self.take_repairs().for_each(sink);
    }
}

impl<R: BufRead> crate::format::InputReader for Reader<R> {
    fn facts(&self) -> crate::format::InputFacts {
        crate::format::InputFacts {
            spans: Some(self.spans_read()),
            ..Default::default()
        }
    }
}
