//! Shared passages around known matches: chains grown from the exact runs through a
//! few anchor positions, for pairs of documents that share a passage but are otherwise
//! different. The cost follows the passages, not the documents.
//!
//! # Algorithm
//!
//! 1. Every anchor `(i, j)` with `a[i] == b[j]` grows into its maximal exact run, left
//!    and right; anchors inside a run already grown on the same diagonal are skipped.
//! 2. Every run of at least `seed` tokens that no chain holds yet grows into a chain, one
//!    run at a time: the next run is the exact match of at least `seed` tokens that
//!    starts at most `max_gap` tokens after the chain's end on both sides, the nearest
//!    (fewest differing tokens `max(ga, gb)`, then fewest skipped `ga + gb`, then smaller
//!    `ga`), grown to its maximal length; and
//!    likewise to the left, ending at most `max_gap` tokens before the chain's start.
//! 3. Chains with at least `min_tokens` matched tokens are kept one to one, the most
//!    matched tokens first: a chain that overlaps a kept one in either sequence is
//!    dropped, so every token is in at most one passage, as with [`Aligner::chains`].
//!
//! For a passage whose edits are at least `seed` tokens apart this gives the same chain
//! as [`Aligner::chains`] over the whole documents (the tests check it); the two may
//! differ where a gap could be bridged in several ways.
//!
//! # Cost
//!
//! O(A log A) to sort A anchors, then O(L + (max_gap + 1)² · r) for a chain of L tokens
//! and r runs: nothing grows with the length of the two sequences.

use super::{Aligner, Chain, Match};

impl Aligner {
    /// Edit-tolerant shared passages of `a` and `b` through `anchors`: positions `(i, j)`
    /// where the two are known to hold the same token (for example a shared
    /// [fingerprint](crate::reuse::Fingerprints)). Anchors where they differ are ignored.
    /// Passages are chains of exact runs as in [`chains`](Aligner::chains), grown from the
    /// runs through the anchors (see the module docs); sorted by position in `a`.
    ///
    /// Every exact run through an anchor that is at least `min_tokens` long is inside a
    /// returned passage unless a passage with more matched tokens overlaps it.
    ///
    /// ```
    /// let al = neardup::Aligner::new(6).unwrap();
    /// let a: Vec<u64> = (0..1000).collect();
    /// let mut b: Vec<u64> = (5000..6000).collect();
    /// b[700..710].copy_from_slice(&a[300..310]); // a[300..310] is quoted in b
    /// let chains = al.chains_around(&a, &b, [(303, 703)], 5, 12);
    /// assert_eq!(chains.len(), 1);
    /// assert_eq!((chains[0].start(), chains[0].end()), ((300, 700), (310, 710)));
    /// ```
    ///
    /// A `seed` of 0 is taken as 1.
    pub fn chains_around(
        &self,
        a: &[u64],
        b: &[u64],
        anchors: impl IntoIterator<Item = (usize, usize)>,
        seed: usize,
        max_gap: usize,
    ) -> Vec<Chain> {
        let seed = seed.clamp(1, self.min_tokens);
        let mut chains: Vec<Chain> = Vec::new();
        for run in anchor_runs(a, b, anchors) {
            if run.len < seed || chains.iter().any(|c| c.runs.contains(&run)) {
                continue;
            }
            let chain = grow(a, b, run, seed, max_gap);
            if chain.matched >= self.min_tokens {
                chains.push(chain);
            }
        }
        one_to_one(chains)
    }
}

