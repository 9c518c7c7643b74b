//! Scoring predicted tags against gold: conlleval-exact or strict.
//!
//! Two scorers share one pipeline. Inputs are read as streams, one line at
//! a time into reused buffers, so memory does not grow with the input; the
//! counting loop does not allocate (a type name is copied once, the first
//! time it is seen).
//!
//! * [`Mode::Conlleval`] applies conlleval.pl's chunk rules to the raw tag
//!   strings (see [`conlleval`]), with its repairs of ill-formed sequences,
//!   and [`report::ReportFormat::Conlleval`] prints its report byte for byte.
//! * [`Mode::Strict`] counts an entity only when its tags are well-formed
//!   in a [`TagScheme`] (see [`strict`]); for IOB2, IOE2,
//!   IOBES and BILOU the numbers are seqeval 1.2.2's strict mode. Ill-formed
//!   chunks are counted per side instead of dropped without a word.
//!
//! Inputs:
//!
//! * [`Evaluator::evaluate_file`]: conlleval's layout, one token per line,
//!   the last two columns gold and predicted tag, blank lines between
//!   sentences; a line whose first column is `-X-` is a boundary too.
//! * [`Evaluator::evaluate_pair`]: two [`TagSource`]s (for example two
//!   [`ColumnSource`]s over CoNLL files with the tag in the last column)
//!   read in lockstep, sentence by sentence and token by token.
//!
//! # Example
//!
//! ```
//! use nerkit::eval::{Evaluator, ReportFormat};
//!
//! let input = "John B-PER B-PER\nSmith I-PER I-PER\nsaw O O\nParis B-LOC O\n";
//! let eval = Evaluator::default().evaluate_file(input.as_bytes(), "in.txt").unwrap();
//! let mut out = Vec::new();
//! eval.write_report(&mut out, ReportFormat::Conlleval).unwrap();
//! assert_eq!(
//!     String::from_utf8(out).unwrap(),
//!     "processed 4 tokens with 2 phrases; found: 1 phrases; correct: 1.\n\
//!      accuracy:  75.00%; precision: 100.00%; recall:  50.00%; FB1:  66.67\n\
//!      \x20             LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  0\n\
//!      \x20             PER: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n"
//! );
//! ```
//!
//! # Where nerkit deliberately differs from conlleval.pl
//!
//! The scores are conlleval.pl's wherever conlleval.pl reads the input as
//! its author meant; these differences only change what used to be
//! failures:
//!
//! * A `\r` before the line end and a byte-order mark are removed (CRLF
//!   files give conlleval.pl 0 correct chunks without a warning).
//! * By default columns are separated by runs of spaces and tabs, so tab
//!   and space files, or files with aligned columns, give the same scores
//!   (conlleval.pl splits at every single space and dies on tabs).
//!   `-d` takes a literal string (conlleval.pl takes a Perl regular
//!   expression); `\t` means a tab and `\s+` means the default.
//! * Lines with only whitespace are sentence boundaries, and blank lines at
//!   the start of the file do not fix the column count (a file starting
//!   with a blank line makes conlleval.pl reject every later line).
//! * A line with a different number of columns than the first is an error
//!   `FILE:LINE:COL: error: expected N columns ...` (conlleval.pl prints
//!   `unexpected number of features` and exits 1); so is a line with fewer
//!   than two columns, and input that is not UTF-8.
//! * Gold and predictions may come from two files ([`Evaluator::evaluate_pair`]); a
//!   token `-X-` there is an ordinary token, not a boundary.
//! * `-o` (here `--boundary`) is the outside tag of raw mode, as in
//!   conlleval.pl, and has no effect without `-r`, as in conlleval.pl.
//!
//! # Where strict mode differs from seqeval
//!
//! * Ill-formed chunks are counted and reported ([`Counts::ill_formed_gold`]).
//! * A tag must be `O`, `X` or `X-LABEL` with `X` a prefix of the scheme;
//!   seqeval also accepts `BPER` (as `B-PER`) and strips hyphens around
//!   labels. A tag the scheme does not allow is an error naming the tag and
//!   its line, where seqeval raises `ValueError` or `KeyError`.
//! * A bare `B` has the empty label (seqeval calls it `_`).
//! * Averages over no types are 0 (seqeval's macro average is NaN).
//! * IOB1, IOE1 and IO are nerkit's own (see [`strict`]).
//! * Accuracy is the share of tokens whose gold and predicted tag strings
//!   are equal (seqeval's `accuracy_score`).
//!
//! # Reports
//!
//! See [`report`] for the formats. `table` (counts side by side, then the
//! averages, then tokens and accuracy; WNUT-17 test set, system `arcada`):
//!
//! ```text
//! type           gold  pred  correct  precision  recall     f1
//! corporation      66    63       12      19.05   18.18  18.60
//! creative-work   142    44       14      31.82    9.86  15.05
//! group           165    73       28      38.36   16.97  23.53
//! location        150   175       77      44.00   51.33  47.38
//! person          429   387      228      58.91   53.15  55.88
//! product         127    45       14      31.11   11.02  16.28
//!
//! micro avg      1079   787      373      47.40   34.57  39.98
//! macro avg                               37.21   26.75  29.46
//! weighted avg                            44.42   34.57  37.44
//!
//! mode conlleval; 23394 tokens, 1287 sentences; accuracy 94.03%
//! ```
//!
//! `json` (a stable interface; fractions in `0..=1`, counts as integers;
//! `macro` and `weighted` have no counts; `scheme` is `null` in conlleval
//! mode; `notes` explain zeros on degenerate input):
//!
//! ```text
//! {
//!   "mode": "strict",
//!   "scheme": "iob2",
//!   "tokens": 4,
//!   "sentences": 1,
//!   "accuracy": 0.75,
//!   "micro": {"precision": 1.0, "recall": 0.5, "f1": 0.6666666666666666,
//!             "gold": 2, "pred": 1, "correct": 1},
//!   "macro": {"precision": 0.5, "recall": 0.5, "f1": 0.5},
//!   "weighted": {"precision": 0.5, "recall": 0.5, "f1": 0.5},
//!   "types": {
//!     "LOC": {"precision": 0.0, "recall": 0.0, "f1": 0.0, "gold": 1, "pred": 0, "correct": 0},
//!     "PER": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "gold": 1, "pred": 1, "correct": 1}
//!   },
//!   "ill_formed": {"gold": 0, "pred": 0, "gold_lines": [], "pred_lines": []},
//!   "notes": []
//! }
//! ```

