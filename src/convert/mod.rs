//! The conversion loop: read sentences, write them, account for every
//! entity.
//!
//! Readers and writers of every format meet here through two small traits,
//! [`SentenceReader`] and [`SentenceWriter`]. A writer reports the entities
//! it actually wrote, decoded back from its own output, so that a scheme that
//! cannot hold an entity (IO merges adjacent entities of one type) shows up
//! as a difference between entities read and written instead of a silent
//! loss.

mod converter;
pub(crate) mod parallel;

use std::fmt;

pub use converter::{
    Converter, Input, Observer, Report, ThreadLimit, CHUNK_BYTES, MIN_BYTES_PER_THREAD,
};

use crate::error::Result;
use crate::repair::{Repair, RepairCounts};
use crate::sentence::Sentence;

/// Something that yields sentences one at a time into a reused buffer.
pub trait SentenceReader {
    /// Reads the next sentence into `sentence`; `false` at the end.
    ///
    /// # Errors
    /// I/O and parse errors, with their position.
    fn read_sentence(&mut self, sentence: &mut Sentence) -> Result<bool>;

    /// Hands the repairs made since the last call to `sink`.
    fn drain_repairs(&mut self, sink: &mut dyn FnMut(Repair));

    /// Reads the rest of a line being given in pieces ([`crate::Piece`])
    /// without giving it, for its errors and repairs: what a consumer that
    /// stops at a piece (its writer refused it) calls so that the line's
    /// errors come first, as when the line is read whole before it is
    /// written.
    ///
    /// # Errors
    /// The errors of the rest of the line.
    fn read_rest_of_line(&mut self) -> Result<()> {
        Ok(())
    }
}

/// Every reader as a [`SentenceReader`], through its own `read_sentence`
/// and `take_repairs`.
macro_rules! sentence_readers {
    ($($reader:ty),* $(,)?) => {$(
        impl<R: std::io::BufRead> SentenceReader for $reader {
            fn read_sentence(&mut self, sentence: &mut Sentence) -> Result<bool> {
                <$reader>::read_sentence(self, sentence)
            }

            fn drain_repairs(&mut self, sink: &mut dyn FnMut(Repair)) {
                self.take_repairs().for_each(sink);
            }

            fn read_rest_of_line(&mut self) -> Result<()> {
                <$reader>::read_rest_of_line(self)
            }
        }
    )*};
}

sentence_readers!(crate::bracket::Reader<R>);

/// Something that writes sentences in some format.
pub trait SentenceWriter {
    /// Called before the first sentence of each document.
    ///
    /// # Errors
    /// I/O errors.
    fn start_document(&mut self) -> Result<()> {
        Ok(())
    }

    /// Writes one sentence and adds the entities it wrote, as a reader of
    /// the output would find them, to `written`.
    ///
    /// # Errors
    /// I/O errors, and entities the format cannot encode.
    fn write_sentence(&mut self, sentence: &Sentence, written: &mut LabelCounts) -> Result<()>;

    /// Whether the writer writes a sentence given in pieces
    /// ([`crate::Piece`]) piece by piece, each as the continuation of the
    /// one before, in the bytes of the sentence written whole. A writer
    /// that does not (the default) is given the sentence whole by
    /// [`copy_sentences`], which joins the pieces.
    fn writes_pieces(&self) -> bool {
        false
    }

    /// Flushes buffered output.
    ///
    /// # Errors
    /// I/O errors.
    fn finish(&mut self) -> Result<()>;
}

/// Counts per label, in sorted label order, without allocating once a
/// label has been seen.
#[derive(Clone, Debug, Default)]
pub struct LabelCounts {
    /// The counts while there are few labels, sorted by label.
    small: Vec<(String, u64)>,
    /// All counts once there are many.
    large: std::collections::BTreeMap<String, u64>,
}

/// How many labels [`LabelCounts`] keeps in a vector: a scan that compares
/// lengths first beats a tree's string comparisons on the usual 4 to 20
/// types, but is quadratic on hundreds of thousands.
const SMALL_LABELS: usize = 32;

/// `a == b` for two slices of the same length, compared in line when they
/// are as short as the usual labels: a call to memcmp costs more than the
/// few bytes it compares.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() > 8 {
        return a == b;
    }
    a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0 && a.len() == b.len()
}

impl PartialEq for LabelCounts {
    fn eq(&self, other: &LabelCounts) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for LabelCounts {}

impl LabelCounts {
    /// No counts.
    pub fn new() -> LabelCounts {
        LabelCounts::default()
    }

