//! What the writers of JSON lines, spans and bracket text share to build a
//! record in memory and hand it to the output with one write: a reused
//! buffer written at a cursor ([`Scratch`]), JSON strings escaped as
//! serde_json escapes them, and decimal numbers.
//!
//! Writing a record piece by piece (a `write_all` through `dyn Write` per
//! token, `write!` for numbers, serde_json per string) cost those writers
//! 24 to 42 instructions per input byte; a `Vec` push per piece still
//! costs a capacity check and a call to `memcpy` for every token. A
//! [`Scratch`] keeps its bytes past the end of the record as zeros it may
//! overwrite, so a token is two overlapping fixed-size stores.

/// A buffer a record is written into, reused from record to record. Its
/// storage is kept initialized (and only grows), and a record is written
/// by a [`Cursor`] over it with room made beforehand, so that writing a
/// short slice is a pair of overlapping fixed-size stores and the write
/// position stays in a register; [`Scratch::as_bytes`] is what was written
/// since [`Scratch::clear`].
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    bytes: Vec<u8>,
    len: usize,
}

impl Scratch {
    /// Forgets what was written (the storage is kept).
    #[inline]
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// What was written since the last [`Scratch::clear`].
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Hands `write` a cursor at the end of what was written, with room
    /// for `room` more bytes, and keeps what it writes. Writing past the
    /// room panics: the callers' rooms are upper bounds of what they
    /// write, which the tests check on random records.
    #[inline(always)]
    pub fn with_cursor<T>(&mut self, room: usize, write: impl FnOnce(&mut Cursor<'_>) -> T) -> T {
        if self.bytes.len() - self.len < room {
            self.grow(room);
        }
        let mut cursor = Cursor {
            out: &mut self.bytes[..self.len + room],
            w: self.len,
        };
        let value = write(&mut cursor);
        self.len = cursor.w;
        value
    }

    /// A cursor at the end of what was written, with room for `room`
    /// more bytes; what it writes is kept by [`Scratch::keep`] of its
    /// [`Cursor::position`]. A cursor held as a local (rather than lent
    /// to a closure) keeps its position in a register where several are
    /// written at once.
    #[inline(always)]
    pub fn cursor(&mut self, room: usize) -> Cursor<'_> {
        if self.bytes.len() - self.len < room {
            self.grow(room);
        }
        Cursor {
            out: &mut self.bytes[..self.len + room],
            w: self.len,
        }
    }

    /// Keeps what was written up to `end`, the position of a cursor of
    /// [`Scratch::cursor`].
    #[inline(always)]
    pub fn keep(&mut self, end: usize) {
        debug_assert!(end <= self.bytes.len(), "a cursor writes in the storage");
        self.len = end.min(self.bytes.len());
    }

    /// Appends `s`.
    #[inline]
    pub fn extend_from_slice(&mut self, s: &[u8]) {
        self.with_cursor(s.len(), |c| c.put_slice(s));
    }

    /// The storage, with room for `room` bytes after what was written,
    /// and where what was written ends: for a writer that writes a record
    /// by the functions on blocks below ([`window`], [`put_at`],
    /// [`put_field_then`], [`put_offsets`]) and keeps it with
    /// [`Scratch::keep`].
    #[inline(always)]
    pub fn room(&mut self, room: usize) -> (&mut [u8], usize) {
        if self.bytes.len() - self.len < room {
            self.grow(room);
        }
        (&mut self.bytes[..self.len + room], self.len)
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self, room: usize) {
        let want = (self.len + room).max(2 * self.bytes.len()).max(1024);
        self.bytes.resize(want, 0);
    }
}

/// A write position in a slice of a [`Scratch`] (see
/// [`Scratch::with_cursor`]).
pub(crate) struct Cursor<'a> {
    out: &'a mut [u8],
    w: usize,
}

