//! `convert`: bracket text to CoNLL IOB2 (and IOBES), end to end into a
//! `BufWriter` over `io::sink()`, as the CLI does into a file: by
//! `bracket::Reader::copy_to_conll` (the fused route the CLI takes), and
//! for IOB2 also by the general route (`convert::copy_sentences`), next to a
//! plain copy of the input (`memcpy`), which bounds any conversion that
//! writes at least its input.
//!
//! Inputs: the cable, WNUT-17 training data rendered as bracket lines, and
//! 8 MB of generated tagger output (`examples/gen_corpus.rs`, seed 1).

use std::hint::black_box;
use std::io::{self, BufWriter};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nerkit::bracket::{Options, Reader};
use nerkit::conll::Writer;
use nerkit::convert::{copy_sentences, Summary};
use nerkit::TagScheme;

mod common;

fn inputs() -> Vec<(&'static str, String)> {
    vec![
        ("cable", common::CABLE.to_string()),
        ("wnut17-train", common::wnut17_as_bracket()),
        ("generated-8MB", common::bracket_string(1, 8_000_000)),
    ]
}

/// Converts `text` (by the fused route, or the general one) and returns the
/// number of tokens written.
fn convert(text: &str, scheme: TagScheme, fused: bool) -> u64 {
    let mut reader = Reader::new(text.as_bytes(), Options::default());
    let mut writer = Writer::new(BufWriter::with_capacity(1 << 16, io::sink()), scheme);
    let mut summary = Summary::default();
    if fused {
        reader.copy_to_conll(&mut writer, &mut summary, &mut |_| {})
    } else {
        copy_sentences(&mut reader, &mut writer, &mut summary, &mut |_| {})
    }
    .expect("valid input");
    summary.tokens
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("convert");
    for (name, text) in inputs() {
        group.throughput(Throughput::Bytes(text.len() as u64));
        for scheme in [TagScheme::Iob2, TagScheme::Iobes] {
            group.bench_with_input(
                BenchmarkId::new(format!("bracket-to-{scheme}"), name),
                text.as_str(),
                |b, text| b.iter(|| convert(black_box(text), scheme, true)),
            );
        }
        group.bench_with_input(
            BenchmarkId::new("bracket-to-iob2-general-route", name),
            text.as_str(),
            |b, text| b.iter(|| convert(black_box(text), TagScheme::Iob2, false)),
        );
        let mut copy = Vec::with_capacity(text.len());
        group.bench_with_input(
            BenchmarkId::new("baseline-memcpy", name),
            text.as_str(),
            |b, text| {
                b.iter(|| {
                    copy.clear();
                    copy.extend_from_slice(black_box(text).as_bytes());
                    copy.len()
                })
            },
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion_config();
    targets = bench
}
criterion_main!(benches);
