//! spaCy's string IDs: a symbol's index, or the 64-bit hash of the string.

use super::symbols::{BY_NAME, NAMES};

/// MurmurHash64A (Austin Appleby's, as the `murmurhash` package that spaCy
/// uses builds it on 64-bit machines), reading 8-byte blocks little-endian.
pub(crate) fn murmurhash64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let blocks = key.chunks_exact(8);
    let tail = blocks.remainder();
    for block in blocks {
        let mut k = u64::from_le_bytes(block.try_into().expect("8-byte block"));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// `spacy.strings.hash_string`: MurmurHash64A of the UTF-8 bytes, seed 1.
pub(crate) fn hash_string(s: &str) -> u64 {
    murmurhash64a(s.as_bytes(), 1)
}

/// The symbol ID of `s`, when it is one of spaCy's symbols.
pub(crate) fn symbol_id(s: &str) -> Option<u64> {
    BY_NAME
        .binary_search_by(|(name, _)| name.as_bytes().cmp(s.as_bytes()))
        .ok()
        .map(|i| u64::from(BY_NAME[i].1))
}

/// The ID spaCy stores for `s` (`vocab.strings.add(s)`): 0 for the empty
/// string, a symbol's index, else the hash.
pub(crate) fn string_id(s: &str) -> u64 {
    symbol_id(s).unwrap_or_else(|| hash_string(s))
}

/// The symbol whose ID is `id`, when `id` is below the number of symbols:
/// spaCy reads such a value as the symbol and never looks it up as a hash.
pub(crate) fn symbol_name(id: u64) -> Option<&'static str> {
    usize::try_from(id).ok().and_then(|i| NAMES.get(i)).copied()
}

/// How many symbols there are: IDs below this are symbols.
pub(crate) const SYMBOL_COUNT: u64 = NAMES.len() as u64;

#[cfg(test)]
mod tests {
    use super::*;

    /// Values printed by spaCy 3.8.18:
    /// `spacy.blank("en").vocab.strings.add(s)` and
    /// `spacy.strings.hash_string(s)`.
    #[test]
    fn ids_as_spacy_gives_them() {
        assert_eq!(string_id("Ryan"), 13336166577620870933);
        assert_eq!(string_id("PER"), 4317129024397789502);
        assert_eq!(string_id("MISC"), 7654241940133152407);
        assert_eq!(string_id("org"), 11927490343095378668);
        assert_eq!(string_id("is"), 3411606890003347522);
        assert_eq!(hash_string("ORG"), 8419042386026509531);
        // Symbols: stored as their index, not hashed.
        assert_eq!(string_id("ORG"), 383);
        assert_eq!(string_id("PERSON"), 380);
        assert_eq!(string_id("NORP"), 381);
        assert_eq!(string_id("GPE"), 384);
        assert_eq!(string_id("LOC"), 385);
        assert_eq!(string_id("EVENT"), 387);
        assert_eq!(string_id("DATE"), 391);
        assert_eq!(string_id("NOUN"), 92);
        assert_eq!(string_id("X"), 101);
        assert_eq!(string_id(""), 0);
        assert_eq!(symbol_name(385), Some("LOC"));
        assert_eq!(symbol_name(0), Some(""));
        assert_eq!(symbol_name(SYMBOL_COUNT), None);
        assert_eq!(symbol_name(u64::MAX), None);
    }

    /// Every length of tail (0 to 7 bytes after the 8-byte blocks) and
    /// non-ASCII text, against `spacy.strings.hash_string`.
    #[test]
    fn hashes_of_every_tail_length() {
        let cases: [(&str, u64); 10] = [
            ("a", 11901859001352538922),
            ("ab", 6606101647874324205),
            ("abcdefg", 18200195881963043692),
            ("abcdefgh", 17751780907874141760),
            ("abcdefghi", 13885881106499164936),
            ("abcdefghijklmnop", 12213882378445362951),
            ("Zürich", 9452955988637137518),
            ("Musharraf’s", 10184554636982895343),
            ("😀", 13900606239988879105),
            ("Islamabad", 17968402461881043531),
        ];
        for (s, h) in cases {
            assert_eq!(hash_string(s), h, "{s:?}");
        }
    }

    #[test]
    fn the_symbol_tables_agree() {
        for (i, name) in NAMES.iter().enumerate() {
            if i > 0 {
                assert_eq!(symbol_id(name), Some(i as u64), "{name}");
            }
        }
        assert!(BY_NAME
            .windows(2)
            .all(|w| w[0].0.as_bytes() < w[1].0.as_bytes()));
    }
}
