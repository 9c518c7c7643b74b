//! Differential: `convert::Converter` on one thread and on two, with tiny
//! chunks (1 to 256 bytes, chosen by the input), on bracket text or CoNLL
//! (or whatever detection finds), to CoNLL or JSON lines. Both must write
//! the same bytes, count the same (`Report::summary`), report the same
//! repairs in the same order and fail with the same error text.
//!
//! An in-memory `Input` has no length, so two threads really run (on a
//! machine with two cores or more), each converting chunks cut by the
//! main thread.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use nerkit::convert::{Converter, Input, Observer, Report};
use nerkit::format::Format;
use nerkit::Repair;
use nerkit_fuzz::{summary_text, Bits};

/// The repairs reported, as the CLI prints them.
#[derive(Default)]
struct Repairs(Vec<String>);

impl Observer for Repairs {
    fn repair(&mut self, input: &Path, repair: &Repair) {
        self.0.push(format!("{}: {repair}", input.display()));
    }
}

fn run(converter: &Converter, inputs: &[&[u8]], skip_known: bool) -> (Vec<u8>, String) {
    let texts = inputs;
    let inputs = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            Input::new(
                format!("input{i}"),
                Box::new(std::io::Cursor::new(text.to_vec())),
            )
        })
        .collect();
    let mut out = Vec::new();
    let mut report = Report::default();
    let mut repairs = Repairs::default();
    let result = converter
        .convert(inputs, &mut out, &mut report, &mut repairs)
        .map_err(|e| e.to_string());
    // What was found out about the inputs (formats, schemes, HTML) is
    // compared only when both succeed: on an error, the threads return
    // before adding it to the report (documented: only the counts are
    // those of what was converted before the error).
    let seen = if result.is_ok() {
        // Known issue (fuzz/regressions/convert_threads/
        // facts-of-empty-input): threads report no facts of an empty
        // input; one thread reports `--html strip` as stripped and a
        // given CoNLL scheme.
        if skip_known && texts.iter().any(|t| t.is_empty()) {
            format!("formats {:?}", report.formats)
        } else {
            format!(
                "formats {:?}\nschemes {:?}\nhtml {}",
                report.formats, report.schemes, report.html_stripped
            )
        }
    } else {
        String::new()
    };
    // Known issue (fuzz/regressions/convert_threads/
    // summary-lost-on-error-with-one-thread): on an error, one thread keeps
    // no counts of the input that failed, threads keep those of the
    // sentences before the error.
    let summary = if result.is_err() && skip_known {
        String::new()
    } else if skip_known {
        let mut s = report.summary.clone();
        s.documents = 0;
        summary_text(&s)
    } else {
        summary_text(&report.summary)
    };
    let rest = format!(
        "{summary}\nresult {result:?}\ncomplete {}\n{seen}\nrepairs {:#?}",
        report.complete, repairs.0,
    );
    (out, rest)
}

fuzz_target!(|data: &[u8]| {
    let (mut bits, text) = Bits::split(data);
    let mut read = bits.read_options();
    let skip_known = nerkit_fuzz::skip_known();
    if read.scheme.is_none() && skip_known {
        // Known issue (fuzz/regressions/convert_threads/
        // conll-scheme-detected-from-first-chunk): with chunks smaller than
        // the detection window, threads detect the CoNLL tag scheme from the
        // first chunk only. Name the scheme one thread detects instead.
        read.scheme = Some(nerkit::conll::detect_scheme(text, &read.conll()));
    }
    if skip_known && format!("{:?}", read.html) == "Auto" {
        // Known issue (fuzz/regressions/convert_threads/
        // html-decided-from-first-chunk): the same for `--html auto`,
        // decided from the first chunk only. Decide as one thread does
        // (it reports what it decided).
        let mut report = Report::default();
        let input = Input::new("probe", Box::new(std::io::Cursor::new(text.to_vec())));
        let probe = Converter::new().read_options(read.clone()).threads(1);
        let _ = probe.convert(vec![input], &mut std::io::sink(), &mut report, &mut ());
        let mode = if report.html_stripped {
            "strip"
        } else {
            "keep"
        };
        read.html = mode.parse().expect("html modes parse");
    }
    if skip_known && read.lenient && std::str::from_utf8(text).is_err() {
        // Known issue (fuzz/regressions/convert_threads/
        // chars-offsets-after-invalid-utf8, utf16-offsets-after-invalid-utf8):
        // chunks count the units of invalid bytes apart from the reader,
        // which counts one U+FFFD per invalid sequence. Bytes only.
        read.offsets = Some(nerkit::OffsetUnit::Bytes);
    }
    let mut wopts = bits.write_options();
    if skip_known {
        // Known issue (fuzz/regressions/convert_threads/
        // docstart-lost-after-leading-blank-line): when the first chunk
        // of an input holds no sentence, the threads mark no sentence as
        // its document's first. No document lines then, and documents are
        // not counted (below).
        wopts = wopts.docstart(false);
    }
    let from = bits.pick(2, &[Some(Format::BRACKET), Some(Format::CONLL), None]);
    let to = bits.pick(1, &[Format::CONLL, Format::JSONL]);
    let chunk = 1 + bits.take(8) as usize;
    // Two inputs, split at the first NUL byte, when the input asks.
    let inputs: Vec<&[u8]> = match (bits.flag(), text.iter().position(|&b| b == 0)) {
        (true, Some(i)) => vec![&text[..i], &text[i + 1..]],
        _ => vec![text],
    };
    let mut converter = Converter::new()
        .read_options(read.clone())
        .write_options(wopts)
        .to(to)
        .chunk_size(chunk);
    if let Some(f) = from {
        converter = converter.from(f);
    }
    let one = run(&converter.clone().threads(1), &inputs, skip_known);
    let two = run(&converter.clone().threads(2), &inputs, skip_known);
    if one != two {
        panic!(
            "two threads differ from one\ninput {:?}\nfrom {from:?} to {to:?} chunks of {chunk} \
             bytes\noptions {read:?} {wopts:?}\none thread:\n{}\n{}\ntwo threads:\n{}\n{}",
            inputs
                .iter()
                .map(|t| String::from_utf8_lossy(t))
                .collect::<Vec<_>>(),
            String::from_utf8_lossy(&one.0),
            one.1,
            String::from_utf8_lossy(&two.0),
            two.1,
        );
    }
});
