//! The exact aligner: passages two token sequences share, and passages repeated inside one.
//!
//! # Definitions
//!
//! Tokens are compared by their 64-bit normalized-token hashes; the
//! [`Detector`](crate::Detector) then verifies every reported passage token by token on the
//! normalized text. With m = `min_tokens`:
//!
//! * **Shared passages** of a and b ([`Aligner::shared`]). The candidates are the maximal
//!   exact matches: `(i, j, L)` with `a[i..i+L] == b[j..j+L]`, `L >= m`, extendable neither
//!   left nor right. They are taken greedily, longest first (ties: smaller i, then smaller
//!   j), and a candidate is kept only when its tokens in a and in b are all still unused.
//!   The result is a one-to-one alignment: every token of a and of b is in at most one
//!   passage, so a paragraph that a holds once and b twice is matched once (b's second copy
//!   shows up among b's own repeats). Adjacent paragraphs that match form one passage,
//!   because white space and punctuation are not tokens.
//! * **Repeats** inside t ([`Aligner::repeats`]). The candidates are the left-maximal
//!   matches of t with itself shifted by `d >= 1` (`t[i..i+L] == t[i+d..i+d+L]`, maximal),
//!   clipped to `min(L, d)` tokens so that the two copies do not overlap, and kept when at
//!   least m long. They are taken greedily, longest first (ties: earlier later copy, then
//!   earlier first copy); a candidate is kept only when its later copy overlaps no kept
//!   later copy. So every token is declared a copy at most once, and a passage that occurs
//!   three times gives two repeats, each naming the first occurrence.
//!
//! # Algorithm
//!
//! Seed and extend. Every window of m tokens gets a 64-bit rolling key. Two bitsets of 32
//! slots per window first let through only the windows whose key may occur twice (or in
//! both sequences; 1 in 32 of the others by chance); those are sorted (a counting pass on
//! the keys' top bits, then each bucket), and equal windows, now adjacent, are seeds.
//! The search for repeats takes the keys from its caller when it has them (a run's
//! shingle hashes, when seeds are as long as shingles). Text
//! without repeats costs two linear passes, no sort and nothing more. Only left-maximal
//! seeds start a candidate. Its length is measured token by token for up to 64 tokens
//! (most matches are shorter); a longer one is measured by a galloping search over a
//! prefix table of polynomial hashes modulo the Mersenne prime 2^61 − 1, made the first
//! time a match needs it, O(log L) however long the match, so periodic text
//! ("a a a …") stays fast. At most
//! `max_occurrences` earlier positions of one window are kept as anchors: below that bound
//! (always true for ordinary prose) the output is exactly the definition above, which the
//! tests check against a brute-force O(n·m) oracle; above it, later occurrences of that
//! window are only matched against its first `max_occurrences` ones. Of the candidates of
//! one later copy that are as long, only the one with the earliest first copy is kept
//! (the others could not be selected). Kept candidates are checked token by token before
//! they are returned.
//!
//! # Cost
//!
//! For sequences of n and p tokens: O((n + p)·(log n + c·(64 + log L))) where c ≤
//! `max_occurrences` is the number of anchors per window (0 or 1 for text without repeated
//! windows), plus O(q log q) to select among q candidates; up to 24 bytes per token of
//! working memory (window keys, and the windows kept), 24 more while the windows kept are
//! sorted, and 16 more, the prefix table, when a match is longer than 64 tokens.

mod local;

use crate::error::Error;
use std::collections::BTreeMap;

/// The default `min_tokens`.
pub const DEFAULT_MIN_TOKENS: usize = 25;
/// The default `max_occurrences`.
pub const DEFAULT_MAX_OCCURRENCES: usize = 64;

/// One aligned passage, in token positions: `a[a..a+len] == b[b..b+len]`.
///
/// For [`Aligner::repeats`], `a` is the first copy and `b` the later one (`a + len <= b`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Match {
    /// Start token in the first sequence (the first copy, for repeats).
    pub a: usize,
    /// Start token in the second sequence (the later copy, for repeats).
    pub b: usize,
    /// Number of tokens.
    pub len: usize,
}

/// An edit-tolerant passage: exact runs in order on both sides, separated by small gaps.
/// Made by [`Aligner::chains`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    /// The exact runs, in order; each starts after the previous one on both sides.
    pub runs: Vec<Match>,
    /// Tokens in the runs.
    pub matched: usize,
    /// Tokens in the gaps: for each gap, the larger of its two sides.
    pub differing: usize,
}

impl Chain {
    /// A chain of one run.
    pub fn new(run: Match) -> Chain {
        Chain {
            matched: run.len,
            runs: vec![run],
            differing: 0,
        }
    }

    /// Appends a run that starts at or after the chain's end on both sides; the gap
    /// counts as differing tokens.
    ///
    /// # Panics
    ///
    /// When `run` starts before the chain's end on either side (a caller bug).
    pub fn push(&mut self, run: Match) {
        let (end_a, end_b) = self.end();
        assert!(
            run.a >= end_a && run.b >= end_b,
            "run {run:?} overlaps the chain"
        );
        self.differing += (run.a - end_a).max(run.b - end_b);
        self.matched += run.len;
        self.runs.push(run);
    }

    /// One past the last token of the chain in each sequence.
    ///
    /// # Panics
    ///
    /// When `runs` is empty (chains made here never are).
    pub fn end(&self) -> (usize, usize) {
        let last = self.runs.last().expect("a chain has a run");
        (last.a + last.len, last.b + last.len)
    }

