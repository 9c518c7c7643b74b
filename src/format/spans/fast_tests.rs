//! The fast route of spans files to CoNLL against the general route: on
//! random and adversarial documents, with random reading options, in
//! every tag scheme, tag style and column layout, both write the same
//! bytes, count the same and report the same error and repairs.

use std::io::{BufReader, Write};

use proptest::prelude::*;

use super::{Align, Overlaps, ReadOptions, Reader};
use crate::bracket::SentenceMode;
use crate::convert::{copy_sentences, Summary};
use crate::format::conll::{Columns, Writer};
use crate::format::InputReader;
use crate::repair::Repair;
use crate::scheme::{TagScheme, TagStyle};
use crate::sentence::OffsetUnit;
use crate::tokenize::Tokenizer;

/// How the output is written.
#[derive(Clone, Debug)]
struct Out {
    scheme: TagScheme,
    style: TagStyle,
    columns: Columns,
    docstart: bool,
    keep_columns: bool,
}

/// Output bytes, summary, error and repairs of copying `bytes` to CoNLL,
/// by the general route or by the reader's own route; and the number of
/// documents the fast route wrote.
fn copy(bytes: &[u8], capacity: usize, opts: &ReadOptions, to: &Out, fast: bool) -> (String, u64) {
    let mut out: Vec<u8> = Vec::new();
    let mut summary = Summary::default();
    let mut repairs = Vec::new();
    super::fast::FAST_DOCUMENTS.with(|c| c.set(0));
    let result = {
        let sink: &mut dyn Write = &mut out;
        let mut writer = Writer::new(sink, to.scheme)
            .with_tag_style(to.style)
            .with_columns(to.columns)
            .with_docstart(to.docstart)
            .with_kept_columns(to.keep_columns);
        let mut on_repair = |r: &Repair| repairs.push(format!("{r:?}"));
        let mut reader = Reader::new(BufReader::with_capacity(capacity, bytes), opts.clone());
        if fast {
            match reader.copy_to_conll(&mut writer, &mut summary, &mut on_repair) {
                Some(result) => result,
                None => copy_sentences(&mut reader, &mut writer, &mut summary, &mut on_repair),
            }
        } else {
            copy_sentences(&mut reader, &mut writer, &mut summary, &mut on_repair)
        }
    };
    let taken = super::fast::FAST_DOCUMENTS.with(std::cell::Cell::get);
    let shown = format!(
        "{}\n--- {summary:?}\n--- {:?}\n--- {repairs:?}",
        String::from_utf8_lossy(&out),
        result.map_err(|e| format!("{e} {:?}", e.hints()))
    );
    (shown, taken)
}

/// A small random number generator, so that one seed gives a whole file.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
}

const WORDS: &[&str] = &[
    "the",
    "EU",
    "rejects",
    "German",
    "call",
    "U.S.",
    "Pakistan’s",
    "café",
    "e\u{301}",
    "😀",
    "東京",
    "a",
    "x",
    ".",
    "?!",
    "--",
    "(",
    "don't",
    "3.5",
    "🇫🇷",
    "\"q\"",
    "back\\slash",
    "a/b",
    "ß",
    "Ὀδυσσεύς",
    "-DOCSTART-",
    // A mark after a space joins the space's segment: a token the CoNLL
    // writer refuses.
    "\u{301}a",
    "\u{200d}😀",
    "a_token_longer_than_sixteen_bytes",
];
/// Gaps between words; an empty one joins two words into one run of
/// non-whitespace, which the unicode tokenizer may split or not.
const GAPS: &[&str] = &[
    " ", " ", " ", " ", "  ", "\t", "\n", "\u{2003}", "\u{a0}", " \r\n ", "", "",
];
const LABELS: &[&str] = &[
    "PER", "LOC", "ORG", "MISC", "B", "I-X", "é", "a b", "", "PER-B", "O", "x\ty",
];

/// The length of `s` in `unit`.
fn units(s: &str, unit: OffsetUnit) -> usize {
    match unit {
        OffsetUnit::Bytes => s.len(),
        OffsetUnit::Chars => s.chars().count(),
        OffsetUnit::Utf16 => s.encode_utf16().count(),
    }
}

