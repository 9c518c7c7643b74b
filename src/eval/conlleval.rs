//! conlleval.pl's chunk rules, exactly, on raw tag strings.
//!
//! A tag is split at its **first** hyphen: the prefix is the text before
//! it, the type everything after (`B-PER-NAME` is `B` + `PER-NAME`, `PER-B`
//! is `PER` + `B`); a tag without a hyphen is all prefix with an empty type
//! (`O`, `B`, `o`). A type spelled `0` is the empty type, as it is false in
//! Perl. Only the prefixes `B I E O . [ ]` take part in the rules below;
//! any other prefix (`S`, `U`, `L`, `o`, `PER`) is only seen through the
//! "type changed" rule. This is what conlleval.pl 2004-01-26 does:
//!
//! * a chunk **starts** at the current tag when the prefixes (previous,
//!   current) are `B B`, `I B`, `O B`, `O I`, `E E`, `E I` or `O E`; or the
//!   current prefix is not `O` or `.` and the type differs from the
//!   previous one; or the current prefix is `[` or `]`;
//! * a chunk **ends** before the current tag when the prefixes are `B B`,
//!   `B O`, `I B`, `I O`, `E E`, `E I` or `E O`; or the previous prefix is
//!   not `O` or `.` and the type differs; or the previous prefix is `[` or
//!   `]`;
//! * a chunk is **correct** when gold and prediction start one on the same
//!   token with the same type and the first later position where either
//!   side ends one is a position where both do;
//! * accuracy counts tokens whose parsed prefix and type agree.
//!
//! Sentence boundaries are pseudo-tokens tagged `O O` that are not counted.
//! The state before the first token is `O` with an empty type.

use super::counts::{Counts, TypeTable};

/// A prefix, as far as the rules can tell prefixes apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum P {
    B = 0,
    I = 1,
    E = 2,
    O = 3,
    Dot = 4,
    Bracket = 5,
    Other = 6,
}

const ALL: [P; 7] = [P::B, P::I, P::E, P::O, P::Dot, P::Bracket, P::Other];

#[inline]
fn class(prefix: &[u8]) -> P {
    match *prefix {
        [b'B'] => P::B,
        [b'I'] => P::I,
        [b'E'] => P::E,
        [b'O'] => P::O,
        [b'.'] => P::Dot,
        [b'['] | [b']'] => P::Bracket,
        _ => P::Other,
    }
}

/// Two prefixes of class `c` are equal: the class tells all but the
/// brackets and the other prefixes apart.
#[inline]
fn same_prefix(c: P, a: &[u8], b: &[u8]) -> bool {
    match c {
        P::Bracket | P::Other => a == b,
        _ => true,
    }
}

const fn end_by_prefixes(prev: P, cur: P) -> bool {
    matches!(
        (prev, cur),
        (P::B, P::B)
            | (P::B, P::O)
            | (P::I, P::B)
            | (P::I, P::O)
            | (P::E, P::E)
            | (P::E, P::I)
            | (P::E, P::O)
    ) || matches!(prev, P::Bracket)
}

const fn start_by_prefixes(prev: P, cur: P) -> bool {
    matches!(
        (prev, cur),
        (P::B, P::B)
            | (P::I, P::B)
            | (P::O, P::B)
            | (P::O, P::I)
            | (P::E, P::E)
            | (P::E, P::I)
            | (P::O, P::E)
    ) || matches!(cur, P::Bracket)
}

/// A chunk starts whatever the types.
const START: u8 = 1;
/// A chunk ends whatever the types.
const END: u8 = 2;
/// A chunk starts when the type changes (the current prefix is not `O`
/// or `.`).
const START_TYPED: u8 = 4;
/// A chunk ends when the type changes (the previous prefix is not `O` or
/// `.`).
const END_TYPED: u8 = 8;

/// The rules above for every (previous, current) prefix class.
const RULES: [[u8; 7]; 7] = {
    let mut t = [[0u8; 7]; 7];
    let mut i = 0;
    while i < 7 {
        let mut j = 0;
        while j < 7 {
            let (prev, cur) = (ALL[i], ALL[j]);
            let mut r = 0;
            if start_by_prefixes(prev, cur) {
                r |= START;
            }
            if end_by_prefixes(prev, cur) {
                r |= END;
            }
            if !matches!(cur, P::O | P::Dot) {
                r |= START_TYPED;
            }
            if !matches!(prev, P::O | P::Dot) {
                r |= END_TYPED;
            }
            t[i][j] = r;
            j += 1;
        }
        i += 1;
    }
    t
};

