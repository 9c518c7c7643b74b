//! The fused route against the general one: both write the same bytes,
//! count the same entities and report the same errors and repairs.

use proptest::prelude::*;

use super::emit::BASELINE_ONLY;
use super::scan::one_char;
use super::PIECE_BYTES_FOR_TESTS;
use crate::bracket::{Options, Reader};
use crate::conll;
use crate::convert::{copy_sentences, Summary};
use crate::html::HtmlMode;
use crate::repair::Repair;
use crate::scheme::{TagScheme, TagStyle};
use crate::sentence::OffsetUnit;
use crate::tokenize::Tokenizer;

/// Output, summary and error (with the repairs reported) of a
/// conversion by the general route or the fused one.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Route {
    General,
    Fused,
    /// The fused route with the baseline instructions only.
    Baseline,
    InMemory,
}

fn convert(input: &[u8], opts: &Options, writer: WriterSetup, route: Route) -> String {
    let mut out = Vec::new();
    let mut summary = Summary::default();
    let mut repairs = Vec::new();
    let result = {
        let mut writer = conll::Writer::new(&mut out, writer.scheme)
            .with_columns(writer.columns)
            .with_docstart(writer.docstart)
            .with_tag_style(writer.style);
        let mut on_repair = |r: &Repair| repairs.push(r.to_string());
        match route {
            Route::General => copy_sentences(
                &mut Reader::new(input, opts.clone()),
                &mut writer,
                &mut summary,
                &mut on_repair,
            ),
            Route::Fused => Reader::new(input, opts.clone()).copy_to_conll(
                &mut writer,
                &mut summary,
                &mut on_repair,
            ),
            Route::Baseline => {
                BASELINE_ONLY.with(|b| b.set(true));
                let result = Reader::new(input, opts.clone()).copy_to_conll(
                    &mut writer,
                    &mut summary,
                    &mut on_repair,
                );
                BASELINE_ONLY.with(|b| b.set(false));
                result
            }
            Route::InMemory => Reader::new(std::io::Cursor::new(input.to_vec()), opts.clone())
                .copy_in_memory_to_conll(&mut writer, &mut summary, &mut on_repair),
        }
    };
    format!(
        "{}\n--- {summary:?}\n--- {:?}\n--- {repairs:#?}",
        String::from_utf8_lossy(&out),
        result.map_err(|e| e.to_string())
    )
}

#[derive(Clone, Copy, Debug)]
struct WriterSetup {
    scheme: TagScheme,
    columns: conll::Columns,
    docstart: bool,
    style: TagStyle,
}

impl WriterSetup {
    /// Tags in `scheme`, two columns, prefix style, no document starts.
    fn plain(scheme: TagScheme) -> WriterSetup {
        WriterSetup {
            scheme,
            columns: conll::Columns::Two,
            docstart: false,
            style: TagStyle::Prefix,
        }
    }
}

fn same_both_ways(input: &[u8], opts: &Options, writer: WriterSetup) {
    let general = convert(input, opts, writer, Route::General);
    for route in [Route::Fused, Route::Baseline, Route::InMemory] {
        assert_eq!(
            convert(input, opts, writer, route),
            general,
            "{route:?}, input {:?}, {opts:?}, {writer:?}",
            String::from_utf8_lossy(input)
        );
    }
}