pub mod analysis;
pub mod chars;
pub mod conlleval;
pub mod counts;
pub mod memory;
pub mod merge;
pub mod reader;
pub mod report;
mod seqeval_patterns;
pub mod significance;
pub mod strict;

use std::io::BufRead;
use std::path::Path;

pub use chars::Level;
pub use conlleval::{Conlleval, ConllevalOptions};
pub use counts::{Counts, IllFormedSide, TypeCounts};
pub use reader::{ColumnSource, Item, SentenceSource, TagSource};
pub use report::{Report, ReportFormat, Scores};
pub use strict::{Side, Strict};

use crate::error::{Error, Hint, ParseErrorKind, Result};
use crate::format::Delimiter;
use crate::scheme::TagScheme;
use crate::span::Position;
use reader::{check_columns, field_offsets, is_blank, split_row, Lines};

/// How chunks are read and counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// conlleval.pl's rules (the default).
    Conlleval(ConllevalOptions),
    /// Only entities well-formed in the scheme count.
    Strict(TagScheme),
}

impl Default for Mode {
    fn default() -> Self {
        Mode::Conlleval(ConllevalOptions::default())
    }
}

/// Scores predictions against gold: the entry point of this module.
///
/// # Example
///
/// ```
/// use nerkit::eval::{Evaluator, ReportFormat};
///
/// let input = "John B-PER B-PER\nSmith I-PER I-PER\nsaw O O\nParis B-LOC O\n";
/// let evaluation = Evaluator::default().evaluate_file(input.as_bytes(), "in.txt")?;
/// let mut out = Vec::new();
/// evaluation.write_report(&mut out, ReportFormat::Table)?;
/// assert_eq!(evaluation.report().micro.f1, 2.0 / 3.0);
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluator {
    mode: Mode,
    delimiter: Delimiter,
    token_check: bool,
}

