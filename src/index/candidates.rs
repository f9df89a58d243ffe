//! The documents a new one is checked against, and the check: those that share a band
//! key with it, and those that share fingerprints with it that are not boilerplate,
//! two in a consistent order or one long one, in the runs or before it in its batch;
//! each is then compared exactly, as a batch run compares a pair.
//!
//! # Algorithm
//!
//! [`Index::proposals`] gathers, for a new document, the holders of its band keys and
//! of its fingerprints that are not boilerplate: its short ones, its long ones, and
//! those that earlier documents took late (the `late` module). As in a batch run
//! ([`FingerprintIndex`](crate::reuse::FingerprintIndex)), the first
//! [`SMALL_GROUP`](crate::reuse::SMALL_GROUP) holders of a fingerprint pair with each
//! other, a later one with the first holder only. [`Index::candidates`] keeps the
//! documents whose shared fingerprints are worth aligning
//! ([`reuse::consistent`]), with their anchors, and those
//! that share a band key. [`Index::verify`] reads each candidate's text back (the
//! batch's from memory; those that several documents of a batch are checked against
//! tokenized once for all of them: [`Index::checked_often`]) and checks the pair as
//! [`Detector::compare`](crate::Detector::compare) does: exact Jaccard, and the
//! passages aligned around the anchors, verified.
//!
//! # Cost
//!
//! One pass over the holders read for the new document's keys; per candidate, its
//! text read from the table and decompressed (unless kept for the batch), tokenized
//! and shingled, and the pair aligned around its anchors.

use super::batch::BatchKeys;
use super::boilerplate::Holders;
use super::late;
use super::{FoundBoth, Index, Keys, Match, Matches, Pending, StoredDocs};
use crate::detector::Checked;
use crate::error::Error;
use crate::report::Passage;
use crate::reuse::{self, Fingerprints, SharedFingerprint};
use redb::ReadTransaction;
use std::borrow::Cow;
use std::collections::HashMap;

/// A document to check a new one against, with the anchors to align them around (none
/// for a document that only shares a band key with it).
pub(super) type Candidate = (u64, Vec<(usize, usize)>);

/// The documents that several documents of a batch are checked against, by number:
/// their id, tokens and shingle set, made once ([`Index::checked_often`]).
pub(super) type Often<'t> = HashMap<u64, (String, Checked<'t>)>;

/// The most text [`Index::checked_often`] keeps tokenized for a batch: its tokens, spans
/// and shingles take about five times as many bytes for English text, up to about 16
/// times for text of one-letter words or of Han characters (a token each).
const OFTEN_BYTES: u64 = 8 << 20;

/// One document's part of a batch's [`Long`](super::Long) fingerprints, what proposes
/// through them.
pub(super) struct LongOf<'l> {
    pub(super) prints: &'l Fingerprints,
    /// The batch's.
    pub(super) pending: &'l BatchKeys,
    pub(super) boilerplate: &'l [u64],
    /// Those taken late.
    pub(super) late: &'l late::LateWindows,
}

/// What proposes a new document's candidates ([`Index::proposals`]).
#[derive(Default)]
pub(super) struct Proposals {
    /// Documents that share a band key (no anchors), by key.
    candidates: Vec<Candidate>,
    /// Documents that share a fingerprint that is not boilerplate, with the positions.
    shared: Vec<(u64, SharedFingerprint)>,
}