/// [`same_both_ways`] with lines cut into pieces of about `piece` bytes
/// (the read block of tests is 61 bytes, so a line is cut once it fills
/// it). Before an error, the pieces of the failing line written before
/// the general route took its rest stay in the output: the output of the
/// fused route is then the general route's and lines of tokens after it
/// (after the start of a document, when the line begins one).
fn same_both_ways_in_pieces(input: &[u8], opts: &Options, writer: WriterSetup, piece: usize) {
    let general = convert(input, opts, writer, Route::General);
    for route in [Route::Fused, Route::Baseline] {
        PIECE_BYTES_FOR_TESTS.with(|p| p.set(piece));
        let got = convert(input, opts, writer, route);
        PIECE_BYTES_FOR_TESTS.with(|p| p.set(usize::MAX));
        let context = format!(
            "{route:?}, pieces of {piece}, input {:?}, {opts:?}, {writer:?}",
            String::from_utf8_lossy(input)
        );
        let (general_out, general_rest) = general.split_once("\n--- ").expect("a summary");
        let (got_out, got_rest) = got.split_once("\n--- ").expect("a summary");
        if opts.tokenizer == Tokenizer::Unicode {
            // A unicode token can hold a space (a format char after it,
            // which the CoNLL writer refuses); the general route, taking
            // the rest of the line after the pieces, numbers the tokens of
            // that rest, as it does reading lines in pieces itself.
            assert_eq!(
                without_token_numbers(got_rest),
                without_token_numbers(general_rest),
                "{context}"
            );
        } else {
            assert_eq!(got_rest, general_rest, "{context}");
        }
        if got_rest.contains("--- Err(") {
            let extra = got_out.strip_prefix(general_out).unwrap_or_else(|| {
                panic!("{context}: {got_out:?} does not start with {general_out:?}")
            });
            // The start of the document, written before the first piece.
            let extra = match extra.strip_prefix("-DOCSTART-") {
                Some(rest) => rest.split_once("\n\n").expect("a blank line").1,
                None => extra,
            };
            assert!(
                !extra.contains("\n\n") && (extra.is_empty() || extra.ends_with('\n')),
                "{context}: {extra:?} after the general route's output"
            );
        } else {
            assert_eq!(got_out, general_out, "{context}");
        }
    }
}

/// `text` with the number of each "token N of the sentence" taken out.
fn without_token_numbers(text: &str) -> String {
    let mut parts = text.split("token ");
    let mut out = parts.next().unwrap_or("").to_string();
    for part in parts {
        out.push_str("token ");
        let digits = part.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && part[digits..].starts_with(" of the sentence") {
            out.push('N');
            out.push_str(&part[digits..]);
        } else {
            out.push_str(part);
        }
    }
    out
}

const PIECES: &[&str] = &[
    "word",
    "a",
    "Crocker",
    "C.",
    ".",
    ",",
    "--",
    "Pakistan\u{2019}s",
    "\u{201c}",
    "caf\u{e9}",
    "\u{4e2d}\u{6587}",
    "0123456789abcdefghij",
    " ",
    " ",
    " ",
    "  ",
    "\t",
    "[PER ",
    "[LOC ",
    "[MISC\t",
    "[ORG  ",
    "[A_VERY_LONG_LABEL_NAME_OF_THIRTY ",
    "[PER  ]",
    "[per ",
    "[PER",
    "[ ",
    "[1]",
    " ]",
    "  ]",
    "]",
    "[",
    "&amp;",
    "&#91;",
    "&nbsp;",
    "&#x2003;",
    "&#x85;",
    "&#x2028;",
    "&#x3000;",
    "&#9;",
    "&",
    "<a href='#x'>",
    "</a>",
    "<p>",
    "<",
    ">",
    "\u{a0}",
    "\u{2003}",
    "\u{85}",
    "\r",
    "\u{b}",
    "\u{c}",
    "\u{1}",
    "\u{feff}",
];

/// Words that the unicode tokenizer splits, or keeps whole where a
/// simpler rule would split them: ASCII punctuation between letters and
/// digits (UAX #29 MidLetter `:`, MidNumLet `.` `'`, MidNum `,` `;`,
/// ExtendNumLet `_`), URLs, e-mail addresses, abbreviations, references,
/// and non-ASCII chars the fast path knows (`’`, `é`) or leaves to the
/// general route (a combining mark, ZWJ, flags, Hebrew, kana).
const PUNCTUATED: &[&str] = &[
    "U.S.",
    "3,000",
    "don't",
    "a:b",
    "snake_case",
    "1.5",
    "e.g.",
    "http://example.com/a?b=c&amp;d=1",
    "user@mail.example.org",
    "...",
    "'",
    ":",
    ";",
    ",",
    ".",
    "_",
    "'s",
    "1;2",
    "a.1",
    "1.a",
    "A.",
    "$5",
    "(a)",
    "\"q\"",
    "x--y",
    "a'b'c",
    "1,2.3",
    "_1_",
    "a:",
    ":a",
    "1''2",
    "a..b",
    "a_.b",
    "1_a",
    "#1",
    "&#46;",
    "&#39;s",
    "\u{1}",
    "\u{7f}",
    "\u{2018}x\u{2019}",
    "Pakistan\u{2019}s",
    "\u{2019}",
    "caf\u{e9}.",
    "\u{201c}Hi\u{201d}",
    "e\u{301}",
    "\u{301}x",
    "a\u{200d}",
    "\u{1F1FA}\u{1F1F8}",
    "\u{5d0}'",
    "\u{3042}",
];

