//! Character-level scoring: entities matched by their character offsets
//! in a text both sides share, whatever tokens each side was cut into.
//!
//! Both inputs are read as documents (a text and entities over it):
//! span files, doccano, Label Studio, Prodigy and spaCy DocBin
//! ([`carries_text`]). Documents are read in lockstep; the two texts of a
//! document must be equal, character for character, else the evaluation
//! stops with an error naming the first differing character. Then an
//! entity is `(start, end, type)` with offsets in **code points** of the
//! document's text (Python `str` indices, the unit span files, doccano,
//! Prodigy and spaCy use; Label Studio's UTF-16 offsets are read as its
//! reader reads them and counted again in code points), and:
//!
//! * the plain report counts an entity as correct when a predicted entity
//!   has the same start, end and type (strict span matching), per type
//!   and over all types, with the micro, macro and weighted averages of
//!   the token-level report ([`CharReport`]);
//! * the error analysis ([`super::analysis`]) runs on the same entities,
//!   with character offsets where it counts tokens: the four schemas
//!   (a partial overlap is a shared character), the taxonomy, the
//!   confusion matrix and the error instances.
//!
//! # What is read, exactly
//!
//! A document's text is given back as its reader recorded it (its tokens
//! and the whitespace around them), so it is the text of the file. Spans
//! are read with [`Align::Split`]: a span edge inside a word cuts the word
//! there, so every entity keeps the offsets its file gave; whitespace at a
//! span's edges is not part of it (as everywhere in nerkit), and
//! overlapping spans are an error or resolved as the reading options say.
//! A reader's own tokens (Prodigy's `tokens`, spaCy's) bound entities as
//! they always do.
//!
//! # Memory
//!
//! One document per side at a time (its text and entities, in buffers
//! reused from document to document); counts grow with the number of
//! types.
//!
//! # Example
//!
//! ```
//! use nerkit::eval::chars::{self, Documents};
//! use nerkit::format::{Format, ReadOptions};
//!
//! let gold = r#"{"text": "Barack Obama's visit", "entities": [[0, 12, "PER"]]}"#;
//! let pred = r#"{"text": "Barack Obama's visit", "entities": [[7, 12, "PER"]]}"#;
//! let open = |s: &'static str, name| {
//!     Documents::open(Box::new(s.as_bytes()), Some(Format::SPANS), &ReadOptions::default(), name)
//! };
//! let (e, a) = chars::evaluate(&mut open(gold, "gold")?, &mut open(pred, "pred")?, None)?;
//! assert_eq!((e.counts.total.gold, e.counts.total.correct), (1, 0));
//! assert!(a.is_none());
//! # Ok::<(), nerkit::Error>(())
//! ```

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::analysis::{Analysis, Analyzer, Options};
use super::counts::{Counts, TypeTable};
use super::report::{self, Report, ReportFormat, Scores};
use super::{Evaluation, Mode, TokenMismatches};
use crate::error::{Error, ParseErrorKind, Result};
use crate::format::spans::Align;
use crate::format::{Format, InputReader, ReadOptions};
use crate::repair::Repair;
use crate::sentence::Sentence;
use crate::span::{Position, Span};

/// What an evaluation scores.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Level {
    /// Tags token by token (the default): both sides tokenized alike.
    #[default]
    Tokens,
    /// Entities by their character offsets in a text both sides share.
    Chars,
}

impl std::str::FromStr for Level {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Level, String> {
        match s {
            "tokens" | "token" => Ok(Level::Tokens),
            "chars" | "char" | "characters" => Ok(Level::Chars),
            _ => Err(format!("unknown level \"{s}\" (expected tokens or chars)")),
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Level::Tokens => "tokens",
            Level::Chars => "chars",
        })
    }
}

/// The formats whose documents carry a text and entities at offsets into
/// it, the ones [`Level::Chars`] reads.
pub const FORMATS: [Format; 5] = [
    Format::SPANS,
    Format::DOCCANO,
    Format::LABEL_STUDIO,
    Format::PRODIGY,
    Format::SPACY,
];

/// Whether documents of `format` carry their text and entity offsets
/// (see [`FORMATS`]).
pub fn carries_text(format: Format) -> bool {
    FORMATS.contains(&format)
}

