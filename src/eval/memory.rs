//! Scoring tag sequences held in memory, with seqeval 1.2.2's rules.
//!
//! The file-based [`Evaluator`](super::Evaluator) reads tags from text; a
//! training loop holds them as lists of strings. This module scores such
//! lists without going through files, and is what the Python package's
//! `nerkit.metrics` (a drop-in for `seqeval.metrics`) calls.
//!
//! Tags are interned once into a [`TagTable`] (a list of a million tags
//! has a few dozen distinct strings), and each distinct tag is parsed once
//! under both rule sets; scoring then runs over `u32` ids and does not
//! allocate per token.
//!
//! # Rules
//!
//! * [`SeqevalMode::Default`] is seqeval's default mode
//!   (`seqeval.metrics.sequence_labeling.get_entities`), ported rule for
//!   rule: sentences are joined with an `O` between them and after the
//!   last; the prefix is the first character of a tag (the last with
//!   `suffix`), the type the text after the first hyphen that follows it
//!   (before the last hyphen with `suffix`), or `_` when that is empty. It
//!   is not conlleval's chunking ([`super::conlleval`]): seqeval ends a
//!   chunk after every `E` and `S` and before every `S`, and reads `PER` as
//!   prefix `P` with type `ER`.
//! * [`SeqevalMode::Strict`] is seqeval's strict mode (`seqeval.scheme`)
//!   for IOB2, IOE2, IOBES and BILOU: the same start, inside and end
//!   patterns, the type being the text after the prefix letter with
//!   hyphens stripped. seqeval's IOB1 and IOE1 patterns lose entities
//!   (gold `B-PER I-PER O` scored against itself finds only `I-PER`), and
//!   it has no IO; for these three nerkit reads a chunk as a maximal run of
//!   one type, split before a `B-` (IOB1) or after an `E-` (IOE1), as
//!   [`super::strict`] does. A chunk seqeval drops without a word is
//!   dropped here too but counted in [`Counts::ill_formed_gold`] and
//!   [`Counts::ill_formed_pred`] (the "lines" there are 1-based sentence
//!   numbers).
//! * Where seqeval crashes (an empty tag string, a prefix letter it does
//!   not know), [`score`] returns a [`TagError`] naming the side, the
//!   sentence and the token.
//!
//! # Example
//!
//! ```
//! use nerkit::eval::memory::{score, SeqevalMode, TagTable};
//!
//! let mut table = TagTable::new(false);
//! let mut ids = |tags: &[&str]| tags.iter().map(|t| table.intern(t)).collect::<Vec<u32>>();
//! let gold = ids(&["B-PER", "I-PER", "O", "B-LOC"]);
//! let pred = ids(&["B-PER", "I-PER", "O", "O"]);
//! let counts = score(&table, SeqevalMode::Default, (&gold, &[4]), (&pred, &[4])).unwrap();
//! assert_eq!((counts.total.gold, counts.total.pred, counts.total.correct), (2, 1, 1));
//! assert_eq!(counts.types["LOC"].gold, 1);
//! ```

use std::collections::HashMap;
use std::fmt;

use super::counts::{Counts, IllFormedSide, TypeCounts};
use super::seqeval_patterns::{self, Cond, Pattern, PB, PE, PI, PL, PO, PS, PU};
use super::strict::Side;
use crate::scheme::TagScheme;

/// Which rules [`score`] applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqevalMode {
    /// seqeval's default mode (`mode=None`): conlleval-like chunking over
    /// all sentences joined.
    Default,
    /// seqeval's strict mode with a scheme (nerkit's reading for IO, IOB1
    /// and IOE1).
    Strict(TagScheme),
}

/// The prefix class of seqeval's default mode: the letters its rules name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum D {
    O,
    Dot,
    B,
    I,
    E,
    S,
    Other,
}

/// One distinct tag string, parsed once for both modes.
#[derive(Clone, Debug)]
struct TagInfo {
    /// Default mode: prefix class and type id.
    class: D,
    dtype: u32,
    /// Strict mode: prefix letter bit (0 when the letter is not one of
    /// `IOBESUL`) and type id.
    letter: u8,
    stype: u32,
    /// The tag is exactly `O` (`performance_measure`'s outside test).
    outside: bool,
    /// The tag is the empty string, which seqeval cannot read.
    empty: bool,
    /// seqeval's default mode warns "seems not to be NE tag" for it.
    not_ne: bool,
}

/// Distinct tag strings and entity types, each with a dense id.
///
/// One table serves gold and predictions (ids are compared across sides)
/// and may be reused across calls with the same `suffix`.
#[derive(Clone, Debug)]
pub struct TagTable {
    suffix: bool,
    ids: HashMap<Box<str>, u32>,
    texts: Vec<Box<str>>,
    infos: Vec<TagInfo>,
    type_ids: HashMap<Box<str>, u32>,
    type_names: Vec<Box<str>>,
    /// The tag `O` that joins sentences in default mode and ends every
    /// sentence in strict mode.
    sentinel: TagInfo,
}

impl TagTable {
    /// An empty table. With `suffix`, prefixes are read at the end of a tag
    /// (`PER-B`), as seqeval's `suffix=True`.
    pub fn new(suffix: bool) -> TagTable {
        let mut table = TagTable {
            suffix,
            ids: HashMap::new(),
            texts: Vec::new(),
            infos: Vec::new(),
            type_ids: HashMap::new(),
            type_names: Vec::new(),
            sentinel: TagInfo {
                class: D::O,
                dtype: 0,
                letter: PO,
                stype: 0,
                outside: true,
                empty: false,
                not_ne: false,
            },
        };
        table.sentinel = table.parse("O");
        table
    }

