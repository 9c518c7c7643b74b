//! The fused route to spans against the general one: both write the same
//! bytes, count the same entities and report the same errors and repairs,
//! in every offset unit, with long lines read in pieces or whole, over the
//! inputs of the route to JSON lines' tests.

use proptest::prelude::*;

use super::lines_tests::{self, input, long_line_inputs, Route, EDGES};
use crate::bracket::Options;
use crate::html::HtmlMode;
use crate::sentence::OffsetUnit;
use crate::spans;

/// Output, summary and error (with the repairs reported) of a conversion.
fn convert(input: &[u8], opts: &Options, unit: OffsetUnit, route: Route) -> String {
    // Spilled to a file past a few bytes, as a long line's entities are.
    let writer = |out| spans::Writer::new(out, unit).with_spill_bytes(50);
    lines_tests::convert(input, opts, route, writer, |r, w, s, f| {
        r.copy_to_spans(w, s, f)
    })
}

fn same_both_ways(input: &[u8], opts: &Options, unit: OffsetUnit) {
    lines_tests::same_both_ways(input, &(opts, unit), |route| {
        convert(input, opts, unit, route)
    });
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
    let inputs = long_line_inputs(
        "w [PER Ryan C. \"Crocker\"  ] met [LOC Pakistan\u{2019}s ] [LOC Lahore ] x ",
    );
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
    // Offsets past a thousand.
    let long = format!("{} [ORG \u{e9}\u{1f600} x ]\n", "word ".repeat(300));
    for input in EDGES.iter().copied().chain([long.as_str()]) {
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

/// Tokens of every length around the sixteen bytes that are counted
/// from two words, with chars of two, three and four bytes at each end
/// and in the middle: their offsets in every unit, before an entity and
/// inside one.
#[test]
fn tokens_of_every_length_are_counted() {
    let mut input = String::new();
    for len in 1..24 {
        for wide in ["\u{e9}", "\u{2019}", "\u{1f600}"] {
            let ascii = "x".repeat(len);
            let token = format!("{wide}{ascii}{wide}{ascii}");
            input.push_str(&format!(
                "{ascii} {token} [PER {ascii}{wide} {token} ] {ascii}\n"
            ));
            input.push_str(&format!("[LOC {token} ] [ORG {wide} ]\n"));
        }
    }
    for unit in UNITS {
        same_both_ways(input.as_bytes(), &Options::default(), unit);
    }
}