/// The maximal exact runs through the anchors where `a` and `b` agree, each once.
fn anchor_runs(
    a: &[u64],
    b: &[u64],
    anchors: impl IntoIterator<Item = (usize, usize)>,
) -> Vec<Match> {
    let mut sorted: Vec<(usize, usize)> = anchors
        .into_iter()
        .filter(|&(i, j)| i < a.len() && j < b.len() && a[i] == b[j])
        .collect();
    // By diagonal, then position: an anchor inside the previous run is skipped.
    sort_by_diagonal(&mut sorted, a.len().max(b.len()));
    let mut runs: Vec<Match> = Vec::new();
    for (i, j) in sorted {
        if let Some(last) = runs.last()
            && last.a as i64 - last.b as i64 == i as i64 - j as i64
            && i < last.a + last.len
        {
            continue;
        }
        let left = common_suffix(&a[..i], &b[..j]);
        let right = common_prefix(&a[i..], &b[j..]);
        runs.push(Match {
            a: i - left,
            b: j - left,
            len: left + right,
        });
    }
    runs
}

fn common_prefix(x: &[u64], y: &[u64]) -> usize {
    x.iter().zip(y).take_while(|(p, q)| p == q).count()
}

fn common_suffix(x: &[u64], y: &[u64]) -> usize {
    x.iter()
        .rev()
        .zip(y.iter().rev())
        .take_while(|(p, q)| p == q)
        .count()
}

/// The chain grown from `run` to the right and to the left (see the module docs).
fn grow(a: &[u64], b: &[u64], run: Match, seed: usize, max_gap: usize) -> Chain {
    let mut right = vec![run];
    while let Some(&last) = right.last() {
        let (ea, eb) = (last.a + last.len, last.b + last.len);
        let Some((i, j)) = next_seed(a, b, (ea, eb), seed, max_gap, Direction::Right) else {
            break;
        };
        right.push(Match {
            a: i,
            b: j,
            len: common_prefix(&a[i..], &b[j..]),
        });
    }
    let mut left: Vec<Match> = Vec::new();
    loop {
        let first = left.last().copied().unwrap_or(run);
        let Some((ea, eb)) = next_seed(a, b, (first.a, first.b), seed, max_gap, Direction::Left)
        else {
            break;
        };
        let len = common_suffix(&a[..ea], &b[..eb]);
        left.push(Match {
            a: ea - len,
            b: eb - len,
            len,
        });
    }
    let mut runs = left.into_iter().rev().chain(right);
    let mut chain = Chain::new(runs.next().expect("the run itself"));
    for r in runs {
        chain.push(r);
    }
    chain
}

