//! Bit masks over 64 bytes of CoNLL lines: where the line ends, the field
//! separators and the bytes the fast route looks closer at are. With them
//! the scan takes a word's whole lines at once ([`super::fast`]'s
//! `word_lines`) instead of two `trailing_zeros` and a handful of compares
//! a line.

/// The masks of 64 bytes of a text: bit `k` stands for byte `k`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct LineMasks {
    /// Bytes below `!`: spaces, tabs, line ends and the other control
    /// characters (where fields end).
    pub breaks: u64,
    /// Line feeds.
    pub newlines: u64,
    /// Spaces and tabs.
    pub separators: u64,
    /// `-` (a document line may start with it), `#` (a comment may) and
    /// the bytes of non-ASCII chars (Unicode whitespace may be one): the
    /// first bytes of lines the word step leaves to the line-by-line scan.
    pub odd_starts: u64,
    /// The line feeds that end a tab and an `O` (`TOKEN<TAB>O<LF>`), when
    /// the tab is in the same 64 bytes.
    pub outside_ends: u64,
}

impl LineMasks {
    /// The masks from the byte classes of one block: `tabs` and `outside`
    /// (the `O` bytes) give [`LineMasks::outside_ends`].
    #[inline(always)]
    fn new(
        breaks: u64,
        newlines: u64,
        separators: u64,
        tabs: u64,
        odd_starts: u64,
        outside: u64,
    ) -> LineMasks {
        LineMasks {
            breaks,
            newlines,
            separators,
            odd_starts,
            outside_ends: newlines & (outside << 1) & (tabs << 2),
        }
    }
}

/// Calls `add` with the masks of each 64 bytes of `text`, in order; the
/// bytes past the end of the last, short block count as spaces.
///
/// On x86_64 this uses AVX-512BW or AVX2 when the CPU has them (one or two
/// compares per byte class) and SSE2, which every x86_64 CPU has,
/// otherwise.
#[inline]
pub(super) fn for_each_block(text: &[u8], add: impl FnMut(LineMasks)) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512bw") {
            // SAFETY: the CPU has just been seen to have AVX-512BW, the one
            // target feature the function asks for beyond the baseline.
            unsafe { avx512::for_each_block(text, add) }
        } else if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has just been seen to have AVX2, the one
            // target feature the function asks for beyond the baseline.
            unsafe { avx2::for_each_block(text, add) }
        } else {
            // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 CPU
            // has it.
            unsafe { sse2::for_each_block(text, add) }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        each_block(text, add, masks_by_byte)
    }
}

// The blocks are walked as the bracket route's masks walk them: whole
// 64-byte blocks, then the rest padded with spaces.
use crate::format::bracket::fused::masks::each_block;

