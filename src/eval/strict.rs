//! Strict scoring: an entity counts only when its tags are well-formed in
//! the chosen scheme.
//!
//! A tag is `O` or `X-LABEL` (or a bare `X`, whose label is empty) where
//! `X` is a prefix letter the scheme allows; anything else is an error
//! naming the tag and its line. The label is everything after the first
//! hyphen. Sentences are decoded one at a time, gold and predictions
//! alike, and an entity is correct when a predicted entity has the same
//! label and the same tokens as a gold one.
//!
//! # Schemes
//!
//! For **iob2**, **ioe2**, **iobes** and **bilou** the decoding is the one
//! of seqeval 1.2.2's strict mode (same start, inside and end patterns), so
//! the numbers are seqeval's:
//!
//! | scheme | prefixes | an entity is |
//! |---|---|---|
//! | iob2 | `B I O` | `B-X` then any number of `I-X` |
//! | ioe2 | `I E O` | any number of `I-X` then `E-X` |
//! | iobes | `B I E S O` | `S-X`, or `B-X`, any number of `I-X`, `E-X` |
//! | bilou | `B I L U O` | `U-X`, or `B-X`, any number of `I-X`, `L-X` |
//!
//! seqeval's IOB1 and IOE1 are known to be wrong (gold `B-PER I-PER O`
//! scored against itself finds only a one-token entity on the `I`), and it
//! has no IO. nerkit reads them as [`crate::scheme::decode_strict`] does,
//! so that `convert` and `eval` agree:
//!
//! | scheme | prefixes | an entity is |
//! |---|---|---|
//! | io | `I O` | a maximal run of `I-X` |
//! | iob1 | `B I O` | `I-X` or `B-X`, then any number of `I-X`; a `B-X` always starts a new entity |
//! | ioe1 | `I E O` | any number of `I-X`, then optionally `E-X`; an `E-X` always ends the entity |
//!
//! Every sequence of these prefixes has exactly one reading, so nothing is
//! ill-formed in them: a `B-X` after `O` (needed only after another `X`
//! entity in IOB1) is redundant, not wrong, and so is an `E-X` before `O`
//! in IOE1. In IO, two adjacent entities of the same type cannot be told
//! apart and are read as one.
//!
//! # Ill-formed chunks
//!
//! seqeval drops a chunk that is not well-formed (an `I-X` without its
//! `B-X` in IOB2, a `B-X` without its `E-X` in IOBES) without a word.
//! nerkit drops it too (so the numbers stay seqeval's) but counts it, per
//! side, and remembers the lines of the first ones. A chunk is either a
//! started entity that does not end legally (counted once) or a run of
//! tokens of one label that no entity covers (an orphan `I-X I-X` counts
//! once).

use super::counts::{Counts, IllFormedSide, TypeTable};
use super::seqeval_patterns::{
    Cond, Pattern, Patterns, BILOU, IOB2, IOBES, IOE2, PB, PE, PI, PL, PO, PS, PU,
};
use crate::scheme::TagScheme;

/// A prefix letter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum L {
    O = PO,
    B = PB,
    I = PI,
    E = PE,
    S = PS,
    U = PU,
    Last = PL,
}

const fn letter(c: u8) -> Option<L> {
    Some(match c {
        b'O' => L::O,
        b'B' => L::B,
        b'I' => L::I,
        b'E' => L::E,
        b'S' => L::S,
        b'U' => L::U,
        b'L' => L::Last,
        _ => return None,
    })
}

/// The prefix letters a scheme allows, as text for messages and as a mask.
fn allowed(scheme: TagScheme) -> (&'static str, u8) {
    use L::*;
    match scheme {
        TagScheme::Io => ("I, O", I as u8 | O as u8),
        TagScheme::Iob1 | TagScheme::Iob2 => ("B, I, O", B as u8 | I as u8 | O as u8),
        TagScheme::Ioe1 | TagScheme::Ioe2 => ("I, E, O", I as u8 | E as u8 | O as u8),
        TagScheme::Iobes => (
            "B, I, E, S, O",
            B as u8 | I as u8 | E as u8 | S as u8 | O as u8,
        ),
        TagScheme::Bilou => (
            "B, I, L, O, U",
            B as u8 | I as u8 | Last as u8 | O as u8 | U as u8,
        ),
    }
}