    /// Adds `n` to the count of `label`.
    #[inline]
    pub fn add(&mut self, label: &str, n: u64) {
        if self.large.is_empty() {
            if let Some((_, count)) = self
                .small
                .iter_mut()
                // Length and first byte tell the usual labels apart
                // (`PER`, `LOC`, `ORG`), so the full comparison runs about
                // once an add rather than once a label.
                .find(|(l, _)| {
                    l.len() == label.len()
                        && l.as_bytes().first() == label.as_bytes().first()
                        && same_bytes(l.as_bytes(), label.as_bytes())
                })
            {
                *count += n;
                return;
            }
            if self.small.len() < SMALL_LABELS {
                let i = self.small.partition_point(|(l, _)| l.as_str() < label);
                self.small.insert(i, (label.to_string(), n));
                return;
            }
            self.large.extend(self.small.drain(..));
        }
        match self.large.get_mut(label) {
            Some(count) => *count += n,
            None => {
                self.large.insert(label.to_string(), n);
            }
        }
    }

    /// The count of `label`.
    pub fn get(&self, label: &str) -> u64 {
        if self.large.is_empty() {
            self.small
                .binary_search_by(|(l, _)| l.as_str().cmp(label))
                .map_or(0, |i| self.small[i].1)
        } else {
            self.large.get(label).copied().unwrap_or(0)
        }
    }

    /// Sum over all labels.
    pub fn total(&self) -> u64 {
        self.iter().map(|(_, n)| n).sum()
    }

    /// Counts per label, sorted by label.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        let small = self.small.iter().map(|(l, n)| (l.as_str(), *n));
        let large = self.large.iter().map(|(l, n)| (l.as_str(), *n));
        small.chain(large)
    }

    /// True when no label has been counted.
    pub fn is_empty(&self) -> bool {
        self.small.is_empty() && self.large.is_empty()
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &LabelCounts) {
        for (l, n) in other.iter() {
            self.add(l, n);
        }
    }
}

impl fmt::Display for LabelCounts {
    /// `120 (LOC 41, MISC 18, ORG 21, PER 40)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.total())?;
        if !self.is_empty() {
            f.write_str(" (")?;
            for (i, (l, n)) in self.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{l} {n}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// What a conversion read and wrote.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Documents read (input files, or `-DOCSTART-` sections).
    pub documents: u64,
    /// Sentences read.
    pub sentences: u64,
    /// Tokens read.
    pub tokens: u64,
    /// Entities read, per label (after any lenient repair).
    pub read: LabelCounts,
    /// Entities written, per label, as a reader of the output finds them.
    pub written: LabelCounts,
    /// Repairs made under `--lenient`, per kind.
    pub repairs: RepairCounts,
}

impl Summary {
    /// True when every entity read was written, label by label.
    pub fn entities_match(&self) -> bool {
        self.read == self.written
    }

