//! The documents of a batch being added, before they are committed: which documents
//! before each in the batch hold its keys, and the batch's run.
//!
//! # Algorithm
//!
//! A batch's documents are matched as if added one at a time, each against the index
//! and the documents before it in the batch. Rather than adding each document's keys to
//! a map in order (a hash lookup and insert per key, on one core, before the next
//! document can be matched), every band key and fingerprint of the batch is listed as
//! `(key, document, tag)` and the list sorted, in parallel. The holders of a key before
//! a document are then the entries of the key's group before the document's own: one
//! pass over the sorted list notes where they are for every entry that has some, and
//! each document is matched on its own, in parallel. The sorted lists, less the
//! fingerprints that matching finds held by too many documents, and with the windows
//! that documents count by containment (the `edges` module), are the batch's run.
//!
//! # Cost
//!
//! O(e log e) for the e keys of the batch (the sort), one pass over them, and one note
//! for each key that a document shares with an earlier one of the batch; 16 bytes a key
//! while the batch is matched, and 32 more a note. Looking up a document's earlier
//! holders is a binary search among its notes (none for most documents).

use super::runs::Entry;
use crate::bloom::{by_top_bits, slot_starts};

/// An entry `(document, key, tag)` whose key documents before its own hold, and the
/// range of the sorted entries that holds their entries.
type Note = ((u32, u64, u32), (usize, usize));

/// The keys of one kind that a batch's documents hold, sorted.
#[derive(Debug, Default)]
pub(super) struct BatchKeys {
    /// `(key, document in the batch, tag)`, sorted; the tag tells a document's keys
    /// apart (a band key's index among the document's, a fingerprint's position).
    sorted: Vec<(u64, u32, u32)>,
    /// For each entry of `sorted` whose key documents before its own hold: its
    /// `(document, key, tag)` and the range of `sorted` that holds their entries.
    /// Sorted.
    earlier: Vec<Note>,
    /// Where each document's part of `earlier` starts, and (last) where it ends.
    starts: Vec<usize>,
}

impl BatchKeys {
    /// The keys of documents `0..docs`, `keys(d)` giving document `d`'s `(key, tag)`
    /// pairs. Documents are numbered in `u32` (an index holds at most `u32::MAX`).
    pub fn new<I>(docs: usize, keys: impl Fn(usize) -> I) -> BatchKeys
    where
        I: Iterator<Item = (u64, u32)>,
    {
        let mut sorted = Vec::new();
        for d in 0..docs {
            sorted.extend(keys(d).map(|(key, tag)| (key, d as u32, tag)));
        }
        sort_by_slots(&mut sorted);
        let mut earlier = earlier_holders(&sorted);
        earlier.sort_unstable_by_key(|e| e.0);
        let starts = slot_starts(docs, earlier.iter().map(|e| e.0.0 as usize));
        BatchKeys {
            sorted,
            earlier,
            starts,
        }
    }

    /// The entries `(key, document, tag)` of the documents before `d` that hold `key`,
    /// in the batch's order (and by tag within a document); `tag` is `d`'s own for
    /// the key.
    pub fn before(&self, d: usize, key: u64, tag: u32) -> &[(u64, u32, u32)] {
        let Some(&[start, end]) = self.starts.get(d..d + 2) else {
            return &[];
        };
        let notes = &self.earlier[start..end];
        match notes.binary_search_by_key(&(d as u32, key, tag), |e| e.0) {
            Ok(k) => {
                let (from, to) = notes[k].1;
                &self.sorted[from..to]
            }
            Err(_) => &[],
        }
    }

    /// For each entry of document `d` whose key documents before it hold, the key and
    /// their entries (as [`before`](BatchKeys::before) gives them), by key and tag.
    pub fn shared_by(&self, d: usize) -> impl Iterator<Item = (u64, &[(u64, u32, u32)])> {
        let notes = match self.starts.get(d..d + 2) {
            Some(&[start, end]) => &self.earlier[start..end],
            _ => &[],
        };
        notes
            .iter()
            .map(|&((_, key, _), (from, to))| (key, &self.sorted[from..to]))
    }

    /// The entries `(key, document, tag)` of every document that holds `key`, in the
    /// batch's order. A binary search.
    pub fn holding(&self, key: u64) -> &[(u64, u32, u32)] {
        let from = self.sorted.partition_point(|e| e.0 < key);
        let to = self.sorted.partition_point(|e| e.0 <= key);
        &self.sorted[from..to]
    }

