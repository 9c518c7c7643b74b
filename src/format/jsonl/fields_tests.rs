//! The fast scan against serde_json: on generated records (escapes,
//! Unicode, surrogate pairs, odd whitespace, extra members, offsets, class
//! numbers, and now and then something serde_json refuses), the scan
//! either gives up or yields exactly what serde_json's parse yields.

use proptest::prelude::*;

use super::*;

/// A char of a token or tag: ASCII letters, the bytes JSON escapes,
/// Latin, CJK, astral chars (surrogate pairs when escaped).
fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => prop::char::range('a', 'z'),
        1 => Just('"'),
        1 => Just('\\'),
        1 => Just('/'),
        1 => prop::char::range('\u{0}', '\u{1f}'),
        1 => Just('\u{7f}'),
        1 => Just('é'),
        1 => Just('東'),
        1 => Just('😀'),
        1 => Just('\u{10ffff}'),
        1 => Just('\u{e000}'),
        1 => Just(' '),
    ]
}

/// How one char is written inside a JSON string.
#[derive(Clone, Copy, Debug)]
enum Spelling {
    /// As itself where JSON allows it, else the short escape or `\u`.
    Plain,
    /// As a `\u` escape (a surrogate pair for astral chars), lower case.
    Unicode,
    /// The same in upper case.
    UnicodeUpper,
    /// Raw, even a control char (serde_json refuses those).
    Raw,
}

fn spelling(plain: bool) -> impl Strategy<Value = Spelling> {
    if plain {
        prop_oneof![
            8 => Just(Spelling::Plain),
            1 => Just(Spelling::Unicode),
            1 => Just(Spelling::UnicodeUpper),
        ]
        .boxed()
    } else {
        prop_oneof![
            8 => Just(Spelling::Plain),
            1 => Just(Spelling::Unicode),
            1 => Just(Spelling::UnicodeUpper),
            1 => Just(Spelling::Raw),
        ]
        .boxed()
    }
}

fn write_char(out: &mut String, c: char, how: Spelling) {
    let unicode = |out: &mut String, upper: bool| {
        let mut units = [0u16; 2];
        for u in c.encode_utf16(&mut units) {
            if upper {
                out.push_str(&format!("\\u{u:04X}"));
            } else {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    };
    match how {
        Spelling::Unicode => unicode(out, false),
        Spelling::UnicodeUpper => unicode(out, true),
        Spelling::Raw => out.push(c),
        Spelling::Plain => match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '/' => out.push_str("\\/"),
            c if c < ' ' => unicode(out, false),
            c => out.push(c),
        },
    }
}

/// A JSON string: its chars each spelled some way, and, when not plain,
/// now and then a broken escape.
fn json_string(plain: bool) -> impl Strategy<Value = String> {
    let broken = if plain {
        Just(None).boxed()
    } else {
        prop_oneof![
            12 => Just(None),
            1 => prop_oneof![
                Just("\\ud800"), Just("\\udc00"), Just("\\ud83dx"), Just("\\ud83d\\u0041"),
                Just("\\x"), Just("\\u12"), Just("\\uzzzz"), Just("\\"),
            ]
            .prop_map(Some),
        ]
        .boxed()
    };
    (
        prop::collection::vec((any_char(), spelling(plain)), 0..6),
        broken,
    )
        .prop_map(|(chars, broken)| {
            let mut s = String::from("\"");
            for (c, how) in chars {
                write_char(&mut s, c, how);
            }
            if let Some(b) = broken {
                s.push_str(b);
            }
            s.push('"');
            s
        })
}

/// JSON whitespace between tokens of the record; only when not plain, a
/// byte serde_json does not take for whitespace.
fn ws(plain: bool) -> impl Strategy<Value = &'static str> {
    if plain {
        prop_oneof![6 => Just(""), 2 => Just(" "), 1 => Just("\t"), 1 => Just(" \r\n ")].boxed()
    } else {
        prop_oneof![
            6 => Just(""), 2 => Just(" "), 1 => Just("\t"), 1 => Just(" \r\n "),
            1 => Just("\u{c}"), 1 => Just("\u{a0}"),
        ]
        .boxed()
    }
}

