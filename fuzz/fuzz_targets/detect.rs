//! Detection on arbitrary bytes: no panic, no hang, and an answer that
//! does not depend on the column given when none is given twice; a format
//! detected opens.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nerkit::format::{self, ReadOptions};

fuzz_target!(|data: &[u8]| {
    let first = format::detect(data);
    let again = format::detect(data);
    assert_eq!(
        first.as_ref().map(|f| f.name()).map_err(|e| e.to_string()),
        again.as_ref().map(|f| f.name()).map_err(|e| e.to_string())
    );
    let with_column = ReadOptions::default().tag_column(2);
    let _ = format::detect_with(data, &with_column);
    if let Ok(found) = first {
        let input = Box::new(std::io::Cursor::new(data.to_vec()));
        let opened = format::open(input, None, &ReadOptions::default());
        assert_eq!(opened.map(|(f, _)| f.name()).ok(), Some(found.name()));
    }
});
