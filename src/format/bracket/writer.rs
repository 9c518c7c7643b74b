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
use crate::html::{decode_reference, is_bracket_reference};
use crate::sentence::Sentence;

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

/// Writes `token` with its brackets escaped.
fn write_token(out: &mut impl Write, token: &str) -> std::io::Result<()> {
    let mut from = 0;
    for (i, b) in token.bytes().enumerate() {
        let escape: &[u8] = match b {
            b'[' => b"&#91;",
            b']' => b"&#93;",
            _ => continue,
        };
        out.write_all(&token.as_bytes()[from..i])?;
        out.write_all(escape)?;
        from = i + 1;
    }
    out.write_all(&token.as_bytes()[from..])
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
}

impl<W: Write> Writer<W> {
    /// A writer to `out` (wrap files in a `BufWriter`).
    pub fn new(out: W, style: Style) -> Writer<W> {
        Writer {
            out,
            style,
            documents: 0,
        }
    }

    fn check(sentence: &Sentence) -> Result<()> {
        for i in 0..sentence.len() {
            crate::conll::check_token(sentence, i, "the bracket format")?;
            let text = sentence.token(i).text;
            for (at, _) in text.match_indices('&') {
                if decode_reference(&text[at..]).is_some_and(|(c, _)| is_bracket_reference(c)) {
                    return Err(Error::msg(format!(
                        "sentence at line {}: token {} {text:?} holds a bracket reference, \
                         which the bracket reader would decode to a bracket",
                        sentence.line(),
                        sentence.piece().first_token + i + 1
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
        Ok(())
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
        Self::check(sentence)?;
        let out = &mut self.out;
        let mut entities = sentence.entities().peekable();
        let mut open = false;
        // A piece that continues a sentence goes on its line.
        let continues = sentence.piece().continues;
        for (i, token) in sentence.tokens().enumerate() {
            if i > 0 || continues {
                out.write_all(b" ")?;
            }
            if let Some(e) = entities.peek() {
                if e.tokens.start() == i {
                    write!(out, "[{} ", e.label)?;
                    open = true;
                }
            }
            write_token(out, token.text)?;
            if let Some(e) = entities.peek() {
                if open && e.tokens.end() == i + 1 {
                    out.write_all(match self.style {
                        Style::TwoSpace => b"  ]",
                        Style::Tight => b"]",
                    })?;
                    written.add(e.label, 1);
                    open = false;
                    entities.next();
                }
            }
        }
        if !sentence.piece().continued {
            out.write_all(b"\n")?;
        }
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
