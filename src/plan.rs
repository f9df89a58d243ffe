//! The de-duplication plan: for every document of a [`Report`], keep it or drop it (and
//! for whom), and which byte ranges to cut from the kept ones. A writer (the example's
//! `neardup dedup`, or a caller's own) carries the plan out; the plan itself writes
//! nothing.
//!
//! # What the plan decides
//!
//! * In every cluster one document is kept, chosen by [`Keep`]: the first in corpus order,
//!   the longest, or the lowest of ranks the caller gives. Every other member is dropped
//!   for it, with the exact Jaccard of the two shingle sets (computed when the pair was
//!   not checked: two members of a chain a ~ b ~ c need not be near-duplicates of each
//!   other) and the chain of confirmed pairs that joins them ([`Dropped::via`]).
//! * With [`Policy::cut_passages`], every exact run of at least `min_passage_tokens`
//!   normalized tokens that repeats text staying earlier in the kept documents (in corpus
//!   order, or earlier in the same document) is cut; the first copy stays. Cuts are exact
//!   copies only: in an edited copy, the runs between the changed words are cut and the
//!   changed words stay. A paragraph repeated 5,000 times keeps one copy. Rounds repeat
//!   until one cuts nothing; then the kept texts are compared again, and those that the
//!   cuts made near-duplicates of each other are dropped ([`Dropped::after_cuts`]) and
//!   the cuts planned again without them. A plan over the kept texts then drops and cuts
//!   nothing. Every [`Cut`] names where its text stays whole.
//! * Documents that were not compared (binary, UTF-16, too large, unreadable) are passed
//!   through untouched ([`Action::Pass`]).
//!
//! # What the report needs
//!
//! A plan reads the report's near-duplicate pairs and clusters and the texts: not its
//! shared passages nor its repeats (cuts are found by a pass of their own). So a report
//! made only for a plan can come from a detector with
//! [`passage_reuse(false)`](crate::DetectorBuilder::passage_reuse) and
//! [`find_repeats(false)`](crate::DetectorBuilder::find_repeats), which plans the same
//! drops much faster: without passage search the LSH layout is chosen to find alone the
//! pairs that shared passages would otherwise reveal (on the benchmark dataset of 100,000
//! records, the same 985 drops in 1.6 s instead of 5.9 s; see the README). `neardup dedup`
//! does this.
//!
//! # Cost
//!
//! O(n) for the decisions, plus one Jaccard (O(t log t)) per dropped member whose pair
//! with the kept one was not checked. With cuts: two passes over every kept token per
//! round, holding no text-sized data: a Bloom filter of the windows (1.5 bytes each) and
//! a table of the windows that occur at least twice (see the `cuts` module); and one
//! near-duplicate run over the kept texts per time the cuts leave near-duplicates.

use crate::corpus::{DocId, SkipReason, Status};
use crate::error::Error;
use crate::report::Report;
use crate::reuse::Occurrence;
use crate::shingle::ShingleSet;
use crate::text::{self, Span};
use std::collections::VecDeque;

mod cuts;
use std::io::{self, Write};

/// Which member of a cluster is kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Keep {
    /// The first in corpus order (for a folder: by path). The report's
    /// [`Cluster::representative`](crate::report::Cluster::representative).
    #[default]
    First,
    /// The one with the most bytes; the first of them on a tie.
    Longest,
    /// The one with the lowest rank, one rank per document in corpus order (a date, a
    /// source's priority); the first of them on a tie.
    Ranked(Vec<u64>),
}

/// What the plan should do: which copy to keep, and whether to cut passages.
///
/// ```
/// use neardup::plan::{Keep, Policy};
/// let policy = Policy::new().keep(Keep::Longest).cut_passages(true);
/// assert!(policy.get_cut_passages());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Policy {
    keep: Keep,
    cut_passages: bool,
}

impl Policy {
    /// Keep the first member of every cluster; cut nothing.
    pub fn new() -> Policy {
        Policy::default()
    }

