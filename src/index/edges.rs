//! The windows at the edges of boilerplate in a document, counted by containment.
//!
//! # Why
//!
//! Winnowing picks the window of least hash in every run of `w` windows. Inside text
//! that many documents share (a footer), a run of windows that lies wholly in it picks
//! the same window in every document, and that window becomes boilerplate once more
//! than `boilerplate_docs` documents hold it. Near the shared text's ends, a run also
//! holds windows of the text around, which differs from document to document: a window
//! of the footer there is picked in some documents and not in others. Counted only
//! where it is picked, it stays rare long after the footer is common, and pairs
//! documents through the footer. A batch run counts such windows by containment
//! ([`FingerprintIndex::counting_containment`](crate::reuse::FingerprintIndex::counting_containment)).
//! The index keeps only the windows picked, so a document that holds text common by
//! its pickers (the `index` module's docs) also writes, for every window near an end of
//! that text that it did not pick, an entry at position [`CONTAINED`]: it counts the
//! document among the window's holders, and pairs it with nobody.
//!
//! # Algorithm
//!
//! The document's fingerprints common by their pickers, by position, form runs: two that are at
//! most `w` windows apart are in one run (winnowing picks at least one window in every
//! `w`). The windows within `w - 1` before a run's first and after its last are the
//! ones whose picking depends on the text around; those the document did not pick are
//! counted.
//!
//! # Cost
//!
//! O(w) per run of common text, and at most `2(w - 1)` entries; nothing for a document
//! that holds none.

use crate::reuse::boilerplate_runs;

/// The position of an entry that counts a document as holding a window it did not
/// pick, and pairs it with nobody (no fingerprint has it: positions are window indices, fewer than
/// `u32::MAX`).
pub(super) const CONTAINED: u32 = u32::MAX;

/// The hashes (sorted, without repeats) of the windows to count by containment in a
/// document whose fingerprint windows are `windows`, that picked the windows of the
/// hashes `picked` (sorted), and whose fingerprints at `positions` (sorted) are
/// common by their pickers; `w` is the winnowing window.
pub(super) fn edge_windows(
    windows: &[u64],
    positions: &[u32],
    w: usize,
    picked: &[u64],
) -> Vec<u64> {
    let reach = w.saturating_sub(1);
    let mut out = Vec::new();
    let mut count = |from: usize, to: usize| {
        let part = windows.get(from..to.min(windows.len())).unwrap_or_default();
        let unpicked = part.iter().filter(|h| picked.binary_search(h).is_err());
        out.extend(unpicked);
    };
    for (first, last) in boilerplate_runs(positions, w) {
        count(first.saturating_sub(reach), first);
        count(last + 1, last + 1 + reach);
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Windows `0..n`, each hashed as 100 + its index.
    fn windows(n: u64) -> Vec<u64> {
        (100..100 + n).collect()
    }

    #[test]
    fn counts_the_unpicked_windows_within_reach_of_each_run_s_ends() {
        // w = 3: picks at 10, 12, 15 are one run (gaps of at most 3); 30 another.
        let picked = [110, 112, 115, 118, 130];
        let got = edge_windows(&windows(40), &[10, 12, 15, 30], 3, &picked);
        // Before 10: 8, 9. After 15: 16, 17. Around 30: 28, 29, 31, 32. Window 18
        // (picked, not boilerplate) is not counted.
        assert_eq!(got, vec![108, 109, 116, 117, 128, 129, 131, 132]);
    }

    #[test]
    fn stays_inside_the_document_and_counts_a_hash_once() {
        let ws = [7, 7, 7, 9, 7];
        assert_eq!(edge_windows(&ws, &[0], 3, &[9]), vec![7]);
        assert_eq!(edge_windows(&ws, &[4], 3, &[]), vec![7, 9]);
        assert!(edge_windows(&ws, &[], 3, &[]).is_empty());
        assert!(edge_windows(&[], &[0], 3, &[]).is_empty());
    }

    proptest! {
        /// Against a window-by-window oracle: a window is counted when it is not
        /// picked, lies within w - 1 of a boilerplate position, and no boilerplate
        /// position on its other side is within w of that one (it is outside the run).
        #[test]
        fn matches_a_window_by_window_oracle(
            n in 0usize..60,
            w in 1usize..6,
            marks in proptest::collection::vec(0usize..60, 0..8),
            picks in proptest::collection::vec(0usize..60, 0..20),
        ) {
            let ws = windows(n as u64);
            let mut positions: Vec<u32> = marks.iter().map(|&p| p as u32).collect();
            positions.sort_unstable();
            let mut picked: Vec<u64> = picks.iter().map(|&p| 100 + p as u64).collect();
            picked.extend(positions.iter().map(|&p| 100 + u64::from(p)));
            picked.sort_unstable();
            picked.dedup();
            let marked = |i: usize| positions.binary_search(&(i as u32)).is_ok();
            // Inside a run: between two boilerplate positions at most w apart.
            let inside = |i: usize| {
                let before = (i.saturating_sub(w)..i).rev().find(|&j| marked(j));
                let after = (i + 1..=i + w).find(|&j| marked(j));
                matches!((before, after), (Some(b), Some(a)) if a - b <= w)
            };
            let near = |i: usize| {
                (i.saturating_sub(w - 1)..=i + (w - 1)).any(|j| j != i && marked(j))
            };
            let expected: Vec<u64> = (0..n)
                .filter(|&i| !picked.contains(&(100 + i as u64)))
                .filter(|&i| !marked(i) && near(i) && !inside(i))
                .map(|i| 100 + i as u64)
                .collect();
            prop_assert_eq!(edge_windows(&ws, &positions, w, &picked), expected);
        }
    }
}
