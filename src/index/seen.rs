//! The keys of the runs a writer wrote itself, in Bloom filters of their own: a batch's
//! lookup asks them about each key first, and asks the filters of those runs only about
//! the keys they may hold.
//!
//! # Why
//!
//! A lookup asks every run's filter about every key, and reads a block of each run
//! whose filter lets a key through. An index fed batch after batch holds a dozen runs
//! or more (two dozen at a million documents, while a large merge runs), so that a
//! batch's million keys cost two dozen million filter probes and, one key in 450 passing
//! each small run's filter, tens of thousands of block reads, nearly all for keys that no
//! run holds: most of a new document's fingerprints are new.
//!
//! # Algorithm
//!
//! A writer puts every key of each batch it writes into the filters of its kind before
//! the batch's run is written. Only this writer adds documents while it is open (one
//! writer at a time), so every entry of a document numbered from the first it added
//! is in the filters: a run whose documents are all numbered from there, written by a
//! batch or merged from such runs, is covered, and a key that the filters turn away is
//! in none of the covered runs. So is a run the writer wrote that holds entries of
//! earlier documents (the long windows they take late, the `late` module, or a copy's in
//! a removed first copy's place), noted by number once its transaction commits, and a
//! merge of covered runs only. Another run with an earlier document (the runs the index
//! held when it was opened, and the merges of those) is asked as before. Keys of a batch
//! that failed stay in the filters: they only let more through.
//!
//! The filters grow with the keys: each kind keeps a list, keys go into the last until
//! it holds as many as it was made for, the rest into a new one of twice that (or of
//! the rest, if larger; the first is made for 65,536 keys at least). A key is looked
//! for in each (about log2 of the keys over the first filter's, plus one: seven at a
//! million documents added 10,000 at a time), each letting about one key in 225
//! through.
//!
//! # Cost
//!
//! 12 bits a key written once the last filter is full, and up to about three times that
//! just after a new one is made (24 on average as the filters double), in the writer's
//! memory only, as long as it is open: about 200 MB at a million documents of 2 KB (the
//! adding process of the index bench peaked at 1,064 and 1,087 MB instead of 881 and
//! 841), and 1.5 to 3 GB at a billion keys. A lookup asks the filters about each key,
//! in the order their bits lie in them (front to back), and asks a covered run's filter
//! about the few keys they let through. Nothing is stored: a writer opened again starts
//! with no run covered.

use super::runs::{Entry, Kind, Run, mix};
use crate::bloom::{Filter, Probe};
use std::collections::HashSet;

/// Filter bits per key.
const BITS_PER_KEY: u64 = 12;

/// The keys a first filter is made for, at least.
const FIRST_KEYS: u64 = 1 << 16;

/// The keys of both kinds of the runs written since the writer opened.
#[derive(Debug)]
pub(super) struct Seen {
    /// The number of the first document added since: a run whose documents are all
    /// numbered from here is covered.
    first_added: u64,
    /// Runs written since that also hold entries of earlier documents (those that
    /// earlier documents take late, or a copy's in a removed first copy's place), and
    /// merges of covered runs only: covered too.
    written: HashSet<u64>,
    /// The filters of band keys, then of fingerprints ([`Kind`]).
    kinds: [GrowingFilters; 2],
}

/// Filters of growing size, the last taking keys until full.
#[derive(Debug, Default)]
struct GrowingFilters {
    filters: Vec<SizedFilter>,
}

/// A filter, the keys it was made for, and the keys put in it.
#[derive(Debug)]
struct SizedFilter {
    filter: Filter,
    /// The keys it was made for.
    room: u64,
    /// The keys put in it.
    held: u64,
}

impl Seen {
    /// Nothing seen yet; documents numbered `first_added` on are to be added by this
    /// writer.
    pub fn new(first_added: u64) -> Seen {
        Seen {
            first_added,
            written: HashSet::new(),
            kinds: Default::default(),
        }
    }

    /// Whether every key of `run` went into the filters.
    pub fn covers(&self, run: &Run) -> bool {
        u64::from(run.docs.0) >= self.first_added || self.written.contains(&run.id)
    }

    /// Notes that every key of run `id` went into the filters: a run whose entries
    /// were [inserted](Seen::insert), or the merge of covered runs.
    pub fn wrote(&mut self, id: u64) {
        self.written.insert(id);
    }

    /// Puts the keys of a batch's entries, of both kinds, into the filters.
    pub fn insert(&mut self, entries: &[Vec<Entry>; 2]) {
        let [a, b] = &mut self.kinds;
        crate::par::join(|| a.insert(&entries[0]), || b.insert(&entries[1]));
    }

