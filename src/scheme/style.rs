//! Tag styles: how a tag spells its prefix and its type.
//!
//! Most tools write the prefix first (`B-PER`, [`TagStyle::Prefix`]), but
//! users also have files with the prefix last (`PER-B`,
//! [`TagStyle::Suffix`]), with no prefix at all (Few-NERD's `location-GPE`:
//! IO tags whose text is the type, [`TagStyle::Unprefixed`]) and with no
//! type at all (chunking or span-detection files of `B`, `I`, `O`:
//! [`TagStyle::Bare`]). A [`Tag`] is the same whatever the style; only
//! reading ([`Tag::parse_in`]) and writing ([`Tag::push_styled`]) differ.

use std::fmt;
use std::str::FromStr;

use super::{Prefix, Tag, TagError, TagScheme};

/// How a tag spells its prefix and its type.
///
/// Each variant shows the tags of `Alex Smith met in New York` in IOB2
/// (IO for [`TagStyle::Unprefixed`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TagStyle {
    /// The prefix, a hyphen, the type: `B-PER I-PER O O B-LOC I-LOC`.
    #[default]
    Prefix,
    /// The type, a hyphen, the prefix: `PER-B PER-I O O LOC-B LOC-I`. The
    /// prefix is the letter after the **last** hyphen, so types may hold
    /// hyphens (`PER-NAME-B`).
    Suffix,
    /// The type alone, as Few-NERD writes it: `PER PER O O LOC LOC`
    /// (`person-actor`, `location-GPE`). These are IO tags: every token of
    /// an entity has the same tag, so adjacent entities of one type merge.
    /// Any text but `O` is a type.
    Unprefixed,
    /// The prefix alone, with an empty type: `B I O O B I`. conlleval.pl
    /// reads `B` as the prefix `B` with an empty type, and so does nerkit.
    Bare,
}

impl TagStyle {
    /// Every style, in documentation order.
    pub const ALL: [TagStyle; 4] = [
        TagStyle::Prefix,
        TagStyle::Suffix,
        TagStyle::Unprefixed,
        TagStyle::Bare,
    ];

    /// The only scheme the style can write, if it is limited to one:
    /// [`TagStyle::Unprefixed`] holds no prefix, so its tags are IO.
    pub const fn only_scheme(self) -> Option<TagScheme> {
        match self {
            TagStyle::Unprefixed => Some(TagScheme::Io),
            _ => None,
        }
    }

    /// True when tags of this style hold an entity type; [`TagStyle::Bare`]
    /// tags hold none, so only entities with an empty label can be written
    /// in it, and only those can be written in the others.
    pub const fn has_types(self) -> bool {
        !matches!(self, TagStyle::Bare)
    }
}

impl FromStr for TagStyle {
    type Err = String;

    fn from_str(s: &str) -> Result<TagStyle, String> {
        match s.to_ascii_lowercase().as_str() {
            "prefix" | "b-per" => Ok(TagStyle::Prefix),
            "suffix" | "per-b" => Ok(TagStyle::Suffix),
            "none" | "unprefixed" | "per" | "type" => Ok(TagStyle::Unprefixed),
            "bare" | "b" | "prefix-only" => Ok(TagStyle::Bare),
            _ => Err(format!(
                "unknown tag style \"{s}\" (expected prefix (B-PER), suffix (PER-B), \
                 none (PER, IO tags as Few-NERD writes them) or bare (B, I, O))"
            )),
        }
    }
}

impl fmt::Display for TagStyle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TagStyle::Prefix => "prefix",
            TagStyle::Suffix => "suffix",
            TagStyle::Unprefixed => "none",
            TagStyle::Bare => "bare",
        })
    }
}

/// The prefix written with the one-byte tag `b`, other than `O`.
fn entity_letter(b: &[u8]) -> Option<Prefix> {
    match b {
        [c] => Prefix::from_letter(*c).filter(|&p| p != Prefix::Outside),
        _ => None,
    }
}