impl Default for Evaluator {
    fn default() -> Evaluator {
        Evaluator::new(Mode::default())
    }
}

impl Evaluator {
    /// An evaluator counting in `mode`, checking that token texts agree.
    pub fn new(mode: Mode) -> Evaluator {
        Evaluator {
            mode,
            delimiter: Delimiter::default(),
            token_check: true,
        }
    }

    /// How the columns of conlleval's layout are separated.
    pub fn delimiter(mut self, delimiter: Delimiter) -> Evaluator {
        self.delimiter = delimiter;
        self
    }

    /// In two-source evaluation, fail when token texts differ (the
    /// default), or only count the differences.
    pub fn token_check(mut self, yes: bool) -> Evaluator {
        self.token_check = yes;
        self
    }

    /// The mode counted in.
    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    /// Scores a file in conlleval's layout: one token per line, the last
    /// two columns the gold and the predicted tag, blank lines (or lines
    /// whose first column is `-X-`) between sentences. `path` names the
    /// input in messages.
    ///
    /// # Errors
    /// I/O errors; a line with a different number of columns than the
    /// first one, or fewer than two; input that is not UTF-8; in strict
    /// mode, a tag the scheme does not allow. Each error carries `path`,
    /// line and column.
    pub fn evaluate_file<R: BufRead>(
        &self,
        input: R,
        path: impl AsRef<Path>,
    ) -> Result<Evaluation> {
        evaluate_file(input, path, self, &mut ())
    }

    /// Scores predictions against gold read from two sources in lockstep,
    /// sentence by sentence and token by token.
    ///
    /// # Errors
    /// Errors of either source (with its path); sources that part (a
    /// sentence longer in one than in the other, or one ending first),
    /// naming both files and lines; in strict mode, a tag the scheme does
    /// not allow; with the token check, token texts that differ (the first
    /// few and the total, reported after reading everything).
    pub fn evaluate_pair<G: TagSource, P: TagSource>(
        &self,
        gold: &mut G,
        pred: &mut P,
    ) -> Result<Evaluation> {
        evaluate_pair(gold, pred, self, &mut ())
    }
}

/// Token texts that differ between the gold and the prediction file.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenMismatches {
    /// How many tokens differ.
    pub total: u64,
    /// The first few: (gold line, gold text, prediction line, prediction
    /// text).
    pub first: Vec<(u64, String, u64, String)>,
}

impl TokenMismatches {
    /// How many mismatches are remembered.
    pub const KEPT: usize = 5;

    /// Adds the mismatches of another input, read after this one: the
    /// totals add up and its first mismatches fill the places left of the
    /// [`TokenMismatches::KEPT`] (their lines are those of the other
    /// input, as in [`IllFormedSide::add`]).
    pub fn add(&mut self, other: &TokenMismatches) {
        self.total += other.total;
        let room = Self::KEPT.saturating_sub(self.first.len());
        self.first.extend(other.first.iter().take(room).cloned());
    }

    /// The mismatches as lines `GOLD:LINE "a" vs PRED:LINE "b"`.
    pub fn describe(&self, gold: &Path, pred: &Path) -> String {
        let mut s = String::new();
        for (gl, gt, pl, pt) in &self.first {
            s.push_str(&format!(
                "\n  {}:{gl} {gt:?} vs {}:{pl} {pt:?}",
                gold.display(),
                pred.display()
            ));
        }
        if self.total > self.first.len() as u64 {
            s.push_str(&format!(
                "\n  ... and {} more",
                self.total - self.first.len() as u64
            ));
        }
        s
    }
}