    /// The first token of the chain in each sequence.
    ///
    /// # Panics
    ///
    /// When `runs` is empty (chains made here never are).
    pub fn start(&self) -> (usize, usize) {
        (self.runs[0].a, self.runs[0].b)
    }
}

/// Finds shared and repeated passages. See the module docs for the exact definitions.
#[derive(Clone, Debug)]
pub struct Aligner {
    min_tokens: usize,
    max_occurrences: usize,
}

impl Aligner {
    /// An aligner that reports passages of at least `min_tokens` tokens.
    ///
    /// Errors when `min_tokens` is 0.
    pub fn new(min_tokens: usize) -> Result<Aligner, Error> {
        if min_tokens == 0 {
            return Err(Error::invalid("min_passage_tokens", "1 <= m", min_tokens));
        }
        Ok(Aligner {
            min_tokens,
            max_occurrences: DEFAULT_MAX_OCCURRENCES,
        })
    }

    /// Caps the anchors kept per window (default [`DEFAULT_MAX_OCCURRENCES`]); bounds the
    /// cost on highly repetitive text. Errors when 0.
    pub fn max_occurrences(mut self, n: usize) -> Result<Aligner, Error> {
        if n == 0 {
            return Err(Error::invalid("max_occurrences", "1 <= n", n));
        }
        self.max_occurrences = n;
        Ok(self)
    }

    /// The minimum passage length in tokens.
    pub fn min_tokens(&self) -> usize {
        self.min_tokens
    }

    /// The passages `a` and `b` share, sorted by position in `a`.
    pub fn shared(&self, a: &[u64], b: &[u64]) -> Vec<Match> {
        self.one_to_one(a, b, self.min_tokens)
    }

    /// Edit-tolerant shared passages of `a` and `b`, sorted by position in `a`.
    ///
    /// Exact runs of at least `seed` tokens, taken one to one as in
    /// [`shared`](Aligner::shared), are chained when the next run starts after the previous
    /// one in both sequences with at most `max_gap` tokens between them on each side (a
    /// changed word, a dropped or added phrase). Chains with at least `min_tokens`
    /// matching tokens are kept. With `max_gap` 0 and `seed` = `min_tokens` this is exactly
    /// [`shared`](Aligner::shared), one run per chain.
    ///
    /// A `seed` of 0 is taken as 1.
    pub fn chains(&self, a: &[u64], b: &[u64], seed: usize, max_gap: usize) -> Vec<Chain> {
        let runs = self.one_to_one(a, b, seed.clamp(1, self.min_tokens));
        let mut chains = chain_runs(runs, |c, run| {
            let (end_a, end_b) = c.end();
            run.b >= end_b && run.a - end_a <= max_gap && run.b - end_b <= max_gap
        });
        chains.retain(|c| c.matched >= self.min_tokens);
        chains
    }

    /// Maximal exact matches of at least `min` tokens, taken longest first, one to one.
    fn one_to_one(&self, a: &[u64], b: &[u64], min: usize) -> Vec<Match> {
        let m = min;
        if a.len() < m || b.len() < m {
            return Vec::new();
        }
        if a == b {
            // Identical copies: the whole is the longest match and leaves nothing else.
            return vec![Match {
                a: 0,
                b: 0,
                len: a.len(),
            }];
        }
        let (wa, wb) = common_windows(a, b, m);
        if wa.is_empty() {
            return Vec::new();
        }
        let mut measure = Measure::new(a, b);
        let mut candidates = Vec::new();
        let (mut ga, mut gb) = (
            wa.chunk_by(same_key).peekable(),
            wb.chunk_by(same_key).peekable(),
        );
        while let (Some(x), Some(y)) = (ga.peek(), gb.peek()) {
            match x[0].0.cmp(&y[0].0) {
                std::cmp::Ordering::Less => {
                    ga.next();
                }
                std::cmp::Ordering::Greater => {
                    gb.next();
                }
                std::cmp::Ordering::Equal => {
                    let anchors = &x[..x.len().min(self.max_occurrences)];
                    for &(_, j) in y.iter() {
                        let j = j as usize;
                        for &(_, i) in anchors {
                            let i = i as usize;
                            if i > 0 && j > 0 && a[i - 1] == b[j - 1] {
                                continue; // inside a longer match that starts further left
                            }
                            let max = (a.len() - i).min(b.len() - j);
                            let len = measure.common_prefix(i, j, m, max);
                            if len >= m {
                                candidates.push(Match { a: i, b: j, len });
                            }
                        }
                    }
                    ga.next();
                    gb.next();
                }
            }
        }
        let mut out = select_one_to_one(candidates);
        out.retain_mut(|c| verify(a, b, c, m));
        out
    }

    /// The passages repeated inside `t`, sorted by first copy, then later copy.
    pub fn repeats(&self, t: &[u64]) -> Vec<Match> {
        self.repeats_min(t, self.min_tokens)
    }

    /// Edit-tolerant repeats inside `t`: exact repeats of at least `seed` tokens (as
    /// [`repeats`](Aligner::repeats) finds them), chained as in
    /// [`chains`](Aligner::chains) while the first copy stays before the later one; chains
    /// with at least `min_tokens` matching tokens are kept, sorted by later copy. A `seed`
    /// of 0 is taken as 1.
    pub fn repeat_chains(&self, t: &[u64], seed: usize, max_gap: usize) -> Vec<Chain> {
        self.repeat_chains_in(t, seed, max_gap, &mut WindowScratch::default(), None)
    }

