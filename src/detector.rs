//! The front door: a validated configuration that runs every stage over a corpus.
//!
//! # Stages of [`Detector::run`]
//!
//! 1. Per document, in parallel: tokens ([`crate::text`]), shingles ([`crate::shingle`]),
//!    a MinHash signature ([`crate::minhash`]) and its b LSH band keys ([`crate::lsh`]),
//!    and the passages repeated inside it ([`crate::align`]). Only the band keys are kept:
//!    8·b bytes per document.
//! 2. The `(band key, id)` rows of all documents are sorted; ids that share a key are
//!    candidate pairs ([`lsh::pairs_sharing_a_key`], the same pairs an [`LshIndex`] gives).
//!    A key shared by more than [`Builder::max_group`] documents contributes only the pairs
//!    of its first document with each other one, so 10,000 identical texts cost 9,999
//!    pairs, not 50 million, and still form one cluster.
//! 3. Per candidate pair, in parallel: the exact Jaccard of the two shingle sets (tokens
//!    are recomputed, so memory stays at the band keys); pairs at or above the threshold
//!    are confirmed and aligned.
//! 4. Union-find over the confirmed pairs gives the clusters.
//!
//! Every passage is checked character for character on the normalized text before it is
//! reported. Cost: O(B) for B corpus bytes in stage 1 (O(B·k) hash arithmetic), O(n·b)
//! for stage 2, O(c·t) for c candidate pairs of t tokens in stage 3.

use crate::align::{Aligner, Match};
use crate::cluster::UnionFind;
use crate::corpus::{Corpus, DocId};
use crate::error::Error;
use crate::lsh;
#[cfg(doc)]
use crate::lsh::LshIndex;
use crate::minhash::{self, MinHasher, Signature};
use crate::report::{Cluster, DocumentStats, Pair, Passage, Repeat, RepeatedPassage, Report};
use crate::shingle::{self, ShingleSet};
use crate::text::{self, Span, Token};

/// The default shingle size, in tokens.
pub const DEFAULT_SHINGLE_SIZE: usize = 5;
/// The default Jaccard threshold.
pub const DEFAULT_THRESHOLD: f64 = 0.8;
/// The default [`Builder::max_group`].
pub const DEFAULT_MAX_GROUP: usize = 200;

/// Settings for a [`Detector`]; made and validated by [`Builder`].
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    shingle_size: usize,
    num_hashes: usize,
    seed: u64,
    threshold: f64,
    bands: Option<usize>,
    rows: Option<usize>,
    false_negative_weight: f64,
    min_passage_tokens: usize,
    find_repeats: bool,
    max_group: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            shingle_size: DEFAULT_SHINGLE_SIZE,
            num_hashes: minhash::DEFAULT_NUM_HASHES,
            seed: minhash::DEFAULT_SEED,
            threshold: DEFAULT_THRESHOLD,
            bands: None,
            rows: None,
            false_negative_weight: lsh::DEFAULT_FALSE_NEGATIVE_WEIGHT,
            min_passage_tokens: crate::align::DEFAULT_MIN_TOKENS,
            find_repeats: true,
            max_group: DEFAULT_MAX_GROUP,
        }
    }
}

impl Config {
    /// Tokens per shingle.
    pub fn get_shingle_size(&self) -> usize {
        self.shingle_size
    }
    /// MinHash hash functions.
    pub fn get_num_hashes(&self) -> usize {
        self.num_hashes
    }
    /// MinHash seed.
    pub fn get_seed(&self) -> u64 {
        self.seed
    }
    /// Jaccard threshold.
    pub fn get_threshold(&self) -> f64 {
        self.threshold
    }
    /// Minimum passage length in tokens.
    pub fn get_min_passage_tokens(&self) -> usize {
        self.min_passage_tokens
    }
    /// Whether repeats inside documents are searched.
    pub fn get_find_repeats(&self) -> bool {
        self.find_repeats
    }
}

/// Builds a [`Detector`]. Every setter takes and returns the builder by value; all checks
/// happen in [`Builder::build`].
///
/// ```
/// let det = neardup::Detector::builder()
///     .shingle_size(5)
///     .num_hashes(128)
///     .threshold(0.8)
///     .min_passage_tokens(25)
///     .build()?;
/// assert_eq!(det.lsh_config().bands() * det.lsh_config().rows() <= 128, true);
/// let bad = neardup::Detector::builder().threshold(1.5).build().unwrap_err();
/// assert_eq!(bad.to_string(), "invalid value for 'threshold': expected 0 < t <= 1, got 1.5");
/// # Ok::<(), neardup::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Builder {
    config: Config,
}