/// Bracket-like text: well-formed entities, words and spaces mostly,
/// and every kind of trouble now and then; lines up to a few hundred
/// bytes, so that they cross 64-byte blocks and reads.
fn input() -> impl Strategy<Value = Vec<u8>> {
    let entity = (
        prop::sample::select(vec![
            "PER",
            "LOC",
            "ORG",
            "MISC",
            "LABEL_OF_FIFTEEN",
            "LABEL_OF_FIFTY_5",
        ]),
        prop::collection::vec(
            prop_oneof![
                3 => prop::sample::select(&PIECES[..12]),
                1 => prop::sample::select(PUNCTUATED),
            ],
            1..4,
        ),
        prop::sample::select(vec![" ", "  ", "\t"]),
    )
        .prop_map(|(l, words, gap)| format!("[{l} {}{gap}]", words.join(" ")).into_bytes());
    let piece = prop_oneof![
        60 => prop::sample::select(&PIECES[..12]).prop_map(|p| p.as_bytes().to_vec()),
        20 => prop::sample::select(PUNCTUATED).prop_map(|p| p.as_bytes().to_vec()),
        30 => entity,
        2 => prop::sample::select(PIECES).prop_map(|p| p.as_bytes().to_vec()),
        1 => Just(vec![0xFF]),
        1 => Just(vec![0xE2, 0x80]),
    ];
    let gap = prop::sample::select(vec!["", " ", " ", " ", "  ", "\t", "", ""]);
    let line = prop::collection::vec((piece, gap), 0..40).prop_map(|pieces| {
        pieces
            .into_iter()
            .flat_map(|(p, g)| [p, g.as_bytes().to_vec()])
            .collect::<Vec<_>>()
            .concat()
    });
    (
        prop::collection::vec(line, 0..8),
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(vec!["", "", "", "[", " [", "[PER", "&", "<"]),
    )
        .prop_map(|(lines, crlf, last_newline, tail)| {
            let end: &[u8] = if crlf { b"\r\n" } else { b"\n" };
            let mut text = lines.join(end);
            if last_newline {
                text.extend_from_slice(end);
            }
            // Bytes at the very end of the input, where padding follows.
            text.extend_from_slice(tail.as_bytes());
            text
        })
}

