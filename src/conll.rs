//! CoNLL token-per-line files: `TOKEN<TAB>TAG`, a blank line after each
//! sentence.
//!
//! The [`Reader`] accepts every common layout (tabs or runs of spaces,
//! extra columns, CRLF, a byte-order mark, `-DOCSTART-` lines in all their
//! spellings) and any tag scheme, given or detected; the [`Writer`] writes
//! two columns or the four of CoNLL-2003 ([`Columns`]) in any scheme.

use std::fmt;
use std::io::{BufRead, Chain, Cursor, Read, Write};

use crate::convert::{LabelCounts, SentenceWriter};
use crate::error::{Error, ParseErrorKind, Result};
use crate::repair::Repair;
use crate::scheme::{self, Prefix, Tag, TagScheme};
use crate::sentence::{Entity, Sentence};
use crate::span::{Position, Span};

/// Reads whole lines from `input` until at least [`DETECT_BYTES`] are read
/// or the input ends, for scheme detection; the error, if any, is returned
/// beside what was read so that the caller can still replay it.
fn read_detection_prefix<R: BufRead>(input: &mut R) -> (Vec<u8>, Result<()>) {
    let mut prefix = Vec::new();
    while prefix.len() < DETECT_BYTES {
        match input.read_until(b'\n', &mut prefix) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return (prefix, Err(e.into())),
        }
    }
    (prefix, Ok(()))
}

/// The input a reader reads from: bytes put back in front of the rest.
pub(crate) type Replayed<R> = Chain<Cursor<Vec<u8>>, R>;

/// Reads the detection prefix ([`read_detection_prefix`]) from the front of
/// `input` and puts it back: the input to read from now, the length of the
/// prefix at its front, and the read error, if any.
pub(crate) fn replay_detection_prefix<R: BufRead>(
    mut input: Replayed<R>,
) -> (Replayed<R>, usize, Result<()>) {
    let (mut prefix, result) = read_detection_prefix(&mut input);
    let (mut cursor, inner) = input.into_inner();
    // Bytes the cursor still holds come after the prefix (none in practice:
    // detection runs before anything else is read).
    let pos = cursor.position() as usize;
    let len = prefix.len();
    prefix.extend_from_slice(&cursor.get_mut()[pos..]);
    (Cursor::new(prefix).chain(inner), len, result)
}

/// The document line CoNLL-2003 writes before each document.
pub const DOCSTART: &str = "-DOCSTART- -X- -X- O";

/// Reuses the allocation of an empty vector for elements of another
/// lifetime: the standard library collects in place when the element
/// layouts match, so no memory is allocated.
pub(crate) fn recycle<'b, T: 'b, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().map(|_| unreachable!()).collect()
}

/// Tags a sentence in `scheme` and counts the entities a reader of the
/// tags would find (decoding strictly in the same scheme), reusing buffers.
#[derive(Debug, Default)]
pub(crate) struct Tagger {
    tags: Vec<Tag<'static>>,
    #[cfg(debug_assertions)]
    decoded: Vec<Entity<'static>>,
    entities: Vec<Entity<'static>>,
    #[cfg(debug_assertions)]
    ill_formed: Vec<scheme::IllFormed<'static>>,
}

