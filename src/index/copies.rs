//! Identical texts in an index, as a batch run takes them: a document whose bytes an
//! earlier document holds is a copy of the first document that held them (its first
//! copy). A copy takes no part in matching: it answers its first copy alone, as a
//! near-duplicate of Jaccard 1 that shares the whole text, and it puts no band key or
//! fingerprint in the runs, so later documents pair with its first copy only and
//! boilerplate is counted over distinct texts. Its text and record are stored as any
//! document's.
//!
//! # Algorithm
//!
//! Every first copy is listed in `FIRSTS` by the xxh3 hash of its bytes (with its
//! number, so that texts whose hashes collide are both listed), and every copy in
//! `COPY_OF` with its first copy's number. A new document's hash is looked up there,
//! and the bytes of each document listed under it compared with its own; then those of
//! the earlier first copies of its batch with the same hash.
//!
//! When a first copy is removed while copies of it stay, the earliest of them becomes
//! the first copy in its place (as a batch run over the documents left would take it):
//! its band keys and fingerprints are made and written as a run of their own, and the
//! other copies point to it.
//!
//! # Cost
//!
//! One hash of the text and one B-tree lookup per document added or queried, and one
//! decompression per document listed under its hash (nearly always none or its
//! copy). A removal decompresses each removed first copy (to find its hash) and reads
//! `COPY_OF` once; each copy that becomes a first copy costs its keys and a small run.

use super::runs::Entry;
use super::{Index, Keys, Record, StoredDocs};
use crate::detector::IndexScratch;
use crate::error::Error;
use crate::index::Match;
use redb::{ReadTransaction, ReadableTable, TableDefinition};
use std::collections::HashMap;

/// `(hash of the bytes, number)` of every document that no earlier document equals.
pub(super) const FIRSTS: TableDefinition<(u64, u64), ()> = TableDefinition::new("firsts");

/// A copy's number -> its first copy's number.
pub(super) const COPY_OF: TableDefinition<u64, u64> = TableDefinition::new("copy_of");

/// The hash a text is listed by in [`FIRSTS`].
pub(super) fn text_hash(text: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(text)
}

/// The documents of a batch and their hashes, as [`Index::first_copies`] finds them.
pub(super) struct BatchCopies {
    /// Each document's hash.
    pub hashes: Vec<u64>,
    /// Each document's first copy, by number: `None` for a first copy.
    pub first: Vec<Option<u64>>,
}

impl BatchCopies {
    /// Whether document `d` of the batch is a copy.
    pub fn is_copy(&self, d: usize) -> bool {
        self.first[d].is_some()
    }
}

/// The copies that take the place of removed first copies
/// ([`Index::remove_copies`]): their records, with their counts of keys, and the run of
/// their keys (band keys and fingerprints, sorted), which the caller writes.
#[derive(Default)]
pub(super) struct Promoted {
    pub records: Vec<(u64, Vec<u8>)>,
    pub entries: [Vec<Entry>; 2],
}

impl Index {
    /// The first copy of each of `documents` (numbered from `first`): a document of the
    /// index (as `read` sees it, `docs` its records) with the same bytes, or an earlier
    /// first copy of the batch.
    pub(super) fn first_copies(
        &self,
        documents: &[(&str, &[u8])],
        first: u64,
        (docs, read): (&StoredDocs, &ReadTransaction),
    ) -> Result<BatchCopies, Error> {
        let hashes = crate::par::map(documents, |&(_, text)| text_hash(text));
        let pairs: Vec<(u64, &[u8])> = hashes
            .iter()
            .zip(documents)
            .map(|(&h, d)| (h, d.1))
            .collect();
        let indexed = crate::par::map(&pairs, |&(h, text)| {
            self.indexed_copy((docs, read), h, text)
        });
        let mut batch: HashMap<u64, Vec<usize>> = HashMap::new();
        let mut out = Vec::with_capacity(documents.len());
        for (d, (indexed, &h)) in indexed.into_iter().zip(&hashes).enumerate() {
            let mut found = indexed?;
            if found.is_none() {
                let earlier = batch.get(&h).into_iter().flatten();
                let mut same = earlier.filter(|&&e| documents[e].1 == documents[d].1);
                found = same.next().map(|&e| first + e as u64);
            }
            if found.is_none() {
                batch.entry(h).or_default().push(d);
            }
            out.push(found);
        }
        Ok(BatchCopies { hashes, first: out })
    }

