//! Streaming line and column reading for evaluation inputs.
//!
//! Lines are read into one reused buffer; a trailing `\r` (CRLF files) and
//! a UTF-8 byte-order mark at the start of the input are removed. Fields
//! are separated by runs of spaces and tabs, or by a literal delimiter
//! string ([`Delimiter::Literal`]). A line that is empty or holds only
//! whitespace is a sentence boundary.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::error::{Error, ParseErrorKind, Result};
use crate::format::Delimiter;
use crate::span::Position;

/// The columns of a line that evaluation looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Row<'a> {
    /// Number of fields.
    pub count: usize,
    /// The first field.
    pub first: &'a str,
    /// The field before the last one (empty when there is only one).
    pub second_last: &'a str,
    /// The last field.
    pub last: &'a str,
}

#[inline]
fn is_ws(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Splits `line` and keeps the fields evaluation needs, without allocating.
#[inline]
pub(crate) fn split_row<'a>(line: &'a str, delimiter: &Delimiter) -> Row<'a> {
    let mut row = Row {
        count: 0,
        first: "",
        second_last: "",
        last: "",
    };
    match delimiter {
        Delimiter::Whitespace => {
            // Bytes, not chars: space and tab are ASCII, so every field
            // boundary is a char boundary.
            let b = line.as_bytes();
            let mut i = 0;
            while i < b.len() {
                while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
                    i += 1;
                }
                if i == b.len() {
                    break;
                }
                let start = i;
                while i < b.len() && b[i] != b' ' && b[i] != b'\t' {
                    i += 1;
                }
                let f = &line[start..i];
                if row.count == 0 {
                    row.first = f;
                }
                row.second_last = row.last;
                row.last = f;
                row.count += 1;
            }
        }
        Delimiter::Literal(d) => {
            // Perl's split drops trailing empty fields: the row ends at
            // the last non-empty field.
            let mut prev = "";
            for (k, f) in line.split(d.as_str()).enumerate() {
                if k == 0 {
                    row.first = f;
                }
                if !f.is_empty() {
                    row.count = k + 1;
                    row.second_last = if k == 0 { "" } else { prev };
                    row.last = f;
                }
                prev = f;
            }
        }
    }
    row
}

/// Fields of a line found by [`fast_row`], as byte ranges of the text.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FastRow {
    /// Number of fields.
    pub count: usize,
    /// The first field.
    pub first: (usize, usize),
    /// The field before the last one.
    pub second_last: (usize, usize),
    /// The last field.
    pub last: (usize, usize),
}

impl FastRow {
    /// The fields as slices of `text`, the text scanned.
    #[inline]
    pub fn row<'a>(&self, text: &'a str) -> Row<'a> {
        Row {
            count: self.count,
            first: &text[self.first.0..self.first.1],
            second_last: &text[self.second_last.0..self.second_last.1],
            last: &text[self.last.0..self.last.1],
        }
    }

    /// True when the first field, in `text`, is `word`.
    #[inline]
    pub fn first_is(&self, text: &str, word: &[u8]) -> bool {
        self.first.1 - self.first.0 == word.len()
            && &text.as_bytes()[self.first.0..self.first.1] == word
    }
}

/// Splits the line of `text` starting at byte `from` at runs of spaces and
/// tabs, in one pass over its bytes: the fields and the offset of the next
/// line. `None` when the line has no line end in `text` or holds a control
/// character other than a tab or a `\r` right before the line end (no
/// BOM is looked for): such lines are left to [`Lines::advance`] and
/// [`split_row`], which read every line. Otherwise the fields are those of
/// `split_row` with [`Delimiter::Whitespace`] on the line as `Lines` gives
/// it, and a line without fields is [`is_blank`].
#[inline]
pub(crate) fn fast_row(text: &str, from: usize) -> Option<(FastRow, usize)> {
    // Eight bytes at a time: a mask of the bytes up to a space (the
    // separators, line ends and other control characters) and a look at
    // each of those; field bytes are passed over a word at a time.
    let b = text.as_bytes();
    let mut row = FastRow {
        count: 0,
        first: (0, 0),
        second_last: (0, 0),
        last: (0, 0),
    };
    // Where the current field (if any) starts.
    let mut fs = from;
    let mut i = from;
    while let Some(word) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        // The high bit of each byte <= 0x20: separators, line ends and
        // other control characters.
        let mut m = crate::swar::lt_bytes(w, 0x21);
        while m != 0 {
            let bit = m.trailing_zeros();
            let p = i + (bit / 8) as usize;
            let c = (w >> (bit & !7)) as u8;
            let end = match c {
                b' ' | b'\t' => None,
                b'\n' => Some(p + 1),
                b'\r' if b.get(p + 1) == Some(&b'\n') => Some(p + 2),
                _ => return None,
            };
            if p > fs {
                if row.count == 0 {
                    row.first = (fs, p);
                }
                row.second_last = row.last;
                row.last = (fs, p);
                row.count += 1;
            }
            if let Some(next) = end {
                return Some((row, next));
            }
            fs = p + 1;
            m &= m - 1;
        }
        i += 8;
    }
    fast_row_bytes(text, from)
}