/// `s` as a JSON string, each char written as it is or escaped at random
/// (`\uXXXX` in either case, surrogate pairs past the BMP, short escapes).
fn json_string(rng: &mut Lcg, s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        let escape = rng.one_in(6);
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' if !escape => out.push_str("\\n"),
            '\t' if !escape => out.push_str("\\t"),
            '\r' if !escape => out.push_str("\\r"),
            '/' if escape => out.push_str("\\/"),
            c if (c as u32) < 0x20 || escape => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    if rng.one_in(2) {
                        out.push_str(&format!("\\u{u:04x}"));
                    } else {
                        out.push_str(&format!("\\u{u:04X}"));
                    }
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One line of a spans file: mostly a document whose spans lie on its
/// words, now and then with every kind of trouble.
fn document(rng: &mut Lcg, unit: OffsetUnit) -> String {
    if rng.one_in(40) {
        return rng
            .pick(&[
                "",
                "   ",
                "{}",
                "{\"text\": 3}",
                "[1, 2]",
                "{\"text\": \"a\", \"entities\": [[0, 1]]}",
                "{\"text\": \"\\ud800 a\", \"entities\": []}",
                "{\"text\": \"a b\", \"entities\": [{\"start\": 0, \"end\": 1, \"label\": \"X\", \"start\": 1}]}",
                "{\"text\": \"a b\", \"entities\": [{\"token_start\": 0, \"token_end\": 0, \"label\": \"X\"}]}",
                "{\"text\": \"a",
                "{\"text\": \"a b\", \"label\": [[0, 1, \"X\"]]}",
                "{\"text\": \"a b\", \"entities\": null, \"label\": [[2, 3, \"Y\"]]}",
            ])
            .to_string();
    }
    let (mut text, mut words) = (String::new(), Vec::new());
    if rng.one_in(8) {
        text.push_str(rng.pick(GAPS));
    }
    // Now and then a text longer than the masks the tokenizer holds at
    // once (2 KiB), with words longer than that too.
    let count = if rng.one_in(15) {
        0
    } else if rng.one_in(20) {
        150 + rng.below(400)
    } else {
        1 + rng.below(12)
    };
    for k in 0..count {
        if k > 0 {
            text.push_str(rng.pick(GAPS));
        }
        let start = units(&text, unit);
        if count > 12 && rng.one_in(100) {
            text.push_str(&"ab".repeat(600 + rng.below(900)));
            text.push_str(rng.pick(WORDS));
        } else {
            text.push_str(rng.pick(WORDS));
        }
        words.push((start, units(&text, unit)));
    }
    if rng.one_in(6) {
        text.push_str(rng.pick(GAPS));
    }
    let len = units(&text, unit);
    let mut spans = Vec::new();
    let mut k = 0;
    while k < words.len() {
        if rng.one_in(3) {
            let n = 1 + rng.below(3).min(words.len() - k - 1);
            let (mut start, mut end) = (words[k].0, words[k + n - 1].1);
            // Whitespace at a span's edge is dropped without notice.
            if rng.one_in(8) && start > 0 {
                start -= 1;
            }
            if rng.one_in(8) && end < len {
                end += 1;
            }
            spans.push((start, end, rng.pick(&LABELS[..4])));
            k += n;
        } else {
            k += 1;
        }
    }
    // Trouble: misaligned, overlapping, duplicated, out of range, empty or
    // reversed spans, odd labels, spans out of order.
    for _ in 0..rng.below(3) {
        if rng.one_in(3) {
            let (a, b) = (rng.below(len + 3), rng.below(len + 3));
            spans.push((a, b, rng.pick(LABELS)));
        } else if let Some(&s) = spans.get(rng.below(spans.len() + 1)) {
            spans.push(if rng.one_in(2) {
                s
            } else {
                (s.0, s.1, rng.pick(LABELS))
            });
        }
    }
    if rng.one_in(6) && spans.len() > 1 {
        let i = rng.below(spans.len());
        spans.swap(0, i);
    }
    let mut items = Vec::new();
    for (s, e, l) in spans {
        let label = json_string(rng, l);
        items.push(match rng.below(6) {
            0 => format!("[{s}, {e}, {label}]"),
            1 => format!("{{\"label\": {label}, \"end\": {e}, \"start\": {s}, \"x\": [1, {{}}]}}"),
            2 => format!("{{ \"start\" : {s} , \"end\" : {e} , \"label\" : {label} }}"),
            _ => format!("{{\"start\":{s},\"end\":{e},\"label\":{label}}}"),
        });
    }
    let text = json_string(rng, &text);
    let entities = format!("[{}]", items.join(","));
    match rng.below(8) {
        0 => format!("{{\"id\": 7, \"entities\": {entities}, \"meta\": {{\"a\": [null, true]}}, \"text\": {text}}}"),
        1 => format!("{{\"text\": {text}, \"label\": {entities}}}"),
        2 => format!("{{\"text\": {text}}}"),
        _ => format!("{{\"text\":{text},\"entities\":{entities}}}"),
    }
}

/// A spans file of `lines` documents from `seed`, with blank lines and
/// CRLF line ends now and then, and the offsets in `unit`.
fn file(seed: u64, lines: usize, unit: OffsetUnit) -> String {
    let mut rng = Lcg(seed);
    let mut out = String::new();
    for _ in 0..lines {
        out.push_str(&document(&mut rng, unit));
        out.push_str(rng.pick(&["\n", "\n", "\n", "\r\n", "\n\n"]));
    }
    out
}

fn options() -> impl Strategy<Value = ReadOptions> {
    (
        prop::sample::select(vec![Tokenizer::Unicode, Tokenizer::Whitespace]),
        prop::sample::select(vec![
            OffsetUnit::Chars,
            OffsetUnit::Bytes,
            OffsetUnit::Utf16,
        ]),
        prop::sample::select(vec![
            Align::Strict,
            Align::Contract,
            Align::Expand,
            Align::Split,
        ]),
        prop::sample::select(vec![Overlaps::Error, Overlaps::Longest, Overlaps::First]),
        prop::sample::select(vec![
            None,
            None,
            Some(SentenceMode::None),
            Some(SentenceMode::Line),
            Some(SentenceMode::Auto),
        ]),
    )
        .prop_map(
            |(tokenizer, offsets, align, overlaps, sentences)| ReadOptions {
                tokenizer,
                offsets,
                align,
                overlaps,
                sentences,
            },
        )
}

fn outs() -> impl Strategy<Value = Out> {
    (
        prop::sample::select(TagScheme::ALL.to_vec()),
        prop::sample::select(&TagStyle::ALL[..]),
        prop::sample::select(vec![Columns::Two, Columns::Two, Columns::Conll2003]),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(scheme, style, columns, docstart, keep_columns)| Out {
            scheme,
            style,
            columns,
            docstart: docstart && columns == Columns::Conll2003,
            keep_columns,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Both routes write the same bytes, count the same and report the
    /// same error and repairs.
    #[test]
    fn the_fast_route_writes_what_the_general_route_writes(
        seed in any::<u64>(),
        lines in 1usize..12,
        capacity in prop::sample::select(vec![1usize, 7, 64, 8192]),
        opts in options(),
        to in outs(),
    ) {
        let text = file(seed, lines, opts.offsets);
        let (general, _) = copy(text.as_bytes(), capacity, &opts, &to, false);
        let (fast, _) = copy(text.as_bytes(), capacity, &opts, &to, true);
        prop_assert_eq!(fast, general, "input:\n{}\noptions: {:?}\nout: {:?}", text, opts, to);
    }
}

/// Plain documents (aligned spans in order, in any unit and tokenizer)
/// take the fast route; a document it cannot prove, and the options that
/// split documents into sentences, do not.
#[test]
fn plain_documents_take_the_fast_route() {
    let to = Out {
        scheme: TagScheme::Iobes,
        style: TagStyle::Prefix,
        columns: Columns::Two,
        docstart: false,
        keep_columns: false,
    };
    let text = concat!(
        r#"{"text":"Ryan Crocker met Musharraf’s aide.","entities":[{"start":0,"end":12,"label":"PER"},{"start":17,"end":28,"label":"PER"}]}"#,
        "\n",
        r#"{"text":"😀 EU rejects","entities":[[2, 4, "ORG"]]}"#,
        "\n",
        r#"{"text":"Mis aligned","entities":[[1, 4, "ORG"]]}"#,
        "\n",
    );
    let opts = ReadOptions {
        align: Align::Expand,
        ..ReadOptions::default()
    };
    let (general, _) = copy(text.as_bytes(), 8192, &opts, &to, false);
    let (fast, taken) = copy(text.as_bytes(), 8192, &opts, &to, true);
    assert_eq!(fast, general);
    assert_eq!(taken, 2, "{fast}");
    assert!(
        fast.starts_with(
            "Ryan\tB-PER\nCrocker\tE-PER\nmet\tO\nMusharraf’s\tS-PER\naide\tO\n.\tO\n\n"
        ),
        "{fast}"
    );
    let split = ReadOptions {
        sentences: Some(SentenceMode::Line),
        ..opts
    };
    let (_, taken) = copy(text.as_bytes(), 8192, &split, &to, true);
    assert_eq!(taken, 0);
}

/// Documents the route cannot prove go to the general route, which words
/// their errors and makes their repairs; each is declined on its own,
/// between two documents the route takes.
#[test]
fn documents_the_route_declines() {
    let plain = r#"{"text":"EU rejects it","entities":[[0, 2, "ORG"]]}"#;
    let declined = [
        // A span edge inside a token, spans that overlap, share a byte, are
        // out of order or repeated.
        r#"{"text":"EU rejects it","entities":[[0, 1, "ORG"]]}"#,
        r#"{"text":"EU rejects it","entities":[[0, 10, "ORG"], [3, 10, "X"]]}"#,
        r#"{"text":"EU rejects it","entities":[[0, 3, "ORG"], [2, 10, "X"]]}"#,
        r#"{"text":"EU rejects it","entities":[[3, 10, "X"], [0, 2, "ORG"]]}"#,
        r#"{"text":"EU rejects it","entities":[[0, 2, "ORG"], [0, 2, "ORG"]]}"#,
        // A span past the end, empty, over whitespace only.
        r#"{"text":"EU rejects it","entities":[[0, 20, "ORG"]]}"#,
        r#"{"text":"EU rejects it","entities":[[2, 2, "ORG"]]}"#,
        r#"{"text":"EU  rejects it","entities":[[2, 4, "ORG"]]}"#,
        // Labels a CoNLL tag cannot hold.
        r#"{"text":"EU rejects it","entities":[[0, 2, "O RG"]]}"#,
        r#"{"text":"EU rejects it","entities":[[0, 2, ""]]}"#,
        // A token of a space and the mark after it, and no token at all.
        r#"{"text":"a \u0301b c","entities":[]}"#,
        // A token that holds a space after a non-ASCII first character:
        // the unicode tokenizer keeps U+2003, a space and a mark as one.
        r#"{"text":"a\u2003 \u0301 b","entities":[]}"#,
        r#"{"text":"  ","entities":[]}"#,
        "{\"text\":\"EU\", \"entities\":[[0, 2, \"ORG\"]], \"text\": \"x\"}",
        "not json",
    ];
    for style in [TagStyle::Prefix, TagStyle::Suffix] {
        let to = Out {
            scheme: TagScheme::Iob1,
            style,
            columns: Columns::Two,
            docstart: false,
            keep_columns: false,
        };
        for bad in declined {
            for opts in [
                ReadOptions::default(),
                ReadOptions {
                    align: Align::Expand,
                    overlaps: Overlaps::Longest,
                    ..ReadOptions::default()
                },
            ] {
                let text = format!("{plain}\n{bad}\n{plain}\n");
                let (general, _) = copy(text.as_bytes(), 8192, &opts, &to, false);
                let (fast, taken) = copy(text.as_bytes(), 8192, &opts, &to, true);
                assert_eq!(fast, general, "{bad}");
                let after = usize::from(!general.contains("--- Err"));
                assert_eq!(taken, 1 + after as u64, "{bad}\n{fast}");
            }
        }
    }
}

/// More labels than the route counts apart (the others are counted into
/// the summary at once), in IO, where entities of a label that follow
/// each other are read as two and written as one.
#[test]
fn many_labels_count_as_the_general_route_counts() {
    let mut text = String::new();
    for k in 0..40 {
        let a = format!("L{}", k % 23);
        let b = format!("L{}", (k * 7) % 29);
        text.push_str(&format!(
            "{{\"text\":\"a b c d\",\"entities\":[[0, 1, \"{a}\"], [2, 3, \"{a}\"], [4, 7, \"{b}\"]]}}\n"
        ));
    }
    for scheme in [TagScheme::Io, TagScheme::Iob2] {
        let to = Out {
            scheme,
            style: TagStyle::Prefix,
            columns: Columns::Two,
            docstart: false,
            keep_columns: false,
        };
        let opts = ReadOptions::default();
        let (general, _) = copy(text.as_bytes(), 8192, &opts, &to, false);
        let (fast, taken) = copy(text.as_bytes(), 8192, &opts, &to, true);
        assert_eq!(fast, general);
        assert_eq!(taken, 40);
    }
}
