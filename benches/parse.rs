//! `parse`: bracket lines to tokens and entities with `bracket::Reader`,
//! next to the cheapest possible passes over the same bytes (find every
//! line with memchr; split on whitespace), which bound what a parser can
//! reach.
//!
//! Inputs: the cable, WNUT-17 training data rendered as bracket lines, and
//! 8 MB of generated tagger output (`examples/gen_corpus.rs`, seed 1).
//! `NERKIT_BENCH_FILE=path` measures that file instead, in the format
//! detected from its start, once before timing (read through `format::open`, as convert reads
//! it).

use std::hint::black_box;
use std::io::BufReader;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nerkit::bracket::{Options, Reader};
use nerkit::convert::SentenceReader;
use nerkit::format::{Format, ReadOptions};
use nerkit::{Sentence, Tokenizer};

mod common;

/// The named inputs of the `parse` and `convert` groups.
fn inputs() -> Vec<(&'static str, String)> {
    vec![
        ("cable", common::CABLE.to_string()),
        ("wnut17-train", common::wnut17_as_bracket()),
        ("generated-8MB", common::bracket_string(1, 8_000_000)),
    ]
}

/// Reads every sentence; returns the token and entity counts so that
/// nothing is optimised away.
fn read_all(text: &str, opts: &Options) -> (usize, usize) {
    let mut reader = Reader::new(text.as_bytes(), opts.clone());
    let mut sentence = Sentence::new();
    let (mut tokens, mut entities) = (0, 0);
    while reader.read_sentence(&mut sentence).expect("valid input") {
        tokens += sentence.len();
        entities += sentence.entity_count();
    }
    (tokens, entities)
}

/// Reads every sentence of the user's file in its format (detected), as
/// `nerkit bench` does (a 64 KiB buffer, as the commands read a file);
/// returns the token and entity counts.
fn read_detected(text: &'static str, format: Format, opts: &ReadOptions) -> (usize, usize) {
    let input = Box::new(BufReader::with_capacity(1 << 16, text.as_bytes()));
    let (_, mut reader) = nerkit::format::open(input, Some(format), opts).expect("a reader");
    let mut sentence = Sentence::new();
    let (mut tokens, mut entities) = (0, 0);
    while reader.read_sentence(&mut sentence).expect("valid input") {
        tokens += sentence.len();
        entities += sentence.entity_count();
    }
    (tokens, entities)
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    if let Some((name, text)) = common::user_file() {
        // Leaked once: format::open takes a reader that owns its input.
        let text: &'static str = Box::leak(text.into_boxed_str());
        // Detected once, outside the loop, as `nerkit bench` does.
        let format = nerkit::format::detect(text.as_bytes()).expect("a format nerkit reads");
        group.throughput(Throughput::Bytes(text.len() as u64));
        for tokenizer in [Tokenizer::Whitespace, Tokenizer::Unicode] {
            let opts = ReadOptions::default().tokenizer(tokenizer);
            group.bench_function(
                BenchmarkId::new(format!("reader-{tokenizer}"), &name),
                |b| b.iter(|| read_detected(black_box(text), format, &opts)),
            );
        }
        group.finish();
        return;
    }
    for (name, text) in inputs() {
        group.throughput(Throughput::Bytes(text.len() as u64));
        for tokenizer in [Tokenizer::Whitespace, Tokenizer::Unicode] {
            let opts = nerkit::format::ReadOptions::default()
                .tokenizer(tokenizer)
                .bracket();
            group.bench_with_input(
                BenchmarkId::new(format!("reader-{tokenizer}"), name),
                text.as_str(),
                |b, text| b.iter(|| read_all(black_box(text), &opts)),
            );
        }
        // Baselines: the line scan every reader does, and whitespace
        // splitting with no brackets, offsets or sentences at all.
        group.bench_with_input(
            BenchmarkId::new("baseline-memchr-lines", name),
            text.as_str(),
            |b, text| b.iter(|| memchr::memchr_iter(b'\n', black_box(text).as_bytes()).count()),
        );
        group.bench_with_input(
            BenchmarkId::new("baseline-split_whitespace", name),
            text.as_str(),
            |b, text| b.iter(|| black_box(text).split_whitespace().count()),
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion_config();
    targets = parse
}
criterion_main!(benches);
