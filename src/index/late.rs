//! Long windows that a document takes late: over text of its own that became common
//! after it was added.
//!
//! # Why
//!
//! A document that holds text common by its pickers takes every long window over it (the `index`
//! module's docs), as a batch run does: a run of common phrases that few documents
//! hold in that order pairs them. The index takes them when a document is added, over
//! the text that is common then. A document added before its text became common took
//! none over it, where a batch run over the documents up to a later one takes them in
//! it too. Without them, a later document that holds the same text with the same words
//! around it does not pair with the early holders (pairs that only a batch run finds),
//! and the long windows over common text are counted over its later holders only, so
//! they pair documents through it long after a batch run finds them common (pairs that
//! only the index finds).
//!
//! # Algorithm
//!
//! A fingerprint turns common at the document that finds exactly `boilerplate_docs`
//! other documents that picked it (those that only contain it not counted, as a batch
//! run finds common text by its pickers): they are then all listed (pickers are
//! stored until it turns common, whatever contains it). That document's pick is
//! stored too, so that later documents find more than `boilerplate_docs` pickers: it
//! is common for them, and turns common at none. Each holder that picked it then takes the long windows over
//! the positions where it holds the fingerprints turning common there
//! ([`reuse::around_runs`](crate::reuse::around_runs),
//! [`Detector::long_fingerprints`](crate::Detector)), made from its stored text, less
//! those at a position where it holds the window already (in the runs, taken when it
//! was added, or earlier in the batch), those of a hash it holds at
//! [`MAX_POSITIONS`] positions already (a document keeps the first of each hash, and
//! a batch run takes its long windows over all its common text at once, where the
//! index takes them a step at a time) and those that `boilerplate_docs` other
//! documents hold already (common for any new holder). A window of a hash it held
//! before counts it as a holder of that hash once: where it first held it. They go
//! in the batch's run under the holder's number, and the documents of the batch from
//! the one where they were taken on count them and pair through them, as when the
//! documents are added one at a time. A query takes them as the document would if it
//! were added, and stores nothing.
//!
//! Each such holder also counts by containment the windows at the edges of what turns
//! common in it that it did not pick ([`edges::edge_windows`],
//! as a document that holds such text when added does), less those it counts already
//! and those more than `boilerplate_docs` documents count: a batch run counts those
//! windows in every document that holds the text, and without them a window at the
//! edge that winnowing picks in a few holders only stays rare and pairs them through
//! the common text. They are written at [`CONTAINED`] under the holder's number. The
//! documents after the one at which they are taken count them as the windows that
//! earlier documents of the batch count; that document counts them towards what is
//! common at it (its pick of a fingerprint common through them only is stored as any
//! pick is, so that a later document counts its holding it whether or not it is in the
//! same batch), not towards what turns common at it (pickers alone decide that). They
//! are worked out in each round of the batch's boilerplate, between what pickers make
//! common and what is common at each document
//! ([`Index::batch_boilerplate`](super::Index::batch_boilerplate)), since the latter
//! depends on them.
//!
//! The windows counted at the edges are those of the newly common text alone, as a
//! batch run counts them too, a step at a time
//! ([`Detector::passage_windows`](crate::Detector::passage_windows)). Three
//! approximations remain, where a batch run could differ: a holder takes the long
//! windows around the fingerprints turning common only (a long window that also holds
//! text common before is taken only where the two lie within a winnowing window of each
//! other); a holder that only contains the fingerprint, at an edge of its own
//! common text, takes none; and a fingerprint that more than 64 times
//! `boilerplate_docs` documents hold before it turns common by its pickers is taken as
//! common by them (the index reads no further: see `Holders`) and turns common at
//! none, so its holders take none.
//!
//! # Cost
//!
//! Nothing for a document at which nothing turns common. Otherwise, per holder (at most
//! `boilerplate_docs` per fingerprint, each read once per making): its text read and
//! tokenized (the token hashes of all the batch's such holders are kept until its long
//! windows are made), its windows and picks made once, and its long windows around
//! those positions and its edge windows made and looked up with the batch's. The
//! batch's boilerplate makes them once. The run takes about one entry per token of
//! newly common text per early holder, once, and each such holder's record is written again with its new
//! count. A query that a fingerprint would turn common at does the same work, and
//! stores nothing: every such query does it again, until a document added turns the
//! fingerprint common.

