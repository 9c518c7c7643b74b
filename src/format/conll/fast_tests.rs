//! The CoNLL fast route against the general one: on random and adversarial
//! input, copying CoNLL to CoNLL writes the same bytes, counts the same
//! and reports the same errors (with their positions) and repairs; and
//! reading sentences gives the same sentences.

use std::io::{BufReader, Write};

use proptest::prelude::*;

use super::{Columns, ReadOptions, Reader, Writer};
use crate::convert::{copy_sentences, Summary};
use crate::format::InputReader;
use crate::repair::Repair;
use crate::scheme::{TagScheme, TagStyle};
use crate::sentence::Sentence;

/// How the output is written.
#[derive(Clone, Debug)]
struct Out {
    scheme: TagScheme,
    style: TagStyle,
    columns: Columns,
    docstart: bool,
    keep_columns: bool,
}

/// The input as the CLI gives it (a `BufReader`), with a buffer of
/// `capacity` bytes so that sentences straddle its refills.
fn input(bytes: &[u8], capacity: usize) -> BufReader<&[u8]> {
    BufReader::with_capacity(capacity, bytes)
}

/// Output bytes, summary, error and repairs of copying `bytes` to CoNLL:
/// by the general route, or by the reader's own route (the fast one).
fn copy(bytes: &[u8], capacity: usize, opts: &ReadOptions, to: &Out, fast: bool) -> String {
    let mut out: Vec<u8> = Vec::new();
    let mut summary = Summary::default();
    let mut repairs = Vec::new();
    let result = {
        let sink: &mut dyn Write = &mut out;
        let mut writer = Writer::new(sink, to.scheme)
            .with_tag_style(to.style)
            .with_columns(to.columns)
            .with_docstart(to.docstart)
            .with_kept_columns(to.keep_columns);
        let mut on_repair = |r: &Repair| repairs.push(format!("{r:?}"));
        let reader = Reader::new(input(bytes, capacity), opts.clone());
        if fast {
            let mut reader = reader;
            match reader.copy_to_conll(&mut writer, &mut summary, &mut on_repair) {
                Some(result) => result,
                None => copy_sentences(&mut reader, &mut writer, &mut summary, &mut on_repair),
            }
        } else {
            let mut reader = reader.without_fast_route();
            copy_sentences(&mut reader, &mut writer, &mut summary, &mut on_repair)
        }
    };
    format!(
        "{}\n--- {summary:?}\n--- {:?}\n--- {repairs:?}",
        String::from_utf8_lossy(&out),
        result.map_err(|e| format!("{e} {:?}", e.hints()))
    )
}

/// Output bytes, summary, error and repairs of copying `bytes` to JSON
/// lines (`scheme` tags, offsets in `unit`): by the general route, or by
/// the reader's own route (the fast one).
fn copy_jsonl(
    bytes: &[u8],
    capacity: usize,
    opts: &ReadOptions,
    to: (TagScheme, TagStyle, crate::OffsetUnit),
    fast: bool,
) -> String {
    let mut out: Vec<u8> = Vec::new();
    let mut summary = Summary::default();
    let mut repairs = Vec::new();
    let result = {
        let sink: &mut dyn Write = &mut out;
        let mut writer = crate::format::jsonl::Writer::new(sink, to.0)
            .with_tag_style(to.1)
            .with_offsets(to.2);
        let mut on_repair = |r: &Repair| repairs.push(format!("{r:?}"));
        let reader = Reader::new(input(bytes, capacity), opts.clone());
        if fast {
            let mut reader = reader;
            match reader.copy_to_jsonl(&mut writer, &mut summary, &mut on_repair) {
                Some(result) => result,
                None => copy_sentences(&mut reader, &mut writer, &mut summary, &mut on_repair),
            }
        } else {
            let mut reader = reader.without_fast_route();
            copy_sentences(&mut reader, &mut writer, &mut summary, &mut on_repair)
        }
    };
    format!(
        "{}\n--- {summary:?}\n--- {:?}\n--- {repairs:?}",
        String::from_utf8_lossy(&out),
        result.map_err(|e| format!("{e} {:?}", e.hints()))
    )
}

