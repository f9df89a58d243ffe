//! Every document's fingerprints as grouping rows, held in memory or written to disk.
//!
//! A run groups fingerprints by hash to find which documents share them: each
//! fingerprint becomes a [`row`] (its high bits and the document) with its token
//! position. The rows are split by the top bits of the fingerprint into [`PARTS`] parts
//! as documents are added (in document order, so within a part the documents ascend), and
//! a grouping pass takes one or more whole parts. In memory the parts are vectors; on disk
//! (a corpus whose texts are on disk) each part's rows are appended to one temporary file
//! [`FLUSH_ROWS`] at a time and read back chunk by chunk when its pass comes, so a run
//! holds one pass's rows at a time instead of every document's fingerprints (12 bytes a
//! fingerprint, about 0.29 a token: ~1.2 KB for a 2 KB English text).
//!
//! Documents that hold boilerplate take long fingerprints over it: their rows are a
//! second set, grouped on its own, whose groups the index merges with those of the first
//! ([`FingerprintIndex::build_with`](super::FingerprintIndex::build_with)).
//!
//! If the file cannot be made, or a write fails (a full disk), the rows not written stay
//! in memory: the run goes on, holding more.
//!
//! Cost: O(F) to add F fingerprints (and 12 bytes each written on disk); a part is read
//! back once per pass that takes it.

use super::{Fingerprints, row};
use crate::corpus::spill::Spill;
use std::borrow::Cow;
use std::path::Path;

/// The parts the rows are split into, by the top six bits of the fingerprint: a pass
/// takes 1, 2, 4, ... or all 64 of them.
pub(crate) const PARTS: usize = 64;

/// Rows buffered per part before they are written to disk (12 KB; 768 KB for the 64
/// parts). A power of two, so that a buffer that doubles as it grows ends at this size.
const FLUSH_ROWS: usize = 1 << 10;

/// Every document's fingerprints as rows, split into [`PARTS`] parts.
pub(crate) struct PrintRows {
    doc_bits: u32,
    parts: Vec<Part>,
    len: usize,
    /// The file that holds the parts' written rows, chunk after chunk.
    disk: Option<Spill>,
    /// Whether rows still go to the file: after a failed write (a full disk) they stay
    /// in memory.
    writing: bool,
}

/// One part: where its written chunks of rows are in the file (offset, rows), and the
/// rows not written yet (all of them in memory).
#[derive(Default)]
struct Part {
    chunks: Vec<(u64, usize)>,
    rows: Vec<u64>,
    positions: Vec<u32>,
}

impl PrintRows {
    /// No rows yet, held in memory, or on disk in a temporary file in `dir` when one is
    /// given (rows that cannot be written stay in memory).
    pub(crate) fn new(doc_bits: u32, dir: Option<&Path>) -> PrintRows {
        PrintRows {
            doc_bits,
            parts: (0..PARTS).map(|_| Part::default()).collect(),
            len: 0,
            disk: dir.and_then(|d| Spill::new_in(d).ok()),
            writing: dir.is_some(),
        }
    }

    /// The rows of every document's fingerprints, in memory (document ids are positions
    /// in `by_doc`).
    ///
    /// # Panics
    ///
    /// When the documents do not fit in `doc_bits` bits (a caller bug).
    pub(crate) fn of(by_doc: &[Fingerprints], doc_bits: u32) -> PrintRows {
        super::assert_fits(by_doc.len(), doc_bits);
        let mut rows = PrintRows::new(doc_bits, None);
        for (d, f) in by_doc.iter().enumerate() {
            rows.add(d as u32, f.iter_raw());
        }
        rows
    }

