//! The spans layout's hand scan against its general route (serde_json):
//! on generated documents (escapes, Unicode, surrogate pairs, odd
//! whitespace, kept members, span items in both shapes with members in any
//! order, and now and then something serde_json refuses or the scan leaves
//! to it), the scan either gives up or fills the document exactly as the
//! general route does.

use proptest::prelude::*;

use super::document::DocBuf;
use super::read::{parse_general, scan_document};

/// How a char is written in a JSON string: as itself where JSON allows
/// it (else its short escape), as a `\u` escape, or raw even where JSON
/// does not allow it (`plain` leaves raw control chars out).
fn json_string(plain: bool) -> BoxedStrategy<String> {
    let chars = prop_oneof![
        6 => prop::char::range('a', 'z'),
        1 => Just('"'),
        1 => Just('\\'),
        1 => Just('/'),
        1 => prop::char::range('\u{0}', '\u{1f}'),
        1 => Just('é'),
        1 => Just('’'),
        1 => Just('😀'),
        1 => Just(' '),
    ];
    let broken = if plain {
        Just(None).boxed()
    } else {
        prop_oneof![
            40 => Just(None),
            1 => prop_oneof![
                Just("\\ud800"), Just("\\udc00"), Just("\\ud83d\\u0041"), Just("\\x"),
                Just("\\u12"), Just("\\"),
            ]
            .prop_map(Some),
        ]
        .boxed()
    };
    (
        prop::collection::vec((chars, 0u8..40), 0..8),
        broken,
        any::<bool>(),
    )
        .prop_map(move |(chars, broken, upper)| {
            let mut s = String::from("\"");
            for (c, how) in chars {
                let unicode = |s: &mut String| {
                    for u in c.encode_utf16(&mut [0; 2]) {
                        if upper {
                            s.push_str(&format!("\\u{u:04X}"));
                        } else {
                            s.push_str(&format!("\\u{u:04x}"));
                        }
                    }
                };
                match (how, c) {
                    (0, _) => unicode(&mut s),
                    (1, _) if !plain => s.push(c),
                    (_, '"') => s.push_str("\\\""),
                    (_, '\\') => s.push_str("\\\\"),
                    (_, '\n') => s.push_str("\\n"),
                    (_, '\t') => s.push_str("\\t"),
                    (_, c) if c < ' ' => unicode(&mut s),
                    (_, c) => s.push(c),
                }
            }
            if let Some(b) = broken {
                s.push_str(b);
            }
            s.push('"');
            s
        })
        .boxed()
}

/// JSON whitespace; when not plain, now and then a byte JSON does not
/// take for whitespace.
fn ws(plain: bool) -> BoxedStrategy<&'static str> {
    if plain {
        prop_oneof![6 => Just(""), 2 => Just(" "), 1 => Just("\t"), 1 => Just(" \r\n ")].boxed()
    } else {
        prop_oneof![
            30 => Just(""), 10 => Just(" "), 5 => Just(" \r\n "), 1 => Just("\u{c}"),
            1 => Just("\u{a0}"),
        ]
        .boxed()
    }
}

/// An offset: an unsigned integer the scan reads, or (when not plain)
/// a number it leaves to serde_json, or another value.
fn number(plain: bool) -> BoxedStrategy<String> {
    let uint = prop_oneof![
        4 => (0u64..40).prop_map(|n| n.to_string()),
        1 => (0u64..10_000_000_000_000_000_000).prop_map(|n| n.to_string()),
    ];
    if plain {
        uint.boxed()
    } else {
        prop_oneof![
            40 => uint,
            1 => prop_oneof![
                Just("18446744073709551615"), Just("18446744073709551616"), Just("-1"),
                Just("-0"), Just("01"), Just("1.0"), Just("1e2"), Just("1x"), Just("null"),
                Just("\"3\""),
            ]
            .prop_map(str::to_string),
        ]
        .boxed()
    }
}

/// A value of a member the layout keeps as written.
fn extra_value(plain: bool) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        json_string(plain),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("-12.5e+3".to_string()),
        number(plain),
    ];
    leaf.prop_recursive(3, 12, 3, move |inner| {
        prop_oneof![
            prop::collection::vec((inner.clone(), ws(plain)), 0..3).prop_map(|items| {
                let items: Vec<String> =
                    items.into_iter().map(|(v, w)| format!("{w}{v}")).collect();
                format!("[{}]", items.join(","))
            }),
            prop::collection::vec((inner, ws(plain)), 0..3).prop_map(|members| {
                let members: Vec<String> = (members.into_iter().enumerate())
                    .map(|(i, (v, w))| format!("\"k{i}\":{w}{v}"))
                    .collect();
                format!("{{{}}}", members.join(",\n  "))
            }),
        ]
    })
    .boxed()
}

