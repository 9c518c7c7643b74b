//! The fused route to JSON lines against the general one: both write the
//! same bytes, count the same entities and report the same errors and
//! repairs, in every scheme, tag style and offset unit, with long lines
//! read in pieces or whole.

use proptest::prelude::*;

use super::lines_tests::{self, input, long_line_inputs, Route, EDGES};
use crate::bracket::Options;
use crate::html::HtmlMode;
use crate::jsonl;
use crate::scheme::{TagScheme, TagStyle};
use crate::sentence::OffsetUnit;

/// How the JSON lines writer is set up.
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
    let writer = |out| {
        jsonl::Writer::new(out, setup.scheme)
            .with_tag_style(setup.style)
            .with_offsets(setup.unit)
            .with_label_names(setup.names.clone())
            // Spilled to a file past a few bytes, as a long line is.
            .with_spill_bytes(50)
    };
    lines_tests::convert(input, opts, route, writer, |r, w, s, f| {
        r.copy_to_jsonl(w, s, f)
    })
}

fn same_both_ways(input: &[u8], opts: &Options, setup: &WriterSetup) {
    lines_tests::same_both_ways(input, &(opts, setup), |route| {
        convert(input, opts, setup, route)
    });
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
    let inputs =
        long_line_inputs("w [PER Ryan C. \"Crocker\"  ] met [LOC Pakistan ] [LOC Lahore ] x ");
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
    for input in EDGES {
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
