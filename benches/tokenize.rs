//! Tokenizer throughput against the std and unicode-segmentation baselines.
//!
//! `NERKIT_BENCH_FILE=path` measures that file instead of the corpora.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nerkit::Tokenizer;
use unicode_segmentation::UnicodeSegmentation;

mod common;

const INPUTS: &[(&str, &str)] = &[
    ("cable", "corpora/000_8c95ef11f0516e36.txt"),
    ("wnut17train", "corpora/wnut17/wnut17train.conll"),
    ("wikigold", "corpora/wikigold/wikigold.conll.txt"),
];

fn tokenize(c: &mut Criterion) {
    let mut group = c.benchmark_group("tokenize");
    group.sample_size(20);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    let inputs: Vec<(String, String)> = match common::user_file() {
        Some(file) => vec![file],
        None => INPUTS
            .iter()
            .map(|&(name, path)| {
                let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
                let bytes =
                    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                (
                    name.to_owned(),
                    String::from_utf8_lossy(&bytes).into_owned(),
                )
            })
            .collect(),
    };
    for (name, text) in &inputs {
        let name = name.as_str();
        let text = text.as_str();
        group.throughput(Throughput::Bytes(text.len() as u64));

        // Each routine sums the token lengths so that no tokenizer can skip
        // work whose result is unused.
        group.bench_with_input(BenchmarkId::new("whitespace", name), text, |b, text| {
            b.iter(|| {
                Tokenizer::Whitespace
                    .tokens(black_box(text))
                    .map(|t| t.span.len())
                    .sum::<usize>()
            })
        });
        group.bench_with_input(
            BenchmarkId::new("split_whitespace", name),
            text,
            |b, text| {
                b.iter(|| {
                    black_box(text)
                        .split_whitespace()
                        .map(str::len)
                        .sum::<usize>()
                })
            },
        );
        group.bench_with_input(BenchmarkId::new("unicode", name), text, |b, text| {
            b.iter(|| {
                Tokenizer::Unicode
                    .tokens(black_box(text))
                    .map(|t| t.span.len())
                    .sum::<usize>()
            })
        });
        group.bench_with_input(
            BenchmarkId::new("split_word_bound_indices", name),
            text,
            |b, text| {
                b.iter(|| {
                    black_box(text)
                        .split_word_bound_indices()
                        .filter(|(_, w)| !w.chars().all(char::is_whitespace))
                        .map(|(_, w)| w.len())
                        .sum::<usize>()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, tokenize);
criterion_main!(benches);
