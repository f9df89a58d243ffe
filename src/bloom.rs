//! A blocked Bloom filter of 64-bit keys: each key sets 6 bits in one 512-bit block (one
//! cache line), so that a lookup costs one cache miss.
//!
//! The persistent index keeps one per run (10 or 14 bits a key, stored as its words), and the
//! plan's cuts use two to find the windows that occur at least twice. Bits depend only on
//! the key: the same bytes on every run and platform.
//!
//! Cost: one cache line per insert or lookup; `bits` bits of memory a key (about 1% false
//! positives at 10, 0.22% at 14).
#![cfg_attr(not(feature = "index"), allow(dead_code))]

/// A blocked Bloom filter: each key sets 6 bits in one 512-bit block, one cache line.
/// Stable bytes: the words are stored little-endian and the bits depend only on the key.
/// The key is mixed first: winnowed fingerprints are minima, far from evenly spread.
#[derive(Clone, Debug, Default)]
pub(crate) struct Filter {
    blocks: Vec<Block>,
}

/// 512 bits on a cache line of their own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C, align(64))]
struct Block([u64; 8]);

impl Filter {
    /// Room for `keys` keys at `bits` bits each (rounded up to whole blocks).
    pub(crate) fn with_keys(keys: u64, bits: u64) -> Filter {
        Filter {
            blocks: vec![Block::default(); Filter::blocks_for(keys, bits)],
        }
    }

    fn blocks_for(keys: u64, bits: u64) -> usize {
        (keys * bits).div_ceil(512) as usize
    }

    /// Halves the filter while it has an even number of blocks and half is enough for
    /// `keys` (a merged run's filter is sized before removed documents are left out).
    /// Block `i` of the half is blocks `2i` and `2i + 1` together: a key's block in the
    /// half is its block here halved, and its bits are the same.
    pub(crate) fn shrink_to(&mut self, keys: u64, bits: u64) {
        let need = Filter::blocks_for(keys, bits);
        while self.blocks.len() % 2 == 0 && self.blocks.len() / 2 >= need.max(1) {
            let half: Vec<Block> = self
                .blocks
                .chunks_exact(2)
                .map(|p| Block(std::array::from_fn(|w| p[0].0[w] | p[1].0[w])))
                .collect();
            self.blocks = half;
        }
    }

    /// The filter's words, in order.
    pub(crate) fn words(&self) -> impl Iterator<Item = u64> + '_ {
        self.blocks.iter().flat_map(|b| b.0)
    }

    pub(crate) fn word_count(&self) -> usize {
        self.blocks.len() * 8
    }

    /// Makes room for `words` words read back (whole blocks), at once.
    pub(crate) fn reserve_words(&mut self, words: usize) {
        self.blocks.reserve_exact(words / 8);
    }

    /// Adds the next word of a filter being read back.
    pub(crate) fn push_word(&mut self, w: u64, at: usize) {
        if at % 8 == 0 {
            self.blocks.push(Block::default());
        }
        self.blocks.last_mut().expect("a block").0[at % 8] = w;
    }

    /// The block and the six bits of `h = mix(key)`: the block grows with `h`.
    fn place(&self, h: u64) -> (usize, [u32; 6]) {
        self.place_of(Probe::of(h))
    }

    /// The block and the six bits of a probe.
    fn place_of(&self, p: Probe) -> (usize, [u32; 6]) {
        let block = ((p.h as u128 * self.blocks.len() as u128) >> 64) as usize;
        let mut bits = [0u32; 6];
        for (i, b) in bits.iter_mut().enumerate() {
            *b = ((p.bits >> (9 * i)) & 511) as u32;
        }
        (block, bits)
    }

    #[cfg(test)]
    pub(crate) fn insert(&mut self, key: u64) {
        self.insert_mixed(mix(key));
    }

    /// Inserts the key whose mix is `h`; true when all its bits were set already (it, or
    /// keys that share its bits, was inserted before).
    pub(crate) fn insert_mixed(&mut self, h: u64) -> bool {
        if self.blocks.is_empty() {
            return false;
        }
        let (block, bits) = self.place(h);
        let block = &mut self.blocks[block].0;
        let mut was = true;
        for b in bits {
            let (word, bit) = ((b >> 6) as usize, 1u64 << (b & 63));
            was &= block[word] & bit != 0;
            block[word] |= bit;
        }
        was
    }

    /// Inserts keys already mixed, in any order, a part of the filter at a time: a
    /// large filter takes random inserts at the speed of memory, not of the cache.
    /// `keys` is used as scratch space and left empty.
    pub(crate) fn insert_all_mixed(&mut self, keys: &mut Vec<u64>, scratch: &mut Vec<u64>) {
        // Each of the 256 parts of the filter then takes its keys while it is in the cache.
        by_top_bits(keys, 8, |&h| h, scratch);
        for &h in scratch.iter() {
            self.insert_mixed(h);
        }
        keys.clear();
    }

    /// False when the key whose mix is `h` was never inserted; true for every inserted
    /// key, and for one or two in a hundred others. Without branches, so that the probes
    /// of several filters overlap in memory.
    pub(crate) fn may_hold(&self, h: u64) -> bool {
        self.may_hold_probe(Probe::of(h))
    }

    /// [`may_hold`](Filter::may_hold) for a key's probe, made once for all the filters
    /// asked about it.
    pub(crate) fn may_hold_probe(&self, p: Probe) -> bool {
        if self.blocks.is_empty() {
            return false;
        }
        let (block, bits) = self.place_of(p);
        let block = &self.blocks[block].0;
        bits.iter().fold(true, |ok, &b| {
            ok & (block[(b >> 6) as usize] >> (b & 63) & 1 == 1)
        })
    }
}

