//! The long fingerprints that a document which holds boilerplate takes over it: what
//! [`Fingerprints::around_boilerplate`] adds to the document's first fingerprints (those
//! [`Fingerprints::new`] gave it), less their boilerplate ones.
//!
//! # Algorithm
//!
//! The boilerplate fingerprints that the document picked (the first
//! [`MAX_POSITIONS`](super::MAX_POSITIONS) positions of each hash, as its first
//! fingerprints keep them; a run has them from the picks that stage 1 kept, or picks
//! them again from the tokens, the persistent index from the runs of its keys) form
//! runs (two at most a winnowing window apart are in one), and every short window of a
//! run, or within `w - 1` windows of its ends,
//! is taken ([`around_runs`]): near the ends the windows picked depend on the text
//! around, so the documents that share the common text and the words next to it take
//! the same long windows whether or not those short windows are common. Then every long
//! window that holds one of these short windows is hashed, a range of them at a time
//! (merged where they touch): [`Fingerprints::long_at`].
//!
//! # Cost
//!
//! O(p) for p picked positions to find the runs; O(l) for each range of long windows
//! over boilerplate, l the long window's tokens and the range's windows.

use super::{Fingerprints, LONG};
use crate::shingle::shingles;

impl Fingerprints {
    /// The long fingerprints that [`around_boilerplate`](Fingerprints::around_boilerplate)
    /// takes in a document whose token hashes are `tokens`, given the ascending
    /// positions `at` of the boilerplate fingerprints it picked (a run has them from the
    /// picks, [`common_picks`](super::common_picks); the persistent index from its
    /// stored keys): every long window (`long_size` tokens) that holds a short
    /// one (`size` tokens) of their runs or within `window - 1` of their ends
    /// ([`around_runs`]). None where long windows are no longer than short ones.
    pub(crate) fn long_at(
        tokens: &[u64],
        at: &[u32],
        (size, window): (usize, usize),
        long_size: usize,
    ) -> Fingerprints {
        let mut picked = Fingerprints::long_picks_at(tokens, at, (size, window), long_size);
        Fingerprints::from_picked(&mut picked)
    }

    /// The `(hash, position | LONG)` pairs of [`long_at`](Fingerprints::long_at) (the
    /// same positions kept), in position order, for a run's grouping rows, which take a
    /// document's fingerprints in any order: no sort by hash. `seen` is working space,
    /// as for [`picked_in`](Fingerprints::picked_in).
    pub(crate) fn long_picked_at(
        tokens: &[u64],
        at: &[u32],
        layout: (usize, usize),
        long_size: usize,
        seen: &mut Vec<u64>,
    ) -> Vec<(u64, u32)> {
        let mut picked = Fingerprints::long_picks_at(tokens, at, layout, long_size);
        super::keep_first_positions(&mut picked, seen);
        picked
    }

    /// Every long window of [`long_at`](Fingerprints::long_at), in position order, with
    /// every position of a hash.
    fn long_picks_at(
        tokens: &[u64],
        at: &[u32],
        (size, window): (usize, usize),
        long_size: usize,
    ) -> Vec<(u64, u32)> {
        // (`long_windows_into` takes none either then; this returns before the runs
        // are made.)
        if at.is_empty() || long_size <= size {
            return Vec::new();
        }
        let usable = &tokens[..tokens.len().min(u32::MAX as usize)];
        let near = around_runs(at, window.max(1));
        let mut picked = Vec::new();
        long_windows_into(usable, &near, (size, long_size), &mut picked);
        picked
    }
}

/// Every position within `w - 1` of a run of the boilerplate fingerprints at
/// `positions` (sorted), `w` the winnowing window, ascending: near a run's ends the
/// windows that winnowing picks depend on the text around, so the long windows over
/// those are taken whether or not the short windows they hold are common, and two
/// documents that share the common text and the words next to it take the same ones.
pub(crate) fn around_runs(positions: &[u32], w: usize) -> Vec<u32> {
    let reach = w.saturating_sub(1);
    let mut out = Vec::new();
    for (first, last) in boilerplate_runs(positions, w) {
        let from = first
            .saturating_sub(reach)
            .max(out.last().map_or(0, |&p: &u32| p as usize + 1));
        let to = (last + reach).min(u32::MAX as usize - 1);
        out.extend((from..=to).map(|p| p as u32));
    }
    out
}