/// (a chunk ends before `cur`, one starts at `cur`).
#[inline]
fn end_start(prev: P, cur: P, prev_type: u32, cur_type: u32) -> (bool, bool) {
    let r = RULES[prev as usize][cur as usize];
    let diff = prev_type != cur_type;
    (
        r & END != 0 || (r & END_TYPED != 0 && diff),
        r & START != 0 || (r & START_TYPED != 0 && diff),
    )
}

/// [`split_tag`] on bytes.
#[inline]
fn split_tag_bytes(tag: &[u8]) -> (&[u8], &[u8]) {
    let (prefix, ty) = match tag.iter().position(|&c| c == b'-') {
        Some(i) => (&tag[..i], &tag[i + 1..]),
        None => (tag, &[][..]),
    };
    (prefix, if ty == b"0" { &[] } else { ty })
}

/// Splits a tag at its first hyphen into prefix and type, with conlleval's
/// reading of the type `0` as empty.
///
/// ```
/// use nerkit::eval::conlleval::split_tag;
/// assert_eq!(split_tag("B-PER-NAME"), ("B", "PER-NAME"));
/// assert_eq!(split_tag("O"), ("O", ""));
/// assert_eq!(split_tag("B-0"), ("B", ""));
/// ```
#[inline]
pub fn split_tag(tag: &str) -> (&str, &str) {
    // Tags are short: a plain scan beats a call to memchr.
    let (prefix, ty) = match tag.bytes().position(|c| c == b'-') {
        Some(i) => (&tag[..i], &tag[i + 1..]),
        None => (tag, ""),
    };
    (prefix, if ty == "0" { "" } else { ty })
}

/// Options of conlleval.pl that change how tags are read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConllevalOptions {
    /// `-r`: every tag that is not the outside tag is a one-token chunk of
    /// that type (`B-` is put in front of it).
    pub raw: bool,
    /// `-o`: the outside tag in raw mode (default `O`). Like conlleval.pl,
    /// it has no effect without `raw`.
    pub outside: String,
}

impl Default for ConllevalOptions {
    fn default() -> Self {
        ConllevalOptions {
            raw: false,
            outside: "O".to_owned(),
        }
    }
}

impl ConllevalOptions {
    /// Sets `raw` (`-r`).
    pub fn raw(mut self, yes: bool) -> ConllevalOptions {
        self.raw = yes;
        self
    }

    /// Sets the outside tag (`-o`).
    pub fn outside(mut self, tag: impl Into<String>) -> ConllevalOptions {
        self.outside = tag.into();
        self
    }
}

/// A tag as prefix and type under `options` (raw mode included).
#[inline]
fn read_tag<'t>(options: &ConllevalOptions, tag: &'t str) -> (&'t str, &'t str) {
    if options.raw {
        if tag == options.outside || tag == "O" {
            ("O", "")
        } else {
            // conlleval.pl writes "B-" + tag and splits at the first
            // hyphen again, so the type is the whole tag.
            ("B", if tag == "0" { "" } else { tag })
        }
    } else {
        split_tag(tag)
    }
}

/// Two types are equal. Most tokens are `O`, whose type is empty: those
/// are told apart without a call to `memcmp`, which was 40% of the error
/// analysis' time on 5 million tokens (perf; one call per token and side).
#[cfg(test)]
#[inline]
fn same_type(a: &str, b: &str) -> bool {
    a.len() == b.len() && (a.is_empty() || a.as_bytes()[0] == b.as_bytes()[0] && a == b)
}

/// The chunks of one side of a sentence by the rules above, for the error
/// analysis (which needs spans, where the scorer only counts): `found` gets
/// (first token, end token, type) of each chunk in order.
///
/// A chunk runs from the token where one starts to the first later token
/// where one ends or another starts, or to the sentence end. On well-formed
/// input of any scheme these are the chunks the scorer counts; on the
/// exotic sequences where conlleval.pl starts a chunk without ending the
/// open one (`I-X .-X I-Y`) the open one is cut there, so the chunk count
/// is still conlleval.pl's.
///
/// The analysis uses [`ChunkState`], token by token; this whole-sentence
/// form is the reference it is tested against.
#[cfg(test)]
pub(crate) fn side_chunks<'t>(
    options: &ConllevalOptions,
    tags: impl IntoIterator<Item = &'t str>,
    mut found: impl FnMut(u32, u32, &'t str),
) {
    let mut prev: (P, &str) = (P::O, "");
    let mut open: Option<(u32, &str)> = None;
    let mut n = 0u32;
    for tag in tags {
        let (p, ty) = read_tag(options, tag);
        let cur = (class(p.as_bytes()), ty);
        let r = RULES[prev.0 as usize][cur.0 as usize];
        let diff = !same_type(prev.1, cur.1);
        let end = r & END != 0 || (r & END_TYPED != 0 && diff);
        let start = r & START != 0 || (r & START_TYPED != 0 && diff);
        if end || start {
            if let Some((s, t)) = open.take() {
                found(s, n, t);
            }
        }
        if start {
            open = Some((n, ty));
        }
        prev = cur;
        n += 1;
    }
    if let Some((s, t)) = open {
        found(s, n, t);
    }
}

