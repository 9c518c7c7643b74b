//! What the differential tests of the fused lines routes (to JSON lines,
//! spans and bracket text) share: the bracket-like inputs they generate,
//! and a conversion by either route, over the input whole or read a few
//! bytes at a time, as text to compare.

use std::cell::RefCell;
use std::io::{BufRead, Write};
use std::rc::Rc;

use proptest::prelude::*;

use crate::bracket::{Options, Reader};
use crate::convert::{copy_sentences, SentenceWriter, Summary};
use crate::error::Result;
use crate::repair::Repair;

/// How a conversion runs: by the general route or the fused one, over the
/// input whole or read a few bytes at a time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Route {
    General,
    Fused,
    /// The general route over an input that gives seven bytes a read
    /// (which `HtmlMode::Auto` decides on).
    GeneralSmallReads,
    /// The fused route over such an input.
    FusedSmallReads,
}

/// The input as a route reads it.
pub(super) type Input<'a> = Box<dyn BufRead + 'a>;

/// The output of a conversion, which the writer writes to and the test
/// reads once the writer is dropped.
#[derive(Clone, Default)]
pub(super) struct Out(Rc<RefCell<Vec<u8>>>);

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A fused route's entry: converts the rest of the reader's input with
/// the writer, as `copy_sentences` would.
pub(super) type FusedRoute<W> =
    fn(&mut Reader<Input<'_>>, &mut W, &mut Summary, &mut dyn FnMut(&Repair)) -> Result<()>;

/// Output, summary and error (with the repairs reported) of a conversion
/// of `input` by `route`, with the writer `writer` makes over the output;
/// `fused` is the fused route.
pub(super) fn convert<W: SentenceWriter>(
    input: &[u8],
    opts: &Options,
    route: Route,
    writer: impl FnOnce(Out) -> W,
    fused: FusedRoute<W>,
) -> String {
    let out = Out::default();
    let mut summary = Summary::default();
    let mut repairs = Vec::new();
    let result = {
        let mut writer = writer(out.clone());
        let mut on_repair = |r: &Repair| repairs.push(r.to_string());
        let read: Input<'_> = match route {
            Route::General | Route::Fused => Box::new(input),
            Route::GeneralSmallReads | Route::FusedSmallReads => {
                Box::new(std::io::BufReader::with_capacity(7, input))
            }
        };
        let mut reader = Reader::new(read, opts.clone());
        match route {
            Route::General | Route::GeneralSmallReads => {
                copy_sentences(&mut reader, &mut writer, &mut summary, &mut on_repair)
            }
            Route::Fused | Route::FusedSmallReads => {
                fused(&mut reader, &mut writer, &mut summary, &mut on_repair)
            }
        }
    };
    let out = out.0.borrow();
    format!(
        "{}\n--- {summary:?}\n--- {:?}\n--- {repairs:#?}",
        String::from_utf8_lossy(&out),
        result.map_err(|e| e.to_string())
    )
}

/// Checks that the fused route converts `input` as the general route
/// does, over the input whole and read a few bytes at a time; `convert`
/// converts it by a route, `setup` says how (for the failure's message).
pub(super) fn same_both_ways(
    input: &[u8],
    setup: &dyn std::fmt::Debug,
    convert: impl Fn(Route) -> String,
) {
    for (general, route) in [
        (Route::General, Route::Fused),
        (Route::GeneralSmallReads, Route::FusedSmallReads),
    ] {
        let want = convert(general);
        let got = convert(route);
        assert_eq!(
            got,
            want,
            "{route:?}, input {:?}, {setup:?}",
            String::from_utf8_lossy(input)
        );
    }
}

pub(super) const PIECES: &[&str] = &[
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

/// Lines of the reader's piece bound and more, made of `phrase`, in
/// inputs where they go to the general route whole (which reads them in
/// pieces) next to short lines, with an error late in a line and a line
/// without its line feed.
pub(super) fn long_line_inputs(phrase: &str) -> [String; 4] {
    let line = phrase.repeat(40);
    [
        format!("first\n{line} [PER x\nlast\n"),
        format!("first\n{line}\r\n\n{line}\nlast"),
        format!("{line}\n{line}"),
        format!("{line}[1] &amp; y [PER z ] {line}\n"),
    ]
}

/// Inputs at the edges of what the routes take, for every route's tests.
pub(super) const EDGES: &[&str] = &[
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
    // Entities at the ends and side by side.
    "[PER a ][PER b ] [LOC c ]\n",
];
