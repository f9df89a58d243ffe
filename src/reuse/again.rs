//! A document that holds boilerplate, fingerprinted again around it
//! ([`Fingerprints::around_boilerplate`]), as what that adds to its first fingerprints
//! (those [`Fingerprints::new`] gave it, which are rows already).
//!
//! # Algorithm
//!
//! Masking the boilerplate windows only raises hashes, so a winnowing window whose
//! smallest hash is not boilerplate selects the same position with the mask as without.
//! Only a window whose smallest hash is boilerplate can select something new: the
//! smallest of its other hashes. The long fingerprints, taken over boilerplate, are all
//! new. So one pass hashes the short windows and looks up which are boilerplate; then the
//! winnowing windows that hold a boilerplate window are winnowed again, a range of them at
//! a time with a sliding minimum, and the long windows that hold one are hashed.
//!
//! The first fingerprints, less the boilerplate ones, plus those picked here, are
//! `around_boilerplate`'s, except where a hash's positions meet the cap they share
//! ([`MAX_POSITIONS`]): when a hash picked here, with the positions winnowing selected it
//! at elsewhere in the document (a phrase it repeats), holds more than that, the document
//! is fingerprinted whole again instead.
//!
//! # Cost
//!
//! O(n) for a document of n tokens to hash and look up its windows; O(1) for each
//! winnowing window that holds boilerplate and O(w) for each position it could pick
//! (w the winnowing window); O(1) for each long window over boilerplate. A document that
//! holds a picked hash elsewhere too costs one more O(n log p) pass for p picks.

use super::{Boilerplate, Fingerprints, LONG, MAX_POSITIONS, slide};
use crate::shingle::shingles;

/// A document that holds boilerplate, fingerprinted again around it
/// ([`Fingerprints::again_around`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Again {
    /// To add beside its first fingerprints, less their boilerplate ones.
    Beside(Fingerprints),
    /// To put in place of its first fingerprints.
    Instead(Fingerprints),
}

/// Working space of [`Fingerprints::again_around`], reused from one document to the
/// next.
#[derive(Default)]
pub(crate) struct AgainScratch {
    /// The hashes of the document's short windows.
    short: Vec<u64>,
    /// Whether each short window is boilerplate.
    is_boilerplate: Vec<bool>,
    /// The positions of the boilerplate short windows, ascending.
    boilerplate_at: Vec<u32>,
    /// How many short windows fall in each slot of their top bits (saturating): a hash
    /// alone in its slot is held once.
    slots: Vec<u8>,
    /// The fingerprints picked so far: `(hash, position)`.
    picked: Vec<(u64, u32)>,
}

/// The slots of [`AgainScratch::slots`].
const SLOTS: usize = 4096;

fn slot(hash: u64) -> usize {
    (hash >> (64 - SLOTS.trailing_zeros())) as usize
}

impl Fingerprints {
    /// [`around_boilerplate`](Fingerprints::around_boilerplate) of a document, as what it
    /// adds to the document's first fingerprints ([`Again::Beside`]: those, less their
    /// boilerplate ones, plus these, are `around_boilerplate`'s), or all of it
    /// ([`Again::Instead`]) when a picked hash would share the position cap with ones the
    /// document repeats, or long windows are winnowed more than one at a time. See the
    /// module docs.
    pub(crate) fn again_around(
        token_hashes: &[u64],
        (size, window): (usize, usize),
        (long_size, long_window): (usize, usize),
        boilerplate: &Boilerplate,
        work: &mut AgainScratch,
    ) -> Again {
        let window = window.max(1);
        let usable = token_hashes.len().min(u32::MAX as usize);
        let (layout, long) = ((size, window), (long_size, long_window));
        let whole = || {
            Again::Instead(Fingerprints::around_boilerplate(
                token_hashes,
                layout,
                long,
                boilerplate,
            ))
        };
        if usable < size + window - 1 || long_window > 1 {
            return whole();
        }
        let tokens = &token_hashes[..usable];
        work.find_boilerplate(tokens, size, boilerplate);
        work.pick_next_to_boilerplate(window);
        if work.over_the_cap(window) {
            return whole();
        }
        work.pick_long(tokens, size, long_size);
        Again::Beside(Fingerprints::from_picked(&mut work.picked))
    }
}

