//! Annotated text for people to look at: the entities of sentences
//! coloured on a terminal (ANSI) or in an HTML page like displaCy's, and a
//! diff of two annotations of the same tokens (gold above, predicted
//! below, the entities that differ marked).
//!
//! Writers take one sentence at a time, so any input streams through in
//! bounded memory; only the colour of each type is remembered
//! ([`Palette`]). Corpus strings are escaped for the medium: control
//! characters never reach a terminal (a corpus cannot move the cursor or
//! recolour the screen) and markup never reaches a page unescaped.
//!
//! # Example
//!
//! ```
//! use nerkit::show::{write_text, Palette};
//! use nerkit::{Sentence, Span, TokenSpan};
//!
//! let mut s = Sentence::new();
//! for t in ["Ambassador", "Ryan", "Crocker", "spoke"] {
//!     s.push_token(t, Span::new(0, 0));
//! }
//! s.push_entity("PER", TokenSpan::new(1, 3));
//! let mut out = Vec::new();
//! write_text(&mut out, &s, None, &mut Palette::default(), false)?;
//! assert_eq!(String::from_utf8(out).unwrap(), "Ambassador [PER Ryan Crocker] spoke\n");
//! # Ok::<(), std::io::Error>(())
//! ```

use std::collections::HashMap;
use std::io::{self, Write};

use crate::html_report::escape;
use crate::{Entity, Sentence};

/// The colour of each entity type, given in order of first sight.
#[derive(Clone, Debug, Default)]
pub struct Palette {
    index: HashMap<String, usize>,
    order: Vec<String>,
}

/// Background colours of the 256-colour terminal palette, light enough for
/// black text.
const ANSI_BG: [u8; 12] = [117, 222, 150, 218, 183, 228, 115, 216, 187, 225, 153, 180];

impl Palette {
    /// The colour index (0 to 11, then round again) of `label`.
    pub fn colour(&mut self, label: &str) -> usize {
        if let Some(&i) = self.index.get(label) {
            return i;
        }
        let i = self.order.len();
        self.index.insert(label.to_owned(), i);
        self.order.push(label.to_owned());
        i
    }

    /// The types seen so far, in order of first sight.
    pub fn labels(&self) -> &[String] {
        &self.order
    }
}

/// Whether `e` is an entity of `other` too (same type and tokens).
fn in_other(e: &Entity<'_>, other: Option<&Sentence>) -> bool {
    other.is_none_or(|o| o.entities().any(|x| x == *e))
}

/// The separator written after token `k`: the input's whitespace when
/// the reader kept it, else one space; nothing after the last token.
fn gap(s: &Sentence, k: usize) -> &str {
    if k + 1 == s.len() {
        ""
    } else if s.has_gaps() {
        match s.gap_after(k) {
            Some(g) if !g.is_empty() => g,
            _ => "",
        }
    } else {
        " "
    }
}