impl Index {
    /// What proposes the documents a new one is checked against: those `found` in the
    /// runs and those of the batch before it (document `d` of `pending`), through
    /// fingerprints other than its `boilerplate` (sorted, as
    /// [`boilerplate`](Index::boilerplate) gives it); [`candidates`](Index::candidates)
    /// makes the rest.
    pub(super) fn proposals(
        &self,
        keys: &Keys,
        (found, long_found): FoundBoth,
        (pending, d): (&Pending, usize),
        (boilerplate, long): (&[u64], &LongOf),
    ) -> Proposals {
        let settings = self.detector.settings();
        let mut candidates: Vec<Candidate> = Vec::new();
        // As in a batch run: the first `max_group` holders of a band key pair with each
        // other, a later one with the first holder only (so at most `max_group` are read).
        let max_group = settings.max_group().max(2);
        for (i, (&key, mut earlier)) in keys.bands.iter().zip(found.bands).enumerate() {
            let pending_docs = pending.bands.before(d, key, i as u32).iter();
            let room = max_group - earlier.len().min(max_group);
            earlier.extend(pending_docs.take(room).map(|e| pending.number(e.1)));
            if earlier.len() >= max_group {
                // The first by number (see `shared_through`).
                let first = earlier.iter().copied().min().unwrap_or_default();
                earlier = smallvec::smallvec![first];
            }
            candidates.extend(earlier.iter().map(|&n| (n, Vec::new())));
        }
        // Passage candidates: documents that share two fingerprints in a consistent
        // order, through fingerprints that are not boilerplate. Oriented as a batch run
        // orients the pair: the indexed (earlier) document as `a`, the new one as `b`.
        let mut shared: Vec<(u64, SharedFingerprint)> = Vec::new();
        let short = (&keys.prints, found.prints, false);
        let none = late::LateWindows::default();
        self.shared_through(
            short,
            (pending, &pending.prints, &none, d),
            boilerplate,
            &mut shared,
        );
        let long_prints = (long.prints, long_found, true);
        let batch = (pending, long.pending, long.late, d);
        self.shared_through(long_prints, batch, long.boilerplate, &mut shared);
        Proposals { candidates, shared }
    }

    /// Adds to `shared` the documents that hold one of `prints` (long ones when
    /// `long`), those of document `d` of `pending`, other than its `boilerplate`: those
    /// `found` in the runs, those before it in the batch (`before`, the batch's
    /// fingerprints of that kind), and those that took them late by then (`late`); as
    /// in a batch run, the first
    /// [`SMALL_GROUP`](reuse::SMALL_GROUP) holders of a fingerprint pair with each
    /// other, a later one with the first holder only.
    fn shared_through(
        &self,
        (prints, found, long): (&Fingerprints, Vec<(usize, Holders)>, bool),
        (pending, before, late, d): (&Pending, &BatchKeys, &late::LateWindows, usize),
        boilerplate: &[u64],
        shared: &mut Vec<(u64, SharedFingerprint)>,
    ) {
        let mut in_runs = found.into_iter().peekable();
        for (i, (hash, pos)) in prints.iter().enumerate() {
            let mut held = match in_runs.next_if(|(at, _)| *at == i) {
                Some((_, held)) => held,
                None => Holders::default(),
            };
            if boilerplate.binary_search(&hash).is_ok() {
                continue;
            }
            // Not boilerplate: at most `boilerplate_docs - 1` documents hold it, and
            // all are read.
            for &(_, n, at) in before.before(d, hash, pos) {
                held.push((pending.number(n), at), (usize::MAX, usize::MAX));
            }
            for holder in late.seen_by(d, hash) {
                held.push(holder, (usize::MAX, usize::MAX));
            }
            let picks = held.picks();
            let mut holders = held.list;
            if picks.saturating_add(1) > reuse::SMALL_GROUP {
                // The first by number (a copy that took a removed first copy's place
                // holds its keys in a later run than its number).
                let first = holders.iter().map(|h| h.0).min().unwrap_or_default();
                holders.retain(|h| h.0 == first);
            }
            for (n, at) in holders {
                let s = SharedFingerprint {
                    a: 0,
                    b: 1,
                    pos_a: at,
                    pos_b: pos,
                    long,
                };
                shared.push((n, s));
            }
        }
    }

    /// The documents a new one is checked against, with the anchors a batch run would
    /// align each around (none for a document that only shares a band key).
    pub(super) fn candidates(&self, proposals: &Proposals) -> Vec<Candidate> {
        let det = &self.detector;
        let mut candidates = proposals.candidates.clone();
        let mut shared = proposals.shared.clone();
        shared.sort_unstable_by_key(|&(n, s)| (n, s.pos_a, s.pos_b));
        for pair in shared.chunk_by(|x, y| x.0 == y.0) {
            let entries: Vec<SharedFingerprint> = pair.iter().map(|p| p.1).collect();
            let anchors = det.passage_anchors(&entries);
            if !anchors.is_empty() {
                let anchors = anchors.iter().map(|&(i, j)| (i as usize, j as usize));
                candidates.push((pair[0].0, anchors.collect()));
            }
        }
        // A document proposed both ways keeps its anchors (sorted last per document).
        candidates.sort_unstable_by(|x, y| x.0.cmp(&y.0).then(y.1.len().cmp(&x.1.len())));
        candidates.dedup_by_key(|c| c.0);
        candidates
    }

