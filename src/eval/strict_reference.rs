//! The strict scorer as it was before it decoded token by token: it
//! buffered each sentence's labels as bytes and decoded both sides at the
//! sentence end with seqeval's forward scan. Kept, for tests only, as the
//! reference the streaming scorer of [`super`] is compared with.

use super::super::counts::{Counts, TypeTable};
use super::{parse, Side, Table, Tables, BILOU_T, IOB2_T, IOBES_T, IOE2_T, L};
use crate::scheme::TagScheme;

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

/// The strict scorer: buffers one sentence of tags, decodes both sides at
/// the sentence end and matches the entities.
#[derive(Debug)]
pub(super) struct Strict {
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

impl Strict {
    /// A scorer for `scheme` with nothing counted yet.
    pub(super) fn new(scheme: TagScheme) -> Strict {
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
    pub(super) fn token(
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
    pub(super) fn boundary(&mut self) {
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
    pub(super) fn finish(mut self) -> Counts {
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

/// One side's entities as "LABEL start end" and the first token of each
/// ill-formed chunk, or the reason a tag is refused.
pub(super) fn decode_side(
    scheme: TagScheme,
    tags: &[&str],
) -> Result<(Vec<String>, Vec<u32>), String> {
    let mut buf = String::new();
    let mut ts = Vec::new();
    for tag in tags {
        ts.push(push_tag(scheme, &mut buf, tag)?);
    }
    let (mut ents, mut ill) = (Vec::new(), Vec::new());
    decode(scheme, &ts, &buf, &mut ents, &mut ill);
    let ents = ents
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                &buf[e.ls as usize..e.le as usize],
                e.start,
                e.end
            )
        })
        .collect();
    Ok((ents, ill))
}
