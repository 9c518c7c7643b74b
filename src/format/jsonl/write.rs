//! Writing jsonl.

use std::io::Write;

use crate::convert::{LabelCounts, SentenceWriter};
use crate::error::Result;
use crate::scheme::tagging::Tagger;
use crate::scheme::TagScheme;
use crate::sentence::Sentence;

/// Writes sentences as JSON lines with tags in a scheme and the offsets of
/// each token in the input (in the unit the reader was asked for).
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
///     r#"{"tokens":["Paris","is","big"],"tags":["B-LOC","O","O"],"offsets":[[5,10],[13,15],[16,19]]}"#.to_string() + "\n"
/// );
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Writer<W: Write> {
    out: W,
    scheme: TagScheme,
    tagger: Tagger,
    /// One sentence's line, written with one call.
    buf: Vec<u8>,
}

impl<W: Write> Writer<W> {
    /// A writer of `scheme` tags to `out`.
    pub fn new(out: W, scheme: TagScheme) -> Writer<W> {
        Writer {
            out,
            scheme,
            tagger: Tagger::default(),
            buf: Vec::new(),
        }
    }
}

impl<W: Write> SentenceWriter for Writer<W> {
    fn write_sentence(&mut self, sentence: &Sentence, written: &mut LabelCounts) -> Result<()> {
        let out = &mut self.out;
        let buf = &mut self.buf;
        self.tagger
            .with_tags(self.scheme, sentence, written, |tags| {
                buf.clear();
                buf.extend_from_slice(b"{\"tokens\":[");
                for (i, token) in sentence.tokens().enumerate() {
                    if i > 0 {
                        buf.push(b',');
                    }
                    push_json_string(buf, token.text);
                }
                buf.extend_from_slice(b"],\"tags\":[");
                for (i, tag) in tags.iter().enumerate() {
                    if i > 0 {
                        buf.push(b',');
                    }
                    if needs_escape(tag.label) {
                        push_json_string(buf, &tag.to_string());
                    } else {
                        buf.push(b'"');
                        tag.push_to(buf);
                        buf.push(b'"');
                    }
                }
                buf.extend_from_slice(b"],\"offsets\":[");
                // Two numbers a token: formatting them through `fmt` took a
                // third of the time of writing JSON lines.
                let mut number = itoa::Buffer::new();
                for (i, token) in sentence.tokens().enumerate() {
                    buf.extend_from_slice(if i > 0 { b",[" } else { b"[" });
                    buf.extend_from_slice(number.format(token.span.start()).as_bytes());
                    buf.push(b',');
                    buf.extend_from_slice(number.format(token.span.end()).as_bytes());
                    buf.push(b']');
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
