//! Tag schemes: entities to tags and tags back to entities.
//!
//! Every example below tags the same sentence, which has two adjacent
//! entities of the same type so that the schemes can be told apart:
//!
//! ```text
//! Alex   Smith  John   Lee    met  in  New    York
//! PER[0,2)      PER[2,4)               LOC[6,8)
//! ```
//!
//! # Decoding
//!
//! All decoders cut the tags into the same *chunks*: maximal runs of
//! non-`O` tokens of one type, split before every `B-`, `S-` and `U-` and
//! after every `E-`, `S-`, `L-` and `U-`. They differ only in what they do
//! with a chunk that the scheme would never write:
//!
//! - [`decode_strict`] drops it, as seqeval's strict mode does, and reports
//!   it as [`IllFormed`];
//! - [`decode_lenient_in`] and [`decode_lenient`] keep it as an entity, as
//!   conlleval.pl does, and report it as a repair.
//!
//! On B/I/O tags and on E/I/O tags these chunks are exactly conlleval.pl's
//! chunks. They differ from conlleval.pl only where it is known to be wrong:
//! it merges adjacent same-type IOBES/BILOU entities (`S-PER S-PER`,
//! `E-PER B-PER`) because it recognises `S-`, `L-` and `U-` only through a
//! change of type. On B/I/E/S/O tags they are the entities of seqeval's
//! default (conlleval-compatible) mode.

mod style;
pub(crate) mod tagging;

pub(crate) use style::label_fault;
pub use style::{tag_style_of, StyleDetector, TagStyle};

use std::fmt;
use std::str::FromStr;

use crate::sentence::Entity;
use crate::span::TokenSpan;

/// A tag scheme (IOB2 and friends).
///
/// Each variant shows the tags of `Alex Smith John Lee met in New York`
/// with the entities PER `Alex Smith`, PER `John Lee` and LOC `New York`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TagScheme {
    /// IO: every entity token is `I-`.
    ///
    /// ```text
    /// I-PER I-PER I-PER I-PER O O I-LOC I-LOC
    /// ```
    ///
    /// Adjacent entities of the same type cannot be told apart: the two
    /// PERs above decode as one four-token PER. Encoding does not fail on
    /// them; decode the tags to detect the merge.
    Io,
    /// IOB1 (Ramshaw and Marcus; the original CoNLL-2003 files): `I-`
    /// everywhere, except `B-` on the first token of an entity that directly
    /// follows an entity of the same type.
    ///
    /// ```text
    /// I-PER I-PER B-PER I-PER O O I-LOC I-LOC
    /// ```
    Iob1,
    /// IOB2, also called BIO or IOB: `B-` on the first token of every
    /// entity, `I-` on the others.
    ///
    /// ```text
    /// B-PER I-PER B-PER I-PER O O B-LOC I-LOC
    /// ```
    #[default]
    Iob2,
    /// IOE1: `I-` everywhere, except `E-` on the last token of an entity
    /// that is directly followed by an entity of the same type.
    ///
    /// ```text
    /// I-PER E-PER I-PER I-PER O O I-LOC I-LOC
    /// ```
    Ioe1,
    /// IOE2: `E-` on the last token of every entity, `I-` on the others.
    ///
    /// ```text
    /// I-PER E-PER I-PER E-PER O O I-LOC E-LOC
    /// ```
    Ioe2,
    /// IOBES, also called BIOES: `B-` first, `I-` inside, `E-` last, and
    /// `S-` for a single-token entity.
    ///
    /// ```text
    /// B-PER E-PER B-PER E-PER O O B-LOC E-LOC
    /// ```
    Iobes,
    /// BILOU, also called BILUO: IOBES with `L-` (last) for `E-` and `U-`
    /// (unit) for `S-`.
    ///
    /// ```text
    /// B-PER L-PER B-PER L-PER O O B-LOC L-LOC
    /// ```
    Bilou,
}

impl TagScheme {
    /// Every scheme, in documentation order.
    pub const ALL: [TagScheme; 7] = [
        TagScheme::Io,
        TagScheme::Iob1,
        TagScheme::Iob2,
        TagScheme::Ioe1,
        TagScheme::Ioe2,
        TagScheme::Iobes,
        TagScheme::Bilou,
    ];

    /// The prefixes the scheme writes, `O` first.
    ///
    /// # Example
    /// ```
    /// use nerkit::{Prefix, TagScheme};
    /// assert_eq!(
    ///     TagScheme::Iob2.prefixes(),
    ///     [Prefix::Outside, Prefix::Begin, Prefix::Inside]
    /// );
    /// ```
    pub const fn prefixes(self) -> &'static [Prefix] {
        use Prefix::*;
        match self {
            TagScheme::Io => &[Outside, Inside],
            TagScheme::Iob1 | TagScheme::Iob2 => &[Outside, Begin, Inside],
            TagScheme::Ioe1 | TagScheme::Ioe2 => &[Outside, Inside, End],
            TagScheme::Iobes => &[Outside, Begin, Inside, End, Single],
            TagScheme::Bilou => &[Outside, Begin, Inside, Last, Unit],
        }
    }

    /// True when the scheme writes tags with `prefix`.
    ///
    /// # Example
    /// ```
    /// use nerkit::{Prefix, TagScheme};
    /// assert!(TagScheme::Iobes.allows(Prefix::Single));
    /// assert!(!TagScheme::Iob2.allows(Prefix::Single));
    /// ```
    pub const fn allows(self, prefix: Prefix) -> bool {
        self.mask() & prefix.bit() != 0
    }

    const fn mask(self) -> u8 {
        let prefixes = self.prefixes();
        let mut mask = 0;
        let mut i = 0;
        while i < prefixes.len() {
            mask |= prefixes[i].bit();
            i += 1;
        }
        mask
    }

    /// The scheme's prefixes for messages, such as `O, B- and I-`.
    fn prefix_list(self) -> &'static str {
        match self {
            TagScheme::Io => "O and I-",
            TagScheme::Iob1 | TagScheme::Iob2 => "O, B- and I-",
            TagScheme::Ioe1 | TagScheme::Ioe2 => "O, I- and E-",
            TagScheme::Iobes => "O, B-, I-, E- and S-",
            TagScheme::Bilou => "O, B-, I-, L- and U-",
        }
    }
}

impl FromStr for TagScheme {
    type Err = String;

    fn from_str(s: &str) -> Result<TagScheme, String> {
        match s.to_ascii_lowercase().as_str() {
            "io" => Ok(TagScheme::Io),
            "iob1" => Ok(TagScheme::Iob1),
            "iob2" | "bio" | "iob" => Ok(TagScheme::Iob2),
            "ioe1" => Ok(TagScheme::Ioe1),
            "ioe2" => Ok(TagScheme::Ioe2),
            "iobes" | "bioes" => Ok(TagScheme::Iobes),
            "bilou" | "biluo" => Ok(TagScheme::Bilou),
            _ => Err(format!(
                "unknown tag scheme \"{s}\" (expected io, iob1, iob2, bio, ioe1, ioe2, \
                 iobes, bioes, bilou or biluo)"
            )),
        }
    }
}

impl fmt::Display for TagScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TagScheme::Io => "io",
            TagScheme::Iob1 => "iob1",
            TagScheme::Iob2 => "iob2",
            TagScheme::Ioe1 => "ioe1",
            TagScheme::Ioe2 => "ioe2",
            TagScheme::Iobes => "iobes",
            TagScheme::Bilou => "bilou",
        })
    }
}

/// The prefix of a tag: the letter before the hyphen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Prefix {
    /// `O`
    Outside,
    /// `B`
    Begin,
    /// `I`
    Inside,
    /// `E`
    End,
    /// `S`
    Single,
    /// `L` (BILOU's E)
    Last,
    /// `U` (BILOU's S)
    Unit,
}

