//! The hand scan of JSON that the fast routes of the JSON readers share
//! (JSON lines records in `jsonl::fields`, spans and doccano documents):
//! whitespace, keys without escapes, strings decoded straight into reused
//! buffers or found where they are, unsigned integers, and other values
//! checked and skipped or kept as written. The readers keep only what is
//! particular to their record layouts.
//!
//! Every method returns `None` on anything it does not read exactly as
//! serde_json would (a value serde_json refuses, an escaped key, a number
//! that is not a plain unsigned integer where one is wanted, a lone
//! surrogate, nesting deeper than [`MAX_DEPTH`], ...): the scan decides
//! nothing on its own, and the caller then parses the value again by the
//! general route, which words every error.

use crate::span::Span;

/// Nesting the scan follows inside members it skips; deeper values go to
/// serde_json, which has its own limit (128) and error.
pub(crate) const MAX_DEPTH: u32 = 64;

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
/// plain string content, or `b.len()`: sixteen bytes at a time with SSE2
/// (part of the x86_64 baseline), then eight at a time, then one by one.
#[inline]
pub(crate) fn plain_run_end(b: &[u8], mut i: usize) -> usize {
    use crate::swar::{eq_bytes, lt_bytes};
    #[cfg(target_arch = "x86_64")]
    while i + 16 <= b.len() {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8,
            _mm_or_si128, _mm_set1_epi8,
        };
        // SAFETY: SSE2 is part of the x86_64 baseline, and the sixteen
        // bytes loaded (unaligned) from `i` are in `b`.
        let special = unsafe {
            let v = _mm_loadu_si128(b.as_ptr().add(i).cast::<__m128i>());
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            // A byte below 0x20 is its own unsigned minimum with 0x1F.
            let control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
            _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)) as u32
        };
        if special != 0 {
            return i + special.trailing_zeros() as usize;
        }
        i += 16;
    }
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

/// The digits of `b` from `i` on as a number, and where they end: the
/// integer part of [`Scan::uint`] (`DIGITS` 20) or [`Scan::short_uint`]
/// (19), for callers that read a layout's common shape straight from the
/// bytes. `None` for no digit, more than `DIGITS`, a leading zero or a
/// number above `u64::MAX`; what follows the digits is not looked at.
#[inline(always)]
pub(crate) fn digits_at<const DIGITS: usize>(b: &[u8], i: usize) -> Option<(u64, usize)> {
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
    if n == 0 || n > DIGITS || (n > 1 && b[i] == b'0') {
        return None;
    }
    // Nineteen digits cannot wrap; twenty fit a `u64` (and so did not
    // wrap) up to its largest value, which has twenty digits too.
    if n == 20 && &b[i..j] > b"18446744073709551615".as_slice() {
        return None;
    }
    Some((v, j))
}

