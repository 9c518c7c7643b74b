//! Long lines read in pieces (issue 18 item 4): bracket text whose lines
//! are cut into pieces of a few bytes converts to the bytes, counts,
//! errors and repairs of the same text read a line at a time, in every
//! scheme, tokenizer, sentence mode, offset unit and output format.

use proptest::prelude::*;

use nerkit::bracket::{Options, Reader, SentenceMode};
use nerkit::convert::{copy_sentences, SentenceWriter, Summary};
use nerkit::format::{self, Format, WriteOptions};
use nerkit::{HtmlMode, OffsetUnit, Repair, TagScheme, TagStyle, Tokenizer};

/// What a conversion gave: the output, the counts, the error and the
/// repairs reported, in order.
#[derive(Debug, PartialEq)]
struct Converted {
    out: Vec<u8>,
    summary: String,
    error: Option<String>,
    repairs: Vec<String>,
}

#[derive(Clone, Copy, Debug)]
enum To {
    Conll(TagScheme),
    Bracket,
    Spans,
    /// JSON lines in a scheme and tag style, with tags as class numbers
    /// or not.
    Jsonl(TagScheme, TagStyle, bool),
}

/// The tags written as class numbers: not every tag, so that writing a
/// piece fails now and then.
const CLASS_NAMES: [&str; 5] = ["O", "B-PER", "I-PER", "PER", "LOC-E"];

/// Converts `input` (handed over `block` bytes at a time) to `to`, with
/// at most `spill` bytes of a line in pieces held in memory by a writer
/// that holds the line's later members.
fn convert(
    input: &[u8],
    opts: &Options,
    to: To,
    offsets: OffsetUnit,
    block: usize,
    spill: usize,
) -> Converted {
    let mut out = Vec::new();
    let mut summary = Summary::default();
    let mut repairs = Vec::new();
    let result = {
        let mut write = WriteOptions::default();
        write.offsets = Some(offsets);
        let mut writer: Box<dyn SentenceWriter + '_> = match to {
            To::Conll(scheme) => Box::new(write.scheme(scheme).conll_writer(&mut out)),
            To::Bracket => format::create(Format::BRACKET, &mut out, &write).unwrap(),
            To::Spans => {
                Box::new(nerkit::spans::Writer::new(&mut out, offsets).with_spill_bytes(spill))
            }
            To::Jsonl(scheme, style, classes) => {
                let mut write = write.scheme(scheme);
                write.tag_style = style;
                write.label_names = classes.then(|| CLASS_NAMES.map(String::from).to_vec());
                Box::new(write.jsonl_writer(&mut out).with_spill_bytes(spill))
            }
        };
        // Input handed over `block` bytes at a time.
        let mut reader = Reader::new(
            std::io::BufReader::with_capacity(block, input),
            opts.clone(),
        );
        copy_sentences(
            &mut reader,
            writer.as_mut(),
            &mut summary,
            &mut |r: &Repair| repairs.push(r.to_string()),
        )
        .and_then(|()| writer.finish())
    };
    Converted {
        out,
        summary: format!("{summary:?}"),
        error: result.err().map(|e| format!("{e} {:?}", e.position())),
        repairs,
    }
}

/// A word, an entity or something malformed, as bracket text holds them.
fn item() -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec![
        "a",
        "Bb",
        "c1",
        ".",
        "?",
        "!",
        "..",
        "é",
        "日本",
        "x.y",
        "[1]",
        "&amp;",
        "&#91;",
        "<b>",
        "x]",
        "]",
        "[",
        "-",
        "'s",
        "\u{301}",
        "\u{1F1EB}\u{1F1F7}",
        "AT&T",
        "<a href=\"x y\">",
        "<!-- [PER x ] -->",
        "<br>",
        "<",
        "<!--",
        "</a>",
        "<i>[</i>",
        "-->",
        "&#32;",
        "&nbsp;",
    ]);
    let entity = (
        prop::sample::select(vec![
            "PER", "LOC", "per", "ORG-X", "BAD", "PER<b>", "PER&#32;",
        ]),
        prop::collection::vec(word.clone(), 0..3),
        prop::sample::select(vec![" ", "  ", "\t"]),
        prop::sample::select(vec!["]", " ]", "  ]", ""]),
    )
        .prop_map(|(label, words, space, close)| {
            format!("[{label}{space}{}{close}", words.join(" "))
        });
    prop_oneof![
        6 => word.prop_map(str::to_string),
        3 => entity,
    ]
}