/// Every sentence read (tokens with their spans, entities, line, document
/// start), then the error and the repairs, with or without the fast route.
fn read(bytes: &[u8], capacity: usize, opts: &ReadOptions, fast: bool) -> String {
    let mut reader = Reader::new(input(bytes, capacity), opts.clone());
    if !fast {
        reader = reader.without_fast_route();
    }
    let mut s = Sentence::new();
    let mut got = String::new();
    let end = loop {
        match reader.read_sentence(&mut s) {
            Ok(true) => {}
            Ok(false) => break Ok(()),
            Err(e) => break Err(e.to_string()),
        }
        let tokens: Vec<String> = s
            .tokens()
            .map(|t| format!("{}@{}", t.text, t.span))
            .collect();
        let entities: Vec<String> = s
            .entities()
            .map(|e| format!("{} {}", e.label, e.tokens))
            .collect();
        got.push_str(&format!(
            "{} {} {tokens:?} {entities:?}\n",
            s.line(),
            s.is_document_start()
        ));
    };
    let repairs: Vec<String> = reader.take_repairs().map(|r| format!("{r:?}")).collect();
    format!(
        "{got}--- {end:?}\n--- {repairs:?}\n--- {:?}",
        reader.facts()
    )
}

/// Pieces of lines: tokens, columns, tags of every style and bytes the
/// general route treats apart.
const TOKENS: &[&str] = &[
    "EU",
    "a",
    "é",
    "-",
    "-X-",
    // A document line when alone in its first field.
    "-DOCSTART-",
    // Escaped in JSON.
    "a\"b",
    "\\",
    "#",
    "#x",
    "1",
    "Müller",
    "\u{3000}",
    "x\u{a0}y",
    "\u{a0}",
    "B-PER",
    // Longer than the eight bytes the scan reads at once.
    "acknowledged",
    "Washington-based",
    "Straße-und-Weg",
];
const TAGS: &[&str] = &[
    "O",
    "O",
    "O",
    "B-PER",
    "I-PER",
    "B-LOC",
    "I-LOC",
    "E-LOC",
    "S-LOC",
    "E-PER",
    "S-PER",
    "L-X",
    "U-X",
    "B-",
    "b-PER",
    "PER-B",
    "PER-I",
    "LOC-E",
    "PER",
    "LOC",
    "B",
    "I",
    "E",
    "S",
    "B-P\u{a0}",
    "I-P-Q",
    "0.9",
    "B-ORGANIZATION",
    "I-ORGANIZATION",
];
const SEPARATORS: &[&str] = &[" ", "\t", "  ", " \t", "\t\t"];
const SPECIAL: &[&str] = &[
    "",
    " ",
    "\t",
    "-DOCSTART- -X- -X- O",
    "-DOCSTART-",
    " -DOCSTART-\tO",
    "-DOCSTARTX O",
    "\u{3000}-DOCSTART- O",
    "\u{3000}",
    "\u{3000} \u{2003}",
    "# text = x y",
    "x",
    "a\rb O",
    "a\u{b} O",
    "\u{feff}a O",
    "1 EU NNP B-ORG",
    "2 rejects VBZ O",
];

/// Lines that are not UTF-8.
const INVALID: &[&[u8]] = &[b"a\xff O", b"\xc3 O", b"x B-\xe9"];

