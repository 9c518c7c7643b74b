//! Span files: one document per line, with its text and the character
//! offsets of each entity, as spaCy, doccano and Prodigy write them.
//!
//! ```text
//! {"text": "Ryan Crocker met Musharraf.", "entities": [{"start": 0, "end": 12, "label": "PER"}]}
//! {"text": "Ryan Crocker met Musharraf.", "label": [[0, 12, "PER"]]}
//! ```
//!
//! Offsets count code points by default (Python `str` indices); bytes and
//! UTF-16 code units can be chosen ([`OffsetUnit`](crate::OffsetUnit)). `entities` holds
//! objects with `start`, `end` and `label`, or `[start, end, label]`
//! arrays; `label` (doccano) holds arrays.
//!
//! # Reading: spans to tokens
//!
//! The text is split into tokens with the chosen [`Tokenizer`](crate::Tokenizer); each span
//! becomes an entity over the tokens it covers. Whitespace at a span's edge
//! is not part of any token and is dropped without notice. Two things can
//! go wrong, and each is an error by default, naming the line and the span:
//!
//! - a span edge falls inside a token. With [`Align::Contract`] the edge
//!   moves inward to the nearest token edge, with [`Align::Expand`]
//!   outward; every moved span is counted as a repair (`align-contract`,
//!   `align-expand`). A span that contracts to nothing is dropped and
//!   counted (`dropped-no-whole-token`). With [`Align::Split`] the token
//!   is split at the edge instead, so the span keeps its offsets exactly
//!   (character-level scoring reads this way).
//! - spans overlap (after alignment, in tokens): BIO tags cannot hold
//!   nested or crossing entities. With [`Overlaps::Longest`] the longest
//!   span is kept (then the earliest, then the first in the file), with
//!   [`Overlaps::First`] the earliest (then the longest); every span that
//!   collides with a kept one is dropped and counted by how it collides:
//!   `dropped-same-span` (same tokens, another label), `dropped-nested` (one
//!   inside the other) or `dropped-crossing`. An exact duplicate (same
//!   tokens, same label) holds nothing new and is always dropped and
//!   counted as `dropped-duplicate`.
//!
//! # Sentences
//!
//! A document is one sentence unless [`ReadOptions::sentences`] says how
//! to split it: `line` starts a sentence after every line break of the
//! text, `auto` also after a token of `.`, `!` and `?` followed by
//! whitespace; never inside an entity. The token offsets a reader records
//! stay relative to the document; a writer of spans writes each sentence as
//! a document of its own, with offsets relative to the sentence's text
//! (which ends with the whitespace after its last token), and with the
//! document's other members on each line, so that `id` says which document
//! a sentence came from.
//!
//! # Writing: tokens to spans
//!
//! The [`Writer`] writes the text as it was read when the reader recorded
//! the whitespace around tokens (this reader, and the readers of
//! annotation-tool exports, do), else it joins the tokens with single
//! spaces; it gives each entity's offsets in that text, and keeps the
//! members the reader did not interpret (`id`, `meta`, ...) as written, so
//! that spans to spans moves nothing but entity offsets.

pub(crate) mod document;
mod fast;
#[cfg(test)]
mod fast_tests;
pub(crate) mod parse;
mod read;
#[cfg(test)]
pub(crate) mod scan_tests;
mod write;

pub(crate) use write::StatedText;

pub use read::{Align, Overlaps, ReadOptions, Reader};
pub use write::Writer;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Hint, Result};
    use crate::repair::{DropReason, RepairKind};
    use crate::sentence::{OffsetUnit, Sentence};

    const CROSSING: RepairKind = RepairKind::Dropped(DropReason::Crossing);
    const NESTED: RepairKind = RepairKind::Dropped(DropReason::Nested);

    fn read(line: &str, opts: ReadOptions) -> Result<(Vec<String>, Vec<RepairKind>)> {
        let mut r = Reader::new(line.as_bytes(), opts);
        let mut s = Sentence::new();
        assert!(r.read_sentence(&mut s)?);
        let e = s
            .entities()
            .map(|e| {
                let t: Vec<&str> = (e.tokens.range()).map(|i| s.token(i).text).collect();
                format!("{} {}", e.label, t.join(" "))
            })
            .collect();
        let kinds = r.take_repairs().map(|r| r.kind).collect();
        Ok((e, kinds))
    }

    fn opts(align: Align, overlaps: Overlaps) -> ReadOptions {
        ReadOptions {
            align,
            overlaps,
            ..ReadOptions::default()
        }
    }

    #[test]
    fn chars_doccano_and_alignment() {
        let line = r#"{"text": "😀 Pakistan’s army", "label": [[2, 10, "LOC"], [13, 17, "ORG"]]}"#;
        // "Pakistan" ends inside the token "Pakistan’s".
        let e = read(line, ReadOptions::default()).unwrap_err();
        assert!(
            e.to_string().contains("inside the token \"Pakistan’s\""),
            "{e}"
        );
        assert_eq!(e.hints(), [Hint::AlignSpansToTokens]);
        let (e, k) = read(line, opts(Align::Expand, Overlaps::Error)).unwrap();
        assert_eq!(e, ["LOC Pakistan’s", "ORG army"]);
        assert_eq!(k, [RepairKind::AlignExpand]);
        let (e, k) = read(line, opts(Align::Contract, Overlaps::Error)).unwrap();
        assert_eq!(e, ["ORG army"]);
        assert_eq!(k, [RepairKind::Dropped(DropReason::NoWholeToken)]);
        // Split cuts "Pakistan’s" at the span's end and repairs nothing.
        let (e, k) = read(line, opts(Align::Split, Overlaps::Error)).unwrap();
        assert_eq!(e, ["LOC Pakistan", "ORG army"]);
        assert!(k.is_empty());
        let inside = r#"{"text": "xPakistany z", "label": [[1, 5, "A"], [3, 9, "B"]]}"#;
        let (e, _) = read(inside, opts(Align::Split, Overlaps::Longest)).unwrap();
        assert_eq!(e, ["A Pa ki"]);
        let utf16 = r#"{"text": "😀 a", "entities": [{"start": 3, "end": 4, "label": "X"}]}"#;
        let o = ReadOptions {
            offsets: OffsetUnit::Utf16,
            ..ReadOptions::default()
        };
        assert_eq!(read(utf16, o).unwrap().0, ["X a"]);
    }

    #[test]
    fn overlaps() {
        let line = r#"{"text": "a b c d", "entities": [[0, 3, "X"], [2, 7, "Y"], [2, 3, "Z"], [0, 3, "X"], [0, 3, "W"]]}"#;
        let e = read(line, ReadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("overlaps"), "{e}");
        assert_eq!(e.hints(), [Hint::KeepOneOfOverlappingSpans]);
        let (e, mut k) = read(line, opts(Align::Strict, Overlaps::Longest)).unwrap();
        assert_eq!(e, ["Y b c d"]);
        k.sort();
        assert_eq!(k, [CROSSING, CROSSING, CROSSING, NESTED]);
        let (e, mut k) = read(line, opts(Align::Strict, Overlaps::First)).unwrap();
        assert_eq!(e, ["X a b"]);
        k.sort();
        assert_eq!(
            k,
            [
                CROSSING,
                RepairKind::Dropped(DropReason::Duplicate),
                NESTED,
                RepairKind::Dropped(DropReason::SameSpan)
            ]
        );
    }
}
