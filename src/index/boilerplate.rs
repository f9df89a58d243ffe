//! What is common at a document as it is added: which of its fingerprints are
//! boilerplate (more than `boilerplate_docs - 1` other documents hold them, picked or
//! counted by containment: none pairs it with another document), which are common by
//! their pickers (more than that picked them: it takes long windows over those, and
//! counts the windows at their edges by containment), and which turn common at it (the
//! `late` module); for the documents of a batch, as if they were added one at a time.
//!
//! # Algorithm
//!
//! A fingerprint's holders are read from the runs, oldest first ([`Holders`]): the
//! documents that picked it, with their positions, and those that only contain it,
//! until one more than the limit picked it or the bound of reading is counted
//! ([`reading_bound`]). The
//! documents before the new one in its batch are counted beside them: its pickers
//! from the batch's sorted keys (the `batch` module), the windows they count by
//! containment (the `edges` module) and those that earlier documents take late at
//! them (the `late` module). What pickers make common depends on no window counted,
//! but where windows take a fingerprint past the bound of reading: a batch works it
//! out in rounds ([`Index::batch_boilerplate`]), each first for every document, with
//! the windows each then counts, then what is common at each, picked or contained,
//! those windows counted; another round only where the windows changed what pickers
//! made common at a document.
//!
//! # Cost
//!
//! Reading a fingerprint's holders reads up to [`COUNTED_AT_MOST`] times
//! `boilerplate_docs` entries (one run's block after another); most fingerprints have
//! one holder or none. A round of a batch of n documents is, for each document, in
//! parallel, a sort of its fingerprints' counts, a binary search per window counted
//! before it, and the windows it counts made from its token hashes; and the late
//! windows, where something turns common (the `late` module). A batch takes one
//! round unless the windows counted by containment take a fingerprint past the bound
//! of reading within it; at most n.

use super::batch::BatchKeys;
use super::edges::{self, CONTAINED};
use super::late;
use super::runs::{Kind, Runs};
use super::{Found, Index, Keys, Pending, StoredDocs, merged, positions_of};
use crate::detector::Detector;
use crate::error::Error;
use crate::reuse::Fingerprints;
use redb::ReadTransaction;

/// `(hash, documents)` counted for some of a document's fingerprints, by hash.
type Counts = [(u64, usize)];

/// For each document of a batch, what [`Index::common`] counts beside the holders, as
/// [`Counts`].
struct Counting {
    /// The windows that documents before it count by containment, those that earlier
    /// documents take late at them included.
    before: Vec<Vec<(u64, usize)>>,
    /// The windows that earlier documents take late at it.
    here: Vec<Vec<(u64, usize)>>,
}

/// What one source (the runs, the documents before in the batch, the windows counted
/// by containment) tells of a fingerprint's holders ([`Index::common`]).
#[derive(Clone, Copy)]
struct Tally {
    hash: u64,
    /// The documents that hold it, picked or contained.
    docs: usize,
    /// Those that picked it.
    picks: usize,
    /// Those that the document added alone would read in the runs, toward the bound
    /// of reading.
    read: usize,
}

/// `(hash, document of the batch)` for the windows that documents of a batch count by
/// containment, sorted.
pub(super) type Counted = [(u64, u32)];

/// What a document finds common ([`Index::common`]), each sorted.
#[derive(Default)]
pub(super) struct Common {
    /// Its boilerplate fingerprints: those that more than `boilerplate_docs - 1` other
    /// documents hold, picked or contained. None pairs it with another document.
    pub(super) boilerplate: Vec<u64>,
    /// Those that more than `boilerplate_docs - 1` other documents picked, as a batch
    /// run finds common text before it counts windows by containment
    /// ([`Boilerplate`](crate::reuse::Boilerplate)): it takes the long windows over
    /// these, and counts the windows at their edges by containment.
    pub(super) picked: Vec<u64>,
    /// Those of `picked` that turn common at it: exactly `boilerplate_docs` others
    /// picked them (the `late` module).
    pub(super) turning: Vec<u64>,
}