impl Builder {
    /// Tokens per shingle, 1 to 64. Default 5. Smaller finds looser similarity (shared
    /// vocabulary), larger demands shared phrasing.
    pub fn shingle_size(mut self, k: usize) -> Builder {
        self.config.shingle_size = k;
        self
    }

    /// MinHash hash functions, 1 to 4096. Default 128. More hashes estimate Jaccard more
    /// tightly (standard error `sqrt(J(1-J)/k)`) and cost proportionally more to sign.
    pub fn num_hashes(mut self, k: usize) -> Builder {
        self.config.num_hashes = k;
        self
    }

    /// MinHash seed. Default [`minhash::DEFAULT_SEED`]. Signatures made with other seeds
    /// are not comparable.
    pub fn seed(mut self, seed: u64) -> Builder {
        self.config.seed = seed;
        self
    }

    /// The Jaccard similarity of shingle sets at or above which two documents are
    /// near-duplicates, `0 < t <= 1`. Default 0.8. Picks LSH bands x rows unless both
    /// [`bands`](Builder::bands) and [`rows`](Builder::rows) are set.
    pub fn threshold(mut self, t: f64) -> Builder {
        self.config.threshold = t;
        self
    }

    /// LSH bands; set together with [`rows`](Builder::rows), `bands x rows <= num_hashes`.
    pub fn bands(mut self, b: usize) -> Builder {
        self.config.bands = Some(b);
        self
    }

    /// LSH rows per band; set together with [`bands`](Builder::bands).
    pub fn rows(mut self, r: usize) -> Builder {
        self.config.rows = Some(r);
        self
    }

    /// How much a missed pair weighs against a needless candidate when bands x rows are
    /// chosen from the threshold, `0 < w < 1`. Default 0.95 (see
    /// [`lsh::DEFAULT_FALSE_NEGATIVE_WEIGHT`]); 0.5 is datasketch's choice.
    pub fn false_negative_weight(mut self, w: f64) -> Builder {
        self.config.false_negative_weight = w;
        self
    }

    /// The shortest passage reported, in tokens, at least 1. Default 25 (about two lines
    /// of prose: long enough that chance matches of common phrases are rare).
    pub fn min_passage_tokens(mut self, m: usize) -> Builder {
        self.config.min_passage_tokens = m;
        self
    }

    /// Whether to search every document for passages repeated inside it. Default true.
    pub fn find_repeats(mut self, yes: bool) -> Builder {
        self.config.find_repeats = yes;
        self
    }

    /// The largest group of documents sharing one LSH band key whose pairs are all
    /// checked, at least 2. Default 200. A larger group (many copies of one text) is
    /// checked as a star: its first document against each other one. The group still forms
    /// one cluster, but pairs among the other members are not listed.
    pub fn max_group(mut self, n: usize) -> Builder {
        self.config.max_group = n;
        self
    }