impl Cursor<'_> {
    /// The bytes written from `from` (a position this cursor passed) on.
    #[inline]
    pub fn written_from(&self, from: usize) -> &[u8] {
        &self.out[from..self.w]
    }

    /// The write position.
    #[inline]
    pub fn position(&self) -> usize {
        self.w
    }

    /// Forgets the last byte written (the separator after a list's last
    /// item), if any.
    #[inline(always)]
    pub fn unput_byte(&mut self) {
        self.w = self.w.saturating_sub(1);
    }

    /// Goes back to `at` (a position this cursor passed), forgetting what
    /// was written from there.
    #[inline]
    pub fn rewind(&mut self, at: usize) {
        debug_assert!(at <= self.w, "a cursor rewinds only to where it was");
        self.w = self.w.min(at);
    }

    /// Whether `special` finds a byte among those written from `from` on:
    /// `special` takes eight bytes in a `u64` (little-endian) and answers
    /// with the high bit of each byte it finds (of which the lowest must
    /// be exact, as [`crate::swar::first_below_or_non_ascii`] gives).
    /// The bytes are read a whole word at a time from the buffer, past
    /// what was written, and the bytes past it masked off: cheaper than a
    /// scan of a short token's own bytes, whose tail cannot be read whole.
    /// So [`WORD_SLACK`] more bytes of room than are written must be made.
    #[inline(always)]
    pub fn any_written(&self, from: usize, special: impl Fn(u64) -> u64) -> bool {
        let word =
            |at: usize| u64::from_le_bytes(self.out[at..at + 8].try_into().expect("eight bytes"));
        let mut at = from;
        while at + 8 <= self.w {
            if special(word(at)) != 0 {
                return true;
            }
            at += 8;
        }
        let rest = self.w - at;
        // Bytes past the end may be anything, but only the ones below the
        // lowest flag must be right, and those are written ones.
        rest > 0 && special(word(at)) & (u64::MAX >> (8 * (8 - rest))) != 0
    }

    /// Appends `N` bytes known when compiling: one store.
    #[inline(always)]
    pub fn put<const N: usize>(&mut self, bytes: &[u8; N]) {
        let w = self.w;
        self.out[w..w + N].copy_from_slice(bytes);
        self.w = w + N;
    }

    /// Appends one byte.
    #[inline(always)]
    pub fn put_byte(&mut self, b: u8) {
        self.out[self.w] = b;
        self.w += 1;
    }

    /// Appends `s` (see [`put_slice_at`]).
    #[inline(always)]
    pub fn put_slice(&mut self, s: &[u8]) {
        self.w = put_slice_at(self.out, self.w, s);
    }

    /// Appends `n` in decimal (at most [`NUMBER_ROOM`] bytes): numbers
    /// below 1,000 (most offsets in a sentence) as one store of four
    /// bytes from a table, the bytes past the number overwritten next
    /// (every caller's room holds [`NUMBER_ROOM`] for a number), others
    /// by itoa.
    #[inline(always)]
    pub fn put_number(&mut self, n: usize) {
        if n < 1000 {
            let digits = DIGITS[n];
            self.put(&digits.to_le_bytes());
            self.w -= 4 - (digits >> 24) as usize;
        } else {
            self.put_slice(itoa::Buffer::new().format(n).as_bytes());
        }
    }

    /// Appends `s` escaped as inside a JSON string, as serde_json escapes
    /// it (at most [`json_room`] of its length, less the quotes).
    #[inline]
    pub fn put_json_content(&mut self, s: &str) {
        if needs_escape(s.as_bytes()) {
            self.put_escaped(s);
        } else {
            self.put_slice(s.as_bytes());
        }
    }

    /// Appends `s` as a JSON string (at most [`json_room`] of its length).
    #[inline]
    pub fn put_json_string(&mut self, s: &str) {
        self.put_byte(b'"');
        self.put_json_content(s);
        self.put_byte(b'"');
    }

    /// Appends `s` escaped as serde_json escapes it (see [`escape_json`]).
    #[inline(always)]
    fn put_escaped(&mut self, s: &str) {
        // The cursor is handed on as its parts, not by reference, so that
        // the callers keep it in registers.
        self.w = escape_json(self.out, self.w, s);
    }

    /// Appends `s` with each byte that `escape` maps to `Some` written as
    /// what it maps to (see [`escape_bytes`]).
    #[inline(always)]
    pub fn put_escaped_bytes(&mut self, s: &[u8], escape: fn(u8) -> Option<&'static [u8]>) {
        self.w = escape_bytes(self.out, self.w, s, escape);
    }
}

/// The `N` bytes of `out` from `w`: several writes into them at offsets
/// the compiler knows to be below `N` take one bounds check, that of the
/// window. Panics past the end of `out`: the callers make room for every
/// window they take.
#[inline(always)]
pub(crate) fn window<const N: usize>(out: &mut [u8], w: usize) -> &mut [u8; N] {
    out[w..]
        .first_chunk_mut()
        .expect("room is made for every window")
}

