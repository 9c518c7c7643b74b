use super::*;
use crate::error::ErrorKind;
use crate::error::Hint;
use crate::repair::{Repair, RepairKind};

fn parse(line: &str) -> Sentence {
    parse_line(line, &Options::default()).unwrap()
}

fn tokens(s: &Sentence) -> Vec<&str> {
    s.tokens().map(|t| t.text).collect()
}

fn entities(s: &Sentence) -> Vec<(String, usize, usize)> {
    s.entities()
        .map(|e| (e.label.to_string(), e.tokens.start(), e.tokens.end()))
        .collect()
}

fn error(line: &str, opts: &Options) -> (ParseErrorKind, u64, u64) {
    let e = parse_line(line, opts).unwrap_err();
    match e.kind() {
        ErrorKind::Parse { pos, kind } => (kind.clone(), pos.line(), pos.column()),
        other => panic!("not a parse error: {other:?}"),
    }
}

/// One case per line: input, expected tokens, expected entities.
macro_rules! parses {
    ($name:ident, $input:expr, [$($tok:expr),*], [$(($l:expr, $s:expr, $e:expr)),*]) => {
        #[test]
        fn $name() {
            let s = parse($input);
            assert_eq!(tokens(&s), vec![$($tok),*] as Vec<&str>);
            assert_eq!(entities(&s), vec![$(($l.to_string(), $s, $e)),*]);
            // Every token's span slices its text out of the input.
            for t in s.tokens() {
                assert_eq!(&$input[t.span], t.text);
            }
        }
    };
}

parses!(
    two_space_style,
    "Ambassador [PER Ryan C. Crocker  ] , Reasons",
    ["Ambassador", "Ryan", "C.", "Crocker", ",", "Reasons"],
    [("PER", 1, 4)]
);
parses!(
    tight_style,
    "included [PER Mark McGwire] , the [ORG St. Louis Cardinals] slugger",
    [
        "included",
        "Mark",
        "McGwire",
        ",",
        "the",
        "St.",
        "Louis",
        "Cardinals",
        "slugger"
    ],
    [("PER", 1, 3), ("ORG", 5, 8)]
);
parses!(
    brackets_in_raw_text,
    "landed in [LOC Urbana ]-[LOC Champaign ] , after",
    ["landed", "in", "Urbana", "-", "Champaign", ",", "after"],
    [("LOC", 2, 3), ("LOC", 4, 5)]
);
parses!(
    glued_before_opener,
    "foo[LOC Paris ]bar",
    ["foo", "Paris", "bar"],
    [("LOC", 1, 2)]
);
parses!(
    adjacent_same_type,
    "[PER A ] [PER B C ]",
    ["A", "B", "C"],
    [("PER", 0, 1), ("PER", 1, 3)]
);
parses!(
    literal_brackets,
    "[ 1 ] and [1] and [sic] ]",
    ["[", "1", "]", "and", "[1]", "and", "[sic]", "]"],
    []
);
parses!(
    tabs_between,
    "a\t[ORG\tX  Y\t]\tb",
    ["a", "X", "Y", "b"],
    [("ORG", 1, 3)]
);
parses!(
    ontonotes_label,
    "the [WORK_OF_ART Gone With the Wind ] film",
    ["the", "Gone", "With", "the", "Wind", "film"],
    [("WORK_OF_ART", 1, 5)]
);
parses!(lowercase_is_not_a_label, "[per x ]", ["[per", "x", "]"], []);
parses!(label_needs_space, "[PER]x", ["[PER]x"], []);
parses!(
    trailing_period_kept,
    "[MISC Taliban.  ] <a",
    ["Taliban.", "<a"],
    [("MISC", 0, 1)]
);

#[test]
fn unclosed_at_end_of_line() {
    let (kind, line, col) = error("a [PER b c", &Options::default());
    assert!(matches!(kind, ParseErrorKind::UnclosedEntity { ref label } if label == "PER"));
    assert_eq!((line, col), (1, 3));
}

#[test]
fn nested_opener() {
    let (kind, _, col) = error("[PER a [LOC b ] ]", &Options::default());
    assert!(matches!(kind, ParseErrorKind::NestedEntity { .. }));
    assert_eq!(col, 8);
}

