//! The front door: a validated configuration that runs every stage over a corpus.
//!
//! # Stages of [`Detector::run`]
//!
//! 1. Identical texts are grouped by a content hash (xxh3, then a byte comparison), so
//!    a copy costs one hash and one comparison: it is paired with the first document of
//!    the same bytes (Jaccard 1, one passage over the whole text) and takes no part in
//!    the stages below. Per distinct text, in parallel: tokens ([`crate::text`]),
//!    shingles ([`crate::shingle`]), a MinHash signature ([`crate::minhash`]) and its b
//!    LSH band keys ([`crate::lsh`]), the passages repeated inside it
//!    ([`crate::align`]), and with passage reuse its fingerprints and a
//!    one-byte-per-slot sketch of its signature ([`crate::reuse`]).
//! 2. The `(band key, id)` rows of the distinct texts are sorted; ids that share a key
//!    are candidate pairs ([`lsh::pairs_sharing_a_key`], the same pairs an [`LshIndex`]
//!    gives). A key shared by more than [`DetectorBuilder::max_group`] texts contributes only
//!    the pairs of its first holder with each other one (a star: 1,000 near-copies of
//!    one page cost 999 candidates, not 499,500), and they still form one cluster.
//! 3. With passage reuse: the fingerprints go to grouping rows as stage 1 signs each
//!    block of documents (to temporary files beside the texts when those are on disk,
//!    read back a part at a time), boilerplate fingerprints are found, the documents
//!    that hold some take the long windows over it beside their first fingerprints
//!    (less the boilerplate ones), and an inverted index
//!    ([`reuse::FingerprintIndex`]) gives the pairs that share two fingerprints in a
//!    consistent order (passage candidates).
//! 4. Per candidate pair, in parallel: the exact Jaccard of the two shingle sets when the
//!    LSH index proposed it or its sketch says it may be a near-duplicate; near-duplicates
//!    are aligned whole, other passage candidates only around their shared fingerprints.
//!    Token hashes, spans and shingle sets are made once per document, not per pair.
//! 5. Union-find over the confirmed pairs gives the clusters, and the passages of all
//!    pairs and repeats give the passage groups.
//!
//! Every passage is checked character for character on the normalized text before it is
//! reported. Cost: O(B) for B corpus bytes in stage 1 (O(B·k) hash arithmetic), O(n·b)
//! for stage 2, O(F) for F fingerprints in stage 3, O(t) per near-duplicate
//! candidate of t tokens and O(passage) per passage candidate in stage 4.

pub mod engine;
mod passages;

pub use engine::DocumentKeys;

use self::passages::{
    DocTokens, Reusable, estimated_jaccard, near_margin, token_hashes_into, tokenize_into,
};
use crate::align::{Aligner, Chain, Match, WindowScratch};
use crate::cluster::UnionFind;
use crate::corpus::{Corpus, DocId};
use crate::error::Error;
use crate::lsh;
#[cfg(doc)]
use crate::lsh::LshIndex;
use crate::minhash::{self, MinHasher, Signature};
use crate::progress::{Progress, Stage};
use crate::report::{
    Cluster, Comparison, Counts, DocumentStats, Pair, Passage, Repeat, RepeatedPassage, Report,
};
use crate::reuse::{
    self, Boilerplate, FingerprintIndex, Fingerprints, Occurrence, PrintRows, WindowHashes,
};
use crate::shingle::{self, ShingleSet};
use crate::text::{self, Span, Token};
use std::borrow::Cow;

/// The default shingle size, in tokens.
pub const DEFAULT_SHINGLE_SIZE: usize = 5;
/// The default Jaccard threshold.
pub const DEFAULT_THRESHOLD: f64 = 0.8;
/// The default [`DetectorBuilder::max_group`].
pub const DEFAULT_MAX_GROUP: usize = 200;
/// The default [`DetectorBuilder::seed_tokens`].
pub const DEFAULT_SEED_TOKENS: usize = 5;
/// The default [`DetectorBuilder::max_gap`].
pub const DEFAULT_MAX_GAP: usize = 12;
/// The largest passage length, fingerprint length, seed or gap a detector accepts, in
/// tokens.
pub const MAX_TOKENS: usize = 1 << 24;

/// Settings for a [`Detector`]; made and validated by [`DetectorBuilder`], read with
/// getters of the same names as the builder's setters.
///
/// ```
/// let det = neardup::Detector::builder().threshold(0.7).build()?;
/// assert_eq!(det.settings().threshold(), 0.7);
/// assert_eq!(det.settings().shingle_size(), 5);
/// assert_eq!((det.settings().seed_tokens(), det.settings().max_gap()), (5, 12));
/// assert_eq!(det.settings().min_passage_tokens(), 25);
/// assert_eq!(det.settings().bands(), None); // chosen from the threshold:
/// assert_eq!((det.layout().bands(), det.layout().rows()), (21, 6));
/// # Ok::<(), neardup::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Settings {
    shingle_size: usize,
    num_hashes: usize,
    seed: u64,
    threshold: f64,
    bands: Option<usize>,
    rows: Option<usize>,
    /// None in a builder: chosen by `passage_reuse` when built (see the getter).
    false_negative_weight: Option<f64>,
    min_passage_tokens: usize,
    find_repeats: bool,
    max_group: usize,
    passage_reuse: bool,
    fingerprint_tokens: Option<usize>,
    boilerplate_docs: usize,
    seed_tokens: usize,
    max_gap: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            shingle_size: DEFAULT_SHINGLE_SIZE,
            num_hashes: minhash::DEFAULT_NUM_HASHES,
            seed: minhash::DEFAULT_SEED,
            threshold: DEFAULT_THRESHOLD,
            bands: None,
            rows: None,
            false_negative_weight: None,
            min_passage_tokens: crate::align::DEFAULT_MIN_TOKENS,
            find_repeats: true,
            max_group: DEFAULT_MAX_GROUP,
            passage_reuse: true,
            fingerprint_tokens: None,
            boilerplate_docs: reuse::DEFAULT_MAX_DOCS,
            seed_tokens: DEFAULT_SEED_TOKENS,
            max_gap: DEFAULT_MAX_GAP,
        }
    }
}

impl Settings {
    /// Tokens per shingle.
    pub fn shingle_size(&self) -> usize {
        self.shingle_size
    }
    /// MinHash hash functions.
    pub fn num_hashes(&self) -> usize {
        self.num_hashes
    }
    /// MinHash seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// Jaccard threshold.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }
    /// Minimum passage length in tokens.
    pub fn min_passage_tokens(&self) -> usize {
        self.min_passage_tokens
    }
    /// Whether repeats inside documents are searched.
    pub fn find_repeats(&self) -> bool {
        self.find_repeats
    }
    /// Whether passages shared across documents are searched.
    pub fn passage_reuse(&self) -> bool {
        self.passage_reuse
    }
    /// The guaranteed shared run, in tokens (`min_passage_tokens` unless set).
    pub fn fingerprint_tokens(&self) -> usize {
        self.fingerprint_tokens.unwrap_or(self.min_passage_tokens)
    }
    /// Documents above which a fingerprint is boilerplate.
    pub fn boilerplate_docs(&self) -> usize {
        self.boilerplate_docs
    }
    /// The shortest exact run chained into a passage.
    pub fn seed_tokens(&self) -> usize {
        self.seed_tokens
    }
    /// The widest gap inside a passage.
    pub fn max_gap(&self) -> usize {
        self.max_gap
    }
    /// The largest group sharing a band key whose pairs are all checked.
    pub fn max_group(&self) -> usize {
        self.max_group
    }
    /// The LSH bands, when set explicitly (else chosen from the threshold; see
    /// [`Detector::layout`]).
    pub fn bands(&self) -> Option<usize> {
        self.bands
    }
    /// The LSH rows per band, when set explicitly.
    pub fn rows(&self) -> Option<usize> {
        self.rows
    }
    /// The weight of false negatives when the layout is chosen from the threshold: the
    /// one given, else [`lsh::DEFAULT_FALSE_NEGATIVE_WEIGHT`] with passage search and
    /// [`lsh::FALSE_NEGATIVE_WEIGHT_WITHOUT_PASSAGES`] without.
    ///
    /// ```
    /// use neardup::Detector;
    /// let with = Detector::builder().build()?;
    /// let without = Detector::builder().passage_reuse(false).build()?;
    /// assert_eq!(with.settings().false_negative_weight(), 0.95);
    /// assert_eq!(without.settings().false_negative_weight(), 0.999);
    /// assert_eq!((with.layout().bands(), with.layout().rows()), (16, 8));
    /// assert_eq!((without.layout().bands(), without.layout().rows()), (21, 6));
    /// // A weight given is kept.
    /// let given = Detector::builder().passage_reuse(false).false_negative_weight(0.95);
    /// assert_eq!(given.build()?.layout().bands(), 16);
    /// # Ok::<(), neardup::Error>(())
    /// ```
    pub fn false_negative_weight(&self) -> f64 {
        self.false_negative_weight.unwrap_or(if self.passage_reuse {
            lsh::DEFAULT_FALSE_NEGATIVE_WEIGHT
        } else {
            lsh::FALSE_NEGATIVE_WEIGHT_WITHOUT_PASSAGES
        })
    }
}