    /// [`repeat_chains`](Aligner::repeat_chains) with working space that a caller reuses
    /// across documents, and the keys of the windows of `t` when the caller has them:
    /// `(tokens a window, a hash of each window in order)`, taken when windows of that
    /// many tokens are the ones searched (the shingle hashes a signature is made of, when
    /// shingles are as long as seeds).
    pub(crate) fn repeat_chains_in(
        &self,
        t: &[u64],
        seed: usize,
        max_gap: usize,
        scratch: &mut WindowScratch,
        keys: Option<(usize, &[u64])>,
    ) -> Vec<Chain> {
        let m = seed.clamp(1, self.min_tokens);
        let keys = keys.filter(|&(len, keys)| len == m && keys.len() + m == t.len() + 1);
        let mut runs = self.repeats_min_in(t, m, scratch, keys.map(|k| k.1));
        runs.sort_unstable_by_key(|r| (r.b, r.a));
        let mut chains = chain_runs(runs, |c, run| {
            let ((_, start_b), (end_a, end_b)) = (c.start(), c.end());
            run.a >= end_a
                && run.b >= end_b
                && run.a - end_a <= max_gap
                && run.b - end_b <= max_gap
                && run.a + run.len <= start_b
        });
        chains.retain(|c| c.matched >= self.min_tokens);
        chains
    }

    fn repeats_min(&self, t: &[u64], min: usize) -> Vec<Match> {
        self.repeats_min_in(t, min, &mut WindowScratch::default(), None)
    }

    /// Exact repeats of at least `min` tokens in `t`, given the keys of its windows of
    /// `min` tokens if the caller has them (made here otherwise).
    fn repeats_min_in(
        &self,
        t: &[u64],
        min: usize,
        scratch: &mut WindowScratch,
        keys: Option<&[u64]>,
    ) -> Vec<Match> {
        let m = min;
        if t.len() < 2 * m {
            return Vec::new();
        }
        let windows = scratch.repeated(t, m, keys);
        // Most windows through the marks are there by chance: no key twice, no repeat,
        // and no prefix hashes to make.
        if !windows.windows(2).any(|w| w[0].0 == w[1].0) {
            return Vec::new();
        }
        let mut measure = Measure::new(t, t);
        let mut candidates = Vec::new();
        for group in windows.chunk_by(same_key).filter(|g| g.len() > 1) {
            // Positions ascend within a group: the anchors of a later copy are the first
            // `max_occurrences` positions before it.
            for (k, &(_, j)) in group.iter().enumerate().skip(1) {
                let j = j as usize;
                // Of the candidates of one later copy that are as long, only the one
                // with the earliest first copy can be selected: the others are the same
                // later copy (see `select_later_copies`). A text that repeats a stanza
                // thousands of times would otherwise sort and select millions.
                let from = candidates.len();
                for &(_, i) in &group[..k.min(self.max_occurrences)] {
                    let i = i as usize;
                    let d = j - i;
                    if d < m || (i > 0 && t[i - 1] == t[j - 1]) {
                        continue; // too close to make m tokens, or not left-maximal
                    }
                    let len = measure.common_prefix(i, j, m, t.len() - j).min(d);
                    // Earlier first copies come first (positions ascend in a group).
                    if len >= m && !candidates[from..].iter().any(|c: &Match| c.len == len) {
                        candidates.push(Match { a: i, b: j, len });
                    }
                }
            }
        }
        let mut out = select_later_copies(candidates);
        out.retain_mut(|c| verify(t, t, c, m));
        out
    }
}

/// A window's key and start position.
type Window = (u64, u32);

fn same_key(x: &Window, y: &Window) -> bool {
    x.0 == y.0
}

/// Two bits per slot, in two bitsets, indexed by window hash: a cheap first pass that
/// lets only the windows that may have a partner through to the sort. About 32 slots
/// per window, 8 bytes a window, so a window without a partner gets through with
/// probability about 1/32.
#[derive(Default)]
struct Marks {
    first: Vec<u64>,
    second: Vec<u64>,
    shift: u32,
}

impl Marks {
    fn new(windows: usize) -> Marks {
        let mut marks = Marks::default();
        marks.reset(windows);
        marks
    }

    /// No marks, with room for `windows` windows (the space kept from earlier use).
    fn reset(&mut self, windows: usize) {
        let size = (32 * windows.max(1)).next_power_of_two().max(64);
        for bits in [&mut self.first, &mut self.second] {
            bits.clear();
            bits.resize(size / 64, 0);
        }
        self.shift = 64 - size.trailing_zeros();
    }

    /// The word and the bit of `hash`'s slot.
    fn slot(&self, hash: u64) -> (usize, u64) {
        // The hashes are uniform, so their top bits make a fine index.
        let i = (hash >> self.shift) as usize;
        (i / 64, 1 << (i % 64))
    }

    /// Counts `hash` (up to twice), without a branch.
    fn count(&mut self, hash: u64) {
        let (w, bit) = self.slot(hash);
        self.second[w] |= self.first[w] & bit;
        self.first[w] |= bit;
    }

    /// Marks `hash` as seen in the first sequence (`second`: in the second one).
    fn mark(&mut self, hash: u64, second: bool) {
        let (w, bit) = self.slot(hash);
        let marks = if second {
            &mut self.second
        } else {
            &mut self.first
        };
        marks[w] |= bit;
    }