use super::batch::BatchKeys;
use super::boilerplate::{Counted, Holders};
use super::edges::{self, CONTAINED};
use super::runs::Entry;
use super::{Found, Index, Keys, Runs, StoredDocs};
use crate::detector::Detector;
use crate::error::Error;
use crate::reuse::{Fingerprints, MAX_POSITIONS};
use redb::ReadTransaction;
use std::collections::HashMap;

/// The long windows one holder takes late, at one document of a batch.
pub(super) struct Late {
    /// The document of the batch at which its fingerprints turn common.
    at: usize,
    /// The holder's number.
    pub(super) holder: u64,
    /// The windows, before those at positions it holds already are left out.
    pub(super) prints: Fingerprints,
    /// The hashes of the windows at the edges of what turns common that it holds and
    /// did not pick (sorted): it counts them by containment from then on (the `edges`
    /// module), as the documents that hold the same text later do.
    pub(super) contained: Vec<u64>,
}

/// A long window taken late.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Window {
    hash: u64,
    /// The document of the batch from which it counts.
    at: u32,
    holder: u64,
    pos: u32,
    /// Whether its holder held the hash at no other position before: the window
    /// counts the holder among the hash's holders (one held at more positions is
    /// counted where it holds the first).
    counts: bool,
}

/// The long windows taken late in a batch (or by a query), sorted.
#[derive(Default)]
pub(super) struct LateWindows {
    sorted: Vec<Window>,
    /// `(hash, holder)` of the windows that holders count by containment late,
    /// sorted: written at [`CONTAINED`], they count their holder for the documents of
    /// later batches.
    contained: Vec<(u64, u64)>,
}

impl LateWindows {
    /// The late windows of `late` (by document, then holder), less those at positions
    /// their holder holds already (or of a hash it holds at [`MAX_POSITIONS`]
    /// positions) and those that `limit` other documents hold already: `found` is
    /// what the runs hold of each one's windows, `batch` the long fingerprints the
    /// documents of the batch (numbered from `first`) took when added. Holders of the
    /// batch are counted before the document at which the windows are taken, as when
    /// the documents are added one at a time, and so are the windows taken late before
    /// it.
    pub(super) fn new(
        late: &[Late],
        found: Vec<Vec<(usize, Holders)>>,
        (batch, first): (&BatchKeys, u64),
        limit: usize,
    ) -> LateWindows {
        let mut contained: Vec<(u64, u64)> = (late.iter())
            .flat_map(|l| l.contained.iter().map(|&hash| (hash, l.holder)))
            .collect();
        contained.sort_unstable();
        contained.dedup();
        let mut taken = Taken::default();
        // The positions of each hash each holder took earlier in the batch.
        let mut positions: HashMap<(u64, u64), Vec<u32>> = HashMap::new();
        let mut sorted = Vec::new();
        for (l, found) in late.iter().zip(found) {
            let own = l.holder.checked_sub(first).map(|e| e as u32);
            let mut in_runs = found.into_iter().peekable();
            let mut now: Vec<Window> = Vec::new();
            for (i, (hash, pos)) in l.prints.iter().enumerate() {
                let held = in_runs.next_if(|(at, _)| *at == i).map(|h| h.1);
                let held = held.unwrap_or_default();
                // The positions it holds already: in the runs, in its own keys (a holder
                // of the batch), and taken late earlier in the batch. A holder takes a
                // window at a new position while it holds fewer than a document keeps
                // of a hash, as a batch run keeps the first positions of each.
                let in_runs_at = held.list.iter().filter(|x| x.0 == l.holder).map(|x| x.1);
                // (A document's entries of a hash come together, by position.)
                let holding = batch.holding(hash);
                let own_at = own.map_or(&[][..], |own| {
                    let from = holding.partition_point(|e| e.1 < own);
                    &holding[from..holding.partition_point(|e| e.1 <= own)]
                });
                let own_at = own_at.iter().map(|e| e.2);
                let late_at = positions
                    .get(&(hash, l.holder))
                    .into_iter()
                    .flatten()
                    .copied();
                let held_at: Vec<u32> = in_runs_at.chain(own_at).chain(late_at).collect();
                // (A hash's windows come together: `prints` are by hash.)
                let taken_now = now.iter().rev().take_while(|e| e.hash == hash).count();
                if held_at.contains(&pos) || held_at.len() + taken_now >= MAX_POSITIONS {
                    continue;
                }
                let holds = !held_at.is_empty();
                // The other documents that hold it: the runs' holders, the batch's
                // before the document at which the window is taken (counted up to the
                // limit), and those that took it late at an earlier document (those
                // taken at this one are not seen by each other).
                let in_runs = held
                    .count()
                    .saturating_sub(usize::from(held.counts(l.holder)));
                let in_batch = (picked_before(batch, hash, l.at))
                    .filter(|e| Some(e[0].1) != own)
                    .take(limit)
                    .count();
                let late_before = taken.before(hash, l.at);
                let late_before = late_before.iter().filter(|t| t.1 != l.holder).count();
                let others = in_runs.saturating_add(in_batch).saturating_add(late_before);
                if others >= limit {
                    continue;
                }
                now.push(Window {
                    hash,
                    at: l.at as u32,
                    holder: l.holder,
                    pos,
                    counts: !holds,
                });
            }
            for e in &now {
                positions.entry((e.hash, e.holder)).or_default().push(e.pos);
            }
            taken.add(l, now.iter().filter(|e| e.counts).map(|e| e.hash));
            sorted.append(&mut now);
        }
        sorted.sort_unstable();
        LateWindows { sorted, contained }
    }

