//! The CoNLL fast route: sentences read straight from the input's buffer.
//!
//! The general reader ([`Reader::read_sentence`](super::Reader)) takes one
//! line at a time with `read_until`, checks each line as UTF-8 and splits
//! it into a `Sentence`. This route looks at the bytes the input already
//! holds (`BufRead::fill_buf`): the complete lines there are checked as
//! UTF-8 once per block, and each sentence in them is split by the
//! word-at-a-time line scan that eval uses (`eval::reader::fast_row`), run
//! across the lines of a sentence. Copying CoNLL
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
use crate::scheme::{self, IllFormed, Tag, TagScheme, TagStyle};
use crate::sentence::Entity;

use super::is_docstart;
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
/// scanned text.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct TokenLine {
    /// The start of the line.
    pub line: usize,
    /// The token (the first field).
    pub token: (usize, usize),
    /// The tag (the last field).
    pub tag: (usize, usize),
    /// The line is the token, a tab, the tag and a `\n`: what the writer
    /// writes for it when the tag is written as it is read.
    pub plain: bool,
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
    /// A `-DOCSTART-` line came before the first token.
    pub document_start: bool,
    /// The sentence was ended by a `-DOCSTART-` line.
    pub next_document: bool,
}

/// Finds the next sentence in `text` from byte `from` (the start of a
/// line, not the start of the input), pushing its token lines to `lines`
/// (cleared first). `None` when the sentence does not end in `text` or is
/// not one the fast route can prove it reads as the general route does
/// (see the module documentation); the caller then leaves it to the
/// general route. `text` is whole lines of an input's buffer (only its
/// last line may lack a line end, and that line is never taken).
///
/// Most lines are `TOKEN<TAB>TAG<LF>`: [`plain_line`] finds their two
/// fields with one word-at-a-time search for the first byte below `!`
/// each, and the rest go through eval's `fast_row` (which a test checks
/// against the general route's split at spaces and tabs), so that a line
/// costs two searches rather than a look at every separator byte.
#[inline]
pub(super) fn scan_sentence(
    text: &str,
    from: usize,
    comments: bool,
    ids_unchecked: bool,
    lines: &mut Vec<TokenLine>,
) -> Option<Scanned> {
    lines.clear();
    let b = text.as_bytes();
    let mut state = Scan {
        ids: ids_unchecked,
        comments,
        count: 0,
        first_line: 0,
        document_start: false,
    };
    let mut at = from;
    loop {
        // A blank line ends a sentence, or comes before one.
        if b.get(at) == Some(&b'\n') {
            state.count += 1;
            if lines.is_empty() {
                at += 1;
                continue;
            }
            return Some(state.ends(at + 1, false));
        }
        // The common line, once the ID column is ruled out: taken here
        // with the checks of `Scan::line` that a line of two fields
        // needs (a document line, Unicode whitespace, a comment).
        if !state.ids {
            if let Some((sep, end)) = plain_line(b, at) {
                let first = b[at];
                if first < 0x80 && first != b'-' && !(comments && first == b'#') {
                    state.count += 1;
                    if lines.is_empty() {
                        state.first_line = state.count;
                    }
                    lines.push(TokenLine {
                        line: at,
                        token: (at, sep),
                        tag: (sep + 1, end),
                        plain: b[sep] == b'\t',
                    });
                    at = end + 1;
                    continue;
                }
            }
        }
        let (row, next, plain) = match plain_line(b, at) {
            Some((sep, end)) => {
                let token = (at, sep);
                let tag = (sep + 1, end);
                let row = Row {
                    count: 2,
                    first: token,
                    last: tag,
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
                (row, next, false)
            }
        };
        match state.line(text, at, next, &row, plain, lines) {
            Line::More => {}
            Line::Ends(scanned) => return Some(scanned),
            Line::Refused => return None,
        }
        at = next;
    }
}

/// The line of `b` at `at` when it is `TOKEN`, one space or tab, `TAG`
/// and a `\n` (no other byte below `!` in it): where its separator and its
/// line end are. `None` for any other line, and near the end of `b`, where
/// eight bytes cannot be read at once; `fast_row` then splits it.
#[inline(always)]
pub(super) fn plain_line(b: &[u8], at: usize) -> Option<(usize, usize)> {
    let sep = next_control(b, at)?;
    if sep == at || !matches!(b[sep], b' ' | b'\t') {
        return None;
    }
    let end = next_control(b, sep + 1)?;
    if end == sep + 1 || b[end] != b'\n' {
        return None;
    }
    Some((sep, end))
}

/// The first byte at or after `at` that is below `!` (a space, a tab, a
/// line end or another control character), searched eight bytes at a
/// time; `None` when it is not found before the last eight bytes of `b`.
#[inline(always)]
fn next_control(b: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let word = b.get(at..at + 8)?;
        let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let m = crate::swar::first_below(w, b'!');
        if m != 0 {
            return Some(at + (m.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
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
    /// Lines seen, and the one of the first token.
    count: u64,
    first_line: u64,
    document_start: bool,
}

/// What a line does to the sentence being scanned.
enum Line {
    More,
    Ends(Scanned),
    /// The general route reads the sentence.
    Refused,
}

impl Scan {
    /// The sentence scanned, ended by the line that ends at `next`, which
    /// was counted.
    #[inline(always)]
    fn ends(&self, next: usize, next_document: bool) -> Scanned {
        Scanned {
            end: next,
            lines: self.count,
            first_line: self.first_line,
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
        self.count += 1;
        let ends = |s: &Scan, next_document| Line::Ends(s.ends(next, next_document));
        if row.count == 0 {
            // A blank line: spaces and tabs only.
            if lines.is_empty() {
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
                if lines.is_empty() {
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
        if lines.is_empty() {
            self.first_line = self.count;
        }
        lines.push(TokenLine {
            line: at,
            token: row.first,
            tag: row.last,
            plain,
        });
        Line::More
    }
}

/// The length of the longest prefix of `buf` that is whole lines of
/// UTF-8: up to the last line end, or up to the line that holds the first
/// invalid byte.
pub(super) fn valid_lines(buf: &[u8]) -> usize {
    let cut = memchr::memrchr(b'\n', buf).map_or(0, |i| i + 1);
    match std::str::from_utf8(&buf[..cut]) {
        Ok(_) => cut,
        Err(e) => memchr::memrchr(b'\n', &buf[..e.valid_up_to()]).map_or(0, |i| i + 1),
    }
}

/// The buffers one sentence is retagged in, reused from sentence to
/// sentence.
#[derive(Debug, Default)]
pub(super) struct Retagger {
    pub lines: Vec<TokenLine>,
    tags: Vec<Tag<'static>>,
    entities: Vec<Entity<'static>>,
    ill: Vec<IllFormed<'static>>,
    out: Vec<Tag<'static>>,
}

/// What a sentence is read and written as.
#[derive(Clone, Copy, Debug)]
pub(super) struct Retag {
    pub scheme: TagScheme,
    pub style: TagStyle,
    pub lenient: bool,
    pub to: TagScheme,
    pub to_style: TagStyle,
}

impl Retagger {
    /// Decodes the tags of the sentence in `self.lines` (found in `text`),
    /// encodes its entities in the output scheme and hands the lines, the
    /// entities and the tags to write to `write`. `Ok(false)`, with
    /// nothing handed over, when a tag is invalid, a chunk is ill-formed
    /// (an error or a repair, left to the general route) or a label cannot
    /// be written (an error of the writer, left to it too).
    ///
    /// # Errors
    /// Those of `write`.
    #[inline]
    pub(super) fn retag(
        &mut self,
        text: &str,
        how: Retag,
        write: impl FnOnce(&[TokenLine], &[Entity<'_>], &[Tag<'_>]) -> Result<()>,
    ) -> Result<bool> {
        let mut tags: Vec<Tag<'_>> = recycle(std::mem::take(&mut self.tags));
        let mut entities: Vec<Entity<'_>> = recycle(std::mem::take(&mut self.entities));
        let mut ill: Vec<IllFormed<'_>> = recycle(std::mem::take(&mut self.ill));
        let mut out: Vec<Tag<'_>> = recycle(std::mem::take(&mut self.out));
        let decided = (|| {
            for l in &self.lines {
                let tag = &text[l.tag.0..l.tag.1];
                // Most tags are `O`, in every style.
                tags.push(if tag == "O" {
                    Tag::OUTSIDE
                } else {
                    Tag::parse_in(how.style, tag).ok()?
                });
            }
            if how.lenient {
                scheme::decode_lenient_in(how.scheme, &tags, &mut entities, &mut ill);
            } else {
                scheme::decode_strict(how.scheme, &tags, &mut entities, &mut ill).ok()?;
            }
            if !ill.is_empty() || !entities.iter().all(|e| label_fits(how.to_style, e.label)) {
                return None;
            }
            scheme::encode(how.to, tags.len(), &entities, &mut out).ok()
        })()
        .is_some();
        let result = if decided {
            write(&self.lines, &entities, &out).map(|()| true)
        } else {
            Ok(false)
        };
        self.tags = recycle(tags);
        self.entities = recycle(entities);
        self.ill = recycle(ill);
        self.out = recycle(out);
        result
    }
}

use super::write::label_fits;

/// Adds to `written` the entities a reader of `entities` encoded in
/// `scheme` finds: all of them, but that in IO an entity right after one
/// of its type merges into it. The same count as the general route's
/// writer (`scheme::tagging::count_written`), which the differential tests
/// compare.
pub(super) fn count_written(scheme: TagScheme, entities: &[Entity<'_>], written: &mut LabelCounts) {
    let mut previous: Option<&Entity<'_>> = None;
    for e in entities {
        let merges = scheme == TagScheme::Io
            && previous.is_some_and(|p| p.tokens.end() == e.tokens.start() && p.label == e.label);
        if !merges {
            written.add(e.label, 1);
        }
        previous = Some(e);
    }
}
