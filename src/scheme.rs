//! Tag schemes: entities to tags and tags back to entities.
//!
//! SKELETON: signatures are fixed; bodies to be completed.

use std::fmt;
use std::str::FromStr;

use crate::sentence::Entity;
use crate::span::TokenSpan;

/// A tag scheme (IOB2 and friends).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TagScheme {
    /// IO.
    Io,
    /// IOB1.
    Iob1,
    /// IOB2 / BIO.
    #[default]
    Iob2,
    /// IOE1.
    Ioe1,
    /// IOE2.
    Ioe2,
    /// IOBES / BIOES.
    Iobes,
    /// BILOU / BILUO.
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
            _ => Err(format!("unknown tag scheme \"{s}\"")),
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

impl<'a> Tag<'a> {
    /// The `O` tag.
    pub const OUTSIDE: Tag<'static> = Tag {
        prefix: Prefix::Outside,
        label: "",
    };

    /// Reads `O` or `X-LABEL` with X one of `B I E S L U`.
    pub fn parse(s: &'a str) -> Result<Tag<'a>, TagError> {
        let _ = s;
        todo!()
    }
}

impl fmt::Display for Tag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let _ = f;
        todo!()
    }
}

/// Why entities cannot be encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodeError {
    /// Why.
    pub reason: String,
}

/// Writes the tags of a sentence of `len` tokens with `entities` into `tags`
/// (cleared first).
pub fn encode<'a>(
    scheme: TagScheme,
    len: usize,
    entities: &[Entity<'a>],
    tags: &mut Vec<Tag<'a>>,
) -> Result<(), EncodeError> {
    let _ = (scheme, len, entities, tags);
    todo!()
}

/// A chunk of tags that is not well-formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IllFormed<'a> {
    /// The tokens of the chunk.
    pub tokens: TokenSpan,
    /// Its label.
    pub label: &'a str,
    /// What kind of problem.
    pub kind: &'static str,
}

/// Decodes tags like conlleval.pl (lenient), appending entities and
/// repairs.
pub fn decode_lenient<'a>(
    tags: &[Tag<'a>],
    entities: &mut Vec<Entity<'a>>,
    repairs: &mut Vec<IllFormed<'a>>,
) {
    let _ = (tags, entities, repairs);
    todo!()
}

/// A tag the scheme does not allow, at token `index`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemeError {
    /// Index of the tag.
    pub index: usize,
    /// Why.
    pub reason: String,
}

/// Decodes tags strictly in `scheme`, appending entities and ill-formed
/// chunks.
pub fn decode_strict<'a>(
    scheme: TagScheme,
    tags: &[Tag<'a>],
    entities: &mut Vec<Entity<'a>>,
    ill_formed: &mut Vec<IllFormed<'a>>,
) -> Result<(), SchemeError> {
    let _ = (scheme, tags, entities, ill_formed);
    todo!()
}