impl Settings {
    /// The settings as text, one `name=value` line each, in a fixed order: what an
    /// [`Index`](crate::index::Index) stores to know what it was built with. Floats are
    /// written so that they read back to the same value.
    #[cfg_attr(not(feature = "index"), allow(dead_code))]
    pub(crate) fn encode(&self) -> String {
        let opt = |x: Option<usize>| x.map_or("none".to_string(), |v| v.to_string());
        let lines = [
            ("shingle_size", self.shingle_size.to_string()),
            ("num_hashes", self.num_hashes.to_string()),
            ("seed", self.seed.to_string()),
            ("threshold", format!("{:?}", self.threshold)),
            ("bands", opt(self.bands)),
            ("rows", opt(self.rows)),
            (
                "false_negative_weight",
                format!("{:?}", self.false_negative_weight()),
            ),
            ("min_passage_tokens", self.min_passage_tokens.to_string()),
            ("find_repeats", self.find_repeats.to_string()),
            ("max_group", self.max_group.to_string()),
            ("passage_reuse", self.passage_reuse.to_string()),
            ("fingerprint_tokens", opt(self.fingerprint_tokens)),
            ("boilerplate_docs", self.boilerplate_docs.to_string()),
            ("seed_tokens", self.seed_tokens.to_string()),
            ("max_gap", self.max_gap.to_string()),
        ];
        lines.iter().map(|(k, v)| format!("{k}={v}\n")).collect()
    }

    /// Reads [`encode`](Settings::encode)'s text back into a builder (which checks the
    /// values when built).
    #[cfg_attr(not(feature = "index"), allow(dead_code))]
    pub(crate) fn decode(text: &str) -> Result<DetectorBuilder, Error> {
        let bad = |line: &str| Error::malformed("detector settings", format!("line {line:?}"));
        let mut c = Settings::default();
        for line in text.lines() {
            let (name, value) = line.split_once('=').ok_or_else(|| bad(line))?;
            let int = || value.parse::<usize>().map_err(|_| bad(line));
            let opt = || match value {
                "none" => Ok(None),
                _ => int().map(Some),
            };
            let float = || value.parse::<f64>().map_err(|_| bad(line));
            let flag = || value.parse::<bool>().map_err(|_| bad(line));
            match name {
                "shingle_size" => c.shingle_size = int()?,
                "num_hashes" => c.num_hashes = int()?,
                "seed" => c.seed = value.parse().map_err(|_| bad(line))?,
                "threshold" => c.threshold = float()?,
                "bands" => c.bands = opt()?,
                "rows" => c.rows = opt()?,
                "false_negative_weight" => c.false_negative_weight = Some(float()?),
                "min_passage_tokens" => c.min_passage_tokens = int()?,
                "find_repeats" => c.find_repeats = flag()?,
                "max_group" => c.max_group = int()?,
                "passage_reuse" => c.passage_reuse = flag()?,
                "fingerprint_tokens" => c.fingerprint_tokens = opt()?,
                "boilerplate_docs" => c.boilerplate_docs = int()?,
                "seed_tokens" => c.seed_tokens = int()?,
                "max_gap" => c.max_gap = int()?,
                _ => return Err(bad(line)),
            }
        }
        Ok(DetectorBuilder { settings: c })
    }
}

/// Builds a [`Detector`]. Every setter takes and returns the builder by value; all checks
/// happen in [`DetectorBuilder::build`].
///
/// ```
/// let det = neardup::Detector::builder()
///     .shingle_size(5)
///     .num_hashes(128)
///     .threshold(0.8)
///     .min_passage_tokens(25)
///     .build()?;
/// assert_eq!(det.layout().bands() * det.layout().rows() <= 128, true);
/// let bad = neardup::Detector::builder().threshold(1.5).build().unwrap_err();
/// assert_eq!(bad.to_string(), "invalid value for 'threshold': expected 0 < t <= 1, got 1.5");
/// # Ok::<(), neardup::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct DetectorBuilder {
    settings: Settings,
}

impl DetectorBuilder {
    /// Tokens per shingle, 1 to 64. Default 5. Smaller finds looser similarity (shared
    /// vocabulary), larger demands shared phrasing.
    pub fn shingle_size(mut self, k: usize) -> DetectorBuilder {
        self.settings.shingle_size = k;
        self
    }

    /// MinHash hash functions, 1 to 4096. Default 128. More hashes estimate Jaccard more
    /// tightly (standard error `sqrt(J(1-J)/k)`) and cost proportionally more to sign.
    pub fn num_hashes(mut self, k: usize) -> DetectorBuilder {
        self.settings.num_hashes = k;
        self
    }

    /// MinHash seed. Default [`minhash::DEFAULT_SEED`]. Signatures made with other seeds
    /// are not comparable.
    pub fn seed(mut self, seed: u64) -> DetectorBuilder {
        self.settings.seed = seed;
        self
    }

    /// The Jaccard similarity of shingle sets at or above which two documents are
    /// near-duplicates, `0 < t <= 1`. Default 0.8. Picks LSH bands x rows unless both
    /// [`bands`](DetectorBuilder::bands) and [`rows`](DetectorBuilder::rows) are set.
    pub fn threshold(mut self, t: f64) -> DetectorBuilder {
        self.settings.threshold = t;
        self
    }

    /// LSH bands; set together with [`rows`](DetectorBuilder::rows), `bands x rows <= num_hashes`.
    pub fn bands(mut self, b: usize) -> DetectorBuilder {
        self.settings.bands = Some(b);
        self
    }

    /// LSH rows per band; set together with [`bands`](DetectorBuilder::bands).
    pub fn rows(mut self, r: usize) -> DetectorBuilder {
        self.settings.rows = Some(r);
        self
    }

    /// How much a missed pair weighs against a needless candidate when bands x rows are
    /// chosen from the threshold, `0 < w < 1`. Default 0.95 (see
    /// [`lsh::DEFAULT_FALSE_NEGATIVE_WEIGHT`]), and 0.999 without passage search
    /// ([`lsh::FALSE_NEGATIVE_WEIGHT_WITHOUT_PASSAGES`]); 0.5 is datasketch's choice.
    pub fn false_negative_weight(mut self, w: f64) -> DetectorBuilder {
        self.settings.false_negative_weight = Some(w);
        self
    }

    /// The shortest passage reported, in tokens, at least 1. Default 25 (about two lines
    /// of prose: long enough that chance matches of common phrases are rare).
    pub fn min_passage_tokens(mut self, m: usize) -> DetectorBuilder {
        self.settings.min_passage_tokens = m;
        self
    }

    /// Whether to search every document for passages repeated inside it. Default true.
    pub fn find_repeats(mut self, yes: bool) -> DetectorBuilder {
        self.settings.find_repeats = yes;
        self
    }

    /// The largest group of documents sharing one LSH band key whose pairs are all
    /// checked, at least 2. Default 200. In a larger group (many near-copies of one text)
    /// the first `n` documents are checked pairwise and the first against each later one.
    /// The group still forms one cluster, but pairs among the later members are not
    /// listed. (Identical copies never reach this stage: each is paired with the first
    /// copy of its bytes.)
    pub fn max_group(mut self, n: usize) -> DetectorBuilder {
        self.settings.max_group = n;
        self
    }

    /// Whether to look for passages shared by documents that are not near-duplicates
    /// (quotes, syndicated leads, pasted press releases). Default true. See
    /// [`crate::reuse`] for the guarantee.
    ///
    /// Off, a run keeps the band keys (8 bytes a band: 168 for the 21 bands it chooses
    /// for threshold 0.8) instead of about 10 bytes per token, and skips the fingerprint
    /// stage; it loses every reuse pair and passage group across
    /// documents (repeats inside documents stay). Shared passages also reveal
    /// near-duplicate pairs that the LSH index missed
    /// ([`Summary::pairs_from_passages`](crate::report::Summary::pairs_from_passages)
    /// counts them; for 16 bands x 8 rows a pair at Jaccard 0.8 is missed by the index
    /// with probability 0.053), so without them the layout is chosen to miss fewer
    /// (unless the bands and rows or the weight are given: see
    /// [`false_negative_weight`](DetectorBuilder::false_negative_weight)).
    pub fn passage_reuse(mut self, yes: bool) -> DetectorBuilder {
        self.settings.passage_reuse = yes;
        self
    }

    /// The length t in tokens of the shortest exact shared run that passage reuse is
    /// guaranteed to find between any two documents (see [`crate::reuse`]), at least 2.
    /// Default: `min_passage_tokens`, so every exact passage that is reported at all is
    /// found. Fingerprints are windows of ⌈t/2⌉ tokens winnowed ⌈(t - ⌈t/2⌉)/2⌉ at a time
    /// ([`reuse::layout`]): about 2 / (w + 1) per token (0.29 for t = 25), 12 bytes each.
    /// Smaller finds more heavily edited passages and keeps more fingerprints.
    pub fn fingerprint_tokens(mut self, t: usize) -> DetectorBuilder {
        self.settings.fingerprint_tokens = Some(t);
        self
    }

    /// A fingerprint held by more than this many documents is boilerplate: it proposes
    /// no pair and seeds no passage (a passage seeded elsewhere still runs through it),
    /// at least 2. Default 50. Documents are counted as distinct texts (identical copies
    /// once). A document that holds some boilerplate also counts, by containment, the
    /// windows near the ends of that text that it did not pick (winnowing picks such a
    /// window of a footer in some documents and not in others), a step at a time: the
    /// text common at it, then the text that turns common at each later document
    /// ([`Detector::passage_windows`]). A window that more than this many documents hold
    /// or count is boilerplate too.
    pub fn boilerplate_docs(mut self, n: usize) -> DetectorBuilder {
        self.settings.boilerplate_docs = n;
        self
    }

    /// The shortest exact run chained into an edit-tolerant passage, at least 1.
    /// Default 5 (capped at `min_passage_tokens`).
    pub fn seed_tokens(mut self, n: usize) -> DetectorBuilder {
        self.settings.seed_tokens = n;
        self
    }

    /// The widest gap, in tokens on either side, between two exact runs of one passage.
    /// Default 12; 0 reports exact passages only.
    pub fn max_gap(mut self, n: usize) -> DetectorBuilder {
        self.settings.max_gap = n;
        self
    }