/// A pattern list as a table over (previous, current) prefix letter (by
/// bit index): bit 0, it matches when the labels are the same; bit 1,
/// when they differ. Eight by eight (row and column 7 unused), so that an
/// index masked with 7 needs no bounds check.
type Table = [[u8; 8]; 8];

const fn table(pats: &[Pattern]) -> Table {
    let mut t = [[0u8; 8]; 8];
    let mut i = 0;
    while i < 7 {
        let mut j = 0;
        while j < 7 {
            let mut k = 0;
            while k < pats.len() {
                let (pp, cp, cond) = pats[k];
                if pp & (1 << i) != 0 && cp & (1 << j) != 0 {
                    t[i][j] |= match cond {
                        Cond::Any => 3,
                        Cond::Same => 1,
                        Cond::Diff => 2,
                    };
                }
                k += 1;
            }
            j += 1;
        }
        i += 1;
    }
    t
}

/// [`Patterns`] as tables.
#[derive(Debug)]
struct Tables {
    start: Table,
    inside: Table,
    end: Table,
}

const fn tables(p: &Patterns) -> Tables {
    Tables {
        start: table(p.start),
        inside: table(p.inside),
        end: table(p.end),
    }
}

const IOB2_T: Tables = tables(&IOB2);
const IOE2_T: Tables = tables(&IOE2);
const IOBES_T: Tables = tables(&IOBES);
const BILOU_T: Tables = tables(&BILOU);

/// Why a tag is refused in `scheme` (one reason for every refused tag).
fn not_a_tag(scheme: TagScheme) -> String {
    let (names, _) = allowed(scheme);
    format!("not a tag of scheme {scheme} (its prefixes are {names}; a tag is O or PREFIX-LABEL)")
}

/// Checks that `tag` is allowed in `scheme`: returns the byte offset of the
/// label in the tag, or a reason.
#[cfg(test)]
fn parse(scheme: TagScheme, tag: &str) -> Result<(L, usize), String> {
    let (_, mask) = allowed(scheme);
    let bytes = tag.as_bytes();
    let bad = || not_a_tag(scheme);
    let Some(&c) = bytes.first() else {
        return Err(bad());
    };
    let p = letter(c).filter(|&p| p as u8 & mask != 0).ok_or_else(bad)?;
    match bytes.get(1) {
        None => Ok((p, 1)),
        Some(b'-') if p != L::O => Ok((p, 2)),
        _ => Err(bad()),
    }
}

/// Which side of the evaluation a tag is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The gold data.
    Gold,
    /// The predictions.
    Pred,
}

/// The bit index of a prefix letter ([`L`] as `1 << index`): the row or
/// column of a [`Table`].
const O_AT: u8 = 0;
const B_AT: u8 = 1;
const E_AT: u8 = 3;

/// The bit index of each byte that is a prefix letter, 8 for any other.
const LETTERS: [u8; 256] = {
    let mut t = [8u8; 256];
    let mut c = 0;
    while c < 256 {
        if let Some(l) = letter(c as u8) {
            t[c] = (l as u8).trailing_zeros() as u8;
        }
        c += 1;
    }
    t
};

/// A tag as the decoder sees it: its prefix letter (a bit index, see
/// [`LETTERS`]), its label as an index of the scorer's [`TypeTable`], and
/// whether it has a hyphen. A tag is a letter, or a letter, a hyphen and
/// a label, so two tags are equal exactly when their `Tok`s are (`B` and
/// `B-` differ only in the hyphen): accuracy needs no byte comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Tok {
    p: u8,
    dash: bool,
    ty: u32,
}

/// `O`, and the sentinel after every sentence.
const OUTSIDE: Tok = Tok {
    p: O_AT,
    dash: false,
    ty: TypeTable::EMPTY,
};

