//! What the JSON readers and writers of documents share: a splitter that
//! hands out the top-level values of an input one at a time (the elements
//! of one JSON array, as Label Studio's JSON and JSON-MIN exports hold
//! them, or JSON lines), a string that borrows from the input when it can,
//! and the writing of strings and of members kept as written.
//!
//! The splitter keeps one value in memory at a time, so that a 2 GB export
//! is read in the memory of its largest task, and it knows the line and
//! column where each value starts, so that an error inside a value names
//! its place in the file.

use std::borrow::Cow;
use std::fmt;
use std::io::{BufRead, Write};

use serde::de::{self, Deserialize, Deserializer, Visitor};

use crate::error::{Error, ParseErrorKind, Result};
use crate::span::Position;

pub(crate) mod scan;

/// Where a value starts in its input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Start {
    /// Line, from 1.
    pub line: u64,
    /// Column in bytes, from 1.
    pub column: u64,
    /// Byte offset from the start of the input.
    pub byte: u64,
}

impl Start {
    /// The position of this value's start, for messages about the value
    /// as a whole.
    pub fn position(self) -> Position {
        Position::new(self.line, self.column, self.byte)
    }
}

/// How the values of an input are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// Not known until the first byte that is not whitespace.
    Unknown,
    /// One value per line (JSON lines).
    Lines,
    /// The elements of one top-level array.
    Array,
    /// The input is used up.
    Done,
}

/// Where the array scan is, between two chunks of input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// Before an element, or before the `]` of an empty array.
    Before,
    /// Inside an element.
    Inside,
    /// After an element: a `,` or the closing `]` comes next.
    After,
}

/// The top-level values of an input, one at a time: the elements of an
/// array when the input starts with `[`, else one value per non-blank line.
#[derive(Debug)]
pub(crate) struct Values<R> {
    inner: R,
    layout: Layout,
    /// The value read last.
    buf: Vec<u8>,
    /// Line and line start of the read position.
    line: u64,
    line_start: u64,
    /// Byte offset of the read position.
    byte: u64,
    /// Array scan state.
    place: Place,
    depth: u32,
    in_string: bool,
    escaped: bool,
    elements: u64,
    start: Start,
}

impl<R: BufRead> Values<R> {
    /// The values of `inner`.
    pub fn new(inner: R) -> Values<R> {
        Values {
            inner,
            layout: Layout::Unknown,
            buf: Vec::new(),
            line: 1,
            line_start: 0,
            byte: 0,
            place: Place::Before,
            depth: 0,
            in_string: false,
            escaped: false,
            elements: 0,
            start: Start::default(),
        }
    }

    /// Reads the next value into `buf`; `false` at the end of the input.
    ///
    /// # Errors
    /// I/O errors; an array that is not closed, or text after it.
    fn next(&mut self) -> Result<bool> {
        if self.layout == Layout::Unknown {
            self.settle()?;
        }
        match self.layout {
            Layout::Lines => self.next_line(),
            Layout::Array => self.next_element(),
            _ => Ok(false),
        }
    }

