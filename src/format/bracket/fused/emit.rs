//! The fused route's kernel: writes the tokens of a line, each with its
//! tag, from the input block straight into the output block, guided by the
//! masks of [`Block`]s. It does no I/O, and it holds every `unsafe` copy of
//! the route: the bounds that make them sound are asserted once a line, in
//! [`Emitter::emit`]. (The route's only other `unsafe` is in
//! [`masks`](super::masks): the vector loads and the calls into code built
//! for the CPU's vector instructions.)

use super::scan::{windows, Block};
use super::tags::{Labels, TagSet, TagSets, TagText, AFTER_SAME, FIRST, LAST, TAG_BYTES};
use crate::scheme::{TagScheme, TagStyle};
use crate::swar::bits_from;
use crate::tokenize::run_token_end;

/// Tokens up to this length are copied with one fixed-size copy.
const SHORT_TOKEN: usize = 16;
/// Room past the data of a block, so that fixed-size copies of a short
/// token near its end stay inside the buffer.
pub(super) const SLACK: usize = 32;

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
/// <= out.len()`, which [`Emitter::emit`] asserts for the whole line.
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
/// `(len + 1) / 2` tokens (`len` with `unicode` tokens, where each
/// punctuation byte is one), each with a tag of at most [`TAG_BYTES`] and
/// up to [`SHORT_TOKEN`] bytes copied past it, and a blank line. Cleaning
/// a line (tags stripped, references decoded) never makes it longer.
fn output_bound(len: usize, unicode: bool) -> usize {
    let tokens = if unicode { len } else { len / 2 };
    len + (tokens + 2) * TAG_BYTES + SHORT_TOKEN + 1
}

/// Writes the [`Tokenizer::Unicode`](crate::Tokenizer::Unicode) tokens of
/// the run of non-delimiters `src[s..s + len]`, whose first token ends at
/// `first_end` of it (before `len`: a run of one token is written as any
/// other token), each with its tag from `tags`: the first in `role`, the
/// last with [`LAST`] added when `last`, those between in `role` without
/// [`FIRST`]. Returns the new end of the output, the number of tokens and
/// where the last token's tag starts; `None` when the tokenizer's fast
/// path cannot tell a token's end (the line then goes the general way).
///
/// # Safety
/// As [`put`] for every token of the run: [`Emitter::emit`] asserts room
/// for a token per byte of the line when it writes unicode tokens.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn put_split(
    out: &mut [u8],
    mut w: usize,
    src: &[u8],
    (s, len): (usize, usize),
    first_end: usize,
    tags: &TagSet,
    mut role: usize,
    last: bool,
) -> Option<(usize, usize, usize)> {
    let run = &src[s..s + len];
    let (mut start, mut end) = (0, first_end);
    let mut n = 0;
    loop {
        let is_last = end >= len;
        let tag = &tags[(role | (usize::from(last && is_last) * LAST)) & 7];
        let tag_at = w + (end - start);
        // SAFETY: in bounds by the caller's promise.
        w = unsafe { put(out, w, src, s + start, end - start, tag) };
        n += 1;
        role &= !FIRST;
        if is_last {
            return Some((w, n, tag_at));
        }
        start = end;
        end = run_token_end(run, start)?;
    }
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

/// True when the token that starts at bit `bit` of a block, whose
/// delimiters are `delim` and split bytes `split` (see
/// [`mark_split_bytes`](super::scan::mark_split_bytes)), ends in the block
/// and holds only ASCII letters, digits and `_`: one unicode token.
#[inline(always)]
fn one_word(delim: u64, split: u64, bit: usize) -> bool {
    let rest = delim >> bit;
    // The token's bytes and the delimiter after it, which is no split byte.
    rest != 0 && (split >> bit) & (rest ^ rest.wrapping_sub(1)) == 0
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
        let below_to = !bits_from(to.saturating_sub(64 * k));
        blocks[k].starts & bits_from(from.saturating_sub(64 * k)) & below_to != 0
    })
}