impl Tagger {
    /// Encodes `sentence`, hands the tags to `write`, and adds the entities
    /// the tags hold to `written`.
    pub(crate) fn with_tags<F>(
        &mut self,
        scheme: TagScheme,
        sentence: &Sentence,
        written: &mut LabelCounts,
        write: F,
    ) -> Result<()>
    where
        F: FnOnce(&[Tag<'_>]) -> Result<()>,
    {
        let mut entities: Vec<Entity<'_>> = recycle(std::mem::take(&mut self.entities));
        entities.extend(sentence.entities());
        let mut tags: Vec<Tag<'_>> = recycle(std::mem::take(&mut self.tags));
        let encoded = scheme::encode(scheme, sentence.len(), &entities, &mut tags);
        let result = match encoded {
            Err(e) => Err(Error::msg(format!(
                "sentence at line {}: cannot encode its entities in {scheme}: {}",
                sentence.line(),
                e.reason
            ))),
            Ok(()) => write(&tags).map(|()| {
                count_written(scheme, &entities, written);
                #[cfg(debug_assertions)]
                self.check_written(scheme, &tags, &entities);
            }),
        };
        self.tags = recycle(tags);
        self.entities = recycle(entities);
        result
    }
}

impl Tagger {
    /// Debug builds (and so every test) decode the tags again and check that
    /// [`count_written`] counted exactly what a reader finds.
    #[cfg(debug_assertions)]
    fn check_written(&mut self, scheme: TagScheme, tags: &[Tag<'_>], entities: &[Entity<'_>]) {
        let mut decoded: Vec<Entity<'_>> = recycle(std::mem::take(&mut self.decoded));
        let mut ill: Vec<scheme::IllFormed<'_>> = recycle(std::mem::take(&mut self.ill_formed));
        scheme::decode_strict(scheme, tags, &mut decoded, &mut ill)
            .expect("encoded tags are allowed by their scheme");
        let (mut found, mut counted) = (LabelCounts::new(), LabelCounts::new());
        for e in &decoded {
            found.add(e.label, 1);
        }
        count_written(scheme, entities, &mut counted);
        assert_eq!(
            found, counted,
            "written-entity count disagrees with a decode"
        );
        assert!(ill.is_empty(), "encoded tags are ill-formed: {ill:?}");
        self.decoded = recycle(decoded);
        self.ill_formed = recycle(ill);
    }
}

/// Adds to `written` the entities a reader finds in the tags `entities`
/// encode to. Decoding gives back exactly the encoded entities in every
/// scheme (a property test of [`scheme`] shows it) except IO, where an
/// entity that directly follows one of the same type merges into it; so
/// the count needs the entities only, not a decode of every token.
fn count_written(scheme: TagScheme, entities: &[Entity<'_>], written: &mut LabelCounts) {
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

/// Writes sentences as CoNLL lines in a tag scheme.
///
/// # Example
/// ```
/// use nerkit::bracket::parse_line;
/// use nerkit::conll::Writer;
/// use nerkit::convert::{LabelCounts, SentenceWriter};
/// use nerkit::TagScheme;
///
/// let sentence = parse_line("[PER Ryan C. Crocker  ] met [LOC Pakistan  ] officials .", &Default::default())?;
/// let mut out = Vec::new();
/// let mut written = LabelCounts::new();
/// let mut writer = Writer::new(&mut out, TagScheme::Iobes);
/// writer.write_sentence(&sentence, &mut written)?;
/// writer.finish()?;
/// drop(writer);
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     "Ryan\tB-PER\nC.\tI-PER\nCrocker\tE-PER\nmet\tO\nPakistan\tS-LOC\nofficials\tO\n.\tO\n\n"
/// );
/// assert_eq!(written.total(), 2);
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Writer<W: Write> {
    out: W,
    scheme: TagScheme,
    docstart: bool,
    columns: Columns,
    tagger: Tagger,
    /// The lines of one sentence, written with one call.
    buf: Vec<u8>,
}

/// The columns a [`Writer`] writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Columns {
    /// `TOKEN<TAB>TAG`.
    #[default]
    Two,
    /// CoNLL-2003's four space-separated columns with placeholders for the
    /// part-of-speech and chunk tags: `TOKEN -X- _ TAG` (the layout Label
    /// Studio and doccano export).
    Conll2003,
}

impl Columns {
    /// What separates the token from the tag.
    pub(crate) fn separator(self) -> &'static [u8] {
        match self {
            Columns::Two => b"\t",
            Columns::Conll2003 => b" -X- _ ",
        }
    }
}

impl std::str::FromStr for Columns {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Columns, String> {
        match s.to_ascii_lowercase().as_str() {
            "two" | "2" | "token-tag" => Ok(Columns::Two),
            "conll2003" | "conll-2003" | "4" => Ok(Columns::Conll2003),
            _ => Err(format!(
                "unknown column layout \"{s}\" (expected two or conll2003)"
            )),
        }
    }
}

impl fmt::Display for Columns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Columns::Two => "two",
            Columns::Conll2003 => "conll2003",
        })
    }
}

