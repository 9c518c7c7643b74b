//! Reading jsonl.

use std::borrow::Cow;
use std::io::{BufRead, Cursor, Read};

use serde::Deserialize;

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

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    tokens: Vec<Cow<'a, str>>,
    #[serde(default, borrow)]
    tags: Option<Vec<StringOrNumber<'a>>>,
    #[serde(default, borrow)]
    ner_tags: Option<Vec<StringOrNumber<'a>>>,
    #[serde(default)]
    offsets: Option<Vec<(usize, usize)>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StringOrNumber<'a> {
    String(#[serde(borrow)] Cow<'a, str>),
    Number(serde_json::Number),
}

/// Tokens, tags and offsets of a record.
type Parts<'a> = (
    Vec<Cow<'a, str>>,
    Vec<StringOrNumber<'a>>,
    Option<Vec<(usize, usize)>>,
);

impl<'a> Record<'a> {
    /// The tags, from `tags` or else from `ner_tags`.
    fn into_parts(self) -> std::result::Result<Parts<'a>, String> {
        let tags = match (self.tags, self.ner_tags) {
            (Some(t), _) | (None, Some(t)) => t,
            (None, None) => return Err("no \"tags\" (or \"ner_tags\") key".to_string()),
        };
        Ok((self.tokens, tags, self.offsets))
    }
}

