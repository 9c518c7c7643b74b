//! The CoNLL fast route: sentences read straight from the input's buffer.
//!
//! The general reader ([`Reader::read_sentence`](super::Reader)) takes one
//! line at a time with `read_until`, checks each line as UTF-8 and splits
//! it into a `Sentence`. This route looks at the bytes the input already
//! holds (`BufRead::fill_buf`): the complete lines there are checked as
//! UTF-8 once per block (ASCII passed over 32 bytes at a time), and each
//! sentence in them is split by masks of its bytes' classes, 64 bytes a
//! word ([`super::line_masks`]): a word's lines of `TOKEN`, a separator,
//! `TAG` and a line feed are taken at once, a line that crosses into the
//! next word by its breaks, and any other line by the word-at-a-time scan
//! that eval uses (`eval::reader::fast_row`). Copying CoNLL
//! to CoNLL, a sentence's tags are then parsed, decoded and encoded in the
//! output scheme in reused buffers and written beside its tokens, copied
//! as bytes; no `Sentence` is built.
//!
//! A sentence is taken by this route only when it is proven to read as
//! the general route reads it: its lines are plain (fields separated by
//! spaces and tabs, LF or CRLF, no other control character), it ends
//! inside the buffer, and it has no line the general route treats apart
//! (a comment when comments are skipped, a score column, a line of one
//! column, Unicode whitespace before the first field). A sentence that
//! would give an error or a repair is not taken either. Anything not
//! taken is read by the general route from the same place, so errors,
//! their positions and repairs are its own. Options the route does not
//! handle (a tag or token column, a MISC key, a literal delimiter, kept
//! columns) leave every sentence to the general route.

use crate::convert::LabelCounts;
use crate::error::Result;
use crate::scheme::tagging::recycle;
use crate::scheme::{Prefix, Tag, TagScheme, TagStyle};

use super::is_docstart;
use super::line_masks::LineMasks;
use super::read::{is_range_or_decimal, ReadOptions};

#[cfg(test)]
thread_local! {
    /// Sentences the fast route took on this thread, for the tests that
    /// check it is taken at all.
    pub(super) static TAKEN: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts a sentence the fast route took (in tests).
#[inline(always)]
pub(super) fn taken() {
    #[cfg(test)]
    TAKEN.with(|t| t.set(t.get() + 1));
}

/// True when sentences read with `opts` may take the fast route.
pub(super) fn handles(opts: &ReadOptions) -> bool {
    matches!(opts.delimiter, crate::format::Delimiter::Whitespace)
        && opts.tag_column.is_none()
        && opts.token_column.is_none()
        && opts.misc_key.is_none()
        && !opts.keep_columns
}

/// Where one token line of a scanned sentence is, as byte offsets into the
/// scanned text, and which token line of the sentence it is. The offsets
/// are `u32` (the scan takes no text of 4 GiB or more) so that a line is 24
/// bytes: the scan pushes one per token (or one per token not passed over,
/// see [`scan_sentence`]) and the retagger and the writer read it back.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct TokenLine {
    line: u32,
    /// The index, doubled, plus one when the line is plain: a token line
    /// takes 4 bytes or more, so the index of one in a text of less than
    /// 4 GiB is below `2^30`.
    index_plain: u32,
    token: (u32, u32),
    tag: (u32, u32),
}

impl TokenLine {
    /// The token line `index` (from 0) of its sentence, at `line`, whose
    /// token and tag are `token` and `tag`; all below `u32::MAX` (the
    /// scanned text is shorter).
    #[inline(always)]
    fn new(
        index: usize,
        line: usize,
        token: (usize, usize),
        tag: (usize, usize),
        plain: bool,
    ) -> TokenLine {
        TokenLine {
            line: line as u32,
            index_plain: (index as u32) << 1 | u32::from(plain),
            token: (token.0 as u32, token.1 as u32),
            tag: (tag.0 as u32, tag.1 as u32),
        }
    }

    /// The start of the line.
    #[inline(always)]
    pub fn line(&self) -> usize {
        self.line as usize
    }

    /// Which token line of its sentence the line is, from 0, when the
    /// scan passed over some ([`scan_sentence`]'s `skip_outside`); when
    /// it did not, the line's place in the scan's lines is its index, and
    /// this may be 0.
    #[inline(always)]
    pub fn index(&self) -> usize {
        (self.index_plain >> 1) as usize
    }

    /// The token (the first field).
    #[inline(always)]
    pub fn token(&self) -> (usize, usize) {
        (self.token.0 as usize, self.token.1 as usize)
    }

    /// The tag (the last field).
    #[inline(always)]
    pub fn tag(&self) -> (usize, usize) {
        (self.tag.0 as usize, self.tag.1 as usize)
    }

    /// The line is the token, a tab, the tag and a `\n`: what the writer
    /// writes for it when the tag is written as it is read.
    #[inline(always)]
    pub fn plain(&self) -> bool {
        self.index_plain & 1 == 1
    }
}