#[test]
fn empty_entity() {
    let (kind, _, col) = error("x [PER  ] y", &Options::default());
    assert!(matches!(kind, ParseErrorKind::EmptyEntity { .. }));
    assert_eq!(col, 3);
}

#[test]
fn label_outside_set() {
    let opts = Options {
        labels: Some(vec!["PER".into(), "LOC".into()]),
        ..Options::default()
    };
    let (kind, _, col) = error("’’ [ORG x ]", &opts);
    assert!(matches!(kind, ParseErrorKind::UnknownLabel { ref label } if label == "ORG"));
    // Columns count chars: two curly quotes, a space, the bracket.
    assert_eq!(col, 5);
    let e = parse_line("[ORG x ]", &opts).unwrap_err();
    assert_eq!(e.hints(), [Hint::ExtendTheLabelSet]);
}

#[test]
fn a_label_outside_the_set_is_repaired_with_its_hint() {
    let opts = Options {
        labels: Some(vec!["PER".into()]),
        lenient: true,
        ..Options::default()
    };
    let mut reader = Reader::new("a [ORG x ] b\n".as_bytes(), opts);
    let mut s = Sentence::new();
    assert!(reader.read_sentence(&mut s).unwrap());
    let repairs: Vec<Repair> = reader.take_repairs().collect();
    assert_eq!(repairs[0].kind, RepairKind::UnknownLabel);
    assert_eq!(repairs[0].hints(), [Hint::ExtendTheLabelSet]);
    assert_eq!(
        repairs[0].message,
        "label \"ORG\" is not in the label set; add it to the label set to accept it; \
         kept its text as plain tokens"
    );
    assert_eq!(
        repairs[0].message_with(&|_, _| Some(" given with LABELS")),
        "label \"ORG\" is not in the label set given with LABELS; kept its text as plain tokens"
    );
}

#[test]
fn lenient_repairs_are_recorded() {
    let opts = Options {
        lenient: true,
        ..Options::default()
    };
    let mut reader = Reader::new(
        "[PER a [LOC b ] c\nx [PER  ] y\n[ORG open\n".as_bytes(),
        opts,
    );
    let mut s = Sentence::new();
    let mut all = Vec::new();
    let mut kinds = Vec::new();
    while reader.read_sentence(&mut s).unwrap() {
        all.push((tokens(&s).join(" "), entities(&s)));
        kinds.extend(reader.take_repairs().map(|r| r.kind));
    }
    assert_eq!(
        kinds,
        [
            RepairKind::NestedEntity,
            RepairKind::EmptyEntity,
            RepairKind::UnclosedEntity
        ]
    );
    assert_eq!(all[0].0, "a [LOC b c");
    assert_eq!(all[0].1, vec![("PER".to_string(), 0, 3)]);
    assert_eq!(all[1].1, vec![]);
    assert_eq!(all[2].0, "open");
    assert_eq!(all[2].1, vec![]);
}

#[test]
fn html_is_stripped_and_offsets_point_into_the_input() {
    let line = "and ( d <a id='par1' href='#par1'>¶</a>1 . [ORG AT&amp;T ]";
    let opts = Options {
        html: HtmlMode::Strip,
        ..Options::default()
    };
    let s = parse_line(line, &opts).unwrap();
    assert_eq!(tokens(&s), ["and", "(", "d", "¶1", ".", "AT&T"]);
    let t = s.token(3);
    assert_eq!(&line[t.span], "¶</a>1");
    assert_eq!(&line[s.token(5).span], "AT&amp;T");
    assert_eq!(entities(&s), vec![("ORG".to_string(), 5, 6)]);
}

#[test]
fn bracket_escapes_are_literal_in_every_mode() {
    for html in [HtmlMode::Keep, HtmlMode::Strip] {
        let opts = Options {
            html,
            ..Options::default()
        };
        let s = parse_line("[PER a &#91;1&#93; ] &#91;LOC x &#93;", &opts).unwrap();
        assert_eq!(tokens(&s), ["a", "[1]", "[LOC", "x", "]"]);
        assert_eq!(entities(&s), vec![("PER".to_string(), 0, 2)]);
    }
}