/// A batch's boilerplate, as [`Index::batch_boilerplate`] works it out.
#[derive(Default)]
pub(super) struct BatchBoilerplate {
    /// Each document's boilerplate fingerprints, sorted ([`Common::boilerplate`]).
    pub(super) fingerprints: Vec<Vec<u64>>,
    /// Those that more than the limit picked, sorted ([`Common::picked`]).
    pub(super) picked: Vec<Vec<u64>>,
    /// The windows each document counts by containment, sorted.
    pub(super) contained: Vec<Vec<u64>>,
    /// The fingerprints that turn common at each document, sorted (the `late` module).
    pub(super) turning: Vec<Vec<u64>>,
    /// The windows each document counts by containment, as `(hash, document)`,
    /// sorted ([`Counted`]).
    pub(super) counted: Vec<(u64, u32)>,
    /// What earlier documents take late at documents of the batch (the `late`
    /// module).
    pub(super) late: Vec<late::Late>,
    /// The token hashes of each document that holds text common by its pickers (made
    /// to count its windows; its long fingerprints take them).
    pub(super) tokens: Vec<Option<Vec<u64>>>,
}

impl BatchBoilerplate {
    /// Whether document `d` writes its pick of fingerprint `key`: unless more than
    /// `boilerplate_docs` others picked it before. The pickers of a fingerprint are
    /// written until it turns common by them (the one at which it turns included, so
    /// that later documents find it common and turning at none), also when it is
    /// common by containment already: a batch run counts them all.
    pub(super) fn keeps(&self, d: usize, key: u64) -> bool {
        let common = |set: &[Vec<u64>]| set[d].binary_search(&key).is_ok();
        !common(&self.picked) || common(&self.turning)
    }
}

/// For every document of a batch whose fingerprints are `prints`, `(hash, documents)`
/// for each of its fingerprints that documents before it count by containment
/// (`counted`: `(hash, document)`, sorted), by hash. One binary search per hash counted.
fn counted_before(prints: &BatchKeys, counted: &Counted, docs: usize) -> Vec<Vec<(u64, usize)>> {
    let mut out = vec![Vec::new(); docs];
    for group in counted.chunk_by(|x, y| x.0 == y.0) {
        let hash = group[0].0;
        for &(_, d, _) in prints.holding(hash) {
            let before = group.partition_point(|c| c.1 < d);
            if before > 0 && out[d as usize].last() != Some(&(hash, before)) {
                out[d as usize].push((hash, before));
            }
        }
    }
    out
}

/// The holders of a fingerprint, read up to a limit: the documents that picked it, with
/// their positions, and how many hold it (those that only contain it, at an edge of
/// their text common by its pickers, counted too: see the `edges` module).
///
/// Reading stops at the first document past the limit that picked it (the fingerprint
/// is common by its pickers then, as a batch run finds common text: see
/// [`Common::picked`]), or once the bound of reading is counted ([`reading_bound`]):
/// one held by more is taken as common by its pickers too, whoever picked it (the
/// pickers among the rest are not read), and turns common at no document.
///
/// A document's entries of one fingerprint are read together, its picks before the
/// entry that counts it as containing the fingerprint ([`CONTAINED`] sorts last);
/// and a document that picked a fingerprint has no such entry for it (the windows a
/// document counts by containment are those it did not pick, see the `edges` module),
/// so its first entry tells whether it picked it. A document can also hold a long
/// window at more positions in a later run (taken late, the `late` module), which
/// comes after documents of higher numbers: a document numbered at most the highest
/// counted is looked for among those counted, and counted once.
#[derive(Default)]
pub(super) struct Holders {
    /// `(document, position)` of the documents that picked it, in the runs' order (by
    /// document within a run: see [`Runs::visit`]).
    pub(super) list: Vec<(u64, u32)>,
    /// The documents that only contain it (entries at [`CONTAINED`]), by document,
    /// among the first `limit` documents counted, picked or contained (past them the
    /// count alone is over the limit).
    contained: Vec<u64>,
    /// The documents counted, picked or contained.
    docs: usize,
    /// The documents that picked it.
    picked: usize,
    /// The last document counted.
    last: Option<u64>,
    /// The highest document counted: one at most this is looked for among those
    /// counted (a holder's entries of long windows it took late are in a later run).
    highest: Option<u64>,
    /// Whether more than the limit picked it (the count stops there).
    full: bool,
    /// Whether the count stopped at the bound of reading.
    capped: bool,
}

