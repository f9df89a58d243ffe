//! MinHash signatures: a fixed-size sketch of a shingle set whose agreement rate estimates
//! Jaccard similarity.
//!
//! # Algorithm
//!
//! Broder (1997), "On the resemblance and containment of documents". A [`MinHasher`] with
//! k hash functions folds each shingle hash (already a uniform 64-bit xxh3 value) to
//! 32 bits, `x = lo32(h) ^ hi32(h)`, and maps it to k values
//! `v_i = (x ^ s_i)·a_i mod 2^32`, with odd `a_i` and any `s_i` drawn from the hasher's seed
//! by SplitMix64: an xor-multiply bijection per slot, so the k orderings are different
//! nonlinear permutations of the same random input. Signature slot i keeps the minimum of
//! `v_i` over the set. Two sets agree in a slot with probability close to their Jaccard
//! similarity J, so the fraction of equal slots estimates J with standard error
//! `sqrt(J(1-J)/k)`; the tests check the mean and the spread of the estimate.
//!
//! Each shingle is hashed once (by [`crate::shingle`]); the k values cost one xor and one
//! 32-bit multiply each, in a loop the compiler vectorizes; on x86-64 CPUs with AVX2 a copy
//! of the same loop compiled for AVX2 is picked at run time (same output; the
//! `minhash/sign/128` bench measures it).
//!
//! # Stability
//!
//! A signature depends only on the shingle hashes, the seed and k: the same on every run,
//! process and platform. [`Signature::to_bytes`] writes it in a fixed little-endian layout
//! that [`Signature::from_bytes`] reads back, so signing can be sharded across machines.
//! Signatures from hashers with another seed or k are refused, not silently compared.
//!
//! # Cost
//!
//! O(s·k) xor-multiplies for s shingles, 8 slots per vector instruction with AVX2; a
//! signature holds 4·k bytes.

use crate::error::Error;

/// The default number of hash functions.
pub const DEFAULT_NUM_HASHES: usize = 128;
/// The largest number of hash functions.
pub const MAX_NUM_HASHES: usize = 4096;
/// The default seed.
pub const DEFAULT_SEED: u64 = 0x005e_ed0f_6e65_6172;

/// Makes [`Signature`]s. Cheap to clone; holds 16·k bytes of coefficients.
#[derive(Clone, Debug)]
pub struct MinHasher {
    seed: u64,
    mul: Vec<u32>,
    xor: Vec<u32>,
}

/// A MinHash signature of one document. Only a [`MinHasher`] (or [`Signature::from_bytes`]
/// of one it made) makes one.
///
/// With the `serde` feature it is serialized as `{"seed": u64, "values": [u32, ..]}` and
/// checked when deserialized (1 to [`MAX_NUM_HASHES`] values):
///
/// ```
/// # #[cfg(feature = "serde")] {
/// let sig = neardup::MinHasher::new(4, 7)?.sign(0..10u64);
/// let json = serde_json::to_string(&sig).unwrap();
/// assert!(json.starts_with(r#"{"seed":7,"values":["#));
/// let back: neardup::Signature = serde_json::from_str(&json).unwrap();
/// assert_eq!(back, sig);
/// assert!(serde_json::from_str::<neardup::Signature>(r#"{"seed":7,"values":[]}"#).is_err());
/// # }
/// # Ok::<(), neardup::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "SignatureFields"))]
pub struct Signature {
    seed: u64,
    values: Box<[u32]>,
}

/// A signature as it is deserialized, before its length is checked.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct SignatureFields {
    seed: u64,
    values: Box<[u32]>,
}

#[cfg(feature = "serde")]
impl TryFrom<SignatureFields> for Signature {
    type Error = Error;

