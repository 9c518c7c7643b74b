//! Writing spans.

use std::io::Write;

use crate::convert::{LabelCounts, SentenceWriter};
use crate::error::Result;
use crate::format::json;
use crate::sentence::{OffsetUnit, Sentence};
use crate::span::TokenSpan;

/// The text a document writer states (the source text when the reader
/// recorded the whitespace around tokens, else the tokens joined by single
/// spaces) and where each token starts in it: what the writers of spans,
/// doccano, Prodigy and Label Studio documents share, reused across
/// sentences.
#[derive(Debug, Default)]
pub(crate) struct StatedText {
    text: String,
    starts: Vec<usize>,
}

/// An entity placed in the stated text.
pub(crate) struct Placed<'a> {
    pub label: &'a str,
    pub tokens: TokenSpan,
    /// Its offsets in the writer's unit.
    pub start: usize,
    pub end: usize,
    /// Its bytes in the stated text.
    pub bytes: std::ops::Range<usize>,
}

impl StatedText {
    /// The text of `sentence`. With `retokenized` (the tool's reader splits
    /// the text into tokens again) a text of joined tokens that would not
    /// give the same tokens back is an error.
    pub fn fill(&mut self, sentence: &Sentence, retokenized: bool) -> Result<()> {
        if retokenized && !sentence.has_gaps() {
            for i in 0..sentence.len() {
                crate::conll::check_token(sentence, i, "a text of tokens joined by spaces")?;
            }
        }
        sentence.source_text(&mut self.text, &mut self.starts);
        Ok(())
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The byte offset of token `index` in the text.
    pub fn start_of(&self, index: usize) -> usize {
        self.starts[index]
    }

    /// The entities of `sentence` (the one filled) with their offsets in
    /// `unit`, in order.
    pub fn entities<'a>(
        &'a self,
        sentence: &'a Sentence,
        unit: OffsetUnit,
    ) -> impl Iterator<Item = Placed<'a>> + 'a {
        let mut units = json::UnitCursor::new(&self.text, unit);
        sentence.entities().map(move |e| {
            let last = e.tokens.end() - 1;
            let bytes =
                self.starts[e.tokens.start()]..self.starts[last] + sentence.token(last).text.len();
            Placed {
                label: e.label,
                tokens: e.tokens,
                start: units.get(bytes.start),
                end: units.get(bytes.end),
                bytes,
            }
        })
    }
}

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
    stated: StatedText,
}

impl<W: Write> Writer<W> {
    /// A writer of offsets in `unit` to `out`.
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
        // The reader splits the text into these tokens again.
        self.stated.fill(sentence, true)?;
        let out = &mut self.out;
        out.write_all(b"{\"text\":")?;
        json::write_string(out, self.stated.text())?;
        out.write_all(b",\"entities\":[")?;
        for (i, e) in self.stated.entities(sentence, self.unit).enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            let (start, end) = (e.start, e.end);
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
