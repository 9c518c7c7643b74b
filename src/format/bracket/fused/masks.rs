//! Bit masks over 64 bytes of bracket text: where the whitespace, the
//! brackets and the bytes that need a closer look are. One pass of these
//! replaces a branch per byte with a `trailing_zeros` per token.

/// The masks of 64 bytes: bit `k` stands for byte `k`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct BlockMasks {
    /// ASCII whitespace: tab, line feed, vertical tab, form feed, carriage
    /// return and space (what `char::is_whitespace` says of ASCII).
    pub blank: u64,
    /// `[` and `]`.
    pub bracket: u64,
    /// `[`.
    pub open: u64,
    /// `&` and `<`, which may start markup, and carriage returns, which
    /// are line ends only before a line feed: each needs a closer look.
    pub markup: u64,
    /// Line feeds.
    pub newline: u64,
    /// Bytes of non-ASCII chars.
    pub high: u64,
}

/// Calls `add` with the masks of each 64 bytes of `text`, in order; the
/// bytes past the end of the last, short block count as spaces.
///
/// On x86_64 this uses AVX-512BW when the CPU has it (one compare per byte
/// class gives a whole 64-bit mask) and SSE2, which every x86_64 CPU has,
/// otherwise.
#[inline]
pub(crate) fn for_each_block(text: &[u8], add: impl FnMut(BlockMasks)) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512bw") {
            // SAFETY: the CPU has just been seen to have AVX-512BW, the one
            // target feature the function asks for beyond the baseline.
            unsafe { avx512::for_each_block(text, add) }
        } else {
            // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 CPU
            // has it.
            unsafe { sse2::for_each_block(text, add) }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        each_block(text, add, block_masks_swar)
    }
}

/// Calls `add` with the mask of the bytes below `!` (spaces, tabs, line
/// ends and the other control characters) of each 64 bytes of `text`, in
/// order; the bytes past the end of the last, short block count as spaces.
/// The CoNLL reader's line scan read these until it needed more classes of
/// bytes at once (`conll::line_masks`); unused outside the tests since.
///
/// Dispatched as [`for_each_block`] is.
#[cfg_attr(not(test), allow(dead_code))]
#[inline]
pub(crate) fn for_each_block_below_bang(text: &[u8], add: impl FnMut(u64)) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512bw") {
            // SAFETY: the CPU has just been seen to have AVX-512BW.
            unsafe { avx512::for_each_block_below_bang(text, add) }
        } else {
            // SAFETY: SSE2 is part of the x86_64 baseline.
            unsafe { sse2::for_each_block_below_bang(text, add) }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        each_block(text, add, below_bang_swar)
    }
}

/// Calls `add` with the mask of the bytes other than ASCII letters, digits
/// and `_` of each 64 bytes of `text`, in order; the bytes past the end of
/// the last, short block count as spaces. Within a run of non-whitespace,
/// the unicode tokenizer can split only at these (a run of word bytes is
/// one token), so the fused route looks closer only at runs that hold one.
///
/// Dispatched as [`for_each_block`] is.
#[inline]
pub(crate) fn for_each_block_non_word(text: &[u8], add: impl FnMut(u64)) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512bw") {
            // SAFETY: the CPU has just been seen to have AVX-512BW.
            unsafe { avx512::for_each_block_non_word(text, add) }
        } else {
            // SAFETY: SSE2 is part of the x86_64 baseline.
            unsafe { sse2::for_each_block_non_word(text, add) }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        each_block(text, add, non_word_bytes)
    }
}

/// The bytes other than ASCII letters, digits and `_` of one block, a
/// byte at a time: the route where there is no SSE2.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub(crate) fn non_word_bytes(chunk: &[u8; 64]) -> u64 {
    chunk
        .iter()
        .enumerate()
        .filter(|&(_, &b)| !(b.is_ascii_alphanumeric() || b == b'_'))
        .fold(0, |m, (k, _)| m | (1 << k))
}

