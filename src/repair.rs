//! Repairs made when reading leniently, and their counts.
//!
//! Lenient reading never changes data silently: every repair is recorded
//! with where it happened and what kind it is, so the command-line tool can
//! print each one as a warning and end with a count per kind.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use crate::error::{write_clauses, Hint, HintPlace};
use crate::scheme::IllFormedKind;
use crate::span::Position;

/// What kind of repair was made.
///
/// Each kind has a short stable [`name`](RepairKind::name), such as
/// `unclosed-entity`, which summaries print and count by. Kinds are ordered
/// by name, so summaries list them alphabetically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RepairKind {
    /// An entity opened with `[LABEL` and never closed; its text is kept
    /// as plain tokens.
    UnclosedEntity,
    /// A `[LABEL` opener inside an open entity; read as text.
    NestedEntity,
    /// An entity with no text, such as `[PER  ]`; dropped.
    EmptyEntity,
    /// A label outside the label set; its text is kept as plain tokens.
    UnknownLabel,
    /// A `[` inside an open entity that opens nothing; read as text.
    BracketInEntity,
    /// Bytes that are not UTF-8; replaced with U+FFFD.
    InvalidUtf8,
    /// A tag that cannot be read; read as `O`.
    InvalidTag,
    /// A tag sequence the scheme would not write; read as conlleval.pl
    /// reads it.
    IllFormed(IllFormedKind),
    /// A span whose edge falls inside a token, moved inward to a token edge.
    AlignContract,
    /// A span whose edge falls inside a token, moved outward to a token edge.
    AlignExpand,
    /// A span that was dropped.
    Dropped(DropReason),
}

impl RepairKind {
    /// The kind's short stable name, such as `unclosed-entity`,
    /// `inside-after-outside` or `dropped-nested`.
    pub fn name(self) -> &'static str {
        match self {
            RepairKind::UnclosedEntity => "unclosed-entity",
            RepairKind::NestedEntity => "nested-entity",
            RepairKind::EmptyEntity => "empty-entity",
            RepairKind::UnknownLabel => "unknown-label",
            RepairKind::BracketInEntity => "bracket-in-entity",
            RepairKind::InvalidUtf8 => "invalid-utf8",
            RepairKind::InvalidTag => "invalid-tag",
            RepairKind::IllFormed(kind) => kind.name(),
            RepairKind::AlignContract => "align-contract",
            RepairKind::AlignExpand => "align-expand",
            RepairKind::Dropped(reason) => match reason {
                DropReason::NoWholeToken => "dropped-no-whole-token",
                DropReason::Duplicate => "dropped-duplicate",
                DropReason::SameSpan => "dropped-same-span",
                DropReason::Nested => "dropped-nested",
                DropReason::Crossing => "dropped-crossing",
            },
        }
    }

    /// True for the repairs that drop an entity (or a span that would have
    /// been one), which a summary counts apart from the others.
    pub fn is_drop(self) -> bool {
        matches!(self, RepairKind::Dropped(_))
    }
}

impl fmt::Display for RepairKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialOrd for RepairKind {
    fn partial_cmp(&self, other: &RepairKind) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RepairKind {
    /// By name.
    fn cmp(&self, other: &RepairKind) -> Ordering {
        self.name().cmp(other.name())
    }
}

/// Why a span was dropped.
///
/// Its [`name`](DropReason::name), such as `nested`, is the part of the
/// [`RepairKind::Dropped`] name after `dropped-`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DropReason {
    /// Its edges moved inward to token edges, and no whole token was left.
    NoWholeToken,
    /// Another span has the same tokens and the same label.
    Duplicate,
    /// Another span, kept, has the same tokens and another label.
    SameSpan,
    /// It lies within another span that was kept, or holds one.
    Nested,
    /// It overlaps a span that was kept, and neither holds the other.
    Crossing,
}

impl DropReason {
    /// Every reason, sorted by name.
    pub const ALL: [DropReason; 5] = [
        DropReason::Crossing,
        DropReason::Duplicate,
        DropReason::Nested,
        DropReason::NoWholeToken,
        DropReason::SameSpan,
    ];

    /// The reason's short stable name, such as `nested`.
    pub fn name(self) -> &'static str {
        match self {
            DropReason::NoWholeToken => "no-whole-token",
            DropReason::Duplicate => "duplicate",
            DropReason::SameSpan => "same-span",
            DropReason::Nested => "nested",
            DropReason::Crossing => "crossing",
        }
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialOrd for DropReason {
    fn partial_cmp(&self, other: &DropReason) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DropReason {
    /// By name.
    fn cmp(&self, other: &DropReason) -> Ordering {
        self.name().cmp(other.name())
    }
}

/// One repair made to malformed input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repair {
    /// Where the malformed input is.
    pub pos: Position,
    /// What kind of repair; used to count repairs by kind.
    pub kind: RepairKind,
    /// What was wrong and what was done, for a person, with the library's
    /// words for its [hints](Repair::hints).
    pub message: String,
    /// Hints whose clauses stand in `message` from byte `hints_at` on.
    hints: Vec<Hint>,
    hints_at: usize,
}

impl Repair {
    /// A repair of `kind` at `pos`, described by `message`.
    pub fn new(pos: Position, kind: RepairKind, message: impl Into<String>) -> Repair {
        Repair {
            pos,
            kind,
            message: message.into(),
            hints: Vec::new(),
            hints_at: 0,
        }
    }