    fn try_from(f: SignatureFields) -> Result<Signature, Error> {
        if !(1..=MAX_NUM_HASHES).contains(&f.values.len()) {
            return Err(Error::malformed(
                "signature",
                format!("{} values, expected 1 to {MAX_NUM_HASHES}", f.values.len()),
            ));
        }
        Ok(Signature {
            seed: f.seed,
            values: f.values,
        })
    }
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl MinHasher {
    /// A hasher with `num_hashes` hash functions drawn from `seed`.
    ///
    /// Errors when `num_hashes` is outside `1..=`[`MAX_NUM_HASHES`].
    pub fn new(num_hashes: usize, seed: u64) -> Result<MinHasher, Error> {
        if !(1..=MAX_NUM_HASHES).contains(&num_hashes) {
            return Err(Error::invalid(
                "num_hashes",
                format!("1 <= n <= {MAX_NUM_HASHES}"),
                num_hashes,
            ));
        }
        let mut state = seed;
        let (mut mul, mut xor) = (Vec::new(), Vec::new());
        for _ in 0..num_hashes {
            let r = splitmix64(&mut state);
            mul.push((r as u32) | 1);
            xor.push((r >> 32) as u32);
        }
        Ok(MinHasher { seed, mul, xor })
    }

    /// The number of hash functions, k.
    pub fn num_hashes(&self) -> usize {
        self.mul.len()
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The signature of a set given by its shingle hashes (repeats are harmless).
    ///
    /// An empty set gets the empty signature (every slot `u32::MAX`), which estimates 0
    /// against anything.
    pub fn sign<I: IntoIterator<Item = u64>>(&self, shingles: I) -> Signature {
        self.sign_in(shingles, &mut Vec::new())
    }

    /// [`sign`](MinHasher::sign) with working space that a caller reuses.
    pub(crate) fn sign_in<I: IntoIterator<Item = u64>>(
        &self,
        shingles: I,
        xs: &mut Vec<u32>,
    ) -> Signature {
        xs.clear();
        xs.extend(shingles.into_iter().map(fold));
        self.sign_folded(xs)
    }

    /// The signature of shingles folded to 32 bits.
    fn sign_folded(&self, xs: &[u32]) -> Signature {
        let mut values = vec![u32::MAX; self.mul.len()].into_boxed_slice();
        crate::kernel::min_hash(&mut values, &self.mul, &self.xor, xs);
        Signature {
            seed: self.seed,
            values,
        }
    }

    /// Checks that `sig` was made by a hasher like this one.
    pub fn check(&self, sig: &Signature) -> Result<(), Error> {
        if sig.seed != self.seed || sig.values.len() != self.mul.len() {
            return Err(Error::incompatible(
                describe(self.seed, self.mul.len()),
                describe(sig.seed, sig.values.len()),
            ));
        }
        Ok(())
    }
}

fn describe(seed: u64, k: usize) -> String {
    format!("a hasher with seed {seed:#x} and {k} hashes")
}

/// Folds a 64-bit shingle hash to the 32 bits the slots are computed from.
fn fold(h: u64) -> u32 {
    (h ^ (h >> 32)) as u32
}

const MAGIC: &[u8; 4] = b"NDS1";

impl Signature {
    /// The slot values.
    pub fn values(&self) -> &[u32] {
        &self.values
    }

    /// The number of slots, k.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Always false: a signature has at least one slot. See [`Signature::is_empty_set`].
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// True when this is the signature of an empty set (a document with no token).
    pub fn is_empty_set(&self) -> bool {
        self.values.iter().all(|&v| v == u32::MAX)
    }

    /// The seed of the hasher that made it.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The estimated Jaccard similarity: the fraction of equal slots. 0 when either side
    /// is the empty set. Errors when the two come from different hashers.
    pub fn jaccard(&self, other: &Signature) -> Result<f64, Error> {
        if self.seed != other.seed || self.values.len() != other.values.len() {
            return Err(Error::incompatible(
                describe(self.seed, self.values.len()),
                describe(other.seed, other.values.len()),
            ));
        }
        if self.is_empty_set() || other.is_empty_set() {
            return Ok(0.0);
        }
        let equal = self
            .values
            .iter()
            .zip(other.values.iter())
            .filter(|(a, b)| a == b)
            .count();
        Ok(equal as f64 / self.values.len() as f64)
    }

    /// The signature of the union of the two shingle sets: the smaller value in each slot
    /// (what signing both sets at once gives). Errors when the two come from different
    /// hashers.
    ///
    /// ```
    /// let h = neardup::MinHasher::new(64, 1)?;
    /// let (a, b) = (h.sign([1, 2, 3]), h.sign([3, 4]));
    /// assert_eq!(a.union(&b)?, h.sign([1, 2, 3, 4]));
    /// # Ok::<(), neardup::Error>(())
    /// ```
    pub fn union(&self, other: &Signature) -> Result<Signature, Error> {
        if self.seed != other.seed || self.values.len() != other.values.len() {
            return Err(Error::incompatible(
                describe(self.seed, self.values.len()),
                describe(other.seed, other.values.len()),
            ));
        }
        let values = self
            .values
            .iter()
            .zip(other.values.iter())
            .map(|(&a, &b)| a.min(b))
            .collect();
        Ok(Signature {
            seed: self.seed,
            values,
        })
    }

    /// The stable serialized form: `b"NDS1"`, the seed (u64 LE), k (u32 LE), then the k
    /// slot values (u32 LE). The same bytes on every platform.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + 4 * self.values.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.seed.to_le_bytes());
        out.extend_from_slice(&(self.values.len() as u32).to_le_bytes());
        for v in self.values.iter() {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// Reads the form written by [`Signature::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Signature, Error> {
        let bad = |reason: &str| Error::malformed("signature", reason);
        let rest = bytes
            .strip_prefix(MAGIC)
            .ok_or_else(|| bad("missing the 'NDS1' header"))?;
        if rest.len() < 12 {
            return Err(bad("shorter than its header"));
        }
        let seed = u64::from_le_bytes(rest[..8].try_into().expect("8 bytes"));
        let k = u32::from_le_bytes(rest[8..12].try_into().expect("4 bytes")) as usize;
        let body = &rest[12..];
        if k == 0 || k > MAX_NUM_HASHES || body.len() != 4 * k {
            return Err(bad(&format!(
                "header says {k} slots but {} bytes follow",
                body.len()
            )));
        }
        let values = body
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect();
        Ok(Signature { seed, values })
    }

    /// Heap bytes held.
    pub fn memory_usage(&self) -> usize {
        4 * self.values.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(range: std::ops::Range<u64>) -> impl Iterator<Item = u64> {
        range.map(|i| xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes()))
    }

    /// The family behaves like independent permutations: over many pairs of sets with a
    /// known Jaccard J, the estimate's mean is J (no bias) and its variance is close to
    /// the J(1-J)/k of truly independent slots.
    #[test]
    fn estimates_are_unbiased_with_independent_slot_variance() {
        let k = 128;
        for (common, private) in [(100usize, 100usize), (300, 30), (30, 300), (180, 20)] {
            let j = common as f64 / (common + 2 * private) as f64;
            let trials = 300;
            let (mut sum, mut sum_sq) = (0.0, 0.0);
            for t in 0..trials {
                let base = 1_000_000 * t as u64;
                let a = set(base..base + (common + private) as u64);
                let b = set(base..base + common as u64)
                    .chain(set(base + 500_000..base + 500_000 + private as u64));
                let h = MinHasher::new(k, t as u64).unwrap();
                let est = h.sign(a).jaccard(&h.sign(b)).unwrap();
                sum += est;
                sum_sq += (est - j) * (est - j);
            }
            let mean = sum / trials as f64;
            let var = sum_sq / trials as f64;
            let ideal = j * (1.0 - j) / k as f64;
            // The mean of 300 trials has standard error sqrt(ideal / 300) < 0.0026.
            assert!((mean - j).abs() < 0.01, "J {j}: mean {mean}");
            assert!(
                var < 1.5 * ideal && var > 0.6 * ideal,
                "J {j}: var {var} ideal {ideal}"
            );
        }
    }

    #[test]
    fn rejects_bad_sizes() {
        assert!(MinHasher::new(0, 1).is_err());
        assert!(MinHasher::new(MAX_NUM_HASHES + 1, 1).is_err());
        assert!(MinHasher::new(1, 1).is_ok());
    }

    #[test]
    fn identical_sets_estimate_one_disjoint_near_zero() {
        let h = MinHasher::new(256, DEFAULT_SEED).unwrap();
        let a = h.sign(set(0..500));
        assert_eq!(a.jaccard(&h.sign(set(0..500))).unwrap(), 1.0);
        let b = h.sign(set(1000..1500));
        assert!(a.jaccard(&b).unwrap() < 0.05);
    }

    #[test]
    fn empty_sets_are_never_similar() {
        let h = MinHasher::new(16, 7).unwrap();
        let e = h.sign(std::iter::empty());
        assert!(e.is_empty_set());
        assert_eq!(e.jaccard(&e).unwrap(), 0.0);
    }

    #[test]
    fn signatures_from_other_hashers_are_refused() {
        let a = MinHasher::new(16, 1).unwrap().sign(set(0..10));
        let b = MinHasher::new(16, 2).unwrap().sign(set(0..10));
        let c = MinHasher::new(32, 1).unwrap().sign(set(0..10));
        assert!(a.jaccard(&b).is_err());
        assert!(a.jaccard(&c).is_err());
        assert!(MinHasher::new(16, 2).unwrap().check(&a).is_err());
    }

    #[test]
    fn bytes_round_trip_and_are_stable() {
        let h = MinHasher::new(4, 42).unwrap();
        let sig = h.sign(set(0..20));
        let bytes = sig.to_bytes();
        assert_eq!(Signature::from_bytes(&bytes).unwrap(), sig);
        assert_eq!(&bytes[..4], b"NDS1");
        assert_eq!(bytes.len(), 16 + 16);
        assert!(Signature::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(Signature::from_bytes(b"junk").is_err());
        // Slot i is the minimum over the set of (fold(h) ^ s_i) * a_i.
        let one = MinHasher::new(2, 0).unwrap().sign([0x0123_4567_89ab_cdef]);
        let mut state = 0;
        let r = splitmix64(&mut state);
        let want = (0x89ab_cdef_u32 ^ 0x0123_4567 ^ (r >> 32) as u32).wrapping_mul(r as u32 | 1);
        assert_eq!(one.values()[0], want);
        // SplitMix64 from 0 is a published sequence; its first output is fixed.
        let mut s = 0;
        assert_eq!(splitmix64(&mut s), 0xe220_a839_7b1d_cdaf);
    }
}
