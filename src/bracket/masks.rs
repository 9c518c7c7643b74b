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
    /// `&` and `<`, which may start markup.
    pub markup: u64,
    /// Line feeds.
    pub newline: u64,
    /// Bytes of non-ASCII chars.
    pub high: u64,
}

/// The masks of `chunk`.
#[inline]
pub(crate) fn block_masks(chunk: &[u8; 64]) -> BlockMasks {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 CPU has
        // it, so the target feature the function asks for is always there.
        unsafe { sse2::block_masks(chunk) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        block_masks_swar(chunk)
    }
}

/// [`block_masks`] eight bytes at a time in general-purpose registers.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub(crate) fn block_masks_swar(chunk: &[u8; 64]) -> BlockMasks {
    use crate::tokenize::{eq_bytes, high_bits_to_mask, lt_bytes};
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut m = BlockMasks::default();
    for (k, word) in chunk.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let shift = 8 * k;
        let blank = eq_bytes(x, b' ') | (lt_bytes(x, 14) & !lt_bytes(x, 9));
        m.blank |= high_bits_to_mask(blank) << shift;
        m.bracket |= high_bits_to_mask(eq_bytes(x, b'[') | eq_bytes(x, b']')) << shift;
        m.open |= high_bits_to_mask(eq_bytes(x, b'[')) << shift;
        m.markup |= high_bits_to_mask(eq_bytes(x, b'&') | eq_bytes(x, b'<')) << shift;
        m.newline |= high_bits_to_mask(eq_bytes(x, b'\n')) << shift;
        m.high |= high_bits_to_mask(x & HIGH) << shift;
    }
    m
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        _mm_set_epi64x, _mm_sub_epi8,
    };

    use super::BlockMasks;

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
            m.markup |= bits(_mm_or_si128(eq(v, b'&'), eq(v, b'<'))) << shift;
            m.newline |= bits(eq(v, b'\n')) << shift;
            m.high |= bits(v) << shift;
        }
        m
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
            if b == b'&' || b == b'<' {
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

    #[test]
    fn every_byte_value_in_every_lane() {
        for b in 0..=255u8 {
            for k in 0..64 {
                let mut chunk = [b'a'; 64];
                chunk[k] = b;
                assert_eq!(block_masks(&chunk), reference(&chunk), "byte {b:#x} at {k}");
                assert_eq!(
                    block_masks_swar(&chunk),
                    reference(&chunk),
                    "byte {b:#x} at {k}"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn match_a_byte_by_byte_scan(chunk in proptest::collection::vec(any::<u8>(), 64)) {
            let chunk: [u8; 64] = chunk.try_into().unwrap();
            prop_assert_eq!(block_masks(&chunk), reference(&chunk));
            prop_assert_eq!(block_masks_swar(&chunk), reference(&chunk));
        }
    }
}
