//! The readers of documents (spans lines, doccano, Label Studio, Prodigy)
//! give exactly what they gave before they were made fast: every token,
//! its offsets and the whitespace after it, every entity, the members kept
//! as written, every repair and every error, byte for byte.
//!
//! The expected dumps under `tests/data/json-identical/` were written by
//! the readers as they were at commit 2e1c5a9 (before the fast paths of
//! the tokenizer, the offset conversion and the sentence filling), with
//! `NERKIT_BLESS=1 cargo test --test json_identical`. The inputs are
//! generated here, deterministically, and the samples of
//! `tests/data/exports/` (see its README for where each shape comes from)
//! are read too. A difference means the fast paths changed what a reader
//! gives; the panic message shows both dumps.
//!
//! The generated documents mix ASCII words with accented Latin letters,
//! curly quotes, emoji (two UTF-16 units), flags, ZWJ sequences, combining
//! marks, CJK, no-break and em spaces, tabs, CR LF and line breaks; their
//! spans fall on word boundaries, inside words, inside characters, past
//! the end, and overlap, written in code points, UTF-16 units or bytes and
//! read with every tokenizer, offset unit, alignment, overlap rule and
//! sentence mode.

mod common;

use std::fmt::Write as _;

use nerkit::bracket::SentenceMode;
use nerkit::convert::SentenceReader;
use nerkit::labelstudio::Annotation;
use nerkit::spans::{Align, Overlaps, ReadOptions};
use nerkit::{OffsetUnit, Sentence, Tokenizer};
use unicode_segmentation::UnicodeSegmentation;

/// A linear congruential generator: the inputs must never change.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "the",
    "envoy",
    "said",
    "Monday",
    "talks",
    "U.S.",
    "e.g.",
    "can't",
    "1,000.50",
    "13:51",
    "a_b",
    "x",
    "Pakistan’s",
    "São",
    "Paulo’s",
    "Zoë",
    "Médecins",
    "naïve",
    "Łódź",
    "Ærø",
    "straße",
    "œuvre",
    "“quoted”",
    "‘single’",
    "—",
    "…",
    "😀",
    "👩\u{200D}👩",
    "🇺🇸🇬🇧",
    "東京",
    "カタカナ",
    "مرحبا",
    "שלום",
    "Привет",
    "Ελλάδα",
    "cafe\u{301}",
    "a\u{200B}b",
    "x\u{AD}y",
    "٣٤",
    "ﬁ",
    "Ａ",
    "$",
    "%",
    "(",
    ")",
    ",",
    ".",
    "!",
    "?",
    ";",
    ":",
    "'",
    "\"",
    "-",
    "--",
    "http://example.com/a_b?x=1",
    "3.5%",
    "01/02/2016",
];

const SPACES: &[&str] = &[
    " ", " ", " ", " ", " ", "  ", "\t", "\n", "\r\n", " \n ", "\u{A0}", "\u{2003}", ". ", "! ", "",
];

const LABELS: &[&str] = &["PER", "LOC", "ORG", "MISC", "É"];

/// The length of `s` in `unit`.
fn units(s: &str, unit: OffsetUnit) -> usize {
    match unit {
        OffsetUnit::Bytes => s.len(),
        OffsetUnit::Chars => s.chars().count(),
        OffsetUnit::Utf16 => s.encode_utf16().count(),
    }
}