/// Writes `bytes` at `w` of `out`; returns the end.
#[inline(always)]
pub(crate) fn put_at<const N: usize>(out: &mut [u8], w: usize, bytes: &[u8; N]) -> usize {
    *window(out, w) = *bytes;
    w + N
}

/// Writes `s` at `w` of `out`, and not past it; returns the end. Up to
/// sixteen bytes (most tokens and labels) are copied as two overlapping
/// loads and stores of the largest power of two that fits, as `memcpy`
/// does, but without the call.
#[inline(always)]
pub(crate) fn put_slice_at(out: &mut [u8], w: usize, s: &[u8]) -> usize {
    let n = s.len();
    let out = &mut out[w..w + n];
    match n {
        0 => {}
        1..=3 => {
            out[0] = s[0];
            out[n / 2] = s[n / 2];
            out[n - 1] = s[n - 1];
        }
        4..=7 => {
            let a: [u8; 4] = s[..4].try_into().expect("four bytes");
            let b: [u8; 4] = s[n - 4..].try_into().expect("four bytes");
            out[..4].copy_from_slice(&a);
            out[n - 4..].copy_from_slice(&b);
        }
        8..=16 => {
            let a: [u8; 8] = s[..8].try_into().expect("eight bytes");
            let b: [u8; 8] = s[n - 8..].try_into().expect("eight bytes");
            out[..8].copy_from_slice(&a);
            out[n - 8..].copy_from_slice(&b);
        }
        _ => out.copy_from_slice(s),
    }
    w + n
}

/// How many bytes of a field's source [`put_field_then`] reads at once
/// (past the field where it is shorter). It writes a field into a window
/// of twice that many bytes, so its room at `w` must hold the field, the
/// tail, and twice that many bytes more.
pub(crate) const FIELD_SLACK: usize = 16;

/// Writes the bytes `start..end` of `src`, then `tail`, at `w` of `out`;
/// returns the end. Where `src` holds [`FIELD_SLACK`] bytes from `start`
/// and the field is no longer (most tokens and labels), they are copied
/// with one load and one store of that size, whatever the field's length,
/// into one window of `out` that the tail goes into too; what is past the
/// field is overwritten next or left past the end. So `out` must have
/// room for the field, the tail and `2 * FIELD_SLACK` bytes more at `w`.
#[inline(always)]
pub(crate) fn put_field_then<const K: usize>(
    out: &mut [u8],
    w: usize,
    src: &[u8],
    (start, end): (usize, usize),
    tail: &[u8; K],
) -> usize {
    let len = end - start;
    match src.get(start..start + FIELD_SLACK) {
        Some(short) if len <= FIELD_SLACK => {
            // Both writes fall inside the window: `len + K <= 16 + K`.
            let window = window::<{ 2 * FIELD_SLACK }>(out, w);
            window[..FIELD_SLACK].copy_from_slice(short);
            window[len..len + K].copy_from_slice(tail);
        }
        _ => {
            let w = put_slice_at(out, w, &src[start..end]);
            put_at(out, w, tail);
        }
    }
    w + len + K
}

/// The most bytes [`put_offsets`] writes (`[`, two numbers, `,`, `],`),
/// with the slack of its fixed-size stores.
pub(crate) const PAIR_ROOM: usize = 2 * NUMBER_ROOM + 8;

/// Writes `start,end],[` at `w` of `out` (one item of a JSON list of
/// pairs, and the opening of the next); returns the end. Numbers below
/// 1,000 (most offsets in a sentence) are stores of four bytes from
/// [`DIGITS`] into one window; `out` must have [`PAIR_ROOM`] bytes of
/// room at `w`.
#[inline(always)]
pub(crate) fn put_offsets(out: &mut [u8], w: usize, start: usize, end: usize) -> usize {
    if end < 1000 {
        // `start <= end`: both are in the table.
        let (a, b) = (DIGITS[start.min(end)], DIGITS[end]);
        // One to three digits each.
        let (ka, kb) = ((a >> 24) as usize & 3, (b >> 24) as usize & 3);
        let window = window::<16>(out, w);
        window[..4].copy_from_slice(&a.to_le_bytes());
        window[ka] = b',';
        window[ka + 1..ka + 5].copy_from_slice(&b.to_le_bytes());
        window[ka + 1 + kb..ka + 4 + kb].copy_from_slice(b"],[");
        w + ka + kb + 4
    } else {
        let mut cursor = Cursor { out, w };
        cursor.put_number(start);
        cursor.put_byte(b',');
        cursor.put_number(end);
        cursor.put(b"],[");
        cursor.w
    }
}