/// Renders `s` as one piece of text: tokens with their entities marked,
/// calling `open`/`close` around each entity (the flag says it differs
/// from `other`) and `text` for every piece of corpus text.
fn render<F, G, H>(s: &Sentence, other: Option<&Sentence>, mut text: F, mut open: G, mut close: H)
where
    F: FnMut(&str),
    G: FnMut(&Entity<'_>, bool),
    H: FnMut(&Entity<'_>, bool),
{
    let mut k = 0;
    let mut entities = s.entities().peekable();
    while k < s.len() {
        // Readers push entities in token order and never overlapping.
        while entities.peek().is_some_and(|e| e.tokens.end() <= k) {
            entities.next();
        }
        match entities.peek().copied() {
            Some(e) if e.tokens.start() == k && !e.tokens.is_empty() => {
                let differs = !in_other(&e, other);
                open(&e, differs);
                let end = e.tokens.end().min(s.len());
                for j in k..end {
                    text(s.token(j).text);
                    if j + 1 < end {
                        text(gap(s, j));
                    }
                }
                close(&e, differs);
                text(gap(s, end - 1));
                k = end;
                entities.next();
            }
            _ => {
                text(s.token(k).text);
                text(gap(s, k));
                k += 1;
            }
        }
    }
}

/// Writes `s` as one line of text, entities in `[TYPE ...]` brackets, or
/// coloured by type when `colour` is set (ANSI 256-colour backgrounds).
/// With `other` (the other side of a diff), the entities not in `other`
/// are marked: underlined in colour, `*` after the type without.
///
/// # Errors
/// Write errors.
pub fn write_text(
    w: &mut dyn Write,
    s: &Sentence,
    other: Option<&Sentence>,
    palette: &mut Palette,
    colour: bool,
) -> io::Result<()> {
    let mut out = String::new();
    let pal = std::cell::RefCell::new(palette);
    let buf = std::cell::RefCell::new(&mut out);
    render(
        s,
        other,
        |t| escape::terminal(&mut buf.borrow_mut(), t),
        |e, differs| {
            let mut b = buf.borrow_mut();
            if colour {
                let c = pal.borrow_mut().colour(e.label);
                b.push_str(&format!("\x1b[30;48;5;{}m", ANSI_BG[c % ANSI_BG.len()]));
                if differs {
                    b.push_str("\x1b[4m");
                }
            } else {
                b.push('[');
                escape::terminal(&mut b, e.label);
                b.push_str(if differs { "* " } else { " " });
            }
        },
        |e, differs| {
            let mut b = buf.borrow_mut();
            if colour {
                b.push_str(" \x1b[1m");
                escape::terminal(&mut b, e.label);
                if differs {
                    b.push('*');
                }
                b.push_str("\x1b[0m");
            } else {
                b.push(']');
            }
        },
    );
    out.push('\n');
    w.write_all(out.as_bytes())
}

/// Writes a diff of two annotations of the same tokens: a sentence whose
/// entities agree as one line (`  ` before it), else a line naming the
/// sentence, then gold (`- `) and predicted (`+ `) with the differing
/// entities marked (see [`write_text`]).
///
/// # Errors
/// Write errors.
pub fn write_text_diff(
    w: &mut dyn Write,
    number: u64,
    gold: &Sentence,
    pred: &Sentence,
    palette: &mut Palette,
    colour: bool,
) -> io::Result<()> {
    if same_entities(gold, pred) {
        w.write_all(b"  ")?;
        return write_text(w, gold, None, palette, colour);
    }
    let (minus, plus, dim, reset) = if colour {
        (
            "\x1b[31m-\x1b[0m ",
            "\x1b[32m+\x1b[0m ",
            "\x1b[2m",
            "\x1b[0m",
        )
    } else {
        ("- ", "+ ", "", "")
    };
    writeln!(w, "{dim}@ sentence {number}, line {}{reset}", gold.line())?;
    w.write_all(minus.as_bytes())?;
    write_text(w, gold, Some(pred), palette, colour)?;
    w.write_all(plus.as_bytes())?;
    write_text(w, pred, Some(gold), palette, colour)
}

/// Whether two sentences have the same entities (types and tokens).
pub fn same_entities(a: &Sentence, b: &Sentence) -> bool {
    a.entity_count() == b.entity_count() && a.entities().all(|e| in_other(&e, Some(b)))
}

const PAGE_CSS: &str = "body{font:16px/2.3 system-ui,sans-serif;max-width:980px;margin:0 auto;padding:16px 24px;color:#1d2330}\
h1{font-size:20px;line-height:1.4}.muted{color:#5b6475;font-size:13px;line-height:1.4}\
p.s{margin:0 0 10px}div.d{border-left:3px solid #b3261e;padding-left:10px;margin:0 0 14px}div.d p{margin:0}\
div.d b.side{display:inline-block;width:44px;font-size:11px;color:#5b6475;font-weight:600}\
mark.e{border-radius:5px;padding:3px 6px;margin:0 2px;line-height:1;color:#000}\
mark.e small{font-size:10px;font-weight:700;margin-left:6px;text-transform:uppercase;vertical-align:middle}\
mark.bad{outline:2px dashed #b3261e;outline-offset:1px}hr{border:0;border-top:1px solid #d9dde5}\
.c0{background:#aee2f5}.c1{background:#f9d58b}.c2{background:#b7e4a8}.c3{background:#f5b8c4}.c4{background:#d5c3f2}.c5{background:#fbe38e}\
.c6{background:#a8dcd1}.c7{background:#f7c6a3}.c8{background:#c9d6a3}.c9{background:#e5c1e6}.c10{background:#b9c8f0}.c11{background:#e0d4b8}";

/// Writes annotated sentences as one HTML page like displaCy's entity
/// view: [`HtmlPage::new`] writes the head, [`HtmlPage::sentence`] and
/// [`HtmlPage::diff`] a sentence each, [`HtmlPage::finish`] the legend and
/// the end. The page has no script, and its Content-Security-Policy
/// forbids scripts and network access.
pub struct HtmlPage<W: Write> {
    w: W,
    palette: Palette,
    buf: String,
    diffs: u64,
    sentences: u64,
}

impl<W: Write> HtmlPage<W> {
    /// Starts a page titled `title`, with `about` (for example the files
    /// shown) under the heading.
    ///
    /// # Errors
    /// Write errors.
    pub fn new(mut w: W, title: &str, about: &str) -> io::Result<HtmlPage<W>> {
        write!(
            w,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
             <meta name=\"generator\" content=\"nerkit {}\"><title>{}</title><style>{}</style></head><body>\n\
             <h1>{}</h1><p class=\"muted\">{}</p>\n<main>\n",
            env!("CARGO_PKG_VERSION"),
            escape::html_string(title),
            PAGE_CSS,
            escape::html_string(title),
            escape::html_string(about)
        )?;
        Ok(HtmlPage {
            w,
            palette: Palette::default(),
            buf: String::new(),
            diffs: 0,
            sentences: 0,
        })
    }

    fn html_of(&mut self, s: &Sentence, other: Option<&Sentence>) {
        let buf = std::cell::RefCell::new(&mut self.buf);
        let pal = std::cell::RefCell::new(&mut self.palette);
        render(
            s,
            other,
            |t| escape::html(&mut buf.borrow_mut(), t),
            |e, differs| {
                let c = pal.borrow_mut().colour(e.label) % 12;
                let mut b = buf.borrow_mut();
                b.push_str(&format!(
                    "<mark class=\"e c{c}{}\" title=\"",
                    if differs { " bad" } else { "" }
                ));
                escape::html(&mut b, e.label);
                b.push_str(if differs { " (differs)\">" } else { "\">" });
            },
            |e, _| {
                let mut b = buf.borrow_mut();
                b.push_str("<small>");
                escape::html(&mut b, e.label);
                b.push_str("</small></mark>");
            },
        );
    }

    fn document_rule(&mut self, s: &Sentence) {
        if s.is_document_start() && self.sentences > 0 {
            self.buf.push_str("<hr>\n");
        }
        self.sentences += 1;
    }

    /// Writes one sentence with its entities highlighted.
    ///
    /// # Errors
    /// Write errors.
    pub fn sentence(&mut self, s: &Sentence) -> io::Result<()> {
        self.buf.clear();
        self.document_rule(s);
        self.buf.push_str("<p class=\"s\">");
        self.html_of(s, None);
        self.buf.push_str("</p>\n");
        self.w.write_all(self.buf.as_bytes())
    }

    /// Writes two annotations of one sentence: once when their entities
    /// agree, else gold above and predicted below with the differing
    /// entities outlined.
    ///
    /// # Errors
    /// Write errors.
    pub fn diff(&mut self, number: u64, gold: &Sentence, pred: &Sentence) -> io::Result<()> {
        if same_entities(gold, pred) {
            return self.sentence(gold);
        }
        self.buf.clear();
        self.document_rule(gold);
        self.diffs += 1;
        self.buf.push_str(&format!(
            "<div class=\"d\" data-sentence=\"{number}\"><p class=\"g\"><b class=\"side\">gold</b>"
        ));
        self.html_of(gold, Some(pred));
        self.buf
            .push_str("</p><p class=\"p\"><b class=\"side\">pred</b>");
        self.html_of(pred, Some(gold));
        self.buf.push_str("</p></div>\n");
        self.w.write_all(self.buf.as_bytes())
    }

    /// Writes the legend and the end of the page and returns the writer.
    ///
    /// # Errors
    /// Write errors.
    pub fn finish(mut self) -> io::Result<W> {
        self.buf.clear();
        self.buf.push_str("</main>\n<footer><p class=\"muted\">");
        self.buf.push_str(&format!("{} sentences", self.sentences));
        if self.diffs > 0 {
            self.buf.push_str(&format!(
                ", {} with differences (outlined: an entity the other side does not have)",
                self.diffs
            ));
        }
        self.buf.push_str(". Types: ");
        for (i, l) in self.palette.labels().iter().enumerate() {
            self.buf
                .push_str(&format!("<mark class=\"e c{}\">", i % 12));
            escape::html(&mut self.buf, l);
            self.buf.push_str("</mark> ");
        }
        self.buf.push_str("</p></footer>\n</body></html>\n");
        self.w.write_all(self.buf.as_bytes())?;
        self.w.flush()?;
        Ok(self.w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Span, TokenSpan};

    fn sentence(tokens: &[&str], entities: &[(&str, usize, usize)]) -> Sentence {
        let mut s = Sentence::new();
        for t in tokens {
            s.push_token(t, Span::new(0, 0));
        }
        for &(l, a, b) in entities {
            s.push_entity(l, TokenSpan::new(a, b));
        }
        s
    }

    fn text(s: &Sentence, other: Option<&Sentence>, colour: bool) -> String {
        let mut out = Vec::new();
        write_text(&mut out, s, other, &mut Palette::default(), colour).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn brackets_without_colour() {
        let s = sentence(&["a", "b", "c", "d"], &[("X", 0, 1), ("Y", 2, 4)]);
        assert_eq!(text(&s, None, false), "[X a] b [Y c d]\n");
    }

    #[test]
    fn ansi_colours_and_no_control_characters_from_the_corpus() {
        let s = sentence(&["\u{1b}[2J", "b"], &[("X\u{1b}", 1, 2)]);
        let t = text(&s, None, true);
        assert!(
            t.contains("\x1b[30;48;5;117mb \x1b[1mX\u{FFFD}\x1b[0m"),
            "{t:?}"
        );
        assert!(!t.contains("\x1b[2J"));
    }

    #[test]
    fn differing_entities_are_marked() {
        let g = sentence(&["a", "b", "c"], &[("X", 0, 1), ("Y", 1, 3)]);
        let p = sentence(&["a", "b", "c"], &[("X", 0, 1), ("Y", 2, 3)]);
        let mut out = Vec::new();
        write_text_diff(&mut out, 1, &g, &p, &mut Palette::default(), false).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "@ sentence 1, line 0\n- [X a] [Y* b c]\n+ [X a] b [Y* c]\n"
        );
        let mut out = Vec::new();
        write_text_diff(&mut out, 2, &g, &g, &mut Palette::default(), false).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "  [X a] [Y b c]\n");
    }

    #[test]
    fn html_escapes_tokens_and_types() {
        let s = sentence(
            &[
                "<script>alert(1)</script>",
                "\"><img src=x onerror=alert(1)>",
            ],
            &[("<b>", 1, 2)],
        );
        let mut page = HtmlPage::new(Vec::new(), "t", "a").unwrap();
        page.sentence(&s).unwrap();
        let html = String::from_utf8(page.finish().unwrap()).unwrap();
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(
            html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;<small>&lt;b&gt;</small>")
        );
        assert!(!html.contains("<script>") && !html.contains("<img"));
    }
}
