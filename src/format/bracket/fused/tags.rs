//! The tags the fused route writes: for each label, the text that follows
//! a token on its line in every role the token can have in its entity,
//! looked up rather than worked out; and the labels seen, found by one
//! comparison of the bytes after a `[` (the opener cache).

use crate::bracket::opener_label_len;
use crate::convert::Summary;
use crate::scheme::{self, TagScheme};
use crate::sentence::Entity;
use crate::span::TokenSpan;

/// The most a tag line ending (separator, tag, newline) may take; labels
/// whose tags are longer go through the general route.
pub(super) const TAG_BYTES: usize = 32;

/// What follows a token on its line: separator, tag and newline, padded so
/// that it is copied with one fixed-size copy.
#[derive(Clone, Copy, Debug)]
pub(super) struct TagText {
    /// The text, then zeros.
    pub(super) bytes: [u8; TAG_BYTES],
    /// The length of the text.
    pub(super) len: usize,
}

impl TagText {
    /// The line ending of `tag` after `separator`; `None` when it is longer
    /// than [`TAG_BYTES`].
    pub(super) fn new(separator: &[u8], tag: &str) -> Option<TagText> {
        let len = separator.len() + tag.len() + 1;
        if len > TAG_BYTES {
            return None;
        }
        let mut bytes = [0; TAG_BYTES];
        bytes[..separator.len()].copy_from_slice(separator);
        bytes[separator.len()..len - 1].copy_from_slice(tag.as_bytes());
        bytes[len - 1] = b'\n';
        Some(TagText { bytes, len })
    }
}

/// The tags of a label, indexed by where a token sits in its entity:
/// [`FIRST`] if it is the entity's first token, [`LAST`] if its last, and
/// [`AFTER_SAME`] if the entity directly follows one of the same type
/// (IOB1 marks those with `B-`). Outside entities every entry is `O`, so
/// that a token's tag is one lookup whether it is in an entity or not.
pub(super) type TagSet = [TagText; 8];
/// The role bit of an entity's first token.
pub(super) const FIRST: usize = 1;
/// The role bit of an entity's last token.
pub(super) const LAST: usize = 2;
/// The role bit of the tokens of an entity that directly follows one of
/// the same type.
pub(super) const AFTER_SAME: usize = 4;

