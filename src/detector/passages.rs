//! The detector's passage stage: what each document keeps for passage search, and the
//! check of one pair that shares fingerprints.
//!
//! Work is per document, not per pair: stage 1 keeps each document's fingerprints and a
//! one-byte-per-slot sketch of its MinHash signature. With the texts in memory, stage 1
//! also keeps every document's token hashes and spans (11 bytes a token) until the
//! passage index is built, then only those of the documents in a candidate pair, kept for
//! all their pairs; with the texts on disk none are kept: they are made again where
//! needed, once for a run of up to 8 pairs of one document and once per pair for the
//! other document. A pair is aligned only around the fingerprints it shares
//! ([`Aligner::chains_around`](crate::align::Aligner::chains_around)); token spans, needed only to verify and report passages,
//! are the ones stage 1 made (or made once per document, the first time one of its pairs
//! yields a passage, when its tokens were made again), and shingle sets, for exact
//! Jaccard, the first time one of its pairs is checked as a near-duplicate.
//!
//! Boilerplate fingerprints (held by too many documents) are not in the index, so they
//! neither propose a pair nor seed a passage; a passage seeded by a rarer fingerprint
//! still runs on through any boilerplate the two documents share next to it (a rare
//! heading followed by a common licence is one passage).

use super::{Detector, verified_chain};
use crate::report::Passage;
use crate::shingle::ShingleSet;
use crate::text::{self, Span};
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

/// The token hashes of `bytes`.
pub(crate) fn token_hashes(bytes: &[u8]) -> Arc<[u64]> {
    let mut hashes = Vec::new();
    token_hashes_into(bytes, &mut hashes);
    hashes.into()
}

/// The token hashes of `bytes` into `hashes` (cleared first): working space reused
/// across documents.
pub(crate) fn token_hashes_into(bytes: &[u8], hashes: &mut Vec<u64>) {
    hashes.clear();
    text::scan(bytes, |hash, _, _| hashes.push(hash));
}

/// What a document keeps for passage search.
#[derive(Clone, Default)]
pub(crate) struct Reusable {
    /// Its tokens, while it may be in a candidate pair (boxed: most documents keep
    /// none, and a million of them keep this struct).
    tokens: Option<Box<Kept>>,
    /// Its fingerprints `(hash, position)` in position order, until the run takes them
    /// for its grouping rows.
    pub(crate) picks: Vec<(u64, u32)>,
    /// The low byte of every MinHash slot.
    pub(crate) sketch: Box<[u8]>,
}

/// A document's tokens as stage 1 keeps them (shared by identical copies).
#[derive(Clone)]
struct Kept {
    hashes: Arc<[u64]>,
    /// Token spans, packed: stage 1's, or made on first use when the tokens were made
    /// again.
    spans: OnceLock<PackedSpans>,
    /// Its shingle set, made the first time a pair of it is checked exactly.
    shingles: OnceLock<ShingleSet>,
}

impl Reusable {
    /// The fingerprints and the sketch; tokens are kept apart
    /// ([`keep`](Reusable::keep): in stage 1 with the texts in memory, or later for a
    /// document that needs them and has none).
    pub(crate) fn new(picks: Vec<(u64, u32)>, sketch: Box<[u8]>) -> Reusable {
        Reusable {
            tokens: None,
            picks,
            sketch,
        }
    }

    /// Keeps the document's token hashes (shared with its identical copies), and their
    /// spans when they were made with them (stage 1; otherwise made on first use).
    pub(crate) fn keep(&mut self, hashes: Arc<[u64]>, spans: Option<PackedSpans>) {
        self.tokens = Some(Box::new(Kept {
            hashes,
            spans: spans.map_or_else(OnceLock::new, OnceLock::from),
            shingles: OnceLock::new(),
        }));
    }

    /// Whether the token hashes are kept.
    pub(crate) fn is_kept(&self) -> bool {
        self.tokens.is_some()
    }

    /// The set of the document's shingles of `k` tokens (`bytes` its text): made once
    /// when its tokens are kept, made again each time when they are not (a corpus on
    /// disk keeps nothing text-sized per document).
    pub(crate) fn shingle_set(&self, bytes: &[u8], k: usize) -> Cow<'_, ShingleSet> {
        let make = || {
            let tokens = self.tokens(bytes);
            ShingleSet::from_hashes(crate::shingle::shingles(&tokens.hashes, k).collect())
        };
        match &self.tokens {
            Some(kept) => Cow::Borrowed(kept.shingles.get_or_init(make)),
            None => Cow::Owned(make()),
        }
    }

    /// The kept token hashes (empty once released).
    pub(crate) fn hashes(&self) -> &[u64] {
        self.tokens.as_ref().map_or(&[], |k| &k.hashes)
    }

    /// Frees the tokens (a document in no candidate pair).
    pub(crate) fn release(&mut self) {
        self.tokens = None;
    }

    /// The tokens of the document whose text is `bytes`: the kept ones (spans made on
    /// first use if stage 1 did not keep them), or all made again.
    pub(crate) fn tokens<'a>(&'a self, bytes: &'a [u8]) -> DocTokens<'a> {
        match &self.tokens {
            Some(k) => DocTokens {
                hashes: Cow::Borrowed(&k.hashes),
                spans: Spans::Later(&k.spans, bytes),
            },
            None => DocTokens::new(bytes),
        }
    }
}

