//! The members of one JSON lines record that nerkit reads (`tokens`, `tags`
//! or `ner_tags`, `offsets`), parsed into buffers reused from record to
//! record.
//!
//! Two parsers fill [`Fields`]: [`Fields::parse_fast`], a hand-rolled scan
//! that reads the members nerkit needs and checks the syntax of the others
//! without building them, and [`Fields::parse_general`], serde_json's
//! parse of the record as before. The fast scan gives up (returns `false`)
//! on anything it does not read exactly as serde_json would (a record
//! serde_json refuses, a duplicate or escaped key, a `null`, a number that
//! is not a plain unsigned integer, a lone surrogate, nesting deeper than
//! [`MAX_DEPTH`], ...), and the caller then parses the record again by the
//! general route, which also words every error. So the fast scan decides
//! nothing on its own: on every record it either yields what the general
//! route yields or defers to it (the differential tests in
//! `fields_tests.rs` hold it to that). The scan's primitives (strings,
//! numbers, skipped values, ...) are the JSON readers' shared [`Scan`];
//! this module holds what is particular to the record's layout.

use std::borrow::Cow;

use serde::Deserialize;

use crate::format::json::scan::{digits_at, Scan};
use crate::span::Span;

/// Where the text of a string is: in the line, as written (a string
/// without escapes, read where it is), or in [`Fields::decoded`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Text {
    /// These bytes of the line.
    Line(Span),
    /// These bytes of [`Fields::decoded`].
    Decoded(Span),
}

/// One tag as the record holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TagItem {
    /// A string.
    Text(Text),
    /// A number (a class index when it is an unsigned integer), written
    /// at this span of [`Fields::decoded`] as serde_json displays it.
    Number(Option<u64>, Span),
}

/// The members of one record that nerkit reads.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    /// The text of strings with escapes, decoded, and of numbers.
    pub decoded: String,
    /// The tokens.
    pub tokens: Vec<Text>,
    /// The tags, from `tags` or else from `ner_tags`.
    pub tags: Vec<TagItem>,
    /// Whether any tag is a number.
    pub numbers: bool,
    /// Whether the record has `offsets` (not `null`).
    pub has_offsets: bool,
    /// The `[start, end]` pairs of `offsets`.
    pub offsets: Vec<(usize, usize)>,
}

/// Why a record that serde_json parsed has no tags.
pub(crate) struct NoTags;

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    tokens: Vec<Cow<'a, str>>,
    #[serde(default, borrow)]
    tags: Option<Vec<StringOrNumber<'a>>>,
    #[serde(default, borrow)]
    ner_tags: Option<Vec<StringOrNumber<'a>>>,
    #[serde(default)]
    offsets: Option<Vec<(usize, usize)>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StringOrNumber<'a> {
    String(#[serde(borrow)] Cow<'a, str>),
    Number(serde_json::Number),
}

impl Fields {
    /// Empties every buffer, keeping their memory.
    pub fn clear(&mut self) {
        self.decoded.clear();
        self.tokens.clear();
        self.tags.clear();
        self.numbers = false;
        self.has_offsets = false;
        self.offsets.clear();
    }

    /// The text of a string of the record read from `line`.
    #[inline]
    pub fn text<'a>(&'a self, line: &'a str, text: Text) -> &'a str {
        match text {
            Text::Line(s) => &line[s],
            Text::Decoded(s) => &self.decoded[s],
        }
    }

    /// Appends `s` to [`Fields::decoded`] and says where it is.
    fn push_decoded(&mut self, s: &str) -> Span {
        let start = self.decoded.len();
        self.decoded.push_str(s);
        Span::new(start, self.decoded.len())
    }

    /// Parses `line` by serde_json, as the reader always did.
    ///
    /// # Errors
    /// serde_json's error for a line that is not such a record (outer);
    /// [`NoTags`] for a record with neither `tags` nor `ner_tags` (or
    /// both `null`).
    pub fn parse_general(&mut self, line: &str) -> Result<Result<(), NoTags>, serde_json::Error> {
        self.clear();
        let record: Record<'_> = serde_json::from_str(line)?;
        let Some(tags) = record.tags.or(record.ner_tags) else {
            return Ok(Err(NoTags));
        };
        for token in &record.tokens {
            let span = self.push_decoded(token);
            self.tokens.push(Text::Decoded(span));
        }
        for tag in &tags {
            match tag {
                StringOrNumber::String(s) => {
                    let span = self.push_decoded(s);
                    self.tags.push(TagItem::Text(Text::Decoded(span)));
                }
                StringOrNumber::Number(n) => {
                    let span = self.push_decoded(&n.to_string());
                    self.numbers = true;
                    self.tags.push(TagItem::Number(n.as_u64(), span));
                }
            }
        }
        if let Some(offsets) = record.offsets {
            self.has_offsets = true;
            self.offsets = offsets;
        }
        Ok(Ok(()))
    }

