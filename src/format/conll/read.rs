//! Reading CoNLL files.

use std::io::{BufRead, Cursor, Read};

use crate::error::{Error, ParseErrorKind, Result};
use crate::format::Delimiter;
use crate::repair::Repair;
use crate::scheme::tagging::{replay_detection_prefix, Replayed, SchemeDetector, TagDecoder};
use crate::scheme::{Tag, TagScheme};
use crate::sentence::Sentence;
use crate::span::{Position, Span};

/// Options for reading CoNLL files.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
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

/// Detects the scheme of CoNLL lines (a prefix of a file): every line is
/// split as `opts` says and the tags that parse are fed to a
/// [`SchemeDetector`](super::SchemeDetector).
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
    match &opts.delimiter {
        Delimiter::Whitespace => line
            .split([' ', '\t'])
            .filter(|f| !f.is_empty())
            .for_each(&mut visit),
        Delimiter::Literal(d) => line.split(d.as_str()).for_each(&mut visit),
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
/// When no scheme is given, the reader reads up to [`DETECT_BYTES`](super::DETECT_BYTES) of the
/// input, detects the scheme from the tags in it (see [`SchemeDetector`](super::SchemeDetector)),
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

    /// Reads up to [`DETECT_BYTES`](super::DETECT_BYTES) (whole lines), detects the scheme, and
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
            ..Default::default()
        }
    }
}