/// Lines of items with separators and line ends of every kind, now and
/// then an invalid byte or a byte-order mark.
fn text() -> impl Strategy<Value = Vec<u8>> {
    let sep = prop::sample::select(vec![" ", " ", " ", "  ", "\t", "\u{a0}", ""]);
    let end = prop::sample::select(vec!["\n", "\n", "\n", "\r\n", "\n\n", "\r", ""]);
    let line = (prop::collection::vec((item(), sep), 0..14), end);
    (
        any::<bool>(),
        prop::collection::vec(line, 1..5),
        prop::option::weighted(0.1, any::<prop::sample::Index>()),
    )
        .prop_map(|(bom, lines, invalid)| {
            let mut out = Vec::new();
            if bom {
                out.extend_from_slice("\u{feff}".as_bytes());
            }
            for (items, end) in lines {
                for (item, sep) in items {
                    out.extend_from_slice(item.as_bytes());
                    out.extend_from_slice(sep.as_bytes());
                }
                out.extend_from_slice(end.as_bytes());
            }
            if let Some(i) = invalid {
                let at = i.index(out.len() + 1);
                out.insert(at, 0xFF);
            }
            out
        })
}

fn options() -> impl Strategy<Value = (Options, OffsetUnit)> {
    (
        prop::sample::select(vec![Tokenizer::Whitespace, Tokenizer::Unicode]),
        prop::sample::select(vec![
            SentenceMode::Line,
            SentenceMode::Auto,
            SentenceMode::None,
        ]),
        prop::sample::select(vec![
            OffsetUnit::Bytes,
            OffsetUnit::Chars,
            OffsetUnit::Utf16,
        ]),
        prop::sample::select(vec![HtmlMode::Keep, HtmlMode::Strip, HtmlMode::Auto]),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(tokenizer, sentences, offsets, html, lenient, labels)| {
            let mut o = Options::default();
            o.tokenizer = tokenizer;
            o.sentences = sentences;
            o.offsets = offsets;
            o.html = html;
            o.lenient = lenient;
            o.labels = labels.then(|| ["PER", "LOC", "per"].map(String::from).to_vec());
            (o, offsets)
        })
}

fn output() -> impl Strategy<Value = To> {
    prop::sample::select(vec![
        To::Conll(TagScheme::Io),
        To::Conll(TagScheme::Iob1),
        To::Conll(TagScheme::Iob2),
        To::Conll(TagScheme::Ioe1),
        To::Conll(TagScheme::Ioe2),
        To::Conll(TagScheme::Iobes),
        To::Conll(TagScheme::Bilou),
        To::Bracket,
        To::Spans,
        To::Jsonl(TagScheme::Iob2, TagStyle::Prefix, false),
    ])
    .prop_flat_map(|to| match to {
        To::Jsonl(..) => (
            prop::sample::select(vec![
                TagScheme::Io,
                TagScheme::Iob1,
                TagScheme::Iob2,
                TagScheme::Ioe1,
                TagScheme::Iobes,
            ]),
            prop::sample::select(vec![
                TagStyle::Prefix,
                TagStyle::Suffix,
                TagStyle::Unprefixed,
                TagStyle::Bare,
            ]),
            any::<bool>(),
        )
            .prop_map(|(scheme, style, classes)| To::Jsonl(scheme, style, classes))
            .boxed(),
        to => Just(to).boxed(),
    })
}