    /// Checks every setting and makes the detector.
    pub fn build(self) -> Result<Detector, Error> {
        let mut c = self.settings;
        if !(1..=shingle::MAX_SHINGLE_SIZE).contains(&c.shingle_size) {
            return Err(Error::invalid(
                "shingle_size",
                format!("1 <= k <= {}", shingle::MAX_SHINGLE_SIZE),
                c.shingle_size,
            ));
        }
        let hasher = MinHasher::new(c.num_hashes, c.seed)?;
        lsh::check_threshold(c.threshold)?;
        // Checked even when bands and rows are given and the weight goes unused.
        let w = c.false_negative_weight();
        if !(w > 0.0 && w < 1.0) {
            return Err(Error::invalid("false_negative_weight", "0 < w < 1", w));
        }
        // A built detector's settings say the weight its layout was chosen with.
        c.false_negative_weight = Some(w);
        let lsh = match (c.bands, c.rows) {
            (Some(b), Some(r)) => lsh::Layout::new(b, r, c.num_hashes)?,
            (None, None) => lsh::Layout::for_threshold_weighted(c.threshold, c.num_hashes, w)?,
            (Some(_), None) => {
                return Err(Error::invalid("rows", "a value when bands is set", "none"));
            }
            (None, Some(_)) => {
                return Err(Error::invalid("bands", "a value when rows is set", "none"));
            }
        }
        .with_seed(c.seed);
        let aligner = Aligner::new(c.min_passage_tokens)?;
        // Lengths in tokens beyond these are never useful, and would overflow the
        // arithmetic that derives windows from them.
        for (name, value) in [
            ("min_passage_tokens", c.min_passage_tokens),
            ("fingerprint_tokens", c.fingerprint_tokens.unwrap_or(2)),
            ("seed_tokens", c.seed_tokens),
            ("max_gap", c.max_gap),
        ] {
            if value > MAX_TOKENS {
                return Err(Error::invalid(name, format!("n <= {MAX_TOKENS}"), value));
            }
        }
        if c.max_group < 2 {
            return Err(Error::invalid("max_group", "2 <= n", c.max_group));
        }
        if let Some(t) = c.fingerprint_tokens.filter(|&t| t < 2) {
            return Err(Error::invalid("fingerprint_tokens", "2 <= t", t));
        }
        if c.boilerplate_docs < 2 {
            return Err(Error::invalid(
                "boilerplate_docs",
                "2 <= n",
                c.boilerplate_docs,
            ));
        }
        if c.seed_tokens == 0 {
            return Err(Error::invalid("seed_tokens", "1 <= n", c.seed_tokens));
        }
        Ok(Detector {
            settings: c,
            hasher,
            lsh,
            aligner,
        })
    }
}

/// Finds near-duplicate documents and repeated passages in a [`Corpus`].
///
/// ```
/// let mut corpus = neardup::Corpus::new();
/// let story = "the river rose overnight and by morning the old mill road was under \
///              water so the school bus took the long way round past the quarry";
/// corpus.add("a.txt", story);
/// corpus.add("b.txt", story.replace("quarry", "Quarry!"));
/// corpus.add("c.txt", "an unrelated note about baking bread with rye flour");
/// let report = neardup::Detector::builder().min_passage_tokens(10).build()?.run(&corpus);
/// let pair = report.pairs().next().unwrap();
/// assert_eq!((pair.a.index(), pair.b.index(), pair.jaccard), (0, 1, 1.0));
/// assert_eq!(pair.passages()[0].tokens, 26);
/// # Ok::<(), neardup::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Detector {
    settings: Settings,
    hasher: MinHasher,
    lsh: lsh::Layout,
    aligner: Aligner,
}

/// Working buffers of [`Detector::index_keys`], reused from one text to the next.
#[cfg(feature = "index")]
#[derive(Default)]
pub(crate) struct IndexScratch {
    hashes: Vec<u64>,
    spans: Vec<(u32, u32)>,
    winnowing: (Vec<u64>, Vec<(u64, u32)>),
    shingles: Vec<u64>,
    windows: WindowScratch,
    folded: Vec<u32>,
}

/// Working buffers of stage 1, reused from one document to the next.
#[derive(Default)]
struct Scratch {
    /// The text, when it is read from disk.
    text: Vec<u8>,
    hashes: Vec<u64>,
    spans: Vec<(u32, u32)>,
    /// Fingerprint windows and winnowing picks, for [`Fingerprints::picked_in`].
    fingerprints: (Vec<u64>, Vec<(u64, u32)>),
    /// Hash slots seen, for [`Fingerprints::picked_in`].
    seen: Vec<u64>,
    /// Shingle hashes, for signing and repeats.
    shingles: Vec<u64>,
    /// Folded shingle hashes, for signing.
    folded: Vec<u32>,
    /// Window keys, for repeats.
    windows: WindowScratch,
}

/// For every document, the first document with the same bytes (itself when none
/// before it has them): texts are grouped by their xxh3 hash, then compared.
fn first_copies(corpus: &Corpus) -> Vec<usize> {
    let mut order: Vec<(u64, usize)> = corpus
        .iter()
        .filter(|(_, d)| d.is_ok())
        .map(|(id, d)| (d.hash(), id.index()))
        .collect();
    order.sort_unstable();
    let mut first: Vec<usize> = (0..corpus.len()).collect();
    let text = |i| corpus.text(DocId::from_index(i));
    for group in order.chunk_by(|x, y| x.0 == y.0) {
        if group.len() == 1 {
            continue;
        }
        // Earliest first; a copy joins the earliest text it equals (hash collisions
        // between different texts leave them apart).
        let texts: Vec<_> = group.iter().map(|&(_, i)| text(i)).collect();
        for (k, &(_, i)) in group.iter().enumerate() {
            if let Some(&(_, j)) = group[..k]
                .iter()
                .zip(&texts)
                .find(|&(&(_, j), t)| first[j] == j && *t == texts[k])
                .map(|(x, _)| x)
            {
                first[i] = j;
            }
        }
    }
    first
}

/// What stage 1 keeps of a document.
#[derive(Default)]
struct Signed {
    tokens: usize,
    /// From the first token's first byte to the last token's last byte.
    whole: Span,
    band_keys: Box<[u64]>,
    /// For passage search (empty when it is off).
    reuse: Reusable,
    /// The positions of its fingerprints, kept with the texts in memory until its long
    /// fingerprints are made (4 bytes a pick: each hash is made again from the tokens,
    /// for less than picking them again costs).
    pick_positions: Box<[u32]>,
    repeats: Vec<RepeatedPassage>,
}

impl Signed {
    /// What a copy of this text keeps: a copy takes no part in LSH or passage search,
    /// so it costs its repeats alone, not the signature and fingerprints again.
    fn for_copy(&self) -> Signed {
        Signed {
            tokens: self.tokens,
            whole: self.whole,
            repeats: self.repeats.clone(),
            ..Signed::default()
        }
    }
}

/// A text as [`Detector::check_pair`] checks it: its tokens and its shingle set, made
/// once for all the pairs it is in.
#[cfg_attr(not(feature = "index"), allow(dead_code))]
pub(crate) struct Checked<'t> {
    bytes: Cow<'t, [u8]>,
    tokens: DocTokens<'static>,
    /// `None` for a text with no token.
    set: Option<ShingleSet>,
}

#[cfg_attr(not(feature = "index"), allow(dead_code))]
impl<'t> Checked<'t> {
    /// `bytes` tokenized and shingled as `detector` does.
    pub(crate) fn new(detector: &Detector, bytes: impl Into<Cow<'t, [u8]>>) -> Checked<'t> {
        let bytes = bytes.into();
        let tokens = DocTokens::new(&bytes);
        let k = detector.settings.shingle_size;
        let set = (!tokens.hashes.is_empty())
            .then(|| ShingleSet::from_hashes(shingle::shingles(&tokens.hashes, k).collect()));
        Checked { bytes, tokens, set }
    }

    fn text(&self) -> (&[u8], &DocTokens<'static>) {
        (&self.bytes, &self.tokens)
    }
}

impl Detector {
    /// A builder with every setting at its default.
    pub fn builder() -> DetectorBuilder {
        DetectorBuilder::default()
    }