    /// Skips a byte-order mark and whitespace and decides the layout from
    /// the first byte after them.
    fn settle(&mut self) -> Result<()> {
        loop {
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                self.layout = Layout::Done;
                return Ok(());
            }
            if self.byte == 0 && chunk.starts_with("\u{feff}".as_bytes()) {
                self.inner.consume(3);
                self.byte = 3;
                self.line_start = 3;
                continue;
            }
            let mut i = 0;
            while i < chunk.len() {
                match chunk[i] {
                    b'\n' => {
                        self.line += 1;
                        self.line_start = self.byte + i as u64 + 1;
                    }
                    b' ' | b'\t' | b'\r' => {}
                    b'[' => {
                        self.layout = Layout::Array;
                        self.inner.consume(i + 1);
                        self.byte += i as u64 + 1;
                        return Ok(());
                    }
                    _ => {
                        self.layout = Layout::Lines;
                        self.inner.consume(i);
                        self.byte += i as u64;
                        return Ok(());
                    }
                }
                i += 1;
            }
            let n = chunk.len();
            self.inner.consume(n);
            self.byte += n as u64;
        }
    }

    /// Reads the next value and hands it to `f` with where it starts;
    /// `None` at the end of the input. A line that lies whole in the
    /// reader's buffer is read there, without a copy; any other line, and
    /// the elements of an array, are copied into a buffer of their own.
    ///
    /// # Errors
    /// I/O errors; an array that is not closed, or text after it.
    pub fn next_value<T>(&mut self, f: impl FnOnce(&[u8], Start) -> T) -> Result<Option<T>> {
        if self.layout == Layout::Unknown {
            self.settle()?;
        }
        while self.layout == Layout::Lines {
            let chunk = self.inner.fill_buf()?;
            // A line that runs past the buffer (or ends the input without
            // a line feed) is copied by the general route.
            let Some(k) = memchr::memchr(b'\n', chunk) else {
                break;
            };
            let n = k + 1;
            let found = line_value(&chunk[..n], self.byte, self.line, self.line_start);
            self.byte += n as u64;
            self.line += 1;
            self.line_start = self.byte;
            if let Some((from, to, start)) = found {
                self.start = start;
                let value = f(&chunk[from..to], start);
                self.inner.consume(n);
                return Ok(Some(value));
            }
            self.inner.consume(n);
        }
        if !self.next()? {
            return Ok(None);
        }
        Ok(Some(f(&self.buf, self.start)))
    }

    fn next_line(&mut self) -> Result<bool> {
        loop {
            self.buf.clear();
            let n = self.inner.read_until(b'\n', &mut self.buf)?;
            if n == 0 {
                self.layout = Layout::Done;
                return Ok(false);
            }
            let found = line_value(&self.buf, self.byte, self.line, self.line_start);
            self.byte += n as u64;
            self.line += 1;
            self.line_start = self.byte;
            if let Some((from, to, start)) = found {
                self.start = start;
                self.buf.truncate(to);
                self.buf.drain(..from);
                return Ok(true);
            }
        }
    }

    fn next_element(&mut self) -> Result<bool> {
        self.buf.clear();
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            if chunk.is_empty() {
                return Err(Error::parse(
                    Position::new(self.line, self.byte - self.line_start + 1, self.byte),
                    ParseErrorKind::Other(
                        "the input ends inside its top-level JSON array (no closing \"]\")".into(),
                    ),
                ));
            }
            let mut i = 0;
            let mut copy_from = 0;
            let mut done = None;
            while i < chunk.len() {
                if self.in_string {
                    if self.escaped {
                        self.escaped = false;
                        i += 1;
                        continue;
                    }
                    match memchr::memchr2(b'"', b'\\', &chunk[i..]) {
                        None => i = chunk.len(),
                        Some(k) => {
                            i += k;
                            if chunk[i] == b'\\' {
                                self.escaped = true;
                            } else {
                                self.in_string = false;
                            }
                            i += 1;
                        }
                    }
                    continue;
                }
                let b = chunk[i];
                if self.place == Place::Inside {
                    match b {
                        b'"' => self.in_string = true,
                        b'{' | b'[' => self.depth += 1,
                        b'}' | b']' if self.depth > 0 => {
                            self.depth -= 1;
                            if self.depth == 0 {
                                self.place = Place::After;
                                done = Some(i + 1);
                                break;
                            }
                        }
                        b'\n' => {
                            self.line += 1;
                            self.line_start = self.byte + i as u64 + 1;
                        }
                        // The end of a scalar element.
                        b',' | b']' | b' ' | b'\t' | b'\r' if self.depth == 0 => {
                            self.place = Place::After;
                            done = Some(i);
                            break;
                        }
                        _ => {}
                    }
                    i += 1;
                    continue;
                }
                match b {
                    b'\n' => {
                        self.line += 1;
                        self.line_start = self.byte + i as u64 + 1;
                    }
                    b' ' | b'\t' | b'\r' => {}
                    b',' if self.place == Place::After => self.place = Place::Before,
                    b']' if self.place == Place::After
                        || (self.place == Place::Before && self.elements == 0) =>
                    {
                        self.inner.consume(i + 1);
                        self.byte += i as u64 + 1;
                        self.layout = Layout::Done;
                        return self.expect_end().map(|()| false);
                    }
                    _ if self.place == Place::Before => {
                        self.place = Place::Inside;
                        self.elements += 1;
                        self.start = Start {
                            line: self.line,
                            column: self.byte + i as u64 - self.line_start + 1,
                            byte: self.byte + i as u64,
                        };
                        copy_from = i;
                        continue;
                    }
                    _ => {
                        let what = if self.place == Place::After {
                            "a \",\" or the closing \"]\" of the top-level JSON array"
                        } else {
                            "an element of the top-level JSON array"
                        };
                        return Err(Error::parse(
                            Position::new(
                                self.line,
                                self.byte + i as u64 - self.line_start + 1,
                                self.byte + i as u64,
                            ),
                            ParseErrorKind::Other(format!(
                                "expected {what}, found {:?}",
                                char::from(b)
                            )),
                        ));
                    }
                }
                i += 1;
            }
            let end = done.unwrap_or(i);
            if self.place == Place::Inside || done.is_some() {
                self.buf.extend_from_slice(&chunk[copy_from..end]);
            }
            self.inner.consume(end);
            self.byte += end as u64;
            if done.is_some() {
                return Ok(true);
            }
        }
    }

    /// Checks that only whitespace follows the closing `]`.
    fn expect_end(&mut self) -> Result<()> {
        loop {
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                return Ok(());
            }
            for (i, &b) in chunk.iter().enumerate() {
                match b {
                    b'\n' => {
                        self.line += 1;
                        self.line_start = self.byte + i as u64 + 1;
                    }
                    b' ' | b'\t' | b'\r' => {}
                    _ => {
                        let at = self.byte + i as u64;
                        return Err(Error::parse(
                            Position::new(self.line, at - self.line_start + 1, at),
                            ParseErrorKind::Other(
                                "text after the closing \"]\" of the top-level JSON array".into(),
                            ),
                        ));
                    }
                }
            }
            let n = chunk.len();
            self.inner.consume(n);
            self.byte += n as u64;
        }
    }
}