impl AgainScratch {
    /// Hashes the short windows of `tokens` (`size` tokens each), and finds the
    /// boilerplate ones.
    fn find_boilerplate(&mut self, tokens: &[u64], size: usize, boilerplate: &Boilerplate) {
        self.short.clear();
        crate::shingle::extend_shingles(&mut self.short, tokens, size, |h| h);
        self.is_boilerplate.clear();
        self.boilerplate_at.clear();
        self.slots.clear();
        self.slots.resize(SLOTS, 0);
        self.picked.clear();
        for &h in &self.short {
            let held = &mut self.slots[slot(h)];
            *held = held.saturating_add(1);
        }
        self.is_boilerplate.resize(self.short.len(), false);
        boilerplate.find_all(&self.short, |i, _| {
            self.is_boilerplate[i] = true;
            self.boilerplate_at.push(i as u32);
        });
    }

    /// Picks, in each winnowing window (`window` short windows) whose smallest hash is
    /// boilerplate, the smallest of its other hashes, unless winnowing selected that
    /// position already.
    fn pick_next_to_boilerplate(&mut self, window: usize) {
        let AgainScratch {
            short,
            is_boilerplate,
            boilerplate_at,
            picked,
            ..
        } = self;
        let plain = |i: usize| short[i];
        let masked = |i: usize| {
            if is_boilerplate[i] {
                u64::MAX
            } else {
                short[i]
            }
        };
        let last_start = short.len() - window;
        let mut tested = usize::MAX;
        for (from, to) in ranges_around(boilerplate_at, window - 1, last_start) {
            let (mut plain_min, mut masked_min) = (usize::MAX, usize::MAX);
            for start in from..=to {
                let end = start + window - 1;
                plain_min = slide(plain_min, start, end, plain);
                masked_min = slide(masked_min, start, end, masked);
                if !is_boilerplate[plain_min] || is_boilerplate[masked_min] {
                    continue;
                }
                if masked_min != tested {
                    tested = masked_min;
                    if !selects(short, masked_min, window) {
                        picked.push((short[masked_min], masked_min as u32));
                    }
                }
            }
        }
    }

    /// Whether a picked hash, counted with the positions winnowing selected it at
    /// elsewhere in the document, holds more than [`MAX_POSITIONS`] positions.
    fn over_the_cap(&self, window: usize) -> bool {
        let AgainScratch {
            short,
            slots,
            picked,
            ..
        } = self;
        // Most picked hashes are alone in their slot: held nowhere else.
        if picked.iter().all(|&(h, _)| slots[slot(h)] <= 1) {
            return false;
        }
        let mut hashes: Vec<u64> = picked.iter().map(|p| p.0).collect();
        hashes.sort_unstable();
        let mut marked = [0u64; SLOTS / 64];
        for &h in &hashes {
            marked[slot(h) / 64] |= 1 << (slot(h) % 64);
        }
        let count =
            |h: u64, of: &[u64]| of.partition_point(|&x| x <= h) - of.partition_point(|&x| x < h);
        // A picked position is one winnowing did not select, so these are elsewhere.
        let mut selected: Vec<u64> = short
            .iter()
            .enumerate()
            .filter(|&(q, &h)| {
                marked[slot(h) / 64] & 1 << (slot(h) % 64) != 0
                    && count(h, &hashes) > 0
                    && selects(short, q, window)
            })
            .map(|(_, &h)| h)
            .collect();
        selected.sort_unstable();
        selected
            .chunk_by(|x, y| x == y)
            .any(|same| same.len() + count(same[0], &hashes) > MAX_POSITIONS)
    }

    /// Picks every long window (`long_size` tokens) that holds a boilerplate short
    /// window (`size` tokens).
    fn pick_long(&mut self, tokens: &[u64], size: usize, long_size: usize) {
        let at = &self.boilerplate_at;
        long_windows_into(tokens, at, (size, long_size), &mut self.picked);
    }
}

