//! The run taken apart (`neardup::detector::engine`): per-document keys grouped by key as
//! an engine would group them, then each candidate checked, give the pairs `run` gives.

mod common;

use common::random_texts;
use neardup::reuse::{SMALL_GROUP, SharedFingerprint, consistent};
use neardup::{Corpus, Detector};
use std::collections::BTreeMap;

/// Pairs `(i, j)`, i < j, that the causal rule proposes for holders sorted by document:
/// the first `small` pairwise, the first with every later one.
fn causal_pairs(holders: &[u32], small: usize) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for (j, &b) in holders.iter().enumerate() {
        for (i, &a) in holders[..j].iter().enumerate() {
            if (j < small || i == 0) && a != b {
                out.push((a, b));
            }
        }
    }
    out
}

/// A reported pair: Jaccard (bits), whether exact, passages as byte spans in both.
type Outcome = (u64, bool, Vec<(usize, usize, usize, usize)>);
type Reported = BTreeMap<(usize, usize), Outcome>;
/// A candidate: proposed by a band key, and the consistent anchors it shares.
type Candidate = (bool, Vec<(u32, u32)>);

fn by_engine(det: &Detector, texts: &[String]) -> Reported {
    let keys: Vec<_> = texts
        .iter()
        .map(|t| det.document_keys(t.as_bytes()))
        .collect();
    let s = det.settings();
    // Step 2: band keys.
    let mut by_key: BTreeMap<(usize, u64), Vec<u32>> = BTreeMap::new();
    for (d, k) in keys.iter().enumerate() {
        for (band, &key) in k.band_keys.iter().enumerate() {
            by_key.entry((band, key)).or_default().push(d as u32);
        }
    }
    let mut lsh = std::collections::BTreeSet::new();
    for holders in by_key.values() {
        lsh.extend(causal_pairs(holders, s.max_group().max(2)));
    }
    // Step 3: fingerprints.
    let mut by_print: BTreeMap<u64, Vec<(u32, u32)>> = BTreeMap::new();
    for (d, k) in keys.iter().enumerate() {
        for &(hash, pos) in &k.fingerprints {
            by_print.entry(hash).or_default().push((d as u32, pos));
        }
    }
    let mut shared: BTreeMap<(u32, u32), Vec<SharedFingerprint>> = BTreeMap::new();
    for holders in by_print.values() {
        let mut docs: Vec<u32> = holders.iter().map(|h| h.0).collect();
        docs.dedup();
        assert!(
            docs.len() <= s.boilerplate_docs(),
            "no boilerplate in these corpora"
        );
        for (a, b) in causal_pairs(&docs, SMALL_GROUP) {
            for &(_, pa) in holders.iter().filter(|h| h.0 == a) {
                for &(_, pb) in holders.iter().filter(|h| h.0 == b) {
                    shared.entry((a, b)).or_default().push(SharedFingerprint {
                        a,
                        b,
                        pos_a: pa,
                        pos_b: pb,
                        long: false,
                    });
                }
            }
        }
    }
    let (_, w) = neardup::reuse::layout(s.fingerprint_tokens());
    let reach = w.max(2 * s.fingerprint_tokens());
    let mut candidates: BTreeMap<(u32, u32), Candidate> = BTreeMap::new();
    for &p in &lsh {
        candidates.entry(p).or_default().0 = true;
    }
    for (p, mut entries) in shared {
        entries.sort_by_key(|e| (e.pos_a, e.pos_b));
        if consistent(&entries, reach, s.max_gap()) {
            candidates.entry(p).or_default().1 =
                entries.iter().map(|e| (e.pos_a, e.pos_b)).collect();
        }
    }
    // Step 4.
    let mut out = Reported::new();
    for ((a, b), (lsh, anchors)) in candidates {
        let (ta, tb) = (texts[a as usize].as_bytes(), texts[b as usize].as_bytes());
        if let Some(p) = det.check_candidate((a, b), ta, tb, lsh, &anchors) {
            out.insert(key(&p), value(&p));
        }
    }
    out
}

fn key(p: &neardup::Pair) -> (usize, usize) {
    (p.a.index(), p.b.index())
}

fn value(p: &neardup::Pair) -> Outcome {
    let spans = p
        .passages()
        .iter()
        .map(|x| (x.a.start, x.a.end, x.b.start, x.b.end))
        .collect();
    (p.jaccard.to_bits(), p.jaccard_is_exact(), spans)
}

fn by_run(det: &Detector, texts: &[String]) -> Reported {
    let mut corpus = Corpus::new();
    for (i, t) in texts.iter().enumerate() {
        corpus.add(format!("{i}"), t.as_str());
    }
    let report = det.run(&corpus);
    report
        .pairs()
        .chain(report.reuse())
        .map(|p| (key(p), value(p)))
        .collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// The steps of the engine module give exactly the pairs, Jaccards and passages of
    /// a run, on random corpora with edited copies, families larger than `max_group`,
    /// quotes and repeats (no boilerplate, no identical copies).
    #[test]
    fn the_engine_steps_give_the_run(
        n in 20usize..90,
        seed in proptest::prelude::any::<u64>(),
        max_group in proptest::sample::select(vec![3usize, 200]),
    ) {
        let texts = random_texts(n, seed);
        let det = Detector::builder().max_group(max_group).build().unwrap();
        let engine = by_engine(&det, &texts);
        let run = by_run(&det, &texts);
        assert!(!run.is_empty());
        assert_eq!(engine, run);
    }
}