/// One line: a token line (token, maybe middle columns, tag, maybe a
/// score) or a special line, then its line end.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let token_line = (
        prop::sample::select(TOKENS),
        prop::collection::vec(prop::sample::select(&["NNP", "I-NP", "_", "0.5"][..]), 0..3),
        prop::sample::select(TAGS),
        prop::option::weighted(0.1, prop::sample::select(&["0.98", "1", "-3e2", "x"][..])),
        prop::sample::select(SEPARATORS),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(token, middle, tag, score, sep, lead)| {
            let mut l = String::new();
            if lead {
                l.push_str(sep);
            }
            l.push_str(token);
            for m in middle {
                l.push_str(sep);
                l.push_str(m);
            }
            l.push_str(sep);
            l.push_str(tag);
            if let Some(score) = score {
                l.push_str(sep);
                l.push_str(score);
            }
            l.into_bytes()
        });
    // Most lines are plain, so that documents run on past their odd
    // lines and the fast route has sentences to take.
    let plain = (
        prop::sample::select(TOKENS),
        prop::sample::select(SEPARATORS),
        prop::sample::select(
            &[
                "O",
                "O",
                "B-PER",
                "I-PER",
                "B-LOC",
                "I-LOC",
                "I-ORGANIZATION",
            ][..],
        ),
    )
        .prop_map(|(token, sep, tag)| format!("{token}{sep}{tag}").into_bytes());
    let special = prop::sample::select(SPECIAL).prop_map(|s| s.as_bytes().to_vec());
    let invalid = prop::sample::select(INVALID).prop_map(<[u8]>::to_vec);
    let body = prop_oneof![40 => plain, 12 => token_line, 4 => special, 1 => invalid];
    (
        body,
        prop::sample::select(&["\n", "\n", "\n", "\r\n", "\n\n"][..]),
    )
        .prop_map(|(mut l, end)| {
            l.extend_from_slice(end.as_bytes());
            l
        })
}

fn document() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(line(), 0..80),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(lines, bom, cut_end)| {
            let mut text = Vec::new();
            if bom {
                text.extend_from_slice("\u{feff}".as_bytes());
            }
            // A first sentence of two tokens for the general route (which
            // looks for CoNLL-U's IDs in it), so that the fast one sees
            // the rest.
            text.extend_from_slice(b"Start O\nx O\n\n");
            for l in lines {
                text.extend_from_slice(&l);
            }
            if cut_end {
                while text.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
                    text.pop();
                }
            }
            text
        })
}

fn schemes() -> impl Strategy<Value = TagScheme> {
    prop::sample::select(&TagScheme::ALL[..])
}

fn read_options() -> impl Strategy<Value = ReadOptions> {
    (
        prop::option::of(schemes()),
        prop::option::of(prop::sample::select(&TagStyle::ALL[..])),
        any::<bool>(),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(scheme, tag_style, lenient, comments, keep_columns)| {
            // Given in most cases: no detection prefix is then replayed,
            // and the reader's buffer is the small one of the test.
            ReadOptions {
                scheme,
                tag_style,
                lenient,
                comments,
                keep_columns,
                ..ReadOptions::default()
            }
        })
}

