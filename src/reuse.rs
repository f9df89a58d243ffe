//! Passage reuse across documents, whatever their overall similarity: winnowed
//! fingerprints, the document pairs that share one, and groups of passage occurrences.
//!
//! # Algorithm
//!
//! Winnowing (Schleimer, Wilkerson & Aiken 2003, "Winnowing: local algorithms for
//! document fingerprinting"). A document's shingle hashes (k tokens each) are scanned with
//! a window of w consecutive shingles; in every window the smallest hash is selected
//! (the rightmost on ties) and recorded once. Fingerprint density is about 2/(w+1) per
//! token.
//!
//! **Guarantee.** Two documents that share a run of at least `t = w + k - 1` identical
//! normalized tokens share at least one fingerprint: the run holds a whole window, and
//! both documents select that window's minimum hash. [`window_for`] picks
//! `w = t - k + 1` for a wanted `t`. The aligner then finds the exact passages.
//!
//! **Boilerplate.** A fingerprint held by more than `max_docs` documents (a footer, a
//! licence) gives no candidate pairs; such fingerprints are counted instead. Passages made
//! only of boilerplate are therefore not reported across documents (the guarantee holds
//! for every run that contains at least one fingerprint held by at most `max_docs`
//! documents).
//!
//! **Groups.** Every reported passage joins two occurrences (document, byte span).
//! Occurrences in one document that overlap are one occurrence; connected occurrences
//! form a group, listed in corpus order, then by position: the first is the copy to keep.
//!
//! # Cost
//!
//! O(t) per document to winnow; one `u64` per fingerprint, about 2t/(w+1) per document;
//! O(F log F) to sort F fingerprints; candidate pairs at most `max_docs²/2` per
//! fingerprint.

use crate::cluster::UnionFind;
use crate::corpus::DocId;
use crate::text::Span;

/// The default number of documents above which a fingerprint counts as boilerplate.
pub const DEFAULT_MAX_DOCS: usize = 50;

/// The winnowing window w, in shingles, that guarantees detection of shared runs of
/// `min_tokens` tokens with shingles of `shingle_size` tokens (at least 1).
pub fn window_for(min_tokens: usize, shingle_size: usize) -> usize {
    (min_tokens + 1).saturating_sub(shingle_size).max(1)
}

/// Winnows `hashes` with a window of `w`: the selected hashes, each with its position,
/// in order. A sequence shorter than the window selects its minimum once.
///
/// ```
/// let hashes = [5, 3, 8, 3, 9, 1, 7];
/// let picked = neardup::reuse::winnow(&hashes, 3);
/// assert_eq!(picked, [(3, 1), (3, 3), (1, 5)]);
/// ```
pub fn winnow(hashes: &[u64], w: usize) -> Vec<(u64, u32)> {
    let w = w.clamp(1, hashes.len().max(1));
    let mut out: Vec<(u64, u32)> = Vec::new();
    // A deque of positions with increasing hashes: its front is the current window's
    // rightmost minimum. O(n) in all.
    let mut deque = std::collections::VecDeque::with_capacity(w);
    for (i, &h) in hashes.iter().enumerate() {
        while deque.back().is_some_and(|&j: &usize| hashes[j] >= h) {
            deque.pop_back();
        }
        deque.push_back(i);
        let Some(start) = (i + 1).checked_sub(w) else {
            continue; // the first window is not full yet
        };
        while deque.front().is_some_and(|&j| j < start) {
            deque.pop_front();
        }
        let min = *deque.front().expect("the window holds position i");
        if out.last().map(|f| f.1 as usize) != Some(min) {
            out.push((hashes[min], min as u32));
        }
    }
    out
}

/// The bits of a [`row`] that hold the document id, for a corpus of `n` documents: 24
/// (leaving 40 bits of fingerprint) up to 16.7 million documents, 32 beyond.
pub fn doc_bits(n: usize) -> u32 {
    if n <= 1 << 24 { 24 } else { 32 }
}

/// One `u64` row: the fingerprint's high bits, then the document id in the low
/// `doc_bits` bits. Sorting rows groups them by fingerprint.
pub fn row(fingerprint: u64, doc: u32, doc_bits: u32) -> u64 {
    (fingerprint >> doc_bits << doc_bits) | doc as u64
}

