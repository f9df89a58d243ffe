//! Passage reuse across documents, whatever their overall similarity: winnowed
//! fingerprints, an inverted index of who holds them, the document pairs worth aligning,
//! and groups of passage occurrences.
//!
//! # Algorithm
//!
//! Winnowing (Schleimer, Wilkerson & Aiken 2003, "Winnowing: local algorithms for
//! document fingerprinting") over long windows. Every run of f consecutive tokens of a
//! document is hashed ([`crate::shingle::shingle_hash`] of the f tokens); in every window
//! of w consecutive such hashes the smallest is selected (the rightmost on ties) and
//! recorded once, with the position of its first token ([`Fingerprints`]). Fingerprint
//! density is about 2/(w+1) per token.
//!
//! The fingerprint length is decoupled from the near-duplicate shingle size: for a
//! guaranteed length t, [`layout`] gives f = ⌈t/2⌉ tokens and w = ⌈(t - f)/2⌉ (13 and 6
//! for the default t = 25). Thirteen words are long enough that documents rarely share
//! them by chance, and a pair is aligned only when it shares two fingerprints in a
//! consistent order ([`consistent`]): a stock phrase held by many documents proposes
//! nothing.
//!
//! **Guarantee.** Two documents that share a run of at least `t >= 2w + f - 1` identical
//! normalized tokens share two fingerprints on one diagonal, at most w tokens apart: every
//! window inside the run selects the same position in both documents, and the run holds
//! two disjoint windows. The pair is aligned unless those fingerprints are boilerplate
//! (below), and the aligner finds the passages around the shared fingerprints
//! ([`Aligner::chains_around`](crate::Aligner::chains_around)).
//!
//! **Boilerplate.** A fingerprint held by more than `max_docs` documents (a footer, a
//! licence) proposes no pair and seeds no passage; such fingerprints are counted
//! instead. A document that holds boilerplate also takes long windows over it (over the
//! runs of the boilerplate fingerprints it picked, and `w - 1` windows past their ends:
//! [`Fingerprints::around_boilerplate`]; [`long_layout`], 30 tokens by default; one is
//! enough to align a pair): a run of rare length made of common phrases is caught, and
//! so is rare text next to common text where two documents share 30 tokens across the
//! edge. Short windows are not winnowed again with the boilerplate ones masked: that
//! would also catch runs of 25 to 29 tokens that end in common text, but a persistent
//! index ([`crate::index`]), which decides boilerplate as documents come, cannot take
//! that look the same way, and a batch run takes the fingerprints the index takes. A
//! passage seeded
//! by a rare fingerprint runs on through any boilerplate the two documents share next
//! to it.
//!
//! **Linear in how many share a passage.** The first [`SMALL_GROUP`] documents (in
//! corpus order) that hold a fingerprint propose all their pairs, and the first of them
//! is also paired with each later holder: a star ([`FingerprintIndex`]). The passage
//! groups below join the copies. Which pairs a document is proposed in depends only on
//! the documents before it, so a stream of documents (the index) proposes the same pairs
//! as a batch.
//!
//! **Groups.** Every reported passage joins two occurrences (document, byte span).
//! Occurrences in one document that overlap are one occurrence; connected occurrences
//! form a group, listed in corpus order, then by position: the first is the copy to keep.
//!
//! # Cost
//!
//! For n documents of t tokens and F fingerprints (about 2t/(w+1) per document, 12 bytes
//! each): O(t) per document to hash and winnow; O(F) to group them (a radix sort of
//! their top bytes and an insertion sort; 12
//! bytes a fingerprint while grouped, 8 without positions, and a bucket's worth of spare
//! space per thread); at most `SMALL_GROUP²/2 + n`
//! pairs per fingerprint held by n documents; each pair aligned in time proportional to
//! the text around its shared fingerprints.

use crate::cluster::UnionFind;
use crate::corpus::DocId;
use crate::text::Span;

mod edges;
mod long;
mod rows;
pub(crate) use edges::{
    TokenWindows, WindowHashes, common_picks, contained_around, contained_at, edge_windows,
};
pub(crate) use long::around_runs;
pub(crate) use rows::PrintRows;

/// The default number of documents above which a fingerprint counts as boilerplate.
pub const DEFAULT_MAX_DOCS: usize = 50;

/// The long fingerprint layout for a guaranteed length of `t` tokens: every window of
/// `⌈1.2·t⌉` tokens (30 for the default t = 25; at most
/// [`MAX_SHINGLE_SIZE`](crate::shingle::MAX_SHINGLE_SIZE)), winnowed 1 at a time, that is
/// every one of them. Long fingerprints are taken only over boilerplate (see
/// [`Fingerprints::around_boilerplate`]): there a run is rare only as a whole, and every
/// long window of it is a fingerprint, so a run of common phrases that only a few
/// documents hold in that order is found as soon as one of its long windows is held by
/// at most `max_docs` documents. Returns `(f, w)`.
///
/// ```
/// assert_eq!(neardup::reuse::long_layout(25), (30, 1));
/// ```
pub fn long_layout(t: usize) -> (usize, usize) {
    let f = (t.max(2) * 6)
        .div_ceil(5)
        .min(crate::shingle::MAX_SHINGLE_SIZE);
    (f, 1)
}

/// The fingerprint layout for a guaranteed length of `t` tokens (taken as at least 2):
/// windows of f = ⌈t/2⌉ tokens (at most [`MAX_SHINGLE_SIZE`](crate::shingle::MAX_SHINGLE_SIZE)),
/// winnowed w = ⌊(t - f + 1)/2⌋ at a time, so that a shared
/// run of t tokens holds two disjoint winnowing windows, `2w + f - 1 <= t`, and therefore
/// two shared fingerprints (see [`consistent`]). Returns `(f, w)`.
///
/// ```
/// assert_eq!(neardup::reuse::layout(25), (13, 6));
/// assert_eq!(neardup::reuse::layout(2), (1, 1));
/// ```
pub fn layout(t: usize) -> (usize, usize) {
    let t = t.max(2);
    let f = t.div_ceil(2).min(crate::shingle::MAX_SHINGLE_SIZE);
    (f, (t - f).div_ceil(2).max(1))
}

/// The hashes of every window of `size` tokens of a document whose token hashes are
/// `token_hashes`, in order, into `out` (cleared first): the windows fingerprints are
/// picked from, a fingerprint's position being its window's index.
pub(crate) fn windows_into(token_hashes: &[u64], size: usize, out: &mut Vec<u64>) {
    // Positions are u32; a document is at most u32::MAX bytes, so this never cuts.
    let usable = token_hashes.len().min(u32::MAX as usize);
    out.clear();
    crate::shingle::extend_shingles(out, &token_hashes[..usable], size, |h| h);
}

/// Winnows `hashes` with a window of `w`: the selected hashes, each with its position,
/// in order. A sequence shorter than the window selects its minimum once.
///
/// ```
/// let hashes = [5, 3, 8, 3, 9, 1, 7];
/// let picked = neardup::reuse::winnow(&hashes, 3);
/// assert_eq!(picked, [(3, 1), (3, 3), (1, 5)]);
/// ```
pub fn winnow(hashes: &[u64], w: usize) -> Vec<(u64, u32)> {
    let mut out = Vec::new();
    winnow_into(hashes, w, &mut out);
    out
}

/// [`winnow`] over the windows where `eligible` holds, into `out` (cleared first), given
/// `masked`: the hashes with those of the other windows replaced by `u64::MAX`. The others
/// are never selected, and a window of w that holds none selects nothing.
fn winnow_eligible_into(
    masked: &[u64],
    w: usize,
    eligible: impl Fn(usize) -> bool,
    out: &mut Vec<(u64, u32)>,
) {
    winnow_into(masked, w, out);
    // A window left out has the largest hash, so it is selected only where its whole
    // window was left out (or, about once in 2^64, where an eligible one hashes to it).
    out.retain(|&(_, pos)| eligible(pos as usize));
}

/// [`winnow`] into `out` (cleared first). The minimum is kept until it leaves the window,
/// then the window is scanned again: O(n) for hashes in random order, O(n·w) at worst.
/// A window's selection is new where its last hash is at most the minimum (which then
/// is the rightmost smallest, whether or not the minimum has left) or where the minimum
/// has left; otherwise it is the minimum, selected already.
fn winnow_into(hashes: &[u64], w: usize, out: &mut Vec<(u64, u32)>) {
    out.clear();
    if hashes.is_empty() {
        return;
    }
    let w = w.clamp(1, hashes.len());
    let mut min = rightmost_min(&hashes[..w]);
    let mut value = hashes[min];
    out.push((value, min as u32));
    for (end, &h) in hashes.iter().enumerate().skip(w) {
        if h <= value {
            (min, value) = (end, h);
        } else if min + w <= end {
            let start = end + 1 - w;
            min = start + rightmost_min(&hashes[start..=end]);
            value = hashes[min];
        } else {
            continue;
        }
        out.push((value, min as u32));
    }
}

/// The windows of `size` tokens of a document whose token hashes are `token_hashes`,
/// into `windows`, and those that winnowing `window` at a time selects (with their
/// positions, ascending) into `picked`; false, with neither made, when the document is
/// shorter than one winnowing window.
fn pick_into(
    token_hashes: &[u64],
    size: usize,
    window: usize,
    (windows, picked): &mut (Vec<u64>, Vec<(u64, u32)>),
) -> bool {
    let window = window.max(1);
    if token_hashes.len() < size + window - 1 {
        return false;
    }
    windows_into(token_hashes, size, windows);
    winnow_into(windows, window, picked);
    true
}

/// The index of the rightmost smallest of `values` (not empty): the one winnowing
/// selects.
fn rightmost_min(values: &[u64]) -> usize {
    let mut m = 0;
    for (i, &v) in values.iter().enumerate().skip(1) {
        if v <= values[m] {
            m = i;
        }
    }
    m
}

/// Sorts a document's selected `(hash, position)` pairs: a counting sort by the top byte
/// of the hash (hashes are uniform, so a handful land in each of the 256 buckets), then an
/// insertion sort of the nearly sorted result: faster than a comparison sort for the
/// hundred or so fingerprints of a short document. Short lists (under 32), long ones
/// (over 2,048), and hashes crowded in a bucket are sorted by comparison.
fn sort_picked(picked: &mut [(u64, u32)]) {
    if !(32..=2048).contains(&picked.len()) {
        picked.sort_unstable();
        return;
    }
    let mut starts = [0u32; 257];
    for p in picked.iter() {
        starts[(p.0 >> 56) as usize + 1] += 1;
    }
    // Hashes crowded into a few buckets (not what shingle hashes do) would make the
    // insertion sort quadratic.
    if starts.iter().any(|&n| n > 64) {
        picked.sort_unstable();
        return;
    }
    for b in 1..starts.len() {
        starts[b] += starts[b - 1];
    }
    let mut sorted = vec![(0u64, 0u32); picked.len()];
    for &p in picked.iter() {
        let b = (p.0 >> 56) as usize;
        sorted[starts[b] as usize] = p;
        starts[b] += 1;
    }
    for i in 1..sorted.len() {
        let mut j = i;
        while j > 0 && sorted[j - 1] > sorted[j] {
            sorted.swap(j - 1, j);
            j -= 1;
        }
    }
    picked.copy_from_slice(&sorted);
}

/// `counts[i]`: how many of `flags[..i]` equal `value` (one more entry than flags).
fn prefix_counts(flags: &[bool], value: bool) -> Vec<u32> {
    let mut counts = Vec::with_capacity(flags.len() + 1);
    counts.push(0u32);
    for &f in flags {
        counts.push(counts[counts.len() - 1] + u32::from(f == value));
    }
    counts
}

/// One document's passage fingerprints: winnowed hashes of `size`-token windows, sorted by
/// hash, each with the token position where it was selected (a hash selected at several
/// positions keeps its first [`MAX_POSITIONS`]). Plain, stable values.
///
/// ```
/// use neardup::reuse::Fingerprints;
/// use neardup::text::tokens;
/// let hashes = |t: &str| tokens(t.as_bytes()).map(|t| t.hash).collect::<Vec<u64>>();
/// let a = hashes("one two three four five six seven eight nine ten");
/// let b = hashes("zero one two three four five six seven eight nine");
/// // Windows of 3 tokens, winnowed 4 at a time: any shared run of 6 tokens is caught.
/// let (fa, fb) = (Fingerprints::new(&a, 3, 4), Fingerprints::new(&b, 3, 4));
/// let shared = fa.shared(&fb);
/// assert!(!shared.is_empty());
/// for (i, j) in shared {
///     assert_eq!(a[i as usize..i as usize + 3], b[j as usize..j as usize + 3]);
/// }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fingerprints {
    hashes: Box<[u64]>,
    /// Token positions; [`LONG`] marks a long fingerprint.
    positions: Box<[u32]>,
}

