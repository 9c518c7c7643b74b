//! Writing Prodigy tasks.

use std::io::Write;

use crate::convert::{LabelCounts, SentenceWriter};
use crate::error::Result;
use crate::format::json;
use crate::format::spans::StatedText;
use crate::sentence::{OffsetUnit, Sentence};

/// Writes sentences as Prodigy tasks: `text`, `tokens`, `spans` and the
/// members kept from the input.
///
/// # Example
/// ```
/// use nerkit::bracket::parse_line;
/// use nerkit::convert::{LabelCounts, SentenceWriter};
/// use nerkit::prodigy::Writer;
/// use nerkit::OffsetUnit;
///
/// let sentence = parse_line("[PER Ryan  ] met", &Default::default())?;
/// let mut out = Vec::new();
/// Writer::new(&mut out, OffsetUnit::Chars).write_sentence(&sentence, &mut LabelCounts::new())?;
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     concat!(
///         r#"{"text":"Ryan met","tokens":[{"text":"Ryan","start":0,"end":4,"id":0,"ws":true},"#,
///         r#"{"text":"met","start":5,"end":8,"id":1,"ws":false}],"#,
///         r#""spans":[{"start":0,"end":4,"token_start":0,"token_end":0,"label":"PER"}]}"#,
///         "\n"
///     )
/// );
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Writer<W: Write> {
    out: W,
    unit: OffsetUnit,
    stated: StatedText,
}

impl<W: Write> Writer<W> {
    /// A writer of offsets in `unit` (code points for Prodigy) to `out`.
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
        // Prodigy's tokens are written: its reader takes them as they are.
        self.stated.fill(sentence, false)?;
        let gaps = sentence.has_gaps();
        let out = &mut self.out;
        out.write_all(b"{\"text\":")?;
        json::write_string(out, self.stated.text())?;
        out.write_all(b",\"tokens\":[")?;
        let mut units = json::UnitCursor::new(self.stated.text(), self.unit);
        let n = sentence.len();
        for (i, t) in sentence.tokens().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            let s = self.stated.start_of(i);
            let (start, end) = (units.get(s), units.get(s + t.text.len()));
            let ws = if gaps {
                sentence.gap_after(i).is_some_and(|g| !g.is_empty())
            } else {
                i + 1 < n
            };
            out.write_all(b"{\"text\":")?;
            json::write_string(out, t.text)?;
            write!(
                out,
                ",\"start\":{start},\"end\":{end},\"id\":{i},\"ws\":{ws}}}"
            )?;
        }
        out.write_all(b"],\"spans\":[")?;
        for (i, e) in self.stated.entities(sentence, self.unit).enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            let (start, end, last) = (e.start, e.end, e.tokens.end() - 1);
            write!(
                out,
                "{{\"start\":{start},\"end\":{end},\"token_start\":{},\"token_end\":{last},\"label\":",
                e.tokens.start()
            )?;
            json::write_string(out, e.label)?;
            out.write_all(b"}")?;
            written.add(e.label, 1);
        }
        out.write_all(b"]")?;
        json::write_extra(out, sentence.extra_json(), &["text", "tokens", "spans"])?;
        out.write_all(b"}\n")?;
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}