/// [`fast_row`] a byte at a time, for the end of the text.
fn fast_row_bytes(text: &str, from: usize) -> Option<(FastRow, usize)> {
    let b = text.as_bytes();
    let mut i = from;
    let mut row = FastRow {
        count: 0,
        first: (0, 0),
        second_last: (0, 0),
        last: (0, 0),
    };
    loop {
        let c = *b.get(i)?;
        if c > b' ' {
            let start = i;
            i += 1;
            while i < b.len() && b[i] > b' ' {
                i += 1;
            }
            if row.count == 0 {
                row.first = (start, i);
            }
            row.second_last = row.last;
            row.last = (start, i);
            row.count += 1;
        } else if c == b' ' || c == b'\t' {
            i += 1;
        } else if c == b'\n' {
            return Some((row, i + 1));
        } else if c == b'\r' && b.get(i + 1) == Some(&b'\n') {
            return Some((row, i + 2));
        } else {
            return None;
        }
    }
}

/// Byte offsets of every field of `line` (for messages only).
pub(crate) fn field_offsets(line: &str, delimiter: &Delimiter) -> Vec<usize> {
    let mut out = Vec::new();
    match delimiter {
        Delimiter::Whitespace => {
            let mut in_field = false;
            for (i, c) in line.char_indices() {
                if is_ws(c) {
                    in_field = false;
                } else if !in_field {
                    in_field = true;
                    out.push(i);
                }
            }
        }
        Delimiter::Literal(d) => {
            let mut at = 0;
            let mut last_nonempty = 0;
            for (k, f) in line.split(d.as_str()).enumerate() {
                out.push(at);
                if !f.is_empty() {
                    last_nonempty = k + 1;
                }
                at += f.len() + d.len();
            }
            out.truncate(last_nonempty);
        }
    }
    out
}

/// True when a line is a sentence boundary (empty or only whitespace).
#[inline]
pub(crate) fn is_blank(line: &str) -> bool {
    line.bytes()
        .all(|b| b == b' ' || b == b'\t' || b == b'\r' || b == b'\n')
}

/// Reads lines in blocks, tracking line numbers and offsets.
///
/// Scoring touches every line of files with millions of short lines, so
/// lines are not read one `read_until` at a time: blocks of complete lines
/// are checked as UTF-8 in one call and kept as text, and each line is a
/// slice of that text found with a SIMD `memchr`.
pub(crate) struct Lines<R> {
    inner: R,
    /// Complete lines, checked UTF-8; lines before `pos` are done.
    text: String,
    pos: usize,
    /// Bytes read but not yet in `text`: an unfinished last line, or, when
    /// `bad` is set, a line that is not UTF-8.
    raw: Vec<u8>,
    bad: bool,
    eof: bool,
    /// The current line: its number, the offset of its first byte in the
    /// input, and its content (without line end and BOM) in `text`.
    line: u64,
    start: u64,
    next_start: u64,
    content: (usize, usize),
    /// The whole current line in `text`, BOM included, for positions.
    whole: (usize, usize),
}

impl<R: BufRead> Lines<R> {
    pub(crate) fn new(inner: R) -> Lines<R> {
        Lines {
            inner,
            text: String::new(),
            pos: 0,
            raw: Vec::new(),
            bad: false,
            eof: false,
            line: 0,
            start: 0,
            next_start: 0,
            content: (0, 0),
            whole: (0, 0),
        }
    }