    /// Whether prefixes are read at the end of tags.
    pub fn suffix(&self) -> bool {
        self.suffix
    }

    /// The id of `tag`, added when it is new.
    #[inline]
    pub fn intern(&mut self, tag: &str) -> u32 {
        if let Some(&id) = self.ids.get(tag) {
            return id;
        }
        self.add(tag)
    }

    #[cold]
    fn add(&mut self, tag: &str) -> u32 {
        let info = self.parse(tag);
        let id = self.texts.len() as u32;
        self.ids.insert(tag.into(), id);
        self.texts.push(tag.into());
        self.infos.push(info);
        id
    }

    /// The text of the tag with id `id`.
    ///
    /// # Panics
    /// When `id` was not returned by [`TagTable::intern`] on this table.
    pub fn text(&self, id: u32) -> &str {
        &self.texts[id as usize]
    }

    /// How many distinct tags the table holds.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// Whether the table holds no tag.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// The distinct tags that seqeval's default mode warns about ("seems
    /// not to be NE tag"): neither a bare `O B I E S` nor prefixed by
    /// `B- I- E- S-` (suffixed by `-B -I -E -S` with `suffix`).
    pub fn not_ne_tags(&self) -> impl Iterator<Item = &str> {
        self.infos
            .iter()
            .zip(&self.texts)
            .filter(|(i, _)| i.not_ne)
            .map(|(_, t)| &**t)
    }

    fn type_id(&mut self, name: &str) -> u32 {
        let name = if name.is_empty() { "_" } else { name };
        if let Some(&id) = self.type_ids.get(name) {
            return id;
        }
        let id = self.type_names.len() as u32;
        self.type_ids.insert(name.into(), id);
        self.type_names.push(name.into());
        id
    }

    fn parse(&mut self, tag: &str) -> TagInfo {
        let bytes = tag.as_bytes();
        // The prefix character (first, or last with `suffix`) and the rest.
        let (pch, rest) = if self.suffix {
            match tag.char_indices().next_back() {
                Some((at, _)) => (bytes.get(at).copied(), &tag[..at]),
                None => (None, ""),
            }
        } else {
            match tag.chars().next() {
                Some(c) => (bytes.first().copied(), &tag[c.len_utf8()..]),
                None => (None, ""),
            }
        };
        // A non-ASCII character's bytes are all >= 0x80, so they never
        // match the ASCII letters below.
        let class = match pch {
            Some(b'O') => D::O,
            Some(b'.') => D::Dot,
            Some(b'B') => D::B,
            Some(b'I') => D::I,
            Some(b'E') => D::E,
            Some(b'S') => D::S,
            _ => D::Other,
        };
        let letter = match pch {
            Some(b'O') => PO,
            Some(b'B') => PB,
            Some(b'I') => PI,
            Some(b'E') => PE,
            Some(b'S') => PS,
            Some(b'U') => PU,
            Some(b'L') => PL,
            _ => 0,
        };
        // seqeval: `chunk[1:].split('-', maxsplit=1)[-1] or '_'`, or with
        // suffix `chunk[:-1].rsplit('-', maxsplit=1)[0] or '_'`.
        let dtype_name = if self.suffix {
            rest.rsplit_once('-').map_or(rest, |(a, _)| a)
        } else {
            rest.split_once('-').map_or(rest, |(_, b)| b)
        };
        // seqeval strict: `token[1:].strip('-') or '_'` (`[:-1]` with suffix).
        let stype_name = rest.trim_matches('-');
        let not_ne = !matches!(tag, "O" | "B" | "I" | "E" | "S")
            && !(if self.suffix {
                ["-B", "-I", "-E", "-S"].iter().any(|s| tag.ends_with(s))
            } else {
                ["B-", "I-", "E-", "S-"].iter().any(|s| tag.starts_with(s))
            });
        TagInfo {
            class,
            dtype: self.type_id(dtype_name),
            letter,
            stype: self.type_id(stype_name),
            outside: tag == "O",
            empty: tag.is_empty(),
            not_ne,
        }
    }
}

/// A tag [`score`] cannot read: where it is and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagError {
    /// Gold or predictions.
    pub side: Side,
    /// The sentence, from 0.
    pub sentence: usize,
    /// The token within the sentence, from 0.
    pub token: usize,
    /// The tag as written.
    pub tag: String,
    /// What is wrong, in a sentence.
    pub reason: String,
}

impl fmt::Display for TagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = match self.side {
            Side::Gold => "y_true",
            Side::Pred => "y_pred",
        };
        write!(
            f,
            "{side}[{}][{}]: tag {:?}: {}",
            self.sentence, self.token, self.tag, self.reason
        )
    }
}

impl std::error::Error for TagError {}

/// Tags of one side: ids from a [`TagTable`], and the length of each
/// sentence (the ids of all sentences are concatenated).
pub type Tags<'a> = (&'a [u32], &'a [u32]);

/// Scores predictions against gold, both held in memory.
///
/// `gold` and `pred` must have the same sentence lengths (the caller checks
/// this, to word its own message); tokens beyond the shorter side are not
/// scored. The result's `types` holds every type found on either side,
/// sorted by name, as seqeval's `target_names`.
///
/// # Errors
/// An empty tag (either mode), and in strict mode a tag whose prefix is not
/// a letter of the scheme.
pub fn score(
    table: &TagTable,
    mode: SeqevalMode,
    gold: Tags<'_>,
    pred: Tags<'_>,
) -> Result<Counts, TagError> {
    check_empty(table, gold, Side::Gold)?;
    check_empty(table, pred, Side::Pred)?;
    let mut acc = Acc::new(table);
    match mode {
        SeqevalMode::Default => score_default(table, gold, pred, &mut acc),
        SeqevalMode::Strict(scheme) => score_strict(table, scheme, gold, pred, &mut acc)?,
    }
    Ok(acc.finish(table, gold, pred))
}

