//! The fused route to JSON lines against the general one: both write the
//! same bytes, count the same entities and report the same errors and
//! repairs, in every scheme, tag style and offset unit, with long lines
//! read in pieces or whole.

use proptest::prelude::*;

use crate::bracket::{Options, Reader};
use crate::convert::{copy_sentences, Summary};
use crate::html::HtmlMode;
use crate::jsonl;
use crate::repair::Repair;
use crate::scheme::{TagScheme, TagStyle};
use crate::sentence::OffsetUnit;

/// How a conversion runs: by the general route or the fused one, over the
/// input whole or read a few bytes at a time.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Route {
    General,
    Fused,
    /// The general route over an input that gives seven bytes a read
    /// (which `HtmlMode::Auto` decides on).
    GeneralSmallReads,
    /// The fused route over such an input.
    FusedSmallReads,
}

#[derive(Clone, Debug)]
struct WriterSetup {
    scheme: TagScheme,
    style: TagStyle,
    unit: OffsetUnit,
    names: Option<Vec<String>>,
}

impl WriterSetup {
    fn plain(scheme: TagScheme) -> WriterSetup {
        WriterSetup {
            scheme,
            style: TagStyle::Prefix,
            unit: OffsetUnit::Bytes,
            names: None,
        }
    }
}

/// Output, summary and error (with the repairs reported) of a conversion.
fn convert(input: &[u8], opts: &Options, setup: &WriterSetup, route: Route) -> String {
    let mut out = Vec::new();
    let mut summary = Summary::default();
    let mut repairs = Vec::new();
    let result = {
        let mut writer = jsonl::Writer::new(&mut out, setup.scheme)
            .with_tag_style(setup.style)
            .with_offsets(setup.unit)
            .with_label_names(setup.names.clone())
            // Spilled to a file past a few bytes, as a long line is.
            .with_spill_bytes(50);
        let mut on_repair = |r: &Repair| repairs.push(r.to_string());
        match route {
            Route::General => copy_sentences(
                &mut Reader::new(input, opts.clone()),
                &mut writer,
                &mut summary,
                &mut on_repair,
            ),
            Route::Fused => Reader::new(input, opts.clone()).copy_to_jsonl(
                &mut writer,
                &mut summary,
                &mut on_repair,
            ),
            Route::GeneralSmallReads => copy_sentences(
                &mut Reader::new(std::io::BufReader::with_capacity(7, input), opts.clone()),
                &mut writer,
                &mut summary,
                &mut on_repair,
            ),
            Route::FusedSmallReads => {
                Reader::new(std::io::BufReader::with_capacity(7, input), opts.clone())
                    .copy_to_jsonl(&mut writer, &mut summary, &mut on_repair)
            }
        }
    };
    format!(
        "{}\n--- {summary:?}\n--- {:?}\n--- {repairs:#?}",
        String::from_utf8_lossy(&out),
        result.map_err(|e| e.to_string())
    )
}

fn same_both_ways(input: &[u8], opts: &Options, setup: &WriterSetup) {
    for (general, route) in [
        (Route::General, Route::Fused),
        (Route::GeneralSmallReads, Route::FusedSmallReads),
    ] {
        let general = convert(input, opts, setup, general);
        let got = convert(input, opts, setup, route);
        assert_eq!(
            got,
            general,
            "{route:?}, input {:?}, {opts:?}, {setup:?}",
            String::from_utf8_lossy(input)
        );
    }
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
    "\"",
    "\"quoted\"",
    "back\\slash",
    "\\",
    "\u{1f600}",
    "a\u{7f}b",
    "x\u{1}y",
    "\u{1f}",
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
    "]",
    "[",
    "&amp;",
    "&quot;",
    "&#92;",
    "&#91;",
    "&#93;",
    "&nbsp;",
    "&#x2003;",
    "&#9;",
    "&#1;",
    "&",
    "<a href=\"#x\">",
    "</a>",
    "<p>",
    "<",
    ">",
    "\u{a0}",
    "\u{2003}",
    "\r",
    "\u{b}",
    "\u{c}",
    "\u{feff}",
];