/// An unsigned integer as JSON writes it, or (when not plain) a number
/// the scan leaves to serde_json.
fn number(plain: bool) -> impl Strategy<Value = String> {
    let uint = prop_oneof![
        4 => (0u64..20).prop_map(|n| n.to_string()),
        1 => any::<u64>().prop_map(|n| n.to_string()),
    ];
    if plain {
        uint.boxed()
    } else {
        prop_oneof![
            6 => uint,
            1 => Just("18446744073709551616".to_string()),
            1 => Just("-1".to_string()),
            1 => Just("-0".to_string()),
            1 => Just("01".to_string()),
            1 => Just("1.0".to_string()),
            1 => Just("1e2".to_string()),
            1 => Just("2E-1".to_string()),
            1 => Just("1.".to_string()),
            1 => Just("1x".to_string()),
            1 => Just("null".to_string()),
            1 => Just("true".to_string()),
        ]
        .boxed()
    }
}

/// A list of `items` with whitespace around its commas.
fn list(items: Vec<(String, &'static str, &'static str)>) -> String {
    let mut s = String::from("[");
    for (i, (item, before, after)) in items.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(before);
        s.push_str(item);
        s.push_str(after);
    }
    s.push(']');
    s
}

fn list_of<S: Strategy<Value = String> + 'static>(
    item: S,
    plain: bool,
    len: std::ops::Range<usize>,
) -> BoxedStrategy<String> {
    prop::collection::vec((item, ws(plain), ws(plain)), len)
        .prop_map(list)
        .boxed()
}

/// Any JSON value for a member nerkit skips: nested lists and objects,
/// numbers of every form, literals, strings.
fn extra_value(plain: bool) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        json_string(plain),
        Just("true".to_string()),
        Just("false".to_string()),
        Just("null".to_string()),
        Just("0".to_string()),
        Just("-12.5e+3".to_string()),
        Just("3.25".to_string()),
        Just("1E9".to_string()),
        Just("-0".to_string()),
    ];
    let leaf = if plain {
        leaf.boxed()
    } else {
        prop_oneof![
            8 => leaf,
            1 => prop_oneof![
                Just("tru".to_string()), Just("nul".to_string()), Just("01".to_string()),
                Just("1.".to_string()), Just("-".to_string()), Just("+1".to_string()),
                Just("[1,]".to_string()), Just("{\"a\"}".to_string()), Just("'a'".to_string()),
                Just("[".to_string()), Just("{\"a\":1,}".to_string()), Just(".5".to_string()),
            ],
        ]
        .boxed()
    };
    leaf.prop_recursive(3, 12, 3, move |inner| {
        prop_oneof![
            prop::collection::vec((inner.clone(), ws(plain), ws(plain)), 0..3).prop_map(list),
            prop::collection::vec((json_string(plain), inner, ws(plain)), 0..3).prop_map(
                |members| {
                    let body: Vec<String> = members
                        .into_iter()
                        .map(|(k, v, w)| format!("{k}{w}:{w}{v}"))
                        .collect();
                    format!("{{{}}}", body.join(","))
                }
            ),
        ]
    })
    .boxed()
}

