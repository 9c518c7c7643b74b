//! Differences between one thread and several that the fuzzer found
//! (`fuzz/regressions/convert_threads/`, docs/TESTING.md): each input is
//! converted by the library's `Converter` on one thread and on two with
//! tiny chunks, and must give the same output, counts, facts and error.

use nerkit::convert::{Converter, Input, Report};
use nerkit::format::{Format, ReadOptions, WriteOptions};
use nerkit::{HtmlMode, OffsetUnit, TagScheme};

/// Output, error and report of a conversion of `text` on `threads`
/// threads, cut into chunks of one line.
fn convert(converter: &Converter, text: &[u8], threads: usize) -> (String, Option<String>, Report) {
    let converter = converter
        .clone()
        .threads(threads)
        .chunk_size(1)
        .load_aware(false);
    let mut out = Vec::new();
    let mut report = Report::default();
    let input = Input::new("in", Box::new(std::io::Cursor::new(text.to_vec())));
    let result = converter.convert(vec![input], &mut out, &mut report, &mut ());
    (
        String::from_utf8_lossy(&out).into_owned(),
        result.err().map(|e| e.to_string()),
        report,
    )
}

/// One thread and two give the same; returns one thread's run.
fn same(converter: &Converter, text: &[u8]) -> (String, Option<String>, Report) {
    let one = convert(converter, text, 1);
    let two = convert(converter, text, 2);
    assert_eq!(
        one.0,
        two.0,
        "output of {:?}",
        String::from_utf8_lossy(text)
    );
    assert_eq!(one.1, two.1, "error of {:?}", String::from_utf8_lossy(text));
    let (a, b) = (&one.2, &two.2);
    assert_eq!(a.summary.documents, b.summary.documents, "documents");
    assert_eq!(a.summary.sentences, b.summary.sentences, "sentences");
    assert_eq!(a.summary.tokens, b.summary.tokens, "tokens");
    assert_eq!(a.summary.read, b.summary.read, "entities read");
    assert_eq!(a.summary.written, b.summary.written, "entities written");
    assert_eq!(a.schemes, b.schemes, "schemes");
    assert_eq!(a.html_stripped, b.html_stripped, "html");
    one
}

#[test]
fn the_conll_scheme_is_detected_from_the_same_bytes() {
    let converter = Converter::new().from(Format::CONLL);
    let (out, error, _) = same(&converter, b"a O\n\nb I-PER\n");
    assert_eq!((out.as_str(), error), ("a\tO\n\nb\tB-PER\n\n", None));
}

#[test]
fn html_is_decided_from_the_same_bytes() {
    let converter = Converter::new().from(Format::BRACKET);
    let (out, _, report) = same(&converter, b"a\n<p>b</p>\n");
    assert_eq!(out, "a\tO\n\nb\tO\n\n");
    assert!(report.html_stripped);
}

#[test]
fn offsets_after_invalid_utf8_count_as_the_reader_does() {
    for unit in [OffsetUnit::Chars, OffsetUnit::Utf16] {
        let mut read = ReadOptions::default().lenient(true);
        read.offsets = Some(unit);
        let converter = Converter::new()
            .from(Format::BRACKET)
            .read_options(read)
            .to(Format::JSONL);
        let (out, error, _) = same(&converter, b"a\x80\nb\n");
        assert_eq!(error, None);
        // JSON lines offsets point into the text written beside them, not
        // into the input (the reader's offsets no longer reach this output;
        // `same` still compares one thread with many).
        assert!(
            out.contains("\"text\":\"b\",\"offsets\":[[0,1]]"),
            "{unit:?}: {out}"
        );
    }
}

#[test]
fn the_document_starts_at_the_first_sentence_whatever_chunk_it_is_in() {
    let converter = Converter::new()
        .from(Format::BRACKET)
        .write_options(WriteOptions::default().docstart(true));
    for text in [&b"\na\n"[..], b"\n\n  \nb [PER c ]\n", b"<p>\n<br>\na\n"] {
        let (out, _, report) = same(&converter, text);
        assert!(out.starts_with("-DOCSTART- -X- -X- O\n\n"), "{out}");
        assert_eq!(report.summary.documents, 1);
    }
}

#[test]
fn what_was_converted_before_an_error_is_counted() {
    let converter = Converter::new().from(Format::BRACKET);
    let (out, error, report) = same(&converter, b"a\n[PER b\n");
    assert_eq!(out, "a\tO\n\n");
    assert!(error.unwrap().contains("unclosed entity"));
    assert_eq!(report.summary.sentences, 1);
}

#[test]
fn an_empty_input_reports_what_was_decided() {
    let converter = Converter::new()
        .from(Format::BRACKET)
        .read_options(ReadOptions::default().html(HtmlMode::Strip));
    let (_, _, report) = same(&converter, b"");
    assert!(report.html_stripped);
    let converter = Converter::new()
        .from(Format::CONLL)
        .read_options(ReadOptions::default().scheme(TagScheme::Iobes));
    same(&converter, b"");
}

