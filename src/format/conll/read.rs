//! Reading CoNLL files.

use std::io::{BufRead, Cursor, Read};

use crate::convert::Summary;
use crate::error::{Error, Hint, ParseErrorKind, Result};
use crate::format::Delimiter;
use crate::repair::Repair;
use crate::scheme::tagging::{replay_detection_prefix, Replayed, SchemeDetector, TagDecoder};
use crate::scheme::{StyleDetector, Tag, TagScheme, TagStyle};
use crate::sentence::Sentence;
use crate::span::{Position, Span};

/// Options for reading CoNLL files.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ReadOptions {
    /// How columns are separated.
    pub delimiter: Delimiter,
    /// The column holding the tag, from 1; `None` for the last (or the one
    /// before a last column of numbers, see [`Reader`]).
    pub tag_column: Option<usize>,
    /// Skip lines that start with `#` (CoNLL-U comments such as
    /// `# text = ...`). Off by default, since `#` is also a token; on
    /// whenever [`ReadOptions::misc_key`] is given.
    pub comments: bool,
    /// The scheme of the tags; `None` detects it from the start of the
    /// input (see [`detect_scheme`]).
    pub scheme: Option<TagScheme>,
    /// Read ill-formed tag sequences as conlleval.pl does and record a
    /// repair per repaired chunk, instead of failing.
    pub lenient: bool,
    /// How tags spell prefix and type (`B-PER`, `PER-B`, `PER`, `B`);
    /// `None` detects it from the start of the input, with the scheme.
    pub tag_style: Option<TagStyle>,
    /// The column holding the token, from 1; `None` for the first. When it
    /// is given, lines whose first column is a range `1-2` or a decimal
    /// `1.1` are skipped: CoNLL-U's multiword tokens and empty nodes,
    /// whose words are on lines of their own.
    pub token_column: Option<usize>,
    /// Read the tag from the `KEY=VALUE` member of the tag column, whose
    /// members are separated by `|` (CoNLL-U's MISC column holds
    /// `NER=B-PER|SpaceAfter=No`); a column of `_` or one without the key
    /// is `O`. Lines starting with `#` are comments then.
    pub misc_key: Option<String>,
    /// Record the columns other than the token and the tag (CoNLL-2003's
    /// part-of-speech and chunk tags) in each sentence
    /// ([`Sentence::columns`]), so that a CoNLL writer can keep them.
    pub keep_columns: bool,
}

impl ReadOptions {
    /// True when lines starting with `#` are comments.
    pub(super) fn skips_comments(&self) -> bool {
        self.comments || self.misc_key.is_some()
    }

    /// True for a line that holds no token and does not end a sentence: a
    /// comment, or (with a token column) a CoNLL-U multiword token or
    /// empty node.
    fn skips(&self, line: &str) -> bool {
        (self.skips_comments() && line.starts_with('#'))
            || (self.token_column.is_some_and(|k| k > 1) && is_range_or_decimal(first_field(line)))
    }
}

/// The first field of `line` split at spaces and tabs (CoNLL-U's ID).
fn first_field(line: &str) -> &str {
    line.split(['\t', ' '])
        .find(|f| !f.is_empty())
        .unwrap_or("")
}

/// True for `1-2` and `1.1`: the IDs of CoNLL-U's multiword tokens and
/// empty nodes.
pub(super) fn is_range_or_decimal(field: &str) -> bool {
    let Some(at) = field.find(['-', '.']) else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(&field[..at]) && digits(&field[at + 1..])
}

/// True for a field that reads as a number: a probability or a score.
fn is_number(field: &str) -> bool {
    field
        .as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+'))
        && field.parse::<f64>().is_ok()
}

/// Detects the scheme of CoNLL lines (a prefix of a file): every line is
/// split as `opts` says and the tags that parse are fed to a
/// [`SchemeDetector`](super::SchemeDetector).
pub fn detect_scheme(text: &[u8], opts: &ReadOptions) -> TagScheme {
    detect_tags(text, opts).0
}

/// Detects the scheme and the tag style of CoNLL lines (a prefix of a
/// file), or takes them from `opts` where given: the style from the
/// shapes of the tags ([`StyleDetector`]), then the scheme from the tags
/// read in that style. Unprefixed tags are IO.
pub fn detect_tags(text: &[u8], opts: &ReadOptions) -> (TagScheme, TagStyle) {
    // Two passes over the lines rather than one kept list of them: the
    // list would take about three times the prefix in memory.
    let style = opts.tag_style.unwrap_or_else(|| {
        let mut detector = StyleDetector::new();
        for_each_detected(text, opts, |d| {
            // `#` lines are comments in CoNLL-U, and a comment's last word
            // must not vote for unprefixed tags.
            if let Detected::Tag { tag, hash: false } = d {
                detector.observe(tag);
            }
        });
        detector.style()
    });
    if let Some(scheme) = opts.scheme.or(style.only_scheme()) {
        return (scheme, style);
    }
    let mut detector = SchemeDetector::new();
    let mut tags: Vec<Tag<'_>> = Vec::new();
    for_each_detected(text, opts, |d| match d {
        Detected::Boundary => {
            detector.observe(&tags);
            tags.clear();
        }
        Detected::Tag { tag, .. } => {
            tags.push(Tag::parse_in(style, tag).unwrap_or(Tag::OUTSIDE));
        }
    });
    detector.observe(&tags);
    (detector.scheme(), style)
}

