//! Writing CoNLL lines.

use std::fmt;
use std::io::Write;

use crate::convert::{LabelCounts, SentenceWriter};
use crate::error::{Error, ParseErrorKind, Result};
use crate::scheme::tagging::Tagger;
use crate::scheme::{Tag, TagScheme, TagStyle};
use crate::sentence::Sentence;
use crate::span::Position;

use super::fast::TokenLine;
use super::DOCSTART;

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
    style: TagStyle,
    keep_columns: bool,
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

/// Why `text` cannot be a CoNLL column, if it cannot: it is empty or holds
/// what ends a column or a line for the CoNLL reader (spaces, tabs, line
/// ends). Other whitespace, such as WNUT-17's U+2003 tokens, is text there.
#[inline]
fn column_fault(text: &str) -> Option<&'static str> {
    if text.is_empty() {
        Some("is empty")
    } else if text
        .bytes()
        .any(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        Some("holds a space, a tab or a line end")
    } else {
        None
    }
}

#[cold]
fn token_error(sentence: &Sentence, index: usize, text: &str, why: &str, format: &str) -> Error {
    Error::parse(
        Position::new(sentence.line(), 1, 0),
        ParseErrorKind::Other(format!(
            "token {} of the sentence, {:?}, {why}, which {format} cannot hold",
            sentence.piece().first_token + index + 1,
            text
        )),
    )
}

/// Appends the kept `columns` of token `index` (fields joined by tabs),
/// each after `separator`; an error for a field a reader would split.
fn push_columns(
    buf: &mut Vec<u8>,
    sentence: &Sentence,
    index: usize,
    columns: &str,
    separator: u8,
) -> Result<()> {
    for field in columns.split('\t') {
        if let Some(why) = column_fault(field) {
            return Err(Error::parse(
                Position::new(sentence.line(), 1, 0),
                ParseErrorKind::Other(format!(
                    "a kept column of token {} of the sentence, {field:?}, {why}, which a \
                     CoNLL column cannot hold",
                    index + 1
                )),
            ));
        }
        buf.push(separator);
        buf.extend_from_slice(field.as_bytes());
    }
    Ok(())
}

/// An error for an entity label that a reader of `format` could not read
/// back: empty, or holding whitespace (which ends a column or a bracket
/// label), or one the tag style cannot write.
pub(crate) fn check_labels(sentence: &Sentence, style: TagStyle, format: &str) -> Result<()> {
    for e in sentence.entities() {
        if let Some(why) = crate::scheme::label_fault(style, e.label) {
            return Err(Error::parse(
                Position::new(sentence.line(), 1, 0),
                ParseErrorKind::Other(why),
            ));
        }
    }
    for e in sentence.entities() {
        if e.label.is_empty() && style == TagStyle::Bare {
            continue;
        }
        let why = if e.label.is_empty() {
            "is empty"
        } else if e.label.contains(char::is_whitespace) {
            "holds whitespace"
        } else {
            continue;
        };
        return Err(Error::parse(
            Position::new(sentence.line(), 1, 0),
            ParseErrorKind::Other(format!(
                "the label {:?} of an entity {why}, which {format} cannot hold",
                e.label
            )),
        ));
    }
    Ok(())
}

/// True when [`check_labels`] accepts an entity labelled `label` in
/// `style`: the fast route's check, one label at a time.
#[inline]
pub(crate) fn label_fits(style: TagStyle, label: &str) -> bool {
    crate::scheme::label_fault(style, label).is_none()
        && if label.is_empty() {
            style == TagStyle::Bare
        } else {
            !label.contains(char::is_whitespace)
        }
}

impl<W: Write> Writer<W> {
    /// A writer of `scheme` tags to `out` (wrap files in a `BufWriter`).
    pub fn new(out: W, scheme: TagScheme) -> Writer<W> {
        Writer {
            out,
            scheme,
            docstart: false,
            columns: Columns::Two,
            style: TagStyle::Prefix,
            keep_columns: false,
            tagger: Tagger::default(),
            buf: Vec::new(),
        }
    }

    /// Write these columns (two by default).
    pub fn with_columns(mut self, columns: Columns) -> Writer<W> {
        self.columns = columns;
        self
    }