    /// Whether `hash`'s slot was counted twice, or marked in both sequences.
    fn both(&self, hash: u64) -> bool {
        let (w, bit) = self.slot(hash);
        self.first[w] & self.second[w] & bit != 0
    }
}

/// A 64-bit key for every window of `m` tokens, in order: a rolling polynomial modulo
/// 2^64, finished with a multiply-xorshift. Only seeds use it; lengths come from the
/// exact-arithmetic [`Prefix`].
fn window_keys(t: &[u64], m: usize) -> Vec<u64> {
    let mut keys = Vec::new();
    window_keys_into(t, m, &mut keys);
    keys
}

/// [`window_keys`] into `keys` (cleared first).
fn window_keys_into(t: &[u64], m: usize, keys: &mut Vec<u64>) {
    keys.clear();
    const B: u64 = 0x9e37_79b9_7f4a_7c15;
    let drop = (1..m).fold(1u64, |acc, _| acc.wrapping_mul(B));
    let mut poly = t[..m - 1]
        .iter()
        .fold(0u64, |acc, &x| acc.wrapping_mul(B).wrapping_add(x));
    keys.reserve(t.len() - m + 1);
    for i in 0..=t.len() - m {
        let full = poly.wrapping_mul(B).wrapping_add(t[i + m - 1]);
        poly = full.wrapping_sub(t[i].wrapping_mul(drop));
        let x = full ^ (full >> 29);
        keys.push(x.wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (x >> 32));
    }
}

/// Working space for the windows of one sequence at a time, reused from one to the
/// next.
#[derive(Default)]
pub(crate) struct WindowScratch {
    keys: Vec<u64>,
    marks: Marks,
    kept: Vec<Window>,
}

impl WindowScratch {
    /// The windows of `m` tokens of `t` whose key may occur twice, sorted; their keys
    /// are `given` (one a window, in order), or made here.
    fn repeated(&mut self, t: &[u64], m: usize, given: Option<&[u64]>) -> &[Window] {
        let keys: &[u64] = match given {
            Some(keys) => keys,
            None => {
                window_keys_into(t, m, &mut self.keys);
                &self.keys
            }
        };
        self.marks.reset(keys.len());
        for &h in keys {
            self.marks.count(h);
        }
        self.kept.clear();
        let marks = &self.marks;
        self.kept.extend(
            keys.iter()
                .enumerate()
                .filter(|&(_, &h)| marks.both(h))
                .map(|(i, &h)| (h, i as u32)),
        );
        sort_windows(&mut self.kept);
        &self.kept
    }
}

/// The windows of `a` and of `b` whose key may occur in both, each sorted.
fn common_windows(a: &[u64], b: &[u64], m: usize) -> (Vec<Window>, Vec<Window>) {
    let ha = window_keys(a, m);
    let hb = window_keys(b, m);
    let mut marks = Marks::new(ha.len() + hb.len());
    for &h in &ha {
        marks.mark(h, false);
    }
    for &h in &hb {
        marks.mark(h, true);
    }
    let mut wa = keep_marked(&ha, &marks);
    let mut wb = keep_marked(&hb, &marks);
    sort_windows(&mut wa);
    sort_windows(&mut wb);
    (wa, wb)
}

/// Sorts windows as `sort_unstable` does, in time linear in their number for keys spread
/// evenly over their top bits (window keys are hashes): one counting pass puts each in a
/// bucket by its top bits, about one window a bucket, then each bucket is sorted.
fn sort_windows(windows: &mut Vec<Window>) {
    const SMALL: usize = 64;
    let n = windows.len();
    if n < SMALL || u32::try_from(n).is_err() {
        windows.sort_unstable();
        return;
    }
    let bits = n.next_power_of_two().trailing_zeros();
    let bucket = |w: &Window| (w.0 >> (64 - bits)) as usize;
    // Where each bucket starts, then (each a cursor as its windows are placed) where it
    // ends: bucket b is `ends[b - 1]..ends[b]`.
    let mut at = vec![0u32; 1 << bits];
    for w in windows.iter() {
        at[bucket(w)] += 1;
    }
    let mut start = 0;
    for count in at.iter_mut() {
        (*count, start) = (start, start + *count);
    }
    let mut sorted = vec![(0, 0); n];
    for &w in windows.iter() {
        let cursor = &mut at[bucket(&w)];
        sorted[*cursor as usize] = w;
        *cursor += 1;
    }
    let mut from = 0;
    for &end in &at {
        let end = end as usize;
        if end - from > 1 {
            sorted[from..end].sort_unstable();
        }
        from = end;
    }
    *windows = sorted;
}

/// `(hash, position)` of the windows whose slot is marked [`both`](Marks::both) ways.
fn keep_marked(hashes: &[u64], marks: &Marks) -> Vec<(u64, u32)> {
    hashes
        .iter()
        .enumerate()
        .filter(|&(_, &h)| marks.both(h))
        .map(|(i, &h)| (h, i as u32))
        .collect()
}

/// Chains consecutive runs while `fits(chain, next run)` holds.
pub(crate) fn chain_runs(
    runs: impl IntoIterator<Item = Match>,
    fits: impl Fn(&Chain, &Match) -> bool,
) -> Vec<Chain> {
    let mut chains: Vec<Chain> = Vec::new();
    for run in runs {
        match chains.last_mut() {
            Some(c) if fits(c, &run) => c.push(run),
            _ => chains.push(Chain::new(run)),
        }
    }
    chains
}