/// A member of a record: a key and its value as written.
fn member(plain: bool, tokens: usize) -> BoxedStrategy<(String, String)> {
    let tags = prop_oneof![
        3 => json_string(plain),
        1 => number(plain),
    ];
    let pair = (number(plain), ws(plain), number(plain), ws(plain))
        .prop_map(|(a, w, b, v)| format!("[{w}{a}{v},{w}{b}{v}]"));
    let near = tokens.saturating_sub(1)..tokens + 2;
    let mut keys = vec![
        (
            3,
            list_of(json_string(plain), plain, near.clone())
                .prop_map(|v| ("tokens".to_string(), v))
                .boxed(),
        ),
        (
            2,
            list_of(tags.clone(), plain, near.clone())
                .prop_map(|v| ("tags".to_string(), v))
                .boxed(),
        ),
        (
            2,
            list_of(tags, plain, near.clone())
                .prop_map(|v| ("ner_tags".to_string(), v))
                .boxed(),
        ),
        (
            2,
            list_of(pair, plain, near)
                .prop_map(|v| ("offsets".to_string(), v))
                .boxed(),
        ),
        (
            2,
            (
                prop_oneof![Just("id"), Just("text"), Just(""), Just("tok"), Just("é")],
                extra_value(plain),
            )
                .prop_map(|(k, v)| (k.to_string(), v))
                .boxed(),
        ),
    ];
    if !plain {
        keys.push((
            1,
            prop_oneof![
                Just(("tok\\u0065ns".to_string(), "[\"a\"]".to_string())),
                Just(("tags".to_string(), "null".to_string())),
                Just(("offsets".to_string(), "null".to_string())),
                Just(("tokens".to_string(), "[\"a\",null]".to_string())),
                Just(("offsets".to_string(), "[[1,2,3]]".to_string())),
                Just(("offsets".to_string(), "[[2,1]]".to_string())),
                Just(("tags".to_string(), "\"O\"".to_string())),
            ]
            .boxed(),
        ));
    }
    prop::strategy::Union::new_weighted(keys).boxed()
}

/// A record: members in any order, possibly repeated, with whitespace;
/// when `plain`, it holds `tokens` and one of `tags` and `ner_tags` once
/// each, and the scan must read it.
fn record(plain: bool) -> impl Strategy<Value = String> {
    (0usize..5).prop_flat_map(move |tokens| {
        (
            prop::collection::vec(member(plain, tokens), 0..6),
            ws(plain),
            ws(plain),
            prop::sample::select(vec!["tags", "ner_tags"]),
            any::<prop::sample::Index>(),
            prop::bool::weighted(0.75),
        )
            .prop_map(move |(mut members, w, v, tag_key, at, shaped)| {
                // Most records, and every plain one, have the shape of a
                // record nerkit reads, so that the odd values inside them
                // are what decides.
                if plain || shaped {
                    // Exactly one `tokens`, one tag key and at most one
                    // `offsets`: the record serde_json reads.
                    let other = if tag_key == "tags" {
                        "ner_tags"
                    } else {
                        "tags"
                    };
                    let mut seen = std::collections::HashSet::new();
                    members.retain(|(k, _)| match k.as_str() {
                        k if k == other => false,
                        "tokens" | "tags" | "ner_tags" | "offsets" => seen.insert(k.to_string()),
                        _ => true,
                    });
                    for key in ["tokens", tag_key] {
                        if !seen.contains(key) {
                            let value = if key == "tokens" {
                                "[\"a\"]"
                            } else {
                                "[\"O\"]"
                            };
                            let i = at.index(members.len() + 1);
                            members.insert(i, (key.to_string(), value.to_string()));
                        }
                    }
                }
                let body: Vec<String> = members
                    .iter()
                    .map(|(k, value)| format!("{w}\"{k}\"{v}:{w}{value}{v}"))
                    .collect();
                format!("{w}{{{}}}{v}", body.join(","))
            })
    })
}

