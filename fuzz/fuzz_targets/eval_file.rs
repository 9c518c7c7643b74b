//! conlleval's one-file layout: `Evaluator::default().evaluate_file` on
//! the text, then an evaluator with a mode (conlleval, raw, or strict in a
//! scheme) and a delimiter chosen by the first bytes, on the text whole
//! and through a small read buffer. No panic; both reads give the same
//! evaluation or the same error (the word-at-a-time line scan must not
//! depend on where reads end); every evaluation is consistent
//! (`nerkit_fuzz::check_evaluation`) and renders in every report format.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nerkit::eval::{Evaluation, Evaluator};
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

fuzz_target!(|data: &[u8]| {
    let (mut bits, text) = Bits::split(data);
    let _ = checked(Evaluator::default().evaluate_file(text, "f"));

    let mode = eval_mode(&mut bits);
    let evaluator = Evaluator::new(mode).delimiter(bits.delimiter());
    let whole = checked(evaluator.evaluate_file(text, "f"));
    // A buffer of 1, 7 or 64 bytes (or the whole text again).
    let buffered = checked(evaluator.evaluate_file(bits.input(text), "f"));
    assert!(
        whole == buffered,
        "the evaluation depends on where reads end\ninput {:?}\n{evaluator:?}\nwhole: \
         {whole:?}\nbuffered: {buffered:?}",
        String::from_utf8_lossy(text)
    );
});