    /// Reads the next line; `Ok(false)` at the end of the input.
    pub(crate) fn advance(&mut self) -> Result<bool> {
        let (from, to) = loop {
            let rest = &self.text.as_bytes()[self.pos..];
            if let Some(nl) = memchr::memchr(b'\n', rest) {
                break (self.pos, self.pos + nl + 1);
            }
            if self.bad {
                // The next line is the one that is not UTF-8.
                let end = memchr::memchr(b'\n', &self.raw).map_or(self.raw.len(), |i| i + 1);
                let (content, bom) = crate::lines::content(&self.raw[..end], self.next_start == 0);
                let err = std::str::from_utf8(content).expect_err("a line that is not UTF-8");
                return Err(crate::lines::utf8_error(
                    content,
                    self.line + 1,
                    self.next_start + bom,
                    err.valid_up_to(),
                ));
            }
            if self.eof {
                if self.pos < self.text.len() {
                    break (self.pos, self.text.len());
                }
                return Ok(false);
            }
            self.refill()?;
        };
        self.pos = to;
        self.line += 1;
        self.start = self.next_start;
        self.next_start += (to - from) as u64;
        let (content, bom) =
            crate::lines::content(&self.text.as_bytes()[from..to], self.start == 0);
        crate::lines::refuse_lone_cr(content, self.line, self.start + bom)?;
        let begin = from + bom as usize;
        self.content = (begin, begin + content.len());
        self.whole = (from, to);
        Ok(true)
    }

    /// Moves more of the input into `text`, up to the last line end read.
    fn refill(&mut self) -> Result<()> {
        self.text.drain(..self.pos);
        self.pos = 0;
        let chunk = loop {
            match self.inner.fill_buf() {
                Ok(chunk) => break chunk,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        };
        let n = chunk.len();
        if self.raw.is_empty() && n > 0 {
            // The common case: the lines of the reader's buffer go to
            // `text` in one copy, and only an unfinished last line waits
            // in `raw`.
            let cut = memchr::memrchr(b'\n', chunk).map_or(0, |i| i + 1);
            if let Ok(s) = std::str::from_utf8(&chunk[..cut]) {
                self.text.push_str(s);
                self.raw.extend_from_slice(&chunk[cut..]);
                self.inner.consume(n);
                return Ok(());
            }
        }
        // `raw` holds no line end before the bytes read now (a line end
        // would have been cut off), so only they are searched: a line of
        // gigabytes read 64 KiB at a time is scanned once, not once a read.
        let searched = if self.bad { 0 } else { self.raw.len() };
        self.raw.extend_from_slice(chunk);
        self.inner.consume(n);
        if n == 0 {
            self.eof = true;
        }
        let cut = if self.eof {
            self.raw.len()
        } else {
            memchr::memrchr(b'\n', &self.raw[searched..]).map_or(0, |i| searched + i + 1)
        };
        let ok = match std::str::from_utf8(&self.raw[..cut]) {
            Ok(s) => {
                self.text.push_str(s);
                cut
            }
            Err(e) => {
                // Keep the lines before the bad one; the bad one is
                // reported when it is reached, with its line number.
                let line_start =
                    memchr::memrchr(b'\n', &self.raw[..e.valid_up_to()]).map_or(0, |i| i + 1);
                let good = std::str::from_utf8(&self.raw[..line_start]).expect("checked");
                self.text.push_str(good);
                self.bad = true;
                line_start
            }
        };
        self.raw.drain(..ok);
        Ok(())
    }

    /// The text read so far and where the lines after the current one
    /// start in it, for scanning many lines without [`Lines::advance`]
    /// (see [`fast_row`]); `None` at the start of the input, where a
    /// byte-order mark may be. The text after that offset is checked UTF-8;
    /// only its last line may lack a line end. Lines scanned this way are
    /// passed with [`Lines::skip`].
    #[inline]
    pub(crate) fn pending(&self) -> Option<(&str, usize)> {
        (self.next_start != 0).then_some((self.text.as_str(), self.pos))
    }

    /// Makes the next line of [`Lines::pending`], of `bytes` bytes with its
    /// line end, the current one: [`Lines::advance`] for a line already
    /// found.
    #[inline]
    pub(crate) fn take(&mut self, bytes: usize) {
        let (from, to) = (self.pos, self.pos + bytes);
        let b = self.text.as_bytes();
        let mut end = to;
        if end > from && b[end - 1] == b'\n' {
            end -= 1;
            if end > from && b[end - 1] == b'\r' {
                end -= 1;
            }
        }
        self.pos = to;
        self.line += 1;
        self.start = self.next_start;
        self.next_start += bytes as u64;
        self.content = (from, end);
        self.whole = (from, to);
    }

    /// The text of [`Lines::pending`] (still valid after [`Lines::skip`],
    /// until the next [`Lines::advance`]).
    #[inline]
    pub(crate) fn block(&self) -> &str {
        &self.text
    }

    /// Passes `lines` complete lines, `bytes` bytes in all, of
    /// [`Lines::pending`]. The current line is then undefined until the
    /// next [`Lines::advance`]; [`Lines::number`] counts the lines passed.
    #[inline]
    pub(crate) fn skip(&mut self, lines: u64, bytes: usize) {
        self.pos += bytes;
        self.line += lines;
        self.next_start += bytes as u64;
    }

    /// The current line without its line end (and BOM).
    #[inline]
    pub(crate) fn text(&self) -> &str {
        &self.text[self.content.0..self.content.1]
    }

    /// The current line number (from 1; 0 before the first line).
    #[inline]
    pub(crate) fn number(&self) -> u64 {
        self.line
    }

    /// The position of byte `at` of the current line text.
    pub(crate) fn position(&self, at: usize) -> Position {
        let skip = self.content.0 - self.whole.0;
        Position::in_line(
            self.line,
            self.start,
            &self.text.as_bytes()[self.whole.0..self.content.1],
            skip + at,
        )
    }
}

/// One step of a [`TagSource`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// A token with its tag. `text` is `None` when the input has no token
    /// column (a file of tags only).
    Token {
        /// The token text, when the input has one.
        text: Option<&'a str>,
        /// The tag as written.
        tag: &'a str,
        /// The line the token is on (from 1).
        line: u64,
    },
    /// The end of a sentence (a blank line, or the end of the input after
    /// a last sentence with no blank line after it).
    SentenceEnd {
        /// The line of the boundary.
        line: u64,
    },
    /// The end of the input.
    End {
        /// The number of lines read.
        line: u64,
    },
}

