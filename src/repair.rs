//! Repairs made under `--lenient`, and their counts.
//!
//! Lenient reading never changes data silently: every repair is recorded
//! with where it happened and what kind it is, so the command-line tool can
//! print each one as a warning and end with a count per kind.

use std::collections::BTreeMap;
use std::fmt;

use crate::span::Position;

/// One repair made to malformed input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repair {
    /// Where the malformed input is.
    pub pos: Position,
    /// A short stable name for the kind of repair, such as
    /// `"unclosed-entity"`; used to count repairs by kind.
    pub kind: &'static str,
    /// What was wrong and what was done, for a person.
    pub message: String,
}

impl fmt::Display for Repair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pos, self.message)
    }
}

/// Counts of repairs by kind, in a fixed (sorted) order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepairCounts {
    counts: BTreeMap<&'static str, u64>,
}

impl RepairCounts {
    /// No repairs.
    pub fn new() -> RepairCounts {
        RepairCounts::default()
    }

    /// Counts one repair.
    pub fn add(&mut self, repair: &Repair) {
        self.add_kind(repair.kind, 1);
    }

    /// Counts `n` repairs of `kind`.
    pub fn add_kind(&mut self, kind: &'static str, n: u64) {
        if n > 0 {
            *self.counts.entry(kind).or_insert(0) += n;
        }
    }

    /// Adds all counts of `other`.
    pub fn merge(&mut self, other: &RepairCounts) {
        for (k, n) in &other.counts {
            self.add_kind(k, *n);
        }
    }

    /// Total number of repairs.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Counts per kind, sorted by kind.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        self.counts.iter().map(|(k, n)| (*k, *n))
    }
}