/// What `fields` holds, its strings looked up: the tokens, the tags (a
/// number with its value) and the offsets.
#[allow(clippy::type_complexity)]
fn resolved<'a>(
    fields: &'a Fields,
    line: &'a str,
) -> (
    Vec<&'a str>,
    Vec<(Option<Option<u64>>, &'a str)>,
    bool,
    &'a [(usize, usize)],
) {
    let tokens = fields
        .tokens
        .iter()
        .map(|&t| fields.text(line, t))
        .collect();
    let tags = fields
        .tags
        .iter()
        .map(|&t| match t {
            TagItem::Text(t) => (None, fields.text(line, t)),
            TagItem::Number(n, s) => (Some(n), &fields.decoded[s]),
        })
        .collect();
    (tokens, tags, fields.has_offsets, &fields.offsets)
}

fn compare(line: &str) -> std::result::Result<bool, TestCaseError> {
    let mut fast = Fields::default();
    let mut general = Fields::default();
    let read_fast = fast.parse_fast(line);
    let read_general = general.parse_general(line);
    if read_fast {
        prop_assert!(
            matches!(read_general, Ok(Ok(()))),
            "the scan read what serde_json does not: {line}"
        );
        prop_assert_eq!(resolved(&fast, line), resolved(&general, line), "{}", line);
    }
    Ok(read_fast)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Any record, well formed or not: the scan reads it as serde_json
    /// does or gives up.
    #[test]
    fn the_scan_reads_what_serde_json_reads(line in record(false)) {
        compare(&line)?;
    }

    /// Well-formed records of the members nerkit reads: the scan reads
    /// them (it may not give up on them), as serde_json does.
    #[test]
    fn the_scan_reads_every_plain_record(line in record(true)) {
        prop_assert!(compare(&line)?, "the scan gave up on {}", line);
    }
}

/// Edge cases written out: each either read alike or left to serde_json.
#[test]
fn written_out_edges() {
    let read = [
        r#"{"tokens":[],"tags":[]}"#,
        r#" { "tokens" : [ "a" , "b" ] , "tags" : [ "O" , "B-X" ] } "#,
        r#"{"tokens":["\ud83d\ude00","\u00e9\/\"\\"],"ner_tags":[0,18446744073709551615]}"#,
        r#"{"id":{"a":[1,-2.5e3,true,false,null,"\u00e9"]},"tokens":["a"],"tags":["O"]}"#,
        r#"{"tokens":["a"],"tags":["O"],"offsets":[[0,1]],"text":"a"}"#,
        "{\"tokens\":[\"a\"],\"tags\":[\"O\"]}\r",
        r#"{"tokens":["a"],"tags":["O"],"offsets":[[0,18446744073709551615],[ 1 , 2 ]]}"#,
        r#"{"tokens":["a"],"tags":["O"],"offsets":[[0,1000000000000000000]]}"#,
    ];
    let left = [
        r#"{"tokens":["a"],"tags":["O"],"tags":["O"]}"#,
        r#"{"id":"\ud800","tokens":["a"],"tags":["O"]}"#,
        r#"{"tokens":["a"],"tags":null}"#,
        r#"{"tokens":["a"],"tags":["O"],"ner_tags":["O"]}"#,
        r#"{"tokens":["\ud800"],"tags":["O"]}"#,
        r#"{"tokens":["a"],"tags":[1.0]}"#,
        r#"{"tokens":["a"],"tags":[-1]}"#,
        r#"{"tokens":["a"],"tags":[18446744073709551616]}"#,
        r#"{"tokens":["a"],"tags":["O"]} x"#,
        r#"{"tok\u0065ns":["a"],"tags":["O"]}"#,
        r#"{"tokens":["a"],"tags":["O"],"offsets":null}"#,
        r#"{"tokens":["a"],"tags":["O"],"offsets":[[01,1]]}"#,
        r#"{"tokens":["a"],"tags":["O"],"offsets":[[0,01]]}"#,
        r#"{"tokens":["a"],"tags":["O"],"offsets":[[0,1.5]]}"#,
        r#"{"tokens":["a"],"tags":["O"],"offsets":[[0,-1]]}"#,
        r#"{"tokens":["a"],"tags":["O"],"offsets":[[0,18446744073709551616]]}"#,
        "{\"tokens\":[\"a\tb\"],\"tags\":[\"O\"]}",
        r#"{"tokens":["a"]}"#,
        r#"["tokens"]"#,
        "",
    ];
    for line in read {
        assert!(compare(line).unwrap(), "gave up on {line}");
    }
    for line in left {
        assert!(!compare(line).unwrap(), "read {line}");
    }
}

/// What a reader made of an input: each sentence (tokens with their
/// spans, entities, line, document start), the repairs, and the error
/// that ended it (message and position).
fn read_all<R: std::io::BufRead>(mut reader: super::super::Reader<R>) -> Vec<String> {
    use crate::sentence::Sentence;
    let mut out = Vec::new();
    let mut s = Sentence::new();
    loop {
        match reader.read_sentence(&mut s) {
            Ok(true) => {
                let tokens: Vec<String> = s
                    .tokens()
                    .map(|t| format!("{:?}@{}", t.text, t.span))
                    .collect();
                let entities: Vec<String> = s
                    .entities()
                    .map(|e| format!("{:?} {}..{}", e.label, e.tokens.start(), e.tokens.end()))
                    .collect();
                out.push(format!(
                    "{} {} | {} | {}",
                    s.line(),
                    s.is_document_start(),
                    tokens.join(" "),
                    entities.join(", ")
                ));
            }
            Ok(false) => break,
            Err(e) => {
                out.push(format!("error {e} at {:?}", e.position()));
                break;
            }
        }
        for r in reader.take_repairs() {
            out.push(format!("repair {r:?}"));
        }
    }
    out.push(format!("{:?} {:?}", reader.scheme(), reader.tag_style()));
    out
}

fn tag() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("\"O\"".to_string()),
        2 => prop::sample::select(vec!["B", "I", "E", "S"]).prop_flat_map(|p| {
            prop::sample::select(vec!["PER", "LOC", "X\\u00e9", "A\\\"B"])
                .prop_map(move |l| format!("\"{p}-{l}\""))
        }),
        1 => (0u64..6).prop_map(|n| n.to_string()),
        1 => Just("\"LOC\"".to_string()),
    ]
}