/// The field of `text` from `at.0` to `at.1`, as a scan found it: a
/// token or a tag of a [`TokenLine`] of `text`. Slicing a `str` checks
/// both ends are char boundaries (a dozen instructions a field, paid for
/// each token and each tag on the route); these ends need no check.
#[inline(always)]
pub(super) fn field(text: &str, at: (usize, usize)) -> &str {
    let (start, end) = at;
    debug_assert!(start <= end && text.is_char_boundary(start) && text.is_char_boundary(end));
    // SAFETY: a field of a `TokenLine` starts at the start of a line or
    // after a space or a tab, and ends at a space, a tab, a `\r` or a `\n`
    // of `text` (the scans split lines only at those ASCII bytes): both
    // ends are char boundaries of `text`, in order.
    unsafe { text.get_unchecked(start..end) }
}

/// One sentence found by [`scan_sentence`].
#[derive(Clone, Copy, Debug)]
pub(super) struct Scanned {
    /// Where the bytes the sentence takes (its lines, the blank and
    /// document lines before it, and the line that ends it) end.
    pub end: usize,
    /// How many lines those bytes hold.
    pub lines: u64,
    /// The line (counted from 1 in those bytes) of the first token.
    pub first_line: u64,
    /// How many token lines the sentence has.
    pub tokens: usize,
    /// Where its first token line starts and its last one ends (after
    /// the line end): its token lines are these bytes.
    pub token_lines: (usize, usize),
    /// A `-DOCSTART-` line came before the first token.
    pub document_start: bool,
    /// The sentence was ended by a `-DOCSTART-` line.
    pub next_document: bool,
}

/// The [`LineMasks`] of a text, 64 bytes a word, computed a stretch at a
/// time as the scan reaches them
/// ([`line_masks::for_each_block`](super::line_masks::for_each_block)).
/// Valid for one text: [`BreakMasks::clear`] before scanning another.
#[derive(Debug, Default)]
pub(super) struct BreakMasks {
    /// Word `k` holds the bytes `64 k ..` of the text.
    words: Vec<LineMasks>,
}

/// How many bytes [`BreakMasks`] computes at once: enough that the cost
/// of a call is spread thin, few enough that a scan that stops early (a
/// sentence left to the general route, or `read_sentence` taking one
/// sentence at a time) wastes little.
const MASK_STRETCH: usize = 1024;

impl BreakMasks {
    /// Forgets the masks, for a new text.
    pub(super) fn clear(&mut self) {
        self.words.clear();
    }

    /// The breaks (bytes below `!`) of the 64 bytes of `b` from `64 k`,
    /// the bytes past the end of `b` set; `None` past the end.
    #[inline(always)]
    fn word(&mut self, b: &[u8], k: usize) -> Option<u64> {
        match self.words.get(k) {
            Some(m) => Some(m.breaks),
            None => self.extend(b, k),
        }
    }

    #[inline(never)]
    fn extend(&mut self, b: &[u8], k: usize) -> Option<u64> {
        while self.words.len() <= k {
            let start = self.words.len() * 64;
            if start >= b.len() {
                return None;
            }
            let end = (start + MASK_STRETCH).min(b.len());
            let words = &mut self.words;
            super::line_masks::for_each_block(&b[start..end], |m| words.push(m));
        }
        Some(self.words[k].breaks)
    }
}

/// Where a scan is in a text's [`BreakMasks`]: the breaks of the current
/// word not yet passed.
struct Breaks {
    word: usize,
    bits: u64,
}

impl Breaks {
    /// The breaks at and after byte `at`, which is at most the end of the
    /// masks `words` holds and, when it is that end, not 0.
    #[inline(always)]
    fn resumed(words: &[LineMasks], at: usize) -> Breaks {
        match words.get(at / 64) {
            Some(m) => Breaks {
                word: at / 64,
                bits: m.breaks & crate::swar::bits_from(at % 64),
            },
            // Past the words computed: the next break is in the next one.
            None => Breaks {
                word: at / 64 - 1,
                bits: 0,
            },
        }
    }

    /// The breaks at and after byte `at`.
    #[inline(always)]
    fn at(masks: &mut BreakMasks, b: &[u8], at: usize) -> Breaks {
        let word = at / 64;
        let bits = masks.word(b, word).unwrap_or(0) & crate::swar::bits_from(at % 64);
        Breaks { word, bits }
    }

    /// The next break, passed; `None` when there is none in `b`.
    #[inline(always)]
    fn next(&mut self, masks: &mut BreakMasks, b: &[u8]) -> Option<usize> {
        while self.bits == 0 {
            self.word += 1;
            self.bits = masks.word(b, self.word)?;
        }
        let p = self.word * 64 + self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        (p < b.len()).then_some(p)
    }
}