/// The result of an evaluation.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Evaluation {
    /// The mode counted in.
    pub mode: Mode,
    /// What was counted.
    pub counts: Counts,
    /// Token texts that differ (two-file evaluation without the check).
    pub token_mismatches: TokenMismatches,
    /// What was scored: tokens, or entities by character offsets (then
    /// `counts.tokens` counts characters and `counts.sentences`
    /// documents; see [`chars`]).
    pub level: Level,
}

impl Evaluation {
    /// Scores, averages and notes.
    pub fn report(&self) -> Report {
        Report::new(&self.counts, &self.mode)
    }

    /// Writes the report in `format`.
    ///
    /// # Errors
    /// Write errors.
    pub fn write_report(
        &self,
        w: &mut dyn std::io::Write,
        format: ReportFormat,
    ) -> std::io::Result<()> {
        match self.level {
            Level::Tokens => report::write(w, &self.counts, &self.mode, format),
            Level::Chars => chars::write_report(w, &self.counts, format),
        }
    }

    /// The JSON report: [`Evaluation::report`] at the token level,
    /// [`chars::CharReport`] at the character level.
    pub fn json_report(&self) -> serde_json::Value {
        let value = match self.level {
            Level::Tokens => serde_json::to_value(self.report()),
            Level::Chars => serde_json::to_value(chars::CharReport::new(&self.counts)),
        };
        // Both are maps of strings, numbers and lists.
        value.expect("a report serialises")
    }
}

enum Engine {
    Conlleval(Conlleval),
    Strict(Strict),
}

impl Engine {
    fn new(mode: &Mode) -> Engine {
        match mode {
            Mode::Conlleval(o) => Engine::Conlleval(Conlleval::new(o.clone())),
            Mode::Strict(s) => Engine::Strict(Strict::new(*s)),
        }
    }

    #[inline]
    fn token(&mut self, gold: &str, pred: &str, lines: (u64, u64)) -> Result<(), (Side, String)> {
        match self {
            Engine::Conlleval(c) => {
                c.token(gold, pred);
                Ok(())
            }
            Engine::Strict(s) => s.token(gold, pred, lines),
        }
    }

    #[inline]
    fn boundary(&mut self) {
        match self {
            Engine::Conlleval(c) => c.boundary(),
            Engine::Strict(s) => s.boundary(),
        }
    }

    fn finish(self) -> Counts {
        match self {
            Engine::Conlleval(c) => c.finish(),
            Engine::Strict(s) => s.finish(),
        }
    }
}

/// What the error analysis sees of an evaluation, token by token. The
/// unit type sees nothing, so the plain evaluation is compiled as before.
pub(crate) trait Observer {
    /// Whether it looks at all: the fast line scan of
    /// [`Evaluator::evaluate_file`] then also finds the token column for
    /// it (see [`Observed`]).
    const ACTIVE: bool;
    /// A token the scorer accepted: its text when the input has one, the
    /// gold and predicted tag, and their lines.
    fn token(&mut self, text: Option<&str>, gold: &str, pred: &str, lines: (u64, u64));
    /// A sentence boundary (as the scorer sees it).
    fn boundary(&mut self);
    /// The current sentence (the one whose tokens are being shown, or the
    /// next one between sentences) is the first of a new document.
    fn starts_document(&mut self) {}
    /// The next token is a `-DOCSTART-` line, which conlleval's layout
    /// scores as a token: a document starts at the current sentence.
    fn document_line(&mut self) {
        self.starts_document();
    }
}

impl Observer for () {
    const ACTIVE: bool = false;
    #[inline(always)]
    fn token(&mut self, _: Option<&str>, _: &str, _: &str, _: (u64, u64)) {}
    #[inline(always)]
    fn boundary(&mut self) {}
}

/// What the fast path of [`Evaluator::evaluate_file`] feeds, one scorer at a time
/// (so the scorer's calls are not dispatched per token).
trait Scorer {
    /// Whether [`Scorer::token`] looks at the first field: the scan finds
    /// it only then.
    const FIRST: bool = false;
    /// Scores a token whose fields `first`, `gold` and `pred` are byte
    /// ranges of `text` (`first` is `(0, 0)` unless [`Scorer::FIRST`]);
    /// `false` when it is not accepted (the line is then read again by the
    /// slow path, which reports the error).
    fn token(
        &mut self,
        text: &str,
        first: (usize, usize),
        gold: (usize, usize),
        pred: (usize, usize),
        line: u64,
    ) -> bool;
    fn boundary(&mut self);
}