/// The most positions a document keeps for one fingerprint hash (a phrase it repeats).
pub const MAX_POSITIONS: usize = 4;

/// Slots of the bitmap [`keep_first_positions`] marks hashes in: a document's hundred or
/// so picks land in one slot twice in a few documents out of a hundred (one with a
/// thousand picks or more nearly always does, and takes the count).
const SEEN_SLOTS: usize = 1 << 16;

/// Keeps, of `picked` (positions ascending), the first [`MAX_POSITIONS`] positions of
/// each hash, as [`Fingerprints::from_picked`] does. Most documents pick no hash twice:
/// a bitmap of hash slots (`seen`, all clear before and after) tells so without counting
/// each hash's positions.
fn keep_first_positions(picked: &mut Vec<(u64, u32)>, seen: &mut Vec<u64>) {
    seen.resize(SEEN_SLOTS / 64, 0);
    let slot = |h: u64| (h >> (64 - SEEN_SLOTS.trailing_zeros())) as usize;
    let mut twice = false;
    for &(h, _) in picked.iter() {
        let (word, bit) = (slot(h) / 64, 1u64 << (slot(h) % 64));
        twice |= seen[word] & bit != 0;
        seen[word] |= bit;
    }
    for &(h, _) in picked.iter() {
        seen[slot(h) / 64] = 0;
    }
    if !twice {
        return;
    }
    // Each hash's positions counted as they come, in a table of at least twice as many
    // slots as picks (open addressing from the hash's low bits: winnowing keeps the
    // smallest hash of each window, so the top bits crowd: indexed by them, the table
    // made the run on the copyright files take 4.5 times the instructions; a count of 0
    // is a free slot): no sort. (The bitmap above is only a first test: indexed by
    // the low bits instead, the run took as many instructions.)
    let slots = (2 * picked.len()).next_power_of_two();
    let mut counts: Vec<(u64, u32)> = vec![(0, 0); slots];
    picked.retain(|&(h, _)| {
        let mut i = h as usize & (slots - 1);
        loop {
            match &mut counts[i] {
                (_, n @ 0) => {
                    *n = 1;
                    counts[i].0 = h;
                    return true;
                }
                (x, n) if *x == h => {
                    *n += 1;
                    return *n as usize <= MAX_POSITIONS;
                }
                _ => i = (i + 1) & (slots - 1),
            }
        }
    });
}

/// The bit of a position that marks a long fingerprint. A document is at most u32::MAX
/// bytes, so it has fewer than 2^31 tokens and the bit is free.
const LONG: u32 = 1 << 31;

impl Fingerprints {
    /// The fingerprints of a document given its token hashes: windows of `size` tokens,
    /// winnowed `window` at a time. A document with fewer than `size + window - 1` tokens
    /// can hold no run of the guaranteed length and has none.
    ///
    /// # Panics
    ///
    /// When `size` is 0 or larger than [`crate::shingle::MAX_SHINGLE_SIZE`] (a caller bug).
    pub fn new(token_hashes: &[u64], size: usize, window: usize) -> Fingerprints {
        Fingerprints::new_in(token_hashes, size, window, &mut Default::default())
    }

    /// The fingerprints of a document that holds `boilerplate` (windows of `layout.0`
    /// tokens held by too many documents), taken again so that a run of common text that
    /// few documents hold in that order is still caught:
    ///
    /// * the document's own fingerprints ([`new`](Fingerprints::new) with `layout`: size,
    ///   winnowing window), less the boilerplate ones;
    /// * long windows (`long`: size, winnowing window, as [`long_layout`] gives them)
    ///   selected among those that hold a short window of a run of the boilerplate
    ///   fingerprints the document picked (two at most `window` apart are in one run;
    ///   the first [`MAX_POSITIONS`] positions of a hash, as [`new`](Fingerprints::new)
    ///   keeps them), or within `window - 1` of its ends: a run of rare length made of
    ///   common text (each short window held by many documents, the whole run by few),
    ///   or common text with rare text next to it, is caught by them. Long and short
    ///   windows hash differently; none is taken where long windows are no longer than
    ///   short ones.
    ///
    /// Which long windows are eligible depends only on their text and on the text
    /// within a winnowing window of it, so two documents that share a run select the
    /// same long fingerprints inside it, but for the winnowing window's reach at its ends.
    ///
    /// # Panics
    ///
    /// As [`new`](Fingerprints::new), for either size.
    pub fn around_boilerplate(
        token_hashes: &[u64],
        (size, window): (usize, usize),
        (long_size, long_window): (usize, usize),
        boilerplate: &Boilerplate,
    ) -> Fingerprints {
        let usable = token_hashes.len().min(u32::MAX as usize);
        let tokens = &token_hashes[..usable];
        let own = Fingerprints::new(tokens, size, window);
        let (mut all, mut picked): (Vec<(u64, u32)>, Vec<u32>) = (Vec::new(), Vec::new());
        for (h, p) in own.iter_raw() {
            if boilerplate.contains(h) {
                picked.push(p);
            } else {
                all.push((h, p));
            }
        }
        if usable >= long_size + long_window.max(1) - 1 && long_size > size {
            // The short windows a long one may hold: those of a run of the boilerplate
            // ones the document picked, or near its ends.
            let mut eligible = vec![false; usable + 1 - size];
            picked.sort_unstable();
            for p in around_runs(&picked, window.max(1)) {
                if let Some(e) = eligible.get_mut(p as usize) {
                    *e = true;
                }
            }
            let held = prefix_counts(&eligible, true);
            // Long window j holds the short windows j ..= j + long_size - size.
            let holds_eligible = |j: usize| {
                let end = (j + long_size - size + 1).min(eligible.len());
                held[end] > held[j.min(end)]
            };
            let long = crate::shingle::shingles(tokens, long_size);
            if long_window <= 1 {
                // Winnowed one at a time, every eligible window is selected.
                all.extend(
                    long.enumerate()
                        .filter(|&(j, _)| holds_eligible(j))
                        .map(|(j, h)| (h, j as u32 | LONG)),
                );
            } else {
                let masked: Vec<u64> = long
                    .enumerate()
                    .map(|(j, h)| if holds_eligible(j) { h } else { u64::MAX })
                    .collect();
                let mut picked = Vec::new();
                winnow_eligible_into(&masked, long_window, holds_eligible, &mut picked);
                all.extend(picked.iter().map(|&(h, p)| (h, p | LONG)));
            }
        }
        Fingerprints::from_picked(&mut all)
    }

    /// Sorted by hash, one position (the first) per hash.
    fn from_picked(picked: &mut [(u64, u32)]) -> Fingerprints {
        sort_picked(picked);
        let mut out = Fingerprints::default();
        let (mut hashes, mut positions) = (
            Vec::with_capacity(picked.len()),
            Vec::with_capacity(picked.len()),
        );
        for same in picked.chunk_by(|x, y| x.0 == y.0) {
            for &(h, p) in same.iter().take(MAX_POSITIONS) {
                hashes.push(h);
                positions.push(p);
            }
        }
        out.hashes = hashes.into();
        out.positions = positions.into();
        out
    }

    /// [`new`](Fingerprints::new) with working space that a caller reuses across
    /// documents.
    pub(crate) fn new_in(
        token_hashes: &[u64],
        size: usize,
        window: usize,
        scratch: &mut (Vec<u64>, Vec<(u64, u32)>),
    ) -> Fingerprints {
        if !pick_into(token_hashes, size, window, scratch) {
            return Fingerprints::default();
        }
        // The working space stays the caller's: only the result (and a sort's scratch)
        // is allocated.
        Fingerprints::from_picked(&mut scratch.1)
    }

    /// The `(hash, position)` pairs of [`new`](Fingerprints::new) (the same positions
    /// kept), in position order: for a run, whose grouping rows take a document's
    /// fingerprints in any order, so that they need no sort. `seen` is working space
    /// (a bitmap of hash slots, all clear before and after).
    pub(crate) fn picked_in(
        token_hashes: &[u64],
        size: usize,
        window: usize,
        scratch: &mut (Vec<u64>, Vec<(u64, u32)>),
        seen: &mut Vec<u64>,
    ) -> Vec<(u64, u32)> {
        if !pick_into(token_hashes, size, window, scratch) {
            return Vec::new();
        }
        keep_first_positions(&mut scratch.1, seen);
        scratch.1.to_vec()
    }

    /// The number of fingerprints (a hash counts once per position kept).
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The fingerprint hashes, sorted ascending (a hash repeats once per position kept).
    pub fn hashes(&self) -> &[u64] {
        &self.hashes
    }

    /// `(hash, position)` pairs, by hash; long fingerprints too.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (u64, u32)> + '_ {
        self.iter_raw().map(|(h, p)| (h, p & !LONG))
    }

    /// `(hash, position, long)` triples, by hash: `long` marks a long fingerprint (see
    /// [`around_boilerplate`](Fingerprints::around_boilerplate)), which alone is enough
    /// to align a pair ([`consistent`]).
    pub fn entries(&self) -> impl ExactSizeIterator<Item = (u64, u32, bool)> + '_ {
        self.iter_raw().map(|(h, p)| (h, p & !LONG, p & LONG != 0))
    }

    /// `(hash, position)` pairs with [`LONG`] marking long fingerprints.
    pub(crate) fn iter_raw(&self) -> impl ExactSizeIterator<Item = (u64, u32)> + '_ {
        self.hashes
            .iter()
            .copied()
            .zip(self.positions.iter().copied())
    }

    /// The positions of the fingerprints both documents hold: `(position here, position
    /// in other)`, every combination of the positions of one hash, by hash. O(n + m) and
    /// the combinations.
    pub fn shared(&self, other: &Fingerprints) -> Vec<(u32, u32)> {
        let (a, b) = (&self.hashes, &other.hashes);
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    let ie = i + a[i..].partition_point(|&h| h == a[i]);
                    let je = j + b[j..].partition_point(|&h| h == b[j]);
                    for &p in &self.positions[i..ie] {
                        for &q in &other.positions[j..je] {
                            out.push((p & !LONG, q & !LONG));
                        }
                    }
                    (i, j) = (ie, je);
                }
            }
        }
        out
    }

    /// Heap bytes held: 12 per fingerprint.
    pub fn memory_usage(&self) -> usize {
        self.hashes.len() * 12
    }
}

/// The bits of a [`row`] that hold the document id, for a corpus of `n` documents: 24
/// (leaving 40 bits of fingerprint) up to 16.7 million documents, 32 beyond.
pub fn doc_bits(n: usize) -> u32 {
    if n <= 1 << 24 { 24 } else { 32 }
}

/// One `u64` row: the fingerprint's high bits, then the document id in the low
/// `doc_bits` bits. Sorting rows groups them by fingerprint.
pub fn row(fingerprint: u64, doc: u32, doc_bits: u32) -> u64 {
    (fingerprint >> doc_bits << doc_bits) | doc as u64
}

/// The fingerprints held by more than `max_docs` documents, which propose no pairs.
/// Fingerprints are compared by their high bits (those a [`row`] keeps).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Boilerplate {
    /// Sorted rows with document 0.
    rows: Vec<u64>,
    doc_bits: u32,
    /// A bit per slot, set for the slots (top bits of a row) that some row falls in:
    /// about 16 slots per row, so nearly every other fingerprint is turned away without
    /// a search.
    slots: Vec<u64>,
    /// Where the rows of each range of top bits start (about four rows per range, one
    /// more entry than ranges), so that a search looks at a few rows, not all of them.
    starts: Vec<u32>,
    /// For each row, the document at which it turned common (the first holder past
    /// `max_docs`, in corpus order); empty when all are common from the first document.
    turning: Vec<u64>,
}

impl Boilerplate {
    /// The fingerprints among `by_doc` held by more than `max_docs` documents, without
    /// building an index. `doc_bits` as [`doc_bits`] gives for the corpus.
    pub fn of(by_doc: &[Fingerprints], doc_bits: u32, max_docs: usize) -> Boilerplate {
        Boilerplate::of_rows(&PrintRows::of(by_doc, doc_bits), by_doc.len(), max_docs).0
    }