/// One span: an object of some of the members a span may have, in any
/// order (when not plain, repeated or missing ones too), or an array.
fn item(plain: bool) -> BoxedStrategy<String> {
    let member = prop_oneof![
        3 => number(plain).prop_map(|n| ("start", n)),
        3 => number(plain).prop_map(|n| ("end", n)),
        3 => json_string(plain).prop_map(|s| ("label", s)),
        1 => number(plain).prop_map(|n| ("token_start", n)),
        1 => Just(("token_end", "null".to_string())),
        1 => number(plain).prop_map(|n| ("start_offset", n)),
        1 => number(plain).prop_map(|n| ("end_offset", n)),
        1 => extra_value(plain).prop_map(|v| ("source", v)),
    ];
    // The shape nerkit writes, with no whitespace: now and then with more
    // members after it, an escape in its label, or a number the scan
    // leaves to serde_json.
    let compact = (
        number(plain),
        number(plain),
        json_string(plain),
        extra_value(plain),
        0..4,
    )
        .prop_map(|(s, e, l, v, more)| match more {
            0 => format!("{{\"start\":{s},\"end\":{e},\"label\":{l},\"x\":{v}}}"),
            _ => format!("{{\"start\":{s},\"end\":{e},\"label\":{l}}}"),
        });
    let object = (
        prop::collection::vec((member, ws(plain), ws(plain)), 0..6),
        any::<bool>(),
        prop::bool::weighted(if plain { 0.0 } else { 0.1 }),
    )
        .prop_map(move |(members, tight, odd)| {
            let mut seen = Vec::new();
            let mut parts = Vec::new();
            // A tight item first when asked: the common shape.
            if tight {
                parts.push(r#""start": 1,"end":3, "label" : "X""#.to_string());
                seen.extend(["start", "end", "label"]);
            }
            for ((key, value), a, b) in members {
                let alias = match key {
                    "start_offset" => "start",
                    "end_offset" => "end",
                    k => k,
                };
                if !odd && seen.contains(&alias) {
                    continue;
                }
                seen.push(alias);
                parts.push(format!("\"{key}\"{a}:{b}{value}"));
            }
            if !odd {
                for (k, v) in [("start", "0"), ("end", "2"), ("label", "\"L\"")] {
                    if !seen.contains(&k) {
                        parts.push(format!("\"{k}\":{v}"));
                    }
                }
            }
            format!("{{{}}}", parts.join(", "))
        });
    let array = (
        number(plain),
        number(plain),
        json_string(plain),
        ws(plain),
        if plain {
            Just(false).boxed()
        } else {
            prop::bool::weighted(0.05).boxed()
        },
    )
        .prop_map(|(s, e, l, w, odd)| {
            if odd {
                format!("[{s},{w}{e}]")
            } else {
                format!("[{s},{w}{e} ,{l}{w}]")
            }
        });
    prop_oneof![3 => object, 1 => array, 2 => compact].boxed()
}

fn span_list(plain: bool) -> BoxedStrategy<String> {
    // Whitespace around items now and then; without it, a list of
    // compact items is the shape nerkit writes.
    let list = (
        prop::collection::vec((item(plain), ws(plain), ws(plain)), 0..4),
        any::<bool>(),
    )
        .prop_map(|(items, tight)| {
            let items: Vec<String> = (items.into_iter())
                .map(|(i, a, b)| if tight { i } else { format!("{a}{i}{b}") })
                .collect();
            format!("[{}]", items.join(","))
        });
    if plain {
        prop_oneof![6 => list, 1 => Just("null".to_string())].boxed()
    } else {
        prop_oneof![
            30 => list,
            3 => Just("null".to_string()),
            1 => Just("{}".to_string()),
            1 => Just("3".to_string()),
        ]
        .boxed()
    }
}

/// A document of spans (or of doccano, with `relations` lists): members
/// in any order; when plain, one text and at most one list of spans,
/// `entities` (or, for doccano, `label`).
pub(crate) fn document(plain: bool, doccano: bool) -> BoxedStrategy<String> {
    let relations = prop::collection::vec(extra_value(plain), 0..3)
        .prop_map(|items| format!("[{}]", items.join(", ")));
    let relations = if plain {
        relations.boxed()
    } else {
        prop_oneof![8 => relations, 1 => Just("null".to_string())].boxed()
    };
    let member = prop_oneof![
        3 => json_string(plain).prop_map(|s| ("text", s)),
        3 => span_list(plain).prop_map(|l| ("entities", l)),
        1 => span_list(plain).prop_map(|l| ("label", l)),
        1 => extra_value(plain).prop_map(|v| ("id", v)),
        1 => extra_value(plain).prop_map(|v| ("meta", v)),
        1 => relations.prop_map(|v| ("relations", v)),
        1 => Just(("te\\u0078t", "\"escaped key\"".to_string())),
    ];
    // The members of which a document has one.
    let one_of = move |key: &'static str| match key {
        "label" | "entities" if doccano => "list",
        k => k,
    };
    let tail = if plain {
        Just("").boxed()
    } else {
        prop_oneof![30 => Just(""), 1 => Just("x"), 1 => Just(",")].boxed()
    };
    (
        prop::collection::vec((member, ws(plain), prop::bool::weighted(0.1)), 0..5),
        json_string(plain),
        ws(plain),
        tail,
    )
        .prop_map(move |(members, text, w, tail)| {
            let mut parts = Vec::new();
            let mut seen = Vec::new();
            for ((key, value), w, odd) in members {
                // Now and then (never when plain) a repeated member, a
                // doccano `label` or an escaped key.
                let odd = odd && !plain;
                let spans_label = key == "label" && !doccano;
                if !odd && (seen.contains(&one_of(key)) || spans_label || key.contains('\\')) {
                    continue;
                }
                seen.push(one_of(key));
                parts.push(format!("\"{key}\":{w}{value}"));
            }
            if !seen.contains(&"text") && (plain || !text.contains('x')) {
                parts.push(format!("\"text\": {text}"));
            }
            format!("{w}{{{}}}{w}{tail}", parts.join(&format!(",{w}")))
        })
        .boxed()
}