/// A stream of tokens and tags, sentence by sentence: what two-file
/// evaluation reads from each side. Implement it to score another input
/// format (bracket files, JSON lines) without loading it whole.
pub trait TagSource {
    /// Reads the next item. Runs of blank lines give one
    /// [`Item::SentenceEnd`]; a sentence is never empty.
    ///
    /// # Errors
    /// I/O errors and malformed input, with the source's path.
    fn next_item(&mut self) -> Result<Item<'_>>;

    /// The path to name in messages.
    fn path(&self) -> &Path;

    /// The position of the tag of the current token, for messages.
    fn tag_position(&self) -> Position;

    /// How many documents have started so far (`-DOCSTART-` lines, or the
    /// document starts of a reader's sentences); counted when the first
    /// token after the start is read. 0 for a source that knows no
    /// documents (the default).
    fn documents(&self) -> u64 {
        0
    }
}

impl<T: TagSource + ?Sized> TagSource for Box<T> {
    fn next_item(&mut self) -> Result<Item<'_>> {
        (**self).next_item()
    }

    fn path(&self) -> &Path {
        (**self).path()
    }

    fn tag_position(&self) -> Position {
        (**self).tag_position()
    }

    fn documents(&self) -> u64 {
        (**self).documents()
    }
}

/// A [`TagSource`] over a CoNLL-like column file: one token per line, the
/// first column the token, the last column (or
/// [`ColumnSource::tag_column`]) its tag, blank lines between sentences.
/// A last column of numbers after a tag (`EU B-ORG 0.98`, a tagger's
/// probability) is passed over, and the tag is the column before it. A
/// file with one column is read as tags only. Every non-blank line must
/// have the same number of columns, except `-DOCSTART-` lines, which end a
/// sentence and are no token (as `convert` reads them), and, with
/// [`ColumnSource::comments`], lines starting with `#`.
pub struct ColumnSource<R> {
    lines: Lines<R>,
    path: PathBuf,
    delimiter: Delimiter,
    /// The column of the tag, from 1; `None` for the last.
    tag_column: Option<usize>,
    comments: bool,
    columns: Option<(usize, u64)>,
    in_sentence: bool,
    done: bool,
    documents: u64,
}

