//! Writing jsonl.

use std::io::Write;

use std::collections::HashMap;

use crate::convert::{LabelCounts, SentenceWriter};
use crate::error::{Error, ParseErrorKind, Result};
use crate::scheme::tagging::Tagger;
use crate::scheme::{TagScheme, TagStyle};
use crate::sentence::{OffsetUnit, Sentence};
use crate::span::Position;

/// Writes sentences as JSON lines: the tokens, their tags in a scheme
/// (or their class numbers, [`Writer::with_label_names`]), the text the
/// tokens are in and each token's offsets in that text.
///
/// The text is the original when the reader recorded the whitespace
/// between tokens ([`Sentence::has_gaps`]: spans input), and otherwise the
/// tokens joined by single spaces; either way `text[start..end]` is the
/// token. Offsets count bytes unless [`Writer::with_offsets`] says
/// otherwise.
///
/// # Example
/// ```
/// use nerkit::bracket::parse_line;
/// use nerkit::convert::{LabelCounts, SentenceWriter};
/// use nerkit::jsonl::Writer;
/// use nerkit::TagScheme;
///
/// let sentence = parse_line("[LOC Paris ] is big", &Default::default())?;
/// let mut out = Vec::new();
/// let mut writer = Writer::new(&mut out, TagScheme::Iob2);
/// writer.write_sentence(&sentence, &mut LabelCounts::new())?;
/// drop(writer);
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     r#"{"tokens":["Paris","is","big"],"tags":["B-LOC","O","O"],"text":"Paris is big","offsets":[[0,5],[6,8],[9,12]]}"#.to_string() + "\n"
/// );
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Writer<W: Write> {
    out: W,
    scheme: TagScheme,
    style: TagStyle,
    unit: OffsetUnit,
    /// Class numbers by tag, when tags are written as numbers.
    classes: Option<HashMap<String, usize>>,
    tagger: Tagger,
    /// One sentence's line, written with one call.
    buf: Vec<u8>,
    /// The text of the sentence and where each token starts in it.
    text: String,
    starts: Vec<usize>,
    /// One tag as written, to look its class up.
    tag: Vec<u8>,
}

impl<W: Write> Writer<W> {
    /// A writer of `scheme` tags to `out`.
    pub fn new(out: W, scheme: TagScheme) -> Writer<W> {
        Writer {
            out,
            scheme,
            style: TagStyle::Prefix,
            unit: OffsetUnit::Bytes,
            classes: None,
            tagger: Tagger::default(),
            buf: Vec::new(),
            text: String::new(),
            starts: Vec::new(),
            tag: Vec::new(),
        }
    }

    /// Write tags in `style` (`B-PER` by default); the `none` style writes
    /// IO tags whatever the scheme.
    pub fn with_tag_style(mut self, style: TagStyle) -> Writer<W> {
        self.style = style;
        self
    }

    /// Count offsets in `unit` (bytes by default; chars are Python's `str`
    /// indices).
    pub fn with_offsets(mut self, unit: OffsetUnit) -> Writer<W> {
        self.unit = unit;
        self
    }

    /// Write `"ner_tags"` as class numbers, each tag's index in `names`, as
    /// Hugging Face `datasets` stores a `Sequence(ClassLabel(names=...))`,
    /// instead of `"tags"` as strings; `None` writes strings. A tag that is
    /// not among the names is an error.
    pub fn with_label_names(mut self, names: Option<Vec<String>>) -> Writer<W> {
        self.classes = names.map(|names| {
            let mut classes = HashMap::with_capacity(names.len());
            for (k, name) in names.into_iter().enumerate() {
                // The first of two equal names is the class.
                classes.entry(name).or_insert(k);
            }
            classes
        });
        self
    }
}

impl<W: Write> SentenceWriter for Writer<W> {
    fn write_sentence(&mut self, sentence: &Sentence, written: &mut LabelCounts) -> Result<()> {
        // JSON holds any label; only the tag style may not.
        if let Some(why) = sentence
            .entities()
            .find_map(|e| crate::scheme::label_fault(self.style, e.label))
        {
            return Err(Error::parse(
                Position::new(sentence.line(), 1, 0),
                ParseErrorKind::Other(why),
            ));
        }
        let out = &mut self.out;
        let buf = &mut self.buf;
        let style = self.style;
        let classes = self.classes.as_ref();
        let one = &mut self.tag;
        let (text, starts) = (&mut self.text, &mut self.starts);
        sentence.source_text(text, starts);
        let unit = self.unit;
        let scheme = style.only_scheme().unwrap_or(self.scheme);
        self.tagger.with_tags(scheme, sentence, written, |tags| {
            buf.clear();
            buf.extend_from_slice(b"{\"tokens\":[");
            for (i, token) in sentence.tokens().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                push_json_string(buf, token.text);
            }
            buf.extend_from_slice(match classes {
                Some(_) => b"],\"ner_tags\":[",
                None => b"],\"tags\":[",
            });
            let mut number = itoa::Buffer::new();
            for (i, tag) in tags.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                if let Some(classes) = classes {
                    one.clear();
                    tag.push_styled(style, one);
                    let name = std::str::from_utf8(one).expect("tags are text");
                    let Some(&k) = classes.get(name) else {
                        return Err(Error::parse(
                            Position::new(sentence.line(), 1, 0),
                            ParseErrorKind::Other(format!(
                                "the tag {name} of token {} is not among the {} class \
                                     names to write",
                                i + 1,
                                classes.len()
                            )),
                        ));
                    };
                    buf.extend_from_slice(number.format(k).as_bytes());
                } else if style == TagStyle::Prefix && !needs_escape(tag.label) {
                    buf.push(b'"');
                    tag.push_to(buf);
                    buf.push(b'"');
                } else {
                    push_json_string(buf, &tag.to_styled(style));
                }
            }
            buf.extend_from_slice(b"],\"text\":");
            push_json_string(buf, text);
            buf.extend_from_slice(b",\"offsets\":[");
            // Offsets in `unit`, counted on from the previous token.
            let (mut byte, mut at) = (0, 0);
            for (i, (token, &start)) in sentence.token_bytes().zip(starts.iter()).enumerate() {
                at += unit.len_of(&text[byte..start]);
                let end = at + unit.len_of(&text[start..start + token.len()]);
                buf.extend_from_slice(if i > 0 { b",[" } else { b"[" });
                buf.extend_from_slice(number.format(at).as_bytes());
                buf.push(b',');
                buf.extend_from_slice(number.format(end).as_bytes());
                buf.push(b']');
                byte = start + token.len();
                at = end;
            }
            buf.extend_from_slice(b"]}\n");
            out.write_all(buf)?;
            Ok(())
        })
    }

    fn finish(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

fn needs_escape(s: &str) -> bool {
    s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20)
}

/// Appends `s` as a JSON string; text without quotes, backslashes or
/// control characters is copied as it is.
pub(crate) fn push_json_string(buf: &mut Vec<u8>, s: &str) {
    if needs_escape(s) {
        // serde_json escapes exactly as JSON requires; writing into a Vec
        // cannot fail.
        let _ = serde_json::to_writer(&mut *buf, s);
    } else {
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
    }
}
