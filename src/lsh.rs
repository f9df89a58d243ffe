//! Locality-sensitive hashing over MinHash signatures: candidate pairs without comparing
//! all pairs.
//!
//! # Algorithm
//!
//! The banding technique (Indyk & Motwani 1998; Leskovec, Rajaraman & Ullman, *Mining of
//! Massive Datasets*, ch. 3). A signature of k slots is cut into b bands of r rows
//! (`b·r <= k`). Each band's r values are hashed with xxh3 (seed [`BAND_SEED`] plus the
//! band number) into a `u64` band key; two documents become candidates when any band key
//! is equal. Two sets of Jaccard similarity s become candidates with probability
//!
//! ```text
//! P(s) = 1 - (1 - s^r)^b
//! ```
//!
//! an S-curve that rises steeply near `(1/b)^(1/r)`. [`Layout::for_threshold`] picks b and
//! r as datasketch does, by minimizing the weighted error `w·FN + (1-w)·FP`, where FP is
//! the area under P(s) for s below the threshold and FN the area above P(s) for s above
//! it; but with `w = 0.95` ([`DEFAULT_FALSE_NEGATIVE_WEIGHT`]) rather than 0.5, because
//! every candidate is verified exactly here and only false negatives lose results (0.999,
//! [`FALSE_NEGATIVE_WEIGHT_WITHOUT_PASSAGES`], for a detector without passage search,
//! whose band keys alone must find every pair).
//!
//! Band keys are plain `u64`s, the same on every platform ([`Layout::band_keys`]): they can
//! be grouped by any engine (Spark, DuckDB, DataFusion) and the pairs verified here.
//!
//! # Cost
//!
//! Insert and remove O(b) expected; query O(b + c) for c candidates; all candidate pairs of
//! the index cost O(n·b + p log p) for n documents and p candidate pairs, so n documents
//! mean n² work only if n² pairs really collide. Memory: 45 to 70 bytes per band per
//! document (a key, an inline bucket and its hash-table slot, depending on how full the
//! tables are), 750 to 1,120 bytes for 16 bands; see [`LshIndex::memory_usage`]:
//!
//! ```
//! use neardup::{LshIndex, MinHasher, lsh::Layout};
//! let hasher = MinHasher::new(128, neardup::minhash::DEFAULT_SEED)?;
//! let mut index = LshIndex::new(Layout::for_threshold(0.8, 128)?);
//! for i in 0..1000u32 {
//!     let start = u64::from(i) * 1000;
//!     index.insert(i, &hasher.sign(start..start + 200))?;
//! }
//! let per_doc = index.memory_usage() / index.len();
//! assert_eq!(index.layout().bands(), 16);
//! assert!((16 * 45..=16 * 70).contains(&per_doc), "{per_doc}");
//! # Ok::<(), neardup::Error>(())
//! ```

use crate::error::Error;
use crate::minhash::Signature;
use smallvec::SmallVec;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The default weight of false negatives against false positives when a layout is chosen
/// from a threshold. Candidates are verified with exact Jaccard, so a false positive costs
/// one comparison while a false negative is a duplicate lost: the weight leans to recall.
/// For 128 hashes and threshold 0.8 it picks 16 bands of 8 rows: a pair at Jaccard 0.85
/// becomes a candidate with probability 0.994 (datasketch's equal weights pick 9 x 13:
/// 0.69).
pub const DEFAULT_FALSE_NEGATIVE_WEIGHT: f64 = 0.95;

/// The weight a [`Detector`](crate::Detector) without passage search chooses its layout
/// with (unless given another): alone, the band keys must find the near-duplicate pairs
/// that shared passages would otherwise reveal. For 128 hashes and threshold 0.8 it picks
/// 21 bands of 6 rows: a pair at Jaccard 0.8 is missed with probability 0.0017 (16 x 8:
/// 0.053), at 0.85 with 0.00005 (16 x 8: 0.006); a pair at Jaccard 0.5 becomes a
/// candidate with probability 0.28 instead of 0.061, at 0.6 with 0.63 instead of 0.24.
pub const FALSE_NEGATIVE_WEIGHT_WITHOUT_PASSAGES: f64 = 0.999;

/// The base seed of band-key hashes. Part of the stable format.
pub const BAND_SEED: u64 = 0x6e65_6172_6475_7032; // "neardup2"

