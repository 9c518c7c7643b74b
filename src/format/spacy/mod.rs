//! spaCy's training files: `.spacy`, a serialized `DocBin`, which
//! `spacy train` reads (`spacy.training.Corpus`).
//!
//! A DocBin is a zlib-compressed MessagePack map (spaCy's
//! `spacy/tokens/_serialize.py`, `DocBin.to_bytes`):
//!
//! | key | value |
//! | --- | --- |
//! | `version` | `"0.1"` |
//! | `attrs` | the attribute IDs of the token array's columns, ORTH first |
//! | `tokens` | every token of every doc, one row of `uint64` per token, one column per attribute (little-endian, C order) |
//! | `spaces` | one byte per token, 1 when a space follows it |
//! | `lengths` | the number of tokens of each doc (`int32`) |
//! | `strings` | every string the token array refers to, sorted |
//! | `cats`, `flags`, `span_groups` | one item per doc: text categories, `{"has_unknown_spaces": bool}`, span groups |
//!
//! Token texts (ORTH) and entity types (ENT_TYPE) are string IDs, as
//! spaCy's `StringStore` gives them: the index of the string in spaCy's
//! symbol table when it is one of its symbols (`"ORG"` is 383, `"LOC"`
//! 385, `"PERSON"` 380; `"PER"` and `"MISC"` are not symbols), else
//! MurmurHash64A of its UTF-8 bytes with seed 1. ENT_IOB is 0 for missing
//! annotation, 1 for I, 2 for O and 3 for B.
//!
//! # Writing
//!
//! [`Writer`] writes each sentence as one doc, with the columns ORTH,
//! ENT_IOB and ENT_TYPE: every token is B, I or O, so the docs are fully
//! annotated for entities, and nothing else (no tags, lemmas, parses or
//! sentence starts). `strings` holds every token text and label; `cats`
//! and `span_groups` are empty, and no doc has unknown spaces.
//!
//! **Whitespace.** A spaCy token is followed by one space or by none. When
//! the reader recorded the whitespace between tokens (spans input, a
//! DocBin), a token is followed by a space when any whitespace followed it
//! in the input: a tab, a newline or several spaces become one space, and
//! whitespace before the first token is dropped, so the doc's text can
//! differ from the input's there (spaCy itself would keep such whitespace
//! as tokens of its own). Otherwise (bracket text, CoNLL, JSON lines) a
//! space follows every token but the last.
//!
//! A DocBin is one map whose token array and strings cover every doc, so
//! nothing can be written before the last sentence has been: the writer
//! keeps 25 bytes per token, 4 per doc and each distinct token text and
//! label once (about the size of the uncompressed DocBin) and compresses
//! it to the output at [`finish`](crate::convert::SentenceWriter::finish).
//! Empty tokens, empty labels and overlapping entities are errors.
//!
//! # Reading
//!
//! [`Reader`] reads the whole input and decompresses it at its first read,
//! checks it (a foreign or damaged file is an error, never a panic: not
//! zlib, truncated, bytes after its end, a map without `attrs`, `tokens`,
//! `spaces`, `lengths` or `strings`, lengths that do not add up to the
//! token array, a string ID with no string), and then builds one sentence
//! per doc, each the start of a document. Token texts are ORTH; the
//! `spaces` become the whitespace after each token (one space or
//! nothing), so writers that keep the text (spans) give spaCy's
//! `doc.text`; a doc with unknown spaces (`has_unknown_spaces`) records no
//! whitespace, and its tokens are joined with single spaces. Token offsets
//! count in the doc's text, in code points by default (spaCy's
//! `Token.idx`).
//!
//! Entities are read as spaCy's `Doc.ents` reads ENT_IOB and ENT_TYPE: B
//! starts an entity of its type and I continues it; O ends it, and so
//! does B without a type (spaCy's "blocked" token). What `Doc.ents` would
//! not give or nerkit cannot hold is an error, or, when reading leniently
//! ([`ReadOptions::lenient`]), a repair that is reported and counted:
//!
//! - missing annotation (ENT_IOB 0, also when the DocBin has no ENT_IOB
//!   column): nerkit has no "unknown" tag, and spaCy's training treats such
//!   tokens as unknown, not as O. Lenient reading takes them for O and
//!   counts one `invalid-tag` repair per doc that has any.
//! - an I with no entity open (spaCy raises E093 on it) or continuing an
//!   entity of another type: lenient reading starts a new entity there, as
//!   conlleval.pl does, and counts `inside-after-outside` or `type-change`
//!   (an I without a type is read as O and counted as `invalid-tag`).
//!
//! An ENT_IOB above 3 is always an error, as it is for spaCy. The other
//! columns spaCy writes (NORM, TAG, POS, MORPH, LEMMA, HEAD, DEP,
//! SENT_START, ENT_KB_ID, ENT_ID), `cats`, `span_groups` and `user_data`
//! are not read. Tokens spaCy made of whitespace (`"\n"`) are read as
//! tokens; writers that cannot hold them (CoNLL) say so.
//!
//! Messages and repairs give the place as `doc:token` (both counted from
//! 1), where text formats give `line:column`.
//!
//! Reading holds the compressed and then the decompressed DocBin in memory
//! (a DocBin cannot be read in parts), and builds the docs one at a time.
//!
//! Detection: an input whose first bytes are a zlib header and inflate to
//! the start of a MessagePack map with a string key.
//!
//! The layout, the symbol table (`scripts/spacy-symbols.py`) and the hashes
//! were taken from spaCy 3.8.18 and are checked against it by
//! `tests/spacy.rs` when a Python with spaCy is at hand. spaCy's symbol
//! table has only grown at its end so far, so files of other spaCy 3
//! releases read the same; a label that a later spaCy makes a symbol would
//! be written with its hash, which that spaCy would not look up.

