//! JSON lines: one object per sentence,
//! `{"tokens": [...], "tags": [...], "offsets": [[start, end], ...]}`.

use std::io::Write;

use crate::conll::Tagger;
use crate::convert::{LabelCounts, SentenceWriter};
use crate::error::Result;
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
}

impl<W: Write> Writer<W> {
    /// A writer of `scheme` tags to `out`.
    pub fn new(out: W, scheme: TagScheme) -> Writer<W> {
        Writer {
            out,
            scheme,
            tagger: Tagger::default(),
        }
    }
}

impl<W: Write> SentenceWriter for Writer<W> {
    fn write_sentence(&mut self, sentence: &Sentence, written: &mut LabelCounts) -> Result<()> {
        let out = &mut self.out;
        self.tagger
            .with_tags(self.scheme, sentence, written, |tags| {
                out.write_all(b"{\"tokens\":[")?;
                for (i, token) in sentence.tokens().enumerate() {
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    serde_json::to_writer(&mut *out, token.text).map_err(std::io::Error::from)?;
                }
                out.write_all(b"],\"tags\":[")?;
                for (i, tag) in tags.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    if tag
                        .label
                        .bytes()
                        .any(|b| b == b'"' || b == b'\\' || b < 0x20)
                    {
                        serde_json::to_writer(&mut *out, &tag.to_string())
                            .map_err(std::io::Error::from)?;
                    } else {
                        write!(out, "\"{tag}\"")?;
                    }
                }
                out.write_all(b"],\"offsets\":[")?;
                for (i, token) in sentence.tokens().enumerate() {
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    write!(out, "[{},{}]", token.span.start(), token.span.end())?;
                }
                out.write_all(b"]}\n")?;
                Ok(())
            })
    }

    fn finish(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}