#[test]
fn reader_handles_bom_crlf_and_missing_final_newline() {
    let text = "\u{feff}[PER A  ] b\r\n\r\n  \r\nc [LOC D ]";
    let mut reader = Reader::new(text.as_bytes(), Options::default());
    let mut s = Sentence::new();
    assert!(reader.read_sentence(&mut s).unwrap());
    assert!(s.is_document_start());
    assert_eq!(tokens(&s), ["A", "b"]);
    assert_eq!(&text[s.token(0).span], "A");
    assert_eq!(s.line(), 1);
    assert!(reader.read_sentence(&mut s).unwrap());
    assert!(!s.is_document_start());
    assert_eq!(tokens(&s), ["c", "D"]);
    assert_eq!(&text[s.token(1).span], "D");
    assert_eq!(s.line(), 4);
    assert!(!reader.read_sentence(&mut s).unwrap());
}

#[test]
fn char_offsets() {
    let text = "“x” ’s\n[PER Ü ] é";
    let opts = Options {
        offsets: OffsetUnit::Chars,
        ..Options::default()
    };
    let mut reader = Reader::new(text.as_bytes(), opts);
    let mut s = Sentence::new();
    let chars: Vec<char> = text.chars().collect();
    let mut seen = Vec::new();
    while reader.read_sentence(&mut s).unwrap() {
        for t in s.tokens() {
            let got: String = chars[t.span.range()].iter().collect();
            assert_eq!(got, t.text);
            seen.push(t.text.to_string());
        }
    }
    assert_eq!(seen, ["“x”", "’s", "Ü", "é"]);
}

#[test]
fn invalid_utf8_names_line_and_byte() {
    let mut bytes = b"ok line\nbad \xff here\n".to_vec();
    let mut reader = Reader::new(bytes.as_slice(), Options::default());
    let mut s = Sentence::new();
    assert!(reader.read_sentence(&mut s).unwrap());
    let e = reader.read_sentence(&mut s).unwrap_err();
    let pos = e.position().unwrap();
    assert_eq!((pos.line(), pos.column(), pos.byte()), (2, 5, 12));
    assert!(e.to_string().contains("UTF-8"));
    bytes.clear();
}

#[test]
fn auto_sentences_split_after_final_punctuation_outside_entities() {
    let opts = Options {
        sentences: SentenceMode::Auto,
        ..Options::default()
    };
    let mut reader = Reader::new("A b . [ORG Yahoo ! Inc ] c ? D\nE .\n".as_bytes(), opts);
    let mut s = Sentence::new();
    let mut got = Vec::new();
    while reader.read_sentence(&mut s).unwrap() {
        got.push((tokens(&s).join(" "), entities(&s)));
    }
    assert_eq!(got[0].0, "A b .");
    assert_eq!(got[1].0, "Yahoo ! Inc c ?");
    assert_eq!(got[1].1, vec![("ORG".to_string(), 0, 3)]);
    assert_eq!(got[2].0, "D");
    assert_eq!(got[3].0, "E .");
    assert_eq!(got.len(), 4);
}

#[test]
fn none_mode_makes_one_sequence_per_document() {
    let opts = Options {
        sentences: SentenceMode::None,
        ..Options::default()
    };
    let mut reader = Reader::new("[PER A ] b\n\nc [PER D ]\n".as_bytes(), opts);
    let mut s = Sentence::new();
    assert!(reader.read_sentence(&mut s).unwrap());
    assert_eq!(tokens(&s), ["A", "b", "c", "D"]);
    assert_eq!(
        entities(&s),
        vec![("PER".to_string(), 0, 1), ("PER".to_string(), 3, 4)]
    );
    assert!(!reader.read_sentence(&mut s).unwrap());
}

