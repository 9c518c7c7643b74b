//! Writing the bracket format: `Ambassador [PER Ryan C. Crocker  ] , Reasons`.
//!
//! One sentence per line, tokens separated by one space, a blank line
//! between documents. Two styles of entity:
//!
//! - [`Style::TwoSpace`] (the default), the Illinois tagger's own:
//!   `[PER Ryan C. Crocker  ]`;
//! - [`Style::Tight`], CogComp 4.x's: `[PER Ryan C. Crocker]`.
//!
//! # Literal brackets
//!
//! A `[` or `]` inside a token is written as the character reference
//! `&#91;` or `&#93;`, which the bracket reader decodes back to the bracket
//! in every HTML mode and never reads as markup. So the tokens `[`, `]`,
//! `[sic]` and `[PER` survive a round trip, inside or outside an entity.
//!
//! Nothing else is escaped: an `&` is written as it is, so `&amp;` stays
//! the five characters `&amp;` when read back with `--html keep`, or with
//! the default `--html auto` on output that holds no markup (auto decodes
//! references only when it strips HTML). The one thing this rendering
//! cannot carry is a token that already holds the text of a bracket
//! reference (`&#91;`, `&#x5d;`, `&lsqb;` ...): the reader would decode it
//! to a bracket in every mode, so the writer refuses such a token with an
//! error instead of changing it silently. It also refuses empty tokens,
//! tokens holding whitespace, and labels holding whitespace or brackets.
//! A label outside the default pattern (`[A-Z][A-Z0-9_-]*`, see
//! [`super::is_default_label`]), such as WNUT-17's `person`, is written as
//! it is; the reader takes it back when it is in its label set.

use std::io::Write;

use crate::convert::{LabelCounts, SentenceWriter};
use crate::error::{Error, Result};
use crate::format::record::{Scratch, WORD_SLACK};
use crate::html::{decode_reference, is_bracket_reference};
use crate::sentence::{census, Sentence};
use crate::swar::eq_bytes;

/// How an entity is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Style {
    /// `[PER Ryan C. Crocker  ]`: two spaces before the closing bracket,
    /// as the Illinois NER tagger prints.
    #[default]
    TwoSpace,
    /// `[PER Ryan C. Crocker]`.
    Tight,
}

impl std::str::FromStr for Style {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Style, String> {
        match s.to_ascii_lowercase().as_str() {
            "two-space" | "twospace" | "illinois" | "default" => Ok(Style::TwoSpace),
            "tight" => Ok(Style::Tight),
            _ => Err(format!(
                "unknown bracket style \"{s}\" (expected two-space or tight)"
            )),
        }
    }
}

/// True when the bracket reader can take `label` for a label: by default
/// (see [`super::is_default_label`]) or with it in its label set (any
/// label without whitespace or brackets).
fn is_bracket_label(label: &str) -> bool {
    !label.is_empty() && !label.contains(|c: char| c.is_whitespace() || c == '[' || c == ']')
}

/// What a byte of a token is written as, when not as itself.
pub(super) fn bracket_escape(b: u8) -> Option<&'static [u8]> {
    match b {
        b'[' => Some(b"&#91;"),
        b']' => Some(b"&#93;"),
        _ => None,
    }
}

/// The bytes that make a token need more than a copy: those of a space
/// or below and those that are not ASCII (it may hold whitespace), a
/// bracket to escape, and an `&` that may start a bracket reference (see
/// [`Cursor::any_written`]). Most tokens are short ASCII words.
#[inline(always)]
fn needing_care(x: u64) -> u64 {
    use crate::swar::{eq_bytes, first_below_or_non_ascii};
    first_below_or_non_ascii(x, b' ' + 1)
        | eq_bytes(x, b'[')
        | eq_bytes(x, b']')
        | eq_bytes(x, b'&')
}