/// Bands and rows of an LSH index, over signatures of one hasher (its length and seed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Layout {
    bands: usize,
    rows: usize,
    num_hashes: usize,
    seed: u64,
}

impl Layout {
    /// An explicit layout of `bands` x `rows` over signatures of `num_hashes` slots made
    /// with the default seed ([`with_seed`](Layout::with_seed) for another).
    ///
    /// Errors unless `bands >= 1`, `rows >= 1` and `bands * rows <= num_hashes`.
    pub fn new(bands: usize, rows: usize, num_hashes: usize) -> Result<Layout, Error> {
        if bands == 0 || bands > num_hashes {
            return Err(Error::invalid(
                "bands",
                format!("1 <= bands <= num_hashes ({num_hashes})"),
                bands,
            ));
        }
        if rows == 0 || bands.saturating_mul(rows) > num_hashes {
            return Err(Error::invalid(
                "rows",
                format!(
                    "1 <= rows and bands x rows <= num_hashes ({bands} x rows <= {num_hashes})"
                ),
                rows,
            ));
        }
        Ok(Layout {
            bands,
            rows,
            num_hashes,
            seed: crate::minhash::DEFAULT_SEED,
        })
    }

    /// The same layout over signatures made with `seed`.
    pub fn with_seed(mut self, seed: u64) -> Layout {
        self.seed = seed;
        self
    }

    /// The layout that minimizes `w·FN + (1-w)·FP` around `threshold` (see the module
    /// docs) with the default weight `w` = [`DEFAULT_FALSE_NEGATIVE_WEIGHT`], for
    /// signatures of `num_hashes` slots.
    ///
    /// Errors unless `0 < threshold <= 1` and `num_hashes >= 1`.
    pub fn for_threshold(threshold: f64, num_hashes: usize) -> Result<Layout, Error> {
        Layout::for_threshold_weighted(threshold, num_hashes, DEFAULT_FALSE_NEGATIVE_WEIGHT)
    }

    /// The layout that minimizes `w·FN + (1-w)·FP` for `w = false_negative_weight`.
    ///
    /// Errors unless `0 < threshold <= 1`, `num_hashes >= 1` and `0 < w < 1`.
    pub fn for_threshold_weighted(
        threshold: f64,
        num_hashes: usize,
        false_negative_weight: f64,
    ) -> Result<Layout, Error> {
        check_threshold(threshold)?;
        if num_hashes == 0 {
            return Err(Error::invalid("num_hashes", "1 <= n", num_hashes));
        }
        let w = false_negative_weight;
        if !(w > 0.0 && w < 1.0) {
            return Err(Error::invalid("false_negative_weight", "0 < w < 1", w));
        }
        let mut best = (f64::INFINITY, 1, 1);
        for b in 1..=num_hashes {
            for r in 1..=num_hashes / b {
                let err = (1.0 - w) * false_positive_area(threshold, b, r)
                    + w * false_negative_area(threshold, b, r);
                if err < best.0 {
                    best = (err, b, r);
                }
            }
        }
        Layout::new(best.1, best.2, num_hashes)
    }

    /// The number of bands, b.
    pub fn bands(&self) -> usize {
        self.bands
    }

    /// The number of rows per band, r.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The signature length it expects, k.
    pub fn num_hashes(&self) -> usize {
        self.num_hashes
    }

    /// The seed of the signatures it expects.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The probability `1 - (1 - s^r)^b` that two documents of Jaccard similarity `s`
    /// share at least one band key.
    pub fn candidate_probability(&self, s: f64) -> f64 {
        collision_probability(s, self.bands, self.rows)
    }