impl<'a> Tag<'a> {
    /// Reads a tag written in `style`: [`Tag::parse`] for
    /// [`TagStyle::Prefix`]; `O` or `TYPE-X` (X one of `B I E S L U`, after
    /// the last hyphen) for [`TagStyle::Suffix`]; `O` or any other
    /// non-empty text, an `I-` tag of that type, for
    /// [`TagStyle::Unprefixed`]; `O` or one of `B I E S L U`, with an empty
    /// type, for [`TagStyle::Bare`]. Nothing is allocated unless the tag is
    /// rejected.
    ///
    /// # Errors
    /// When `s` is not a tag of the style.
    ///
    /// # Example
    /// ```
    /// use nerkit::{Prefix, Tag, TagStyle};
    /// let t = Tag::parse_in(TagStyle::Suffix, "PER-NAME-B").unwrap();
    /// assert_eq!((t.prefix, t.label), (Prefix::Begin, "PER-NAME"));
    /// let t = Tag::parse_in(TagStyle::Unprefixed, "location-GPE").unwrap();
    /// assert_eq!((t.prefix, t.label), (Prefix::Inside, "location-GPE"));
    /// let t = Tag::parse_in(TagStyle::Bare, "B").unwrap();
    /// assert_eq!((t.prefix, t.label), (Prefix::Begin, ""));
    /// assert!(Tag::parse_in(TagStyle::Bare, "B-PER").is_err());
    /// ```
    #[inline]
    pub fn parse_in(style: TagStyle, s: &'a str) -> Result<Tag<'a>, TagError> {
        match style {
            TagStyle::Prefix => Tag::parse(s),
            _ if s == "O" => Ok(Tag::OUTSIDE),
            TagStyle::Suffix => {
                let b = s.as_bytes();
                let cut = b.iter().rposition(|&c| c == b'-');
                match cut.and_then(|i| Some((i, entity_letter(&b[i + 1..])?))) {
                    Some((i, prefix)) if i > 0 => Ok(Tag {
                        prefix,
                        // The hyphen is ASCII, so `i` is a char boundary.
                        label: &s[..i],
                    }),
                    _ => Err(style_error(style, s)),
                }
            }
            TagStyle::Unprefixed => {
                // A number, punctuation or `_` is a misread column, not a
                // type.
                if tag_style_of(s).is_none() {
                    Err(style_error(style, s))
                } else {
                    Ok(Tag {
                        prefix: Prefix::Inside,
                        label: s,
                    })
                }
            }
            TagStyle::Bare => match entity_letter(s.as_bytes()) {
                Some(prefix) => Ok(Tag { prefix, label: "" }),
                None => Err(style_error(style, s)),
            },
        }
    }

    /// Appends the tag as written in `style` to `buf`. An unprefixed tag is
    /// its type whatever its prefix (encode in IO for it), and a bare tag is
    /// its prefix letter whatever its type (write only typeless entities in
    /// it).
    #[inline]
    pub fn push_styled(self, style: TagStyle, buf: &mut Vec<u8>) {
        if self.is_outside() {
            buf.push(b'O');
            return;
        }
        match style {
            TagStyle::Prefix => self.push_to(buf),
            TagStyle::Suffix => {
                buf.extend_from_slice(self.label.as_bytes());
                buf.push(b'-');
                buf.push(self.prefix.letter() as u8);
            }
            TagStyle::Unprefixed => buf.extend_from_slice(self.label.as_bytes()),
            TagStyle::Bare => buf.push(self.prefix.letter() as u8),
        }
    }

    /// The tag as written in `style`, as a `String` (see
    /// [`Tag::push_styled`]).
    pub fn to_styled(self, style: TagStyle) -> String {
        let mut buf = Vec::new();
        self.push_styled(style, &mut buf);
        String::from_utf8(buf).expect("tags are text")
    }
}

/// Why an entity labelled `label` cannot be written in `style` so that a
/// reader of that style finds it again, if it cannot.
pub(crate) fn label_fault(style: TagStyle, label: &str) -> Option<String> {
    match style {
        TagStyle::Bare if !label.is_empty() => Some(format!(
            "the bare tag style (B, I, O) holds no type, so the {label} entity cannot be \
             written in it; write a style with types (prefix, suffix or none)"
        )),
        TagStyle::Bare => None,
        _ if label.is_empty() => Some(
            "an entity has no type (it was read from bare B, I, O tags); write it in the \
             bare tag style"
                .to_string(),
        ),
        TagStyle::Unprefixed if label == "O" || tag_style_of(label).is_none() => Some(format!(
            "the label {label:?} cannot be written as an unprefixed tag: it would not be read \
             back as a type"
        )),
        _ => None,
    }
}

#[cold]
fn style_error(style: TagStyle, s: &str) -> TagError {
    let expected = match style {
        TagStyle::Prefix => "O or a prefix B-, I-, E-, S-, L- or U- followed by a type",
        TagStyle::Suffix => "O or a type followed by -B, -I, -E, -S, -L or -U",
        TagStyle::Unprefixed => "O or a type (a word such as PER or location-GPE)",
        TagStyle::Bare => "O, B, I, E, S, L or U",
    };
    let mut reason = format!("\"{s}\" is not a tag of the {style} tag style: expected {expected}");
    if let Some(other) = tag_style_of(s).filter(|&o| o != style) {
        reason.push_str(&format!(" (it is shaped like the {other} style)"));
    }
    TagError { reason }
}

/// The style a single field is shaped like, if it looks like a tag at all:
/// `O` is [`TagStyle::Prefix`] (every style writes it); `B-PER` prefix;
/// `PER-B` suffix; `B` bare; a word of letters, digits, `-`, `_`, `/`, `.`
/// and `:` that holds a letter, such as `location-GPE` or `PER`, none
/// (unprefixed). Numbers, punctuation and empty fields are no tag. For
/// format detection, which needs to tell a column of tags from a column of
/// words: an unprefixed tag looks like many words, so the caller should
/// also check that the column's values are few.
///
/// # Example
/// ```
/// use nerkit::scheme::tag_style_of;
/// use nerkit::TagStyle;
/// assert_eq!(tag_style_of("B-PER"), Some(TagStyle::Prefix));
/// assert_eq!(tag_style_of("PER-B"), Some(TagStyle::Suffix));
/// assert_eq!(tag_style_of("I"), Some(TagStyle::Bare));
/// assert_eq!(tag_style_of("location-GPE"), Some(TagStyle::Unprefixed));
/// assert_eq!(tag_style_of("0.98"), None);
/// ```
pub fn tag_style_of(field: &str) -> Option<TagStyle> {
    let b = field.as_bytes();
    if field == "O" || (b.len() > 2 && entity_letter(&b[..1]).is_some() && b[1] == b'-') {
        return Some(TagStyle::Prefix);
    }
    if entity_letter(b).is_some() {
        return Some(TagStyle::Bare);
    }
    if b.len() > 2 && b[b.len() - 2] == b'-' && entity_letter(&b[b.len() - 1..]).is_some() {
        return Some(TagStyle::Suffix);
    }
    if field.parse::<f64>().is_ok() {
        return None;
    }
    let word = field
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '/' | '.' | ':' | '&' | '+'));
    (word && field.chars().any(char::is_alphabetic)).then_some(TagStyle::Unprefixed)
}

