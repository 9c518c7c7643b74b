//! What the readers and writers of tag formats (CoNLL, JSON lines) share:
//! tagging a sentence and counting what a reader of the tags would find
//! ([`Tagger`]), decoding tags into entities ([`TagDecoder`]), and
//! detecting the scheme from the start of an input ([`SchemeDetector`],
//! read and then replayed so that memory stays bounded).

use std::io::{BufRead, Chain, Cursor, Read};

use crate::convert::LabelCounts;
use crate::error::{Error, Hint, ParseErrorKind, Result};
use crate::repair::{Repair, RepairKind};
use crate::scheme::{self, Prefix, Tag, TagScheme, TagStyle};
use crate::sentence::{Entity, Sentence};
use crate::span::Position;

/// Reads whole lines from `input` until at least [`DETECT_BYTES`] are read
/// or the input ends, for scheme detection; the error, if any, is returned
/// beside what was read so that the caller can still replay it.
///
/// The reader's buffer is copied a block at a time, not a line at a time
/// (`read_until` per line cost about 45 instructions a byte of the
/// prefix); the bytes taken are those a `read_until` per line would take:
/// up to the first line end at or past [`DETECT_BYTES`].
fn read_detection_prefix<R: BufRead>(input: &mut R) -> (Vec<u8>, Result<()>) {
    let mut prefix = Vec::new();
    loop {
        let chunk = match input.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return (prefix, Err(e.into())),
        };
        if chunk.is_empty() {
            break;
        }
        // A line end at `DETECT_BYTES - 1` or later ends the prefix.
        let from = (DETECT_BYTES - 1).saturating_sub(prefix.len());
        let end = chunk
            .get(from..)
            .and_then(|rest| memchr::memchr(b'\n', rest))
            .map(|i| from + i + 1);
        let take = end.unwrap_or(chunk.len());
        prefix.extend_from_slice(&chunk[..take]);
        input.consume(take);
        if end.is_some() {
            break;
        }
    }
    (prefix, Ok(()))
}

/// The input a reader reads from: bytes put back in front of the rest.
pub(crate) type Replayed<R> = Chain<Cursor<Vec<u8>>, R>;

/// Reads the detection prefix ([`read_detection_prefix`]) from the front of
/// `input` and puts it back: the input to read from now, the length of the
/// prefix at its front, and the read error, if any.
pub(crate) fn replay_detection_prefix<R: BufRead>(
    mut input: Replayed<R>,
) -> (Replayed<R>, usize, Result<()>) {
    let (mut prefix, result) = read_detection_prefix(&mut input);
    let (mut cursor, inner) = input.into_inner();
    // Bytes the cursor still holds come after the prefix (none in practice:
    // detection runs before anything else is read).
    let pos = cursor.position() as usize;
    let len = prefix.len();
    prefix.extend_from_slice(&cursor.get_mut()[pos..]);
    (Cursor::new(prefix).chain(inner), len, result)
}

/// Reuses the allocation of an empty vector for elements of another
/// lifetime: the standard library collects in place when the element
/// layouts match, so no memory is allocated.
pub(crate) fn recycle<'b, T: 'b, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().map(|_| unreachable!()).collect()
}

/// Tags a sentence in `scheme` and counts the entities a reader of the
/// tags would find (decoding strictly in the same scheme), reusing buffers.
#[derive(Debug, Default)]
pub(crate) struct Tagger {
    tags: Vec<Tag<'static>>,
    #[cfg(debug_assertions)]
    decoded: Vec<Entity<'static>>,
    entities: Vec<Entity<'static>>,
    #[cfg(debug_assertions)]
    ill_formed: Vec<scheme::IllFormed<'static>>,
}