fn options() -> impl Strategy<Value = (Options, WriterSetup)> {
    (
        prop::sample::select(vec![HtmlMode::Auto, HtmlMode::Strip, HtmlMode::Keep]),
        prop::sample::select(vec![Tokenizer::Whitespace, Tokenizer::Unicode]),
        any::<bool>(),
        prop::option::of(Just(vec!["PER".to_string(), "LOC".to_string()])),
        prop::sample::select(vec![OffsetUnit::Bytes, OffsetUnit::Chars]),
        prop::sample::select(TagScheme::ALL.to_vec()),
        prop::sample::select(vec![conll::Columns::Two, conll::Columns::Conll2003]),
        any::<bool>(),
        // The suffix style puts the letter that IOE1 patches elsewhere;
        // the style without a prefix writes IO whatever the scheme; the
        // bare style refuses every typed entity.
        prop_oneof![
            6 => Just(TagStyle::Prefix),
            2 => Just(TagStyle::Suffix),
            1 => Just(TagStyle::Unprefixed),
            1 => Just(TagStyle::Bare),
        ],
    )
        .prop_map(
            |(html, tokenizer, lenient, labels, offsets, scheme, columns, docstart, style)| {
                (
                    Options {
                        html,
                        tokenizer,
                        lenient,
                        labels,
                        offsets,
                        ..Options::default()
                    },
                    WriterSetup {
                        scheme,
                        columns,
                        docstart,
                        style,
                    },
                )
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]
    #[test]
    fn the_fused_route_writes_what_the_general_route_writes(input in input(), (opts, writer) in options()) {
        same_both_ways(&input, &opts, writer);
    }

    /// Issue 18 item 4 (issue 19 defect 10): long lines are cut into
    /// pieces, and the pieces write what the line written whole writes.
    #[test]
    fn lines_in_pieces_write_what_the_general_route_writes(
        input in input(),
        (opts, writer) in options(),
        piece in 1usize..200,
    ) {
        same_both_ways_in_pieces(&input, &opts, writer, piece);
    }
}

/// Inputs that once panicked on the fused route (a `[` at the very end
/// of the input made an opener key of zeros, the empty cache slot's
/// key, and its label was taken for a label with tags), and lone
/// carriage returns, which every route refuses.
#[test]
fn inputs_that_once_panicked_or_merged_lines() {
    let long = "[A_LABEL_OF_MORE_THAN_TWENTY_NINE_BYTES x ]";
    let inputs = [
        "[".to_string(),
        "x [".to_string(),
        "x [\n[".to_string(),
        "<p>See note [<sup>\n".to_string(),
        format!("{long} ["),
        format!("{long} y\n[PER a ] ["),
        "a [PER b ]\rc d\r".to_string(),
        "a [PER b ]\r\nc\rd\r\n".to_string(),
        // References that decode to whitespace split tokens on every
        // route, and leave an entity empty.
        "<p>x [PER a&#x2003;b  ] y</p>\n".to_string(),
        "<p>x [PER &nbsp;  ] y</p>\n".to_string(),
        "<p>[PER &#x3000;  ] &#x85; a&#x2028;b</p>\n".to_string(),
    ];
    for input in &inputs {
        for scheme in TagScheme::ALL {
            for html in [HtmlMode::Auto, HtmlMode::Keep] {
                let opts = Options {
                    html,
                    ..Options::default()
                };
                same_both_ways(input.as_bytes(), &opts, WriterSetup::plain(scheme));
            }
        }
    }
    let writer = WriterSetup::plain(TagScheme::Iob2);
    let got = convert(b"x [", &Options::default(), writer, Route::InMemory);
    assert!(got.starts_with("x\tO\n[\tO\n\n"), "{got}");
    let got = convert(b"a\rb\n", &Options::default(), writer, Route::Fused);
    assert!(got.contains("1:2: a carriage return (CR)"), "{got}");
}

#[test]
fn one_char_agrees_with_the_standard_library() {
    for a in 0x80..=0xFFu8 {
        for b in 0..=0xFFu8 {
            for c in [0x00, 0x41, 0x80, 0x99, 0xA0, 0xBF, 0xC0, 0xFF] {
                for run in [&[a, b][..], &[a, b, c][..]] {
                    let expected = std::str::from_utf8(run)
                        .ok()
                        .map(|s| s.chars().collect::<Vec<_>>())
                        .filter(|chars| chars.len() == 1)
                        .map(|chars| chars[0]);
                    if let Some(c) = one_char(run) {
                        assert_eq!(Some(c), expected, "{run:x?}");
                    } else if run.len() <= 3 && run[0] < 0xF0 {
                        assert_eq!(expected, None, "{run:x?}");
                    }
                }
            }
        }
    }
}

#[test]
fn adjacent_entities_of_one_type_in_every_scheme() {
    let input = "x\n[PER a ] [PER b c ][PER d ] [LOC e f g ] y [LOC h ]\n[ORG i  ]\n";
    for scheme in TagScheme::ALL {
        for style in [TagStyle::Prefix, TagStyle::Suffix, TagStyle::Unprefixed] {
            let writer = WriterSetup {
                docstart: true,
                style,
                ..WriterSetup::plain(scheme)
            };
            same_both_ways(input.as_bytes(), &Options::default(), writer);
        }
    }
}

/// Issue 18 item 2: IOE1 ends an entity with `E-` only before one of its
/// type (a byte of the tag patched when that one opens), IO merges the
/// two, and every style spells the tags as the CoNLL writer does.
#[test]
fn ioe1_and_io_on_the_fused_route() {
    let input = "[PER a ] [PER b c ][PER d ] [LOC e ] y [LOC h ]
[ORG i  ][ORG j ]
";
    let opts = Options::default();
    let ioe1 = convert(
        input.as_bytes(),
        &opts,
        WriterSetup::plain(TagScheme::Ioe1),
        Route::Fused,
    );
    let tags: Vec<&str> = ioe1.lines().map_while(|l| l.split('\t').nth(1)).collect();
    assert_eq!(
        tags,
        ["E-PER", "I-PER", "E-PER", "I-PER", "I-LOC", "O", "I-LOC"],
        "{ioe1}"
    );
    let suffix = WriterSetup {
        style: TagStyle::Suffix,
        ..WriterSetup::plain(TagScheme::Ioe1)
    };
    let got = convert(input.as_bytes(), &opts, suffix, Route::Fused);
    assert!(got.contains("\ni\tORG-E\nj\tORG-I\n"), "{got}");
    let io = convert(
        input.as_bytes(),
        &opts,
        WriterSetup::plain(TagScheme::Io),
        Route::Fused,
    );
    // Read 7 (LOC 2, ORG 2, PER 3); written what the tags hold.
    let written = io.split_once("written: ").map_or("", |(_, w)| w);
    assert!(
        written.contains(r#"("LOC", 2), ("ORG", 1), ("PER", 1)]"#),
        "{io}"
    );
    for scheme in [TagScheme::Ioe1, TagScheme::Io] {
        for style in [TagStyle::Prefix, TagStyle::Suffix, TagStyle::Bare] {
            let writer = WriterSetup {
                style,
                ..WriterSetup::plain(scheme)
            };
            same_both_ways(input.as_bytes(), &opts, writer);
            for piece in [1, 10, 30] {
                same_both_ways_in_pieces(input.repeat(3).as_bytes(), &opts, writer, piece);
            }
        }
    }
}

#[test]
fn decoded_brackets_are_text() {
    let input = "first\na &#91;PER b &#93; c\n[LOC d&#93; ] &amp; <b>e</b> &#91;\n&#91;LOC x ]\n";
    for html in [HtmlMode::Auto, HtmlMode::Strip, HtmlMode::Keep] {
        let writer = WriterSetup::plain(TagScheme::Iob2);
        let opts = Options {
            html,
            ..Options::default()
        };
        same_both_ways(input.as_bytes(), &opts, writer);
    }
}

#[test]
fn lines_longer_than_a_read() {
    let mut input = String::from("first line\n");
    for i in 0..300 {
        input.push_str(&format!(
            "w{i} [PER Ryan C. Crocker  ] met [LOC Pakistan ] "
        ));
    }
    input.push_str("\nlast\n");
    let writer = WriterSetup::plain(TagScheme::Iobes);
    same_both_ways(input.as_bytes(), &Options::default(), writer);
}

/// Issue 18 item 4: a long line is written in pieces (the output of its
/// first pieces is there before an error later in the line, which shows
/// that it was cut), and a line without error is written as whole.
#[test]
fn long_lines_are_written_in_pieces() {
    let phrase = "w [PER Ryan C. Crocker  ] met [LOC Pakistan ] [LOC Lahore ] x ";
    let line = phrase.repeat(40);
    let broken = format!("first\n{line} [PER x\nlast\n");
    let fine = format!("first\n{line}\r\n\n{line}\nlast");
    // IOB1 and IOE1 write an entity by the one beside it, IO merges them.
    for (scheme, piece) in [TagScheme::Iob1, TagScheme::Ioe1, TagScheme::Io]
        .into_iter()
        .flat_map(|s| [1, 64, 100, 1000].map(|p| (s, p)))
    {
        let writer = WriterSetup {
            docstart: true,
            ..WriterSetup::plain(scheme)
        };
        same_both_ways_in_pieces(fine.as_bytes(), &Options::default(), writer, piece);
        same_both_ways_in_pieces(broken.as_bytes(), &Options::default(), writer, piece);
        PIECE_BYTES_FOR_TESTS.with(|p| p.set(piece));
        let got = convert(broken.as_bytes(), &Options::default(), writer, Route::Fused);
        PIECE_BYTES_FOR_TESTS.with(|p| p.set(usize::MAX));
        assert!(
            got.starts_with("-DOCSTART- -X- -X- O\n\nfirst\tO\n\nw\tO\nRyan\tI-PER\n"),
            "{got}"
        );
        assert!(got.contains("unclosed"), "{got}");
    }
    // A literal bracket late in the line sends its rest to the general
    // route, which reads it as text; references are read as they are.
    let literal = format!("{line}[1] &amp; y [PER z ] {line}\n");
    let writer = WriterSetup {
        docstart: true,
        ..WriterSetup::plain(TagScheme::Ioe1)
    };
    for piece in [1, 100] {
        for opts in [
            Options::default(),
            Options {
                lenient: true,
                offsets: OffsetUnit::Chars,
                ..Options::default()
            },
        ] {
            same_both_ways_in_pieces(literal.as_bytes(), &opts, writer, piece);
        }
    }
}

/// Issue 18 item 2: with unicode tokens the emitter itself splits runs of
/// non-whitespace where the tokenizer splits them, with each sub-token's
/// tag in its entity (it takes these lines rather than handing them to
/// the general route), and hands back a line whose tokens its fast path
/// cannot tell.
#[test]
fn unicode_tokens_on_the_fused_route() {
    use super::emit::{Emitter, SLACK};
    use super::scan::{mark_split_bytes, mark_unusual_runs, scan_blocks};
    let cases: &[(&str, Option<&str>)] = &[
        (
            "[PER U.S. ] don't 3,000 a:b. x_y",
            Some("U.S B-PER|. E-PER|don't O|3,000 O|a:b O|. O|x_y O"),
        ),
        (
            "word[PER a.b. c ]y (1,2;3) ",
            Some("word O|a.b B-PER|. I-PER|c E-PER|y O|( O|1,2;3 O|) O"),
        ),
        (
            "[LOC Pakistan\u{2019}s ] \u{201c}hi\u{201d}",
            Some("Pakistan\u{2019}s S-LOC|\u{201c} O|hi O|\u{201d} O"),
        ),
        (
            "[ORG http://x.org/a?b ]",
            Some("http B-ORG|: I-ORG|/ I-ORG|/ I-ORG|x.org I-ORG|/ I-ORG|a I-ORG|? I-ORG|b E-ORG"),
        ),
        ("caf\u{e9} e\u{301}", None),
    ];
    for &(line, expected) in cases {
        let text = line.as_bytes();
        let mut src = text.to_vec();
        src.resize(text.len() + SLACK, 0);
        let mut blocks = Vec::new();
        scan_blocks(text, &mut blocks);
        mark_split_bytes(text, &mut blocks);
        mark_unusual_runs(text, &mut blocks);
        let mut emitter = Emitter::new(TagScheme::Iobes, TagStyle::Prefix, b"\t", None, Vec::new());
        emitter.tokenize_unicode(true);
        emitter.grow_for(text.len());
        let written = emitter.emit(&blocks, &src, 0, text.len()).map(|n| {
            let out = String::from_utf8(emitter.output().to_vec()).unwrap();
            let lines: Vec<String> = out.lines().map(|l| l.replace('\t', " ")).collect();
            assert_eq!(lines.len(), n + 1, "{out:?}");
            lines[..n].join("|")
        });
        assert_eq!(written.as_deref(), expected, "{line:?}");
        let opts = Options {
            tokenizer: Tokenizer::Unicode,
            ..Options::default()
        };
        for scheme in TagScheme::ALL {
            same_both_ways(text, &opts, WriterSetup::plain(scheme));
        }
    }
}
