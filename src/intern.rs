//! Finding a label's index among the labels seen so far, in time that does
//! not grow with their number.
//!
//! Label sets are usually small (4 to 20 types), where a scan that
//! compares lengths first beats hashing; but a corpus can have hundreds of
//! thousands (Wikidata IDs as types), where a scan per entity is quadratic.
//! So the scan serves the first [`SCANNED`] labels, and a hash map the
//! rest.

use std::collections::HashMap;

/// How many labels are found by a scan before the hash map takes over.
const SCANNED: usize = 32;

/// Indexes of labels, in the order they were first seen.
#[derive(Clone, Debug, Default)]
pub(crate) struct LabelIndex {
    /// The first [`SCANNED`] labels, scanned.
    first: Vec<Box<[u8]>>,
    /// The labels after them, and their indexes.
    rest: HashMap<Box<[u8]>, usize>,
}

impl LabelIndex {
    /// The index of `label`, if it was seen.
    #[inline]
    pub(crate) fn find(&self, label: &[u8]) -> Option<usize> {
        for (i, l) in self.first.iter().enumerate() {
            if l.len() == label.len() && **l == *label {
                return Some(i);
            }
        }
        if self.rest.is_empty() {
            None
        } else {
            self.rest.get(label).copied()
        }
    }

    /// Adds `label` (not seen before) and returns its index.
    pub(crate) fn add(&mut self, label: &[u8]) -> usize {
        let i = self.len();
        if self.first.len() < SCANNED {
            self.first.push(label.into());
        } else {
            self.rest.insert(label.into(), i);
        }
        i
    }

    /// The number of labels seen.
    pub(crate) fn len(&self) -> usize {
        self.first.len() + self.rest.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_label_past_the_scanned_ones() {
        let mut index = LabelIndex::default();
        let names: Vec<String> = (0..1000).map(|i| format!("L{i}")).collect();
        for (i, n) in names.iter().enumerate() {
            assert_eq!(index.find(n.as_bytes()), None);
            assert_eq!(index.add(n.as_bytes()), i);
        }
        for (i, n) in names.iter().enumerate() {
            assert_eq!(index.find(n.as_bytes()), Some(i));
        }
        assert_eq!(index.find(b"L1000"), None);
        assert_eq!(index.len(), 1000);
    }
}
