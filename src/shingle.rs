//! Shingles: every run of k consecutive tokens, hashed to a `u64`.
//!
//! # Algorithm
//!
//! A document of t tokens has `t - k + 1` shingles (windows of k tokens). A document with
//! `0 < t < k` tokens still gets one shingle, of all its tokens, so short texts can match
//! each other; a document with no token has none. A shingle's hash is xxh3 (seed
//! [`SHINGLE_SEED`]) of the little-endian bytes of its k token hashes, so it is the same on
//! every run and platform and shards can be hashed on different machines.
//!
//! [`ShingleSet`] is the sorted, de-duplicated set of a document's shingle hashes, and
//! [`ShingleSet::jaccard`] is the exact Jaccard similarity `|A ∩ B| / |A ∪ B|` that
//! candidate pairs are verified with.
//!
//! # Cost
//!
//! O(t·k) bytes hashed for t tokens; the set costs O(t log t) to build and 8 bytes per
//! distinct shingle; Jaccard is one O(|A| + |B|) merge.

use crate::text::Token;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The seed of the xxh3 hash of a shingle. Part of the stable format.
pub const SHINGLE_SEED: u64 = 0x6e65_6172_6475_7031; // "neardup1"

/// The largest shingle size, in tokens.
pub const MAX_SHINGLE_SIZE: usize = 64;

/// An iterator over the shingle hashes of a token sequence. Made by [`shingles`].
pub struct Shingles<'a> {
    tokens: &'a [Token],
    k: usize,
    next: usize,
    remaining: usize,
}

/// The shingle hashes of `tokens` with `k` tokens per shingle, in document order
/// (repeated shingles are repeated).
///
/// # Panics
///
/// When `k` is 0 or larger than [`MAX_SHINGLE_SIZE`]: a caller bug (the detector's builder
/// validates it).
pub fn shingles(tokens: &[Token], k: usize) -> Shingles<'_> {
    assert!(
        (1..=MAX_SHINGLE_SIZE).contains(&k),
        "shingle size {k} is outside 1..={MAX_SHINGLE_SIZE}"
    );
    let remaining = match tokens.len() {
        0 => 0,
        t if t < k => 1,
        t => t - k + 1,
    };
    Shingles {
        tokens,
        k,
        next: 0,
        remaining,
    }
}

/// The hash of one shingle made of `window` (at most [`MAX_SHINGLE_SIZE`] tokens).
pub fn shingle_hash(window: &[Token]) -> u64 {
    let mut buf = [0u8; 8 * MAX_SHINGLE_SIZE];
    let window = &window[..window.len().min(MAX_SHINGLE_SIZE)];
    for (dst, t) in buf.chunks_exact_mut(8).zip(window) {
        dst.copy_from_slice(&t.hash.to_le_bytes());
    }
    xxh3_64_with_seed(&buf[..8 * window.len()], SHINGLE_SEED)
}

impl Iterator for Shingles<'_> {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let end = (self.next + self.k).min(self.tokens.len());
        let hash = shingle_hash(&self.tokens[self.next..end]);
        self.next += 1;
        Some(hash)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Shingles<'_> {}

/// A document's distinct shingle hashes, sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShingleSet {
    hashes: Vec<u64>,
}

impl ShingleSet {
    /// The set of `tokens`' shingles of size `k`.
    ///
    /// # Panics
    ///
    /// As [`shingles`].
    pub fn new(tokens: &[Token], k: usize) -> ShingleSet {
        ShingleSet::from_hashes(shingles(tokens, k).collect())
    }

    /// The set of the given hashes (any order, repeats allowed).
    pub fn from_hashes(mut hashes: Vec<u64>) -> ShingleSet {
        hashes.sort_unstable();
        hashes.dedup();
        ShingleSet { hashes }
    }

    /// The hashes, sorted ascending.
    pub fn as_slice(&self) -> &[u64] {
        &self.hashes
    }

    /// The number of distinct shingles.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// True when the document had no token.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The number of shingles both sets hold. O(|A| + |B|).
    pub fn intersection_len(&self, other: &ShingleSet) -> usize {
        let (a, b) = (&self.hashes, &other.hashes);
        let (mut i, mut j, mut n) = (0, 0, 0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    n += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        n
    }

    /// The exact Jaccard similarity `|A ∩ B| / |A ∪ B|`; 0 when both are empty.
    pub fn jaccard(&self, other: &ShingleSet) -> f64 {
        let inter = self.intersection_len(other);
        let union = self.len() + other.len() - inter;
        if union == 0 {
            0.0
        } else {
            inter as f64 / union as f64
        }
    }

    /// Heap bytes held.
    pub fn memory_usage(&self) -> usize {
        self.hashes.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens;

    fn toks(text: &str) -> Vec<Token> {
        tokens(text.as_bytes()).collect()
    }

    #[test]
    fn counts() {
        let cases: &[(&str, usize, usize)] = &[
            ("", 3, 0),
            ("one", 3, 1),
            ("one two", 3, 1),
            ("one two three", 3, 1),
            ("one two three four", 3, 2),
            ("a b c d e f", 1, 6),
        ];
        for &(text, k, want) in cases {
            assert_eq!(shingles(&toks(text), k).len(), want, "{text:?} k={k}");
            assert_eq!(shingles(&toks(text), k).count(), want, "{text:?} k={k}");
        }
    }

    #[test]
    fn same_words_same_shingles_whatever_the_case_and_spacing() {
        let a = ShingleSet::new(&toks("The quick brown fox jumps"), 3);
        let b = ShingleSet::new(&toks("the  QUICK brown, fox; jumps!"), 3);
        assert_eq!(a, b);
        assert_eq!(a.jaccard(&b), 1.0);
    }

    #[test]
    fn jaccard_is_exact() {
        // Shingles of size 1 are the distinct words: {a,b,c,d} vs {c,d,e}.
        let a = ShingleSet::new(&toks("a b c d a"), 1);
        let b = ShingleSet::new(&toks("c d e"), 1);
        assert_eq!(a.intersection_len(&b), 2);
        assert_eq!(a.jaccard(&b), 2.0 / 5.0);
        assert_eq!(ShingleSet::default().jaccard(&ShingleSet::default()), 0.0);
    }

    #[test]
    fn order_matters_inside_a_shingle() {
        let a = shingle_hash(&toks("one two"));
        let b = shingle_hash(&toks("two one"));
        assert_ne!(a, b);
    }
}