fn check_empty(table: &TagTable, (ids, lens): Tags<'_>, side: Side) -> Result<(), TagError> {
    if !table.infos.iter().any(|i| i.empty) {
        return Ok(());
    }
    let mut at = 0;
    for (s, &n) in lens.iter().enumerate() {
        let sentence = &ids[at.min(ids.len())..(at + n as usize).min(ids.len())];
        if let Some(t) = sentence
            .iter()
            .position(|&id| table.infos[id as usize].empty)
        {
            return Err(TagError {
                side,
                sentence: s,
                token: t,
                tag: String::new(),
                reason: "an empty tag has no prefix (write O for outside)".into(),
            });
        }
        at += n as usize;
    }
    Ok(())
}

/// Counters by type id while scoring.
struct Acc {
    types: Vec<TypeCounts>,
    counts: Counts,
}

impl Acc {
    fn new(table: &TagTable) -> Acc {
        Acc {
            types: vec![TypeCounts::default(); table.type_names.len()],
            counts: Counts::default(),
        }
    }

    fn finish(mut self, table: &TagTable, gold: Tags<'_>, pred: Tags<'_>) -> Counts {
        let n = gold.0.len().min(pred.0.len());
        self.counts.tokens = n as u64;
        self.counts.correct_tags = gold.0[..n]
            .iter()
            .zip(&pred.0[..n])
            .filter(|(g, p)| g == p)
            .count() as u64;
        self.counts.sentences = gold.1.len() as u64;
        for (i, c) in self.types.iter().enumerate() {
            if c.gold > 0 || c.pred > 0 {
                self.counts
                    .types
                    .insert(table.type_names[i].to_string(), *c);
                self.counts.total.gold += c.gold;
                self.counts.total.pred += c.pred;
                self.counts.total.correct += c.correct;
            }
        }
        self.counts
    }
}

/// seqeval's `end_of_chunk`.
#[inline]
fn ends(prev: D, cur: D, prev_type: u32, cur_type: u32) -> bool {
    matches!(prev, D::E | D::S)
        || matches!(
            (prev, cur),
            (D::B, D::B | D::S | D::O) | (D::I, D::B | D::S | D::O)
        )
        || (!matches!(prev, D::O | D::Dot) && prev_type != cur_type)
}

/// seqeval's `start_of_chunk`.
#[inline]
fn starts(prev: D, cur: D, prev_type: u32, cur_type: u32) -> bool {
    matches!(cur, D::B | D::S)
        || matches!((prev, cur), (D::E | D::S | D::O, D::E | D::I))
        || (!matches!(cur, D::O | D::Dot) && prev_type != cur_type)
}

/// One side of seqeval's `get_entities` loop.
struct Chunker {
    prev: D,
    prev_type: u32,
    begin: u64,
}

/// The type before the first tag: seqeval's `prev_type = ''`, which no tag
/// has (an empty type is `_`).
const NO_TYPE: u32 = u32::MAX;

impl Chunker {
    fn new() -> Chunker {
        Chunker {
            prev: D::O,
            prev_type: NO_TYPE,
            begin: 0,
        }
    }

    /// Feeds the tag at position `i`; returns the chunk (type, begin) that
    /// ended at `i - 1`, if any.
    #[inline]
    fn step(&mut self, i: u64, class: D, ty: u32) -> Option<(u32, u64)> {
        let ended =
            ends(self.prev, class, self.prev_type, ty).then_some((self.prev_type, self.begin));
        if starts(self.prev, class, self.prev_type, ty) {
            self.begin = i;
        }
        self.prev = class;
        self.prev_type = ty;
        ended
    }
}

fn score_default(table: &TagTable, gold: Tags<'_>, pred: Tags<'_>, acc: &mut Acc) {
    let (mut g, mut p) = (Chunker::new(), Chunker::new());
    let infos = &table.infos;
    let sep = &table.sentinel;
    let mut i: u64 = 0;
    let mut at = 0usize;
    let mut feed = |i: u64, gi: &TagInfo, pi: &TagInfo, acc: &mut Acc| {
        let ge = g.step(i, gi.class, gi.dtype);
        let pe = p.step(i, pi.class, pi.dtype);
        if let Some((t, _)) = ge {
            acc.types[t as usize].gold += 1;
        }
        if let Some((t, _)) = pe {
            acc.types[t as usize].pred += 1;
        }
        if let (Some(a), Some(b)) = (ge, pe) {
            if a == b {
                acc.types[a.0 as usize].correct += 1;
            }
        }
    };
    let n = gold.0.len().min(pred.0.len());
    for &len in gold.1 {
        let end = (at + len as usize).min(n);
        for k in at..end {
            feed(
                i,
                &infos[gold.0[k] as usize],
                &infos[pred.0[k] as usize],
                acc,
            );
            i += 1;
        }
        at = end;
        // The `O` seqeval appends to every sentence when it joins them.
        feed(i, sep, sep, acc);
        i += 1;
    }
    // The `O` get_entities appends to the whole sequence.
    feed(i, sep, sep, acc);
}

/// A tag as strict mode sees it.
#[derive(Clone, Copy)]
struct St {
    letter: u8,
    ty: u32,
}

#[inline]
fn matches(patterns: &[Pattern], prev: St, cur: St) -> bool {
    patterns.iter().any(|&(pp, cp, cond)| {
        prev.letter & pp != 0
            && cur.letter & cp != 0
            && match cond {
                Cond::Any => true,
                Cond::Same => prev.ty == cur.ty,
                Cond::Diff => prev.ty != cur.ty,
            }
    })
}

