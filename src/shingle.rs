//! Shingles: every run of k consecutive tokens, hashed to a `u64`.
//!
//! # Algorithm
//!
//! A document of t tokens has `t - k + 1` shingles (windows of k tokens). A document with
//! `0 < t < k` tokens still gets one shingle, of all its tokens, so short texts can match
//! each other; a document with no token has none. A shingle of tokens with hashes
//! `t_0 … t_{n-1}` hashes to `fmix64(Σ t_i·P^(n-1-i) + n·Q + SEED)` (wrapping `u64`
//! arithmetic, Horner's rule; `P`, `Q` fixed odd constants, `SEED` = [`SHINGLE_SEED`],
//! `fmix64` MurmurHash3's finalizer): a polynomial over the token hashes, which are
//! already uniform xxh3 values, then a full avalanche. It costs k multiplies instead of a
//! pass of a byte hash, and is the same on every run and platform, so shards can be
//! hashed on different machines.
//!
//! [`ShingleSet`] is the sorted, de-duplicated set of a document's shingle hashes, and
//! [`ShingleSet::jaccard`] is the exact Jaccard similarity `|A ∩ B| / |A ∪ B|` that
//! candidate pairs are verified with.
//!
//! # Cost
//!
//! O(t·k) multiplies for t tokens; the set costs O(t log t) to build and 8 bytes per
//! distinct shingle; Jaccard is one O(|A| + |B|) merge.

use crate::text::Token;

/// The seed of a shingle's hash. Part of the stable format.
pub const SHINGLE_SEED: u64 = 0x6e65_6172_6475_7031; // "neardup1"

/// The largest shingle size, in tokens.
pub const MAX_SHINGLE_SIZE: usize = 64;

/// What a shingle is made of: a [`Token`], or a token's hash alone (the same shingle
/// hashes either way).
pub trait TokenHash: Copy {
    /// The token's hash ([`Token::hash`]).
    fn token_hash(self) -> u64;
}

impl TokenHash for Token {
    fn token_hash(self) -> u64 {
        self.hash
    }
}

impl TokenHash for u64 {
    fn token_hash(self) -> u64 {
        self
    }
}

/// An iterator over the shingle hashes of a token sequence. Made by [`shingles`].
pub struct Shingles<'a, T = Token> {
    tokens: &'a [T],
    k: usize,
    /// Start of the next window.
    next: usize,
    remaining: usize,
    /// The polynomial of the k-1 tokens before the next window's last one.
    poly: u64,
    /// P^(k-1), to drop a window's first token.
    drop: u64,
}

/// The shingle hashes of `tokens` with `k` tokens per shingle, in document order
/// (repeated shingles are repeated). Each step updates the polynomial in O(1) (a rolling
/// hash), so the cost does not grow with k.
///
/// # Panics
///
/// When `k` is 0 or larger than [`MAX_SHINGLE_SIZE`]: a caller bug (the detector's builder
/// validates it).
pub fn shingles<T: TokenHash>(tokens: &[T], k: usize) -> Shingles<'_, T> {
    assert!(
        (1..=MAX_SHINGLE_SIZE).contains(&k),
        "shingle size {k} is outside 1..={MAX_SHINGLE_SIZE}"
    );
    let remaining = match tokens.len() {
        0 => 0,
        t if t < k => 1,
        t => t - k + 1,
    };
    let poly = if tokens.len() >= k {
        horner(&tokens[..k - 1])
    } else {
        0
    };
    let drop = first_power(k);
    Shingles {
        tokens,
        k,
        next: 0,
        remaining,
        poly,
        drop,
    }
}

fn horner<T: TokenHash>(window: &[T]) -> u64 {
    window.iter().fold(0u64, |acc, t| {
        acc.wrapping_mul(P).wrapping_add(t.token_hash())
    })
}

fn finish(poly: u64, len: usize) -> u64 {
    fmix64(
        poly.wrapping_add((len as u64).wrapping_mul(Q))
            .wrapping_add(SHINGLE_SEED),
    )
}

const P: u64 = 0x9e37_79b9_7f4a_7c15;
const Q: u64 = 0xd6e8_feb8_6659_fd93;