    /// Adds the fingerprints `(hash, position)` of document `doc` (in any order), which
    /// comes after every document added before.
    pub(crate) fn add(&mut self, doc: u32, f: impl IntoIterator<Item = (u64, u32)>) {
        debug_assert!(
            u64::from(doc) < 1u64 << self.doc_bits,
            "document {doc} fits"
        );
        for (h, p) in f {
            let part = &mut self.parts[part_of(h)];
            debug_assert!(
                part.rows
                    .last()
                    .is_none_or(|&r| r & ((1 << self.doc_bits) - 1) <= doc as u64)
            );
            part.rows.push(row(h, doc, self.doc_bits));
            part.positions.push(p);
            if self.writing && part.rows.len() >= FLUSH_ROWS {
                if let Some(spill) = &self.disk {
                    self.writing = part.write(spill);
                }
            }
            self.len += 1;
        }
    }

    /// Makes room at once for the rows of texts of `all` bytes when the rows held now
    /// came from `done` bytes (in memory), so that the parts do not grow, and copy
    /// themselves, a doubling at a time. Rows come from tokens, so the room is at most
    /// about the texts' own size, which a corpus in memory holds already; room never
    /// written is never touched where the system commits memory lazily.
    pub(crate) fn reserve_like(&mut self, done: u64, all: u64) {
        if done == 0 || self.disk.is_some() {
            return;
        }
        // Rows per byte of the first texts: at most one a token, a token 2 bytes at least.
        let scale = |n: usize| {
            let n = n as u128 * u128::from(all) / u128::from(done);
            usize::try_from(n.min(u128::from(all / 2))).unwrap_or(0)
        };
        for part in &mut self.parts {
            let expected = scale(part.rows.len()) + part.rows.len() / 8;
            part.rows.reserve(expected.saturating_sub(part.rows.len()));
            part.positions
                .reserve(expected.saturating_sub(part.positions.len()));
        }
    }

    /// Gives back the room the parts in memory grew into but do not use (called once
    /// every document is added).
    pub(crate) fn shrink(&mut self) {
        for p in &mut self.parts {
            p.rows.shrink_to_fit();
            p.positions.shrink_to_fit();
        }
    }

    /// The number of rows.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The bits of a row that hold the document.
    pub(crate) fn doc_bits(&self) -> u32 {
        self.doc_bits
    }

    /// The rows and positions of part `k`, in the order they were added (documents
    /// ascending): borrowed when in memory, read back when on disk.
    pub(crate) fn part(&self, k: usize) -> PartRows<'_> {
        let p = &self.parts[k];
        if p.chunks.is_empty() {
            return (Cow::Borrowed(&p.rows[..]), Cow::Borrowed(&p.positions[..]));
        }
        let n = self.part_len(k);
        let (mut rows, mut positions) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for (r, at) in self.rows_of(k) {
            rows.push(r);
            positions.push(at);
        }
        (Cow::Owned(rows), Cow::Owned(positions))
    }

    /// The number of rows in part `k`.
    fn part_len(&self, k: usize) -> usize {
        let p = &self.parts[k];
        p.chunks.iter().map(|c| c.1).sum::<usize>() + p.rows.len()
    }

    /// The `(row, position)` pairs of part `k` in the order they were added, read back
    /// a chunk at a time when on disk.
    fn rows_of(&self, k: usize) -> impl Iterator<Item = (u64, u32)> + '_ {
        let p = &self.parts[k];
        let written = p.chunks.iter().flat_map(move |&(at, len)| {
            let spill = self.disk.as_ref().expect("chunks are written to the file");
            let bytes = spill
                .read(at, len * ROW_BYTES)
                .unwrap_or_else(|e| panic!("{}", crate::Error::io(spill.path(), e)));
            let rows: Vec<(u64, u32)> = bytes
                .chunks_exact(ROW_BYTES)
                .map(|r| {
                    let (row, at) = r.split_at(8);
                    (
                        u64::from_le_bytes(row.try_into().expect("8 bytes")),
                        u32::from_le_bytes(at.try_into().expect("4 bytes")),
                    )
                })
                .collect();
            rows
        });
        written.chain(p.pairs())
    }
}

/// One part's rows and their positions, borrowed when in memory.
pub(crate) type PartRows<'a> = (Cow<'a, [u64]>, Cow<'a, [u32]>);