/// A document's token hashes and spans, kept by stage 1 or made again.
pub(crate) struct DocTokens<'a> {
    pub(crate) hashes: Cow<'a, [u64]>,
    spans: Spans<'a>,
}

/// Where a document's token spans come from.
enum Spans<'a> {
    Ready(Cow<'a, [(u32, u32)]>),
    /// Made from the text on first use, once for all pairs of the document.
    Later(&'a OnceLock<PackedSpans>, &'a [u8]),
}

/// A document's token spans in about 3 bytes a token instead of 8: the start of every
/// [`SPAN_BLOCK`]th token, then each token's start from there (16 bits) and its length
/// (8 bits). The few tokens that do not fit (a block of tokens over 64 KB, a token of 255
/// bytes or more) are listed apart. Stage 1 keeps every document's spans until the
/// passage index is built, and on this scale the pages the process touches cost time.
#[derive(Clone)]
pub(crate) struct PackedSpans {
    /// The start of tokens 0, [`SPAN_BLOCK`], 2·[`SPAN_BLOCK`], ...
    bases: Box<[u32]>,
    /// Each token's start less its block's base.
    offsets: Box<[u16]>,
    /// Each token's length; [`WIDE`] for a token listed in `wide`.
    lens: Box<[u8]>,
    /// `(token, start, end)` of the tokens that do not fit, by token.
    wide: Box<[(u32, u32, u32)]>,
}

/// Tokens per block of [`PackedSpans`].
const SPAN_BLOCK: usize = 64;

/// The length that marks a token of [`PackedSpans`] listed apart.
const WIDE: u8 = u8::MAX;

impl PackedSpans {
    /// The spans `(start, end)`, in token order (starts ascend).
    pub(crate) fn new(spans: &[(u32, u32)]) -> PackedSpans {
        let mut bases = Vec::with_capacity(spans.len().div_ceil(SPAN_BLOCK));
        let mut offsets = Vec::with_capacity(spans.len());
        let mut lens = Vec::with_capacity(spans.len());
        let mut wide = Vec::new();
        for (b, block) in spans.chunks(SPAN_BLOCK).enumerate() {
            let base = block[0].0;
            bases.push(base);
            // Nearly every block fits: its offsets and lengths are then copied at once.
            // (A fold, not `all`: no early exit, no branch per span.)
            let fits = |&(start, end): &(u32, u32)| {
                start.wrapping_sub(base) <= u32::from(u16::MAX)
                    && end.wrapping_sub(start) < u32::from(WIDE)
            };
            if block.iter().fold(true, |all, s| all & fits(s)) {
                offsets.extend(block.iter().map(|&(start, _)| (start - base) as u16));
                lens.extend(block.iter().map(|&(start, end)| (end - start) as u8));
                continue;
            }
            for (k, &(start, end)) in block.iter().enumerate() {
                match (u16::try_from(start - base), u8::try_from(end - start)) {
                    (Ok(o), Ok(n)) if n != WIDE => {
                        offsets.push(o);
                        lens.push(n);
                    }
                    _ => {
                        offsets.push(0);
                        lens.push(WIDE);
                        wide.push(((b * SPAN_BLOCK + k) as u32, start, end));
                    }
                }
            }
        }
        PackedSpans {
            bases: bases.into(),
            offsets: offsets.into(),
            lens: lens.into(),
            wide: wide.into(),
        }
    }

    /// The span `(start, end)` of token `i`.
    #[inline]
    fn get(&self, i: usize) -> (u32, u32) {
        if self.lens[i] == WIDE {
            let k = self.wide.partition_point(|w| (w.0 as usize) < i);
            let (_, start, end) = self.wide[k];
            return (start, end);
        }
        let start = self.bases[i / SPAN_BLOCK] + u32::from(self.offsets[i]);
        (start, start + u32::from(self.lens[i]))
    }
}

impl DocTokens<'static> {
    /// The tokens of `bytes`.
    pub(crate) fn new(bytes: &[u8]) -> DocTokens<'static> {
        let (mut hashes, mut spans) = (Vec::new(), Vec::new());
        tokenize_into(bytes, &mut hashes, &mut spans);
        DocTokens {
            hashes: Cow::Owned(hashes),
            spans: Spans::Ready(Cow::Owned(spans)),
        }
    }
}