    /// Checks every setting and makes the detector.
    pub fn build(self) -> Result<Detector, Error> {
        let c = self.config;
        if !(1..=shingle::MAX_SHINGLE_SIZE).contains(&c.shingle_size) {
            return Err(Error::invalid(
                "shingle_size",
                format!("1 <= k <= {}", shingle::MAX_SHINGLE_SIZE),
                c.shingle_size,
            ));
        }
        let hasher = MinHasher::new(c.num_hashes, c.seed)?;
        lsh::check_threshold(c.threshold)?;
        let lsh = match (c.bands, c.rows) {
            (Some(b), Some(r)) => lsh::Config::new(b, r, c.num_hashes)?,
            (None, None) => lsh::Config::for_threshold_weighted(
                c.threshold,
                c.num_hashes,
                c.false_negative_weight,
            )?,
            (Some(_), None) => {
                return Err(Error::invalid("rows", "a value when bands is set", "none"));
            }
            (None, Some(_)) => {
                return Err(Error::invalid("bands", "a value when rows is set", "none"));
            }
        };
        let aligner = Aligner::new(c.min_passage_tokens)?;
        if c.max_group < 2 {
            return Err(Error::invalid("max_group", "2 <= n", c.max_group));
        }
        Ok(Detector {
            config: c,
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
    config: Config,
    hasher: MinHasher,
    lsh: lsh::Config,
    aligner: Aligner,
}

/// What stage 1 keeps of a document.
struct Signed {
    tokens: usize,
    band_keys: Box<[u64]>,
    repeats: Vec<RepeatedPassage>,
}

impl Detector {
    /// A builder with every setting at its default.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The LSH layout in use.
    pub fn lsh_config(&self) -> &lsh::Config {
        &self.lsh
    }

    /// The MinHash hasher in use.
    pub fn hasher(&self) -> &MinHasher {
        &self.hasher
    }

    /// The signature of one text, as [`Detector::run`] computes it. `None` when the text
    /// has no token.
    pub fn sign(&self, bytes: &[u8]) -> Option<Signature> {
        let tokens: Vec<Token> = text::tokens(bytes).collect();
        self.sign_tokens(&tokens)
    }

    fn sign_tokens(&self, tokens: &[Token]) -> Option<Signature> {
        if tokens.is_empty() {
            return None;
        }
        Some(
            self.hasher
                .sign(shingle::shingles(tokens, self.config.shingle_size)),
        )
    }

    /// The passages repeated inside one text, verified, sorted by first copy.
    pub fn repeats(&self, bytes: &[u8]) -> Vec<RepeatedPassage> {
        let tokens: Vec<Token> = text::tokens(bytes).collect();
        self.repeats_of(bytes, &tokens)
    }

    fn repeats_of(&self, bytes: &[u8], tokens: &[Token]) -> Vec<RepeatedPassage> {
        let hashes: Vec<u64> = tokens.iter().map(|t| t.hash).collect();
        let mut out = Vec::new();
        for m in self.aligner.repeats(&hashes) {
            for v in verified(bytes, tokens, bytes, tokens, m, self.aligner.min_tokens()) {
                out.push(RepeatedPassage {
                    first: span_of(tokens, v.a, v.len),
                    again: span_of(tokens, v.b, v.len),
                    tokens: v.len,
                });
            }
        }
        out
    }

    /// The passages two texts share, verified, by position in `a`.
    pub fn shared_passages(&self, a: &[u8], b: &[u8]) -> Vec<Passage> {
        let ta: Vec<Token> = text::tokens(a).collect();
        let tb: Vec<Token> = text::tokens(b).collect();
        self.shared_of(a, &ta, b, &tb)
    }

    fn shared_of(&self, a: &[u8], ta: &[Token], b: &[u8], tb: &[Token]) -> Vec<Passage> {
        let ha: Vec<u64> = ta.iter().map(|t| t.hash).collect();
        let hb: Vec<u64> = tb.iter().map(|t| t.hash).collect();
        let mut out = Vec::new();
        for m in self.aligner.shared(&ha, &hb) {
            for v in verified(a, ta, b, tb, m, self.aligner.min_tokens()) {
                out.push(Passage {
                    a: span_of(ta, v.a, v.len),
                    b: span_of(tb, v.b, v.len),
                    tokens: v.len,
                });
            }
        }
        out
    }

    /// Runs every stage over `corpus`. Never fails: skipped documents are reported as
    /// such, any bytes are accepted.
    pub fn run<'c>(&self, corpus: &'c Corpus) -> Report<'c> {
        let docs: Vec<(DocId, &[u8], bool)> = corpus
            .iter()
            .map(|(id, d)| (id, d.bytes(), d.is_ok()))
            .collect();
        let signed: Vec<Signed> =
            crate::par::map(&docs, |&(_, bytes, ok)| self.stage_one(bytes, ok));

        let mut rows: Vec<(u64, u32)> = signed
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.band_keys.iter().map(move |&k| (k, i as u32)))
            .collect();
        let candidates = lsh::pairs_sharing_a_key(&mut rows, self.config.max_group);
        drop(rows);

        let checked = crate::par::map(&candidates, |&(a, b)| {
            self.confirm(
                corpus,
                DocId::from_index(a as usize),
                DocId::from_index(b as usize),
            )
        });
        let pairs: Vec<Pair> = checked.into_iter().flatten().collect();

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

        let mut stats = Vec::with_capacity(signed.len());
        let mut repeats = Vec::new();
        for (i, s) in signed.into_iter().enumerate() {
            stats.push(DocumentStats { tokens: s.tokens });
            if !s.repeats.is_empty() {
                repeats.push(Repeat {
                    doc: DocId::from_index(i),
                    passages: s.repeats,
                });
            }
        }
        Report {
            corpus,
            stats,
            pairs,
            repeats,
            clusters,
            candidate_pairs: candidates.len(),
        }
    }