    /// The entries of a run, sorted and without repeats: document `d` as number
    /// `first + d`, with the tag as the position when `positions` is set (0 otherwise),
    /// for the keys `keep(d, key)` keeps.
    pub fn entries(
        &self,
        first: u64,
        positions: bool,
        keep: impl Fn(usize, u64) -> bool,
    ) -> Vec<Entry> {
        // Sorted by key, document and tag, the entries come out sorted by key, number
        // and position.
        let mut out: Vec<Entry> = self
            .sorted
            .iter()
            .filter(|&&(key, d, _)| keep(d as usize, key))
            .map(|&(key, d, tag)| Entry {
                key,
                // Numbers were checked to fit when the documents were numbered.
                doc: (first + u64::from(d)) as u32,
                pos: if positions { tag } else { 0 },
            })
            .collect();
        out.dedup();
        out
    }
}

/// The top bits of a key that [`sort_by_slots`] puts entries in slots by.
const SLOT_BITS: u32 = 16;

/// Sorts `entries` as `sort_unstable` would: a counting sort into slots by the top
/// [`SLOT_BITS`] bits of the key, then each slot on its own, the slots in parallel.
/// Keys are hashes, spread over their range (winnowed fingerprints, minima, a little
/// more towards the low end), so a batch's million entries come about 15 to a slot. A
/// list of fewer than 65,536 entries, and one whose keys crowd into a slot larger than
/// two of the 64 parts the slots are shared out in, is sorted by comparison, in
/// parallel.
fn sort_by_slots(entries: &mut Vec<(u64, u32, u32)>) {
    if entries.len() < 1 << SLOT_BITS {
        crate::par::sort_unstable(entries);
        return;
    }
    let mut slotted = Vec::new();
    by_top_bits(entries, SLOT_BITS, |e| e.0, &mut slotted);
    let slot = |e: &(u64, u32, u32)| e.0 >> (64 - SLOT_BITS);
    // Parts of about equal size, cut between slots, for the threads to share.
    let mut parts: Vec<&mut [(u64, u32, u32)]> = Vec::new();
    let mut rest = slotted.as_mut_slice();
    let size = rest.len() / 64 + 1;
    while !rest.is_empty() {
        let mut cut = size.min(rest.len());
        while cut < rest.len() && slot(&rest[cut]) == slot(&rest[cut - 1]) {
            cut += 1;
        }
        if cut > 2 * size {
            crate::par::sort_unstable(&mut slotted);
            *entries = slotted;
            return;
        }
        let (part, after) = rest.split_at_mut(cut);
        parts.push(part);
        rest = after;
    }
    crate::par::for_each_mut(&mut parts, |_, part| {
        for same in part.chunk_by_mut(|x, y| slot(x) == slot(y)) {
            same.sort_unstable();
        }
    });
    *entries = slotted;
}

