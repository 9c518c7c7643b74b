//! Reading jsonl.

use std::io::{BufRead, Cursor, Read};

use super::fields::{Fields, TagItem, Text};
use crate::error::{Error, Hint, ParseErrorKind, Result};
use crate::repair::Repair;
use crate::scheme::tagging::{SchemeDetector, TagDecoder};
use crate::scheme::{StyleDetector, Tag, TagScheme, TagStyle};
use crate::sentence::Sentence;
use crate::span::{Position, Span};

/// Options for reading JSON lines.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ReadOptions {
    /// The scheme of the tags; `None` detects it from the start of the
    /// input, as the CoNLL reader does (see [`crate::conll::SchemeDetector`]).
    pub scheme: Option<TagScheme>,
    /// Read ill-formed tag sequences as conlleval.pl does, recording a
    /// repair per chunk, instead of failing.
    pub lenient: bool,
    /// How tags spell prefix and type; `None` detects it.
    pub tag_style: Option<TagStyle>,
    /// The names of integer classes in `ner_tags` (or `tags`), in class
    /// order: a Hugging Face `ClassLabel`'s names (see [`label_names`](super::label_names)).
    pub label_names: Option<Vec<String>>,
}

/// The tag `tag` of `fields` stands for: itself, or the name of its class.
fn tag_text<'t>(
    fields: &'t Fields,
    line: &'t str,
    tag: TagItem,
    names: Option<&'t [String]>,
) -> std::result::Result<&'t str, (Hint, String)> {
    match tag {
        TagItem::Text(t) => Ok(fields.text(line, t)),
        TagItem::Number(value, written) => {
            let Some(names) = names else {
                return Err((
                    Hint::NameTheClasses,
                    "the tags are class numbers; nerkit needs the class names to read them \
                     (the dataset's ClassLabel names, in class order)"
                        .to_string(),
                ));
            };
            match value.and_then(|k| names.get(usize::try_from(k).ok()?)) {
                Some(name) => Ok(name),
                None => Err((
                    Hint::NameTheClasses,
                    format!(
                        "the tag {} is not a class number of the {} class names given",
                        &fields.decoded[written],
                        names.len()
                    ),
                )),
            }
        }
    }
}

/// Parses `line` into `fields`: by the fast scan, or by serde_json where
/// the scan gives up. `Ok(false)`: serde_json read a record without tags.
fn parse(
    fields: &mut Fields,
    line: &str,
    fast: bool,
) -> std::result::Result<bool, serde_json::Error> {
    if fast && fields.parse_fast(line) {
        return Ok(true);
    }
    Ok(fields.parse_general(line)?.is_ok())
}