    /// What `text` matches among its candidates, each checked exactly as a batch run
    /// checks the pair (the repeats, which depend on it alone, are the caller's).
    /// `docs` is the table of records of the read transaction `read`; `often` holds
    /// the documents that several of the batch are checked against, made once
    /// ([`checked_often`](Index::checked_often)); `pending` holds the texts of the
    /// batch.
    pub(super) fn verify(
        &self,
        text: &[u8],
        candidates: &[Candidate],
        (docs, read, often): (&StoredDocs, &ReadTransaction, &Often),
        pending: &Pending,
    ) -> Result<Matches, Error> {
        let det = &self.detector;
        let settings = det.settings();
        let mut out = Matches::default();
        if candidates.is_empty() {
            return Ok(out);
        }
        let new = Checked::new(det, text);
        for &(n, ref anchors) in candidates {
            let made;
            let (id, earlier) = match often.get(&n) {
                Some((id, earlier)) => (id.clone(), earlier),
                None => {
                    let (id, text) = self.earlier(n, (docs, read), pending)?;
                    made = Checked::new(det, text);
                    (id, &made)
                }
            };
            // Checked as a batch run checks the pair, the earlier document first (where
            // a text repeats itself, the two orders can pair a run with different
            // copies), then told from the new document's side.
            let (jaccard, passages) = det.check_pair(earlier, &new, anchors);
            let passages = passages
                .into_iter()
                .map(|p| Passage {
                    a: p.b,
                    b: p.a,
                    ..p
                })
                .collect();
            let m = Match {
                id,
                jaccard,
                passages,
            };
            if jaccard >= settings.threshold() {
                out.near_duplicates.push(m);
            } else if !m.passages.is_empty() {
                out.shared.push(m);
            }
        }
        Ok(out)
    }

    /// The id and text of document `n`, in the batch (`pending`) or in the index.
    pub(super) fn earlier<'p>(
        &self,
        n: u64,
        (docs, read): (&StoredDocs, &ReadTransaction),
        pending: &Pending<'p>,
    ) -> Result<(String, Cow<'p, [u8]>), Error> {
        if let Some((id, text)) = pending.doc(n) {
            return Ok((id.to_string(), Cow::Borrowed(text)));
        }
        match self.record(docs, n, Some(read))? {
            Some(r) => Ok((r.id, Cow::Owned(r.text))),
            None => Err(self.store(format!("document {n} is listed but missing"))),
        }
    }

    /// The documents that more than one document of a batch is checked against (by
    /// `candidates`, each document's), [`Checked`] once for all of them: the most
    /// checked first, those that fit in [`OFTEN_BYTES`] of text. A document that does
    /// not read is left out here: checking the pair reports it, in the batch's order.
    pub(super) fn checked_often<'p>(
        &self,
        candidates: &[Vec<Candidate>],
        (docs, read): (&StoredDocs, &ReadTransaction),
        pending: &Pending<'p>,
    ) -> Often<'p> {
        let mut all: Vec<u64> = candidates.iter().flatten().map(|c| c.0).collect();
        all.sort_unstable();
        let mut counted: Vec<(usize, u64)> = all
            .chunk_by(|x, y| x == y)
            .filter(|same| same.len() > 1)
            .map(|same| (same.len(), same[0]))
            .collect();
        counted.sort_unstable_by(|x, y| y.cmp(x));
        let mut chosen = Vec::new();
        let mut bytes = 0;
        for (_, n) in counted {
            let len = match pending.doc(n) {
                Some((_, text)) => text.len() as u64,
                None => match self.record(docs, n, None) {
                    Ok(Some(r)) => r.len,
                    _ => continue,
                },
            };
            if bytes + len <= OFTEN_BYTES {
                bytes += len;
                chosen.push(n);
            }
        }
        let made = crate::par::map(&chosen, |&n| {
            let (id, text) = self.earlier(n, (docs, read), pending).ok()?;
            Some((n, (id, Checked::new(&self.detector, text))))
        });
        made.into_iter().flatten().collect()
    }
}