impl Fingerprints {
    /// The long fingerprints (`long_size` tokens, every one) of a document whose token
    /// hashes are `tokens` over its short windows (`size` tokens) at the ascending
    /// positions `at`: each long window that holds one of them, as
    /// [`around_boilerplate`](Fingerprints::around_boilerplate) takes them over the
    /// boilerplate ones.
    #[cfg_attr(not(feature = "index"), allow(dead_code))]
    pub(crate) fn long_over(
        tokens: &[u64],
        at: &[u32],
        (size, long_size): (usize, usize),
    ) -> Fingerprints {
        let mut picked = Vec::new();
        long_windows_into(tokens, at, (size, long_size), &mut picked);
        Fingerprints::from_picked(&mut picked)
    }
}

/// Appends to `out` the long windows (`long_size` tokens) of `tokens` that hold a
/// short window (`size` tokens) at one of the ascending positions `at`, as
/// `(hash, position | LONG)`: long window j holds the short windows
/// j ..= j + long_size - size.
fn long_windows_into(
    tokens: &[u64],
    at: &[u32],
    (size, long_size): (usize, usize),
    out: &mut Vec<(u64, u32)>,
) {
    if tokens.len() < long_size || long_size < size {
        return;
    }
    let last = tokens.len() - long_size;
    for (from, to) in ranges_around(at, long_size - size, last) {
        let hashes = shingles(&tokens[from..to + long_size], long_size);
        out.extend(
            hashes
                .enumerate()
                .map(|(j, h)| (h, (from + j) as u32 | LONG)),
        );
    }
}

/// Whether winnowing `short` with windows of `window` selects position `p`: whether a
/// window that holds it has its rightmost smallest hash there, that is, whether `p` has
/// `window - 1` neighbours in a row around it, those before no smaller and those after
/// larger. O(window).
fn selects(short: &[u64], p: usize, window: usize) -> bool {
    let h = short[p];
    let reach = window - 1;
    let before = short[..p].iter().rev().take(reach);
    let after = short[p + 1..].iter().take(reach);
    let before = before.take_while(|&&x| x >= h).count();
    let after = after.take_while(|&&x| x > h).count();
    before + after >= reach
}