/// A record nerkit reads, or (one in six) any generated record.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        5 => (1usize..6).prop_flat_map(|n| {
            (
                prop::collection::vec(json_string(true), n),
                prop::collection::vec(tag(), n),
                prop::option::of(prop::collection::vec((0usize..9, 0usize..9), n)),
                any::<bool>(),
            )
                .prop_map(|(tokens, tags, offsets, ner)| {
                    let key = if ner { "ner_tags" } else { "tags" };
                    let mut s = format!("{{\"tokens\":[{}],\"{key}\": [{}]", tokens.join(","), tags.join(", "));
                    if let Some(o) = offsets {
                        let pairs: Vec<String> =
                            o.iter().map(|(a, b)| format!("[{a},{}]", a + b)).collect();
                        s.push_str(&format!(",\"offsets\":[{}]", pairs.join(",")));
                    }
                    s.push('}');
                    s
                })
        }),
        1 => record(false),
        1 => Just(String::new()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// The reader with the fast scan reads what it reads with serde_json
    /// alone: the same sentences, repairs, errors and detected scheme.
    #[test]
    fn the_reader_reads_what_the_general_parse_reads(
        lines in prop::collection::vec(line(), 1..8),
        lenient in any::<bool>(),
        names in any::<bool>(),
        capacity in 1usize..200,
        scheme in prop::option::of(prop::sample::select(vec![
            crate::TagScheme::Iob2, crate::TagScheme::Iob1, crate::TagScheme::Iobes,
        ])),
    ) {
        let text = lines.join("\n");
        let opts = || super::super::ReadOptions {
            lenient,
            scheme,
            label_names: names
                .then(|| ["O", "B-PER", "I-PER", "B-LOC"].map(String::from).to_vec()),
            ..Default::default()
        };
        // Lines within the input's buffer are read where they are, the
        // others gathered: a small buffer makes both happen.
        let input = std::io::BufReader::with_capacity(capacity, text.as_bytes());
        let fast = read_all(super::super::Reader::new(input, opts()));
        let general = read_all(super::super::Reader::new(text.as_bytes(), opts()).general_only());
        prop_assert_eq!(fast, general, "{}", text);
    }
}