impl<R: BufRead> ColumnSource<R> {
    /// A source reading `reader`, named `path` in messages.
    pub fn new(reader: R, path: impl AsRef<Path>, delimiter: Delimiter) -> ColumnSource<R> {
        ColumnSource {
            lines: Lines::new(reader),
            path: path.as_ref().to_path_buf(),
            delimiter,
            tag_column: None,
            comments: false,
            columns: None,
            in_sentence: false,
            done: false,
            documents: 0,
        }
    }

    /// Takes the tag from column `column` (from 1) instead of the last.
    pub fn tag_column(mut self, column: usize) -> ColumnSource<R> {
        self.tag_column = Some(column);
        self
    }

    /// Skips lines starting with `#` (CoNLL-U comments).
    pub fn comments(mut self, yes: bool) -> ColumnSource<R> {
        self.comments = yes;
        self
    }

    /// True for a line that is not a token: a document line, or a comment
    /// when comments are skipped.
    fn is_skipped(&self, line: &str) -> bool {
        crate::conll::is_docstart(line) || (self.comments && line.trim_start().starts_with('#'))
    }

    /// The tag of `line`, whose fields are `row`.
    fn tag_of<'l>(&self, line: &'l str, row: &Row<'l>) -> Result<&'l str> {
        let Some(k) = self.tag_column else {
            return Ok(last_tag(row));
        };
        nth_field(line, &self.delimiter, k - 1).ok_or_else(|| {
            Error::parse(
                self.lines.position(line.len()),
                ParseErrorKind::Other(format!(
                    "no column {k} (the tag column) on this line of {} columns",
                    row.count
                )),
            )
            .with_path(&self.path)
        })
    }
}

/// The tag of a row without a named tag column: the last field, or the
/// one before it when the last is a number after a tag (`EU B-ORG 0.98`,
/// a tagger's probability), as the CoNLL reader reads it.
#[inline]
fn last_tag<'l>(row: &Row<'l>) -> &'l str {
    let scored = row.count >= 3
        && row
            .last
            .as_bytes()
            .first()
            .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+'))
        && row.last.parse::<f64>().is_ok()
        && row.second_last.parse::<f64>().is_err()
        && crate::scheme::tag_style_of(row.second_last).is_some();
    if scored {
        row.second_last
    } else {
        row.last
    }
}

/// Field `k` (from 0) of `line`.
fn nth_field<'l>(line: &'l str, delimiter: &Delimiter, k: usize) -> Option<&'l str> {
    match delimiter {
        Delimiter::Whitespace => line.split([' ', '\t']).filter(|f| !f.is_empty()).nth(k),
        Delimiter::Literal(d) => line.split(d.as_str()).nth(k),
    }
}

/// Checks that a row has the same number of fields as the first row.
pub(crate) fn check_columns<R: BufRead>(
    lines: &Lines<R>,
    row: &Row<'_>,
    delimiter: &Delimiter,
    columns: &mut Option<(usize, u64)>,
) -> Result<()> {
    match *columns {
        None => {
            *columns = Some((row.count, lines.number()));
            Ok(())
        }
        Some((n, _)) if n == row.count => Ok(()),
        Some((n, first)) => {
            let text = lines.text();
            let at = if row.count > n {
                field_offsets(text, delimiter)[n]
            } else {
                text.trim_end_matches(is_ws).len()
            };
            Err(Error::parse(
                lines.position(at),
                ParseErrorKind::Other(format!(
                    "expected {n} columns as on line {first}, found {} \
                     (conlleval.pl: \"unexpected number of features\")",
                    row.count
                )),
            ))
        }
    }
}

