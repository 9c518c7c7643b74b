//! Byte tricks on eight bytes at once in a `u64` (SIMD within a register),
//! for the scanners that have no vector instructions to hand: the whitespace
//! tokenizer and the bracket masks' portable route.
//!
//! Each test leaves its answer in the high bit of every byte, and (but for
//! [`first_below_or_non_ascii`], which says why) is exact for every byte,
//! not only the first match: the sums below add at most `0x80` to the low
//! seven bits of a byte (at most `0x7F`), which stays below `0x100`, so no
//! carry ever crosses into the next byte. (The classic zero-byte test,
//! `(x - 0x01..) & !x & 0x80..`, borrows across bytes and is exact only
//! for the lowest match.)
//!
//! Bytes are loaded little-endian (`u64::from_le_bytes`), so byte `j` of the
//! text is byte `j` of the word and the lowest set bit is the first match.

/// `0x01` in every byte.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte.
pub(crate) const HIGH: u64 = 0x8080_8080_8080_8080;
/// The low seven bits of every byte.
pub(crate) const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// The high bit of each byte of `x` that equals `b`, exactly.
///
/// `t` is zero in a byte where `x` equals `b`. Adding `0x7F` to the low
/// seven bits of `t` sets the byte's high bit unless they are all zero, and
/// cannot carry out of the byte (`0x7F + 0x7F < 0x100`); or-ing `t` catches
/// a byte whose only set bit is its high bit. What is left clear is the
/// zero bytes.
#[inline(always)]
pub(crate) fn eq_bytes(x: u64, b: u8) -> u64 {
    let t = x ^ (ONES * u64::from(b));
    !(((t & LOW7) + LOW7) | t) & HIGH
}

/// The high bit of each byte of `x` below `n` (`n <= 128`), exactly.
///
/// Adding `128 - n` to the low seven bits of a byte sets its high bit
/// exactly when those bits are `n` or more, and cannot carry out of the
/// byte (`0x7F + 0x80 < 0x100`); or-ing `x` rules out the bytes of 128 and
/// up, whose high bit is set already.
#[inline(always)]
pub(crate) fn lt_bytes(x: u64, n: u8) -> u64 {
    debug_assert!(n <= 128, "the test reads seven bits of each byte");
    !(((x & LOW7) + ONES * u64::from(128 - n)) | x) & HIGH
}

/// The high bit of each byte of `x` that is not ASCII (128 and up).
#[inline(always)]
pub(crate) fn non_ascii_bytes(x: u64) -> u64 {
    x & HIGH
}

/// The index of the first byte of `b` from `i` that is not ASCII, or
/// `b.len()` when there is none: eight bytes at a time.
#[inline]
pub(crate) fn next_non_ascii(b: &[u8], mut i: usize) -> usize {
    while let Some(word) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let flagged = non_ascii_bytes(x);
        if flagged != 0 {
            return i + (flagged.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && b[i].is_ascii() {
        i += 1;
    }
    i.min(b.len())
}

/// A mask whose lowest set bit is the high bit of the first byte of `x`
/// (in text order) that is below `n` or not ASCII (`n <= 128`); zero when
/// there is none. Only that lowest bit is exact, for searches that want the
/// first such byte: one operation fewer than [`lt_bytes`] with
/// [`non_ascii_bytes`], which made a whole conversion by the general route
/// (whitespace tokens) run 1.5% more instructions.
///
/// Subtracting `n` from an ASCII byte sets its high bit exactly when the
/// byte is below `n`, unless a borrow comes in from the byte below. A
/// borrow starts only at a byte below `n` (a byte of 128 and up minus `n`
/// is not negative) and only moves upwards, so every flag below the first
/// true one is exact; the bytes above it may be flagged falsely.
#[inline(always)]
pub(crate) fn first_below_or_non_ascii(x: u64, n: u8) -> u64 {
    debug_assert!(n <= 128, "a byte of 128 and up must not borrow");
    (x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH) | (x & HIGH)
}

/// A mask whose lowest set bit is the high bit of the first byte of `x`
/// (in text order) below `n` (`n <= 128`); zero when there is none. Only
/// that lowest bit is exact (see [`first_below_or_non_ascii`], of which
/// this is the ASCII half), for searches that pass over bytes of 128 and
/// up. (The CoNLL fast route, its first user, now reads 64-byte masks.)
#[cfg_attr(not(test), allow(dead_code))]
#[inline(always)]
pub(crate) fn first_below(x: u64, n: u8) -> u64 {
    debug_assert!(n <= 128, "a byte of 128 and up must not borrow");
    x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH
}

/// Packs the high bits of the eight bytes of `m` (which holds no other
/// bits) into its low eight bits, byte `j` to bit `j`.
///
/// After the shift, byte `j` holds 0 or 1 at bit `8 j`; the multiplier has
/// bit `56 - 7 j` set for each `j`, which moves that bit to bit `56 + j`.
/// Every other product lands on a different bit (the sums `8 j + 56 - 7 k`
/// are all distinct for `j, k < 8`), so the additions never carry into the
/// top byte, which the last shift keeps.
#[inline(always)]
pub(crate) fn high_bits_to_mask(m: u64) -> u64 {
    ((m >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// The bits of a 64-bit mask from bit `rel` up; none when `rel` is 64 or
/// more (where a plain shift would overflow).
#[inline(always)]
pub(crate) fn bits_from(rel: usize) -> u64 {
    u64::MAX.checked_shl(rel as u32).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn swar_matches_bytes(
            mut bytes in any::<[u8; 8]>(),
            b in any::<u8>(),
            put_b in any::<u8>(),
            n in 0u8..=128,
        ) {
            // Plant `b` at some positions so that matches next to
            // non-matches, where carries would leak, are common.
            for (j, byte) in bytes.iter_mut().enumerate() {
                if put_b & (1 << j) != 0 {
                    *byte = b;
                }
            }
            let x = u64::from_le_bytes(bytes);
            let want = |f: &dyn Fn(u8) -> bool| {
                (0..8).fold(0u64, |m, j| m | (u64::from(f(bytes[j])) << (8 * j + 7)))
            };
            prop_assert_eq!(eq_bytes(x, b), want(&|c| c == b));
            prop_assert_eq!(lt_bytes(x, n), want(&|c| c < n));
            prop_assert_eq!(non_ascii_bytes(x), want(&|c| c >= 0x80));
            prop_assert_eq!(
                first_below(x, n).trailing_zeros(),
                want(&|c| c < n).trailing_zeros()
            );
            prop_assert_eq!(
                first_below_or_non_ascii(x, n).trailing_zeros(),
                want(&|c| c < n || c >= 0x80).trailing_zeros()
            );
            let packed = high_bits_to_mask(want(&|c| c == b));
            prop_assert_eq!(packed, (0..8).fold(0, |m, j| m | (u64::from(bytes[j] == b) << j)));
        }
    }

    #[test]
    fn bits_from_every_offset() {
        for rel in 0..64 {
            assert_eq!(bits_from(rel), u64::MAX << rel, "{rel}");
        }
        assert_eq!(bits_from(64), 0);
        assert_eq!(bits_from(1000), 0);
    }
}