/// Reads JSON lines (one sentence per line) in bounded memory.
///
/// # Example
/// ```
/// use nerkit::jsonl::{Reader, ReadOptions};
/// use nerkit::Sentence;
///
/// let text = r#"{"tokens": ["Paris", "is", "big"], "ner_tags": ["B-LOC", "O", "O"]}"#;
/// let mut reader = Reader::new(text.as_bytes(), ReadOptions::default());
/// let mut sentence = Sentence::new();
/// assert!(reader.read_sentence(&mut sentence)?);
/// assert_eq!(sentence.entity(0).label, "LOC");
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Reader<R> {
    input: Option<crate::scheme::tagging::Replayed<R>>,
    opts: ReadOptions,
    scheme: Option<TagScheme>,
    detected: bool,
    style: Option<TagStyle>,
    style_detected: bool,
    line_buf: Vec<u8>,
    line: u64,
    byte: u64,
    first: bool,
    decoder: TagDecoder,
    /// The members of the record read last.
    fields: Fields,
    /// Whether records are scanned fast (false only in tests that compare
    /// the two parses).
    fast: bool,
    repairs: Vec<Repair>,
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
            opts,
            detected: false,
            style_detected: false,
            line_buf: Vec::new(),
            line: 0,
            byte: 0,
            first: true,
            decoder: TagDecoder::default(),
            fields: Fields::default(),
            fast: true,
            repairs: Vec::new(),
        }
    }

    /// The same reader parsing every record by serde_json, for tests that
    /// compare it with the fast scan.
    #[cfg(test)]
    pub(crate) fn general_only(mut self) -> Reader<R> {
        self.fast = false;
        self
    }

    /// The scheme the tags are read in (known after the first read).
    pub fn scheme(&self) -> Option<TagScheme> {
        self.scheme
    }

    /// True when the scheme was detected rather than given.
    pub fn scheme_detected(&self) -> bool {
        self.detected
    }

    /// The tag style the tags are read in (known after the first read).
    pub fn tag_style(&self) -> Option<TagStyle> {
        self.style
    }

    /// True when the tag style was detected rather than given.
    pub fn tag_style_detected(&self) -> bool {
        self.style_detected
    }

    /// Repairs made since the last call (only when lenient).
    pub fn take_repairs(&mut self) -> std::vec::Drain<'_, Repair> {
        self.repairs.drain(..)
    }

    fn detect(&mut self) -> Result<()> {
        let Some(input) = self.input.take() else {
            return Ok(());
        };
        let (input, len, result) = crate::scheme::tagging::replay_detection_prefix(input);
        let names = self.opts.label_names.as_deref();
        // The tags of every record of the prefix that parses, each the
        // text it stands for or `None` (a number that names no class),
        // gathered once for both detectors; `ends` closes each record.
        let mut texts = String::new();
        let mut tags: Vec<Option<Span>> = Vec::new();
        let mut ends: Vec<usize> = Vec::new();
        let (fields, fast) = (&mut self.fields, self.fast);
        for line in input.get_ref().0.get_ref()[..len].split(|&b| b == b'\n') {
            let Ok(line) = std::str::from_utf8(line) else {
                continue;
            };
            let line = line.trim_start_matches('\u{feff}');
            if !matches!(parse(fields, line, fast), Ok(true)) {
                continue;
            }
            for &t in &fields.tags {
                tags.push(tag_text(fields, line, t, names).ok().map(|text| {
                    let s = texts.len();
                    texts.push_str(text);
                    Span::new(s, texts.len())
                }));
            }
            ends.push(tags.len());
        }
        let style = self.opts.tag_style.unwrap_or_else(|| {
            let mut detector = StyleDetector::new();
            for t in tags.iter().flatten() {
                detector.observe(&texts[*t]);
            }
            detector.style()
        });
        let scheme = self.scheme.unwrap_or_else(|| {
            let mut detector = SchemeDetector::new();
            let mut parsed: Vec<Tag<'_>> = Vec::new();
            let mut start = 0;
            for &end in &ends {
                parsed.clear();
                parsed.extend(tags[start..end].iter().map(|t| {
                    t.and_then(|t| Tag::parse_in(style, &texts[t]).ok())
                        .unwrap_or(Tag::OUTSIDE)
                }));
                detector.observe(&parsed);
                start = end;
            }
            detector.scheme()
        });
        self.detected = self.scheme.is_none();
        self.style_detected = self.style.is_none();
        self.scheme = Some(scheme);
        self.style = Some(style);
        self.input = Some(input);
        result
    }

    /// Reads the next sentence into `sentence` (cleared first); `false` at
    /// the end of the input. Blank lines are skipped.
    ///
    /// # Errors
    /// I/O errors, lines that are not a JSON object of this layout, token
    /// and tag lists of different lengths, invalid tags and (unless lenient)
    /// ill-formed tag sequences, with the line and column.
    pub fn read_sentence(&mut self, sentence: &mut Sentence) -> Result<bool> {
        sentence.clear();
        if self.scheme.is_none() || self.style.is_none() {
            self.detect()?;
        }
        let mut input = self.input.take().expect("input present");
        let result = self.read_record(&mut input, sentence);
        self.input = Some(input);
        result
    }

    /// Reads records up to the first that is not blank into `sentence`;
    /// `false` at the end of the input.
    fn read_record(
        &mut self,
        input: &mut crate::scheme::tagging::Replayed<R>,
        sentence: &mut Sentence,
    ) -> Result<bool> {
        loop {
            let buf = input.fill_buf()?;
            // A line within the input's buffer is read where it is; one
            // across its end is gathered first.
            let read = if let Some(end) = memchr::memchr(b'\n', buf) {
                let read = self.record(&buf[..=end], sentence);
                input.consume(end + 1);
                read?
            } else {
                self.line_buf.clear();
                if input.read_until(b'\n', &mut self.line_buf)? == 0 {
                    return Ok(false);
                }
                let line = std::mem::take(&mut self.line_buf);
                let read = self.record(&line, sentence);
                self.line_buf = line;
                read?
            };
            if read {
                return Ok(true);
            }
        }
    }

    /// Reads the record on `raw` (a line with its line end) into
    /// `sentence`; `false` for a blank line.
    fn record(&mut self, raw: &[u8], sentence: &mut Sentence) -> Result<bool> {
        self.line += 1;
        let line_start = self.byte;
        self.byte += raw.len() as u64;
        let (content, bom) = crate::lines::content(raw, line_start == 0);
        let line_start = line_start + bom;
        if content.iter().all(u8::is_ascii_whitespace) {
            return Ok(false);
        }
        let line_no = self.line;
        let at = |column: usize| Position::new(line_no, column.max(1) as u64, line_start);
        let text = crate::lines::utf8(content, line_no, line_start)?;
        let fields = &mut self.fields;
        // Where the tags are, for messages about them (found only when
        // one is needed).
        let tags_at = || {
            let column = memchr::memmem::find(content, b"\"tags\"")
                .or_else(|| memchr::memmem::find(content, b"\"ner_tags\""))
                .map_or(1, |b| {
                    Position::in_line(line_no, line_start, content, b).column() as usize
                });
            at(column)
        };
        let has_tags = parse(fields, text, self.fast).map_err(|e| {
            let (column, why) = crate::error::json_error(&e, text);
            Error::parse(
                at(column),
                ParseErrorKind::Other(format!(
                    "not a JSON object with \"tokens\" and \"tags\": {why}"
                )),
            )
        })?;
        if !has_tags {
            // A key present without a list: `"tags": null`.
            let why = if memchr::memmem::find(content, b"\"tags\"").is_some() {
                "\"tags\" is null: expected a list of tags, one per token"
            } else if memchr::memmem::find(content, b"\"ner_tags\"").is_some() {
                "\"ner_tags\" is null: expected a list of tags, one per token"
            } else {
                "no \"tags\" (or \"ner_tags\") key"
            };
            return Err(Error::parse(
                tags_at(),
                ParseErrorKind::Other(why.to_string()),
            ));
        }
        let tokens = fields.tokens.len();
        if fields.tags.len() != tokens {
            return Err(Error::parse(
                tags_at(),
                ParseErrorKind::Other(format!("{} tokens but {} tags", tokens, fields.tags.len())),
            ));
        }
        if fields.has_offsets {
            let o = &fields.offsets;
            let why = if o.len() != tokens {
                Some(format!(
                    "\"offsets\" holds {} [start, end] pairs for {} tokens: one per token",
                    o.len(),
                    tokens
                ))
            } else {
                o.iter().position(|&(s, e)| s > e).map(|i| {
                    format!(
                        "\"offsets\" pair {} [{}, {}] (token {:?}) starts after it ends",
                        i + 1,
                        o[i].0,
                        o[i].1,
                        fields.text(text, fields.tokens[i])
                    )
                })
            };
            if let Some(why) = why {
                let column = memchr::memmem::find(content, b"\"offsets\"").map_or(1, |b| {
                    Position::in_line(line_no, line_start, content, b).column() as usize
                });
                return Err(Error::parse(at(column), ParseErrorKind::Other(why)));
            }
        }
        // The line is copied once and the tokens written without escapes
        // point into it; the others into the decoded text after it.
        let line_base = sentence.push_text(text);
        let decoded_base = sentence.push_text(&fields.decoded);
        let mut pos = 0;
        for (i, &token) in fields.tokens.iter().enumerate() {
            let at_text = match token {
                Text::Line(s) => Span::new(line_base + s.start(), line_base + s.end()),
                Text::Decoded(s) => Span::new(decoded_base + s.start(), decoded_base + s.end()),
            };
            let span = match fields.has_offsets {
                true => Span::new(fields.offsets[i].0, fields.offsets[i].1),
                // Without offsets, tokens are placed as if joined by
                // single spaces.
                false => Span::new(pos, pos + at_text.len()),
            };
            pos += at_text.len() + 1;
            sentence.push_token_span(at_text, span);
        }
        let names = self.opts.label_names.as_deref();
        if fields.numbers {
            for &t in &fields.tags {
                tag_text(fields, text, t, names).map_err(|(hint, why)| {
                    Error::parse(tags_at(), ParseErrorKind::Other(why)).with_hint(hint)
                })?;
            }
        }
        sentence.set_line(line_no);
        sentence.set_document_start(std::mem::take(&mut self.first));
        let style = self.style.unwrap_or_default();
        let scheme = self.scheme.unwrap_or_default();
        if let Some(only) = style.only_scheme().filter(|&s| s != scheme) {
            return Err(Error::parse(
                tags_at(),
                ParseErrorKind::Other(format!(
                    "tags of the {style} tag style are {only} tags, not {scheme}"
                )),
            )
            .with_hint(Hint::NameTheScheme)
            .with_hint(Hint::NameTheTagStyle));
        }
        let fields = &self.fields;
        self.decoder.decode(
            scheme,
            style,
            self.opts.lenient,
            fields
                .tags
                .iter()
                .map(|&t| tag_text(fields, text, t, names).unwrap_or_default()),
            sentence,
            &mut |_| tags_at(),
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
            tag_style: self.tag_style().map(|s| (s, self.tag_style_detected())),
            ..Default::default()
        }
    }
}