    /// The fingerprints among `rows` held by more than `max_docs` documents, and for each
    /// of the `docs` documents whether it holds any of them.
    pub(crate) fn of_rows(
        rows: &PrintRows,
        docs: usize,
        max_docs: usize,
    ) -> (Boilerplate, Vec<bool>) {
        let (common, holds, _) = Boilerplate::grouping(rows, docs, max_docs, Keep::BoilerplateDocs);
        (common, holds)
    }

    /// [`of_rows`](Boilerplate::of_rows), and the other groups of the rows (those that
    /// two to `max_docs` documents hold), for
    /// [`FingerprintIndex::build_with`]: the rows need not be grouped again.
    pub(crate) fn of_rows_grouped(
        rows: &PrintRows,
        docs: usize,
        max_docs: usize,
    ) -> (Boilerplate, Vec<bool>, Groups) {
        Boilerplate::grouping(rows, docs, max_docs, Keep::Both)
    }

    fn grouping(
        rows: &PrintRows,
        docs: usize,
        max_docs: usize,
        keep: Keep,
    ) -> (Boilerplate, Vec<bool>, Groups) {
        let mut holds = vec![false; docs];
        let mut keys = Vec::new();
        let mut turning = Vec::new();
        let mut groups = Vec::new();
        let params = (rows.doc_bits(), max_docs);
        group_in_passes(rows, params, keep, ROWS_PER_PASS, &mut |mut part| {
            for &d in &part.boilerplate_docs {
                holds[d as usize] = true;
            }
            keys.extend_from_slice(&part.boilerplate);
            turning.extend(part.turning.iter().map(|&d| u64::from(d)));
            if keep.holders() {
                // The boilerplate is the caller's to keep: it is no group of the index.
                part.boilerplate = Vec::new();
                part.boilerplate_docs = Vec::new();
                part.turning = Vec::new();
                groups.push(part);
            }
        });
        let mut common = Boilerplate::from_rows(keys, rows.doc_bits());
        common.turning = turning;
        (common, holds, Groups(groups))
    }

    /// The given fingerprints (any order, repeats allowed) as boilerplate, compared by
    /// the high bits a [`row`] with `doc_bits` keeps: for an engine that counts who holds
    /// each fingerprint itself (see [`Detector::fingerprints_around`](crate::Detector::fingerprints_around)).
    ///
    /// ```
    /// use neardup::reuse::Boilerplate;
    /// let common = Boilerplate::new([7 << 40, 3 << 40, 3 << 40], 24);
    /// assert_eq!(common.len(), 2);
    /// // The low 24 bits are not compared.
    /// assert!(common.contains(3 << 40) && common.contains((3 << 40) + 1));
    /// assert!(!common.contains(5 << 40));
    /// ```
    ///
    /// # Panics
    ///
    /// When more than `u32::MAX` distinct fingerprints are given (32 GB of them).
    pub fn new(fingerprints: impl IntoIterator<Item = u64>, doc_bits: u32) -> Boilerplate {
        let mut rows: Vec<u64> = fingerprints
            .into_iter()
            .map(|h| row(h, 0, doc_bits))
            .collect();
        rows.sort_unstable();
        rows.dedup();
        Boilerplate::from_rows(rows, doc_bits)
    }

    /// As [`new`](Boilerplate::new), with the document at which each fingerprint turned
    /// common: `(fingerprint, document)`, the document of the first holder past
    /// `boilerplate_docs` in corpus order (any order of the pairs; of two that agree in
    /// the bits compared, the earlier document is kept). A document counts by
    /// containment the windows at the edges of each step of its common text
    /// ([`Detector::passage_windows`](crate::Detector::passage_windows)): an engine that
    /// gives the steps gets a run's answers.
    ///
    /// ```
    /// use neardup::reuse::Boilerplate;
    /// let common = Boilerplate::turning_at([(7 << 40, 12), (3 << 40, 40), (3 << 40, 30)], 24);
    /// assert_eq!(common.len(), 2);
    /// assert_eq!(common.turned_at(3 << 40), Some(30));
    /// assert_eq!(common.turned_at(5 << 40), None);
    /// // Without the steps, every fingerprint is common from the first document.
    /// assert_eq!(Boilerplate::new([3 << 40], 24).turned_at(3 << 40), Some(0));
    /// ```
    ///
    /// # Panics
    ///
    /// As [`new`](Boilerplate::new).
    pub fn turning_at(
        fingerprints: impl IntoIterator<Item = (u64, u64)>,
        doc_bits: u32,
    ) -> Boilerplate {
        let mut rows: Vec<(u64, u64)> = (fingerprints.into_iter())
            .map(|(h, d)| (row(h, 0, doc_bits), d))
            .collect();
        rows.sort_unstable();
        rows.dedup_by_key(|r| r.0);
        let turning = rows.iter().map(|r| r.1).collect();
        let mut common = Boilerplate::from_rows(rows.into_iter().map(|r| r.0).collect(), doc_bits);
        common.turning = turning;
        common
    }

    /// The document at which `fingerprint` turned common ([`turning_at`](Boilerplate::turning_at)),
    /// if it is boilerplate.
    pub fn turned_at(&self, fingerprint: u64) -> Option<u64> {
        let i = self.index_of(fingerprint)?;
        Some(self.turning.get(i).copied().unwrap_or(0))
    }

    /// The boilerplate given as sorted rows with document 0.
    fn from_rows(rows: Vec<u64>, doc_bits: u32) -> Boilerplate {
        let bits = (16 * rows.len()).next_power_of_two().max(64);
        let mut slots = vec![0u64; bits / 64];
        let shift = 64 - bits.trailing_zeros();
        for &r in &rows {
            let i = (r >> shift) as usize;
            slots[i / 64] |= 1 << (i % 64);
        }
        assert!(
            rows.len() <= u32::MAX as usize,
            "at most 2^32 - 1 boilerplate fingerprints"
        );
        // About four rows per range: a few comparisons, 1 to 2 bytes of table per row.
        let ranges = rows.len().div_ceil(4).next_power_of_two().max(2);
        let range_shift = 64 - ranges.trailing_zeros();
        let mut starts = vec![0u32; ranges + 1];
        for &r in &rows {
            starts[(r >> range_shift) as usize + 1] += 1;
        }
        for k in 1..starts.len() {
            starts[k] += starts[k - 1];
        }
        Boilerplate {
            rows,
            doc_bits,
            slots,
            starts,
            turning: Vec::new(),
        }
    }

    /// Heap bytes held: about 11 per fingerprint (the row, its slots and its range), and
    /// 8 more with the documents at which they turned common.
    pub fn memory_usage(&self) -> usize {
        8 * (self.rows.capacity() + self.slots.capacity() + self.turning.capacity())
            + 4 * self.starts.capacity()
    }

    /// The number of boilerplate fingerprints.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Whether any of a document's fingerprints is boilerplate.
    pub fn holds_any(&self, own: &Fingerprints) -> bool {
        !self.rows.is_empty() && own.hashes().iter().any(|&h| self.contains(h))
    }

    /// Whether `fingerprint` is boilerplate.
    pub fn contains(&self, fingerprint: u64) -> bool {
        self.index_of(fingerprint).is_some()
    }

    /// Calls `found(k, i)` for each of `fingerprints` that is here, in order: `k` its
    /// place in `fingerprints`, `i` its place among the sorted rows. Looks up a block of
    /// them at a time, first in the slots without a branch (so that the loads of
    /// several overlap), then searches the few whose slot is set.
    fn find_all(&self, fingerprints: &[u64], mut found: impl FnMut(usize, usize)) {
        if self.rows.is_empty() {
            return;
        }
        const BLOCK: usize = 64;
        let shift = 64 - (self.slots.len() * 64).trailing_zeros();
        let mut set = [0u8; BLOCK];
        for (b, block) in fingerprints.chunks(BLOCK).enumerate() {
            let mut n = 0;
            for (k, &h) in block.iter().enumerate() {
                let i = (row(h, 0, self.doc_bits) >> shift) as usize;
                set[n] = k as u8;
                n += (self.slots[i / 64] >> (i % 64)) as usize & 1;
            }
            for &k in &set[..n] {
                let k = b * BLOCK + k as usize;
                if let Some(i) = self.index_of(fingerprints[k]) {
                    found(k, i);
                }
            }
        }
    }

    /// Where `fingerprint` is among the sorted rows, if it is there.
    fn index_of(&self, fingerprint: u64) -> Option<usize> {
        if self.rows.is_empty() {
            return None;
        }
        let r = row(fingerprint, 0, self.doc_bits);
        let bits = self.slots.len() * 64;
        let i = (r >> (64 - bits.trailing_zeros())) as usize;
        if self.slots[i / 64] & (1 << (i % 64)) == 0 {
            return None;
        }
        let ranges = self.starts.len() - 1;
        let k = (r >> (64 - ranges.trailing_zeros())) as usize;
        let (lo, hi) = (self.starts[k] as usize, self.starts[k + 1] as usize);
        self.rows[lo..hi].binary_search(&r).ok().map(|i| lo + i)
    }
}

/// Two documents hold one fingerprint: which documents (`a < b`) and where in each (the
/// first token of the fingerprint's window).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SharedFingerprint {
    /// The first document.
    pub a: u32,
    /// The second document.
    pub b: u32,
    /// Token position in `a`.
    pub pos_a: u32,
    /// Token position in `b`.
    pub pos_b: u32,
    /// A long fingerprint ([`Fingerprints::around_boilerplate`]): one is enough to align the
    /// pair.
    pub long: bool,
}

impl SharedFingerprint {
    /// The sort key: `(b, pos_a, pos_b, long)` packed into one integer (`a` is the same
    /// for all of one document's entries; positions are below [`LONG`]).
    fn key(b: u32, pos_a: u32, pos_b: u32, long: bool) -> u128 {
        (b as u128) << 64 | (pos_a as u128) << 33 | (pos_b as u128) << 1 | long as u128
    }

    /// The entry of document `a` whose [`key`](SharedFingerprint::key) is `k`.
    fn from_key(a: u32, k: u128) -> SharedFingerprint {
        let position = |shift: u32| (k >> shift) as u32 & !LONG;
        SharedFingerprint {
            a,
            b: (k >> 64) as u32,
            pos_a: position(33),
            pos_b: position(1),
            long: k & 1 != 0,
        }
    }
}

/// Appends to its `Vec` the hashes of the windows a document counts by containment,
/// given its id.
pub type WindowsOf<'a> = dyn Fn(usize, &mut Vec<u64>) + Sync + 'a;

/// How many of a fingerprint's first holders propose all their pairs; the first holder is
/// also paired with every later one.
pub const SMALL_GROUP: usize = 10;

/// Which documents hold each fingerprint: an inverted index over the fingerprints held
/// by 2 to `max_docs` documents, and the [`Boilerplate`] (fingerprints held by more).
///
/// The first [`SMALL_GROUP`] documents that hold a fingerprint propose all their pairs;
/// the first document that holds it (the lowest id) is also paired with each later one
/// ([`shared_from`](FingerprintIndex::shared_from)): at most n - 1 + 45 pairs instead of
/// n(n-1)/2. So the work grows with the documents, not with the square of how many share
/// a passage; every later copy is aligned with the first copy, and the passage groups of
/// the report join them.
///
/// Built from every document's fingerprints as rows (12 bytes a fingerprint, a copy of
/// those given), bucketed by their top 8 bits and grouped in passes over the hash space
/// (as many as hold at most 2 million rows each, up to 64), the buckets sorted in
/// parallel with each fingerprint's position along with it (about 24 bytes a row of the
/// pass while it is grouped, and a bucket's worth of spare space per thread). Two
/// fingerprints that agree in their high bits (all but the low `doc_bits`) count as one:
/// that costs a needless check, never a missed one. Holds 8 bytes per holder of a shared
/// fingerprint.
///
/// ```
/// use neardup::reuse::{FingerprintIndex, Fingerprints};
/// let text = |s: &str| neardup::text::tokens(s.as_bytes()).map(|t| t.hash).collect::<Vec<u64>>();
/// let shared = "the harbour master said the ferry would run again on friday morning";
/// let docs = [
///     Fingerprints::new(&text(&format!("{shared} and the tide")), 4, 3),
///     Fingerprints::new(&text("nothing in common with the others at all today"), 4, 3),
///     Fingerprints::new(&text(&format!("as we heard {shared}")), 4, 3),
///     Fingerprints::new(&text(&format!("{shared} so they said")), 4, 3),
/// ];
/// let index = FingerprintIndex::new(&docs, 24, 50);
/// // Document 0 holds the shared text first; a group this small pairs all its holders.
/// let from_first: Vec<u32> = index.shared_from(0).iter().map(|s| s.b).collect();
/// assert!(from_first.contains(&2) && from_first.contains(&3));
/// assert!(index.shared_from(2).iter().all(|s| s.b == 3));
/// assert!(index.shared_from(1).is_empty() && index.shared_from(3).is_empty());
/// assert!(index.shares_any(3) && !index.shares_any(1));
/// ```
#[derive(Clone, Debug, Default)]
pub struct FingerprintIndex {
    /// The holders `(doc, position)` of every fingerprint, one group after the other,
    /// each group sorted by document.
    holders: Vec<(u32, u32)>,
    /// Where each group starts in `holders` (one more entry than groups).
    group_start: Vec<usize>,
    /// For every document, the groups it holds first, then the small groups
    /// (at most [`SMALL_GROUP`] holders) it holds but not first, one document after the
    /// other.
    led: Vec<u32>,
    /// Where each document starts in `led` (one more entry than documents).
    led_start: Vec<usize>,
    /// Whether each document holds a shared fingerprint.
    sharing: Vec<bool>,
    boilerplate: Boilerplate,
}