/// What a line of a detection prefix is to [`detect_tags`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Detected<'a> {
    /// A blank or document line: the end of a sentence.
    Boundary,
    /// A token line's tag; `hash` when the line starts with `#`.
    Tag { tag: &'a str, hash: bool },
}

/// What the line `line` (without its line end) is to detection, if
/// anything: lines that are skipped or cannot be split count for nothing.
/// Invalid UTF-8 reads as a blank line, and a byte-order mark is passed
/// over on every line.
pub(super) fn detected<'a>(line: &'a [u8], opts: &ReadOptions) -> Option<Detected<'a>> {
    let line = std::str::from_utf8(line).unwrap_or("");
    let line = line.strip_suffix('\r').unwrap_or(line);
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    if line.trim().is_empty() || is_docstart(line) {
        return Some(Detected::Boundary);
    }
    if opts.skips(line) {
        return None;
    }
    let fields = split_line(line, opts).ok()?;
    Some(Detected::Tag {
        tag: fields.tag,
        hash: line.starts_with('#'),
    })
}

/// Hands what each line of `text` is to detection ([`detected`]) to
/// `visit`, in order. Detection reads up to a mebibyte of every input, so
/// where the options allow, the lines are checked as UTF-8 at once and
/// split by the fast route's scan ([`fast_row`](crate::eval::reader::fast_row));
/// a line it does not prove plain is looked at by [`detected`].
pub(super) fn for_each_detected<'a>(
    text: &'a [u8],
    opts: &ReadOptions,
    mut visit: impl FnMut(Detected<'a>),
) {
    let mut at = 0;
    if super::fast::handles(opts) {
        if let Ok(valid) = std::str::from_utf8(text) {
            let b = text;
            let comments = opts.skips_comments();
            let mut masks = super::fast::BreakMasks::default();
            while at < b.len() {
                // Most lines are a token, a tab and a tag.
                if let Some((sep, end)) = super::fast::plain_line(b, at, &mut masks) {
                    let first = b[at];
                    if first < 0x80 && first != b'-' && !(comments && first == b'#') {
                        visit(Detected::Tag {
                            tag: &valid[sep + 1..end],
                            hash: first == b'#',
                        });
                        at = end + 1;
                        continue;
                    }
                }
                let Some((row, next)) = crate::eval::reader::fast_row(valid, at) else {
                    // A line with a control character, or the last line
                    // without a line end.
                    let Some(end) = memchr::memchr(b'\n', &b[at..]) else {
                        break;
                    };
                    if let Some(d) = detected(&b[at..at + end], opts) {
                        visit(d);
                    }
                    at += end + 1;
                    continue;
                };
                let start = at;
                at = next;
                let first = b.get(row.first.0).copied().unwrap_or(b' ');
                if row.count > 0 && (first >= 0x80 || first == b'-') {
                    // A byte-order mark, Unicode whitespace and document
                    // lines are the general reading's.
                    if let Some(d) = detected(&b[start..next - 1], opts) {
                        visit(d);
                    }
                    continue;
                }
                if row.count == 0 {
                    visit(Detected::Boundary);
                    continue;
                }
                let starts_hash = b[start] == b'#';
                if comments && starts_hash {
                    continue;
                }
                if row.count < 2 {
                    continue;
                }
                let (last, second_last) = (
                    &valid[row.last.0..row.last.1],
                    &valid[row.second_last.0..row.second_last.1],
                );
                // As `split_line` takes the tag with the first column as
                // the token and no tag column given.
                let tag = if row.count >= 3
                    && is_number(last)
                    && !is_number(second_last)
                    && crate::scheme::tag_style_of(second_last).is_some()
                {
                    second_last
                } else {
                    last
                };
                visit(Detected::Tag {
                    tag,
                    hash: starts_hash,
                });
            }
        }
    }
    for line in text[at..].split(|&b| b == b'\n') {
        if let Some(d) = detected(line, opts) {
            visit(d);
        }
    }
}

/// True when some line of `text` (a prefix of a file) has a number after
/// its tag that the reader passes over (`EU B-ORG 0.98`).
pub fn has_score_column(text: &[u8], opts: &ReadOptions) -> bool {
    text.split(|&b| b == b'\n').any(|line| {
        let line = std::str::from_utf8(line).unwrap_or("");
        !is_docstart(line) && !opts.skips(line) && split_line(line, opts).is_ok_and(|f| f.scored)
    })
}

