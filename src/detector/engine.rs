//! The run taken apart for an engine that groups keys itself (Spark, a database): what
//! each document contributes, and how one candidate pair is checked.
//!
//! [`Detector::run`] is, for documents without boilerplate (no fingerprint held by more
//! than `boilerplate_docs` of them) and without identical copies:
//!
//! 1. per document, [`Detector::document_keys`]: band keys, passage fingerprints with
//!    their token positions, and a sketch (stable values: the same on every machine);
//! 2. grouped by band key: the first `max_group` documents (in corpus order) that hold a
//!    key pair with each other, and the first of them with each later one;
//! 3. grouped by fingerprint, left out when more than `boilerplate_docs` documents hold
//!    it: the first [`SMALL_GROUP`](crate::reuse::SMALL_GROUP) holders pair with each
//!    other and the first with each later one, each pair with the positions of the
//!    fingerprint in both documents; a pair is a passage candidate when its positions are
//!    [`consistent`](crate::reuse::consistent);
//! 4. per candidate, [`Detector::check_candidate`]: the pair the run reports, or none.
//!
//! Each step costs what the same step of a run costs; steps 2 and 3 are sorts by key.

use super::Detector;
use super::passages::{DocTokens, Reusable, token_hashes};
use crate::DocId;
use crate::report::Pair;
use crate::reuse::Fingerprints;
use crate::shingle;
use crate::text::Span;

/// What one document contributes to a run, as plain values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentKeys {
    /// Its normalized word tokens.
    pub tokens: usize,
    /// From the first token's first byte to the last token's last byte (empty for a
    /// text with no token): the passage of an identical copy.
    pub whole: Span,
    /// The LSH band keys of its MinHash signature (none for a text with no token).
    pub band_keys: Vec<u64>,
    /// Its passage fingerprints, `(hash, token position)`, in position order (none when
    /// passage search is off).
    pub fingerprints: Vec<(u64, u32)>,
    /// The low byte of every MinHash slot: what [`Detector::check_candidate`] estimates
    /// the Jaccard of a passage candidate from.
    pub sketch: Vec<u8>,
}

impl Detector {
    /// What `text` contributes to a run (step 1 of the [module docs](self)).
    ///
    /// ```
    /// let det = neardup::Detector::builder().build()?;
    /// let keys = det.document_keys(b"the river rose overnight and the old mill road was under water");
    /// assert_eq!(keys.band_keys.len(), det.layout().bands());
    /// assert_eq!(keys.sketch.len(), 128);
    /// // Case and punctuation are normalized away: the same keys.
    /// let other = det.document_keys(b"The river rose overnight, and the old mill road was under water!");
    /// assert_eq!((&keys.band_keys, &keys.fingerprints), (&other.band_keys, &other.fingerprints));
    /// # Ok::<(), neardup::Error>(())
    /// ```
    pub fn document_keys(&self, text: &[u8]) -> DocumentKeys {
        let tokens = DocTokens::new(text);
        let n = tokens.len();
        if n == 0 {
            return DocumentKeys::default();
        }
        let sig = self.hasher.sign(shingle::shingles(
            &tokens.hashes,
            self.settings.shingle_size,
        ));
        let fingerprints = if self.settings.passage_reuse {
            let (f, w) = self.fingerprint_layout();
            Fingerprints::new(&tokens.hashes, f, w).iter().collect()
        } else {
            Vec::new()
        };
        DocumentKeys {
            tokens: n,
            whole: Span::new(tokens.span(0).start, tokens.span(n - 1).end),
            band_keys: self.lsh.keys_of(&sig).collect(),
            fingerprints,
            sketch: sig.values().iter().map(|&v| v as u8).collect(),
        }
    }

    /// Checks the candidate pair of texts `a` (the earlier document, id `ids.0`) and `b`
    /// as a run does (step 4 of the [module docs](self)): `lsh` when they share a band
    /// key, `anchors` the positions `(in a, in b)` of the fingerprints they share when
    /// those are consistent (empty otherwise). Returns the pair the run reports: a
    /// near-duplicate (exact Jaccard at or above the threshold) with all its passages, or
    /// a pair below it with the passages around the anchors; `None` when it is neither.
    ///
    /// ```
    /// let det = neardup::Detector::builder().threshold(0.5).min_passage_tokens(8).build()?;
    /// let a = "the council voted on tuesday to close the old footbridge over the canal after \
    ///          engineers found that two of its wooden supports had rotted through last spring";
    /// let b = a.replace("tuesday", "monday");
    /// let p = det.check_candidate((0, 1), a.as_bytes(), b.as_bytes(), true, &[]).unwrap();
    /// assert!(p.jaccard >= 0.5 && p.jaccard_is_exact() && !p.passages().is_empty());
    /// # Ok::<(), neardup::Error>(())
    /// ```
    pub fn check_candidate(
        &self,
        ids: (u32, u32),
        a: &[u8],
        b: &[u8],
        lsh: bool,
        anchors: &[(u32, u32)],
    ) -> Option<Pair> {
        let (ra, rb) = (self.reusable_of(a), self.reusable_of(b));
        let (ia, ib) = (
            DocId::from_index(ids.0 as usize),
            DocId::from_index(ids.1 as usize),
        );
        let anchors = anchors.iter().map(|&(i, j)| (i as usize, j as usize));
        self.check_texts((ia, a, &ra), (ib, b, &rb), lsh, anchors)
    }

    /// What a run's first pass keeps of a text for its checks: its token hashes (made
    /// once here, for the Jaccard, the alignment and the sketch) and its sketch (none
    /// without passage search, as in a run).
    fn reusable_of(&self, text: &[u8]) -> Reusable {
        let hashes = token_hashes(text);
        let sketch: Box<[u8]> = if self.settings.passage_reuse && !hashes.is_empty() {
            let sig = self
                .hasher
                .sign(shingle::shingles(&hashes, self.settings.shingle_size));
            sig.values().iter().map(|&v| v as u8).collect()
        } else {
            Box::default()
        };
        let mut kept = Reusable::new(Fingerprints::default(), sketch);
        kept.keep(hashes);
        kept
    }
}