impl<R: BufRead> TagSource for ColumnSource<R> {
    fn next_item(&mut self) -> Result<Item<'_>> {
        // The common line, without the bookkeeping of `Lines::advance`.
        let plain = self.tag_column.is_none() && !self.comments;
        if let (Delimiter::Whitespace, Some((n, _)), true) = (&self.delimiter, self.columns, plain)
        {
            while let Some((text, from)) = self.lines.pending() {
                let Some((row, next)) = fast_row(text, from) else {
                    break;
                };
                if row.count == 0 {
                    self.lines.take(next - from);
                    if std::mem::take(&mut self.in_sentence) {
                        return Ok(Item::SentenceEnd {
                            line: self.lines.number(),
                        });
                    }
                    continue;
                }
                if row.count != n || row.first_is(text, b"-DOCSTART-") {
                    break;
                }
                self.lines.take(next - from);
                self.in_sentence = true;
                let row = row.row(self.lines.block());
                return Ok(Item::Token {
                    text: (row.count > 1).then_some(row.first),
                    tag: last_tag(&row),
                    line: self.lines.number(),
                });
            }
        }
        loop {
            if self.done {
                return Ok(Item::End {
                    line: self.lines.number(),
                });
            }
            if !self.lines.advance().map_err(|e| e.with_path(&self.path))? {
                self.done = true;
                if std::mem::take(&mut self.in_sentence) {
                    return Ok(Item::SentenceEnd {
                        line: self.lines.number() + 1,
                    });
                }
                continue;
            }
            let text = self.lines.text();
            if is_blank(text) {
                if std::mem::take(&mut self.in_sentence) {
                    return Ok(Item::SentenceEnd {
                        line: self.lines.number(),
                    });
                }
                continue;
            }
            if self.is_skipped(text) {
                // A document line ends the sentence before it, as a blank
                // line does; a comment is passed over.
                if crate::conll::is_docstart(text) {
                    self.documents += 1;
                    if std::mem::take(&mut self.in_sentence) {
                        return Ok(Item::SentenceEnd {
                            line: self.lines.number(),
                        });
                    }
                }
                continue;
            }
            let row = split_row(text, &self.delimiter);
            if row.count == 0 {
                continue;
            }
            check_columns(&self.lines, &row, &self.delimiter, &mut self.columns)
                .map_err(|e| e.with_path(&self.path))?;
            self.in_sentence = true;
            break;
        }
        // Split again outside the loop: returning a borrow of the line
        // buffer from inside it is beyond the borrow checker.
        let text = self.lines.text();
        let row = split_row(text, &self.delimiter);
        let tag = self.tag_of(text, &row)?;
        Ok(Item::Token {
            text: (row.count > 1).then_some(row.first),
            tag,
            line: self.lines.number(),
        })
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn tag_position(&self) -> Position {
        let text = self.lines.text();
        let at = field_offsets(text, &self.delimiter)
            .last()
            .copied()
            .unwrap_or(0);
        self.lines.position(at)
    }

    fn documents(&self) -> u64 {
        self.documents
    }
}

/// A [`TagSource`] over any reader of sentences (bracket files, JSON lines,
/// span files): each sentence's entities are written as IOB2 tags, which
/// every scoring mode reads the same way as the entities themselves.
pub struct SentenceSource<S> {
    reader: S,
    path: PathBuf,
    sentence: crate::sentence::Sentence,
    /// The tags of the current sentence, one after another, and where each
    /// ends.
    tags: String,
    tag_ends: Vec<usize>,
    next: usize,
    pending_end: bool,
    done: bool,
    documents: u64,
    /// Told of each repair of a lenient reader.
    on_repair: Box<dyn FnMut(&crate::Repair)>,
}

impl<S: crate::convert::SentenceReader> SentenceSource<S> {
    /// Tells `f` of each repair the reader makes (with lenient reading);
    /// by default they are not reported.
    pub fn on_repair(mut self, f: impl FnMut(&crate::Repair) + 'static) -> SentenceSource<S> {
        self.on_repair = Box::new(f);
        self
    }

    /// A source reading sentences from `reader`, named `path` in messages.
    pub fn new(reader: S, path: impl AsRef<Path>) -> SentenceSource<S> {
        SentenceSource {
            reader,
            path: path.as_ref().to_path_buf(),
            sentence: crate::sentence::Sentence::new(),
            tags: String::new(),
            tag_ends: Vec::new(),
            next: 0,
            pending_end: false,
            done: false,
            documents: 0,
            on_repair: Box::new(|_| {}),
        }
    }

    fn load(&mut self) -> Result<bool> {
        loop {
            let more = self
                .reader
                .read_sentence(&mut self.sentence)
                .map_err(|e| e.with_path(&self.path))?;
            // Repairs were asked for (lenient reading).
            let on_repair = &mut self.on_repair;
            self.reader.drain_repairs(&mut |r| on_repair(&r));
            if !more {
                return Ok(false);
            }
            if self.sentence.is_document_start() {
                self.documents += 1;
            }
            if self.sentence.is_empty() {
                continue;
            }
            let entities: Vec<_> = self.sentence.entities().collect();
            let mut tags = Vec::with_capacity(self.sentence.len());
            crate::scheme::encode(
                crate::scheme::TagScheme::Iob2,
                self.sentence.len(),
                &entities,
                &mut tags,
            )
            .map_err(|e| Error::msg(e.reason).with_path(&self.path))?;
            self.tags.clear();
            self.tag_ends.clear();
            for tag in &tags {
                use std::fmt::Write;
                let _ = write!(self.tags, "{tag}");
                self.tag_ends.push(self.tags.len());
            }
            self.next = 0;
            return Ok(true);
        }
    }
}