/// MurmurHash3's 64-bit finalizer: every input bit affects every output bit.
pub(crate) fn fmix64(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// [`shingles`] of token hashes, each mapped by `f`, added to `out`: the same values, in
/// a loop that `Vec::extend` runs without a check per item (a map over two slice
/// iterators zipped, the first and last token of each window), for the hot paths.
///
/// # Panics
///
/// As [`shingles`]: when `k` is 0 or larger than [`MAX_SHINGLE_SIZE`].
pub(crate) fn extend_shingles<U>(out: &mut Vec<U>, tokens: &[u64], k: usize, f: impl Fn(u64) -> U) {
    assert!(
        (1..=MAX_SHINGLE_SIZE).contains(&k),
        "shingle size {k} is outside 1..={MAX_SHINGLE_SIZE}"
    );
    if tokens.len() < k {
        out.extend(shingles(tokens, k).map(f));
        return;
    }
    let drop = first_power(k);
    let mut poly = horner(&tokens[..k - 1]);
    out.extend(tokens.iter().zip(&tokens[k - 1..]).map(|(&first, &last)| {
        let full;
        (full, poly) = roll(poly, first, last, drop);
        f(finish(full, k))
    }));
}

/// P^(k-1): what a window's first token was multiplied by, to drop it.
fn first_power(k: usize) -> u64 {
    (1..k).fold(1u64, |acc, _| acc.wrapping_mul(P))
}

/// One step of the rolling hash: the polynomial of the window that `last` ends (given
/// `poly`, that of the tokens before it), and that of its tokens after `first`.
fn roll(poly: u64, first: u64, last: u64, drop: u64) -> (u64, u64) {
    let full = poly.wrapping_mul(P).wrapping_add(last);
    (full, full.wrapping_sub(first.wrapping_mul(drop)))
}

/// The hash of one shingle made of `window` (see the module docs).
pub fn shingle_hash<T: TokenHash>(window: &[T]) -> u64 {
    finish(horner(window), window.len())
}

impl<T: TokenHash> Iterator for Shingles<'_, T> {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        if self.tokens.len() < self.k {
            return Some(shingle_hash(self.tokens));
        }
        let first = self.tokens[self.next].token_hash();
        let last = self.tokens[self.next + self.k - 1].token_hash();
        let full;
        (full, self.poly) = roll(self.poly, first, last, self.drop);
        self.next += 1;
        Some(finish(full, self.k))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<T: TokenHash> ExactSizeIterator for Shingles<'_, T> {}

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
        // Without a branch on the comparison, which hashes leave to chance: each step
        // moves past the smaller of the two (both when equal).
        while let (Some(&x), Some(&y)) = (a.get(i), b.get(j)) {
            n += usize::from(x == y);
            i += usize::from(x <= y);
            j += usize::from(y <= x);
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

    #[test]
    fn extended_shingles_are_the_shingles() {
        let tokens: Vec<u64> = (0..40u64)
            .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .collect();
        for len in 0..tokens.len() {
            for k in 1..12 {
                let t = &tokens[..len];
                let mut got = vec![7];
                extend_shingles(&mut got, t, k, |h| h);
                let want: Vec<u64> = std::iter::once(7).chain(shingles(t, k)).collect();
                assert_eq!(got, want, "{len} tokens, k = {k}");
            }
        }
    }

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

    proptest::proptest! {
        #[test]
        fn the_intersection_is_what_a_set_of_each_shares(
            a in proptest::collection::vec(0u64..48, 0..40),
            b in proptest::collection::vec(0u64..48, 0..40),
        ) {
            let set = |v: &[u64]| ShingleSet::from_hashes(v.to_vec());
            let of = |v: &[u64]| v.iter().copied().collect::<std::collections::HashSet<u64>>();
            let want = of(&a).intersection(&of(&b)).count();
            proptest::prop_assert_eq!(set(&a).intersection_len(&set(&b)), want);
            proptest::prop_assert_eq!(set(&b).intersection_len(&set(&a)), want);
        }
    }

    #[test]
    fn shingle_hash_is_a_fixed_function() {
        // Part of the stable format: a change here changes every signature.
        let t = |hash| Token {
            span: crate::text::Span::default(),
            hash,
        };
        assert_eq!(
            shingle_hash(&[t(1), t(2)]),
            fmix64(
                P.wrapping_add(2)
                    .wrapping_add(Q.wrapping_mul(2))
                    .wrapping_add(SHINGLE_SEED)
            )
        );
        assert_ne!(shingle_hash(&[t(0)]), shingle_hash(&[t(0), t(0)]));
        assert_eq!(fmix64(0), 0);
        assert_eq!(fmix64(1), 0xb456_bcfc_34c2_cb2c);
    }

    #[test]
    fn rolling_equals_hashing_each_window() {
        let t = toks("a b c a b c d e f g h i j k a b");
        for k in 1..=t.len() + 2 {
            let want: Vec<u64> = if t.len() < k {
                vec![shingle_hash(&t)]
            } else {
                t.windows(k).map(shingle_hash).collect()
            };
            assert_eq!(shingles(&t, k).collect::<Vec<_>>(), want, "k={k}");
        }
    }

    #[test]
    fn order_matters_inside_a_shingle() {
        let a = shingle_hash(&toks("one two"));
        let b = shingle_hash(&toks("two one"));
        assert_ne!(a, b);
    }
}