    /// The b band keys of a signature, in band order. Stable across runs and platforms.
    ///
    /// Errors when `sig` was made by a hasher of another length or seed than the layout
    /// expects (its keys would match nothing).
    ///
    /// ```
    /// use neardup::{MinHasher, lsh::Layout};
    /// let layout = Layout::for_threshold(0.8, 128)?;
    /// let sig = MinHasher::new(128, neardup::minhash::DEFAULT_SEED)?.sign(0..100u64);
    /// assert_eq!(layout.band_keys(&sig)?.count(), layout.bands());
    /// let other = MinHasher::new(128, 7)?.sign(0..100u64);
    /// assert!(layout.band_keys(&other).is_err());
    /// assert!(layout.with_seed(7).band_keys(&other).is_ok());
    /// # Ok::<(), neardup::Error>(())
    /// ```
    pub fn band_keys<'a>(
        &self,
        sig: &'a Signature,
    ) -> Result<impl Iterator<Item = u64> + 'a, Error> {
        self.check(sig)?;
        Ok(self.keys_of(sig))
    }

    /// [`band_keys`](Layout::band_keys) of a signature known to fit.
    pub(crate) fn keys_of<'a>(&self, sig: &'a Signature) -> impl Iterator<Item = u64> + 'a {
        let rows = self.rows;
        sig.values()
            .chunks_exact(rows)
            .take(self.bands)
            .enumerate()
            .map(move |(band, values)| band_key(band, values))
    }

    fn check(&self, sig: &Signature) -> Result<(), Error> {
        if sig.len() != self.num_hashes || sig.seed() != self.seed {
            let describe =
                |k: usize, seed: u64| format!("a hasher with seed {seed:#x} and {k} hashes");
            return Err(Error::incompatible(
                describe(self.num_hashes, self.seed),
                describe(sig.len(), sig.seed()),
            ));
        }
        Ok(())
    }
}

pub(crate) fn check_threshold(threshold: f64) -> Result<(), Error> {
    if !(threshold > 0.0 && threshold <= 1.0) {
        return Err(Error::invalid("threshold", "0 < t <= 1", threshold));
    }
    Ok(())
}

fn band_key(band: usize, values: &[u32]) -> u64 {
    let seed = BAND_SEED.wrapping_add(band as u64);
    // Up to 16 rows (the usual layouts have 4 to 10) on the stack, in one pass.
    let mut buf = [0u8; 64];
    if let Some(bytes) = buf.get_mut(..4 * values.len()) {
        for (b, v) in bytes.chunks_exact_mut(4).zip(values) {
            b.copy_from_slice(&v.to_le_bytes());
        }
        return xxh3_64_with_seed(bytes, seed);
    }
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    xxh3_64_with_seed(&bytes, seed)
}

fn collision_probability(s: f64, b: usize, r: usize) -> f64 {
    1.0 - (1.0 - s.powi(r as i32)).powi(b as i32)
}

/// Simpson's rule with a fixed number of panels: plenty for these smooth curves.
fn integrate(f: impl Fn(f64) -> f64, lo: f64, hi: f64) -> f64 {
    const PANELS: usize = 64;
    if hi <= lo {
        return 0.0;
    }
    let h = (hi - lo) / PANELS as f64;
    let mut sum = f(lo) + f(hi);
    for i in 1..PANELS {
        let w = if i % 2 == 1 { 4.0 } else { 2.0 };
        sum += w * f(lo + i as f64 * h);
    }
    sum * h / 3.0
}

fn false_positive_area(t: f64, b: usize, r: usize) -> f64 {
    integrate(|s| collision_probability(s, b, r), 0.0, t)
}

fn false_negative_area(t: f64, b: usize, r: usize) -> f64 {
    integrate(|s| 1.0 - collision_probability(s, b, r), t, 1.0)
}

/// The pairs of ids that share a key, from `(band key, id)` rows: what
/// [`LshIndex::candidate_pairs`] gives, computed by sorting instead of a hash table, the
/// way an engine groups rows by key. Band keys carry their band number (it is in the
/// hash seed), so rows of all bands go in one list. Pairs come out sorted, `a < b`.
///
/// A key shared by more than `max_group` ids (a huge group of near-copies) yields the
/// pairs of its first `max_group` ids (the smallest) and of its smallest id with each
/// other id: enough to join them into one cluster, with about `max_group²/2 + n` pairs
/// instead of `n(n-1)/2`. Which pairs an id is in depends only on the smaller ids, so a
/// stream of ids (the persistent index) makes the same pairs. Cost: O(R log R + p log p)
/// for R rows and p pairs.
pub fn pairs_sharing_a_key(rows: &mut [(u64, u32)], max_group: usize) -> Vec<(u32, u32)> {
    let mut packed: Vec<u64> = Vec::new();
    packed_pairs_sharing_a_key(rows, max_group, &mut packed);
    sorted_pairs(packed)
}