/// A scorer with an observer beside it, for the fast path: what the
/// general loop of [`evaluate_file`] shows the observer, the observer sees
/// here too (a token the scorer accepted, with the first field as its text
/// when the lines have more than two; every boundary).
struct Observed<'a, S, O> {
    scorer: &'a mut S,
    observer: &'a mut O,
    token_column: bool,
}

impl<S: Scorer, O: Observer> Scorer for Observed<'_, S, O> {
    const FIRST: bool = O::ACTIVE;

    #[inline]
    fn token(
        &mut self,
        text: &str,
        first: (usize, usize),
        g: (usize, usize),
        p: (usize, usize),
        line: u64,
    ) -> bool {
        if !self.scorer.token(text, first, g, p, line) {
            return false;
        }
        if O::ACTIVE {
            // As the general loop does: a document line is a token that
            // also starts a document.
            if &text.as_bytes()[first.0..first.1] == b"-DOCSTART-" {
                self.observer.document_line();
            }
            let token = self.token_column.then(|| &text[first.0..first.1]);
            self.observer
                .token(token, &text[g.0..g.1], &text[p.0..p.1], (line, line));
        }
        true
    }

    #[inline]
    fn boundary(&mut self) {
        self.scorer.boundary();
        self.observer.boundary();
    }
}

impl Scorer for Conlleval {
    #[inline]
    fn token(
        &mut self,
        text: &str,
        _first: (usize, usize),
        g: (usize, usize),
        p: (usize, usize),
        _line: u64,
    ) -> bool {
        let b = text.as_bytes();
        self.token_bytes(&b[g.0..g.1], &b[p.0..p.1]);
        true
    }

    #[inline]
    fn boundary(&mut self) {
        Conlleval::boundary(self)
    }
}

impl Scorer for Strict {
    #[inline]
    fn token(
        &mut self,
        text: &str,
        _first: (usize, usize),
        g: (usize, usize),
        p: (usize, usize),
        line: u64,
    ) -> bool {
        let b = text.as_bytes();
        self.token_bytes(&b[g.0..g.1], &b[p.0..p.1], line)
    }

    #[inline]
    fn boundary(&mut self) {
        Strict::boundary(self)
    }
}

