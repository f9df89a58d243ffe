//! Seeded generators of text for tests and benches: made-up words from syllables, so no
//! outside text is needed and every run sees the same corpus. Also [`Scratch`], a test's
//! own folder on disk.
#![allow(dead_code)] // each test crate uses a different part

/// SplitMix64: a tiny deterministic generator.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        unit < p
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ren", "tas", "vo", "ne", "dri", "pu", "sel", "gor", "an", "bi", "cu", "fen",
    "hal", "jo", "kri", "mun", "os", "pel", "qua", "ri", "sto", "tu", "ve", "wy", "zan",
];

/// One made-up word of 1 to 3 syllables; a vocabulary of about 22,000 words.
pub fn word(rng: &mut Rng) -> String {
    let n = 1 + rng.below(3);
    (0..n)
        .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
        .collect()
}

/// `n` words with sentence punctuation and a line break every ~60 words.
pub fn text(rng: &mut Rng, n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        if i > 0 {
            out.push_str(if i % 60 == 0 {
                ".\n"
            } else if rng.chance(0.08) {
                ", "
            } else {
                " "
            });
        }
        out.push_str(&word(rng));
    }
    out.push_str(".\n");
    out
}

/// `text` with about `rate` of its words replaced by fresh ones.
pub fn edit(rng: &mut Rng, text: &str, rate: f64) -> String {
    let mut out = String::with_capacity(text.len());
    for piece in text.split_inclusive(' ') {
        if rng.chance(rate) {
            out.push_str(&word(rng));
            if piece.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push_str(piece);
        }
    }
    out
}

/// An order-2 Markov chain over the words of a paragraph pool: generated text reuses the
/// pool's short phrases (as real prose shares stock phrases) and now and then a longer
/// stretch where a two-word context has one successor.
pub struct Markov {
    words: Vec<String>,
    seq: Vec<u32>,
    /// `(w[i-2], w[i-1], w[i])` for every position i >= 2 of the pool, sorted.
    by_context: Vec<(u32, u32, u32)>,
    /// `(w[i-1], w[i])` for every position i >= 1 of the pool, sorted: the order-1 chain
    /// that a walk backs off to.
    by_word: Vec<(u32, u32)>,
    /// The chance of backing off at each word.
    backoff: f64,
    /// Positions of the pool's paragraph starts.
    starts: Vec<usize>,
}

