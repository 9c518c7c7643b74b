//! Writing doccano's import layout.

use std::io::Write;

use crate::convert::{LabelCounts, SentenceWriter};
use crate::error::Result;
use crate::format::json;
use crate::format::spans::StatedText;
use crate::sentence::{OffsetUnit, Sentence};

/// Writes sentences as doccano import lines: `text`, `label` as
/// `[start, end, label]` arrays, and the members kept from the input.
///
/// # Example
/// ```
/// use nerkit::bracket::parse_line;
/// use nerkit::convert::{LabelCounts, SentenceWriter};
/// use nerkit::doccano::Writer;
/// use nerkit::OffsetUnit;
///
/// let sentence = parse_line("[PER Ryan Crocker  ] met", &Default::default())?;
/// let mut out = Vec::new();
/// Writer::new(&mut out, OffsetUnit::Chars).write_sentence(&sentence, &mut LabelCounts::new())?;
/// assert_eq!(String::from_utf8(out).unwrap(), "{\"text\":\"Ryan Crocker met\",\"label\":[[0,12,\"PER\"]]}\n");
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Writer<W: Write> {
    out: W,
    unit: OffsetUnit,
    stated: StatedText,
}

impl<W: Write> Writer<W> {
    /// A writer of offsets in `unit` (code points for doccano) to `out`.
    pub fn new(out: W, unit: OffsetUnit) -> Writer<W> {
        Writer {
            out,
            unit,
            stated: StatedText::default(),
        }
    }
}

impl<W: Write> SentenceWriter for Writer<W> {
    fn write_sentence(&mut self, sentence: &Sentence, written: &mut LabelCounts) -> Result<()> {
        // doccano's reader (nerkit's) splits the text into tokens again.
        self.stated.fill(sentence, true)?;
        let out = &mut self.out;
        out.write_all(b"{\"text\":")?;
        json::write_string(out, self.stated.text())?;
        out.write_all(b",\"label\":[")?;
        for (i, e) in self.stated.entities(sentence, self.unit).enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            let (start, end) = (e.start, e.end);
            write!(out, "[{start},{end},")?;
            json::write_string(out, e.label)?;
            out.write_all(b"]")?;
            written.add(e.label, 1);
        }
        out.write_all(b"]")?;
        json::write_extra(out, sentence.extra_json(), &["text", "label", "entities"])?;
        out.write_all(b"}\n")?;
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}
