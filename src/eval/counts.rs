//! Raw counts: what every scorer produces and every report reads.

use std::collections::{BTreeMap, HashMap};

/// Chunk counts of one entity type (or of all types together).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct TypeCounts {
    /// Chunks in the gold data (conlleval's "phrases", seqeval's support).
    pub gold: u64,
    /// Chunks in the predictions (conlleval's "found").
    pub pred: u64,
    /// Predicted chunks that match a gold chunk exactly.
    pub correct: u64,
}

impl TypeCounts {
    /// The counts with gold and predictions swapped.
    pub fn swapped(self) -> TypeCounts {
        TypeCounts {
            gold: self.pred,
            pred: self.gold,
            correct: self.correct,
        }
    }
}

/// Ill-formed chunks found by strict decoding on one side (gold or
/// predictions): how many, and the lines of the first few.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IllFormedSide {
    /// How many chunks were not well-formed and so were not counted.
    pub count: u64,
    /// The line numbers (from 1) of the first token of the first
    /// [`IllFormedSide::KEPT`] ill-formed chunks.
    pub first_lines: Vec<u64>,
}

impl IllFormedSide {
    /// How many line numbers are remembered.
    pub const KEPT: usize = 5;

    pub(crate) fn add(&mut self, line: u64) {
        self.count += 1;
        if self.first_lines.len() < Self::KEPT {
            self.first_lines.push(line);
        }
    }
}

/// Everything a scorer counted over a whole input.
///
/// Per-type counts are keyed by the type name in a sorted map, so every
/// report lists types in the same (byte) order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counts {
    /// Tokens scored (sentence boundaries are not tokens).
    pub tokens: u64,
    /// Tokens whose gold and predicted tag agree (the accuracy numerator).
    pub correct_tags: u64,
    /// Sentences seen (runs of tokens between boundaries).
    pub sentences: u64,
    /// Counts over all types (micro totals).
    pub total: TypeCounts,
    /// Counts per entity type.
    pub types: BTreeMap<String, TypeCounts>,
    /// Ill-formed chunks in gold (strict mode only).
    pub ill_formed_gold: IllFormedSide,
    /// Ill-formed chunks in predictions (strict mode only).
    pub ill_formed_pred: IllFormedSide,
}

impl Counts {
    /// Token accuracy as a fraction in `0..=1`; 0 when there are no tokens.
    pub fn accuracy(&self) -> f64 {
        if self.tokens == 0 {
            0.0
        } else {
            self.correct_tags as f64 / self.tokens as f64
        }
    }

    /// The counts with gold and predictions swapped (ill-formed sides too).
    pub fn swapped(&self) -> Counts {
        Counts {
            tokens: self.tokens,
            correct_tags: self.correct_tags,
            sentences: self.sentences,
            total: self.total.swapped(),
            types: self
                .types
                .iter()
                .map(|(k, v)| (k.clone(), v.swapped()))
                .collect(),
            ill_formed_gold: self.ill_formed_pred.clone(),
            ill_formed_pred: self.ill_formed_gold.clone(),
        }
    }
}

/// Per-type counters keyed by borrowed type names: a name is copied only
/// the first time it is seen, so the counting loop does not allocate.
#[derive(Debug, Default)]
pub(crate) struct TypeTable {
    index: HashMap<String, usize>,
    counts: Vec<TypeCounts>,
}

impl TypeTable {
    #[inline]
    pub(crate) fn get(&mut self, label: &str) -> &mut TypeCounts {
        let i = match self.index.get(label) {
            Some(&i) => i,
            None => {
                let i = self.counts.len();
                self.index.insert(label.to_owned(), i);
                self.counts.push(TypeCounts::default());
                i
            }
        };
        &mut self.counts[i]
    }

    pub(crate) fn into_sorted(self) -> BTreeMap<String, TypeCounts> {
        let counts = self.counts;
        self.index
            .into_iter()
            .map(|(name, i)| (name, counts[i]))
            .collect()
    }
}
