//! A small, seedable pseudo-random generator: xoshiro256** (Blackman and
//! Vigna, 2018) seeded through SplitMix64.
//!
//! Hand-written rather than a crate because the resampling needs only
//! uniform integers and bits, and because the streams must stay the same
//! across versions of any dependency: a seed given in a paper's appendix
//! should give the same intervals next year. Each replicate gets its own
//! stream, derived from (seed, purpose, replicate index) alone, so the
//! result does not depend on which thread ran which replicate.

/// SplitMix64 (Steele, Lea and Flood, 2014): a 64-bit state advanced by a
/// constant and mixed; used to spread a seed over the xoshiro state, as
/// the xoshiro authors recommend.
#[derive(Clone, Debug)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }
}

/// SplitMix64's output function, a bijection of 64-bit words that spreads
/// every input bit over the output.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// What a stream is used for, so that the bootstrap's draws and the
/// permutation test's coin flips of the same replicate index differ.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Purpose {
    Bootstrap = 1,
    Permutation = 2,
}

/// xoshiro256**: 256 bits of state, period 2^256 - 1, and fast.
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// The generator with state `s` (not all zero).
    #[cfg(test)]
    fn from_state(s: [u64; 4]) -> Rng {
        Rng { s }
    }

    /// The stream of replicate `index` for `purpose` under `seed`.
    pub(crate) fn stream(seed: u64, purpose: Purpose, index: u64) -> Rng {
        // Two rounds of mixing: distinct (seed, purpose, index) give
        // unrelated keys, and nearby indices give unrelated streams.
        let key = mix(mix(seed) ^ mix((purpose as u64) << 56 ^ index));
        let mut sm = SplitMix64::new(key);
        let s = [sm.next_u64(), sm.next_u64(), sm.next_u64(), sm.next_u64()];
        // SplitMix64 never gives four zero words in a row from one state
        // (it is a bijection of a counter), so the state is valid.
        Rng { s }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform integer in `0..n` (`n > 0`), without bias: Lemire's
    /// multiply-and-shift with rejection ("Fast random integer generation
    /// in an interval", 2019).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference outputs of the algorithms' authors.
    #[test]
    fn reference_outputs() {
        let mut sm = SplitMix64::new(0);
        assert_eq!(sm.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(sm.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let mut x = Rng::from_state([1, 2, 3, 4]);
        let got: Vec<u64> = (0..4).map(|_| x.next_u64()).collect();
        assert_eq!(got, [11520, 0, 1509978240, 1215971899390074240]);
    }

    #[test]
    fn below_is_in_range_and_covers_it() {
        let mut r = Rng::stream(7, Purpose::Bootstrap, 0);
        let mut seen = [0u32; 7];
        for _ in 0..7000 {
            let k = r.below(7) as usize;
            seen[k] += 1;
        }
        // Each value about 1000 times; 800 is more than six standard
        // deviations below.
        assert!(seen.iter().all(|&c| c > 800), "{seen:?}");
        assert_eq!(r.below(1), 0);
        // The largest range takes the rejection path's threshold of 0.
        let _ = r.below(u64::MAX);
    }

    #[test]
    fn streams_differ_by_seed_purpose_and_index() {
        let first = |seed, p, i| Rng::stream(seed, p, i).next_u64();
        let a = first(1, Purpose::Bootstrap, 0);
        assert_eq!(a, first(1, Purpose::Bootstrap, 0));
        assert_ne!(a, first(2, Purpose::Bootstrap, 0));
        assert_ne!(a, first(1, Purpose::Permutation, 0));
        assert_ne!(a, first(1, Purpose::Bootstrap, 1));
    }
}