/// A document: its text and spans `(start, end, label)` in `unit`.
fn document(rng: &mut Lcg, unit: OffsetUnit) -> (String, Vec<(usize, usize, &'static str)>) {
    let mut text = String::new();
    if rng.below(4) == 0 {
        text.push_str(rng.pick(&[" ", "\n", " \t", "\u{A0}"]));
    }
    let words = 1 + rng.below(24);
    for i in 0..words {
        if i > 0 {
            text.push_str(rng.pick(SPACES));
        }
        text.push_str(rng.pick(WORDS));
    }
    if rng.below(4) == 0 {
        text.push_str(rng.pick(&[" ", "\n", " .", "\r\n"]));
    }
    // Offsets of word boundaries, in bytes, and of every char.
    let bounds: Vec<usize> = text
        .split_word_bound_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let chars: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let at = |byte: usize| units(&text[..byte], unit);
    let mut spans = Vec::new();
    for _ in 0..rng.below(5) {
        let label = rng.pick(LABELS);
        let (s, e) = match rng.below(20) {
            // On word boundaries: most spans.
            0..=13 => {
                let a = rng.below(bounds.len());
                let b = (a + 1 + rng.below(3)).min(bounds.len() - 1);
                (at(bounds[a.min(bounds.len() - 2)]), at(bounds[b]))
            }
            // On chars, so often inside a token.
            14..=16 => {
                let a = rng.below(chars.len() - 1);
                let b = a + 1 + rng.below(chars.len() - 1 - a);
                (at(chars[a]), at(chars[b]))
            }
            // Any number: inside a character, empty, past the end.
            17 => {
                let n = units(&text, unit) + 2;
                let a = rng.below(n);
                (a, a + rng.below(4))
            }
            _ => (0, units(&text, unit)),
        };
        spans.push((s, e, label));
        if rng.below(6) == 0 {
            // A duplicate, or the same span with another label.
            spans.push((s, e, rng.pick(LABELS)));
        }
    }
    (text, spans)
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn unit_of(rng: &mut Lcg) -> OffsetUnit {
    rng.pick(&[
        OffsetUnit::Chars,
        OffsetUnit::Chars,
        OffsetUnit::Utf16,
        OffsetUnit::Bytes,
    ])
}

/// Generated documents of `format`: one JSON value per line, and the unit
/// their offsets are written in.
fn generate(format: &str, seed: u64, count: usize) -> Vec<(String, OffsetUnit)> {
    let mut rng = Lcg(seed);
    (0..count)
        .map(|id| {
            let unit = unit_of(&mut rng);
            let (text, spans) = document(&mut rng, unit);
            let t = json_string(&text);
            let line = match format {
                "spans" => {
                    let e: Vec<String> = spans
                        .iter()
                        .map(|(s, e, l)| match rng.below(2) {
                            0 => format!(r#"{{"start": {s}, "end": {e}, "label": "{l}"}}"#),
                            _ => format!(r#"[{s}, {e}, "{l}"]"#),
                        })
                        .collect();
                    format!(
                        r#"{{"id": {id}, "text": {t}, "entities": [{}], "meta": {{"k": [1, "é"]}}}}"#,
                        e.join(", ")
                    )
                }
                "doccano" => {
                    let e: Vec<String> = spans
                        .iter()
                        .map(|(s, e, l)| format!(r#"[{s}, {e}, "{l}"]"#))
                        .collect();
                    format!(
                        r#"{{"id": {id}, "text": {t}, "label": [{}], "Comments": []}}"#,
                        e.join(",")
                    )
                }
                "labelstudio" => {
                    let result = |spans: &[(usize, usize, &str)]| {
                        let r: Vec<String> = spans
                            .iter()
                            .map(|&(s, e, l)| {
                                // The tool's copy of the text at the
                                // offsets, when they fall on chars.
                                let copy = slice_units(&text, unit, s, e)
                                    .map(|c| format!(r#""text": {}, "#, json_string(c)))
                                    .unwrap_or_default();
                                format!(
                                    r#"{{"value": {{"start": {s}, "end": {e}, {copy}"labels": ["{l}"]}}, "from_name": "label", "to_name": "text", "type": "labels"}}"#
                                )
                            })
                            .collect();
                        r.join(", ")
                    };
                    let mut annotations = vec![format!(
                        r#"{{"id": 1, "result": [{}], "was_cancelled": false}}"#,
                        result(&spans)
                    )];
                    match rng.below(4) {
                        0 => annotations.push(format!(
                            r#"{{"id": 2, "result": [{}]}}"#,
                            result(&spans[..spans.len() / 2])
                        )),
                        1 => annotations.push(r#"{"id": 3, "result": [], "was_cancelled": true}"#.into()),
                        _ => {}
                    }
                    format!(
                        r#"{{"id": {id}, "annotations": [{}], "data": {{"text": {t}, "url": "x"}}, "meta": {{}}}}"#,
                        annotations.join(", ")
                    )
                }
                "prodigy" => {
                    // Tokens: runs of non-whitespace, with offsets in
                    // `unit`, as a tool that tokenized the text would write.
                    let mut tokens = Vec::new();
                    let mut pos = 0;
                    for word in text.split_whitespace() {
                        let b = pos + text[pos..].find(word).unwrap();
                        pos = b + word.len();
                        let (s, e) = (units(&text[..b], unit), units(&text[..pos], unit));
                        tokens.push(format!(
                            r#"{{"text": {}, "start": {s}, "end": {e}, "id": {}}}"#,
                            json_string(word),
                            tokens.len()
                        ));
                    }
                    let own = rng.below(3) != 0 && !tokens.is_empty();
                    let e: Vec<String> = spans
                        .iter()
                        .map(|(s, e, l)| format!(r#"{{"start": {s}, "end": {e}, "label": "{l}"}}"#))
                        .collect();
                    format!(
                        r#"{{"text": {t}, "tokens": [{}], "spans": [{}], "_input_hash": {id}, "answer": "accept"}}"#,
                        if own { tokens.join(", ") } else { String::new() },
                        e.join(", ")
                    )
                }
                _ => unreachable!(),
            };
            (line, unit)
        })
        .collect()
}

/// `text[start..end]` with offsets in `unit`, when they fall on chars.
fn slice_units(text: &str, unit: OffsetUnit, start: usize, end: usize) -> Option<&str> {
    let byte = |at: usize| {
        let mut u = 0;
        for (b, c) in text.char_indices() {
            if u == at {
                return Some(b);
            }
            u += units(c.encode_utf8(&mut [0; 4]), unit);
        }
        (u == at).then_some(text.len())
    };
    let (s, e) = (byte(start)?, byte(end)?);
    (s <= e).then(|| &text[s..e])
}

/// The reading options of run `k` of a document: run 0 reads with the
/// defaults, the others with options drawn from `rng`.
fn options(rng: &mut Lcg, k: usize, written: OffsetUnit) -> ReadOptions {
    let mut o = ReadOptions::default();
    if k == 0 {
        o.offsets = written;
        return o;
    }
    o.tokenizer = rng.pick(&[
        Tokenizer::Unicode,
        Tokenizer::Unicode,
        Tokenizer::Whitespace,
    ]);
    // Mostly the unit the offsets were written in.
    o.offsets = if rng.below(5) == 0 {
        unit_of(rng)
    } else {
        written
    };
    o.align = rng.pick(&[Align::Strict, Align::Contract, Align::Expand]);
    o.overlaps = rng.pick(&[Overlaps::Error, Overlaps::Longest, Overlaps::First]);
    o.sentences = rng.pick(&[None, Some(SentenceMode::Line), Some(SentenceMode::Auto)]);
    o
}

fn open<'a>(format: &str, input: &'a [u8], o: &ReadOptions) -> Box<dyn SentenceReader + 'a> {
    match format {
        "spans" => Box::new(nerkit::spans::Reader::new(input, o.clone())),
        "doccano" => Box::new(nerkit::doccano::Reader::new(input, o.clone())),
        "prodigy" => Box::new(nerkit::prodigy::Reader::new(input, o.clone())),
        _ => {
            let mut ls = nerkit::labelstudio::ReadOptions::default();
            ls.spans = o.clone();
            // Run 0 keeps the default (an error on annotations that
            // differ); the others take the union.
            if o.align != Align::Strict || o.overlaps != Overlaps::Error {
                ls.annotation = Annotation::All;
            }
            Box::new(nerkit::labelstudio::Reader::new(input, ls))
        }
    }
}

/// Everything a reader gives for `input`, one line per sentence, repair
/// or error; it stops at the first error.
fn dump(format: &str, input: &[u8], o: &ReadOptions, out: &mut String) {
    let mut reader = open(format, input, o);
    let mut s = Sentence::new();
    loop {
        let more = reader.read_sentence(&mut s);
        reader.drain_repairs(&mut |r| {
            writeln!(out, "  repair {} at {}: {}", r.kind, r.pos, r.message).unwrap();
        });
        match more {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                writeln!(out, "  error {e}").unwrap();
                break;
            }
        }
        write!(
            out,
            "  sentence line {} start {} lead {:?}:",
            s.line(),
            s.is_document_start(),
            s.leading()
        )
        .unwrap();
        for (i, t) in s.tokens().enumerate() {
            write!(out, " {:?}@{}..{}", t.text, t.span.start(), t.span.end()).unwrap();
            if let Some(g) = s.gap_after(i) {
                if !g.is_empty() {
                    write!(out, "+{g:?}").unwrap();
                }
            }
        }
        for e in s.entities() {
            write!(
                out,
                " [{} {}..{}]",
                e.label,
                e.tokens.start(),
                e.tokens.end()
            )
            .unwrap();
        }
        if let Some(x) = s.extra_json() {
            write!(out, " extra {x}").unwrap();
        }
        out.push('\n');
    }
}

fn describe(o: &ReadOptions) -> String {
    format!(
        "{} {} {:?} {:?} {:?}",
        o.tokenizer, o.offsets, o.align, o.overlaps, o.sentences
    )
}

/// Generated documents of `format`, each read alone with the defaults and
/// with two other sets of options.
fn generated(format: &str, seed: u64) {
    let mut rng = Lcg(seed ^ 0xA5A5);
    let mut out = String::new();
    for (i, (line, unit)) in generate(format, seed, 250).iter().enumerate() {
        writeln!(out, "doc {i}").unwrap();
        for k in 0..3 {
            let o = options(&mut rng, k, *unit);
            writeln!(out, " read {}", describe(&o)).unwrap();
            dump(format, line.as_bytes(), &o, &mut out);
        }
    }
    common::assert_golden(
        &format!("json-identical/{format}.generated.expected"),
        out.as_bytes(),
    );
}

#[test]
fn spans_lines_read_as_before() {
    generated("spans", 1);
}

#[test]
fn doccano_reads_as_before() {
    generated("doccano", 2);
}

#[test]
fn label_studio_reads_as_before() {
    generated("labelstudio", 3);
}

#[test]
fn prodigy_reads_as_before() {
    generated("prodigy", 4);
}

/// The samples of tests/data/exports, whole, with the options that read
/// them and a few more.
#[test]
fn samples_read_as_before() {
    let samples = [
        ("labelstudio", "labelstudio.json", OffsetUnit::Chars),
        ("labelstudio", "labelstudio.jsonl", OffsetUnit::Chars),
        ("labelstudio", "labelstudio-min.json", OffsetUnit::Chars),
        ("labelstudio", "labelstudio-utf16.json", OffsetUnit::Utf16),
        ("doccano", "doccano.jsonl", OffsetUnit::Chars),
        ("doccano", "doccano-entities.jsonl", OffsetUnit::Chars),
        ("prodigy", "prodigy.jsonl", OffsetUnit::Chars),
        ("spans", "spans-keys.jsonl", OffsetUnit::Chars),
    ];
    let mut out = String::new();
    for (format, file, unit) in samples {
        let input = std::fs::read(common::data(&format!("exports/{file}"))).unwrap();
        for tokenizer in [Tokenizer::Unicode, Tokenizer::Whitespace] {
            for sentences in [None, Some(SentenceMode::Line), Some(SentenceMode::Auto)] {
                for (align, overlaps) in [
                    (Align::Strict, Overlaps::Error),
                    (Align::Expand, Overlaps::Longest),
                ] {
                    let mut o = ReadOptions::default();
                    o.tokenizer = tokenizer;
                    o.offsets = unit;
                    o.sentences = sentences;
                    o.align = align;
                    o.overlaps = overlaps;
                    writeln!(out, "{file} read {}", describe(&o)).unwrap();
                    dump(format, &input, &o, &mut out);
                }
            }
        }
    }
    common::assert_golden("json-identical/samples.expected", out.as_bytes());
}

/// Documents that are not what their layout says, or only nearly, each
/// read alone: the one-pass routes hand them to the general route, which
/// must word every error as before.
#[test]
fn malformed_documents_read_as_before() {
    let doccano: &[&[u8]] = &[
        br#"{"text": "a b", "label": [[0, 1, "X"]], "entities": [[2, 3, "Y"]]}"#,
        br#"{"text": "a b", "label": [], "entities": [[2, 3, "Y"]]}"#,
        br#"{"text": "a b", "label": null}"#,
        br#"{"text": "a b", "label": [[0, 1]]}"#,
        br#"{"text": "a b", "label": [[0, 1, "X", 4]]}"#,
        br#"{"text": "a b", "label": [{"start_offset": 0, "end_offset": 1}]}"#,
        br#"{"text": "a b", "label": [{"token_start": 0, "token_end": 0, "label": "X"}]}"#,
        br#"{"text": "a b", "label": [{"start_offset": 0, "end_offset": 1, "label": "X", "x": "y"}]}"#,
        br#"{"text": "a b", "label": [{"start": -1, "end": 1, "label": "X"}]}"#,
        br#"{"text": "a b", "label": [[0, 1.5, "X"]]}"#,
        br#"{"text": "a b", "label": {"a": 1}}"#,
        br#"{"text": "a b", "label": [null]}"#,
        br#"{"text": 3, "label": []}"#,
        br#"{"text": null}"#,
        br#"{"label": [[0, 1, "X"]]}"#,
        br#"{"text": "a", "text": "b", "label": [[1, 2, "X"]]}"#,
        br#"{"text": "a \u00e9 \ud83d\ude00 \"q\"", "label": [[2, 3, "X"]], "meta": {"k": "\u00e9\n"}}"#,
        br#"{"text": "a b", "relations": {}}"#,
        br#"{"text": "a b", "relations": null}"#,
        br#"{"text": "a b", "relations": [{"id": 1}, 2], "label": [[0, 1, "X"]]}"#,
        br#"{"text": "a b"} x"#,
        br#"{"text": "a b",}"#,
        br#"{"text": "a b" "label": []}"#,
        br#"["text", "a b"]"#,
        br#""a b""#,
        b"{\"text\": \"a \xff b\"}",
        b"{\"text\": \"a b\", \"x\": \"\xc3\"}",
        b"{\"text\": \"a b\", \"label\": [{\"start_offset\": 0, \"end_offset\": 1, \"label\": \"X\", \"x\": \"\xe9\"}]}",
        br#"{"text": "a b", "label": [[0, 1, "X"]], "id": 1e400}"#,
        br#"{"text": "a\tb\r\nc", "label": [[4, 5, "\u0000"]]}"#,
        br#"  {"text": "a b", "label": [[0, 1, "X"]]}  "#,
    ];
    let mut out = String::new();
    for format in ["doccano", "spans", "labelstudio", "prodigy"] {
        for (i, line) in doccano.iter().enumerate() {
            writeln!(out, "{format} {i}").unwrap();
            dump(format, line, &ReadOptions::default(), &mut out);
        }
    }
    common::assert_golden("json-identical/malformed.expected", out.as_bytes());
}