/// The scan's document, or `None` where it gives up; and the general
/// route's document or error.
fn both(line: &str) -> (Option<DocBuf>, std::result::Result<DocBuf, String>) {
    let mut fast = DocBuf::default();
    let fast = scan_document(line.as_bytes(), &mut fast).map(|()| fast);
    let mut general = DocBuf::default();
    let general = parse_general(line.as_bytes(), &mut general)
        .map(|()| general)
        .map_err(|e| e.message);
    (fast, general)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Where the scan reads a document, the general route reads the same.
    #[test]
    fn the_scan_reads_what_the_general_route_reads(line in document(false, false)) {
        let (fast, general) = both(&line);
        if let Some(fast) = fast {
            prop_assert_eq!(Ok(fast), general, "{}", line);
        }
    }

    /// The scan reads every document of the shapes tools write (so that
    /// the test above compares something), as the general route does.
    #[test]
    fn the_scan_reads_every_plain_document(line in document(true, false)) {
        let (fast, general) = both(&line);
        let Some(fast) = fast else {
            return Err(TestCaseError::fail(format!("gave up on {line}: {general:?}")));
        };
        prop_assert_eq!(Ok(fast), general, "{}", line);
    }
}

#[test]
fn documents_the_scan_leaves_to_the_general_route() {
    for line in [
        r#"{"text": "a", "text": "b"}"#,
        r#"{"text": "a", "label": [[0, 1, "X"]]}"#,
        r#"{"text": "a", "entities": [{"start": 0, "start_offset": 0, "end": 1, "label": "X"}]}"#,
        r#"{"text": "a", "entities": [{"start": 0, "end": 1}]}"#,
        r#"{"text": "a", "entities": [{"token_start": 0, "token_end": 0, "label": "X"}]}"#,
        r#"{"text": "\ud800", "entities": []}"#,
        r#"{"text": "a", "entities": [[0, 1.0, "X"]]}"#,
        r#"{"text": "a", "entities": [[0, 18446744073709551615, "X"]]}"#,
        r#"{"te\u0078t": "a"}"#,
        r#"{"text": "a"} x"#,
        r#"{"entities": null}"#,
    ] {
        assert!(both(line).0.is_none(), "{line}");
    }
    let (fast, general) = both(
        r#" {"id": {"a": [1, 2.5e3]}, "text":"a\u00e9\n", "entities":[[0,1,"X"], {"label":"Y","end":2,"start":1,"token_start":null}]} "#,
    );
    assert_eq!(Ok(fast.expect("the scan reads it")), general);
}