/// Checks that `text` read in pieces of `piece` bytes (handed over `block`
/// bytes at a time) converts as read a line at a time: the same output, counts, error and repairs, except
/// that before an error the pieces of its line written stay (so the
/// output read whole is where the output in pieces starts), the counts
/// leave out the sentence whose piece failed and, when the writer refused
/// a piece, the repairs of its line are not reported.
///
/// The writers that hold a line's later members hold at most `spill` bytes
/// in memory: a small bound moves them to a temporary file.
fn check(
    text: &[u8],
    opts: &Options,
    offsets: OffsetUnit,
    to: To,
    (piece, block, spill): (usize, usize, usize),
) {
    // With HTML detected, what is detected depends on the first block.
    let whole = convert(text, opts, to, offsets, block, spill);
    let mut in_pieces = opts.clone();
    in_pieces.piece_bytes = Some(piece);
    let pieces = convert(text, &in_pieces, to, offsets, block, spill);
    let shown = String::from_utf8_lossy(text);
    assert_eq!(pieces.error, whole.error, "{shown:?} {to:?}");
    if whole.error.is_none() {
        assert_eq!(pieces.repairs, whole.repairs, "{shown:?} {to:?}");
    } else {
        // A writer that refuses a piece stops the reading of its line:
        // the repairs of the line are not reported.
        assert!(
            whole.repairs.starts_with(&pieces.repairs),
            "{shown:?} {to:?}: {:?} {:?}",
            pieces.repairs,
            whole.repairs
        );
    }
    // After an error, the counts are those of the sentences written whole
    // before it (see `copy_sentences`), which the pieces change.
    if whole.error.is_none() {
        assert_eq!(pieces.summary, whole.summary, "{shown:?} {to:?}");
    }
    if whole.error.is_none() {
        assert_eq!(
            String::from_utf8_lossy(&pieces.out),
            String::from_utf8_lossy(&whole.out),
            "{shown:?} {to:?}"
        );
    } else {
        assert!(
            pieces.out.starts_with(&whole.out),
            "{shown:?} {to:?}: {:?} does not start with {:?}",
            String::from_utf8_lossy(&pieces.out),
            String::from_utf8_lossy(&whole.out)
        );
    }
}

proptest! {
    // 2000 cases unless PROPTEST_CASES says otherwise.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(2000)
    ))]

    #[test]
    fn lines_in_pieces_convert_as_lines_read_whole(
        text in text(),
        (opts, offsets) in options(),
        to in output(),
        piece in 1usize..40,
        block in prop_oneof![1usize..8, Just(1 << 16)],
        spill in prop_oneof![0usize..40, Just(1 << 20)],
    ) {
        check(&text, &opts, offsets, to, (piece, block, spill));
    }
}

/// A bound larger than every line reads lines whole: pieces change
/// nothing where no line is long.
#[test]
fn short_lines_are_read_whole() {
    let text = b"[PER Ryan C. Crocker  ] met [LOC Pakistan  ] officials .\nNo entities here .\n";
    let mut opts = Options::default();
    opts.piece_bytes = Some(1 << 20);
    let mut reader = Reader::new(&text[..], opts);
    let mut sentence = nerkit::Sentence::new();
    let mut n = 0;
    while reader.read_sentence(&mut sentence).unwrap() {
        assert!(sentence.piece().is_whole());
        n += 1;
    }
    assert_eq!(n, 2);
}

