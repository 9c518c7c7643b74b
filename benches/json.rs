//! `json`: the readers of annotation-tool exports, on a generated Label
//! Studio JSON export (one top-level array of tasks, pretty-printed as
//! Label Studio writes it) and a generated doccano JSONL file, about 24 MB
//! each, with the tokenizers they can use; and, as baselines, the parts
//! that bound them: parsing the same bytes into `serde_json::Value`s, and
//! tokenizing the texts alone.
//!
//! The goal of the issue is 100 MB/s on one thread.
//!
//! `NERKIT_BENCH_FILE=path` measures that file instead, when it is a Label
//! Studio or doccano export (the `parse` bench reads any format).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nerkit::convert::SentenceReader;
use nerkit::format::{Format, ReadOptions};
use nerkit::{Sentence, Tokenizer};

mod common;

const WORDS: &[&str] = &[
    "the",
    "envoy",
    "said",
    "on",
    "Monday",
    "that",
    "talks",
    "with",
    "officials",
    "in",
    "would",
    "continue",
    "after",
    "a",
    "meeting",
    "of",
    "ministers",
    ",",
    "and",
    "Pakistan’s",
    "army",
    "had",
    "not",
    "commented",
    ".",
    "São",
    "Paulo’s",
    "mayor",
    "rejected",
    "the",
    "plan",
];
const NAMES: &[(&str, &str)] = &[
    ("Ryan Crocker", "PER"),
    ("Pervez Musharraf", "PER"),
    ("Islamabad", "LOC"),
    ("Médecins Sans Frontières", "ORG"),
    ("NATO", "ORG"),
    ("Kabul", "LOC"),
    ("Zoë Baird", "PER"),
];

/// A deterministic document: its text and its entities (code points).
fn document(seed: &mut u64) -> (String, Vec<(usize, usize, &'static str)>) {
    let mut next = || {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 33) as usize
    };
    let (mut text, mut entities, mut chars) = (String::new(), Vec::new(), 0);
    let words = 20 + next() % 40;
    for i in 0..words {
        if i > 0 {
            text.push(' ');
            chars += 1;
        }
        if next() % 7 == 0 {
            let (name, label) = NAMES[next() % NAMES.len()];
            let n = name.chars().count();
            entities.push((chars, chars + n, label));
            text.push_str(name);
            chars += n;
        } else {
            let w = WORDS[next() % WORDS.len()];
            text.push_str(w);
            chars += w.chars().count();
        }
    }
    // Spaced, so that the whitespace tokenizer finds entity edges too.
    text.push_str(" .");
    (text, entities)
}

/// A Label Studio JSON export of about `size` bytes.
fn label_studio(size: usize) -> String {
    let (mut out, mut seed, mut id) = (String::from("[\n"), 7u64, 0);
    while out.len() < size {
        let (text, entities) = document(&mut seed);
        id += 1;
        let result: Vec<serde_json::Value> = entities
            .iter()
            .enumerate()
            .map(|(k, &(s, e, l))| {
                let t: String = text.chars().skip(s).take(e - s).collect();
                serde_json::json!({"value": {"start": s, "end": e, "text": t, "labels": [l]},
                    "id": format!("r{id}-{k}"), "from_name": "label", "to_name": "text",
                    "type": "labels", "origin": "manual"})
            })
            .collect();
        let task = serde_json::json!({"id": id, "annotations": [{"id": id, "completed_by": 1,
            "result": result, "was_cancelled": false, "ground_truth": false,
            "created_at": "2024-03-01T10:00:00.000000Z", "lead_time": 12.5}],
            "drafts": [], "predictions": [], "data": {"text": text}, "meta": {},
            "created_at": "2024-03-01T09:00:00.000000Z", "project": 4});
        if id > 1 {
            out.push_str(",\n");
        }
        out.push_str(&serde_json::to_string_pretty(&task).unwrap());
    }
    out.push_str("\n]\n");
    out
}

