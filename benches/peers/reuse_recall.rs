//! Recall of passage reuse on a folder, against a brute-force oracle: every pair of
//! documents that shares an exact run of at least 30 tokens held by at most 10
//! documents counts, and is found when the default detector's report pairs the two
//! (near-duplicate or reuse), or pairs both with a third document by passages that
//! overlap in it (a passage held by many is aligned as a star), or when they are copies
//! of one text.
//!
//! ```text
//! cargo run --release --example reuse-recall -- DIR [DIR...]
//! cargo run --release --example reuse-recall -- markov   # Markov prose over system text
//! ```
//!
//! The files of DIR (not recursive) are read in name order; binary files are left out.

#[path = "../../tests/common/mod.rs"]
mod common;

use common::{Markov, Rng, found_pairs, pairs_sharing_a_run, paragraphs_in, system_text_files};
use neardup::{Corpus, Detector};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        eprintln!("usage: reuse-recall DIR [DIR...] | markov");
        std::process::exit(2);
    }
    for arg in args {
        let texts = if arg == "markov" {
            let chain = Markov::new(&paragraphs_in(&system_text_files())).backoff(0.3);
            let mut rng = Rng(7);
            (0..3000)
                .map(|_| chain.text(&mut rng, 300).into_bytes())
                .collect()
        } else {
            match read_folder(&arg) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("reuse-recall: {arg}: {e}");
                    std::process::exit(1);
                }
            }
        };
        let mut corpus = Corpus::new();
        for (i, t) in texts.iter().enumerate() {
            corpus.add(format!("{i:06}"), t.clone());
        }
        let t0 = Instant::now();
        let report = Detector::builder()
            .find_repeats(false)
            .build()
            .expect("default settings")
            .run(&corpus);
        let seconds = t0.elapsed().as_secs_f64();
        let found = found_pairs(&report);
        let oracle = pairs_sharing_a_run(&texts, 30, 10);
        let hit = oracle.iter().filter(|p| found(p.0, p.1)).count();
        println!(
            "{arg}: {} documents, {} oracle pairs, {hit} found, recall {:.4} ({seconds:.2} s)",
            texts.len(),
            oracle.len(),
            hit as f64 / oracle.len().max(1) as f64
        );
    }
}

fn read_folder(dir: &str) -> std::io::Result<Vec<Vec<u8>>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Ok(files
        .into_iter()
        .filter_map(|f| std::fs::read(f).ok())
        .filter(|t| !t.contains(&0))
        .collect())
}