/// Where the value in `raw` (one line, with its line end if any) lies,
/// whitespace around it taken off, and where it starts in the input,
/// given where the line was read from (`read_start`, which may be after
/// the line's start for the first line) and its number and start; `None`
/// for a blank line.
fn line_value(
    raw: &[u8],
    read_start: u64,
    line: u64,
    line_start: u64,
) -> Option<(usize, usize, Start)> {
    let (content, _) = crate::lines::content(raw, false);
    let lead = content
        .iter()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    if lead == content.len() {
        return None;
    }
    let end = content
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |p| p + 1);
    let start = Start {
        line,
        column: read_start + lead as u64 - line_start + 1,
        byte: read_start + lead as u64,
    };
    Some((lead, end, start))
}

/// A JSON string that borrows from the input when it holds no escapes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Str<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Str<'a>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(
                self,
                v: &'de str,
            ) -> std::result::Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

impl std::ops::Deref for Str<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// Appends the member `key: raw` to `members` (members as written,
/// comma-separated, without braces), for [`crate::Sentence::set_extra_json`].
pub(crate) fn push_member(members: &mut String, key: &str, raw: &serde_json::value::RawValue) {
    push_raw_member(members, key, raw.get());
}

/// [`push_member`] for a value `raw` as written, as `RawValue` holds it
/// (the fast scans' [`scan::Scan::raw_value`]).
pub(crate) fn push_raw_member(members: &mut String, key: &str, raw: &str) {
    if !members.is_empty() {
        members.push(',');
    }
    push_string(members, key);
    members.push(':');
    push_compact(members, raw);
}

/// Appends the JSON `raw` with the line breaks outside its strings (and the
/// indentation after them) taken out, so that a member kept from a
/// pretty-printed export fits on one line of JSON lines.
fn push_compact(out: &mut String, raw: &str) {
    if !raw.contains(['\n', '\r']) {
        out.push_str(raw);
        return;
    }
    let (mut in_string, mut escaped, mut after_break) = (false, false, false);
    for c in raw.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '\n' | '\r' => after_break = true,
            ' ' | '\t' if after_break => {}
            _ => {
                after_break = false;
                in_string = c == '"';
                out.push(c);
            }
        }
    }
}

/// Appends `s` as a JSON string.
pub(crate) fn push_string(out: &mut String, s: &str) {
    let plain = s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\');
    if plain {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(s).expect("a string serializes"));
    }
}

/// Writes `,` and the kept members `extra` (as
/// [`crate::Sentence::extra_json`] holds them), leaving out those named in
/// `written` (members the writer writes itself, which a reader of another
/// layout may have kept).
pub(crate) fn write_extra(
    out: &mut dyn Write,
    extra: Option<&str>,
    written: &[&str],
) -> Result<()> {
    let Some(extra) = extra.filter(|x| !x.trim().is_empty()) else {
        return Ok(());
    };
    let clash = written.iter().any(|k| extra.contains(&format!("\"{k}\"")));
    if !clash {
        out.write_all(b",")?;
        out.write_all(extra.as_bytes())?;
        return Ok(());
    }
    let wrapped = format!("{{{extra}}}");
    let Ok(members) = crate::format::spans::parse::members(wrapped.as_bytes(), "members") else {
        return Ok(());
    };
    for (k, v) in members.0.iter().filter(|(k, _)| !written.contains(&&**k)) {
        out.write_all(b",")?;
        write_string(out, k)?;
        out.write_all(b":")?;
        out.write_all(v.get().as_bytes())?;
    }
    Ok(())
}

/// Writes `s` as a JSON string.
pub(crate) fn write_string(out: &mut dyn Write, s: &str) -> Result<()> {
    serde_json::to_writer(out, s).map_err(std::io::Error::from)?;
    Ok(())
}

/// Turns byte offsets of a text into offsets in a unit, for offsets that
/// mostly come in increasing order (tokens, then entities in token order).
#[derive(Debug)]
pub(crate) struct UnitCursor<'a> {
    text: &'a str,
    unit: crate::OffsetUnit,
    ascii: bool,
    byte: usize,
    at: usize,
}

