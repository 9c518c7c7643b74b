//! seqeval 1.2.2's strict-mode patterns (`seqeval/scheme.py`), in one
//! place for both strict decoders: the streaming one ([`super::strict`])
//! and the one over a file held in memory ([`super::memory`]).
//!
//! A prefix letter is a bit (seqeval's `Prefix` flags); a pattern is
//! (previous letters, current letters, label condition). A chunk starts
//! where a `start` pattern matches the previous and current tags, goes on
//! while `inside` patterns match, and is well formed when an `end` pattern
//! matches its last tag and the one after it.

use crate::scheme::TagScheme;

/// The prefix letter `O` as a bit.
pub(super) const PO: u8 = 1;
/// `B`.
pub(super) const PB: u8 = 2;
/// `I`.
pub(super) const PI: u8 = 4;
/// `E`.
pub(super) const PE: u8 = 8;
/// `S`.
pub(super) const PS: u8 = 16;
/// `U`.
pub(super) const PU: u8 = 32;
/// `L` (BILOU's last).
pub(super) const PL: u8 = 64;
/// Any letter.
pub(super) const PANY: u8 = 0x7f;

/// What a pattern asks of the labels of the previous and current tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cond {
    Any,
    Same,
    Diff,
}

/// (previous letters, current letters, label condition).
pub(super) type Pattern = (u8, u8, Cond);

/// The three pattern lists of a scheme.
pub(super) struct Patterns {
    pub(super) start: &'static [Pattern],
    pub(super) inside: &'static [Pattern],
    pub(super) end: &'static [Pattern],
}

pub(super) const IOB2: Patterns = Patterns {
    start: &[(PANY, PB, Cond::Any)],
    inside: &[(PB, PI, Cond::Same), (PI, PI, Cond::Same)],
    end: &[
        (PI, PO, Cond::Any),
        (PI, PI, Cond::Diff),
        (PI, PB, Cond::Any),
        (PB, PO, Cond::Any),
        (PB, PI, Cond::Diff),
        (PB, PB, Cond::Any),
    ],
};
pub(super) const IOE2: Patterns = Patterns {
    start: &[
        (PO, PI, Cond::Any),
        (PO, PE, Cond::Any),
        (PE, PI, Cond::Any),
        (PE, PE, Cond::Any),
        (PI, PI, Cond::Diff),
        (PI, PE, Cond::Diff),
    ],
    inside: &[(PI, PE, Cond::Same), (PI, PI, Cond::Same)],
    end: &[(PE, PANY, Cond::Any)],
};
pub(super) const IOBES: Patterns = Patterns {
    start: &[(PANY, PB, Cond::Any), (PANY, PS, Cond::Any)],
    inside: &[
        (PB, PI, Cond::Same),
        (PB, PE, Cond::Same),
        (PI, PI, Cond::Same),
        (PI, PE, Cond::Same),
    ],
    end: &[(PS, PANY, Cond::Any), (PE, PANY, Cond::Any)],
};
pub(super) const BILOU: Patterns = Patterns {
    start: &[(PANY, PB, Cond::Any), (PANY, PU, Cond::Any)],
    inside: &[
        (PB, PI, Cond::Same),
        (PB, PL, Cond::Same),
        (PI, PI, Cond::Same),
        (PI, PL, Cond::Same),
    ],
    end: &[(PU, PANY, Cond::Any), (PL, PANY, Cond::Any)],
};

/// The patterns of `scheme`; `None` for the schemes seqeval decodes by
/// runs of a label rather than by patterns (IO, IOB1, IOE1).
pub(super) const fn of(scheme: TagScheme) -> Option<&'static Patterns> {
    match scheme {
        TagScheme::Iob2 => Some(&IOB2),
        TagScheme::Ioe2 => Some(&IOE2),
        TagScheme::Iobes => Some(&IOBES),
        TagScheme::Bilou => Some(&BILOU),
        TagScheme::Io | TagScheme::Iob1 | TagScheme::Ioe1 => None,
    }
}
