//! Writing a DocBin.

use std::collections::BTreeSet;
use std::io::Write;

use flate2::write::ZlibEncoder;
use flate2::Compression;

use super::hash::string_id;
use super::msgpack::{write_array, write_bin_header, write_bool, write_map, write_str, write_uint};
use super::{ENT_IOB, ENT_TYPE, IOB_B, IOB_I, IOB_O, ORTH};
use crate::convert::{LabelCounts, SentenceWriter};
use crate::error::{Error, Result};
use crate::sentence::Sentence;

/// The attribute columns written, in spaCy's order (ORTH first, the rest
/// sorted).
const ATTRS: [u64; 3] = [ORTH, ENT_IOB, ENT_TYPE];

/// Writes sentences as one DocBin (a `.spacy` file), each sentence a doc.
///
/// A DocBin is one MessagePack map whose token array, spaces and strings
/// cover every doc, so nothing can be written before the last sentence:
/// the writer keeps 24 bytes per token (its text's ID and its entity
/// columns), one per token for its space, four per doc and each distinct
/// token text and label once, and compresses the DocBin to the output at
/// [`SentenceWriter::finish`]. Its memory grows with the output, about as
/// large as the uncompressed DocBin.
///
/// See the [module docs](super) for what is written.
#[derive(Debug)]
pub struct Writer<W: Write> {
    out: W,
    data: Data,
    finished: bool,
}

/// What a DocBin holds, buffered until it is written.
#[derive(Debug, Default)]
pub(super) struct Data {
    /// ORTH, ENT_IOB and ENT_TYPE of every token, row by row.
    pub tokens: Vec<u64>,
    /// 1 when a space follows the token, else 0.
    pub spaces: Vec<u8>,
    /// The number of tokens of each doc.
    pub lengths: Vec<i32>,
    /// Every token text and label.
    pub strings: BTreeSet<String>,
}

impl<W: Write> Writer<W> {
    /// A writer of one DocBin to `out`.
    pub fn new(out: W) -> Writer<W> {
        Writer {
            out,
            data: Data::default(),
            finished: false,
        }
    }
}

impl Data {
    fn add_string(&mut self, s: &str) {
        if !self.strings.contains(s) {
            self.strings.insert(s.to_owned());
        }
    }

    /// Adds `sentence` as a doc.
    pub(super) fn add(&mut self, sentence: &Sentence, written: &mut LabelCounts) -> Result<()> {
        let n = sentence.len();
        let fail = |what: String| Error::msg(format!("line {}: {what}", sentence.line()));
        let length = i32::try_from(n).map_err(|_| {
            fail(format!(
                "a sentence of {n} tokens is longer than a spaCy doc"
            ))
        })?;
        if let Some(i) = sentence.tokens().position(|t| t.text.is_empty()) {
            return Err(fail(format!(
                "token {} is empty, which a spaCy doc cannot hold",
                i + 1
            )));
        }
        let mut end = 0;
        for e in sentence.entities() {
            let fault = if e.label.is_empty() {
                "has an empty label, which spaCy reads as no entity"
            } else if e.tokens.is_empty() || e.tokens.end() > n {
                "covers no token of the sentence"
            } else if e.tokens.start() < end {
                "overlaps the entity before it, which spaCy's ENT_IOB cannot hold"
            } else {
                end = e.tokens.end();
                continue;
            };
            return Err(fail(format!(
                "the {} entity over tokens {} to {} {fault}",
                e.label,
                e.tokens.start() + 1,
                e.tokens.end()
            )));
        }
        let row = self.tokens.len();
        let gaps = sentence.has_gaps();
        for (i, t) in sentence.tokens().enumerate() {
            self.tokens.extend([string_id(t.text), u64::from(IOB_O), 0]);
            let space = if gaps {
                sentence.gap_after(i).is_some_and(|g| !g.is_empty())
            } else {
                i + 1 < n
            };
            self.spaces.push(u8::from(space));
            self.add_string(t.text);
        }
        for e in sentence.entities() {
            let id = string_id(e.label);
            for t in e.tokens.range() {
                let at = row + t * ATTRS.len();
                let iob = if t == e.tokens.start() { IOB_B } else { IOB_I };
                self.tokens[at + 1] = u64::from(iob);
                self.tokens[at + 2] = id;
            }
            self.add_string(e.label);
            written.add(e.label, 1);
        }
        self.lengths.push(length);
        Ok(())
    }

    /// Writes the DocBin's MessagePack map to `out` as spaCy's
    /// `DocBin.to_bytes` lays it out before compressing it.
    pub(super) fn encode(&self, out: &mut dyn Write) -> Result<()> {
        let docs = self.lengths.len();
        write_map(out, 9)?;
        write_str(out, "version")?;
        write_str(out, "0.1")?;
        write_str(out, "attrs")?;
        write_array(out, ATTRS.len())?;
        for a in ATTRS {
            write_uint(out, a)?;
        }
        write_str(out, "tokens")?;
        write_bin_header(out, self.tokens.len().saturating_mul(8))?;
        let mut buf = Vec::with_capacity(1 << 16);
        for chunk in self.tokens.chunks(1 << 13) {
            buf.clear();
            chunk
                .iter()
                .for_each(|v| buf.extend_from_slice(&v.to_le_bytes()));
            out.write_all(&buf)?;
        }
        write_str(out, "spaces")?;
        write_bin_header(out, self.spaces.len())?;
        out.write_all(&self.spaces)?;
        write_str(out, "lengths")?;
        write_bin_header(out, docs.saturating_mul(4))?;
        for chunk in self.lengths.chunks(1 << 14) {
            buf.clear();
            chunk
                .iter()
                .for_each(|v| buf.extend_from_slice(&v.to_le_bytes()));
            out.write_all(&buf)?;
        }
        write_str(out, "strings")?;
        write_array(out, self.strings.len())?;
        for s in &self.strings {
            write_str(out, s)?;
        }
        // No categories, one flag and no span groups per doc.
        write_str(out, "cats")?;
        write_array(out, docs)?;
        for _ in 0..docs {
            write_map(out, 0)?;
        }
        write_str(out, "flags")?;
        write_array(out, docs)?;
        for _ in 0..docs {
            write_map(out, 1)?;
            write_str(out, "has_unknown_spaces")?;
            write_bool(out, false)?;
        }
        write_str(out, "span_groups")?;
        write_array(out, docs)?;
        for _ in 0..docs {
            // `SpanGroups._EMPTY_BYTES`: an empty MessagePack array.
            write_bin_header(out, 1)?;
            out.write_all(&[0x90])?;
        }
        Ok(())
    }
}

impl<W: Write> SentenceWriter for Writer<W> {
    fn write_sentence(&mut self, sentence: &Sentence, written: &mut LabelCounts) -> Result<()> {
        self.data.add(sentence, written)
    }

    fn finish(&mut self) -> Result<()> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        let tokens = self.data.spaces.len();
        if u32::try_from(tokens.saturating_mul(8 * ATTRS.len())).is_err() {
            return Err(Error::msg(format!(
                "{tokens} tokens are more than one DocBin holds (a token array of at most \
                 4 GiB, {} tokens); split the input",
                u32::MAX as usize / (8 * ATTRS.len())
            )));
        }
        let mut z = ZlibEncoder::new(&mut self.out, Compression::default());
        self.data.encode(&mut z)?;
        z.finish()?;
        self.out.flush()?;
        Ok(())
    }
}
