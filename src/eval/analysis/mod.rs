//! Error analysis: matching schemas, an error taxonomy, a confusion matrix
//! and the error instances themselves.
//!
//! The analysis runs beside the scorer of [`super::Evaluator`] (which still
//! gives the conlleval or strict counts of the plain report): it sees every
//! token the scorer accepted, decodes each sentence of each side into
//! entities by the same chunk rules (token by token, see [`conlleval`] and the
//! strict decoder), and then, per sentence:
//!
//! * counts the four matching schemas of [`matching`] (COR, INC, PAR, MIS,
//!   SPU per type and overall, with an optimal one-to-one assignment);
//! * puts every gold and every predicted entity in one class of
//!   [`taxonomy`], per type;
//! * counts the strict schema's pairs by (gold type, predicted type), with
//!   `None` for a missed or spurious entity: the confusion matrix;
//! * keeps error instances (an overlap group with an entity not
//!   `correct`, or a lone missed or spurious entity), up to a cap.
//!
//! # Memory
//!
//! One sentence at a time: token texts and entities of the current
//! sentence, in buffers reused from sentence to sentence. The counts grow
//! with the number of types (and type pairs) only. The kept instances
//! grow with the input: each holds its entities' labels and a window of up
//! to 13 token texts around them, some 300 to 600 bytes, and at most
//! [`Options::instances`] are kept (the CLI keeps `--errors N` for the text
//! formats and [`MAX_INSTANCES`] for JSON, about 50 MB at worst); the total
//! is always counted. Asked for, the counts of each unit grow with the
//! input too: 12 bytes a sentence or document for the bootstrap
//! ([`Options::units`]), 24 for a breakdown ([`Options::breakdown`]).
//!
//! [`conlleval`]: super::conlleval
//!
//! # Example
//!
//! ```
//! use nerkit::eval::analysis::{self, Options, Schema};
//! use nerkit::eval::Evaluator;
//!
//! let input = "John B-PER B-PER\nSmith I-PER O\nsaw O O\nParis B-LOC B-PER\n";
//! let (_, a) = analysis::analyze_file(&Evaluator::default(), input.as_bytes(), "in.txt", &Options::default())?;
//! let strict = a.counts.schema(Schema::Strict);
//! assert_eq!((strict.cor, strict.inc, strict.mis, strict.spu), (0, 2, 0, 0));
//! let partial = a.counts.schema(Schema::Partial);
//! assert_eq!((partial.cor, partial.par), (1, 1));
//! # Ok::<(), nerkit::Error>(())
//! ```

pub mod matching;
pub mod render;
pub mod taxonomy;

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::significance::{Intervals, Resample, UnitCounts};
pub use matching::{Schema, SchemaCounts};
pub use taxonomy::{ClassCounts, ErrorClass};

use super::conlleval::{chunk_tag, ChunkState, ConllevalOptions};
use super::strict::SideDecoder;
use super::{Evaluation, Evaluator, Level, Mode, Observer, TagSource};
use crate::error::Result;
use matching::{Assigner, Edge, Ent};

/// The most instances kept for a JSON report (about 50 MB at worst).
pub const MAX_INSTANCES: usize = 100_000;

/// Tokens shown on each side of an instance.
const CONTEXT: u32 = 6;

/// Characters shown on each side of an instance at [`Level::Chars`].
const CHAR_CONTEXT: u32 = 30;

/// What the analysis does besides counting.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Options {
    /// The least share of a gold entity's tokens a prediction must cover
    /// to be paired with it in the overlap schemas, as a percentage
    /// (nervaluate's `min_overlap_percentage`); 0 (the default) takes any
    /// shared token.
    pub min_overlap_percent: f64,
    /// How many error instances to keep.
    pub instances: usize,
    /// Type renamings applied to both sides before anything is counted.
    pub map: Vec<(String, String)>,
    /// Types dropped from both sides (after renaming).
    pub ignore: Vec<String>,
    /// Record the strict counts of each unit ([`Analysis::units`]) for
    /// the bootstrap of [`super::significance`]: 12 bytes a unit.
    pub units: Option<Resample>,
    /// Record a row per unit with its first gold line
    /// ([`Analysis::breakdown`]): 24 bytes a unit.
    pub breakdown: Option<Resample>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            min_overlap_percent: 0.0,
            instances: 0,
            map: Vec::new(),
            ignore: Vec::new(),
            units: None,
            breakdown: None,
        }
    }
}

impl Options {
    /// Sets the minimum overlap as a fraction of the gold entity's tokens
    /// (`0.5` is half).
    pub fn min_overlap(mut self, fraction: f64) -> Options {
        self.min_overlap_percent = fraction * 100.0;
        self
    }

    /// Keeps up to `n` error instances.
    pub fn instances(mut self, n: usize) -> Options {
        self.instances = n;
        self
    }

    /// Renames type `old` to `new` on both sides.
    pub fn map(mut self, old: impl Into<String>, new: impl Into<String>) -> Options {
        self.map.push((old.into(), new.into()));
        self
    }

    /// Drops entities of type `label` on both sides.
    pub fn ignore(mut self, label: impl Into<String>) -> Options {
        self.ignore.push(label.into());
        self
    }

    /// Records the strict counts of each sentence or document
    /// ([`Analysis::units`]).
    pub fn units(mut self, unit: Resample) -> Options {
        self.units = Some(unit);
        self
    }

    /// Records a breakdown row per sentence or document
    /// ([`Analysis::breakdown`]).
    pub fn breakdown(mut self, unit: Resample) -> Options {
        self.breakdown = Some(unit);
        self
    }
}

/// The counts of one schema: overall and per type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaTable {
    /// Over all types; the sum of the type rows.
    pub total: SchemaCounts,
    /// Per type (a pair and a miss count under the gold type, a spurious
    /// entity under its own).
    pub types: BTreeMap<String, SchemaCounts>,
}