/// The ranges `c - before ..= c` around the ascending positions `at`, merged where they
/// touch, cut at `last`, and the empty ones left out.
fn ranges_around(at: &[u32], before: usize, last: usize) -> impl Iterator<Item = (usize, usize)> {
    let mut k = 0;
    std::iter::from_fn(move || {
        loop {
            let c = *at.get(k)? as usize;
            let from = c.saturating_sub(before);
            let mut to = c;
            k += 1;
            while let Some(&next) = at.get(k)
                && (next as usize).saturating_sub(before) <= to + 1
            {
                to = next as usize;
                k += 1;
            }
            if from <= to.min(last) {
                return Some((from, to.min(last)));
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The first fingerprints, less the boilerplate ones, with those added beside them:
    /// as sorted `(hash, position)` pairs.
    fn beside(
        doc: &[u64],
        (size, window): (usize, usize),
        boiler: &Boilerplate,
        added: &Fingerprints,
    ) -> Vec<(u64, u32)> {
        let first = Fingerprints::new(doc, size, window);
        let mut all: Vec<(u64, u32)> = first
            .iter_raw()
            .filter(|&(h, _)| !boiler.contains(h))
            .chain(added.iter_raw())
            .collect();
        all.sort_unstable();
        all
    }

    fn sorted(f: &Fingerprints) -> Vec<(u64, u32)> {
        let mut all: Vec<(u64, u32)> = f.iter_raw().collect();
        all.sort_unstable();
        all
    }

    #[test]
    fn around_a_footer_the_added_fingerprints_complete_the_first_ones() {
        // Distinct words with a footer that many documents hold in the middle: the
        // windows that straddle its edges and the long ones over it are added.
        let footer: Vec<u64> = (1000..1040).collect();
        let common = Fingerprints::new(&footer, 13, 6);
        let boiler = Boilerplate::new(common.hashes().iter().copied(), 24);
        let doc: Vec<u64> = (0..60)
            .chain(footer.iter().copied())
            .chain(60..120)
            .collect();
        assert!(boiler.holds_any(&Fingerprints::new(&doc, 13, 6)));
        let want = Fingerprints::around_boilerplate(&doc, (13, 6), (30, 1), &boiler);
        let mut work = AgainScratch::default();
        let Again::Beside(added) =
            Fingerprints::again_around(&doc, (13, 6), (30, 1), &boiler, &mut work)
        else {
            panic!("distinct words need no second winnowing of the whole document");
        };
        assert!(added.entries().any(|e| e.2) && added.entries().any(|e| !e.2));
        assert_eq!(beside(&doc, (13, 6), &boiler, &added), sorted(&want));
    }

    #[test]
    fn a_phrase_repeated_past_the_cap_is_fingerprinted_whole() {
        // Phrase P, selected by winnowing in each of its copies, also next to
        // boilerplate B where B's window hides it: found by search over small
        // documents, so that the case is met, not assumed.
        let mut met = 0;
        for seed in 0..4000u64 {
            let mut x = seed;
            let mut next = |n: u64| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x >> 33) % n
            };
            let doc: Vec<u64> = (0..60).map(|_| next(3)).collect();
            let short: Vec<u64> = shingles(&doc, 2).collect();
            let boiler = Boilerplate::new([short[next(short.len() as u64) as usize]], 24);
            let want = Fingerprints::around_boilerplate(&doc, (2, 3), (4, 1), &boiler);
            let mut work = AgainScratch::default();
            match Fingerprints::again_around(&doc, (2, 3), (4, 1), &boiler, &mut work) {
                Again::Instead(all) => {
                    met += 1;
                    assert_eq!(all, want);
                }
                Again::Beside(added) => {
                    assert_eq!(beside(&doc, (2, 3), &boiler, &added), sorted(&want));
                }
            }
        }
        assert!(met > 0, "no document met the cap");
    }

    #[test]
    fn selection_is_that_of_winnowing() {
        let short = [5u64, 3, 8, 3, 9, 1, 7, 7, 2];
        for window in 1..=short.len() {
            let mut want = vec![false; short.len()];
            let mut picked = Vec::new();
            super::super::winnow_into(&short, window, &mut picked);
            for &(_, p) in &picked {
                want[p as usize] = true;
            }
            for (p, &w) in want.iter().enumerate() {
                assert_eq!(
                    selects(&short, p, window),
                    w,
                    "position {p}, window {window}"
                );
            }
        }
    }

    #[test]
    fn ranges_merge_where_they_touch() {
        let got: Vec<(usize, usize)> = ranges_around(&[0, 3, 4, 12, 30], 2, 20).collect();
        assert_eq!(got, [(0, 4), (10, 12)]);
    }

    proptest! {
        /// Fingerprinted again around boilerplate, a document's first fingerprints less
        /// the boilerplate ones, with those added beside them, are those of
        /// `around_boilerplate`; all come instead only when a short window's hash is
        /// held twice in the document.
        #[test]
        fn the_added_fingerprints_complete_the_first_ones(
            alphabet in 2u64..60,
            doc in prop::collection::vec(0u64..1000, 0..160),
            picks in prop::collection::vec(0usize..1000, 1..8),
            (size, window, long_size) in (1usize..6, 1usize..5, 1usize..12),
        ) {
            let doc: Vec<u64> = doc.iter().map(|t| t % alphabet).collect();
            let short: Vec<u64> = shingles(&doc, size).collect();
            // Boilerplate: some of the document's own windows.
            let boiler = Boilerplate::new(picks.iter().filter_map(|&i| short.get(i % short.len().max(1)).copied()), 24);
            let (layout, long) = ((size, window), (long_size, 1));
            let want = Fingerprints::around_boilerplate(&doc, layout, long, &boiler);
            let mut distinct = short.clone();
            distinct.sort_unstable();
            distinct.dedup();
            let repeats = distinct.len() < short.len();
            match Fingerprints::again_around(&doc, layout, long, &boiler, &mut AgainScratch::default()) {
                Again::Instead(all) => {
                    prop_assert!(repeats || doc.len() < size + window - 1);
                    prop_assert_eq!(all, want);
                }
                Again::Beside(added) => prop_assert_eq!(beside(&doc, layout, &boiler, &added), sorted(&want)),
            }
        }
    }
}