impl Prefix {
    /// The letter written for the prefix: `O`, `B`, `I`, `E`, `S`, `L` or
    /// `U`.
    pub const fn letter(self) -> char {
        match self {
            Prefix::Outside => 'O',
            Prefix::Begin => 'B',
            Prefix::Inside => 'I',
            Prefix::End => 'E',
            Prefix::Single => 'S',
            Prefix::Last => 'L',
            Prefix::Unit => 'U',
        }
    }

    /// The prefix written with the uppercase `letter`, if any.
    pub const fn from_letter(letter: u8) -> Option<Prefix> {
        match letter {
            b'O' => Some(Prefix::Outside),
            b'B' => Some(Prefix::Begin),
            b'I' => Some(Prefix::Inside),
            b'E' => Some(Prefix::End),
            b'S' => Some(Prefix::Single),
            b'L' => Some(Prefix::Last),
            b'U' => Some(Prefix::Unit),
            _ => None,
        }
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }

    /// Whether a chunk always starts at this prefix, whatever precedes it.
    const fn always_starts(self) -> bool {
        matches!(self, Prefix::Begin | Prefix::Single | Prefix::Unit)
    }

    /// Whether a chunk always ends at this prefix, whatever follows it.
    const fn always_ends(self) -> bool {
        matches!(
            self,
            Prefix::End | Prefix::Single | Prefix::Last | Prefix::Unit
        )
    }
}

/// A tag: `O` or `PREFIX-LABEL`, borrowing its label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tag<'a> {
    /// The prefix.
    pub prefix: Prefix,
    /// The entity type; empty for `O`.
    pub label: &'a str,
}

/// Why a string is not a tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagError {
    /// Why.
    pub reason: String,
}

impl fmt::Display for TagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for TagError {}

impl<'a> Tag<'a> {
    /// The `O` tag.
    pub const OUTSIDE: Tag<'static> = Tag {
        prefix: Prefix::Outside,
        label: "",
    };

    /// Reads `O` or `X-LABEL` with X one of `B I E S L U`.
    ///
    /// The prefix is the uppercase letter before the first hyphen and the
    /// label is everything after it, hyphens included (`B-PER-NAME` has the
    /// label `PER-NAME`), as conlleval.pl and seqeval split tags. Nothing is
    /// allocated unless the tag is rejected.
    ///
    /// # Errors
    /// When `s` is neither `O` nor an uppercase prefix letter, a hyphen and
    /// a non-empty label: `o`, `b-PER`, `PER`, `B-`, `B_PER`, `X-PER`.
    ///
    /// # Example
    /// ```
    /// use nerkit::{Prefix, Tag};
    /// let tag = Tag::parse("B-PER-NAME").unwrap();
    /// assert_eq!((tag.prefix, tag.label), (Prefix::Begin, "PER-NAME"));
    /// assert_eq!(Tag::parse("O").unwrap(), Tag::OUTSIDE);
    /// assert!(Tag::parse("PER").is_err());
    /// ```
    pub fn parse(s: &'a str) -> Result<Tag<'a>, TagError> {
        if s == "O" {
            return Ok(Tag::OUTSIDE);
        }
        let b = s.as_bytes();
        let prefix = match b.first().copied().and_then(Prefix::from_letter) {
            Some(p) if p != Prefix::Outside && b.get(1) == Some(&b'-') => p,
            _ => {
                return Err(TagError {
                    reason: format!(
                        "\"{s}\" is not a tag: expected O or a prefix B-, I-, E-, S-, L- or U- \
                         followed by a type"
                    ),
                })
            }
        };
        // Byte 1 is an ASCII hyphen, so byte 2 is a char boundary.
        let label = &s[2..];
        if label.is_empty() {
            return Err(TagError {
                reason: format!("\"{s}\" is not a tag: no type after the prefix"),
            });
        }
        Ok(Tag { prefix, label })
    }

    /// True for `O`.
    pub const fn is_outside(self) -> bool {
        matches!(self.prefix, Prefix::Outside)
    }

    /// Appends the tag as written (`O`, `B-PER`) to `buf`: the writers'
    /// fast path, which skips the formatting machinery.
    #[inline]
    pub fn push_to(self, buf: &mut Vec<u8>) {
        buf.push(self.prefix.letter() as u8);
        if !self.is_outside() {
            buf.push(b'-');
            buf.extend_from_slice(self.label.as_bytes());
        }
    }
}

impl fmt::Display for Tag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_outside() {
            return f.write_str("O");
        }
        use fmt::Write;
        f.write_char(self.prefix.letter())?;
        f.write_char('-')?;
        f.write_str(self.label)
    }
}

/// Why entities cannot be encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodeError {
    /// Why.
    pub reason: String,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for EncodeError {}

/// Writes the tags of a sentence of `len` tokens with `entities` into `tags`
/// (cleared first).
///
/// See [`TagScheme`] for what each scheme writes. IOB1 writes `B-` only on
/// the first token of an entity that starts where an entity of the same type
/// ends, and IOE1 writes `E-` only on the last token of an entity that ends
/// where one of the same type starts. IO cannot separate adjacent entities
/// of the same type; they are written anyway, and decoding gives them back
/// as one entity.
///
/// # Errors
/// When an entity covers no token, reaches past token
/// `len`, or starts before the previous entity ends (entities must be
/// sorted by start and must not overlap). `tags` is then left empty.
///
/// # Example
/// ```
/// use nerkit::scheme::encode;
/// use nerkit::{Entity, TagScheme, TokenSpan};
/// let entities = [Entity { label: "LOC", tokens: TokenSpan::new(0, 3) }];
/// let mut tags = Vec::new();
/// encode(TagScheme::Iobes, 4, &entities, &mut tags).unwrap();
/// let text: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
/// assert_eq!(text, ["B-LOC", "I-LOC", "E-LOC", "O"]);
/// ```
pub fn encode<'a>(
    scheme: TagScheme,
    len: usize,
    entities: &[Entity<'a>],
    tags: &mut Vec<Tag<'a>>,
) -> Result<(), EncodeError> {
    tags.clear();
    check_entities(len, entities)?;
    tags.resize(len, Tag::OUTSIDE);
    for (k, e) in entities.iter().enumerate() {
        let (start, end, label) = (e.tokens.start(), e.tokens.end(), e.label);
        let tag = |prefix| Tag { prefix, label };
        tags[start..end].fill(tag(Prefix::Inside));
        let last = end - 1;
        match scheme {
            TagScheme::Io => {}
            TagScheme::Iob1 => {
                let after_same = k > 0 && {
                    let prev = entities[k - 1];
                    prev.tokens.end() == start && prev.label == label
                };
                if after_same {
                    tags[start] = tag(Prefix::Begin);
                }
            }
            TagScheme::Iob2 => tags[start] = tag(Prefix::Begin),
            TagScheme::Ioe1 => {
                let before_same = entities
                    .get(k + 1)
                    .is_some_and(|next| next.tokens.start() == end && next.label == label);
                if before_same {
                    tags[last] = tag(Prefix::End);
                }
            }
            TagScheme::Ioe2 => tags[last] = tag(Prefix::End),
            TagScheme::Iobes | TagScheme::Bilou => {
                let (single, closing) = if scheme == TagScheme::Iobes {
                    (Prefix::Single, Prefix::End)
                } else {
                    (Prefix::Unit, Prefix::Last)
                };
                if start == last {
                    tags[start] = tag(single);
                } else {
                    tags[start] = tag(Prefix::Begin);
                    tags[last] = tag(closing);
                }
            }
        }
    }
    Ok(())
}