/// Entities per class, per side, for one type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideClasses {
    /// Gold entities of the type.
    pub gold: ClassCounts,
    /// Predicted entities of the type.
    pub pred: ClassCounts,
}

/// One cell of the confusion matrix; `None` is no entity (missed or
/// spurious).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Cell {
    /// The gold type, or `None` for a spurious prediction.
    pub gold: Option<String>,
    /// The predicted type, or `None` for a missed gold entity.
    pub pred: Option<String>,
    /// How many.
    pub count: u64,
}

/// Every integer the analysis reports are computed from. They add up: the
/// counts of two inputs, added ([`AnalysisCounts::add`]), are the counts
/// of the two inputs one after the other.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisCounts {
    /// Sentences analysed.
    pub sentences: u64,
    /// Tokens analysed.
    pub tokens: u64,
    /// Gold entities (after mapping and ignoring).
    pub gold: u64,
    /// Predicted entities (after mapping and ignoring).
    pub pred: u64,
    /// Per schema, in [`Schema::ALL`] order.
    pub schemas: [SchemaTable; 4],
    /// Entities per class, per type.
    pub classes: BTreeMap<String, SideClasses>,
    /// The confusion matrix: cells with a count, sorted.
    pub confusion: Vec<Cell>,
    /// Error instances found (kept or not).
    pub instances: u64,
}

impl AnalysisCounts {
    /// The overall counts of `schema`.
    pub fn schema(&self, schema: Schema) -> SchemaCounts {
        self.schemas[schema.index()].total
    }

    /// Entities of `class` over all types: (gold, predicted).
    pub fn class(&self, class: ErrorClass) -> (u64, u64) {
        self.classes.values().fold((0, 0), |(g, p), c| {
            (g + c.gold.get(class), p + c.pred.get(class))
        })
    }

    /// Adds the counts of another input.
    pub fn add(&mut self, other: &AnalysisCounts) {
        self.sentences += other.sentences;
        self.tokens += other.tokens;
        self.gold += other.gold;
        self.pred += other.pred;
        self.instances += other.instances;
        for (a, b) in self.schemas.iter_mut().zip(&other.schemas) {
            a.total.add(&b.total);
            for (t, c) in &b.types {
                a.types.entry(t.clone()).or_default().add(c);
            }
        }
        for (t, c) in &other.classes {
            let e = self.classes.entry(t.clone()).or_default();
            e.gold.add(&c.gold);
            e.pred.add(&c.pred);
        }
        let mut cells: BTreeMap<(Option<String>, Option<String>), u64> = BTreeMap::new();
        for c in self.confusion.iter().chain(&other.confusion) {
            *cells.entry((c.gold.clone(), c.pred.clone())).or_default() += c.count;
        }
        self.confusion = cells
            .into_iter()
            .map(|((gold, pred), count)| Cell { gold, pred, count })
            .collect();
    }
}

/// An entity of an instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InstanceEntity {
    /// Its type.
    pub label: String,
    /// Its first token (from 0, in the sentence).
    pub start: u32,
    /// One past its last token.
    pub end: u32,
    /// Its class.
    pub class: &'static str,
}

/// One error: a group of overlapping entities with one not `correct`, or
/// a lone missed or spurious entity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Instance {
    /// What went wrong: the class of its entities, or `split+merged` for
    /// a chain of several gold and several predicted entities.
    pub class: String,
    /// The sentence (from 1).
    pub sentence: u64,
    /// The line of its first token in the gold input.
    pub gold_line: u64,
    /// The line of its first token in the predictions.
    pub pred_line: u64,
    /// The gold entities.
    pub gold: Vec<InstanceEntity>,
    /// The predicted entities.
    pub pred: Vec<InstanceEntity>,
    /// The index of the first token of `context` in the sentence.
    pub context_start: u32,
    /// The token texts around the entities (`_` when the input has no
    /// token column).
    pub context: Vec<String>,
}

/// One row of a breakdown: a sentence or a document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UnitRow {
    /// The line of its first token in the gold input.
    pub line: u64,
    /// Its strict counts.
    pub counts: UnitCounts,
}

/// The result of an analysis.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Analysis {
    /// Every count.
    pub counts: AnalysisCounts,
    /// The first [`Options::instances`] error instances, in input order.
    pub instances: Vec<Instance>,
    /// The options it ran with.
    pub min_overlap_percent: f64,
    /// The renamings applied.
    pub map: Vec<(String, String)>,
    /// The types ignored.
    pub ignore: Vec<String>,
    /// With [`Options::units`], the strict counts of each unit in input
    /// order: correct (same span and type), gold and predicted entities,
    /// after renaming and ignoring. They sum to the strict schema's
    /// overall COR, POSSIBLE and ACTUAL, which without renaming or
    /// ignoring are the plain report's micro correct, gold and pred.
    /// A sentence is a unit as the scorer sees it, except that a sentence
    /// of `-DOCSTART-` lines only (conlleval's one-file layout scores
    /// them as tokens) is none, so that the units of the same data in one
    /// file and in two are the same; a document is the sentences from
    /// one document start to the next (an empty document is none), and
    /// an input without document marks is one document.
    pub units: Vec<UnitCounts>,
    /// With [`Options::breakdown`], a row per unit, in input order.
    pub breakdown: Vec<UnitRow>,
    /// What a breakdown row is ([`Options::breakdown`]).
    pub breakdown_unit: Option<Resample>,
    /// The bootstrap intervals of this system, when the caller computed
    /// them (with [`super::significance::compute`] over `units`); the
    /// reports show them.
    pub bootstrap: Option<Intervals>,
    /// What the counts count: at [`Level::Chars`], `sentences` are
    /// documents, `tokens` characters, entity `start`/`end` offsets in
    /// code points of the document, and an instance's `context` one
    /// string, the text from code point `context_start`.
    pub level: Level,
}