impl FingerprintIndex {
    /// The index of every document's [`Fingerprints`] (document ids are positions in
    /// `by_doc`), with fingerprints held by more than `max_docs` documents left out as
    /// boilerplate. `doc_bits` as [`doc_bits`] gives for the corpus.
    ///
    /// # Panics
    ///
    /// When a document id does not fit in `doc_bits` bits (a caller bug).
    pub fn new(by_doc: &[Fingerprints], doc_bits: u32, max_docs: usize) -> FingerprintIndex {
        FingerprintIndex::build(
            &PrintRows::of(by_doc, doc_bits),
            by_doc.len(),
            max_docs,
            None,
        )
    }

    /// As [`new`](FingerprintIndex::new), with boilerplate counted by containment too: a
    /// shared fingerprint is boilerplate when more than `max_docs` documents hold it or
    /// count it by containment. `windows(doc, out)` appends to `out` the hashes of the
    /// windows that document `doc` counts, which must leave out its own fingerprints (it
    /// is counted as a holder of those; the detector gives the windows at the edges of
    /// the common text of the documents that hold some, that they did not select, see
    /// [`Detector::passage_windows`](crate::Detector::passage_windows), and none of the
    /// others). Winnowing selects a window near the edge of common text in some of the
    /// documents that hold it and not in others; counted by selection, such a window of
    /// a footer held by a thousand documents could look rare.
    ///
    /// # Panics
    ///
    /// As [`new`](FingerprintIndex::new).
    pub fn counting_containment(
        by_doc: &[Fingerprints],
        doc_bits: u32,
        max_docs: usize,
        windows: &WindowsOf<'_>,
    ) -> FingerprintIndex {
        let rows = PrintRows::of(by_doc, doc_bits);
        FingerprintIndex::build(&rows, by_doc.len(), max_docs, Some(windows))
    }

    /// The index of `docs` documents whose fingerprints are `rows`, with boilerplate
    /// counted by containment when `windows` gives the windows to count (see
    /// [`counting_containment`](FingerprintIndex::counting_containment)).
    pub(crate) fn build(
        rows: &PrintRows,
        docs: usize,
        max_docs: usize,
        windows: Option<&WindowsOf<'_>>,
    ) -> FingerprintIndex {
        let doc_bits = rows.doc_bits();
        let parts = group(rows, doc_bits, max_docs, Keep::Holders);
        FingerprintIndex::of_groups(parts, docs, (doc_bits, max_docs), windows)
    }

    /// [`build`](FingerprintIndex::build) over the first rows less the boilerplate's
    /// and the `added` rows, given the groups of the first rows (as
    /// [`Boilerplate::of_rows_grouped`] gives them, with their boilerplate `common`):
    /// the same index, with the first rows grouped once. The added rows are grouped on
    /// their own and the two groupings merged bucket by bucket, but for the keys that
    /// both hold (the added rows are the long fingerprints, hashes of longer windows,
    /// so that such a key agrees by chance: 5 in the generated folder of 51,000
    /// documents): their rows are found by a pass over each set (the first rows looked
    /// up among every key of the added ones; then, if any is found, the added rows
    /// among those found) and grouped together. The rows are freed after their pass.
    pub(crate) fn build_with(
        (first, first_rows, common): (Groups, PrintRows, &Boilerplate),
        added: PrintRows,
        docs: usize,
        max_docs: usize,
        windows: Option<&WindowsOf<'_>>,
    ) -> FingerprintIndex {
        let doc_bits = added.doc_bits();
        let mask = (1u64 << doc_bits) - 1;
        let mut then = group(&added, doc_bits, max_docs, Keep::HoldersAndSingles);
        // Every key of the added rows but their boilerplate (which stays boilerplate
        // with more rows), sorted.
        let mut added_keys = Vec::new();
        for p in &mut then {
            let singles = std::mem::take(&mut p.single_keys);
            merge_sorted(&p.group_key, &singles, &mut added_keys);
        }
        let added_keys = Boilerplate::from_rows(added_keys, doc_bits);
        // The first rows of those keys, but for the boilerplate's.
        let mut clash: Vec<(u64, u32)> = Vec::new();
        for k in 0..rows::PARTS {
            let (part, at) = first_rows.part(k);
            added_keys.find_all(&part, |x, _| {
                if !common.contains(part[x]) {
                    clash.push((part[x], at[x]));
                }
            });
        }
        drop((added_keys, first_rows));
        let parts: Vec<Pass> = if clash.is_empty() {
            (first.0.into_iter().zip(then))
                .map(|(a, b)| merged(a, b))
                .collect()
        } else {
            // (Sorted here: they came part by part, by document within a part.)
            let keys = Boilerplate::new(clash.iter().map(|c| c.0), doc_bits);
            for k in 0..rows::PARTS {
                let (part, at) = added.part(k);
                keys.find_all(&part, |x, _| clash.push((part[x], at[x])));
            }
            drop(added);
            // Grouped together: a document's first rows before its added ones (the
            // first rows came first, the sort is stable).
            clash.sort_by_key(|c| c.0 & mask);
            let mut rows = PrintRows::new(doc_bits, None);
            for &(r, at) in &clash {
                rows.add((r & mask) as u32, [(r, at)]);
            }
            let together = group(&rows, doc_bits, max_docs, Keep::Holders);
            let apart = |p: Pass| without(p, &keys);
            (first.0.into_iter().zip(then).zip(together))
                .map(|((a, b), c)| merged(merged(apart(a), apart(b)), c))
                .collect()
        };
        FingerprintIndex::of_groups(parts, docs, (doc_bits, max_docs), windows)
    }

    /// The index of the groups of every bucket, in hash order.
    fn of_groups(
        parts: Vec<Pass>,
        docs: usize,
        (doc_bits, max_docs): (u32, usize),
        windows: Option<&WindowsOf<'_>>,
    ) -> FingerprintIndex {
        let crowded = match windows {
            Some(w) => {
                let keys: Vec<u64> = parts
                    .iter()
                    .flat_map(|p| p.group_key.iter().copied())
                    .collect();
                // Each group's holders, each document once (as the grouping counted
                // them): counted with those that count its fingerprint by containment.
                let pickers = parts.iter().flat_map(|p| p.group_docs.iter().copied());
                crowded((keys, pickers.collect()), docs, w, doc_bits, max_docs)
            }
            None => Boilerplate::default(),
        };
        // Each part's holders are moved into one array and the part freed.
        let mut holders: Vec<(u32, u32)> =
            Vec::with_capacity(parts.iter().map(|p| p.holders.len()).sum());
        let mut group_start = Vec::with_capacity(parts.iter().map(|p| p.group_end.len()).sum());
        group_start.push(0);
        let mut boilerplate = Vec::new();
        for part in parts {
            boilerplate.extend_from_slice(&part.boilerplate);
            let mut start = 0;
            for (&end, &key) in part.group_end.iter().zip(&part.group_key) {
                if crowded.contains(key) {
                    boilerplate.push(key);
                } else {
                    holders.extend_from_slice(&part.holders[start..end]);
                    group_start.push(holders.len());
                }
                start = end;
            }
        }
        boilerplate.sort_unstable();
        let mut sharing = vec![false; docs];
        for &(d, _) in &holders {
            sharing[d as usize] = true;
        }
        // Every document's groups to pair from, in group order: a counting sort. A
        // document pairs from the groups it holds first, and from every small group it
        // holds (with the later holders).
        let groups = group_start.len() - 1;
        let pairs_from = |g: usize| {
            let mut docs: Vec<usize> = holders[group_start[g]..group_start[g + 1]]
                .iter()
                .map(|h| h.0 as usize)
                .collect();
            docs.dedup();
            // The first SMALL_GROUP holders pair with each other; the first also with
            // every later one.
            docs.truncate(docs.len().min(SMALL_GROUP) - 1);
            docs
        };
        let led_start = crate::bloom::slot_starts(docs, (0..groups).flat_map(pairs_from));
        let mut next = led_start.clone();
        let mut led = vec![0u32; led_start[docs]];
        for g in 0..groups {
            for d in pairs_from(g) {
                led[next[d]] = g as u32;
                next[d] += 1;
            }
        }
        FingerprintIndex {
            holders,
            group_start,
            led,
            led_start,
            sharing,
            boilerplate: Boilerplate::from_rows(boilerplate, doc_bits),
        }
    }

    /// The fingerprints left out as boilerplate.
    pub fn boilerplate(&self) -> &Boilerplate {
        &self.boilerplate
    }

    /// Whether document `doc` holds at least one shared (non-boilerplate) fingerprint.
    pub fn shares_any(&self, doc: u32) -> bool {
        self.sharing.get(doc as usize).copied().unwrap_or(false)
    }

    /// The fingerprints document `a` is paired by, once for each later document `b` that
    /// holds it too: each that `a` holds first (no document with a lower id holds it),
    /// with every later holder, and each that `a` holds among its first [`SMALL_GROUP`]
    /// holders, with the later ones of those; sorted by `(b, pos_a, pos_b)`. Costs the
    /// number of such (document, fingerprint) pairs.
    pub fn shared_from(&self, a: u32) -> Vec<SharedFingerprint> {
        let a_i = a as usize;
        if a_i + 1 >= self.led_start.len() {
            return Vec::new();
        }
        // Each as its sort key, which holds all of it but `a` (sorting plain integers is
        // faster than sorting the entries by a key made at each comparison).
        let mut keys = Vec::new();
        for &g in &self.led[self.led_start[a_i]..self.led_start[a_i + 1]] {
            let group =
                &self.holders[self.group_start[g as usize]..self.group_start[g as usize + 1]];
            let (lo, hi) = (
                group.partition_point(|h| h.0 < a),
                group.partition_point(|h| h.0 <= a),
            );
            // The first holder pairs with every later one, the others with the later ones
            // among the first SMALL_GROUP.
            let end = if lo == 0 {
                group.len()
            } else {
                first_holders_end(group)
            };
            for &(_, pos_a) in &group[lo..hi] {
                let (at_a, long) = (pos_a & !LONG, pos_a & LONG != 0);
                keys.extend(
                    group[hi..end]
                        .iter()
                        .map(|&(b, pos_b)| SharedFingerprint::key(b, at_a, pos_b & !LONG, long)),
                );
            }
        }
        keys.sort_unstable();
        keys.into_iter()
            .map(|k| SharedFingerprint::from_key(a, k))
            .collect()
    }

    /// The number of fingerprints held by 2 to `max_docs` documents.
    pub fn len(&self) -> usize {
        self.group_start.len().saturating_sub(1)
    }

    /// True when no fingerprint is shared.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes held.
    pub fn memory_usage(&self) -> usize {
        8 * self.holders.capacity()
            + self.boilerplate.memory_usage()
            + 4 * self.led.capacity()
            + self.sharing.capacity()
            + std::mem::size_of::<usize>()
                * (self.group_start.capacity() + self.led_start.capacity())
    }
}

/// Where the holders of the first [`SMALL_GROUP`] documents of a group (sorted by
/// document) end.
fn first_holders_end(group: &[(u32, u32)]) -> usize {
    let mut docs = 0;
    for (i, h) in group.iter().enumerate() {
        if i == 0 || h.0 != group[i - 1].0 {
            docs += 1;
            if docs > SMALL_GROUP {
                return i;
            }
        }
    }
    group.len()
}

