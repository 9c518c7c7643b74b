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

pub use converter::{Converter, Input, Observer, Report, CHUNK_BYTES};

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

    /// Flushes buffered output.
    ///
    /// # Errors
    /// I/O errors.
    fn finish(&mut self) -> Result<()>;
}

/// Counts per label, in sorted label order, without allocating once a
/// label has been seen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelCounts {
    counts: Vec<(String, u64)>,
}

impl LabelCounts {
    /// No counts.
    pub fn new() -> LabelCounts {
        LabelCounts::default()
    }

    /// Adds `n` to the count of `label`.
    #[inline]
    pub fn add(&mut self, label: &str, n: u64) {
        // Label sets are small (4 to 20 types), so a scan that compares
        // lengths first beats a binary search of string comparisons; it
        // runs once per entity.
        if let Some((_, count)) = self
            .counts
            .iter_mut()
            .find(|(l, _)| l.len() == label.len() && l.as_bytes() == label.as_bytes())
        {
            *count += n;
            return;
        }
        let i = self.counts.partition_point(|(l, _)| l.as_str() < label);
        self.counts.insert(i, (label.to_string(), n));
    }

    /// The count of `label`.
    pub fn get(&self, label: &str) -> u64 {
        self.counts
            .binary_search_by(|(l, _)| l.as_str().cmp(label))
            .map_or(0, |i| self.counts[i].1)
    }

    /// Sum over all labels.
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }

    /// Counts per label, sorted by label.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        self.counts.iter().map(|(l, n)| (l.as_str(), *n))
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
        if !self.counts.is_empty() {
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
    loop {
        let more = reader.read_sentence(&mut sentence);
        reader.drain_repairs(&mut |r| repairs.push(r));
        for r in repairs.drain(..) {
            summary.repairs.add(&r);
            on_repair(&r);
        }
        if !more? {
            break;
        }
        write_counted(&sentence, writer, summary)?;
    }
    Ok(())
}

/// Writes one sentence read, starting its document first if it begins
/// one, and counts it and its entities into `summary`.
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
    summary.sentences += 1;
    summary.tokens += sentence.len() as u64;
    for e in sentence.entities() {
        summary.read.add(e.label, 1);
    }
    writer.write_sentence(sentence, &mut summary.written)
}
