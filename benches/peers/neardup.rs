//! neardup's side of the peer comparison (benches/peers/run.sh).
//!
//! ```text
//! cargo run --release --example peers-neardup -- CORPUS_DIR OUT_PREFIX [--threshold T]
//! ```
//!
//! Reads `CORPUS_DIR/manifest.txt` and the files it lists (not timed), then times, on
//! one thread and document by document, tokenizing and signing (shingle hashing and
//! MinHash, what the peers' signing calls do) separately, and LSH candidate pairs; then the full `Detector::run` (verification, alignment, repeats, clusters) on
//! as many threads as `RAYON_NUM_THREADS` allows. Writes `OUT_PREFIX.candidates.tsv` and
//! `OUT_PREFIX.pairs.tsv` (`i<TAB>j` per line) and prints one JSON line of figures.

use neardup::shingle::shingles;
use neardup::text::Token;
use neardup::{Corpus, Detector, lsh};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    if let Err(e) = run() {
        eprintln!("peers-neardup: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, prefix) = match &args[..] {
        [d, p, ..] => (PathBuf::from(d), p.clone()),
        _ => return Err("usage: peers-neardup CORPUS_DIR OUT_PREFIX [--threshold T]".into()),
    };
    let threshold: f64 = match args.iter().position(|a| a == "--threshold") {
        Some(i) => args
            .get(i + 1)
            .ok_or("--threshold needs a value")?
            .parse()?,
        None => 0.8,
    };
    let manifest = std::fs::read_to_string(dir.join("manifest.txt"))?;
    let mut corpus = Corpus::new();
    for rel in manifest.lines() {
        corpus.add(rel, std::fs::read(dir.join(rel))?);
    }
    let bytes: u64 = corpus.iter().map(|(_, d)| d.len()).sum();
    let det = Detector::builder()
        .threshold(threshold)
        .max_group(usize::MAX)
        .build()?;
    let k = det.settings().shingle_size();

    // One thread, document by document as the detector does: tokens (the peers do this
    // in their untimed preparation), then signing from tokens: shingle hashing and MinHash,
    // what every peer's signing call does. The two are timed separately.
    // Best of three runs, as for the peers.
    let (mut tokenize_seconds, mut sign_seconds) = (f64::INFINITY, f64::INFINITY);
    let mut n_shingles = 0usize;
    let mut sigs = Vec::with_capacity(corpus.len());
    let mut toks: Vec<Token> = Vec::new();
    for _ in 0..3 {
        let (mut tokenize, mut sign) = (0.0, 0.0);
        (n_shingles, sigs) = (0, Vec::with_capacity(corpus.len()));
        for (id, _) in corpus.iter() {
            let t0 = Instant::now();
            neardup::text::tokenize_into(&corpus.text(id), &mut toks);
            let t1 = Instant::now();
            let sh = shingles(&toks, k);
            n_shingles += sh.len();
            sigs.push(det.hasher().sign(sh));
            let t2 = Instant::now();
            tokenize += (t1 - t0).as_secs_f64();
            sign += (t2 - t1).as_secs_f64();
        }
        tokenize_seconds = tokenize_seconds.min(tokenize);
        sign_seconds = sign_seconds.min(sign);
    }

    // LSH candidate pairs, one thread.
    let start = Instant::now();
    let mut rows: Vec<(u64, u32)> = Vec::with_capacity(sigs.len() * det.layout().bands());
    for (i, s) in sigs.iter().enumerate() {
        rows.extend(
            det.layout()
                .band_keys(s)
                .unwrap()
                .map(|key| (key, i as u32)),
        );
    }
    let candidates = lsh::pairs_sharing_a_key(&mut rows, usize::MAX);
    let lsh_seconds = start.elapsed().as_secs_f64();
    drop((rows, sigs));
    write_pairs(
        &format!("{prefix}.candidates.tsv"),
        candidates.iter().copied(),
    )?;

    // The whole pipeline.
    let start = Instant::now();
    let report = det.run(&corpus);
    let run_seconds = start.elapsed().as_secs_f64();
    write_pairs(
        &format!("{prefix}.pairs.tsv"),
        report.pairs().map(|p| (p.a.as_u32(), p.b.as_u32())),
    )?;
    let threads = std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "all".into());
    println!(
        "{{\"peer\":\"neardup\",\"docs\":{},\"bytes\":{bytes},\"shingles\":{n_shingles},\
         \"prep_seconds\":{tokenize_seconds:.4},\"sign_seconds\":{sign_seconds:.4},\"lsh_seconds\":{lsh_seconds:.4},\
         \"run_seconds\":{run_seconds:.4},\"run_threads\":\"{threads}\",\
         \"bands\":{},\"rows\":{},\"candidates\":{},\"pairs\":{}}}",
        corpus.len(),
        det.layout().bands(),
        det.layout().rows(),
        candidates.len(),
        report.pairs().len()
    );
    Ok(())
}

fn write_pairs(path: &str, pairs: impl Iterator<Item = (u32, u32)>) -> std::io::Result<()> {
    let mut w = BufWriter::new(std::fs::File::create(path)?);
    for (a, b) in pairs {
        writeln!(w, "{a}\t{b}")?;
    }
    w.flush()
}