/// True for every spelling of a CoNLL document line: `-DOCSTART-` as the
/// first column, whatever follows.
pub fn is_docstart(line: &str) -> bool {
    line.trim_start()
        .strip_prefix("-DOCSTART-")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// The fields of a token line that the reader takes.
#[derive(Clone, Copy, Debug)]
struct Fields<'l> {
    token: &'l str,
    /// The tag (the value of the MISC key, when one is given).
    tag: &'l str,
    /// Byte offset of the tag in the line.
    tag_at: usize,
    /// Number of fields, and (from 1) the token's and the tag's.
    count: usize,
    token_index: usize,
    tag_index: usize,
    /// The last column holds a number (a probability) after the tag.
    scored: bool,
}

/// The fields of `line` as `opts` says, or why the line has no token and
/// tag. Splits once and allocates nothing.
fn split_line<'l>(line: &'l str, opts: &ReadOptions) -> std::result::Result<Fields<'l>, String> {
    let base = line.as_ptr() as usize;
    let at = |s: &str| s.as_ptr() as usize - base;
    let token_index = opts.token_column.unwrap_or(1);
    let mut count = 0;
    let (mut token, mut chosen, mut second_last, mut last) = (None, None, "", "");
    let mut visit = |field: &'l str| {
        count += 1;
        if count == token_index {
            token = Some(field);
        }
        if opts.tag_column == Some(count) {
            chosen = Some(field);
        }
        second_last = last;
        last = field;
    };
    match &opts.delimiter {
        Delimiter::Whitespace => line
            .split([' ', '\t'])
            .filter(|f| !f.is_empty())
            .for_each(&mut visit),
        Delimiter::Literal(d) => line.split(d.as_str()).for_each(&mut visit),
    }
    if count < 2 {
        return Err("expected a token and a tag (at least two columns)".to_string());
    }
    let Some(token) = token else {
        return Err(format!(
            "no column {token_index} (the token column) on this line of {count} columns"
        ));
    };
    let (tag, tag_index, scored) = match opts.tag_column {
        Some(k) if k == token_index => {
            return Err(format!("the tag column ({k}) is the token column"));
        }
        Some(k) => match chosen {
            Some(tag) => (tag, k, false),
            None => {
                return Err(format!(
                    "no column {k} (the tag column) on this line of {count} columns"
                ))
            }
        },
        // `EU B-ORG 0.98`: a tagger's output with the probability of each
        // tag after it. The tag is the column before the number.
        None if count >= 3
            && count - 1 != token_index
            && is_number(last)
            && !is_number(second_last)
            && crate::scheme::tag_style_of(second_last).is_some() =>
        {
            (second_last, count - 1, true)
        }
        None if count == token_index => {
            return Err(format!(
            "the token column ({token_index}) is the last, where the tag is; name the tag column"
        ))
        }
        None => (last, count, false),
    };
    let (tag, tag_at) = match &opts.misc_key {
        None => (tag, at(tag)),
        Some(key) => {
            let value = tag.split('|').find_map(|member| {
                member
                    .strip_prefix(key.as_str())
                    .and_then(|rest| rest.strip_prefix('='))
            });
            match value {
                Some(v) => (v, at(v)),
                // `_` and a column without the key: outside any entity.
                None => ("O", at(tag)),
            }
        }
    };
    Ok(Fields {
        token,
        tag,
        tag_at,
        count,
        token_index,
        tag_index,
        scored,
    })
}

/// Where a token's line is, for messages.
#[derive(Clone, Copy, Debug, Default)]
struct TokenLine {
    line: u64,
    byte: u64,
    /// Column (chars, from 1) of the tag in the line.
    tag_column: u64,
}

