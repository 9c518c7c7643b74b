//! CoNLL to JSON lines by the fast route (records written straight from
//! the token lines of the input's block, `jsonl::Writer::push_fields`)
//! against the general route (a `Sentence` each, `write_sentence`), on
//! sentences made to reach every branch of the record writer: tokens and
//! labels of every length around its sixteen-byte copies, tokens at the
//! end of the reader's buffer (no bytes after them to copy), offsets of
//! 1,000 and more, bytes that JSON escapes, bytes that are not ASCII (which
//! count apart in chars and UTF-16 units), in every output scheme and
//! offset unit.

use std::io::{BufReader, Write};

use proptest::prelude::*;

use super::{ReadOptions, Reader};
use crate::convert::{copy_sentences, Summary};
use crate::format::InputReader;
use crate::repair::Repair;
use crate::scheme::{TagScheme, TagStyle};
use crate::OffsetUnit;

/// Output bytes, summary, error and repairs of copying `bytes` to JSON
/// lines, by the fast route or by the general one.
fn copy_jsonl(
    bytes: &[u8],
    capacity: usize,
    scheme: TagScheme,
    (to, unit): (TagScheme, OffsetUnit),
    fast: bool,
) -> String {
    let opts = ReadOptions {
        scheme: Some(scheme),
        tag_style: Some(TagStyle::Prefix),
        ..ReadOptions::default()
    };
    let mut out: Vec<u8> = Vec::new();
    let mut summary = Summary::default();
    let mut repairs = Vec::new();
    let result = {
        let sink: &mut dyn Write = &mut out;
        let mut writer = crate::format::jsonl::Writer::new(sink, to).with_offsets(unit);
        let mut on_repair = |r: &Repair| repairs.push(format!("{r:?}"));
        let reader = Reader::new(BufReader::with_capacity(capacity, bytes), opts);
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
        result.map_err(|e| e.to_string())
    )
}

/// Tokens: plain ones of one to forty bytes (around the sixteen bytes
/// copied at once), and with `special` now and then one that JSON escapes
/// or that is not ASCII.
fn token(special: bool) -> impl Strategy<Value = String> {
    prop_oneof![
        12 => (1..40usize, any::<u8>()).prop_map(|(len, seed)| {
            (0..len).map(|i| char::from(b'a' + (seed as usize + i) as u8 % 26)).collect()
        }),
        4 => prop::sample::select(&[".", ",", "-", "--", "(", "EU", "1996-08-22"][..])
            .prop_map(str::to_string),
        u32::from(special) => prop::sample::select(
            &["é", "Müller", "人名です", "😀x", "a\"b", "\\", "\"", "x\\\"y", "\u{7f}"][..]
        )
        .prop_map(str::to_string),
    ]
}

/// Labels of one to thirty bytes, and now and then one that JSON escapes
/// or that is not ASCII.
fn label() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(&["PER", "LOC", "ORG", "MISC", "X"][..]).prop_map(str::to_string),
        2 => (1..30usize).prop_map(|len| "L".repeat(len)),
        1 => prop::sample::select(&["Ort", "人名", "a\"b", "x\\y"][..]).prop_map(str::to_string),
    ]
}

/// A document: a first sentence for the general route, then sentences of
/// one to 300 tokens (so that offsets pass 1,000; the long ones mostly
/// plain, or nearly all would hold a byte to escape), each token tagged
/// `O` or `B-` or `I-` and a label; the last sentence may lack its blank
/// line or its line end.
fn document() -> impl Strategy<Value = Vec<u8>> {
    let line = |special| {
        (
            token(special),
            prop::option::weighted(0.2, (label(), any::<bool>())),
        )
    };
    let sentence = prop_oneof![
        4 => prop::collection::vec(line(true), 1..40),
        2 => prop::collection::vec(line(false), 100..300),
        1 => prop::collection::vec(line(true), 100..300),
    ];
    (
        prop::collection::vec(sentence, 1..6),
        prop::sample::select(&["\n\n", "\n", ""][..]),
    )
        .prop_map(|(sentences, end)| {
            let mut text = b"Start O\nx O\n\n".to_vec();
            for sentence in sentences {
                for (token, tag) in sentence {
                    text.extend_from_slice(token.as_bytes());
                    text.push(b'\t');
                    match tag {
                        None => text.push(b'O'),
                        Some((label, begin)) => {
                            text.extend_from_slice(if begin { b"B-" } else { b"I-" });
                            text.extend_from_slice(label.as_bytes());
                        }
                    }
                    text.push(b'\n');
                }
                text.push(b'\n');
            }
            while text.last() == Some(&b'\n') {
                text.pop();
            }
            text.extend_from_slice(end.as_bytes());
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// The fast route writes the bytes the general route writes, counts
    /// what it counts and reports what it reports.
    #[test]
    fn the_record_writer_writes_what_the_general_route_writes(
        text in document(),
        capacity in prop::sample::select(&[64usize, 300, 1000, 8192, 1 << 16, 1 << 16][..]),
        scheme in prop::sample::select(&[TagScheme::Iob2, TagScheme::Iob1][..]),
        to in prop::sample::select(&TagScheme::ALL[..]),
        unit in prop::sample::select(&[OffsetUnit::Bytes, OffsetUnit::Chars, OffsetUnit::Utf16][..]),
    ) {
        let general = copy_jsonl(&text, capacity, scheme, (to, unit), false);
        let fast = copy_jsonl(&text, capacity, scheme, (to, unit), true);
        prop_assert_eq!(general, fast);
    }
}

/// Sentences with plain tokens of every length up to forty bytes, long
/// labels and offsets past 1,000 are written by the record writer (the
/// test above is not vacuous): the fast route takes them, and its output
/// is the general route's.
#[test]
fn long_tokens_labels_and_offsets_take_the_record_writer() {
    let mut text = String::from("Start O\nx O\n\n");
    for n in 1..120 {
        for k in 0..n {
            let token = "w".repeat(1 + (n * 7 + k) % 40);
            let long = "L".repeat(1 + n % 30);
            let tag = match k % 6 {
                0 => "B-PER".to_string(),
                1 => "I-PER".to_string(),
                2 => format!("B-{long}"),
                3 => format!("I-{long}"),
                _ => "O".to_string(),
            };
            text.push_str(&format!("{token}\t{tag}\n"));
        }
        text.push('\n');
    }
    for unit in [OffsetUnit::Bytes, OffsetUnit::Chars] {
        let to = (TagScheme::Iobes, unit);
        let before = super::fast::TAKEN.with(|t| t.get());
        let fast = copy_jsonl(text.as_bytes(), 1 << 16, TagScheme::Iob2, to, true);
        let taken = super::fast::TAKEN.with(|t| t.get()) - before;
        assert!(taken >= 100, "{taken} sentences by the fast route");
        let general = copy_jsonl(text.as_bytes(), 1 << 16, TagScheme::Iob2, to, false);
        assert_eq!(fast, general);
        assert!(
            fast.contains("[1000,"),
            "offsets of 1,000 and more are written"
        );
    }
}