/// [`pairs_sharing_a_key`] before sorting: the pairs packed with [`pack_pair`], added to
/// `packed`, possibly repeated.
pub(crate) fn packed_pairs_sharing_a_key(
    rows: &mut [(u64, u32)],
    max_group: usize,
    packed: &mut Vec<u64>,
) {
    rows.sort_unstable();
    for group in rows.chunk_by(|x, y| x.0 == y.0) {
        if group.len() < 2 {
            continue;
        }
        // Ids within a group are sorted, and distinct unless an id was given twice. The
        // first `max_group` pair with each other, the first also with every later one.
        let small = group.len().min(max_group.max(2));
        for (i, x) in group.iter().enumerate() {
            let end = if i == 0 { group.len() } else { small };
            if i + 1 >= end {
                break;
            }
            packed.extend(
                group[i + 1..end]
                    .iter()
                    .filter(|y| y.1 != x.1)
                    .map(|y| pack_pair(x.1, y.1)),
            );
        }
    }
}

/// Packs a pair of ids into one `u64`, `a` in the high half.
pub(crate) fn pack_pair(a: u32, b: u32) -> u64 {
    (a as u64) << 32 | b as u64
}

/// Packed pairs, sorted, without repeats, unpacked.
pub(crate) fn sorted_pairs(mut packed: Vec<u64>) -> Vec<(u32, u32)> {
    packed.sort_unstable();
    packed.dedup();
    packed
        .into_iter()
        .map(|p| ((p >> 32) as u32, p as u32))
        .collect()
}

/// A hasher for keys that are already hashes or small ids: one multiply, deterministic
/// (never `RandomState`, so nothing depends on the process).
#[derive(Default)]
pub(crate) struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        let x = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = x ^ (x >> 29);
    }
}

pub(crate) type MixMap<K, V> = HashMap<K, V, BuildHasherDefault<MixHasher>>;

/// Ids that share one band key. Singletons and pairs stay inline.
type Bucket = SmallVec<[u32; 2]>;

/// An LSH index of signatures under caller-given `u32` ids. It holds the signatures of
/// one hasher, the one its [`Layout`] names (length and seed), and refuses others.
///
/// ```
/// use neardup::{lsh, MinHasher};
///
/// let hasher = MinHasher::new(128, 1)?;
/// let layout = lsh::Layout::for_threshold(0.8, 128)?.with_seed(hasher.seed());
/// let mut index = neardup::LshIndex::new(layout);
/// let sig = |words: std::ops::Range<u64>| hasher.sign(words);
/// index.insert(0, &sig(0..100))?;
/// index.insert(1, &sig(0..98))?;   // Jaccard 0.98 with 0
/// index.insert(2, &sig(500..600))?; // unrelated
/// assert_eq!(index.candidate_pairs(), [(0, 1)]);
/// assert_eq!(index.query(&sig(0..99))?, [0, 1]);
/// index.remove(1);
/// assert_eq!(index.candidate_pairs(), []);
/// # Ok::<(), neardup::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct LshIndex {
    layout: Layout,
    bands: Vec<MixMap<u64, Bucket>>,
    keys: MixMap<u32, Box<[u64]>>,
}

impl LshIndex {
    /// An empty index with the given layout.
    pub fn new(layout: Layout) -> LshIndex {
        LshIndex {
            layout,
            bands: (0..layout.bands).map(|_| MixMap::default()).collect(),
            keys: MixMap::default(),
        }
    }

    /// The layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Adds `sig` under `id`.
    ///
    /// Errors when `id` is already present or `sig` has another length or seed than the layout
    /// expects. Signatures of empty sets are indexed like any other (they all collide
    /// with each other); the [`Detector`](crate::Detector) does not insert them.
    pub fn insert(&mut self, id: u32, sig: &Signature) -> Result<(), Error> {
        self.layout.check(sig)?;
        if self.keys.contains_key(&id) {
            return Err(Error::duplicate_id(id));
        }
        let keys: Box<[u64]> = self.layout.keys_of(sig).collect();
        for (band, &key) in self.bands.iter_mut().zip(keys.iter()) {
            band.entry(key).or_default().push(id);
        }
        self.keys.insert(id, keys);
        Ok(())
    }