/// Scores the lines of `text` from byte `from` (the first of them is line
/// `line + 1`) as long as they are plain: `columns` fields separated by
/// spaces and tabs, or blank, ended by `\n` or `\r\n`. Returns how many
/// lines and bytes were scored; the line it stops at is left to the
/// general loop, which reads every line (so do the last few bytes of
/// `text`).
///
/// The bytes are read eight at a time, lines one after another: a mask
/// of the bytes up to a space (the separators, line ends and other control
/// characters) and a look at each of those; field bytes are passed over a
/// word at a time. The fields are those of [`split_row`] on the line as
/// [`Lines`] gives it (a `\r` before the line end is not part of it).
#[inline(never)]
fn fast_lines<S: Scorer>(
    s: &mut S,
    text: &str,
    from: usize,
    line: u64,
    columns: usize,
) -> (u64, usize) {
    // The high bit of each byte equal to a given byte.
    let eq = crate::swar::eq_bytes;
    let b = text.as_bytes();
    let mut n = 0;
    // Where the current line and field start.
    let (mut ls, mut fs) = (from, from);
    let mut count = 0;
    let (mut first, mut second_last, mut last) = ((0, 0), (0, 0), (0, 0));
    let mut i = from;
    'words: while let Some(word) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        // The high bit of each byte <= 0x20: separators, line ends and
        // other control characters.
        let mut m = crate::swar::lt_bytes(w, 0x21);
        if m == 0 {
            i += 8;
            continue;
        }
        let nl = eq(w, b'\n');
        // The separators: spaces, and in the rare words with other bytes
        // below 0x21, tabs and a `\r` before a line end (not part of the
        // line, so as good as a separator); any other such byte stops the
        // loop.
        let mut ws = m & !nl;
        if ws & !eq(w, b' ') != 0 {
            let next_nl = if b.get(i + 8) == Some(&b'\n') {
                1 << 63
            } else {
                0
            };
            let crlf = eq(w, b'\r') & ((nl >> 8) | next_nl);
            ws &= eq(w, b' ') | eq(w, b'\t') | crlf;
        }
        while m != 0 {
            let low = m & m.wrapping_neg();
            m ^= low;
            let p = i + (low.trailing_zeros() / 8) as usize;
            if p > fs {
                second_last = last;
                last = (fs, p);
                if S::FIRST && count == 0 {
                    first = last;
                }
                count += 1;
            }
            fs = p + 1;
            if ws & low != 0 {
                continue;
            }
            if nl & low == 0 {
                break 'words;
            }
            if count == 0 {
                s.boundary();
            } else if count != columns {
                break 'words;
            } else if is_x_boundary(b, ls) {
                s.boundary();
            } else if !s.token(text, first, second_last, last, line + n + 1) {
                // A strict scorer may have taken the gold tag: the slow
                // path reads the line again only to report the error.
                break 'words;
            }
            n += 1;
            ls = p + 1;
            count = 0;
        }
        i += 8;
    }
    (n, ls - from)
}

/// The first field of the plain line at `from` of `b` (see
/// [`fast_lines`]) is `-X-`.
#[inline]
fn is_x_boundary(b: &[u8], from: usize) -> bool {
    let mut f = from;
    if b[f] > b' ' && b[f] != b'-' {
        return false;
    }
    while b[f] == b' ' || b[f] == b'\t' {
        f += 1;
    }
    // The line ends in a byte below 0x21, so `-X-` is followed by one.
    matches!(b.get(f..f + 4), Some(&[b'-', b'X', b'-', c]) if c <= b' ')
}

fn bad_tag(pos: Position, tag: &str, reason: String) -> Error {
    Error::parse(
        pos,
        ParseErrorKind::InvalidTag {
            tag: tag.to_owned(),
            reason,
        },
    )
}

/// [`Evaluator::evaluate_file`], showing every token to `observer`.
pub(crate) fn evaluate_file<R: BufRead, O: Observer>(
    input: R,
    path: impl AsRef<Path>,
    options: &Evaluator,
    observer: &mut O,
) -> Result<Evaluation> {
    evaluate_lines::<R, O, true>(input, path.as_ref(), options, observer)
}

