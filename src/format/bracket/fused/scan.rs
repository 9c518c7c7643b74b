//! The masks of the fused route's text, 64 bytes to a [`Block`], and what
//! they tell about a line before it is written: whether it holds markup,
//! character references or bytes the masks cannot read rightly (invalid
//! UTF-8, non-ASCII whitespace), which send it elsewhere.

use super::masks::{for_each_block, for_each_block_non_word, BlockMasks};
use crate::swar::bits_from;

/// The masks of one 64-byte block of the text, as the writing loop uses
/// them; bit `k` stands for byte `k` of the block.
#[derive(Clone, Copy, Debug)]
pub(super) struct Block {
    /// Whitespace and brackets: what ends a token.
    pub(super) delim: u64,
    /// `[` and `]`.
    pub(super) bracket: u64,
    /// The first bytes of tokens: a byte that is not a delimiter after one
    /// (or at the start of the text), except right after a `[`, where a
    /// label starts (or, were it no opener, a literal bracket, which sends
    /// the line to the general route anyway).
    pub(super) starts: u64,
    /// Line feeds.
    pub(super) newline: u64,
    /// `&` and `<`.
    pub(super) markup: u64,
    /// Bytes of non-ASCII chars; after [`mark_unusual_runs`], only the
    /// first byte of each run of them that is not well-formed UTF-8 free
    /// of whitespace.
    pub(super) high: u64,
    /// After [`mark_split_bytes`] (with unicode tokens only; zero
    /// otherwise): the bytes of tokens other than ASCII letters, digits
    /// and `_`, where a unicode token may end inside a run.
    pub(super) split: u64,
}

/// The block after the last, whose delimiters end every search.
const END_BLOCK: Block = Block {
    delim: u64::MAX,
    bracket: 0,
    starts: 0,
    newline: 0,
    markup: 0,
    high: 0,
    split: 0,
};

/// The blocks of `text` into `blocks`, then [`END_BLOCK`]; bytes past the
/// end of the text count as spaces.
pub(super) fn scan_blocks(text: &[u8], blocks: &mut Vec<Block>) {
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
            split: 0,
        };
        rest = after;
    });
}

/// Sets the `split` masks of `blocks`, those of `text` by [`scan_blocks`]:
/// the bytes other than delimiters, ASCII letters, digits and `_`. A
/// token without one is one unicode token, spared a closer look.
pub(super) fn mark_split_bytes(text: &[u8], blocks: &mut [Block]) {
    let mut rest = blocks.iter_mut();
    for_each_block_non_word(text, |non_word| {
        if let Some(block) = rest.next() {
            block.split = non_word & !block.delim;
        }
    });
}

/// The blocks that hold the bytes `from..to` (not empty) of the text, each
/// with the bits of its bytes in that range.
#[inline(always)]
pub(super) fn windows(from: usize, to: usize) -> impl Iterator<Item = (usize, u64)> {
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

/// The char that `run` encodes when it is one well-formed two- or
/// three-byte UTF-8 char (most non-ASCII in English text: curly quotes,
/// dashes, accented letters); `None` for anything else, which the caller
/// checks the long way.
#[inline]
pub(super) fn one_char(run: &[u8]) -> Option<char> {
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
pub(super) fn has_bracket_reference(text: &str) -> bool {
    memchr::memchr_iter(b'&', text.as_bytes()).any(|i| {
        crate::html::decode_reference(&text[i..])
            .is_some_and(|(c, _)| crate::html::is_bracket_reference(c))
    })
}

/// What [`Scan::of_line`] found in a line.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Scan {
    /// A `&`, which may start a character reference.
    pub(super) references: bool,
    /// A `<`, which may start a tag.
    pub(super) tags: bool,
    /// Invalid UTF-8 or a non-ASCII whitespace char, which the masks do
    /// not show: the line goes the general way.
    pub(super) unusual: bool,
}

impl Scan {
    /// What in the line `text[from..to]`, whose blocks are `blocks` (with
    /// their unusual runs marked), needs a closer look.
    #[inline]
    pub(super) fn of_line(blocks: &[Block], text: &[u8], from: usize, to: usize) -> Scan {
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
pub(super) fn mark_unusual_runs(text: &[u8], blocks: &mut [Block]) {
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
        let mut high = block.high & bits_from(checked.saturating_sub(at));
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
            high &= bits_from(rel + len);
        }
        block.high = unusual;
    }
}