/// Watches tags as written and decides which [`TagStyle`] they are in
/// (fields shaped like no tag, such as numbers and `_`, do not count):
/// bare when every tag but `O` is a lone prefix letter; else prefix when
/// some tag is shaped `X-TYPE`; else suffix when some tag is shaped
/// `TYPE-X`; else unprefixed when some tag is not `O`; prefix when there is
/// nothing but `O`. A file of prefix tags with a few stray words is thus
/// read in the prefix style, and the strays are errors, rather than the
/// whole file being read as unprefixed types.
#[derive(Clone, Debug, Default)]
pub struct StyleDetector {
    prefix: bool,
    suffix: bool,
    bare: bool,
    other: bool,
}

impl StyleDetector {
    /// A detector that has seen nothing.
    pub fn new() -> StyleDetector {
        StyleDetector::default()
    }

    /// Looks at one tag as written.
    pub fn observe(&mut self, tag: &str) {
        if tag == "O" {
            return;
        }
        // `b-PER` and `o` are miscased prefix tags, errors to point out
        // rather than types to read.
        let b = tag.as_bytes();
        if tag == "o" || (b.len() > 2 && b[1] == b'-' && b"bieslu".contains(&b[0])) {
            self.prefix = true;
            return;
        }
        match tag_style_of(tag) {
            Some(TagStyle::Prefix) => self.prefix = true,
            Some(TagStyle::Suffix) => self.suffix = true,
            Some(TagStyle::Bare) => self.bare = true,
            Some(TagStyle::Unprefixed) => self.other = true,
            // Numbers, punctuation and `_` are no tags of any style.
            None => {}
        }
    }