/// The token hashes and spans of `bytes` into `hashes` and `spans` (cleared first).
pub(crate) fn tokenize_into(bytes: &[u8], hashes: &mut Vec<u64>, spans: &mut Vec<(u32, u32)>) {
    hashes.clear();
    spans.clear();
    text::scan(bytes, |hash, start, end| {
        hashes.push(hash);
        // A document is at most u32::MAX bytes (the corpus skips larger ones).
        spans.push((start as u32, end as u32));
    });
}

impl<'a> DocTokens<'a> {
    /// Tokens borrowed from hashes and spans made elsewhere.
    pub(crate) fn borrowed(hashes: &'a [u64], spans: &'a [(u32, u32)]) -> DocTokens<'a> {
        DocTokens {
            hashes: Cow::Borrowed(hashes),
            spans: Spans::Ready(Cow::Borrowed(spans)),
        }
    }

    /// The number of tokens.
    pub(crate) fn len(&self) -> usize {
        self.hashes.len()
    }
    /// The span of token `i`.
    pub(crate) fn span(&self, i: usize) -> Span {
        self.spans().span(i)
    }

    /// The spans, made now if they were to be made on first use: for many lookups.
    pub(crate) fn spans(&self) -> SpanView<'_> {
        match &self.spans {
            Spans::Ready(spans) => SpanView::Listed(spans),
            Spans::Later(cell, bytes) => SpanView::Packed(cell.get_or_init(|| {
                let spans: Vec<(u32, u32)> = text::token_spans(bytes)
                    .map(|s| (s.start as u32, s.end as u32))
                    .collect();
                PackedSpans::new(&spans)
            })),
        }
    }
}

/// A document's token spans, made (see [`DocTokens::spans`]).
#[derive(Clone, Copy)]
pub(crate) enum SpanView<'s> {
    Listed(&'s [(u32, u32)]),
    Packed(&'s PackedSpans),
}

impl SpanView<'_> {
    /// The span of token `i`.
    #[inline]
    pub(crate) fn span(self, i: usize) -> Span {
        let (s, e) = match self {
            SpanView::Listed(spans) => spans[i],
            SpanView::Packed(packed) => packed.get(i),
        };
        Span::new(s as usize, e as usize)
    }
}

/// The Jaccard similarity estimated from two sketches: the share of equal slots, less
/// the 1/256 chance that two different low bytes agree (b-bit MinHash, Li & König 2010).
/// 0 when a document had no token.
pub(crate) fn estimated_jaccard(x: &[u8], y: &[u8]) -> f64 {
    if x.is_empty() || x.len() != y.len() {
        return 0.0;
    }
    // Eight slots at a time: a zero byte of x ^ y is an equal slot.
    let (cx, cy) = (x.chunks_exact(8), y.chunks_exact(8));
    let tail = cx
        .remainder()
        .iter()
        .zip(cy.remainder())
        .filter(|(a, b)| a == b)
        .count();
    let equal = tail
        + cx.zip(cy)
            .map(|(a, b)| {
                let d = u64::from_le_bytes(a.try_into().expect("8 bytes"))
                    ^ u64::from_le_bytes(b.try_into().expect("8 bytes"));
                zero_bytes(d)
            })
            .sum::<usize>();
    let share = equal as f64 / x.len() as f64;
    ((share - 1.0 / 256.0) / (1.0 - 1.0 / 256.0)).clamp(0.0, 1.0)
}

/// The number of zero bytes in `x`.
fn zero_bytes(x: u64) -> usize {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // High bit of each byte set where the byte is non-zero.
    let nonzero = ((x & LOW).wrapping_add(LOW) | x) & !LOW;
    8 - nonzero.count_ones() as usize
}

/// How far below the threshold a sketch estimate may fall for a pair that is still
/// checked exactly: five standard errors of the estimate at the threshold, plus the
/// sketch's own bias bound. A pair at the threshold is missed with probability < 1e-6.
pub(crate) fn near_margin(threshold: f64, slots: usize) -> f64 {
    5.0 * (threshold * (1.0 - threshold) / slots.max(1) as f64).sqrt() + 0.01
}

impl Detector {
    /// The verified passages of documents `a` and `b` around `anchors`, the positions of
    /// the fingerprints they share.
    pub(crate) fn passages_around(
        &self,
        (da, ra): (&[u8], &Reusable),
        (db, rb): (&[u8], &Reusable),
        anchors: impl IntoIterator<Item = (usize, usize)>,
    ) -> Vec<Passage> {
        let (ta, tb) = (ra.tokens(da), rb.tokens(db));
        self.passages_between((da, &ta), (db, &tb), anchors)
    }