/// Scores and analyses a file in conlleval's layout (see
/// [`Evaluator::evaluate_file`]): the plain evaluation and the analysis.
///
/// # Errors
/// Those of [`Evaluator::evaluate_file`].
pub fn analyze_file<R: BufRead>(
    evaluator: &Evaluator,
    input: R,
    path: impl AsRef<Path>,
    options: &Options,
) -> Result<(Evaluation, Analysis)> {
    let mut a = Analyzer::new(evaluator.mode(), options);
    let e = super::evaluate_file(input, path, evaluator, &mut a)?;
    Ok((e, a.finish()))
}

/// Scores and analyses two sources read in lockstep (see
/// [`Evaluator::evaluate_pair`]).
///
/// # Errors
/// Those of [`Evaluator::evaluate_pair`].
pub fn analyze_pair<G: TagSource, P: TagSource>(
    evaluator: &Evaluator,
    gold: &mut G,
    pred: &mut P,
    options: &Options,
) -> Result<(Evaluation, Analysis)> {
    let mut a = Analyzer::new(evaluator.mode(), options);
    let e = super::evaluate_pair(gold, pred, evaluator, &mut a)?;
    Ok((e, a.finish()))
}

/// How a side's tags become entities.
enum Decoding {
    /// conlleval.pl's chunk rules, applied as the tokens come.
    Conlleval {
        options: ConllevalOptions,
        gold: ChunkState,
        pred: ChunkState,
        types: RawTypes,
    },
    /// The strict decoder of each side.
    Strict(Box<(SideDecoder, SideDecoder)>),
}

/// Type names interned, after renaming; `None` for an ignored type.
#[derive(Default)]
struct Labels {
    names: Vec<String>,
    index: HashMap<String, u32>,
    map: HashMap<String, String>,
    ignore: Vec<String>,
    /// The answers for the first [`Labels::SEEN`] raw types, scanned
    /// before hashing: entity type sets are small, and two hashes per
    /// entity showed in the profile.
    seen: Vec<(Box<str>, Option<u32>)>,
}

impl Labels {
    const SEEN: usize = 32;

    fn intern(&mut self, raw: &str) -> Option<u32> {
        if let Some((_, i)) = self.seen.iter().find(|(r, _)| &**r == raw) {
            return *i;
        }
        let i = self.intern_new(raw);
        if self.seen.len() < Self::SEEN {
            self.seen.push((raw.into(), i));
        }
        i
    }

    fn intern_new(&mut self, raw: &str) -> Option<u32> {
        let name = self.map.get(raw).map(String::as_str).unwrap_or(raw);
        if self.ignore.iter().any(|i| i == name) {
            return None;
        }
        if let Some(&i) = self.index.get(name) {
            return Some(i);
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        Some(i)
    }
}

/// The type texts of tags as numbers for [`ChunkState`] (raw: before
/// renaming, as the chunk rules compare them), each with its label.
struct RawTypes {
    /// The texts numbered so far, scanned first: a few types make most
    /// tags. Number `k` is at `k - 1` (0 is the empty type).
    seen: Vec<Box<str>>,
    /// All numbers, when there are more than [`RawTypes::SEEN`].
    index: HashMap<Box<str>, u32>,
    /// The label of each number (`None`: ignored), 0 included.
    labels: Vec<Option<u32>>,
}

impl RawTypes {
    const SEEN: usize = 32;

    fn new(labels: &mut Labels) -> RawTypes {
        RawTypes {
            seen: Vec::new(),
            index: HashMap::new(),
            // A chunk may have the empty type (`B` alone, `B-0`).
            labels: vec![labels.intern("")],
        }
    }

    /// The number of type text `ty`.
    #[inline]
    fn number(&mut self, ty: &str, labels: &mut Labels) -> u32 {
        if ty.is_empty() {
            return ChunkState::EMPTY;
        }
        let b = ty.as_bytes();
        // Byte by byte: types are short, and a call to `memcmp` per
        // entity tag showed in the profile.
        if let Some(k) = self
            .seen
            .iter()
            .position(|t| t.len() == b.len() && t.bytes().zip(b).all(|(x, &y)| x == y))
        {
            return k as u32 + 1;
        }
        self.number_slow(ty, labels)
    }