    /// Removes `id`; returns whether it was present.
    pub fn remove(&mut self, id: u32) -> bool {
        let Some(keys) = self.keys.remove(&id) else {
            return false;
        };
        for (band, key) in self.bands.iter_mut().zip(keys.iter()) {
            if let Some(bucket) = band.get_mut(key) {
                bucket.retain(|&mut x| x != id);
                if bucket.is_empty() {
                    band.remove(key);
                }
            }
        }
        true
    }

    /// The ids that share at least one band key with `sig`, sorted ascending.
    ///
    /// Errors when `sig` has another length or seed than the layout expects.
    pub fn query(&self, sig: &Signature) -> Result<Vec<u32>, Error> {
        self.layout.check(sig)?;
        let mut out = Vec::new();
        for (band, key) in self.bands.iter().zip(self.layout.keys_of(sig)) {
            if let Some(bucket) = band.get(&key) {
                out.extend_from_slice(bucket);
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// Every pair `(a, b)` with `a < b` that shares at least one band key, sorted.
    pub fn candidate_pairs(&self) -> Vec<(u32, u32)> {
        let mut packed = Vec::new();
        for band in &self.bands {
            for bucket in band.values().filter(|b| b.len() > 1) {
                for (i, &x) in bucket.iter().enumerate() {
                    for &y in &bucket[i + 1..] {
                        let (a, b) = if x < y { (x, y) } else { (y, x) };
                        packed.push(pack_pair(a, b));
                    }
                }
            }
        }
        sorted_pairs(packed)
    }

    /// The number of ids in the index.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the index holds no id.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Approximate heap bytes held: hash-table slots, spilled buckets and stored keys.
    pub fn memory_usage(&self) -> usize {
        let slot = std::mem::size_of::<(u64, Bucket)>() + 1;
        let bands: usize = self
            .bands
            .iter()
            .map(|band| {
                band.capacity() * slot
                    + band
                        .values()
                        .filter(|b| b.spilled())
                        .map(|b| b.capacity() * 4)
                        .sum::<usize>()
            })
            .sum();
        let key_slot = std::mem::size_of::<(u32, Box<[u64]>)>() + 1;
        bands + self.keys.capacity() * key_slot + self.keys.len() * self.layout.bands * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::MinHasher;

    #[test]
    fn refuses_signatures_of_another_hasher() {
        use crate::error::ErrorKind;
        let layout = Layout::for_threshold(0.8, 128).unwrap();
        let mut index = LshIndex::new(layout);
        let sig = |k, seed| MinHasher::new(k, seed).unwrap().sign(0..50u64);
        let ours = sig(128, crate::minhash::DEFAULT_SEED);
        index.insert(0, &ours).unwrap();
        for other in [sig(128, 7), sig(64, crate::minhash::DEFAULT_SEED)] {
            for e in [
                index.insert(1, &other).unwrap_err(),
                index.query(&other).unwrap_err(),
                layout.band_keys(&other).err().unwrap(),
            ] {
                assert!(
                    matches!(e.kind(), ErrorKind::IncompatibleSignature { .. }),
                    "{e}"
                );
            }
        }
        assert_eq!(index.query(&ours).unwrap(), [0]);
        let seeded = LshIndex::new(layout.with_seed(7));
        assert!(seeded.query(&sig(128, 7)).is_ok());
    }

    #[test]
    fn rejects_layouts_that_do_not_fit() {
        assert!(Layout::new(0, 4, 128).is_err());
        assert!(Layout::new(4, 0, 128).is_err());
        assert!(Layout::new(33, 4, 128).is_err());
        assert!(Layout::new(32, 4, 128).is_ok());
        for t in [0.0, -0.1, 1.5, f64::NAN] {
            let e = Layout::for_threshold(t, 128).unwrap_err().to_string();
            assert!(e.contains("'threshold'"), "{e}");
        }
        assert!(Layout::for_threshold(0.5, 0).is_err());
    }

    #[test]
    fn threshold_layout_puts_the_curve_near_the_threshold() {
        for t in [0.5, 0.6, 0.7, 0.8, 0.9] {
            let c = Layout::for_threshold(t, 128).unwrap();
            assert!(c.bands() * c.rows() <= 128);
            // Just above the threshold nearly always a candidate, well below rarely.
            assert!(
                c.candidate_probability((t + 0.1).min(1.0)) > 0.998,
                "{t} {c:?}"
            );
            assert!(c.candidate_probability(t - 0.4) < 0.1, "{t} {c:?}");
        }
        let c = Layout::for_threshold(0.8, 128).unwrap();
        assert_eq!((c.bands(), c.rows()), (16, 8));
        assert!(c.candidate_probability(0.85) > 0.99);
        // Equal weights reproduce datasketch's choice.
        let d = Layout::for_threshold_weighted(0.8, 128, 0.5).unwrap();
        assert_eq!((d.bands(), d.rows()), (9, 13));
        assert!(Layout::for_threshold_weighted(0.8, 128, 1.0).is_err());
    }

    #[test]
    fn integration_is_accurate() {
        let area = integrate(|s| s * s, 0.0, 1.0);
        assert!((area - 1.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn duplicate_ids_and_wrong_lengths_are_errors() {
        let h = MinHasher::new(16, 1).unwrap();
        let mut index = LshIndex::new(Layout::new(4, 4, 16).unwrap().with_seed(1));
        index.insert(3, &h.sign([1, 2, 3])).unwrap();
        assert!(index.insert(3, &h.sign([4])).is_err());
        let short = MinHasher::new(8, 1).unwrap().sign([1]);
        assert!(index.insert(4, &short).is_err());
        assert!(index.query(&short).is_err());
        assert_eq!(index.len(), 1);
    }

    #[test]
    fn remove_forgets_every_band() {
        let h = MinHasher::new(16, 1).unwrap();
        let mut index = LshIndex::new(Layout::new(4, 4, 16).unwrap().with_seed(1));
        let sig = h.sign([1, 2, 3]);
        index.insert(1, &sig).unwrap();
        index.insert(2, &sig).unwrap();
        assert_eq!(index.candidate_pairs(), [(1, 2)]);
        assert!(index.remove(2));
        assert!(!index.remove(2));
        assert_eq!(index.query(&sig).unwrap(), [1]);
        assert!(index.remove(1));
        assert!(index.is_empty());
        assert!(index.bands.iter().all(|b| b.is_empty()));
    }

    #[test]
    fn sorting_rows_gives_the_index_pairs() {
        let h = MinHasher::new(32, 3).unwrap();
        let config = Layout::new(8, 4, 32).unwrap().with_seed(3);
        let mut index = LshIndex::new(config);
        let mut rows = Vec::new();
        for id in 0..60u32 {
            // Sets drawn from a small universe so that many band keys collide.
            let sig = h.sign((0..6).map(|j| (id as u64 * 7 + j * 3) % 11));
            index.insert(id, &sig).unwrap();
            rows.extend(config.band_keys(&sig).unwrap().map(|k| (k, id)));
        }
        let want = index.candidate_pairs();
        assert!(want.len() > 10);
        assert_eq!(pairs_sharing_a_key(&mut rows.clone(), usize::MAX), want);
        // Capped groups keep every id connected to the group's smallest id.
        let capped = pairs_sharing_a_key(&mut rows, 2);
        assert!(capped.len() < want.len());
        assert!(capped.iter().all(|p| want.contains(p)));
    }

    #[test]
    fn band_keys_are_stable() {
        let h = MinHasher::new(4, 9).unwrap();
        let c = Layout::new(2, 2, 4).unwrap().with_seed(9);
        let sig = h.sign([10, 20, 30]);
        let keys: Vec<u64> = c.band_keys(&sig).unwrap().collect();
        let v = sig.values();
        let mut first = Vec::new();
        first.extend_from_slice(&v[0].to_le_bytes());
        first.extend_from_slice(&v[1].to_le_bytes());
        assert_eq!(keys[0], xxh3_64_with_seed(&first, BAND_SEED));
        assert_eq!(keys.len(), 2);
        assert_ne!(keys[0], keys[1]);
        // A band of more rows than fit on the stack: the same bytes hashed.
        let h = MinHasher::new(40, 9).unwrap();
        let sig = h.sign([10, 20, 30]);
        let wide = Layout::new(2, 20, 40).unwrap().with_seed(9);
        let keys: Vec<u64> = wide.band_keys(&sig).unwrap().collect();
        for (band, key) in keys.into_iter().enumerate() {
            let rows = &sig.values()[20 * band..20 * (band + 1)];
            let bytes: Vec<u8> = rows.iter().flat_map(|v| v.to_le_bytes()).collect();
            assert_eq!(key, xxh3_64_with_seed(&bytes, BAND_SEED + band as u64));
        }
    }
}
