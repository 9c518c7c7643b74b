//! Writing spans.

use std::io::Write;

use crate::convert::{LabelCounts, SentenceWriter};
use crate::error::Result;
use crate::format::json;
use crate::format::record::{json_room, Scratch, NUMBER_ROOM};
use crate::sentence::{census, OffsetUnit, Sentence};
use crate::span::TokenSpan;
use crate::spill::Spill;

/// The text a document writer states (the source text when the reader
/// recorded the whitespace around tokens, else the tokens joined by single
/// spaces) and where each token starts in it: what the writers of spans,
/// doccano, Prodigy and Label Studio documents share, reused across
/// sentences.
#[derive(Debug, Default)]
pub(crate) struct StatedText {
    text: String,
    starts: Vec<usize>,
    /// The text holds no byte that a JSON string escapes, as found while
    /// it was built; false when that was not looked at.
    plain_json: bool,
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
        let (text, starts) = (&mut self.text, &mut self.starts);
        self.plain_json = false;
        if sentence.has_gaps() {
            sentence.source_text(text, starts);
            return Ok(());
        }
        text.clear();
        starts.clear();
        let n = sentence.len();
        starts.reserve(n);
        // The tokens a run at a time (see `Sentence::spaced_run`): most
        // of a bracket line's tokens lie in its buffer as they are
        // written here, so a run of them is copied and looked at once.
        let mut i = 0;
        while i < n {
            let (end, run) = sentence.spaced_run(i, n);
            if i > 0 {
                text.push(' ');
            }
            let (at, base) = (text.len(), sentence.token_start(i));
            text.push_str(run);
            starts.extend((i..end).map(|j| at + sentence.token_start(j) - base));
            let census = census(run.as_bytes(), |_| 0);
            // A token that is empty or holds whitespace fails the check.
            if retokenized && !census.without_whitespace(run, end - i) {
                for j in i..end {
                    let token = sentence.token_bytes_at(j);
                    if token.is_empty() || token.iter().any(|&b| b <= b' ' || b >= 0x80) {
                        crate::conll::check_token(
                            sentence,
                            j,
                            "a text of tokens joined by spaces",
                        )?;
                    }
                }
            }
            i = end;
        }
        self.plain_json = !crate::format::record::needs_escape(text.as_bytes());
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
            let bytes = self.starts[e.tokens.start()]
                ..self.starts[last] + sentence.token_bytes_at(last).len();
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

/// True when `label` holds no byte a JSON string escapes (`"`, `\`, a
/// control), as the usual labels (`PER`, `creative-work`) do: it is
/// written as it is, without the general escaper's call.
#[inline]
fn is_plain_label(label: &str) -> bool {
    label.bytes().all(|b| b >= b' ' && b != b'"' && b != b'\\')
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
    /// One sentence's line, written with one call.
    buf: Scratch,
    /// The kept members of the input, when there are any.
    extra: Vec<u8>,
    /// The sentence being written in pieces (see [`crate::Piece`]).
    pieces: OpenLine,
}

/// What a writer of a sentence given in pieces holds between them: the
/// tokens and the length of the text written so far (in the offset unit),
/// and the entities as they will be written after the text once it ends,
/// in a [`Spill`], so that a line of any length takes bounded memory.
#[derive(Debug, Default)]
struct OpenLine {
    tokens: usize,
    units: usize,
    /// The entities held, as written, separated by commas.
    entities: Spill,
    /// Whether an entity is held.
    any: bool,
    /// One piece's text as a JSON string, then one entity as written.
    json: Vec<u8>,
}

impl OpenLine {
    fn clear(&mut self) {
        self.tokens = 0;
        self.units = 0;
        self.entities.clear();
        self.any = false;
    }

    /// Holds an entity from `start` to `end` (offsets in the line)
    /// labelled `label`.
    fn hold(&mut self, label: &str, start: usize, end: usize) -> Result<()> {
        let json = &mut self.json;
        json.clear();
        if self.any {
            json.push(b',');
        }
        write!(json, "{{\"start\":{start},\"end\":{end},\"label\":")?;
        json::write_string(json, label)?;
        json.push(b'}');
        self.entities.write(json)?;
        self.any = true;
        Ok(())
    }
}

impl<W: Write> Writer<W> {
    /// A writer of offsets in `unit` to `out`.
    pub fn new(out: W, unit: OffsetUnit) -> Writer<W> {
        Writer {
            out,
            unit,
            stated: StatedText::default(),
            buf: Scratch::default(),
            extra: Vec::new(),
            pieces: OpenLine::default(),
        }
    }

