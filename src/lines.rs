//! What every line-based reader does to a line: take off the line end and
//! a byte-order mark, and check that the rest is UTF-8.

use crate::error::{Error, ParseErrorKind};
use crate::span::Position;

/// The content of a line as `read_until(b'\n')` returns it, without its
/// line end (LF or CRLF) and, when `at_input_start`, without a UTF-8
/// byte-order mark; with the number of bytes taken off its start (3 for a
/// byte-order mark, else 0), so that offsets still count the file's bytes.
#[inline]
pub(crate) fn content(raw: &[u8], at_input_start: bool) -> (&[u8], u64) {
    let mut content = raw.strip_suffix(b"\n").unwrap_or(raw);
    content = content.strip_suffix(b"\r").unwrap_or(content);
    if at_input_start {
        if let Some(rest) = content.strip_prefix("\u{feff}".as_bytes()) {
            return (rest, 3);
        }
    }
    (content, 0)
}

/// An error at the first carriage return in `content` (a line's content,
/// its line end taken off), which can only be a lone one: a CR-only line
/// end, whose lines must not run together as one.
#[inline]
pub(crate) fn refuse_lone_cr(content: &[u8], line: u64, start: u64) -> Result<(), Error> {
    match memchr::memchr(b'\r', content) {
        None => Ok(()),
        Some(at) => Err(lone_cr_error(content, line, start, at)),
    }
}

#[cold]
fn lone_cr_error(content: &[u8], line: u64, start: u64, at: usize) -> Error {
    Error::parse(
        Position::in_line(line, start, content, at),
        ParseErrorKind::LoneCarriageReturn,
    )
}

/// `content` as text, or the error that names line `line` (whose content
/// starts at byte `start` of the input), the column and byte offset of the
/// first bad byte, and says UTF-8.
#[inline]
pub(crate) fn utf8(content: &[u8], line: u64, start: u64) -> Result<&str, Error> {
    std::str::from_utf8(content).map_err(|e| utf8_error(content, line, start, e.valid_up_to()))
}

/// The error for the invalid byte at `at` of `content`.
#[cold]
pub(crate) fn utf8_error(content: &[u8], line: u64, start: u64, at: usize) -> Error {
    let pos = Position::in_line(line, start, content, at);
    Error::parse(
        pos,
        ParseErrorKind::InvalidUtf8 {
            byte: pos.byte(),
            value: content.get(at).copied().unwrap_or(0),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_off_line_ends_and_the_byte_order_mark() {
        assert_eq!(content(b"\xEF\xBB\xBFab\r\n", true), (&b"ab"[..], 3));
        assert_eq!(
            content(b"\xEF\xBB\xBFab\n", false),
            (&b"\xEF\xBB\xBFab"[..], 0)
        );
        assert_eq!(content(b"ab", true), (&b"ab"[..], 0));
        assert_eq!(content(b"a\r", false), (&b"a"[..], 0));
    }

    #[test]
    fn refuses_a_lone_carriage_return() {
        assert!(refuse_lone_cr(b"a\tb", 1, 0).is_ok());
        let e = refuse_lone_cr(b"EU\tB-ORG\rx\tO", 3, 10).unwrap_err();
        assert!(
            e.to_string().starts_with("3:9: a carriage return (CR)"),
            "{e}"
        );
    }

    #[test]
    fn names_the_bad_byte() {
        let e = utf8(b"ab\xffc", 7, 100).unwrap_err();
        assert_eq!(
            e.to_string(),
            "7:3: invalid UTF-8 at byte 102 of the input (byte 0xff); the input must be UTF-8"
        );
    }
}