impl Markov {
    /// A chain over the distinct `paragraphs` (whitespace-separated words, punctuation
    /// kept on them; a paragraph that occurs twice counts once).
    ///
    /// # Panics
    ///
    /// When no paragraph has three words.
    pub fn new<S: AsRef<str>>(paragraphs: &[S]) -> Markov {
        let mut distinct: Vec<&str> = paragraphs.iter().map(|p| p.as_ref()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let mut ids: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        let mut words: Vec<String> = Vec::new();
        let mut seq: Vec<u32> = Vec::new();
        let mut starts = Vec::new();
        let mut by_context = Vec::new();
        let mut by_word = Vec::new();
        for p in distinct {
            let start = seq.len();
            for w in p.split_whitespace() {
                let id = *ids.entry(w).or_insert_with(|| {
                    words.push(w.to_string());
                    (words.len() - 1) as u32
                });
                seq.push(id);
            }
            let par = &seq[start..];
            if par.len() >= 3 {
                starts.push(start);
                by_context.extend(par.windows(3).map(|w| (w[0], w[1], w[2])));
                by_word.extend(par.windows(2).map(|w| (w[0], w[1])));
            }
        }
        assert!(!starts.is_empty(), "the pool needs a paragraph of 3 words");
        by_context.sort_unstable();
        by_word.sort_unstable();
        Markov {
            words,
            seq,
            by_context,
            by_word,
            backoff: 0.0,
            starts,
        }
    }

    /// Backs off to the order-1 chain (the next word drawn from all that follow the last
    /// word) with probability `p` at each word: 0 copies every stretch of the pool where a
    /// two-word context has one successor; larger values share shorter phrases.
    pub fn backoff(mut self, p: f64) -> Markov {
        self.backoff = p;
        self
    }

    /// About `n` words of text: paragraphs of 40 to 120 words, each walked from a random
    /// paragraph start of the pool, jumping to another start at a dead end.
    pub fn text(&self, rng: &mut Rng, n: usize) -> String {
        let mut out = String::new();
        let mut written = 0;
        while written < n {
            let len = 40 + rng.below(81);
            let (mut x, mut y) = self.start(rng);
            out.push_str(&self.words[x as usize]);
            out.push(' ');
            out.push_str(&self.words[y as usize]);
            for _ in 2..len {
                let z = if rng.chance(self.backoff) {
                    let lo = self.by_word.partition_point(|r| r.0 < y);
                    let hi = self.by_word.partition_point(|r| r.0 <= y);
                    (lo < hi).then(|| self.by_word[lo + rng.below(hi - lo)].1)
                } else {
                    let lo = self.by_context.partition_point(|r| (r.0, r.1) < (x, y));
                    let hi = self.by_context.partition_point(|r| (r.0, r.1) <= (x, y));
                    (lo < hi).then(|| self.by_context[lo + rng.below(hi - lo)].2)
                };
                let z = if let Some(z) = z {
                    z
                } else {
                    let (_, s) = self.start(rng);
                    s
                };
                out.push(' ');
                out.push_str(&self.words[z as usize]);
                (x, y) = (y, z);
            }
            out.push_str("\n\n");
            written += len;
        }
        out
    }

    fn start(&self, rng: &mut Rng) -> (u32, u32) {
        let s = self.starts[rng.below(self.starts.len())];
        (self.seq[s], self.seq[s + 1])
    }
}

/// The prose paragraphs (blocks separated by blank lines) of `files`, in order: those of
/// at least 20 words, nine in ten of them plain words of letters (trailing punctuation
/// allowed), so that lists of file names and addresses stay out. Unreadable files are
/// left out. Real text for a [`Markov`] pool.
pub fn paragraphs_in(files: &[std::path::PathBuf]) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        out.extend(
            text.split("\n\n")
                .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|p| is_prose(p)),
        );
    }
    out
}

fn is_prose(paragraph: &str) -> bool {
    let words: Vec<&str> = paragraph.split(' ').collect();
    let plain = words
        .iter()
        .filter(|w| {
            let w = w.trim_end_matches(|c: char| ",.;:!?)\"'".contains(c));
            let w = w.trim_start_matches(|c: char| "(\"'".contains(c));
            !w.is_empty() && w.chars().all(char::is_alphabetic)
        })
        .count();
    words.len() >= 20 && plain * 10 >= words.len() * 9
}

/// The machine's real text that every Debian development machine has: the files under
/// `/usr/share/common-licenses` and `/usr/share/doc/*/copyright`, in sorted order. Empty
/// where they are absent.
pub fn system_text_files() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    if let Ok(rd) = std::fs::read_dir("/usr/share/common-licenses") {
        files.extend(rd.flatten().map(|e| e.path()).filter(|p| p.is_file()));
    }
    if let Ok(rd) = std::fs::read_dir("/usr/share/doc") {
        files.extend(
            rd.flatten()
                .map(|e| e.path().join("copyright"))
                .filter(|p| p.is_file()),
        );
    }
    files.sort();
    files
}

