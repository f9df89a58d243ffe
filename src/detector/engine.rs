//! The run taken apart for an engine that groups keys itself (Spark, a database): what
//! each document contributes, and how one candidate pair is checked.
//!
//! [`Detector::run`] is, for documents without identical copies (a run pairs each copy
//! with its first and leaves it out of everything else):
//!
//! 1. per document, [`Detector::document_keys`]: band keys, passage fingerprints with
//!    their token positions, and a sketch (stable values: the same on every machine);
//! 2. grouped by band key: the first `max_group` documents (in corpus order) that hold a
//!    key pair with each other, and the first of them with each later one;
//! 3. boilerplate, when some fingerprint is held by more than `boilerplate_docs`
//!    documents: those fingerprints, each with the first document past
//!    `boilerplate_docs` that holds it ([`Boilerplate::turning_at`]), are given to
//!    [`Detector::fingerprints_around`] for every document, and the documents that hold
//!    any take the fingerprints it returns instead of their own; then a fingerprint held
//!    by 2 to `boilerplate_docs` documents is boilerplate too when those and the
//!    documents fingerprinted again that count it among their
//!    [`Detector::passage_windows`] are more than `boilerplate_docs`;
//! 4. grouped by fingerprint, left out when it is boilerplate (held by more than
//!    `boilerplate_docs` documents, or by step 3): the first
//!    [`SMALL_GROUP`](crate::reuse::SMALL_GROUP) holders pair with each other and the
//!    first with each later one, each pair with what it shares (positions in both
//!    documents, and whether the fingerprint is long); [`Detector::passage_anchors`]
//!    gives the anchors of the pair (none: not a passage candidate);
//! 5. per candidate, [`Detector::check_candidate`]: the pair the run reports, or none.
//!
//! Each step costs what the same step of a run costs; steps 2 to 4 are sorts and counts
//! by key. A run compares fingerprints by their high 40 bits (32 bits for a corpus of
//! more than 16.7 million documents, see [`reuse::row`]);
//! [`Boilerplate::new`] takes the bits to compare. An engine that groups the high 40 bits
//! gets exactly the run's answers up to 16.7 million documents; one that groups all 64
//! bits differs only where two fingerprints agree in the bits the run compares (about
//! n²/2^41 pairs of n distinct fingerprints at 40 bits).