/// A long line is given in pieces that continue one another, each cut
/// before a token outside entities, with offsets and token numbers of
/// the whole line, and converts as the line read whole in every output.
#[test]
fn a_line_is_given_in_pieces() {
    let line = "[PER Ryan C. Crocker  ] met [LOC Pakistan  ] officials . ".repeat(50);
    let text = format!("{}\n", line.trim_end());
    let mut opts = Options::default();
    opts.piece_bytes = Some(100);
    let mut reader = Reader::new(text.as_bytes(), opts.clone());
    let mut sentence = nerkit::Sentence::new();
    let (mut pieces, mut tokens, mut last_end) = (0, 0, 0);
    while reader.read_sentence(&mut sentence).unwrap() {
        let piece = sentence.piece();
        assert_eq!(piece.continues, pieces > 0);
        assert_eq!(piece.first_token, tokens);
        for t in sentence.tokens() {
            assert_eq!(&text[t.span.range()], t.text);
            assert!(t.span.start() >= last_end);
            last_end = t.span.end();
        }
        tokens += sentence.len();
        pieces += 1;
        if !piece.continued {
            break;
        }
    }
    assert!(!reader.read_sentence(&mut sentence).unwrap());
    assert!(pieces > 10, "{pieces} pieces");
    assert_eq!(tokens, 7 * 50);
    for to in [
        To::Conll(TagScheme::Iob1),
        To::Conll(TagScheme::Ioe1),
        To::Bracket,
        To::Spans,
        To::Jsonl(TagScheme::Ioe1, TagStyle::Prefix, false),
        To::Jsonl(TagScheme::Iob2, TagStyle::Suffix, true),
    ] {
        for spill in [3, 1 << 20] {
            check(
                text.as_bytes(),
                &Options::default(),
                OffsetUnit::Chars,
                to,
                (100, 7, spill),
            );
        }
    }
}

/// An output shared by the test and the writer, to look at what the writer
/// wrote before it is done.
#[derive(Clone, Default)]
struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The JSON lines and spans writers write a line given in pieces as the
/// pieces come: the record's first member (the tokens, the text) grows
/// with each piece, and the later members, held until the last piece,
/// follow it then.
#[test]
fn pieces_are_written_as_they_come() {
    let line = "[PER Ryan C. Crocker  ] met [LOC Pakistan  ] officials . ".repeat(20);
    let text = format!("{}\n", line.trim_end());
    let mut opts = Options::default();
    opts.piece_bytes = Some(100);
    for to in ["jsonl", "spans"] {
        let out = Shared::default();
        let mut writer: Box<dyn SentenceWriter> = if to == "jsonl" {
            Box::new(
                WriteOptions::default()
                    .jsonl_writer(out.clone())
                    .with_spill_bytes(10),
            )
        } else {
            Box::new(
                nerkit::spans::Writer::new(out.clone(), OffsetUnit::Chars).with_spill_bytes(10),
            )
        };
        assert!(writer.writes_pieces(), "{to}");
        let mut reader = Reader::new(text.as_bytes(), opts.clone());
        let mut sentence = nerkit::Sentence::new();
        let mut counts = nerkit::convert::LabelCounts::new();
        let mut sizes = Vec::new();
        while reader.read_sentence(&mut sentence).unwrap() {
            writer.write_sentence(&sentence, &mut counts).unwrap();
            let written = out.0.borrow();
            sizes.push(written.len());
            if sentence.piece().continued {
                // No later member yet.
                let later: &[u8] = if to == "jsonl" {
                    b"\"tags\""
                } else {
                    b"\"entities\""
                };
                assert!(!written.windows(later.len()).any(|w| w == later), "{to}");
            }
        }
        writer.finish().unwrap();
        assert!(sizes.len() > 10, "{to}: {sizes:?}");
        assert!(sizes.windows(2).all(|w| w[0] < w[1]), "{to}: {sizes:?}");
        let whole = convert(
            text.as_bytes(),
            &Options::default(),
            if to == "jsonl" {
                To::Jsonl(TagScheme::Iob2, TagStyle::Prefix, false)
            } else {
                To::Spans
            },
            OffsetUnit::Chars,
            1 << 16,
            1 << 20,
        );
        assert_eq!(
            String::from_utf8_lossy(&out.0.borrow()),
            String::from_utf8_lossy(&whole.out),
            "{to}"
        );
    }
}