/// Document pairs that share a fingerprint, from each document's [`row`]s (each list
/// sorted); and the fingerprints left out as boilerplate (held by more than `max_docs`
/// documents), as sorted [`row`]s with document 0. Pairs come out sorted, `a < b`. Two
/// fingerprints that agree in their kept high bits count as one: that costs a needless
/// check, never a missed pair.
///
/// The rows are grouped in 16 passes by their top 4 bits, so the working copy is a
/// sixteenth of all fingerprints.
pub fn pairs_sharing_a_fingerprint<R: AsRef<[u64]>>(
    rows_by_doc: &[R],
    doc_bits: u32,
    max_docs: usize,
) -> (Vec<(u32, u32)>, Vec<u64>) {
    const PASSES: u64 = 16;
    let mask = (1u64 << doc_bits) - 1;
    let mut packed = Vec::new();
    let mut boilerplate = Vec::new();
    let mut docs: Vec<u32> = Vec::new();
    let mut part: Vec<u64> = Vec::new();
    for pass in 0..PASSES {
        part.clear();
        for rows in rows_by_doc {
            let rows = rows.as_ref();
            let lo = rows.partition_point(|&r| r >> 60 < pass);
            let hi = rows.partition_point(|&r| r >> 60 <= pass);
            part.extend_from_slice(&rows[lo..hi]);
        }
        part.sort_unstable();
        for group in part.chunk_by(|x, y| x & !mask == y & !mask) {
            docs.clear();
            docs.extend(group.iter().map(|r| (r & mask) as u32));
            docs.dedup();
            if docs.len() > max_docs {
                boilerplate.push(group[0] & !mask);
                continue;
            }
            for (i, &a) in docs.iter().enumerate() {
                packed.extend(docs[i + 1..].iter().map(|&b| crate::lsh::pack_pair(a, b)));
            }
        }
    }
    (crate::lsh::sorted_pairs(packed), boilerplate)
}

/// Which tokens of a document lie under a boilerplate shingle: those shingles' tokens are
/// kept out of passages between documents that are not near-duplicates. Every window of
/// w shingles inside boilerplate text holds a boilerplate fingerprint, so what is left of
/// a boilerplate block are pieces shorter than the guaranteed length.
pub fn boilerplate_tokens(
    shingles: &[u64],
    k: usize,
    tokens: usize,
    boilerplate: &[u64],
    doc_bits: u32,
) -> Vec<bool> {
    let mut marked = vec![false; tokens];
    if boilerplate.is_empty() {
        return marked;
    }
    for (i, &h) in shingles.iter().enumerate() {
        if boilerplate.binary_search(&row(h, 0, doc_bits)).is_ok() {
            for m in &mut marked[i..(i + k).min(tokens)] {
                *m = true;
            }
        }
    }
    marked
}

/// One place where a passage occurs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Occurrence {
    /// The document.
    pub doc: DocId,
    /// Where in its original bytes.
    pub span: Span,
}

/// Occurrences of one passage, the first copy first (corpus order, then position).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassageGroup {
    pub(crate) occurrences: Vec<Occurrence>,
}

impl PassageGroup {
    /// Every occurrence, in corpus order, then by position.
    pub fn occurrences(&self) -> &[Occurrence] {
        &self.occurrences
    }

    /// The copy that comes first: the one to keep.
    pub fn first(&self) -> Occurrence {
        self.occurrences[0]
    }
}