    #[cold]
    fn number_slow(&mut self, ty: &str, labels: &mut Labels) -> u32 {
        if let Some(&k) = self.index.get(ty) {
            return k;
        }
        let k = self.labels.len() as u32;
        self.labels.push(labels.intern(ty));
        if self.seen.len() < Self::SEEN {
            self.seen.push(ty.into());
        }
        self.index.insert(ty.into(), k);
        k
    }
}

/// Per-type counters, indexed by label.
#[derive(Clone, Copy, Default)]
struct TypeCounters {
    schemas: [SchemaCounts; 4],
    gold: ClassCounts,
    pred: ClassCounts,
    /// Strict pairs of this type with itself counted by
    /// [`Analyzer::score_same`], not yet in the confusion matrix.
    same: u64,
}

/// Shows one side's tag to its [`ChunkState`], adding the chunk it closes
/// to `out`. Inlined: a call per token and side showed in the profile.
#[inline(always)]
fn side_token(
    options: &ConllevalOptions,
    types: &mut RawTypes,
    labels: &mut Labels,
    state: &mut ChunkState,
    tag: &str,
    out: &mut Vec<Ent>,
) {
    let closed = if tag == "O" {
        state.outside()
    } else {
        let (prefix, ty) = chunk_tag(options, tag);
        let ty = types.number(ty, labels);
        state.push(prefix.as_bytes(), ty)
    };
    if let Some(c) = closed {
        push_chunk(out, types, c);
    }
}

/// Adds a chunk (first token, end token, type number) of [`ChunkState`]
/// to a side's entities, unless its type is ignored.
#[inline]
fn push_chunk(out: &mut Vec<Ent>, types: &RawTypes, (start, end, ty): (u32, u32, u32)) {
    if let Some(label) = types.labels[ty as usize] {
        out.push(Ent { start, end, label });
    }
}

/// A sentence's count as a unit count (a sentence of four billion
/// entities stays at the maximum).
fn clamp(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The label index that means "no entity" in the confusion matrix.
const NONE: u32 = u32::MAX;

/// The observer that does the analysis, one sentence at a time.
pub(crate) struct Analyzer {
    decoding: Decoding,
    labels: Labels,
    min_percent: f64,
    keep: usize,
    // The current sentence.
    text: String,
    has_text: bool,
    tokens: Vec<(u32, u32)>,
    /// The lines of the first token of the sentence; the others follow
    /// line by line, unless `lines` has them all (a sentence with lines
    /// between its tokens): a push per token saved.
    first_lines: (u64, u64),
    lines: Vec<(u64, u64)>,
    gold: Vec<Ent>,
    pred: Vec<Ent>,
    // Scratch space of the sentence analysis.
    edges: Vec<Edge>,
    chosen: Vec<u32>,
    assigner: Assigner,
    gold_used: Vec<bool>,
    pred_used: Vec<bool>,
    gold_class: Vec<ErrorClass>,
    pred_class: Vec<ErrorClass>,
    /// Per gold entity: how many predictions it overlaps, and the last
    /// overlap pair (an index into `edges`); `pred_deg` the same per
    /// predicted entity. Reused, as every buffer here: a sentence does
    /// not allocate once they have grown to the longest one.
    gold_deg: Vec<(u32, u32)>,
    pred_deg: Vec<(u32, u32)>,
    // What is counted.
    sentences: u64,
    n_tokens: u64,
    total: [SchemaCounts; 4],
    types: Vec<TypeCounters>,
    confusion: HashMap<(u32, u32), u64>,
    instances: Vec<Instance>,
    found: u64,
    units: Option<Units>,
    breakdown: Option<Units>,
    /// The current (or next) sentence starts a document.
    document_start: bool,
    /// Tokens of the current sentence that are document lines.
    document_lines: usize,
    options: Options,
    level: Level,
    /// At [`Level::Chars`]: the lines of the current documents, and where
    /// the last context window started (code point, byte), which only
    /// moves forward within a document since instances come sorted.
    doc_lines: (u64, u64),
    cursor: (u32, usize),
    /// Sentences whose sides have the same entities are counted by
    /// [`Analyzer::score_same`]; off only in the test that compares it
    /// with the general path.
    shortcut: bool,
}

/// Units recorded as sentences end.
struct Units {
    kind: Resample,
    counts: Vec<UnitCounts>,
    /// The first gold line of each unit (a breakdown).
    lines: Option<Vec<u64>>,
}

impl Units {
    fn new(kind: Resample, lines: bool) -> Units {
        Units {
            kind,
            counts: Vec::new(),
            lines: lines.then(Vec::new),
        }
    }

    /// A sentence with counts `c` ended; its first gold line is `line`.
    fn sentence(&mut self, c: UnitCounts, line: u64, document_start: bool) {
        let new = match self.kind {
            Resample::Sentences => true,
            Resample::Documents => document_start || self.counts.is_empty(),
        };
        if new {
            self.counts.push(c);
            if let Some(l) = &mut self.lines {
                l.push(line);
            }
        } else if let Some(last) = self.counts.last_mut() {
            last.add(c);
        }
    }
}

impl Analyzer {
    fn new(mode: &Mode, options: &Options) -> Analyzer {
        let mut labels = Labels {
            map: options.map.iter().cloned().collect(),
            ignore: options.ignore.clone(),
            ..Labels::default()
        };
        let decoding = match mode {
            Mode::Conlleval(o) => Decoding::Conlleval {
                options: o.clone(),
                gold: ChunkState::default(),
                pred: ChunkState::default(),
                types: RawTypes::new(&mut labels),
            },
            Mode::Strict(s) => {
                Decoding::Strict(Box::new((SideDecoder::new(*s), SideDecoder::new(*s))))
            }
        };
        Analyzer {
            decoding,
            labels,
            min_percent: options.min_overlap_percent,
            keep: options.instances,
            text: String::new(),
            has_text: false,
            tokens: Vec::new(),
            first_lines: (0, 0),
            lines: Vec::new(),
            gold: Vec::new(),
            pred: Vec::new(),
            edges: Vec::new(),
            chosen: Vec::new(),
            assigner: Assigner::default(),
            gold_used: Vec::new(),
            pred_used: Vec::new(),
            gold_class: Vec::new(),
            pred_class: Vec::new(),
            gold_deg: Vec::new(),
            pred_deg: Vec::new(),
            sentences: 0,
            n_tokens: 0,
            total: [SchemaCounts::default(); 4],
            types: Vec::new(),
            confusion: HashMap::new(),
            instances: Vec::new(),
            found: 0,
            units: options.units.map(|k| Units::new(k, false)),
            breakdown: options.breakdown.map(|k| Units::new(k, true)),
            document_start: false,
            document_lines: 0,
            options: options.clone(),
            level: Level::Tokens,
            doc_lines: (0, 0),
            cursor: (0, 0),
            shortcut: true,
        }
    }

    /// An analyzer of documents scored by character offsets
    /// ([`Analyzer::document`]).
    pub(crate) fn for_chars(options: &Options) -> Analyzer {
        Analyzer {
            level: Level::Chars,
            ..Analyzer::new(&Mode::default(), options)
        }
    }

    /// Analyses one document at [`Level::Chars`]: its text (the same on
    /// both sides), its length in code points, the entities of each side
    /// as (start, end, label) in code points, sorted by start and not
    /// overlapping within a side, and the lines of the document in the
    /// gold input and in the predictions.
    pub(crate) fn document<'a>(
        &mut self,
        text: &str,
        chars: u32,
        gold: impl Iterator<Item = (u32, u32, &'a str)>,
        pred: impl Iterator<Item = (u32, u32, &'a str)>,
        lines: (u64, u64),
    ) {
        self.text.clear();
        self.text.push_str(text);
        self.has_text = true;
        self.doc_lines = lines;
        self.cursor = (0, 0);
        self.sentences += 1;
        self.n_tokens += u64::from(chars);
        self.gold.clear();
        for (start, end, label) in gold {
            if let Some(label) = self.labels.intern(label) {
                self.gold.push(Ent { start, end, label });
            }
        }
        self.pred.clear();
        for (start, end, label) in pred {
            if let Some(label) = self.labels.intern(label) {
                self.pred.push(Ent { start, end, label });
            }
        }
        // Each document is a unit, whether sentences or documents are
        // resampled.
        self.document_start = true;
        self.score();
        self.text.clear();
    }

    /// The lines of token `k` of the sentence (see `first_lines`).
    fn token_lines(&self, k: usize) -> Option<(u64, u64)> {
        if k >= self.tokens.len() {
            None
        } else if self.lines.is_empty() {
            let (g, p) = self.first_lines;
            Some((g + k as u64, p + k as u64))
        } else {
            Some(self.lines[k])
        }
    }

    /// Records the lines of token `k` (before it is pushed).
    #[inline]
    fn push_lines(&mut self, k: usize, lines: (u64, u64)) {
        if k == 0 {
            self.first_lines = lines;
        } else if !self.lines.is_empty() {
            self.lines.push(lines);
        } else if lines != (self.first_lines.0 + k as u64, self.first_lines.1 + k as u64) {
            let (g, p) = self.first_lines;
            self.lines.extend((0..k as u64).map(|i| (g + i, p + i)));
            self.lines.push(lines);
        }
    }

    fn type_counters(&mut self, label: u32) -> &mut TypeCounters {
        let i = label as usize;
        if self.types.len() <= i {
            self.types.resize(i + 1, TypeCounters::default());
        }
        &mut self.types[i]
    }

    /// Ends the decoding of both sides of the current sentence: its
    /// entities are then in `self.gold` and `self.pred`.
    fn decode(&mut self) {
        let (gold, pred, labels) = (&mut self.gold, &mut self.pred, &mut self.labels);
        let mut push = |out: &mut Vec<Ent>, s: u32, e: u32, label: &str| {
            if let Some(label) = labels.intern(label) {
                out.push(Ent {
                    start: s,
                    end: e,
                    label,
                });
            }
        };
        match &mut self.decoding {
            Decoding::Conlleval {
                gold: g,
                pred: p,
                types,
                ..
            } => {
                // The chunks closed before the sentence end are in already.
                if let Some(c) = g.finish() {
                    push_chunk(gold, types, c);
                }
                if let Some(c) = p.finish() {
                    push_chunk(pred, types, c);
                }
            }
            Decoding::Strict(d) => {
                d.0.finish(|s, e, l| push(gold, s, e, l));
                d.1.finish(|s, e, l| push(pred, s, e, l));
            }
        }
    }

    fn sentence(&mut self) {
        self.sentences += 1;
        self.n_tokens += self.tokens.len() as u64;
        self.decode();
        self.score();
        self.gold.clear();
        self.pred.clear();
    }

    /// Counts the entities in `self.gold` and `self.pred`: schemas,
    /// taxonomy, confusion and instances.
    fn score(&mut self) {
        let (ng, np) = (self.gold.len(), self.pred.len());
        let correct_before = self.total[Schema::Strict.index()].cor;
        // Most sentences are predicted without an error: every entity is
        // then correct in every schema and class, with no instance, and
        // the overlaps, assignments and taxonomy are skipped (they were
        // most of the analysis' per-sentence work). Entities of a side do
        // not overlap, so equal lists pair each entity with its copy only;
        // an empty entity (which overlaps nothing) takes the general path.
        let same =
            self.shortcut && self.gold == self.pred && self.gold.iter().all(|e| e.start < e.end);
        if same {
            self.score_same();
        } else {
            self.score_schemas();
        }

        // A sentence of document lines only (conlleval's layout scores
        // them as tokens) is no unit: the units are those of the same
        // data in two files, where a document line is no token.
        let content = self.level == Level::Chars || self.tokens.len() > self.document_lines;
        if content && (self.units.is_some() || self.breakdown.is_some()) {
            let c = UnitCounts::new(
                clamp(self.total[Schema::Strict.index()].cor - correct_before),
                clamp(ng as u64),
                clamp(np as u64),
            );
            let line = match self.level {
                Level::Chars => self.doc_lines.0,
                _ => self.token_lines(0).map_or(0, |l| l.0),
            };
            let start = std::mem::take(&mut self.document_start);
            for u in [&mut self.units, &mut self.breakdown].into_iter().flatten() {
                u.sentence(c, line, start);
            }
        }

        if !same {
            self.taxonomy();
        }
    }

    /// The counts of [`Analyzer::score_schemas`] and
    /// [`Analyzer::taxonomy`] when both sides have the same entities:
    /// each is a correct pair in every schema and correct in its class.
    fn score_same(&mut self) {
        let n = self.gold.len() as u64;
        for t in &mut self.total {
            t.cor += n;
        }
        let correct = ErrorClass::Correct.index();
        for k in 0..self.gold.len() {
            let label = self.gold[k].label;
            let t = self.type_counters(label);
            for c in &mut t.schemas {
                c.cor += 1;
            }
            t.gold.0[correct] += 1;
            t.pred.0[correct] += 1;
            // The confusion matrix's diagonal, added in at the end: a
            // hash lookup per entity.
            t.same += 1;
        }
    }

    /// The four schemas of [`matching`] and the confusion matrix.
    fn score_schemas(&mut self) {
        let (ng, np) = (self.gold.len(), self.pred.len());
        matching::overlaps(&self.gold, &self.pred, self.min_percent, &mut self.edges);
        for schema in Schema::ALL {
            self.assigner.assign(schema, &self.edges, &mut self.chosen);
            self.gold_used.clear();
            self.gold_used.resize(ng, false);
            self.pred_used.clear();
            self.pred_used.resize(np, false);
            let s = schema.index();
            for k in 0..self.chosen.len() {
                let e = self.edges[self.chosen[k] as usize];
                self.gold_used[e.g as usize] = true;
                self.pred_used[e.p as usize] = true;
                let gl = self.gold[e.g as usize].label;
                let c = if matching::correct(schema, &e) {
                    0
                } else if schema == Schema::Partial {
                    2
                } else {
                    1
                };
                let bump = |counts: &mut SchemaCounts| match c {
                    0 => counts.cor += 1,
                    1 => counts.inc += 1,
                    _ => counts.par += 1,
                };
                bump(&mut self.total[s]);
                bump(&mut self.type_counters(gl).schemas[s]);
                if schema == Schema::Strict {
                    let pl = self.pred[e.p as usize].label;
                    *self.confusion.entry((gl, pl)).or_default() += 1;
                }
            }
            for i in 0..ng {
                if !self.gold_used[i] {
                    let gl = self.gold[i].label;
                    self.total[s].mis += 1;
                    self.type_counters(gl).schemas[s].mis += 1;
                    if schema == Schema::Strict {
                        *self.confusion.entry((gl, NONE)).or_default() += 1;
                    }
                }
            }
            for j in 0..np {
                if !self.pred_used[j] {
                    let pl = self.pred[j].label;
                    self.total[s].spu += 1;
                    self.type_counters(pl).schemas[s].spu += 1;
                    if schema == Schema::Strict {
                        *self.confusion.entry((NONE, pl)).or_default() += 1;
                    }
                }
            }
        }
    }

    /// The taxonomy and the instances, after [`Analyzer::score_schemas`].
    fn taxonomy(&mut self) {
        let (ng, np) = (self.gold.len(), self.pred.len());
        // The taxonomy: how many entities of the other side each overlaps
        // (the edges are every overlap, whatever the minimum).
        self.gold_deg.clear();
        self.gold_deg.resize(ng, (0, 0));
        self.pred_deg.clear();
        self.pred_deg.resize(np, (0, 0));
        for (k, e) in self.edges.iter().enumerate() {
            let g = &mut self.gold_deg[e.g as usize];
            *g = (g.0 + 1, k as u32);
            let p = &mut self.pred_deg[e.p as usize];
            *p = (p.0 + 1, k as u32);
        }
        self.gold_class.clear();
        for i in 0..ng {
            let (deg, edge) = self.gold_deg[i];
            let class = match deg {
                0 => ErrorClass::Missed,
                1 => {
                    let e = self.edges[edge as usize];
                    if self.pred_deg[e.p as usize].0 > 1 {
                        ErrorClass::Merged
                    } else {
                        self.lone_pair(&e)
                    }
                }
                _ => ErrorClass::Split,
            };
            self.gold_class.push(class);
            let gl = self.gold[i].label;
            self.type_counters(gl).gold.0[class.index()] += 1;
        }
        self.pred_class.clear();
        for j in 0..np {
            let (deg, edge) = self.pred_deg[j];
            let class = match deg {
                0 => ErrorClass::Spurious,
                1 => {
                    let e = self.edges[edge as usize];
                    if self.gold_deg[e.g as usize].0 > 1 {
                        ErrorClass::Split
                    } else {
                        self.lone_pair(&e)
                    }
                }
                _ => ErrorClass::Merged,
            };
            self.pred_class.push(class);
            let pl = self.pred[j].label;
            self.type_counters(pl).pred.0[class.index()] += 1;
        }
        self.collect_instances();
    }

    fn lone_pair(&self, e: &Edge) -> ErrorClass {
        let g = self.gold[e.g as usize];
        let p = self.pred[e.p as usize];
        taxonomy::pair_class((g.start, g.end), (p.start, p.end), e.same_type)
    }

    /// Counts the error instances of the sentence and keeps the first
    /// ones.
    fn collect_instances(&mut self) {
        // A group is an instance when one of its entities is not correct:
        // most sentences have none, and need no groups.
        let correct = |c: &ErrorClass| *c == ErrorClass::Correct;
        if self.gold_class.iter().all(correct) && self.pred_class.iter().all(correct) {
            return;
        }
        // Groups of overlapping entities: (gold indices, predicted
        // indices). The edges are sorted, so a group is a run of edges
        // each sharing an entity with the one before.
        let mut groups: Vec<(Vec<u32>, Vec<u32>)> = Vec::new();
        let mut prev: Option<Edge> = None;
        for e in &self.edges {
            let joins = matches!(prev, Some(p) if p.g == e.g || p.p == e.p);
            if !joins {
                groups.push((Vec::new(), Vec::new()));
            }
            let g = groups.last_mut().expect("a group");
            if g.0.last() != Some(&e.g) {
                g.0.push(e.g);
            }
            if !g.1.contains(&e.p) {
                g.1.push(e.p);
            }
            prev = Some(*e);
        }
        for (i, c) in self.gold_class.iter().enumerate() {
            if *c == ErrorClass::Missed {
                groups.push((vec![i as u32], Vec::new()));
            }
        }
        for (j, c) in self.pred_class.iter().enumerate() {
            if *c == ErrorClass::Spurious {
                groups.push((Vec::new(), vec![j as u32]));
            }
        }
        let start = |g: &(Vec<u32>, Vec<u32>), gold: &[Ent], pred: &[Ent]| {
            let a = g.0.iter().map(|&i| gold[i as usize].start);
            let b = g.1.iter().map(|&j| pred[j as usize].start);
            a.chain(b).min().unwrap_or(0)
        };
        groups.sort_by_key(|g| start(g, &self.gold, &self.pred));
        for g in groups {
            let all_correct =
                g.0.iter()
                    .all(|&i| self.gold_class[i as usize] == ErrorClass::Correct)
                    && g.1
                        .iter()
                        .all(|&j| self.pred_class[j as usize] == ErrorClass::Correct);
            if all_correct {
                continue;
            }
            self.found += 1;
            if self.instances.len() >= self.keep {
                continue;
            }
            let instance = self.instance(&g.0, &g.1);
            self.instances.push(instance);
        }
    }

    fn instance(&mut self, golds: &[u32], preds: &[u32]) -> Instance {
        let entity = |e: &Ent, class: ErrorClass| InstanceEntity {
            label: self.labels.names[e.label as usize].clone(),
            start: e.start,
            end: e.end,
            class: class.name(),
        };
        let gold: Vec<InstanceEntity> = golds
            .iter()
            .map(|&i| entity(&self.gold[i as usize], self.gold_class[i as usize]))
            .collect();
        let pred: Vec<InstanceEntity> = preds
            .iter()
            .map(|&j| entity(&self.pred[j as usize], self.pred_class[j as usize]))
            .collect();
        let class = match (gold.len(), pred.len()) {
            (0, _) | (1, 1) => pred[0].class.to_owned(),
            (_, 0) => gold[0].class.to_owned(),
            (1, _) => ErrorClass::Split.name().to_owned(),
            (_, 1) => ErrorClass::Merged.name().to_owned(),
            _ => "split+merged".to_owned(),
        };
        let first = gold.iter().chain(&pred).map(|e| e.start).min().unwrap_or(0);
        let last = gold.iter().chain(&pred).map(|e| e.end).max().unwrap_or(0);
        if self.level == Level::Chars {
            let (from, context) = self.char_window(first, last);
            let (gold_line, pred_line) = self.doc_lines;
            return Instance {
                class,
                sentence: self.sentences,
                gold_line,
                pred_line,
                gold,
                pred,
                context_start: from,
                context: vec![context],
            };
        }
        let n = self.tokens.len() as u32;
        let (from, to) = (first.saturating_sub(CONTEXT), (last + CONTEXT).min(n));
        let context = (from..to)
            .map(|k| {
                if self.has_text {
                    let (a, b) = self.tokens[k as usize];
                    self.text[a as usize..b as usize].to_owned()
                } else {
                    "_".to_owned()
                }
            })
            .collect();
        let (gold_line, pred_line) = self.token_lines(first as usize).unwrap_or((0, 0));
        Instance {
            class,
            sentence: self.sentences,
            gold_line,
            pred_line,
            gold,
            pred,
            context_start: from,
            context,
        }
    }

    /// The text from [`CHAR_CONTEXT`] code points before `first` to as
    /// many after `last`, and where it starts (a code point).
    fn char_window(&mut self, first: u32, last: u32) -> (u32, String) {
        let from = first.saturating_sub(CHAR_CONTEXT);
        let to = last.saturating_add(CHAR_CONTEXT);
        let (mut at, mut byte) = self.cursor;
        if at > from {
            (at, byte) = (0, 0);
        }
        let text = &self.text;
        byte = text[byte..]
            .char_indices()
            .nth((from - at) as usize)
            .map_or(text.len(), |(b, _)| byte + b);
        at = from;
        self.cursor = (at, byte);
        let end = text[byte..]
            .char_indices()
            .nth((to - at) as usize)
            .map_or(text.len(), |(b, _)| byte + b);
        (at, text[byte..end].to_owned())
    }

    pub(crate) fn finish(mut self) -> Analysis {
        self.boundary();
        for (i, t) in self.types.iter().enumerate() {
            if t.same > 0 {
                *self.confusion.entry((i as u32, i as u32)).or_default() += t.same;
            }
        }
        let name = |i: u32| -> Option<String> {
            (i != NONE).then(|| self.labels.names[i as usize].clone())
        };
        let mut counts = AnalysisCounts {
            sentences: self.sentences,
            tokens: self.n_tokens,
            instances: self.found,
            ..AnalysisCounts::default()
        };
        for (s, table) in counts.schemas.iter_mut().enumerate() {
            table.total = self.total[s];
        }
        for (i, t) in self.types.iter().enumerate() {
            let label = self.labels.names[i].clone();
            let touched = t.gold.total() + t.pred.total() > 0
                || t.schemas.iter().any(|c| *c != SchemaCounts::default());
            if !touched {
                continue;
            }
            counts.gold += t.gold.total();
            counts.pred += t.pred.total();
            for (s, table) in counts.schemas.iter_mut().enumerate() {
                table.types.insert(label.clone(), t.schemas[s]);
            }
            counts.classes.insert(
                label,
                SideClasses {
                    gold: t.gold,
                    pred: t.pred,
                },
            );
        }
        let mut cells: Vec<Cell> = self
            .confusion
            .iter()
            .map(|(&(g, p), &count)| Cell {
                gold: name(g),
                pred: name(p),
                count,
            })
            .collect();
        cells.sort();
        counts.confusion = cells;
        let breakdown = match self.breakdown {
            Some(u) => {
                let lines = u.lines.unwrap_or_default();
                lines
                    .into_iter()
                    .zip(u.counts)
                    .map(|(line, counts)| UnitRow { line, counts })
                    .collect()
            }
            None => Vec::new(),
        };
        Analysis {
            counts,
            instances: self.instances,
            min_overlap_percent: self.options.min_overlap_percent,
            map: self.options.map,
            ignore: self.options.ignore,
            units: self.units.map(|u| u.counts).unwrap_or_default(),
            breakdown,
            breakdown_unit: self.options.breakdown,
            bootstrap: None,
            level: self.level,
        }
    }
}

impl Observer for Analyzer {
    const ACTIVE: bool = true;

    fn token(&mut self, text: Option<&str>, gold: &str, pred: &str, lines: (u64, u64)) {
        self.push_lines(self.tokens.len(), lines);
        let at = self.text.len() as u32;
        if let Some(t) = text {
            self.text.push_str(t);
            self.has_text = true;
        }
        self.tokens.push((at, self.text.len() as u32));
        match &mut self.decoding {
            Decoding::Conlleval {
                options,
                gold: g,
                pred: p,
                types,
            } => {
                let labels = &mut self.labels;
                side_token(options, types, labels, g, gold, &mut self.gold);
                side_token(options, types, labels, p, pred, &mut self.pred);
            }
            Decoding::Strict(d) => {
                // The scorer has accepted both tags.
                let _ = d.0.push(gold);
                let _ = d.1.push(pred);
            }
        }
    }

    fn starts_document(&mut self) {
        self.document_start = true;
    }

    fn document_line(&mut self) {
        self.document_start = true;
        self.document_lines += 1;
    }

    fn boundary(&mut self) {
        if self.tokens.is_empty() {
            return;
        }
        self.sentence();
        self.document_lines = 0;
        self.text.clear();
        self.has_text = false;
        self.tokens.clear();
        self.lines.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::TagScheme;
    use proptest::prelude::*;

    /// Lines with a token column, and lines of gold and predicted tag
    /// only: a file is made of one kind (the column count is fixed).
    const THREE: &[&str] = &[
        "a O O\n",
        "tok B-PER B-PER\n",
        "x I-PER I-LOC\n",
        "y\tB-LOC\tO\n",
        "  z  I-LOC   I-LOC  \n",
        "w B-PER O\r\n",
        "v O B-PER\n",
        "u B-LOC B-LOC\n",
        "\n",
        "  \t \n",
        "\r\n",
        "-X- O O\n",
        "-X-a O I-PER\n",
        "é O B-0\n",
        "-DOCSTART- O O\n",
        "-DOCSTART-x O O\n",
    ];
    const TWO: &[&str] = &[
        "O O\n",
        "B-PER B-PER\n",
        "I-PER I-LOC\n",
        "B-LOC\tO\n",
        "O B-PER\r\n",
        "I-LOC I-LOC\n",
        "\n",
        "-X- O\n",
    ];

    /// The analysis through the general line loop only.
    fn general(e: &Evaluator, text: &str, o: &Options) -> Result<(Evaluation, Analysis)> {
        let mut a = Analyzer::new(e.mode(), o);
        let ev = super::super::evaluate_lines::<_, _, false>(
            text.as_bytes(),
            Path::new("t"),
            e,
            &mut a,
        )?;
        Ok((ev, a.finish()))
    }

    /// Tags of a sentence for [`the_same_entities_shortcut_counts_as_the_general_path`]:
    /// mostly the same on both sides, as in real predictions.
    const TAGS: &[&str] = &[
        "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "I-ORG", "B", "B-0",
    ];

    proptest! {
        /// Sentences with the same entities on both sides, counted without
        /// overlaps and taxonomy, count as the general path counts them:
        /// every count, unit and instance, whatever the renamings,
        /// ignored types and minimum overlap.
        #[test]
        fn the_same_entities_shortcut_counts_as_the_general_path(
            rows in prop::collection::vec((0usize..TAGS.len(), 0usize..TAGS.len(), 0u8..4), 0..120),
            strict in any::<bool>(),
            map in any::<bool>(),
            ignore in any::<bool>(),
        ) {
            // A row: gold tag, a predicted tag that is the gold one three
            // times in four, and a sentence end now and then.
            let mut text = String::new();
            for (k, &(g, p, r)) in rows.iter().enumerate() {
                let gold = TAGS[g];
                let pred = if r == 0 { TAGS[p] } else { gold };
                text.push_str(&format!("w{k} {gold} {pred}\n"));
                if p == 0 && r == 1 {
                    text.push('\n');
                }
            }
            let mut o = Options::default()
                .instances(1000)
                .min_overlap(0.5)
                .units(crate::eval::significance::Resample::Sentences)
                .breakdown(crate::eval::significance::Resample::Documents);
            if map {
                o = o.map("LOC", "PER");
            }
            if ignore {
                o = o.ignore("ORG");
            }
            let mode = if strict { Mode::Strict(TagScheme::Iob2) } else { Mode::default() };
            let e = Evaluator::new(mode);
            let run = |shortcut: bool| {
                let mut a = Analyzer::new(e.mode(), &o);
                a.shortcut = shortcut;
                let ev = super::super::evaluate_file(text.as_bytes(), "t", &e, &mut a);
                ev.map(|ev| (ev, a.finish())).map_err(|e| e.to_string())
            };
            let (fast, general) = (run(true), run(false));
            prop_assert_eq!(&fast, &general);
            // Not a vacuous comparison: most cases have entities.
            if let Ok((_, a)) = &fast {
                prop_assume!(a.counts.gold > 0);
            }
        }

        /// The fast line scan shows the analysis what the general loop
        /// shows it: the same counts and the same instances, token texts
        /// and lines included.
        #[test]
        fn the_fast_scan_analyses_as_the_general_loop(
            three in any::<bool>(),
            picks in prop::collection::vec(0usize..100, 0..80)
        ) {
            let pieces = if three { THREE } else { TWO };
            let text: String = picks.iter().map(|&k| pieces[k % pieces.len()]).collect();
            // Document units: where documents start is seen alike too.
            let o = Options::default()
                .instances(1000)
                .units(crate::eval::significance::Resample::Documents);
            for mode in [Mode::default(), Mode::Strict(TagScheme::Iob2)] {
                let e = Evaluator::new(mode);
                let fast = analyze_file(&e, text.as_bytes(), "t", &o);
                match (fast, general(&e, &text, &o)) {
                    (Ok(f), Ok(g)) => {
                        prop_assert_eq!(f.0, g.0);
                        prop_assert_eq!(f.1, g.1);
                    }
                    (Err(f), Err(g)) => prop_assert_eq!(f.to_string(), g.to_string()),
                    (f, g) => prop_assert!(false, "{:?} against {:?}", f.err(), g.err()),
                }
            }
        }
    }
}