fn check_entities(len: usize, entities: &[Entity<'_>]) -> Result<(), EncodeError> {
    let mut prev_end = 0;
    for (k, e) in entities.iter().enumerate() {
        let fail = |why: String| {
            Err(EncodeError {
                reason: format!("entity {k} ({} over {}) {why}", e.label, e.tokens),
            })
        };
        if e.tokens.is_empty() {
            return fail("covers no token".into());
        }
        if e.tokens.end() > len {
            return fail(format!(
                "reaches past the end of the sentence, which has {len} tokens"
            ));
        }
        if k > 0 && e.tokens.start() < prev_end {
            return fail(format!(
                "starts before entity {} ends at token {prev_end}; entities must be sorted \
                 by start and must not overlap",
                k - 1
            ));
        }
        prev_end = e.tokens.end();
    }
    Ok(())
}

/// A chunk of tags that is not well-formed.
///
/// `kind` names the problem by the chunk's first token and what precedes
/// it, or by its missing end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IllFormed<'a> {
    /// The tokens of the chunk.
    pub tokens: TokenSpan,
    /// Its label.
    pub label: &'a str,
    /// What kind of problem.
    pub kind: IllFormedKind,
}

impl fmt::Display for IllFormed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} over {})",
            self.kind.describe(),
            self.label,
            self.tokens
        )
    }
}

/// What is wrong with an [`IllFormed`] chunk.
///
/// Each kind has a short stable [`name`](IllFormedKind::name), such as
/// `inside-after-outside`, which is also the name of the repair
/// ([`RepairKind::IllFormed`](crate::RepairKind::IllFormed)) lenient
/// reading makes of it. Kinds are ordered by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IllFormedKind {
    /// An `I-` chunk at the start of the sentence or after `O`, where the
    /// scheme needs a `B-` (IOB2, IOBES, BILOU): `O I-PER`.
    InsideAfterOutside,
    /// An `I-`, `E-` or `L-` chunk right after a token of another type,
    /// where the scheme needs a `B-`: `B-PER I-LOC` in IOB2,
    /// `B-PER E-LOC` in IOBES.
    TypeChange,
    /// An `I-` chunk right after a closed entity of the same type:
    /// `S-PER I-PER E-PER` in IOBES.
    InsideAfterEnd,
    /// An `E-` or `L-` token with no `B-` before it (and not after another
    /// type): `O E-PER` or `E-PER E-PER` in IOBES.
    EndWithoutBegin,
    /// A `B-` chunk that is not closed by `E-`/`L-`: `B-PER O` or
    /// `B-PER I-PER B-PER` in IOBES.
    BeginWithoutEnd,
    /// An IOE2 `I-` chunk that is not closed by `E-`: `I-PER O`.
    InsideWithoutEnd,
    /// A chunk with a prefix the scheme does not write (only reported by
    /// the lenient decoders; the strict one refuses such tags).
    ForeignPrefix,
}

impl IllFormedKind {
    /// Every kind, sorted by name.
    pub const ALL: [IllFormedKind; 7] = [
        IllFormedKind::BeginWithoutEnd,
        IllFormedKind::EndWithoutBegin,
        IllFormedKind::ForeignPrefix,
        IllFormedKind::InsideAfterEnd,
        IllFormedKind::InsideAfterOutside,
        IllFormedKind::InsideWithoutEnd,
        IllFormedKind::TypeChange,
    ];

    /// The kind's short stable name, such as `inside-after-outside`.
    pub fn name(self) -> &'static str {
        match self {
            IllFormedKind::InsideAfterOutside => "inside-after-outside",
            IllFormedKind::TypeChange => "type-change",
            IllFormedKind::InsideAfterEnd => "inside-after-end",
            IllFormedKind::EndWithoutBegin => "end-without-begin",
            IllFormedKind::BeginWithoutEnd => "begin-without-end",
            IllFormedKind::InsideWithoutEnd => "inside-without-end",
            IllFormedKind::ForeignPrefix => "foreign-prefix",
        }
    }

    /// A sentence describing the kind, for messages, such as
    /// `"entity starts with I- instead of B-"`.
    pub fn describe(self) -> &'static str {
        match self {
            IllFormedKind::InsideAfterOutside => "entity starts with I- instead of B-",
            IllFormedKind::TypeChange => "entity type changes without a new B-",
            IllFormedKind::InsideAfterEnd => "I- continues an entity that has already ended",
            IllFormedKind::EndWithoutBegin => "E- or L- without a B- before it",
            IllFormedKind::BeginWithoutEnd => "entity is not closed with E- or L-",
            IllFormedKind::InsideWithoutEnd => "entity is not closed with E-",
            IllFormedKind::ForeignPrefix => "prefix is not part of the tag scheme",
        }
    }
}

impl fmt::Display for IllFormedKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialOrd for IllFormedKind {
    fn partial_cmp(&self, other: &IllFormedKind) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for IllFormedKind {
    /// By name.
    fn cmp(&self, other: &IllFormedKind) -> std::cmp::Ordering {
        self.name().cmp(other.name())
    }
}

/// What precedes a chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Before {
    /// The sentence start or `O`.
    Outside,
    /// A token of another type.
    OtherType,
    /// A token of the same type that ends a chunk (`E`, `S`, `L`, `U`), or
    /// one before a `B`, `S` or `U`.
    SameType,
}

/// A maximal run of tags that decodes as one entity (see the module docs).
#[derive(Clone, Copy, Debug)]
struct Chunk<'a> {
    start: usize,
    end: usize,
    label: &'a str,
    first: Prefix,
    last: Prefix,
    before: Before,
    /// Every prefix in the chunk, as [`Prefix::bit`]s.
    mask: u8,
}

/// Calls `f` with every chunk of `tags`, in order.
fn for_each_chunk<'a>(tags: &[Tag<'a>], mut f: impl FnMut(Chunk<'a>)) {
    let mut i = 0;
    while i < tags.len() {
        let first = tags[i];
        if first.is_outside() {
            i += 1;
            continue;
        }
        let before = match i.checked_sub(1).map(|p| tags[p]) {
            None => Before::Outside,
            Some(p) if p.is_outside() => Before::Outside,
            Some(p) if p.label != first.label => Before::OtherType,
            Some(_) => Before::SameType,
        };
        let mut mask = first.prefix.bit();
        let mut end = i + 1;
        while end < tags.len() {
            let (p, c) = (tags[end - 1], tags[end]);
            let continues = !c.is_outside()
                && c.label == p.label
                && !c.prefix.always_starts()
                && !p.prefix.always_ends();
            if !continues {
                break;
            }
            mask |= c.prefix.bit();
            end += 1;
        }
        f(Chunk {
            start: i,
            end,
            label: first.label,
            first: first.prefix,
            last: tags[end - 1].prefix,
            before,
            mask,
        });
        i = end;
    }
}

/// The problem with `chunk` in `scheme`, or `None` when the scheme could
/// have written it.
fn judge(scheme: TagScheme, chunk: &Chunk<'_>) -> Option<IllFormedKind> {
    if chunk.mask & !scheme.mask() != 0 {
        return Some(IllFormedKind::ForeignPrefix);
    }
    let bad_start = || match (chunk.first, chunk.before) {
        (Prefix::Inside, Before::Outside) => IllFormedKind::InsideAfterOutside,
        (Prefix::Inside, Before::SameType) => IllFormedKind::InsideAfterEnd,
        (_, Before::OtherType) => IllFormedKind::TypeChange,
        _ => IllFormedKind::EndWithoutBegin,
    };
    let closed = |single, closing| {
        if chunk.first == single || (chunk.first == Prefix::Begin && chunk.last == closing) {
            None
        } else if chunk.first == Prefix::Begin {
            Some(IllFormedKind::BeginWithoutEnd)
        } else {
            Some(bad_start())
        }
    };
    match scheme {
        // Every chunk of these schemes is unambiguous; see decode_strict.
        TagScheme::Io | TagScheme::Iob1 | TagScheme::Ioe1 => None,
        TagScheme::Iob2 => (chunk.first != Prefix::Begin).then(bad_start),
        TagScheme::Ioe2 => (chunk.last != Prefix::End).then_some(IllFormedKind::InsideWithoutEnd),
        TagScheme::Iobes => closed(Prefix::Single, Prefix::End),
        TagScheme::Bilou => closed(Prefix::Unit, Prefix::Last),
    }
}

