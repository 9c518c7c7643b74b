//! Writing jsonl.

use std::io::Write;

use std::collections::HashMap;

use crate::convert::{LabelCounts, SentenceWriter};
use crate::error::{Error, ParseErrorKind, Result};
use crate::scheme::tagging::Tagger;
use crate::scheme::{Tag, TagScheme, TagStyle};
use crate::sentence::{OffsetUnit, Sentence};
use crate::span::Position;

/// Writes sentences as JSON lines: the tokens, their tags in a scheme
/// (or their class numbers, [`Writer::with_label_names`]), the text the
/// tokens are in and each token's offsets in that text.
///
/// The text is the original when the reader recorded the whitespace
/// between tokens ([`Sentence::has_gaps`]: spans input), and otherwise the
/// tokens joined by single spaces; either way `text[start..end]` is the
/// token. Offsets count bytes unless [`Writer::with_offsets`] says
/// otherwise.
///
/// # Example
/// ```
/// use nerkit::bracket::parse_line;
/// use nerkit::convert::{LabelCounts, SentenceWriter};
/// use nerkit::jsonl::Writer;
/// use nerkit::TagScheme;
///
/// let sentence = parse_line("[LOC Paris ] is big", &Default::default())?;
/// let mut out = Vec::new();
/// let mut writer = Writer::new(&mut out, TagScheme::Iob2);
/// writer.write_sentence(&sentence, &mut LabelCounts::new())?;
/// drop(writer);
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     r#"{"tokens":["Paris","is","big"],"tags":["B-LOC","O","O"],"text":"Paris is big","offsets":[[0,5],[6,8],[9,12]]}"#.to_string() + "\n"
/// );
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Writer<W: Write> {
    out: W,
    scheme: TagScheme,
    style: TagStyle,
    unit: OffsetUnit,
    /// Class numbers by tag, when tags are written as numbers.
    classes: Option<HashMap<String, usize>>,
    tagger: Tagger,
    /// One sentence's line, written with one call.
    buf: Vec<u8>,
    /// The text of the sentence and where each token starts in it.
    text: String,
    starts: Vec<usize>,
    /// One tag as written, to look its class up.
    tag: Vec<u8>,
    /// The text member's content and the offsets' pairs, written in the
    /// same pass over the tokens as the tokens.
    text_json: Vec<u8>,
    offsets_json: Vec<u8>,
}

impl<W: Write> Writer<W> {
    /// A writer of `scheme` tags to `out`.
    pub fn new(out: W, scheme: TagScheme) -> Writer<W> {
        Writer {
            out,
            scheme,
            style: TagStyle::Prefix,
            unit: OffsetUnit::Bytes,
            classes: None,
            tagger: Tagger::default(),
            buf: Vec::new(),
            text: String::new(),
            starts: Vec::new(),
            tag: Vec::new(),
            text_json: Vec::new(),
            offsets_json: Vec::new(),
        }
    }

    /// Write tags in `style` (`B-PER` by default); the `none` style writes
    /// IO tags whatever the scheme.
    pub fn with_tag_style(mut self, style: TagStyle) -> Writer<W> {
        self.style = style;
        self
    }

    /// Count offsets in `unit` (bytes by default; chars are Python's `str`
    /// indices).
    pub fn with_offsets(mut self, unit: OffsetUnit) -> Writer<W> {
        self.unit = unit;
        self
    }

    /// Write `"ner_tags"` as class numbers, each tag's index in `names`, as
    /// Hugging Face `datasets` stores a `Sequence(ClassLabel(names=...))`,
    /// instead of `"tags"` as strings; `None` writes strings. A tag that is
    /// not among the names is an error.
    pub fn with_label_names(mut self, names: Option<Vec<String>>) -> Writer<W> {
        self.classes = names.map(|names| {
            let mut classes = HashMap::with_capacity(names.len());
            for (k, name) in names.into_iter().enumerate() {
                // The first of two equal names is the class.
                classes.entry(name).or_insert(k);
            }
            classes
        });
        self
    }
}