/// Brute force: the document pairs `(a, b)`, `a < b`, that share an exact run of at least
/// `run` normalized tokens that occurs in at most `max_docs` documents. Every window of
/// `run` tokens is compared by its tokens, not by a hash.
pub fn pairs_sharing_a_run(texts: &[Vec<u8>], run: usize, max_docs: usize) -> Vec<(usize, usize)> {
    let tokens: Vec<Vec<u64>> = texts
        .iter()
        .map(|t| neardup::text::tokens(t).map(|t| t.hash).collect())
        .collect();
    let mut windows: Vec<(&[u64], usize)> = Vec::new();
    for (d, t) in tokens.iter().enumerate() {
        if t.len() >= run {
            windows.extend(t.windows(run).map(|w| (w, d)));
        }
    }
    windows.sort_unstable();
    windows.dedup();
    let mut pairs = Vec::new();
    for group in windows.chunk_by(|x, y| x.0 == y.0) {
        if group.len() < 2 || group.len() > max_docs {
            continue;
        }
        for (i, x) in group.iter().enumerate() {
            pairs.extend(group[i + 1..].iter().map(|y| (x.1, y.1)));
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Whether a report says that documents `a` and `b` share text: a near-duplicate or
/// reuse pair, or both paired with a third document `f` by passages that overlap in `f`
/// (passage candidates are aligned as a star, every later copy with the first one). A
/// document with the bytes of an earlier one is paired with that first copy only, and
/// stands for it.
pub fn found_pairs(report: &neardup::Report<'_>) -> impl Fn(usize, usize) -> bool {
    use std::collections::{BTreeMap, HashMap};
    let corpus = report.corpus();
    let n = corpus.len();
    let texts: Vec<_> = corpus.iter().map(|(id, _)| corpus.text(id)).collect();
    let mut first_of: HashMap<&[u8], usize> = HashMap::new();
    let canon: Vec<usize> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| *first_of.entry(t).or_insert(i))
        .collect();
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    // For every document, the spans in it of the passages it shares, with the partner.
    let mut spans: Vec<BTreeMap<usize, Vec<neardup::Span>>> = vec![BTreeMap::new(); n];
    for p in report.pairs().chain(report.reuse()) {
        let (a, b) = (p.a.index(), p.b.index());
        pairs.push((a, b));
        for q in p.passages() {
            spans[a].entry(b).or_default().push(q.a);
            spans[b].entry(a).or_default().push(q.b);
        }
    }
    pairs.sort_unstable();
    move |a, b| {
        let (a, b) = (canon[a], canon[b]);
        if a == b || pairs.binary_search(&(a.min(b), a.max(b))).is_ok() {
            return true;
        }
        spans[a].keys().any(|&f| {
            let (Some(x), Some(y)) = (spans[f].get(&a), spans[f].get(&b)) else {
                return false;
            };
            x.iter().any(|s| y.iter().any(|t| s.overlaps(t)))
        })
    }
}

/// Documents of random kinds in a random order: originals, edited copies of any earlier
/// one (near-duplicates, chains when the source is itself a copy), quotes of an earlier
/// one (shared passages), and texts that repeat a stretch of their own.
pub fn random_texts(n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng(seed);
    let mut out: Vec<String> = Vec::new();
    for i in 0..n {
        let kind = if out.is_empty() { 0 } else { rng.below(5) };
        let t = match kind {
            1 => {
                let src = rng.below(out.len());
                let rate = [0.0, 0.01, 0.03][rng.below(3)];
                format!("{} own{i}", edit(&mut rng, &out[src], rate))
            }
            2 => {
                let src = rng.below(out.len());
                let words: Vec<&str> = out[src].split(' ').collect();
                let len = 30 + rng.below(60);
                let from = rng.below(words.len().saturating_sub(len).max(1));
                let quote: Vec<&str> = words.iter().skip(from).take(len).copied().collect();
                let (head, tail) = (rng.below(200), rng.below(200));
                format!(
                    "{} {} {}",
                    text(&mut rng, head + 1),
                    quote.join(" "),
                    text(&mut rng, tail + 1)
                )
            }
            3 => {
                let len = 100 + rng.below(300);
                let t = text(&mut rng, len);
                let stretch: Vec<&str> = t.split(' ').skip(10).take(40).collect();
                format!("{t} {} {}", stretch.join(" "), text(&mut rng, 20))
            }
            _ => {
                let len = 50 + rng.below(400);
                text(&mut rng, len)
            }
        };
        out.push(t);
    }
    out
}

// The unit tests' scratch folder, shared (the file is compiled into both).
#[path = "../../src/test_scratch.rs"]
mod test_scratch;
#[allow(unused_imports)] // each test crate uses a different part
pub use test_scratch::Scratch;