/// Writes `s` to `out` at `w` escaped as serde_json escapes it: `\"`,
/// `\\`, the short escapes of backspace, form feed, line feed, carriage
/// return and tab, and `\u00XX` (lower-case hex) for the other control
/// characters; runs without a byte to escape are copied as they are.
/// Returns the position after it.
#[cold]
#[inline(never)]
fn escape_json(out: &mut [u8], w: usize, s: &str) -> usize {
    escape_bytes(out, w, s.as_bytes(), |c| match c {
        b'"' => Some(b"\\\""),
        b'\\' => Some(b"\\\\"),
        b'\n' => Some(b"\\n"),
        b'\r' => Some(b"\\r"),
        b'\t' => Some(b"\\t"),
        0x08 => Some(b"\\b"),
        0x0c => Some(b"\\f"),
        0..=0x1f => Some(&CONTROL_ESCAPES[usize::from(c)]),
        _ => None,
    })
}

/// `\u00XX` for every control character.
static CONTROL_ESCAPES: [[u8; 6]; 32] = {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut t = [[0u8; 6]; 32];
    let mut c = 0;
    while c < 32 {
        t[c] = [b'\\', b'u', b'0', b'0', HEX[c >> 4], HEX[c & 0xf]];
        c += 1;
    }
    t
};

/// Writes `s` to `out` at `w`, each byte that `escape` maps to `Some`
/// written as what it maps to, and returns the position after it.
#[cold]
#[inline(never)]
fn escape_bytes(
    out: &mut [u8],
    w: usize,
    s: &[u8],
    escape: fn(u8) -> Option<&'static [u8]>,
) -> usize {
    let mut cursor = Cursor { out, w };
    let mut run = 0;
    for (i, &c) in s.iter().enumerate() {
        if let Some(escaped) = escape(c) {
            cursor.put_slice(&s[run..i]);
            cursor.put_slice(escaped);
            run = i + 1;
        }
    }
    cursor.put_slice(&s[run..]);
    cursor.w
}

/// The room past what is written that [`Cursor::any_written`] reads.
pub(crate) const WORD_SLACK: usize = 8;

/// The most bytes [`Cursor::put_number`] writes (`usize::MAX` has 20
/// digits).
pub(crate) const NUMBER_ROOM: usize = 20;

/// The most bytes [`Cursor::put_json_string`] writes for a string of
/// `len` bytes: each byte escaped as `\u00XX`, and the quotes.
#[inline(always)]
pub(crate) const fn json_room(len: usize) -> usize {
    6 * len + 2
}

/// The digits of every number below 1,000 in the low three bytes, and
/// how many there are in the high byte (also the fused routes'
/// `put_number`).
pub(crate) static DIGITS: [u32; 1000] = {
    let mut t = [0u32; 1000];
    let mut n = 0;
    while n < 1000 {
        let (a, b, c) = ((n / 100) as u32, (n / 10 % 10) as u32, (n % 10) as u32);
        t[n] = if n < 10 {
            (1 << 24) | (b'0' as u32 + c)
        } else if n < 100 {
            (2 << 24) | (b'0' as u32 + b) | ((b'0' as u32 + c) << 8)
        } else {
            (3 << 24) | (b'0' as u32 + a) | ((b'0' as u32 + b) << 8) | ((b'0' as u32 + c) << 16)
        };
        n += 1;
    }
    t
};

/// Whether `special` finds a byte of `s`: `special` takes eight bytes in a
/// `u64` (little-endian) and answers for all of them. A tail of fewer than
/// eight is read as two overlapping loads (a byte read twice changes
/// nothing about whether there is one), the bytes not loaded set to `a`,
/// which every caller's `special` passes over.
#[inline(always)]
pub(crate) fn any_byte(s: &[u8], special: impl Fn(u64) -> bool) -> bool {
    let mut chunks = s.chunks_exact(8);
    for chunk in &mut chunks {
        if special(u64::from_le_bytes(chunk.try_into().expect("eight bytes"))) {
            return true;
        }
    }
    let tail = chunks.remainder();
    let n = tail.len();
    let x = match n {
        0 => return false,
        1 => u64::from(tail[0]),
        2 | 3 => {
            let a = u16::from_le_bytes([tail[0], tail[1]]);
            let b = u16::from_le_bytes([tail[n - 2], tail[n - 1]]);
            u64::from(a) | (u64::from(b) << 16)
        }
        _ => {
            let a = u32::from_le_bytes(tail[..4].try_into().expect("four bytes"));
            let b = u32::from_le_bytes(tail[n - 4..].try_into().expect("four bytes"));
            u64::from(a) | (u64::from(b) << 32)
        }
    };
    // The bytes not loaded are `a`s.
    let filled = match n {
        1 => 0x6161_6161_6161_6100,
        2 | 3 => 0x6161_6161_0000_0000,
        _ => 0,
    };
    special(x | filled)
}