/// The masks of one block, a byte at a time: the route off x86_64, and
/// the reference of the tests.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub(super) fn masks_by_byte(chunk: &[u8; 64]) -> LineMasks {
    let mut classes = [0u64; 6];
    for (k, &b) in chunk.iter().enumerate() {
        let bit = 1u64 << k;
        let of = [
            b < b'!',
            b == b'\n',
            b == b' ' || b == b'\t',
            b == b'\t',
            b == b'-' || b == b'#' || b >= 0x80,
            b == b'O',
        ];
        for (class, is) in classes.iter_mut().zip(of) {
            if is {
                *class |= bit;
            }
        }
    }
    let [breaks, newlines, separators, tabs, odd_starts, outside] = classes;
    LineMasks::new(breaks, newlines, separators, tabs, odd_starts, outside)
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };

    use super::{each_block, LineMasks};

    #[target_feature(enable = "sse2")]
    pub(super) fn for_each_block(text: &[u8], add: impl FnMut(LineMasks)) {
        each_block(text, add, |chunk| masks(chunk));
    }

    /// The masks of a block, 16 bytes at a time. (Helpers are functions
    /// of the target feature, not closures, which would not inherit it
    /// and would call each intrinsic.)
    #[inline]
    #[target_feature(enable = "sse2")]
    pub(super) fn masks(chunk: &[u8; 64]) -> LineMasks {
        let (mut breaks, mut newlines, mut separators) = (0, 0, 0);
        let (mut tabs, mut odd_starts, mut outside) = (0, 0, 0);
        for k in 0..4 {
            let v = load(chunk, 16 * k);
            let shift = 16 * k;
            let tab = eq(v, b'\t');
            // The bytes up to a space, as the unsigned minimum with one.
            breaks |= bits(_mm_cmpeq_epi8(
                _mm_min_epu8(v, _mm_set1_epi8(b' ' as i8)),
                v,
            )) << shift;
            newlines |= bits(eq(v, b'\n')) << shift;
            separators |= bits(_mm_or_si128(eq(v, b' '), tab)) << shift;
            tabs |= bits(tab) << shift;
            // The high bit of a byte is its own mask bit.
            odd_starts |= (bits(_mm_or_si128(eq(v, b'-'), eq(v, b'#'))) | bits(v)) << shift;
            outside |= bits(eq(v, b'O')) << shift;
        }
        LineMasks::new(breaks, newlines, separators, tabs, odd_starts, outside)
    }

    #[inline]
    #[target_feature(enable = "sse2")]
    fn load(chunk: &[u8; 64], at: usize) -> __m128i {
        let bytes: &[u8; 16] = chunk[at..at + 16].try_into().expect("16 bytes");
        // SAFETY: the load reads the 16 bytes of `bytes`, which are there;
        // it needs no alignment.
        unsafe { _mm_loadu_si128(bytes.as_ptr().cast()) }
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
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set1_epi8,
    };

    use super::{each_block, LineMasks};

    #[target_feature(enable = "avx2")]
    pub(super) fn for_each_block(text: &[u8], add: impl FnMut(LineMasks)) {
        each_block(text, add, |chunk| masks(chunk));
    }

    /// As the SSE2 route, 32 bytes at a time.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(super) fn masks(chunk: &[u8; 64]) -> LineMasks {
        let (mut breaks, mut newlines, mut separators) = (0, 0, 0);
        let (mut tabs, mut odd_starts, mut outside) = (0, 0, 0);
        for k in 0..2 {
            let v = load(chunk, 32 * k);
            let shift = 32 * k;
            let tab = eq(v, b'\t');
            breaks |= bits(_mm256_cmpeq_epi8(
                _mm256_min_epu8(v, _mm256_set1_epi8(b' ' as i8)),
                v,
            )) << shift;
            newlines |= bits(eq(v, b'\n')) << shift;
            separators |= bits(_mm256_or_si256(eq(v, b' '), tab)) << shift;
            tabs |= bits(tab) << shift;
            odd_starts |= (bits(_mm256_or_si256(eq(v, b'-'), eq(v, b'#'))) | bits(v)) << shift;
            outside |= bits(eq(v, b'O')) << shift;
        }
        LineMasks::new(breaks, newlines, separators, tabs, odd_starts, outside)
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn load(chunk: &[u8; 64], at: usize) -> __m256i {
        let bytes: &[u8; 32] = chunk[at..at + 32].try_into().expect("32 bytes");
        // SAFETY: the load reads the 32 bytes of `bytes`, which are there;
        // it needs no alignment.
        unsafe { _mm256_loadu_si256(bytes.as_ptr().cast()) }
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn eq(v: __m256i, b: u8) -> __m256i {
        _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b as i8))
    }

    /// The high bits of the bytes of `v`. Opaque to the optimizer: seeing
    /// masks of 32 bytes or-ed and shifted together, LLVM turns them back
    /// into vectors of bits and takes them apart a byte at a time (ten
    /// times the instructions of the whole block).
    #[inline]
    #[target_feature(enable = "avx2")]
    fn bits(v: __m256i) -> u64 {
        let mut bits = u64::from(_mm256_movemask_epi8(v) as u32);
        // SAFETY: the assembly is empty: it reads and writes nothing, and
        // leaves the register as it is; only the optimizer cannot see
        // through it (where `black_box` would cost a store and a load).
        unsafe { std::arch::asm!("/* {0} */", inout(reg) bits, options(pure, nomem, nostack)) };
        bits
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512i, _mm512_cmpeq_epi8_mask, _mm512_cmple_epu8_mask, _mm512_loadu_si512,
        _mm512_movepi8_mask, _mm512_set1_epi8,
    };

    use super::{each_block, LineMasks};

    #[target_feature(enable = "avx512bw")]
    pub(super) fn for_each_block(text: &[u8], add: impl FnMut(LineMasks)) {
        each_block(text, add, |chunk| masks(chunk));
    }

    /// The masks of a block: one compare a class gives its 64 bits.
    #[inline]
    #[target_feature(enable = "avx512bw")]
    pub(super) fn masks(chunk: &[u8; 64]) -> LineMasks {
        // SAFETY: the load reads the 64 bytes of `chunk`, which are there;
        // it needs no alignment.
        let v = unsafe { _mm512_loadu_si512(chunk.as_ptr().cast()) };
        let tabs = eq(v, b'\t');
        LineMasks::new(
            _mm512_cmple_epu8_mask(v, _mm512_set1_epi8(b' ' as i8)),
            eq(v, b'\n'),
            eq(v, b' ') | tabs,
            tabs,
            eq(v, b'-') | eq(v, b'#') | _mm512_movepi8_mask(v),
            eq(v, b'O'),
        )
    }

    #[inline]
    #[target_feature(enable = "avx512bw")]
    fn eq(v: __m512i, b: u8) -> u64 {
        _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b as i8))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The masks of `chunk` by every route this CPU can run, named.
    fn every_route(chunk: &[u8; 64]) -> Vec<(&'static str, LineMasks)> {
        #[allow(unused_mut)]
        let mut routes = vec![("bytes", masks_by_byte(chunk))];
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: SSE2 is part of the x86_64 baseline.
            routes.push(("sse2", unsafe { sse2::masks(chunk) }));
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has just been seen to have AVX2.
                routes.push(("avx2", unsafe { avx2::masks(chunk) }));
            }
            if std::arch::is_x86_feature_detected!("avx512bw") {
                // SAFETY: the CPU has just been seen to have AVX-512BW.
                routes.push(("avx512", unsafe { avx512::masks(chunk) }));
            }
        }
        routes
    }

    #[test]
    fn every_byte_value_in_every_lane() {
        for b in 0..=255u8 {
            for k in 0..64 {
                let mut chunk = [b'a'; 64];
                chunk[k] = b;
                for (route, masks) in every_route(&chunk) {
                    assert_eq!(masks, masks_by_byte(&chunk), "{route}: byte {b:#x} at {k}");
                }
            }
        }
    }

    #[test]
    fn outside_ends_need_a_tab_and_an_o() {
        let mut chunk = [b' '; 64];
        chunk[..18].copy_from_slice(b"a\tO\nb O\nc\tOO\n\tO\nO\n");
        let m = masks_by_byte(&chunk);
        assert_eq!(m.outside_ends, 1 << 3 | 1 << 15);
        // Across the start of the block: no tab before the `O` in it.
        chunk[..2].copy_from_slice(b"O\n");
        assert_eq!(masks_by_byte(&chunk).outside_ends & 0b11, 0);
    }

    proptest! {
        #[test]
        fn match_a_byte_by_byte_scan(chunk in proptest::collection::vec(
            prop::sample::select(&b"\t\n\r -#OaZ\x0b\x80\xc3\xff"[..]), 64,
        )) {
            let chunk: [u8; 64] = chunk.try_into().unwrap();
            for (route, masks) in every_route(&chunk) {
                prop_assert_eq!(masks, masks_by_byte(&chunk), "{}", route);
            }
        }

        #[test]
        fn every_block_of_a_text_with_the_last_padded(text in proptest::collection::vec(any::<u8>(), 0..300)) {
            let expected: Vec<LineMasks> = text
                .chunks(64)
                .map(|part| {
                    let mut chunk = [b' '; 64];
                    chunk[..part.len()].copy_from_slice(part);
                    masks_by_byte(&chunk)
                })
                .collect();
            let mut got = Vec::new();
            for_each_block(&text, |m| got.push(m));
            prop_assert_eq!(got, expected);
        }
    }
}