/// Greedy one-to-one selection for [`Aligner::shared`].
fn select_one_to_one(mut candidates: Vec<Match>) -> Vec<Match> {
    longest_first(&mut candidates, |m| (m.a, m.b));
    let (mut used_a, mut used_b) = (Intervals::default(), Intervals::default());
    let mut out = Vec::new();
    for c in candidates {
        if !used_a.overlaps(c.a, c.a + c.len) && !used_b.overlaps(c.b, c.b + c.len) {
            used_a.insert(c.a, c.a + c.len);
            used_b.insert(c.b, c.b + c.len);
            out.push(c);
        }
    }
    out.sort_unstable();
    out
}

/// Greedy selection for [`Aligner::repeats`]: later copies never overlap.
fn select_later_copies(mut candidates: Vec<Match>) -> Vec<Match> {
    longest_first(&mut candidates, |m| (m.b, m.a));
    let mut used = Intervals::default();
    let mut out = Vec::new();
    for c in candidates {
        if !used.overlaps(c.b, c.b + c.len) {
            used.insert(c.b, c.b + c.len);
            out.push(c);
        }
    }
    out.sort_unstable();
    out
}

/// Sorts matches longest first, then by `then(match)`: as packed integers (sorting those
/// is faster than comparing three keys) when every position and length is below 2^32.
fn longest_first(matches: &mut [Match], then: impl Fn(&Match) -> (usize, usize)) {
    let fits = |m: &Match| {
        let (x, y) = then(m);
        u32::try_from(x | y | m.len).is_ok()
    };
    if !matches.iter().all(fits) {
        matches.sort_unstable_by(|x, y| y.len.cmp(&x.len).then(then(x).cmp(&then(y))));
        return;
    }
    // Each key is unique to its match (its length and two positions), so the order of
    // equal matches does not arise.
    let key = |m: &Match| {
        let (x, y) = then(m);
        (u32::MAX as u128 - m.len as u128) << 64 | (x as u128) << 32 | y as u128
    };
    let mut keyed: Vec<(u128, Match)> = matches.iter().map(|m| (key(m), *m)).collect();
    keyed.sort_unstable_by_key(|k| k.0);
    for (m, (_, k)) in matches.iter_mut().zip(keyed) {
        *m = k;
    }
}

/// Checks a kept candidate token by token. A window-hash collision (probability about
/// L / 2^61 per comparison) could only have made it too long: it is cut back to the exact
/// common prefix, and dropped if that is shorter than `m`.
fn verify(a: &[u64], b: &[u64], c: &mut Match, m: usize) -> bool {
    let exact = a[c.a..c.a + c.len]
        .iter()
        .zip(&b[c.b..c.b + c.len])
        .take_while(|(x, y)| x == y)
        .count();
    c.len = exact;
    exact >= m
}

/// Disjoint half-open intervals, for overlap tests in O(log n).
#[derive(Default)]
struct Intervals {
    by_start: BTreeMap<usize, usize>,
}

impl Intervals {
    fn overlaps(&self, start: usize, end: usize) -> bool {
        // The interval starting last before `end` is the only one that can overlap.
        self.by_start
            .range(..end)
            .next_back()
            .is_some_and(|(_, &e)| e > start)
    }

    fn insert(&mut self, start: usize, end: usize) {
        self.by_start.insert(start, end);
    }
}

const MERSENNE_61: u64 = (1 << 61) - 1;
/// The polynomial base: any fixed value in 2..p works; this one is odd and large.
const BASE: u64 = 0x1f35_9a6c_0b8e_d2a7 % MERSENNE_61;

fn mul_mod(a: u64, b: u64) -> u64 {
    let p = a as u128 * b as u128;
    let lo = (p as u64) & MERSENNE_61;
    let hi = (p >> 61) as u64;
    let s = lo + hi;
    if s >= MERSENNE_61 { s - MERSENNE_61 } else { s }
}

/// Prefix hashes of a token sequence: the hash of any window in O(1).
struct Prefix {
    hash: Vec<u64>,
    pow: Vec<u64>,
}

impl Prefix {
    fn new(t: &[u64]) -> Prefix {
        let mut hash = Vec::with_capacity(t.len() + 1);
        let mut pow = Vec::with_capacity(t.len() + 1);
        let (mut h, mut p) = (0u64, 1u64);
        hash.push(h);
        pow.push(p);
        for &x in t {
            h = mul_mod(h, BASE) + x % MERSENNE_61;
            if h >= MERSENNE_61 {
                h -= MERSENNE_61;
            }
            p = mul_mod(p, BASE);
            hash.push(h);
            pow.push(p);
        }
        Prefix { hash, pow }
    }

    /// The hash of the `len` tokens starting at `i`.
    fn window(&self, i: usize, len: usize) -> u64 {
        let sub = mul_mod(self.hash[i], self.pow[len]);
        let h = self.hash[i + len];
        if h >= sub {
            h - sub
        } else {
            h + MERSENNE_61 - sub
        }
    }
}

/// Tokens a match is measured by one at a time before its length is searched for on
/// prefix hashes.
const DIRECT_TOKENS: usize = 64;

/// Measures the matches between two token sequences (or one with itself): token by token
/// for up to [`DIRECT_TOKENS`], then, for the few longer ones, by galloping on prefix
/// hashes made on first need. Most matches are short, and most texts need no hashes.
struct Measure<'t> {
    x: &'t [u64],
    y: &'t [u64],
    px: Option<Prefix>,
    py: Option<Prefix>,
}