    /// The holders `(number, position)` of `hash` that document `d` of the batch
    /// counts: those taken at it or before.
    pub(super) fn seen_by(&self, d: usize, hash: u64) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.windows_seen_by(d, hash).map(|e| (e.holder, e.pos))
    }

    /// The windows of `hash` that document `d` of the batch counts.
    fn windows_seen_by(&self, d: usize, hash: u64) -> impl Iterator<Item = &Window> + '_ {
        let from = self.sorted.partition_point(|e| e.hash < hash);
        let with = self.sorted[from..]
            .iter()
            .take_while(move |e| e.hash == hash);
        with.filter(move |e| e.at as usize <= d)
    }

    /// `(hash, documents)` for each of `prints` that holders of late windows seen by
    /// document `d` hold, by hash: what they add to its count.
    pub(super) fn counts(&self, d: usize, prints: &Fingerprints) -> Vec<(u64, usize)> {
        if self.sorted.is_empty() {
            return Vec::new();
        }
        let mut hashes = prints.hashes().to_vec();
        hashes.sort_unstable();
        hashes.dedup();
        // A holder's windows that count it come together (sorted by the document at
        // which they were taken, then holder): it first holds a hash at one document.
        let holders = |hash| {
            let mut last = None;
            let new = |e: &&Window| e.counts && last.replace(e.holder) != Some(e.holder);
            self.windows_seen_by(d, hash).filter(new).count()
        };
        (hashes.into_iter())
            .map(|hash| (hash, holders(hash)))
            .filter(|&(_, n)| n > 0)
            .collect()
    }

    /// The run's entries, sorted by key, document and position.
    pub(super) fn entries(&self) -> Vec<Entry> {
        // Holders are numbered documents of the index: numbers fit.
        let entry = |key, doc, pos| Entry {
            key,
            doc: doc as u32,
            pos,
        };
        let taken = self.sorted.iter().map(|e| entry(e.hash, e.holder, e.pos));
        let contained = (self.contained.iter()).map(|&(key, doc)| entry(key, doc, CONTAINED));
        let mut out: Vec<Entry> = taken.chain(contained).collect();
        out.sort_unstable_by_key(|e| (e.key, e.doc, e.pos));
        out.dedup();
        out
    }

    /// The entries each holder takes, by number.
    pub(super) fn per_holder(&self) -> Vec<(u64, u32)> {
        let taken = self.sorted.iter().map(|e| e.holder);
        let mut holders: Vec<u64> = taken.chain(self.contained.iter().map(|e| e.1)).collect();
        holders.sort_unstable();
        let counted = holders.chunk_by(|a, b| a == b);
        counted.map(|c| (c[0], c.len() as u32)).collect()
    }
}