    /// [`passages_around`](Detector::passages_around) two texts whose tokens are made.
    pub(crate) fn passages_between(
        &self,
        (da, ta): (&[u8], &DocTokens),
        (db, tb): (&[u8], &DocTokens),
        anchors: impl IntoIterator<Item = (usize, usize)>,
    ) -> Vec<Passage> {
        let c = &self.settings;
        self.aligner
            .chains_around(&ta.hashes, &tb.hashes, anchors, c.seed_tokens, c.max_gap)
            .iter()
            .filter_map(|chain| {
                let (sa, sb) = (ta.spans(), tb.spans());
                verified_chain(
                    (da, |i| sa.span(i)),
                    (db, |j| sb.span(j)),
                    chain,
                    c.seed_tokens,
                    self.aligner.min_tokens(),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Token;

    #[test]
    fn kept_tokens_are_the_tokens() {
        let text: String = (0..300).map(|i| format!("Wörd{i}, ")).collect();
        let bytes = text.as_bytes();
        let tokens: Vec<Token> = text::tokens(bytes).collect();
        let mut r = Reusable::new(Vec::new(), Box::default());
        assert!(!r.is_kept());
        r.keep(token_hashes(bytes), None);
        let again = DocTokens::new(bytes);
        for t in [r.tokens(bytes), again] {
            for (i, tok) in tokens.iter().enumerate() {
                assert_eq!((t.hashes[i], t.span(i)), (tok.hash, tok.span));
            }
        }
        r.release();
        assert!(matches!(r.tokens(bytes).hashes, Cow::Owned(_)));
    }

    #[test]
    fn packed_spans_give_back_every_span() {
        // Short tokens, a token of 255 bytes and longer ones, and a block of tokens that
        // spans more than 64 KB (a long gap).
        let mut spans = Vec::new();
        let mut at = 7u32;
        for i in 0..1000u32 {
            let len = match i % 97 {
                5 => 255,
                6 => 254,
                7 => 70_000,
                _ => 1 + i % 9,
            };
            let gap = if i == 300 { 200_000 } else { 1 + i % 3 };
            spans.push((at, at + len));
            at += len + gap;
        }
        let packed = PackedSpans::new(&spans);
        assert!(!packed.wide.is_empty());
        for (i, &s) in spans.iter().enumerate() {
            assert_eq!(packed.get(i), s, "token {i}");
        }
        assert_eq!(PackedSpans::new(&[]).bases.len(), 0);
        // Blocks of short tokens with one token at the limits: 254 or 255 bytes long,
        // or starting 65,535 or 65,536 bytes after its block's first.
        for (len, jump) in [
            (254, 0),
            (255, 0),
            (3, 65_535 - 63 * 4),
            (3, 65_536 - 63 * 4),
        ] {
            let spans: Vec<(u32, u32)> = (0..130u32)
                .map(|i| {
                    let start = 1000 + 4 * i + if i >= 63 { jump } else { 0 };
                    (start, start + if i == 20 { len } else { 3 })
                })
                .collect();
            let packed = PackedSpans::new(&spans);
            let wide = len == 255 || jump == 65_536 - 63 * 4;
            assert_eq!(packed.wide.is_empty(), !wide, "{len} {jump}");
            for (i, &s) in spans.iter().enumerate() {
                assert_eq!(packed.get(i), s, "token {i}, {len} {jump}");
            }
        }
    }

    #[test]
    fn the_sketch_estimate_corrects_for_chance_agreement() {
        let x: Vec<u8> = (0..=255).collect();
        assert_eq!(estimated_jaccard(&x, &x), 1.0);
        let y: Vec<u8> = x.iter().map(|b| b.wrapping_add(1)).collect();
        assert_eq!(estimated_jaccard(&x, &y), 0.0);
        assert_eq!(estimated_jaccard(&[], &[]), 0.0);
        // Chunked counting agrees with counting slot by slot, tail included.
        let a: Vec<u8> = (0..131u32).map(|i| (i * 7 % 5) as u8).collect();
        let b: Vec<u8> = (0..131u32).map(|i| (i * 3 % 5) as u8).collect();
        let equal = a.iter().zip(&b).filter(|(x, y)| x == y).count() as f64 / 131.0;
        let want = (equal - 1.0 / 256.0) / (1.0 - 1.0 / 256.0);
        assert!((estimated_jaccard(&a, &b) - want).abs() < 1e-12);
        for x in [0u64, u64::MAX, 0x0100_0000_0000_0080, 0x00ff_00ff_0000_0001] {
            assert_eq!(
                zero_bytes(x),
                x.to_le_bytes().iter().filter(|&&b| b == 0).count()
            );
        }
        assert!(near_margin(0.8, 128) > 0.17 && near_margin(0.8, 128) < 0.2);
    }
}