/// What the CoNLL reader's fast route needs to write records straight
/// from its input block (`conll::Reader`'s `copy_fast_to_jsonl`).
impl<W: Write> Writer<W> {
    /// True when tags are written as strings in the prefix style, the
    /// records the fast route writes.
    pub(crate) fn writes_lines_fast(&self) -> bool {
        self.classes.is_none() && self.style == TagStyle::Prefix
    }

    /// The scheme of the tags written.
    pub(crate) fn effective_scheme(&self) -> TagScheme {
        self.style.only_scheme().unwrap_or(self.scheme)
    }

    /// The tag style written.
    pub(crate) fn tag_style(&self) -> TagStyle {
        self.style
    }

    /// The output.
    pub(crate) fn out_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Appends to `buf` the record [`SentenceWriter::write_sentence`]
    /// writes for a sentence of `tokens` without recorded whitespace,
    /// tagged `tags` (in [`Writer::effective_scheme`]); only when
    /// [`Writer::writes_lines_fast`].
    pub(crate) fn push_tokens<'t>(
        &mut self,
        buf: &mut Vec<u8>,
        tokens: impl Iterator<Item = &'t str>,
        tags: &[Tag<'_>],
    ) {
        debug_assert!(self.writes_lines_fast());
        let (text_json, offsets_json) = (&mut self.text_json, &mut self.offsets_json);
        push_tokens(buf, text_json, offsets_json, self.unit, false, tokens);
        buf.extend_from_slice(b"],\"tags\":[");
        for (i, &tag) in tags.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            push_tag(buf, self.style, tag);
        }
        push_tail(buf, text_json, offsets_json);
    }
}

impl<W: Write> SentenceWriter for Writer<W> {
    fn write_sentence(&mut self, sentence: &Sentence, written: &mut LabelCounts) -> Result<()> {
        // JSON holds any label; only the tag style may not.
        if let Some(why) = sentence
            .entities()
            .find_map(|e| crate::scheme::label_fault(self.style, e.label))
        {
            return Err(Error::parse(
                Position::new(sentence.line(), 1, 0),
                ParseErrorKind::Other(why),
            ));
        }
        let out = &mut self.out;
        let buf = &mut self.buf;
        let style = self.style;
        let classes = self.classes.as_ref();
        let one = &mut self.tag;
        let (text, starts) = (&mut self.text, &mut self.starts);
        // With the whitespace between tokens recorded, the text is that of
        // the source; without it, the tokens joined by single spaces, which
        // is written straight from the tokens (JSON escapes char by char,
        // so the escaped join is the join of the escaped tokens).
        let gaps = sentence.has_gaps();
        if gaps {
            sentence.source_text(text, starts);
        }
        let unit = self.unit;
        let scheme = style.only_scheme().unwrap_or(self.scheme);
        let (text_json, offsets_json) = (&mut self.text_json, &mut self.offsets_json);
        self.tagger.with_tags(scheme, sentence, written, |tags| {
            buf.clear();
            push_tokens(
                buf,
                text_json,
                offsets_json,
                unit,
                gaps,
                sentence.tokens().map(|t| t.text),
            );
            buf.extend_from_slice(match classes {
                Some(_) => b"],\"ner_tags\":[",
                None => b"],\"tags\":[",
            });
            let mut number = itoa::Buffer::new();
            for (i, tag) in tags.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                if let Some(classes) = classes {
                    one.clear();
                    tag.push_styled(style, one);
                    let name = std::str::from_utf8(one).expect("tags are text");
                    let Some(&k) = classes.get(name) else {
                        return Err(Error::parse(
                            Position::new(sentence.line(), 1, 0),
                            ParseErrorKind::Other(format!(
                                "the tag {name} of token {} is not among the {} class \
                                     names to write",
                                i + 1,
                                classes.len()
                            )),
                        ));
                    };
                    buf.extend_from_slice(number.format(k).as_bytes());
                } else {
                    push_tag(buf, style, *tag);
                }
            }
            if gaps {
                buf.extend_from_slice(b"],\"text\":");
                push_json_string(buf, text);
                // Offsets in `unit`, counted on from the previous token.
                let (mut byte, mut at) = (0, 0);
                for (i, (token, &start)) in sentence.token_bytes().zip(starts.iter()).enumerate() {
                    at += unit.len_of(&text[byte..start]);
                    let end = at + unit.len_of(&text[start..start + token.len()]);
                    push_offsets(offsets_json, i, at, end);
                    byte = start + token.len();
                    at = end;
                }
                buf.extend_from_slice(b",\"offsets\":[");
                buf.extend_from_slice(offsets_json);
                buf.extend_from_slice(b"]}\n");
            } else {
                push_tail(buf, text_json, offsets_json);
            }
            out.write_all(buf)?;
            Ok(())
        })
    }

    fn finish(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

/// Appends `{"tokens":[...]` to `buf`; without recorded whitespace
/// (`gaps` false) also fills `text_json` with the text member's content
/// (the tokens joined by spaces, escaped) and `offsets_json` with the
/// offsets' pairs in `unit`, in the same pass.
fn push_tokens<'t>(
    buf: &mut Vec<u8>,
    text_json: &mut Vec<u8>,
    offsets_json: &mut Vec<u8>,
    unit: OffsetUnit,
    gaps: bool,
    tokens: impl Iterator<Item = &'t str>,
) {
    buf.extend_from_slice(b"{\"tokens\":[");
    text_json.clear();
    offsets_json.clear();
    let mut at = 0;
    for (i, token) in tokens.enumerate() {
        if i > 0 {
            buf.push(b',');
            if !gaps {
                text_json.push(b' ');
            }
        }
        buf.push(b'"');
        if needs_escape(token.as_bytes()) {
            let from = buf.len();
            push_escaped(buf, token);
            if !gaps {
                text_json.extend_from_slice(&buf[from..]);
            }
        } else {
            buf.extend_from_slice(token.as_bytes());
            if !gaps {
                text_json.extend_from_slice(token.as_bytes());
            }
        }
        buf.push(b'"');
        if !gaps {
            // One space, one unit of any kind, between tokens.
            let end = at + unit.len_of(token);
            push_offsets(offsets_json, i, at, end);
            at = end + 1;
        }
    }
}