/// How many of [`PIECES`] are words (no whitespace, brackets or markup),
/// and of those, how many JSON writes as they are.
const WORDS: usize = 20;
const PLAIN_WORDS: usize = 12;

/// A word: most are written as they are, so that most lines are.
fn word() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        30 => prop::sample::select(&PIECES[..PLAIN_WORDS]),
        1 => prop::sample::select(&PIECES[PLAIN_WORDS..WORDS]),
    ]
}

/// Bracket-like text: well-formed entities, words (with quotes,
/// backslashes, control characters and non-ASCII) and spaces mostly, and
/// every kind of trouble now and then; lines up to a few hundred bytes.
pub(super) fn input() -> impl Strategy<Value = Vec<u8>> {
    let entity = (
        prop::sample::select(vec!["PER", "LOC", "ORG", "MISC", "LABEL_OF_FIFTEEN"]),
        prop::collection::vec(word(), 1..4),
        // A `]` right after the last token too, with a token right after
        // it.
        prop::sample::select(vec![" ", "  ", "\t", ""]),
    )
        .prop_map(|(l, words, gap)| format!("[{l} {}{gap}]", words.join(" ")).into_bytes());
    let piece = prop_oneof![
        60 => word().prop_map(|p| p.as_bytes().to_vec()),
        30 => entity,
        3 => prop::sample::select(PIECES).prop_map(|p| p.as_bytes().to_vec()),
        1 => Just(vec![0xFF]),
        1 => Just(vec![0xE2, 0x80]),
    ];
    let gap = prop::sample::select(vec!["", " ", " ", " ", "  ", "\t"]);
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
        prop::sample::select(vec!["", "", "", "[", " [", "[PER", "&", "<", "\""]),
    )
        .prop_map(|(lines, crlf, last_newline, tail)| {
            let end: &[u8] = if crlf { b"\r\n" } else { b"\n" };
            let mut text = lines.join(end);
            if last_newline {
                text.extend_from_slice(end);
            }
            text.extend_from_slice(tail.as_bytes());
            text
        })
}