/// Reads `tag` as a tag of a scheme whose letters are `mask`, its label
/// interned in `types`; `None` when the scheme does not allow it.
#[inline]
fn read(mask: u8, types: &mut TypeTable, tag: &[u8]) -> Option<Tok> {
    if tag == b"O" {
        // Allowed in every scheme; most tags.
        return Some(OUTSIDE);
    }
    let (&c, rest) = tag.split_first()?;
    let p = LETTERS[c as usize];
    if p > 6 || mask & (1 << p) == 0 {
        return None;
    }
    match rest.split_first() {
        None => Some(Tok {
            p,
            dash: false,
            ty: TypeTable::EMPTY,
        }),
        Some((b'-', label)) if p != O_AT => Some(Tok {
            p,
            dash: true,
            ty: types.intern(label),
        }),
        _ => None,
    }
}

/// Whether `table` matches the tags `prev` then `cur`.
#[inline(always)]
fn matches(table: &Table, prev: Tok, cur: Tok) -> bool {
    let v = table[(prev.p & 7) as usize][(cur.p & 7) as usize];
    let bit = if prev.ty == cur.ty { 1 } else { 2 };
    v & bit != 0
}

/// How a scheme's chunks are read.
#[derive(Clone, Copy, Debug)]
enum Rules {
    /// seqeval's start, inside and end patterns (IOB2, IOE2, IOBES,
    /// BILOU).
    Patterns(&'static Tables),
    /// Runs of one label, split before a `B-` (IOB1) or after an `E-`
    /// (IOE1), as [`crate::scheme::decode_strict`] reads IO, IOB1 and
    /// IOE1.
    Runs(TagScheme),
}

impl Rules {
    fn of(scheme: TagScheme) -> Rules {
        match scheme {
            TagScheme::Iob2 => Rules::Patterns(&IOB2_T),
            TagScheme::Ioe2 => Rules::Patterns(&IOE2_T),
            TagScheme::Iobes => Rules::Patterns(&IOBES_T),
            TagScheme::Bilou => Rules::Patterns(&BILOU_T),
            TagScheme::Io | TagScheme::Iob1 | TagScheme::Ioe1 => Rules::Runs(scheme),
        }
    }
}

/// An entity found: its first token (in the sentence) and its label. It
/// ends at the token being read when it is found (or at the sentence
/// end), so gold and predicted entities found at the same token are the
/// same entity when these are equal.
type Found = Option<(u64, u32)>;

/// One side's decoding, a token at a time.
///
/// seqeval's decoder (`Tokens.entities`) scans forward from a chunk's
/// start over the tokens inside it and judges the chunk at the first token
/// that is not, then goes on from that token. Here the scan is the open
/// chunk: each token either continues it or closes it (and is then read
/// as any token outside a chunk is), so an entity ending before token `k`
/// is found when token `k` is read, on both sides alike. That needs no
/// sentence buffer and no second pass.
#[derive(Clone, Copy, Debug)]
struct Chunker {
    /// The previous token of the sentence (`O` before the first).
    prev: Tok,
    /// A chunk is open: its first token, label and line.
    open: bool,
    start: u64,
    start_ty: u32,
    start_line: u64,
    /// One past the last orphan token (of no chunk) and its label, so that
    /// a run of orphans of one label counts as one ill-formed chunk.
    orphan_end: u64,
    orphan_ty: u32,
}

impl Chunker {
    const NEW: Chunker = Chunker {
        prev: OUTSIDE,
        open: false,
        start: 0,
        start_ty: TypeTable::EMPTY,
        start_line: 0,
        orphan_end: u64::MAX,
        orphan_ty: TypeTable::EMPTY,
    };

    /// Reads token `k` of the sentence, `t` on line `line`: returns the
    /// entity that ends before it, if any, and records ill-formed chunks
    /// in `ill`.
    #[inline(always)]
    fn step(&mut self, rules: Rules, t: Tok, k: u64, line: u64, ill: &mut IllFormedSide) -> Found {
        if !self.open && t.p == O_AT {
            // Most tokens: no chunk to close, and none starts at `O` (the
            // test `no_chunk_starts_at_o`).
            self.prev = t;
            return None;
        }
        match rules {
            Rules::Patterns(tables) => self.patterns(tables, t, k, line, ill),
            Rules::Runs(scheme) => self.runs(scheme, t, k),
        }
    }