impl<S: crate::convert::SentenceReader> TagSource for SentenceSource<S> {
    fn next_item(&mut self) -> Result<Item<'_>> {
        let line = self.sentence.line();
        if self.done {
            return Ok(Item::End { line });
        }
        if self.next >= self.tag_ends.len() {
            if self.pending_end {
                self.pending_end = false;
                return Ok(Item::SentenceEnd { line });
            }
            if !self.load()? {
                self.done = true;
                return Ok(Item::End { line });
            }
        }
        let i = self.next;
        self.next += 1;
        self.pending_end = self.next == self.tag_ends.len();
        let start = if i == 0 { 0 } else { self.tag_ends[i - 1] };
        Ok(Item::Token {
            text: Some(self.sentence.token(i).text),
            tag: &self.tags[start..self.tag_ends[i]],
            line: self.sentence.line(),
        })
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn tag_position(&self) -> Position {
        Position::new(self.sentence.line(), 1, 0)
    }

    fn documents(&self) -> u64 {
        self.documents
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_rows() {
        let r = split_row("  a \t B-PER  I-PER ", &Delimiter::Whitespace);
        assert_eq!(
            (r.count, r.first, r.second_last, r.last),
            (3, "a", "B-PER", "I-PER")
        );
    }

    #[test]
    fn literal_rows_drop_trailing_empty_fields() {
        let d = Delimiter::Literal(" ".into());
        let r = split_row(" a B O  ", &d);
        assert_eq!((r.count, r.first, r.second_last, r.last), (4, "", "B", "O"));
        assert_eq!(field_offsets(" a B O  ", &d), vec![0, 1, 3, 5]);
    }

    /// Lines are read in blocks: lines that straddle blocks, a last line
    /// without a line end, and a bad byte far into the input keep their
    /// numbers and offsets.
    #[test]
    fn lines_across_blocks() {
        let mut input = Vec::new();
        let mut expected = Vec::new();
        for i in 0..20_000 {
            let line = format!("token{i} B-PER I-{}", "X".repeat(i % 7));
            input.extend_from_slice(line.as_bytes());
            input.extend_from_slice(if i % 3 == 0 { b"\r\n" } else { b"\n" });
            expected.push(line);
        }
        input.extend_from_slice(b"last O O");
        expected.push("last O O".to_string());
        let mut l = Lines::new(&input[..]);
        for (i, want) in expected.iter().enumerate() {
            assert!(l.advance().unwrap());
            assert_eq!(l.text(), want);
            assert_eq!(l.number(), i as u64 + 1);
        }
        assert!(!l.advance().unwrap());

        let at = input.len() - 300;
        let line = input[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        input[at] = 0xff;
        let mut l = Lines::new(&input[..]);
        let err = loop {
            match l.advance() {
                Ok(true) => {}
                Ok(false) => panic!("the bad byte went unnoticed"),
                Err(e) => break e,
            }
        };
        let pos = err.position().unwrap();
        assert_eq!((pos.line(), pos.byte()), (line, at as u64));
        assert_eq!(l.number(), line - 1);
    }

    #[test]
    fn crlf_and_bom() {
        let mut l = Lines::new(&b"\xEF\xBB\xBFa O O\r\nb O O"[..]);
        assert!(l.advance().unwrap());
        assert_eq!(l.text(), "a O O");
        assert!(l.advance().unwrap());
        assert_eq!(l.text(), "b O O");
        assert!(!l.advance().unwrap());
    }

    #[test]
    fn column_source_items() {
        let mut s = ColumnSource::new(&b"\n\na B-X\nb O\n\n\nc O"[..], "t", Delimiter::Whitespace);
        let mut got = Vec::new();
        loop {
            let it = s.next_item().unwrap();
            let end = matches!(it, Item::End { .. });
            got.push(format!("{it:?}"));
            if end {
                break;
            }
        }
        assert_eq!(got.len(), 6, "{got:?}");
        assert!(got[2].starts_with("SentenceEnd"));
        assert!(got[4].starts_with("SentenceEnd"));
    }
}