/// An error for a token that a CoNLL reader could not read back as one
/// token: empty, holding whitespace, or a document line.
pub(crate) fn check_token(sentence: &Sentence, index: usize, format: &str) -> Result<()> {
    let text = sentence.token(index).text;
    match token_fault(text) {
        None => Ok(()),
        Some(why) => Err(token_error(sentence, index, text, why, format)),
    }
}

/// Why `text` cannot be a column of a line, if it cannot: it is empty or
/// holds whitespace. Most tokens are short ASCII words, so the bytes are
/// checked first and chars only when a byte could start whitespace.
#[inline]
pub(crate) fn token_fault(text: &str) -> Option<&'static str> {
    if text.is_empty() {
        Some("is empty")
    } else if text.bytes().any(|b| b <= b' ' || b >= 0x80) && text.contains(char::is_whitespace) {
        Some("holds whitespace")
    } else {
        None
    }
}

#[cold]
fn token_error(sentence: &Sentence, index: usize, text: &str, why: &str, format: &str) -> Error {
    Error::msg(format!(
        "sentence at line {}: token {} {:?} {why}, which {format} cannot hold",
        sentence.line(),
        index + 1,
        text
    ))
}

impl<W: Write> Writer<W> {
    /// A writer of `scheme` tags to `out` (wrap files in a `BufWriter`).
    pub fn new(out: W, scheme: TagScheme) -> Writer<W> {
        Writer {
            out,
            scheme,
            docstart: false,
            columns: Columns::Two,
            tagger: Tagger::default(),
            buf: Vec::new(),
        }
    }

    /// Write these columns (two by default).
    pub fn with_columns(mut self, columns: Columns) -> Writer<W> {
        self.columns = columns;
        self
    }

    /// Write `-DOCSTART- -X- -X- O` and a blank line before each document,
    /// as CoNLL-2003 does.
    pub fn with_docstart(mut self, yes: bool) -> Writer<W> {
        self.docstart = yes;
        self
    }

    /// The tag scheme written.
    pub fn scheme(&self) -> TagScheme {
        self.scheme
    }

    /// The columns written.
    pub fn columns(&self) -> Columns {
        self.columns
    }

    /// The output, given back.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// The output, for writers that produce the same lines by a faster
    /// route (see `bracket::Reader::copy_to_conll`).
    pub(crate) fn out_mut(&mut self) -> &mut W {
        &mut self.out
    }
}

impl<W: Write> SentenceWriter for Writer<W> {
    fn start_document(&mut self) -> Result<()> {
        if self.docstart {
            writeln!(self.out, "{DOCSTART}\n")?;
        }
        Ok(())
    }

    fn write_sentence(&mut self, sentence: &Sentence, written: &mut LabelCounts) -> Result<()> {
        let out = &mut self.out;
        let separator = self.columns.separator();
        let buf = &mut self.buf;
        self.tagger
            .with_tags(self.scheme, sentence, written, |tags| {
                buf.clear();
                // One reservation for the sentence, so that the pushes below
                // never grow the buffer.
                let labels: usize = tags.iter().map(|t| t.label.len() + 2).sum();
                buf.reserve(
                    sentence.text_len() + labels + sentence.len() * (separator.len() + 1) + 1,
                );
                for (i, (text, tag)) in sentence.token_bytes().zip(tags).enumerate() {
                    // Nothing of the sentence is written before every token
                    // is known to fit in a column.
                    if text.is_empty() || crate::tokenize::next_special(text, 0) < text.len() {
                        let text = sentence.token(i).text;
                        if let Some(why) = token_fault(text) {
                            return Err(token_error(sentence, i, text, why, "a CoNLL column"));
                        }
                    }
                    buf.extend_from_slice(text);
                    // Most tokens are `O`: a copy of a length known when
                    // compiling is a few moves, one of a length known only at
                    // run time a call.
                    if separator == b"\t" && tag.is_outside() {
                        buf.extend_from_slice(b"\tO\n");
                        continue;
                    }
                    if separator.len() == 1 {
                        buf.push(separator[0]);
                    } else {
                        buf.extend_from_slice(separator);
                    }
                    tag.push_to(buf);
                    buf.push(b'\n');
                }
                buf.push(b'\n');
                out.write_all(buf)?;
                Ok(())
            })
    }