/// An entity of a [`Document`]: its type and its offsets in code points
/// of the document's text, half-open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CharEntity<'a> {
    /// The entity type.
    pub label: &'a str,
    /// The first code point.
    pub start: u32,
    /// One past the last code point.
    pub end: u32,
}

/// One document: its text and its entities, sorted by start and not
/// overlapping. Reused from document to document.
#[derive(Clone, Debug, Default)]
pub struct Document {
    text: String,
    /// Code points in `text`.
    chars: u32,
    /// Labels of the entities, end to end.
    labels: String,
    /// (start, end) in bytes of `text` while the document is read, in code
    /// points once it is complete; the label span in `labels`.
    entities: Vec<(u32, u32, Span)>,
    line: u64,
}

impl Document {
    /// An empty document.
    pub fn new() -> Document {
        Document::default()
    }

    fn clear(&mut self) {
        self.text.clear();
        self.chars = 0;
        self.labels.clear();
        self.entities.clear();
        self.line = 0;
    }

    /// The document's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The length of the text in code points.
    pub fn char_len(&self) -> u32 {
        self.chars
    }

    /// The line of the input where the document starts (from 1; 0 when
    /// unknown; spaCy DocBin counts documents instead).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The entities, sorted by start.
    pub fn entities(&self) -> impl ExactSizeIterator<Item = CharEntity<'_>> + '_ {
        self.entities.iter().map(|&(start, end, label)| CharEntity {
            label: &self.labels[label],
            start,
            end,
        })
    }

    fn triples(&self) -> impl Iterator<Item = (u32, u32, &str)> + '_ {
        self.entities().map(|e| (e.start, e.end, e.label))
    }

    /// Turns the byte offsets of the entities into code points, and counts
    /// the code points of the text: one pass, since the entities are
    /// sorted and do not overlap.
    fn bytes_to_chars(&mut self) -> std::result::Result<(), String> {
        let text = &self.text;
        let (mut byte, mut chars) = (0usize, 0u64);
        let mut to = |at: usize| {
            chars += text[byte..at].chars().count() as u64;
            byte = at;
            chars
        };
        let too_long = || {
            format!(
                "the document is longer than {} characters, the most nerkit scores",
                u32::MAX
            )
        };
        for e in &mut self.entities {
            e.0 = u32::try_from(to(e.0 as usize)).map_err(|_| too_long())?;
            e.1 = u32::try_from(to(e.1 as usize)).map_err(|_| too_long())?;
        }
        self.chars = u32::try_from(to(text.len())).map_err(|_| too_long())?;
        Ok(())
    }
}

/// The documents of one input, read through its sentences: every sentence
/// a reader marks as a document start begins a document, and the text of
/// a document is its sentences' text end to end.
pub struct Documents {
    reader: Box<dyn InputReader>,
    path: PathBuf,
    sentence: Sentence,
    /// `sentence` holds the first sentence of the next document.
    pending: bool,
    /// Byte ends of the current sentence's tokens in the document text.
    ends: Vec<usize>,
    starts: Vec<usize>,
    on_repair: Box<dyn FnMut(&Repair)>,
}

impl Documents {
    /// Opens `input` in `format` (detected when `None`) with `opts`, for
    /// character-level reading: spans are read with [`Align::Split`].
    /// `path` names the input in errors.
    ///
    /// # Errors
    /// An undetectable input, or a format other than [`FORMATS`] (the
    /// message names them).
    pub fn open(
        mut input: Box<dyn BufRead>,
        format: Option<Format>,
        opts: &ReadOptions,
        path: impl AsRef<Path>,
    ) -> Result<Documents> {
        let path = path.as_ref();
        let format = match format {
            Some(f) => f,
            None => crate::format::detect_with(input.fill_buf().map_err(Error::from)?, opts)
                .map_err(|e| e.with_path(path))?,
        };
        if !carries_text(format) {
            return Err(Error::msg(format!(
                "{}: {format} input has no text with entity offsets, which character-level \
                 scoring compares; it reads {}",
                path.display(),
                names()
            )));
        }
        let opts = ReadOptions {
            align: Align::Split,
            ..opts.clone()
        };
        let (_, reader) = crate::format::open(input, Some(format), &opts)?;
        Ok(Documents::new(reader, path))
    }