    /// Parses `line` without serde_json; `false` when the line is anything
    /// but a record that serde_json reads as this scan does (the buffers
    /// then hold anything, and the caller parses the line by
    /// [`Fields::parse_general`]).
    pub fn parse_fast(&mut self, line: &str) -> bool {
        self.clear();
        self.scan(line).is_some()
    }

    fn scan(&mut self, line: &str) -> Option<()> {
        let (mut tokens, mut tags, mut ner_tags, mut offsets) = (false, false, false, false);
        Scan::new(line).whole_object(|key, c| match key {
            b"tokens" if !tokens => {
                tokens = true;
                self.scan_tokens(c)
            }
            // Both keys make serde_json read `tags` and still check
            // `ner_tags`; rare enough to leave to it.
            b"tags" if !tags && !ner_tags => {
                tags = true;
                self.scan_tags(c)
            }
            b"ner_tags" if !tags && !ner_tags => {
                ner_tags = true;
                self.scan_tags(c)
            }
            b"offsets" if !offsets => {
                offsets = true;
                self.has_offsets = true;
                self.scan_offsets(c)
            }
            // A second `tokens`, `tags`, `ner_tags` or `offsets` is
            // serde_json's "duplicate field" error.
            b"tokens" | b"tags" | b"ner_tags" | b"offsets" => None,
            _ => c.skip_value(),
        })?;
        (tokens && (tags || ner_tags)).then_some(())
    }

    fn scan_tokens(&mut self, c: &mut Scan<'_>) -> Option<()> {
        c.array(|c| {
            let text = string(c, &mut self.decoded)?;
            self.tokens.push(text);
            Some(())
        })
    }

    fn scan_tags(&mut self, c: &mut Scan<'_>) -> Option<()> {
        c.array(|c| {
            if let Some(text) = c.plain_string() {
                self.tags.push(TagItem::Text(Text::Line(text)));
            } else if c.peek()? == b'"' {
                let text = string(c, &mut self.decoded)?;
                self.tags.push(TagItem::Text(text));
            } else {
                let from = c.mark();
                let n = c.uint()?;
                let span = self.push_decoded(c.since(from));
                self.numbers = true;
                self.tags.push(TagItem::Number(Some(n), span));
            }
            Some(())
        })
    }

    fn scan_offsets(&mut self, c: &mut Scan<'_>) -> Option<()> {
        c.array(|c| {
            let (start, end) = match tight_pair(c.rest()) {
                Some((start, end, len)) => {
                    c.skip(len);
                    (start, end)
                }
                None => {
                    c.eat(b'[')?;
                    c.ws();
                    let start = c.uint()?;
                    c.separator(b',')?;
                    let end = c.uint()?;
                    c.ws();
                    c.eat(b']')?;
                    (start, end)
                }
            };
            self.offsets
                .push((usize::try_from(start).ok()?, usize::try_from(end).ok()?));
            Some(())
        })
    }
}

/// The string at the scan's place: where it is in the line when it has no
/// escapes, else decoded onto the end of `decoded`.
#[inline]
fn string(c: &mut Scan<'_>, decoded: &mut String) -> Option<Text> {
    if let Some(text) = c.plain_string() {
        return Some(Text::Line(text));
    }
    let from = decoded.len();
    c.string_into(decoded)?;
    Some(Text::Decoded(Span::new(from, decoded.len())))
}

/// The pair at the start of `b` when it has the common shape `[12,15]`
/// (no whitespace, unsigned integers without a leading zero that fit a
/// `u64`), and its length; `None` leaves anything else to the scan
/// member by member.
#[inline]
fn tight_pair(b: &[u8]) -> Option<(u64, u64, usize)> {
    if b.first() != Some(&b'[') {
        return None;
    }
    let (start, j) = digits_at::<20>(b, 1)?;
    if b.get(j) != Some(&b',') {
        return None;
    }
    let (end, k) = digits_at::<20>(b, j + 1)?;
    if b.get(k) != Some(&b']') {
        return None;
    }
    Some((start, end, k + 1))
}

#[cfg(test)]
#[path = "fields_tests.rs"]
mod tests;