/// Reads CoNLL token-per-line files one sentence at a time, in bounded
/// memory.
///
/// Columns are split as [`ReadOptions::delimiter`] says; the token is the
/// first column (or [`ReadOptions::token_column`]) and the tag the last
/// (or [`ReadOptions::tag_column`], or the value of
/// [`ReadOptions::misc_key`] in it). A blank line ends a sentence; a line
/// whose first column is `-DOCSTART-` ends a document and is never a
/// token. CRLF line ends and a byte-order mark are accepted.
///
/// A tagger's output often has the probability of each tag after it
/// (`EU B-ORG 0.98`). When no tag column is given, a line of three or more
/// columns whose last column is a number and whose column before it is
/// shaped like a tag takes its tag from the column before; the reader then
/// says so in its facts ([`InputFacts::score_column`](crate::format::InputFacts::score_column)).
///
/// A first column of the numbers `1, 2, 3, ...` (CoNLL-U's ID column) is
/// not taken for tokens: without a token column, a first sentence of two or
/// more such lines of three or more columns is an error that names the
/// token column.
///
/// When no scheme or no tag style is given, the reader reads up to
/// [`DETECT_BYTES`](super::DETECT_BYTES) of the input, detects them from
/// the tags in it (see [`detect_tags`]), and then replays those bytes, so
/// memory stays bounded.
///
/// # Example
/// ```
/// use nerkit::conll::{Reader, ReadOptions};
/// use nerkit::{Sentence, TagScheme};
///
/// let text = "-DOCSTART- -X- -X- O\n\nThe O\nMad I-ORG\nCapsule I-ORG\n\n";
/// let mut reader = Reader::new(text.as_bytes(), ReadOptions::default());
/// let mut sentence = Sentence::new();
/// assert!(reader.read_sentence(&mut sentence)?);
/// assert_eq!(reader.scheme(), Some(TagScheme::Iob1));
/// let e = sentence.entity(0);
/// assert_eq!((e.label, e.tokens.start(), e.tokens.end()), ("ORG", 1, 3));
/// assert!(!reader.read_sentence(&mut sentence)?);
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Reader<R> {
    /// The input, behind the replayed detection prefix. Always `Some`
    /// outside of `detect`.
    input: Option<Replayed<R>>,
    opts: ReadOptions,
    scheme: Option<TagScheme>,
    style: Option<TagStyle>,
    detected: bool,
    style_detected: bool,
    line_buf: Vec<u8>,
    line: u64,
    byte: u64,
    document_start: bool,
    next_document: bool,
    eof: bool,
    tag_text: String,
    tag_spans: Vec<Span>,
    lines: Vec<TokenLine>,
    /// The kept columns of one line, joined by tabs.
    columns: String,
    decoder: TagDecoder,
    repairs: Vec<Repair>,
    /// Whether a first column of IDs is still to be looked for: until the
    /// first sentence of two or more tokens, without a token column.
    ids_unchecked: bool,
    scored: bool,
    skipped: u64,
    /// Whether sentences may take the fast route ([`super::fast`]) with
    /// these options.
    fast: bool,
    /// How many bytes at the front of the input's buffer are whole lines
    /// already checked as UTF-8 by the fast route; 0 when unknown (after
    /// the general route read on).
    valid: usize,
    retagger: super::fast::Retagger,
    /// Repairs a fast read would have made, which send its sentence to
    /// the general route instead.
    fast_repairs: Vec<Repair>,
}

impl<R: BufRead> Reader<R> {
    /// A reader over `inner`.
    pub fn new(inner: R, opts: ReadOptions) -> Reader<R> {
        Reader {
            input: Some(Cursor::new(Vec::new()).chain(inner)),
            scheme: opts
                .scheme
                .or(opts.tag_style.and_then(TagStyle::only_scheme)),
            style: opts.tag_style,
            ids_unchecked: opts.token_column.is_none(),
            detected: false,
            style_detected: false,
            line_buf: Vec::with_capacity(256),
            line: 0,
            byte: 0,
            document_start: true,
            next_document: false,
            eof: false,
            tag_text: String::new(),
            tag_spans: Vec::new(),
            lines: Vec::new(),
            columns: String::new(),
            decoder: TagDecoder::default(),
            repairs: Vec::new(),
            scored: false,
            skipped: 0,
            fast: super::fast::handles(&opts),
            valid: 0,
            retagger: super::fast::Retagger::default(),
            fast_repairs: Vec::new(),
            opts,
        }
    }

    /// The reader of a part of a larger input that starts at line `line`
    /// and byte `byte` of that input, so that positions are those of the
    /// whole input. Its first sentence begins a document only when
    /// `document_start` is set (or a `-DOCSTART-` line says so). Give the
    /// scheme and the tag style in the options: a part is too small to
    /// detect them from.
    pub fn starting_at(mut self, line: u64, byte: u64, document_start: bool) -> Reader<R> {
        self.line = line.saturating_sub(1);
        self.byte = byte;
        self.document_start = document_start;
        // CoNLL-U's IDs are looked for at the start of the input only (a
        // stretch read by a thread counts its lines from 1 too).
        self.ids_unchecked &= byte == 0;
        self
    }

    /// Reads every sentence by the general route, for the tests that prove
    /// the fast route equal to it.
    #[cfg(test)]
    pub(crate) fn without_fast_route(mut self) -> Reader<R> {
        self.fast = false;
        self
    }

    /// The scheme the tags are read in: the one given, or the one detected
    /// (known after the first read).
    pub fn scheme(&self) -> Option<TagScheme> {
        self.scheme
    }

    /// True when the scheme was detected rather than given.
    pub fn scheme_detected(&self) -> bool {
        self.detected
    }

    /// The tag style the tags are read in: the one given, or the one
    /// detected (known after the first read).
    pub fn tag_style(&self) -> Option<TagStyle> {
        self.style
    }

    /// True when the tag style was detected rather than given.
    pub fn tag_style_detected(&self) -> bool {
        self.style_detected
    }

    /// True when some line had a number after its tag (`EU B-ORG 0.98`)
    /// that was passed over.
    pub fn score_column_seen(&self) -> bool {
        self.scored
    }

    /// The number of CoNLL-U multiword-token and empty-node lines (`1-2`,
    /// `1.1`) passed over so far.
    pub fn skipped_lines(&self) -> u64 {
        self.skipped
    }