/// Finds the next sentence in `text` from byte `from` (the start of a
/// line, not the start of the input), pushing its token lines to `lines`
/// (cleared first). `None` when the sentence does not end in `text` or is
/// not one the fast route can prove it reads as the general route does
/// (see the module documentation); the caller then leaves it to the
/// general route. `text` is whole lines of an input's buffer (only its
/// last line may lack a line end, and that line is never taken); `masks`
/// are its breaks.
///
/// With `skip_outside`, a line of `TOKEN`, a tab, `O` and a `\n` that the
/// common-line loop takes is counted but not pushed (most lines of most
/// corpora are such lines): for a writer that copies such lines as they
/// are ([`Retag::copies_lines`]) and a retagger that knows a token line
/// missing from `lines` is one ([`TokenLine::index`]).
///
/// Most lines are `TOKEN<TAB>TAG<LF>`: their two fields end at the next
/// two bits of `masks` (a `trailing_zeros` each), and the rest go through
/// eval's `fast_row` (which a test checks against the general route's
/// split at spaces and tabs).
#[inline]
pub(super) fn scan_sentence(
    text: &str,
    from: usize,
    comments: bool,
    ids_unchecked: bool,
    skip_outside: bool,
    lines: &mut Vec<TokenLine>,
    masks: &mut BreakMasks,
) -> Option<Scanned> {
    lines.clear();
    // `TokenLine`'s offsets are `u32`.
    if text.len() > u32::MAX as usize {
        return None;
    }
    let b = text.as_bytes();
    let mut state = Scan {
        ids: ids_unchecked,
        comments,
        skipped: 0,
        document_start: false,
        tokens: 0,
        start: from,
    };
    let mut at = from;
    let mut breaks = Breaks::at(masks, b, at);
    loop {
        if state.tokens == 0 {
            // The first token line starts here, if this is one.
            state.start = at;
        }
        if !state.ids {
            let from = (at, state.tokens);
            (at, state.tokens) = if skip_outside {
                common_lines::<true>(b, &masks.words, from, &mut breaks, comments, lines)
            } else {
                common_lines::<false>(b, &masks.words, from, &mut breaks, comments, lines)
            };
        }
        // No break is left: no line end either.
        let sep = breaks.next(masks, b)?;
        // A blank line ends a sentence, or comes before one.
        if sep == at && b[at] == b'\n' {
            at += 1;
            if state.tokens == 0 {
                state.skipped += 1;
                continue;
            }
            return Some(state.ends(at - 1, at, false));
        }
        // `TOKEN`, one space or tab, `TAG` and a `\n`.
        let mut plain = None;
        if sep > at && matches!(b[sep], b' ' | b'\t') {
            if let Some(end) = breaks.next(masks, b) {
                if end > sep + 1 && b[end] == b'\n' {
                    plain = Some((sep, end));
                }
            }
        }
        let (row, next, tab) = match plain {
            Some((sep, end)) => {
                // The common line, once the ID column is ruled out: taken
                // here with the checks of `Scan::line` that a line of two
                // fields needs (a document line, Unicode whitespace, a
                // comment). A line of two fields is CoNLL-U's ID column
                // only when its token is a range or a decimal, which
                // starts with a digit: one whose token does not start
                // with one (nor with `#`, which leaves the question open)
                // settles that the sentence has none.
                let first = b[at];
                let no_id = !state.ids || !(first.is_ascii_digit() || first == b'#');
                if no_id && first < 0x80 && first != b'-' && !(comments && first == b'#') {
                    state.ids = false;
                    lines.push(TokenLine::new(
                        state.tokens,
                        at,
                        (at, sep),
                        (sep + 1, end),
                        b[sep] == b'\t',
                    ));
                    state.tokens += 1;
                    at = end + 1;
                    continue;
                }
                let row = Row {
                    count: 2,
                    first: (at, sep),
                    last: (sep + 1, end),
                };
                (row, end + 1, b[sep] == b'\t')
            }
            None => {
                let (r, next) = crate::eval::reader::fast_row(text, at)?;
                let row = Row {
                    count: r.count,
                    first: r.first,
                    last: r.last,
                };
                breaks = Breaks::at(masks, b, next);
                (row, next, false)
            }
        };
        match state.line(text, at, next, &row, tab, lines) {
            Line::More => {}
            Line::Ends(scanned) => return Some(scanned),
            Line::Refused => return None,
        }
        at = next;
    }
}

/// Takes the run of common lines of `b` from `at` (the start of a line):
/// lines of `TOKEN`, one space or tab, `TAG` and a `\n`, whose token
/// starts with an ASCII byte other than `-` (and `#` when `comments` are
/// skipped), while the masks of `words` (those computed so far) find
/// them; `breaks` is where `at` is in them, and `tokens` the token lines
/// of the sentence before it. Returns where the run ends, with `breaks`
/// there, and the token lines then; pushes the lines to `lines`, but for
/// those of a tab and an `O` with `SKIP_OUTSIDE` (see [`scan_sentence`]'s
/// `skip_outside`; a constant, so that the routes that need every line
/// pay nothing for it).
///
/// This is the loop [`scan_sentence`] spends its time in, in a function of
/// its own so that its state stays in registers. It takes the lines of a
/// word at once where it can ([`word_lines`]), and one line at a time
/// through the breaks ([`one_line`]) where a line crosses into the next
/// word or a word holds a line the word step does not take. The scan goes
/// on from where the run ends, at any other line (a blank line, which ends
/// the sentence, among them) or at the end of the masks computed so far.
#[inline(never)]
fn common_lines<const SKIP_OUTSIDE: bool>(
    b: &[u8],
    words: &[LineMasks],
    (mut at, mut tokens): (usize, usize),
    breaks: &mut Breaks,
    comments: bool,
    lines: &mut Vec<TokenLine>,
) -> (usize, usize) {
    let from = at;
    // The word whose lines the word step refused: they are taken one at
    // a time until the scan leaves it.
    let mut refused = usize::MAX;
    loop {
        let w = at / 64;
        let Some(m) = words.get(w) else {
            break;
        };
        if w != refused {
            match word_lines::<SKIP_OUTSIDE>(b, m, at, tokens, lines) {
                Step::Took {
                    next,
                    tokens: t,
                    blank,
                } => {
                    (at, tokens) = (next, t);
                    if blank {
                        break;
                    }
                    continue;
                }
                Step::Blank => break,
                Step::Crosses => {}
                Step::Refused => refused = w,
            }
        }
        match one_line::<SKIP_OUTSIDE>(b, words, at, tokens, comments, lines) {
            Some(next) => {
                at = next;
                tokens += 1;
            }
            None => break,
        }
    }
    if at != from {
        *breaks = Breaks::resumed(words, at);
    }
    (at, tokens)
}