/// Appends `tag` in `style` as a JSON string.
#[inline]
fn push_tag(buf: &mut Vec<u8>, style: TagStyle, tag: Tag<'_>) {
    if style == TagStyle::Prefix {
        // Copies of fixed size around the label: most tags are `O`.
        if tag.is_outside() {
            buf.extend_from_slice(b"\"O\"");
            return;
        }
        if !needs_escape(tag.label.as_bytes()) {
            buf.extend_from_slice(&[b'"', tag.prefix.letter() as u8, b'-']);
            buf.extend_from_slice(tag.label.as_bytes());
            buf.push(b'"');
            return;
        }
    }
    push_json_string(buf, &tag.to_styled(style));
}

/// Appends the end of a record after its tags, for a sentence without
/// recorded whitespace: the text and the offsets [`push_tokens`] made.
fn push_tail(buf: &mut Vec<u8>, text_json: &[u8], offsets_json: &[u8]) {
    buf.extend_from_slice(b"],\"text\":\"");
    buf.extend_from_slice(text_json);
    buf.extend_from_slice(b"\",\"offsets\":[");
    buf.extend_from_slice(offsets_json);
    buf.extend_from_slice(b"]}\n");
}

/// Appends token `i`'s `[start,end]` pair, after a comma unless first.
#[inline(always)]
fn push_offsets(buf: &mut Vec<u8>, i: usize, start: usize, end: usize) {
    buf.extend_from_slice(if i > 0 { b",[" } else { b"[" });
    push_number(buf, start);
    buf.push(b',');
    push_number(buf, end);
    buf.push(b']');
}

/// The two digits of every number below 100.
static PAIRS: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut n = 0;
    while n < 100 {
        t[n] = [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        n += 1;
    }
    t
};

