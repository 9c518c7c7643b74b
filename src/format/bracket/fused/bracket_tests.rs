//! The fused route to bracket text against the general one: both write the
//! same bytes, count the same entities and report the same errors and
//! repairs, in both styles, with long lines read in pieces or whole, over
//! the inputs of the route to JSON lines' tests.

use proptest::prelude::*;

use super::lines_tests::{self, input, long_line_inputs, Route, EDGES};
use crate::bracket::writer::{Style, Writer};
use crate::bracket::Options;
use crate::html::HtmlMode;

/// Output, summary and error (with the repairs reported) of a conversion.
fn convert(input: &[u8], opts: &Options, style: Style, route: Route) -> String {
    let writer = |out| Writer::new(out, style);
    lines_tests::convert(input, opts, route, writer, |r, w, s, f| {
        r.copy_to_bracket(w, s, f)
    })
}

fn same_both_ways(input: &[u8], opts: &Options, style: Style) {
    lines_tests::same_both_ways(input, &(opts, style), |route| {
        convert(input, opts, style, route)
    });
}

const STYLES: [Style; 2] = [Style::TwoSpace, Style::Tight];

fn options() -> impl Strategy<Value = (Options, Style)> {
    (
        prop::sample::select(vec![HtmlMode::Auto, HtmlMode::Strip, HtmlMode::Keep]),
        any::<bool>(),
        prop::option::of(Just(vec!["PER".to_string(), "LOC".to_string()])),
        prop::sample::select(STYLES.to_vec()),
        // Lines read in pieces (from this length on, the general route's)
        // or whole.
        prop_oneof![1 => Just(None), 1 => (1usize..300).prop_map(Some)],
    )
        .prop_map(|(html, lenient, labels, style, piece_bytes)| {
            (
                Options {
                    html,
                    lenient,
                    labels,
                    piece_bytes,
                    ..Options::default()
                },
                style,
            )
        })
}

/// Lines as the writer writes them, in either style, with now and then a
/// gap that differs from the writer's: most lines the route reads are
/// copied whole, and a run must stop where a gap differs.
fn written_lines() -> impl Strategy<Value = Vec<u8>> {
    // With references: to brackets (written as references again), and to
    // the text of one (which the writer refuses).
    let token = prop::sample::select(vec![
        "a",
        "word",
        "C.",
        "caf\u{e9}",
        "\"q\"",
        "x",
        "&amp;",
        "&#91;x",
        "&amp;#93;",
    ]);
    let gap = prop_oneof![
        12 => Just(" "),
        1 => prop::sample::select(vec!["  ", "\t", " \u{b}"]),
    ];
    let entity = (
        prop::sample::select(vec!["PER", "LOC", "ORG"]),
        prop::collection::vec(token.clone(), 1..4),
        prop::sample::select(vec![" ", "\t", "  "]),
        prop_oneof![4 => Just("  ]"), 4 => Just("]"), 1 => Just(" ]"), 1 => Just("\t]")],
    )
        .prop_map(|(label, words, open, close)| {
            format!("[{label}{open}{}{close}", words.join(" "))
        });
    let piece = prop_oneof![3 => token.prop_map(String::from), 1 => entity];
    let line = (
        prop::collection::vec((piece, gap), 1..12),
        prop::sample::select(vec!["", "", " ", "  "]),
    )
        .prop_map(|(pieces, tail)| {
            let mut line: String = pieces.into_iter().map(|(p, g)| p + g).collect();
            line.truncate(line.trim_end().len());
            line + tail
        });
    prop::collection::vec(line, 1..6).prop_map(|lines| (lines.join("\n") + "\n").into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Issue 18: the fused route to bracket text writes what the general
    /// route writes.
    #[test]
    fn the_fused_route_writes_bracket_text_as_the_general_route_does(
        input in input(),
        (opts, style) in options(),
    ) {
        same_both_ways(&input, &opts, style);
    }

    /// The same on lines close to what the writer writes, where the route
    /// copies runs of the input.
    #[test]
    fn written_lines_are_copied_as_the_general_route_writes_them(
        input in written_lines(),
        (opts, style) in options(),
    ) {
        same_both_ways(&input, &opts, style);
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
            for style in STYLES {
                let opts = Options {
                    piece_bytes,
                    ..Options::default()
                };
                same_both_ways(input.as_bytes(), &opts, style);
            }
        }
    }
}

#[test]
fn inputs_at_the_edges() {
    let inputs = [
        // Brackets decoded from references: written as references, inside
        // entities and out.
        "a &#91;PER&#93; [PER b&#91;c &#93;  ] d\n",
        "<p>a &#91;PER&#93; [PER b&#91;c &#93;  ] d</p>\n",
        // A token that decodes to the text of a bracket reference, which the
        // writer refuses.
        "<b>a</b> &amp;#91; [PER b ]\nc\n",
        "a &amp;#91; &#91; [PER b ]\nc\n",
        "a &amp;lsqb; b\n",
        // Entities as the writer writes them, and nearly.
        "[PER a  ] [PER b  ] [LOC c  ]\n",
        "[PER a] [PER b] [LOC c]\n",
        "  [PER a  ]  \n [PER a]\n[PER  a  ]\n[PER\ta  ]\n",
        "x[PER a  ]y\n",
        "a b  c\td\n",
    ];
    for input in EDGES.iter().chain(&inputs) {
        for html in [HtmlMode::Auto, HtmlMode::Keep, HtmlMode::Strip] {
            for style in STYLES {
                let opts = Options {
                    html,
                    ..Options::default()
                };
                same_both_ways(input.as_bytes(), &opts, style);
            }
        }
    }
}
