//! The run taken apart (`neardup::detector::engine`): per-document keys grouped by key as
//! an engine would group them, boilerplate counted and fingerprinted around, then each
//! candidate checked, give the pairs `run` gives.

mod common;

use common::{Rng, random_texts, text};
use neardup::reuse::{Boilerplate, SMALL_GROUP, SharedFingerprint, doc_bits};
use neardup::{Corpus, Detector};
use std::collections::{BTreeMap, BTreeSet};

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

/// How often the boilerplate steps changed something in one engine run.
#[derive(Debug, Default)]
struct Fired {
    /// Documents fingerprinted again around boilerplate.
    again: usize,
    /// Fingerprints left out because too many of those documents contain them.
    crowded: usize,
    /// Candidate pairs that share a long fingerprint.
    long: usize,
}

fn by_engine(det: &Detector, texts: &[String]) -> (Reported, Fired) {
    let keys: Vec<_> = texts
        .iter()
        .map(|t| det.document_keys(t.as_bytes()))
        .collect();
    let s = det.settings();
    let max = s.boilerplate_docs();
    // Step 2: band keys.
    let mut by_key: BTreeMap<(usize, u64), Vec<u32>> = BTreeMap::new();
    for (d, k) in keys.iter().enumerate() {
        for (band, &key) in k.band_keys.iter().enumerate() {
            by_key.entry((band, key)).or_default().push(d as u32);
        }
    }
    let mut lsh = BTreeSet::new();
    for holders in by_key.values() {
        lsh.extend(causal_pairs(holders, s.max_group().max(2)));
    }
    // Step 3: boilerplate, and the documents that hold it fingerprinted again.
    let mut prints: Vec<Vec<(u64, u32, bool)>> = keys
        .iter()
        .map(|k| k.fingerprints.iter().map(|&(h, p)| (h, p, false)).collect())
        .collect();
    // Each with the first holder past `max`: it turns common there.
    let common: Vec<(u64, u64)> = holders_of(&prints)
        .into_iter()
        .filter_map(|(h, docs)| Some((h, *docs.iter().nth(max)? as u64)))
        .collect();
    let common = Boilerplate::turning_at(common, doc_bits(texts.len()));
    let mut again = Vec::new();
    for (d, t) in texts.iter().enumerate() {
        if let Some(f) = det.fingerprints_around(t.as_bytes(), &common) {
            prints[d] = f.entries().collect();
            again.push(d);
        }
    }
    let held = holders_of(&prints);
    // Counted: the holders and the documents that count it by containment.
    let mut contained: BTreeMap<u64, usize> = BTreeMap::new();
    for &d in &again {
        for w in det.passage_windows(texts[d].as_bytes(), d as u64, &common) {
            if let Some(docs) = held.get(&w).filter(|docs| (2..=max).contains(&docs.len())) {
                *contained.entry(w).or_insert(docs.len()) += 1;
            }
        }
    }
    // Step 4: fingerprints.
    let mut by_print: BTreeMap<u64, Vec<(u32, u32, bool)>> = BTreeMap::new();
    for (d, own) in prints.iter().enumerate() {
        for &(hash, pos, long) in own {
            by_print
                .entry(hash)
                .or_default()
                .push((d as u32, pos, long));
        }
    }
    let mut fired = Fired {
        again: again.len(),
        ..Fired::default()
    };
    let mut shared: BTreeMap<(u32, u32), Vec<SharedFingerprint>> = BTreeMap::new();
    for (hash, holders) in &by_print {
        let mut docs: Vec<u32> = holders.iter().map(|h| h.0).collect();
        docs.dedup();
        if docs.len() > max {
            continue;
        }
        if contained.get(hash).is_some_and(|&n| n > max) {
            fired.crowded += 1;
            continue;
        }
        for (a, b) in causal_pairs(&docs, SMALL_GROUP) {
            for &(_, pa, long) in holders.iter().filter(|h| h.0 == a) {
                for &(_, pb, _) in holders.iter().filter(|h| h.0 == b) {
                    shared.entry((a, b)).or_default().push(SharedFingerprint {
                        a,
                        b,
                        pos_a: pa,
                        pos_b: pb,
                        long,
                    });
                }
            }
        }
    }
    let mut candidates: BTreeMap<(u32, u32), Candidate> = BTreeMap::new();
    for &p in &lsh {
        candidates.entry(p).or_default().0 = true;
    }
    for (p, mut entries) in shared {
        entries.sort_by_key(|e| (e.pos_a, e.pos_b));
        let anchors = det.passage_anchors(&entries);
        if !anchors.is_empty() {
            fired.long += usize::from(entries.iter().any(|e| e.long));
            candidates.entry(p).or_default().1 = anchors;
        }
    }
    // Step 5.
    let mut out = Reported::new();
    for ((a, b), (lsh, anchors)) in candidates {
        let (ta, tb) = (texts[a as usize].as_bytes(), texts[b as usize].as_bytes());
        if let Some(p) = det.check_candidate((a, b), ta, tb, lsh, &anchors) {
            out.insert(key(&p), value(&p));
        }
    }
    (out, fired)
}