/// Sorts anchors `(i, j)` by diagonal `i - j`, then `i`: packed into one integer each
/// (sorting plain integers is faster than comparing pairs of keys) when the sequences,
/// of at most `len` tokens, have positions below `2^31` (a document has fewer tokens
/// than that, see the `LONG` bit of `reuse`); compared as pairs otherwise.
fn sort_by_diagonal(anchors: &mut [(usize, usize)], len: usize) {
    const BITS: u32 = 31;
    if len > 1 << BITS {
        anchors.sort_unstable_by_key(|&(i, j)| (i as i64 - j as i64, i));
        return;
    }
    // The diagonal, shifted to be positive, above the position in a.
    let pack = |(i, j): (usize, usize)| ((i as u64 + (1 << BITS) - j as u64) << BITS) | i as u64;
    let mut keys: Vec<u64> = anchors.iter().map(|&x| pack(x)).collect();
    keys.sort_unstable();
    for (x, k) in anchors.iter_mut().zip(keys) {
        let i = (k & ((1 << BITS) - 1)) as usize;
        let shifted = (k >> BITS) as usize;
        *x = (i, i + (1 << BITS) - shifted);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Right,
    Left,
}

/// The nearest seed run past `(ea, eb)` in direction `dir`, at most `max_gap` tokens
/// away on each side (nearest: fewest differing tokens, then fewest skipped, then the
/// smaller gap in `a`): to the right, where it
/// starts; to the left, where it ends.
fn next_seed(
    a: &[u64],
    b: &[u64],
    (ea, eb): (usize, usize),
    seed: usize,
    max_gap: usize,
    dir: Direction,
) -> Option<(usize, usize)> {
    // Where the seed's first token is (to the right) or its last one (to the left), `g`
    // tokens past `end`, and how many gaps fit: a side that has no room for a seed has
    // none.
    let at = |end: usize, g: usize| match dir {
        Direction::Right => end + g,
        Direction::Left => end - g - 1,
    };
    let reach = |end: usize, len: usize| {
        let room = match dir {
            Direction::Right => len
                .saturating_sub(end)
                .min((len + 1).saturating_sub(seed + end)),
            Direction::Left if end > len => 0,
            Direction::Left => end.min((end + 1).saturating_sub(seed)),
        };
        room.min(max_gap + 1)
    };
    let (na, nb) = (reach(ea, a.len()), reach(eb, b.len()));
    if na == 0 || nb == 0 {
        return None; // no room for a seed on one side (or a place past its end)
    }
    let seed_at = |ga: usize, gb: usize| {
        let (i, j) = (at(ea, ga), at(eb, gb));
        match dir {
            Direction::Right => a[i..i + seed] == b[j..j + seed],
            Direction::Left => a[i + 1 - seed..=i] == b[j + 1 - seed..=j],
        }
    };
    // A token changed, added or dropped (most gaps in copied text): the four nearest
    // pairs of gaps, in the order of `nearest_gaps`, come before all others.
    let near = [(0, 0), (0, 1), (1, 0), (1, 1)].into_iter();
    let gaps = match near
        .filter(|&(ga, gb)| ga < na && gb < nb)
        .find(|&(ga, gb)| a[at(ea, ga)] == b[at(eb, gb)] && seed_at(ga, gb))
    {
        Some(gaps) => gaps,
        None => match dir {
            Direction::Right => {
                nearest_gaps(a[ea..ea + na].iter(), b[eb..eb + nb].iter(), seed_at)?
            }
            Direction::Left => nearest_gaps(
                a[ea - na..ea].iter().rev(),
                b[eb - nb..eb].iter().rev(),
                seed_at,
            )?,
        },
    };
    let (i, j) = (at(ea, gaps.0), at(eb, gaps.1));
    Some(match dir {
        Direction::Right => (i, j),
        Direction::Left => (i + 1, j + 1),
    })
}

/// The nearest pair of gaps `(ga, gb)` (fewest differing tokens, then fewest skipped,
/// then the smaller `ga`) whose tokens, `in_a` and `in_b` in the order of their gaps,
/// agree and where `seed_at(ga, gb)`.
fn nearest_gaps<'t>(
    in_a: impl Iterator<Item = &'t u64>,
    in_b: impl Iterator<Item = &'t u64> + Clone,
    seed_at: impl Fn(usize, usize) -> bool,
) -> Option<(usize, usize)> {
    // A 64-bit mask of the top bits of the tokens of b: nearly every token of a is
    // turned away by one test instead of a comparison with each.
    let mask = in_b.clone().fold(0u64, |m, &t| m | 1 << (t >> 58));
    // Each pair of gaps has its own key, so the nearest is the same whatever order the
    // pairs are tried in.
    let key = |(ga, gb): (usize, usize)| (ga.max(gb), ga + gb, ga);
    let mut nearest: Option<(usize, usize)> = None;
    for (ga, &x) in in_a.enumerate() {
        if nearest.is_some_and(|g| key(g).0 < ga) {
            break; // every pair from here on is farther
        }
        if mask & (1 << (x >> 58)) == 0 {
            continue;
        }
        for (gb, &t) in in_b.clone().enumerate() {
            if x == t && nearest.is_none_or(|g| key((ga, gb)) < key(g)) && seed_at(ga, gb) {
                nearest = Some((ga, gb));
            }
        }
    }
    nearest
}