fn out_options() -> impl Strategy<Value = Out> {
    (
        schemes(),
        prop::sample::select(
            &[
                TagStyle::Prefix,
                TagStyle::Prefix,
                TagStyle::Suffix,
                TagStyle::Unprefixed,
                TagStyle::Bare,
            ][..],
        ),
        prop::sample::select(&[Columns::Two, Columns::Two, Columns::Conll2003][..]),
        any::<bool>(),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(scheme, style, columns, docstart, keep_columns)| Out {
            scheme,
            style,
            columns,
            docstart,
            keep_columns,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_fast_route_writes_what_the_general_route_writes(
        text in document(),
        capacity in prop::sample::select(&[1usize, 7, 16, 64, 200, 8192][..]),
        opts in read_options(),
        to in out_options(),
    ) {
        let general = copy(&text, capacity, &opts, &to, false);
        let fast = copy(&text, capacity, &opts, &to, true);
        prop_assert_eq!(general, fast);
    }

    #[test]
    fn the_fast_route_writes_json_lines_as_the_general_route_does(
        text in document(),
        capacity in prop::sample::select(&[1usize, 7, 16, 64, 200, 8192][..]),
        opts in read_options(),
        to in out_options(),
        unit in prop::sample::select(&[
            crate::OffsetUnit::Bytes, crate::OffsetUnit::Chars, crate::OffsetUnit::Utf16,
        ][..]),
    ) {
        let to = (to.scheme, to.style, unit);
        let general = copy_jsonl(&text, capacity, &opts, to, false);
        let fast = copy_jsonl(&text, capacity, &opts, to, true);
        prop_assert_eq!(general, fast);
    }

    #[test]
    fn the_fast_route_reads_what_the_general_route_reads(
        text in document(),
        capacity in prop::sample::select(&[1usize, 7, 16, 64, 200, 8192][..]),
        opts in read_options(),
    ) {
        prop_assert_eq!(read(&text, capacity, &opts, false), read(&text, capacity, &opts, true));
    }
}

/// Inputs where a mistake of the fast route would show: documents, CRLF,
/// a score column, ill-formed tags strict and lenient, an invalid byte in
/// a later block, Unicode whitespace before a document line.
#[test]
fn adversarial_inputs() {
    let cases: &[&[u8]] = &[
        b"Start O\nx O\n\nEU B-ORG\nrejects O\n\n-DOCSTART- -X- -X- O\n\nGerman B-MISC\n",
        b"Start O\r\n\r\nEU\tI-ORG\r\nx\tI-ORG\r\n\r\ny\tB-ORG\r\n",
        b"Start O\nx O\n\nEU NNP B-ORG 0.98\nx NN O 0.5\n\n",
        b"Start O\nx O\n\na O\nb I-PER\nc O\n\nd B-PER\ne E-PER\n",
        b"Start O\nx O\n\na O\n\nb \xff O\n",
        "Start O\nx O\n\na O\n\u{3000}-DOCSTART- O\nb B-X\n".as_bytes(),
        b"Start O\nx O\n\na O\n-DOCSTART-\nb B-X\n-DOCSTART-\n\n\n",
        b"Start O\nx O\n\na B-PER\nb I-LOC\n\nc S-X\n",
        b"Start O\nx O\n\na B-\nb O\n",
    ];
    let before = super::fast::TAKEN.with(|t| t.get());
    for text in cases {
        for scheme in [None, Some(TagScheme::Iob2), Some(TagScheme::Iob1)] {
            for lenient in [false, true] {
                let opts = ReadOptions {
                    scheme,
                    lenient,
                    ..ReadOptions::default()
                };
                for to in [TagScheme::Iob2, TagScheme::Iobes, TagScheme::Io] {
                    let to = Out {
                        scheme: to,
                        style: TagStyle::Prefix,
                        columns: Columns::Two,
                        docstart: true,
                        keep_columns: false,
                    };
                    for capacity in [1, 5, 64, 8192] {
                        assert_eq!(
                            copy(text, capacity, &opts, &to, false),
                            copy(text, capacity, &opts, &to, true),
                            "{:?}",
                            String::from_utf8_lossy(text)
                        );
                        assert_eq!(
                            read(text, capacity, &opts, false),
                            read(text, capacity, &opts, true)
                        );
                    }
                }
            }
        }
    }
    let taken = super::fast::TAKEN.with(|t| t.get()) - before;
    eprintln!("the fast route took {taken} sentences");
    assert!(taken > 500, "{taken}");
}

/// The fast route takes the sentences of a plain file: it is not a route
/// that always hands over to the general one.
#[test]
fn the_fast_route_takes_plain_sentences() {
    let mut text = String::from("Start O\nx O\n\n");
    for _ in 0..100 {
        text.push_str("EU\tI-ORG\nrejects\tO\nGerman\tI-MISC\ncall\tO\n\n");
    }
    let opts = ReadOptions {
        scheme: Some(TagScheme::Iob1),
        tag_style: Some(TagStyle::Prefix),
        ..ReadOptions::default()
    };
    let mut reader = Reader::new(input(text.as_bytes(), 1 << 16), opts);
    let mut s = Sentence::new();
    assert!(reader.read_sentence(&mut s).unwrap());
    // Past the first sentence, every read is a fast one.
    for _ in 0..100 {
        assert!(reader.fast_ready());
        s.clear();
        assert!(reader.read_fast(&mut s));
        assert_eq!(s.entity_count(), 2);
    }
}

/// The random documents of the property tests do take the fast route
/// (most of their sentences end inside a buffer of 200 bytes or more).
#[test]
fn random_documents_take_the_fast_route() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let opts = ReadOptions {
        scheme: Some(TagScheme::Iob1),
        tag_style: Some(TagStyle::Prefix),
        lenient: true,
        ..ReadOptions::default()
    };
    let before = super::fast::TAKEN.with(|t| t.get());
    for _ in 0..200 {
        let text = document().new_tree(&mut runner).unwrap().current();
        read(&text, 8192, &opts, true);
    }
    let taken = super::fast::TAKEN.with(|t| t.get()) - before;
    assert!(taken > 200, "{taken}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Detection's fast line scan sees every line as the line-by-line
    /// reading does.
    #[test]
    fn detection_sees_what_the_general_reading_sees(
        text in document(),
        opts in read_options(),
    ) {
        let mut fast = Vec::new();
        super::read::for_each_detected(&text, &opts, |d| fast.push(d));
        let general: Vec<_> = text
            .split(|&b| b == b'\n')
            .filter_map(|line| super::read::detected(line, &opts))
            .collect();
        prop_assert_eq!(fast, general);
    }
}

/// Plain sentences to JSON lines go by the fast route (it is not left to
/// the general one everywhere, which would make the test above vacuous).
#[test]
fn json_lines_output_takes_the_fast_route() {
    let text = "EU B-ORG\nrejects O\nGerman B-MISC\ncall O\n\n".repeat(20);
    let before = super::fast::TAKEN.with(|t| t.get());
    let to = (TagScheme::Iobes, TagStyle::Prefix, crate::OffsetUnit::Chars);
    let fast = copy_jsonl(text.as_bytes(), 8192, &ReadOptions::default(), to, true);
    let taken = super::fast::TAKEN.with(|t| t.get()) - before;
    assert!(taken >= 15, "{taken} sentences by the fast route");
    let general = copy_jsonl(text.as_bytes(), 8192, &ReadOptions::default(), to, false);
    assert_eq!(fast, general);
}

/// Labels of every length, hyphenated, non-ASCII and numbered ones beyond
/// what the retagger's label table holds at once.
fn label() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(
            &[
                "PER", "LOC", "X", "Ort", "人名", "a-b", "B-PER", "ORGANIZATION-AND-ITS-LONG-NAME",
                // Escaped in JSON.
                "a\"b", "x\\y",
            ][..]
        )
        .prop_map(str::to_string),
        2 => (0..200u32).prop_map(|n| format!("T{n}")),
    ]
}