fn options() -> impl Strategy<Value = (Options, WriterSetup)> {
    let units = vec![OffsetUnit::Bytes, OffsetUnit::Chars, OffsetUnit::Utf16];
    (
        prop::sample::select(vec![HtmlMode::Auto, HtmlMode::Strip, HtmlMode::Keep]),
        any::<bool>(),
        prop::option::of(Just(vec!["PER".to_string(), "LOC".to_string()])),
        prop::sample::select(units.clone()),
        prop::sample::select(units),
        prop::sample::select(TagScheme::ALL.to_vec()),
        prop_oneof![
            6 => Just(TagStyle::Prefix),
            2 => Just(TagStyle::Suffix),
            1 => Just(TagStyle::Unprefixed),
            1 => Just(TagStyle::Bare),
        ],
        // Class numbers take the general route (as the fused route does
        // not write them): the same either way.
        prop_oneof![
            9 => Just(None),
            1 => Just(Some(vec!["O".to_string(), "B-PER".to_string(), "I-PER".to_string()])),
        ],
        // Lines read in pieces (from this length on, the general route's)
        // or whole.
        prop_oneof![1 => Just(None), 1 => (1usize..300).prop_map(Some)],
    )
        .prop_map(
            |(html, lenient, labels, offsets, unit, scheme, style, names, piece_bytes)| {
                (
                    Options {
                        html,
                        lenient,
                        labels,
                        offsets,
                        piece_bytes,
                        ..Options::default()
                    },
                    WriterSetup {
                        scheme,
                        style,
                        unit,
                        names,
                    },
                )
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Issue 18 item 2: the fused route to JSON lines writes what the
    /// general route writes.
    #[test]
    fn the_fused_route_writes_json_lines_as_the_general_route_does(
        input in input(),
        (opts, setup) in options(),
    ) {
        same_both_ways(&input, &opts, &setup);
    }
}

#[test]
fn adjacent_entities_of_one_type_in_every_scheme_and_style() {
    let input = "x\n[PER a ] [PER b c ][PER d ] [LOC e f g ] y [LOC h ]\n[ORG i  ][ORG j ]\n";
    for scheme in TagScheme::ALL {
        for style in [
            TagStyle::Prefix,
            TagStyle::Suffix,
            TagStyle::Unprefixed,
            TagStyle::Bare,
        ] {
            for unit in [OffsetUnit::Bytes, OffsetUnit::Utf16] {
                let setup = WriterSetup {
                    style,
                    unit,
                    ..WriterSetup::plain(scheme)
                };
                same_both_ways(input.as_bytes(), &Options::default(), &setup);
            }
        }
    }
}

/// The route writes what it takes rather than handing every line on: the
/// records of lines with quotes, backslashes, control characters,
/// non-ASCII, HTML and references are its own.
#[test]
fn the_fused_route_takes_the_lines_it_can() {
    let input = "<p>a \"b\" c\\d [PER e\u{1}f ] caf\u{e9} &amp; <b>g</b></p>\n";
    let setup = WriterSetup {
        unit: OffsetUnit::Chars,
        ..WriterSetup::plain(TagScheme::Ioe1)
    };
    let got = convert(input.as_bytes(), &Options::default(), &setup, Route::Fused);
    assert!(
        got.starts_with(concat!(
            r#"{"tokens":["a","\"b\"","c\\d","e\u0001f","café","&","g"],"#,
            r#""tags":["O","O","O","I-PER","O","O","O"],"#,
            r#""text":"a \"b\" c\\d e\u0001f café & g","#,
            r#""offsets":[[0,1],[2,5],[6,9],[10,13],[14,18],[19,20],[21,22]]}"#,
            "\n"
        )),
        "{got}"
    );
    same_both_ways(input.as_bytes(), &Options::default(), &setup);
}

/// Lines of the reader's piece bound and more go to the general route
/// whole, which reads them in pieces: the same output, errors late in the
/// line included (the pieces before the error stay written).
#[test]
fn long_lines_go_to_the_general_route() {
    let phrase = "w [PER Ryan C. \"Crocker\"  ] met [LOC Pakistan ] [LOC Lahore ] x ";
    let line = phrase.repeat(40);
    let inputs = [
        format!("first\n{line} [PER x\nlast\n"),
        format!("first\n{line}\r\n\n{line}\nlast"),
        format!("{line}\n{line}"),
        format!("{line}[1] &amp; y [PER z ] {line}\n"),
    ];
    for input in &inputs {
        for piece_bytes in [None, Some(1), Some(64), Some(100), Some(1000)] {
            for scheme in [TagScheme::Iob1, TagScheme::Ioe1, TagScheme::Io] {
                let opts = Options {
                    piece_bytes,
                    ..Options::default()
                };
                same_both_ways(input.as_bytes(), &opts, &WriterSetup::plain(scheme));
            }
        }
    }
}

#[test]
fn inputs_at_the_edges() {
    let inputs = [
        "",
        "\n\n",
        "[",
        "x [",
        "\"",
        "\u{feff}a b\n",
        "a\rb\n",
        "a [PER b ]\r\nc\rd\r\n",
        "<p>x [PER a&#x2003;b  ] y</p>\n",
        "<p>x [PER &nbsp;  ] y</p>\n",
        "&#91;LOC x ] &#92; &quot;\n",
        // A `]` between two tokens: a gap of one byte that is no space.
        "[PER a]b c\nx [LOC ab]cd e\n",
    ];
    for input in inputs {
        for scheme in TagScheme::ALL {
            for html in [HtmlMode::Auto, HtmlMode::Keep, HtmlMode::Strip] {
                let opts = Options {
                    html,
                    ..Options::default()
                };
                same_both_ways(input.as_bytes(), &opts, &WriterSetup::plain(scheme));
            }
        }
    }
}