/// Two inputs, the second refused at detection: one thread has written the
/// first before it opens the second, and so must two threads (the fuzzer's
/// `output-of-earlier-input-kept-on-error`).
#[test]
fn an_input_refused_after_another_keeps_the_first_ones_output() {
    let run = |threads: usize| {
        let converter = Converter::new()
            .threads(threads)
            .chunk_size(1)
            .load_aware(false);
        let inputs = vec![
            Input::new("a", Box::new(std::io::Cursor::new(b"one two\n".to_vec()))),
            Input::new(
                "b",
                Box::new(std::io::Cursor::new(b"{\"unknown\": 1}\n".to_vec())),
            ),
        ];
        let mut out = Vec::new();
        let mut report = Report::default();
        let result = converter.convert(inputs, &mut out, &mut report, &mut ());
        (
            String::from_utf8_lossy(&out).into_owned(),
            result.err().map(|e| e.to_string()),
            report.summary.sentences,
            report.summary.tokens,
        )
    };
    let one = run(1);
    assert_eq!(one.0, "one\tO\ntwo\tO\n\n");
    assert!(
        one.1.as_deref().unwrap_or("").starts_with("b:"),
        "{:?}",
        one.1
    );
    assert_eq!((one.2, one.3), (1, 2));
    assert_eq!(run(2), one);
}

/// A chunk that fails stops the output there, however many chunks after it
/// the threads have converted already (the fuzzer's
/// `nothing-after-a-failed-chunk`).
#[test]
fn nothing_after_a_failed_chunk_is_written() {
    let mut text = b"a b\nc d\ne\rf\n".to_vec();
    for _ in 0..200 {
        text.extend_from_slice(b"later line\n");
    }
    let converter = Converter::new().from(Format::BRACKET);
    let (out, error, report) = same(&converter, &text);
    assert_eq!(out, "a\tO\nb\tO\n\nc\tO\nd\tO\n\n");
    assert!(error.unwrap_or_default().starts_with("in:3:2:"));
    assert_eq!(report.summary.sentences, 2);
}

/// A line longer than the threads gather into a chunk (4 MiB), read from a
/// stream, is converted streaming between the chunks around it: the same
/// output, counts, and line numbers in an error after it as on one thread.
#[test]
fn a_long_line_in_a_stream_converts_as_on_one_thread() {
    let mut text = b"a [PER b ]\n".to_vec();
    while text.len() < (5 << 20) {
        text.extend_from_slice(b"x [ORG y z ] w ");
    }
    text.extend_from_slice(b"\nc d\ne\rf\n");
    for to in [Format::CONLL, Format::JSONL] {
        let converter = Converter::new().from(Format::BRACKET).to(to);
        let (out, error, report) = same(&converter, &text);
        assert!(
            error.as_deref().unwrap_or("").starts_with("in:4:2:"),
            "{error:?}"
        );
        assert_eq!(report.summary.sentences, 3);
        assert!(out.len() > 5 << 20);
    }
    // Without the error, to the end.
    let ok = &text[..text.len() - 5];
    let (_, error, report) = same(&Converter::new().from(Format::BRACKET), ok);
    assert_eq!((error, report.summary.sentences), (None, 3));
}

/// A `-DOCSTART-` line followed by several blank lines, a comment or a
/// line of Unicode whitespace still starts the document of the sentence
/// after it when the input is cut there (the chunker once cut after the
/// second blank line, and the sentence lost its document start).
#[test]
fn a_document_line_keeps_its_sentence_across_what_the_reader_passes_over() {
    let mut read = ReadOptions::default();
    read.comments = true;
    let converter = Converter::new()
        .from(Format::CONLL)
        .read_options(read)
        .write_options(WriteOptions::default().docstart(true));
    for text in [
        "a O\n\n-DOCSTART- O\n\n\nb O\n\nc O\n",
        "a O\n\n-DOCSTART- O\n# x\n\nb O\n\nc O\n",
        "a O\n\n\u{3000}-DOCSTART- O\n\nb O\n\nc O\n",
        "a O\n\n-DOCSTART- O\n\u{a0}\n\nb O\n\nc O\n",
    ] {
        let (out, error, report) = same(&converter, text.as_bytes());
        assert_eq!(error, None);
        assert_eq!(report.summary.documents, 2, "{text:?}: {out}");
        assert_eq!(out.matches("-DOCSTART-").count(), 2, "{text:?}: {out}");
    }
}

/// Output, error and report of a conversion of `text` from a file, which
/// two threads read in stretches of `size` bytes each.
fn convert_file(
    converter: &Converter,
    text: &[u8],
    threads: usize,
    size: usize,
) -> (String, Option<String>, Report) {
    let mut file = tempfile::tempfile().unwrap();
    std::io::Write::write_all(&mut file, text).unwrap();
    std::io::Seek::rewind(&mut file).unwrap();
    let converter = converter
        .clone()
        .threads(threads)
        .chunk_size(size)
        .load_aware(false);
    let reader = std::io::BufReader::new(file.try_clone().unwrap());
    let input = Input::new("in", Box::new(reader)).with_file(file, text.len() as u64);
    let mut out = Vec::new();
    let mut report = Report::default();
    let result = converter.convert(vec![input], &mut out, &mut report, &mut ());
    (
        String::from_utf8_lossy(&out).into_owned(),
        result.err().map(|e| e.to_string()),
        report,
    )
}

