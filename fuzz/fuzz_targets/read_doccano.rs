//! The doccano reader on arbitrary bytes, with options from the first bytes:
//! no panic, no hang, sentences as `Sentence` documents them, and every
//! sentence written by a writer chosen from the options (see
//! `nerkit_fuzz::read_all`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nerkit::format::Format;

fuzz_target!(|data: &[u8]| nerkit_fuzz::read_all(Format::DOCCANO, data));