    #[inline(always)]
    fn patterns(
        &mut self,
        tables: &Tables,
        t: Tok,
        k: u64,
        line: u64,
        ill: &mut IllFormedSide,
    ) -> Found {
        let mut found = None;
        if self.open {
            if matches(&tables.inside, self.prev, t) {
                self.prev = t;
                return None;
            }
            self.open = false;
            if matches(&tables.end, self.prev, t) {
                found = Some((self.start, self.start_ty));
            } else {
                ill.record(self.start_line);
            }
        }
        if t.p != O_AT {
            if matches(&tables.start, self.prev, t) {
                self.open = true;
                self.start = k;
                self.start_ty = t.ty;
                self.start_line = line;
            } else {
                if self.orphan_end != k || self.orphan_ty != t.ty {
                    ill.record(line);
                }
                self.orphan_end = k + 1;
                self.orphan_ty = t.ty;
            }
        }
        self.prev = t;
        found
    }

    #[inline(always)]
    fn runs(&mut self, scheme: TagScheme, t: Tok, k: u64) -> Found {
        let mut found = None;
        if self.open {
            let split = t.p == O_AT
                || t.ty != self.start_ty
                || (scheme == TagScheme::Iob1 && t.p == B_AT)
                || (scheme == TagScheme::Ioe1 && self.prev.p == E_AT);
            if split {
                self.open = false;
                found = Some((self.start, self.start_ty));
            }
        }
        if !self.open && t.p != O_AT {
            self.open = true;
            self.start = k;
            self.start_ty = t.ty;
        }
        self.prev = t;
        found
    }

    /// Ends the sentence, whose length is `n`: returns the entity that
    /// ends with it, if any, and starts the next sentence.
    #[inline]
    fn end(&mut self, rules: Rules, n: u64, ill: &mut IllFormedSide) -> Found {
        // seqeval's sentinel: an `O` after the sentence, which no chunk
        // has inside.
        let found = self.step(rules, OUTSIDE, n, 0, ill);
        *self = Chunker::NEW;
        found
    }
}

/// The strict scorer: decodes both sides a token at a time (see
/// its `Chunker`) and matches their entities as they end. Labels are
/// interned once per tag into small integers, and nothing is buffered per
/// sentence.
#[derive(Debug)]
pub struct Strict {
    scheme: TagScheme,
    mask: u8,
    rules: Rules,
    gold: Chunker,
    pred: Chunker,
    /// Tokens read in the current sentence.
    at: u64,
    counts: Counts,
    types: TypeTable,
}

impl Strict {
    /// A scorer for `scheme` with nothing counted yet.
    pub fn new(scheme: TagScheme) -> Strict {
        Strict {
            scheme,
            mask: allowed(scheme).1,
            rules: Rules::of(scheme),
            gold: Chunker::NEW,
            pred: Chunker::NEW,
            at: 0,
            counts: Counts::default(),
            types: TypeTable::default(),
        }
    }

    /// Adds one token. `lines` are the lines of the gold and predicted tag,
    /// remembered for reporting ill-formed chunks.
    ///
    /// # Errors
    /// When a tag is not allowed in the scheme: the side and the reason.
    #[inline]
    pub fn token(
        &mut self,
        gold: &str,
        pred: &str,
        lines: (u64, u64),
    ) -> Result<(), (Side, String)> {
        let g = read(self.mask, &mut self.types, gold.as_bytes())
            .ok_or_else(|| (Side::Gold, not_a_tag(self.scheme)))?;
        let p = read(self.mask, &mut self.types, pred.as_bytes())
            .ok_or_else(|| (Side::Pred, not_a_tag(self.scheme)))?;
        self.score(g, p, lines);
        Ok(())
    }

    /// [`Strict::token`] on the bytes of the tags, both on `line`: `false`
    /// (and nothing counted) when a tag is not allowed, for the caller to
    /// read the line again through [`Strict::token`] for the error.
    #[inline]
    pub(crate) fn token_bytes(&mut self, gold: &[u8], pred: &[u8], line: u64) -> bool {
        if gold == b"O" && pred == b"O" && !(self.gold.open || self.pred.open) {
            // Most tokens of most inputs: no chunk closes or starts, the
            // tags agree, and only the previous tags change (as in
            // `Chunker::step`).
            self.at += 1;
            self.counts.tokens += 1;
            self.counts.correct_tags += 1;
            self.gold.prev = OUTSIDE;
            self.pred.prev = OUTSIDE;
            return true;
        }
        let (Some(g), Some(p)) = (
            read(self.mask, &mut self.types, gold),
            read(self.mask, &mut self.types, pred),
        ) else {
            return false;
        };
        self.score(g, p, (line, line));
        true
    }