    fn finish(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Reading

/// How the columns of a CoNLL line are separated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Delimiter {
    /// Runs of tabs and spaces (the default): `Paris  B-LOC` and
    /// `Paris\tB-LOC` both have two columns.
    #[default]
    Whitespace,
    /// Every single occurrence of this character separates two columns, so
    /// with a tab a token may hold spaces.
    Char(char),
}

impl std::str::FromStr for Delimiter {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Delimiter, String> {
        match s {
            "whitespace" | "auto" => Ok(Delimiter::Whitespace),
            "tab" | "\\t" | "\t" => Ok(Delimiter::Char('\t')),
            "space" | " " => Ok(Delimiter::Char(' ')),
            _ => {
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => Ok(Delimiter::Char(c)),
                    _ => Err(format!(
                        "unknown delimiter \"{s}\" (expected whitespace, tab, space or one character)"
                    )),
                }
            }
        }
    }
}

impl fmt::Display for Delimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Delimiter::Whitespace => f.write_str("whitespace"),
            Delimiter::Char('\t') => f.write_str("tab"),
            Delimiter::Char(' ') => f.write_str("space"),
            Delimiter::Char(c) => write!(f, "{c}"),
        }
    }
}

/// Options for reading CoNLL files.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// How columns are separated.
    pub delimiter: Delimiter,
    /// The column holding the tag, from 1; `None` for the last column.
    pub tag_column: Option<usize>,
    /// Skip lines that start with `#` (CoNLL-U comments such as
    /// `# text = ...`). Off by default, since `#` is also a token.
    pub comments: bool,
    /// The scheme of the tags; `None` detects it from the start of the
    /// input (see [`detect_scheme`]).
    pub scheme: Option<TagScheme>,
    /// Read ill-formed tag sequences as conlleval.pl does and record a
    /// repair per repaired chunk, instead of failing.
    pub lenient: bool,
}

/// How many bytes of input the scheme detection looks at, at most (whole
/// lines; the line that crosses this limit is read to its end).
pub const DETECT_BYTES: usize = 1 << 20;

/// Watches tag sequences and decides which scheme wrote them.
///
/// The rule, applied to every sentence seen:
///
/// - `U-` or `L-` anywhere: BILOU.
/// - `S-` anywhere, or both `B-` and `E-`: IOBES.
/// - `E-` without `B-`: IOE1 when some entity ends on an `I-` (IOE2
///   always closes with `E-`), else IOE2.
/// - `B-`/`I-` only: IOB1 when some `I-` opens an entity (at the sentence
///   start, after `O` or after another type) and every `B-` follows a
///   token of its own type; else IOB2.
/// - No entity at all: IOB2.
#[derive(Clone, Debug, Default)]
pub struct SchemeDetector {
    seen: u8,
    inside_opens: bool,
    begin_after_other: bool,
    inside_closes: bool,
}

const SEEN_B: u8 = 1;
const SEEN_E: u8 = 2;
const SEEN_S: u8 = 4;
const SEEN_LU: u8 = 8;

impl SchemeDetector {
    /// A detector that has seen nothing.
    pub fn new() -> SchemeDetector {
        SchemeDetector::default()
    }

