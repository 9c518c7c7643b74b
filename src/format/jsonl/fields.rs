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
//! `fields_tests.rs` hold it to that).

use std::borrow::Cow;

use serde::Deserialize;

use crate::span::Span;

/// Nesting the fast scan follows inside members it skips; deeper values
/// go to serde_json, which has its own limit (128) and error.
const MAX_DEPTH: u32 = 64;

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
        let mut c = Scan {
            s: line,
            b: line.as_bytes(),
            i: 0,
        };
        let (mut tokens, mut tags, mut ner_tags, mut offsets) = (false, false, false, false);
        c.ws();
        c.eat(b'{')?;
        loop {
            c.ws();
            let key = c.key()?;
            c.ws();
            c.eat(b':')?;
            c.ws();
            match key {
                b"tokens" if !tokens => {
                    tokens = true;
                    self.scan_tokens(&mut c)?;
                }
                // Both keys make serde_json read `tags` and still check
                // `ner_tags`; rare enough to leave to it.
                b"tags" if !tags && !ner_tags => {
                    tags = true;
                    self.scan_tags(&mut c)?;
                }
                b"ner_tags" if !tags && !ner_tags => {
                    ner_tags = true;
                    self.scan_tags(&mut c)?;
                }
                b"offsets" if !offsets => {
                    offsets = true;
                    self.has_offsets = true;
                    self.scan_offsets(&mut c)?;
                }
                // A second `tokens`, `tags`, `ner_tags` or `offsets` is
                // serde_json's "duplicate field" error.
                b"tokens" | b"tags" | b"ner_tags" | b"offsets" => return None,
                _ => c.skip_value(0)?,
            }
            c.ws();
            match c.next()? {
                b',' => continue,
                b'}' => break,
                _ => return None,
            }
        }
        c.ws();
        (c.i == c.b.len() && tokens && (tags || ner_tags)).then_some(())
    }

    fn scan_tokens(&mut self, c: &mut Scan<'_>) -> Option<()> {
        c.array(|c| {
            c.eat(b'"')?;
            let text = c.string(&mut self.decoded)?;
            self.tokens.push(text);
            Some(())
        })
    }

    fn scan_tags(&mut self, c: &mut Scan<'_>) -> Option<()> {
        c.array(|c| {
            if c.peek()? == b'"' {
                c.i += 1;
                let text = c.string(&mut self.decoded)?;
                self.tags.push(TagItem::Text(text));
            } else {
                let from = c.i;
                let n = c.uint()?;
                let span = self.push_decoded(&c.s[from..c.i]);
                self.numbers = true;
                self.tags.push(TagItem::Number(Some(n), span));
            }
            Some(())
        })
    }

    fn scan_offsets(&mut self, c: &mut Scan<'_>) -> Option<()> {
        c.array(|c| {
            let (start, end) = match tight_pair(&c.b[c.i..]) {
                Some((start, end, len)) => {
                    c.i += len;
                    (start, end)
                }
                None => {
                    c.eat(b'[')?;
                    c.ws();
                    let start = c.uint()?;
                    c.ws();
                    c.eat(b',')?;
                    c.ws();
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

/// The pair at the start of `b` when it has the common shape `[12,15]`
/// (no whitespace, unsigned integers of at most 19 digits without a
/// leading zero), and its length; `None` leaves anything else to the
/// general scan.
#[inline]
fn tight_pair(b: &[u8]) -> Option<(u64, u64, usize)> {
    if b.first() != Some(&b'[') {
        return None;
    }
    let (start, j) = tight_uint(b, 1)?;
    if b.get(j) != Some(&b',') {
        return None;
    }
    let (end, k) = tight_uint(b, j + 1)?;
    if b.get(k) != Some(&b']') {
        return None;
    }
    Some((start, end, k + 1))
}

/// The digits of `b` from `i` on as a number, and where they end; `None`
/// for no digit, more than 19 or a leading zero.
#[inline(always)]
fn tight_uint(b: &[u8], i: usize) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    let mut j = i;
    while let Some(&d) = b.get(j) {
        let d = d.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        v = v.wrapping_mul(10).wrapping_add(u64::from(d));
        j += 1;
    }
    let n = j - i;
    if n == 0 || n > 19 || (n > 1 && b[i] == b'0') {
        return None;
    }
    Some((v, j))
}

/// Bytes that end a run of plain string content: `"`, `\` and the
/// control characters, which JSON strings must escape.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// The index of the first byte of `b` from `i` on that ends a run of
/// plain string content, or `b.len()`: eight bytes at a time, then one by
/// one.
#[inline]
fn plain_run_end(b: &[u8], mut i: usize) -> usize {
    use crate::swar::{eq_bytes, lt_bytes};
    while let Some(word) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let m = eq_bytes(x, b'"') | eq_bytes(x, b'\\') | lt_bytes(x, 0x20);
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && !SPECIAL[b[i] as usize] {
        i += 1;
    }
    i
}

/// A place in a line being scanned.
struct Scan<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    /// Skips JSON whitespace (space, tab, line feed, carriage return).
    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    #[inline]
    fn eat(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    /// An array, each item read by `item` (which stops at the item's
    /// end): `[`, items separated by commas, `]`, whitespace anywhere.
    #[inline]
    fn array(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Some(());
        }
        loop {
            item(self)?;
            self.ws();
            match self.next()? {
                b',' => self.ws(),
                b']' => return Some(()),
                _ => return None,
            }
        }
    }

    /// A key without escapes, its bytes between the quotes.
    fn key(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.i;
        let end = plain_run_end(self.b, start);
        if self.b.get(end) != Some(&b'"') {
            return None;
        }
        self.i = end + 1;
        Some(&self.b[start..end])
    }

    /// The string whose opening quote was just read, and its closing
    /// quote: where it is in the line when it has no escapes, else decoded
    /// onto the end of `decoded`.
    #[inline]
    fn string(&mut self, decoded: &mut String) -> Option<Text> {
        let start = self.i;
        let end = plain_run_end(self.b, start);
        if self.b.get(end) == Some(&b'"') {
            self.i = end + 1;
            return Some(Text::Line(Span::new(start, end)));
        }
        let from = decoded.len();
        self.string_into(decoded)?;
        Some(Text::Decoded(Span::new(from, decoded.len())))
    }

    /// Appends the string whose opening quote was just read to `out`,
    /// escapes decoded, and reads its closing quote.
    fn string_into(&mut self, out: &mut String) -> Option<()> {
        loop {
            let end = plain_run_end(self.b, self.i);
            // Cut at an ASCII byte (or the end), so a char boundary.
            out.push_str(&self.s[self.i..end]);
            self.i = end;
            match self.next()? {
                b'"' => return Some(()),
                b'\\' => out.push(self.escape()?),
                // A raw control character: serde_json's error.
                _ => return None,
            }
        }
    }

    /// The char of the escape after a backslash; `None` for an invalid
    /// escape or a surrogate that is not half of a pair.
    fn escape(&mut self) -> Option<char> {
        Some(match self.next()? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                match unit {
                    0xD800..=0xDBFF => {
                        self.eat(b'\\')?;
                        self.eat(b'u')?;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return None;
                        }
                        let c = 0x10000
                            + ((u32::from(unit) - 0xD800) << 10)
                            + (u32::from(low) - 0xDC00);
                        char::from_u32(c)?
                    }
                    0xDC00..=0xDFFF => return None,
                    _ => char::from_u32(u32::from(unit))?,
                }
            }
            _ => return None,
        })
    }

    fn hex4(&mut self) -> Option<u16> {
        let digits = self.b.get(self.i..self.i + 4)?;
        let mut v = 0u16;
        for &d in digits {
            v = v * 16 + (d as char).to_digit(16)? as u16;
        }
        self.i += 4;
        Some(v)
    }

    /// An unsigned integer as JSON writes it (no leading zero, sign,
    /// fraction or exponent) that fits a `u64`.
    #[inline]
    fn uint(&mut self) -> Option<u64> {
        let start = self.i;
        let mut v: u64 = 0;
        // Nineteen digits cannot overflow; a twentieth is checked.
        while let Some(&d) = self.b.get(self.i) {
            let d = d.wrapping_sub(b'0');
            if d > 9 || self.i - start == 19 {
                break;
            }
            v = v * 10 + u64::from(d);
            self.i += 1;
        }
        if let Some(&d) = self.b.get(self.i).filter(|d| d.is_ascii_digit()) {
            v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
            self.i += 1;
        }
        let digits = self.i - start;
        if digits == 0 || (digits > 1 && self.b[start] == b'0') {
            return None;
        }
        if let Some(b'.' | b'e' | b'E' | b'0'..=b'9') = self.peek() {
            return None;
        }
        Some(v)
    }

    /// Checks one value of any type without keeping it.
    fn skip_value(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'"' => {
                self.i += 1;
                self.skip_string()
            }
            b'{' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.i += 1;
                self.ws();
                if self.peek()? == b'}' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.eat(b'"')?;
                    self.skip_string()?;
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    self.skip_value(depth + 1)?;
                    self.ws();
                    match self.next()? {
                        b',' => self.ws(),
                        b'}' => return Some(()),
                        _ => return None,
                    }
                }
            }
            b'[' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.i += 1;
                self.ws();
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    self.ws();
                    match self.next()? {
                        b',' => self.ws(),
                        b']' => return Some(()),
                        _ => return None,
                    }
                }
            }
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'n' => self.word(b"null"),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => None,
        }
    }

    fn word(&mut self, w: &[u8]) -> Option<()> {
        if self.b.get(self.i..self.i + w.len())? == w {
            self.i += w.len();
            Some(())
        } else {
            None
        }
    }

    /// Checks a string whose opening quote was just read, and its closing
    /// quote. Escapes must be valid; a `\u` surrogate gives up, whatever
    /// serde_json would make of it in a skipped value.
    fn skip_string(&mut self) -> Option<()> {
        loop {
            self.i = plain_run_end(self.b, self.i);
            match self.next()? {
                b'"' => return Some(()),
                b'\\' => {
                    self.escape()?;
                }
                _ => return None,
            }
        }
    }

    /// Checks a number by JSON's grammar:
    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn skip_number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        // `01` or `1x`: what follows must end the number.
        match self.peek() {
            None | Some(b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r') => Some(()),
            _ => None,
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }
}

#[cfg(test)]
#[path = "fields_tests.rs"]
mod tests;