/// [`evaluate_file`] with the fast line scan ([`fast_lines`]) or, for the
/// tests that compare the two, without it.
pub(crate) fn evaluate_lines<R: BufRead, O: Observer, const FAST: bool>(
    input: R,
    path: &Path,
    options: &Evaluator,
    observer: &mut O,
) -> Result<Evaluation> {
    let mut lines = Lines::new(input);
    let mut engine = Engine::new(&options.mode);
    let mut columns = None;
    let d = &options.delimiter;
    loop {
        if let (Delimiter::Whitespace, Some((n, _)), true) = (d, columns, FAST) {
            if let Some((text, from)) = lines.pending() {
                let line = lines.number();
                let token_column = n > 2;
                let (k, bytes) = match &mut engine {
                    Engine::Conlleval(scorer) => {
                        let mut s = Observed {
                            scorer,
                            observer: &mut *observer,
                            token_column,
                        };
                        fast_lines(&mut s, text, from, line, n)
                    }
                    Engine::Strict(scorer) => {
                        let mut s = Observed {
                            scorer,
                            observer: &mut *observer,
                            token_column,
                        };
                        fast_lines(&mut s, text, from, line, n)
                    }
                };
                lines.skip(k, bytes);
            }
        }
        if !lines.advance().map_err(|e| e.with_path(path))? {
            break;
        }
        let text = lines.text();
        if is_blank(text) {
            engine.boundary();
            observer.boundary();
            continue;
        }
        let row = split_row(text, d);
        if row.count == 0 {
            engine.boundary();
            observer.boundary();
            continue;
        }
        check_columns(&lines, &row, d, &mut columns).map_err(|e| e.with_path(path))?;
        if row.count < 2 {
            return Err(Error::parse(
                lines.position(0),
                ParseErrorKind::Other(format!(
                    "expected at least 2 columns (gold and predicted tag), found {}",
                    row.count
                )),
            )
            .with_path(path));
        }
        if row.first == "-X-" {
            engine.boundary();
            observer.boundary();
            continue;
        }
        // conlleval.pl scores a document line as a token (tagged O O);
        // the observer also learns that a document starts.
        if O::ACTIVE && row.first == "-DOCSTART-" {
            observer.document_line();
        }
        let n = lines.number();
        if let Err((side, reason)) = engine.token(row.second_last, row.last, (n, n)) {
            let offsets = field_offsets(text, d);
            let (k, tag) = match side {
                Side::Gold => (row.count - 2, row.second_last),
                Side::Pred => (row.count - 1, row.last),
            };
            let at = offsets.get(k).copied().unwrap_or(0);
            return Err(bad_tag(lines.position(at), tag, reason).with_path(path));
        }
        // A line of two columns has no token column.
        let token = (row.count > 2).then_some(row.first);
        observer.token(token, row.second_last, row.last, (n, n));
    }
    Ok(Evaluation {
        mode: options.mode.clone(),
        counts: engine.finish(),
        token_mismatches: TokenMismatches::default(),
        level: Level::Tokens,
    })
}

fn describe(item: &Item<'_>, sentence: u64) -> String {
    match item {
        Item::Token { text: Some(t), .. } => format!("a token ({t:?})"),
        Item::Token {
            text: None, tag, ..
        } => format!("a token (tag {tag:?})"),
        Item::SentenceEnd { .. } => format!("the end of sentence {sentence}"),
        Item::End { .. } => "the end of the file".to_owned(),
    }
}

fn line_of(item: &Item<'_>) -> u64 {
    match *item {
        Item::Token { line, .. } | Item::SentenceEnd { line } | Item::End { line } => line,
    }
}