/// Whether `s` holds a byte a JSON string must escape: `"`, `\` or a
/// control character.
#[inline]
pub(crate) fn needs_escape(s: &[u8]) -> bool {
    use crate::swar::{eq_bytes, lt_bytes};
    any_byte(s, |x| {
        eq_bytes(x, b'"') | eq_bytes(x, b'\\') | lt_bytes(x, 0x20) != 0
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn any_text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                4 => prop::char::range('a', 'z'),
                1 => prop::char::range('\u{0}', '\u{7f}'),
                1 => Just('"'),
                1 => Just('\\'),
                1 => Just('é'),
                1 => Just('😀'),
                1 => Just('\u{2028}'),
            ],
            0..40,
        )
        .prop_map(|c| c.into_iter().collect())
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in (0..20_000).chain([99_999, 100_000, usize::MAX]) {
            let mut buf = Scratch::default();
            buf.with_cursor(NUMBER_ROOM, |c| c.put_number(n));
            assert_eq!(buf.as_bytes(), n.to_string().as_bytes());
        }
    }

    #[test]
    fn offsets_are_written_in_decimal() {
        let pairs = (0..1100).flat_map(|start| [(start, start), (start, start + 1), (start, 999)]);
        for (start, end) in pairs.chain([(5, 100_000), (1 << 40, usize::MAX)]) {
            if start > end {
                continue;
            }
            let mut buf = Scratch::default();
            let (out, w) = buf.room(PAIR_ROOM);
            let end_at = put_offsets(out, w, start, end);
            buf.keep(end_at);
            assert_eq!(buf.as_bytes(), format!("{start},{end}],[").as_bytes());
        }
    }

    /// Fields of every length are written as they are, with their tail,
    /// whether their source has bytes after them or not, after what was
    /// written.
    #[test]
    fn fields_are_written_with_their_tail() {
        let src: Vec<u8> = (0..64u8).map(|b| b'a' + b % 26).collect();
        for len in 0..40 {
            for start in [0, src.len() - len] {
                let mut buf = Scratch::default();
                buf.extend_from_slice(b"x");
                let (out, w) = buf.room(len + 3 + 2 * FIELD_SLACK);
                let end = put_field_then(out, w, &src, (start, start + len), b"\",\"");
                buf.keep(end);
                let want = [b"x", &src[start..start + len], b"\",\""].concat();
                assert_eq!(buf.as_bytes(), &want[..]);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Strings are written byte for byte as serde_json writes them,
        /// and the scans find a byte to escape (or not ASCII) wherever
        /// there is one.
        #[test]
        fn strings_are_written_as_serde_json_writes_them(s in any_text()) {
            let mut ours = Scratch::default();
            // The room is exact for a string of control characters.
            ours.with_cursor(json_room(s.len()), |c| c.put_json_string(&s));
            prop_assert_eq!(
                std::str::from_utf8(ours.as_bytes()).unwrap(),
                serde_json::to_string(&s).unwrap()
            );
            let slow = s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20);
            prop_assert_eq!(needs_escape(s.as_bytes()), slow);
        }

        /// Slices of every length are appended as they are, after what
        /// was written and across the storage's growth.
        #[test]
        fn slices_are_appended_as_they_are(
            pieces in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..80),
        ) {
            let mut ours = Scratch::default();
            let mut want = Vec::new();
            for p in &pieces {
                ours.with_cursor(p.len(), |c| c.put_slice(p));
                want.extend_from_slice(p);
            }
            prop_assert_eq!(ours.as_bytes(), &want[..]);
            ours.clear();
            prop_assert_eq!(ours.as_bytes(), b"");
            ours.with_cursor(2, |c| c.put(b"ab"));
            prop_assert_eq!(ours.as_bytes(), b"ab");
        }
    }
}