/// `(hash, document of the batch)` for the windows that holders count by containment
/// in `late` (by document, then holder), each holder's at the first document where it
/// takes it, sorted: they count for the documents after that one, as the windows that
/// the batch's documents count do, and for that one towards what is common at it only
/// ([`counted_at`]).
pub(super) fn counted_from(late: &[Late]) -> Vec<(u64, u32)> {
    let mut taken: Vec<(u64, u64, usize)> = (late.iter())
        .flat_map(|l| l.contained.iter().map(|&hash| (hash, l.holder, l.at)))
        .collect();
    taken.sort_unstable();
    taken.dedup_by_key(|t| (t.0, t.1));
    // Documents of a batch are numbered in `u32`.
    let mut out: Vec<(u64, u32)> = taken.into_iter().map(|t| (t.0, t.2 as u32)).collect();
    out.sort_unstable();
    out
}

/// For each of the `n` documents of a batch, `(hash, holders)` for the windows of
/// `counted` (as [`counted_from`] gives them) that holders count from it on, among
/// `hashes(d)` (sorted) for document `d`, by hash.
pub(super) fn counted_at<'h>(
    counted: &[(u64, u32)],
    n: usize,
    hashes: impl Fn(usize) -> &'h [u64],
) -> Vec<Vec<(u64, usize)>> {
    let mut out: Vec<Vec<(u64, usize)>> = vec![Vec::new(); n];
    // Sorted by hash, then document: a document's come in the order of their hashes.
    for &(hash, d) in counted {
        let d = d as usize;
        if d >= n || hashes(d).binary_search(&hash).is_err() {
            continue;
        }
        match out[d].last_mut() {
            Some(last) if last.0 == hash => last.1 += 1,
            _ => out[d].push((hash, 1)),
        }
    }
    out
}

/// The windows taken late so far in a batch, by hash: `(document of the batch at
/// which each was taken, holder)`, in that order (documents, then holders, come in
/// order).
#[derive(Default)]
struct Taken(HashMap<u64, Vec<(usize, u64)>>);

impl Taken {
    /// Those of `hash`.
    fn of(&self, hash: u64) -> &[(usize, u64)] {
        self.0.get(&hash).map_or(&[][..], Vec::as_slice)
    }

    /// Those of `hash` taken at documents before document `at`.
    fn before(&self, hash: u64, at: usize) -> &[(usize, u64)] {
        let of = self.of(hash);
        &of[..of.partition_point(|t| t.0 < at)]
    }

    /// Notes that `l`'s holder took the windows `hashes` at its document (once each:
    /// a window at two of its positions is one holder).
    fn add(&mut self, l: &Late, hashes: impl Iterator<Item = u64>) {
        for hash in hashes {
            let of = self.0.entry(hash).or_default();
            if of.last() != Some(&(l.at, l.holder)) {
                of.push((l.at, l.holder));
            }
        }
    }
}

/// The entries of the batch's documents before document `at` that picked `hash`, a
/// slice for each document.
fn picked_before(
    batch: &BatchKeys,
    hash: u64,
    at: usize,
) -> impl Iterator<Item = &[(u64, u32, u32)]> {
    let holding = batch.holding(hash);
    let before = &holding[..holding.partition_point(|e| (e.1 as usize) < at)];
    before.chunk_by(|x, y| x.1 == y.1)
}