/// Appends `n` in decimal: numbers below 10,000 (most offsets in a
/// sentence) as copies of fixed size from a table of digit pairs, others
/// by itoa.
#[inline(always)]
fn push_number(buf: &mut Vec<u8>, n: usize) {
    match n {
        0..=9 => buf.push(b'0' + n as u8),
        10..=99 => buf.extend_from_slice(&PAIRS[n]),
        100..=999 => {
            let [a, b] = PAIRS[n / 10];
            buf.extend_from_slice(&[a, b, b'0' + (n % 10) as u8]);
        }
        1000..=9999 => {
            let ([a, b], [c, d]) = (PAIRS[n / 100], PAIRS[n % 100]);
            buf.extend_from_slice(&[a, b, c, d]);
        }
        _ => buf.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
    }
}

/// Whether `s` holds a byte a JSON string must escape: `"`, `\` or a
/// control character. Eight bytes at a time; a tail of fewer is read as
/// two overlapping loads (a byte read twice changes nothing about
/// whether there is one), padded with a plain byte.
#[inline]
fn needs_escape(s: &[u8]) -> bool {
    use crate::swar::{eq_bytes, lt_bytes};
    let special = |x: u64| eq_bytes(x, b'"') | eq_bytes(x, b'\\') | lt_bytes(x, 0x20) != 0;
    let mut chunks = s.chunks_exact(8);
    for chunk in &mut chunks {
        if special(u64::from_le_bytes(chunk.try_into().expect("eight bytes"))) {
            return true;
        }
    }
    let tail = chunks.remainder();
    let n = tail.len();
    let x = match n {
        0 => return false,
        1 => u64::from(tail[0]),
        2 | 3 => {
            let a = u16::from_le_bytes([tail[0], tail[1]]);
            let b = u16::from_le_bytes([tail[n - 2], tail[n - 1]]);
            u64::from(a) | (u64::from(b) << 16)
        }
        _ => {
            let a = u32::from_le_bytes(tail[..4].try_into().expect("four bytes"));
            let b = u32::from_le_bytes(tail[n - 4..].try_into().expect("four bytes"));
            u64::from(a) | (u64::from(b) << 32)
        }
    };
    // The bytes not loaded are `a`s.
    let filled = match n {
        1 => 0x6161_6161_6161_6100,
        2 | 3 => 0x6161_6161_0000_0000,
        _ => 0,
    };
    special(x | filled)
}

/// Appends `s` as a JSON string.
pub(crate) fn push_json_string(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    push_json_content(buf, s);
    buf.push(b'"');
}

/// Appends `s` escaped as inside a JSON string, as serde_json escapes it:
/// runs without a byte to escape are copied as they are.
#[inline]
fn push_json_content(buf: &mut Vec<u8>, s: &str) {
    if needs_escape(s.as_bytes()) {
        push_escaped(buf, s);
    } else {
        buf.extend_from_slice(s.as_bytes());
    }
}

