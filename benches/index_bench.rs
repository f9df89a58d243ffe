//! The persistent index, timed: batched adds of N generated documents of about 2 KB (2%
//! edited copies of earlier ones, some quoting a stretch of an earlier one), the file's
//! size per document, then, in a new process that only queries the index, query
//! latencies for new documents that match nothing, that are near-duplicates, and that
//! quote a passage, and that process's peak RSS.
//!
//! ```text
//! cargo run --release --example index-bench -- [N] [DIR] [BATCH]
//! ```
//!
//! N defaults to 100,000 and BATCH (documents per batch, added by `add_batches`) to
//! 10,000; the index is
//! written to DIR (default target/index-bench) and removed at the end. The documents are
//! made first, into a file in DIR, and read back a batch at a time while the adds are
//! timed (a merge that runs beside the batches must not get the time spent making
//! them); the time ends once the last merge is committed. Run it under
//! `/usr/bin/time -v` for the peak RSS of the process that adds.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{Rng, edit, text};
use neardup::Detector;
use neardup::index::Index;
use std::time::Instant;

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

/// Document `i` of the corpus. Texts are made from a seed per document, so an earlier one
/// is made again on demand instead of being held.
fn make(i: usize) -> String {
    let mut rng = Rng(0x5eed_0000 + i as u64);
    document(i, &mut rng, &make)
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let query_only = args.next_if_eq("--query").is_some();
    let n: usize = args
        .next()
        .map_or(100_000, |a| a.parse().expect("N: a number"));
    let dir = args.next().unwrap_or_else(|| "target/index-bench".into());
    let batch: usize = args
        .next()
        .map_or(10_000, |a| a.parse().expect("BATCH: a number"));
    let path = std::path::Path::new(&dir).join("bench.ndx");
    if query_only {
        query(n, &path);
        return;
    }
    std::fs::create_dir_all(&dir).expect("DIR");
    let _ = std::fs::remove_dir_all(&path);
    let det = Detector::builder().build().expect("default detector");
    let mut index = Index::create(&path, &det).expect("index");

    let made = std::path::Path::new(&dir).join("documents.bin");
    write_documents(n, &made);
    let mut input = std::io::BufReader::new(std::fs::File::open(&made).expect("documents"));
    let (mut bytes, mut matched) = (0usize, 0usize);
    let (start, cpu_start) = (Instant::now(), cpu_seconds());
    // Each batch read when the index asks for it (its keys are made while the batch
    // before it is added).
    let batches = (0..n).step_by(batch).map(|first| {
        let docs: Vec<(String, String)> = (first..(first + batch).min(n))
            .map(|i| (format!("{i:08}"), read_document(&mut input)))
            .collect();
        bytes += docs.iter().map(|d| d.1.len()).sum::<usize>();
        docs
    });
    index
        .add_batches(batches, |_, answers| -> Result<(), neardup::Error> {
            matched += answers.iter().filter(|m| !m.is_empty()).count();
            Ok(())
        })
        .expect("add");
    index.wait_for_merge().expect("the last merge");
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds().zip(cpu_start).map(|(b, a)| b - a);
    let _ = std::fs::remove_file(&made);
    let stats = index.stats().expect("stats");
    let size = stats.file_bytes;
    println!(
        "added {n} documents ({:.1} MB, {matched} matched something) in {secs:.1} s{}: {:.0} documents/s, {:.1} MB/s",
        bytes as f64 / 1e6,
        cpu.map_or(String::new(), |c| format!(" ({c:.1} s of CPU)")),
        n as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
    println!(
        "index on disk {:.1} MB: {:.0} bytes per document ({:.0} of text)",
        size as f64 / 1e6,
        size as f64 / n as f64,
        bytes as f64 / n as f64
    );

    index.compact().expect("compact");
    let compacted = index.stats().expect("stats").file_bytes;
    println!(
        "after compact(): {:.1} MB, {:.0} bytes per document ({} band keys, {} fingerprints, {:.0} bytes of records a document)",
        compacted as f64 / 1e6,
        compacted as f64 / n as f64,
        stats.band_keys,
        stats.fingerprints,
        stats.stored_bytes as f64 / n as f64
    );
    drop(index);
    // Queries from a process that only reads the index, as a service answering them
    // would.
    let out = std::process::Command::new(std::env::current_exe().expect("this program"))
        .args(["--query", &n.to_string(), &dir])
        .output()
        .expect("the query process");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_dir_all(&path);
}

/// Writes documents `0..n` to `path`, each its length (4 bytes, little-endian) then its
/// text.
fn write_documents(n: usize, path: &std::path::Path) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("documents file"));
    for i in 0..n {
        let text = make(i);
        out.write_all(&(text.len() as u32).to_le_bytes())
            .expect("write");
        out.write_all(text.as_bytes()).expect("write");
    }
    out.flush().expect("write");
}

/// The next document of a file that [`write_documents`] wrote.
fn read_document(input: &mut impl std::io::Read) -> String {
    let mut len = [0u8; 4];
    input.read_exact(&mut len).expect("read");
    let mut text = vec![0u8; u32::from_le_bytes(len) as usize];
    input.read_exact(&mut text).expect("read");
    String::from_utf8(text).expect("UTF-8")
}

/// This process's CPU time so far, user and system, where /proc tells it.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // The kernel counts in USER_HZ, 100 a second on Linux.
    Some(ticks / 100.0)
}

/// Query latencies against the index of `n` documents at `path`, and this process's
/// peak RSS.
fn query(n: usize, path: &std::path::Path) {
    let index = neardup::index::Options::new()
        .read_only(true)
        .open(path)
        .expect("the index");
    let mut rng = Rng(7);
    let kinds: [(&str, Box<MakeQuery<'_>>); 3] = [
        ("no match", Box::new(|rng| text(rng, WORDS))),
        (
            "near-duplicate",
            Box::new(|rng| {
                let src = make(rng.below(n));
                edit(rng, &src, 0.02)
            }),
        ),
        (
            "passage",
            Box::new(|rng| {
                let src = make(rng.below(n));
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
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?.to_string();
            Some(line.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    println!("peak RSS of the process that queried: {peak}");
}
