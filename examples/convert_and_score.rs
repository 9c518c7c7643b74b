//! The library without the command line: convert the bundled cable to
//! CoNLL IOBES on two threads, in memory, then score a copy with one
//! entity type dropped against it, and print the table report.
//!
//! ```text
//! cargo run --release --example convert_and_score
//! ```

use std::error::Error;

use nerkit::convert::{Converter, Input, Report};
use nerkit::eval::{ColumnSource, Evaluator, Mode, ReportFormat};
use nerkit::format::{Delimiter, Format, ReadOptions, WriteOptions};
use nerkit::TagScheme;

const CABLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/corpora/000_8c95ef11f0516e36.txt"
);

fn main() -> Result<(), Box<dyn Error>> {
    // Bracket text (HTML stripped, as the cable needs) to CoNLL IOBES.
    let text = std::fs::read(CABLE)?;
    let converter = Converter::new()
        .from(Format::BRACKET)
        .read_options(ReadOptions::default())
        .to(Format::CONLL)
        .write_options(WriteOptions::default().scheme(TagScheme::Iobes))
        .threads(2)
        .chunk_size(2048);
    let mut gold = Vec::new();
    let mut report = Report::default();
    let input = Input::new("cable.txt", Box::new(std::io::Cursor::new(text)));
    converter.convert(vec![input], &mut gold, &mut report, &mut ())?;
    assert!(report.summary.entities_match(), "no entity lost");
    println!(
        "converted {} sentences, {} entities, on {} thread(s)",
        report.summary.sentences,
        report.summary.read.total(),
        report.threads
    );

    // Predictions: the gold with every MISC entity missed.
    let gold_text = String::from_utf8(gold)?;
    let pred_text: String = gold_text
        .lines()
        .map(|line| match line.rsplit_once('\t') {
            Some((token, tag)) if tag.ends_with("-MISC") => format!("{token}\tO\n"),
            _ => format!("{line}\n"),
        })
        .collect();

    // Strict IOBES scoring of the two texts, read in lockstep.
    let evaluator = Evaluator::new(Mode::Strict(TagScheme::Iobes));
    let mut g = ColumnSource::new(gold_text.as_bytes(), "gold", Delimiter::Whitespace);
    let mut p = ColumnSource::new(pred_text.as_bytes(), "pred", Delimiter::Whitespace);
    let evaluation = evaluator.evaluate_pair(&mut g, &mut p)?;
    evaluation.write_report(&mut std::io::stdout(), ReportFormat::Table)?;
    let micro = evaluation.report().micro;
    assert!(micro.precision == 1.0 && micro.recall < 1.0);
    Ok(())
}