    /// Which member of a cluster is kept. Default [`Keep::First`].
    pub fn keep(mut self, keep: Keep) -> Policy {
        self.keep = keep;
        self
    }

    /// Whether to cut the later copies of passages from the kept documents (see the
    /// module docs). Default false.
    pub fn cut_passages(mut self, yes: bool) -> Policy {
        self.cut_passages = yes;
        self
    }

    /// Which member of a cluster is kept.
    pub fn get_keep(&self) -> &Keep {
        &self.keep
    }

    /// Whether later copies of passages are cut.
    pub fn get_cut_passages(&self) -> bool {
        self.cut_passages
    }
}

/// The decision for one document.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Action {
    /// Kept, minus its [`Entry::cuts`].
    Keep,
    /// Dropped as a copy of a kept document.
    Drop(Dropped),
    /// Not compared, so neither kept as text nor dropped: passed through unchanged when
    /// its bytes are there to pass ([`passes_through`]), left out otherwise.
    Pass(SkipReason),
}

/// Whether a document that was not compared for `reason` is passed through unchanged: a
/// binary file, UTF-16 text, a file above the size limit, a dataset record without text;
/// not an unreadable file, a link or a special file.
pub fn passes_through(reason: &SkipReason) -> bool {
    matches!(
        reason,
        SkipReason::Binary
            | SkipReason::Utf16
            | SkipReason::TooLarge { .. }
            | SkipReason::BadRecord(_)
    )
}

/// Why and for whom a document is dropped.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Dropped {
    /// The kept member of its cluster.
    pub kept: DocId,
    /// The exact Jaccard similarity of the two shingle sets: always a real number in
    /// `0..=1`, below the threshold when the two are joined only through `via`.
    pub jaccard: f64,
    /// The same bytes as `kept`.
    pub identical: bool,
    /// The documents between `kept` and this one on the shortest chain of confirmed
    /// near-duplicate pairs (empty when the two were a pair).
    pub via: Vec<DocId>,
    /// Dropped because what the cuts left of it is a near-duplicate of what they left of
    /// `kept` (`jaccard` and `identical` then compare the texts after the cuts).
    pub after_cuts: bool,
}

/// A byte range to cut from a kept document: an exact copy (normalized tokens) of text
/// that stays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Cut {
    /// The bytes to cut, in the document's original bytes.
    pub span: Span,
    /// Where the copy that stays is (in this or another kept document), in original
    /// bytes: no cut overlaps it.
    pub first: Occurrence,
}

/// The plan for one document.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Entry {
    /// The document.
    pub doc: DocId,
    /// Keep, drop or pass it.
    pub action: Action,
    /// The index of its cluster in [`Report::clusters`] (a document with no
    /// near-duplicate is in none).
    pub cluster: Option<usize>,
    /// For a kept document, the ranges to cut, sorted and disjoint.
    pub cuts: Vec<Cut>,
}

/// The plan for every document of a report, in corpus order. Made by
/// [`Report::dedup_plan`].
///
/// ```
/// use neardup::{Corpus, Detector};
/// use neardup::plan::{Action, Keep, Policy};
/// let story = "the river rose overnight and by morning the old mill road was under \
///              water so the school bus took the long way round past the quarry";
/// let mut corpus = Corpus::new();
/// corpus.add("a.txt", story);
/// corpus.add("b.txt", format!("{story} and the ford"));
/// corpus.add("c.txt", "an unrelated note about baking bread with rye flour");
/// let report = Detector::builder().min_passage_tokens(10).build()?.run(&corpus);
/// let plan = report.dedup_plan(&Policy::new().keep(Keep::Longest))?;
/// // b is the longer copy: a is dropped for it.
/// let Action::Drop(d) = &plan.entries()[0].action else { panic!() };
/// assert_eq!(d.kept.index(), 1);
/// assert!(d.jaccard > 0.8 && !d.identical);
/// let c = &plan.entries()[2];
/// assert_eq!(c.action, Action::Keep);
/// assert_eq!(plan.kept_bytes(&corpus.text(c.doc), c), &*corpus.text(c.doc));
/// # Ok::<(), neardup::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DedupPlan {
    entries: Vec<Entry>,
}

