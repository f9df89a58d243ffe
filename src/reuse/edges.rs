//! The windows that a document which holds boilerplate counts by containment: those
//! near the ends of its common text that it did not pick.
//!
//! # Why
//!
//! Winnowing picks the window of least hash in every run of `w` windows. Inside text
//! that many documents share (a footer), a run of windows that lies wholly in it picks
//! the same window in every document. Near the shared text's ends a run also holds
//! windows of the text around, which differs from document to document: a window of the
//! footer there is picked in some documents and not in others, and counted only where
//! picked it stays rare long after the footer is common, pairing documents through it.
//! So a document that holds common text counts those windows too
//! ([`FingerprintIndex::counting_containment`](super::FingerprintIndex::counting_containment)).
//!
//! # Algorithm
//!
//! The document's picks that are common, by position, form runs (two at most `w`
//! windows apart are in one: winnowing picks at least one window in every `w`); the
//! windows within `w - 1` before a run's first and after its last are the ones whose
//! picking depends on the text around, and those the document did not pick are counted
//! ([`edge_windows`]). The picks are grouped by the document at which each turned common
//! ([`Boilerplate::turned_at`]) and each group's runs are taken apart
//! ([`contained_around`]), as the persistent index counts them adding documents one at
//! a time: around the text common when a document is added, then around the text that
//! turns common at each later document.
//!
//! # Cost
//!
//! A sort of the document's common picks, a search among its few edge windows for each
//! of its picks, and O(w + f) per run (its at most `2(w - 1)` windows hashed from their
//! f tokens by the rolling hash, two ranges of them, when the windows are not made
//! beforehand); nothing for a document that holds no common text.

use super::Boilerplate;
use super::long::boilerplate_runs;
use crate::shingle::{extend_shingles, shingle_hash};

/// The hashes of a document's fingerprint windows, by position: all of them made
/// beforehand (any slice of hashes), or each hashed from the token hashes when asked
/// for ([`TokenWindows`]), where only the few near the edges of common text are wanted.
pub(crate) trait WindowHashes {
    /// How many windows there are.
    fn count(&self) -> usize;
    /// The hash of window `i`, for `i < count()`.
    fn hash_at(&self, i: usize) -> u64;

    /// The hashes of windows `from..to` (`to <= count()`; none where `from >= to`),
    /// appended to `out`.
    fn extend_range(&self, from: usize, to: usize, out: &mut Vec<u64>) {
        out.extend((from..to).map(|i| self.hash_at(i)));
    }
}

impl<T: AsRef<[u64]> + ?Sized> WindowHashes for T {
    fn count(&self) -> usize {
        self.as_ref().len()
    }

    fn hash_at(&self, i: usize) -> u64 {
        self.as_ref()[i]
    }
}

/// The windows of `size` tokens of a document, as [`windows_into`](super::windows_into)
/// makes them, each hashed from the token hashes when asked for: O(size) a window, or
/// O(size) for the first of a range and O(1) for each next one.
pub(crate) struct TokenWindows<'a> {
    tokens: &'a [u64],
    size: usize,
}

impl<'a> TokenWindows<'a> {
    /// The windows of `size` tokens (at least 1) over `tokens`.
    pub(crate) fn new(tokens: &'a [u64], size: usize) -> TokenWindows<'a> {
        let usable = tokens.len().min(u32::MAX as usize);
        TokenWindows {
            tokens: &tokens[..usable],
            size: size.max(1),
        }
    }
}

impl WindowHashes for TokenWindows<'_> {
    fn count(&self) -> usize {
        match self.tokens.len() {
            0 => 0,
            n if n < self.size => 1,
            n => n - self.size + 1,
        }
    }

    fn hash_at(&self, i: usize) -> u64 {
        let end = (i + self.size).min(self.tokens.len());
        shingle_hash(&self.tokens[i..end])
    }

    /// Consecutive windows by the rolling hash: O(size) for the first, O(1) for each
    /// next one.
    fn extend_range(&self, from: usize, to: usize, out: &mut Vec<u64>) {
        if from < to {
            let end = (to + self.size - 1).min(self.tokens.len());
            extend_shingles(out, &self.tokens[from..end], self.size, |h| h);
        }
    }
}