    /// The same detector without passage search and repeats: near-duplicate pairs only.
    pub(crate) fn near_duplicates_only(&self) -> Detector {
        let mut d = self.clone();
        // The same layout: the weight it was chosen with stays.
        d.settings.false_negative_weight = Some(self.settings.false_negative_weight());
        d.settings.passage_reuse = false;
        d.settings.find_repeats = false;
        d
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The LSH layout in use.
    pub fn layout(&self) -> &lsh::Layout {
        &self.lsh
    }

    /// The MinHash hasher in use.
    pub fn hasher(&self) -> &MinHasher {
        &self.hasher
    }

    /// The signature of one text, as [`Detector::run`] computes it. `None` when the text
    /// has no token.
    pub fn sign(&self, bytes: &[u8]) -> Option<Signature> {
        let mut tokens = Vec::new();
        text::tokenize_into(bytes, &mut tokens);
        self.sign_tokens(&tokens)
    }

    /// What the persistent index keeps and answers of one text, from one tokenization:
    /// its band keys (none for a text with no token), its passage fingerprints (none
    /// without passage search) and the passages it repeats (none unless `find_repeats`),
    /// as [`sign`](Detector::sign), [`Fingerprints::new`] and
    /// [`repeats`](Detector::repeats) give them. `scratch` is working space reused
    /// across texts.
    #[cfg(feature = "index")]
    pub(crate) fn index_keys(
        &self,
        text: &[u8],
        scratch: &mut IndexScratch,
    ) -> (Vec<u64>, Fingerprints, Vec<RepeatedPassage>) {
        let IndexScratch {
            hashes,
            spans,
            winnowing,
            shingles,
            windows,
            folded,
        } = scratch;
        passages::tokenize_into(text, hashes, spans);
        if hashes.is_empty() {
            return Default::default();
        }
        let tokens = DocTokens::borrowed(hashes, spans);
        let (sig, repeats) = self.signature_and_repeats(text, &tokens, (shingles, folded, windows));
        let bands = self.lsh.keys_of(&sig).collect();
        let prints = if self.settings.passage_reuse {
            let (f, w) = self.fingerprint_layout();
            Fingerprints::new_in(hashes, f, w, winnowing)
        } else {
            Fingerprints::default()
        };
        (bands, prints, repeats)
    }

    /// The long fingerprints of a text whose token hashes are `tokens`, given the
    /// ascending `positions` of the common fingerprints it picked (those common by
    /// their pickers, or turning common, in the persistent index): every long window
    /// ([`reuse::long_layout`]) over their runs and near their ends, as a batch run takes
    /// them ([`Fingerprints::around_boilerplate`]). None where long windows are no longer
    /// than the others (`fingerprint_tokens` of 127 or more: both are cut to 64 tokens).
    #[cfg(feature = "index")]
    pub(crate) fn long_fingerprints(&self, tokens: &[u64], positions: &[u32]) -> Fingerprints {
        let long = reuse::long_layout(self.fingerprint_tokens()).0;
        Fingerprints::long_at(tokens, positions, self.fingerprint_layout(), long)
    }

    /// The hashes of every fingerprint window of a text whose token hashes are `tokens`,
    /// in order: the windows that winnowing picks fingerprints from, so that a
    /// fingerprint's position is its window's index here.
    pub(crate) fn windows_of(&self, tokens: &[u64]) -> Vec<u64> {
        let mut windows = Vec::new();
        reuse::windows_into(tokens, self.fingerprint_layout().0, &mut windows);
        windows
    }

    /// The token hashes of `text`.
    pub(crate) fn token_hashes(text: &[u8]) -> Vec<u64> {
        let mut hashes = Vec::new();
        passages::token_hashes_into(text, &mut hashes);
        hashes
    }

    fn sign_tokens(&self, tokens: &[Token]) -> Option<Signature> {
        if tokens.is_empty() {
            return None;
        }
        Some(
            self.hasher
                .sign(shingle::shingles(tokens, self.settings.shingle_size)),
        )
    }

    /// Compares two texts as [`run`](Detector::run) checks a near-duplicate candidate: the
    /// exact and the estimated Jaccard, whether they are near-duplicates, whether the LSH
    /// index would propose them, and the passages of the two whole texts. The settings of
    /// passage search across a corpus (`passage_reuse`, `fingerprint_tokens`,
    /// `boilerplate_docs`, `max_group`) play no part: two texts are always aligned whole.
    ///
    /// ```
    /// let det = neardup::Detector::builder().min_passage_tokens(8).build()?;
    /// let a = "the ferry leaves the harbour at six and returns from the island at ten";
    /// let b = "the ferry leaves the harbour at seven and returns from the island at ten";
    /// let c = det.compare(a.as_bytes(), b.as_bytes());
    /// assert!(c.jaccard < 0.8 && !c.near_duplicate);
    /// // 14 words, 10 shingles of 5 each; the 5 over the changed word differ: 5 of 15 shared.
    /// assert!((c.jaccard - 1.0 / 3.0).abs() < 1e-9);
    /// // One passage over the whole sentence, with the changed word inside it.
    /// assert_eq!((c.passages.len(), c.passages[0].tokens, c.passages[0].differing), (1, 13, 1));
    /// # Ok::<(), neardup::Error>(())
    /// ```
    pub fn compare(&self, a: &[u8], b: &[u8]) -> Comparison {
        let (mut ta, mut tb) = (Vec::new(), Vec::new());
        text::tokenize_into(a, &mut ta);
        text::tokenize_into(b, &mut tb);
        let k = self.settings.shingle_size;
        let jaccard = if ta.is_empty() || tb.is_empty() {
            0.0
        } else {
            ShingleSet::new(&ta, k).jaccard(&ShingleSet::new(&tb, k))
        };
        let (estimated_jaccard, candidate) = match (self.sign_tokens(&ta), self.sign_tokens(&tb)) {
            (Some(x), Some(y)) => (
                x.jaccard(&y).unwrap_or(0.0),
                self.lsh
                    .keys_of(&x)
                    .zip(self.lsh.keys_of(&y))
                    .any(|(p, q)| p == q),
            ),
            _ => (0.0, false),
        };
        Comparison {
            jaccard,
            estimated_jaccard,
            near_duplicate: jaccard >= self.settings.threshold,
            candidate,
            passages: self.shared_passages(a, b),
        }
    }

    /// What a batch run finds for a candidate pair of texts (`a` the earlier): the exact
    /// Jaccard, and the passages, all of them for a near-duplicate, those around
    /// `anchors` (positions of shared fingerprints, in `a` and `b`) otherwise. The index
    /// checks its candidates with it, so that its answers are a batch run's; a text
    /// checked against several others is made [`Checked`] once.
    #[cfg_attr(not(feature = "index"), allow(dead_code))]
    pub(crate) fn check_pair(
        &self,
        a: &Checked,
        b: &Checked,
        anchors: &[(usize, usize)],
    ) -> (f64, Vec<Passage>) {
        let jaccard = match (&a.set, &b.set) {
            (Some(x), Some(y)) => x.jaccard(y),
            _ => 0.0,
        };
        if jaccard >= self.settings.threshold {
            return (jaccard, self.shared_of(a.text(), b.text()));
        }
        if anchors.is_empty() {
            return (jaccard, Vec::new());
        }
        let anchors = anchors.iter().copied();
        (jaccard, self.passages_between(a.text(), b.text(), anchors))
    }

    /// The passages repeated inside one text, verified, sorted by first copy.
    pub fn repeats(&self, bytes: &[u8]) -> Vec<RepeatedPassage> {
        let tokens = DocTokens::new(bytes);
        self.repeats_of(bytes, &tokens, &mut WindowScratch::default(), None)
    }

    /// The signature and (with `find_repeats`) the repeats of a text whose tokens are
    /// made, at least one, with working space: its shingle hashes are made once, for
    /// the signature and as the keys of the search for repeats (see
    /// [`Aligner::repeat_chains_in`]). Stage 1 of a run and the persistent index take
    /// both from here.
    fn signature_and_repeats(
        &self,
        bytes: &[u8],
        tokens: &DocTokens,
        (shingles, folded, windows): (&mut Vec<u64>, &mut Vec<u32>, &mut WindowScratch),
    ) -> (Signature, Vec<RepeatedPassage>) {
        shingles.clear();
        let k = self.settings.shingle_size;
        crate::shingle::extend_shingles(shingles, &tokens.hashes, k, |h| h);
        let repeats = if self.settings.find_repeats {
            self.repeats_of(bytes, tokens, windows, Some(shingles))
        } else {
            Vec::new()
        };
        let sig = self.hasher.sign_in(shingles.iter().copied(), folded);
        (sig, repeats)
    }

    /// The repeats in a text whose tokens are made, given the hashes of its shingles when
    /// they are made (see [`Aligner::repeat_chains_in`]).
    fn repeats_of(
        &self,
        bytes: &[u8],
        tokens: &DocTokens,
        windows: &mut WindowScratch,
        shingles: Option<&[u64]>,
    ) -> Vec<RepeatedPassage> {
        let (m, c) = (self.aligner.min_tokens(), &self.settings);
        let keys = shingles.map(|s| (c.shingle_size, s));
        let mut out = Vec::new();
        let t = &tokens.hashes;
        for chain in self
            .aligner
            .repeat_chains_in(t, c.seed_tokens, c.max_gap, windows, keys)
        {
            let spans = tokens.spans();
            let span = |i: usize| spans.span(i);
            let Some(v) = verified_chain((bytes, span), (bytes, span), &chain, c.seed_tokens, m)
            else {
                continue;
            };
            out.push(RepeatedPassage {
                first: v.a,
                again: v.b,
                tokens: v.tokens,
                differing: v.differing,
            });
        }
        out.sort_unstable();
        out
    }

    /// The passages two texts share, verified, by position in `a`.
    pub fn shared_passages(&self, a: &[u8], b: &[u8]) -> Vec<Passage> {
        self.shared_of((a, &DocTokens::new(a)), (b, &DocTokens::new(b)))
    }

    /// Shared passages of two whole documents.
    fn shared_of(
        &self,
        (a, ta): (&[u8], &DocTokens),
        (b, tb): (&[u8], &DocTokens),
    ) -> Vec<Passage> {
        let (m, c) = (self.aligner.min_tokens(), &self.settings);
        self.aligner
            .chains(&ta.hashes, &tb.hashes, c.seed_tokens, c.max_gap)
            .iter()
            .filter_map(|chain| {
                let (sa, sb) = (ta.spans(), tb.spans());
                let (sa, sb) = (|i: usize| sa.span(i), |j: usize| sb.span(j));
                verified_chain((a, sa), (b, sb), chain, c.seed_tokens, m)
            })
            .collect()
    }

    /// Runs every stage over `corpus`. Skipped documents are reported as such, any bytes
    /// are accepted.
    ///
    /// # Panics
    ///
    /// Only for a corpus whose texts are on disk ([`Corpus::on_disk`]), when its own
    /// temporary file, or the one the run writes passage fingerprints to beside it,
    /// cannot be read back (an I/O error of the disk under it, or the file changed by
    /// another process); see [`Corpus::text`].
    pub fn run<'c>(&self, corpus: &'c Corpus) -> Report<'c> {
        self.run_with_progress(corpus, &Progress::new())
    }