/// The groups of one bucket of rows.
#[derive(Default)]
struct Pass {
    /// The holders `(doc, position)` of each group, one group after the other, each sorted
    /// by document (a document once per position it holds the fingerprint at).
    holders: Vec<(u32, u32)>,
    /// Where each group ends in `holders`.
    group_end: Vec<usize>,
    /// Each group's fingerprint, as a row with document 0.
    group_key: Vec<u64>,
    /// How many documents hold each group's fingerprint.
    group_docs: Vec<u32>,
    boilerplate: Vec<u64>,
    /// The documents that hold each boilerplate fingerprint, when they are kept
    /// ([`Keep`]).
    boilerplate_docs: Vec<u32>,
    /// For each boilerplate fingerprint, when its documents are kept: the document past
    /// `max_docs` that holds it (it turns common there).
    turning: Vec<u32>,
    /// The keys that one document holds, when they are kept ([`Keep`]).
    single_keys: Vec<u64>,
}

/// What a grouping keeps besides the boilerplate fingerprints: the documents that hold
/// each of them (and where it turns common), the holders of the other groups, or both.
#[derive(Clone, Copy, Debug)]
enum Keep {
    BoilerplateDocs,
    Holders,
    Both,
    /// The holders of the groups, and the keys of those of one document (for a
    /// grouping to merge with another, see [`FingerprintIndex::build_with`]).
    HoldersAndSingles,
}

impl Keep {
    fn holders(self) -> bool {
        matches!(self, Keep::Holders | Keep::Both | Keep::HoldersAndSingles)
    }

    fn singles(self) -> bool {
        matches!(self, Keep::HoldersAndSingles)
    }

    fn boilerplate_docs(self) -> bool {
        matches!(self, Keep::BoilerplateDocs | Keep::Both)
    }
}

/// The rows are grouped in this many buckets, by their top bits.
const BUCKETS: usize = 256;

/// Groups every document's fingerprint rows: rows are bucketed by their top bits, and
/// the buckets are sorted and grouped in parallel. The holders of each group (with their
/// positions, sorted along with the rows), the documents that hold each boilerplate
/// fingerprint, or both, are kept as `keep` says (the boilerplate always). One [`Pass`]
/// per bucket, in hash order.
fn group(rows: &PrintRows, doc_bits: u32, max_docs: usize, keep: Keep) -> Vec<Pass> {
    let mut out = Vec::with_capacity(BUCKETS);
    group_in_passes(rows, (doc_bits, max_docs), keep, ROWS_PER_PASS, &mut |p| {
        out.push(p)
    });
    out
}

/// The most rows [`group`] holds at a time.
const ROWS_PER_PASS: usize = 1 << 21;

/// [`group`], holding at most `rows_per_pass` rows at a time, each bucket's groups given
/// to `each` in hash order as soon as its pass is done.
fn group_in_passes(
    rows: &PrintRows,
    (doc_bits, max_docs): (u32, usize),
    keep: Keep,
    rows_per_pass: usize,
    each: &mut dyn FnMut(Pass),
) {
    // In as many passes over the hash space as it takes to hold at most `rows_per_pass`
    // rows at a time (one for a small corpus, 64 for a million documents, which hold
    // about 90 million), each taking whole parts of the rows. In each, blocks of the
    // pass's rows count their rows per bucket in parallel, then write them in parallel
    // straight to their place in one array (bucket by bucket, block by block, so that
    // within a bucket the documents ascend as they do in a part, which
    // `sort_rows` is fastest with), and each bucket is sorted.
    const BLOCK: usize = 1 << 16;
    let bucket = |x: u64| (x >> 56) as usize;
    let passes = rows
        .len()
        .div_ceil(rows_per_pass.max(1))
        .next_power_of_two()
        .clamp(1, rows::PARTS);
    let per_pass = BUCKETS / passes;
    let parts_per_pass = rows::PARTS / passes;
    for pass in 0..passes {
        let first = pass * per_pass;
        let parts: Vec<rows::PartRows<'_>> = (0..parts_per_pass)
            .map(|k| rows.part(pass * parts_per_pass + k))
            .collect();
        let blocks: Vec<(&[u64], &[u32])> = parts
            .iter()
            .flat_map(|(r, p)| r.chunks(BLOCK).zip(p.chunks(BLOCK)))
            .collect();
        let counts: Vec<Vec<usize>> = crate::par::map(&blocks, |&(part, _)| {
            let mut counts = vec![0usize; per_pass];
            for &x in part {
                counts[bucket(x) - first] += 1;
            }
            counts
        });
        let sizes: Vec<usize> = (0..per_pass)
            .map(|b| counts.iter().map(|c| c[b]).sum())
            .collect();
        let total: usize = sizes.iter().sum();
        let mut sorted = vec![0u64; total];
        // The positions go along with the rows when the holders are kept.
        let holders = keep.holders();
        let mut positions = vec![0u32; if holders { total } else { 0 }];
        // Each block's place in each bucket, cut from `sorted` (and `positions`) in order.
        let mut places: Vec<Places<'_>> = cut_places(&mut sorted, &counts)
            .into_iter()
            .zip(cut_places(&mut positions, &counts))
            .collect();
        crate::par::for_each_mut(&mut places, |k, (place, place_at)| {
            let (part, at) = blocks[k];
            let mut next = vec![0usize; per_pass];
            for (&x, &p) in part.iter().zip(at) {
                let b = bucket(x) - first;
                place[b][next[b]] = x;
                if let Some(at) = place_at.get_mut(b) {
                    at[next[b]] = p;
                }
                next[b] += 1;
            }
        });
        drop(places);
        drop(blocks);
        drop(parts);
        let cut = |&n: &usize| if holders { n } else { 0 };
        let mut buckets: Vec<(&mut [u64], &mut [u32])> = cut_in(&mut sorted, sizes.iter().copied())
            .into_iter()
            .zip(cut_in(&mut positions, sizes.iter().map(cut)))
            .collect();
        crate::par::for_each_mut(&mut buckets, |_, (b, at)| {
            sort_rows(b, at, doc_bits);
            debug_assert!(b.is_sorted());
        });
        for p in crate::par::map(&buckets, |(part, at)| {
            group_sorted((part, at), doc_bits, max_docs, keep)
        }) {
            each(p);
        }
    }
}

/// Panics when `docs` document ids do not fit in `doc_bits` bits (a caller bug).
fn assert_fits(docs: usize, doc_bits: u32) {
    assert!(
        (docs as u64) <= 1u64 << doc_bits,
        "{docs} documents do not fit in {doc_bits} bits"
    );
}

/// Sorts `rows`, and `positions` (empty, or one per row) along with them, stably:
/// equal rows (a document's positions of one fingerprint) keep their order. Fastest
/// when the documents (the low `doc_bits` bits) of one fingerprint's rows ascend in the
/// order they come, as [`group`] writes them (a fingerprint's rows are in one part,
/// whose documents ascend); right in any order.
///
/// A least-significant-digit radix sort on the top bytes of the fingerprint bits (the
/// top byte, the bucket's, is shared and skipped; below it as many bytes as leave about
/// two rows a value of them, at least two), then an insertion sort of the nearly sorted
/// result: fingerprint hashes are uniform, so few rows share those bytes. Rows crowded
/// there (many documents that hold one fingerprint, in order already, cost nothing;
/// others would make the insertion sort quadratic) fall back to a radix sort on every
/// byte above the document bits, which leaves each fingerprint's rows in the order they
/// came, and an insertion sort puts their documents in order (nothing to move where
/// they came ascending). O(n) for each byte sorted by radix (2 of them and a pass up to
/// 131,072 rows, 3 up to 33 million; 4 with 24 document bits and another pass in the
/// fallback).
fn sort_rows(rows: &mut [u64], positions: &mut [u32], doc_bits: u32) {
    debug_assert!(positions.is_empty() || positions.len() == rows.len());
    let digits: Vec<u32> = (doc_bits..64).step_by(8).collect();
    // Bytes below the top one, so that 256^bytes >= rows / 2.
    let mut bytes = 2;
    while bytes < 7 && (1u64 << (8 * bytes)) < rows.len() as u64 / 2 {
        bytes += 1;
    }
    radix_sort_rows(
        rows,
        positions,
        &digits[digits.len().saturating_sub(bytes + 1)..],
    );
    if !insertion_sort_rows(rows, positions, 4 * rows.len()) {
        radix_sort_rows(rows, positions, &digits);
        insertion_sort_rows(rows, positions, usize::MAX);
    }
}

/// A stable least-significant-digit radix sort of `rows` (and `positions` along with
/// them, when there are any) on the bytes at the bit shifts `digits` (ascending); a
/// byte that every row shares is skipped.
fn radix_sort_rows(rows: &mut [u64], positions: &mut [u32], digits: &[u32]) {
    let mut counts = vec![[0usize; 256]; digits.len()];
    for &r in rows.iter() {
        for (c, &shift) in counts.iter_mut().zip(digits) {
            c[(r >> shift) as usize & 0xff] += 1;
        }
    }
    let (mut spare, mut spare_at) = (vec![0u64; rows.len()], vec![0u32; positions.len()]);
    let (mut from, mut to): (&mut [u64], &mut [u64]) = (rows, &mut spare);
    let (mut from_at, mut to_at): (&mut [u32], &mut [u32]) = (positions, &mut spare_at);
    let mut moved = false;
    for (c, &shift) in counts.iter_mut().zip(digits) {
        if c.contains(&from.len()) {
            continue;
        }
        let mut start = 0;
        for n in c.iter_mut() {
            (*n, start) = (start, start + *n);
        }
        for (i, &r) in from.iter().enumerate() {
            let d = (r >> shift) as usize & 0xff;
            to[c[d]] = r;
            if let Some(&p) = from_at.get(i) {
                to_at[c[d]] = p;
            }
            c[d] += 1;
        }
        std::mem::swap(&mut from, &mut to);
        std::mem::swap(&mut from_at, &mut to_at);
        moved = !moved;
    }
    if moved {
        // The sorted rows are in the spare space; `to` is the caller's.
        to.copy_from_slice(from);
        to_at.copy_from_slice(from_at);
    }
}

/// A stable insertion sort of `rows` (and `positions` along with them, when there are
/// any) that gives up after `most` moves, returning false: the rows are then in another
/// order whose equal rows are still in their first order.
fn insertion_sort_rows(rows: &mut [u64], positions: &mut [u32], most: usize) -> bool {
    let mut moves = 0;
    for i in 1..rows.len() {
        let mut j = i;
        while j > 0 && rows[j - 1] > rows[j] {
            rows.swap(j - 1, j);
            if !positions.is_empty() {
                positions.swap(j - 1, j);
            }
            j -= 1;
        }
        moves += i - j;
        if moves > most {
            return false;
        }
    }
    true
}

/// One block's places in every bucket: for its rows, and for their positions (none when
/// the positions are not kept).
type Places<'a> = (Vec<&'a mut [u64]>, Vec<&'a mut [u32]>);

/// `all` cut into consecutive slices of the given lengths.
fn cut_in<T>(mut all: &mut [T], lengths: impl Iterator<Item = usize>) -> Vec<&mut [T]> {
    let parts = lengths
        .map(|n| {
            let (part, rest) = std::mem::take(&mut all).split_at_mut(n);
            all = rest;
            part
        })
        .collect();
    debug_assert!(all.is_empty(), "the lengths add up to the whole");
    parts
}

/// Every block's place in every bucket (`counts[block][bucket]` rows each), cut from
/// `all` bucket by bucket, block by block; empty places when `all` is empty.
fn cut_places<'a, T>(all: &'a mut [T], counts: &[Vec<usize>]) -> Vec<Vec<&'a mut [T]>> {
    if all.is_empty() {
        return counts.iter().map(|_| Vec::new()).collect();
    }
    let buckets = counts.first().map_or(0, Vec::len);
    let order = (0..buckets).flat_map(|b| counts.iter().map(move |c| c[b]));
    let mut places: Vec<Vec<&mut [T]>> = (0..counts.len())
        .map(|_| Vec::with_capacity(buckets))
        .collect();
    for (i, place) in cut_in(all, order).into_iter().enumerate() {
        places[i % counts.len()].push(place);
    }
    places
}