/// Checks token `index` of `sentence` (see [`Writer`]'s checks): the
/// route of the tokens that [`needing_care`] finds.
#[cold]
fn check_token(sentence: &Sentence, index: usize) -> Result<()> {
    crate::conll::check_token(sentence, index, "the bracket format")?;
    let text = sentence.token(index).text;
    if holds_bracket_reference(text) {
        return Err(Error::msg(format!(
            "sentence at line {}: token {} {text:?} holds a bracket reference, \
             which the bracket reader would decode to a bracket",
            sentence.line(),
            sentence.piece().first_token + index + 1
        )));
    }
    Ok(())
}

/// True when `token` holds the text of a character reference to a bracket
/// (`&#91;`, `&rsqb;` ...), which the writer refuses (the fused route to
/// bracket text hands such a line to the general route).
pub(super) fn holds_bracket_reference(token: &str) -> bool {
    token
        .match_indices('&')
        .any(|(at, _)| decode_reference(&token[at..]).is_some_and(|(c, _)| is_bracket_reference(c)))
}

/// The error of an entity whose `label` the bracket format cannot hold.
#[cold]
fn label_error(sentence: &Sentence, label: &str) -> Error {
    Error::msg(format!(
        "sentence at line {}: the label {label:?} cannot be written in the bracket format, \
         whose labels hold no whitespace or brackets",
        sentence.line(),
    ))
}

/// Writes sentences in the bracket format.
///
/// # Example
/// ```
/// use nerkit::bracket::{parse_line, writer::{Style, Writer}};
/// use nerkit::convert::{LabelCounts, SentenceWriter};
///
/// let sentence = parse_line("[PER Ryan C. Crocker] said &#91; 1 &#93;", &Default::default())?;
/// let mut out = Vec::new();
/// let mut writer = Writer::new(&mut out, Style::TwoSpace);
/// writer.write_sentence(&sentence, &mut LabelCounts::new())?;
/// drop(writer);
/// assert_eq!(String::from_utf8(out).unwrap(), "[PER Ryan C. Crocker  ] said &#91; 1 &#93;\n");
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Writer<W: Write> {
    out: W,
    style: Style,
    documents: u64,
    /// One sentence's line, written with one call.
    buf: Scratch,
}

impl<W: Write> Writer<W> {
    /// A writer to `out` (wrap files in a `BufWriter`).
    pub fn new(out: W, style: Style) -> Writer<W> {
        Writer {
            out,
            style,
            documents: 0,
            buf: Scratch::default(),
        }
    }
}

impl<W: Write> Writer<W> {
    /// How entities are written.
    pub fn style(&self) -> Style {
        self.style
    }

    /// What the writer writes to, for the fused route from bracket text
    /// (see `bracket::Reader::copy_to_bracket`).
    pub(crate) fn out_mut(&mut self) -> &mut W {
        &mut self.out
    }
}

impl<W: Write> SentenceWriter for Writer<W> {
    fn start_document(&mut self) -> Result<()> {
        if self.documents > 0 {
            self.out.write_all(b"\n")?;
        }
        self.documents += 1;
        Ok(())
    }

