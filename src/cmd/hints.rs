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
        (Hint::NameTheFormat, First) => "; name its format with --from FORMAT",
        (Hint::NameTheFormat, Alternative) => ", or name its format with --from FORMAT",
        (Hint::NameTheTagColumn, First) => "; name the tag column with --tag-column N",
        (Hint::NameTheTagColumn, Alternative) => ", or name it with --tag-column N",
        (Hint::NameTheTagStyle, First) => {
            "; give the tag style with --tag-style (prefix, suffix, none or bare)"
        }
        (Hint::NameTheTagStyle, Alternative) => ", or --tag-style to name the tag style",
        (Hint::NameTheTokenColumn, First) => {
            "; use --token-column 2 (and --comments and --misc-key KEY for CoNLL-U)"
        }
        (Hint::NameTheTokenColumn, Alternative) => ", or --token-column to name the token column",
        (Hint::NameTheMiscKey, First) => "; use --misc-key KEY (such as --misc-key NER)",
        (Hint::NameTheMiscKey, Alternative) => ", or --misc-key KEY to read the tag from its key",
        (Hint::NameTheClasses, First) => {
            "; give the class names with --label-names (a list or a file)"
        }
        (Hint::NameTheClasses, Alternative) => ", or --label-names to give the class names",
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
