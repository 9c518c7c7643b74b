//! `decode`: tags to entities, leniently (as conlleval.pl reads them) and
//! strictly in the file's scheme; with tag parsing (`Tag::parse`) and the
//! way back (`scheme::encode`) next to them, since convert and eval run all
//! three per token.
//!
//! Inputs: the gold tags of WNUT-17 training data (IOB2), and the predicted
//! column of 1 million generated eval tokens (`examples/gen_corpus.rs`,
//! seed 1) in IOB2 and in IOBES. Throughput is in tags.
//! `NERKIT_BENCH_FILE=path` decodes the tags of that CoNLL file instead (its
//! last column), strictly in `NERKIT_BENCH_SCHEME` (iob2 when not set).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nerkit::scheme::{self, Tag};
use nerkit::{Entity, TagScheme};

mod common;

use common::EvalScheme;

fn bench(c: &mut Criterion) {
    let wnut = common::corpus("wnut17/wnut17train.conll");
    let iob2 = common::eval_string(1, 1_000_000, EvalScheme::Iob2);
    let iobes = common::eval_string(1, 1_000_000, EvalScheme::Iobes);
    let user = common::user_file();
    let inputs = match &user {
        Some((name, text)) => {
            let scheme = std::env::var("NERKIT_BENCH_SCHEME")
                .map_or(Ok(TagScheme::Iob2), |s| s.parse())
                .expect("NERKIT_BENCH_SCHEME: a tag scheme");
            vec![(name.as_str(), scheme, text.as_str())]
        }
        None => vec![
            ("wnut17-train", TagScheme::Iob2, wnut.as_str()),
            ("generated-1M-iob2", TagScheme::Iob2, iob2.as_str()),
            ("generated-1M-iobes", TagScheme::Iobes, iobes.as_str()),
        ],
    };
    let mut group = c.benchmark_group("decode");
    for (name, scheme, text) in inputs {
        let strings = common::conll_tags(text);
        let count: usize = strings.iter().map(Vec::len).sum();
        group.throughput(Throughput::Elements(count as u64));
        let tags: Vec<Vec<Tag<'_>>> = strings
            .iter()
            .map(|s| s.iter().map(|t| Tag::parse(t).expect("a tag")).collect())
            .collect();

        group.bench_with_input(BenchmarkId::new("tag-parse", name), &strings, |b, s| {
            b.iter(|| {
                let mut n = 0;
                for sentence in black_box(s) {
                    for t in sentence {
                        n += Tag::parse(t).is_ok() as usize;
                    }
                }
                n
            })
        });

        let mut entities: Vec<Entity<'_>> = Vec::new();
        let mut ill = Vec::new();
        group.bench_with_input(BenchmarkId::new("lenient", name), &tags, |b, tags| {
            b.iter(|| {
                let mut n = 0;
                for sentence in black_box(tags) {
                    entities.clear();
                    ill.clear();
                    scheme::decode_lenient(sentence, &mut entities, &mut ill);
                    n += entities.len();
                }
                n
            })
        });
        group.bench_with_input(
            BenchmarkId::new(format!("strict-{scheme}"), name),
            &tags,
            |b, tags| {
                b.iter(|| {
                    let mut n = 0;
                    for sentence in black_box(tags) {
                        entities.clear();
                        ill.clear();
                        let ok = scheme::decode_strict(scheme, sentence, &mut entities, &mut ill);
                        n += entities.len() + ok.is_ok() as usize;
                    }
                    n
                })
            },
        );

        // The entities of each sentence, for encoding them back.
        let decoded: Vec<Vec<Entity<'_>>> = tags
            .iter()
            .map(|sentence| {
                let mut e = Vec::new();
                scheme::decode_lenient(sentence, &mut e, &mut Vec::new());
                e
            })
            .collect();
        let mut out: Vec<Tag<'_>> = Vec::new();
        group.bench_with_input(
            BenchmarkId::new(format!("encode-{scheme}"), name),
            &(&tags, &decoded),
            |b, (tags, decoded)| {
                b.iter(|| {
                    let mut n = 0;
                    for (sentence, entities) in black_box(tags.iter().zip(decoded.iter())) {
                        scheme::encode(scheme, sentence.len(), entities, &mut out)
                            .expect("decoded entities encode");
                        n += out.len();
                    }
                    n
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