fn entity_of<'a>(chunk: &Chunk<'a>) -> Entity<'a> {
    Entity {
        label: chunk.label,
        tokens: TokenSpan::new(chunk.start, chunk.end),
    }
}

fn ill_formed_of<'a>(chunk: &Chunk<'a>, kind: IllFormedKind) -> IllFormed<'a> {
    IllFormed {
        tokens: TokenSpan::new(chunk.start, chunk.end),
        label: chunk.label,
        kind,
    }
}

/// Decodes tags like conlleval.pl (lenient), appending entities and
/// repairs.
///
/// Every non-`O` token ends up in exactly one entity: the tags are cut into
/// chunks (maximal same-type runs, split before `B-`/`S-`/`U-` and after
/// `E-`/`S-`/`L-`/`U-`) and every chunk is an entity. On tags that use only
/// `B I O`, or only `E I O`, these are exactly conlleval.pl's chunks, for any
/// sequence. Unlike conlleval.pl, adjacent same-type IOBES and BILOU entities
/// (`S-PER S-PER`, `E-PER B-PER`, `L-PER U-PER`) stay apart, as they do in
/// seqeval's default mode, whose entities these are on B/I/E/S/O tags.
///
/// Repairs are judged against the scheme the sentence's prefixes point to,
/// because nothing else tells which scheme the tags were written in:
/// BILOU when `L-` or `U-` occurs, else IOBES when `S-` occurs or both `B-`
/// and `E-` do, else IOE1 when `E-` occurs, else IOB1. IOB1 and IOE1 are the
/// permissive readings, under which no chunk is ill-formed, so `O I-PER`
/// and `B-PER I-LOC` are not repairs here; use [`decode_lenient_in`] when
/// the scheme is known. One [`IllFormed`] is pushed per chunk that the
/// scheme would not have written; it is still decoded as an entity.
///
/// # Example
/// ```
/// use nerkit::scheme::{decode_lenient, IllFormedKind};
/// use nerkit::Tag;
/// let tags: Vec<Tag> = ["B-PER", "I-PER", "S-PER", "O"]
///     .iter()
///     .map(|t| Tag::parse(t).unwrap())
///     .collect();
/// let (mut entities, mut repairs) = (Vec::new(), Vec::new());
/// decode_lenient(&tags, &mut entities, &mut repairs);
/// assert_eq!(entities.len(), 2);
/// assert_eq!(repairs[0].kind, IllFormedKind::BeginWithoutEnd);
/// ```
pub fn decode_lenient<'a>(
    tags: &[Tag<'a>],
    entities: &mut Vec<Entity<'a>>,
    repairs: &mut Vec<IllFormed<'a>>,
) {
    let mask = tags.iter().fold(0, |m, t| m | t.prefix.bit());
    let has = |p: Prefix| mask & p.bit() != 0;
    let scheme = if has(Prefix::Last) || has(Prefix::Unit) {
        TagScheme::Bilou
    } else if has(Prefix::Single) || (has(Prefix::Begin) && has(Prefix::End)) {
        TagScheme::Iobes
    } else if has(Prefix::End) {
        TagScheme::Ioe1
    } else {
        TagScheme::Iob1
    };
    decode_lenient_in(scheme, tags, entities, repairs);
}

/// Decodes tags written in `scheme` leniently, appending entities and
/// repairs.
///
/// The entities are those of [`decode_lenient`]: every chunk is kept, so
/// no token loses its entity. Every chunk that [`decode_strict`] would drop
/// is pushed to `repairs` with the same kind, and a chunk with a prefix the
/// scheme does not write is pushed as [`IllFormedKind::ForeignPrefix`] instead
/// of failing. So `O I-PER` is a repair in IOB2
/// ([`IllFormedKind::InsideAfterOutside`]) but not in IOB1.
///
/// # Example
/// ```
/// use nerkit::scheme::{decode_lenient_in, IllFormedKind};
/// use nerkit::{Tag, TagScheme};
/// let tags = [Tag::OUTSIDE, Tag::parse("I-PER").unwrap()];
/// let (mut entities, mut repairs) = (Vec::new(), Vec::new());
/// decode_lenient_in(TagScheme::Iob2, &tags, &mut entities, &mut repairs);
/// assert_eq!(entities.len(), 1);
/// assert_eq!(repairs[0].kind, IllFormedKind::InsideAfterOutside);
/// ```
pub fn decode_lenient_in<'a>(
    scheme: TagScheme,
    tags: &[Tag<'a>],
    entities: &mut Vec<Entity<'a>>,
    repairs: &mut Vec<IllFormed<'a>>,
) {
    for_each_chunk(tags, |chunk| {
        if let Some(kind) = judge(scheme, &chunk) {
            repairs.push(ill_formed_of(&chunk, kind));
        }
        entities.push(entity_of(&chunk));
    });
}

/// A tag the scheme does not allow, at token `index`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemeError {
    /// Index of the tag.
    pub index: usize,
    /// Why.
    pub reason: String,
}

impl fmt::Display for SchemeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "token {}: {}", self.index, self.reason)
    }
}

impl std::error::Error for SchemeError {}

