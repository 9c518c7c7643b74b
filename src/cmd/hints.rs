//! The command line's words for the library's hints: each names the flag
//! that does what the hint says, in the sentences nerkit has always
//! printed.

use nerkit::{Hint, HintPlace, OffsetUnit};

/// The clause `nerkit` adds to a message for `hint` at `place`,
/// punctuation included, or `None` for a hint it has no flag for (the
/// library's words are used then).
///
/// The flags are those of `ReadArgs` (`src/cmd/read_args.rs`) and of
/// `nerkit eval`.
pub fn flag_text(hint: Hint, place: HintPlace) -> Option<&'static str> {
    use HintPlace::{Alternative, First};
    Some(match (hint, place) {
        (Hint::ReadLeniently, First) => "; use --lenient to read them as conlleval.pl does",
        (Hint::ReadLeniently, Alternative) => ", or --lenient to read them as conlleval.pl does",
        (Hint::NameTheScheme, First) => "; give the input scheme with --from-scheme",
        (Hint::NameTheScheme, Alternative) => ", or --from-scheme to name the right scheme",
        (Hint::AlignSpansToTokens, First) => {
            "; use --align contract or --align expand to move it to a token edge"
        }
        (Hint::AlignSpansToTokens, Alternative) => {
            ", or --align contract or --align expand to move it to a token edge"
        }
        (Hint::KeepOneOfOverlappingSpans, First) => {
            "; use --overlaps longest or --overlaps first to keep one"
        }
        (Hint::KeepOneOfOverlappingSpans, Alternative) => {
            ", or --overlaps longest or --overlaps first to keep one"
        }
        (Hint::SkipTokenCheck, First) => " (--no-token-check scores anyway)",
        (Hint::SkipTokenCheck, Alternative) => ", or --no-token-check to score anyway",
        // Names where the label set came from, which says how to extend it.
        (Hint::ExtendTheLabelSet, First) => " given with --labels",
        (Hint::ExtendTheLabelSet, Alternative) => ", or add it to --labels",
        (Hint::ReadOffsetsAs(unit), First) => match unit {
            OffsetUnit::Bytes => "; read them with --offsets bytes",
            OffsetUnit::Chars => "; read them with --offsets chars",
            OffsetUnit::Utf16 => "; read them with --offsets utf16",
        },
        (Hint::ChooseAnAnnotation, First) => {
            "; choose with --annotation first, --annotation last or --annotation all"
        }
        _ => return None,
    })
}