    /// The style of the tags seen so far.
    pub fn style(&self) -> TagStyle {
        if self.bare && !(self.prefix || self.suffix || self.other) {
            TagStyle::Bare
        } else if self.prefix {
            TagStyle::Prefix
        } else if self.suffix {
            TagStyle::Suffix
        } else if self.other || self.bare {
            TagStyle::Unprefixed
        } else {
            TagStyle::Prefix
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! styled {
        ($name:ident, $style:ident, $s:expr, $prefix:ident, $label:expr) => {
            #[test]
            fn $name() {
                let tag = Tag::parse_in(TagStyle::$style, $s).unwrap();
                assert_eq!((tag.prefix, tag.label), (Prefix::$prefix, $label));
                assert_eq!(tag.to_styled(TagStyle::$style), $s);
            }
        };
    }

    styled! { suffix_begin, Suffix, "PER-B", Begin, "PER" }
    styled! { suffix_hyphenated, Suffix, "PER-NAME-I", Inside, "PER-NAME" }
    styled! { suffix_outside, Suffix, "O", Outside, "" }
    styled! { suffix_unit, Suffix, "LOC-U", Unit, "LOC" }
    styled! { unprefixed_fewnerd, Unprefixed, "location-GPE", Inside, "location-GPE" }
    styled! { unprefixed_outside, Unprefixed, "O", Outside, "" }
    styled! { bare_begin, Bare, "B", Begin, "" }
    styled! { bare_single, Bare, "S", Single, "" }
    styled! { bare_outside, Bare, "O", Outside, "" }
    styled! { prefix_is_parse, Prefix, "B-PER", Begin, "PER" }

    macro_rules! refuses {
        ($name:ident, $style:ident, $s:expr, $why:expr) => {
            #[test]
            fn $name() {
                let e = Tag::parse_in(TagStyle::$style, $s).unwrap_err();
                assert!(e.reason.contains($why), "{}", e.reason);
            }
        };
    }

    refuses! { suffix_refuses_prefix, Suffix, "B-PER", "shaped like the prefix style" }
    refuses! { suffix_refuses_no_type, Suffix, "-B", "suffix tag style" }
    refuses! { suffix_refuses_lowercase, Suffix, "PER-b", "suffix tag style" }
    refuses! { bare_refuses_typed, Bare, "B-PER", "shaped like the prefix style" }
    refuses! { bare_refuses_x, Bare, "X", "bare tag style" }
    refuses! { unprefixed_refuses_empty, Unprefixed, "", "none tag style" }
    refuses! { prefix_refuses_bare, Prefix, "B", "is not a tag" }

    #[test]
    fn shapes() {
        for (field, style) in [
            ("O", Some(TagStyle::Prefix)),
            ("I-MISC", Some(TagStyle::Prefix)),
            ("MISC-I", Some(TagStyle::Suffix)),
            ("E", Some(TagStyle::Bare)),
            ("person-actor", Some(TagStyle::Unprefixed)),
            (
                "event-attack/battle/war/militaryconflict",
                Some(TagStyle::Unprefixed),
            ),
            ("0.98", None),
            ("-1.5e-3", None),
            (",", None),
            ("", None),
        ] {
            assert_eq!(tag_style_of(field), style, "{field}");
        }
    }

    #[test]
    fn detection() {
        let detect = |tags: &[&str]| {
            let mut d = StyleDetector::new();
            tags.iter().for_each(|t| d.observe(t));
            d.style()
        };
        assert_eq!(detect(&[]), TagStyle::Prefix);
        assert_eq!(detect(&["O", "O"]), TagStyle::Prefix);
        assert_eq!(detect(&["B", "I", "O"]), TagStyle::Bare);
        assert_eq!(detect(&["B-PER", "I-PER", "O"]), TagStyle::Prefix);
        // A stray word in prefix tags: read as prefix, and the word fails.
        assert_eq!(detect(&["B-PER", "oops", "O"]), TagStyle::Prefix);
        assert_eq!(detect(&["b-PER", "O"]), TagStyle::Prefix);
        assert_eq!(detect(&["PER-B", "PER-I", "O"]), TagStyle::Suffix);
        assert_eq!(
            detect(&["person-actor", "O", "location-GPE"]),
            TagStyle::Unprefixed
        );
        // Bare letters among types are single-letter types (`I`, `B`).
        assert_eq!(detect(&["B", "person"]), TagStyle::Unprefixed);
    }
}