/// Groups the occurrences that `links` join (each link: two occurrences of one passage).
/// Overlapping occurrences in one document merge into one. Groups are ordered by their
/// first occurrence.
pub fn group_occurrences(links: &[(Occurrence, Occurrence)]) -> Vec<PassageGroup> {
    // Merge overlapping occurrences per document into nodes.
    let mut all: Vec<Occurrence> = links.iter().flat_map(|&(x, y)| [x, y]).collect();
    all.sort_unstable();
    let mut nodes: Vec<Occurrence> = Vec::new();
    for o in all {
        match nodes.last_mut() {
            Some(n) if n.doc == o.doc && o.span.start < n.span.end => {
                n.span.end = n.span.end.max(o.span.end);
            }
            _ => nodes.push(o),
        }
    }
    let node_of = |o: &Occurrence| {
        // The last node starting at or before o, in o's document.
        let i = nodes.partition_point(|n| (n.doc, n.span.start) <= (o.doc, o.span.start));
        (i - 1) as u32
    };
    let mut uf = UnionFind::new(nodes.len());
    for (x, y) in links {
        uf.union(node_of(x), node_of(y));
    }
    uf.groups()
        .into_iter()
        .map(|g| PassageGroup {
            occurrences: g.into_iter().map(|i| nodes[i as usize]).collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive_winnow(h: &[u64], w: usize) -> Vec<(u64, u32)> {
        let mut out: Vec<(u64, u32)> = Vec::new();
        let w = w.min(h.len());
        if h.is_empty() {
            return out;
        }
        for start in 0..=h.len() - w {
            let win = &h[start..start + w];
            let min = *win.iter().min().unwrap();
            let pos = start + win.iter().rposition(|&x| x == min).unwrap();
            if out.last().map(|l| l.1 as usize) != Some(pos) {
                out.push((min, pos as u32));
            }
        }
        out
    }

    #[test]
    fn window_covers_the_guarantee() {
        assert_eq!(window_for(25, 5), 21);
        assert_eq!(window_for(3, 5), 1);
    }

    #[test]
    fn boilerplate_fingerprints_make_no_pairs() {
        let r = |f: u64, d: u32| row(f << 58, d, 24);
        let rows = vec![
            vec![r(7, 0)],
            vec![r(7, 1), r(9, 1)],
            vec![r(7, 2)],
            vec![r(9, 3), r(33, 3)],
            vec![r(33, 4)],
        ];
        let (pairs, boiler) = pairs_sharing_a_fingerprint(&rows, 24, 2);
        assert_eq!(pairs, [(1, 3), (3, 4)]);
        assert_eq!(boiler, [7 << 58]);
    }

    #[test]
    fn groups_merge_overlaps_and_put_the_first_copy_first() {
        let o = |doc: usize, s: usize, e: usize| Occurrence {
            doc: DocId::from_index(doc),
            span: Span::new(s, e),
        };
        // Doc 2 quotes doc 0 and doc 1 quotes doc 2, with slightly different spans in 2.
        let links = [
            (o(0, 10, 50), o(2, 100, 140)),
            (o(1, 0, 30), o(2, 105, 150)),
        ];
        let groups = group_occurrences(&links);
        assert_eq!(groups.len(), 1);
        assert_eq!(
            groups[0].occurrences(),
            [o(0, 10, 50), o(1, 0, 30), o(2, 100, 150)]
        );
        assert_eq!(groups[0].first(), o(0, 10, 50));
    }

    /// Brute force: occurrences merged by repeated pairwise overlap, components by
    /// repeated relaxation, each group sorted.
    fn naive_groups(links: &[(Occurrence, Occurrence)]) -> Vec<Vec<Occurrence>> {
        let mut occ: Vec<Occurrence> = links.iter().flat_map(|&(x, y)| [x, y]).collect();
        occ.sort();
        occ.dedup();
        let n = occ.len();
        let mut comp: Vec<usize> = (0..n).collect();
        let same_node = |x: &Occurrence, y: &Occurrence| x.doc == y.doc && x.span.overlaps(&y.span);
        loop {
            let mut changed = false;
            for i in 0..n {
                for j in 0..n {
                    let linked = links.iter().any(|(x, y)| {
                        (*x == occ[i] && *y == occ[j]) || (*y == occ[i] && *x == occ[j])
                    });
                    if (linked || same_node(&occ[i], &occ[j])) && comp[i] != comp[j] {
                        let c = comp[i].min(comp[j]);
                        comp[i] = c;
                        comp[j] = c;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let mut groups: Vec<Vec<Occurrence>> = Vec::new();
        for c in 0..n {
            let members: Vec<Occurrence> =
                (0..n).filter(|&i| comp[i] == c).map(|i| occ[i]).collect();
            if members.is_empty() {
                continue;
            }
            // Merge overlapping occurrences of one document, as the groups report them.
            let mut merged: Vec<Occurrence> = Vec::new();
            for o in members {
                match merged.last_mut() {
                    Some(m) if m.doc == o.doc && o.span.start < m.span.end => {
                        m.span.end = m.span.end.max(o.span.end)
                    }
                    _ => merged.push(o),
                }
            }
            if merged.len() > 1 {
                groups.push(merged);
            }
        }
        groups.sort();
        groups
    }

    proptest! {
        /// Groups are the connected components of links and overlaps, listed with the
        /// first copy (corpus order, then position) first, ordered by first copy.
        #[test]
        fn groups_equal_brute_force_components(
            raw in prop::collection::vec(((0usize..4, 0usize..60, 1usize..20), (0usize..4, 0usize..60, 1usize..20)), 1..12),
        ) {
            let o = |(d, s, l): (usize, usize, usize)| Occurrence {
                doc: DocId::from_index(d),
                span: Span::new(s, s + l),
            };
            let links: Vec<(Occurrence, Occurrence)> = raw
                .into_iter()
                .map(|(x, y)| (o(x), o(y)))
                .filter(|(x, y)| !(x.doc == y.doc && x.span.overlaps(&y.span)))
                .collect();
            let got: Vec<Vec<Occurrence>> =
                group_occurrences(&links).into_iter().map(|g| g.occurrences).collect();
            for g in &got {
                prop_assert!(g.windows(2).all(|w| w[0] < w[1]));
            }
            prop_assert!(got.windows(2).all(|w| w[0][0] < w[1][0]));
            prop_assert_eq!(got, naive_groups(&links));
        }

        #[test]
        fn winnowing_equals_the_naive_definition(
            h in prop::collection::vec(0u64..20, 0..80),
            w in 1usize..12,
        ) {
            prop_assert_eq!(winnow(&h, w), naive_winnow(&h, w));
        }

        /// The guarantee: a shared run of w + k - 1 tokens (w shingles) gives a shared
        /// fingerprint, whatever surrounds it.
        #[test]
        fn shared_runs_of_the_guaranteed_length_share_a_fingerprint(
            a in prop::collection::vec(any::<u64>(), 0..60),
            b in prop::collection::vec(any::<u64>(), 0..60),
            run in prop::collection::vec(any::<u64>(), 1..40),
            w in 1usize..20,
        ) {
            prop_assume!(run.len() >= w);
            let x: Vec<u64> = a.iter().chain(&run).copied().collect();
            let y: Vec<u64> = run.iter().chain(&b).copied().collect();
            let fx: std::collections::HashSet<u64> = winnow(&x, w).into_iter().map(|f| f.0).collect();
            prop_assert!(winnow(&y, w).iter().any(|f| fx.contains(&f.0)));
        }
    }
}