    /// A repair whose message is a problem, the library's words for
    /// `hints`, and then what was done (`"; " + action`), so that
    /// [`Repair::message_with`] can word the hints again.
    pub(crate) fn with_hints(
        pos: Position,
        kind: RepairKind,
        problem: &str,
        hints: &[Hint],
        action: &str,
    ) -> Repair {
        let mut message = problem.to_string();
        let hints_at = message.len();
        write_clauses(&mut message, hints, &|_, _| None).expect("writing to a String");
        message.push_str("; ");
        message.push_str(action);
        Repair {
            pos,
            kind,
            message,
            hints: hints.to_vec(),
            hints_at,
        }
    }

    /// What the user can do to read the input differently; see [`Hint`].
    pub fn hints(&self) -> &[Hint] {
        &self.hints
    }

    /// The message with the hints in a front end's words: `clause` gives the
    /// words for a hint at its place, as for [`Error::to_diagnostic_with`](
    /// crate::Error::to_diagnostic_with).
    pub fn message_with(&self, clause: &dyn Fn(Hint, HintPlace) -> Option<&'static str>) -> String {
        if self.hints.is_empty() {
            return self.message.clone();
        }
        let mut library = String::new();
        write_clauses(&mut library, &self.hints, &|_, _| None).expect("writing to a String");
        let mut out = self.message[..self.hints_at].to_string();
        write_clauses(&mut out, &self.hints, clause).expect("writing to a String");
        out.push_str(&self.message[self.hints_at + library.len()..]);
        out
    }
}

impl fmt::Display for Repair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pos, self.message)
    }
}

/// Counts of repairs by kind, in a fixed (sorted) order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepairCounts {
    counts: BTreeMap<RepairKind, u64>,
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
    pub fn add_kind(&mut self, kind: RepairKind, n: u64) {
        if n > 0 {
            *self.counts.entry(kind).or_insert(0) += n;
        }
    }

    /// Adds all counts of `other`.
    pub fn merge(&mut self, other: &RepairCounts) {
        for (k, n) in &other.counts {
            self.add_kind(*k, *n);
        }
    }

    /// Total number of repairs.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Counts per kind, sorted by kind (that is, by name).
    pub fn iter(&self) -> impl Iterator<Item = (RepairKind, u64)> + '_ {
        self.counts.iter().map(|(k, n)| (*k, *n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every repair kind, in no particular order.
    fn every_kind() -> Vec<RepairKind> {
        let mut kinds = vec![
            RepairKind::UnclosedEntity,
            RepairKind::NestedEntity,
            RepairKind::EmptyEntity,
            RepairKind::UnknownLabel,
            RepairKind::BracketInEntity,
            RepairKind::InvalidUtf8,
            RepairKind::InvalidTag,
            RepairKind::AlignContract,
            RepairKind::AlignExpand,
        ];
        kinds.extend(IllFormedKind::ALL.map(RepairKind::IllFormed));
        kinds.extend(DropReason::ALL.map(RepairKind::Dropped));
        kinds
    }

    #[test]
    fn names_are_distinct_and_order_is_by_name() {
        let mut kinds = every_kind();
        kinds.sort();
        let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted);
    }

    #[test]
    fn drops_are_the_dropped_names() {
        for kind in every_kind() {
            assert_eq!(
                kind.is_drop(),
                kind.name().starts_with("dropped-"),
                "{kind}"
            );
            if let RepairKind::Dropped(reason) = kind {
                assert_eq!(kind.name(), format!("dropped-{reason}"));
            }
        }
        let mut all = DropReason::ALL;
        all.sort();
        assert_eq!(all, DropReason::ALL);
    }

    #[test]
    fn counts_list_kinds_by_name() {
        let mut counts = RepairCounts::new();
        counts.add_kind(RepairKind::UnknownLabel, 1);
        counts.add_kind(RepairKind::Dropped(DropReason::Nested), 2);
        counts.add_kind(RepairKind::IllFormed(IllFormedKind::TypeChange), 3);
        counts.add_kind(RepairKind::EmptyEntity, 0);
        let names: Vec<(&str, u64)> = counts.iter().map(|(k, n)| (k.name(), n)).collect();
        assert_eq!(
            names,
            [
                ("dropped-nested", 2),
                ("type-change", 3),
                ("unknown-label", 1)
            ]
        );
        assert_eq!(counts.total(), 6);
    }

    #[test]
    fn a_front_end_words_the_hints_of_a_repair() {
        let r = Repair::with_hints(
            Position::new(1, 3, 2),
            RepairKind::UnknownLabel,
            "label \"GPE\" is not in the label set",
            &[Hint::ExtendTheLabelSet],
            "kept its text as plain tokens",
        );
        assert_eq!(r.hints(), [Hint::ExtendTheLabelSet]);
        assert_eq!(
            r.message_with(&|_, _| Some(" given with LABELS")),
            "label \"GPE\" is not in the label set given with LABELS; kept its text as plain tokens"
        );
        assert_eq!(r.message_with(&|_, _| None), r.message);
        let plain = Repair::new(
            Position::new(1, 1, 0),
            RepairKind::InvalidTag,
            "x; read as O",
        );
        assert_eq!(plain.message_with(&|_, _| Some("!")), "x; read as O");
    }
}
