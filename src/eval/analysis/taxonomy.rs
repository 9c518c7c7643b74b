//! What went wrong: every gold and every predicted entity in one class.
//!
//! Two entities are related when they share at least one token (the
//! minimum overlap of the schemas does not apply here). Each entity is
//! classified from the entities it overlaps on the other side:
//!
//! | class | gold entity | predicted entity |
//! |---|---|---|
//! | `correct` | one prediction, same span and type, and nothing else | the same pair |
//! | `missed` | overlaps no prediction | - |
//! | `spurious` | - | overlaps no gold entity |
//! | `wrong-type` | one prediction with the same span, other type | the same pair |
//! | `too-long` | one prediction of the same type that contains it | the same pair |
//! | `too-short` | one prediction of the same type inside it | the same pair |
//! | `shifted` | one prediction of the same type, overlapping, neither inside the other | the same pair |
//! | `boundary-type` | one prediction of another type and another span | the same pair |
//! | `split` | overlaps two or more predictions | the predictions of a split gold entity |
//! | `merged` | the gold entities of a merged prediction | overlaps two or more gold entities |
//!
//! "One prediction" means also that the prediction overlaps no other gold
//! entity. In a chain (gold A overlapped by prediction X, which also
//! overlaps gold B, which is also overlapped by prediction Y), A and X are
//! `merged` and B and Y `split`. So every gold entity has exactly one
//! class and so has every predicted one: per side, the classes add up to
//! the entities (`correct + missed + wrong-type + ... = gold`).
//! `too-long`, `too-short` and `shifted` together are the boundary errors.

use serde::{Deserialize, Serialize};

/// The class of one entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorClass {
    /// Same span and type as its one counterpart.
    Correct,
    /// A gold entity no prediction overlaps.
    Missed,
    /// A prediction that overlaps no gold entity.
    Spurious,
    /// Same span, another type.
    WrongType,
    /// Same type, the prediction contains the gold entity and is longer.
    TooLong,
    /// Same type, the prediction lies inside the gold entity and is shorter.
    TooShort,
    /// Same type, overlapping, neither inside the other.
    Shifted,
    /// Another span and another type.
    BoundaryType,
    /// One gold entity overlapped by several predictions.
    Split,
    /// Several gold entities overlapped by one prediction.
    Merged,
}

impl ErrorClass {
    /// Every class, in report order.
    pub const ALL: [ErrorClass; 10] = [
        ErrorClass::Correct,
        ErrorClass::Missed,
        ErrorClass::Spurious,
        ErrorClass::WrongType,
        ErrorClass::TooLong,
        ErrorClass::TooShort,
        ErrorClass::Shifted,
        ErrorClass::BoundaryType,
        ErrorClass::Split,
        ErrorClass::Merged,
    ];

    /// The class's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::Correct => "correct",
            ErrorClass::Missed => "missed",
            ErrorClass::Spurious => "spurious",
            ErrorClass::WrongType => "wrong-type",
            ErrorClass::TooLong => "too-long",
            ErrorClass::TooShort => "too-short",
            ErrorClass::Shifted => "shifted",
            ErrorClass::BoundaryType => "boundary-type",
            ErrorClass::Split => "split",
            ErrorClass::Merged => "merged",
        }
    }

    /// The class named `name` ([`ErrorClass::name`]).
    pub fn from_name(name: &str) -> Option<ErrorClass> {
        ErrorClass::ALL.into_iter().find(|c| c.name() == name)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// Entities per class on one side, indexed by [`ErrorClass::ALL`] order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassCounts(pub [u64; 10]);

impl ClassCounts {
    /// The count of `class`.
    pub fn get(&self, class: ErrorClass) -> u64 {
        self.0[class.index()]
    }

    /// All entities counted.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// Adds `other`.
    pub fn add(&mut self, other: &ClassCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }
}

/// The class of the gold and of the predicted entity of a lone pair
/// (each overlaps only the other).
pub(crate) fn pair_class(g: (u32, u32), p: (u32, u32), same_type: bool) -> ErrorClass {
    let same_span = g == p;
    match (same_span, same_type) {
        (true, true) => ErrorClass::Correct,
        (true, false) => ErrorClass::WrongType,
        (false, false) => ErrorClass::BoundaryType,
        (false, true) => {
            if p.0 <= g.0 && g.1 <= p.1 {
                ErrorClass::TooLong
            } else if g.0 <= p.0 && p.1 <= g.1 {
                ErrorClass::TooShort
            } else {
                ErrorClass::Shifted
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_pairs() {
        assert_eq!(pair_class((0, 2), (0, 2), true), ErrorClass::Correct);
        assert_eq!(pair_class((0, 2), (0, 2), false), ErrorClass::WrongType);
        assert_eq!(pair_class((1, 2), (0, 2), true), ErrorClass::TooLong);
        assert_eq!(pair_class((0, 3), (1, 2), true), ErrorClass::TooShort);
        assert_eq!(pair_class((0, 2), (1, 3), true), ErrorClass::Shifted);
        assert_eq!(pair_class((0, 2), (1, 3), false), ErrorClass::BoundaryType);
    }

    #[test]
    fn names_round_trip() {
        for c in ErrorClass::ALL {
            assert_eq!(ErrorClass::from_name(c.name()), Some(c));
        }
    }
}
