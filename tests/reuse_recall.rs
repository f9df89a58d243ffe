//! Passage reuse against a brute-force oracle on real text: the copyright files and
//! licences every Debian machine has under /usr/share (read at test time, never copied
//! into the project), and order-2 Markov text walked over their prose (over the project's
//! own prose where the machine has none).

mod common;

use common::{Markov, Rng, pairs_sharing_a_run, paragraphs_in, system_text_files};
use neardup::{Corpus, Detector};

/// The share of oracle pairs (an exact run of at least `run` tokens held by at most
/// `max_docs` documents) that the default detector reports as near-duplicates, as sharing
/// a passage, or as holding occurrences of one passage group.
fn recall(texts: &[Vec<u8>], run: usize, max_docs: usize) -> (f64, usize) {
    let mut corpus = Corpus::new();
    for (i, t) in texts.iter().enumerate() {
        corpus.add(format!("{i:05}"), t.clone());
    }
    let report = Detector::builder()
        .find_repeats(false)
        .build()
        .unwrap()
        .run(&corpus);
    let found = common::found_pairs(&report);
    let oracle = pairs_sharing_a_run(texts, run, max_docs);
    let hit = oracle.iter().filter(|p| found(p.0, p.1)).count();
    (hit as f64 / oracle.len().max(1) as f64, oracle.len())
}

fn system_texts(limit: usize) -> Vec<Vec<u8>> {
    system_text_files()
        .into_iter()
        .take(limit)
        .filter_map(|f| std::fs::read(f).ok())
        .filter(|t| !t.contains(&0))
        .collect()
}

/// The recall of [`recall`] over the machine's first 400 copyright and licence files
/// (`what` names the oracle in the log), and the oracle's size; `None` on a machine with
/// fewer than 50 of them.
fn copyright_recall(run: usize, max_docs: usize, what: &str) -> Option<(f64, usize)> {
    let texts = system_texts(400);
    if texts.len() < 50 {
        eprintln!(
            "skipped: fewer than 50 files under /usr/share/common-licenses and /usr/share/doc/*/copyright"
        );
        return None;
    }
    let (r, n) = recall(&texts, run, max_docs);
    eprintln!(
        "copyright files: {} documents, {n} {what}, recall {r:.4}",
        texts.len()
    );
    Some((r, n))
}

#[test]
fn cross_document_recall_on_copyright_files() {
    let Some((r, n)) = copyright_recall(30, 10, "oracle pairs") else {
        return;
    };
    assert!(n > 100, "the oracle should have pairs to find, got {n}");
    assert!(r >= 0.97, "recall {r:.4} over {n} pairs");
}

/// The guarantee as the docs state it, on real text: a pair that shares an exact run of
/// at least `fingerprint_tokens` (25) tokens held by at most `boilerplate_docs` (50)
/// documents is found, but for runs of 25 to 29 tokens that end in common text (the
/// documented exception). On the development machine's first 400 files: 10 of 20,122
/// pairs missed, 9 of them with no such run longer than 28 tokens. The tenth (the GPL
/// notices of `gzip` and `libisl23`, a run of 32) is paired only through the first
/// holder of its long fingerprint, where the aligner matched `libisl23`'s copy to a
/// longer, edited passage beside the one `gzip`'s matched, so the two passages do not
/// overlap there.
#[test]
fn the_stated_guarantee_holds_on_copyright_files() {
    let what = "pairs sharing a run of 25 tokens in at most 50 documents";
    let Some((r, n)) = copyright_recall(25, 50, what) else {
        return;
    };
    assert!(n > 100, "the oracle should have pairs to find, got {n}");
    assert!(r >= 0.995, "recall {r:.4} over {n} pairs");
}

/// The machine's licence prose, or on a machine without it the project's own (README,
/// changelog, demo folder), so the test always runs.
fn prose() -> (Vec<String>, &'static str) {
    let system = paragraphs_in(&system_text_files());
    if system.len() >= 100 && std::env::var_os("NEARDUP_TEST_OWN_PROSE").is_none() {
        return (system, "licence prose");
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md"), root.join("CHANGELOG.md")];
    if let Ok(rd) = std::fs::read_dir(root.join("examples/demo")) {
        files.extend(rd.flatten().map(|e| e.path()));
    }
    files.sort();
    (paragraphs_in(&files), "the project's own prose")
}

#[test]
fn cross_document_recall_on_markov_prose() {
    let (paragraphs, source) = prose();
    assert!(
        paragraphs.len() >= 20,
        "{} paragraphs of {source}",
        paragraphs.len()
    );
    let m = Markov::new(&paragraphs).backoff(0.3);
    let mut rng = Rng(7);
    let texts: Vec<Vec<u8>> = (0..3000)
        .map(|_| m.text(&mut rng, 300).into_bytes())
        .collect();
    let (r, n) = recall(&texts, 30, 10);
    eprintln!(
        "Markov text over {source}: {} documents, {n} oracle pairs, recall {r:.4}",
        texts.len()
    );
    assert!(n > 100, "the oracle should have pairs to find, got {n}");
    assert!(r >= 0.97, "recall {r:.4} over {n} pairs");
}
