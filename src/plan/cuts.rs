//! Exact cuts: the later copies of text that stays.
//!
//! # Algorithm
//!
//! The kept documents are read in corpus order as one stream of normalized tokens. A
//! window of m tokens (m = `min_passage_tokens`) that is already in the text that stays
//! (earlier in the stream, also earlier in the same document) starts a cut; the cut runs
//! on while the tokens go on equal to those after the copy that stays, and stops before
//! a token that differs or before the copy's next token that is itself cut. So every cut
//! is an exact copy, token for token and checked on the normalized text, of text that
//! stays in the output, and a word that differs between two copies is never cut. The
//! staying windows are kept in a hash table under a rolling hash of their token hashes
//! (first occurrence only).
//!
//! Cutting joins the text on both sides of a cut, which can make a new window that
//! repeats staying text, so rounds repeat until one cuts nothing (each cuts at least m
//! tokens).
//!
//! # Memory
//!
//! Nothing text-sized is held for the whole run. Each round first passes over the kept
//! documents and marks in a Bloom filter the window hashes that occur at least twice in
//! the stream; only those windows go into the table (a window that occurs once can
//! neither be cut nor be the staying copy of a cut; a false positive only adds an
//! entry). A document's tokens are made again from its text when the round reaches it,
//! and those of a document that holds a staying copy when a later one repeats it (the
//! [`RECENT`] documents used last are kept). Between rounds each document keeps the token
//! ranges cut so far.
//!
//! # Cost
//!
//! Per round: every kept text tokenized twice (in parallel the first time), O(t) hash
//! work for t kept tokens, and a document made again for each repeat of a document no
//! longer among the recent ones; one round in practice, rarely two. Memory: 1.5 bytes
//! per window for the filters, 16 bytes (and the table's room) per window that occurs
//! twice, the recent documents, and the cut ranges.

use crate::bloom::Filter;
use crate::corpus::DocId;
use crate::report::Report;
use crate::reuse::Occurrence;
use crate::shingle::fmix64;
use crate::text::{self, Span, Token};
use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use super::Cut;

/// The multiplier of the rolling window hash (odd).
const BASE: u64 = 0x9e37_79b9_7f4a_7c15;

/// How many of the documents used last a round keeps, ready to be the staying copy of a
/// later repeat (others are read again).
const RECENT: usize = 64;

/// Documents whose windows are made at a time, in parallel, to fill the filter.
const FILTER_BLOCK: usize = 64;

/// Sorted, disjoint half-open ranges of token positions.
type Ranges = Vec<(u32, u32)>;

/// Whether `x` is in one of `ranges`.
fn in_ranges(ranges: &[(u32, u32)], x: u32) -> bool {
    let k = ranges.partition_point(|r| r.0 <= x);
    k > 0 && ranges[k - 1].1 > x
}

/// `ranges` and the sorted positions `more` (none in `ranges`), as sorted disjoint ranges.
fn merged(ranges: &[(u32, u32)], more: &[u32]) -> Ranges {
    let mut all: Ranges = ranges.to_vec();
    all.extend(more.iter().map(|&x| (x, x + 1)));
    all.sort_unstable();
    let mut out: Ranges = Vec::with_capacity(all.len());
    for r in all {
        match out.last_mut() {
            Some(last) if last.1 >= r.0 => last.1 = last.1.max(r.1),
            _ => out.push(r),
        }
    }
    out
}

/// A kept document as one round reads it: its bytes, its tokens in original offsets,
/// and which of them still stay (positions into `tokens`, those cut in earlier rounds
/// left out).
struct Staying<'a> {
    doc: DocId,
    bytes: Cow<'a, [u8]>,
    tokens: Vec<Token>,
    seq: Vec<u32>,
}

impl Staying<'_> {
    /// The token at position `p` of the staying sequence.
    fn token(&self, p: usize) -> Token {
        self.tokens[self.seq[p] as usize]
    }

    /// The rolling hashes of its staying windows of `m` tokens.
    fn windows(&self, m: usize, power: u64) -> Vec<u64> {
        rolling(self.seq.len(), m, power, |i| self.token(i).hash)
    }
}

/// The kept documents of a plan, in corpus order, and what earlier rounds cut.
struct Stream<'a> {
    report: &'a Report<'a>,
    docs: &'a [DocId],
    m: usize,
    /// Per document, the token ranges cut in earlier rounds.
    removed: Vec<Ranges>,
}