/// What [`word_lines`] did.
enum Step {
    /// It took the lines up to `next`, the start of a line in the word or
    /// the start of the next word; the sentence then has `tokens` token
    /// lines. `blank`: the line at `next` is blank.
    Took {
        next: usize,
        tokens: usize,
        blank: bool,
    },
    /// The line at the start is blank.
    Blank,
    /// The line at the start ends in a later word.
    Crosses,
    /// A line of the word is not one the step takes: the word's lines go
    /// one at a time.
    Refused,
}

/// Takes the lines of the word `m` (the masks of the 64 bytes of `b` from
/// `at / 64 * 64`) from `at` (the start of a line) to the last line end in
/// the word, or to the first blank line, when every one of them is a
/// common line (see [`common_lines`]); pushes them to `lines` (but for
/// those of a tab and an `O` with `SKIP_OUTSIDE`), the first of them the
/// token line `tokens` of its sentence.
///
/// The tests are on the masks of the lines' bytes at once: no control
/// character but spaces, tabs and line feeds; no line starts with a
/// space, a tab or an odd byte (`-`, `#`, non-ASCII; those lines go one
/// at a time, which tells them apart); no separator just before a line
/// end; and one separator a line: the breaks (separators and line ends)
/// alternate, a separator first, which a prefix XOR of the breaks shows
/// (it is set at every separator and clear at every line end exactly when
/// they alternate).
#[inline(always)]
fn word_lines<const SKIP_OUTSIDE: bool>(
    b: &[u8],
    m: &LineMasks,
    at: usize,
    tokens: usize,
    lines: &mut Vec<TokenLine>,
) -> Step {
    let first = at % 64;
    let base = at - first;
    let from = u64::MAX << first;
    let mut ends = m.newlines & from;
    if ends == 0 {
        return Step::Crosses;
    }
    // Bits `first` to the last line end of the word.
    let mut region = from & (u64::MAX >> ends.leading_zeros());
    let mut starts = ((m.newlines << 1) | 1 << first) & region;
    let blanks = starts & m.newlines;
    let blank = blanks != 0;
    if blank {
        // Up to the blank line, which ends the sentence.
        let cut = blanks.trailing_zeros();
        if cut == first as u32 {
            return Step::Blank;
        }
        region &= (1 << cut) - 1;
        starts &= region;
        ends &= region;
    }
    let separators = m.separators & region;
    let other_controls = m.breaks & !m.newlines & !m.separators & region;
    if other_controls != 0
        || starts & (m.separators | m.odd_starts) != 0
        || (separators << 1) & ends != 0
    {
        return Step::Refused;
    }
    let parity = prefix_xor(separators | ends);
    if ends & parity != 0 || separators & !parity != 0 {
        return Step::Refused;
    }
    let mut listed = if SKIP_OUTSIDE {
        ends & !m.outside_ends
    } else {
        ends
    };
    while listed != 0 {
        let end = listed.trailing_zeros();
        let before = (1u64 << end) - 1;
        // The line's separator and start: the last of each before its end.
        let sep = 63 - (separators & before).leading_zeros();
        let start = 63 - (starts & before).leading_zeros();
        let index = tokens + (ends & before).count_ones() as usize;
        let (start, sep, end) = (
            base + start as usize,
            base + sep as usize,
            base + end as usize,
        );
        lines.push(TokenLine::new(
            index,
            start,
            (start, sep),
            (sep + 1, end),
            b[sep] == b'\t',
        ));
        listed &= listed - 1;
    }
    Step::Took {
        next: base + 64 - region.leading_zeros() as usize,
        tokens: tokens + ends.count_ones() as usize,
        blank,
    }
}

/// Bit `k` of the result is the XOR of bits `0..=k` of `x`.
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// Takes the line of `b` at `at` when it is a common line (see
/// [`common_lines`]) whose breaks `words` holds, pushing it to `lines`
/// as the token line `tokens` of its sentence (but for a line of a tab and
/// an `O` with `SKIP_OUTSIDE`); returns where the next line starts.
#[inline(always)]
fn one_line<const SKIP_OUTSIDE: bool>(
    b: &[u8],
    words: &[LineMasks],
    at: usize,
    tokens: usize,
    comments: bool,
    lines: &mut Vec<TokenLine>,
) -> Option<usize> {
    let mut breaks = Breaks::resumed(words, at);
    let mut next = || -> Option<usize> {
        while breaks.bits == 0 {
            breaks.word += 1;
            breaks.bits = words.get(breaks.word)?.breaks;
        }
        let p = breaks.word * 64 + breaks.bits.trailing_zeros() as usize;
        breaks.bits &= breaks.bits - 1;
        Some(p)
    };
    let sep = next()?;
    let end = next()?;
    // The last word's bits past the end of `b` are set.
    if end >= b.len() || sep <= at || end <= sep + 1 {
        return None;
    }
    let (first, separator) = (b[at], b[sep]);
    if !matches!(separator, b' ' | b'\t')
        || b[end] != b'\n'
        || first >= 0x80
        || first == b'-'
        || (comments && first == b'#')
    {
        return None;
    }
    let tab = separator == b'\t';
    if !(SKIP_OUTSIDE && tab && end == sep + 2 && b[sep + 1] == b'O') {
        lines.push(TokenLine::new(tokens, at, (at, sep), (sep + 1, end), tab));
    }
    Some(end + 1)
}