    /// Looks at the tags of one sentence.
    pub fn observe(&mut self, tags: &[Tag<'_>]) {
        for (i, tag) in tags.iter().enumerate() {
            let prev = i.checked_sub(1).map(|p| tags[p]);
            let next = tags.get(i + 1);
            let same_before = prev.is_some_and(|p| !p.is_outside() && p.label == tag.label);
            let same_after = next.is_some_and(|n| !n.is_outside() && n.label == tag.label);
            match tag.prefix {
                Prefix::Outside => {}
                Prefix::Begin => {
                    self.seen |= SEEN_B;
                    if !same_before {
                        self.begin_after_other = true;
                    }
                }
                Prefix::Inside => {
                    if !same_before {
                        self.inside_opens = true;
                    }
                    if !same_after {
                        self.inside_closes = true;
                    }
                }
                Prefix::End => self.seen |= SEEN_E,
                Prefix::Single => self.seen |= SEEN_S,
                Prefix::Last | Prefix::Unit => self.seen |= SEEN_LU,
            }
        }
    }

    /// The scheme the tags seen so far were most likely written in.
    pub fn scheme(&self) -> TagScheme {
        let has = |bit| self.seen & bit != 0;
        if has(SEEN_LU) {
            TagScheme::Bilou
        } else if has(SEEN_S) || (has(SEEN_B) && has(SEEN_E)) {
            TagScheme::Iobes
        } else if has(SEEN_E) {
            if self.inside_closes {
                TagScheme::Ioe1
            } else {
                TagScheme::Ioe2
            }
        } else if self.inside_opens && !self.begin_after_other {
            TagScheme::Iob1
        } else {
            TagScheme::Iob2
        }
    }
}

/// Detects the scheme of CoNLL lines (a prefix of a file): every line is
/// split as `opts` says and the tags that parse are fed to a
/// [`SchemeDetector`].
pub fn detect_scheme(text: &[u8], opts: &ReadOptions) -> TagScheme {
    let mut detector = SchemeDetector::new();
    let mut tags: Vec<Tag<'_>> = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        let line = std::str::from_utf8(line).unwrap_or("");
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line = line.strip_prefix('\u{feff}').unwrap_or(line);
        let boundary =
            line.trim().is_empty() || is_docstart(line) || (opts.comments && line.starts_with('#'));
        if boundary {
            detector.observe(&tags);
            tags.clear();
            continue;
        }
        if let Some((_, tag, _)) = split_line(line, opts) {
            tags.push(Tag::parse(tag).unwrap_or(Tag::OUTSIDE));
        }
    }
    detector.observe(&tags);
    detector.scheme()
}

/// True for every spelling of a CoNLL document line: `-DOCSTART-` as the
/// first column, whatever follows.
pub fn is_docstart(line: &str) -> bool {
    line.trim_start()
        .strip_prefix("-DOCSTART-")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// Splits a line into its token, its tag and the byte offset of the tag;
/// `None` when the line has fewer than two columns or no column
/// `tag_column`.
fn split_line<'l>(line: &'l str, opts: &ReadOptions) -> Option<(&'l str, &'l str, usize)> {
    let base = line.as_ptr() as usize;
    let at = |s: &str| s.as_ptr() as usize - base;
    let mut first: Option<&str> = None;
    let mut last: Option<&str> = None;
    let mut count = 0;
    let mut chosen: Option<&str> = None;
    let mut visit = |field: &'l str| {
        count += 1;
        if first.is_none() {
            first = Some(field);
        }
        if opts.tag_column == Some(count) {
            chosen = Some(field);
        }
        last = Some(field);
    };
    match opts.delimiter {
        Delimiter::Whitespace => line
            .split([' ', '\t'])
            .filter(|f| !f.is_empty())
            .for_each(&mut visit),
        Delimiter::Char(c) => line.split(c).for_each(&mut visit),
    }
    if count < 2 {
        return None;
    }
    let tag = match opts.tag_column {
        None => last?,
        Some(1) => return None,
        Some(_) => chosen?,
    };
    let token = first?;
    Some((token, tag, at(tag)))
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
/// first column and the tag the last (or [`ReadOptions::tag_column`]). A
/// blank line ends a sentence; a line whose first column is `-DOCSTART-`
/// ends a document and is never a token. CRLF line ends and a byte-order
/// mark are accepted.
///
/// When no scheme is given, the reader reads up to [`DETECT_BYTES`] of the
/// input, detects the scheme from the tags in it (see [`SchemeDetector`]),
/// and then replays those bytes, so memory stays bounded.
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
    detected: bool,
    line_buf: Vec<u8>,
    line: u64,
    byte: u64,
    document_start: bool,
    next_document: bool,
    eof: bool,
    tag_text: String,
    tag_spans: Vec<Span>,
    lines: Vec<TokenLine>,
    decoder: TagDecoder,
    repairs: Vec<Repair>,
}

