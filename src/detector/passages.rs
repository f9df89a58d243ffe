//! The detector's passage stage: what each document keeps for passage search, and the
//! check of one pair that shares fingerprints.
//!
//! Work is per document, not per pair: stage 1 keeps each document's token hashes and
//! spans (16 bytes a token), its fingerprints and a one-byte-per-slot sketch of its
//! MinHash signature. After the fingerprints are grouped, documents in no passage
//! candidate drop their tokens, and the others have their boilerplate tokens masked
//! once. A pair is then aligned only around the fingerprints it shares
//! ([`Aligner::chains_around`]), and the passages found are verified on the text through
//! the kept spans.

use super::{Detector, verified_chain};
use crate::align::Chain;
use crate::report::Passage;
use crate::reuse::{self, Boilerplate, Fingerprints};
use crate::text::{Span, Token};
use std::ops::Range;

/// What a document keeps for passage search.
#[derive(Default)]
pub(crate) struct Reusable {
    /// Token hashes; boilerplate tokens masked once the boilerplate is known.
    pub(crate) hashes: Box<[u64]>,
    /// Token spans, as u32 offsets (a document is at most u32::MAX bytes).
    spans: Box<[(u32, u32)]>,
    pub(crate) fingerprints: Fingerprints,
    /// The low byte of every MinHash slot.
    pub(crate) sketch: Box<[u8]>,
}

impl Reusable {
    pub(crate) fn new(tokens: &[Token], fingerprints: Fingerprints, sketch: Box<[u8]>) -> Reusable {
        Reusable {
            hashes: tokens.iter().map(|t| t.hash).collect(),
            // Documents are at most u32::MAX bytes (the corpus skips larger ones).
            spans: tokens
                .iter()
                .map(|t| (t.span.start as u32, t.span.end as u32))
                .collect(),
            fingerprints,
            sketch,
        }
    }

    /// Frees the tokens (a document in no passage candidate).
    pub(crate) fn release(&mut self) {
        self.hashes = Box::default();
        self.spans = Box::default();
    }

    /// Masks the tokens under boilerplate windows of `size` tokens.
    pub(crate) fn mask(&mut self, boilerplate: &Boilerplate, size: usize, doc: u32) {
        boilerplate.mask(&mut self.hashes, size, &self.fingerprints, doc);
    }

    /// The span of token `i`.
    fn span(&self, i: usize) -> Span {
        let (s, e) = self.spans[i];
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
        (da, ra, ia): (&[u8], &Reusable, u32),
        (db, rb, ib): (&[u8], &Reusable, u32),
        anchors: impl IntoIterator<Item = (usize, usize)>,
    ) -> Vec<Passage> {
        let c = &self.config;
        let chains =
            self.aligner
                .chains_around(&ra.hashes, &rb.hashes, anchors, c.seed_tokens, c.max_gap);
        let mut out = Vec::new();
        for chain in chains {
            // A chain never bridges a masked (boilerplate) token.
            for piece in split_at_masked(chain, (&ra.hashes, ia), (&rb.hashes, ib)) {
                out.extend(verified_chain(
                    (da, |i| ra.span(i)),
                    (db, |j| rb.span(j)),
                    &piece,
                    c.seed_tokens,
                    self.aligner.min_tokens(),
                ));
            }
        }
        out
    }
}

/// Splits a chain wherever the gap between two runs holds a masked token on either side.
fn split_at_masked(chain: Chain, (ha, ia): (&[u64], u32), (hb, ib): (&[u64], u32)) -> Vec<Chain> {
    let masked = |h: &[u64], doc: u32, range: Range<usize>| {
        range.into_iter().any(|i| reuse::is_masked(h[i], doc, i))
    };
    crate::align::chain_runs(chain.runs, |c, run| {
        let (ea, eb) = c.end();
        !(masked(ha, ia, ea..run.a) || masked(hb, ib, eb..run.b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text;

    #[test]
    fn kept_tokens_are_the_tokens() {
        let text: String = (0..300).map(|i| format!("Wörd{i}, ")).collect();
        let tokens: Vec<Token> = text::tokens(text.as_bytes()).collect();
        let r = Reusable::new(&tokens, Fingerprints::default(), Box::default());
        for (i, t) in tokens.iter().enumerate() {
            assert_eq!((r.hashes[i], r.span(i)), (t.hash, t.span));
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