/// The line of `b` at `at` when it is `TOKEN`, one space or tab, `TAG`
/// and a `\n` (no other byte below `!` in it): where its separator and its
/// line end are, found by `masks` (the breaks of `b`). `None` for any
/// other line.
#[inline(always)]
pub(super) fn plain_line(b: &[u8], at: usize, masks: &mut BreakMasks) -> Option<(usize, usize)> {
    let mut breaks = Breaks::at(masks, b, at);
    let sep = breaks.next(masks, b)?;
    if sep == at || !matches!(b[sep], b' ' | b'\t') {
        return None;
    }
    let end = breaks.next(masks, b)?;
    if end == sep + 1 || b[end] != b'\n' {
        return None;
    }
    Some((sep, end))
}

/// The fields of one line: how many, and the first and the last, as byte
/// ranges.
#[derive(Clone, Copy, Debug, Default)]
struct Row {
    count: usize,
    first: (usize, usize),
    last: (usize, usize),
}

/// What [`scan_sentence`] knows of the sentence so far.
struct Scan {
    /// CoNLL-U's ID column is still to be looked for at the next token
    /// line that does not start with `#`.
    ids: bool,
    comments: bool,
    /// Lines passed over before the first token line (blank and document
    /// lines). The token lines follow one another: any other line after
    /// them ends the sentence or sends it to the general route.
    skipped: u64,
    document_start: bool,
    /// The token lines so far.
    tokens: usize,
    /// Where the first token line starts.
    start: usize,
}

/// What a line does to the sentence being scanned.
enum Line {
    More,
    Ends(Scanned),
    /// The general route reads the sentence.
    Refused,
}

impl Scan {
    /// The sentence scanned, ended by the line from `at` to `next`.
    #[inline(always)]
    fn ends(&self, at: usize, next: usize, next_document: bool) -> Scanned {
        Scanned {
            end: next,
            lines: self.skipped + self.tokens as u64 + 1,
            first_line: self.skipped + 1,
            tokens: self.tokens,
            token_lines: (self.start, at),
            document_start: self.document_start,
            next_document,
        }
    }

    /// Takes the line from `at` to `next` (after its line end), whose
    /// fields are `row`.
    #[inline(always)]
    fn line(
        &mut self,
        text: &str,
        at: usize,
        next: usize,
        row: &Row,
        plain: bool,
        lines: &mut Vec<TokenLine>,
    ) -> Line {
        let b = text.as_bytes();
        let ends = |s: &Scan, next_document| Line::Ends(s.ends(at, next, next_document));
        if row.count == 0 {
            // A blank line: spaces and tabs only.
            if self.tokens == 0 {
                self.skipped += 1;
                return Line::More;
            }
            return ends(self, false);
        }
        let first = b[row.first.0];
        if first == b'-' || first >= 0x80 {
            let field = &text[row.first.0..row.first.1];
            if first >= 0x80 && field.starts_with(char::is_whitespace) {
                // Unicode whitespace: the line may be blank or a document
                // line to the general route, which trims it.
                return Line::Refused;
            }
            // The field ends at a space, a tab or the line end, so this is
            // `is_docstart` of the line.
            if field == "-DOCSTART-" {
                debug_assert!(is_docstart(&text[at..row.last.1]));
                if self.tokens == 0 {
                    self.skipped += 1;
                    self.document_start = true;
                    return Line::More;
                }
                return ends(self, true);
            }
        }
        if self.comments && b[at] == b'#' {
            return Line::Refused;
        }
        // One column is an error; a number after the tag may be a score
        // column, which the general route decides on.
        if row.count < 2
            || (row.count >= 3 && matches!(b[row.last.0], b'0'..=b'9' | b'.' | b'-' | b'+'))
        {
            return Line::Refused;
        }
        // The general route looks for CoNLL-U's ID column (`1`, `2`, ...
        // in the first of three or more columns) at the first token line
        // of each sentence that does not start with `#`, for as long as it
        // has not decided: a sentence whose line might be `1` is left to
        // it.
        if self.ids && b[at] != b'#' {
            let token = &text[row.first.0..row.first.1];
            if is_range_or_decimal(token)
                || (row.count >= 3 && token.parse::<usize>().ok() == Some(1))
            {
                return Line::Refused;
            }
            self.ids = false;
        }
        lines.push(TokenLine::new(self.tokens, at, row.first, row.last, plain));
        self.tokens += 1;
        Line::More
    }
}