/// The tag set of `label` in `scheme`, as [`scheme::encode`] writes it;
/// `None` when a tag is longer than [`TAG_BYTES`].
fn tag_set(scheme: TagScheme, separator: &[u8], label: &str) -> Option<TagSet> {
    let entity = |start, end| Entity {
        label,
        tokens: TokenSpan::new(start, end),
    };
    // Each role in a small sentence: the token at `at` of these entities.
    let single = [entity(0, 1)];
    let three = [entity(0, 3)];
    let single_after = [entity(0, 1), entity(1, 2)];
    let three_after = [entity(0, 1), entity(1, 4)];
    let example = |index: usize| -> (&[Entity<'_>], usize) {
        match (
            index & FIRST != 0,
            index & LAST != 0,
            index & AFTER_SAME != 0,
        ) {
            (false, false, false) => (&three, 1),
            (true, false, false) => (&three, 0),
            (false, true, false) => (&three, 2),
            (true, true, false) => (&single, 0),
            (false, false, true) => (&three_after, 2),
            (true, false, true) => (&three_after, 1),
            (false, true, true) => (&three_after, 3),
            (true, true, true) => (&single_after, 1),
        }
    };
    let mut set = [TagText::new(separator, "O")?; 8];
    let mut tags = Vec::new();
    for (index, slot) in set.iter_mut().enumerate() {
        let (entities, at) = example(index);
        let len = entities.last().map_or(0, |e| e.tokens.end());
        scheme::encode(scheme, len, entities, &mut tags).ok()?;
        *slot = TagText::new(separator, &tags[at].to_string())?;
    }
    Some(set)
}

/// True for the schemes whose tags the fused route writes: those where a
/// token's tag depends on its own entity only (and, for IOB1, on the entity
/// before it), and where every entity written is read back.
pub(super) fn fused_scheme(scheme: TagScheme) -> bool {
    matches!(
        scheme,
        TagScheme::Iob1 | TagScheme::Iob2 | TagScheme::Ioe2 | TagScheme::Iobes | TagScheme::Bilou
    )
}

/// A label seen in the input, with its tag set when the fused route can
/// write it (the label is allowed and its tags fit in [`TAG_BYTES`]).
#[derive(Debug)]
struct Label {
    name: String,
    set: Option<usize>,
}

/// An opener the fused route recognises by one comparison of the bytes
/// after `[`: the label and the space after it.
#[derive(Clone, Copy, Debug)]
struct CachedOpener {
    /// The label and a space, in the low bytes, zeros above them;
    /// [`NO_OPENER`]'s key for an empty slot.
    key: u128,
    label: usize,
}

/// The empty slot. Its key is one no lookup can make: a lookup's key is
/// the bytes after a `[` up to the first delimiter (whitespace or a
/// bracket, all ASCII) with zeros above, so its byte 15 is zero or a
/// delimiter, never 0xFF. (A key of 0 was made by a `[` at the end of the
/// input, where zeros pad the text, and matched the empty slot.)
const NO_OPENER: CachedOpener = CachedOpener {
    key: u128::MAX,
    label: usize::MAX,
};

/// The cache slot of an opener key.
#[inline(always)]
fn opener_slot(key: u128) -> usize {
    let x = (key as u64) ^ ((key >> 64) as u64);
    (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize
}

/// The labels seen, their tags and the entities counted for each.
#[derive(Debug)]
pub(super) struct Labels {
    scheme: TagScheme,
    separator: &'static [u8],
    allowed: Option<Vec<String>>,
    labels: Vec<Label>,
    /// The index of each label's name in `labels`.
    index: crate::intern::LabelIndex,
    /// Entities per label, read and written alike.
    counts: Vec<u64>,
    openers: [CachedOpener; 64],
}

impl Labels {
    /// No labels yet, for tags in `scheme` after `separator`; with
    /// `allowed`, only those labels are written (others go the general
    /// route, which reports them).
    pub(super) fn new(
        scheme: TagScheme,
        separator: &'static [u8],
        allowed: Option<Vec<String>>,
    ) -> Labels {
        Labels {
            scheme,
            separator,
            allowed,
            labels: Vec::new(),
            index: crate::intern::LabelIndex::default(),
            counts: Vec::new(),
            openers: [NO_OPENER; 64],
        }
    }

    /// The label of the opener whose `[` is at `at` of `text` (which is
    /// followed by at least [`SLACK`](super::emit::SLACK) bytes in `src`)
    /// and the offset of the entity's text, given the length of the run of
    /// non-delimiters after the `[`; `None` when it is not an opener of a
    /// label this route writes.
    #[inline(always)]
    pub(super) fn opener(
        &mut self,
        sets: &mut Vec<TagSet>,
        src: &[u8],
        text: &[u8],
        at: usize,
        run: usize,
    ) -> Option<(usize, usize)> {
        if run < 16 {
            let after: [u8; 16] = src[at + 1..at + 17].try_into().expect("sixteen bytes");
            let key = u128::from_le_bytes(after) & (u128::MAX >> (8 * (15 - run)));
            let cached = &self.openers[opener_slot(key)];
            if cached.key == key {
                return Some((cached.label, at + 2 + run));
            }
        }
        self.new_opener(sets, text, at)
    }

    #[cold]
    fn new_opener(
        &mut self,
        sets: &mut Vec<TagSet>,
        text: &[u8],
        at: usize,
    ) -> Option<(usize, usize)> {
        // The route runs only without labels outside the default pattern.
        let len = opener_label_len(&text[at + 1..], &[])?;
        let name = &text[at + 1..at + 1 + len];
        let label = self.get(sets, name)?;
        // Only a label and a space that fit in sixteen bytes, in a free
        // slot: others keep taking this slower way, which is exact.
        if len < 16 && text[at + 1 + len] == b' ' {
            let mut key = [0; 16];
            key[..len].copy_from_slice(name);
            key[len] = b' ';
            let key = u128::from_le_bytes(key);
            let slot = &mut self.openers[opener_slot(key)];
            if slot.key == NO_OPENER.key {
                *slot = CachedOpener { key, label };
            }
        }
        Some((label, at + 1 + len))
    }

    /// The index of label `name` when the fused route can write it.
    fn get(&mut self, sets: &mut Vec<TagSet>, name: &[u8]) -> Option<usize> {
        match self.index.find(name) {
            Some(i) => self.labels[i].set.map(|_| i),
            None => self.add(sets, name),
        }
    }

    fn add(&mut self, sets: &mut Vec<TagSet>, name: &[u8]) -> Option<usize> {
        // Labels are ASCII: `opener_label_len` accepted them.
        let name = String::from_utf8_lossy(name).into_owned();
        let allowed = self.allowed.as_ref().is_none_or(|set| set.contains(&name));
        let set = if allowed {
            tag_set(self.scheme, self.separator, &name)
        } else {
            None
        };
        let set = set.map(|set| {
            sets.push(set);
            sets.len() - 1
        });
        self.index.add(name.as_bytes());
        self.labels.push(Label { name, set });
        self.counts.push(0);
        set.map(|_| self.labels.len() - 1)
    }

    /// The index of the tag set of `label` (one handed out by
    /// [`Labels::opener`]).
    pub(super) fn set_of(&self, label: usize) -> usize {
        self.labels[label]
            .set
            .expect("labels are handed out only with their tags")
    }

    /// The tag scheme.
    #[inline(always)]
    pub(super) fn scheme(&self) -> TagScheme {
        self.scheme
    }

    /// Counts an entity of `label` as read and written.
    #[inline(always)]
    pub(super) fn count_entity(&mut self, label: usize) {
        self.counts[label] += 1;
    }

    /// Counts `n` entities of `label` as read and written.
    pub(super) fn count_entities(&mut self, label: usize, n: u64) {
        self.counts[label] += n;
    }

    /// Adds the entities counted to `summary`.
    pub(super) fn count_into(&self, summary: &mut Summary) {
        for (label, &n) in self.labels.iter().zip(&self.counts) {
            if n > 0 {
                summary.read.add(&label.name, n);
                summary.written.add(&label.name, n);
            }
        }
    }
}
