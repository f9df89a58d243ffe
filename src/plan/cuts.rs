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
//! # Cost
//!
//! O(t) hash-table work per round for t kept tokens, 16 bytes per staying window; one
//! round in practice, rarely two.

use crate::corpus::DocId;
use crate::report::Report;
use crate::reuse::Occurrence;
use crate::text::{self, Span, Token};
use std::collections::HashMap;

use super::Cut;

/// The multiplier of the rolling window hash (odd).
const BASE: u64 = 0x9e37_79b9_7f4a_7c15;

/// A kept document: its id, bytes and tokens in original offsets.
struct Kept<'a> {
    doc: DocId,
    bytes: std::borrow::Cow<'a, [u8]>,
    tokens: Vec<Token>,
    /// Which tokens are cut so far.
    cut: Vec<bool>,
}

/// The cuts of every kept document in `docs` (corpus order), each list sorted and
/// disjoint, for windows of `m` tokens.
pub(super) fn exact_cuts(report: &Report<'_>, docs: &[DocId], m: usize) -> Vec<Vec<Cut>> {
    let corpus = report.corpus();
    let mut kept: Vec<Kept<'_>> = crate::par::map(docs, |&doc| {
        let bytes = corpus.text(doc);
        let tokens: Vec<Token> = text::tokens(&bytes).collect();
        let cut = vec![false; tokens.len()];
        Kept {
            doc,
            bytes,
            tokens,
            cut,
        }
    });
    let mut cuts: Vec<Vec<Cut>> = vec![Vec::new(); kept.len()];
    while one_round(&mut kept, m, &mut cuts) {}
    for list in &mut cuts {
        list.sort_unstable();
    }
    cuts
}

/// Where a staying window starts: the document (index into the kept list) and the
/// position in that document's staying tokens.
type At = (u32, u32);

/// One pass over the stream of staying tokens; true when something was cut.
fn one_round(kept: &mut [Kept<'_>], m: usize, cuts: &mut [Vec<Cut>]) -> bool {
    // Each document's staying tokens as positions into its token list, fixed for the
    // round: the windows are over these sequences.
    let seqs: Vec<Vec<u32>> = kept
        .iter()
        .map(|k| {
            (0..k.tokens.len() as u32)
                .filter(|&i| !k.cut[i as usize])
                .collect()
        })
        .collect();
    let power = BASE.wrapping_pow(m as u32);
    let mut table: HashMap<u64, At> = HashMap::new();
    // Which positions of each sequence are cut in this round.
    let mut gone: Vec<Vec<bool>> = seqs.iter().map(|s| vec![false; s.len()]).collect();
    let mut any = false;
    for d in 0..kept.len() {
        let seq = &seqs[d];
        let hash_at = |i: usize| kept[d].tokens[seq[i] as usize].hash;
        let windows = rolling(seq.len(), m, power, hash_at);
        // The staying tokens in a row ending at the current position.
        let mut staying_run = 0usize;
        let mut i = 0;
        while i < seq.len() {
            let source = windows
                .get(i)
                .and_then(|h| table.get(h))
                .copied()
                .filter(|&at| same_window(kept, &seqs, at, (d as u32, i as u32), m));
            if let Some((sd, sp)) = source {
                let len = run_length(kept, &seqs, &gone, (sd, sp), (d, i), m);
                let pieces = verified_cut(kept, &seqs, (sd, sp), (d, i), len);
                if !pieces.is_empty() {
                    cuts[d].extend(pieces);
                    for g in &mut gone[d][i..i + len] {
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
                table
                    .entry(windows[start])
                    .or_insert((d as u32, start as u32));
            }
            i += 1;
        }
    }
    for (d, k) in kept.iter_mut().enumerate() {
        for (p, &g) in gone[d].iter().enumerate() {
            if g {
                k.cut[seqs[d][p] as usize] = true;
            }
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

/// MurmurHash3's 64-bit finalizer.
fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

fn token(kept: &[Kept<'_>], seqs: &[Vec<u32>], d: usize, p: usize) -> Token {
    kept[d].tokens[seqs[d][p] as usize]
}

/// Whether the windows of `m` tokens at `a` and `b` hold the same token hashes.
fn same_window(kept: &[Kept<'_>], seqs: &[Vec<u32>], a: At, b: At, m: usize) -> bool {
    let (ad, ap, bd, bp) = (a.0 as usize, a.1 as usize, b.0 as usize, b.1 as usize);
    (0..m).all(|j| token(kept, seqs, ad, ap + j).hash == token(kept, seqs, bd, bp + j).hash)
}

/// How far the copy at `(d, i)` goes on equal to the staying text at `source`: at least
/// `m` tokens, stopping before a differing token, the end of either sequence, or a
/// source token that is cut (or, in the same document, not yet passed).
fn run_length(
    kept: &[Kept<'_>],
    seqs: &[Vec<u32>],
    gone: &[Vec<bool>],
    (sd, sp): At,
    (d, i): (usize, usize),
    m: usize,
) -> usize {
    let (sd, sp) = (sd as usize, sp as usize);
    let mut len = m;
    while i + len < seqs[d].len()
        && sp + len < seqs[sd].len()
        && !gone[sd][sp + len]
        && (sd != d || sp + len < i)
        && token(kept, seqs, sd, sp + len).hash == token(kept, seqs, d, i + len).hash
    {
        len += 1;
    }
    len
}

/// The cuts for the `len` tokens at `(d, i)`, checked against their staying copy on the
/// normalized text (none if they differ: a hash collision). The run is split where the
/// tokens of either copy are not next to each other in the original (text cut in an
/// earlier round lies between them), so that every cut names a `first` span that stays
/// whole, and where the copies differ between two tokens (a full stop in one only).
fn verified_cut(
    kept: &[Kept<'_>],
    seqs: &[Vec<u32>],
    (sd, sp): At,
    (d, i): (usize, usize),
    len: usize,
) -> Vec<Cut> {
    let (sd, sp) = (sd as usize, sp as usize);
    let words = |d: usize, p: usize| -> Vec<String> {
        (p..p + len)
            .map(|q| text::normalized(&kept[d].bytes, token(kept, seqs, d, q).span))
            .collect()
    };
    if words(d, i) != words(sd, sp) {
        return Vec::new();
    }
    let next_to = |d: usize, p: usize| seqs[d][p] == seqs[d][p - 1] + 1;
    // What lies between tokens p - 1 and p (spaces, punctuation), normalized: a run is
    // also split where the two copies differ there, so that a cut never drops a mark the
    // staying copy does not have.
    let gap = |d: usize, p: usize| {
        let (a, b) = (token(kept, seqs, d, p - 1), token(kept, seqs, d, p));
        text::normalized(&kept[d].bytes, Span::new(a.span.end, b.span.start))
    };
    let span = |d: usize, p: usize, q: usize| {
        Span::new(
            token(kept, seqs, d, p).span.start,
            token(kept, seqs, d, q - 1).span.end,
        )
    };
    let mut out = Vec::new();
    let mut start = 0;
    for q in 1..=len {
        if q == len
            || !next_to(sd, sp + q)
            || !next_to(d, i + q)
            || gap(sd, sp + q) != gap(d, i + q)
        {
            out.push(Cut {
                span: span(d, i + start, i + q),
                first: Occurrence {
                    doc: kept[sd].doc,
                    span: span(sd, sp + start, sp + q),
                },
            });
            start = q;
        }
    }
    out
}