/// [`side_chunks`] token by token: the error analysis decodes each side
/// as the tokens come instead of keeping a sentence's tags and decoding
/// them at its end (the copies and the second pass were a third of the
/// analysis' instructions). Types are numbers the caller gives each
/// distinct type text ([`ChunkState::EMPTY`] for the empty type), so that
/// the "type changed" rule compares numbers.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChunkState {
    prev: P,
    prev_type: u32,
    /// The open chunk: (first token, type).
    open: Option<(u32, u32)>,
    /// Tokens seen in the sentence.
    n: u32,
}

impl Default for ChunkState {
    fn default() -> ChunkState {
        ChunkState {
            prev: P::O,
            prev_type: ChunkState::EMPTY,
            open: None,
            n: 0,
        }
    }
}

impl ChunkState {
    /// The number of the empty type (that of `O`).
    pub(crate) const EMPTY: u32 = 0;

    /// The next token is an `O` with the empty type: the commonest tag,
    /// told without reading it.
    #[inline]
    pub(crate) fn outside(&mut self) -> Option<(u32, u32, u32)> {
        if self.prev == P::O {
            // `O` after `O` neither starts nor ends a chunk.
            self.prev_type = Self::EMPTY;
            self.n += 1;
            return None;
        }
        self.push(b"O", Self::EMPTY)
    }

    /// The next token has prefix `prefix` and type number `ty` (as
    /// [`read_tag`] splits the tag); returns the chunk it closes, as
    /// (first token, end token, type).
    #[inline]
    pub(crate) fn push(&mut self, prefix: &[u8], ty: u32) -> Option<(u32, u32, u32)> {
        let cur = class(prefix);
        let r = RULES[self.prev as usize][cur as usize];
        let diff = self.prev_type != ty;
        let end = r & END != 0 || (r & END_TYPED != 0 && diff);
        let start = r & START != 0 || (r & START_TYPED != 0 && diff);
        let mut closed = None;
        if end || start {
            if let Some((s, t)) = self.open.take() {
                closed = Some((s, self.n, t));
            }
        }
        if start {
            self.open = Some((self.n, ty));
        }
        self.prev = cur;
        self.prev_type = ty;
        self.n += 1;
        closed
    }

    /// Ends the sentence: returns the chunk still open, and starts the
    /// next sentence from `O`.
    #[inline]
    pub(crate) fn finish(&mut self) -> Option<(u32, u32, u32)> {
        let closed = self.open.map(|(s, t)| (s, self.n, t));
        *self = ChunkState::default();
        closed
    }
}

/// A tag as prefix and type under `options`, for [`ChunkState`].
#[inline]
pub(crate) fn chunk_tag<'t>(options: &ConllevalOptions, tag: &'t str) -> (&'t str, &'t str) {
    read_tag(options, tag)
}

/// One side's state: the previous prefix and type (an index into the
/// scorer's [`TypeTable`]).
#[derive(Debug)]
struct Side {
    prev: P,
    prev_type: u32,
}

impl Side {
    fn new() -> Side {
        Side {
            prev: P::O,
            prev_type: TypeTable::EMPTY,
        }
    }

    #[inline]
    fn set(&mut self, p: P, ty: u32) {
        self.prev = p;
        self.prev_type = ty;
    }
}