impl DedupPlan {
    /// Every document's entry, in corpus order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry of one document.
    pub fn entry(&self, doc: DocId) -> &Entry {
        &self.entries[doc.index()]
    }

    /// The bytes to write for a kept document: `bytes` (its original bytes) minus the
    /// entry's cuts.
    pub fn kept_bytes(&self, bytes: &[u8], entry: &Entry) -> Vec<u8> {
        apply(bytes, &spans(&entry.cuts))
    }

    /// Writes the plan as JSON Lines: one line per document and one per cut, names as the
    /// report gives them (see the README for the schema).
    pub fn write_json_lines<W: Write>(&self, report: &Report<'_>, mut w: W) -> io::Result<()> {
        let corpus = report.corpus();
        let name = |id: DocId| crate::report::json_str(corpus.get(id).name());
        let cluster = |e: &Entry| {
            e.cluster
                .map_or_else(|| "null".to_owned(), |c| c.to_string())
        };
        for e in &self.entries {
            let path = name(e.doc);
            match &e.action {
                Action::Keep => {
                    let kept = corpus.get(e.doc).len()
                        - spans(&e.cuts).iter().map(|s| s.len() as u64).sum::<u64>();
                    writeln!(
                        w,
                        "{{\"path\":{path},\"action\":\"kept\",\"bytes\":{kept},\"cluster\":{}}}",
                        cluster(e)
                    )?;
                    for c in &e.cuts {
                        writeln!(
                            w,
                            "{{\"path\":{path},\"action\":\"cut\",\"span\":[{},{}],\
                             \"reason\":\"repeated passage\",\"first\":{{\"path\":{},\"span\":[{},{}]}}}}",
                            c.span.start,
                            c.span.end,
                            name(c.first.doc),
                            c.first.span.start,
                            c.first.span.end
                        )?;
                    }
                }
                Action::Drop(d) => {
                    let via: Vec<String> = d.via.iter().map(|&v| name(v)).collect();
                    writeln!(
                        w,
                        "{{\"path\":{path},\"action\":\"removed\",\"reason\":\"{}\",\"kept\":{},\
                         \"jaccard\":{},\"via\":[{}],\"cluster\":{}}}",
                        match (d.identical, d.after_cuts) {
                            (true, false) => "identical",
                            (false, false) => "near-duplicate",
                            (true, true) => "identical after cuts",
                            (false, true) => "near-duplicate after cuts",
                        },
                        name(d.kept),
                        d.jaccard,
                        via.join(","),
                        cluster(e)
                    )?;
                }
                Action::Pass(reason) => {
                    let action = if passes_through(reason) {
                        "passed"
                    } else {
                        "not copied"
                    };
                    writeln!(
                        w,
                        "{{\"path\":{path},\"action\":\"{action}\",\"reason\":{}}}",
                        crate::report::json_str(&reason.to_string())
                    )?;
                }
            }
        }
        Ok(())
    }
}