    /// Documents from a reader already open (its spans should be read with
    /// [`Align::Split`] to keep their offsets).
    pub fn new(reader: Box<dyn InputReader>, path: impl AsRef<Path>) -> Documents {
        Documents {
            reader,
            path: path.as_ref().to_path_buf(),
            sentence: Sentence::new(),
            pending: false,
            ends: Vec::new(),
            starts: Vec::new(),
            on_repair: Box::new(|_| {}),
        }
    }

    /// Calls `f` with each repair the reader makes (`--lenient`,
    /// `--overlaps`).
    pub fn on_repair(mut self, f: impl FnMut(&Repair) + 'static) -> Documents {
        self.on_repair = Box::new(f);
        self
    }

    /// The input's name.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn next_sentence(&mut self) -> Result<bool> {
        let more = self
            .reader
            .read_sentence(&mut self.sentence)
            .map_err(|e| e.with_path(&self.path))?;
        let f = &mut self.on_repair;
        self.reader.drain_repairs(&mut |r| f(&r));
        Ok(more)
    }

    /// Reads the next document into `doc`; `false` at the end.
    ///
    /// # Errors
    /// The reader's errors, with the input's path; a sentence whose
    /// whitespace the reader did not record (a spaCy doc of unknown
    /// spaces), since its text is then not known.
    pub fn read_document(&mut self, doc: &mut Document) -> Result<bool> {
        doc.clear();
        if !self.pending && !self.next_sentence()? {
            return Ok(false);
        }
        doc.line = self.sentence.line();
        loop {
            self.append(doc)?;
            if !self.next_sentence()? {
                self.pending = false;
                break;
            }
            if self.sentence.is_document_start() {
                self.pending = true;
                break;
            }
        }
        doc.bytes_to_chars().map_err(|m| {
            Error::parse(Position::new(doc.line, 1, 0), ParseErrorKind::Other(m))
                .with_path(&self.path)
        })?;
        Ok(true)
    }

    /// Appends the current sentence's text and entities to `doc`.
    fn append(&mut self, doc: &mut Document) -> Result<()> {
        let s = &self.sentence;
        if s.is_empty() {
            // A document without tokens: its text is whitespace, which
            // the reader recorded as leading the first (absent) token.
            doc.text.push_str(s.leading());
            return Ok(());
        }
        if !s.has_gaps() {
            return Err(Error::parse(
                Position::new(s.line(), 1, 0),
                ParseErrorKind::Other(
                    "the reader did not record the whitespace between this document's tokens \
                     (a spaCy doc without spaces?), so its text is not known and cannot be \
                     compared character by character"
                        .to_owned(),
                ),
            )
            .with_path(&self.path));
        }
        doc.text.push_str(s.leading());
        self.starts.clear();
        self.ends.clear();
        for (i, t) in s.tokens().enumerate() {
            self.starts.push(doc.text.len());
            doc.text.push_str(t.text);
            self.ends.push(doc.text.len());
            doc.text.push_str(s.gap_after(i).unwrap_or(""));
        }
        for e in s.entities() {
            let start = self.starts[e.tokens.start()];
            let end = self.ends[e.tokens.end() - 1];
            let a = doc.labels.len();
            doc.labels.push_str(e.label);
            // Byte offsets until `bytes_to_chars`; a document over 4 GiB
            // is refused here rather than wrapped.
            let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(end)) else {
                return Err(Error::parse(
                    Position::new(s.line(), 1, 0),
                    ParseErrorKind::Other(
                        "the document is longer than 4 GiB, the most nerkit scores".to_owned(),
                    ),
                )
                .with_path(&self.path));
            };
            doc.entities
                .push((start, end, Span::new(a, doc.labels.len())));
        }
        Ok(())
    }
}

/// The names of [`FORMATS`], for messages.
pub fn names() -> String {
    let n: Vec<&str> = FORMATS.iter().map(|f| f.name()).collect();
    format!("{} and {}", n[..n.len() - 1].join(", "), n[n.len() - 1])
}

/// Characters shown on each side of the first difference of two texts.
const WINDOW: usize = 20;