    /// Write tags in `style` (`B-PER` by default). The `none` style
    /// ([`TagStyle::Unprefixed`]) writes IO tags whatever the scheme, since
    /// its tags hold no prefix.
    pub fn with_tag_style(mut self, style: TagStyle) -> Writer<W> {
        self.style = style;
        self
    }

    /// Write the columns a reader recorded for each token
    /// ([`Sentence::columns`]: CoNLL-2003's part-of-speech and chunk tags)
    /// between the token and the tag, separated as the layout separates
    /// columns (a tab for [`Columns::Two`], a space for
    /// [`Columns::Conll2003`]). A token without recorded columns (read from
    /// a format that has none, or from a two-column line) is written as the
    /// layout writes it without kept columns, so a file converted from
    /// mixed inputs can have lines of different widths.
    pub fn with_kept_columns(mut self, yes: bool) -> Writer<W> {
        self.keep_columns = yes;
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

/// Appends the separator, `tag` in `style` and the line end of a token
/// line whose token is already in `buf`: what [`Writer::write_sentence`]
/// and the CoNLL fast route ([`Writer::push_lines`]) both write.
#[inline]
fn push_tag_line(buf: &mut Vec<u8>, separator: &[u8], style: TagStyle, tag: Tag<'_>) {
    // Most tokens are `O`: a copy of a length known when compiling is a
    // few moves, one of a length known only at run time a call.
    if separator == b"\t" && tag.is_outside() {
        buf.extend_from_slice(b"\tO\n");
        return;
    }
    if separator.len() == 1 {
        buf.push(separator[0]);
    } else {
        buf.extend_from_slice(separator);
    }
    if style == TagStyle::Prefix {
        tag.push_to(buf);
    } else {
        tag.push_styled(style, buf);
    }
    buf.push(b'\n');
}

impl<W: Write> Writer<W> {
    /// The scheme the tags are written in: IO for a style that holds no
    /// prefix, else the writer's.
    pub(crate) fn effective_scheme(&self) -> TagScheme {
        self.style.only_scheme().unwrap_or(self.scheme)
    }

    /// The tag style written.
    pub(crate) fn tag_style(&self) -> TagStyle {
        self.style
    }

    /// True when the writer writes kept columns (which the fast route
    /// leaves to [`Writer::write_sentence`]).
    pub(crate) fn keeps_columns(&self) -> bool {
        self.keep_columns
    }

    /// Appends to `buf` the lines [`Writer::write_sentence`] writes for the
    /// sentence of `lines` of `text` (their tokens checked to fit a
    /// column) tagged `tags` in [`Writer::effective_scheme`], without kept
    /// columns: the CoNLL to CoNLL fast route's writer, which checks the
    /// labels itself.
    ///
    /// A plain line (token, tab, tag, `\n`) whose tag is written as it
    /// is read is its own output: runs of such lines, most of a sentence
    /// when the scheme does not change, are copied from `text` at once
    /// instead of token by token.
    #[inline]
    pub(super) fn push_lines(
        &self,
        buf: &mut Vec<u8>,
        text: &[u8],
        lines: &[TokenLine],
        tags: &[Tag<'_>],
    ) {
        let separator = self.columns.separator();
        let verbatim = separator == b"\t" && self.style == TagStyle::Prefix;
        // The input bytes not yet written that are the output's too.
        let (mut run, mut run_end) = (0, 0);
        for (l, tag) in lines.iter().zip(tags) {
            let (tag_start, tag_end) = l.tag();
            if verbatim && l.plain() && written_as_read(*tag, &text[tag_start..tag_end]) {
                if l.line() != run_end {
                    buf.extend_from_slice(&text[run..run_end]);
                    run = l.line();
                }
                // Past the tag's `\n`.
                run_end = tag_end + 1;
                continue;
            }
            buf.extend_from_slice(&text[run..run_end]);
            (run, run_end) = (0, 0);
            buf.extend_from_slice(&text[l.token().0..l.token().1]);
            push_tag_line(buf, separator, self.style, *tag);
        }
        buf.extend_from_slice(&text[run..run_end]);
        buf.push(b'\n');
    }
}

impl<W: Write> Writer<W> {
    /// True when [`Writer::push_lines`] writes a plain line (token, tab,
    /// tag, `\n`) whose tag is written as it is read as the line itself:
    /// two columns and tags in the prefix style.
    pub(super) fn copies_plain_lines(&self) -> bool {
        self.columns.separator() == b"\t" && self.style == TagStyle::Prefix
    }

    /// [`Writer::push_lines`] when [`Writer::copies_plain_lines`], given
    /// the indices of the lines that are not written as they are read
    /// (`rewritten`, in order, indices into `lines`): the token lines of
    /// a sentence are the bytes `token_lines` of `text`, one after another,
    /// so the bytes between those lines are copied as they are, with no
    /// work for each line that is written as read (`lines` need not hold
    /// those).
    #[inline]
    pub(super) fn push_rewritten_lines(
        &self,
        buf: &mut Vec<u8>,
        text: &[u8],
        lines: &[TokenLine],
        tags: &[Tag<'_>],
        rewritten: &[u32],
        token_lines: (usize, usize),
    ) {
        debug_assert!(self.copies_plain_lines());
        // The start of the input bytes not yet written: they are the
        // output's too.
        let mut run = token_lines.0;
        for &k in rewritten {
            let k = k as usize;
            let l = &lines[k];
            buf.extend_from_slice(&text[run..l.line()]);
            let (token_start, token_end) = l.token();
            buf.extend_from_slice(&text[token_start..token_end]);
            push_tag_line(buf, b"\t", self.style, tags[k]);
            // Past the line end: the tag is the last field, so only spaces,
            // tabs and a `\r` come between it and the `\n`.
            run = l.tag().1;
            while text[run] != b'\n' {
                run += 1;
            }
            run += 1;
        }
        buf.extend_from_slice(&text[run..token_lines.1]);
        buf.push(b'\n');
    }
}

/// True when `tag` in the prefix style is the bytes `read`.
#[inline(always)]
pub(super) fn written_as_read(tag: Tag<'_>, read: &[u8]) -> bool {
    if tag.is_outside() {
        return read == b"O";
    }
    let label = tag.label.as_bytes();
    read.len() == label.len() + 2
        && read[0] == tag.prefix.letter() as u8
        && read[1] == b'-'
        // Labels are short: a loop, not a call to `memcmp`.
        && read[2..].iter().zip(label).all(|(a, b)| a == b)
}

impl<W: Write> SentenceWriter for Writer<W> {
    fn start_document(&mut self) -> Result<()> {
        if self.docstart {
            writeln!(self.out, "{DOCSTART}\n")?;
        }
        Ok(())
    }

    fn write_sentence(&mut self, sentence: &Sentence, written: &mut LabelCounts) -> Result<()> {
        check_labels(sentence, self.style, "a CoNLL tag")?;
        let out = &mut self.out;
        let separator = self.columns.separator();
        let style = self.style;
        let kept = self.keep_columns;
        let column_separator = match self.columns {
            Columns::Two => b'\t',
            Columns::Conll2003 => b' ',
        };
        let buf = &mut self.buf;
        let scheme = style.only_scheme().unwrap_or(self.scheme);
        self.tagger.with_tags(scheme, sentence, written, |tags| {
            buf.clear();
            // One reservation for the sentence, so that the pushes below
            // never grow the buffer.
            let labels: usize = tags.iter().map(|t| t.label.len() + 2).sum();
            buf.reserve(sentence.text_len() + labels + sentence.len() * (separator.len() + 1) + 1);
            for (i, (text, tag)) in sentence.token_bytes().zip(tags).enumerate() {
                // Nothing of the sentence is written before every token
                // is known to fit in a column.
                if text.is_empty() || crate::tokenize::next_special(text, 0) < text.len() {
                    let text = sentence.token(i).text;
                    if let Some(why) = column_fault(text) {
                        return Err(token_error(sentence, i, text, why, "a CoNLL column"));
                    }
                }
                buf.extend_from_slice(text);
                if kept {
                    if let Some(columns) = sentence.columns(i).filter(|c| !c.is_empty()) {
                        push_columns(buf, sentence, i, columns, column_separator)?;
                        buf.push(column_separator);
                        tag.push_styled(style, buf);
                        buf.push(b'\n');
                        continue;
                    }
                }
                push_tag_line(buf, separator, style, *tag);
            }
            // A sentence given in pieces ends after its last piece.
            if !sentence.piece().continued {
                buf.push(b'\n');
            }
            out.write_all(buf)?;
            Ok(())
        })
    }

    fn writes_pieces(&self) -> bool {
        true
    }

    fn finish(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}
