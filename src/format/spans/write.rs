//! Writing spans.

use std::io::Write;

use crate::convert::{LabelCounts, SentenceWriter};
use crate::error::Result;
use crate::format::json;
use crate::sentence::{OffsetUnit, Sentence};

/// Writes sentences as span lines: the text (the source text as read,
/// byte for byte, when the reader recorded the whitespace around tokens;
/// else the tokens joined by single spaces), the offsets of each entity
/// in that text, and the members of the input object that the reader did
/// not interpret (`id`, `meta`, ...), as written.
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
        if !sentence.has_gaps() {
            for i in 0..sentence.len() {
                // The reader splits the text into these tokens again.
                crate::conll::check_token(sentence, i, "a text of tokens joined by spaces")?;
            }
        }
        sentence.source_text(&mut self.text, &mut self.starts);
        let out = &mut self.out;
        out.write_all(b"{\"text\":")?;
        json::write_string(out, &self.text)?;
        out.write_all(b",\"entities\":[")?;
        let mut units = json::UnitCursor::new(&self.text, self.unit);
        for (i, e) in sentence.entities().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            let last = e.tokens.end() - 1;
            let start = units.get(self.starts[e.tokens.start()]);
            let end = units.get(self.starts[last] + sentence.token(last).text.len());
            write!(out, "{{\"start\":{start},\"end\":{end},\"label\":")?;
            json::write_string(out, e.label)?;
            out.write_all(b"}")?;
            written.add(e.label, 1);
        }
        out.write_all(b"]")?;
        json::write_extra(out, sentence.extra_json(), &["text", "entities"])?;
        out.write_all(b"}\n")?;
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}