/// The first code point where `gold` and `pred` differ, and a short window
/// of each from a little before it; `None` when they are equal.
fn first_difference(gold: &str, pred: &str) -> Option<(u64, String, String)> {
    if gold == pred {
        return None;
    }
    let mut n = 0u64;
    let mut at = 0;
    for ((b, g), p) in gold.char_indices().zip(pred.chars()) {
        if g != p {
            break;
        }
        n += 1;
        at = b + g.len_utf8();
    }
    let window = |s: &str| -> String {
        let before: Vec<char> = s[..at].chars().rev().take(WINDOW).collect();
        let mut w: String = before.into_iter().rev().collect();
        w.extend(s[at..].chars().take(WINDOW));
        w
    };
    Some((n, window(gold), window(pred)))
}

/// Scores the documents of `pred` against those of `gold`, in lockstep;
/// with `analysis` options, the error analysis too.
///
/// # Errors
/// Either input's errors; inputs with a different number of documents;
/// a document whose texts differ (at the predictions' document line,
/// naming the first differing code point and showing both texts there).
pub fn evaluate(
    gold: &mut Documents,
    pred: &mut Documents,
    analysis: Option<&Options>,
) -> Result<(Evaluation, Option<Analysis>)> {
    let mut analyzer = analysis.map(Analyzer::for_chars);
    let (mut g, mut p) = (Document::new(), Document::new());
    let mut table = TypeTable::default();
    let mut counts = Counts::default();
    loop {
        let more_g = gold.read_document(&mut g)?;
        let more_p = pred.read_document(&mut p)?;
        let n = counts.sentences;
        match (more_g, more_p) {
            (false, false) => break,
            (true, false) => {
                return Err(Error::msg(format!(
                    "{} has more documents than {}: document {} (line {}) has no prediction; \
                     both files must hold the same documents in the same order",
                    gold.path().display(),
                    pred.path().display(),
                    n + 1,
                    g.line()
                )))
            }
            (false, true) => {
                return Err(Error::parse(
                    Position::new(p.line(), 1, 0),
                    ParseErrorKind::Other(format!(
                        "document {} has no gold document: {} ends after {n}; both files must \
                         hold the same documents in the same order",
                        n + 1,
                        gold.path().display()
                    )),
                )
                .with_path(pred.path()))
            }
            (true, true) => {}
        }
        counts.sentences += 1;
        if let Some((at, gw, pw)) = first_difference(g.text(), p.text()) {
            return Err(Error::parse(
                Position::new(p.line(), 1, 0),
                ParseErrorKind::Other(format!(
                    "text differs from {} at character {at} of document {}: gold {gw:?} vs \
                     predicted {pw:?}",
                    gold.path().display(),
                    n + 1
                )),
            )
            .with_path(pred.path()));
        }
        counts.tokens += u64::from(g.char_len());
        score(&g, &p, &mut table, &mut counts);
        if let Some(a) = &mut analyzer {
            a.document(
                g.text(),
                g.char_len(),
                g.triples(),
                p.triples(),
                (g.line(), p.line()),
            );
        }
    }
    counts.types = table.into_sorted();
    let evaluation = Evaluation {
        // Spans are matched exactly, as strict mode matches chunks; no tag
        // scheme is involved.
        mode: Mode::default(),
        counts,
        token_mismatches: TokenMismatches::default(),
        level: Level::Chars,
    };
    Ok((evaluation, analyzer.map(Analyzer::finish)))
}

/// Counts the entities of one document: gold, predicted and correct (the
/// same start, end and type) per type. Both lists are sorted by start and
/// free of overlaps, so equal entities meet in one merge-like walk.
fn score(gold: &Document, pred: &Document, table: &mut TypeTable, counts: &mut Counts) {
    for e in gold.entities() {
        table.get(e.label).gold += 1;
    }
    for e in pred.entities() {
        table.get(e.label).pred += 1;
    }
    counts.total.gold += gold.entities.len() as u64;
    counts.total.pred += pred.entities.len() as u64;
    let mut ps = pred.entities().peekable();
    for g in gold.entities() {
        while ps.peek().is_some_and(|p| p.start < g.start) {
            ps.next();
        }
        if ps.peek().is_some_and(|p| *p == g) {
            table.get(g.label).correct += 1;
            counts.total.correct += 1;
            ps.next();
        }
    }
}