/// Bytes of a row on disk: the row, then the position, little-endian.
const ROW_BYTES: usize = 12;

/// The part a fingerprint's row goes to.
fn part_of(fingerprint: u64) -> usize {
    (fingerprint >> 58) as usize
}

impl Part {
    /// The rows in memory with their positions.
    fn pairs(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.rows
            .iter()
            .copied()
            .zip(self.positions.iter().copied())
    }

    /// Writes the buffered rows to `spill` as one chunk; false when the write failed
    /// (they stay in memory).
    fn write(&mut self, spill: &Spill) -> bool {
        let mut bytes = Vec::with_capacity(self.rows.len() * ROW_BYTES);
        for (r, p) in self.rows.iter().zip(&self.positions) {
            bytes.extend_from_slice(&r.to_le_bytes());
            bytes.extend_from_slice(&p.to_le_bytes());
        }
        let Ok(at) = spill.append_now(&bytes) else {
            return false;
        };
        self.chunks.push((at, self.rows.len()));
        self.rows.clear();
        self.positions.clear();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prints(seed: u64, n: usize) -> Fingerprints {
        let mut x = seed;
        let mut picked: Vec<(u64, u32)> = (0..n as u32)
            .map(|p| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x, p)
            })
            .collect();
        Fingerprints::from_picked(&mut picked)
    }

    /// Part `k`'s rows with their positions.
    fn part(rows: &PrintRows, k: usize) -> Vec<(u64, u32)> {
        let (r, p) = rows.part(k);
        r.iter().copied().zip(p.iter().copied()).collect()
    }

    fn all(rows: &PrintRows) -> Vec<(u64, u32)> {
        (0..PARTS).flat_map(|k| part(rows, k)).collect()
    }

    #[test]
    fn room_reserved_from_the_first_texts_changes_no_row() {
        let docs: Vec<Fingerprints> = (0..40).map(|d| prints(d, 64)).collect();
        let mut rows = PrintRows::new(24, None);
        for (d, f) in docs.iter().enumerate().take(10) {
            rows.add(d as u32, f.iter_raw());
        }
        // Ten texts of 1,000 bytes gave these rows; room for forty.
        rows.reserve_like(10_000, 40_000);
        for part in &rows.parts {
            assert!(part.rows.capacity() >= 4 * part.rows.len());
            assert!(
                part.rows.capacity() <= 20_000 + part.rows.len(),
                "at most a row a 2 bytes"
            );
        }
        for (d, f) in docs.iter().enumerate().skip(10) {
            rows.add(d as u32, f.iter_raw());
        }
        assert_eq!(all(&rows), all(&PrintRows::of(&docs, 24)));
        // No texts read yet: nothing to go by.
        let mut empty = PrintRows::new(24, None);
        empty.reserve_like(0, 40_000);
        assert!(empty.parts.iter().all(|p| p.rows.capacity() == 0));
    }

    #[test]
    fn rows_on_disk_read_back_as_in_memory() {
        let docs: Vec<Fingerprints> = (0..1000).map(|d| prints(d, 200)).collect();
        let dir = crate::test_scratch::Scratch::new("print-rows");
        let mut on_disk = PrintRows::new(24, Some(&dir));
        for (d, f) in docs.iter().enumerate() {
            on_disk.add(d as u32, f.iter_raw());
        }
        assert!(on_disk.disk.is_some());
        assert!(on_disk.parts.iter().all(|p| !p.chunks.is_empty()));
        let in_memory = PrintRows::of(&docs, 24);
        assert_eq!(on_disk.len(), 200_000);
        let rows = all(&in_memory);
        assert_eq!(rows.len(), 200_000);
        assert_eq!(all(&on_disk), rows);
        // Within a part the documents ascend.
        for k in 0..PARTS {
            let r = part(&in_memory, k);
            assert!(
                r.windows(2)
                    .all(|w| w[0].0 & 0xff_ffff <= w[1].0 & 0xff_ffff)
            );
        }
    }
}