impl Index {
    /// The long windows that the holders of the fingerprints turning common at each
    /// document of a batch take (see the module docs), before those at positions they
    /// hold already are left out, by document and holder. The batch's `documents` are numbered
    /// from `first`, with their `keys`, what the runs hold of them (`found`), the batch's
    /// fingerprints (`batch`), the fingerprints turning common at each (`turning`,
    /// sorted), the windows they count by containment (`counted`: `(hash, document)`,
    /// sorted), and the token hashes made of some (`tokens`); the stored texts are read
    /// through `read`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn late(
        &self,
        (documents, first): (&[(&str, &[u8])], u64),
        (keys, found): (&[Keys], &[Found]),
        (batch, turning, counted): (&BatchKeys, &[&[u64]], &Counted),
        tokens: &[Option<&[u64]>],
        (docs, read, runs): (&StoredDocs, &ReadTransaction, &Runs),
    ) -> Result<Vec<Late>, Error> {
        // (document, holder, position) of each holder of what turns common.
        let mut wanted: Vec<(usize, u64, u32)> = Vec::new();
        for (d, turning) in turning.iter().enumerate() {
            if turning.is_empty() {
                continue;
            }
            let turns = |hash: &u64| turning.binary_search(hash).is_ok();
            let hashes = keys[d].prints.hashes();
            for (i, held) in &found[d].prints {
                if turns(&hashes[*i]) {
                    wanted.extend(held.list.iter().map(|&(n, pos)| (d, n, pos)));
                }
            }
            for (hash, pos) in keys[d].prints.iter().filter(|(h, _)| turns(h)) {
                let before = batch.before(d, hash, pos).iter();
                wanted.extend(before.map(|&(_, e, at)| (d, first + u64::from(e), at)));
            }
        }
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        wanted.sort_unstable();
        wanted.dedup();
        // The token hashes of each holder: of its stored text, or of the batch's.
        let mut stored: Vec<u64> = wanted.iter().map(|w| w.1).filter(|&n| n < first).collect();
        stored.sort_unstable();
        stored.dedup();
        // A holder whose text cannot be read fails the batch (nothing of it is
        // stored) or the query: taking no windows would change what the index holds
        // for good, since the fingerprint does not turn common again.
        let missing = |n| self.store(format!("document {n} is listed but missing"));
        let read_tokens = |&n: &u64| {
            let record = self
                .record(docs, n, Some(read))?
                .ok_or_else(|| missing(n))?;
            Ok::<_, Error>(Detector::token_hashes(&record.text))
        };
        let stored_tokens = crate::par::map(&stored, read_tokens);
        let stored_tokens = stored_tokens.into_iter().collect::<Result<Vec<_>, _>>()?;
        let mut in_batch: Vec<usize> = (wanted.iter())
            .filter_map(|w| w.1.checked_sub(first).map(|e| e as usize))
            .filter(|&e| tokens[e].is_none())
            .collect();
        in_batch.sort_unstable();
        in_batch.dedup();
        let mut made: Vec<Option<Vec<u64>>> = vec![None; documents.len()];
        let tokenized = crate::par::map(&in_batch, |&e| Detector::token_hashes(documents[e].1));
        for (e, t) in in_batch.into_iter().zip(tokenized) {
            made[e] = Some(t);
        }
        let tokens_of = |n: u64| -> &[u64] {
            match n.checked_sub(first) {
                Some(e) => {
                    let e = e as usize;
                    tokens[e].or(made[e].as_deref()).unwrap_or_default()
                }
                // Every holder numbered before the batch is in `stored`.
                None => {
                    (stored.binary_search(&n).ok()).map_or(&[][..], |k| stored_tokens[k].as_slice())
                }
            }
        };
        // By holder, so that each holder's windows and picks are made once.
        wanted.sort_unstable_by_key(|&(at, holder, pos)| (holder, at, pos));
        let by_holder: Vec<&[(usize, u64, u32)]> = wanted.chunk_by(|x, y| x.1 == y.1).collect();
        let (f, w) = self.detector.fingerprint_layout();
        let late = crate::par::map(&by_holder, |wanted| {
            let holder = wanted[0].1;
            let tokens = tokens_of(holder);
            // Its picks: a holder in the batch has them already.
            let made;
            let picked = match holder.checked_sub(first) {
                Some(e) => keys[e as usize].prints.hashes(),
                None => {
                    made = Fingerprints::new_in(tokens, f, w, &mut Default::default());
                    made.hashes()
                }
            };
            let windows = self.detector.windows_of(tokens);
            let at_each = wanted.chunk_by(|x, y| x.0 == y.0);
            let late = at_each.map(|group| {
                let positions: Vec<u32> = group.iter().map(|g| g.2).collect();
                // The windows at the edges that it did not pick, nor counts in the batch.
                let mut edges = edges::edge_windows(&windows, &positions, w, picked);
                if let Some(e) = holder.checked_sub(first) {
                    edges.retain(|&h| counted.binary_search(&(h, e as u32)).is_err());
                }
                Late {
                    at: group[0].0,
                    holder,
                    prints: self.detector.long_fingerprints(tokens, &positions),
                    contained: edges,
                }
            });
            late.collect::<Vec<Late>>()
        });
        let mut late: Vec<Late> = late.into_iter().flatten().collect();
        late.sort_unstable_by_key(|l| (l.at, l.holder));
        // Less the windows that holders count already, and those that more than the
        // limit count before the document they are taken at (boilerplate already), as
        // when the documents are added one at a time: in the runs, and in the batch
        // before it, picked, counted by the batch's documents, or taken late.
        let held = self.held(late.iter().map(|l| l.contained.as_slice()), runs)?;
        let limit = self.detector.settings().boilerplate_docs();
        let mut taken = Taken::default();
        for (l, held) in late.iter_mut().zip(held) {
            let mut in_runs = held.into_iter().peekable();
            let mut kept = Vec::new();
            for (i, &hash) in l.contained.iter().enumerate() {
                let held = in_runs.next_if(|(k, _)| *k == i).map(|h| h.1);
                let late_before = taken.before(hash, l.at);
                if held.as_ref().is_some_and(|h| h.counts(l.holder))
                    || late_before.iter().any(|t| t.1 == l.holder)
                {
                    continue;
                }
                let in_runs = held.map_or(0, |h| h.count());
                let picks = picked_before(batch, hash, l.at).count();
                let from = counted.partition_point(|c| c.0 < hash);
                let counting = counted[from..].iter().take_while(|c| c.0 == hash);
                let counting = counting.filter(|c| (c.1 as usize) < l.at).count();
                let others =
                    (in_runs.saturating_add(picks)).saturating_add(counting + late_before.len());
                if others <= limit {
                    kept.push(hash);
                }
            }
            taken.add(l, kept.iter().copied());
            l.contained = kept;
        }
        Ok(late)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holder_takes_a_held_hash_at_new_positions_up_to_the_positions_kept() {
        // Token hashes a b a a a a, windows of one token each picked: `a` at its first
        // four positions (0, 2, 3, 4), `b` at 1.
        let prints = Fingerprints::new(&[5, 6, 5, 5, 5, 5], 1, 1);
        let at = |p: u32| prints.iter().find(|e| e.1 == p).unwrap().0;
        let (a, b) = (at(0), at(1));
        assert_eq!(prints.iter().filter(|e| e.0 == a).count(), MAX_POSITIONS);
        // Holder 3 holds `a` at 0 in the runs, holder 4 at 0 and 2; documents 10 on
        // are the batch's (none holds either).
        let runs = |held: &[(u64, u32)]| -> Vec<(usize, Holders)> {
            let read = || {
                let mut holders = Holders::default();
                for &h in held {
                    holders.push(h, (50, 50));
                }
                holders
            };
            let of_a = prints.iter().enumerate().filter(|e| e.1.0 == a);
            of_a.map(|(i, _)| (i, read())).collect()
        };
        let late = |at, holder| Late {
            at,
            holder,
            prints: prints.clone(),
            contained: Vec::new(),
        };
        let lates = [late(0, 3), late(0, 4), late(1, 3)];
        let found = vec![
            runs(&[(3, 0)]),
            runs(&[(3, 0), (4, 0), (4, 2)]),
            runs(&[(3, 0)]),
        ];
        let batch = BatchKeys::new(2, |_| std::iter::empty());
        let windows = LateWindows::new(&lates, found, (&batch, 10), 50);
        let taken = |holder| {
            let mut t: Vec<(u64, u32, bool)> = (windows.sorted.iter())
                .filter(|w| w.holder == holder)
                .map(|w| (w.hash, w.pos, w.counts))
                .collect();
            t.sort_unstable();
            t
        };
        // Holder 3 takes `a` at its three new positions, and `b`, which alone counts
        // it as a new holder; at document 1 it holds four positions of `a` already,
        // and `b`.
        let mut want = vec![(a, 2, false), (a, 3, false), (a, 4, false), (b, 1, true)];
        want.sort_unstable();
        assert_eq!(taken(3), want);
        // Holder 4 takes `a` at 3 and 4 only.
        let mut want = vec![(a, 3, false), (a, 4, false), (b, 1, true)];
        want.sort_unstable();
        assert_eq!(taken(4), want);
        // Counted as holders of `b` only (they hold `a` in the runs, counted there).
        assert_eq!(windows.counts(1, &prints), [(b, 2)]);
        let seen: Vec<(u64, u32)> = windows.seen_by(1, a).collect();
        assert_eq!(seen.len(), 5);
    }
}