    /// Repairs made since the last call (only when lenient).
    pub fn take_repairs(&mut self) -> std::vec::Drain<'_, Repair> {
        self.repairs.drain(..)
    }

    /// Reads up to [`DETECT_BYTES`](super::DETECT_BYTES) (whole lines),
    /// detects the scheme and the tag style, and puts the bytes back in
    /// front of the input.
    fn detect(&mut self) -> Result<()> {
        let Some(input) = self.input.take() else {
            return Ok(());
        };
        let (input, len, result) = replay_detection_prefix(input);
        let (scheme, style) = detect_tags(&input.get_ref().0.get_ref()[..len], &self.opts);
        self.detected = self.scheme.is_none();
        self.style_detected = self.style.is_none();
        self.scheme = Some(scheme);
        self.style = Some(style);
        self.input = Some(input);
        self.valid = 0;
        result
    }

    /// True when the next sentence may be tried on the fast route: the
    /// options allow it, the scheme and style are known and agree, and the
    /// reader is past what only the general route checks (a byte-order
    /// mark at the start of the input, CoNLL-U's ID column).
    pub(super) fn fast_ready(&self) -> bool {
        self.fast
            && self.byte != 0
            && !self.eof
            && self.scheme.is_some()
            && self.style.is_some_and(|style| {
                style
                    .only_scheme()
                    .is_none_or(|only| Some(only) == self.scheme)
            })
    }

    /// Reads the next sentence by the fast route when it can prove it
    /// reads what the general route reads; `false`, with nothing read and
    /// `sentence` empty, when it leaves the sentence to the general route.
    pub(super) fn read_fast(&mut self, sentence: &mut Sentence) -> bool {
        let Some(input) = self.input.as_mut() else {
            return false;
        };
        // An error is left to the general route, which reads again.
        let Ok(buf) = input.fill_buf() else {
            return false;
        };
        if self.valid == 0 || buf.len() < self.valid {
            self.valid = super::fast::valid_lines(buf);
        }
        // SAFETY: `valid_lines` checked these bytes as UTF-8 (now or before
        // the bytes in front of them were consumed: the buffer holds the
        // same bytes of the input as long as it is at least as long).
        let text = unsafe { std::str::from_utf8_unchecked(&buf[..self.valid]) };
        let comments = self.opts.skips_comments();
        let lines = &mut self.retagger.lines;
        let masks = &mut self.retagger.masks;
        masks.clear();
        let Some(found) =
            super::fast::scan_sentence(text, 0, comments, self.ids_unchecked, false, lines, masks)
        else {
            return false;
        };
        for l in lines.iter() {
            let (start, end) = l.token();
            sentence.push_token(
                super::fast::field(text, (start, end)),
                Span::new(start - l.line(), end - l.line()),
            );
        }
        // Positions are made only for errors and repairs, which send the
        // sentence to the general route.
        let decoded = self.decoder.decode(
            self.scheme.unwrap_or_default(),
            self.style.unwrap_or_default(),
            self.opts.lenient,
            lines.iter().map(|l| super::fast::field(text, l.tag())),
            sentence,
            &mut |_| Position::new(0, 0, 0),
            &mut self.fast_repairs,
        );
        if decoded.is_err() || !self.fast_repairs.is_empty() {
            self.fast_repairs.clear();
            sentence.clear();
            return false;
        }
        sentence.set_line(self.line + found.first_line);
        sentence.set_document_start(self.document_start || found.document_start);
        self.document_start = found.next_document;
        input.consume(found.end);
        self.valid -= found.end;
        self.line += found.lines;
        self.byte += found.end as u64;
        super::fast::taken();
        true
    }

    /// Copies every sentence to `writer`, by the fast route where it can
    /// prove it writes what [`copy_sentences`](crate::convert::copy_sentences)
    /// writes, and by the general route elsewhere.
    fn copy_fast<W: LinesOut>(
        &mut self,
        writer: &mut W,
        summary: &mut Summary,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> Result<()> {
        let mut sentence = Sentence::new();
        let mut out = Vec::with_capacity(FLUSH_BYTES + 4096);
        let result = (|| loop {
            if self.fast_ready() && self.copy_run(writer, summary, &mut out)? {
                continue;
            }
            writer.sink().write_all(&out)?;
            out.clear();
            let more = self.read_general(&mut sentence);
            for r in self.repairs.drain(..) {
                summary.repairs.add(&r);
                on_repair(&r);
            }
            if !more? {
                return Ok(());
            }
            crate::convert::write_counted(&sentence, writer, summary)?;
        })();
        let flushed = writer.sink().write_all(&out);
        result.and(flushed.map_err(Error::from))
    }

    /// Copies the sentences of the input's buffer by the fast route until
    /// one is left to the general route; `false` when the first is.
    fn copy_run<W: LinesOut>(
        &mut self,
        writer: &mut W,
        summary: &mut Summary,
        out: &mut Vec<u8>,
    ) -> Result<bool> {
        let Some(input) = self.input.as_mut() else {
            return Ok(false);
        };
        let Ok(buf) = input.fill_buf() else {
            return Ok(false);
        };
        if self.valid == 0 || buf.len() < self.valid {
            self.valid = super::fast::valid_lines(buf);
        }
        // SAFETY: as in `read_fast`.
        let text = unsafe { std::str::from_utf8_unchecked(&buf[..self.valid]) };
        let how = super::fast::Retag {
            scheme: self.scheme.unwrap_or_default(),
            style: self.style.unwrap_or_default(),
            to: writer.scheme_out(),
            to_style: writer.style_out(),
            copies_lines: writer.copies_lines(),
        };
        let comments = self.opts.skips_comments();
        let mut at = 0;
        let mut result = Ok(());
        self.retagger.masks.clear();
        while let Some(found) = super::fast::scan_sentence(
            text,
            at,
            comments,
            self.ids_unchecked,
            // Plain `O` lines are written as read.
            how.copies_lines,
            &mut self.retagger.lines,
            &mut self.retagger.masks,
        ) {
            let document = self.document_start || found.document_start;
            let mut attempts = 0;
            let taken = loop {
                let taken = self.retagger.retag(text, how, |lines, tags, rewritten| {
                    if document {
                        summary.documents += 1;
                        writer.sink().write_all(out)?;
                        out.clear();
                        crate::convert::SentenceWriter::start_document(writer)?;
                    }
                    summary.sentences += 1;
                    summary.tokens += found.tokens as u64;
                    writer.push_sentence(out, text, lines, tags, rewritten, found.token_lines);
                    if out.len() >= FLUSH_BYTES {
                        writer.sink().write_all(out)?;
                        out.clear();
                    }
                    Ok(())
                });
                attempts += 1;
                if attempts > 1 || !matches!(taken, Ok(Err(super::fast::Refusal::Full))) {
                    break taken;
                }
                // More labels than the table holds: empty it and try once
                // more.
                self.retagger
                    .flush_counts(&mut summary.read, &mut summary.written);
                self.retagger.clear_labels();
            };
            match taken {
                Ok(Ok(())) => super::fast::taken(),
                Ok(Err(_)) => break,
                Err(e) => {
                    result = Err(e);
                }
            }
            self.document_start = found.next_document;
            self.line += found.lines;
            self.byte += (found.end - at) as u64;
            at = found.end;
            if result.is_err() {
                break;
            }
        }
        self.retagger
            .flush_counts(&mut summary.read, &mut summary.written);
        let input = self.input.as_mut().expect("input present");
        input.consume(at);
        self.valid -= at;
        result.map(|()| at > 0)
    }

    /// Reads the next sentence into `sentence` (cleared first). Returns
    /// `false` at the end of the input.
    ///
    /// # Errors
    /// I/O errors, invalid UTF-8, lines without a token or a tag column, a
    /// first column of CoNLL-U IDs taken for tokens, invalid tags, a tag
    /// style that cannot hold the scheme, and (unless lenient) ill-formed
    /// tag sequences, with the line and column.
    pub fn read_sentence(&mut self, sentence: &mut Sentence) -> Result<bool> {
        sentence.clear();
        if self.scheme.is_none() || self.style.is_none() {
            self.detect()?;
        }
        if self.fast_ready() && self.read_fast(sentence) {
            return Ok(true);
        }
        self.read_general(sentence)
    }

    /// [`Reader::read_sentence`] line by line: the general route, which
    /// every sentence the fast route does not take goes through.
    fn read_general(&mut self, sentence: &mut Sentence) -> Result<bool> {
        sentence.clear();
        if self.scheme.is_none() || self.style.is_none() {
            self.detect()?;
        }
        // It reads on, so what the fast route checked is no longer at the
        // front of the buffer.
        self.valid = 0;
        self.tag_text.clear();
        self.tag_spans.clear();
        self.lines.clear();
        let mut first_line = 0;
        // CoNLL-U's IDs: the tokens so far are 1, 2, 3, ... on lines of
        // three or more columns.
        let mut ids = self.ids_unchecked;
        let mut next_id = 1;
        while !self.eof {
            self.line_buf.clear();
            let input = self.input.as_mut().expect("input present");
            let n = input.read_until(b'\n', &mut self.line_buf)?;
            if n == 0 {
                self.eof = true;
                break;
            }
            self.line += 1;
            let line_start = self.byte;
            self.byte += n as u64;
            let (content, bom) = crate::lines::content(&self.line_buf, line_start == 0);
            crate::lines::refuse_lone_cr(content, self.line, line_start + bom)?;
            let line = crate::lines::utf8(content, self.line, line_start + bom)?;
            if line.trim().is_empty() {
                if sentence.is_empty() {
                    continue;
                }
                break;
            }
            if is_docstart(line) {
                if sentence.is_empty() {
                    self.document_start = true;
                    continue;
                }
                // The document line ends the sentence and starts the next
                // document; the next read starts after it.
                self.next_document = true;
                break;
            }
            if self.opts.skips(line) {
                if !line.starts_with('#') {
                    self.skipped += 1;
                }
                continue;
            }
            let fields = match split_line(line, &self.opts) {
                Ok(fields) => fields,
                Err(why) => {
                    let pos = Position::in_line(self.line, line_start + bom, content, 0);
                    return Err(Error::parse(pos, ParseErrorKind::Other(why)));
                }
            };
            if sentence.is_empty() {
                first_line = self.line;
            }
            // CoNLL-U's comments and multiword tokens have no ID of the
            // run.
            if ids && !line.starts_with('#') && !is_range_or_decimal(fields.token) {
                ids = fields.count >= 3 && fields.token.parse::<usize>().ok() == Some(next_id);
                next_id += 1;
            }
            self.scored |= fields.scored;
            let token = fields.token;
            let token_at = token.as_ptr() as usize - line.as_ptr() as usize;
            sentence.push_token(token, Span::new(token_at, token_at + token.len()));
            if self.opts.keep_columns {
                keep_columns(line, &self.opts.delimiter, &fields, &mut self.columns);
                sentence.push_columns(&self.columns);
            }
            let start = self.tag_text.len();
            self.tag_text.push_str(fields.tag);
            self.tag_spans.push(Span::new(start, self.tag_text.len()));
            let tag_at = fields.tag_at;
            let tag_column = if line.is_ascii() {
                tag_at as u64 + 1
            } else {
                line[..tag_at].chars().count() as u64 + 1
            };
            self.lines.push(TokenLine {
                line: self.line,
                byte: line_start + bom + tag_at as u64,
                tag_column,
            });
        }
        if sentence.is_empty() {
            return Ok(false);
        }
        if self.ids_unchecked && next_id > 2 {
            self.ids_unchecked = false;
            if ids {
                return Err(Error::parse(
                    Position::new(first_line, 1, 0),
                    ParseErrorKind::Other(format!(
                        "column 1 holds the numbers 1, 2, ..., {} of CoNLL-U's ID column, \
                         not tokens",
                        next_id - 1
                    )),
                )
                .with_hint(Hint::NameTheTokenColumn));
            }
        }
        sentence.set_line(first_line);
        sentence.set_document_start(std::mem::take(&mut self.document_start));
        self.document_start |= std::mem::take(&mut self.next_document);
        let style = self.style.unwrap_or_default();
        let scheme = self.scheme.unwrap_or_default();
        if let Some(only) = style.only_scheme().filter(|&s| s != scheme) {
            let l = self.lines[0];
            return Err(Error::parse(
                Position::new(l.line, l.tag_column, l.byte),
                ParseErrorKind::Other(format!(
                    "tags of the {style} tag style are {only} tags, not {scheme}"
                )),
            )
            .with_hint(Hint::NameTheScheme)
            .with_hint(Hint::NameTheTagStyle));
        }
        let lines = &self.lines;
        let text = &self.tag_text;
        self.decoder.decode(
            scheme,
            style,
            self.opts.lenient,
            self.tag_spans.iter().map(|&s| &text[s]),
            sentence,
            &mut |i| {
                let l = lines[i];
                Position::new(l.line, l.tag_column, l.byte)
            },
            &mut self.repairs,
        )?;
        Ok(true)
    }
}