impl Tagger {
    /// Encodes `sentence`, hands the tags to `write`, and adds the entities
    /// the tags hold to `written`.
    pub(crate) fn with_tags<F>(
        &mut self,
        scheme: TagScheme,
        sentence: &Sentence,
        written: &mut LabelCounts,
        write: F,
    ) -> Result<()>
    where
        F: FnOnce(&[Tag<'_>]) -> Result<()>,
    {
        let mut entities: Vec<Entity<'_>> = recycle(std::mem::take(&mut self.entities));
        entities.extend(sentence.entities());
        let mut tags: Vec<Tag<'_>> = recycle(std::mem::take(&mut self.tags));
        let encoded = scheme::encode(scheme, sentence.len(), &entities, &mut tags);
        let result = match encoded {
            Err(e) => Err(Error::msg(format!(
                "sentence at line {}: cannot encode its entities in {scheme}: {}",
                sentence.line(),
                e.reason
            ))),
            Ok(()) => write(&tags).map(|()| {
                count_written(scheme, &entities, written);
                #[cfg(debug_assertions)]
                self.check_written(scheme, &tags, &entities);
            }),
        };
        self.tags = recycle(tags);
        self.entities = recycle(entities);
        result
    }
}

impl Tagger {
    /// Debug builds (and so every test) decode the tags again and check that
    /// [`count_written`] counted exactly what a reader finds.
    #[cfg(debug_assertions)]
    fn check_written(&mut self, scheme: TagScheme, tags: &[Tag<'_>], entities: &[Entity<'_>]) {
        let mut decoded: Vec<Entity<'_>> = recycle(std::mem::take(&mut self.decoded));
        let mut ill: Vec<scheme::IllFormed<'_>> = recycle(std::mem::take(&mut self.ill_formed));
        scheme::decode_strict(scheme, tags, &mut decoded, &mut ill)
            .expect("encoded tags are allowed by their scheme");
        let (mut found, mut counted) = (LabelCounts::new(), LabelCounts::new());
        for e in &decoded {
            found.add(e.label, 1);
        }
        count_written(scheme, entities, &mut counted);
        assert_eq!(
            found, counted,
            "written-entity count disagrees with a decode"
        );
        assert!(ill.is_empty(), "encoded tags are ill-formed: {ill:?}");
        self.decoded = recycle(decoded);
        self.ill_formed = recycle(ill);
    }
}

/// Adds to `written` the entities a reader finds in the tags `entities`
/// encode to. Decoding gives back exactly the encoded entities in every
/// scheme (a property test of [`scheme`] shows it) except IO, where an
/// entity that directly follows one of the same type merges into it; so
/// the count needs the entities only, not a decode of every token.
fn count_written(scheme: TagScheme, entities: &[Entity<'_>], written: &mut LabelCounts) {
    let mut previous: Option<&Entity<'_>> = None;
    for e in entities {
        let merges = scheme == TagScheme::Io
            && previous.is_some_and(|p| p.tokens.end() == e.tokens.start() && p.label == e.label);
        if !merges {
            written.add(e.label, 1);
        }
        previous = Some(e);
    }
}

/// How many bytes of input the scheme detection looks at, at most (whole
/// lines; the line that crosses this limit is read to its end).
pub const DETECT_BYTES: usize = 1 << 20;

/// Watches tag sequences and decides which scheme wrote them.
///
/// The rule, applied to every sentence seen:
///
/// - `U-` or `L-` anywhere: BILOU.
/// - `S-` anywhere, or both `B-` and `E-`: IOBES.
/// - `E-` without `B-`: IOE1 when some entity ends on an `I-` (IOE2
///   always closes with `E-`), else IOE2.
/// - `B-`/`I-` only: IOB1 when some `I-` opens an entity (at the sentence
///   start, after `O` or after another type) and every `B-` follows a
///   token of its own type; else IOB2.
/// - No entity at all: IOB2.
#[derive(Clone, Debug, Default)]
pub struct SchemeDetector {
    seen: u8,
    inside_opens: bool,
    begin_after_other: bool,
    inside_closes: bool,
}

const SEEN_B: u8 = 1;
const SEEN_E: u8 = 2;
const SEEN_S: u8 = 4;
const SEEN_LU: u8 = 8;

impl SchemeDetector {
    /// A detector that has seen nothing.
    pub fn new() -> SchemeDetector {
        SchemeDetector::default()
    }

    /// Looks at the tags of one sentence.
    pub fn observe(&mut self, tags: &[Tag<'_>]) {
        for (i, tag) in tags.iter().enumerate() {
            let prev = i.checked_sub(1).map(|p| tags[p]);
            let next = tags.get(i + 1);
            let same_before = prev.is_some_and(|p| !p.is_outside() && p.label == tag.label);
            let same_after = next.is_some_and(|n| !n.is_outside() && n.label == tag.label);
            match tag.prefix {
                Prefix::Outside => {}
                Prefix::Begin => {
                    self.seen |= SEEN_B;
                    if !same_before {
                        self.begin_after_other = true;
                    }
                }
                Prefix::Inside => {
                    if !same_before {
                        self.inside_opens = true;
                    }
                    if !same_after {
                        self.inside_closes = true;
                    }
                }
                Prefix::End => self.seen |= SEEN_E,
                Prefix::Single => self.seen |= SEEN_S,
                Prefix::Last | Prefix::Unit => self.seen |= SEEN_LU,
            }
        }
    }

    /// The scheme the tags seen so far were most likely written in.
    pub fn scheme(&self) -> TagScheme {
        let has = |bit| self.seen & bit != 0;
        if has(SEEN_LU) {
            TagScheme::Bilou
        } else if has(SEEN_S) || (has(SEEN_B) && has(SEEN_E)) {
            TagScheme::Iobes
        } else if has(SEEN_E) {
            if self.inside_closes {
                TagScheme::Ioe1
            } else {
                TagScheme::Ioe2
            }
        } else if self.inside_opens && !self.begin_after_other {
            TagScheme::Iob1
        } else {
            TagScheme::Iob2
        }
    }
}

/// The error for a tag that is not a tag of `style`, with the hints that
/// fit its shape: another style, or a CoNLL-U MISC column.
#[cold]
fn invalid_tag(pos: Position, style: TagStyle, text: &str, reason: String) -> Error {
    // `_` is CoNLL-U's empty MISC column.
    let misc = text.contains('=') || text == "_";
    let mut reason = reason;
    if misc {
        reason.push_str("; it looks like a column of KEY=VALUE members (CoNLL-U's MISC)");
    }
    let mut e = Error::parse(
        pos,
        ParseErrorKind::InvalidTag {
            tag: text.to_string(),
            reason,
        },
    );
    if misc {
        e = e.with_hint(Hint::NameTheMiscKey);
    } else if scheme::tag_style_of(text).is_some_and(|s| s != style) || style != TagStyle::Prefix {
        e = e.with_hint(Hint::NameTheTagStyle);
    }
    e
}

/// Parses and decodes the tags of one sentence in a scheme, strictly or
/// leniently, reusing its buffers; shared by the readers of tag formats.
#[derive(Debug, Default)]
pub(crate) struct TagDecoder {
    tags: Vec<Tag<'static>>,
    entities: Vec<Entity<'static>>,
    ill_formed: Vec<scheme::IllFormed<'static>>,
}

impl TagDecoder {
    /// Decodes `tags` (one per token of `sentence`) and pushes the entities
    /// to `sentence`. `pos_of(i)` is where tag `i` is, for messages.
    ///
    /// Strict: an invalid tag, a prefix the scheme does not write, or an
    /// ill-formed chunk is an error at the first such tag. Lenient: an
    /// invalid tag reads as `O` and every ill-formed chunk is kept as
    /// conlleval.pl reads it; each is recorded as a repair.
    // Each argument is one thing a reader knows; a struct of them would be
    // built and taken apart at each of the two call sites.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn decode<'t>(
        &mut self,
        scheme: TagScheme,
        style: TagStyle,
        lenient: bool,
        tag_texts: impl Iterator<Item = &'t str>,
        sentence: &mut Sentence,
        pos_of: &mut dyn FnMut(usize) -> Position,
        repairs: &mut Vec<Repair>,
    ) -> Result<()> {
        let mut tags: Vec<Tag<'t>> = recycle(std::mem::take(&mut self.tags));
        let mut entities: Vec<Entity<'t>> = recycle(std::mem::take(&mut self.entities));
        let mut ill: Vec<scheme::IllFormed<'t>> = recycle(std::mem::take(&mut self.ill_formed));
        let result = (|| {
            for (i, text) in tag_texts.enumerate() {
                match Tag::parse_in(style, text) {
                    Ok(t) => tags.push(t),
                    Err(e) if lenient => {
                        repairs.push(Repair::new(
                            pos_of(i),
                            RepairKind::InvalidTag,
                            format!("{}; read as O", e.reason),
                        ));
                        tags.push(Tag::OUTSIDE);
                    }
                    Err(e) => return Err(invalid_tag(pos_of(i), style, text, e.reason)),
                }
            }
            if lenient {
                scheme::decode_lenient_in(scheme, &tags, &mut entities, &mut ill);
                for chunk in &ill {
                    repairs.push(Repair::new(
                        pos_of(chunk.tokens.start()),
                        RepairKind::IllFormed(chunk.kind),
                        format!(
                            "ill-formed {scheme}: {}; read as one {} entity over {} token{}",
                            chunk.kind.describe(),
                            chunk.label,
                            chunk.tokens.len(),
                            if chunk.tokens.len() == 1 { "" } else { "s" }
                        ),
                    ));
                }
            } else {
                if let Err(e) = scheme::decode_strict(scheme, &tags, &mut entities, &mut ill) {
                    let tag = tags[e.index].to_string();
                    return Err(Error::parse(
                        pos_of(e.index),
                        ParseErrorKind::InvalidTag {
                            tag,
                            reason: format!("not a tag of the {scheme} scheme"),
                        },
                    )
                    .with_hint(Hint::NameTheScheme));
                }
                if let Some(chunk) = ill.first() {
                    let shown: Vec<String> = tags
                        [chunk.tokens.start().saturating_sub(1)..chunk.tokens.end()]
                        .iter()
                        .map(|t| t.to_string())
                        .collect();
                    return Err(Error::parse(
                        pos_of(chunk.tokens.start()),
                        ParseErrorKind::IllFormed {
                            message: format!(
                                "ill-formed {scheme} tags \"{}\": {}",
                                shown.join(" "),
                                chunk.kind.describe()
                            ),
                        },
                    )
                    .with_hint(Hint::ReadLeniently)
                    .with_hint(Hint::NameTheScheme));
                }
            }
            for e in &entities {
                sentence.push_entity(e.label, e.tokens);
            }
            Ok(())
        })();
        self.tags = recycle(tags);
        self.entities = recycle(entities);
        self.ill_formed = recycle(ill);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The prefix as a `read_until` per line takes it.
    fn by_lines(text: &[u8]) -> Vec<u8> {
        let mut input = text;
        let mut prefix = Vec::new();
        while prefix.len() < DETECT_BYTES {
            if input.read_until(b'\n', &mut prefix).unwrap() == 0 {
                break;
            }
        }
        prefix
    }

    /// The block-at-a-time prefix ends where the line-at-a-time one does:
    /// line ends just before, at and after `DETECT_BYTES`, an input that
    /// ends without one, through buffers of several sizes.
    #[test]
    fn the_detection_prefix_ends_at_the_same_line_end() {
        for shift in [0usize, 1, 2, 9] {
            for line in [1usize, 2, 7, 5000] {
                let mut text = vec![b'a'; DETECT_BYTES + 3 * line];
                let mut i = line - 1 + shift;
                while i < text.len() {
                    text[i] = b'\n';
                    i += line;
                }
                for cut in [text.len(), DETECT_BYTES + 1, DETECT_BYTES - 1, 10] {
                    let text = &text[..cut];
                    for capacity in [3, 8192, 1 << 16] {
                        let mut input = std::io::BufReader::with_capacity(capacity, text);
                        let (prefix, result) = read_detection_prefix(&mut input);
                        assert!(result.is_ok());
                        assert_eq!(
                            prefix,
                            by_lines(text),
                            "shift {shift} line {line} cut {cut} capacity {capacity}"
                        );
                    }
                }
            }
        }
    }
}