fn allowed_letters(scheme: TagScheme) -> (u8, &'static str) {
    match scheme {
        TagScheme::Io => (PI | PO, "I, O"),
        TagScheme::Iob1 | TagScheme::Iob2 => (PB | PI | PO, "B, I, O"),
        TagScheme::Ioe1 | TagScheme::Ioe2 => (PE | PI | PO, "E, I, O"),
        TagScheme::Iobes => (PB | PI | PE | PS | PO, "B, I, E, S, O"),
        TagScheme::Bilou => (PB | PI | PL | PO | PU, "B, I, L, O, U"),
    }
}

/// Reusable per-sentence buffers of strict decoding.
#[derive(Default)]
struct StrictBufs {
    tags: Vec<St>,
    /// Entities found: (start, end, type), sorted by start.
    ents: Vec<(u32, u32, u32)>,
    covered: Vec<bool>,
}

fn score_strict(
    table: &TagTable,
    scheme: TagScheme,
    gold: Tags<'_>,
    pred: Tags<'_>,
    acc: &mut Acc,
) -> Result<(), TagError> {
    let (mut gb, mut pb) = (StrictBufs::default(), StrictBufs::default());
    let n = gold.0.len().min(pred.0.len());
    let mut at = 0usize;
    for (s, &len) in gold.1.iter().enumerate() {
        let end = (at + len as usize).min(n);
        for (side, ids, bufs) in [(Side::Gold, gold.0, &mut gb), (Side::Pred, pred.0, &mut pb)] {
            let ill = strict_sentence(table, scheme, side, s, &ids[at..end], bufs)?;
            let side_ill = match side {
                Side::Gold => &mut acc.counts.ill_formed_gold,
                Side::Pred => &mut acc.counts.ill_formed_pred,
            };
            for _ in 0..ill {
                side_ill.record(s as u64 + 1);
            }
            for &(_, _, t) in &bufs.ents {
                match side {
                    Side::Gold => acc.types[t as usize].gold += 1,
                    Side::Pred => acc.types[t as usize].pred += 1,
                }
            }
        }
        // Both lists are sorted by start and do not overlap.
        let (mut i, mut j) = (0, 0);
        while i < gb.ents.len() && j < pb.ents.len() {
            let (g, p) = (gb.ents[i], pb.ents[j]);
            match g.0.cmp(&p.0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    if g == p {
                        acc.types[g.2 as usize].correct += 1;
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        at = end;
    }
    Ok(())
}

/// Reads sentence `s` of one side (`ids`) in strict mode into `bufs.ents`;
/// returns how many chunks were ill-formed.
fn strict_sentence(
    table: &TagTable,
    scheme: TagScheme,
    side: Side,
    s: usize,
    ids: &[u32],
    bufs: &mut StrictBufs,
) -> Result<u64, TagError> {
    let (allowed, names) = allowed_letters(scheme);
    bufs.tags.clear();
    for (k, &id) in ids.iter().enumerate() {
        let info = &table.infos[id as usize];
        if info.letter & allowed == 0 {
            return Err(TagError {
                side,
                sentence: s,
                token: k,
                tag: table.text(id).to_string(),
                reason: format!("the {scheme} scheme allows the prefixes {names}"),
            });
        }
        bufs.tags.push(St {
            letter: info.letter,
            ty: info.stype,
        });
    }
    let sentinel = St {
        letter: table.sentinel.letter,
        ty: table.sentinel.stype,
    };
    Ok(decode_strict(scheme, sentinel, bufs))
}

/// An entity of one side as [`score`] counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chunk<'t> {
    /// The sentence, from 0.
    pub sentence: usize,
    /// Its first token in the sentence, from 0.
    pub start: u32,
    /// One past its last token.
    pub end: u32,
    /// Its type, as [`score`] names it in `Counts::types`.
    pub label: &'t str,
}

/// Calls `found` with the entities of one side (`tags`), sentence by
/// sentence and in order, that [`score`] counts in `mode`: what an error
/// analysis over spans needs, so that its exact matches are the correct
/// entities [`score`] counts.
///
/// # Errors
/// Those of [`score`]; and, in default mode, a chunk that is no span of
/// one sentence, which seqeval's rules find after a tag with a prefix
/// they do not know (`X`, `o`): `get_entities` then ends a chunk it never
/// started, from where an earlier chunk began (in an earlier sentence, or
/// overlapping the chunk before). seqeval counts such a tuple; a span
/// analysis cannot place it.
pub fn entities<'t>(
    table: &'t TagTable,
    mode: SeqevalMode,
    side: Side,
    tags: Tags<'_>,
    mut found: impl FnMut(Chunk<'t>),
) -> Result<(), TagError> {
    check_empty(table, tags, side)?;
    let (ids, lens) = tags;
    match mode {
        SeqevalMode::Strict(scheme) => {
            let mut bufs = StrictBufs::default();
            let mut at = 0usize;
            for (s, &len) in lens.iter().enumerate() {
                let end = (at + len as usize).min(ids.len());
                strict_sentence(table, scheme, side, s, &ids[at..end], &mut bufs)?;
                for &(start, end, t) in &bufs.ents {
                    found(Chunk {
                        sentence: s,
                        start,
                        end,
                        label: &table.type_names[t as usize],
                    });
                }
                at = end;
            }
        }
        SeqevalMode::Default => {
            let mut c = Chunker::new();
            // Positions in seqeval's joined sequence: sentence `s` starts at
            // `first` (an `O` joins each sentence to the next).
            let mut i: u64 = 0;
            let mut at = 0usize;
            // The end of the last chunk found, in the joined sequence.
            let mut last_end: u64 = 0;
            let sep = &table.sentinel;
            let mut emit = |s: usize, first: u64, ended: Option<(u32, u64)>, i: u64| {
                let Some((t, begin)) = ended else {
                    return Ok(());
                };
                if begin < first || begin < last_end {
                    let k = (i - 1).saturating_sub(first) as usize;
                    return Err((s, k));
                }
                last_end = i;
                found(Chunk {
                    sentence: s,
                    start: (begin - first) as u32,
                    end: (i - first) as u32,
                    label: &table.type_names[t as usize],
                });
                Ok(())
            };
            let bad = |s: usize, k: usize| {
                let at: usize = lens[..s].iter().map(|&n| n as usize).sum::<usize>() + k;
                TagError {
                    side,
                    sentence: s,
                    token: k,
                    tag: ids
                        .get(at)
                        .map_or_else(String::new, |&id| table.text(id).to_string()),
                    reason: "seqeval's default mode ends a chunk here that it did not start \
                             (after a tag whose prefix is none of O B I E S), so the chunk is no \
                             span of this sentence and cannot be analysed: fix the tag or score \
                             in strict mode"
                        .into(),
                }
            };
            for (s, &len) in lens.iter().enumerate() {
                let first = i;
                let end = (at + len as usize).min(ids.len());
                for &id in &ids[at..end] {
                    let info = &table.infos[id as usize];
                    let ended = c.step(i, info.class, info.dtype);
                    emit(s, first, ended, i).map_err(|(s, k)| bad(s, k))?;
                    i += 1;
                }
                // The `O` that joins this sentence to the next.
                let ended = c.step(i, sep.class, sep.dtype);
                emit(s, first, ended, i).map_err(|(s, k)| bad(s, k))?;
                i += 1;
                at = end;
            }
        }
    }
    Ok(())
}

/// Decodes one sentence (`bufs.tags`) into `bufs.ents`; returns how many
/// chunks were ill-formed.
fn decode_strict(scheme: TagScheme, sentinel: St, bufs: &mut StrictBufs) -> u64 {
    bufs.ents.clear();
    let Some(patterns) = seqeval_patterns::of(scheme) else {
        decode_runs(scheme, bufs);
        return 0;
    };
    let tags = &bufs.tags;
    let n = tags.len();
    let tok = |k: usize| if k < n { tags[k] } else { sentinel };
    bufs.covered.clear();
    bufs.covered.resize(n, false);
    let mut ill = 0;
    // seqeval's `Tokens.entities`, over the tags and one `O` after them.
    let mut i = 0;
    let mut prev = sentinel;
    while i <= n {
        let t = tok(i);
        if matches(patterns.start, prev, t) {
            // `_forward`: the first token after `i` that is not inside.
            let mut j = i + 1;
            let mut p = t;
            while j <= n && matches(patterns.inside, p, tok(j)) {
                p = tok(j);
                j += 1;
            }
            if j > n {
                // Only reachable if the closing `O` were inside a chunk,
                // which no scheme's patterns allow; end the sentence.
                break;
            }
            let end = j;
            if matches(patterns.end, tok(end - 1), tok(end)) {
                bufs.ents.push((i as u32, end as u32, t.ty));
            } else {
                ill += 1;
            }
            for c in &mut bufs.covered[i.min(n)..end.min(n)] {
                *c = true;
            }
            i = end;
        } else {
            i += 1;
        }
        prev = tok(i - 1);
    }
    // Tokens of an entity type that no chunk started on: one ill-formed
    // chunk per run of one type (an orphan `I-X I-X` is one).
    let mut k = 0;
    while k < n {
        if !bufs.covered[k] && tags[k].letter != PO {
            let ty = tags[k].ty;
            while k < n && !bufs.covered[k] && tags[k].letter != PO && tags[k].ty == ty {
                k += 1;
            }
            ill += 1;
        } else {
            k += 1;
        }
    }
    ill
}

/// IO, IOB1 and IOE1: a chunk is a maximal run of one type, split before a
/// `B-` (IOB1) or after an `E-` (IOE1). Every sequence has one reading.
fn decode_runs(scheme: TagScheme, bufs: &mut StrictBufs) {
    let tags = &bufs.tags;
    let mut open: Option<(usize, u32)> = None;
    for (k, t) in tags.iter().enumerate() {
        if let Some((s, ty)) = open {
            let split = t.letter == PO
                || t.ty != ty
                || (scheme == TagScheme::Iob1 && t.letter == PB)
                || (scheme == TagScheme::Ioe1 && k > 0 && tags[k - 1].letter == PE);
            if split {
                bufs.ents.push((s as u32, k as u32, ty));
                open = None;
            }
        }
        if open.is_none() && t.letter != PO {
            open = Some((k, t.ty));
        }
    }
    if let Some((s, ty)) = open {
        bufs.ents.push((s as u32, tags.len() as u32, ty));
    }
}

/// seqeval's `auto_detect` over the tags of one side: the scheme whose
/// prefix sets contain exactly the prefixes found. `None` when the
/// prefixes fit none (an unknown letter, `I` and `O` only, a mix).
pub fn detect_scheme(table: &TagTable, ids: &[u32]) -> Option<TagScheme> {
    let mut seen = vec![false; table.len()];
    let mut set = 0u8;
    for &id in ids {
        if !seen[id as usize] {
            seen[id as usize] = true;
            let l = table.infos[id as usize].letter;
            if l == 0 {
                return None;
            }
            set |= l;
        }
    }
    scheme_of_prefixes(set)
}

/// The prefix letters (as a string such as `"BIO"`) found in `ids`, in
/// the order `IOBESUL`; `None` when a tag has another first letter.
pub fn prefixes(table: &TagTable, ids: &[u32]) -> Option<String> {
    let mut set = 0u8;
    let mut seen = vec![false; table.len()];
    for &id in ids {
        if !std::mem::replace(&mut seen[id as usize], true) {
            let l = table.infos[id as usize].letter;
            if l == 0 {
                return None;
            }
            set |= l;
        }
    }
    Some(
        [
            (PI, 'I'),
            (PO, 'O'),
            (PB, 'B'),
            (PE, 'E'),
            (PS, 'S'),
            (PU, 'U'),
            (PL, 'L'),
        ]
        .iter()
        .filter(|(b, _)| set & b != 0)
        .map(|&(_, c)| c)
        .collect(),
    )
}

fn scheme_of_prefixes(set: u8) -> Option<TagScheme> {
    const IOB2_SETS: [u8; 4] = [PI | PO | PB, PI | PB, PB | PO, PB];
    const IOE2_SETS: [u8; 4] = [PI | PO | PE, PI | PE, PE | PO, PE];
    const IOBES_SETS: [u8; 9] = [
        PI | PO | PB | PE | PS,
        PI | PB | PE | PS,
        PI | PO | PB | PE,
        PO | PB | PE | PS,
        PI | PB | PE,
        PB | PE | PS,
        PO | PB | PE,
        PB | PE,
        PS,
    ];
    const BILOU_SETS: [u8; 9] = [
        PI | PO | PB | PL | PU,
        PI | PB | PL | PU,
        PI | PO | PB | PL,
        PO | PB | PL | PU,
        PI | PB | PL,
        PB | PL | PU,
        PO | PB | PL,
        PB | PL,
        PU,
    ];
    if IOB2_SETS.contains(&set) {
        Some(TagScheme::Iob2)
    } else if IOE2_SETS.contains(&set) {
        Some(TagScheme::Ioe2)
    } else if IOBES_SETS.contains(&set) {
        Some(TagScheme::Iobes)
    } else if BILOU_SETS.contains(&set) {
        Some(TagScheme::Bilou)
    } else {
        None
    }
}

/// seqeval's `performance_measure` over tokens: `(tp, fp, fn, tn)` where
/// TP is equal tags not both `O`, FP is different tags with the prediction
/// not `O`, FN is gold not `O` and prediction `O`, TN is both `O`.
pub fn performance_measure(table: &TagTable, gold: &[u32], pred: &[u32]) -> [u64; 4] {
    let mut m = [0u64; 4];
    for (&g, &p) in gold.iter().zip(pred) {
        let go = table.infos[g as usize].outside;
        let po = table.infos[p as usize].outside;
        if g == p {
            if go {
                m[3] += 1;
            } else {
                m[0] += 1;
            }
        } else {
            if !po {
                m[1] += 1;
            }
            if !go && po {
                m[2] += 1;
            }
        }
    }
    m
}

/// Adds `other` to `into`: tokens, sentences, per-type and total counts,
/// and ill-formed chunks (first lines kept in order, up to
/// [`IllFormedSide::KEPT`]). Counts of disjoint shards of a corpus merged
/// this way are the counts of the whole corpus.
pub fn merge(into: &mut Counts, other: &Counts) {
    into.tokens += other.tokens;
    into.correct_tags += other.correct_tags;
    into.sentences += other.sentences;
    for (name, c) in &other.types {
        let t = into.types.entry(name.clone()).or_default();
        t.gold += c.gold;
        t.pred += c.pred;
        t.correct += c.correct;
    }
    into.total.gold += other.total.gold;
    into.total.pred += other.total.pred;
    into.total.correct += other.total.correct;
    for (a, b) in [
        (&mut into.ill_formed_gold, &other.ill_formed_gold),
        (&mut into.ill_formed_pred, &other.ill_formed_pred),
    ] {
        merge_ill(a, b);
    }
}

fn merge_ill(a: &mut IllFormedSide, b: &IllFormedSide) {
    a.count += b.count;
    for &l in &b.first_lines {
        if a.first_lines.len() < IllFormedSide::KEPT {
            a.first_lines.push(l);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn run(mode: SeqevalMode, gold: &[&[&str]], pred: &[&[&str]]) -> Result<Counts, TagError> {
        let mut table = TagTable::new(false);
        let mut side = |s: &[&[&str]]| {
            let ids: Vec<u32> = s
                .iter()
                .flat_map(|x| x.iter())
                .map(|t| table.intern(t))
                .collect();
            let lens: Vec<u32> = s.iter().map(|x| x.len() as u32).collect();
            (ids, lens)
        };
        let (gi, gl) = side(gold);
        let (pi, pl) = side(pred);
        score(&table, mode, (&gi, &gl), (&pi, &pl))
    }

    fn triple(c: &Counts, ty: &str) -> (u64, u64, u64) {
        let t = c.types.get(ty).copied().unwrap_or_default();
        (t.gold, t.pred, t.correct)
    }

    #[test]
    fn seqeval_docstring_example_in_default_mode() {
        let gold: &[&[&str]] = &[
            &["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"],
            &["B-PER", "I-PER", "O"],
        ];
        let pred: &[&[&str]] = &[
            &["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"],
            &["B-PER", "I-PER", "O"],
        ];
        let c = run(SeqevalMode::Default, gold, pred).unwrap();
        assert_eq!(triple(&c, "MISC"), (1, 1, 0));
        assert_eq!(triple(&c, "PER"), (1, 1, 1));
        assert_eq!((c.tokens, c.correct_tags), (10, 8));
    }

    #[test]
    fn default_mode_reads_bare_labels_as_seqeval_does() {
        // `PER PER` is prefix `P` with type `ER`: one entity.
        let c = run(SeqevalMode::Default, &[&["PER", "PER"]], &[&["O", "O"]]).unwrap();
        assert_eq!(triple(&c, "ER"), (1, 0, 0));
    }

    #[test]
    fn strict_drops_and_counts_ill_formed_chunks() {
        let c = run(
            SeqevalMode::Strict(TagScheme::Iob2),
            &[&["I-PER", "I-PER", "O", "B-LOC"]],
            &[&["B-PER", "I-PER", "O", "B-LOC"]],
        )
        .unwrap();
        assert_eq!(triple(&c, "PER"), (0, 1, 0));
        assert_eq!(triple(&c, "LOC"), (1, 1, 1));
        assert_eq!(c.ill_formed_gold.count, 1);
        assert_eq!(c.ill_formed_pred.count, 0);
    }

    #[test]
    fn strict_iob1_keeps_what_seqeval_loses() {
        let s: &[&[&str]] = &[&["B-PER", "I-PER", "O", "I-LOC", "B-LOC"]];
        let c = run(SeqevalMode::Strict(TagScheme::Iob1), s, s).unwrap();
        assert_eq!(triple(&c, "PER"), (1, 1, 1));
        assert_eq!(triple(&c, "LOC"), (2, 2, 2));
    }

    #[test]
    fn strict_refuses_a_prefix_outside_the_scheme() {
        let e = run(
            SeqevalMode::Strict(TagScheme::Iob2),
            &[&["O"], &["O", "E-PER"]],
            &[&["O"], &["O", "O"]],
        )
        .unwrap_err();
        assert_eq!((e.side, e.sentence, e.token), (Side::Gold, 1, 1));
    }

    #[test]
    fn an_empty_tag_is_an_error_in_both_modes() {
        for mode in [SeqevalMode::Default, SeqevalMode::Strict(TagScheme::Iob2)] {
            let e = run(mode, &[&["O"]], &[&[""]]).unwrap_err();
            assert_eq!((e.side, e.sentence, e.token), (Side::Pred, 0, 0));
        }
    }

    #[test]
    fn merged_shards_are_the_whole() {
        let a: &[&[&str]] = &[&["B-PER", "I-PER"], &["B-LOC"]];
        let b: &[&[&str]] = &[&["B-PER", "O"], &["O"]];
        let whole = run(SeqevalMode::Default, a, b).unwrap();
        let mut sum = run(SeqevalMode::Default, &a[..1], &b[..1]).unwrap();
        merge(
            &mut sum,
            &run(SeqevalMode::Default, &a[1..], &b[1..]).unwrap(),
        );
        assert_eq!(sum, whole);
    }

    #[test]
    fn detects_schemes_as_seqeval() {
        let mut t = TagTable::new(false);
        let ids: Vec<u32> = ["B-X", "E-X", "O"].iter().map(|s| t.intern(s)).collect();
        assert_eq!(detect_scheme(&t, &ids), Some(TagScheme::Iobes));
        let ids: Vec<u32> = ["I-X", "O"].iter().map(|s| t.intern(s)).collect();
        assert_eq!(detect_scheme(&t, &ids), None);
        assert_eq!(prefixes(&t, &ids).as_deref(), Some("IO"));
    }

    /// The file-based strict scorer ([`super::super::strict::Strict`]) and
    /// this one agree on entities and on ill-formed chunks, for random tags
    /// in every scheme (IO, IOB1 and IOE1 included).
    #[test]
    fn strict_is_the_file_scorer() {
        use crate::eval::Strict;
        let seed = std::cell::Cell::new(0x2545_f491_4f6c_dd1du64);
        let next = |n: usize| {
            let mut x = seed.get();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            seed.set(x);
            (x % n as u64) as usize
        };
        for scheme in [
            TagScheme::Io,
            TagScheme::Iob1,
            TagScheme::Iob2,
            TagScheme::Ioe1,
            TagScheme::Ioe2,
            TagScheme::Iobes,
            TagScheme::Bilou,
        ] {
            let letters: &[&str] = match scheme {
                TagScheme::Io => &["I"],
                TagScheme::Iob1 | TagScheme::Iob2 => &["B", "I"],
                TagScheme::Ioe1 | TagScheme::Ioe2 => &["I", "E"],
                TagScheme::Iobes => &["B", "I", "E", "S"],
                TagScheme::Bilou => &["B", "I", "L", "U"],
            };
            for _ in 0..300 {
                let tag = || match next(3) {
                    0 => "O".to_string(),
                    _ => format!("{}-{}", letters[next(letters.len())], ["A", "B"][next(2)]),
                };
                let sentences: Vec<Vec<(String, String)>> = (0..1 + next(4))
                    .map(|_| (0..next(9)).map(|_| (tag(), tag())).collect())
                    .collect();
                let mut file = Strict::new(scheme);
                let mut table = TagTable::new(false);
                let (mut g, mut p, mut lens) = (Vec::new(), Vec::new(), Vec::new());
                for s in &sentences {
                    for (a, b) in s {
                        file.token(a, b, (1, 1)).unwrap();
                        g.push(table.intern(a));
                        p.push(table.intern(b));
                    }
                    file.boundary();
                    lens.push(s.len() as u32);
                }
                let want = file.finish();
                let got = score(
                    &table,
                    SeqevalMode::Strict(scheme),
                    (&g, &lens),
                    (&p, &lens),
                )
                .unwrap();
                assert_eq!(got.types, want.types, "{scheme} {sentences:?}");
                assert_eq!(got.total, want.total);
                assert_eq!(
                    got.ill_formed_gold.count, want.ill_formed_gold.count,
                    "{scheme} {sentences:?}"
                );
                assert_eq!(got.ill_formed_pred.count, want.ill_formed_pred.count);
                assert_eq!(
                    (got.tokens, got.correct_tags),
                    (want.tokens, want.correct_tags)
                );
            }
        }
    }

    /// The chunks `entities` reports are the chunks `score` counts: per
    /// type, gold and predicted entities, and exact matches (same
    /// sentence, span and type) are the correct ones. Random sentences of
    /// every kind of tag, quirky ones included; a default-mode chunk that
    /// is no span must be refused, not misplaced.
    #[test]
    fn entities_are_what_score_counts() {
        let seed = std::cell::Cell::new(0x9e37_79b9_7f4a_7c15u64);
        let next = || {
            let mut x = seed.get();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            seed.set(x);
            x
        };
        let alphabets: [&[&str]; 3] = [
            &["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "E-LOC", "S-PER"],
            &["O", "B-PER", "I-PER", "I-LOC", "PER", "B", "I", "."],
            &["O", "B-X", "I-X", "E-X", "S-X", "X", "o", "U-X", "L-X"],
        ];
        let modes = [
            SeqevalMode::Default,
            SeqevalMode::Strict(TagScheme::Iob2),
            SeqevalMode::Strict(TagScheme::Iobes),
            SeqevalMode::Strict(TagScheme::Iob1),
            SeqevalMode::Strict(TagScheme::Io),
        ];
        let (mut checked, mut refused) = (0, 0);
        for round in 0..6000 {
            let alphabet = alphabets[round % alphabets.len()];
            let mode = modes[(round / 3) % modes.len()];
            let mut table = TagTable::new(false);
            let (mut g, mut p, mut lens) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..1 + next() % 4 {
                let n = (next() % 6) as usize;
                for _ in 0..n {
                    g.push(table.intern(alphabet[next() as usize % alphabet.len()]));
                    p.push(table.intern(alphabet[next() as usize % alphabet.len()]));
                }
                lens.push(n as u32);
            }
            let Ok(want) = score(&table, mode, (&g, &lens), (&p, &lens)) else {
                continue;
            };
            let collect = |side, ids: &[u32]| {
                let mut out = Vec::new();
                entities(&table, mode, side, (ids, &lens), |c| out.push(c)).map(|()| out)
            };
            let (gold, pred) = match (collect(Side::Gold, &g), collect(Side::Pred, &p)) {
                (Ok(a), Ok(b)) => (a, b),
                (a, b) => {
                    assert_eq!(mode, SeqevalMode::Default, "{a:?} {b:?}");
                    refused += 1;
                    continue;
                }
            };
            let mut got: BTreeMap<&str, TypeCounts> = BTreeMap::new();
            for c in &gold {
                got.entry(c.label).or_default().gold += 1;
                if pred.contains(c) {
                    got.entry(c.label).or_default().correct += 1;
                }
            }
            for c in &pred {
                got.entry(c.label).or_default().pred += 1;
            }
            for side in [&gold, &pred] {
                for w in side.windows(2) {
                    assert!(
                        (w[0].sentence, w[0].end) <= (w[1].sentence, w[1].start),
                        "{mode:?}: overlapping chunks {w:?}"
                    );
                }
                for c in side.iter() {
                    assert!(c.start < c.end && c.end <= lens[c.sentence]);
                }
            }
            let want: BTreeMap<&str, TypeCounts> =
                want.types.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            assert_eq!(got, want, "{mode:?} {g:?} {p:?} {lens:?}");
            checked += 1;
        }
        assert!(checked > 1500 && refused > 0, "{checked} {refused}");
    }

    #[test]
    fn entities_are_spans_of_their_sentence() {
        let mut table = TagTable::new(false);
        let tags = [
            "O", "B-PER", "I-PER", // sentence 0
            "S-LOC", "B-LOC", "E-LOC", "I-ORG", // sentence 1
            "B-PER", // sentence 2
        ];
        let ids: Vec<u32> = tags.iter().map(|t| table.intern(t)).collect();
        let lens = [3, 4, 1];
        let spans = |mode| {
            let mut out = Vec::new();
            entities(&table, mode, Side::Gold, (&ids, &lens), |c| {
                out.push((c.sentence, c.start, c.end, c.label.to_owned()))
            })
            .unwrap();
            out
        };
        let want = |v: &[(usize, u32, u32, &str)]| -> Vec<(usize, u32, u32, String)> {
            v.iter()
                .map(|&(s, a, b, l)| (s, a, b, l.to_owned()))
                .collect()
        };
        assert_eq!(
            spans(SeqevalMode::Default),
            want(&[
                (0, 1, 3, "PER"),
                (1, 0, 1, "LOC"),
                (1, 1, 3, "LOC"),
                (1, 3, 4, "ORG"),
                (2, 0, 1, "PER")
            ])
        );
        // IOBES in strict mode: the ill-formed B-PER I-PER (no E-PER) and
        // the orphan I-ORG are dropped.
        let mut table = TagTable::new(false);
        let tags = [
            "B-PER", "I-PER", "O", "S-LOC", "B-LOC", "I-LOC", "E-LOC", "I-ORG",
        ];
        let ids: Vec<u32> = tags.iter().map(|t| table.intern(t)).collect();
        let lens = [3, 5];
        let mut out = Vec::new();
        let iobes = SeqevalMode::Strict(TagScheme::Iobes);
        entities(&table, iobes, Side::Pred, (&ids, &lens), |c| {
            out.push((c.sentence, c.start, c.end, c.label))
        })
        .unwrap();
        assert_eq!(out, [(1, 0, 1, "LOC"), (1, 1, 4, "LOC")]);
    }
}