    /// What the writer writes to, for the fused route from bracket text
    /// (see `bracket::Reader::copy_to_spans`).
    pub(crate) fn out_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// The unit of the offsets written.
    pub(crate) fn offset_unit(&self) -> OffsetUnit {
        self.unit
    }

    /// Hold at most `bytes` of the entities of a line given in pieces in
    /// memory before moving them to a temporary file ([`crate::Piece`];
    /// 1 MiB by default): a small bound tries the file with small inputs.
    pub fn with_spill_bytes(mut self, bytes: usize) -> Writer<W> {
        self.pieces.entities = Spill::with_bound(bytes);
        self
    }
}

impl<W: Write> SentenceWriter for Writer<W> {
    fn write_sentence(&mut self, sentence: &Sentence, written: &mut LabelCounts) -> Result<()> {
        // The reader splits the text into these tokens again.
        self.stated.fill(sentence, true)?;
        if !sentence.piece().is_whole() {
            return self.write_piece(sentence, written);
        }
        // The record is built whole and written with one call.
        let buf = &mut self.buf;
        buf.clear();
        let text = self.stated.text();
        let plain = self.stated.plain_json;
        buf.with_cursor(32 + json_room(text.len()), |buf| {
            buf.put(b"{\"text\":");
            if plain {
                buf.put_byte(b'"');
                buf.put_slice(text.as_bytes());
                buf.put_byte(b'"');
            } else {
                buf.put_json_string(text);
            }
            buf.put(b",\"entities\":[");
        });
        for (i, e) in self.stated.entities(sentence, self.unit).enumerate() {
            buf.with_cursor(32 + 2 * NUMBER_ROOM + json_room(e.label.len()), |buf| {
                if i > 0 {
                    buf.put(b",{\"start\":");
                } else {
                    buf.put(b"{\"start\":");
                }
                buf.put_number(e.start);
                buf.put(b",\"end\":");
                buf.put_number(e.end);
                buf.put(b",\"label\":");
                if is_plain_label(e.label) {
                    buf.put_byte(b'"');
                    buf.put_slice(e.label.as_bytes());
                    buf.put(b"\"}");
                } else {
                    buf.put_json_string(e.label);
                    buf.put_byte(b'}');
                }
            });
            written.add(e.label, 1);
        }
        buf.extend_from_slice(b"]");
        if sentence.extra_json().is_some() {
            let extra = &mut self.extra;
            extra.clear();
            json::write_extra(extra, sentence.extra_json(), &["text", "entities"])?;
            buf.extend_from_slice(extra);
        }
        buf.extend_from_slice(b"}\n");
        self.out.write_all(buf.as_bytes())?;
        Ok(())
    }

    fn writes_pieces(&self) -> bool {
        true
    }

