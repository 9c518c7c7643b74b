//! The four matching schemas of SemEval-2013 task 9.1 as nervaluate 1.2.1
//! names and counts them, with an optimal one-to-one assignment.
//!
//! Every schema pairs predicted with gold entities one to one and counts
//! each pair as correct (COR), incorrect (INC) or partial (PAR); a gold
//! entity left alone is missed (MIS), a predicted one spurious (SPU):
//!
//! | schema | COR | INC | PAR |
//! |---|---|---|---|
//! | strict | same span and type | any other overlap | - |
//! | exact | same span | any other overlap | - |
//! | partial | same span | - | any other overlap |
//! | type | overlap, same type | overlap, other type | - |
//!
//! POSSIBLE = COR + INC + PAR + MIS (the gold entities), ACTUAL = COR +
//! INC + PAR + SPU (the predicted ones); precision = COR / ACTUAL and
//! recall = COR / POSSIBLE, where `partial` and `type` count COR plus half
//! of PAR instead of COR, as nervaluate does; F1 is their harmonic mean,
//! and a ratio with a zero denominator is 0.
//!
//! "Overlap" is at least one shared token and, with a minimum overlap, at
//! least that share of the gold entity's tokens (nervaluate's
//! `min_overlap_percentage`: `100 * shared / gold length >= percentage`).
//!
//! # The assignment
//!
//! nervaluate walks the predictions in order and gives each the first
//! unclaimed gold entity it overlaps (in `ent_type`, the closest one of the
//! same type, else the first of another type), so a prediction of the wrong
//! type can take a gold entity that a later prediction of the right type
//! overlaps too. nerkit instead takes, per sentence, the assignment that
//! maximises, in this order: the COR pairs, then the pairs (so INC or PAR
//! rather than MIS plus SPU), then pairs of the same type, then closeness
//! (the least sum of start and end distances). That is the best possible
//! score for the schema, and it does not depend on the order of the input.
//!
//! Within a sentence the gold entities do not overlap one another, nor do
//! the predicted ones, so the overlap pairs sorted by (gold index,
//! predicted index) are sorted by both indices: the pairs a pair conflicts
//! with (sharing its gold or its predicted entity) are the ones just before
//! it, and every pair before those is compatible with it. The best
//! assignment is then a dynamic programme over the sorted pairs, linear in
//! their number; ties keep the earlier choice (a pair is taken only when
//! it makes the total strictly better), so the answer is one fixed
//! function of the sentence's entities.
//!
//! # Per type
//!
//! A pair and a missed entity count under the gold entity's type, a
//! spurious entity under its own type, so the rows of the types add up to
//! the overall row and POSSIBLE of a type is its number of gold entities.
//! nervaluate instead scores each type on the entities of that type alone
//! (a gold `PER` overlapped by a predicted `LOC` is a `PER` miss and a
//! `LOC` spurious entity there), so its type rows do not add up.

use serde::{Deserialize, Serialize};

/// A matching schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Schema {
    /// Same span and type.
    Strict,
    /// Same span, any type.
    Exact,
    /// Overlapping spans count half when not the same span; any type.
    Partial,
    /// Overlapping spans of the same type.
    Type,
}

impl Schema {
    /// Every schema, in report order.
    pub const ALL: [Schema; 4] = [Schema::Strict, Schema::Exact, Schema::Partial, Schema::Type];

