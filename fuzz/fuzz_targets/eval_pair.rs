//! Two-source evaluation (`Evaluator::evaluate_pair`): the text is cut in
//! two at its first NUL byte (in the middle when it has none); gold is a
//! `ColumnSource` over the first part, predictions a `ColumnSource` over
//! the second or, as the first bytes choose, a `SentenceSource` over any
//! reader (`format::open`, the format given or detected). Mode, delimiter,
//! tag column, comments, the token check and the reading options come
//! from the first bytes. No panic; evaluations are consistent
//! (`nerkit_fuzz::check_evaluation`); with two column sources, swapping
//! gold and predictions fails or succeeds alike and swaps the counts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nerkit::eval::{ColumnSource, Evaluation, Evaluator, SentenceSource, TagSource};
use nerkit::format::{self, Delimiter, Format};
use nerkit_fuzz::{check_evaluation, eval_mode, Bits};

fn checked(result: nerkit::Result<Evaluation>) -> Result<Evaluation, String> {
    match result {
        Ok(e) => {
            check_evaluation(&e);
            Ok(e)
        }
        Err(e) => {
            let _ = e.to_diagnostic();
            Err(e.to_string())
        }
    }
}

fn columns(
    text: &[u8],
    name: &str,
    delimiter: &Delimiter,
    tag_column: Option<usize>,
    comments: bool,
    bits: &mut Bits,
) -> ColumnSource<Box<dyn std::io::BufRead>> {
    let mut source =
        ColumnSource::new(bits.input(text), name, delimiter.clone()).comments(comments);
    if let Some(k) = tag_column {
        source = source.tag_column(k);
    }
    source
}

fuzz_target!(|data: &[u8]| {
    let (mut bits, text) = Bits::split(data);
    let (gold, pred) = match text.iter().position(|&b| b == 0) {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => text.split_at(text.len() / 2),
    };
    let mode = eval_mode(&mut bits);
    let delimiter = bits.delimiter();
    let tag_column = match bits.take(2) {
        0 => None,
        n => Some(n as usize),
    };
    let comments = bits.flag();
    let evaluator = Evaluator::new(mode)
        .delimiter(delimiter.clone())
        .token_check(bits.flag());
    let pred_reader = bits.pick(
        3,
        &[
            None,
            None,
            None,
            Some(None),
            Some(Some(Format::BRACKET)),
            Some(Some(Format::CONLL)),
            Some(Some(Format::JSONL)),
            Some(Some(Format::SPANS)),
        ],
    );
    let read = bits.read_options();

    let mut g = columns(gold, "gold", &delimiter, tag_column, comments, &mut bits);
    let Some(from) = pred_reader else {
        let mut p = columns(pred, "pred", &delimiter, tag_column, comments, &mut bits);
        let ab = checked(evaluator.evaluate_pair(&mut g, &mut p));
        // The same texts again, the other way round.
        let mut g2 = columns(gold, "gold", &delimiter, tag_column, comments, &mut bits);
        let mut p2 = columns(pred, "pred", &delimiter, tag_column, comments, &mut bits);
        let ba = checked(evaluator.evaluate_pair(&mut p2, &mut g2));
        match (&ab, &ba) {
            (Ok(a), Ok(b)) => assert!(
                a.counts.swapped() == b.counts,
                "swapping gold and predictions does not swap the counts\ngold {:?}\npred \
                 {:?}\n{evaluator:?}\n{:?}\n{:?}",
                String::from_utf8_lossy(gold),
                String::from_utf8_lossy(pred),
                a.counts,
                b.counts
            ),
            (Err(_), Err(_)) => {}
            _ => panic!(
                "one order fails, the other does not\ngold {:?}\npred {:?}\n{evaluator:?}\n\
                 gold, pred: {ab:?}\npred, gold: {ba:?}",
                String::from_utf8_lossy(gold),
                String::from_utf8_lossy(pred),
            ),
        }
        return;
    };
    // Detection may refuse the input (JSON of no known layout, say).
    let Ok((_, reader)) = format::open(bits.input(pred), from, &read) else {
        return;
    };
    let mut p = SentenceSource::new(reader, "pred").on_repair(|r| {
        let _ = r.to_string();
    });
    let _ = p.path();
    let _ = checked(evaluator.evaluate_pair(&mut g, &mut p));
});