#[cfg(test)]
thread_local! {
    /// Set by tests to run the baseline code on a CPU that has more.
    pub(super) static BASELINE_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// True when the fused route is to use only the baseline instructions.
#[cfg(target_arch = "x86_64")]
fn baseline_only() -> bool {
    #[cfg(test)]
    return BASELINE_ONLY.with(std::cell::Cell::get);
    #[cfg(not(test))]
    false
}

/// The output block of the fused route and what writing lines into it
/// takes: the labels seen with their tags, and whether the CPU has the bit
/// instructions of [`Emitter::emit_with_bit_instructions`].
#[derive(Debug)]
pub(super) struct Emitter {
    labels: Labels,
    /// The tag sets of the labels.
    sets: TagSets,
    /// The tag set of tokens outside entities: `O` in every role.
    outside: TagSet,
    /// The labels of the entities of the line being written.
    line_entities: Vec<usize>,
    /// The labels of the entities of the line being written that merge
    /// into the one before them (IO tags).
    line_merged: Vec<usize>,
    /// The CPU has BMI1, BMI2, `popcnt` and `lzcnt` (see
    /// [`Emitter::emit_with_bit_instructions`]).
    #[cfg(target_arch = "x86_64")]
    bit_instructions: bool,
    /// Tokens are those of the unicode tokenizer (see
    /// [`Emitter::tokenize_unicode`]) rather than runs of non-whitespace.
    unicode: bool,
    out: Vec<u8>,
    /// The end of the output in `out`.
    w: usize,
}

impl Emitter {
    /// An emitter of tags in `scheme` and `style` after `separator`, of
    /// the labels in `allowed` (any label when `None`), which writes into
    /// `out`.
    pub(super) fn new(
        scheme: TagScheme,
        style: TagStyle,
        separator: &'static [u8],
        allowed: Option<Vec<String>>,
        out: Vec<u8>,
    ) -> Emitter {
        let outside = TagText::new(separator, b"O").expect("the O tag fits");
        Emitter {
            labels: Labels::new(scheme, style, separator, allowed),
            sets: TagSets::default(),
            outside: [outside; 8],
            line_entities: Vec::new(),
            line_merged: Vec::new(),
            #[cfg(target_arch = "x86_64")]
            bit_instructions: !baseline_only()
                && is_x86_feature_detected!("popcnt")
                && is_x86_feature_detected!("lzcnt")
                && is_x86_feature_detected!("bmi1")
                && is_x86_feature_detected!("bmi2"),
            unicode: false,
            out,
            w: 0,
        }
    }

    /// Makes the emitter write the tokens of
    /// [`Tokenizer::Unicode`](crate::Tokenizer::Unicode) when `unicode`:
    /// each run of non-whitespace split where that tokenizer splits it, as
    /// far as its fast path can tell (a line where it cannot goes the
    /// general way).
    pub(super) fn tokenize_unicode(&mut self, unicode: bool) {
        self.unicode = unicode;
    }

    /// True when the emitter writes unicode tokens (see
    /// [`Emitter::tokenize_unicode`]).
    #[inline]
    pub(super) fn tokenizes_unicode(&self) -> bool {
        self.unicode
    }

    /// The output buffer, handed back.
    pub(super) fn into_output(self) -> Vec<u8> {
        self.out
    }

    /// The labels seen and the entities counted for each.
    pub(super) fn labels(&self) -> &Labels {
        &self.labels
    }

    /// The output written so far.
    #[inline]
    pub(super) fn output(&self) -> &[u8] {
        &self.out[..self.w]
    }

    /// The length of the output written so far.
    #[inline]
    pub(super) fn output_len(&self) -> usize {
        self.w
    }

    /// Forgets the output before `at` (handed on by the caller), keeping
    /// what follows it.
    pub(super) fn keep_output_from(&mut self, at: usize) {
        self.out.copy_within(at..self.w, 0);
        self.w -= at;
    }

    /// Forgets all the output (handed on by the caller).
    #[inline]
    pub(super) fn clear_output(&mut self) {
        self.w = 0;
    }

    /// True when the output block has room for the output of a line of
    /// `len` bytes after what is written.
    #[inline]
    pub(super) fn has_room_for(&self, len: usize) -> bool {
        self.w + output_bound(len, self.unicode) <= self.out.len()
    }

    /// Grows the output block, when needed, so that it has room for the
    /// output of a line of `len` bytes once it is cleared.
    pub(super) fn grow_for(&mut self, len: usize) {
        let bound = output_bound(len, self.unicode);
        if bound > self.out.len() {
            self.out.resize(bound, 0);
        }
    }

    /// Writes the tokens of the line `src[from..to]`, whose blocks (those
    /// of all of `src`) are `blocks`, with their tags at the end of the
    /// output, and returns the number of tokens; `None` when the line needs
    /// the general route (what was written is then to be forgotten). `src`
    /// holds at least [`SLACK`] bytes after the line, and room has been
    /// made (see [`Emitter::has_room_for`]).
    pub(super) fn emit(
        &mut self,
        blocks: &[Block],
        src: &[u8],
        from: usize,
        to: usize,
    ) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if self.bit_instructions {
            // SAFETY: the CPU has the instructions (checked in `new`).
            return unsafe {
                if self.unicode {
                    self.emit_unicode_with_bit_instructions(blocks, src, from, to)
                } else {
                    self.emit_with_bit_instructions(blocks, src, from, to)
                }
            };
        }
        if self.unicode {
            self.emit_lines::<false, true>(blocks, src, from, to)
        } else {
            self.emit_lines::<false, false>(blocks, src, from, to)
        }
    }

    /// Writes the tokens of `src[from..to]`, a piece of a line cut where
    /// no entity is open and the next token is outside entities, as
    /// [`Emitter::emit`] does, but without the blank line that ends the
    /// sentence and without counting its entities: the caller counts them
    /// (see [`Emitter::line_entities`]) once the whole line is written.
    pub(super) fn emit_piece(
        &mut self,
        blocks: &[Block],
        src: &[u8],
        from: usize,
        to: usize,
    ) -> Option<usize> {
        if self.unicode {
            self.emit_lines::<true, true>(blocks, src, from, to)
        } else {
            self.emit_lines::<true, false>(blocks, src, from, to)
        }
    }

    /// The labels of the entities that the last [`Emitter::emit_piece`]
    /// wrote.
    pub(super) fn line_entities(&self) -> &[usize] {
        &self.line_entities
    }

    /// The labels of the entities that the last [`Emitter::emit_piece`]
    /// wrote merged into the entity before them (IO tags), each also in
    /// [`Emitter::line_entities`].
    pub(super) fn line_merged(&self) -> &[usize] {
        &self.line_merged
    }

    /// Writes the blank line that ends a sentence whose tokens are written.
    pub(super) fn end_sentence(&mut self) {
        if self.w + 1 > self.out.len() {
            self.out.resize(self.w + 1, 0);
        }
        self.out[self.w] = b'\n';
        self.w += 1;
    }

    /// Counts `n` entities of `label` as read and written.
    pub(super) fn count_entities(&mut self, label: usize, n: u64) {
        self.labels.count_entities(label, n);
    }

    /// Counts `n` of the entities of `label` counted as not written (see
    /// [`Labels::count_unwritten`]).
    pub(super) fn count_unwritten(&mut self, label: usize, n: u64) {
        self.labels.count_unwritten(label, n);
    }

    /// [`Emitter::emit`] compiled for the bit instructions of BMI1, BMI2,
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
        self.emit_lines::<false, false>(blocks, src, from, to)
    }

    /// [`Emitter::emit_with_bit_instructions`] for unicode tokens.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt,bmi1,bmi2,lzcnt")]
    fn emit_unicode_with_bit_instructions(
        &mut self,
        blocks: &[Block],
        src: &[u8],
        from: usize,
        to: usize,
    ) -> Option<usize> {
        self.emit_lines::<false, true>(blocks, src, from, to)
    }

    /// The body of [`Emitter::emit`], inlined into each build of it; with
    /// `PIECE`, that of [`Emitter::emit_piece`]; with `UNICODE`, each run
    /// of non-delimiters is split into the tokens of the unicode
    /// tokenizer (see [`put_split`]).
    #[inline(always)]
    fn emit_lines<const PIECE: bool, const UNICODE: bool>(
        &mut self,
        blocks: &[Block],
        src: &[u8],
        from: usize,
        to: usize,
    ) -> Option<usize> {
        // The copies of tokens and tags below go unchecked: these two
        // checks cover every one of them (see `output_bound`).
        assert!(
            self.w + output_bound(to - from, UNICODE) <= self.out.len() && to + SLACK <= src.len(),
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
        let merged = &mut self.line_merged;
        merged.clear();
        // Only these schemes write an entity that directly follows one of
        // its type otherwise: IOB1 opens it with `B-`, IOE1 ends the one
        // before with `E-`, IO merges the two.
        let scheme = labels.scheme();
        let adjacency = matches!(scheme, TagScheme::Iob1 | TagScheme::Ioe1 | TagScheme::Io);
        let mut w = self.w;
        let mut tokens = 0;
        // The open entity's tags and the role bits that hold for its next
        // token; set when an entity opens, read only inside one.
        let mut tags = outside;
        let mut in_entity = false;
        let mut role = 0;
        // The open entity's label and its first token; where the tag of
        // the last token in an entity is in `out`; the last entity closed
        // on the line, where its `]` is and where its last tag is.
        let mut open = (0, 0);
        let mut last_tag = 0;
        let mut closed: Option<(usize, usize, usize)> = None;
        if from == to {
            return Some(0);
        }
        for (k, bits) in windows(from, to) {
            let Block {
                delim,
                bracket,
                starts,
                split,
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
                        let s = 64 * k + bit;
                        if UNICODE && !one_word(delim, split, bit) {
                            let end = run_token_end(&src[s..s + len], 0)?;
                            if end < len {
                                // SAFETY: the assertion at the top covers
                                // the copies.
                                let (next, n, _) = unsafe {
                                    put_split(out, w, src, (s, len), end, outside, 0, false)?
                                };
                                w = next;
                                tokens += n;
                                continue;
                            }
                        }
                        // SAFETY: the assertion at the top covers the copy.
                        w = unsafe { put_outside(out, w, src, s, len, &outside_tag) };
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
                    if UNICODE && !one_word(delim, split, bit) {
                        let end = run_token_end(&src[at..at + len], 0)?;
                        if end < len {
                            // SAFETY: the assertion at the top covers the
                            // copies.
                            let (next, n, tag_at) = unsafe {
                                put_split(out, w, src, (at, len), end, tags, role, last)?
                            };
                            w = next;
                            last_tag = tag_at;
                            tokens += n;
                            role &= !FIRST;
                            continue;
                        }
                    }
                    let tag = &tags[(role | (usize::from(last) * LAST)) & 7];
                    last_tag = w + len;
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
                    let set = labels.set_of(label);
                    tags = &sets.tags[set];
                    in_entity = true;
                    let after_same = adjacency
                        && closed.is_some_and(|(l, c, _)| l == label && !any_start(blocks, c, at));
                    if after_same && scheme == TagScheme::Io {
                        // A reader of IO tags finds the two as one.
                        merged.push(label);
                    } else if after_same {
                        // IOE1 ends the entity before with `E-`: one byte
                        // of its last tag, written at `before` on this
                        // line (nothing of a line is handed on before
                        // its end, nor a piece cut inside an entity or
                        // right after one).
                        let (_, _, before) = closed.expect("after an entity");
                        if let Some(i) = sets.end_patches[set].at {
                            out[before + i] = sets.end_patches[set].byte;
                        }
                    }
                    role = FIRST | (usize::from(after_same) * AFTER_SAME);
                    open = (label, tokens);
                } else {
                    // A `]` closes the open entity; without one, it is
                    // literal text. An empty entity is an error.
                    if !in_entity || tokens == open.1 {
                        return None;
                    }
                    entities.push(open.0);
                    closed = Some((open.0, at, last_tag));
                    in_entity = false;
                }
            }
        }
        if in_entity {
            return None;
        }
        if PIECE {
            self.w = w;
            return Some(tokens);
        }
        if tokens > 0 {
            out[w] = b'\n';
            self.w = w + 1;
            for &label in entities.iter() {
                labels.count_entity(label);
            }
            for &label in merged.iter() {
                labels.count_unwritten(label, 1);
            }
        }
        Some(tokens)
    }
}