/// The bytes below `!` of one block, eight bytes at a time.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub(crate) fn below_bang_swar(chunk: &[u8; 64]) -> u64 {
    use crate::swar::{high_bits_to_mask, lt_bytes};
    let mut m = 0;
    for (k, word) in chunk.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        m |= high_bits_to_mask(lt_bytes(x, b'!')) << (8 * k);
    }
    m
}

/// [`for_each_block`] with the masks of a block computed by `masks`: the
/// last, short block is padded with spaces (also the CoNLL route's line
/// masks' walk).
#[inline(always)]
pub(crate) fn each_block<M>(text: &[u8], mut add: impl FnMut(M), masks: impl Fn(&[u8; 64]) -> M) {
    let mut chunks = text.chunks_exact(64);
    for chunk in &mut chunks {
        add(masks(chunk.try_into().expect("64 bytes")));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut chunk = [b' '; 64];
        chunk[..rest.len()].copy_from_slice(rest);
        add(masks(&chunk));
    }
}

/// The masks of one block, eight bytes at a time in general-purpose
/// registers: the route where there is no SSE2.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub(crate) fn block_masks_swar(chunk: &[u8; 64]) -> BlockMasks {
    use crate::swar::{eq_bytes, high_bits_to_mask, lt_bytes, non_ascii_bytes};
    let mut m = BlockMasks::default();
    for (k, word) in chunk.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let shift = 8 * k;
        let blank = eq_bytes(x, b' ') | (lt_bytes(x, 14) & !lt_bytes(x, 9));
        m.blank |= high_bits_to_mask(blank) << shift;
        m.bracket |= high_bits_to_mask(eq_bytes(x, b'[') | eq_bytes(x, b']')) << shift;
        m.open |= high_bits_to_mask(eq_bytes(x, b'[')) << shift;
        m.markup |=
            high_bits_to_mask(eq_bytes(x, b'&') | eq_bytes(x, b'<') | eq_bytes(x, b'\r')) << shift;
        m.newline |= high_bits_to_mask(eq_bytes(x, b'\n')) << shift;
        m.high |= high_bits_to_mask(non_ascii_bytes(x)) << shift;
    }
    m
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        _mm_set_epi64x, _mm_sub_epi8,
    };

    use super::{each_block, BlockMasks};

    #[target_feature(enable = "sse2")]
    pub(super) fn for_each_block(text: &[u8], add: impl FnMut(BlockMasks)) {
        each_block(text, add, |chunk| block_masks(chunk));
    }

    #[target_feature(enable = "sse2")]
    pub(super) fn for_each_block_below_bang(text: &[u8], add: impl FnMut(u64)) {
        each_block(text, add, |chunk| below_bang(chunk));
    }

    #[target_feature(enable = "sse2")]
    pub(super) fn for_each_block_non_word(text: &[u8], add: impl FnMut(u64)) {
        each_block(text, add, |chunk| non_word(chunk));
    }

    /// The bytes other than ASCII letters, digits and `_`: letters are
    /// the bytes that, with bit 5 set, lie in `a..=z`, each range tested
    /// as an unsigned minimum.
    #[inline]
    #[target_feature(enable = "sse2")]
    pub(super) fn non_word(chunk: &[u8; 64]) -> u64 {
        let mut word = 0;
        for k in 0..4 {
            let v = load(&chunk[16 * k..16 * k + 16]);
            let from_a = _mm_sub_epi8(
                _mm_or_si128(v, _mm_set1_epi8(0x20)),
                _mm_set1_epi8(b'a' as i8),
            );
            let letter = _mm_cmpeq_epi8(_mm_min_epu8(from_a, _mm_set1_epi8(25)), from_a);
            let from_0 = _mm_sub_epi8(v, _mm_set1_epi8(b'0' as i8));
            let digit = _mm_cmpeq_epi8(_mm_min_epu8(from_0, _mm_set1_epi8(9)), from_0);
            let w = _mm_or_si128(_mm_or_si128(letter, digit), eq(v, b'_'));
            word |= bits(w) << (16 * k);
        }
        !word
    }

    /// The bytes up to a space, as the unsigned minimum with a space.
    #[inline]
    #[target_feature(enable = "sse2")]
    pub(super) fn below_bang(chunk: &[u8; 64]) -> u64 {
        let mut m = 0;
        for k in 0..4 {
            let v = load(&chunk[16 * k..16 * k + 16]);
            let up_to_space = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(b' ' as i8)), v);
            m |= bits(up_to_space) << (16 * k);
        }
        m
    }

    /// Sixteen bytes as a vector; the compiler makes one unaligned load of
    /// the two halves.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn load(b: &[u8]) -> __m128i {
        let lo = i64::from_le_bytes(b[..8].try_into().expect("eight bytes"));
        let hi = i64::from_le_bytes(b[8..16].try_into().expect("eight bytes"));
        _mm_set_epi64x(hi, lo)
    }

    #[inline]
    #[target_feature(enable = "sse2")]
    fn eq(v: __m128i, b: u8) -> __m128i {
        _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8))
    }

    #[inline]
    #[target_feature(enable = "sse2")]
    fn bits(v: __m128i) -> u64 {
        u64::from(_mm_movemask_epi8(v) as u16)
    }

    #[inline]
    #[target_feature(enable = "sse2")]
    pub(super) fn block_masks(chunk: &[u8; 64]) -> BlockMasks {
        let mut m = BlockMasks::default();
        for k in 0..4 {
            let v = load(&chunk[16 * k..16 * k + 16]);
            // Tab to carriage return (9 to 13): five values from 9 up,
            // tested as an unsigned minimum.
            let from_tab = _mm_sub_epi8(v, _mm_set1_epi8(9));
            let control = _mm_cmpeq_epi8(_mm_min_epu8(from_tab, _mm_set1_epi8(4)), from_tab);
            let shift = 16 * k;
            m.blank |= bits(_mm_or_si128(eq(v, b' '), control)) << shift;
            let open = eq(v, b'[');
            m.bracket |= bits(_mm_or_si128(open, eq(v, b']'))) << shift;
            m.open |= bits(open) << shift;
            m.markup |= bits(_mm_or_si128(
                _mm_or_si128(eq(v, b'&'), eq(v, b'<')),
                eq(v, b'\r'),
            )) << shift;
            m.newline |= bits(eq(v, b'\n')) << shift;
            m.high |= bits(v) << shift;
        }
        m
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512i, _mm512_cmpeq_epi8_mask, _mm512_cmple_epu8_mask, _mm512_loadu_si512,
        _mm512_movepi8_mask, _mm512_or_si512, _mm512_set1_epi8, _mm512_sub_epi8,
    };

    use super::{each_block, BlockMasks};

    #[target_feature(enable = "avx512bw")]
    pub(super) fn for_each_block(text: &[u8], add: impl FnMut(BlockMasks)) {
        each_block(text, add, |chunk| block_masks(chunk));
    }

    #[target_feature(enable = "avx512bw")]
    pub(super) fn for_each_block_below_bang(text: &[u8], add: impl FnMut(u64)) {
        each_block(text, add, |chunk| below_bang(chunk));
    }

    #[target_feature(enable = "avx512bw")]
    pub(super) fn for_each_block_non_word(text: &[u8], add: impl FnMut(u64)) {
        each_block(text, add, |chunk| non_word(chunk));
    }

    /// The bytes other than ASCII letters, digits and `_`, as the SSE2
    /// route finds them.
    #[inline]
    #[target_feature(enable = "avx512bw")]
    pub(super) fn non_word(chunk: &[u8; 64]) -> u64 {
        let v = load(chunk);
        let lower = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
        let letter = _mm512_cmple_epu8_mask(
            _mm512_sub_epi8(lower, _mm512_set1_epi8(b'a' as i8)),
            _mm512_set1_epi8(25),
        );
        let digit = _mm512_cmple_epu8_mask(
            _mm512_sub_epi8(v, _mm512_set1_epi8(b'0' as i8)),
            _mm512_set1_epi8(9),
        );
        !(letter | digit | eq(v, b'_'))
    }

    #[inline]
    #[target_feature(enable = "avx512bw")]
    pub(super) fn below_bang(chunk: &[u8; 64]) -> u64 {
        _mm512_cmple_epu8_mask(load(chunk), _mm512_set1_epi8(b' ' as i8))
    }

    /// Sixty-four bytes as a vector, in one unaligned load.
    #[inline]
    #[target_feature(enable = "avx512bw")]
    fn load(chunk: &[u8; 64]) -> __m512i {
        // SAFETY: the load reads the 64 bytes of `chunk`, which are there
        // and readable; it needs no alignment.
        unsafe { _mm512_loadu_si512(chunk.as_ptr().cast()) }
    }

    #[inline]
    #[target_feature(enable = "avx512bw")]
    fn eq(v: __m512i, b: u8) -> u64 {
        _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b as i8))
    }

    #[inline]
    #[target_feature(enable = "avx512bw")]
    pub(super) fn block_masks(chunk: &[u8; 64]) -> BlockMasks {
        let v = load(chunk);
        // Tab to carriage return (9 to 13): five values from 9 up.
        let control =
            _mm512_cmple_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8(9)), _mm512_set1_epi8(4));
        let open = eq(v, b'[');
        BlockMasks {
            blank: eq(v, b' ') | control,
            bracket: open | eq(v, b']'),
            open,
            markup: eq(v, b'&') | eq(v, b'<') | eq(v, b'\r'),
            newline: eq(v, b'\n'),
            high: _mm512_movepi8_mask(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The masks, byte by byte.
    fn reference(chunk: &[u8; 64]) -> BlockMasks {
        let mut m = BlockMasks::default();
        for (k, &b) in chunk.iter().enumerate() {
            let bit = 1u64 << k;
            if b.is_ascii() && (b as char).is_whitespace() {
                m.blank |= bit;
            }
            if b == b'[' || b == b']' {
                m.bracket |= bit;
            }
            if b == b'[' {
                m.open |= bit;
            }
            if b == b'&' || b == b'<' || b == b'\r' {
                m.markup |= bit;
            }
            if b == b'\n' {
                m.newline |= bit;
            }
            if b >= 0x80 {
                m.high |= bit;
            }
        }
        m
    }

    /// The masks of `chunk` by every route this CPU can run, named.
    fn every_route(chunk: &[u8; 64]) -> Vec<(&'static str, BlockMasks)> {
        let mut routes = vec![("swar", block_masks_swar(chunk))];
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: SSE2 is part of the x86_64 baseline.
            routes.push(("sse2", unsafe { sse2::block_masks(chunk) }));
            if std::arch::is_x86_feature_detected!("avx512bw") {
                // SAFETY: the CPU has just been seen to have AVX-512BW.
                routes.push(("avx512", unsafe { avx512::block_masks(chunk) }));
            }
        }
        routes
    }

    /// The bytes below `!` of `chunk` by every route this CPU can run.
    fn every_below_bang_route(chunk: &[u8; 64]) -> Vec<(&'static str, u64)> {
        let mut routes = vec![("swar", below_bang_swar(chunk))];
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: SSE2 is part of the x86_64 baseline.
            routes.push(("sse2", unsafe { sse2::below_bang(chunk) }));
            if std::arch::is_x86_feature_detected!("avx512bw") {
                // SAFETY: the CPU has just been seen to have AVX-512BW.
                routes.push(("avx512", unsafe { avx512::below_bang(chunk) }));
            }
        }
        routes
    }

    /// The bytes other than letters, digits and `_` of `chunk` by every
    /// route this CPU can run.
    fn every_non_word_route(chunk: &[u8; 64]) -> Vec<(&'static str, u64)> {
        let mut routes = vec![("bytes", non_word_bytes(chunk))];
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: SSE2 is part of the x86_64 baseline.
            routes.push(("sse2", unsafe { sse2::non_word(chunk) }));
            if std::arch::is_x86_feature_detected!("avx512bw") {
                // SAFETY: the CPU has just been seen to have AVX-512BW.
                routes.push(("avx512", unsafe { avx512::non_word(chunk) }));
            }
        }
        routes
    }

    /// The bytes other than letters, digits and `_`, by the classes of
    /// the unicode tokenizer's table.
    fn non_word_reference(chunk: &[u8; 64]) -> u64 {
        (0..64)
            .filter(|&k| !crate::tokenize::is_ascii_word_byte(chunk[k]))
            .map(|k| 1u64 << k)
            .sum()
    }

    /// The bytes below `!`, byte by byte.
    fn below_bang_reference(chunk: &[u8; 64]) -> u64 {
        (0..64)
            .filter(|&k| chunk[k] < b'!')
            .map(|k| 1u64 << k)
            .sum()
    }

    #[test]
    fn every_byte_value_in_every_lane() {
        for b in 0..=255u8 {
            for k in 0..64 {
                let mut chunk = [b'a'; 64];
                chunk[k] = b;
                for (route, masks) in every_route(&chunk) {
                    assert_eq!(masks, reference(&chunk), "{route}: byte {b:#x} at {k}");
                }
                for (route, below) in every_below_bang_route(&chunk) {
                    let expected = below_bang_reference(&chunk);
                    assert_eq!(below, expected, "{route}: byte {b:#x} at {k}");
                }
                for (route, non_word) in every_non_word_route(&chunk) {
                    let expected = non_word_reference(&chunk);
                    assert_eq!(non_word, expected, "{route}: byte {b:#x} at {k}");
                }
            }
        }
    }

    /// The blocks of `text` as [`for_each_block`] gives them.
    fn blocks_of(text: &[u8]) -> Vec<BlockMasks> {
        let mut blocks = Vec::new();
        for_each_block(text, |m| blocks.push(m));
        blocks
    }

    proptest! {
        #[test]
        fn match_a_byte_by_byte_scan(chunk in proptest::collection::vec(any::<u8>(), 64)) {
            let chunk: [u8; 64] = chunk.try_into().unwrap();
            for (route, masks) in every_route(&chunk) {
                prop_assert_eq!(masks, reference(&chunk), "{}", route);
            }
            for (route, below) in every_below_bang_route(&chunk) {
                prop_assert_eq!(below, below_bang_reference(&chunk), "{}", route);
            }
            for (route, non_word) in every_non_word_route(&chunk) {
                prop_assert_eq!(non_word, non_word_reference(&chunk), "{}", route);
            }
        }

        #[test]
        fn every_block_of_a_text_with_the_last_padded(text in proptest::collection::vec(any::<u8>(), 0..300)) {
            let expected: Vec<BlockMasks> = text
                .chunks(64)
                .map(|part| {
                    let mut chunk = [b' '; 64];
                    chunk[..part.len()].copy_from_slice(part);
                    reference(&chunk)
                })
                .collect();
            prop_assert_eq!(blocks_of(&text), expected);
            let expected: Vec<u64> = text
                .chunks(64)
                .map(|part| {
                    let mut chunk = [b' '; 64];
                    chunk[..part.len()].copy_from_slice(part);
                    below_bang_reference(&chunk)
                })
                .collect();
            let mut below = Vec::new();
            for_each_block_below_bang(&text, |m| below.push(m));
            prop_assert_eq!(below, expected);
            let expected: Vec<u64> = text
                .chunks(64)
                .map(|part| {
                    let mut chunk = [b' '; 64];
                    chunk[..part.len()].copy_from_slice(part);
                    non_word_reference(&chunk)
                })
                .collect();
            let mut non_word = Vec::new();
            for_each_block_non_word(&text, |m| non_word.push(m));
            prop_assert_eq!(non_word, expected);
        }
    }
}
