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

use super::counts::{Counts, TypeTable};
use crate::scheme::TagScheme;

/// A prefix letter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum L {
    O = 1,
    B = 2,
    I = 4,
    E = 8,
    S = 16,
    U = 32,
    Last = 64,
}

const ANY: u8 = 0x7f;

fn letter(c: u8) -> Option<L> {
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cond {
    Any,
    Same,
    Diff,
}

/// (previous prefixes, current prefixes, label condition).
type Pattern = (u8, u8, Cond);

struct Patterns {
    start: &'static [Pattern],
    inside: &'static [Pattern],
    end: &'static [Pattern],
}

const O_: u8 = L::O as u8;
const B_: u8 = L::B as u8;
const I_: u8 = L::I as u8;
const E_: u8 = L::E as u8;
const S_: u8 = L::S as u8;
const U_: u8 = L::U as u8;
const L_: u8 = L::Last as u8;

// seqeval 1.2.2, seqeval/scheme.py.
const IOB2: Patterns = Patterns {
    start: &[(ANY, B_, Cond::Any)],
    inside: &[(B_, I_, Cond::Same), (I_, I_, Cond::Same)],
    end: &[
        (I_, O_, Cond::Any),
        (I_, I_, Cond::Diff),
        (I_, B_, Cond::Any),
        (B_, O_, Cond::Any),
        (B_, I_, Cond::Diff),
        (B_, B_, Cond::Any),
    ],
};
const IOE2: Patterns = Patterns {
    start: &[
        (O_, I_, Cond::Any),
        (O_, E_, Cond::Any),
        (E_, I_, Cond::Any),
        (E_, E_, Cond::Any),
        (I_, I_, Cond::Diff),
        (I_, E_, Cond::Diff),
    ],
    inside: &[(I_, E_, Cond::Same), (I_, I_, Cond::Same)],
    end: &[(E_, ANY, Cond::Any)],
};
const IOBES: Patterns = Patterns {
    start: &[(ANY, B_, Cond::Any), (ANY, S_, Cond::Any)],
    inside: &[
        (B_, I_, Cond::Same),
        (B_, E_, Cond::Same),
        (I_, I_, Cond::Same),
        (I_, E_, Cond::Same),
    ],
    end: &[(S_, ANY, Cond::Any), (E_, ANY, Cond::Any)],
};
const BILOU: Patterns = Patterns {
    start: &[(ANY, B_, Cond::Any), (ANY, U_, Cond::Any)],
    inside: &[
        (B_, I_, Cond::Same),
        (B_, L_, Cond::Same),
        (I_, I_, Cond::Same),
        (I_, L_, Cond::Same),
    ],
    end: &[(U_, ANY, Cond::Any), (L_, ANY, Cond::Any)],
};

/// A pattern list as a table over (previous, current) prefix letter (by
/// bit index): bit 0, it matches when the labels are the same; bit 1,
/// when they differ.
type Table = [[u8; 7]; 7];

const fn table(pats: &[Pattern]) -> Table {
    let mut t = [[0u8; 7]; 7];
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

/// A parsed tag: prefix letter and label as a byte range of the sentence
/// buffer.
#[derive(Clone, Copy, Debug)]
struct T {
    p: L,
    ls: u32,
    le: u32,
}

const OUT: T = T {
    p: L::O,
    ls: 0,
    le: 0,
};

/// A decoded entity: tokens `start..end` and its label range.
#[derive(Clone, Copy, Debug)]
struct Ent {
    start: u32,
    end: u32,
    ls: u32,
    le: u32,
}

/// Checks that `tag` is allowed in `scheme`: returns the byte offset of the
/// label in the tag, or a reason.
fn parse(scheme: TagScheme, tag: &str) -> Result<(L, usize), String> {
    let (names, mask) = allowed(scheme);
    let bytes = tag.as_bytes();
    let bad = || {
        format!(
            "not a tag of scheme {scheme} (its prefixes are {names}; a tag is O or PREFIX-LABEL)"
        )
    };
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

/// The strict scorer: buffers one sentence of tags, decodes both sides at
/// the sentence end and matches the entities.
#[derive(Debug)]
pub struct Strict {
    scheme: TagScheme,
    buf: String,
    gold: Vec<T>,
    pred: Vec<T>,
    gold_lines: Vec<u64>,
    pred_lines: Vec<u64>,
    gold_ents: Vec<Ent>,
    pred_ents: Vec<Ent>,
    ill: Vec<u32>,
    counts: Counts,
    types: TypeTable,
}

/// Which side of the evaluation a tag is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The gold data.
    Gold,
    /// The predictions.
    Pred,
}

impl Strict {
    /// A scorer for `scheme` with nothing counted yet.
    pub fn new(scheme: TagScheme) -> Strict {
        Strict {
            scheme,
            buf: String::new(),
            gold: Vec::new(),
            pred: Vec::new(),
            gold_lines: Vec::new(),
            pred_lines: Vec::new(),
            gold_ents: Vec::new(),
            pred_ents: Vec::new(),
            ill: Vec::new(),
            counts: Counts::default(),
            types: TypeTable::default(),
        }
    }

    #[inline]
    fn push(&mut self, tag: &str) -> Result<T, String> {
        push_tag(self.scheme, &mut self.buf, tag)
    }

    /// Adds one token. `lines` are the lines of the gold and predicted tag,
    /// remembered for reporting ill-formed chunks.
    ///
    /// # Errors
    /// When a tag is not allowed in the scheme: the side and the reason.
    pub fn token(
        &mut self,
        gold: &str,
        pred: &str,
        lines: (u64, u64),
    ) -> Result<(), (Side, String)> {
        let g = self.push(gold).map_err(|r| (Side::Gold, r))?;
        let p = self.push(pred).map_err(|r| (Side::Pred, r))?;
        self.gold.push(g);
        self.pred.push(p);
        self.gold_lines.push(lines.0);
        self.pred_lines.push(lines.1);
        self.counts.tokens += 1;
        if gold == pred {
            self.counts.correct_tags += 1;
        }
        Ok(())
    }

    /// Ends the current sentence: decodes and counts it.
    pub fn boundary(&mut self) {
        if self.gold.is_empty() {
            return;
        }
        self.counts.sentences += 1;
        let buf = self.buf.as_bytes();
        let label = |ls: u32, le: u32| &buf[ls as usize..le as usize];

        decode(
            self.scheme,
            &self.gold,
            &self.buf,
            &mut self.gold_ents,
            &mut self.ill,
        );
        for &i in &self.ill {
            self.counts
                .ill_formed_gold
                .record(self.gold_lines[i as usize]);
        }
        decode(
            self.scheme,
            &self.pred,
            &self.buf,
            &mut self.pred_ents,
            &mut self.ill,
        );
        for &i in &self.ill {
            self.counts
                .ill_formed_pred
                .record(self.pred_lines[i as usize]);
        }

        let text = |e: &Ent| &self.buf[e.ls as usize..e.le as usize];
        for e in &self.gold_ents {
            self.types.get(text(e)).gold += 1;
        }
        for e in &self.pred_ents {
            self.types.get(text(e)).pred += 1;
        }
        self.counts.total.gold += self.gold_ents.len() as u64;
        self.counts.total.pred += self.pred_ents.len() as u64;
        // Both lists are sorted by start and do not overlap.
        let (mut i, mut j) = (0, 0);
        while i < self.gold_ents.len() && j < self.pred_ents.len() {
            let (g, p) = (self.gold_ents[i], self.pred_ents[j]);
            if g.start < p.start {
                i += 1;
            } else if p.start < g.start {
                j += 1;
            } else {
                if g.end == p.end && label(g.ls, g.le) == label(p.ls, p.le) {
                    self.counts.total.correct += 1;
                    self.types
                        .get(&self.buf[g.ls as usize..g.le as usize])
                        .correct += 1;
                }
                i += 1;
                j += 1;
            }
        }
        self.buf.clear();
        self.gold.clear();
        self.pred.clear();
        self.gold_lines.clear();
        self.pred_lines.clear();
    }

    /// Ends the input and returns the counts.
    pub fn finish(mut self) -> Counts {
        self.boundary();
        self.counts.types = self.types.into_sorted();
        self.counts
    }
}

/// Parses `tag`, its label appended to `buf`.
#[inline]
fn push_tag(scheme: TagScheme, buf: &mut String, tag: &str) -> Result<T, String> {
    if tag == "O" {
        // Allowed in every scheme; most tags.
        let at = buf.len() as u32;
        return Ok(T {
            p: L::O,
            ls: at,
            le: at,
        });
    }
    let (p, at) = parse(scheme, tag)?;
    let ls = buf.len() as u32;
    if at < tag.len() {
        buf.push_str(&tag[at..]);
    }
    Ok(T {
        p,
        ls,
        le: buf.len() as u32,
    })
}

/// One side of a sentence decoded as [`Strict`] decodes it, for the error
/// analysis (which needs the entities' spans, where the scorer only counts
/// them). Buffers are reused from sentence to sentence.
#[derive(Debug)]
pub(crate) struct SideDecoder {
    scheme: TagScheme,
    buf: String,
    tags: Vec<T>,
    ents: Vec<Ent>,
    ill: Vec<u32>,
}

impl SideDecoder {
    pub(crate) fn new(scheme: TagScheme) -> SideDecoder {
        SideDecoder {
            scheme,
            buf: String::new(),
            tags: Vec::new(),
            ents: Vec::new(),
            ill: Vec::new(),
        }
    }

    /// Adds the next token's tag.
    ///
    /// # Errors
    /// A tag the scheme does not allow (the reason).
    pub(crate) fn push(&mut self, tag: &str) -> Result<(), String> {
        let t = push_tag(self.scheme, &mut self.buf, tag)?;
        self.tags.push(t);
        Ok(())
    }

    /// Decodes the sentence, calls `found` with (first token, end token,
    /// label) of each well-formed entity in order, and starts a new
    /// sentence. Ill-formed chunks are dropped, as the scorer drops them.
    pub(crate) fn finish(&mut self, mut found: impl FnMut(u32, u32, &str)) {
        decode(
            self.scheme,
            &self.tags,
            &self.buf,
            &mut self.ents,
            &mut self.ill,
        );
        for e in &self.ents {
            found(e.start, e.end, &self.buf[e.ls as usize..e.le as usize]);
        }
        self.buf.clear();
        self.tags.clear();
    }
}

/// Decodes one sentence of tags into entities (and the first token index
/// of every ill-formed chunk).
fn decode(scheme: TagScheme, tags: &[T], buf: &str, ents: &mut Vec<Ent>, ill: &mut Vec<u32>) {
    ents.clear();
    ill.clear();
    let b = buf.as_bytes();
    let same = |x: T, y: T| b[x.ls as usize..x.le as usize] == b[y.ls as usize..y.le as usize];
    match scheme {
        TagScheme::Iob2 => decode_patterns(&IOB2_T, tags, &same, ents, ill),
        TagScheme::Ioe2 => decode_patterns(&IOE2_T, tags, &same, ents, ill),
        TagScheme::Iobes => decode_patterns(&IOBES_T, tags, &same, ents, ill),
        TagScheme::Bilou => decode_patterns(&BILOU_T, tags, &same, ents, ill),
        TagScheme::Io | TagScheme::Iob1 | TagScheme::Ioe1 => {
            decode_permissive(scheme, tags, buf, ents)
        }
    }
}

/// IO, IOB1 and IOE1 as [`crate::scheme::decode_strict`] reads them (so
/// that `convert` and `eval` agree): a chunk is a maximal run of one label,
/// split before a `B-` (IOB1) or after an `E-` (IOE1); no chunk is
/// ill-formed.
fn decode_permissive(scheme: TagScheme, tags: &[T], buf: &str, ents: &mut Vec<Ent>) {
    use crate::scheme::{decode_strict, Prefix, Tag};
    let parsed: Vec<Tag<'_>> = tags
        .iter()
        .map(|t| Tag {
            prefix: match t.p {
                L::O => Prefix::Outside,
                L::B => Prefix::Begin,
                L::I => Prefix::Inside,
                L::E => Prefix::End,
                L::S => Prefix::Single,
                L::U => Prefix::Unit,
                L::Last => Prefix::Last,
            },
            label: &buf[t.ls as usize..t.le as usize],
        })
        .collect();
    let (mut entities, mut ill_formed) = (Vec::new(), Vec::new());
    // The prefixes were checked against the scheme when the tags were read.
    if decode_strict(scheme, &parsed, &mut entities, &mut ill_formed).is_ok() {
        for e in entities {
            let t = tags[e.tokens.start()];
            ents.push(Ent {
                start: e.tokens.start() as u32,
                end: e.tokens.end() as u32,
                ls: t.ls,
                le: t.le,
            });
        }
    }
}

#[inline]
fn matches(table: &Table, prev: T, cur: T, same: &impl Fn(T, T) -> bool) -> bool {
    let i = (prev.p as u8).trailing_zeros() as usize;
    let j = (cur.p as u8).trailing_zeros() as usize;
    match table[i][j] {
        0 => false,
        1 => same(prev, cur),
        2 => !same(prev, cur),
        _ => true,
    }
}

/// seqeval's `Tokens.entities`, with the dropped chunks reported.
fn decode_patterns(
    pat: &Tables,
    tags: &[T],
    same: &impl Fn(T, T) -> bool,
    ents: &mut Vec<Ent>,
    ill: &mut Vec<u32>,
) {
    let n = tags.len();
    // The sentence with an `O` sentinel after it.
    let get = |i: usize| if i < n { tags[i] } else { OUT };
    let mut i = 0;
    let mut prev = OUT;
    // The last orphan token (not in any started chunk), to group runs.
    let mut orphan: Option<usize> = None;
    while i <= n {
        let tok = get(i);
        if tok.p == L::O {
            // No scheme's chunk starts at `O` (see the test
            // `no_chunk_starts_at_o`), and `O` is no orphan.
            i += 1;
            prev = tok;
            continue;
        }
        if matches(&pat.start, prev, tok, same) {
            let mut j = i + 1;
            let mut pv = tok;
            // The sentinel is never inside, so this stops at n at the latest.
            while matches(&pat.inside, pv, get(j), same) {
                pv = get(j);
                j += 1;
            }
            if matches(&pat.end, get(j - 1), get(j), same) {
                ents.push(Ent {
                    start: i as u32,
                    end: j as u32,
                    ls: tok.ls,
                    le: tok.le,
                });
            } else {
                ill.push(i as u32);
            }
            i = j;
        } else {
            if tok.p != L::O {
                let continues = matches!(orphan, Some(k) if k + 1 == i && same(tags[k], tok));
                if !continues {
                    ill.push(i as u32);
                }
                orphan = Some(i);
            }
            i += 1;
        }
        prev = get(i - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entities as "LABEL start end" and the ill-formed starts.
    fn run(scheme: TagScheme, tags: &str) -> (Vec<String>, Vec<u32>) {
        let mut s = Strict::new(scheme);
        let mut ts = Vec::new();
        for tag in tags.split_whitespace() {
            ts.push(s.push(tag).unwrap());
        }
        let mut ents = Vec::new();
        let mut ill = Vec::new();
        decode(scheme, &ts, &s.buf, &mut ents, &mut ill);
        let ents = ents
            .iter()
            .map(|e| {
                format!(
                    "{} {} {}",
                    &s.buf[e.ls as usize..e.le as usize],
                    e.start,
                    e.end
                )
            })
            .collect();
        (ents, ill)
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
