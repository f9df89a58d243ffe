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
//! Every first copy puts one more key in the runs beside its band keys: a hash of its
//! bytes ([`text_key`]). A new document's is looked up with the other keys (through
//! the runs' filters, which turn away nearly all), the bytes of each document that
//! holds it compared with its own, then those of the earlier first copies of its batch
//! with the same key. `COPY_OF` lists every copy with its first copy's number, and
//! `COPIES` the copies of each first copy.
//!
//! When a first copy is removed while copies of it stay, the earliest of them becomes
//! the first copy in its place (as a batch run over the documents left would take it):
//! its band keys, fingerprints and text key are made and written as a run of their own,
//! and the other copies point to it. That run holds an older number than the runs
//! before it; lookups, merges and the first holder of a key take that into account, with
//! three approximations where a batch run over the documents left could differ: the
//! copy takes no long fingerprint over common text nor windows counted at its edges;
//! copies promoted by one removal do not count each other's fingerprints when their
//! boilerplate is decided; and a band key that `max_group` documents or more hold is
//! read up to that many in the runs' order, so a promoted copy past them is not its
//! first holder.
//!
//! # Cost
//!
//! One hash of the text and one key looked up per document added or queried, and one
//! decompression per document that holds its key (nearly always none, or the one it
//! copies); 16 bytes per first copy in the runs (and 12 bits in memory, in the runs'
//! filters) and two table entries per copy. A removal looks up each removed document in
//! `COPY_OF` and each removed first copy's copies in `COPIES`; each copy that becomes a
//! first copy costs its keys and a small run.

use super::batch::BatchKeys;
use super::runs::{Entry, Kind, Runs};
use super::{Index, Keys, Record, StoredDocs};
use crate::detector::IndexScratch;
use crate::error::Error;
use crate::index::Match;
use redb::{ReadTransaction, ReadableTable, TableDefinition};
use std::collections::HashMap;

/// A copy's number -> its first copy's number.
pub(super) const COPY_OF: TableDefinition<u64, u64> = TableDefinition::new("copy_of");

/// `(first copy's number, copy's number)` of every copy: [`COPY_OF`] the other way.
pub(super) const COPIES: TableDefinition<(u64, u64), ()> = TableDefinition::new("copies");

/// The seed of [`text_key`]: other than the band keys' (a key of each kind that
/// happened to be equal would only make a candidate that is checked exactly).
const TEXT_SEED: u64 = 0x6e65_6172_6475_7021;

/// The key a first copy puts in the runs beside its band keys: the xxh3 hash of its
/// bytes.
pub(super) fn text_key(text: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(text, TEXT_SEED)
}

/// The most documents of the runs with one text key that are compared with a new one
/// (more than one only when different texts' keys are equal).
const SAME_KEY: usize = 8;

/// The documents of a batch, as [`Index::first_copies`] finds them.
pub(super) struct BatchCopies {
    /// Each document's [`text_key`].
    pub keys: Vec<u64>,
    /// Each document's first copy, by number, with its id: `None` for a first copy.
    pub first: Vec<Option<(u64, String)>>,
}

impl BatchCopies {
    /// Whether document `d` of the batch is a copy.
    pub fn is_copy(&self, d: usize) -> bool {
        self.first[d].is_some()
    }