/// The documents that hold each fingerprint, by hash.
fn holders_of(prints: &[Vec<(u64, u32, bool)>]) -> BTreeMap<u64, BTreeSet<usize>> {
    let mut out: BTreeMap<u64, BTreeSet<usize>> = BTreeMap::new();
    for (d, own) in prints.iter().enumerate() {
        for &(h, _, _) in own {
            out.entry(h).or_default().insert(d);
        }
    }
    out
}

/// `random_texts` with boilerplate: two footers, each in about a third of the
/// documents, and both one after the other in a few (a run of common phrases that few
/// documents hold), some of them right after a quote of an earlier document (a rare
/// passage next to common text).
fn texts_with_boilerplate(n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng(seed ^ 0x5eed);
    let footers = [text(&mut rng, 40), text(&mut rng, 35)];
    let mut texts = random_texts(n, seed);
    for i in 0..texts.len() {
        let footer = match rng.below(9) {
            0..=2 => footers[0].clone(),
            3..=5 => footers[1].clone(),
            6 => format!("{} {}", footers[0], footers[1]),
            _ => continue,
        };
        if i > 0 && rng.chance(0.3) {
            let quote: Vec<&str> = texts[rng.below(i)].split(' ').take(30).collect();
            texts[i] = format!("{} {} {footer}", text(&mut rng, 20), quote.join(" "));
        } else {
            texts[i] = format!("{} {footer}", texts[i]);
        }
    }
    texts
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

/// A corpus where every boilerplate step changes the answers (found by the property test
/// below, whose answers differ from the run's without either step): the engine agrees
/// with the run there, and the steps did fire.
#[test]
fn every_boilerplate_step_fires_on_a_known_corpus() {
    let texts = texts_with_boilerplate(31, 11215815242302911700);
    let det = Detector::builder().boilerplate_docs(3).build().unwrap();
    let (engine, fired) = by_engine(&det, &texts);
    assert_eq!(engine, by_run(&det, &texts));
    assert!(
        fired.again > 0 && fired.crowded > 0 && fired.long > 0,
        "{fired:?}"
    );
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
        let (engine, _) = by_engine(&det, &texts);
        let run = by_run(&det, &texts);
        assert!(!run.is_empty());
        assert_eq!(engine, run);
    }

    /// The same with boilerplate: footers in more than `boilerplate_docs` documents,
    /// rare passages right next to them, and runs of common phrases that few hold.
    #[test]
    fn the_engine_steps_give_the_run_with_boilerplate(
        n in 30usize..90,
        seed in proptest::prelude::any::<u64>(),
        max_docs in proptest::sample::select(vec![3usize, 8]),
    ) {
        let texts = texts_with_boilerplate(n, seed);
        let det = Detector::builder().boilerplate_docs(max_docs).build().unwrap();
        let (engine, _) = by_engine(&det, &texts);
        let run = by_run(&det, &texts);
        assert!(!run.is_empty());
        assert_eq!(engine, run);
    }
}
