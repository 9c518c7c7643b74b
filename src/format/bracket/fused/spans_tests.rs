//! The fused route to spans against the general one: both write the same
//! bytes, count the same entities and report the same errors and repairs,
//! in every offset unit, with long lines read in pieces or whole, over the
//! inputs of the route to JSON lines' tests.

use proptest::prelude::*;

use super::jsonl_tests::input;
use crate::bracket::{Options, Reader};
use crate::convert::{copy_sentences, Summary};
use crate::html::HtmlMode;
use crate::repair::Repair;
use crate::sentence::OffsetUnit;
use crate::spans;

/// How a conversion runs: by the general route or the fused one, over the
/// input whole or read seven bytes at a time (which `HtmlMode::Auto`
/// decides on).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Route {
    General,
    Fused,
    GeneralSmallReads,
    FusedSmallReads,
}

/// Output, summary and error (with the repairs reported) of a conversion.
fn convert(input: &[u8], opts: &Options, unit: OffsetUnit, route: Route) -> String {
    let mut out = Vec::new();
    let mut summary = Summary::default();
    let mut repairs = Vec::new();
    let result = {
        // Spilled to a file past a few bytes, as a long line's entities
        // are.
        let mut writer = spans::Writer::new(&mut out, unit).with_spill_bytes(50);
        let mut on_repair = |r: &Repair| repairs.push(r.to_string());
        let small = |input| std::io::BufReader::with_capacity(7, input);
        match route {
            Route::General => copy_sentences(
                &mut Reader::new(input, opts.clone()),
                &mut writer,
                &mut summary,
                &mut on_repair,
            ),
            Route::Fused => Reader::new(input, opts.clone()).copy_to_spans(
                &mut writer,
                &mut summary,
                &mut on_repair,
            ),
            Route::GeneralSmallReads => copy_sentences(
                &mut Reader::new(small(input), opts.clone()),
                &mut writer,
                &mut summary,
                &mut on_repair,
            ),
            Route::FusedSmallReads => Reader::new(small(input), opts.clone()).copy_to_spans(
                &mut writer,
                &mut summary,
                &mut on_repair,
            ),
        }
    };
    format!(
        "{}\n--- {summary:?}\n--- {:?}\n--- {repairs:#?}",
        String::from_utf8_lossy(&out),
        result.map_err(|e| e.to_string())
    )
}

fn same_both_ways(input: &[u8], opts: &Options, unit: OffsetUnit) {
    for (general, route) in [
        (Route::General, Route::Fused),
        (Route::GeneralSmallReads, Route::FusedSmallReads),
    ] {
        let general = convert(input, opts, unit, general);
        let got = convert(input, opts, unit, route);
        assert_eq!(
            got,
            general,
            "{route:?}, input {:?}, {opts:?}, {unit:?}",
            String::from_utf8_lossy(input)
        );
    }
}

fn options() -> impl Strategy<Value = (Options, OffsetUnit)> {
    let units = vec![OffsetUnit::Bytes, OffsetUnit::Chars, OffsetUnit::Utf16];
    (
        prop::sample::select(vec![HtmlMode::Auto, HtmlMode::Strip, HtmlMode::Keep]),
        any::<bool>(),
        prop::option::of(Just(vec!["PER".to_string(), "LOC".to_string()])),
        prop::sample::select(units.clone()),
        prop::sample::select(units),
        // Lines read in pieces (from this length on, the general route's)
        // or whole.
        prop_oneof![1 => Just(None), 1 => (1usize..300).prop_map(Some)],
    )
        .prop_map(|(html, lenient, labels, offsets, unit, piece_bytes)| {
            (
                Options {
                    html,
                    lenient,
                    labels,
                    offsets,
                    piece_bytes,
                    ..Options::default()
                },
                unit,
            )
        })
}

const UNITS: [OffsetUnit; 3] = [OffsetUnit::Bytes, OffsetUnit::Chars, OffsetUnit::Utf16];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Issue 18: the fused route to spans writes what the general route
    /// writes.
    #[test]
    fn the_fused_route_writes_spans_as_the_general_route_does(
        input in input(),
        (opts, unit) in options(),
    ) {
        same_both_ways(&input, &opts, unit);
    }
}

/// The route writes what it takes rather than handing every line on: the
/// records of lines with quotes, backslashes, control characters,
/// non-ASCII, HTML and references are its own.
#[test]
fn the_fused_route_takes_the_lines_it_can() {
    let input = "<p>a \"b\" c\\d [PER e\u{1}f ] caf\u{e9} &amp; <b>[LOC g</b> \u{1f600} ]</p>\n";
    let got = convert(
        input.as_bytes(),
        &Options::default(),
        OffsetUnit::Utf16,
        Route::Fused,
    );
    assert!(
        got.starts_with(concat!(
            r#"{"text":"a \"b\" c\\d e\u0001f café & g 😀","#,
            r#""entities":[{"start":10,"end":13,"label":"PER"},{"start":21,"end":25,"label":"LOC"}]}"#,
            "\n"
        )),
        "{got}"
    );
    for unit in UNITS {
        same_both_ways(input.as_bytes(), &Options::default(), unit);
    }
}

/// Lines of the reader's piece bound and more go to the general route
/// whole, which reads them in pieces: the same output, errors late in the
/// line included (the pieces before the error stay written).
#[test]
fn long_lines_go_to_the_general_route() {
    let phrase = "w [PER Ryan C. \"Crocker\"  ] met [LOC Pakistan\u{2019}s ] [LOC Lahore ] x ";
    let line = phrase.repeat(40);
    let inputs = [
        format!("first\n{line} [PER x\nlast\n"),
        format!("first\n{line}\r\n\n{line}\nlast"),
        format!("{line}\n{line}"),
        format!("{line}[1] &amp; y [PER z ] {line}\n"),
    ];
    for input in &inputs {
        for piece_bytes in [None, Some(1), Some(64), Some(100), Some(1000)] {
            for unit in UNITS {
                let opts = Options {
                    piece_bytes,
                    ..Options::default()
                };
                same_both_ways(input.as_bytes(), &opts, unit);
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
        "\u{feff}[PER a ] b\n",
        "a\rb\n",
        "a [PER b ]\r\nc\rd\r\n",
        "<p>x [PER a&#x2003;b  ] y</p>\n",
        "<p>x [PER &nbsp;  ] y</p>\n",
        "&#91;LOC x ] &#92; &quot;\n",
        // A `]` between two tokens: a gap of one byte that is no space.
        "[PER a]b c\nx [LOC ab]cd e\n",
        // Entities at the ends, side by side, and offsets past a thousand.
        "[PER a ][PER b ] [LOC c ]\n",
        &format!("{} [ORG \u{e9}\u{1f600} x ]\n", "word ".repeat(300)),
    ];
    for input in inputs {
        for html in [HtmlMode::Auto, HtmlMode::Keep, HtmlMode::Strip] {
            for unit in UNITS {
                let opts = Options {
                    html,
                    ..Options::default()
                };
                same_both_ways(input.as_bytes(), &opts, unit);
            }
        }
    }
}