    /// The text keys of the batch's first copies (numbered from `first`), as entries of
    /// the band keys' kind, sorted.
    pub fn entries(&self, first: u64) -> Vec<Entry> {
        let mut out: Vec<Entry> = (self.keys.iter().zip(&self.first).zip(first..))
            .filter(|(k, _)| k.1.is_none())
            .map(|((&key, _), n)| Entry {
                key,
                // Numbers were checked to fit when the documents were numbered.
                doc: n as u32,
                pos: 0,
            })
            .collect();
        out.sort_unstable_by_key(|e| (e.key, e.doc));
        out
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
    /// index (the runs `runs` of the read transaction `read`, whose records are `docs`)
    /// with the same bytes, or an earlier first copy of the batch.
    pub(super) fn first_copies(
        &self,
        documents: &[(&str, &[u8])],
        first: u64,
        (docs, read, runs): (&StoredDocs, &ReadTransaction, &Runs),
    ) -> Result<BatchCopies, Error> {
        let keys = crate::par::map(documents, |&(_, text)| text_key(text));
        let texts: Vec<&[u8]> = documents.iter().map(|d| d.1).collect();
        let indexed = self.indexed_copies((&keys, &texts), (docs, read, runs))?;
        let mut batch: HashMap<u64, Vec<usize>> = HashMap::new();
        let mut out = Vec::with_capacity(documents.len());
        for (d, (mut found, &key)) in indexed.into_iter().zip(&keys).enumerate() {
            if found.is_none() {
                let earlier = batch.get(&key).into_iter().flatten();
                let mut same = earlier.filter(|&&e| documents[e].1 == documents[d].1);
                found = same
                    .next()
                    .map(|&e| (first + e as u64, documents[e].0.to_string()));
            }
            if found.is_none() {
                batch.entry(key).or_default().push(d);
            }
            out.push(found);
        }
        Ok(BatchCopies { keys, first: out })
    }

    /// For each text (given with its [`text_key`]), the document of the index with the
    /// same bytes, a first copy, by number, with its id; `None` when the index holds no
    /// such text.
    pub(super) fn indexed_copies(
        &self,
        (keys, texts): (&[u64], &[&[u8]]),
        (docs, read, runs): (&StoredDocs, &ReadTransaction, &Runs),
    ) -> Result<Vec<Option<(u64, String)>>, Error> {
        let lists = keys.iter().map(std::slice::from_ref);
        let found = self.look_up((Kind::Bands, lists), runs, |held: &mut Vec<u64>, n, _| {
            held.push(u64::from(n));
            held.len() < SAME_KEY
        })?;
        let mut out = vec![None; texts.len()];
        let same = crate::par::map(&found, |(d, _, held)| {
            for &n in held {
                let record = self.record(docs, n, Some(read))?;
                let record =
                    record.ok_or_else(|| self.store(format!("document {n} is missing")))?;
                if record.text == texts[*d] {
                    return Ok(Some((n, record.id)));
                }
            }
            Ok::<_, Error>(None)
        });
        for ((d, _, _), same) in found.iter().zip(same) {
            out[*d] = same?;
        }
        Ok(out)
    }

    /// What a copy of `text` whose first copy is `first` answers: `None` when the text
    /// has no token (a batch run pairs such copies with nothing).
    pub(super) fn copy_answer(&self, first: Option<&(u64, String)>, text: &[u8]) -> Option<Match> {
        let (_, id) = first?;
        Some(Match {
            id: id.clone(),
            jaccard: 1.0,
            passages: self.detector.copy_passages(text)?,
        })
    }

    /// The first copy of a text that is not added (a query), as
    /// [`first_copies`](Index::first_copies) finds it.
    pub(super) fn first_copy_of(
        &self,
        text: &[u8],
        index: (&StoredDocs, &ReadTransaction, &Runs),
    ) -> Result<Option<(u64, String)>, Error> {
        let mut found = self.indexed_copies((&[text_key(text)], &[text]), index)?;
        Ok(found.pop().flatten())
    }

    /// Lists a committed batch's copies (numbered from `first`) with their first copies.
    pub(super) fn put_copies(
        &self,
        txn: &redb::WriteTransaction,
        copies: &BatchCopies,
        first: u64,
    ) -> Result<(), Error> {
        let mut copy_of = txn.open_table(COPY_OF).map_err(|e| self.store(e))?;
        let mut of_first = txn.open_table(COPIES).map_err(|e| self.store(e))?;
        for (of, n) in copies.first.iter().zip(first..) {
            if let Some((of, _)) = of {
                copy_of.insert(n, *of).map_err(|e| self.store(e))?;
                of_first.insert((*of, n), ()).map_err(|e| self.store(e))?;
            }
        }
        Ok(())
    }

    /// Takes the `removed` documents out of the lists of copies, in the write
    /// transaction `txn` (`read` sees the index before it; `runs`, the runs with the
    /// documents removed): a removed first copy whose copies stay is replaced by the
    /// earliest of them, which takes keys: its band keys, its fingerprints that the runs
    /// do not find common by their pickers (nor turning common at it), and its
    /// text key (the record counts the first two). It takes no long fingerprint over
    /// common text, nor windows counted at its edges, which a batch run over the
    /// documents left would count for it.
    pub(super) fn remove_copies(
        &self,
        txn: &redb::WriteTransaction,
        (docs, read, runs): (&StoredDocs, &ReadTransaction, &Runs),
        removed: &[u64],
    ) -> Result<Promoted, Error> {
        let mut copy_of = txn.open_table(COPY_OF).map_err(|e| self.store(e))?;
        let mut of_first = txn.open_table(COPIES).map_err(|e| self.store(e))?;
        let missing = |n| self.store(format!("document {n} is missing"));
        // The removed first copies (every document is a first copy or a copy).
        let mut gone = Vec::new();
        for &n in removed {
            let of = copy_of.remove(n).map_err(|e| self.store(e))?;
            match of {
                Some(of) => {
                    of_first
                        .remove((of.value(), n))
                        .map_err(|e| self.store(e))?;
                }
                None => gone.push(n),
            }
        }
        // Their copies left, by number.
        let mut left: Vec<(u64, Vec<u64>)> = Vec::new();
        for &of in &gone {
            let listed = (of_first.range((of, 0)..=(of, u64::MAX))).map_err(|e| self.store(e))?;
            let copies: Vec<u64> = listed
                .map(|e| e.map(|(k, _)| k.value().1))
                .collect::<Result<_, _>>()
                .map_err(|e| self.store(e))?;
            if !copies.is_empty() {
                left.push((of, copies));
            }
        }
        let mut out = Promoted::default();
        let mut scratch = IndexScratch::default();
        for (of, copies) in left {
            let promoted = copies[0];
            copy_of.remove(promoted).map_err(|e| self.store(e))?;
            for &c in &copies {
                of_first.remove((of, c)).map_err(|e| self.store(e))?;
            }
            for &c in &copies[1..] {
                copy_of.insert(c, promoted).map_err(|e| self.store(e))?;
                of_first
                    .insert((promoted, c), ())
                    .map_err(|e| self.store(e))?;
            }
            let record = self.record(docs, promoted, Some(read))?;
            let record = record.ok_or_else(|| missing(promoted))?;
            let keys = Keys::of(&self.detector, &record.text, &mut scratch);
            // Less the fingerprints that more than the limit picked: no more pickers
            // are kept for them.
            let held = self.held(std::iter::once(keys.prints.hashes()), runs)?;
            let held = held.into_iter().next().unwrap_or_default();
            let prints = (&keys.prints, held.as_slice());
            // One turning common at it is left out too: the next document added turns
            // it common, and its earlier holders take their windows late then.
            let common = self.common(prints, (&BatchKeys::default(), 0), (&[], &[]));
            let doc = promoted as u32;
            let text = std::iter::once(text_key(&record.text));
            let bands = keys.bands.iter().copied().chain(text);
            let bands = bands.map(|key| Entry { key, doc, pos: 0 });
            let prints = keys.prints.iter();
            let prints = prints.filter(|(key, _)| common.picked.binary_search(key).is_err());
            let prints = prints.map(|(key, pos)| Entry { key, doc, pos });
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