/// The length of the longest prefix of `buf` that is whole lines of
/// UTF-8: up to the last line end, or up to the line that holds the first
/// invalid byte.
pub(super) fn valid_lines(buf: &[u8]) -> usize {
    let cut = memchr::memrchr(b'\n', buf).map_or(0, |i| i + 1);
    match valid_up_to(&buf[..cut]) {
        valid if valid == cut => cut,
        valid => memchr::memrchr(b'\n', &buf[..valid]).map_or(0, |i| i + 1),
    }
}

/// The length of the longest prefix of `b` that is valid UTF-8: what
/// `std::str::from_utf8` gives as `valid_up_to` of its error. Most bytes of
/// most corpora are ASCII and the others come one char at a time between
/// them, where `from_utf8` (which walks two words at a time, and checks
/// each char of a run apart) spends about a byte's worth of instructions a
/// byte: this passes over ASCII 32 bytes at a time and checks each other
/// char on its own.
pub(super) fn valid_up_to(b: &[u8]) -> usize {
    use crate::swar::HIGH;
    let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("eight bytes"));
    let mut at = 0;
    loop {
        while at + 32 <= b.len()
            && (word(at) | word(at + 8) | word(at + 16) | word(at + 24)) & HIGH == 0
        {
            at += 32;
        }
        while at + 8 <= b.len() {
            let high = word(at) & HIGH;
            if high != 0 {
                at += high.trailing_zeros() as usize / 8;
                break;
            }
            at += 8;
        }
        while at < b.len() && b[at] < 0x80 {
            at += 1;
        }
        if at == b.len() {
            return at;
        }
        match utf8_char_len(&b[at..]) {
            Some(len) => at += len,
            None => return at,
        }
    }
}

/// The length of the char of two to four bytes at the start of `b` when
/// it is valid UTF-8 (the ranges of `from_utf8`: no overlong forms, no
/// surrogates, nothing above U+10FFFF); `None` when it is not, or is cut
/// by the end of `b`.
#[inline]
fn utf8_char_len(b: &[u8]) -> Option<usize> {
    let cont = |i: usize| b.get(i).is_some_and(|&c| (0x80..=0xBF).contains(&c));
    let second = |range: std::ops::RangeInclusive<u8>| b.get(1).is_some_and(|c| range.contains(c));
    match b[0] {
        0xC2..=0xDF => cont(1).then_some(2),
        0xE0 => (second(0xA0..=0xBF) && cont(2)).then_some(3),
        0xED => (second(0x80..=0x9F) && cont(2)).then_some(3),
        0xE1..=0xEC | 0xEE..=0xEF => (cont(1) && cont(2)).then_some(3),
        0xF0 => (second(0x90..=0xBF) && cont(2) && cont(3)).then_some(4),
        0xF4 => (second(0x80..=0x8F) && cont(2) && cont(3)).then_some(4),
        0xF1..=0xF3 => (cont(1) && cont(2) && cont(3)).then_some(4),
        _ => None,
    }
}

/// The buffers one sentence is retagged in, reused from sentence to
/// sentence, and the labels of the run of sentences being copied.
#[derive(Debug, Default)]
pub(super) struct Retagger {
    pub lines: Vec<TokenLine>,
    /// The breaks of the text being scanned.
    pub masks: BreakMasks,
    /// The tags read, with the index of their label in `labels`.
    tags: Vec<(Tag<'static>, u32)>,
    out: Vec<Tag<'static>>,
    /// The label of each entity of the sentence, doubled, plus one when a
    /// reader of the output finds it: counted once the sentence is taken.
    counted: Vec<u32>,
    /// The lines whose output is not their input line, in order (with
    /// [`Retag::copies_lines`]).
    rewritten: Vec<u32>,
    labels: Labels,
}

/// What a sentence is read and written as.
#[derive(Clone, Copy, Debug)]
pub(super) struct Retag {
    pub scheme: TagScheme,
    pub style: TagStyle,
    pub to: TagScheme,
    pub to_style: TagStyle,
    /// The writer writes a plain line (token, tab, tag, `\n`) whose tag
    /// is written as it is read as that line's bytes: the retagger lists
    /// the lines that are not ([`Retagger::retag`]), and the writer copies
    /// the rest of the sentence as it is.
    pub copies_lines: bool,
}

/// The labels met since the last [`Retagger::flush_counts`], each with
/// whether the output's tag style can write it and how many entities of
/// it were read and written: a label is looked up once per token, compared
/// with a handful of short strings, and the summary's counts are updated
/// once per run of sentences rather than once per entity.
#[derive(Debug, Default)]
struct Labels {
    /// Label, whether it fits `style`, entities read, entities written.
    entries: Vec<(String, bool, u64, u64)>,
    /// The tag style `fits` was judged for.
    style: Option<TagStyle>,
    /// The entry of the last label looked up.
    last: u32,
}

/// How many labels [`Labels`] holds before it is emptied into the
/// summary: corpora have a few to a few dozen, and a linear search is the
/// fastest lookup for those.
const MAX_LABELS: usize = 64;

impl Labels {
    /// The index of `label`, added if new; `None` when the table is full.
    #[inline(always)]
    fn index(&mut self, label: &str) -> Option<u32> {
        let same = |l: &str| {
            l.len() == label.len()
                // Labels are short: a loop, not a call to `memcmp`.
                && l.bytes().zip(label.bytes()).all(|(a, b)| a == b)
        };
        if let Some(e) = self.entries.get(self.last as usize) {
            if same(&e.0) {
                return Some(self.last);
            }
        }
        let i = match self.entries.iter().position(|e| same(&e.0)) {
            Some(i) => i,
            None => self.add(label)?,
        };
        self.last = i as u32;
        Some(self.last)
    }

