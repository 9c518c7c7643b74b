//! The tags the fused route writes: for each label, the text that follows
//! a token on its line in every role the token can have in its entity,
//! looked up rather than worked out; and the labels seen, found by one
//! comparison of the bytes after a `[` (the opener cache).

use crate::bracket::opener_label_len;
use crate::convert::Summary;
use crate::scheme::{self, Tag, TagScheme, TagStyle};
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
    pub(super) fn new(separator: &[u8], tag: &[u8]) -> Option<TagText> {
        let len = separator.len() + tag.len() + 1;
        if len > TAG_BYTES {
            return None;
        }
        let mut bytes = [0; TAG_BYTES];
        bytes[..separator.len()].copy_from_slice(separator);
        bytes[separator.len()..len - 1].copy_from_slice(tag);
        bytes[len - 1] = b'\n';
        Some(TagText { bytes, len })
    }

    /// The line ending of `tag` written in `style` after `separator`, as
    /// the CoNLL writer writes it.
    fn styled(separator: &[u8], style: TagStyle, tag: Tag<'_>) -> Option<TagText> {
        let mut text = Vec::new();
        tag.push_styled(style, &mut text);
        TagText::new(separator, &text)
    }
}

/// How the tag of an entity's last token changes when the next entity
/// directly follows it with the same type (IOE1 ends it with `E-`, where it
/// is otherwise `I-`): the one byte of its [`TagText`] that differs. The
/// route writes the tag as if nothing followed, and overwrites that byte
/// when such an entity opens.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct EndPatch {
    /// Where the byte is in the tag text; `None` when the tag does not
    /// change.
    pub(super) at: Option<usize>,
    /// The byte written there.
    pub(super) byte: u8,
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

/// The tag set of `label` in `scheme` and `style`, as [`scheme::encode`]
/// and the CoNLL writer write it, and the [`EndPatch`] of its last tag;
/// `None` when a tag is longer than [`TAG_BYTES`] (or, in no scheme, when
/// the last tag before an entity of the same type differs in more than a
/// byte).
fn tag_set(
    scheme: TagScheme,
    style: TagStyle,
    separator: &[u8],
    label: &str,
) -> Option<(TagSet, EndPatch)> {
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
    let mut set = [TagText::new(separator, b"O")?; 8];
    let mut tags = Vec::new();
    for (index, slot) in set.iter_mut().enumerate() {
        let (entities, at) = example(index);
        let len = entities.last().map_or(0, |e| e.tokens.end());
        scheme::encode(scheme, len, entities, &mut tags).ok()?;
        *slot = TagText::styled(separator, style, tags[at])?;
    }
    // The last token of an entity that one of its type directly follows,
    // against the same token with nothing after it. In every role the
    // last tag of such an entity is the same (IOE1 tags depend on the
    // next entity only), so the patch holds whatever the entity's roles.
    let before_same = [entity(0, 1), entity(1, 2)];
    scheme::encode(scheme, 2, &before_same, &mut tags).ok()?;
    let end = TagText::styled(separator, style, tags[0])?;
    let last = set[FIRST | LAST];
    let differ: Vec<usize> = (0..TAG_BYTES)
        .filter(|&i| end.bytes[i] != last.bytes[i])
        .collect();
    let patch = match differ[..] {
        [] => EndPatch::default(),
        [at] if end.len == last.len && scheme == TagScheme::Ioe1 => EndPatch {
            at: Some(at),
            byte: end.bytes[at],
        },
        _ => return None,
    };
    Some((set, patch))
}

/// The tag sets of the labels seen, and the [`EndPatch`] of each, by the
/// index [`Labels::set_of`] gives.
#[derive(Debug, Default)]
pub(super) struct TagSets {
    pub(super) tags: Vec<TagSet>,
    pub(super) end_patches: Vec<EndPatch>,
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
    style: TagStyle,
    separator: &'static [u8],
    allowed: Option<Vec<String>>,
    labels: Vec<Label>,
    /// The index of each label's name in `labels`.
    index: crate::intern::LabelIndex,
    /// Entities per label, read and written alike.
    counts: Vec<u64>,
    /// Of those, entities per label read but not written: merged into the
    /// one before them (IO), or on a line the writer refused.
    unwritten: Vec<u64>,
    openers: [CachedOpener; 64],
}

impl Labels {
    /// No labels yet, for tags in `scheme` and `style` after `separator`;
    /// with `allowed`, only those labels are written (others go the
    /// general route, which reports them, as it reports labels the style
    /// cannot write).
    pub(super) fn new(
        scheme: TagScheme,
        style: TagStyle,
        separator: &'static [u8],
        allowed: Option<Vec<String>>,
    ) -> Labels {
        Labels {
            scheme,
            style,
            separator,
            allowed,
            labels: Vec::new(),
            index: crate::intern::LabelIndex::default(),
            counts: Vec::new(),
            unwritten: Vec::new(),
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
        sets: &mut TagSets,
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
    fn new_opener(&mut self, sets: &mut TagSets, text: &[u8], at: usize) -> Option<(usize, usize)> {
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
    fn get(&mut self, sets: &mut TagSets, name: &[u8]) -> Option<usize> {
        match self.index.find(name) {
            Some(i) => self.labels[i].set.map(|_| i),
            None => self.add(sets, name),
        }
    }

    fn add(&mut self, sets: &mut TagSets, name: &[u8]) -> Option<usize> {
        // Labels are ASCII: `opener_label_len` accepted them.
        let name = String::from_utf8_lossy(name).into_owned();
        let allowed = self.allowed.as_ref().is_none_or(|set| set.contains(&name))
            // Labels of the default pattern are neither empty nor hold
            // whitespace: only the style can refuse one (as the CoNLL
            // writer's `check_labels` does).
            && scheme::label_fault(self.style, &name).is_none();
        let set = if allowed {
            tag_set(self.scheme, self.style, self.separator, &name)
        } else {
            None
        };
        let set = set.map(|(set, patch)| {
            sets.tags.push(set);
            sets.end_patches.push(patch);
            sets.tags.len() - 1
        });
        self.index.add(name.as_bytes());
        self.labels.push(Label { name, set });
        self.counts.push(0);
        self.unwritten.push(0);
        set.map(|_| self.labels.len() - 1)
    }

    /// The index of the tag set of `label` (one handed out by
    /// [`Labels::opener`]).
    pub(super) fn set_of(&self, label: usize) -> usize {
        self.labels[label]
            .set
            .expect("labels are handed out only with their tags")
    }

    /// The name of `label` (one handed out by [`Labels::opener`]).
    #[inline(always)]
    pub(super) fn name(&self, label: usize) -> &str {
        &self.labels[label].name
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

    /// Counts `n` of the entities of `label` counted as read and written
    /// as read but not written: merged into the entity before them (a
    /// reader of IO tags finds one entity where two of one type touch), or
    /// on a line whose writing failed.
    pub(super) fn count_unwritten(&mut self, label: usize, n: u64) {
        self.unwritten[label] += n;
    }

    /// Adds the entities counted to `summary`.
    pub(super) fn count_into(&self, summary: &mut Summary) {
        for ((label, &n), &unwritten) in self.labels.iter().zip(&self.counts).zip(&self.unwritten) {
            if n > 0 {
                summary.read.add(&label.name, n);
                if n > unwritten {
                    summary.written.add(&label.name, n - unwritten);
                }
            }
        }
    }
}