/// Well-formed sentences: entities (after 0 to 2 `O` tokens each, and 0
/// to 2 more at the end) encoded in `scheme` and written in `style`, so
/// that the fast route retags them rather than leave them to the general
/// route. The `O` lines are the ones the scan passes over when the writer
/// copies them as read: around, between and after entities.
fn well_formed(scheme: TagScheme, style: TagStyle) -> impl Strategy<Value = Vec<u8>> {
    let entities = prop::collection::vec((0..3usize, 1..5usize, label()), 1..8);
    let sentence = (entities, 0..3usize);
    prop::collection::vec(sentence, 1..40).prop_map(move |sentences| {
        let mut text = b"Start O\nx O\n\n".to_vec();
        for (entities, trailing) in sentences {
            let mut spans = Vec::new();
            let mut len = 0;
            for (gap, width, label) in &entities {
                len += gap;
                let label = if style == TagStyle::Bare {
                    ""
                } else {
                    label.as_str()
                };
                spans.push(crate::sentence::Entity {
                    label,
                    tokens: crate::span::TokenSpan::new(len, len + width),
                });
                len += width;
            }
            len += trailing;
            let mut tags = Vec::new();
            crate::scheme::encode(scheme, len, &spans, &mut tags).unwrap();
            for (i, tag) in tags.iter().enumerate() {
                text.extend_from_slice(format!("w{i}\t").as_bytes());
                tag.push_styled(style, &mut text);
                text.push(b'\n');
            }
            text.push(b'\n');
        }
        text
    })
}