    /// Adds the counts of another summary (another input file).
    pub fn merge(&mut self, other: &Summary) {
        self.documents += other.documents;
        self.sentences += other.sentences;
        self.tokens += other.tokens;
        self.read.merge(&other.read);
        self.written.merge(&other.written);
        self.repairs.merge(&other.repairs);
    }
}

/// Copies every sentence of `reader` to `writer`, counting into `summary`
/// and handing each repair to `on_repair` as it happens.
///
/// A sentence read in pieces (a very long line, see [`crate::Piece`]) is
/// written piece by piece to a writer that [`SentenceWriter::writes_pieces`],
/// and joined first for one that does not. Its counts join `summary` once
/// its last piece is written: should a later piece fail, the pieces
/// written before it stay in the output and the counts leave the sentence
/// out, as those of a sentence that fails read whole.
///
/// # Errors
/// The first error of the reader or the writer.
pub fn copy_sentences(
    reader: &mut dyn SentenceReader,
    writer: &mut dyn SentenceWriter,
    summary: &mut Summary,
    on_repair: &mut dyn FnMut(&Repair),
) -> Result<()> {
    let mut sentence = Sentence::new();
    let mut repairs = Vec::new();
    let mut pieces = Pieces::default();
    let mut report = |reader: &mut dyn SentenceReader, summary: &mut Summary| {
        reader.drain_repairs(&mut |r| repairs.push(r));
        for r in repairs.drain(..) {
            summary.repairs.add(&r);
            on_repair(&r);
        }
    };
    loop {
        let more = reader.read_sentence(&mut sentence);
        report(reader, summary);
        if !more? {
            break;
        }
        if let Err(e) = pieces.write(&sentence, writer, summary) {
            // Read whole, the line's errors and repairs would have come
            // before the writer's error.
            let rest = reader.read_rest_of_line();
            report(reader, summary);
            rest?;
            return Err(e);
        }
    }
    Ok(())
}

/// The sentence being written in pieces: its counts so far, and for a
/// writer that needs it whole, its pieces joined.
#[derive(Default)]
struct Pieces {
    counts: Summary,
    joined: Sentence,
}

impl Pieces {
    /// Writes `sentence`, a sentence read whole or a piece of one.
    fn write(
        &mut self,
        sentence: &Sentence,
        writer: &mut dyn SentenceWriter,
        summary: &mut Summary,
    ) -> Result<()> {
        let piece = sentence.piece();
        if piece.is_whole() {
            return write_counted(sentence, writer, summary);
        }
        if !piece.continues {
            self.counts = Summary::default();
            self.joined.clear();
        }
        if writer.writes_pieces() {
            write_counted(sentence, writer, &mut self.counts)?;
        } else {
            if !piece.continues {
                self.joined.set_line(sentence.line());
                self.joined.set_document_start(sentence.is_document_start());
            }
            self.joined.append_piece(sentence);
            if piece.continued {
                return Ok(());
            }
            self.joined.set_piece(crate::Piece::default());
            write_counted(&self.joined, writer, &mut self.counts)?;
        }
        if !piece.continued {
            let counts = std::mem::take(&mut self.counts);
            summary.documents += counts.documents;
            summary.sentences += counts.sentences;
            summary.tokens += counts.tokens;
            summary.read.merge(&counts.read);
            summary.written.merge(&counts.written);
        }
        Ok(())
    }
}

/// Writes one sentence read (or one piece of it), starting its document
/// first if it begins one, and counts it and its entities into `summary`.
///
/// # Errors
/// The writer's errors.
pub(crate) fn write_counted(
    sentence: &Sentence,
    writer: &mut dyn SentenceWriter,
    summary: &mut Summary,
) -> Result<()> {
    if sentence.is_document_start() {
        summary.documents += 1;
        writer.start_document()?;
    }
    // A sentence given in pieces is one sentence.
    if !sentence.piece().continues {
        summary.sentences += 1;
    }
    summary.tokens += sentence.len() as u64;
    for e in sentence.entities() {
        summary.read.add(e.label, 1);
    }
    writer.write_sentence(sentence, &mut summary.written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many labels (past the ones kept in a vector) count as few do:
    /// sorted, equal whatever the order they came in.
    #[test]
    fn label_counts_past_the_small_set() {
        let labels: Vec<String> = (0..500).map(|i| format!("L{i:03}")).collect();
        let mut forward = LabelCounts::new();
        let mut backward = LabelCounts::new();
        for (i, l) in labels.iter().enumerate() {
            forward.add(l, i as u64 + 1);
            forward.add(l, 1);
        }
        for (i, l) in labels.iter().enumerate().rev() {
            backward.add(l, i as u64 + 2);
        }
        assert_eq!(forward, backward);
        assert_eq!(forward.get("L007"), 9);
        assert_eq!(forward.get("nope"), 0);
        let sorted: Vec<&str> = forward.iter().map(|(l, _)| l).collect();
        assert_eq!(
            sorted,
            labels.iter().map(String::as_str).collect::<Vec<_>>()
        );
        let mut merged = LabelCounts::new();
        merged.add("L000", 1);
        merged.merge(&forward);
        assert_eq!(merged.get("L000"), 3);
        assert_eq!(merged.total(), forward.total() + 1);
    }

    proptest::proptest! {
        /// Counts agree with a map's, on labels alike in length and first
        /// byte that differ further on (the in-line comparison's cases),
        /// short and past eight bytes.
        #[test]
        fn label_counts_count_as_a_map_does(
            adds in proptest::collection::vec(("[PL]{0,3}|[PL]{8,10}", 1u64..4), 0..60)
        ) {
            let mut counts = LabelCounts::new();
            let mut model = std::collections::BTreeMap::<String, u64>::new();
            for (label, n) in &adds {
                counts.add(label, *n);
                *model.entry(label.clone()).or_default() += n;
            }
            let got: Vec<(String, u64)> = counts.iter().map(|(l, n)| (l.to_string(), n)).collect();
            let want: Vec<(String, u64)> = model.into_iter().collect();
            proptest::prop_assert_eq!(got, want);
        }
    }
}
