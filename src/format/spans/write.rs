//! Writing spans.

use std::io::Write;

use crate::convert::{LabelCounts, SentenceWriter};
use crate::error::Result;
use crate::sentence::{OffsetUnit, Sentence};

/// Writes sentences as span lines: the tokens joined by single spaces, and
/// the offsets of each entity in that text.
///
/// # Example
/// ```
/// use nerkit::bracket::parse_line;
/// use nerkit::convert::{LabelCounts, SentenceWriter};
/// use nerkit::spans::Writer;
/// use nerkit::OffsetUnit;
///
/// let sentence = parse_line("[PER Ryan Crocker  ] met [LOC Pakistan’s  ] officials", &Default::default())?;
/// let mut out = Vec::new();
/// Writer::new(&mut out, OffsetUnit::Chars).write_sentence(&sentence, &mut LabelCounts::new())?;
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     r#"{"text":"Ryan Crocker met Pakistan’s officials","entities":[{"start":0,"end":12,"label":"PER"},{"start":17,"end":27,"label":"LOC"}]}"#.to_string() + "\n"
/// );
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Writer<W: Write> {
    out: W,
    unit: OffsetUnit,
    text: String,
    starts: Vec<usize>,
}

impl<W: Write> Writer<W> {
    /// A writer of offsets in `unit` to `out`.
    pub fn new(out: W, unit: OffsetUnit) -> Writer<W> {
        Writer {
            out,
            unit,
            text: String::new(),
            starts: Vec::new(),
        }
    }
}

impl<W: Write> SentenceWriter for Writer<W> {
    fn write_sentence(&mut self, sentence: &Sentence, written: &mut LabelCounts) -> Result<()> {
        self.text.clear();
        self.starts.clear();
        let mut at = 0;
        for (i, t) in sentence.tokens().enumerate() {
            // The reader splits the text into these tokens again.
            crate::conll::check_token(sentence, i, "a text of tokens joined by spaces")?;
            if i > 0 {
                self.text.push(' ');
                at += 1;
            }
            self.starts.push(at);
            self.text.push_str(t.text);
            at += self.unit.len_of(t.text);
        }
        let out = &mut self.out;
        out.write_all(b"{\"text\":")?;
        serde_json::to_writer(&mut *out, &self.text).map_err(std::io::Error::from)?;
        out.write_all(b",\"entities\":[")?;
        for (i, e) in sentence.entities().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            let last = e.tokens.end() - 1;
            let start = self.starts[e.tokens.start()];
            let end = self.starts[last] + self.unit.len_of(sentence.token(last).text);
            write!(out, "{{\"start\":{start},\"end\":{end},\"label\":")?;
            serde_json::to_writer(&mut *out, e.label).map_err(std::io::Error::from)?;
            out.write_all(b"}")?;
            written.add(e.label, 1);
        }
        out.write_all(b"]}\n")?;
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}
