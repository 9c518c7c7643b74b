//! CoNLL token-per-line files: `TOKEN<TAB>TAG`, a blank line after each
//! sentence.
//!
//! The [`Reader`] accepts every common layout (tabs or runs of spaces,
//! extra columns, CRLF, a byte-order mark, `-DOCSTART-` lines in all their
//! spellings) and any tag scheme, given or detected; the [`Writer`] writes
//! two columns or the four of CoNLL-2003 ([`Columns`]) in any scheme.

mod fast;
#[cfg(test)]
mod fast_tests;
#[cfg(test)]
mod jsonl_tests;
mod line_masks;
mod read;
mod write;

pub use crate::scheme::tagging::{SchemeDetector, DETECT_BYTES};
pub use read::{detect_scheme, detect_tags, has_score_column, is_docstart, ReadOptions, Reader};
pub(crate) use write::check_token;
pub use write::{Columns, Writer};

/// The options a CoNLL-U input is read with: words in column 2, `#`
/// comments skipped, and the tag from the MISC key that holds tags in the
/// first lines (`NER=B-PER`, `NE=...`; `NER` when none is seen), unless the
/// user named a key, a tag column or a token column.
pub fn conllu_options(prefix: &[u8], opts: &ReadOptions) -> ReadOptions {
    let mut opts = opts.clone();
    opts.comments = true;
    opts.token_column.get_or_insert(2);
    if opts.misc_key.is_none() && opts.tag_column.is_none() {
        opts.misc_key = Some(misc_tag_key(prefix).unwrap_or_else(|| "NER".to_owned()));
    }
    opts
}

/// The key of the first `KEY=TAG` member of a CoNLL-U MISC column (the
/// tenth) in `prefix` whose value is shaped like a prefixed, suffixed or
/// bare tag (`SpaceAfter=No` holds no tag).
fn misc_tag_key(prefix: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(prefix);
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').nth(9))
        .flat_map(|misc| misc.split('|'))
        .filter_map(|kv| kv.split_once('='))
        .find(|(_, v)| crate::format::detect::is_tag(v.trim()))
        .map(|(k, _)| k.to_owned())
}

/// The document line CoNLL-2003 writes before each document.
pub const DOCSTART: &str = "-DOCSTART- -X- -X- O";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::{LabelCounts, SentenceWriter};
    use crate::error::{ErrorKind, Hint, Result};
    use crate::format::Delimiter;
    use crate::repair::{Repair, RepairKind};
    use crate::scheme::{IllFormedKind, TagScheme};
    use crate::sentence::Sentence;
    use crate::span::Span;

    fn read_all(text: &str, opts: ReadOptions) -> Result<(Vec<String>, Option<TagScheme>)> {
        let mut reader = Reader::new(text.as_bytes(), opts);
        let mut s = Sentence::new();
        let mut out = Vec::new();
        while reader.read_sentence(&mut s)? {
            let tokens: Vec<&str> = s.tokens().map(|t| t.text).collect();
            let entities: Vec<String> = s
                .entities()
                .map(|e| format!("{} {}..{}", e.label, e.tokens.start(), e.tokens.end()))
                .collect();
            out.push(format!(
                "{}{} | {}",
                if s.is_document_start() { "# " } else { "" },
                tokens.join(" "),
                entities.join(", ")
            ));
        }
        Ok((out, reader.scheme()))
    }

    fn scheme_of(text: &str) -> TagScheme {
        detect_scheme(text.as_bytes(), &ReadOptions::default())
    }

    #[test]
    fn detects_schemes() {
        assert_eq!(scheme_of("a O\n"), TagScheme::Iob2);
        assert_eq!(scheme_of("a B-X\nb I-X\n"), TagScheme::Iob2);
        assert_eq!(scheme_of("a I-X\nb I-X\n"), TagScheme::Iob1);
        assert_eq!(scheme_of("a I-X\nb B-X\n"), TagScheme::Iob1);
        // A B- after O is never written by IOB1.
        assert_eq!(scheme_of("a I-X\nb O\nc B-X\n"), TagScheme::Iob2);
        assert_eq!(scheme_of("a B-X\nb E-X\n"), TagScheme::Iobes);
        assert_eq!(scheme_of("a S-X\n"), TagScheme::Iobes);
        assert_eq!(scheme_of("a U-X\n"), TagScheme::Bilou);
        assert_eq!(scheme_of("a I-X\nb E-X\n"), TagScheme::Ioe2);
        assert_eq!(scheme_of("a I-X\nb E-X\nc I-X\nd O\n"), TagScheme::Ioe1);
    }

    #[test]
    fn layouts_documents_and_boundaries() {
        let text = "\u{feff}-DOCSTART- -X- -X- O\r\n\r\nA  NNP B-PER\r\nb\tx\tO\r\n\r\n-DOCSTART- O\n\nc B-LOC\n-DOCSTART-\nd O";
        let (got, scheme) = read_all(text, ReadOptions::default()).unwrap();
        assert_eq!(scheme, Some(TagScheme::Iob2));
        assert_eq!(
            got,
            ["# A b | PER 0..1", "# c | LOC 0..1", "# d | "].map(String::from)
        );
    }

    #[test]
    fn ill_formed_is_an_error_with_its_position_or_a_counted_repair() {
        let text = "x O\ny O\nz I-PER\n";
        let opts = ReadOptions {
            scheme: Some(TagScheme::Iob2),
            ..ReadOptions::default()
        };
        let e = read_all(text, opts.clone()).unwrap_err();
        match e.kind() {
            ErrorKind::Parse { pos, kind } => {
                assert_eq!((pos.line(), pos.column()), (3, 3));
                assert!(kind.to_string().contains("O I-PER"), "{kind}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(e.hints(), [Hint::ReadLeniently, Hint::NameTheScheme]);
        let mut reader = Reader::new(
            text.as_bytes(),
            ReadOptions {
                lenient: true,
                ..opts
            },
        );
        let mut s = Sentence::new();
        assert!(reader.read_sentence(&mut s).unwrap());
        assert_eq!(s.entity_count(), 1);
        let repairs: Vec<Repair> = reader.take_repairs().collect();
        assert_eq!(repairs.len(), 1);
        assert_eq!(
            repairs[0].kind,
            RepairKind::IllFormed(IllFormedKind::InsideAfterOutside)
        );
        assert_eq!(repairs[0].pos.line(), 3);
    }

    #[test]
    fn tag_column_delimiter_and_comments() {
        let opts = ReadOptions {
            tag_column: Some(2),
            delimiter: Delimiter::tab(),
            comments: true,
            ..ReadOptions::default()
        };
        let text = "# text = New York\nNew York\tB-LOC\tx\n# not a token\n";
        let (got, _) = read_all(text, opts).unwrap();
        assert_eq!(got, ["# New York | LOC 0..1"]);
        let e = read_all("a\n", ReadOptions::default()).unwrap_err();
        assert_eq!(e.position().unwrap().line(), 1);
        let e = read_all("a b-PER\n", ReadOptions::default()).unwrap_err();
        assert_eq!(e.position().unwrap().column(), 3);
    }

    #[test]
    fn conll2003_columns() {
        let mut s = Sentence::new();
        s.push_token("Paris", Span::new(0, 5));
        s.push_entity("LOC", crate::TokenSpan::new(0, 1));
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out, TagScheme::Iob2).with_columns(Columns::Conll2003);
        w.write_sentence(&s, &mut LabelCounts::new()).unwrap();
        drop(w);
        assert_eq!(String::from_utf8(out).unwrap(), "Paris -X- _ B-LOC\n\n");
    }
}