/// The runs `(first, last)` of `positions` (sorted): two at most `w` apart are in one
/// (winnowing picks at least one window in every `w`).
pub(super) fn boilerplate_runs(
    positions: &[u32],
    w: usize,
) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut k = 0;
    std::iter::from_fn(move || {
        let first = *positions.get(k)? as usize;
        let mut last = first;
        k += 1;
        while k < positions.len() && positions[k] as usize <= last + w {
            last = positions[k] as usize;
            k += 1;
        }
        Some((first, last))
    })
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
    if tokens.len() < long_size || long_size <= size {
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
    use crate::reuse::Boilerplate;
    use proptest::prelude::*;

    /// The first fingerprints of `doc`, less the boilerplate ones, with `long` beside
    /// them, as sorted `(hash, position)` pairs.
    fn beside(
        doc: &[u64],
        (size, window): (usize, usize),
        boiler: &Boilerplate,
        long: &Fingerprints,
    ) -> Vec<(u64, u32)> {
        let first = Fingerprints::new(doc, size, window);
        let mut all: Vec<(u64, u32)> = first
            .iter_raw()
            .filter(|&(h, _)| !boiler.contains(h))
            .chain(long.iter_raw())
            .collect();
        all.sort_unstable();
        all
    }

    /// The long fingerprints of `doc` as a run takes them: over the runs of the
    /// boilerplate fingerprints among its first ones.
    fn long_of(
        doc: &[u64],
        (size, window): (usize, usize),
        long_size: usize,
        boiler: &Boilerplate,
    ) -> Fingerprints {
        let mut scratch = Default::default();
        let picked = Fingerprints::picked_in(doc, size, window, &mut scratch, &mut Vec::new());
        let at: Vec<u32> = (super::super::common_picks(&picked, boiler).iter())
            .map(|c| c.at)
            .collect();
        Fingerprints::long_at(doc, &at, (size, window), long_size)
    }

    fn sorted(f: &Fingerprints) -> Vec<(u64, u32)> {
        let mut all: Vec<(u64, u32)> = f.iter_raw().collect();
        all.sort_unstable();
        all
    }

    #[test]
    fn around_a_footer_the_long_fingerprints_complete_the_first_ones() {
        // Distinct words with a footer that many documents hold in the middle: the long
        // windows that hold a short one of the run its picked ones form, or one within
        // 5 (w - 1) of its ends, are taken, and no other.
        let footer: Vec<u64> = (1000..1040).collect();
        let common = Fingerprints::new(&footer, 13, 6);
        let boiler = Boilerplate::new(common.hashes().iter().copied(), 24);
        let doc: Vec<u64> = (0..60)
            .chain(footer.iter().copied())
            .chain(60..120)
            .collect();
        assert!(boiler.holds_any(&Fingerprints::new(&doc, 13, 6)));
        let want = Fingerprints::around_boilerplate(&doc, (13, 6), (30, 1), &boiler);
        let long = long_of(&doc, (13, 6), 30, &boiler);
        assert!(long.entries().all(|e| e.2));
        // The picked boilerplate windows form one run (at most w = 6 apart); the long
        // windows hold the run and the windows within 5 of its ends. A long window
        // holds the short ones at j..=j + 17.
        let mut picked: Vec<u32> = Fingerprints::new(&doc, 13, 6)
            .iter_raw()
            .filter(|&(h, _)| boiler.contains(h))
            .map(|(_, p)| p)
            .collect();
        picked.sort_unstable();
        assert!(picked.windows(2).all(|w| w[1] - w[0] <= 6));
        let (first, last) = (picked[0], picked[picked.len() - 1]);
        let taken = |i: usize| (first as usize).saturating_sub(5) <= i && i <= last as usize + 5;
        let holds = |j: usize| (j..=j + 17).any(taken);
        let want_at: Vec<u32> = (0..doc.len() - 29)
            .filter(|&j| holds(j))
            .map(|j| j as u32 | LONG)
            .collect();
        let mut at: Vec<u32> = long.iter_raw().map(|e| e.1).collect();
        at.sort_unstable();
        assert_eq!(at, want_at);
        assert_eq!(beside(&doc, (13, 6), &boiler, &long), sorted(&want));
    }

    #[test]
    fn long_windows_take_in_the_ends_of_each_run() {
        // Runs 10..=20 (picks at most w = 6 apart) and 40..=40; w - 1 = 5 around each.
        let at = around_runs(&[10, 14, 20, 40], 6);
        let want: Vec<u32> = (5..=25).chain(35..=45).collect();
        assert_eq!(at, want);
        // Runs that come within reach of each other do not repeat a position.
        let at = around_runs(&[0, 30, 38], 6);
        let want: Vec<u32> = (0..=5).chain(25..=43).collect();
        assert_eq!(at, want);
        assert!(around_runs(&[], 6).is_empty());
        assert_eq!(around_runs(&[3], 1), [3]);
    }

    #[test]
    fn ranges_merge_where_they_touch() {
        let got: Vec<(usize, usize)> = ranges_around(&[0, 3, 4, 12, 30], 2, 20).collect();
        assert_eq!(got, [(0, 4), (10, 12)]);
    }

    proptest! {
        /// Against a position-by-position oracle: a position is taken when it lies
        /// within w - 1 of a boilerplate position, or between two at most w apart.
        #[test]
        fn long_windows_match_a_position_by_position_oracle(
            w in 1usize..8,
            marks in proptest::collection::vec(0u32..80, 0..10),
        ) {
            let mut positions = marks.clone();
            positions.sort_unstable();
            positions.dedup();
            let marked = |i: usize| positions.binary_search(&(i as u32)).is_ok();
            let near = |i: usize| (i.saturating_sub(w - 1)..=i + (w - 1)).any(marked);
            let between = |i: usize| {
                let before = (i.saturating_sub(w)..i).rev().find(|&j| marked(j));
                let after = (i + 1..=i + w).find(|&j| marked(j));
                matches!((before, after), (Some(b), Some(a)) if a - b <= w)
            };
            let expected: Vec<u32> = (0..100usize)
                .filter(|&i| near(i) || between(i))
                .map(|i| i as u32)
                .collect();
            prop_assert_eq!(around_runs(&positions, w), expected);
        }

        /// The rows a run takes (`long_picked_at`, in position order) are the long
        /// fingerprints of `long_at`: the same positions of each hash, at most
        /// MAX_POSITIONS of them, on text that repeats its phrases.
        #[test]
        fn long_picks_in_position_order_are_the_long_fingerprints(
            alphabet in 2u64..20,
            doc in prop::collection::vec(0u64..1000, 0..200),
            at in prop::collection::vec(0u32..200, 0..12),
            (size, window, long_size) in (1usize..6, 1usize..5, 1usize..12),
        ) {
            let doc: Vec<u64> = doc.iter().map(|t| t % alphabet).collect();
            let mut at = at;
            at.sort_unstable();
            at.dedup();
            let layout = (size, window);
            let mut rows = Fingerprints::long_picked_at(&doc, &at, layout, long_size, &mut Vec::new());
            prop_assert!(rows.is_sorted_by_key(|r| r.1));
            rows.sort_unstable();
            prop_assert_eq!(rows, sorted(&Fingerprints::long_at(&doc, &at, layout, long_size)));
        }

        /// A document's first fingerprints less the boilerplate ones, with its long
        /// fingerprints beside them, are those of `around_boilerplate`.
        #[test]
        fn the_long_fingerprints_complete_the_first_ones(
            alphabet in 2u64..60,
            doc in prop::collection::vec(0u64..1000, 0..160),
            picks in prop::collection::vec(0usize..1000, 1..8),
            (size, window, long_size) in (1usize..6, 1usize..5, 1usize..12),
        ) {
            let doc: Vec<u64> = doc.iter().map(|t| t % alphabet).collect();
            let short: Vec<u64> = shingles(&doc, size).collect();
            // Boilerplate: some of the document's own windows.
            let boiler = Boilerplate::new(picks.iter().filter_map(|&i| short.get(i % short.len().max(1)).copied()), 24);
            let want = Fingerprints::around_boilerplate(&doc, (size, window), (long_size, 1), &boiler);
            let long = long_of(&doc, (size, window), long_size, &boiler);
            prop_assert_eq!(beside(&doc, (size, window), &boiler, &long), sorted(&want));
        }
    }
}