mod hash;
mod msgpack;
mod read;
mod symbols;
mod write;

pub use read::{ReadOptions, Reader};
pub use write::Writer;

/// `spacy.attrs.ORTH`: the token's text.
const ORTH: u64 = 65;
/// `spacy.attrs.ENT_IOB`: 0 missing, 1 I, 2 O, 3 B.
const ENT_IOB: u64 = 77;
/// `spacy.attrs.ENT_TYPE`: the entity type's string ID.
const ENT_TYPE: u64 = 78;

/// ENT_IOB values (`spacy.attrs.IOB_STRINGS`: `("", "I", "O", "B")`).
const IOB_I: u8 = 1;
const IOB_O: u8 = 2;
const IOB_B: u8 = 3;

/// True when `bytes` starts with a zlib header (RFC 1950): deflate with a
/// window of at most 32 KiB, no preset dictionary, and a check that holds.
pub(crate) fn zlib_header(bytes: &[u8]) -> bool {
    match bytes {
        [cmf, flg, ..] => {
            cmf & 0x0f == 8
                && cmf >> 4 <= 7
                && flg & 0x20 == 0
                && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0
        }
        _ => false,
    }
}

/// True when `bytes`, the start of an input, looks like a DocBin: a zlib
/// header, and compressed data that inflates to the start of a MessagePack
/// map with a string key. Text never passes: its first two bytes would
/// have to be a zlib header (`x^`, `x\x01`) and what follows valid
/// compressed data.
pub(crate) fn looks_like_docbin(bytes: &[u8]) -> bool {
    if !zlib_header(bytes) {
        return false;
    }
    let mut d = flate2::Decompress::new(true);
    let mut out = [0u8; 16];
    let input = &bytes[..bytes.len().min(1 << 12)];
    if d.decompress(input, &mut out, flate2::FlushDecompress::None)
        .is_err()
    {
        return false;
    }
    let n = d.total_out() as usize;
    let map = |b: u8| matches!(b, 0x80..=0x8f | 0xde | 0xdf);
    let key = |b: u8| matches!(b, 0xa0..=0xbf | 0xd9..=0xdb);
    match &out[..n] {
        [m, ..] if !map(*m) => false,
        // An empty map, or the header of a larger one.
        [0x80] | [0xde | 0xdf, ..] => true,
        [_, k, ..] => key(*k),
        _ => false,
    }
}

