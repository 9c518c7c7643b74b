//! Differential: bracket text to CoNLL by the fused route
//! (`bracket::Reader::copy_to_conll`, also in memory and through
//! `format::open`'s boxed reader, as `Converter` calls it) and by the
//! general route (`convert::copy_sentences`). Both must write the same
//! bytes, count the same documents, sentences, tokens and entities, report
//! the same repairs and fail with the same error text.
#![no_main]

use std::io::{Cursor, Write};

use libfuzzer_sys::fuzz_target;
use nerkit::bracket::Reader;
use nerkit::conll::Writer;
use nerkit::convert::{copy_sentences, SentenceWriter, Summary};
use nerkit::format::{self, Format, ReadOptions, WriteOptions};
use nerkit::Repair;
use nerkit_fuzz::{summary_text, Bits};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Route {
    /// The general route over the text in one buffer.
    General,
    /// The general route through the read buffer the input chooses.
    GeneralBuffered,
    Fused,
    InMemory,
    Boxed,
}

/// Output bytes, then summary, result and repairs as text.
fn convert(
    route: Route,
    text: &[u8],
    read: &ReadOptions,
    wopts: &WriteOptions,
    buffering: &Bits,
) -> (Vec<u8>, String) {
    // The routes that take a reader read through a buffer chosen by the
    // input, so that lines cross reads. (`--html auto` decides from what
    // the reader's first `fill_buf` holds, so only routes with the same
    // buffering are compared.)
    let mut buffering = buffering.clone();
    let opts = read.bracket();
    let mut out = Vec::new();
    let mut summary = Summary::default();
    let mut repairs = Vec::new();
    let mut on_repair = |r: &Repair| repairs.push(r.to_string());
    let result = match route {
        Route::General => {
            let mut writer = wopts.conll_writer(&mut out);
            let mut reader = Reader::new(text, opts);
            copy_sentences(&mut reader, &mut writer, &mut summary, &mut on_repair)
                .and_then(|()| writer.finish())
        }
        Route::GeneralBuffered => {
            let mut writer = wopts.conll_writer(&mut out);
            let mut reader = Reader::new(buffering.input(text), opts);
            copy_sentences(&mut reader, &mut writer, &mut summary, &mut on_repair)
                .and_then(|()| writer.finish())
        }
        Route::Fused => {
            let mut writer = wopts.conll_writer(&mut out);
            let mut reader = Reader::new(buffering.input(text), opts);
            reader
                .copy_to_conll(&mut writer, &mut summary, &mut on_repair)
                .and_then(|()| writer.finish())
        }
        Route::InMemory => {
            let mut writer = wopts.conll_writer(&mut out);
            let mut reader = Reader::new(Cursor::new(text.to_vec()), opts);
            reader
                .copy_in_memory_to_conll(&mut writer, &mut summary, &mut on_repair)
                .and_then(|()| writer.finish())
        }
        Route::Boxed => {
            let dyn_out: &mut dyn Write = &mut out;
            let mut writer: Writer<&mut dyn Write> = wopts.conll_writer(dyn_out);
            let (_, mut reader) = format::open(buffering.input(text), Some(Format::BRACKET), read)
                .expect("a format given is opened without detection");
            let result = reader
                .copy_to_conll(&mut writer, &mut summary, &mut on_repair)
                .expect("bracket readers have a route to CoNLL");
            result.and_then(|()| writer.finish())
        }
    };
    let result = result.map_err(|e| e.to_string());
    let rest = format!(
        "{}\nresult {result:?}\nrepairs {repairs:#?}",
        summary_text(&summary)
    );
    (out, rest)
}

fuzz_target!(|data: &[u8]| {
    let (mut bits, text) = Bits::split(data);
    let read = bits.read_options();
    let wopts = bits.write_options();
    let general = convert(Route::General, text, &read, &wopts, &bits);
    let buffered = convert(Route::GeneralBuffered, text, &read, &wopts, &bits);
    let mut differ = Vec::new();
    for (route, like) in [
        (Route::InMemory, Route::General),
        (Route::Fused, Route::GeneralBuffered),
        (Route::Boxed, Route::GeneralBuffered),
    ] {
        let other = convert(route, text, &read, &wopts, &bits);
        let expected = if like == Route::General {
            &general
        } else {
            &buffered
        };
        if &other != expected {
            differ.push(format!(
                "general output ({like:?}):\n{}\n{}\n{route:?} output:\n{}\n{}",
                String::from_utf8_lossy(&expected.0),
                expected.1,
                String::from_utf8_lossy(&other.0),
                other.1,
            ));
        }
    }
    if !differ.is_empty() {
        panic!(
            "{} of 3 fused routes differ from the general route\ninput {:?}\noptions {read:?} \
             {wopts:?} {bits:?}\n{}",
            differ.len(),
            String::from_utf8_lossy(text),
            differ.join("\n")
        );
    }
});