/// A CoNLL line for the property test below, without its line end.
fn conll_line() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        4 => (0..4usize, 0..7usize).prop_map(|(t, g)| {
            let token = ["a", "Bo", "1-2", "#"][t];
            let tag = ["O", "B-PER", "I-PER", "I-LOC", "E-PER", "S-LOC", "Q"][g];
            format!("{token} {tag}")
        }),
        3 => Just(String::new()),
        1 => prop_oneof![
            Just(" \t".to_string()),
            Just("\u{a0}".to_string()),
            Just("-DOCSTART- -X- O".to_string()),
            Just(" -DOCSTART-".to_string()),
            Just("# c".to_string()),
            Just("x\u{2019}y O".to_string()),
        ],
    ]
}

proptest::proptest! {
    /// CoNLL read by stretches of a file (any size, cut after blank lines
    /// that follow token lines) gives the output, counts, error and its
    /// position of one thread, leniently or not.
    #[test]
    fn conll_stretches_convert_as_one_thread(
        lines in proptest::collection::vec((conll_line(), proptest::bool::ANY), 0..60),
        size in 1usize..80,
        lenient in proptest::bool::ANY,
        comments in proptest::bool::ANY,
        docstart in proptest::bool::ANY,
    ) {
        let mut text = String::new();
        for (line, crlf) in &lines {
            text.push_str(line);
            text.push_str(if *crlf { "\r\n" } else { "\n" });
        }
        let mut read = ReadOptions::default().lenient(lenient).scheme(TagScheme::Iob2);
        read.comments = comments;
        let converter = Converter::new()
            .from(Format::CONLL)
            .read_options(read)
            .write_options(WriteOptions::default().docstart(docstart));
        let one = convert(&converter, text.as_bytes(), 1);
        let two = convert_file(&converter, text.as_bytes(), 2, size);
        proptest::prop_assert_eq!(&one.0, &two.0, "output");
        proptest::prop_assert_eq!(&one.1, &two.1, "error");
        let (a, b) = (&one.2.summary, &two.2.summary);
        proptest::prop_assert_eq!(
            (a.documents, a.sentences, a.tokens, a.repairs.total()),
            (b.documents, b.sentences, b.tokens, b.repairs.total())
        );
    }
}

/// Only the start of the input is looked at for CoNLL-U's ID column, also
/// by a thread whose stretch counts its lines from 1: numbered lines later
/// are tokens, as on one thread.
#[test]
fn numbered_lines_after_the_start_are_tokens_in_every_stretch() {
    // Numbered, but not IDs: the check is over after this sentence.
    let mut text = String::from("1 x O\n2 y O\nc z O\n\n");
    for _ in 0..50 {
        text.push_str("1 x O\n2 y B-PER\n3 z O\n\n");
    }
    let converter = Converter::new().from(Format::CONLL);
    let one = convert(&converter, text.as_bytes(), 1);
    assert_eq!(one.1, None);
    assert_eq!(one.2.summary.sentences, 51);
    for size in [1, 30, 100] {
        let two = convert_file(&converter, text.as_bytes(), 2, size);
        assert_eq!((&one.0, &one.1), (&two.0, &two.1), "stretches of {size}");
    }
}

/// Chunks as large as can be asked for: each file is one stretch, read
/// whole, not a read of `usize::MAX` bytes (which panicked).
#[test]
fn the_largest_chunk_size_reads_each_file_whole() {
    for (format, text) in [
        (Format::BRACKET, &b"[PER a ] b\n"[..]),
        (Format::CONLL, b"a O\n\nb B-PER\n"),
    ] {
        let converter = Converter::new().from(format);
        let one = convert(&converter, text, 1);
        let files = |n: usize| -> Vec<Input> {
            (0..n)
                .map(|_| {
                    let mut file = tempfile::tempfile().unwrap();
                    std::io::Write::write_all(&mut file, text).unwrap();
                    std::io::Seek::rewind(&mut file).unwrap();
                    let reader = std::io::BufReader::new(file.try_clone().unwrap());
                    Input::new("in", Box::new(reader)).with_file(file, text.len() as u64)
                })
                .collect()
        };
        let converter = converter
            .threads(2)
            .chunk_size(usize::MAX)
            .load_aware(false);
        let mut out = Vec::new();
        let mut report = Report::default();
        converter
            .convert(files(2), &mut out, &mut report, &mut ())
            .unwrap();
        assert_eq!(report.threads, 2);
        assert_eq!(String::from_utf8(out).unwrap(), one.0.repeat(2));
    }
}