    fn write_sentence(&mut self, sentence: &Sentence, written: &mut LabelCounts) -> Result<()> {
        // Every token is checked before a label, and nothing is written or
        // counted for a sentence that fails: the line is built whole, then
        // written with one call.
        let bad_label = sentence.entities().find(|e| !is_bracket_label(e.label));
        // Room for every token with each byte escaped (`&#91;`), a space
        // before it, and every entity's brackets.
        let bytes: usize = sentence.token_bytes().map(<[u8]>::len).sum();
        let labels: usize = sentence.entities().map(|e| e.label.len()).sum();
        let room =
            5 * bytes + sentence.len() + labels + 5 * sentence.entity_count() + 8 + WORD_SLACK;
        let style = self.style;
        // A piece that continues a sentence goes on its line; the line ends
        // with the sentence's last piece.
        let piece = sentence.piece();
        let buf = &mut self.buf;
        buf.clear();
        let closed = buf.with_cursor(room, |buf| {
            let mut entities = sentence.entities().peekable();
            let mut open = false;
            let mut closed = 0;
            let n = sentence.len();
            // The tokens a run at a time (see `Sentence::spaced_run`): most
            // of a bracket line's tokens lie in its buffer as they are
            // written here, so a run of them is copied and looked at once.
            let mut i = 0;
            while i < n {
                if i > 0 || piece.continues {
                    buf.put_byte(b' ');
                }
                // A run stops where the next entity opens or closes.
                let mut limit = n;
                if let Some(e) = entities.peek() {
                    if e.tokens.start() == i {
                        buf.put_byte(b'[');
                        buf.put_slice(e.label.as_bytes());
                        buf.put_byte(b' ');
                        open = true;
                    }
                    let next = if open {
                        e.tokens.end()
                    } else {
                        e.tokens.start()
                    };
                    if next > i {
                        limit = next;
                    }
                }
                let (end, run) = sentence.spaced_run(i, limit);
                // Copied, then looked at: most runs need no more.
                let from = buf.position();
                buf.put_slice(run.as_bytes());
                let census = census(run.as_bytes(), |x| {
                    eq_bytes(x, b'[') | eq_bytes(x, b']') | eq_bytes(x, b'&')
                });
                if census.special || !census.without_whitespace(run, end - i) {
                    buf.rewind(from);
                    for j in i..end {
                        if j > i {
                            buf.put_byte(b' ');
                        }
                        let token = sentence.token_bytes_at(j);
                        let at = buf.position();
                        buf.put_slice(token);
                        if token.is_empty() || buf.any_written(at, needing_care) {
                            buf.rewind(at);
                            check_token(sentence, j)?;
                            buf.put_escaped_bytes(token, bracket_escape);
                        }
                    }
                }
                i = end;
                if let Some(e) = entities.peek() {
                    if open && e.tokens.end() == i {
                        match style {
                            Style::TwoSpace => buf.put(b"  ]"),
                            Style::Tight => buf.put_byte(b']'),
                        }
                        closed += 1;
                        open = false;
                        entities.next();
                    }
                }
            }
            if !piece.continued {
                buf.put_byte(b'\n');
            }
            Ok::<usize, Error>(closed)
        })?;
        if let Some(e) = bad_label {
            return Err(label_error(sentence, e.label));
        }
        // The entities closed are the first ones, in order.
        for e in sentence.entities().take(closed) {
            written.add(e.label, 1);
        }
        self.out.write_all(buf.as_bytes())?;
        Ok(())
    }

    fn writes_pieces(&self) -> bool {
        true
    }

