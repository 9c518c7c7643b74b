//! `convert`: bracket text to CoNLL IOB2 (and IOBES), end to end into a
//! `BufWriter` over `io::sink()`, as the CLI does into a file: by
//! `bracket::Reader::copy_to_conll` (the fused route the CLI takes), and
//! for IOB2 also by the general route (`convert::copy_sentences`), next to a
//! plain copy of the input (`memcpy`), which bounds any conversion that
//! writes at least its input.
//!
//! Inputs: the cable, WNUT-17 training data rendered as bracket lines, and
//! 8 MB of generated tagger output (`examples/gen_corpus.rs`, seed 1).
//!
//! CoNLL input (`conll-*`): 1M tokens of generated conlleval-layout lines
//! (`TOKEN GOLD PRED`, IOB2; the reader takes the last column as the tag)
//! to CoNLL IOBES and IOB1 by the reader's own route
//! (`InputReader::copy_to_conll`, the CoNLL fast route the CLI takes), and
//! to JSON lines by sentences (`convert::copy_sentences`), through
//! `BufReader`s of 64 KiB as the CLI reads files.
//! `NERKIT_BENCH_FILE=path` converts that file instead, in the format
//! detected from its start (once, before timing), with the `Converter` the CLI uses (which takes
//! the fused route for bracket text).

use std::hint::black_box;
use std::io::{self, BufReader, BufWriter};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nerkit::bracket::{Options, Reader};
use nerkit::conll::Writer;
use nerkit::convert::{copy_sentences, Converter, Input, Report, Summary};
use nerkit::format::{InputReader, WriteOptions};
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

/// Converts CoNLL `text` to CoNLL in `scheme` by the reader's own route,
/// or (`scheme` `None`) to JSON lines in IOB2 by sentences; returns the
/// number of tokens read.
fn convert_conll(text: &str, scheme: Option<TagScheme>) -> u64 {
    let input = io::BufReader::with_capacity(1 << 16, text.as_bytes());
    let mut reader = nerkit::conll::Reader::new(input, nerkit::conll::ReadOptions::default());
    let mut sink = BufWriter::with_capacity(1 << 16, io::sink());
    let mut summary = Summary::default();
    match scheme {
        Some(scheme) => {
            let out: &mut dyn io::Write = &mut sink;
            let mut writer = Writer::new(out, scheme);
            match reader.copy_to_conll(&mut writer, &mut summary, &mut |_| {}) {
                Some(result) => result,
                None => copy_sentences(&mut reader, &mut writer, &mut summary, &mut |_| {}),
            }
        }
        None => {
            let mut writer = nerkit::jsonl::Writer::new(&mut sink, TagScheme::Iob2);
            copy_sentences(&mut reader, &mut writer, &mut summary, &mut |_| {})
        }
    }
    .expect("valid input");
    summary.tokens
}

fn bench_conll(c: &mut Criterion) {
    let mut group = c.benchmark_group("convert");
    let text = common::eval_string(1, 1_000_000, common::EvalScheme::Iob2);
    group.throughput(Throughput::Bytes(text.len() as u64));
    for (name, scheme) in [
        ("conll-to-iobes", Some(TagScheme::Iobes)),
        ("conll-to-iob1", Some(TagScheme::Iob1)),
        ("conll-to-jsonl", None),
    ] {
        group.bench_with_input(
            BenchmarkId::new(name, "generated-1M-tokens"),
            text.as_str(),
            |b, text| b.iter(|| convert_conll(black_box(text), scheme)),
        );
    }
    group.finish();
}

/// Converts the user's file with the CLI's `Converter` on one thread into
/// a sink, read through a 64 KiB buffer as `nerkit bench` reads it;
/// returns the number of tokens.
fn convert_detected(text: &'static str, converter: &Converter) -> u64 {
    let input = Input::new(
        "file",
        Box::new(BufReader::with_capacity(1 << 16, text.as_bytes())),
    );
    let mut out = BufWriter::with_capacity(1 << 16, io::sink());
    let mut report = Report::default();
    converter
        .convert(vec![input], &mut out, &mut report, &mut ())
        .expect("valid input");
    report.summary.tokens
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("convert");
    if let Some((name, text)) = common::user_file() {
        // Leaked once: a converter's input owns its reader.
        let text: &'static str = Box::leak(text.into_boxed_str());
        group.throughput(Throughput::Bytes(text.len() as u64));
        // Detected once, outside the loop, as `nerkit bench` does.
        let format = nerkit::format::detect(text.as_bytes()).expect("a format nerkit reads");
        for scheme in [TagScheme::Iob2, TagScheme::Iobes] {
            let converter = Converter::new()
                .from(format)
                .write_options(WriteOptions::default().scheme(scheme))
                .threads(1);
            group.bench_function(BenchmarkId::new(format!("to-conll-{scheme}"), &name), |b| {
                b.iter(|| convert_detected(black_box(text), &converter))
            });
        }
        group.finish();
        return;
    }
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
    targets = bench, bench_conll
}
criterion_main!(benches);
