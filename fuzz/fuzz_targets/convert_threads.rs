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

fn run(converter: &Converter, inputs: &[&[u8]]) -> (Vec<u8>, String) {
    let inputs = inputs
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
        format!(
            "formats {:?}\nschemes {:?}\nhtml {}",
            report.formats, report.schemes, report.html_stripped
        )
    } else {
        String::new()
    };
    let rest = format!(
        "{}\nresult {result:?}\ncomplete {}\n{seen}\nrepairs {:#?}",
        summary_text(&report.summary),
        report.complete,
        repairs.0,
    );
    (out, rest)
}

fuzz_target!(|data: &[u8]| {
    let (mut bits, text) = Bits::split(data);
    let read = bits.read_options();
    let wopts = bits.write_options();
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
        .write_options(wopts.clone())
        .to(to)
        .chunk_size(chunk)
        // Two threads run however busy the machine is.
        .load_aware(false);
    if let Some(f) = from {
        converter = converter.from(f);
    }
    let one = run(&converter.clone().threads(1), &inputs);
    let two = run(&converter.clone().threads(2), &inputs);
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