    /// The schema's name (`strict`, `exact`, `partial`, `type`).
    pub fn name(self) -> &'static str {
        match self {
            Schema::Strict => "strict",
            Schema::Exact => "exact",
            Schema::Partial => "partial",
            Schema::Type => "type",
        }
    }

    /// Whether a partial match earns half a point (nervaluate's
    /// `partial_or_type`).
    pub fn half_credit(self) -> bool {
        matches!(self, Schema::Partial | Schema::Type)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl std::str::FromStr for Schema {
    type Err = String;

    fn from_str(s: &str) -> Result<Schema, String> {
        match s {
            "strict" => Ok(Schema::Strict),
            "exact" => Ok(Schema::Exact),
            "partial" => Ok(Schema::Partial),
            "type" | "ent_type" => Ok(Schema::Type),
            _ => Err(format!(
                "unknown matching schema \"{s}\" (expected strict, exact, partial, type or all)"
            )),
        }
    }
}

impl std::fmt::Display for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The counts of one schema (overall or for one type).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaCounts {
    /// Correct pairs.
    pub cor: u64,
    /// Incorrect pairs.
    pub inc: u64,
    /// Partial pairs.
    pub par: u64,
    /// Gold entities without a pair.
    pub mis: u64,
    /// Predicted entities without a pair.
    pub spu: u64,
}

impl SchemaCounts {
    /// COR + INC + PAR + MIS: the gold entities.
    pub fn possible(&self) -> u64 {
        self.cor + self.inc + self.par + self.mis
    }

    /// COR + INC + PAR + SPU: the predicted entities.
    pub fn actual(&self) -> u64 {
        self.cor + self.inc + self.par + self.spu
    }

    /// Precision, recall and F1 as nervaluate computes them for `schema`.
    pub fn scores(&self, schema: Schema) -> (f64, f64, f64) {
        let credit = if schema.half_credit() {
            self.cor as f64 + 0.5 * self.par as f64
        } else {
            self.cor as f64
        };
        let (a, p) = (self.actual(), self.possible());
        let precision = if a > 0 { credit / a as f64 } else { 0.0 };
        let recall = if p > 0 { credit / p as f64 } else { 0.0 };
        let f1 = if precision + recall > 0.0 {
            2.0 * (precision * recall) / (precision + recall)
        } else {
            0.0
        };
        (precision, recall, f1)
    }

    /// Adds `other` to these counts.
    pub fn add(&mut self, other: &SchemaCounts) {
        self.cor += other.cor;
        self.inc += other.inc;
        self.par += other.par;
        self.mis += other.mis;
        self.spu += other.spu;
    }
}

/// An entity of one side of a sentence: tokens `start..end` and a label
/// index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ent {
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub(crate) label: u32,
}

impl Ent {
    pub(crate) fn len(&self) -> u32 {
        self.end - self.start
    }
}

/// A pair of overlapping entities: gold index, predicted index, and what
/// the schemas ask of it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Edge {
    pub(crate) g: u32,
    pub(crate) p: u32,
    pub(crate) same_span: bool,
    pub(crate) same_type: bool,
    /// Enough of the gold entity is covered for the minimum overlap.
    pub(crate) enough: bool,
    /// |start difference| + |end difference|.
    pub(crate) distance: u32,
}

/// Every overlapping (gold, predicted) pair of a sentence, sorted by gold
/// then predicted index. Both sides must be sorted by start and free of
/// overlaps within the side.
pub(crate) fn overlaps(gold: &[Ent], pred: &[Ent], min_percent: f64, out: &mut Vec<Edge>) {
    out.clear();
    let mut first = 0;
    for (i, g) in gold.iter().enumerate() {
        while first < pred.len() && pred[first].end <= g.start {
            first += 1;
        }
        let mut j = first;
        while j < pred.len() && pred[j].start < g.end {
            let p = pred[j];
            let shared = g.end.min(p.end) - g.start.max(p.start);
            // nervaluate's expression, so that the thresholds agree to the
            // last bit.
            let percent = (shared as f64 / g.len() as f64) * 100.0;
            out.push(Edge {
                g: i as u32,
                p: j as u32,
                same_span: g.start == p.start && g.end == p.end,
                same_type: g.label == p.label,
                enough: percent >= min_percent,
                distance: g.start.abs_diff(p.start) + g.end.abs_diff(p.end),
            });
            j += 1;
        }
    }
}

/// What an assignment maximises, compared in field order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Weight(u64, u64, u64, i64);

impl std::ops::Add for Weight {
    type Output = Weight;
    fn add(self, o: Weight) -> Weight {
        Weight(self.0 + o.0, self.1 + o.1, self.2 + o.2, self.3 + o.3)
    }
}

/// Whether `e` counts as COR in `schema`.
pub(crate) fn correct(schema: Schema, e: &Edge) -> bool {
    match schema {
        Schema::Strict => e.same_span && e.same_type,
        Schema::Exact | Schema::Partial => e.same_span,
        Schema::Type => e.same_type,
    }
}

/// Whether `e` may be a pair in `schema`: a same span always is (it covers
/// all of the gold entity), any other overlap when it is enough.
fn usable(e: &Edge) -> bool {
    e.same_span || e.enough
}