/// Groups sorted rows (see [`group`]).
fn group_sorted(
    (part, positions): (&[u64], &[u32]),
    doc_bits: u32,
    max_docs: usize,
    keep: Keep,
) -> Pass {
    let mask = (1u64 << doc_bits) - 1;
    let mut out = Pass::default();
    let mut docs: Vec<u32> = Vec::new();
    let mut start = 0;
    for group in part.chunk_by(|x, y| x & !mask == y & !mask) {
        let at = start..start + group.len();
        start = at.end;
        if group.len() == 1 {
            if keep.singles() {
                out.single_keys.push(group[0] & !mask);
            }
            continue;
        }
        docs.clear();
        docs.extend(group.iter().map(|&r| (r & mask) as u32));
        docs.dedup();
        let key = group[0] & !mask;
        if docs.len() > max_docs {
            out.boilerplate.push(key);
            if keep.boilerplate_docs() {
                out.boilerplate_docs.extend_from_slice(&docs);
                out.turning.push(docs[max_docs]);
            }
        } else if keep.singles() && docs.len() == 1 {
            out.single_keys.push(key);
        } else if keep.holders() && docs.len() > 1 {
            out.holders.extend(
                group
                    .iter()
                    .zip(&positions[at])
                    .map(|(&r, &p)| ((r & mask) as u32, p)),
            );
            out.group_end.push(out.holders.len());
            out.group_key.push(key);
            out.group_docs.push(docs.len() as u32);
        }
    }
    out
}

/// The groups of a grouping's rows that two to `max_docs` documents hold, one [`Pass`]
/// per bucket in hash order, without the boilerplate (see
/// [`Boilerplate::of_rows_grouped`]).
pub(crate) struct Groups(Vec<Pass>);

/// `a` and `b` (each sorted, without repeats) appended to `out` in order, a value in
/// both once.
fn merge_sorted(a: &[u64], b: &[u64], out: &mut Vec<u64>) {
    let (mut i, mut j) = (0, 0);
    loop {
        let next = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) if x == y => {
                (i, j) = (i + 1, j + 1);
                x
            }
            (Some(&x), Some(&y)) if x < y => {
                i += 1;
                x
            }
            (Some(&x), None) => {
                i += 1;
                x
            }
            (_, Some(&y)) => {
                j += 1;
                y
            }
            (None, None) => break,
        };
        out.push(next);
    }
}

/// The groups (and boilerplate) of one bucket but those whose key is in `keys`.
fn without(p: Pass, keys: &Boilerplate) -> Pass {
    let hit = |k: u64| keys.contains(k);
    if !p.group_key.iter().chain(&p.boilerplate).any(|&k| hit(k)) {
        return p;
    }
    let mut out = Pass {
        boilerplate: p.boilerplate.iter().copied().filter(|&k| !hit(k)).collect(),
        ..Pass::default()
    };
    let mut start = 0;
    for ((&end, &key), &docs) in p.group_end.iter().zip(&p.group_key).zip(&p.group_docs) {
        if !hit(key) {
            out.holders.extend_from_slice(&p.holders[start..end]);
            out.group_end.push(out.holders.len());
            out.group_key.push(key);
            out.group_docs.push(docs);
        }
        start = end;
    }
    out
}

/// The groups of one bucket from two groupings of different rows whose groups share
/// no key (see [`FingerprintIndex::build_with`]), in key order, as one grouping of both
/// rows gives them: a group of one whose key is boilerplate in the other is left out
/// (the key stays boilerplate).
fn merged(first: Pass, then: Pass) -> Pass {
    if then.group_key.is_empty() && then.boilerplate.is_empty() {
        return first;
    }
    if first.group_key.is_empty() && first.boilerplate.is_empty() {
        return then;
    }
    // Whether `key` is boilerplate in `p`, for keys asked in ascending order (`at` is
    // where the last search ended).
    let in_boilerplate = |p: &Pass, at: &mut usize, key: u64| {
        while p.boilerplate.get(*at).is_some_and(|&c| c < key) {
            *at += 1;
        }
        p.boilerplate.get(*at) == Some(&key)
    };
    let mut out = Pass {
        holders: Vec::with_capacity(first.holders.len() + then.holders.len()),
        ..Pass::default()
    };
    let (mut i, mut j, mut zi, mut zj) = (0, 0, 0, 0);
    while i < first.group_key.len() || j < then.group_key.len() {
        let from_first = match (first.group_key.get(i), then.group_key.get(j)) {
            (Some(a), Some(b)) => {
                debug_assert_ne!(a, b, "the two groupings share no key");
                a < b
            }
            (Some(_), None) => true,
            (None, _) => false,
        };
        let (p, k, other, at) = match from_first {
            true => (&first, &mut i, &then, &mut zj),
            false => (&then, &mut j, &first, &mut zi),
        };
        let start = k.checked_sub(1).map_or(0, |k| p.group_end[k]);
        let key = p.group_key[*k];
        if !in_boilerplate(other, at, key) {
            out.holders
                .extend_from_slice(&p.holders[start..p.group_end[*k]]);
            out.group_end.push(out.holders.len());
            out.group_key.push(key);
            out.group_docs.push(p.group_docs[*k]);
        }
        *k += 1;
    }
    merge_sorted(&first.boilerplate, &then.boilerplate, &mut out.boilerplate);
    out
}

/// The `keys` (rows with document 0, sorted), each with how many documents hold it,
/// that more than `max_docs` documents hold or contain among their `windows`, as
/// [`Boilerplate`].
fn crowded(
    (keys, mut counts): (Vec<u64>, Vec<u32>),
    docs: usize,
    windows: &WindowsOf<'_>,
    doc_bits: u32,
    max_docs: usize,
) -> Boilerplate {
    // The keys are sorted rows: the set's rows, in the same places.
    let wanted = Boilerplate::from_rows(keys, doc_bits);
    // How many more documents hold each key among their windows, counted a block of
    // documents at a time (4 bytes per key for the counts, about 11 to look keys up, and
    // 4 per distinct hit of the block).
    let ids: Vec<usize> = (0..docs).collect();
    for block in ids.chunks(4096) {
        let found = crate::par::map_init(block, Vec::new, |scratch, &d| {
            scratch.clear();
            windows(d, scratch);
            let mut hits: Vec<u32> = Vec::new();
            wanted.find_all(scratch, |_, i| hits.push(i as u32));
            hits.sort_unstable();
            hits.dedup();
            hits
        });
        for i in found.into_iter().flatten() {
            counts[i as usize] += 1;
        }
    }
    let crowded = wanted
        .rows
        .iter()
        .zip(&counts)
        .filter(|&(_, &n)| n as usize > max_docs)
        .map(|(&k, _)| k)
        .collect();
    Boilerplate::from_rows(crowded, doc_bits)
}

/// Whether one pair's shared fingerprints (as [`FingerprintIndex::shared_from`]
/// gives them for one `b`) are worth aligning: one long fingerprint, or two in a
/// consistent order, the second at
/// most `reach` tokens after the first in `a`, after it in `b`, and on diagonals
/// (`pos_a - pos_b`) at most `max_shift` apart.
///
/// A shared exact run of `2w + f - 1` tokens (windows of f tokens winnowed w at a time,
/// see [`layout`]) holds two fingerprints at most w apart on one diagonal: every window
/// inside the run selects the same position in both documents. So with `reach >= w` no
/// such run is missed, while a pair that shares one stock phrase by chance is not
/// aligned at all.
///
/// The entries must be sorted by `pos_a` (as they come). At most 64 entries after each
/// are looked at, so a pair with thousands of entries costs linear time.
pub fn consistent(pair: &[SharedFingerprint], reach: usize, max_shift: usize) -> bool {
    if pair.iter().any(|s| s.long) {
        return true;
    }
    let (reach, max_shift) = (reach as u64, max_shift as u64);
    let diag = |s: &SharedFingerprint| s.pos_a as i64 - s.pos_b as i64;
    pair.iter().enumerate().any(|(i, x)| {
        pair[i + 1..]
            .iter()
            .take(64)
            .take_while(|y| u64::from(y.pos_a - x.pos_a) <= reach)
            .any(|y| {
                y.pos_a > x.pos_a && y.pos_b > x.pos_b && diag(y).abs_diff(diag(x)) <= max_shift
            })
    })
}

/// One place where a passage occurs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Occurrence {
    /// The document.
    pub doc: DocId,
    /// Where in its original bytes.
    pub span: Span,
}

/// Occurrences of one passage, the first copy first (corpus order, then position).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PassageGroup {
    pub(crate) occurrences: Vec<Occurrence>,
}

impl PassageGroup {
    /// Every occurrence, in corpus order, then by position.
    pub fn occurrences(&self) -> &[Occurrence] {
        &self.occurrences
    }

    /// The copy that comes first: the one to keep.
    pub fn first(&self) -> Occurrence {
        self.occurrences[0]
    }
}