    /// [`run`](Detector::run), counting its stages and items in `progress` for another
    /// thread to show.
    ///
    /// A run that another thread [cancels](Progress::cancel) stops early and returns an
    /// incomplete report; [`try_run_with_progress`](Detector::try_run_with_progress)
    /// returns an error instead.
    pub fn run_with_progress<'c>(&self, corpus: &'c Corpus, progress: &Progress) -> Report<'c> {
        let n = corpus.len();
        let text = |i: usize| corpus.text(DocId::from_index(i));
        // A corpus on disk keeps no tokens between stages: they are made again from the
        // text where needed, so that memory holds no text-sized data per document.
        let keep = !corpus.is_on_disk();
        // Identical texts go through stage 1 once: the other copies take the first one's
        // result (a crawl holds many copies of one page).
        let first = first_copies(corpus);
        let distinct: Vec<usize> = (0..n).filter(|&i| first[i] == i).collect();
        progress.start(Stage::Signing, distinct.len());
        let doc_bits = reuse::doc_bits(n);
        // Passage fingerprints go to grouping rows as each block of documents is signed
        // (on disk when the texts are), so that no document holds its own.
        let dir = corpus.spill_dir().filter(|_| self.settings.passage_reuse);
        let mut rows = PrintRows::new(doc_bits, dir);
        let bytes_of = |docs: &[usize]| -> u64 {
            docs.iter()
                .map(|&i| corpus.get(DocId::from_index(i)).len())
                .sum()
        };
        let mut signed: Vec<Signed> = Vec::with_capacity(n);
        // A block's rows are added (on one thread) while the next block is signed.
        let mut last: &[usize] = &[];
        for block in distinct.chunks(SIGN_BLOCK).chain([&[][..]]) {
            let added = signed.len() - last.len();
            let ((), done) = crate::par::join(
                || {
                    for (s, &i) in signed[added..].iter_mut().zip(last) {
                        let picks = std::mem::take(&mut s.reuse.picks);
                        if keep {
                            s.pick_positions = picks.iter().map(|p| p.1).collect();
                        }
                        rows.add(i as u32, picks);
                    }
                    if added == 0 {
                        rows.reserve_like(bytes_of(last), bytes_of(&distinct));
                    }
                },
                || {
                    crate::par::map_init(block, Scratch::default, |s, &i| {
                        self.sign_one(corpus, keep, s, i, progress)
                    })
                },
            );
            signed.extend(done);
            last = block;
        }
        rows.shrink();
        progress.start(Stage::Indexing, 0);
        // Spread in place to one entry per document (a distinct text's entry k moves to
        // its document i >= k, from the last), then copies take their first copy's.
        signed.reserve_exact(n - signed.len());
        signed.resize_with(n, Signed::default);
        for (k, &i) in distinct.iter().enumerate().rev() {
            signed.swap(k, i);
        }
        for i in 0..n {
            if first[i] != i {
                signed[i] = signed[first[i]].for_copy();
            }
        }
        drop(distinct);

        // Passage candidates: which documents share which fingerprints. Copies of a
        // text took no part: their first copy stands for them.
        let (index, common) = if self.settings.passage_reuse {
            let max = self.settings.boilerplate_docs;
            // Documents that hold common text take long fingerprints over it (beside
            // their own, less the boilerplate ones), so that a run of common text that
            // few documents hold in that order is still caught.
            // The rows are grouped once: the groups that are not boilerplate are kept
            // for the index, which groups only the long rows added below (and the
            // first rows of any key that both hold, with them).
            let (common, around, groups) = Boilerplate::of_rows_grouped(&rows, n, max);
            let layout = self.fingerprint_layout();
            let long = reuse::long_layout(self.fingerprint_tokens());
            // The kept token hashes of document `d`, or made again from its text (into
            // working space, when the texts are on disk). Tokens are kept until the index
            // is built (those of the documents in no candidate pair are freed then):
            // freed here and made again for a pair later, they cost more time than the
            // memory they would save.
            let with_hashes = |d: usize, scratch: &mut Vec<u64>, f: &mut dyn FnMut(&[u64])| {
                if signed[d].reuse.is_kept() {
                    f(signed[d].reuse.hashes())
                } else {
                    token_hashes_into(&text(d), scratch);
                    f(scratch)
                }
            };
            let around_docs: Vec<usize> = (0..n).filter(|&d| around[d]).collect();
            let mut long_rows = PrintRows::new(doc_bits, dir);
            // As in stage 1, a block's rows are added while the next one is made. Each
            // document's long fingerprints are taken around the positions of the
            // boilerplate among its first fingerprints (the positions of stage 1's
            // picks, kept with the texts in memory, or picked again from its tokens: the
            // grouping keeps no positions). Winnowing selects a window at the edge of
            // common text in some of the documents that hold it and not in others: each
            // document that holds common text counts the windows at its edges by
            // containment, a step at a time (`reuse::contained_at`), made in the same
            // pass. Every long window
            // there is selected.
            // The windows each counts, by its place in `around_docs` (an entry for
            // every document would cost 16 B each in a corpus of millions).
            let mut contained: Vec<Box<[u64]>> = Vec::with_capacity(around_docs.len());
            // Each document's long fingerprints (in position order) and the windows it
            // counts.
            type Made = (Vec<(u64, u32)>, Box<[u64]>);
            let (mut last, mut made): (&[usize], Vec<Made>) = (&[], Vec::new());
            for block in around_docs.chunks(SIGN_BLOCK).chain([&[][..]]) {
                let ((), next) = crate::par::join(
                    || {
                        for (&d, (f, edges)) in last.iter().zip(&mut made) {
                            long_rows.add(d as u32, std::mem::take(f));
                            contained.push(std::mem::take(edges));
                        }
                    },
                    || {
                        crate::par::map_init(block, Scratch::default, |scratch, &d| {
                            let mut out = Default::default();
                            if progress.is_cancelled() {
                                return out;
                            }
                            let Scratch {
                                hashes,
                                fingerprints,
                                seen,
                                ..
                            } = scratch;
                            with_hashes(d, hashes, &mut |h| {
                                let (size, w) = layout;
                                // Only the windows picked and those near the edges of
                                // common text are wanted: hashed from the tokens.
                                let windows = reuse::TokenWindows::new(h, size);
                                // Stage 1's picks (their positions kept with the tokens),
                                // or picked again.
                                let own = match &signed[d].pick_positions {
                                    kept if !kept.is_empty() => (kept.iter())
                                        .map(|&p| (windows.hash_at(p as usize), p))
                                        .collect(),
                                    _ => Fingerprints::picked_in(h, size, w, fingerprints, seen),
                                };
                                let at = reuse::common_picks(&own, &common);
                                let edges = reuse::contained_at(&windows, &own, &at, d as u64, w);
                                let at: Vec<u32> = at.iter().map(|c| c.at).collect();
                                out = (
                                    Fingerprints::long_picked_at(h, &at, layout, long.0, seen),
                                    edges.into(),
                                );
                            });
                            out
                        })
                    },
                );
                (last, made) = (block, next);
            }
            long_rows.shrink();
            // The picks' positions are needed no more.
            for s in &mut signed {
                s.pick_positions = Box::default();
            }
            let windows = |d: usize, out: &mut Vec<u64>| {
                if let Ok(k) = around_docs.binary_search(&d) {
                    out.extend_from_slice(&contained[k]);
                }
            };
            let first = (groups, rows, &common);
            let index = FingerprintIndex::build_with(first, long_rows, n, max, Some(&windows));
            (index, common)
        } else {
            drop(rows);
            Default::default()
        };
        // Near-duplicate candidates: pairs that share a band key.
        let mut band_keys: Vec<Box<[u64]>> = Vec::with_capacity(n);
        let mut stats = Vec::with_capacity(signed.len());
        let mut repeats = Vec::new();
        let mut kept: Vec<Reusable> = Vec::with_capacity(signed.len());
        let mut copies = Vec::new();
        for (i, s) in signed.into_iter().enumerate() {
            if first[i] != i && s.tokens > 0 {
                copies.push(self.identical_pair(first[i], i, s.tokens, s.whole));
            }
            stats.push(DocumentStats { tokens: s.tokens });
            if !s.repeats.is_empty() {
                repeats.push(Repeat {
                    doc: DocId::from_index(i),
                    passages: s.repeats,
                });
            }
            // Without passage search this is empty (no fingerprints, no sketch) until the
            // tokens of the documents in near-duplicate pairs are kept below.
            kept.push(s.reuse);
            band_keys.push(s.band_keys);
        }
        let near = self.pairs_sharing_a_key(&band_keys);
        drop(band_keys);

        // Tokens are kept for the documents in some candidate pair; the others free them.
        let mut wanted = vec![false; n];
        for &(a, b) in &near {
            wanted[a as usize] = true;
            wanted[b as usize] = true;
        }
        for (i, w) in wanted.iter_mut().enumerate() {
            *w |= index.shares_any(i as u32);
            if let (false, Some(k)) = (*w, kept.get_mut(i)) {
                k.release();
            }
        }
        if keep {
            self.keep_tokens(
                corpus,
                &first,
                &mut kept.iter_mut().collect::<Vec<_>>(),
                &wanted,
            );
        }

        // Every candidate pair checked once: the candidates of a block of documents are
        // listed in parallel, then checked in parallel a few pairs of one document at a
        // time (a document with many partners does not hold up one thread).
        let ids: Vec<u32> = (0..corpus.len() as u32).collect();
        let mut checked: Vec<(Option<Pair>, bool, bool)> = Vec::new();
        let mut passage_candidates = 0;
        progress.start(Stage::Checking, 0);
        for block in ids.chunks(CANDIDATE_BLOCK) {
            if progress.is_cancelled() {
                break;
            }
            let listed = crate::par::map(block, |&a| {
                let lo = near.partition_point(|p| p.0 < a);
                let hi = near.partition_point(|p| p.0 <= a);
                self.candidates_of(&index, a, &near[lo..hi])
            });
            let candidates: Vec<Candidate> = listed.into_iter().flatten().collect();
            passage_candidates += candidates.iter().filter(|c| !c.anchors.is_empty()).count();
            progress.add_total(candidates.len());
            // A corpus on disk reads and tokenizes the first document of a run of pairs
            // once for the run, the other of each pair for the pair: nothing text-sized
            // is held beyond the pairs being checked.
            let runs: Vec<&[Candidate]> = candidates
                .chunk_by(|x, y| x.a == y.a)
                .flat_map(|same_a| same_a.chunks(CHECK_RUN))
                .collect();
            let outcomes =
                crate::par::map(&runs, |run| self.check_run(corpus, &kept, run, progress));
            // Only the pairs found are kept (most passage candidates yield none).
            checked.extend(outcomes.into_iter().flatten().filter(|c| c.0.is_some()));
        }
        progress.start(Stage::Grouping, 0);
        // The kept tokens are freed on one thread while the pairs are grouped.
        let group = || {
            let mut pairs = Vec::new();
            let mut links = Vec::new();
            let mut reuse = Vec::new();
            let mut counts = Counts {
                candidate_pairs: near.len(),
                boilerplate_fingerprints: common.len() + index.boilerplate().len(),
                ..Counts::default()
            };
            counts.passage_candidates = passage_candidates;
            counts.identical_documents = copies.len();
            // A copy's pair was not found by passages: it counts as proposed directly.
            checked.extend(copies.into_iter().map(|p| (Some(p), true, false)));
            checked.sort_by_key(|c| c.0.as_ref().map(|p| (p.a, p.b)));
            {
                for (outcome, lsh, fingerprinted) in checked {
                    let Some(outcome) = outcome else { continue };
                    for p in &outcome.passages {
                        links.push((
                            Occurrence {
                                doc: outcome.a,
                                span: p.a,
                            },
                            Occurrence {
                                doc: outcome.b,
                                span: p.b,
                            },
                        ));
                    }
                    if fingerprinted && !outcome.passages.is_empty() {
                        counts.passage_candidates_with_passages += 1;
                    }
                    if outcome.jaccard_exact && outcome.jaccard >= self.settings.threshold {
                        if !lsh {
                            counts.pairs_from_passages += 1;
                        }
                        pairs.push(outcome);
                    } else if !outcome.passages.is_empty() {
                        reuse.push(outcome);
                    }
                }
            }
            for r in &repeats {
                for p in &r.passages {
                    let at = |span| Occurrence { doc: r.doc, span };
                    links.push((at(p.first), at(p.again)));
                }
            }
            let passage_groups = reuse::group_occurrences(&links);

            let mut uf = UnionFind::new(corpus.len());
            for p in &pairs {
                uf.union(p.a.as_u32(), p.b.as_u32());
            }
            let clusters = uf
                .groups()
                .into_iter()
                .map(|g| Cluster {
                    members: g
                        .into_iter()
                        .map(|i| DocId::from_index(i as usize))
                        .collect(),
                })
                .collect();
            (pairs, reuse, counts, passage_groups, clusters)
        };
        let ((), (pairs, reuse, counts, passage_groups, clusters)) =
            crate::par::join(move || drop(kept), group);
        progress.start(Stage::Done, 0);
        Report {
            corpus,
            stats,
            pairs,
            repeats,
            clusters,
            passage_groups,
            reuse,
            counts,
            detector: self.clone(),
        }
    }

    /// [`run_with_progress`](Detector::run_with_progress), or
    /// [`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled) when another thread
    /// [cancelled](Progress::cancel) the run before it finished.
    pub fn try_run_with_progress<'c>(
        &self,
        corpus: &'c Corpus,
        progress: &Progress,
    ) -> Result<Report<'c>, Error> {
        let report = self.run_with_progress(corpus, progress);
        if progress.is_cancelled() {
            return Err(Error::cancelled());
        }
        Ok(report)
    }

    /// The pairs of documents that share a band key, two bands at a time, in parallel (so
    /// that the rows sorted at once are two per document, whatever the number of
    /// threads); the same pairs as [`lsh::pairs_sharing_a_key`] over all rows.
    fn pairs_sharing_a_key(&self, band_keys: &[Box<[u64]>]) -> Vec<(u32, u32)> {
        let bands: Vec<usize> = (0..self.lsh.bands()).collect();
        let mut packed = Vec::new();
        for two in bands.chunks(2) {
            packed.extend(crate::par::map(two, |&band| {
                self.band_pairs(band_keys, band)
            }));
        }
        lsh::sorted_pairs(packed.concat())
    }

    /// The pairs of documents that share their key of band `band`, packed.
    fn band_pairs(&self, band_keys: &[Box<[u64]>], band: usize) -> Vec<u64> {
        let mut rows: Vec<(u64, u32)> = band_keys
            .iter()
            .enumerate()
            .filter_map(|(i, keys)| Some((*keys.get(band)?, i as u32)))
            .collect();
        let mut packed = Vec::new();
        lsh::packed_pairs_sharing_a_key(&mut rows, self.settings.max_group, &mut packed);
        packed
    }

    /// The pair of a document (`copy`) with the first document of identical bytes
    /// (`first`): Jaccard 1, and one passage from the first token to the last.
    fn identical_pair(&self, first: usize, copy: usize, tokens: usize, whole: Span) -> Pair {
        Pair {
            a: DocId::from_index(first),
            b: DocId::from_index(copy),
            jaccard: 1.0,
            jaccard_exact: true,
            passages: self.whole_passage(tokens, whole),
        }
    }

    /// The passage two copies of a text of `tokens` tokens, from the first token's first
    /// byte to the last one's last (`whole`), share: none when it is shorter than a
    /// passage.
    fn whole_passage(&self, tokens: usize, whole: Span) -> Vec<Passage> {
        if tokens < self.aligner.min_tokens() {
            return Vec::new();
        }
        vec![Passage {
            a: whole,
            b: whole,
            tokens,
            differing: 0,
        }]
    }

    /// The passages a copy of `text` shares with it, as a run reports them for two
    /// documents of identical bytes ([`whole_passage`](Detector::whole_passage)):
    /// `None` for a text without a token, whose copies a run pairs with nothing.
    #[cfg_attr(not(feature = "index"), allow(dead_code))]
    pub(crate) fn copy_passages(&self, text: &[u8]) -> Option<Vec<Passage>> {
        let tokens = DocTokens::new(text);
        let n = tokens.len().checked_sub(1)?;
        let whole = Span::new(tokens.span(0).start, tokens.span(n).end);
        Some(self.whole_passage(n + 1, whole))
    }

    /// The candidate pairs `(a, b)` with `b > a`: those in `near` (LSH candidates, sorted)
    /// and those that share fingerprints in a consistent order.
    fn candidates_of(
        &self,
        index: &FingerprintIndex,
        a: u32,
        near: &[(u32, u32)],
    ) -> Vec<Candidate> {
        let shared = index.shared_from(a);
        let mut by_b = shared.chunk_by(|x, y| x.b == y.b).peekable();
        let mut near = near.iter().map(|p| p.1).peekable();
        let mut out = Vec::new();
        loop {
            let (b, lsh, anchors) = match (near.peek(), by_b.peek()) {
                (None, None) => break,
                (Some(&x), Some(g)) if x == g[0].b => {
                    near.next();
                    (x, true, by_b.next().expect("peeked"))
                }
                (Some(&x), Some(g)) if x < g[0].b => (near.next().expect("peeked"), true, &[][..]),
                (Some(&x), None) => {
                    near.next();
                    (x, true, &[][..])
                }
                (_, Some(_)) => {
                    let g = by_b.next().expect("peeked");
                    (g[0].b, false, g)
                }
            };
            let anchors = self.passage_anchors(anchors);
            if lsh || !anchors.is_empty() {
                out.push(Candidate { a, b, lsh, anchors });
            }
        }
        out
    }

    /// Keeps the token hashes of every document that is `wanted` and has none yet: made
    /// once per distinct text (copies share them), in parallel.
    fn keep_tokens(
        &self,
        corpus: &Corpus,
        first: &[usize],
        items: &mut [&mut Reusable],
        wanted: &[bool],
    ) {
        let n = corpus.len();
        let mut need = vec![false; n];
        for i in 0..n {
            if wanted[i] && !items[i].is_kept() {
                need[first[i]] = true;
            }
        }
        let todo: Vec<usize> = (0..n).filter(|&i| need[i]).collect();
        let made = crate::par::map(&todo, |&i| {
            passages::token_hashes(&corpus.text(DocId::from_index(i)))
        });
        let mut by_first: Vec<Option<std::sync::Arc<[u64]>>> = vec![None; n];
        for (&i, h) in todo.iter().zip(made) {
            by_first[i] = Some(h);
        }
        for i in 0..n {
            if let Some(h) = &by_first[first[i]]
                && wanted[i]
                && !items[i].is_kept()
            {
                items[i].keep(h.clone(), None);
            }
        }
    }

    /// The fingerprint length, in tokens, and the winnowing window.
    pub(crate) fn fingerprint_layout(&self) -> (usize, usize) {
        reuse::layout(self.fingerprint_tokens())
    }

    fn fingerprint_tokens(&self) -> usize {
        self.settings.fingerprint_tokens()
    }

    /// Stage 1 of document `i` of the run (nothing once the run is cancelled). With
    /// `keep`, its token hashes and spans are kept for the passage stage (released once
    /// the passage index is built for the documents in no candidate pair) rather than
    /// made again: making them costs more than holding them.
    fn sign_one(
        &self,
        corpus: &Corpus,
        keep: bool,
        s: &mut Scratch,
        i: usize,
        progress: &Progress,
    ) -> Signed {
        if progress.is_cancelled() {
            return Signed::default();
        }
        let ok = corpus.get(DocId::from_index(i)).is_ok();
        let mut buf = std::mem::take(&mut s.text);
        let mut signed = self.stage_one(s, corpus.text_in(DocId::from_index(i), &mut buf), ok);
        if keep && self.settings.passage_reuse && signed.tokens > 0 {
            let spans = Some(passages::PackedSpans::new(&s.spans));
            signed.reuse.keep(s.hashes.as_slice().into(), spans);
        }
        s.text = buf;
        progress.add(1);
        signed
    }

    fn stage_one(&self, scratch: &mut Scratch, bytes: &[u8], ok: bool) -> Signed {
        if !ok {
            return Signed::default();
        }
        tokenize_into(bytes, &mut scratch.hashes, &mut scratch.spans);
        let tokens = DocTokens::borrowed(&scratch.hashes, &scratch.spans);
        if tokens.len() == 0 {
            return Signed::default();
        }
        let work = (
            &mut scratch.shingles,
            &mut scratch.folded,
            &mut scratch.windows,
        );
        let (sig, repeats) = self.signature_and_repeats(bytes, &tokens, work);
        let reuse = if self.settings.passage_reuse {
            let (f, w) = self.fingerprint_layout();
            let picks = Fingerprints::picked_in(
                &tokens.hashes,
                f,
                w,
                &mut scratch.fingerprints,
                &mut scratch.seen,
            );
            let sketch = sig.values().iter().map(|&v| v as u8).collect();
            Reusable::new(picks, sketch)
        } else {
            Reusable::default()
        };
        Signed {
            tokens: tokens.len(),
            whole: Span::new(tokens.span(0).start, tokens.span(tokens.len() - 1).end),
            band_keys: self.lsh.keys_of(&sig).collect(),
            reuse,
            pick_positions: Box::default(),
            repeats,
        }
    }

    /// Checks candidate pairs of one document `a` (see [`Detector::check_texts`]): its
    /// text is read and, when its tokens are not kept, tokenized once for all of them.
    /// Each outcome comes with whether the LSH index proposed the pair and whether it
    /// was a passage candidate.
    fn check_run(
        &self,
        corpus: &Corpus,
        kept: &[Reusable],
        run: &[Candidate],
        progress: &Progress,
    ) -> Vec<(Option<Pair>, bool, bool)> {
        let none = Reusable::default();
        let reusable = |d: u32| kept.get(d as usize).unwrap_or(&none);
        let Some(a) = run.first().map(|c| c.a) else {
            return Vec::new();
        };
        if progress.is_cancelled() {
            return run.iter().map(|c| (None, c.lsh, false)).collect();
        }
        let ia = DocId::from_index(a as usize);
        let da = corpus.text(ia);
        let mut made;
        let mut ra = reusable(a);
        if !ra.is_kept() && run.len() > 1 {
            // Its spans are made only if one of the pairs yields a passage.
            made = ra.clone();
            made.keep(passages::token_hashes(&da), None);
            ra = &made;
        }
        run.iter()
            .map(|c| {
                if progress.is_cancelled() {
                    return (None, c.lsh, false);
                }
                let ib = DocId::from_index(c.b as usize);
                let db = corpus.text(ib);
                let anchors = c.anchors.iter().map(|&(i, j)| (i as usize, j as usize));
                let pair =
                    self.check_texts((ia, &da, ra), (ib, &db, reusable(c.b)), c.lsh, anchors);
                progress.add(1);
                (pair, c.lsh, !c.anchors.is_empty())
            })
            .collect()
    }

    /// The check of one candidate pair, `a` the earlier document, each with what its
    /// first pass kept (sketch, and tokens when kept): exact Jaccard when the LSH index
    /// proposed it or its sketch estimate is near the threshold; all passages for a
    /// near-duplicate, those around `anchors` otherwise; `None` when it is neither.
    /// The run and [`Detector::check_candidate`] both check with it.
    fn check_texts(
        &self,
        (ia, da, ra): (DocId, &[u8], &Reusable),
        (ib, db, rb): (DocId, &[u8], &Reusable),
        lsh: bool,
        anchors: impl ExactSizeIterator<Item = (usize, usize)>,
    ) -> Option<Pair> {
        let threshold = self.settings.threshold;
        let estimate = estimated_jaccard(&ra.sketch, &rb.sketch);
        let mut exact = None;
        if lsh || estimate >= threshold - near_margin(threshold, self.hasher.num_hashes()) {
            let k = self.settings.shingle_size;
            let jaccard = ra.shingle_set(da, k).jaccard(&rb.shingle_set(db, k));
            if jaccard >= threshold {
                let (ta, tb) = (ra.tokens(da), rb.tokens(db));
                return Some(Pair {
                    a: ia,
                    b: ib,
                    jaccard,
                    jaccard_exact: true,
                    passages: self.shared_of((da, &ta), (db, &tb)),
                });
            }
            exact = Some(jaccard);
        }
        if anchors.len() == 0 {
            return None;
        }
        let passages = self.passages_around((da, ra), (db, rb), anchors);
        if passages.is_empty() {
            return None;
        }
        Some(Pair {
            a: ia,
            b: ib,
            jaccard: exact.unwrap_or(estimate),
            jaccard_exact: exact.is_some(),
            passages,
        })
    }
}