impl<'a> Stream<'a> {
    /// Document `d` of the stream as this round reads it.
    fn read(&self, d: usize) -> Staying<'a> {
        let doc = self.docs[d];
        let bytes = self.report.corpus().text(doc);
        let tokens: Vec<Token> = text::tokens(&bytes).collect();
        let removed = &self.removed[d];
        let seq = (0..tokens.len() as u32)
            .filter(|&i| !in_ranges(removed, i))
            .collect();
        Staying {
            doc,
            bytes,
            tokens,
            seq,
        }
    }

    /// The window hashes that occur at least twice among the staying windows of the
    /// stream (and a few that do not).
    fn repeated_windows(&self, power: u64) -> Filter {
        let windows: usize = self
            .docs
            .iter()
            .map(|&d| {
                self.report.stats[d.index()]
                    .tokens
                    .saturating_sub(self.m - 1)
            })
            .sum();
        let windows = windows as u64;
        let (mut once, mut twice) = (Filter::with_keys(windows, 8), Filter::with_keys(windows, 4));
        let ids: Vec<usize> = (0..self.docs.len()).collect();
        for block in ids.chunks(FILTER_BLOCK) {
            let made = crate::par::map(block, |&d| self.read(d).windows(self.m, power));
            // Window hashes are mixed already.
            for &h in made.iter().flatten() {
                if once.insert_mixed(h) {
                    twice.insert_mixed(h);
                }
            }
        }
        twice
    }
}

/// The cuts of every kept document in `docs` (corpus order), each list sorted and
/// disjoint, for windows of `m` tokens.
pub(super) fn exact_cuts(report: &Report<'_>, docs: &[DocId], m: usize) -> Vec<Vec<Cut>> {
    exact_cuts_with(report, docs, m, (true, RECENT))
}

/// [`exact_cuts`], with the filter of repeated windows or without it (every staying
/// window in the table), keeping the `recent` documents read last: what neither may
/// change.
fn exact_cuts_with(
    report: &Report<'_>,
    docs: &[DocId],
    m: usize,
    (filter, recent): (bool, usize),
) -> Vec<Vec<Cut>> {
    let mut stream = Stream {
        report,
        docs,
        m,
        removed: vec![Vec::new(); docs.len()],
    };
    let mut cuts: Vec<Vec<Cut>> = vec![Vec::new(); docs.len()];
    while one_round(&mut stream, &mut cuts, (filter, recent)) {}
    for list in &mut cuts {
        list.sort_unstable();
    }
    cuts
}

/// Where a staying window starts: the document (index into the stream) and the
/// position in that document's staying tokens.
type At = (u32, u32);

/// The documents used last (read, or the staying copy of a repeat), by stream index:
/// the least recently used goes first.
struct Recent<'a> {
    /// Each document kept, and when it was last used.
    docs: HashMap<usize, (Rc<Staying<'a>>, u64)>,
    /// Uses in order, oldest first (a use that a later one of the same document made
    /// stale is skipped).
    order: VecDeque<(usize, u64)>,
    clock: u64,
    /// How many are kept.
    room: usize,
}