/// Writes to `out` (cleared first) the fields of `line` other than the
/// token, the tag and a score after the tag, joined by tabs.
fn keep_columns(line: &str, delimiter: &Delimiter, fields: &Fields<'_>, out: &mut String) {
    out.clear();
    let mut k = 0;
    let mut push = |field: &str| {
        k += 1;
        let kept = k != fields.token_index
            && k != fields.tag_index
            && !(fields.scored && k == fields.count);
        if kept {
            if !out.is_empty() {
                out.push('\t');
            }
            out.push_str(field);
        }
    };
    match delimiter {
        Delimiter::Whitespace => line
            .split([' ', '\t'])
            .filter(|f| !f.is_empty())
            .for_each(&mut push),
        Delimiter::Literal(d) => line.split(d.as_str()).for_each(&mut push),
    }
}

impl<R: BufRead> crate::convert::SentenceReader for Reader<R> {
    fn read_sentence(&mut self, sentence: &mut Sentence) -> Result<bool> {
        Reader::read_sentence(self, sentence)
    }

    fn drain_repairs(&mut self, sink: &mut dyn FnMut(Repair)) {
        self.take_repairs().for_each(sink);
    }
}

impl<R: BufRead> crate::format::InputReader for Reader<R> {
    fn facts(&self) -> crate::format::InputFacts {
        crate::format::InputFacts {
            scheme: self.scheme().map(|s| (s, self.scheme_detected())),
            tag_style: self.tag_style().map(|s| (s, self.tag_style_detected())),
            score_column: self.score_column_seen(),
            skipped_lines: self.skipped_lines(),
            ..Default::default()
        }
    }