/// The options of the DocBin reader from the options of every format.
pub(crate) fn read_options(o: &super::ReadOptions) -> ReadOptions {
    ReadOptions::default()
        .lenient(o.lenient)
        .offsets(o.offsets.unwrap_or(crate::OffsetUnit::Chars))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bracket::parse_line;
    use crate::convert::{LabelCounts, SentenceWriter};
    use crate::error::Result;
    use crate::repair::Repair;
    use crate::sentence::Sentence;
    use crate::span::{Span, TokenSpan};
    use std::io::Read;

    /// `scripts/spacy-testdata.py --show`: docs.spacy as spaCy reads it.
    const EXPECTED_DOCS: [&str; 4] = [
        "Ambassador· Ryan· C.· Crocker· met· Musharraf ’s· aides· in· Islamabad· on· Monday . \
         |PER 1..4|PERSON 5..6|LOC 9..10|DATE 11..12",
        "Zürich - based· UBS· said· 😀· fine . \n\n The· ORG· tag· stays |GPE 0..1|ORG 3..4",
        "Pakistan· Afghanistan· counterterrorism - cooperation· talks· EU \
         |LOC 0..1|LOC 1..2|MISC 2..5|ORG 6..7",
        "",
    ];
    /// `Token.idx` of the second doc.
    const EXPECTED_IDX_1: [usize; 13] = [0, 6, 7, 13, 17, 22, 24, 28, 29, 31, 35, 39, 43];
    /// The second doc of missing.spacy, read leniently.
    const EXPECTED_MISSING_2: &str = "Ryan· Crocker· met· Musharraf· in· Islamabad |PER 0..2";
    const EXPECTED_MISSING_REPAIRS: [&str; 2] = [
        "1:1: doc 1: 4 of its 4 tokens, from token 1 (\"Ryan\") on, have no entity annotation \
         (ENT_IOB 0, missing); read as O",
        "2:4: doc 2: 3 of its 6 tokens, from token 4 (\"Musharraf\") on, have no entity \
         annotation (ENT_IOB 0, missing); read as O",
    ];

    /// The `.spacy` files that spaCy wrote (`scripts/spacy-testdata.py`).
    fn data(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/data/spacy/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn inflate(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn write(sentences: &[Sentence]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out);
        let mut counts = LabelCounts::new();
        for s in sentences {
            w.write_sentence(s, &mut counts).unwrap();
        }
        w.finish().unwrap();
        drop(w);
        out
    }

    fn read_all(bytes: &[u8], opts: ReadOptions) -> Result<(Vec<Sentence>, Vec<Repair>)> {
        let mut r = Reader::new(bytes, opts);
        let mut out = Vec::new();
        let mut repairs = Vec::new();
        loop {
            let mut s = Sentence::new();
            let more = r.read_sentence(&mut s)?;
            repairs.extend(r.take_repairs());
            if !more {
                break;
            }
            out.push(s);
        }
        Ok((out, repairs))
    }

    /// Tokens (a `·` after each that a space follows) and entities.
    fn show(s: &Sentence) -> String {
        let mut out = String::new();
        for (i, t) in s.tokens().enumerate() {
            out.push_str(t.text);
            match s.gap_after(i) {
                Some(" ") => out.push('·'),
                Some("") => {}
                Some(g) => out.push_str(&format!("{g:?}")),
                None => out.push('?'),
            }
            out.push(' ');
        }
        for e in s.entities() {
            out.push_str(&format!(
                "|{} {}..{}",
                e.label,
                e.tokens.start(),
                e.tokens.end()
            ));
        }
        out
    }

    fn sentence(tokens: &[(&str, &str)], ents: &[(&str, usize, usize)]) -> Sentence {
        let mut s = Sentence::new();
        let mut at = 0;
        for (t, gap) in tokens {
            s.push_token(t, Span::new(at, at + t.len()));
            s.push_gap(gap);
            at += t.len() + gap.len();
        }
        for (l, a, b) in ents {
            s.push_entity(l, TokenSpan::new(*a, *b));
        }
        s
    }

    /// What spaCy 3.8.18 wrote for `spacy-testdata.py`'s docs is read as
    /// spaCy reads it (`python scripts/spacy-testdata.py --show` printed
    /// the expected lines from `DocBin().from_disk(...).get_docs(...)`).
    #[test]
    fn reads_what_spacy_wrote() {
        let (docs, repairs) = read_all(&data("docs.spacy"), ReadOptions::default()).unwrap();
        assert!(repairs.is_empty());
        let shown: Vec<String> = docs.iter().map(show).collect();
        assert_eq!(shown, EXPECTED_DOCS);
        // Offsets in chars, in the doc's text.
        let d = &docs[1];
        let idx: Vec<usize> = d.tokens().map(|t| t.span.start()).collect();
        assert_eq!(idx, EXPECTED_IDX_1);
        assert!(docs.iter().all(Sentence::is_document_start));
        assert_eq!(docs[2].line(), 3);
    }

    /// nerkit's own DocBin of those docs is, decompressed, byte for byte
    /// what spaCy writes for them with `attrs=["ORTH", "ENT_IOB",
    /// "ENT_TYPE"]`, but for the strings: spaCy also lists "" and every
    /// token's norm (`"'s"` for `"’s"`), which are not needed to read the
    /// docs. With spaCy's strings put in, the bytes are the same.
    #[test]
    fn writes_what_spacy_writes() {
        let (docs, _) = read_all(&data("docs.spacy"), ReadOptions::default()).unwrap();
        let spacy = inflate(&data("docs-ner-only.spacy"));
        let mut d = write::Data::default();
        for s in &docs {
            d.add(s, &mut LabelCounts::new()).unwrap();
        }
        let theirs = strings_of(&spacy);
        let extra: Vec<&String> = theirs.difference(&d.strings).collect();
        assert!(d.strings.is_subset(&theirs));
        assert!(extra.contains(&&"'s".to_string()) && extra.contains(&&String::new()));
        d.strings = theirs;
        let mut ours = Vec::new();
        d.encode(&mut ours).unwrap();
        assert_eq!(ours.len(), spacy.len());
        assert!(ours == spacy, "the MessagePack maps differ");
    }

    /// The `strings` of a decompressed DocBin.
    fn strings_of(msgpack: &[u8]) -> std::collections::BTreeSet<String> {
        let mut d = msgpack::Decoder::new(msgpack);
        let msgpack::Item::Map(n) = d.next().unwrap() else {
            panic!("not a map")
        };
        for _ in 0..n {
            if d.next().unwrap() != msgpack::Item::Str(b"strings") {
                d.skip().unwrap();
                continue;
            }
            let msgpack::Item::Array(n) = d.next().unwrap() else {
                panic!("strings not an array")
            };
            return (0..n)
                .map(|_| match d.next().unwrap() {
                    msgpack::Item::Str(s) => String::from_utf8(s.to_vec()).unwrap(),
                    other => panic!("{other:?}"),
                })
                .collect();
        }
        panic!("no strings")
    }

    #[test]
    fn round_trip() {
        let cable = "[PER Ryan C. Crocker  ] met [LOC Pakistan  ] [ORG ISI  ] officials .";
        let a = parse_line(cable, &Default::default()).unwrap();
        let b = sentence(
            &[
                ("Zürich", " "),
                ("😀", ""),
                ("ORG", "\n\t"),
                ("PER", "  "),
                ("x", ""),
            ],
            &[
                ("LOC", 0, 1),
                ("MISC", 1, 2),
                ("MISC", 2, 3),
                ("A label", 3, 5),
            ],
        );
        let empty = Sentence::new();
        let bytes = write(&[a.clone(), b.clone(), empty]);
        assert!(looks_like_docbin(&bytes));
        let (docs, repairs) = read_all(&bytes, ReadOptions::default()).unwrap();
        assert!(repairs.is_empty());
        assert_eq!(docs.len(), 3);
        assert_eq!(
            show(&docs[0]),
            "Ryan· C.· Crocker· met· Pakistan· ISI· officials· . \
             |PER 0..3|LOC 4..5|ORG 5..6"
        );
        // Whitespace other than one space becomes one space.
        assert_eq!(
            show(&docs[1]),
            "Zürich· 😀 ORG· PER· x |LOC 0..1|MISC 1..2|MISC 2..3|A label 3..5"
        );
        assert_eq!(show(&docs[2]), "");
        // Read back and written again: the same bytes.
        assert_eq!(write(&docs), bytes);
    }

    /// A DocBin that inflates to many times its size (the decompressed
    /// data outgrows every first guess of its size).
    #[test]
    fn round_trip_of_a_large_docbin() {
        let line = "[PER Ryan C. Crocker  ] met [LOC Pakistan  ] [ORG ISI  ] officials .";
        let s = parse_line(line, &Default::default()).unwrap();
        let many = vec![s; 20_000];
        let bytes = write(&many);
        assert!(inflate(&bytes).len() > 100 * bytes.len());
        let (docs, _) = read_all(&bytes, ReadOptions::default()).unwrap();
        assert_eq!(docs.len(), 20_000);
        assert!(docs.iter().all(|d| d.entity_count() == 3 && d.len() == 8));
        assert!(read_all(&bytes[..bytes.len() - 1], ReadOptions::default()).is_err());
    }

    #[test]
    fn writing_refuses_what_spacy_cannot_hold() {
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out);
        let mut c = LabelCounts::new();
        let s = sentence(&[("a", " "), ("", "")], &[]);
        let e = w.write_sentence(&s, &mut c).unwrap_err();
        assert!(e.to_string().contains("token 2 is empty"), "{e}");
        let s = sentence(&[("a", " "), ("b", "")], &[("", 0, 1)]);
        let e = w.write_sentence(&s, &mut c).unwrap_err();
        assert!(e.to_string().contains("empty label"), "{e}");
        let s = sentence(&[("a", " "), ("b", "")], &[("X", 0, 2), ("Y", 1, 2)]);
        let e = w.write_sentence(&s, &mut c).unwrap_err();
        assert!(e.to_string().contains("overlaps"), "{e}");
        assert!(c.is_empty());
        // Nothing of a refused sentence is kept.
        w.finish().unwrap();
        drop(w);
        let (docs, _) = read_all(&out, ReadOptions::default()).unwrap();
        assert!(docs.is_empty());
    }

    /// A DocBin made with spaCy's `nlp.make_doc` (no entity annotation),
    /// and one with I tokens that continue nothing of their type.
    #[test]
    fn missing_and_ill_formed_annotation() {
        let bytes = data("missing.spacy");
        let e = read_all(&bytes, ReadOptions::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "doc 1, token 1 (\"Ryan\"): no entity annotation (ENT_IOB 0, missing), which \
             nerkit cannot hold: it would become O; read them leniently to repair them as \
             conlleval.pl does"
        );
        let (docs, repairs) = read_all(&bytes, ReadOptions::default().lenient(true)).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].entity_count(), 0);
        assert_eq!(show(&docs[1]), EXPECTED_MISSING_2);
        let messages: Vec<String> = repairs.iter().map(|r| r.to_string()).collect();
        assert_eq!(messages, EXPECTED_MISSING_REPAIRS);

        let bytes = ill_formed();
        let e = read_all(&bytes, ReadOptions::default()).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("doc 1, token 1 (\"a\"): ENT_IOB I (\"PER\") continues no entity"),
            "{e}"
        );
        let (docs, repairs) = read_all(&bytes, ReadOptions::default().lenient(true)).unwrap();
        assert_eq!(show(&docs[0]), "a· b· c· d· e |PER 0..1|LOC 1..2|LOC 3..4");
        let kinds: Vec<&str> = repairs.iter().map(|r| r.kind.name()).collect();
        assert_eq!(
            kinds,
            [
                "inside-after-outside",
                "type-change",
                "invalid-tag",
                "inside-after-outside"
            ]
        );
    }

    /// A DocBin of one doc "a b c d e" tagged I-PER, I-LOC, I (no type),
    /// I-LOC, B (no type: blocked), built by hand.
    fn ill_formed() -> Vec<u8> {
        let s = sentence(
            &[("a", " "), ("b", " "), ("c", " "), ("d", " "), ("e", "")],
            &[],
        );
        let mut d = write::Data::default();
        d.add(&s, &mut LabelCounts::new()).unwrap();
        let per = hash::string_id("PER");
        let loc = hash::string_id("LOC");
        for (t, (iob, ty)) in [(1, per), (1, loc), (1, 0), (1, loc), (3, 0)]
            .iter()
            .enumerate()
        {
            d.tokens[t * 3 + 1] = *iob;
            d.tokens[t * 3 + 2] = *ty;
        }
        d.strings.insert("PER".into());
        let mut out = Vec::new();
        let mut z = flate2::write::ZlibEncoder::new(&mut out, flate2::Compression::default());
        d.encode(&mut z).unwrap();
        z.finish().unwrap();
        out
    }

    /// Damaged and foreign inputs are errors that say what is wrong.
    #[test]
    fn refuses_damaged_and_foreign_input() {
        let good =
            write(&[parse_line("[PER Ryan  ] met [ORG ISI  ] .", &Default::default()).unwrap()]);
        let fails = |bytes: &[u8], want: &str| {
            let e = read_all(bytes, ReadOptions::default().lenient(true)).unwrap_err();
            let m = e.to_string();
            assert!(m.starts_with("not a spaCy DocBin (.spacy file): "), "{m}");
            assert!(m.contains(want), "{m} does not say {want:?}");
        };
        fails(b"", "the input is empty");
        fails(b"[PER Ryan  ] met", "does not start with a zlib header");
        fails(&good[..good.len() - 5], "cut short");
        fails(&good[..2], "cut short");
        fails(
            &[&good[..], b"x"].concat(),
            "1 bytes follow the end of its zlib data",
        );
        let mut flipped = good.clone();
        flipped[10] ^= 0xff;
        let e = read_all(&flipped, ReadOptions::default()).unwrap_err();
        assert!(e.to_string().starts_with("not a spaCy DocBin"), "{e}");
        // Every truncation is an error, none a panic.
        for cut in 0..good.len() {
            assert!(
                read_all(&good[..cut], ReadOptions::default()).is_err(),
                "{cut}"
            );
        }

        let z = |msg: &[u8]| {
            let mut out = Vec::new();
            let mut z = flate2::write::ZlibEncoder::new(&mut out, flate2::Compression::default());
            std::io::Write::write_all(&mut z, msg).unwrap();
            z.finish().unwrap();
            out
        };
        fails(
            &z(&[0x91, 0xc0]),
            "its MessagePack data is an array, not a map",
        );
        fails(&z(&[0x80]), "its map has no \"attrs\"");
        fails(&z(&[0x80, 0xc0]), "1 bytes follow its MessagePack map");
        fails(
            &z(&[0x81, 0xa5, b'a', b't', b't', b'r', b's', 0xc0]),
            "\"attrs\" holds nil, not an array",
        );

        // A map of the right keys with parts that do not agree.
        let docbin =
            |attrs: &[u64], tokens: &[u64], spaces: &[u8], lengths: &[i32], strings: &[&str]| {
                let mut m = Vec::new();
                let o: &mut dyn std::io::Write = &mut m;
                msgpack::write_map(o, 5).unwrap();
                msgpack::write_str(o, "attrs").unwrap();
                msgpack::write_array(o, attrs.len()).unwrap();
                attrs
                    .iter()
                    .for_each(|a| msgpack::write_uint(o, *a).unwrap());
                msgpack::write_str(o, "tokens").unwrap();
                msgpack::write_bin_header(o, tokens.len() * 8).unwrap();
                tokens
                    .iter()
                    .for_each(|t| o.write_all(&t.to_le_bytes()).unwrap());
                msgpack::write_str(o, "spaces").unwrap();
                msgpack::write_bin_header(o, spaces.len()).unwrap();
                o.write_all(spaces).unwrap();
                msgpack::write_str(o, "lengths").unwrap();
                msgpack::write_bin_header(o, lengths.len() * 4).unwrap();
                lengths
                    .iter()
                    .for_each(|l| o.write_all(&l.to_le_bytes()).unwrap());
                msgpack::write_str(o, "strings").unwrap();
                msgpack::write_array(o, strings.len()).unwrap();
                strings
                    .iter()
                    .for_each(|s| msgpack::write_str(o, s).unwrap());
                z(&m)
            };
        let a = hash::string_id("a");
        let iob = [ORTH, ENT_IOB, ENT_TYPE];
        fails(&docbin(&[ENT_IOB], &[2], &[0], &[1], &["a"]), "no ORTH");
        fails(
            &docbin(&iob, &[a, 2], &[0], &[1], &["a"]),
            "not a whole number of rows",
        );
        fails(
            &docbin(&iob, &[a, 2, 0], &[0], &[2], &["a"]),
            "lengths add up to 2 tokens, but its token array holds 1",
        );
        fails(
            &docbin(&iob, &[a, 2, 0], &[0], &[-1, 2], &["a"]),
            "doc 1 has a negative length (-1)",
        );
        fails(
            &docbin(&iob, &[a, 2, 0], &[0, 1], &[1], &["a"]),
            "it has 2 \"spaces\" for 1 tokens",
        );
        fails(
            &docbin(&iob, &[a, 2, 0], &[7], &[1], &["a"]),
            "\"spaces\" hold 7 at token 1",
        );
        fails(
            &docbin(&iob, &[a, 2, 0], &[0], &[1], &[]),
            &format!("its text's ID {a} is neither"),
        );
        fails(
            &docbin(&iob, &[a, 3, 12345], &[0], &[1], &["a"]),
            "entity type's ID 12345",
        );
        fails(
            &docbin(&iob, &[a, 4, 0], &[0], &[1], &["a"]),
            "ENT_IOB is 4, not 0 to 3",
        );
        let e = read_all(
            &docbin(&iob, &[0, 2, 0], &[0], &[1], &[]),
            ReadOptions::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("no token text (ORTH 0)"), "{e}");
        // Without ENT_IOB, every token is missing annotation.
        let bytes = docbin(&[ORTH], &[a, a], &[1, 0], &[2], &["a"]);
        let e = read_all(&bytes, ReadOptions::default()).unwrap_err();
        assert!(
            e.to_string().contains("the DocBin has no ENT_IOB column"),
            "{e}"
        );
        let (docs, repairs) = read_all(&bytes, ReadOptions::default().lenient(true)).unwrap();
        assert_eq!(show(&docs[0]), "a· a ");
        assert_eq!(repairs.len(), 1);
        // Symbols need no string.
        let org = hash::string_id("ORG");
        let bytes = docbin(&iob, &[org, 3, org], &[0], &[1], &[]);
        let (docs, _) = read_all(&bytes, ReadOptions::default()).unwrap();
        assert_eq!(show(&docs[0]), "ORG |ORG 0..1");
    }

    #[test]
    fn detection() {
        let good = write(&[parse_line("a", &Default::default()).unwrap()]);
        assert!(looks_like_docbin(&good));
        assert!(looks_like_docbin(&data("docs.spacy")));
        assert!(looks_like_docbin(&write(&[])));
        assert!(!looks_like_docbin(&good[..2]));
        assert!(!looks_like_docbin(b""));
        assert!(!looks_like_docbin(b"x^ hello"));
        assert!(!looks_like_docbin(b"EU\tB-ORG\n"));
        // zlib, but not of a map.
        let mut out = Vec::new();
        let mut z = flate2::write::ZlibEncoder::new(&mut out, flate2::Compression::default());
        std::io::Write::write_all(&mut z, b"hello").unwrap();
        z.finish().unwrap();
        assert!(!looks_like_docbin(&out));
        assert_eq!(
            crate::format::detect(&good).unwrap(),
            crate::format::Format::from_name("spacy").unwrap()
        );
    }
}