impl<R: BufRead> Reader<R> {
    /// A reader over `inner`.
    pub fn new(inner: R, opts: ReadOptions) -> Reader<R> {
        Reader {
            input: Some(Cursor::new(Vec::new()).chain(inner)),
            scheme: opts.scheme,
            opts,
            detected: false,
            line_buf: Vec::with_capacity(256),
            line: 0,
            byte: 0,
            document_start: true,
            next_document: false,
            eof: false,
            tag_text: String::new(),
            tag_spans: Vec::new(),
            lines: Vec::new(),
            decoder: TagDecoder::default(),
            repairs: Vec::new(),
        }
    }

    /// The reader of a part of a larger input that starts at line `line`
    /// and byte `byte` of that input, so that positions are those of the
    /// whole input. Its first sentence begins a document only when
    /// `document_start` is set (or a `-DOCSTART-` line says so). Give the
    /// scheme in the options: a part is too small to detect it from.
    pub fn starting_at(mut self, line: u64, byte: u64, document_start: bool) -> Reader<R> {
        self.line = line.saturating_sub(1);
        self.byte = byte;
        self.document_start = document_start;
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

    /// Repairs made since the last call (only when lenient).
    pub fn take_repairs(&mut self) -> std::vec::Drain<'_, Repair> {
        self.repairs.drain(..)
    }

    /// Reads up to [`DETECT_BYTES`] (whole lines), detects the scheme, and
    /// puts the bytes back in front of the input.
    fn detect(&mut self) -> Result<()> {
        let Some(input) = self.input.take() else {
            return Ok(());
        };
        let (input, len, result) = replay_detection_prefix(input);
        self.scheme = Some(detect_scheme(
            &input.get_ref().0.get_ref()[..len],
            &self.opts,
        ));
        self.detected = true;
        self.input = Some(input);
        result
    }