    #[inline(always)]
    fn score(&mut self, g: Tok, p: Tok, lines: (u64, u64)) {
        let k = self.at;
        self.at += 1;
        self.counts.tokens += 1;
        if g == p {
            self.counts.correct_tags += 1;
        }
        let ill = (
            &mut self.counts.ill_formed_gold,
            &mut self.counts.ill_formed_pred,
        );
        let gf = self.gold.step(self.rules, g, k, lines.0, ill.0);
        let pf = self.pred.step(self.rules, p, k, lines.1, ill.1);
        if gf.is_some() || pf.is_some() {
            self.count(gf, pf);
        }
    }

    /// Counts the entities found on each side at one token.
    #[inline]
    fn count(&mut self, gold: Found, pred: Found) {
        if let Some((_, ty)) = gold {
            self.counts.total.gold += 1;
            self.types.at(ty).gold += 1;
        }
        if let Some((_, ty)) = pred {
            self.counts.total.pred += 1;
            self.types.at(ty).pred += 1;
        }
        if let (Some(g), Some(p)) = (gold, pred) {
            // Both end here; the same start and label make them one.
            if g == p {
                self.counts.total.correct += 1;
                self.types.at(g.1).correct += 1;
            }
        }
    }

    /// Ends the current sentence: counts the entities that end with it.
    pub fn boundary(&mut self) {
        if self.at == 0 {
            return;
        }
        self.counts.sentences += 1;
        let n = self.at;
        let gf = self
            .gold
            .end(self.rules, n, &mut self.counts.ill_formed_gold);
        let pf = self
            .pred
            .end(self.rules, n, &mut self.counts.ill_formed_pred);
        self.count(gf, pf);
        self.at = 0;
    }

    /// Ends the input and returns the counts.
    pub fn finish(mut self) -> Counts {
        self.boundary();
        self.counts.types = self.types.into_sorted();
        self.counts
    }
}

/// One side of a sentence decoded as [`Strict`] decodes it, for the error
/// analysis (which needs the entities' spans, where the scorer only counts
/// them). Buffers are reused from sentence to sentence.
#[derive(Debug)]
pub(crate) struct SideDecoder {
    scheme: TagScheme,
    mask: u8,
    rules: Rules,
    chunker: Chunker,
    at: u64,
    types: TypeTable,
    /// The sentence's entities: first token, end token, label.
    ents: Vec<(u32, u32, u32)>,
    /// Ill-formed chunks (dropped, as the scorer drops them).
    ill: IllFormedSide,
}

impl SideDecoder {
    pub(crate) fn new(scheme: TagScheme) -> SideDecoder {
        SideDecoder {
            scheme,
            mask: allowed(scheme).1,
            rules: Rules::of(scheme),
            chunker: Chunker::NEW,
            at: 0,
            types: TypeTable::default(),
            ents: Vec::new(),
            ill: IllFormedSide::default(),
        }
    }

    /// Adds the next token's tag.
    ///
    /// # Errors
    /// A tag the scheme does not allow (the reason).
    pub(crate) fn push(&mut self, tag: &str) -> Result<(), String> {
        let t = read(self.mask, &mut self.types, tag.as_bytes())
            .ok_or_else(|| not_a_tag(self.scheme))?;
        let k = self.at;
        self.at += 1;
        let found = self.chunker.step(self.rules, t, k, 0, &mut self.ill);
        self.keep(found, k);
        Ok(())
    }

    fn keep(&mut self, found: Found, end: u64) {
        if let Some((start, ty)) = found {
            // Token indexes in a sentence, as the analysis counts them.
            self.ents.push((start as u32, end as u32, ty));
        }
    }

    /// Decodes the sentence, calls `found` with (first token, end token,
    /// label) of each well-formed entity in order, and starts a new
    /// sentence. Ill-formed chunks are dropped, as the scorer drops them.
    pub(crate) fn finish(&mut self, mut found: impl FnMut(u32, u32, &str)) {
        let n = self.at;
        let last = self.chunker.end(self.rules, n, &mut self.ill);
        self.keep(last, n);
        for &(s, e, ty) in &self.ents {
            found(s, e, self.types.name(ty));
        }
        self.ents.clear();
        self.ill = IllFormedSide::default();
        self.at = 0;
    }
}

#[cfg(test)]
#[path = "strict_reference.rs"]
mod reference;

#[cfg(test)]
mod tests {
    use super::*;