impl Report<'_> {
    /// The de-duplication plan for this report under `policy` (see [`crate::plan`]).
    ///
    /// Errors when [`Keep::Ranked`] does not give one rank per document.
    pub fn dedup_plan(&self, policy: &Policy) -> Result<DedupPlan, Error> {
        let corpus = self.corpus;
        if let Keep::Ranked(ranks) = &policy.keep
            && ranks.len() != corpus.len()
        {
            return Err(Error::invalid(
                "ranks",
                format!("one per document ({})", corpus.len()),
                ranks.len(),
            ));
        }
        let mut entries: Vec<Entry> = corpus
            .iter()
            .map(|(id, d)| Entry {
                doc: id,
                action: match d.status() {
                    Status::Ok => Action::Keep,
                    Status::Skipped(r) => Action::Pass(r.clone()),
                },
                cluster: None,
                cuts: Vec::new(),
            })
            .collect();
        let mut pairs: Vec<(DocId, DocId, f64)> =
            self.pairs.iter().map(|p| (p.a, p.b, p.jaccard)).collect();
        pairs.sort_unstable_by_key(|p| (p.0, p.1));
        let neighbours = neighbours(corpus.len(), &pairs);
        let mut parent: Vec<Option<DocId>> = vec![None; corpus.len()];
        let k = self.detector.settings().shingle_size();
        for (c, cluster) in self.clusters.iter().enumerate() {
            let members = cluster.members();
            for &m in members {
                entries[m.index()].cluster = Some(c);
            }
            let kept = chosen(members, &policy.keep, |d| corpus.get(d).len());
            shortest_chains(kept, &neighbours, &mut parent);
            let bytes = corpus.text(kept);
            let bytes = &*bytes;
            let known = |m: DocId| {
                let key = (kept.min(m), kept.max(m));
                let at = pairs.binary_search_by_key(&key, |p| (p.0, p.1)).ok()?;
                Some(pairs[at].2)
            };
            // The kept text's shingles, made once if some member was not paired with it.
            let dropped: Vec<DocId> = members.iter().copied().filter(|&m| m != kept).collect();
            let kept_set = std::sync::OnceLock::new();
            let found = crate::par::map(&dropped, |&m| {
                let other = corpus.text(m);
                let identical = *other == *bytes;
                let jaccard = match (identical, known(m)) {
                    (true, _) => 1.0,
                    (false, Some(j)) => j,
                    (false, None) => kept_set
                        .get_or_init(|| shingles(bytes, k))
                        .jaccard(&shingles(&other, k)),
                };
                (identical, jaccard)
            });
            for (&m, (identical, jaccard)) in dropped.iter().zip(found) {
                entries[m.index()].action = Action::Drop(Dropped {
                    kept,
                    jaccard,
                    identical,
                    via: chain_to(m, kept, &parent),
                    after_cuts: false,
                });
            }
        }
        if policy.cut_passages {
            self.plan_cuts(&mut entries, &policy.keep)?;
        }
        Ok(DedupPlan { entries })
    }

    /// Plans the cuts of the kept documents, drops what they leave as near-duplicates of
    /// each other, and plans again, until nothing more is dropped.
    fn plan_cuts(&self, entries: &mut [Entry], keep: &Keep) -> Result<(), Error> {
        let m = self.detector.settings().min_passage_tokens();
        let near = self.detector.near_duplicates_only();
        let k = self.detector.settings().shingle_size();
        loop {
            let kept: Vec<DocId> = entries
                .iter()
                .filter(|e| e.action == Action::Keep)
                .map(|e| e.doc)
                .collect();
            for (&d, c) in kept.iter().zip(cuts::exact_cuts(self, &kept, m)) {
                entries[d.index()].cuts = c;
            }
            let mut texts = self.corpus.empty_like()?;
            for &d in &kept {
                let cut = apply(&self.corpus.text(d), &spans(&entries[d.index()].cuts));
                texts.add(self.corpus.get(d).name(), cut);
            }
            let again = near.run(&texts);
            if again.pairs().next().is_none() {
                return Ok(());
            }
            for cluster in again.clusters() {
                let members: Vec<DocId> =
                    cluster.members().iter().map(|x| kept[x.index()]).collect();
                let stays = chosen(&members, keep, |d| self.corpus.get(d).len());
                let local = |d: DocId| kept.binary_search(&d).expect("a kept document");
                let a = texts.text(DocId::from_index(local(stays)));
                let stays_set = shingles(&a, k);
                for &d in members.iter().filter(|&&d| d != stays) {
                    let b = texts.text(DocId::from_index(local(d)));
                    let (a, b) = (&*a, &*b);
                    let entry = &mut entries[d.index()];
                    entry.cuts.clear();
                    entry.action = Action::Drop(Dropped {
                        kept: stays,
                        jaccard: stays_set.jaccard(&shingles(b, k)),
                        identical: a == b,
                        via: Vec::new(),
                        after_cuts: true,
                    });
                }
            }
        }
    }
}