/// Documents signed at a time in stage 1, before their fingerprints go to the rows.
const SIGN_BLOCK: usize = 4096;

/// The most candidate pairs of one document checked together, its tokens made once.
const CHECK_RUN: usize = 8;

/// Documents whose candidate pairs are listed at a time: bounds the anchors held.
const CANDIDATE_BLOCK: usize = 4096;

/// A pair to check.
struct Candidate {
    a: u32,
    b: u32,
    /// The LSH index proposed it.
    lsh: bool,
    /// Where the fingerprints it shares are, in `a` and in `b`, when it is a passage
    /// candidate (two in a consistent order, or a long one); empty otherwise.
    anchors: Vec<(u32, u32)>,
}

/// Checks every run of a chain on the normalized text and gives the passage it makes:
/// from the first verified run to the last, with the verified tokens counted; `None` when
/// fewer than `min` tokens pass. `span_a(i)` and `span_b(j)` are the spans of token i of
/// `a` and token j of `b`.
fn verified_chain(
    (a, span_a): (&[u8], impl Fn(usize) -> Span),
    (b, span_b): (&[u8], impl Fn(usize) -> Span),
    chain: &Chain,
    seed: usize,
    min: usize,
) -> Option<Passage> {
    let (mut first, mut last, mut matched) = (None, None, 0);
    for &run in &chain.runs {
        for_each_verified((a, &span_a), (b, &span_b), run, seed.min(min), |piece| {
            first.get_or_insert(piece);
            last = Some(piece);
            matched += piece.len;
        });
    }
    let (first, last) = (first?, last?);
    if matched < min {
        return None;
    }
    Some(Passage {
        a: Span::new(span_a(first.a).start, span_a(last.a + last.len - 1).end),
        b: Span::new(span_b(first.b).start, span_b(last.b + last.len - 1).end),
        tokens: matched,
        differing: chain.differing,
    })
}