/// Reused buffers of [`assign`].
#[derive(Debug, Default)]
pub(crate) struct Assigner {
    best: Vec<Weight>,
    take: Vec<bool>,
    back: Vec<u32>,
}

impl Assigner {
    /// The best assignment for `schema` (see the module docs): the indices
    /// into `edges` of the chosen pairs, in order, into `chosen`.
    pub(crate) fn assign(&mut self, schema: Schema, edges: &[Edge], chosen: &mut Vec<u32>) {
        chosen.clear();
        let m = edges.len();
        self.best.clear();
        self.take.clear();
        self.back.clear();
        self.best.push(Weight::default());
        for k in 0..m {
            let e = &edges[k];
            // The first pair of the run of pairs just before `k` that share
            // its gold or its predicted entity.
            let mut c = k;
            while c > 0 && (edges[c - 1].g == e.g || edges[c - 1].p == e.p) {
                c -= 1;
            }
            let skip = self.best[k];
            let mut taken = false;
            let mut total = skip;
            if usable(e) {
                let w = Weight(
                    correct(schema, e) as u64,
                    1,
                    e.same_type as u64,
                    -(e.distance as i64),
                );
                let with = self.best[c] + w;
                if with > skip {
                    total = with;
                    taken = true;
                }
            }
            self.best.push(total);
            self.take.push(taken);
            self.back.push(c as u32);
        }
        let mut k = m;
        while k > 0 {
            if self.take[k - 1] {
                chosen.push((k - 1) as u32);
                k = self.back[k - 1] as usize;
            } else {
                k -= 1;
            }
        }
        chosen.reverse();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ent(start: u32, end: u32, label: u32) -> Ent {
        Ent { start, end, label }
    }

    /// The pairs (gold, pred) chosen for `schema`.
    fn pairs(schema: Schema, gold: &[Ent], pred: &[Ent]) -> Vec<(u32, u32)> {
        let mut edges = Vec::new();
        overlaps(gold, pred, 0.0, &mut edges);
        let mut chosen = Vec::new();
        Assigner::default().assign(schema, &edges, &mut chosen);
        chosen
            .iter()
            .map(|&k| (edges[k as usize].g, edges[k as usize].p))
            .collect()
    }

    #[test]
    fn wrong_type_first_does_not_steal_the_right_type() {
        // gold PER 0..3; pred LOC 0..1, PER 2..3: nervaluate's ent_type
        // gives the gold entity to the LOC prediction (INC, then SPU).
        let gold = [ent(0, 3, 1)];
        let pred = [ent(0, 1, 2), ent(2, 3, 1)];
        assert_eq!(pairs(Schema::Type, &gold, &pred), [(0, 1)]);
    }

    #[test]
    fn most_pairs_in_a_chain() {
        // g0 0..2, g1 2..4; p0 1..3 overlaps both, p1 3..4 only g1.
        let gold = [ent(0, 2, 1), ent(2, 4, 1)];
        let pred = [ent(1, 3, 1), ent(3, 4, 1)];
        assert_eq!(pairs(Schema::Strict, &gold, &pred), [(0, 0), (1, 1)]);
    }

    #[test]
    fn exact_spans_win() {
        let gold = [ent(0, 2, 1), ent(3, 5, 2)];
        let pred = [ent(0, 2, 1), ent(3, 5, 1)];
        assert_eq!(pairs(Schema::Exact, &gold, &pred), [(0, 0), (1, 1)]);
        assert_eq!(pairs(Schema::Strict, &gold, &pred), [(0, 0), (1, 1)]);
    }

    #[test]
    fn min_overlap_is_of_the_gold_entity() {
        let gold = [ent(0, 4, 1)];
        let pred = [ent(3, 6, 1)];
        let mut edges = Vec::new();
        overlaps(&gold, &pred, 25.0, &mut edges);
        assert!(edges[0].enough);
        overlaps(&gold, &pred, 26.0, &mut edges);
        assert!(!edges[0].enough);
    }

    #[test]
    fn scores_as_nervaluate() {
        let c = SchemaCounts {
            cor: 2,
            inc: 1,
            par: 2,
            mis: 1,
            spu: 3,
        };
        assert_eq!(c.possible(), 6);
        assert_eq!(c.actual(), 8);
        assert_eq!(c.scores(Schema::Strict).0, 2.0 / 8.0);
        assert_eq!(c.scores(Schema::Partial).1, 3.0 / 6.0);
    }
}