/// What places a key in any filter: its mix `h` (which picks the block, by the
/// filter's size) and the word its six bits in the block come from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Probe {
    h: u64,
    bits: u64,
}

impl Probe {
    /// The probe of the key whose mix is `h`.
    pub(crate) fn of(h: u64) -> Probe {
        Probe {
            h,
            bits: mix(h ^ 0x9e37_79b9_7f4a_7c15),
        }
    }
}

/// `items` into `out`, ordered by the top `bits` bits of `key(item)` (a counting sort,
/// stable): the order in which a filter's blocks hold them, whatever the filter's size,
/// since a key's block is its mixed value scaled to the filter.
pub(crate) fn by_top_bits<T: Copy + Default>(
    items: &[T],
    bits: u32,
    key: impl Fn(&T) -> u64,
    out: &mut Vec<T>,
) {
    let part = |item: &T| (key(item) >> (64 - bits)) as usize;
    let mut start = slot_starts(1 << bits, items.iter().map(part));
    out.clear();
    out.resize(items.len(), T::default());
    for item in items {
        let p = part(item);
        out[start[p]] = *item;
        start[p] += 1;
    }
}

/// Where each of `slots` slots starts when items go to the slots `at` gives, in order
/// (a counting sort's first step): `slots + 1` offsets, the last one the items' number.
pub(crate) fn slot_starts(slots: usize, at: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut starts = vec![0usize; slots + 1];
    for slot in at {
        starts[slot + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    starts
}

/// The splitmix64 finalizer.
pub(crate) fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_starts_count_each_slot_then_add_up() {
        assert_eq!(slot_starts(4, [2, 0, 2, 3, 2].into_iter()), [0, 1, 1, 4, 5]);
        assert_eq!(slot_starts(2, std::iter::empty()), [0, 0, 0]);
    }

    #[test]
    fn a_keys_place_is_the_same_on_every_run_and_platform() {
        // Filters are stored in run files: a key's block and bits must never change.
        let f = Filter::with_keys(4 * 512 / 10, 10);
        assert_eq!(f.blocks.len(), 4);
        assert_eq!(f.place(mix(1)), (1, [39, 117, 246, 195, 241, 443]));
        assert_eq!(f.place(mix(12345)), (3, [469, 259, 46, 289, 274, 440]));
        assert_eq!(f.place_of(Probe::of(mix(1))), f.place(mix(1)));
    }

    #[test]
    fn a_halved_filter_still_holds_its_keys() {
        let mut f = Filter::with_keys(4096, 10);
        assert_eq!(f.blocks.len() % 2, 0);
        for k in 0..100u64 {
            f.insert(k);
        }
        let before = f.blocks.len();
        f.shrink_to(100, 10);
        assert!(f.blocks.len() < before / 8, "{} blocks", f.blocks.len());
        assert!((0..100u64).all(|k| f.may_hold(mix(k))));
        let mut empty = Filter::with_keys(4096, 10);
        empty.shrink_to(0, 10);
        assert!(!empty.blocks.is_empty() && !empty.may_hold(mix(1)));
    }

    #[test]
    fn inserting_keys_together_sets_the_same_bits() {
        let keys: Vec<u64> = (0..50_000u64).map(mix).collect();
        let mut one_by_one = Filter::with_keys(50_000, 10);
        for &k in &keys {
            one_by_one.insert(k);
        }
        let mut together = Filter::with_keys(50_000, 10);
        let mut mixed: Vec<u64> = keys.iter().map(|&k| mix(k)).collect();
        together.insert_all_mixed(&mut mixed, &mut Vec::new());
        assert_eq!(one_by_one.blocks, together.blocks);
        assert!(mixed.is_empty());
    }

    #[test]
    fn the_filter_holds_every_key_and_few_others() {
        let mut f = Filter::with_keys(10_000, 10);
        for k in 0..10_000u64 {
            f.insert(k);
        }
        assert!((0..10_000u64).all(|k| f.may_hold(mix(k))));
        let others = (10_000..110_000u64).filter(|k| f.may_hold(mix(*k))).count();
        assert!(others < 2_500, "{others} false positives in 100,000");
        assert!(!Filter::default().may_hold(1));
    }
}