    fn finish(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

impl<W: Write> Writer<W> {
    /// Writes `sentence`, a piece of a longer one whose text is stated:
    /// its text as it comes (pieces joined by a space, as tokens are), and
    /// the entities, held until then, after the last piece.
    fn write_piece(&mut self, sentence: &Sentence, written: &mut LabelCounts) -> Result<()> {
        let piece = sentence.piece();
        let open = &mut self.pieces;
        if !piece.continues {
            open.clear();
            self.out.write_all(b"{\"text\":\"")?;
        } else if open.tokens > 0 && !sentence.is_empty() {
            self.out.write_all(b" ")?;
            open.units += 1;
        }
        for e in self.stated.entities(sentence, self.unit) {
            let units = open.units;
            open.hold(e.label, units + e.start, units + e.end)?;
            // Counted as held: should a later piece fail, the counts of
            // the sentence are dropped (see `copy_sentences`).
            written.add(e.label, 1);
        }
        open.tokens += sentence.len();
        open.units += self.unit.len_of(self.stated.text());
        open.json.clear();
        json::write_string(&mut open.json, self.stated.text())?;
        // The string's content, without its quotes.
        self.out.write_all(&open.json[1..open.json.len() - 1])?;
        if piece.continued {
            return Ok(());
        }
        let out = &mut self.out;
        out.write_all(b"\",\"entities\":[")?;
        open.entities.copy_to(out)?;
        out.write_all(b"]")?;
        json::write_extra(out, sentence.extra_json(), &["text", "entities"])?;
        out.write_all(b"}\n")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;
    use proptest::prelude::*;

    /// The writer before it built records in a buffer (a write per piece,
    /// numbers by `write!`, strings by serde_json, every token checked
    /// first): what the fast writer is proven equal to.
    fn reference_write(
        out: &mut Vec<u8>,
        unit: OffsetUnit,
        sentence: &Sentence,
        written: &mut LabelCounts,
    ) -> Result<()> {
        let (mut text, mut starts) = (String::new(), Vec::new());
        if !sentence.has_gaps() {
            for i in 0..sentence.len() {
                crate::conll::check_token(sentence, i, "a text of tokens joined by spaces")?;
            }
        }
        sentence.source_text(&mut text, &mut starts);
        out.write_all(b"{\"text\":")?;
        json::write_string(out, &text)?;
        out.write_all(b",\"entities\":[")?;
        let mut units = json::UnitCursor::new(&text, unit);
        for (i, e) in sentence.entities().enumerate() {
            let last = e.tokens.end() - 1;
            let bytes = starts[e.tokens.start()]..starts[last] + sentence.token(last).text.len();
            let (start, end) = (units.get(bytes.start), units.get(bytes.end));
            if i > 0 {
                out.write_all(b",")?;
            }
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

    fn any_token() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => "[a-zA-Z0-9.,()-]{1,20}",
            2 => prop::collection::vec(
                prop_oneof![
                    4 => prop::char::range('a', 'z'),
                    1 => prop::char::range('\u{0}', '\u{7f}'),
                    1 => Just('"'),
                    1 => Just('\\'),
                    1 => Just('é'),
                    1 => Just('😀'),
                    1 => Just('\u{2028}'),
                    1 => Just('\u{a0}'),
                ],
                0..24,
            )
            .prop_map(|c| c.into_iter().collect()),
        ]
    }

    /// A sentence of tokens, with whitespace recorded or not, entities
    /// (most in order and apart, now and then anywhere), and kept members
    /// or not.
    fn any_sentence() -> impl Strategy<Value = Sentence> {
        let label = prop::sample::select(vec!["PER", "A\"B", "x\\y", "é", "L\u{1}", ""]);
        let gap = prop::sample::select(vec![" ", "", "\n", "\t\u{a0}", "  \r\n"]);
        let extra = prop::sample::select(vec![
            None,
            Some("\"id\":1"),
            Some("\"text\":\"x\",\"id\":[1,2]"),
            Some("  "),
            Some("\"meta\":{\"entities\":3}"),
        ]);
        (
            prop::collection::vec(any_token(), 1..12),
            prop::collection::vec((0..12usize, 1..4usize, label), 0..5),
            any::<bool>(),
            prop::option::of(prop::collection::vec(gap, 13)),
            extra,
            1..1000u64,
            prop::option::of(prop::collection::vec(
                crate::sentence::spaced::spacing(),
                13,
            )),
        )
            .prop_map(
                |(tokens, mut entities, anywhere, gaps, extra, line, spaced)| {
                    let n = tokens.len();
                    entities.retain(|(start, len, _)| start + len <= n);
                    if !anywhere {
                        entities.sort();
                        let mut next = 0;
                        entities.retain(|(start, len, _)| {
                            let keep = *start >= next;
                            if keep {
                                next = start + len;
                            }
                            keep
                        });
                    }
                    let mut s = Sentence::new();
                    if let Some(g) = &gaps {
                        s.set_leading(g[12]);
                    }
                    match (&gaps, &spaced) {
                        (None, Some(spacing)) => {
                            crate::sentence::spaced::push(&mut s, &tokens, spacing)
                        }
                        _ => {
                            for (i, t) in tokens.iter().enumerate() {
                                s.push_token(t, Span::default());
                                if let Some(g) = &gaps {
                                    s.push_gap(g[i]);
                                }
                            }
                        }
                    }
                    for (start, len, label) in entities {
                        s.push_entity(label, TokenSpan::new(start, start + len));
                    }
                    if let Some(extra) = extra {
                        s.set_extra_json(extra);
                    }
                    s.set_line(line);
                    s
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// The writer writes the bytes, counts the entities and refuses
        /// the sentences that the writer before it did, with the same
        /// errors, in every offset unit.
        #[test]
        fn records_are_written_as_the_reference_writes_them(
            sentences in prop::collection::vec(any_sentence(), 1..4),
            unit in prop::sample::select(vec![OffsetUnit::Bytes, OffsetUnit::Chars, OffsetUnit::Utf16]),
        ) {
            let mut ours = Vec::new();
            let mut writer = Writer::new(&mut ours, unit);
            let (mut ours_written, mut want_written) = (LabelCounts::new(), LabelCounts::new());
            let mut want = Vec::new();
            for s in &sentences {
                let got = writer.write_sentence(s, &mut ours_written).map_err(|e| e.to_string());
                let mut record = Vec::new();
                let expected = reference_write(&mut record, unit, s, &mut want_written)
                    .map_err(|e| e.to_string());
                if expected.is_ok() {
                    want.extend_from_slice(&record);
                }
                prop_assert_eq!(got, expected);
            }
            drop(writer);
            prop_assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(want).unwrap());
            prop_assert_eq!(ours_written, want_written);
        }
    }
}