/// Whether two tokens have the same normalized text: byte-equal tokens always do.
#[inline]
fn same_token(a: &[u8], x: Span, b: &[u8], y: Span) -> bool {
    a[x.start..x.end] == b[y.start..y.end] || text::normalized(a, x) == text::normalized(b, y)
}

/// Checks a match token by token on the normalized text. Token hashes are 64-bit, so a
/// mismatch is a hash collision (about 2^-64 per token pair); the match is then cut at
/// the mismatching tokens, and `f` gets each piece of at least `min` tokens.
///
/// Where the match's bytes are the same in both texts, from its first token's first byte
/// to its last token's last byte, so is every token: both ranges begin at a token's first
/// byte and end at a token's last, and a token is made of the characters from its first
/// byte on (a run of word characters, or one character of a script written without
/// spaces, with what continues it), so the same bytes hold the same tokens in the same
/// places. One comparison then checks the whole match (copied text, most matches).
fn for_each_verified(
    (a, span_a): (&[u8], impl Fn(usize) -> Span),
    (b, span_b): (&[u8], impl Fn(usize) -> Span),
    m: Match,
    min: usize,
    mut f: impl FnMut(Match),
) {
    if m.len < min {
        // No piece of it can be long enough.
        return;
    }
    // Where the match ends in each text (nothing to check in an empty one).
    let ends = match m.len {
        0 => (0, 0),
        n => (span_a(m.a + n - 1).end, span_b(m.b + n - 1).end),
    };
    if m.len > 0 && a[span_a(m.a).start..ends.0] == b[span_b(m.b).start..ends.1] {
        debug_assert!(
            (0..m.len).all(|i| same_token(a, span_a(m.a + i), b, span_b(m.b + i))),
            "the same bytes hold the same tokens"
        );
        f(m);
        return;
    }
    // Token by token, each checked against a stretch where the bytes of the two texts
    // agree, from the first byte of a token on: a token at the same place in the
    // stretch in both, and inside it, has the same bytes (no comparison of its own).
    // Where one is not, the stretch is measured again from it (most differences are
    // in the spaces between tokens, each costing one new stretch).
    // The stretch: `(from in a, from in b, bytes)`.
    let mut stretch = (0, 0, 0);
    let mut run_start = 0;
    for i in 0..=m.len {
        let same = i < m.len && {
            let (x, y) = (span_a(m.a + i), span_b(m.b + i));
            in_stretch(x, y, stretch) || {
                let agree = common_prefix(&a[x.start..ends.0], &b[y.start..ends.1]);
                stretch = (x.start, y.start, agree);
                in_stretch(x, y, stretch) || same_token(a, x, b, y)
            }
        };
        if !same {
            if i - run_start >= min {
                f(Match {
                    a: m.a + run_start,
                    b: m.b + run_start,
                    len: i - run_start,
                });
            }
            run_start = i + 1;
        }
    }
}