impl<'a> UnitCursor<'a> {
    /// A cursor over `text`, counting `unit`s.
    pub fn new(text: &'a str, unit: crate::OffsetUnit) -> UnitCursor<'a> {
        UnitCursor {
            text,
            unit,
            ascii: unit == crate::OffsetUnit::Bytes || text.is_ascii(),
            byte: 0,
            at: 0,
        }
    }

    /// The offset in units of byte `byte` (a char boundary).
    pub fn get(&mut self, byte: usize) -> usize {
        if self.ascii {
            return byte;
        }
        if byte < self.byte {
            self.byte = 0;
            self.at = 0;
        }
        self.at += self.unit.len_of(&self.text[self.byte..byte]);
        self.byte = byte;
        self.at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(input: &str) -> Result<Vec<(String, u64, u64)>> {
        values_of(input.as_bytes())
    }

    fn values_of(r: impl BufRead) -> Result<Vec<(String, u64, u64)>> {
        let mut v = Values::new(r);
        let mut out = Vec::new();
        let text = |b: &[u8], s: Start| (String::from_utf8_lossy(b).into_owned(), s.line, s.column);
        while let Some(value) = v.next_value(text)? {
            out.push(value);
        }
        Ok(out)
    }

    proptest::proptest! {
        /// Lines read in the reader's buffer (all of them when it holds
        /// the whole input) are the lines copied out of it (most of them
        /// when it holds a few bytes), with the same places.
        #[test]
        fn lines_in_the_buffer_are_the_lines_copied(
            lines in proptest::collection::vec(
                ("[ \t]{0,2}", "[{}a\" é\\\\]{0,6}", "[ \t]{0,2}", "\n|\r\n|"),
                0..8,
            ),
            capacity in 1usize..12,
        ) {
            let text: String = lines.iter().map(|(a, b, c, d)| format!("{a}{b}{c}{d}")).collect();
            // A first value of `[` would make an array of the input.
            let text = format!("{{}}\n{text}");
            let whole = values(&text).map_err(|e| e.to_string());
            let small = std::io::BufReader::with_capacity(capacity, text.as_bytes());
            let copied = values_of(small).map_err(|e| e.to_string());
            proptest::prop_assert_eq!(whole, copied);
        }
    }

    #[test]
    fn array_elements_with_places() {
        let got = values("\u{feff} [\n  {\"a\": \"x],{\\\"\"},\n  {\"b\": [1, {\"c\": 2}]}\n]\n")
            .unwrap();
        assert_eq!(
            got,
            [
                ("{\"a\": \"x],{\\\"\"}".to_string(), 2, 3),
                ("{\"b\": [1, {\"c\": 2}]}".to_string(), 3, 3)
            ]
        );
        assert_eq!(values("[]").unwrap(), []);
        assert_eq!(values("[ 3 , {}]").unwrap().len(), 2);
    }

    #[test]
    fn json_lines() {
        let got = values("{\"a\": 1}\r\n\n  {\"b\": 2}  \n").unwrap();
        assert_eq!(
            got,
            [
                ("{\"a\": 1}".to_string(), 1, 1),
                ("{\"b\": 2}".to_string(), 3, 3)
            ]
        );
    }

    #[test]
    fn array_errors_name_the_place() {
        let e = values("[{\"a\": 1}\n{\"b\": 2}]").unwrap_err();
        let p = e.position().unwrap();
        assert_eq!((p.line(), p.column()), (2, 1), "{e}");
        let e = values("[{\"a\": 1},\n").unwrap_err();
        assert!(e.to_string().contains("no closing"), "{e}");
        let e = values("[{\"a\": 1}] x").unwrap_err();
        assert!(e.to_string().contains("after the closing"), "{e}");
    }

    #[test]
    fn kept_members_fit_on_one_line() {
        let raw: &serde_json::value::RawValue =
            serde_json::from_str("{\n  \"a\": \"x \\\" y\",\n  \"b\": [1,\n    2]\n}").unwrap();
        let mut members = String::new();
        push_member(&mut members, "m\"", raw);
        assert_eq!(members, r#""m\"":{"a": "x \" y","b": [1,2]}"#);
    }

    #[test]
    fn elements_across_chunks() {
        // A reader that hands out one byte at a time.
        let text = "[{\"t\": \"a\\\\\"}, {\"u\": \"\\\"]\"}]";
        let r = std::io::BufReader::with_capacity(1, text.as_bytes());
        let got: Vec<String> = (values_of(r).unwrap().into_iter()).map(|v| v.0).collect();
        assert_eq!(got, ["{\"t\": \"a\\\\\"}", "{\"u\": \"\\\"]\"}"]);
    }
}