/// Groups the occurrences that `links` join (each link: two occurrences of one passage).
/// Overlapping occurrences in one document merge into one. Groups are ordered by their
/// first occurrence.
pub fn group_occurrences(links: &[(Occurrence, Occurrence)]) -> Vec<PassageGroup> {
    // Merge overlapping occurrences per document into nodes.
    let mut all: Vec<Occurrence> = links.iter().flat_map(|&(x, y)| [x, y]).collect();
    all.sort_unstable();
    let mut nodes: Vec<Occurrence> = Vec::new();
    for o in all {
        match nodes.last_mut() {
            Some(n) if n.doc == o.doc && o.span.start < n.span.end => {
                n.span.end = n.span.end.max(o.span.end);
            }
            _ => nodes.push(o),
        }
    }
    let node_of = |o: &Occurrence| {
        // The last node starting at or before o, in o's document.
        let i = nodes.partition_point(|n| (n.doc, n.span.start) <= (o.doc, o.span.start));
        (i - 1) as u32
    };
    let mut uf = UnionFind::new(nodes.len());
    for (x, y) in links {
        uf.union(node_of(x), node_of(y));
    }
    uf.groups()
        .into_iter()
        .map(|g| PassageGroup {
            occurrences: g.into_iter().map(|i| nodes[i as usize]).collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive_winnow(h: &[u64], w: usize) -> Vec<(u64, u32)> {
        let mut out: Vec<(u64, u32)> = Vec::new();
        let w = w.min(h.len());
        if h.is_empty() {
            return out;
        }
        for start in 0..=h.len() - w {
            let win = &h[start..start + w];
            let min = *win.iter().min().unwrap();
            let pos = start + win.iter().rposition(|&x| x == min).unwrap();
            if out.last().map(|l| l.1 as usize) != Some(pos) {
                out.push((min, pos as u32));
            }
        }
        out
    }

    #[test]
    fn the_layout_fits_two_windows_in_the_guaranteed_length() {
        for t in 1..200 {
            let (f, w) = layout(t);
            assert!(f >= 1 && w >= 1);
            assert!(2 * w + f - 1 <= t.max(2), "t={t} f={f} w={w}");
        }
        assert_eq!(layout(1000).0, crate::shingle::MAX_SHINGLE_SIZE);
        assert_eq!(layout(25), (13, 6));
    }

    /// Fingerprints with the given hashes (sorted here), all at position 0.
    fn prints(hashes: &[u64]) -> Fingerprints {
        let mut h = hashes.to_vec();
        h.sort_unstable();
        Fingerprints {
            positions: vec![0; h.len()].into(),
            hashes: h.into(),
        }
    }

    #[test]
    fn boilerplate_fingerprints_make_no_pairs() {
        let f = |x: u64| x << 58;
        let docs = [
            prints(&[f(7)]),
            prints(&[f(7), f(9)]),
            prints(&[f(7)]),
            prints(&[f(9), f(33)]),
            prints(&[f(33)]),
        ];
        let index = FingerprintIndex::new(&docs, 24, 2);
        let pairs: Vec<(u32, u32)> = (0..5)
            .flat_map(|a| index.shared_from(a))
            .map(|s| (s.a, s.b))
            .collect();
        assert_eq!(pairs, [(1, 3), (3, 4)]);
        let boiler = index.boilerplate();
        assert_eq!(boiler.len(), 1);
        assert!(boiler.contains(f(7)) && !boiler.contains(f(9)));
    }

    #[test]
    fn fingerprints_around_boilerplate_skip_it_and_add_long_ones() {
        let common: Vec<u64> = (1000..1060).collect();
        let own = Fingerprints::new(&common, 13, 6);
        let index = FingerprintIndex::new(&[own.clone(), own.clone(), own.clone()], 24, 2);
        let boiler = index.boilerplate();
        let doc: Vec<u64> = (0..40)
            .chain(common.iter().copied())
            .chain(50..90)
            .collect();
        assert!(boiler.holds_any(&Fingerprints::new(&doc, 13, 6)));
        let f = Fingerprints::around_boilerplate(&doc, (13, 6), (30, 1), boiler);
        let short: Vec<u64> = crate::shingle::shingles(&doc, 13).collect();
        let long: Vec<u64> = crate::shingle::shingles(&doc, 30).collect();
        // The boilerplate windows the document picked, and the short windows of their
        // runs (picks at most w = 6 apart) or within 5 of a pick.
        let picked: Vec<usize> = Fingerprints::new(&doc, 13, 6)
            .iter_raw()
            .filter(|&(h, _)| boiler.contains(h))
            .map(|(_, p)| p as usize)
            .collect();
        let near = |i: usize| {
            picked.iter().any(|&p| p.abs_diff(i) < 6)
                || picked
                    .iter()
                    .any(|&a| picked.iter().any(|&b| a < i && i < b && b - a <= 6))
        };
        let mut longs = Vec::new();
        for (h, raw) in f.iter_raw() {
            let p = (raw & !LONG) as usize;
            if raw & LONG == 0 {
                assert_eq!(short[p], h);
                assert!(!boiler.contains(h), "a boilerplate window was selected");
            } else {
                assert_eq!(long[p], h);
                longs.push(p);
            }
        }
        // Exactly the long windows that hold one of those (window j holds j..=j + 17).
        longs.sort_unstable();
        let want: Vec<usize> = (0..long.len())
            .filter(|&j| (j..=j + 17).any(near))
            .collect();
        assert!(!want.is_empty());
        assert_eq!(longs, want);
    }

    /// Brute force: occurrences merged by repeated pairwise overlap, components by
    /// repeated relaxation, each group sorted.
    fn naive_groups(links: &[(Occurrence, Occurrence)]) -> Vec<Vec<Occurrence>> {
        let mut occ: Vec<Occurrence> = links.iter().flat_map(|&(x, y)| [x, y]).collect();
        occ.sort();
        occ.dedup();
        let n = occ.len();
        let mut comp: Vec<usize> = (0..n).collect();
        let same_node = |x: &Occurrence, y: &Occurrence| x.doc == y.doc && x.span.overlaps(&y.span);
        loop {
            let mut changed = false;
            for i in 0..n {
                for j in 0..n {
                    let linked = links.iter().any(|(x, y)| {
                        (*x == occ[i] && *y == occ[j]) || (*y == occ[i] && *x == occ[j])
                    });
                    if (linked || same_node(&occ[i], &occ[j])) && comp[i] != comp[j] {
                        let c = comp[i].min(comp[j]);
                        comp[i] = c;
                        comp[j] = c;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let mut groups: Vec<Vec<Occurrence>> = Vec::new();
        for c in 0..n {
            let members: Vec<Occurrence> =
                (0..n).filter(|&i| comp[i] == c).map(|i| occ[i]).collect();
            if members.is_empty() {
                continue;
            }
            // Merge overlapping occurrences of one document, as the groups report them.
            let mut merged: Vec<Occurrence> = Vec::new();
            for o in members {
                match merged.last_mut() {
                    Some(m) if m.doc == o.doc && o.span.start < m.span.end => {
                        m.span.end = m.span.end.max(o.span.end)
                    }
                    _ => merged.push(o),
                }
            }
            if merged.len() > 1 {
                groups.push(merged);
            }
        }
        groups.sort();
        groups
    }

    /// Rows with their positions.
    type SortedRows = (Vec<u64>, Vec<u32>);

    /// `rows` sorted by `sort_rows` with their positions (the index of each row), and as
    /// a stable sort orders them: `(got, want)`.
    fn sorted_both_ways(rows: Vec<u64>, doc_bits: u32) -> (SortedRows, SortedRows) {
        let at: Vec<u32> = (0..rows.len() as u32).collect();
        let mut stable: Vec<(u64, u32)> = rows.iter().copied().zip(at.iter().copied()).collect();
        stable.sort_by_key(|p| p.0);
        let (mut sorted, mut sorted_at) = (rows, at);
        sort_rows(&mut sorted, &mut sorted_at, doc_bits);
        ((sorted, sorted_at), stable.into_iter().unzip())
    }

    /// Enough rows in one bucket that the sort takes a third top byte, a tenth of them
    /// crowded on one fingerprint held by many documents, documents ascending as
    /// `group` writes them: sorted stably, positions along.
    #[test]
    fn a_large_bucket_is_sorted_with_its_positions() {
        for seed in [1u64, 0x9e37_79b9_7f4a_7c15] {
            let mut x = seed;
            let mut next = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            };
            let doc_bits = 20;
            let rows: Vec<u64> = (0..300_000u32)
                .map(|i| {
                    let h = if i % 10 == 0 {
                        0x5a5a_5a5a_5a5a
                    } else {
                        next() >> 8
                    };
                    row(h | 0xab << 56, i % (1 << doc_bits), doc_bits)
                })
                .collect();
            let ((sorted, sorted_at), (want, want_at)) = sorted_both_ways(rows, doc_bits);
            assert_eq!(sorted, want);
            assert_eq!(sorted_at, want_at);
        }
    }

    proptest! {
        /// Against every pair of holders: with no more documents than [`SMALL_GROUP`],
        /// each document is paired with every later one by each hash they both hold, at
        /// every pair of their positions, sorted by `(b, pos_a, pos_b)`.
        #[test]
        fn each_document_shares_what_later_ones_hold_too(
            docs in proptest::collection::vec(
                proptest::collection::btree_set((0u64..6, 0u32..LONG, any::<bool>()), 0..8),
                0..=SMALL_GROUP,
            ),
        ) {
            let raw = |&(_, pos, long): &(u64, u32, bool)| if long { pos | LONG } else { pos };
            let by_doc: Vec<Fingerprints> = docs
                .iter()
                .map(|d| Fingerprints {
                    hashes: d.iter().map(|p| p.0 << 40).collect(),
                    positions: d.iter().map(raw).collect(),
                })
                .collect();
            let index = FingerprintIndex::new(&by_doc, 24, 50);
            for (a, in_a) in docs.iter().enumerate() {
                let mut want = Vec::new();
                for (b, in_b) in docs.iter().enumerate().skip(a + 1) {
                    for x in in_a {
                        for y in in_b.iter().filter(|y| y.0 == x.0) {
                            want.push((b as u32, x.1, y.1, x.2));
                        }
                    }
                }
                want.sort_unstable();
                let got: Vec<(u32, u32, u32, bool)> = index
                    .shared_from(a as u32)
                    .iter()
                    .inspect(|s| assert_eq!(s.a, a as u32))
                    .map(|s| (s.b, s.pos_a, s.pos_b, s.long))
                    .collect();
                prop_assert_eq!(got, want);
            }
        }

        /// Against `Fingerprints::new`: the same pairs, in position order; tokens from
        /// a small vocabulary repeat phrases, so that hashes are picked past the cap.
        #[test]
        fn picks_in_position_order_are_the_fingerprints(
            tokens in proptest::collection::vec(0u64..6, 0..400),
            size in 1usize..4,
            window in 1usize..6,
        ) {
            let mut seen = Vec::new();
            let picks = Fingerprints::picked_in(&tokens, size, window, &mut Default::default(), &mut seen);
            prop_assert!(picks.is_sorted_by_key(|p| p.1));
            prop_assert!(seen.iter().all(|&w| w == 0), "the bitmap is left clear");
            let mut sorted = picks.clone();
            sorted.sort_unstable();
            let want: Vec<(u64, u32)> = Fingerprints::new(&tokens, size, window).iter_raw().collect();
            prop_assert_eq!(sorted, want);
        }

        #[test]
        fn picked_fingerprints_sort_as_pairs_do(
            picked in proptest::collection::vec((any::<u64>(), 0u32..1000), 0..3000),
            repeats in proptest::collection::vec((0usize..3000, 0u32..1000), 0..20),
            top in 0u32..3,
        ) {
            // Some hashes repeated at other positions, as a document that repeats a
            // phrase; `top` crowds the hashes into fewer buckets.
            let mut picked: Vec<(u64, u32)> = picked.into_iter().map(|(h, p)| (h >> (top * 7), p)).collect();
            for (i, pos) in repeats {
                if let Some(&(h, _)) = picked.get(i) {
                    picked.push((h, pos));
                }
            }
            let mut want = picked.clone();
            want.sort_unstable();
            sort_picked(&mut picked);
            prop_assert_eq!(picked, want);
        }

        /// Rows crowded in their top bytes take the fallback and are still sorted
        /// stably: with their documents ascending (as `group` writes them), or in any
        /// order.
        #[test]
        fn crowded_rows_are_sorted_with_their_positions(
            pairs in proptest::collection::vec((0u64..4, 0u64..1 << 20, 0u32..500), 0..700),
            ascending in any::<bool>(),
        ) {
            let mut pairs = pairs;
            if ascending {
                pairs.sort_by_key(|p| p.2);
            }
            let rows: Vec<u64> = pairs
                .iter()
                .map(|&(top, low, d)| row((top << 40 | low) << 4, d, 16))
                .collect();
            let ((sorted, sorted_at), (want, want_at)) = sorted_both_ways(rows, 16);
            prop_assert_eq!(sorted, want);
            prop_assert_eq!(sorted_at, want_at);
        }

        #[test]
        fn rows_are_sorted_with_their_positions(
            pairs in proptest::collection::vec((0u64..1 << 10, 0u32..500), 0..700),
            doc_bits in prop_oneof![Just(24u32), Just(32u32)],
            spread in 0u32..40,
        ) {
            // Rows come with their documents ascending, as `group` writes them; the
            // position tells rows apart.
            let mut pairs = pairs;
            pairs.sort_by_key(|p| p.1);
            let rows: Vec<u64> = pairs
                .iter()
                .map(|&(k, d)| row(k.wrapping_mul(0x9e37_79b9_7f4a_7c15) << spread, d, doc_bits))
                .collect();
            let ((sorted, sorted_at), (want, want_at)) = sorted_both_ways(rows, doc_bits);
            prop_assert_eq!(sorted, want);
            prop_assert_eq!(sorted_at, want_at);
        }

        /// Groups are the connected components of links and overlaps, listed with the
        /// first copy (corpus order, then position) first, ordered by first copy.
        #[test]
        fn groups_equal_brute_force_components(
            raw in prop::collection::vec(((0usize..4, 0usize..60, 1usize..20), (0usize..4, 0usize..60, 1usize..20)), 1..12),
        ) {
            let o = |(d, s, l): (usize, usize, usize)| Occurrence {
                doc: DocId::from_index(d),
                span: Span::new(s, s + l),
            };
            let links: Vec<(Occurrence, Occurrence)> = raw
                .into_iter()
                .map(|(x, y)| (o(x), o(y)))
                .filter(|(x, y)| !(x.doc == y.doc && x.span.overlaps(&y.span)))
                .collect();
            let got: Vec<Vec<Occurrence>> =
                group_occurrences(&links).into_iter().map(|g| g.occurrences).collect();
            for g in &got {
                prop_assert!(g.windows(2).all(|w| w[0] < w[1]));
            }
            prop_assert!(got.windows(2).all(|w| w[0][0] < w[1][0]));
            prop_assert_eq!(got, naive_groups(&links));
        }

        /// Fingerprints around boilerplate, for any long winnowing window, are those of
        /// the definition: the document's own fingerprints less the boilerplate ones,
        /// and long windows that hold a short one near the boilerplate it picked,
        /// winnowed among those.
        #[test]
        fn fingerprints_around_boilerplate_follow_the_definition(
            doc in prop::collection::vec(0u64..3, 0..120),
            common in prop::collection::vec([0u64..3, 0u64..3, 0u64..3], 1..6),
            (window, longer, long_window) in (1usize..5, 1usize..6, 1usize..6),
        ) {
            // Three kinds of token, so that the boilerplate windows are everywhere.
            let (size, long_size) = (3, 3 + longer);
            let boiler = Boilerplate::new(common.iter().map(|t| crate::shingle::shingle_hash(t)), 24);
            let got = Fingerprints::around_boilerplate(&doc, (size, window), (long_size, long_window), &boiler);
            let short: Vec<u64> = crate::shingle::shingles(&doc, size).collect();
            let mut want: Vec<(u64, u32)> = Vec::new();
            if doc.len() >= size + window - 1 {
                want.extend(naive_winnow(&short, window).into_iter().filter(|p| !boiler.contains(p.0)));
            }
            if doc.len() >= long_size + long_window - 1 {
                // The boilerplate windows picked, the first MAX_POSITIONS of each hash
                // (none in a document shorter than one winnowing window, which picks
                // nothing).
                let mut picked: Vec<usize> = Vec::new();
                let picks = if doc.len() >= size + window - 1 { naive_winnow(&short, window) } else { Vec::new() };
                for (h, p) in picks {
                    let kept = picked.iter().filter(|&&q| short[q] == h).count();
                    if boiler.contains(h) && kept < MAX_POSITIONS {
                        picked.push(p as usize);
                    }
                }
                // Within window - 1 of a pick, or between two picks at most window apart.
                let near = |i: usize| picked.iter().any(|&p| p.abs_diff(i) < window)
                    || picked.iter().any(|&a| picked.iter().any(|&b| a < i && i < b && b - a <= window));
                let is_common: Vec<bool> = (0..short.len()).map(near).collect();
                let long: Vec<u64> = crate::shingle::shingles(&doc, long_size).collect();
                let holds = |j: usize| is_common[j..(j + long_size - size + 1).min(short.len())].contains(&true);
                let masked: Vec<u64> = long.iter().enumerate().map(|(j, &h)| if holds(j) { h } else { u64::MAX }).collect();
                want.extend(naive_winnow(&masked, long_window).into_iter().filter(|p| holds(p.1 as usize)).map(|(h, p)| (h, p | LONG)));
            }
            prop_assert_eq!(got, Fingerprints::from_picked(&mut want));
        }

        /// A boilerplate set finds exactly its fingerprints (by their high bits), whatever
        /// its size, and its index is the fingerprint's place among the sorted rows.
        #[test]
        fn boilerplate_lookups_are_a_search_of_the_rows(
            members in prop::collection::vec(any::<u64>(), 0..70),
            others in prop::collection::vec(any::<u64>(), 0..70),
        ) {
            let set = Boilerplate::new(members.iter().copied(), 24);
            let rows = &set.rows;
            // Members, their neighbours in the high bits, and others.
            let near = members.iter().map(|&m| m ^ (1 << 40));
            let asked: Vec<u64> = members.iter().copied().chain(near).chain(others).collect();
            for &h in &asked {
                let r = row(h, 0, 24);
                prop_assert_eq!(set.index_of(h), rows.binary_search(&r).ok());
                prop_assert_eq!(set.contains(h), rows.binary_search(&r).is_ok());
            }
            // Looked up a block at a time: the same places, in order.
            let mut found = Vec::new();
            set.find_all(&asked, |k, i| found.push((k, i)));
            let want: Vec<(usize, usize)> = asked
                .iter()
                .enumerate()
                .filter_map(|(k, &h)| Some((k, set.index_of(h)?)))
                .collect();
            prop_assert_eq!(found, want);
        }

        /// Grouped in many passes (a few rows at a time), the fingerprints give the same
        /// groups as in one.
        #[test]
        fn grouping_in_passes_gives_the_same_groups(
            docs in prop::collection::vec(prop::collection::vec(0u64..30, 0..60), 1..12),
            max_docs in 1usize..6,
            keep in prop::sample::select(vec![Keep::BoilerplateDocs, Keep::Holders, Keep::Both]),
        ) {
            let prints: Vec<Fingerprints> = docs.iter().map(|d| Fingerprints::new(d, 2, 2)).collect();
            let flat = |parts: Vec<Pass>| {
                let keys: Vec<u64> = parts.iter().flat_map(|p| p.group_key.clone()).collect();
                let boiler: Vec<u64> = parts.iter().flat_map(|p| p.boilerplate.clone()).collect();
                let mut held = Vec::new();
                for p in &parts {
                    let mut start = 0;
                    for &end in &p.group_end {
                        held.push(p.holders[start..end].to_vec());
                        start = end;
                    }
                }
                let docs: Vec<u32> = parts.iter().flat_map(|p| p.boilerplate_docs.clone()).collect();
                (keys, boiler, held, docs)
            };
            let rows = PrintRows::of(&prints, 24);
            let in_passes = |rows_per_pass| {
                let mut parts = Vec::new();
                group_in_passes(&rows, (24, max_docs), keep, rows_per_pass, &mut |p| parts.push(p));
                parts
            };
            let one = flat(in_passes(1 << 23));
            let many = flat(in_passes(7));
            prop_assert_eq!(one, many);
        }

        /// An index over the first rows' groups, kept from the grouping that finds their
        /// boilerplate, and the added rows is the index over one grouping of the first
        /// rows less the boilerplate's and the added ones. Keys are few, so that many
        /// are in both (held by one document in one of them, or more), boilerplate in
        /// one or the other; spread over the buckets and parts.
        #[test]
        fn an_index_over_kept_groups_equals_one_grouping_of_the_rows_left(
            first in prop::collection::vec(prop::collection::vec((0u64..14, 0u32..40), 0..14), 1..12),
            added in prop::collection::vec(prop::collection::vec((6u64..20, 0u32..40), 0..6), 12),
            counted in prop::collection::vec(prop::collection::vec(0u64..20, 0..4), 12),
            max_docs in 1usize..5,
            containment: bool,
        ) {
            let n = first.len();
            // Keys in the high bits, three to a part and a bucket (in an order unlike
            // theirs); low bits (below the documents') vary.
            let key_bits = |k: u64| (k % 3) << 58 | (19 - k) << 40;
            let hash = |k: u64, p: u32| key_bits(k) | u64::from(p) << 3;
            let entries = |docs: &[Vec<(u64, u32)>], long: u32| -> Vec<Vec<(u64, u32)>> {
                docs.iter()
                    .take(n)
                    .map(|d| d.iter().map(|&(k, p)| (hash(k, p), p | long)).collect())
                    .collect()
            };
            let keys_of = |docs: &[Vec<(u64, u32)>]| -> Vec<Vec<u64>> {
                docs.iter().take(n).map(|d| d.iter().map(|e| e.0).collect()).collect()
            };
            let first_keys = keys_of(&first);
            let (first, added) = (entries(&first, 0), entries(&added, LONG));
            let rows_of = |docs: &[Vec<(u64, u32)>]| {
                let mut rows = PrintRows::new(24, None);
                for (d, e) in docs.iter().enumerate() {
                    rows.add(d as u32, e.iter().copied());
                }
                rows
            };
            let windows = |d: usize, out: &mut Vec<u64>| {
                out.extend(counted[d].iter().map(|&k| hash(k, 1)));
            };
            let windows: Option<&WindowsOf<'_>> = containment.then_some(&windows);
            let first_rows = rows_of(&first);
            let (common, _, groups) = Boilerplate::of_rows_grouped(&first_rows, n, max_docs);
            let index = FingerprintIndex::build_with(
                (groups, first_rows, &common),
                rows_of(&added),
                n,
                max_docs,
                windows,
            );
            // The oracle: a first key is boilerplate when more than max_docs documents
            // hold it; the rows left, a document's first rows then its added ones,
            // grouped at once.
            let common_key = |k: u64| first_keys.iter().filter(|d| d.contains(&k)).count() > max_docs;
            let all: Vec<Vec<(u64, u32)>> = (0..n)
                .map(|d| {
                    let from_first = (first[d].iter().zip(&first_keys[d]))
                        .filter(|(_, k)| !common_key(**k))
                        .map(|(e, _)| *e);
                    from_first.chain(added[d].iter().copied()).collect()
                })
                .collect();
            let oracle = FingerprintIndex::build(&rows_of(&all), n, max_docs, windows);
            for d in 0..n as u32 {
                prop_assert_eq!(index.shared_from(d), oracle.shared_from(d));
                prop_assert_eq!(index.shares_any(d), oracle.shares_any(d));
            }
            prop_assert_eq!(index.boilerplate(), oracle.boilerplate());
        }

        /// Two sorted lists merged are their union sorted, each value once.
        #[test]
        fn merging_sorted_keys_gives_their_union_in_order(
            a in prop::collection::btree_set(0u64..60, 0..30),
            b in prop::collection::btree_set(0u64..60, 0..30),
        ) {
            let (a, b): (Vec<u64>, Vec<u64>) = (a.into_iter().collect(), b.into_iter().collect());
            let mut out = vec![99];
            merge_sorted(&a, &b, &mut out);
            let want: Vec<u64> = a.iter().chain(&b).copied().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
            prop_assert_eq!(&out[1..], &want[..]);
        }

        /// The documents that the boilerplate grouping marks are those that hold a
        /// boilerplate fingerprint.
        #[test]
        fn boilerplate_holders_are_the_documents_that_hold_it(
            docs in prop::collection::vec(prop::collection::vec(0u64..30, 0..60), 1..12),
            max_docs in 1usize..6,
        ) {
            let prints: Vec<Fingerprints> = docs.iter().map(|d| Fingerprints::new(d, 2, 2)).collect();
            let (common, holds) = Boilerplate::of_rows(&PrintRows::of(&prints, 24), prints.len(), max_docs);
            let want: Vec<bool> = prints.iter().map(|p| common.holds_any(p)).collect();
            prop_assert_eq!(holds, want);
        }

        #[test]
        fn winnowing_equals_the_naive_definition(
            h in prop::collection::vec(0u64..20, 0..80),
            w in 1usize..12,
        ) {
            prop_assert_eq!(winnow(&h, w), naive_winnow(&h, w));
        }

        /// Around boilerplate, two documents that share a run select the same
        /// fingerprints inside it: a long one wherever the run holds 30 tokens over a
        /// boilerplate window, or two short ones.
        #[test]
        fn runs_next_to_boilerplate_share_fingerprints(
            before in prop::collection::vec(any::<u64>(), 0..30),
            after in prop::collection::vec(any::<u64>(), 0..30),
            rare in prop::collection::vec(any::<u64>(), 0..20),
            split in 0usize..40,
            other in prop::collection::vec(any::<u64>(), 0..30),
        ) {
            let common: Vec<u64> = (1..=40).collect();
            let own = Fingerprints::new(&common, 13, 6);
            let index = FingerprintIndex::new(&[own.clone(), own.clone(), own], 24, 2);
            let boiler = index.boilerplate();
            // The shared run: rare text put into the common text at `split`.
            let mut run: Vec<u64> = common.clone();
            run.splice(split..split, rare.iter().copied());
            let x: Vec<u64> = before.iter().chain(&run).chain(&after).copied().collect();
            let y: Vec<u64> = other.iter().chain(&run).chain(&before).copied().collect();
            let fx = Fingerprints::around_boilerplate(&x, (13, 6), (30, 1), boiler);
            let fy = Fingerprints::around_boilerplate(&y, (13, 6), (30, 1), boiler);
            // Fingerprints whose windows lie inside the run, as offsets in it.
            let inside = |f: &Fingerprints, start: usize| -> Vec<(u64, u32, bool)> {
                f.iter_raw()
                    .filter_map(|(h, raw)| {
                        let (p, long) = ((raw & !LONG) as usize, raw & LONG != 0);
                        let len = if long { 30 } else { 13 };
                        (p >= start && p + len <= start + run.len())
                            .then(|| (h, (p - start) as u32, long))
                    })
                    .collect()
            };
            let (ix, iy) = (inside(&fx, before.len()), inside(&fy, other.len()));
            let shared: Vec<_> = ix.iter().filter(|e| iy.contains(e)).collect();
            prop_assert!(
                shared.iter().any(|e| e.2) || shared.len() >= 2,
                "run of {} tokens: shared {:?}", run.len(), shared
            );
        }

        /// The guarantee: a shared run of w + k - 1 tokens (w shingles) gives a shared
        /// fingerprint, whatever surrounds it.
        #[test]
        fn shared_runs_of_the_guaranteed_length_share_a_fingerprint(
            a in prop::collection::vec(any::<u64>(), 0..60),
            b in prop::collection::vec(any::<u64>(), 0..60),
            run in prop::collection::vec(any::<u64>(), 1..40),
            w in 1usize..20,
        ) {
            prop_assume!(run.len() >= w);
            let x: Vec<u64> = a.iter().chain(&run).copied().collect();
            let y: Vec<u64> = run.iter().chain(&b).copied().collect();
            let fx: std::collections::HashSet<u64> = winnow(&x, w).into_iter().map(|f| f.0).collect();
            prop_assert!(winnow(&y, w).iter().any(|f| fx.contains(&f.0)));
        }
    }
}