/// How many times `boilerplate_docs` documents the holders of a fingerprint are read
/// up to, to find how many of them picked it: see [`Holders`]. High enough that only
/// text held by thousands of documents (3,200 at the default `boilerplate_docs`) meets
/// it: that text is boilerplate by containment anyway, and only a batch run, which
/// counts every picker, can tell whether more than the limit picked it.
const COUNTED_AT_MOST: usize = 64;

/// The bound of reading: how many documents the holders of a fingerprint are read up
/// to, for `detector`: [`COUNTED_AT_MOST`] times its `boilerplate_docs` (at least one).
/// Never below `boilerplate_docs`: a fingerprint that fewer hold is read whole, as the
/// boilerplate and late checks of a batch assume.
pub(super) fn reading_bound(detector: &Detector) -> usize {
    let limit = detector.settings().boilerplate_docs().max(1);
    limit.saturating_mul(COUNTED_AT_MOST)
}

impl Holders {
    /// Adds a holder (its entries of a run come together, those at positions first) unless it
    /// picked the fingerprint and `limit` others did, or `at_most` documents are
    /// counted already; false then (and from then on). An entry at [`CONTAINED`]
    /// counts the document, and lists it while `limit` are counted at most.
    pub(super) fn push(&mut self, h: (u64, u32), (limit, at_most): (usize, usize)) -> bool {
        let again = || self.highest.is_some_and(|n| h.0 <= n) && self.counts(h.0);
        if self.last != Some(h.0) && !again() {
            if h.1 != CONTAINED && self.picked == limit {
                self.full = true;
                return false;
            }
            if self.docs == at_most {
                self.capped = true;
                return false;
            }
            self.docs += 1;
            self.highest = self.highest.max(Some(h.0));
            if h.1 != CONTAINED {
                self.picked += 1;
            }
        }
        self.last = Some(h.0);
        if h.1 != CONTAINED {
            self.list.push(h);
        } else if self.docs <= limit && self.contained.last() != Some(&h.0) {
            self.contained.push(h.0);
        }
        true
    }

    /// Whether document `n` is counted among them, picked, or contained among the
    /// first `limit` documents counted.
    pub(super) fn counts(&self, n: u64) -> bool {
        self.list.iter().any(|x| x.0 == n) || self.contained.contains(&n)
    }

    /// The documents counted: `usize::MAX` when reading stopped before all were.
    pub(super) fn count(&self) -> usize {
        if self.full || self.capped {
            usize::MAX
        } else {
            self.docs
        }
    }

    /// The documents that picked it: `usize::MAX` when more than the limit did, or
    /// reading stopped at the bound.
    pub(super) fn picks(&self) -> usize {
        if self.full || self.capped {
            usize::MAX
        } else {
            self.picked
        }
    }
}