    /// False when no covered run holds the key of `kind` whose probe is `p`.
    pub fn may_hold(&self, kind: Kind, p: Probe) -> bool {
        let filters = &self.kinds[kind as usize].filters;
        filters.iter().any(|f| f.filter.may_hold_probe(p))
    }
}

impl GrowingFilters {
    fn insert(&mut self, entries: &[Entry]) {
        let mut rest = entries;
        if let Some(last) = self.filters.last_mut() {
            let (now, later) = rest.split_at(((last.room - last.held) as usize).min(rest.len()));
            last.insert(now);
            rest = later;
        }
        if !rest.is_empty() {
            let last = self.filters.last().map_or(0, |f| f.room);
            let room = (2 * last).max(rest.len() as u64).max(FIRST_KEYS);
            let filter = Filter::with_keys(room, BITS_PER_KEY);
            let mut new = SizedFilter {
                filter,
                room,
                held: 0,
            };
            new.insert(rest);
            self.filters.push(new);
        }
    }
}

impl SizedFilter {
    fn insert(&mut self, entries: &[Entry]) {
        if entries.is_empty() {
            return;
        }
        let mut keys: Vec<u64> = entries.iter().map(|e| mix(e.key)).collect();
        self.filter.insert_all_mixed(&mut keys, &mut Vec::new());
        self.held += entries.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `seen` may hold `key` of kind `kind`.
    fn held(seen: &Seen, kind: Kind, key: u64) -> bool {
        seen.may_hold(kind, Probe::of(mix(key)))
    }

    /// Entries of document 0 for `keys`.
    fn entries(keys: impl Iterator<Item = u64>) -> Vec<Entry> {
        keys.map(|key| Entry {
            key,
            doc: 0,
            pos: 0,
        })
        .collect()
    }

    #[test]
    fn every_key_put_in_is_held_as_the_filters_grow() {
        let mut seen = Seen::new(0);
        let mut put = Vec::new();
        for batch in 0..40u64 {
            let bands = entries((0..10_000).map(|i| batch * 1_000_000 + i));
            let prints = entries((0..3).map(|i| u64::MAX - batch * 10 - i));
            put.push((bands.clone(), prints.clone()));
            seen.insert(&[bands, prints]);
        }
        // 400,000 band keys: filters for 65,536, 131,072 and 262,144 keys, each full
        // before the next.
        let filters = &seen.kinds[0].filters;
        let sizes: Vec<(u64, u64)> = filters.iter().map(|f| (f.room, f.held)).collect();
        assert_eq!(
            sizes,
            [
                (1 << 16, 1 << 16),
                (1 << 17, 1 << 17),
                (1 << 18, 400_000 - 196_608)
            ]
        );
        assert_eq!(seen.kinds[1].filters.len(), 1);
        for (bands, prints) in &put {
            assert!(bands.iter().all(|e| held(&seen, Kind::Bands, e.key)));
            assert!(prints.iter().all(|e| held(&seen, Kind::Prints, e.key)));
        }
        // Keys never put in: about one in 225 passes each of the three filters (at
        // most three times that allowed).
        let (asked, filters, margin) = (100_000, 3, 3);
        let passed = (0..asked as u64)
            .filter(|&k| held(&seen, Kind::Bands, k + (1 << 40)))
            .count();
        assert!(passed < asked * filters * margin / 225, "{passed} passed");
        let passed = (0..100_000u64)
            .filter(|&k| held(&seen, Kind::Prints, k))
            .count();
        assert!(passed < 10, "{passed} passed the nearly empty filter");
    }

    #[test]
    fn a_batch_fills_the_last_filter_and_the_rest_gets_one_of_its_size_if_larger() {
        let mut seen = Seen::new(0);
        seen.insert(&[entries(0..10), Vec::new()]);
        seen.insert(&[entries(10..300_010), Vec::new()]);
        let filters = &seen.kinds[0].filters;
        let sizes: Vec<(u64, u64)> = filters.iter().map(|f| (f.room, f.held)).collect();
        let rest = 300_010 - (1 << 16);
        assert_eq!(sizes, [(1 << 16, 1 << 16), (rest, rest)]);
        assert!((0..300_010).all(|k| held(&seen, Kind::Bands, k)));
        assert!(seen.kinds[1].filters.is_empty() && !held(&seen, Kind::Prints, 3));
    }
}