    /// The number of the document of the index whose bytes are `text` (of hash `hash`),
    /// if any: a first copy.
    pub(super) fn indexed_copy(
        &self,
        (docs, read): (&StoredDocs, &ReadTransaction),
        hash: u64,
        text: &[u8],
    ) -> Result<Option<u64>, Error> {
        let firsts = match read.open_table(FIRSTS) {
            Ok(t) => t,
            Err(e) => return Err(self.store(e)),
        };
        let listed = firsts
            .range((hash, 0)..=(hash, u64::MAX))
            .map_err(|e| self.store(e))?;
        for entry in listed {
            let n = entry.map_err(|e| self.store(e))?.0.value().1;
            let record = self.record(docs, n, Some(read))?;
            let record = record.ok_or_else(|| self.store(format!("document {n} is missing")))?;
            if record.text == text {
                return Ok(Some(n));
            }
        }
        Ok(None)
    }

    /// What a copy of document `n` (whose id is `id`) whose text is `text` answers.
    pub(super) fn copy_match(&self, id: String, text: &[u8]) -> Match {
        Match {
            id,
            jaccard: 1.0,
            passages: self.detector.copy_passages(text),
        }
    }

    /// Lists a committed batch's first copies and copies (numbered from `first`).
    pub(super) fn put_copies(
        &self,
        txn: &redb::WriteTransaction,
        copies: &BatchCopies,
        first: u64,
    ) -> Result<(), Error> {
        let mut firsts = txn.open_table(FIRSTS).map_err(|e| self.store(e))?;
        let mut copy_of = txn.open_table(COPY_OF).map_err(|e| self.store(e))?;
        for ((&h, of), n) in copies.hashes.iter().zip(&copies.first).zip(first..) {
            match of {
                Some(of) => copy_of.insert(n, *of).map(|_| ()),
                None => firsts.insert((h, n), ()).map(|_| ()),
            }
            .map_err(|e| self.store(e))?;
        }
        Ok(())
    }

    /// Takes the `removed` documents out of the lists of copies, in the write
    /// transaction `txn` (`read` sees the index before it): a removed first copy whose
    /// copies stay is replaced by the earliest of them, which takes keys.
    pub(super) fn remove_copies(
        &self,
        txn: &redb::WriteTransaction,
        (docs, read): (&StoredDocs, &ReadTransaction),
        removed: &[u64],
    ) -> Result<Promoted, Error> {
        let mut firsts = txn.open_table(FIRSTS).map_err(|e| self.store(e))?;
        let mut copy_of = txn.open_table(COPY_OF).map_err(|e| self.store(e))?;
        let missing = |n| self.store(format!("document {n} is missing"));
        // The removed first copies, with their hashes.
        let mut gone: HashMap<u64, u64> = HashMap::new();
        for &n in removed {
            if copy_of.remove(n).map_err(|e| self.store(e))?.is_some() {
                continue;
            }
            let record = self
                .record(docs, n, Some(read))?
                .ok_or_else(|| missing(n))?;
            let h = text_hash(&record.text);
            firsts.remove((h, n)).map_err(|e| self.store(e))?;
            gone.insert(n, h);
        }
        if gone.is_empty() {
            return Ok(Default::default());
        }
        let mut left: HashMap<u64, Vec<u64>> = HashMap::new();
        for entry in copy_of.iter().map_err(|e| self.store(e))? {
            let (copy, of) = entry.map_err(|e| self.store(e))?;
            if gone.contains_key(&of.value()) {
                left.entry(of.value()).or_default().push(copy.value());
            }
        }
        let mut out = Promoted::default();
        let mut scratch = IndexScratch::default();
        for (of, mut copies) in left {
            copies.sort_unstable();
            let promoted = copies[0];
            firsts
                .insert((gone[&of], promoted), ())
                .map_err(|e| self.store(e))?;
            copy_of.remove(promoted).map_err(|e| self.store(e))?;
            for &c in &copies[1..] {
                copy_of.insert(c, promoted).map_err(|e| self.store(e))?;
            }
            let record = self.record(docs, promoted, Some(read))?;
            let record = record.ok_or_else(|| missing(promoted))?;
            let keys = Keys::of(&self.detector, &record.text, &mut scratch);
            let doc = promoted as u32;
            let bands = keys.bands.iter().map(|&key| Entry { key, doc, pos: 0 });
            let prints = keys.prints.iter().map(|(key, pos)| Entry { key, doc, pos });
            let (before, count) = (out.entries[1].len(), keys.bands.len());
            out.entries[0].extend(bands);
            out.entries[1].extend(prints);
            let held = (count as u32, (out.entries[1].len() - before) as u32);
            let bytes = docs.get(promoted).map_err(|e| self.store(e))?;
            let bytes = bytes.ok_or_else(|| missing(promoted))?;
            out.records
                .push((promoted, Record::with_entries(bytes.value(), held)?));
        }
        for kind in &mut out.entries {
            kind.sort_unstable_by_key(|e| (e.key, e.doc, e.pos));
            kind.dedup();
        }
        Ok(out)
    }
}