    #[cold]
    fn add(&mut self, label: &str) -> Option<usize> {
        if self.entries.len() >= MAX_LABELS {
            return None;
        }
        let style = self.style.unwrap_or_default();
        self.entries
            .push((label.to_string(), label_fits(style, label), 0, 0));
        Some(self.entries.len() - 1)
    }
}

/// A prefix after which a chunk always starts a new entity, whatever
/// comes before (the decoder's rule, `scheme::for_each_chunk`).
#[inline(always)]
fn always_starts(p: Prefix) -> bool {
    matches!(p, Prefix::Begin | Prefix::Single | Prefix::Unit)
}

/// A prefix at which a chunk always ends, whatever follows.
#[inline(always)]
fn always_ends(p: Prefix) -> bool {
    matches!(
        p,
        Prefix::End | Prefix::Single | Prefix::Last | Prefix::Unit
    )
}

/// Why a sentence is not retagged by [`Retagger::retag`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    /// The general route reads it (an invalid tag, an ill-formed chunk, a
    /// label the output cannot write).
    General,
    /// The label table is full: empty it ([`Retagger::flush_counts`]) and
    /// try again.
    Full,
}

impl Retagger {
    /// Retags the sentence in `self.lines` (found in `text`) in the output
    /// scheme and hands its lines and the tags to write to `write` (with,
    /// when [`Retag::copies_lines`], the indices of the lines that are not
    /// written as they are read), having
    /// counted its entities (see [`Retagger::flush_counts`]). `Ok(Err(_))`,
    /// with nothing handed over or counted, when a tag is invalid, a chunk
    /// is ill-formed (an error or a repair, left to the general route) or
    /// a label cannot be written (an error of the writer, left to it too).
    ///
    /// No entities are built: the chunks of the tags (as
    /// `scheme::decode_strict` cuts them) are judged as it judges them and
    /// written as `scheme::encode` writes an entity, which depends only
    /// on the chunk's ends and on whether the tokens just outside it hold
    /// the same label. A chunk is judged by its first and last prefixes
    /// and what comes before it; since an ill-formed chunk sends the
    /// sentence to the general route, every chunk left is an entity, and
    /// strict and lenient reading agree on it.
    ///
    /// # Errors
    /// Those of `write`.
    #[inline]
    pub(super) fn retag(
        &mut self,
        text: &str,
        how: Retag,
        write: impl FnOnce(&[TokenLine], &[Tag<'_>], Option<&[u32]>) -> Result<()>,
    ) -> Result<std::result::Result<(), Refusal>> {
        if self.labels.style != Some(how.to_style) {
            debug_assert!(self.labels.entries.iter().all(|e| e.2 == 0 && e.3 == 0));
            self.labels.entries.clear();
            self.labels.style = Some(how.to_style);
        }
        let mut tags: Vec<(Tag<'_>, u32)> = recycle(std::mem::take(&mut self.tags));
        let mut out: Vec<Tag<'_>> = recycle(std::mem::take(&mut self.out));
        let counted = &mut self.counted;
        counted.clear();
        self.rewritten.clear();
        let decided = retag_sentence(
            text,
            how,
            &self.lines,
            &mut self.labels,
            &mut tags,
            &mut out,
            counted,
            &mut self.rewritten,
        );
        let result = match decided {
            Ok(()) => {
                for &c in counted.iter() {
                    let entry = &mut self.labels.entries[(c >> 1) as usize];
                    entry.2 += 1;
                    entry.3 += u64::from(c & 1);
                }
                let rewritten = how.copies_lines.then_some(&self.rewritten[..]);
                write(&self.lines, &out, rewritten).map(|()| Ok(()))
            }
            Err(refusal) => Ok(Err(refusal)),
        };
        self.tags = recycle(tags);
        self.out = recycle(out);
        result
    }

    /// Adds the entities counted since the last call to `read` (the
    /// entities read) and `written` (those a reader of the output finds).
    pub(super) fn flush_counts(&mut self, read: &mut LabelCounts, written: &mut LabelCounts) {
        for (label, _, r, w) in &mut self.labels.entries {
            if *r > 0 {
                read.add(label, *r);
            }
            if *w > 0 {
                written.add(label, *w);
            }
            (*r, *w) = (0, 0);
        }
    }

    /// Empties the label table (after [`Retagger::flush_counts`]).
    pub(super) fn clear_labels(&mut self) {
        self.labels.entries.clear();
        self.labels.last = 0;
    }
}

/// The work of [`Retagger::retag`]: `tags`, `out`, `counted` and
/// `rewritten` are empty buffers.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn retag_sentence<'t>(
    text: &'t str,
    how: Retag,
    lines: &[TokenLine],
    labels: &mut Labels,
    tags: &mut Vec<(Tag<'t>, u32)>,
    out: &mut Vec<Tag<'t>>,
    counted: &mut Vec<u32>,
    rewritten: &mut Vec<u32>,
) -> std::result::Result<(), Refusal> {
    const NONE: u32 = u32::MAX;
    let mut all_plain = true;
    let bytes = text.as_bytes();
    tags.reserve(lines.len());
    for l in lines {
        all_plain &= l.plain();
        let (tag_start, tag_end) = l.tag();
        // Most tags are `O`, in every style.
        if tag_end == tag_start + 1 && bytes[tag_start] == b'O' {
            tags.push((Tag::OUTSIDE, NONE));
            continue;
        }
        // `Tag::parse_in` of a prefix tag, inline: `B-`, `I-`, ... and a
        // label of one byte or more.
        let parsed = match (how.style, &bytes[tag_start..tag_end]) {
            (TagStyle::Prefix, [letter, b'-', _, ..]) => Prefix::from_letter(*letter)
                .filter(|&p| p != Prefix::Outside)
                .map(|prefix| Tag {
                    prefix,
                    // After the ASCII `-`: a char boundary.
                    label: field(text, (tag_start + 2, tag_end)),
                }),
            _ => Tag::parse_in(how.style, field(text, (tag_start, tag_end))).ok(),
        };
        let Some(tag) = parsed else {
            return Err(Refusal::General);
        };
        // A prefix the scheme does not write is an error, or a repair
        // when lenient.
        if tag.is_outside() || !how.scheme.allows(tag.prefix) {
            return Err(Refusal::General);
        }
        let id = labels.index(tag.label).ok_or(Refusal::Full)?;
        tags.push((tag, id));
    }
    // Whether the line before line `i` of `lines` is the token line
    // before it: a token line missing from `lines` is a plain `O`
    // ([`scan_sentence`]'s `skip_outside`, taken only when the writer
    // copies lines).
    let follows =
        |i: usize| i > 0 && (!how.copies_lines || lines[i - 1].index() + 1 == lines[i].index());
    // Whether a chunk starts at line `i` (not `O`): the decoder's cut.
    let starts = |i: usize| {
        let (tag, id) = tags[i];
        !follows(i) || {
            let (prev, prev_id) = tags[i - 1];
            prev_id != id || always_starts(tag.prefix) || always_ends(prev.prefix)
        }
    };
    let n = tags.len();
    out.resize(n, Tag::OUTSIDE);
    // The `O` lines to list in `rewritten`: those that are not plain.
    let list_outside = how.copies_lines && !all_plain;
    let mut i = 0;
    while i < n {
        let (first, id) = tags[i];
        if id == NONE {
            // An `O` read as `O` is written as read on a plain line.
            if list_outside && !lines[i].plain() {
                rewritten.push(i as u32);
            }
            i += 1;
            continue;
        }
        let mut end = i + 1;
        while end < n && tags[end].1 == id && !starts(end) {
            end += 1;
        }
        let last = tags[end - 1].0.prefix;
        // The token before is of the same label: it ends an entity.
        let before_same = follows(i) && tags[i - 1].1 == id;
        let well_formed = match how.scheme {
            TagScheme::Io | TagScheme::Iob1 | TagScheme::Ioe1 => true,
            TagScheme::Iob2 => first.prefix == Prefix::Begin,
            TagScheme::Ioe2 => last == Prefix::End,
            TagScheme::Iobes => {
                first.prefix == Prefix::Single
                    || (first.prefix == Prefix::Begin && last == Prefix::End)
            }
            TagScheme::Bilou => {
                first.prefix == Prefix::Unit
                    || (first.prefix == Prefix::Begin && last == Prefix::Last)
            }
        };
        if !well_formed || !labels.entries[id as usize].1 {
            return Err(Refusal::General);
        }
        // The entity's tags, as `scheme::encode` writes them.
        let after_same = end < n && follows(end) && tags[end].1 == id;
        let label = first.label;
        let tag = |prefix| Tag { prefix, label };
        out[i..end].fill(tag(Prefix::Inside));
        match how.to {
            TagScheme::Io => {}
            TagScheme::Iob1 => {
                if before_same {
                    out[i] = tag(Prefix::Begin);
                }
            }
            TagScheme::Iob2 => out[i] = tag(Prefix::Begin),
            TagScheme::Ioe1 => {
                if after_same {
                    out[end - 1] = tag(Prefix::End);
                }
            }
            TagScheme::Ioe2 => out[end - 1] = tag(Prefix::End),
            TagScheme::Iobes | TagScheme::Bilou => {
                let (single, closing) = if how.to == TagScheme::Iobes {
                    (Prefix::Single, Prefix::End)
                } else {
                    (Prefix::Unit, Prefix::Last)
                };
                if end - i == 1 {
                    out[i] = tag(single);
                } else {
                    out[i] = tag(Prefix::Begin);
                    out[end - 1] = tag(closing);
                }
            }
        }
        // In IO an entity right after one of its label merges into it
        // for a reader of the output (`scheme::tagging::count_written`).
        let merges = how.to == TagScheme::Io && before_same;
        counted.push(id << 1 | u32::from(!merges));
        if how.copies_lines {
            for (k, (l, &tag)) in lines[i..end].iter().zip(&out[i..end]).enumerate() {
                let (tag_start, tag_end) = l.tag();
                let read = &text.as_bytes()[tag_start..tag_end];
                if !(l.plain() && written_as_read(tag, read)) {
                    rewritten.push((i + k) as u32);
                }
            }
        }
        i = end;
    }
    Ok(())
}

use super::write::{label_fits, written_as_read};