/// Decodes tags strictly in `scheme`, appending entities and ill-formed
/// chunks.
///
/// The tags are cut into the chunks of [`decode_lenient`]. A chunk the
/// scheme could have written is an entity; any other chunk is dropped and
/// pushed to `ill_formed` (see [`IllFormedKind`] for the kinds). The rules:
///
/// - **IOB2**: an entity is `B-` followed by `I-`s of its type. This, and
///   the three below, give exactly the entities of seqeval 1.2.2 with
///   `mode='strict'` and the same scheme.
/// - **IOE2**: an entity is `I-`s of one type closed by an `E-`.
/// - **IOBES**: `S-`, or `B-`, `I-`s and `E-` of one type.
/// - **BILOU**: `U-`, or `B-`, `I-`s and `L-` of one type.
/// - **IOB1**: an entity is a run of one type that starts at `I-` or `B-`
///   and continues through `I-`s; a `B-` after a token of the same type
///   starts a new one. A `B-` after `O`, at the sentence start or after
///   another type is accepted as a start: IOB1 never writes it there, but
///   it is unambiguous, conlleval.pl reads it so, and it makes IOB2 data
///   read as IOB1 decode to the right entities. So no IOB1 chunk is
///   ill-formed. (seqeval drops such chunks, so that gold `B-PER O` scored
///   against itself has F1 0; we do not follow it.)
/// - **IOE1**: the mirror image: a run of one type ends at `E-`, at `O`, at
///   another type or at the sentence end; an `E-` before a token of the
///   same type ends an entity. No IOE1 chunk is ill-formed.
/// - **IO**: maximal runs of `I-` of one type. Nothing is ill-formed.
///
/// For every scheme, `ill_formed` gets nothing exactly when
/// [`encode`] of the decoded entities gives back the same tags, except that
/// IOB1 and IOE1 also accept their redundant `B-` and `E-`.
///
/// # Errors
/// When a tag has a prefix that `scheme` does not write, such as `S-` in
/// IOB2; nothing is appended then.
///
/// # Example
/// ```
/// use nerkit::scheme::{decode_strict, IllFormedKind};
/// use nerkit::{Tag, TagScheme, TokenSpan};
/// let tags: Vec<Tag> = ["B-PER", "I-LOC", "O"]
///     .iter()
///     .map(|t| Tag::parse(t).unwrap())
///     .collect();
/// let (mut entities, mut ill_formed) = (Vec::new(), Vec::new());
/// decode_strict(TagScheme::Iob2, &tags, &mut entities, &mut ill_formed).unwrap();
/// assert_eq!(entities[0].tokens, TokenSpan::new(0, 1));
/// assert_eq!(ill_formed[0].kind, IllFormedKind::TypeChange);
/// assert!(decode_strict(TagScheme::Io, &tags, &mut entities, &mut ill_formed).is_err());
/// ```
pub fn decode_strict<'a>(
    scheme: TagScheme,
    tags: &[Tag<'a>],
    entities: &mut Vec<Entity<'a>>,
    ill_formed: &mut Vec<IllFormed<'a>>,
) -> Result<(), SchemeError> {
    if let Some(index) = tags.iter().position(|t| !scheme.allows(t.prefix)) {
        let tag = tags[index];
        return Err(SchemeError {
            index,
            reason: format!(
                "{tag}: {}- is not a tag of the {scheme} scheme, which uses {}",
                tag.prefix.letter(),
                scheme.prefix_list()
            ),
        });
    }
    for_each_chunk(tags, |chunk| match judge(scheme, &chunk) {
        None => entities.push(entity_of(&chunk)),
        Some(kind) => ill_formed.push(ill_formed_of(&chunk, kind)),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tags(s: &str) -> Vec<Tag<'_>> {
        s.split_whitespace()
            .map(|t| Tag::parse(t).unwrap())
            .collect()
    }

    fn show_tags(tags: &[Tag<'_>]) -> String {
        let v: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
        v.join(" ")
    }

    /// Entities written as `PER 0..2, LOC 6..8`.
    fn entities(s: &str) -> Vec<Entity<'_>> {
        s.split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| {
                let (label, range) = e.split_once(' ').unwrap();
                let (a, b) = range.split_once("..").unwrap();
                Entity {
                    label,
                    tokens: TokenSpan::new(a.parse().unwrap(), b.parse().unwrap()),
                }
            })
            .collect()
    }

    fn show_entities(es: &[Entity<'_>]) -> String {
        let v: Vec<String> = es
            .iter()
            .map(|e| format!("{} {}..{}", e.label, e.tokens.start(), e.tokens.end()))
            .collect();
        v.join(", ")
    }

    fn show_ill_formed(es: &[IllFormed<'_>]) -> String {
        let v: Vec<String> = es
            .iter()
            .map(|e| {
                let (s, t) = (e.tokens.start(), e.tokens.end());
                format!("{} {s}..{t} {}", e.label, e.kind)
            })
            .collect();
        v.join(", ")
    }

    fn strict(scheme: TagScheme, t: &str) -> (String, String) {
        let (mut es, mut bad) = (Vec::new(), Vec::new());
        decode_strict(scheme, &tags(t), &mut es, &mut bad).unwrap();
        (show_entities(&es), show_ill_formed(&bad))
    }

    fn lenient(scheme: Option<TagScheme>, t: &str) -> (String, String) {
        let (mut es, mut bad) = (Vec::new(), Vec::new());
        match scheme {
            Some(s) => decode_lenient_in(s, &tags(t), &mut es, &mut bad),
            None => decode_lenient(&tags(t), &mut es, &mut bad),
        }
        (show_entities(&es), show_ill_formed(&bad))
    }

    // Tag::parse and Display.

    macro_rules! parses {
        ($name:ident, $s:expr, $prefix:ident, $label:expr) => {
            #[test]
            fn $name() {
                let tag = Tag::parse($s).unwrap();
                assert_eq!((tag.prefix, tag.label), (Prefix::$prefix, $label));
                assert_eq!(tag.to_string(), $s);
            }
        };
    }

    parses! { parse_outside, "O", Outside, "" }
    parses! { parse_begin, "B-PER", Begin, "PER" }
    parses! { parse_inside, "I-LOC", Inside, "LOC" }
    parses! { parse_end, "E-ORG", End, "ORG" }
    parses! { parse_single, "S-MISC", Single, "MISC" }
    parses! { parse_last, "L-PER", Last, "PER" }
    parses! { parse_unit, "U-PER", Unit, "PER" }
    parses! { parse_hyphenated_label, "B-PER-NAME", Begin, "PER-NAME" }
    parses! { parse_one_letter_label, "I-X", Inside, "X" }
    parses! { parse_non_ascii_label, "B-Ort", Begin, "Ort" }
    parses! { parse_unicode_label, "B-人名", Begin, "人名" }

    macro_rules! rejects {
        ($name:ident, $s:expr) => {
            #[test]
            fn $name() {
                let err = Tag::parse($s).unwrap_err();
                assert!(err.reason.contains("is not a tag"), "{}", err.reason);
            }
        };
    }

    rejects! { reject_empty, "" }
    rejects! { reject_lowercase_outside, "o" }
    rejects! { reject_lowercase_prefix, "b-PER" }
    rejects! { reject_bare_label, "PER" }
    rejects! { reject_bare_prefix, "B" }
    rejects! { reject_no_label, "B-" }
    rejects! { reject_underscore, "B_PER" }
    rejects! { reject_unknown_prefix, "X-PER" }
    rejects! { reject_outside_with_label, "O-PER" }
    rejects! { reject_suffix_style, "PER-B" }
    rejects! { reject_trailing_space, "O " }

    #[test]
    fn no_label_reason() {
        assert!(Tag::parse("I-").unwrap_err().reason.contains("no type"));
    }

    // TagScheme.

    macro_rules! scheme_from_str {
        ($name:ident, $s:expr, $scheme:ident) => {
            #[test]
            fn $name() {
                assert_eq!($s.parse::<TagScheme>(), Ok(TagScheme::$scheme));
            }
        };
    }

    scheme_from_str! { scheme_io, "IO", Io }
    scheme_from_str! { scheme_iob1, "iob1", Iob1 }
    scheme_from_str! { scheme_bio, "BIO", Iob2 }
    scheme_from_str! { scheme_iob, "iob", Iob2 }
    scheme_from_str! { scheme_ioe1, "Ioe1", Ioe1 }
    scheme_from_str! { scheme_ioe2, "ioe2", Ioe2 }
    scheme_from_str! { scheme_bioes, "BIOES", Iobes }
    scheme_from_str! { scheme_biluo, "biluo", Bilou }

    #[test]
    fn scheme_display_round_trips() {
        for s in TagScheme::ALL {
            assert_eq!(s.to_string().parse::<TagScheme>(), Ok(s));
            assert_eq!(s.to_string(), s.to_string().to_lowercase());
        }
        assert!("iob3".parse::<TagScheme>().is_err());
    }

    macro_rules! allows {
        ($name:ident, $scheme:ident, $letters:expr) => {
            #[test]
            fn $name() {
                let all = "OBIESLU";
                let allowed: String = all
                    .bytes()
                    .filter(|&b| TagScheme::$scheme.allows(Prefix::from_letter(b).unwrap()))
                    .map(char::from)
                    .collect();
                assert_eq!(allowed, $letters);
                let listed: String = TagScheme::$scheme
                    .prefixes()
                    .iter()
                    .map(|p| p.letter())
                    .collect();
                assert_eq!(listed, $letters);
            }
        };
    }

    allows! { allows_io, Io, "OI" }
    allows! { allows_iob1, Iob1, "OBI" }
    allows! { allows_iob2, Iob2, "OBI" }
    allows! { allows_ioe1, Ioe1, "OIE" }
    allows! { allows_ioe2, Ioe2, "OIE" }
    allows! { allows_iobes, Iobes, "OBIES" }
    allows! { allows_bilou, Bilou, "OBILU" }

    // encode.

    macro_rules! encodes {
        ($name:ident, $scheme:ident, $len:expr, $entities:expr, $tags:expr) => {
            #[test]
            fn $name() {
                let mut out = vec![Tag::OUTSIDE; 3];
                encode(TagScheme::$scheme, $len, &entities($entities), &mut out).unwrap();
                assert_eq!(show_tags(&out), $tags);
            }
        };
    }

    // Alex Smith John Lee met in New York
    const EXAMPLE: &str = "PER 0..2, PER 2..4, LOC 6..8";
    encodes! { encode_io, Io, 8, EXAMPLE, "I-PER I-PER I-PER I-PER O O I-LOC I-LOC" }
    encodes! { encode_iob1, Iob1, 8, EXAMPLE, "I-PER I-PER B-PER I-PER O O I-LOC I-LOC" }
    encodes! { encode_iob2, Iob2, 8, EXAMPLE, "B-PER I-PER B-PER I-PER O O B-LOC I-LOC" }
    encodes! { encode_ioe1, Ioe1, 8, EXAMPLE, "I-PER E-PER I-PER I-PER O O I-LOC I-LOC" }
    encodes! { encode_ioe2, Ioe2, 8, EXAMPLE, "I-PER E-PER I-PER E-PER O O I-LOC E-LOC" }
    encodes! { encode_iobes, Iobes, 8, EXAMPLE, "B-PER E-PER B-PER E-PER O O B-LOC E-LOC" }
    encodes! { encode_bilou, Bilou, 8, EXAMPLE, "B-PER L-PER B-PER L-PER O O B-LOC L-LOC" }

    // Single-token entities, first and last token, different types adjacent.
    const SINGLES: &str = "PER 0..1, PER 1..2, LOC 2..3, ORG 3..6";
    encodes! { encode_singles_io, Io, 6, SINGLES, "I-PER I-PER I-LOC I-ORG I-ORG I-ORG" }
    encodes! { encode_singles_iob1, Iob1, 6, SINGLES, "I-PER B-PER I-LOC I-ORG I-ORG I-ORG" }
    encodes! { encode_singles_iob2, Iob2, 6, SINGLES, "B-PER B-PER B-LOC B-ORG I-ORG I-ORG" }
    encodes! { encode_singles_ioe1, Ioe1, 6, SINGLES, "E-PER I-PER I-LOC I-ORG I-ORG I-ORG" }
    encodes! { encode_singles_ioe2, Ioe2, 6, SINGLES, "E-PER E-PER E-LOC I-ORG I-ORG E-ORG" }
    encodes! { encode_singles_iobes, Iobes, 6, SINGLES, "S-PER S-PER S-LOC B-ORG I-ORG E-ORG" }
    encodes! { encode_singles_bilou, Bilou, 6, SINGLES, "U-PER U-PER U-LOC B-ORG I-ORG L-ORG" }
    encodes! { encode_no_entities, Iobes, 3, "", "O O O" }
    encodes! { encode_empty_sentence, Iob2, 0, "", "" }
    encodes! { encode_iob1_gap_is_not_adjacent, Iob1, 3, "PER 0..1, PER 2..3", "I-PER O I-PER" }

    macro_rules! encode_fails {
        ($name:ident, $len:expr, $entities:expr, $why:expr) => {
            #[test]
            fn $name() {
                let mut out = vec![Tag::OUTSIDE; 3];
                let err =
                    encode(TagScheme::Iob2, $len, &entities($entities), &mut out).unwrap_err();
                assert!(err.reason.contains($why), "{}", err.reason);
                assert!(out.is_empty());
            }
        };
    }

    encode_fails! { encode_empty_entity, 4, "PER 1..1", "covers no token" }
    encode_fails! { encode_past_end, 4, "PER 3..5", "past the end" }
    encode_fails! { encode_overlap, 6, "PER 0..3, LOC 2..4", "must not overlap" }
    encode_fails! { encode_unsorted, 6, "PER 3..4, LOC 0..1", "sorted" }

    /// An empty label is the type of an entity of bare tags (`B I O`).
    #[test]
    fn encode_empty_label() {
        let es = [Entity {
            label: "",
            tokens: TokenSpan::new(0, 2),
        }];
        let mut tags = Vec::new();
        encode(TagScheme::Iob2, 3, &es, &mut tags).unwrap();
        let bare: Vec<String> = tags.iter().map(|t| t.to_styled(TagStyle::Bare)).collect();
        assert_eq!(bare, ["B", "I", "O"]);
    }

    // decode_strict: (scheme, tags) => (entities, ill-formed chunks).

    macro_rules! strict {
        ($name:ident, $scheme:ident, $tags:expr, $entities:expr, $bad:expr) => {
            #[test]
            fn $name() {
                assert_eq!(
                    strict(TagScheme::$scheme, $tags),
                    ($entities.to_string(), $bad.to_string())
                );
            }
        };
    }

    // The iob2, ioe2, iobes and bilou cases give the entities of seqeval
    // 1.2.2 (`Entities([tags], IOB2).entities` and so on); the iob1 and ioe1
    // cases marked "seqeval:" are where seqeval differs, and why.
    strict! { iob2_ok, Iob2, "B-PER I-PER B-PER O B-LOC", "PER 0..2, PER 2..3, LOC 4..5", "" }
    strict! { iob2_inside_after_outside, Iob2, "O I-PER I-PER B-PER", "PER 3..4", "PER 1..3 inside-after-outside" }
    strict! { iob2_inside_at_start, Iob2, "I-PER", "", "PER 0..1 inside-after-outside" }
    strict! { iob2_type_change, Iob2, "B-PER I-LOC O", "PER 0..1", "LOC 1..2 type-change" }
    strict! { iob2_type_change_inside, Iob2, "B-PER I-PER I-LOC I-LOC", "PER 0..2", "LOC 2..4 type-change" }
    strict! { iob1_ok, Iob1, "I-PER I-PER B-PER O I-LOC", "PER 0..2, PER 2..3, LOC 4..5", "" }
    // seqeval: nothing, so gold `B-PER O` against itself scores F1 0.
    strict! { iob1_begin_after_outside_accepted, Iob1, "B-PER O", "PER 0..1", "" }
    // seqeval: PER 2..3, an entity on the I- alone.
    strict! { iob1_begin_then_inside, Iob1, "O B-PER I-PER O", "PER 1..3", "" }
    strict! { iob1_type_change, Iob1, "B-PER I-LOC", "PER 0..1, LOC 1..2", "" }
    strict! { ioe1_ok, Ioe1, "I-PER E-PER I-PER O I-LOC", "PER 0..2, PER 2..3, LOC 4..5", "" }
    // seqeval: nothing.
    strict! { ioe1_end_before_outside_accepted, Ioe1, "I-PER E-PER O", "PER 0..2", "" }
    strict! { ioe1_end_end, Ioe1, "E-PER E-PER", "PER 0..1, PER 1..2", "" }
    // Well-formed IOE1 (what encode writes); seqeval drops LOC 1..2.
    strict! { ioe1_seqeval_drops_end_after_type_change, Ioe1, "I-PER E-LOC I-LOC", "PER 0..1, LOC 1..2, LOC 2..3", "" }
    strict! { ioe2_singles_adjacent, Ioe2, "E-PER E-PER O", "PER 0..1, PER 1..2", "" }
    strict! { ioe2_unclosed_after_end, Ioe2, "I-PER E-PER I-PER", "PER 0..2", "PER 2..3 inside-without-end" }
    strict! { ioe2_ok, Ioe2, "I-PER E-PER E-PER O E-LOC", "PER 0..2, PER 2..3, LOC 4..5", "" }
    strict! { ioe2_inside_without_end, Ioe2, "I-PER I-PER O E-LOC", "LOC 3..4", "PER 0..2 inside-without-end" }
    strict! { ioe2_type_change, Ioe2, "I-PER I-LOC E-LOC", "LOC 1..3", "PER 0..1 inside-without-end" }
    strict! { iobes_ok, Iobes, "B-PER I-PER E-PER S-PER O S-LOC", "PER 0..3, PER 3..4, LOC 5..6", "" }
    strict! { iobes_singles_adjacent, Iobes, "S-PER S-PER", "PER 0..1, PER 1..2", "" }
    strict! { iobes_end_then_begin, Iobes, "B-PER E-PER B-PER E-PER", "PER 0..2, PER 2..4", "" }
    strict! { iobes_begin_without_end, Iobes, "B-PER I-PER O S-LOC", "LOC 3..4", "PER 0..2 begin-without-end" }
    strict! { iobes_begin_at_end, Iobes, "O B-PER", "", "PER 1..2 begin-without-end" }
    strict! { iobes_begin_begin, Iobes, "B-PER B-PER E-PER", "PER 1..3", "PER 0..1 begin-without-end" }
    strict! { iobes_begin_then_single, Iobes, "B-PER S-PER", "PER 1..2", "PER 0..1 begin-without-end" }
    strict! { iobes_end_without_begin, Iobes, "O E-PER", "", "PER 1..2 end-without-begin" }
    strict! { iobes_end_end, Iobes, "B-PER E-PER E-PER", "PER 0..2", "PER 2..3 end-without-begin" }
    strict! { iobes_inside_after_outside, Iobes, "O I-PER E-PER", "", "PER 1..3 inside-after-outside" }
    strict! { iobes_inside_after_single, Iobes, "S-PER I-PER E-PER", "PER 0..1", "PER 1..3 inside-after-end" }
    strict! { iobes_type_change, Iobes, "B-PER E-LOC", "", "PER 0..1 begin-without-end, LOC 1..2 type-change" }
    strict! { bilou_unit_inside_entity, Bilou, "B-PER I-PER U-PER L-PER", "PER 2..3", "PER 0..2 begin-without-end, PER 3..4 end-without-begin" }
    strict! { bilou_type_change, Bilou, "B-PER I-LOC L-LOC", "", "PER 0..1 begin-without-end, LOC 1..3 type-change" }
    strict! { bilou_ok, Bilou, "B-PER I-PER L-PER U-PER U-LOC", "PER 0..3, PER 3..4, LOC 4..5", "" }
    strict! { bilou_begin_without_last, Bilou, "B-PER O", "", "PER 0..1 begin-without-end" }
    strict! { bilou_last_without_begin, Bilou, "U-PER L-PER", "PER 0..1", "PER 1..2 end-without-begin" }
    strict! { io_runs, Io, "I-PER I-PER I-LOC O I-PER", "PER 0..2, LOC 2..3, PER 4..5", "" }
    strict! { empty_sentence, Iobes, "", "", "" }
    strict! { all_outside, Iob2, "O O O", "", "" }

    macro_rules! strict_refuses {
        ($name:ident, $scheme:ident, $tags:expr, $index:expr, $why:expr) => {
            #[test]
            fn $name() {
                let (mut es, mut bad) = (Vec::new(), Vec::new());
                let err =
                    decode_strict(TagScheme::$scheme, &tags($tags), &mut es, &mut bad).unwrap_err();
                assert_eq!(err.index, $index);
                assert!(err.reason.contains($why), "{}", err.reason);
                assert!(es.is_empty() && bad.is_empty());
            }
        };
    }

    strict_refuses! { iob2_refuses_single, Iob2, "B-PER O S-LOC", 2, "S- is not a tag of the iob2 scheme" }
    strict_refuses! { io_refuses_begin, Io, "I-PER B-PER", 1, "B- is not a tag of the io scheme" }
    strict_refuses! { iobes_refuses_last, Iobes, "B-PER L-PER", 1, "L- is not a tag of the iobes scheme" }
    strict_refuses! { bilou_refuses_end, Bilou, "O E-PER", 1, "uses O, B-, I-, L- and U-" }
    strict_refuses! { ioe2_refuses_begin, Ioe2, "B-PER", 0, "B-PER: B-" }

    // Lenient decoding: (scheme or inferred, tags) => (entities, repairs).

    macro_rules! lenient {
        ($name:ident, $scheme:expr, $tags:expr, $entities:expr, $repairs:expr) => {
            #[test]
            fn $name() {
                assert_eq!(
                    lenient($scheme, $tags),
                    ($entities.to_string(), $repairs.to_string())
                );
            }
        };
    }

    const IOB2: Option<TagScheme> = Some(TagScheme::Iob2);
    const IOB1: Option<TagScheme> = Some(TagScheme::Iob1);
    const IOBES: Option<TagScheme> = Some(TagScheme::Iobes);
    lenient! { lenient_iob2_orphan, IOB2, "O I-PER I-PER", "PER 1..3", "PER 1..3 inside-after-outside" }
    lenient! { lenient_iob1_orphan_is_fine, IOB1, "O I-PER I-PER", "PER 1..3", "" }
    lenient! { lenient_iob2_type_change, IOB2, "B-PER I-LOC", "PER 0..1, LOC 1..2", "LOC 1..2 type-change" }
    lenient! { lenient_iob2_foreign, IOB2, "B-PER E-PER", "PER 0..2", "PER 0..2 foreign-prefix" }
    lenient! { lenient_iobes_unclosed, IOBES, "B-PER I-PER O", "PER 0..2", "PER 0..2 begin-without-end" }
    lenient! { lenient_infers_iobes, None, "B-PER I-PER S-PER E-PER", "PER 0..2, PER 2..3, PER 3..4", "PER 0..2 begin-without-end, PER 3..4 end-without-begin" }
    lenient! { lenient_infers_iob1, None, "I-PER B-PER O I-LOC", "PER 0..1, PER 1..2, LOC 3..4", "" }
    lenient! { lenient_infers_ioe1, None, "I-PER E-PER I-PER I-PER", "PER 0..2, PER 2..4", "" }
    lenient! { lenient_infers_bilou, None, "U-PER U-PER S-LOC", "PER 0..1, PER 1..2, LOC 2..3", "LOC 2..3 foreign-prefix" }
    lenient! { lenient_splits_iobes_singles, None, "S-PER S-PER", "PER 0..1, PER 1..2", "" }
    lenient! { lenient_splits_end_begin, None, "B-PER E-PER B-PER E-PER", "PER 0..2, PER 2..4", "" }
    lenient! { lenient_type_change_splits, None, "I-PER I-LOC", "PER 0..1, LOC 1..2", "" }
    lenient! { lenient_mixed_begin_end, None, "B-PER I-PER E-PER I-PER", "PER 0..3, PER 3..4", "PER 3..4 inside-after-end" }

    #[test]
    fn lenient_appends() {
        let (mut es, mut bad) = (entities("X 0..1"), Vec::new());
        decode_lenient(&tags("B-PER"), &mut es, &mut bad);
        assert_eq!(show_entities(&es), "X 0..1, PER 0..1");
    }

    // Properties.

    const LABELS: [&str; 4] = ["PER", "LOC", "ORG", "MISC"];

    /// A sentence length and sorted, disjoint, non-empty entities in it;
    /// gaps of 0 are common so that same-type entities are often adjacent.
    fn sentence() -> impl Strategy<Value = (usize, Vec<Entity<'static>>)> {
        (
            0usize..30,
            prop::collection::vec((0usize..3, 1usize..5, 0usize..4), 0..12),
        )
            .prop_map(|(len, parts)| {
                let mut pos = 0;
                let mut es = Vec::new();
                for (gap, n, label) in parts {
                    let start = pos + gap % 2 * gap;
                    if start + n > len {
                        break;
                    }
                    es.push(Entity {
                        label: LABELS[label],
                        tokens: TokenSpan::new(start, start + n),
                    });
                    pos = start + n;
                }
                (len, es)
            })
    }

    fn adjacent_same_type(es: &[Entity<'_>]) -> bool {
        es.windows(2)
            .any(|w| w[0].tokens.end() == w[1].tokens.start() && w[0].label == w[1].label)
    }

    /// Any tags of `scheme`, over two labels so that runs are common.
    fn tags_in(scheme: TagScheme) -> impl Strategy<Value = Vec<Tag<'static>>> {
        let prefixes = scheme.prefixes();
        prop::collection::vec((0..prefixes.len(), 0usize..2), 0..16).prop_map(move |v| {
            v.into_iter()
                .map(|(p, l)| match prefixes[p] {
                    Prefix::Outside => Tag::OUTSIDE,
                    prefix => Tag {
                        prefix,
                        label: LABELS[l],
                    },
                })
                .collect()
        })
    }

    fn any_tags() -> impl Strategy<Value = Vec<Tag<'static>>> {
        let all = [
            Prefix::Outside,
            Prefix::Begin,
            Prefix::Inside,
            Prefix::End,
            Prefix::Single,
            Prefix::Last,
            Prefix::Unit,
        ];
        prop::collection::vec((0..all.len(), 0usize..2), 0..16).prop_map(move |v| {
            v.into_iter()
                .map(|(p, l)| match all[p] {
                    Prefix::Outside => Tag::OUTSIDE,
                    prefix => Tag {
                        prefix,
                        label: LABELS[l],
                    },
                })
                .collect()
        })
    }

    /// conlleval.pl's startOfChunk/endOfChunk, ported directly, for the
    /// prefixes B, I, E and O (bracket and `.` tags cannot be parsed).
    fn conlleval_chunks<'a>(tags: &[Tag<'a>]) -> Vec<Entity<'a>> {
        fn letter(t: Tag<'_>) -> char {
            t.prefix.letter()
        }
        // Kept in conlleval.pl's shape rather than simplified.
        #[allow(clippy::nonminimal_bool)]
        let ends = |p: Tag<'_>, c: Tag<'_>| {
            let (pp, cp) = (letter(p), letter(c));
            (pp == 'B' && (cp == 'B' || cp == 'O'))
                || (pp == 'I' && (cp == 'B' || cp == 'O'))
                || (pp == 'E' && (cp == 'E' || cp == 'I' || cp == 'O'))
                || (pp != 'O' && p.label != c.label)
        };
        #[allow(clippy::nonminimal_bool)]
        let starts = |p: Tag<'_>, c: Tag<'_>| {
            let (pp, cp) = (letter(p), letter(c));
            (cp == 'B' && (pp == 'B' || pp == 'I' || pp == 'O'))
                || (cp == 'I' && (pp == 'O' || pp == 'E'))
                || (cp == 'E' && (pp == 'E' || pp == 'O'))
                || (cp != 'O' && p.label != c.label)
        };
        let mut out = Vec::new();
        let mut open: Option<(usize, &str)> = None;
        let mut prev = Tag::OUTSIDE;
        for (i, &c) in tags.iter().chain([&Tag::OUTSIDE]).enumerate() {
            if let Some((s, label)) = open {
                if ends(prev, c) {
                    out.push(Entity {
                        label,
                        tokens: TokenSpan::new(s, i),
                    });
                    open = None;
                }
            }
            if starts(prev, c) {
                open = Some((i, c.label));
            }
            prev = c;
        }
        out
    }

    proptest! {
        #[test]
        fn round_trip((len, es) in sentence()) {
            let mut out = Vec::new();
            for scheme in TagScheme::ALL {
                if scheme == TagScheme::Io && adjacent_same_type(&es) {
                    continue;
                }
                let mut t = Vec::new();
                encode(scheme, len, &es, &mut t).unwrap();
                prop_assert_eq!(t.len(), len);
                let mut bad = Vec::new();
                out.clear();
                decode_strict(scheme, &t, &mut out, &mut bad).unwrap();
                prop_assert_eq!(&out, &es, "strict {}", scheme);
                prop_assert!(bad.is_empty());
                out.clear();
                decode_lenient(&t, &mut out, &mut bad);
                prop_assert_eq!(&out, &es, "lenient {}", scheme);
                prop_assert!(bad.is_empty());
                out.clear();
                decode_lenient_in(scheme, &t, &mut out, &mut bad);
                prop_assert_eq!(&out, &es, "lenient in {}", scheme);
                prop_assert!(bad.is_empty());
            }
        }

        #[test]
        fn iob2_through_any_scheme_is_identity((len, es) in sentence()) {
            let mut iob2 = Vec::new();
            encode(TagScheme::Iob2, len, &es, &mut iob2).unwrap();
            for scheme in TagScheme::ALL {
                if scheme == TagScheme::Io && adjacent_same_type(&es) {
                    continue;
                }
                let (mut decoded, mut bad, mut other, mut back) =
                    (Vec::new(), Vec::new(), Vec::new(), Vec::new());
                decode_strict(TagScheme::Iob2, &iob2, &mut decoded, &mut bad).unwrap();
                encode(scheme, len, &decoded, &mut other).unwrap();
                decoded.clear();
                decode_strict(scheme, &other, &mut decoded, &mut bad).unwrap();
                encode(TagScheme::Iob2, len, &decoded, &mut back).unwrap();
                prop_assert_eq!(&back, &iob2);
                prop_assert!(bad.is_empty());
            }
        }

        /// Strict decoding flags a chunk exactly when the scheme could not
        /// have written the tags, and every non-O token is either in an
        /// entity or in an ill-formed chunk.
        #[test]
        fn strict_flags_exactly_what_encode_cannot_write(
            scheme in prop::sample::select(TagScheme::ALL.to_vec()),
            t in any_tags(),
        ) {
            let t: Vec<Tag> = t.into_iter().filter(|t| scheme.allows(t.prefix)).collect();
            let (mut es, mut bad, mut again) = (Vec::new(), Vec::new(), Vec::new());
            decode_strict(scheme, &t, &mut es, &mut bad).unwrap();
            encode(scheme, t.len(), &es, &mut again).unwrap();
            let mut covered = vec![false; t.len()];
            for span in es.iter().map(|e| e.tokens).chain(bad.iter().map(|b| b.tokens)) {
                for c in &mut covered[span.range()] {
                    prop_assert!(!*c);
                    *c = true;
                }
            }
            for (c, tag) in covered.iter().zip(&t) {
                prop_assert_eq!(*c, !tag.is_outside());
            }
            match scheme {
                TagScheme::Iob1 | TagScheme::Ioe1 => {
                    prop_assert!(bad.is_empty());
                    let mut es2 = Vec::new();
                    decode_strict(scheme, &again, &mut es2, &mut bad).unwrap();
                    prop_assert_eq!(es2, es);
                }
                _ => prop_assert_eq!(bad.is_empty(), again == t),
            }
        }

        /// Lenient decoding keeps every chunk, and its repairs are the
        /// chunks strict decoding drops.
        #[test]
        fn lenient_is_strict_plus_repairs(
            scheme in prop::sample::select(TagScheme::ALL.to_vec()),
            t in any_tags(),
        ) {
            let t: Vec<Tag> = t.into_iter().filter(|t| scheme.allows(t.prefix)).collect();
            let (mut strict_es, mut dropped) = (Vec::new(), Vec::new());
            decode_strict(scheme, &t, &mut strict_es, &mut dropped).unwrap();
            let (mut lenient_es, mut repairs) = (Vec::new(), Vec::new());
            decode_lenient_in(scheme, &t, &mut lenient_es, &mut repairs);
            prop_assert_eq!(&repairs, &dropped);
            let mut merged: Vec<Entity> = strict_es
                .iter()
                .copied()
                .chain(dropped.iter().map(|d| Entity { label: d.label, tokens: d.tokens }))
                .collect();
            merged.sort_by_key(|e| e.tokens);
            prop_assert_eq!(merged, lenient_es);
        }

        #[test]
        fn lenient_matches_conlleval_on_iob(t in tags_in(TagScheme::Iob2)) {
            let (mut es, mut bad) = (Vec::new(), Vec::new());
            decode_lenient(&t, &mut es, &mut bad);
            prop_assert_eq!(es, conlleval_chunks(&t));
        }

        #[test]
        fn lenient_matches_conlleval_on_ioe(t in tags_in(TagScheme::Ioe2)) {
            let (mut es, mut bad) = (Vec::new(), Vec::new());
            decode_lenient(&t, &mut es, &mut bad);
            prop_assert_eq!(es, conlleval_chunks(&t));
        }

        #[test]
        fn display_parse_round_trip(t in any_tags()) {
            for tag in t {
                let s = tag.to_string();
                prop_assert_eq!(Tag::parse(&s).unwrap(), tag);
            }
        }
    }
}
