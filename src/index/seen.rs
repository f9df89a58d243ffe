//! The keys of the runs a writer wrote itself, in one filter per kind: a batch's lookup
//! asks it about each key first, and asks the filters of those runs only about the keys
//! it may hold.
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
//! A writer puts every key of each batch it writes into the filter of its kind before
//! the batch's run is written. Only this writer adds documents while it is open (one
//! writer at a time), so every entry of a document numbered from the first it added
//! ([`Seen::from`]) is in the filters: a run whose documents are all numbered from
//! there, written by a batch or merged from such runs, is covered, and a key that the
//! filter turns away is in none of the covered runs. A run with an earlier document
//! (the runs the index held when it was opened, and the merges of those) is asked as
//! before. Keys of a batch that failed stay in the filter: it only lets more through.
//!
//! The filter grows with the keys: each kind keeps a list of Bloom filters, keys go
//! into the last until it holds as many as it was made for, and then into a new one of
//! twice that. A key is looked for in each (about log2 of the keys over the first's
//! size of them, seven at a million documents), which lets about one key in 225 through
//! each.
//!
//! # Cost
//!
//! 12 bits a key written, in the writer's memory only, and up to twice as much while
//! the last filter fills: about 200 MB at a million documents of 2 KB (the adding
//! process of the index bench peaked at 1,064 and 1,087 MB instead of 881 and 841). A
//! lookup asks the filters about each key, in the order their bits lie in them (front
//! to back). Nothing is stored: a writer opened again starts with no run covered.

use super::runs::{Entry, Run, mix};
use crate::bloom::Filter;

/// Filter bits per key.
const BITS: u64 = 12;

/// The keys a first filter is made for, at least.
const FIRST_KEYS: u64 = 1 << 16;

/// The keys of both kinds of the runs written since the writer opened.
#[derive(Debug)]
pub(super) struct Seen {
    /// The first document number added since: a run whose documents are all numbered
    /// from here is covered.
    from: u64,
    kinds: [Grown; 2],
}

/// Filters of growing size, the last taking keys until full.
#[derive(Debug, Default)]
struct Grown {
    /// Each filter, the keys it was made for and the keys put in it.
    filters: Vec<(Filter, u64, u64)>,
}

impl Seen {
    /// Nothing seen yet; documents numbered `from` on are to be added by this writer.
    pub fn new(from: u64) -> Seen {
        Seen {
            from,
            kinds: Default::default(),
        }
    }

    /// Whether every key of `run` went into the filters.
    pub fn covers(&self, run: &Run) -> bool {
        u64::from(run.docs.0) >= self.from
    }

    /// Puts the keys of a batch's entries, of both kinds, into the filters.
    pub fn insert(&mut self, entries: &[Vec<Entry>; 2]) {
        let [a, b] = &mut self.kinds;
        crate::par::join(|| a.insert(&entries[0]), || b.insert(&entries[1]));
    }

    /// False when no covered run holds the key of kind `kind` whose mix is `h`.
    pub fn may_hold(&self, kind: usize, h: u64) -> bool {
        self.kinds[kind]
            .filters
            .iter()
            .any(|(f, _, _)| f.may_hold(h))
    }
}

impl Grown {
    fn insert(&mut self, entries: &[Entry]) {
        if entries.is_empty() {
            return;
        }
        let n = entries.len() as u64;
        let full = match self.filters.last() {
            Some(&(_, room, held)) => held + n > room,
            None => true,
        };
        if full {
            let last = self.filters.last().map_or(0, |f| f.1);
            let room = (2 * last).max(n).max(FIRST_KEYS);
            self.filters.push((Filter::with_keys(room, BITS), room, 0));
        }
        let (filter, _, held) = self.filters.last_mut().expect("a filter");
        let mut keys: Vec<u64> = entries.iter().map(|e| mix(e.key)).collect();
        filter.insert_all_mixed(&mut keys, &mut Vec::new());
        *held += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // 400,000 band keys: filters for 65,536, 131,072 and 262,144 keys.
        let sizes: Vec<u64> = seen.kinds[0].filters.iter().map(|f| f.1).collect();
        assert_eq!(sizes, [1 << 16, 1 << 17, 1 << 18]);
        assert_eq!(seen.kinds[1].filters.len(), 1);
        for (bands, prints) in &put {
            assert!(bands.iter().all(|e| seen.may_hold(0, mix(e.key))));
            assert!(prints.iter().all(|e| seen.may_hold(1, mix(e.key))));
        }
        // Keys never put in: about one in 225 passes each filter.
        let passed = (0..100_000u64)
            .filter(|&k| seen.may_hold(0, mix(k + (1 << 40))))
            .count();
        assert!(passed < 3 * 100_000 * 3 / 225, "{passed} passed");
        let passed = (0..100_000u64)
            .filter(|&k| seen.may_hold(1, mix(k)))
            .count();
        assert!(passed < 10, "{passed} passed the nearly empty filter");
    }

    #[test]
    fn a_batch_larger_than_twice_the_last_filter_gets_a_filter_of_its_size() {
        let mut seen = Seen::new(0);
        seen.insert(&[entries(0..10), Vec::new()]);
        seen.insert(&[entries(10..300_010), Vec::new()]);
        let sizes: Vec<u64> = seen.kinds[0].filters.iter().map(|f| f.1).collect();
        assert_eq!(sizes, [1 << 16, 300_000]);
        assert!((0..300_010).all(|k| seen.may_hold(0, mix(k))));
        assert!(seen.kinds[1].filters.is_empty() && !seen.may_hold(1, mix(3)));
    }
}
