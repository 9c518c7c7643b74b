//! The fused route from bracket text to CoNLL lines: the commonest
//! conversion, run on gigabytes.
//!
//! The general route parses a line into a [`Sentence`], encodes its tags and
//! then writes both: every token is visited three times and recorded once.
//! This route computes bit masks of every 64 bytes of the input block
//! (whitespace, brackets, line feeds, markup, non-ASCII) and copies each
//! token and its tag from the input block straight to the output block. It
//! takes only the lines it writes exactly as the general route would: well
//! formed, valid UTF-8, no non-ASCII whitespace, no literal bracket outside
//! a character reference, labels in the label set, no byte-order mark. Every
//! other line goes through the general route, so errors, repairs and their
//! positions are the general route's own. Tests check that both routes write
//! the same bytes, count the same entities and report the same errors and
//! repairs.

use std::io::{BufRead, ErrorKind, Write};

use super::masks::{for_each_block, BlockMasks};
use super::{opener_label_len, Reader, SentenceMode};
use crate::conll;
use crate::convert::{copy_sentences, write_counted, SentenceWriter, Summary};
use crate::error::Result;
use crate::repair::Repair;
use crate::scheme::{self, TagScheme};
use crate::sentence::{Entity, OffsetUnit, Sentence};
use crate::span::TokenSpan;
use crate::tokenize::Tokenizer;

/// Bytes read from the input at a time: more than the 64 KiB `BufReader`
/// the CLI wraps around a file, so that reads bypass its buffer, and little
/// enough that a block, its masks and the output block stay in the L2 cache
/// (256 KiB blocks were slower). In tests, few bytes, so that lines cross
/// reads and outgrow the block.
const BLOCK: usize = if cfg!(test) { 61 } else { 1 << 17 };
/// Bytes scanned for masks at a time: the stretch and its masks stay in
/// the L1 cache until its tokens are copied. In tests, few, so that lines
/// cross stretches and outgrow them.
const SCAN: usize = if cfg!(test) { 37 } else { 1 << 13 };
/// Bytes of output gathered before they are handed to the writer (more than
/// the CLI's 64 KiB `BufWriter`, which then passes them straight through).
/// In tests, none: the buffer grows only to what a line may need, so that a
/// copy past that bound is caught.
const OUT_BLOCK: usize = if cfg!(test) { 1 } else { 1 << 17 };
/// The most a tag line ending (separator, tag, newline) may take; labels
/// whose tags are longer go through the general route.
const TAG_BYTES: usize = 32;
/// Tokens up to this length are copied with one fixed-size copy.
const SHORT_TOKEN: usize = 16;
/// Room past the data of a block, so that fixed-size copies of a short
/// token near its end stay inside the buffer.
const SLACK: usize = 32;

/// What follows a token on its line: separator, tag and newline, padded so
/// that it is copied with one fixed-size copy.
#[derive(Clone, Copy, Debug)]
struct TagText {
    bytes: [u8; TAG_BYTES],
    len: usize,
}