    /// Entities as "LABEL start end" and the ill-formed starts (as lines:
    /// token `k` is on line `k`), by the streaming decoder.
    fn run(scheme: TagScheme, tags: &str) -> (Vec<String>, Vec<u32>) {
        let (ents, ill) =
            decode_side(scheme, &tags.split_whitespace().collect::<Vec<_>>()).unwrap();
        (ents, ill.first_lines.iter().map(|&l| l as u32).collect())
    }

    /// One side's entities and ill-formed chunks by [`Chunker`], token `k`
    /// on line `k`; the reason of the first tag refused.
    fn decode_side(
        scheme: TagScheme,
        tags: &[&str],
    ) -> Result<(Vec<String>, IllFormedSide), String> {
        let (mask, rules) = (allowed(scheme).1, Rules::of(scheme));
        let mut types = TypeTable::default();
        let mut c = Chunker::NEW;
        let mut ill = IllFormedSide::default();
        let mut ents = Vec::new();
        let mut show = |found: Found, end: usize, types: &TypeTable| {
            if let Some((start, ty)) = found {
                ents.push(format!("{} {start} {end}", types.name(ty)));
            }
        };
        for (k, tag) in tags.iter().enumerate() {
            let t = read(mask, &mut types, tag.as_bytes()).ok_or_else(|| not_a_tag(scheme))?;
            let found = c.step(rules, t, k as u64, k as u64, &mut ill);
            show(found, k, &types);
        }
        let found = c.end(rules, tags.len() as u64, &mut ill);
        show(found, tags.len(), &types);
        Ok((ents, ill))
    }

    macro_rules! decodes {
        ($name:ident, $scheme:ident, $tags:expr, [$($e:expr),*], [$($i:expr),*]) => {
            #[test]
            fn $name() {
                let (ents, ill) = run(TagScheme::$scheme, $tags);
                let want: Vec<String> = vec![$(String::from($e)),*];
                assert_eq!(ents, want);
                let want_ill: Vec<u32> = vec![$($i),*];
                assert_eq!(ill, want_ill);
            }
        };
    }

    decodes!(
        iob2_plain,
        Iob2,
        "B-PER I-PER O B-LOC",
        ["PER 0 2", "LOC 3 4"],
        []
    );
    decodes!(
        iob2_orphans,
        Iob2,
        "O I-PER I-PER B-LOC I-PER",
        ["LOC 3 4"],
        [1, 4]
    );
    decodes!(iobes_no_end, Iobes, "B-PER I-PER O S-LOC", ["LOC 3 4"], [0]);
    decodes!(
        iobes_adjacent,
        Iobes,
        "S-PER S-PER B-PER E-PER",
        ["PER 0 1", "PER 1 2", "PER 2 4"],
        []
    );
    decodes!(
        bilou_plain,
        Bilou,
        "U-PER B-LOC L-LOC",
        ["PER 0 1", "LOC 1 3"],
        []
    );
    decodes!(
        ioe2_plain,
        Ioe2,
        "I-PER E-PER E-PER O I-LOC",
        ["PER 0 2", "PER 2 3"],
        [4]
    );
    decodes!(
        io_runs,
        Io,
        "I-PER I-PER I-LOC O I-PER",
        ["PER 0 2", "LOC 2 3", "PER 4 5"],
        []
    );
    decodes!(
        iob1_plain,
        Iob1,
        "I-PER I-PER B-PER O I-LOC",
        ["PER 0 2", "PER 2 3", "LOC 4 5"],
        []
    );
    decodes!(iob1_redundant_b, Iob1, "O B-PER I-PER O", ["PER 1 3"], []);
    decodes!(
        iob1_b_after_other_type,
        Iob1,
        "I-LOC B-PER",
        ["LOC 0 1", "PER 1 2"],
        []
    );
    decodes!(
        ioe1_plain,
        Ioe1,
        "I-PER E-PER I-PER O I-LOC",
        ["PER 0 2", "PER 2 3", "LOC 4 5"],
        []
    );
    decodes!(ioe1_redundant_e, Ioe1, "I-PER E-PER O", ["PER 0 2"], []);
    decodes!(ioe1_e_at_end, Ioe1, "E-PER", ["PER 0 1"], []);
    decodes!(bare_prefixes, Iob2, "B I O B", [" 0 2", " 3 4"], []);