/// The member kept under `keep`: the first, the longest, or the lowest-ranked; the
/// first on a tie.
fn chosen(members: &[DocId], keep: &Keep, len: impl Fn(DocId) -> u64) -> DocId {
    let best = match keep {
        Keep::First => return members[0],
        Keep::Longest => members.iter().min_by_key(|&&m| std::cmp::Reverse(len(m))),
        Keep::Ranked(ranks) => members.iter().min_by_key(|&&m| ranks[m.index()]),
    };
    *best.expect("a cluster has members")
}

/// Every document's partners in confirmed pairs, in corpus order.
fn neighbours(n: usize, pairs: &[(DocId, DocId, f64)]) -> Vec<Vec<DocId>> {
    let mut next = vec![Vec::new(); n];
    for &(a, b, _) in pairs {
        next[a.index()].push(b);
        next[b.index()].push(a);
    }
    for list in &mut next {
        list.sort_unstable();
    }
    next
}

/// Breadth first from `from` over confirmed pairs: `parent` of every document of its
/// cluster becomes its neighbour one step closer to `from` (neighbours in corpus order,
/// so the chains are the same on every run). Clusters are disjoint, so one `parent`
/// serves them all.
fn shortest_chains(from: DocId, next: &[Vec<DocId>], parent: &mut [Option<DocId>]) {
    let mut queue = VecDeque::from([from]);
    parent[from.index()] = Some(from);
    while let Some(d) = queue.pop_front() {
        for &e in &next[d.index()] {
            if parent[e.index()].is_none() {
                parent[e.index()] = Some(d);
                queue.push_back(e);
            }
        }
    }
}

/// The documents between `kept` and `m` on the chain [`shortest_chains`] found, from
/// `kept`'s side.
fn chain_to(m: DocId, kept: DocId, parent: &[Option<DocId>]) -> Vec<DocId> {
    let mut via = Vec::new();
    let mut at = m;
    while let Some(p) = parent[at.index()].filter(|&p| p != kept && p != at) {
        via.push(p);
        at = p;
    }
    via.reverse();
    via
}

/// The shingle set of a text.
fn shingles(bytes: &[u8], k: usize) -> ShingleSet {
    let tokens: Vec<_> = text::tokens(bytes).collect();
    ShingleSet::new(&tokens, k)
}

fn spans(cuts: &[Cut]) -> Vec<Span> {
    cuts.iter().map(|c| c.span).collect()
}

/// `bytes` without the sorted, disjoint `cuts`.
fn apply(bytes: &[u8], cuts: &[Span]) -> Vec<u8> {
    kept_segments(bytes.len(), cuts)
        .iter()
        .flat_map(|s| &bytes[s.start..s.end])
        .copied()
        .collect()
}

/// The ranges of `0..len` that sorted, disjoint `cuts` leave.
fn kept_segments(len: usize, cuts: &[Span]) -> Vec<Span> {
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut at = 0;
    for c in cuts {
        if c.start > at {
            out.push(Span::new(at, c.start));
        }
        at = at.max(c.end);
    }
    if at < len {
        out.push(Span::new(at, len));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_leave_the_segments_between_them() {
        let kept = kept_segments(20, &[Span::new(3, 5), Span::new(10, 12)]);
        assert_eq!(kept, [Span::new(0, 3), Span::new(5, 10), Span::new(12, 20)]);
        let cut = apply(
            b"0123456789abcdefghij",
            &[Span::new(3, 5), Span::new(10, 12)],
        );
        assert_eq!(cut, b"01256789cdefghij");
    }
}
