//! Byte spans, token spans and source positions.
//!
//! Byte offsets and token indices are different types so that they can never
//! be mixed up: a [`Span`] slices text, a [`TokenSpan`] slices a token list.

use std::fmt;
use std::ops::{Index, Range};

/// A half-open range `start..end` of offsets into some text.
///
/// Offsets are bytes unless the producer documents otherwise (readers can
/// be asked for code points; see [`crate::OffsetUnit`]). `str` can be indexed
/// with a byte span: `&line[token.span]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    start: usize,
    end: usize,
}

impl Span {
    /// Creates a span.
    ///
    /// # Panics
    /// When `start > end`.
    #[inline]
    pub const fn new(start: usize, end: usize) -> Span {
        assert!(start <= end, "span start after end");
        Span { start, end }
    }

    /// The first offset in the span.
    #[inline]
    pub const fn start(self) -> usize {
        self.start
    }

    /// One past the last offset in the span.
    #[inline]
    pub const fn end(self) -> usize {
        self.end
    }

    /// `end - start`.
    #[inline]
    pub const fn len(self) -> usize {
        self.end - self.start
    }

    /// True when the span covers nothing.
    #[inline]
    pub const fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The span moved right by `by` offsets.
    #[inline]
    pub const fn offset(self, by: usize) -> Span {
        Span {
            start: self.start + by,
            end: self.end + by,
        }
    }

    /// The span as a `Range`, for slicing.
    #[inline]
    pub const fn range(self) -> Range<usize> {
        self.start..self.end
    }
}

impl Index<Span> for str {
    type Output = str;

    #[inline]
    fn index(&self, span: Span) -> &str {
        &self[span.start..span.end]
    }
}

impl Index<Span> for String {
    type Output = str;

    #[inline]
    fn index(&self, span: Span) -> &str {
        &self.as_str()[span.start..span.end]
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A half-open range of token indices within one sentence.
///
/// `TokenSpan::new(2, 4)` covers the third and fourth token. This is what
/// exact-match evaluation compares, together with the entity label.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TokenSpan {
    start: usize,
    end: usize,
}

impl TokenSpan {
    /// Creates a token span.
    ///
    /// # Panics
    /// When `start > end`.
    #[inline]
    pub const fn new(start: usize, end: usize) -> TokenSpan {
        assert!(start <= end, "token span start after end");
        TokenSpan { start, end }
    }

    /// Index of the first token.
    #[inline]
    pub const fn start(self) -> usize {
        self.start
    }

    /// One past the index of the last token.
    #[inline]
    pub const fn end(self) -> usize {
        self.end
    }

    /// Number of tokens covered.
    #[inline]
    pub const fn len(self) -> usize {
        self.end - self.start
    }

    /// True when no token is covered.
    #[inline]
    pub const fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The span as a `Range`, for slicing token lists.
    #[inline]
    pub const fn range(self) -> Range<usize> {
        self.start..self.end
    }
}

impl fmt::Display for TokenSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tokens {}..{}", self.start, self.end)
    }
}

/// A place in an input file, for messages.
///
/// `line` and `column` start at 1, `byte` (offset from the start of the
/// input) at 0. `column` counts `char`s, not bytes, so that editors land on
/// the right character in non-ASCII text. Readers track only the line and
/// byte on their fast path and compute the column when a message is built
/// (see [`Position::in_line`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    line: u64,
    column: u64,
    byte: u64,
}

impl Position {
    /// A position from its parts.
    pub const fn new(line: u64, column: u64, byte: u64) -> Position {
        Position { line, column, byte }
    }

    /// The position of byte `at` of `line_text`, which is line number `line`
    /// and starts at byte `line_start` of the input. The column counts the
    /// chars before `at`; an `at` that is not on a char boundary (invalid
    /// UTF-8 is reported this way) counts the whole chars before it.
    pub fn in_line(line: u64, line_start: u64, line_text: &[u8], at: usize) -> Position {
        let at = at.min(line_text.len());
        // A char starts at every byte that is not a UTF-8 continuation byte.
        let column = line_text[..at]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count() as u64
            + 1;
        Position {
            line,
            column,
            byte: line_start + at as u64,
        }
    }

    /// Line number, from 1.
    pub const fn line(self) -> u64 {
        self.line
    }

    /// Column in chars, from 1.
    pub const fn column(self) -> u64 {
        self.column
    }

    /// Byte offset from the start of the input, from 0.
    pub const fn byte(self) -> u64 {
        self.byte
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slicing_by_span() {
        let s = "Ryan C. Crocker";
        assert_eq!(&s[Span::new(5, 7)], "C.");
    }

    #[test]
    fn column_counts_chars() {
        let line = "Pakistan’s [PER";
        let at = line.find('[').unwrap();
        let p = Position::in_line(3, 100, line.as_bytes(), at);
        assert_eq!((p.line(), p.column(), p.byte()), (3, 12, 100 + at as u64));
    }

    #[test]
    #[should_panic]
    fn reversed_span_panics() {
        let _ = Span::new(3, 2);
    }
}