    /// The seqeval port here and `scheme::decode_strict` find the same
    /// entities for the schemes where both follow seqeval.
    mod agrees_with_scheme_module {
        use super::*;
        use crate::scheme::{decode_strict, Tag};
        use proptest::prelude::*;

        const TAGS: &[&str] = &[
            "O", "B-PER", "I-PER", "E-PER", "S-PER", "L-PER", "U-PER", "B-LOC", "I-LOC", "E-LOC",
            "S-LOC", "L-LOC", "U-LOC",
        ];

        fn check(scheme: TagScheme, letters: &str, seq: &[&str]) {
            let seq: Vec<&str> = seq
                .iter()
                .map(|&t| if letters.contains(&t[..1]) { t } else { "O" })
                .collect();
            let (mine, _) = run(scheme, &seq.join(" "));
            let tags: Vec<Tag> = seq.iter().map(|t| Tag::parse(t).unwrap()).collect();
            let (mut ents, mut ill) = (Vec::new(), Vec::new());
            decode_strict(scheme, &tags, &mut ents, &mut ill).unwrap();
            let theirs: Vec<String> = ents
                .iter()
                .map(|e| format!("{} {} {}", e.label, e.tokens.start(), e.tokens.end()))
                .collect();
            assert_eq!(mine, theirs, "{scheme} {seq:?}");
        }

        proptest! {
            #[test]
            fn same_entities(seq in prop::collection::vec(prop::sample::select(TAGS), 0..10)) {
                check(TagScheme::Iob2, "BIO", &seq);
                check(TagScheme::Ioe2, "IEO", &seq);
                check(TagScheme::Iobes, "BIESO", &seq);
                check(TagScheme::Bilou, "BILUO", &seq);
            }
        }
    }

    #[test]
    fn no_chunk_starts_at_o() {
        let o = (L::O as u8).trailing_zeros() as usize;
        for t in [&IOB2_T, &IOE2_T, &IOBES_T, &BILOU_T] {
            assert!(t.start.iter().all(|row| row[o] == 0));
        }
    }

    /// The streaming decoder and scorer against the sentence-buffering
    /// ones they replaced ([`reference`]), on random tags of every scheme:
    /// tags of the scheme, bare letters, labels with hyphens, and now and
    /// then a tag the scheme does not allow or no tag at all.
    mod agrees_with_reference {
        use super::*;
        use proptest::prelude::*;

        const SCHEMES: [TagScheme; 7] = [
            TagScheme::Io,
            TagScheme::Iob1,
            TagScheme::Iob2,
            TagScheme::Ioe1,
            TagScheme::Ioe2,
            TagScheme::Iobes,
            TagScheme::Bilou,
        ];

        const TAGS: &[&str] = &[
            "O", "O", "O", "B-PER", "I-PER", "E-PER", "S-PER", "L-PER", "U-PER", "B-LOC", "I-LOC",
            "E-LOC", "S-LOC", "L-LOC", "U-LOC", "B", "I", "E", "B-", "I-", "I-PER-X", "B-PER-X",
        ];
        const REFUSED: &[&str] = &["o", "BPER", "O-PER", "", "X-PER", "PER-B", "-", "é-PER"];

        /// A tag: mostly of [`TAGS`], a letter the scheme lacks turned
        /// into `O` unless `keep`; rarely one of [`REFUSED`].
        fn tag() -> impl Strategy<Value = (&'static str, bool)> {
            prop_oneof![
                40 => (prop::sample::select(TAGS), prop::bool::weighted(0.01)),
                1 => (prop::sample::select(REFUSED), Just(true)),
            ]
        }