/// For each entry of `sorted` whose key documents before its own hold, its
/// `(document, key, tag)` and where their entries are (the part of the key's group
/// before the document's first entry).
fn earlier_holders(sorted: &[(u64, u32, u32)]) -> Vec<Note> {
    let mut out = Vec::new();
    let mut group = 0;
    while group < sorted.len() {
        let key = sorted[group].0;
        let same = sorted[group..].iter().position(|e| e.0 != key);
        let end = same.map_or(sorted.len(), |k| group + k);
        let mut own = group;
        for (j, &(_, d, tag)) in sorted.iter().enumerate().take(end).skip(group) {
            if d != sorted[own].1 {
                own = j;
            }
            if own > group {
                out.push(((d, key, tag), (group, own)));
            }
        }
        group = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    /// What adding the documents one by one to a map gives: for each document and key,
    /// the entries of earlier documents.
    fn one_by_one(docs: &[Vec<(u64, u32)>]) -> Vec<Vec<Vec<(u64, u32, u32)>>> {
        let mut map: HashMap<u64, Vec<(u64, u32, u32)>> = HashMap::new();
        let mut out = Vec::new();
        for (d, keys) in docs.iter().enumerate() {
            let before: Vec<Vec<(u64, u32, u32)>> = keys
                .iter()
                .map(|(key, _)| map.get(key).cloned().unwrap_or_default())
                .collect();
            for &(key, tag) in keys {
                map.entry(key).or_default().push((key, d as u32, tag));
            }
            out.push(before);
        }
        out
    }

    proptest! {
        #[test]
        fn earlier_holders_are_those_one_by_one_adds_find(
            docs in proptest::collection::vec(
                proptest::collection::vec((0u64..12, 0u32..6), 0..10), 0..12),
        ) {
            // Tags ascending within a document, as band indices and (per key)
            // fingerprint positions are: the order the map below gets them in.
            let docs: Vec<Vec<(u64, u32)>> = docs
                .into_iter()
                .map(|mut keys| {
                    keys.sort_unstable_by_key(|k| k.1);
                    keys
                })
                .collect();
            let batch = BatchKeys::new(docs.len(), |d| docs[d].iter().copied());
            let expected = one_by_one(&docs);
            for (d, keys) in docs.iter().enumerate() {
                for (&(key, tag), want) in keys.iter().zip(&expected[d]) {
                    let mut want = want.clone();
                    want.sort_unstable();
                    prop_assert_eq!(batch.before(d, key, tag), want.as_slice());
                }
                // The entries whose keys earlier documents hold, by key and tag.
                let mut shared: Vec<(u64, u32)> = keys
                    .iter()
                    .copied()
                    .filter(|&(key, tag)| !batch.before(d, key, tag).is_empty())
                    .collect();
                shared.sort_unstable();
                let listed: Vec<_> = shared
                    .iter()
                    .map(|&(key, tag)| (key, batch.before(d, key, tag)))
                    .collect();
                prop_assert_eq!(batch.shared_by(d).collect::<Vec<_>>(), listed);
                // Every key, held by `d` or not: all its holders, in the batch's order.
                for key in 0..12 {
                    let mut all: Vec<(u64, u32, u32)> = Vec::new();
                    for (e, k) in docs.iter().enumerate() {
                        let held = k.iter().filter(|x| x.0 == key);
                        all.extend(held.map(|x| (key, e as u32, x.1)));
                    }
                    all.sort_unstable();
                    prop_assert_eq!(batch.holding(key), all.as_slice());
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn sorting_by_slots_sorts(
            keys in proptest::collection::vec((any::<u64>(), 0u32..4, 0u32..4), 0..3000),
            crowded in 0usize..3000,
            spread in 70_000usize..80_000,
        ) {
            // Long enough to be sorted by slots, with keys many share (a crowded slot
            // and equal entries) among keys spread over the range.
            let mut entries: Vec<(u64, u32, u32)> = keys.clone();
            entries.extend((0..crowded).map(|i| (7 + i as u64 % 5, 1, 0)));
            let spread_key = |i: u64| i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            entries.extend((0..spread as u64).map(|i| (spread_key(i), 0, 0)));
            let mut want = entries.clone();
            want.sort_unstable();
            sort_by_slots(&mut entries);
            prop_assert_eq!(entries, want);
        }
    }

    #[test]
    fn entries_are_sorted_numbered_and_kept() {
        let docs = [
            vec![(7, 3), (5, 1)],
            vec![(5, 2), (7, 0), (7, 0)],
            vec![(5, 9)],
        ];
        let batch = BatchKeys::new(docs.len(), |d| docs[d].iter().copied());
        let entry = |key, doc, pos| Entry { key, doc, pos };
        assert_eq!(
            batch.entries(100, true, |d, key| !(d == 2 && key == 5)),
            [
                entry(5, 100, 1),
                entry(5, 101, 2),
                entry(7, 100, 3),
                entry(7, 101, 0)
            ]
        );
        assert_eq!(
            batch.entries(0, false, |_, _| true),
            [
                entry(5, 0, 0),
                entry(5, 1, 0),
                entry(5, 2, 0),
                entry(7, 0, 0),
                entry(7, 1, 0)
            ]
        );
        assert_eq!(batch.before(1, 7, 0), [(7, 0, 3)]);
        assert_eq!(batch.before(0, 7, 3), []);
        assert_eq!(BatchKeys::default().before(0, 7, 3), []);
        assert_eq!(batch.holding(7), [(7, 0, 3), (7, 1, 0), (7, 1, 0)]);
        assert_eq!(batch.holding(6), []);
    }
}
