//! How far a stream of adds to an [`Index`] answers like a batch run on a folder of real
//! text: the files are added in order (by name), BATCH at a time (each document answers
//! as if added alone, against the committed runs and the documents before it in its
//! batch), then, for documents spread over the stream, the answer the index gave when
//! the document was added is compared with what a batch run over the documents up to it
//! finds for it (the pairs whose later member it is). The two agree exactly on text
//! without boilerplate (the index tests); on real text they differ where the stream
//! decided boilerplate differently (see the `index` module docs).
//!
//! ```text
//! cargo run --release --example index-agreement -- DIR [SAMPLES] [BATCH]
//! ```
//!
//! SAMPLES (default 25, at most one less than the files) documents are compared, evenly
//! spread; BATCH defaults to 100. The index is written to `target/index-agreement` and
//! removed at the end. Prints one line per document and a total: pairs both find (and
//! how many of those with different passages), pairs only the index finds, pairs only
//! the batch run finds. With `SHOW=K` in the environment, the pairs of the Kth
//! document compared (from 1) are printed too, each passage with its spans and the
//! start of its text, marked `both` (the same passages), `index only` or `batch only`
//! (a pair without passages, a near-duplicate, on one line); a pair that both
//! find with different passages is printed twice, marked `index's passages` and
//! `batch's passages`.

use neardup::index::Index;
use neardup::{Corpus, Detector};
use std::collections::BTreeMap;

/// A passage's byte spans, `(in the later document, in the earlier)`.
type PassageSpans = ((usize, usize), (usize, usize));

/// The earlier document of each pair, with its passages.
type Answer = BTreeMap<usize, Vec<PassageSpans>>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args.get(1) else {
        return Err("usage: index-agreement DIR [SAMPLES] [BATCH]".into());
    };
    let samples: usize = args.get(2).map_or(Ok(25), |s| s.parse())?;
    let batch: usize = args.get(3).map_or(Ok(100), |s| s.parse())?;
    let mut paths: Vec<_> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    paths.retain(|p| p.is_file());
    paths.sort();
    let read =
        |p: &std::path::PathBuf| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
    let texts: Vec<Vec<u8>> = paths.iter().map(read).collect::<Result<_, _>>()?;
    if texts.len() < 2 || samples == 0 || batch == 0 {
        return Err("need at least two files, one sample and a batch of one".into());
    }
    let samples = samples.min(texts.len() - 1);
    let show: Option<usize> = std::env::var("SHOW").ok().map(|v| v.parse()).transpose()?;
    let det = Detector::builder().build()?;
    let db = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/index-agreement");
    let db = db.as_path();
    if db.exists() {
        std::fs::remove_dir_all(db)?;
    }
    let ids: Vec<String> = (0..texts.len()).map(|i| format!("{i:07}")).collect();
    let mut streamed = Vec::new();
    {
        let mut index = Index::create(db, &det)?;
        for (ids, texts) in ids.chunks(batch).zip(texts.chunks(batch)) {
            let docs = ids.iter().zip(texts);
            streamed.extend(index.add_batch(docs.map(|(id, t)| (id.as_str(), t.as_slice())))?);
        }
    }
    std::fs::remove_dir_all(db)?;
    let (mut both, mut differ, mut stream_only, mut batch_only) = (0, 0, 0, 0);
    for s in 1..=samples {
        let last = s * (texts.len() - 1) / samples;
        let mut corpus = Corpus::new();
        for (id, t) in ids.iter().zip(&texts).take(last + 1) {
            corpus.add(id.clone(), t.clone());
        }
        let report = det.run(&corpus);
        let mut batch = Answer::new();
        for p in report.pairs().chain(report.reuse()) {
            if p.b.index() == last {
                let spans = p.passages().iter();
                let spans = spans.map(|x| ((x.b.start, x.b.end), (x.a.start, x.a.end)));
                batch.insert(p.a.index(), spans.collect());
            }
        }
        let m = &streamed[last];
        let mut stream = Answer::new();
        for x in m.near_duplicates.iter().chain(&m.shared) {
            let spans = x.passages.iter();
            let spans = spans.map(|p| ((p.a.start, p.a.end), (p.b.start, p.b.end)));
            stream.insert(x.id.parse()?, spans.collect());
        }
        let shared: Vec<usize> = stream
            .keys()
            .filter(|k| batch.contains_key(k))
            .copied()
            .collect();
        if show == Some(s) {
            print_pairs(&texts[last], (&stream, &batch));
        }
        let other = shared.iter().filter(|k| stream[k] != batch[k]).count();
        let only = |a: &Answer, b: &Answer| a.keys().filter(|k| !b.contains_key(k)).count();
        let (s_only, b_only) = (only(&stream, &batch), only(&batch, &stream));
        println!(
            "{} (document {last}): both {} ({other} with different passages), index only {s_only}, batch only {b_only}",
            paths[last].display(),
            shared.len()
        );
        both += shared.len();
        differ += other;
        stream_only += s_only;
        batch_only += b_only;
    }
    println!(
        "{samples} documents: both {both} ({differ} with different passages), index only {stream_only}, batch only {batch_only}"
    );
    Ok(())
}

/// Prints each passage of the pairs of a document whose text is `text`, as the index
/// and the batch run answered it: where it is in both documents and how it begins.
fn print_pairs(text: &[u8], (stream, batch): (&Answer, &Answer)) {
    for (&k, spans) in stream {
        match batch.get(&k) {
            Some(b) if b == spans => print_spans(text, "both", k, spans),
            Some(b) => {
                print_spans(text, "index's passages", k, spans);
                print_spans(text, "batch's passages", k, b);
            }
            None => print_spans(text, "index only", k, spans),
        }
    }
    for (&k, spans) in batch.iter().filter(|(k, _)| !stream.contains_key(k)) {
        print_spans(text, "batch only", k, spans);
    }
}

/// Prints the passages `spans` that the document whose text is `text` shares with
/// document `k`, marked `tag`: where each is in both and how it begins.
fn print_spans(text: &[u8], tag: &str, k: usize, spans: &[PassageSpans]) {
    if spans.is_empty() {
        println!("  {tag}: document {k}, no passages");
    }
    for &((a0, a1), (b0, b1)) in spans {
        let start: String = String::from_utf8_lossy(&text[a0..a1])
            .chars()
            .take(120)
            .collect();
        println!("  {tag}: document {k} {b0}..{b1}, here {a0}..{a1}: {start:?}");
    }
}