    fn next_line(&self) -> Option<u64> {
        Some(self.line + 1)
    }

    fn copy_to_conll(
        &mut self,
        writer: &mut super::Writer<&mut dyn std::io::Write>,
        summary: &mut Summary,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> Option<Result<()>> {
        if !self.fast || writer.keeps_columns() {
            return None;
        }
        Some(self.copy_fast(writer, summary, on_repair))
    }

    fn copy_to_jsonl(
        &mut self,
        writer: &mut crate::format::jsonl::Writer<&mut dyn std::io::Write>,
        summary: &mut Summary,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> Option<Result<()>> {
        self.copy_fast_to_jsonl(writer, summary, on_repair)
    }
}

impl<R: BufRead> Reader<R> {
    /// Copies every sentence to a JSON lines writer: as
    /// [`crate::format::InputReader::copy_to_conll`], the sentences the
    /// fast route takes written from the input's block (tokens, tags and
    /// offsets), with no `Sentence` built.
    pub(crate) fn copy_fast_to_jsonl(
        &mut self,
        writer: &mut crate::format::jsonl::Writer<&mut dyn std::io::Write>,
        summary: &mut Summary,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> Option<Result<()>> {
        if !self.fast || !writer.writes_lines_fast() {
            return None;
        }
        Some(self.copy_fast(writer, summary, on_repair))
    }
}

/// What the fast route writes to: a writer that can write a sentence
/// straight from its lines in the input's block, as its
/// [`SentenceWriter::write_sentence`](crate::convert::SentenceWriter::write_sentence)
/// would write it.
pub(super) trait LinesOut: crate::convert::SentenceWriter {
    /// The scheme of the tags written.
    fn scheme_out(&self) -> TagScheme;
    /// The style of the tags written.
    fn style_out(&self) -> TagStyle;
    /// Where the output goes.
    fn sink(&mut self) -> &mut dyn std::io::Write;
    /// True when a plain line (token, tab, tag, `\n`) whose tag is
    /// written as it is read is written as its own bytes, so that
    /// [`LinesOut::push_sentence`] needs only the lines that are not.
    fn copies_lines(&self) -> bool;
    /// Appends the sentence of `lines` of `text`, tagged `tags` in
    /// [`LinesOut::scheme_out`], to `buf`; `rewritten`, when
    /// [`LinesOut::copies_lines`], lists the lines that are not written
    /// as they are read (then `lines` may leave out token lines written
    /// as read, see `scan_sentence`); the token lines are the bytes
    /// `token_lines` of `text`.
    fn push_sentence(
        &mut self,
        buf: &mut Vec<u8>,
        text: &str,
        lines: &[super::fast::TokenLine],
        tags: &[Tag<'_>],
        rewritten: Option<&[u32]>,
        token_lines: (usize, usize),
    );
}

impl<W: std::io::Write> LinesOut for super::Writer<W> {
    fn scheme_out(&self) -> TagScheme {
        self.effective_scheme()
    }

    fn style_out(&self) -> TagStyle {
        self.tag_style()
    }

    fn sink(&mut self) -> &mut dyn std::io::Write {
        self.out_mut()
    }

    fn push_sentence(
        &mut self,
        buf: &mut Vec<u8>,
        text: &str,
        lines: &[super::fast::TokenLine],
        tags: &[Tag<'_>],
        rewritten: Option<&[u32]>,
        token_lines: (usize, usize),
    ) {
        match rewritten {
            Some(rewritten) => {
                self.push_rewritten_lines(buf, text.as_bytes(), lines, tags, rewritten, token_lines)
            }
            None => self.push_lines(buf, text.as_bytes(), lines, tags),
        }
    }

    fn copies_lines(&self) -> bool {
        self.copies_plain_lines()
    }
}

impl<W: std::io::Write> LinesOut for crate::format::jsonl::Writer<W> {
    fn scheme_out(&self) -> TagScheme {
        self.effective_scheme()
    }

    fn style_out(&self) -> TagStyle {
        self.tag_style()
    }

    fn sink(&mut self) -> &mut dyn std::io::Write {
        self.out_mut()
    }

    fn copies_lines(&self) -> bool {
        false
    }

    fn push_sentence(
        &mut self,
        buf: &mut Vec<u8>,
        text: &str,
        lines: &[super::fast::TokenLine],
        tags: &[Tag<'_>],
        _rewritten: Option<&[u32]>,
        _token_lines: (usize, usize),
    ) {
        // The lines are in order: from the start of the first to the end
        // of the last tag, they hold every token and every label.
        let span = match (lines.first(), lines.last()) {
            (Some(first), Some(last)) => first.line()..last.tag().1,
            _ => 0..0,
        };
        self.push_fields(
            buf,
            text,
            span,
            lines.iter().map(super::fast::TokenLine::token),
            tags,
        );
    }
}

/// How much output the fast route gathers before writing it.
const FLUSH_BYTES: usize = 1 << 16;