fn scheme_and_well_formed() -> impl Strategy<Value = (TagScheme, TagStyle, Vec<u8>)> {
    (schemes(), prop::sample::select(&TagStyle::ALL[..])).prop_flat_map(|(scheme, style)| {
        let scheme = style.only_scheme().unwrap_or(scheme);
        well_formed(scheme, style).prop_map(move |text| (scheme, style, text))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// The retagger, in every pair of input and output schemes and tag
    /// styles, on sentences it takes: well-formed, with labels of any
    /// length and more labels than its table holds.
    #[test]
    fn the_retagger_writes_what_the_general_route_writes(
        (scheme, style, text) in scheme_and_well_formed(),
        to in out_options(),
        lenient in any::<bool>(),
        capacity in prop::sample::select(&[200usize, 8192][..]),
    ) {
        let opts = ReadOptions {
            scheme: Some(scheme),
            tag_style: Some(style),
            lenient,
            ..ReadOptions::default()
        };
        let to = Out { keep_columns: false, ..to };
        prop_assert_eq!(copy(&text, capacity, &opts, &to, false), copy(&text, capacity, &opts, &to, true));
        let to = (to.scheme, to.style, crate::OffsetUnit::Bytes);
        prop_assert_eq!(
            copy_jsonl(&text, capacity, &opts, to, false),
            copy_jsonl(&text, capacity, &opts, to, true)
        );
    }
}

/// Well-formed sentences in every input scheme, written in every output
/// scheme, are taken by the retagger: the test above is not vacuous.
#[test]
fn the_retagger_takes_well_formed_sentences() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for scheme in TagScheme::ALL {
        for to_scheme in TagScheme::ALL {
            let text = well_formed(scheme, TagStyle::Prefix)
                .new_tree(&mut runner)
                .unwrap()
                .current();
            let sentences = text.windows(2).filter(|w| w == b"\n\n").count() as u64;
            let opts = ReadOptions {
                scheme: Some(scheme),
                ..ReadOptions::default()
            };
            let to = Out {
                scheme: to_scheme,
                style: TagStyle::Prefix,
                columns: Columns::Two,
                docstart: false,
                keep_columns: false,
            };
            let before = super::fast::TAKEN.with(|t| t.get());
            let fast = copy(&text, 1 << 16, &opts, &to, true);
            let taken = super::fast::TAKEN.with(|t| t.get()) - before;
            // All but the first sentence, unless IO output merges
            // neighbours, which the writer then refuses.
            if !fast.contains("Err") {
                assert_eq!(taken, sentences - 1, "{scheme} to {to_scheme}");
            }
            assert_eq!(fast, copy(&text, 1 << 16, &opts, &to, false));
        }
    }
}

/// More labels than the retagger's table holds, across sentences (the
/// table is emptied into the counts and the sentence tried again) and in
/// one sentence (left to the general route).
#[test]
fn more_labels_than_the_table_holds() {
    let mut text = String::from("Start O\nx O\n\n");
    for n in 0..300 {
        text.push_str(&format!("a B-T{n}\nb I-T{n}\nc O\n\n"));
    }
    for n in 0..100 {
        text.push_str(&format!("a B-U{n}\n"));
    }
    text.push('\n');
    let opts = ReadOptions {
        scheme: Some(TagScheme::Iob2),
        ..ReadOptions::default()
    };
    let to = Out {
        scheme: TagScheme::Iobes,
        style: TagStyle::Prefix,
        columns: Columns::Two,
        docstart: false,
        keep_columns: false,
    };
    let before = super::fast::TAKEN.with(|t| t.get());
    let fast = copy(text.as_bytes(), 1 << 16, &opts, &to, true);
    let taken = super::fast::TAKEN.with(|t| t.get()) - before;
    assert_eq!(taken, 300);
    assert_eq!(fast, copy(text.as_bytes(), 1 << 16, &opts, &to, false));
}

/// Plain lines copied as read around lines rewritten (a tag that changes,
/// a line of spaces, CRLF, or a leading tab), first, inside and last in a
/// sentence: the fast route's copy of the bytes between rewritten lines
/// writes what the general route writes, and takes those sentences.
#[test]
fn lines_copied_as_read_around_rewritten_lines() {
    let sentences = [
        "a\tO\nb\tI-PER\nc\tO\n\n",
        "a\tI-PER\nb\tI-PER\nc\tO\n\n",
        "a\tO\nb\tO\nc\tI-LOC\n\n",
        "a O\nb\tO\nc\tO\n\n",
        "a\tO\nb\tO\r\nc\tO\n\n",
        "a\tO\nb\tO\n\tc\tO\n\n",
        "a\tO\nb  I-ORG\nc\tI-ORG\nd\tB-ORG\n\n",
        "a\tO\nb\tO\nc\tO\n\n",
    ];
    let mut text = String::from("Start\tO\n\n");
    for _ in 0..20 {
        sentences.iter().for_each(|s| text.push_str(s));
    }
    let opts = ReadOptions {
        scheme: Some(TagScheme::Iob1),
        tag_style: Some(TagStyle::Prefix),
        ..ReadOptions::default()
    };
    for scheme in [TagScheme::Iob1, TagScheme::Iob2, TagScheme::Iobes] {
        let to = Out {
            scheme,
            style: TagStyle::Prefix,
            columns: Columns::Two,
            docstart: false,
            keep_columns: false,
        };
        let before = super::fast::TAKEN.with(|t| t.get());
        let fast = copy(text.as_bytes(), 1 << 16, &opts, &to, true);
        assert!(
            super::fast::TAKEN.with(|t| t.get()) - before >= 150,
            "{scheme:?}"
        );
        assert_eq!(
            fast,
            copy(text.as_bytes(), 1 << 16, &opts, &to, false),
            "{scheme:?}"
        );
    }
}

/// Chars at the edges of UTF-8's ranges, valid and not, and pieces of
/// chars.
const UTF8_EDGES: &[&[u8]] = &[
    b"\xC2\x80",
    b"\xC1\xBF",
    b"\xDF\xBF",
    b"\xE0\xA0\x80",
    b"\xE0\x9F\xBF",
    b"\xED\x9F\xBF",
    b"\xED\xA0\x80",
    b"\xEF\xBF\xBF",
    b"\xF0\x90\x80\x80",
    b"\xF0\x8F\xBF\xBF",
    b"\xF4\x8F\xBF\xBF",
    b"\xF4\x90\x80\x80",
    b"\xF5\x80\x80\x80",
    b"\x80",
    b"\xBF",
    b"\xC3",
    b"\xE2\x82",
    b"\xF0\x9F\x98",
    b"\xFF",
    b"\xFE",
];

/// Byte strings where UTF-8 goes wrong: chars of every length and their
/// edges (overlong forms, surrogates, above U+10FFFF), cut chars, stray
/// continuation bytes, in runs of ASCII longer and shorter than the 32
/// bytes the check passes over at once.
fn utf8_edges() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => prop::collection::vec(0x20u8..0x7F, 0..40),
        2 => any::<char>().prop_map(|c| c.to_string().into_bytes()),
        1 => prop::sample::select(UTF8_EDGES).prop_map(<[u8]>::to_vec),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// The block's UTF-8 check stops where `from_utf8` does.
    #[test]
    fn the_utf8_check_is_from_utf8(bytes in utf8_edges()) {
        let expected = std::str::from_utf8(&bytes).map_or_else(|e| e.valid_up_to(), |s| s.len());
        prop_assert_eq!(super::fast::valid_up_to(&bytes), expected);
    }

    #[test]
    fn the_utf8_check_is_from_utf8_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..100)) {
        let expected = std::str::from_utf8(&bytes).map_or_else(|e| e.valid_up_to(), |s| s.len());
        prop_assert_eq!(super::fast::valid_up_to(&bytes), expected);
    }
}