impl<'t> Measure<'t> {
    fn new(x: &'t [u64], y: &'t [u64]) -> Measure<'t> {
        Measure {
            x,
            y,
            px: None,
            py: None,
        }
    }

    /// The length of the longest common prefix of `x[i..]` and `y[j..]`, at most `max`,
    /// given that the first `known` tokens match. O(min(L, 64) + log L).
    fn common_prefix(&mut self, i: usize, j: usize, known: usize, max: usize) -> usize {
        let (x, y) = (self.x, self.y);
        let mut len = known.min(max);
        let direct = len.saturating_add(DIRECT_TOKENS).min(max);
        while len < direct && x[i + len] == y[j + len] {
            len += 1;
        }
        if len < direct || len == max {
            return len;
        }
        let px = self.px.get_or_insert_with(|| Prefix::new(x));
        if std::ptr::eq(x, y) {
            return common_prefix(px, i, px, j, len, max);
        }
        let py = self.py.get_or_insert_with(|| Prefix::new(y));
        common_prefix(px, i, py, j, len, max)
    }
}

/// The length of the longest common prefix of `x[i..]` and `y[j..]`, at most `max`, given
/// that the first `known` tokens match. Galloping, then binary search: O(log L).
fn common_prefix(x: &Prefix, i: usize, y: &Prefix, j: usize, known: usize, max: usize) -> usize {
    let equal = |len: usize| x.window(i, len) == y.window(j, len);
    let mut lo = known.min(max); // equal for lo tokens
    let mut step = 1;
    let mut hi = loop {
        let probe = lo + step;
        if probe > max {
            break max + 1;
        }
        if !equal(probe) {
            break probe;
        }
        lo = probe;
        step *= 2;
    };
    // Invariant: equal(lo), !equal(hi) (or hi past max).
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if equal(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Brute force: every left-maximal match by direct scan, then the same selection.
    fn naive_shared(a: &[u64], b: &[u64], m: usize) -> Vec<Match> {
        let mut cands = Vec::new();
        for i in 0..a.len() {
            for j in 0..b.len() {
                if i > 0 && j > 0 && a[i - 1] == b[j - 1] {
                    continue;
                }
                let len = a[i..]
                    .iter()
                    .zip(&b[j..])
                    .take_while(|(x, y)| x == y)
                    .count();
                if len >= m {
                    cands.push(Match { a: i, b: j, len });
                }
            }
        }
        select_one_to_one(cands)
    }

    fn naive_repeats(t: &[u64], m: usize) -> Vec<Match> {
        let mut cands = Vec::new();
        for i in 0..t.len() {
            for j in i + 1..t.len() {
                if i > 0 && t[i - 1] == t[j - 1] {
                    continue;
                }
                let len = t[i..]
                    .iter()
                    .zip(&t[j..])
                    .take_while(|(x, y)| x == y)
                    .count()
                    .min(j - i);
                if len >= m {
                    cands.push(Match { a: i, b: j, len });
                }
            }
        }
        select_later_copies(cands)
    }

    fn seq(s: &str) -> Vec<u64> {
        s.split_whitespace()
            .map(|w| w.as_bytes()[0] as u64)
            .collect()
    }

    #[test]
    fn finds_a_shared_paragraph() {
        let a = seq("x y a b c d e f z");
        let b = seq("q a b c d e f r s");
        let got = Aligner::new(4).unwrap().shared(&a, &b);
        assert_eq!(got, [Match { a: 2, b: 1, len: 6 }]);
        assert!(Aligner::new(7).unwrap().shared(&a, &b).is_empty());
    }

    #[test]
    fn one_to_one_takes_the_longest_first() {
        // a holds P once; b holds a shorter piece of P, then all of P.
        let a = seq("a b c d e f");
        let b = seq("a b c x a b c d e f");
        let got = Aligner::new(3).unwrap().shared(&a, &b);
        assert_eq!(got, [Match { a: 0, b: 4, len: 6 }]);
    }

    #[test]
    fn chains_bridge_small_edits() {
        // b is a with one word changed and one word dropped.
        let a = seq("q a b c d e f g h i j k l m n o p r");
        let b = seq("z a b c d X f g h i k l m n o p r");
        let al = Aligner::new(10).unwrap();
        assert!(al.shared(&a, &b).is_empty(), "no exact run of 10");
        let chains = al.chains(&a, &b, 3, 2);
        assert_eq!(chains.len(), 1);
        let c = &chains[0];
        assert_eq!(c.start(), (1, 1));
        assert_eq!(c.end(), (a.len(), b.len()));
        assert_eq!((c.matched, c.differing), (15, 2));
        // Exact-only: gaps are not bridged.
        assert!(al.chains(&a, &b, 3, 0).is_empty());
        // A gap wider than max_gap splits the chain.
        assert!(al.chains(&a, &b, 3, 0).len() <= al.chains(&a, &b, 3, 1).len());
    }

    #[test]
    fn an_edited_repeat_is_one_chain() {
        let t = seq("h a b c d e f g i j k l m x a b c d E f g i j l m");
        // Runs "a b c d" and "f g i j" repeat; "l m" is shorter than the seed.
        let al = Aligner::new(8).unwrap();
        assert!(al.repeats(&t).is_empty());
        let chains = al.repeat_chains(&t, 3, 2);
        assert_eq!(chains.len(), 1, "{chains:?}");
        let c = &chains[0];
        assert_eq!((c.start(), c.end()), ((1, 14), (10, 23)));
        assert_eq!((c.matched, c.differing), (8, 1));
    }

    #[test]
    fn working_space_reused_across_sequences_finds_the_same_chains() {
        let texts = [
            "h a b c d e f g i j k l m x a b c d E f g i j l m",
            "a b",
            "p q r s t u v w p q r s t u v w p q r s t u v w y",
            "",
            "h a b c d e f g i j k l m x a b c d E f g i j l m",
        ];
        let al = Aligner::new(4).unwrap();
        let mut scratch = WindowScratch::default();
        for text in texts {
            let t = seq(text);
            let fresh = al.repeat_chains(&t, 3, 2);
            let reused = al.repeat_chains_in(&t, 3, 2, &mut scratch, None);
            assert_eq!(format!("{reused:?}"), format!("{fresh:?}"), "{text}");
        }
        assert!(
            !al.repeat_chains_in(&seq(texts[2]), 3, 2, &mut scratch, None)
                .is_empty()
        );
    }

    #[test]
    fn a_doubled_block_is_one_repeat() {
        let t = seq("h a b c d e a b c d e");
        let got = Aligner::new(3).unwrap().repeats(&t);
        assert_eq!(got, [Match { a: 1, b: 6, len: 5 }]);
    }

    #[test]
    fn a_tripled_block_names_the_first_copy_twice() {
        let t = seq("a b c d a b c d a b c d");
        let got = Aligner::new(4).unwrap().repeats(&t);
        assert_eq!(
            got,
            [Match { a: 0, b: 4, len: 4 }, Match { a: 0, b: 8, len: 4 }]
        );
    }

    #[test]
    fn periodic_text_is_fast_and_bounded() {
        let t = vec![7u64; 200_000];
        let got = Aligner::new(25).unwrap().repeats(&t);
        // Later copies are disjoint, so at most n / m of them.
        assert!(!got.is_empty() && got.len() <= t.len() / 25);
        assert!(got.contains(&Match {
            a: 0,
            b: 100_000,
            len: 100_000
        }));
        let shared = Aligner::new(25).unwrap().shared(&t, &t[..1000]);
        assert_eq!(
            shared,
            [Match {
                a: 0,
                b: 0,
                len: 1000
            }]
        );
    }

    #[test]
    fn zero_min_tokens_is_an_error() {
        assert!(Aligner::new(0).is_err());
        assert!(Aligner::new(1).unwrap().max_occurrences(0).is_err());
    }

    #[test]
    fn mersenne_arithmetic() {
        assert_eq!(mul_mod(MERSENNE_61 - 1, MERSENNE_61 - 1), 1);
        assert_eq!(mul_mod(1 << 60, 2), 1);
    }

    fn small_seq(alphabet: u64, max_len: usize) -> impl Strategy<Value = Vec<u64>> {
        prop::collection::vec(0..alphabet, 0..max_len)
    }

    proptest! {
        /// As the comparison sort it replaces, both ways round (the selections of shared
        /// passages and of repeats), with positions that fit in 32 bits and with one that
        /// does not (the comparison sort then).
        #[test]
        fn matches_sort_longest_first_as_compared(
            matches in prop::collection::vec((0usize..40, 0usize..40, 1usize..12), 0..200),
            huge in any::<bool>(),
        ) {
            let mut matches: Vec<Match> = matches.iter().map(|&(a, b, len)| Match { a, b, len }).collect();
            if huge && let Some(m) = matches.first_mut() {
                m.a += 1 << 40;
            }
            type Then = fn(&Match) -> (usize, usize);
            let ways: [Then; 2] = [|m| (m.a, m.b), |m| (m.b, m.a)];
            for then in ways {
                let mut want = matches.clone();
                want.sort_unstable_by(|x, y| y.len.cmp(&x.len).then(then(x).cmp(&then(y))));
                let mut got = matches.clone();
                longest_first(&mut got, then);
                prop_assert_eq!(got, want);
            }
        }

        /// As `sort_unstable`: keys spread over the top bits, or crowded into a few
        /// buckets (shifted right), or repeated.
        #[test]
        fn windows_sort_as_pairs_do(
            keys in prop::collection::vec(any::<u64>(), 0..600),
            crowd in 0u32..64,
            repeat in 1u64..4,
        ) {
            let mut windows: Vec<Window> = (keys.iter().enumerate())
                .map(|(i, &k)| ((k >> crowd) / repeat * repeat, (i as u32).wrapping_mul(2_654_435_761)))
                .collect();
            let mut want = windows.clone();
            want.sort_unstable();
            sort_windows(&mut windows);
            prop_assert_eq!(windows, want);
        }

        #[test]
        fn shared_equals_the_naive_oracle(
            a in small_seq(3, 60),
            b in small_seq(3, 60),
            m in 1usize..6,
        ) {
            let fast = Aligner::new(m).unwrap().shared(&a, &b);
            prop_assert_eq!(fast, naive_shared(&a, &b, m));
        }

        /// A passage planted in two texts is covered by one reported passage. Its words
        /// are drawn apart from the texts' (50 and up): planted words that also occur
        /// next to each other elsewhere could take part in a longer run, chosen first,
        /// that claims one of the planted copies (a run of the seeds 22, 3 did).
        #[test]
        fn shared_finds_a_planted_passage(
            a in small_seq(50, 80),
            b in small_seq(50, 80),
            planted in small_seq(1000, 60),
            m in 1usize..20,
        ) {
            let planted: Vec<u64> = planted.iter().map(|w| w + 50).collect();
            let (mut x, mut y) = (a.clone(), b.clone());
            let (ia, ib) = (a.len() / 2, b.len() / 3);
            x.splice(ia..ia, planted.iter().copied());
            y.splice(ib..ib, planted.iter().copied());
            let fast = Aligner::new(m).unwrap().shared(&x, &y);
            prop_assert_eq!(&fast, &naive_shared(&x, &y, m));
            if planted.len() >= m {
                // Some passage covers the planted one on both sides.
                prop_assert!(fast.iter().any(|p| p.a <= ia && ia + planted.len() <= p.a + p.len
                    && p.b <= ib && ib + planted.len() <= p.b + p.len));
            }
        }

        /// With no gap allowed and seeds of full length, chains are the exact passages.
        #[test]
        fn exact_chains_are_the_shared_passages(
            a in small_seq(3, 60),
            b in small_seq(3, 60),
            m in 1usize..6,
        ) {
            let al = Aligner::new(m).unwrap();
            let chains: Vec<Match> = al.chains(&a, &b, m, 0).into_iter()
                .flat_map(|c| { assert_eq!(c.runs.len(), 1); c.runs }).collect();
            prop_assert_eq!(chains, al.shared(&a, &b));
        }

        /// A passage edited by substitutions at least `spacing` tokens apart comes out as
        /// one chain covering it, with the substituted tokens counted as differing.
        #[test]
        fn an_edited_passage_is_one_chain(
            head in small_seq(1000, 20),
            len in 40usize..120,
            salt in 0u64..1000,
            spacing in 8usize..20,
            offset in 0usize..8,
        ) {
            // Distinct tokens, so that the passage matches itself in one way only.
            let passage: Vec<u64> = (0..len as u64).map(|i| 1000 + salt + i).collect();
            let mut edited = passage.clone();
            let mut changed = 0;
            for i in (offset..edited.len()).step_by(spacing) {
                edited[i] = 200_000 + i as u64;
                changed += 1;
            }
            let a: Vec<u64> = head.iter().chain(&passage).copied().collect();
            let b: Vec<u64> = edited.clone();
            let chains = Aligner::new(20).unwrap().chains(&a, &b, 5, 3);
            prop_assert_eq!(chains.len(), 1, "{:?}", chains);
            let c = &chains[0];
            // The chain spans the passage, short of edits at its very ends.
            let (sa, sb) = c.start();
            let (ea, eb) = c.end();
            prop_assert!(sb <= offset + 1 && eb + spacing > b.len());
            prop_assert_eq!(sa - head.len(), sb);
            prop_assert_eq!(ea - head.len(), eb);
            prop_assert!(c.differing <= changed);
            prop_assert_eq!(c.matched + c.differing, eb - sb);
        }

        #[test]
        fn repeats_equal_the_naive_oracle(t in small_seq(3, 60), m in 1usize..6) {
            let fast = Aligner::new(m).unwrap().repeats(&t);
            prop_assert_eq!(fast, naive_repeats(&t, m));
        }

        /// Matches longer than [`DIRECT_TOKENS`] are measured on prefix hashes: a block
        /// of up to 200 tokens, twice in one text and once in another, with some of its
        /// tokens changed in one copy. (The alphabet is large enough that no window
        /// occurs more than [`DEFAULT_MAX_OCCURRENCES`] times, where the oracle, which
        /// has no cap, would differ.)
        #[test]
        fn long_matches_equal_the_naive_oracle(
            block in small_seq(20, 200),
            changes in prop::collection::vec((0usize..200, 0u64..20), 0..3),
            head in small_seq(20, 20),
            m in 2usize..12,
        ) {
            let mut copy = block.clone();
            for &(i, v) in &changes {
                if let Some(t) = copy.get_mut(i) {
                    *t = v;
                }
            }
            let t: Vec<u64> = head.iter().chain(&block).chain(&head).chain(&copy).copied().collect();
            let al = Aligner::new(m).unwrap();
            prop_assert_eq!(al.repeats(&t), naive_repeats(&t, m));
            prop_assert_eq!(al.shared(&t, &block), naive_shared(&t, &block, m));
        }

        /// Head and middle use other tokens than the block, so the block's two copies
        /// are a maximal match (with shared tokens, periodic text can split them).
        #[test]
        fn repeats_find_a_doubled_block(
            head in small_seq(1000, 30),
            block in prop::collection::vec(1000..2000u64, 0..40),
            mid in small_seq(1000, 10),
            m in 1usize..10,
        ) {
            let t: Vec<u64> = head.iter().chain(&block).chain(&mid).chain(&block).copied().collect();
            let fast = Aligner::new(m).unwrap().repeats(&t);
            prop_assert_eq!(&fast, &naive_repeats(&t, m));
            for r in &fast {
                prop_assert!(r.a + r.len <= r.b);
                prop_assert_eq!(&t[r.a..r.a + r.len], &t[r.b..r.b + r.len]);
            }
            if block.len() >= m {
                let second = head.len() + block.len() + mid.len();
                prop_assert!(fast.iter().any(|r| r.b <= second && second + block.len() <= r.b + r.len));
            }
        }
    }
}