/// The conlleval.pl scorer, fed one token (or boundary) at a time.
///
/// Memory does not grow with the input: it keeps the previous tag of each
/// side and one counter per entity type.
///
/// ```
/// use nerkit::eval::conlleval::Conlleval;
/// let mut c = Conlleval::new(Default::default());
/// for (g, p) in [("B-PER", "B-PER"), ("I-PER", "I-PER"), ("O", "B-LOC")] {
///     c.token(g, p);
/// }
/// c.boundary();
/// let counts = c.finish();
/// assert_eq!((counts.total.gold, counts.total.pred, counts.total.correct), (1, 2, 1));
/// ```
#[derive(Debug)]
pub struct Conlleval {
    options: ConllevalOptions,
    gold: Side,
    pred: Side,
    in_correct: bool,
    in_sentence: bool,
    counts: Counts,
    types: TypeTable,
}

impl Conlleval {
    /// A scorer with nothing counted yet.
    pub fn new(options: ConllevalOptions) -> Conlleval {
        Conlleval {
            options,
            gold: Side::new(),
            pred: Side::new(),
            in_correct: false,
            in_sentence: false,
            counts: Counts::default(),
            types: TypeTable::default(),
        }
    }

    #[inline]
    fn read<'t>(&self, tag: &'t str) -> (&'t str, &'t str) {
        read_tag(&self.options, tag)
    }

    /// Scores one token with its gold and predicted tag.
    #[inline]
    pub fn token(&mut self, gold: &str, pred: &str) {
        if self.options.raw {
            let (gp, gt) = self.read(gold);
            let (pp, pt) = self.read(pred);
            self.score(gp.as_bytes(), gt.as_bytes(), pp.as_bytes(), pt.as_bytes());
        } else {
            self.token_bytes(gold.as_bytes(), pred.as_bytes());
        }
    }

    /// [`Conlleval::token`] on the bytes of the tags, when not in raw mode
    /// (which [`Conlleval::token`] checks).
    #[inline(always)]
    pub(crate) fn token_bytes(&mut self, gold: &[u8], pred: &[u8]) {
        if self.options.raw {
            // Slices of text split at ASCII bytes are text.
            let text = |b| std::str::from_utf8(b).expect("tags are text");
            return self.token(text(gold), text(pred));
        }
        if gold == b"O" && pred == b"O" {
            // Most tokens of most inputs.
            self.outside();
            self.counts.correct_tags += 1;
            self.counts.tokens += 1;
            self.in_sentence = true;
            return;
        }
        let (gp, gt) = split_tag_bytes(gold);
        let (pp, pt) = split_tag_bytes(pred);
        self.score(gp, gt, pp, pt);
    }

    #[inline]
    fn score(&mut self, gp: &[u8], gt: &[u8], pp: &[u8], pt: &[u8]) {
        let (gc, pc) = (class(gp), class(pp));
        let gt = self.types.intern(gt);
        let pt = self.types.intern(pt);
        self.step(gc, gt, pc, pt);
        if gc == pc && gt == pt && same_prefix(gc, gp, pp) {
            self.counts.correct_tags += 1;
        }
        self.counts.tokens += 1;
        self.in_sentence = true;
    }

    /// A sentence boundary (a blank line, or a line whose first field is
    /// `-X-`): closes open chunks; not counted as a token.
    #[inline]
    pub fn boundary(&mut self) {
        self.outside();
        if self.in_sentence {
            self.counts.sentences += 1;
            self.in_sentence = false;
        }
    }

    /// [`Conlleval::step`] with `O` on both sides.
    #[inline]
    fn outside(&mut self) {
        if self.gold.prev == P::O && self.pred.prev == P::O {
            // `O` after `O` neither starts nor ends a chunk, whatever the
            // types, so a chunk still open (as after `I-X .-X O`) stays
            // open: only the types change.
            self.gold.prev_type = TypeTable::EMPTY;
            self.pred.prev_type = TypeTable::EMPTY;
        } else {
            self.step(P::O, TypeTable::EMPTY, P::O, TypeTable::EMPTY);
        }
    }

    #[inline]
    fn step(&mut self, gc: P, gt: u32, pc: P, pt: u32) {
        let (ge, gs) = end_start(self.gold.prev, gc, self.gold.prev_type, gt);
        let (pe, ps) = end_start(self.pred.prev, pc, self.pred.prev_type, pt);
        if self.in_correct {
            if ge && pe && self.pred.prev_type == self.gold.prev_type {
                self.in_correct = false;
                self.counts.total.correct += 1;
                self.types.at(self.gold.prev_type).correct += 1;
            } else if ge != pe || pt != gt {
                self.in_correct = false;
            }
        }
        if gs && ps && pt == gt {
            self.in_correct = true;
        }
        if gs {
            self.counts.total.gold += 1;
            self.types.at(gt).gold += 1;
        }
        if ps {
            self.counts.total.pred += 1;
            self.types.at(pt).pred += 1;
        }
        self.gold.set(gc, gt);
        self.pred.set(pc, pt);
    }

    /// Ends the input and returns the counts.
    pub fn finish(mut self) -> Counts {
        if self.in_sentence {
            self.counts.sentences += 1;
        }
        if self.in_correct {
            self.counts.total.correct += 1;
            self.types.at(self.gold.prev_type).correct += 1;
        }
        self.counts.types = self.types.into_sorted();
        self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(pairs: &[(&str, &str)]) -> (u64, u64, u64) {
        let mut c = Conlleval::new(ConllevalOptions::default());
        for &(g, p) in pairs {
            if g.is_empty() {
                c.boundary();
            } else {
                c.token(g, p);
            }
        }
        let t = c.finish().total;
        (t.gold, t.pred, t.correct)
    }

    #[test]
    fn iob1_start_is_correct() {
        assert_eq!(score(&[("B-PER", "I-PER"), ("I-PER", "I-PER")]), (1, 1, 1));
    }

    #[test]
    fn iobes_adjacent_merge() {
        // conlleval.pl merges S-X S-X into one chunk.
        assert_eq!(score(&[("S-PER", "S-PER"), ("S-PER", "S-PER")]), (1, 1, 1));
    }

    #[test]
    fn type_change_splits() {
        assert_eq!(score(&[("I-PER", "I-PER"), ("I-LOC", "I-PER")]), (2, 1, 0));
    }

    #[test]
    fn boundary_closes() {
        assert_eq!(
            score(&[("B-PER", "B-PER"), ("", ""), ("I-PER", "I-PER")]),
            (2, 2, 2)
        );
    }

    /// [`ChunkState`] with type numbers from a table, as the analysis
    /// drives it.
    fn chunk_states(options: &ConllevalOptions, tags: &[&str]) -> Vec<(u32, u32, String)> {
        let mut names: Vec<String> = vec![String::new()];
        let mut out = Vec::new();
        let mut state = ChunkState::default();
        for tag in tags {
            let closed = if *tag == "O" {
                state.outside()
            } else {
                let (prefix, ty) = chunk_tag(options, tag);
                let k = match names.iter().position(|n| n == ty) {
                    Some(k) => k,
                    None => {
                        names.push(ty.to_owned());
                        names.len() - 1
                    }
                };
                state.push(prefix.as_bytes(), k as u32)
            };
            out.extend(closed.map(|(s, e, t)| (s, e, names[t as usize].clone())));
        }
        out.extend(
            state
                .finish()
                .map(|(s, e, t)| (s, e, names[t as usize].clone())),
        );
        out
    }

    /// Tags that exercise every rule: each prefix class, the types `0`
    /// and empty, hyphens in the type, raw mode's outside tag.
    const TAGS: &[&str] = &[
        "O", "O", "B-PER", "I-PER", "E-PER", "S-PER", "B-LOC", "I-LOC", "E-LOC", "L-LOC", "U-LOC",
        "[-PER", "]-PER", ".-PER", ".-LOC", "B-0", "I-0", "B", "I", "E", "O-PER", "PER", "B-PER-X",
        "o", "[", "]", "NONE", "0", "-", "B-",
    ];

    proptest::proptest! {
        /// Token by token, the chunks are those of the whole-sentence
        /// reference, and a sentence end starts the next one afresh.
        #[test]
        fn chunk_state_decodes_as_side_chunks(
            picks in proptest::collection::vec(0usize..TAGS.len(), 0..40),
            raw in proptest::bool::ANY,
        ) {
            let options = ConllevalOptions::default().raw(raw).outside("NONE");
            let tags: Vec<&str> = picks.iter().map(|&k| TAGS[k]).collect();
            let mut want = Vec::new();
            side_chunks(&options, tags.iter().copied(), |s, e, t| want.push((s, e, t.to_owned())));
            proptest::prop_assert_eq!(chunk_states(&options, &tags), want);
        }
    }

    #[test]
    fn raw_mode() {
        let mut c = Conlleval::new(ConllevalOptions {
            raw: true,
            outside: "NONE".into(),
        });
        c.token("NP", "NP");
        c.token("NP", "VP");
        c.token("NONE", "O");
        let t = c.finish().total;
        assert_eq!((t.gold, t.pred, t.correct), (2, 2, 1));
    }
}