    /// Reads the next sentence into `sentence` (cleared first). Returns
    /// `false` at the end of the input.
    ///
    /// # Errors
    /// I/O errors, invalid UTF-8, lines without a tag column, invalid tags
    /// and (unless lenient) ill-formed tag sequences, with the line and
    /// column.
    pub fn read_sentence(&mut self, sentence: &mut Sentence) -> Result<bool> {
        sentence.clear();
        if self.scheme.is_none() {
            self.detect()?;
        }
        self.tag_text.clear();
        self.tag_spans.clear();
        self.lines.clear();
        let mut first_line = 0;
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
            if self.opts.comments && line.starts_with('#') {
                continue;
            }
            let Some((token, tag, tag_at)) = split_line(line, &self.opts) else {
                let pos = Position::in_line(self.line, line_start + bom, content, 0);
                let why = match self.opts.tag_column {
                    Some(1) => "the tag column cannot be the token column (1)".to_string(),
                    Some(n) => format!("expected a token and a tag in column {n}"),
                    None => "expected a token and a tag (at least two columns)".to_string(),
                };
                return Err(Error::parse(pos, ParseErrorKind::Other(why)));
            };
            if sentence.is_empty() {
                first_line = self.line;
            }
            let token_at = token.as_ptr() as usize - line.as_ptr() as usize;
            sentence.push_token(token, Span::new(token_at, token_at + token.len()));
            let start = self.tag_text.len();
            self.tag_text.push_str(tag);
            self.tag_spans.push(Span::new(start, self.tag_text.len()));
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
        sentence.set_line(first_line);
        sentence.set_document_start(std::mem::take(&mut self.document_start));
        self.document_start |= std::mem::take(&mut self.next_document);
        let scheme = self.scheme.unwrap_or_default();
        let lines = &self.lines;
        let text = &self.tag_text;
        self.decoder.decode(
            scheme,
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

/// Parses and decodes the tags of one sentence in a scheme, strictly or
/// leniently, reusing its buffers; shared by the readers of tag formats.
#[derive(Debug, Default)]
pub(crate) struct TagDecoder {
    tags: Vec<Tag<'static>>,
    entities: Vec<Entity<'static>>,
    ill_formed: Vec<scheme::IllFormed<'static>>,
}

impl TagDecoder {
    /// Decodes `tags` (one per token of `sentence`) and pushes the entities
    /// to `sentence`. `pos_of(i)` is where tag `i` is, for messages.
    ///
    /// Strict: an invalid tag, a prefix the scheme does not write, or an
    /// ill-formed chunk is an error at the first such tag. Lenient: an
    /// invalid tag reads as `O` and every ill-formed chunk is kept as
    /// conlleval.pl reads it; each is recorded as a repair.
    pub(crate) fn decode<'t>(
        &mut self,
        scheme: TagScheme,
        lenient: bool,
        tag_texts: impl Iterator<Item = &'t str>,
        sentence: &mut Sentence,
        pos_of: &mut dyn FnMut(usize) -> Position,
        repairs: &mut Vec<Repair>,
    ) -> Result<()> {
        let mut tags: Vec<Tag<'t>> = recycle(std::mem::take(&mut self.tags));
        let mut entities: Vec<Entity<'t>> = recycle(std::mem::take(&mut self.entities));
        let mut ill: Vec<scheme::IllFormed<'t>> = recycle(std::mem::take(&mut self.ill_formed));
        let result = (|| {
            for (i, text) in tag_texts.enumerate() {
                match Tag::parse(text) {
                    Ok(t) => tags.push(t),
                    Err(e) if lenient => {
                        repairs.push(Repair {
                            pos: pos_of(i),
                            kind: "invalid-tag",
                            message: format!("{}; read as O", e.reason),
                        });
                        tags.push(Tag::OUTSIDE);
                    }
                    Err(e) => {
                        return Err(Error::parse(
                            pos_of(i),
                            ParseErrorKind::InvalidTag {
                                tag: text.to_string(),
                                reason: e.reason,
                            },
                        ))
                    }
                }
            }
            if lenient {
                scheme::decode_lenient_in(scheme, &tags, &mut entities, &mut ill);
                for chunk in &ill {
                    repairs.push(Repair {
                        pos: pos_of(chunk.tokens.start()),
                        kind: chunk.kind,
                        message: format!(
                            "ill-formed {scheme}: {}; read as one {} entity over {} token{}",
                            scheme::IllFormed::describe(chunk.kind),
                            chunk.label,
                            chunk.tokens.len(),
                            if chunk.tokens.len() == 1 { "" } else { "s" }
                        ),
                    });
                }
            } else {
                if let Err(e) = scheme::decode_strict(scheme, &tags, &mut entities, &mut ill) {
                    let tag = tags[e.index].to_string();
                    return Err(Error::parse(
                        pos_of(e.index),
                        ParseErrorKind::InvalidTag {
                            tag,
                            reason: format!(
                                "not a tag of the {scheme} scheme; give the input scheme with --from-scheme"
                            ),
                        },
                    ));
                }
                if let Some(chunk) = ill.first() {
                    let shown: Vec<String> = tags
                        [chunk.tokens.start().saturating_sub(1)..chunk.tokens.end()]
                        .iter()
                        .map(|t| t.to_string())
                        .collect();
                    return Err(Error::parse(
                        pos_of(chunk.tokens.start()),
                        ParseErrorKind::IllFormed {
                            message: format!(
                                "ill-formed {scheme} tags \"{}\": {}; use --lenient to read them as conlleval.pl does, or --from-scheme to name the right scheme",
                                shown.join(" "),
                                scheme::IllFormed::describe(chunk.kind)
                            ),
                        },
                    ));
                }
            }
            for e in &entities {
                sentence.push_entity(e.label, e.tokens);
            }
            Ok(())
        })();
        self.tags = recycle(tags);
        self.entities = recycle(entities);
        self.ill_formed = recycle(ill);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn read_all(text: &str, opts: ReadOptions) -> Result<(Vec<String>, Option<TagScheme>)> {
        let mut reader = Reader::new(text.as_bytes(), opts);
        let mut s = Sentence::new();
        let mut out = Vec::new();
        while reader.read_sentence(&mut s)? {
            let tokens: Vec<&str> = s.tokens().map(|t| t.text).collect();
            let entities: Vec<String> = s
                .entities()
                .map(|e| format!("{} {}..{}", e.label, e.tokens.start(), e.tokens.end()))
                .collect();
            out.push(format!(
                "{}{} | {}",
                if s.is_document_start() { "# " } else { "" },
                tokens.join(" "),
                entities.join(", ")
            ));
        }
        Ok((out, reader.scheme()))
    }

    fn scheme_of(text: &str) -> TagScheme {
        detect_scheme(text.as_bytes(), &ReadOptions::default())
    }

    #[test]
    fn detects_schemes() {
        assert_eq!(scheme_of("a O\n"), TagScheme::Iob2);
        assert_eq!(scheme_of("a B-X\nb I-X\n"), TagScheme::Iob2);
        assert_eq!(scheme_of("a I-X\nb I-X\n"), TagScheme::Iob1);
        assert_eq!(scheme_of("a I-X\nb B-X\n"), TagScheme::Iob1);
        // A B- after O is never written by IOB1.
        assert_eq!(scheme_of("a I-X\nb O\nc B-X\n"), TagScheme::Iob2);
        assert_eq!(scheme_of("a B-X\nb E-X\n"), TagScheme::Iobes);
        assert_eq!(scheme_of("a S-X\n"), TagScheme::Iobes);
        assert_eq!(scheme_of("a U-X\n"), TagScheme::Bilou);
        assert_eq!(scheme_of("a I-X\nb E-X\n"), TagScheme::Ioe2);
        assert_eq!(scheme_of("a I-X\nb E-X\nc I-X\nd O\n"), TagScheme::Ioe1);
    }

    #[test]
    fn layouts_documents_and_boundaries() {
        let text = "\u{feff}-DOCSTART- -X- -X- O\r\n\r\nA  NNP B-PER\r\nb\tx\tO\r\n\r\n-DOCSTART- O\n\nc B-LOC\n-DOCSTART-\nd O";
        let (got, scheme) = read_all(text, ReadOptions::default()).unwrap();
        assert_eq!(scheme, Some(TagScheme::Iob2));
        assert_eq!(
            got,
            ["# A b | PER 0..1", "# c | LOC 0..1", "# d | "].map(String::from)
        );
    }

    #[test]
    fn ill_formed_is_an_error_with_its_position_or_a_counted_repair() {
        let text = "x O\ny O\nz I-PER\n";
        let opts = ReadOptions {
            scheme: Some(TagScheme::Iob2),
            ..ReadOptions::default()
        };
        let e = read_all(text, opts.clone()).unwrap_err();
        match e.kind() {
            ErrorKind::Parse { pos, kind } => {
                assert_eq!((pos.line(), pos.column()), (3, 3));
                assert!(kind.to_string().contains("O I-PER"), "{kind}");
            }
            other => panic!("{other:?}"),
        }
        let mut reader = Reader::new(
            text.as_bytes(),
            ReadOptions {
                lenient: true,
                ..opts
            },
        );
        let mut s = Sentence::new();
        assert!(reader.read_sentence(&mut s).unwrap());
        assert_eq!(s.entity_count(), 1);
        let repairs: Vec<Repair> = reader.take_repairs().collect();
        assert_eq!(repairs.len(), 1);
        assert_eq!(repairs[0].kind, "inside-after-outside");
        assert_eq!(repairs[0].pos.line(), 3);
    }

    #[test]
    fn tag_column_delimiter_and_comments() {
        let opts = ReadOptions {
            tag_column: Some(2),
            delimiter: Delimiter::Char('\t'),
            comments: true,
            ..ReadOptions::default()
        };
        let text = "# text = New York\nNew York\tB-LOC\tx\n# not a token\n";
        let (got, _) = read_all(text, opts).unwrap();
        assert_eq!(got, ["# New York | LOC 0..1"]);
        let e = read_all("a\n", ReadOptions::default()).unwrap_err();
        assert_eq!(e.position().unwrap().line(), 1);
        let e = read_all("a b-PER\n", ReadOptions::default()).unwrap_err();
        assert_eq!(e.position().unwrap().column(), 3);
    }

    #[test]
    fn conll2003_columns() {
        let mut s = Sentence::new();
        s.push_token("Paris", Span::new(0, 5));
        s.push_entity("LOC", crate::TokenSpan::new(0, 1));
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out, TagScheme::Iob2).with_columns(Columns::Conll2003);
        w.write_sentence(&s, &mut LabelCounts::new()).unwrap();
        drop(w);
        assert_eq!(String::from_utf8(out).unwrap(), "Paris -X- _ B-LOC\n\n");
    }
}