    fn stage_one(&self, bytes: &[u8], ok: bool) -> Signed {
        if !ok {
            return Signed {
                tokens: 0,
                band_keys: Box::default(),
                repeats: Vec::new(),
            };
        }
        let tokens: Vec<Token> = text::tokens(bytes).collect();
        let repeats = if self.config.find_repeats {
            self.repeats_of(bytes, &tokens)
        } else {
            Vec::new()
        };
        Signed {
            tokens: tokens.len(),
            band_keys: match self.sign_tokens(&tokens) {
                Some(sig) => self.lsh.band_keys(&sig).collect(),
                None => Box::default(),
            },
            repeats,
        }
    }

    fn confirm(&self, corpus: &Corpus, a: DocId, b: DocId) -> Option<Pair> {
        let (da, db) = (corpus.get(a).bytes(), corpus.get(b).bytes());
        let ta: Vec<Token> = text::tokens(da).collect();
        let tb: Vec<Token> = text::tokens(db).collect();
        let k = self.config.shingle_size;
        let jaccard = ShingleSet::new(&ta, k).jaccard(&ShingleSet::new(&tb, k));
        if jaccard < self.config.threshold {
            return None;
        }
        Some(Pair {
            a,
            b,
            jaccard,
            passages: self.shared_of(da, &ta, db, &tb),
        })
    }
}

/// The byte span from the first byte of token `start` to the last byte of token
/// `start + len - 1`.
fn span_of(tokens: &[Token], start: usize, len: usize) -> Span {
    Span::new(tokens[start].span.start, tokens[start + len - 1].span.end)
}

/// Checks a match token by token on the normalized text. Token hashes are 64-bit, so a
/// mismatch is a hash collision (about 2^-64 per token pair); the match is then cut at
/// the mismatching tokens and the pieces of at least `min` tokens are kept.
fn verified(
    a: &[u8],
    ta: &[Token],
    b: &[u8],
    tb: &[Token],
    m: Match,
    min: usize,
) -> impl Iterator<Item = Match> {
    let mut pieces = Vec::new();
    let mut run_start = 0;
    for i in 0..=m.len {
        let same = i < m.len
            && text::normalized(a, ta[m.a + i].span) == text::normalized(b, tb[m.b + i].span);
        if !same {
            if i - run_start >= min {
                pieces.push(Match {
                    a: m.a + run_start,
                    b: m.b + run_start,
                    len: i - run_start,
                });
            }
            run_start = i + 1;
        }
    }
    pieces.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_setting_names_itself() {
        let cases: &[(Builder, &str)] = &[
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
        ];
        for (builder, name) in cases {
            let e = builder.clone().build().unwrap_err().to_string();
            assert!(e.contains(name), "{e} should name {name}");
        }
    }

    #[test]
    fn explicit_bands_and_rows_override_the_threshold() {
        let d = Detector::builder().bands(16).rows(8).build().unwrap();
        assert_eq!((d.lsh_config().bands(), d.lsh_config().rows()), (16, 8));
    }

    #[test]
    fn spans_cover_whole_tokens() {
        let text = "alpha beta gamma";
        let tokens: Vec<Token> = text::tokens(text.as_bytes()).collect();
        assert_eq!(span_of(&tokens, 1, 2), Span::new(6, 16));
    }

    #[test]
    fn verification_cuts_at_mismatches() {
        // Pretend the aligner matched 'a b X c d' with 'a b Y c d'.
        let (a, b) = ("a b x c d", "a b y c d");
        let ta: Vec<Token> = text::tokens(a.as_bytes()).collect();
        let tb: Vec<Token> = text::tokens(b.as_bytes()).collect();
        let m = Match { a: 0, b: 0, len: 5 };
        let got: Vec<Match> = verified(a.as_bytes(), &ta, b.as_bytes(), &tb, m, 2).collect();
        assert_eq!(
            got,
            [Match { a: 0, b: 0, len: 2 }, Match { a: 3, b: 3, len: 2 }]
        );
    }
}