#[test]
fn unicode_tokenizer_keeps_entity_edges() {
    let opts = Options {
        tokenizer: Tokenizer::Unicode,
        ..Options::default()
    };
    let s = parse_line("in [LOC Urbana ]-[LOC Champaign ], said “x”.", &opts).unwrap();
    assert_eq!(
        tokens(&s),
        [
            "in",
            "Urbana",
            "-",
            "Champaign",
            ",",
            "said",
            "“",
            "x",
            "”",
            "."
        ]
    );
    assert_eq!(
        entities(&s),
        vec![("LOC".to_string(), 1, 2), ("LOC".to_string(), 3, 4)]
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Tokens and non-overlapping labelled token spans, as a tagger would
    /// produce them.
    fn tagged_sentence() -> impl Strategy<Value = (Vec<String>, Vec<(String, usize, usize)>)> {
        prop::collection::vec("[A-Za-z0-9.,:;!?’'“”é\\-]{1,6}", 1..16).prop_flat_map(|tokens| {
            let n = tokens.len();
            // Each token starts an entity of a label with some chance; the
            // entity runs for 1..3 tokens, cut short at the next one.
            let starts = prop::collection::vec(
                (
                    any::<bool>(),
                    1usize..4,
                    prop::sample::select(vec!["PER", "LOC", "ORG", "MISC", "WORK_OF_ART"]),
                ),
                n,
            );
            (Just(tokens), starts).prop_map(|(tokens, starts)| {
                let mut entities = Vec::new();
                let mut i = 0;
                while i < tokens.len() {
                    let (begin, len, label) = starts[i];
                    if begin {
                        let end = (i + len).min(tokens.len());
                        entities.push((label.to_string(), i, end));
                        i = end;
                    } else {
                        i += 1;
                    }
                }
                (tokens, entities)
            })
        })
    }

    fn render(tokens: &[String], entities: &[(String, usize, usize)], gaps: &[&str]) -> String {
        let mut out = String::new();
        let mut next = entities.iter().peekable();
        let gap = |i: usize| gaps[i % gaps.len()];
        let mut i = 0;
        while i < tokens.len() {
            if i > 0 {
                out.push_str(gap(i));
            }
            if let Some((label, s, e)) = next.peek().filter(|(_, s, _)| *s == i) {
                out.push('[');
                out.push_str(label);
                out.push_str(gap(i + 1));
                out.push_str(&tokens[*s..*e].join(gap(i + 2)));
                out.push_str(["  ", " ", ""][i % 3]);
                out.push(']');
                i = *e;
                next.next();
            } else {
                out.push_str(&tokens[i]);
                i += 1;
            }
        }
        out
    }

    proptest! {
        #[test]
        fn rendered_brackets_parse_back((tokens, entities) in tagged_sentence(), gaps in prop::sample::select(vec![vec![" "], vec!["  ", "\t"], vec![" ", "\t", "   "]])) {
            let line = render(&tokens, &entities, &gaps);
            let opts = Options { html: HtmlMode::Keep, ..Options::default() };
            let s = parse_line(&line, &opts).unwrap();
            prop_assert_eq!(super::tokens(&s), tokens.iter().map(String::as_str).collect::<Vec<_>>());
            prop_assert_eq!(super::entities(&s), entities);
            for t in s.tokens() {
                prop_assert_eq!(&line[t.span], t.text);
            }
        }
    }
}

thread_local! {
    /// Whether the whitespace tokenizer's tokens are found by the
    /// tokenizer itself instead of from the line's masks (see
    /// `by_tokenizer`).
    pub(super) static BY_TOKENIZER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

mod masks_equal_the_tokenizer {
    //! The line masks (`LineMasks`) find the whitespace tokenizer's
    //! tokens, and the brackets, as the tokenizer itself and a scan of
    //! each stretch between brackets do (the route before the masks).
    use super::*;
    use crate::sentence::OffsetUnit;
    use crate::tokenize::Tokenizer;
    use proptest::prelude::*;

    /// What a reader read: each sentence's tokens (text and span), its
    /// entities, the repairs, and the error it stopped at.
    type Read = (
        Vec<(Vec<(String, Span)>, Vec<(String, usize, usize)>)>,
        Vec<String>,
        Option<String>,
    );

    fn read_all(text: &str, opts: &Options, by_tokenizer: bool) -> Read {
        BY_TOKENIZER.with(|b| b.set(by_tokenizer));
        let mut reader = Reader::new(text.as_bytes(), opts.clone());
        let mut sentence = Sentence::new();
        let (mut sentences, mut repairs) = (Vec::new(), Vec::new());
        let error = loop {
            match reader.read_sentence(&mut sentence) {
                Ok(true) => sentences.push((
                    sentence
                        .tokens()
                        .map(|t| (t.text.to_string(), t.span))
                        .collect(),
                    entities(&sentence),
                )),
                Ok(false) => break None,
                Err(e) => break Some(e.to_string()),
            }
            repairs.extend(
                reader
                    .take_repairs()
                    .map(|r| format!("{} {}", r.pos, r.message)),
            );
        };
        repairs.extend(
            reader
                .take_repairs()
                .map(|r| format!("{} {}", r.pos, r.message)),
        );
        BY_TOKENIZER.with(|b| b.set(false));
        (sentences, repairs, error)
    }

    /// Bracket text with what the masks must get right: whitespace of
    /// every kind (ASCII, non-ASCII, runs of it), words across 64-byte
    /// words, brackets of every kind (entities, literal, nested, stray,
    /// escaped), markup and references, chars of two to four bytes.
    fn any_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            8 => "[a-z]{1,7}",
            4 => Just(" ".to_string()),
            1 => Just("  ".to_string()),
            1 => prop::sample::select(vec![
                "\t", "\u{a0}", "\u{2003}", "\u{3000}", "\u{1680}", "\u{85}", "\u{2028}",
                "\u{b}", "\u{c}", "\u{1}", "\u{1f}",
            ]).prop_map(String::from),
            2 => prop::sample::select(vec!["[PER ", "[LOC\t", "[person ", "[ORG-X ", "[PER"])
                .prop_map(String::from),
            2 => prop::sample::select(vec![" ]", "]", "  ]"]).prop_map(String::from),
            1 => prop::sample::select(vec![
                "[", "[1]", "[sic]", "&#91;", "&#93;", "&amp;", "&lsqb;", "<b>", "</a>", "<br>",
                "<a href='#x'>", "<!-- c -->", "<", "&",
            ]).prop_map(String::from),
            1 => prop::sample::select(vec!["é", "’", "€", "😀", "Pakistan’s", "\u{2002}x", "x\u{a0}"])
                .prop_map(String::from),
            1 => "[a-zA-Z]{40,90}",
        ];
        prop::collection::vec(prop::collection::vec(piece, 0..40), 1..4).prop_map(|lines| {
            lines
                .into_iter()
                .map(|l| l.concat())
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    fn any_options() -> impl Strategy<Value = Options> {
        (
            prop::sample::select(vec![HtmlMode::Auto, HtmlMode::Strip, HtmlMode::Keep]),
            any::<bool>(),
            prop::sample::select(vec![
                OffsetUnit::Bytes,
                OffsetUnit::Chars,
                OffsetUnit::Utf16,
            ]),
            prop::sample::select(vec![
                None,
                Some(vec!["PER", "LOC"]),
                Some(vec!["PER", "person"]),
            ]),
            prop::sample::select(vec![
                SentenceMode::Line,
                SentenceMode::Auto,
                SentenceMode::None,
            ]),
        )
            .prop_map(|(html, lenient, offsets, labels, sentences)| Options {
                tokenizer: Tokenizer::Whitespace,
                labels: labels.map(|l| l.into_iter().map(String::from).collect()),
                lenient,
                offsets,
                html,
                sentences,
                piece_bytes: None,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The same sentences (tokens, spans, entities), repairs and
        /// error, whether the whitespace tokenizer's tokens come from the
        /// masks or from the tokenizer.
        #[test]
        fn the_masks_read_what_the_tokenizer_reads(text in any_text(), opts in any_options()) {
            let masks = read_all(&text, &opts, false);
            let tokenizer = read_all(&text, &opts, true);
            prop_assert_eq!(masks, tokenizer);
        }
    }

    #[test]
    fn whitespace_across_words_and_at_their_edges() {
        // A non-ASCII space whose bytes straddle two 64-byte words, and
        // tokens that end on a word's last byte and start on its first.
        for at in 58..68 {
            for space in ["\u{a0}", "\u{2003}", " ", "\t"] {
                let text = format!("{}{space}[PER b ]{}\n", "a".repeat(at), "c".repeat(70));
                for html in [HtmlMode::Keep, HtmlMode::Strip] {
                    let opts = Options {
                        html,
                        ..Options::default()
                    };
                    assert_eq!(
                        read_all(&text, &opts, false),
                        read_all(&text, &opts, true),
                        "{text:?}"
                    );
                }
            }
        }
    }
}