impl Index {
    /// What the runs hold for each document's `prints`: for each fingerprint some run
    /// holds (its index among the document's), its holders, read up to one picker past
    /// `boilerplate_docs - 1` (the new document holds it too), or up to the bound of
    /// reading ([`Holders`]).
    pub(super) fn held<'k>(
        &self,
        prints: impl ExactSizeIterator<Item = &'k [u64]>,
        runs: &Runs,
    ) -> Result<Vec<Vec<(usize, Holders)>>, Error> {
        let limit = self.detector.settings().boilerplate_docs().max(1);
        let bounds = (limit, self.read_at_most);
        let mut out: Vec<Vec<(usize, Holders)>> = Vec::new();
        out.resize_with(prints.len(), Vec::new);
        let found = self.look_up(
            (Kind::Prints, prints),
            runs,
            |held: &mut Holders, n, pos| {
                let more = held.push((u64::from(n), pos), bounds);
                if held.full {
                    // Common by its pickers: nobody pairs through it, nor takes long
                    // windows late over it, and its holders are not read.
                    (held.list, held.contained) = Default::default();
                }
                more
            },
        )?;
        // A fingerprint that the runs' documents only contain (at the edges of their
        // common text) is kept too: they count.
        for (d, i, held) in found {
            if held.docs > 0 {
                out[d].push((i, held));
            }
        }
        Ok(out)
    }

    /// The fingerprints of a new document (document `d` of `pending`) that are
    /// boilerplate, sorted: those that more than `boilerplate_docs - 1` other documents
    /// hold, in the runs (`found`) or before it in the batch, picked or contained
    /// (`contained_before`: `(hash, documents)` for its fingerprints that documents
    /// before it in the batch count at the edges of their common text, by hash; see the
    /// `edges` module).
    pub(super) fn boilerplate(
        &self,
        prints: (&Fingerprints, &[(usize, Holders)]),
        batch: (&BatchKeys, usize),
        contained_before: &[(u64, usize)],
    ) -> Vec<u64> {
        self.common(prints, batch, (contained_before, &[]))
            .boilerplate
    }

    /// [`boilerplate`](Index::boilerplate), counting also `late_here`: `(hash,
    /// documents)` for the windows that earlier documents count from this one on,
    /// having taken them when something turned common at it (the `late` module); and
    /// those of its fingerprints that more than `boilerplate_docs - 1` others picked,
    /// and those that turn common at it by them (exactly `boilerplate_docs` others
    /// picked them): see [`Common`]. A fingerprint held by more documents than the
    /// document added alone would read ([`Holders`]: in the runs, and before it in
    /// the batch, picked or counted by containment) is taken as common by its pickers
    /// too, as it is when read.
    pub(super) fn common(
        &self,
        (prints, found): (&Fingerprints, &[(usize, Holders)]),
        (pending, d): (&BatchKeys, usize),
        (contained_before, late_here): (&Counts, &Counts),
    ) -> Common {
        let others = self
            .detector
            .settings()
            .boilerplate_docs()
            .saturating_sub(1);
        // A fingerprint an earlier document of the batch found common by its pickers
        // is among the holders `pending` gives (a batch added one document at a time
        // would have left it out): that changes no answer. Holders are counted in
        // order, the runs' first, and a document finds a fingerprint common once they
        // are more than `others`, so the first document of the batch that found it so
        // saw the same holders either way (toward the bound of reading too), and every
        // later one finds it common either way.
        //
        // Only the fingerprints that others hold are counted: a [`Tally`] from each
        // source, once per hash (a hash at two positions has the same holders at
        // both). The document added alone would read the runs' holders and those
        // before it in the batch, picked or contained, toward the bound of reading;
        // not the late windows taken at it (those go into its own run).
        let hashes = prints.hashes();
        let tally = |hash, docs, picks, read| Tally {
            hash,
            docs,
            picks,
            read,
        };
        let mut counts: Vec<Tally> = Vec::new();
        let runs = found.iter();
        counts.extend(runs.map(|(i, h)| tally(hashes[*i], h.count(), h.picks(), h.count())));
        counts.dedup_by_key(|c| c.hash);
        // The documents counted up to two past the limit: a common fingerprint's
        // holders are not all read, and one that turns common has exactly one more.
        // The batch's are pickers.
        let docs = |e: &[(u64, u32, u32)]| e.chunk_by(|x, y| x.1 == y.1).take(others + 2).count();
        let mut batch: Vec<Tally> = pending
            .shared_by(d)
            .map(|(key, e)| {
                let n = docs(e);
                tally(key, n, n, n)
            })
            .collect();
        batch.dedup_by_key(|c| c.hash);
        counts.append(&mut batch);
        counts.extend(
            contained_before
                .iter()
                .map(|&(hash, n)| tally(hash, n, 0, n)),
        );
        counts.extend(late_here.iter().map(|&(hash, n)| tally(hash, n, 0, 0)));
        counts.sort_unstable_by_key(|c| c.hash);
        let mut out = Common::default();
        for c in counts.chunk_by(|x, y| x.hash == y.hash) {
            let add = |a: usize, b: usize| a.saturating_add(b);
            let (mut n, mut picks, read) = c.iter().fold((0, 0, 0), |(n, p, r), c| {
                (add(n, c.docs), add(p, c.picks), add(r, c.read))
            });
            // Past the bound of reading, taken as common by its pickers ([`Holders`]).
            if read > self.read_at_most {
                (n, picks) = (usize::MAX, usize::MAX);
            }
            if n > others {
                out.boilerplate.push(c[0].hash);
            }
            if picks > others {
                out.picked.push(c[0].hash);
                if picks == others + 1 {
                    out.turning.push(c[0].hash);
                }
            }
        }
        out
    }

    /// The hashes of the windows that document `text`, whose keys are `keys` and
    /// `picked` its fingerprints common by their pickers ([`Common::picked`]), counts
    /// by containment (see the `edges` module): none when it holds none. `tokens`
    /// keeps its token hashes, made when first needed.
    fn contained(
        &self,
        (text, keys): (&[u8], &Keys),
        picked: &[u64],
        tokens: &mut Option<Vec<u64>>,
    ) -> Vec<u64> {
        if picked.is_empty() {
            return Vec::new();
        }
        let positions = positions_of(&keys.prints, picked);
        let tokens = tokens.get_or_insert_with(|| Detector::token_hashes(text));
        let windows = self.detector.windows_of(tokens);
        let (_, w) = self.detector.fingerprint_layout();
        edges::edge_windows(&windows, &positions, w, keys.prints.hashes())
    }

    /// Every document's boilerplate ([`common`](Index::common)) and the windows it
    /// counts by containment ([`contained`](Index::contained)), as if the documents of
    /// the batch were added one at a time: a document's count takes in the windows the
    /// documents before it count, which depend on what their pickers made common
    /// before them. What pickers make common depends on no window counted, but for
    /// the fingerprints whose holders are counted past the bound of reading
    /// ([`Holders`]), so it is worked out first for every document, with the windows
    /// each then counts, and the windows that earlier documents take when something
    /// turns common at a document of the batch (the `late` module, `stored` the
    /// committed documents and runs they are read from); then what is common at each,
    /// picked or contained, those windows counted. Where those windows take a
    /// fingerprint past the bound, and so change what its pickers made common at a
    /// document, all is worked out again with the windows counted before each
    /// document as the last round counted them: each round settles at least one more
    /// document, in order, and most batches need one. A query is worked out as a batch
    /// of one document numbered `u64::MAX`, with no other document before it in the
    /// batch (nothing of it is written; the windows it counts are made and go unused).
    pub(super) fn batch_boilerplate(
        &self,
        (documents, first): (&[(&str, &[u8])], u64),
        (keys, found): (&[Keys], &[Found]),
        pending: &Pending,
        stored: (&StoredDocs, &ReadTransaction, &Runs),
    ) -> Result<BatchBoilerplate, Error> {
        let n = keys.len();
        let docs: Vec<usize> = (0..n).collect();
        let prints = |d: usize| (&keys[d].prints, found[d].prints.as_slice());
        // The windows counted before each document and at it, as the last round
        // counted them (none at first).
        let none = vec![Vec::new(); n];
        let mut last = Counting {
            before: none.clone(),
            here: none,
        };
        let mut round = 0;
        loop {
            round += 1;
            let mut out = self.by_pickers(documents, (keys, found), pending, &last);
            // What earlier documents take when something turns common at a document
            // of the batch (the `late` module), and the windows they then count, as
            // `(hash, document from which they count)`.
            if out.turning.iter().any(|t| !t.is_empty()) {
                let turning: Vec<&[u64]> = out.turning.iter().map(Vec::as_slice).collect();
                let tokens: Vec<Option<&[u64]>> = out.tokens.iter().map(Option::as_deref).collect();
                out.late = self.late(
                    (documents, first),
                    (keys, found),
                    (&pending.prints, &turning, &out.counted),
                    &tokens,
                    stored,
                )?;
            }
            let late_counted = late::counted_from(&out.late);
            // Then what is common at each document, picked or contained, the windows
            // counted before it included (where there are any).
            let counting = Counting {
                before: if late_counted.is_empty() {
                    counted_before(&pending.prints, &out.counted, n)
                } else {
                    let all = merged(out.counted.clone(), late_counted.iter().copied());
                    counted_before(&pending.prints, &all, n)
                },
                here: late::counted_at(&late_counted, n, |d| keys[d].prints.hashes()),
            };
            // Worked out again only where other windows are counted than the round
            // began with (none at first).
            let again = crate::par::map(&docs, |&d| {
                let now = (&counting.before[d][..], &counting.here[d][..]);
                if now == (&last.before[d][..], &last.here[d][..]) {
                    return None;
                }
                Some(self.common(prints(d), (&pending.prints, d), now))
            });
            let mut settled = true;
            for (d, common) in again.into_iter().enumerate() {
                if let Some(common) = common {
                    settled &= common.picked == out.picked[d] && common.turning == out.turning[d];
                    out.fingerprints[d] = common.boilerplate;
                }
            }
            if settled {
                return Ok(out);
            }
            // Each round settles one more document at least, in order: a batch of n
            // is settled by round n, and is refused (nothing written) if it is not.
            if round >= n {
                debug_assert!(settled, "a batch's boilerplate unsettled in {round} rounds");
                return Err(self.store("a batch's boilerplate did not settle (a bug)"));
            }
            last = counting;
        }
    }

    /// What each document of a batch finds common by its pickers
    /// ([`Common::picked`]) and the windows it then counts by containment at the edges
    /// of that text, with `last` (the windows counted before each document and at it,
    /// as the last round found them) counted toward the bound of reading; and its
    /// boilerplate, those windows counted.
    fn by_pickers(
        &self,
        documents: &[(&str, &[u8])],
        (keys, found): (&[Keys], &[Found]),
        pending: &Pending,
        last: &Counting,
    ) -> BatchBoilerplate {
        let docs: Vec<usize> = (0..keys.len()).collect();
        let by_pickers = crate::par::map(&docs, |&d| {
            let prints = (&keys[d].prints, found[d].prints.as_slice());
            let counted = (&last.before[d][..], &last.here[d][..]);
            let common = self.common(prints, (&pending.prints, d), counted);
            let mut tokens = None;
            let text = (documents[d].1, &keys[d]);
            let contained = self.contained(text, &common.picked, &mut tokens);
            (common, contained, tokens)
        });
        let mut out = BatchBoilerplate::default();
        for (common, contained, tokens) in by_pickers {
            let Common {
                boilerplate,
                picked,
                turning,
            } = common;
            out.fingerprints.push(boilerplate);
            out.picked.push(picked);
            out.turning.push(turning);
            out.contained.push(contained);
            out.tokens.push(tokens);
        }
        out.counted = (out.contained.iter().zip(0u32..))
            .flat_map(|(windows, e)| windows.iter().map(move |&h| (h, e)))
            .collect();
        crate::par::sort_unstable(&mut out.counted);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::temp;

    /// The holders read for fingerprints with entries `(document, position)`, up to
    /// `limit`.
    fn read(entries: &[(u64, u32)], limit: usize) -> Holders {
        let mut held = Holders::default();
        for &e in entries {
            if !held.push(e, (limit, limit * COUNTED_AT_MOST)) {
                break;
            }
        }
        held
    }

    #[test]
    fn holders_count_pickers_past_the_documents_that_contain_a_fingerprint() {
        // Three documents contain it and two picked it: common by containment (for a
        // limit of 3), not by its pickers, whose positions are all listed.
        let contained = [(1, CONTAINED), (2, CONTAINED), (3, CONTAINED)];
        let mut entries = contained.to_vec();
        entries.extend([(4, 7), (4, 9), (5, 2)]);
        let held = read(&entries, 3);
        assert_eq!((held.count(), held.picks()), (5, 2));
        assert_eq!(held.list, [(4, 7), (4, 9), (5, 2)]);
        assert_eq!(held.contained, [1, 2, 3]);
        assert!(held.counts(2) && held.counts(5) && !held.counts(6));
        // A third picker: exactly the limit, so it turns common at the next one.
        entries.push((6, 1));
        assert_eq!(read(&entries, 3).picks(), 3);
        // A fourth: common by its pickers, and no more are read.
        entries.extend([(7, 4), (8, CONTAINED)]);
        let held = read(&entries, 3);
        assert_eq!((held.count(), held.picks()), (usize::MAX, usize::MAX));
        assert_eq!(held.docs, 6);
        // A document that contains it past the third picker is read on.
        let mut entries = vec![(1, 0), (2, 0), (3, 0), (4, CONTAINED), (5, CONTAINED)];
        assert_eq!(
            (read(&entries, 3).count(), read(&entries, 3).picks()),
            (5, 3)
        );
        entries.push((6, 0));
        assert_eq!(read(&entries, 3).picks(), usize::MAX);
    }

    #[test]
    fn a_holder_whose_late_windows_are_in_a_later_run_is_counted_once() {
        // Document 4 took the window at position 9 late, in a later run than its
        // first position and document 6's: still three holders, all listed.
        let held = read(&[(4, 2), (6, 1), (1, 5), (4, 9)], 3);
        assert_eq!((held.count(), held.picks()), (3, 3));
        assert_eq!(held.list, [(4, 2), (6, 1), (1, 5), (4, 9)]);
        // A fourth holder makes it common by its pickers.
        let held = read(&[(4, 2), (6, 1), (1, 5), (4, 9), (3, 0)], 3);
        assert_eq!(held.picks(), usize::MAX);
    }

    #[test]
    fn holders_are_read_up_to_a_bound_of_documents_that_contain_a_fingerprint() {
        // Past `COUNTED_AT_MOST` times the limit documents reading stops, and the
        // fingerprint is taken as common by its pickers too, though one picked it;
        // those that contain it are listed up to the limit.
        let limit = 2;
        let mut entries: Vec<(u64, u32)> = vec![(0, 5)];
        entries.extend((1..200).map(|d| (d, CONTAINED)));
        let held = read(&entries, limit);
        assert_eq!(held.docs, limit * COUNTED_AT_MOST);
        assert_eq!((held.count(), held.picks()), (usize::MAX, usize::MAX));
        assert_eq!(held.list, [(0, 5)]);
        assert_eq!(held.contained, [1]);
        // One fewer: all read, one picker.
        let held = read(&entries[..limit * COUNTED_AT_MOST], limit);
        assert_eq!((held.count(), held.picks()), (limit * COUNTED_AT_MOST, 1));
    }

    /// `n` made-up words from `seed`, of a vocabulary of a million.
    fn words(seed: u64, n: usize) -> String {
        let mut x = seed;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            format!("w{}", (x >> 33) % 1_000_000)
        };
        (0..n).map(|_| next()).collect::<Vec<_>>().join(" ")
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        /// With the holders of a fingerprint read up to only one to three times `limit`
        /// documents, a footer that every document holds after one of a few leads
        /// meets the bound part way through the stream, its pickers and the documents
        /// that contain it counted: added in batches, the documents answer and store
        /// what they do added one at a time.
        #[test]
        fn past_the_bound_of_reading_a_batch_does_what_adds_one_at_a_time_do(
            seed in proptest::prelude::any::<u64>(),
            n in 6usize..24,
            limit in 2usize..6,
            leads in 1usize..5,
            per in 2usize..6,
            times in 1usize..4,
        ) {
            let footer = words(seed, 120);
            let texts: Vec<String> = (0..n as u64)
                .map(|i| {
                    let own = words(seed ^ (i + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15), 60);
                    let lead = words(seed.wrapping_add(1 + i % leads as u64), 3);
                    format!("{own} {lead} {footer}")
                })
                .collect();
            let det = Detector::builder().boilerplate_docs(limit).build().unwrap();
            let added = |per: usize| {
                let (_dir, path) = temp(&format!("bound-{per}"));
                let mut index = Index::create(&path, &det).unwrap();
                index.read_at_most = limit * times;
                let mut answers = Vec::new();
                for (b, chunk) in texts.chunks(per).enumerate() {
                    let ids: Vec<String> = (0..chunk.len())
                        .map(|i| format!("{:04}", b * per + i))
                        .collect();
                    let docs = ids.iter().zip(chunk).map(|(id, t)| (id.as_str(), t.as_bytes()));
                    for m in index.add_batch(docs).unwrap() {
                        answers.push((m.near_duplicates, m.shared, m.repeats.len()));
                    }
                }
                (index.stats().unwrap().fingerprints, answers)
            };
            let (one, batched) = (added(1), added(per));
            proptest::prop_assert_eq!(one.0, batched.0, "entries stored");
            proptest::prop_assert_eq!(one.1, batched.1);
        }
    }

    #[test]
    fn a_pick_is_written_until_its_fingerprint_is_common_by_pickers() {
        // 5 common by pickers before the document, 9 turning common at it, 7 common
        // by containment only (boilerplate, not picked by many).
        let batch = BatchBoilerplate {
            fingerprints: vec![vec![5, 7, 9]],
            picked: vec![vec![5, 9]],
            turning: vec![vec![9]],
            ..BatchBoilerplate::default()
        };
        assert!(!batch.keeps(0, 5));
        assert!(batch.keeps(0, 9) && batch.keeps(0, 7) && batch.keeps(0, 3));
    }
}