        fn fit(scheme: TagScheme, (tag, keep): (&'static str, bool)) -> &'static str {
            let mask = allowed(scheme).1;
            match tag.bytes().next().and_then(letter) {
                Some(l) if !keep && l as u8 & mask == 0 => "O",
                _ => tag,
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn one_side(seq in prop::collection::vec(tag(), 0..14)) {
                for scheme in SCHEMES {
                    let tags: Vec<&str> = seq.iter().map(|&t| fit(scheme, t)).collect();
                    let mine = decode_side(scheme, &tags);
                    let theirs = reference::decode_side(scheme, &tags);
                    match (mine, theirs) {
                        (Ok((ents, ill)), Ok((want, want_ill))) => {
                            prop_assert_eq!(&ents, &want, "{} {:?}", scheme, tags);
                            prop_assert_eq!(ill.count, want_ill.len() as u64);
                            let kept: Vec<u64> = want_ill.iter().take(IllFormedSide::KEPT).map(|&i| i as u64).collect();
                            prop_assert_eq!(ill.first_lines, kept, "{} {:?}", scheme, tags);
                        }
                        (Err(a), Err(b)) => prop_assert_eq!(a, b),
                        (a, b) => prop_assert!(false, "{} {:?}: {:?} vs {:?}", scheme, tags, a, b),
                    }
                }
            }

            #[test]
            fn scorer(
                sentences in prop::collection::vec(
                    prop::collection::vec((tag(), tag()), 0..10), 0..6),
            ) {
                for scheme in SCHEMES {
                    let mut mine = Strict::new(scheme);
                    let mut theirs = reference::Strict::new(scheme);
                    // The fast path's entry, whose two tags share a line.
                    let mut fast = Strict::new(scheme);
                    let mut theirs_one_line = reference::Strict::new(scheme);
                    let mut line = 0;
                    let mut refused = false;
                    'all: for s in &sentences {
                        for &(g, p) in s {
                            line += 1;
                            let (g, p) = (fit(scheme, g), fit(scheme, p));
                            // Lines differ per side, to tell them apart.
                            let lines = (line, line + 1000);
                            let (a, b) = (mine.token(g, p, lines), theirs.token(g, p, lines));
                            prop_assert_eq!(&a, &b);
                            let c = fast.token_bytes(g.as_bytes(), p.as_bytes(), line);
                            prop_assert_eq!(c, a.is_ok());
                            if a.is_err() {
                                refused = true;
                                break 'all;
                            }
                            theirs_one_line.token(g, p, (line, line)).unwrap();
                        }
                        line += 1;
                        mine.boundary();
                        theirs.boundary();
                        fast.boundary();
                        theirs_one_line.boundary();
                    }
                    if !refused {
                        prop_assert_eq!(mine.finish(), theirs.finish(), "{} {:?}", scheme, sentences);
                        prop_assert_eq!(fast.finish(), theirs_one_line.finish(), "{} {:?}", scheme, sentences);
                    }
                }
            }
        }

        /// A tag refused by [`Strict::token`] is refused by the fast path's
        /// [`Strict::token_bytes`], which then counts nothing.
        #[test]
        fn token_bytes_refuses_what_token_refuses() {
            for scheme in SCHEMES {
                for &t in TAGS.iter().chain(REFUSED) {
                    let ok = Strict::new(scheme).token(t, "O", (1, 1)).is_ok();
                    let mut s = Strict::new(scheme);
                    assert_eq!(s.token_bytes(t.as_bytes(), b"O", 1), ok, "{scheme} {t:?}");
                    assert_eq!(s.token_bytes(b"O", t.as_bytes(), 1), ok, "{scheme} {t:?}");
                    if !ok {
                        assert_eq!(s.finish(), Counts::default());
                    }
                }
            }
        }
    }

    #[test]
    fn rejects_foreign_prefixes() {
        assert!(parse(TagScheme::Iob2, "E-PER").is_err());
        assert!(parse(TagScheme::Iob2, "o").is_err());
        assert!(parse(TagScheme::Iob2, "PER-B").is_err());
        assert!(parse(TagScheme::Iob2, "BPER").is_err());
        assert!(parse(TagScheme::Iob2, "").is_err());
        assert!(parse(TagScheme::Bilou, "S-PER").is_err());
        assert!(parse(TagScheme::Iobes, "U-PER").is_err());
        assert!(parse(TagScheme::Io, "B-PER").is_err());
    }
}