use super::Detector;
use super::passages::{DocTokens, Reusable, token_hashes};
use crate::DocId;
use crate::report::Pair;
use crate::reuse::{self, Boilerplate, Fingerprints, SharedFingerprint};
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
    /// Its passage fingerprints, `(hash, token position)`, by hash (none when passage
    /// search is off).
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

    /// Step 3 of the [module docs](self): the fingerprints of `text` taken again around
    /// `boilerplate` ([`Fingerprints::around_boilerplate`]) when its own fingerprints
    /// hold some of it, `None` when they hold none (or passage search is off).
    ///
    /// ```
    /// use neardup::reuse::{doc_bits, Boilerplate};
    /// let det = neardup::Detector::builder().min_passage_tokens(8).build()?;
    /// let footer = "subscribe to our newsletter for the latest news from the valley every week";
    /// let text = format!("the bridge reopened to traffic on monday after repairs {footer}");
    /// let own = det.document_keys(text.as_bytes()).fingerprints;
    /// let footer_prints = det.document_keys(footer.as_bytes()).fingerprints;
    /// let common = Boilerplate::new(footer_prints.iter().map(|f| f.0), doc_bits(1));
    /// let again = det.fingerprints_around(text.as_bytes(), &common).unwrap();
    /// // None of the footer's own fingerprints is taken; long ones run over it, and the
    /// // rare sentence before it is still fingerprinted.
    /// assert!(again.iter().all(|(h, _)| !common.contains(h)));
    /// assert!(again.entries().any(|(_, _, long)| long));
    /// assert!(again.entries().any(|(_, pos, long)| !long && pos < 5));
    /// assert!(det.fingerprints_around(b"nothing in common here at all, not one word", &common).is_none());
    /// # Ok::<(), neardup::Error>(())
    /// ```
    pub fn fingerprints_around(
        &self,
        text: &[u8],
        boilerplate: &Boilerplate,
    ) -> Option<Fingerprints> {
        if !self.settings.passage_reuse || boilerplate.is_empty() {
            return None;
        }
        let hashes = token_hashes(text);
        let layout = self.fingerprint_layout();
        if !boilerplate.holds_any(&Fingerprints::new(&hashes, layout.0, layout.1)) {
            return None;
        }
        let long = reuse::long_layout(self.fingerprint_tokens());
        Some(Fingerprints::around_boilerplate(
            &hashes,
            layout,
            long,
            boilerplate,
        ))
    }

    /// Step 3 of the [module docs](self): the hashes (sorted, distinct) of the windows
    /// of `text` (document `doc` in corpus order) that it counts by containment, given
    /// `boilerplate` with the document at which each turned common
    /// ([`Boilerplate::turning_at`]): the windows of the fingerprint size within
    /// `w - 1` of the ends of each run of its common fingerprints (`w` the winnowing
    /// window) that it did not pick, the fingerprints grouped by the document at which
    /// they turned common (at `doc` for those common before it) and each group's runs
    /// taken apart. Winnowing picks such a window in some of the documents that hold the
    /// common text and not in others; a run counts, for each fingerprint that 2 to
    /// `boilerplate_docs` documents hold, those and the documents that count it among
    /// these.
    ///
    /// ```
    /// use neardup::reuse::{doc_bits, Boilerplate};
    /// let det = neardup::Detector::builder().min_passage_tokens(8).build()?;
    /// let footer = "subscribe to our newsletter for the latest news from the valley every week";
    /// let text = format!("the bridge reopened to traffic on monday after repairs {footer}");
    /// let footer_prints = det.document_keys(footer.as_bytes()).fingerprints;
    /// let common = Boilerplate::new(footer_prints.iter().map(|f| f.0), doc_bits(1));
    /// let windows = det.passage_windows(text.as_bytes(), 0, &common);
    /// // Windows where the footer begins, that this document did not pick.
    /// let own = det.document_keys(text.as_bytes()).fingerprints;
    /// assert!(!windows.is_empty());
    /// assert!(windows.iter().all(|w| own.iter().all(|f| f.0 != *w)));
    /// // Nothing for a text that holds no common fingerprint.
    /// assert!(det.passage_windows(b"nothing in common here at all, not one word", 0, &common).is_empty());
    /// # Ok::<(), neardup::Error>(())
    /// ```
    pub fn passage_windows(&self, text: &[u8], doc: u64, boilerplate: &Boilerplate) -> Vec<u64> {
        if !self.settings.passage_reuse || boilerplate.is_empty() {
            return Vec::new();
        }
        let hashes = token_hashes(text);
        let (size, w) = self.fingerprint_layout();
        let mut scratch = Default::default();
        let picked = Fingerprints::picked_in(&hashes, size, w, &mut scratch, &mut Vec::new());
        reuse::contained_around(&scratch.0, &picked, boilerplate, doc, w)
    }

    /// Step 4 of the [module docs](self): the anchors `(position in a, position in b)`
    /// of a pair that shares `shared` (sorted by position in `a`, then in `b`), all of
    /// them when they are [`consistent`](reuse::consistent) with this detector's
    /// fingerprint layout, none otherwise (the pair is then no passage candidate).
    ///
    /// ```
    /// use neardup::reuse::SharedFingerprint;
    /// let det = neardup::Detector::builder().build()?;
    /// let at = |pos_a, pos_b| SharedFingerprint { a: 0, b: 1, pos_a, pos_b, long: false };
    /// // Two on one diagonal, close together: aligned around both.
    /// assert_eq!(det.passage_anchors(&[at(10, 40), at(15, 45)]), [(10, 40), (15, 45)]);
    /// // One stock phrase alone: not a candidate.
    /// assert!(det.passage_anchors(&[at(10, 40)]).is_empty());
    /// # Ok::<(), neardup::Error>(())
    /// ```
    pub fn passage_anchors(&self, shared: &[SharedFingerprint]) -> Vec<(u32, u32)> {
        let (_, w) = self.fingerprint_layout();
        let reach = w.max(2 * self.fingerprint_tokens());
        if reuse::consistent(shared, reach, self.settings.max_gap) {
            shared.iter().map(|s| (s.pos_a, s.pos_b)).collect()
        } else {
            Vec::new()
        }
    }

    /// Checks the candidate pair of texts `a` (the earlier document, id `ids.0`) and `b`
    /// as a run does (step 5 of the [module docs](self)): `lsh` when they share a band
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
        let mut kept = Reusable::new(Vec::new(), sketch);
        kept.keep(hashes, None);
        kept
    }
}
