//! The persistent index, timed: batched adds of N generated documents of about 2 KB (2%
//! edited copies of earlier ones, some quoting a stretch of an earlier one), then query
//! latencies for new documents that match nothing, that are near-duplicates, and that
//! quote a passage; the file's size per document.
//!
//! ```text
//! cargo run --release --example index-bench -- [N] [DIR]
//! ```
//!
//! N defaults to 100,000; the index is written to DIR (default target/index-bench) and
//! removed at the end. Run it under `/usr/bin/time -v` for the peak RSS.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{Rng, edit, text};
use neardup::Detector;
use neardup::index::Index;
use std::time::Instant;

const BATCH: usize = 1000;
const WORDS: usize = 330;

/// Document `i`: an edited copy of an earlier one (2%), a quote of one (2%), or new text.
fn document(i: usize, rng: &mut Rng, earlier: &dyn Fn(usize) -> String) -> String {
    match (i, rng.below(100)) {
        (1.., 0..2) => {
            let src = earlier(rng.below(i));
            edit(rng, &src, 0.02)
        }
        (1.., 2..4) => {
            let src = earlier(rng.below(i));
            quoting(rng, &src)
        }
        _ => text(rng, WORDS),
    }
}

/// Makes one query text.
type MakeQuery<'a> = dyn Fn(&mut Rng) -> String + 'a;

/// A text quoting 60 words of `src` between new ones.
fn quoting(rng: &mut Rng, src: &str) -> String {
    let quote: Vec<&str> = src.split(' ').skip(40).take(60).collect();
    let (before, after) = (text(rng, WORDS / 2), text(rng, WORDS / 3));
    format!("{before} {} {after}", quote.join(" "))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map_or(100_000, |a| a.parse().expect("N: a number"));
    let dir = args.next().unwrap_or_else(|| "target/index-bench".into());
    std::fs::create_dir_all(&dir).expect("DIR");
    let path = std::path::Path::new(&dir).join("bench.ndx");
    let _ = std::fs::remove_file(&path);
    let det = Detector::builder().build().expect("default detector");
    let mut index = Index::create(&path, &det).expect("index");

    // Texts are made from a seed per document, so an earlier one is made again on demand
    // instead of being held.
    let seed_of = |i: usize| 0x5eed_0000 + i as u64;
    fn make(i: usize, seed_of: &dyn Fn(usize) -> u64) -> String {
        let mut rng = Rng(seed_of(i));
        document(i, &mut rng, &|j| make(j, seed_of))
    }
    let (mut bytes, mut matched) = (0usize, 0usize);
    let start = Instant::now();
    let mut made_time = 0.0;
    for first in (0..n).step_by(BATCH) {
        let t = Instant::now();
        let docs: Vec<(String, String)> = (first..(first + BATCH).min(n))
            .map(|i| (format!("{i:08}"), make(i, &seed_of)))
            .collect();
        made_time += t.elapsed().as_secs_f64();
        bytes += docs.iter().map(|d| d.1.len()).sum::<usize>();
        let answers = index
            .add_batch(docs.iter().map(|(id, t)| (id.as_str(), t.as_bytes())))
            .expect("add");
        matched += answers.iter().filter(|m| !m.is_empty()).count();
    }
    let secs = start.elapsed().as_secs_f64() - made_time;
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    println!(
        "added {n} documents ({:.1} MB, {matched} matched something) in {secs:.1} s: {:.0} documents/s, {:.1} MB/s",
        bytes as f64 / 1e6,
        n as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
    println!(
        "index file {:.1} MB: {:.0} bytes per document ({:.0} of text)",
        size as f64 / 1e6,
        size as f64 / n as f64,
        bytes as f64 / n as f64
    );

    let mut rng = Rng(7);
    let kinds: [(&str, Box<MakeQuery<'_>>); 3] = [
        ("no match", Box::new(|rng| text(rng, WORDS))),
        (
            "near-duplicate",
            Box::new(|rng| {
                let src = make(rng.below(n), &seed_of);
                edit(rng, &src, 0.02)
            }),
        ),
        (
            "passage",
            Box::new(|rng| {
                let src = make(rng.below(n), &seed_of);
                quoting(rng, &src)
            }),
        ),
    ];
    for (name, make_query) in &kinds {
        let queries: Vec<String> = (0..300).map(|_| make_query(&mut rng)).collect();
        let mut ms: Vec<f64> = Vec::new();
        let mut hits = 0;
        for q in &queries {
            let t = Instant::now();
            let m = index.query(q.as_bytes()).expect("query");
            ms.push(t.elapsed().as_secs_f64() * 1e3);
            hits += usize::from(!m.near_duplicates.is_empty() || !m.shared.is_empty());
        }
        ms.sort_by(f64::total_cmp);
        println!(
            "query, {name}: p50 {:.2} ms, p99 {:.2} ms ({hits} of {} matched)",
            percentile(&ms, 0.5),
            percentile(&ms, 0.99),
            queries.len()
        );
    }
    let stats = index.stats().expect("stats");
    index.compact().expect("compact");
    let compacted = std::fs::metadata(&path).map_or(0, |m| m.len());
    println!(
        "after compact(): {:.1} MB, {:.0} bytes per document ({} band keys, {} fingerprints, {:.0} bytes of records a document)",
        compacted as f64 / 1e6,
        compacted as f64 / n as f64,
        stats.band_keys,
        stats.fingerprints,
        stats.stored_bytes as f64 / n as f64
    );
    drop(index);
    let _ = std::fs::remove_file(&path);
}