/// The tag `tag` stands for: itself, or the name of its class.
fn tag_text<'t>(
    tag: &'t StringOrNumber<'_>,
    names: Option<&'t [String]>,
) -> std::result::Result<&'t str, (Hint, String)> {
    match tag {
        StringOrNumber::String(s) => Ok(s),
        StringOrNumber::Number(n) => {
            let Some(names) = names else {
                return Err((
                    Hint::NameTheClasses,
                    "the tags are class numbers; nerkit needs the class names to read them \
                     (the dataset's ClassLabel names, in class order)"
                        .to_string(),
                ));
            };
            match n.as_u64().and_then(|k| names.get(usize::try_from(k).ok()?)) {
                Some(name) => Ok(name),
                None => Err((
                    Hint::NameTheClasses,
                    format!(
                        "the tag {n} is not a class number of the {} class names given",
                        names.len()
                    ),
                )),
            }
        }
    }
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
    tag_text: String,
    tag_spans: Vec<Span>,
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
            tag_text: String::new(),
            tag_spans: Vec::new(),
            repairs: Vec::new(),
        }
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
        let records = || {
            input.get_ref().0.get_ref()[..len]
                .split(|&b| b == b'\n')
                .filter_map(|line| {
                    let line = std::str::from_utf8(line).ok()?;
                    let line = line.trim_start_matches('\u{feff}');
                    let record = serde_json::from_str::<Record<'_>>(line).ok()?;
                    record.into_parts().ok().map(|(_, tags, _)| tags)
                })
        };
        let style = self.opts.tag_style.unwrap_or_else(|| {
            let mut detector = StyleDetector::new();
            for tags in records() {
                for t in &tags {
                    if let Ok(text) = tag_text(t, names) {
                        detector.observe(text);
                    }
                }
            }
            detector.style()
        });
        let scheme = self.scheme.unwrap_or_else(|| {
            let mut detector = SchemeDetector::new();
            for tags in records() {
                let tags: Vec<Tag<'_>> = tags
                    .iter()
                    .map(|t| {
                        tag_text(t, names)
                            .ok()
                            .and_then(|text| Tag::parse_in(style, text).ok())
                            .unwrap_or(Tag::OUTSIDE)
                    })
                    .collect();
                detector.observe(&tags);
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
        loop {
            self.line_buf.clear();
            let input = self.input.as_mut().expect("input present");
            let n = input.read_until(b'\n', &mut self.line_buf)?;
            if n == 0 {
                return Ok(false);
            }
            self.line += 1;
            let line_start = self.byte;
            self.byte += n as u64;
            let (content, bom) = crate::lines::content(&self.line_buf, line_start == 0);
            let line_start = line_start + bom;
            if content.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let line_no = self.line;
            let at = |column: usize| Position::new(line_no, column.max(1) as u64, line_start);
            let text = crate::lines::utf8(content, line_no, line_start)?;
            let record: Record<'_> = serde_json::from_str(text).map_err(|e| {
                let (column, why) = crate::error::json_error(&e, text);
                Error::parse(
                    at(column),
                    ParseErrorKind::Other(format!(
                        "not a JSON object with \"tokens\" and \"tags\": {why}"
                    )),
                )
            })?;
            let tags_column = memchr::memmem::find(content, b"\"tags\"")
                .or_else(|| memchr::memmem::find(content, b"\"ner_tags\""))
                .map_or(1, |b| {
                    Position::in_line(line_no, line_start, content, b).column() as usize
                });
            let (tokens, tags, offsets) = record.into_parts().map_err(|why| {
                // A key present without a list: `"tags": null`.
                let why = if memchr::memmem::find(content, b"\"tags\"").is_some() {
                    "\"tags\" is null: expected a list of tags, one per token".to_string()
                } else if memchr::memmem::find(content, b"\"ner_tags\"").is_some() {
                    "\"ner_tags\" is null: expected a list of tags, one per token".to_string()
                } else {
                    why
                };
                Error::parse(at(tags_column), ParseErrorKind::Other(why))
            })?;
            if tags.len() != tokens.len() {
                return Err(Error::parse(
                    at(tags_column),
                    ParseErrorKind::Other(format!(
                        "{} tokens but {} tags",
                        tokens.len(),
                        tags.len()
                    )),
                ));
            }
            if let Some(o) = &offsets {
                let why = if o.len() != tokens.len() {
                    Some(format!(
                        "\"offsets\" holds {} [start, end] pairs for {} tokens: one per token",
                        o.len(),
                        tokens.len()
                    ))
                } else {
                    o.iter().position(|&(s, e)| s > e).map(|i| {
                        format!(
                            "\"offsets\" pair {} [{}, {}] (token {:?}) starts after it ends",
                            i + 1,
                            o[i].0,
                            o[i].1,
                            tokens[i]
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
            let mut pos = 0;
            for (i, token) in tokens.iter().enumerate() {
                let span = match &offsets {
                    Some(o) => Span::new(o[i].0, o[i].1),
                    // Without offsets, tokens are placed as if joined by
                    // single spaces.
                    None => Span::new(pos, pos + token.len()),
                };
                pos += token.len() + 1;
                sentence.push_token(token, span);
            }
            self.tag_text.clear();
            self.tag_spans.clear();
            let names = self.opts.label_names.as_deref();
            for t in &tags {
                let text = tag_text(t, names).map_err(|(hint, why)| {
                    Error::parse(at(tags_column), ParseErrorKind::Other(why)).with_hint(hint)
                })?;
                let s = self.tag_text.len();
                self.tag_text.push_str(text);
                self.tag_spans.push(Span::new(s, self.tag_text.len()));
            }
            sentence.set_line(line_no);
            sentence.set_document_start(std::mem::take(&mut self.first));
            let style = self.style.unwrap_or_default();
            let scheme = self.scheme.unwrap_or_default();
            if let Some(only) = style.only_scheme().filter(|&s| s != scheme) {
                return Err(Error::parse(
                    at(tags_column),
                    ParseErrorKind::Other(format!(
                        "tags of the {style} tag style are {only} tags, not {scheme}"
                    )),
                )
                .with_hint(Hint::NameTheScheme)
                .with_hint(Hint::NameTheTagStyle));
            }
            let text = &self.tag_text;
            self.decoder.decode(
                scheme,
                style,
                self.opts.lenient,
                self.tag_spans.iter().map(|&s| &text[s]),
                sentence,
                &mut |_| at(tags_column),
                &mut self.repairs,
            )?;
            return Ok(true);
        }
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