/// The hashes (sorted, without repeats) of the windows to count by containment in a
/// document whose fingerprint windows are `windows`, that picked the windows of the
/// hashes `picked` (sorted), and whose fingerprints at `positions` (sorted) are
/// common by their pickers; `w` is the winnowing window.
pub(crate) fn edge_windows(
    windows: &(impl WindowHashes + ?Sized),
    positions: &[u32],
    w: usize,
    picked: &[u64],
) -> Vec<u64> {
    let reach = w.saturating_sub(1);
    let mut out = Vec::new();
    let mut count = |from: usize, to: usize| {
        let start = out.len();
        windows.extend_range(from, to.min(windows.count()), &mut out);
        let mut kept = start;
        for i in start..out.len() {
            if picked.binary_search(&out[i]).is_err() {
                out[kept] = out[i];
                kept += 1;
            }
        }
        out.truncate(kept);
    };
    for (first, last) in boilerplate_runs(positions, w) {
        count(first.saturating_sub(reach), first);
        count(last + 1, last + 1 + reach);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The hashes (sorted, without repeats) of the windows that document `doc` (its place
/// in corpus order) counts by containment, given its fingerprint `windows` and the
/// fingerprints it `picked` (in position order, as
/// [`picked_in`](super::Fingerprints::picked_in) gives them, winnowed `w` at a time): those at
/// the edges of its text common by pickers ([`edge_windows`]), a step at a time. Its
/// picks in `common` are grouped by the document at which each turned common
/// ([`Boilerplate::turned_at`]; its own, for those common before it), and each group's
/// edges are counted apart: as a persistent index counts them when documents are
/// added one at a time, around the text common when the document is added, and at each
/// later document where more of its text turns common, around that text.
pub(crate) fn contained_around(
    windows: &(impl WindowHashes + ?Sized),
    picked: &[(u64, u32)],
    common: &Boilerplate,
    doc: u64,
    w: usize,
) -> Vec<u64> {
    contained_at(windows, picked, &common_picks(picked, common), doc, w)
}

/// A document's pick whose fingerprint is common.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CommonPick {
    /// The document at which the fingerprint turned common ([`Boilerplate::turned_at`]).
    pub(crate) turned: u64,
    /// The pick's position.
    pub(crate) at: u32,
}

/// The document's picks (in position order) that are in `common`, in position order:
/// where its common text is, for [`contained_at`] and for its long fingerprints (one
/// lookup a pick for both).
pub(crate) fn common_picks(picked: &[(u64, u32)], common: &Boilerplate) -> Vec<CommonPick> {
    (picked.iter())
        .filter_map(|p| {
            let turned = common.turned_at(p.0)?;
            Some(CommonPick { turned, at: p.1 })
        })
        .collect()
}

/// [`contained_around`] given the document's picks that are common ([`common_picks`]).
pub(crate) fn contained_at(
    windows: &(impl WindowHashes + ?Sized),
    picked: &[(u64, u32)],
    common: &[CommonPick],
    doc: u64,
    w: usize,
) -> Vec<u64> {
    let mut steps: Vec<(u64, u32)> = (common.iter()).map(|c| (c.turned.max(doc), c.at)).collect();
    if steps.is_empty() {
        return Vec::new();
    }
    steps.sort_unstable();
    let mut out = Vec::new();
    for step in steps.chunk_by(|a, b| a.0 == b.0) {
        let positions: Vec<u32> = step.iter().map(|s| s.1).collect();
        out.append(&mut edge_windows(windows, &positions, w, &[]));
    }
    out.sort_unstable();
    out.dedup();
    // Less the windows it picked, each pick looked up among the few edge windows (not
    // the edge windows among its picks, which would sort every pick).
    let mut was_picked = vec![false; out.len()];
    for p in picked {
        if let Ok(i) = out.binary_search(&p.0) {
            was_picked[i] = true;
        }
    }
    (out.iter().zip(was_picked))
        .filter_map(|(&h, picked)| (!picked).then_some(h))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Windows `0..n`, each hashed as 100 + its index.
    fn numbered(n: u64) -> Vec<u64> {
        (100..100 + n).collect()
    }

    #[test]
    fn counts_the_unpicked_windows_within_reach_of_each_run_s_ends() {
        // w = 3: picks at 10, 12, 15 are one run (gaps of at most 3); 30 another.
        let picked = [110, 112, 115, 118, 130];
        let got = edge_windows(&numbered(40), &[10, 12, 15, 30], 3, &picked);
        // Before 10: 8, 9. After 15: 16, 17. Around 30: 28, 29, 31, 32. Window 18
        // (picked, not boilerplate) is not counted.
        assert_eq!(got, vec![108, 109, 116, 117, 128, 129, 131, 132]);
    }

    #[test]
    fn counts_the_ends_of_each_step_of_common_text_apart() {
        // Windows hashed apart in the bits a boilerplate set compares; w = 3. The picks
        // at 10 and 12 turned common at document 5, those at 14 and 16 at document 9;
        // the one at 20 is not common.
        let hash = |i: u32| u64::from(100 + i) << 32;
        let windows: Vec<u64> = (0..40).map(hash).collect();
        let picked: Vec<(u64, u32)> = [10, 12, 14, 16, 20].map(|p| (hash(p), p)).to_vec();
        let turned = [(hash(10), 5), (hash(12), 5), (hash(14), 9), (hash(16), 9)];
        let common = Boilerplate::turning_at(turned, 24);
        let at = |doc| {
            let got = contained_around(&windows, &picked, &common, doc, 3);
            got.iter()
                .map(|&h| (h >> 32) as u32 - 100)
                .collect::<Vec<u32>>()
        };
        // Added before both: each step's ends (13 is an end of both).
        assert_eq!(at(3), [8, 9, 13, 17, 18]);
        // Added after the first: the same steps (the first is common at it).
        assert_eq!(at(7), [8, 9, 13, 17, 18]);
        // Added after both: one run, 10 to 16.
        assert_eq!(at(9), [8, 9, 17, 18]);
        // Without the steps, all is common from the first document.
        let all = Boilerplate::new(turned.map(|t| t.0), 24);
        assert_eq!(contained_around(&windows, &picked, &all, 0, 3).len(), 4);
        assert!(contained_around(&windows, &picked[4..], &common, 0, 3).is_empty());
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
        /// Windows hashed one at a time from the tokens are those made all at once.
        #[test]
        fn token_windows_are_the_windows_made_at_once(
            tokens in proptest::collection::vec(any::<u64>(), 0..40),
            size in 1usize..16,
        ) {
            let mut all = Vec::new();
            crate::reuse::windows_into(&tokens, size, &mut all);
            let one = TokenWindows::new(&tokens, size);
            let each: Vec<u64> = (0..one.count()).map(|i| one.hash_at(i)).collect();
            prop_assert_eq!(&each, &all);
            // Any range of them, by the rolling hash.
            for from in 0..=one.count() {
                for to in from..=one.count() {
                    let mut range = vec![7];
                    one.extend_range(from, to, &mut range);
                    prop_assert_eq!(&range[1..], &all[from..to]);
                }
            }
        }

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
            let ws = numbered(n as u64);
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