/// Appends `s` escaped as serde_json escapes it: `\"`, `\\`, the short
/// escapes of backspace, form feed, line feed, carriage return and tab,
/// and `\u00XX` (lower-case hex) for the other control characters.
fn push_escaped(buf: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    let mut run = 0;
    for (i, &c) in b.iter().enumerate() {
        let escape: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => {
                buf.extend_from_slice(&b[run..i]);
                const HEX: &[u8; 16] = b"0123456789abcdef";
                buf.extend_from_slice(b"\\u00");
                buf.push(HEX[usize::from(c >> 4)]);
                buf.push(HEX[usize::from(c & 0xf)]);
                run = i + 1;
                continue;
            }
            _ => continue,
        };
        buf.extend_from_slice(&b[run..i]);
        buf.extend_from_slice(escape);
        run = i + 1;
    }
    buf.extend_from_slice(&b[run..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                4 => prop::char::range('a', 'z'),
                1 => prop::char::range('\u{0}', '\u{7f}'),
                1 => Just('"'),
                1 => Just('\\'),
                1 => Just('é'),
                1 => Just('😀'),
                1 => Just('\u{2028}'),
            ],
            0..40,
        )
        .prop_map(|c| c.into_iter().collect())
    }

    /// A record as serde_json writes it, members in the writer's order.
    #[derive(serde::Serialize)]
    struct Record<'a> {
        tokens: &'a [String],
        tags: Vec<String>,
        text: String,
        offsets: Vec<(usize, usize)>,
    }

    /// Tokens, and entities as (first token, length, label), not
    /// overlapping.
    fn sentence() -> impl Strategy<Value = (Vec<String>, Vec<(usize, usize, String)>)> {
        prop::collection::vec(any_text(), 1..8).prop_flat_map(|tokens| {
            let n = tokens.len();
            let label = prop::sample::select(vec!["PER", "A\"B", "x\\y", "é", "L\u{1}", "O"]);
            (
                Just(tokens),
                prop::collection::vec((0..n, 1..3usize, label), 0..3).prop_map(move |mut e| {
                    e.sort();
                    let mut next = 0;
                    e.retain(|(start, len, _)| {
                        let keep = *start >= next && start + len <= n;
                        if keep {
                            next = start + len;
                        }
                        keep
                    });
                    e.into_iter()
                        .map(|(s, l, label)| (s, l, label.to_string()))
                        .collect()
                }),
            )
        })
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in (0..20_000).chain([99_999, 100_000, usize::MAX]) {
            let mut buf = Vec::new();
            push_number(&mut buf, n);
            assert_eq!(buf, n.to_string().as_bytes());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// A whole record is written byte for byte as serde_json writes the
        /// same tokens, IOB2 tags, text (the tokens joined by spaces) and
        /// offsets, in bytes and in chars.
        #[test]
        fn records_are_written_as_serde_json_writes_them(
            (tokens, entities) in sentence(),
            chars in any::<bool>(),
            gaps in prop::option::of(prop::collection::vec(
                prop::sample::select(vec![" ", "", "\n", "\t\u{a0}", "  \r\n"]),
                9,
            )),
        ) {
            // With gaps recorded (spans input), the text is the source's:
            // the leading whitespace, then each token and the gap after it.
            let mut sentence = Sentence::new();
            let mut text = String::new();
            if let Some(g) = &gaps {
                sentence.set_leading(g[8]);
                text.push_str(g[8]);
            }
            let mut starts = Vec::new();
            for (i, t) in tokens.iter().enumerate() {
                if gaps.is_none() && i > 0 {
                    text.push(' ');
                }
                starts.push(text.len());
                sentence.push_token(t, crate::span::Span::new(text.len(), text.len() + t.len()));
                text.push_str(t);
                if let Some(g) = &gaps {
                    sentence.push_gap(g[i]);
                    text.push_str(g[i]);
                }
            }
            let mut tags = vec!["O".to_string(); tokens.len()];
            for (start, len, label) in &entities {
                sentence.push_entity(label, crate::span::TokenSpan::new(*start, start + len));
                for (k, tag) in tags[*start..start + len].iter_mut().enumerate() {
                    *tag = format!("{}-{label}", if k == 0 { 'B' } else { 'I' });
                }
            }
            let unit = if chars { OffsetUnit::Chars } else { OffsetUnit::Bytes };
            let offsets = tokens
                .iter()
                .zip(&starts)
                .map(|(t, &byte)| {
                    let start = unit.len_of(&text[..byte]);
                    (start, start + unit.len_of(t))
                })
                .collect();
            let want = serde_json::to_string(&Record { tokens: &tokens, tags, text, offsets })
                .unwrap() + "\n";
            let mut out = Vec::new();
            let mut writer = Writer::new(&mut out, TagScheme::Iob2).with_offsets(unit);
            writer.write_sentence(&sentence, &mut LabelCounts::new()).unwrap();
            drop(writer);
            prop_assert_eq!(String::from_utf8(out).unwrap(), want);
        }

        /// Strings are written byte for byte as serde_json writes them,
        /// and the scan finds a byte to escape wherever there is one.
        #[test]
        fn strings_are_written_as_serde_json_writes_them(s in any_text()) {
            let mut ours = Vec::new();
            push_json_string(&mut ours, &s);
            prop_assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(&s).unwrap()
            );
            let slow = s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20);
            prop_assert_eq!(needs_escape(s.as_bytes()), slow);
        }
    }
}
