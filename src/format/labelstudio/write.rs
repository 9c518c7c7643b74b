//! Writing Label Studio's import layout with pre-annotations.

use std::io::Write;

use crate::convert::{LabelCounts, SentenceWriter};
use crate::error::Result;
use crate::format::json;
use crate::format::spans::{parse, StatedText};
use crate::sentence::{OffsetUnit, Sentence};

/// Writes sentences as Label Studio tasks to import, in one JSON array:
/// `data.text` (and the other `data` members of a Label Studio input),
/// the input's `meta`, and one prediction with a `labels` result per
/// entity. The input's other members (`id`, dates, users, ...) are left
/// out: Label Studio's import would take them as the new task's.
///
/// # Example
/// ```
/// use nerkit::bracket::parse_line;
/// use nerkit::convert::{LabelCounts, SentenceWriter};
/// use nerkit::labelstudio::Writer;
/// use nerkit::OffsetUnit;
///
/// let sentence = parse_line("[PER Ryan Crocker  ] met", &Default::default())?;
/// let mut out = Vec::new();
/// let mut w = Writer::new(&mut out, OffsetUnit::Chars);
/// w.write_sentence(&sentence, &mut LabelCounts::new())?;
/// w.finish()?;
/// drop(w);
/// let tasks: serde_json::Value = serde_json::from_slice(&out).unwrap();
/// let value = &tasks[0]["predictions"][0]["result"][0]["value"];
/// assert_eq!(value["text"], "Ryan Crocker");
/// assert_eq!(value["labels"][0], "PER");
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Writer<W: Write> {
    out: W,
    unit: OffsetUnit,
    tasks: u64,
    closed: bool,
    stated: StatedText,
    wrapped: String,
}

impl<W: Write> Writer<W> {
    /// A writer of offsets in `unit` (code points for Label Studio since
    /// 2022) to `out`.
    pub fn new(out: W, unit: OffsetUnit) -> Writer<W> {
        Writer {
            out,
            unit,
            tasks: 0,
            closed: false,
            stated: StatedText::default(),
            wrapped: String::new(),
        }
    }
}

impl<W: Write> SentenceWriter for Writer<W> {
    fn write_sentence(&mut self, sentence: &Sentence, written: &mut LabelCounts) -> Result<()> {
        self.stated.fill(sentence, false)?;
        let out = &mut self.out;
        out.write_all(if self.tasks == 0 { b"[\n" } else { b",\n" })?;
        self.tasks += 1;
        // The kept members; a `data` member (from a Label Studio input)
        // goes inside `data`.
        self.wrapped.clear();
        self.wrapped.push('{');
        self.wrapped.push_str(sentence.extra_json().unwrap_or(""));
        self.wrapped.push('}');
        let members = parse::members(self.wrapped.as_bytes(), "members").ok();
        let members = members.as_ref().map_or(&[][..], |m| &m.0[..]);
        out.write_all(b"{\"data\":{\"text\":")?;
        json::write_string(out, self.stated.text())?;
        for (k, v) in members.iter().filter(|(k, _)| &**k == "data") {
            let inner = v.get().trim();
            let inner = &inner[1..inner.len() - 1];
            if k.len() == 4 && !inner.trim().is_empty() {
                out.write_all(b",")?;
                out.write_all(inner.as_bytes())?;
            }
        }
        out.write_all(b"}")?;
        // Only `meta` of the other members: Label Studio's import would
        // take ids, users and dates of another project as the task's.
        for (k, v) in members.iter().filter(|(k, _)| &**k == "meta") {
            out.write_all(b",")?;
            json::write_string(out, k)?;
            out.write_all(b":")?;
            out.write_all(v.get().as_bytes())?;
        }
        out.write_all(b",\"predictions\":[{\"model_version\":\"nerkit\",\"result\":[")?;
        for (i, e) in self.stated.entities(sentence, self.unit).enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            let (start, end) = (e.start, e.end);
            write!(
                out,
                "{{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\",\"value\":{{\"start\":{start},\"end\":{end},\"text\":"
            )?;
            json::write_string(out, &self.stated.text()[e.bytes])?;
            out.write_all(b",\"labels\":[")?;
            json::write_string(out, e.label)?;
            out.write_all(b"]}}")?;
            written.add(e.label, 1);
        }
        out.write_all(b"]}]}")?;
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        if !self.closed {
            self.closed = true;
            self.out
                .write_all(if self.tasks == 0 { b"[]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()?;
        Ok(())
    }
}