/// Whether token spans `x` (in a) and `y` (in b) are at the same place in a stretch
/// `(from_a, from_b, len)` where the bytes of a from `from_a` and of b from `from_b`
/// agree for `len` bytes, and inside it: then the two tokens have the same bytes.
fn in_stretch(x: Span, y: Span, (from_a, from_b, len): (usize, usize, usize)) -> bool {
    x.start >= from_a
        && x.start - from_a == y.start.wrapping_sub(from_b)
        && x.len() == y.len()
        && x.start - from_a + x.len() <= len
}

/// The number of leading bytes `x` and `y` have in common, eight at a time.
fn common_prefix(x: &[u8], y: &[u8]) -> usize {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let mut at = 0;
    for (u, v) in x.chunks_exact(8).zip(y.chunks_exact(8)) {
        let word = |c: &[u8]| u64::from_le_bytes(c.try_into().expect("eight bytes"));
        let differ = word(u) ^ word(v);
        if differ != 0 {
            return at + differ.trailing_zeros() as usize / 8;
        }
        at += 8;
    }
    at + (x[at..].iter().zip(&y[at..]))
        .take_while(|(u, v)| u == v)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_bad_setting_names_itself() {
        let cases: &[(DetectorBuilder, &str)] = &[
            (Detector::builder().shingle_size(0), "'shingle_size'"),
            (Detector::builder().shingle_size(65), "'shingle_size'"),
            (Detector::builder().num_hashes(0), "'num_hashes'"),
            (Detector::builder().threshold(0.0), "'threshold'"),
            (Detector::builder().threshold(f64::NAN), "'threshold'"),
            (
                Detector::builder().min_passage_tokens(0),
                "'min_passage_tokens'",
            ),
            (Detector::builder().bands(4), "'rows'"),
            (Detector::builder().rows(4), "'bands'"),
            (Detector::builder().bands(64).rows(4), "'rows'"),
            (
                Detector::builder().false_negative_weight(1.0),
                "'false_negative_weight'",
            ),
            (
                Detector::builder().fingerprint_tokens(1),
                "'fingerprint_tokens'",
            ),
            (
                Detector::builder().fingerprint_tokens(usize::MAX),
                "'fingerprint_tokens'",
            ),
            (
                Detector::builder().min_passage_tokens(usize::MAX),
                "'min_passage_tokens'",
            ),
            (
                Detector::builder().boilerplate_docs(1),
                "'boilerplate_docs'",
            ),
            (Detector::builder().seed_tokens(0), "'seed_tokens'"),
            (Detector::builder().max_gap(usize::MAX), "'max_gap'"),
            (Detector::builder().max_group(1), "'max_group'"),
        ];
        for (builder, name) in cases {
            let e = builder.clone().build().unwrap_err().to_string();
            assert!(e.contains(name), "{e} should name {name}");
        }
    }

    #[test]
    fn without_passages_the_layout_is_chosen_for_recall_and_kept_by_the_settings() {
        let off = Detector::builder().passage_reuse(false).build().unwrap();
        assert_eq!((off.layout().bands(), off.layout().rows()), (21, 6));
        // The settings say the weight, so a detector made again from them (an index
        // reopened) has the same layout; settings written when the weight did not depend
        // on passage search (0.95 either way) keep their 16 x 8.
        let text = off.settings().encode();
        assert!(text.contains("false_negative_weight=0.999\n"));
        let again = Settings::decode(&text).unwrap().build().unwrap();
        assert_eq!(again.layout(), off.layout());
        let before = text.replace("false_negative_weight=0.999", "false_negative_weight=0.95");
        let before = Settings::decode(&before).unwrap().build().unwrap();
        assert_eq!((before.layout().bands(), before.layout().rows()), (16, 8));
        // The plan's near-duplicate rerun keeps the layout of the detector it comes from.
        let on = Detector::builder().build().unwrap();
        let near = on.near_duplicates_only();
        assert_eq!(near.layout(), on.layout());
        assert_eq!(near.settings().false_negative_weight(), 0.95);
    }

    #[test]
    fn explicit_bands_and_rows_override_the_threshold() {
        let d = Detector::builder().bands(16).rows(8).build().unwrap();
        assert_eq!((d.layout().bands(), d.layout().rows()), (16, 8));
    }

    #[test]
    fn identical_texts_point_to_their_first_copy() {
        let texts: [&[u8]; 7] = [
            b"one text",
            b"another",
            b"one text",
            b"\0binary",
            b"\0binary",
            b"another",
            b"one text",
        ];
        let mut memory = Corpus::new();
        let mut disk = Corpus::on_disk(std::env::temp_dir()).unwrap();
        for (i, t) in texts.iter().enumerate() {
            memory.add(i.to_string(), *t);
            disk.add(i.to_string(), *t);
        }
        for c in [memory, disk] {
            assert_eq!(first_copies(&c), [0, 1, 0, 3, 4, 1, 0]);
        }
    }

    /// Text of `words` (indices into a small vocabulary with case and accent variants,
    /// words of one length and a word that begins another) joined by the separators
    /// `seps` picks.
    fn text_of(words: &[usize], seps: &[usize]) -> String {
        const WORDS: [&str; 8] = ["the", "The", "THE", "café", "cafe", "Café", "thy", "there"];
        const SEPS: [&str; 5] = [" ", "  ", "\n", ", ", " -- "];
        let mut out = String::new();
        for (k, &w) in words.iter().enumerate() {
            out.push_str(SEPS[seps.get(k).copied().unwrap_or(0) % SEPS.len()]);
            out.push_str(WORDS[w % WORDS.len()]);
        }
        out
    }

    proptest! {
        /// Against checking every token on its own: the same pieces, whatever the
        /// spaces between tokens and however the tokens differ.
        #[test]
        fn verification_equals_checking_each_token(
            words in proptest::collection::vec(0usize..8, 0..60),
            // Often near the start of the match, the first token checked.
            changed in proptest::collection::vec((prop_oneof![0usize..5, 0usize..60], 0usize..8), 0..6),
            (seps_a, seps_b) in (
                proptest::collection::vec(0usize..5, 0..60),
                proptest::collection::vec(0usize..5, 0..60),
            ),
            (from_a, from_b, min) in (0usize..4, 0usize..4, 1usize..6),
        ) {
            let mut other = words.clone();
            for (at, w) in changed {
                if let Some(x) = other.get_mut(at) {
                    *x = w;
                }
            }
            let (a, b) = (text_of(&words, &seps_a), text_of(&other, &seps_b));
            let ta: Vec<Token> = text::tokens(a.as_bytes()).collect();
            let tb: Vec<Token> = text::tokens(b.as_bytes()).collect();
            let len = ta.len().saturating_sub(from_a).min(tb.len().saturating_sub(from_b));
            let m = Match { a: from_a, b: from_b, len };
            let (a, b) = (a.as_bytes(), b.as_bytes());
            let mut got = Vec::new();
            for_each_verified((a, |i| ta[i].span), (b, |j| tb[j].span), m, min, |p| got.push(p));
            let mut want = Vec::new();
            let mut start = 0;
            for i in 0..=len {
                if i == len || !same_token(a, ta[from_a + i].span, b, tb[from_b + i].span) {
                    if i - start >= min {
                        want.push(Match { a: from_a + start, b: from_b + start, len: i - start });
                    }
                    start = i + 1;
                }
            }
            prop_assert_eq!(got, want);
        }
    }

    proptest! {
        /// A run takes its shingles' hashes as the keys of its search for repeats (seeds
        /// as long as shingles), [`Detector::repeats`] makes its own: the same repeats,
        /// with seeds as long as shingles or not.
        #[test]
        fn a_run_finds_the_repeats_each_text_has_alone(
            texts in proptest::collection::vec(proptest::collection::vec(0usize..8, 0..80), 1..4),
            seps in proptest::collection::vec(0usize..5, 0..80),
            (seed, shingle) in (3usize..6, 3usize..6),
        ) {
            let det = Detector::builder()
                .min_passage_tokens(6)
                .seed_tokens(seed)
                .shingle_size(shingle)
                .build()
                .unwrap();
            let mut corpus = Corpus::new();
            for (k, words) in texts.iter().enumerate() {
                // Each text twice over, with a change, so that it repeats itself.
                let mut doubled = words.clone();
                doubled.extend(words.iter().map(|w| (w + 1) % 8).take(3));
                doubled.extend(words.iter().skip(3));
                corpus.add(format!("{k}"), text_of(&doubled, &seps));
            }
            let report = det.run(&corpus);
            for (id, _) in corpus.iter() {
                let alone = det.repeats(&corpus.text(id));
                let in_run = report.repeats().find(|r| r.doc == id).map(|r| r.passages().to_vec());
                prop_assert_eq!(in_run.unwrap_or_default(), alone);
            }
        }
    }

    #[test]
    fn verification_cuts_at_mismatches() {
        // Pretend the aligner matched 'a b X c d' with 'a b Y c d'.
        let (a, b) = ("a b x c d", "a b y c d");
        let ta: Vec<Token> = text::tokens(a.as_bytes()).collect();
        let tb: Vec<Token> = text::tokens(b.as_bytes()).collect();
        let m = Match { a: 0, b: 0, len: 5 };
        let mut got = Vec::new();
        for_each_verified(
            (a.as_bytes(), |i| ta[i].span),
            (b.as_bytes(), |j| tb[j].span),
            m,
            2,
            |p| got.push(p),
        );
        assert_eq!(
            got,
            [Match { a: 0, b: 0, len: 2 }, Match { a: 3, b: 3, len: 2 }]
        );
    }
}