/// The report of a character-level evaluation; serialises to its JSON
/// report. Like [`Report`] without what has no meaning for spans matched
/// by offsets (mode, scheme, token accuracy, ill-formed chunks).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CharReport {
    /// Always `chars`.
    pub level: &'static str,
    /// The unit of offsets: always `code points`.
    pub unit: &'static str,
    /// Documents scored.
    pub documents: u64,
    /// Code points in their texts.
    pub characters: u64,
    /// Scores over all entities.
    pub micro: Scores,
    /// Unweighted mean over the types in gold or predictions.
    #[serde(rename = "macro")]
    pub macro_avg: Scores,
    /// Mean over the types weighted by their gold count.
    pub weighted: Scores,
    /// Scores per type.
    pub types: std::collections::BTreeMap<String, Scores>,
    /// Remarks on degenerate input.
    pub notes: Vec<String>,
}

impl CharReport {
    /// The report of the counts of a character-level evaluation.
    pub fn new(counts: &Counts) -> CharReport {
        let r = Report::new(counts, &Mode::default());
        let notes = r
            .notes
            .into_iter()
            .map(|n| {
                if counts.tokens == 0 && n.starts_with("the input has no tokens") {
                    "the documents have no text: every score is 0".to_owned()
                } else {
                    n
                }
            })
            .collect();
        CharReport {
            level: "chars",
            unit: "code points",
            documents: counts.sentences,
            characters: counts.tokens,
            micro: r.micro,
            macro_avg: r.macro_avg,
            weighted: r.weighted,
            types: r.types,
            notes,
        }
    }

    /// The report as [`Report`] (what the table, markdown and CSV writers
    /// read); its token fields hold characters and documents, and its
    /// accuracy is 0.
    fn as_report(&self, counts: &Counts) -> Report {
        Report::new(counts, &Mode::default())
    }
}

/// Writes the report of a character-level evaluation in `format`:
/// `table`, `markdown` and `csv` as at the token level but for their last
/// line (`level chars; N characters, N documents`: no token accuracy);
/// `json` is [`CharReport`]; `conlleval` is conlleval.pl's layout without
/// the accuracy (`processed N characters with ...`, then precision, recall
/// and FB1 overall and per type); `latex` its table.
///
/// # Errors
/// Write errors.
pub fn write_report(w: &mut dyn Write, counts: &Counts, format: ReportFormat) -> io::Result<()> {
    let r = CharReport::new(counts);
    match format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut *w, &r)?;
            writeln!(w)
        }
        ReportFormat::Csv => report::write_csv(w, &r.as_report(counts)),
        ReportFormat::Table | ReportFormat::Markdown => {
            let markdown = format == ReportFormat::Markdown;
            report::write_score_table(w, &r.as_report(counts), markdown)?;
            writeln!(
                w,
                "level chars (entities matched by code point offsets); {} characters, {} documents",
                r.characters, r.documents
            )
        }
        ReportFormat::Conlleval => {
            report::write_conlleval_without_accuracy(w, counts, "characters")
        }
        ReportFormat::Latex => report::write(w, counts, &Mode::default(), ReportFormat::Latex),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_difference_is_in_code_points() {
        assert_eq!(first_difference("abc", "abc"), None);
        let (at, g, p) = first_difference("é😀x", "é😀y").unwrap();
        assert_eq!((at, g.as_str(), p.as_str()), (2, "é😀x", "é😀y"));
        let (at, _, _) = first_difference("ab", "abc").unwrap();
        assert_eq!(at, 2);
        let long = "a".repeat(50);
        let (at, g, _) = first_difference(&format!("{long}X"), &format!("{long}Y")).unwrap();
        assert_eq!((at, g.len()), (50, WINDOW + 1));
    }

    #[test]
    fn levels_parse() {
        assert_eq!("chars".parse::<Level>(), Ok(Level::Chars));
        assert_eq!("tokens".parse::<Level>(), Ok(Level::Tokens));
        assert!("words".parse::<Level>().is_err());
    }
}