impl TagText {
    fn new(separator: &[u8], tag: &str) -> Option<TagText> {
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
type TagSet = [TagText; 8];
const FIRST: usize = 1;
const LAST: usize = 2;
const AFTER_SAME: usize = 4;

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
fn fused_scheme(scheme: TagScheme) -> bool {
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
struct Labels {
    scheme: TagScheme,
    separator: &'static [u8],
    allowed: Option<Vec<String>>,
    labels: Vec<Label>,
    /// Entities per label, read and written alike.
    counts: Vec<u64>,
    openers: [CachedOpener; 64],
}

impl Labels {
    fn new(scheme: TagScheme, separator: &'static [u8], allowed: Option<Vec<String>>) -> Labels {
        Labels {
            scheme,
            separator,
            allowed,
            labels: Vec::new(),
            counts: Vec::new(),
            openers: [NO_OPENER; 64],
        }
    }

    /// The label of the opener whose `[` is at `at` of `text` (which is
    /// followed by at least [`SLACK`] bytes in `src`) and the offset of the
    /// entity's text, given the length of the run of non-delimiters after
    /// the `[`; `None` when it is not an opener of a label this route
    /// writes.
    #[inline(always)]
    fn opener(
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
        let len = opener_label_len(&text[at + 1..])?;
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
        match self.labels.iter().position(|l| l.name.as_bytes() == name) {
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
        self.labels.push(Label { name, set });
        self.counts.push(0);
        set.map(|_| self.labels.len() - 1)
    }

    fn set_of(&self, label: usize) -> usize {
        self.labels[label]
            .set
            .expect("labels are handed out only with their tags")
    }
}

/// The masks of one 64-byte block of the text, as the writing loop uses
/// them; bit `k` stands for byte `k` of the block.
#[derive(Clone, Copy, Debug)]
struct Block {
    /// Whitespace and brackets: what ends a token.
    delim: u64,
    /// `[` and `]`.
    bracket: u64,
    /// The first bytes of tokens: a byte that is not a delimiter after one
    /// (or at the start of the text), except right after a `[`, where a
    /// label starts (or, were it no opener, a literal bracket, which sends
    /// the line to the general route anyway).
    starts: u64,
    /// Line feeds.
    newline: u64,
    /// `&` and `<`.
    markup: u64,
    /// Bytes of non-ASCII chars; after [`mark_unusual_runs`], only the
    /// first byte of each run of them that is not well-formed UTF-8 free
    /// of whitespace.
    high: u64,
}

/// The block after the last, whose delimiters end every search.
const END_BLOCK: Block = Block {
    delim: u64::MAX,
    bracket: 0,
    starts: 0,
    newline: 0,
    markup: 0,
    high: 0,
};

/// The blocks of `text` into `blocks`, then [`END_BLOCK`]; bytes past the
/// end of the text count as spaces.
fn scan_blocks(text: &[u8], blocks: &mut Vec<Block>) {
    // One block for each 64 bytes or part of them, then the end.
    blocks.clear();
    blocks.resize(text.len().div_ceil(64) + 1, END_BLOCK);
    let mut rest = &mut blocks[..];
    // The closure owns its state (`move`), so that it stays in registers:
    // with a `push` and state borrowed from here, the loop stored and
    // reloaded them for every block.
    // The text's start acts as a delimiter before its first byte.
    let mut delim_before = 1;
    let mut open_before = 0;
    for_each_block(text, move |m: BlockMasks| {
        let delim = m.blank | m.bracket;
        let starts = !delim & ((delim << 1) | delim_before) & !((m.open << 1) | open_before);
        delim_before = delim >> 63;
        open_before = m.open >> 63;
        let (block, after) = std::mem::take(&mut rest)
            .split_first_mut()
            .expect("a block for each 64 bytes");
        *block = Block {
            delim,
            bracket: m.bracket,
            starts,
            newline: m.newline,
            markup: m.markup,
            high: m.high,
        };
        rest = after;
    });
}

/// The blocks that hold the bytes `from..to` (not empty) of the text, each
/// with the bits of its bytes in that range.
#[inline(always)]
fn windows(from: usize, to: usize) -> impl Iterator<Item = (usize, u64)> {
    let (first, last) = (from / 64, (to - 1) / 64);
    let (head, tail) = (u64::MAX << (from % 64), u64::MAX >> (63 - (to - 1) % 64));
    (first..last + 1).map(move |k| {
        let mut bits = u64::MAX;
        if k == first {
            bits &= head;
        }
        if k == last {
            bits &= tail;
        }
        (k, bits)
    })
}

/// The state of the fused route: the labels, the masks of the current
/// line and the output block.
#[derive(Debug)]
struct Fused {
    labels: Labels,
    /// The tag sets of the labels.
    sets: Vec<TagSet>,
    /// The tag set of tokens outside entities: `O` in every role.
    outside: TagSet,
    line_entities: Vec<usize>,
    /// The CPU has BMI1, BMI2, `popcnt` and `lzcnt` (see
    /// [`Fused::emit_with_bit_instructions`]).
    #[cfg(target_arch = "x86_64")]
    bit_instructions: bool,
    /// The text of a cleaned line, with room after it like a block's, and
    /// its blocks.
    clean: Vec<u8>,
    clean_blocks: Vec<Block>,
    out: Vec<u8>,
    /// The end of the output in `out`.
    w: usize,
}

/// Copies `N` bytes from `src[s..]` to `out[w..]`: a few moves, where a
/// copy of a length known only at run time is a call.
///
/// # Safety
/// `s + N <= src.len()` and `w + N <= out.len()`.
#[inline(always)]
unsafe fn copy_fixed<const N: usize>(out: &mut [u8], w: usize, src: &[u8], s: usize) {
    debug_assert!(s + N <= src.len() && w + N <= out.len(), "out of bounds");
    // SAFETY: both ranges are in bounds (the caller's promise) and `out`,
    // borrowed mutably, cannot overlap `src`.
    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr().add(s), out.as_mut_ptr().add(w), N) }
}

/// Copies the `len` bytes at `src[s..]` and then `tag` to `out` at `w`;
/// returns the new end. Short tokens are copied sixteen bytes at a time;
/// the bytes past the token are overwritten by the tag or the next token.
///
/// # Safety
/// `s + SHORT_TOKEN <= src.len()` and `w + len + SHORT_TOKEN + TAG_BYTES
/// <= out.len()`, which [`Fused::emit`] asserts for the whole line.
#[inline(always)]
unsafe fn put(out: &mut [u8], w: usize, src: &[u8], s: usize, len: usize, tag: &TagText) -> usize {
    if len <= SHORT_TOKEN {
        // SAFETY: in bounds by the caller's promise.
        unsafe { copy_fixed::<SHORT_TOKEN>(out, w, src, s) };
    } else {
        out[w..w + len].copy_from_slice(&src[s..s + len]);
    }
    // SAFETY: in bounds by the caller's promise.
    unsafe { copy_fixed::<TAG_BYTES>(out, w + len, &tag.bytes, 0) };
    w + len + tag.len
}

/// The most the fused route writes for a line of `len` bytes: at most
/// `(len + 1) / 2` tokens, each with a tag of at most [`TAG_BYTES`] and up
/// to [`SHORT_TOKEN`] bytes copied past it, and a blank line. Cleaning a
/// line (tags stripped, references decoded) never makes it longer.
fn output_bound(len: usize) -> usize {
    len + (len / 2 + 2) * TAG_BYTES + SHORT_TOKEN + 1
}

/// The `O` tag's line ending, which fits in sixteen bytes.
#[derive(Clone, Copy, Debug)]
struct OutsideTag {
    bytes: [u8; 16],
    len: usize,
}

impl OutsideTag {
    fn of(tag: &TagText) -> OutsideTag {
        debug_assert!(tag.len <= 16, "separators are at most seven bytes");
        OutsideTag {
            bytes: tag.bytes[..16].try_into().expect("sixteen bytes"),
            len: tag.len,
        }
    }
}

/// [`put`] for the `O` tag: half the bytes to move.
///
/// # Safety
/// As [`put`].
#[inline(always)]
unsafe fn put_outside(
    out: &mut [u8],
    w: usize,
    src: &[u8],
    s: usize,
    len: usize,
    tag: &OutsideTag,
) -> usize {
    if len <= SHORT_TOKEN {
        // SAFETY: in bounds by the caller's promise.
        unsafe { copy_fixed::<SHORT_TOKEN>(out, w, src, s) };
    } else {
        out[w..w + len].copy_from_slice(&src[s..s + len]);
    }
    // SAFETY: in bounds by the caller's promise.
    unsafe { copy_fixed::<16>(out, w + len, &tag.bytes, 0) };
    w + len + tag.len
}

/// The bits from `rel` up; none when `rel` is 64 or more.
#[inline(always)]
fn from_bit(rel: usize) -> u64 {
    u64::MAX.checked_shl(rel as u32).unwrap_or(0)
}

/// The length of the token that starts at bit `bit` of block `k`, whose
/// delimiters are `delim`.
#[inline(always)]
fn token_len(delim: u64, bit: usize, blocks: &[Block], k: usize) -> usize {
    let rest = delim >> bit;
    if rest != 0 {
        rest.trailing_zeros() as usize
    } else {
        long_token_len(blocks, k, bit)
    }
}

/// The length of a token that starts at bit `bit` of block `k` and runs
/// into the next blocks.
#[inline]
fn long_token_len(blocks: &[Block], k: usize, bit: usize) -> usize {
    let mut j = k + 1;
    while blocks[j].delim == 0 {
        j += 1;
    }
    64 * j + blocks[j].delim.trailing_zeros() as usize - (64 * k + bit)
}

/// True when the first token start or bracket after block `k` is a
/// bracket.
#[cold]
#[inline(never)]
fn next_event_is_bracket(blocks: &[Block], k: usize) -> bool {
    blocks[k + 1..]
        .iter()
        .map(|b| (b.starts | b.bracket, b.bracket))
        .find(|&(events, _)| events != 0)
        .is_some_and(|(events, bracket)| events & events.wrapping_neg() & bracket != 0)
}

/// True when a token starts in `from..to` of the line.
fn any_start(blocks: &[Block], from: usize, to: usize) -> bool {
    (from / 64..to.div_ceil(64)).any(|k| {
        let below_to = !from_bit(to.saturating_sub(64 * k));
        blocks[k].starts & from_bit(from.saturating_sub(64 * k)) & below_to != 0
    })
}

/// The char that `run` encodes when it is one well-formed two- or
/// three-byte UTF-8 char (most non-ASCII in English text: curly quotes,
/// dashes, accented letters); `None` for anything else, which the caller
/// checks the long way.
#[inline]
fn one_char(run: &[u8]) -> Option<char> {
    let continuation = |b: u8| b & 0xC0 == 0x80;
    let code = match *run {
        [a @ 0xC2..=0xDF, b] if continuation(b) => (u32::from(a & 0x1F) << 6) | u32::from(b & 0x3F),
        [a @ 0xE0..=0xEF, b, c] if continuation(b) && continuation(c) => {
            (u32::from(a & 0x0F) << 12) | (u32::from(b & 0x3F) << 6) | u32::from(c & 0x3F)
        }
        _ => return None,
    };
    // Overlong three-byte forms and surrogates are not chars.
    if run.len() == 3 && code < 0x800 {
        return None;
    }
    char::from_u32(code)
}

/// True when a `&` of `text` starts a character reference to a bracket
/// (`&#91;`, `&rsqb;` ...).
fn has_bracket_reference(text: &str) -> bool {
    memchr::memchr_iter(b'&', text.as_bytes()).any(|i| {
        crate::html::decode_reference(&text[i..])
            .is_some_and(|(c, _)| crate::html::is_bracket_reference(c))
    })
}

/// What [`Fused::check`] found in a line.
#[derive(Clone, Copy, Debug, Default)]
struct Scan {
    /// A `&`, which may start a character reference.
    references: bool,
    /// A `<`, which may start a tag.
    tags: bool,
    /// Invalid UTF-8 or a non-ASCII whitespace char, which the masks do
    /// not show: the line goes the general way.
    unusual: bool,
}

/// True when `run`, a run of non-ASCII bytes, is well-formed UTF-8 with no
/// whitespace char in it: bytes the masks read rightly as letters.
#[inline]
fn plain_run(run: &[u8]) -> bool {
    match one_char(run) {
        Some(c) => !c.is_whitespace(),
        None => std::str::from_utf8(run).is_ok_and(|run| !run.chars().any(char::is_whitespace)),
    }
}

/// Keeps in the `high` masks of `blocks` (those of `text`) only the first
/// byte of each run of non-ASCII bytes that is not [`plain_run`]. An ASCII
/// byte is a whole char, so a line is UTF-8 when each of its runs is; a run
/// never holds a line feed, so it belongs to one line. Done once for a
/// stretch of lines rather than line by line: half the lines of English
/// tagger output hold a curly quote or a pilcrow. A run cut by the end of
/// `text` counts as unusual, which only matters to a line cut there too.
fn mark_unusual_runs(text: &[u8], blocks: &mut [Block]) {
    // The runs that start before `checked` are done.
    let mut checked: usize = 0;
    // The first four bytes of the last runs found plain: English text
    // repeats a few chars (curly quotes, pilcrows, dashes). No run starts
    // with a zero byte.
    let mut plain = [0u32; 4];
    let mut next_slot = 0;
    for (k, block) in blocks.iter_mut().enumerate() {
        if block.high == 0 {
            continue;
        }
        let at = 64 * k;
        let mut high = block.high & from_bit(checked.saturating_sub(at));
        let mut unusual = 0;
        while high != 0 {
            let rel = high.trailing_zeros() as usize;
            let rest = !block.high >> rel;
            let len = if rest != 0 {
                rest.trailing_zeros() as usize
            } else {
                text[at + rel..].iter().take_while(|&&b| b >= 0x80).count()
            };
            let start = at + rel;
            let run = &text[start..start + len];
            let key = match text.get(start..start + 4) {
                Some(&[a, b, c, d]) if len <= 4 => {
                    u32::from_le_bytes([a, b, c, d]) & (u32::MAX >> (32 - 8 * len))
                }
                _ => 0,
            };
            if key == 0 || !plain.contains(&key) {
                if plain_run(run) {
                    plain[next_slot % 4] = key;
                    next_slot += 1;
                } else {
                    unusual |= 1 << rel;
                }
            }
            checked = start + len;
            high &= from_bit(rel + len);
        }
        block.high = unusual;
    }
}

#[cfg(test)]
thread_local! {
    /// Set by tests to run the baseline code on a CPU that has more.
    static BASELINE_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// True when the fused route is to use only the baseline instructions.
#[cfg(target_arch = "x86_64")]
fn baseline_only() -> bool {
    #[cfg(test)]
    return BASELINE_ONLY.with(std::cell::Cell::get);
    #[cfg(not(test))]
    false
}

/// The large buffers of the fused route. Each thread keeps its own between
/// conversions, so that converting many chunks (`--threads`) or files
/// neither allocates nor faults in fresh pages for each.
#[derive(Debug, Default)]
struct Buffers {
    block: Vec<u8>,
    blocks: Vec<Block>,
    clean: Vec<u8>,
    clean_blocks: Vec<Block>,
    out: Vec<u8>,
}

thread_local! {
    static BUFFERS: std::cell::Cell<Option<Box<Buffers>>> = const { std::cell::Cell::new(None) };
}

impl Buffers {
    /// This thread's buffers, or new ones.
    fn take() -> Box<Buffers> {
        let mut buffers = BUFFERS.with(std::cell::Cell::take).unwrap_or_default();
        if buffers.block.len() < BLOCK + SLACK {
            buffers.block.resize(BLOCK + SLACK, 0);
        }
        if buffers.out.len() < OUT_BLOCK {
            buffers.out.resize(OUT_BLOCK, 0);
        }
        buffers
    }

    /// Keeps the buffers for the next conversion on this thread, unless a
    /// very long line made them large.
    fn give_back(self: Box<Buffers>) {
        if self.block.len() + self.out.len() <= 16 * (BLOCK + OUT_BLOCK) {
            BUFFERS.with(|b| b.set(Some(self)));
        }
    }
}

impl Fused {
    fn new(
        scheme: TagScheme,
        columns: conll::Columns,
        allowed: Option<Vec<String>>,
        buffers: &mut Buffers,
    ) -> Fused {
        let outside = TagText::new(columns.separator(), "O").expect("the O tag fits");
        let outside = [outside; 8];
        Fused {
            labels: Labels::new(scheme, columns.separator(), allowed),
            sets: Vec::new(),
            outside,
            line_entities: Vec::new(),
            #[cfg(target_arch = "x86_64")]
            bit_instructions: !baseline_only()
                && is_x86_feature_detected!("popcnt")
                && is_x86_feature_detected!("lzcnt")
                && is_x86_feature_detected!("bmi1")
                && is_x86_feature_detected!("bmi2"),
            clean: std::mem::take(&mut buffers.clean),
            clean_blocks: std::mem::take(&mut buffers.clean_blocks),
            out: std::mem::take(&mut buffers.out),
            w: 0,
        }
    }

    /// Hands the buffers back.
    fn into_buffers(self, buffers: &mut Buffers) {
        buffers.clean = self.clean;
        buffers.clean_blocks = self.clean_blocks;
        buffers.out = self.out;
    }

    /// Makes room for the output of a line of `len` bytes, handing what is
    /// gathered to `out` when needed.
    fn reserve(&mut self, len: usize, out: &mut impl Write) -> Result<()> {
        let bound = output_bound(len);
        if self.w + bound > self.out.len() {
            self.flush(out)?;
            if bound > self.out.len() {
                self.out.resize(bound, 0);
            }
        }
        Ok(())
    }

    /// Adds the entities of the fused lines to `summary`.
    fn count_into(&self, summary: &mut Summary) {
        for (label, &n) in self.labels.labels.iter().zip(&self.labels.counts) {
            if n > 0 {
                summary.read.add(&label.name, n);
                summary.written.add(&label.name, n);
            }
        }
    }

    /// Writes the tokens of `line` as `clean` puts it into a buffer of its
    /// own (tags stripped, say); see [`Fused::emit`].
    fn emit_clean(
        &mut self,
        line: &[u8],
        clean: impl FnOnce(&[u8], &mut Vec<u8>),
    ) -> Option<usize> {
        let mut text = std::mem::take(&mut self.clean);
        let mut blocks = std::mem::take(&mut self.clean_blocks);
        text.clear();
        clean(line, &mut text);
        let len = text.len();
        text.resize(len + SLACK, 0);
        scan_blocks(&text[..len], &mut blocks);
        let tokens = self.emit(&blocks, &text, 0, len);
        self.clean = text;
        self.clean_blocks = blocks;
        tokens
    }

    /// Writes the tokens of `text`, a line with its character references
    /// decoded, where the brackets at `literal` came from references: they
    /// are scanned as letters, so that they stay inside their tokens.
    fn emit_decoded(&mut self, text: &[u8], literal: &[usize]) -> Option<usize> {
        let mut blocks = std::mem::take(&mut self.clean_blocks);
        let mut scanned = std::mem::take(&mut self.clean);
        scanned.clear();
        scanned.extend_from_slice(text);
        for &at in literal {
            scanned[at] = b'a';
        }
        scan_blocks(&scanned, &mut blocks);
        scanned.clear();
        scanned.extend_from_slice(text);
        scanned.resize(text.len() + SLACK, 0);
        let tokens = self.emit(&blocks, &scanned, 0, text.len());
        self.clean = scanned;
        self.clean_blocks = blocks;
        tokens
    }

    /// Writes the output up to `at`, then the start of a document, and
    /// keeps the rest (the lines of the document's first sentence).
    fn flush_document_start<W: Write>(
        &mut self,
        at: usize,
        writer: &mut conll::Writer<W>,
    ) -> Result<()> {
        writer.out_mut().write_all(&self.out[..at])?;
        writer.start_document()?;
        self.out.copy_within(at..self.w, 0);
        self.w -= at;
        Ok(())
    }

    fn flush(&mut self, out: &mut impl Write) -> Result<()> {
        out.write_all(&self.out[..self.w])?;
        self.w = 0;
        Ok(())
    }

    /// What in the line `text[from..to]`, whose blocks are `blocks` (with
    /// their unusual runs marked), needs a closer look.
    #[inline]
    fn check(blocks: &[Block], text: &[u8], from: usize, to: usize) -> Scan {
        let mut scan = Scan::default();
        if from == to {
            return scan;
        }
        for (k, bits) in windows(from, to) {
            let Block { markup, high, .. } = blocks[k];
            if (markup | high) & bits != 0 {
                scan.unusual |= high & bits != 0;
                let mut markup = markup & bits;
                while markup != 0 {
                    let at = 64 * k + markup.trailing_zeros() as usize;
                    markup &= markup - 1;
                    match text[at] {
                        b'&' => scan.references = true,
                        b'<' => scan.tags = true,
                        // A carriage return inside the line (not the CR of
                        // its CRLF, which ends before `to`): the general
                        // route refuses it.
                        _ => scan.unusual = true,
                    }
                }
            }
        }
        scan
    }

    /// Writes the tokens of the line `src[from..to]`, whose blocks (those
    /// of all of `src`) are `blocks`, with their tags at the end of the
    /// output, and returns the number of tokens; `None` when the line needs
    /// the general route (what was written is then to be forgotten). `src`
    /// holds at least [`SLACK`] bytes after the line, and room has been
    /// made with [`Fused::reserve`].
    fn emit(&mut self, blocks: &[Block], src: &[u8], from: usize, to: usize) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if self.bit_instructions {
            // SAFETY: the CPU has the instructions (checked in `new`).
            return unsafe { self.emit_with_bit_instructions(blocks, src, from, to) };
        }
        self.emit_lines(blocks, src, from, to)
    }

    /// [`Fused::emit`] compiled for the bit instructions of BMI1, BMI2,
    /// `popcnt` and `lzcnt`, which the default x86-64 target lacks: a
    /// `trailing_zeros` is one instruction, `run &= run - 1` one, a shift
    /// by a variable amount one that leaves its operand in place (4% fewer
    /// instructions in all).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt,bmi1,bmi2,lzcnt")]
    fn emit_with_bit_instructions(
        &mut self,
        blocks: &[Block],
        src: &[u8],
        from: usize,
        to: usize,
    ) -> Option<usize> {
        self.emit_lines(blocks, src, from, to)
    }

    /// The body of [`Fused::emit`], inlined into each build of it.
    #[inline(always)]
    fn emit_lines(
        &mut self,
        blocks: &[Block],
        src: &[u8],
        from: usize,
        to: usize,
    ) -> Option<usize> {
        // The copies of tokens and tags below go unchecked: these two
        // checks cover every one of them (see `output_bound`).
        assert!(
            self.w + output_bound(to - from) <= self.out.len() && to + SLACK <= src.len(),
            "room for the line's output and for copies past its end"
        );
        let text = &src[..to];
        let out = &mut self.out[..];
        let labels = &mut self.labels;
        let sets = &mut self.sets;
        let outside = &self.outside;
        let outside_tag = OutsideTag::of(&outside[0]);
        let entities = &mut self.line_entities;
        entities.clear();
        let mut w = self.w;
        let mut tokens = 0;
        // The open entity's tags and the role bits that hold for its next
        // token; set when an entity opens, read only inside one.
        let mut tags = outside;
        let mut in_entity = false;
        let mut role = 0;
        // The open entity's label and its first token; the last entity
        // closed on the line and where its `]` is.
        let mut open = (0, 0);
        let mut closed: Option<(usize, usize)> = None;
        if from == to {
            return Some(0);
        }
        for (k, bits) in windows(from, to) {
            let Block {
                delim,
                bracket,
                starts,
                ..
            } = blocks[k];
            let mut events = (starts | bracket) & bits;
            while events != 0 {
                if !in_entity {
                    // Outside entities, the tokens up to the next bracket
                    // all take `O`: a tighter loop for most of the text.
                    let next_bracket = bracket & events;
                    let before = (next_bracket & next_bracket.wrapping_neg()).wrapping_sub(1);
                    let mut run = events & before;
                    events &= !before;
                    while run != 0 {
                        let bit = run.trailing_zeros() as usize;
                        run &= run - 1;
                        let len = token_len(delim, bit, blocks, k);
                        // SAFETY: the assertion at the top covers the copy.
                        w = unsafe { put_outside(out, w, src, 64 * k + bit, len, &outside_tag) };
                        tokens += 1;
                    }
                    if events == 0 {
                        break;
                    }
                }
                let bit = events.trailing_zeros() as usize;
                events &= events - 1;
                let at = 64 * k + bit;
                if bracket & (1 << bit) == 0 {
                    // Only tokens inside an entity get here; one is its
                    // entity's last when a bracket is the next thing on the
                    // line.
                    let len = token_len(delim, bit, blocks, k);
                    let last = if events != 0 {
                        events & events.wrapping_neg() & bracket != 0
                    } else {
                        next_event_is_bracket(blocks, k)
                    };
                    let tag = &tags[(role | (usize::from(last) * LAST)) & 7];
                    // SAFETY: the assertion at the top covers the copy.
                    w = unsafe { put(out, w, src, at, len, tag) };
                    tokens += 1;
                    role &= !FIRST;
                    continue;
                }
                if text[at] == b'[' {
                    if in_entity {
                        // Entities do not nest, nor hold a `[`.
                        return None;
                    }
                    // A `[` that opens nothing is literal text, which this
                    // route does not split into tokens.
                    let run = (delim >> bit) >> 1;
                    let run = if run != 0 {
                        run.trailing_zeros() as usize
                    } else {
                        // The label runs into the next block (one `[` in
                        // sixteen in the generated corpus, which took the
                        // slow way past the opener cache before).
                        63 - bit + blocks[k + 1].delim.trailing_zeros() as usize
                    };
                    let (label, _) = labels.opener(sets, src, text, at, run)?;
                    tags = &sets[labels.set_of(label)];
                    in_entity = true;
                    // Only IOB1 tells an entity right after one of the
                    // same type apart.
                    let after_same = labels.scheme == TagScheme::Iob1
                        && closed.is_some_and(|(l, c)| l == label && !any_start(blocks, c, at));
                    role = FIRST | (usize::from(after_same) * AFTER_SAME);
                    open = (label, tokens);
                } else {
                    // A `]` closes the open entity; without one, it is
                    // literal text. An empty entity is an error.
                    if !in_entity || tokens == open.1 {
                        return None;
                    }
                    entities.push(open.0);
                    closed = Some((open.0, at));
                    in_entity = false;
                }
            }
        }
        if in_entity {
            return None;
        }
        if tokens > 0 {
            out[w] = b'\n';
            self.w = w + 1;
            for &label in entities.iter() {
                labels.counts[label] += 1;
            }
        }
        Some(tokens)
    }
}

impl<R: BufRead> Reader<R> {
    /// Converts the rest of the input to CoNLL lines in `writer`, as
    /// [`copy_sentences`] with this reader and `writer` would, byte for byte,
    /// and several times faster when the options allow the fused route
    /// (whitespace tokens, a sentence per line, and a tag scheme other than
    /// IO and IOE1); otherwise it is `copy_sentences`.
    ///
    /// # Errors
    /// As [`copy_sentences`]: the first error of reading or writing. The
    /// lines before the failing one have been written.
    ///
    /// # Example
    /// ```
    /// use nerkit::bracket::{Options, Reader};
    /// use nerkit::conll::Writer;
    /// use nerkit::convert::Summary;
    /// use nerkit::TagScheme;
    ///
    /// let text = "x\n[PER Ryan C. Crocker  ] met [LOC Pakistan  ] officials .\n";
    /// let mut reader = Reader::new(text.as_bytes(), Options::default());
    /// let mut out = Vec::new();
    /// let mut summary = Summary::default();
    /// reader.copy_to_conll(&mut Writer::new(&mut out, TagScheme::Iob2), &mut summary, &mut |_| {})?;
    /// assert!(String::from_utf8(out).unwrap().ends_with("met\tO\nPakistan\tB-LOC\nofficials\tO\n.\tO\n\n"));
    /// assert_eq!((summary.sentences, summary.tokens, summary.read.total()), (2, 8, 2));
    /// # Ok::<(), nerkit::Error>(())
    /// ```
    pub fn copy_to_conll<W: Write>(
        &mut self,
        writer: &mut conll::Writer<W>,
        summary: &mut Summary,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> Result<()> {
        self.copy_to_conll_with(writer, summary, on_repair, None)
    }

    /// True when the fused route can write this reader's sentences in
    /// `scheme`.
    fn fusable(&self, scheme: TagScheme) -> bool {
        self.opts.tokenizer == Tokenizer::Whitespace
            && self.opts.sentences == SentenceMode::Line
            && fused_scheme(scheme)
    }

    /// [`Reader::copy_to_conll`]; with `(data, at)`, the rest of the input
    /// is `data[at..]` (already read into memory), converted in place.
    fn copy_to_conll_with<W: Write>(
        &mut self,
        writer: &mut conll::Writer<W>,
        summary: &mut Summary,
        on_repair: &mut dyn FnMut(&Repair),
        data: Option<(&mut Vec<u8>, usize)>,
    ) -> Result<()> {
        if !self.fusable(writer.scheme()) {
            debug_assert!(data.is_none(), "in-memory input is taken only when fusable");
            return copy_sentences(self, writer, summary, on_repair);
        }
        let mut buffers = Buffers::take();
        let mut fused = Fused::new(
            writer.scheme(),
            writer.columns(),
            self.opts.labels.clone(),
            &mut buffers,
        );
        let mut blocks = std::mem::take(&mut buffers.blocks);
        let mut block = std::mem::take(&mut buffers.block);
        let result = if self.eof {
            Ok(())
        } else {
            self.decide_html().and_then(|()| {
                let mut general = General {
                    sentence: Sentence::new(),
                    writer: &mut *writer,
                    summary: &mut *summary,
                    on_repair,
                };
                match data {
                    Some((data, at)) => {
                        self.convert_in_place(&mut fused, &mut general, data, at, &mut blocks)
                    }
                    None => self.copy_fused(&mut fused, &mut general, &mut block, &mut blocks),
                }
            })
        };
        buffers.block = block;
        let flushed = fused.flush(writer.out_mut());
        fused.count_into(summary);
        fused.into_buffers(&mut buffers);
        buffers.blocks = blocks;
        buffers.give_back();
        result.and(flushed)
    }

    /// Converts `data[at..]`, the whole rest of the input, without copying
    /// it.
    fn convert_in_place<W: Write>(
        &mut self,
        fused: &mut Fused,
        general: &mut General<'_, W>,
        data: &mut Vec<u8>,
        at: usize,
        blocks: &mut Vec<Block>,
    ) -> Result<()> {
        self.eof = true;
        let end = data.len();
        // Room for the fixed-size copies past the last token.
        data.resize(end + SLACK, 0);
        self.convert_lines(fused, general, &data[at..], end - at, true, blocks)?;
        data.truncate(end);
        Ok(())
    }

    /// Converts the lines of `data[..end]` a stretch of [`SCAN`] bytes at
    /// a time, so that the stretch and its masks are still in the nearest
    /// cache when its tokens are copied; with `at_end`, the last line too,
    /// which has no line feed. Returns where the bytes not converted (the
    /// start of a line) start. `data` holds [`SLACK`] bytes after `end`.
    fn convert_lines<W: Write>(
        &mut self,
        fused: &mut Fused,
        general: &mut General<'_, W>,
        data: &[u8],
        end: usize,
        at_end: bool,
        blocks: &mut Vec<Block>,
    ) -> Result<usize> {
        let (mut start, mut window) = (0, SCAN);
        while start < end {
            let stop = end.min(start + window);
            let text = &data[start..stop + SLACK];
            let len = stop - start;
            scan_blocks(&text[..len], blocks);
            mark_unusual_runs(&text[..len], blocks);
            let done = self.convert_complete_lines(fused, general, text, blocks)?;
            if stop == end {
                if at_end && done < len {
                    self.convert_last_line(fused, general, text, blocks, done, len)?;
                    return Ok(end);
                }
                return Ok(start + done);
            }
            if done == 0 {
                // A line longer than the window.
                window *= 2;
            } else {
                start += done;
                window = SCAN;
            }
        }
        Ok(start)
    }

    /// Converts the lines of `block` that end in a line feed (`blocks` are
    /// its masks), and returns where the rest starts.
    fn convert_complete_lines<W: Write>(
        &mut self,
        fused: &mut Fused,
        general: &mut General<'_, W>,
        block: &[u8],
        blocks: &[Block],
    ) -> Result<usize> {
        let mut start = 0;
        // The markup and unusual runs seen so far on the current line.
        let mut carried = 0;
        for k in 0..blocks.len() - 1 {
            let Block {
                newline,
                markup,
                high,
                ..
            } = blocks[k];
            let marks = markup | high;
            // The bits of this block on the current line.
            let mut line_bits = u64::MAX;
            let mut newlines = newline;
            while newlines != 0 {
                let bit = newlines.trailing_zeros() as usize;
                newlines &= newlines - 1;
                let before = (1 << bit) - 1;
                let marked = carried | (marks & line_bits & before) != 0;
                carried = 0;
                line_bits = from_bit(bit + 1);
                let at = 64 * k + bit;
                let content_end = if at > start && block[at - 1] == b'\r' {
                    at - 1
                } else {
                    at
                };
                let line = (start, content_end, at + 1);
                self.convert_line(fused, general, block, blocks, line, marked)?;
                start = at + 1;
            }
            carried |= marks & line_bits;
        }
        Ok(start)
    }

    /// Converts `block[start..end]`, the input's last line, which has no
    /// line feed.
    fn convert_last_line<W: Write>(
        &mut self,
        fused: &mut Fused,
        general: &mut General<'_, W>,
        block: &[u8],
        blocks: &[Block],
        start: usize,
        end: usize,
    ) -> Result<()> {
        let (content, _) = crate::lines::content(&block[start..end], false);
        let line = (start, start + content.len(), end);
        self.convert_line(fused, general, block, blocks, line, true)
    }

    /// Converts the rest of the input, read a block at a time.
    fn copy_fused<W: Write>(
        &mut self,
        fused: &mut Fused,
        general: &mut General<'_, W>,
        block: &mut Vec<u8>,
        blocks: &mut Vec<Block>,
    ) -> Result<()> {
        // The bytes read but not yet converted: the start of a line.
        let (mut start, mut end) = (0, 0);
        loop {
            block.copy_within(start..end, 0);
            end -= start;
            start = 0;
            if end + SLACK >= block.len() {
                // A line longer than the block.
                block.resize(block.len() * 2, 0);
            }
            let limit = block.len() - SLACK;
            let n = match self.inner.read(&mut block[end..limit]) {
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            if n == 0 {
                self.eof = true;
                self.convert_lines(fused, general, block, end, true, blocks)?;
                return Ok(());
            }
            end += n;
            start = self.convert_lines(fused, general, block, end, false, blocks)?;
        }
    }

    /// Converts the line `block[start..end]` (with its line end; its
    /// content ends at `content_end`) by the fused route when it can, else
    /// by the general one. `blocks` are the blocks of `block`, with their
    /// unusual runs marked; `marked` is false when the line has neither
    /// markup nor an unusual run, which spares it [`Fused::check`].
    #[inline]
    fn convert_line<W: Write>(
        &mut self,
        fused: &mut Fused,
        general: &mut General<'_, W>,
        block: &[u8],
        blocks: &[Block],
        (start, content_end, end): (usize, usize, usize),
        marked: bool,
    ) -> Result<()> {
        let raw = &block[start..end];
        // A byte-order mark goes the general way.
        let bom = self.next_line.byte == 0 && raw.starts_with("\u{feff}".as_bytes());
        if !bom {
            let content = &block[start..content_end];
            fused.reserve(content.len(), general.writer.out_mut())?;
            let w_before = fused.w;
            let scan = if marked {
                Fused::check(blocks, block, start, content_end)
            } else {
                Scan::default()
            };
            let strip = self.strip_html == Some(true);
            let tokens = if scan.unusual {
                None
            } else if !scan.references && !scan.tags {
                fused.emit(blocks, block, start, content_end)
            } else {
                let references = scan.references;
                // Only a line with references needs its text as `str`.
                let text = || std::str::from_utf8(content).expect("checked by the scan");
                if references && (strip || has_bracket_reference(text())) {
                    // Tags stripped and character references decoded (only
                    // bracket ones without stripping), as the general route
                    // does; a decoded bracket is text, not markup.
                    let clean = &mut self.parser.clean;
                    clean.clean(text(), strip);
                    fused.emit_decoded(clean.text().as_bytes(), clean.literal_brackets())
                } else if references {
                    // Without stripping and without bracket references,
                    // nothing is decoded: the line reads as it is.
                    fused.emit(blocks, block, start, content_end)
                } else if strip && scan.tags {
                    fused.emit_clean(content, crate::html::strip_tags_into)
                } else {
                    fused.emit(blocks, block, start, content_end)
                }
            };
            if let Some(tokens) = tokens {
                if tokens > 0 {
                    if std::mem::take(&mut self.first_sentence) {
                        // The document starts (`-DOCSTART-`, if written)
                        // before this sentence's lines.
                        general.summary.documents += 1;
                        fused.flush_document_start(w_before, general.writer)?;
                    }
                    general.summary.sentences += 1;
                    general.summary.tokens += tokens as u64;
                }
                let n = raw.len() as u64;
                self.next_line.number += 1;
                self.next_line.byte += n;
                self.next_line.unit += match self.opts.offsets {
                    OffsetUnit::Bytes => n,
                    unit => {
                        let text = std::str::from_utf8(content).expect("checked by the scan");
                        (unit.len_of(text) + raw.len() - content.len()) as u64
                    }
                };
                return Ok(());
            }
        }
        fused.flush(general.writer.out_mut())?;
        self.line_buf.clear();
        self.line_buf.extend_from_slice(raw);
        general.convert(self)
    }
}

impl Reader<std::io::Cursor<Vec<u8>>> {
    /// [`Reader::copy_to_conll`] for input already in memory (a chunk of a
    /// larger input, say), from the cursor's position on: the fused route
    /// converts the buffer where it is rather than copying it a block at a
    /// time.
    ///
    /// # Errors
    /// As [`Reader::copy_to_conll`].
    pub fn copy_in_memory_to_conll<W: Write>(
        &mut self,
        writer: &mut conll::Writer<W>,
        summary: &mut Summary,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> Result<()> {
        let at = usize::try_from(self.inner.position()).unwrap_or(usize::MAX);
        if at > self.inner.get_ref().len() || !self.fusable(writer.scheme()) {
            return self.copy_to_conll(writer, summary, on_repair);
        }
        self.decide_html()?;
        let mut data = std::mem::take(self.inner.get_mut());
        let result = self.copy_to_conll_with(writer, summary, on_repair, Some((&mut data, at)));
        // The buffer goes back, read to its end, for a caller that reuses it.
        let end = data.len() as u64;
        *self.inner.get_mut() = data;
        self.inner.set_position(end);
        result
    }
}

/// What the general route needs to convert one line.
struct General<'a, W: Write> {
    sentence: Sentence,
    writer: &'a mut conll::Writer<W>,
    summary: &'a mut Summary,
    on_repair: &'a mut dyn FnMut(&Repair),
}

impl<W: Write> General<'_, W> {
    /// Converts the line in `reader.line_buf` as [`copy_sentences`] does.
    #[cold]
    #[inline(never)]
    fn convert<R: BufRead>(&mut self, reader: &mut Reader<R>) -> Result<()> {
        let line = reader.next_line.number;
        let sentence = &mut self.sentence;
        sentence.clear();
        let parsed = reader.parse_line_buf(sentence);
        for r in reader.repairs.drain(..) {
            self.summary.repairs.add(&r);
            (self.on_repair)(&r);
        }
        parsed?;
        if sentence.is_empty() {
            return Ok(());
        }
        sentence.set_line(line);
        sentence.set_document_start(std::mem::take(&mut reader.first_sentence));
        write_counted(sentence, self.writer, self.summary)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::bracket::Options;
    use crate::html::HtmlMode;

    /// Output, summary and error (with the repairs reported) of a
    /// conversion by the general route or the fused one.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Route {
        General,
        Fused,
        /// The fused route with the baseline instructions only.
        Baseline,
        InMemory,
    }

    fn convert(input: &[u8], opts: &Options, writer: WriterSetup, route: Route) -> String {
        let mut out = Vec::new();
        let mut summary = Summary::default();
        let mut repairs = Vec::new();
        let result = {
            let mut writer = conll::Writer::new(&mut out, writer.scheme)
                .with_columns(writer.columns)
                .with_docstart(writer.docstart);
            let mut on_repair = |r: &Repair| repairs.push(r.to_string());
            match route {
                Route::General => copy_sentences(
                    &mut Reader::new(input, opts.clone()),
                    &mut writer,
                    &mut summary,
                    &mut on_repair,
                ),
                Route::Fused => Reader::new(input, opts.clone()).copy_to_conll(
                    &mut writer,
                    &mut summary,
                    &mut on_repair,
                ),
                Route::Baseline => {
                    BASELINE_ONLY.with(|b| b.set(true));
                    let result = Reader::new(input, opts.clone()).copy_to_conll(
                        &mut writer,
                        &mut summary,
                        &mut on_repair,
                    );
                    BASELINE_ONLY.with(|b| b.set(false));
                    result
                }
                Route::InMemory => Reader::new(std::io::Cursor::new(input.to_vec()), opts.clone())
                    .copy_in_memory_to_conll(&mut writer, &mut summary, &mut on_repair),
            }
        };
        format!(
            "{}\n--- {summary:?}\n--- {:?}\n--- {repairs:#?}",
            String::from_utf8_lossy(&out),
            result.map_err(|e| e.to_string())
        )
    }

    #[derive(Clone, Copy, Debug)]
    struct WriterSetup {
        scheme: TagScheme,
        columns: conll::Columns,
        docstart: bool,
    }

    fn same_both_ways(input: &[u8], opts: &Options, writer: WriterSetup) {
        let general = convert(input, opts, writer, Route::General);
        for route in [Route::Fused, Route::Baseline, Route::InMemory] {
            assert_eq!(
                convert(input, opts, writer, route),
                general,
                "{route:?}, input {:?}, {opts:?}, {writer:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    const PIECES: &[&str] = &[
        "word",
        "a",
        "Crocker",
        "C.",
        ".",
        ",",
        "--",
        "Pakistan\u{2019}s",
        "\u{201c}",
        "caf\u{e9}",
        "\u{4e2d}\u{6587}",
        "0123456789abcdefghij",
        " ",
        " ",
        " ",
        "  ",
        "\t",
        "[PER ",
        "[LOC ",
        "[MISC\t",
        "[ORG  ",
        "[A_VERY_LONG_LABEL_NAME_OF_THIRTY ",
        "[PER  ]",
        "[per ",
        "[PER",
        "[ ",
        "[1]",
        " ]",
        "  ]",
        "]",
        "[",
        "&amp;",
        "&#91;",
        "&",
        "<a href='#x'>",
        "</a>",
        "<p>",
        "<",
        ">",
        "\u{a0}",
        "\u{2003}",
        "\u{85}",
        "\r",
        "\u{b}",
        "\u{c}",
        "\u{1}",
        "\u{feff}",
    ];

    /// Bracket-like text: well-formed entities, words and spaces mostly,
    /// and every kind of trouble now and then; lines up to a few hundred
    /// bytes, so that they cross 64-byte blocks and reads.
    fn input() -> impl Strategy<Value = Vec<u8>> {
        let entity = (
            prop::sample::select(vec![
                "PER",
                "LOC",
                "ORG",
                "MISC",
                "LABEL_OF_FIFTEEN",
                "LABEL_OF_FIFTY_5",
            ]),
            prop::collection::vec(prop::sample::select(&PIECES[..12]), 1..4),
            prop::sample::select(vec![" ", "  ", "\t"]),
        )
            .prop_map(|(l, words, gap)| format!("[{l} {}{gap}]", words.join(" ")).into_bytes());
        let piece = prop_oneof![
            60 => prop::sample::select(&PIECES[..12]).prop_map(|p| p.as_bytes().to_vec()),
            30 => entity,
            2 => prop::sample::select(PIECES).prop_map(|p| p.as_bytes().to_vec()),
            1 => Just(vec![0xFF]),
            1 => Just(vec![0xE2, 0x80]),
        ];
        let gap = prop::sample::select(vec!["", " ", " ", " ", "  ", "\t"]);
        let line = prop::collection::vec((piece, gap), 0..40).prop_map(|pieces| {
            pieces
                .into_iter()
                .flat_map(|(p, g)| [p, g.as_bytes().to_vec()])
                .collect::<Vec<_>>()
                .concat()
        });
        (
            prop::collection::vec(line, 0..8),
            any::<bool>(),
            any::<bool>(),
            prop::sample::select(vec!["", "", "", "[", " [", "[PER", "&", "<"]),
        )
            .prop_map(|(lines, crlf, last_newline, tail)| {
                let end: &[u8] = if crlf { b"\r\n" } else { b"\n" };
                let mut text = lines.join(end);
                if last_newline {
                    text.extend_from_slice(end);
                }
                // Bytes at the very end of the input, where padding follows.
                text.extend_from_slice(tail.as_bytes());
                text
            })
    }

    fn options() -> impl Strategy<Value = (Options, WriterSetup)> {
        (
            prop::sample::select(vec![HtmlMode::Auto, HtmlMode::Strip, HtmlMode::Keep]),
            any::<bool>(),
            prop::option::of(Just(vec!["PER".to_string(), "LOC".to_string()])),
            prop::sample::select(vec![OffsetUnit::Bytes, OffsetUnit::Chars]),
            prop::sample::select(TagScheme::ALL.to_vec()),
            prop::sample::select(vec![conll::Columns::Two, conll::Columns::Conll2003]),
            any::<bool>(),
        )
            .prop_map(
                |(html, lenient, labels, offsets, scheme, columns, docstart)| {
                    (
                        Options {
                            html,
                            lenient,
                            labels,
                            offsets,
                            ..Options::default()
                        },
                        WriterSetup {
                            scheme,
                            columns,
                            docstart,
                        },
                    )
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn the_fused_route_writes_what_the_general_route_writes(input in input(), (opts, writer) in options()) {
            same_both_ways(&input, &opts, writer);
        }
    }

    /// Inputs that once panicked on the fused route (a `[` at the very end
    /// of the input made an opener key of zeros, the empty cache slot's
    /// key, and its label was taken for a label with tags), and lone
    /// carriage returns, which every route refuses.
    #[test]
    fn inputs_that_once_panicked_or_merged_lines() {
        let long = "[A_LABEL_OF_MORE_THAN_TWENTY_NINE_BYTES x ]";
        let inputs = [
            "[".to_string(),
            "x [".to_string(),
            "x [\n[".to_string(),
            "<p>See note [<sup>\n".to_string(),
            format!("{long} ["),
            format!("{long} y\n[PER a ] ["),
            "a [PER b ]\rc d\r".to_string(),
            "a [PER b ]\r\nc\rd\r\n".to_string(),
        ];
        for input in &inputs {
            for scheme in TagScheme::ALL {
                for html in [HtmlMode::Auto, HtmlMode::Keep] {
                    let opts = Options {
                        html,
                        ..Options::default()
                    };
                    let writer = WriterSetup {
                        scheme,
                        columns: conll::Columns::Two,
                        docstart: false,
                    };
                    same_both_ways(input.as_bytes(), &opts, writer);
                }
            }
        }
        let writer = WriterSetup {
            scheme: TagScheme::Iob2,
            columns: conll::Columns::Two,
            docstart: false,
        };
        let got = convert(b"x [", &Options::default(), writer, Route::InMemory);
        assert!(got.starts_with("x\tO\n[\tO\n\n"), "{got}");
        let got = convert(b"a\rb\n", &Options::default(), writer, Route::Fused);
        assert!(got.contains("1:2: a carriage return (CR)"), "{got}");
    }

    #[test]
    fn one_char_agrees_with_the_standard_library() {
        for a in 0x80..=0xFFu8 {
            for b in 0..=0xFFu8 {
                for c in [0x00, 0x41, 0x80, 0x99, 0xA0, 0xBF, 0xC0, 0xFF] {
                    for run in [&[a, b][..], &[a, b, c][..]] {
                        let expected = std::str::from_utf8(run)
                            .ok()
                            .map(|s| s.chars().collect::<Vec<_>>())
                            .filter(|chars| chars.len() == 1)
                            .map(|chars| chars[0]);
                        if let Some(c) = one_char(run) {
                            assert_eq!(Some(c), expected, "{run:x?}");
                        } else if run.len() <= 3 && run[0] < 0xF0 {
                            assert_eq!(expected, None, "{run:x?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn adjacent_entities_of_one_type_in_every_scheme() {
        let input = "x\n[PER a ] [PER b c ][PER d ] [LOC e f g ] y [LOC h ]\n[ORG i  ]\n";
        for scheme in [
            TagScheme::Iob1,
            TagScheme::Iob2,
            TagScheme::Ioe2,
            TagScheme::Iobes,
            TagScheme::Bilou,
        ] {
            let writer = WriterSetup {
                scheme,
                columns: conll::Columns::Two,
                docstart: true,
            };
            same_both_ways(input.as_bytes(), &Options::default(), writer);
        }
    }

    #[test]
    fn decoded_brackets_are_text() {
        let input =
            "first\na &#91;PER b &#93; c\n[LOC d&#93; ] &amp; <b>e</b> &#91;\n&#91;LOC x ]\n";
        for html in [HtmlMode::Auto, HtmlMode::Strip, HtmlMode::Keep] {
            let writer = WriterSetup {
                scheme: TagScheme::Iob2,
                columns: conll::Columns::Two,
                docstart: false,
            };
            let opts = Options {
                html,
                ..Options::default()
            };
            same_both_ways(input.as_bytes(), &opts, writer);
        }
    }

    #[test]
    fn lines_longer_than_a_read() {
        let mut input = String::from("first line\n");
        for i in 0..300 {
            input.push_str(&format!(
                "w{i} [PER Ryan C. Crocker  ] met [LOC Pakistan ] "
            ));
        }
        input.push_str("\nlast\n");
        let writer = WriterSetup {
            scheme: TagScheme::Iobes,
            columns: conll::Columns::Two,
            docstart: false,
        };
        same_both_ways(input.as_bytes(), &Options::default(), writer);
    }
}