/// Chains kept one to one, most matched tokens first (ties: earlier in `a`), then
/// sorted by position in `a`.
fn one_to_one(mut chains: Vec<Chain>) -> Vec<Chain> {
    chains.sort_unstable_by(|x, y| y.matched.cmp(&x.matched).then(x.start().cmp(&y.start())));
    let mut kept: Vec<Chain> = Vec::new();
    for c in chains {
        let ((sa, sb), (ea, eb)) = (c.start(), c.end());
        let free = kept.iter().all(|k| {
            let ((ka, kb), (la, lb)) = (k.start(), k.end());
            (ea <= ka || la <= sa) && (eb <= kb || lb <= sb)
        });
        if free {
            kept.push(c);
        }
    }
    kept.sort_unstable_by_key(|c| c.start());
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_edited_quote_is_one_chain_from_one_anchor() {
        // A 300-token passage with a changed token every 20, found from one anchor near
        // its middle.
        let passage: Vec<u64> = (1000..1300).collect();
        let mut quoted = passage.clone();
        for i in (10..300).step_by(20) {
            quoted[i] = 90_000 + i as u64;
        }
        let a: Vec<u64> = (0..500).chain(passage).chain(2000..2500).collect();
        let b: Vec<u64> = (3000..3100).chain(quoted).chain(4000..4100).collect();
        let al = Aligner::new(25).unwrap();
        let around = al.chains_around(&a, &b, [(652, 252)], 5, 12);
        assert_eq!(around, al.chains(&a, &b, 5, 12));
        assert_eq!(around.len(), 1);
        assert_eq!(
            (around[0].start(), around[0].end()),
            ((500, 100), (800, 400))
        );
        assert_eq!((around[0].matched, around[0].differing), (285, 15));
    }

    #[test]
    fn the_nearest_seed_is_taken() {
        // After position 2 of both: a seed "7 8" at gap (1, 3) and one at gap (2, 0).
        let a = [1, 2, 0, 7, 8, 5, 6, 9];
        let b = [1, 2, 5, 6, 4, 4, 7, 8, 3];
        assert_eq!(
            next_seed(&a, &b, (2, 2), 2, 3, Direction::Right),
            Some((5, 2))
        );
        assert_eq!(next_seed(&a, &b, (2, 2), 2, 1, Direction::Right), None);
        // To the left of (7, 6): "5 6" ends at (7, 4), a gap of (0, 2).
        assert_eq!(
            next_seed(&a, &b, (7, 6), 2, 3, Direction::Left),
            Some((7, 4))
        );
        assert_eq!(next_seed(&a, &b, (7, 6), 2, 1, Direction::Left), None);
    }

    #[test]
    fn anchors_where_the_tokens_differ_are_ignored() {
        let a: Vec<u64> = (0..100).collect();
        let b: Vec<u64> = (200..300).collect();
        let al = Aligner::new(5).unwrap();
        assert!(
            al.chains_around(&a, &b, [(10, 10), (99, 99), (500, 3)], 5, 12)
                .is_empty()
        );
    }

    #[test]
    fn a_passage_quoted_twice_is_matched_once() {
        // b holds a's passage twice; one-to-one keeps one copy.
        let p: Vec<u64> = (100..140).collect();
        let a: Vec<u64> = (0..10).chain(p.iter().copied()).collect();
        let b: Vec<u64> = p
            .iter()
            .copied()
            .chain(500..520)
            .chain(p.iter().copied())
            .collect();
        let al = Aligner::new(20).unwrap();
        let got = al.chains_around(&a, &b, [(10, 0), (15, 65)], 5, 3);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].start().0, 10);
    }

    proptest! {
        /// As sorting by the pair `(i - j, i)`, small positions and ones near the limit.
        #[test]
        fn anchors_sort_by_diagonal_then_position(
            anchors in prop::collection::vec((0usize..50, 0usize..50), 0..200),
            near_limit in any::<bool>(),
        ) {
            let far = if near_limit { (1 << 31) - 50 } else { 0 };
            let mut got: Vec<(usize, usize)> = anchors.iter().map(|&(i, j)| (far + i, far + j)).collect();
            let mut want = got.clone();
            want.sort_unstable_by_key(|&(i, j)| (i as i64 - j as i64, i));
            sort_by_diagonal(&mut got, 1 << 31);
            prop_assert_eq!(got, want);
        }
        /// Around anchors placed in every shared passage, the passages are those of the
        /// whole alignment, when the two sequences share nothing else.
        #[test]
        fn around_every_passage_equals_the_whole_alignment(
            pieces in prop::collection::vec((5usize..60, 0usize..40, 0usize..40, 0usize..4), 1..5),
            edits in prop::collection::vec(0usize..1000, 0..6),
        ) {
            // Distinct filler on each side; shared passages with a few edited tokens,
            // at least `seed` tokens apart.
            let (mut a, mut b): (Vec<u64>, Vec<u64>) = (Vec::new(), Vec::new());
            let mut anchors = Vec::new();
            let mut next = 1u64;
            let mut fresh = |n: usize| -> Vec<u64> { (0..n).map(|_| { next += 1; next << 20 }).collect() };
            for (k, &(len, fa, fb, gap)) in pieces.iter().enumerate() {
                a.extend(fresh(fa));
                b.extend(fresh(fb));
                let shared: Vec<u64> = (0..len as u64).map(|i| (k as u64 + 1) << 40 | i).collect();
                let mut quoted = shared.clone();
                let mut at: Vec<usize> = edits.iter().map(|e| e % (len + 1)).filter(|&e| e >= 10 && e < len).collect();
                at.sort_unstable();
                at.dedup_by(|x, y| *x < *y + 4);
                for &e in &at {
                    quoted[e] = (e as u64 + 7) << 50;
                }
                anchors.push((a.len(), b.len()));
                a.extend(&shared);
                a.extend(fresh(gap));
                b.extend(&quoted);
            }
            let al = Aligner::new(8).unwrap();
            let whole = al.chains(&a, &b, 3, 4);
            let around = al.chains_around(&a, &b, anchors, 3, 4);
            prop_assert_eq!(around, whole);
        }

        /// The seed taken is the nearest of all those within reach, found by trying
        /// every pair of gaps.
        #[test]
        fn the_seed_taken_is_the_nearest_of_all(
            a in prop::collection::vec(0u64..3, 0..30),
            b in prop::collection::vec(0u64..3, 0..30),
            (ea, eb) in (0usize..32, 0usize..32),
            seed in 1usize..4,
            max_gap in 0usize..6,
            right in any::<bool>(),
        ) {
            // Small alphabets, spread over the top bits the mask looks at.
            let (a, b): (Vec<u64>, Vec<u64>) = (
                a.iter().map(|t| t << 61).collect(),
                b.iter().map(|t| t << 61).collect(),
            );
            let (ea, eb) = (ea.min(a.len()), eb.min(b.len()));
            let dir = if right { Direction::Right } else { Direction::Left };
            let naive = (0..=max_gap)
                .flat_map(|ga| (0..=max_gap).map(move |gb| (ga, gb)))
                .filter_map(|(ga, gb)| {
                    let (i, j) = match dir {
                        Direction::Right => (ea + ga, eb + gb),
                        Direction::Left => (ea.checked_sub(ga + seed)?, eb.checked_sub(gb + seed)?),
                    };
                    let same = i + seed <= a.len() && j + seed <= b.len()
                        && a[i..i + seed] == b[j..j + seed];
                    let at = match dir {
                        Direction::Right => (i, j),
                        Direction::Left => (i + seed, j + seed),
                    };
                    same.then_some(((ga.max(gb), ga + gb, ga), at))
                })
                .min()
                .map(|(_, at)| at);
            prop_assert_eq!(next_seed(&a, &b, (ea, eb), seed, max_gap, dir), naive);
        }
    }
}