/// [`Evaluator::evaluate_pair`], showing every token to `observer`.
pub(crate) fn evaluate_pair<G: TagSource, P: TagSource, O: Observer>(
    gold: &mut G,
    pred: &mut P,
    options: &Evaluator,
    observer: &mut O,
) -> Result<Evaluation> {
    let mut engine = Engine::new(&options.mode);
    let mut mismatches = TokenMismatches::default();
    let mut sentence = 1;
    let mut documents = 0;
    let gold_path = gold.path().to_path_buf();
    let pred_path = pred.path().to_path_buf();
    loop {
        let g = gold.next_item()?;
        let p = pred.next_item()?;
        match (g, p) {
            (
                Item::Token {
                    text: gt,
                    tag: gtag,
                    line: gl,
                },
                Item::Token {
                    text: pt,
                    tag: ptag,
                    line: pl,
                },
            ) => {
                if let (Some(a), Some(b)) = (gt, pt) {
                    if a != b {
                        mismatches.total += 1;
                        if mismatches.first.len() < TokenMismatches::KEPT {
                            mismatches.first.push((gl, a.to_owned(), pl, b.to_owned()));
                        }
                    }
                }
                if let Err((side, reason)) = engine.token(gtag, ptag, (gl, pl)) {
                    return Err(match side {
                        Side::Gold => {
                            let tag = gtag.to_owned();
                            bad_tag(gold.tag_position(), &tag, reason).with_path(&gold_path)
                        }
                        Side::Pred => {
                            let tag = ptag.to_owned();
                            bad_tag(pred.tag_position(), &tag, reason).with_path(&pred_path)
                        }
                    });
                }
                observer.token(gt.or(pt), gtag, ptag, (gl, pl));
                // The gold side's documents: a source counts a document
                // start as it reads the first token after it.
                if O::ACTIVE {
                    let d = gold.documents();
                    if d != documents {
                        documents = d;
                        observer.starts_document();
                    }
                }
            }
            (Item::SentenceEnd { .. }, Item::SentenceEnd { .. }) => {
                engine.boundary();
                observer.boundary();
                sentence += 1;
            }
            (Item::End { .. }, Item::End { .. }) => break,
            (g, p) => {
                let (gl, pl) = (line_of(&g), line_of(&p));
                // A file with no line at all has no line to point at.
                for (item, path, other, other_path, other_line) in [
                    (&g, &gold_path, &p, &pred_path, pl),
                    (&p, &pred_path, &g, &gold_path, gl),
                ] {
                    if let Item::End { line: 0 } = item {
                        return Err(Error::msg(format!(
                            "empty file: nothing to score, while {}:{other_line} has {}",
                            other_path.display(),
                            describe(other, sentence)
                        ))
                        .with_path(path));
                    }
                }
                let message = format!(
                    "the files part here: {}:{gl} has {}, {}:{pl} has {}",
                    gold_path.display(),
                    describe(&g, sentence),
                    pred_path.display(),
                    describe(&p, sentence)
                );
                return Err(
                    Error::parse(Position::new(pl, 1, 0), ParseErrorKind::Other(message))
                        .with_path(&pred_path),
                );
            }
        }
    }
    if options.token_check && mismatches.total > 0 {
        return Err(Error::msg(format!(
            "{} and {} differ in {} token text{}",
            gold_path.display(),
            pred_path.display(),
            mismatches.total,
            if mismatches.total == 1 { "" } else { "s" },
        ))
        .with_hint(Hint::SkipTokenCheck)
        .with_detail(format!(":{}", mismatches.describe(&gold_path, &pred_path))));
    }
    Ok(Evaluation {
        mode: options.mode.clone(),
        counts: engine.finish(),
        token_mismatches: mismatches,
        level: Level::Tokens,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The counts of `input` line by line through [`split_row`], as the
    /// general loop reads it, without the fast path.
    fn reference(input: &str, mode: &Mode) -> Counts {
        let mut engine = Engine::new(mode);
        let mut lines: Vec<&str> = input.split('\n').collect();
        if lines.last() == Some(&"") {
            lines.pop();
        }
        for (k, line) in lines.iter().enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if is_blank(line) {
                engine.boundary();
                continue;
            }
            let row = split_row(line, &Delimiter::Whitespace);
            if row.first == "-X-" {
                engine.boundary();
                continue;
            }
            let n = k as u64 + 1;
            engine.token(row.second_last, row.last, (n, n)).unwrap();
        }
        engine.finish()
    }

    const PIECES: &[&str] = &[
        "a O O\n",
        "tok B-PER B-PER\n",
        "x I-PER I-LOC\n",
        "y\tB-LOC\tO\n",
        "  z  I-LOC   I-LOC  \n",
        "w B-PER O\r\n",
        "\n",
        "  \t \n",
        "\r\n",
        "-X- O O\n",
        " -X-\tO O\n",
        "-X-a O O\n",
        "verylongtokentext O B-MISC-X\n",
        "é O B-0\n",
    ];

    proptest! {
        /// The fast path scores plain lines as the general loop does.
        #[test]
        fn fast_path_is_the_general_loop(
            seq in prop::collection::vec(prop::sample::select(PIECES), 0..60)
        ) {
            let input: String = seq.concat();
            for mode in [Mode::default(), Mode::Strict(TagScheme::Iob2), Mode::Strict(TagScheme::Iob1)] {
                if let Ok(got) = evaluate_file(input.as_bytes(), "t", &Evaluator::new(mode.clone()), &mut ()) {
                    prop_assert_eq!(got.counts, reference(&input, &mode));
                } else {
                    // Only strict mode rejects tags here.
                    prop_assert!(matches!(mode, Mode::Strict(_)));
                }
            }
        }
    }
}