    fn finish(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bracket::{parse_line, Options};
    use crate::html::HtmlMode;
    use crate::span::{Span, TokenSpan};

    fn render(s: &Sentence, style: Style) -> Result<String> {
        let mut out = Vec::new();
        let mut written = LabelCounts::new();
        Writer::new(&mut out, style).write_sentence(s, &mut written)?;
        assert_eq!(written.total() as usize, s.entity_count());
        Ok(String::from_utf8(out).unwrap())
    }

    fn sentence(tokens: &[&str], entities: &[(&str, usize, usize)]) -> Sentence {
        let mut s = Sentence::new();
        for t in tokens {
            s.push_token(t, Span::default());
        }
        for (l, a, b) in entities {
            s.push_entity(l, TokenSpan::new(*a, *b));
        }
        s
    }

    /// The writer before it built lines in a buffer (a `write_all` per
    /// token, every token checked first): what the fast writer is proven
    /// equal to.
    fn reference_write(
        out: &mut Vec<u8>,
        style: Style,
        sentence: &Sentence,
        written: &mut LabelCounts,
    ) -> Result<()> {
        for i in 0..sentence.len() {
            crate::conll::check_token(sentence, i, "the bracket format")?;
            let text = sentence.token(i).text;
            for (at, _) in text.match_indices('&') {
                if decode_reference(&text[at..]).is_some_and(|(c, _)| is_bracket_reference(c)) {
                    return Err(Error::msg(format!(
                        "sentence at line {}: token {} {text:?} holds a bracket reference, \
                         which the bracket reader would decode to a bracket",
                        sentence.line(),
                        i + 1
                    )));
                }
            }
        }
        for e in sentence.entities() {
            if !is_bracket_label(e.label) {
                return Err(Error::msg(format!(
                    "sentence at line {}: the label {:?} cannot be written in the bracket format, \
                     whose labels hold no whitespace or brackets",
                    sentence.line(),
                    e.label
                )));
            }
        }
        let mut entities = sentence.entities().peekable();
        let mut open = false;
        for (i, token) in sentence.tokens().enumerate() {
            if i > 0 {
                out.write_all(b" ")?;
            }
            if let Some(e) = entities.peek() {
                if e.tokens.start() == i {
                    write!(out, "[{} ", e.label)?;
                    open = true;
                }
            }
            let mut from = 0;
            for (k, b) in token.text.bytes().enumerate() {
                let escape: &[u8] = match b {
                    b'[' => b"&#91;",
                    b']' => b"&#93;",
                    _ => continue,
                };
                out.write_all(&token.text.as_bytes()[from..k])?;
                out.write_all(escape)?;
                from = k + 1;
            }
            out.write_all(&token.text.as_bytes()[from..])?;
            if let Some(e) = entities.peek() {
                if open && e.tokens.end() == i + 1 {
                    out.write_all(match style {
                        Style::TwoSpace => b"  ]",
                        Style::Tight => b"]",
                    })?;
                    written.add(e.label, 1);
                    open = false;
                    entities.next();
                }
            }
        }
        out.write_all(b"\n")?;
        Ok(())
    }

    fn any_token() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            6 => "[a-zA-Z0-9.,()-]{1,20}",
            1 => prop::sample::select(vec![
                "[", "]", "[sic]", "&", "&amp;", "&#91;", "&#x5d;", "&lsqb;x", "a&#93", "&#38;",
                "x&y;", "", "a b", "a\u{a0}b", "\u{2003}", "é", "Pakistan’s", "\t", "a\u{1}b",
                "😀[", "&&#91;", "[PER", "0123456789abcdef[", "0123456789abcdefé",
            ])
            .prop_map(String::from),
            1 => proptest::collection::vec(
                prop::sample::select(vec!['a', '[', ']', '&', '#', ';', '9', '1', 'é', ' ']),
                1..30,
            )
            .prop_map(|c| c.into_iter().collect()),
        ]
    }

    /// Tokens, and entities as (first token, length, label): most in
    /// order and apart, now and then anywhere.
    fn any_sentence() -> impl proptest::strategy::Strategy<Value = Sentence> {
        use proptest::prelude::*;
        let label = prop::sample::select(vec![
            "PER",
            "LOC",
            "creative-work",
            "é",
            "per son",
            "X]",
            "[Y",
            "",
            "A\u{2003}",
        ]);
        (
            proptest::collection::vec(any_token(), 1..12),
            proptest::collection::vec((0..12usize, 1..4usize, label), 0..5),
            any::<bool>(),
            1..1000u64,
            prop::option::of(prop::collection::vec(
                crate::sentence::spaced::spacing(),
                13,
            )),
        )
            .prop_map(|(tokens, mut entities, anywhere, line, spaced)| {
                let n = tokens.len();
                entities.retain(|(start, len, _)| start + len <= n);
                if !anywhere {
                    entities.sort();
                    let mut next = 0;
                    entities.retain(|(start, len, _)| {
                        let keep = *start >= next;
                        if keep {
                            next = start + len;
                        }
                        keep
                    });
                }
                let mut s = Sentence::new();
                match &spaced {
                    Some(spacing) => crate::sentence::spaced::push(&mut s, &tokens, spacing),
                    None => {
                        for t in &tokens {
                            s.push_token(t, Span::default());
                        }
                    }
                }
                for (start, len, label) in entities {
                    s.push_entity(label, TokenSpan::new(start, start + len));
                }
                s.set_line(line);
                s
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// The writer writes the bytes, counts the entities and refuses
        /// the sentences that the writer before it did, with the same
        /// errors.
        #[test]
        fn lines_are_written_as_the_reference_writes_them(
            sentences in proptest::collection::vec(any_sentence(), 1..4),
            tight in proptest::prelude::any::<bool>(),
        ) {
            let style = if tight { Style::Tight } else { Style::TwoSpace };
            let mut ours = Vec::new();
            let mut writer = Writer::new(&mut ours, style);
            let (mut ours_written, mut want_written) = (LabelCounts::new(), LabelCounts::new());
            let mut want = Vec::new();
            for s in &sentences {
                let got = writer.write_sentence(s, &mut ours_written).map_err(|e| e.to_string());
                let mut line = Vec::new();
                let expected = reference_write(&mut line, style, s, &mut want_written)
                    .map_err(|e| e.to_string());
                if expected.is_ok() {
                    want.extend_from_slice(&line);
                }
                proptest::prop_assert_eq!(got, expected);
            }
            drop(writer);
            proptest::prop_assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(want).unwrap());
            proptest::prop_assert_eq!(ours_written, want_written);
        }
    }

    #[test]
    fn literal_brackets_and_references_round_trip() {
        let tokens = [
            "[", "]", "[PER", "a]b", "&amp;", "&", "&#", "x&y;", "<b>", "&#38;",
        ];
        let s = sentence(&tokens, &[("PER", 0, 3), ("LOC", 4, 6)]);
        for style in [Style::TwoSpace, Style::Tight] {
            let line = render(&s, style).unwrap();
            for html in [HtmlMode::Keep, HtmlMode::Auto] {
                if html == HtmlMode::Auto && line.contains('<') {
                    continue;
                }
                let opts = Options {
                    html,
                    ..Options::default()
                };
                let back = parse_line(line.trim_end(), &opts).unwrap();
                let got: Vec<&str> = back.tokens().map(|t| t.text).collect();
                assert_eq!(got, tokens, "{line}");
                let e: Vec<_> = back.entities().map(|e| (e.label, e.tokens)).collect();
                let want: Vec<_> = s.entities().map(|e| (e.label, e.tokens)).collect();
                assert_eq!(e, want, "{line}");
            }
        }
    }

    #[test]
    fn styles() {
        let s = sentence(&["Ryan", "Crocker", "said"], &[("PER", 0, 2)]);
        assert_eq!(
            render(&s, Style::TwoSpace).unwrap(),
            "[PER Ryan Crocker  ] said\n"
        );
        assert_eq!(
            render(&s, Style::Tight).unwrap(),
            "[PER Ryan Crocker] said\n"
        );
    }

    #[test]
    fn refuses_what_it_cannot_write() {
        for (tokens, entities, what) in [
            (&["&#91;"][..], &[][..], "bracket reference"),
            (&["&lsqb;x"][..], &[][..], "bracket reference"),
            (&["a b"][..], &[][..], "whitespace"),
            (&[""][..], &[][..], "empty"),
            (&["a"][..], &[("per son", 0, 1)][..], "label"),
            (&["a"][..], &[("X]", 0, 1)][..], "label"),
        ] {
            let s = sentence(tokens, entities);
            let e = render(&s, Style::TwoSpace).unwrap_err();
            assert!(e.to_string().contains(what), "{e}");
        }
    }

    #[test]
    fn labels_outside_the_default_pattern_read_back_with_a_label_set() {
        let s = sentence(&["Rick", "and", "Morty"], &[("creative-work", 0, 3)]);
        let text = render(&s, Style::TwoSpace).unwrap();
        assert_eq!(text, "[creative-work Rick and Morty  ]\n");
        let mut opts = Options::default();
        let plain = parse_line(text.trim_end(), &opts).unwrap();
        assert_eq!(plain.entity_count(), 0);
        opts.labels = Some(vec!["creative-work".into(), "PER".into()]);
        let back = parse_line(text.trim_end(), &opts).unwrap();
        assert_eq!(back.entity(0).label, "creative-work");
        assert_eq!(back.len(), 3);
        // A default-pattern label outside the set is still an error.
        assert!(parse_line("[LOC Paris ]", &opts).is_err());
        // A set's label that is a prefix of a longer word is not an opener.
        let text = parse_line("[creative-works x ]", &opts).unwrap();
        assert_eq!(text.entity_count(), 0);
    }
}
