//! gaoya's side of the peer comparison:
//! `neardup-peer-gaoya CORPUS_DIR OUT_PREFIX T B R [once]`.
//!
//! Same protocol as benches/peers/peer.py: shingle strings built untimed ("prep"), then
//! signing with `MinHasher32::create_signature` (best of three, one thread; once with
//! `once`, for end-to-end timing of the whole process) and LSH candidate pairs with
//! `MinHashIndex` (B bands x R rows), written to OUT_PREFIX.candidates.tsv; one JSON line
//! of figures on stdout.

use gaoya::minhash::{MinHashIndex, MinHasher, MinHasher32};
use std::io::Write;
use std::time::Instant;

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn shingles(text: &str) -> Vec<String> {
    let w = words(text);
    match w.len() {
        0 => Vec::new(),
        n if n < 5 => vec![w.join(" ")],
        _ => w.windows(5).map(|s| s.join(" ")).collect(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, prefix, threshold, bands, rows, reps) = match &args[..] {
        [d, p, t, b, r] => (d, p, t, b, r, 3),
        [d, p, t, b, r, once] if once == "once" => (d, p, t, b, r, 1),
        _ => {
            eprintln!("usage: neardup-peer-gaoya CORPUS_DIR OUT_PREFIX THRESHOLD BANDS ROWS [once]");
            std::process::exit(2);
        }
    };
    let threshold: f64 = threshold.parse().expect("threshold");
    let (bands, rows): (usize, usize) = (bands.parse().expect("bands"), rows.parse().expect("rows"));
    let manifest = std::fs::read_to_string(format!("{dir}/manifest.txt")).expect("manifest");
    let texts: Vec<String> = manifest
        .lines()
        .map(|p| String::from_utf8_lossy(&std::fs::read(format!("{dir}/{p}")).expect("read")).into_owned())
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let t0 = Instant::now();
    let sets: Vec<Vec<String>> = texts.iter().map(|t| shingles(t)).collect();
    let prep = t0.elapsed().as_secs_f64();
    let n_shingles: usize = sets.iter().map(Vec::len).sum();

    let hasher = MinHasher32::new(bands * rows);
    let mut sign = f64::INFINITY;
    let mut sigs = Vec::new();
    for _ in 0..reps {
        let t0 = Instant::now();
        sigs = sets.iter().map(|s| hasher.create_signature(s.iter())).collect::<Vec<_>>();
        sign = sign.min(t0.elapsed().as_secs_f64());
    }

    let t0 = Instant::now();
    let mut index: MinHashIndex<u32, usize> = MinHashIndex::new(bands, rows, threshold);
    for (i, s) in sigs.iter().enumerate() {
        index.insert(i, s.clone());
    }
    let mut pairs = Vec::new();
    for (i, s) in sigs.iter().enumerate() {
        for j in index.query_owned(s) {
            if j > i {
                pairs.push((i, j));
            }
        }
    }
    let lsh = t0.elapsed().as_secs_f64();
    pairs.sort_unstable();
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(format!("{prefix}.candidates.tsv")).expect("write pairs"),
    );
    for (a, b) in &pairs {
        writeln!(out, "{a}\t{b}").expect("write pairs");
    }
    println!(
        "{{\"peer\":\"gaoya\",\"docs\":{},\"bytes\":{bytes},\"shingles\":{n_shingles},\
         \"prep_seconds\":{prep:.4},\"sign_seconds\":{sign:.4},\"lsh_seconds\":{lsh:.4},\
         \"candidates\":{}}}",
        texts.len(),
        pairs.len()
    );
}