/// A doccano JSONL file of about `size` bytes.
fn doccano(size: usize) -> String {
    let (mut out, mut seed, mut id) = (String::new(), 11u64, 0);
    while out.len() < size {
        let (text, entities) = document(&mut seed);
        id += 1;
        let label: Vec<serde_json::Value> = entities
            .iter()
            .map(|&(s, e, l)| serde_json::json!([s, e, l]))
            .collect();
        let line = serde_json::json!({"id": id, "text": text, "label": label, "Comments": []});
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

fn read_all(text: &str, format: Format, opts: &ReadOptions) -> (usize, usize) {
    let mut reader: Box<dyn SentenceReader + '_> = if format == Format::LABEL_STUDIO {
        Box::new(nerkit::labelstudio::Reader::new(
            text.as_bytes(),
            opts.label_studio(),
        ))
    } else {
        Box::new(nerkit::doccano::Reader::new(text.as_bytes(), opts.spans()))
    };
    let mut s = Sentence::new();
    let (mut tokens, mut entities) = (0, 0);
    while reader.read_sentence(&mut s).expect("valid input") {
        tokens += s.len();
        entities += s.entity_count();
    }
    (tokens, entities)
}

fn json(c: &mut Criterion) {
    let mut group = c.benchmark_group("json");
    let user = common::user_file();
    let inputs: Vec<(String, Format, String)> = match user {
        Some((name, text)) => {
            let format = nerkit::format::detect(text.as_bytes()).expect("a format nerkit reads");
            assert!(
                format == Format::LABEL_STUDIO || format == Format::DOCCANO,
                "NERKIT_BENCH_FILE: the json bench reads Label Studio and doccano exports, and \
                 {name} is {format}; the parse bench reads any format"
            );
            vec![(name, format, text)]
        }
        None => vec![
            (
                "label-studio-24MB".to_owned(),
                Format::LABEL_STUDIO,
                label_studio(24_000_000),
            ),
            (
                "doccano-24MB".to_owned(),
                Format::DOCCANO,
                doccano(24_000_000),
            ),
        ],
    };
    for (name, format, text) in &inputs {
        group.throughput(Throughput::Bytes(text.len() as u64));
        for tokenizer in [Tokenizer::Unicode, Tokenizer::Whitespace] {
            let mut opts = ReadOptions::default().tokenizer(tokenizer);
            opts.annotation = nerkit::labelstudio::Annotation::First;
            group.bench_with_input(
                BenchmarkId::new(format!("reader-{tokenizer}"), name),
                text.as_str(),
                |b, text| b.iter(|| read_all(black_box(text), *format, &opts)),
            );
        }
        // Baselines: the JSON alone, into serde_json's Value (the whole
        // array at once for Label Studio, a line at a time for doccano).
        group.bench_with_input(
            BenchmarkId::new("baseline-serde-value", name),
            text.as_str(),
            |b, text| {
                b.iter(|| {
                    if *format == Format::DOCCANO {
                        (black_box(text).lines())
                            .map(|l| {
                                serde_json::from_str::<serde_json::Value>(l)
                                    .unwrap()
                                    .is_object() as usize
                            })
                            .sum::<usize>()
                    } else {
                        serde_json::from_str::<serde_json::Value>(black_box(text))
                            .unwrap()
                            .as_array()
                            .unwrap()
                            .len()
                    }
                })
            },
        );
    }
    if inputs.len() == 1 {
        // The user's file alone.
        group.finish();
        return;
    }
    // The tokenizer alone, over the texts of the doccano file: what the
    // readers cannot go faster than.
    let texts: Vec<String> = (inputs[1].2.lines())
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    group.throughput(Throughput::Bytes(bytes as u64));
    for tokenizer in [Tokenizer::Unicode, Tokenizer::Whitespace] {
        group.bench_with_input(
            BenchmarkId::new(format!("baseline-tokenize-{tokenizer}"), "doccano-texts"),
            &texts,
            |b, texts| {
                b.iter(|| {
                    texts
                        .iter()
                        .map(|t| tokenizer.tokens(black_box(t)).count())
                        .sum::<usize>()
                })
            },
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion_config();
    targets = json
}
criterion_main!(benches);