/// A place in a JSON value being scanned.
pub(crate) struct Scan<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    /// A scan of `s` from its start.
    pub fn new(s: &'a str) -> Scan<'a> {
        Scan {
            s,
            b: s.as_bytes(),
            i: 0,
        }
    }

    /// An object filling the whole of the scanned text (whitespace around
    /// it allowed): `member` reads each member's value, given its key, and
    /// stops at the value's end.
    pub fn whole_object(
        &mut self,
        mut member: impl FnMut(&[u8], &mut Self) -> Option<()>,
    ) -> Option<()> {
        self.ws();
        self.object(&mut member)?;
        self.ws();
        (self.i == self.b.len()).then_some(())
    }

    /// Skips JSON whitespace (space, tab, line feed, carriage return).
    #[inline]
    pub fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte, not read.
    #[inline]
    pub fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// The next byte, read.
    #[inline]
    pub fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    /// The byte `want`, if it comes next (and then read).
    #[inline]
    pub fn eat(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    /// The byte `want` (a `,` or `:`), whitespace before and after it
    /// skipped.
    #[inline(always)]
    pub fn separator(&mut self, want: u8) -> Option<()> {
        self.ws();
        self.eat(want)?;
        self.ws();
        Some(())
    }

    /// `null`, if it comes next (and then read).
    pub fn null(&mut self) -> bool {
        self.word(b"null").is_some()
    }

    /// An array, each item read by `item` (which stops at the item's
    /// end): `[`, items separated by commas, `]`, whitespace anywhere.
    #[inline]
    pub fn array(&mut self, item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        self.items(b']', item)
    }

    /// An object, each member's value read by `member` given its key: `{`,
    /// members separated by commas, `}`, whitespace anywhere.
    #[inline]
    pub fn object(&mut self, mut member: impl FnMut(&[u8], &mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        self.items(b'}', |c| {
            let key = c.key()?;
            c.separator(b':')?;
            member(key, c)
        })
    }

    /// The items of an array or object whose opening bracket was just
    /// read, each read by `item`, separated by commas, up to the closing
    /// `close`.
    #[inline(always)]
    fn items(&mut self, close: u8, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.ws();
        if self.peek() == Some(close) {
            self.i += 1;
            return Some(());
        }
        loop {
            item(self)?;
            self.ws();
            match self.next()? {
                b',' => self.ws(),
                b if b == close => return Some(()),
                _ => return None,
            }
        }
    }

    /// A key without escapes, its bytes between the quotes.
    #[inline]
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

    /// A string, decoded onto the end of `out`.
    #[inline]
    pub fn string_into(&mut self, out: &mut String) -> Option<()> {
        self.eat(b'"')?;
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

    /// A string without escapes: where its text (between the quotes) is
    /// in the scanned text. `None` (and the scan where it was) for any
    /// other value, which [`Scan::string_into`] reads.
    #[inline]
    pub fn plain_string(&mut self) -> Option<Span> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let end = plain_run_end(self.b, self.i + 1);
        if self.b.get(end) != Some(&b'"') {
            return None;
        }
        let text = Span::new(self.i + 1, end);
        self.i = end + 1;
        Some(text)
    }

    /// A string without escapes, appended to `out`; `None` (and the scan
    /// where it was) for any other value, which [`Scan::string_into`]
    /// reads.
    #[inline]
    pub fn plain_string_into(&mut self, out: &mut String) -> Option<()> {
        let text = self.plain_string()?;
        out.push_str(&self.s[text]);
        Some(())
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
    /// fraction or exponent) that fits a `u64`, as serde_json reads it into
    /// one (up to `u64::MAX`); a larger one gives up.
    #[inline]
    pub fn uint(&mut self) -> Option<u64> {
        self.uint_of_at_most::<20>()
    }

    /// [`Scan::uint`] of at most 19 digits (below 10^19), the offsets of
    /// the spans layouts; a longer one gives up.
    #[inline]
    pub fn short_uint(&mut self) -> Option<u64> {
        self.uint_of_at_most::<19>()
    }

    /// An unsigned integer of at most `DIGITS` digits (19 or 20) that
    /// fits a `u64`.
    #[inline(always)]
    fn uint_of_at_most<const DIGITS: usize>(&mut self) -> Option<u64> {
        let (v, end) = digits_at::<DIGITS>(self.b, self.i)?;
        if let Some(b'.' | b'e' | b'E') = self.b.get(end) {
            return None;
        }
        self.i = end;
        Some(v)
    }

    /// Where the scan is, for [`Scan::reset`].
    #[inline]
    pub fn mark(&self) -> usize {
        self.i
    }

    /// The bytes not scanned yet, for a caller that reads a common shape
    /// straight from them and then [`Scan::skip`]s it.
    #[inline]
    pub fn rest(&self) -> &'a [u8] {
        &self.b[self.i..]
    }

    /// [`Scan::rest`] as text (the scan stops only at ASCII bytes, so at
    /// char boundaries).
    #[inline]
    pub fn rest_str(&self) -> &'a str {
        &self.s[self.i..]
    }

    /// Goes on `n` bytes, which [`Scan::rest`] gave and the caller read.
    #[inline]
    pub fn skip(&mut self, n: usize) {
        self.i += n;
    }

    /// The text from a place [`Scan::mark`] gave to where the scan is.
    #[inline]
    pub fn since(&self, mark: usize) -> &'a str {
        &self.s[mark..self.i]
    }

    /// Goes back to a place [`Scan::mark`] gave.
    #[inline]
    pub fn reset(&mut self, mark: usize) {
        self.i = mark;
    }

    /// Checks one value of any type and returns it as written, as
    /// serde_json's `RawValue` holds it.
    pub fn raw_value(&mut self) -> Option<&'a str> {
        let start = self.i;
        self.skip_value()?;
        Some(&self.s[start..self.i])
    }

    /// Checks one value of any type without keeping it.
    #[inline]
    pub fn skip_value(&mut self) -> Option<()> {
        self.skip_nested(0)
    }

    /// [`Scan::skip_value`] for a value nested `depth` deep in the one
    /// skipped.
    fn skip_nested(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'"' => {
                self.i += 1;
                self.skip_string()
            }
            // Keys are skipped as strings: escapes allowed.
            b'{' if depth < MAX_DEPTH => {
                self.i += 1;
                self.items(b'}', |c| {
                    c.eat(b'"')?;
                    c.skip_string()?;
                    c.separator(b':')?;
                    c.skip_nested(depth + 1)
                })
            }
            b'[' if depth < MAX_DEPTH => {
                self.i += 1;
                self.items(b']', |c| c.skip_nested(depth + 1))
            }
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'n' => self.word(b"null"),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => None,
        }
    }

    /// The bytes `w`, if they come next (and then read).
    #[inline]
    pub fn word(&mut self, w: &[u8]) -> Option<()> {
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