impl<'a> Recent<'a> {
    /// Document `d`: kept, or read again (and kept).
    fn get(&mut self, stream: &Stream<'a>, d: usize) -> Rc<Staying<'a>> {
        self.clock += 1;
        let s = match self.docs.get_mut(&d) {
            Some((s, used)) => {
                *used = self.clock;
                Rc::clone(s)
            }
            None => {
                let s = Rc::new(stream.read(d));
                self.docs.insert(d, (Rc::clone(&s), self.clock));
                s
            }
        };
        self.order.push_back((d, self.clock));
        while self.docs.len() > self.room {
            let Some((old, when)) = self.order.pop_front() else {
                break;
            };
            if self.docs.get(&old).is_some_and(|k| k.1 == when) {
                self.docs.remove(&old);
            }
        }
        // Stale uses are dropped once they outnumber the documents kept.
        if self.order.len() > self.room.max(16).saturating_mul(4) {
            let docs = &self.docs;
            self.order
                .retain(|&(d, when)| docs.get(&d).is_some_and(|k| k.1 == when));
        }
        s
    }
}

/// One pass over the stream of staying tokens; true when something was cut.
fn one_round(
    stream: &mut Stream<'_>,
    cuts: &mut [Vec<Cut>],
    (filter, room): (bool, usize),
) -> bool {
    let m = stream.m;
    let power = BASE.wrapping_pow(m as u32);
    let repeated = filter.then(|| stream.repeated_windows(power));
    let may_repeat = |h: u64| repeated.as_ref().is_none_or(|r| r.may_hold(h));
    let mut table: HashMap<u64, At> = HashMap::new();
    // Per document, the tokens (positions into its token list) cut in this round.
    let mut gone: Vec<Vec<u32>> = vec![Vec::new(); stream.docs.len()];
    let mut recent = Recent {
        docs: HashMap::new(),
        order: VecDeque::new(),
        clock: 0,
        room: room.max(1),
    };
    let mut any = false;
    for d in 0..stream.docs.len() {
        let cur = recent.get(stream, d);
        let windows = cur.windows(m, power);
        // Which staying positions of this document are cut in this round.
        let mut gone_here = vec![false; cur.seq.len()];
        // The staying tokens in a row ending at the current position.
        let mut staying_run = 0usize;
        let mut i = 0;
        while i < cur.seq.len() {
            let source = windows
                .get(i)
                .filter(|&&h| may_repeat(h))
                .and_then(|h| table.get(h))
                .copied()
                .map(|(sd, sp)| (sd as usize, sp as usize))
                .map(|(sd, sp)| {
                    let src = if sd == d {
                        Rc::clone(&cur)
                    } else {
                        recent.get(stream, sd)
                    };
                    (sd, sp, src)
                })
                .filter(|(_, sp, src)| same_window((src, *sp), (&cur, i), m));
            if let Some((sd, sp, src)) = source {
                let source_gone = |p: usize| {
                    if sd == d {
                        gone_here[p]
                    } else {
                        gone[sd].binary_search(&src.seq[p]).is_ok()
                    }
                };
                let same_doc = sd == d;
                let len = run_length((&src, sp, &source_gone, same_doc), (&cur, i), m);
                let pieces = verified_cut((&src, sp), (&cur, i), len);
                if !pieces.is_empty() {
                    cuts[d].extend(pieces);
                    for g in &mut gone_here[i..i + len] {
                        *g = true;
                    }
                    any = true;
                    staying_run = 0;
                    i += len;
                    continue;
                }
            }
            staying_run += 1;
            if staying_run >= m {
                let start = i + 1 - m;
                if may_repeat(windows[start]) {
                    table
                        .entry(windows[start])
                        .or_insert((d as u32, start as u32));
                }
            }
            i += 1;
        }
        gone[d] = (0..cur.seq.len())
            .filter(|&p| gone_here[p])
            .map(|p| cur.seq[p])
            .collect();
    }
    for (removed, gone) in stream.removed.iter_mut().zip(&gone) {
        if !gone.is_empty() {
            *removed = merged(removed, gone);
        }
    }
    any
}

/// The rolling hash of every window of `m` consecutive hashes among `n`
/// (`Σ h[i+j]·BASE^(m-1-j)`, wrapping), finalized; empty when `n < m`.
fn rolling(n: usize, m: usize, power: u64, hash_at: impl Fn(usize) -> u64) -> Vec<u64> {
    if n < m {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(n - m + 1);
    let mut h = 0u64;
    for i in 0..n {
        h = h.wrapping_mul(BASE).wrapping_add(hash_at(i));
        if i >= m {
            h = h.wrapping_sub(hash_at(i - m).wrapping_mul(power));
        }
        if i + 1 >= m {
            out.push(fmix64(h));
        }
    }
    out
}

/// Whether the windows of `m` tokens at `a` and `b` hold the same token hashes.
fn same_window((a, ap): (&Staying<'_>, usize), (b, bp): (&Staying<'_>, usize), m: usize) -> bool {
    (0..m).all(|j| a.token(ap + j).hash == b.token(bp + j).hash)
}

/// How far the copy at `i` of `cur` goes on equal to the staying text at `sp` of `src`:
/// at least `m` tokens, stopping before a differing token, the end of either sequence,
/// or a source token that is cut (`gone`) or, in the same document, not yet passed.
fn run_length(
    (src, sp, gone, same_doc): (&Staying<'_>, usize, &dyn Fn(usize) -> bool, bool),
    (cur, i): (&Staying<'_>, usize),
    m: usize,
) -> usize {
    let mut len = m;
    while i + len < cur.seq.len()
        && sp + len < src.seq.len()
        && !gone(sp + len)
        && (!same_doc || sp + len < i)
        && src.token(sp + len).hash == cur.token(i + len).hash
    {
        len += 1;
    }
    len
}

/// The cuts for the `len` tokens at `i` of `cur`, checked against their staying copy at
/// `sp` of `src` on the normalized text (none if they differ: a hash collision). The run
/// is split where the tokens of either copy are not next to each other in the original
/// (text cut in an earlier round lies between them), so that every cut names a `first`
/// span that stays whole, and where the copies differ between two tokens (a full stop in
/// one only).
fn verified_cut(
    (src, sp): (&Staying<'_>, usize),
    (cur, i): (&Staying<'_>, usize),
    len: usize,
) -> Vec<Cut> {
    let words = |s: &Staying<'_>, p: usize| -> Vec<String> {
        (p..p + len)
            .map(|q| text::normalized(&s.bytes, s.token(q).span))
            .collect()
    };
    if words(cur, i) != words(src, sp) {
        return Vec::new();
    }
    let next_to = |s: &Staying<'_>, p: usize| s.seq[p] == s.seq[p - 1] + 1;
    // What lies between tokens p - 1 and p (spaces, punctuation), normalized: a run is
    // also split where the two copies differ there, so that a cut never drops a mark the
    // staying copy does not have.
    let gap = |s: &Staying<'_>, p: usize| {
        let (a, b) = (s.token(p - 1), s.token(p));
        text::normalized(&s.bytes, Span::new(a.span.end, b.span.start))
    };
    let span = |s: &Staying<'_>, p: usize, q: usize| {
        Span::new(s.token(p).span.start, s.token(q - 1).span.end)
    };
    let mut out = Vec::new();
    let mut start = 0;
    for q in 1..=len {
        if q == len
            || !next_to(src, sp + q)
            || !next_to(cur, i + q)
            || gap(src, sp + q) != gap(cur, i + q)
        {
            out.push(Cut {
                span: span(cur, i + start, i + q),
                first: Occurrence {
                    doc: src.doc,
                    span: span(src, sp + start, sp + q),
                },
            });
            start = q;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Corpus, Detector};

    /// Made-up words, `n` of them from `seed`.
    fn words(seed: u64, n: usize) -> Vec<String> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                format!("w{}", (x >> 33) % 5000)
            })
            .collect()
    }

    #[test]
    fn the_filter_and_reading_documents_again_change_no_cut() {
        // Documents that repeat stretches of documents far before them (so that a
        // source is no longer among the recent ones), of themselves, and a paragraph
        // held by many; with punctuation that differs between copies.
        let mut corpus = Corpus::new();
        let shared = words(7, 40).join(" ");
        for d in 0..300u64 {
            let own = words(d + 100, 120);
            let mut text = own.join(" ");
            if d % 7 == 3 {
                let from = words((d / 2) + 100, 120);
                text.push_str(". ");
                text.push_str(&from[10..70].join(" "));
            }
            if d % 11 == 5 {
                text.push_str(", ");
                text.push_str(&own[5..50].join(" "));
            }
            if d % 13 == 0 {
                text.push_str("; ");
                text.push_str(&shared);
            }
            corpus.add(format!("{d}.txt"), text);
        }
        let report = Detector::builder()
            .min_passage_tokens(20)
            .passage_reuse(false)
            .build()
            .unwrap()
            .run(&corpus);
        let docs: Vec<DocId> = (0..corpus.len()).map(DocId::from_index).collect();
        let all = exact_cuts_with(&report, &docs, 20, (false, usize::MAX));
        assert!(
            all.iter().filter(|c| !c.is_empty()).count() > 50,
            "cuts made"
        );
        for setting in [(true, RECENT), (true, 1), (false, 3), (true, 40)] {
            assert_eq!(
                exact_cuts_with(&report, &docs, 20, setting),
                all,
                "{setting:?}"
            );
        }
    }

    #[test]
    fn ranges_merge_and_answer_membership() {
        let r = merged(&[(2, 4), (10, 12)], &[4, 5, 9, 20]);
        assert_eq!(r, [(2, 6), (9, 12), (20, 21)]);
        assert!(in_ranges(&r, 5) && !in_ranges(&r, 6) && in_ranges(&r, 9) && !in_ranges(&r, 8));
        assert!(!in_ranges(&[], 0));
    }
}
